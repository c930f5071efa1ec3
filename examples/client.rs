//! A line client: every stdin line goes out as one text message, every text
//! message received is printed as one line. At the end of stdin it closes
//! (with the closing handshake where the version has one), prints the
//! replies still on their way, and exits 0.
//!
//! ```text
//! cargo run --release --example client -- URL --version hixie75|hixie76 [--origin O] [--protocol P]
//! ```

use std::io::{BufRead, Write};
use std::process::exit;
use std::sync::mpsc::{self, TryRecvError};
use std::thread;
use std::time::Duration;

use websocket_engine::blocking::{self, WebSocket};
use websocket_engine::{ClientConfig, Error, Message, Version};

const USAGE: &str = "usage: client URL --version hixie75|hixie76 [--origin ORIGIN] [--protocol PROTOCOL]";

fn main() {
    let mut url = None;
    let mut version = None;
    let mut origin = None;
    let mut protocol = None;
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
            "--protocol" => protocol = Some(value()),
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
    config.protocol = protocol;
    if let Err(e) = run(&url, config) {
        eprintln!("client: {e}");
        exit(1);
    }
}

fn run(url: &str, config: ClientConfig) -> Result<(), Error> {
    let (mut ws, _response) = blocking::connect(url, config)?;
    let lines = stdin_lines();
    // Alternate between sending stdin lines and printing replies.
    ws.set_read_timeout(Some(Duration::from_millis(10)));
    loop {
        loop {
            match lines.try_recv() {
                Ok(line) => ws.send_text(&line)?,
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return close(&mut ws),
            }
        }
        match ws.read_message() {
            Ok(Some(message)) => print(message),
            Ok(None) => return Ok(()),
            Err(e) if e.is_transient() => {}
            Err(e) => return Err(e),
        }
    }
}

/// Closes, then prints every reply until the server has closed too.
fn close(ws: &mut WebSocket<std::net::TcpStream>) -> Result<(), Error> {
    ws.set_read_timeout(None);
    ws.close()?;
    while let Some(message) = ws.read_message()? {
        print(message);
    }
    Ok(())
}

fn print(message: Message) {
    if let Message::Text(text) = message {
        let mut out = std::io::stdout().lock();
        // A closed stdout is no reason to break the protocol.
        let _ = writeln!(out, "{text}").and_then(|()| out.flush());
    }
}

/// Stdin's lines, read on a thread; the channel closes at end of input.
fn stdin_lines() -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}
