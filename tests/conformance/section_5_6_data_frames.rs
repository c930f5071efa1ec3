//! Section 5.6, data frames (Autobahn 1.x): text and binary messages of the
//! lengths around each length encoding's bounds are echoed exactly, however
//! the input is split.

use crate::harness::*;

/// Autobahn's lengths: empty, the 7-bit maximum, the 16-bit range's ends,
/// the 64-bit minimum.
const LENGTHS: [usize; 7] = [0, 125, 126, 127, 128, 65535, 65536];

#[test]
fn case_1_1_1_to_1_1_6_text_of_each_length_is_echoed() {
    for n in LENGTHS {
        let t = ascii(n);
        run(&[text(&t)]).assert_ok(&[r_text(&t)]);
    }
}

#[test]
fn case_1_2_1_to_1_2_6_binary_of_each_length_is_echoed() {
    for n in LENGTHS {
        let b = bytes_of_len(n);
        run(&[binary(&b)]).assert_ok(&[r_binary(&b)]);
    }
}

#[test]
fn case_1_1_7_and_1_2_7_messages_fed_one_byte_at_a_time() {
    for n in LENGTHS {
        let t = ascii(n);
        run_chopped(&[text(&t)], 1).assert_ok(&[r_text(&t)]);
        let b = bytes_of_len(n);
        run_chopped(&[binary(&b)], 1).assert_ok(&[r_binary(&b)]);
    }
}

#[test]
fn case_1_1_8_and_1_2_8_65535_bytes_in_chops_of_997() {
    let t = ascii(65535);
    run_chopped(&[text(&t)], 997).assert_ok(&[r_text(&t)]);
    let b = bytes_of_len(65535);
    run_chopped(&[binary(&b)], 997).assert_ok(&[r_binary(&b)]);
}

#[test]
fn messages_in_one_input_are_echoed_in_order() {
    let frames = [text("one"), binary([1, 2, 3]), text(""), binary([]), text(KOSME)];
    let replies = [
        r_text("one"),
        r_binary([1, 2, 3]),
        r_text(""),
        r_binary([]),
        r_text(KOSME),
    ];
    assert_ok_every_way(&frames, &replies);
}

#[test]
fn replies_use_the_exact_headers_of_rfc_6455_section_5_7() {
    // A single-frame unmasked text message "Hello".
    let mut sut = Sut::server();
    sut.feed(&[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58])
        .unwrap();
    assert_eq!(sut.take_wire(), [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    // 256 bytes binary message in a single unmasked frame.
    sut.feed(&binary([0xAB; 256]).bytes()).unwrap();
    let wire = sut.take_wire();
    assert_eq!(wire[..4], [0x82, 0x7E, 0x01, 0x00]);
    assert_eq!(wire[4..], [0xAB; 256]);
    // 64KiB binary message in a single unmasked frame.
    sut.feed(&binary(vec![0xCD; 65536]).bytes()).unwrap();
    let wire = sut.take_wire();
    assert_eq!(
        wire[..10],
        [0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00]
    );
    assert_eq!(wire.len(), 10 + 65536);
    assert!(wire[10..].iter().all(|&b| b == 0xCD));
}
