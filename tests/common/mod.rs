//! Helpers shared by the integration tests.
#![allow(dead_code)]

use websocket_engine::*;

/// A client handshake for `ws://example.com/demo` with a fixed seed.
pub fn client(version: Version, protocol: Option<&str>) -> ClientHandshake {
    let url = WsUrl::parse("ws://example.com/demo").unwrap();
    let mut config = ClientConfig::new(version);
    config.origin = Some("http://example.com".into());
    config.protocol = protocol.map(str::to_owned);
    ClientHandshake::new(&url, config, &mut SeededEntropy::new(7)).unwrap()
}

/// Runs `request` through a default server that accepts `protocol`.
/// Returns the response bytes and the server's connection.
pub fn serve(request: &[u8], protocol: Option<&str>) -> (Vec<u8>, Connection) {
    let mut server = ServerHandshake::new(ServerConfig::default());
    assert_eq!(
        server.handle_input(request).unwrap(),
        Status::Complete {
            consumed: request.len()
        }
    );
    server.accept(protocol).unwrap()
}

/// Feeds `bytes` to a server handshake in one piece and returns the error.
pub fn server_error(bytes: &[u8]) -> Error {
    let mut server = ServerHandshake::new(ServerConfig::default());
    match server.handle_input(bytes) {
        Err(e) => e,
        Ok(status) => panic!("expected an error, got {status:?}"),
    }
}

/// Replaces the first occurrence of `from` with `to` in `bytes`.
pub fn replace(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    let at = bytes
        .windows(from.len())
        .position(|w| w == from.as_bytes())
        .unwrap_or_else(|| panic!("{from:?} not found"));
    let mut out = bytes[..at].to_vec();
    out.extend_from_slice(to.as_bytes());
    out.extend_from_slice(&bytes[at + from.len()..]);
    out
}

/// Drains every event.
pub fn events(conn: &mut Connection) -> Vec<Event> {
    std::iter::from_fn(|| conn.poll_event()).collect()
}
