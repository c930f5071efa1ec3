//! Sections 5.5.2 and 5.5.3, ping and pong (Autobahn 2.x): a ping is
//! answered with a pong of the same payload, an unsolicited pong is not
//! answered.

use websocket_engine::{Bytes, Event, FrameError};

use crate::harness::*;

#[test]
fn case_2_1_ping_without_payload() {
    let out = run(&[ping("")]);
    out.assert_ok(&[r_pong("")]);
    assert_eq!(out.events, [Event::Ping(Bytes::new())]);
}

#[test]
fn case_2_2_ping_with_text_payload() {
    assert_ok_every_way(&[ping("Hello, world!")], &[r_pong("Hello, world!")]);
}

#[test]
fn case_2_3_ping_with_binary_payload() {
    let p = [0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff];
    assert_ok_every_way(&[ping(p)], &[r_pong(p)]);
}

#[test]
fn case_2_4_ping_with_125_bytes() {
    let p = [0xfe; 125];
    run(&[ping(p)]).assert_ok(&[r_pong(p)]);
}

#[test]
fn case_2_5_ping_with_126_bytes_fails() {
    run(&[ping([0xfe; 126])]).assert_failed(
        &[],
        FrameError::ControlTooLong {
            opcode: PING,
            len: 126,
        },
        1002,
    );
}

#[test]
fn case_2_6_ping_with_125_bytes_one_byte_at_a_time() {
    let p = bytes_of_len(125);
    run_chopped(&[ping(&p)], 1).assert_ok(&[r_pong(&p)]);
}

#[test]
fn case_2_7_and_2_8_unsolicited_pongs_are_not_answered() {
    for p in [&b""[..], b"unsolicited pong payload"] {
        let out = run(&[pong(p)]);
        out.assert_ok(&[]);
        assert_eq!(out.events, [Event::Pong(Bytes::copy_from_slice(p))]);
    }
}

#[test]
fn case_2_9_unsolicited_pong_then_ping() {
    let frames = [pong("unsolicited pong payload"), ping("ping payload")];
    assert_ok_every_way(&frames, &[r_pong("ping payload")]);
}

#[test]
fn case_2_10_and_2_11_ten_pings_get_ten_pongs_in_order() {
    let frames: Vec<_> = (0..10).map(|i| ping(format!("payload-{i}"))).collect();
    let replies: Vec<_> = (0..10).map(|i| r_pong(format!("payload-{i}"))).collect();
    assert_ok_every_way(&frames, &replies);
}

#[test]
fn the_pong_goes_out_before_the_ping_is_polled() {
    let mut sut = Sut::server();
    sut.conn.handle_input(sut.now, &ping("now").bytes());
    let wire = sut.conn.poll_output(sut.now).to_vec();
    assert_eq!(wire, [0x8A, 0x03, b'n', b'o', b'w']);
}

#[test]
fn pings_and_messages_interleaved_keep_their_order() {
    let frames = [text("a"), ping("1"), binary([2]), ping("3"), text("4")];
    let replies = [r_text("a"), r_pong("1"), r_binary([2]), r_pong("3"), r_text("4")];
    // Frame-wise and octet-wise each message is echoed as soon as it is
    // complete, so the replies keep the order of the input.
    run(&frames).assert_ok(&replies);
    run_chopped(&frames, 1).assert_ok(&replies);
}
