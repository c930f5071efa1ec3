//! An echo server: every text message and every binary message or
//! length-prefixed frame comes back unchanged. hixie75, hixie76 and RFC 6455
//! are told apart per connection, on one port. A browser opening the
//! server's address gets a page that chats with it (`page.html`).
//!
//! ```text
//! cargo run --release --example serve -- --listen 127.0.0.1:9001 [--origin O]... [--protocol P]...
//!     [--backlog N] [--ping-interval SECS] [--ping-timeout SECS] [--idle-timeout SECS] [--no-compression] [--compression-level N]
//!     [--tls-cert FILE --tls-key FILE] [--native | --wasi p2|p3]
//! ```
//!
//! With `--tls-cert` and `--tls-key` (a PEM certificate chain and private
//! key) it serves `wss://` and the page over `https://` on the same port,
//! and prints `listening on wss://ADDR/`. The host terminates TLS (rustls):
//! natively, or in front of the component, which sees the plain streams.
//!
//! By default the engine runs as a WebAssembly component inside an embedded
//! wasmtime (the component is built for wasm32-wasip2 first, unless
//! `WEBSOCKET_COMPONENT` names a component file to load), an instance per
//! connection; `--native` runs it as native code; `--wasi p3` runs the
//! WASI 0.3 command component `serve-p3` in the embedded wasmtime, one
//! instance for every connection (built first, unless
//! `WEBSOCKET_P3_COMPONENT` names the file). Built for wasm32-wasip2 itself, this example is a
//! command component for `wasmtime run -S inherit-network`.
//!
//! permessage-deflate is accepted unless `--no-compression` is given;
//! `--compression-level N` (0 to 9, default 6) sets zlib's level for what
//! the server sends.

#[cfg(not(target_arch = "wasm32"))]
mod component;
#[cfg(not(target_arch = "wasm32"))]
mod native;
#[cfg(not(target_arch = "wasm32"))]
mod p3;
#[cfg(target_arch = "wasm32")]
mod wasi;
#[cfg(not(target_arch = "wasm32"))]
#[path = "../common/wit.rs"]
mod wit;

mod cli;
pub(crate) use cli::*;

fn main() {
    let args = parse();
    #[cfg(target_arch = "wasm32")]
    wasi::run(args);
    #[cfg(not(target_arch = "wasm32"))]
    if args.native {
        native::run(args)
    } else if args.p3 {
        p3::run(args)
    } else {
        component::run(args)
    }
}
