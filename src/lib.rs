//! A sans-IO WebSocket engine for the hixie-75 and hixie-76 drafts and RFC
//! 6455, for native Rust and for WASI 0.2 components. One server tells the
//! three versions apart on one port.
//!
//! # Data flow
//!
//! ```text
//!   transport (socket, stream, test)          your code
//!        │                  ▲                  │     ▲
//!  bytes │                  │ bytes            │     │ events
//!        ▼                  │                  ▼     │
//!  ┌─────────────────────────────────────────────────────────────┐
//!  │ Session                                                     │
//!  │  handle_input(now, bytes)   poll_output(now) / advance_output│
//!  │  handle_eof()               send_text, send_binary, ping,   │
//!  │  poll_timeout() ──► when    close, close_with, *_part       │
//!  │  handle_timeout(now)        poll_event → Event              │
//!  │                                                             │
//!  │  opening handshake ─► frames ─► closing handshake           │
//!  │  (ServerHandshake/ClientHandshake, framing::{hixie,rfc6455})│
//!  │  timers: handshake, close, write progress, keepalive, idle  │
//!  └─────────────────────────────────────────────────────────────┘
//!        ▲ pumps: blocking (Read + Write), tokio_io (AsyncRead + AsyncWrite),
//!        │        wasi_adapter (wasi:io streams), the websocket-host crate
//! ```
//!
//! A [`Session`] is one connection from the first byte of the opening
//! handshake to the last of the closing one, in either role and any
//! version. It performs no I/O, reads no clock and draws no randomness of
//! its own: bytes and instants come in, events and bytes go out, and a
//! failure is its last event. Entropy is an argument ([`Entropy`]; an RFC
//! 6455 client seeds its masking-key generator from it). The adapters are
//! pumps over it: [`blocking`] over `std::io::Read + Write`, `tokio_io`
//! over tokio streams (feature `tokio`), `wasi_adapter` over `wasi:io`
//! streams inside a WASI 0.2 component. [`Limits`] bounds memory,
//! [`Timeouts`] time.
//!
//! # Example
//!
//! A client and a server session, wired to each other in memory:
//!
//! ```
//! use std::time::Instant;
//! use websocket_engine::*;
//!
//! let now = Instant::now();
//! let url = WsUrl::parse("ws://example.com/chat").unwrap();
//! let config = ClientConfig::new(Version::Rfc6455);
//! let mut client = Session::client(&url, config, &mut SeededEntropy::new(1), now).unwrap();
//! let mut server = Session::server(ServerConfig::default(), ServerPolicy::default(), now);
//!
//! // What a pump does: the transport takes the output, the peer gets it.
//! fn pass(from: &mut Session, to: &mut Session, now: Instant) {
//!     let bytes = from.poll_output(now).to_vec();
//!     from.advance_output(bytes.len());
//!     to.handle_input(now, &bytes);
//! }
//! pass(&mut client, &mut server, now); // the request
//! pass(&mut server, &mut client, now); // the response
//! assert_eq!(server.poll_event(), Some(Event::Opened));
//! assert_eq!(client.poll_event(), Some(Event::Opened));
//!
//! client.send_text("hello").unwrap();
//! pass(&mut client, &mut server, now);
//! assert_eq!(
//!     server.poll_event(),
//!     Some(Event::Message(Message::Text("hello".into())))
//! );
//! // No timer is due yet; the keepalive ping is 20 s away.
//! assert_eq!(server.poll_timeout(), Some(now + std::time::Duration::from_secs(20)));
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
