//! The exchange that opens a tunnel through a proxy, sans-IO: HTTP
//! `CONNECT` (one request, one reply head) or SOCKS5 (a greeting, the
//! method chosen, the credentials if asked for, the connect request and
//! its reply).

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

use super::ProxyScheme;
use crate::error::{HandshakeError, ProxyError};
use crate::handshake::head::{self, HeadReader};
use crate::Status;
use crate::{Limits, Role, WsUrl};

/// The tunnel's opening exchange with a proxy, for either scheme.
///
/// Call order: write [`poll_output`](Self::poll_output) to the proxy and
/// [`advance_output`](Self::advance_output) by what was written; pass what
/// the proxy sends to [`handle_input`](Self::handle_input) until it returns
/// [`Status::Complete`] (the tunnel is open: every byte after it is the
/// server's) or an error; at the end of the proxy's stream,
/// [`handle_eof`](Self::handle_eof) gives the error. The proxy must not
/// send anything past its reply before the client speaks (neither
/// WebSocket nor TLS lets a server speak first), so `Complete` always
/// consumes the whole input.
#[derive(Debug)]
pub struct ProxyHandshake {
    out: Vec<u8>,
    sent: usize,
    step: Step,
    /// SOCKS5: the reply bytes gathered so far (at most one reply).
    buf: Vec<u8>,
    credentials: Option<(String, String)>,
    /// SOCKS5: the connect request, sent once a method is agreed.
    connect: Vec<u8>,
    max_headers: usize,
}

#[derive(Debug)]
enum Step {
    HttpReply(HeadReader),
    SocksMethod,
    SocksAuth,
    SocksReply,
    Done,
}

const SOCKS: u8 = 5;
const NO_AUTH: u8 = 0;
const USER_PASSWORD: u8 = 2;
const NO_METHOD: u8 = 0xFF;

impl ProxyHandshake {
    pub(super) fn new(
        scheme: ProxyScheme,
        credentials: Option<&(String, String)>,
        target: &WsUrl,
        limits: &Limits,
    ) -> Result<Self, ProxyError> {
        let mut hs = ProxyHandshake {
            out: Vec::new(),
            sent: 0,
            step: Step::Done,
            buf: Vec::new(),
            credentials: credentials.cloned(),
            connect: Vec::new(),
            max_headers: limits.max_headers,
        };
        match scheme {
            ProxyScheme::Http => {
                let authority = format!("{}:{}", target.host(), target.port());
                let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
                if let Some((user, password)) = credentials {
                    let token = BASE64.encode(format!("{user}:{password}"));
                    request.push_str(&format!("Proxy-Authorization: Basic {token}\r\n"));
                }
                request.push_str("\r\n");
                hs.out = request.into_bytes();
                hs.step = Step::HttpReply(HeadReader::new(limits.max_head_bytes, Role::Server));
            }
            ProxyScheme::Socks5 => {
                hs.connect = socks_connect(target)?;
                hs.out = match credentials {
                    Some(_) => vec![SOCKS, 2, NO_AUTH, USER_PASSWORD],
                    None => vec![SOCKS, 1, NO_AUTH],
                };
                hs.step = Step::SocksMethod;
            }
        }
        Ok(hs)
    }

    /// The bytes to write to the proxy next (empty while it must answer).
    pub fn poll_output(&self) -> &[u8] {
        &self.out[self.sent..]
    }

    /// Records that the first `n` bytes of [`poll_output`](Self::poll_output)
    /// were written.
    pub fn advance_output(&mut self, n: usize) {
        self.sent = (self.sent + n).min(self.out.len());
    }

    /// True once the tunnel is open.
    pub fn is_complete(&self) -> bool {
        matches!(self.step, Step::Done)
    }

    /// The error for the proxy's stream ending before the tunnel opened.
    pub fn handle_eof(&self) -> ProxyError {
        ProxyError::Closed
    }

    /// Takes bytes from the proxy. `Partial`: all were taken and more are
    /// needed; `Complete`: the tunnel is open.
    pub fn handle_input(&mut self, input: &[u8]) -> Result<Status, ProxyError> {
        match &mut self.step {
            Step::HttpReply(reader) => {
                let consumed = match reader.push(input) {
                    Ok(Some(consumed)) => consumed,
                    Ok(None) => return Ok(Status::Partial),
                    Err(HandshakeError::HeadTooLarge { limit, .. }) => {
                        return Err(ProxyError::ReplyTooLarge { limit })
                    }
                    Err(_) => return Err(malformed("an HTTP reply head")),
                };
                http_reply(reader.bytes(), self.max_headers, self.credentials.is_some())?;
                self.finish(consumed, input.len())
            }
            Step::Done => Err(malformed(AFTER)),
            _ => {
                self.buf.extend_from_slice(input);
                self.socks()
            }
        }
    }

    /// Runs the SOCKS5 steps whose replies are complete in `buf`.
    fn socks(&mut self) -> Result<Status, ProxyError> {
        loop {
            let need = match self.step {
                Step::SocksMethod | Step::SocksAuth => 2,
                Step::SocksReply => match self.buf.get(3) {
                    Some(1) => 4 + 4 + 2,
                    Some(4) => 4 + 16 + 2,
                    Some(3) => match self.buf.get(4) {
                        Some(&len) => 4 + 1 + usize::from(len) + 2,
                        None => return Ok(Status::Partial),
                    },
                    Some(_) => return Err(malformed("a SOCKS5 reply with an unknown address type")),
                    None => return Ok(Status::Partial),
                },
                _ => unreachable!("socks() runs in the SOCKS5 steps only"),
            };
            if self.buf.len() < need {
                return Ok(Status::Partial);
            }
            let reply: Vec<u8> = self.buf.drain(..need).collect();
            match self.step {
                Step::SocksMethod => {
                    self.step = match (reply[0], reply[1], &self.credentials) {
                        (SOCKS, NO_AUTH, _) => self.send_connect(),
                        (SOCKS, USER_PASSWORD, Some((user, password))) => {
                            let mut auth = vec![1, user.len() as u8];
                            auth.extend_from_slice(user.as_bytes());
                            auth.push(password.len() as u8);
                            auth.extend_from_slice(password.as_bytes());
                            self.send(Step::SocksAuth, auth)
                        }
                        (SOCKS, NO_METHOD | USER_PASSWORD, _) => {
                            return Err(ProxyError::AuthenticationRequired)
                        }
                        _ => return Err(malformed("a SOCKS5 method reply")),
                    }
                }
                Step::SocksAuth => {
                    if reply[1] != 0 {
                        return Err(ProxyError::AuthenticationFailed);
                    }
                    self.step = self.send_connect();
                }
                _ => {
                    if reply[0] != SOCKS || reply[2] != 0 {
                        return Err(malformed("a SOCKS5 connect reply"));
                    }
                    if reply[1] != 0 {
                        return Err(ProxyError::Socks { reply: reply[1] });
                    }
                    let rest = self.buf.len();
                    self.buf.clear();
                    return self.finish(0, rest);
                }
            }
        }
    }

    /// Queues `bytes` and returns the step that waits for their answer.
    fn send(&mut self, next: Step, bytes: Vec<u8>) -> Step {
        self.out.extend_from_slice(&bytes);
        next
    }

    /// Queues the connect request (needed once) and waits for its reply.
    fn send_connect(&mut self) -> Step {
        let connect = std::mem::take(&mut self.connect);
        self.send(Step::SocksReply, connect)
    }

    /// The reply ended `consumed` bytes into an input of `len`.
    fn finish(&mut self, consumed: usize, len: usize) -> Result<Status, ProxyError> {
        if consumed != len {
            return Err(malformed(AFTER));
        }
        self.step = Step::Done;
        Ok(Status::Complete { value: (), consumed })
    }
}

const AFTER: &str = "bytes after the reply, before the client spoke";

fn malformed(what: &'static str) -> ProxyError {
    ProxyError::Malformed { what }
}

/// Checks an HTTP proxy's reply head: any 2xx opens the tunnel.
fn http_reply(bytes: &[u8], max_headers: usize, has_credentials: bool) -> Result<(), ProxyError> {
    let head = head::parse(bytes, Role::Server, max_headers).map_err(|_| malformed("an HTTP reply head"))?;
    let mut parts = head.start.splitn(3, ' ');
    let (version, status) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    // Three digits exactly: `+20` or `0200` are refused.
    let status: u16 = match status.parse() {
        Ok(code)
            if version.starts_with("HTTP/1.")
                && status.len() == 3
                && status.bytes().all(|b| b.is_ascii_digit()) =>
        {
            code
        }
        _ => return Err(malformed("an HTTP status line")),
    };
    match status {
        200..=299 => Ok(()),
        // 407 is the standard answer; some proxies (tinyproxy) send 401.
        401 | 407 if has_credentials => Err(ProxyError::AuthenticationFailed),
        407 => Err(ProxyError::AuthenticationRequired),
        _ => Err(ProxyError::Refused {
            status,
            reason: parts.next().unwrap_or("").to_owned(),
        }),
    }
}

/// The SOCKS5 connect request for the target's host and port: an address
/// for an IP literal, else the name for the proxy to resolve.
fn socks_connect(target: &WsUrl) -> Result<Vec<u8>, ProxyError> {
    let mut request = vec![SOCKS, 1, 0];
    let host = target.host();
    if let Ok(v4) = host.parse::<std::net::Ipv4Addr>() {
        request.push(1);
        request.extend_from_slice(&v4.octets());
    } else if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let v6: std::net::Ipv6Addr = v6.parse().map_err(|_| malformed("an IPv6 target"))?;
        request.push(4);
        request.extend_from_slice(&v6.octets());
    } else {
        let len = u8::try_from(host.len()).map_err(|_| ProxyError::InvalidUrl {
            url: target.location(),
            reason: "a host name over 255 bytes cannot go through SOCKS5",
        })?;
        request.push(3);
        request.push(len);
        request.extend_from_slice(host.as_bytes());
    }
    request.extend_from_slice(&target.port().to_be_bytes());
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Proxy;

    fn start(proxy: &str, target: &str) -> ProxyHandshake {
        let target = WsUrl::parse(target).unwrap();
        Proxy::parse(proxy)
            .unwrap()
            .handshake(&target, &Limits::default())
            .unwrap()
    }

    /// Takes all the output, as a transport would.
    fn take(hs: &mut ProxyHandshake) -> Vec<u8> {
        let out = hs.poll_output().to_vec();
        hs.advance_output(out.len());
        out
    }

    /// Feeds `reply` one byte at a time: `Partial` until the last byte.
    fn feed(hs: &mut ProxyHandshake, reply: &[u8]) -> Result<Status, ProxyError> {
        for (i, b) in reply.iter().enumerate() {
            let status = hs.handle_input(&[*b])?;
            if i + 1 < reply.len() && status != Status::Partial {
                return Ok(status);
            }
            if i + 1 == reply.len() {
                return Ok(status);
            }
        }
        hs.handle_input(&[])
    }

    #[test]
    fn http_connect_sends_basic_credentials_and_takes_any_2xx() {
        let mut hs = start("http://us%40er:p%3Ass@proxy:3128", "wss://[::1]:9001/x");
        let request = String::from_utf8(take(&mut hs)).unwrap();
        assert_eq!(
            request,
            "CONNECT [::1]:9001 HTTP/1.1\r\nHost: [::1]:9001\r\nProxy-Authorization: Basic dXNAZXI6cDpzcw==\r\n\r\n"
        );
        assert_eq!(
            feed(&mut hs, b"HTTP/1.0 204 OK\r\nVia: x\r\n\r\n"),
            Ok(Status::Complete {
                value: (),
                consumed: 1
            })
        );
        assert!(hs.is_complete());
    }

    #[test]
    fn http_refusals_have_their_own_errors() {
        let reply = |proxy: &str, reply: &[u8]| {
            let mut hs = start(proxy, "ws://a/");
            take(&mut hs);
            hs.handle_input(reply)
        };
        let refused = ProxyError::Refused {
            status: 403,
            reason: "Forbidden".into(),
        };
        assert_eq!(reply("http://p", b"HTTP/1.1 403 Forbidden\r\n\r\n"), Err(refused));
        assert_eq!(
            reply("http://p", b"HTTP/1.1 407 Auth\r\n\r\n"),
            Err(ProxyError::AuthenticationRequired)
        );
        assert_eq!(
            reply("http://u:p@p", b"HTTP/1.1 407 Auth\r\n\r\n"),
            Err(ProxyError::AuthenticationFailed)
        );
        let malformed = Err(ProxyError::Malformed {
            what: "an HTTP status line",
        });
        assert_eq!(reply("http://p", b"HTTP/1.1 0200 OK\r\n\r\n"), malformed);
        assert_eq!(reply("http://p", b"SSH-2.0 200 x\r\n\r\n"), malformed);
        let after = Err(ProxyError::Malformed { what: AFTER });
        assert_eq!(reply("http://p", b"HTTP/1.1 200 OK\r\n\r\nX"), after);
        let huge = vec![b'a'; 9000];
        assert_eq!(
            reply("http://p", &huge),
            Err(ProxyError::ReplyTooLarge { limit: 8192 })
        );
        assert_eq!(start("http://p", "ws://a/").handle_eof(), ProxyError::Closed);
    }

    #[test]
    fn socks5_negotiates_credentials_then_connects_by_name() {
        let mut hs = start("socks5://user:pw@p", "wss://example.com/");
        assert_eq!(take(&mut hs), [5, 2, 0, 2]);
        assert_eq!(feed(&mut hs, &[5, 2]), Ok(Status::Partial));
        assert_eq!(take(&mut hs), b"\x01\x04user\x02pw");
        assert_eq!(feed(&mut hs, &[1, 0]), Ok(Status::Partial));
        assert_eq!(take(&mut hs), b"\x05\x01\x00\x03\x0bexample.com\x01\xbb");
        // A reply with a bound domain name, byte by byte.
        let reply = b"\x05\x00\x00\x03\x04host\x12\x34";
        assert_eq!(
            feed(&mut hs, reply),
            Ok(Status::Complete {
                value: (),
                consumed: 0
            })
        );
        assert!(hs.is_complete());
    }

    #[test]
    fn socks5_addresses_and_refusals() {
        let mut hs = start("socks5://p", "ws://10.1.2.3:81/");
        assert_eq!(take(&mut hs), [5, 1, 0]);
        hs.handle_input(&[5, 0]).unwrap();
        assert_eq!(take(&mut hs), [5, 1, 0, 1, 10, 1, 2, 3, 0, 81]);
        let reply = [5, 5, 0, 1, 0, 0, 0, 0, 0, 0];
        assert_eq!(hs.handle_input(&reply), Err(ProxyError::Socks { reply: 5 }));

        let mut hs = start("socks5://p", "ws://[::1]/");
        take(&mut hs);
        hs.handle_input(&[5, 0]).unwrap();
        assert_eq!(take(&mut hs)[3..5], [4, 0]);
        let mut reply = vec![5, 0, 0, 4];
        reply.extend([0; 18]);
        assert_eq!(
            hs.handle_input(&reply),
            Ok(Status::Complete {
                value: (),
                consumed: 0
            })
        );

        let mut hs = start("socks5://p", "ws://a/");
        assert_eq!(
            hs.handle_input(&[5, 0xFF]),
            Err(ProxyError::AuthenticationRequired)
        );
        let mut hs = start("socks5://u:p@p", "ws://a/");
        hs.handle_input(&[5, 2]).unwrap();
        assert_eq!(hs.handle_input(&[1, 1]), Err(ProxyError::AuthenticationFailed));
        let mut hs = start("socks5://p", "ws://a/");
        assert_eq!(
            hs.handle_input(&[4, 0]),
            Err(ProxyError::Malformed {
                what: "a SOCKS5 method reply"
            })
        );
    }

    #[test]
    fn proxy_urls_are_checked() {
        for (url, reason) in [
            ("https://p", "TLS to the proxy itself (https://) is not supported"),
            ("ftp://p", "the scheme is neither http nor socks5"),
            ("socks5://", "no host"),
        ] {
            match Proxy::parse(url) {
                Err(ProxyError::InvalidUrl { reason: r, .. }) => assert_eq!(r, reason, "{url}"),
                other => panic!("{url}: {other:?}"),
            }
        }
        let long = "x".repeat(256);
        assert!(Proxy::parse(&format!("socks5://{long}:p@h")).is_err());
        assert!(Proxy::parse(&format!("http://{long}:p@h")).is_ok());
        let proxy = Proxy::parse("http://u:secret@h:1").unwrap();
        assert!(!format!("{proxy:?}{proxy}").contains("secret"));
        match Proxy::parse("http://u:secret@h:x") {
            Err(e) => assert!(!e.to_string().contains("secret"), "{e}"),
            Ok(p) => panic!("{p}"),
        }
    }
}
