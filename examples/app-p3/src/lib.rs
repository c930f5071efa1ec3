//! An application component for the `app` world of
//! `websocket:protocol@0.2.0`: it imports the async `connection` (filled by
//! the WASI 0.3 library component once composed) and exports
//! `wasi:cli/run@0.3`. It runs as `app-p3 --listen ADDR`: listens on
//! `ADDR` (`ip:port`), prints `listening on ws://ADDR/` as `serve` does,
//! and echoes every message of every connection, each in a task of its
//! own, until the process ends.
#![cfg(target_arch = "wasm32")]

wit_bindgen::generate!({
    world: "app",
    path: "../../wit/p3",
    generate_all,
});

use websocket::protocol::connection::{Connection, Listener};
use websocket::protocol::types::{Compression, ServerOptions};

#[path = "../../common/describe.rs"]
mod describe;
use describe::describe;

struct App;

/// Echoes `conn`'s messages until it is over.
async fn echo(conn: Connection) {
    while let Ok(Some(message)) = conn.read_message().await {
        if conn.send(message).await.is_err() {
            return;
        }
    }
}

impl exports::wasi::cli::run::Guest for App {
    async fn run() -> Result<(), ()> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let [flag, address] = &args[..] else {
            eprintln!("usage: app-p3 --listen ADDR (ip:port)");
            return Err(());
        };
        if flag != "--listen" {
            eprintln!("app-p3: unknown flag {flag}; usage: app-p3 --listen ADDR (ip:port)");
            return Err(());
        }
        let options = ServerOptions {
            limits: None,
            timeouts: None,
            origins: Vec::new(),
            protocols: Vec::new(),
            secure: false,
            utf8: None,
            page: None,
            response_headers: Vec::new(),
            defer_decisions: false,
            compression: Compression::Defaults,
        };
        let listener = Listener::bind(address, &options).map_err(|e| eprintln!("app-p3: {}", describe(e)))?;
        println!("listening on ws://{}/", listener.local_address());
        loop {
            match listener.accept().await {
                Ok(conn) => drop(wit_bindgen::spawn_local(echo(conn))),
                Err(e) => eprintln!("app-p3: {}", describe(e)),
            }
        }
    }
}

export!(App);
