//! Section 5.2, base framing protocol: the reserved bits (Autobahn 3.x),
//! the reserved opcodes (Autobahn 4.x) and the length encodings. Each rule
//! is checked as soon as the header bytes that break it arrive.

use websocket_engine::FrameError;

use crate::harness::*;

/// Autobahn 3.x: a small text message is echoed, then a frame with RSV set
/// fails the connection with 1002, and the ping after it is not answered.
fn after_a_message(bad: RawFrame, rsv: u8) {
    let frames = [text("Hello, world!"), bad, ping("")];
    assert_failed_every_way(
        &frames,
        &[r_text("Hello, world!")],
        FrameError::ReservedBits { bits: rsv },
        1002,
    );
}

#[test]
fn case_3_1_text_with_rsv_1() {
    run(&[text("Hello, world!").rsv(1)]).assert_failed(&[], FrameError::ReservedBits { bits: 1 }, 1002);
}

#[test]
fn case_3_2_text_with_rsv_2_after_a_message() {
    after_a_message(text("Hello, world!").rsv(2), 2);
}

#[test]
fn case_3_3_text_with_rsv_3_after_a_message_frame_wise() {
    let frames = [text("Hello, world!"), text("Hello, world!").rsv(3), ping("")];
    run(&frames).assert_failed(
        &[r_text("Hello, world!")],
        FrameError::ReservedBits { bits: 3 },
        1002,
    );
}

#[test]
fn case_3_4_text_with_rsv_4_after_a_message_octet_wise() {
    let frames = [text("Hello, world!"), text("Hello, world!").rsv(4), ping("")];
    run_chopped(&frames, 1).assert_failed(
        &[r_text("Hello, world!")],
        FrameError::ReservedBits { bits: 4 },
        1002,
    );
}

#[test]
fn case_3_5_binary_with_rsv_5() {
    run(&[binary([0xff, 0xfe, 0xfd]).rsv(5)]).assert_failed(&[], FrameError::ReservedBits { bits: 5 }, 1002);
}

#[test]
fn case_3_6_ping_with_rsv_6() {
    run(&[ping("Hello").rsv(6)]).assert_failed(&[], FrameError::ReservedBits { bits: 6 }, 1002);
}

#[test]
fn case_3_7_close_with_rsv_7() {
    run(&[close(1000, "").rsv(7)]).assert_failed(&[], FrameError::ReservedBits { bits: 7 }, 1002);
}

#[test]
fn every_rsv_combination_on_every_opcode_fails_after_a_message() {
    for rsv in 1..=7 {
        for bad in [
            text("x"),
            binary("x"),
            ping("x"),
            pong("x"),
            close(1000, "x"),
            close_empty(),
        ] {
            after_a_message(bad.rsv(rsv), rsv);
        }
        // On a continuation of an open message too: the message is dropped.
        let frames = [text("He").fin(false), cont("llo").rsv(rsv)];
        run(&frames).assert_failed(&[], FrameError::ReservedBits { bits: rsv }, 1002);
    }
}

#[test]
fn reserved_bits_fail_on_the_first_two_header_bytes() {
    for rsv in 1..=7 {
        let header = text("a longer payload that never arrives").rsv(rsv).header();
        let mut sut = Sut::server();
        assert_eq!(sut.feed(&header[..1]), Ok(()), "one byte cannot break a rule yet");
        let err = sut.feed(&header[1..2]).unwrap_err();
        assert_eq!(
            err,
            websocket_engine::ProtocolError::Frame(FrameError::ReservedBits { bits: rsv })
        );
        sut.outcome()
            .assert_failed(&[], FrameError::ReservedBits { bits: rsv }, 1002);
    }
}

const RESERVED_DATA: [u8; 5] = [3, 4, 5, 6, 7];
const RESERVED_CONTROL: [u8; 5] = [0xB, 0xC, 0xD, 0xE, 0xF];

#[test]
fn case_4_1_1_and_4_2_1_reserved_opcode_without_payload() {
    for opcode in [3, 0xB] {
        run(&[frame(opcode, "")]).assert_failed(&[], FrameError::UnknownOpcode { opcode }, 1002);
    }
}

#[test]
fn case_4_1_2_and_4_2_2_reserved_opcode_with_payload() {
    for opcode in [4, 0xC] {
        run(&[frame(opcode, "reserved opcode payload")]).assert_failed(
            &[],
            FrameError::UnknownOpcode { opcode },
            1002,
        );
    }
}

#[test]
fn case_4_1_3_to_4_2_5_reserved_opcode_after_a_message_then_a_ping() {
    for opcode in RESERVED_DATA.into_iter().chain(RESERVED_CONTROL) {
        for payload in [&b""[..], b"reserved opcode payload"] {
            let frames = [text("Hello, world!"), frame(opcode, payload), ping("")];
            assert_failed_every_way(
                &frames,
                &[r_text("Hello, world!")],
                FrameError::UnknownOpcode { opcode },
                1002,
            );
        }
    }
}

#[test]
fn reserved_opcodes_fail_on_the_first_byte_pair_and_inside_a_fragmented_message() {
    for opcode in RESERVED_DATA.into_iter().chain(RESERVED_CONTROL) {
        let mut sut = Sut::server();
        let header = frame(opcode, "never sent").header();
        assert_eq!(
            sut.feed(&header[..2]).unwrap_err(),
            websocket_engine::ProtocolError::Frame(FrameError::UnknownOpcode { opcode })
        );
        sut.outcome()
            .assert_failed(&[], FrameError::UnknownOpcode { opcode }, 1002);

        let frames = [text("frag").fin(false), frame(opcode, "x"), cont("ment")];
        run(&frames).assert_failed(&[], FrameError::UnknownOpcode { opcode }, 1002);
    }
}

#[test]
fn lengths_at_each_encodings_bounds_are_accepted() {
    for n in [0, 1, 124, 125, 126, 127, 65534, 65535, 65536, 65537] {
        let b = bytes_of_len(n);
        run(&[binary(&b)]).assert_ok(&[r_binary(&b)]);
    }
}

#[test]
fn a_16_bit_length_below_126_is_not_minimal() {
    for n in [0u64, 1, 125] {
        let f = binary(bytes_of_len(n as usize)).len(Len::Ext16);
        let mut sut = Sut::server();
        // The rule is checked once the header is complete, before the payload.
        assert_eq!(
            sut.feed(&f.header()).unwrap_err(),
            websocket_engine::ProtocolError::Frame(FrameError::NonMinimalLength { len: n })
        );
        sut.outcome()
            .assert_failed(&[], FrameError::NonMinimalLength { len: n }, 1002);
        run(&[f]).assert_failed(&[], FrameError::NonMinimalLength { len: n }, 1002);
    }
}

#[test]
fn a_64_bit_length_below_65536_is_not_minimal() {
    for n in [0u64, 125, 126, 65535] {
        let f = text(ascii(n as usize)).len(Len::Ext64);
        let mut sut = Sut::server();
        assert_eq!(
            sut.feed(&f.header()).unwrap_err(),
            websocket_engine::ProtocolError::Frame(FrameError::NonMinimalLength { len: n })
        );
        run_chopped(&[f], 1).assert_failed(&[], FrameError::NonMinimalLength { len: n }, 1002);
    }
}

#[test]
fn a_64_bit_length_with_its_most_significant_bit_set_overflows() {
    for n in [1u64 << 63, (1 << 63) + 5, u64::MAX] {
        let f = binary("").announce(n).len(Len::Ext64);
        let mut sut = Sut::server();
        assert_eq!(
            sut.feed(&f.header()).unwrap_err(),
            websocket_engine::ProtocolError::Frame(FrameError::LengthOverflow)
        );
        sut.outcome().assert_failed(&[], FrameError::LengthOverflow, 1002);
    }
}

#[test]
fn a_frame_whose_header_is_fed_in_pieces_is_still_checked_whole() {
    // Every split of a 14-byte header (64-bit length and key) and its
    // payload gives the same message.
    let b = bytes_of_len(70000);
    let bytes = binary(&b).key([0x01, 0x80, 0xFE, 0x7F]).bytes();
    for split in 1..16 {
        let mut sut = Sut::server();
        sut.feed(&bytes[..split]).unwrap();
        sut.feed(&bytes[split..]).unwrap();
        sut.outcome().assert_ok(&[r_binary(&b)]);
    }
}
