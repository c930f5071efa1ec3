//! An opening handshake broke a rule, or a server refused it.

use core::fmt;

use super::Culprit;
use crate::version::Role;

/// An opening handshake broke a rule. The variants come in four groups, in
/// this order: rules of any head (with `from`, the side that sent it), the
/// client's request as the server checks it, the server's own policy
/// refusing it, and the server's response as the client checks it.
/// [`culprit`](HandshakeError::culprit) says which side broke each, and
/// [`http_status`](HandshakeError::http_status) what a server answers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The head did not end within [`Limits::max_head_bytes`](crate::Limits).
    HeadTooLarge { from: Role, limit: usize },
    /// The head has more fields than [`Limits::max_headers`](crate::Limits).
    TooManyHeaders { from: Role, limit: usize },
    /// The head is not well-formed HTTP: a CR without LF, a bare LF, a field
    /// without a colon, a folded line, an empty name, or bytes that are not
    /// UTF-8.
    MalformedHead { from: Role, reason: &'static str },
    /// A required header field is absent.
    MissingHeader { from: Role, name: &'static str },
    /// A header field that must appear once appears twice.
    DuplicateHeader { from: Role, name: &'static str },
    /// `Upgrade` is not `WebSocket`.
    UpgradeMismatch { from: Role, got: String },
    /// `Connection` does not carry `Upgrade`.
    ConnectionMismatch { from: Role, got: String },
    /// A subprotocol is empty or has characters outside U+0021..U+007E.
    InvalidProtocol { from: Role, got: String },
    /// The connection ended before the handshake was complete.
    UnexpectedEof { from: Role },

    /// The client's request is plain HTTP: no `Upgrade` and none of the
    /// WebSocket key or version fields (a browser opening a page, say).
    NotWebSocket { resource: String },
    /// The client's request line is not `GET {resource} HTTP/1.1`.
    MalformedRequestLine { got: String },
    /// The client used a method other than `GET`.
    MethodNotGet { method: String },
    /// The client's request is not `HTTP/1.1`.
    HttpVersion { got: String },
    /// The client's resource name does not start with `/`.
    InvalidResource { got: String },
    /// The client's `Host` has spaces or control characters.
    InvalidHost { got: String },
    /// The client's `Sec-WebSocket-Key{which}` has no U+0020.
    KeyWithoutSpaces { which: u8 },
    /// The client's `Sec-WebSocket-Key{which}` has no digits.
    KeyWithoutDigits { which: u8 },
    /// The digits of the client's `Sec-WebSocket-Key{which}` exceed 4294967295.
    KeyTooLarge { which: u8 },
    /// The number of the client's `Sec-WebSocket-Key{which}` is not a whole
    /// multiple of its count of spaces.
    KeyNotMultiple { which: u8 },
    /// The client asked for a protocol version this server does not speak.
    UnsupportedVersion { requested: String },
    /// The server's policy does not accept the client's `Origin`.
    OriginRejected { origin: String },
    /// The server's policy does not accept the client's subprotocol.
    ProtocolRejected { protocol: String },
    /// The server's request hook refused the request with this HTTP status.
    Refused { status: u16 },

    /// The server's response does not begin with the exact status line (and,
    /// for hixie75, the exact `Upgrade` and `Connection` lines).
    StatusLine { expected: &'static str, got: String },
    /// The server answered with a status other than 101.
    Status { code: u16 },
    /// The server answered 407: a proxy wants authentication.
    ProxyAuthenticationRequired,
    /// The server's `(Sec-)WebSocket-Origin` differs from the origin sent.
    OriginMismatch { expected: String, got: String },
    /// The server's `(Sec-)WebSocket-Location` differs from the URL used.
    LocationMismatch { expected: String, got: String },
    /// The server's subprotocol differs from the one asked for (or it sent
    /// one that was not asked for).
    ProtocolMismatch {
        expected: Option<String>,
        got: Option<String>,
    },
    /// The server's 16-byte hixie-76 answer is not the MD5 challenge answer.
    ChallengeMismatch { expected: [u8; 16], got: [u8; 16] },

    /// The client's `Sec-WebSocket-Key` is not the base64 of 16 bytes
    /// (RFC 6455 section 4.2.1).
    InvalidKey { got: String },
    /// The server's `Sec-WebSocket-Accept` is not the SHA-1 answer to the
    /// key sent (RFC 6455 section 4.1).
    AcceptMismatch { expected: String, got: String },
    /// The server confirmed an extension the client did not offer, or
    /// permessage-deflate with parameters RFC 7692 section 7.1 forbids.
    ExtensionNotOffered { got: String },
    /// The server confirmed a subprotocol the client did not offer.
    ProtocolNotOffered { offered: Vec<String>, got: String },
}

impl HandshakeError {
    /// The HTTP status a server sends when it refuses a request for this
    /// reason: 403 for policy refusals, 426 for an unsupported version, 431
    /// for oversized heads, 400 otherwise.
    pub fn http_status(&self) -> u16 {
        match self {
            HandshakeError::Refused { status } => *status,
            HandshakeError::OriginRejected { .. } | HandshakeError::ProtocolRejected { .. } => 403,
            HandshakeError::UnsupportedVersion { .. } | HandshakeError::NotWebSocket { .. } => 426,
            HandshakeError::HeadTooLarge { .. } | HandshakeError::TooManyHeaders { .. } => 431,
            HandshakeError::MethodNotGet { .. } => 405,
            _ => 400,
        }
    }
}

fn whose(from: &Role) -> &'static str {
    match from {
        Role::Client => "the client's request",
        Role::Server => "the server's response",
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use HandshakeError::*;
        match self {
            HeadTooLarge { from, limit } => {
                write!(f, "{} head exceeds {limit} bytes", whose(from))
            }
            TooManyHeaders { from, limit } => {
                write!(f, "{} has more than {limit} header fields", whose(from))
            }
            MalformedHead { from, reason } => {
                write!(f, "{} is not well-formed: {reason}", whose(from))
            }
            MissingHeader { from, name } => {
                write!(f, "{} lacks the required {name} field", whose(from))
            }
            DuplicateHeader { from, name } => {
                write!(f, "{} has more than one {name} field", whose(from))
            }
            UpgradeMismatch { from, got } => {
                write!(f, "{} has Upgrade: {got:?}; expected WebSocket", whose(from))
            }
            ConnectionMismatch { from, got } => {
                write!(f, "{} has Connection: {got:?}; expected Upgrade", whose(from))
            }
            InvalidProtocol { from, got } => write!(
                f,
                "{} names subprotocol {got:?}; expected a non-empty string of U+0021..U+007E",
                whose(from)
            ),
            UnexpectedEof { from } => {
                let who = match from {
                    Role::Client => "client",
                    Role::Server => "server",
                };
                write!(
                    f,
                    "the {who} closed the connection before the handshake was complete"
                )
            }
            NotWebSocket { resource } => write!(
                f,
                "the client's request for {resource:?} is plain HTTP; expected a WebSocket upgrade"
            ),
            MalformedRequestLine { got } => write!(
                f,
                "the client's request line is {got:?}; expected GET {{resource}} HTTP/1.1"
            ),
            MethodNotGet { method } => {
                write!(f, "the client used method {method:?}; expected GET")
            }
            HttpVersion { got } => {
                write!(f, "the client's request is {got:?}; expected HTTP/1.1")
            }
            InvalidResource { got } => write!(f, "the client's resource name {got:?} does not start with /"),
            InvalidHost { got } => write!(f, "the client's Host {got:?} has spaces or control characters"),
            KeyWithoutSpaces { which } => write!(
                f,
                "the client's Sec-WebSocket-Key{which} has no spaces; expected 1 to 12"
            ),
            KeyWithoutDigits { which } => {
                write!(f, "the client's Sec-WebSocket-Key{which} has no digits")
            }
            KeyTooLarge { which } => write!(
                f,
                "the client's Sec-WebSocket-Key{which} number exceeds 4294967295"
            ),
            KeyNotMultiple { which } => write!(
                f,
                "the client's Sec-WebSocket-Key{which} number is not a multiple of its spaces"
            ),
            UnsupportedVersion { requested } => write!(
                f,
                "the client asked for protocol version {requested:?}, which this server does not speak"
            ),
            OriginRejected { origin } => {
                write!(f, "the server does not accept origin {origin:?}")
            }
            ProtocolRejected { protocol } => {
                write!(f, "the server does not accept subprotocol {protocol:?}")
            }
            Refused { status } => write!(f, "the server refused the request with status {status}"),
            StatusLine { expected, got } => {
                write!(f, "the server's response begins {got:?}; expected {expected:?}")
            }
            Status { code } => write!(f, "the server answered status {code}; expected 101"),
            ProxyAuthenticationRequired => f.write_str("a proxy answered 407: it requires authentication"),
            OriginMismatch { expected, got } => {
                write!(f, "the server echoed origin {got:?}; expected {expected:?}")
            }
            LocationMismatch { expected, got } => {
                write!(f, "the server's location is {got:?}; expected {expected:?}")
            }
            ProtocolMismatch { expected, got } => {
                write!(f, "the server's subprotocol is {got:?}; expected {expected:?}")
            }
            ChallengeMismatch { .. } => f.write_str(
                "the server's 16-byte answer is not the MD5 of the keys; it did not understand the challenge",
            ),
            InvalidKey { got } => write!(
                f,
                "the client's Sec-WebSocket-Key {got:?} is not the base64 of 16 bytes"
            ),
            AcceptMismatch { expected, got } => write!(
                f,
                "the server's Sec-WebSocket-Accept is {got:?}; expected {expected:?}"
            ),
            ExtensionNotOffered { got } => write!(
                f,
                "the server confirmed extension {got:?}, which the client did not offer in that form"
            ),
            ProtocolNotOffered { offered, got } => write!(
                f,
                "the server confirmed subprotocol {got:?}; the client offered {offered:?}"
            ),
        }
    }
}

impl HandshakeError {
    /// Who broke the rule: the side whose head broke it, or the client
    /// whose request a server refused.
    pub fn culprit(&self) -> Culprit {
        use HandshakeError::*;
        match self {
            HeadTooLarge { from, .. }
            | TooManyHeaders { from, .. }
            | MalformedHead { from, .. }
            | MissingHeader { from, .. }
            | DuplicateHeader { from, .. }
            | UpgradeMismatch { from, .. }
            | ConnectionMismatch { from, .. }
            | InvalidProtocol { from, .. }
            | UnexpectedEof { from } => (*from).into(),
            NotWebSocket { .. }
            | MalformedRequestLine { .. }
            | MethodNotGet { .. }
            | HttpVersion { .. }
            | InvalidResource { .. }
            | InvalidHost { .. }
            | KeyWithoutSpaces { .. }
            | KeyWithoutDigits { .. }
            | KeyTooLarge { .. }
            | KeyNotMultiple { .. }
            | InvalidKey { .. }
            | UnsupportedVersion { .. }
            | OriginRejected { .. }
            | ProtocolRejected { .. }
            | Refused { .. } => Culprit::Client,
            StatusLine { .. }
            | Status { .. }
            | ProxyAuthenticationRequired
            | OriginMismatch { .. }
            | LocationMismatch { .. }
            | ProtocolMismatch { .. }
            | ChallengeMismatch { .. }
            | AcceptMismatch { .. }
            | ExtensionNotOffered { .. }
            | ProtocolNotOffered { .. } => Culprit::Server,
        }
    }
}
