//! Section 8.1, handling errors in UTF-8 data (Autobahn 6.x): text must be
//! valid UTF-8 across the whole message, and a server fails with 1007 as
//! soon as the bytes it has read cannot begin valid UTF-8 (Autobahn 6.4:
//! "fail fast"), before the rest of the frame or message arrives.

use websocket_engine::{FrameError, ProtocolError, State};

use crate::harness::*;

/// Autobahn's valid texts: 6.2.1, 6.5.1, the first (6.7) and last (6.9)
/// sequence of each length, other boundaries (6.11), noncharacters (6.22)
/// and specials (6.23).
const VALID: &[&[u8]] = &[
    b"Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!",
    b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5",
    b"\x00",
    b"\xc2\x80",
    b"\xe0\xa0\x80",
    b"\xf0\x90\x80\x80",
    b"\x7f",
    b"\xdf\xbf",
    b"\xef\xbf\xbf",
    b"\xf4\x8f\xbf\xbf",
    b"\xed\x9f\xbf",
    b"\xee\x80\x80",
    b"\xef\xbf\xbd",
    b"\xef\xbf\xbe",
    b"\xf0\x9f\xbf\xbe",
    b"\xf0\x9f\xbf\xbf",
    b"\xf3\xbf\xbf\xbf",
    b"\xf4\x8f\xbf\xbe",
    b"\xef\xbb\xbf",
];

/// Autobahn's invalid texts: 6.3.1, 6.8 (5- and 6-byte forms), 6.10
/// (beyond U+10FFFF), 6.11.5, 6.12 (lone continuation bytes), 6.13 (lone
/// start bytes), 6.14 and 6.15 (sequences missing their last byte), 6.16
/// (0xFE, 0xFF), 6.17 to 6.19 (overlong forms), 6.20 and 6.21 (UTF-16
/// surrogates).
fn invalid() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = [
        &b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64"[..],
        b"\xf8\x88\x80\x80\x80",
        b"\xfc\x84\x80\x80\x80\x80",
        b"\xf7\xbf\xbf\xbf",
        b"\xfb\xbf\xbf\xbf\xbf",
        b"\xfd\xbf\xbf\xbf\xbf\xbf",
        b"\xf4\x90\x80\x80",
        b"\x80",
        b"\xbf",
        b"\x80\xbf",
        b"\x80\xbf\x80",
        b"\x80\xbf\x80\xbf",
        b"\x80\xbf\x80\xbf\x80",
        b"\x80\xbf\x80\xbf\x80\xbf",
        b"\x80\xbf\x80\xbf\x80\xbf\x80",
        b"\xc0",
        b"\xe0\x80",
        b"\xf0\x80\x80",
        b"\xf8\x80\x80\x80",
        b"\xfc\x80\x80\x80\x80",
        b"\xdf",
        b"\xef\xbf",
        b"\xf7\xbf\xbf",
        b"\xfb\xbf\xbf\xbf",
        b"\xfd\xbf\xbf\xbf\xbf",
        b"\xfe",
        b"\xff",
        b"\xfe\xfe\xff\xff",
        b"\xc0\xaf",
        b"\xe0\x80\xaf",
        b"\xf0\x80\x80\xaf",
        b"\xf8\x80\x80\x80\xaf",
        b"\xfc\x80\x80\x80\x80\xaf",
        b"\xc1\xbf",
        b"\xe0\x9f\xbf",
        b"\xf0\x8f\xbf\xbf",
        b"\xf8\x87\xbf\xbf\xbf",
        b"\xfc\x83\xbf\xbf\xbf\xbf",
        b"\xc0\x80",
        b"\xe0\x80\x80",
        b"\xf0\x80\x80\x80",
        b"\xf8\x80\x80\x80\x80",
        b"\xfc\x80\x80\x80\x80\x80",
        b"\xed\xa0\x80",
        b"\xed\xad\xbf",
        b"\xed\xae\x80",
        b"\xed\xaf\xbf",
        b"\xed\xb0\x80",
        b"\xed\xbe\x80",
        b"\xed\xbf\xbf",
        b"\xed\xa0\x80\xed\xb0\x80",
        b"\xed\xa0\x80\xed\xbf\xbf",
        b"\xed\xad\xbf\xed\xb0\x80",
        b"\xed\xad\xbf\xed\xbf\xbf",
        b"\xed\xae\x80\xed\xb0\x80",
        b"\xed\xae\x80\xed\xbf\xbf",
        b"\xed\xaf\xbf\xed\xb0\x80",
        b"\xed\xaf\xbf\xed\xbf\xbf",
        b"\xf5\x80\x80\x80",
    ]
    .iter()
    .map(|s| s.to_vec())
    .collect();
    // 6.12.8: all 64 continuation bytes.
    v.push((0x80..=0xBF).collect());
    // 6.13.1 to 6.13.5: every start byte followed by a space.
    for range in [0xC0..=0xDF, 0xE0..=0xEF, 0xF0..=0xF7, 0xF8..=0xFB, 0xFC..=0xFD] {
        v.push(range.flat_map(|b| [b, b' ']).collect());
    }
    // 6.15.1: the sequences of 6.14, concatenated.
    v.push(b"\xc0\xe0\x80\xf0\x80\x80\xf8\x80\x80\x80\xfc\x80\x80\x80\x80\xdf\xef\xbf\xf7\xbf\xbf\xfb\xbf\xbf\xbf\xfd\xbf\xbf\xbf\xbf".to_vec());
    // 6.6.x: every prefix of "κόσμε" that ends inside a character.
    let k = KOSME.as_bytes();
    for end in 1..k.len() {
        if !KOSME.is_char_boundary(end) {
            v.push(k[..end].to_vec());
        }
    }
    v
}

/// The index of the byte of `p` on which a strict reader knows `p` is not
/// UTF-8: the first byte after which no continuation could make it valid,
/// or else the last byte (the message ends inside a sequence).
fn fails_at(p: &[u8]) -> usize {
    assert!(std::str::from_utf8(p).is_err(), "{p:02x?} is invalid");
    (0..p.len())
        .find(|&k| matches!(std::str::from_utf8(&p[..=k]), Err(e) if e.error_len().is_some()))
        .unwrap_or(p.len() - 1)
}

#[test]
fn the_table_is_what_it_claims() {
    for v in VALID {
        assert!(std::str::from_utf8(v).is_ok(), "{v:02x?}");
    }
    let invalid = invalid();
    let mut distinct = invalid.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), invalid.len(), "no case twice");
    // Each invalid text fails somewhere, some only at their end.
    let at_end = invalid.iter().filter(|p| fails_at(p) == p.len() - 1).count();
    assert!(at_end > 5 && at_end < invalid.len());
}

#[test]
fn case_6_1_empty_text_in_every_shape() {
    let frames = [text("")];
    assert_ok_every_way(&frames, &[r_text("")]);
    let frames = [text("").fin(false), cont("").fin(false), cont("")];
    assert_ok_every_way(&frames, &[r_text("")]);
    let frames = [text("").fin(false), cont("middle").fin(false), cont("")];
    assert_ok_every_way(&frames, &[r_text("middle")]);
}

#[test]
fn valid_texts_are_echoed_whole_chopped_and_in_one_byte_fragments() {
    for v in VALID {
        let t = std::str::from_utf8(v).unwrap();
        assert_ok_every_way(&[text(v)], &[r_text(t)]);
        assert_ok_every_way(&fragments(TEXT, v, 1), &[r_text(t)]);
        // Surrounded by other text, as Autobahn sends some of them.
        let wrapped = format!("{KOSME}{t}edited");
        run_chopped(&[text(&wrapped)], 1).assert_ok(&[r_text(&wrapped)]);
    }
}

#[test]
fn a_valid_text_split_across_fragments_or_chunks_at_every_byte_is_accepted() {
    let t = format!("a{KOSME}\u{10ffff}\u{20ac}\u{1d11e}\u{7ff}\u{800}\u{ffff}\u{10000}z");
    let b = t.as_bytes();
    for i in 0..=b.len() {
        // Two fragments.
        let frames = [text(&b[..i]).fin(false), cont(&b[i..])];
        run(&frames).assert_ok(&[r_text(&t)]);
        // One frame in two chunks (the header comes with the first).
        let bytes = text(b).bytes();
        let mut sut = Sut::server();
        let header = text(b).header().len();
        sut.feed(&bytes[..header + i]).unwrap();
        sut.feed(&bytes[header + i..]).unwrap();
        sut.outcome().assert_ok(&[r_text(&t)]);
        // Three fragments.
        for j in i..=b.len() {
            let frames = [text(&b[..i]).fin(false), cont(&b[i..j]).fin(false), cont(&b[j..])];
            run(&frames).assert_ok(&[r_text(&t)]);
        }
    }
}

#[test]
fn invalid_texts_fail_with_1007() {
    for p in invalid() {
        run(&[text(&p)]).assert_failed(&[], FrameError::InvalidUtf8, 1007);
        run_joined(&[text(&p)]).assert_failed(&[], FrameError::InvalidUtf8, 1007);
        // Autobahn 6.3.1's shape: between valid text.
        let mut wrapped = KOSME.as_bytes().to_vec();
        wrapped.extend_from_slice(&p);
        wrapped.extend_from_slice(b"edited");
        run(&[text("first"), text(&wrapped)]).assert_failed(
            &[r_text("first")],
            FrameError::InvalidUtf8,
            1007,
        );
        // A binary message is not text: the same bytes are echoed.
        run(&[binary(&p)]).assert_ok(&[r_binary(&p)]);
    }
}

#[test]
fn invalid_texts_fail_on_the_very_byte_that_makes_them_invalid() {
    for p in invalid() {
        let at = fails_at(&p);
        // One frame, its payload one byte at a time; a frame announcing more
        // shows that the rest of the payload is not waited for.
        for extra in [0, 1000] {
            let mut f = text(&p);
            f.announce = Some((p.len() + extra) as u64);
            let bytes = f.bytes();
            let header = f.header().len();
            let mut sut = Sut::server();
            sut.feed(&bytes[..header]).unwrap();
            for (i, b) in p.iter().enumerate() {
                let fed = sut.feed(&[*b ^ bytes_key(i)]);
                if i < at || (extra > 0 && i == p.len() - 1 && at == p.len() - 1 && fails_only_at_end(&p)) {
                    assert_eq!(fed, Ok(()), "{p:02x?}: byte {i} of {}", p.len());
                    if i == p.len() - 1 {
                        // Incomplete at the end of what came: the frame goes on.
                        break;
                    }
                } else {
                    assert_eq!(
                        fed,
                        Err(ProtocolError::Frame(FrameError::InvalidUtf8)),
                        "{p:02x?}: byte {i}"
                    );
                    sut.outcome().assert_failed(&[], FrameError::InvalidUtf8, 1007);
                    break;
                }
            }
        }
        // One byte per fragment.
        let frames = fragments(TEXT, &p, 1);
        let mut sut = Sut::server();
        for (i, f) in frames.iter().enumerate() {
            let fed = sut.feed(&f.bytes());
            if i < at {
                assert_eq!(fed, Ok(()), "{p:02x?}: fragment {i}");
            } else {
                assert_eq!(
                    fed,
                    Err(ProtocolError::Frame(FrameError::InvalidUtf8)),
                    "{p:02x?}: fragment {i}"
                );
                break;
            }
        }
        sut.outcome().assert_failed(&[], FrameError::InvalidUtf8, 1007);
    }
}

/// The masking key byte for payload byte `i` (the harness's default key).
fn bytes_key(i: usize) -> u8 {
    KEY[i % 4]
}

/// True when `p` is a valid prefix that only its end makes invalid.
fn fails_only_at_end(p: &[u8]) -> bool {
    matches!(std::str::from_utf8(p), Err(e) if e.error_len().is_none())
}

#[test]
fn an_invalid_sequence_split_across_fragments_fails_on_the_fragment_that_completes_it() {
    for p in invalid() {
        let at = fails_at(&p);
        for split in 0..=p.len() {
            let mut first = b"ab".to_vec();
            first.extend_from_slice(&p[..split]);
            let mut second = p[split..].to_vec();
            second.extend_from_slice(b"cd");
            let frames = [text(&first).fin(false), cont(&second)];
            let mut sut = Sut::server();
            let expect_first = if at < split && !(at == p.len() - 1 && fails_only_at_end(&p)) {
                Err(ProtocolError::Frame(FrameError::InvalidUtf8))
            } else {
                Ok(())
            };
            assert_eq!(
                sut.feed(&frames[0].bytes()),
                expect_first,
                "{p:02x?} split at {split}"
            );
            if expect_first.is_ok() {
                assert_eq!(
                    sut.feed(&frames[1].bytes()),
                    Err(ProtocolError::Frame(FrameError::InvalidUtf8)),
                    "{p:02x?} split at {split}"
                );
            }
            sut.outcome().assert_failed(&[], FrameError::InvalidUtf8, 1007);
        }
    }
}

/// Autobahn 6.4.1 to 6.4.4's parts: "κόσμε", then U+110000 in the form
/// UTF-8 would give it (`f4 90 80 80`), then "edited".
fn parts(split_inside: bool) -> [Vec<u8>; 3] {
    let k = KOSME.as_bytes().to_vec();
    if split_inside {
        // 6.4.2, 6.4.4: the first part ends with the sequence's lead byte.
        [
            [&k[..], b"\xf4"].concat(),
            b"\x90".to_vec(),
            b"\x80\x80edited".to_vec(),
        ]
    } else {
        [k, b"\xf4\x90\x80\x80".to_vec(), b"edited".to_vec()]
    }
}

#[test]
fn case_6_4_1_and_6_4_2_fail_fast_on_the_second_of_three_fragments() {
    for split_inside in [false, true] {
        let [a, b, c] = parts(split_inside);
        let mut sut = Sut::server();
        assert_eq!(sut.feed(&text(&a).fin(false).bytes()), Ok(()));
        assert_eq!(
            sut.feed(&cont(&b).fin(false).bytes()),
            Err(ProtocolError::Frame(FrameError::InvalidUtf8)),
            "the second fragment fails before the third is sent"
        );
        // The close frame is queued already, and the third changes nothing.
        assert_eq!(sut.replies(), [r_close(1007)]);
        assert_eq!(
            sut.feed(&cont(&c).bytes()),
            Err(ProtocolError::Frame(FrameError::InvalidUtf8))
        );
        assert_eq!(sut.replies(), []);
        assert_eq!(sut.conn.state(), State::Closed);
    }
}

#[test]
fn case_6_4_3_and_6_4_4_fail_fast_on_the_second_of_three_chops_of_one_frame() {
    for split_inside in [false, true] {
        let [a, b, c] = parts(split_inside);
        let whole = [&a[..], &b, &c].concat();
        let bytes = text(&whole).bytes();
        let cut1 = bytes.len() - whole.len() + a.len();
        let cut2 = cut1 + b.len();
        let mut sut = Sut::server();
        assert_eq!(sut.feed(&bytes[..cut1]), Ok(()));
        assert_eq!(
            sut.feed(&bytes[cut1..cut2]),
            Err(ProtocolError::Frame(FrameError::InvalidUtf8)),
            "the second chop fails before the third is sent"
        );
        assert_eq!(sut.replies(), [r_close(1007)]);
        assert_eq!(
            sut.feed(&bytes[cut2..]),
            Err(ProtocolError::Frame(FrameError::InvalidUtf8))
        );
        assert_eq!(sut.replies(), []);
        assert_eq!(sut.conn.state(), State::Closed);
    }
}

#[test]
fn fail_fast_inside_a_large_frame_without_its_payload() {
    // A 1 MiB frame whose 101st byte is invalid fails on the first 101 bytes.
    let mut payload = ascii(100).into_bytes();
    payload.push(0xC0);
    let f = text(&payload).announce(1 << 20);
    let mut sut = Sut::server();
    assert_eq!(
        sut.feed(&f.bytes()),
        Err(ProtocolError::Frame(FrameError::InvalidUtf8))
    );
    sut.outcome().assert_failed(&[], FrameError::InvalidUtf8, 1007);
    // The same in the second fragment of a message.
    let mut sut = Sut::server();
    assert_eq!(sut.feed(&text("fine so far").fin(false).bytes()), Ok(()));
    assert_eq!(
        sut.feed(&cont(&payload).fin(false).announce(1 << 20).bytes()),
        Err(ProtocolError::Frame(FrameError::InvalidUtf8))
    );
    sut.outcome().assert_failed(&[], FrameError::InvalidUtf8, 1007);
}

#[test]
fn case_6_6_x_every_prefix_of_kosme_fed_one_byte_at_a_time() {
    let k = KOSME.as_bytes();
    for end in 1..=k.len() {
        let out = run_chopped(&[text(&k[..end])], 1);
        if KOSME.is_char_boundary(end) {
            out.assert_ok(&[r_text(&KOSME[..end])]);
        } else {
            out.assert_failed(&[], FrameError::InvalidUtf8, 1007);
        }
    }
}
