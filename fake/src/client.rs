/*!
A minimal blocking HTTP/1.1 client for loopback URLs only. `fake-idc browse` uses it as a
stand-in browser, and the fake's own tests use it to talk to the server over real sockets,
including several requests on one kept-alive connection.
*/

use std::io::{self, BufRead, BufReader, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

use serde_json::Value;

/// Upper bound on any single socket wait, so a stuck peer fails a test instead of hanging it.
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// Where an `http://` loopback URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The socket address to connect to.
    pub addr: SocketAddr,
    /// The `Host` header value (`host:port` as written in the URL).
    pub host: String,
    /// Path and query (`/` if the URL has no path).
    pub path: String,
}

/// Parses `http://{127.0.0.1|localhost|[::1]}[:port][/path][?query]`; anything else (another
/// scheme or host) is refused, so the stand-in browser can never reach the network.
pub fn parse_loopback_url(url: &str) -> Result<Target, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("refusing {url:?}: only http:// loopback URLs"))?;
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(split);
    let path = match path {
        "" => "/".to_string(),
        p if p.starts_with('?') => format!("/{p}"),
        p => p.to_string(),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => {
            let port = port
                .parse::<u16>()
                .map_err(|_| format!("bad port in {url:?}"))?;
            (host, port)
        }
        _ => (authority, 80),
    };
    let ip = match host {
        "127.0.0.1" | "localhost" => IpAddr::V4(Ipv4Addr::LOCALHOST),
        "[::1]" => IpAddr::V6(Ipv6Addr::LOCALHOST),
        _ => return Err(format!("refusing {url:?}: host is not loopback")),
    };
    Ok(Target {
        addr: SocketAddr::new(ip, port),
        host: authority.to_string(),
        path,
    })
}

/// A response.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers with lower-case names, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON, or `Value::Null` if it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// One connection, reused for as many requests as the server allows.
pub struct Connection {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    host: String,
}

impl Connection {
    /// Connects to the loopback server of `url` (its path is ignored).
    pub fn open(url: &str) -> io::Result<Connection> {
        let target = parse_loopback_url(url).map_err(io::Error::other)?;
        let stream = TcpStream::connect_timeout(&target.addr, IO_TIMEOUT)?;
        stream.set_read_timeout(Some(IO_TIMEOUT))?;
        stream.set_write_timeout(Some(IO_TIMEOUT))?;
        Ok(Connection {
            reader: BufReader::new(stream.try_clone()?),
            writer: stream,
            host: target.host,
        })
    }

    /// Sends one request (`target` is path and query) and reads the response. A body gets a
    /// `Content-Length`; `headers` are sent as given.
    pub fn send(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<Reply> {
        let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {}\r\n", self.host);
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        self.writer.write_all(head.as_bytes())?;
        self.writer.write_all(body)?;
        self.writer.flush()?;
        read_reply(&mut self.reader, method == "HEAD")
    }

    /// `GET target` with extra headers.
    pub fn get(&mut self, target: &str, headers: &[(&str, &str)]) -> io::Result<Reply> {
        self.send("GET", target, headers, b"")
    }

    /// `POST target` with a JSON body (`Content-Type: application/json`).
    pub fn post_json(&mut self, target: &str, body: &Value) -> io::Result<Reply> {
        let headers = [("Content-Type", "application/json")];
        self.send("POST", target, &headers, body.to_string().as_bytes())
    }
}

/// One `GET url` on a fresh connection that is closed afterwards (what a browser tab does,
/// near enough).
pub fn get(url: &str) -> io::Result<Reply> {
    let target = parse_loopback_url(url).map_err(io::Error::other)?;
    let mut conn = Connection::open(url)?;
    conn.get(
        &target.path,
        &[("Connection", "close"), ("Accept", "text/html")],
    )
}

fn bad(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

fn read_line(r: &mut impl BufRead) -> io::Result<String> {
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed before a complete response",
        ));
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Reads a response: body by `Content-Length`, or up to end of stream without one.
fn read_reply(r: &mut impl BufRead, head_only: bool) -> io::Result<Reply> {
    let status_line = read_line(r)?;
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| bad(format!("bad status line {status_line:?}")))?;
    let mut headers = Vec::new();
    loop {
        let line = read_line(r)?;
        if line.is_empty() {
            break;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| bad(format!("bad header line {line:?}")))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map(|(_, v)| v.parse::<usize>())
        .transpose()
        .map_err(|_| bad("bad Content-Length".to_string()))?;
    let mut body = Vec::new();
    match length {
        _ if head_only => {}
        Some(n) => {
            body.resize(n, 0);
            r.read_exact(&mut body)?;
        }
        None => {
            r.read_to_end(&mut body)?;
        }
    }
    Ok(Reply {
        status,
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_only() {
        let t = parse_loopback_url("http://127.0.0.1:8080/a?b=c").unwrap();
        assert_eq!(t.addr, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(t.path, "/a?b=c");
        assert_eq!(t.host, "127.0.0.1:8080");
        assert_eq!(
            parse_loopback_url("http://localhost:9?x").unwrap().path,
            "/?x"
        );
        assert_eq!(parse_loopback_url("http://[::1]:9").unwrap().addr.port(), 9);
        assert_eq!(
            parse_loopback_url("http://127.0.0.1").unwrap().addr.port(),
            80
        );
        assert!(parse_loopback_url("https://127.0.0.1/").is_err());
        assert!(parse_loopback_url("http://example.com/").is_err());
        assert!(parse_loopback_url("http://127.0.0.1.example.com/").is_err());
        assert!(parse_loopback_url("http://127.0.0.1:x/").is_err());
    }

    #[test]
    fn reply_without_length_reads_to_eof() {
        let raw = b"HTTP/1.1 200 OK\r\nX-A: b\r\n\r\nhello";
        let reply = read_reply(&mut &raw[..], false).unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("X-A"), Some("b"));
        assert_eq!(reply.text(), "hello");
    }
}
