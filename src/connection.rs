//! The connection state machine, after the opening handshake.
//!
//! Call order: feed bytes read from the transport to
//! [`Connection::handle_input`] (and its end to [`Connection::handle_eof`]),
//! then drain [`Connection::poll_event`]; write
//! [`Connection::pending_output`] to the transport and report what was
//! written with [`Connection::advance_output`]. Sending and closing only
//! queue output; nothing here performs I/O.
//!
//! Invariants:
//! - an error from `handle_input` or `handle_eof` is sticky: every later
//!   call returns it again, as does [`Connection::error`];
//! - events decoded before an error stay queued, so nothing the peer had
//!   already delivered is lost, and the failure takes effect (the
//!   connection becomes `Closed`) only once they are drained, when
//!   [`Connection::poll_event`] returns `None`: the caller can still answer
//!   them, and its answers go out before the close frame;
//! - a change of state the peer causes (its close, its end of stream) takes
//!   effect when its [`Event::Closed`] is polled, not when it is decoded, so
//!   the caller can still answer every message that came before it;
//! - once closing has begun nothing more is queued for sending but the
//!   pongs that RFC 6455 owes until the peer's close arrives (section
//!   5.5.2), and after the peer's close or end of stream no input is read
//!   as data;
//! - in RFC 6455, a peer's ping is answered with a pong as soon as it is
//!   decoded, and a connection failed by the peer's frames queues a close
//!   frame with the matching status code (1002, 1007 or 1009) as it
//!   closes: after an error, poll the remaining events, then flush
//!   [`Connection::pending_output`].

use std::collections::VecDeque;
use std::time::Duration;

use chacha20::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

use crate::entropy::Entropy;
use crate::error::{Error, FrameError, Phase, UsageError};
use crate::framing::rfc6455::{self, OpCode};
use crate::framing::{hixie, CloseBody, Decoded, Frame, Utf8Policy};
use crate::limits::Limits;
use crate::version::{Role, Version};

/// Where a connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Messages flow both ways.
    Open,
    /// This side has begun closing (hixie76: sent `FF 00`; RFC 6455: sent a
    /// close frame; hixie75: stopped sending); messages from the peer are
    /// still delivered.
    Closing,
    /// Closed: the closing handshake finished, the transport ended, or an
    /// error failed the connection.
    Closed,
}

/// A complete message from the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message.
    Text(String),
    /// A binary message: a hixie length-prefixed frame with its type byte
    /// (0x80..=0xFF), or an RFC 6455 binary message (type 0x80).
    Binary { frame_type: u8, data: Vec<u8> },
}

/// What the connection reports to its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The peer sent a message.
    Message(Message),
    /// RFC 6455: the peer sent a ping, already answered with a pong.
    Ping(Vec<u8>),
    /// RFC 6455: the peer sent a pong (usually the answer to
    /// [`Connection::ping`]).
    Pong(Vec<u8>),
    /// The connection is closed.
    Closed(Closed),
}

/// How a connection ended.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Closed {
    /// True when it ended as its version prescribes: the hixie76 or RFC
    /// 6455 closing handshake completed, or a hixie75 transport ended
    /// between frames.
    pub clean: bool,
    /// RFC 6455: the status code of the peer's close frame; `None` when it
    /// had none (1005) or the peer sent no close frame (1006).
    pub code: Option<u16>,
    /// RFC 6455: the reason in the peer's close frame (often empty).
    pub reason: String,
}

impl Closed {
    fn with_clean(clean: bool) -> Closed {
        Closed {
            clean,
            ..Closed::default()
        }
    }
}

/// The frame decoder of the connection's version.
#[derive(Debug)]
enum Decoder {
    Hixie(hixie::Decoder),
    Rfc6455(rfc6455::Decoder),
}

impl Decoder {
    fn decode<'a>(&'a mut self, input: &'a [u8]) -> Result<Decoded<'a>, FrameError> {
        match self {
            Decoder::Hixie(d) => d.decode(input),
            // Each message becomes an event that owns it: take the buffer.
            Decoder::Rfc6455(d) => d.decode_owned(input),
        }
    }

    fn is_between_frames(&self) -> bool {
        match self {
            Decoder::Hixie(d) => d.is_between_frames(),
            Decoder::Rfc6455(d) => d.is_between_frames(),
        }
    }
}

/// A WebSocket connection after a successful opening handshake.
#[derive(Debug)]
pub struct Connection {
    version: Version,
    role: Role,
    state: State,
    decoder: Decoder,
    events: VecDeque<Event>,
    /// The peer's close or end of stream has been queued: read no more.
    input_done: bool,
    /// Set when [`Event::Closed`] is polled.
    closed_clean: Option<bool>,
    out: Vec<u8>,
    out_pos: usize,
    max_pending_output: usize,
    /// RFC 6455 clients: the generator of masking keys, a ChaCha20 stream
    /// seeded from the caller's entropy.
    masks: Option<Box<MaskKeys>>,
    error: Option<Error>,
    /// `error` is set but takes effect once the events before it are polled.
    failure_pending: bool,
}

/// Masking keys from a cryptographic generator, so that a peer's
/// scripts cannot predict them (RFC 6455 section 10.3).
struct MaskKeys(ChaCha20Rng);

impl core::fmt::Debug for MaskKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("MaskKeys")
    }
}

impl Connection {
    /// A connection in the `Open` state. Handshakes make these; call this
    /// directly only when the handshake happened elsewhere. An RFC 6455
    /// client draws the seed of its masking keys from `entropy`; the other
    /// connections draw nothing.
    pub fn new(
        version: Version,
        role: Role,
        utf8: Utf8Policy,
        limits: &Limits,
        entropy: &mut dyn Entropy,
    ) -> Result<Connection, Error> {
        let mut seed = None;
        if version == Version::Rfc6455 && role == Role::Client {
            let mut s = [0u8; 32];
            entropy.fill(&mut s)?;
            seed = Some(s);
        }
        Ok(Connection::open(version, role, utf8, limits, seed))
    }

    /// A connection in the `Open` state, with the seed of its masking keys
    /// (RFC 6455 clients only).
    pub(crate) fn open(
        version: Version,
        role: Role,
        utf8: Utf8Policy,
        limits: &Limits,
        mask_seed: Option<[u8; 32]>,
    ) -> Connection {
        let decoder = match version {
            Version::Rfc6455 => Decoder::Rfc6455(rfc6455::Decoder::new(role, limits)),
            _ => Decoder::Hixie(hixie::Decoder::new(version, utf8, limits)),
        };
        Connection {
            version,
            role,
            state: State::Open,
            decoder,
            events: VecDeque::new(),
            input_done: false,
            closed_clean: None,
            out: Vec::new(),
            out_pos: 0,
            max_pending_output: limits.max_pending_output,
            masks: mask_seed.map(|seed| Box::new(MaskKeys(ChaCha20Rng::from_seed(seed)))),
            error: None,
            failure_pending: false,
        }
    }

    /// The protocol version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// This side's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Once [`Event::Closed`] has been polled, whether the close was clean.
    pub fn closed_cleanly(&self) -> Option<bool> {
        self.closed_clean
    }

    /// The error that failed the connection, if one did (set as soon as it
    /// is returned, before the events decoded ahead of it are drained).
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// Takes bytes read from the transport. Complete messages become events.
    pub fn handle_input(&mut self, mut input: &[u8]) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        while !input.is_empty() && !self.input_done {
            let (event, consumed) = match self.decoder.decode(input) {
                Ok(Decoded::Partial) => break,
                Ok(Decoded::Frame { frame, consumed }) => (to_event(frame), consumed),
                Err(e) => return Err(self.fail(e)),
            };
            input = &input[consumed..];
            match &event {
                // Section 5.5.2: every ping is answered "unless [this side]
                // already received a Close frame", even after sending one.
                Event::Ping(payload) if self.state != State::Closed => {
                    if let Err(e) = self.queue_frame(OpCode::Pong, payload) {
                        return Err(self.fail(e));
                    }
                }
                Event::Closed(_) => self.input_done = true,
                _ => {}
            }
            self.events.push_back(event);
        }
        Ok(())
    }

    /// Reports that the transport has no more input.
    pub fn handle_eof(&mut self) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if self.input_done {
            return Ok(());
        }
        if !self.decoder.is_between_frames() {
            return Err(self.fail(FrameError::Truncated));
        }
        self.input_done = true;
        // hixie75 has no closing handshake: its connections end this way.
        let clean = self.version == Version::Hixie75;
        self.events.push_back(Event::Closed(Closed::with_clean(clean)));
        Ok(())
    }

    /// Reports that the adapter's close timer, started when this side began
    /// closing, ran out (`limit` is the time it allowed). hixie75 has no
    /// closing handshake, so its connection simply ends, cleanly; in hixie76
    /// and RFC 6455 the peer failed to answer and the connection fails with
    /// [`Error::Timeout`]. Does nothing unless the connection is closing.
    pub fn handle_close_timeout(&mut self, limit: Duration) -> Result<(), Error> {
        if self.state != State::Closing || self.input_done {
            return Ok(());
        }
        if self.version == Version::Hixie75 {
            self.input_done = true;
            self.events.push_back(Event::Closed(Closed::with_clean(true)));
            return Ok(());
        }
        Err(self.fail(Error::Timeout {
            during: Phase::Closing,
            limit,
        }))
    }

    /// The next event, oldest first. Polling [`Event::Closed`] closes the
    /// connection; after the peer's close it also queues this side's reply
    /// (hixie76 `FF 00`; RFC 6455 a close frame echoing the peer's code), if
    /// this side had not sent its own. After an error, the call that finds
    /// no event left closes the connection (RFC 6455: queuing the close
    /// frame with the error's status code).
    pub fn poll_event(&mut self) -> Option<Event> {
        let Some(event) = self.events.pop_front() else {
            if std::mem::take(&mut self.failure_pending) {
                self.close_failed();
            }
            return None;
        };
        if let Event::Closed(closed) = &event {
            if closed.clean && self.state == State::Open {
                match self.version {
                    Version::Hixie76 => hixie::encode_close(&mut self.out),
                    Version::Rfc6455 => {
                        let mask = self.next_mask();
                        // The peer's code was valid to receive, so it is valid to echo.
                        let _ = rfc6455::encode_close(closed.code, "", mask, &mut self.out);
                    }
                    Version::Hixie75 => {}
                }
            }
            self.state = State::Closed;
            self.closed_clean = Some(closed.clean);
        }
        Some(event)
    }

    /// Bytes waiting to be written to the transport.
    pub fn pending_output(&self) -> &[u8] {
        &self.out[self.out_pos..]
    }

    /// Marks the first `n` bytes of [`Connection::pending_output`] as written.
    pub fn advance_output(&mut self, n: usize) {
        self.out_pos = (self.out_pos + n).min(self.out.len());
        if self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
        }
    }

    /// True once this side will send nothing more, so that after flushing
    /// [`Connection::pending_output`] the adapter should shut down writing.
    /// In hixie75 that is as soon as closing begins (it has no closing
    /// handshake); otherwise only once the closing handshake is done.
    pub fn wants_write_shutdown(&self) -> bool {
        match self.state {
            State::Open => false,
            State::Closing => self.version == Version::Hixie75,
            State::Closed => true,
        }
    }

    /// Queues a text message.
    pub fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.check_send(text.len())?;
        match self.version {
            Version::Rfc6455 => self.queue_frame(OpCode::Text, text.as_bytes())?,
            _ => hixie::encode_text(text, &mut self.out),
        }
        Ok(())
    }

    /// Queues a binary message: a length-prefixed frame of type 0x80, or an
    /// RFC 6455 binary message.
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        self.send_frame(0x80, data)
    }

    /// Queues a length-prefixed frame of any type 0x80..=0xFF (except the
    /// empty 0xFF frame, which is the hixie76 close). RFC 6455 has only
    /// type 0x80, its binary message.
    pub fn send_frame(&mut self, frame_type: u8, data: &[u8]) -> Result<(), Error> {
        self.check_send(data.len())?;
        if self.version == Version::Rfc6455 {
            if frame_type != 0x80 {
                return Err(UsageError::FrameType { frame_type }.into());
            }
            return self.queue_frame(OpCode::Binary, data);
        }
        if self.version == Version::Hixie76 && frame_type == 0xFF && data.is_empty() {
            return Err(UsageError::CloseAsData.into());
        }
        hixie::encode_binary(frame_type, data, &mut self.out)?;
        Ok(())
    }

    /// RFC 6455: queues a ping (at most 125 bytes); the peer's pong comes
    /// back as [`Event::Pong`].
    pub fn ping(&mut self, data: &[u8]) -> Result<(), Error> {
        self.send_control(OpCode::Ping, data)
    }

    /// RFC 6455: queues an unsolicited pong (at most 125 bytes), a
    /// one-way heartbeat. Pings are answered without being asked.
    pub fn pong(&mut self, data: &[u8]) -> Result<(), Error> {
        self.send_control(OpCode::Pong, data)
    }

    /// Begins closing. RFC 6455 sends code 1000 (normal closure), hixie76
    /// queues `FF 00`; both then wait for the peer's close. hixie75 stops
    /// sending and waits for the transport to end. Closing a connection
    /// that is already closing or closed does nothing.
    pub fn close(&mut self) -> Result<(), Error> {
        match self.version {
            Version::Rfc6455 => self.close_with(1000, ""),
            _ => {
                if self.state != State::Open {
                    return Ok(());
                }
                if self.version == Version::Hixie76 {
                    hixie::encode_close(&mut self.out);
                }
                self.state = State::Closing;
                Ok(())
            }
        }
    }

    /// RFC 6455: begins closing with a status `code` (1000-1003, 1007-1014
    /// or 3000-4999) and a UTF-8 `reason` of at most 123 bytes.
    pub fn close_with(&mut self, code: u16, reason: &str) -> Result<(), Error> {
        self.require_rfc6455("a close code and reason")?;
        if self.state != State::Open {
            return Ok(());
        }
        let mask = self.next_mask();
        rfc6455::encode_close(Some(code), reason, mask, &mut self.out)?;
        self.state = State::Closing;
        Ok(())
    }

    fn send_control(&mut self, opcode: OpCode, data: &[u8]) -> Result<(), Error> {
        self.require_rfc6455(match opcode {
            OpCode::Ping => "ping",
            _ => "pong",
        })?;
        if data.len() > rfc6455::MAX_CONTROL_PAYLOAD {
            return Err(UsageError::ControlTooLong { len: data.len() }.into());
        }
        self.check_send(data.len())?;
        self.queue_frame(opcode, data)
    }

    fn require_rfc6455(&self, feature: &'static str) -> Result<(), Error> {
        if self.version != Version::Rfc6455 {
            return Err(UsageError::NotInVersion {
                feature,
                version: self.version,
            }
            .into());
        }
        Ok(())
    }

    /// Queues one whole RFC 6455 frame, masked on the client side, after
    /// checking the output limit.
    fn queue_frame(&mut self, opcode: OpCode, payload: &[u8]) -> Result<(), Error> {
        self.check_room(payload.len())?;
        let mask = self.next_mask();
        rfc6455::encode_frame(true, opcode, payload, mask, &mut self.out)?;
        Ok(())
    }

    /// A fresh masking key on the client side, `None` on the server side.
    fn next_mask(&mut self) -> Option<[u8; 4]> {
        self.masks.as_mut().map(|m| m.0.next_u32().to_ne_bytes())
    }

    /// Checks that a message of `len` payload bytes may be queued: the
    /// connection is open and the output limit leaves room for it.
    fn check_send(&self, len: usize) -> Result<(), Error> {
        if self.state != State::Open {
            return Err(UsageError::NotOpen { state: self.state }.into());
        }
        self.check_room(len)
    }

    /// Checks that the output limit leaves room for a frame of `len`
    /// payload bytes (and at most 14 bytes of framing).
    fn check_room(&self, len: usize) -> Result<(), Error> {
        let queued = self.pending_output().len();
        if queued.saturating_add(len).saturating_add(14) > self.max_pending_output {
            return Err(Error::PeerNotReading {
                limit: self.max_pending_output,
            });
        }
        Ok(())
    }

    /// Records a failure and stops reading; it takes effect now, or once
    /// the events already queued have been polled.
    fn fail(&mut self, e: impl Into<Error>) -> Error {
        let e = e.into();
        self.input_done = true;
        self.error = Some(e.clone());
        if self.events.is_empty() {
            self.close_failed();
        } else {
            self.failure_pending = true;
        }
        e
    }

    /// The failure takes effect: the connection closes, in RFC 6455 with a
    /// close frame saying why.
    fn close_failed(&mut self) {
        if let (Some(Error::Frame(frame)), Version::Rfc6455, State::Open) =
            (&self.error, self.version, self.state)
        {
            // Section 7.1.7: tell the peer why, unless it is gone already.
            if *frame != FrameError::Truncated {
                let code = frame.close_code();
                let mask = self.next_mask();
                let _ = rfc6455::encode_close(Some(code), "", mask, &mut self.out);
            }
        }
        self.state = State::Closed;
    }
}

/// The event a decoded frame makes.
fn to_event(frame: Frame<'_>) -> Event {
    match frame {
        Frame::Text(text) => Event::Message(Message::Text(text.into_owned())),
        Frame::Binary { frame_type, payload } => Event::Message(Message::Binary {
            frame_type,
            data: payload.to_vec(),
        }),
        Frame::Ping(payload) => Event::Ping(payload.to_vec()),
        Frame::Pong(payload) => Event::Pong(payload.to_vec()),
        Frame::Close(body) => Event::Closed(Closed {
            clean: true,
            code: body.map(|b| b.code),
            reason: body
                .map(|b: CloseBody<'_>| b.reason.to_owned())
                .unwrap_or_default(),
        }),
    }
}
