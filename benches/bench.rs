//! `make bench`: issue 11's measured goals and the local costs, as Markdown tables.
//!
//! Against the in-process fake Identity Center, 20 ms latency on every answer:
//!
//! - `free`: `generate` at 300 and 1,000 accounts × 3 roles, no limit. Bound: calls ×
//!   latency ÷ 32 (the client's in-flight cap). Goal ≤ 1.2×. Its output is the reference
//!   the throttled runs of the same size must reproduce byte for byte.
//! - `strict20`, `bursty20`, `strict10`: the same with ListAccountRoles behind a token
//!   bucket of 20/s burst 1, 20/s burst 20, 10/s burst 1. Bound: accounts ÷ rate. Goal:
//!   ≤ 1.05× at 300 accounts, ≤ 1.03× at 1,000, fewer than 5 % of the ListAccountRoles
//!   calls answered 429, exit 0, output identical to the unthrottled run.
//! - `robust`: 20 runs of `generate` at 50 accounts with ListAccountRoles at 5/s burst 1
//!   plus 20 % random 429s and 5 % random 5xx. Goal: no failed run and one distinct
//!   output, the unthrottled one.
//! - `admin`: `admin assignments --format csv` at 300 accounts, once without a limit and
//!   once with its busiest sso-admin operation at 20/s burst 1. Shown next to the
//!   sequential bound (calls × latency: a one-call-at-a-time loop such as aws-sso-util's).
//!   Goals (this bench's reading of the issue, the generate goals applied to admin):
//!   unlimited ≤ 1.2× calls × latency ÷ 32; limited ≤ 1.05× max(calls of that operation ÷
//!   20, calls × latency ÷ 32), fewer than 5 % of that operation's calls throttled, output
//!   identical to the unlimited run; exit 0 in both.
//! - `local`: credential-process cache hit next to the spawn floor, start-up, peak RSS.
//! - `serve`: the container credential endpoint (`sso-config serve`) answering a cached
//!   role: many sequential raw-HTTP GETs with the token, each on a new connection as the
//!   SDKs make them; median and p99 of the answer time, /health next to it.
//!
//! Cases run one after another (they are timing measurements), once each except
//! `robust`. A benchmark, not a test: a missed goal is reported, not fatal.
//!
//! Environment:
//! - `SSO_CONFIG_BENCH_BIN`: the binary measured (`make bench` passes the static release
//!   build); default: the one cargo built for this bench.
//! - `SSO_CONFIG_BENCH_ONLY=case,case`: run only these cases (names above); the
//!   unthrottled reference runs a throttled case needs run anyway.
//! - `SSO_CONFIG_BENCH_SIZES=30,100`: account counts instead of 300,1000 (the admin case
//!   uses the smallest), for trying the bench out quickly.
//! - `SSO_CONFIG_BENCH_RUNS=N`: runs of the `robust` case instead of 20.
//!
//! While developing: `SSO_CONFIG_BENCH_ONLY=strict20 SSO_CONFIG_BENCH_SIZES=40
//! cargo test --bench bench` builds everything in the debug profile and runs this `main`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fake_idc::{Fake, Org};

/// The binary measured: the static release build when `make bench` made one
/// (what users copy), else the one cargo built for this bench.
fn bin() -> String {
    std::env::var("SSO_CONFIG_BENCH_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_sso-config").to_string())
}

const ROLES: usize = 3;
const LATENCY: Duration = Duration::from_millis(20);
/// The client's cap on requests in flight (`util::governor::DEFAULT_CAP`).
const CAP: f64 = 32.0;
/// Runs of each start-up measurement.
const RUNS: usize = 300;
/// The operation generate is limited on.
const LISTING: &str = "ListAccountRoles";
/// Accounts in the robustness case.
const ROBUST_ACCOUNTS: usize = 50;
/// Share of a limited operation's calls that may be throttled.
const MAX_THROTTLED: f64 = 0.05;
/// Ratio to the bound allowed without a limit.
const FREE_GOAL: f64 = 1.2;

const CASES: [&str; 8] = [
    "free", "strict20", "bursty20", "strict10", "robust", "admin", "local", "serve",
];

/// Sequential requests of the `serve` case.
const SERVE_REQUESTS: usize = 2000;

/// The throttled generate cases: name, rate, burst.
const LIMITS: [(&str, f64, u32); 3] = [
    ("strict20", 20.0, 1),
    ("bursty20", 20.0, 20),
    ("strict10", 10.0, 1),
];

/// The goal ratio to the rate bound at `accounts`.
fn limited_goal(accounts: usize) -> f64 {
    if accounts >= 1000 { 1.03 } else { 1.05 }
}

fn env_list(name: &str) -> Option<Vec<String>> {
    std::env::var(name).ok().map(|v| {
        v.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    })
}

struct Selection {
    only: Option<Vec<String>>,
    sizes: Vec<usize>,
    robust_runs: usize,
}

impl Selection {
    fn from_env() -> Selection {
        let only = env_list("SSO_CONFIG_BENCH_ONLY");
        if let Some(list) = &only {
            for c in list {
                assert!(
                    CASES.contains(&c.as_str()),
                    "SSO_CONFIG_BENCH_ONLY: unknown case {c:?}; cases: {}",
                    CASES.join(", ")
                );
            }
        }
        let sizes = env_list("SSO_CONFIG_BENCH_SIZES").map_or(vec![300, 1000], |l| {
            l.iter()
                .map(|s| s.parse().expect("SSO_CONFIG_BENCH_SIZES: numbers"))
                .collect()
        });
        assert!(!sizes.is_empty(), "SSO_CONFIG_BENCH_SIZES is empty");
        let robust_runs = std::env::var("SSO_CONFIG_BENCH_RUNS")
            .map_or(20, |v| v.parse().expect("SSO_CONFIG_BENCH_RUNS: a number"));
        Selection {
            only,
            sizes,
            robust_runs,
        }
    }

    fn wants(&self, case: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|l| l.iter().any(|c| c == case))
    }
}

/// A fake with a generated organisation and a private HOME signed in to it.
struct World {
    fake: Fake,
    home: PathBuf,
}

impl World {
    fn new(tag: &str, accounts: usize) -> World {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let fake = Fake::start(Org::generated(accounts, ROLES));
        let home = std::env::temp_dir().join(format!(
            "sso-config-bench-{tag}-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
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
        fake.set_latency(LATENCY);
        World { fake, home }
    }

    /// `program args` with only this world's HOME and endpoints in its environment; output
    /// discarded.
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

    /// The same, with administrator keys and the signed services' endpoints.
    fn admin_command(&self, args: &[&str]) -> Command {
        let mut c = self.command(&bin(), args);
        let url = self.fake.url();
        for var in [
            "AWS_ENDPOINT_URL_SSO_ADMIN",
            "AWS_ENDPOINT_URL_IDENTITYSTORE",
            "AWS_ENDPOINT_URL_ORGANIZATIONS",
            "AWS_ENDPOINT_URL_STS",
        ] {
            c.env(var, &url);
        }
        let keys = Fake::admin_credentials();
        c.env("AWS_ACCESS_KEY_ID", &keys.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &keys.secret_access_key)
            .env("AWS_REGION", &self.fake.org().directory.region);
        if let Some(token) = &keys.session_token {
            c.env("AWS_SESSION_TOKEN", token);
        }
        c
    }

    /// Calls per operation so far.
    fn calls(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for r in self.fake.requests() {
            *counts.entry(r.op).or_insert(0) += 1;
        }
        counts
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

/// One timed run of the client.
struct Run {
    wall: Duration,
    ok: bool,
    stdout: Vec<u8>,
    /// The last line of stderr, to say why a run failed.
    error: String,
    /// Calls per operation, throttled and failed ones included.
    calls: BTreeMap<String, usize>,
}

impl Run {
    fn of(w: &World, mut c: Command) -> Run {
        c.stdout(Stdio::piped()).stderr(Stdio::piped());
        let start = Instant::now();
        let out = c.output().unwrap();
        let wall = start.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr);
        Run {
            wall,
            ok: out.status.success(),
            stdout: out.stdout,
            error: stderr.lines().last().unwrap_or("").to_string(),
            calls: w.calls(),
        }
    }

    fn total_calls(&self) -> usize {
        self.calls.values().sum()
    }

    fn status(&self) -> &'static str {
        if self.ok { "ok" } else { "FAILED" }
    }
}

/// `generate` on a fresh world of `accounts`, shaped by `setup`.
fn generate(tag: &str, accounts: usize, setup: impl FnOnce(&Fake)) -> (Run, usize) {
    let w = World::new(tag, accounts);
    setup(&w.fake);
    let run = Run::of(&w, w.command(&bin(), &["generate"]));
    let throttled = w.fake.hits(&format!("{LISTING}:429"));
    (run, throttled)
}

/// What is printed at the end: the tables, and notes on failures.
#[derive(Default)]
struct Report {
    generate: Vec<String>,
    robust: Vec<String>,
    admin: Vec<String>,
    local: Vec<String>,
    serve: Vec<String>,
    notes: Vec<String>,
    goals: usize,
    met: usize,
}

impl Report {
    /// "yes", or "NO: " and the reasons.
    fn goal(&mut self, misses: Vec<String>) -> String {
        self.goals += 1;
        if misses.is_empty() {
            self.met += 1;
            "yes".to_string()
        } else {
            format!("NO: {}", misses.join("; "))
        }
    }

    fn note_failure(&mut self, case: &str, run: &Run) {
        if !run.ok {
            self.notes
                .push(format!("{case}: exit non-zero: {}", run.error.trim()));
        }
    }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn identical(run: &Run, reference: &[u8]) -> &'static str {
    if run.stdout == reference { "yes" } else { "NO" }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// The generate cases at one size: the unthrottled reference, then each limit.
fn generate_cases(sel: &Selection, accounts: usize, report: &mut Report) {
    let limits: Vec<_> = LIMITS.iter().filter(|(n, _, _)| sel.wants(n)).collect();
    if !sel.wants("free") && limits.is_empty() {
        return;
    }
    eprintln!("bench: generate, {accounts} accounts, no limit");
    let (free, throttled) = generate("free", accounts, |_| {});
    let calls = free.total_calls();
    let bound = calls as f64 * secs(LATENCY) / CAP;
    let ratio = secs(free.wall) / bound;
    let goal = report.goal(free_misses(ratio, free.ok));
    report.note_failure(&format!("generate {accounts}, no limit"), &free);
    let listing = free.calls.get(LISTING).copied().unwrap_or(0);
    report.generate.push(format!(
        "| no limit | {accounts} | {:.2} s | {:.2} s (calls × latency ÷ {CAP}) | {ratio:.2} | {listing} | {throttled} ({:.1} %) | {} | reference | {goal} |",
        secs(free.wall),
        bound,
        percent(throttled, listing),
        free.status(),
    ));

    for (name, rate, burst) in limits {
        eprintln!("bench: generate, {accounts} accounts, {name}");
        let (run, throttled) = generate(name, accounts, |f| {
            f.set_rate_limit_burst(LISTING, *rate, *burst);
        });
        let bound = accounts as f64 / rate;
        let ratio = secs(run.wall) / bound;
        let listing = run.calls.get(LISTING).copied().unwrap_or(0);
        let share = percent(throttled, listing);
        let goal_ratio = limited_goal(accounts);
        let same = identical(&run, &free.stdout);
        let goal = report.goal(limited_misses(ratio, goal_ratio, share, run.ok, same));
        report.note_failure(&format!("generate {accounts}, {name}"), &run);
        report.generate.push(format!(
            "| {rate}/s burst {burst} | {accounts} | {:.2} s | {bound:.2} s (accounts ÷ rate) | {ratio:.3} | {listing} | {throttled} ({share:.1} %) | {} | {same} | {goal} |",
            secs(run.wall),
            run.status(),
        ));
    }
}

/// Repeated runs under a low limit with random faults.
fn robust_case(sel: &Selection, report: &mut Report) {
    let (rate, p429, p5xx) = (5.0, 0.2, 0.05);
    eprintln!("bench: robustness, unthrottled reference");
    let (reference, _) = generate("robust-ref", ROBUST_ACCOUNTS, |_| {});
    report.note_failure("robustness reference", &reference);
    let mut failures = 0;
    let mut outputs = BTreeSet::new();
    let mut walls = Vec::new();
    let (mut throttled, mut random, mut listing) = (0, 0, 0);
    for i in 0..sel.robust_runs {
        eprintln!("bench: robustness, run {} of {}", i + 1, sel.robust_runs);
        let w = World::new("robust", ROBUST_ACCOUNTS);
        w.fake.set_random_seed(i as u64 + 1);
        w.fake.set_rate_limit_burst(LISTING, rate, 1);
        w.fake.set_random_faults(LISTING, p429, p5xx);
        let run = Run::of(&w, w.command(&bin(), &["generate"]));
        throttled += w.fake.hits(&format!("{LISTING}:limited"));
        random += w.fake.hits(&format!("{LISTING}:random"));
        listing += w.fake.hits(LISTING);
        if !run.ok {
            failures += 1;
            report.note_failure(&format!("robustness run {}", i + 1), &run);
        }
        walls.push(run.wall);
        outputs.insert(run.stdout);
    }
    let runs = sel.robust_runs.max(1);
    let same = outputs.len() == 1 && outputs.contains(&reference.stdout);
    let mut misses = Vec::new();
    if failures > 0 {
        misses.push(format!("{failures} failed"));
    }
    if !same {
        misses.push("outputs differ".to_string());
    }
    let goal = report.goal(misses);
    report.robust.push(format!(
        "| {} | {ROBUST_ACCOUNTS} | {rate}/s burst 1 + {:.0} % 429 + {:.0} % 5xx | {failures} | {} | {} | {:.2} s | {:.2} s | {:.0} | {:.0} | {:.0} | {goal} |",
        sel.robust_runs,
        p429 * 100.0,
        p5xx * 100.0,
        outputs.len(),
        if same { "yes" } else { "NO" },
        secs(median(walls)),
        ROBUST_ACCOUNTS as f64 / rate,
        listing as f64 / runs as f64,
        random as f64 / runs as f64,
        throttled as f64 / runs as f64,
    ));
}

/// `admin assignments` without a limit, then with its busiest sso-admin operation limited.
fn admin_case(sel: &Selection, report: &mut Report) {
    let accounts = *sel.sizes.iter().min().unwrap();
    let args = ["admin", "assignments", "--format", "csv"];
    let rate = 20.0;

    eprintln!("bench: admin assignments, {accounts} accounts, no limit");
    let w = World::new("admin", accounts);
    let free = Run::of(&w, w.admin_command(&args));
    drop(w);
    let calls = free.total_calls();
    let sequential = calls as f64 * secs(LATENCY);
    let parallel = sequential / CAP;
    let rows = free
        .stdout
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        .saturating_sub(1);
    let ratio = secs(free.wall) / parallel;
    let goal = report.goal(free_misses(ratio, free.ok));
    report.note_failure("admin assignments, no limit", &free);
    report.admin.push(format!(
        "| no limit | {accounts} | {calls} | {rows} | {:.2} s | {sequential:.1} s | {:.3} | {parallel:.2} s (calls × latency ÷ {CAP}) | {ratio:.2} | – | {} | reference | {goal} |",
        secs(free.wall),
        secs(free.wall) / sequential,
        free.status(),
    ));

    let Some((busiest, busiest_calls)) = free
        .calls
        .iter()
        .filter(|(op, _)| op.starts_with("sso-admin:"))
        .max_by_key(|(_, n)| **n)
        .map(|(op, n)| (op.clone(), *n))
    else {
        report
            .notes
            .push("admin assignments made no sso-admin call".to_string());
        return;
    };
    eprintln!("bench: admin assignments, {accounts} accounts, {busiest} at {rate}/s burst 1");
    let w = World::new("admin-limited", accounts);
    w.fake.set_rate_limit_burst(&busiest, rate, 1);
    let run = Run::of(&w, w.admin_command(&args));
    let throttled = w.fake.hits(&format!("{busiest}:429"));
    let op_calls = w.fake.hits(&busiest);
    drop(w);
    let bound = (busiest_calls as f64 / rate).max(parallel);
    let ratio = secs(run.wall) / bound;
    let share = percent(throttled, op_calls);
    let same = identical(&run, &free.stdout);
    let goal = report.goal(limited_misses(ratio, 1.05, share, run.ok, same));
    report.note_failure("admin assignments, limited", &run);
    report.admin.push(format!(
        "| {busiest} {rate}/s burst 1 | {accounts} | {} | {rows} | {:.2} s | {sequential:.1} s | {:.3} | {bound:.2} s ({busiest_calls} ÷ {rate}) | {ratio:.3} | {throttled} of {op_calls} ({share:.1} %) | {} | {same} | {goal} |",
        run.total_calls(),
        secs(run.wall),
        secs(run.wall) / sequential,
        run.status(),
    ));
}

fn median(mut v: Vec<Duration>) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
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

/// Credential-process cache hits, start-up and peak RSS (no latency: local costs).
fn local_case(sel: &Selection, report: &mut Report) {
    eprintln!("bench: credential-process, start-up, peak RSS");
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let w = World::new("cp", 10);
    w.fake.set_latency(Duration::ZERO);
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
    let largest = *sel.sizes.iter().max().unwrap();
    let rss_generate = {
        let big = World::new("rss", largest);
        big.fake.set_latency(Duration::ZERO);
        peak_rss_kib(&big, &["generate"])
    };
    let rss_cp = peak_rss_kib(&w, &cp_args);
    let kib = |v: Option<u64>| {
        v.map_or("n/a".to_string(), |k| {
            format!("{:.1} MiB", k as f64 / 1024.0)
        })
    };
    report.local = vec![
        format!(
            "| credential-process cache hit (--sso-session, median of {RUNS}) | {:.2} ms | /bin/true {:.2} ms (ratio {:.2}) |",
            ms(cp),
            ms(floor),
            cp.as_secs_f64() / floor.as_secs_f64()
        ),
        format!(
            "| credential-process cache hit (--profile, median of {RUNS}) | {:.2} ms | ratio {:.2} |",
            ms(cp_profile),
            cp_profile.as_secs_f64() / floor.as_secs_f64()
        ),
        format!(
            "| --version start-up (median of {RUNS}) | {:.2} ms | |",
            ms(version)
        ),
        format!(
            "| peak RSS, generate ({} profiles) | {} | |",
            largest * ROLES,
            kib(rss_generate)
        ),
        format!(
            "| peak RSS, credential-process cache hit | {} | |",
            kib(rss_cp)
        ),
    ];
}

/// One GET on a new connection; the status code.
fn http_get(addr: &str, path: &str, token: &str) -> u16 {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\nAuthorization: {token}\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    answer
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// The `p`-th percentile (0–100) of sorted `v`.
fn percentile(v: &[Duration], p: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    let i = ((v.len() as f64 * p / 100.0).ceil() as usize).clamp(1, v.len()) - 1;
    v[i]
}

/// `serve` answering a cached role: sequential GETs, each timed from connect to the
/// last byte (no latency: the answers come from memory).
fn serve_case(report: &mut Report) {
    eprintln!("bench: serve, {SERVE_REQUESTS} sequential requests for a cached role");
    let w = World::new("serve", 10);
    w.fake.set_latency(Duration::ZERO);
    let mut cfg = std::fs::read_to_string(w.home.join(".aws/config")).unwrap();
    cfg.push_str("\n[profile p]\nsso_session = bench\nsso_account_id = 100000000001\nsso_role_name = AdministratorAccess\n");
    std::fs::write(w.home.join(".aws/config"), cfg).unwrap();
    let mut child = w
        .command(
            &bin(),
            &[
                "serve",
                "--profile",
                "p",
                "--print-env",
                "--format",
                "env-no-export",
            ],
        )
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut value = || {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let (_, v) = line
            .trim_end()
            .split_once('=')
            .expect("serve printed its variables");
        v.trim_matches('\'').to_string()
    };
    let url = value();
    let token = std::fs::read_to_string(value()).unwrap();
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let time = |path: &str| {
        let mut times: Vec<Duration> = (0..SERVE_REQUESTS)
            .map(|_| {
                let start = Instant::now();
                let status = http_get(&addr, path, &token);
                let d = start.elapsed();
                assert_eq!(status, 200, "GET {path}");
                d
            })
            .collect();
        times.sort();
        times
    };
    let role = time("/");
    let health = time("/health");
    let fetches = w.fake.hits("GetRoleCredentials");
    let _ = child.kill();
    let _ = child.wait();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    for (what, v) in [("GET / (a cached role)", &role), ("GET /health", &health)] {
        report.serve.push(format!(
            "| {what} | {SERVE_REQUESTS} | {:.3} ms | {:.3} ms | {:.3} ms | {fetches} |",
            ms(percentile(v, 50.0)),
            ms(percentile(v, 99.0)),
            ms(v[v.len() - 1]),
        ));
    }
}

/// Date, CPU model and cores, and which binary.
fn header() -> String {
    let machine = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let date = time::OffsetDateTime::now_utc().date();
    // The path below target/, not the machine's directories.
    let bin = bin();
    let shown = bin.rsplit_once("/target/").map_or(bin.as_str(), |(_, t)| t);
    format!(
        "sso-config bench, {date}: {machine}, {cores} cores; binary target/{shown}; fake latency {} ms, {ROLES} roles per account",
        LATENCY.as_millis()
    )
}

fn print_table(head: &str, rows: &[String]) {
    if rows.is_empty() {
        return;
    }
    println!("{head}");
    let columns = head.matches('|').count() - 1;
    println!("|{}", " --- |".repeat(columns));
    for r in rows {
        println!("{r}");
    }
    println!();
}

fn main() {
    let sel = Selection::from_env();
    println!("{}\n", header());
    let mut report = Report::default();
    for &accounts in &sel.sizes {
        generate_cases(&sel, accounts, &mut report);
    }
    if sel.wants("robust") {
        robust_case(&sel, &mut report);
    }
    if sel.wants("admin") {
        admin_case(&sel, &mut report);
    }
    if sel.wants("local") {
        local_case(&sel, &mut report);
    }
    if sel.wants("serve") {
        serve_case(&mut report);
    }

    print_table(
        &format!(
            "| generate: {LISTING} limit | accounts | wall | bound | ratio | {LISTING} calls | throttled (% of those calls) | exit | identical to no limit | goal met |"
        ),
        &report.generate,
    );
    print_table(
        &format!(
            "| robustness: runs | accounts | {LISTING} limit and random faults | failed runs | distinct outputs | identical to no limit | median wall | bound | {LISTING} calls per run | random faults per run | refused by the limit per run | goal met |"
        ),
        &report.robust,
    );
    print_table(
        "| admin assignments: limit | accounts | calls | rows | wall | sequential loop (calls × latency) | wall ÷ sequential | bound | ratio to bound | throttled | exit | identical to no limit | goal met |",
        &report.admin,
    );
    print_table("| measurement | value | bound / reference |", &report.local);
    print_table(
        "| serve: sequential requests, a new connection each | requests | median | p99 | slowest | GetRoleCredentials calls in all |",
        &report.serve,
    );
    if report.goals > 0 {
        println!("goals met: {} of {}", report.met, report.goals);
    }
    for n in &report.notes {
        println!("- {n}");
    }
}

/// What an unlimited run missed of its goals: the ratio to its bound and a
/// clean exit.
fn free_misses(ratio: f64, ok: bool) -> Vec<String> {
    let mut misses = Vec::new();
    if ratio > FREE_GOAL {
        misses.push(format!("ratio > {FREE_GOAL}"));
    }
    if !ok {
        misses.push("failed".to_string());
    }
    misses
}

/// What a limited run missed of its goals: the ratio to its bound, the share
/// of calls throttled, a clean exit and the unlimited run's exact output.
fn limited_misses(ratio: f64, goal_ratio: f64, share: f64, ok: bool, same: &str) -> Vec<String> {
    let mut misses = Vec::new();
    if ratio > goal_ratio {
        misses.push(format!("ratio > {goal_ratio}"));
    }
    if share >= MAX_THROTTLED * 100.0 {
        misses.push(format!("≥ {:.0} % throttled", MAX_THROTTLED * 100.0));
    }
    if !ok {
        misses.push("failed".to_string());
    }
    if same != "yes" {
        misses.push("output differs".to_string());
    }
    misses
}
