//! What the benches share: the payloads (deterministic, generated from a
//! seed), their wire images in both frame formats, and the lower-bound
//! routines.
#![cfg(not(target_arch = "wasm32"))]

use websocket_engine::framing::{hixie, rfc6455};

/// The payload sizes measured.
pub const SIZES: [usize; 5] = [16, 128, 1024, 16 * 1024, 64 * 1024];

/// What the payloads hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// Printable ASCII (0x20..=0x7E), sent as text.
    Ascii,
    /// UTF-8 with 1-, 2-, 3- and 4-byte characters in equal numbers, in a
    /// random order, sent as text.
    Mixed,
    /// Uniformly random bytes, sent as binary.
    Binary,
}

impl Content {
    /// Every content, text first.
    pub const ALL: [Content; 3] = [Content::Ascii, Content::Mixed, Content::Binary];
    /// The text contents (the hixie drafts' text frames).
    pub const TEXT: [Content; 2] = [Content::Ascii, Content::Mixed];

    /// The benchmark group suffix.
    pub fn name(self) -> &'static str {
        match self {
            Content::Ascii => "text_ascii",
            Content::Mixed => "text_mixed",
            Content::Binary => "binary",
        }
    }

    /// True for text messages.
    pub fn is_text(self) -> bool {
        self != Content::Binary
    }

    /// The RFC 6455 opcode it is sent with.
    pub fn opcode(self) -> rfc6455::OpCode {
        if self.is_text() {
            rfc6455::OpCode::Text
        } else {
            rfc6455::OpCode::Binary
        }
    }
}

/// SplitMix64: small, fast, deterministic.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi` (the ranges here are tiny next to 2^64, so the
    /// modulo bias does not matter).
    pub fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + (self.next_u64() % u64::from(hi - lo + 1)) as u32
    }
}

/// One payload of exactly `size` bytes.
pub fn payload(content: Content, size: usize, rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::with_capacity(size);
    match content {
        Content::Ascii => out.extend((0..size).map(|_| rng.range(0x20, 0x7E) as u8)),
        Content::Binary => out.extend((0..size).map(|_| rng.next_u64() as u8)),
        Content::Mixed => {
            let mut buf = [0u8; 4];
            while out.len() < size {
                let c = match rng.range(1, 4) {
                    1 => rng.range(0x20, 0x7E),
                    2 => rng.range(0x80, 0x7FF),
                    3 => loop {
                        let c = rng.range(0x800, 0xFFFF);
                        if !(0xD800..=0xDFFF).contains(&c) {
                            break c;
                        }
                    },
                    _ => rng.range(0x1_0000, 0x10_FFFF),
                };
                let c = char::from_u32(c).expect("a scalar value");
                let c = if out.len() + c.len_utf8() <= size {
                    c
                } else {
                    // Pad the tail with ASCII to hit the size exactly.
                    char::from(rng.range(0x20, 0x7E) as u8)
                };
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    debug_assert_eq!(out.len(), size);
    if content.is_text() {
        debug_assert!(std::str::from_utf8(&out).is_ok());
    }
    out
}

/// A set of messages of one size and content, and their wire images.
pub struct Workload {
    pub content: Content,
    pub size: usize,
    /// The payloads, in order.
    pub messages: Vec<Vec<u8>>,
    /// The messages as RFC 6455 frames from a client (masked, a fresh
    /// pseudo-random key each, FIN set, one frame per message).
    pub rfc6455: Vec<u8>,
    /// The masking key of each frame of `rfc6455`.
    pub keys: Vec<[u8; 4]>,
    /// The messages as hixie text frames (`00 .. FF`); empty for binary.
    pub hixie: Vec<u8>,
}

impl Workload {
    /// `max(1, total / size)` messages of `size` bytes.
    pub fn new(content: Content, size: usize, total: usize) -> Workload {
        let mut rng = Rng::new(0x5EED ^ ((size as u64) << 8) ^ content as u64);
        let count = (total / size).max(1);
        let messages: Vec<Vec<u8>> = (0..count).map(|_| payload(content, size, &mut rng)).collect();
        let mut rfc = Vec::with_capacity(count * (size + 14));
        let mut hix = Vec::new();
        let mut keys = Vec::with_capacity(count);
        for m in &messages {
            let key = rng.next_u64().to_le_bytes();
            let key = [key[0], key[1], key[2], key[3]];
            keys.push(key);
            rfc6455::encode_frame(true, content.opcode(), m, Some(key), &mut rfc).expect("a data frame");
            if content.is_text() {
                hixie::encode_text(std::str::from_utf8(m).expect("text"), &mut hix);
            }
        }
        Workload {
            content,
            size,
            messages,
            rfc6455: rfc,
            keys,
            hixie: hix,
        }
    }

    /// Payload bytes per pass over the whole workload.
    pub fn payload_bytes(&self) -> u64 {
        (self.messages.len() * self.size) as u64
    }
}

/// Checks a decoder's output against the expected messages: hand out the
/// sink, then call `finish` with the count the routine reported.
pub struct Expect<'w> {
    what: String,
    messages: &'w [Vec<u8>],
    seen: usize,
}

impl<'w> Expect<'w> {
    pub fn new(what: impl Into<String>, messages: &'w [Vec<u8>]) -> Expect<'w> {
        Expect {
            what: what.into(),
            messages,
            seen: 0,
        }
    }

    /// The next message must be the next expected one (the expected list
    /// wraps around, for routines run over several passes).
    pub fn check(&mut self, got: &[u8]) {
        let want = &self.messages[self.seen % self.messages.len()];
        assert!(
            got == &want[..],
            "{}: message {} differs ({} bytes, expected {})",
            self.what,
            self.seen,
            got.len(),
            want.len()
        );
        self.seen += 1;
    }

    /// All `passes` passes were seen, no more, no less.
    pub fn finish(&self, passes: usize) {
        assert_eq!(
            self.seen,
            passes * self.messages.len(),
            "{}: wrong number of messages",
            self.what
        );
    }
}

/// XORs `src` with `key` into `dst[..src.len()]` (key position 0 at
/// `src[0]`), a 64-bit word at a time: one pass, reading `src` once and
/// writing `dst` once. `dst` must be long enough.
#[inline]
pub fn mask_into(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    let dst = &mut dst[..src.len()];
    let word = u64::from_ne_bytes([key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3]]);
    let mut d = dst.chunks_exact_mut(8);
    let mut s = src.chunks_exact(8);
    for (d, s) in (&mut d).zip(&mut s) {
        let v = u64::from_ne_bytes(s.try_into().expect("8 bytes")) ^ word;
        d.copy_from_slice(&v.to_ne_bytes());
    }
    // The tails start on a multiple of 8, at key position 0 again.
    for ((d, s), k) in d
        .into_remainder()
        .iter_mut()
        .zip(s.remainder())
        .zip(key.iter().cycle())
    {
        *d = s ^ k;
    }
}

/// The lower bound for decoding hixie text frames: per frame, check the
/// type byte, `memchr` for the `FF` terminator, `simdutf8` over the payload.
/// Returns the number of frames.
#[inline]
pub fn bound_hixie_decode(mut wire: &[u8], mut sink: impl FnMut(&[u8])) -> usize {
    let mut n = 0;
    while let Some((&frame_type, body)) = wire.split_first() {
        assert_eq!(frame_type, 0x00, "a text frame");
        let end = memchr::memchr(0xFF, body).expect("a terminator");
        let text = simdutf8::basic::from_utf8(&body[..end]).expect("valid UTF-8");
        sink(text.as_bytes());
        n += 1;
        wire = &body[end + 1..];
    }
    n
}

/// The lower bound for a server decoding masked client frames: per frame,
/// read the length and key (no other checks), unmask the payload into
/// `scratch` with [`mask_into`] and, for text, validate it with `simdutf8`.
/// `scratch` must hold the largest payload. Returns the number of frames.
#[inline]
pub fn bound_rfc6455_decode(mut wire: &[u8], scratch: &mut [u8], mut sink: impl FnMut(&[u8])) -> usize {
    let mut n = 0;
    while wire.len() >= 2 {
        let text = wire[0] & 0x0F == 0x1;
        let (len, at) = match wire[1] & 0x7F {
            126 => (usize::from(u16::from_be_bytes([wire[2], wire[3]])), 4),
            127 => (
                u64::from_be_bytes(wire[2..10].try_into().expect("8 bytes")) as usize,
                10,
            ),
            len => (usize::from(len), 2),
        };
        let key = [wire[at], wire[at + 1], wire[at + 2], wire[at + 3]];
        let start = at + 4;
        mask_into(scratch, &wire[start..start + len], key);
        let payload = &scratch[..len];
        if text {
            simdutf8::basic::from_utf8(payload).expect("valid UTF-8");
        }
        sink(payload);
        n += 1;
        wire = &wire[start + len..];
    }
    n
}
