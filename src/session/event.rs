//! What a session reports: its state, its events and the messages in them.

use bytes::Bytes;

use crate::error::ProtocolError;
use crate::handshake::Request;
use crate::message::Message;

/// What a session reports to its caller, in order. [`Event::Closed`] or
/// [`Event::Failed`] is always the last.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A server that defers its decisions
    /// ([`ServerConfig::defer_decisions`](crate::ServerConfig)) read this
    /// request; answer it with [`Session::decide`](super::Session::decide).
    Request(Request),
    /// The opening handshake completed; `Session::request` (server) or
    /// `Session::response` (client) tells what was agreed.
    Opened,
    /// The peer sent a message.
    Message(Message),
    /// RFC 6455: the peer sent a ping, already answered with a pong.
    Ping(Bytes),
    /// RFC 6455: the peer sent a pong (the answer to a ping, or a
    /// heartbeat).
    Pong(Bytes),
    /// The connection ended without an error: the closing handshake, or the
    /// peer's end of stream.
    Closed(Closed),
    /// The session failed: the peer broke a rule, a server refused the
    /// request, or a timer ran out. Nothing follows.
    Failed(ProtocolError),
}

/// How a connection ended.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Closed {
    /// True when it ended as its version prescribes: the hixie76 or RFC
    /// 6455 closing handshake completed, or a hixie75 transport ended
    /// between frames.
    pub clean: bool,
    /// RFC 6455: the status code of the peer's close frame; `None` when it
    /// had none (1005) or the peer sent no close frame (1006).
    pub code: Option<u16>,
    /// RFC 6455: the reason in the peer's close frame (often empty).
    pub reason: String,
}

impl Closed {
    pub(crate) fn with_clean(clean: bool) -> Closed {
        Closed {
            clean,
            ..Closed::default()
        }
    }
}

/// What a pump that hands events over one at a time does next
/// ([`Session::step`](super::Session::step)).
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Hand this event over.
    Event(Event),
    /// The session is over: drive it until
    /// [`is_finished`](super::Session::is_finished) (so that what it queued
    /// goes out), close the transport, and hand this over: the last event
    /// (`Closed`), `None` after it, or the failure (each time it is asked).
    End(Result<Option<Event>, ProtocolError>),
    /// Nothing to hand over yet: do I/O (or wait for it), then ask again.
    Drive,
}

impl Event {
    /// What a `read_message` makes of an event: a message, the end
    /// (`Some(None)`: the connection closed), or nothing to return
    /// (`None`: a ping, a pong or the opening, which it skips).
    pub fn into_message(self) -> Option<Option<Message>> {
        match self {
            Event::Message(m) => Some(Some(m)),
            Event::Closed(_) => Some(None),
            _ => None,
        }
    }
}
