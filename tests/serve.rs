//! `serve` and `exec --serve`: the container credential endpoint, spoken to
//! with raw HTTP over a TcpStream, as the SDKs do (and by botocore itself
//! when it is installed).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use crate::util::*;

/// The longest a test waits for a line from the server before it fails
/// (a bound, not a sleep: lines arrive as they are written).
const PATIENCE: Duration = Duration::from_secs(60);

/// A running `serve --print-env`, ready once its variables were printed.
struct Serving {
    child: Child,
    stderr: Receiver<String>,
    /// Everything read from stderr so far.
    seen: Vec<String>,
    /// `127.0.0.1:PORT`.
    addr: String,
    token_file: PathBuf,
    token: String,
}

impl Serving {
    /// Starts `serve --print-env ARGS` and reads the two variables it prints
    /// before serving (the listener is bound by then).
    fn start(t: &TestEnv, args: &[&str]) -> Serving {
        let mut c = t.command(["serve", "--print-env", "--format", "env-no-export"]);
        c.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        let stderr = lines(child.stderr.take().unwrap());
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut vars = Vec::new();
        for _ in 0..2 {
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            if line.is_empty() {
                let status = child.wait().unwrap();
                let err: Vec<String> = stderr.iter().collect();
                panic!("serve ended ({status}) before it printed its variables: {err:?}");
            }
            let (k, v) = line.trim_end().split_once('=').unwrap();
            vars.push((k.to_string(), v.trim_matches('\'').to_string()));
        }
        assert_eq!(vars[0].0, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
        assert_eq!(vars[1].0, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
        let addr = vars[0]
            .1
            .strip_prefix("http://")
            .and_then(|r| r.strip_suffix('/'))
            .unwrap()
            .to_string();
        let token_file = PathBuf::from(&vars[1].1);
        let token = std::fs::read_to_string(&token_file).unwrap();
        Serving {
            child,
            stderr,
            seen: Vec::new(),
            addr,
            token_file,
            token,
        }
    }

    /// GET `path` with the token.
    fn get(&self, path: &str) -> Reply {
        get(&self.addr, path, Some(&self.token))
    }

    /// Reads stderr until a line contains `s` (failing after `PATIENCE`).
    fn wait_for(&mut self, s: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(s) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!("no {s:?} on stderr: {:?}", self.seen),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("serve ended without {s:?}: {:?}", self.seen)
                }
            }
        }
    }

    /// Sends `signal` (TERM, INT) and waits: the exit code and all of stderr.
    /// Sends `signal` and asserts the clean stop every signal it catches
    /// must give: exit 0 and the token file gone. Returns its stderr.
    fn stop_cleanly(self, signal: &str) -> String {
        let file = self.token_file.clone();
        let (code, stderr) = self.stop(signal);
        assert_eq!(code, 0, "{stderr}");
        assert!(!file.exists(), "the token file is removed on SIG{signal}");
        stderr
    }

    fn stop(mut self, signal: &str) -> (i32, String) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let status = self.child.wait().unwrap();
        self.seen.extend(self.stderr.iter());
        (status.code().unwrap_or(-1), self.seen.join("\n"))
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The lines of a pipe, as they come, on a channel.
fn lines(pipe: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// A status and a body.
#[derive(Debug)]
struct Reply {
    status: u16,
    body: String,
}

impl Reply {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }

    fn key(&self) -> String {
        assert_eq!(self.status, 200, "{self:?}");
        self.json()["AccessKeyId"].as_str().unwrap().to_string()
    }
}

/// One raw HTTP/1.1 GET, as an SDK sends it: `Authorization` is the token.
fn get(addr: &str, path: &str, token: Option<&str>) -> Reply {
    let auth = token.map_or(String::new(), |t| format!("Authorization: {t}\r\n"));
    raw(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\n{auth}\r\n"),
    )
}

/// Sends `request` as is and reads the whole answer.
fn raw(addr: &str, request: &str) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text:?}"));
    assert!(head.contains("\r\nConnection: close"), "{head}");
    Reply {
        status,
        body: body.to_string(),
    }
}

fn role_cache_file(t: &TestEnv) -> PathBuf {
    let key = sha1_hex(r#"{"accountId":"111122223333","roleName":"Billing","sessionName":"corp"}"#);
    t.home.join(".aws/cli/cache").join(format!("{key}.json"))
}

#[test]
fn serve_answers_the_profile_and_any_role_only_with_the_token() {
    let t = with_profile("serve_basic");
    let s = Serving::start(&t, &["--profile", "ro"]);
    // The token: a 0600 file in a 0700 folder of our own, not in any output.
    assert_eq!(mode(&s.token_file), 0o600);
    assert_eq!(mode(s.token_file.parent().unwrap()), 0o700);
    assert!(s.token_file.starts_with(t.home.join(".aws/sso-config")));
    assert_eq!(s.token.len(), 64, "32 random bytes as hex");
    // The profile's role was fetched at start-up.
    assert_eq!(t.fake.hits("GetRoleCredentials"), 1);

    let health = get(&s.addr, "/health", None);
    assert_eq!(health.status, 200, "{health:?}");
    for token in [None, Some("wrong"), Some(&s.token[..63]), Some("")] {
        for path in ["/", "/role/111122223333/Billing", "/nowhere"] {
            let r = get(&s.addr, path, token);
            assert_eq!(r.status, 401, "{path} with {token:?}: {r:?}");
            assert!(!r.body.contains("ASIA"), "{r:?}");
        }
    }

    let root = s.get("/");
    let v = root.json();
    assert_eq!(root.status, 200, "{root:?}");
    for key in ["AccessKeyId", "SecretAccessKey", "Token", "Expiration"] {
        assert!(v[key].as_str().is_some_and(|s| !s.is_empty()), "{key}: {v}");
    }
    assert_eq!(v["AccountId"], "111122223333");
    assert!(v["Expiration"].as_str().unwrap().ends_with('Z'));
    // The same credentials as the AWS CLI's role cache holds.
    let cached = json(&role_cache_file(&t));
    assert_eq!(cached["Credentials"]["AccessKeyId"], v["AccessKeyId"]);
    assert_eq!(s.get("/").key(), root.key(), "from memory");
    assert_eq!(s.get("/role/111122223333/Billing").key(), root.key());
    assert_eq!(t.fake.hits("GetRoleCredentials"), 1);

    // Any role of the session, fetched once, then from memory.
    let admin = s.get("/role/111122223333/AdministratorAccess");
    let admin_key = admin.key();
    assert_ne!(admin_key, root.key());
    assert_eq!(admin.json()["AccountId"], "111122223333");
    assert_eq!(
        s.get("/role/111122223333/AdministratorAccess").key(),
        admin_key
    );
    assert_eq!(t.fake.hits("GetRoleCredentials"), 2);

    // Ill-formed ids are refused before anything is fetched, and never echoed.
    for (path, status) in [
        ("/role/12345/Billing", 400),
        ("/role/11112222333x/Billing", 400),
        (
            "/role/111122223333/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
            400,
        ),
        ("/role/111122223333/Bil%0d%0aX-Evil:1", 400),
        ("/role/111122223333/Billing/extra", 404),
        ("/latest/meta-data/", 404),
    ] {
        let r = s.get(path);
        assert_eq!(r.status, status, "{path}: {r:?}");
        assert!(
            !r.body.contains("script") && !r.body.contains("Evil") && !r.body.contains("12345/"),
            "{r:?}"
        );
        assert!(
            r.json()["Message"]
                .as_str()
                .unwrap()
                .starts_with("sso-config serve: ")
        );
    }
    // A role the user has no access to: AWS's refusal, as a JSON error.
    let denied = s.get("/role/111122223333/ReadOnlyAccess");
    assert_eq!(denied.status, 403, "{denied:?}");
    assert!(
        denied.json()["Message"]
            .as_str()
            .unwrap()
            .contains("no access to role 'ReadOnlyAccess'"),
        "{denied:?}"
    );
    assert_eq!(t.fake.hits("GetRoleCredentials"), 3);
    // Not an HTTP request at all, and a method other than GET.
    assert_eq!(raw(&s.addr, "hello\r\n\r\n").status, 400);
    let post = raw(
        &s.addr,
        &format!("POST / HTTP/1.1\r\nAuthorization: {}\r\n\r\n", s.token),
    );
    assert_eq!(post.status, 405);

    let token = s.token.clone();
    let stderr = s.stop_cleanly("TERM");
    assert!(!stderr.contains(&token), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn concurrent_first_requests_share_one_fetch() {
    let t = with_profile("serve_concurrent");
    // No role at /: only the session is served, nothing fetched at start-up.
    let s = Serving::start(&t, &["--sso-session", "corp"]);
    assert_eq!(t.fake.hits("GetRoleCredentials"), 0);
    assert_eq!(s.get("/").status, 404);
    // Every request arrives while the one fetch is on its way.
    t.fake.set_latency(Duration::from_millis(300));
    let start = std::sync::Barrier::new(16);
    let (addr, token) = (&s.addr, &s.token);
    let keys: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    get(addr, "/role/234567890123/DataScientist", Some(token)).key()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
    assert_eq!(t.fake.hits("GetRoleCredentials"), 1);
    s.stop_cleanly("TERM");
}

/// `YYYY-MM-DDTHH:MM:SSZ`, `secs` from now.
fn expiration_in(secs: i64) -> String {
    let t = time::OffsetDateTime::now_utc() + time::Duration::seconds(secs);
    t.format(time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
    ))
    .unwrap()
}

#[test]
fn the_refresher_renews_before_expiry_and_requests_never_wait() {
    let t = with_profile("serve_refresh");
    // Credentials the AWS CLI left in its role cache, good for 10 more
    // seconds: served at once, and due for renewal (about halfway) before
    // the last second, the expiry window here, begins.
    std::fs::create_dir_all(t.home.join(".aws/cli/cache")).unwrap();
    std::fs::write(
        role_cache_file(&t),
        format!(
            r#"{{"ProviderType": "sso", "Credentials": {{"AccessKeyId": "ASIACACHED", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "{}", "AccountId": "111122223333"}}}}"#,
            expiration_in(10)
        ),
    )
    .unwrap();
    let mut s = Serving::start(&t, &["--profile", "ro", "--expiry-window", "1"]);
    assert_eq!(s.get("/").key(), "ASIACACHED");
    assert_eq!(t.fake.hits("GetRoleCredentials"), 0);
    // No request asks: the refresher renews on its own.
    let line = s.wait_for("renewed 111122223333/Billing");
    assert!(line.contains("credentials until"), "{line}");
    assert_eq!(t.fake.hits("GetRoleCredentials"), 1);
    // From now on AWS is slow; the answer is not.
    t.fake.set_latency(Duration::from_secs(3));
    let asked = Instant::now();
    let renewed = s.get("/");
    let took = asked.elapsed();
    assert_ne!(renewed.key(), "ASIACACHED");
    assert!(
        took < Duration::from_secs(3),
        "{took:?}: the request waited"
    );
    assert_eq!(t.fake.hits("GetRoleCredentials"), 1, "no fetch in its path");
    // SIGINT stops it cleanly too.
    s.stop_cleanly("INT");
}

#[test]
fn listen_takes_loopback_addresses_only() {
    let t = with_profile("serve_listen");
    for bad in [
        "0.0.0.0:0",
        "[::]:0",
        "192.0.2.1:8080",
        "[::ffff:127.0.0.1]:0",
    ] {
        t.run(["serve", "--profile", "ro", "--listen", bad])
            .code(2)
            .one_error_line("is not a loopback address");
    }
    t.run(["serve", "--profile", "ro", "--listen", "localhost:80"])
        .code(2)
        .one_error_line("is not ADDR:PORT");
    t.run(["serve", "--listen", "127.0.0.1:0", "--port", "1"])
        .code(2)
        .one_error_line("give one");
    assert_eq!(
        t.fake.requests().len(),
        0,
        "refused before anything is sent"
    );

    // Another loopback address, and a token file of one's own.
    let file = t.root.join("token");
    let s = Serving::start(
        &t,
        &[
            "--profile",
            "ro",
            "--listen",
            "127.0.0.2:0",
            "--token-file",
            file.to_str().unwrap(),
        ],
    );
    assert!(s.addr.starts_with("127.0.0.2:"), "{}", s.addr);
    assert_eq!(s.token_file, file);
    assert_eq!(mode(&file), 0o600);
    assert_eq!(s.get("/").status, 200);
    s.stop_cleanly("TERM");
}

#[test]
fn clients_that_send_nothing_or_too_much_cannot_hold_the_endpoint() {
    let t = with_profile("serve_slow");
    let s = Serving::start(&t, &["--profile", "ro"]);
    // More silent connections than there are worker threads, each having
    // sent half a request line.
    let silent: Vec<TcpStream> = (0..24)
        .map(|_| {
            let mut c = TcpStream::connect(&s.addr).unwrap();
            c.write_all(b"GET / HT").unwrap();
            c
        })
        .collect();
    // A real request behind them is still answered ...
    assert_eq!(s.get("/").status, 200);
    // ... and each silent one is closed by the server, unanswered.
    for mut c in silent {
        c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut rest = Vec::new();
        c.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty(), "{:?}", String::from_utf8_lossy(&rest));
    }
    // A head larger than the limit is refused, not read on and on.
    let huge = format!("GET / HTTP/1.1\r\nX-Pad: {}\r\n\r\n", "a".repeat(64 * 1024));
    let mut c = TcpStream::connect(&s.addr).unwrap();
    let _ = c.write_all(huge.as_bytes());
    let mut answer = String::new();
    let _ = c.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 431 "), "{answer:.80}");
    s.stop_cleanly("TERM");
}

/// A FIFO at `path`.
fn fifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[test]
fn exec_serve_gives_the_command_an_endpoint_instead_of_keys() {
    let t = with_profile("exec_serve");
    let out = t.root.join("out.fifo");
    let done = t.root.join("done.fifo");
    fifo(&out);
    fifo(&done);
    // The command hands its environment to the test, then waits to be told
    // its exit status; meanwhile the test asks the endpoint.
    let script = format!(
        "env | grep '^AWS_' | sort > {}; read -r code < {}; exit \"$code\"",
        sh_quote(out.to_str().unwrap()),
        sh_quote(done.to_str().unwrap())
    );
    let mut c = t.command([
        "exec",
        "--serve",
        "--profile",
        "ro",
        "--",
        "sh",
        "-c",
        &script,
    ]);
    c.env("AWS_PROFILE", "ro")
        .env("AWS_ACCESS_KEY_ID", "AKIASTATIC")
        .env("AWS_SECRET_ACCESS_KEY", "static")
        .env(
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "/v2/credentials/x",
        );
    let running = Running::spawn(c);
    let env = std::fs::read_to_string(&out).unwrap();
    let var = |k: &str| {
        env.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .map(str::to_string)
    };
    let url = var("AWS_CONTAINER_CREDENTIALS_FULL_URI").unwrap();
    let token = var("AWS_CONTAINER_AUTHORIZATION_TOKEN").unwrap();
    for gone in [
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    ] {
        assert_eq!(var(gone), None, "{gone} in {env}");
    }
    assert_eq!(var("AWS_REGION").as_deref(), Some("eu-west-1"));
    let addr = url
        .strip_prefix("http://127.0.0.1:")
        .map(|p| format!("127.0.0.1:{}", p.trim_end_matches('/')))
        .unwrap_or_else(|| panic!("{url}"));
    let r = get(&addr, "/", Some(&token));
    assert_eq!(r.json()["AccountId"], "111122223333");
    let cached = json(&role_cache_file(&t));
    assert_eq!(cached["Credentials"]["AccessKeyId"], r.key());
    assert_eq!(get(&addr, "/", None).status, 401);
    std::fs::write(&done, "7\n").unwrap();
    let run = running.finish();
    run.code(7);
    assert!(!run.stderr.contains(&token), "{}", run.stderr);
    // The endpoint ended with the command.
    assert!(TcpStream::connect(&addr).is_err());
}

#[test]
fn exec_serve_passes_sigterm_on_to_the_command() {
    let t = with_profile("exec_serve_term");
    let ready = t.root.join("ready.fifo");
    fifo(&ready);
    // The command says it is running, then waits for a signal; SIGTERM ends
    // it with 143 (128 + 15).
    let script = format!(
        "echo up > {}; exec sleep 60",
        sh_quote(ready.to_str().unwrap())
    );
    let c = t.command([
        "exec",
        "--serve",
        "--profile",
        "ro",
        "--",
        "sh",
        "-c",
        &script,
    ]);
    let running = Running::spawn(c);
    assert_eq!(std::fs::read_to_string(&ready).unwrap(), "up\n");
    let pid = running.id();
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    running.finish().code(143);
}

/// The interpreter behind `python3` when botocore can be imported there.
fn python_with_botocore() -> Option<String> {
    let out = Command::new("python3")
        .args(["-c", "import sys, botocore; print(sys.executable)"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[test]
fn botocore_fetches_from_serve_through_its_container_provider() {
    let Some(python) = python_with_botocore() else {
        eprintln!("skipped: python3 with botocore is not installed (.ci/run installs it)");
        return;
    };
    let t = with_profile("serve_botocore");
    let s = Serving::start(&t, &["--profile", "ro"]);
    let program = "import botocore.session\n\
                   c = botocore.session.get_session().get_credentials()\n\
                   print(c.method, c.access_key)\n";
    let out = Command::new(python)
        .args(["-c", program])
        .env_clear()
        .env("HOME", &t.home)
        .env(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            format!("http://{}/", s.addr),
        )
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", &s.token_file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = s.get("/").key();
    assert_eq!(stdout.trim(), format!("container-role {key}"));
    s.stop_cleanly("TERM");
}
