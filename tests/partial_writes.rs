//! Writes the transport takes only in part, and writes cancelled half way:
//! the peer must see every byte exactly once, in order. (Before the
//! session owned the output's progress, the blocking and tokio adapters
//! advanced it only after a whole `write_all`, so a write that stopped half
//! way was sent again from its start.)
#![cfg(not(target_arch = "wasm32"))]

use std::io::{self, Read, Write};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use websocket_engine::{blocking, tokio_io, ServerConfig};

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
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            // A pipe of 64 bytes, read 16 bytes a millisecond: a large send
            // is under way for a while.
            let (server, mut peer) = tokio::io::duplex(64);
            let reader = tokio::spawn(async move {
                tokio::io::AsyncWriteExt::write_all(&mut peer, REQUEST)
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
            let first = "a".repeat(4000);
            let second = "b".repeat(4000);
            // A read cancelled while it writes what is queued.
            ws.session_mut().send_text(&first).unwrap();
            tokio::select! {
                _ = ws.next_event() => panic!("the peer sent nothing"),
                () = tokio::time::sleep(Duration::from_millis(20)) => {}
            }
            // A send cancelled half way.
            tokio::select! {
                _ = ws.send_text(&second) => panic!("the send cannot be done yet"),
                () = tokio::time::sleep(Duration::from_millis(20)) => {}
            }
            ws.send_text("third").await.unwrap();
            ws.close().await.unwrap();
            drop(ws);
            let got = reader.await.unwrap();
            let mut want = Vec::new();
            for text in [&first[..], &second[..], "third"] {
                websocket_engine::framing::hixie::encode_text(text, &mut want);
            }
            assert!(
                frames(&got) == want,
                "{} bytes came, {} expected",
                frames(&got).len(),
                want.len()
            );
        });
}
