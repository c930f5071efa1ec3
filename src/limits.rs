//! Every size limit the engine enforces, in one place, with its default.
//! Time limits are in [`Timeouts`](crate::Timeouts).

use crate::setters::setters;

/// Bounds on how much a peer may make this engine buffer.
///
/// The sans-IO core checks each limit before it allocates. Each field has
/// a builder method of the same name:
///
/// ```
/// let limits = websocket_engine::Limits::new().max_message_bytes(64 * 1024).max_headers(32);
/// assert_eq!(limits.max_frame_bytes, 16 * 1024 * 1024);
/// ```
///
/// | field | default |
/// |---|---|
/// | `max_head_bytes` | 8 KiB |
/// | `max_headers` | 64 |
/// | `max_message_bytes` | 16 MiB |
/// | `max_frame_bytes` | 16 MiB |
/// | `max_pending_output` | 16 MiB + 16 bytes |
/// | `output_high_water` | 64 KiB |
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Most bytes of an opening-handshake head (request or status line and
    /// header fields, up to and including the empty line). Default 8 KiB,
    /// the usual HTTP server limit; real handshakes are a few hundred bytes.
    pub max_head_bytes: usize,
    /// Most header fields in a handshake head. Default 64.
    pub max_headers: usize,
    /// Most payload bytes in one message. A hixie sentinel frame has no
    /// length, so this bounds how much is buffered while waiting for its
    /// `0xFF` terminator. Default 16 MiB.
    pub max_message_bytes: usize,
    /// Most payload bytes a single length-prefixed frame may announce; a
    /// larger announcement fails before any payload is buffered.
    /// Default 16 MiB.
    pub max_frame_bytes: usize,
    /// Most bytes queued for sending and not yet taken by the transport. A
    /// send that would queue more fails with
    /// [`ProtocolError::PeerNotReading`](crate::ProtocolError) instead of growing memory;
    /// send a larger message in parts
    /// ([`Session::send_binary_part`](crate::Session::send_binary_part)).
    /// Checked before a frame is encoded. Default 16 MiB and 16 bytes (one
    /// maximal message and its framing fit).
    pub max_pending_output: usize,
    /// While more than this many bytes wait to be sent, the session stops
    /// asking for input ([`Session::wants_read`](crate::Session::wants_read)),
    /// so a peer that does not read what it is sent cannot make this side
    /// queue replies to it without end. Default 64 KiB.
    pub output_high_water: usize,
}

impl Limits {
    /// Every limit at its default.
    pub fn new() -> Limits {
        Limits::default()
    }
}

setters!(Limits {
    max_head_bytes: usize,
    max_headers: usize,
    max_message_bytes: usize,
    max_frame_bytes: usize,
    max_pending_output: usize,
    output_high_water: usize,
});

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head_bytes: 8 * 1024,
            max_headers: 64,
            max_message_bytes: 16 * 1024 * 1024,
            max_frame_bytes: 16 * 1024 * 1024,
            max_pending_output: 16 * 1024 * 1024 + 16,
            output_high_water: 64 * 1024,
        }
    }
}
