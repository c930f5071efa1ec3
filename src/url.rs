//! `ws`/`wss` URLs: default ports, resource name, `Host` value, location.

use core::fmt;

use crate::error::{ProtocolError, UrlError, UsageError};

/// A parsed WebSocket URL.
///
/// ```
/// let url = websocket_engine::WsUrl::parse("ws://Example.COM:8080/chat?room=1").unwrap();
/// assert_eq!(url.host(), "example.com");
/// assert_eq!(url.resource(), "/chat?room=1");
/// assert_eq!(url.host_header(), "example.com:8080");
/// assert_eq!(url.location(), "ws://example.com:8080/chat?room=1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsUrl {
    secure: bool,
    host: String,
    port: u16,
    resource: String,
}

impl WsUrl {
    /// Parses and checks a URL: scheme `ws` or `wss`, a host (lowercased;
    /// non-ASCII hosts through IDNA), no fragment, no credentials, no spaces
    /// or control characters.
    pub fn parse(input: &str) -> Result<WsUrl, UrlError> {
        // The `url` crate would trim or percent-encode these; a resource
        // name must not contain them at all.
        if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(UrlError::Whitespace);
        }
        let url = url::Url::parse(input).map_err(|e| UrlError::Syntax {
            reason: e.to_string(),
        })?;
        let secure = match url.scheme() {
            "ws" => false,
            "wss" => true,
            other => {
                return Err(UrlError::Scheme {
                    scheme: other.to_owned(),
                })
            }
        };
        if url.fragment().is_some() {
            return Err(UrlError::Fragment);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UrlError::Credentials);
        }
        let host = match url.host_str() {
            Some(h) if !h.is_empty() => h.to_owned(),
            _ => return Err(UrlError::MissingHost),
        };
        let port = url
            .port_or_known_default()
            .unwrap_or(if secure { 443 } else { 80 });
        let mut resource = url.path().to_owned();
        if resource.is_empty() {
            resource.push('/');
        }
        if let Some(query) = url.query() {
            resource.push('?');
            resource.push_str(query);
        }
        Ok(WsUrl {
            secure,
            host,
            port,
            resource,
        })
    }

    /// Parses a URL that a transport without TLS can connect to: as
    /// [`WsUrl::parse`], and `ws` only (`wss` is refused as the caller's
    /// mistake, since the adapters here speak plain TCP).
    pub fn parse_plain(input: &str) -> Result<WsUrl, ProtocolError> {
        let url = WsUrl::parse(input)?;
        if url.is_secure() {
            return Err(UsageError::InvalidValue {
                what: "URL (wss needs TLS, which this adapter does not provide)",
                got: url.location(),
            }
            .into());
        }
        Ok(url)
    }

    /// True for `wss` (TLS).
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// `ws` or `wss`.
    pub fn scheme(&self) -> &'static str {
        if self.secure {
            "wss"
        } else {
            "ws"
        }
    }

    /// The host: lowercased, IDNA-encoded, IPv6 addresses in brackets.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The host without the brackets an IPv6 address has in a URL: what a
    /// name lookup, a socket address or a TLS server name takes.
    pub fn hostname(&self) -> &str {
        unbracket(&self.host)
    }

    /// The port, explicit or the scheme's default (80 for ws, 443 for wss).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The resource name: the path (`/` when empty), then `?query` if any.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    fn default_port(&self) -> u16 {
        if self.secure {
            443
        } else {
            80
        }
    }

    /// The `Host` header value: the host, plus `:port` when the port is not
    /// the scheme's default.
    pub fn host_header(&self) -> String {
        if self.port == self.default_port() {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// `scheme://host[:port]resource`, as hixie servers echo it back.
    pub fn location(&self) -> String {
        format!("{}://{}{}", self.scheme(), self.host_header(), self.resource)
    }

    /// An origin naming the same host, for clients that were given none:
    /// `http://host[:port]` for ws, `https://host[:port]` for wss.
    pub fn default_origin(&self) -> String {
        let scheme = if self.secure { "https" } else { "http" };
        format!("{scheme}://{}", self.host_header())
    }

    /// `host:port`, as `std::net` resolves it (IPv6 hosts keep their brackets).
    pub fn socket_addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

impl fmt::Display for WsUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.location())
    }
}

impl core::str::FromStr for WsUrl {
    type Err = UrlError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WsUrl::parse(s)
    }
}

/// A host as a URL writes it, without the brackets around an IPv6
/// address.
pub fn unbracket(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}
