//! The client with the engine as native code over the blocking adapter.

use std::sync::mpsc::{self, TryRecvError};
use std::time::Duration;

use websocket_blocking::{self as blocking, WebSocket};
use websocket_engine::{ClientConfig, Event, Message, Proxy};
use websocket_io::ConnectOptions;
use websocket_io::Error;

use crate::Reach;

/// The proxy (`--proxy`, else the environment's) and the trusted roots
/// (the default ones, plus `--ca`'s).
pub fn options(reach: &Reach) -> Result<ConnectOptions, String> {
    let mut options = ConnectOptions::new();
    if let Some(proxy) = &reach.proxy {
        options = options.proxy(Proxy::parse(proxy).map_err(|e| e.to_string())?);
    }
    if let Some(ca) = &reach.ca {
        options = with_ca(options, ca)?;
    }
    Ok(options)
}

#[cfg(not(target_arch = "wasm32"))]
fn with_ca(options: ConnectOptions, ca: &str) -> Result<ConnectOptions, String> {
    Ok(options.tls(tls_config(ca)?))
}

/// A TLS client configuration trusting the default roots and `ca`'s.
#[cfg(not(target_arch = "wasm32"))]
pub fn tls_config(ca: &str) -> Result<std::sync::Arc<websocket_io::tls::rustls::ClientConfig>, String> {
    use websocket_io::tls;
    let pem = std::fs::read(ca).map_err(|e| format!("cannot read {ca}: {e}"))?;
    let mut roots = tls::default_roots();
    tls::add_pem_roots(&mut roots, &pem).map_err(|e| format!("--ca {ca}: {e}"))?;
    Ok(tls::client_config(roots))
}

#[cfg(target_arch = "wasm32")]
fn with_ca(_: ConnectOptions, _: &str) -> Result<ConnectOptions, String> {
    Err("--ca needs TLS, which this build does not have".into())
}

/// Runs the client with the engine as native code.
pub fn run(
    url: &str,
    config: ClientConfig,
    options: &ConnectOptions,
    lines: mpsc::Receiver<String>,
) -> Result<(), Error> {
    let (mut ws, _response) = blocking::connect_with(url, config, options)?;
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
pub fn echo(url: &str, config: ClientConfig, options: &ConnectOptions) -> Result<(), String> {
    let (mut ws, _response) = blocking::connect_with(url, config, options).map_err(|e| e.to_string())?;
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
fn close(ws: &mut WebSocket<blocking::MaybeTlsStream>) -> Result<(), Error> {
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
