//! The protocol versions spoken on the wire and the two roles of a connection.

use core::fmt;
use core::str::FromStr;

/// A version of the WebSocket protocol as it appears on the wire.
///
/// Each version is named exactly once, here; the WIT interface and the
/// command-line examples use the same names (`hixie75`, `hixie76`, `rfc6455`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// draft-hixie-thewebsocketprotocol-54 to -75: no handshake keys, the
    /// connection ends when TCP closes.
    Hixie75,
    /// draft-hixie-thewebsocketprotocol-76 (= hybi-00): the MD5 key challenge
    /// and the `FF 00` closing handshake.
    Hixie76,
    /// RFC 6455 (hybi-13), the final standard.
    Rfc6455,
}

impl Version {
    /// Every version, oldest first.
    pub const ALL: [Version; 3] = [Version::Hixie75, Version::Hixie76, Version::Rfc6455];

    /// The name used on command lines and in WIT.
    pub const fn name(self) -> &'static str {
        match self {
            Version::Hixie75 => "hixie75",
            Version::Hixie76 => "hixie76",
            Version::Rfc6455 => "rfc6455",
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of [`Version::from_str`]: the name is none of `hixie75`,
/// `hixie76`, `rfc6455`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownVersion(pub String);

impl fmt::Display for UnknownVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown protocol version {:?}; expected hixie75, hixie76 or rfc6455",
            self.0
        )
    }
}

impl std::error::Error for UnknownVersion {}

impl FromStr for Version {
    type Err = UnknownVersion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::ALL
            .into_iter()
            .find(|v| v.name() == s)
            .ok_or_else(|| UnknownVersion(s.to_owned()))
    }
}

/// Which end of a connection this engine plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The side that opened the connection and sent the request.
    Client,
    /// The side that accepted the connection and answered the request.
    Server,
}

impl Role {
    /// The other end.
    pub const fn peer(self) -> Role {
        match self {
            Role::Client => Role::Server,
            Role::Server => Role::Client,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Client => "client",
            Role::Server => "server",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for v in Version::ALL {
            assert_eq!(v.name().parse::<Version>(), Ok(v));
        }
        assert_eq!(
            "hixie-76".parse::<Version>(),
            Err(UnknownVersion("hixie-76".into()))
        );
    }
}
