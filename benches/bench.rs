//! `make bench`: generate against the fake Identity Center with 1,000 accounts ×
//! 3 roles at 20 ms latency, with and without a 20 req/s limit on
//! ListAccountRoles; the credential-process cache-hit latency next to the
//! spawn floor; start-up; peak RSS. Prints a table; a benchmark, not a test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fake_idc::{Fake, Org};

/// The binary measured: the static release build when `make bench` made one
/// (what users copy), else the one cargo built for this bench.
fn bin() -> String {
    std::env::var("SSO_CONFIG_BENCH_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_sso-config").to_string())
}
const ACCOUNTS: usize = 1000;
const ROLES: usize = 3;
const LATENCY: Duration = Duration::from_millis(20);
const LIMIT: u32 = 20;
const CAP: f64 = 32.0;
const RUNS: usize = 300;

struct World {
    fake: Fake,
    home: PathBuf,
}

impl World {
    fn new(tag: &str) -> World {
        let fake = Fake::start(Org::generated(ACCOUNTS, ROLES));
        let home =
            std::env::temp_dir().join(format!("sso-config-bench-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&home);
        std::fs::create_dir_all(home.join(".aws/sso/cache")).unwrap();
        let org = fake.org().clone();
        std::fs::write(
            home.join(".aws/config"),
            format!(
                "[sso-session bench]\nsso_start_url = {}\nsso_region = {}\nsso_registration_scopes = sso:account:access\n",
                org.start_url, org.region
            ),
        )
        .unwrap();
        let t = fake.issue_token(&["sso:account:access"]);
        let token = format!(
            "{{\"startUrl\": \"{}\", \"region\": \"{}\", \"accessToken\": \"{}\", \"expiresAt\": \"2099-01-01T00:00:00Z\"}}",
            org.start_url, org.region, t.access_token
        );
        let key = sha1_hex("bench");
        std::fs::write(
            home.join(".aws/sso/cache").join(format!("{key}.json")),
            token,
        )
        .unwrap();
        World { fake, home }
    }

    fn command(&self, program: &str, args: &[&str]) -> Command {
        let mut c = Command::new(program);
        c.args(args)
            .env_clear()
            .env("HOME", &self.home)
            .env("PATH", "/usr/bin:/bin")
            .env("AWS_ENDPOINT_URL_SSO_OIDC", self.fake.url())
            .env("AWS_ENDPOINT_URL_SSO", self.fake.url())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    }
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

fn sha1_hex(s: &str) -> String {
    let d = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, s.as_bytes());
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

struct Generate {
    wall: Duration,
    requests: usize,
    throttled: usize,
    ok: bool,
}

fn generate(limit: Option<u32>) -> Generate {
    let w = World::new(if limit.is_some() { "limited" } else { "free" });
    w.fake.set_latency(LATENCY);
    if let Some(l) = limit {
        w.fake.set_rate_limit("ListAccountRoles", l);
    }
    let start = Instant::now();
    let status = w.command(&bin(), &["generate"]).status().unwrap();
    let wall = start.elapsed();
    Generate {
        wall,
        requests: w.fake.requests().len(),
        throttled: w.fake.hits("ListAccountRoles:429"),
        ok: status.success(),
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time_runs(mut make: impl FnMut() -> Command) -> Duration {
    let runs: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let mut c = make();
            let start = Instant::now();
            let status = c.status().unwrap();
            let d = start.elapsed();
            assert!(status.success());
            d
        })
        .collect();
    median(runs)
}

fn peak_rss_kib(w: &World, args: &[&str]) -> Option<u64> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        return None;
    }
    let bin = bin();
    let mut full = vec!["-v", bin.as_str()];
    full.extend_from_slice(args);
    let out = w
        .command("/usr/bin/time", &full)
        .stderr(Stdio::piped())
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
                .map(str::to_string)
        })
        .and_then(|v| v.parse().ok())
}

fn main() {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let machine = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "sso-config bench: {ACCOUNTS} accounts x {ROLES} roles, {} ms latency; {machine}, {cores} cores\n",
        LATENCY.as_millis()
    );

    let free = generate(None);
    let calls = free.requests as f64;
    let free_bound = calls * LATENCY.as_secs_f64() / CAP;
    let limited = generate(Some(LIMIT));
    let limited_bound = ACCOUNTS as f64 / f64::from(LIMIT);

    let w = World::new("cp");
    let cp_args = [
        "credential-process",
        "--sso-session",
        "bench",
        "--account-id",
        "100000000001",
        "--role-name",
        "AdministratorAccess",
    ];
    assert!(
        w.command(&bin(), &cp_args).status().unwrap().success(),
        "credential-process failed"
    );
    let cp = time_runs(|| w.command(&bin(), &cp_args));
    let cp_profile = {
        let mut cfg = std::fs::read_to_string(w.home.join(".aws/config")).unwrap();
        cfg.push_str("\n[profile p]\nsso_session = bench\nsso_account_id = 100000000001\nsso_role_name = AdministratorAccess\n");
        std::fs::write(w.home.join(".aws/config"), cfg).unwrap();
        time_runs(|| w.command(&bin(), &["credential-process", "--profile", "p"]))
    };
    let floor = time_runs(|| w.command("/bin/true", &[]));
    let version = time_runs(|| w.command(&bin(), &["--version"]));
    let rss_generate = peak_rss_kib(&World::new("rss"), &["generate"]);
    let rss_cp = peak_rss_kib(&w, &cp_args);

    println!("| measurement | value | bound / reference |");
    println!("| --- | --- | --- |");
    println!(
        "| generate, no limit | {:.0} ms, {} requests, {} x 429, {} | calls x latency / cap = {:.0} ms (ratio {:.2}) |",
        ms(free.wall),
        free.requests,
        free.throttled,
        if free.ok { "ok" } else { "FAILED" },
        free_bound * 1000.0,
        free.wall.as_secs_f64() / free_bound
    );
    println!(
        "| generate, ListAccountRoles limited to {LIMIT}/s | {:.1} s, {} requests, {} x 429, {} | calls / limit = {:.1} s (ratio {:.2}); achieved {:.1} req/s |",
        limited.wall.as_secs_f64(),
        limited.requests,
        limited.throttled,
        if limited.ok { "ok" } else { "FAILED" },
        limited_bound,
        limited.wall.as_secs_f64() / limited_bound,
        ACCOUNTS as f64 / limited.wall.as_secs_f64()
    );
    println!(
        "| credential-process cache hit (--sso-session, median of {RUNS}) | {:.2} ms | /bin/true {:.2} ms (ratio {:.2}) |",
        ms(cp),
        ms(floor),
        cp.as_secs_f64() / floor.as_secs_f64()
    );
    println!(
        "| credential-process cache hit (--profile, median of {RUNS}) | {:.2} ms | ratio {:.2} |",
        ms(cp_profile),
        cp_profile.as_secs_f64() / floor.as_secs_f64()
    );
    println!(
        "| --version start-up (median of {RUNS}) | {:.2} ms | |",
        ms(version)
    );
    let kib = |v: Option<u64>| {
        v.map_or("n/a".to_string(), |k| {
            format!("{:.1} MiB", k as f64 / 1024.0)
        })
    };
    println!(
        "| peak RSS, generate ({} profiles) | {} | |",
        ACCOUNTS * ROLES,
        kib(rss_generate)
    );
    println!(
        "| peak RSS, credential-process cache hit | {} | |",
        kib(rss_cp)
    );
}
