//! Server request parsing: arbitrary bytes, in chunks whose size the first
//! byte picks, through a server session and, beside it, the bare
//! handshake. They must agree: the session opens exactly when the handshake
//! completes and the policy accepts, answering 101; it fails with the
//! handshake's error otherwise, answering 4xx; and it never panics on the
//! bytes after the handshake.
#![no_main]

use std::sync::Arc;
use std::time::Instant;

use libfuzzer_sys::fuzz_target;
use websocket_engine::{Event, ProtocolError, ServerConfig, ServerHandshake, Session, Status};

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, data)) = data.split_first() else {
        return;
    };
    let config = Arc::new(ServerConfig::new().protocols(["chat"]));
    let now = Instant::now();
    let mut session = Session::server(config.clone(), now);
    let mut hs = ServerHandshake::new(config);
    let mut outcome: Option<Result<(), ProtocolError>> = None;
    for piece in data.chunks(usize::from(chunk).max(1)) {
        session.handle_input(now, piece);
        if outcome.is_none() {
            outcome = match hs.handle_input(piece) {
                Ok(Status::Partial) => None,
                Ok(Status::Complete { .. }) => Some(hs.decide().map(|_| ())),
                Err(e) => {
                    assert!(hs.handle_input(b"x").is_err(), "sticky");
                    Some(Err(e))
                }
            };
        }
    }
    let events: Vec<Event> = std::iter::from_fn(|| session.poll_event()).collect();
    let answer = session.poll_output(now).to_vec();
    match outcome {
        None => assert!(events.is_empty() && answer.is_empty(), "{events:?}"),
        Some(Ok(())) => {
            assert_eq!(events.first(), Some(&Event::Opened));
            assert!(answer.starts_with(b"HTTP/1.1 101 "));
        }
        Some(Err(e)) => {
            assert_eq!(events, [Event::Failed(e)]);
            assert!(answer.starts_with(b"HTTP/1.1 4"));
        }
    }
    // Whatever came after, an end of input ends it.
    session.handle_eof(now);
    let last = std::iter::from_fn(|| session.poll_event())
        .last()
        .or(events.last().cloned());
    assert!(
        matches!(last, Some(Event::Closed(_) | Event::Failed(_))),
        "{last:?}"
    );
});
