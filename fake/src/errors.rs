/*!
API errors and how each service spells them on the wire (protocol.md §1.4, §2.6, §3).
Handlers return an [`ApiError`]; the router renders it in the shape of the service that
owns the route, so the same "invalid request" reads as OAuth JSON from OIDC and as
`__type` JSON from the portal.
*/

use serde_json::json;

use crate::http::Response;

/// Which service answers a route; decides the error shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Service {
    /// SSO OIDC (rest-json with OAuth `error`/`error_description`).
    Oidc,
    /// SSO portal (rest-json with `message`/`__type`).
    Portal,
    /// The console federation endpoint (plain text errors).
    Federation,
    /// Pages a browser visits and anything unroutable (`message`/`__type`, no namespace).
    Web,
}

/// An error a handler (or fault injection) answers with.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: u16,
    /// AWS exception name, e.g. `InvalidRequestException`.
    pub code: &'static str,
    /// The OAuth `error` value OIDC puts in the body, when the exception has one.
    pub oauth: Option<&'static str>,
    pub message: String,
}

impl ApiError {
    fn new(status: u16, code: &'static str, oauth: Option<&'static str>, msg: &str) -> Self {
        ApiError {
            status,
            code,
            oauth,
            message: msg.to_string(),
        }
    }

    pub fn invalid_request(msg: impl AsRef<str>) -> Self {
        Self::new(
            400,
            "InvalidRequestException",
            Some("invalid_request"),
            msg.as_ref(),
        )
    }
    pub fn invalid_client(msg: &str) -> Self {
        Self::new(401, "InvalidClientException", Some("invalid_client"), msg)
    }
    pub fn invalid_grant(msg: &str) -> Self {
        Self::new(400, "InvalidGrantException", Some("invalid_grant"), msg)
    }
    pub fn invalid_scope(msg: &str) -> Self {
        Self::new(400, "InvalidScopeException", Some("invalid_scope"), msg)
    }
    pub fn invalid_redirect_uri(msg: &str) -> Self {
        Self::new(
            400,
            "InvalidRedirectUriException",
            Some("invalid_redirect_uri"),
            msg,
        )
    }
    pub fn unauthorized_client(msg: &str) -> Self {
        Self::new(
            400,
            "UnauthorizedClientException",
            Some("unauthorized_client"),
            msg,
        )
    }
    pub fn unsupported_grant_type(msg: &str) -> Self {
        let code = "UnsupportedGrantTypeException";
        Self::new(400, code, Some("unsupported_grant_type"), msg)
    }
    pub fn authorization_pending() -> Self {
        let msg = "Authorization is still pending";
        Self::new(
            400,
            "AuthorizationPendingException",
            Some("authorization_pending"),
            msg,
        )
    }
    pub fn access_denied(msg: &str) -> Self {
        Self::new(400, "AccessDeniedException", Some("access_denied"), msg)
    }
    pub fn expired_token(msg: &str) -> Self {
        Self::new(400, "ExpiredTokenException", Some("expired_token"), msg)
    }
    /// Portal: the bearer token is unknown, expired or logged out.
    pub fn unauthorized() -> Self {
        let msg = "Session token not found or invalid";
        Self::new(401, "UnauthorizedException", None, msg)
    }
    /// Portal: the account or role is not assigned to the user.
    pub fn not_found() -> Self {
        Self::new(404, "ResourceNotFoundException", None, "No access")
    }
    /// The bytes were not an HTTP request the fake accepts.
    pub fn malformed(status: u16, msg: &str) -> Self {
        Self::new(status, "MalformedHttpRequestException", None, msg)
    }
    pub fn unknown_operation(status: u16, msg: &str) -> Self {
        Self::new(status, "UnknownOperationException", None, msg)
    }
    pub fn too_many_requests() -> Self {
        Self::new(429, "TooManyRequestsException", None, "Rate exceeded")
    }
    pub fn internal() -> Self {
        let msg = "An internal server error occurred";
        Self::new(500, "InternalServerException", Some("server_error"), msg)
    }
    pub fn unavailable() -> Self {
        Self::new(
            503,
            "ServiceUnavailableException",
            None,
            "Service unavailable",
        )
    }
}

/// The `__type` namespace of a service's exceptions.
fn namespace(service: Service) -> &'static str {
    match service {
        Service::Oidc => "com.amazonaws.ssooidc#",
        Service::Portal => "com.amazonaws.switchboard.portal#",
        Service::Federation | Service::Web => "",
    }
}

/// The wire form of `err` for `service`.
pub(crate) fn render(service: Service, err: &ApiError) -> Response {
    let response = match (service, err.oauth) {
        (Service::Oidc, Some(oauth)) => Response::json(
            err.status,
            &json!({"error": oauth, "error_description": err.message}),
        ),
        // The sign-in endpoint is not an AWS JSON API; it answers errors in plain text.
        (Service::Federation, _) => return Response::text(err.status, &err.message),
        _ => Response::json(
            err.status,
            &json!({
                "message": err.message,
                "__type": format!("{}{}", namespace(service), err.code),
            }),
        ),
    };
    response.with_header("x-amzn-ErrorType", err.code)
}

/// The response for an injected fault of `status`. 429, 500 and 503 come in the service's
/// shape; other 5xx look like a load balancer's page (no JSON, no error type), which makes a
/// client fall back to classifying by status.
pub(crate) fn fault(service: Service, status: u16) -> Response {
    match status {
        429 => render(service, &ApiError::too_many_requests()),
        500 => render(service, &ApiError::internal()),
        503 => render(service, &ApiError::unavailable()),
        s if s >= 500 => Response::html(s, "<html><body><h1>Gateway error</h1></body></html>"),
        s => render(
            service,
            &ApiError::new(s, "InjectedFaultException", None, "Injected fault"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<'a>(r: &'a Response, name: &str) -> Option<&'a str> {
        r.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn oidc_errors_use_oauth_fields() {
        let r = render(
            Service::Oidc,
            &ApiError::invalid_request("missing clientName"),
        );
        assert_eq!(r.status, 400);
        assert_eq!(
            header(&r, "x-amzn-ErrorType"),
            Some("InvalidRequestException")
        );
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["error"], "invalid_request");
        assert_eq!(body["error_description"], "missing clientName");
    }

    #[test]
    fn portal_errors_use_namespaced_type() {
        let r = render(Service::Portal, &ApiError::unauthorized());
        assert_eq!(r.status, 401);
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(
            body,
            json!({"message": "Session token not found or invalid",
                   "__type": "com.amazonaws.switchboard.portal#UnauthorizedException"})
        );
        assert_eq!(fault(Service::Portal, 502).status, 502);
        assert_eq!(
            header(&fault(Service::Portal, 502), "x-amzn-ErrorType"),
            None
        );
    }
}
