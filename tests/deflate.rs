//! permessage-deflate between two sessions, frame by frame: what goes on
//! the wire (RSV1, sizes, windows), what comes out, and every way a peer's
//! compressed data can break the rules.

mod common;

use std::time::Instant;

use common::{events, output};
use websocket_blocking as blocking;
use websocket_engine::*;

/// A client and a server session, opened with these configurations.
fn pair(client: ClientConfig, server: ServerConfig) -> (Session, Session, Instant) {
    let now = Instant::now();
    let url = WsUrl::parse("ws://example.com/").unwrap();
    let mut c = Session::client(&url, client, &mut SeededEntropy::new(1), now).unwrap();
    let mut s = Session::server(server, now);
    s.handle_input(now, &output(&mut c, now));
    c.handle_input(now, &output(&mut s, now));
    assert_eq!(events(&mut c), [Event::Opened]);
    assert_eq!(events(&mut s), [Event::Opened]);
    (c, s, now)
}

/// One frame's first byte, payload length and (unmasked) payload.
fn frames(wire: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < wire.len() {
        let (b0, b1) = (wire[at], wire[at + 1]);
        let (mut len, mut head) = (usize::from(b1 & 0x7F), 2);
        if len == 126 {
            len = usize::from(u16::from_be_bytes([wire[at + 2], wire[at + 3]]));
            head = 4;
        } else if len == 127 {
            len = u64::from_be_bytes(wire[at + 2..at + 10].try_into().unwrap()) as usize;
            head = 10;
        }
        let mask = (b1 & 0x80 != 0).then(|| {
            let k: [u8; 4] = wire[at + head..at + head + 4].try_into().unwrap();
            head += 4;
            k
        });
        let mut payload = wire[at + head..at + head + len].to_vec();
        if let Some(key) = mask {
            framing::apply_mask(&mut payload, key, 0);
        }
        out.push((b0, payload));
        at += head + len;
    }
    out
}

/// Text that compresses well, as chat and JSON do.
fn json(n: usize) -> String {
    let mut s = String::new();
    let mut i = 0;
    while s.len() < n {
        s.push_str(&format!(
            "{{\"id\":{i},\"user\":\"u{}\",\"text\":\"hello\"}},",
            i % 7
        ));
        i += 1;
    }
    s.truncate(n);
    s
}

#[test]
fn both_sides_agree_on_the_defaults_and_report_them() {
    let (c, s, _) = pair(ClientConfig::default(), ServerConfig::default());
    let expected = DeflateParams {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_max_window_bits: 12,
        client_max_window_bits: 12,
    };
    assert_eq!(c.response().unwrap().deflate, Some(expected));
    assert_eq!(s.request().unwrap().extensions.len(), 3, "three offers");
    let _ = s;
}

#[test]
fn messages_go_compressed_with_rsv1_and_come_back_whole() {
    let (mut c, mut s, now) = pair(ClientConfig::default(), ServerConfig::default());
    for size in [0, 10, 31, 32, 100, 5000, 70_000, 1 << 20] {
        let text = json(size);
        c.send_text(&text).unwrap();
        let wire = output(&mut c, now);
        let sent = frames(&wire);
        assert_eq!(sent.len(), 1);
        let (b0, payload) = &sent[0];
        assert_eq!(b0 & 0x40, 0x40, "RSV1 for {size} bytes");
        if size >= 100 {
            assert!(payload.len() * 3 < size, "{size} bytes became {}", payload.len());
        }
        s.handle_input(now, &wire);
        assert_eq!(
            events(&mut s),
            [Event::Message(Message::Text(text.clone().into()))]
        );
        // And back, server to client.
        s.send_text(&text).unwrap();
        let wire = output(&mut s, now);
        assert_eq!(frames(&wire)[0].0 & 0x40, 0x40);
        c.handle_input(now, &wire);
        assert_eq!(events(&mut c), [Event::Message(Message::Text(text.into()))]);
    }
}

#[test]
fn messages_below_the_minimum_size_go_as_they_are() {
    let server = ServerConfig::new().compression(Some(DeflateConfig::new().min_size(32)));
    let (mut c, mut s, now) = pair(ClientConfig::default(), server);
    for size in [10, 31, 32, 100] {
        let text = json(size);
        s.send_text(&text).unwrap();
        let wire = output(&mut s, now);
        assert_eq!(
            frames(&wire)[0].0 & 0x40 != 0,
            size >= 32,
            "RSV1 for {size} bytes"
        );
        c.handle_input(now, &wire);
        assert_eq!(events(&mut c), [Event::Message(Message::Text(text.into()))]);
    }
}

#[test]
fn context_takeover_shrinks_a_repeat_and_no_takeover_does_not() {
    let sizes = |server: ServerConfig| {
        let (_, mut s, now) = pair(ClientConfig::default(), server);
        let text = json(2000);
        let mut sizes = Vec::new();
        for _ in 0..2 {
            s.send_text(&text).unwrap();
            sizes.push(frames(&output(&mut s, now))[0].1.len());
        }
        sizes
    };
    let taken = sizes(ServerConfig::default());
    assert!(taken[1] * 5 < taken[0], "{taken:?}");
    let reset =
        sizes(ServerConfig::new().compression(Some(DeflateConfig::new().server_no_context_takeover(true))));
    assert_eq!(reset[0], reset[1], "each message starts afresh");
}

#[test]
fn a_message_in_parts_sets_rsv1_on_its_first_frame_only() {
    let (mut c, mut s, now) = pair(ClientConfig::default(), ServerConfig::default());
    let parts = [json(300), json(20), String::new(), json(4000)];
    for (i, part) in parts.iter().enumerate() {
        c.send_text_part(part, i == parts.len() - 1).unwrap();
    }
    let wire = output(&mut c, now);
    let sent = frames(&wire);
    let firsts: Vec<u8> = sent.iter().map(|(b0, _)| b0 & 0xF0).collect();
    assert_eq!(firsts, [0x40, 0x00, 0x00, 0x80], "RSV1 first, FIN last");
    s.handle_input(now, &wire);
    assert_eq!(
        events(&mut s),
        [Event::Message(Message::Text(parts.concat().into()))]
    );
}

#[test]
fn a_decompression_bomb_stops_at_the_limit_with_1009() {
    let limit = 1 << 20;
    let (mut c, mut s, now) = pair(
        ClientConfig::default(),
        ServerConfig::new().max_message_size(limit),
    );
    let bomb = vec![0u8; 15 << 20];
    c.send_binary(&bomb).unwrap();
    let wire = output(&mut c, now);
    assert!(
        wire.len() < 32 << 10,
        "15 MiB of zeros compress to {} bytes",
        wire.len()
    );
    s.handle_input(now, &wire);
    assert_eq!(
        events(&mut s),
        [Event::Failed(FrameError::MessageTooLarge { limit }.into())]
    );
    let close = frames(&output(&mut s, now));
    assert_eq!(close[0].1[..2], 1009u16.to_be_bytes());
}

#[test]
fn a_window_of_8_bits_is_honoured_with_literals_only() {
    // The client asks the server to keep at most 256 bytes of history.
    let client = ClientConfig::default().compression(Some(DeflateConfig::new().server_max_window_bits(8)));
    let (mut c, mut s, now) = pair(client, ServerConfig::default());
    assert_eq!(c.response().unwrap().deflate.unwrap().server_max_window_bits, 8);
    let text = json(20_000);
    s.send_text(&text).unwrap();
    let wire = output(&mut s, now);
    let (b0, payload) = &frames(&wire)[0];
    assert_eq!(b0 & 0x40, 0x40, "still compressed");
    assert!(
        payload.len() < text.len(),
        "Huffman coding alone still saves bytes"
    );
    // A decoder with a 256-byte window reads it: no reference reaches back.
    let mut inflate = zlib_rs::Inflate::new(false, 8);
    let mut data = payload.clone();
    data.extend_from_slice(&[0, 0, 0xFF, 0xFF]);
    let mut out = vec![0u8; text.len() + 64];
    inflate
        .decompress(&data, &mut out, zlib_rs::InflateFlush::SyncFlush)
        .expect("a 256-byte window suffices");
    assert_eq!(&out[..inflate.total_out() as usize], text.as_bytes());
    c.handle_input(now, &wire);
    assert_eq!(events(&mut c), [Event::Message(Message::Text(text.into()))]);
}

#[test]
fn off_on_either_side_means_plain_frames() {
    for (client, server) in [
        (ClientConfig::default().compression(None), ServerConfig::default()),
        (ClientConfig::default(), ServerConfig::new().compression(None)),
    ] {
        let (mut c, _, now) = pair(client, server);
        assert_eq!(c.response().unwrap().deflate, None);
        c.send_text(&json(1000)).unwrap();
        assert_eq!(frames(&output(&mut c, now))[0].0, 0x81);
    }
}

/// A server-to-client frame with these first bits and payload.
fn server_frame(b0: u8, payload: &[u8]) -> Vec<u8> {
    let mut wire = vec![b0, payload.len() as u8];
    wire.extend_from_slice(payload);
    wire
}

#[test]
fn broken_compressed_frames_fail_with_their_rule() {
    let cases: [(Vec<u8>, FrameError); 4] = [
        // Not DEFLATE: block type 3 is reserved.
        (
            server_frame(0xC1, &[0xFF, 0xFF]),
            FrameError::InvalidCompressedData,
        ),
        // RSV1 on a control frame.
        (server_frame(0xC9, b""), FrameError::ReservedBits { bits: 4 }),
        // RSV1 on a continuation.
        (
            [server_frame(0x41, &[0x02, 0x00]), server_frame(0xC0, &[0x00])].concat(),
            FrameError::ReservedBits { bits: 4 },
        ),
        // RSV2 is no extension's.
        (server_frame(0xA1, b"x"), FrameError::ReservedBits { bits: 2 }),
    ];
    for (wire, error) in cases {
        let (mut c, _, now) = pair(ClientConfig::default(), ServerConfig::default());
        c.handle_input(now, &wire);
        assert_eq!(
            events(&mut c),
            [Event::Failed(error.clone().into())],
            "{wire:02x?}"
        );
        let close = frames(&output(&mut c, now));
        assert_eq!(close[0].1[..2], error.close_code().to_be_bytes());
    }
}

#[test]
fn serve_accepts_compression_unless_told_not_to() {
    for (args, expected) in [
        (&["--native"][..], Some(12)),
        (&["--native", "--no-compression"][..], None),
        // The component in embedded wasmtime, through the WIT options.
        (&[][..], Some(12)),
        (&["--no-compression"][..], None),
    ] {
        let server = common::serve(args);
        let (mut ws, response) = blocking::connect(&server.url, ClientConfig::default()).unwrap();
        assert_eq!(
            response.deflate.map(|d| d.client_max_window_bits),
            expected,
            "{args:?}"
        );
        ws.send_text(&json(10_000)).unwrap();
        assert_eq!(
            ws.read_message().unwrap(),
            Some(Message::Text(json(10_000).into()))
        );
        ws.close().unwrap();
    }
}

#[test]
fn empty_messages_and_parts_after_others_stay_in_step() {
    let (mut c, _, now) = pair(ClientConfig::default(), ServerConfig::default());
    // An empty message after another flushes nothing new; an empty last
    // part likewise. Either must still end its message for the peer.
    let texts = [
        "hello".to_owned(),
        String::new(),
        String::new(),
        "z".repeat(200_000),
        json(70_000),
    ];
    for t in &texts {
        c.send_text(t).unwrap();
    }
    c.send_text_part("abc", false).unwrap();
    c.send_text_part("", true).unwrap();
    let wire = output(&mut c, now);
    let mut expected: Vec<Event> = texts
        .iter()
        .map(|t| Event::Message(Message::Text(t.clone().into())))
        .collect();
    expected.push(Event::Message(Message::Text("abc".into())));
    for piece in [1, 7, 1500, wire.len()] {
        let (_, mut s2, now) = pair(ClientConfig::default(), ServerConfig::default());
        let mut got = Vec::new();
        for chunk in wire.chunks(piece) {
            s2.handle_input(now, chunk);
            got.extend(events(&mut s2));
        }
        // Compare lengths first: a failure must not print 200 KB.
        let sizes = |events: &[Event]| {
            events
                .iter()
                .map(|e| match e {
                    Event::Message(m) => m.as_text().map_or(usize::MAX, str::len),
                    _ => usize::MAX,
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(sizes(&got), sizes(&expected), "pieces of {piece}");
        assert!(got == expected, "pieces of {piece}");
    }
}

#[test]
fn an_accept_can_decline_compression_for_one_connection() {
    let now = Instant::now();
    let url = WsUrl::parse("ws://example.com/").unwrap();
    for compression in [true, false] {
        let mut c = Session::client(&url, ClientConfig::default(), &mut SeededEntropy::new(1), now).unwrap();
        let mut s = Session::server(ServerConfig::default().defer_decisions(true), now);
        s.handle_input(now, &output(&mut c, now));
        assert!(matches!(events(&mut s)[..], [Event::Request(_)]));
        s.decide(now, Decision::Accept(Accept::new().compression(compression)))
            .unwrap();
        let response = output(&mut s, now);
        let head = String::from_utf8_lossy(&response).to_ascii_lowercase();
        assert_eq!(head.contains("sec-websocket-extensions"), compression, "{head}");
        c.handle_input(now, &response);
        assert_eq!(c.response().unwrap().deflate.is_some(), compression);
        // The server's frames follow the answer: RSV1 only when accepted.
        s.send_text(&json(1000)).unwrap();
        let wire = output(&mut s, now);
        assert_eq!(frames(&wire)[0].0 & 0x40 != 0, compression);
        c.handle_input(now, &wire);
        assert_eq!(
            events(&mut c),
            [Event::Opened, Event::Message(Message::Text(json(1000).into()))]
        );
    }
}

#[test]
fn sessions_opened_elsewhere_compress_as_agreed() {
    let now = Instant::now();
    let agreed = DeflateParams {
        client_no_context_takeover: true,
        client_max_window_bits: 9,
        ..DeflateParams::default()
    };
    let mut c = Session::open_client(
        &ClientConfig::default(),
        &mut SeededEntropy::new(1),
        Some(agreed),
        now,
    )
    .unwrap();
    let mut s = Session::open_server(Version::Rfc6455, &ServerConfig::default(), Some(agreed), now);
    let _ = (events(&mut c), events(&mut s));
    let text = json(20_000);
    for _ in 0..2 {
        c.send_text(&text).unwrap();
        let wire = output(&mut c, now);
        let (b0, payload) = &frames(&wire)[0];
        assert_eq!(b0 & 0x40, 0x40);
        // No context takeover on the client's side: both copies cost alike.
        assert!(
            payload.len() * 3 < text.len() && payload.len() > 500,
            "{}",
            payload.len()
        );
        s.handle_input(now, &wire);
        assert_eq!(
            events(&mut s),
            [Event::Message(Message::Text(text.clone().into()))]
        );
    }
    // The server keeps its window: the repeat shrinks (1861 to 269 bytes).
    let sizes: Vec<usize> = (0..2)
        .map(|_| {
            s.send_text(&text).unwrap();
            let wire = output(&mut s, now);
            c.handle_input(now, &wire);
            assert_eq!(
                events(&mut c),
                [Event::Message(Message::Text(text.clone().into()))]
            );
            frames(&wire)[0].1.len()
        })
        .collect();
    assert!(sizes[1] * 4 < sizes[0], "{sizes:?}");
    // Without agreed parameters, plain frames.
    let mut plain = Session::open_server(Version::Rfc6455, &ServerConfig::default(), None, now);
    plain.send_text(&text).unwrap();
    assert_eq!(frames(&output(&mut plain, now))[0].0, 0x81);
}

/// `--compression-level` reaches the compressor on both command lines, for
/// the native engine and the component: level 0 stores (the message grows
/// by a few bytes), the default shrinks it. Seen on the wire by a relay.
#[test]
fn serve_and_client_take_a_compression_level() {
    use common::tap::Tap;
    let text = json(10_000);
    for (mode, client_mode) in [(&["--native"][..], &[][..]), (&[][..], &["--component"][..])] {
        for level in [None, Some("0")] {
            let mut args = mode.to_vec();
            args.extend(level.map(|l| ["--compression-level", l]).into_iter().flatten());
            let server = common::serve(&args);
            let (tap, url) = Tap::before(&server.url);
            let mut client_args = vec!["--version", "rfc6455"];
            client_args.extend_from_slice(client_mode);
            client_args.extend(level.map(|l| ["--compression-level", l]).into_iter().flatten());
            let out = common::client(&url, &client_args, &format!("{text}\n"));
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{text}\n"));
            let wires = tap.websockets();
            let (sent, echoed) = (&wires[0].sent()[0], &wires[0].received()[0]);
            assert!(sent.compressed && echoed.compressed, "{args:?}");
            for m in [sent, echoed] {
                match level {
                    Some(_) => assert!(m.wire_len >= text.len(), "{args:?}: {m:?}"),
                    None => assert!(m.wire_len * 3 < text.len(), "{args:?}: {m:?}"),
                }
            }
        }
    }
}

#[test]
fn a_sans_io_accept_without_compression_agrees_to_none() {
    let url = WsUrl::parse("ws://example.com/").unwrap();
    let client = ClientHandshake::new(&url, ClientConfig::default(), &mut SeededEntropy::new(1)).unwrap();
    for compression in [true, false] {
        let mut server = ServerHandshake::new(ServerConfig::default());
        server.handle_input(client.request()).unwrap();
        assert!(
            server.deflate().is_some(),
            "offered and accepted by the configuration"
        );
        let response = server.accept(&Accept::new().compression(compression)).unwrap();
        let head = String::from_utf8_lossy(&response).to_ascii_lowercase();
        assert_eq!(head.contains("sec-websocket-extensions"), compression, "{head}");
        assert_eq!(server.deflate().is_some(), compression);
    }
}
