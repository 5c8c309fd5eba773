/*!
The one way this crate reads an HTTP request: the server side of the two
loopback listeners (the PKCE redirect, `aws::loopback`; the container
credential endpoint, `app::serve`). Only the request line and the headers are
read, within a size limit and a deadline for the whole head, so a client that
sends too much, too slowly or nothing at all cannot hold a connection; the
answer is one response with `Connection: close`. Bodies are never read:
neither listener takes one.
*/

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// How much a request's head may take and how long it may take to arrive.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The most bytes of request line and headers.
    pub max_head: usize,
    /// The most header lines.
    pub max_headers: usize,
    /// How long the whole head may take to arrive (not per read: a client
    /// sending a byte at a time gets no longer than one sending nothing).
    pub deadline: Duration,
}

/// A request's line and headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, … as sent.
    pub method: String,
    /// The request target as sent: path and query, not decoded.
    pub target: String,
    headers: Vec<(String, String)>,
}

impl Request {
    /// The target's path (before any `?`).
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(p, _)| p)
    }

    /// The target's query (after the first `?`), or "".
    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }

    /// The first header called `name` (ASCII case-insensitive), its value
    /// without surrounding spaces and tabs.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why no request could be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadError {
    /// A request that is not one we take: answer with this status and close
    /// (400 malformed, 431 too large).
    Status(u16),
    /// The client went away, sent nothing in time, or the socket failed:
    /// close without an answer.
    Gone,
}

/// Reads one request's line and headers from `stream` within `limits`.
pub fn read_request(stream: &TcpStream, limits: &Limits) -> Result<Request, ReadError> {
    let start = Instant::now();
    let mut head = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    loop {
        if let Some(end) = head_end(&head) {
            return parse_head(&head[..end], limits);
        }
        if head.len() >= limits.max_head {
            return Err(ReadError::Status(431));
        }
        let left = limits
            .deadline
            .checked_sub(start.elapsed())
            .filter(|d| !d.is_zero())
            .ok_or(ReadError::Gone)?;
        stream
            .set_read_timeout(Some(left))
            .map_err(|_| ReadError::Gone)?;
        let want = chunk.len().min(limits.max_head - head.len());
        match (&*stream).read(&mut chunk[..want]) {
            Ok(0) => return Err(ReadError::Gone),
            Ok(n) => head.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(ReadError::Gone),
        }
    }
}

/// Where the head ends: the empty line after the headers (`\r\n\r\n`, or bare
/// `\n\n` from a lenient client), as the length of the head before it.
fn head_end(buf: &[u8]) -> Option<usize> {
    let crlf = buf.windows(4).position(|w| w == b"\r\n\r\n");
    let lf = buf.windows(2).position(|w| w == b"\n\n");
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Parses `METHOD SP TARGET SP HTTP/1.x` and the `Name: value` lines.
fn parse_head(head: &[u8], limits: &Limits) -> Result<Request, ReadError> {
    let bad = ReadError::Status(400);
    let text = std::str::from_utf8(head).map_err(|_| bad)?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let line = lines.next().ok_or(bad)?;
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad);
    };
    let token = |s: &str| !s.is_empty() && s.bytes().all(is_token_byte);
    if !token(method)
        || !version.starts_with("HTTP/1.")
        || target.is_empty()
        || target.bytes().any(|b| b <= b' ' || b == 0x7f)
    {
        return Err(bad);
    }
    let mut headers = Vec::new();
    for line in lines {
        if headers.len() >= limits.max_headers {
            return Err(ReadError::Status(431));
        }
        // A folded continuation line (obsolete) or a line without a colon is
        // not something a client of ours sends.
        let (name, value) = line.split_once(':').ok_or(bad)?;
        if !token(name) {
            return Err(bad);
        }
        let value = value.trim_matches([' ', '\t']);
        if value.chars().any(|c| c.is_control() && c != '\t') {
            return Err(bad);
        }
        headers.push((name.to_string(), value.to_string()));
    }
    Ok(Request {
        method: method.to_string(),
        target: target.to_string(),
        headers,
    })
}

/// RFC 9110 `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// One response; always `Connection: close` and `Cache-Control: no-store`
/// (what these listeners send is for one client, once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A JSON body.
    pub fn json(status: u16, value: &serde_json::Value) -> Response {
        Response {
            status,
            content_type: "application/json",
            body: value.to_string().into_bytes(),
        }
    }

    /// An HTML page.
    pub fn html(status: u16, page: String) -> Response {
        Response {
            status,
            content_type: "text/html; charset=utf-8",
            body: page.into_bytes(),
        }
    }

    /// No body.
    pub fn empty(status: u16) -> Response {
        Response {
            status,
            content_type: "text/plain",
            body: Vec::new(),
        }
    }

    /// Writes the response, giving up after `timeout` (a client that does
    /// not read cannot hold the writer).
    pub fn write_to(&self, stream: &TcpStream, timeout: Duration) -> io::Result<()> {
        stream.set_write_timeout(Some(timeout))?;
        let head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            self.body.len()
        );
        let mut out = head.into_bytes();
        out.extend_from_slice(&self.body);
        let mut s = stream;
        s.write_all(&out)?;
        s.flush()
    }
}

/// Closes a connection whose request was not read to its end (a refused
/// head), so the answer is not lost: closing with unread input makes the OS
/// reset the connection, and a client may then drop the answer it has not
/// read yet. So: end our side, then read and discard what the client is
/// still sending, at most `max` bytes and for at most `limit`.
pub fn close_after_refusal(stream: &TcpStream, max: usize, limit: Duration) {
    let start = Instant::now();
    if stream.shutdown(std::net::Shutdown::Write).is_err() {
        return;
    }
    let mut buf = [0u8; 4096];
    let mut read = 0;
    while read < max {
        let Some(left) = limit.checked_sub(start.elapsed()).filter(|d| !d.is_zero()) else {
            return;
        };
        if stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match (&*stream).read(&mut buf) {
            Ok(0) => return,
            Ok(n) => read += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

/// The reason phrase of the statuses these listeners send.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    const LIMITS: Limits = Limits {
        max_head: 256,
        max_headers: 4,
        deadline: Duration::from_secs(5),
    };

    /// Sends `bytes` from a client (then half-closes) and reads the request.
    fn read(bytes: &[u8]) -> Result<Request, ReadError> {
        read_with(bytes, &LIMITS)
    }

    fn read_with(bytes: &[u8], limits: &Limits) -> Result<Request, ReadError> {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        client.write_all(bytes).unwrap();
        client.shutdown(std::net::Shutdown::Write).unwrap();
        let (server, _) = listener.accept().unwrap();
        read_request(&server, limits)
    }

    #[test]
    fn reads_the_line_and_headers() {
        let r =
            read(b"GET /role/1/R?x=1 HTTP/1.1\r\nHost: h\r\nAuthorization:  tok \r\n\r\n").unwrap();
        assert_eq!(r.method, "GET");
        assert_eq!((r.path(), r.query()), ("/role/1/R", "x=1"));
        assert_eq!(r.header("authorization"), Some("tok"));
        assert_eq!(r.header("missing"), None);
        let r = read(b"GET / HTTP/1.0\n\n").unwrap();
        assert_eq!((r.path(), r.query()), ("/", ""));
    }

    #[test]
    fn refuses_malformed_and_oversized_heads() {
        for bad in [
            &b"GET /\r\n\r\n"[..],
            b"GET  / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/2\r\n\r\n",
            b"G(T / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
            b"GET / HTTP/1.1\r\n folded: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: \x1b[2J\r\n\r\n",
            b"GET /\xff HTTP/1.1\r\n\r\n",
        ] {
            assert_eq!(read(bad), Err(ReadError::Status(400)), "{bad:?}");
        }
        let long = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(300));
        assert_eq!(read(long.as_bytes()), Err(ReadError::Status(431)));
        let many = format!("GET / HTTP/1.1\r\n{}\r\n", "A: b\r\n".repeat(5));
        assert_eq!(read(many.as_bytes()), Err(ReadError::Status(431)));
        assert_eq!(read(b"GET / HTTP/1.1\r\n"), Err(ReadError::Gone));
    }

    #[test]
    fn a_silent_client_is_dropped_at_the_deadline() {
        let limits = Limits {
            deadline: Duration::from_millis(200),
            ..LIMITS
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        client.write_all(b"GET / HT").unwrap();
        let (server, _) = listener.accept().unwrap();
        let start = Instant::now();
        assert_eq!(read_request(&server, &limits), Err(ReadError::Gone));
        assert!(start.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn responses_close_and_are_not_cached() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        Response::json(401, &serde_json::json!({"Message": "no"}))
            .write_to(&server, Duration::from_secs(1))
            .unwrap();
        drop(server);
        let mut text = String::new();
        client.read_to_string(&mut text).unwrap();
        assert_eq!(
            text,
            "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: 16\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{\"Message\":\"no\"}"
        );
    }
}
