/*!
The listener: one accept thread on 127.0.0.1:0 and a thread per connection, each serving
requests in a loop until the client closes (ureq pools connections, so keep-alive matters).
*/

use std::io::{self, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::errors::{self, ApiError, Service};
use crate::http::{self, ReadError};
use crate::ids;
use crate::org::Org;
use crate::router;
use crate::shared::Shared;

/// A running server.
pub(crate) struct Server {
    pub shared: Arc<Shared>,
    addr: SocketAddr,
    accept: Option<JoinHandle<()>>,
}

/// Binds 127.0.0.1:0 (never any other address) and starts accepting.
pub(crate) fn start(org: Org) -> io::Result<Server> {
    let listener = TcpListener::bind(("127.0.0.1", 0))?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared::new(org, format!("http://{addr}")));
    let for_thread = Arc::clone(&shared);
    let accept = thread::Builder::new()
        .name("fake-idc-accept".to_string())
        .spawn(move || accept_loop(&listener, &for_thread))?;
    Ok(Server {
        shared,
        addr,
        accept: Some(accept),
    })
}

impl Server {
    /// Stops accepting and waits for the accept thread. Connection threads are left to end
    /// on their own when their clients hang up.
    pub fn stop(&mut self) {
        self.shared.stop();
        // accept() has no timeout; a connection of our own wakes it up to see the flag.
        let woke = TcpStream::connect_timeout(&self.addr, Duration::from_secs(2)).is_ok();
        if let Some(handle) = self.accept.take()
            && woke
        {
            let _ = handle.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopping() {
            return;
        }
        let Ok(stream) = stream else { continue };
        let shared = Arc::clone(shared);
        // If no thread can be made, dropping the stream refuses the connection.
        let _ = thread::Builder::new()
            .name("fake-idc-conn".to_string())
            .spawn(move || serve_connection(stream, &shared));
    }
}

fn serve_connection(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    loop {
        let request = match http::read_request(&mut reader) {
            Ok(request) => request,
            Err(ReadError::Closed) => return,
            Err(ReadError::Malformed(status, msg)) => {
                let response = errors::render(Service::Web, &ApiError::malformed(status, &msg))
                    .with_header("x-amzn-RequestId", &ids::request_id());
                let _ = http::write_response(&mut writer, &response, false, true);
                return;
            }
        };
        if shared.stopping() {
            return;
        }
        let response = router::dispatch(shared, &request);
        let latency = shared.lock().settings.latency;
        if !latency.is_zero() {
            thread::sleep(latency);
        }
        let close = !request.keep_alive || response.declared_length.is_some();
        let head_only = request.method == "HEAD";
        if http::write_response(&mut writer, &response, head_only, close).is_err() || close {
            return;
        }
    }
}
