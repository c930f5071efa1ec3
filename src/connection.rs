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
//!   call returns it again, and the connection is `Closed`;
//! - events decoded before an error stay queued, so nothing the peer had
//!   already delivered is lost;
//! - a change of state the peer causes (its close, its end of stream) takes
//!   effect when its [`Event::Closed`] is polled, not when it is decoded, so
//!   the caller can still answer every message that came before it;
//! - once closing has begun nothing more is queued for sending, and after
//!   the peer's close or end of stream no input is read as data.

use std::collections::VecDeque;
use std::time::Duration;

use crate::error::{Error, FrameError, Phase, UsageError};
use crate::framing::{hixie, Decoded, Frame, Utf8Policy};
use crate::limits::Limits;
use crate::version::{Role, Version};

/// Where a connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Messages flow both ways.
    Open,
    /// This side has begun closing (hixie76: sent `FF 00`; hixie75: stopped
    /// sending); messages from the peer are still delivered.
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
    /// A length-prefixed frame with its type byte (0x80..=0xFF).
    Binary { frame_type: u8, data: Vec<u8> },
}

/// What the connection reports to its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The peer sent a message.
    Message(Message),
    /// The connection is closed. `clean` is true when it ended as its
    /// version prescribes: the hixie76 closing handshake completed, or a
    /// hixie75 transport ended between frames.
    Closed { clean: bool },
}

/// A WebSocket connection after a successful opening handshake.
#[derive(Debug)]
pub struct Connection {
    version: Version,
    role: Role,
    state: State,
    decoder: hixie::Decoder,
    events: VecDeque<Event>,
    /// The peer's close or end of stream has been queued: read no more.
    input_done: bool,
    /// Set when [`Event::Closed`] is polled.
    closed_clean: Option<bool>,
    out: Vec<u8>,
    out_pos: usize,
    max_pending_output: usize,
    error: Option<Error>,
}

impl Connection {
    /// A connection in the `Open` state. Handshakes make these; call this
    /// directly only when the handshake happened elsewhere.
    pub fn new(version: Version, role: Role, utf8: Utf8Policy, limits: &Limits) -> Result<Connection, Error> {
        if version == Version::Rfc6455 {
            return Err(UsageError::UnsupportedVersion { version }.into());
        }
        Ok(Connection {
            version,
            role,
            state: State::Open,
            decoder: hixie::Decoder::new(version, utf8, limits),
            events: VecDeque::new(),
            input_done: false,
            closed_clean: None,
            out: Vec::new(),
            out_pos: 0,
            max_pending_output: limits.max_pending_output,
            error: None,
        })
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

    /// The error that failed the connection, if one did.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// Takes bytes read from the transport. Complete messages become events.
    pub fn handle_input(&mut self, mut input: &[u8]) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        while !input.is_empty() && !self.input_done {
            let (frame, consumed) = match self.decoder.decode(input) {
                Ok(Decoded::Partial) => break,
                Ok(Decoded::Frame { frame, consumed }) => (frame, consumed),
                Err(e) => return Err(self.fail(e)),
            };
            input = &input[consumed..];
            let event = match frame {
                Frame::Text(text) => Event::Message(Message::Text(text.into_owned())),
                Frame::Binary { frame_type, payload } => Event::Message(Message::Binary {
                    frame_type,
                    data: payload.to_vec(),
                }),
                Frame::Close => {
                    self.input_done = true;
                    Event::Closed { clean: true }
                }
            };
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
        self.events.push_back(Event::Closed { clean });
        Ok(())
    }

    /// Reports that the adapter's close timer, started when this side began
    /// closing, ran out (`limit` is the time it allowed). hixie75 has no
    /// closing handshake, so its connection simply ends, cleanly; in hixie76
    /// the peer failed to answer and the connection fails with
    /// [`Error::Timeout`]. Does nothing unless the connection is closing.
    pub fn handle_close_timeout(&mut self, limit: Duration) -> Result<(), Error> {
        if self.state != State::Closing || self.input_done {
            return Ok(());
        }
        if self.version == Version::Hixie75 {
            self.input_done = true;
            self.events.push_back(Event::Closed { clean: true });
            return Ok(());
        }
        Err(self.fail(Error::Timeout {
            during: Phase::Closing,
            limit,
        }))
    }

    /// The next event, oldest first. Polling [`Event::Closed`] closes the
    /// connection; after the peer's hixie76 close it also queues this
    /// side's `FF 00` reply, if this side had not sent one.
    pub fn poll_event(&mut self) -> Option<Event> {
        let event = self.events.pop_front()?;
        if let Event::Closed { clean } = event {
            if clean && self.state == State::Open && self.version == Version::Hixie76 {
                hixie::encode_close(&mut self.out);
            }
            self.state = State::Closed;
            self.closed_clean = Some(clean);
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
    /// handshake); in hixie76 only once the closing handshake is done.
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
        hixie::encode_text(text, &mut self.out);
        Ok(())
    }

    /// Queues a binary message: a length-prefixed frame of type 0x80.
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        self.send_frame(0x80, data)
    }

    /// Queues a length-prefixed frame of any type 0x80..=0xFF (except the
    /// empty 0xFF frame, which is the hixie76 close).
    pub fn send_frame(&mut self, frame_type: u8, data: &[u8]) -> Result<(), Error> {
        self.check_send(data.len())?;
        if self.version == Version::Hixie76 && frame_type == 0xFF && data.is_empty() {
            return Err(UsageError::CloseAsData.into());
        }
        hixie::encode_binary(frame_type, data, &mut self.out)?;
        Ok(())
    }

    /// Begins closing. hixie76 queues `FF 00` and waits for the peer's;
    /// hixie75 stops sending and waits for the transport to end. Closing a
    /// connection that is already closing or closed does nothing.
    pub fn close(&mut self) -> Result<(), Error> {
        if self.state != State::Open {
            return Ok(());
        }
        if self.version == Version::Hixie76 {
            hixie::encode_close(&mut self.out);
        }
        self.state = State::Closing;
        Ok(())
    }

    /// Checks that a message of `len` payload bytes may be queued: the
    /// connection is open and the output limit leaves room for it.
    fn check_send(&self, len: usize) -> Result<(), Error> {
        if self.state != State::Open {
            return Err(UsageError::NotOpen { state: self.state }.into());
        }
        // A frame adds at most 11 bytes to its payload.
        let queued = self.pending_output().len();
        if queued.saturating_add(len).saturating_add(11) > self.max_pending_output {
            return Err(Error::PeerNotReading {
                limit: self.max_pending_output,
            });
        }
        Ok(())
    }

    fn fail(&mut self, e: impl Into<Error>) -> Error {
        let e = e.into();
        self.state = State::Closed;
        self.input_done = true;
        self.error = Some(e.clone());
        e
    }
}
