//! Test helpers: a private HOME per test, the fake Identity Center, and a
//! builder that runs the real binary and shows everything when an assertion fails.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

pub use fake_idc::{AuthorizeMode, DeviceApproval, Fake, Org};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_sso-config");

/// A test's world: a temporary HOME with `~/.aws`, and a running fake.
pub struct TestEnv {
    pub root: PathBuf,
    pub home: PathBuf,
    pub fake: Fake,
    extra_env: Vec<(String, String)>,
}

/// `credential-process` for Management / Billing of session `corp`, named by
/// flags as `generate --style credential-process` writes it (the fast path).
pub const BILLING_BY_FLAGS: [&str; 7] = [
    "credential-process",
    "--sso-session",
    "corp",
    "--account-id",
    "111122223333",
    "--role-name",
    "Billing",
];

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl TestEnv {
    /// A fresh environment serving the sample organisation, with a config that
    /// has one `[sso-session corp]` pointing at the fake's start URL.
    pub fn new(name: &str) -> TestEnv {
        Self::with_org(name, Org::sample())
    }

    /// Same, with a given organisation.
    pub fn with_org(name: &str, org: Org) -> TestEnv {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let root = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("it")
            .join(format!("{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let home = root.join("home");
        std::fs::create_dir_all(home.join(".aws")).unwrap();
        let fake = Fake::start(org);
        let t = TestEnv {
            root,
            home,
            fake,
            extra_env: Vec::new(),
        };
        t.write_config(&t.session_config("corp"));
        t
    }

    /// `[sso-session NAME]` for the fake's start URL and region.
    pub fn session_config(&self, name: &str) -> String {
        format!(
            "[sso-session {name}]\nsso_start_url = {}\nsso_region = {}\nsso_registration_scopes = sso:account:access\n",
            self.fake.org().start_url,
            self.fake.org().region
        )
    }

    pub fn config_path(&self) -> PathBuf {
        self.home.join(".aws/config")
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(self.config_path(), text).unwrap();
    }

    pub fn read_config(&self) -> String {
        std::fs::read_to_string(self.config_path()).unwrap()
    }

    pub fn sso_cache(&self) -> PathBuf {
        self.home.join(".aws/sso/cache")
    }

    /// The token file for a session name (or start URL).
    pub fn token_file(&self, key: &str) -> PathBuf {
        self.sso_cache().join(format!("{}.json", sha1_hex(key)))
    }

    /// Adds an environment variable to every run.
    pub fn env(&mut self, k: &str, v: &str) -> &mut Self {
        self.extra_env.push((k.to_string(), v.to_string()));
        self
    }

    /// The command with a clean environment pointed at the fake.
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut c = self.program(BIN);
        c.args(args);
        c
    }

    /// `program` with this environment: the fake, the private HOME, nothing
    /// else of the test's own environment, stdin empty.
    fn program(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .env("HOME", &self.home)
            .env("PATH", "/usr/bin:/bin")
            .env("AWS_ENDPOINT_URL_SSO_OIDC", self.fake.url())
            .env("AWS_ENDPOINT_URL_SSO", self.fake.url())
            .stdin(Stdio::null());
        for (k, v) in &self.extra_env {
            c.env(k, v);
        }
        c
    }

    /// Runs to completion.
    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut c = self.command(args);
        let out = c.output().unwrap();
        Run::new(format!("{c:?}"), out)
    }

    /// Runs as a person at a terminal does: stdin and stderr on a
    /// pseudo-terminal (util-linux `script`), stdout into a file, as in
    /// `sso-config > file`. The run's stderr is what the terminal showed.
    pub fn run_on_terminal(&self, args: &[&str]) -> Run {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let stdout = self.root.join(format!("terminal-stdout-{n}"));
        let line = std::iter::once(BIN)
            .chain(args.iter().copied())
            .map(sh_quote)
            .collect::<Vec<_>>()
            .join(" ");
        let line = format!("exec {line} > {}", sh_quote(&stdout.to_string_lossy()));
        let mut c = self.program("script");
        // -q: no "Script started" lines; -e: the command's exit status;
        // -c: the command; /dev/null: no typescript file.
        c.args(["-qec", &line, "/dev/null"]);
        let out = c
            .output()
            .unwrap_or_else(|e| panic!("util-linux script runs the terminal tests: {e}"));
        Run {
            cmd: format!("{c:?}"),
            code: out.status.code().unwrap_or(-1),
            stdout: std::fs::read_to_string(&stdout).unwrap_or_default(),
            stderr: String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n"),
        }
    }

    /// Runs `line` (a shell command line; `sso-config` there is the binary
    /// under test) with stdin, stdout and stderr on a pseudo-terminal
    /// (util-linux `script`), as a person at a terminal does: for each step,
    /// once the terminal has shown its text (after the previous step's),
    /// its keys are typed, in one write as a terminal sends a key's
    /// sequence. Returns what the terminal showed (as stdout) and the exit
    /// status.
    pub fn type_on_terminal(&self, line: &str, steps: &[(&str, &[u8])]) -> Run {
        use std::io::{Read, Write};
        let line = line.replace("sso-config", &sh_quote(BIN));
        let mut c = self.program("script");
        c.args(["-qec", &line, "/dev/null"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let mut shown = Vec::new();
        let mut from = 0;
        for (wait_for, keys) in steps {
            loop {
                let text = String::from_utf8_lossy(&shown[from..]).into_owned();
                if let Some(at) = text.find(wait_for) {
                    from += at + wait_for.len();
                    break;
                }
                match rx.recv_timeout(std::time::Duration::from_secs(60)) {
                    Ok(chunk) => shown.extend(chunk),
                    Err(_) => panic!("the terminal never showed {wait_for:?}:\n{text}"),
                }
            }
            let _ = stdin.write_all(keys);
            let _ = stdin.flush();
        }
        while let Ok(chunk) = rx.recv() {
            shown.extend(chunk);
        }
        reader.join().unwrap();
        let status = child.wait().unwrap();
        drop(stdin);
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        Run {
            cmd: format!("{c:?}"),
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&shown).replace("\r\n", "\n"),
            stderr,
        }
    }

    /// Starts `c` with a BROWSER that hands the URL it is asked to open to the
    /// test (through a FIFO, so nothing polls); returns the running command
    /// and that URL.
    pub fn spawn_with_browser(&self, mut c: Command) -> (Running, String) {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let fifo = self.root.join(format!("browser-{n}.fifo"));
        let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(status.success());
        let script = self.root.join(format!("browser-{n}.sh"));
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$1\" > {}\n",
                sh_quote(&fifo.to_string_lossy())
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        c.env("BROWSER", &script);
        let running = Running::spawn(c);
        let url = std::fs::read_to_string(&fifo).unwrap().trim().to_string();
        (running, url)
    }

    /// Runs a command line through `sh -c` in this environment (how a
    /// `credential_process` line is split, near enough).
    pub fn sh(&self, command_line: &str) -> Run {
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg(command_line)
            .env_clear()
            .env("HOME", &self.home)
            .env("AWS_ENDPOINT_URL_SSO_OIDC", self.fake.url())
            .env("AWS_ENDPOINT_URL_SSO", self.fake.url());
        let out = c.output().unwrap();
        Run::new(format!("{c:?}"), out)
    }

    /// Starts `n` runs at once and waits for all of them.
    pub fn run_concurrently(&self, n: usize, args: &[&str]) -> Vec<Run> {
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..n).map(|_| s.spawn(|| self.run(args))).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    }

    /// The first request the fake got for `op`.
    pub fn first_request(&self, op: &str) -> fake_idc::Recorded {
        self.fake
            .requests()
            .into_iter()
            .find(|r| r.op == op)
            .unwrap_or_else(|| panic!("no {op} request"))
    }

    /// The JSON body of the first request the fake got for `op`.
    pub fn first_json_body(&self, op: &str) -> serde_json::Value {
        serde_json::from_str(&self.first_request(op).body).unwrap()
    }

    /// The values of query parameter `key` in every request the fake got
    /// for `op`, oldest first.
    pub fn query_values(&self, op: &str, key: &str) -> Vec<String> {
        self.fake
            .requests()
            .into_iter()
            .filter(|q| q.op == op)
            .flat_map(|q| q.query)
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v)
            .collect()
    }

    /// Writes a token cache file the way the AWS CLI does, for a fresh token
    /// issued by the fake, expiring at `expires_at`.
    pub fn write_cli_token(&self, key: &str, expires_at: &str) -> fake_idc::IssuedToken {
        let t = self.fake.issue_token(&["sso:account:access"]);
        let text = format!(
            "{{\"startUrl\": \"{}\", \"region\": \"{}\", \"accessToken\": \"{}\", \"expiresAt\": \"{expires_at}\", \"clientId\": \"{}\", \"clientSecret\": \"{}\", \"registrationExpiresAt\": \"2099-01-01T00:00:00Z\", \"refreshToken\": \"{}\"}}",
            self.fake.org().start_url,
            self.fake.org().region,
            t.access_token,
            t.client_id,
            t.client_secret,
            t.refresh_token
        );
        std::fs::create_dir_all(self.sso_cache()).unwrap();
        std::fs::write(self.token_file(key), text).unwrap();
        t
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

/// A finished run with assertions that print the whole run on failure.
pub struct Run {
    pub cmd: String,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn new(cmd: String, out: Output) -> Run {
        Run {
            cmd,
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn show(&self) -> String {
        format!(
            "command: {}\nexit: {}\n--- stdout\n{}\n--- stderr\n{}",
            self.cmd, self.code, self.stdout, self.stderr
        )
    }

    /// Asserts the exit code; never a panic of the binary.
    #[track_caller]
    pub fn code(&self, want: i32) -> &Run {
        assert_eq!(self.code, want, "wrong exit code\n{}", self.show());
        assert!(!self.stderr.contains("panicked"), "panic\n{}", self.show());
        self
    }

    /// Asserts a failure is reported as exactly one line on stderr.
    #[track_caller]
    pub fn one_error_line(&self, contains: &str) -> &Run {
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "want one stderr line\n{}", self.show());
        assert!(lines[0].starts_with("sso-config: "), "{}", self.show());
        assert!(
            lines[0].contains(contains),
            "want {contains:?}\n{}",
            self.show()
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, s: &str) -> &Run {
        assert!(
            self.stderr.contains(s),
            "want {s:?} on stderr\n{}",
            self.show()
        );
        self
    }
}

/// A command running in the background whose stderr we read line by line.
pub struct Running {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
    cmd: String,
}

impl Running {
    pub fn spawn(mut c: Command) -> Running {
        let cmd = format!("{c:?}");
        let mut child = c
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines: rx,
            cmd,
        }
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    pub fn finish(mut self) -> Run {
        let mut stdout = String::new();
        if let Some(mut out) = self.child.stdout.take() {
            std::io::Read::read_to_string(&mut out, &mut stdout).unwrap();
        }
        let status = self.child.wait().unwrap();
        let rest: Vec<String> = self.lines.iter().collect();
        Run {
            cmd: self.cmd,
            code: status.code().unwrap_or(-1),
            stdout,
            stderr: rest.join("\n"),
        }
    }
}

/// Puts the binary under test into `dir`: a hard link (same file system), else
/// a copy made by `cp`. Never a copy written by this process: while its write
/// descriptor is open, a child forked by a parallel test holds it too, and
/// running the copy then fails with "text file busy".
pub fn copy_binary(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let bin = dir.join("sso-config");
    if std::fs::hard_link(BIN, &bin).is_err() {
        let status = Command::new("cp").arg(BIN).arg(&bin).status().unwrap();
        assert!(status.success());
    }
    bin
}

/// Plays the browser: GET `url`, then follow redirects to the loopback callback.
/// Returns the final HTTP status.
pub fn browse(url: &str) -> u16 {
    let mut url = url.to_string();
    for _ in 0..5 {
        let reply = fake_idc::client::get(&url).unwrap();
        match reply.header("location") {
            Some(next) if matches!(reply.status, 301 | 302 | 303 | 307) => url = next.to_string(),
            _ => return reply.status,
        }
    }
    panic!("too many redirects");
}

/// `s` as one word for `sh`.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

pub fn sha1_hex(s: &str) -> String {
    let d = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, s.as_bytes());
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads a JSON file.
pub fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The file mode bits.
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a Unix time in seconds, the AWS CLI's cache
/// format.
pub fn utc_stamp(unix_secs: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(unix_secs).unwrap();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A logged-in environment with a profile `ro` → Management / Billing.
pub fn with_profile(name: &str) -> TestEnv {
    let t = TestEnv::new(name);
    t.write_config(&format!(
        "{}\n[profile ro]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Billing\nregion = eu-west-1\n",
        t.session_config("corp")
    ));
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    t
}
