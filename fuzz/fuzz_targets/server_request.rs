//! Server request parsing: arbitrary bytes, in chunks whose size the first
//! byte picks. Whatever is accepted must make a response, and the bytes after
//! the handshake must go to the connection without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use websocket_engine::{rejection_response, Error, ServerConfig, ServerHandshake, ServerPolicy, Status};

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, data)) = data.split_first() else {
        return;
    };
    let mut hs = ServerHandshake::new(ServerConfig::default());
    for (i, piece) in data.chunks(usize::from(chunk).max(1)).enumerate() {
        match hs.handle_input(piece) {
            Ok(Status::Partial) => {}
            Ok(Status::Complete { consumed }) => {
                let request = hs.request().expect("complete").clone();
                let policy = ServerPolicy {
                    origins: vec![],
                    protocols: vec!["chat".into()],
                };
                if let Ok(protocol) = policy.check(&request) {
                    let (response, mut conn) = hs.accept(protocol.as_deref()).expect("a checked request");
                    assert!(response.starts_with(b"HTTP/1.1 101 "));
                    let rest = &data[i * usize::from(chunk).max(1) + consumed..];
                    let _ = conn.handle_input(rest);
                    while conn.poll_event().is_some() {}
                }
                return;
            }
            Err(Error::Handshake(e)) => {
                assert!(rejection_response(&e).starts_with(b"HTTP/1.1 4"));
                // Sticky.
                assert!(hs.handle_input(b"x").is_err());
                return;
            }
            Err(other) => panic!("unexpected error kind {other:?}"),
        }
    }
});
