/*!
What every connection thread shares: the organisation, the base URL, the locked [`State`] and
the stop flag. The listener (server.rs) creates it and the router reads it for each request;
it sits apart from both so that the router need not import the listener that calls it.
*/

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::org::Org;
use crate::state::State;

/// What every connection thread shares.
pub(crate) struct Shared {
    pub org: Org,
    pub base_url: String,
    state: Mutex<State>,
    /// Set on drop: the accept loop exits and connections close before their next request.
    stopping: AtomicBool,
}

impl Shared {
    /// Fresh state for `org`, served at `base_url`.
    pub fn new(org: Org, base_url: String) -> Shared {
        Shared {
            org,
            base_url,
            state: Mutex::new(State::default()),
            stopping: AtomicBool::new(false),
        }
    }

    /// The state. A panic in another thread must not wedge the rest of a test run, so a
    /// poisoned lock is taken over as is.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Raises the stop flag.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// Whether the stop flag is up.
    pub fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }
}
