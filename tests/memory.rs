//! Memory, counted by this test's own allocator (live bytes, and every
//! byte and allocation ever made).
//!
//! - Output stays bounded under steady partial writes. A transport that
//!   always leaves a few bytes behind (a slow peer) must not make the
//!   output buffer grow: the written prefix is dropped as it goes. (Before,
//!   the buffer was cleared only when all of it had been written, so it
//!   grew without bound while `max_pending_output`, which counts only what
//!   is pending, never tripped.)
//! - A received message is allocated once, at its size: the decoder
//!   gathers (and unmasks) it into one buffer of the frame's length and
//!   hands that buffer over. (Before, a binary message was copied out of
//!   the decoder's buffer, which had grown by doubling: three times its
//!   size allocated.)
//! - A message sent to many sessions is not copied per session beyond the
//!   framing each writes into its own output.
//! - With vectored output, an echoed message goes out from its own
//!   payload: nothing is allocated or copied to send it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use websocket_engine::framing::rfc6455::{self, OpCode};
use websocket_engine::{Bytes, ClientConfig, Event, Message, SeededEntropy, ServerConfig, Session, Version};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
/// Every byte ever allocated (a `realloc` counts its new size).
static TOTAL: AtomicUsize = AtomicUsize::new(0);

/// The bytes allocated while `f` runs, and what it returns. The tests in
/// this file run one at a time (`LOCK`), so the count is theirs.
fn allocated<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let before = TOTAL.load(Ordering::Relaxed);
    let out = f();
    (TOTAL.load(Ordering::Relaxed) - before, out)
}

static LOCK: Mutex<()> = Mutex::new(());

#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        TOTAL.fetch_add(layout.size(), Ordering::Relaxed);
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
        TOTAL.fetch_add(new_size, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn steady_partial_writes_keep_output_memory_bounded() {
    let _one_at_a_time = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let now = Instant::now();
    let mut session = Session::open_server(Version::Rfc6455, &ServerConfig::default(), None, now);
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

/// Frames `count` binary messages of `size` bytes as a client would
/// (masked) or a server would (unmasked), each message its own frame.
fn wire(count: usize, size: usize, masked: bool) -> Vec<u8> {
    let mut wire = Vec::new();
    for i in 0..count {
        let payload = vec![i as u8; size];
        let mask = masked.then_some([1, 2, 3, 4]);
        rfc6455::encode_frame(true, OpCode::Binary, &payload, mask, &mut wire).unwrap();
    }
    wire
}

/// Feeds `wire` to `session` in `chunk`-byte pieces and returns the
/// messages.
fn receive(session: &mut Session, wire: &[u8], chunk: usize) -> Vec<Message> {
    let now = Instant::now();
    let mut got = Vec::new();
    for piece in wire.chunks(chunk) {
        session.handle_input(now, piece);
        while let Some(event) = session.poll_event() {
            match event {
                Event::Message(message) => got.push(message),
                Event::Opened => {}
                other => panic!("{other:?}"),
            }
        }
    }
    got
}

#[test]
fn a_received_binary_message_is_allocated_once_at_its_size() {
    let _one_at_a_time = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    const COUNT: usize = 200;
    const SIZE: usize = 64 * 1024;
    let now = Instant::now();
    // Masked frames to a server, each split over many reads; unmasked
    // frames to a client, split, and whole in one read.
    let cases = [(true, 1500), (false, 1500), (false, usize::MAX)];
    for (masked, chunk) in cases {
        let mut session = match masked {
            true => Session::open_server(Version::Rfc6455, &ServerConfig::default(), None, now),
            false => {
                let config = ClientConfig::new(Version::Rfc6455);
                Session::open_client(&config, &mut SeededEntropy::new(1), None, now).unwrap()
            }
        };
        let wire = wire(COUNT, SIZE, masked);
        let (bytes, got) = allocated(|| receive(&mut session, &wire, chunk.min(wire.len())));
        assert_eq!(got.len(), COUNT);
        for (i, message) in got.iter().enumerate() {
            assert_eq!(message, &Message::binary(vec![i as u8; SIZE]));
        }
        let payload = COUNT * SIZE;
        // The payload once, and some bookkeeping (the event queue, the
        // `Bytes` headers); a second copy would double it.
        assert!(
            bytes < payload + payload / 10,
            "masked {masked}, reads of {chunk}: {bytes} bytes allocated for {payload} bytes of messages ({:.2}x)",
            bytes as f64 / payload as f64
        );
    }
}

#[test]
fn a_broadcast_allocates_the_payload_once() {
    let _one_at_a_time = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    const CONNECTIONS: usize = 1000;
    const SIZE: usize = 16 * 1024;
    let now = Instant::now();
    let config = ServerConfig::default();
    let mut sessions: Vec<Session> = (0..CONNECTIONS)
        .map(|_| Session::open_server(Version::Rfc6455, &config, None, now))
        .collect();
    let drain = |sessions: &mut Vec<Session>, message: &Message| {
        for session in sessions.iter_mut() {
            session.send(&message.clone()).unwrap();
            let n = session.poll_output(now).len();
            assert_eq!(n, SIZE + 4);
            session.advance_output(n);
        }
    };
    // The first broadcast sizes each session's output buffer, kept for
    // the next ones (up to 64 KiB each).
    drain(&mut sessions, &Message::binary(vec![1; SIZE]));
    let (bytes, ()) = allocated(|| {
        let message = Message::Binary(Bytes::from(vec![2; SIZE]));
        drain(&mut sessions, &message);
    });
    assert!(
        bytes < 2 * SIZE,
        "{bytes} bytes allocated to send {SIZE} bytes to {CONNECTIONS} sessions"
    );
}

#[test]
fn an_echo_with_vectored_output_sends_the_payload_itself() {
    let _one_at_a_time = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    const COUNT: usize = 50;
    const SIZE: usize = 64 * 1024;
    let now = Instant::now();
    let mut server = Session::open_server(Version::Rfc6455, &ServerConfig::default(), None, now);
    server.set_vectored_output(true);
    let messages = receive(&mut server, &wire(COUNT, SIZE, true), 1500);
    assert_eq!(messages.len(), COUNT);
    // The first echo sizes the queue of shared payloads.
    server.send(&messages[0]).unwrap();
    server.advance_output(10 + SIZE);
    let (bytes, ()) = allocated(|| {
        for message in &messages[1..] {
            let Message::Binary(payload) = message else {
                panic!("{message:?}")
            };
            server.send(message).unwrap();
            let mut runs = [std::io::IoSlice::new(&[]); 4];
            let n = server.poll_output_vectored(now, &mut runs);
            assert_eq!(n, 2, "the header, then the payload");
            assert_eq!(&runs[0][..], &[0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
            assert_eq!(runs[1].as_ptr(), payload.as_ptr(), "the payload itself");
            assert_eq!(runs[1].len(), SIZE);
            server.advance_output(10 + SIZE);
            assert!(!server.has_output());
        }
    });
    // Only the reference count of each payload, made at its first clone
    // (`Bytes` from a `Vec` allocates it then): 24 bytes a message.
    let per_message = bytes / (COUNT - 1);
    assert!(
        per_message <= 32,
        "{per_message} bytes allocated per echoed message"
    );
    // Without it, the same message is copied into the output, all of it
    // in one run.
    let mut copying = Session::open_server(Version::Rfc6455, &ServerConfig::default(), None, now);
    copying.send(&messages[1]).unwrap();
    assert_eq!(copying.poll_output(now).len(), 10 + SIZE);
}

/// What one compressing connection holds once it has sent and received a
/// compressed message with the default settings (windows of 2^12 bytes):
/// zlib-rs's compressor (its hash table has 64 Ki entries whatever the
/// memory level) and decompressor, and the frame buffers. SECURITY.md and
/// `DeflateConfig`'s docs give this figure.
#[test]
fn a_compressing_connection_holds_about_210_kib() {
    use websocket_engine::framing::rfc6455::{Decoder, Encoder};
    use websocket_engine::Status;
    use websocket_engine::{DeflateConfig, DeflateParams, Limits, Role};
    let _one = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let agreed = DeflateParams {
        server_max_window_bits: 12,
        client_max_window_bits: 12,
        ..DeflateParams::default()
    };
    let text = "a compressible message, ".repeat(50);
    // What the client sends, made before counting.
    let mut masked = Vec::new();
    Encoder::with_deflate(Role::Client, &agreed, &DeflateConfig::default())
        .encode(
            true,
            OpCode::Text,
            text.as_bytes(),
            Some([1, 2, 3, 4]),
            &mut masked,
        )
        .unwrap();
    let mut wire = Vec::with_capacity(1024);
    let before = LIVE.load(Ordering::Relaxed);
    let mut encoder = Encoder::with_deflate(Role::Server, &agreed, &DeflateConfig::default());
    let mut decoder = Decoder::new(Role::Server, &Limits::default()).with_deflate(&agreed);
    encoder
        .encode(true, OpCode::Text, text.as_bytes(), None, &mut wire)
        .unwrap();
    let Status::Complete { value: frame, .. } = decoder.decode(&masked).unwrap() else {
        panic!("a whole frame")
    };
    drop(frame);
    let held = LIVE.load(Ordering::Relaxed) - before;
    let sent = wire.len();
    eprintln!(
        "a compressing connection holds {} KiB ({sent} bytes sent)",
        held / 1024
    );
    assert!((180 * 1024..240 * 1024).contains(&held), "{held} bytes");
}
