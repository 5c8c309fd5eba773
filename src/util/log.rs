/*!
Messages on stderr, each one line starting `sso-config:`: notes for the user,
warnings, and the `--debug` log.

Like ripgrep's `messages` module, the debug switch is one process-wide flag set
once by `main`, so that no function needs a `debug` parameter to decide whether
to explain itself. Results never go through here: they are written to stdout by
the commands.
*/

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

static DEBUG: AtomicBool = AtomicBool::new(false);

/// Turns the `--debug` log on or off (called once, by `main`).
pub fn set_debug(on: bool) {
    DEBUG.store(on, Ordering::Relaxed);
}

/// Whether `--debug` is on.
pub fn debug_enabled() -> bool {
    DEBUG.load(Ordering::Relaxed)
}

/// A `--debug` line; nothing is formatted when the log is off.
pub fn debug(args: fmt::Arguments<'_>) {
    if debug_enabled() {
        eprintln!("sso-config: debug: {args}");
    }
}

/// Something the user should know that does not stop the command.
pub fn warn(args: fmt::Arguments<'_>) {
    eprintln!("sso-config: warning: {args}");
}

/// A note on what is happening (login prompts, what was written where).
pub fn note(args: fmt::Arguments<'_>) {
    eprintln!("sso-config: {args}");
}
