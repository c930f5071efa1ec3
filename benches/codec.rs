//! The codec benchmarks: our hixie and RFC 6455 encoders and decoders side
//! by side with tungstenite 0.30, fastwebsockets 0.10 and a lower bound, on
//! the same payloads, in one criterion run.
//!
//! ```text
//! cargo bench -p websocket-benches --bench codec                       # 6 to 7 minutes on 2 cores
//! cargo bench -p websocket-benches --bench codec -- --warm-up-time 1 --measurement-time 3   # about 12
//! cargo bench -p websocket-benches --bench codec -- rfc6455_decode/text_ascii   # one group
//! python3 benches/report.py --svg ratios.svg      # the tables and chart
//! ```
//!
//! Every payload is one of [`common::SIZES`] (16 B to 64 KiB) and holds
//! printable ASCII (`text_ascii`), UTF-8 with 1-, 2-, 3- and 4-byte
//! characters in equal numbers (`text_mixed`), or random bytes (`binary`).
//! One iteration handles a batch of 256 KiB of payload: 16384 messages of
//! 16 B, ..., 4 of 64 KiB (so criterion's per-iteration overhead never
//! shows). Throughput is payload bytes (frame headers not counted).
//!
//! Groups, each with parameter = payload size:
//!
//! * `hixie_decode/{text_ascii,text_mixed}`: `00 <text> FF` frames.
//!   - `ours`: `hixie::Decoder::decode` (hixie76, strict UTF-8) called
//!     once per frame over the batch's wire image, which it borrows (no copy):
//!     frame-type state machine, `memchr` for `FF`, `simdutf8` validation.
//!   - `bound`: the same work without a state machine or limits: check the
//!     type byte, `memchr`, `simdutf8`.
//! * `hixie_encode/{text_ascii,text_mixed}`: the batch appended to one
//!   output buffer (cleared, not freed, per iteration).
//!   - `ours`: `hixie::encode_text` per message.
//!   - `bound`: the same bytes written into a pre-sized buffer by index (one
//!     `memcpy` per message, no capacity checks).
//! * `rfc6455_decode/{text_ascii,text_mixed,binary}`: masked client frames
//!   (a fresh key each, FIN set, one frame per message) read by a server.
//!   Each implementation yields every message whole, unmasked and (for
//!   text) UTF-8-validated, and passes its bytes to a sink.
//!   - `ours`: `rfc6455::Decoder::decode` (server role, default limits) once
//!     per message over the batch's wire image. The decoder copies each
//!     masked payload into its message buffer, unmasks it there and
//!     validates text (as it is buffered, with `simdutf8::compat`, then once
//!     more with `std::str::from_utf8` when the message completes); the
//!     image itself is not copied.
//!   - `tungstenite`: `WebSocket::from_raw_socket(Replay, Role::Server,
//!     Some(WebSocketConfig::default()))`, then `read()` once per message
//!     (frame parse, unmask, `Message` assembly, `str::from_utf8` for text).
//!     `Replay` is an in-memory `Read + Write` that hands out the same wire
//!     image again and again (each `read` stops at its end); writes are
//!     dropped (none happen). So tungstenite also pays one `memcpy` of the
//!     wire into its 128 KiB read buffer, which it zero-fills before each
//!     `read` call: the cost of owning the I/O, which a sans-IO decoder
//!     leaves to its caller.
//!   - `fastwebsockets`: `FragmentCollector::new(WebSocket::after_handshake(
//!     Replay, Role::Server))`, then `read_frame().await` once per message
//!     (frame parse, unmask, `simdutf8` for text; the collector hands whole
//!     frames through). Polled with a no-op waker: `Replay` never returns
//!     `Pending`, so no runtime is needed and none is measured. It too
//!     copies the wire into its own read buffer (not zero-filled).
//!   - `bound`: read the length and key of each frame (no checks), unmask
//!     into a reused buffer a 64-bit word at a time in one pass (read
//!     masked, write unmasked), `simdutf8` for text.
//! * `rfc6455_encode/{text_ascii,text_mixed,binary}`: a client's masked
//!   frames for the batch, with the same keys as the decode wire image
//!   (which every implementation must reproduce byte for byte), appended to
//!   one output buffer.
//!   - `ours`: `rfc6455::encode_frame(true, opcode, payload, Some(key), out)`:
//!     header, then the payload appended and masked in place.
//!   - `tungstenite`: `Frame::message(bytes.clone(), opcode, true)` with
//!     `header_mut().mask = Some(key)`, then `Frame::format(out)`. The
//!     payload is a pre-built `Bytes` (the clone is a reference count);
//!     `format` copies it into a fresh `Vec` to mask it, then writes that
//!     into `out`: an allocation and two copies, as its public frame API
//!     does (its `WebSocket::write` path copies twice too: into its
//!     write buffer, then into the stream).
//!   - `fastwebsockets`: `Frame::new(true, opcode, Some(key),
//!     Payload::Borrowed(payload))`, `mask()` (copies the borrowed payload
//!     into a fresh `Vec` and masks it), `fmt_head` into a stack buffer, then
//!     head and payload appended to `out`: what its `write_frame` does
//!     before it hands the bytes to the stream.
//!   - `bound`: header and masked payload written into a pre-sized buffer
//!     by index, the payload in one pass (read plain, write masked).
//!
//! Before a group times anything, each implementation's output is checked:
//! decoders over two passes must yield exactly the expected messages, in
//! order, byte for byte; encoders must produce the expected wire image.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(bench::benches);

#[cfg(not(target_arch = "wasm32"))]
mod bench {
    use std::future::Future;
    use std::hint::black_box;
    use std::io;
    use std::pin::{pin, Pin};
    use std::sync::Arc;
    use std::task::{Context, Poll, Waker};
    use std::time::Duration;

    use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
    use websocket_engine::framing::{hixie, rfc6455, Frame, Utf8Policy};
    use websocket_engine::Status;
    use websocket_engine::{Limits, Role, Version};

    use bench_common::{self as common, mask_into, Content, Expect, Workload, SIZES};

    /// Payload bytes per iteration.
    const BATCH: usize = 256 * 1024;

    /// An in-memory stream that replays `data` forever: each read stops at
    /// its end, the next starts again at its beginning. Writes are dropped.
    struct Replay {
        data: Arc<[u8]>,
        pos: usize,
    }

    impl Replay {
        fn new(data: &[u8]) -> Replay {
            Replay {
                data: data.into(),
                pos: 0,
            }
        }

        /// The next bytes to hand out, at most `max`.
        fn take(&mut self, max: usize) -> &[u8] {
            if self.pos == self.data.len() {
                self.pos = 0;
            }
            let n = max.min(self.data.len() - self.pos);
            let start = self.pos;
            self.pos += n;
            &self.data[start..start + n]
        }
    }

    impl io::Read for Replay {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let chunk = self.take(buf.len());
            buf[..chunk.len()].copy_from_slice(chunk);
            Ok(chunk.len())
        }
    }

    impl io::Write for Replay {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl tokio::io::AsyncRead for Replay {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let chunk = self.get_mut().take(buf.remaining());
            buf.put_slice(chunk);
            Poll::Ready(Ok(()))
        }
    }

    impl tokio::io::AsyncWrite for Replay {
        fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
            Poll::Ready(Ok(buf.len()))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// Runs a future that never waits (its I/O is a [`Replay`]) to completion
    /// with one poll.
    fn block_on<F: Future>(f: F) -> F::Output {
        let mut f = pin!(f);
        match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(v) => v,
            Poll::Pending => unreachable!("the in-memory stream never waits"),
        }
    }

    /// The sink of the timed runs: keeps each message observable.
    fn consume(m: &[u8]) {
        black_box(m);
    }

    // ---- hixie -------------------------------------------------------------

    fn hixie_decoder() -> hixie::Decoder {
        hixie::Decoder::new(Version::Hixie76, Utf8Policy::Strict, &Limits::default())
    }

    /// Our hixie decoder over `wire`, one `decode` call per frame.
    fn ours_hixie_decode(d: &mut hixie::Decoder, mut wire: &[u8], mut sink: impl FnMut(&[u8])) -> usize {
        let mut n = 0;
        while !wire.is_empty() {
            match d.decode(wire).expect("valid frames") {
                Status::Complete {
                    value: Frame::Text(text),
                    consumed,
                } => {
                    sink(text.as_bytes());
                    wire = &wire[consumed..];
                    n += 1;
                }
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
        n
    }

    fn hixie_decode(c: &mut Criterion) {
        for content in Content::TEXT {
            let mut group = c.benchmark_group(format!("hixie_decode/{}", content.name()));
            for size in SIZES {
                let w = Workload::new(content, size, BATCH);
                let wire = &w.hixie[..];
                let mut ours = hixie_decoder();
                let mut check = Expect::new(format!("ours hixie {content:?} {size}"), &w.messages);
                for _ in 0..2 {
                    ours_hixie_decode(&mut ours, wire, |m| check.check(m));
                }
                check.finish(2);
                let mut check = Expect::new(format!("bound hixie {content:?} {size}"), &w.messages);
                common::bound_hixie_decode(wire, |m| check.check(m));
                check.finish(1);

                group.throughput(Throughput::Bytes(w.payload_bytes()));
                group.bench_function(BenchmarkId::new("ours", size), |b| {
                    b.iter(|| ours_hixie_decode(&mut ours, black_box(wire), consume))
                });
                group.bench_function(BenchmarkId::new("bound", size), |b| {
                    b.iter(|| common::bound_hixie_decode(black_box(wire), consume))
                });
            }
            group.finish();
        }
    }

    fn hixie_encode(c: &mut Criterion) {
        for content in Content::TEXT {
            let mut group = c.benchmark_group(format!("hixie_encode/{}", content.name()));
            for size in SIZES {
                let w = Workload::new(content, size, BATCH);
                let texts: Vec<&str> = w
                    .messages
                    .iter()
                    .map(|m| std::str::from_utf8(m).expect("text"))
                    .collect();
                let mut out = Vec::with_capacity(w.hixie.len());
                let ours = |texts: &[&str], out: &mut Vec<u8>| {
                    out.clear();
                    for t in texts {
                        hixie::encode_text(t, out);
                    }
                };
                let mut scratch = vec![0u8; w.hixie.len()];
                let bound = |texts: &[&str], scratch: &mut [u8]| {
                    let mut at = 0;
                    for t in texts {
                        let end = at + 1 + t.len();
                        scratch[at] = 0x00;
                        scratch[at + 1..end].copy_from_slice(t.as_bytes());
                        scratch[end] = 0xFF;
                        at = end + 1;
                    }
                    at
                };
                ours(&texts, &mut out);
                assert!(out == w.hixie, "ours hixie encode {content:?} {size}");
                let n = bound(&texts, &mut scratch);
                assert!(scratch[..n] == w.hixie, "bound hixie encode {content:?} {size}");

                group.throughput(Throughput::Bytes(w.payload_bytes()));
                group.bench_function(BenchmarkId::new("ours", size), |b| {
                    b.iter(|| {
                        ours(black_box(&texts), &mut out);
                        black_box(&out);
                    })
                });
                group.bench_function(BenchmarkId::new("bound", size), |b| {
                    b.iter(|| {
                        let n = bound(black_box(&texts), &mut scratch);
                        black_box(&scratch[..n]);
                    })
                });
            }
            group.finish();
        }
    }

    // ---- RFC 6455 decode ---------------------------------------------------

    fn ours_rfc6455_decoder() -> rfc6455::Decoder {
        rfc6455::Decoder::new(Role::Server, &Limits::default())
    }

    /// Our RFC 6455 decoder over `wire`, one `decode` call per message.
    fn ours_rfc6455_decode(d: &mut rfc6455::Decoder, mut wire: &[u8], mut sink: impl FnMut(&[u8])) -> usize {
        let mut n = 0;
        while !wire.is_empty() {
            match d.decode(wire).expect("valid frames") {
                Status::Complete {
                    value: frame,
                    consumed,
                } => {
                    match frame {
                        Frame::Text(text) => sink(text.as_bytes()),
                        Frame::Binary(payload) => sink(&payload),
                        other => panic!("expected a data message, got {other:?}"),
                    }
                    wire = &wire[consumed..];
                    n += 1;
                }
                Status::Partial => panic!("a whole batch ends between frames"),
            }
        }
        n
    }

    type Tungstenite = tungstenite::protocol::WebSocket<Replay>;

    fn tungstenite_decoder(wire: &[u8]) -> Tungstenite {
        let config = tungstenite::protocol::WebSocketConfig::default();
        Tungstenite::from_raw_socket(
            Replay::new(wire),
            tungstenite::protocol::Role::Server,
            Some(config),
        )
    }

    /// tungstenite's message-level read, `count` messages.
    fn tungstenite_decode(ws: &mut Tungstenite, count: usize, mut sink: impl FnMut(&[u8])) -> usize {
        for _ in 0..count {
            match ws.read().expect("valid frames") {
                tungstenite::Message::Text(text) => sink(text.as_bytes()),
                tungstenite::Message::Binary(data) => sink(&data),
                other => panic!("expected a data message, got {other:?}"),
            }
        }
        count
    }

    type Fastwebsockets = fastwebsockets::FragmentCollector<Replay>;

    fn fastwebsockets_decoder(wire: &[u8]) -> Fastwebsockets {
        let ws = fastwebsockets::WebSocket::after_handshake(Replay::new(wire), fastwebsockets::Role::Server);
        fastwebsockets::FragmentCollector::new(ws)
    }

    /// fastwebsockets' message-level read, `count` messages.
    fn fastwebsockets_decode(ws: &mut Fastwebsockets, count: usize, mut sink: impl FnMut(&[u8])) -> usize {
        block_on(async {
            for _ in 0..count {
                let frame = ws.read_frame().await.expect("valid frames");
                match frame.opcode {
                    fastwebsockets::OpCode::Text | fastwebsockets::OpCode::Binary => sink(&frame.payload),
                    other => panic!("expected a data message, got {other:?}"),
                }
            }
        });
        count
    }

    fn rfc6455_decode(c: &mut Criterion) {
        for content in Content::ALL {
            let mut group = c.benchmark_group(format!("rfc6455_decode/{}", content.name()));
            for size in SIZES {
                let w = Workload::new(content, size, BATCH);
                let wire = &w.rfc6455[..];
                let count = w.messages.len();
                let mut ours = ours_rfc6455_decoder();
                let mut tung = tungstenite_decoder(wire);
                let mut fws = fastwebsockets_decoder(wire);
                let mut scratch = vec![0u8; size];

                let what = |who: &str| format!("{who} rfc6455 {content:?} {size}");
                let mut check = Expect::new(what("ours"), &w.messages);
                for _ in 0..2 {
                    assert_eq!(ours_rfc6455_decode(&mut ours, wire, |m| check.check(m)), count);
                }
                check.finish(2);
                let mut check = Expect::new(what("tungstenite"), &w.messages);
                for _ in 0..2 {
                    tungstenite_decode(&mut tung, count, |m| check.check(m));
                }
                check.finish(2);
                let mut check = Expect::new(what("fastwebsockets"), &w.messages);
                for _ in 0..2 {
                    fastwebsockets_decode(&mut fws, count, |m| check.check(m));
                }
                check.finish(2);
                let mut check = Expect::new(what("bound"), &w.messages);
                common::bound_rfc6455_decode(wire, &mut scratch, |m| check.check(m));
                check.finish(1);

                group.throughput(Throughput::Bytes(w.payload_bytes()));
                group.bench_function(BenchmarkId::new("ours", size), |b| {
                    b.iter(|| ours_rfc6455_decode(&mut ours, black_box(wire), consume))
                });
                group.bench_function(BenchmarkId::new("tungstenite", size), |b| {
                    b.iter(|| tungstenite_decode(&mut tung, count, consume))
                });
                group.bench_function(BenchmarkId::new("fastwebsockets", size), |b| {
                    b.iter(|| fastwebsockets_decode(&mut fws, count, consume))
                });
                group.bench_function(BenchmarkId::new("bound", size), |b| {
                    b.iter(|| common::bound_rfc6455_decode(black_box(wire), &mut scratch, consume))
                });
            }
            group.finish();
        }
    }

    // ---- RFC 6455 encode ---------------------------------------------------

    /// A frame header as a client writes it: FIN, `opcode`, MASK, the
    /// length, the key. Returns its length.
    fn header(head: &mut [u8], opcode: u8, len: usize, key: [u8; 4]) -> usize {
        head[0] = 0x80 | opcode;
        let at = if len < 126 {
            head[1] = 0x80 | len as u8;
            2
        } else if len <= 0xFFFF {
            head[1] = 0x80 | 126;
            head[2..4].copy_from_slice(&(len as u16).to_be_bytes());
            4
        } else {
            head[1] = 0x80 | 127;
            head[2..10].copy_from_slice(&(len as u64).to_be_bytes());
            10
        };
        head[at..at + 4].copy_from_slice(&key);
        at + 4
    }

    fn rfc6455_encode(c: &mut Criterion) {
        for content in Content::ALL {
            let mut group = c.benchmark_group(format!("rfc6455_encode/{}", content.name()));
            for size in SIZES {
                let w = Workload::new(content, size, BATCH);
                let keys = &w.keys;
                let opcode = content.opcode();
                let messages: Vec<&[u8]> = w.messages.iter().map(|m| &m[..]).collect();
                let mut out = Vec::with_capacity(w.rfc6455.len());

                let ours = |out: &mut Vec<u8>| {
                    out.clear();
                    for (m, key) in messages.iter().zip(keys) {
                        rfc6455::encode_frame(true, opcode, m, Some(*key), out).expect("a data frame");
                    }
                };

                let tung_opcode = tungstenite::protocol::frame::coding::OpCode::Data(if content.is_text() {
                    tungstenite::protocol::frame::coding::Data::Text
                } else {
                    tungstenite::protocol::frame::coding::Data::Binary
                });
                let tung_messages: Vec<tungstenite::Bytes> = w
                    .messages
                    .iter()
                    .map(|m| tungstenite::Bytes::from(m.clone()))
                    .collect();
                let tung = |out: &mut Vec<u8>| {
                    out.clear();
                    for (m, key) in tung_messages.iter().zip(keys) {
                        let mut frame =
                            tungstenite::protocol::frame::Frame::message(m.clone(), tung_opcode, true);
                        frame.header_mut().mask = Some(*key);
                        frame.format(out).expect("writes to a Vec");
                    }
                };

                let fws_opcode = if content.is_text() {
                    fastwebsockets::OpCode::Text
                } else {
                    fastwebsockets::OpCode::Binary
                };
                let fws = |out: &mut Vec<u8>| {
                    out.clear();
                    let mut head = [0u8; 16];
                    for (m, key) in messages.iter().zip(keys) {
                        let payload = fastwebsockets::Payload::Borrowed(m);
                        let mut frame = fastwebsockets::Frame::new(true, fws_opcode, Some(*key), payload);
                        frame.mask();
                        let n = frame.fmt_head(&mut head);
                        out.extend_from_slice(&head[..n]);
                        out.extend_from_slice(&frame.payload);
                    }
                };

                let mut scratch = vec![0u8; w.rfc6455.len()];
                let bits = opcode.bits();
                let bound = |scratch: &mut [u8]| {
                    let mut at = 0;
                    for (m, key) in messages.iter().zip(keys) {
                        at += header(&mut scratch[at..], bits, m.len(), *key);
                        mask_into(&mut scratch[at..], m, *key);
                        at += m.len();
                    }
                    at
                };

                let what = |who: &str| format!("{who} rfc6455 encode {content:?} {size}");
                for (who, f) in [
                    ("ours", &ours as &dyn Fn(&mut Vec<u8>)),
                    ("tungstenite", &tung),
                    ("fastwebsockets", &fws),
                ] {
                    f(&mut out);
                    assert!(out == w.rfc6455, "{}", what(who));
                }
                let n = bound(&mut scratch);
                assert!(scratch[..n] == w.rfc6455, "{}", what("bound"));

                group.throughput(Throughput::Bytes(w.payload_bytes()));
                group.bench_function(BenchmarkId::new("ours", size), |b| {
                    b.iter(|| {
                        ours(&mut out);
                        black_box(&out);
                    })
                });
                group.bench_function(BenchmarkId::new("tungstenite", size), |b| {
                    b.iter(|| {
                        tung(&mut out);
                        black_box(&out);
                    })
                });
                group.bench_function(BenchmarkId::new("fastwebsockets", size), |b| {
                    b.iter(|| {
                        fws(&mut out);
                        black_box(&out);
                    })
                });
                group.bench_function(BenchmarkId::new("bound", size), |b| {
                    b.iter(|| {
                        let n = bound(&mut scratch);
                        black_box(&scratch[..n]);
                    })
                });
            }
            group.finish();
        }
    }

    /// Short enough that the whole suite (160 benchmarks, 256 KiB of
    /// payload per iteration) runs in about 6 to 7 minutes on 2 cores; the
    /// command line (`--warm-up-time`, `--measurement-time`,
    /// `--sample-size`, `--nresamples`) overrides it.
    fn config() -> Criterion {
        Criterion::default()
            .sample_size(40)
            .nresamples(20_000)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_millis(1500))
    }

    criterion_group! {
        name = benches;
        config = config();
        targets = hixie_decode, hixie_encode, rfc6455_decode, rfc6455_encode
    }
}
