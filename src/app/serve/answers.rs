/*!
What the endpoint answers: the path checked against AWS's formats, the JSON the
SDKs read, and errors as JSON bodies the SDKs show.
*/

use serde_json::json;

use crate::error::Error;
use crate::portal::{self, is_account_id};
use crate::util::credentials::Credentials;
use crate::util::httpd::Response;
use crate::util::{clock, encoding};

/// An account × role, as the endpoint keys the roles it serves.
pub(super) type Key = (String, String);

/// Which role a path asks for: `Ok(None)` for `/`, `Ok(Some(key))` for a
/// well-formed `/role/ACCOUNT_ID/ROLE_NAME`, else the error answer (which
/// never repeats the path: it is whatever a client sent).
pub(super) fn route(path: &str) -> std::result::Result<Option<Key>, Response> {
    if path == "/" {
        return Ok(None);
    }
    let not_found = || {
        error(
            404,
            "NotFound",
            "no such path: ask for / or /role/ACCOUNT_ID/ROLE_NAME",
        )
    };
    let Some((account, role)) = path
        .strip_prefix("/role/")
        .and_then(|rest| rest.split_once('/'))
    else {
        return Err(not_found());
    };
    if role.contains('/') {
        return Err(not_found());
    }
    let account = encoding::percent_decode(account, false);
    let role = encoding::percent_decode(role, false);
    if !is_account_id(&account) {
        return Err(error(
            400,
            "BadRequest",
            "the account id of /role/ACCOUNT_ID/ROLE_NAME must be 12 digits",
        ));
    }
    if portal::role_name_problem(&role).is_some() {
        return Err(error(
            400,
            "BadRequest",
            "the role name of /role/ACCOUNT_ID/ROLE_NAME must be 1 to 64 of A-Z a-z 0-9 + = , . @ _ -",
        ));
    }
    Ok(Some((account, role)))
}

/// The JSON the SDKs' container providers read.
pub(super) fn container_json(c: &Credentials, account_id: &str) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    m.insert("AccessKeyId".into(), c.access_key_id.clone().into());
    m.insert(
        "SecretAccessKey".into(),
        c.secret_access_key.expose().into(),
    );
    if let Some(token) = &c.session_token {
        m.insert("Token".into(), token.expose().into());
    }
    if let Some(t) = c.expiration {
        m.insert("Expiration".into(), clock::format(t).into());
    }
    m.insert("AccountId".into(), account_id.into());
    serde_json::Value::Object(m)
}

/// An error answer: the SDKs show its body ("Received non 200 response …
/// from container metadata: …"), so the message says what to do.
pub(super) fn error(status: u16, code: &str, message: &str) -> Response {
    Response::json(
        status,
        &json!({"Code": code, "Message": format!("sso-config serve: {message}")}),
    )
}

/// The answer for a failed fetch: what went wrong, as the command line would
/// have said it.
pub(super) fn error_for(e: &Error) -> Response {
    let (status, code) = match e {
        Error::LoginRequired { .. } => (503, "LoginRequired"),
        Error::Access(_) => (403, "AccessDenied"),
        Error::NotFound(_) => (404, "NotFound"),
        Error::Api(_) | Error::Net { .. } | Error::Throttled { .. } | Error::Unexpected { .. } => {
            (502, "UpstreamError")
        }
        _ => (500, "InternalError"),
    };
    error(status, code, &e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::secret::Secret;

    #[test]
    fn paths_are_checked_before_anything_else() {
        assert_eq!(route("/"), Ok(None));
        assert_eq!(
            route("/role/111122223333/Admin+x=1,a.b@c_d-e"),
            Ok(Some(("111122223333".into(), "Admin+x=1,a.b@c_d-e".into())))
        );
        assert_eq!(
            route("/role/111122223333/Read%40Only"),
            Ok(Some(("111122223333".into(), "Read@Only".into())))
        );
        for (path, status) in [
            ("/role/11112222333/R", 400),
            ("/role/1111222233334/R", 400),
            ("/role/11112222333x/R", 400),
            ("/role/111122223333/", 400),
            ("/role/111122223333/R%0a", 400),
            ("/role/111122223333/<script>", 400),
            (&format!("/role/111122223333/{}", "R".repeat(65)), 400),
            ("/role/111122223333/R/x", 404),
            ("/role/111122223333", 404),
            ("/credentials", 404),
        ] {
            let r = route(path).unwrap_err();
            assert_eq!(r.status, status, "{path}");
            let body = String::from_utf8(r.body).unwrap();
            assert!(!body.contains("script") && !body.contains("x/"), "{body}");
        }
    }

    #[test]
    fn the_answer_is_what_botocore_reads() {
        let v = container_json(
            &Credentials {
                access_key_id: "ASIA1".into(),
                secret_access_key: Secret::new("s"),
                session_token: Some(Secret::new("t")),
                expiration: clock::from_epoch_secs(1704164645),
            },
            "111122223333",
        );
        for key in ["AccessKeyId", "SecretAccessKey", "Token", "Expiration"] {
            assert!(v[key].is_string(), "{key}: {v}");
        }
        assert_eq!(v["AccountId"], "111122223333");
    }
}
