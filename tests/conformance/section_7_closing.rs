//! Section 7, closing the connection (Autobahn 7.x): the close frame's
//! body, its status codes (section 7.4), the reply, what comes after it,
//! and this side closing first.

use std::time::Duration;

use websocket_engine::{Closed, Event, FrameError, Message, Phase, ProtocolError, State, UsageError};

use crate::harness::*;

fn closed(code: Option<u16>, reason: &str) -> Event {
    Event::Closed(Closed {
        clean: true,
        code,
        reason: reason.into(),
    })
}

#[test]
fn case_7_1_1_message_then_close() {
    let out = run(&[text("Hello World!"), close(1000, "")]);
    out.assert_ok(&[r_text("Hello World!"), r_close(1000)]);
    assert_eq!(out.state, State::Closed);
    assert_eq!(
        out.events,
        [
            Event::Message(Message::Text("Hello World!".into())),
            closed(Some(1000), "")
        ]
    );
}

#[test]
fn case_7_1_2_a_second_close_is_not_read() {
    let frames = [close(1000, ""), close(1000, "")];
    assert_ok_every_way(&frames, &[r_close(1000)]);
    assert_eq!(run(&frames).events, [closed(Some(1000), "")]);
}

#[test]
fn case_7_1_3_a_ping_after_the_close_is_not_answered() {
    let frames = [close(1000, ""), ping("Hello World!")];
    assert_ok_every_way(&frames, &[r_close(1000)]);
    assert_eq!(run_joined(&frames).events, [closed(Some(1000), "")]);
}

#[test]
fn case_7_1_4_a_message_after_the_close_is_not_delivered() {
    let frames = [close(1000, ""), text("Hello World!")];
    assert_ok_every_way(&frames, &[r_close(1000)]);
    assert_eq!(run_joined(&frames).events, [closed(Some(1000), "")]);
}

#[test]
fn case_7_1_5_a_close_between_fragments_ends_the_message_unfinished() {
    let frames = [text("fragment1").fin(false), close(1000, ""), cont("fragment2")];
    assert_ok_every_way(&frames, &[r_close(1000)]);
    assert_eq!(run(&frames).events, [closed(Some(1000), "")]);
}

#[test]
fn case_7_1_6_a_large_message_then_close_then_ping() {
    let t = ascii(256 * 1024);
    let frames = [text(&t), close(1000, ""), ping("Hello World!")];
    run(&frames).assert_ok(&[r_text(&t), r_close(1000)]);
    run_chopped(&frames, 4096).assert_ok(&[r_text(&t), r_close(1000)]);
}

#[test]
fn case_7_3_1_an_empty_close_is_answered_with_an_empty_close() {
    let out = run(&[close_empty()]);
    out.assert_ok(&[Reply::Close(None, String::new())]);
    assert_eq!(out.events, [closed(None, "")]);
    let mut sut = Sut::server();
    sut.feed(&close_empty().bytes()).unwrap();
    assert_eq!(sut.take_wire(), [0x88, 0x00], "an empty close frame");
}

#[test]
fn case_7_3_2_a_one_byte_close_body_fails() {
    run(&[frame(CLOSE, [0x03])]).assert_failed(&[], FrameError::CloseBodyTooShort, 1002);
    run_chopped(&[frame(CLOSE, [0xE8])], 1).assert_failed(&[], FrameError::CloseBodyTooShort, 1002);
}

#[test]
fn case_7_3_3_close_with_a_code() {
    let out = run(&[close(1000, "")]);
    out.assert_ok(&[r_close(1000)]);
    let mut sut = Sut::server();
    sut.feed(&close(1000, "").bytes()).unwrap();
    assert_eq!(sut.take_wire(), [0x88, 0x02, 0x03, 0xE8]);
}

#[test]
fn case_7_3_4_close_with_a_code_and_a_reason() {
    let out = run(&[close(1000, "Hello World!")]);
    out.assert_ok(&[r_close(1000)]);
    assert_eq!(out.events, [closed(Some(1000), "Hello World!")]);
}

#[test]
fn case_7_3_5_close_with_a_123_byte_reason() {
    let reason = ascii(123);
    let out = run(&[close(1000, &reason)]);
    out.assert_ok(&[r_close(1000)]);
    assert_eq!(out.events, [closed(Some(1000), &reason)]);
    // Multi-byte characters up to the same limit.
    let reason = KOSME.repeat(11) + "ab";
    assert_eq!(reason.len(), 123);
    run_chopped(&[close(1001, &reason)], 1).assert_ok(&[r_close(1001)]);
}

#[test]
fn case_7_3_6_close_with_a_124_byte_reason_fails() {
    run(&[close(1000, ascii(124))]).assert_failed(
        &[],
        FrameError::ControlTooLong {
            opcode: CLOSE,
            len: 126,
        },
        1002,
    );
}

#[test]
fn case_7_5_1_close_reason_with_invalid_utf8_fails_with_1007() {
    let mut reason = KOSME.as_bytes().to_vec();
    reason.extend_from_slice(b"\xed\xa0\x80edited");
    run(&[close(1000, &reason)]).assert_failed(&[], FrameError::InvalidUtf8, 1007);
    for bad in [&b"\xff"[..], b"\xc0\x80", b"ok\xce"] {
        run_chopped(&[close(1000, bad)], 1).assert_failed(&[], FrameError::InvalidUtf8, 1007);
    }
}

/// Autobahn 7.7.x's valid codes, and 1012-1014 as IANA registered them.
const VALID_CODES: [u16; 16] = [
    1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999,
];

#[test]
fn case_7_7_x_valid_codes_are_echoed() {
    for code in VALID_CODES {
        let out = run(&[close(code, "")]);
        out.assert_ok(&[r_close(code)]);
        assert_eq!(out.events, [closed(Some(code), "")]);
        let out = run(&[close(code, "with a reason")]);
        out.assert_ok(&[r_close(code)]);
        assert_eq!(out.events, [closed(Some(code), "with a reason")]);
    }
}

#[test]
fn case_7_9_x_and_7_13_x_invalid_codes_fail_with_1002() {
    for code in [
        0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
    ] {
        let out = run(&[close(code, "")]);
        out.assert_failed(&[], FrameError::InvalidCloseCode { code }, 1002);
        assert_eq!(out.events, []);
        run_chopped(&[text("x"), close(code, "reason")], 1).assert_failed(
            &[r_text("x")],
            FrameError::InvalidCloseCode { code },
            1002,
        );
    }
}

#[test]
fn a_message_decoded_before_the_peers_close_is_still_answered() {
    // A close behind messages takes effect once its event is polled: every
    // message the peer sent before it is echoed first, even from the same
    // input.
    let out = run_joined(&[text("one"), binary([2]), close(1001, "bye")]);
    out.assert_ok(&[r_text("one"), r_binary([2]), r_close(1001)]);
}

#[test]
fn sends_after_the_peers_close_are_refused() {
    let mut sut = Sut::server();
    sut.feed(&close(1000, "").bytes()).unwrap();
    assert_eq!(sut.replies(), [r_close(1000)]);
    let refused = ProtocolError::Usage(UsageError::NotOpen { state: State::Closed });
    assert_eq!(sut.conn.send_text("late"), Err(refused.clone()));
    assert_eq!(sut.conn.send_binary(b"late"), Err(refused.clone()));
    assert_eq!(sut.conn.ping(b"late"), Err(refused));
    assert_eq!(
        sut.conn.close_with(sut.now, 1000, ""),
        Ok(()),
        "closing again does nothing"
    );
    assert_eq!(sut.replies(), []);
    assert!(sut.conn.wants_write_shutdown());
}

#[test]
fn this_side_closes_first_and_the_peer_answers() {
    let mut sut = Sut::server();
    sut.conn.close_with(sut.now, 4000, "done").unwrap();
    assert_eq!(sut.conn.state(), State::Closing);
    assert_eq!(sut.replies(), [Reply::Close(Some(4000), "done".into())]);
    let refused = ProtocolError::Usage(UsageError::NotOpen {
        state: State::Closing,
    });
    assert_eq!(sut.conn.send_text("late"), Err(refused.clone()));
    assert_eq!(sut.conn.send_binary(b"late"), Err(refused));
    assert!(!sut.conn.wants_write_shutdown(), "the close reply may still come");
    // The peer's messages still arrive, but are not echoed.
    sut.feed(&text("in flight").bytes()).unwrap();
    assert_eq!(
        sut.refused,
        [ProtocolError::Usage(UsageError::NotOpen {
            state: State::Closing
        })]
    );
    sut.feed(&close(4000, "").bytes()).unwrap();
    assert_eq!(sut.replies(), [], "the close is not answered twice");
    assert_eq!(sut.conn.state(), State::Closed);
    assert_eq!(
        sut.events,
        [
            Event::Message(Message::Text("in flight".into())),
            closed(Some(4000), "")
        ]
    );
    assert!(sut.conn.wants_write_shutdown());
}

#[test]
fn a_ping_is_answered_until_the_peers_close_arrives() {
    // Section 5.5.2: a pong answers every ping "unless it already received
    // a Close frame"; sending a close does not end that duty.
    let mut sut = Sut::server();
    sut.conn.close(sut.now).unwrap();
    assert_eq!(sut.replies(), [r_close(1000)]);
    sut.feed(&ping("still there?").bytes()).unwrap();
    assert_eq!(sut.replies(), [r_pong("still there?")]);
    sut.feed(&wire(&[close(1000, ""), ping("after")])).unwrap();
    assert_eq!(sut.replies(), []);
    assert_eq!(sut.conn.state(), State::Closed);
}

#[test]
fn the_peer_answering_with_an_empty_close_is_clean_too() {
    let mut sut = Sut::server();
    sut.conn.close(sut.now).unwrap();
    assert_eq!(sut.replies(), [r_close(1000)]);
    sut.feed(&close_empty().bytes()).unwrap();
    assert_eq!(sut.events, [closed(None, "")]);
    assert_eq!(sut.replies(), []);
}

#[test]
fn the_close_timeout_fails_the_connection() {
    let limit = Duration::from_secs(5);
    let mut sut = Sut::server();
    sut.conn.close(sut.now).unwrap();
    assert_eq!(sut.replies(), [r_close(1000)]);
    assert_eq!(sut.conn.poll_timeout(), Some(sut.now + limit));
    sut.conn.handle_timeout(sut.now + limit);
    let err = ProtocolError::Timeout {
        during: Phase::Closing,
        limit,
    };
    assert_eq!(sut.conn.error(), Some(&err), "in effect in the timer call");
    assert_eq!(sut.conn.state(), State::Closed);
    assert_eq!(sut.feed(&close(1000, "").bytes()), Err(err.clone()));
    assert_eq!(sut.conn.state(), State::Closed);
    assert_eq!(sut.replies(), [], "no second close frame");
}

#[test]
fn the_end_of_stream_without_a_close_is_not_clean() {
    let mut sut = Sut::server();
    sut.feed(&text("last").bytes()).unwrap();
    sut.eof().unwrap();
    assert_eq!(sut.replies(), [r_text("last")]);
    assert_eq!(
        sut.events.last(),
        Some(&Event::Closed(Closed {
            clean: false,
            code: None,
            reason: String::new()
        }))
    );
}

#[test]
fn the_end_of_stream_inside_a_frame_is_truncation_with_no_close_frame() {
    let header_only = text("abc").header();
    let open_message = wire(&[text("abc").fin(false)]);
    for partial in [&header_only[..1], &header_only, &open_message] {
        let mut sut = Sut::server();
        sut.feed(partial).unwrap();
        assert_eq!(sut.eof(), Err(ProtocolError::Frame(FrameError::Truncated)));
        assert_eq!(sut.replies(), [], "the peer is gone: no close frame");
        assert_eq!(sut.conn.state(), State::Closed);
    }
}

#[test]
fn a_framing_error_after_this_side_closed_sends_no_second_close() {
    let mut sut = Sut::server();
    sut.conn.close_with(sut.now, 1001, "").unwrap();
    assert_eq!(sut.replies(), [r_close(1001)]);
    assert_eq!(
        sut.feed(&text("x").rsv(1).bytes()),
        Err(ProtocolError::Frame(FrameError::ReservedBits { bits: 1 }))
    );
    assert_eq!(sut.replies(), [], "one close frame per connection");
    assert_eq!(sut.conn.state(), State::Closed);
}

#[test]
fn messages_decoded_with_the_bad_frame_are_answered_before_the_close() {
    // Section 7.1.7 fails the connection on the bad frame; what the peer
    // sent before it was valid and is answered first, in order, even when
    // it arrives in the same input (Autobahn 3.2, 4.1.3, 5.15 "in one chop").
    let mut sut = Sut::server();
    let err = ProtocolError::Frame(FrameError::ReservedBits { bits: 2 });
    let input = wire(&[
        text("one"),
        ping("p"),
        binary([2]),
        text("bad").rsv(2),
        text("never"),
    ]);
    sut.conn.handle_input(sut.now, &input);
    assert_eq!(sut.conn.error(), None, "behind messages, in effect once polled");
    // Nothing more is read.
    sut.conn.handle_input(sut.now, &text("x").bytes());
    sut.pump();
    assert_eq!(sut.refused, []);
    assert_eq!(sut.conn.state(), State::Closed);
    assert_eq!(sut.conn.error(), Some(&err));
    // The pong went out as the ping was decoded, the echoes as their
    // messages were polled, and the close frame last.
    assert_eq!(
        sut.replies(),
        [r_pong("p"), r_text("one"), r_binary([2]), r_close(1002)]
    );
    assert_eq!(
        sut.conn.send_text("late"),
        Err(ProtocolError::Usage(UsageError::NotOpen { state: State::Closed }))
    );
    assert_eq!(sut.eof(), Err(err));
    assert_eq!(sut.replies(), []);
}
