//! The caller's URL broke a rule of `ws`/`wss` URLs.

use core::fmt;

/// The caller's URL broke a rule of `ws`/`wss` URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// Not a URL at all (the `url` crate's reason is given).
    Syntax { reason: String },
    /// A scheme other than `ws` or `wss`.
    Scheme { scheme: String },
    /// A fragment (`#...`) is present; WebSocket URLs have none.
    Fragment,
    /// A space or control character is present; resource names have none.
    Whitespace,
    /// A user name or password is present; they would be silently dropped.
    Credentials,
    /// No host.
    MissingHost,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::Syntax { reason } => write!(f, "not a URL ({reason})"),
            UrlError::Scheme { scheme } => {
                write!(f, "scheme {scheme:?} given; expected ws or wss")
            }
            UrlError::Fragment => f.write_str("a fragment (#...) is not allowed"),
            UrlError::Whitespace => f.write_str("spaces and control characters are not allowed"),
            UrlError::Credentials => f.write_str("user names and passwords are not allowed"),
            UrlError::MissingHost => f.write_str("a host is required"),
        }
    }
}
