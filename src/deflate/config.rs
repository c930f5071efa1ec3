//! The settings of permessage-deflate for one side, and one offer of it.

use crate::setters::setters;

/// permessage-deflate (RFC 7692) settings: the parameters a client offers
/// (each [`ClientConfig`](crate::ClientConfig) offer is one of these) or a
/// server accepts with, and how this side compresses.
///
/// | setting | default | meaning |
/// |---|---|---|
/// | `server_no_context_takeover` | false | the server starts each message with an empty window |
/// | `client_no_context_takeover` | false | the client starts each message with an empty window |
/// | `server_max_window_bits` | 12 | the server's LZ77 window, 2^n bytes, 8 to 15 |
/// | `client_max_window_bits` | 12 | the client's LZ77 window, 2^n bytes, 8 to 15 |
/// | `min_size` | 0 | messages shorter than this are sent uncompressed |
/// | `level` | 6 | zlib compression level, 0 (store) to 9 (smallest) |
/// | `mem_level` | 5 | zlib memory level, 1 to 9: the compressor's hash table and buffers |
///
/// The windows default to 4 KiB and the memory level to 5, as Python
/// `websockets` does. With zlib-rs that is not what sets the memory: its
/// compressor's hash table has 64 Ki entries whatever the memory level, so
/// a connection that has sent and received a compressed message holds
/// about 210 KiB (`tests/memory.rs`; with C zlib, `websockets` holds about
/// 40 KiB), made on its first compressed message in each direction.
/// zlib-rs was chosen for speed (about twice `websockets`' compression
/// rate, BENCHMARKS.md), window-bits control and pure-Rust wasm32 builds.
/// Every message is
/// compressed by default, as `websockets` does too (a short one may grow
/// by a few bytes; raise `min_size` to send those as they are). The
/// Autobahn driver `kosoku` mis-reads an uncompressed message on a
/// compressed connection, which RFC 7692 allows, so its cases need 0.
///
/// A client offers `client_max_window_bits` (without a value when it is 15,
/// which tells the server it may ask for less), and `server_max_window_bits`
/// when it is below 15. A server answers every offer it accepts with
/// `client_max_window_bits` when the client allowed it and its own limit is
/// below 15; it compresses with at most its own `server_max_window_bits`
/// whatever the client asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeflateConfig {
    /// The server resets its compressor after each message.
    pub server_no_context_takeover: bool,
    /// The client resets its compressor after each message.
    pub client_no_context_takeover: bool,
    /// The base-2 logarithm of the server's window, 8 to 15 (a value
    /// outside counts as the nearest end).
    pub server_max_window_bits: u8,
    /// The base-2 logarithm of the client's window, 8 to 15.
    pub client_max_window_bits: u8,
    /// Messages shorter than this many bytes go uncompressed.
    pub min_size: usize,
    /// zlib compression level, 0 to 9 (above 9 counts as 9).
    pub level: u8,
    /// zlib memory level, 1 to 9 (outside counts as the nearest end).
    pub mem_level: u8,
}

impl Default for DeflateConfig {
    fn default() -> Self {
        DeflateConfig {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: 12,
            client_max_window_bits: 12,
            min_size: 0,
            level: 6,
            mem_level: 5,
        }
    }
}

setters!(DeflateConfig {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: u8,
    client_max_window_bits: u8,
    min_size: usize,
    level: u8,
    mem_level: u8,
});

impl DeflateConfig {
    /// The defaults (see the table).
    pub fn new() -> DeflateConfig {
        DeflateConfig::default()
    }

    /// The server's window bits, within 8..=15 whatever was set.
    pub(crate) fn server_window(&self) -> u8 {
        self.server_max_window_bits.clamp(8, 15)
    }

    /// The client's window bits, within 8..=15 whatever was set.
    pub(crate) fn client_window(&self) -> u8 {
        self.client_max_window_bits.clamp(8, 15)
    }

    /// This configuration as a client offers it:
    /// `permessage-deflate; server_max_window_bits=12; client_max_window_bits=12`.
    pub(crate) fn offer(&self) -> String {
        let mut out = String::from("permessage-deflate");
        if self.server_no_context_takeover {
            out.push_str("; server_no_context_takeover");
        }
        if self.client_no_context_takeover {
            out.push_str("; client_no_context_takeover");
        }
        if self.server_window() < 15 {
            out.push_str(&format!("; server_max_window_bits={}", self.server_window()));
        }
        match self.client_window() {
            15.. => out.push_str("; client_max_window_bits"),
            bits => out.push_str(&format!("; client_max_window_bits={bits}")),
        }
        out
    }
}
