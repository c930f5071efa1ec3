//! Accepting and refusing requests in one place: the configuration's
//! origins and subprotocols, a request hook, response headers, and the
//! deferred decision of an event-driven server.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use common::{events, output};
use websocket_engine::framing::rfc6455::{self, OpCode};
use websocket_engine::*;

const REQUEST: &str = "GET /chat?room=1 HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n\
    Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
    Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n\
    Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, x-other\r\n\
    Cookie: id=7\r\nSec-WebSocket-Version: 13\r\n\r\n";

/// The server's answer to the request's permessage-deflate offer, before
/// the extra headers.
const DEFLATE: &str = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=12\r\n";

/// A masked text frame from the client.
fn client_text(text: &str) -> Vec<u8> {
    let mut wire = Vec::new();
    rfc6455::encode_frame(true, OpCode::Text, text.as_bytes(), Some([9, 8, 7, 6]), &mut wire).unwrap();
    wire
}

fn response_of(session: &mut Session, now: Instant) -> String {
    String::from_utf8(output(session, now)).unwrap()
}

#[test]
fn a_hook_sees_the_request_and_accepts_with_headers() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let config = Arc::new(ServerConfig::new().on_request(move |request| {
        seen.fetch_add(1, Ordering::Relaxed);
        assert_eq!(request.resource, "/chat?room=1");
        assert_eq!(request.origin.as_deref(), Some("http://example.com"));
        assert_eq!(request.protocols, ["chat", "superchat"]);
        assert_eq!(
            request.extensions,
            ["permessage-deflate; client_max_window_bits", "x-other"]
        );
        assert!(request.headers.iter().any(|(n, v)| n == "Cookie" && v == "id=7"));
        Decision::Accept(
            Accept::new()
                .protocol("superchat")
                .header("Set-Cookie", "id=8")
                .header("Server", "test"),
        )
    }));
    let now = Instant::now();
    // One configuration, shared by reference count, serves two sessions.
    for _ in 0..2 {
        let mut session = Session::server(config.clone(), now);
        session.handle_input(now, REQUEST.as_bytes());
        assert_eq!(events(&mut session), [Event::Opened]);
        let response = response_of(&mut session, now);
        assert!(
            response.ends_with(&format!(
                "Sec-WebSocket-Protocol: superchat\r\n{DEFLATE}Set-Cookie: id=8\r\nServer: test\r\n\r\n"
            )),
            "{response}"
        );
    }
    assert_eq!(calls.load(Ordering::Relaxed), 2);
    assert_eq!(
        Arc::strong_count(&config),
        1,
        "the sessions are gone, no copy is left"
    );
}

#[test]
fn a_hook_refuses_with_its_own_status_headers_and_body() {
    let config = ServerConfig::new().on_request(|_| {
        Decision::Refuse(
            Refusal::new(401)
                .header("WWW-Authenticate", "Bearer")
                .body("log in first"),
        )
    });
    let now = Instant::now();
    let mut session = Session::server(config, now);
    session.handle_input(now, REQUEST.as_bytes());
    assert_eq!(
        events(&mut session),
        [Event::Failed(ProtocolError::Handshake(HandshakeError::Refused {
            status: 401
        }))]
    );
    assert_eq!(
        response_of(&mut session, now),
        "HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain; charset=utf-8\r\n\
         WWW-Authenticate: Bearer\r\nContent-Length: 12\r\nConnection: close\r\n\r\nlog in first"
    );
}

#[test]
fn the_policy_adds_the_configured_response_headers() {
    let config = ServerConfig::new()
        .protocols(["chat"])
        .response_header("Server", "ws");
    let now = Instant::now();
    let mut session = Session::server(config, now);
    session.handle_input(now, REQUEST.as_bytes());
    assert_eq!(events(&mut session), [Event::Opened]);
    let response = response_of(&mut session, now);
    assert!(
        response.ends_with(&format!(
            "Sec-WebSocket-Protocol: chat\r\n{DEFLATE}Server: ws\r\n\r\n"
        )),
        "{response}"
    );
}

#[test]
fn bad_answers_are_the_callers_error_and_change_nothing() {
    let mut server = ServerHandshake::new(ServerConfig::new());
    server.handle_input(REQUEST.as_bytes()).unwrap();
    for (accept, what) in [
        (
            Accept::new().header("Bad Name", "x"),
            "a name that is not a token",
        ),
        (
            Accept::new().header("X-Ok", "a\r\nInjected: yes"),
            "a value with CR LF",
        ),
        (
            Accept::new().header("Sec-WebSocket-Accept", "x"),
            "a field of the handshake's own",
        ),
    ] {
        assert!(
            matches!(
                server.accept(&accept),
                Err(ProtocolError::Usage(UsageError::InvalidHeader { .. }))
            ),
            "{what}"
        );
    }
    for status in [101, 99, 600] {
        assert!(
            matches!(
                server.respond(Decision::Refuse(Refusal::new(status))),
                Err(ProtocolError::Usage(UsageError::InvalidValue { .. }))
            ),
            "{status}"
        );
    }
    assert!(server.respond(Decision::Accept(Accept::new())).is_ok());
}

#[test]
fn a_deferred_decision_waits_for_the_caller_and_keeps_the_input() {
    let config = Arc::new(ServerConfig::new().defer_decisions(true));
    let now = Instant::now();
    let mut session = Session::server(config.clone(), now);
    // The request and, already, a first message.
    let mut input = REQUEST.as_bytes().to_vec();
    input.extend_from_slice(&client_text("early"));
    session.handle_input(now, &input);
    let request = match events(&mut session).as_slice() {
        [Event::Request(request)] => request.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(request.protocols, ["chat", "superchat"]);
    assert!(!session.wants_read(), "nothing is read while the caller decides");
    assert!(output(&mut session, now).is_empty());
    session.handle_input(now, &client_text("later"));
    // An invalid answer is refused and the request still waits.
    assert!(matches!(
        session.decide(now, Decision::Accept(Accept::new().protocol("not-offered"))),
        Err(ProtocolError::Usage(UsageError::InvalidValue { .. }))
    ));
    session
        .decide(now, Decision::Accept(Accept::new().protocol("chat")))
        .unwrap();
    assert!(response_of(&mut session, now).contains("Sec-WebSocket-Protocol: chat\r\n"));
    assert_eq!(
        events(&mut session),
        [
            Event::Opened,
            Event::Message(Message::text("early")),
            Event::Message(Message::text("later"))
        ]
    );
    assert!(matches!(
        session.decide(now, Decision::Accept(Accept::new())),
        Err(ProtocolError::Usage(UsageError::NoRequest))
    ));

    // Refused: the refusal goes out and the session fails with its status.
    let mut session = Session::server(config, now);
    session.handle_input(now, REQUEST.as_bytes());
    assert!(matches!(events(&mut session).as_slice(), [Event::Request(_)]));
    session.decide(now, Decision::Refuse(Refusal::new(403))).unwrap();
    assert!(response_of(&mut session, now).starts_with("HTTP/1.1 403 Forbidden\r\n"));
    assert_eq!(
        events(&mut session),
        [Event::Failed(ProtocolError::Handshake(HandshakeError::Refused {
            status: 403
        }))]
    );
}

#[test]
fn an_undecided_request_still_times_out() {
    let config = ServerConfig::new().defer_decisions(true);
    let handshake = config.timeouts.handshake;
    let now = Instant::now();
    let mut session = Session::server(config, now);
    session.handle_input(now, REQUEST.as_bytes());
    assert!(matches!(events(&mut session).as_slice(), [Event::Request(_)]));
    assert_eq!(session.poll_timeout(), Some(now + handshake));
    session.handle_timeout(now + handshake);
    assert!(matches!(
        events(&mut session).as_slice(),
        [Event::Failed(ProtocolError::Timeout { .. })]
    ));
}
