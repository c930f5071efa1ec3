//! A line client: every stdin line goes out as one text message, every text
//! message received is printed as one line. At the end of stdin it closes
//! (with the closing handshake where the version has one), prints the
//! replies still on their way, and exits 0. A failed handshake or protocol
//! error exits 1 with a one-line reason on stderr.
//!
//! ```text
//! cargo run --release --example client -- URL [--version hixie75|hixie76|rfc6455] [--origin O] [--protocol P]...
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
//! `--version` defaults to `rfc6455`; alone it prints the program's
//! version. `--help` lists every flag with its default.
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

mod cli;
pub(crate) use cli::{closed_cleanly, parse, print_line, Args, Reach};

use std::io::BufRead;
use std::process::exit;
use std::thread;

use websocket_engine::ClientConfig;

fn main() {
    let Args {
        url,
        config,
        echo,
        reach,
        component: in_component,
    } = parse();
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
