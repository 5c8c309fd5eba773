/*!
A proxy that lets nothing through: it listens on `127.0.0.1:0`, records the request line of
every request (`CONNECT oidc.us-west-2.api.aws:443 HTTP/1.1`) and answers `403 Forbidden`. A
test points `HTTPS_PROXY` at it to see which AWS host a client would have reached, while
nothing leaves the machine.
*/

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// Longest request head read from a client.
const MAX_HEAD: u64 = 16 * 1024;

/// A running refusing proxy. Dropping it stops the listener.
pub struct RefusingProxy {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<String>>>,
    stopping: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl RefusingProxy {
    /// Binds `127.0.0.1:0` and starts refusing.
    ///
    /// # Panics
    /// If no loopback port can be bound, which leaves a test nothing to run against.
    pub fn start() -> RefusingProxy {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .expect("binding 127.0.0.1:0 works in a test environment");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stopping = Arc::new(AtomicBool::new(false));
        let (seen2, stopping2) = (Arc::clone(&seen), Arc::clone(&stopping));
        let accept = thread::Builder::new()
            .name("fake-proxy-accept".to_string())
            .spawn(move || {
                for stream in listener.incoming() {
                    if stopping2.load(Ordering::SeqCst) {
                        return;
                    }
                    if let Ok(stream) = stream {
                        refuse(stream, &seen2);
                    }
                }
            })
            .ok();
        RefusingProxy {
            addr,
            seen,
            stopping,
            accept,
        }
    }

    /// `http://127.0.0.1:PORT`, for `HTTPS_PROXY`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The request lines received so far, oldest first.
    pub fn requests(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The `host:port` of every `CONNECT` received so far, oldest first.
    pub fn connects(&self) -> Vec<String> {
        self.requests()
            .iter()
            .filter_map(|line| line.strip_prefix("CONNECT "))
            .filter_map(|rest| rest.split(' ').next())
            .map(str::to_string)
            .collect()
    }
}

/// Reads one request head, records its first line, answers 403 and closes.
fn refuse(stream: TcpStream, seen: &Mutex<Vec<String>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(std::io::Read::take(read_half, MAX_HEAD));
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() || first.is_empty() {
        return;
    }
    seen.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(first.trim_end().to_string());
    // The rest of the head, up to the empty line.
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 0) && !line.trim_end().is_empty() {
        line.clear();
    }
    let mut writer = stream;
    let _ = writer
        .write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    let _ = writer.flush();
}

impl Drop for RefusingProxy {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // accept() has no timeout; a connection of our own wakes it up to see the flag.
        let woke = TcpStream::connect_timeout(&self.addr, Duration::from_secs(2)).is_ok();
        if let Some(handle) = self.accept.take()
            && woke
        {
            let _ = handle.join();
        }
    }
}
