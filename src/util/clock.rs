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

// Numbers from the network arrive as any JSON number (`3600`, `3e11`, `1e300`,
// `-5`, `0.5`): they are read as `f64` and only become a time or a duration
// through the checked conversions below, so no answer can make time
// arithmetic overflow (which panics).

/// A lifetime sent as a number of seconds (`expiresIn`, `interval`): whole
/// seconds (a fraction is dropped), lowered to `max`. `None` when it is not a
/// finite number of at least zero.
pub fn lifetime(secs: f64, max: Duration) -> Option<Duration> {
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    // `as` saturates for floats out of u64's range; `max` bounds it anyway.
    Some(Duration::from_secs(secs.floor() as u64).min(max))
}

/// `t` plus `d`, or `None` when that is past the years a time can hold.
pub fn checked_after(t: OffsetDateTime, d: Duration) -> Option<OffsetDateTime> {
    t.checked_add(time::Duration::try_from(d).ok()?)
}

/// An epoch time sent as a number of seconds (`per_second` 1) or milliseconds
/// (`per_second` 1000), to the whole second below. `None` unless it is finite
/// and falls in the years 1 to 9999, the range the cache format can write.
pub fn from_epoch_number(n: f64, per_second: f64) -> Option<OffsetDateTime> {
    // 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
    const FIRST: f64 = -62_135_596_800.0;
    const LAST: f64 = 253_402_300_799.0;
    let secs = (n / per_second).floor();
    if !secs.is_finite() || !(FIRST..=LAST).contains(&secs) {
        return None;
    }
    from_epoch_secs(secs as i64)
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
    fn network_numbers_never_overflow() {
        let hour = Duration::from_secs(3600);
        assert_eq!(lifetime(900.0, hour), Some(Duration::from_secs(900)));
        assert_eq!(lifetime(900.9, hour), Some(Duration::from_secs(900)));
        assert_eq!(lifetime(3e11, hour), Some(hour));
        assert_eq!(lifetime(1e300, hour), Some(hour));
        assert_eq!(lifetime(f64::MAX, hour), Some(hour));
        assert_eq!(lifetime(0.0, hour), Some(Duration::ZERO));
        assert_eq!(lifetime(-1.0, hour), None);
        assert_eq!(lifetime(f64::NAN, hour), None);
        assert_eq!(lifetime(f64::INFINITY, hour), None);
        let t = from_epoch_secs(1704164645).unwrap();
        assert_eq!(
            checked_after(t, Duration::from_secs(3600)),
            from_epoch_secs(1704168245)
        );
        assert_eq!(checked_after(t, Duration::from_secs(300_000_000_000)), None);
        assert_eq!(checked_after(t, Duration::MAX), None);
        assert_eq!(from_epoch_number(1704164645000.0, 1000.0), Some(t));
        assert_eq!(from_epoch_number(1704164645.7, 1.0), Some(t));
        assert_eq!(
            from_epoch_number(253402300799.0, 1.0).map(format),
            Some("9999-12-31T23:59:59Z".into())
        );
        for bad in [253402300800.0, 3e300, -1e300, f64::NAN, f64::INFINITY] {
            assert_eq!(from_epoch_number(bad, 1.0), None, "{bad}");
        }
        assert_eq!(from_epoch_number(3e17, 1000.0), None);
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
