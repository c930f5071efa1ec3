//! The `framing` interface.

use std::cell::RefCell;

use super::convert::{limits, wit_result};
use super::exports::websocket::protocol::framing::{Decoded, Frame as WitFrame, Guest, GuestDecoder};
use super::exports::websocket::protocol::types::{
    BinaryMessage, Error as WitError, Limits, Utf8Policy, Version,
};
use crate::framing::{hixie, Decoded as Step, Frame};
use crate::{Error, Role};

pub struct DecoderResource(RefCell<hixie::Decoder>);

impl GuestDecoder for DecoderResource {
    fn new(version: Version, utf8: Utf8Policy, limits_: Option<Limits>) -> Self {
        let policy = super::convert::utf8(Some(utf8), Role::Server);
        DecoderResource(RefCell::new(hixie::Decoder::new(
            version.into(),
            policy,
            &limits(limits_),
        )))
    }

    fn decode(&self, input: Vec<u8>) -> Decoded {
        let mut decoder = self.0.borrow_mut();
        let mut frames = Vec::new();
        let mut rest = &input[..];
        let error = loop {
            match decoder.decode(rest) {
                Ok(Step::Partial) => break None,
                Ok(Step::Frame { frame, consumed }) => {
                    frames.push(match frame {
                        Frame::Text(t) => WitFrame::Text(t.into_owned()),
                        Frame::Binary { frame_type, payload } => WitFrame::Binary(BinaryMessage {
                            frame_type,
                            data: payload.to_vec(),
                        }),
                        Frame::Close => WitFrame::Close,
                    });
                    rest = &rest[consumed..];
                }
                Err(e) => break Some(Error::from(e).into()),
            }
        };
        Decoded { frames, error }
    }

    fn between_frames(&self) -> bool {
        self.0.borrow().is_between_frames()
    }
}

impl Guest for super::Component {
    type Decoder = DecoderResource;

    fn encode_text(text: String) -> Vec<u8> {
        let mut out = Vec::new();
        hixie::encode_text(&text, &mut out);
        out
    }

    fn encode_binary(frame_type: u8, payload: Vec<u8>) -> Result<Vec<u8>, WitError> {
        let mut out = Vec::new();
        wit_result(hixie::encode_binary(frame_type, &payload, &mut out).map_err(Error::from))?;
        Ok(out)
    }

    fn encode_close() -> Vec<u8> {
        let mut out = Vec::new();
        hixie::encode_close(&mut out);
        out
    }
}
