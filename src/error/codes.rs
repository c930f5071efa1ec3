//! The code of every rule an error reports, as the WIT `error-info.code`
//! carries it. This table is where codes come from: renaming a Rust
//! variant does not change one. `wit/error-codes.md` lists the same codes
//! for component users, and a test holds the two equal.

use super::{FrameError, HandshakeError, ProtocolError, ProxyError, UrlError, UsageError};

/// Gives each variant of a layer's enum its code: `code()`, and `CODES`
/// with all of them.
macro_rules! codes {
    ($ty:ident { $($variant:ident => $code:literal,)* }) => {
        impl $ty {
            /// The rule broken, in kebab-case (the table in
            /// `wit/error-codes.md`).
            pub fn code(&self) -> &'static str {
                match self {
                    $($ty::$variant { .. } => $code,)*
                }
            }

            /// Every code of this layer, in the order of its variants.
            #[cfg(test)]
            const CODES: &'static [&'static str] = &[$($code),*];
        }
    };
}

codes!(UrlError {
    Syntax => "syntax",
    Scheme => "scheme",
    Fragment => "fragment",
    Whitespace => "whitespace",
    Credentials => "credentials",
    MissingHost => "missing-host",
});

codes!(HandshakeError {
    HeadTooLarge => "head-too-large",
    TooManyHeaders => "too-many-headers",
    MalformedHead => "malformed-head",
    MissingHeader => "missing-header",
    DuplicateHeader => "duplicate-header",
    UpgradeMismatch => "upgrade-mismatch",
    ConnectionMismatch => "connection-mismatch",
    InvalidProtocol => "invalid-protocol",
    UnexpectedEof => "unexpected-eof",
    NotWebSocket => "not-web-socket",
    MalformedRequestLine => "malformed-request-line",
    MethodNotGet => "method-not-get",
    HttpVersion => "http-version",
    InvalidResource => "invalid-resource",
    InvalidHost => "invalid-host",
    KeyWithoutSpaces => "key-without-spaces",
    KeyWithoutDigits => "key-without-digits",
    KeyTooLarge => "key-too-large",
    KeyNotMultiple => "key-not-multiple",
    UnsupportedVersion => "unsupported-version",
    OriginRejected => "origin-rejected",
    ProtocolRejected => "protocol-rejected",
    Refused => "refused",
    StatusLine => "status-line",
    Status => "status",
    ProxyAuthenticationRequired => "proxy-authentication-required",
    OriginMismatch => "origin-mismatch",
    LocationMismatch => "location-mismatch",
    ProtocolMismatch => "protocol-mismatch",
    ChallengeMismatch => "challenge-mismatch",
    InvalidKey => "invalid-key",
    AcceptMismatch => "accept-mismatch",
    ExtensionNotOffered => "extension-not-offered",
    ProtocolNotOffered => "protocol-not-offered",
});

codes!(FrameError {
    MessageTooLarge => "message-too-large",
    FrameTooLarge => "frame-too-large",
    LengthOverflow => "length-overflow",
    InvalidUtf8 => "invalid-utf8",
    Truncated => "truncated",
    ReservedBits => "reserved-bits",
    UnknownOpcode => "unknown-opcode",
    FragmentedControl => "fragmented-control",
    ControlTooLong => "control-too-long",
    UnmaskedClientFrame => "unmasked-client-frame",
    MaskedServerFrame => "masked-server-frame",
    NonMinimalLength => "non-minimal-length",
    UnexpectedContinuation => "unexpected-continuation",
    ExpectedContinuation => "expected-continuation",
    CloseBodyTooShort => "close-body-too-short",
    InvalidCloseCode => "invalid-close-code",
    InvalidCompressedData => "invalid-compressed-data",
});

codes!(UsageError {
    NotOpen => "not-open",
    FrameType => "frame-type",
    CloseAsData => "close-as-data",
    HandshakeIncomplete => "handshake-incomplete",
    NoRequest => "no-request",
    MessageInProgress => "message-in-progress",
    InvalidHeader => "invalid-header",
    InvalidValue => "invalid-value",
    NotInVersion => "not-in-version",
    ControlTooLong => "control-too-long",
    InvalidCloseCode => "invalid-close-code",
});

codes!(ProxyError {
    InvalidUrl => "proxy-url",
    Refused => "proxy-refused",
    AuthenticationRequired => "proxy-authentication-required",
    AuthenticationFailed => "proxy-authentication-failed",
    Socks => "socks-refused",
    Malformed => "proxy-malformed",
    ReplyTooLarge => "proxy-reply-too-large",
    Closed => "proxy-closed",
});

impl ProtocolError {
    /// The rule broken, in kebab-case: for example `origin-mismatch` or
    /// `message-too-large` (every code is in `wit/error-codes.md`).
    pub fn code(&self) -> &'static str {
        match self {
            ProtocolError::Url(e) => e.code(),
            ProtocolError::Handshake(e) => e.code(),
            ProtocolError::Frame(e) => e.code(),
            ProtocolError::Usage(e) => e.code(),
            ProtocolError::Proxy(e) => e.code(),
            ProtocolError::Entropy(_) => "entropy",
            ProtocolError::PeerNotReading { .. } => "peer-not-reading",
            ProtocolError::Timeout { .. } => "timeout",
        }
    }

    /// The layer that detected it, as the WIT `error` variant names it.
    pub fn layer(&self) -> &'static str {
        match self {
            ProtocolError::Url(_) => "url",
            ProtocolError::Handshake(_) => "handshake",
            ProtocolError::Frame(_) => "frame",
            ProtocolError::Usage(_) => "usage",
            ProtocolError::Proxy(_) => "proxy",
            ProtocolError::Entropy(_) => "entropy",
            ProtocolError::PeerNotReading { .. } => "io",
            ProtocolError::Timeout { .. } => "timeout",
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// `(layer, code)` for every code the Rust table can give.
    fn rust_codes() -> BTreeSet<(&'static str, &'static str)> {
        let layers: [(&str, &[&str]); 8] = [
            ("url", UrlError::CODES),
            ("handshake", HandshakeError::CODES),
            ("frame", FrameError::CODES),
            ("usage", UsageError::CODES),
            ("proxy", ProxyError::CODES),
            ("entropy", &["entropy"]),
            ("io", &["io", "peer-not-reading"]),
            ("timeout", &["timeout"]),
        ];
        layers
            .iter()
            .flat_map(|(layer, codes)| codes.iter().map(move |code| (*layer, *code)))
            .collect()
    }

    /// `(layer, code)` for every row of the table beside the WIT but the
    /// `tls` rows, which `websocket-io`'s `TlsError` gives (and checks).
    fn wit_codes() -> BTreeSet<(String, String)> {
        include_str!("../../wit/error-codes.md")
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                let unquote = |s: &str| s.strip_prefix('`')?.strip_suffix('`').map(str::to_owned);
                Some((unquote(cells.get(1)?)?, unquote(cells.get(2)?)?))
            })
            .filter(|(layer, _)| layer != "tls")
            .collect()
    }

    #[test]
    fn the_wit_table_and_the_rust_table_hold_the_same_codes() {
        let rust: BTreeSet<(String, String)> = rust_codes()
            .into_iter()
            .map(|(l, c)| (l.to_owned(), c.to_owned()))
            .collect();
        let wit = wit_codes();
        assert_eq!(
            rust.difference(&wit).collect::<Vec<_>>(),
            Vec::<&(String, String)>::new(),
            "codes missing from wit/error-codes.md"
        );
        assert_eq!(
            wit.difference(&rust).collect::<Vec<_>>(),
            Vec::<&(String, String)>::new(),
            "codes in wit/error-codes.md that no error gives"
        );
    }

    #[test]
    fn codes_are_unique_within_a_layer() {
        for codes in [
            UrlError::CODES,
            HandshakeError::CODES,
            FrameError::CODES,
            UsageError::CODES,
        ] {
            let unique: BTreeSet<_> = codes.iter().collect();
            assert_eq!(unique.len(), codes.len(), "{codes:?}");
        }
    }
}
