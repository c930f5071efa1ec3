//! The adapter over `wasi:io` streams and `wasi:sockets`, for code running
//! as a WASI 0.2 component. It uses only the core's public API.
//!
//! A [`StreamConnection`] drives the handshake and the connection over an
//! input and an output stream, either handed in by the host or opened with
//! [`connect`] or a [`Listener`]. Drive it without blocking with
//! [`StreamConnection::poll_event`] after polling its
//! [`StreamConnection::subscribe`] pollable among others, or block with
//! [`StreamConnection::read_message`] and [`StreamConnection::flush`].
//! Writes never exceed the output stream's `check-write` budget.

mod net;
mod stream;

pub use net::{connect, Listener};
pub use stream::{StreamConnection, StreamEvent, StreamState};

use crate::Error;

/// A transport error from a WASI call, as the engine's [`Error::Io`].
fn io_error(what: &str, detail: impl core::fmt::Debug) -> Error {
    std::io::Error::other(format!("{what}: {detail:?}")).into()
}

/// The monotonic-clock instant `limit` from now.
fn deadline_after(limit: std::time::Duration) -> u64 {
    let limit = u64::try_from(limit.as_nanos()).unwrap_or(u64::MAX);
    wasi::clocks::monotonic_clock::now().saturating_add(limit)
}
