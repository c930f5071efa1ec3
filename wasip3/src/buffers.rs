//! The instance's pool of I/O buffers. A read or write in flight owns its
//! buffer (the host fills or drains it in place), so buffers cannot be
//! borrowed from one static array; the pool keeps a few for reuse, so that
//! a busy instance allocates none per operation and an idle connection
//! holds none.

use std::cell::RefCell;

/// The size of a pooled buffer: the most one read asks for.
pub(crate) const CHUNK: usize = 16 * 1024;

/// Buffers kept for reuse. More than this are in flight only while many
/// operations block at once; those are freed when they come back.
const KEPT: usize = 64;

thread_local! {
    static POOL: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

/// An empty buffer with room for [`CHUNK`] bytes.
pub(crate) fn take() -> Vec<u8> {
    POOL.with(|pool| pool.borrow_mut().pop())
        .unwrap_or_else(|| Vec::with_capacity(CHUNK))
}

/// Returns a buffer to the pool (a zero-capacity one, a readiness check's,
/// or one that grew is dropped).
pub(crate) fn give_back(mut buf: Vec<u8>) {
    if buf.capacity() != CHUNK {
        return;
    }
    buf.clear();
    POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        if pool.len() < KEPT {
            pool.push(buf);
        }
    });
}
