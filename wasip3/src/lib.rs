//! The adapter over WASI 0.3 (p3) sockets, for code running as an async
//! component: a [`Connection`] pumps a [`Session`](websocket_engine::Session)
//! over a TCP socket's two byte streams (`stream<u8>`), one task per
//! connection, with no `wasi:io/poll` anywhere. It uses only the core's
//! public API.
//!
//! ```text
//!   socket.receive() ──stream<u8>──▶ read ──▶ Session ──▶ events ──▶ caller
//!   socket.send(..)  ◀─stream<u8>─── write ◀─ Session ◀── sends  ◀── caller
//!   monotonic-clock.wait-for ──────▶ timer ─▶ Session (keepalive, time-outs)
//! ```
//!
//! Every operation in flight is owned by the connection, not by the call
//! that waits for it, so any call may be cancelled without losing a byte;
//! an idle connection holds one 2 KiB read buffer (see the `pump` module).
//!
//! A [`Connection`] takes `&mut self`: one task drives it. A
//! [`SharedConnection`] (`From<Connection>`) takes `&self`, so that one
//! task waits for events while others send; its I/O runs in a driver task
//! of its own. The WASI 0.3 library component (`component-p3`) is built
//! on it.
//!
//! A server: [`Listener::bind`], then [`Listener::accept`] in a loop,
//! spawning a task per connection (`wit_bindgen::spawn_local`):
//!
//! ```ignore
//! let mut listener = Listener::bind("127.0.0.1:9001", DEFAULT_BACKLOG, ServerConfig::new())?;
//! loop {
//!     let mut conn = listener.accept().await?;
//!     wasip3::wit_bindgen::spawn_local(async move {
//!         while let Ok(Some(event)) = conn.next_event().await {
//!             if let Event::Message(message) = event {
//!                 let _ = conn.session_mut().send(&message);
//!             }
//!         }
//!     });
//! }
//! ```

#![cfg(all(target_arch = "wasm32", target_os = "wasi"))]

mod buffers;
mod connection;
mod net;
mod pump;
mod shared;
mod timer;
#[cfg(feature = "tls")]
pub mod tls;

pub use connection::{Connection, Streams};
pub use net::{connect, Listener};
pub use shared::SharedConnection;
/// The WASI 0.3 bindings this crate is built on, for the `wasi:cli/run`
/// export and `spawn_local` of the same version.
pub use wasip3;
pub use websocket_io::sockets::DEFAULT_BACKLOG;
