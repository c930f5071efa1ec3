//! Client response verification, for every version: arbitrary bytes as the
//! server's answer, in chunks whose size the first byte picks, through the
//! bare handshake and a client session made the same way. The session
//! opens exactly when the handshake completes, fails exactly when it
//! fails, and takes the bytes after it without a panic.
#![no_main]

use std::time::Instant;

use libfuzzer_sys::fuzz_target;
use websocket_engine::{
    ClientConfig, ClientHandshake, Event, SeededEntropy, Session, Status, Version, WsUrl,
};

fuzz_target!(|data: &[u8]| {
    let Some((&control, data)) = data.split_first() else {
        return;
    };
    let version = Version::ALL[usize::from(control % 3)];
    let chunk = usize::from(control >> 2).max(1);
    let url = WsUrl::parse("ws://example.com/demo").unwrap();
    let mut config = ClientConfig::new(version);
    config.protocols = (control & 2 != 0)
        .then(|| "chat".to_owned())
        .into_iter()
        .collect();
    let now = Instant::now();
    let mut session = Session::client(&url, config.clone(), &mut SeededEntropy::new(7), now).unwrap();
    let mut hs = ClientHandshake::new(&url, config, &mut SeededEntropy::new(7)).unwrap();
    assert_eq!(session.poll_output(now), hs.request(), "the same request");
    let mut outcome = None;
    for piece in data.chunks(chunk) {
        session.handle_input(now, piece);
        if outcome.is_some() {
            continue;
        }
        match hs.handle_input(piece) {
            Ok(Status::Partial) => {}
            Ok(Status::Complete { value: (), consumed }) => {
                assert!(consumed <= piece.len());
                outcome = Some(Event::Opened);
            }
            Err(e) => {
                assert!(hs.handle_input(b"x").is_err(), "errors are sticky");
                outcome = Some(Event::Failed(e));
            }
        }
    }
    let first = session.poll_event();
    assert_eq!(first, outcome);
    while session.poll_event().is_some() {}
    session.handle_eof(now);
    while session.poll_event().is_some() {}
});
