//! Key cases mirrored with the engine as a client (sections 5.1, 5.3, 5.5,
//! 7 and 8.1): it reads unmasked server frames, and everything it sends,
//! echoes and pongs and close frames alike, is masked.

use websocket_engine::framing::Utf8Policy;
use websocket_engine::{
    ClientConfig, Closed, Event, FrameError, Limits, Message, ProtocolError, Role, SeededEntropy, Session,
    State, Version,
};

use crate::harness::*;

/// Runs a client over unmasked frames, each with its own call.
fn run_client(frames: &[RawFrame]) -> Outcome {
    let mut sut = Sut::client();
    let frames: Vec<_> = frames.iter().cloned().map(RawFrame::unmasked).collect();
    let _ = sut.feed_frames(&frames);
    sut.outcome()
}

fn run_client_chopped(frames: &[RawFrame], chop: usize) -> Outcome {
    let mut sut = Sut::client();
    let frames: Vec<_> = frames.iter().cloned().map(RawFrame::unmasked).collect();
    let _ = sut.feed_chopped(&wire(&frames), chop);
    sut.outcome()
}

#[test]
fn server_messages_are_read_and_the_echo_is_masked() {
    let t = ascii(70_000);
    let b = bytes_of_len(300);
    let frames = [text(&t), binary(&b), text(""), text(KOSME)];
    let replies = [r_text(&t), r_binary(&b), r_text(""), r_text(KOSME)];
    run_client(&frames).assert_ok(&replies);
    run_client_chopped(&frames, 1).assert_ok(&replies);
    run_client_chopped(&frames, 1000).assert_ok(&replies);
    // By hand: every frame masked, the payload as sent once unmasked.
    let mut sut = Sut::client();
    sut.feed(&wire(&[text("Hello").unmasked(), binary([0xFF; 130]).unmasked()]))
        .unwrap();
    let sent = parse_by_hand(&sut.take_wire());
    assert_eq!(sent.len(), 2);
    assert_eq!((sent[0].opcode, &sent[0].payload[..]), (TEXT, &b"Hello"[..]));
    assert_eq!((sent[1].opcode, &sent[1].payload[..]), (BINARY, &[0xFF; 130][..]));
    assert!(sent.iter().all(|s| s.fin && s.rsv == 0 && s.key.is_some()));
}

#[test]
fn the_rfc_5_7_unmasked_examples_are_read() {
    let mut sut = Sut::client();
    // "Hello" in one frame, then in two fragments, then an unmasked ping.
    sut.feed(&[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]).unwrap();
    sut.feed(&[0x01, 0x03, 0x48, 0x65, 0x6c]).unwrap();
    sut.feed(&[0x80, 0x02, 0x6c, 0x6f]).unwrap();
    sut.feed(&[0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]).unwrap();
    let out = sut.outcome();
    out.assert_ok(&[r_text("Hello"), r_text("Hello"), r_pong("Hello")]);
}

#[test]
fn a_server_ping_gets_a_masked_pong_with_the_same_payload() {
    let p = bytes_of_len(125);
    let frames = [
        ping(""),
        ping(&p),
        pong("unsolicited"),
        text("a").fin(false),
        ping("mid"),
        cont("b"),
    ];
    run_client(&frames).assert_ok(&[r_pong(""), r_pong(&p), r_pong("mid"), r_text("ab")]);
    run_client_chopped(&frames, 1).assert_ok(&[r_pong(""), r_pong(&p), r_pong("mid"), r_text("ab")]);
    let mut sut = Sut::client();
    sut.feed(&ping(&p).unmasked().bytes()).unwrap();
    let sent = parse_by_hand(&sut.take_wire());
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].opcode, &sent[0].payload), (PONG, &p));
    assert!(sent[0].key.is_some());
}

#[test]
fn framing_errors_fail_a_client_with_a_masked_close() {
    let cases: Vec<(Vec<RawFrame>, FrameError, u16)> = vec![
        (vec![text("x").rsv(4)], FrameError::ReservedBits { bits: 4 }, 1002),
        (
            vec![frame(0xB, "")],
            FrameError::UnknownOpcode { opcode: 0xB },
            1002,
        ),
        (
            vec![ping([0; 126])],
            FrameError::ControlTooLong {
                opcode: PING,
                len: 126,
            },
            1002,
        ),
        (
            vec![ping("").fin(false)],
            FrameError::FragmentedControl { opcode: PING },
            1002,
        ),
        (vec![cont("x")], FrameError::UnexpectedContinuation, 1002),
        (
            vec![text("a").fin(false), text("b")],
            FrameError::ExpectedContinuation { opcode: TEXT },
            1002,
        ),
        (
            vec![text("x").len(Len::Ext16)],
            FrameError::NonMinimalLength { len: 1 },
            1002,
        ),
        (
            vec![binary("").announce(1 << 63).len(Len::Ext64)],
            FrameError::LengthOverflow,
            1002,
        ),
        (vec![frame(CLOSE, [3])], FrameError::CloseBodyTooShort, 1002),
        (
            vec![close(1005, "")],
            FrameError::InvalidCloseCode { code: 1005 },
            1002,
        ),
        (vec![text(b"\xce\xba\xed\xa0\x80")], FrameError::InvalidUtf8, 1007),
        (vec![close(1000, b"\xff")], FrameError::InvalidUtf8, 1007),
    ];
    for (frames, err, code) in cases {
        let out = run_client(&frames);
        out.assert_failed(&[], err.clone(), code);
        run_client_chopped(&frames, 1).assert_failed(&[], err.clone(), code);
        // The close is masked.
        let mut sut = Sut::client();
        let frames: Vec<_> = frames.into_iter().map(RawFrame::unmasked).collect();
        let _ = sut.feed(&wire(&frames));
        let sent = parse_by_hand(&sut.take_wire());
        assert_eq!(sent.len(), 1, "{err:?}");
        assert_eq!(sent[0].opcode, CLOSE);
        assert_eq!(sent[0].payload, code.to_be_bytes());
        assert!(sent[0].key.is_some());
    }
}

#[test]
fn invalid_text_fails_fast_in_an_unmasked_frame_read_in_pieces() {
    // The client reads a whole unmasked frame in place and pieces of one
    // through its buffer: both fail, the second on the first bad byte.
    let mut payload = KOSME.as_bytes().to_vec();
    payload.extend_from_slice(b"\xf4\x90\x80\x80edited");
    run_client(&[text(&payload)]).assert_failed(&[], FrameError::InvalidUtf8, 1007);
    let f = text(&payload).unmasked().announce(100_000);
    let bytes = f.bytes();
    let cut = f.header().len() + KOSME.len() + 2;
    let mut sut = Sut::client();
    assert_eq!(sut.feed(&bytes[..cut - 1]), Ok(()));
    assert_eq!(
        sut.feed(&bytes[cut - 1..cut]),
        Err(ProtocolError::Frame(FrameError::InvalidUtf8))
    );
    sut.outcome().assert_failed(&[], FrameError::InvalidUtf8, 1007);
}

#[test]
fn rfc_6455_text_is_strict_even_under_the_replace_policy() {
    let mut config = ClientConfig::new(Version::Rfc6455);
    config.utf8 = Utf8Policy::Replace;
    let now = std::time::Instant::now();
    let mut conn = Session::open_client(&config, &mut SeededEntropy::new(1), None, now).unwrap();
    conn.handle_input(now, &text(b"ok\xc0\x80").unmasked().bytes());
    assert_eq!(conn.poll_event(), Some(Event::Opened));
    assert_eq!(
        conn.poll_event(),
        Some(Event::Failed(ProtocolError::Frame(FrameError::InvalidUtf8)))
    );
    let sent = parse_by_hand(conn.poll_output(now));
    assert_eq!(
        (sent[0].opcode, &sent[0].payload[..]),
        (CLOSE, &1007u16.to_be_bytes()[..])
    );
}

#[test]
fn a_client_limit_fails_with_1009_on_the_header() {
    let mut limits = Limits::default();
    limits.max_message_bytes = 100;
    let mut sut = Sut::new(Role::Client, &limits);
    let err = FrameError::MessageTooLarge { limit: 100 };
    assert_eq!(
        sut.feed(&binary(bytes_of_len(101)).unmasked().header()),
        Err(ProtocolError::Frame(err.clone()))
    );
    sut.outcome().assert_failed(&[], err, 1009);
}

#[test]
fn the_servers_close_is_echoed_masked() {
    let out = run_client(&[text("last"), close(1001, "going away")]);
    out.assert_ok(&[r_text("last"), r_close(1001)]);
    assert_eq!(
        out.events,
        [
            Event::Message(Message::Text("last".into())),
            Event::Closed(Closed {
                clean: true,
                code: Some(1001),
                reason: "going away".into()
            })
        ]
    );
    run_client(&[close_empty()]).assert_ok(&[Reply::Close(None, String::new())]);
}

#[test]
fn the_client_closes_first_and_the_server_answers() {
    let mut sut = Sut::client();
    sut.conn.close(sut.now).unwrap();
    let sent = parse_by_hand(&sut.take_wire());
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].opcode, &sent[0].payload[..]), (CLOSE, &[0x03, 0xE8][..]));
    assert!(sent[0].key.is_some());
    sut.feed(&close(1000, "").unmasked().bytes()).unwrap();
    assert!(sut.take_wire().is_empty(), "no second close");
    assert_eq!(sut.conn.state(), State::Closed);
    assert_eq!(
        sut.events,
        [Event::Closed(Closed {
            clean: true,
            code: Some(1000),
            reason: String::new()
        })]
    );
}
