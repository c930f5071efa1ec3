//! The session, sans-IO: closing in both directions, the order of replies
//! around a close, a failure as the last event that keeps what was
//! delivered, every timer on a fake clock (instants made up by the test,
//! never a sleep), messages sent in parts, and output that compacts.

mod common;

use std::time::{Duration, Instant};

use common::{events, output};
use websocket_engine::*;

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn client_config(version: Version, timeouts: Timeouts) -> ClientConfig {
    let mut config = ClientConfig::new(version);
    config.timeouts = timeouts;
    config
}

fn server_config(timeouts: Timeouts) -> ServerConfig {
    let mut config = ServerConfig::default();
    config.timeouts = timeouts;
    config
}

/// An open session (its handshake done elsewhere), at `now`.
fn open_at(version: Version, role: Role, timeouts: Timeouts, now: Instant) -> Session {
    match role {
        Role::Client => Session::open_client(
            &client_config(version, timeouts),
            &mut SeededEntropy::new(1),
            None,
            now,
        )
        .unwrap(),
        Role::Server => Session::open_server(version, &server_config(timeouts), None, now),
    }
}

fn open(version: Version, role: Role) -> (Session, Instant) {
    let now = Instant::now();
    let mut s = open_at(version, role, Timeouts::default(), now);
    assert_eq!(s.poll_event(), Some(Event::Opened));
    (s, now)
}

fn closed(clean: bool) -> Event {
    Event::Closed(Closed {
        clean,
        ..Closed::default()
    })
}

fn text(t: &str) -> Event {
    Event::Message(Message::Text(t.into()))
}

fn timeout(during: Phase, limit: Duration) -> Event {
    Event::Failed(ProtocolError::Timeout { during, limit })
}

fn hixie_frame(frame_type: u8, data: &'static [u8]) -> Message {
    Message::HixieFrame {
        frame_type,
        data: Bytes::from_static(data),
    }
}

#[test]
fn sends_are_encoded_in_order() {
    let (mut c, now) = open(Version::Hixie76, Role::Client);
    c.send_text("a").unwrap();
    c.send_binary(b"b").unwrap();
    c.send(&hixie_frame(0x90, b"")).unwrap();
    assert_eq!(c.poll_output(now), b"\x00a\xff\x80\x01b\x90\x00");
    c.advance_output(3);
    assert_eq!(c.poll_output(now), b"\x80\x01b\x90\x00");
    c.advance_output(5);
    assert_eq!(c.poll_output(now), b"");
    assert_eq!(
        c.send(&hixie_frame(0x10, b"x")),
        Err(ProtocolError::Usage(UsageError::FrameType { frame_type: 0x10 }))
    );
    assert_eq!(
        c.send(&hixie_frame(0xFF, b"")),
        Err(ProtocolError::Usage(UsageError::CloseAsData))
    );
    // In hixie75 the same frame is plain data.
    let (mut c, now) = open(Version::Hixie75, Role::Client);
    c.send(&hixie_frame(0xFF, b"")).unwrap();
    assert_eq!(c.poll_output(now), b"\xff\x00");
}

#[test]
fn hixie76_close_initiated_here() {
    let (mut c, now) = open(Version::Hixie76, Role::Client);
    c.close(now).unwrap();
    assert_eq!(c.state(), State::Closing);
    assert_eq!(c.poll_output(now), b"\xff\x00");
    assert!(!c.wants_write_shutdown());
    assert_eq!(
        c.send_text("late"),
        Err(ProtocolError::Usage(UsageError::NotOpen {
            state: State::Closing
        }))
    );
    c.close(now).unwrap();
    assert_eq!(output(&mut c, now), b"\xff\x00", "close is idempotent");
    // The peer's messages still arrive until its close.
    c.handle_input(now, b"\x00reply\xff\xff\x00\x00ignored\xff");
    assert_eq!(events(&mut c), [text("reply"), closed(true)]);
    assert_eq!(output(&mut c, now), b"", "no second close");
    assert_eq!(c.state(), State::Closed);
    assert!(c.wants_write_shutdown());
    // A client waits for the server to end TCP first.
    assert!(!c.is_finished());
    c.handle_eof(now);
    assert!(c.is_finished());
}

#[test]
fn hixie76_close_initiated_by_peer_is_answered_after_earlier_messages() {
    let (mut c, now) = open(Version::Hixie76, Role::Server);
    c.handle_input(now, b"\x00one\xff\x00two\xff\xff\x00\x00after\xff");
    // The close waits for the messages before it to be taken.
    assert_eq!(c.state(), State::Open);
    assert!(!c.has_output());
    assert_eq!(c.poll_event(), Some(text("one")));
    c.send_text("one").unwrap();
    assert_eq!(output(&mut c, now), b"\x00one\xff");
    assert_eq!(c.state(), State::Open, "one message still waits");
    assert_eq!(c.poll_event(), Some(text("two")));
    // A pump that writes between the take and the answer closes nothing.
    assert_eq!(output(&mut c, now), b"");
    c.send_text("two").unwrap();
    assert!(!c.wants_read(), "nothing more is read once the close is queued");
    assert_eq!(c.poll_event(), Some(closed(true)));
    assert_eq!(c.poll_event(), None);
    assert_eq!(c.state(), State::Open, "in effect at the next output call");
    assert_eq!(output(&mut c, now), b"\x00two\xff\xff\x00");
    assert_eq!(c.state(), State::Closed);
    assert_eq!(
        c.send_text("x"),
        Err(ProtocolError::Usage(UsageError::NotOpen { state: State::Closed }))
    );
    // A server is done once its reply is out.
    assert!(c.is_finished());
    // Input after the close is not data.
    c.handle_input(now, b"\x00more\xff");
    assert_eq!(c.poll_event(), None);
}

#[test]
fn a_pump_that_only_moves_bytes_still_answers_a_close() {
    for (version, input, reply) in [
        (Version::Hixie76, &b"\xff\x00"[..], &b"\xff\x00"[..]),
        (Version::Rfc6455, b"\x88\x82abcd\x62\x8a", b"\x88\x02\x03\xe8"),
    ] {
        let (mut c, now) = open(version, Role::Server);
        c.handle_input(now, input);
        // In effect in the input call: no event polled.
        assert_eq!(c.state(), State::Closed, "{version:?}");
        assert_eq!(output(&mut c, now), reply, "{version:?}");
        assert!(c.is_finished());
        assert_eq!(events(&mut c).len(), 1, "the close is still reported");
    }
}

#[test]
fn answers_sent_after_taking_every_event_still_precede_the_close() {
    // A pump that hands the application a batch of events, the close
    // included, before it answers any of them.
    let (mut c, now) = open(Version::Hixie76, Role::Server);
    c.handle_input(now, b"\x00one\xff\xff\x00");
    assert_eq!(events(&mut c), [text("one"), closed(true)]);
    c.send_text("one").unwrap();
    assert_eq!(output(&mut c, now), b"\x00one\xff\xff\x00");
    assert!(c.send_text("late").is_err(), "closed once the reply is queued");
}

#[test]
fn eof_ends_hixie75_cleanly_and_hixie76_uncleanly() {
    let (mut c, now) = open(Version::Hixie75, Role::Server);
    c.handle_input(now, b"\x00last\xff");
    c.handle_eof(now);
    assert_eq!(events(&mut c), [text("last"), closed(true)]);
    assert_eq!(output(&mut c, now), b"");

    let (mut c, now) = open(Version::Hixie76, Role::Server);
    c.handle_eof(now);
    assert_eq!(events(&mut c), [closed(false)]);
    assert_eq!(output(&mut c, now), b"", "no close reply to a peer that is gone");
    assert!(c.is_finished());
}

#[test]
fn hixie75_close_stops_sending_and_waits_for_the_end() {
    let (mut c, now) = open(Version::Hixie75, Role::Client);
    c.close(now).unwrap();
    assert_eq!(output(&mut c, now), b"");
    assert!(c.wants_write_shutdown());
    c.handle_input(now, b"\x00still\xff");
    c.handle_eof(now);
    assert_eq!(events(&mut c), [text("still"), closed(true)]);
    assert!(c.has_output(), "the end is due");
    assert_eq!(output(&mut c, now), b"");
    assert!(c.is_finished());
}

#[test]
fn a_failure_is_the_last_event_and_keeps_what_was_delivered() {
    let (mut c, now) = open(Version::Hixie76, Role::Server);
    c.handle_input(now, b"\x00good\xff\x00bad\xc3(\xff\x00never\xff");
    let err = ProtocolError::Frame(FrameError::InvalidUtf8);
    assert_eq!(c.error(), None, "not told before it takes effect");
    // Nothing more is read; behind a message, the failure waits.
    c.handle_input(now, b"\x00x\xff");
    c.handle_eof(now);
    assert_eq!(c.state(), State::Open);
    assert!(!c.wants_read());
    assert_eq!(c.poll_event(), Some(text("good")));
    c.send_text("good").unwrap();
    assert_eq!(c.poll_event(), Some(Event::Failed(err.clone())));
    assert_eq!(c.poll_event(), None);
    assert_eq!(c.error(), None, "in effect at the next output call");
    assert_eq!(output(&mut c, now), b"\x00good\xff", "the answer still goes out");
    assert_eq!(c.error(), Some(&err), "told once it took effect");
    assert_eq!(c.state(), State::Closed);
    assert!(c.send_text("x").is_err());
    assert!(c.is_finished());
}

#[test]
fn rfc6455_failures_send_their_close_code_after_the_answers() {
    let (mut c, now) = open(Version::Rfc6455, Role::Client);
    // A text message, then a frame with a reserved bit.
    c.handle_input(now, &[0x81, 0x02, b'h', b'i', 0xC1, 0x00]);
    assert_eq!(c.poll_event(), Some(text("hi")));
    c.send_text("hi").unwrap();
    let answer = output(&mut c, now);
    assert_eq!(
        c.poll_event(),
        Some(Event::Failed(ProtocolError::Frame(FrameError::ReservedBits {
            bits: 4
        })))
    );
    let close = output(&mut c, now);
    // The client masks: decode what it sent as a server would.
    let mut server = open_at(Version::Rfc6455, Role::Server, Timeouts::default(), now);
    server.handle_input(now, &answer);
    server.handle_input(now, &close);
    let got: Vec<Event> = events(&mut server).into_iter().skip(1).collect();
    assert_eq!(
        got,
        [
            text("hi"),
            Event::Closed(Closed {
                clean: true,
                code: Some(1002),
                reason: String::new()
            })
        ]
    );
}

#[test]
fn eof_inside_a_frame_is_truncation() {
    for partial in [&b"\x00abc"[..], b"\x80", b"\x80\x05ab"] {
        let (mut c, now) = open(Version::Hixie76, Role::Client);
        c.handle_input(now, b"\x00ok\xff");
        c.handle_input(now, partial);
        c.handle_eof(now);
        assert_eq!(
            events(&mut c),
            [
                text("ok"),
                Event::Failed(ProtocolError::Frame(FrameError::Truncated))
            ]
        );
    }
}

#[test]
fn sends_past_the_output_limit_fail_until_the_peer_reads() {
    let mut config = server_config(Timeouts::default());
    config.limits.max_pending_output = 100;
    let now = Instant::now();
    let mut c = Session::open_server(Version::Hixie76, &config, None, now);
    c.send_text(&"a".repeat(60)).unwrap();
    assert_eq!(
        c.send_text(&"b".repeat(60)),
        Err(ProtocolError::PeerNotReading { limit: 100 })
    );
    assert_eq!(
        c.send_binary(&[0; 60]),
        Err(ProtocolError::PeerNotReading { limit: 100 })
    );
    assert_eq!(
        c.poll_output(now).len(),
        62,
        "nothing was queued by the refused sends"
    );
    // Not sticky: once the transport took the bytes, sending works again.
    c.advance_output(62);
    c.send_text(&"b".repeat(60)).unwrap();
    assert_eq!(c.state(), State::Open);
}

#[test]
fn reading_pauses_while_replies_pile_up() {
    let mut config = server_config(Timeouts::default());
    config.limits.output_high_water = 1000;
    let now = Instant::now();
    let mut c = Session::open_server(Version::Hixie75, &config, None, now);
    assert!(c.wants_read());
    c.send_text(&"a".repeat(998)).unwrap();
    assert!(!c.wants_read(), "1000 bytes wait");
    c.advance_output(1);
    assert!(c.wants_read());
}

/// Runs the opening handshake between two fresh sessions at `now`.
fn handshake(version: Version, timeouts: &Timeouts, now: Instant) -> (Session, Session) {
    let url = WsUrl::parse("ws://example.com/").unwrap();
    let config = client_config(version, timeouts.clone());
    let mut client = Session::client(&url, config, &mut SeededEntropy::new(2), now).unwrap();
    let mut server = Session::server(server_config(timeouts.clone()), now);
    server.handle_input(now, &output(&mut client, now));
    client.handle_input(now, &output(&mut server, now));
    assert_eq!(events(&mut client), [Event::Opened]);
    assert_eq!(events(&mut server), [Event::Opened]);
    (client, server)
}

#[test]
fn the_opening_handshake_times_out() {
    let t0 = Instant::now();
    let timeouts = Timeouts::default();
    let url = WsUrl::parse("ws://example.com/").unwrap();
    let mut server = Session::server(ServerConfig::new(), t0);
    let config = ClientConfig::new(Version::Rfc6455);
    let mut client = Session::client(&url, config, &mut SeededEntropy::new(2), t0).unwrap();
    output(&mut client, t0);
    for s in [&mut server, &mut client] {
        assert_eq!(s.poll_timeout(), Some(t0 + secs(10)));
        s.handle_timeout(t0 + secs(10) - Duration::from_millis(1));
        assert_eq!(s.poll_event(), None, "not yet");
        s.handle_timeout(t0 + secs(10));
        assert_eq!(events(s), [timeout(Phase::Handshake, timeouts.handshake)]);
        assert!(s.is_finished());
    }
    // Input does not extend it; completing it ends it.
    let mut server = Session::server(ServerConfig::new(), t0);
    server.handle_input(t0 + secs(9), b"GET / HTTP/1.1\r\n");
    assert_eq!(server.poll_timeout(), Some(t0 + secs(10)));
    let (mut client, _) = handshake(Version::Hixie76, &timeouts, t0);
    assert_ne!(client.poll_timeout(), Some(t0 + secs(10)));
    client.handle_timeout(t0 + secs(10));
    assert_eq!(client.poll_event(), None);
}

#[test]
fn the_closing_handshake_times_out_unless_hixie75() {
    let t0 = Instant::now();
    for version in Version::ALL {
        let mut timeouts = Timeouts::default();
        timeouts.ping_interval = None;
        let (mut client, _) = handshake(version, &timeouts, t0);
        client.close(t0 + secs(1)).unwrap();
        output(&mut client, t0 + secs(1));
        assert_eq!(client.poll_timeout(), Some(t0 + secs(6)), "{version}");
        client.handle_timeout(t0 + secs(6));
        let expected = match version {
            Version::Hixie75 => closed(true),
            _ => timeout(Phase::Closing, secs(5)),
        };
        assert_eq!(events(&mut client), [expected], "{version}");
        assert_eq!(client.state(), State::Closed);
        assert!(client.is_finished(), "{version}");
    }
}

#[test]
fn a_client_waits_a_while_for_the_server_to_end_tcp() {
    let t0 = Instant::now();
    let (mut client, mut server) = handshake(Version::Rfc6455, &Timeouts::default(), t0);
    client.close_with(t0, 1000, "bye").unwrap();
    server.handle_input(t0, &output(&mut client, t0));
    assert!(matches!(events(&mut server)[..], [Event::Closed(_)]));
    client.handle_input(t0, &output(&mut server, t0));
    assert!(server.is_finished(), "the server ends TCP first");
    assert!(matches!(events(&mut client)[..], [Event::Closed(_)]));
    assert!(!client.is_finished());
    assert!(client.wants_read(), "it reads until the server's end of stream");
    assert_eq!(client.poll_timeout(), Some(t0 + secs(5)));
    client.handle_timeout(t0 + secs(5));
    assert!(client.is_finished());
    assert_eq!(client.poll_event(), None, "no error: the close was clean");
}

#[test]
fn keepalive_pings_a_silent_peer_and_fails_it_when_it_stays_silent() {
    let t0 = Instant::now();
    let (mut client, mut server) = handshake(Version::Rfc6455, &Timeouts::default(), t0);
    assert_eq!(server.poll_timeout(), Some(t0 + secs(20)));
    server.handle_timeout(t0 + secs(20));
    let ping = output(&mut server, t0 + secs(20));
    assert_eq!(ping, [0x89, 0x00], "an empty ping");
    assert_eq!(server.poll_timeout(), Some(t0 + secs(40)));
    // The client answers it by itself.
    client.handle_input(t0 + secs(20), &ping);
    assert_eq!(events(&mut client), [Event::Ping(Bytes::new())]);
    server.handle_input(t0 + secs(21), &output(&mut client, t0 + secs(20)));
    assert_eq!(events(&mut server), [Event::Pong(Bytes::new())]);
    assert_eq!(server.poll_timeout(), Some(t0 + secs(41)), "20 s after the pong");
    // Now the client goes silent.
    server.handle_timeout(t0 + secs(41));
    assert_eq!(output(&mut server, t0 + secs(41)), [0x89, 0x00]);
    server.handle_timeout(t0 + secs(61) - Duration::from_millis(1));
    assert_eq!(server.poll_event(), None);
    server.handle_timeout(t0 + secs(61));
    assert_eq!(events(&mut server), [timeout(Phase::Keepalive, secs(20))]);
    assert_eq!(
        output(&mut server, t0 + secs(61)),
        [0x88, 0x02, 0x03, 0xF3],
        "close 1011"
    );
}

#[test]
fn any_byte_from_the_peer_counts_as_life() {
    let t0 = Instant::now();
    let (mut client, mut server) = handshake(Version::Rfc6455, &Timeouts::default(), t0);
    server.handle_timeout(t0 + secs(20));
    output(&mut server, t0 + secs(20));
    // Half of a message is enough.
    client.send_text("still sending").unwrap();
    let wire = output(&mut client, t0);
    server.handle_input(t0 + secs(39), &wire[..4]);
    server.handle_timeout(t0 + secs(40));
    assert_eq!(server.poll_event(), None);
    assert_eq!(server.poll_timeout(), Some(t0 + secs(59)));
}

#[test]
fn keepalive_can_be_turned_off_and_hixie_has_none() {
    let t0 = Instant::now();
    let mut timeouts = Timeouts::default();
    timeouts.ping_interval = None;
    let (_, server) = handshake(Version::Rfc6455, &timeouts, t0);
    assert_eq!(server.poll_timeout(), None);
    let (_, mut server) = handshake(Version::Hixie76, &Timeouts::default(), t0);
    assert_eq!(server.poll_timeout(), None);
    server.handle_timeout(t0 + secs(3600));
    assert_eq!(server.poll_event(), None);
    assert_eq!(output(&mut server, t0 + secs(3600)), b"");
}

#[test]
fn the_idle_timeout_fails_a_silent_peer_of_any_version() {
    let t0 = Instant::now();
    let mut timeouts = Timeouts::default();
    timeouts.idle = Some(secs(60));
    timeouts.ping_interval = None;
    for version in Version::ALL {
        let (mut client, mut server) = handshake(version, &timeouts, t0);
        client.send_text("hello").unwrap();
        server.handle_input(t0 + secs(30), &output(&mut client, t0));
        assert_eq!(server.poll_timeout(), Some(t0 + secs(90)), "{version}");
        server.handle_timeout(t0 + secs(90));
        assert_eq!(
            events(&mut server),
            [text("hello"), timeout(Phase::Idle, secs(60))],
            "{version}"
        );
        let goodbye = output(&mut server, t0 + secs(90));
        match version {
            Version::Rfc6455 => assert_eq!(goodbye, [0x88, 0x02, 0x03, 0xE9], "close 1001"),
            _ => assert_eq!(goodbye, b""),
        }
    }
}

#[test]
fn output_the_transport_does_not_take_fails_after_the_write_timeout() {
    let t0 = Instant::now();
    let (mut c, _) = open(Version::Hixie76, Role::Server);
    c.send_text("stuck").unwrap();
    assert_eq!(c.poll_timeout(), None, "nothing offered yet");
    assert_eq!(c.poll_output(t0).len(), 7);
    assert_eq!(c.poll_timeout(), Some(t0 + secs(30)));
    // Progress moves the deadline: 30 s from the next offer.
    c.advance_output(2);
    c.poll_output(t0 + secs(20));
    assert_eq!(c.poll_timeout(), Some(t0 + secs(50)));
    c.handle_timeout(t0 + secs(49));
    assert_eq!(c.poll_event(), None);
    c.handle_timeout(t0 + secs(50));
    // The output is dropped and sending stops at once; the failure is the
    // last event.
    assert!(!c.has_output());
    assert_eq!(c.state(), State::Closed);
    assert!(c.send_text("more").is_err());
    assert_eq!(events(&mut c), [timeout(Phase::Writing, secs(30))]);
    assert!(c.is_finished());
}

#[test]
fn progress_reported_between_offers_restarts_the_write_timer() {
    let t0 = Instant::now();
    let (mut c, _) = open(Version::Hixie76, Role::Server);
    c.send_text("slow").unwrap();
    c.poll_output(t0);
    c.advance_output(1);
    // Woken at the old deadline, the timer restarts instead of firing.
    c.handle_timeout(t0 + secs(30));
    assert_eq!(c.poll_event(), None);
    assert_eq!(c.poll_timeout(), Some(t0 + secs(60)));
}

#[test]
fn a_message_larger_than_the_output_limit_goes_in_parts() {
    let t0 = Instant::now();
    let mut limits = Limits::default();
    limits.max_pending_output = 4096;
    let url = WsUrl::parse("ws://example.com/").unwrap();
    for version in [Version::Rfc6455, Version::Hixie76] {
        let mut config = client_config(version, Timeouts::default());
        config.limits = limits.clone();
        let mut client = Session::client(&url, config, &mut SeededEntropy::new(4), t0).unwrap();
        let mut server = Session::server(ServerConfig::new(), t0);
        server.handle_input(t0, &output(&mut client, t0));
        client.handle_input(t0, &output(&mut server, t0));
        events(&mut client);
        events(&mut server);
        let whole = "ab€".repeat(100_000);
        assert!(client.send_text(&whole).is_err(), "too large to send whole");
        let parts: Vec<&str> = whole
            .as_bytes()
            .chunks(3000)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        for (i, part) in parts.iter().enumerate() {
            client.send_text_part(part, i + 1 == parts.len()).unwrap();
            if i == 0 {
                assert_eq!(
                    client.send_text("between"),
                    Err(ProtocolError::Usage(UsageError::MessageInProgress)),
                );
            }
            let wire = output(&mut client, t0);
            assert!(wire.len() <= 4096);
            server.handle_input(t0, &wire);
        }
        assert_eq!(events(&mut server), [text(&whole)], "{version}");
    }
    // RFC 6455 binary too; hixie binary frames announce their length first.
    let (mut c, now) = open(Version::Rfc6455, Role::Server);
    c.send_binary_part(b"ab", false).unwrap();
    assert_eq!(
        c.send_text_part("c", true),
        Err(ProtocolError::Usage(UsageError::MessageInProgress))
    );
    c.ping(b"between parts").unwrap();
    c.send_binary_part(b"cd", true).unwrap();
    let mut wire = vec![0x02, 0x02, b'a', b'b', 0x89, 13];
    wire.extend_from_slice(b"between parts");
    wire.extend_from_slice(&[0x80, 0x02, b'c', b'd']);
    assert_eq!(output(&mut c, now), wire);
    let (mut c, _) = open(Version::Hixie76, Role::Server);
    assert!(matches!(
        c.send_binary_part(b"ab", true),
        Err(ProtocolError::Usage(UsageError::NotInVersion { .. }))
    ));
}

#[test]
fn a_hixie76_close_ends_a_text_frame_sent_in_parts() {
    let (mut c, now) = open(Version::Hixie76, Role::Server);
    c.send_text_part("cut", false).unwrap();
    c.close(now).unwrap();
    assert_eq!(output(&mut c, now), b"\x00cut\xff\xff\x00");
}
