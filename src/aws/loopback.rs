/*!
The loopback listener of the PKCE login (protocol.md §2.5): it binds
`127.0.0.1` only, takes the one `GET /oauth/callback` the browser sends back,
checks its `state`, and answers the browser with a small page.
*/

use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::util::encoding::parse_query;
use crate::util::httpd::{self, Limits, Response};
use crate::util::secret::Secret;

/// The loopback listener that receives the browser's redirect.
pub struct Callback {
    listener: TcpListener,
    /// `http://127.0.0.1:PORT/oauth/callback`.
    pub redirect_uri: String,
}

impl Callback {
    /// Binds 127.0.0.1 on `port` (0 = a random free port).
    pub fn bind(port: u16) -> Result<Callback> {
        let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
            Error::Login(format!(
                "cannot listen on 127.0.0.1:{port} for the login redirect: {e}"
            ))
        })?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::Login(format!("cannot read the callback port: {e}")))?
            .port();
        Ok(Callback {
            listener,
            redirect_uri: format!("http://127.0.0.1:{port}/oauth/callback"),
        })
    }

    /// Waits (at most `limit`) for `GET /oauth/callback`, answers the browser with
    /// a small page, and returns the authorization code once `state` matches.
    pub fn wait_for_code(self, state: &str, limit: Duration) -> Result<Secret> {
        let (tx, rx) = mpsc::channel();
        let listener = self.listener;
        // A thread accepts so the wait can have a deadline; it ends with the
        // process when the deadline passes. Each connection is read on its own
        // thread: browsers open spare connections they may never send on, and
        // one of those must not hold up the callback behind it.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    if let Some(query) = read_callback(&stream) {
                        let _ = tx.send((query, stream));
                    }
                });
            }
        });
        let (query, stream) = rx.recv_timeout(limit).map_err(|_| {
            Error::Login("no answer from the browser within 10 minutes; run the login again".into())
        })?;
        let params = parse_query(&query);
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let outcome = if let Some(err) = get("error") {
            let desc = get("error_description").unwrap_or("");
            Err(Error::Login(
                format!("the login was refused: {err} {desc}")
                    .trim_end()
                    .to_string(),
            ))
        } else if get("state") != Some(state) {
            Err(Error::Login(
                "the login redirect carried a wrong state; it was not started by this login, so it was rejected".into(),
            ))
        } else {
            get("code")
                .map(Secret::new)
                .ok_or_else(|| Error::Login("the login redirect carried no code".into()))
        };
        let page = match &outcome {
            Ok(_) => page(
                "Login complete",
                "sso-config is logged in. You can close this tab.",
            ),
            Err(_) => page(
                "Login failed",
                "sso-config did not complete the login. See the terminal.",
            ),
        };
        let status = if outcome.is_ok() { 200 } else { 400 };
        let _ = Response::html(status, page).write_to(&stream, LIMITS.deadline);
        outcome
    }
}

/// What a request may take: a redirect with a code and state is well under
/// 4 KiB, so anything that sends more is not the browser's callback; and a
/// connection that stays silent is dropped.
const LIMITS: Limits = Limits {
    max_head: 16 * 1024,
    max_headers: 100,
    deadline: Duration::from_secs(10),
};

/// Reads one request; returns the query of `GET /oauth/callback`, answering
/// anything else (a favicon request, say) with 404, or the status the reader
/// gave a malformed one.
fn read_callback(stream: &TcpStream) -> Option<String> {
    let status = match httpd::read_request(stream, &LIMITS) {
        Ok(req) if req.method == "GET" && req.path() == "/oauth/callback" => {
            return Some(req.query().to_string());
        }
        Ok(_) => 404,
        Err(httpd::ReadError::Status(s)) => s,
        Err(httpd::ReadError::Gone) => return None,
    };
    let _ = Response::empty(status).write_to(stream, LIMITS.deadline);
    httpd::close_after_refusal(stream, 256 * 1024, Duration::from_secs(1));
    None
}

fn page(title: &str, text: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>{title}</h1><p>{text}</p></body></html>"
    )
}
