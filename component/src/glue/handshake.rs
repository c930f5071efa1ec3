//! The `handshake` interface.

use std::cell::{Cell, RefCell};

use super::convert::wit_result;
use super::exports::websocket::protocol::handshake::{
    ClientHandshake, Guest, GuestClientHandshake, GuestServerHandshake, Status as WitStatus,
};
use super::exports::websocket::protocol::types::{
    ClientOptions, Decision as WitDecision, Error as WitError, RequestInfo, ResponseInfo, ServerOptions,
};
use websocket_engine::{
    hixie76_answer, Entropy, ProtocolError, SeededEntropy, ServerConfig, Status, SystemEntropy, UsageError,
    WsUrl,
};

fn status(s: Status) -> WitStatus {
    match s {
        Status::Partial => WitStatus::Partial,
        Status::Complete { consumed } => {
            WitStatus::Complete(u32::try_from(consumed).expect("inputs are lists"))
        }
    }
}

pub struct ClientResource(RefCell<websocket_engine::ClientHandshake>);

fn create(
    url: String,
    options: ClientOptions,
    entropy: &mut dyn Entropy,
) -> Result<ClientHandshake, WitError> {
    let url = wit_result(WsUrl::parse(&url).map_err(ProtocolError::from))?;
    let handshake = wit_result(websocket_engine::ClientHandshake::new(
        &url,
        options.into(),
        entropy,
    ))?;
    Ok(ClientHandshake::new(ClientResource(RefCell::new(handshake))))
}

impl GuestClientHandshake for ClientResource {
    fn create(url: String, options: ClientOptions) -> Result<ClientHandshake, WitError> {
        create(url, options, &mut SystemEntropy)
    }

    fn create_seeded(url: String, options: ClientOptions, seed: u64) -> Result<ClientHandshake, WitError> {
        create(url, options, &mut SeededEntropy::new(seed))
    }

    fn request(&self) -> Vec<u8> {
        self.0.borrow().request().to_vec()
    }

    fn feed(&self, input: Vec<u8>) -> Result<WitStatus, WitError> {
        wit_result(self.0.borrow_mut().handle_input(&input)).map(status)
    }

    fn feed_eof(&self) -> Result<(), WitError> {
        wit_result(self.0.borrow_mut().handle_eof())
    }

    fn response(&self) -> Option<ResponseInfo> {
        self.0.borrow().response().map(Into::into)
    }
}

pub struct ServerResource {
    handshake: RefCell<websocket_engine::ServerHandshake>,
    /// The last failure of `feed` or `decide`, for `rejection`.
    failure: RefCell<Option<ProtocolError>>,
    decided: Cell<bool>,
}

impl ServerResource {
    /// Remembers a failure of `r` for `rejection`.
    fn remember<T>(&self, r: Result<T, ProtocolError>) -> Result<T, WitError> {
        if let Err(e) = &r {
            *self.failure.borrow_mut() = Some(e.clone());
        }
        wit_result(r)
    }
}

impl GuestServerHandshake for ServerResource {
    fn new(options: ServerOptions) -> Self {
        ServerResource {
            handshake: RefCell::new(websocket_engine::ServerHandshake::new(ServerConfig::from(
                options,
            ))),
            failure: RefCell::new(None),
            decided: Cell::new(false),
        }
    }

    fn feed(&self, input: Vec<u8>) -> Result<WitStatus, WitError> {
        let r = self.handshake.borrow_mut().handle_input(&input);
        self.remember(r).map(status)
    }

    fn request(&self) -> Option<RequestInfo> {
        self.handshake.borrow().request().map(Into::into)
    }

    fn decide(&self, decision: Option<WitDecision>) -> Result<Vec<u8>, WitError> {
        if self.decided.replace(true) {
            return Err(ProtocolError::from(UsageError::NoRequest).into());
        }
        let mut handshake = self.handshake.borrow_mut();
        let r = match decision {
            None => handshake.decide(),
            Some(decision) => handshake.respond(decision.into()),
        };
        drop(handshake);
        self.remember(r)
    }

    fn rejection(&self) -> Option<Vec<u8>> {
        let failure = self.failure.borrow();
        self.handshake.borrow().refusal(failure.as_ref()?)
    }
}

impl Guest for super::Component {
    type ClientHandshake = ClientResource;
    type ServerHandshake = ServerResource;

    fn hixie76_answer(key1: String, key2: String, key3: Vec<u8>) -> Result<Vec<u8>, WitError> {
        let key3: [u8; 8] = wit_result(key3.as_slice().try_into().map_err(|_| {
            ProtocolError::from(UsageError::InvalidValue {
                what: "key3 (expected 8 bytes)",
                got: format!("{} bytes", key3.len()),
            })
        }))?;
        wit_result(hixie76_answer(&key1, &key2, &key3).map_err(ProtocolError::from)).map(|a| a.to_vec())
    }

    fn rfc6455_accept(key: String) -> String {
        websocket_engine::rfc6455_accept(&key)
    }
}
