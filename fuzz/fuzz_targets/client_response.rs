//! Client response verification, for every version: arbitrary bytes as the
//! server's answer, in chunks whose size the first byte picks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use websocket_engine::{ClientConfig, ClientHandshake, SeededEntropy, Status, Version, WsUrl};

fuzz_target!(|data: &[u8]| {
    let Some((&control, data)) = data.split_first() else {
        return;
    };
    let version = Version::ALL[usize::from(control % 3)];
    let chunk = usize::from(control >> 2).max(1);
    let url = WsUrl::parse("ws://example.com/demo").unwrap();
    let mut config = ClientConfig::new(version);
    config.protocols = (control & 2 != 0).then(|| "chat".to_owned()).into_iter().collect();
    let mut hs = ClientHandshake::new(&url, config, &mut SeededEntropy::new(7)).unwrap();
    for piece in data.chunks(chunk) {
        match hs.handle_input(piece) {
            Ok(Status::Partial) => {}
            Ok(Status::Complete { consumed }) => {
                assert!(consumed <= piece.len());
                let (mut conn, _) = hs.into_connection().expect("complete");
                let _ = conn.handle_input(&piece[consumed..]);
                return;
            }
            Err(_) => {
                assert!(hs.handle_input(b"x").is_err(), "errors are sticky");
                return;
            }
        }
    }
    let _ = hs.handle_eof();
});
