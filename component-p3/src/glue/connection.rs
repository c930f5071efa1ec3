//! The `connection` interface: async calls on a shared connection.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use std::time::Instant;

use futures::lock::Mutex;
use websocket_wasip3::wasip3::wit_bindgen::StreamReader;
use websocket_wasip3::{Connection as P3Connection, Listener as P3Listener, SharedConnection, Streams};

use super::convert::{reach, wit_event, wit_result, wit_state};
use super::exports::websocket::protocol::connection::{
    Connection, Event, Guest, GuestConnection, GuestListener, Listener, State,
};
use super::exports::websocket::protocol::types::{
    ClientOptions, Decision, Error as WitError, Message, RequestInfo, ResponseInfo, Role, ServerOptions,
    Version,
};
use websocket_engine::{ServerConfig, Session, SystemEntropy, WsUrl};
use websocket_io::Error;

pub struct ConnectionResource(SharedConnection);

/// Awaits `work`, its error as WIT's, suspending once if it is done at
/// once: an async export that another component calls and that returns
/// without ever suspending leaks in wasmtime 48 with wit-bindgen 0.63
/// (about 400 bytes a call, measured with `read-message` on pipelined
/// messages through the composed `examples/app-p3`;
/// `tests/component_p3.rs` holds the bound). The yield costs one turn of
/// the task, and only when the result was ready at once.
async fn settle<T>(work: impl Future<Output = Result<T, Error>>) -> Result<T, WitError> {
    let mut work = pin!(work);
    let done = match poll_fn(|cx| Poll::Ready(work.as_mut().poll(cx))).await {
        Poll::Ready(done) => {
            wit_bindgen::yield_async().await;
            done
        }
        Poll::Pending => work.await,
    };
    wit_result(done)
}

fn resource(conn: P3Connection) -> Connection {
    Connection::new(ConnectionResource(conn.into()))
}

impl ConnectionResource {
    /// Queues what `queue` does to the session and waits until it is sent.
    async fn send_with(
        &self,
        queue: impl FnOnce(&mut Session, Instant) -> Result<(), Error>,
    ) -> Result<(), WitError> {
        settle(self.0.send_with(queue)).await
    }
}

impl GuestConnection for ConnectionResource {
    fn accept(input: StreamReader<u8>, options: ServerOptions) -> (Connection, StreamReader<u8>) {
        let (streams, outgoing) = Streams::over(input);
        (
            resource(P3Connection::server(streams, ServerConfig::from(options))),
            outgoing,
        )
    }

    fn handshake(
        input: StreamReader<u8>,
        url: String,
        options: ClientOptions,
    ) -> Result<(Connection, StreamReader<u8>), WitError> {
        let url = wit_result(WsUrl::parse(&url).map_err(Error::from))?;
        let (streams, outgoing) = Streams::over(input);
        let conn = P3Connection::client(streams, &url, options.into(), &mut SystemEntropy);
        Ok((resource(wit_result(conn)?), outgoing))
    }

    async fn decide(&self, decision: Decision) -> Result<(), WitError> {
        settle(self.0.decide(decision.into())).await
    }

    fn state(&self) -> State {
        wit_state(self.0.with_session(Session::state))
    }

    fn role(&self) -> Role {
        self.0.with_session(Session::role).into()
    }

    fn version(&self) -> Option<Version> {
        self.0.with_session(Session::version).map(Into::into)
    }

    fn request(&self) -> Option<RequestInfo> {
        self.0.with_session(|s| s.request().map(Into::into))
    }

    fn response(&self) -> Option<ResponseInfo> {
        self.0.with_session(|s| s.response().map(Into::into))
    }

    async fn next_event(&self) -> Result<Option<Event>, WitError> {
        match settle(self.0.next_event()).await? {
            Some(event) => wit_event(event).map(Some),
            None => Ok(None),
        }
    }

    async fn read_message(&self) -> Result<Option<Message>, WitError> {
        settle(self.0.read_message()).await.map(|m| m.map(Into::into))
    }

    async fn send_text(&self, text: String) -> Result<(), WitError> {
        self.send_with(|s, _| Ok(s.send_text(&text)?)).await
    }

    async fn send_binary(&self, data: Vec<u8>) -> Result<(), WitError> {
        self.send_with(|s, _| Ok(s.send_binary(&data)?)).await
    }

    async fn send(&self, message: Message) -> Result<(), WitError> {
        settle(self.0.send(&message.into())).await
    }

    async fn send_ping(&self, data: Vec<u8>) -> Result<(), WitError> {
        self.send_with(|s, _| Ok(s.ping(&data)?)).await
    }

    async fn close(&self) -> Result<(), WitError> {
        self.send_with(|s, now| Ok(s.close(now)?)).await
    }

    async fn close_with(&self, code: u16, reason: String) -> Result<(), WitError> {
        self.send_with(|s, now| Ok(s.close_with(now, code, &reason)?))
            .await
    }

    async fn flush(&self) -> Result<(), WitError> {
        settle(self.0.flush()).await
    }
}

pub struct ListenerResource {
    local: std::net::SocketAddr,
    /// Accepts one at a time: overlapping `accept` calls queue.
    listener: Mutex<P3Listener>,
}

impl GuestListener for ListenerResource {
    fn bind(address: String, options: ServerOptions) -> Result<Listener, WitError> {
        let backlog = websocket_wasip3::DEFAULT_BACKLOG;
        let listener = wit_result(P3Listener::bind(&address, backlog, ServerConfig::from(options)))?;
        Ok(Listener::new(ListenerResource {
            local: listener.local_address(),
            listener: Mutex::new(listener),
        }))
    }

    fn local_address(&self) -> String {
        self.local.to_string()
    }

    async fn accept(&self) -> Result<Connection, WitError> {
        settle(async { self.listener.lock().await.accept().await })
            .await
            .map(resource)
    }
}

impl Guest for super::Component {
    type Connection = ConnectionResource;
    type Listener = ListenerResource;

    async fn connect(url: String, options: ClientOptions) -> Result<Connection, WitError> {
        let (config, reach) = wit_result(reach(options))?;
        settle(websocket_wasip3::connect(&url, config, &reach))
            .await
            .map(resource)
    }
}
