//! The engine's settings as the component's WIT records, for the examples
//! that run the engine as a component.

use std::time::Duration;

use websocket_host::bindings;

/// The permessage-deflate settings a side uses, as WIT: `defaults` when
/// they are the engine's (`defaults`, one of them each), `off` when there
/// are none, else each as `deflate-options`.
pub fn compression(
    configs: &[websocket_engine::DeflateConfig],
    defaults: &[websocket_engine::DeflateConfig],
) -> bindings::Compression {
    match configs {
        [] => bindings::Compression::Off,
        same if same == defaults => bindings::Compression::Defaults,
        list => bindings::Compression::Custom(
            list.iter()
                .map(|c| bindings::DeflateOptions {
                    server_no_context_takeover: c.server_no_context_takeover,
                    client_no_context_takeover: c.client_no_context_takeover,
                    server_max_window_bits: c.server_max_window_bits,
                    client_max_window_bits: c.client_max_window_bits,
                    min_size: u32::try_from(c.min_size).unwrap_or(u32::MAX),
                    level: c.level,
                    mem_level: c.mem_level,
                })
                .collect(),
        ),
    }
}

/// `Timeouts` as the WIT `timeouts` record.
pub fn timeouts(t: &websocket_engine::Timeouts) -> bindings::Timeouts {
    let ms = |d: Duration| u32::try_from(d.as_millis()).unwrap_or(u32::MAX);
    bindings::Timeouts {
        handshake_ms: ms(t.handshake),
        close_ms: ms(t.close),
        write_ms: ms(t.write),
        ping_interval_ms: t.ping_interval.map(ms),
        ping_timeout_ms: t.ping_timeout.map(ms),
        idle_ms: t.idle.map(ms),
    }
}
