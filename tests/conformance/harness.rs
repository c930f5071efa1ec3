//! The harness of the conformance suite: a raw frame builder that can break
//! every rule, the engine under test run as an echo loop, and a decoder of
//! its replies.
//!
//! The builder is the scripted peer: it writes exact bytes (FIN, RSV,
//! opcode, MASK, any length encoding, any key), masking with its own
//! byte-at-a-time XOR so that it does not share code with the engine.

use std::fmt;

use std::time::Instant;
use websocket_engine::framing::rfc6455::Decoder;
use websocket_engine::framing::Frame;
use websocket_engine::Status;

use websocket_engine::{
    ClientConfig, Event, FrameError, Limits, ProtocolError, Role, SeededEntropy, ServerConfig, Session,
    State, Version,
};

pub const CONT: u8 = 0x0;
pub const TEXT: u8 = 0x1;
pub const BINARY: u8 = 0x2;
pub const CLOSE: u8 = 0x8;
pub const PING: u8 = 0x9;
pub const PONG: u8 = 0xA;

/// The masking key of the scripted client unless a case picks another;
/// its bytes all differ, so a key used at the wrong offset shows.
pub const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// How a frame's payload length is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Len {
    /// In the fewest bytes, as RFC 6455 section 5.2 requires.
    Minimal,
    /// Always in the 16-bit form (7-bit field 126).
    Ext16,
    /// Always in the 64-bit form (7-bit field 127).
    Ext64,
}

/// One frame, exactly as it will be put on the wire.
#[derive(Clone)]
pub struct RawFrame {
    pub fin: bool,
    pub rsv: u8,
    pub opcode: u8,
    pub mask: Option<[u8; 4]>,
    pub len: Len,
    /// The length written in the header, when it is not the payload's.
    pub announce: Option<u64>,
    pub payload: Vec<u8>,
}

/// A final, masked frame with a minimal length: what a good client sends.
pub fn frame(opcode: u8, payload: impl AsRef<[u8]>) -> RawFrame {
    RawFrame {
        fin: true,
        rsv: 0,
        opcode,
        mask: Some(KEY),
        len: Len::Minimal,
        announce: None,
        payload: payload.as_ref().to_vec(),
    }
}

pub fn text(payload: impl AsRef<[u8]>) -> RawFrame {
    frame(TEXT, payload)
}

pub fn binary(payload: impl AsRef<[u8]>) -> RawFrame {
    frame(BINARY, payload)
}

pub fn cont(payload: impl AsRef<[u8]>) -> RawFrame {
    frame(CONT, payload)
}

pub fn ping(payload: impl AsRef<[u8]>) -> RawFrame {
    frame(PING, payload)
}

pub fn pong(payload: impl AsRef<[u8]>) -> RawFrame {
    frame(PONG, payload)
}

/// A close frame with a code and a reason (which may be any bytes).
pub fn close(code: u16, reason: impl AsRef<[u8]>) -> RawFrame {
    let mut body = code.to_be_bytes().to_vec();
    body.extend_from_slice(reason.as_ref());
    frame(CLOSE, body)
}

/// A close frame with no body.
pub fn close_empty() -> RawFrame {
    frame(CLOSE, [])
}

impl RawFrame {
    pub fn fin(mut self, fin: bool) -> Self {
        self.fin = fin;
        self
    }

    pub fn rsv(mut self, rsv: u8) -> Self {
        self.rsv = rsv;
        self
    }

    pub fn key(mut self, key: [u8; 4]) -> Self {
        self.mask = Some(key);
        self
    }

    /// As a server sends it (and as a client must not).
    pub fn unmasked(mut self) -> Self {
        self.mask = None;
        self
    }

    pub fn len(mut self, len: Len) -> Self {
        self.len = len;
        self
    }

    /// Writes `n` as the length whatever the payload is.
    pub fn announce(mut self, n: u64) -> Self {
        self.announce = Some(n);
        self
    }

    /// The header: up to 14 bytes.
    pub fn header(&self) -> Vec<u8> {
        assert!(self.rsv < 8 && self.opcode < 16);
        let mut out = vec![u8::from(self.fin) << 7 | self.rsv << 4 | self.opcode];
        let mask_bit = if self.mask.is_some() { 0x80 } else { 0 };
        let n = self.announce.unwrap_or(self.payload.len() as u64);
        let form = match self.len {
            Len::Minimal if n < 126 => Len::Minimal,
            Len::Minimal if n <= 0xFFFF => Len::Ext16,
            Len::Minimal => Len::Ext64,
            other => other,
        };
        match form {
            Len::Minimal => out.push(mask_bit | n as u8),
            Len::Ext16 => {
                out.push(mask_bit | 126);
                out.extend_from_slice(&u16::try_from(n).expect("fits 16 bits").to_be_bytes());
            }
            Len::Ext64 => {
                out.push(mask_bit | 127);
                out.extend_from_slice(&n.to_be_bytes());
            }
        }
        if let Some(key) = self.mask {
            out.extend_from_slice(&key);
        }
        out
    }

    /// The header and the (masked) payload.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = self.header();
        let start = out.len();
        out.extend_from_slice(&self.payload);
        if let Some(key) = self.mask {
            xor(&mut out[start..], key);
        }
        out
    }
}

impl fmt::Debug for RawFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RawFrame(fin {} rsv {} opcode {:#x} mask {:?} {:?}",
            self.fin, self.rsv, self.opcode, self.mask, self.len
        )?;
        if let Some(n) = self.announce {
            write!(f, " announcing {n}")?;
        }
        write!(f, " payload {})", Short(&self.payload))
    }
}

/// RFC 6455 section 5.3, one byte at a time: byte `i` XOR `key[i % 4]`.
pub fn xor(data: &mut [u8], key: [u8; 4]) {
    for (i, b) in data.iter_mut().enumerate() {
        *b ^= key[i & 3];
    }
}

/// The frames, back to back.
pub fn wire(frames: &[RawFrame]) -> Vec<u8> {
    frames.iter().flat_map(RawFrame::bytes).collect()
}

/// A message split into frames of `size` payload bytes (the first with
/// `opcode`, the rest continuations, the last final).
pub fn fragments(opcode: u8, payload: &[u8], size: usize) -> Vec<RawFrame> {
    let chunks: Vec<&[u8]> = if payload.is_empty() {
        vec![&[]]
    } else {
        payload.chunks(size).collect()
    };
    let last = chunks.len() - 1;
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, c)| frame(if i == 0 { opcode } else { CONT }, c).fin(i == last))
        .collect()
}

/// `n` bytes of ASCII text that do not repeat with the key's period.
pub fn ascii(n: usize) -> String {
    String::from_utf8((0..n).map(|i| b'!' + (i % 89) as u8).collect()).expect("ASCII")
}

/// `n` bytes of every value, 0xFE and 0xFF included.
pub fn bytes_of_len(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + 3) as u8).collect()
}

/// A reply decoded from the engine's output.
#[derive(Clone, PartialEq, Eq)]
pub enum Reply {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    /// The code (`None` for an empty body) and the reason.
    Close(Option<u16>, String),
}

pub fn r_text(s: impl Into<String>) -> Reply {
    Reply::Text(s.into())
}

pub fn r_binary(b: impl AsRef<[u8]>) -> Reply {
    Reply::Binary(b.as_ref().to_vec())
}

pub fn r_pong(b: impl AsRef<[u8]>) -> Reply {
    Reply::Pong(b.as_ref().to_vec())
}

pub fn r_close(code: u16) -> Reply {
    Reply::Close(Some(code), String::new())
}

impl From<Frame<'_>> for Reply {
    fn from(frame: Frame<'_>) -> Reply {
        match frame {
            Frame::Text(t) => Reply::Text(t.into_owned()),
            Frame::Binary(payload) => Reply::Binary(payload.into_owned()),
            Frame::HixieFrame { .. } => panic!("RFC 6455 has no hixie frames"),
            Frame::Ping(p) => Reply::Ping(p.to_vec()),
            Frame::Pong(p) => Reply::Pong(p.to_vec()),
            Frame::Close(body) => match body {
                None => Reply::Close(None, String::new()),
                Some(b) => Reply::Close(Some(b.code), b.reason.to_owned()),
            },
        }
    }
}

/// Payloads are long; show their length and their first bytes.
struct Short<'a>(&'a [u8]);

impl fmt::Display for Short<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOW: usize = 24;
        write!(
            f,
            "[{} bytes: {:02x?}",
            self.0.len(),
            &self.0[..self.0.len().min(SHOW)]
        )?;
        if self.0.len() > SHOW {
            f.write_str("...")?;
        }
        f.write_str("]")
    }
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reply::Text(t) if t.len() <= 48 => write!(f, "Text({t:?})"),
            Reply::Text(t) => write!(f, "Text({})", Short(t.as_bytes())),
            Reply::Binary(b) => write!(f, "Binary({})", Short(b)),
            Reply::Ping(b) => write!(f, "Ping({})", Short(b)),
            Reply::Pong(b) => write!(f, "Pong({})", Short(b)),
            Reply::Close(code, reason) => write!(f, "Close({code:?}, {reason:?})"),
        }
    }
}

/// Decodes everything a `from` endpoint sent with the library's decoder for
/// the other role (so a server's frames must be unmasked, a client's
/// masked, and both well-formed); the output must end on a frame boundary.
pub fn decode_replies(from: Role, wire: &[u8]) -> Vec<Reply> {
    let reader = match from {
        Role::Server => Role::Client,
        Role::Client => Role::Server,
    };
    let mut decoder = Decoder::new(reader, &Limits::default());
    let mut replies = Vec::new();
    let mut pos = 0;
    while pos < wire.len() {
        match decoder.decode(&wire[pos..]) {
            Ok(Status::Complete {
                value: frame,
                consumed,
            }) => {
                replies.push(Reply::from(frame));
                pos += consumed;
            }
            Ok(Status::Partial) => panic!(
                "the output ends inside a frame ({} bytes left) after {replies:?}",
                wire.len() - pos
            ),
            Err(e) => panic!("the output is not well-formed: {e:?} after {replies:?}"),
        }
    }
    replies
}

/// One frame of a client's output, read by hand: header fields and the
/// unmasked payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub fin: bool,
    pub rsv: u8,
    pub opcode: u8,
    pub key: Option<[u8; 4]>,
    pub payload: Vec<u8>,
}

/// Splits output into frames by hand (no library code), unmasking.
pub fn parse_by_hand(mut wire: &[u8]) -> Vec<Sent> {
    let mut out = Vec::new();
    while !wire.is_empty() {
        let (b0, b1) = (wire[0], wire[1]);
        let mut at = 2;
        let len = match b1 & 0x7F {
            126 => {
                at += 2;
                u64::from(u16::from_be_bytes([wire[2], wire[3]]))
            }
            127 => {
                at += 8;
                u64::from_be_bytes(wire[2..10].try_into().unwrap())
            }
            n => u64::from(n),
        } as usize;
        let key = (b1 & 0x80 != 0).then(|| {
            at += 4;
            wire[at - 4..at].try_into().unwrap()
        });
        let mut payload = wire[at..at + len].to_vec();
        if let Some(key) = key {
            xor(&mut payload, key);
        }
        out.push(Sent {
            fin: b0 & 0x80 != 0,
            rsv: (b0 >> 4) & 7,
            opcode: b0 & 0x0F,
            key,
            payload,
        });
        wire = &wire[at + len..];
    }
    out
}

/// The engine under test: an open RFC 6455 [`Session`] run as an echo
/// loop. Every call to [`Sut::feed`] is one `handle_input`, after which
/// every event is polled, each message is echoed with `send_text` or
/// `send_binary`, and the output is taken.
pub struct Sut {
    pub conn: Session,
    pub role: Role,
    /// The instant every call is made at (no timer runs out in these cases).
    pub now: Instant,
    /// Every event polled after `Opened`, in order.
    pub events: Vec<Event>,
    /// The failure the session reported, once it did.
    pub error: Option<ProtocolError>,
    /// Echoes the session refused.
    pub refused: Vec<ProtocolError>,
    wire: Vec<u8>,
}

impl Sut {
    pub fn new(role: Role, limits: &Limits) -> Sut {
        let now = Instant::now();
        let mut conn = match role {
            Role::Server => {
                let mut config = ServerConfig::default();
                config.limits = limits.clone();
                Session::open_server(Version::Rfc6455, &config, None, now)
            }
            Role::Client => {
                let mut config = ClientConfig::new(Version::Rfc6455);
                config.limits = limits.clone();
                Session::open_client(&config, &mut SeededEntropy::new(0x6455), None, now).expect("a session")
            }
        };
        assert_eq!(conn.poll_event(), Some(Event::Opened));
        Sut {
            conn,
            role,
            now,
            events: Vec::new(),
            error: None,
            refused: Vec::new(),
            wire: Vec::new(),
        }
    }

    /// A server with the default limits.
    pub fn server() -> Sut {
        Sut::new(Role::Server, &Limits::default())
    }

    pub fn server_with(limits: &Limits) -> Sut {
        Sut::new(Role::Server, limits)
    }

    pub fn client() -> Sut {
        Sut::new(Role::Client, &Limits::default())
    }

    /// One `handle_input` call, then the echo loop; the session's failure,
    /// if it has one.
    pub fn feed(&mut self, input: &[u8]) -> Result<(), ProtocolError> {
        self.conn.handle_input(self.now, input);
        self.pump();
        self.result()
    }

    /// `handle_eof`, then the echo loop.
    pub fn eof(&mut self) -> Result<(), ProtocolError> {
        self.conn.handle_eof(self.now);
        self.pump();
        self.result()
    }

    fn result(&mut self) -> Result<(), ProtocolError> {
        match self.conn.error() {
            None => Ok(()),
            Some(e) => {
                match &self.error {
                    None => self.error = Some(e.clone()),
                    Some(first) => assert_eq!(first, e, "one failure"),
                }
                Err(e.clone())
            }
        }
    }

    /// Feeds `input` in pieces of `chop` bytes, stopping at the first error.
    pub fn feed_chopped(&mut self, input: &[u8], chop: usize) -> Result<(), ProtocolError> {
        input.chunks(chop).try_for_each(|c| self.feed(c))
    }

    /// Each frame with its own `handle_input` call (Autobahn's frame-wise
    /// sends), stopping at the first error.
    pub fn feed_frames(&mut self, frames: &[RawFrame]) -> Result<(), ProtocolError> {
        frames.iter().try_for_each(|f| self.feed(&f.bytes()))
    }

    /// Polls every event, echoing messages, and takes the output.
    pub fn pump(&mut self) {
        while let Some(event) = self.conn.poll_event() {
            if let Event::Failed(_) = event {
                // Kept in `error` (by `result`), as the case's outcome.
                continue;
            }
            if let Event::Message(m) = &event {
                let sent = self.conn.send(m);
                if let Err(e) = sent {
                    self.refused.push(e);
                }
            }
            self.events.push(event);
        }
        let out = self.conn.poll_output(self.now);
        let n = out.len();
        self.wire.extend_from_slice(out);
        self.conn.advance_output(n);
    }

    /// The raw output so far (taken).
    pub fn take_wire(&mut self) -> Vec<u8> {
        self.pump();
        std::mem::take(&mut self.wire)
    }

    /// The output so far, decoded (taken).
    pub fn replies(&mut self) -> Vec<Reply> {
        let wire = self.take_wire();
        decode_replies(self.role, &wire)
    }

    /// Ends the case: the replies, events and outcome.
    pub fn outcome(mut self) -> Outcome {
        let replies = self.replies();
        Outcome {
            replies,
            events: self.events,
            error: self.error,
            refused: self.refused,
            state: self.conn.state(),
        }
    }
}

/// How a case ended.
#[derive(Debug)]
pub struct Outcome {
    pub replies: Vec<Reply>,
    pub events: Vec<Event>,
    pub error: Option<ProtocolError>,
    pub refused: Vec<ProtocolError>,
    pub state: State,
}

impl Outcome {
    /// Everything the peer sent was accepted and answered with exactly
    /// `replies`.
    #[track_caller]
    pub fn assert_ok(&self, replies: &[Reply]) {
        assert_eq!(self.error, None, "no error expected");
        assert_eq!(self.refused, [], "every echo is sent");
        assert_eq!(self.replies, replies);
    }

    /// The connection failed with `error`: the replies are `before`, then
    /// a close frame with `code` and nothing after it.
    #[track_caller]
    pub fn assert_failed(&self, before: &[Reply], error: FrameError, code: u16) {
        assert_eq!(error.close_code(), code, "{error:?} maps to {code}");
        assert_eq!(self.error, Some(ProtocolError::Frame(error)));
        assert_eq!(self.refused, [], "the messages before the failure are echoed");
        let mut expected = before.to_vec();
        expected.push(r_close(code));
        assert_eq!(self.replies, expected);
        assert_eq!(self.state, State::Closed);
    }
}

/// A server fed each frame with its own `handle_input` call.
pub fn run(frames: &[RawFrame]) -> Outcome {
    let mut sut = Sut::server();
    let _ = sut.feed_frames(frames);
    sut.outcome()
}

/// A server fed the frames back to back in pieces of `chop` bytes.
pub fn run_chopped(frames: &[RawFrame], chop: usize) -> Outcome {
    let mut sut = Sut::server();
    let _ = sut.feed_chopped(&wire(frames), chop);
    sut.outcome()
}

/// A server fed all the frames in one `handle_input` call.
pub fn run_joined(frames: &[RawFrame]) -> Outcome {
    let mut sut = Sut::server();
    let _ = sut.feed(&wire(frames));
    sut.outcome()
}

/// A server with `limits`, fed each frame with its own call.
pub fn run_with(limits: &Limits, frames: &[RawFrame]) -> Outcome {
    let mut sut = Sut::server_with(limits);
    let _ = sut.feed_frames(frames);
    sut.outcome()
}

/// Runs `frames` frame-wise, in one piece, and in chops of 1, 2, 3 and 7
/// bytes: the outcome must not depend on how the input was split.
#[track_caller]
pub fn assert_ok_every_way(frames: &[RawFrame], replies: &[Reply]) {
    run(frames).assert_ok(replies);
    run_joined(frames).assert_ok(replies);
    for chop in [1, 2, 3, 7] {
        run_chopped(frames, chop).assert_ok(replies);
    }
}

/// As [`assert_ok_every_way`], for a failure: frame-wise, in one piece
/// (where the earlier messages are decoded in the same call as the bad
/// frame, and must still be echoed before the close frame), and in chops.
#[track_caller]
pub fn assert_failed_every_way(frames: &[RawFrame], before: &[Reply], error: FrameError, code: u16) {
    run(frames).assert_failed(before, error.clone(), code);
    run_joined(frames).assert_failed(before, error.clone(), code);
    for chop in [1, 2, 3, 7] {
        run_chopped(frames, chop).assert_failed(before, error.clone(), code);
    }
}

/// "κόσμε" as Autobahn spells it: `ce ba e1 bd b9 cf 83 ce bc ce b5`
/// (its ό is U+1F79, three bytes).
pub const KOSME: &str = "\u{3ba}\u{1f79}\u{3c3}\u{3bc}\u{3b5}";
