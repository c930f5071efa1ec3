//! The RFC 6455 opening handshake (section 4), both sides: exact bytes,
//! the key and its answer, versions, subprotocols, extensions, every way
//! a request or a response is refused, and the three versions told apart
//! on one server.

mod common;

use std::time::Instant;

use common::{replace, server_error};
use websocket_engine::*;

/// The request of RFC 6455 section 1.2, with the RFC's own key.
const REQUEST: &str = "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n\
    Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
    Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n\
    Sec-WebSocket-Version: 13\r\n\r\n";

fn policy(protocols: &[&str]) -> ServerConfig {
    ServerConfig::new().protocols(protocols.iter().copied())
}

/// Runs `request` through a server configured with `policy` and returns
/// the response.
fn respond(request: &[u8], policy: &ServerConfig) -> (Request, Vec<u8>) {
    let mut server = ServerHandshake::new(policy.clone());
    assert_eq!(
        server.handle_input(request).unwrap(),
        Status::Complete {
            value: (),
            consumed: request.len(),
        }
    );
    let request = server.request().unwrap().clone();
    let response = server.decide().unwrap();
    (request, response)
}

#[test]
fn the_rfc_example_gets_the_rfc_answer() {
    assert_eq!(
        rfc6455_accept("dGhlIHNhbXBsZSBub25jZQ=="),
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    );
    let (request, response) = respond(REQUEST.as_bytes(), &policy(&["chat"]));
    assert_eq!(request.version, Version::Rfc6455);
    assert_eq!(request.resource, "/chat");
    assert_eq!(request.host, "server.example.com");
    assert_eq!(request.origin.as_deref(), Some("http://example.com"));
    assert_eq!(request.protocols, ["chat", "superchat"]);
    assert_eq!(
        String::from_utf8(response).unwrap(),
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n"
    );
}

#[test]
fn the_server_picks_the_clients_first_supported_subprotocol_or_none() {
    let (_, response) = respond(REQUEST.as_bytes(), &policy(&["superchat", "chat"]));
    assert!(String::from_utf8(response)
        .unwrap()
        .contains("Sec-WebSocket-Protocol: chat\r\n"));
    let (_, response) = respond(REQUEST.as_bytes(), &policy(&["other"]));
    assert!(!String::from_utf8(response)
        .unwrap()
        .contains("Sec-WebSocket-Protocol"));
    // Repeated fields form one list (RFC 6455 section 11.3.4).
    let split = replace(
        REQUEST.as_bytes(),
        "Sec-WebSocket-Protocol: chat, superchat",
        "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: superchat",
    );
    let (request, _) = respond(&split, &policy(&[]));
    assert_eq!(request.protocols, ["chat", "superchat"]);
    // A subprotocol the client did not offer cannot be confirmed.
    let mut server = ServerHandshake::new(ServerConfig::default());
    server.handle_input(REQUEST.as_bytes()).unwrap();
    assert!(matches!(
        server.accept(&Accept::new().protocol("other")).unwrap_err(),
        ProtocolError::Usage(UsageError::InvalidValue { .. })
    ));
}

#[test]
fn only_permessage_deflate_is_confirmed_and_origin_is_optional() {
    let offer = |extensions: &str| {
        replace(
            REQUEST.as_bytes(),
            "Origin: http://example.com\r\n",
            &format!("Sec-WebSocket-Extensions: {extensions}\r\n"),
        )
    };
    let browser = offer("permessage-deflate; client_max_window_bits");
    let (request, response) = respond(&browser, &policy(&[]));
    assert_eq!(request.origin, None);
    let response = String::from_utf8(response).unwrap();
    assert!(
        response.contains("\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=12\r\n"),
        "{response}"
    );
    // Declined when the server turns it off, and never another extension.
    let (_, response) = respond(&browser, &policy(&[]).compression(None));
    assert!(!String::from_utf8(response).unwrap().contains("Extensions"));
    let (_, response) = respond(&offer("x-webkit-deflate-frame"), &policy(&[]));
    assert!(!String::from_utf8(response).unwrap().contains("Extensions"));
}

#[test]
fn other_versions_get_426_naming_version_13() {
    for version in ["8", "12", "14", "0", "thirteen"] {
        let request = replace(
            REQUEST.as_bytes(),
            "Sec-WebSocket-Version: 13",
            &format!("Sec-WebSocket-Version: {version}"),
        );
        let ProtocolError::Handshake(e) = server_error(&request) else {
            panic!("{version}")
        };
        assert_eq!(
            e,
            HandshakeError::UnsupportedVersion {
                requested: version.into()
            }
        );
        let mut server = ServerHandshake::new(ServerConfig::new());
        let e = server.handle_input(&request).unwrap_err();
        let response = String::from_utf8(server.refusal(&e).unwrap()).unwrap();
        assert!(
            response.starts_with("HTTP/1.1 426 Upgrade Required\r\n"),
            "{response}"
        );
        assert!(
            response.contains("\r\nSec-WebSocket-Version: 13\r\n"),
            "{response}"
        );
    }
}

#[test]
fn every_broken_request_rule_is_refused_with_its_error() {
    use HandshakeError::*;
    let client = Role::Client;
    let refused = |from: &str, to: &str| match server_error(&replace(REQUEST.as_bytes(), from, to)) {
        ProtocolError::Handshake(e) => e,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        refused("Sec-WebSocket-Version: 13\r\n", ""),
        MissingHeader {
            from: client,
            name: "Sec-WebSocket-Version"
        }
    );
    assert_eq!(
        refused("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", ""),
        MissingHeader {
            from: client,
            name: "Sec-WebSocket-Key"
        }
    );
    for key in [
        "dGhlIHNhbXBsZSBub25jZQ",
        "c2hvcnQ=",
        "dGhlIHNhbXBsZSBub25jZQ==AA",
        "!!!!!!!!!!!!!!!!!!!!!!==",
    ] {
        assert_eq!(
            refused("dGhlIHNhbXBsZSBub25jZQ==", key),
            InvalidKey { got: key.into() },
            "{key}"
        );
    }
    assert_eq!(
        refused("Upgrade: websocket", "Upgrade: h2c"),
        UpgradeMismatch {
            from: client,
            got: "h2c".into()
        }
    );
    assert_eq!(
        refused("Upgrade: websocket\r\n", ""),
        MissingHeader {
            from: client,
            name: "Upgrade"
        }
    );
    assert_eq!(
        refused("Connection: Upgrade", "Connection: keep-alive"),
        ConnectionMismatch {
            from: client,
            got: "keep-alive".into()
        }
    );
    assert_eq!(
        refused("Host: server.example.com\r\n", ""),
        MissingHeader {
            from: client,
            name: "Host"
        }
    );
    assert_eq!(
        refused("chat, superchat", "chat, a b"),
        InvalidProtocol {
            from: client,
            got: "a b".into()
        }
    );
    assert_eq!(
        refused("GET /chat", "POST /chat"),
        MethodNotGet {
            method: "POST".into()
        }
    );
    assert_eq!(
        refused(
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="
        ),
        DuplicateHeader {
            from: client,
            name: "Sec-WebSocket-Key"
        }
    );
    // Token lists and case are read as HTTP reads them.
    let lenient = replace(
        REQUEST.as_bytes(),
        "Connection: Upgrade",
        "Connection: keep-alive, UPGRADE",
    );
    let lenient = replace(&lenient, "Upgrade: websocket", "Upgrade: WebSocket");
    assert_eq!(respond(&lenient, &policy(&[])).0.version, Version::Rfc6455);
}

#[test]
fn one_server_tells_the_three_versions_and_plain_http_apart() {
    let hixie75 = "GET /a HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nHost: h\r\n\
        Origin: http://h\r\n\r\n";
    let mut hixie76 = b"GET /b HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nHost: h\r\n\
        Origin: http://h\r\nSec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n\
        Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n\r\n"
        .to_vec();
    hixie76.extend_from_slice(b"^n:ds[4U");
    for (bytes, version) in [
        (hixie75.as_bytes(), Version::Hixie75),
        (&hixie76[..], Version::Hixie76),
        (REQUEST.as_bytes(), Version::Rfc6455),
    ] {
        let (request, _) = respond(bytes, &policy(&[]));
        assert_eq!(request.version, version);
        // A session tells the version the same way.
        let now = std::time::Instant::now();
        let mut session = Session::server(policy(&[]), now);
        session.handle_input(now, bytes);
        assert_eq!(session.poll_event(), Some(Event::Opened));
        assert_eq!((session.version(), session.role()), (Some(version), Role::Server));
    }
    let plain = b"GET /?x=1 HTTP/1.1\r\nHost: h\r\nAccept: text/html\r\n\r\n";
    assert_eq!(
        server_error(plain),
        ProtocolError::Handshake(HandshakeError::NotWebSocket {
            resource: "/?x=1".into()
        })
    );
}

#[test]
fn a_configured_page_answers_plain_get_slash_only() {
    let mut config = ServerConfig::default();
    config.page = Some("<p>hi</p>".into());
    let answer = |request: &[u8]| {
        let mut server = ServerHandshake::new(config.clone());
        let Err(ProtocolError::Handshake(e)) = server.handle_input(request) else {
            panic!("expected a refusal")
        };
        String::from_utf8(server.refusal(&ProtocolError::Handshake(e)).unwrap()).unwrap()
    };
    let page = answer(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    assert!(page.starts_with("HTTP/1.1 200 OK\r\n"), "{page}");
    assert!(
        page.contains("\r\nContent-Type: text/html; charset=utf-8\r\n"),
        "{page}"
    );
    assert!(page.contains("\r\nContent-Length: 9\r\n"), "{page}");
    assert!(page.ends_with("\r\n\r\n<p>hi</p>"), "{page}");
    let other = answer(b"GET /favicon.ico HTTP/1.1\r\nHost: h\r\n\r\n");
    assert!(other.starts_with("HTTP/1.1 426 Upgrade Required\r\n"), "{other}");
    assert!(other.contains("\r\nUpgrade: websocket\r\n"), "{other}");
    // A broken WebSocket request is still refused, page or not.
    let broken = answer(&replace(
        REQUEST.as_bytes(),
        "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Version: 7",
    ));
    assert!(broken.starts_with("HTTP/1.1 426 "), "{broken}");
}

// ---- The client side ----

fn client(protocols: &[&str]) -> ClientHandshake {
    let url = WsUrl::parse("ws://example.com:8080/chat?room=1").unwrap();
    let mut config = ClientConfig::new(Version::Rfc6455);
    config.protocols = protocols.iter().map(|p| (*p).to_owned()).collect();
    ClientHandshake::new(&url, config, &mut SeededEntropy::new(3)).unwrap()
}

/// The key the client sent.
fn key_of(request: &[u8]) -> String {
    let text = String::from_utf8(request.to_vec()).unwrap();
    let line = text
        .split("\r\n")
        .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
        .unwrap();
    line.to_owned()
}

fn good_response(hs: &ClientHandshake, protocol: Option<&str>) -> String {
    let mut response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n",
        rfc6455_accept(&key_of(hs.request()))
    );
    if let Some(p) = protocol {
        response.push_str(&format!("Sec-WebSocket-Protocol: {p}\r\n"));
    }
    response.push_str("\r\n");
    response
}

#[test]
fn the_client_request_is_exact_and_its_key_is_fresh() {
    let hs = client(&["chat", "superchat"]);
    let request = String::from_utf8(hs.request().to_vec()).unwrap();
    let key = key_of(hs.request());
    assert_eq!(
        request,
        format!(
            "GET /chat?room=1 HTTP/1.1\r\nHost: example.com:8080\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Extensions: permessage-deflate; \
             server_max_window_bits=12; client_max_window_bits=12, permessage-deflate; client_max_window_bits=12, \
             permessage-deflate; client_no_context_takeover; client_max_window_bits=12\r\n\r\n"
        )
    );
    // 16 random bytes: different seeds give different keys.
    let url = WsUrl::parse("ws://example.com/").unwrap();
    let keys: std::collections::HashSet<String> = (0..50)
        .map(|seed| {
            let hs = ClientHandshake::new(
                &url,
                ClientConfig::new(Version::Rfc6455),
                &mut SeededEntropy::new(seed),
            )
            .unwrap();
            key_of(hs.request())
        })
        .collect();
    assert_eq!(keys.len(), 50);
    // And the request goes through our own server.
    let (request, _) = respond(hs.request(), &policy(&[]));
    assert_eq!(request.protocols, ["chat", "superchat"]);
}

#[test]
fn a_good_response_completes_at_any_split_and_hands_on_the_rest() {
    let hs = client(&["chat"]);
    let response = good_response(&hs, Some("chat"));
    let mut wire = response.clone().into_bytes();
    wire.extend_from_slice(&[0x81, 0x02, b'h', b'i']);
    for chunk in 1..wire.len() {
        let mut hs = client(&["chat"]);
        let mut at = 0;
        let consumed = loop {
            let end = (at + chunk).min(wire.len());
            match hs.handle_input(&wire[at..end]).unwrap() {
                Status::Partial => at = end,
                Status::Complete { value: (), consumed } => break at + consumed,
            }
        };
        assert_eq!(consumed, response.len(), "chunk {chunk}");
        assert_eq!(hs.response().unwrap().protocol.as_deref(), Some("chat"));
    }
    // A session takes the frames that came with the response.
    let now = Instant::now();
    let mut config = ClientConfig::new(Version::Rfc6455);
    config.protocols = vec!["chat".into()];
    let url = WsUrl::parse("ws://example.com/chat").unwrap();
    let mut session = Session::client(&url, config, &mut SeededEntropy::new(3), now).unwrap();
    let request = common::output(&mut session, now);
    let (_, mut wire) = respond(&request, &policy(&["chat"]));
    wire.extend_from_slice(&[0x81, 0x02, b'h', b'i']);
    session.handle_input(now, &wire);
    assert_eq!(
        common::events(&mut session),
        [Event::Opened, Event::Message(Message::Text("hi".into()))]
    );
    assert_eq!(session.response().unwrap().protocol.as_deref(), Some("chat"));
}

#[test]
fn every_broken_response_rule_is_refused_with_its_error() {
    use HandshakeError::*;
    let refused = |protocols: &[&str], edit: &dyn Fn(String) -> String| {
        let mut hs = client(protocols);
        let response = edit(good_response(&hs, protocols.first().copied()));
        let e = hs.handle_input(response.as_bytes()).unwrap_err();
        assert_eq!(hs.handle_input(b"more").unwrap_err(), e, "errors are sticky");
        match e {
            ProtocolError::Handshake(h) => h,
            other => panic!("{other:?}"),
        }
    };
    let wrong = rfc6455_accept("AAAAAAAAAAAAAAAAAAAAAA==");
    let e = refused(&[], &|r| {
        let line = r
            .split("\r\n")
            .find(|l| l.starts_with("Sec-WebSocket-Accept"))
            .unwrap()
            .to_owned();
        r.replace(&line, &format!("Sec-WebSocket-Accept: {wrong}"))
    });
    assert!(matches!(&e, AcceptMismatch { got, .. } if *got == wrong), "{e:?}");
    assert_eq!(
        refused(&[], &|r| r.replace("Upgrade: websocket", "Upgrade: h2c")),
        UpgradeMismatch {
            from: Role::Server,
            got: "h2c".into()
        }
    );
    assert_eq!(
        refused(&[], &|r| r.replace("Connection: Upgrade", "Connection: close")),
        ConnectionMismatch {
            from: Role::Server,
            got: "close".into()
        }
    );
    assert_eq!(
        refused(&[], &|r| r.replace(
            "\r\n\r\n",
            "\r\nSec-WebSocket-Extensions: x-webkit-deflate-frame\r\n\r\n"
        )),
        ExtensionNotOffered {
            got: "x-webkit-deflate-frame".into()
        }
    );
    // permessage-deflate was offered, but not in this form.
    assert_eq!(
        refused(&[], &|r| r.replace(
            "\r\n\r\n",
            "\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
        )),
        ExtensionNotOffered {
            got: "permessage-deflate; client_max_window_bits (client_max_window_bits needs a value)".into()
        }
    );
    assert_eq!(
        refused(&["chat"], &|r| r.replace("Protocol: chat", "Protocol: superchat")),
        ProtocolNotOffered {
            offered: vec!["chat".into()],
            got: "superchat".into()
        }
    );
    assert_eq!(
        refused(&[], &|r| r
            .replace("\r\n\r\n", "\r\nSec-WebSocket-Protocol: chat\r\n\r\n")),
        ProtocolNotOffered {
            offered: vec![],
            got: "chat".into()
        }
    );
    assert_eq!(
        refused(&[], &|r| r.replace("101 Switching Protocols", "200 OK")),
        Status { code: 200 }
    );
    assert_eq!(
        refused(&[], &|r| r.replace(
            "101 Switching Protocols",
            "407 Proxy Authentication Required"
        )),
        ProxyAuthenticationRequired
    );
    assert_eq!(
        refused(&[], &|r| r.replace("HTTP/1.1 101", "HTTP/1.0 101")),
        StatusLine {
            expected: "HTTP/1.1 101 Switching Protocols",
            got: "HTTP/1.0 101 Switching Protocols".into()
        }
    );
    // The reason phrase is free, and no subprotocol is fine even when offered.
    let mut hs = client(&["chat"]);
    let response = good_response(&hs, None).replace("Switching Protocols", "OK go");
    assert!(matches!(
        hs.handle_input(response.as_bytes()),
        Ok(websocket_engine::Status::Complete { .. })
    ));
    assert_eq!(hs.response().unwrap().protocol, None);
}

#[test]
fn client_and_server_connections_mask_by_role() {
    let now = Instant::now();
    let url = WsUrl::parse("ws://example.com/chat").unwrap();
    // Plain frames: permessage-deflate off, so the bytes are the text's.
    let mut client = Session::client(
        &url,
        ClientConfig::new(Version::Rfc6455).compression(None),
        &mut SeededEntropy::new(5),
        now,
    )
    .unwrap();
    let mut server = Session::server(ServerConfig::new(), now);
    server.handle_input(now, &common::output(&mut client, now));
    client.handle_input(now, &common::output(&mut server, now));
    assert_eq!(common::events(&mut client), [Event::Opened]);
    assert_eq!(common::events(&mut server), [Event::Opened]);
    client.send_text("Hello").unwrap();
    let wire = common::output(&mut client, now);
    assert_eq!(wire.len(), 2 + 4 + 5);
    assert_eq!((wire[0], wire[1]), (0x81, 0x85), "FIN text, masked, 5 bytes");
    server.handle_input(now, &wire);
    assert_eq!(
        server.poll_event(),
        Some(Event::Message(Message::Text("Hello".into())))
    );
    // Two sends use two different masking keys.
    client.send_text("Hello").unwrap();
    assert_ne!(common::output(&mut client, now)[2..6], wire[2..6]);
    server.send_text("Hello").unwrap();
    assert_eq!(
        common::output(&mut server, now),
        [0x81, 0x05, b'H', b'e', b'l', b'l', b'o']
    );
}
