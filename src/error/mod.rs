//! The error family: one top-level [`Error`] over one enum per layer, one
//! variant per rule that can be broken. Every message says who broke the
//! rule (the caller, the client, the server, or the peer) and what was
//! expected.

use core::fmt;
use std::sync::Arc;
use std::time::Duration;

mod codes;
mod frame;
mod handshake;
mod url;
mod usage;

pub use frame::FrameError;
pub use handshake::HandshakeError;
pub use url::UrlError;
pub use usage::UsageError;

use crate::version::Role;

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
        assert_eq!((e.code(), e.culprit()), ("origin-mismatch", Culprit::Server));
        let e = Error::Frame(FrameError::MessageTooLarge { limit: 1 });
        assert_eq!((e.code(), e.culprit()), ("message-too-large", Culprit::Peer));
        let e = Error::Handshake(HandshakeError::ProxyAuthenticationRequired);
        assert_eq!(e.code(), "proxy-authentication-required");
        let e = Error::Handshake(HandshakeError::MissingHeader {
            from: Role::Client,
            name: "Host",
        });
        assert_eq!((e.code(), e.culprit()), ("missing-header", Culprit::Client));
        assert_eq!(Error::Usage(UsageError::CloseAsData).code(), "close-as-data");
        assert_eq!(Error::from(std::io::Error::other("x")).code(), "io");
        assert_eq!(Error::Url(UrlError::Fragment).culprit(), Culprit::Caller);
    }
}
