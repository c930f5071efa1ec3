//! RFC 6455 masking (section 5.3): payload byte `i` is XORed with byte
//! `i % 4` of the frame's masking key.

/// XORs `data` with `key`, starting `offset` bytes into the key's cycle
/// (the position of `data[0]` within its frame's payload). Unmasking is the
/// same operation. Works a machine word at a time.
///
/// ```
/// use websocket_engine::framing::apply_mask;
///
/// let mut data = *b"Hello";
/// apply_mask(&mut data, [0x37, 0xfa, 0x21, 0x3d], 0);
/// assert_eq!(data, [0x7f, 0x9f, 0x4d, 0x51, 0x58]); // RFC 6455 section 5.7
/// apply_mask(&mut data, [0x37, 0xfa, 0x21, 0x3d], 0);
/// assert_eq!(&data, b"Hello");
/// ```
pub fn apply_mask(data: &mut [u8], key: [u8; 4], offset: usize) {
    let key = rotate(key, offset);
    let word = u64::from_ne_bytes([key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3]]);
    let mut chunks = data.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let v = u64::from_ne_bytes(chunk.try_into().expect("8 bytes")) ^ word;
        chunk.copy_from_slice(&v.to_ne_bytes());
    }
    // The tail starts on a multiple of 8, so at key position 0 again.
    for (b, k) in chunks.into_remainder().iter_mut().zip(key.iter().cycle()) {
        *b ^= k;
    }
}

/// The key as seen from `offset` bytes into its cycle.
fn rotate(key: [u8; 4], offset: usize) -> [u8; 4] {
    let o = offset % 4;
    [key[o], key[(o + 1) % 4], key[(o + 2) % 4], key[(o + 3) % 4]]
}

/// Appends `data` to `out`, masked with `key` starting `offset` bytes into
/// its cycle, in one pass over `data`: masking on the way in, instead of
/// copying and then masking the copy.
pub(crate) fn extend_masked(out: &mut Vec<u8>, data: &[u8], key: [u8; 4], offset: usize) {
    let key = rotate(key, offset);
    let word = u64::from_ne_bytes([key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3]]);
    let start = out.len();
    // Zeroing is a write-only pass; the XOR below reads `data` once.
    out.resize(start + data.len(), 0);
    let dst = &mut out[start..];
    let mut dst_chunks = dst.chunks_exact_mut(8);
    let mut src_chunks = data.chunks_exact(8);
    for (d, s) in (&mut dst_chunks).zip(&mut src_chunks) {
        let v = u64::from_ne_bytes(s.try_into().expect("8 bytes")) ^ word;
        d.copy_from_slice(&v.to_ne_bytes());
    }
    let tail = dst_chunks.into_remainder().iter_mut().zip(src_chunks.remainder());
    for ((d, s), k) in tail.zip(key.iter().cycle()) {
        *d = s ^ k;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(data: &mut [u8], key: [u8; 4], offset: usize) {
        for (i, b) in data.iter_mut().enumerate() {
            *b ^= key[(offset + i) % 4];
        }
    }

    #[test]
    fn matches_the_byte_at_a_time_definition_at_every_length_and_offset() {
        let key = [0x12, 0x34, 0x56, 0x78];
        for len in 0..40 {
            for offset in 0..8 {
                let mut a: Vec<u8> = (0..len as u8).collect();
                let mut b = a.clone();
                let mut c = vec![9, 9];
                extend_masked(&mut c, &a, key, offset);
                apply_mask(&mut a, key, offset);
                naive(&mut b, key, offset);
                assert_eq!(a, b, "len {len} offset {offset}");
                assert_eq!(c[2..], b[..], "extend_masked, len {len} offset {offset}");
                assert_eq!(c[..2], [9, 9]);
            }
        }
    }
}
