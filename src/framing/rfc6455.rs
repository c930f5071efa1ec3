//! The frame format of RFC 6455 (section 5).
//!
//! A frame is a 2-byte header (FIN, three reserved bits, a 4-bit opcode,
//! the MASK bit and a 7-bit length), an extended 16- or 64-bit length when
//! the 7-bit one is 126 or 127, a 4-byte masking key when MASK is set, then
//! the payload. Clients mask every frame; servers never do.
//!
//! The [`Decoder`] checks every rule of sections 5.1 to 5.5 as soon as the
//! bytes that can break it arrive, reassembles fragmented messages around
//! interleaved control frames, and validates text incrementally: an invalid
//! UTF-8 sequence fails the stream on the chunk that completes it, before
//! the rest of the message arrives.
//!
//! ```
//! use websocket_engine::framing::rfc6455::{self, Decoder, OpCode};
//! use websocket_engine::framing::Frame;
//! use websocket_engine::Status;
//! use websocket_engine::{Limits, Role};
//!
//! // A client's masked "Hello" (RFC 6455 section 5.7).
//! let mut wire = Vec::new();
//! rfc6455::encode_frame(true, OpCode::Text, b"Hello", Some([0x37, 0xfa, 0x21, 0x3d]), &mut wire).unwrap();
//! assert_eq!(wire, [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
//!
//! let mut server = Decoder::new(Role::Server, &Limits::default());
//! let Status::Complete { value: frame, consumed } = server.decode(&wire).unwrap() else { panic!() };
//! assert_eq!((frame, consumed), (Frame::Text("Hello".into()), wire.len()));
//! ```

use std::borrow::Cow;

pub use super::encoder::Encoder;
use super::mask::extend_masked;
use super::{is_valid_close_code, owned_text, payload as payload_of, CloseBody, Frame};
use crate::deflate::{Decompressor, DeflateParams};
use crate::error::{FrameError, UsageError};
use crate::limits::Limits;
use crate::version::Role;
use crate::Status;

/// The most payload a control frame may carry.
pub const MAX_CONTROL_PAYLOAD: usize = 125;

/// The opcodes RFC 6455 defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpCode {
    /// 0x0: continues a fragmented message.
    Continuation,
    /// 0x1: the first frame of a text message.
    Text,
    /// 0x2: the first frame of a binary message.
    Binary,
    /// 0x8: the closing handshake.
    Close,
    /// 0x9: a ping.
    Ping,
    /// 0xA: a pong.
    Pong,
}

impl OpCode {
    /// The opcode for a 4-bit value, or `None` for a reserved one.
    pub const fn from_bits(bits: u8) -> Option<OpCode> {
        Some(match bits {
            0x0 => OpCode::Continuation,
            0x1 => OpCode::Text,
            0x2 => OpCode::Binary,
            0x8 => OpCode::Close,
            0x9 => OpCode::Ping,
            0xA => OpCode::Pong,
            _ => return None,
        })
    }

    /// The 4-bit value on the wire.
    pub const fn bits(self) -> u8 {
        match self {
            OpCode::Continuation => 0x0,
            OpCode::Text => 0x1,
            OpCode::Binary => 0x2,
            OpCode::Close => 0x8,
            OpCode::Ping => 0x9,
            OpCode::Pong => 0xA,
        }
    }

    /// True for close, ping and pong.
    pub const fn is_control(self) -> bool {
        self.bits() & 0x8 != 0
    }
}

/// Appends one frame. `mask` is the masking key: a client passes a fresh
/// random key for every frame, a server passes `None`. Control frames must
/// be whole (`fin`) and carry at most 125 bytes.
pub fn encode_frame(
    fin: bool,
    opcode: OpCode,
    payload: &[u8],
    mask: Option<[u8; 4]>,
    out: &mut Vec<u8>,
) -> Result<(), UsageError> {
    encode(fin, false, opcode, payload, mask, out)
}

/// As [`encode_frame`], with RSV1 set when `compressed`: the first frame
/// of a permessage-deflate message, whose payload is already compressed.
pub(crate) fn encode(
    fin: bool,
    compressed: bool,
    opcode: OpCode,
    payload: &[u8],
    mask: Option<[u8; 4]>,
    out: &mut Vec<u8>,
) -> Result<(), UsageError> {
    if opcode.is_control() {
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(UsageError::ControlTooLong { len: payload.len() });
        }
        if !fin {
            return Err(UsageError::InvalidValue {
                what: "fragmented control frame",
                got: format!("opcode {:#x}", opcode.bits()),
            });
        }
    }
    out.reserve(14 + payload.len());
    encode_header(fin, compressed, opcode, payload.len(), mask, out);
    match mask {
        Some(key) => extend_masked(out, payload, key, 0),
        None => out.extend_from_slice(payload),
    }
    Ok(())
}

/// Appends the header of a frame of `len` payload bytes, the masking key
/// last when there is one (the payload, masked with it, follows).
pub(crate) fn encode_header(
    fin: bool,
    compressed: bool,
    opcode: OpCode,
    len: usize,
    mask: Option<[u8; 4]>,
    out: &mut Vec<u8>,
) {
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    out.push(u8::from(fin) << 7 | u8::from(compressed) << 6 | opcode.bits());
    if len < 126 {
        out.push(mask_bit | len as u8);
    } else if let Ok(len) = u16::try_from(len) {
        out.push(mask_bit | 126);
        out.extend_from_slice(&len.to_be_bytes());
    } else {
        out.push(mask_bit | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    if let Some(key) = mask {
        out.extend_from_slice(&key);
    }
}

/// Appends a close frame: empty when `code` is `None` (then `reason` must be
/// empty too), else the code and the UTF-8 reason (at most 123 bytes).
pub fn encode_close(
    code: Option<u16>,
    reason: &str,
    mask: Option<[u8; 4]>,
    out: &mut Vec<u8>,
) -> Result<(), UsageError> {
    let mut body = [0u8; MAX_CONTROL_PAYLOAD];
    let len = match code {
        None if reason.is_empty() => 0,
        None => {
            return Err(UsageError::InvalidValue {
                what: "close reason without a code",
                got: reason.to_owned(),
            })
        }
        Some(code) if !is_valid_close_code(code) => return Err(UsageError::InvalidCloseCode { code }),
        Some(code) => {
            let len = 2 + reason.len();
            if len > MAX_CONTROL_PAYLOAD {
                return Err(UsageError::ControlTooLong { len });
            }
            body[..2].copy_from_slice(&code.to_be_bytes());
            body[2..len].copy_from_slice(reason.as_bytes());
            len
        }
    };
    encode_frame(true, OpCode::Close, &body[..len], mask, out)
}

/// A streaming decoder for RFC 6455 frames, for one role.
///
/// Feed it input with [`Decoder::decode`] in chunks of any size; what it
/// yields does not depend on how the input was split. Data messages come
/// whole ([`Frame::Text`] or [`Frame::Binary`]), control
/// frames as they arrive, even between the fragments of a message. An
/// unfragmented, unmasked message that lies whole in one call's input is
/// borrowed from it without copying; anything else is gathered (and
/// unmasked) in a buffer bounded by the limits, which are checked on the
/// header, before any payload is buffered.
#[derive(Debug)]
pub struct Decoder {
    /// The side this decoder reads for: a server expects masked frames.
    role: Role,
    max_message: usize,
    max_frame: usize,
    header: [u8; 14],
    header_len: usize,
    /// The frame whose payload is being read, if any.
    frame: Option<Head>,
    /// The data message in progress (its first frame's opcode).
    message: Option<OpCode>,
    /// The payload of the data message in progress, unmasked.
    buf: Vec<u8>,
    /// `buf[..checked]` is valid UTF-8 (text messages only).
    checked: usize,
    /// The payload of the control frame in progress, unmasked.
    control: Vec<u8>,
    /// Which buffer holds the payload returned last.
    stale: Stale,
    /// permessage-deflate, when negotiated.
    inflate: Option<Box<Inflating>>,
    /// The data message in progress is compressed (its first frame had RSV1).
    compressed: bool,
}

/// The receiving half of permessage-deflate.
#[derive(Debug)]
struct Inflating {
    /// The peer's window.
    decompressor: Decompressor,
    /// A masked compressed chunk, unmasked before it inflates.
    scratch: Vec<u8>,
}

#[derive(Debug, Clone, Copy)]
struct Head {
    fin: bool,
    opcode: OpCode,
    mask: Option<[u8; 4]>,
    len: u64,
    /// Payload bytes read so far.
    done: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stale {
    Nothing,
    Message,
    Control,
}

/// Where a complete frame's payload lies.
enum Payload {
    Input(usize, usize),
    Message,
    Control,
}

impl Decoder {
    /// A decoder for frames sent to `role` (a server reads masked client
    /// frames), with the message and frame size limits of `limits`.
    pub fn new(role: Role, limits: &Limits) -> Decoder {
        Decoder {
            role,
            max_message: limits.max_message_bytes,
            max_frame: limits.max_frame_bytes,
            header: [0; 14],
            header_len: 0,
            frame: None,
            message: None,
            buf: Vec::new(),
            checked: 0,
            control: Vec::new(),
            stale: Stale::Nothing,
            inflate: None,
            compressed: false,
        }
    }

    /// This decoder, reading permessage-deflate as `params` agreed: a data
    /// message whose first frame has RSV1 set is inflated as it arrives,
    /// and [`Limits::max_message_bytes`] bounds its inflated size, checked
    /// as it grows (a decompression bomb stops at the limit).
    pub fn with_deflate(mut self, params: &DeflateParams) -> Decoder {
        self.inflate = Some(Box::new(Inflating {
            decompressor: params.decompressor(self.role),
            scratch: Vec::new(),
        }));
        self
    }

    /// True between messages: no frame and no fragmented message is under
    /// way, so an end of input here cuts nothing short.
    pub fn is_between_frames(&self) -> bool {
        self.header_len == 0 && self.frame.is_none() && self.message.is_none()
    }

    /// Decodes the next message or control frame from `input`. Errors are
    /// final: the stream cannot be resynchronised after one.
    ///
    /// The frame borrows `input`, or the decoder's buffers when the payload
    /// had to be unmasked or reassembled; those buffers are reused for the
    /// next message.
    pub fn decode<'a>(&'a mut self, input: &'a [u8]) -> Result<Status<Frame<'a>>, FrameError> {
        self.decode_with(input, false)
    }

    /// As [`Decoder::decode`], for callers that keep each message: a
    /// message assembled in the decoder's buffer (masked, fragmented or
    /// split across calls) comes back as `Cow::Owned`, the buffer handed
    /// over rather than copied. The next message starts a new buffer.
    pub fn decode_owned<'a>(&'a mut self, input: &'a [u8]) -> Result<Status<Frame<'a>>, FrameError> {
        self.decode_with(input, true)
    }

    fn decode_with<'a>(
        &'a mut self,
        input: &'a [u8],
        hand_over: bool,
    ) -> Result<Status<Frame<'a>>, FrameError> {
        match std::mem::replace(&mut self.stale, Stale::Nothing) {
            Stale::Nothing => {}
            Stale::Message => {
                self.buf.clear();
                self.checked = 0;
            }
            Stale::Control => self.control.clear(),
        }
        let Some((opcode, payload, consumed)) = self.advance(input)? else {
            return Ok(Status::Partial);
        };
        let (bytes, owned): (&'a [u8], _) = match payload {
            Payload::Input(start, end) => (&input[start..end], None),
            Payload::Message if hand_over => {
                self.checked = 0;
                (&[], Some(std::mem::take(&mut self.buf)))
            }
            Payload::Message => {
                self.stale = Stale::Message;
                (&self.buf, None)
            }
            Payload::Control => {
                self.stale = Stale::Control;
                (&self.control, None)
            }
        };
        let frame = match opcode {
            // One SIMD pass over the whole message; while it was incomplete,
            // its prefix was checked as it arrived, to fail fast.
            OpCode::Text => Frame::Text(match owned {
                Some(owned) => Cow::Owned(owned_text(owned).map_err(|_| FrameError::InvalidUtf8)?),
                None => {
                    Cow::Borrowed(simdutf8::basic::from_utf8(bytes).map_err(|_| FrameError::InvalidUtf8)?)
                }
            }),
            OpCode::Binary | OpCode::Continuation => Frame::Binary(payload_of(bytes, owned)),
            OpCode::Ping => Frame::Ping(bytes),
            OpCode::Pong => Frame::Pong(bytes),
            OpCode::Close => Frame::Close(close_body(bytes)?),
        };
        Ok(Status::Complete {
            value: frame,
            consumed,
        })
    }

    /// Reads until a message or control frame is complete: its opcode,
    /// where its payload lies, and how much input it took.
    fn advance(&mut self, input: &[u8]) -> Result<Option<(OpCode, Payload, usize)>, FrameError> {
        let mut pos = 0;
        loop {
            let mut head = match self.frame {
                Some(head) => head,
                None => match self.read_header(input, &mut pos)? {
                    Some(head) => head,
                    None => return Ok(None),
                },
            };
            let avail = input.len() - pos;
            let left = head.len - head.done;
            // `read_header` bounded every length by a usize limit.
            let left_usize = left as usize;
            if head.opcode.is_control() {
                if head.mask.is_none() && head.done == 0 && avail >= left_usize {
                    self.frame = None;
                    let end = pos + left_usize;
                    return Ok(Some((head.opcode, Payload::Input(pos, end), end)));
                }
                let take = avail.min(left_usize);
                append(&mut self.control, &input[pos..pos + take], head.mask, head.done);
                pos += take;
                head.done += take as u64;
                if head.done < head.len {
                    self.frame = Some(head);
                    return Ok(None);
                }
                self.frame = None;
                return Ok(Some((head.opcode, Payload::Control, pos)));
            }
            let whole = head.fin && head.done == 0 && head.opcode != OpCode::Continuation && !self.compressed;
            if whole && head.mask.is_none() && avail >= left_usize {
                self.frame = None;
                self.message = None;
                let end = pos + left_usize;
                return Ok(Some((head.opcode, Payload::Input(pos, end), end)));
            }
            let take = avail.min(left_usize);
            let complete = head.done + take as u64 == head.len && head.fin;
            if self.compressed {
                self.inflate_chunk(&input[pos..pos + take], head.mask, head.done, complete)?;
            } else {
                if head.done == 0 {
                    // The frame's length is known: a single-frame message
                    // takes one allocation of its exact size.
                    if self.buf.is_empty() {
                        self.buf.reserve_exact(left_usize);
                    } else {
                        self.buf.reserve(left_usize);
                    }
                }
                append(&mut self.buf, &input[pos..pos + take], head.mask, head.done);
            }
            pos += take;
            head.done += take as u64;
            if self.message == Some(OpCode::Text) && !complete {
                // The rest is still to come: check what is here now, so
                // that an invalid sequence fails before the rest arrives.
                self.check_utf8()?;
            }
            if head.done < head.len {
                self.frame = Some(head);
                return Ok(None);
            }
            self.frame = None;
            if head.fin {
                let opcode = self.message.take().expect("a data frame belongs to a message");
                return Ok(Some((opcode, Payload::Message, pos)));
            }
        }
    }

    /// Gathers a frame header from `input[*pos..]`, checking each rule as
    /// soon as its bytes are there. `None` when more input is needed.
    fn read_header(&mut self, input: &[u8], pos: &mut usize) -> Result<Option<Head>, FrameError> {
        while self.header_len < 2 {
            let Some(&b) = input.get(*pos) else {
                return Ok(None);
            };
            self.header[self.header_len] = b;
            self.header_len += 1;
            *pos += 1;
        }
        let (b0, b1) = (self.header[0], self.header[1]);
        let opcode = self.check_first_bytes(b0, b1)?;
        let masked = b1 & 0x80 != 0;
        let len7 = b1 & 0x7F;
        let ext = match len7 {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        let need = 2 + ext + if masked { 4 } else { 0 };
        let take = (need - self.header_len).min(input.len() - *pos);
        self.header[self.header_len..self.header_len + take].copy_from_slice(&input[*pos..*pos + take]);
        self.header_len += take;
        *pos += take;
        if self.header_len < need {
            return Ok(None);
        }
        self.header_len = 0;
        let h = &self.header;
        let len = match len7 {
            126 => {
                let len = u64::from(u16::from_be_bytes([h[2], h[3]]));
                if len < 126 {
                    return Err(FrameError::NonMinimalLength { len });
                }
                len
            }
            127 => {
                let len = u64::from_be_bytes(h[2..10].try_into().expect("8 bytes"));
                if len >> 63 != 0 {
                    return Err(FrameError::LengthOverflow);
                }
                if len <= 0xFFFF {
                    return Err(FrameError::NonMinimalLength { len });
                }
                len
            }
            n => u64::from(n),
        };
        let mask = masked.then(|| {
            let at = 2 + ext;
            [h[at], h[at + 1], h[at + 2], h[at + 3]]
        });
        if !opcode.is_control() {
            if len > self.max_frame as u64 {
                return Err(FrameError::FrameTooLarge {
                    limit: self.max_frame,
                });
            }
            if opcode != OpCode::Continuation {
                self.message = Some(opcode);
                self.compressed = b0 & 0x40 != 0;
            }
            // A compressed message's limit applies to what it inflates to.
            if !self.compressed && self.buf.len() as u64 + len > self.max_message as u64 {
                return Err(FrameError::MessageTooLarge {
                    limit: self.max_message,
                });
            }
        }
        let head = Head {
            fin: b0 & 0x80 != 0,
            opcode,
            mask,
            len,
            done: 0,
        };
        self.frame = Some(head);
        Ok(Some(head))
    }

    /// The rules the first two header bytes can break: reserved bits and
    /// opcodes, whole and short control frames, masking by role, and the
    /// order of fragments.
    fn check_first_bytes(&self, b0: u8, b1: u8) -> Result<OpCode, FrameError> {
        let rsv = (b0 >> 4) & 0x7;
        let bits = b0 & 0x0F;
        // RSV1 marks a compressed message, on its first frame only.
        let allowed = if self.inflate.is_some() && matches!(bits, 0x1 | 0x2) {
            0b100
        } else {
            0
        };
        if rsv & !allowed != 0 {
            return Err(FrameError::ReservedBits { bits: rsv });
        }
        let opcode = OpCode::from_bits(bits).ok_or(FrameError::UnknownOpcode { opcode: bits })?;
        let masked = b1 & 0x80 != 0;
        match (self.role, masked) {
            (Role::Server, false) => return Err(FrameError::UnmaskedClientFrame),
            (Role::Client, true) => return Err(FrameError::MaskedServerFrame),
            _ => {}
        }
        if opcode.is_control() {
            if b0 & 0x80 == 0 {
                return Err(FrameError::FragmentedControl { opcode: bits });
            }
            let len = b1 & 0x7F;
            if usize::from(len) > MAX_CONTROL_PAYLOAD {
                return Err(FrameError::ControlTooLong {
                    opcode: bits,
                    len: u64::from(len),
                });
            }
        } else {
            match (opcode, self.message) {
                (OpCode::Continuation, None) => return Err(FrameError::UnexpectedContinuation),
                (OpCode::Text | OpCode::Binary, Some(_)) => {
                    return Err(FrameError::ExpectedContinuation { opcode: bits })
                }
                _ => {}
            }
        }
        Ok(opcode)
    }

    /// Inflates a chunk of a compressed message's payload (unmasking it
    /// first), and the flush tail after the message's last chunk.
    fn inflate_chunk(
        &mut self,
        chunk: &[u8],
        mask: Option<[u8; 4]>,
        offset: u64,
        last: bool,
    ) -> Result<(), FrameError> {
        let Decoder {
            inflate,
            buf,
            max_message,
            ..
        } = self;
        let Inflating {
            decompressor,
            scratch,
        } = &mut **inflate.as_mut().expect("only a deflate decoder accepts RSV1");
        let data = match mask {
            Some(key) => {
                scratch.clear();
                extend_masked(scratch, chunk, key, (offset % 4) as usize);
                &scratch[..]
            }
            None => chunk,
        };
        let inflated = decompressor
            .inflate(data, buf, *max_message)
            .and_then(|()| match last {
                true => decompressor.finish(buf, *max_message),
                false => Ok(()),
            });
        if let Err(e) = inflated {
            // Text that went wrong before the data did fails as such,
            // however the input was split.
            if self.message == Some(OpCode::Text) {
                self.check_utf8()?;
            }
            return Err(e);
        }
        if last {
            self.compressed = false;
        }
        Ok(())
    }

    /// Validates the newly buffered text: fails on an invalid sequence,
    /// leaves an incomplete one at the end for the next bytes to finish.
    fn check_utf8(&mut self) -> Result<(), FrameError> {
        match simdutf8::compat::from_utf8(&self.buf[self.checked..]) {
            Ok(_) => self.checked = self.buf.len(),
            Err(e) if e.error_len().is_some() => return Err(FrameError::InvalidUtf8),
            Err(e) => self.checked += e.valid_up_to(),
        }
        Ok(())
    }
}

/// Appends payload bytes, unmasking them when `mask` is set; `offset` is
/// their position in the frame's payload.
fn append(buf: &mut Vec<u8>, bytes: &[u8], mask: Option<[u8; 4]>, offset: u64) {
    match mask {
        Some(key) => extend_masked(buf, bytes, key, (offset % 4) as usize),
        None => buf.extend_from_slice(bytes),
    }
}

/// Reads a close frame's body: nothing, or a valid code and a UTF-8 reason.
fn close_body(bytes: &[u8]) -> Result<Option<CloseBody<'_>>, FrameError> {
    match bytes {
        [] => Ok(None),
        [_] => Err(FrameError::CloseBodyTooShort),
        [hi, lo, reason @ ..] => {
            let code = u16::from_be_bytes([*hi, *lo]);
            if !is_valid_close_code(code) {
                return Err(FrameError::InvalidCloseCode { code });
            }
            let reason = simdutf8::basic::from_utf8(reason).map_err(|_| FrameError::InvalidUtf8)?;
            Ok(Some(CloseBody { code, reason }))
        }
    }
}
