//! A sans-IO WebSocket engine for the hixie-75 and hixie-76 drafts and RFC
//! 6455, for native Rust and for WASI 0.2 components. One server tells the
//! three versions apart on one port.
//!
//! # Data flow
//!
//! ```text
//!            bytes from the peer                     bytes to the peer
//!                    │                                       ▲
//!                    ▼                                       │
//!  ┌──────────────────────────────────┐   request / response bytes
//!  │ ClientHandshake / ServerHandshake├──────────────────────►│
//!  │  handle_input → Status::Partial  │                       │
//!  │            or Status::Complete   │                       │
//!  └───────────────┬──────────────────┘                       │
//!                  │ into_connection / accept                 │
//!                  │ (+ leftover bytes)                       │
//!                  ▼                                          │
//!  ┌──────────────────────────────────┐  pending_output /     │
//!  │ Connection                       │  advance_output       │
//!  │  handle_input, handle_eof        ├──────────────────────►│
//!  │  send_text, send_binary, close   │
//!  │  poll_event → Event              │
//!  └──────────────────────────────────┘
//! ```
//!
//! The core performs no I/O, reads no clock and draws no randomness of its
//! own: entropy is an argument ([`Entropy`]; an RFC 6455 client seeds its
//! masking-key generator from it), time limits are enforced by adapters.
//! [`blocking`] is the adapter over `std::io::Read + Write`.
//!
//! # Example
//!
//! A client and a server handshake, wired to each other in memory:
//!
//! ```
//! use websocket_engine::*;
//!
//! let url = WsUrl::parse("ws://example.com/chat").unwrap();
//! let mut client = ClientHandshake::new(
//!     &url,
//!     ClientConfig::new(Version::Rfc6455),
//!     &mut SeededEntropy::new(1),
//! )
//! .unwrap();
//! let mut server = ServerHandshake::new(ServerConfig::default());
//! assert_eq!(
//!     server.handle_input(client.request()).unwrap(),
//!     Status::Complete { consumed: client.request().len() }
//! );
//! let (response, mut server_conn) = server.accept(None).unwrap();
//! assert!(matches!(client.handle_input(&response).unwrap(), Status::Complete { .. }));
//! let (mut client_conn, _) = client.into_connection().unwrap();
//!
//! client_conn.send_text("hello").unwrap();
//! server_conn.handle_input(client_conn.pending_output()).unwrap();
//! assert_eq!(
//!     server_conn.poll_event(),
//!     Some(Event::Message(Message::Text("hello".into())))
//! );
//! ```

#![deny(unsafe_code)]

pub mod blocking;
// The bindings wit-bindgen generates for the exports need unsafe code.
#[cfg(all(target_arch = "wasm32", target_os = "wasi", feature = "component"))]
#[allow(unsafe_code)]
mod component;
mod entropy;
mod error;
pub mod framing;
mod handshake;
mod limits;
mod session;
mod timeouts;
#[cfg(all(feature = "tokio", not(target_arch = "wasm32")))]
pub mod tokio_io;
mod url;
mod version;
#[cfg(all(target_arch = "wasm32", target_os = "wasi"))]
pub mod wasi_adapter;

pub use entropy::{Entropy, SeededEntropy, SystemEntropy};
pub use error::{Culprit, Error, FrameError, HandshakeError, Phase, UrlError, UsageError};
pub use handshake::{
    hixie76_answer, rejection_response, rfc6455_accept, ClientConfig, ClientHandshake, HandshakeResponse,
    Request, ServerConfig, ServerHandshake, ServerPolicy, Status,
};
pub use limits::Limits;
pub use session::{Closed, Event, Message, Session, State, Step};
pub use timeouts::Timeouts;
pub use url::WsUrl;
pub use version::{Role, UnknownVersion, Version};

/// The README's Rust examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
