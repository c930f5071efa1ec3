//! A blocking adapter over `std::io::Read + Write`, using only the core's
//! public API.
//!
//! ```no_run
//! use websocket_engine::{blocking, ClientConfig, Message, Version};
//!
//! let (mut ws, _) = blocking::connect("ws://127.0.0.1:9001/", ClientConfig::new(Version::Hixie76))?;
//! ws.send_text("hello")?;
//! if let Some(Message::Text(reply)) = ws.read_message()? {
//!     println!("{reply}");
//! }
//! ws.close()?;
//! while ws.read_message()?.is_some() {}
//! # Ok::<(), websocket_engine::Error>(())
//! ```

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use crate::error::ignore_disconnect;
use crate::{
    ClientConfig, ClientHandshake, Connection, Entropy, Error, Event, HandshakeError, HandshakeResponse,
    Limits, Message, Phase, Request, Role, ServerConfig, ServerHandshake, ServerPolicy, State, Status,
    SystemEntropy, WsUrl,
};

const READ_CHUNK: usize = 16 * 1024;

/// A byte stream the adapter can run over. Time-outs and shutdown are
/// optional: the defaults do nothing, so any `Read + Write` type can opt in
/// with an empty `impl Stream for MyType {}`.
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

/// An open WebSocket over a blocking stream.
#[derive(Debug)]
pub struct WebSocket<S: Stream> {
    stream: S,
    conn: Connection,
    buf: Box<[u8]>,
    close_timeout: Duration,
    write_timeout: Duration,
    closing_deadline: Option<Instant>,
    read_timeout: Option<Duration>,
    /// The read time-out last set on the stream.
    applied_read_timeout: Option<Option<Duration>>,
    write_shut: bool,
    eof: bool,
}

/// Connects over TCP to a `ws://` URL and performs the client handshake,
/// with keys from the system's generator. Each step is bounded by
/// [`Limits::handshake_timeout`](crate::Limits).
pub fn connect(url: &str, config: ClientConfig) -> Result<(WebSocket<TcpStream>, HandshakeResponse), Error> {
    let url = crate::url::plain_tcp_url(url)?;
    let timeout = config.limits.handshake_timeout;
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the host name resolved to no address");
    for addr in url.socket_addr().to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(stream) => {
                stream.set_nodelay(true)?;
                return client_handshake(stream, &url, config, &mut SystemEntropy);
            }
            Err(e) => last = e,
        }
    }
    Err(last.into())
}

/// Performs the client handshake over an already connected stream.
pub fn client_handshake<S: Stream>(
    mut stream: S,
    url: &WsUrl,
    config: ClientConfig,
    entropy: &mut dyn Entropy,
) -> Result<(WebSocket<S>, HandshakeResponse), Error> {
    let limits = config.limits.clone();
    let mut hs = ClientHandshake::new(url, config, entropy)?;
    stream.write_all(hs.request())?;
    stream.flush()?;
    let mut buf = vec![0u8; READ_CHUNK].into_boxed_slice();
    let deadline = Instant::now() + limits.handshake_timeout;
    let consumed = loop {
        let n = read_handshake(&mut stream, &mut buf, deadline, limits.handshake_timeout)?;
        if n == 0 {
            hs.handle_eof()?;
        }
        if let Status::Complete { consumed } = hs.handle_input(&buf[..n])? {
            break consumed..n;
        }
    };
    let (conn, response) = hs.into_connection()?;
    let ws = WebSocket::start(stream, conn, buf, consumed, &limits)?;
    Ok((ws, response))
}

/// Performs the server handshake on an accepted stream, letting `policy`
/// decide on the origin and subprotocol. A refused or broken request is
/// answered with an HTTP error response before the error is returned.
pub fn accept<S: Stream>(
    mut stream: S,
    config: &ServerConfig,
    policy: &ServerPolicy,
) -> Result<(WebSocket<S>, Request), Error> {
    let limits = &config.limits;
    let mut hs = ServerHandshake::new(config.clone());
    let mut buf = vec![0u8; READ_CHUNK].into_boxed_slice();
    let deadline = Instant::now() + limits.handshake_timeout;
    let outcome = (|| loop {
        let n = read_handshake(&mut stream, &mut buf, deadline, limits.handshake_timeout)?;
        if n == 0 {
            return Err(HandshakeError::UnexpectedEof { from: Role::Client }.into());
        }
        if let Status::Complete { consumed } = hs.handle_input(&buf[..n])? {
            let request = hs.request().expect("complete").clone();
            let protocol = policy.check(&request)?;
            return Ok((consumed..n, request, protocol));
        }
    })();
    let (leftover, request, protocol) = match outcome {
        Ok(done) => done,
        Err(e) => {
            if let Some(refusal) = hs.refusal(&e) {
                // Best effort: the peer may already be gone.
                let _ = stream.write_all(&refusal);
                let _ = stream.flush();
            }
            let _ = stream.shutdown(Shutdown::Both);
            return Err(e);
        }
    };
    let (response, conn) = hs.accept(protocol.as_deref())?;
    stream.write_all(&response)?;
    stream.flush()?;
    let ws = WebSocket::start(stream, conn, buf, leftover, limits)?;
    Ok((ws, request))
}

/// One read of handshake bytes; `deadline` bounds the whole handshake.
fn read_handshake<S: Stream>(
    stream: &mut S,
    buf: &mut [u8],
    deadline: Instant,
    limit: Duration,
) -> Result<usize, Error> {
    read_until(
        stream,
        buf,
        Some(deadline),
        None,
        limit,
        Phase::Handshake,
        &mut None,
    )
}

/// One read, bounded by the earlier of `deadline` (whose expiry is
/// [`Error::Timeout`]) and `timeout` (whose expiry is a transient
/// [`Error::Io`]). `applied` remembers the bound last set on the stream, to
/// spare a system call per read when it has not changed.
fn read_until<S: Stream>(
    stream: &mut S,
    buf: &mut [u8],
    deadline: Option<Instant>,
    timeout: Option<Duration>,
    limit: Duration,
    during: Phase,
    applied: &mut Option<Option<Duration>>,
) -> Result<usize, Error> {
    let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
    if left == Some(Duration::ZERO) {
        return Err(Error::Timeout { during, limit });
    }
    let bound = match (left, timeout) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if *applied != Some(bound) {
        stream.set_read_timeout(bound)?;
        *applied = Some(bound);
    }
    loop {
        match stream.read(buf) {
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return Err(Error::Timeout { during, limit });
                }
                return Err(e.into());
            }
            Err(e) => return Err(e.into()),
        }
    }
}

impl<S: Stream> WebSocket<S> {
    fn start(
        mut stream: S,
        mut conn: Connection,
        buf: Box<[u8]>,
        leftover: std::ops::Range<usize>,
        limits: &Limits,
    ) -> Result<Self, Error> {
        // Bytes that came with the end of the handshake are already frames.
        // An error among them is sticky: the first read reports it, after
        // the messages that came before it.
        let _ = conn.handle_input(&buf[leftover]);
        stream.set_write_timeout(Some(limits.write_timeout))?;
        Ok(WebSocket {
            stream,
            conn,
            buf,
            close_timeout: limits.close_timeout,
            write_timeout: limits.write_timeout,
            closing_deadline: None,
            read_timeout: None,
            applied_read_timeout: None,
            write_shut: false,
            eof: false,
        })
    }

    /// The connection's state machine.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The underlying stream.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// Bounds how long [`WebSocket::read_message`] may block; when it runs
    /// out the call fails with a transient error ([`Error::is_transient`])
    /// and the connection stays usable.
    pub fn set_read_timeout(&mut self, timeout: Option<Duration>) {
        self.read_timeout = timeout;
    }

    /// Sends a text message.
    pub fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.conn.send_text(text)?;
        self.flush()
    }

    /// Sends a binary message (a length-prefixed frame of type 0x80).
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        self.conn.send_binary(data)?;
        self.flush()
    }

    /// Sends a length-prefixed frame of type `frame_type` (0x80..=0xFF).
    pub fn send_frame(&mut self, frame_type: u8, data: &[u8]) -> Result<(), Error> {
        self.conn.send_frame(frame_type, data)?;
        self.flush()
    }

    /// RFC 6455: sends a ping; its pong comes back from
    /// [`WebSocket::read_event`].
    pub fn ping(&mut self, data: &[u8]) -> Result<(), Error> {
        self.conn.ping(data)?;
        self.flush()
    }

    /// Begins closing: sends the closing handshake (RFC 6455 with code
    /// 1000, hixie76 `FF 00`) or shuts down writing (hixie75). Keep calling
    /// [`WebSocket::read_message`] to receive what the peer still sends,
    /// until it returns `None`; the wait is bounded by
    /// [`Limits::close_timeout`](crate::Limits).
    pub fn close(&mut self) -> Result<(), Error> {
        self.conn.close()?;
        self.closing()
    }

    /// RFC 6455: begins closing with a status code and reason, as
    /// [`WebSocket::close`] does otherwise.
    pub fn close_with(&mut self, code: u16, reason: &str) -> Result<(), Error> {
        self.conn.close_with(code, reason)?;
        self.closing()
    }

    fn closing(&mut self) -> Result<(), Error> {
        if self.closing_deadline.is_none() {
            self.closing_deadline = Some(Instant::now() + self.close_timeout);
        }
        self.flush()
    }

    /// The next message, or `None` once the connection is closed. Pings
    /// and pongs are skipped (pings are answered all the same).
    pub fn read_message(&mut self) -> Result<Option<Message>, Error> {
        loop {
            match self.read_event()? {
                Some(Event::Message(m)) => return Ok(Some(m)),
                Some(Event::Ping(_) | Event::Pong(_)) => {}
                Some(Event::Closed(_)) | None => return Ok(None),
            }
        }
    }

    /// The next event, or `None` once the connection is closed and its
    /// [`Event::Closed`] was returned. On an error that fails the
    /// connection, what it queued for the peer (an RFC 6455 close frame
    /// saying why) is sent before the error is returned.
    pub fn read_event(&mut self) -> Result<Option<Event>, Error> {
        self.next_event().inspect_err(|e| {
            if !e.is_transient() {
                let _ = self.flush();
                let _ = self.stream.shutdown(Shutdown::Both);
            }
        })
    }

    fn next_event(&mut self) -> Result<Option<Event>, Error> {
        loop {
            if let Some(event) = self.conn.poll_event() {
                if let Event::Closed(_) = event {
                    self.finish()?;
                }
                return Ok(Some(event));
            }
            if let Some(e) = self.conn.error() {
                return Err(e.clone());
            }
            if self.conn.state() == State::Closed {
                return Ok(None);
            }
            // Answers to pings go out before waiting for more input.
            self.flush()?;
            let read = read_until(
                &mut self.stream,
                &mut self.buf,
                self.closing_deadline,
                self.read_timeout,
                self.close_timeout,
                Phase::Closing,
                &mut self.applied_read_timeout,
            );
            let n = match read {
                Err(Error::Timeout { limit, .. }) => {
                    self.conn.handle_close_timeout(limit)?;
                    continue;
                }
                other => other?,
            };
            // An error is sticky: it is returned above once the events
            // decoded before it have been.
            if n == 0 {
                self.eof = true;
                let _ = self.conn.handle_eof();
            } else {
                let _ = self.conn.handle_input(&self.buf[..n]);
            }
        }
    }

    /// Writes all pending output, then shuts down writing if the connection
    /// will send nothing more.
    fn flush(&mut self) -> Result<(), Error> {
        let pending = self.conn.pending_output();
        if !pending.is_empty() {
            let n = pending.len();
            let written = self.stream.write_all(pending).and_then(|()| self.stream.flush());
            if let Err(e) = written {
                if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) {
                    return Err(Error::Timeout {
                        during: Phase::Writing,
                        limit: self.write_timeout,
                    });
                }
                return Err(e.into());
            }
            self.conn.advance_output(n);
        }
        if self.conn.wants_write_shutdown() && !self.write_shut {
            self.write_shut = true;
            ignore_disconnect(self.stream.shutdown(Shutdown::Write))?;
        }
        Ok(())
    }

    /// After the close: sends any reply, then ends TCP. A server closes at
    /// once; a client gives the server `close_timeout` to close first.
    fn finish(&mut self) -> Result<(), Error> {
        ignore_disconnect(self.flush())?;
        if self.conn.role() == Role::Client && !self.eof {
            // One deadline for the whole close, if this side began it.
            let deadline = self
                .closing_deadline
                .unwrap_or_else(|| Instant::now() + self.close_timeout);
            let deadline = Some(deadline);
            loop {
                match read_until(
                    &mut self.stream,
                    &mut self.buf,
                    deadline,
                    None,
                    self.close_timeout,
                    Phase::Closing,
                    &mut self.applied_read_timeout,
                ) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        }
        ignore_disconnect(self.stream.shutdown(Shutdown::Both))?;
        Ok(())
    }
}
