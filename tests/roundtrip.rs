//! Encode then decode is the identity: random messages sent by one
//! connection and fed to its peer under random chunkings arrive unchanged,
//! for every version and in both directions.

use proptest::prelude::*;
use websocket_engine::framing::Utf8Policy;
use websocket_engine::*;

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        any::<String>().prop_map(Message::Text),
        (0x80u8..=0xFE, proptest::collection::vec(any::<u8>(), 0..2000))
            .prop_map(|(frame_type, data)| Message::Binary { frame_type, data }),
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
        let limits = Limits::default();
        let mut entropy = SeededEntropy::new(cuts.len() as u64);
        let mut sender = Connection::new(version, sender_role, Utf8Policy::Strict, &limits, &mut entropy).unwrap();
        let mut receiver = Connection::new(version, receiver_role, Utf8Policy::Strict, &limits, &mut entropy).unwrap();
        let mut messages = messages;
        if version == Version::Rfc6455 {
            // RFC 6455 binary messages have no type byte of their own.
            for m in &mut messages {
                if let Message::Binary { frame_type, .. } = m {
                    *frame_type = 0x80;
                }
            }
        }
        for m in &messages {
            match m {
                Message::Text(t) => sender.send_text(t).unwrap(),
                Message::Binary { frame_type, data } => sender.send_frame(*frame_type, data).unwrap(),
            }
        }
        sender.close().unwrap();
        let wire = sender.pending_output().to_vec();
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
        points.sort_unstable();
        let mut start = 0;
        for end in points.into_iter().chain([wire.len()]) {
            receiver.handle_input(&wire[start..end]).unwrap();
            start = end;
        }
        receiver.handle_eof().unwrap();
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
