/*!
Injected failures: queued statuses per operation ([`Faults::fail_next`]) and per-operation
rate limits.

Rate limits are **token buckets**: a bucket holds at most `per_second` tokens, starts full,
refills continuously at `per_second` tokens per second, and each request takes one. So a
burst of `per_second` requests passes, the next one within `1/per_second` s gets 429, and a
client that backs off recovers — the behaviour of AWS's throttling, not a calendar window.
*/

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

/// A token bucket (see the module doc).
#[derive(Debug)]
struct Bucket {
    per_second: f64,
    tokens: f64,
    refilled: Instant,
}

impl Bucket {
    fn new(per_second: u32, now: Instant) -> Bucket {
        Bucket {
            per_second: f64::from(per_second),
            tokens: f64::from(per_second),
            refilled: now,
        }
    }

    /// Takes a token if one is available.
    fn try_take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.per_second);
        self.refilled = now;
        if self.tokens >= 1.0 {
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
}

impl Faults {
    /// The next `count` requests matching `op` fail with `status` (after any already queued).
    pub fn fail_next(&mut self, op: &str, count: usize, status: u16) {
        let queue = self.queued.entry(op.to_string()).or_default();
        queue.extend(std::iter::repeat_n(status, count));
    }

    /// Limits requests matching `op` to `per_second`, replacing any earlier limit.
    pub fn set_rate_limit(&mut self, op: &str, per_second: u32, now: Instant) {
        self.limits
            .insert(op.to_string(), Bucket::new(per_second, now));
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
        f.set_rate_limit("ListAccounts", 2, t0);
        let op = labels(&["ListAccounts"]);
        assert_eq!(f.take(&op, t0), None);
        assert_eq!(f.take(&op, t0), None);
        assert_eq!(f.take(&op, t0), Some(429));
        assert_eq!(f.take(&op, t0 + Duration::from_millis(500)), None);
        assert_eq!(f.take(&op, t0 + Duration::from_millis(500)), Some(429));
        assert_eq!(f.take(&labels(&["Other"]), t0), None);
    }
}
