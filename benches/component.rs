//! Decoding through the library component's WIT `framing` interface inside
//! wasmtime, side by side with the native decoder, in one criterion run.
//!
//! ```text
//! cargo bench -p websocket-benches --bench component                   # about 4 minutes on 2 cores
//! python3 benches/report.py --svg ratios.svg      # the tables and chart
//! ```
//!
//! The component is `websocket_build::library_component()` (built for
//! wasm32-wasip2 in release mode on first use, cached in `target/`),
//! compiled by `websocket_host::Runtime` (cranelift, the default wasmtime
//! configuration) and instantiated once; one `decoder` resource per case
//! decodes every call's input.
//!
//! The workloads are those of `benches/codec.rs` (the same generator), in
//! calls of 64 KiB of payload: 4096 messages of 16 B, ..., one of 64 KiB.
//! Throughput is payload bytes. Groups, parameter = payload size:
//!
//! * `component_rfc6455_decode/{text_ascii,text_mixed,binary}`: masked
//!   client frames read by a server (RFC 6455, server role, default limits).
//! * `component_hixie_decode/{text_ascii,text_mixed}`: hixie76 text frames,
//!   strict UTF-8.
//!
//! with the functions:
//!
//! * `native`: the native decoder (`rfc6455::Decoder` / `hixie::Decoder`),
//!   one `decode` call per frame over the 64 KiB, each message borrowed.
//! * `native_owned`: the same, building the very value the component
//!   returns (a `decoded` record holding a `list<frame>`, each payload an
//!   owned `String` or `Vec<u8>`), as the component's export does inside
//!   wasm. The difference to `native` is the cost of owning the output.
//! * `component`: `decoder.decode(list<u8>)` through wasmtime's async
//!   bindings, driven by `block_on` of a current-thread tokio runtime: the
//!   host copies the input into wasm memory, the guest decodes and builds the
//!   list of frames (its `to_wit`), and the host lifts it back (copying each
//!   payload again and checking each string's UTF-8).
//!
//! and groups without throughput: `component_call/empty`, for the fixed
//! cost of a call (`decode` of an empty list), and `component_load`, for
//! what a host pays before the first call: `compile` (cranelift compiling
//! the whole component, `Runtime::from_bytes`), `load_cached` (the same
//! from the compiled code `Runtime::new` caches beside the file, as `serve`
//! starts) and `instantiate` (a store and an instance of the compiled
//! component, `Runtime::instantiate`, as `serve` does per connection).
//! The component's size is printed beside them.
//!
//! Before timing, the component's result for each case must equal
//! `native_owned`'s, which must hold exactly the expected messages.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(bench::benches);

#[cfg(not(target_arch = "wasm32"))]
mod bench {
    use std::hint::black_box;
    use std::time::Duration;

    use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
    use wasmtime::component::ResourceAny;
    use wasmtime::Store;
    use websocket_build::library_component;
    use websocket_engine::framing::{hixie, rfc6455, Frame, Utf8Policy};
    use websocket_engine::Status;
    use websocket_engine::{Limits, Role, Version};
    use websocket_host::bindings::exports::websocket::protocol::framing::{
        Decoded as WitDecoded, Frame as WitFrame,
    };
    use websocket_host::bindings::{self, Library};
    use websocket_host::{HostState, Runtime};

    use bench_common::{Content, Expect, Workload, SIZES};

    /// Payload bytes per call.
    const CALL: usize = 64 * 1024;

    /// One instance of the library component.
    struct Instance {
        store: Store<HostState>,
        library: Library,
        tokio: tokio::runtime::Runtime,
    }

    impl Instance {
        fn new() -> Instance {
            let path = library_component().expect("the library component builds");
            let runtime = Runtime::new(&path).expect("the component compiles");
            let tokio = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime");
            let (store, library) = tokio
                .block_on(runtime.instantiate(websocket_host::Access::Streams))
                .expect("an instance");
            Instance {
                store,
                library,
                tokio,
            }
        }

        /// A decoder resource for frames sent to a server.
        fn decoder(&mut self, version: bindings::Version) -> ResourceAny {
            let f = self.library.websocket_protocol_framing().decoder();
            let call = f.call_constructor(
                &mut self.store,
                version,
                bindings::Role::Server,
                bindings::Utf8Policy::Strict,
                None,
            );
            self.tokio.block_on(call).expect("the constructor runs")
        }

        fn decode(&mut self, decoder: ResourceAny, input: &[u8]) -> WitDecoded {
            let f = self.library.websocket_protocol_framing().decoder();
            let call = f.call_decode(&mut self.store, decoder, input);
            self.tokio.block_on(call).expect("decode runs")
        }
    }

    /// A native decoder of either format.
    enum Native {
        Hixie(hixie::Decoder),
        Rfc6455(rfc6455::Decoder),
    }

    impl Native {
        fn new(version: Version) -> Native {
            let limits = Limits::default();
            match version {
                Version::Rfc6455 => Native::Rfc6455(rfc6455::Decoder::new(Role::Server, &limits)),
                v => Native::Hixie(hixie::Decoder::new(v, Utf8Policy::Strict, &limits)),
            }
        }

        /// Decodes every frame of `input` (which ends between frames), one
        /// `decode` call per frame, handing each to `sink`.
        fn decode(&mut self, mut input: &[u8], mut sink: impl FnMut(Frame<'_>)) {
            while !input.is_empty() {
                let decoded = match self {
                    Native::Hixie(d) => d.decode(input),
                    Native::Rfc6455(d) => d.decode(input),
                };
                match decoded.expect("valid frames") {
                    Status::Complete {
                        value: frame,
                        consumed,
                    } => {
                        sink(frame);
                        input = &input[consumed..];
                    }
                    Status::Partial => panic!("a whole call ends between frames"),
                }
            }
        }

        /// The native decoder, each message borrowed.
        fn borrowed(&mut self, input: &[u8]) {
            self.decode(input, |frame| match frame {
                Frame::Text(text) => {
                    black_box(text.as_bytes());
                }
                Frame::Binary(payload) => {
                    black_box(payload);
                }
                other => panic!("expected a data message, got {other:?}"),
            });
        }

        /// The native decoder, building what the component returns.
        fn owned(&mut self, input: &[u8]) -> WitDecoded {
            let mut frames = Vec::new();
            self.decode(input, |frame| {
                frames.push(match frame {
                    Frame::Text(text) => WitFrame::Text(text.into_owned()),
                    Frame::Binary(payload) => WitFrame::Binary(payload.into_owned()),
                    other => panic!("expected a data message, got {other:?}"),
                })
            });
            WitDecoded { frames, error: None }
        }
    }

    fn check(what: &str, decoded: &WitDecoded, messages: &[Vec<u8>]) {
        assert!(decoded.error.is_none(), "{what}: {:?}", decoded.error);
        let mut expect = Expect::new(what, messages);
        for frame in &decoded.frames {
            match frame {
                WitFrame::Text(text) => expect.check(text.as_bytes()),
                WitFrame::Binary(b) => expect.check(b),
                other => panic!("{what}: expected a data message, got {other:?}"),
            }
        }
        expect.finish(1);
    }

    fn decode_groups(c: &mut Criterion, wasm: &mut Instance) {
        let cases = [
            ("component_rfc6455_decode", Version::Rfc6455, &Content::ALL[..]),
            ("component_hixie_decode", Version::Hixie76, &Content::TEXT[..]),
        ];
        for (name, version, contents) in cases {
            let wit_version = match version {
                Version::Rfc6455 => bindings::Version::Rfc6455,
                _ => bindings::Version::Hixie76,
            };
            for &content in contents {
                let mut group = c.benchmark_group(format!("{name}/{}", content.name()));
                for size in SIZES {
                    let w = Workload::new(content, size, CALL);
                    let input = match version {
                        Version::Rfc6455 => &w.rfc6455[..],
                        _ => &w.hixie[..],
                    };
                    let mut native = Native::new(version);
                    let mut owned = Native::new(version);
                    let decoder = wasm.decoder(wit_version);
                    let what = format!("{name} {content:?} {size}");
                    for _ in 0..2 {
                        let want = owned.owned(input);
                        check(&what, &want, &w.messages);
                        assert!(
                            wasm.decode(decoder, input) == want,
                            "{what}: the component differs"
                        );
                        native.borrowed(input);
                    }

                    group.throughput(Throughput::Bytes(w.payload_bytes()));
                    group.bench_function(BenchmarkId::new("native", size), |b| {
                        b.iter(|| native.borrowed(black_box(input)))
                    });
                    group.bench_function(BenchmarkId::new("native_owned", size), |b| {
                        b.iter(|| owned.owned(black_box(input)))
                    });
                    group.bench_function(BenchmarkId::new("component", size), |b| {
                        b.iter(|| wasm.decode(decoder, black_box(input)))
                    });
                }
                group.finish();
            }
        }
    }

    fn component(c: &mut Criterion) {
        let mut wasm = Instance::new();
        decode_groups(c, &mut wasm);

        let decoder = wasm.decoder(bindings::Version::Rfc6455);
        let empty = wasm.decode(decoder, &[]);
        assert!(empty.frames.is_empty() && empty.error.is_none(), "{empty:?}");
        c.benchmark_group("component_call")
            .bench_function("empty", |b| b.iter(|| wasm.decode(decoder, black_box(&[]))));
        load(c, &wasm.tokio);
    }

    /// Compiling and instantiating the component, as a host does before
    /// its first call.
    fn load(c: &mut Criterion, tokio: &tokio::runtime::Runtime) {
        let path = library_component().expect("the library component builds");
        let wasm = std::fs::read(&path).expect("the component reads");
        println!("component_load: {} is {} bytes", path.display(), wasm.len());
        let runtime = Runtime::from_bytes(&wasm).expect("the component compiles");
        let mut group = c.benchmark_group("component_load");
        group.sample_size(10);
        group.bench_function("compile", |b| {
            b.iter(|| Runtime::from_bytes(black_box(&wasm)).expect("the component compiles"))
        });
        group.bench_function("load_cached", |b| {
            b.iter(|| Runtime::new(black_box(&path)).expect("the component loads"))
        });
        group.bench_function("instantiate", |b| {
            b.iter(|| {
                tokio
                    .block_on(runtime.instantiate(websocket_host::Access::Streams))
                    .expect("an instance")
            })
        });
        group.finish();
    }

    /// About 4 minutes for the 76 benchmarks on 2 cores; the command line
    /// overrides it.
    fn config() -> Criterion {
        Criterion::default()
            .sample_size(30)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2))
    }

    criterion_group! {
        name = benches;
        config = config();
        targets = component
    }
}
