//! A WebSocket connection over a pair of `wasi:io` streams: a pump that
//! moves bytes and instants between the streams and a [`Session`], which
//! does everything else. Nothing here blocks but the calls that say so.

use std::sync::Arc;
use std::time::Instant;

use wasi::clocks::monotonic_clock;
use wasi::io::poll::{poll, Pollable};
use wasi::io::streams::{InputStream, OutputStream, StreamError};
use wasi::sockets::tcp::{ShutdownType, TcpSocket};

use websocket_engine::{ClientConfig, Decision, Entropy, Event, ServerConfig, Session, Step, WsUrl};
use websocket_io::pump::{self, InFlight};
use websocket_io::Error;

/// Most bytes asked of the input stream at once.
const READ_CHUNK: u64 = 64 * 1024;
/// Fewest bytes asked at once, and the first ask.
const MIN_READ: u64 = 4 * 1024;

/// What a connection's streams came from, kept as long as they are.
pub(crate) enum Owner {
    /// TCP: the streams are the socket's.
    Socket(TcpSocket),
    /// TLS over TCP: the streams are the TLS connection's, which drops
    /// before the socket under it.
    #[cfg(feature = "tls")]
    Tls {
        tls: crate::tls::ClientConnection,
        /// Held, not used: the TLS connection's transport.
        _socket: TcpSocket,
    },
}

impl Owner {
    /// Ends the sending side: TCP's, or TLS's with `close_notify`.
    fn shutdown_send(&self) {
        match self {
            Owner::Socket(socket) => {
                let _ = socket.shutdown(ShutdownType::Send);
            }
            #[cfg(feature = "tls")]
            Owner::Tls { tls, .. } => tls.close_output(),
        }
    }
}

/// A WebSocket connection over `wasi:io` streams.
pub struct StreamConnection {
    // Fields drop in order: each pollable before its stream, the streams
    // before the socket they belong to.
    /// The input's pollable, made once: a wait costs no call to make it.
    input_ready: Pollable,
    input: InputStream,
    /// The output and its pollable, until sending is shut down.
    output: Option<(Pollable, OutputStream)>,
    owner: Option<Owner>,
    session: Session,
    /// The first bytes of the session's output, written to the stream and
    /// flushed, whose flush has not completed (a host may discard what it
    /// holds when the output is dropped).
    in_flight: InFlight,
    eof: bool,
    /// Bytes to ask of the next read: doubled after a read that filled the
    /// ask, halved after one that brought less than a quarter of it. A
    /// host may allocate and zero what is asked before it reads
    /// (wasmtime-wasi's TCP streams do), so asking 64 KiB for 512-byte
    /// messages costs a 64 KiB `memset` per read.
    read_size: u64,
}

impl StreamConnection {
    fn new(input: InputStream, output: OutputStream, session: Session) -> Self {
        StreamConnection {
            input_ready: input.subscribe(),
            input,
            output: Some((output.subscribe(), output)),
            owner: None,
            session,
            in_flight: InFlight::default(),
            eof: false,
            read_size: MIN_READ,
        }
    }

    /// The server side of an accepted connection; its handshake runs as
    /// the connection is driven.
    pub fn accept(input: InputStream, output: OutputStream, config: impl Into<Arc<ServerConfig>>) -> Self {
        StreamConnection::new(input, output, Session::server(config, Instant::now()))
    }

    /// The client side over streams connected to the server of `url`; the
    /// request goes out as the connection is driven.
    pub fn client(
        input: InputStream,
        output: OutputStream,
        url: &WsUrl,
        config: ClientConfig,
        entropy: &mut dyn Entropy,
    ) -> Result<Self, Error> {
        let session = Session::client(url, config, entropy, Instant::now())?;
        Ok(StreamConnection::new(input, output, session))
    }

    /// Makes the connection own what its streams came from.
    pub(crate) fn owned_by(mut self, owner: Owner) -> Self {
        self.owner = Some(owner);
        self
    }

    /// What the connection waits for now: input the session wants, and
    /// room for output (or the end of a flush). Borrowed, so that a
    /// multiplexer polling thousands of connections makes no new handles.
    pub fn pollables(&self) -> impl Iterator<Item = &Pollable> {
        let input = (!self.eof && self.session.wants_read()).then_some(&self.input_ready);
        let sending = self.session.has_output() || self.session.wants_write_shutdown();
        let output = self.output.as_ref().filter(|_| sending).map(|(ready, _)| ready);
        input.into_iter().chain(output)
    }

    /// One pollable, ready when the connection can make progress: room for
    /// waiting output (or the end of a flush), else input the session
    /// wants, else its next timer (never ready when it has none: a
    /// connection that waits for a decision or for its peer to read waits
    /// for the caller, not for input it would not take).
    pub fn subscribe(&self) -> Pollable {
        let sending = self.session.has_output() || self.session.wants_write_shutdown();
        match &self.output {
            Some((_, output)) if sending => return output.subscribe(),
            _ => {}
        }
        if !self.eof && self.session.wants_read() {
            return self.input.subscribe();
        }
        let left = self
            .session
            .poll_timeout()
            .map_or(u64::MAX, |d| nanos(d.saturating_duration_since(Instant::now())));
        monotonic_clock::subscribe_duration(left)
    }

    /// The `wasi:clocks/monotonic-clock` instant of the session's next
    /// timer, for a multiplexer to wake at (`subscribe-instant`).
    pub fn deadline(&self) -> Option<u64> {
        let left = self
            .session
            .poll_timeout()?
            .saturating_duration_since(Instant::now());
        Some(monotonic_clock::now().saturating_add(nanos(left)))
    }

    /// True once the session is over and its last bytes flushed: the
    /// connection can be dropped.
    pub fn is_finished(&self) -> bool {
        self.session.is_finished()
    }

    websocket_io::connection_methods!(blocking, write_ready);

    /// Server with deferred decisions: answers the request the
    /// [`Event::Request`] reported ([`Session::decide`]) and writes what the
    /// stream takes now.
    pub fn decide(&mut self, decision: Decision) -> Result<(), Error> {
        self.session.decide(Instant::now(), decision)?;
        self.write_ready()
    }

    /// One round of I/O without blocking: the timers due, what the output
    /// takes, one read if the session wants input, and what the output
    /// takes after it.
    pub fn drive(&mut self) -> Result<(), Error> {
        let now = Instant::now();
        if self.session.poll_timeout().is_some_and(|d| d <= now) {
            self.session.handle_timeout(now);
        }
        self.write_ready()?;
        if !self.eof && self.session.wants_read() {
            match self.input.read(self.read_size) {
                Ok(bytes) => {
                    self.read_size = next_read_size(self.read_size, bytes.len() as u64);
                    self.session.handle_input(Instant::now(), &bytes)
                }
                Err(StreamError::Closed) => {
                    self.eof = true;
                    self.session.handle_eof(Instant::now());
                }
                Err(e) => return Err(stream_error("read", e)),
            }
        }
        self.write_ready()
    }

    /// The next event already decoded, without I/O.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.session.poll_event()
    }

    /// Blocks until the next event; `None` once the connection is over. A
    /// failure is returned as its error (and again by later calls), once
    /// what it queued for the peer has been sent.
    pub fn next_event(&mut self) -> Result<Option<Event>, Error> {
        loop {
            match self.session.step() {
                Step::Event(event) => return Ok(Some(event)),
                Step::End(end) => {
                    // Best effort: the peer may be gone already.
                    let _ = self.finish();
                    return end.map_err(Error::from);
                }
                Step::Drive => {
                    self.wait();
                    self.drive()?;
                }
            }
        }
    }

    /// Blocks until everything queued is written and flushed, or the
    /// session's write time-out fails it.
    pub fn flush(&mut self) -> Result<(), Error> {
        self.drive()?;
        while self.session.has_output() {
            self.wait();
            self.drive()?;
        }
        pump::flushed(&self.session)
    }

    /// Drives the session to its end, blocking as needed.
    fn finish(&mut self) -> Result<(), Error> {
        self.drive()?;
        while !self.is_finished() {
            self.wait();
            self.drive()?;
        }
        Ok(())
    }

    /// Writes what the output's `check-write` budget allows, without
    /// blocking, and requests a flush; once nothing more will be sent and
    /// the flush is done, shuts sending down.
    pub fn write_ready(&mut self) -> Result<(), Error> {
        let Some((_, output)) = &self.output else {
            return Ok(());
        };
        let check = |o: &OutputStream| o.check_write().map_err(|e| stream_error("check-write", e));
        let now = Instant::now();
        while self.session.has_output() {
            // 0 while a write or flush is under way.
            let budget = usize::try_from(check(output)?).unwrap_or(usize::MAX);
            if budget == 0 {
                // Starts the write-progress timer, if it is not running.
                self.session.poll_output(now);
                break;
            }
            if self.in_flight.get(&self.session) > 0 {
                self.in_flight.confirm(&mut self.session);
                continue;
            }
            let pending = self.session.poll_output(now);
            let n = pending.len().min(budget);
            output
                .write(&pending[..n])
                .map_err(|e| stream_error("write", e))?;
            output.flush().map_err(|e| stream_error("flush", e))?;
            self.in_flight.add(n);
        }
        if self.session.wants_write_shutdown() {
            // Dropping the output ends the host's sending side; an owned
            // socket (or TLS connection) is shut down explicitly.
            self.output = None;
            if let Some(owner) = &self.owner {
                owner.shutdown_send();
            }
        }
        Ok(())
    }

    /// Blocks until input, room for waiting output, or the next timer.
    fn wait(&self) {
        let timer = self
            .session
            .poll_timeout()
            .map(|d| monotonic_clock::subscribe_duration(nanos(d.saturating_duration_since(Instant::now()))));
        let mut pollables: Vec<&Pollable> = self.pollables().collect();
        pollables.extend(timer.as_ref());
        match pollables[..] {
            [] => {}
            // The common case, reading: one call, no list to pass.
            [one] => one.block(),
            _ => drop(poll(&pollables)),
        }
    }
}

/// A duration as the monotonic clock's nanoseconds.
fn nanos(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

fn stream_error(what: &str, e: StreamError) -> Error {
    match e {
        StreamError::LastOperationFailed(detail) => Error::transport(what, detail.to_debug_string()),
        StreamError::Closed => {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, format!("{what}: stream closed")).into()
        }
    }
}

/// The ask after a read of `got` bytes for `asked` (none came: unchanged).
fn next_read_size(asked: u64, got: u64) -> u64 {
    if got == asked {
        (asked * 2).min(READ_CHUNK)
    } else if got > 0 && got < asked / 4 {
        (asked / 2).max(MIN_READ)
    } else {
        asked
    }
}
