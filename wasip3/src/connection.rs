//! A WebSocket connection over a WASI 0.3 TCP socket: a pump that moves
//! bytes and instants between the socket's streams and a [`Session`],
//! which does everything else.
//!
//! Call order: [`Connection::next_event`] (or [`Connection::read_message`])
//! drives I/O until the session has an event; sends queue in the session
//! and go out as the connection is driven, or at once with the `send_*`
//! calls, which wait until the host took the bytes ([`Connection::flush`]).
//! Every call may be cancelled (dropped) and called again: what was under
//! way stays in the connection.

use std::future::poll_fn;
use std::sync::Arc;
use std::time::Instant;

use wasip3::sockets::types::{ErrorCode, TcpSocket};
use wasip3::wit_bindgen::{FutureReader, StreamReader, StreamWriter};
use wasip3::wit_stream;

use super::pump::Pump;
use websocket_engine::{ClientConfig, Decision, Entropy, Event, ServerConfig, Session, UsageError, WsUrl};
use websocket_io::{pump, Error};

/// A transport's two byte streams: a connected TCP socket's, or any pair
/// the caller hands over.
pub struct Streams {
    pub input: StreamReader<u8>,
    /// The socket's result for its receiving side, to await once `input`
    /// is dropped (none for streams that are not a socket's).
    pub received: Option<FutureReader<Result<(), ErrorCode>>>,
    pub output: StreamWriter<u8>,
    /// The socket's result for its sending side: done once everything
    /// written is sent and `output` is dropped (none for streams that are
    /// not a socket's).
    pub sent: Option<FutureReader<Result<(), ErrorCode>>>,
    /// The socket, dropped after its streams.
    pub socket: Option<TcpSocket>,
}

impl Streams {
    /// Opens both of `socket`'s streams.
    pub fn of(socket: TcpSocket) -> Streams {
        let (input, received) = socket.receive();
        let (output, to_send) = wit_stream::new();
        let sent = socket.send(to_send);
        Streams {
            input,
            received: Some(received),
            output,
            sent: Some(sent),
            socket: Some(socket),
        }
    }

    /// Reads `input` and writes a new stream: the streams, and that new
    /// stream's readable end, for the caller to hand on to its transport.
    pub fn over(input: StreamReader<u8>) -> (Streams, StreamReader<u8>) {
        let (output, outgoing) = wit_stream::new();
        let streams = Streams {
            input,
            received: None,
            output,
            sent: None,
            socket: None,
        };
        (streams, outgoing)
    }
}

/// A WebSocket connection over a WASI 0.3 TCP socket.
pub struct Connection {
    session: Session,
    pump: Pump,
    /// How the session ended, held until its last bytes are out.
    end: Option<Result<Option<Event>, Error>>,
}

impl Connection {
    fn new(streams: Streams, session: Session) -> Self {
        Connection {
            session,
            pump: Pump::new(streams),
            end: None,
        }
    }

    /// The server side of an accepted socket; its handshake runs as the
    /// connection is driven (the first event is [`Event::Opened`] or, with
    /// deferred decisions, [`Event::Request`]).
    pub fn accept(socket: TcpSocket, config: impl Into<Arc<ServerConfig>>) -> Self {
        Connection::server(Streams::of(socket), config)
    }

    /// The server side over a transport's streams, as [`Connection::accept`].
    pub fn server(streams: Streams, config: impl Into<Arc<ServerConfig>>) -> Self {
        Connection::new(streams, Session::server(config, Instant::now()))
    }

    /// The client side over a socket connected to the server of `url`; the
    /// request goes out as the connection is driven.
    pub fn client(
        streams: Streams,
        url: &WsUrl,
        config: ClientConfig,
        entropy: &mut dyn Entropy,
    ) -> Result<Self, Error> {
        let session = Session::client(url, config, entropy, Instant::now())?;
        Ok(Connection::new(streams, session))
    }

    /// Drives the handshake to its end: the connection once open.
    pub(crate) async fn open(mut self) -> Result<Self, Error> {
        match pump::opening(self.next_event().await?)? {
            None => Ok(self),
            Some(_) => Err(UsageError::HandshakeIncomplete.into()),
        }
    }

    /// The parts a [`SharedConnection`](super::SharedConnection) takes.
    pub(crate) fn into_parts(self) -> (Session, Pump, Option<Result<Option<Event>, Error>>) {
        (self.session, self.pump, self.end)
    }

    /// The next event already decoded, without I/O.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.session.poll_event()
    }

    websocket_io::connection_methods!(async, flush);

    /// Server with deferred decisions: answers the request the
    /// [`Event::Request`] reported ([`Session::decide`]) and waits until
    /// the host took the answer. A refusal's failure is the next event,
    /// not this call's error.
    pub async fn decide(&mut self, decision: Decision) -> Result<(), Error> {
        self.session.decide(Instant::now(), decision)?;
        self.flush().await
    }

    /// Waits until everything queued has been taken by the host, or the
    /// session's write time-out fails it.
    pub async fn flush(&mut self) -> Result<(), Error> {
        while self.session.has_output() {
            self.drive().await?;
        }
        pump::flushed(&self.session)
    }

    /// One round of I/O ([`Pump::poll`]). Cancelling it loses nothing: the
    /// operations under way stay in the pump.
    async fn drive(&mut self) -> Result<(), Error> {
        poll_fn(|cx| self.pump.poll(&mut self.session, cx, true)).await
    }

    /// Ends sending, if the session has not, and waits until the socket
    /// has sent everything.
    async fn shut_down(&mut self) {
        self.pump.close_output();
        while !self.pump.output_closed() && self.drive().await.is_ok() {}
    }
}
