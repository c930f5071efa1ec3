//! A table of the suite's cases, one or more per section, replayed over
//! real TCP against the native server: `blocking::accept` in an echo loop
//! (as `examples/serve/native.rs` runs it). The test does the opening
//! handshake by hand, sends raw frames, and reads the replies until the
//! server closes TCP, which checks that the adapter sends its close frame,
//! with the right code, before it closes the connection.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use websocket_blocking as blocking;
use websocket_engine::framing::rfc6455::Decoder;
use websocket_engine::Status;
use websocket_engine::{FrameError, Limits, ProtocolError, Role, ServerConfig};
use websocket_io::Error;

use crate::harness::*;

/// One step of a case.
enum Step {
    /// Write these bytes in one write.
    Send(Vec<u8>),
    /// Write these bytes in writes of this many bytes.
    Chop(Vec<u8>, usize),
    /// Read until exactly these replies have come.
    Expect(Vec<Reply>),
    /// Read until the server closes TCP: these replies, then the end.
    ExpectEnd(Vec<Reply>),
}

use Step::*;

fn send(frames: &[RawFrame]) -> Step {
    Send(wire(frames))
}

/// The server side: one connection, echoed until it ends.
fn spawn_server(limits: Limits) -> (u16, JoinHandle<Result<(), Error>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept()?;
        stream.set_nodelay(true)?;
        let mut config = ServerConfig::default();
        config.limits = limits;
        let (mut ws, _request) = blocking::accept(stream, config.clone())?;
        while let Some(message) = ws.read_message()? {
            ws.send(&message)?
        }
        Ok(())
    });
    (port, server)
}

/// The client side: the opening handshake by hand, then frames.
struct Peer {
    stream: TcpStream,
    decoder: Decoder,
    replies: Vec<Reply>,
    eof: bool,
}

impl Peer {
    /// Connects and sends `frames` (often none) in the same write as the
    /// request.
    fn connect_sending(port: u16, frames: &[u8]) -> Peer {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_nodelay(true).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let request = format!(
            "GET /echo HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        stream.write_all(&[request.as_bytes(), frames].concat()).unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8];
        while !head.ends_with(b"\r\n\r\n") {
            // Byte by byte, so that no frame byte is taken with the head.
            assert_eq!(
                stream.read(&mut byte).unwrap(),
                1,
                "the server ended the handshake"
            );
            head.push(byte[0]);
        }
        let head = String::from_utf8(head).unwrap();
        assert!(head.starts_with("HTTP/1.1 101 Switching Protocols\r\n"), "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("\r\nsec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=\r\n"),
            "{head}"
        );
        Peer {
            stream,
            decoder: Decoder::new(Role::Client, &Limits::default()),
            replies: Vec::new(),
            eof: false,
        }
    }

    /// One read; false at the end of the stream.
    fn read_some(&mut self) -> bool {
        let mut buf = vec![0u8; 64 * 1024];
        let n = match self.stream.read(&mut buf) {
            Ok(n) => n,
            // A server that closes with unread input resets the connection;
            // what it sent before that has been read.
            Err(e) if e.kind() == ErrorKind::ConnectionReset => 0,
            Err(e) => panic!("reading the server's replies: {e} (after {:?})", self.replies),
        };
        if n == 0 {
            self.eof = true;
            return false;
        }
        let mut input = &buf[..n];
        while !input.is_empty() {
            match self.decoder.decode(input).expect("well-formed server frames") {
                Status::Partial => break,
                Status::Complete {
                    value: frame,
                    consumed,
                } => {
                    self.replies.push(Reply::from(frame));
                    input = &input[consumed..];
                }
            }
        }
        true
    }

    fn run(&mut self, steps: Vec<Step>) {
        for step in steps {
            match step {
                Send(bytes) => self.stream.write_all(&bytes).unwrap(),
                Chop(bytes, n) => {
                    for chunk in bytes.chunks(n) {
                        self.stream.write_all(chunk).unwrap();
                    }
                }
                Expect(replies) => {
                    while self.replies.len() < replies.len() && self.read_some() {}
                    assert_eq!(std::mem::take(&mut self.replies), replies);
                }
                ExpectEnd(replies) => {
                    while self.read_some() {}
                    assert!(self.decoder.is_between_frames(), "the stream ends between frames");
                    assert_eq!(std::mem::take(&mut self.replies), replies);
                }
            }
        }
        assert!(self.eof, "every case ends with the server closing TCP");
    }
}

/// Runs one case against a fresh server and returns how the server's echo
/// loop ended.
fn case(limits: Limits, steps: Vec<Step>) -> Result<(), Error> {
    case_after(limits, &[], steps)
}

/// As [`case`], with `early` sent in the same write as the handshake.
fn case_after(limits: Limits, early: &[u8], steps: Vec<Step>) -> Result<(), Error> {
    let (port, server) = spawn_server(limits);
    let mut peer = Peer::connect_sending(port, early);
    peer.run(steps);
    drop(peer);
    server.join().expect("the server thread does not panic")
}

fn ok_case(steps: Vec<Step>) {
    assert_eq!(case(Limits::default(), steps), Ok(()));
}

fn failing_case(steps: Vec<Step>, err: FrameError) {
    assert_eq!(
        case(Limits::default(), steps),
        Err(Error::Protocol(ProtocolError::Frame(err)))
    );
}

#[test]
fn echo_of_each_length_and_chopped_then_a_clean_close() {
    let t = ascii(65536);
    let b = bytes_of_len(126);
    ok_case(vec![
        send(&[text(""), text(ascii(125)), binary(&b)]),
        Expect(vec![r_text(""), r_text(ascii(125)), r_binary(&b)]),
        Chop(text(&t).bytes(), 997),
        Chop(binary(bytes_of_len(300)).bytes(), 1),
        Expect(vec![r_text(&t), r_binary(bytes_of_len(300))]),
        send(&[close(1000, "bye")]),
        ExpectEnd(vec![r_close(1000)]),
    ]);
}

#[test]
fn ping_and_pong() {
    let p = bytes_of_len(125);
    ok_case(vec![
        send(&[ping(""), ping(&p), pong("unsolicited"), ping("last")]),
        Expect(vec![r_pong(""), r_pong(&p), r_pong("last")]),
        Chop(ping("chopped").bytes(), 1),
        Expect(vec![r_pong("chopped")]),
        send(&[close_empty()]),
        ExpectEnd(vec![Reply::Close(None, String::new())]),
    ]);
}

#[test]
fn a_ping_of_126_bytes_fails_with_1002() {
    failing_case(
        vec![send(&[ping([0; 126])]), ExpectEnd(vec![r_close(1002)])],
        FrameError::ControlTooLong {
            opcode: PING,
            len: 126,
        },
    );
}

#[test]
fn reserved_bits_fail_with_1002_after_the_earlier_message_is_echoed() {
    failing_case(
        vec![
            send(&[text("Hello, world!")]),
            Expect(vec![r_text("Hello, world!")]),
            send(&[text("Hello, world!").rsv(1)]),
            ExpectEnd(vec![r_close(1002)]),
        ],
        FrameError::ReservedBits { bits: 1 },
    );
}

#[test]
fn a_reserved_opcode_fails_with_1002() {
    failing_case(
        vec![send(&[frame(0xB, "payload")]), ExpectEnd(vec![r_close(1002)])],
        FrameError::UnknownOpcode { opcode: 0xB },
    );
}

#[test]
fn an_unmasked_client_frame_fails_with_1002() {
    failing_case(
        vec![send(&[text("Hello").unmasked()]), ExpectEnd(vec![r_close(1002)])],
        FrameError::UnmaskedClientFrame,
    );
}

#[test]
fn fragments_with_a_ping_between_then_a_new_message_inside_one() {
    ok_case(vec![
        send(&[
            text("frag").fin(false),
            ping("mid"),
            cont("ment").fin(false),
            cont("ed"),
        ]),
        Expect(vec![r_pong("mid"), r_text("fragmented")]),
        Chop(wire(&fragments(BINARY, &bytes_of_len(100), 1)), 3),
        Expect(vec![r_binary(bytes_of_len(100))]),
        send(&[close(1000, "")]),
        ExpectEnd(vec![r_close(1000)]),
    ]);
    failing_case(
        vec![
            send(&[text("a").fin(false), text("b")]),
            ExpectEnd(vec![r_close(1002)]),
        ],
        FrameError::ExpectedContinuation { opcode: TEXT },
    );
}

#[test]
fn invalid_utf8_fails_with_1007() {
    let mut payload = KOSME.as_bytes().to_vec();
    payload.extend_from_slice(b"\xed\xa0\x80edited");
    failing_case(
        vec![send(&[text(&payload)]), ExpectEnd(vec![r_close(1007)])],
        FrameError::InvalidUtf8,
    );
}

#[test]
fn invalid_utf8_fails_fast_before_the_rest_of_the_frame_is_sent() {
    // Autobahn 6.4.3: the frame announces more than the part that is sent;
    // the close comes back without the rest.
    let mut payload = KOSME.as_bytes().to_vec();
    payload.extend_from_slice(b"\xf4\x90\x80\x80");
    let f = text(&payload).announce(payload.len() as u64 + 6);
    failing_case(
        vec![send(&[f]), ExpectEnd(vec![r_close(1007)])],
        FrameError::InvalidUtf8,
    );
    // Autobahn 6.4.1: the same across fragments.
    failing_case(
        vec![
            send(&[text(KOSME).fin(false), cont(b"\xf4\x90\x80\x80").fin(false)]),
            ExpectEnd(vec![r_close(1007)]),
        ],
        FrameError::InvalidUtf8,
    );
}

#[test]
fn close_codes() {
    ok_case(vec![send(&[close(3000, "bye")]), ExpectEnd(vec![r_close(3000)])]);
    ok_case(vec![send(&[close(4999, "")]), ExpectEnd(vec![r_close(4999)])]);
    failing_case(
        vec![send(&[close(1005, "")]), ExpectEnd(vec![r_close(1002)])],
        FrameError::InvalidCloseCode { code: 1005 },
    );
    failing_case(
        vec![send(&[frame(CLOSE, [0x03])]), ExpectEnd(vec![r_close(1002)])],
        FrameError::CloseBodyTooShort,
    );
    failing_case(
        vec![send(&[close(1000, b"\xff")]), ExpectEnd(vec![r_close(1007)])],
        FrameError::InvalidUtf8,
    );
}

#[test]
fn data_after_the_close_is_not_echoed() {
    ok_case(vec![
        send(&[text("before"), close(1000, ""), text("after"), ping("after")]),
        ExpectEnd(vec![r_text("before"), r_close(1000)]),
    ]);
}

#[test]
fn large_messages_and_the_message_limit() {
    let t = ascii(1 << 20);
    ok_case(vec![
        send(&[text(&t)]),
        Expect(vec![r_text(&t)]),
        send(&fragments(BINARY, &bytes_of_len(256 * 1024), 1300)),
        Expect(vec![r_binary(bytes_of_len(256 * 1024))]),
        send(&[close(1000, "")]),
        ExpectEnd(vec![r_close(1000)]),
    ]);
    let mut limits = Limits::default();
    limits.max_message_bytes = 1024;
    let result = case(
        limits,
        vec![
            send(&[text(ascii(1024))]),
            Expect(vec![r_text(ascii(1024))]),
            // Only the header of the large message is sent.
            Send(binary(bytes_of_len(2000)).header()),
            ExpectEnd(vec![r_close(1009)]),
        ],
    );
    assert_eq!(
        result,
        Err(Error::Protocol(ProtocolError::Frame(
            FrameError::MessageTooLarge { limit: 1024 }
        )))
    );
}

#[test]
fn the_length_rules() {
    failing_case(
        vec![
            Send(binary("").announce(1 << 63).len(Len::Ext64).header()),
            ExpectEnd(vec![r_close(1002)]),
        ],
        FrameError::LengthOverflow,
    );
    failing_case(
        vec![
            send(&[binary("x").len(Len::Ext16)]),
            ExpectEnd(vec![r_close(1002)]),
        ],
        FrameError::NonMinimalLength { len: 1 },
    );
}

#[test]
fn a_message_in_the_same_read_as_the_bad_frame_is_echoed_before_the_close() {
    // Autobahn 3.2 and 4.1.3 "in one chop": the server reads both at once.
    failing_case(
        vec![
            send(&[text("Hello, world!"), ping("p"), frame(0x5, "x"), ping("never")]),
            ExpectEnd(vec![r_pong("p"), r_text("Hello, world!"), r_close(1002)]),
        ],
        FrameError::UnknownOpcode { opcode: 0x5 },
    );
    // Frames that come with the handshake's last bytes, too.
    let early = wire(&[text("early"), text("bad").rsv(3)]);
    let result = case_after(
        Limits::default(),
        &early,
        vec![ExpectEnd(vec![r_text("early"), r_close(1002)])],
    );
    assert_eq!(
        result,
        Err(Error::Protocol(ProtocolError::Frame(FrameError::ReservedBits {
            bits: 3
        })))
    );
    let early = wire(&[text("good"), close(1000, "")]);
    let result = case_after(
        Limits::default(),
        &early,
        vec![ExpectEnd(vec![r_text("good"), r_close(1000)])],
    );
    assert_eq!(result, Ok(()));
}
