//! The opening handshake, sans-IO: bytes in, bytes out.
//!
//! A [`ClientHandshake`] makes the request bytes and verifies the server's
//! response; a [`ServerHandshake`] reads a request, tells its version, and
//! makes the response (or a rejection). Both take input in chunks of any
//! size and report [`Status::Partial`] until the handshake is complete;
//! then [`Status::Complete`] says how many bytes of the last input belonged
//! to the handshake. The bytes after those already belong to the framing
//! layer. A [`Session`](crate::Session) runs a handshake and the
//! connection after it; these types are the handshake alone.

mod accept;
mod client;
mod decision;
pub(crate) mod head;
mod key;
mod server;

pub use accept::rfc6455_accept;
pub use client::{ClientConfig, ClientHandshake, HandshakeResponse};
pub use decision::{Accept, Decision, Refusal};
pub use key::hixie76_answer;
pub use server::{Request, ServerConfig, ServerHandshake};

use crate::error::UsageError;

/// The first three lines of a hixie75 response, fixed to the byte (85 bytes).
pub(crate) const HIXIE75_PREFIX: &str =
    "HTTP/1.1 101 Web Socket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n";
/// The status line a hixie76 server sends.
pub(crate) const HIXIE76_STATUS: &str = "HTTP/1.1 101 WebSocket Protocol Handshake";
/// The lines after it.
pub(crate) const HIXIE76_UPGRADE: &str = "\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n";
/// The status line an RFC 6455 server sends.
pub(crate) const RFC6455_STATUS: &str = "HTTP/1.1 101 Switching Protocols";
/// The only RFC 6455 version there is: `Sec-WebSocket-Version: 13`.
pub(crate) const RFC6455_VERSION: &str = "13";

/// The names of the fields that differ between the hixie versions.
pub(crate) struct FieldNames {
    /// The subprotocol, in the request and the response.
    pub(crate) protocol: &'static str,
    /// The origin the server echoes.
    pub(crate) origin: &'static str,
    /// The location the server echoes.
    pub(crate) location: &'static str,
}

impl FieldNames {
    pub(crate) fn of(version: crate::Version) -> FieldNames {
        match version {
            crate::Version::Hixie75 => FieldNames {
                protocol: "WebSocket-Protocol",
                origin: "WebSocket-Origin",
                location: "WebSocket-Location",
            },
            _ => FieldNames {
                protocol: "Sec-WebSocket-Protocol",
                origin: "Sec-WebSocket-Origin",
                location: "Sec-WebSocket-Location",
            },
        }
    }
}

/// True for a subprotocol `version` allows: for the hixie drafts a
/// non-empty string of U+0021..U+007E, for RFC 6455 an HTTP token (no
/// commas, so that lists of them can be split).
pub(crate) fn is_valid_protocol(version: crate::Version, p: &str) -> bool {
    match version {
        crate::Version::Rfc6455 => !p.is_empty() && p.bytes().all(head::is_token_byte),
        _ => !p.is_empty() && p.bytes().all(|b| (0x21..=0x7E).contains(&b)),
    }
}

/// Checks a value the caller wants written into a head: no control
/// characters (so no CR or LF), not empty.
pub(crate) fn check_value(what: &'static str, value: &str) -> Result<(), UsageError> {
    if value.is_empty() || value.chars().any(char::is_control) {
        return Err(UsageError::InvalidValue {
            what,
            got: value.to_owned(),
        });
    }
    Ok(())
}

/// Checks header fields a caller wants written: an HTTP token as the name,
/// none of the `reserved` names (which the handshake writes itself), no
/// control characters in the value.
pub(crate) fn check_headers(headers: &[(String, String)], reserved: &[&str]) -> Result<(), UsageError> {
    for (name, value) in headers {
        let bad_name = name.is_empty()
            || !name.bytes().all(head::is_token_byte)
            || reserved.iter().any(|r| r.eq_ignore_ascii_case(name));
        if bad_name || value.chars().any(char::is_control) {
            return Err(UsageError::InvalidHeader { name: name.clone() });
        }
    }
    Ok(())
}

/// Appends `name: value\r\n` for each field.
pub(crate) fn push_fields(out: &mut Vec<u8>, fields: &[(String, String)]) {
    for (name, value) in fields {
        push_field(out, name, value);
    }
}

/// Appends `name: value\r\n`.
pub(crate) fn push_field(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(b"\r\n");
}
