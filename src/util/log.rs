/*!
Messages on stderr, each one line starting `sso-config:`: notes for the user,
warnings, and the `--debug` log.

Like ripgrep's `messages` module, the debug switch is one process-wide flag set
once by `main`, so that no function needs a `debug` parameter to decide whether
to explain itself. Results never go through here: they are written to stdout by
the commands.

Messages may quote text from a service or a file (an account name, a role, a
response body in the debug log), so every message is written through
`util::text`: a warning is kept to one line, and no message can carry a
control character to the terminal.
*/

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::util::text::{escape_control, escape_control_keep_lines};

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
        eprintln!(
            "sso-config: debug: {}",
            escape_control_keep_lines(&args.to_string())
        );
    }
}

/// Something the user should know that does not stop the command.
pub fn warn(args: fmt::Arguments<'_>) {
    eprintln!("sso-config: warning: {}", escape_control(&args.to_string()));
}

/// A note on what is happening (login prompts, what was written where).
pub fn note(args: fmt::Arguments<'_>) {
    eprintln!(
        "sso-config: {}",
        escape_control_keep_lines(&args.to_string())
    );
}
