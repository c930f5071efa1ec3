//! A recording TCP relay. Put between a peer and a server, it keeps every
//! byte of each connection in both directions, so that a test can read the
//! RFC 6455 frames as they were on the wire (their RSV1 bit, their sizes)
//! with a parser of its own, independent of the engine's.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// One relayed connection: what the client sent and what it received.
#[derive(Clone, Debug, Default)]
pub struct Wire {
    pub up: Vec<u8>,
    pub down: Vec<u8>,
    /// Both directions have ended.
    pub done: bool,
}

/// The relay, listening on `addr` and forwarding to its target.
pub struct Tap {
    pub addr: SocketAddr,
    wires: Arc<Mutex<Vec<Wire>>>,
}

impl Tap {
    /// Relays every connection made to the returned tap to `target`.
    pub fn start(target: SocketAddr) -> Tap {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let wires = Arc::new(Mutex::new(Vec::<Wire>::new()));
        let all = wires.clone();
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { break };
                let Ok(server) = TcpStream::connect(target) else {
                    continue;
                };
                let index = {
                    let mut all = all.lock().unwrap();
                    all.push(Wire::default());
                    all.len() - 1
                };
                let ends = Arc::new(Mutex::new(0));
                for up in [true, false] {
                    let (mut from, mut to) = if up {
                        (client.try_clone().unwrap(), server.try_clone().unwrap())
                    } else {
                        (server.try_clone().unwrap(), client.try_clone().unwrap())
                    };
                    let (all, ends) = (all.clone(), ends.clone());
                    thread::spawn(move || {
                        let mut buf = vec![0; 64 * 1024];
                        while let Ok(n @ 1..) = from.read(&mut buf) {
                            {
                                let mut all = all.lock().unwrap();
                                let wire = &mut all[index];
                                let side = if up { &mut wire.up } else { &mut wire.down };
                                side.extend_from_slice(&buf[..n]);
                            }
                            if to.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                        let _ = to.shutdown(Shutdown::Write);
                        let mut ends = ends.lock().unwrap();
                        *ends += 1;
                        if *ends == 2 {
                            all.lock().unwrap()[index].done = true;
                        }
                    });
                }
            }
        });
        Tap { addr, wires }
    }

    /// The tap standing in for the server at the `ws://` or `http://` URL
    /// `url`: returns it and `url` with the tap's address instead.
    pub fn before(url: &str) -> (Tap, String) {
        let (scheme, rest) = url.split_once("://").expect("a URL");
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let tap = Tap::start(host.parse().expect("a numeric host:port"));
        let url = format!("{scheme}://{}/{path}", tap.addr);
        (tap, url)
    }

    /// The WebSocket connections relayed so far, once each has ended
    /// (waiting up to 30 s for that).
    pub fn websockets(&self) -> Vec<Wire> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let wires: Vec<Wire> = self.wires.lock().unwrap().clone();
            let upgrades: Vec<Wire> = wires.into_iter().filter(Wire::is_websocket).collect();
            if upgrades.iter().all(|w| w.done) || Instant::now() > deadline {
                assert!(
                    upgrades.iter().all(|w| w.done),
                    "a relayed connection never ended"
                );
                return upgrades;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Wire {
    fn is_websocket(&self) -> bool {
        let head = head(&self.up).unwrap_or(&[]);
        String::from_utf8_lossy(head)
            .to_ascii_lowercase()
            .contains("upgrade: websocket")
    }

    /// The `Sec-WebSocket-Extensions` the server answered with.
    pub fn extensions(&self) -> Option<String> {
        let head = String::from_utf8_lossy(head(&self.down)?).into_owned();
        head.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("sec-websocket-extensions")
                .then(|| value.trim().to_owned())
        })
    }

    /// The messages the client sent, as they were on the wire.
    pub fn sent(&self) -> Vec<WireMessage> {
        messages(&self.up)
    }

    /// The messages the client received, as they were on the wire.
    pub fn received(&self) -> Vec<WireMessage> {
        messages(&self.down)
    }
}

/// The HTTP head at the start of `bytes`, up to its blank line.
fn head(bytes: &[u8]) -> Option<&[u8]> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    Some(&bytes[..end + 4])
}

/// A data message as it crossed the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireMessage {
    /// 1 (text) or 2 (binary).
    pub opcode: u8,
    /// The first frame had RSV1: the message was compressed.
    pub compressed: bool,
    /// Its frames' payload bytes on the wire, summed.
    pub wire_len: usize,
    pub frames: usize,
}

/// The data messages of one direction of an RFC 6455 connection (after the
/// opening handshake); control frames are skipped. A frame cut short by the
/// end of the capture ends the list.
pub fn messages(stream: &[u8]) -> Vec<WireMessage> {
    let Some(head) = head(stream) else {
        return Vec::new();
    };
    let mut rest = &stream[head.len()..];
    let mut out: Vec<WireMessage> = Vec::new();
    while rest.len() >= 2 {
        let (b0, b1) = (rest[0], rest[1]);
        let (len, mut at) = match b1 & 0x7F {
            126 if rest.len() >= 4 => (u64::from(u16::from_be_bytes([rest[2], rest[3]])), 4),
            127 if rest.len() >= 10 => (u64::from_be_bytes(rest[2..10].try_into().unwrap()), 10),
            126 | 127 => break,
            n => (u64::from(n), 2),
        };
        if b1 & 0x80 != 0 {
            at += 4;
        }
        let Ok(len) = usize::try_from(len) else { break };
        if rest.len() < at + len {
            break;
        }
        rest = &rest[at + len..];
        match b0 & 0x0F {
            0 => {
                if let Some(last) = out.last_mut() {
                    last.wire_len += len;
                    last.frames += 1;
                }
            }
            opcode @ (1 | 2) => out.push(WireMessage {
                opcode,
                compressed: b0 & 0x40 != 0,
                wire_len: len,
                frames: 1,
            }),
            _ => {}
        }
    }
    out
}
