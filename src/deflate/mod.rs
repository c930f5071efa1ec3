//! permessage-deflate (RFC 7692): messages compressed with DEFLATE, one
//! LZ77 window per direction carried from message to message unless
//! context takeover is off.
//!
//! ```text
//!  handshake:  client offers ──▶ server accepts the first it can ──▶ DeflateParams
//!  sending:    payload ──Compressor (sync flush, tail cut)──▶ frames, RSV1 on the first
//!  receiving:  frames with RSV1 ──Decompressor (tail put back, limit checked as it inflates)──▶ payload
//! ```
//!
//! The codec is `zlib-rs`: pure Rust (it builds for `wasm32-wasip2` with
//! no C toolchain), as fast as zlib-ng on the decompression side, and the
//! only pure-Rust deflate that takes a window size and a memory level when
//! compressing (`miniz_oxide` always uses 32 KiB), so the window a peer
//! asks for is the one used. See [`DeflateConfig`] for the settings and
//! their defaults.

mod codec;
mod config;
mod negotiate;

pub(crate) use codec::{Compressor, Decompressor};
pub use config::DeflateConfig;
pub(crate) use negotiate::{accept, confirm};

use crate::version::Role;

/// The permessage-deflate parameters in force on a connection, as the
/// handshake agreed them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeflateParams {
    /// The server empties its window after each message.
    pub server_no_context_takeover: bool,
    /// The client empties its window after each message.
    pub client_no_context_takeover: bool,
    /// The server's window is at most 2^n bytes.
    pub server_max_window_bits: u8,
    /// The client's window is at most 2^n bytes.
    pub client_max_window_bits: u8,
}

/// What a bare `permessage-deflate` agrees: context takeover both ways,
/// windows of 2^15 bytes.
impl Default for DeflateParams {
    fn default() -> DeflateParams {
        DeflateParams {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: 15,
            client_max_window_bits: 15,
        }
    }
}

impl DeflateParams {
    /// The compressor for what `role` sends, with `config`'s level, memory
    /// and minimum size.
    pub(crate) fn compressor(&self, role: Role, config: &DeflateConfig) -> Compressor {
        let (bits, reset) = self.side(role);
        Compressor::new(bits, config.level, config.mem_level, reset, config.min_size)
    }

    /// The decompressor for what `role` receives (what its peer sends).
    pub(crate) fn decompressor(&self, role: Role) -> Decompressor {
        let (bits, reset) = self.side(role.peer());
        Decompressor::new(bits, reset)
    }

    /// The window and the reset rule of what `role` sends.
    fn side(&self, role: Role) -> (u8, bool) {
        match role {
            Role::Server => (self.server_max_window_bits, self.server_no_context_takeover),
            Role::Client => (self.client_max_window_bits, self.client_no_context_takeover),
        }
    }
}
