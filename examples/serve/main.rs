//! An echo server: every text message and every binary message or
//! length-prefixed frame comes back unchanged. hixie75, hixie76 and RFC 6455
//! are told apart per connection, on one port. A browser opening the
//! server's address gets a page that chats with it (`page.html`).
//!
//! ```text
//! cargo run --release --example serve -- --listen 127.0.0.1:9001 [--origin O]... [--protocol P]... [--native]
//! ```
//!
//! By default the engine runs as a WebAssembly component inside an embedded
//! wasmtime (the component is built for wasm32-wasip2 first); `--native`
//! runs it as native code. Built for wasm32-wasip2 itself, this example is a
//! command component for `wasmtime run -S inherit-network`.

#[cfg(not(target_arch = "wasm32"))]
mod component;
#[cfg(not(target_arch = "wasm32"))]
mod native;
#[cfg(target_arch = "wasm32")]
mod wasi;

use std::process::exit;

const USAGE: &str = "usage: serve --listen ADDR [--origin ORIGIN]... [--protocol PROTOCOL]... [--native]";

/// The command line.
pub struct Args {
    pub listen: String,
    pub origins: Vec<String>,
    pub protocols: Vec<String>,
    pub native: bool,
}

fn parse() -> Args {
    let mut listen = None;
    let (mut origins, mut protocols, mut native) = (Vec::new(), Vec::new(), false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next().unwrap_or_else(|| {
                eprintln!("serve: {arg} needs a value\n{USAGE}");
                exit(2)
            })
        };
        match arg.as_str() {
            "--listen" => listen = Some(value()),
            "--origin" => origins.push(value()),
            "--protocol" => protocols.push(value()),
            "--native" => native = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                exit(0);
            }
            other => {
                eprintln!("serve: unknown argument {other:?}\n{USAGE}");
                exit(2)
            }
        }
    }
    let listen = listen.unwrap_or_else(|| {
        eprintln!("serve: --listen is required\n{USAGE}");
        exit(2)
    });
    Args {
        listen,
        origins,
        protocols,
        native,
    }
}

/// The page served to plain HTTP `GET /` requests.
pub const PAGE: &str = include_str!("page.html");

/// Prints where the server listens: the first line is the WebSocket URL
/// (tests read it), the second the page for a browser.
pub fn announce(addr: impl std::fmt::Display) {
    use std::io::Write;
    // One write, and errors ignored: a reader that stops after the first
    // line must not kill the server.
    let lines =
        format!("listening on ws://{addr}/\nopen http://{addr}/ in a browser to chat with the server\n");
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(lines.as_bytes()).and_then(|()| out.flush());
}

/// True for the failure of a request that only wanted the page (or another
/// plain HTTP resource): not worth a line in the log.
pub fn is_plain_http(e: &websocket_engine::Error) -> bool {
    matches!(
        e,
        websocket_engine::Error::Handshake(websocket_engine::HandshakeError::NotWebSocket { .. })
    )
}

/// Reports a fatal start-up error and exits 1.
pub fn die(what: &str, e: impl std::fmt::Display) -> ! {
    eprintln!("serve: {what}: {e}");
    exit(1)
}

fn main() {
    let args = parse();
    #[cfg(target_arch = "wasm32")]
    wasi::run(args);
    #[cfg(not(target_arch = "wasm32"))]
    if args.native {
        native::run(args)
    } else {
        component::run(args)
    }
}
