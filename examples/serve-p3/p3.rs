//! The `wasi:cli/run@0.3` export: accepts in a loop and spawns a task per
//! connection, which echoes every message until the connection is over.

use websocket_engine::Event;
use websocket_wasip3::wasip3;
use websocket_wasip3::{Connection, Listener};

use crate::cli::{announce, die, parse, report};

wasip3::cli::command::export!(Serve);

struct Serve;

impl wasip3::exports::cli::run::Guest for Serve {
    async fn run() -> Result<(), ()> {
        let args = parse();
        if args.tls.is_some() {
            die(
                "--tls-cert",
                "wasi:tls has no server side; run `serve` natively for wss://",
            );
        }
        let mut listener = Listener::bind(&args.listen, args.backlog, args.config())
            .unwrap_or_else(|e| die(&format!("cannot listen on {}", args.listen), e));
        announce(listener.local_address(), false);
        loop {
            match listener.accept().await {
                Ok(conn) => drop(wasip3::wit_bindgen::spawn_local(echo(conn))),
                Err(e) => die("accept failed", e),
            }
        }
    }
}

/// Echoes every message; replies queue in the session and go out together
/// before the next read.
async fn echo(mut conn: Connection) {
    loop {
        let echoed: Result<(), websocket_io::Error> = match conn.next_event().await {
            Ok(Some(Event::Message(message))) => conn.session_mut().send(&message).map_err(Into::into),
            Ok(Some(_)) => Ok(()),
            Ok(None) => return,
            Err(e) => Err(e),
        };
        if let Err(e) = echoed {
            report("connection", &e, e.code());
            return;
        }
    }
}
