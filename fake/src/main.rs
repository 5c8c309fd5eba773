/*!
`fake-idc`: run the fake Identity Center for `make demo` / `make bench` (`serve`), or stand
in for a web browser in tests (`browse`, used as `BROWSER`).
*/

use std::ffi::OsString;
use std::io::{self, Write};
use std::process::{Command as Process, ExitCode, Stdio};

use fake_idc::{Fake, Org, client};

const USAGE: &str = "\
usage: fake-idc serve [--sample | --accounts N --roles R] [--latency-ms MS]
                      [--rate-limit OP=RATE[/BURST]]... [--random-faults OP=P429,P5XX]...
                      [--random-seed N] [--until-killed]
       fake-idc browse [--foreground] URL

serve   Start the fake on 127.0.0.1 and print its URL as the first line of stdout.
        Serves until stdin reaches end of file (or, with --until-killed, until killed).
        --rate-limit: a token bucket on OP refilled at RATE per second (may have a
        fraction) holding BURST tokens (default RATE rounded up; 1 is the strict bucket).
        --random-faults: each request to OP fails with probability P429 with a 429
        (throttling) and with probability P5XX with a 500/503; repeatable with
        --random-seed. OP is an operation label such as ListAccountRoles or
        sso-admin:ListAccountAssignments.
browse  Stand-in browser: GET an http:// loopback URL and follow up to 5 302/303
        redirects. Returns at once and fetches from a detached child, so the program
        that launched it is never blocked; --foreground fetches in this process and
        exits 0 after a final 2xx/4xx response, 1 otherwise.";

/// Redirect hops `browse` follows.
const MAX_REDIRECTS: usize = 5;

/// Which organisation `serve` hosts.
#[derive(Debug, PartialEq)]
enum OrgChoice {
    Sample,
    Generated { accounts: usize, roles: usize },
}

#[derive(Debug, PartialEq)]
struct ServeArgs {
    org: OrgChoice,
    latency_ms: u64,
    rate_limits: Vec<RateLimit>,
    random_faults: Vec<RandomFaults>,
    random_seed: Option<u64>,
    until_killed: bool,
}

/// `--rate-limit OP=RATE[/BURST]`.
#[derive(Debug, PartialEq)]
struct RateLimit {
    op: String,
    per_second: f64,
    burst: u32,
}

/// `--random-faults OP=P429,P5XX`.
#[derive(Debug, PartialEq)]
struct RandomFaults {
    op: String,
    p429: f64,
    p5xx: f64,
}

#[derive(Debug, PartialEq)]
enum Command {
    Serve(ServeArgs),
    Browse { url: String, foreground: bool },
    Help,
}

fn number<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    value
        .parse()
        .map_err(|_| format!("{flag}: {value:?} is not a valid number"))
}

/// Splits `OP=VALUE` for `flag`, `what` naming the expected form.
fn op_value(flag: &str, what: &str, spec: Option<String>) -> Result<(String, String), String> {
    let spec = spec.ok_or_else(|| format!("{flag} needs {what}"))?;
    match spec.split_once('=') {
        Some((op, value)) if !op.is_empty() => Ok((op.to_string(), value.to_string())),
        _ => Err(format!("{flag} {spec:?}: expected {what}")),
    }
}

fn parse_rate_limit(spec: Option<String>) -> Result<RateLimit, String> {
    const FLAG: &str = "--rate-limit";
    let (op, value) = op_value(FLAG, "OP=RATE[/BURST]", spec)?;
    let (rate, burst) = match value.split_once('/') {
        Some((rate, burst)) => (rate, Some(burst)),
        None => (value.as_str(), None),
    };
    let per_second: f64 = number(FLAG, Some(rate.to_string()))?;
    if !(per_second.is_finite() && per_second > 0.0) {
        return Err(format!("{FLAG} {op}: the rate must be above 0"));
    }
    let burst = match burst {
        Some(b) => number(FLAG, Some(b.to_string()))?,
        // As Fake::set_rate_limit: room for one second's worth.
        None => per_second.ceil().min(f64::from(u32::MAX)) as u32,
    };
    if burst == 0 {
        return Err(format!("{FLAG} {op}: the burst must be at least 1"));
    }
    Ok(RateLimit {
        op,
        per_second,
        burst,
    })
}

fn parse_random_faults(spec: Option<String>) -> Result<RandomFaults, String> {
    const FLAG: &str = "--random-faults";
    let (op, value) = op_value(FLAG, "OP=P429,P5XX", spec)?;
    let (p429, p5xx) = value
        .split_once(',')
        .ok_or_else(|| format!("{FLAG} {op}={value}: expected OP=P429,P5XX"))?;
    let p429: f64 = number(FLAG, Some(p429.to_string()))?;
    let p5xx: f64 = number(FLAG, Some(p5xx.to_string()))?;
    if !((0.0..=1.0).contains(&p429) && (0.0..=1.0).contains(&p5xx) && p429 + p5xx <= 1.0) {
        return Err(format!(
            "{FLAG} {op}: probabilities must be between 0 and 1 and add up to at most 1"
        ));
    }
    Ok(RandomFaults { op, p429, p5xx })
}

fn parse_serve(mut args: impl Iterator<Item = String>) -> Result<Command, String> {
    let (mut accounts, mut roles, mut sample) = (None, None, false);
    let mut serve = ServeArgs {
        org: OrgChoice::Sample,
        latency_ms: 0,
        rate_limits: Vec::new(),
        random_faults: Vec::new(),
        random_seed: None,
        until_killed: false,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--sample" => sample = true,
            "--accounts" => accounts = Some(number(&arg, args.next())?),
            "--roles" => roles = Some(number(&arg, args.next())?),
            "--latency-ms" => serve.latency_ms = number(&arg, args.next())?,
            "--until-killed" => serve.until_killed = true,
            "--rate-limit" => serve.rate_limits.push(parse_rate_limit(args.next())?),
            "--random-faults" => serve.random_faults.push(parse_random_faults(args.next())?),
            "--random-seed" => serve.random_seed = Some(number(&arg, args.next())?),
            "-h" | "--help" => return Ok(Command::Help),
            other => return Err(format!("serve: unexpected argument {other:?}")),
        }
    }
    serve.org = match (sample, accounts, roles) {
        (_, None, None) => OrgChoice::Sample,
        (false, Some(accounts), Some(roles)) => OrgChoice::Generated { accounts, roles },
        (true, _, _) => return Err("--sample excludes --accounts/--roles".to_string()),
        _ => return Err("--accounts and --roles go together".to_string()),
    };
    Ok(Command::Serve(serve))
}

fn parse_browse(args: impl Iterator<Item = String>) -> Result<Command, String> {
    let (mut url, mut foreground) = (None, false);
    for arg in args {
        match arg.as_str() {
            "--foreground" => foreground = true,
            "-h" | "--help" => return Ok(Command::Help),
            _ if url.is_none() => url = Some(arg),
            other => return Err(format!("browse: unexpected argument {other:?}")),
        }
    }
    let url = url.ok_or("browse needs a URL")?;
    Ok(Command::Browse { url, foreground })
}

/// Parses the arguments after the program name.
fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut args = args
        .into_iter()
        .map(|a| {
            a.into_string()
                .map_err(|a| format!("argument {a:?} is not UTF-8"))
        })
        .collect::<Result<Vec<_>, _>>()?
        .into_iter();
    match args.next().as_deref() {
        Some("serve") => parse_serve(args),
        Some("browse") => parse_browse(args),
        Some("-h" | "--help") => Ok(Command::Help),
        Some(other) => Err(format!("unknown command {other:?}")),
        None => Err("missing command".to_string()),
    }
}

fn serve(args: ServeArgs) -> Result<(), String> {
    let org = match args.org {
        OrgChoice::Sample => Org::sample(),
        OrgChoice::Generated { accounts, roles } => Org::generated(accounts, roles),
    };
    let fake = Fake::start(org);
    fake.set_latency(std::time::Duration::from_millis(args.latency_ms));
    for l in &args.rate_limits {
        fake.set_rate_limit_burst(&l.op, l.per_second, l.burst);
    }
    if let Some(seed) = args.random_seed {
        fake.set_random_seed(seed);
    }
    for r in &args.random_faults {
        fake.set_random_faults(&r.op, r.p429, r.p5xx);
    }
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{}", fake.url())
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("writing the URL: {e}"))?;
    drop(stdout);
    let org = fake.org();
    eprintln!(
        "fake-idc: {} accounts, start URL {}, region {}",
        org.accounts.len(),
        org.start_url,
        org.region
    );
    if args.until_killed {
        loop {
            std::thread::park();
        }
    }
    io::copy(&mut io::stdin().lock(), &mut io::sink()).map_err(|e| format!("stdin: {e}"))?;
    Ok(())
}

/// Fetches `url`, following redirects; the final status.
fn fetch_following(url: &str) -> Result<u16, String> {
    let mut url = url.to_string();
    for _ in 0..=MAX_REDIRECTS {
        let reply = client::get(&url).map_err(|e| format!("GET {url}: {e}"))?;
        if !matches!(reply.status, 302 | 303) {
            return Ok(reply.status);
        }
        let location = reply
            .header("location")
            .ok_or_else(|| format!("{} from {url} without Location", reply.status))?;
        client::parse_loopback_url(location)?;
        url = location.to_string();
    }
    Err(format!("more than {MAX_REDIRECTS} redirects"))
}

/// Runs `fake-idc browse --foreground URL` as a detached child and returns: a browser
/// launcher may wait for its command to exit, and the CLI under test only answers the
/// redirect once it gets control back.
fn spawn_detached(url: &str) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| format!("locating fake-idc: {e}"))?;
    Process::new(exe)
        .args(["browse", "--foreground", url])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| format!("starting the browser child: {e}"))
}

fn browse(url: &str, foreground: bool) -> Result<ExitCode, String> {
    client::parse_loopback_url(url)?;
    if !foreground {
        spawn_detached(url)?;
        return Ok(ExitCode::SUCCESS);
    }
    let status = fetch_following(url)?;
    eprintln!("fake-idc browse: {status}");
    Ok(
        if (200..300).contains(&status) || (400..500).contains(&status) {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        },
    )
}

fn main() -> ExitCode {
    let result = match parse(std::env::args_os().skip(1)) {
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Serve(args)) => serve(args).map(|()| ExitCode::SUCCESS),
        Ok(Command::Browse { url, foreground }) => browse(&url, foreground),
        Err(e) => Err(format!("{e}\n{USAGE}")),
    };
    result.unwrap_or_else(|e| {
        eprintln!("fake-idc: {e}");
        ExitCode::from(2)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Command, String> {
        parse(list.iter().map(OsString::from))
    }

    #[test]
    fn parses_serve() {
        let cmd = args(&[
            "serve",
            "--accounts",
            "50",
            "--roles",
            "3",
            "--latency-ms",
            "20",
        ]);
        let Ok(Command::Serve(s)) = cmd else {
            panic!("{cmd:?}")
        };
        assert_eq!(
            s.org,
            OrgChoice::Generated {
                accounts: 50,
                roles: 3
            }
        );
        assert_eq!(s.latency_ms, 20);
        let cmd = args(&["serve", "--rate-limit", "ListAccounts=5", "--sample"]);
        let Ok(Command::Serve(s)) = cmd else {
            panic!("{cmd:?}")
        };
        assert_eq!(
            s.rate_limits,
            vec![RateLimit {
                op: "ListAccounts".to_string(),
                per_second: 5.0,
                burst: 5
            }]
        );
        assert_eq!(s.org, OrgChoice::Sample);
        assert!(s.random_faults.is_empty());
        assert_eq!(s.random_seed, None);
        assert!(args(&["serve", "--accounts", "5"]).is_err());
        assert!(args(&["serve", "--rate-limit", "x"]).is_err());
        assert!(args(&["serve", "--bogus"]).is_err());
    }

    #[test]
    fn parses_rate_limits_with_a_burst() {
        let cmd = args(&[
            "serve",
            "--rate-limit",
            "ListAccountRoles=20/1",
            "--rate-limit",
            "sso-admin:ListAccountAssignments=2.5",
        ]);
        let Ok(Command::Serve(s)) = cmd else {
            panic!("{cmd:?}")
        };
        assert_eq!(
            s.rate_limits,
            vec![
                RateLimit {
                    op: "ListAccountRoles".to_string(),
                    per_second: 20.0,
                    burst: 1
                },
                RateLimit {
                    op: "sso-admin:ListAccountAssignments".to_string(),
                    per_second: 2.5,
                    burst: 3
                }
            ]
        );
        for bad in [
            "ListAccountRoles",
            "=20",
            "ListAccountRoles=0",
            "ListAccountRoles=-1/2",
            "ListAccountRoles=20/0",
            "ListAccountRoles=20/x",
            "ListAccountRoles=inf",
        ] {
            assert!(args(&["serve", "--rate-limit", bad]).is_err(), "{bad}");
        }
        assert!(args(&["serve", "--rate-limit"]).is_err());
    }

    #[test]
    fn parses_random_faults() {
        let cmd = args(&[
            "serve",
            "--random-faults",
            "ListAccountRoles=0.2,0.05",
            "--random-seed",
            "7",
        ]);
        let Ok(Command::Serve(s)) = cmd else {
            panic!("{cmd:?}")
        };
        assert_eq!(
            s.random_faults,
            vec![RandomFaults {
                op: "ListAccountRoles".to_string(),
                p429: 0.2,
                p5xx: 0.05
            }]
        );
        assert_eq!(s.random_seed, Some(7));
        for bad in [
            "ListAccountRoles=0.2",
            "ListAccountRoles=0.2,x",
            "ListAccountRoles=1.5,0",
            "ListAccountRoles=0.6,0.6",
            "ListAccountRoles=-0.1,0",
            "=0.1,0.1",
        ] {
            assert!(args(&["serve", "--random-faults", bad]).is_err(), "{bad}");
        }
        assert!(args(&["serve", "--random-seed", "x"]).is_err());
    }

    #[test]
    fn parses_browse() {
        assert_eq!(
            args(&["browse", "--foreground", "http://127.0.0.1:1/"]),
            Ok(Command::Browse {
                url: "http://127.0.0.1:1/".to_string(),
                foreground: true
            })
        );
        assert!(args(&["browse"]).is_err());
        assert!(args(&["nope"]).is_err());
    }

    #[test]
    fn browse_refuses_the_network() {
        assert!(browse("https://example.com/", true).is_err());
        assert!(browse("http://10.0.0.1/", false).is_err());
    }
}
