//! What the sans-IO core reports: [`ProtocolError`], one enum per layer
//! below it, one variant per rule that can be broken, plus the session's
//! timers. (An adapter's error, which adds the transport's and TLS's, is
//! `websocket_io::Error`.) Every message says who broke the rule (the
//! caller, the client, the server, or the peer) and what was expected.

use core::fmt;
use std::time::Duration;

mod codes;
mod frame;
mod handshake;
mod proxy;
mod url;
mod usage;

pub use frame::FrameError;
pub use handshake::HandshakeError;
pub use proxy::ProxyError;
pub use url::UrlError;
pub use usage::UsageError;

use crate::version::Role;

/// Any failure of the sans-IO core: a rule the peer or the caller broke,
/// a timer of the session that ran out, or the entropy source the caller
/// passed in. Never an I/O error: the core does no I/O (adapters wrap this
/// in `websocket_io::Error`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The URL given by the caller is not a usable WebSocket URL.
    Url(UrlError),
    /// The peer's opening handshake broke a rule (or the caller's server
    /// policy refused it).
    Handshake(HandshakeError),
    /// The peer's frames broke a rule of the framing layer.
    Frame(FrameError),
    /// The caller used the API in a way it does not allow.
    Usage(UsageError),
    /// A proxy between client and server refused the tunnel, or its URL
    /// or replies broke a rule.
    Proxy(ProxyError),
    /// The entropy source failed to produce random bytes.
    Entropy(String),
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

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::Url(e) => write!(f, "invalid URL: {e}"),
            ProtocolError::Handshake(e) => write!(f, "handshake failed: {e}"),
            ProtocolError::Frame(e) => write!(f, "framing error: {e}"),
            ProtocolError::Usage(e) => write!(f, "API misuse: {e}"),
            ProtocolError::Proxy(e) => write!(f, "proxy failed: {e}"),
            ProtocolError::Entropy(e) => write!(f, "the entropy source failed: {e}"),
            ProtocolError::PeerNotReading { limit } => write!(
                f,
                "the peer is not reading: more than {limit} bytes would wait to be sent"
            ),
            ProtocolError::Timeout { during, limit } => {
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

impl std::error::Error for ProtocolError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProtocolError::Url(e) => Some(e),
            ProtocolError::Handshake(e) => Some(e),
            ProtocolError::Frame(e) => Some(e),
            ProtocolError::Usage(e) => Some(e),
            ProtocolError::Proxy(e) => Some(e),
            _ => None,
        }
    }
}

macro_rules! into_error {
    ($($t:ident => $v:ident),*) => {$(
        impl From<$t> for ProtocolError {
            fn from(e: $t) -> Self {
                ProtocolError::$v(e)
            }
        }
        impl std::error::Error for $t {}
    )*};
}
into_error!(UrlError => Url, HandshakeError => Handshake, FrameError => Frame, UsageError => Usage, ProxyError => Proxy);

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
    /// A proxy between the client and the server.
    Proxy,
}

impl From<Role> for Culprit {
    fn from(role: Role) -> Culprit {
        match role {
            Role::Client => Culprit::Client,
            Role::Server => Culprit::Server,
        }
    }
}

impl ProtocolError {
    /// Who broke the rule.
    pub fn culprit(&self) -> Culprit {
        match self {
            ProtocolError::Url(_)
            | ProtocolError::Usage(_)
            | ProtocolError::Proxy(ProxyError::InvalidUrl { .. }) => Culprit::Caller,
            ProtocolError::Proxy(_) => Culprit::Proxy,
            ProtocolError::Handshake(e) => e.culprit(),
            ProtocolError::Frame(_) | ProtocolError::PeerNotReading { .. } => Culprit::Peer,
            ProtocolError::Entropy(_) => Culprit::Host,
            ProtocolError::Timeout { .. } => Culprit::Transport,
        }
    }

    /// The RFC 6455 status code the failure is reported to the peer with,
    /// if any: the frame rule broken (section 7.4.1), 1011 for a keepalive
    /// ping that went unanswered, 1001 for an idle connection. A peer that
    /// left in the middle of a frame is told nothing.
    pub fn close_code(&self) -> Option<u16> {
        match self {
            ProtocolError::Frame(FrameError::Truncated) => None,
            ProtocolError::Frame(f) => Some(f.close_code()),
            ProtocolError::Timeout {
                during: Phase::Keepalive,
                ..
            } => Some(1011),
            ProtocolError::Timeout {
                during: Phase::Idle, ..
            } => Some(1001),
            _ => None,
        }
    }

    /// The HTTP status a server answers a failed opening handshake with,
    /// if the failure is one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            ProtocolError::Handshake(h) => Some(h.http_status()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_culprits() {
        let e = ProtocolError::Handshake(HandshakeError::OriginMismatch {
            expected: "a".into(),
            got: "b".into(),
        });
        assert_eq!((e.code(), e.culprit()), ("origin-mismatch", Culprit::Server));
        let e = ProtocolError::from(FrameError::MessageTooLarge { limit: 1 });
        assert_eq!((e.code(), e.culprit()), ("message-too-large", Culprit::Peer));
        let e = ProtocolError::Handshake(HandshakeError::ProxyAuthenticationRequired);
        assert_eq!(e.code(), "proxy-authentication-required");
        let e = ProtocolError::Handshake(HandshakeError::MissingHeader {
            from: Role::Client,
            name: "Host",
        });
        assert_eq!((e.code(), e.culprit()), ("missing-header", Culprit::Client));
        assert_eq!(
            ProtocolError::Usage(UsageError::CloseAsData).code(),
            "close-as-data"
        );
        assert_eq!(ProtocolError::from(UrlError::Fragment).culprit(), Culprit::Caller);
    }
}
