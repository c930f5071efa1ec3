//! The echo server as a command component (`wasmtime run -S
//! inherit-network serve.wasm --listen ADDR`): one thread, every connection
//! multiplexed through `wasi:io/poll`.

use websocket_engine::wasi_adapter::{Listener, StreamConnection, StreamEvent};
use websocket_engine::{Message, ServerConfig, ServerPolicy};

use crate::{die, Args};

pub fn run(args: Args) {
    let policy = ServerPolicy {
        origins: args.origins,
        protocols: args.protocols,
    };
    let mut config = ServerConfig::default();
    config.page = Some(crate::PAGE.to_owned());
    let listener = Listener::bind(&args.listen, config, policy)
        .unwrap_or_else(|e| die(&format!("cannot listen on {}", args.listen), e));
    crate::announce(listener.local_address());
    let mut conns: Vec<StreamConnection> = Vec::new();
    loop {
        let mut pollables = vec![listener.subscribe()];
        pollables.extend(conns.iter().map(StreamConnection::subscribe));
        // Wake for the earliest time-out too: a peer that goes silent must
        // still meet its deadline.
        let timer = conns.iter().filter_map(StreamConnection::deadline).min();
        pollables.extend(timer.map(wasi::clocks::monotonic_clock::subscribe_instant));
        let mut ready = wasi::io::poll::poll(&pollables.iter().collect::<Vec<_>>());
        drop(pollables);
        let timer_index = conns.len() as u32 + 1;
        if ready.contains(&timer_index) {
            // A time-out is due: let every connection check its own.
            ready = (0..timer_index).collect();
        }
        // Highest first, so that swap_remove only moves connections already
        // served in this round (poll promises no order).
        ready.sort_unstable_by(|a, b| b.cmp(a));
        for index in ready {
            match index {
                0 => {
                    while let Some(conn) = listener.accept().unwrap_or_else(|e| die("accept failed", e)) {
                        conns.push(conn);
                    }
                }
                i => {
                    let i = i as usize - 1;
                    if !serve(&mut conns[i]) {
                        conns.swap_remove(i);
                    }
                }
            }
        }
    }
}

/// Echoes whatever the connection has ready; false once it is finished.
fn serve(conn: &mut StreamConnection) -> bool {
    loop {
        let echoed = match conn.poll_event() {
            Ok(Some(StreamEvent::Message(Message::Text(text)))) => conn.send_text(&text),
            Ok(Some(StreamEvent::Message(Message::Binary { frame_type, data }))) => {
                conn.send_frame(frame_type, &data)
            }
            Ok(Some(StreamEvent::Opened | StreamEvent::Ping(_) | StreamEvent::Pong(_))) => Ok(()),
            Ok(Some(StreamEvent::Closed(_))) => {
                // Send the close reply, if any, before letting go.
                let _ = conn.flush();
                return false;
            }
            Ok(None) => return true,
            Err(e) => {
                if !crate::is_plain_http(&e) {
                    eprintln!("serve: {e}");
                }
                let _ = conn.flush();
                return false;
            }
        };
        if let Err(e) = echoed {
            eprintln!("serve: {e}");
            return false;
        }
    }
}
