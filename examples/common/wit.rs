//! The engine's settings as the component's WIT records, for the examples
//! that run the engine as a component.

use std::time::Duration;

use websocket_host::bindings;

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
