//! The adapter over `wasi:io` streams and `wasi:sockets`, for code running
//! as a WASI 0.2 component. It uses only the core's public API.
//!
//! A [`StreamConnection`] pumps a [`Session`](crate::Session) over an input
//! and an output stream, either handed in by the host or opened with
//! [`connect`] or a [`Listener`]. Drive it without blocking: poll its
//! [`StreamConnection::pollables`] among others (and its
//! [`StreamConnection::deadline`]), call [`StreamConnection::drive`] and
//! take [`StreamConnection::poll_event`]; or block with
//! [`StreamConnection::next_event`], [`StreamConnection::read_message`] and
//! [`StreamConnection::flush`], which the session's timers bound. Writes
//! never exceed the output stream's `check-write` budget.

mod net;
mod stream;

pub use net::{connect, Listener, DEFAULT_BACKLOG};
pub use stream::StreamConnection;

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
