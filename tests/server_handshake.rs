//! The server handshake: version detection, exact responses, late key3,
//! policies, and every way a request can be refused.

mod common;

use common::{accept_request, replace, server_error};
use std::time::Instant;

use websocket_engine::*;

const HIXIE75: &str = "GET /demo?x=1 HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n\
    Host: example.com:8080\r\nOrigin: http://example.com\r\nWebSocket-Protocol: chat\r\n\r\n";

fn hixie76() -> Vec<u8> {
    let mut r = b"GET /demo HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nHost: example.com\r\n\
        Origin: http://example.com\r\nSec-WebSocket-Protocol: chat\r\n\
        Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\nSec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n\r\n"
        .to_vec();
    r.extend_from_slice(b"^n:ds[4U");
    r
}

#[test]
fn hixie75_response_is_exact() {
    let mut server = ServerHandshake::new(ServerConfig::default());
    assert!(matches!(
        server.handle_input(HIXIE75.as_bytes()),
        Ok(Status::Complete { .. })
    ));
    let request = server.request().unwrap();
    assert_eq!(request.version, Version::Hixie75);
    assert_eq!(request.resource, "/demo?x=1");
    assert_eq!(request.host, "example.com:8080");
    assert_eq!(request.origin.as_deref(), Some("http://example.com"));
    assert_eq!(request.protocols, ["chat"]);
    let response = server.accept(&Accept::new().protocol("chat")).unwrap();
    assert_eq!(
        String::from_utf8(response).unwrap(),
        "HTTP/1.1 101 Web Socket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n\
         WebSocket-Origin: http://example.com\r\nWebSocket-Location: ws://example.com:8080/demo?x=1\r\n\
         WebSocket-Protocol: chat\r\n\r\n"
    );
}

#[test]
fn hixie76_response_is_exact_and_wss_when_secure() {
    let mut config = ServerConfig::default();
    config.secure = true;
    let mut server = ServerHandshake::new(config);
    assert!(matches!(
        server.handle_input(&hixie76()),
        Ok(Status::Complete { .. })
    ));
    assert_eq!(server.request().unwrap().version, Version::Hixie76);
    let response = server.accept(&Accept::new().protocol("chat")).unwrap();
    let mut expected =
        b"HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Origin: http://example.com\r\nSec-WebSocket-Location: wss://example.com/demo\r\n\
        Sec-WebSocket-Protocol: chat\r\n\r\n"
            .to_vec();
    expected.extend_from_slice(b"8jKS'y:G*Co,Wxa-");
    assert_eq!(response, expected);
}

#[test]
fn key3_may_arrive_late_and_split_anywhere() {
    let request = hixie76();
    for chunk in 1..=request.len() {
        let mut server = ServerHandshake::new(ServerConfig::default());
        let mut last = None;
        for piece in request.chunks(chunk) {
            assert_eq!(last, None, "complete before the end");
            if let Status::Complete { value: (), consumed } = server.handle_input(piece).unwrap() {
                assert_eq!(consumed, piece.len());
                last = Some(consumed);
            }
        }
        assert!(last.is_some());
        let response = server.accept(&Accept::new()).unwrap();
        assert!(response.ends_with(b"8jKS'y:G*Co,Wxa-"));
    }
    // Without key3 the request is not complete, and cannot be accepted.
    let mut server = ServerHandshake::new(ServerConfig::default());
    assert_eq!(
        server.handle_input(&request[..request.len() - 1]).unwrap(),
        Status::Partial
    );
    assert!(server.request().is_some() && !server.is_complete());
    assert_eq!(
        server.accept(&Accept::new()).unwrap_err(),
        ProtocolError::Usage(UsageError::HandshakeIncomplete)
    );
}

#[test]
fn bytes_after_the_request_are_handed_on() {
    for mut request in [HIXIE75.as_bytes().to_vec(), hixie76()] {
        let len = request.len();
        request.extend_from_slice(b"\x00hi\xff");
        let mut server = ServerHandshake::new(ServerConfig::default());
        assert_eq!(
            server.handle_input(&request).unwrap(),
            Status::Complete {
                value: (),
                consumed: len
            }
        );
        // A session takes them with the request.
        let now = Instant::now();
        let mut session = Session::server(ServerConfig::new().protocols(["chat"]), now);
        session.handle_input(now, &request);
        assert_eq!(
            common::events(&mut session),
            [Event::Opened, Event::Message(Message::Text("hi".into()))]
        );
        assert_eq!(
            common::output(&mut session, now),
            server.accept(&Accept::new().protocol("chat")).unwrap()
        );
    }
}

fn refused(edit: impl Fn(&[u8]) -> Vec<u8>) -> ProtocolError {
    let err = server_error(&edit(&hixie76()));
    assert_eq!(err, server_error(&edit(&hixie76())), "deterministic");
    err
}

fn handshake(e: HandshakeError) -> ProtocolError {
    ProtocolError::Handshake(e)
}

#[test]
fn request_line_rules() {
    use HandshakeError::*;
    assert_eq!(
        refused(|r| replace(r, "GET /demo", "POST /demo")),
        handshake(MethodNotGet {
            method: "POST".into()
        })
    );
    assert_eq!(
        refused(|r| replace(r, "HTTP/1.1", "HTTP/1.0")),
        handshake(HttpVersion {
            got: "HTTP/1.0".into()
        })
    );
    assert_eq!(
        refused(|r| replace(r, "/demo", "demo")),
        handshake(InvalidResource { got: "demo".into() })
    );
    assert_eq!(
        refused(|r| replace(r, "/demo", "/de mo")),
        handshake(MalformedRequestLine {
            got: "GET /de mo HTTP/1.1".into()
        })
    );
}

#[test]
fn field_rules() {
    use HandshakeError::*;
    let client = Role::Client;
    assert_eq!(
        refused(|r| replace(r, "Upgrade: WebSocket", "Upgrade: h2c")),
        handshake(UpgradeMismatch {
            from: client,
            got: "h2c".into()
        })
    );
    assert_eq!(
        refused(|r| replace(r, "Connection: Upgrade", "Connection: close")),
        handshake(ConnectionMismatch {
            from: client,
            got: "close".into()
        })
    );
    for name in ["Upgrade", "Connection", "Host", "Origin", "Sec-WebSocket-Key2"] {
        assert_eq!(
            refused(|r| {
                let text = String::from_utf8_lossy(r).into_owned();
                let line = text
                    .split("\r\n")
                    .find(|l| l.starts_with(&format!("{name}:")))
                    .unwrap();
                replace(r, &format!("{line}\r\n"), "")
            }),
            handshake(MissingHeader { from: client, name }),
            "{name}"
        );
    }
    assert_eq!(
        refused(|r| replace(r, "Host: example.com", "Host: example.com\r\nHost: evil")),
        handshake(DuplicateHeader {
            from: client,
            name: "Host"
        })
    );
    assert_eq!(
        refused(|r| replace(r, "Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Protocol: a\tb")),
        handshake(InvalidProtocol {
            from: client,
            got: "a\tb".into()
        })
    );
    // Case-insensitive values and comma lists are accepted.
    let ok = replace(&hixie76(), "Upgrade: WebSocket", "Upgrade: websocket");
    let ok = replace(&ok, "Connection: Upgrade", "Connection: keep-alive, upgrade");
    accept_request(&ok, None);
}

#[test]
fn key_rules() {
    use HandshakeError::*;
    let key1 = "Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5";
    let with_key1 = |k: &str| refused(|r| replace(r, key1, &format!("Sec-WebSocket-Key1: {k}")));
    assert_eq!(with_key1("12345"), handshake(KeyWithoutSpaces { which: 1 }));
    assert_eq!(with_key1("1 2 3"), handshake(KeyNotMultiple { which: 1 }));
    assert_eq!(with_key1("4294967296 "), handshake(KeyTooLarge { which: 1 }));
    assert_eq!(with_key1("x y"), handshake(KeyWithoutDigits { which: 1 }));
    assert_eq!(
        refused(|r| replace(r, "Key2: 12998 5 Y3 1  .P00", "Key2: 12998")),
        handshake(KeyWithoutSpaces { which: 2 })
    );
}

#[test]
fn limits_are_enforced_before_buffering_more() {
    let mut config = ServerConfig::default();
    config.limits.max_head_bytes = 64;
    let mut server = ServerHandshake::new(config);
    assert_eq!(
        server.handle_input(&hixie76()).unwrap_err(),
        handshake(HandshakeError::HeadTooLarge {
            from: Role::Client,
            limit: 64
        })
    );
    let mut config = ServerConfig::default();
    config.limits.max_headers = 3;
    let mut server = ServerHandshake::new(config);
    assert_eq!(
        server.handle_input(&hixie76()).unwrap_err(),
        handshake(HandshakeError::TooManyHeaders {
            from: Role::Client,
            limit: 3
        })
    );
}

#[test]
fn policy_decides_on_origin_and_protocol() {
    let mut server = ServerHandshake::new(ServerConfig::default());
    server.handle_input(&hixie76()).unwrap();
    let request = server.request().unwrap();
    let policy = |origins: &[&str], protocols: &[&str]| {
        ServerConfig::new()
            .origins(origins.iter().copied())
            .protocols(protocols.iter().copied())
            .policy(request)
    };
    let accept_chat = Decision::Accept(Accept::new().protocol("chat"));
    assert_eq!(policy(&[], &["chat"]), accept_chat);
    assert_eq!(policy(&["http://example.com"], &["x", "chat"]), accept_chat);
    let Decision::Refuse(refusal) = policy(&["http://other"], &["chat"]) else {
        panic!("accepted another origin")
    };
    assert_eq!(refusal.status, 403);
    assert_eq!(
        &refusal.body[..],
        b"the server does not accept origin \"http://example.com\"\n"
    );
    let Decision::Refuse(refusal) = policy(&[], &[]) else {
        panic!("accepted an unsupported hixie subprotocol")
    };
    let response = String::from_utf8(refusal.to_bytes()).unwrap();
    assert!(response.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{response}");
    assert!(response.ends_with("\r\n\r\nthe server does not accept subprotocol \"chat\"\n"));
    // The handshake itself keeps the policy's own error.
    let mut strict = ServerHandshake::new(ServerConfig::new().origins(["http://other"]));
    strict.handle_input(&hixie76()).unwrap();
    let e = strict.decide().unwrap_err();
    assert_eq!(
        e,
        ProtocolError::Handshake(HandshakeError::OriginRejected {
            origin: "http://example.com".into()
        })
    );
    let response = String::from_utf8(strict.refusal(&e).unwrap()).unwrap();
    assert!(response.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{response}");
    // A protocol the client did not ask for cannot be confirmed.
    assert!(matches!(
        server.accept(&Accept::new().protocol("other")),
        Err(ProtocolError::Usage(UsageError::InvalidValue { .. }))
    ));
}
