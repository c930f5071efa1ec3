//! The component glue: the WIT package `websocket:protocol` exported from
//! this crate when it is built for `wasm32-wasip2` with the `component`
//! feature (on by default). It only translates between WIT types and the
//! engine's; all behaviour lives in the engine and [`crate::wasi_adapter`].

mod connection;
mod convert;
mod framing;
mod handshake;

wit_bindgen::generate!({
    world: "library",
    path: "wit",
    with: {
        "wasi:io/error@0.2.12": wasi::io::error,
        "wasi:io/poll@0.2.12": wasi::io::poll,
        "wasi:io/streams@0.2.12": wasi::io::streams,
    },
});

/// The type every export is implemented on.
struct Component;

export!(Component);
