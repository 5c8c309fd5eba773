/*!
Adaptive concurrency and rate for every request the HTTP client sends, so that
the service's rate limit is the only thing that bounds a large listing.

Two controls, both driven by the answers:
- an in-flight window, grown quickly (doubling per round trip, TCP's slow
  start) until the first throttling answer, then by about one request per
  round trip; halved on throttling; never above the cap;
- a request rate, off until the service throttles us. At the first throttle it
  is set to what the service let through in the last second (that is its
  limit), then creeps up 5 % per second without throttling and is cut back to
  the measured rate on the next throttle.

Without throttling neither control costs anything but a mutex. Time comes from
an injected [`Clock`], so the pacing is tested on virtual time.
*/

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::util::clock::Clock;

/// Most requests in flight at once.
pub const DEFAULT_CAP: usize = 32;
const INITIAL_WINDOW: f64 = 8.0;
/// Cuts within this time of the last one are the same congestion event.
const CUT_INTERVAL: Duration = Duration::from_secs(1);
const RATE_WINDOW: Duration = Duration::from_secs(1);
const RATE_GROWTH_PER_SEC: f64 = 1.05;
/// Fewest answers in the last second that count as a measured rate.
const MIN_MEASURED: f64 = 5.0;

/// How a request ended, for the governor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An answer that was not throttling.
    Done,
    /// The service said to slow down.
    Throttled,
}

/// Shared by all threads of the process.
pub struct Governor {
    cap: usize,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
    freed: Condvar,
}

struct State {
    in_flight: usize,
    /// Threads blocked in `acquire` for want of a slot.
    waiting: usize,
    window: f64,
    slow_start: bool,
    /// Requests per second once throttled, as of `rate_since`.
    rate: Option<f64>,
    rate_since: Instant,
    next_send: Instant,
    last_cut: Option<Instant>,
    /// Completion times of recent non-throttled answers.
    recent: VecDeque<Instant>,
}

/// A slot for one request; give the outcome back with [`Permit::finish`].
pub struct Permit<'a> {
    governor: &'a Governor,
    finished: bool,
}

impl Governor {
    /// A governor allowing at most `cap` requests in flight, on `clock`.
    pub fn new(cap: usize, clock: Arc<dyn Clock>) -> Governor {
        let now = clock.now();
        Governor {
            cap: cap.max(1),
            clock,
            state: Mutex::new(State {
                in_flight: 0,
                waiting: 0,
                window: INITIAL_WINDOW.min(cap.max(1) as f64),
                slow_start: true,
                rate: None,
                rate_since: now,
                next_send: now,
                last_cut: None,
                recent: VecDeque::new(),
            }),
            freed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for a slot in the window and, when a rate is in force, for the
    /// request's turn.
    pub fn acquire(&self) -> Permit<'_> {
        let mut st = self.lock();
        while st.in_flight >= (st.window as usize).max(1) {
            st.waiting += 1;
            st = self.freed.wait(st).unwrap_or_else(PoisonError::into_inner);
            st.waiting -= 1;
        }
        st.in_flight += 1;
        let now = self.clock.now();
        let wait = match st.current_rate(now) {
            Some(rate) => {
                let at = st.next_send.max(now);
                st.next_send = at + Duration::from_secs_f64(1.0 / rate);
                at - now
            }
            None => Duration::ZERO,
        };
        drop(st);
        if !wait.is_zero() {
            self.clock.sleep(wait);
        }
        Permit {
            governor: self,
            finished: false,
        }
    }

    fn finish(&self, outcome: Outcome) {
        let mut st = self.lock();
        st.in_flight -= 1;
        let now = self.clock.now();
        match outcome {
            Outcome::Done => {
                st.recent.push_back(now);
                let growth = if st.slow_start { 1.0 } else { 1.0 / st.window };
                st.window = (st.window + growth).min(self.cap as f64);
            }
            Outcome::Throttled => {
                if st.last_cut.is_none_or(|t| now - t >= CUT_INTERVAL) {
                    st.cut(now);
                }
            }
        }
        while st.recent.front().is_some_and(|t| now - *t > RATE_WINDOW) {
            st.recent.pop_front();
        }
        drop(st);
        self.freed.notify_all();
    }

    #[cfg(test)]
    /// The current window (tests).
    pub fn window(&self) -> f64 {
        self.lock().window
    }

    #[cfg(test)]
    /// The rate in force, if any.
    pub fn rate(&self) -> Option<f64> {
        let st = self.lock();
        st.current_rate(self.clock.now())
    }

    #[cfg(test)]
    /// Threads blocked for want of a slot.
    pub fn waiting(&self) -> usize {
        self.lock().waiting
    }
}

impl State {
    fn current_rate(&self, now: Instant) -> Option<f64> {
        let secs = (now - self.rate_since).as_secs_f64();
        self.rate.map(|r| r * RATE_GROWTH_PER_SEC.powf(secs))
    }

    /// One congestion event: halve the window and set the rate to what got
    /// through in the last second. With too few answers to measure (a throttle
    /// at start-up, say) no rate is set: the retry backoff covers that case, and
    /// a guess would slow every later request.
    fn cut(&mut self, now: Instant) {
        self.slow_start = false;
        self.window = (self.window / 2.0).max(1.0);
        self.last_cut = Some(now);
        let passed = self
            .recent
            .iter()
            .filter(|t| now - **t <= RATE_WINDOW)
            .count() as f64;
        let current = self.current_rate(now);
        let rate = match (current, passed >= MIN_MEASURED) {
            (None, false) => return,
            (None, true) => passed,
            (Some(r), true) => r.min(passed),
            (Some(r), false) => r / 2.0,
        };
        self.rate = Some(rate.max(0.5));
        self.rate_since = now;
    }
}

impl Permit<'_> {
    /// Reports how the request ended and frees the slot.
    pub fn finish(mut self, outcome: Outcome) {
        self.finished = true;
        self.governor.finish(outcome);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.governor.finish(Outcome::Done);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::clock::FakeClock;

    fn governor(cap: usize) -> (Governor, Arc<FakeClock>) {
        let clock = Arc::new(FakeClock::new());
        (Governor::new(cap, clock.clone()), clock)
    }

    #[test]
    fn slow_start_then_halving_then_additive() {
        let (g, _) = governor(32);
        assert_eq!(g.window(), 8.0);
        for _ in 0..8 {
            g.acquire().finish(Outcome::Done);
        }
        assert_eq!(g.window(), 16.0, "slow start doubles per window of answers");
        for _ in 0..40 {
            g.acquire().finish(Outcome::Done);
        }
        assert_eq!(g.window(), 32.0, "never above the cap");
        g.acquire().finish(Outcome::Throttled);
        assert_eq!(g.window(), 16.0);
        assert!(
            g.rate().is_some_and(|r| r >= 40.0),
            "rate = what passed in the last second"
        );
        g.acquire().finish(Outcome::Throttled);
        assert_eq!(g.window(), 16.0, "one cut per congestion event");
        g.acquire().finish(Outcome::Done);
        assert!(
            (g.window() - 16.0625).abs() < 1e-9,
            "additive increase after the first cut"
        );
    }

    #[test]
    fn a_rate_spaces_requests() {
        let (g, clock) = governor(4);
        for _ in 0..10 {
            g.acquire().finish(Outcome::Done);
        }
        g.acquire().finish(Outcome::Throttled);
        let rate = g.rate().unwrap();
        assert_eq!(rate, 10.0, "the ten answers of the last second");
        assert_eq!(clock.elapsed(), Duration::ZERO, "no wait before a rate");
        for _ in 0..5 {
            g.acquire().finish(Outcome::Done);
        }
        // Five requests at 10/s: the first goes at once, the other four wait
        // a tenth of a second each (a little less as the rate creeps up).
        let waited = clock.elapsed().as_secs_f64();
        assert!((0.39..=0.4).contains(&waited), "{waited}");
    }

    #[test]
    fn a_throttle_before_any_answer_sets_no_rate() {
        let (g, _) = governor(32);
        g.acquire().finish(Outcome::Throttled);
        assert_eq!(g.rate(), None);
        assert_eq!(g.window(), 4.0);
    }

    #[test]
    fn the_window_bounds_in_flight_requests() {
        let (g, _) = governor(2);
        let a = g.acquire();
        let b = g.acquire();
        let (got, slot) = std::sync::mpsc::channel();
        std::thread::scope(|s| {
            s.spawn(|| {
                let p = g.acquire();
                got.send(()).unwrap();
                p.finish(Outcome::Done);
            });
            // The third request must block: wait until it is seen waiting,
            // failing if it gets a slot first.
            while g.waiting() == 0 {
                assert!(
                    slot.try_recv().is_err(),
                    "a third request got a slot in a window of 2"
                );
                std::thread::yield_now();
            }
            assert!(slot.try_recv().is_err());
            a.finish(Outcome::Done);
            slot.recv().unwrap();
        });
        drop(b);
        assert_eq!(g.lock().in_flight, 0);
        assert_eq!(g.waiting(), 0);
    }
}
