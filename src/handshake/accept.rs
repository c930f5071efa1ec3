//! The RFC 6455 key exchange: the client's random `Sec-WebSocket-Key` and
//! the server's `Sec-WebSocket-Accept` answer (section 4.2.2).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha1::{Digest, Sha1};

use crate::entropy::Entropy;
use crate::error::ProtocolError;

/// The GUID RFC 6455 appends to the key before hashing.
const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// A fresh key: 16 random bytes, base64-encoded (section 4.1).
pub(crate) fn generate(entropy: &mut dyn Entropy) -> Result<String, ProtocolError> {
    let mut nonce = [0u8; 16];
    entropy.fill(&mut nonce)?;
    Ok(STANDARD.encode(nonce))
}

/// True when `key` is the base64 of exactly 16 bytes, as a server must
/// check.
pub(crate) fn is_valid_key(key: &str) -> bool {
    key.len() == 24 && STANDARD.decode(key).is_ok_and(|k| k.len() == 16)
}

/// The `Sec-WebSocket-Accept` value a server answers `key` with:
/// `base64(SHA-1(key ++ GUID))`.
///
/// ```
/// assert_eq!(
///     websocket_engine::rfc6455_accept("dGhlIHNhbXBsZSBub25jZQ=="),
///     "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" // RFC 6455 section 1.3
/// );
/// ```
pub fn rfc6455_accept(key: &str) -> String {
    let mut sha1 = Sha1::new();
    sha1.update(key.as_bytes());
    sha1.update(GUID.as_bytes());
    STANDARD.encode(sha1.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::SeededEntropy;

    #[test]
    fn keys_are_16_random_bytes_in_base64() {
        let mut e = SeededEntropy::new(7);
        let a = generate(&mut e).unwrap();
        let b = generate(&mut e).unwrap();
        assert_ne!(a, b);
        assert!(is_valid_key(&a) && is_valid_key(&b));
        assert!(!is_valid_key("dGhlIHNhbXBsZSBub25jZQ")); // no padding
        assert!(!is_valid_key("AAAAAAAAAAAAAAAAAAAAAAA=")); // 17 bytes
        assert!(!is_valid_key("dGhlIHNhbXBsZSBub25j!Q=="));
    }
}
