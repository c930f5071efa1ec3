//! An application component for the `app` world of `websocket:protocol`:
//! it imports `connection` (filled by the library component once composed)
//! and exports `wasi:cli/run`. It runs as
//! `app URL [hixie75|hixie76|rfc6455]` (RFC 6455 unless told, as `client`
//! does): connects, sends every stdin line as a text message, prints every
//! reply as a line, and closes at the end of stdin.
#![cfg(target_arch = "wasm32")]

wit_bindgen::generate!({
    world: "app",
    path: "../../wit",
    with: {
        "wasi:io/error@0.2.12": wasi::io::error,
        "wasi:io/poll@0.2.12": wasi::io::poll,
        "wasi:io/streams@0.2.12": wasi::io::streams,
    },
    generate_all,
});

use std::io::{BufRead, Write};

use websocket::protocol::connection::{connect, Connection};
use websocket::protocol::types::{ClientOptions, Compression, Error, Message, Version};

#[path = "../../common/describe.rs"]
mod describe;
use describe::describe;

struct App;

fn print(message: Message) {
    if let Message::Text(text) = message {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}").and_then(|()| out.flush());
    }
}

fn talk(conn: &Connection) -> Result<(), Error> {
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        conn.send_text(&line)?;
    }
    conn.close()?;
    while let Some(message) = conn.read_message()? {
        print(message);
    }
    Ok(())
}

impl exports::wasi::cli::run::Guest for App {
    fn run() -> Result<(), ()> {
        let args: Vec<String> = std::env::args().collect();
        let (Some(url), version) = (args.get(1), args.get(2)) else {
            eprintln!("usage: app URL [hixie75|hixie76|rfc6455] (default rfc6455)");
            return Err(());
        };
        let version = match version.map_or("rfc6455", String::as_str) {
            "hixie75" => Version::Hixie75,
            "hixie76" => Version::Hixie76,
            "rfc6455" => Version::Rfc6455,
            other => {
                eprintln!("app: unknown version {other:?} (hixie75, hixie76 or rfc6455)");
                return Err(());
            }
        };
        let options = ClientOptions {
            version,
            origin: None,
            protocols: Vec::new(),
            extra_headers: Vec::new(),
            limits: None,
            timeouts: None,
            utf8: None,
            compression: Compression::Defaults,
            proxy: None,
        };
        let result = connect(url, &options).and_then(|conn| {
            // The handshake completes as the connection is driven; reading
            // the first event does that before anything is sent.
            while conn.poll_event()?.is_none() {
                conn.subscribe().block();
            }
            talk(&conn)
        });
        result.map_err(|e| eprintln!("app: {}", describe(e)))
    }
}

export!(App);
