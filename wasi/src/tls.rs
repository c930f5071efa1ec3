//! TLS through the host's `wasi:tls` (`wasi:tls/types@0.2.0-draft`, client
//! side; wasmtime links it with `wasmtime-wasi-tls`, its CLI with `-S
//! tls`). The host checks the server's certificate against the name given
//! and its own trusted roots; errors come back as text, sorted here into
//! the engine's [`TlsError`] codes.
//!
//! Importing `wasi:tls` makes it required: the component model has no
//! optional imports yet, so a host without it cannot instantiate a build
//! that uses it. The `tls` feature (on by default) is the choice: off, the
//! component imports no `wasi:tls` and `wss://` fails with
//! `tls-unavailable`.

use wasi::io::streams::{InputStream, OutputStream};

use super::net::wait_until;
use websocket_engine::WsUrl;
use websocket_io::{Error, TlsError};

mod bindings {
    wit_bindgen::generate!({
        inline: "package websocket:wasi-tls; world tls { import wasi:tls/types@0.2.0-draft; }",
        path: ["../wit/deps/io.wit", "../wit/deps/tls"],
        features: ["tls"],
        with: {
            "wasi:io/error@0.2.12": ::wasi::io::error,
            "wasi:io/poll@0.2.12": ::wasi::io::poll,
            "wasi:io/streams@0.2.12": ::wasi::io::streams,
            "wasi:tls/types@0.2.0-draft": generate,
        },
    });
}

pub(crate) use bindings::wasi::tls::types::ClientConnection;
use bindings::wasi::tls::types::ClientHandshake;

/// Runs the TLS handshake for `url`'s host over the streams; `None` when
/// the deadline passed first.
pub(crate) fn handshake(
    url: &WsUrl,
    input: InputStream,
    output: OutputStream,
    deadline: u64,
) -> Result<Option<(ClientConnection, InputStream, OutputStream)>, Error> {
    let name = url.hostname();
    let future = ClientHandshake::finish(ClientHandshake::new(name, input, output));
    loop {
        match future.get() {
            None => {
                if !wait_until(&future.subscribe(), deadline) {
                    return Ok(None);
                }
            }
            Some(Ok(Ok(streams))) => return Ok(Some(streams)),
            Some(Ok(Err(e))) => return Err(TlsError::from_message(&e.to_debug_string()).into()),
            Some(Err(())) => {
                return Err(Error::transport(
                    "wasi:tls",
                    "the handshake's result was taken twice",
                ))
            }
        }
    }
}
