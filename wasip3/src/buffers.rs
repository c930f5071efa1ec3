//! The instance's pools of I/O buffers. A read or write in flight owns its
//! buffer (the host fills or drains it in place), so buffers cannot be
//! borrowed from one static array; the pools keep some for reuse, so that
//! a busy instance allocates none per operation.

use std::cell::RefCell;

/// The size of a large buffer: what a read asks for when the last one
/// filled its buffer, and what a write takes.
pub(crate) const CHUNK: usize = 16 * 1024;

/// The size of a small buffer: what a read asks for otherwise. A read
/// waits with its buffer (wasmtime writes into it when data comes), so an
/// idle connection holds one of these.
pub(crate) const SMALL: usize = 2 * 1024;

/// Buffers of each size kept for reuse. More than this are in flight only
/// while many operations block at once; those are freed when they come
/// back.
const KEPT: usize = 64;

thread_local! {
    static LARGE: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
    static SMALLS: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

/// An empty buffer with room for [`CHUNK`] bytes, or [`SMALL`] ones.
pub(crate) fn take(large: bool) -> Vec<u8> {
    let (pool, size) = if large { (&LARGE, CHUNK) } else { (&SMALLS, SMALL) };
    pool.with(|pool| pool.borrow_mut().pop())
        .unwrap_or_else(|| Vec::with_capacity(size))
}

/// Returns a buffer to its pool (one that grew is dropped).
pub(crate) fn give_back(mut buf: Vec<u8>) {
    let pool = match buf.capacity() {
        CHUNK => &LARGE,
        SMALL => &SMALLS,
        _ => return,
    };
    buf.clear();
    pool.with(|pool| {
        let mut pool = pool.borrow_mut();
        if pool.len() < KEPT {
            pool.push(buf);
        }
    });
}
