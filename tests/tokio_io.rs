//! The tokio adapter over real TCP on loopback: its server with its own
//! client and with the blocking client, for every version; batched
//! replies; refusals; and the handshake, close and write time-outs.
#![cfg(not(target_arch = "wasm32"))]

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use websocket_blocking as blocking;
use websocket_engine::*;
use websocket_io::Error;
use websocket_tokio as tokio_io;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// An echo server on loopback that serves every connection with `config`
/// (replies queued, written before each read) and reports each
/// connection's result.
async fn echo_server(
    config: ServerConfig,
) -> (String, tokio::sync::mpsc::UnboundedReceiver<Result<usize, Error>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let (config, tx) = (config.clone(), tx.clone());
            tokio::spawn(async move {
                let served = async {
                    let (mut ws, _) = tokio_io::accept(stream, config.clone()).await?;
                    let mut count = 0;
                    while let Some(m) = ws.read_message().await? {
                        count += 1;
                        ws.session_mut().send(&m)?;
                    }
                    Ok(count)
                };
                let _ = tx.send(served.await);
            });
        }
    });
    (addr, rx)
}

fn messages(version: Version) -> Vec<Message> {
    let binary = if version == Version::Rfc6455 {
        Message::binary(vec![0, 255, 1])
    } else {
        Message::HixieFrame {
            frame_type: 0x91,
            data: Bytes::from_static(&[0, 255, 1]),
        }
    };
    vec![
        Message::text("hello"),
        Message::text("é✓".repeat(40_000)),
        Message::text(""),
        binary,
    ]
}

#[test]
fn its_server_with_its_client_for_every_version() {
    runtime().block_on(async {
        let (addr, mut results) = echo_server(ServerConfig::default()).await;
        for version in Version::ALL {
            let url = format!("ws://{addr}/echo");
            let (mut ws, _) = tokio_io::connect(&url, ClientConfig::new(version)).await.unwrap();
            for m in messages(version) {
                ws.session_mut().send(&m).unwrap();
            }
            ws.close().await.unwrap();
            let (mut got, mut clean) = (Vec::new(), None);
            while let Some(event) = ws.next_event().await.unwrap() {
                match event {
                    Event::Message(m) => got.push(m),
                    Event::Closed(c) => clean = Some(c.clean),
                    other => panic!("{other:?}"),
                }
            }
            assert!(
                got == messages(version),
                "{version}: {} messages came back",
                got.len()
            );
            assert_eq!(ws.session().state(), State::Closed);
            assert!(ws.session().is_finished());
            assert_eq!(clean, Some(true), "{version}");
            assert_eq!(results.recv().await.unwrap(), Ok(4), "{version}");
        }
    });
}

#[test]
fn its_server_with_the_blocking_client_and_pings() {
    let rt = runtime();
    let (addr, mut results) = rt.block_on(echo_server(ServerConfig::default()));
    let (mut ws, _) =
        blocking::connect(&format!("ws://{addr}/"), ClientConfig::new(Version::Rfc6455)).unwrap();
    for i in 0..200 {
        ws.send_text(&format!("message {i}")).unwrap();
    }
    ws.ping(b"are you there").unwrap();
    // The pong may overtake echoes: pings are answered as they are decoded.
    let (mut texts, mut pong) = (0, None);
    while texts < 200 || pong.is_none() {
        match ws.next_event().unwrap() {
            Some(Event::Message(Message::Text(t))) => {
                assert_eq!(t, format!("message {texts}"));
                texts += 1;
            }
            Some(Event::Pong(payload)) => pong = Some(payload),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(pong.unwrap(), &b"are you there"[..]);
    ws.close_with(4000, "bye").unwrap();
    assert_eq!(
        ws.next_event().unwrap(),
        Some(Event::Closed(Closed {
            clean: true,
            code: Some(4000),
            reason: String::new()
        }))
    );
    assert_eq!(rt.block_on(results.recv()).unwrap(), Ok(200));
}

#[test]
fn refusals_and_a_bad_frame_are_answered_before_the_error() {
    runtime().block_on(async {
        let (addr, mut results) = echo_server(ServerConfig::default()).await;
        // A version other than 13.
        let mut s = TcpStream::connect(&addr).await.unwrap();
        s.write_all(
            b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n",
        )
        .await
        .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 426 "), "{answer}");
        assert!(answer.contains("Sec-WebSocket-Version: 13\r\n"), "{answer}");
        assert!(matches!(
            results.recv().await.unwrap(),
            Err(Error::Protocol(ProtocolError::Handshake(
                HandshakeError::UnsupportedVersion { .. }
            )))
        ));
        // A good message, then an unmasked frame, in one write with the head.
        let mut s = TcpStream::connect(&addr).await.unwrap();
        let mut bytes = b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            .to_vec();
        bytes.extend_from_slice(&[0x81, 0x82, 0, 0, 0, 0, b'o', b'k', 0x81, 0x01, b'x']);
        s.write_all(&bytes).await.unwrap();
        let mut answer = Vec::new();
        s.read_to_end(&mut answer).await.unwrap();
        let frames = &answer[answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4..];
        assert_eq!(frames, [0x81, 0x02, b'o', b'k', 0x88, 0x02, 0x03, 0xEA]);
        assert_eq!(
            results.recv().await.unwrap(),
            Err(Error::Protocol(ProtocolError::Frame(
                FrameError::UnmaskedClientFrame
            )))
        );
    });
}

#[test]
fn time_outs_bound_the_handshake_the_close_and_the_writes() {
    runtime().block_on(async {
        let mut config = ServerConfig::default();
        config.timeouts.handshake = Duration::from_millis(300);
        config.timeouts.write = Duration::from_millis(300);
        config.limits.max_pending_output = 64 * 1024 * 1024;
        let (addr, mut results) = echo_server(config).await;
        // Half a head, then silence.
        let started = Instant::now();
        let mut s = TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        assert_eq!(
            results.recv().await.unwrap(),
            Err(Error::Protocol(ProtocolError::Timeout {
                during: Phase::Handshake,
                limit: Duration::from_millis(300)
            }))
        );
        assert!(started.elapsed() < Duration::from_secs(3));
        // A client that sends and never reads: the echo's write times out.
        let mut s = TcpStream::connect(&addr).await.unwrap();
        s.write_all(
            b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nOrigin: http://a\r\n\r\n",
        )
        .await
        .unwrap();
        let mut frame = Vec::new();
        framing::hixie::encode_text(&"x".repeat(1 << 20), &mut frame);
        let writer = tokio::spawn(async move {
            for _ in 0..64 {
                if s.write_all(&frame).await.is_err() {
                    break;
                }
            }
            s
        });
        assert!(matches!(
            results.recv().await.unwrap(),
            Err(Error::Protocol(ProtocolError::Timeout {
                during: Phase::Writing,
                ..
            }))
        ));
        writer.abort();
    });
    // The client side: a server that never answers the close.
    runtime().block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let (ws, _) = tokio_io::accept(stream, ServerConfig::new()).await.unwrap();
            // Hold the connection open without reading.
            tokio::time::sleep(Duration::from_secs(10)).await;
            drop(ws);
        });
        let mut config = ClientConfig::new(Version::Rfc6455);
        config.timeouts.close = Duration::from_millis(300);
        let (mut ws, _) = tokio_io::connect(&format!("ws://{addr}/"), config).await.unwrap();
        ws.close().await.unwrap();
        let started = Instant::now();
        assert_eq!(
            ws.read_message().await.unwrap_err(),
            Error::Protocol(ProtocolError::Timeout {
                during: Phase::Closing,
                limit: Duration::from_millis(300)
            })
        );
        assert!(started.elapsed() < Duration::from_secs(3));
    });
}

/// The keepalive's deadline moves with every input; the adapter leaves its
/// timer where it was armed and lets it fire early. A peer that talks
/// more often than the interval is never pinged; one that falls silent is
/// pinged once the interval has passed since its last message.
#[test]
fn keepalive_pings_only_after_the_interval_of_silence() {
    runtime().block_on(async {
        let interval = Duration::from_millis(300);
        let mut config = ServerConfig::default();
        config.timeouts.ping_interval = Some(interval);
        let (addr, _results) = echo_server(config).await;
        let mut client = ClientConfig::new(Version::Rfc6455);
        client.timeouts.ping_interval = None;
        let (mut ws, _) = tokio_io::connect(&format!("ws://{addr}/"), client).await.unwrap();
        // Ten messages, 100 ms apart: no ping comes between them.
        for i in 0..10 {
            ws.send_text(&i.to_string()).await.unwrap();
            let event = ws.next_event().await.unwrap().unwrap();
            assert_eq!(event, Event::Message(Message::text(i.to_string())), "message {i}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Then silence: a ping, the interval after the last message.
        let silent = Instant::now();
        let event = tokio::time::timeout(Duration::from_secs(3), ws.next_event()).await;
        let waited = silent.elapsed();
        assert!(matches!(event, Ok(Ok(Some(Event::Ping(_))))), "{event:?}");
        assert!(
            waited >= interval - Duration::from_millis(110),
            "pinged after {waited:?}"
        );
        assert!(waited < interval * 3, "pinged after {waited:?}");
    });
}
