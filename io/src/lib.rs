//! What every adapter of [`websocket_engine`] shares on the I/O side, so
//! that each adapter is only a pump: the adapter's [`Error`] (the core's
//! [`ProtocolError`](websocket_engine::ProtocolError), the transport's I/O
//! error, or TLS's [`TlsError`]), the rules a pump follows around a
//! session ([`pump`]: what a flush returns, what the first event makes of
//! a handshake, output in flight, when to move a timer, a proxy's
//! replies), how a client reaches its server ([`ConnectOptions`],
//! [`first_hop`], [`parse_url`]), and, with feature `rustls` on native
//! targets, the rustls configurations of its `tls` module.
//!
//! ```text
//!   websocket-engine   the protocol: Session, handshakes, frames (no I/O)
//!         │
//!   websocket-io       this crate: Error, ConnectOptions, tls
//!         │
//!   ┌─────┴──────────┬──────────────┬───────────────┬──────────────┐
//!   websocket-       websocket-     websocket-wasi  websocket-     websocket-host
//!   blocking         tokio          (wasi:io)       wasip3 (p3)    (wasmtime)
//! ```
//!
//! ```
//! use websocket_io::{first_hop, ConnectOptions, Error};
//! use websocket_engine::{Proxy, WsUrl};
//!
//! let url = WsUrl::parse("ws://[::1]:9001/chat")?;
//! let options = ConnectOptions::new().proxy(Proxy::parse("http://proxy.example:3128")?);
//! let proxy = options.proxy_for(&url)?;
//! assert_eq!(first_hop(proxy.as_ref(), &url), ("proxy.example", 3128));
//! assert_eq!(first_hop(None, &url), ("::1", 9001));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(unsafe_code)]

mod connect;
mod error;
pub mod pump;
pub mod sockets;
#[cfg(all(feature = "rustls", not(target_arch = "wasm32")))]
pub mod tls;

pub use connect::{first_hop, parse_url, ConnectOptions};
pub use error::{Error, TlsError};
