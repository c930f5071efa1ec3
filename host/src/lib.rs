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
//! An echo server with the engine running as a component, one instance per
//! connection:
//!
//! ```no_run
//! use websocket_host::bindings::{Compression, ServerOptions};
//! use websocket_host::{ComponentConnection, Runtime};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // Built with `cargo build --release --target wasm32-wasip2 -p websocket-component`.
//! let rt = Runtime::new("target/wasm32-wasip2/release/websocket_component.wasm".as_ref())?;
//! let options = ServerOptions {
//!     limits: None, timeouts: None, origins: vec![], protocols: vec![], secure: false, utf8: None,
//!     page: None, response_headers: vec![], defer_decisions: false, compression: Compression::Defaults,
//! };
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:9001").await?;
//! let (tcp, _) = listener.accept().await?;
//! let mut conn = ComponentConnection::accept(&rt, tcp, &options).await?;
//! while let Some(message) = conn.read_message().await? {
//!     conn.send(&message).await?;
//! }
//! conn.finish().await?;
//! # Ok(())
//! # }
//! ```
//!
//! [`Runtime`] compiles the component (`websocket_component.wasm`, from a
//! path or bytes you give it) and makes instances, each granted only what
//! its role needs ([`Access`]);
//! [`ComponentConnection`] drives one connection; [`serve_echo`] is the echo
//! server behind the `serve` example; [`compose`] plugs the library into an
//! application component; [`run_p3_command`] runs a WASI 0.3 command
//! component, such as `serve-p3` (`serve --wasi p3`); [`p3`] loads the WASI
//! 0.3 library component and hands it TCP connections as `stream<u8>`.

pub mod bindings;
mod command;
mod compose;
mod connection;
mod guard;
pub mod p3;
mod runtime;
mod tcp;

pub use command::run_p3_command;
pub use compose::compose;
pub use connection::{io_streams, serve_echo, ComponentConnection, HostError};
pub use guard::{GuestLimits, TICK};
pub use runtime::{Access, HostState, Runtime};
