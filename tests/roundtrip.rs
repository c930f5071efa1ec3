//! Encode then decode is the identity: after a real handshake, random
//! messages sent by one session and fed to its peer under random chunkings
//! arrive unchanged, for every version and in both directions.

use std::time::Instant;

use proptest::prelude::*;
use websocket_engine::*;

/// Moves `wire` to `to` cut at `cuts` (taken modulo its length).
fn deliver(to: &mut Session, wire: &[u8], cuts: &[usize], now: Instant) {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
    points.sort_unstable();
    let mut start = 0;
    for end in points.into_iter().chain([wire.len()]) {
        to.handle_input(now, &wire[start..end]);
        start = end;
    }
}

fn take(from: &mut Session, now: Instant) -> Vec<u8> {
    let wire = from.poll_output(now).to_vec();
    from.advance_output(wire.len());
    wire
}

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        any::<String>().prop_map(Message::text),
        proptest::collection::vec(any::<u8>(), 0..2000).prop_map(Message::binary),
        (0x81u8..=0xFE, proptest::collection::vec(any::<u8>(), 0..2000)).prop_map(|(frame_type, data)| {
            Message::HixieFrame {
                frame_type,
                data: data.into(),
            }
        }),
    ]
}

proptest! {
    #[test]
    fn every_message_arrives_unchanged(
        messages in proptest::collection::vec(message(), 0..30),
        cuts in proptest::collection::vec(any::<usize>(), 0..50),
        version in proptest::sample::select(Version::ALL.to_vec()),
        from_client in any::<bool>(),
    ) {
        let (sender_role, receiver_role) = if from_client { (Role::Client, Role::Server) } else { (Role::Server, Role::Client) };
        let now = Instant::now();
        let mut entropy = SeededEntropy::new(cuts.len() as u64);
        let url = WsUrl::parse("ws://example.com/").unwrap();
        let mut client = Session::client(&url, ClientConfig::new(version), &mut entropy, now).unwrap();
        let mut server = Session::server(ServerConfig::new(), now);
        deliver(&mut server, &take(&mut client, now), &cuts, now);
        deliver(&mut client, &take(&mut server, now), &cuts, now);
        prop_assert_eq!(client.poll_event(), Some(Event::Opened));
        prop_assert_eq!(server.poll_event(), Some(Event::Opened));
        let (sender, receiver) = if from_client { (&mut client, &mut server) } else { (&mut server, &mut client) };
        prop_assert_eq!((sender.role(), receiver.role()), (sender_role, receiver_role));
        let mut messages = messages;
        if version == Version::Rfc6455 {
            // RFC 6455 has no hixie frame types.
            messages.retain(|m| !matches!(m, Message::HixieFrame { .. }));
        }
        for m in &messages {
            sender.send(m).unwrap();
        }
        sender.close(now).unwrap();
        deliver(receiver, &take(sender, now), &cuts, now);
        receiver.handle_eof(now);
        let mut got = Vec::new();
        while let Some(event) = receiver.poll_event() {
            got.push(event);
        }
        let mut expected: Vec<Event> = messages.into_iter().map(Event::Message).collect();
        // hixie76 and RFC 6455 end with the close handshake (RFC 6455 with
        // code 1000), hixie75 with the end of TCP.
        let code = (version == Version::Rfc6455).then_some(1000);
        expected.push(Event::Closed(Closed { clean: true, code, reason: String::new() }));
        prop_assert_eq!(got, expected);
    }
}
