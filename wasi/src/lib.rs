//! The adapter over `wasi:io` streams and `wasi:sockets`, for code running
//! as a WASI 0.2 component. It uses only the core's public API.
//!
//! A [`StreamConnection`] pumps a [`Session`](websocket_engine::Session) over an input
//! and an output stream, either handed in by the host or opened with
//! [`connect`] or a [`Listener`]. Drive it without blocking: poll its
//! [`StreamConnection::pollables`] among others (and its
//! [`StreamConnection::deadline`]), call [`StreamConnection::drive`] and
//! take [`StreamConnection::poll_event`]; or block with
//! [`StreamConnection::next_event`], [`StreamConnection::read_message`] and
//! [`StreamConnection::flush`], which the session's timers bound. Writes
//! never exceed the output stream's `check-write` budget.

#![cfg(all(target_arch = "wasm32", target_os = "wasi"))]

mod net;
mod stream;
#[cfg(feature = "tls")]
mod tls;

pub use net::{connect, connect_with, Listener};
pub use stream::StreamConnection;
pub use websocket_io::sockets::DEFAULT_BACKLOG;

/// Waits for nothing, to let the host run: wasmtime runs a command's whole
/// guest inside one tokio task, whose cooperative budget (128 I/O
/// operations that succeed) resets only when the guest waits. A
/// multiplexer that finds many connections ready spends it in
/// `wasi:io/poll.poll` alone; from then on every `check-write` answers 0
/// and every read comes back empty, the guest never waits, and nothing is
/// served. Calling this after `poll`, and after every few connections
/// served (16 is safe: one round costs about 5 operations), keeps a budget
/// for the I/O. It costs one timer that is already due (wasmtime yields on
/// those).
pub fn yield_to_host() {
    wasi::clocks::monotonic_clock::subscribe_duration(0).block();
}

/// The monotonic-clock instant `limit` from now.
fn deadline_after(limit: std::time::Duration) -> u64 {
    let limit = u64::try_from(limit.as_nanos()).unwrap_or(u64::MAX);
    wasi::clocks::monotonic_clock::now().saturating_add(limit)
}
