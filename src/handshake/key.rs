//! The hixie-76 key challenge: making keys (client), reading them (server),
//! and the MD5 answer both sides compute.

use md5::{Digest, Md5};

use crate::entropy::{uniform_in, uniform_u32, Entropy};
use crate::error::{HandshakeError, ProtocolError};

/// A `Sec-WebSocket-Key1`/`Key2` value and the number a server will read from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Key {
    pub(crate) text: String,
    pub(crate) part: u32,
}

/// Makes a key exactly as hixie-76 section 4.1 describes.
pub(crate) fn generate(entropy: &mut dyn Entropy) -> Result<Key, ProtocolError> {
    let spaces = uniform_in(entropy, 1, 12)?;
    let max = u32::MAX / spaces;
    let number = uniform_u32(entropy, max)?;
    let mut chars: Vec<u8> = (u64::from(number) * u64::from(spaces)).to_string().into_bytes();
    // 1..=12 characters from U+0021..U+002F and U+003A..U+007E (84 in all).
    for _ in 0..uniform_in(entropy, 1, 12)? {
        let pick = uniform_u32(entropy, 83)? as u8;
        let c = if pick < 15 { 0x21 + pick } else { 0x3A + pick - 15 };
        let at = uniform_u32(entropy, chars.len() as u32)? as usize;
        chars.insert(at, c);
    }
    // Spaces anywhere but first or last.
    for _ in 0..spaces {
        let at = uniform_in(entropy, 1, chars.len() as u32 - 1)? as usize;
        chars.insert(at, b' ');
    }
    let text = String::from_utf8(chars).expect("keys are ASCII");
    Ok(Key { text, part: number })
}

/// Reads a key as hixie-76 section 5.2 describes: its digits as one number
/// divided by its count of spaces. `which` (1 or 2) names it in errors.
pub(crate) fn parse(text: &str, which: u8) -> Result<u32, HandshakeError> {
    let mut number: u64 = 0;
    let mut digits = 0usize;
    let mut spaces: u64 = 0;
    for b in text.bytes() {
        match b {
            b'0'..=b'9' => {
                digits += 1;
                number = number * 10 + u64::from(b - b'0');
                if number > u64::from(u32::MAX) {
                    return Err(HandshakeError::KeyTooLarge { which });
                }
            }
            b' ' => spaces += 1,
            _ => {}
        }
    }
    if spaces == 0 {
        return Err(HandshakeError::KeyWithoutSpaces { which });
    }
    if digits == 0 {
        return Err(HandshakeError::KeyWithoutDigits { which });
    }
    if number % spaces != 0 {
        return Err(HandshakeError::KeyNotMultiple { which });
    }
    Ok((number / spaces) as u32)
}

/// The 16-byte answer: MD5 of both parts (big-endian) and key3.
pub(crate) fn answer(part1: u32, part2: u32, key3: &[u8; 8]) -> [u8; 16] {
    let mut md5 = Md5::new();
    md5.update(part1.to_be_bytes());
    md5.update(part2.to_be_bytes());
    md5.update(key3);
    md5.finalize().into()
}

/// The hixie-76 challenge answer a server sends for these keys, as the spec
/// summary's test vectors give it.
///
/// ```
/// let answer = websocket_engine::hixie76_answer(
///     "4 @1  46546xW%0l 1 5",
///     "12998 5 Y3 1  .P00",
///     b"^n:ds[4U",
/// )
/// .unwrap();
/// assert_eq!(&answer, b"8jKS'y:G*Co,Wxa-");
/// ```
pub fn hixie76_answer(key1: &str, key2: &str, key3: &[u8; 8]) -> Result<[u8; 16], HandshakeError> {
    Ok(answer(parse(key1, 1)?, parse(key2, 2)?, key3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::SeededEntropy;

    #[test]
    fn generated_keys_follow_the_recipe_and_parse_back() {
        let mut e = SeededEntropy::new(42);
        for _ in 0..2000 {
            let key = generate(&mut e).unwrap();
            let b = key.text.as_bytes();
            assert_ne!(b[0], b' ');
            assert_ne!(b[b.len() - 1], b' ');
            let spaces = b.iter().filter(|c| **c == b' ').count();
            assert!((1..=12).contains(&spaces), "{:?}", key.text);
            let others = b.iter().filter(|c| !c.is_ascii_digit() && **c != b' ').count();
            assert!((1..=12).contains(&others), "{:?}", key.text);
            assert!(b.iter().all(|c| (0x20..=0x7E).contains(c)));
            assert_eq!(parse(&key.text, 1), Ok(key.part));
        }
    }

    #[test]
    fn parse_refuses_each_broken_rule() {
        assert_eq!(
            parse("12345", 1),
            Err(HandshakeError::KeyWithoutSpaces { which: 1 })
        );
        assert_eq!(
            parse("a b", 2),
            Err(HandshakeError::KeyWithoutDigits { which: 2 })
        );
        assert_eq!(
            parse("1 2 3", 1),
            Err(HandshakeError::KeyNotMultiple { which: 1 })
        );
        assert_eq!(
            parse("4294967296 ", 2),
            Err(HandshakeError::KeyTooLarge { which: 2 })
        );
        assert_eq!(
            parse("99999999999999999999999999999 ", 1),
            Err(HandshakeError::KeyTooLarge { which: 1 })
        );
        assert_eq!(parse("4294967295 ", 1), Ok(u32::MAX));
        assert_eq!(parse("0 0", 1), Ok(0));
    }
}
