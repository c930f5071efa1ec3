//! The echo server with the engine as native code, a thread per connection.

use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;

use websocket_engine::blocking;
use websocket_engine::{Error, Message, ServerConfig, ServerPolicy};

use crate::{die, Args};

pub fn run(args: Args) {
    let listener = TcpListener::bind(&args.listen)
        .unwrap_or_else(|e| die(&format!("cannot listen on {}", args.listen), e));
    let addr = listener.local_addr().expect("bound");
    crate::announce(addr);
    let mut config = ServerConfig::default();
    config.page = Some(crate::PAGE.to_owned());
    let config = Arc::new(config);
    let policy = Arc::new(ServerPolicy {
        origins: args.origins,
        protocols: args.protocols,
    });
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
            match echo(stream, &config, &policy) {
                Err(e) if !crate::is_plain_http(&e) => eprintln!("serve: {peer}: {e}"),
                _ => {}
            }
        });
    }
}

fn echo(stream: TcpStream, config: &ServerConfig, policy: &ServerPolicy) -> Result<(), Error> {
    stream.set_nodelay(true)?;
    let (mut ws, _request) = blocking::accept(stream, config, policy)?;
    while let Some(message) = ws.read_message()? {
        match message {
            Message::Text(text) => ws.send_text(&text)?,
            Message::Binary { frame_type, data } => ws.send_frame(frame_type, &data)?,
        }
    }
    Ok(())
}
