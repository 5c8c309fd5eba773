/*!
The terminal, for the role picker: raw mode on stdin (through `libc`'s
termios, which the standard library has no API for), restored when the guard
is dropped; its size; and keys read one at a time.

Raw mode here turns off line editing, echo and the signal keys, so Ctrl-C
arrives as a key (the picker cancels on it, exactly as on Esc) and the
terminal is always restored by the code that changed it.
*/

use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::time::Duration;

use crate::util::signal;

/// A key the picker acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// A printable character.
    Char(char),
    /// Enter.
    Enter,
    /// Backspace.
    Backspace,
    /// Ctrl-U: clear the line.
    ClearLine,
    /// Up arrow or Ctrl-P.
    Up,
    /// Down arrow or Ctrl-N.
    Down,
    /// Page up.
    PageUp,
    /// Page down.
    PageDown,
    /// Esc, Ctrl-C, Ctrl-D, or the end of input.
    Cancel,
    /// Anything else (ignored).
    Other,
}

/// Stdin in raw mode until dropped.
pub struct RawMode {
    fd: RawFd,
    saved: libc::termios,
}

impl RawMode {
    /// Puts stdin in raw mode; fails when it is not a terminal.
    pub fn enter() -> io::Result<RawMode> {
        let fd = libc::STDIN_FILENO;
        // SAFETY: tcgetattr fills the zeroed termios it is given; fd is stdin.
        let mut saved: libc::termios = unsafe { std::mem::zeroed() };
        if unsafe { libc::tcgetattr(fd, &mut saved) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let mut raw = saved;
        raw.c_lflag &= !(libc::ICANON | libc::ECHO | libc::ISIG | libc::IEXTEN);
        raw.c_iflag &= !(libc::IXON | libc::ICRNL | libc::INLCR | libc::IGNCR);
        raw.c_cc[libc::VMIN] = 1;
        raw.c_cc[libc::VTIME] = 0;
        // SAFETY: a termios read by tcgetattr with flags changed; fd is stdin.
        if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &raw) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(RawMode { fd, saved })
    }

    /// The next key; `Key::Cancel` at the end of input or on a read error.
    pub fn key(&self) -> Key {
        let Some(b) = self.byte() else {
            return Key::Cancel;
        };
        match b {
            b'\r' | b'\n' => Key::Enter,
            0x7f | 0x08 => Key::Backspace,
            0x15 => Key::ClearLine,
            0x10 => Key::Up,
            0x0e => Key::Down,
            0x03 | 0x04 => Key::Cancel,
            0x1b => self.escape(),
            b if b < 0x20 => Key::Other,
            b => self.utf8(b),
        }
    }

    /// After ESC: an arrow or page key's sequence when more bytes follow at
    /// once (a terminal sends a sequence in one write), else Esc itself.
    fn escape(&self) -> Key {
        // SAFETY: stdin stays open for the life of the process.
        let stdin = unsafe { BorrowedFd::borrow_raw(self.fd) };
        let more = signal::readable(&[stdin], Some(Duration::from_millis(50)));
        if !more.is_ok_and(|r| r.first() == Some(&true)) {
            return Key::Cancel;
        }
        let Some(b) = self.byte() else {
            return Key::Cancel;
        };
        if b != b'[' && b != b'O' {
            return Key::Cancel;
        }
        match self.byte() {
            Some(b'A') => Key::Up,
            Some(b'B') => Key::Down,
            Some(d @ (b'5' | b'6')) => {
                // ESC [ 5 ~ and ESC [ 6 ~.
                if self.byte() != Some(b'~') {
                    return Key::Other;
                }
                if d == b'5' {
                    Key::PageUp
                } else {
                    Key::PageDown
                }
            }
            _ => Key::Other,
        }
    }

    /// A UTF-8 character starting with `first`; `Key::Other` when malformed.
    fn utf8(&self, first: u8) -> Key {
        let len = match first {
            0x00..=0x7f => 1,
            0xc2..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf4 => 4,
            _ => return Key::Other,
        };
        let mut buf = [first, 0, 0, 0];
        for slot in buf.iter_mut().take(len).skip(1) {
            match self.byte() {
                Some(b) => *slot = b,
                None => return Key::Cancel,
            }
        }
        match std::str::from_utf8(&buf[..len])
            .ok()
            .and_then(|s| s.chars().next())
        {
            Some(c) if !c.is_control() => Key::Char(c),
            _ => Key::Other,
        }
    }

    /// One byte straight from the file descriptor: not through `io::stdin()`,
    /// whose buffer would take the rest of an escape sequence out of `poll`'s
    /// sight.
    fn byte(&self) -> Option<u8> {
        let mut b = 0u8;
        loop {
            // SAFETY: reads at most one byte into `b`.
            let n = unsafe { libc::read(self.fd, (&mut b as *mut u8).cast(), 1) };
            if n == 1 {
                return Some(b);
            }
            if n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return None;
        }
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // SAFETY: restores the termios read in `enter` on the same fd.
        unsafe {
            libc::tcsetattr(self.fd, libc::TCSANOW, &self.saved);
        }
    }
}

/// The terminal's rows and columns (of stderr, where the picker draws);
/// 24 × 80 when it does not say (a pseudo-terminal nobody sized).
pub fn size() -> (usize, usize) {
    // SAFETY: TIOCGWINSZ fills the zeroed winsize it is given.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDERR_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0;
    if !ok || ws.ws_row == 0 || ws.ws_col == 0 {
        return (24, 80);
    }
    (usize::from(ws.ws_row), usize::from(ws.ws_col))
}
