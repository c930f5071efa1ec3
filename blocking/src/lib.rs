//! A blocking adapter over `std::io::Read + Write`: a pump that moves bytes
//! and instants between a stream and a [`Session`], which does everything
//! else. Timers advance while a call is under way (a connection nobody
//! reads from sends no keepalive pings).
//!
//! ```no_run
//! use websocket_engine::{ClientConfig, Message, Version};
//!
//! let (mut ws, _) = websocket_blocking::connect("ws://127.0.0.1:9001/", ClientConfig::new(Version::Hixie76))?;
//! ws.send_text("hello")?;
//! if let Some(Message::Text(reply)) = ws.read_message()? {
//!     println!("{reply}");
//! }
//! ws.close()?;
//! while ws.read_message()?.is_some() {}
//! # Ok::<(), websocket_blocking::Error>(())
//! ```
//!
//! `wss://` needs feature `rustls` (on native targets); the `tls` module
//! then holds the rustls configurations, and [`ConnectOptions`] chooses
//! the proxy and the trusted roots.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use websocket_engine::{
    ClientConfig, Decision, Entropy, Event, HandshakeResponse, Request, ServerConfig, Session, Step, WsUrl,
};
use websocket_io::pump;

#[cfg(all(feature = "rustls", not(target_arch = "wasm32")))]
mod tls_stream;
mod transport;

pub use transport::{connect, connect_with, MaybeTlsStream};
#[cfg(all(feature = "rustls", not(target_arch = "wasm32")))]
pub use websocket_io::tls;
pub use websocket_io::{ConnectOptions, Error};

const READ_CHUNK: usize = 16 * 1024;

/// A byte stream the adapter can run over. Time-outs and shutdown are
/// optional: the defaults do nothing, so any `Read + Write` type can opt in
/// with an empty `impl Stream for MyType {}` (its calls then block as long
/// as they block, and the session's timers act between them).
pub trait Stream: Read + Write {
    /// Bounds how long one read may block (`None`: no bound).
    fn set_read_timeout(&mut self, _timeout: Option<Duration>) -> io::Result<()> {
        Ok(())
    }
    /// Bounds how long one write may block (`None`: no bound).
    fn set_write_timeout(&mut self, _timeout: Option<Duration>) -> io::Result<()> {
        Ok(())
    }
    /// Shuts down reading, writing or both.
    fn shutdown(&mut self, _how: Shutdown) -> io::Result<()> {
        Ok(())
    }
}

impl Stream for TcpStream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_read_timeout(self, timeout)
    }
    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_write_timeout(self, timeout)
    }
    fn shutdown(&mut self, how: Shutdown) -> io::Result<()> {
        TcpStream::shutdown(self, how)
    }
}

/// A WebSocket over a blocking stream.
#[derive(Debug)]
pub struct WebSocket<S: Stream> {
    stream: S,
    session: Session,
    buf: Box<[u8]>,
    /// The caller's bound on one `next_event`, whose expiry is transient.
    read_timeout: Option<Duration>,
    /// The read and write time-outs last set on the stream.
    applied: [Option<Option<Duration>>; 2],
    write_shut: bool,
}

/// The time-out to set for `wait`: floored to 10 ms steps above 20 ms, so
/// that the same value (and no system call) serves many reads while a
/// deadline such as the keepalive's moves along; a call that wakes a little
/// early only loops.
fn coarse(wait: Option<Duration>) -> Option<Duration> {
    const STEP: u128 = 10_000_000;
    wait.map(|w| match w.as_nanos() {
        n if n > 2 * STEP => Duration::from_nanos(u64::try_from(n / STEP * STEP).unwrap_or(u64::MAX)),
        _ => w,
    })
}

/// Performs the client handshake over an already connected stream.
pub fn client_handshake<S: Stream>(
    stream: S,
    url: &WsUrl,
    config: ClientConfig,
    entropy: &mut dyn Entropy,
) -> Result<(WebSocket<S>, HandshakeResponse), Error> {
    let (ws, _) = WebSocket::open(stream, Session::client(url, config, entropy, Instant::now())?)?;
    let response = pump::accepted_response(&ws.session);
    Ok((ws, response))
}

/// Performs the server handshake on an accepted stream; `config` decides
/// on the request (pass an `Arc` to share it). A refused or broken request
/// is answered with an HTTP response before the error is returned.
///
/// With [`ServerConfig::defer_decisions`], it returns as soon as the
/// request is read, with the connection not yet open: answer it with
/// [`WebSocket::decide`].
pub fn accept<S: Stream>(
    stream: S,
    config: impl Into<Arc<ServerConfig>>,
) -> Result<(WebSocket<S>, Request), Error> {
    let session = Session::server(config, Instant::now());
    let (ws, undecided) = WebSocket::open(stream, session)?;
    let request = pump::accepted_request(&ws.session, undecided);
    Ok((ws, request))
}

impl<S: Stream> WebSocket<S> {
    /// Runs the handshake until the session opens (or, deferring
    /// decisions, until the request to decide on is read).
    fn open(stream: S, session: Session) -> Result<(Self, Option<Request>), Error> {
        let buf = vec![0; READ_CHUNK].into_boxed_slice();
        let mut ws = WebSocket {
            stream,
            session,
            buf,
            read_timeout: None,
            applied: [None; 2],
            write_shut: false,
        };
        let undecided = pump::opening(ws.next_event()?)?;
        // The server's response goes out before it is handed over.
        ws.flush()?;
        Ok((ws, undecided))
    }

    /// The underlying stream.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }
    /// Bounds how long [`WebSocket::next_event`] may block; when it runs out
    /// the call fails with a transient error ([`Error::is_transient`]) and
    /// the connection stays usable.
    pub fn set_read_timeout(&mut self, timeout: Option<Duration>) {
        self.read_timeout = timeout;
    }

    websocket_io::connection_methods!(blocking, flush);

    /// Server with [`ServerConfig::defer_decisions`]: answers the request
    /// that [`accept`] returned ([`Session::decide`]) and writes the
    /// answer. Accepted, the connection is then open, as `accept` leaves
    /// it without deferred decisions; refused, the refusal is sent and its
    /// error ([`HandshakeError::Refused`](websocket_engine::HandshakeError::Refused))
    /// returned.
    pub fn decide(&mut self, decision: Decision) -> Result<(), Error> {
        self.session.decide(Instant::now(), decision)?;
        pump::opening(self.next_event()?)?;
        self.flush()
    }

    /// Writes everything queued; fails once the session failed for good
    /// (output nobody took within the write time-out).
    pub fn flush(&mut self) -> Result<(), Error> {
        while self.write()? {}
        pump::flushed(&self.session)
    }

    /// The next event, or `None` once the connection is over and its
    /// [`Event::Closed`] was returned. A failure is returned as its error
    /// (and again by later calls) once what it queued for the peer (an RFC
    /// 6455 close frame saying why, an HTTP refusal) has been sent.
    pub fn next_event(&mut self) -> Result<Option<Event>, Error> {
        loop {
            match self.session.step() {
                Step::Event(event) => return Ok(Some(event)),
                Step::End(end) => {
                    self.finish();
                    return end.map_err(Error::from);
                }
                Step::Drive => self.drive()?,
            }
        }
    }

    /// Drives the session to its end, then closes the stream (its errors
    /// are no news then: the peer may be gone already).
    fn finish(&mut self) {
        while !self.session.is_finished() && self.drive().is_ok() {}
        let _ = self.stream.shutdown(Shutdown::Both);
    }

    /// One step: write, or else read, or else wait for a timer.
    fn drive(&mut self) -> Result<(), Error> {
        if self.write()? {
            return Ok(());
        }
        let now = Instant::now();
        let wait = self
            .session
            .poll_timeout()
            .map(|d| d.saturating_duration_since(now));
        if wait == Some(Duration::ZERO) || !self.session.wants_read() {
            std::thread::sleep(wait.unwrap_or(Duration::from_millis(10)));
            self.session.handle_timeout(Instant::now());
            return Ok(());
        }
        let bound = match (wait, self.read_timeout) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if self.applied[0] != Some(coarse(bound)) {
            self.stream.set_read_timeout(coarse(bound))?;
            self.applied[0] = Some(coarse(bound));
        }
        match self.stream.read(&mut self.buf) {
            Ok(0) => self.session.handle_eof(Instant::now()),
            Ok(n) => self.session.handle_input(Instant::now(), &self.buf[..n]),
            Err(e) if is_time_out(&e) && wait.is_some_and(|w| bound == Some(w)) => {
                self.session.handle_timeout(Instant::now())
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// Writes once if output waits (false if none did), within the time the
    /// session's timers leave; shuts down writing once nothing more will go.
    fn write(&mut self) -> Result<bool, Error> {
        let now = Instant::now();
        let pending = self.session.poll_output(now).len();
        if pending == 0 {
            if self.session.wants_write_shutdown() && !std::mem::replace(&mut self.write_shut, true) {
                // A peer already gone makes this fail; the next read says so.
                let _ = self.stream.shutdown(Shutdown::Write);
            }
            return Ok(false);
        }
        let wait = self
            .session
            .poll_timeout()
            .map(|d| d.saturating_duration_since(now));
        if wait == Some(Duration::ZERO) {
            self.session.handle_timeout(now);
            return Ok(true);
        }
        if self.applied[1] != Some(coarse(wait)) {
            self.stream.set_write_timeout(coarse(wait))?;
            self.applied[1] = Some(coarse(wait));
        }
        match self.stream.write(self.session.poll_output(now)) {
            Ok(n) => {
                self.session.advance_output(n);
                if n == pending {
                    self.stream.flush()?;
                }
            }
            Err(e) if is_time_out(&e) => self.session.handle_timeout(Instant::now()),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
        Ok(true)
    }
}

fn is_time_out(e: &io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}
