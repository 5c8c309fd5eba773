/*!
Time: the cache files' timestamp format and the lenient parser the AWS CLI's
readers use (protocol.md §4.2); and the monotonic [`Clock`] that pacing and
backoff wait on, injectable so that their tests run on virtual time instead of
sleeping.
*/

use std::time::{Duration, Instant};

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// The current time in UTC.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// `YYYY-MM-DDTHH:MM:SSZ`, the format the AWS CLI writes in its caches and the
/// credential_process `Expiration`.
pub fn format(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
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

/// Parses the timestamps found in AWS CLI caches: RFC 3339 (`Z` or an offset,
/// fractional seconds), the legacy `…UTC` suffix, and no zone at all (UTC).
pub fn parse(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    let bare = s.strip_suffix("UTC").unwrap_or(s).trim_end();
    let bare = bare.split('.').next().unwrap_or(bare);
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    PrimitiveDateTime::parse(bare, &fmt)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

/// An epoch-milliseconds value (the portal's `expiration`) as a time.
pub fn from_epoch_millis(ms: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

/// An epoch-seconds value as a time.
pub fn from_epoch_secs(s: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(s).ok()
}

/// Monotonic time and waiting. The HTTP client's backoff and the governor's
/// pacing only ever wait through one of these.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Instant;
    /// Waits for `d`.
    fn sleep(&self, d: Duration);
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep(&self, d: Duration) {
        std::thread::sleep(d);
    }
}

/// A clock that only moves when something sleeps on it (tests).
#[cfg(test)]
pub struct FakeClock {
    start: Instant,
    elapsed: std::sync::Mutex<Duration>,
}

#[cfg(test)]
impl FakeClock {
    /// A clock at an arbitrary start.
    pub fn new() -> FakeClock {
        FakeClock {
            start: Instant::now(),
            elapsed: std::sync::Mutex::new(Duration::ZERO),
        }
    }

    /// Virtual time slept so far.
    pub fn elapsed(&self) -> Duration {
        *self.elapsed.lock().unwrap()
    }

    /// Moves the clock on without sleeping.
    pub fn advance(&self, d: Duration) {
        *self.elapsed.lock().unwrap() += d;
    }
}

#[cfg(test)]
impl Default for FakeClock {
    fn default() -> FakeClock {
        FakeClock::new()
    }
}

#[cfg(test)]
impl Clock for FakeClock {
    fn now(&self) -> Instant {
        self.start + self.elapsed()
    }

    fn sleep(&self, d: Duration) {
        self.advance(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_the_aws_cli() {
        let t = from_epoch_secs(1704164645).unwrap();
        assert_eq!(format(t), "2024-01-02T03:04:05Z");
    }

    #[test]
    fn parses_every_cache_dialect() {
        let want = from_epoch_secs(1592389471).unwrap();
        for s in [
            "2020-06-17T10:24:31Z",
            "2020-06-17T10:24:31+00:00",
            "2020-06-17T10:24:31.000Z",
            "2020-06-17T10:24:31UTC",
            "2020-06-17T10:24:31",
            "2020-06-17T12:24:31+02:00",
        ] {
            assert_eq!(parse(s), Some(want), "{s}");
        }
        assert_eq!(parse("tomorrow"), None);
    }
}
