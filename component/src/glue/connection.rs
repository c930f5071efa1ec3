//! The `connection` interface.

use std::cell::RefCell;

use wasi::io::poll::Pollable;
use wasi::io::streams::{InputStream, OutputStream};

use super::convert::{reach, wit_event, wit_result, wit_state};
use super::exports::websocket::protocol::connection::{
    Connection, Event, Guest, GuestConnection, GuestListener, Listener, State,
};
use super::exports::websocket::protocol::types::{
    ClientOptions, Decision, Error as WitError, Message, RequestInfo, ResponseInfo, Role, ServerOptions,
    Version,
};
use websocket_engine::{ServerConfig, SystemEntropy, WsUrl};
use websocket_io::Error;
use websocket_wasi::{self as wasi_adapter, StreamConnection};

pub struct ConnectionResource(RefCell<StreamConnection>);

fn resource(conn: StreamConnection) -> Connection {
    Connection::new(ConnectionResource(RefCell::new(conn)))
}

impl GuestConnection for ConnectionResource {
    fn accept(input: InputStream, output: OutputStream, options: ServerOptions) -> Connection {
        resource(StreamConnection::accept(
            input,
            output,
            ServerConfig::from(options),
        ))
    }

    fn handshake(
        input: InputStream,
        output: OutputStream,
        url: String,
        options: ClientOptions,
    ) -> Result<Connection, WitError> {
        let url = wit_result(WsUrl::parse(&url).map_err(Error::from))?;
        let conn = StreamConnection::client(input, output, &url, options.into(), &mut SystemEntropy);
        wit_result(conn).map(resource)
    }

    fn decide(&self, decision: Decision) -> Result<(), WitError> {
        wit_result(self.0.borrow_mut().decide(decision.into()))
    }

    fn state(&self) -> State {
        wit_state(self.0.borrow().session().state())
    }

    fn role(&self) -> Role {
        self.0.borrow().session().role().into()
    }

    fn version(&self) -> Option<Version> {
        self.0.borrow().session().version().map(Into::into)
    }

    fn request(&self) -> Option<RequestInfo> {
        self.0.borrow().session().request().map(Into::into)
    }

    fn response(&self) -> Option<ResponseInfo> {
        self.0.borrow().session().response().map(Into::into)
    }

    fn subscribe(&self) -> Pollable {
        self.0.borrow().subscribe()
    }

    fn deadline(&self) -> Option<u64> {
        self.0.borrow().deadline()
    }

    fn poll_event(&self) -> Result<Option<Event>, WitError> {
        let mut conn = self.0.borrow_mut();
        let event = match conn.poll_event() {
            Some(event) => event,
            None => {
                wit_result(conn.drive())?;
                match conn.poll_event() {
                    Some(event) => event,
                    // After the last event, a failure is reported again.
                    None => {
                        return conn
                            .session()
                            .error()
                            .cloned()
                            .map_or(Ok(None), |e| Err(e.into()))
                    }
                }
            }
        };
        wit_event(event).map(Some)
    }

    fn next_event(&self) -> Result<Option<Event>, WitError> {
        match wit_result(self.0.borrow_mut().next_event())? {
            Some(event) => wit_event(event).map(Some),
            None => Ok(None),
        }
    }

    fn finished(&self) -> bool {
        self.0.borrow().is_finished()
    }

    fn read_message(&self) -> Result<Option<Message>, WitError> {
        wit_result(self.0.borrow_mut().read_message()).map(|m| m.map(Into::into))
    }

    fn send_text(&self, text: String) -> Result<(), WitError> {
        wit_result(self.0.borrow_mut().send_text(&text))
    }

    fn send_binary(&self, data: Vec<u8>) -> Result<(), WitError> {
        wit_result(self.0.borrow_mut().send_binary(&data))
    }

    fn send(&self, message: Message) -> Result<(), WitError> {
        wit_result(self.0.borrow_mut().send(&message.into()))
    }

    fn send_ping(&self, data: Vec<u8>) -> Result<(), WitError> {
        wit_result(self.0.borrow_mut().ping(&data))
    }

    fn close(&self) -> Result<(), WitError> {
        wit_result(self.0.borrow_mut().close())
    }

    fn close_with(&self, code: u16, reason: String) -> Result<(), WitError> {
        wit_result(self.0.borrow_mut().close_with(code, &reason))
    }

    fn flush(&self) -> Result<(), WitError> {
        wit_result(self.0.borrow_mut().flush())
    }
}

pub struct ListenerResource(wasi_adapter::Listener);

impl GuestListener for ListenerResource {
    fn bind(address: String, options: ServerOptions) -> Result<Listener, WitError> {
        let backlog = wasi_adapter::DEFAULT_BACKLOG;
        let config = ServerConfig::from(options);
        let listener = wit_result(wasi_adapter::Listener::bind(&address, backlog, config))?;
        Ok(Listener::new(ListenerResource(listener)))
    }

    fn local_address(&self) -> String {
        self.0.local_address().to_string()
    }

    fn subscribe(&self) -> Pollable {
        self.0.subscribe()
    }

    fn accept(&self) -> Result<Option<Connection>, WitError> {
        wit_result(self.0.accept()).map(|c| c.map(resource))
    }
}

impl Guest for super::Component {
    type Connection = ConnectionResource;
    type Listener = ListenerResource;

    fn connect(url: String, options: ClientOptions) -> Result<Connection, WitError> {
        let connected =
            reach(options).and_then(|(config, reach)| wasi_adapter::connect_with(&url, config, &reach));
        wit_result(connected).map(resource)
    }
}
