//! The `handshake` interface.

use std::cell::RefCell;

use super::convert::{server_options, wit_result};
use super::exports::websocket::protocol::handshake::{
    ClientHandshake, Guest, GuestClientHandshake, GuestServerHandshake, Status as WitStatus,
};
use super::exports::websocket::protocol::types::{
    ClientOptions, Error as WitError, RequestInfo, ResponseInfo, ServerOptions,
};
use crate::{
    hixie76_answer, rejection_response, Entropy, Error, HandshakeError, SeededEntropy, ServerPolicy, Status,
    SystemEntropy, UsageError, WsUrl,
};

fn status(s: Status) -> WitStatus {
    match s {
        Status::Partial => WitStatus::Partial,
        Status::Complete { consumed } => {
            WitStatus::Complete(u32::try_from(consumed).expect("inputs are lists"))
        }
    }
}

pub struct ClientResource(RefCell<crate::ClientHandshake>);

fn create(
    url: String,
    options: ClientOptions,
    entropy: &mut dyn Entropy,
) -> Result<ClientHandshake, WitError> {
    let url = wit_result(WsUrl::parse(&url).map_err(Error::from))?;
    let handshake = wit_result(crate::ClientHandshake::new(&url, options.into(), entropy))?;
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
    handshake: RefCell<Option<crate::ServerHandshake>>,
    policy: ServerPolicy,
    failure: RefCell<Option<HandshakeError>>,
}

impl ServerResource {
    /// Runs `f` on the handshake, remembering a handshake failure for
    /// `rejection`.
    fn with<T>(
        &self,
        f: impl FnOnce(&mut Option<crate::ServerHandshake>, &ServerPolicy) -> Result<T, Error>,
    ) -> Result<T, WitError> {
        let r = f(&mut self.handshake.borrow_mut(), &self.policy);
        if let Err(Error::Handshake(h)) = &r {
            *self.failure.borrow_mut() = Some(h.clone());
        }
        wit_result(r)
    }
}

fn used() -> Error {
    UsageError::HandshakeIncomplete.into()
}

impl GuestServerHandshake for ServerResource {
    fn new(options: ServerOptions) -> Self {
        let (config, policy) = server_options(options);
        ServerResource {
            handshake: RefCell::new(Some(crate::ServerHandshake::new(config))),
            policy,
            failure: RefCell::new(None),
        }
    }

    fn feed(&self, input: Vec<u8>) -> Result<WitStatus, WitError> {
        self.with(|hs, _| hs.as_mut().ok_or_else(used)?.handle_input(&input))
            .map(status)
    }

    fn request(&self) -> Option<RequestInfo> {
        self.handshake.borrow().as_ref()?.request().map(Into::into)
    }

    fn accept(&self) -> Result<Vec<u8>, WitError> {
        self.with(|hs, policy| {
            let request = hs.as_ref().and_then(|h| h.request()).ok_or_else(used)?;
            let protocol = policy.check(request)?;
            let response = hs.take().ok_or_else(used)?.accept(protocol.as_deref())?;
            Ok(response)
        })
    }

    fn rejection(&self) -> Option<Vec<u8>> {
        let failure = self.failure.borrow();
        let failure = failure.as_ref()?;
        Some(match self.handshake.borrow().as_ref() {
            Some(handshake) => handshake.error_response(failure),
            None => rejection_response(failure),
        })
    }
}

impl Guest for super::Component {
    type ClientHandshake = ClientResource;
    type ServerHandshake = ServerResource;

    fn hixie76_answer(key1: String, key2: String, key3: Vec<u8>) -> Result<Vec<u8>, WitError> {
        let key3: [u8; 8] = wit_result(key3.as_slice().try_into().map_err(|_| {
            UsageError::InvalidValue {
                what: "key3 (expected 8 bytes)",
                got: format!("{} bytes", key3.len()),
            }
            .into()
        }))?;
        wit_result(hixie76_answer(&key1, &key2, &key3).map_err(Error::from)).map(|a| a.to_vec())
    }

    fn rfc6455_accept(key: String) -> String {
        crate::rfc6455_accept(&key)
    }
}
