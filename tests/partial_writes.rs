//! Writes the transport takes only in part, and writes cancelled half way:
//! the peer must see every byte exactly once, in order. (Before the
//! session owned the output's progress, the blocking and tokio adapters
//! advanced it only after a whole `write_all`, so a write that stopped half
//! way was sent again from its start.)
#![cfg(not(target_arch = "wasm32"))]

use std::io::{self, Read, Write};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use websocket_blocking as blocking;
use websocket_engine::framing::rfc6455::{self, OpCode};
use websocket_engine::{Message, ServerConfig};
use websocket_tokio as tokio_io;

/// A hixie75 request, the simplest handshake there is.
const REQUEST: &[u8] =
    b"GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\nOrigin: http://h\r\n\r\n";

/// A stream that gives the request, then has nothing more to read, and
/// takes at most 5 bytes a write, failing every second write with
/// `WouldBlock` as a socket whose write time-out ran out does.
#[derive(Default)]
struct Choppy {
    read: bool,
    stall: bool,
    written: Vec<u8>,
}

impl Read for Choppy {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if std::mem::replace(&mut self.read, true) {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        buf[..REQUEST.len()].copy_from_slice(REQUEST);
        Ok(REQUEST.len())
    }
}

impl Write for Choppy {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stall = !self.stall;
        if !self.stall {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = buf.len().min(5);
        self.written.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl blocking::Stream for Choppy {}

/// What was written after the handshake's response.
fn frames(written: &[u8]) -> &[u8] {
    let end = written
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response")
        + 4;
    &written[end..]
}

#[test]
fn blocking_writes_taken_in_part_are_sent_once() {
    let (mut ws, _) = blocking::accept(Choppy::default(), ServerConfig::new()).expect("the handshake");
    // A write that stops half way is not an error while the session's write
    // time-out has not run out; either way nothing may be sent twice.
    let _ = ws.send_text("hello world");
    ws.send_text("second").unwrap();
    assert_eq!(frames(&ws.get_ref().written), b"\0hello world\xff\0second\xff");
}

#[test]
fn tokio_reads_and_sends_cancelled_in_select_lose_and_repeat_nothing() {
    let messages = ["a".repeat(4000), "b".repeat(4000), "third".into()].map(Message::text);
    let got = cancelled_sends(REQUEST, &messages);
    let mut want = Vec::new();
    for message in &messages {
        websocket_engine::framing::hixie::encode_text(message.as_text().unwrap(), &mut want);
    }
    assert!(got == want, "{} bytes came, {} expected", got.len(), want.len());
}

/// The same with RFC 6455 messages large enough to be sent from their own
/// payload (vectored output): a write that takes part of a header, or
/// part of a payload, and a send cancelled between them.
#[test]
fn tokio_vectored_sends_cancelled_lose_and_repeat_nothing() {
    let request = b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    let messages = [
        Message::binary(vec![1; 10_000]),
        Message::text("b".repeat(20_000)),
        Message::text("third"),
    ];
    let got = cancelled_sends(request, &messages);
    let mut want = Vec::new();
    for message in &messages {
        let (opcode, payload) = match message {
            Message::Text(text) => (OpCode::Text, text.as_bytes()),
            Message::Binary(data) => (OpCode::Binary, data),
            other => panic!("{other:?}"),
        };
        rfc6455::encode_frame(true, opcode, payload, None, &mut want).unwrap();
    }
    // The close frame follows.
    assert!(
        got.starts_with(&want),
        "{} bytes came, {} expected first",
        got.len(),
        want.len()
    );
}

/// Accepts `request` over a pipe of 64 bytes read 16 bytes a millisecond
/// (so a large send is under way for a while), queues the first message
/// and cancels a read while it goes out, cancels the send of the second
/// half way, sends the third and closes; returns what the peer read after
/// the handshake's response.
fn cancelled_sends(request: &'static [u8], messages: &[Message; 3]) -> Vec<u8> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let (server, mut peer) = tokio::io::duplex(64);
            let reader = tokio::spawn(async move {
                tokio::io::AsyncWriteExt::write_all(&mut peer, request)
                    .await
                    .unwrap();
                let mut got = Vec::new();
                let mut buf = [0u8; 16];
                loop {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    match peer.read(&mut buf).await.unwrap() {
                        0 => return got,
                        n => got.extend_from_slice(&buf[..n]),
                    }
                }
            });
            let (mut ws, _) = tokio_io::accept(server, ServerConfig::new()).await.unwrap();
            let [first, second, third] = messages;
            // A read cancelled while it writes what is queued.
            ws.session_mut().send(first).unwrap();
            tokio::select! {
                _ = ws.next_event() => panic!("the peer sent nothing"),
                () = tokio::time::sleep(Duration::from_millis(20)) => {}
            }
            // A send cancelled half way.
            tokio::select! {
                _ = ws.send(second) => panic!("the send cannot be done yet"),
                () = tokio::time::sleep(Duration::from_millis(20)) => {}
            }
            ws.send(third).await.unwrap();
            ws.close().await.unwrap();
            drop(ws);
            frames(&reader.await.unwrap()).to_vec()
        })
}
