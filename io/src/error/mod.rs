//! What an adapter reports: the core's [`ProtocolError`], its transport's
//! I/O error, or TLS's.

use core::fmt;
use std::sync::Arc;
use std::time::Duration;

use websocket_engine::{
    Culprit, FrameError, HandshakeError, Phase, ProtocolError, ProxyError, UrlError, UsageError,
};

mod tls;

pub use tls::TlsError;

/// Any failure of an adapter (blocking, tokio, `wasi:io`, the component):
/// the sans-IO core's error, or the transport's.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// The core reported it: a rule broken, a timer run out.
    Protocol(ProtocolError),
    /// The transport failed (never produced by the sans-IO core).
    Io(Arc<std::io::Error>),
    /// TLS under a `wss` connection failed.
    Tls(TlsError),
}

impl Error {
    /// The core's error, when it is one.
    pub fn protocol(&self) -> Option<&ProtocolError> {
        match self {
            Error::Protocol(e) => Some(e),
            Error::Io(_) | Error::Tls(_) => None,
        }
    }

    /// True when the error is a transport time-out or would-block that
    /// leaves the connection usable (a later read may succeed).
    pub fn is_transient(&self) -> bool {
        self.io_kind_in(&[
            std::io::ErrorKind::WouldBlock,
            std::io::ErrorKind::TimedOut,
            std::io::ErrorKind::Interrupted,
        ])
    }

    /// True for a transport error that only says the peer is gone (reset,
    /// broken pipe, not connected): no news once a connection is closing.
    pub fn is_disconnect(&self) -> bool {
        self.io_kind_in(&[
            std::io::ErrorKind::NotConnected,
            std::io::ErrorKind::BrokenPipe,
            std::io::ErrorKind::ConnectionReset,
        ])
    }

    fn io_kind_in(&self, kinds: &[std::io::ErrorKind]) -> bool {
        matches!(self, Error::Io(e) if kinds.contains(&e.kind()))
    }

    /// The opening handshake (reaching the server included) took longer
    /// than `limit`, the handshake time-out.
    pub fn handshake_timeout(limit: Duration) -> Error {
        Error::Protocol(ProtocolError::Timeout {
            during: Phase::Handshake,
            limit,
        })
    }

    /// A transport failure a host reported as a value, not an
    /// `std::io::Error` (a WASI call's error): an [`Error::Io`] that says
    /// which call failed and how.
    pub fn transport(what: &str, detail: impl fmt::Debug) -> Error {
        std::io::Error::other(format!("{what}: {detail:?}")).into()
    }

    /// The rule broken, in kebab-case ([`ProtocolError::code`],
    /// [`TlsError::code`]), or `io`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Protocol(e) => e.code(),
            Error::Tls(e) => e.code(),
            Error::Io(_) => "io",
        }
    }

    /// The layer that detected it ([`ProtocolError::layer`]), `tls` or `io`.
    pub fn layer(&self) -> &'static str {
        match self {
            Error::Protocol(e) => e.layer(),
            Error::Tls(_) => "tls",
            Error::Io(_) => "io",
        }
    }

    /// Who broke the rule.
    pub fn culprit(&self) -> Culprit {
        match self {
            Error::Protocol(e) => e.culprit(),
            Error::Io(_) => Culprit::Transport,
            Error::Tls(TlsError::Unavailable { .. }) => Culprit::Host,
            Error::Tls(_) => Culprit::Peer,
        }
    }
}

impl PartialEq for Error {
    /// Transport errors compare by [`std::io::ErrorKind`]; the rest by value.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Error::Protocol(a), Error::Protocol(b)) => a == b,
            (Error::Io(a), Error::Io(b)) => a.kind() == b.kind(),
            (Error::Tls(a), Error::Tls(b)) => a == b,
            _ => false,
        }
    }
}

impl PartialEq<ProtocolError> for Error {
    fn eq(&self, other: &ProtocolError) -> bool {
        self.protocol() == Some(other)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Protocol(e) => e.fmt(f),
            Error::Io(e) => write!(f, "transport error: {e}"),
            Error::Tls(e) => write!(f, "TLS error: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Protocol(e) => e.source(),
            Error::Io(e) => Some(&**e),
            Error::Tls(e) => Some(e),
        }
    }
}

impl From<std::io::Error> for Error {
    /// A TLS failure that a TLS stream reported as an I/O error becomes
    /// [`Error::Tls`].
    fn from(e: std::io::Error) -> Self {
        match TlsError::inside(&e) {
            Some(tls) => Error::Tls(tls),
            None => Error::Io(Arc::new(e)),
        }
    }
}

impl From<TlsError> for Error {
    fn from(e: TlsError) -> Self {
        Error::Tls(e)
    }
}

impl From<ProtocolError> for Error {
    fn from(e: ProtocolError) -> Self {
        Error::Protocol(e)
    }
}

macro_rules! from_layer {
    ($($t:ident),*) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::Protocol(e.into())
            }
        }
    )*};
}
from_layer!(UrlError, HandshakeError, FrameError, UsageError, ProxyError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_layers_and_culprits() {
        let e = Error::from(FrameError::MessageTooLarge { limit: 1 });
        assert_eq!((e.code(), e.culprit()), ("message-too-large", Culprit::Peer));
        let io = Error::from(std::io::Error::other("x"));
        assert_eq!(
            (io.code(), io.layer(), io.culprit()),
            ("io", "io", Culprit::Transport)
        );
        assert_eq!(Error::from(UrlError::Fragment).culprit(), Culprit::Caller);
        assert_eq!(
            Error::from(UrlError::Fragment),
            ProtocolError::Url(UrlError::Fragment)
        );
        let late = Error::handshake_timeout(Duration::from_secs(1));
        assert_eq!((late.code(), late.layer()), ("timeout", "timeout"));
    }
}
