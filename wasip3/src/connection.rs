//! A WebSocket connection over a WASI 0.3 TCP socket: a pump that moves
//! bytes and instants between the socket's streams and a [`Session`],
//! which does everything else.
//!
//! Call order: [`Connection::next_event`] (or [`Connection::read_message`])
//! drives I/O until the session has an event; sends queue in the session
//! and go out as the connection is driven, or at once with the `send_*`
//! calls, which wait until the host took the bytes ([`Connection::flush`]).

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use wasip3::sockets::types::{ErrorCode, TcpSocket};
use wasip3::wit_bindgen::{FutureReader, StreamReader, StreamResult, StreamWriter};
use wasip3::wit_stream;

use super::timer::Timer;
use super::{buffers, io_error};
use websocket_engine::{
    ClientConfig, Entropy, Error, Event, Message, ServerConfig, Session, State, Step, UsageError, WsUrl,
};

/// The most bytes one write hands the host.
const WRITE_CHUNK: usize = 64 * 1024;

/// An operation on a stream, owning the stream's end and its buffer until
/// it gives both back with its result.
type Op<S> = Pin<Box<dyn Future<Output = (S, StreamResult, Vec<u8>)>>>;

/// One direction of the socket.
enum Half<S> {
    Idle(S),
    Busy(Op<S>),
    /// Ended: the input after its end, the output once shut down.
    Closed,
}

impl<S> Half<S> {
    /// The operation's result once it is done; the stream's end is idle
    /// again.
    fn poll_done(&mut self, cx: &mut Context<'_>) -> Poll<(StreamResult, Vec<u8>)> {
        let Half::Busy(op) = self else {
            return Poll::Pending;
        };
        let (end, result, buf) = std::task::ready!(op.as_mut().poll(cx));
        *self = Half::Idle(end);
        Poll::Ready((result, buf))
    }
}

/// What woke a drive.
enum Woke {
    Wrote(StreamResult, Vec<u8>),
    Read(StreamResult, Vec<u8>),
    Timer,
}

/// A connected TCP socket and its two streams.
pub struct Streams {
    pub input: StreamReader<u8>,
    /// The socket's result for its receiving side, to await once `input`
    /// is dropped.
    pub received: FutureReader<Result<(), ErrorCode>>,
    pub output: StreamWriter<u8>,
    /// The socket's result for its sending side: done once everything
    /// written is sent and `output` is dropped.
    pub sent: FutureReader<Result<(), ErrorCode>>,
    pub socket: TcpSocket,
}

impl Streams {
    /// Opens both of `socket`'s streams.
    pub fn of(socket: TcpSocket) -> Streams {
        let (input, received) = socket.receive();
        let (output, to_send) = wit_stream::new();
        let sent = socket.send(to_send);
        Streams {
            input,
            received,
            output,
            sent,
            socket,
        }
    }
}

/// A WebSocket connection over a WASI 0.3 TCP socket.
pub struct Connection {
    session: Session,
    input: Half<StreamReader<u8>>,
    output: Half<StreamWriter<u8>>,
    /// The last read filled its buffer, so more input may be waiting: read
    /// again without a readiness check first.
    more_input: bool,
    timer: Timer,
    /// How the stream ended, held until the session's last bytes are out.
    end: Option<Result<Option<Event>, Error>>,
    /// The socket's own results for its receiving and sending sides.
    received: Option<FutureReader<Result<(), ErrorCode>>>,
    sent: Option<FutureReader<Result<(), ErrorCode>>>,
    /// Dropped last, after both streams.
    _socket: TcpSocket,
}

impl Connection {
    fn new(socket: Streams, session: Session) -> Self {
        Connection {
            session,
            input: Half::Idle(socket.input),
            output: Half::Idle(socket.output),
            more_input: false,
            timer: Timer::default(),
            end: None,
            received: Some(socket.received),
            sent: Some(socket.sent),
            _socket: socket.socket,
        }
    }

    /// The server side of an accepted socket; its handshake runs as the
    /// connection is driven (the first event is [`Event::Opened`] or, with
    /// deferred decisions, [`Event::Request`]).
    pub fn accept(socket: TcpSocket, config: impl Into<Arc<ServerConfig>>) -> Self {
        Connection::new(Streams::of(socket), Session::server(config, Instant::now()))
    }

    /// The client side over a socket connected to the server of `url`; the
    /// request goes out as the connection is driven.
    pub fn client(
        socket: Streams,
        url: &WsUrl,
        config: ClientConfig,
        entropy: &mut dyn Entropy,
    ) -> Result<Self, Error> {
        let session = Session::client(url, config, entropy, Instant::now())?;
        Ok(Connection::new(socket, session))
    }

    /// Drives the handshake to its end: the connection once open.
    pub(crate) async fn open(mut self) -> Result<Self, Error> {
        match self.next_event().await? {
            Some(Event::Opened) => Ok(self),
            _ => Err(UsageError::HandshakeIncomplete.into()),
        }
    }

    /// The session: state, version, request or response, queued sends.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The session, e.g. to queue sends without waiting for them.
    pub fn session_mut(&mut self) -> &mut Session {
        &mut self.session
    }

    /// The next event already decoded, without I/O.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.session.poll_event()
    }

    /// Waits for the next event; `None` once the connection is over. A
    /// failure is returned as its error, once what it queued for the peer
    /// has been sent.
    pub async fn next_event(&mut self) -> Result<Option<Event>, Error> {
        while self.end.is_none() {
            match self.session.step() {
                Step::Event(event) => return Ok(Some(event)),
                Step::End(end) => self.end = Some(end.map_err(Error::from)),
                Step::Drive => self.drive().await?,
            }
        }
        // Best effort: the peer may be gone already.
        while !self.session.is_finished() && self.drive().await.is_ok() {}
        self.shut_down().await;
        self.end.take().unwrap_or(Ok(None))
    }

    /// Waits for the next message; `None` once the connection is over.
    pub async fn read_message(&mut self) -> Result<Option<Message>, Error> {
        while let Some(event) = self.next_event().await? {
            if let Some(message) = event.into_message() {
                return Ok(message);
            }
        }
        Ok(None)
    }

    /// Sends a text message and waits until the host took it.
    pub async fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.session.send_text(text)?;
        self.flush().await
    }

    /// Sends a binary message (in hixie a length-prefixed frame of type
    /// 0x80), as [`Connection::send_text`] does.
    pub async fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        self.session.send_binary(data)?;
        self.flush().await
    }

    /// Sends a message of any kind ([`Session::send`]).
    pub async fn send(&mut self, message: &Message) -> Result<(), Error> {
        self.session.send(message)?;
        self.flush().await
    }

    /// RFC 6455: sends a ping; its pong comes back as an event.
    pub async fn ping(&mut self, data: &[u8]) -> Result<(), Error> {
        self.session.ping(data)?;
        self.flush().await
    }

    /// Begins closing (RFC 6455 with code 1000, hixie76 `FF 00`, hixie75 by
    /// shutting down sending); read on until the connection is over.
    pub async fn close(&mut self) -> Result<(), Error> {
        self.session.close(Instant::now())?;
        self.flush().await
    }

    /// RFC 6455: begins closing with a status code and reason.
    pub async fn close_with(&mut self, code: u16, reason: &str) -> Result<(), Error> {
        self.session.close_with(Instant::now(), code, reason)?;
        self.flush().await
    }

    /// Waits until everything queued has been taken by the host, or the
    /// session's write time-out fails it.
    pub async fn flush(&mut self) -> Result<(), Error> {
        while self.session.has_output() {
            self.drive().await?;
        }
        match self.session.error() {
            Some(e) if self.session.state() == State::Closed => Err(e.clone().into()),
            _ => Ok(()),
        }
    }

    /// One round of I/O: starts the write and the read the session wants,
    /// arms its timer, and waits until one of them is done.
    async fn drive(&mut self) -> Result<(), Error> {
        let now = Instant::now();
        self.start_write(now);
        self.start_read();
        self.timer.arm(self.session.poll_timeout(), now);
        let woke = poll_fn(|cx| {
            if let Poll::Ready((result, buf)) = self.output.poll_done(cx) {
                return Poll::Ready(Woke::Wrote(result, buf));
            }
            if let Poll::Ready((result, buf)) = self.input.poll_done(cx) {
                return Poll::Ready(Woke::Read(result, buf));
            }
            self.timer.poll(cx).map(|()| Woke::Timer)
        })
        .await;
        match woke {
            Woke::Wrote(StreamResult::Dropped, _) => {
                self.output = Half::Closed;
                let why = match self.sent.take() {
                    Some(sent) => sent.await.err(),
                    None => None,
                };
                return Err(io_error("send", why.unwrap_or(ErrorCode::ConnectionBroken)));
            }
            Woke::Wrote(StreamResult::Complete(n), buf) => {
                // The session dropped its output if its write timer ran out.
                if self.session.has_output() {
                    self.session.advance_output(n);
                }
                buffers::give_back(buf);
            }
            Woke::Wrote(StreamResult::Cancelled, buf) => buffers::give_back(buf),
            Woke::Read(StreamResult::Dropped, buf) => {
                buffers::give_back(buf);
                // The stream goes before its result is awaited: the socket
                // ends its receiving side only then.
                self.input = Half::Closed;
                if let Some(received) = self.received.take() {
                    if let Err(e) = received.await {
                        return Err(io_error("receive", e));
                    }
                }
                self.session.handle_eof();
            }
            Woke::Read(StreamResult::Complete(_), buf) => {
                if buf.capacity() == 0 {
                    // A readiness check: input is waiting.
                    self.more_input = true;
                } else {
                    self.more_input = buf.len() == buf.capacity();
                    self.session.handle_input(Instant::now(), &buf);
                    buffers::give_back(buf);
                }
            }
            Woke::Read(StreamResult::Cancelled, buf) => buffers::give_back(buf),
            Woke::Timer => self.session.handle_timeout(Instant::now()),
        }
        Ok(())
    }

    /// Hands the host the session's output (up to [`WRITE_CHUNK`] bytes)
    /// unless a write is under way; once nothing more will be sent, ends
    /// the output stream, which shuts the socket's sending side down.
    fn start_write(&mut self, now: Instant) {
        if self.session.has_output() {
            // Offered even while a write is under way: this starts the
            // session's write-progress timer.
            let pending = self.session.poll_output(now);
            if let Half::Idle(_) = self.output {
                let Half::Idle(mut output) = std::mem::replace(&mut self.output, Half::Closed) else {
                    unreachable!("matched above")
                };
                let mut buf = buffers::take();
                buf.extend_from_slice(&pending[..pending.len().min(WRITE_CHUNK)]);
                self.output = Half::Busy(Box::pin(async move {
                    let (result, rest) = output.write(buf).await;
                    (output, result, rest.into_vec())
                }));
            }
        } else if self.session.wants_write_shutdown() && matches!(self.output, Half::Idle(_)) {
            self.output = Half::Closed;
        }
    }

    /// Starts a read if the session wants input and none is under way: a
    /// zero-length one (a readiness check, holding no buffer) unless the
    /// last read suggests more input is waiting.
    fn start_read(&mut self) {
        if !self.session.wants_read() || !matches!(self.input, Half::Idle(_)) {
            return;
        }
        let Half::Idle(mut input) = std::mem::replace(&mut self.input, Half::Closed) else {
            unreachable!("matched above")
        };
        let buf = if std::mem::take(&mut self.more_input) {
            buffers::take()
        } else {
            Vec::new()
        };
        self.input = Half::Busy(Box::pin(async move {
            let (result, buf) = input.read(buf).await;
            (input, result, buf)
        }));
    }

    /// Ends the output and waits for the socket to have sent everything
    /// (its send result), then lets the input go.
    async fn shut_down(&mut self) {
        self.output = Half::Closed;
        if let Some(sent) = self.sent.take() {
            let _ = sent.await;
        }
        self.input = Half::Closed;
    }
}
