/*!
Injected failures: queued statuses per operation ([`Faults::fail_next`]), random faults
([`Faults::set_random_faults`]) and per-operation rate limits.

Rate limits are **token buckets**: a bucket holds at most `burst` tokens, starts full,
refills continuously at `per_second` tokens per second, and each request that passes takes
one; a request finding less than one token gets 429 and takes none. So a burst of `burst`
requests passes, the next one within `1/per_second` s is refused, and a client that backs
off recovers — the behaviour of AWS's throttling, not a calendar window. A bucket of burst 1
is the strictest: requests must be spaced at least `1/per_second` apart.

A request meets, in order: a queued failure (which it takes), a random fault (drawn per
request; it takes no token), then the buckets it matches.
*/

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// How far below a whole token a bucket may be and still let a request through: a request
/// arriving exactly `1/per_second` after the previous one must pass, although the refill,
/// computed in floating point from `Instant` differences truncated to whole nanoseconds,
/// may come out a hair under 1 (at 1,000 req/s, 1 ns is 1e-6 of a token). A millionth of a
/// token is 50 ns at 20 req/s: no client can exploit it.
const TOKEN_SLACK: f64 = 1e-6;

/// A token bucket (see the module doc).
#[derive(Debug)]
struct Bucket {
    per_second: f64,
    burst: f64,
    tokens: f64,
    refilled: Instant,
}

impl Bucket {
    fn new(per_second: f64, burst: u32, now: Instant) -> Bucket {
        let burst = f64::from(burst.max(1));
        Bucket {
            per_second,
            burst,
            tokens: burst,
            refilled: now,
        }
    }

    /// Adds the tokens earned since the last call (up to the burst); true if a request
    /// may pass now.
    fn refill(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
        self.refilled = now;
        self.tokens >= 1.0 - TOKEN_SLACK
    }

    /// Takes the token [`Bucket::refill`] found. The slack is forgiven, not lent: the
    /// bucket never goes below empty.
    fn take(&mut self) {
        self.tokens = (self.tokens - 1.0).max(0.0);
    }
}

/// Probabilities of a random 429 and a random 5xx for one operation.
#[derive(Debug, Clone, Copy)]
struct RandomFaults {
    p429: f64,
    p5xx: f64,
}

/// xorshift64*: small, fast and good enough to scatter faults; not for secrets.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn seeded(seed: u64) -> Rng {
        // xorshift must not start at 0; mix the seed so that small seeds differ at once.
        Rng((seed ^ 0x9E37_79B9_7F4A_7C15).max(1))
    }

    /// Seeded from the clock and a process-wide counter, so that fakes started together
    /// still draw differently.
    fn from_time() -> Rng {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        Rng::seeded(nanos ^ n.wrapping_mul(0xBF58_476D_1CE4_E5B9))
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl Default for Rng {
    fn default() -> Rng {
        Rng::from_time()
    }
}

/// Why a request is refused (the router counts each kind under its own label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cause {
    /// A failure queued by [`Faults::fail_next`].
    Queued,
    /// A draw of [`Faults::set_random_faults`].
    Random,
    /// An empty token bucket.
    Limited,
}

/// A refused request: the status to answer with and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fault {
    pub status: u16,
    pub cause: Cause,
}

/// Faults configured by a test, keyed by operation label (`ListAccounts`,
/// `CreateToken:refresh_token`, …).
#[derive(Debug, Default)]
pub(crate) struct Faults {
    queued: HashMap<String, VecDeque<u16>>,
    random: HashMap<String, RandomFaults>,
    limits: HashMap<String, Bucket>,
    rng: Rng,
}

impl Faults {
    /// The next `count` requests matching `op` fail with `status` (after any already queued).
    pub fn fail_next(&mut self, op: &str, count: usize, status: u16) {
        let queue = self.queued.entry(op.to_string()).or_default();
        queue.extend(std::iter::repeat_n(status, count));
    }

    /// Limits requests matching `op` to `per_second` with room for `burst` at once
    /// (at least 1), replacing any earlier limit.
    pub fn set_rate_limit(&mut self, op: &str, per_second: f64, burst: u32, now: Instant) {
        self.limits
            .insert(op.to_string(), Bucket::new(per_second, burst, now));
    }

    /// Each request matching `op` fails with 429 with probability `p429`, else with a 5xx
    /// (500 or 503, evenly) with probability `p5xx`; both 0 turns it off.
    pub fn set_random_faults(&mut self, op: &str, p429: f64, p5xx: f64) {
        if p429 <= 0.0 && p5xx <= 0.0 {
            self.random.remove(op);
        } else {
            self.random
                .insert(op.to_string(), RandomFaults { p429, p5xx });
        }
    }

    /// Makes the random faults repeatable.
    pub fn set_seed(&mut self, seed: u64) {
        self.rng = Rng::seeded(seed);
    }

    /// The fault to answer a request with, given its labels (most specific first), or
    /// `None` to let it through. Queued failures come first, then a random draw (for the
    /// most specific label that has random faults), then the rate limits; a request that
    /// passes takes a token from every bucket it matches, a refused one from none.
    pub fn take(&mut self, labels: &[String], now: Instant) -> Option<Fault> {
        for label in labels {
            if let Some(status) = self.queued.get_mut(label).and_then(VecDeque::pop_front) {
                return Some(Fault {
                    status,
                    cause: Cause::Queued,
                });
            }
        }
        if let Some(r) = labels.iter().find_map(|l| self.random.get(l).copied()) {
            let draw = self.rng.unit();
            let status = if draw < r.p429 {
                Some(429)
            } else if draw < r.p429 + r.p5xx {
                Some(if self.rng.unit() < 0.5 { 500 } else { 503 })
            } else {
                None
            };
            if let Some(status) = status {
                return Some(Fault {
                    status,
                    cause: Cause::Random,
                });
            }
        }
        // Only a request every bucket admits takes tokens, so that a refusal by one
        // bucket does not drain another.
        let mut buckets: Vec<&mut Bucket> = self
            .limits
            .iter_mut()
            .filter(|(label, _)| labels.contains(label))
            .map(|(_, b)| b)
            .collect();
        let mut admitted = true;
        for b in &mut buckets {
            admitted &= b.refill(now);
        }
        if !admitted {
            return Some(Fault {
                status: 429,
                cause: Cause::Limited,
            });
        }
        buckets.iter_mut().for_each(|b| b.take());
        None
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn labels(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn status(f: &mut Faults, op: &[String], at: Instant) -> Option<u16> {
        f.take(op, at).map(|fault| fault.status)
    }

    #[test]
    fn queued_failures_run_out() {
        let mut f = Faults::default();
        let now = Instant::now();
        f.fail_next("CreateToken:refresh_token", 1, 500);
        f.fail_next("CreateToken", 1, 429);
        let refresh = labels(&["CreateToken:refresh_token", "CreateToken"]);
        assert_eq!(
            f.take(&refresh, now),
            Some(Fault {
                status: 500,
                cause: Cause::Queued
            })
        );
        assert_eq!(status(&mut f, &refresh, now), Some(429));
        assert_eq!(status(&mut f, &refresh, now), None);
    }

    #[test]
    fn bucket_allows_a_burst_then_refills() {
        let mut f = Faults::default();
        let t0 = Instant::now();
        f.set_rate_limit("ListAccounts", 2.0, 2, t0);
        let op = labels(&["ListAccounts"]);
        assert_eq!(status(&mut f, &op, t0), None);
        assert_eq!(status(&mut f, &op, t0), None);
        assert_eq!(
            f.take(&op, t0),
            Some(Fault {
                status: 429,
                cause: Cause::Limited
            })
        );
        assert_eq!(status(&mut f, &op, t0 + Duration::from_millis(500)), None);
        assert_eq!(
            status(&mut f, &op, t0 + Duration::from_millis(500)),
            Some(429)
        );
        assert_eq!(status(&mut f, &labels(&["Other"]), t0), None);
    }

    #[test]
    fn strict_bucket_admits_requests_exactly_on_time() {
        // 1/3 s is not a whole number of nanoseconds: each step is truncated, so the
        // refill comes out a hair under one token and needs the slack.
        for (rate, step) in [
            (20.0, Duration::from_millis(50)),
            (3.0, Duration::from_nanos(333_333_333)),
        ] {
            let mut f = Faults::default();
            let t0 = Instant::now();
            f.set_rate_limit("ListAccountRoles", rate, 1, t0);
            let op = labels(&["ListAccountRoles"]);
            for k in 0..200u32 {
                assert_eq!(
                    status(&mut f, &op, t0 + step * k),
                    None,
                    "rate {rate}, request {k}"
                );
            }
        }
    }

    #[test]
    fn strict_bucket_refuses_early_requests_without_taking_a_token() {
        let mut f = Faults::default();
        let t0 = Instant::now();
        f.set_rate_limit("ListAccountRoles", 20.0, 1, t0);
        let op = labels(&["ListAccountRoles"]);
        let ms = |n| t0 + Duration::from_millis(n);
        assert_eq!(status(&mut f, &op, t0), None, "starts full");
        assert_eq!(status(&mut f, &op, t0), Some(429), "holds one token");
        assert_eq!(status(&mut f, &op, ms(49)), Some(429), "early");
        assert_eq!(status(&mut f, &op, ms(50)), None, "on time, after refusals");
        assert_eq!(status(&mut f, &op, ms(99)), Some(429));
        assert_eq!(status(&mut f, &op, ms(100)), None);
        // A long pause earns one token, not a burst.
        assert_eq!(status(&mut f, &op, ms(5_000)), None);
        assert_eq!(status(&mut f, &op, ms(5_000)), Some(429));
    }

    #[test]
    fn a_refusal_by_one_bucket_takes_no_token_from_another() {
        let mut f = Faults::default();
        let t0 = Instant::now();
        f.set_rate_limit("CreateToken:refresh_token", 1.0, 1, t0);
        f.set_rate_limit("CreateToken", 1.0, 2, t0);
        let refresh = labels(&["CreateToken:refresh_token", "CreateToken"]);
        let device = labels(&["CreateToken:device_code", "CreateToken"]);
        assert_eq!(status(&mut f, &refresh, t0), None);
        assert_eq!(status(&mut f, &refresh, t0), Some(429));
        assert_eq!(
            status(&mut f, &device, t0),
            None,
            "the shared bucket kept its token"
        );
        assert_eq!(status(&mut f, &device, t0), Some(429));
    }

    #[test]
    fn random_faults_come_at_the_set_rates() {
        let mut f = Faults::default();
        f.set_seed(42);
        f.set_random_faults("ListAccountRoles", 0.2, 0.05);
        let op = labels(&["ListAccountRoles"]);
        let now = Instant::now();
        let mut counts: HashMap<Option<u16>, usize> = HashMap::new();
        for _ in 0..10_000 {
            *counts.entry(status(&mut f, &op, now)).or_default() += 1;
        }
        let share = |s: &[Option<u16>]| {
            s.iter()
                .map(|s| counts.get(s).copied().unwrap_or(0))
                .sum::<usize>() as f64
                / 10_000.0
        };
        assert!((share(&[Some(429)]) - 0.2).abs() < 0.015, "{counts:?}");
        assert!(
            (share(&[Some(500), Some(503)]) - 0.05).abs() < 0.01,
            "{counts:?}"
        );
        assert!(
            share(&[Some(500)]) > 0.015 && share(&[Some(503)]) > 0.015,
            "{counts:?}"
        );
        assert_eq!(status(&mut f, &labels(&["ListAccounts"]), now), None);
        f.set_random_faults("ListAccountRoles", 0.0, 0.0);
        assert_eq!(status(&mut f, &op, now), None);
    }

    #[test]
    fn random_faults_take_no_token() {
        let mut f = Faults::default();
        f.set_seed(7);
        let t0 = Instant::now();
        f.set_rate_limit("ListAccountRoles", 1.0, 1, t0);
        f.set_random_faults("ListAccountRoles", 0.5, 0.4);
        let op = labels(&["ListAccountRoles"]);
        // At one instant the bucket has one token: the first request that is not a random
        // fault gets it, however many random faults came before, and no other passes.
        let causes: Vec<Option<Cause>> = (0..1_000)
            .map(|_| f.take(&op, t0).map(|fault| fault.cause))
            .collect();
        let first_through = causes.iter().position(Option::is_none);
        assert!(first_through.is_some_and(|i| i > 0), "{:?}", &causes[..10]);
        let before = &causes[..first_through.unwrap_or(0)];
        assert!(before.iter().all(|c| *c == Some(Cause::Random)));
        assert_eq!(causes.iter().filter(|c| c.is_none()).count(), 1);
        assert!(causes.contains(&Some(Cause::Limited)));
    }
}
