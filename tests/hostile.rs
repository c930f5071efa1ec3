//! Hostile peers against the server, native and as a component: each case
//! asserts the specific error the server reports for the offending
//! connection, and that the same server still serves a well-behaved client.
#![cfg(not(target_arch = "wasm32"))]

mod common;
// The examples' conversions to WIT records; this test needs only some.
#[allow(dead_code)]
#[path = "../examples/common/wit.rs"]
mod wit;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use websocket_blocking as blocking;
use websocket_build::library_component;
use websocket_engine::{ClientConfig, Limits, Message, ServerConfig, Timeouts, Version};
use websocket_host::bindings::{self, ServerOptions};
use websocket_host::{serve_echo, HostError, Runtime};
use websocket_io::Error;

#[derive(Debug, Clone, Copy)]
enum Mode {
    /// The blocking adapter, a thread per connection.
    Native,
    /// The component in embedded wasmtime, an instance per connection.
    Component,
    /// `serve` built for wasm32 under the wasmtime CLI: one instance
    /// multiplexing every connection.
    Command,
    /// `serve-p3`, the WASI 0.3 command component under the wasmtime CLI:
    /// one instance, a task per connection.
    P3,
}

/// The servers that take any limits.
const MODES: [Mode; 2] = [Mode::Native, Mode::Component];
/// Every server, for the cases that need only the defaults (the command
/// line of `serve` sets no size limits).
const ALL_MODES: [Mode; 4] = [Mode::Native, Mode::Component, Mode::Command, Mode::P3];

/// An echo server that records each failed connection's error code.
struct Server {
    addr: SocketAddr,
    errors: Arc<Mutex<Vec<String>>>,
    _tokio: Option<tokio::runtime::Runtime>,
    _process: Option<Child>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self._process {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn start(mode: Mode, limits: Limits, timeouts: Timeouts) -> Server {
    let errors = Arc::new(Mutex::new(Vec::new()));
    let record = errors.clone();
    match mode {
        Mode::Native => {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let mut config = ServerConfig::default();
            config.limits = limits;
            config.timeouts = timeouts;
            thread::spawn(move || {
                for stream in listener.incoming() {
                    let (config, record) = (config.clone(), record.clone());
                    thread::spawn(move || {
                        if let Err(e) = native_echo(stream.unwrap(), &config) {
                            record.lock().unwrap().push(e.code().to_owned());
                        }
                    });
                }
            });
            Server {
                addr,
                errors,
                _tokio: None,
                _process: None,
            }
        }
        Mode::Component => {
            let rt = Runtime::new(&library_component().unwrap()).unwrap();
            let tokio = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .unwrap();
            let listener = tokio
                .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
                .unwrap();
            let addr = listener.local_addr().unwrap();
            let options = ServerOptions {
                limits: Some(wit_limits(&limits)),
                timeouts: Some(wit::timeouts(&timeouts)),
                ..ServerOptions::default()
            };
            let report = move |_, e: HostError| {
                let code = match e.guest() {
                    Some(e) => guest_code(e),
                    None => format!("host: {e}"),
                };
                record.lock().unwrap().push(code);
            };
            tokio.spawn(serve_echo(rt, listener, options, None, report));
            Server {
                addr,
                errors,
                _tokio: Some(tokio),
                _process: None,
            }
        }
        Mode::Command | Mode::P3 => {
            assert_eq!((limits, timeouts), (Limits::default(), Timeouts::default()));
            let mut command = match mode {
                Mode::P3 => common::p3_server(&[]),
                _ => common::command_server(&[]),
            };
            let mut child = command
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut line = String::new();
            BufReader::new(child.stdout.take().unwrap())
                .read_line(&mut line)
                .unwrap();
            let addr = line
                .trim()
                .strip_prefix("listening on ws://")
                .and_then(|a| a.strip_suffix('/'))
                .unwrap_or_else(|| panic!("{line:?}"))
                .parse()
                .unwrap();
            // Each failure is a line `serve: WHO: MESSAGE (CODE)`.
            let stderr = BufReader::new(child.stderr.take().unwrap());
            thread::spawn(move || {
                for line in stderr.lines().map_while(Result::ok) {
                    let code = line
                        .rsplit_once('(')
                        .map_or(line.as_str(), |(_, c)| c.trim_end_matches(')'));
                    record.lock().unwrap().push(code.to_owned());
                }
            });
            Server {
                addr,
                errors,
                _tokio: None,
                _process: Some(child),
            }
        }
    }
}

fn native_echo(stream: TcpStream, config: &ServerConfig) -> Result<(), Error> {
    let (mut ws, _) = blocking::accept(stream, config.clone())?;
    while let Some(message) = ws.read_message()? {
        ws.send(&message)?
    }
    Ok(())
}

fn wit_limits(l: &Limits) -> bindings::Limits {
    bindings::Limits {
        max_head_bytes: l.max_head_bytes as u32,
        max_headers: l.max_headers as u32,
        max_message_bytes: l.max_message_bytes as u32,
        max_frame_bytes: l.max_frame_bytes as u32,
        max_pending_output: l.max_pending_output as u32,
        output_high_water: l.output_high_water as u32,
    }
}

fn guest_code(e: &bindings::Error) -> String {
    bindings::error_info(e).code.clone()
}

impl Server {
    /// Waits until a connection has failed with `code`.
    fn expect_error(&self, code: &str, mode: Mode) {
        self.expect_any_error(&[code], mode);
    }

    /// Waits until a connection has failed with one of `codes`.
    fn expect_any_error(&self, codes: &[&str], mode: Mode) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let errors = self.errors.lock().unwrap().clone();
            if errors.iter().any(|e| codes.contains(&e.as_str())) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{mode:?}: expected {codes:?}, got {errors:?}"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// A well-behaved client still gets its echo, for every version.
    fn still_serves(&self, mode: Mode) {
        for version in Version::ALL {
            let (mut ws, _) = blocking::connect(&format!("ws://{}/", self.addr), ClientConfig::new(version))
                .unwrap_or_else(|e| panic!("{mode:?} {version}: {e}"));
            ws.send_text("still here").unwrap();
            assert_eq!(
                ws.read_message().unwrap(),
                Some(Message::Text("still here".into()))
            );
            ws.close().unwrap();
            while ws.read_message().unwrap().is_some() {}
        }
    }

    fn raw(&self) -> TcpStream {
        let s = TcpStream::connect(self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s
    }
}

const HIXIE76: &[u8] = b"GET /demo HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\n\
    Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\nSec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\nOrigin: http://example.com\r\n\r\n^n:ds[4U";
const HIXIE75: &[u8] =
    b"GET /demo HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\nOrigin: http://o\r\n\r\n";

/// Sends `bytes` and returns everything the server answers until it closes.
fn exchange(s: &mut TcpStream, bytes: &[u8]) -> Vec<u8> {
    let _ = s.write_all(bytes);
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    answer
}

fn starts_with(answer: &[u8], prefix: &str) -> bool {
    answer.starts_with(prefix.as_bytes())
}

#[test]
fn a_slow_handshake_times_out() {
    for mode in MODES {
        let mut timeouts = Timeouts::default();
        timeouts.handshake = Duration::from_millis(400);
        let server = start(mode, Limits::default(), timeouts);
        let mut s = server.raw();
        let started = Instant::now();
        // One byte every 100 ms: the head would take seconds.
        for b in HIXIE75 {
            if s.write_all(&[*b]).is_err() || started.elapsed() > Duration::from_secs(3) {
                break;
            }
            thread::sleep(Duration::from_millis(100));
        }
        server.expect_error("timeout", mode);
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{mode:?}: the server waited too long"
        );
        server.still_serves(mode);
    }
}

#[test]
fn oversized_heads_and_too_many_headers_get_431() {
    for mode in ALL_MODES {
        let server = start(mode, Limits::default(), Timeouts::default());
        let mut huge = b"GET / HTTP/1.1\r\nX: ".to_vec();
        huge.extend(std::iter::repeat_n(b'a', 20_000));
        assert!(
            starts_with(&exchange(&mut server.raw(), &huge), "HTTP/1.1 431 "),
            "{mode:?}"
        );
        server.expect_error("head-too-large", mode);

        let mut many = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..100 {
            many.extend_from_slice(format!("X-{i}: y\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        assert!(
            starts_with(&exchange(&mut server.raw(), &many), "HTTP/1.1 431 "),
            "{mode:?}"
        );
        server.expect_error("too-many-headers", mode);
        server.still_serves(mode);
    }
}

#[test]
fn invalid_keys_get_400() {
    for mode in ALL_MODES {
        let server = start(mode, Limits::default(), Timeouts::default());
        let request = String::from_utf8_lossy(HIXIE76).replace("4 @1  46546xW%0l 1 5", "12345");
        assert!(
            starts_with(&exchange(&mut server.raw(), request.as_bytes()), "HTTP/1.1 400 "),
            "{mode:?}"
        );
        server.expect_error("key-without-spaces", mode);
        let request = String::from_utf8_lossy(HIXIE76).replace("4 @1  46546xW%0l 1 5", "1 2 3");
        assert!(
            starts_with(&exchange(&mut server.raw(), request.as_bytes()), "HTTP/1.1 400 "),
            "{mode:?}"
        );
        server.expect_error("key-not-multiple", mode);
        server.still_serves(mode);
    }
}

#[test]
fn endless_sentinel_frames_and_huge_lengths_are_bounded() {
    for mode in MODES {
        let mut limits = Limits::default();
        limits.max_message_bytes = 64 * 1024;
        let server = start(mode, limits, Timeouts::default());
        // A text frame that never ends: the server stops at 64 KiB.
        let mut s = server.raw();
        s.write_all(HIXIE75).unwrap();
        s.write_all(&[0x00]).unwrap();
        let chunk = vec![b'a'; 16 * 1024];
        let mut sent = 0;
        while sent < 1024 * 1024 && s.write_all(&chunk).is_ok() {
            sent += chunk.len();
        }
        server.expect_error("message-too-large", mode);
        server.still_serves(mode);

        // A length prefix that never ends, against the default limits.
        let server = start(mode, Limits::default(), Timeouts::default());
        let mut s = server.raw();
        s.write_all(HIXIE75).unwrap();
        let _ = s.write_all(&[0x80]);
        let _ = s.write_all(&[0xFF; 64]);
        server.expect_error("frame-too-large", mode);
        server.still_serves(mode);
    }
}

#[test]
fn early_eof_in_every_state() {
    for mode in ALL_MODES {
        let server = start(mode, Limits::default(), Timeouts::default());
        // In the head, and (hixie76) between the head and key3.
        for cut in [10, HIXIE76.len() - 3] {
            let mut s = server.raw();
            s.write_all(&HIXIE76[..cut]).unwrap();
            s.shutdown(Shutdown::Write).unwrap();
            let _ = s.read_to_end(&mut Vec::new());
        }
        server.expect_error("unexpected-eof", mode);
        // In the middle of a frame.
        let mut s = server.raw();
        s.write_all(HIXIE75).unwrap();
        s.write_all(b"\x00half a fr").unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        let _ = s.read_to_end(&mut Vec::new());
        server.expect_error("truncated", mode);
        server.still_serves(mode);
    }
}

#[test]
fn a_half_closed_hixie75_client_gets_every_reply() {
    for mode in ALL_MODES {
        let server = start(mode, Limits::default(), Timeouts::default());
        let mut s = server.raw();
        s.write_all(HIXIE75).unwrap();
        let mut frames = Vec::new();
        for i in 0..100 {
            websocket_engine::framing::hixie::encode_text(&format!("message {i}"), &mut frames);
        }
        s.write_all(&frames).unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        let mut answer = Vec::new();
        s.read_to_end(&mut answer).unwrap();
        assert!(answer.ends_with(&frames), "{mode:?}: {} bytes back", answer.len());
        assert!(server.errors.lock().unwrap().is_empty(), "{mode:?}");
        server.still_serves(mode);
    }
}

#[test]
fn a_peer_that_stops_reading_is_cut_off() {
    for mode in MODES {
        let mut limits = Limits::default();
        limits.max_pending_output = 256 * 1024;
        let mut timeouts = Timeouts::default();
        timeouts.write = Duration::from_millis(500);
        let server = start(mode, limits, timeouts);
        let mut s = server.raw();
        s.write_all(HIXIE75).unwrap();
        // Never read; keep sending until the server gives up on us.
        let mut frame = Vec::new();
        websocket_engine::framing::hixie::encode_text(&"x".repeat(60_000), &mut frame);
        s.set_write_timeout(Some(Duration::from_millis(200))).unwrap();
        let started = Instant::now();
        while s.write_all(&frame).is_ok() && started.elapsed() < Duration::from_secs(20) {}
        // The server stops reading once its replies pile up; the write
        // time-out then cuts the peer off.
        server.expect_error("timeout", mode);
        server.still_serves(mode);
    }
}

const RFC6455: &[u8] = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
    Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

/// A client frame with `first` as its first byte (FIN, RSV and opcode) and
/// `payload`, masked with a fixed key.
fn client_frame(first: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let binary = websocket_engine::framing::rfc6455::OpCode::Binary;
    websocket_engine::framing::rfc6455::encode_frame(true, binary, payload, Some([1, 2, 3, 4]), &mut out)
        .unwrap();
    out[0] = first;
    out
}

/// Sends the RFC 6455 handshake then `frames`; returns what the server
/// sent after its 101 response, until it closed the connection.
fn rfc6455_exchange(server: &Server, frames: &[u8]) -> Vec<u8> {
    let mut s = server.raw();
    let mut request = RFC6455.to_vec();
    request.extend_from_slice(frames);
    let answer = exchange(&mut s, &request);
    assert!(starts_with(&answer, "HTTP/1.1 101 Switching Protocols\r\n"));
    let end = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    answer[end..].to_vec()
}

/// The unmasked close frame a server sends with `code` and no reason.
fn close_frame(code: u16) -> Vec<u8> {
    let [hi, lo] = code.to_be_bytes();
    vec![0x88, 0x02, hi, lo]
}

#[test]
fn rfc6455_invalid_frames_get_their_close_code() {
    for mode in ALL_MODES {
        let server = start(mode, Limits::default(), Timeouts::default());
        let echo = client_frame(0x81, b"ok");
        let cases: [(Vec<u8>, &str, u16); 7] = [
            (vec![0x81, 0x02, b'n', b'o'], "unmasked-client-frame", 1002),
            (client_frame(0xC1, b"x"), "reserved-bits", 1002),
            (client_frame(0x83, b""), "unknown-opcode", 1002),
            (client_frame(0x09, b""), "fragmented-control", 1002),
            (
                client_frame(0x81, b"\xce\xba\xf4\x90\x80\x80"),
                "invalid-utf8",
                1007,
            ),
            (client_frame(0x80, b"x"), "unexpected-continuation", 1002),
            (client_frame(0x88, &[0x03, 0xED]), "invalid-close-code", 1002),
        ];
        for (frame, code, close) in cases {
            // A good message first: it is echoed before the failure.
            let mut frames = echo.clone();
            frames.extend_from_slice(&frame);
            let answer = rfc6455_exchange(&server, &frames);
            let mut expected = vec![0x81, 0x02, b'o', b'k'];
            expected.extend_from_slice(&close_frame(close));
            assert_eq!(answer, expected, "{mode:?} {code}");
            server.expect_error(code, mode);
        }
        server.still_serves(mode);
    }
}

#[test]
fn rfc6455_oversized_frames_are_refused_before_buffering() {
    for mode in MODES {
        let mut limits = Limits::default();
        limits.max_message_bytes = 64 * 1024;
        limits.max_frame_bytes = 32 * 1024;
        let server = start(mode, limits, Timeouts::default());
        // A header announcing 40 KiB: refused on the header, payload unsent.
        let header = [0x82, 0xFE, 0xA0, 0x00, 1, 2, 3, 4];
        assert_eq!(rfc6455_exchange(&server, &header), close_frame(1009), "{mode:?}");
        server.expect_error("frame-too-large", mode);
        // 3 fragments of 30 KiB: the third would pass the 64 KiB message limit.
        let mut frames = Vec::new();
        for (i, first) in [0x02u8, 0x00, 0x80].into_iter().enumerate() {
            let mut f = client_frame(first, &vec![i as u8; 30 * 1024]);
            if i == 2 {
                f.truncate(8);
            }
            frames.extend_from_slice(&f);
        }
        assert_eq!(rfc6455_exchange(&server, &frames), close_frame(1009), "{mode:?}");
        server.expect_error("message-too-large", mode);
        // A 64-bit length with its top bit set.
        let huge = [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4];
        assert_eq!(rfc6455_exchange(&server, &huge), close_frame(1002), "{mode:?}");
        server.expect_error("length-overflow", mode);
        // A length in more bytes than it needs.
        let long = [0x82, 0xFE, 0x00, 0x05, 1, 2, 3, 4];
        assert_eq!(rfc6455_exchange(&server, &long), close_frame(1002), "{mode:?}");
        server.expect_error("non-minimal-length", mode);
        server.still_serves(mode);
    }
}

#[test]
fn rfc6455_early_eof_and_pings_while_closing() {
    for mode in ALL_MODES {
        let server = start(mode, Limits::default(), Timeouts::default());
        // EOF inside a frame: nothing to answer, the connection is truncated.
        let frame = client_frame(0x81, b"half a frame");
        assert_eq!(rfc6455_exchange(&server, &frame[..9]), b"", "{mode:?}");
        server.expect_error("truncated", mode);
        // A ping is answered, then the close is echoed with its code.
        let mut frames = client_frame(0x89, b"are you there");
        frames.extend_from_slice(&client_frame(0x88, b"\x0f\xa0bye"));
        let mut expected = vec![0x8A, 13];
        expected.extend_from_slice(b"are you there");
        expected.extend_from_slice(&close_frame(4000));
        assert_eq!(rfc6455_exchange(&server, &frames), expected, "{mode:?}");
        server.still_serves(mode);
    }
}

/// How a peer that flooded the server without reading then ends.
#[derive(Debug, Clone, Copy)]
enum Ending {
    Close,
    HalfClose,
    InvalidFrame,
}

/// An RFC 6455 peer that writes masked 64 KiB messages without ever reading
/// until the server stops taking them (its writes block for 500 ms), then
/// ends as `ending` says.
fn flood(server: &Server, ending: Ending) -> thread::JoinHandle<()> {
    let mut s = server.raw();
    thread::spawn(move || {
        s.write_all(RFC6455).unwrap();
        s.set_write_timeout(Some(Duration::from_millis(500))).unwrap();
        let frame = client_frame(0x82, &vec![7; 64 * 1024]);
        let started = Instant::now();
        while s.write_all(&frame).is_ok() && started.elapsed() < Duration::from_secs(30) {}
        match ending {
            Ending::Close => drop(s),
            Ending::HalfClose => {
                let _ = s.shutdown(Shutdown::Write);
                thread::sleep(Duration::from_secs(3));
            }
            Ending::InvalidFrame => {
                let _ = s.write_all(&client_frame(0xC1, b"reserved bit"));
                thread::sleep(Duration::from_secs(3));
            }
        }
    })
}

/// Every version's client gets one echo back within a second, `rounds`
/// times; returns the slowest round trip.
fn answered_within_a_second(
    server: &Server,
    mode: Mode,
    clients: &mut [blocking::WebSocket<blocking::MaybeTlsStream>],
    rounds: usize,
) -> Duration {
    let mut slowest = Duration::ZERO;
    for round in 0..rounds {
        for ws in clients.iter_mut() {
            let started = Instant::now();
            let text = format!("round {round}");
            ws.send_text(&text).unwrap();
            assert_eq!(ws.read_message().unwrap(), Some(Message::text(text)), "{mode:?}");
            slowest = slowest.max(started.elapsed());
        }
        thread::sleep(Duration::from_millis(100));
    }
    assert!(
        slowest < Duration::from_secs(1),
        "{mode:?} {}: an echo took {slowest:?}",
        server.addr
    );
    slowest
}

#[test]
fn a_flooding_peer_that_does_not_read_stalls_no_one() {
    for mode in ALL_MODES {
        let server = start(mode, Limits::default(), Timeouts::default());
        let mut clients: Vec<_> = Version::ALL
            .into_iter()
            .map(|version| {
                blocking::connect(&format!("ws://{}/", server.addr), ClientConfig::new(version))
                    .unwrap()
                    .0
            })
            .collect();
        for ending in [Ending::Close, Ending::HalfClose, Ending::InvalidFrame] {
            let flooder = flood(&server, ending);
            // While it floods, and after it ends.
            answered_within_a_second(&server, mode, &mut clients, 10);
            flooder.join().unwrap();
            answered_within_a_second(&server, mode, &mut clients, 3);
        }
        server.still_serves(mode);
    }
}
