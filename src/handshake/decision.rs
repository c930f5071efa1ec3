//! A server's answer to a request: accept it (with a subprotocol and extra
//! response headers) or refuse it (with a status, headers and a body).
//! Every HTTP response a server sends besides the 101 is a [`Refusal`].

use std::sync::Arc;

use bytes::Bytes;

use super::server::Request;
use super::{check_headers, push_field, push_fields, RFC6455_VERSION};
use crate::error::{HandshakeError, UsageError};

/// What a server does with a complete request.
///
/// ```
/// use websocket_engine::{Accept, Decision, Refusal, ServerConfig};
///
/// let config = ServerConfig::new().on_request(|request| {
///     if request.resource.starts_with("/private") {
///         return Decision::Refuse(Refusal::new(401).header("WWW-Authenticate", "Bearer"));
///     }
///     let mut accept = Accept::new().header("Set-Cookie", "seen=1");
///     if request.protocols.iter().any(|p| p == "chat") {
///         accept = accept.protocol("chat");
///     }
///     Decision::Accept(accept)
/// });
/// # let _ = config;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Answer 101 and open the connection.
    Accept(Accept),
    /// Answer with an HTTP error and close.
    Refuse(Refusal),
}

/// How to accept a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Accept {
    /// The subprotocol to confirm: one the client offered, or none.
    pub protocol: Option<String>,
    /// Header fields added to the response (`Set-Cookie`, `Server`, ...),
    /// after the handshake's own, which they must not repeat.
    pub headers: Vec<(String, String)>,
    /// RFC 6455: accept permessage-deflate when the configuration does and
    /// the client offers it (true by default); false declines it for this
    /// connection alone.
    pub compression: bool,
}

impl Default for Accept {
    fn default() -> Accept {
        Accept {
            protocol: None,
            headers: Vec::new(),
            compression: true,
        }
    }
}

impl Accept {
    /// Accepts with no subprotocol and no extra header, compressing as
    /// the configuration says.
    pub fn new() -> Accept {
        Accept::default()
    }

    /// Accepts permessage-deflate as configured (`true`, the default) or
    /// declines it for this connection (`false`).
    pub fn compression(mut self, on: bool) -> Accept {
        self.compression = on;
        self
    }

    /// Confirms `protocol`.
    pub fn protocol(mut self, protocol: impl Into<String>) -> Accept {
        self.protocol = Some(protocol.into());
        self
    }

    /// Adds a response header field.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Accept {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// An HTTP response refusing a request; the connection closes after it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Refusal {
    /// The status code (100..=599, not 101).
    pub status: u16,
    /// Header fields; `Content-Length` and `Connection: close` are added.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
}

/// A hook that decides on each request in place of the configured origins
/// and subprotocols ([`ServerConfig::on_request`](crate::ServerConfig::on_request)).
pub(crate) type RequestHook = Arc<dyn Fn(&Request) -> Decision + Send + Sync>;

impl Refusal {
    /// A refusal with `status`, no header, and the reason phrase as its
    /// plain-text body.
    pub fn new(status: u16) -> Refusal {
        Refusal {
            status,
            headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
            body: Bytes::from(format!("{}\n", reason_phrase(status))),
        }
    }

    /// Adds a header field.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Refusal {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Replaces the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Refusal {
        self.body = body.into();
        self
    }

    /// The refusal of a request that failed with `error`: its HTTP status,
    /// the error as a plain-text body, and the fields the RFCs ask for.
    pub(crate) fn for_error(error: &HandshakeError) -> Refusal {
        let refusal = Refusal::new(error.http_status()).body(format!("{error}\n"));
        match error {
            // RFC 6455 section 4.4: name the versions this server speaks.
            HandshakeError::UnsupportedVersion { .. } => {
                refusal.header("Sec-WebSocket-Version", RFC6455_VERSION)
            }
            // RFC 9110 section 15.5.22: a 426 names the protocol to upgrade to.
            HandshakeError::NotWebSocket { .. } => refusal.header("Upgrade", "websocket"),
            _ => refusal,
        }
    }

    /// A 200 response carrying an HTML page.
    pub(crate) fn page(page: &str) -> Refusal {
        Refusal {
            status: 200,
            headers: vec![
                ("Content-Type".into(), "text/html; charset=utf-8".into()),
                ("Cache-Control".into(), "no-store".into()),
            ],
            body: Bytes::copy_from_slice(page.as_bytes()),
        }
    }

    /// Checks the status and the header fields a caller gave.
    pub(crate) fn check(&self) -> Result<(), UsageError> {
        if !(100..=599).contains(&self.status) || self.status == 101 {
            return Err(UsageError::InvalidValue {
                what: "refusal status",
                got: self.status.to_string(),
            });
        }
        check_headers(&self.headers, &["Content-Length", "Connection"])
    }

    /// The response's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {} {}\r\n", self.status, reason_phrase(self.status)).into_bytes();
        push_fields(&mut out, &self.headers);
        push_field(&mut out, "Content-Length", &self.body.len().to_string());
        push_field(&mut out, "Connection", "close");
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

/// The reason phrase of the statuses a WebSocket server usually sends.
fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server ProtocolError",
        503 => "Service Unavailable",
        _ => "Refused",
    }
}
