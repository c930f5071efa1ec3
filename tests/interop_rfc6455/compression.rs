//! permessage-deflate with the same two peers, compressing both ways, and
//! checked on the wire: a recording relay ([`Tap`]) between the two ends
//! shows each data message's RSV1 bit and its size as sent, so the tests
//! see that the bytes were compressed, with the window and the context
//! takeover agreed, not only that the echoes matched.
//!
//! Besides the sample messages, each side sends the same 2000 random bytes
//! four times over, twice. With a window above 2^10 bytes, the repeats
//! shrink the first copy to about 2000 bytes, and with context takeover
//! the second copy to much less; with windows of 2^9 bytes and no
//! context takeover (`small`), neither copy can shrink.

use super::*;
use common::tap::{Tap, WireMessage};

/// The sizes of the messages the peers' clients send with `--deflate`
/// (py_client.py and ws_client.js), in order.
const PEER_SIZES: [usize; 9] = [5, 25, 0, 256, 0, 229_376, 204_800, 8000, 8000];

/// The two settings the peers' scripts take (`--deflate MODE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// The peer's own defaults.
    Default,
    /// Windows of 2^9 bytes both ways, no context takeover either way.
    Small,
}

impl Mode {
    fn arg(self) -> &'static str {
        match self {
            Mode::Default => "default",
            Mode::Small => "small",
        }
    }
}

/// What the server answers with `small` on both sides of the exchange (ws
/// orders the parameters otherwise).
const SMALL: &str = "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
                     server_max_window_bits=9; client_max_window_bits=9";

/// An extension header's parameters, in order of name.
fn params(header: &str) -> Vec<&str> {
    let mut params: Vec<&str> = header.split(';').map(str::trim).collect();
    params.sort_unstable();
    params
}

/// Checks one direction's data messages against the sizes sent: every
/// message of `threshold` bytes or more was compressed, the two long ones
/// to under a tenth, and the repeats as `mode` implies.
fn check_wire(what: &str, wire: &[WireMessage], sizes: &[usize], threshold: usize, mode: Mode) {
    let summary: Vec<String> = wire
        .iter()
        .zip(sizes)
        .map(|(m, size)| format!("{size}->{}{}", m.wire_len, if m.compressed { "z" } else { "" }))
        .collect();
    let what = format!("{what}: sent size -> wire size (z: RSV1) {summary:?}");
    assert_eq!(wire.len(), sizes.len(), "{what}");
    for (m, &size) in wire.iter().zip(sizes) {
        assert!(m.compressed || size < threshold, "{what}");
    }
    // The long text shrinks to under a tenth. The binary message repeats
    // every 251 bytes, which a window of 2^9 cannot reach (zlib keeps its
    // last 262 bytes out of reach).
    let n = sizes.len();
    assert!(wire[n - 4].wire_len * 10 < sizes[n - 4], "{what}");
    if mode == Mode::Default {
        assert!(wire[n - 3].wire_len * 10 < sizes[n - 3], "{what}");
    }
    let (first, second) = (wire[n - 2].wire_len, wire[n - 1].wire_len);
    match mode {
        // Matches 2000 bytes back, then into the previous message (zlib
        // at level 6 makes about 2100 and 64 bytes, zlib-rs at level 6
        // about 2500 and 960: its faster levels find fewer matches).
        Mode::Default => assert!(first < 3000 && second * 2 < first, "{what}"),
        // No match reaches 2000 bytes back, nor into the previous message.
        Mode::Small => assert!(first > 6000 && second > 6000, "{what}"),
    }
}

/// Runs `peer`'s client with `--deflate MODE` against our server in
/// `server` mode through a tap, and checks the transcript and the wire.
fn peer_client_compresses(peer: Peer, server: &[&str], mode: Mode) {
    if server == COMPONENT {
        component_built();
    }
    let (_server, url) = our_server(server);
    let (tap, url) = Tap::before(&url);
    let what = format!(
        "{peer:?} client --deflate {} against our server {server:?}",
        mode.arg()
    );
    let mut command = peer.command("client");
    command
        .arg(&url)
        .args(["--deflate", mode.arg()])
        .current_dir(peers_dir());
    let out = run_bounded(&what, command, "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Both peers offer a client window without a value by default, which
    // our server then limits to its default of 2^12 bytes.
    let agreed = match mode {
        Mode::Default => "permessage-deflate; client_max_window_bits=12",
        Mode::Small => SMALL,
    };
    let mut transcript = format!("extensions {agreed}\n") + &peer_client_transcript("-");
    let repeats = "echo binary 8000 ok\n".repeat(2);
    transcript.insert_str(transcript.find("pong").unwrap(), &repeats);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        transcript,
        "{what}; its stderr: {stderr}"
    );
    assert!(
        out.status.success(),
        "{what}: {}; its stderr: {stderr}",
        out.status
    );

    let wires = tap.websockets();
    assert_eq!(wires.len(), 1, "{what}");
    assert_eq!(wires[0].extensions().as_deref(), Some(agreed), "{what}");
    // ws compresses from 1024 bytes on; websockets and our server always.
    let threshold = if peer == Peer::Node { 1024 } else { 0 };
    check_wire(
        &format!("{what}, sent"),
        &wires[0].sent(),
        &PEER_SIZES,
        threshold,
        mode,
    );
    check_wire(
        &format!("{what}, echoed"),
        &wires[0].received(),
        &PEER_SIZES,
        0,
        mode,
    );
}

#[test]
fn python_websockets_client_compresses_with_our_servers() {
    for server in [NATIVE, COMPONENT] {
        for mode in [Mode::Default, Mode::Small] {
            peer_client_compresses(Peer::Python, server, mode);
        }
    }
}

#[test]
fn ws_client_compresses_with_our_servers() {
    for server in [NATIVE, COMPONENT] {
        for mode in [Mode::Default, Mode::Small] {
            peer_client_compresses(Peer::Node, server, mode);
        }
    }
}

/// The sample messages, then 2000 pseudo-random bytes four times over,
/// twice.
fn messages_with_repeats() -> Vec<Message> {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let block: Vec<u8> = (0..2000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let repeats = Message::binary(block.repeat(4));
    let mut messages = sample_messages();
    messages.extend([repeats.clone(), repeats]);
    messages
}

/// Our library client (compression on by default) against `peer`'s server
/// with `--deflate MODE`, through a tap.
fn our_client_compresses(peer: Peer, mode: Mode) {
    let mut server = PeerServer::with_args(peer, &["--deflate", mode.arg()]);
    let (tap, url) = Tap::before(&server.url);
    let what = format!("our client against the {peer:?} server --deflate {}", mode.arg());
    let mut config = ClientConfig::new(Version::Rfc6455);
    config.timeouts.close = Duration::from_secs(5);
    let (mut ws, response) =
        blocking::connect(&url, config).unwrap_or_else(|e| panic!("{what}: connecting: {e}"));
    ws.set_read_timeout(Some(LINE_TIMEOUT));
    let agreed = response
        .deflate
        .unwrap_or_else(|| panic!("{what}: no permessage-deflate agreed"));
    let messages = messages_with_repeats();
    for message in &messages {
        ws.send(message).unwrap();
        let event = next_event(&mut ws);
        assert!(
            event == Event::Message(message.clone()),
            "{what}: echoed {} for {}",
            brief(&event),
            brief(&Event::Message(message.clone()))
        );
    }
    close_and_check(&mut ws, &mut server);

    let wires = tap.websockets();
    assert_eq!(wires.len(), 1, "{what}");
    let header = wires[0].extensions().unwrap_or_default();
    if mode == Mode::Small {
        // Our first offer asks for 2^12-byte windows; the peer lowers both.
        assert_eq!(params(&header), params(SMALL), "{what}");
        assert_eq!(
            (agreed.client_max_window_bits, agreed.server_max_window_bits),
            (9, 9),
            "{what}: {agreed:?}"
        );
        assert!(
            agreed.client_no_context_takeover && agreed.server_no_context_takeover,
            "{what}: {agreed:?}"
        );
    }
    let sizes: Vec<usize> = messages.iter().map(Message::len).collect();
    // ws's server compresses from 1024 bytes on; websockets and our client
    // always.
    let threshold = if peer == Peer::Node { 1024 } else { 0 };
    check_wire(&format!("{what}, sent"), &wires[0].sent(), &sizes, 0, mode);
    check_wire(
        &format!("{what}, echoed"),
        &wires[0].received(),
        &sizes,
        threshold,
        mode,
    );
}

#[test]
fn our_client_compresses_with_python_websockets_server() {
    for mode in [Mode::Default, Mode::Small] {
        our_client_compresses(Peer::Python, mode);
    }
}

#[test]
fn our_client_compresses_with_ws_server() {
    for mode in [Mode::Default, Mode::Small] {
        our_client_compresses(Peer::Node, mode);
    }
}
