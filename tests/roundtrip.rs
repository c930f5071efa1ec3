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
        hixie76 in any::<bool>(),
        from_client in any::<bool>(),
    ) {
        let version = if hixie76 { Version::Hixie76 } else { Version::Hixie75 };
        let (sender_role, receiver_role) = if from_client { (Role::Client, Role::Server) } else { (Role::Server, Role::Client) };
        let limits = Limits::default();
        let mut sender = Connection::new(version, sender_role, Utf8Policy::Strict, &limits).unwrap();
        let mut receiver = Connection::new(version, receiver_role, Utf8Policy::Strict, &limits).unwrap();
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
        // hixie76 ends with the close handshake; hixie75 with the end of TCP.
        expected.push(Event::Closed { clean: true });
        prop_assert_eq!(got, expected);
    }
}
