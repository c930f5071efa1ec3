//! What the application sends: messages, whole or in parts, pings and the
//! close. Each call only queues output, after checking that the session is
//! open and that the output limit leaves room.

use std::time::Instant;

use bytes::Bytes;

use super::framing::{Framing, PartKind, MAX_OVERHEAD};
use super::{Session, State};
use crate::error::{ProtocolError, UsageError};
use crate::framing::rfc6455::{OpCode, MAX_CONTROL_PAYLOAD};
use crate::message::Message;
use crate::version::Version;

impl Session {
    /// The size from which [`Session::send`] may queue a payload by
    /// reference rather than copy it: below it, a copy costs less than
    /// another run of output (another slice of a vectored write).
    pub const SHARE_FROM: usize = 4096;

    /// Queues a text message.
    pub fn send_text(&mut self, text: &str) -> Result<(), ProtocolError> {
        let (framing, out) = self.whole(text.len())?;
        framing.text(out, text)
    }

    /// Queues a binary message: an RFC 6455 binary message, or a hixie
    /// length-prefixed frame of type 0x80.
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), ProtocolError> {
        let (framing, out) = self.whole(data.len())?;
        framing.binary(out, 0x80, data)
    }

    /// Queues a message of any kind. Cloning a [`Message`] shares its
    /// payload, so one message sent to many sessions is allocated once;
    /// each session frames it into its own output. A
    /// [`Message::HixieFrame`] is a length-prefixed frame of its type
    /// (0x80..=0xFF, but not the empty 0xFF frame, which is the hixie76
    /// close); RFC 6455 refuses it.
    ///
    /// With [`Session::set_vectored_output`] on, an RFC 6455 server's text
    /// or binary message of [`Session::SHARE_FROM`] bytes or more that goes out
    /// uncompressed is queued by reference: its payload is not copied.
    pub fn send(&mut self, message: &Message) -> Result<(), ProtocolError> {
        match message {
            Message::Text(text) if self.send_plain(OpCode::Text, text.as_bytes())? => Ok(()),
            Message::Text(text) => self.send_text(text),
            Message::Binary(data) if self.send_plain(OpCode::Binary, data)? => Ok(()),
            Message::Binary(data) => self.send_binary(data),
            Message::HixieFrame { frame_type, data } => {
                if let Some(Version::Rfc6455) = self.version {
                    return Err(UsageError::NotInVersion {
                        feature: "a hixie frame type",
                        version: Version::Rfc6455,
                    }
                    .into());
                }
                let (framing, out) = self.whole(data.len())?;
                framing.binary(out, *frame_type, data)
            }
        }
    }

    /// Queues the next part of a text message sent in parts; `last` ends
    /// it. The first part begins the message. RFC 6455 sends each part as a
    /// fragment; hixie writes the text frame as its parts come. Until the
    /// last part, only pings, pongs and the close may be sent besides.
    pub fn send_text_part(&mut self, part: &str, last: bool) -> Result<(), ProtocolError> {
        self.send_part(PartKind::Text, part.as_bytes(), last)
    }

    /// Queues the next part of a binary message sent in parts (RFC 6455
    /// only: hixie frames announce their length first), as
    /// [`Session::send_text_part`] does for text. A message far larger than
    /// [`Limits::max_pending_output`](crate::Limits) goes out this way,
    /// draining the output between parts.
    pub fn send_binary_part(&mut self, part: &[u8], last: bool) -> Result<(), ProtocolError> {
        self.send_part(PartKind::Binary, part, last)
    }

    /// RFC 6455: queues a ping (at most 125 bytes); the peer's pong comes
    /// back as [`Event::Pong`](super::Event).
    pub fn ping(&mut self, data: &[u8]) -> Result<(), ProtocolError> {
        self.require_open()?;
        self.queue_control(OpCode::Ping, data)
    }

    /// RFC 6455: queues an unsolicited pong (at most 125 bytes), a one-way
    /// heartbeat. Pings are answered without being asked.
    pub fn pong(&mut self, data: &[u8]) -> Result<(), ProtocolError> {
        self.require_open()?;
        self.queue_control(OpCode::Pong, data)
    }

    /// Begins closing at `now`, which starts the close timer. RFC 6455 sends
    /// code 1000 (normal closure), hixie76 queues `FF 00`; both then wait
    /// for the peer's close. hixie75 stops sending and waits for the
    /// transport to end. Closing a session that is already closing or
    /// closed does nothing.
    pub fn close(&mut self, now: Instant) -> Result<(), ProtocolError> {
        let code = (self.version == Some(Version::Rfc6455)).then_some(1000);
        self.begin_close(now, code, "")
    }

    /// RFC 6455: begins closing with a status `code` (1000-1003, 1007-1014
    /// or 3000-4999) and a UTF-8 `reason` of at most 123 bytes.
    pub fn close_with(&mut self, now: Instant, code: u16, reason: &str) -> Result<(), ProtocolError> {
        if let Some(version) = self.version.filter(|v| *v != Version::Rfc6455) {
            return Err(UsageError::NotInVersion {
                feature: "a close code and reason",
                version,
            }
            .into());
        }
        self.begin_close(now, Some(code), reason)
    }

    fn begin_close(&mut self, now: Instant, code: Option<u16>, reason: &str) -> Result<(), ProtocolError> {
        match self.state {
            State::Open => {}
            State::Handshaking => return Err(UsageError::HandshakeIncomplete.into()),
            State::Closing | State::Closed => return Ok(()),
        }
        let framing = self.framing.as_mut().expect("open");
        framing.close(self.out.room(MAX_OVERHEAD + MAX_CONTROL_PAYLOAD), code, reason)?;
        self.state = State::Closing;
        self.timers.close_from(now);
        Ok(())
    }

    fn send_part(&mut self, kind: PartKind, data: &[u8], last: bool) -> Result<(), ProtocolError> {
        self.require_open()?;
        self.framing.as_ref().expect("open").check_part(kind)?;
        self.check_room(data.len())?;
        let out = self.out.room(data.len() + MAX_OVERHEAD);
        self.framing.as_mut().expect("open").part(out, kind, data, last)
    }

    /// Queues a ping or pong: RFC 6455 only, at most 125 bytes.
    pub(super) fn queue_control(&mut self, opcode: OpCode, data: &[u8]) -> Result<(), ProtocolError> {
        if data.len() > MAX_CONTROL_PAYLOAD {
            return Err(UsageError::ControlTooLong { len: data.len() }.into());
        }
        self.check_room(data.len())?;
        let out = self.out.room(data.len() + MAX_OVERHEAD);
        self.framing.as_mut().expect("open").control(out, opcode, data)
    }

    /// Queues a whole message of `Session::SHARE_FROM` bytes or more whose payload
    /// needs no encoding as its header and the payload itself (by reference
    /// with vectored output on); false, with nothing queued, for any other.
    fn send_plain(&mut self, opcode: OpCode, payload: &Bytes) -> Result<bool, ProtocolError> {
        if payload.len() < Self::SHARE_FROM {
            return Ok(false);
        }
        let (framing, out) = self.whole(payload.len())?;
        let plain = framing.plain_header(out, opcode, payload.len());
        if plain {
            self.out.push_payload(payload);
        }
        Ok(plain)
    }

    /// The framing and the output for a whole message of `len` bytes, once
    /// checked that one may be sent.
    fn whole(&mut self, len: usize) -> Result<(&mut Framing, &mut Vec<u8>), ProtocolError> {
        self.require_open()?;
        self.check_room(len)?;
        let framing = self.framing.as_mut().expect("open");
        if framing.in_part() {
            return Err(UsageError::MessageInProgress.into());
        }
        Ok((framing, self.out.room(len + MAX_OVERHEAD)))
    }

    fn require_open(&self) -> Result<(), ProtocolError> {
        match self.state {
            State::Open => Ok(()),
            State::Handshaking => Err(UsageError::HandshakeIncomplete.into()),
            state => Err(UsageError::NotOpen { state }.into()),
        }
    }

    /// Checks that the output limit leaves room for a frame of `len`
    /// payload bytes and its framing.
    fn check_room(&self, len: usize) -> Result<(), ProtocolError> {
        let queued = self.out.len();
        if queued.saturating_add(len).saturating_add(MAX_OVERHEAD) > self.limits.max_pending_output {
            return Err(ProtocolError::PeerNotReading {
                limit: self.limits.max_pending_output,
            });
        }
        Ok(())
    }
}
