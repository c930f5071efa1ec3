//! Framing: turning a byte stream into frames and frames into bytes.
//!
//! The hixie drafts (75 and 76) share one frame format, in [`hixie`].

pub mod hixie;

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
            Err(_) => match self {
                Utf8Policy::Strict => Err(crate::FrameError::InvalidUtf8),
                Utf8Policy::Replace => Ok(Cow::Owned(String::from_utf8_lossy(payload).into_owned())),
            },
        }
    }
}

/// One decoded frame, borrowed from the decoder's input or buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A text frame (hixie type 0x00): the payload as UTF-8.
    Text(Cow<'a, str>),
    /// A length-prefixed frame: its type byte (0x80..=0xFF) and payload. The
    /// drafts give these no meaning; the caller may discard or use them.
    Binary { frame_type: u8, payload: &'a [u8] },
    /// The hixie-76 closing handshake (`FF 00`).
    Close,
}

/// The result of one call to a decoder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded<'a> {
    /// All of the input was taken (and buffered as needed); more is needed
    /// before the next frame is complete.
    Partial,
    /// A frame is complete. Only `consumed` bytes of the input were taken;
    /// pass the rest to the next call.
    Frame { frame: Frame<'a>, consumed: usize },
}
