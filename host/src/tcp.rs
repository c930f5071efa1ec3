//! `wasi:io` streams straight over a tokio TCP socket.
//!
//! wasmtime-wasi's generic `AsyncReadStream` and `AsyncWriteStream` put a
//! background task and a channel between the socket and the guest: every
//! message the guest reads or writes wakes a second task, and every read
//! allocates a fresh 64 KiB buffer. These streams instead read and write the
//! socket from the guest's own call, without blocking (`try_read_buf`,
//! `try_write`), and only wait for readiness when the guest blocks on the
//! stream's pollable.
//!
//! The output stream buffers at most one write that the kernel did not take
//! whole; until the kernel has taken it, `check-write` answers 0, so memory
//! per connection stays bounded by [`WRITE_BUDGET`] and a peer that stops
//! reading stalls the guest (which has its own write timeout) instead of
//! growing a buffer.

use std::io;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use wasmtime_wasi::p2::{InputStream, OutputStream, Pollable, StreamError, StreamResult};

/// Most bytes one `write` may hand over (the `check-write` permit).
pub(crate) const WRITE_BUDGET: usize = 64 * 1024;

/// Most bytes one `read` returns, whatever the guest asks for.
const MAX_READ: usize = 64 * 1024;

/// The reading half, as a `wasi:io` input stream.
pub(crate) struct TcpInput {
    tcp: OwnedReadHalf,
    /// Reused between reads: once the guest has copied the previous read's
    /// bytes, `reserve` takes the same allocation back.
    buf: BytesMut,
    closed: bool,
}

impl TcpInput {
    pub(crate) fn new(tcp: OwnedReadHalf) -> Self {
        TcpInput {
            tcp,
            buf: BytesMut::new(),
            closed: false,
        }
    }
}

#[wasmtime_wasi::async_trait]
impl InputStream for TcpInput {
    fn read(&mut self, size: usize) -> StreamResult<Bytes> {
        if self.closed {
            return Err(StreamError::Closed);
        }
        let size = size.min(MAX_READ);
        if size == 0 {
            return Ok(Bytes::new());
        }
        self.buf.clear();
        self.buf.reserve(size);
        // `try_read_buf` fills the spare capacity, up to its end: bound it.
        match self.tcp.try_read_buf(&mut (&mut self.buf).limit(size)) {
            Ok(0) => {
                self.closed = true;
                Err(StreamError::Closed)
            }
            Ok(_) => Ok(self.buf.split().freeze()),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(Bytes::new()),
            Err(e) => {
                self.closed = true;
                Err(StreamError::LastOperationFailed(e.into()))
            }
        }
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for TcpInput {
    async fn ready(&mut self) {
        if !self.closed {
            // An error here shows up in the next `read`.
            let _ = self.tcp.readable().await;
        }
    }
}

/// The writing half, as a `wasi:io` output stream.
pub(crate) struct TcpOutput {
    tcp: OwnedWriteHalf,
    /// What the kernel has not taken yet of the last write.
    pending: Bytes,
    /// The error that ended the stream, reported by every later call.
    failed: Option<io::ErrorKind>,
}

impl TcpOutput {
    pub(crate) fn new(tcp: OwnedWriteHalf) -> Self {
        TcpOutput {
            tcp,
            pending: Bytes::new(),
            failed: None,
        }
    }

    /// Hands the kernel as much of `pending` as it takes without blocking.
    fn drain(&mut self) -> StreamResult<()> {
        if let Some(kind) = self.failed {
            return Err(failure(kind));
        }
        while !self.pending.is_empty() {
            match self.tcp.try_write(&self.pending) {
                Ok(n) => self.pending.advance(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => {
                    self.failed = Some(e.kind());
                    self.pending.clear();
                    return Err(failure(e.kind()));
                }
            }
        }
        Ok(())
    }
}

/// A broken connection is `closed`; anything else is a failed operation.
fn failure(kind: io::ErrorKind) -> StreamError {
    match kind {
        io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset => StreamError::Closed,
        kind => StreamError::LastOperationFailed(io::Error::from(kind).into()),
    }
}

#[wasmtime_wasi::async_trait]
impl OutputStream for TcpOutput {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.drain()?;
        if !self.pending.is_empty() || bytes.len() > WRITE_BUDGET {
            return Err(StreamError::trap("write exceeds the check-write permit"));
        }
        self.pending = bytes;
        self.drain()
    }

    /// Writes go to the kernel as they are made; a flush has nothing to add,
    /// and `check-write` pends until the last write is all taken.
    fn flush(&mut self) -> StreamResult<()> {
        self.drain()
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        self.drain()?;
        Ok(if self.pending.is_empty() { WRITE_BUDGET } else { 0 })
    }

    /// Dropped with bytes the kernel has not taken: offer them once more
    /// without waiting (the guest flushes before it drops a stream it
    /// wants delivered, so only a guest that gave up gets here).
    async fn cancel(&mut self) {
        let _ = self.drain();
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for TcpOutput {
    async fn ready(&mut self) {
        while self.failed.is_none() && !self.pending.is_empty() {
            if let Err(e) = self.tcp.writable().await {
                self.failed = Some(e.kind());
                return;
            }
            let _ = self.drain();
        }
    }
}
