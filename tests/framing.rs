//! The hixie frame decoder and encoder: exact bytes, limits, and the same
//! frames however the input is split.

use proptest::prelude::*;
use websocket_engine::framing::{hixie, Frame, Utf8Policy};
use websocket_engine::Status;
use websocket_engine::*;

/// Decodes `input` in chunks of `chunk` bytes into owned frames.
fn decode_all(
    version: Version,
    policy: Utf8Policy,
    limits: &Limits,
    input: &[u8],
    chunk: usize,
) -> Result<Vec<String>, FrameError> {
    let mut decoder = hixie::Decoder::new(version, policy, limits);
    let mut out = Vec::new();
    for mut piece in input.chunks(chunk.max(1)) {
        loop {
            match decoder.decode(piece)? {
                Status::Partial => break,
                Status::Complete {
                    value: frame,
                    consumed,
                } => {
                    out.push(describe(&frame));
                    piece = &piece[consumed..];
                }
            }
        }
    }
    Ok(out)
}

fn describe(frame: &Frame<'_>) -> String {
    match frame {
        Frame::Text(t) => format!("text:{t}"),
        Frame::Binary(payload) => format!("bin:80:{payload:?}"),
        Frame::HixieFrame { frame_type, payload } => format!("bin:{frame_type:02x}:{payload:?}"),
        Frame::Ping(p) => format!("ping:{p:?}"),
        Frame::Pong(p) => format!("pong:{p:?}"),
        Frame::Close(_) => "close".into(),
    }
}

#[test]
fn encodings_are_exact() {
    let mut out = Vec::new();
    hixie::encode_text("hé", &mut out);
    assert_eq!(out, b"\x00h\xc3\xa9\xff");
    for (len, prefix) in [
        (0usize, &[0x00][..]),
        (127, &[0x7F]),
        (128, &[0x81, 0x00]),
        (300, &[0x82, 0x2C]),
        (16384, &[0x81, 0x80, 0x00]),
    ] {
        let mut out = Vec::new();
        hixie::encode_binary(0x80, &vec![7; len], &mut out).unwrap();
        assert_eq!(out[0], 0x80);
        assert_eq!(&out[1..1 + prefix.len()], prefix, "length {len}");
        assert_eq!(out.len(), 1 + prefix.len() + len);
    }
    assert_eq!(
        hixie::encode_binary(0x7F, b"", &mut out),
        Err(UsageError::FrameType { frame_type: 0x7F })
    );
    let mut close = Vec::new();
    hixie::encode_close(&mut close);
    assert_eq!(close, [0xFF, 0x00]);
}

#[test]
fn frames_decode_by_kind() {
    let limits = Limits::default();
    let wire = b"\x00one\xff\x05discarded\xff\x80\x03a\xffb\x00\xff\xff\x00";
    assert_eq!(
        decode_all(Version::Hixie76, Utf8Policy::Strict, &limits, wire, usize::MAX).unwrap(),
        ["text:one", "bin:80:[97, 255, 98]", "text:", "close"]
    );
    // In hixie75 an empty 0xFF frame is just a frame.
    assert_eq!(
        decode_all(Version::Hixie75, Utf8Policy::Strict, &limits, b"\xff\x00", 1).unwrap(),
        ["bin:ff:[]"]
    );
    // A non-empty 0xFF frame is data in hixie76 too.
    assert_eq!(
        decode_all(Version::Hixie76, Utf8Policy::Strict, &limits, b"\xff\x01z", 1).unwrap(),
        ["bin:ff:[122]"]
    );
}

#[test]
fn invalid_utf8_is_replaced_or_refused() {
    let limits = Limits::default();
    let wire = b"\x00a\xc3(b\xed\xa0\x80\xff";
    assert_eq!(
        decode_all(Version::Hixie76, Utf8Policy::Replace, &limits, wire, 1).unwrap(),
        ["text:a\u{FFFD}(b\u{FFFD}\u{FFFD}\u{FFFD}"]
    );
    assert_eq!(
        decode_all(Version::Hixie76, Utf8Policy::Strict, &limits, wire, 3),
        Err(FrameError::InvalidUtf8)
    );
}

#[test]
fn limits_bound_buffering_and_lengths() {
    let mut limits = Limits::default();
    limits.max_message_bytes = 4;
    limits.max_frame_bytes = 8;
    let max = Err(FrameError::MessageTooLarge { limit: 4 });
    assert_eq!(
        decode_all(Version::Hixie76, Utf8Policy::Strict, &limits, b"\x00abcd\xff", 1).unwrap(),
        ["text:abcd"]
    );
    assert_eq!(
        decode_all(Version::Hixie76, Utf8Policy::Strict, &limits, b"\x00abcde", 1),
        max
    );
    assert_eq!(
        decode_all(Version::Hixie76, Utf8Policy::Strict, &limits, b"\x00abcde", 100),
        max
    );
    // Discarded sentinel frames are bounded too, though never buffered.
    assert_eq!(
        decode_all(Version::Hixie76, Utf8Policy::Strict, &limits, b"\x01abcde", 2),
        max
    );
    // A length over the limit fails as soon as it is read, before any payload.
    assert_eq!(
        decode_all(Version::Hixie76, Utf8Policy::Strict, &limits, b"\x80\x05", 1),
        max
    );
    assert_eq!(
        decode_all(Version::Hixie76, Utf8Policy::Strict, &limits, b"\x80\x09", 1),
        Err(FrameError::FrameTooLarge { limit: 8 })
    );
    let big = Limits::default();
    let mut huge = vec![0x80];
    huge.extend_from_slice(&[0xFF; 12]);
    assert_eq!(
        decode_all(Version::Hixie76, Utf8Policy::Strict, &big, &huge, 1),
        Err(FrameError::FrameTooLarge {
            limit: big.max_frame_bytes
        })
    );
    let mut unbounded = Limits::default();
    unbounded.max_frame_bytes = usize::MAX;
    unbounded.max_message_bytes = usize::MAX;
    assert_eq!(
        decode_all(Version::Hixie76, Utf8Policy::Strict, &unbounded, &huge, 1),
        Err(FrameError::LengthOverflow)
    );
    // Endless zero digits are refused too.
    let mut zeros = vec![0x80];
    zeros.extend_from_slice(&[0x80; 11]);
    assert_eq!(
        decode_all(Version::Hixie76, Utf8Policy::Strict, &unbounded, &zeros, 1),
        Err(FrameError::LengthOverflow)
    );
}

#[test]
fn whole_frames_are_borrowed_from_the_input() {
    let mut decoder = hixie::Decoder::new(Version::Hixie76, Utf8Policy::Strict, &Limits::default());
    let wire = b"\x00abc\xff";
    let Status::Complete {
        value: Frame::Text(text),
        ..
    } = decoder.decode(wire).unwrap()
    else {
        panic!()
    };
    assert!(matches!(text, std::borrow::Cow::Borrowed(_)));
    assert_eq!(text.as_ptr(), wire[1..].as_ptr());
}

#[derive(Debug, Clone)]
enum Item {
    Text(String),
    Binary(u8, Vec<u8>),
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        any::<String>().prop_map(Item::Text),
        (0x80u8..=0xFE, proptest::collection::vec(any::<u8>(), 0..300)).prop_map(|(t, d)| Item::Binary(t, d)),
    ]
}

proptest! {
    #[test]
    fn any_chunking_gives_the_same_frames(
        items in proptest::collection::vec(item(), 0..20),
        cuts in proptest::collection::vec(any::<usize>(), 0..40),
        close in any::<bool>(),
    ) {
        let mut wire = Vec::new();
        let mut expected = Vec::new();
        for item in &items {
            match item {
                Item::Text(t) => {
                    hixie::encode_text(t, &mut wire);
                    expected.push(format!("text:{t}"));
                }
                Item::Binary(ty, d) => {
                    hixie::encode_binary(*ty, d, &mut wire).unwrap();
                    expected.push(format!("bin:{ty:02x}:{d:?}"));
                }
            }
        }
        if close {
            hixie::encode_close(&mut wire);
            expected.push("close".into());
        }
        let limits = Limits::default();
        let whole = decode_all(Version::Hixie76, Utf8Policy::Strict, &limits, &wire, usize::MAX).unwrap();
        prop_assert_eq!(&whole, &expected);
        prop_assert_eq!(&decode_all(Version::Hixie76, Utf8Policy::Strict, &limits, &wire, 1).unwrap(), &expected);

        // Random cut points.
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
        points.sort_unstable();
        let mut decoder = hixie::Decoder::new(Version::Hixie76, Utf8Policy::Strict, &limits);
        let mut got = Vec::new();
        let mut start = 0;
        for end in points.into_iter().chain([wire.len()]) {
            let mut piece = &wire[start..end];
            start = end;
            while let Status::Complete { value: frame, consumed } = decoder.decode(piece).unwrap() {
                got.push(describe(&frame));
                piece = &piece[consumed..];
            }
        }
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512), chunk in 1usize..64) {
        let mut limits = Limits::default();
        limits.max_message_bytes = 100;
        limits.max_frame_bytes = 100;
        for version in [Version::Hixie75, Version::Hixie76] {
            for policy in [Utf8Policy::Strict, Utf8Policy::Replace] {
                let whole = decode_all(version, policy, &limits, &bytes, usize::MAX);
                let split = decode_all(version, policy, &limits, &bytes, chunk);
                prop_assert_eq!(whole, split);
            }
        }
    }
}
