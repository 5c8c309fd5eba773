/*!
Server side of HTTP/1.1: reading one request (body by `Content-Length` only) and writing one
response (always with `Content-Length`), so a connection can carry many exchanges.
*/

use std::io::{self, BufRead, Read, Write};

use serde_json::Value;

use crate::codec;

/// Largest request line plus headers accepted; AWS front ends cap headers similarly.
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body accepted.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// One parsed request.
#[derive(Debug)]
pub(crate) struct Request {
    pub method: String,
    /// Path part of the target, undecoded.
    pub path: String,
    /// Decoded query pairs in order (empty if the query was malformed, see `query_error`).
    pub query: Vec<(String, String)>,
    /// Why the query string could not be decoded; handlers that read the query reject it.
    pub query_error: Option<String>,
    /// Header names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Whether the client lets the connection stay open after the response.
    pub keep_alive: bool,
}

impl Request {
    /// The first value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why no request could be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The peer closed the connection (or it broke) — nothing to answer.
    Closed,
    /// The bytes are not an acceptable request; answer with this status and close.
    Malformed(u16, String),
}

fn malformed(status: u16, msg: impl Into<String>) -> ReadError {
    ReadError::Malformed(status, msg.into())
}

/// Reads one CRLF- (or LF-) terminated line, charging its length to `budget`.
/// `Ok(None)` means a clean end of stream before any byte of the line.
fn read_line(r: &mut impl BufRead, budget: &mut usize) -> Result<Option<String>, ReadError> {
    let mut line = Vec::new();
    let limit = *budget as u64 + 1;
    let n = r
        .take(limit)
        .read_until(b'\n', &mut line)
        .map_err(|_| ReadError::Closed)?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        return Err(if n as u64 == limit {
            malformed(431, "request head too large")
        } else {
            ReadError::Closed
        });
    }
    *budget -= n.min(*budget);
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line)
        .map(Some)
        .map_err(|_| malformed(400, "request head is not UTF-8"))
}

/// Reads the next request from a connection. `Err(Closed)` when the client hung up between
/// requests, which ends a keep-alive connection normally.
pub(crate) fn read_request(r: &mut impl BufRead) -> Result<Request, ReadError> {
    let mut budget = MAX_HEAD;
    // RFC 9112 §2.2: ignore empty lines received before the request line.
    let request_line = loop {
        match read_line(r, &mut budget)? {
            None => return Err(ReadError::Closed),
            Some(line) if line.is_empty() => continue,
            Some(line) => break line,
        }
    };
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed(400, "malformed request line"));
    };
    if !target.starts_with('/') {
        return Err(malformed(
            400,
            "request target must be origin-form (/path?query)",
        ));
    }
    let mut headers = Vec::new();
    loop {
        let line = read_line(r, &mut budget)?.ok_or(ReadError::Closed)?;
        if line.is_empty() {
            break;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| malformed(400, format!("malformed header line {line:?}")))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let connection = header("connection").unwrap_or("").to_ascii_lowercase();
    let keep_alive = match version {
        "HTTP/1.1" => !connection.contains("close"),
        "HTTP/1.0" => connection.contains("keep-alive"),
        _ => return Err(malformed(505, format!("unsupported version {version}"))),
    };
    if header("transfer-encoding").is_some() {
        return Err(malformed(
            411,
            "send the body with Content-Length, not Transfer-Encoding",
        ));
    }
    let length = match header("content-length") {
        None => 0,
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| malformed(400, format!("bad Content-Length {v:?}")))?,
    };
    if length > MAX_BODY {
        return Err(malformed(413, "request body too large"));
    }
    let mut body = vec![0; length];
    r.read_exact(&mut body).map_err(|_| ReadError::Closed)?;

    let (path, query_string) = target.split_once('?').unwrap_or((target, ""));
    let (query, query_error) = match codec::parse_query(query_string) {
        Ok(q) => (q, None),
        Err(e) => (Vec::new(), Some(e)),
    };
    Ok(Request {
        method: method.to_string(),
        path: path.to_string(),
        query,
        query_error,
        headers,
        body,
        keep_alive,
    })
}

/// A response about to be written.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// A `Content-Length` to declare instead of the body's (a hostile answer); the
    /// connection is closed after such a response.
    pub declared_length: Option<u64>,
}

impl Response {
    fn new(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".to_string(), content_type.to_string())],
            body,
            declared_length: None,
        }
    }

    /// A JSON body, as the rest-json services send it.
    pub fn json(status: u16, value: &Value) -> Response {
        Response::new(status, "application/json", value.to_string().into_bytes())
    }

    /// A JSON 1.1 body (sso-admin, identitystore, organizations).
    pub fn json11(status: u16, value: &Value) -> Response {
        Response::new(
            status,
            "application/x-amz-json-1.1",
            value.to_string().into_bytes(),
        )
    }

    /// An XML body (STS).
    pub fn xml(status: u16, xml: &str) -> Response {
        Response::new(status, "text/xml", xml.as_bytes().to_vec())
    }

    /// A plain-text body.
    pub fn text(status: u16, text: &str) -> Response {
        Response::new(
            status,
            "text/plain; charset=utf-8",
            text.as_bytes().to_vec(),
        )
    }

    /// An HTML page, for the endpoints a browser visits.
    pub fn html(status: u16, html: &str) -> Response {
        Response::new(status, "text/html; charset=utf-8", html.as_bytes().to_vec())
    }

    /// `200` with no body (portal Logout).
    pub fn empty(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            declared_length: None,
        }
    }

    /// `302 Found` to `location`.
    pub fn redirect(location: &str) -> Response {
        Response::empty(302).with_header("Location", location)
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// Writes `resp`; `Connection: close` is announced when the server will close afterwards.
/// A response to `HEAD` keeps its `Content-Length` but sends no body.
pub(crate) fn write_response(
    w: &mut impl Write,
    resp: &Response,
    head_only: bool,
    close: bool,
) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    for (name, value) in &resp.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let length = resp.declared_length.unwrap_or(resp.body.len() as u64);
    head.push_str(&format!("Content-Length: {length}\r\n"));
    if close || resp.declared_length.is_some() {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    w.write_all(head.as_bytes())?;
    if !head_only {
        w.write_all(&resp.body)?;
    }
    w.flush()
}

/// Reason phrase of the statuses the fake uses.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        303 => "See Other",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<Request, ReadError> {
        read_request(&mut raw.as_bytes())
    }

    #[test]
    fn reads_two_pipelined_requests() {
        let raw = "POST /token?x=%2F HTTP/1.1\r\nContent-Length: 2\r\nX-A: b\r\n\r\n{}\
                   GET / HTTP/1.1\r\nConnection: close\r\n\r\n";
        let mut reader = raw.as_bytes();
        let first = read_request(&mut reader).unwrap();
        assert_eq!(first.method, "POST");
        assert_eq!(first.path, "/token");
        assert_eq!(first.query, vec![("x".to_string(), "/".to_string())]);
        assert_eq!(first.header("x-a"), Some("b"));
        assert_eq!(first.body, b"{}");
        assert!(first.keep_alive);
        let second = read_request(&mut reader).unwrap();
        assert!(!second.keep_alive);
        assert!(matches!(read_request(&mut reader), Err(ReadError::Closed)));
    }

    #[test]
    fn rejects_what_it_does_not_speak() {
        let chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert!(matches!(parse(chunked), Err(ReadError::Malformed(411, _))));
        assert!(matches!(
            parse("GET / HTTP/2\r\n\r\n"),
            Err(ReadError::Malformed(505, _))
        ));
        assert!(matches!(
            parse("GET http://x/ HTTP/1.1\r\n\r\n"),
            Err(ReadError::Malformed(400, _))
        ));
        let huge = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEAD));
        assert!(matches!(parse(&huge), Err(ReadError::Malformed(431, _))));
    }

    #[test]
    fn bad_query_is_kept_for_the_handler() {
        let req = parse("GET /a?x=%zz HTTP/1.0\r\n\r\n").unwrap();
        assert!(req.query_error.is_some());
        assert!(!req.keep_alive);
    }

    #[test]
    fn writes_content_length() {
        let mut out = Vec::new();
        let resp = Response::text(200, "hi").with_header("X", "y");
        write_response(&mut out, &resp, false, true).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(text.contains("Content-Length: 2\r\n"));
        assert!(text.contains("Connection: close\r\n"));
        assert!(text.ends_with("\r\n\r\nhi"));
    }
}
