//! Every limit the engine enforces, in one place, with its default.

use std::time::Duration;

/// Bounds on what a peer may make this engine buffer or wait for.
///
/// The sans-IO core enforces the size limits before it allocates; the
/// adapters enforce the timeouts (the core has no clock). Change a field on
/// a default value:
///
/// ```
/// let mut limits = websocket_engine::Limits::default();
/// limits.max_message_bytes = 64 * 1024;
/// ```
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
    /// peer that stops reading makes further sends fail with
    /// [`Error::PeerNotReading`](crate::Error) instead of growing memory.
    /// Checked before a frame is encoded. Default 16 MiB (one maximal
    /// message and its framing fit).
    pub max_pending_output: usize,
    /// How long a peer has to complete the opening handshake (adapters only).
    /// Default 10 s.
    pub handshake_timeout: Duration,
    /// How long to wait for the peer to finish the closing handshake and
    /// close TCP once this side has closed (adapters only). Default 5 s.
    pub close_timeout: Duration,
    /// How long one blocking write may wait for the peer to make room
    /// (blocking adapter only). Default 30 s.
    pub write_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head_bytes: 8 * 1024,
            max_headers: 64,
            max_message_bytes: 16 * 1024 * 1024,
            max_frame_bytes: 16 * 1024 * 1024,
            max_pending_output: 16 * 1024 * 1024 + 16,
            handshake_timeout: Duration::from_secs(10),
            close_timeout: Duration::from_secs(5),
            write_timeout: Duration::from_secs(30),
        }
    }
}
