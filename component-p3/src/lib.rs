//! The `websocket-engine` as a WASI 0.3 component: built for
//! `wasm32-wasip2` (`cargo build --release --target wasm32-wasip2 -p
//! websocket-component-p3`), this crate is
//! `target/wasm32-wasip2/release/websocket_component_p3.wasm`, which
//! exports the WIT package `websocket:protocol@0.2.0` (`wit/p3/`): the
//! sans-IO `handshake` and `framing` interfaces as in 0.1.0, and
//! `connection` with async calls over `stream<u8>`.
//!
//! ```text
//!   host, or a component composed with this one     this component
//!   ────────────────────────────────────────────    ──────────────────────────────────────
//!   connection.accept(input) ─ stream<u8> out ◀───▶  glue: WIT types ⇄ engine types
//!   next-event, send, decide (async, overlapping) ─▶  websocket_wasip3::SharedConnection
//!         ▲ wasi:sockets@0.3, wasi:clocks@0.3           └─ driver task ─ Pump ─ Session
//! ```
//!
//! It holds only the glue, which translates. The glue for `types`,
//! `handshake` and `framing` is shared with the WASI 0.2 component:
//! `websocket-component-glue`'s `shared_glue!` macro, expanded against
//! this package's bindings (the interfaces are the same); behaviour lives
//! in the engine and in `websocket-wasip3`.
//!
//! A host calls it inside wasmtime's `run_concurrent`, e.g. (see
//! `tests/component_p3.rs` for a whole one):
//!
//! ```ignore
//! store.run_concurrent(async |store| {
//!     let listener = api.listener().call_bind(store, "127.0.0.1:0".into(), options).await??;
//!     let conn = api.listener().call_accept(store, listener).await??;
//!     while let Some(event) = api.connection().call_next_event(store, conn).await?? { /* … */ }
//! }).await
//! ```
//!
//! Built natively, the crate is empty.

#![deny(unsafe_code)]

// The bindings wit-bindgen generates for the exports need unsafe code.
#[cfg(all(target_arch = "wasm32", target_os = "wasi"))]
#[allow(unsafe_code)]
mod glue;
