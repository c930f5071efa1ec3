//! The connection state machine (every version and role) driven by arbitrary
//! bytes and commands. Each step is one command byte, then its argument
//! bytes. Invariants: no panic, nothing is sent after closing begins, errors
//! are sticky, queued output stays bounded.
#![no_main]

use libfuzzer_sys::fuzz_target;
use websocket_engine::framing::Utf8Policy;
use websocket_engine::{Connection, Error, Limits, Role, SeededEntropy, State, Version};

fuzz_target!(|data: &[u8]| {
    let Some((&setup, mut data)) = data.split_first() else {
        return;
    };
    let version = Version::ALL[usize::from(setup % 3)];
    let role = if setup & 4 == 0 {
        Role::Client
    } else {
        Role::Server
    };
    let mut limits = Limits::default();
    limits.max_message_bytes = 1024;
    limits.max_frame_bytes = 1024;
    limits.max_pending_output = 4096;
    let mut conn =
        Connection::new(version, role, Utf8Policy::Replace, &limits, &mut SeededEntropy::new(1)).unwrap();
    while let Some((&command, rest)) = data.split_first() {
        let len = usize::from(rest.first().copied().unwrap_or(0) % 64).min(rest.len().saturating_sub(1));
        let arg = rest.get(1..1 + len).unwrap_or_default();
        data = rest.get(1 + len..).unwrap_or_default();
        let closing = conn.state() != State::Open;
        let before = conn.pending_output().len();
        match command % 10 {
            0 | 1 => {
                let first = conn.handle_input(arg).err();
                if let Some(e) = first {
                    assert_eq!(conn.handle_input(b"").err(), Some(e), "sticky");
                }
            }
            2 => {
                let sent = conn.send_text(&String::from_utf8_lossy(arg));
                assert!(!(closing && sent.is_ok()), "sent after closing began");
            }
            3 => {
                let sent = conn.send_frame(arg.first().copied().unwrap_or(0x80), arg);
                assert!(!(closing && sent.is_ok()), "sent after closing began");
                if let Err(Error::PeerNotReading { .. }) = sent {
                    assert_eq!(conn.pending_output().len(), before);
                }
            }
            4 => {
                let _ = conn.close();
            }
            5 => {
                let _ = conn.handle_eof();
            }
            6 => while conn.poll_event().is_some() {},
            7 => {
                let sent = conn.ping(arg);
                assert!(!(closing && sent.is_ok()), "sent after closing began");
            }
            8 => {
                let code = u16::from_be_bytes([arg.first().copied().unwrap_or(3), arg.get(1).copied().unwrap_or(232)]);
                let _ = conn.close_with(code, &String::from_utf8_lossy(arg.get(2..).unwrap_or_default()));
            }
            _ => conn.advance_output(usize::from(arg.first().copied().unwrap_or(0))),
        }
        // A close (hixie76 2 bytes, RFC 6455 at most 131) may pass the limit.
        assert!(conn.pending_output().len() <= limits.max_pending_output + 131);
    }
});
