//! The client with the engine as native code over the blocking adapter.

use std::sync::mpsc::{self, TryRecvError};
use std::time::Duration;

use websocket_engine::blocking::{self, WebSocket};
use websocket_engine::{ClientConfig, Error, Event, Message};

/// Runs the client with the engine as native code.
pub fn run(url: &str, config: ClientConfig, lines: mpsc::Receiver<String>) -> Result<(), Error> {
    let (mut ws, _response) = blocking::connect(url, config)?;
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

/// Sends every message back unchanged until the server closes; fails
/// unless it closes cleanly.
pub fn echo(url: &str, config: ClientConfig) -> Result<(), String> {
    let (mut ws, _response) = blocking::connect(url, config).map_err(|e| e.to_string())?;
    while let Some(event) = ws.next_event().map_err(|e| e.to_string())? {
        match event {
            Event::Message(message) => ws.send(&message).map_err(|e| e.to_string())?,
            Event::Closed(closed) => return crate::closed_cleanly(closed.clean),
            _ => {}
        }
    }
    Ok(())
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
        crate::print_line(&text);
    }
}
