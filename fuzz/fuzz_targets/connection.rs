//! The session after the handshake (every version and role) driven by
//! arbitrary bytes, commands and a fake clock. Each step is one command
//! byte, then its argument bytes. Invariants: no panic; nothing is sent
//! after closing begins; nothing follows the last event (`Closed` or
//! `Failed`); queued output stays bounded; after `handle_timeout(now)` no
//! timer is due at `now` (a driver that waits for `poll_timeout` never
//! spins).
#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use websocket_engine::{
    Bytes, ClientConfig, Event, Limits, Message, ProtocolError, Role, SeededEntropy, ServerConfig, Session,
    State, Timeouts, Version,
};

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
    limits.max_pending_output = 3 * Session::SHARE_FROM;
    limits.output_high_water = 2048;
    let mut timeouts = Timeouts::default();
    if setup & 8 != 0 {
        timeouts.idle = Some(Duration::from_secs(45));
    }
    let mut now = Instant::now();
    let mut session = match role {
        Role::Client => {
            let mut config = ClientConfig::new(version);
            config.limits = limits.clone();
            config.timeouts = timeouts;
            Session::open_client(&config, &mut SeededEntropy::new(1), None, now).unwrap()
        }
        Role::Server => {
            let mut config = ServerConfig::default();
            config.limits = limits.clone();
            config.timeouts = timeouts;
            Session::open_server(version, &config, None, now)
        }
    };
    // Large messages queued by reference, as the tokio adapter does.
    session.set_vectored_output(setup & 16 != 0);
    let mut ended = false;
    while let Some((&command, rest)) = data.split_first() {
        let len = usize::from(rest.first().copied().unwrap_or(0) % 64).min(rest.len().saturating_sub(1));
        let arg = rest.get(1..1 + len).unwrap_or_default();
        data = rest.get(1 + len..).unwrap_or_default();
        let closing = session.state() != State::Open;
        let before = queued(&mut session, now);
        let sent = match command % 15 {
            0 | 1 => {
                session.handle_input(now, arg);
                None
            }
            2 => Some(session.send_text(&String::from_utf8_lossy(arg))),
            3 => Some(match arg.first().copied().unwrap_or(0x80) {
                0x80 => session.send_binary(arg),
                frame_type => session.send(&Message::HixieFrame {
                    frame_type,
                    data: Bytes::copy_from_slice(arg),
                }),
            }),
            4 => {
                let _ = session.close(now);
                None
            }
            5 => {
                session.handle_eof(now);
                None
            }
            6 => {
                while let Some(event) = session.poll_event() {
                    assert!(!ended, "an event after the last: {event:?}");
                    ended = matches!(event, Event::Closed(_) | Event::Failed(_));
                }
                None
            }
            7 => Some(session.ping(arg)),
            8 => {
                let code = u16::from_be_bytes([
                    arg.first().copied().unwrap_or(3),
                    arg.get(1).copied().unwrap_or(232),
                ]);
                let reason = String::from_utf8_lossy(arg.get(2..).unwrap_or_default());
                let _ = session.close_with(now, code, &reason);
                None
            }
            9 => {
                session.advance_output(usize::from(arg.first().copied().unwrap_or(0)));
                None
            }
            10 => {
                // Time passes: up to a minute, in seconds.
                now += Duration::from_secs(u64::from(arg.first().copied().unwrap_or(1) % 61));
                session.handle_timeout(now);
                assert!(
                    session.poll_timeout().is_none_or(|t| t > now),
                    "a timer due after handle_timeout"
                );
                None
            }
            11 => Some(session.send_text_part(&String::from_utf8_lossy(arg), arg.len() % 2 == 0)),
            12 => Some(session.send_binary_part(arg, arg.len() % 2 == 0)),
            13 => {
                // A message large enough to be shared: the argument repeated.
                let repeat = Session::SHARE_FROM / arg.len().max(1)
                    + usize::from(arg.first().copied().unwrap_or(0) % 2);
                let payload = Bytes::from(arg.repeat(repeat));
                Some(match String::from_utf8(payload.to_vec()) {
                    Ok(text) if arg.len() % 2 == 0 => session.send(&Message::text(text)),
                    _ => session.send(&Message::Binary(payload)),
                })
            }
            _ => {
                let _ = session.poll_output(now);
                None
            }
        };
        match sent {
            Some(Ok(())) => assert!(!closing, "sent after closing began"),
            Some(Err(ProtocolError::PeerNotReading { .. })) => assert_eq!(queued(&mut session, now), before),
            _ => {}
        }
        // A close (hixie76 2 bytes, RFC 6455 at most 131) may pass the limit.
        assert!(queued(&mut session, now) <= limits.max_pending_output + 131);
    }
});

/// Every byte waiting to be written, over all its runs.
fn queued(session: &mut Session, now: Instant) -> usize {
    let mut runs = [std::io::IoSlice::new(&[]); 64];
    let n = session.poll_output_vectored(now, &mut runs);
    assert!(n < runs.len(), "more runs than the limit allows");
    runs[..n].iter().map(|run| run.len()).sum()
}
