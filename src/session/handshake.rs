//! The opening handshake as a stage of a session.

use crate::deflate::{DeflateConfig, DeflateParams};
use crate::error::{HandshakeError, ProtocolError, UsageError};
use crate::handshake::{ClientHandshake, Decision, HandshakeResponse, Request, ServerHandshake};
use crate::version::Role;
use crate::Status;

/// The handshake under way.
#[derive(Debug)]
pub(super) enum Handshake {
    Client(ClientHandshake),
    Server(ServerHandshake),
}

/// What a completed handshake agreed.
pub(super) enum Agreed {
    Client {
        response: HandshakeResponse,
        mask_seed: Option<[u8; 32]>,
        deflate: Option<(DeflateParams, DeflateConfig)>,
    },
    Server {
        request: Request,
        /// The response bytes to send.
        response: Vec<u8>,
        deflate: Option<(DeflateParams, DeflateConfig)>,
    },
    /// A server that defers its decisions read this request: it waits for
    /// [`Handshake::respond`].
    Undecided(Request),
}

/// What a server's accepted handshake agreed.
fn server_agreed(handshake: &ServerHandshake, request: Request, response: Vec<u8>) -> Agreed {
    let deflate = handshake.deflate().zip(handshake.compression().copied());
    Agreed::Server {
        request,
        response,
        deflate,
    }
}

impl Handshake {
    /// Feeds the peer's bytes: `None` while more are needed, or how many
    /// bytes of `input` were the handshake's and what it agreed.
    pub(super) fn advance(&mut self, input: &[u8]) -> Result<Option<(usize, Agreed)>, ProtocolError> {
        match self {
            Handshake::Client(handshake) => {
                let Status::Complete { value: (), consumed } = handshake.handle_input(input)? else {
                    return Ok(None);
                };
                let response = handshake.response().expect("complete").clone();
                let mask_seed = handshake.mask_seed();
                let deflate = response.deflate.zip(handshake.compression().copied());
                Ok(Some((
                    consumed,
                    Agreed::Client {
                        response,
                        mask_seed,
                        deflate,
                    },
                )))
            }
            Handshake::Server(handshake) => {
                let Status::Complete { value: (), consumed } = handshake.handle_input(input)? else {
                    return Ok(None);
                };
                let request = handshake.request().expect("complete").clone();
                if handshake.defers_decisions() {
                    return Ok(Some((consumed, Agreed::Undecided(request))));
                }
                let response = handshake.decide()?;
                Ok(Some((consumed, server_agreed(handshake, request, response))))
            }
        }
    }

    /// Answers the request an [`Agreed::Undecided`] reported.
    pub(super) fn respond(&mut self, decision: Decision) -> Result<Agreed, ProtocolError> {
        let Handshake::Server(handshake) = self else {
            return Err(UsageError::NoRequest.into());
        };
        let response = handshake.respond(decision)?;
        let request = handshake.request().expect("complete").clone();
        Ok(server_agreed(handshake, request, response))
    }

    /// The failure an end of input before completion is.
    pub(super) fn eof(&mut self) -> ProtocolError {
        match self {
            Handshake::Client(handshake) => handshake.handle_eof().err().unwrap_or_else(|| {
                // Unreachable: a complete handshake is no longer a stage.
                HandshakeError::UnexpectedEof { from: Role::Server }.into()
            }),
            Handshake::Server(_) => HandshakeError::UnexpectedEof { from: Role::Client }.into(),
        }
    }

    /// The HTTP response a server sends before closing for `error`.
    pub(super) fn refusal(&self, error: &ProtocolError) -> Option<Vec<u8>> {
        match self {
            Handshake::Server(handshake) => handshake.refusal(error),
            Handshake::Client(_) => None,
        }
    }
}
