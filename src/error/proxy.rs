//! A proxy between the client and the server refused the tunnel, or its
//! URL or its replies broke a rule of HTTP `CONNECT` or SOCKS5.

use core::fmt;

/// A proxy refused the tunnel, or its URL or replies broke a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyError {
    /// The proxy URL given by the caller (or found in the environment) is
    /// not `http://[user:pass@]host[:port]` or `socks5://...`.
    InvalidUrl { url: String, reason: &'static str },
    /// The HTTP proxy answered `CONNECT` with a status other than 2xx
    /// (407 has its own variants).
    Refused { status: u16, reason: String },
    /// The proxy requires credentials and none were given (HTTP 407, or
    /// a SOCKS5 proxy that accepts no method offered).
    AuthenticationRequired,
    /// The proxy refused the credentials given.
    AuthenticationFailed,
    /// The SOCKS5 proxy answered the connect request with a failure
    /// (RFC 1928 section 6).
    Socks { reply: u8 },
    /// The proxy's reply is not well-formed (or arrived with bytes after it
    /// before the client spoke).
    Malformed { what: &'static str },
    /// The HTTP proxy's reply head did not end within the limit
    /// ([`Limits::max_head_bytes`](crate::Limits)).
    ReplyTooLarge { limit: usize },
    /// The proxy closed the connection before its reply was complete.
    Closed,
}

/// RFC 1928's meaning of a SOCKS5 reply code.
fn socks_reply(code: u8) -> &'static str {
    match code {
        1 => "general SOCKS server failure",
        2 => "connection not allowed by ruleset",
        3 => "network unreachable",
        4 => "host unreachable",
        5 => "connection refused",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => "unassigned reply code",
    }
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyError::InvalidUrl { url, reason } => write!(
                f,
                "proxy URL {url:?}: {reason}; expected http://[user:pass@]host:port or socks5://[user:pass@]host:port"
            ),
            ProxyError::Refused { status, reason } => {
                write!(f, "the proxy refused the tunnel: {status} {reason}")
            }
            ProxyError::AuthenticationRequired => {
                f.write_str("the proxy requires authentication and no credentials were given")
            }
            ProxyError::AuthenticationFailed => f.write_str("the proxy refused the credentials given"),
            ProxyError::Socks { reply } => write!(
                f,
                "the SOCKS5 proxy refused the tunnel: reply {reply} ({})",
                socks_reply(*reply)
            ),
            ProxyError::Malformed { what } => write!(f, "the proxy's reply is malformed: {what}"),
            ProxyError::ReplyTooLarge { limit } => {
                write!(f, "the proxy's reply head did not end within {limit} bytes")
            }
            ProxyError::Closed => f.write_str("the proxy closed the connection before its reply was complete"),
        }
    }
}
