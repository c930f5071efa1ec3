//! The WebSocket protocol of the hixie-75 and hixie-76 drafts and RFC 6455,
//! sans-IO, for native Rust and for WASI 0.2 and 0.3 components. One server
//! tells the three versions apart on one port.
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
//!  │  handle_eof(now)            send_text, send_binary, ping,   │
//!  │  poll_timeout() ──► when    close, close_with, *_part       │
//!  │  handle_timeout(now)        poll_event → Event              │
//!  │                                                             │
//!  │  opening handshake ─► frames ─► closing handshake           │
//!  │  (ServerHandshake/ClientHandshake, framing::{hixie,rfc6455})│
//!  │  timers: handshake, close, write progress, keepalive, idle  │
//!  └─────────────────────────────────────────────────────────────┘
//!        ▲ pumps, each a crate of its own over websocket-io (the
//!        │ adapters' error, connect options, TLS, the pump's rules):
//!        │ websocket-blocking (Read + Write), websocket-tokio (tokio),
//!        │ websocket-wasi (wasi:io streams), websocket-wasip3 (WASI 0.3)
//! ```
//!
//! A [`Session`] is one connection from the first byte of the opening
//! handshake to the last of the closing one, in either role and any
//! version. It performs no I/O, reads no clock and draws no randomness of
//! its own: bytes and instants come in, events and bytes go out, and a
//! failure is its last event. Entropy is an argument ([`Entropy`]; an RFC
//! 6455 client seeds its masking-key generator from it). This crate
//! depends on no I/O, TLS or runtime crate and its errors
//! ([`ProtocolError`]) hold no I/O error. The adapters are pumps over it,
//! each a crate of its own: `websocket-blocking` over `std::io::Read +
//! Write`, `websocket-tokio` over tokio streams, `websocket-wasi` over
//! `wasi:io` streams inside a WASI 0.2 component, `websocket-wasip3` over
//! WASI 0.3 streams; `websocket-io` holds what they share (their `Error`,
//! which adds the transport's and TLS's, `ConnectOptions`, rustls
//! configurations and the rules of a pump). [`Limits`] bounds memory,
//! [`Timeouts`] time.
//!
//! # Messages
//!
//! A [`Message`] is [`Text`](Message::Text) (a UTF-8-checked
//! [`Utf8Bytes`]) or [`Binary`](Message::Binary) over [`Bytes`]; hixie
//! length-prefixed frames of other types have their own variant, which RFC
//! 6455 never makes. A received message owns the buffer the decoder
//! gathered it in (no copy after the one from the transport's read), and
//! cloning one shares it, so one message sent to a thousand connections is
//! allocated once.
//!
//! # Configuration
//!
//! [`ServerConfig`] and [`ClientConfig`] are built with methods, and a
//! server's is shared by every connection (`Session::server` and the
//! adapters take an `Arc`):
//!
//! ```
//! use std::sync::Arc;
//! use websocket_engine::{Accept, ClientConfig, Decision, Refusal, ServerConfig, Version};
//!
//! let server = Arc::new(
//!     ServerConfig::new()
//!         .max_message_size(1 << 20)
//!         .protocols(["chat"])
//!         .on_request(|request| match request.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("cookie")) {
//!             true => Decision::Accept(Accept::new().header("Server", "example")),
//!             false => Decision::Refuse(Refusal::new(401)),
//!         }),
//! );
//! let client = ClientConfig::new(Version::Rfc6455).protocols(["chat"]).header("Cookie", "id=1");
//! # let _ = (server, client);
//! ```
//!
//! Every setting, with its default:
//!
//! | setting | default |
//! |---|---|
//! | [`Limits::max_head_bytes`], [`max_headers`](Limits::max_headers) | 8 KiB, 64 header fields |
//! | [`Limits::max_message_bytes`], [`max_frame_bytes`](Limits::max_frame_bytes) (`max_message_size`, `max_frame_size` on the configs) | 16 MiB, 16 MiB |
//! | [`Limits::max_pending_output`] | 16 MiB and 16 bytes queued for sending |
//! | [`Limits::output_high_water`] | 64 KiB: above it the session stops reading the peer |
//! | [`Timeouts::handshake`] | 10 s to complete the opening handshake |
//! | [`Timeouts::close`] | 5 s to complete the closing handshake |
//! | [`Timeouts::write`] | 30 s for the transport to take any byte of waiting output |
//! | [`Timeouts::ping_interval`], [`ping_timeout`](Timeouts::ping_timeout) | 20 s, 20 s (RFC 6455 keepalive) |
//! | [`Timeouts::idle`] | off |
//! | `utf8` (hixie text that is not UTF-8) | servers refuse it, clients replace it with U+FFFD |
//! | [`ClientConfig::version`] | RFC 6455 for `ClientConfig::default()` |
//! | [`ClientConfig::origin`] | none for RFC 6455; the URL's own for hixie, which requires one |
//! | [`ClientConfig::protocols`], [`extra_headers`](ClientConfig::extra_headers) | none |
//! | [`ServerConfig::origins`] | empty: any origin |
//! | [`ServerConfig::protocols`] | none: no subprotocol is confirmed (hixie refuses one it does not support) |
//! | [`ServerConfig::response_headers`] | none |
//! | [`ServerConfig::on_request`] | none: `origins` and `protocols` decide |
//! | [`ServerConfig::defer_decisions`] | false |
//! | [`ServerConfig::page`] | none: a plain `GET /` gets 426 |
//! | [`ServerConfig::secure`] | false: echoed hixie locations use `ws` |
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
//! let mut server = Session::server(ServerConfig::new(), now);
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
//!     Some(Event::Message(Message::text("hello")))
//! );
//! // No timer is due yet; the keepalive ping is 20 s away.
//! assert_eq!(server.poll_timeout(), Some(now + std::time::Duration::from_secs(20)));
//! ```

#![deny(unsafe_code)]

mod deflate;
mod entropy;
mod error;
pub mod framing;
mod handshake;
mod limits;
mod message;
mod proxy;
mod session;
mod setters;
mod state;
mod status;
mod timeouts;
mod url;
mod version;

/// The shared byte buffer messages are made of, re-exported so that users
/// need no `bytes` dependency of their own.
pub use bytes::Bytes;
pub use deflate::{DeflateConfig, DeflateParams};
pub use entropy::{Entropy, SeededEntropy, SystemEntropy};
pub use error::{
    Culprit, FrameError, HandshakeError, Phase, ProtocolError, ProxyError, UrlError, UsageError,
};
pub use handshake::{
    hixie76_answer, rfc6455_accept, Accept, ClientConfig, ClientHandshake, Decision, HandshakeResponse,
    Refusal, Request, ServerConfig, ServerHandshake,
};
pub use limits::Limits;
pub use message::{Message, Utf8Bytes};
pub use proxy::{Proxy, ProxyHandshake, ProxyScheme};
pub use session::{Closed, Event, Session, State, Step};
pub use status::Status;
pub use timeouts::Timeouts;
pub use url::{unbracket, WsUrl};
pub use version::{Role, UnknownVersion, Version};

/// The README's Rust examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
