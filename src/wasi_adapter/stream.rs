//! A WebSocket connection over a pair of `wasi:io` streams.

use wasi::clocks::monotonic_clock;
use wasi::io::poll::{poll, Pollable};
use wasi::io::streams::{InputStream, OutputStream, StreamError};
use wasi::sockets::tcp::{ShutdownType, TcpSocket};

use super::{deadline_after, io_error};
use crate::{
    ClientConfig, ClientHandshake, Closed, Connection, Entropy, Error, Event, HandshakeError,
    HandshakeResponse, Limits, Message, Phase, Request, Role, ServerConfig, ServerHandshake, ServerPolicy,
    State, Status, UsageError, Version, WsUrl,
};

/// Most bytes asked of the input stream at once.
const READ_CHUNK: u64 = 64 * 1024;

/// Where a stream connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamState {
    /// The opening handshake is under way.
    Handshaking,
    /// Messages flow both ways.
    Open,
    /// This side has begun closing.
    Closing,
    /// Closed or failed.
    Closed,
}

/// What a stream connection reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    /// The opening handshake completed.
    Opened,
    /// The peer sent a message.
    Message(Message),
    /// RFC 6455: the peer sent a ping, already answered.
    Ping(Vec<u8>),
    /// RFC 6455: the peer sent a pong.
    Pong(Vec<u8>),
    /// The connection closed, as in [`Event::Closed`].
    Closed(Closed),
}

enum Stage {
    Server {
        handshake: ServerHandshake,
        policy: ServerPolicy,
    },
    Client(ClientHandshake),
    Open(Connection),
    Failed,
}

/// A WebSocket connection over `wasi:io` streams.
pub struct StreamConnection {
    // Fields drop in order: the pollable before its stream, the streams
    // before the socket they belong to.
    /// The input's pollable, made once: a wait costs one call, not three.
    input_ready: Pollable,
    input: InputStream,
    output: Option<OutputStream>,
    socket: Option<TcpSocket>,
    role: Role,
    stage: Stage,
    limits: Limits,
    /// Handshake bytes (request, response or rejection) not yet written.
    out: Vec<u8>,
    out_pos: usize,
    /// Monotonic-clock instant when the handshake or the close times out.
    deadline: Option<u64>,
    /// Monotonic-clock instant when output that makes no progress times out.
    write_deadline: Option<u64>,
    /// Bytes were written whose flush has not been seen to complete. The
    /// output must not be dropped then: a host may discard what it holds.
    unflushed: bool,
    opened: bool,
    version: Option<Version>,
    request: Option<Request>,
    response: Option<HandshakeResponse>,
    eof: bool,
    error: Option<Error>,
}

impl StreamConnection {
    fn new(input: InputStream, output: OutputStream, role: Role, stage: Stage, limits: Limits) -> Self {
        StreamConnection {
            input_ready: input.subscribe(),
            input,
            output: Some(output),
            socket: None,
            role,
            stage,
            deadline: Some(deadline_after(limits.handshake_timeout)),
            write_deadline: None,
            limits,
            out: Vec::new(),
            out_pos: 0,
            unflushed: false,
            opened: false,
            version: None,
            request: None,
            response: None,
            eof: false,
            error: None,
        }
    }

    /// The server side of an accepted connection. No I/O happens until the
    /// connection is driven.
    pub fn accept(
        input: InputStream,
        output: OutputStream,
        config: ServerConfig,
        policy: ServerPolicy,
    ) -> Self {
        let limits = config.limits.clone();
        let stage = Stage::Server {
            handshake: ServerHandshake::new(config),
            policy,
        };
        StreamConnection::new(input, output, Role::Server, stage, limits)
    }

    /// The client side over streams connected to the server of `url`. The
    /// request is queued; it is sent as the connection is driven.
    pub fn client(
        input: InputStream,
        output: OutputStream,
        url: &WsUrl,
        config: ClientConfig,
        entropy: &mut dyn Entropy,
    ) -> Result<Self, Error> {
        let limits = config.limits.clone();
        let version = config.version;
        let handshake = ClientHandshake::new(url, config, entropy)?;
        let request = handshake.request().to_vec();
        let mut conn = StreamConnection::new(input, output, Role::Client, Stage::Client(handshake), limits);
        conn.out = request;
        conn.version = Some(version);
        Ok(conn)
    }

    /// Makes the connection own the socket its streams came from.
    pub(crate) fn with_socket(mut self, socket: TcpSocket) -> Self {
        self.socket = Some(socket);
        self
    }

    /// The state.
    pub fn state(&self) -> StreamState {
        match &self.stage {
            Stage::Server { .. } | Stage::Client(_) => StreamState::Handshaking,
            Stage::Open(conn) => match conn.state() {
                State::Open => StreamState::Open,
                State::Closing => StreamState::Closing,
                State::Closed => StreamState::Closed,
            },
            Stage::Failed => StreamState::Closed,
        }
    }

    /// This side's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The version, once known.
    pub fn version(&self) -> Option<Version> {
        self.version
    }

    /// Server side: the client's request, once read.
    pub fn request(&self) -> Option<&Request> {
        self.request.as_ref()
    }

    /// Client side: what the server's response said, once read.
    pub fn response(&self) -> Option<&HandshakeResponse> {
        self.response.as_ref()
    }

    /// Ready when the connection can make progress: room for waiting output
    /// (or the end of a flush before sending shuts down), or input to read.
    pub fn subscribe(&self) -> Pollable {
        let waiting_to_send = !self.pending().is_empty() || (self.unflushed && self.done_sending());
        match &self.output {
            Some(output) if waiting_to_send => output.subscribe(),
            _ => self.input.subscribe(),
        }
    }

    /// The monotonic-clock instant (`wasi:clocks/monotonic-clock`) of the
    /// next time-out: the handshake, the close or stalled output. A
    /// multiplexer should also wake then (`subscribe-instant`) and call
    /// [`StreamConnection::poll_event`], which reports it.
    pub fn deadline(&self) -> Option<u64> {
        match (self.deadline, self.write_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Does whatever I/O is possible without blocking, then returns the next
    /// event, if any. Errors are final.
    pub fn poll_event(&mut self) -> Result<Option<StreamEvent>, Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        self.step().inspect_err(|e| self.fail(e))
    }

    /// Blocks until the next message; `None` once closed. On an error,
    /// what was queued for the peer (such as the HTTP response refusing its
    /// handshake) is written before the error is returned.
    pub fn read_message(&mut self) -> Result<Option<Message>, Error> {
        loop {
            let event = self.poll_event().inspect_err(|_| {
                let _ = self.flush();
            })?;
            match event {
                Some(StreamEvent::Message(m)) => return Ok(Some(m)),
                Some(StreamEvent::Opened | StreamEvent::Ping(_) | StreamEvent::Pong(_)) => {}
                Some(StreamEvent::Closed(_)) => {
                    self.flush()?;
                    return Ok(None);
                }
                None if self.state() == StreamState::Closed => return Ok(None),
                None => self.wait(),
            }
        }
    }

    /// Queues a text message and writes what the stream takes now.
    pub fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.open()?.send_text(text)?;
        self.write_ready()
    }

    /// Queues a length-prefixed frame and writes what the stream takes now.
    pub fn send_frame(&mut self, frame_type: u8, data: &[u8]) -> Result<(), Error> {
        self.open()?.send_frame(frame_type, data)?;
        self.write_ready()
    }

    /// RFC 6455: queues a ping and writes what the stream takes now.
    pub fn ping(&mut self, data: &[u8]) -> Result<(), Error> {
        self.open()?.ping(data)?;
        self.write_ready()
    }

    /// Begins closing; keep reading until the connection reports closed.
    pub fn close(&mut self) -> Result<(), Error> {
        self.closing(Connection::close)
    }

    /// RFC 6455: begins closing with a status code and reason.
    pub fn close_with(&mut self, code: u16, reason: &str) -> Result<(), Error> {
        self.closing(|conn| conn.close_with(code, reason))
    }

    fn closing(&mut self, close: impl FnOnce(&mut Connection) -> Result<(), Error>) -> Result<(), Error> {
        let was_open = self.open()?.state() == State::Open;
        close(self.open()?)?;
        if was_open {
            self.deadline = Some(deadline_after(self.limits.close_timeout));
        }
        self.write_ready()
    }

    /// Blocks until every queued byte has been written and flushed.
    pub fn flush(&mut self) -> Result<(), Error> {
        loop {
            self.write_ready()?;
            let Some(output) = &self.output else { return Ok(()) };
            if !self.pending().is_empty() {
                output.subscribe().block();
            } else if self.unflushed {
                output.blocking_flush().map_err(|e| stream_error("flush", e))?;
                self.unflushed = false;
            } else {
                return Ok(());
            }
        }
    }

    fn open(&mut self) -> Result<&mut Connection, Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        match &mut self.stage {
            Stage::Open(conn) => Ok(conn),
            _ => Err(UsageError::HandshakeIncomplete.into()),
        }
    }

    fn fail(&mut self, e: &Error) {
        self.error = Some(e.clone());
        if let Stage::Open(conn) = &self.stage {
            // Keep what the connection queued to say why (an RFC 6455 close).
            self.out.drain(..self.out_pos);
            self.out_pos = 0;
            self.out.extend_from_slice(conn.pending_output());
        }
        self.stage = Stage::Failed;
    }

    fn step(&mut self) -> Result<Option<StreamEvent>, Error> {
        loop {
            if let Some(event) = self.next_event()? {
                if let StreamEvent::Closed(_) = event {
                    self.deadline = None;
                    self.write_ready()?;
                }
                return Ok(Some(event));
            }
            self.write_ready()?;
            self.check_deadline()?;
            if !self.read_ready()? {
                return Ok(None);
            }
        }
    }

    /// The next event; once the connection's events are drained, the error
    /// that failed it, if one did (so nothing decoded before it is lost).
    fn next_event(&mut self) -> Result<Option<StreamEvent>, Error> {
        if std::mem::take(&mut self.opened) {
            return Ok(Some(StreamEvent::Opened));
        }
        let Stage::Open(conn) = &mut self.stage else {
            return Ok(None);
        };
        let Some(event) = conn.poll_event() else {
            return conn.error().map_or(Ok(None), |e| Err(e.clone()));
        };
        Ok(Some(match event {
            Event::Message(m) => StreamEvent::Message(m),
            Event::Ping(p) => StreamEvent::Ping(p),
            Event::Pong(p) => StreamEvent::Pong(p),
            Event::Closed(c) => StreamEvent::Closed(c),
        }))
    }

    /// Bytes waiting to be written: handshake bytes first, then frames.
    fn pending(&self) -> &[u8] {
        if self.out_pos < self.out.len() {
            return &self.out[self.out_pos..];
        }
        match &self.stage {
            Stage::Open(conn) => conn.pending_output(),
            _ => &[],
        }
    }

    /// True once nothing more will be sent: the output can go when flushed.
    fn done_sending(&self) -> bool {
        match &self.stage {
            Stage::Open(conn) => conn.wants_write_shutdown(),
            Stage::Failed => true,
            _ => false,
        }
    }

    /// Writes as much as the output's `check-write` budget allows, then
    /// requests a flush; once nothing more will be sent and the flush is
    /// done, shuts down sending.
    fn write_ready(&mut self) -> Result<(), Error> {
        let Some(output) = &self.output else { return Ok(()) };
        let check = |o: &OutputStream| o.check_write().map_err(|e| stream_error("check-write", e));
        // While a flush is pending, check-write answers 0.
        if self.unflushed && check(output)? > 0 {
            self.unflushed = false;
        }
        let mut wrote = false;
        loop {
            let pending = if self.out_pos < self.out.len() {
                &self.out[self.out_pos..]
            } else if let Stage::Open(conn) = &self.stage {
                conn.pending_output()
            } else {
                &[][..]
            };
            if pending.is_empty() {
                break;
            }
            let budget = check(output)?;
            if budget == 0 {
                break;
            }
            let n = pending.len().min(usize::try_from(budget).unwrap_or(usize::MAX));
            output
                .write(&pending[..n])
                .map_err(|e| stream_error("write", e))?;
            wrote = true;
            if self.out_pos < self.out.len() {
                self.out_pos += n;
            } else if let Stage::Open(conn) = &mut self.stage {
                conn.advance_output(n);
            }
        }
        if wrote {
            output.flush().map_err(|e| stream_error("flush", e))?;
            self.unflushed = true;
        }
        // Output that waits for the peer must make progress in time.
        if self.pending().is_empty() || wrote {
            self.write_deadline = None;
        }
        if !self.pending().is_empty() && self.write_deadline.is_none() {
            self.write_deadline = Some(deadline_after(self.limits.write_timeout));
        }
        // A host may discard unflushed bytes when the output is dropped.
        if self.done_sending() && self.pending().is_empty() && !self.unflushed {
            self.shutdown_send();
        }
        Ok(())
    }

    fn shutdown_send(&mut self) {
        // Dropping the output stream ends the host's sending side; an owned
        // socket is shut down explicitly.
        if self.output.take().is_some() {
            if let Some(socket) = &self.socket {
                let _ = socket.shutdown(ShutdownType::Send);
            }
        }
    }

    /// Reads what is available now and feeds it on. False when nothing was.
    fn read_ready(&mut self) -> Result<bool, Error> {
        if self.eof || matches!(self.stage, Stage::Failed) {
            return Ok(false);
        }
        match self.input.read(READ_CHUNK) {
            Ok(bytes) if bytes.is_empty() => Ok(false),
            Ok(bytes) => self.feed(&bytes).map(|()| true),
            Err(StreamError::Closed) => {
                self.eof = true;
                self.feed_eof().map(|()| true)
            }
            Err(e) => Err(stream_error("read", e)),
        }
    }

    fn feed(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let stage = std::mem::replace(&mut self.stage, Stage::Failed);
        self.stage = match stage {
            Stage::Open(mut conn) => {
                // An error is sticky; `next_event` reports it after the
                // events decoded before it.
                let _ = conn.handle_input(bytes);
                Stage::Open(conn)
            }
            Stage::Server {
                mut handshake,
                policy,
            } => {
                let status = handshake
                    .handle_input(bytes)
                    .inspect_err(|e| self.reject(&handshake, e))?;
                let Status::Complete { consumed } = status else {
                    self.stage = Stage::Server { handshake, policy };
                    return Ok(());
                };
                let request = handshake.request().expect("complete").clone();
                let protocol = policy
                    .check(&request)
                    .map_err(Error::from)
                    .inspect_err(|e| self.reject(&handshake, e))?;
                let (response, conn) = handshake.accept(protocol.as_deref())?;
                self.out.extend_from_slice(&response);
                self.version = Some(request.version);
                self.request = Some(request);
                self.opened(conn, &bytes[consumed..])?
            }
            Stage::Client(mut handshake) => match handshake.handle_input(bytes)? {
                Status::Partial => Stage::Client(handshake),
                Status::Complete { consumed } => {
                    let (conn, response) = handshake.into_connection()?;
                    self.response = Some(response);
                    self.opened(conn, &bytes[consumed..])?
                }
            },
            Stage::Failed => Stage::Failed,
        };
        Ok(())
    }

    fn opened(&mut self, mut conn: Connection, leftover: &[u8]) -> Result<Stage, Error> {
        self.opened = true;
        self.deadline = None;
        // As in `feed`: an error here is reported after the events before it.
        let _ = conn.handle_input(leftover);
        Ok(Stage::Open(conn))
    }

    /// Queues the HTTP response for a refused request.
    fn reject(&mut self, handshake: &ServerHandshake, e: &Error) {
        if let Some(refusal) = handshake.refusal(e) {
            self.out = refusal;
            self.out_pos = 0;
        }
    }

    fn feed_eof(&mut self) -> Result<(), Error> {
        match &mut self.stage {
            Stage::Open(conn) => {
                let _ = conn.handle_eof();
                Ok(())
            }
            Stage::Client(handshake) => handshake.handle_eof(),
            Stage::Server { .. } => Err(HandshakeError::UnexpectedEof { from: Role::Client }.into()),
            Stage::Failed => Ok(()),
        }
    }

    fn check_deadline(&mut self) -> Result<(), Error> {
        if self.deadline.is_none() && self.write_deadline.is_none() {
            return Ok(());
        }
        let now = monotonic_clock::now();
        if self.write_deadline.is_some_and(|d| now >= d) {
            return Err(Error::Timeout {
                during: Phase::Writing,
                limit: self.limits.write_timeout,
            });
        }
        let Some(deadline) = self.deadline else {
            return Ok(());
        };
        if now < deadline {
            return Ok(());
        }
        self.deadline = None;
        match &mut self.stage {
            Stage::Open(conn) => conn.handle_close_timeout(self.limits.close_timeout),
            Stage::Failed => Ok(()),
            _ => Err(Error::Timeout {
                during: Phase::Handshake,
                limit: self.limits.handshake_timeout,
            }),
        }
    }

    /// Blocks until input, room for waiting output, or a deadline. Input is
    /// watched even while output waits, so a peer that reads nothing cannot
    /// stall this side: its input still arrives and the limits apply.
    fn wait(&self) {
        let output = self
            .output
            .as_ref()
            .filter(|_| !self.pending().is_empty() || self.unflushed)
            .map(OutputStream::subscribe);
        let deadline = self.deadline().map(monotonic_clock::subscribe_instant);
        let mut pollables = Vec::with_capacity(3);
        if !self.eof {
            pollables.push(&self.input_ready);
        }
        pollables.extend(output.as_ref());
        pollables.extend(deadline.as_ref());
        match pollables[..] {
            [] => {}
            // The common case, reading: one call, no list to pass.
            [one] => one.block(),
            _ => drop(poll(&pollables)),
        }
    }
}

fn stream_error(what: &str, e: StreamError) -> Error {
    match e {
        StreamError::LastOperationFailed(detail) => io_error(what, detail.to_debug_string()),
        StreamError::Closed => {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, format!("{what}: stream closed")).into()
        }
    }
}
