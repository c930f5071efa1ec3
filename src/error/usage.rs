//! The caller asked for something the API does not allow.

use core::fmt;

use crate::state::State;
use crate::version::Version;

/// The caller asked for something the API does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UsageError {
    /// Sending on a connection that is no longer open.
    NotOpen { state: State },
    /// A length-prefixed frame type must have its high bit set (0x80..=0xFF).
    FrameType { frame_type: u8 },
    /// In hixie76 an empty 0xFF frame is the closing handshake; use `close`.
    CloseAsData,
    /// The handshake is not complete yet.
    HandshakeIncomplete,
    /// `decide` was called while no request waits for a decision.
    NoRequest,
    /// A message sent in parts is unfinished: only its next part (or a
    /// ping, pong or close) may be sent.
    MessageInProgress,
    /// A header field given by the caller has a bad name or a value with
    /// CR, LF or other control characters.
    InvalidHeader { name: String },
    /// An origin or subprotocol given by the caller is not allowed on the wire.
    InvalidValue { what: &'static str, got: String },
    /// The feature does not exist in this protocol version (for example
    /// pings in hixie76, or several subprotocols in hixie75).
    NotInVersion { feature: &'static str, version: Version },
    /// A control frame's payload (a ping, a pong, or a close code and
    /// reason) would exceed 125 bytes.
    ControlTooLong { len: usize },
    /// A close code the caller may not send: only 1000-1003, 1007-1014 and
    /// 3000-4999 are (RFC 6455 section 7.4).
    InvalidCloseCode { code: u16 },
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsageError::NotOpen { state } => {
                write!(f, "cannot send: the connection is {state:?}, not open")
            }
            UsageError::FrameType { frame_type } => write!(
                f,
                "frame type {frame_type:#04x} cannot be length-prefixed; expected 0x80..=0xFF"
            ),
            UsageError::CloseAsData => {
                f.write_str("an empty 0xFF frame is the hixie-76 close; call close() instead")
            }
            UsageError::HandshakeIncomplete => f.write_str("the handshake is not complete yet"),
            UsageError::NoRequest => f.write_str("no request waits for a decision"),
            UsageError::MessageInProgress => {
                f.write_str("a message sent in parts is unfinished; send its next part before anything else")
            }
            UsageError::InvalidHeader { name } => {
                write!(f, "header field {name:?} has a bad name or value")
            }
            UsageError::InvalidValue { what, got } => {
                write!(f, "{what} {got:?} cannot be sent on the wire")
            }
            UsageError::NotInVersion { feature, version } => {
                write!(f, "{feature} is not part of protocol version {version}")
            }
            UsageError::ControlTooLong { len } => write!(
                f,
                "a control frame payload of {len} bytes was asked for; the limit is 125"
            ),
            UsageError::InvalidCloseCode { code } => write!(
                f,
                "close code {code} cannot be sent; expected 1000-1003, 1007-1014 or 3000-4999"
            ),
        }
    }
}
