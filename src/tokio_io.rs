//! An async adapter over tokio's `AsyncRead + AsyncWrite`, using only the
//! core's public API (feature `tokio`, on by default, native targets).
//!
//! It does what [`blocking`](crate::blocking) does, with tasks instead of
//! threads: one task can serve each connection, and a runtime serves many
//! connections on a few threads. Output is batched: `queue_*` only queue,
//! and [`WebSocket::read_event`] writes everything queued in one go before
//! it waits for the peer, so an echo loop makes one write per read.
//!
//! ```no_run
//! use websocket_engine::{tokio_io, Message, ServerConfig, ServerPolicy};
//!
//! # async fn serve(tcp: tokio::net::TcpStream) -> Result<(), websocket_engine::Error> {
//! let (mut ws, _request) = tokio_io::accept(tcp, &ServerConfig::default(), &ServerPolicy::default()).await?;
//! while let Some(message) = ws.read_message().await? {
//!     match message {
//!         Message::Text(text) => ws.queue_text(&text)?,
//!         Message::Binary { frame_type, data } => ws.queue_frame(frame_type, &data)?,
//!     }
//! }
//! # Ok(())
//! # }
//! ```

use std::future::Future;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};

use crate::error::ignore_disconnect;
use crate::{
    ClientConfig, ClientHandshake, Connection, Entropy, Error, Event, HandshakeError, HandshakeResponse,
    Limits, Message, Phase, Request, Role, ServerConfig, ServerHandshake, ServerPolicy, State, Status,
    SystemEntropy, WsUrl,
};

/// The read buffer: a 16 KiB message with its frame header fits in one
/// read (a 16 KiB buffer took two reads for each).
const READ_CHUNK: usize = 32 * 1024;

/// An open WebSocket over an async stream.
#[derive(Debug)]
pub struct WebSocket<S> {
    stream: S,
    conn: Connection,
    buf: Box<[u8]>,
    close_timeout: Duration,
    write_timeout: Duration,
    closing_deadline: Option<Instant>,
    write_shut: bool,
    eof: bool,
}

/// Connects over TCP to a `ws://` URL and performs the client handshake,
/// with keys from the system's generator, all within
/// [`Limits::handshake_timeout`](crate::Limits).
pub async fn connect(
    url: &str,
    config: ClientConfig,
) -> Result<(WebSocket<TcpStream>, HandshakeResponse), Error> {
    let url = crate::url::plain_tcp_url(url)?;
    let deadline = Instant::now() + config.limits.handshake_timeout;
    let limit = config.limits.handshake_timeout;
    let tcp = within(deadline, limit, Phase::Handshake, async {
        Ok(TcpStream::connect(url.socket_addr()).await?)
    })
    .await?;
    tcp.set_nodelay(true)?;
    client_handshake(tcp, &url, config, &mut SystemEntropy).await
}

/// Performs the client handshake over an already connected stream.
pub async fn client_handshake<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    url: &WsUrl,
    config: ClientConfig,
    entropy: &mut dyn Entropy,
) -> Result<(WebSocket<S>, HandshakeResponse), Error> {
    let limits = config.limits.clone();
    let mut hs = ClientHandshake::new(url, config, entropy)?;
    let deadline = Instant::now() + limits.handshake_timeout;
    let mut buf = vec![0u8; READ_CHUNK].into_boxed_slice();
    let leftover = within(deadline, limits.handshake_timeout, Phase::Handshake, async {
        stream.write_all(hs.request()).await?;
        stream.flush().await?;
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                hs.handle_eof()?;
            }
            if let Status::Complete { consumed } = hs.handle_input(&buf[..n])? {
                return Ok(consumed..n);
            }
        }
    })
    .await?;
    let (conn, response) = hs.into_connection()?;
    Ok((WebSocket::start(stream, conn, buf, leftover, &limits), response))
}

/// Performs the server handshake on an accepted stream, letting `policy`
/// decide on the origin and subprotocol. A refused or broken request is
/// answered with an HTTP response (or the configured page) before the
/// error is returned.
pub async fn accept<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    config: &ServerConfig,
    policy: &ServerPolicy,
) -> Result<(WebSocket<S>, Request), Error> {
    let limits = &config.limits;
    let mut hs = ServerHandshake::new(config.clone());
    let mut buf = vec![0u8; READ_CHUNK].into_boxed_slice();
    let deadline = Instant::now() + limits.handshake_timeout;
    let outcome = within(deadline, limits.handshake_timeout, Phase::Handshake, async {
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return Err(HandshakeError::UnexpectedEof { from: Role::Client }.into());
            }
            if let Status::Complete { consumed } = hs.handle_input(&buf[..n])? {
                let request = hs.request().expect("complete").clone();
                let protocol = policy.check(&request)?;
                return Ok((consumed..n, request, protocol));
            }
        }
    })
    .await;
    let (leftover, request, protocol) = match outcome {
        Ok(done) => done,
        Err(e) => {
            if let Some(refusal) = hs.refusal(&e) {
                // Best effort, and bounded: the peer may be gone or stuck.
                let _ = write_within(&mut stream, &refusal, limits.write_timeout).await;
            }
            let _ = stream.shutdown().await;
            return Err(e);
        }
    };
    let (response, conn) = hs.accept(protocol.as_deref())?;
    write_within(&mut stream, &response, limits.write_timeout).await?;
    Ok((WebSocket::start(stream, conn, buf, leftover, limits), request))
}

/// Writes and flushes `bytes`, failing with [`Error::Timeout`] if that
/// takes longer than `limit`.
async fn write_within<S: AsyncWrite + Unpin>(
    stream: &mut S,
    bytes: &[u8],
    limit: Duration,
) -> Result<(), Error> {
    let write = async {
        stream.write_all(bytes).await?;
        Ok(stream.flush().await?)
    };
    within(Instant::now() + limit, limit, Phase::Writing, write).await
}

/// Runs `work`, failing with [`Error::Timeout`] (`during`, `limit`) if
/// `deadline` passes first.
async fn within<T>(
    deadline: Instant,
    limit: Duration,
    during: Phase,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    timeout_at(deadline, work)
        .await
        .unwrap_or(Err(Error::Timeout { during, limit }))
}

impl<S: AsyncRead + AsyncWrite + Unpin> WebSocket<S> {
    fn start(
        stream: S,
        mut conn: Connection,
        buf: Box<[u8]>,
        leftover: std::ops::Range<usize>,
        limits: &Limits,
    ) -> Self {
        // Bytes that came with the end of the handshake are already frames;
        // an error among them is sticky and reported by the first read.
        let _ = conn.handle_input(&buf[leftover]);
        WebSocket {
            stream,
            conn,
            buf,
            close_timeout: limits.close_timeout,
            write_timeout: limits.write_timeout,
            closing_deadline: None,
            write_shut: false,
            eof: false,
        }
    }

    /// The connection's state machine.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The underlying stream.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// Queues a text message; it is written by the next `flush`,
    /// `send_*` or `read_*`.
    pub fn queue_text(&mut self, text: &str) -> Result<(), Error> {
        self.conn.send_text(text)
    }

    /// Queues a binary message (a length-prefixed frame of type 0x80).
    pub fn queue_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        self.conn.send_binary(data)
    }

    /// Queues a length-prefixed frame of type `frame_type` (RFC 6455: 0x80).
    pub fn queue_frame(&mut self, frame_type: u8, data: &[u8]) -> Result<(), Error> {
        self.conn.send_frame(frame_type, data)
    }

    /// Sends a text message now.
    pub async fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.conn.send_text(text)?;
        self.flush().await
    }

    /// Sends a binary message now.
    pub async fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        self.conn.send_binary(data)?;
        self.flush().await
    }

    /// RFC 6455: sends a ping; its pong comes back from
    /// [`WebSocket::read_event`].
    pub async fn ping(&mut self, data: &[u8]) -> Result<(), Error> {
        self.conn.ping(data)?;
        self.flush().await
    }

    /// Begins closing (RFC 6455 with code 1000, hixie76 `FF 00`, hixie75 by
    /// shutting down writing). Keep reading until `read_message` returns
    /// `None`; the wait is bounded by
    /// [`Limits::close_timeout`](crate::Limits).
    pub async fn close(&mut self) -> Result<(), Error> {
        self.conn.close()?;
        self.closing().await
    }

    /// RFC 6455: begins closing with a status code and reason.
    pub async fn close_with(&mut self, code: u16, reason: &str) -> Result<(), Error> {
        self.conn.close_with(code, reason)?;
        self.closing().await
    }

    async fn closing(&mut self) -> Result<(), Error> {
        self.closing_deadline
            .get_or_insert_with(|| Instant::now() + self.close_timeout);
        self.flush().await
    }

    /// The next message, or `None` once the connection is closed. Pings
    /// and pongs are skipped (pings are answered all the same).
    pub async fn read_message(&mut self) -> Result<Option<Message>, Error> {
        loop {
            match self.read_event().await? {
                Some(Event::Message(m)) => return Ok(Some(m)),
                Some(Event::Ping(_) | Event::Pong(_)) => {}
                Some(Event::Closed(_)) | None => return Ok(None),
            }
        }
    }

    /// The next event, or `None` once the connection is closed and its
    /// [`Event::Closed`] was returned. Writes what is queued before waiting
    /// for the peer. On an error, what the connection queued for the peer
    /// (an RFC 6455 close frame saying why) is sent before the error is
    /// returned.
    pub async fn read_event(&mut self) -> Result<Option<Event>, Error> {
        match self.next_event().await {
            Err(e) => {
                let _ = self.flush().await;
                let _ = self.stream.shutdown().await;
                Err(e)
            }
            ok => ok,
        }
    }

    async fn next_event(&mut self) -> Result<Option<Event>, Error> {
        loop {
            if let Some(event) = self.conn.poll_event() {
                if let Event::Closed(_) = event {
                    self.finish().await?;
                }
                return Ok(Some(event));
            }
            if let Some(e) = self.conn.error() {
                return Err(e.clone());
            }
            if self.conn.state() == State::Closed {
                return Ok(None);
            }
            self.flush().await?;
            let read = match self.closing_deadline {
                Some(deadline) => timeout_at(deadline, self.stream.read(&mut self.buf)).await,
                None => Ok(self.stream.read(&mut self.buf).await),
            };
            match read {
                Err(_elapsed) => {
                    self.closing_deadline = None;
                    self.conn.handle_close_timeout(self.close_timeout)?;
                }
                Ok(read) => {
                    // An error is sticky: it is returned above once the
                    // events decoded before it have been.
                    let n = read?;
                    if n == 0 {
                        self.eof = true;
                        let _ = self.conn.handle_eof();
                    } else {
                        let _ = self.conn.handle_input(&self.buf[..n]);
                    }
                }
            }
        }
    }

    /// Writes everything queued, within
    /// [`Limits::write_timeout`](crate::Limits), then shuts down writing if
    /// the connection will send nothing more.
    pub async fn flush(&mut self) -> Result<(), Error> {
        let pending = self.conn.pending_output().len();
        if pending > 0 {
            write_within(&mut self.stream, self.conn.pending_output(), self.write_timeout).await?;
            self.conn.advance_output(pending);
        }
        if self.conn.wants_write_shutdown() && !self.write_shut {
            self.write_shut = true;
            ignore_disconnect(self.stream.shutdown().await)?;
        }
        Ok(())
    }

    /// After the close: sends any reply, then ends TCP. A server closes at
    /// once; a client gives the server the close time-out to close first.
    async fn finish(&mut self) -> Result<(), Error> {
        ignore_disconnect(self.flush().await)?;
        if self.conn.role() == Role::Client && !self.eof {
            let deadline = self
                .closing_deadline
                .unwrap_or_else(|| Instant::now() + self.close_timeout);
            let drain = async {
                while self.stream.read(&mut self.buf).await? > 0 {}
                Ok(())
            };
            let _ = within(deadline, self.close_timeout, Phase::Closing, drain).await;
        }
        ignore_disconnect(self.stream.shutdown().await)?;
        Ok(())
    }
}
