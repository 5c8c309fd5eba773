/*!
API errors and how each service spells them on the wire (protocol.md §1.4, §2.6, §3, §9.5,
§9.6). Handlers return an [`ApiError`]; the router renders it in the shape of the service that
owns the route, so the same "invalid request" reads as OAuth JSON from OIDC, as `__type` JSON
from the portal and the JSON 1.1 services, and as an `<ErrorResponse>` from STS.
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
    /// sso-admin (JSON 1.1, `__type`/`Message`, no `x-amzn-ErrorType`).
    SsoAdmin,
    /// identitystore (JSON 1.1).
    IdentityStore,
    /// organizations (JSON 1.1).
    Organizations,
    /// STS (query protocol; XML errors).
    Sts,
}

impl Service {
    /// The SigV4 signing name of a signed service.
    pub fn signing_name(self) -> Option<&'static str> {
        match self {
            Service::SsoAdmin => Some("sso"),
            Service::IdentityStore => Some("identitystore"),
            Service::Organizations => Some("organizations"),
            Service::Sts => Some("sts"),
            _ => None,
        }
    }

    fn is_json11(self) -> bool {
        matches!(
            self,
            Service::SsoAdmin | Service::IdentityStore | Service::Organizations
        )
    }
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
    /// SigV4: no Authorization header.
    pub fn missing_authentication() -> Self {
        let msg = "Missing Authentication Token";
        Self::new(400, "MissingAuthenticationTokenException", None, msg)
    }
    /// SigV4: the Authorization header is malformed.
    pub fn incomplete_signature(msg: &str) -> Self {
        Self::new(400, "IncompleteSignatureException", None, msg)
    }
    /// SigV4: the signature, its scope or its date is wrong.
    pub fn invalid_signature(msg: &str) -> Self {
        Self::new(400, "InvalidSignatureException", None, msg)
    }
    /// SigV4: unknown access key, or a session token that does not belong to it.
    pub fn unrecognized_client() -> Self {
        let msg = "The security token included in the request is invalid.";
        Self::new(400, "UnrecognizedClientException", None, msg)
    }
    /// SigV4: temporary credentials past their expiry.
    pub fn expired_security_token() -> Self {
        let msg = "The security token included in the request is expired";
        Self::new(400, "ExpiredTokenException", None, msg)
    }
    /// Signed services: the caller lacks the permission.
    pub fn not_authorized(msg: &str) -> Self {
        Self::new(400, "AccessDeniedException", None, msg)
    }
    /// sso-admin / identitystore: bad input.
    pub fn validation(msg: impl AsRef<str>) -> Self {
        Self::new(400, "ValidationException", None, msg.as_ref())
    }
    /// sso-admin / identitystore: no such resource.
    pub fn resource_not_found(msg: impl AsRef<str>) -> Self {
        Self::new(400, "ResourceNotFoundException", None, msg.as_ref())
    }
    /// organizations: bad input.
    pub fn invalid_input(msg: impl AsRef<str>) -> Self {
        Self::new(400, "InvalidInputException", None, msg.as_ref())
    }
    /// organizations: a not-found exception (`AccountNotFoundException`, …).
    pub fn org_not_found(code: &'static str, msg: &str) -> Self {
        Self::new(400, code, None, msg)
    }
    /// sso-admin / identitystore throttling, which they answer with HTTP 400: a client must
    /// classify it by code, not by status.
    pub fn throttling() -> Self {
        Self::new(400, "ThrottlingException", None, "Rate exceeded")
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
        Service::SsoAdmin => "com.amazonaws.swbexternalservice#",
        Service::IdentityStore => "com.amazonaws.identitystore#",
        Service::Organizations => "com.amazonaws.organizations.v20161128#",
        Service::Federation | Service::Web | Service::Sts => "",
    }
}

/// Errors raised by AWS's shared front end (authentication) rather than by the service;
/// they come namespaced `com.amazon.coral.service#` with a lower-case `message`.
const FRONT_END_CODES: &[&str] = &[
    "MissingAuthenticationTokenException",
    "IncompleteSignatureException",
    "InvalidSignatureException",
    "UnrecognizedClientException",
    "ExpiredTokenException",
];

/// STS spells the shared errors its own way (protocol.md §1.4, §9.6).
fn sts_code(err: &ApiError) -> (u16, &'static str) {
    match err.code {
        "MissingAuthenticationTokenException" => (403, "MissingAuthenticationToken"),
        "IncompleteSignatureException" => (400, "IncompleteSignature"),
        "InvalidSignatureException" => (403, "SignatureDoesNotMatch"),
        "UnrecognizedClientException" => (403, "InvalidClientTokenId"),
        "ExpiredTokenException" => (400, "ExpiredToken"),
        "AccessDeniedException" => (403, "AccessDenied"),
        "ValidationException" | "InvalidRequestException" => (400, "ValidationError"),
        "ThrottlingException" | "TooManyRequestsException" => (400, "Throttling"),
        "InternalServerException" => (500, "InternalFailure"),
        "ServiceUnavailableException" => (503, "ServiceUnavailable"),
        other => (err.status, other),
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn render_sts(err: &ApiError) -> Response {
    let (status, code) = sts_code(err);
    let kind = if status >= 500 { "Receiver" } else { "Sender" };
    let xml = format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{code}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{}</RequestId>\n</ErrorResponse>\n",
        xml_escape(&err.message),
        crate::ids::request_id()
    );
    Response::xml(status, &xml)
}

fn render_json11(service: Service, err: &ApiError) -> Response {
    let body = if FRONT_END_CODES.contains(&err.code) {
        json!({"__type": format!("com.amazon.coral.service#{}", err.code), "message": err.message})
    } else {
        json!({"__type": format!("{}{}", namespace(service), err.code), "Message": err.message})
    };
    Response::json11(err.status, &body)
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
        // JSON 1.1 and STS name the error in the body only, so a client must read it there.
        (Service::Sts, _) => return render_sts(err),
        (s, _) if s.is_json11() => return render_json11(s, err),
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
    match fault_error(service, status) {
        Some(err) => render(service, &err),
        None => Response::html(status, "<html><body><h1>Gateway error</h1></body></html>"),
    }
}

/// The service error an injected fault of `status` is answered with; `None` for the 5xx
/// that come as a gateway's HTML page.
pub(crate) fn fault_error(service: Service, status: u16) -> Option<ApiError> {
    Some(match status {
        429 if matches!(service, Service::SsoAdmin | Service::IdentityStore) => {
            ApiError::throttling()
        }
        429 => ApiError::too_many_requests(),
        500 => ApiError::internal(),
        503 => ApiError::unavailable(),
        s if s >= 500 => return None,
        s => ApiError::new(s, "InjectedFaultException", None, "Injected fault"),
    })
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
