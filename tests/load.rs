//! Load with nothing lost: many concurrent connections, each exchanging 100
//! messages of random size and content (text and binary) with a `serve`
//! process, every byte checked on return; the server's peak resident memory
//! is read from /proc and must stay bounded. 1000 connections (a third each
//! hixie75, hixie76 and RFC 6455) against the component server (an instance
//! per connection), the native one, and the WASI 0.3 library component
//! composed with an application (`examples/app-p3`); 5000 (RFC 6455 and
//! hixie76) against `serve` built for wasm32 under the wasmtime CLI, one
//! instance multiplexing them all; 10000 against `serve-p3`, the WASI 0.3
//! command component, one instance with a task per connection. Prints the
//! figures (`cargo test --release --test load -- --nocapture` to see them).
#![cfg(target_os = "linux")]

mod common;

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use websocket_blocking as blocking;
use websocket_engine::{ClientConfig, Entropy, Message, SeededEntropy, Version};

const MESSAGES: usize = 100;
const MAX_SIZE: usize = 2048;

fn random(rng: &mut SeededEntropy, below: usize) -> usize {
    let mut b = [0u8; 8];
    rng.fill(&mut b).unwrap();
    (u64::from_le_bytes(b) % below as u64) as usize
}

fn random_message(rng: &mut SeededEntropy) -> Message {
    const CHARS: [char; 8] = ['a', 'z', ' ', '0', 'é', 'ß', '✓', '🎉'];
    let len = random(rng, MAX_SIZE + 1);
    if random(rng, 3) == 0 {
        let mut data = vec![0u8; len];
        rng.fill(&mut data).unwrap();
        Message::binary(data)
    } else {
        let mut text = String::with_capacity(len);
        while text.len() < len {
            text.push(CHARS[random(rng, CHARS.len())]);
        }
        Message::text(text)
    }
}

/// One client: connects, waits for every other to be connected, then sends
/// each message and checks its echo before the next. Returns the messages
/// that came back equal to what was sent, and their payload bytes.
fn client(
    url: String,
    version: Version,
    id: usize,
    messages: usize,
    everyone: Arc<Barrier>,
) -> (usize, usize) {
    let mut config = ClientConfig::new(version);
    // Thousands of clients share two cores with the server: generous
    // bounds on the handshakes, which are not what is measured.
    config.timeouts.handshake = Duration::from_secs(120);
    config.timeouts.close = Duration::from_secs(60);
    let (mut ws, _) = blocking::connect(&url, config).unwrap_or_else(|e| panic!("client {id}: {e}"));
    everyone.wait();
    let mut rng = SeededEntropy::new(id as u64);
    let (mut echoed, mut bytes) = (0, 0);
    for n in 0..messages {
        let message = random_message(&mut rng);
        ws.send(&message).unwrap();
        let echo = ws
            .read_message()
            .unwrap_or_else(|e| panic!("client {id} message {n}: {e}"));
        if echo.as_ref() == Some(&message) {
            echoed += 1;
            bytes += message.len();
        }
    }
    ws.close().unwrap();
    while ws.read_message().unwrap().is_some() {}
    (echoed, bytes)
}

/// The servers' keepalive, longer than clients may wait at the barrier for
/// the last of thousands to connect (no client reads while it waits).
const KEEPALIVE: [&str; 4] = ["--ping-interval", "60", "--ping-timeout", "60"];

/// What a load is: `connections` clients, speaking `versions` in turn,
/// each sending `messages` messages.
struct Load<'a> {
    connections: usize,
    messages: usize,
    versions: &'a [Version],
}

/// Runs `load` against the server at `url` (process `pid`), every client
/// connected before any sends. One load at a time: in parallel they would
/// measure each other.
fn load(what: &str, url: &str, pid: u32, load: Load, max_rss_mib: f64) {
    let Load {
        connections,
        messages: per_client,
        versions,
    } = load;
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let everyone = Arc::new(Barrier::new(connections));
    let started = Instant::now();
    let clients: Vec<_> = (0..connections)
        .map(|id| {
            let (url, everyone) = (url.to_owned(), everyone.clone());
            let version = versions[id % versions.len()];
            thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || client(url, version, id, per_client, everyone))
                .unwrap()
        })
        .collect();
    let (mut messages, mut bytes) = (0, 0);
    for c in clients {
        let (m, b) = c.join().unwrap();
        messages += m;
        bytes += b;
    }
    let elapsed = started.elapsed();
    let rss = common::memory_kib(pid, "VmHWM") as f64 / 1024.0;
    println!(
        "{what}: {connections} connections, {messages} messages, {:.1} MiB each way, \
         {:.1} s, peak RSS {rss:.0} MiB",
        bytes as f64 / (1024.0 * 1024.0),
        elapsed.as_secs_f64()
    );
    // What every client sent, made again from its seed: each message
    // must have come back whole.
    let sent: usize = (0..connections)
        .map(|id| {
            let mut rng = SeededEntropy::new(id as u64);
            (0..per_client)
                .map(|_| random_message(&mut rng).len())
                .sum::<usize>()
        })
        .sum();
    assert_eq!(
        (messages, bytes),
        (connections * per_client, sent),
        "{what}: messages and bytes echoed unchanged"
    );
    assert!(
        rss < max_rss_mib,
        "{what}: peak RSS {rss:.0} MiB over {max_rss_mib} MiB"
    );
}

fn load_serve(mode: &[&str], max_rss_mib: f64) {
    let server = common::serve(&[mode, &KEEPALIVE[..]].concat());
    let pid = server.process.child.id();
    let every = Load {
        connections: 1000,
        messages: MESSAGES,
        versions: &Version::ALL,
    };
    load(&format!("serve {mode:?}"), &server.url, pid, every, max_rss_mib);
}

#[test]
fn a_thousand_connections_with_the_component_server() {
    load_serve(&[], 1024.0);
}

#[test]
fn a_thousand_connections_with_the_native_server() {
    load_serve(&["--native"], 256.0);
}

/// RFC 6455 and hixie76 clients.
const TWO_VERSIONS: [Version; 2] = [Version::Rfc6455, Version::Hixie76];

#[test]
fn five_thousand_connections_with_one_command_component_under_the_wasmtime_cli() {
    let server = common::serve_command(&[]);
    let busy = Load {
        connections: 5000,
        messages: MESSAGES,
        versions: &TWO_VERSIONS,
    };
    load_under_wasmtime_cli("serve.wasm under wasmtime run", server, busy, 1024.0);
}

/// Ten thousand open at once in one instance, each exchanging ten messages
/// (a hundred each would take minutes of the suite's two cores in the
/// clients' threads alone).
#[test]
fn ten_thousand_connections_with_one_wasi_p3_component_under_the_wasmtime_cli() {
    let server = common::serve_p3(&[]);
    let many = Load {
        connections: 10_000,
        messages: 10,
        versions: &TWO_VERSIONS,
    };
    load_under_wasmtime_cli("serve-p3.wasm under wasmtime run", server, many, 1536.0);
}

/// The WASI 0.3 library component composed with an application
/// (`examples/app-p3`), one instance of each in one component: every
/// message crosses from the application to the library and back.
#[test]
fn a_thousand_connections_with_the_composed_wasi_p3_app_under_the_wasmtime_cli() {
    let server = common::serve_composed_p3();
    let every = Load {
        connections: 1000,
        messages: MESSAGES,
        versions: &Version::ALL,
    };
    load_under_wasmtime_cli("app-p3 + component-p3 under wasmtime run", server, every, 1024.0);
}

/// [`load`] against a command component under the wasmtime CLI.
fn load_under_wasmtime_cli(what: &str, server: common::Server, busy: Load, max_rss_mib: f64) {
    load(what, &server.url, server.process.child.id(), busy, max_rss_mib);
}
