//! The glue: the WIT package `websocket:protocol@0.2.0` exported. Only
//! `connection` is this crate's own; the other interfaces are the same as
//! in 0.1.0, and so is their glue: `websocket-component-glue`'s macro,
//! shared with the WASI 0.2 component and expanded here against this
//! package's bindings.

mod connection;
websocket_component_glue::shared_glue!();

wit_bindgen::generate!({
    world: "library",
    path: "../wit/p3",
    with: {
        "wasi:sockets/types@0.3.2": websocket_wasip3::wasip3::sockets::types,
        "wasi:sockets/ip-name-lookup@0.3.2": websocket_wasip3::wasip3::sockets::ip_name_lookup,
        "wasi:clocks/monotonic-clock@0.3.2": websocket_wasip3::wasip3::clocks::monotonic_clock,
        "wasi:clocks/types@0.3.2": websocket_wasip3::wasip3::clocks::types,
        "wasi:tls/client@0.3.0-draft": websocket_wasip3::tls::bindings::wasi::tls::client,
        "wasi:tls/types@0.3.0-draft": websocket_wasip3::tls::bindings::wasi::tls::types,
    },
});

/// The type every export is implemented on.
struct Component;

export!(Component);
