//! `load --deflate`: echo messages compressed with permessage-deflate, as
//! the handshake agreed, through the engine's own compressing encoder and
//! inflating decoder (the loader's hand-built frames cannot carry RSV1).
//!
//! Each message is a different slice of one pseudo-random text of words
//! (about as compressible as chat text: under half its size), so that
//! context takeover cannot shrink a message to a reference to the last
//! one; its first 8 bytes are the sequence number, as without `--deflate`.

use std::sync::OnceLock;

use websocket_engine::framing::rfc6455::{Decoder, Encoder, OpCode};
use websocket_engine::framing::Frame;
use websocket_engine::Status;
use websocket_engine::{DeflateConfig, DeflateParams, Limits, Role};

/// The text the messages are cut from.
const TEXT_LEN: usize = 1 << 20;

fn text() -> &'static [u8] {
    static TEXT: OnceLock<Vec<u8>> = OnceLock::new();
    TEXT.get_or_init(|| {
        const WORDS: [&str; 32] = [
            "the",
            "socket",
            "message",
            "frame",
            "server",
            "client",
            "opening",
            "handshake",
            "close",
            "ping",
            "pong",
            "text",
            "binary",
            "window",
            "deflate",
            "context",
            "compressed",
            "payload",
            "mask",
            "key",
            "extension",
            "protocol",
            "version",
            "origin",
            "host",
            "upgrade",
            "connection",
            "stream",
            "byte",
            "order",
            "echo",
            "load",
        ];
        let (mut text, mut state) = (Vec::with_capacity(TEXT_LEN + 16), 0x2545_F491_4F6C_DD1D_u64);
        while text.len() < TEXT_LEN {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            text.extend_from_slice(WORDS[(state >> 59) as usize].as_bytes());
            text.push(if state & 0xF == 0 { b'\n' } else { b' ' });
        }
        text
    })
}

/// One connection's compressing encoder and inflating decoder.
pub(crate) struct Compressed {
    encoder: Encoder,
    decoder: Decoder,
}

/// What [`Compressed::decode`] found.
pub(crate) enum Got<'a> {
    /// The input ends inside a frame (the decoder keeps it).
    Partial,
    /// A whole text message.
    Text(std::borrow::Cow<'a, str>),
    /// A ping to answer, with its payload.
    Ping(Vec<u8>),
    /// A frame the loop skips (a pong).
    Other,
    /// A close frame from the server.
    Close,
}

impl Compressed {
    pub(crate) fn new(agreed: &DeflateParams) -> Compressed {
        Compressed {
            encoder: Encoder::with_deflate(Role::Client, agreed, &DeflateConfig::default()),
            decoder: Decoder::new(Role::Client, &Limits::default()).with_deflate(agreed),
        }
    }

    /// Message `seq` of `size` bytes into `expected`, and its compressed
    /// frame (masked with `mask`) into `frame`.
    pub(crate) fn message(
        &mut self,
        seq: u32,
        size: usize,
        mask: [u8; 4],
        expected: &mut Vec<u8>,
        frame: &mut Vec<u8>,
    ) {
        let text = text();
        let start = (seq as usize).wrapping_mul(7919) % (TEXT_LEN - size.min(TEXT_LEN));
        expected.clear();
        expected.extend(text[start..].iter().cycle().take(size));
        if size >= 8 {
            for (i, digit) in expected[..8].iter_mut().enumerate() {
                *digit = crate::load::sequence_digit(seq, i);
            }
        }
        frame.clear();
        self.encoder
            .encode(true, OpCode::Text, expected, Some(mask), frame)
            .expect("a data frame");
    }

    /// Decodes the next frame of `input`; returns what it was and the bytes
    /// it took (all of them when partial).
    pub(crate) fn decode<'a>(&'a mut self, input: &'a [u8]) -> Result<(Got<'a>, usize), String> {
        Ok(match self.decoder.decode(input).map_err(|e| e.to_string())? {
            Status::Partial => (Got::Partial, input.len()),
            Status::Complete {
                value: frame,
                consumed,
            } => {
                let got = match frame {
                    Frame::Text(t) => Got::Text(t),
                    Frame::Ping(p) => Got::Ping(p.to_vec()),
                    Frame::Close(_) => Got::Close,
                    _ => Got::Other,
                };
                (got, consumed)
            }
        })
    }
}
