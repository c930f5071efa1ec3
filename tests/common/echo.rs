//! Echo both ways, as the suites that pit our servers and clients against
//! each other and against independent peers do it: the messages they
//! send, a native client that checks every echo and the close, and a
//! native server for one connection.

use std::net::TcpListener;
use std::path::PathBuf;
use std::thread;
use std::time::Duration;

use websocket_engine::{ClientConfig, Message, ServerConfig, State, Version};

/// The folder of the independent peers (`tests/interop`): their scripts,
/// `node_modules` and Python virtualenv.
pub fn peers_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("interop")
}

/// The text messages an echo test sends: short, non-ASCII, empty, one of
/// 70 000 bytes (more than one read and, in RFC 6455, a 64-bit length),
/// and a hundred more.
pub fn texts() -> Vec<String> {
    let mut m = vec![
        "hello".to_owned(),
        "wörld ✓".into(),
        String::new(),
        "x".repeat(70_000),
    ];
    m.extend((0..100).map(|i| format!("message {i}")));
    m
}

/// Our blocking client sends every message of [`texts`] to the echo
/// server at `url`, checks that each came back in order, closes, and
/// checks the close (a hixie76 peer answers `FF 00`).
pub fn echo_through(url: &str, version: Version) {
    let mut config = ClientConfig::new(version);
    config.timeouts.close = Duration::from_secs(3);
    let (mut ws, _) = websocket_blocking::connect(url, config).unwrap_or_else(|e| panic!("{version}: {e}"));
    let sent = texts();
    for m in &sent {
        ws.send_text(m).unwrap();
    }
    let mut got = Vec::new();
    while got.len() < sent.len() {
        match ws.read_message().unwrap() {
            Some(Message::Text(t)) => got.push(t.to_string()),
            other => panic!("{version}: unexpected {other:?} after {} echoes", got.len()),
        }
    }
    assert!(got == sent, "{version}: the echoes differ from what was sent");
    ws.close().unwrap();
    let (rest, closed) = super::read_to_end(&mut ws);
    assert_eq!(rest, []);
    assert_eq!(ws.session().state(), State::Closed);
    if version == Version::Hixie76 {
        assert_eq!(closed.map(|c| c.clean), Some(true), "the peer answered FF 00");
    }
}

/// A native echo server for one connection: its address (`host:port`),
/// and a handle that gives how many messages it echoed.
pub fn native_echo_once() -> (String, thread::JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let (mut ws, _) = websocket_blocking::accept(stream, ServerConfig::new()).unwrap();
        let mut n = 0;
        while let Some(message) = ws.read_message().unwrap() {
            ws.send(&message).unwrap();
            n += 1;
        }
        n
    });
    (addr, handle)
}
