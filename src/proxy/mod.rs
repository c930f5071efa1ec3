//! Proxies between a client and its server: HTTP `CONNECT` and SOCKS5.
//!
//! A [`Proxy`] is parsed from a URL (`http://[user:pass@]host[:port]`,
//! `socks5://[user:pass@]host[:port]`) or found in the environment as curl
//! and Python `websockets` find it ([`Proxy::from_env`]). Its
//! [`ProxyHandshake`] is sans-IO, as the rest of the engine: the adapter
//! connects to the proxy, moves the handshake's bytes until it is
//! complete, and then speaks TLS (for `wss`) and WebSocket through the
//! tunnel as it would to the server itself.
//!
//! ```
//! use websocket_engine::{Limits, Proxy, Status, WsUrl};
//!
//! let proxy = Proxy::parse("http://proxy.example:3128")?;
//! let target = WsUrl::parse("wss://echo.example/chat")?;
//! let mut tunnel = proxy.handshake(&target, &Limits::default())?;
//! assert!(tunnel.poll_output().starts_with(b"CONNECT echo.example:443 HTTP/1.1\r\n"));
//! let n = tunnel.poll_output().len();
//! tunnel.advance_output(n);
//! let reply = b"HTTP/1.1 200 Connection established\r\n\r\n";
//! assert_eq!(tunnel.handle_input(reply)?, Status::Complete { value: (), consumed: reply.len() });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod env;
mod handshake;

use core::fmt;

use percent_encoding::percent_decode_str;

pub use handshake::ProxyHandshake;

use crate::error::ProxyError;
use crate::{Limits, WsUrl};

/// How a proxy is spoken to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyScheme {
    /// HTTP `CONNECT` (`http://`), with Basic authentication if
    /// credentials are given.
    Http,
    /// SOCKS5 (`socks5://` or `socks5h://`; RFC 1928), with
    /// user name and password authentication (RFC 1929) if credentials are
    /// given. The target's host name goes to the proxy to resolve, under
    /// either scheme: the engine resolves no names itself.
    Socks5,
}

/// A proxy to reach a server through.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    scheme: ProxyScheme,
    host: String,
    port: u16,
    credentials: Option<(String, String)>,
}

impl fmt::Debug for Proxy {
    /// Never shows the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("scheme", &self.scheme)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .finish()
    }
}

impl Proxy {
    /// Parses `http://[user:pass@]host[:port]` (port 80 by default) or
    /// `socks5://[user:pass@]host[:port]` (`socks5h` too; port 1080 by
    /// default). The user name and password are percent-decoded.
    pub fn parse(input: &str) -> Result<Proxy, ProxyError> {
        let invalid = |reason| ProxyError::InvalidUrl {
            url: redacted(input),
            reason,
        };
        let url = url::Url::parse(input).map_err(|_| invalid("not a URL"))?;
        let (scheme, default_port) = match url.scheme() {
            "http" => (ProxyScheme::Http, 80),
            "socks5" | "socks5h" => (ProxyScheme::Socks5, 1080),
            "https" => return Err(invalid("TLS to the proxy itself (https://) is not supported")),
            _ => return Err(invalid("the scheme is neither http nor socks5")),
        };
        let host = match url.host_str() {
            Some(host) if !host.is_empty() => host.to_owned(),
            _ => return Err(invalid("no host")),
        };
        let proxy = Proxy {
            scheme,
            host,
            port: url.port().unwrap_or(default_port),
            credentials: None,
        };
        if url.username().is_empty() && url.password().is_none() {
            return Ok(proxy);
        }
        let decode = |s: &str| {
            percent_decode_str(s)
                .decode_utf8()
                .map(|s| s.into_owned())
                .map_err(|_| invalid("the credentials are not UTF-8 once percent-decoded"))
        };
        let user = decode(url.username())?;
        let password = decode(url.password().unwrap_or(""))?;
        proxy
            .credentials(user, password)
            .map_err(|_| invalid("a user name or password over 255 bytes"))
    }

    /// Sets the credentials (for SOCKS5, each 1 to 255 bytes long).
    pub fn credentials(
        mut self,
        user: impl Into<String>,
        password: impl Into<String>,
    ) -> Result<Proxy, ProxyError> {
        let (user, password) = (user.into(), password.into());
        if self.scheme == ProxyScheme::Socks5 && (user.len() > 255 || password.len() > 255) {
            return Err(ProxyError::InvalidUrl {
                url: self.to_string(),
                reason: "a SOCKS5 user name or password over 255 bytes",
            });
        }
        self.credentials = Some((user, password));
        Ok(self)
    }

    /// How the proxy is spoken to.
    pub fn scheme(&self) -> ProxyScheme {
        self.scheme
    }

    /// The proxy's host (IPv6 addresses in brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `host:port`, to connect to.
    pub fn addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// Starts the handshake that opens a tunnel to `target`'s host and
    /// port. `limits.max_head_bytes` and `max_headers` bound an HTTP
    /// proxy's reply.
    pub fn handshake(&self, target: &WsUrl, limits: &Limits) -> Result<ProxyHandshake, ProxyError> {
        ProxyHandshake::new(self.scheme, self.credentials.as_ref(), target, limits)
    }
}

impl fmt::Display for Proxy {
    /// The proxy's URL, without the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.scheme {
            ProxyScheme::Http => "http",
            ProxyScheme::Socks5 => "socks5",
        };
        let user = match &self.credentials {
            Some((user, _)) => format!("{user}:***@"),
            None => String::new(),
        };
        write!(f, "{scheme}://{user}{}:{}", self.host, self.port)
    }
}

/// `input` with any credentials replaced, for error messages (whether or
/// not it parses).
fn redacted(input: &str) -> String {
    match input.split_once("://") {
        Some((scheme, rest)) => match rest.rfind('@') {
            Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
            None => input.to_owned(),
        },
        None => input.to_owned(),
    }
}
