#![cfg(not(target_arch = "wasm32"))]
//! Runs the `websocket-engine` library component inside an embedded
//! wasmtime: the host owns the TCP sockets and hands each connection's
//! streams to the component through the WIT `connection` interface.
//!
//! ```text
//!   TCP (tokio) ──► TcpInput / TcpOutput (non-blocking) ──► wasi:io streams
//!                                                              │
//!         one Store + instance per connection                  ▼
//!   ComponentConnection::accept / connect ──► websocket:protocol/connection
//!   read_message, send_text, ...          ◄── (the engine, in wasm)
//! ```
//!
//! [`Runtime`] compiles the component (`websocket_component.wasm`, from a
//! path or bytes you give it) and makes instances;
//! [`ComponentConnection`] drives one connection; [`serve_echo`] is the echo
//! server behind the `serve` example; [`compose`] plugs the library into an
//! application component.

pub mod bindings;
mod compose;
mod connection;
mod runtime;
mod tcp;

pub use compose::compose;
pub use connection::{serve_echo, ComponentConnection, HostError};
pub use runtime::{Access, HostState, Runtime};
