//! The `framing` interface.

use std::cell::RefCell;

use super::convert::{limits, wit_result};
use super::exports::websocket::protocol::framing::{
    CloseBody, Decoded, Decoder as WitDecoder, Frame as WitFrame, Guest, GuestDecoder, GuestEncoder, Opcode,
};
use super::exports::websocket::protocol::types::{
    DeflateOptions, DeflateParams as WitDeflateParams, Error as WitError, HixieFrame, Limits,
    Role as WitRole, Utf8Policy, Version,
};
use websocket_engine::framing::rfc6455::{self, OpCode};
use websocket_engine::framing::{hixie, Decoded as Step, Frame};
use websocket_engine::{DeflateConfig, DeflateParams, Role, UsageError};
use websocket_io::Error;

/// The decoder of the version asked for.
enum AnyDecoder {
    Hixie(hixie::Decoder),
    Rfc6455(rfc6455::Decoder),
}

pub struct DecoderResource(RefCell<AnyDecoder>);

fn to_wit(frame: Frame<'_>) -> WitFrame {
    match frame {
        Frame::Text(t) => WitFrame::Text(t.into_owned()),
        Frame::Binary(payload) => WitFrame::Binary(payload.into_owned()),
        Frame::HixieFrame { frame_type, payload } => WitFrame::HixieFrame(HixieFrame {
            frame_type,
            data: payload.into_owned(),
        }),
        Frame::Ping(p) => WitFrame::Ping(p.to_vec()),
        Frame::Pong(p) => WitFrame::Pong(p.to_vec()),
        Frame::Close(body) => WitFrame::Close(body.map(|b| CloseBody {
            code: b.code,
            reason: b.reason.to_owned(),
        })),
    }
}

/// Decodes every frame of `input`, then the error that stopped it, if any.
fn decode_all(
    mut decode: impl FnMut(&[u8]) -> Result<(Option<WitFrame>, usize), websocket_engine::FrameError>,
    input: &[u8],
) -> Decoded {
    let mut frames = Vec::new();
    let mut rest = input;
    let error = loop {
        match decode(rest) {
            Ok((None, _)) => break None,
            Ok((Some(frame), consumed)) => {
                frames.push(frame);
                rest = &rest[consumed..];
            }
            Err(e) => break Some(Error::from(e).into()),
        }
    };
    Decoded { frames, error }
}

/// One decoder step, as a WIT frame and the bytes it took.
fn step(
    r: Result<Step<'_>, websocket_engine::FrameError>,
) -> Result<(Option<WitFrame>, usize), websocket_engine::FrameError> {
    Ok(match r? {
        Step::Partial => (None, 0),
        Step::Frame { frame, consumed } => (Some(to_wit(frame)), consumed),
    })
}

fn role(role: WitRole) -> Role {
    match role {
        WitRole::Client => Role::Client,
        WitRole::Server => Role::Server,
    }
}

impl GuestDecoder for DecoderResource {
    fn new(version: Version, role_: WitRole, utf8: Utf8Policy, limits_: Option<Limits>) -> Self {
        let limits = limits(limits_);
        let role = role(role_);
        let decoder = match version {
            Version::Rfc6455 => AnyDecoder::Rfc6455(rfc6455::Decoder::new(role, &limits)),
            v => {
                let policy = super::convert::utf8(Some(utf8), role);
                AnyDecoder::Hixie(hixie::Decoder::new(v.into(), policy, &limits))
            }
        };
        DecoderResource(RefCell::new(decoder))
    }

    fn compressed(role_: WitRole, limits_: Option<Limits>, agreed: WitDeflateParams) -> WitDecoder {
        let decoder = rfc6455::Decoder::new(role(role_), &limits(limits_)).with_deflate(&agreed.into());
        WitDecoder::new(DecoderResource(RefCell::new(AnyDecoder::Rfc6455(decoder))))
    }

    fn decode(&self, input: Vec<u8>) -> Decoded {
        match &mut *self.0.borrow_mut() {
            AnyDecoder::Hixie(d) => decode_all(|rest| step(d.decode_owned(rest)), &input),
            AnyDecoder::Rfc6455(d) => decode_all(|rest| step(d.decode_owned(rest)), &input),
        }
    }

    fn between_frames(&self) -> bool {
        match &*self.0.borrow() {
            AnyDecoder::Hixie(d) => d.is_between_frames(),
            AnyDecoder::Rfc6455(d) => d.is_between_frames(),
        }
    }
}

pub struct EncoderResource(RefCell<rfc6455::Encoder>);

impl GuestEncoder for EncoderResource {
    fn new(role_: WitRole, agreed: Option<WitDeflateParams>, options: Option<DeflateOptions>) -> Self {
        let encoder = match agreed {
            Some(agreed) => {
                let config = options.map_or_else(DeflateConfig::default, Into::into);
                rfc6455::Encoder::with_deflate(role(role_), &DeflateParams::from(agreed), &config)
            }
            None => rfc6455::Encoder::new(),
        };
        EncoderResource(RefCell::new(encoder))
    }

    fn encode(
        &self,
        fin: bool,
        opcode: Opcode,
        payload: Vec<u8>,
        mask: Option<u32>,
    ) -> Result<Vec<u8>, WitError> {
        encoded(|out| {
            self.0
                .borrow_mut()
                .encode(fin, opcode.into(), &payload, mask_key(mask), out)
        })
    }
}

/// The bytes an encoder appends to a fresh buffer, or its error as WIT's.
fn encoded(encode: impl FnOnce(&mut Vec<u8>) -> Result<(), UsageError>) -> Result<Vec<u8>, WitError> {
    let mut out = Vec::new();
    wit_result(encode(&mut out).map_err(Error::from))?;
    Ok(out)
}

fn mask_key(mask: Option<u32>) -> Option<[u8; 4]> {
    mask.map(u32::to_be_bytes)
}

impl From<Opcode> for OpCode {
    fn from(opcode: Opcode) -> OpCode {
        match opcode {
            Opcode::Continuation => OpCode::Continuation,
            Opcode::Text => OpCode::Text,
            Opcode::Binary => OpCode::Binary,
            Opcode::Close => OpCode::Close,
            Opcode::Ping => OpCode::Ping,
            Opcode::Pong => OpCode::Pong,
        }
    }
}

impl Guest for super::Component {
    type Decoder = DecoderResource;
    type Encoder = EncoderResource;

    fn encode_text(text: String) -> Vec<u8> {
        let mut out = Vec::new();
        hixie::encode_text(&text, &mut out);
        out
    }

    fn encode_binary(frame_type: u8, payload: Vec<u8>) -> Result<Vec<u8>, WitError> {
        encoded(|out| hixie::encode_binary(frame_type, &payload, out))
    }

    fn encode_close() -> Vec<u8> {
        let mut out = Vec::new();
        hixie::encode_close(&mut out);
        out
    }

    fn encode_frame(
        fin: bool,
        opcode: Opcode,
        payload: Vec<u8>,
        mask: Option<u32>,
    ) -> Result<Vec<u8>, WitError> {
        encoded(|out| rfc6455::encode_frame(fin, opcode.into(), &payload, mask_key(mask), out))
    }

    fn encode_close_frame(code: Option<u16>, reason: String, mask: Option<u32>) -> Result<Vec<u8>, WitError> {
        encoded(|out| rfc6455::encode_close(code, &reason, mask_key(mask), out))
    }
}
