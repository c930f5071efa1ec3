//! How an adapter reaches a server: directly or through a proxy, and for
//! `wss`, with which TLS configuration.

use websocket_engine::{Proxy, ProxyError, WsUrl};

/// How an adapter's `connect_with` reaches the server. The default takes
/// the proxy from the environment ([`Proxy::from_env`]) and, for `wss`
/// (feature `rustls`), trusts the Mozilla roots of `webpki-roots`.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    proxy: ProxyChoice,
    #[cfg(all(feature = "rustls", not(target_arch = "wasm32")))]
    tls: Option<std::sync::Arc<rustls::ClientConfig>>,
}

#[derive(Debug, Clone, Default)]
enum ProxyChoice {
    #[default]
    FromEnv,
    Direct,
    Via(Proxy),
}

impl ConnectOptions {
    /// The defaults: the environment's proxy, the default roots.
    pub fn new() -> Self {
        ConnectOptions::default()
    }

    /// Connects through `proxy`, whatever the environment says.
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.proxy = ProxyChoice::Via(proxy);
        self
    }

    /// Connects directly, whatever the environment says.
    pub fn direct(mut self) -> Self {
        self.proxy = ProxyChoice::Direct;
        self
    }

    /// Uses this rustls client configuration for `wss` (see
    /// [`tls::client_config`](crate::tls::client_config)).
    #[cfg(all(feature = "rustls", not(target_arch = "wasm32")))]
    pub fn tls(mut self, config: std::sync::Arc<rustls::ClientConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// The proxy to reach `url` through, if any.
    pub fn proxy_for(&self, url: &WsUrl) -> Result<Option<Proxy>, ProxyError> {
        match &self.proxy {
            ProxyChoice::FromEnv => Proxy::from_env(url),
            ProxyChoice::Direct => Ok(None),
            ProxyChoice::Via(proxy) => Ok(Some(proxy.clone())),
        }
    }

    /// The rustls client configuration for `wss`: the one given, or the
    /// default roots'.
    #[cfg(all(feature = "rustls", not(target_arch = "wasm32")))]
    pub fn tls_config(&self) -> std::sync::Arc<rustls::ClientConfig> {
        self.tls.clone().unwrap_or_else(crate::tls::default_client_config)
    }
}

/// The host (without an IPv6 address's brackets, as a name lookup or a
/// socket address takes it) and the port to open TCP to: the proxy's, or
/// the server's.
pub fn first_hop<'a>(proxy: Option<&'a Proxy>, url: &'a WsUrl) -> (&'a str, u16) {
    match proxy {
        Some(proxy) => (websocket_engine::unbracket(proxy.host()), proxy.port()),
        None => (url.hostname(), url.port()),
    }
}

/// Parses the URL an adapter connects to: `ws`, or `wss` when this build
/// has TLS (feature `rustls`).
pub fn parse_url(input: &str) -> Result<WsUrl, websocket_engine::ProtocolError> {
    #[cfg(all(feature = "rustls", not(target_arch = "wasm32")))]
    return Ok(WsUrl::parse(input)?);
    #[cfg(not(all(feature = "rustls", not(target_arch = "wasm32"))))]
    WsUrl::parse_plain(input)
}
