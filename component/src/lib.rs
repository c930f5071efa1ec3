//! The `websocket-engine` as a WASI 0.2 component: built for
//! `wasm32-wasip2` (`cargo build --release --target wasm32-wasip2 -p
//! websocket-component`), this crate is
//! `target/wasm32-wasip2/release/websocket_component.wasm`, which exports
//! the WIT package `websocket:protocol` (`wit/` at the workspace root: the
//! sans-IO `handshake` and `framing` interfaces, and `connection` over
//! `wasi:io` streams and `wasi:sockets`).
//!
//! ```text
//!   host, or a component composed with this one       this component
//!   ───────────────────────────────────────────       ─────────────────────────────────
//!   connection.accept(input, output, options) ──────►  glue: WIT types ⇄ engine types
//!   poll-event, next-event, send, decide ───────────►  websocket_wasi::StreamConnection
//!         ▲ wasi:io streams, pollables, clocks           └─ websocket_engine::Session
//! ```
//!
//! It holds only the glue, which translates; behaviour lives in the engine
//! and in `websocket-wasi`, the adapter over `wasi:io` that a wasm32
//! program can use without exporting this package. A minimal host (see
//! the `websocket-host` crate for a whole one):
//!
//! ```ignore
//! let rt = websocket_host::Runtime::new("websocket_component.wasm".as_ref())?;
//! let conn = websocket_host::ComponentConnection::accept(&rt, tcp, &options).await?;
//! ```
//!
//! Built natively, the crate is empty.

#![deny(unsafe_code)]

// The bindings wit-bindgen generates for the exports need unsafe code.
#[cfg(all(target_arch = "wasm32", target_os = "wasi"))]
#[allow(unsafe_code)]
mod glue;
