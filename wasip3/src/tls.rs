//! TLS through the host's WASI 0.3 `wasi:tls` (`wasi:tls@0.3.0-draft`,
//! experimental in wasmtime 48: `wasmtime-wasi-tls`'s `p3`, or `wasmtime
//! run -S tls`). Its `connector` is a pair of stream transforms: plaintext
//! in, ciphertext out, and back; `connect` runs the handshake over them.
//! The host checks the server's certificate against the name given and its
//! trusted roots.
//!
//! Importing it makes it required: a build whose `connect` can reach
//! `wss://` (the `tls` feature, on by default) runs only on hosts that
//! provide it.

use wasip3::wit_bindgen::{StreamReader, StreamResult, StreamWriter};
use wasip3::wit_stream;

use super::Streams;
use websocket_io::{Error, TlsError};

/// The `wasi:tls` bindings, generated from `wit/p3/deps/tls` (which
/// `tests/wit_deps.rs` keeps equal to what the pinned host implements).
pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit/p3/deps/tls",
        world: "wasi:tls/imports@0.3.0-draft",
        generate_all,
    });
}

use bindings::wasi::tls::client::Connector;

/// The bytes one copy of ciphertext to the socket moves at most.
const CHUNK: usize = 16 * 1024;

/// Runs TLS over `streams` (a TCP connection, maybe through a proxy's
/// tunnel) for the server `host`: the streams of the plaintext, once the
/// handshake is done. The ciphertext goes to the socket through a task
/// spawned into the current one, which ends when the connection's sending
/// side does.
pub(crate) async fn secure(streams: Streams, host: &str) -> Result<Streams, Error> {
    let name = websocket_engine::unbracket(host).to_owned();
    let Streams {
        input,
        output,
        socket,
        ..
    } = streams;
    let connector = Connector::new();
    // The transforms' own results are not awaited: a failure shows in the
    // plaintext streams (they end), which the session reports.
    let (plaintext_in, _) = connector.receive(input);
    let (plaintext_out, to_encrypt) = wit_stream::new();
    let (ciphertext_out, _) = connector.send(to_encrypt);
    wasip3::wit_bindgen::spawn_local(copy(ciphertext_out, output));
    Connector::connect(connector, name)
        .await
        .map_err(|e| TlsError::from_message(&e.to_debug_string()))?;
    Ok(Streams {
        input: plaintext_in,
        received: None,
        output: plaintext_out,
        sent: None,
        socket,
    })
}

/// Copies `from` into `to` until either ends; then drops `to`, which ends
/// the socket's sending side.
async fn copy(mut from: StreamReader<u8>, mut to: StreamWriter<u8>) {
    let mut buf = Vec::with_capacity(CHUNK);
    loop {
        let (result, got) = from.read(buf).await;
        if !got.is_empty() {
            let rest = to.write_all(got).await;
            if !rest.is_empty() {
                return;
            }
            buf = rest;
        } else {
            buf = got;
        }
        if result == StreamResult::Dropped {
            return;
        }
    }
}
