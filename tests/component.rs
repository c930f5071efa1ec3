//! The engine as a WebAssembly component in an embedded wasmtime: its
//! exported WIT, its sans-IO interfaces against the native engine, and
//! structured errors. Its connections are in `component_connections.rs`,
//! its command and composed forms in `component_commands.rs`.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::component::{client_options, code, runtime, tokio, wit_version};

use proptest::prelude::*;
use wasmtime::component::{Component, ResourceAny};
use wasmtime::Store;
use websocket_build::library_component;
use websocket_engine::framing::rfc6455::{self, OpCode};
use websocket_engine::framing::{hixie, Frame};
use websocket_engine::Status;
use websocket_engine::{Accept, ClientConfig, ServerConfig};
use websocket_host::bindings::exports::websocket::protocol::framing::{
    CloseBody, Decoded as WitDecoded, Frame as WitFrame, Opcode as WitOpcode,
};
use websocket_host::bindings::exports::websocket::protocol::handshake::Status as WitStatus;
use websocket_host::bindings::{Error as WitError, Library, ServerOptions, Utf8Policy};
use websocket_host::{Access, HostState, Runtime};

/// True for a resource, or an alias (`use`) of one.
fn is_resource(resolve: &wit_parser::Resolve, id: wit_parser::TypeId) -> bool {
    match resolve.types[id].kind {
        wit_parser::TypeDefKind::Resource => true,
        wit_parser::TypeDefKind::Type(wit_parser::Type::Id(alias)) => is_resource(resolve, alias),
        _ => false,
    }
}

#[test]
fn the_exports_are_the_library_world_of_wit() {
    let mut resolve = wit_parser::Resolve::new();
    let (pkg, _) = resolve
        .push_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/wit"))
        .unwrap();
    let world = resolve.select_world(&[pkg], Some("library")).unwrap();
    let mut expected: Vec<(String, Vec<String>)> = resolve.worlds[world]
        .exports
        .iter()
        .map(|(key, _)| {
            let wit_parser::WorldKey::Interface(id) = key else {
                panic!("{key:?}")
            };
            let iface = &resolve.interfaces[*id];
            let mut names: Vec<String> = iface.functions.keys().cloned().collect();
            // Resources, its own and those it `use`s, are exported too.
            names.extend(
                iface
                    .types
                    .iter()
                    .filter(|(_, id)| is_resource(&resolve, **id))
                    .map(|(n, _)| n.clone()),
            );
            names.sort();
            (resolve.id_of(*id).unwrap(), names)
        })
        .collect();
    expected.sort();

    let rt = runtime();
    let component = Component::from_file(rt.engine(), library_component().unwrap()).unwrap();
    let mut got: Vec<(String, Vec<String>)> = component
        .component_type()
        .exports(rt.engine())
        .map(|(name, item)| {
            let wasmtime::component::types::ComponentItem::ComponentInstance(instance) = item.ty else {
                panic!("{name} is not an instance")
            };
            let mut names: Vec<String> = instance
                .exports(rt.engine())
                .filter(|(_, i)| {
                    matches!(
                        i.ty,
                        wasmtime::component::types::ComponentItem::ComponentFunc(_)
                            | wasmtime::component::types::ComponentItem::Resource(_)
                    )
                })
                .map(|(n, _)| n.to_owned())
                .collect();
            names.sort();
            (name.to_owned(), names)
        })
        .collect();
    got.sort();
    assert_eq!(got, expected);
}

/// Drives the sans-IO interfaces of one instance.
struct SansIo {
    store: Store<HostState>,
    library: Library,
    tokio: tokio::runtime::Runtime,
}

impl SansIo {
    fn new() -> SansIo {
        let tokio = tokio();
        let (store, library) = tokio.block_on(runtime().instantiate(Access::Streams)).unwrap();
        SansIo {
            store,
            library,
            tokio,
        }
    }

    fn client(
        &mut self,
        url: &str,
        version: websocket_engine::Version,
        seed: u64,
    ) -> Result<ResourceAny, WitError> {
        let hs = self.library.websocket_protocol_handshake().client_handshake();
        let options = client_options(version);
        self.tokio
            .block_on(hs.call_create_seeded(&mut self.store, url, &options, seed))
            .unwrap()
    }

    fn request(&mut self, client: ResourceAny) -> Vec<u8> {
        let hs = self.library.websocket_protocol_handshake().client_handshake();
        self.tokio
            .block_on(hs.call_request(&mut self.store, client))
            .unwrap()
    }

    fn client_feed(&mut self, client: ResourceAny, bytes: &[u8]) -> Result<WitStatus, WitError> {
        let hs = self.library.websocket_protocol_handshake().client_handshake();
        self.tokio
            .block_on(hs.call_feed(&mut self.store, client, bytes))
            .unwrap()
    }

    fn server(&mut self) -> ResourceAny {
        let hs = self.library.websocket_protocol_handshake().server_handshake();
        self.tokio
            .block_on(hs.call_constructor(&mut self.store, &ServerOptions::default()))
            .unwrap()
    }

    fn server_feed(&mut self, server: ResourceAny, bytes: &[u8]) -> Result<WitStatus, WitError> {
        let hs = self.library.websocket_protocol_handshake().server_handshake();
        self.tokio
            .block_on(hs.call_feed(&mut self.store, server, bytes))
            .unwrap()
    }

    fn server_accept(&mut self, server: ResourceAny) -> Result<Vec<u8>, WitError> {
        let hs = self.library.websocket_protocol_handshake().server_handshake();
        self.tokio
            .block_on(hs.call_decide(&mut self.store, server, None))
            .unwrap()
    }

    fn rejection(&mut self, server: ResourceAny) -> Option<Vec<u8>> {
        let hs = self.library.websocket_protocol_handshake().server_handshake();
        self.tokio
            .block_on(hs.call_rejection(&mut self.store, server))
            .unwrap()
    }

    /// A decoder for frames sent to a server.
    fn decoder(&mut self, version: websocket_engine::Version, utf8: Utf8Policy) -> ResourceAny {
        let f = self.library.websocket_protocol_framing().decoder();
        self.tokio
            .block_on(f.call_constructor(
                &mut self.store,
                wit_version(version),
                websocket_host::bindings::Role::Server,
                utf8,
                None,
            ))
            .unwrap()
    }

    fn decode(&mut self, decoder: ResourceAny, bytes: &[u8]) -> WitDecoded {
        let f = self.library.websocket_protocol_framing().decoder();
        self.tokio
            .block_on(f.call_decode(&mut self.store, decoder, bytes))
            .unwrap()
    }
}

fn native_status(s: websocket_engine::Status) -> WitStatus {
    match s {
        websocket_engine::Status::Partial => WitStatus::Partial,
        websocket_engine::Status::Complete { value: (), consumed } => WitStatus::Complete(consumed as u32),
    }
}

#[test]
fn sans_io_handshakes_match_the_native_engine() {
    use websocket_engine::{SeededEntropy, ServerHandshake, Version, WsUrl};
    let mut c = SansIo::new();
    for version in Version::ALL {
        for seed in 0..20u64 {
            let url = "ws://example.com/demo?x=1";
            let mut config = ClientConfig::new(version);
            config.origin = Some("http://example.com".into());
            let mut native = websocket_engine::ClientHandshake::new(
                &WsUrl::parse(url).unwrap(),
                config,
                &mut SeededEntropy::new(seed),
            )
            .unwrap();
            let client = c.client(url, version, seed).unwrap();
            let request = c.request(client);
            assert_eq!(request, native.request(), "{version} seed {seed}");

            // The server side, native and in the component, on the same bytes.
            let mut native_server = ServerHandshake::new(ServerConfig::default());
            let server = c.server();
            let chunk = 1 + seed as usize * 7 % 40;
            for piece in request.chunks(chunk) {
                let n = native_server.handle_input(piece).unwrap();
                assert_eq!(c.server_feed(server, piece).unwrap(), native_status(n));
            }
            let native_response = native_server.accept(&Accept::new()).unwrap();
            let response = c.server_accept(server).unwrap();
            assert_eq!(response, native_response, "{version} seed {seed}");

            for piece in response.chunks(chunk) {
                let n = native.handle_input(piece).unwrap();
                assert_eq!(c.client_feed(client, piece).unwrap(), native_status(n));
            }
        }
    }
}

#[test]
fn the_spec_vectors_through_the_component() {
    let mut c = SansIo::new();
    for (key1, key2, key3, answer) in common::MD5_VECTORS {
        let handshake = c.library.websocket_protocol_handshake();
        let got = c
            .tokio
            .block_on(handshake.call_hixie76_answer(&mut c.store, key1, key2, key3));
        assert_eq!(got.unwrap().unwrap(), answer);
        // And through a whole server handshake, byte for byte as the native one.
        let mut request = format!(
            "GET /demo HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\n\
             Sec-WebSocket-Key1: {key1}\r\nSec-WebSocket-Key2: {key2}\r\nOrigin: http://example.com\r\n\r\n"
        )
        .into_bytes();
        request.extend_from_slice(key3);
        let server = c.server();
        assert_eq!(
            c.server_feed(server, &request).unwrap(),
            WitStatus::Complete(request.len() as u32)
        );
        let response = c.server_accept(server).unwrap();
        let mut native = websocket_engine::ServerHandshake::new(ServerConfig::default());
        native.handle_input(&request).unwrap();
        assert_eq!(response, native.accept(&Accept::new()).unwrap());
        assert!(response.ends_with(answer));
    }
}

#[test]
fn bad_input_gives_structured_errors_not_traps() {
    let mut c = SansIo::new();
    let server = c.server();
    let err = c
        .server_feed(server, b"POST / HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap_err();
    let WitError::Handshake(info) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(info.code, "method-not-get");
    assert_eq!(info.http_status, Some(405));
    assert!(info.message.contains("POST"), "{}", info.message);
    let rejection = c.rejection(server).unwrap();
    assert!(rejection.starts_with(b"HTTP/1.1 405 Method Not Allowed\r\n"));
    // Sticky: the same error again.
    assert_eq!(code(&c.server_feed(server, b"x").unwrap_err()), "method-not-get");

    assert_eq!(
        code(
            &c.client("http://example.com/", websocket_engine::Version::Hixie76, 1)
                .unwrap_err()
        ),
        "scheme"
    );
    assert_eq!(
        code(
            &c.client("ws://h/#x", websocket_engine::Version::Hixie76, 1)
                .unwrap_err()
        ),
        "fragment"
    );

    let client = c
        .client("ws://example.com/demo", websocket_engine::Version::Hixie75, 1)
        .unwrap();
    let err = c.client_feed(client, b"HTTP/1.1 200 OK\r\n\r\n").unwrap_err();
    assert_eq!(code(&err), "status");

    let decoder = c.decoder(websocket_engine::Version::Hixie76, Utf8Policy::Strict);
    let decoded = c.decode(decoder, b"\x00ok\xff\x00bad\xc3(\xff");
    assert_eq!(decoded.frames, [WitFrame::Text("ok".into())]);
    assert_eq!(code(&decoded.error.unwrap()), "invalid-utf8");

    let answer = c
        .tokio
        .block_on(c.library.websocket_protocol_handshake().call_hixie76_answer(
            &mut c.store,
            "1 2",
            "3 4",
            b"short",
        ));
    assert_eq!(code(&answer.unwrap().unwrap_err()), "invalid-value");
}

fn native_frames(
    version: websocket_engine::Version,
    bytes: &[u8],
    chunk: usize,
) -> (Vec<WitFrame>, Option<String>) {
    let mut hixie = hixie::Decoder::new(
        version,
        websocket_engine::framing::Utf8Policy::Strict,
        &Default::default(),
    );
    let mut rfc6455 = rfc6455::Decoder::new(websocket_engine::Role::Server, &Default::default());
    let mut frames = Vec::new();
    for mut piece in bytes.chunks(chunk) {
        loop {
            let decoded = match version {
                websocket_engine::Version::Rfc6455 => rfc6455.decode(piece),
                _ => hixie.decode(piece),
            };
            match decoded {
                Ok(Status::Partial) => break,
                Ok(Status::Complete {
                    value: frame,
                    consumed,
                }) => {
                    frames.push(match frame {
                        Frame::Text(t) => WitFrame::Text(t.into_owned()),
                        Frame::Binary(payload) => WitFrame::Binary(payload.into_owned()),
                        Frame::HixieFrame { frame_type, payload } => {
                            WitFrame::HixieFrame(websocket_host::bindings::HixieFrame {
                                frame_type,
                                data: payload.into_owned(),
                            })
                        }
                        Frame::Close(body) => WitFrame::Close(body.map(|b| CloseBody {
                            code: b.code,
                            reason: b.reason.to_owned(),
                        })),
                        Frame::Ping(p) => WitFrame::Ping(p.to_vec()),
                        Frame::Pong(p) => WitFrame::Pong(p.to_vec()),
                    });
                    piece = &piece[consumed..];
                }
                Err(e) => return (frames, Some(websocket_io::Error::from(e).code().to_owned())),
            }
        }
    }
    (frames, None)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn sans_io_framing_matches_the_native_engine(
        texts in proptest::collection::vec(".{0,40}", 0..8),
        noise in proptest::collection::vec(any::<u8>(), 0..64),
        chunk in 1usize..50,
    ) {
        thread_local!(static C: std::cell::RefCell<SansIo> = std::cell::RefCell::new(SansIo::new()));
        let mut wire = Vec::new();
        for t in &texts {
            hixie::encode_text(t, &mut wire);
            hixie::encode_binary(0x80, t.as_bytes(), &mut wire).unwrap();
        }
        wire.extend_from_slice(&noise);
        // RFC 6455 frames as a client sends them: masked, a message in two
        // fragments, a ping between them, and a close at the end.
        let mut rfc = Vec::new();
        for (i, t) in texts.iter().enumerate() {
            let mask = Some((i as u32).wrapping_mul(0x9E37_79B9).to_be_bytes());
            let (a, b) = t.as_bytes().split_at(t.len() / 2);
            rfc6455::encode_frame(false, OpCode::Binary, a, mask, &mut rfc).unwrap();
            rfc6455::encode_frame(true, OpCode::Ping, &a[..a.len().min(125)], mask, &mut rfc).unwrap();
            rfc6455::encode_frame(true, OpCode::Continuation, b, mask, &mut rfc).unwrap();
            rfc6455::encode_frame(true, OpCode::Text, t.as_bytes(), mask, &mut rfc).unwrap();
        }
        rfc6455::encode_close(Some(1000), "bye", Some([1, 2, 3, 4]), &mut rfc).unwrap();
        rfc.extend_from_slice(&noise);
        for version in websocket_engine::Version::ALL {
            let wire = if version == websocket_engine::Version::Rfc6455 { &rfc } else { &wire };
            let (native, native_error) = native_frames(version, wire, chunk);
            let (frames, error) = C.with(|c| {
                let mut c = c.borrow_mut();
                let decoder = c.decoder(version, Utf8Policy::Strict);
                let mut frames = Vec::new();
                let mut error = None;
                for piece in wire.chunks(chunk) {
                    let d = c.decode(decoder, piece);
                    frames.extend(d.frames);
                    if let Some(e) = d.error {
                        error = Some(code(&e).to_owned());
                        break;
                    }
                }
                (frames, error)
            });
            prop_assert_eq!(&frames, &native);
            prop_assert_eq!(error, native_error);
            // The encoders give the same bytes.
            for t in &texts {
                let mut expected = Vec::new();
                rfc6455::encode_frame(true, OpCode::Text, t.as_bytes(), Some([9, 8, 7, 6]), &mut expected).unwrap();
                let got = C.with(|c| {
                    let mut c = c.borrow_mut();
                    let c = &mut *c;
                    let f = c.library.websocket_protocol_framing();
                    let call = f.call_encode_frame(&mut c.store, true, WitOpcode::Text, t.as_bytes(), Some(0x0908_0706));
                    c.tokio.block_on(call).unwrap().unwrap()
                });
                prop_assert_eq!(got, expected);
                let mut expected = Vec::new();
                hixie::encode_text(t, &mut expected);
                let got = C.with(|c| {
                    let mut c = c.borrow_mut();
                    let c = &mut *c;
                    let f = c.library.websocket_protocol_framing();
                    c.tokio.block_on(f.call_encode_text(&mut c.store, t)).unwrap()
                });
                prop_assert_eq!(got, expected);
            }
        }
    }
}

/// The component's compressing encoder gives the native encoder's bytes
/// (the same zlib code, the same settings), and its compressed decoder
/// inflates them back; whole messages and one sent in two frames.
#[test]
fn sans_io_compressed_framing_matches_the_native_engine() {
    use websocket_engine::{DeflateConfig, DeflateParams, Role};
    use websocket_host::bindings::{DeflateParams as WitParams, Role as WitRole};
    let agreed = DeflateParams {
        server_no_context_takeover: false,
        client_no_context_takeover: true,
        server_max_window_bits: 15,
        client_max_window_bits: 10,
    };
    let wit_agreed = WitParams {
        server_no_context_takeover: agreed.server_no_context_takeover,
        client_no_context_takeover: agreed.client_no_context_takeover,
        server_max_window_bits: agreed.server_max_window_bits,
        client_max_window_bits: agreed.client_max_window_bits,
    };
    let text = "compressible text, ".repeat(500);
    let frames: [(bool, OpCode, &[u8]); 4] = [
        (true, OpCode::Text, text.as_bytes()),
        (false, OpCode::Binary, &text.as_bytes()[..4000]),
        (true, OpCode::Continuation, &text.as_bytes()[4000..]),
        (true, OpCode::Text, text.as_bytes()),
    ];
    let mut native = rfc6455::Encoder::with_deflate(Role::Client, &agreed, &DeflateConfig::default());
    let mut c = SansIo::new();
    let f = c.library.websocket_protocol_framing();
    let encoder = c
        .tokio
        .block_on(
            f.encoder()
                .call_constructor(&mut c.store, WitRole::Client, Some(wit_agreed), None),
        )
        .unwrap();
    let mut wire = Vec::new();
    for (i, (fin, opcode, payload)) in frames.into_iter().enumerate() {
        let mask = 0x0102_0304_u32.wrapping_mul(i as u32 + 1);
        let mut expected = Vec::new();
        native
            .encode(fin, opcode, payload, Some(mask.to_be_bytes()), &mut expected)
            .unwrap();
        let wit_opcode = match opcode {
            OpCode::Text => WitOpcode::Text,
            OpCode::Binary => WitOpcode::Binary,
            _ => WitOpcode::Continuation,
        };
        let got = c
            .tokio
            .block_on(
                f.encoder()
                    .call_encode(&mut c.store, encoder, fin, wit_opcode, payload, Some(mask)),
            )
            .unwrap()
            .unwrap();
        assert_eq!(got, expected, "frame {i}");
        // RSV1 on a message's first frame only; far fewer bytes than sent.
        assert_eq!(got[0] & 0x40 != 0, opcode != OpCode::Continuation, "frame {i}");
        assert!(got.len() < payload.len() / 4, "frame {i}: {} bytes", got.len());
        wire.extend(got);
    }
    let decoder = c
        .tokio
        .block_on(
            f.decoder()
                .call_compressed(&mut c.store, WitRole::Server, None, wit_agreed),
        )
        .unwrap();
    let decoded = c.decode(decoder, &wire);
    assert_eq!(decoded.error.map(|e| code(&e).to_owned()), None);
    assert_eq!(
        decoded.frames,
        vec![
            WitFrame::Text(text.clone()),
            WitFrame::Binary(text.clone().into_bytes()),
            WitFrame::Text(text.clone()),
        ]
    );
}

#[test]
fn the_runtime_loads_the_components_bytes_as_well_as_its_path() {
    let wasm = std::fs::read(library_component().unwrap()).unwrap();
    let rt = Runtime::from_bytes(&wasm).unwrap();
    let limits = tokio().block_on(async {
        let (mut store, library) = rt.instantiate(Access::Streams).await.unwrap();
        library
            .websocket_protocol_types()
            .call_default_limits(&mut store)
            .await
            .unwrap()
    });
    assert_eq!(limits.max_headers, 64);
}

/// The release component ships no DWARF (`-C strip=debuginfo` for
/// wasm32-wasip2 in `.cargo/config.toml`): its size is its code and data.
/// The `name` section stays, so that a trap's backtrace names functions.
#[test]
fn the_release_component_carries_names_but_no_debug_sections() {
    let wasm = std::fs::read(library_component().unwrap()).unwrap();
    let mut debug = Vec::new();
    let mut names = false;
    for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
        if let wasmparser::Payload::CustomSection(section) = payload.expect("a valid component") {
            if section.name().starts_with(".debug") {
                debug.push((section.name().to_owned(), section.data().len()));
            }
            names |= section.name() == "name";
        }
    }
    assert!(debug.is_empty(), "debug sections in the component: {debug:?}");
    assert!(names, "the core module lost its name section");
    assert!(
        wasm.len() < 1_500_000,
        "the component is {} bytes, over 1.5 MB",
        wasm.len()
    );
}
