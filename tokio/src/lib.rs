//! An async adapter over tokio's `AsyncRead + AsyncWrite` (feature `tokio`,
//! native targets): a pump that moves bytes and instants between a stream
//! and a [`Session`], which does everything else. One task can serve each
//! connection; while it waits, it waits for room to write, for input and
//! for the session's next timer at once, so keepalive pings go out and a
//! peer that sends while this side writes is still read.
//!
//! **Cancel safety.** Every method is cancel-safe: each waits at one point
//! where nothing has happened yet, and applies what the stream did to the
//! session before it waits again. Cancelled inside `select!`, `next_event`
//! and `read_message` lose no event; a `send_*` has queued its message
//! whole, and the next call that writes sends it; no byte is written twice
//! or skipped.
//!
//! ```no_run
//! use websocket_engine::ServerConfig;
//!
//! # async fn serve(tcp: tokio::net::TcpStream) -> Result<(), websocket_tokio::Error> {
//! let (mut ws, _request) = websocket_tokio::accept(tcp, ServerConfig::new()).await?;
//! while let Some(message) = ws.read_message().await? {
//!     // Queue the echo; the next read writes every queued reply at once.
//!     ws.session_mut().send(&message)?;
//! }
//! # Ok(())
//! # }
//! ```
//!
//! `wss://` and TLS servers ([`accept_tls`]) need feature `rustls`; the
//! [`tls`] module then holds the rustls configurations, and
//! [`ConnectOptions`] chooses the proxy and the trusted roots. The crate is
//! empty on wasm32.

#![cfg(not(target_arch = "wasm32"))]

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::time::{sleep_until, Sleep};

use websocket_engine::{
    ClientConfig, Decision, Entropy, Event, HandshakeResponse, Request, ServerConfig, Session, WsUrl,
};
use websocket_io::pump::{self, InFlight};

mod transport;

#[cfg(feature = "rustls")]
pub use transport::accept_tls;
pub use transport::{connect, connect_with, MaybeTlsStream};
#[cfg(feature = "rustls")]
pub use websocket_io::tls;
pub use websocket_io::{ConnectOptions, Error};

/// The read buffer: a 16 KiB message with its frame header fits in one read.
const READ_CHUNK: usize = 32 * 1024;

/// The most runs of output one write takes: a large message's payload
/// goes out from the message itself, a run of its own after its header.
const MAX_RUNS: usize = 16;

thread_local! {
    /// The read buffer of every connection polled on this thread: what a
    /// read brings is handed to the session before the poll returns, so
    /// nothing stays in it across an await, an idle connection holds no
    /// read buffer of its own, and a busy thread reads through one buffer
    /// that stays in its cache.
    static READ_BUF: RefCell<Box<[u8]>> = RefCell::new(vec![0; READ_CHUNK].into_boxed_slice());
}

/// A WebSocket over an async stream.
#[derive(Debug)]
pub struct WebSocket<S> {
    stream: S,
    session: Session,
    /// The first bytes of the session's output, written to the stream but
    /// not yet flushed through it.
    in_flight: InFlight,
    write_shut: bool,
    timer: Timer,
    /// What `next_event` returns at the end, held while the transport is
    /// finished.
    end: Option<Result<Option<Event>, Error>>,
}

/// Performs the client handshake over an already connected stream.
pub async fn client_handshake<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    url: &WsUrl,
    config: ClientConfig,
    entropy: &mut dyn Entropy,
) -> Result<(WebSocket<S>, HandshakeResponse), Error> {
    let (ws, _) = WebSocket::open(stream, Session::client(url, config, entropy, Instant::now())?).await?;
    let response = pump::accepted_response(&ws.session);
    Ok((ws, response))
}

/// Performs the server handshake on an accepted stream; `config` decides
/// on the request (pass an `Arc` to share it). A refused or broken request
/// is answered with an HTTP response (or the configured page) before the
/// error is returned.
///
/// With [`ServerConfig::defer_decisions`], it returns as soon as the
/// request is read, with the connection not yet open: answer it with
/// [`WebSocket::decide`].
pub async fn accept<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    config: impl Into<Arc<ServerConfig>>,
) -> Result<(WebSocket<S>, Request), Error> {
    let session = Session::server(config, Instant::now());
    let (ws, undecided) = WebSocket::open(stream, session).await?;
    let request = pump::accepted_request(&ws.session, undecided);
    Ok((ws, request))
}

/// What one wait brought.
enum Woke {
    Flushed(io::Result<()>),
    /// The sending side is shut down (or failed to be: the peer is gone).
    Shut,
    /// A read, already handed to the session.
    Read(io::Result<()>),
    Timer,
}

impl<S: AsyncRead + AsyncWrite + Unpin> WebSocket<S> {
    /// Runs the handshake until the session opens (or, deferring
    /// decisions, until the request to decide on is read).
    async fn open(stream: S, mut session: Session) -> Result<(Self, Option<Request>), Error> {
        // Large messages go out from their own payload, in vectored writes.
        session.set_vectored_output(true);
        let mut ws = WebSocket {
            stream,
            session,
            in_flight: InFlight::default(),
            write_shut: false,
            timer: Timer::default(),
            end: None,
        };
        let undecided = pump::opening(ws.next_event().await?)?;
        // The server's response goes out before it is handed over.
        ws.flush().await?;
        Ok((ws, undecided))
    }

    /// Server with [`ServerConfig::defer_decisions`]: answers the request
    /// that [`accept`] returned ([`Session::decide`]) and writes the
    /// answer. Accepted, the connection is then open, as `accept` leaves
    /// it without deferred decisions; refused, the refusal is sent and its
    /// error ([`HandshakeError::Refused`](websocket_engine::HandshakeError::Refused))
    /// returned.
    pub async fn decide(&mut self, decision: Decision) -> Result<(), Error> {
        self.session.decide(Instant::now(), decision)?;
        pump::opening(self.next_event().await?)?;
        self.flush().await
    }

    /// The underlying stream.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    websocket_io::connection_methods!(async, flush);

    /// Writes everything queued (reading meanwhile, so a peer that writes
    /// too is not blocked); fails once the session failed for good.
    pub async fn flush(&mut self) -> Result<(), Error> {
        while self.session.has_output() {
            self.drive().await?;
        }
        pump::flushed(&self.session)
    }

    /// Lets the transport go (its errors are no news: the peer may be gone).
    async fn shut_down(&mut self) {
        let _ = self.stream.shutdown().await;
    }

    /// Waits once for whichever comes first of room for the output, input
    /// the session wants, and its next timer, and applies it.
    async fn drive(&mut self) -> Result<(), Error> {
        let now = Instant::now();
        let Self {
            stream,
            session,
            in_flight,
            write_shut,
            timer,
            ..
        } = self;
        let written = in_flight.get(session);
        let shut = !session.has_output() && !*write_shut && session.wants_write_shutdown();
        let read = session.wants_read();
        // Offering the output first starts the write-progress timer.
        session.poll_output(now);
        timer.arm(session.poll_timeout());
        let step = poll_fn(|cx| {
            let mut stream = Pin::new(&mut *stream);
            let mut runs = [IoSlice::new(&[]); MAX_RUNS];
            let filled = session.poll_output_vectored(now, &mut runs);
            let mut unsent = &mut runs[..filled];
            let offered: usize = unsent.iter().map(|run| run.len()).sum();
            if written < offered {
                IoSlice::advance_slices(&mut unsent, written);
                // One run is a plain write (writev costs a little more).
                let wrote = match unsent {
                    [one] => stream.as_mut().poll_write(cx, one),
                    runs => stream.as_mut().poll_write_vectored(cx, runs),
                };
                match wrote {
                    Poll::Ready(Ok(0)) => {
                        return Poll::Ready(Woke::Flushed(Err(io::ErrorKind::WriteZero.into())))
                    }
                    Poll::Ready(Ok(n)) => in_flight.add(n),
                    Poll::Ready(Err(e)) => return Poll::Ready(Woke::Flushed(Err(e))),
                    Poll::Pending => {}
                }
            }
            if in_flight.get(session) > 0 {
                if let Poll::Ready(r) = stream.as_mut().poll_flush(cx) {
                    return Poll::Ready(Woke::Flushed(r));
                }
            } else if shut && stream.as_mut().poll_shutdown(cx).is_ready() {
                return Poll::Ready(Woke::Shut);
            }
            if read {
                if let Poll::Ready(r) = read_into(stream, cx, session) {
                    return Poll::Ready(Woke::Read(r));
                }
            }
            timer.poll(cx).map(|()| Woke::Timer)
        })
        .await;
        match step {
            Woke::Flushed(r) => {
                r?;
                in_flight.confirm(session);
            }
            // A peer already gone makes the shutdown fail; the next read says so.
            Woke::Shut => *write_shut = true,
            Woke::Read(r) => r?,
            Woke::Timer => session.handle_timeout(Instant::now()),
        }
        Ok(())
    }
}

/// Reads once from `stream` into the thread's read buffer and hands what
/// came (or the end of the stream) to `session`.
fn read_into<S: AsyncRead>(
    stream: Pin<&mut S>,
    cx: &mut std::task::Context<'_>,
    session: &mut Session,
) -> Poll<io::Result<()>> {
    let read = |buf: &mut [u8]| {
        let mut into = ReadBuf::new(buf);
        stream.poll_read(cx, &mut into).map_ok(|()| match into.filled() {
            [] => session.handle_eof(Instant::now()),
            got => session.handle_input(Instant::now(), got),
        })
    };
    READ_BUF.with(|buf| match buf.try_borrow_mut() {
        Ok(mut buf) => read(&mut buf),
        // A stream that polls another of these connections from inside
        // its own read (a WebSocket tunnelled through one): a buffer of
        // its own for this read.
        Err(_) => read(&mut vec![0; READ_CHUNK]),
    })
}

/// The session's next deadline as a tokio timer, moved only when
/// [`pump::rearm`] says so.
#[derive(Debug, Default)]
struct Timer {
    /// Made at the first deadline.
    sleep: Option<Pin<Box<Sleep>>>,
    /// The deadline armed and not yet fired. (A fired `Sleep` stays ready,
    /// and `Sleep::is_elapsed` turns true before the task sees it fire.)
    armed: Option<Instant>,
}

impl Timer {
    fn arm(&mut self, deadline: Option<Instant>) {
        let Some(deadline) = pump::rearm(self.armed, deadline) else {
            return;
        };
        self.armed = Some(deadline);
        match &mut self.sleep {
            Some(sleep) => sleep.as_mut().reset(deadline.into()),
            None => self.sleep = Some(Box::pin(sleep_until(deadline.into()))),
        }
    }

    /// Ready once the armed deadline passes; the timer is then disarmed.
    fn poll(&mut self, cx: &mut std::task::Context<'_>) -> Poll<()> {
        let (Some(sleep), Some(_)) = (&mut self.sleep, self.armed) else {
            return Poll::Pending;
        };
        let fired = sleep.as_mut().poll(cx);
        if fired.is_ready() {
            self.armed = None;
        }
        fired
    }
}
