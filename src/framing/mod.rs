//! Framing: turning a byte stream into frames and frames into bytes.
//!
//! The hixie drafts (75 and 76) share one frame format, in [`hixie`];
//! RFC 6455 has its own, in [`rfc6455`]. Both decoders yield the same
//! [`Frame`] type.

mod encoder;
pub mod hixie;
mod mask;
pub mod rfc6455;

pub use mask::apply_mask;

use std::borrow::Cow;

/// What to do with a text frame whose payload is not valid UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Utf8Policy {
    /// Replace each invalid sequence with U+FFFD, as the hixie drafts tell
    /// clients to do.
    Replace,
    /// Fail the connection with [`FrameError::InvalidUtf8`](crate::FrameError).
    Strict,
}

impl Utf8Policy {
    /// The default for a role: clients replace (as the drafts say), servers
    /// are strict.
    pub fn default_for(role: crate::Role) -> Utf8Policy {
        match role {
            crate::Role::Client => Utf8Policy::Replace,
            crate::Role::Server => Utf8Policy::Strict,
        }
    }

    /// Validates `payload` as UTF-8 under this policy, borrowing when valid.
    pub(crate) fn apply(self, payload: &[u8]) -> Result<Cow<'_, str>, crate::FrameError> {
        match simdutf8::basic::from_utf8(payload) {
            Ok(text) => Ok(Cow::Borrowed(text)),
            Err(_) => self.lossy(payload).map(Cow::Owned),
        }
    }

    /// As [`Utf8Policy::apply`], keeping an owned payload without a copy
    /// when it is valid.
    pub(crate) fn apply_owned(self, payload: Vec<u8>) -> Result<String, crate::FrameError> {
        owned_text(payload).or_else(|payload| self.lossy(&payload))
    }

    fn lossy(self, payload: &[u8]) -> Result<String, crate::FrameError> {
        match self {
            Utf8Policy::Strict => Err(crate::FrameError::InvalidUtf8),
            Utf8Policy::Replace => Ok(String::from_utf8_lossy(payload).into_owned()),
        }
    }
}

/// `bytes` as a string, validated in one SIMD pass and kept without a
/// copy; the bytes back when they are not UTF-8.
#[allow(unsafe_code)]
pub(crate) fn owned_text(bytes: Vec<u8>) -> Result<String, Vec<u8>> {
    if simdutf8::basic::from_utf8(&bytes).is_err() {
        return Err(bytes);
    }
    // SAFETY: `simdutf8` has just validated every byte as UTF-8.
    Ok(unsafe { String::from_utf8_unchecked(bytes) })
}

/// A payload borrowed from the decoder's input or buffer, or handed over
/// (by the `decode_owned` methods) when the decoder had to gather it.
fn payload<'a>(bytes: &'a [u8], owned: Option<Vec<u8>>) -> Cow<'a, [u8]> {
    owned.map_or(Cow::Borrowed(bytes), Cow::Owned)
}

/// One decoded frame (for RFC 6455: a whole message, reassembled from its
/// fragments, or a control frame), borrowed from the decoder's input or
/// buffer, or owned when a `decode_owned` method handed its buffer over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A text message (hixie type 0x00, RFC 6455 opcode 0x1).
    Text(Cow<'a, str>),
    /// A binary message: RFC 6455 opcode 0x2, or a hixie length-prefixed
    /// frame of type 0x80.
    Binary(Cow<'a, [u8]>),
    /// hixie only: a length-prefixed frame of another type (0x81..=0xFF
    /// but not the hixie76 close), to which the drafts give no meaning.
    HixieFrame { frame_type: u8, payload: Cow<'a, [u8]> },
    /// An RFC 6455 ping; the receiver answers with a pong of the same payload.
    Ping(&'a [u8]),
    /// An RFC 6455 pong.
    Pong(&'a [u8]),
    /// The closing handshake: hixie-76 `FF 00` (no body) or an RFC 6455
    /// close frame, with its code and reason when it has a body.
    Close(Option<CloseBody<'a>>),
}

/// The body of an RFC 6455 close frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseBody<'a> {
    /// The status code (section 7.4).
    pub code: u16,
    /// The reason, UTF-8, at most 123 bytes.
    pub reason: &'a str,
}

/// True for a close code that may appear on the wire (RFC 6455 section
/// 7.4): 1000-1003, 1007-1014 (1012-1014 as later registered with IANA)
/// and 3000-4999. 1004 is reserved; 1005, 1006 and 1015 mean "none",
/// "abnormal" and "TLS failure" and are never sent.
pub fn is_valid_close_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}
