//! The client against a scripted fake server over TCP: every wrong answer is
//! refused with its specific error.
#![cfg(not(target_arch = "wasm32"))]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;

use websocket_blocking as blocking;
use websocket_engine::{
    Accept, ClientConfig, HandshakeError, ProtocolError, Role, ServerConfig, ServerHandshake, Version,
};
use websocket_io::Error;

/// A server that reads the request, answers with `edit` applied to the
/// correct response, and keeps the connection open until the client goes.
fn fake_server(version: Version, edit: fn(Vec<u8>) -> Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut hs = ServerHandshake::new(ServerConfig::default());
        let mut buf = [0u8; 4096];
        loop {
            let n = s.read(&mut buf).unwrap();
            if let websocket_engine::Status::Complete { .. } = hs.handle_input(&buf[..n]).unwrap() {
                break;
            }
        }
        assert_eq!(hs.request().unwrap().version, version);
        let response = hs.accept(&Accept::new()).unwrap();
        let _ = s.write_all(&edit(response));
        let _ = s.read(&mut buf);
    });
    format!("ws://{addr}/demo")
}

fn replace(bytes: Vec<u8>, from: &str, to: &str) -> Vec<u8> {
    String::from_utf8_lossy(&bytes).replacen(from, to, 1).into_bytes()
}

fn refusal(version: Version, edit: fn(Vec<u8>) -> Vec<u8>) -> Error {
    let url = fake_server(version, edit);
    let mut config = ClientConfig::new(version);
    config.origin = Some("http://example.com".into());
    blocking::connect(&url, config).map(|_| ()).unwrap_err()
}

#[test]
fn a_correct_fake_server_is_accepted() {
    for version in Version::ALL {
        let url = fake_server(version, |r| r);
        let mut config = ClientConfig::new(version);
        config.origin = Some("http://example.com".into());
        assert!(blocking::connect(&url, config).is_ok(), "{version}");
    }
}

#[test]
fn a_wrong_md5_answer_is_refused() {
    let err = refusal(Version::Hixie76, |mut r| {
        *r.last_mut().unwrap() ^= 0x55;
        r
    });
    assert!(
        matches!(
            err,
            Error::Protocol(ProtocolError::Handshake(HandshakeError::ChallengeMismatch { .. }))
        ),
        "{err:?}"
    );
}

#[test]
fn a_wrong_location_is_refused() {
    for version in [Version::Hixie75, Version::Hixie76] {
        let err = refusal(version, |r| replace(r, "/demo\r\n", "/elsewhere\r\n"));
        let Error::Protocol(ProtocolError::Handshake(HandshakeError::LocationMismatch { expected, got })) =
            err
        else {
            panic!("{err:?}")
        };
        assert!(expected.ends_with("/demo") && got.ends_with("/elsewhere"));
    }
}

#[test]
fn a_wrong_origin_is_refused() {
    for version in [Version::Hixie75, Version::Hixie76] {
        let err = refusal(version, |r| {
            replace(r, "Origin: http://example.com", "Origin: http://evil.example")
        });
        assert_eq!(
            err,
            Error::Protocol(ProtocolError::Handshake(HandshakeError::OriginMismatch {
                expected: "http://example.com".into(),
                got: "http://evil.example".into()
            }))
        );
    }
}

#[test]
fn a_wrong_status_line_is_refused() {
    let err = refusal(Version::Hixie75, |r| {
        replace(r, "Web Socket Protocol Handshake", "Switching Protocols")
    });
    assert!(
        matches!(
            err,
            Error::Protocol(ProtocolError::Handshake(HandshakeError::StatusLine { .. }))
        ),
        "{err:?}"
    );
    let err = refusal(Version::Hixie76, |r| replace(r, "101 WebSocket", "200 WebSocket"));
    assert_eq!(
        err,
        Error::Protocol(ProtocolError::Handshake(HandshakeError::Status { code: 200 }))
    );
    let err = refusal(Version::Hixie76, |r| {
        replace(r, "Upgrade: WebSocket", "Upgrade: h2c")
    });
    assert_eq!(
        err,
        Error::Protocol(ProtocolError::Handshake(HandshakeError::UpgradeMismatch {
            from: Role::Server,
            got: "h2c".into()
        }))
    );
}

#[test]
fn a_wrong_sec_websocket_accept_is_refused() {
    let err = refusal(Version::Rfc6455, |r| {
        let text = String::from_utf8(r).unwrap();
        let line = text
            .lines()
            .find(|l| l.starts_with("Sec-WebSocket-Accept: "))
            .unwrap()
            .to_owned();
        // The answer to another key: well-formed, but not ours.
        let wrong = websocket_engine::rfc6455_accept("AQIDBAUGBwgJCgsMDQ4PEA==");
        text.replacen(&line, &format!("Sec-WebSocket-Accept: {wrong}"), 1)
            .into_bytes()
    });
    let Error::Protocol(ProtocolError::Handshake(HandshakeError::AcceptMismatch { expected, got })) = err
    else {
        panic!("{err:?}")
    };
    assert_ne!(expected, got);
    assert_eq!(got, websocket_engine::rfc6455_accept("AQIDBAUGBwgJCgsMDQ4PEA=="));
}

#[test]
fn a_masked_server_frame_is_refused() {
    // A correct response followed by a masked text frame (RFC 6455 5.1).
    let url = fake_server(Version::Rfc6455, |mut r| {
        websocket_engine::framing::rfc6455::encode_frame(
            true,
            websocket_engine::framing::rfc6455::OpCode::Text,
            b"masked",
            Some([1, 2, 3, 4]),
            &mut r,
        )
        .unwrap();
        r
    });
    let (mut ws, _) = blocking::connect(&url, ClientConfig::new(Version::Rfc6455)).unwrap();
    assert_eq!(
        ws.read_message().unwrap_err(),
        Error::Protocol(ProtocolError::Frame(
            websocket_engine::FrameError::MaskedServerFrame
        ))
    );
}
