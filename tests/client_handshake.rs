//! The client handshake: exact request bytes, and every way the server's
//! response can be refused, each with its specific error.

mod common;

use common::{accept_request, client_handshake, replace};
use websocket_engine::*;

#[test]
fn hixie75_request_is_exact() {
    let hs = client_handshake(Version::Hixie75, Some("chat"));
    assert_eq!(
        String::from_utf8_lossy(hs.request()),
        "GET /demo HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nHost: example.com\r\n\
         Origin: http://example.com\r\nWebSocket-Protocol: chat\r\n\r\n"
    );
}

#[test]
fn hixie76_request_is_exact_around_its_random_keys() {
    let hs = client_handshake(Version::Hixie76, None);
    let request = hs.request();
    let (head, key3) = request.split_at(request.len() - 8);
    let head = std::str::from_utf8(head).unwrap();
    let field = |name: &str| {
        head.split("\r\n")
            .find_map(|l| l.strip_prefix(name))
            .unwrap()
            .to_owned()
    };
    let (key1, key2) = (field("Sec-WebSocket-Key1: "), field("Sec-WebSocket-Key2: "));
    assert_eq!(
        head,
        format!(
            "GET /demo HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nHost: example.com\r\n\
             Origin: http://example.com\r\nSec-WebSocket-Key1: {key1}\r\nSec-WebSocket-Key2: {key2}\r\n\r\n"
        )
    );
    for key in [&key1, &key2] {
        let spaces = key.matches(' ').count();
        assert!((1..=12).contains(&spaces) && !key.starts_with(' ') && !key.ends_with(' '));
    }
    // The same seed gives the same request; another seed another one.
    assert_eq!(client_handshake(Version::Hixie76, None).request(), request);
    let url = WsUrl::parse("ws://example.com/demo").unwrap();
    let mut config = ClientConfig::new(Version::Hixie76);
    config.origin = Some("http://example.com".into());
    let other = ClientHandshake::new(&url, config, &mut SeededEntropy::new(8)).unwrap();
    assert_ne!(other.request(), request);
    assert_eq!(key3.len(), 8);
}

#[test]
fn defaults_and_extra_headers() {
    let url = WsUrl::parse("ws://Example.com:8080/a?b=c").unwrap();
    let mut config = ClientConfig::new(Version::Hixie75);
    config.extra_headers.push(("Cookie".into(), "a=b".into()));
    let hs = ClientHandshake::new(&url, config, &mut SeededEntropy::new(1)).unwrap();
    assert_eq!(
        String::from_utf8_lossy(hs.request()),
        "GET /a?b=c HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nHost: example.com:8080\r\n\
         Origin: http://example.com:8080\r\nCookie: a=b\r\n\r\n"
    );
}

#[test]
fn caller_values_that_cannot_go_on_the_wire_are_refused() {
    let url = WsUrl::parse("ws://example.com/").unwrap();
    let make = |f: &dyn Fn(&mut ClientConfig)| {
        let mut config = ClientConfig::new(Version::Hixie76);
        f(&mut config);
        ClientHandshake::new(&url, config, &mut SeededEntropy::new(1)).unwrap_err()
    };
    assert_eq!(
        make(&|c| c.origin = Some("http://a\r\nX: y".into())),
        ProtocolError::Usage(UsageError::InvalidValue {
            what: "origin",
            got: "http://a\r\nX: y".into()
        })
    );
    assert_eq!(
        make(&|c| c.protocols = vec!["two words".into()]),
        ProtocolError::Usage(UsageError::InvalidValue {
            what: "subprotocol",
            got: "two words".into()
        })
    );
    assert_eq!(
        make(&|c| c.extra_headers.push(("Host".into(), "evil".into()))),
        ProtocolError::Usage(UsageError::InvalidHeader { name: "Host".into() })
    );
    assert_eq!(
        make(&|c| c.extra_headers.push(("X-A".into(), "a\nb".into()))),
        ProtocolError::Usage(UsageError::InvalidHeader { name: "X-A".into() })
    );
    assert_eq!(
        make(&|c| c.protocols = vec!["a".into(), "b".into()]),
        ProtocolError::Usage(UsageError::NotInVersion {
            feature: "offering more than one subprotocol",
            version: Version::Hixie76
        })
    );
}

/// A client and the good response of a server that accepts it.
fn exchange(version: Version, protocol: Option<&str>) -> (ClientHandshake, Vec<u8>) {
    let hs = client_handshake(version, protocol);
    let response = accept_request(hs.request(), protocol);
    (hs, response)
}

fn refused(version: Version, protocol: Option<&str>, edit: impl Fn(&[u8]) -> Vec<u8>) -> ProtocolError {
    let (mut hs, response) = exchange(version, protocol);
    let err = hs.handle_input(&edit(&response)).unwrap_err();
    // Errors are sticky.
    assert_eq!(hs.handle_input(b"more").unwrap_err(), err);
    err
}

#[test]
fn good_responses_complete_and_hand_on_the_rest() {
    for version in [Version::Hixie75, Version::Hixie76] {
        let (mut hs, mut response) = exchange(version, Some("chat"));
        let len = response.len();
        response.extend_from_slice(b"\x00hi\xff");
        assert_eq!(
            hs.handle_input(&response).unwrap(),
            Status::Complete {
                value: (),
                consumed: len
            }
        );
        assert_eq!(hs.response().unwrap().protocol.as_deref(), Some("chat"));
        // A session made the same way takes the frames with the response.
        let now = std::time::Instant::now();
        let url = WsUrl::parse("ws://example.com/demo").unwrap();
        let mut config = ClientConfig::new(version);
        config.origin = Some("http://example.com".into());
        config.protocols = vec!["chat".into()];
        let mut session = Session::client(&url, config, &mut SeededEntropy::new(7), now).unwrap();
        assert_eq!(common::output(&mut session, now), hs.request());
        session.handle_input(now, &response);
        assert_eq!(
            common::events(&mut session),
            [Event::Opened, Event::Message(Message::Text("hi".into()))]
        );
    }
}

#[test]
fn responses_split_anywhere_complete_at_the_same_byte() {
    for version in [Version::Hixie75, Version::Hixie76] {
        let (_, response) = exchange(version, None);
        for chunk in 1..=response.len() {
            let mut hs = client_handshake(version, None);
            let mut statuses = Vec::new();
            for piece in response.chunks(chunk) {
                statuses.push(hs.handle_input(piece).unwrap());
            }
            let last = response.len() - (response.len() - 1) / chunk * chunk;
            assert_eq!(
                statuses.pop(),
                Some(Status::Complete {
                    value: (),
                    consumed: last
                })
            );
            assert!(statuses.iter().all(|s| *s == Status::Partial));
        }
    }
}

#[test]
fn hixie75_requires_the_exact_85_byte_prefix() {
    let expected_prefix =
        "HTTP/1.1 101 Web Socket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n";
    for (from, to) in [
        (
            "HTTP/1.1 101 Web Socket Protocol Handshake",
            "HTTP/1.1 101 WebSocket Protocol Handshake",
        ),
        ("Upgrade: WebSocket", "Upgrade: websocket"),
        ("Connection: Upgrade", "Connection: upgrade"),
    ] {
        let err = refused(Version::Hixie75, None, |r| replace(r, from, to));
        let ProtocolError::Handshake(HandshakeError::StatusLine { expected, got }) = err else {
            panic!("{err:?}")
        };
        assert_eq!(expected, expected_prefix);
        assert!(got.contains(to), "{got:?}");
    }
}

#[test]
fn status_codes_other_than_101_are_refused() {
    assert_eq!(
        refused(Version::Hixie75, None, |r| replace(
            r,
            "101 Web Socket Protocol Handshake",
            "407 Proxy"
        )),
        ProtocolError::Handshake(HandshakeError::ProxyAuthenticationRequired)
    );
    assert_eq!(
        refused(Version::Hixie76, None, |r| replace(
            r,
            "101 WebSocket Protocol Handshake",
            "407 Proxy"
        )),
        ProtocolError::Handshake(HandshakeError::ProxyAuthenticationRequired)
    );
    assert_eq!(
        refused(Version::Hixie76, None, |r| replace(
            r,
            "101 WebSocket Protocol Handshake",
            "404 Not Found"
        )),
        ProtocolError::Handshake(HandshakeError::Status { code: 404 })
    );
    assert_eq!(
        refused(Version::Hixie76, None, |r| replace(
            r,
            "HTTP/1.1 101",
            "HTTP/1.0 101"
        )),
        ProtocolError::Handshake(HandshakeError::StatusLine {
            expected: "HTTP/1.1 101 WebSocket Protocol Handshake",
            got: "HTTP/1.0 101 WebSocket Protocol Handshake".into()
        })
    );
    // Any reason phrase is accepted by hixie76.
    let (mut hs, response) = exchange(Version::Hixie76, None);
    let response = replace(&response, "WebSocket Protocol Handshake", "Switching");
    assert!(matches!(hs.handle_input(&response), Ok(Status::Complete { .. })));
}

#[test]
fn hixie76_upgrade_and_connection_are_checked() {
    assert_eq!(
        refused(Version::Hixie76, None, |r| replace(
            r,
            "Upgrade: WebSocket",
            "Upgrade: websocket"
        )),
        ProtocolError::Handshake(HandshakeError::UpgradeMismatch {
            from: Role::Server,
            got: "websocket".into()
        })
    );
    assert_eq!(
        refused(Version::Hixie76, None, |r| replace(
            r,
            "Connection: Upgrade",
            "Connection: close"
        )),
        ProtocolError::Handshake(HandshakeError::ConnectionMismatch {
            from: Role::Server,
            got: "close".into()
        })
    );
    assert_eq!(
        refused(Version::Hixie76, None, |r| replace(
            r,
            "Upgrade: WebSocket\r\n",
            ""
        )),
        ProtocolError::Handshake(HandshakeError::MissingHeader {
            from: Role::Server,
            name: "Upgrade"
        })
    );
    // Connection compares case-insensitively.
    let (mut hs, response) = exchange(Version::Hixie76, None);
    let response = replace(&response, "Connection: Upgrade", "Connection: UPGRADE");
    assert!(matches!(hs.handle_input(&response), Ok(Status::Complete { .. })));
}

#[test]
fn origin_location_and_protocol_must_match() {
    for (version, prefix) in [(Version::Hixie75, ""), (Version::Hixie76, "Sec-")] {
        let origin = format!("{prefix}WebSocket-Origin: http://example.com");
        assert_eq!(
            refused(version, None, |r| replace(
                r,
                &origin,
                &format!("{prefix}WebSocket-Origin: http://evil")
            )),
            ProtocolError::Handshake(HandshakeError::OriginMismatch {
                expected: "http://example.com".into(),
                got: "http://evil".into()
            })
        );
        assert_eq!(
            refused(version, None, |r| replace(r, &format!("{origin}\r\n"), "")),
            ProtocolError::Handshake(HandshakeError::MissingHeader {
                from: Role::Server,
                name: if version == Version::Hixie75 {
                    "WebSocket-Origin"
                } else {
                    "Sec-WebSocket-Origin"
                }
            })
        );
        assert_eq!(
            refused(version, None, |r| replace(
                r,
                "ws://example.com/demo",
                "ws://example.com/other"
            )),
            ProtocolError::Handshake(HandshakeError::LocationMismatch {
                expected: "ws://example.com/demo".into(),
                got: "ws://example.com/other".into()
            })
        );
        assert_eq!(
            refused(version, Some("chat"), |r| replace(
                r,
                &format!("{prefix}WebSocket-Protocol: chat"),
                &format!("{prefix}WebSocket-Protocol: other")
            )),
            ProtocolError::Handshake(HandshakeError::ProtocolMismatch {
                expected: Some("chat".into()),
                got: Some("other".into())
            })
        );
        assert_eq!(
            refused(version, Some("chat"), |r| replace(
                r,
                &format!("{prefix}WebSocket-Protocol: chat\r\n"),
                ""
            )),
            ProtocolError::Handshake(HandshakeError::ProtocolMismatch {
                expected: Some("chat".into()),
                got: None
            })
        );
        assert_eq!(
            refused(version, None, |r| replace(
                r,
                "\r\n\r\n",
                &format!("\r\n{prefix}WebSocket-Protocol: x\r\n\r\n")
            )),
            ProtocolError::Handshake(HandshakeError::ProtocolMismatch {
                expected: None,
                got: Some("x".into())
            })
        );
        assert_eq!(
            refused(version, None, |r| replace(
                r,
                &origin,
                &format!("{origin}\r\n{origin}")
            )),
            ProtocolError::Handshake(HandshakeError::DuplicateHeader {
                from: Role::Server,
                name: if version == Version::Hixie75 {
                    "WebSocket-Origin"
                } else {
                    "Sec-WebSocket-Origin"
                }
            })
        );
    }
}

#[test]
fn malformed_heads_are_refused() {
    for version in [Version::Hixie75, Version::Hixie76] {
        // The line before the location (after the fixed prefix in hixie75).
        let field = if version == Version::Hixie75 {
            "WebSocket-Location"
        } else {
            "Sec-WebSocket-Location"
        };
        for (edit, reason) in [
            (format!("\r\n{field}"), "a bare LF"),
            (format!("\r\nX\r{field}"), "a CR not followed by LF"),
            (format!("\r\nNoColon\r\n{field}"), "a field without a colon"),
        ] {
            let edit = edit.replacen("\r\n", if reason == "a bare LF" { "\n" } else { "\r\n" }, 1);
            assert_eq!(
                refused(version, None, |r| replace(r, &format!("\r\n{field}"), &edit)),
                ProtocolError::Handshake(HandshakeError::MalformedHead {
                    from: Role::Server,
                    reason
                }),
                "{version} {reason}"
            );
        }
    }
}

#[test]
fn a_wrong_md5_answer_is_refused() {
    let (mut hs, mut response) = exchange(Version::Hixie76, None);
    let expected: [u8; 16] = response[response.len() - 16..].try_into().unwrap();
    *response.last_mut().unwrap() ^= 1;
    let got: [u8; 16] = response[response.len() - 16..].try_into().unwrap();
    // The head is accepted; the answer arrives late and is refused.
    let head = response.len() - 16;
    assert_eq!(hs.handle_input(&response[..head]).unwrap(), Status::Partial);
    assert_eq!(
        hs.handle_input(&response[head..head + 10]).unwrap(),
        Status::Partial
    );
    assert_eq!(
        hs.handle_input(&response[head + 10..]).unwrap_err(),
        ProtocolError::Handshake(HandshakeError::ChallengeMismatch { expected, got })
    );
}

#[test]
fn limits_and_eof() {
    let url = WsUrl::parse("ws://example.com/demo").unwrap();
    let mut config = ClientConfig::new(Version::Hixie76);
    config.origin = Some("http://example.com".into());
    config.limits.max_head_bytes = 100;
    let mut hs = ClientHandshake::new(&url, config.clone(), &mut SeededEntropy::new(7)).unwrap();
    let response = accept_request(hs.request(), None);
    assert_eq!(
        hs.handle_input(&response).unwrap_err(),
        ProtocolError::Handshake(HandshakeError::HeadTooLarge {
            from: Role::Server,
            limit: 100
        })
    );
    config.limits = Limits::default();
    config.limits.max_headers = 2;
    let mut hs = ClientHandshake::new(&url, config, &mut SeededEntropy::new(7)).unwrap();
    assert_eq!(
        hs.handle_input(&response).unwrap_err(),
        ProtocolError::Handshake(HandshakeError::TooManyHeaders {
            from: Role::Server,
            limit: 2
        })
    );
    let mut hs = client_handshake(Version::Hixie76, None);
    assert_eq!(hs.handle_input(&response[..20]).unwrap(), Status::Partial);
    assert_eq!(
        hs.handle_eof().unwrap_err(),
        ProtocolError::Handshake(HandshakeError::UnexpectedEof { from: Role::Server })
    );
    assert_eq!(client_handshake(Version::Hixie75, None).response(), None);
}
