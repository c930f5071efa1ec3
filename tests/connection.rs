//! The connection state machine: closing in both directions, ordering of
//! replies around a close, sticky errors that keep what was delivered.

mod common;

use common::events;
use websocket_engine::framing::Utf8Policy;
use websocket_engine::*;

fn open(version: Version, role: Role) -> Connection {
    Connection::new(
        version,
        role,
        Utf8Policy::Strict,
        &Limits::default(),
        &mut SeededEntropy::new(1),
    )
    .unwrap()
}

fn closed(clean: bool) -> Event {
    Event::Closed(Closed {
        clean,
        ..Closed::default()
    })
}

fn text(t: &str) -> Event {
    Event::Message(Message::Text(t.into()))
}

#[test]
fn sends_are_encoded_in_order() {
    let mut c = open(Version::Hixie76, Role::Client);
    c.send_text("a").unwrap();
    c.send_binary(b"b").unwrap();
    c.send_frame(0x90, b"").unwrap();
    assert_eq!(c.pending_output(), b"\x00a\xff\x80\x01b\x90\x00");
    c.advance_output(3);
    assert_eq!(c.pending_output(), b"\x80\x01b\x90\x00");
    c.advance_output(5);
    assert_eq!(c.pending_output(), b"");
    assert_eq!(
        c.send_frame(0x10, b"x"),
        Err(Error::Usage(UsageError::FrameType { frame_type: 0x10 }))
    );
    assert_eq!(
        c.send_frame(0xFF, b""),
        Err(Error::Usage(UsageError::CloseAsData))
    );
    // In hixie75 the same frame is plain data.
    let mut c = open(Version::Hixie75, Role::Client);
    c.send_frame(0xFF, b"").unwrap();
    assert_eq!(c.pending_output(), b"\xff\x00");
}

#[test]
fn hixie76_close_initiated_here() {
    let mut c = open(Version::Hixie76, Role::Client);
    c.close().unwrap();
    assert_eq!(c.state(), State::Closing);
    assert_eq!(c.pending_output(), b"\xff\x00");
    assert!(!c.wants_write_shutdown());
    assert_eq!(
        c.send_text("late"),
        Err(Error::Usage(UsageError::NotOpen {
            state: State::Closing
        }))
    );
    c.close().unwrap();
    assert_eq!(c.pending_output(), b"\xff\x00", "close is idempotent");
    // The peer's messages still arrive until its close.
    c.handle_input(b"\x00reply\xff\xff\x00\x00ignored\xff").unwrap();
    assert_eq!(c.closed_cleanly(), None);
    assert_eq!(events(&mut c), [text("reply"), closed(true)]);
    assert_eq!(c.state(), State::Closed);
    assert_eq!(c.closed_cleanly(), Some(true));
    assert_eq!(c.pending_output(), b"\xff\x00", "no second close");
    assert!(c.wants_write_shutdown());
}

#[test]
fn hixie76_close_initiated_by_peer_is_answered_after_earlier_messages() {
    let mut c = open(Version::Hixie76, Role::Server);
    c.handle_input(b"\x00one\xff\x00two\xff\xff\x00\x00after\xff")
        .unwrap();
    // Nothing is closed until the close event is polled.
    assert_eq!(c.poll_event(), Some(text("one")));
    c.send_text("one").unwrap();
    assert_eq!(c.poll_event(), Some(text("two")));
    c.send_text("two").unwrap();
    assert_eq!(c.state(), State::Open);
    assert_eq!(c.poll_event(), Some(closed(true)));
    assert_eq!(c.poll_event(), None);
    assert_eq!(c.state(), State::Closed);
    assert_eq!(c.pending_output(), b"\x00one\xff\x00two\xff\xff\x00");
    assert_eq!(
        c.send_text("x"),
        Err(Error::Usage(UsageError::NotOpen { state: State::Closed }))
    );
    // Input after the close is not data.
    c.handle_input(b"\x00more\xff").unwrap();
    assert_eq!(c.poll_event(), None);
}

#[test]
fn eof_ends_hixie75_cleanly_and_hixie76_uncleanly() {
    let mut c = open(Version::Hixie75, Role::Server);
    c.handle_input(b"\x00last\xff").unwrap();
    c.handle_eof().unwrap();
    assert_eq!(events(&mut c), [text("last"), closed(true)]);
    assert_eq!(c.pending_output(), b"");

    let mut c = open(Version::Hixie76, Role::Server);
    c.handle_eof().unwrap();
    assert_eq!(events(&mut c), [closed(false)]);
    assert_eq!(c.closed_cleanly(), Some(false));
    assert_eq!(c.pending_output(), b"", "no close reply to a peer that is gone");
}

#[test]
fn hixie75_close_stops_sending_and_waits_for_the_end() {
    let mut c = open(Version::Hixie75, Role::Client);
    c.close().unwrap();
    assert_eq!(c.pending_output(), b"");
    assert!(c.wants_write_shutdown());
    c.handle_input(b"\x00still\xff").unwrap();
    c.handle_eof().unwrap();
    assert_eq!(events(&mut c), [text("still"), closed(true)]);
}

#[test]
fn errors_are_sticky_and_keep_what_was_delivered() {
    let mut c = open(Version::Hixie76, Role::Server);
    let err = c
        .handle_input(b"\x00good\xff\x00bad\xc3(\xff\x00never\xff")
        .unwrap_err();
    assert_eq!(err, Error::Frame(FrameError::InvalidUtf8));
    assert_eq!(c.error(), Some(&err));
    assert_eq!(c.handle_input(b"\x00x\xff"), Err(err.clone()));
    assert_eq!(c.handle_eof(), Err(err.clone()));
    // The failure takes effect once the events before it are drained.
    assert_eq!(c.state(), State::Open);
    assert_eq!(events(&mut c), [text("good")]);
    assert_eq!(c.state(), State::Closed);
    assert!(c.send_text("x").is_err());
}

#[test]
fn eof_inside_a_frame_is_truncation() {
    for partial in [&b"\x00abc"[..], b"\x80", b"\x80\x05ab"] {
        let mut c = open(Version::Hixie76, Role::Client);
        c.handle_input(b"\x00ok\xff").unwrap();
        c.handle_input(partial).unwrap();
        assert_eq!(c.handle_eof(), Err(Error::Frame(FrameError::Truncated)));
        assert_eq!(events(&mut c), [text("ok")]);
    }
}

#[test]
fn a_close_timeout_ends_hixie75_and_fails_hixie76() {
    let limit = std::time::Duration::from_secs(1);
    let mut c = open(Version::Hixie75, Role::Client);
    c.handle_close_timeout(limit).unwrap();
    assert_eq!(c.poll_event(), None, "not closing: nothing happens");
    c.close().unwrap();
    c.handle_close_timeout(limit).unwrap();
    assert_eq!(events(&mut c), [closed(true)]);
    assert_eq!(c.state(), State::Closed);

    let mut c = open(Version::Hixie76, Role::Client);
    c.close().unwrap();
    let err = Error::Timeout {
        during: Phase::Closing,
        limit,
    };
    assert_eq!(c.handle_close_timeout(limit), Err(err.clone()));
    assert_eq!(c.state(), State::Closed);
    assert_eq!(c.handle_input(b""), Err(err));
}

#[test]
fn sends_past_the_output_limit_fail_until_the_peer_reads() {
    let mut limits = Limits::default();
    limits.max_pending_output = 100;
    let mut c = Connection::new(
        Version::Hixie76,
        Role::Server,
        Utf8Policy::Strict,
        &limits,
        &mut SeededEntropy::new(1),
    )
    .unwrap();
    c.send_text(&"a".repeat(60)).unwrap();
    assert_eq!(
        c.send_text(&"b".repeat(60)),
        Err(Error::PeerNotReading { limit: 100 })
    );
    assert_eq!(c.send_binary(&[0; 60]), Err(Error::PeerNotReading { limit: 100 }));
    assert_eq!(
        c.pending_output().len(),
        62,
        "nothing was queued by the refused sends"
    );
    // Not sticky: once the transport took the bytes, sending works again.
    c.advance_output(62);
    c.send_text(&"b".repeat(60)).unwrap();
    assert_eq!(c.state(), State::Open);
}
