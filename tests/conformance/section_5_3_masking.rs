//! Section 5.3, client-to-server masking: a server fails on an unmasked
//! frame, a client on a masked one; any key unmasks the payload at any
//! offset; a client masks everything it sends with a fresh key.

use websocket_engine::{FrameError, ProtocolError};

use crate::harness::*;

#[test]
fn an_unmasked_client_frame_fails_on_its_first_two_bytes() {
    for f in [
        text("Hello"),
        binary([1, 2, 3]),
        ping("p"),
        pong("p"),
        close(1000, ""),
        close_empty(),
        text(""),
    ] {
        let f = f.unmasked();
        let mut sut = Sut::server();
        assert_eq!(
            sut.feed(&f.header()[..2]).unwrap_err(),
            ProtocolError::Frame(FrameError::UnmaskedClientFrame)
        );
        sut.outcome()
            .assert_failed(&[], FrameError::UnmaskedClientFrame, 1002);
    }
}

#[test]
fn an_unmasked_frame_after_a_message_or_inside_a_fragmented_one() {
    let frames = [text("Hello"), text("World").unmasked()];
    assert_failed_every_way(&frames, &[r_text("Hello")], FrameError::UnmaskedClientFrame, 1002);
    let frames = [text("Hel").fin(false), cont("lo").unmasked()];
    run(&frames).assert_failed(&[], FrameError::UnmaskedClientFrame, 1002);
}

#[test]
fn a_masked_server_frame_fails_a_client() {
    for f in [text("Hello"), binary([1]), ping(""), pong(""), close(1000, "")] {
        let mut sut = Sut::client();
        assert_eq!(
            sut.feed(&f.header()[..2]).unwrap_err(),
            ProtocolError::Frame(FrameError::MaskedServerFrame)
        );
        let out = sut.outcome();
        out.assert_failed(&[], FrameError::MaskedServerFrame, 1002);
    }
}

#[test]
fn any_key_unmasks_the_payload_whatever_the_chunk_boundaries() {
    let t = format!("{KOSME}: masking at every offset, 0123456789").repeat(3);
    for key in [[0, 0, 0, 0], [0xFF; 4], [0x01, 0x02, 0x04, 0x08], KEY] {
        let frames = [text(&t).key(key), binary(t.as_bytes()).key(key)];
        let replies = [r_text(&t), r_binary(t.as_bytes())];
        assert_ok_every_way(&frames, &replies);
        for chop in [4, 5, 8, 9, 13] {
            run_chopped(&frames, chop).assert_ok(&replies);
        }
    }
}

#[test]
fn each_fragment_and_control_frame_has_its_own_key() {
    let frames = [
        text("frag").fin(false).key([1, 2, 3, 4]),
        ping("ping!").key([5, 6, 7, 8]),
        cont("ment").fin(false).key([9, 10, 11, 12]),
        cont("ed").key([0xA0, 0xB0, 0xC0, 0xD0]),
    ];
    assert_ok_every_way(&frames, &[r_pong("ping!"), r_text("fragmented")]);
}

#[test]
fn a_client_masks_every_frame_with_a_fresh_key() {
    let mut sut = Sut::client();
    sut.feed(&ping("a ping").unmasked().bytes()).unwrap();
    for i in 0..8 {
        sut.conn.send_text(&format!("message {i}")).unwrap();
    }
    sut.conn.send_binary(&[0u8; 300]).unwrap();
    sut.conn.close_with(sut.now, 1001, "going").unwrap();
    let wire = sut.take_wire();
    let frames = parse_by_hand(&wire);
    assert_eq!(frames.len(), 11);
    let mut keys = Vec::new();
    for f in &frames {
        assert!(f.fin);
        assert_eq!(f.rsv, 0);
        keys.push(f.key.expect("a client masks every frame"));
    }
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), frames.len(), "a fresh key for every frame");
    assert_eq!((frames[0].opcode, &frames[0].payload[..]), (PONG, &b"a ping"[..]));
    assert_eq!(
        (frames[1].opcode, &frames[1].payload[..]),
        (TEXT, &b"message 0"[..])
    );
    assert_eq!(
        (frames[9].opcode, &frames[9].payload[..]),
        (BINARY, &[0u8; 300][..])
    );
    assert_eq!(
        (frames[10].opcode, &frames[10].payload[..]),
        (CLOSE, &b"\x03\xe9going"[..])
    );
    // The library's server-side decoder reads the same frames.
    let replies = decode_replies(websocket_engine::Role::Client, &wire);
    assert_eq!(replies[0], r_pong("a ping"));
    assert_eq!(replies[10], Reply::Close(Some(1001), "going".into()));
}

#[test]
fn a_server_never_masks() {
    let mut sut = Sut::server();
    sut.feed(&wire(&[text("a"), binary([1; 200]), ping("p"), close(1000, "")]))
        .unwrap();
    let frames = parse_by_hand(&sut.take_wire());
    assert_eq!(frames.len(), 4);
    for f in frames {
        assert_eq!((f.fin, f.rsv, f.key), (true, 0, None));
    }
}

/// `decode_owned` hands over the buffer a masked or fragmented text message
/// was unmasked into, instead of copying it; the next message starts clean
/// and an invalid one still fails.
#[test]
fn owned_decoding_hands_over_the_unmasked_message() {
    use std::borrow::Cow;
    use websocket_engine::framing::rfc6455::Decoder;
    use websocket_engine::framing::Frame;
    use websocket_engine::Status;
    use websocket_engine::{Limits, Role};

    let mut wire = text("héllo, wörld").bytes();
    wire.extend(text("").fin(false).key([1, 2, 3, 4]).bytes());
    wire.extend(ping("between").bytes());
    wire.extend(cont("fragm").fin(false).bytes());
    wire.extend(cont("ented €").key([9, 8, 7, 6]).bytes());
    wire.extend(text([0xce, 0xba, 0xe1, 0xbd]).bytes());
    let mut decoder = Decoder::new(Role::Server, &Limits::default());
    let mut seen = Vec::new();
    // Three bytes at a time: every message is assembled in the buffer.
    let mut result = Ok(());
    'outer: for mut chunk in wire.chunks(3) {
        loop {
            match decoder.decode_owned(chunk) {
                Ok(Status::Partial) => break,
                Ok(Status::Complete {
                    value: frame,
                    consumed,
                }) => {
                    seen.push(match frame {
                        Frame::Text(Cow::Owned(t)) => format!("owned:{t}"),
                        Frame::Text(Cow::Borrowed(t)) => format!("borrowed:{t}"),
                        Frame::Ping(p) => format!("ping:{}", String::from_utf8_lossy(p)),
                        other => format!("{other:?}"),
                    });
                    chunk = &chunk[consumed..];
                }
                Err(e) => {
                    result = Err(e);
                    break 'outer;
                }
            }
        }
    }
    assert_eq!(seen, ["owned:héllo, wörld", "ping:between", "owned:fragmented €"]);
    assert_eq!(result, Err(FrameError::InvalidUtf8));
}
