//! The opening handshake as a stage of a session.

use crate::error::{Error, HandshakeError};
use crate::handshake::{ClientHandshake, HandshakeResponse, Request, ServerHandshake, ServerPolicy, Status};
use crate::version::Role;

/// The handshake under way.
#[derive(Debug)]
pub(super) enum Handshake {
    Client(ClientHandshake),
    Server {
        handshake: ServerHandshake,
        policy: ServerPolicy,
    },
}

/// What a completed handshake agreed.
pub(super) enum Agreed {
    Client {
        response: HandshakeResponse,
        mask_seed: Option<[u8; 32]>,
    },
    Server {
        request: Request,
        /// The response bytes to send.
        response: Vec<u8>,
    },
}

impl Handshake {
    /// Feeds the peer's bytes: `None` while more are needed, or how many
    /// bytes of `input` were the handshake's and what it agreed.
    pub(super) fn advance(&mut self, input: &[u8]) -> Result<Option<(usize, Agreed)>, Error> {
        match self {
            Handshake::Client(handshake) => {
                let Status::Complete { consumed } = handshake.handle_input(input)? else {
                    return Ok(None);
                };
                let response = handshake.response().expect("complete").clone();
                let mask_seed = handshake.mask_seed();
                Ok(Some((consumed, Agreed::Client { response, mask_seed })))
            }
            Handshake::Server { handshake, policy } => {
                let Status::Complete { consumed } = handshake.handle_input(input)? else {
                    return Ok(None);
                };
                let request = handshake.request().expect("complete").clone();
                let protocol = policy.check(&request)?;
                let response = handshake.accept(protocol.as_deref())?;
                Ok(Some((consumed, Agreed::Server { request, response })))
            }
        }
    }

    /// The failure an end of input before completion is.
    pub(super) fn eof(&mut self) -> Error {
        match self {
            Handshake::Client(handshake) => handshake.handle_eof().err().unwrap_or_else(|| {
                // Unreachable: a complete handshake is no longer a stage.
                HandshakeError::UnexpectedEof { from: Role::Server }.into()
            }),
            Handshake::Server { .. } => HandshakeError::UnexpectedEof { from: Role::Client }.into(),
        }
    }

    /// The HTTP response a server sends before closing for `error`.
    pub(super) fn refusal(&self, error: &Error) -> Option<Vec<u8>> {
        match self {
            Handshake::Server { handshake, .. } => handshake.refusal(error),
            Handshake::Client(_) => None,
        }
    }
}
