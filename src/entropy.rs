//! Randomness, passed in as an argument so the core stays deterministic.

use crate::error::ProtocolError;

/// A source of random bytes.
///
/// The engine never reaches for a global generator: whatever needs
/// randomness (hixie-76 keys, the RFC 6455 key, the seed of an RFC 6455
/// client's masking keys) takes an `&mut dyn Entropy`. Use [`SystemEntropy`] in production and
/// [`SeededEntropy`] for reproducible tests.
pub trait Entropy {
    /// Fills `buf` entirely with random bytes.
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), ProtocolError>;
}

/// The operating system's cryptographic generator, through `getrandom`
/// (on `wasm32-wasip2` that is `wasi:random`).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemEntropy;

impl Entropy for SystemEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), ProtocolError> {
        getrandom::fill(buf).map_err(|e| ProtocolError::Entropy(e.to_string()))
    }
}

/// A deterministic generator (SplitMix64) for tests and reproducible runs.
///
/// **Not cryptographic**: never use it to make keys for real traffic.
#[derive(Debug, Clone)]
pub struct SeededEntropy {
    state: u64,
}

impl SeededEntropy {
    /// A generator whose output depends only on `seed`.
    pub fn new(seed: u64) -> Self {
        SeededEntropy { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Entropy for SeededEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), ProtocolError> {
        for chunk in buf.chunks_mut(8) {
            let word = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        Ok(())
    }
}

/// A uniform integer in `0..=max`, by rejection sampling (no modulo bias).
pub(crate) fn uniform_u32(entropy: &mut dyn Entropy, max: u32) -> Result<u32, ProtocolError> {
    if max == u32::MAX {
        return next_u32(entropy);
    }
    let range = max + 1;
    // The largest multiple of `range` that fits; values at or above it are redrawn.
    let zone = u32::MAX - (u32::MAX % range + 1) % range;
    loop {
        let v = next_u32(entropy)?;
        if v <= zone {
            return Ok(v % range);
        }
    }
}

/// A uniform integer in `low..=high`.
pub(crate) fn uniform_in(entropy: &mut dyn Entropy, low: u32, high: u32) -> Result<u32, ProtocolError> {
    Ok(low + uniform_u32(entropy, high - low)?)
}

fn next_u32(entropy: &mut dyn Entropy) -> Result<u32, ProtocolError> {
    let mut b = [0u8; 4];
    entropy.fill(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_is_reproducible() {
        let (mut a, mut b) = (SeededEntropy::new(7), SeededEntropy::new(7));
        let (mut x, mut y) = ([0u8; 13], [0u8; 13]);
        a.fill(&mut x).unwrap();
        b.fill(&mut y).unwrap();
        assert_eq!(x, y);
        assert_ne!(x, [0u8; 13]);
    }

    #[test]
    fn uniform_stays_in_range_and_covers_it() {
        let mut e = SeededEntropy::new(1);
        let mut seen = [false; 12];
        for _ in 0..2000 {
            let v = uniform_in(&mut e, 1, 12).unwrap();
            assert!((1..=12).contains(&v));
            seen[v as usize - 1] = true;
        }
        assert!(seen.iter().all(|s| *s));
        assert!(uniform_u32(&mut e, u32::MAX).is_ok());
        assert_eq!(uniform_u32(&mut e, 0).unwrap(), 0);
    }
}
