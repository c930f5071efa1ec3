//! Section 10.4, implementation-specific limits (Autobahn 9.x): large
//! messages up to the default 16 MiB limit are echoed in one frame, in many
//! fragments and in many chops; a message or frame over a configured limit
//! fails with 1009 on its header, before any payload is buffered.

use websocket_engine::{FrameError, Limits, ProtocolError};

use crate::harness::*;

const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;

#[test]
fn case_9_1_x_text_in_one_frame() {
    for n in [64 * KIB, 256 * KIB, MIB, 4 * MIB, 16 * MIB] {
        let t = ascii(n);
        run(&[text(&t)]).assert_ok(&[r_text(&t)]);
    }
}

#[test]
fn case_9_2_x_binary_in_one_frame() {
    for n in [64 * KIB, 256 * KIB, MIB, 4 * MIB, 16 * MIB] {
        let b = bytes_of_len(n);
        run(&[binary(&b)]).assert_ok(&[r_binary(&b)]);
    }
}

#[test]
fn case_9_3_x_text_in_fragments_of_every_size() {
    let t = ascii(MIB);
    for size in [64, 256, KIB, 4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, MIB] {
        run(&fragments(TEXT, t.as_bytes(), size)).assert_ok(&[r_text(&t)]);
    }
    let t = ascii(4 * MIB);
    run_joined(&fragments(TEXT, t.as_bytes(), 64 * KIB)).assert_ok(&[r_text(&t)]);
}

#[test]
fn case_9_4_x_binary_in_fragments_of_every_size() {
    let b = bytes_of_len(MIB);
    for size in [64, 256, KIB, 4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, MIB] {
        run(&fragments(BINARY, &b, size)).assert_ok(&[r_binary(&b)]);
    }
    let b = bytes_of_len(16 * MIB);
    run_joined(&fragments(BINARY, &b, 64 * KIB)).assert_ok(&[r_binary(&b)]);
}

#[test]
fn case_9_5_x_and_9_6_x_one_mib_in_chops_of_every_size() {
    let t = ascii(MIB);
    let b = bytes_of_len(MIB);
    for chop in [64, 128, 256, 512, KIB, 2 * KIB, 4 * KIB, 65_537] {
        run_chopped(&[text(&t)], chop).assert_ok(&[r_text(&t)]);
        run_chopped(&[binary(&b)], chop).assert_ok(&[r_binary(&b)]);
    }
}

#[test]
fn case_9_7_x_and_9_8_x_a_thousand_messages_in_a_row() {
    for n in [0, 16, 64, 256, KIB, 4 * KIB] {
        let t = ascii(n);
        let frames = vec![text(&t); 1000];
        let replies = vec![r_text(&t); 1000];
        run_joined(&frames).assert_ok(&replies);
        let b = bytes_of_len(n);
        let frames = vec![binary(&b); 1000];
        let replies = vec![r_binary(&b); 1000];
        run_chopped(&frames, 1400).assert_ok(&replies);
    }
}

fn message_limit(n: usize) -> Limits {
    let mut limits = Limits::default();
    limits.max_message_bytes = n;
    limits
}

#[test]
fn a_message_at_the_limit_passes() {
    let limits = message_limit(1024);
    let t = ascii(1024);
    run_with(&limits, &[text(&t)]).assert_ok(&[r_text(&t)]);
    run_with(&limits, &fragments(TEXT, t.as_bytes(), 100)).assert_ok(&[r_text(&t)]);
    let b = bytes_of_len(1024);
    run_with(&limits, &[binary(&b)]).assert_ok(&[r_binary(&b)]);
    // Control frames between fragments do not count.
    let frames = [
        binary(&b[..1000]).fin(false),
        ping([1; 125]),
        pong([2; 125]),
        cont(&b[1000..]),
    ];
    run_with(&limits, &frames).assert_ok(&[r_pong([1; 125]), r_binary(&b)]);
}

#[test]
fn a_message_over_the_limit_fails_with_1009_on_its_header() {
    let limits = message_limit(1024);
    let err = FrameError::MessageTooLarge { limit: 1024 };
    for f in [
        text(ascii(1025)),
        binary(bytes_of_len(1025)),
        binary(bytes_of_len(70_000)),
    ] {
        let mut sut = Sut::server_with(&limits);
        assert_eq!(
            sut.feed(&f.header()),
            Err(ProtocolError::Frame(err.clone())),
            "{f:?}"
        );
        sut.outcome().assert_failed(&[], err.clone(), 1009);
        run_with(&limits, &[text("small"), f]).assert_failed(&[r_text("small")], err.clone(), 1009);
    }
}

#[test]
fn fragments_adding_up_past_the_limit_fail_on_the_header_of_the_one_that_crosses_it() {
    let limits = message_limit(1024);
    let err = FrameError::MessageTooLarge { limit: 1024 };
    for opcode in [TEXT, BINARY] {
        let mut sut = Sut::server_with(&limits);
        sut.feed(&frame(opcode, ascii(512)).fin(false).bytes()).unwrap();
        sut.feed(&cont(ascii(512)).fin(false).bytes()).unwrap();
        sut.feed(&ping("between").bytes()).unwrap();
        assert_eq!(
            sut.feed(&cont("x").header()),
            Err(ProtocolError::Frame(err.clone()))
        );
        sut.outcome()
            .assert_failed(&[r_pong("between")], err.clone(), 1009);
    }
}

#[test]
fn a_frame_over_the_frame_limit_fails_with_1009_on_its_header() {
    let mut limits = Limits::default();
    limits.max_frame_bytes = 1000;
    let err = FrameError::FrameTooLarge { limit: 1000 };
    // A message of many frames within the limit passes.
    let b = bytes_of_len(5000);
    run_with(&limits, &fragments(BINARY, &b, 1000)).assert_ok(&[r_binary(&b)]);
    for f in [text(ascii(1001)), binary(bytes_of_len(1001)), cont(ascii(1001))] {
        let mut sut = Sut::server_with(&limits);
        if f.opcode == CONT {
            sut.feed(&text("open").fin(false).bytes()).unwrap();
        }
        assert_eq!(
            sut.feed(&f.header()),
            Err(ProtocolError::Frame(err.clone())),
            "{f:?}"
        );
        sut.outcome().assert_failed(&[], err.clone(), 1009);
    }
}

#[test]
fn an_announced_length_of_2_to_the_63_minus_1_fails_with_1009_not_an_allocation() {
    let err = FrameError::FrameTooLarge { limit: 16 * MIB };
    for n in [16 * MIB as u64 + 1, u32::MAX as u64 + 1, (1 << 63) - 1] {
        let f = binary("").announce(n);
        let mut sut = Sut::server();
        assert_eq!(sut.feed(&f.header()), Err(ProtocolError::Frame(err.clone())));
        sut.outcome().assert_failed(&[], err.clone(), 1009);
    }
}
