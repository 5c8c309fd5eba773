/*!
Signals as something a thread can wait for: the self-pipe trick. A caught
signal's handler does the one thing a handler may safely do, write the
signal's number into a pipe; a thread waits for that pipe to become readable
(with [`readable`], alongside a listening socket, or with [`Pipe::recv`]).
[`Pipe`] also serves as a plain wake-up: code that wants a waiting thread to
stop writes a byte into one.

The process has one signal pipe ([`catch`] creates it once and never closes
it, so a handler can never write to a descriptor that was closed and reused).
*/

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

pub use libc::{SIGHUP, SIGINT, SIGTERM};

/// A pipe whose read end becomes readable when something is written into it.
/// Both ends are non-blocking and closed on exec (a child never inherits them).
#[derive(Debug)]
pub struct Pipe {
    read: OwnedFd,
    write: OwnedFd,
}

impl Pipe {
    /// A new pipe.
    pub fn new() -> io::Result<Pipe> {
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: `fds` has room for the two descriptors pipe() writes.
        if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: pipe() succeeded, so both are open descriptors we own.
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        for fd in [&read, &write] {
            set_flags(fd.as_raw_fd())?;
        }
        Ok(Pipe { read, write })
    }

    /// Writes `byte` (a full pipe already wakes its reader, so that is not an
    /// error).
    pub fn wake(&self, byte: u8) {
        write_byte(self.write.as_raw_fd(), byte);
    }

    /// The read end, to wait on with [`readable`].
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.read.as_fd()
    }

    /// Waits for the next byte and takes it.
    pub fn recv(&self) -> io::Result<u8> {
        loop {
            readable(&[self.fd()], None)?;
            let mut b = 0u8;
            // SAFETY: reads at most one byte into `b` from our own descriptor.
            let n = unsafe {
                libc::read(
                    self.read.as_raw_fd(),
                    (&raw mut b).cast::<libc::c_void>(),
                    1,
                )
            };
            if n == 1 {
                return Ok(b);
            }
            let e = io::Error::last_os_error();
            if n == 0 {
                return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
            }
            if !matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
            ) {
                return Err(e);
            }
        }
    }
}

/// Non-blocking and close-on-exec.
fn set_flags(fd: libc::c_int) -> io::Result<()> {
    // SAFETY: fcntl on a descriptor we own, with flags read from it.
    unsafe {
        let fl = libc::fcntl(fd, libc::F_GETFL);
        let fd_fl = libc::fcntl(fd, libc::F_GETFD);
        if fl < 0
            || fd_fl < 0
            || libc::fcntl(fd, libc::F_SETFL, fl | libc::O_NONBLOCK) < 0
            || libc::fcntl(fd, libc::F_SETFD, fd_fl | libc::FD_CLOEXEC) < 0
        {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// One `write(2)` of one byte, errors ignored (see [`Pipe::wake`]).
fn write_byte(fd: libc::c_int, byte: u8) {
    // SAFETY: writes one byte from a local; async-signal-safe.
    unsafe {
        libc::write(fd, (&raw const byte).cast::<libc::c_void>(), 1);
    }
}

/// The write end of the signal pipe, for the handler.
static SIGNAL_FD: AtomicI32 = AtomicI32::new(-1);

/// The process's signal pipe.
static SIGNAL_PIPE: OnceLock<Pipe> = OnceLock::new();

/// The handler: the signal's number into the pipe, `errno` left as it was
/// (the interrupted code may be about to read it).
extern "C" fn on_signal(signal: libc::c_int) {
    let fd = SIGNAL_FD.load(Ordering::Relaxed);
    if fd >= 0 {
        let saved = errno::get();
        write_byte(fd, u8::try_from(signal).unwrap_or(0));
        errno::set(saved);
    }
}

/// Catches `signals` from now on: each delivery writes the signal's number
/// into the returned pipe, which the process keeps. A child started later gets
/// the default actions back (caught signals are reset by exec).
pub fn catch(signals: &[libc::c_int]) -> io::Result<&'static Pipe> {
    let pipe = match SIGNAL_PIPE.get() {
        Some(p) => p,
        None => {
            let new = Pipe::new()?;
            SIGNAL_PIPE.get_or_init(|| new)
        }
    };
    SIGNAL_FD.store(pipe.write.as_raw_fd(), Ordering::Relaxed);
    for &signal in signals {
        // SAFETY: a zeroed sigaction is a valid "no flags, empty mask" value;
        // the handler only calls async-signal-safe functions.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            if libc::sigaction(signal, &action, std::ptr::null_mut()) != 0 {
                return Err(io::Error::last_os_error());
            }
        }
    }
    Ok(pipe)
}

/// Waits until one of `fds` is readable (or has hung up), at most `timeout`
/// (`None`: no limit); returns which are. An interrupted wait is resumed.
pub fn readable(fds: &[BorrowedFd<'_>], timeout: Option<Duration>) -> io::Result<Vec<bool>> {
    let mut polls: Vec<libc::pollfd> = fds
        .iter()
        .map(|fd| libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    let ms = timeout.map_or(-1, |t| {
        libc::c_int::try_from(t.as_millis()).unwrap_or(libc::c_int::MAX)
    });
    loop {
        // SAFETY: `polls` is a valid array of `polls.len()` pollfd entries.
        let n = unsafe { libc::poll(polls.as_mut_ptr(), polls.len() as libc::nfds_t, ms) };
        if n >= 0 {
            break;
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    Ok(polls
        .iter()
        .map(|p| p.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0)
        .collect())
}

/// `errno`, which a signal handler must leave as it found it.
mod errno {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn location() -> *mut libc::c_int {
        // SAFETY: returns the calling thread's errno slot.
        unsafe { libc::__errno_location() }
    }

    #[cfg(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "dragonfly"
    ))]
    fn location() -> *mut libc::c_int {
        // SAFETY: returns the calling thread's errno slot.
        unsafe { libc::__error() }
    }

    pub fn get() -> libc::c_int {
        // SAFETY: the thread's own errno slot is always valid.
        unsafe { *location() }
    }

    pub fn set(v: libc::c_int) {
        // SAFETY: as above.
        unsafe { *location() = v }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pipe_wakes_its_reader() {
        let p = Pipe::new().unwrap();
        assert_eq!(
            readable(&[p.fd()], Some(Duration::from_millis(10))).unwrap(),
            [false]
        );
        p.wake(7);
        assert_eq!(readable(&[p.fd()], None).unwrap(), [true]);
        assert_eq!(p.recv().unwrap(), 7);
    }

    #[test]
    fn a_caught_signal_arrives_as_its_number() {
        // SIGHUP: the test harness does not use it.
        let pipe = catch(&[SIGHUP]).unwrap();
        // SAFETY: raise() delivers to this thread; the handler is installed.
        assert_eq!(unsafe { libc::raise(SIGHUP) }, 0);
        assert_eq!(i32::from(pipe.recv().unwrap()), SIGHUP);
    }
}
