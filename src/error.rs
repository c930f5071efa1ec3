//! The error family: one top-level [`Error`] over one enum per layer, one
//! variant per rule that can be broken. Every message says who broke the
//! rule (the caller, the client, the server, or the peer) and what was
//! expected.

use core::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::session::State;
use crate::version::{Role, Version};

/// Any failure of the engine or its adapters.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// The URL given by the caller is not a usable WebSocket URL.
    Url(UrlError),
    /// The peer's opening handshake broke a rule (or the caller's server
    /// policy refused it).
    Handshake(HandshakeError),
    /// The peer's frames broke a rule of the framing layer.
    Frame(FrameError),
    /// The caller used the API in a way it does not allow.
    Usage(UsageError),
    /// The entropy source failed to produce random bytes.
    Entropy(String),
    /// A transport error in an adapter (never produced by the sans-IO core).
    Io(Arc<std::io::Error>),
    /// The peer is not reading: sending would queue more than
    /// [`Limits::max_pending_output`](crate::Limits) bytes.
    PeerNotReading {
        /// The limit.
        limit: usize,
    },
    /// A timer of the session ran out: the peer took longer than the
    /// configured limit.
    Timeout {
        /// What was being waited for.
        during: Phase,
        /// The limit from [`Timeouts`](crate::Timeouts) that ran out.
        limit: Duration,
    },
}

/// The part of a connection's life a timeout interrupted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The opening handshake.
    Handshake,
    /// The closing handshake or the wait for the peer to close TCP.
    Closing,
    /// Output waiting for the peer to make room.
    Writing,
    /// RFC 6455: an answer (or any byte) after a keepalive ping.
    Keepalive,
    /// Any byte from the peer, with an idle time-out set.
    Idle,
}

impl Error {
    /// True when the error is a transport time-out or would-block that
    /// leaves the connection usable (a later read may succeed).
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Io(e) if matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut | std::io::ErrorKind::Interrupted
        ))
    }
}

impl Error {
    /// True for a transport error that only says the peer is gone (reset,
    /// broken pipe, not connected): no news once a connection is closing.
    pub fn is_disconnect(&self) -> bool {
        matches!(self, Error::Io(e) if matches!(
            e.kind(),
            std::io::ErrorKind::NotConnected | std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
        ))
    }
}

impl PartialEq for Error {
    /// Transport errors compare by [`std::io::ErrorKind`]; the rest by value.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Error::Url(a), Error::Url(b)) => a == b,
            (Error::Handshake(a), Error::Handshake(b)) => a == b,
            (Error::Frame(a), Error::Frame(b)) => a == b,
            (Error::Usage(a), Error::Usage(b)) => a == b,
            (Error::Entropy(a), Error::Entropy(b)) => a == b,
            (Error::Io(a), Error::Io(b)) => a.kind() == b.kind(),
            (Error::PeerNotReading { limit: a }, Error::PeerNotReading { limit: b }) => a == b,
            (Error::Timeout { during, limit }, Error::Timeout { during: d, limit: l }) => {
                during == d && limit == l
            }
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Url(e) => write!(f, "invalid URL: {e}"),
            Error::Handshake(e) => write!(f, "handshake failed: {e}"),
            Error::Frame(e) => write!(f, "framing error: {e}"),
            Error::Usage(e) => write!(f, "API misuse: {e}"),
            Error::Entropy(e) => write!(f, "the entropy source failed: {e}"),
            Error::Io(e) => write!(f, "transport error: {e}"),
            Error::PeerNotReading { limit } => write!(
                f,
                "the peer is not reading: more than {limit} bytes would wait to be sent"
            ),
            Error::Timeout { during, limit } => {
                let what = match during {
                    Phase::Handshake => "complete the opening handshake",
                    Phase::Closing => "complete the closing handshake",
                    Phase::Writing => "read what was sent",
                    Phase::Keepalive => "answer a keepalive ping",
                    Phase::Idle => "send anything",
                };
                write!(f, "the peer did not {what} within {limit:?}")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Url(e) => Some(e),
            Error::Handshake(e) => Some(e),
            Error::Frame(e) => Some(e),
            Error::Usage(e) => Some(e),
            Error::Io(e) => Some(&**e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(Arc::new(e))
    }
}

macro_rules! into_error {
    ($($t:ident => $v:ident),*) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::$v(e)
            }
        }
        impl std::error::Error for $t {}
    )*};
}
into_error!(UrlError => Url, HandshakeError => Handshake, FrameError => Frame, UsageError => Usage);

/// The caller's URL broke a rule of `ws`/`wss` URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// Not a URL at all (the `url` crate's reason is given).
    Syntax { reason: String },
    /// A scheme other than `ws` or `wss`.
    Scheme { scheme: String },
    /// A fragment (`#...`) is present; WebSocket URLs have none.
    Fragment,
    /// A space or control character is present; resource names have none.
    Whitespace,
    /// A user name or password is present; they would be silently dropped.
    Credentials,
    /// No host.
    MissingHost,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::Syntax { reason } => write!(f, "not a URL ({reason})"),
            UrlError::Scheme { scheme } => {
                write!(f, "scheme {scheme:?} given; expected ws or wss")
            }
            UrlError::Fragment => f.write_str("a fragment (#...) is not allowed"),
            UrlError::Whitespace => f.write_str("spaces and control characters are not allowed"),
            UrlError::Credentials => f.write_str("user names and passwords are not allowed"),
            UrlError::MissingHost => f.write_str("a host is required"),
        }
    }
}

/// An opening handshake broke a rule. `from` names the side that sent the
/// offending head; variants without it are specific to one side.
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
    /// The server confirmed an extension the client did not offer (this
    /// engine offers none).
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
                "the server confirmed extensions {got:?}; the client offered none"
            ),
            ProtocolNotOffered { offered, got } => write!(
                f,
                "the server confirmed subprotocol {got:?}; the client offered {offered:?}"
            ),
        }
    }
}

/// The peer's frames broke a rule of the framing layer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    /// A message's payload exceeds [`Limits::max_message_bytes`](crate::Limits).
    MessageTooLarge { limit: usize },
    /// A length-prefixed frame announces more than
    /// [`Limits::max_frame_bytes`](crate::Limits).
    FrameTooLarge { limit: usize },
    /// A length prefix does not fit 64 bits (or runs past 10 bytes); in
    /// RFC 6455, a 64-bit length with its most significant bit set.
    LengthOverflow,
    /// A text frame's payload (or an RFC 6455 close reason) is not UTF-8
    /// (for the hixie versions, strict mode only).
    InvalidUtf8,
    /// The connection ended in the middle of a frame.
    Truncated,
    /// RFC 6455 section 5.2: RSV1-3 must be 0 unless an extension says
    /// otherwise, and none was negotiated.
    ReservedBits { bits: u8 },
    /// RFC 6455 section 5.2: the opcode is reserved (3-7 or 0xB-0xF).
    UnknownOpcode { opcode: u8 },
    /// RFC 6455 section 5.5: a control frame must not be fragmented.
    FragmentedControl { opcode: u8 },
    /// RFC 6455 section 5.5: a control frame carries at most 125 bytes.
    ControlTooLong { opcode: u8, len: u64 },
    /// RFC 6455 section 5.3: a client must mask every frame it sends.
    UnmaskedClientFrame,
    /// RFC 6455 section 5.1: a server must not mask the frames it sends.
    MaskedServerFrame,
    /// RFC 6455 section 5.2: a length must be encoded in the fewest bytes.
    NonMinimalLength { len: u64 },
    /// RFC 6455 section 5.4: a continuation frame came with no fragmented
    /// message to continue.
    UnexpectedContinuation,
    /// RFC 6455 section 5.4: a new message began (this opcode) before the
    /// fragmented one was finished.
    ExpectedContinuation { opcode: u8 },
    /// RFC 6455 section 5.5.1: a close frame's body is 1 byte; a code takes 2.
    CloseBodyTooShort,
    /// RFC 6455 section 7.4: a close code that must not be sent on the
    /// wire (or is not defined).
    InvalidCloseCode { code: u16 },
}

impl FrameError {
    /// The RFC 6455 close code an endpoint sends when failing a connection
    /// for this reason (section 7.4.1): 1007 for text that is not UTF-8,
    /// 1009 for a message or frame over the limits, 1002 otherwise.
    pub fn close_code(&self) -> u16 {
        match self {
            FrameError::InvalidUtf8 => 1007,
            FrameError::MessageTooLarge { .. } | FrameError::FrameTooLarge { .. } => 1009,
            _ => 1002,
        }
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::MessageTooLarge { limit } => {
                write!(f, "the peer sent a message over the {limit}-byte limit")
            }
            FrameError::FrameTooLarge { limit } => {
                write!(f, "the peer announced a frame over the {limit}-byte limit")
            }
            FrameError::LengthOverflow => f.write_str("the peer sent a length prefix that overflows 64 bits"),
            FrameError::InvalidUtf8 => f.write_str("the peer sent a text frame that is not valid UTF-8"),
            FrameError::Truncated => f.write_str("the peer closed the connection in the middle of a frame"),
            FrameError::ReservedBits { bits } => write!(
                f,
                "the peer set reserved bits {bits:#03b} with no extension negotiated; expected 0"
            ),
            FrameError::UnknownOpcode { opcode } => {
                write!(f, "the peer sent reserved opcode {opcode:#x}")
            }
            FrameError::FragmentedControl { opcode } => write!(
                f,
                "the peer fragmented a control frame (opcode {opcode:#x}); control frames must have FIN set"
            ),
            FrameError::ControlTooLong { opcode, len } => write!(
                f,
                "the peer sent a control frame (opcode {opcode:#x}) of {len} bytes; expected at most 125"
            ),
            FrameError::UnmaskedClientFrame => {
                f.write_str("the client sent an unmasked frame; clients must mask every frame")
            }
            FrameError::MaskedServerFrame => {
                f.write_str("the server sent a masked frame; servers must not mask")
            }
            FrameError::NonMinimalLength { len } => write!(
                f,
                "the peer encoded length {len} in more bytes than needed; expected the minimal encoding"
            ),
            FrameError::UnexpectedContinuation => {
                f.write_str("the peer sent a continuation frame with no fragmented message to continue")
            }
            FrameError::ExpectedContinuation { opcode } => write!(
                f,
                "the peer began a new message (opcode {opcode:#x}) inside a fragmented one; expected a continuation"
            ),
            FrameError::CloseBodyTooShort => f.write_str(
                "the peer sent a 1-byte close frame body; expected none or a 2-byte code first",
            ),
            FrameError::InvalidCloseCode { code } => {
                write!(f, "the peer sent close code {code}, which must not appear on the wire")
            }
        }
    }
}

/// The caller asked for something the API does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UsageError {
    /// Sending on a connection that is no longer open.
    NotOpen { state: State },
    /// A length-prefixed frame type must have its high bit set (0x80..=0xFF).
    FrameType { frame_type: u8 },
    /// In hixie76 an empty 0xFF frame is the closing handshake; use `close`.
    CloseAsData,
    /// The handshake is not complete yet.
    HandshakeIncomplete,
    /// `decide` was called while no request waits for a decision.
    NoRequest,
    /// A message sent in parts is unfinished: only its next part (or a
    /// ping, pong or close) may be sent.
    MessageInProgress,
    /// A header field given by the caller has a bad name or a value with
    /// CR, LF or other control characters.
    InvalidHeader { name: String },
    /// An origin or subprotocol given by the caller is not allowed on the wire.
    InvalidValue { what: &'static str, got: String },
    /// The feature does not exist in this protocol version (for example
    /// pings in hixie76, or several subprotocols in hixie75).
    NotInVersion { feature: &'static str, version: Version },
    /// A control frame's payload (a ping, a pong, or a close code and
    /// reason) would exceed 125 bytes.
    ControlTooLong { len: usize },
    /// A close code the caller may not send: only 1000-1003, 1007-1014 and
    /// 3000-4999 are (RFC 6455 section 7.4).
    InvalidCloseCode { code: u16 },
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsageError::NotOpen { state } => {
                write!(f, "cannot send: the connection is {state:?}, not open")
            }
            UsageError::FrameType { frame_type } => write!(
                f,
                "frame type {frame_type:#04x} cannot be length-prefixed; expected 0x80..=0xFF"
            ),
            UsageError::CloseAsData => {
                f.write_str("an empty 0xFF frame is the hixie-76 close; call close() instead")
            }
            UsageError::HandshakeIncomplete => f.write_str("the handshake is not complete yet"),
            UsageError::NoRequest => f.write_str("no request waits for a decision"),
            UsageError::MessageInProgress => {
                f.write_str("a message sent in parts is unfinished; send its next part before anything else")
            }
            UsageError::InvalidHeader { name } => {
                write!(f, "header field {name:?} has a bad name or value")
            }
            UsageError::InvalidValue { what, got } => {
                write!(f, "{what} {got:?} cannot be sent on the wire")
            }
            UsageError::NotInVersion { feature, version } => {
                write!(f, "{feature} is not part of protocol version {version}")
            }
            UsageError::ControlTooLong { len } => write!(
                f,
                "a control frame payload of {len} bytes was asked for; the limit is 125"
            ),
            UsageError::InvalidCloseCode { code } => write!(
                f,
                "close code {code} cannot be sent; expected 1000-1003, 1007-1014 or 3000-4999"
            ),
        }
    }
}

/// Who broke the rule an error reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Culprit {
    /// The code calling the engine.
    Caller,
    /// The client side of the connection.
    Client,
    /// The server side of the connection.
    Server,
    /// The other side of the connection, whatever its role.
    Peer,
    /// The transport: a stream or socket failed, or time ran out.
    Transport,
    /// The host: randomness or another host service failed.
    Host,
}

impl From<Role> for Culprit {
    fn from(role: Role) -> Culprit {
        match role {
            Role::Client => Culprit::Client,
            Role::Server => Culprit::Server,
        }
    }
}

impl Error {
    /// Who broke the rule.
    pub fn culprit(&self) -> Culprit {
        match self {
            Error::Url(_) | Error::Usage(_) => Culprit::Caller,
            Error::Handshake(e) => e.culprit(),
            Error::Frame(_) => Culprit::Peer,
            Error::Entropy(_) => Culprit::Host,
            Error::Io(_) | Error::Timeout { .. } => Culprit::Transport,
            Error::PeerNotReading { .. } => Culprit::Peer,
        }
    }

    /// The rule broken, in kebab-case, as its variant names it: for example
    /// `origin-mismatch` or `message-too-large`.
    pub fn code(&self) -> String {
        let inner = match self {
            Error::Url(e) => format!("{e:?}"),
            Error::Handshake(e) => format!("{e:?}"),
            Error::Frame(e) => format!("{e:?}"),
            Error::Usage(e) => format!("{e:?}"),
            Error::Entropy(_) => "Entropy".into(),
            Error::Io(_) => "Io".into(),
            Error::Timeout { .. } => "Timeout".into(),
            Error::PeerNotReading { .. } => "PeerNotReading".into(),
        };
        let name = inner
            .split(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or_default();
        let mut code = String::with_capacity(name.len() + 4);
        for (i, c) in name.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                code.push('-');
            }
            code.push(c.to_ascii_lowercase());
        }
        code
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_culprits() {
        let e = Error::Handshake(HandshakeError::OriginMismatch {
            expected: "a".into(),
            got: "b".into(),
        });
        assert_eq!(
            (e.code().as_str(), e.culprit()),
            ("origin-mismatch", Culprit::Server)
        );
        let e = Error::Frame(FrameError::MessageTooLarge { limit: 1 });
        assert_eq!(
            (e.code().as_str(), e.culprit()),
            ("message-too-large", Culprit::Peer)
        );
        let e = Error::Handshake(HandshakeError::ProxyAuthenticationRequired);
        assert_eq!(e.code(), "proxy-authentication-required");
        let e = Error::Handshake(HandshakeError::MissingHeader {
            from: Role::Client,
            name: "Host",
        });
        assert_eq!(
            (e.code().as_str(), e.culprit()),
            ("missing-header", Culprit::Client)
        );
        assert_eq!(Error::Usage(UsageError::CloseAsData).code(), "close-as-data");
        assert_eq!(Error::from(std::io::Error::other("x")).code(), "io");
        assert_eq!(Error::Url(UrlError::Fragment).culprit(), Culprit::Caller);
    }
}
