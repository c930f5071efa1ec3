//! The WASI 0.3 library component (`component-p3`, the WIT package
//! `websocket:protocol@0.2.0`) in the embedded wasmtime: its listener, its
//! `connect`, and connections over byte streams the host hands it, against
//! native peers of every version; calls that overlap on one connection.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::sync::OnceLock;
use std::thread;

use wasmtime::component::{Accessor, ResourceAny};
use websocket_blocking as blocking;
use websocket_build::p3_library_component;
use websocket_engine::{ClientConfig, Message, Version};
use websocket_host::p3::bindings::exports::websocket::protocol::connection::Guest as Api;
use websocket_host::p3::bindings::{
    ClientOptions, Event, Limits, Message as WitMessage, ServerOptions, State, Timeouts,
};
use websocket_host::p3::{tcp_input, tcp_output, P3Library, P3State};

fn library() -> &'static P3Library {
    static LIBRARY: OnceLock<P3Library> = OnceLock::new();
    LIBRARY.get_or_init(|| {
        let path = p3_library_component().unwrap_or_else(|e| panic!("websocket_component_p3.wasm: {e}"));
        P3Library::new(&path).unwrap()
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn messages(version: Version) -> Vec<String> {
    (0..20)
        .map(|i| format!("{version} message {i} {}", "x".repeat(i * 97)))
        .collect()
}

/// A native client: sends [`messages`], closes, checks every one came back
/// and the close was clean.
fn native_client(url: String, version: Version) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let (mut ws, _) = blocking::connect(&url, ClientConfig::new(version)).unwrap();
        for m in messages(version) {
            ws.send_text(&m).unwrap();
        }
        ws.close().unwrap();
        let (got, closed) = common::read_to_end(&mut ws);
        let expected: Vec<Message> = messages(version).into_iter().map(Message::text).collect();
        assert!(
            got == expected,
            "{version}: {} of {} came back",
            got.len(),
            expected.len()
        );
        assert_eq!(closed.map(|c| c.clean), Some(true), "{version}");
    })
}

/// Echoes every message on `conn` until it is over; returns how many.
async fn echo(store: &Accessor<P3State>, api: &Api, conn: ResourceAny) -> usize {
    let mut n = 0;
    while let Some(message) = api
        .connection()
        .call_read_message(store, conn)
        .await
        .unwrap()
        .unwrap()
    {
        api.connection()
            .call_send(store, conn, message)
            .await
            .unwrap()
            .unwrap();
        n += 1;
    }
    assert_eq!(
        api.connection().call_state(store, conn).await.unwrap(),
        State::Closed
    );
    n
}

/// Hands `tcp`, which the host accepted, to the component's server side.
async fn hand_over(
    store: &Accessor<P3State>,
    api: &Api,
    tcp: tokio::net::TcpStream,
    options: ServerOptions,
) -> ResourceAny {
    let (read, write) = tcp.into_split();
    let input = store.with(|s| tcp_input(s, read)).unwrap();
    let (conn, output) = api.connection().call_accept(store, input, options).await.unwrap();
    store.with(|s| tcp_output(s, output, write)).unwrap();
    conn
}

#[test]
fn its_listener_echoes_native_clients_of_every_version() {
    runtime().block_on(async {
        let (mut store, instance) = library().instantiate().await.unwrap();
        let api = instance.websocket_protocol_connection();
        store
            .run_concurrent(async |store| {
                let listener = api
                    .listener()
                    .call_bind(store, "127.0.0.1:0".into(), ServerOptions::default())
                    .await
                    .unwrap()
                    .unwrap();
                let addr = api.listener().call_local_address(store, listener).await.unwrap();
                let clients: Vec<_> = Version::ALL
                    .iter()
                    .map(|&v| native_client(format!("ws://{addr}/"), v))
                    .collect();
                for _ in Version::ALL {
                    let conn = api
                        .listener()
                        .call_accept(store, listener)
                        .await
                        .unwrap()
                        .unwrap();
                    assert_eq!(echo(store, api, conn).await, 20);
                }
                for client in clients {
                    client.join().unwrap();
                }
            })
            .await
            .unwrap();
    });
}

#[test]
fn it_serves_a_tcp_connection_the_host_hands_over() {
    for version in Version::ALL {
        serve_one(
            |_, _| ServerOptions::default(),
            move |url| native_client(url, version).join().unwrap(),
            async |store, api, conn| assert_eq!(echo(store, api, conn).await, 20),
        );
    }
}

#[test]
fn its_connect_talks_to_a_native_server_in_every_version() {
    use websocket_host::p3::bindings::Version as WitVersion;
    runtime().block_on(async {
        let (mut store, instance) = library().instantiate().await.unwrap();
        let api = instance.websocket_protocol_connection();
        store
            .run_concurrent(async |store| {
                for version in [WitVersion::Hixie75, WitVersion::Hixie76, WitVersion::Rfc6455] {
                    let (addr, server) = common::echo::native_echo_once();
                    let url = format!("ws://{addr}/");
                    let conn = api
                        .call_connect(store, url, ClientOptions::new(version))
                        .await
                        .unwrap()
                        .unwrap();
                    let c = api.connection();
                    assert_eq!(c.call_state(store, conn).await.unwrap(), State::Open);
                    assert_eq!(c.call_version(store, conn).await.unwrap(), Some(version));
                    for i in 0..10 {
                        c.call_send_text(store, conn, format!("hello {i}"))
                            .await
                            .unwrap()
                            .unwrap();
                        let back = c.call_read_message(store, conn).await.unwrap().unwrap();
                        assert_eq!(back, Some(WitMessage::Text(format!("hello {i}"))), "{version:?}");
                    }
                    c.call_close(store, conn).await.unwrap().unwrap();
                    // Closing ends with the closed event (hixie75: the
                    // server's end of input), then nothing.
                    let mut last = None;
                    while let Some(event) = c.call_next_event(store, conn).await.unwrap().unwrap() {
                        last = Some(event);
                    }
                    assert!(matches!(last, Some(Event::Closed(_))), "{version:?}: {last:?}");
                    assert_eq!(server.join().unwrap(), 10);
                }
            })
            .await
            .unwrap();
    });
}

#[test]
fn a_send_completes_while_another_call_waits_for_an_event() {
    let pushed = serve_one(
        |_, _| ServerOptions::default(),
        // The client waits for the server's message before it says anything.
        |url| {
            let (mut ws, _) = blocking::connect(&url, ClientConfig::new(Version::Rfc6455)).unwrap();
            let pushed = ws.read_message().unwrap();
            ws.send_text("reply").unwrap();
            ws.close().unwrap();
            let _ = common::read_to_end(&mut ws);
            pushed
        },
        async |store, api, conn| {
            let c = api.connection();
            assert_eq!(
                c.call_next_event(store, conn).await.unwrap().unwrap(),
                Some(Event::Opened)
            );
            // One call waits for the next event while the other pushes a
            // message: the push must complete first, or the client never
            // replies and the wait never ends.
            let waiting = c.call_next_event(store, conn);
            let pushing = async {
                c.call_send_text(store, conn, "pushed".into())
                    .await
                    .unwrap()
                    .unwrap();
            };
            let (event, ()) = tokio::join!(waiting, pushing);
            let reply = Some(Event::Message(WitMessage::Text("reply".into())));
            assert_eq!(event.unwrap().unwrap(), reply);
            assert_eq!(echo(store, api, conn).await, 0);
        },
    );
    assert_eq!(pushed, Some(Message::text("pushed")));
}

/// Serves one connection from a native client (`client`, given the URL, in
/// a thread of its own) with the component's server side over TCP the host
/// accepted, with the `options` made from the component's default limits
/// and timeouts, running `serve` on it; returns what the client returned.
fn serve_one<C: Send + 'static>(
    options: impl FnOnce(Limits, Timeouts) -> ServerOptions,
    client: impl FnOnce(String) -> C + Send + 'static,
    serve: impl AsyncFnOnce(&Accessor<P3State>, &Api, ResourceAny),
) -> C {
    runtime().block_on(async {
        let (mut store, instance) = library().instantiate().await.unwrap();
        let api = instance.websocket_protocol_connection();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}/", listener.local_addr().unwrap());
        let client = thread::spawn(move || client(url));
        store
            .run_concurrent(async |store| {
                let types = instance.websocket_protocol_types();
                let limits = types.call_default_limits(store).await.unwrap();
                let timeouts = types.call_default_timeouts(store).await.unwrap();
                let (tcp, _) = listener.accept().await.unwrap();
                let conn = hand_over(store, api, tcp, options(limits, timeouts)).await;
                serve(store, api, conn).await;
            })
            .await
            .unwrap();
        client.join().unwrap()
    })
}

fn error_code(e: &websocket_host::p3::bindings::Error) -> &str {
    &websocket_host::p3::bindings::error_info(e).code
}

#[test]
fn a_deferred_request_waits_for_the_decision() {
    use websocket_host::p3::bindings::{AcceptOptions, Decision, Refusal};
    let deferred = |_, _| ServerOptions {
        defer_decisions: true,
        ..ServerOptions::default()
    };
    // Accepted: the request comes first, then the connection opens.
    let echoed = serve_one(
        deferred,
        |url| {
            let (mut ws, _) = blocking::connect(&url, ClientConfig::new(Version::Rfc6455)).unwrap();
            ws.send_text("after the decision").unwrap();
            ws.read_message().unwrap()
        },
        async |store, api, conn| {
            let c = api.connection();
            let Some(Event::Request(request)) = c.call_next_event(store, conn).await.unwrap().unwrap() else {
                panic!("the request did not come first");
            };
            assert_eq!(request.resource, "/");
            assert_eq!(c.call_state(store, conn).await.unwrap(), State::Handshaking);
            let accept = Decision::Accept(AcceptOptions {
                protocol: None,
                headers: Vec::new(),
                compression: false,
            });
            c.call_decide(store, conn, accept).await.unwrap().unwrap();
            assert_eq!(
                c.call_next_event(store, conn).await.unwrap().unwrap(),
                Some(Event::Opened)
            );
            let message = c.call_read_message(store, conn).await.unwrap().unwrap().unwrap();
            c.call_send(store, conn, message).await.unwrap().unwrap();
        },
    );
    assert_eq!(echoed, Some(Message::text("after the decision")));
    // Refused: the client gets the status, the server's call the failure.
    let refused = serve_one(
        deferred,
        |url| {
            blocking::connect(&url, ClientConfig::new(Version::Rfc6455))
                .err()
                .map(|e| e.to_string())
        },
        async |store, api, conn| {
            let c = api.connection();
            assert!(matches!(
                c.call_next_event(store, conn).await.unwrap().unwrap(),
                Some(Event::Request(_))
            ));
            let refuse = Decision::Refuse(Refusal {
                status: 403,
                headers: Vec::new(),
                body: b"no".to_vec(),
            });
            // As in 0.1.0: the refusal is sent, then the failure is the
            // connection's last event.
            c.call_decide(store, conn, refuse).await.unwrap().unwrap();
            let e = c.call_next_event(store, conn).await.unwrap().unwrap_err();
            assert_eq!(error_code(&e), "refused", "{e:?}");
            assert_eq!(c.call_state(store, conn).await.unwrap(), State::Closed);
        },
    );
    let refused = refused.expect("the client was refused");
    assert!(refused.contains("403"), "{refused}");
}

#[test]
fn a_message_over_the_limit_fails_the_connection_with_1009() {
    let options = |limits, _| ServerOptions {
        limits: Some(Limits {
            max_message_bytes: 1000,
            ..limits
        }),
        ..ServerOptions::default()
    };
    let closed = serve_one(
        options,
        |url| {
            let (mut ws, _) = blocking::connect(&url, ClientConfig::new(Version::Rfc6455)).unwrap();
            ws.send_text(&"x".repeat(999)).unwrap();
            ws.send_text(&"x".repeat(1001)).unwrap();
            common::read_to_end(&mut ws)
        },
        async |store, api, conn| {
            let c = api.connection();
            let first = c.call_read_message(store, conn).await.unwrap().unwrap();
            assert_eq!(first, Some(WitMessage::Text("x".repeat(999))));
            let e = c.call_read_message(store, conn).await.unwrap().unwrap_err();
            assert_eq!(error_code(&e), "message-too-large", "{e:?}");
            // Reported again by later calls.
            let again = c.call_next_event(store, conn).await.unwrap().unwrap_err();
            assert_eq!(again, e);
        },
    );
    assert_eq!(closed.1.and_then(|c| c.code), Some(1009));
}

#[test]
fn a_silent_client_times_out_while_a_call_waits() {
    let options = |_, timeouts| ServerOptions {
        timeouts: Some(Timeouts {
            idle_ms: Some(300),
            ..timeouts
        }),
        ..ServerOptions::default()
    };
    let closed = serve_one(
        options,
        |url| {
            let (mut ws, _) = blocking::connect(&url, ClientConfig::new(Version::Rfc6455)).unwrap();
            common::read_to_end(&mut ws).1
        },
        async |store, api, conn| {
            let c = api.connection();
            let started = std::time::Instant::now();
            let e = c.call_read_message(store, conn).await.unwrap().unwrap_err();
            assert_eq!(error_code(&e), "timeout", "{e:?}");
            assert!(started.elapsed() >= std::time::Duration::from_millis(300));
        },
    );
    assert_eq!(closed.and_then(|c| c.code), Some(1001));
}

#[test]
fn dropping_a_connection_ends_its_output() {
    runtime().block_on(async {
        let (mut store, instance) = library().instantiate().await.unwrap();
        let api = instance.websocket_protocol_connection();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}/", listener.local_addr().unwrap());
        let client = tokio::task::spawn_blocking(move || {
            let (mut ws, _) = blocking::connect(&url, ClientConfig::new(Version::Rfc6455)).unwrap();
            common::read_to_end(&mut ws)
        });
        let conn = store
            .run_concurrent(async |store| {
                let (tcp, _) = listener.accept().await.unwrap();
                let conn = hand_over(store, api, tcp, ServerOptions::default()).await;
                let c = api.connection();
                assert_eq!(
                    c.call_next_event(store, conn).await.unwrap().unwrap(),
                    Some(Event::Opened)
                );
                c.call_send_text(store, conn, "bye".into())
                    .await
                    .unwrap()
                    .unwrap();
                conn
            })
            .await
            .unwrap();
        // Dropped without closing: the client reads to the end of its input.
        conn.resource_drop_async(&mut store).await.unwrap();
        let (messages, closed) = store
            .run_concurrent(async |_| client.await.unwrap())
            .await
            .unwrap();
        assert_eq!(messages, [Message::text("bye")]);
        assert_eq!(closed.map(|c| c.clean), Some(false));
    });
}

/// Two calls wait for a message at once: each message goes to one of them,
/// none twice, none lost. (A host cannot cancel a call in wasmtime 48: a
/// dropped call's task runs on and its result is dropped, wasmtime issue
/// 11833. A guest caller's cancel drops the call before it took anything.)
#[test]
fn overlapping_reads_share_the_messages() {
    let echoed = serve_one(
        |_, _| ServerOptions::default(),
        |url| {
            let (mut ws, _) = blocking::connect(&url, ClientConfig::new(Version::Rfc6455)).unwrap();
            thread::sleep(std::time::Duration::from_millis(100));
            ws.send_text("one").unwrap();
            ws.send_text("two").unwrap();
            ws.close().unwrap();
            common::read_to_end(&mut ws).0
        },
        async |store, api, conn| {
            let c = api.connection();
            assert_eq!(
                c.call_next_event(store, conn).await.unwrap().unwrap(),
                Some(Event::Opened)
            );
            let (first, second) =
                tokio::join!(c.call_read_message(store, conn), c.call_read_message(store, conn));
            let mut got = [first, second].map(|m| match m.unwrap().unwrap() {
                Some(WitMessage::Text(text)) => text,
                other => panic!("{other:?}"),
            });
            got.sort();
            assert_eq!(got, ["one", "two"]);
            for text in got {
                c.call_send_text(store, conn, text).await.unwrap().unwrap();
            }
            assert_eq!(c.call_read_message(store, conn).await.unwrap().unwrap(), None);
        },
    );
    assert_eq!(echoed, [Message::text("one"), Message::text("two")]);
}

#[test]
fn its_client_side_runs_over_streams_the_host_connected() {
    use websocket_host::p3::bindings::Version as WitVersion;
    for version in [WitVersion::Hixie75, WitVersion::Hixie76, WitVersion::Rfc6455] {
        let (addr, server) = common::echo::native_echo_once();
        let url = format!("ws://{addr}/");
        runtime().block_on(async {
            let (mut store, instance) = library().instantiate().await.unwrap();
            let api = instance.websocket_protocol_connection();
            let tcp = tokio::net::TcpStream::connect(url.trim_start_matches("ws://").trim_end_matches('/'))
                .await
                .unwrap();
            store
                .run_concurrent(async |store| {
                    let (read, write) = tcp.into_split();
                    let input = store.with(|s| tcp_input(s, read)).unwrap();
                    let (conn, output) = api
                        .connection()
                        .call_handshake(store, input, url.clone(), ClientOptions::new(version))
                        .await
                        .unwrap()
                        .unwrap();
                    store.with(|s| tcp_output(s, output, write)).unwrap();
                    let c = api.connection();
                    assert_eq!(
                        c.call_next_event(store, conn).await.unwrap().unwrap(),
                        Some(Event::Opened)
                    );
                    assert!(c.call_response(store, conn).await.unwrap().is_some());
                    c.call_send_binary(store, conn, vec![0, 1, 2, 255])
                        .await
                        .unwrap()
                        .unwrap();
                    let back = c.call_read_message(store, conn).await.unwrap().unwrap();
                    assert_eq!(back, Some(WitMessage::Binary(vec![0, 1, 2, 255])), "{version:?}");
                    c.call_close(store, conn).await.unwrap().unwrap();
                    while c.call_next_event(store, conn).await.unwrap().unwrap().is_some() {}
                })
                .await
                .unwrap();
        });
        assert_eq!(server.join().unwrap(), 1, "{version:?}");
    }
}

/// `connect` to `url` with the p3 library whose `wasi:tls` trusts `ca`
/// (or the default roots), then one message there and back.
fn wss_round_trip(
    url: &str,
    ca: Option<&std::path::Path>,
) -> Result<(), websocket_host::p3::bindings::Error> {
    use websocket_host::p3::bindings::Version as WitVersion;
    use websocket_io::tls;
    let path = p3_library_component().unwrap();
    let mut library = P3Library::new(&path).unwrap();
    if let Some(ca) = ca {
        let mut roots = tls::default_roots();
        tls::add_pem_roots(&mut roots, &std::fs::read(ca).unwrap()).unwrap();
        library = library.tls_client_config(tls::client_config(roots));
    }
    runtime().block_on(async {
        let (mut store, instance) = library.instantiate().await.unwrap();
        let api = instance.websocket_protocol_connection();
        store
            .run_concurrent(async |store| {
                let options = ClientOptions::new(WitVersion::Rfc6455);
                let conn = api.call_connect(store, url.to_owned(), options).await.unwrap()?;
                let c = api.connection();
                c.call_send_text(store, conn, "over tls".into()).await.unwrap()?;
                let back = c.call_read_message(store, conn).await.unwrap()?;
                assert_eq!(back, Some(WitMessage::Text("over tls".into())));
                c.call_close(store, conn).await.unwrap()?;
                while c.call_next_event(store, conn).await.unwrap()?.is_some() {}
                Ok(())
            })
            .await
            .unwrap()
    })
}

/// `wss://` through the host's WASI 0.3 `wasi:tls` (experimental in
/// wasmtime 48), to the native server with a test CA's certificate:
/// trusted when the host trusts the CA, refused with the rule otherwise.
#[test]
fn its_connect_reaches_wss_through_the_hosts_wasi_tls() {
    let certs = common::certs::certs();
    let (cert, key) = (certs.cert.to_str().unwrap(), certs.key.to_str().unwrap());
    let server = common::serve(&["--native", "--tls-cert", cert, "--tls-key", key]);
    let url = server.url.replace("127.0.0.1", "localhost");
    assert!(url.starts_with("wss://localhost:"), "{url}");
    wss_round_trip(&url, Some(&certs.ca)).unwrap();
    let untrusted = wss_round_trip(&url, None).unwrap_err();
    assert_eq!(error_code(&untrusted), "untrusted-certificate", "{untrusted:?}");
    // The certificate names localhost, not the address.
    let by_address = wss_round_trip(&server.url, Some(&certs.ca)).unwrap_err();
    assert_eq!(
        error_code(&by_address),
        "certificate-name-mismatch",
        "{by_address:?}"
    );
}

/// The component imports what its world names, WASI 0.3 sockets, clocks
/// and the draft `wasi:tls`, and besides only the WASI 0.2 interfaces Rust's standard library
/// brings (its clocks behind `Instant`, stdio for panics, arguments,
/// random seeds): never 0.2 sockets, which would mean a second I/O path.
#[test]
fn it_imports_wasi_0_3_sockets_and_only_what_std_adds() {
    let engine = wasmtime::Engine::default();
    let path = p3_library_component().unwrap();
    let component = wasmtime::component::Component::from_file(&engine, path).unwrap();
    let imports: Vec<String> = component
        .component_type()
        .imports(&engine)
        .map(|(name, _)| name.to_owned())
        .collect();
    for wanted in [
        "wasi:sockets/types@0.3.2",
        "wasi:sockets/ip-name-lookup@0.3.2",
        "wasi:clocks/monotonic-clock@0.3.2",
    ] {
        assert!(
            imports.iter().any(|i| i == wanted),
            "{wanted} missing from {imports:?}"
        );
    }
    let from_std = ["wasi:cli/", "wasi:clocks/", "wasi:io/", "wasi:random/"];
    assert!(
        imports.iter().any(|i| i == "wasi:tls/client@0.3.0-draft"),
        "{imports:?}"
    );
    for import in &imports {
        let p3 = import.ends_with("@0.3.2") || import.ends_with("@0.3.0-draft");
        let std = import.contains("@0.2.") && from_std.iter().any(|p| import.starts_with(p));
        assert!(p3 || std, "unexpected import {import}");
    }
}

/// The `app` world of the package, built (`examples/app-p3`: an echo
/// server over the imported async `connection`) and composed with the
/// library component into one command component, which the wasmtime CLI
/// runs: guest calls guest, every call async, every connection a task of
/// the application's, native clients of every version at once.
#[test]
fn an_app_composed_with_it_serves_every_version_under_the_wasmtime_cli() {
    let server = common::serve_composed_p3();
    let url = server.url.clone();
    let clients: Vec<_> = Version::ALL
        .iter()
        .cycle()
        .take(9)
        .map(|&v| native_client(url.clone(), v))
        .collect();
    for client in clients {
        client.join().unwrap();
    }
}

/// Pipelined messages make `read-message` done at once. Through the
/// composed application, a library call that returns without suspending
/// leaked about 400 bytes (wasmtime 48, wit-bindgen 0.63), 39 MiB over
/// these 100 000 messages, until the glue's `settle` made every call
/// suspend at least once. After a first burst, the server may grow by no
/// more than 12 MiB.
#[cfg(target_os = "linux")]
#[test]
fn pipelined_messages_through_the_composed_app_leave_its_memory_flat() {
    let server = common::serve_composed_p3();
    let (mut ws, _) = blocking::connect(&server.url, ClientConfig::new(Version::Rfc6455)).unwrap();
    let mut burst = || {
        for i in 0..1000 {
            ws.send_text(&format!("pipelined {i:04}")).unwrap();
        }
        for i in 0..1000 {
            let back = ws.read_message().unwrap();
            assert_eq!(back, Some(Message::text(format!("pipelined {i:04}"))));
        }
    };
    burst();
    let before = common::memory_kib(server.process.child.id(), "VmRSS");
    for _ in 0..100 {
        burst();
    }
    let grown = common::memory_kib(server.process.child.id(), "VmRSS").saturating_sub(before);
    assert!(
        grown < 12 * 1024,
        "the composed server grew by {grown} KiB over 100 000 messages"
    );
}
