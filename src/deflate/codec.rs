//! The compressor and decompressor of one connection, over `zlib-rs`.

use zlib_rs::{Deflate, DeflateConfig as ZConfig, DeflateFlush, Inflate, InflateFlush, Strategy};

use crate::error::FrameError;

/// What a sync flush ends with; RFC 7692 section 7.2.1 takes it off each
/// message's end, and section 7.2.2 puts it back before inflating.
const TAIL: [u8; 4] = [0x00, 0x00, 0xFF, 0xFF];

/// Output room per zlib call: enough for most messages in one call, small
/// enough that a large message does not zero its whole size in advance.
const STEP: usize = 64 * 1024;

/// A zlib stream of either direction, as [`step`] drives it.
trait Zlib {
    type Status;
    /// One call with a sync flush.
    fn call(&mut self, input: &[u8], out: &mut [u8]) -> Self::Status;
    /// Bytes taken and made since the stream began.
    fn totals(&self) -> (u64, u64);
}

impl Zlib for Deflate {
    type Status = Result<zlib_rs::Status, zlib_rs::DeflateError>;
    fn call(&mut self, input: &[u8], out: &mut [u8]) -> Self::Status {
        self.compress(input, out, DeflateFlush::SyncFlush)
    }
    fn totals(&self) -> (u64, u64) {
        (self.total_in(), self.total_out())
    }
}

impl Zlib for Inflate {
    type Status = Result<zlib_rs::Status, zlib_rs::InflateError>;
    fn call(&mut self, input: &[u8], out: &mut [u8]) -> Self::Status {
        self.decompress(input, out, InflateFlush::SyncFlush)
    }
    fn totals(&self) -> (u64, u64) {
        (self.total_in(), self.total_out())
    }
}

/// Lets `stream` write into `room` fresh bytes at the end of `out`, keeping
/// what it wrote (also when it failed): its status, the input it took and
/// the bytes it made.
fn step<Z: Zlib>(stream: &mut Z, input: &[u8], out: &mut Vec<u8>, room: usize) -> (Z::Status, usize, usize) {
    let len = out.len();
    out.resize(len + room, 0);
    let (in_before, out_before) = stream.totals();
    let status = stream.call(input, &mut out[len..]);
    let (in_after, out_after) = stream.totals();
    let made = (out_after - out_before) as usize;
    out.truncate(len + made);
    (status, (in_after - in_before) as usize, made)
}

/// Compresses the messages this side sends.
pub(crate) struct Compressor {
    /// Made on the first compressed message, so that a connection that
    /// never sends one never pays for a window.
    stream: Option<Deflate>,
    config: ZConfig,
    reset_each: bool,
    min_size: usize,
}

impl Compressor {
    /// A compressor with a window of 2^`window_bits` bytes (the most the
    /// peer agreed to keep). zlib cannot make a 256-byte window and turns
    /// 8 into 9, which could refer further back than the peer keeps: for 8
    /// the compressor codes literals only (Huffman coding, no references),
    /// which any window decodes.
    pub(crate) fn new(
        window_bits: u8,
        level: u8,
        mem_level: u8,
        reset_each: bool,
        min_size: usize,
    ) -> Compressor {
        let window_bits = window_bits.clamp(8, 15);
        let config = ZConfig {
            level: i32::from(level.min(9)),
            window_bits: -i32::from(window_bits.max(9)),
            mem_level: i32::from(mem_level.clamp(1, 9)),
            strategy: if window_bits == 8 {
                Strategy::HuffmanOnly
            } else {
                Strategy::Default
            },
            ..ZConfig::default()
        };
        Compressor {
            stream: None,
            config,
            reset_each,
            min_size,
        }
    }

    /// True when a message of `len` bytes is worth compressing.
    pub(crate) fn wants(&self, len: usize) -> bool {
        len >= self.min_size
    }

    /// Appends `data` compressed to `out`: one part of a message, the last
    /// one when `fin` (whose flush tail is taken off, and after which the
    /// window is emptied when context takeover is off).
    pub(crate) fn compress(&mut self, data: &[u8], fin: bool, out: &mut Vec<u8>) {
        let stream = self
            .stream
            .get_or_insert_with(|| Deflate::new_with_config(self.config));
        let start = out.len();
        let mut input = data;
        loop {
            // The input's bound for a short one; a long one takes turns.
            let room = (input.len() + input.len() / 1000 + 64).min(STEP);
            let (status, taken, made) = step(stream, input, out, room);
            input = &input[taken..];
            // The flush is complete when output room was left over.
            if status.is_err() || (input.is_empty() && made < room) {
                break;
            }
        }
        if fin {
            if out[start..].ends_with(&TAIL) {
                out.truncate(out.len() - TAIL.len());
            }
            // A flush right after another makes nothing, yet the peer
            // will append the tail: give it the empty stored block's
            // first byte, as RFC 7692 section 7.2.3.6 does for an empty
            // message.
            if out.len() == start {
                out.push(0x00);
            }
            if self.reset_each {
                stream.reset();
            }
        }
    }
}

/// Inflates the compressed messages this side receives.
pub(crate) struct Decompressor {
    stream: Option<Inflate>,
    window_bits: u8,
    reset_each: bool,
}

impl Decompressor {
    /// A decompressor for a peer that keeps at most 2^`window_bits` bytes
    /// (at least 9: a zlib peer asked for 8 uses 9).
    pub(crate) fn new(window_bits: u8, reset_each: bool) -> Decompressor {
        Decompressor {
            stream: None,
            window_bits: window_bits.clamp(9, 15),
            reset_each,
        }
    }

    /// Inflates one more piece of a compressed message into `out`, failing
    /// as soon as `out` would hold more than `limit` bytes.
    pub(crate) fn inflate(&mut self, data: &[u8], out: &mut Vec<u8>, limit: usize) -> Result<(), FrameError> {
        let window_bits = self.window_bits;
        let stream = self
            .stream
            .get_or_insert_with(|| Inflate::new(false, window_bits));
        let mut input = data;
        loop {
            // Room for a typical ratio, never past one byte over the limit.
            let room = (input.len() * 4)
                .clamp(1024, STEP)
                .min((limit - out.len().min(limit)).saturating_add(1));
            // What inflated before a failure stays, for the caller to judge.
            let (result, taken, made) = step(stream, input, out, room);
            // The byte past the limit came before whatever the same step
            // found wrong further on: the limit is the first rule broken,
            // however the input was split (a step that stops at the limit
            // never reaches the bad data).
            if out.len() > limit {
                return Err(FrameError::MessageTooLarge { limit });
            }
            let status = result.map_err(|_| FrameError::InvalidCompressedData)?;
            input = &input[taken..];
            if made < room && (input.is_empty() || status != zlib_rs::Status::Ok) {
                if !input.is_empty() {
                    // The stream ended (a final block) with input left.
                    return Err(FrameError::InvalidCompressedData);
                }
                return Ok(());
            }
        }
    }

    /// Ends a compressed message: inflates the flush tail the sender took
    /// off, then empties the window when context takeover is off.
    pub(crate) fn finish(&mut self, out: &mut Vec<u8>, limit: usize) -> Result<(), FrameError> {
        self.inflate(&TAIL, out, limit)?;
        if self.reset_each {
            if let Some(stream) = &mut self.stream {
                stream.reset(false);
            }
        }
        Ok(())
    }
}

impl std::fmt::Debug for Compressor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compressor")
            .field("window_bits", &-self.config.window_bits)
            .field("level", &self.config.level)
            .field("reset_each", &self.reset_each)
            .field("min_size", &self.min_size)
            .finish()
    }
}

impl std::fmt::Debug for Decompressor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decompressor")
            .field("window_bits", &self.window_bits)
            .field("reset_each", &self.reset_each)
            .finish()
    }
}
