//! An echo server: every text message and every length-prefixed frame comes
//! back unchanged. hixie75 and hixie76 are told apart per connection.
//!
//! ```text
//! cargo run --release --example serve -- --listen 127.0.0.1:9001 [--origin O]... [--protocol P]...
//! ```

use std::net::{TcpListener, TcpStream};
use std::process::exit;
use std::sync::Arc;
use std::thread;

use websocket_engine::blocking::{self, WebSocket};
use websocket_engine::{Error, Message, ServerConfig, ServerPolicy};

const USAGE: &str = "usage: serve --listen ADDR [--origin ORIGIN]... [--protocol PROTOCOL]...";

fn main() {
    let mut listen = None;
    let mut policy = ServerPolicy::default();
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
            "--origin" => policy.origins.push(value()),
            "--protocol" => policy.protocols.push(value()),
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
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
    let listener = TcpListener::bind(&listen).unwrap_or_else(|e| {
        eprintln!("serve: cannot listen on {listen}: {e}");
        exit(1)
    });
    let addr = listener.local_addr().expect("bound");
    println!("listening on ws://{addr}/");
    let config = Arc::new(ServerConfig::default());
    let policy = Arc::new(policy);
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(s) => s,
            Err(e) => {
                eprintln!("serve: accept failed: {e}");
                continue;
            }
        };
        let (config, policy) = (config.clone(), policy.clone());
        thread::spawn(move || {
            let peer = stream.peer_addr().map(|a| a.to_string()).unwrap_or_default();
            if let Err(e) = serve(stream, &config, &policy) {
                eprintln!("serve: {peer}: {e}");
            }
        });
    }
}

fn serve(stream: TcpStream, config: &ServerConfig, policy: &ServerPolicy) -> Result<(), Error> {
    stream.set_nodelay(true)?;
    let (mut ws, _request) = blocking::accept(stream, config, policy)?;
    echo(&mut ws)
}

fn echo(ws: &mut WebSocket<TcpStream>) -> Result<(), Error> {
    while let Some(message) = ws.read_message()? {
        match message {
            Message::Text(text) => ws.send_text(&text)?,
            Message::Binary { frame_type, data } => ws.send_frame(frame_type, &data)?,
        }
    }
    Ok(())
}
