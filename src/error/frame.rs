//! The peer's frames broke a rule of the framing layer.

use core::fmt;

/// The peer's frames broke a rule of the framing layer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    /// A message's payload exceeds [`Limits::max_message_bytes`](crate::Limits).
    MessageTooLarge { limit: usize },
    /// A length-prefixed frame announces more than
    /// [`Limits::max_frame_bytes`](crate::Limits).
    FrameTooLarge { limit: usize },
    /// A length prefix does not fit 64 bits (or runs past 10 bytes); in
    /// RFC 6455, a 64-bit length with its most significant bit set.
    LengthOverflow,
    /// A text frame's payload (or an RFC 6455 close reason) is not UTF-8
    /// (for the hixie versions, strict mode only).
    InvalidUtf8,
    /// The connection ended in the middle of a frame.
    Truncated,
    /// RFC 6455 section 5.2: RSV1-3 must be 0 unless an extension says
    /// otherwise (permessage-deflate allows RSV1 on a message's first frame).
    ReservedBits { bits: u8 },
    /// RFC 6455 section 5.2: the opcode is reserved (3-7 or 0xB-0xF).
    UnknownOpcode { opcode: u8 },
    /// RFC 6455 section 5.5: a control frame must not be fragmented.
    FragmentedControl { opcode: u8 },
    /// RFC 6455 section 5.5: a control frame carries at most 125 bytes.
    ControlTooLong { opcode: u8, len: u64 },
    /// RFC 6455 section 5.3: a client must mask every frame it sends.
    UnmaskedClientFrame,
    /// RFC 6455 section 5.1: a server must not mask the frames it sends.
    MaskedServerFrame,
    /// RFC 6455 section 5.2: a length must be encoded in the fewest bytes.
    NonMinimalLength { len: u64 },
    /// RFC 6455 section 5.4: a continuation frame came with no fragmented
    /// message to continue.
    UnexpectedContinuation,
    /// RFC 6455 section 5.4: a new message began (this opcode) before the
    /// fragmented one was finished.
    ExpectedContinuation { opcode: u8 },
    /// RFC 6455 section 5.5.1: a close frame's body is 1 byte; a code takes 2.
    CloseBodyTooShort,
    /// RFC 6455 section 7.4: a close code that must not be sent on the
    /// wire (or is not defined).
    InvalidCloseCode { code: u16 },
    /// RFC 7692 section 6.2: a compressed message does not inflate (it is
    /// not DEFLATE data, or refers further back than the window).
    InvalidCompressedData,
}

impl FrameError {
    /// The RFC 6455 close code an endpoint sends when failing a connection
    /// for this reason (section 7.4.1): 1007 for text that is not UTF-8 or
    /// a compressed message that does not inflate,
    /// 1009 for a message or frame over the limits, 1002 otherwise.
    pub fn close_code(&self) -> u16 {
        match self {
            FrameError::InvalidUtf8 | FrameError::InvalidCompressedData => 1007,
            FrameError::MessageTooLarge { .. } | FrameError::FrameTooLarge { .. } => 1009,
            _ => 1002,
        }
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::MessageTooLarge { limit } => {
                write!(f, "the peer sent a message over the {limit}-byte limit")
            }
            FrameError::FrameTooLarge { limit } => {
                write!(f, "the peer announced a frame over the {limit}-byte limit")
            }
            FrameError::LengthOverflow => f.write_str("the peer sent a length prefix that overflows 64 bits"),
            FrameError::InvalidUtf8 => f.write_str("the peer sent a text frame that is not valid UTF-8"),
            FrameError::Truncated => f.write_str("the peer closed the connection in the middle of a frame"),
            FrameError::ReservedBits { bits } => write!(
                f,
                "the peer set reserved bits {bits:#05b} that no negotiated extension allows there"
            ),
            FrameError::UnknownOpcode { opcode } => {
                write!(f, "the peer sent reserved opcode {opcode:#x}")
            }
            FrameError::FragmentedControl { opcode } => write!(
                f,
                "the peer fragmented a control frame (opcode {opcode:#x}); control frames must have FIN set"
            ),
            FrameError::ControlTooLong { opcode, len } => write!(
                f,
                "the peer sent a control frame (opcode {opcode:#x}) of {len} bytes; expected at most 125"
            ),
            FrameError::UnmaskedClientFrame => {
                f.write_str("the client sent an unmasked frame; clients must mask every frame")
            }
            FrameError::MaskedServerFrame => {
                f.write_str("the server sent a masked frame; servers must not mask")
            }
            FrameError::NonMinimalLength { len } => write!(
                f,
                "the peer encoded length {len} in more bytes than needed; expected the minimal encoding"
            ),
            FrameError::UnexpectedContinuation => {
                f.write_str("the peer sent a continuation frame with no fragmented message to continue")
            }
            FrameError::ExpectedContinuation { opcode } => write!(
                f,
                "the peer began a new message (opcode {opcode:#x}) inside a fragmented one; expected a continuation"
            ),
            FrameError::CloseBodyTooShort => f.write_str(
                "the peer sent a 1-byte close frame body; expected none or a 2-byte code first",
            ),
            FrameError::InvalidCloseCode { code } => {
                write!(f, "the peer sent close code {code}, which must not appear on the wire")
            }
            FrameError::InvalidCompressedData => {
                f.write_str("the peer sent a compressed message that does not inflate")
            }
        }
    }
}
