//! One message to many connections: the cost of a broadcast, in time
//! (criterion) and in heap bytes allocated (this bench's own counting
//! allocator, printed once per variant).
//!
//! ```text
//! cargo bench -p websocket-benches --bench broadcast        # about 30 seconds
//! ```
//!
//! 1000 open RFC 6455 server sessions; each iteration receives one 16 KiB
//! binary message from a client session (masked, as a chat server gets it),
//! sends it to all 1000 and lets each transport take its output.
//!
//! - `shared`: the received [`Message`](websocket_engine::Message) is cloned for each session (a
//!   reference count: what a `tokio::sync::broadcast` of messages does) and
//!   sent with [`Session::send`].
//! - `copied`: the payload is copied into a `Vec<u8>` for each session, as
//!   an owned-`Vec` message API made a broadcast do, then sent.
//!
//! Each session's output buffer is sized by the warm-up and kept, so what
//! is allocated per iteration is the messages themselves.

// The criterion benches are native only; on wasm32 this is an empty program.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(bench::benches);

#[cfg(not(target_arch = "wasm32"))]
mod bench {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::hint::black_box;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    use criterion::{criterion_group, Criterion, Throughput};
    use websocket_engine::framing::rfc6455::{self, OpCode};
    use websocket_engine::{Event, ServerConfig, Session, Version};

    struct Counting;

    static TOTAL: AtomicUsize = AtomicUsize::new(0);

    #[allow(unsafe_code)]
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            TOTAL.fetch_add(layout.size(), Ordering::Relaxed);
            // SAFETY: the caller's contract is passed on unchanged.
            unsafe { System.alloc(layout) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: as above.
            unsafe { System.dealloc(ptr, layout) }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            TOTAL.fetch_add(new_size, Ordering::Relaxed);
            // SAFETY: as above.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    #[global_allocator]
    static ALLOCATOR: Counting = Counting;

    const CONNECTIONS: usize = 1000;
    const SIZE: usize = 16 * 1024;

    #[derive(Clone, Copy)]
    enum Variant {
        Shared,
        Copied,
    }

    struct Room {
        inbound: Session,
        wire: Vec<u8>,
        sessions: Vec<Session>,
        now: Instant,
    }

    impl Room {
        fn new() -> Room {
            let now = Instant::now();
            let config = ServerConfig::default();
            let mut wire = Vec::new();
            rfc6455::encode_frame(true, OpCode::Binary, &[42; SIZE], Some([1, 2, 3, 4]), &mut wire).unwrap();
            Room {
                inbound: Session::open_server(Version::Rfc6455, &config, None, now),
                wire,
                sessions: (0..CONNECTIONS)
                    .map(|_| Session::open_server(Version::Rfc6455, &config, None, now))
                    .collect(),
                now,
            }
        }

        /// Receives the client's message and sends it to every session.
        fn broadcast(&mut self, variant: Variant) {
            self.inbound.handle_input(self.now, &self.wire);
            let message = loop {
                match self.inbound.poll_event().expect("a message") {
                    Event::Message(message) => break message,
                    _ => continue,
                }
            };
            for session in &mut self.sessions {
                match variant {
                    Variant::Shared => session.send(&message.clone()).unwrap(),
                    Variant::Copied => {
                        let copy: Vec<u8> = message.payload().to_vec();
                        session.send_binary(black_box(&copy)).unwrap();
                    }
                }
                let n = session.poll_output(self.now).len();
                session.advance_output(n);
            }
        }
    }

    fn broadcast(c: &mut Criterion) {
        let mut group = c.benchmark_group("broadcast_1000");
        group.throughput(Throughput::Bytes((CONNECTIONS * SIZE) as u64));
        for (name, variant) in [("shared", Variant::Shared), ("copied", Variant::Copied)] {
            let mut room = Room::new();
            room.broadcast(variant);
            let before = TOTAL.load(Ordering::Relaxed);
            room.broadcast(variant);
            let bytes = TOTAL.load(Ordering::Relaxed) - before;
            println!(
                "broadcast_1000/{name}: {bytes} bytes allocated per broadcast of {SIZE} bytes ({:.2} payloads)",
                bytes as f64 / SIZE as f64
            );
            group.bench_function(name, |b| b.iter(|| room.broadcast(variant)));
        }
        group.finish();
    }

    criterion_group!(benches, broadcast);
}
