/*!
The roles an endpoint serves, kept in memory: a request takes the held
credentials while they have more than the expiry window left, else fetches
them (one fetch per role at a time); the refresher renews each role before
that window begins, so requests do not wait on the network.
*/

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use time::OffsetDateTime;

use super::{Endpoint, Key, Slot, SlotState, lock};
use crate::app::role::{self, RoleFlags, RoleTarget};
use crate::app::token::LoginPolicy;
use crate::error::Result;
use crate::util::credentials::Credentials;
use crate::util::{clock, log};

/// How long before the expiry window begins a role is renewed (or half the
/// time until then, when that is shorter).
const LEAD: time::Duration = time::Duration::seconds(60);

/// The least time between two renewals of one role.
const MIN_GAP: time::Duration = time::Duration::seconds(1);

/// When credentials arrive already inside the expiry window (it is longer
/// than the role's session), how often they are renewed anyway.
const SHORT_RENEWAL: time::Duration = time::Duration::seconds(60);

/// The refresher looks at the clock at least this often: a suspended laptop
/// wakes up with its timers behind the wall clock.
const MAX_SLEEP: Duration = Duration::from_secs(60);

impl Endpoint<'_> {
    /// The role's credentials: from memory while they have more than the
    /// expiry window left, else fetched (one fetch per role at a time).
    pub(super) fn credentials(&self, key: &Key) -> Result<Credentials> {
        let slot = self.slot(key);
        if let Some(c) = slot.usable(self.window) {
            return Ok(c);
        }
        let _fetching = lock(&slot.fetching);
        if let Some(c) = slot.usable(self.window) {
            return Ok(c);
        }
        let first = lock(&slot.state).creds.is_none();
        match role::credentials(
            self.ctx,
            &self.cfg,
            &slot.target,
            &self.flags,
            LoginPolicy::Never,
        ) {
            Ok(c) => {
                self.keep(&slot, c.clone(), if first { "fetched" } else { "renewed" });
                Ok(c)
            }
            Err(e) => {
                // A role that never answered is not kept (nor renewed).
                if first {
                    let mut roles = lock(&self.roles);
                    if roles.get(key).is_some_and(|s| Arc::ptr_eq(s, &slot)) {
                        roles.remove(key);
                    }
                }
                Err(e)
            }
        }
    }

    /// The slot of `key`, made when new.
    pub(super) fn slot(&self, key: &Key) -> Arc<Slot> {
        let mut roles = lock(&self.roles);
        let slot = roles.entry(key.clone()).or_insert_with(|| {
            Arc::new(Slot::new(RoleTarget {
                session: self.session.clone(),
                account_id: key.0.clone(),
                role_name: key.1.clone(),
                region: None,
                profile: None,
            }))
        });
        Arc::clone(slot)
    }

    /// Keeps fresh credentials for `slot` and schedules their renewal.
    pub(super) fn keep(&self, slot: &Slot, creds: Credentials, what: &str) {
        let now = clock::now();
        let (renew_at, short) = renewal_time(&creds, self.window, now);
        let until = creds.expiration.map(clock::format).unwrap_or_default();
        let mut state = lock(&slot.state);
        if short && !state.warned_short {
            log::warn(format_args!(
                "{}/{}: the credentials have less than the expiry window ({} s) left when fetched; they are renewed every minute (use a smaller --expiry-window)",
                slot.target.account_id, slot.target.role_name, self.window
            ));
            state.warned_short = true;
        }
        state.creds = Some(creds);
        state.renew_at = Some(renew_at);
        state.failures = 0;
        drop(state);
        self.say(format_args!(
            "{what} {}/{}: credentials until {until}",
            slot.target.account_id, slot.target.role_name
        ));
        self.changed();
    }

    /// Wakes the refresher to look at the renewal times again.
    fn changed(&self) {
        let mut control = lock(&self.control);
        control.changes = control.changes.wrapping_add(1);
        self.wake.notify_all();
    }

    /// A note when announcing, else a `--debug` line.
    pub(super) fn say(&self, args: std::fmt::Arguments<'_>) {
        if self.announce {
            log::note(args);
        } else {
            log::debug(args);
        }
    }

    /// Renews every role whose time has come, then sleeps until the next one
    /// (or a change, or the stop).
    pub(super) fn refresh_loop(&self) {
        loop {
            let seen = lock(&self.control).changes;
            let slots: Vec<Arc<Slot>> = lock(&self.roles).values().cloned().collect();
            let mut next: Option<OffsetDateTime> = None;
            for slot in &slots {
                if lock(&self.control).stop {
                    return;
                }
                let due = lock(&slot.state).renew_at;
                if due.is_some_and(|t| t <= clock::now()) {
                    self.renew(slot);
                }
                if let Some(t) = lock(&slot.state).renew_at {
                    next = Some(next.map_or(t, |n| n.min(t)));
                }
            }
            let sleep = next.map_or(MAX_SLEEP, |t| {
                Duration::try_from(t - clock::now())
                    .unwrap_or(Duration::ZERO)
                    .min(MAX_SLEEP)
            });
            let control = lock(&self.control);
            if control.stop {
                return;
            }
            if control.changes != seen || sleep.is_zero() {
                continue;
            }
            let (control, _) = self
                .wake
                .wait_timeout(control, sleep)
                .unwrap_or_else(PoisonError::into_inner);
            if control.stop {
                return;
            }
        }
    }

    /// One renewal: newer credentials from the role cache (another process
    /// may have fetched them) or from AWS, never the ones held now; on
    /// failure the held ones stay and the renewal is tried again later.
    fn renew(&self, slot: &Slot) {
        let _fetching = lock(&slot.fetching);
        let now = clock::now();
        let held = lock(&slot.state).creds.as_ref().and_then(|c| c.expiration);
        // A window one second longer than what the held credentials have
        // left makes them (and anything not newer) a miss in the role cache.
        let window = held.map_or(self.window, |exp| {
            self.window
                .max((exp - now).whole_seconds().saturating_add(1))
        });
        let flags = RoleFlags {
            expiry_window: Some(window),
            ..self.flags.clone()
        };
        match role::credentials(
            self.ctx,
            &self.cfg,
            &slot.target,
            &flags,
            LoginPolicy::Never,
        ) {
            Ok(c) => self.keep(slot, c, "renewed"),
            Err(e) => {
                let mut state = lock(&slot.state);
                state.failures = state.failures.saturating_add(1);
                let delay = retry_delay(state.failures);
                state.renew_at = Some(now + delay);
                drop(state);
                log::warn(format_args!(
                    "cannot renew the credentials of {}/{} (trying again in {} s): {e}",
                    slot.target.account_id,
                    slot.target.role_name,
                    delay.whole_seconds()
                ));
            }
        }
    }
}

impl Slot {
    pub(super) fn new(target: RoleTarget) -> Slot {
        Slot {
            target,
            fetching: Mutex::new(()),
            state: Mutex::new(SlotState::default()),
        }
    }

    /// The held credentials while they have at least `window` seconds left
    /// (the role cache's rule: never hand out less).
    fn usable(&self, window: i64) -> Option<Credentials> {
        let state = lock(&self.state);
        let c = state.creds.as_ref()?;
        match c.expiration {
            Some(exp) if exp - clock::now() < time::Duration::seconds(window) => None,
            _ => Some(c.clone()),
        }
    }
}

/// When held credentials are renewed: `LEAD` before they enter the expiry
/// window, or halfway there when that is sooner; at least `MIN_GAP` from now.
/// Credentials already inside the window are renewed after `SHORT_RENEWAL`
/// (the second value says so).
fn renewal_time(c: &Credentials, window: i64, now: OffsetDateTime) -> (OffsetDateTime, bool) {
    let Some(exp) = c.expiration else {
        return (now + time::Duration::hours(1), false);
    };
    let window_starts = exp - time::Duration::seconds(window);
    let servable = window_starts - now;
    if servable <= time::Duration::ZERO {
        return (now + SHORT_RENEWAL, true);
    }
    let lead = LEAD.min(servable / 2);
    ((window_starts - lead).max(now + MIN_GAP), false)
}

/// After `failures` failed renewals in a row: 5 s, 10 s, 20 s, … at most 5 min.
fn retry_delay(failures: u32) -> time::Duration {
    let secs = 5i64.saturating_mul(1 << failures.saturating_sub(1).min(6));
    time::Duration::seconds(secs.min(300))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::secret::Secret;

    fn creds(expires_in: i64) -> Credentials {
        Credentials {
            access_key_id: "ASIA1".into(),
            secret_access_key: Secret::new("s"),
            session_token: Some(Secret::new("t")),
            expiration: Some(clock::now() + time::Duration::seconds(expires_in)),
        }
    }

    #[test]
    fn renewal_comes_before_the_expiry_window() {
        let now = clock::now();
        // An hour's credentials, a 15-minute window: a minute before it.
        let (at, short) = renewal_time(&creds(3600), 900, now);
        assert!(!short);
        let ahead = (at - now).whole_seconds();
        assert!((2630..=2640).contains(&ahead), "{ahead}");
        // Four seconds before the window: halfway there.
        let (at, _) = renewal_time(&creds(5), 1, now);
        assert!((1..=2).contains(&(at - now).whole_seconds()));
        // Already inside the window: once a minute, with a warning.
        let (at, short) = renewal_time(&creds(600), 900, now);
        assert!(short);
        assert_eq!((at - now).whole_seconds(), 60);
        assert_eq!(retry_delay(1).whole_seconds(), 5);
        assert_eq!(retry_delay(3).whole_seconds(), 20);
        assert_eq!(retry_delay(40).whole_seconds(), 300);
    }
}
