/*!
Input validation shared by the handlers: query parameters checked against an allow-list and
JSON bodies checked against the operation's modelled members. Being stricter than a lenient
server is the point: a typo in a parameter name must fail the client's tests here rather
than in production.
*/

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::errors::ApiError;
use crate::http::Request;

/// Checked query parameters of one request.
pub(crate) struct Params<'a>(HashMap<&'a str, &'a str>);

impl<'a> Params<'a> {
    /// The value of `name`, if sent.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.0.get(name).copied()
    }

    /// The value of a parameter that [`params`] already made sure is present.
    pub fn required(&self, name: &str) -> &'a str {
        self.get(name).unwrap_or_default()
    }
}

/// Validates `pairs`: each name must be in `allowed` and appear once, and every name in
/// `required` must be present.
pub(crate) fn check_pairs<'a>(
    pairs: &'a [(String, String)],
    allowed: &[&str],
    required: &[&str],
) -> Result<Params<'a>, ApiError> {
    let mut map = HashMap::new();
    for (name, value) in pairs {
        if !allowed.contains(&name.as_str()) {
            return Err(ApiError::invalid_request(format!(
                "unknown parameter {name:?}"
            )));
        }
        if map.insert(name.as_str(), value.as_str()).is_some() {
            return Err(ApiError::invalid_request(format!(
                "parameter {name:?} given twice"
            )));
        }
    }
    if let Some(missing) = required.iter().find(|r| !map.contains_key(*r)) {
        return Err(ApiError::invalid_request(format!(
            "missing required parameter {missing:?}"
        )));
    }
    Ok(Params(map))
}

/// Validates the request's query string, see [`check_pairs`].
pub(crate) fn params<'a>(
    req: &'a Request,
    allowed: &[&str],
    required: &[&str],
) -> Result<Params<'a>, ApiError> {
    if let Some(e) = &req.query_error {
        return Err(ApiError::invalid_request(e));
    }
    check_pairs(&req.query, allowed, required)
}

/// The request body as a JSON object whose members are all in `modelled`. Like the rest-json
/// services it requires `Content-Type: application/json`; since clients are told to omit
/// absent optional members (protocol.md §2), an explicit `null` is rejected too.
pub(crate) fn json_object(
    req: &Request,
    modelled: &[&str],
) -> Result<Map<String, Value>, ApiError> {
    json_object_of(req, modelled, "application/json")
}

/// [`json_object`] for a body of media type `wanted` (JSON 1.1 services use
/// `application/x-amz-json-1.1`).
pub(crate) fn json_object_of(
    req: &Request,
    modelled: &[&str],
    wanted: &str,
) -> Result<Map<String, Value>, ApiError> {
    let content_type = req.header("content-type").unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if !media_type.eq_ignore_ascii_case(wanted) {
        return Err(ApiError::invalid_request(format!(
            "Content-Type must be {wanted}, got {content_type:?}"
        )));
    }
    let value: Value = serde_json::from_slice(&req.body)
        .map_err(|e| ApiError::invalid_request(format!("body is not JSON: {e}")))?;
    let Value::Object(map) = value else {
        return Err(ApiError::invalid_request("body must be a JSON object"));
    };
    for (name, value) in &map {
        if !modelled.contains(&name.as_str()) {
            return Err(ApiError::invalid_request(format!(
                "unknown member {name:?}"
            )));
        }
        if value.is_null() {
            return Err(ApiError::invalid_request(format!(
                "member {name:?} is null; omit absent members"
            )));
        }
    }
    Ok(map)
}

/// A string member that may be absent; present but empty or not a string is invalid.
pub(crate) fn optional_str<'a>(
    map: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, ApiError> {
    match map.get(name) {
        None => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s)),
        Some(Value::String(_)) => Err(ApiError::invalid_request(format!("{name} is empty"))),
        Some(_) => Err(ApiError::invalid_request(format!(
            "{name} must be a string"
        ))),
    }
}

/// A string member that must be present.
pub(crate) fn required_str<'a>(
    map: &'a Map<String, Value>,
    name: &str,
) -> Result<&'a str, ApiError> {
    optional_str(map, name)?
        .ok_or_else(|| ApiError::invalid_request(format!("missing required member {name}")))
}

/// A list-of-strings member; absent means empty.
pub(crate) fn str_list(map: &Map<String, Value>, name: &str) -> Result<Vec<String>, ApiError> {
    let wrong = || ApiError::invalid_request(format!("{name} must be a list of strings"));
    match map.get(name) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_string).ok_or_else(wrong))
            .collect(),
        Some(_) => Err(wrong()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn params_allow_list() {
        let ok = pairs(&[("account_id", "1"), ("max_result", "5")]);
        let p = check_pairs(
            &ok,
            &["account_id", "max_result", "next_token"],
            &["account_id"],
        );
        let p = p.unwrap();
        assert_eq!(p.required("account_id"), "1");
        assert_eq!(p.get("next_token"), None);

        let unknown = pairs(&[("maxResult", "5")]);
        assert!(check_pairs(&unknown, &["max_result"], &[]).is_err());
        let twice = pairs(&[("a", "1"), ("a", "2")]);
        assert!(check_pairs(&twice, &["a"], &[]).is_err());
        assert!(check_pairs(&[], &["a"], &["a"]).is_err());
    }

    #[test]
    fn json_members() {
        let map: Map<String, Value> =
            serde_json::from_str(r#"{"a":"x","b":["y"],"c":3,"d":""}"#).unwrap();
        assert_eq!(required_str(&map, "a").unwrap(), "x");
        assert!(required_str(&map, "c").is_err());
        assert!(required_str(&map, "d").is_err());
        assert!(required_str(&map, "zz").is_err());
        assert_eq!(str_list(&map, "b").unwrap(), vec!["y".to_string()]);
        assert!(str_list(&map, "a").is_err());
        assert!(str_list(&map, "zz").unwrap().is_empty());
    }
}
