//! The frames of an open session's version: decoding them into events and
//! encoding what the caller sends, whole or in parts.

use std::borrow::Cow;

use bytes::Bytes;
use chacha20::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

use super::event::{Closed, Event};
use crate::deflate::{DeflateConfig, DeflateParams};
use crate::error::{FrameError, ProtocolError, UsageError};
use crate::framing::rfc6455::{self, OpCode};
use crate::framing::{hixie, CloseBody, Frame, Utf8Policy};
use crate::limits::Limits;
use crate::message::Message;
use crate::version::{Role, Version};
use crate::Status;

/// The frame decoder of the session's version.
#[derive(Debug)]
enum Decoder {
    Hixie(hixie::Decoder),
    Rfc6455(rfc6455::Decoder),
}

/// Masking keys from a cryptographic generator, so that a peer's scripts
/// cannot predict them (RFC 6455 section 10.3).
struct MaskKeys(ChaCha20Rng);

impl core::fmt::Debug for MaskKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("MaskKeys")
    }
}

/// The kind of a message being sent in parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PartKind {
    Text,
    Binary,
}

#[derive(Debug)]
pub(crate) struct Framing {
    version: Version,
    decoder: Decoder,
    /// RFC 6455 clients: the generator of masking keys, seeded from the
    /// caller's entropy.
    masks: Option<Box<MaskKeys>>,
    /// A message sent in parts is under way.
    part: Option<PartKind>,
    /// RFC 6455 data frames, compressed when permessage-deflate was
    /// agreed.
    encoder: rfc6455::Encoder,
}

/// Most bytes of framing around one frame's payload: an RFC 6455 header
/// with a 64-bit length and a masking key.
pub(crate) const MAX_OVERHEAD: usize = 14;

impl Framing {
    pub(crate) fn new(
        version: Version,
        role: Role,
        utf8: Utf8Policy,
        limits: &Limits,
        mask_seed: Option<[u8; 32]>,
        deflate: Option<(DeflateParams, DeflateConfig)>,
    ) -> Framing {
        let decoder = match version {
            Version::Rfc6455 => {
                let decoder = rfc6455::Decoder::new(role, limits);
                Decoder::Rfc6455(match &deflate {
                    Some((params, _)) => decoder.with_deflate(params),
                    None => decoder,
                })
            }
            _ => Decoder::Hixie(hixie::Decoder::new(version, utf8, limits)),
        };
        Framing {
            version,
            decoder,
            masks: mask_seed.map(|seed| Box::new(MaskKeys(ChaCha20Rng::from_seed(seed)))),
            part: None,
            encoder: match deflate {
                Some((params, config)) => rfc6455::Encoder::with_deflate(role, &params, &config),
                None => rfc6455::Encoder::new(),
            },
        }
    }

    /// The next event in `input` and the bytes it took, or `None` when the
    /// input ends inside a frame (it is buffered).
    pub(crate) fn decode(&mut self, input: &[u8]) -> Result<Option<(Event, usize)>, FrameError> {
        let decoded = match &mut self.decoder {
            // Each message becomes an event that owns it: take the buffer.
            Decoder::Hixie(d) => d.decode_owned(input)?,
            Decoder::Rfc6455(d) => d.decode_owned(input)?,
        };
        Ok(match decoded {
            Status::Partial => None,
            Status::Complete {
                value: frame,
                consumed,
            } => Some((to_event(frame), consumed)),
        })
    }

    /// True when no frame or fragmented message is half read.
    pub(crate) fn is_between_frames(&self) -> bool {
        match &self.decoder {
            Decoder::Hixie(d) => d.is_between_frames(),
            Decoder::Rfc6455(d) => d.is_between_frames(),
        }
    }

    /// True while a message sent in parts is unfinished.
    pub(crate) fn in_part(&self) -> bool {
        self.part.is_some()
    }

    /// Encodes a whole text message.
    pub(crate) fn text(&mut self, out: &mut Vec<u8>, text: &str) -> Result<(), ProtocolError> {
        match self.version {
            Version::Rfc6455 => self.data_frame(out, true, OpCode::Text, text.as_bytes()),
            _ => {
                hixie::encode_text(text, out);
                Ok(())
            }
        }
    }

    /// Encodes a whole binary message: a length-prefixed frame of
    /// `frame_type` (RFC 6455: only 0x80, checked by the caller).
    pub(crate) fn binary(
        &mut self,
        out: &mut Vec<u8>,
        frame_type: u8,
        data: &[u8],
    ) -> Result<(), ProtocolError> {
        match self.version {
            Version::Rfc6455 => self.data_frame(out, true, OpCode::Binary, data),
            Version::Hixie76 if frame_type == 0xFF && data.is_empty() => Err(UsageError::CloseAsData.into()),
            _ => Ok(hixie::encode_binary(frame_type, data, out)?),
        }
    }

    /// Checks that a part of `kind` may be sent now.
    pub(crate) fn check_part(&self, kind: PartKind) -> Result<(), ProtocolError> {
        match self.part {
            Some(current) if current != kind => Err(UsageError::MessageInProgress.into()),
            None if kind == PartKind::Binary && self.version != Version::Rfc6455 => {
                Err(UsageError::NotInVersion {
                    feature: "a binary message in parts (hixie frames announce their length first)",
                    version: self.version,
                }
                .into())
            }
            _ => Ok(()),
        }
    }

    /// Encodes one part of a message (checked by [`Framing::check_part`]):
    /// an RFC 6455 fragment, or the next bytes of a hixie text frame.
    pub(crate) fn part(
        &mut self,
        out: &mut Vec<u8>,
        kind: PartKind,
        data: &[u8],
        last: bool,
    ) -> Result<(), ProtocolError> {
        let first = self.part.is_none();
        self.part = (!last).then_some(kind);
        if self.version == Version::Rfc6455 {
            let opcode = match (first, kind) {
                (false, _) => OpCode::Continuation,
                (true, PartKind::Text) => OpCode::Text,
                (true, PartKind::Binary) => OpCode::Binary,
            };
            return self.data_frame(out, last, opcode, data);
        }
        if first {
            out.push(0x00);
        }
        out.extend_from_slice(data);
        if last {
            out.push(0xFF);
        }
        Ok(())
    }

    /// Encodes an RFC 6455 ping or pong.
    pub(crate) fn control(
        &mut self,
        out: &mut Vec<u8>,
        opcode: OpCode,
        data: &[u8],
    ) -> Result<(), ProtocolError> {
        if self.version != Version::Rfc6455 {
            return Err(UsageError::NotInVersion {
                feature: if opcode == OpCode::Ping { "ping" } else { "pong" },
                version: self.version,
            }
            .into());
        }
        self.frame(out, true, opcode, data)
    }

    /// Encodes this side's close: RFC 6455 a close frame with `code` and
    /// `reason`, hixie76 `FF 00` (ending a text frame sent in parts first,
    /// which would otherwise swallow it), hixie75 nothing.
    pub(crate) fn close(
        &mut self,
        out: &mut Vec<u8>,
        code: Option<u16>,
        reason: &str,
    ) -> Result<(), ProtocolError> {
        match self.version {
            Version::Rfc6455 => {
                let mask = self.next_mask();
                Ok(rfc6455::encode_close(code, reason, mask, out)?)
            }
            Version::Hixie76 => {
                if self.part.take().is_some() {
                    out.push(0xFF);
                }
                hixie::encode_close(out);
                Ok(())
            }
            Version::Hixie75 => Ok(()),
        }
    }

    /// Encodes a frame of a data message, compressed when permessage-deflate
    /// is on and the message is worth it (one sent in parts always is: its
    /// size is not known when it begins).
    fn data_frame(
        &mut self,
        out: &mut Vec<u8>,
        fin: bool,
        opcode: OpCode,
        payload: &[u8],
    ) -> Result<(), ProtocolError> {
        let mask = self.next_mask();
        Ok(self.encoder.encode(fin, opcode, payload, mask, out)?)
    }

    /// Appends the header of a whole RFC 6455 data message of `len` bytes
    /// that goes out as it is (a server's, not compressed), for its payload
    /// to follow without being encoded; false, with nothing appended,
    /// where the payload must be encoded (hixie, a client's masked frames,
    /// a compressed message).
    pub(crate) fn plain_header(&mut self, out: &mut Vec<u8>, opcode: OpCode, len: usize) -> bool {
        let plain = self.version == Version::Rfc6455 && self.masks.is_none() && self.encoder.sends_plain(len);
        if plain {
            rfc6455::encode_header(true, false, opcode, len, None, out);
        }
        plain
    }

    fn frame(
        &mut self,
        out: &mut Vec<u8>,
        fin: bool,
        opcode: OpCode,
        payload: &[u8],
    ) -> Result<(), ProtocolError> {
        let mask = self.next_mask();
        Ok(rfc6455::encode_frame(fin, opcode, payload, mask, out)?)
    }

    /// A fresh masking key on the client side, `None` on the server side.
    fn next_mask(&mut self) -> Option<[u8; 4]> {
        self.masks.as_mut().map(|m| m.0.next_u32().to_ne_bytes())
    }
}

/// The event a decoded frame makes. A payload the decoder handed over is
/// kept as it is; one borrowed from the input is copied once.
fn to_event(frame: Frame<'_>) -> Event {
    match frame {
        Frame::Text(text) => Event::Message(Message::Text(text.into_owned().into())),
        Frame::Binary(payload) => Event::Message(Message::Binary(shared(payload))),
        Frame::HixieFrame { frame_type, payload } => Event::Message(Message::HixieFrame {
            frame_type,
            data: shared(payload),
        }),
        Frame::Ping(payload) => Event::Ping(Bytes::copy_from_slice(payload)),
        Frame::Pong(payload) => Event::Pong(Bytes::copy_from_slice(payload)),
        Frame::Close(body) => Event::Closed(Closed {
            clean: true,
            code: body.map(|b| b.code),
            reason: body
                .map(|b: CloseBody<'_>| b.reason.to_owned())
                .unwrap_or_default(),
        }),
    }
}

fn shared(payload: Cow<'_, [u8]>) -> Bytes {
    match payload {
        Cow::Owned(owned) => Bytes::from(owned),
        Cow::Borrowed(borrowed) => Bytes::copy_from_slice(borrowed),
    }
}
