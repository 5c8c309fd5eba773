/*!
Injected failures: queued statuses per operation ([`Faults::fail_next`]) and per-operation
rate limits.

Rate limits are **token buckets**: a bucket holds at most `burst` tokens (by default
`per_second`), starts full, refills continuously at `per_second` tokens per second, and each
request takes one. So a burst of `burst` requests passes, the next one within `1/per_second`
s gets 429, and a client that backs off recovers — the behaviour of AWS's throttling, not a
calendar window. A bucket of burst 1 is *strict*: it never holds more than the one token.

Random faults refuse a share of an operation's requests with the service's throttling error or
a 5xx, whatever the rate: a limit shared with other callers, a flaky backend. They take no
token.
*/

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

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

    /// Takes a token if one is available. A request exactly one refill
    /// interval after the last one finds a whole token, whatever the rounding.
    fn try_take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
        self.refilled = now;
        if self.tokens >= 1.0 - 1e-9 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Faults configured by a test, keyed by operation label (`ListAccounts`,
/// `CreateToken:refresh_token`, …).
#[derive(Debug, Default)]
pub(crate) struct Faults {
    queued: HashMap<String, VecDeque<u16>>,
    limits: HashMap<String, Bucket>,
    random: HashMap<String, (f64, f64)>,
    rng: Rng,
}

/// xorshift64*: enough randomness to spread faults, no crate needed.
#[derive(Debug)]
struct Rng(u64);

impl Default for Rng {
    fn default() -> Rng {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Rng((nanos ^ seq.wrapping_mul(0x9e37_79b9_7f4a_7c15)) | 1)
    }
}

impl Rng {
    /// A number in [0, 1).
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl Faults {
    /// The next `count` requests matching `op` fail with `status` (after any already queued).
    pub fn fail_next(&mut self, op: &str, count: usize, status: u16) {
        let queue = self.queued.entry(op.to_string()).or_default();
        queue.extend(std::iter::repeat_n(status, count));
    }

    /// Limits requests matching `op` to `per_second` with a bucket of `burst` tokens,
    /// replacing any earlier limit.
    pub fn set_rate_limit(&mut self, op: &str, per_second: f64, burst: u32, now: Instant) {
        self.limits
            .insert(op.to_string(), Bucket::new(per_second, burst, now));
    }

    /// Refuses a share `p429` of the requests matching `op` with throttling and a share
    /// `p5xx` with a 5xx, at random, before any bucket is asked.
    pub fn set_random_faults(&mut self, op: &str, p429: f64, p5xx: f64) {
        self.random.insert(op.to_string(), (p429, p5xx));
    }

    /// Seeds the random faults (tests).
    #[cfg(test)]
    fn seed(&mut self, seed: u64) {
        self.rng = Rng(seed | 1);
    }

    /// The status to fail a request with, given its labels (most specific first), or `None`
    /// to let it through. Queued failures win over rate limits; a request that passes takes a
    /// token from every bucket it matches.
    pub fn take(&mut self, labels: &[String], now: Instant) -> Option<u16> {
        for label in labels {
            if let Some(status) = self.queued.get_mut(label).and_then(VecDeque::pop_front) {
                return Some(status);
            }
        }
        for label in labels {
            if let Some((p429, p5xx)) = self.random.get(label).copied() {
                let draw = self.rng.unit();
                if draw < p429 {
                    return Some(429);
                }
                if draw < p429 + p5xx {
                    return Some(if draw < p429 + p5xx / 2.0 { 500 } else { 503 });
                }
            }
        }
        let mut limited = false;
        for label in labels {
            if let Some(bucket) = self.limits.get_mut(label) {
                limited |= !bucket.try_take(now);
            }
        }
        limited.then_some(429)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn labels(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn queued_failures_run_out() {
        let mut f = Faults::default();
        let now = Instant::now();
        f.fail_next("CreateToken:refresh_token", 1, 500);
        f.fail_next("CreateToken", 1, 429);
        let refresh = labels(&["CreateToken:refresh_token", "CreateToken"]);
        assert_eq!(f.take(&refresh, now), Some(500));
        assert_eq!(f.take(&refresh, now), Some(429));
        assert_eq!(f.take(&refresh, now), None);
    }

    #[test]
    fn bucket_allows_a_burst_then_refills() {
        let mut f = Faults::default();
        let t0 = Instant::now();
        f.set_rate_limit("ListAccounts", 2.0, 2, t0);
        let op = labels(&["ListAccounts"]);
        assert_eq!(f.take(&op, t0), None);
        assert_eq!(f.take(&op, t0), None);
        assert_eq!(f.take(&op, t0), Some(429));
        assert_eq!(f.take(&op, t0 + Duration::from_millis(500)), None);
        assert_eq!(f.take(&op, t0 + Duration::from_millis(500)), Some(429));
        assert_eq!(f.take(&labels(&["Other"]), t0), None);
    }

    #[test]
    fn a_strict_bucket_holds_one_token() {
        let mut f = Faults::default();
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        f.set_rate_limit("ListAccountRoles", 20.0, 1, t0);
        let op = labels(&["ListAccountRoles"]);
        assert_eq!(f.take(&op, t0), None);
        assert_eq!(f.take(&op, t0), Some(429), "one token at most");
        assert_eq!(f.take(&op, ms(49)), Some(429), "early");
        assert_eq!(f.take(&op, ms(50)), None, "exactly on time");
        // A long pause does not bank more than the one token.
        assert_eq!(f.take(&op, ms(5000)), None);
        assert_eq!(f.take(&op, ms(5000)), Some(429));
        // Refused requests take no token.
        assert_eq!(f.take(&op, ms(5050)), None);
    }

    #[test]
    fn random_faults_hit_their_share_and_take_no_token() {
        let mut f = Faults::default();
        f.seed(7);
        let t0 = Instant::now();
        f.set_random_faults("ListAccountRoles", 0.2, 0.05);
        let op = labels(&["ListAccountRoles"]);
        let (mut throttled, mut failed) = (0, 0);
        for _ in 0..10_000 {
            match f.take(&op, t0) {
                Some(429) => throttled += 1,
                Some(500 | 503) => failed += 1,
                Some(other) => panic!("{other}"),
                None => {}
            }
        }
        assert!((1800..2200).contains(&throttled), "{throttled}");
        assert!((400..600).contains(&failed), "{failed}");
        // With a bucket too: the random refusals leave its tokens alone.
        let mut f = Faults::default();
        f.seed(7);
        f.set_rate_limit("ListAccountRoles", 1.0, 10, t0);
        f.set_random_faults("ListAccountRoles", 0.5, 0.0);
        let passed = (0..100).filter(|_| f.take(&op, t0).is_none()).count();
        assert_eq!(passed, 10, "the bucket's ten tokens, no fewer");
    }
}
