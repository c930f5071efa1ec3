//! The blocking adapter over real TCP on loopback: a client and a server of
//! this crate talking to each other, for both versions.

use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use websocket_blocking::{self as blocking, WebSocket};
use websocket_engine::*;
use websocket_io::Error;

/// Accepts one connection with `config` and echoes until it closes.
/// Returns the server's address and a handle giving the echo result.
fn echo_server(config: ServerConfig) -> (String, thread::JoinHandle<Result<usize, Error>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let (mut ws, _) = blocking::accept(stream, config.clone())?;
        let mut count = 0;
        while let Some(m) = ws.read_message()? {
            count += 1;
            ws.send(&m)?
        }
        Ok(count)
    });
    (addr, handle)
}

fn connect(addr: &str, version: Version) -> WebSocket<blocking::MaybeTlsStream> {
    blocking::connect(&format!("ws://{addr}/echo"), ClientConfig::new(version))
        .unwrap()
        .0
}

#[test]
fn echo_then_client_close_for_both_versions() {
    for version in [Version::Hixie75, Version::Hixie76] {
        let (addr, server) = echo_server(ServerConfig::default());
        let mut ws = connect(&addr, version);
        let big = "é".repeat(100_000);
        ws.send_text("hello").unwrap();
        ws.send_text(&big).unwrap();
        ws.send_binary(&[0, 255, 1]).unwrap();
        ws.send(&Message::HixieFrame {
            frame_type: 0xFF,
            data: Bytes::from_static(b"x"),
        })
        .unwrap();
        ws.close().unwrap();
        let mut got = Vec::new();
        while let Some(m) = ws.read_message().unwrap() {
            got.push(m);
        }
        assert_eq!(
            got,
            [
                Message::text("hello"),
                Message::text(big),
                Message::binary(vec![0, 255, 1]),
                Message::HixieFrame {
                    frame_type: 0xFF,
                    data: Bytes::from_static(b"x"),
                },
            ],
            "{version}"
        );
        assert_eq!(ws.session().state(), State::Closed);
        assert_eq!(server.join().unwrap(), Ok(4), "{version}");
    }
}

#[test]
fn server_initiated_close_for_hixie76() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let (mut ws, _) = blocking::accept(stream, ServerConfig::new()).unwrap();
        ws.send_text("bye").unwrap();
        ws.close().unwrap();
        let rest: Vec<_> = std::iter::from_fn(|| ws.read_message().unwrap()).collect();
        (rest, ws.session().state())
    });
    let mut ws = connect(&addr, Version::Hixie76);
    assert_eq!(ws.read_message().unwrap(), Some(Message::Text("bye".into())));
    assert_eq!(ws.read_message().unwrap(), None);
    assert_eq!(ws.session().state(), State::Closed);
    assert_eq!(server.join().unwrap(), (vec![], State::Closed));
}

#[test]
fn a_slow_handshake_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut config = ServerConfig::default();
    config.timeouts.handshake = Duration::from_millis(300);
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        blocking::accept(stream, config.clone()).map(|_| ())
    });
    let mut slow = TcpStream::connect(addr).unwrap();
    let start = Instant::now();
    // One byte every 100 ms would never finish within the limit.
    for b in b"GET / HTTP/1.1\r\n" {
        use std::io::Write;
        if slow.write_all(&[*b]).is_err() {
            break;
        }
        thread::sleep(Duration::from_millis(100));
        if start.elapsed() > Duration::from_secs(2) {
            break;
        }
    }
    assert_eq!(
        server.join().unwrap(),
        Err(Error::Protocol(ProtocolError::Timeout {
            during: Phase::Handshake,
            limit: Duration::from_millis(300)
        }))
    );
}

#[test]
fn a_refused_request_gets_an_http_error() {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        blocking::accept(stream, ServerConfig::new().origins(["http://good"])).map(|_| ())
    });
    let mut client = TcpStream::connect(addr).unwrap();
    client
        .write_all(b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nOrigin: http://evil\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    client.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{answer}");
    assert_eq!(
        server.join().unwrap(),
        Err(Error::Protocol(ProtocolError::Handshake(
            HandshakeError::OriginRejected {
                origin: "http://evil".into()
            }
        )))
    );
}

#[test]
fn a_client_refuses_a_server_that_is_not_websocket() {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 1024];
        let _ = s.read(&mut buf);
        let _ = s.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    });
    let err = blocking::connect(&format!("ws://{addr}/"), ClientConfig::new(Version::Hixie76)).unwrap_err();
    assert_eq!(
        err,
        Error::Protocol(ProtocolError::Handshake(HandshakeError::Status { code: 404 }))
    );
}
