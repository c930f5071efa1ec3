//! The frame format of hixie-75 and hixie-76.
//!
//! A frame starts with a type byte. With the high bit clear, the payload
//! runs to the next `0xFF` (a *sentinel* frame; type 0x00 is text, other
//! types are discarded). With the high bit set, a big-endian base-128
//! length follows, then that many payload bytes (a *length-prefixed*
//! frame). In hixie76 the empty frame of type 0xFF (`FF 00`) is the closing
//! handshake.
//!
//! ```
//! use websocket_engine::framing::{hixie, Frame, Utf8Policy};
//! use websocket_engine::Status;
//! use websocket_engine::{Limits, Version};
//!
//! let mut wire = Vec::new();
//! hixie::encode_text("héllo", &mut wire);
//! hixie::encode_close(&mut wire);
//!
//! let mut decoder = hixie::Decoder::new(Version::Hixie76, Utf8Policy::Strict, &Limits::default());
//! let Status::Complete { value: frame, consumed } = decoder.decode(&wire).unwrap() else { panic!() };
//! assert_eq!(frame, Frame::Text("héllo".into()));
//! let Status::Complete { value: frame, .. } = decoder.decode(&wire[consumed..]).unwrap() else { panic!() };
//! assert_eq!(frame, Frame::Close(None));
//! ```

use memchr::memchr;

use std::borrow::Cow;

use super::{payload as payload_of, Frame, Utf8Policy};
use crate::error::{FrameError, UsageError};
use crate::limits::Limits;
use crate::version::Version;
use crate::Status;

/// The hixie-76 closing handshake.
pub const CLOSE_FRAME: [u8; 2] = [0xFF, 0x00];

/// The longest length prefix read: 10 base-128 digits cover 64 bits.
const MAX_LENGTH_BYTES: u8 = 10;

/// A streaming decoder for hixie frames.
///
/// Feed it input with [`Decoder::decode`] in chunks of any size; the frames
/// it yields do not depend on how the input was split. A frame that lies
/// whole in one call's input is borrowed from it without copying; one that
/// spans calls is gathered in a buffer bounded by the limits.
#[derive(Debug)]
pub struct Decoder {
    version: Version,
    utf8: Utf8Policy,
    max_message: usize,
    max_frame: usize,
    state: State,
    buf: Vec<u8>,
    /// `buf` holds the payload of the frame returned last.
    stale: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    FrameType,
    Sentinel { frame_type: u8, seen: usize },
    Length { frame_type: u8, length: u64, digits: u8 },
    Payload { frame_type: u8, remaining: usize },
}

/// Where a complete frame's payload lies.
enum Payload {
    Input(usize, usize),
    Buffer,
}

enum Step {
    Partial,
    Ready {
        frame_type: u8,
        payload: Payload,
        consumed: usize,
    },
}

impl Decoder {
    /// A decoder for `version` (hixie75 or hixie76), with the message and
    /// frame size limits of `limits`.
    pub fn new(version: Version, utf8: Utf8Policy, limits: &Limits) -> Decoder {
        Decoder {
            version,
            utf8,
            max_message: limits.max_message_bytes,
            max_frame: limits.max_frame_bytes,
            state: State::FrameType,
            buf: Vec::new(),
            stale: false,
        }
    }

    /// True between frames: an end of input here is a clean end.
    pub fn is_between_frames(&self) -> bool {
        self.state == State::FrameType
    }

    /// Decodes the next frame from `input`. Errors are final: the stream
    /// cannot be resynchronised after one.
    pub fn decode<'a>(&'a mut self, input: &'a [u8]) -> Result<Status<Frame<'a>>, FrameError> {
        self.decode_with(input, false)
    }

    /// As [`Decoder::decode`], for callers that keep each frame: a payload
    /// gathered in the decoder's buffer (it spanned calls) comes back
    /// owned, the buffer handed over rather than copied.
    pub fn decode_owned<'a>(&'a mut self, input: &'a [u8]) -> Result<Status<Frame<'a>>, FrameError> {
        self.decode_with(input, true)
    }

    fn decode_with<'a>(
        &'a mut self,
        input: &'a [u8],
        hand_over: bool,
    ) -> Result<Status<Frame<'a>>, FrameError> {
        if self.stale {
            self.buf.clear();
            self.stale = false;
        }
        let (frame_type, payload, consumed) = match self.advance(input)? {
            Step::Partial => return Ok(Status::Partial),
            Step::Ready {
                frame_type,
                payload,
                consumed,
            } => (frame_type, payload, consumed),
        };
        let (bytes, owned): (&'a [u8], _) = match payload {
            Payload::Input(start, end) => (&input[start..end], None),
            Payload::Buffer if hand_over => (&[], Some(std::mem::take(&mut self.buf))),
            Payload::Buffer => {
                self.stale = true;
                (&self.buf[..], None)
            }
        };
        let frame = match frame_type {
            t if t & 0x80 == 0 => Frame::Text(match owned {
                Some(owned) => Cow::Owned(self.utf8.apply_owned(owned)?),
                None => self.utf8.apply(bytes)?,
            }),
            0xFF if bytes.is_empty() && owned.is_none() && self.version == Version::Hixie76 => {
                Frame::Close(None)
            }
            0x80 => Frame::Binary(payload_of(bytes, owned)),
            frame_type => Frame::HixieFrame {
                frame_type,
                payload: payload_of(bytes, owned),
            },
        };
        Ok(Status::Complete {
            value: frame,
            consumed,
        })
    }

    fn advance(&mut self, input: &[u8]) -> Result<Step, FrameError> {
        let mut pos = 0;
        loop {
            match self.state {
                State::FrameType => {
                    let Some(&frame_type) = input.get(pos) else {
                        return Ok(Step::Partial);
                    };
                    pos += 1;
                    self.state = if frame_type & 0x80 == 0 {
                        State::Sentinel { frame_type, seen: 0 }
                    } else {
                        State::Length {
                            frame_type,
                            length: 0,
                            digits: 0,
                        }
                    };
                }
                State::Sentinel { frame_type, seen } => {
                    let rest = &input[pos..];
                    let found = memchr(0xFF, rest);
                    let len = found.unwrap_or(rest.len());
                    if seen + len > self.max_message {
                        return Err(FrameError::MessageTooLarge {
                            limit: self.max_message,
                        });
                    }
                    // Only text is kept; other sentinel types are discarded.
                    let keep = frame_type == 0;
                    let Some(end) = found else {
                        if keep {
                            self.buf.extend_from_slice(rest);
                        }
                        self.state = State::Sentinel {
                            frame_type,
                            seen: seen + len,
                        };
                        return Ok(Step::Partial);
                    };
                    self.state = State::FrameType;
                    let consumed = pos + end + 1;
                    if !keep {
                        pos = consumed;
                        continue;
                    }
                    let payload = if seen == 0 {
                        Payload::Input(pos, pos + end)
                    } else {
                        self.buf.extend_from_slice(&rest[..end]);
                        Payload::Buffer
                    };
                    return Ok(Step::Ready {
                        frame_type,
                        payload,
                        consumed,
                    });
                }
                State::Length {
                    frame_type,
                    length,
                    digits,
                } => {
                    let Some(&b) = input.get(pos) else {
                        return Ok(Step::Partial);
                    };
                    pos += 1;
                    let length = self.length_digit(length, digits, b)?;
                    if b & 0x80 != 0 {
                        self.state = State::Length {
                            frame_type,
                            length,
                            digits: digits + 1,
                        };
                        continue;
                    }
                    // `length_digit` bounded it by `max_frame`, a usize.
                    let remaining = length as usize;
                    self.state = State::Payload {
                        frame_type,
                        remaining,
                    };
                }
                State::Payload {
                    frame_type,
                    remaining,
                } => {
                    let rest = &input[pos..];
                    if self.buf.is_empty() && rest.len() >= remaining {
                        self.state = State::FrameType;
                        return Ok(Step::Ready {
                            frame_type,
                            payload: Payload::Input(pos, pos + remaining),
                            consumed: pos + remaining,
                        });
                    }
                    let take = rest.len().min(remaining);
                    // The whole frame's length is known: one allocation.
                    self.buf.reserve_exact(remaining);
                    self.buf.extend_from_slice(&rest[..take]);
                    if take < remaining {
                        self.state = State::Payload {
                            frame_type,
                            remaining: remaining - take,
                        };
                        return Ok(Step::Partial);
                    }
                    self.state = State::FrameType;
                    return Ok(Step::Ready {
                        frame_type,
                        payload: Payload::Buffer,
                        consumed: pos + take,
                    });
                }
            }
        }
    }

    /// Adds one base-128 digit to a length, refusing overflow and lengths
    /// over the limits before any payload is buffered.
    fn length_digit(&self, length: u64, digits: u8, b: u8) -> Result<u64, FrameError> {
        if digits == MAX_LENGTH_BYTES {
            return Err(FrameError::LengthOverflow);
        }
        let length = length
            .checked_mul(128)
            .and_then(|l| l.checked_add(u64::from(b & 0x7F)))
            .ok_or(FrameError::LengthOverflow)?;
        if length > self.max_frame as u64 {
            return Err(FrameError::FrameTooLarge {
                limit: self.max_frame,
            });
        }
        if length > self.max_message as u64 {
            return Err(FrameError::MessageTooLarge {
                limit: self.max_message,
            });
        }
        Ok(length)
    }
}

/// Appends a text frame: `0x00`, the UTF-8 bytes, `0xFF`. A `&str` is
/// always valid UTF-8, so it never holds the terminator.
pub fn encode_text(text: &str, out: &mut Vec<u8>) {
    out.reserve(text.len() + 2);
    out.push(0x00);
    out.extend_from_slice(text.as_bytes());
    out.push(0xFF);
}

/// Appends a length-prefixed frame of type `frame_type` (0x80..=0xFF).
pub fn encode_binary(frame_type: u8, payload: &[u8], out: &mut Vec<u8>) -> Result<(), UsageError> {
    if frame_type & 0x80 == 0 {
        return Err(UsageError::FrameType { frame_type });
    }
    let mut digits = [0u8; MAX_LENGTH_BYTES as usize];
    let mut n = payload.len() as u64;
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = (n & 0x7F) as u8 | 0x80;
        n >>= 7;
        if n == 0 {
            break;
        }
    }
    // The last digit has its continuation bit clear.
    *digits.last_mut().expect("ten digits") &= 0x7F;
    out.reserve(1 + digits.len() - i + payload.len());
    out.push(frame_type);
    out.extend_from_slice(&digits[i..]);
    out.extend_from_slice(payload);
    Ok(())
}

/// Appends the hixie-76 closing handshake, `FF 00`.
pub fn encode_close(out: &mut Vec<u8>) {
    out.extend_from_slice(&CLOSE_FRAME);
}
