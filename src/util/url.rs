/*!
A strict reader of the URLs this tool is given: endpoint overrides (from the
environment or the config file) and the URLs a service asks us to open in a
browser. It reads `scheme://host[:port][/path…]` and refuses whatever
different URL parsers could read differently (RFC 3986, WHATWG, the HTTP
client's): userinfo (`user@`), backslashes, whitespace and control
characters, percent-encoded or non-ASCII hosts, an empty or non-numeric port.
So the host a rule is checked on is the host a request goes to: the
loopback-only rule for `http://` cannot be passed by
`http://127.0.0.1:1@example.com`, which sends to `example.com`.
*/

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::util::text;

/// The parts of a URL that passed [`parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Url<'a> {
    /// `http`, `https`, `file`, … as written (compare ignoring case).
    pub scheme: &'a str,
    /// The host: a name, an IPv4 address, or an IPv6 address without its brackets.
    pub host: &'a str,
    /// The port, when one is written.
    pub port: Option<u16>,
    /// Everything after the authority: path, query and fragment (may be empty).
    pub rest: &'a str,
}

impl Url<'_> {
    /// `https://`, or `http://` on a loopback host: where a token or a login
    /// page may go.
    pub fn is_secure_or_loopback(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("https")
            || (self.scheme.eq_ignore_ascii_case("http") && is_loopback(self.host))
    }
}

/// Reads `url`; the error says what is wrong, for a message that quotes the URL.
pub fn parse(url: &str) -> Result<Url<'_>, &'static str> {
    if url.chars().any(|c| c.is_whitespace() || text::is_unsafe(c)) {
        return Err("it contains whitespace or control characters");
    }
    if url.contains('\\') {
        return Err("it contains a backslash");
    }
    let (scheme, after) = url.split_once("://").ok_or("it has no scheme://")?;
    let mut chars = scheme.chars();
    let scheme_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return Err("its scheme is not valid");
    }
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    if authority.contains('@') {
        return Err("it has a user name (@) before the host");
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (addr, tail) = v6.split_once(']').ok_or("its IPv6 host has no closing ]")?;
        addr.parse::<Ipv6Addr>()
            .map_err(|_| "its IPv6 host is not an address")?;
        let port = match tail {
            "" => None,
            _ => Some(tail.strip_prefix(':').ok_or("junk follows its IPv6 host")?),
        };
        (addr, port)
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err("it has no host");
    }
    let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    if !authority.starts_with('[') && !host.chars().all(name_char) {
        return Err("its host has characters a host name cannot have");
    }
    let port = match port {
        None => None,
        Some(p) => Some(
            p.parse::<u16>()
                .ok()
                .filter(|n| *n != 0 && p.bytes().all(|b| b.is_ascii_digit()))
                .ok_or("its port is not a number from 1 to 65535")?,
        ),
    };
    Ok(Url {
        scheme,
        host,
        port,
        rest,
    })
}

/// True for `localhost`, 127.0.0.0/8 and `::1` (an address as [`parse`] gives
/// it, without brackets). Only exact dotted-quad IPv4 counts: `127.1` and
/// `0x7f.0.0.1` are not loopback here.
pub fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
        || host.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_parts() {
        let u = parse("https://oidc.eu-west-1.amazonaws.com:8443/x?y=1#z").unwrap();
        assert_eq!(
            u,
            Url {
                scheme: "https",
                host: "oidc.eu-west-1.amazonaws.com",
                port: Some(8443),
                rest: "/x?y=1#z"
            }
        );
        let u = parse("http://[::1]:9").unwrap();
        assert_eq!((u.host, u.port, u.rest), ("::1", Some(9), ""));
        let u = parse("http://127.0.0.1?q").unwrap();
        assert_eq!((u.host, u.port, u.rest), ("127.0.0.1", None, "?q"));
    }

    #[test]
    fn refuses_what_parsers_disagree_on() {
        for bad in [
            "http://127.0.0.1:1@example.com",
            "http://[::1]@example.com",
            "http://user:pw@127.0.0.1",
            "http://@127.0.0.1",
            "https://example.com\\@aws.amazon.com",
            "http://127.0.0.1 .example.com",
            "http://127.0.0.1\t/",
            "http://127.0.0.1/\u{1b}[2J",
            "http://127.0.0.1/\u{202e}",
            "http://%31%32%37.0.0.1",
            "http://exämple.com",
            "http://127.0.0.1:",
            "http://127.0.0.1:+80",
            "http://127.0.0.1:0",
            "http://127.0.0.1:65536",
            "http://127.0.0.1:1:2",
            "http://[::1",
            "http://[::1]x",
            "http://[nope]",
            "http://",
            "http:///path",
            "no scheme",
            "1http://x",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn loopback_is_exact() {
        for host in ["localhost", "LOCALHOST", "127.0.0.1", "127.200.3.4", "::1"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "127.1",
            "0x7f.0.0.1",
            "0177.0.0.1",
            "localhost.",
            "localhost.example.com",
            "127.0.0.1.example.com",
            "10.0.0.1",
            "::2",
            "[::1]",
            "",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn secure_or_loopback() {
        let ok = |u: &str| parse(u).unwrap().is_secure_or_loopback();
        assert!(ok(
            "https://device.sso.us-east-1.amazonaws.com/?user_code=AB"
        ));
        assert!(ok("HTTPS://x.example"));
        assert!(ok("http://127.0.0.1:4000/device"));
        assert!(ok("http://[::1]/x"));
        assert!(!ok("http://example.com/device"));
        assert!(!ok("file:///etc/passwd".replace(":///", "://x/").as_str()));
        assert!(parse("file:///etc/passwd").is_err(), "no host");
        assert!(!ok("javascript://x/%0aalert(1)"));
    }
}
