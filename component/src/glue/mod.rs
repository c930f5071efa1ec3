//! The glue: the WIT package `websocket:protocol` exported. It only
//! translates between WIT types and the engine's; all behaviour lives in
//! the engine and `websocket-wasi`. `connection` is this crate's own; the
//! rest is `websocket-component-glue`'s macro, shared with the WASI 0.3
//! component and expanded here against this package's bindings.

mod connection;
websocket_component_glue::shared_glue!();

wit_bindgen::generate!({
    world: "library",
    path: "../wit",
    with: {
        "wasi:io/error@0.2.12": wasi::io::error,
        "wasi:io/poll@0.2.12": wasi::io::poll,
        "wasi:io/streams@0.2.12": wasi::io::streams,
    },
});

/// The type every export is implemented on.
struct Component;

export!(Component);
