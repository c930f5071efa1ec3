//! A line client: every stdin line goes out as one text message, every text
//! message received is printed as one line. At the end of stdin it closes
//! (with the closing handshake where the version has one), prints the
//! replies still on their way, and exits 0. A failed handshake or protocol
//! error exits 1 with a one-line reason on stderr.
//!
//! ```text
//! cargo run --release --example client -- URL --version hixie75|hixie76|rfc6455 [--origin O] [--protocol P]...
//!     [--ping-interval SECS] [--ping-timeout SECS] [--idle-timeout SECS] [--no-compression] [--compression-level N] [--echo]
//!     [--ca FILE] [--proxy URL] [--component]
//! ```
//!
//! `wss://` URLs are reached over TLS; `--ca FILE` adds the PEM
//! certificates in FILE to the trusted roots. `--proxy URL`
//! (`http://[user:pass@]host:port` for HTTP `CONNECT`,
//! `socks5://[user:pass@]host:port`) reaches the server through a proxy;
//! without it, `https_proxy`, `http_proxy`, `all_proxy` and `no_proxy` in
//! the environment are followed, as curl does.
//!
//! Keepalive is on by default (RFC 6455: a ping after 20 s of silence, and
//! failure if nothing comes within 20 s more); 0 turns a timer off.
//!
//! `--echo` reads no stdin: it sends every message it receives back
//! unchanged (text as text, binary as binary) and exits 0 when the server
//! closes the connection cleanly, as the Autobahn fuzzing server expects
//! of a client under test.
//!
//! `--protocol` may be repeated for RFC 6455, which offers several
//! subprotocols; the hixie versions take one.
//!
//! RFC 6455 offers permessage-deflate unless `--no-compression` is given;
//! `--compression-level N` (0 to 9, default 6) sets zlib's level for what
//! the client sends.
//!
//! `--component` runs the engine as a WebAssembly component inside an
//! embedded wasmtime (it connects with `wasi:sockets`); by default it runs
//! as native code. It builds the component first (a no-op when it is
//! fresh), unless `WEBSOCKET_COMPONENT` names a component file to load.

#[cfg(not(target_arch = "wasm32"))]
mod component;
mod native;
#[cfg(not(target_arch = "wasm32"))]
#[path = "../common/wit.rs"]
mod wit;

use std::io::{BufRead, Write};
use std::process::exit;
use std::thread;
use std::time::Duration;

use websocket_engine::{ClientConfig, Timeouts, Version};

const USAGE: &str =
    "usage: client URL --version hixie75|hixie76|rfc6455 [--origin ORIGIN] [--protocol PROTOCOL]... \
                     [--ping-interval SECS] [--ping-timeout SECS] [--idle-timeout SECS] [--no-compression] [--compression-level N] [--echo] [--ca FILE] [--proxy URL] [--component]";

/// A timer given in seconds to `flag`; 0 turns it off.
fn seconds(flag: &str, value: &str) -> Option<Duration> {
    let secs: u64 = value.parse().unwrap_or_else(|_| {
        eprintln!("client: {flag} takes a whole number of seconds, not {value:?}\n{USAGE}");
        exit(2)
    });
    Some(Duration::from_secs(secs)).filter(|d| !d.is_zero())
}

fn main() {
    let mut url = None;
    let mut version = None;
    let mut origin = None;
    let mut protocols = Vec::new();
    let mut in_component = false;
    let (mut compression, mut level) = (true, None);
    let mut echo = false;
    let mut reach = Reach::default();
    let mut timeouts = Timeouts::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next().unwrap_or_else(|| {
                eprintln!("client: {arg} needs a value\n{USAGE}");
                exit(2)
            })
        };
        match arg.as_str() {
            "--version" => {
                version = Some(value().parse::<Version>().unwrap_or_else(|e| {
                    eprintln!("client: {e}\n{USAGE}");
                    exit(2)
                }))
            }
            "--origin" => origin = Some(value()),
            "--protocol" => protocols.push(value()),
            "--ping-interval" => timeouts.ping_interval = seconds(&arg, &value()),
            "--ping-timeout" => timeouts.ping_timeout = seconds(&arg, &value()),
            "--idle-timeout" => timeouts.idle = seconds(&arg, &value()),
            "--no-compression" => compression = false,
            "--compression-level" => level = Some(value()),
            "--echo" => echo = true,
            "--ca" => reach.ca = Some(value()),
            "--proxy" => reach.proxy = Some(value()),
            "--component" => in_component = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            other if url.is_none() && !other.starts_with("--") => url = Some(other.to_owned()),
            other => {
                eprintln!("client: unexpected argument {other:?}\n{USAGE}");
                exit(2)
            }
        }
    }
    let (Some(url), Some(version)) = (url, version) else {
        eprintln!("client: a URL and --version are required\n{USAGE}");
        exit(2)
    };
    let mut config = ClientConfig::new(version);
    config.origin = origin;
    config.protocols = protocols;
    config.timeouts = timeouts;
    if !compression {
        config.compression.clear();
    }
    if let Some(level) = level {
        let level = level.parse::<u8>().unwrap_or_else(|_| {
            eprintln!("client: --compression-level takes 0 to 9\n{USAGE}");
            exit(2)
        });
        for offer in &mut config.compression {
            *offer = offer.level(level.min(9));
        }
    }
    let result = if in_component {
        run_component(&url, config, echo, &reach)
    } else {
        native::options(&reach).and_then(|options| {
            if echo {
                native::echo(&url, config, &options)
            } else {
                let (tx, rx) = std::sync::mpsc::channel();
                stdin_lines(move |line| tx.send(line).is_ok());
                native::run(&url, config, &options, rx).map_err(|e| e.to_string())
            }
        })
    };
    if let Err(e) = result {
        eprintln!("client: {e}");
        exit(1);
    }
}

/// How to reach the server: `--ca` and `--proxy`.
#[derive(Default)]
struct Reach {
    ca: Option<String>,
    proxy: Option<String>,
}

#[cfg(not(target_arch = "wasm32"))]
fn run_component(url: &str, config: ClientConfig, echo: bool, reach: &Reach) -> Result<(), String> {
    if echo {
        return component::echo(url, config, reach);
    }
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    stdin_lines(move |line| tx.send(line).is_ok());
    component::run(url, config, reach, rx)
}

#[cfg(target_arch = "wasm32")]
fn run_component(_: &str, _: ClientConfig, _: bool, _: &Reach) -> Result<(), String> {
    Err("--component needs a native host".into())
}

/// The end of an echo: fine when the closing handshake completed.
fn closed_cleanly(clean: bool) -> Result<(), String> {
    match clean {
        true => Ok(()),
        false => Err("the connection ended without a clean close".into()),
    }
}

/// Prints one received message as a line.
fn print_line(text: &str) {
    let mut out = std::io::stdout().lock();
    // A closed stdout is no reason to break the protocol.
    let _ = writeln!(out, "{text}").and_then(|()| out.flush());
}

/// Reads stdin's lines on a thread and hands each to `send` until it
/// refuses one; dropping `send` at the end of input tells the receiver.
fn stdin_lines(mut send: impl FnMut(String) -> bool + Send + 'static) {
    thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if !send(line) {
                break;
            }
        }
    });
}
