//! Output memory stays bounded under steady partial writes. A transport
//! that always leaves a few bytes behind (a slow peer) must not make the
//! output buffer grow: the written prefix is dropped as it goes. (Before,
//! the buffer was cleared only when all of it had been written, so it grew
//! without bound while `max_pending_output`, which counts only what is
//! pending, never tripped.) Live heap bytes are counted by this test's own
//! allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use websocket_engine::{ServerConfig, Session, Version};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn steady_partial_writes_keep_output_memory_bounded() {
    let now = Instant::now();
    let mut session = Session::open_server(Version::Rfc6455, &ServerConfig::default(), now);
    let message = "x".repeat(1000);
    let before = LIVE.load(Ordering::Relaxed);
    let mut peak = 0;
    // 20 MB sent; the transport always takes all but the last 10 bytes.
    for _ in 0..20_000 {
        session.send_text(&message).unwrap();
        let pending = session.poll_output(now).len();
        session.advance_output(pending - 10);
        peak = peak.max(LIVE.load(Ordering::Relaxed).saturating_sub(before));
    }
    assert!(peak < 64 * 1024, "the output grew to {peak} bytes");
}
