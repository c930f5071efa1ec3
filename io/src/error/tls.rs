//! TLS failed under a `wss` connection: the peer's certificate, the host
//! name, or the TLS handshake itself.

use core::fmt;

/// TLS failed: the peer's certificate is not trusted or not valid for the
/// host name, or the TLS handshake failed. An adapter's error
/// ([`Error::Tls`](crate::Error::Tls)): the sans-IO core does no TLS.
/// Each variant's code is a row of the `tls` layer in `wit/error-codes.md`.
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
    /// The rule broken, in kebab-case (the `tls` rows of
    /// `wit/error-codes.md`).
    pub fn code(&self) -> &'static str {
        match self {
            TlsError::UntrustedCertificate { .. } => "untrusted-certificate",
            TlsError::NameMismatch { .. } => "certificate-name-mismatch",
            TlsError::BadCertificate { .. } => "bad-certificate",
            TlsError::Failed { .. } => "tls-failed",
            TlsError::Unavailable { .. } => "tls-unavailable",
        }
    }

    /// The TLS failure an I/O error carries, if it carries one: a
    /// `TlsError`, or (feature `rustls`) the `rustls::Error` a rustls
    /// stream reports its failures with.
    pub(crate) fn inside(e: &std::io::Error) -> Option<TlsError> {
        let inner = e.get_ref()?;
        if let Some(tls) = inner.downcast_ref::<TlsError>() {
            return Some(tls.clone());
        }
        #[cfg(all(feature = "rustls", not(target_arch = "wasm32")))]
        if let Some(tls) = inner.downcast_ref::<rustls::Error>() {
            return Some(TlsError::from(tls));
        }
        None
    }

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

#[cfg(all(feature = "rustls", not(target_arch = "wasm32")))]
impl From<&rustls::Error> for TlsError {
    /// Sorts a rustls error into the rule it reports.
    fn from(e: &rustls::Error) -> TlsError {
        use rustls::CertificateError;
        let detail = e.to_string();
        match e {
            rustls::Error::InvalidCertificate(cert) => match cert {
                CertificateError::UnknownIssuer => TlsError::UntrustedCertificate { detail },
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                    TlsError::NameMismatch { detail }
                }
                _ => TlsError::BadCertificate { detail },
            },
            _ => TlsError::Failed { detail },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TlsError;

    #[test]
    fn every_code_is_a_tls_row_of_the_wit_table() {
        let detail = String::new();
        let all = [
            TlsError::UntrustedCertificate {
                detail: detail.clone(),
            },
            TlsError::NameMismatch {
                detail: detail.clone(),
            },
            TlsError::BadCertificate {
                detail: detail.clone(),
            },
            TlsError::Failed {
                detail: detail.clone(),
            },
            TlsError::Unavailable { detail },
        ];
        let rows: Vec<String> = include_str!("../../../wit/error-codes.md")
            .lines()
            .filter(|line| line.contains("| `tls` |"))
            .map(str::to_owned)
            .collect();
        assert_eq!(rows.len(), all.len(), "tls rows: {rows:?}");
        for e in &all {
            let cell = format!("| `{}` |", e.code());
            assert!(
                rows.iter().any(|row| row.contains(&cell)),
                "{cell} not in {rows:?}"
            );
        }
    }

    #[test]
    fn a_tls_error_inside_an_io_error_is_found() {
        let io = std::io::Error::other(TlsError::Failed { detail: "x".into() });
        assert_eq!(
            TlsError::inside(&io),
            Some(TlsError::Failed { detail: "x".into() })
        );
        assert_eq!(TlsError::inside(&std::io::Error::other("plain")), None);
    }

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
