//! The engine as a WebAssembly component in an embedded wasmtime: its
//! exported WIT, its sans-IO interfaces against the native engine, its
//! connections against native peers, structured errors, the command
//! component and composition. The component is built once per run.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::net::TcpListener;
use std::sync::OnceLock;
use std::thread;

use proptest::prelude::*;
use wasmtime::component::{Component, ResourceAny};
use wasmtime::Store;
use wasmtime_wasi::p2::bindings::Command;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::WasiCtx;
use websocket_blocking as blocking;
use websocket_build::{built_wasm, library_component};
use websocket_engine::framing::rfc6455::{self, OpCode};
use websocket_engine::framing::{hixie, Decoded, Frame};
use websocket_engine::{Accept, ClientConfig, Message, ServerConfig};
use websocket_host::bindings::exports::websocket::protocol::framing::{
    CloseBody, Decoded as WitDecoded, Frame as WitFrame, Opcode as WitOpcode,
};
use websocket_host::bindings::exports::websocket::protocol::handshake::Status as WitStatus;
use websocket_host::bindings::{
    ClientOptions, Compression, Error as WitError, Library, ServerOptions, Utf8Policy, Version as WitVersion,
};
use websocket_host::{compose, serve_echo, Access, ComponentConnection, HostState, Runtime};

fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| Runtime::new(&library_component().unwrap()).unwrap())
}

fn tokio() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn wit_version(v: websocket_engine::Version) -> WitVersion {
    match v {
        websocket_engine::Version::Hixie75 => WitVersion::Hixie75,
        websocket_engine::Version::Hixie76 => WitVersion::Hixie76,
        websocket_engine::Version::Rfc6455 => WitVersion::Rfc6455,
    }
}

fn client_options(version: websocket_engine::Version) -> ClientOptions {
    ClientOptions {
        version: wit_version(version),
        origin: Some("http://example.com".into()),
        protocols: vec![],
        extra_headers: vec![],
        limits: None,
        timeouts: None,
        utf8: None,
        compression: Compression::Defaults,
        proxy: None,
    }
}

fn server_options() -> ServerOptions {
    ServerOptions::default()
}

/// The error's code, whatever its layer.
fn code(e: &WitError) -> &str {
    &websocket_host::bindings::error_info(e).code
}

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
            .block_on(hs.call_constructor(&mut self.store, &server_options()))
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
        websocket_engine::Status::Complete { consumed } => WitStatus::Complete(consumed as u32),
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
                Ok(Decoded::Partial) => break,
                Ok(Decoded::Frame { frame, consumed }) => {
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

fn messages() -> Vec<String> {
    let mut m = vec![
        "hello".to_owned(),
        "wörld ✓".into(),
        String::new(),
        "z".repeat(200_000),
    ];
    m.extend((0..50).map(|i| format!("message {i}")));
    m
}

#[test]
fn component_server_with_native_clients() {
    let tokio = tokio();
    let listener = tokio
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let report = |peer, e| panic!("{peer}: {e}");
    tokio.spawn(serve_echo(
        runtime().clone(),
        listener,
        server_options(),
        None,
        report,
    ));
    let clients: Vec<_> = (0..6)
        .map(|i| {
            thread::spawn(move || {
                let version = websocket_engine::Version::ALL[i % 3];
                let (mut ws, _) =
                    blocking::connect(&format!("ws://{addr}/"), ClientConfig::new(version)).unwrap();
                for m in messages() {
                    ws.send_text(&m).unwrap();
                }
                ws.send_binary(&[0, 0xFF, 1]).unwrap();
                ws.close().unwrap();
                let (got, closed) = common::read_to_end(&mut ws);
                let mut expected: Vec<Message> = messages().into_iter().map(Message::text).collect();
                expected.push(Message::binary(vec![0, 0xFF, 1]));
                assert!(
                    got == expected,
                    "{version}: {} of {} messages came back",
                    got.len(),
                    expected.len()
                );
                assert_eq!(closed.map(|c| c.clean), Some(true), "{version}");
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
}

/// A native client sends every message to the echo server at `url`,
/// closes, and checks that every one came back.
fn echo_through(url: &str, version: websocket_engine::Version) {
    let (mut ws, _) = blocking::connect(url, ClientConfig::new(version)).unwrap();
    for m in messages() {
        ws.send_text(&m).unwrap();
    }
    ws.close().unwrap();
    let got: Vec<Message> = std::iter::from_fn(|| ws.read_message().unwrap()).collect();
    let expected: Vec<Message> = messages().into_iter().map(Message::text).collect();
    assert!(
        got == expected,
        "{version}: {} of {} messages came back",
        got.len(),
        expected.len()
    );
}

/// A native echo server for one connection; returns its address.
fn native_echo_server() -> (String, thread::JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let (mut ws, _) = blocking::accept(stream, ServerConfig::new()).unwrap();
        let mut n = 0;
        while let Some(Message::Text(t)) = ws.read_message().unwrap() {
            ws.send_text(&t).unwrap();
            n += 1;
        }
        n
    });
    (addr, handle)
}

#[test]
fn native_server_with_component_clients() {
    use websocket_host::bindings::exports::websocket::protocol::connection::State;
    let tokio = tokio();
    let versions = websocket_engine::Version::ALL;
    for (version, by_host) in versions.into_iter().flat_map(|v| [(v, false), (v, true)]) {
        let (addr, server) = native_echo_server();
        let got = tokio.block_on(async {
            let url = format!("ws://{addr}/x");
            let options = client_options(version);
            // Alternately the component connects itself (wasi:sockets) or is
            // handed a TCP connection the host opened.
            let mut conn = if by_host {
                let tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
                ComponentConnection::handshake(runtime(), tcp, &url, &options)
                    .await
                    .unwrap()
            } else {
                ComponentConnection::connect(runtime(), &url, &options)
                    .await
                    .unwrap()
            };
            // Sending before the handshake is done is refused with a usage error.
            let early = conn.send_text("early").await.unwrap_err();
            assert_eq!(code(early.guest().unwrap()), "handshake-incomplete");
            while conn.state().await.unwrap() == State::Handshaking {
                if conn.poll_event().await.unwrap().is_none() {
                    conn.ready_or(std::future::pending::<()>()).await.unwrap();
                }
            }
            for m in messages() {
                conn.send_text(&m).await.unwrap();
            }
            conn.close().await.unwrap();
            let mut got = Vec::new();
            while let Some(m) = conn.read_message().await.unwrap() {
                got.push(m);
            }
            conn.finish().await.unwrap();
            got
        });
        let expected: Vec<_> = messages()
            .into_iter()
            .map(websocket_host::bindings::Message::Text)
            .collect();
        assert!(
            got == expected,
            "{version}: {} of {} messages came back",
            got.len(),
            expected.len()
        );
        assert_eq!(server.join().unwrap(), expected.len());
    }
}

/// Runs a command component with `args` and `stdin`, network granted;
/// returns the pipe its stdout goes to and the task running it.
fn run_command(
    tokio: &tokio::runtime::Runtime,
    wasm: Vec<u8>,
    args: &[&str],
    stdin: &str,
) -> (MemoryOutputPipe, tokio::task::JoinHandle<Result<(), String>>) {
    let rt = runtime().clone();
    let stdout = MemoryOutputPipe::new(1 << 20);
    let ctx = WasiCtx::builder()
        .args(args)
        .stdin(MemoryInputPipe::new(stdin.to_owned()))
        .stdout(stdout.clone())
        .inherit_stderr()
        .inherit_network()
        .allow_tcp(true)
        .allow_ip_name_lookup(true)
        .build();
    let task = tokio.spawn(async move {
        let component = Component::from_binary(rt.engine(), &wasm).map_err(|e| e.to_string())?;
        let mut store = rt.store(ctx).map_err(|e| e.to_string())?;
        let command = Command::instantiate_async(&mut store, &component, rt.linker())
            .await
            .map_err(|e| format!("{e:?}"))?;
        let run = command
            .wasi_cli_run()
            .call_run(&mut store)
            .await
            .map_err(|e| format!("{e:?}"))?;
        run.map_err(|()| "run returned an error".to_owned())
    });
    (stdout, task)
}

/// Runs `serve` built for wasm32 as a command in embedded wasmtime; returns
/// the URL it printed and the task running it.
fn start_command_server(
    tokio: &tokio::runtime::Runtime,
) -> (String, tokio::task::JoinHandle<Result<(), String>>) {
    let serve = built_wasm("websocket-engine", &["--example", "serve"], "examples/serve.wasm").unwrap();
    let (stdout, task) = run_command(
        tokio,
        std::fs::read(serve).unwrap(),
        &["serve", "--listen", "127.0.0.1:0"],
        "",
    );
    loop {
        let out = String::from_utf8(stdout.contents().to_vec()).unwrap();
        if let Some(line) = out.lines().next() {
            let url = line
                .strip_prefix("listening on ")
                .unwrap_or_else(|| panic!("{line:?}"));
            return (url.to_owned(), task);
        }
        assert!(
            !task.is_finished(),
            "serve ended early: {:?}",
            tokio.block_on(task)
        );
        thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn the_command_component_serves_echo() {
    let tokio = tokio();
    let (url, task) = start_command_server(&tokio);
    let clients: Vec<_> = [
        websocket_engine::Version::Hixie75,
        websocket_engine::Version::Hixie76,
        websocket_engine::Version::Rfc6455,
        websocket_engine::Version::Rfc6455,
    ]
    .into_iter()
    .map(|version| {
        let url = url.clone();
        thread::spawn(move || {
            echo_through(&url, version);
        })
    })
    .collect();
    for c in clients {
        c.join().unwrap();
    }
    task.abort();
}

#[test]
fn the_command_component_times_out_a_silent_peer() {
    use std::io::{Read, Write};
    let tokio = tokio();
    let (url, task) = start_command_server(&tokio);
    let addr = url.trim_start_matches("ws://").trim_end_matches('/').to_owned();
    // Half a head, then silence: only the handshake time-out (10 s by
    // default) can end it, and only if the multiplexer wakes for it.
    let mut silent = std::net::TcpStream::connect(&addr).unwrap();
    silent.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    silent
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let started = std::time::Instant::now();
    // Meanwhile the server serves others.
    echo_through(&url, websocket_engine::Version::Hixie76);
    let n = silent.read(&mut [0u8; 64]).unwrap_or(usize::MAX);
    let waited = started.elapsed();
    assert_eq!(n, 0, "the server should close the silent connection");
    assert!(
        waited >= std::time::Duration::from_secs(9) && waited < std::time::Duration::from_secs(20),
        "closed after {waited:?}"
    );
    task.abort();
}

#[test]
fn the_composed_application_runs() {
    let app = built_wasm("websocket-app-example", &[], "websocket_app_example.wasm").unwrap();
    let library = std::fs::read(library_component().unwrap()).unwrap();
    let composed = compose(&std::fs::read(app).unwrap(), &library).unwrap();
    let tokio = tokio();
    for version in ["hixie75", "hixie76"] {
        let (addr, server) = native_echo_server();
        let input: String = messages().iter().map(|m| format!("{m}\n")).collect();
        let url = format!("ws://{addr}/app");
        let (stdout, task) = run_command(&tokio, composed.clone(), &["app", &url, version], &input);
        assert_eq!(tokio.block_on(task).unwrap(), Ok(()), "{version}");
        let output = String::from_utf8(stdout.contents().to_vec()).unwrap();
        assert!(
            output == input,
            "{version}: {} of {} bytes came back",
            output.len(),
            input.len()
        );
        assert_eq!(server.join().unwrap(), messages().len());
    }
}

#[test]
fn the_composed_application_runs_under_the_wasmtime_cli() {
    let app = built_wasm("websocket-app-example", &[], "websocket_app_example.wasm").unwrap();
    let library = std::fs::read(library_component().unwrap()).unwrap();
    let composed = compose(&std::fs::read(app).unwrap(), &library).unwrap();
    let path = std::env::temp_dir().join(format!("websocket-composed-{}.wasm", std::process::id()));
    std::fs::write(&path, composed).unwrap();
    run_composed_under_the_wasmtime_cli(&path);
}

/// Composes as the README shows, with the `wac` CLI from crates.io, and
/// runs the result under the `wasmtime` CLI.
#[test]
fn the_application_composed_with_the_wac_cli_runs() {
    let app = built_wasm("websocket-app-example", &[], "websocket_app_example.wasm").unwrap();
    let library = library_component().unwrap();
    let path = std::env::temp_dir().join(format!("websocket-wac-{}.wasm", std::process::id()));
    let out = std::process::Command::new(common::tool("wac"))
        .arg("plug")
        .arg(&app)
        .arg("--plug")
        .arg(&library)
        .arg("-o")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "wac plug: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    run_composed_under_the_wasmtime_cli(&path);
}

/// Runs the composed line client at `path` (then deletes it) against a
/// native echo server and checks that every line comes back.
fn run_composed_under_the_wasmtime_cli(path: &std::path::Path) {
    // The library imports wasi:tls (for wss://): `-S tls` provides it.
    echo_composed_under_the_wasmtime_cli(path, &["-S", "tls"]);
    std::fs::remove_file(path).unwrap();
}

/// `wasmtime run -S inherit-network FLAGS`, the composed line client at
/// `path`, connected to `url` with `input` on stdin.
fn wasmtime_run_composed(
    path: &std::path::Path,
    flags: &[&str],
    url: &str,
    input: &str,
) -> std::process::Output {
    let mut command = std::process::Command::new(common::wasmtime_cli());
    command
        .args(["run", "-S", "inherit-network"])
        .args(flags)
        .arg(path)
        .args([url, "hixie76"]);
    common::run_with_input(command, input)
}

/// Runs the composed line client at `path` under `wasmtime run` with
/// `flags` against a native echo server and checks that every line comes
/// back.
fn echo_composed_under_the_wasmtime_cli(path: &std::path::Path, flags: &[&str]) {
    let (addr, server) = native_echo_server();
    let input: String = messages().iter().map(|m| format!("{m}\n")).collect();
    let out = wasmtime_run_composed(path, flags, &format!("ws://{addr}/app"), &input);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.stdout == input.as_bytes(),
        "{} of {} bytes came back",
        out.stdout.len(),
        input.len()
    );
    assert_eq!(server.join().unwrap(), messages().len());
}

/// `wasmtime run -S tls` gives the composed client `wasi:tls`, but with
/// the CLI's own trusted roots (wasmtime-wasi-tls's rustls provider takes
/// the Mozilla roots of webpki-roots and has no setting for more), so it
/// cannot trust a test CA: the client reaches our TLS server through
/// `wasi:tls` and the host refuses the certificate. The embedded host
/// trusts one (`Runtime::tls_client_config`, `client --component --ca`).
#[test]
fn under_the_wasmtime_cli_wasi_tls_reaches_a_tls_server_but_not_a_test_ca() {
    let certs = common::certs::certs();
    let (cert, key) = (certs.cert.to_str().unwrap(), certs.key.to_str().unwrap());
    let server = common::serve(&["--native", "--tls-cert", cert, "--tls-key", key]);
    let url = server.url.replace("127.0.0.1", "localhost");
    assert!(url.starts_with("wss://localhost:"), "{url}");
    let app = built_wasm("websocket-app-example", &[], "websocket_app_example.wasm").unwrap();
    let library = std::fs::read(library_component().unwrap()).unwrap();
    let composed = compose(&std::fs::read(app).unwrap(), &library).unwrap();
    let path = std::env::temp_dir().join(format!("websocket-composed-tls-{}.wasm", std::process::id()));
    std::fs::write(&path, composed).unwrap();
    let flags = ["-S", "allow-ip-name-lookup", "-S", "tls"];
    let out = wasmtime_run_composed(&path, &flags, &url, "hi\n");
    std::fs::remove_file(&path).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("untrusted-certificate"), "{stderr}");
}

/// Built without its `tls` feature, the library imports no `wasi:tls`, so
/// composed with the line client it runs under `wasmtime run` without
/// `-S tls` (which the default build needs): `ws://` works there, and
/// `wss://` fails with `tls-unavailable` before it connects.
#[test]
fn without_its_tls_feature_the_library_runs_where_the_host_has_no_wasi_tls() {
    let library = websocket_build::library_component_without_tls().unwrap();
    let library = std::fs::read(library).unwrap();
    let engine = runtime().engine();
    let imports: Vec<String> = Component::new(engine, &library)
        .unwrap()
        .component_type()
        .imports(engine)
        .map(|(name, _)| name.to_owned())
        .collect();
    assert!(
        imports.iter().any(|i| i.starts_with("wasi:sockets/tcp@")),
        "{imports:?}"
    );
    assert!(!imports.iter().any(|i| i.starts_with("wasi:tls/")), "{imports:?}");
    let app = built_wasm("websocket-app-example", &[], "websocket_app_example.wasm").unwrap();
    let composed = compose(&std::fs::read(app).unwrap(), &library).unwrap();
    let path = std::env::temp_dir().join(format!("websocket-composed-no-tls-{}.wasm", std::process::id()));
    std::fs::write(&path, composed).unwrap();
    echo_composed_under_the_wasmtime_cli(&path, &[]);
    // A listener where the TLS server would be: the client must not even
    // connect.
    let tls = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("wss://{}/app", tls.local_addr().unwrap());
    let out = wasmtime_run_composed(&path, &[], &url, "hi\n");
    std::fs::remove_file(&path).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("tls-unavailable"), "{stderr}");
    tls.set_nonblocking(true).unwrap();
    assert!(
        tls.accept().is_err(),
        "the client connected although it cannot do TLS"
    );
}

#[test]
fn the_command_component_runs_under_the_wasmtime_cli() {
    use std::io::BufRead;
    let serve = built_wasm("websocket-engine", &["--example", "serve"], "examples/serve.wasm").unwrap();
    let mut child = std::process::Command::new(common::wasmtime_cli())
        .args(["run", "-S", "inherit-network"])
        .arg(&serve)
        .args(["--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{line:?}"))
        .to_owned();
    for version in [
        websocket_engine::Version::Hixie75,
        websocket_engine::Version::Hixie76,
    ] {
        echo_through(&url, version);
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

/// An input stream that gives `bytes` once, then nothing, ever.
struct OnceThenSilent(Option<bytes::Bytes>);

#[wasmtime_wasi::async_trait]
impl wasmtime_wasi::p2::InputStream for OnceThenSilent {
    fn read(&mut self, size: usize) -> wasmtime_wasi::p2::StreamResult<bytes::Bytes> {
        let Some(bytes) = &mut self.0 else {
            return Ok(bytes::Bytes::new());
        };
        let out = bytes.split_to(size.min(bytes.len()));
        if bytes.is_empty() {
            self.0 = None;
        }
        Ok(out)
    }
}

#[wasmtime_wasi::async_trait]
impl wasmtime_wasi::p2::Pollable for OnceThenSilent {
    async fn ready(&mut self) {
        if self.0.is_none() {
            std::future::pending::<()>().await;
        }
    }
}

/// An output stream that never takes a byte: its permit is always 0.
struct NeverTakes;

#[wasmtime_wasi::async_trait]
impl wasmtime_wasi::p2::OutputStream for NeverTakes {
    fn write(&mut self, _: bytes::Bytes) -> wasmtime_wasi::p2::StreamResult<()> {
        Err(wasmtime_wasi::p2::StreamError::trap(
            "write past the check-write permit",
        ))
    }

    fn flush(&mut self) -> wasmtime_wasi::p2::StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> wasmtime_wasi::p2::StreamResult<usize> {
        Ok(0)
    }
}

#[wasmtime_wasi::async_trait]
impl wasmtime_wasi::p2::Pollable for NeverTakes {
    async fn ready(&mut self) {
        std::future::pending::<()>().await;
    }
}

#[test]
fn a_flush_into_a_stream_that_never_takes_output_ends_with_the_write_timeout() {
    let tokio = tokio();
    tokio.block_on(async {
        let request = b"GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\nOrigin: http://h\r\n\r\n";
        let input: wasmtime_wasi::p2::DynInputStream = Box::new(OnceThenSilent(Some(bytes::Bytes::from_static(request))));
        let output: wasmtime_wasi::p2::DynOutputStream = Box::new(NeverTakes);
        let mut options = server_options();
        let timeouts = websocket_host::bindings::Timeouts {
            handshake_ms: 10_000,
            close_ms: 5_000,
            write_ms: 300,
            ping_interval_ms: None,
            ping_timeout_ms: None,
            idle_ms: None,
        };
        options.timeouts = Some(timeouts);
        let mut conn = ComponentConnection::accept_streams(runtime(), (input, output), &options)
            .await
            .unwrap();
        // The request is read and the response queued; it can never go.
        use websocket_host::bindings::exports::websocket::protocol::connection::Event;
        assert_eq!(conn.poll_event().await.unwrap(), Some(Event::Opened));
        let started = std::time::Instant::now();
        let flushed = tokio::time::timeout(std::time::Duration::from_secs(10), conn.flush())
            .await
            .expect("the flush must end on its own");
        let e = flushed.unwrap_err();
        assert_eq!(code(e.guest().unwrap()), "timeout", "{e}");
        assert!(started.elapsed() >= std::time::Duration::from_millis(300));
        conn.finish().await.unwrap();
    });
}

#[test]
fn the_component_server_defers_decisions_to_its_host() {
    use websocket_host::bindings::exports::websocket::protocol::connection::Event;
    use websocket_host::bindings::{AcceptOptions, Decision, Refusal};
    let tokio = tokio();
    let listener = tokio
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("ws://{}/chat", listener.local_addr().unwrap());
    let server = tokio.spawn(async move {
        let mut options = server_options();
        options.defer_decisions = true;
        for accept in [true, false] {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut conn = ComponentConnection::accept(runtime(), tcp, &options)
                .await
                .unwrap();
            let Some(Event::Request(request)) = conn.next_event().await.unwrap() else {
                panic!("the request comes first")
            };
            assert_eq!(request.protocols, ["x", "chat"]);
            let decision = if accept {
                Decision::Accept(AcceptOptions {
                    protocol: Some("chat".into()),
                    headers: vec![("Set-Cookie".into(), "seen=1".into())],
                    compression: false,
                })
            } else {
                Decision::Refuse(Refusal {
                    status: 401,
                    headers: vec![],
                    body: b"who are you?".to_vec(),
                })
            };
            conn.decide(&decision).await.unwrap();
            if accept {
                assert_eq!(conn.next_event().await.unwrap(), Some(Event::Opened));
                let message = conn.read_message().await.unwrap().unwrap();
                conn.send(&message).await.unwrap();
                assert_eq!(conn.read_message().await.unwrap(), None);
            } else {
                let e = conn.next_event().await.unwrap_err();
                assert_eq!(code(e.guest().unwrap()), "refused", "{e}");
            }
            conn.finish().await.unwrap();
        }
    });
    let config = ClientConfig::new(websocket_engine::Version::Rfc6455).protocols(["x", "chat"]);
    let (mut ws, response) = blocking::connect(&url, config.clone()).unwrap();
    assert_eq!(response.protocol.as_deref(), Some("chat"));
    assert!(response.headers.contains(&("Set-Cookie".into(), "seen=1".into())));
    // The host's decision declined permessage-deflate, which the client
    // offered and the server's options accept.
    assert_eq!(response.deflate, None);
    ws.send_text("decided").unwrap();
    assert_eq!(ws.read_message().unwrap(), Some(Message::text("decided")));
    ws.close().unwrap();
    assert_eq!(ws.read_message().unwrap(), None);
    let refused = blocking::connect(&url, config).err().unwrap();
    assert_eq!(
        refused,
        websocket_io::Error::Protocol(websocket_engine::ProtocolError::Handshake(
            websocket_engine::HandshakeError::Status { code: 401 }
        ))
    );
    tokio.block_on(server).unwrap();
}

/// Calls the library's `connect` in a fresh instance that may reach what
/// `access` grants, and says whether `listener` saw a connection.
fn connect_with(access: Access, url: &str, listener: &std::net::TcpListener) -> (Result<(), String>, bool) {
    let tokio = tokio();
    let result = tokio.block_on(async {
        let (mut store, library) = runtime().instantiate(access).await.unwrap();
        let conn = library
            .websocket_protocol_connection()
            .call_connect(
                &mut store,
                url,
                &client_options(websocket_engine::Version::Rfc6455),
            )
            .await
            .unwrap();
        conn.map(|_| ()).map_err(|e| code(&e).to_owned())
    });
    listener.set_nonblocking(true).unwrap();
    thread::sleep(std::time::Duration::from_millis(200));
    let reached = listener.accept().is_ok();
    (result, reached)
}

#[test]
fn an_accepted_connections_instance_cannot_open_a_socket() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let url = format!("ws://127.0.0.1:{port}/");
    // What an accepted connection's instance gets: streams and a clock.
    let (result, reached) = connect_with(Access::Streams, &url, &listener);
    assert!(result.is_err(), "{result:?}");
    assert!(!reached, "the instance opened a socket");
    // A client instance may reach its server's port, and no other.
    let (_, reached) = connect_with(Access::Connect { port }, &url, &listener);
    assert!(reached, "the client instance could not reach its server");
    let (result, reached) = connect_with(
        Access::Connect {
            port: port.wrapping_add(1),
        },
        &url,
        &listener,
    );
    assert!(result.is_err() && !reached, "{result:?}");
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
