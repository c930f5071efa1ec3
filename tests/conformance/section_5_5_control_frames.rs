//! Section 5.5, control frames: at most 125 bytes of payload and never
//! fragmented, whichever control opcode; both are checked on the first two
//! header bytes.

use websocket_engine::{FrameError, ProtocolError};

use crate::harness::*;

#[test]
fn control_frames_of_126_bytes_or_more_fail() {
    for opcode in [PING, PONG, CLOSE] {
        for (len, form) in [
            (126u64, Len::Minimal),
            (127, Len::Ext16),
            (65536, Len::Minimal),
            (126, Len::Ext64),
        ] {
            let f = frame(opcode, vec![b'x'; len as usize]).len(form);
            let seven_bit = u64::from(f.header()[1] & 0x7F);
            let err = FrameError::ControlTooLong {
                opcode,
                len: seven_bit,
            };
            let mut sut = Sut::server();
            assert_eq!(
                sut.feed(&f.header()[..2]).unwrap_err(),
                ProtocolError::Frame(err.clone())
            );
            sut.outcome().assert_failed(&[], err.clone(), 1002);
            run(&[text("before"), f.clone()]).assert_failed(&[r_text("before")], err, 1002);
        }
    }
}

#[test]
fn control_frames_of_125_bytes_pass() {
    let p = bytes_of_len(125);
    run(&[ping(&p), pong(&p)]).assert_ok(&[r_pong(&p)]);
    let mut body = 1000u16.to_be_bytes().to_vec();
    body.extend_from_slice(ascii(123).as_bytes());
    run(&[frame(CLOSE, &body)]).assert_ok(&[r_close(1000)]);
}

#[test]
fn fragmented_control_frames_fail_on_the_first_two_bytes() {
    for opcode in [PING, PONG, CLOSE] {
        let f = frame(opcode, "").fin(false);
        let err = FrameError::FragmentedControl { opcode };
        let mut sut = Sut::server();
        assert_eq!(
            sut.feed(&f.header()[..2]).unwrap_err(),
            ProtocolError::Frame(err.clone())
        );
        sut.outcome().assert_failed(&[], err.clone(), 1002);
        // Inside a fragmented message as well.
        run(&[text("a").fin(false), f, cont("b")]).assert_failed(&[], err, 1002);
    }
}

#[test]
fn control_frames_between_fragments_do_not_disturb_the_message() {
    let mut frames = vec![binary(bytes_of_len(10)).fin(false)];
    let mut replies = Vec::new();
    for i in 0..5u8 {
        frames.push(ping([i; 125]));
        replies.push(r_pong([i; 125]));
        frames.push(pong([i; 3]));
        frames.push(cont([i; 7]).fin(false));
    }
    frames.push(cont("end"));
    let mut message = bytes_of_len(10);
    for i in 0..5u8 {
        message.extend_from_slice(&[i; 7]);
    }
    message.extend_from_slice(b"end");
    replies.push(r_binary(&message));
    assert_ok_every_way(&frames, &replies);
}
