//! Section 5.4, fragmentation (Autobahn 5.x and 10.1.1): fragments make one
//! message, control frames may come between them, and continuations must
//! continue something.

use websocket_engine::{Event, FrameError};

use crate::harness::*;

#[test]
fn case_5_1_ping_in_two_fragments() {
    let frames = [ping("fragment1").fin(false), cont("fragment2")];
    run(&frames).assert_failed(&[], FrameError::FragmentedControl { opcode: PING }, 1002);
}

#[test]
fn case_5_2_pong_in_two_fragments() {
    let frames = [pong("fragment1").fin(false), cont("fragment2")];
    run(&frames).assert_failed(&[], FrameError::FragmentedControl { opcode: PONG }, 1002);
}

#[test]
fn case_5_3_to_5_5_text_in_two_fragments() {
    let frames = [text("fragment1").fin(false), cont("fragment2")];
    assert_ok_every_way(&frames, &[r_text("fragment1fragment2")]);
}

#[test]
fn case_5_6_to_5_8_text_in_two_fragments_with_a_ping_between() {
    let frames = [text("fragment1").fin(false), ping("pongme!"), cont("fragment2")];
    // The pong goes out at once, before the message is complete.
    assert_ok_every_way(&frames, &[r_pong("pongme!"), r_text("fragment1fragment2")]);
    let out = run(&frames);
    assert!(matches!(&out.events[..], [Event::Ping(p), Event::Message(_)] if p == &b"pongme!"[..]));
}

#[test]
fn case_5_9_to_5_11_final_continuation_with_nothing_to_continue() {
    let frames = [cont("non-continuation payload"), text("Hello, world!")];
    assert_failed_every_way(&frames, &[], FrameError::UnexpectedContinuation, 1002);
}

#[test]
fn case_5_12_to_5_14_non_final_continuation_with_nothing_to_continue() {
    let frames = [cont("non-continuation payload").fin(false), text("Hello, world!")];
    assert_failed_every_way(&frames, &[], FrameError::UnexpectedContinuation, 1002);
}

#[test]
fn case_5_15_continuation_after_a_finished_fragmented_message() {
    let frames = [
        text("fragment1").fin(false),
        cont("fragment2"),
        cont("fragment3").fin(false),
        text("fragment4"),
    ];
    assert_failed_every_way(
        &frames,
        &[r_text("fragment1fragment2")],
        FrameError::UnexpectedContinuation,
        1002,
    );
}

#[test]
fn case_5_16_and_5_17_continuations_before_a_fragmented_message() {
    for fin in [false, true] {
        let frames = [
            cont("fragment1").fin(fin),
            text("fragment2").fin(false),
            cont("fragment3"),
        ];
        assert_failed_every_way(&frames, &[], FrameError::UnexpectedContinuation, 1002);
    }
}

#[test]
fn case_5_18_a_new_message_inside_a_fragmented_one() {
    let frames = [text("fragment1").fin(false), text("fragment2")];
    assert_failed_every_way(
        &frames,
        &[],
        FrameError::ExpectedContinuation { opcode: TEXT },
        1002,
    );
    let frames = [text("fragment1").fin(false), binary("fragment2")];
    assert_failed_every_way(
        &frames,
        &[],
        FrameError::ExpectedContinuation { opcode: BINARY },
        1002,
    );
    let frames = [binary("fragment1").fin(false), text("fragment2").fin(false)];
    assert_failed_every_way(
        &frames,
        &[],
        FrameError::ExpectedContinuation { opcode: TEXT },
        1002,
    );
}

#[test]
fn case_5_19_and_5_20_five_fragments_with_two_pings() {
    let frames = [
        text("fragment1").fin(false),
        cont("fragment2").fin(false),
        ping("pongme 1!"),
        cont("fragment3").fin(false),
        cont("fragment4").fin(false),
        ping("pongme 2!"),
        cont("fragment5"),
    ];
    assert_ok_every_way(
        &frames,
        &[
            r_pong("pongme 1!"),
            r_pong("pongme 2!"),
            r_text("fragment1fragment2fragment3fragment4fragment5"),
        ],
    );
}

#[test]
fn a_pong_between_fragments_is_delivered_and_not_answered() {
    let frames = [text("frag").fin(false), pong("unsolicited"), cont("ment")];
    assert_ok_every_way(&frames, &[r_text("fragment")]);
    let out = run(&frames);
    assert!(matches!(&out.events[..], [Event::Pong(p), Event::Message(_)] if p == &b"unsolicited"[..]));
}

#[test]
fn one_byte_fragments_make_one_message() {
    let t = format!("one byte per frame, {KOSME} \u{1d11e}");
    assert_ok_every_way(&fragments(TEXT, t.as_bytes(), 1), &[r_text(&t)]);
    let b = bytes_of_len(300);
    assert_ok_every_way(&fragments(BINARY, &b, 1), &[r_binary(&b)]);
}

#[test]
fn empty_fragments_anywhere() {
    let frames = [
        text("").fin(false),
        cont("a").fin(false),
        cont("").fin(false),
        cont("b").fin(false),
        cont(""),
    ];
    assert_ok_every_way(&frames, &[r_text("ab")]);
    let frames = [binary("").fin(false), cont("")];
    assert_ok_every_way(&frames, &[r_binary([])]);
    let frames = [text("").fin(false), cont("")];
    assert_ok_every_way(&frames, &[r_text("")]);
}

#[test]
fn fragments_of_every_length_encoding() {
    let b = bytes_of_len(200_000);
    let frames = [
        binary(&b[..100]).fin(false),
        cont(&b[100..70_000]).fin(false),
        cont(&b[70_000..70_125]).fin(false),
        cont(&b[70_125..]),
    ];
    run(&frames).assert_ok(&[r_binary(&b)]);
    run_chopped(&frames, 4093).assert_ok(&[r_binary(&b)]);
}

#[test]
fn a_message_after_a_fragmented_one_starts_afresh() {
    let frames = [
        text("frag").fin(false),
        cont("ment"),
        binary([9, 8]).fin(false),
        cont([7]),
        text("whole"),
    ];
    assert_ok_every_way(
        &frames,
        &[r_text("fragment"), r_binary([9, 8, 7]), r_text("whole")],
    );
}

#[test]
fn case_10_1_1_text_of_64_kib_in_1300_byte_fragments() {
    let t = ascii(65536);
    let frames = fragments(TEXT, t.as_bytes(), 1300);
    assert_eq!(frames.len(), 51);
    run(&frames).assert_ok(&[r_text(&t)]);
    run_joined(&frames).assert_ok(&[r_text(&t)]);
    run_chopped(&frames, 4096).assert_ok(&[r_text(&t)]);
    let b = bytes_of_len(65536);
    run(&fragments(BINARY, &b, 1300)).assert_ok(&[r_binary(&b)]);
}
