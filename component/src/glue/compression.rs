//! Conversions of the WIT permessage-deflate types.

use super::exports::websocket::protocol::types as wit;
use websocket_engine::{DeflateConfig, DeflateParams};

impl From<&DeflateConfig> for wit::DeflateOptions {
    fn from(c: &DeflateConfig) -> Self {
        wit::DeflateOptions {
            server_no_context_takeover: c.server_no_context_takeover,
            client_no_context_takeover: c.client_no_context_takeover,
            server_max_window_bits: c.server_max_window_bits,
            client_max_window_bits: c.client_max_window_bits,
            min_size: u32::try_from(c.min_size).unwrap_or(u32::MAX),
            level: c.level,
            mem_level: c.mem_level,
        }
    }
}

impl From<wit::DeflateOptions> for DeflateConfig {
    fn from(o: wit::DeflateOptions) -> Self {
        DeflateConfig::new()
            .server_no_context_takeover(o.server_no_context_takeover)
            .client_no_context_takeover(o.client_no_context_takeover)
            .server_max_window_bits(o.server_max_window_bits)
            .client_max_window_bits(o.client_max_window_bits)
            .min_size(o.min_size as usize)
            .level(o.level)
            .mem_level(o.mem_level)
    }
}

impl From<DeflateParams> for wit::DeflateParams {
    fn from(p: DeflateParams) -> Self {
        wit::DeflateParams {
            server_no_context_takeover: p.server_no_context_takeover,
            client_no_context_takeover: p.client_no_context_takeover,
            server_max_window_bits: p.server_max_window_bits,
            client_max_window_bits: p.client_max_window_bits,
        }
    }
}

impl From<wit::DeflateParams> for DeflateParams {
    fn from(p: wit::DeflateParams) -> Self {
        DeflateParams {
            server_no_context_takeover: p.server_no_context_takeover,
            client_no_context_takeover: p.client_no_context_takeover,
            server_max_window_bits: p.server_max_window_bits,
            client_max_window_bits: p.client_max_window_bits,
        }
    }
}

/// The settings `compression` gives, or `None` for the engine's defaults.
pub(super) fn settings(compression: wit::Compression) -> Option<Vec<DeflateConfig>> {
    match compression {
        wit::Compression::Defaults => None,
        wit::Compression::Off => Some(Vec::new()),
        wit::Compression::Custom(list) => Some(list.into_iter().map(Into::into).collect()),
    }
}
