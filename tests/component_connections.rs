//! The library component's connections in an embedded wasmtime: its
//! server against native clients of every version, its clients against
//! a native server, streams that stall, deferred decisions, and what an
//! instance may reach.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::component::{client_options, code, runtime, tokio};
use common::echo::{native_echo_once, texts};
use common::failures::Failures;
use std::thread;

use websocket_blocking as blocking;
use websocket_engine::{ClientConfig, Message};
use websocket_host::bindings::ServerOptions;
use websocket_host::{serve_echo, Access, ComponentConnection};

#[test]
fn component_server_with_native_clients() {
    let tokio = tokio();
    let listener = tokio
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let failures = Failures::new();
    tokio.spawn(serve_echo(
        runtime().clone(),
        listener,
        ServerOptions::default(),
        None,
        failures.reporter(),
    ));
    let clients: Vec<_> = (0..6)
        .map(|i| {
            thread::spawn(move || {
                let version = websocket_engine::Version::ALL[i % 3];
                let (mut ws, _) =
                    blocking::connect(&format!("ws://{addr}/"), ClientConfig::new(version)).unwrap();
                for m in texts() {
                    ws.send_text(&m).unwrap();
                }
                ws.send_binary(&[0, 0xFF, 1]).unwrap();
                ws.close().unwrap();
                let (got, closed) = common::read_to_end(&mut ws);
                let mut expected: Vec<Message> = texts().into_iter().map(Message::text).collect();
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
    tokio.block_on(failures.assert_none_soon());
}

#[test]
fn native_server_with_component_clients() {
    use websocket_host::bindings::exports::websocket::protocol::connection::State;
    let tokio = tokio();
    let versions = websocket_engine::Version::ALL;
    for (version, by_host) in versions.into_iter().flat_map(|v| [(v, false), (v, true)]) {
        let (addr, server) = native_echo_once();
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
            for m in texts() {
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
        let expected: Vec<_> = texts()
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
        let mut options = ServerOptions::default();
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
        let options = ServerOptions {
            defer_decisions: true,
            ..ServerOptions::default()
        };
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

/// While a deferred request waits for the host's decision, the session
/// reads nothing; a client that keeps sending must not make the
/// connection's `subscribe` pollable ready, or a host that waits on it
/// spins. Here the host waits on it (`ready_or`) beside a 300 ms sleep,
/// five times, while the client sends on: the sleep wins each time.
#[test]
fn a_deferred_request_does_not_wake_its_host_for_input_it_will_not_read() {
    use std::io::Write;
    use websocket_host::bindings::exports::websocket::protocol::connection::Event;
    let tokio = tokio();
    let listener = tokio
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let client = thread::spawn(move || {
        let mut tcp = std::net::TcpStream::connect(addr).unwrap();
        let request = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
            Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        tcp.write_all(request.as_bytes()).unwrap();
        // A masked empty text frame every 10 ms, until the server goes.
        while tcp.write_all(&[0x81, 0x80, 1, 2, 3, 4]).is_ok() {
            thread::sleep(std::time::Duration::from_millis(10));
        }
    });
    tokio.block_on(async {
        let options = ServerOptions {
            defer_decisions: true,
            ..ServerOptions::default()
        };
        let (tcp, _) = listener.accept().await.unwrap();
        let mut conn = ComponentConnection::accept(runtime(), tcp, &options)
            .await
            .unwrap();
        let Some(Event::Request(_)) = conn.next_event().await.unwrap() else {
            panic!("the request comes first")
        };
        for round in 0..5 {
            let slept = tokio::time::sleep(std::time::Duration::from_millis(300));
            let woke = conn.ready_or(slept).await.unwrap();
            assert_eq!(woke, Some(()), "round {round}: the connection woke its host");
        }
        conn.finish().await.unwrap();
    });
    client.join().unwrap();
}
