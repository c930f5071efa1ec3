//! The RFC 6455 data-message encoder, compressing as permessage-deflate
//! agreed (re-exported as [`rfc6455::Encoder`](super::rfc6455::Encoder)).

use super::rfc6455::{encode, encode_frame, OpCode};
use crate::deflate::{Compressor, DeflateConfig, DeflateParams};
use crate::error::UsageError;
use crate::version::Role;

/// Encodes the frames of data messages one side sends, compressing each
/// message as permessage-deflate (RFC 7692) agreed, or not at all.
///
/// The compressor keeps its window from one message to the next unless
/// the agreement said no context takeover for this side, so one encoder
/// must see every data message of a connection, in order. A message is
/// compressed when it is at least [`DeflateConfig::min_size`] long, or
/// always when it is sent in several frames (its length is not known when
/// it begins); RSV1 marks its first frame. Control frames are never
/// compressed.
///
/// ```
/// use websocket_engine::framing::rfc6455::{Decoder, Encoder, OpCode};
/// use websocket_engine::framing::Frame;
/// use websocket_engine::Status;
/// use websocket_engine::{DeflateConfig, DeflateParams, Limits, Role};
///
/// let agreed = DeflateParams::default();
/// let mut server = Encoder::with_deflate(Role::Server, &agreed, &DeflateConfig::default());
/// let text = "compressible ".repeat(100);
/// let mut wire = Vec::new();
/// server.encode(true, OpCode::Text, text.as_bytes(), None, &mut wire).unwrap();
/// assert_eq!(wire[0], 0xC1); // FIN, RSV1, text
/// assert!(wire.len() < 100);
///
/// let mut client = Decoder::new(Role::Client, &Limits::default()).with_deflate(&agreed);
/// let Status::Complete { value: frame, .. } = client.decode(&wire).unwrap() else { panic!() };
/// assert_eq!(frame, Frame::Text(text.into()));
/// ```
#[derive(Debug, Default)]
pub struct Encoder {
    deflate: Option<Box<Deflating>>,
}

/// The sending half of permessage-deflate.
#[derive(Debug)]
struct Deflating {
    compressor: Compressor,
    /// The message being sent in parts is compressed.
    in_part: bool,
    /// The compressed payload of the frame being encoded.
    buf: Vec<u8>,
}

/// A compressed-payload buffer above this size is let go after use, so
/// that one large message does not pin its size for the connection's life.
const KEEP_BUF: usize = 64 * 1024;

impl Encoder {
    /// An encoder of plain frames: no extension was agreed.
    pub fn new() -> Encoder {
        Encoder::default()
    }

    /// An encoder for what `role` sends, compressing as `params` agreed
    /// (this side's window and context takeover) with `config`'s level,
    /// memory level and minimum size.
    pub fn with_deflate(role: Role, params: &DeflateParams, config: &DeflateConfig) -> Encoder {
        Encoder {
            deflate: Some(Box::new(Deflating {
                compressor: params.compressor(role, config),
                in_part: false,
                buf: Vec::new(),
            })),
        }
    }

    /// True when a whole message of `len` bytes goes out as it is, not
    /// compressed.
    pub(crate) fn sends_plain(&self, len: usize) -> bool {
        self.deflate.as_deref().is_none_or(|d| !d.compressor.wants(len))
    }

    /// Appends one frame of a data message: `opcode` text or binary begins
    /// one, continuation goes on with it, and `fin` ends it. `mask` is as
    /// for [`encode_frame`]. A control opcode makes a plain control frame.
    pub fn encode(
        &mut self,
        fin: bool,
        opcode: OpCode,
        payload: &[u8],
        mask: Option<[u8; 4]>,
        out: &mut Vec<u8>,
    ) -> Result<(), UsageError> {
        let first = matches!(opcode, OpCode::Text | OpCode::Binary);
        let Some(deflate) = self.deflate.as_deref_mut().filter(|_| !opcode.is_control()) else {
            return encode_frame(fin, opcode, payload, mask, out);
        };
        let compress = match first {
            true => !fin || deflate.compressor.wants(payload.len()),
            false => deflate.in_part,
        };
        deflate.in_part = compress && !fin;
        if !compress {
            return encode_frame(fin, opcode, payload, mask, out);
        }
        deflate.buf.clear();
        deflate.compressor.compress(payload, fin, &mut deflate.buf);
        encode(fin, first, opcode, &deflate.buf, mask, out)?;
        if deflate.buf.capacity() > KEEP_BUF {
            deflate.buf = Vec::new();
        }
        Ok(())
    }
}
