//! TLS failed under a `wss` connection: the peer's certificate, the host
//! name, or the TLS handshake itself.

use core::fmt;

/// TLS failed: the peer's certificate is not trusted or not valid for the
/// host name, or the TLS handshake failed. An adapter's error
/// ([`Error::Tls`](crate::Error::Tls)): the sans-IO core does no TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsError {
    /// The peer's certificate does not chain to a trusted root (add the
    /// root to the trusted ones, for example with the client's `--ca`).
    UntrustedCertificate { detail: String },
    /// The peer's certificate is not valid for the host name connected to.
    NameMismatch { detail: String },
    /// The peer's certificate is expired, not yet valid, revoked or
    /// otherwise unusable.
    BadCertificate { detail: String },
    /// Any other TLS failure: an alert from the peer, no protocol version
    /// or cipher suite in common, a record that does not decrypt.
    Failed { detail: String },
    /// `wss` was asked for and the host offers no TLS (a component whose
    /// host does not provide `wasi:tls`).
    Unavailable { detail: String },
}

impl TlsError {
    /// Sorts a TLS library's failure message into a rule, for adapters
    /// that get TLS errors only as text (a component's `wasi:tls`, whose
    /// host under wasmtime writes rustls's `Display`).
    pub fn from_message(detail: &str) -> TlsError {
        let detail = detail.to_owned();
        if detail.contains("UnknownIssuer") {
            TlsError::UntrustedCertificate { detail }
        } else if detail.contains("NotValidForName") || detail.contains("not valid for name") {
            TlsError::NameMismatch { detail }
        } else if detail.contains("invalid peer certificate") {
            TlsError::BadCertificate { detail }
        } else {
            TlsError::Failed { detail }
        }
    }
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsError::UntrustedCertificate { detail } => {
                write!(
                    f,
                    "the peer's certificate is not signed by a trusted root ({detail})"
                )
            }
            TlsError::NameMismatch { detail } => {
                write!(
                    f,
                    "the peer's certificate is not valid for the host name ({detail})"
                )
            }
            TlsError::BadCertificate { detail } => write!(f, "the peer's certificate is unusable ({detail})"),
            TlsError::Failed { detail } => write!(f, "the TLS handshake failed ({detail})"),
            TlsError::Unavailable { detail } => {
                write!(f, "wss needs TLS, which is not available here ({detail})")
            }
        }
    }
}

impl std::error::Error for TlsError {}

#[cfg(test)]
mod tests {
    use super::TlsError;

    #[test]
    fn host_messages_sort_into_rules() {
        let sorted = |m: &str| TlsError::from_message(m);
        assert!(matches!(
            sorted("invalid peer certificate: UnknownIssuer"),
            TlsError::UntrustedCertificate { .. }
        ));
        assert!(matches!(
            sorted("invalid peer certificate: certificate not valid for name \"127.0.0.1\""),
            TlsError::NameMismatch { .. }
        ));
        assert!(matches!(
            sorted("invalid peer certificate: Expired"),
            TlsError::BadCertificate { .. }
        ));
        assert!(matches!(
            sorted("received fatal alert: HandshakeFailure"),
            TlsError::Failed { .. }
        ));
    }
}
