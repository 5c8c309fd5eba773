//! The `fake-idc` binary: `serve` and the `browse` stand-in browser.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use fake_idc::client::{self, Connection};
use fake_idc::{Fake, Org, sha256_b64url};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_fake-idc");
/// Bound on waiting for a child's connection, so a broken child fails the test.
const PATIENCE: Duration = Duration::from_secs(30);

/// An `/authorize` URL of a freshly registered PKCE client that redirects to `port`.
fn authorize_url(fake: &Fake, port: u16) -> String {
    let body = json!({
        "clientName": "botocore-client-corp", "clientType": "public",
        "grantTypes": ["authorization_code", "refresh_token"],
        "redirectUris": ["http://127.0.0.1/oauth/callback"],
        "issuerUrl": fake.org().start_url, "scopes": ["sso:account:access"],
    });
    let reply = Connection::open(&fake.url())
        .unwrap()
        .post_json("/client/register", &body)
        .unwrap();
    let client_id = reply.json()["clientId"].as_str().unwrap().to_string();
    let verifier = "a".repeat(64);
    format!(
        "{}/authorize?response_type=code&client_id={client_id}\
         &redirect_uri=http%3A%2F%2F127.0.0.1%3A{port}%2Foauth%2Fcallback&state=s1\
         &code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge={}",
        fake.url(),
        sha256_b64url(&verifier)
    )
}

/// Accepts one request on `listener` in a thread, answers it with `status`, and sends back
/// its request line.
fn answer_one(listener: TcpListener, status: u16) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request_line = String::new();
        reader.read_line(&mut request_line).unwrap();
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap() > 2 {
            line.clear();
        }
        let page = "<html>done</html>";
        let response = format!(
            "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
            page.len()
        );
        stream.write_all(response.as_bytes()).unwrap();
        tx.send(request_line.trim_end().to_string()).unwrap();
    });
    rx
}

#[test]
fn browse_returns_at_once_and_follows_the_redirect() {
    let fake = Fake::start(Org::sample());
    let callback = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = authorize_url(&fake, callback.local_addr().unwrap().port());
    // Nobody answers the callback yet: a blocking browser would hang right here.
    let status = Command::new(BIN).args(["browse", &url]).status().unwrap();
    assert!(status.success());
    let request_line = answer_one(callback, 200).recv_timeout(PATIENCE).unwrap();
    assert!(
        request_line.starts_with("GET /oauth/callback?code=") && request_line.contains("&state=s1"),
        "{request_line}"
    );
    assert_eq!(fake.hits("Authorize"), 1);
}

#[test]
fn browse_foreground_exits_after_the_final_response() {
    let fake = Fake::start(Org::sample());
    let callback = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = authorize_url(&fake, callback.local_addr().unwrap().port());
    let answered = answer_one(callback, 404);
    let out = Command::new(BIN)
        .args(["browse", "--foreground", &url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("404"));
    answered.recv_timeout(PATIENCE).unwrap();

    let refused = Command::new(BIN)
        .args(["browse", "https://example.com/"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
}

#[test]
fn serve_prints_its_url_and_stops_at_end_of_stdin() {
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--accounts",
            "3",
            "--roles",
            "2",
            "--rate-limit",
            "ListAccounts=100",
            "--rate-limit",
            "ListAccountRoles=0.5/1",
            "--random-faults",
            "GetRoleCredentials=0.5,0.1",
            "--random-seed",
            "3",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut url = String::new();
    stdout.read_line(&mut url).unwrap();
    let url = url.trim_end();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let reply = client::get(&format!("{url}/assignment/accounts")).unwrap();
    assert_eq!(reply.status, 401);

    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(rest.is_empty());
}
