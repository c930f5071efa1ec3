//! TLS with rustls for the native adapters (feature `rustls`): the client
//! configuration `wss://` connects with, and a server-side acceptor.
//!
//! A client trusts the Mozilla roots of `webpki-roots` by default; build a
//! [`RootCertStore`] of your own (with [`add_pem_roots`] for a private CA)
//! and pass [`client_config`]`(roots)` to
//! [`ConnectOptions::tls`](crate::ConnectOptions::tls). Certificates are
//! checked against the URL's host name (also sent as SNI).
//!
//! ```no_run
//! use websocket_engine::{ClientConfig, Version};
//! use websocket_io::{tls, ConnectOptions};
//!
//! let mut roots = tls::default_roots();
//! tls::add_pem_roots(&mut roots, &std::fs::read("ca.pem")?)?;
//! let options = ConnectOptions::new().tls(tls::client_config(roots));
//! // websocket-blocking's connect (websocket-tokio's takes the same options):
//! let (mut ws, _) = websocket_blocking::connect_with("wss://localhost:9001/", ClientConfig::new(Version::Rfc6455), &options)?;
//! ws.send_text("over TLS")?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A server wraps each accepted TCP stream with a [`TlsAcceptor`] made
//! from a rustls `ServerConfig` (or from PEM files with
//! [`server_config`]), then accepts as on a plain stream.

use std::io;
use std::net::TcpStream;
use std::sync::Arc;

pub use rustls;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore, ServerConfig, ServerConnection, StreamOwned};
use websocket_engine::WsUrl;

use crate::TlsError;

/// The Mozilla roots that `webpki-roots` carries.
pub fn default_roots() -> RootCertStore {
    RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

/// Adds every certificate of a PEM file to `roots`; returns how many.
/// A file with none, or a certificate rustls cannot use as a root, is an
/// `InvalidInput` error.
pub fn add_pem_roots(roots: &mut RootCertStore, pem: &[u8]) -> io::Result<usize> {
    let certs = pem_certificates(pem)?;
    for cert in &certs {
        roots
            .add(cert.clone())
            .map_err(|e| invalid(format!("a certificate is not a usable root: {e}")))?;
    }
    Ok(certs.len())
}

/// A client configuration that trusts `roots` (ring provider, TLS 1.2 and
/// 1.3, ALPN `http/1.1` as browsers offer for WebSocket).
pub fn client_config(roots: RootCertStore) -> Arc<ClientConfig> {
    let mut config = ClientConfig::builder_with_provider(rustls::crypto::ring::default_provider().into())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// The configuration a client uses unless told otherwise: the default
/// roots, made once per process.
pub fn default_client_config() -> Arc<ClientConfig> {
    static CONFIG: std::sync::OnceLock<Arc<ClientConfig>> = std::sync::OnceLock::new();
    CONFIG.get_or_init(|| client_config(default_roots())).clone()
}

/// A server configuration from a PEM certificate chain (leaf first) and a
/// PEM private key (PKCS#8, PKCS#1 or SEC1), offering ALPN `http/1.1`.
pub fn server_config(cert_chain_pem: &[u8], key_pem: &[u8]) -> io::Result<Arc<ServerConfig>> {
    let chain = pem_certificates(cert_chain_pem)?;
    let key =
        PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| invalid(format!("no usable private key: {e}")))?;
    let mut config = ServerConfig::builder_with_provider(rustls::crypto::ring::default_provider().into())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            invalid(format!(
                "the certificate and key do not make a server identity: {e}"
            ))
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn pem_certificates(pem: &[u8]) -> io::Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(format!("bad PEM: {e}")))?;
    if certs.is_empty() {
        return Err(invalid("no certificate in the PEM".to_owned()));
    }
    Ok(certs)
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// The name a `wss` URL's certificate must be valid for (and the SNI).
pub fn server_name(url: &WsUrl) -> Result<rustls::pki_types::ServerName<'static>, TlsError> {
    let host = url.hostname();
    rustls::pki_types::ServerName::try_from(host.to_owned()).map_err(|e| TlsError::Failed {
        detail: format!("{host:?} cannot be a TLS server name: {e}"),
    })
}

/// Accepts TLS on server-side streams with one rustls configuration.
#[derive(Clone)]
pub struct TlsAcceptor {
    config: Arc<ServerConfig>,
}

impl std::fmt::Debug for TlsAcceptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsAcceptor")
    }
}

impl TlsAcceptor {
    /// An acceptor for `config` (for example from [`server_config`]).
    pub fn new(config: Arc<ServerConfig>) -> Self {
        TlsAcceptor { config }
    }

    /// Wraps an accepted TCP stream for the blocking adapter; the TLS
    /// handshake runs on its first read or write, under the session's
    /// handshake time-out.
    pub fn accept(&self, tcp: TcpStream) -> io::Result<StreamOwned<ServerConnection, TcpStream>> {
        let conn = ServerConnection::new(self.config.clone()).map_err(io::Error::other)?;
        Ok(StreamOwned::new(conn, tcp))
    }

    /// The rustls configuration it accepts with (for an async acceptor,
    /// such as `websocket_tokio::accept_tls`).
    pub fn config(&self) -> &Arc<ServerConfig> {
        &self.config
    }
}

/// A blocking client's TLS stream over TCP, not yet handshaken.
pub fn client_stream(
    tcp: TcpStream,
    url: &WsUrl,
    config: Arc<ClientConfig>,
) -> Result<StreamOwned<rustls::ClientConnection, TcpStream>, crate::Error> {
    let conn = rustls::ClientConnection::new(config, server_name(url)?)
        .map_err(|e| crate::Error::Tls(TlsError::from(&e)))?;
    Ok(StreamOwned::new(conn, tcp))
}
