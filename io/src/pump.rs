//! The rules every pump follows around a [`Session`], written once: each
//! adapter (blocking, tokio, `wasi:io`, WASI 0.3) moves bytes, and asks
//! these what to make of them.

use std::time::Instant;

use websocket_engine::{
    Event, HandshakeResponse, Phase, ProtocolError, ProxyHandshake, Request, Session, Status, UsageError,
};

use crate::Error;

/// What a flush returns once it has written what it could: the failure
/// that stopped the output (the write time-out: the transport took
/// nothing in time, and the output was dropped), or `Ok`. Any other
/// failure is the session's last event, and reaches the application with
/// the events.
pub fn flushed(session: &Session) -> Result<(), Error> {
    match session.error() {
        Some(
            e @ ProtocolError::Timeout {
                during: Phase::Writing,
                ..
            },
        ) => Err(e.clone().into()),
        _ => Ok(()),
    }
}

/// What an adapter's handshake makes of the session's first event:
/// `Ok(None)` once open (the session holds the request or response), or,
/// for a server that defers its decisions, `Ok(Some(request))` to decide
/// on (the adapter's `decide` answers it). Any other end of the handshake
/// is an error.
pub fn opening(first: Option<Event>) -> Result<Option<Request>, Error> {
    match first {
        Some(Event::Opened) => Ok(None),
        Some(Event::Request(request)) => Ok(Some(request)),
        _ => Err(UsageError::HandshakeIncomplete.into()),
    }
}

/// The first bytes of a session's output that a transport accepted but
/// has not confirmed (a write whose flush has not completed). They count
/// as taken ([`Session::advance_output`]) only once confirmed, so that the
/// session's write timer covers the transport's own buffer too.
#[derive(Debug, Default)]
pub struct InFlight(usize);

impl InFlight {
    /// The bytes in flight, after forgetting them if the session dropped
    /// its output (its write time-out ran out) since they were written.
    pub fn get(&mut self, session: &Session) -> usize {
        if !session.has_output() {
            self.0 = 0;
        }
        self.0
    }

    /// The transport accepted `n` more bytes.
    pub fn add(&mut self, n: usize) {
        self.0 += n;
    }

    /// The transport confirmed what it accepted: the session's output
    /// advances past it.
    pub fn confirm(&mut self, session: &mut Session) {
        session.advance_output(std::mem::take(&mut self.0));
    }
}

/// The deadline to arm a pump's timer for, given the one it is armed
/// for: `Some` only when the session's next deadline comes earlier (or
/// none is armed). Each input moves the keepalive's deadline later, and
/// moving a timer costs a host call or a trip to a timer wheel: left where
/// it is, the timer fires early at worst, the session finds nothing due,
/// and the pump arms it again for the new deadline. No deadline keeps the
/// armed timer too.
pub fn rearm(armed: Option<Instant>, deadline: Option<Instant>) -> Option<Instant> {
    deadline.filter(|deadline| armed.is_none_or(|armed| *deadline < armed))
}

/// Hands a proxy's reply to its handshake: `got` is what one read
/// brought, and an empty read is the proxy's end of stream. True once the
/// tunnel is open; until then, write the handshake's output and read
/// again.
pub fn tunnel_reply(proxy: &mut ProxyHandshake, got: &[u8]) -> Result<bool, Error> {
    if got.is_empty() {
        return Err(websocket_engine::ProtocolError::from(proxy.handle_eof()).into());
    }
    Ok(matches!(proxy.handle_input(got)?, Status::Complete { .. }))
}

/// The request an adapter's `accept` returns: the one to decide on, when
/// the server defers its decisions, or the one the open session accepted.
pub fn accepted_request(session: &Session, undecided: Option<Request>) -> Request {
    undecided.unwrap_or_else(|| session.request().cloned().expect("an open server has a request"))
}

/// The response an adapter's client handshake returns, once its session
/// is open.
pub fn accepted_response(session: &Session) -> HandshakeResponse {
    session
        .response()
        .cloned()
        .expect("an open client has a response")
}

/// Defines the methods every adapter's connection has the same way, over
/// its `session` field and its own `next_event`: `session` and
/// `session_mut`; `read_message`; and the sends (`send_text`,
/// `send_binary`, `send`, `ping`, `close`, `close_with`), each of which
/// queues on the session, then calls the adapter's `$then` (its `flush`,
/// or a write of what the transport takes now). `blocking` makes plain
/// methods; `async` makes async ones that await, and `next_event` too,
/// over the adapter's `end` field (`Option<Result<Option<Event>, Error>>`)
/// and its async `drive` (one round of I/O) and `shut_down` (lets the
/// transport go).
#[macro_export]
macro_rules! connection_methods {
    (blocking, $then:ident) => {
        $crate::connection_methods!(@ [] [] $then);
    };
    (async, $then:ident) => {
        $crate::connection_methods!(@ [async] [.await] $then);

        /// The next event, or `None` once the connection is over and its
        /// [`Event::Closed`](websocket_engine::Event::Closed) was returned.
        /// A failure is returned as its error (and again by later calls)
        /// once what it queued for the peer (an RFC 6455 close frame saying
        /// why, an HTTP refusal) has been sent. Cancelling it loses
        /// nothing: the end is held until it is returned.
        pub async fn next_event(&mut self) -> Result<Option<websocket_engine::Event>, $crate::Error> {
            while self.end.is_none() {
                match self.session.step() {
                    websocket_engine::Step::Event(event) => return Ok(Some(event)),
                    websocket_engine::Step::End(end) => self.end = Some(end.map_err($crate::Error::from)),
                    websocket_engine::Step::Drive => self.drive().await?,
                }
            }
            // Best effort: the peer may be gone already.
            while !self.session.is_finished() && self.drive().await.is_ok() {}
            self.shut_down().await;
            self.end.take().expect("held above")
        }
    };
    (@ [$($async:tt)*] [$($await:tt)*] $then:ident) => {
        /// The session: its state, version, request or response.
        pub fn session(&self) -> &websocket_engine::Session {
            &self.session
        }

        #[doc = concat!(
            "The session, to queue without writing (the next `",
            stringify!($then),
            "` sends everything queued at once) or to send a message in parts."
        )]
        pub fn session_mut(&mut self) -> &mut websocket_engine::Session {
            &mut self.session
        }

        /// The next message, or `None` once the connection is over. Pings
        /// and pongs are skipped (pings are answered all the same).
        pub $($async)* fn read_message(&mut self) -> Result<Option<websocket_engine::Message>, $crate::Error> {
            while let Some(event) = self.next_event()$($await)*? {
                if let Some(message) = event.into_message() {
                    return Ok(message);
                }
            }
            Ok(None)
        }

        #[doc = concat!("Sends a text message: queues it, then `", stringify!($then), "`.")]
        pub $($async)* fn send_text(&mut self, text: &str) -> Result<(), $crate::Error> {
            self.session.send_text(text)?;
            self.$then()$($await)*
        }

        #[doc = concat!(
            "Sends a binary message (in hixie a length-prefixed frame of type 0x80): queues it, then `",
            stringify!($then),
            "`."
        )]
        pub $($async)* fn send_binary(&mut self, data: &[u8]) -> Result<(), $crate::Error> {
            self.session.send_binary(data)?;
            self.$then()$($await)*
        }

        #[doc = concat!(
            "Sends a message of any kind ([`Session::send`](websocket_engine::Session::send)): queues it, then `",
            stringify!($then),
            "`."
        )]
        pub $($async)* fn send(&mut self, message: &websocket_engine::Message) -> Result<(), $crate::Error> {
            self.session.send(message)?;
            self.$then()$($await)*
        }

        #[doc = concat!(
            "RFC 6455: sends a ping, whose pong comes back as an event: queues it, then `",
            stringify!($then),
            "`."
        )]
        pub $($async)* fn ping(&mut self, data: &[u8]) -> Result<(), $crate::Error> {
            self.session.ping(data)?;
            self.$then()$($await)*
        }

        #[doc = concat!(
            "Begins closing (RFC 6455 with code 1000, hixie76 `FF 00`, hixie75 by shutting down \
             sending), then `",
            stringify!($then),
            "`; read on until the connection is over."
        )]
        pub $($async)* fn close(&mut self) -> Result<(), $crate::Error> {
            self.session.close(std::time::Instant::now())?;
            self.$then()$($await)*
        }

        #[doc = concat!(
            "RFC 6455: begins closing with a status code and reason, then `",
            stringify!($then),
            "`."
        )]
        pub $($async)* fn close_with(&mut self, code: u16, reason: &str) -> Result<(), $crate::Error> {
            self.session.close_with(std::time::Instant::now(), code, reason)?;
            self.$then()$($await)*
        }
    };
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_timer_is_armed_again_only_for_an_earlier_deadline() {
        let t = Instant::now();
        let later = t + Duration::from_secs(1);
        assert_eq!(rearm(None, Some(t)), Some(t));
        assert_eq!(rearm(Some(t), Some(later)), None, "a later deadline keeps it");
        assert_eq!(rearm(Some(t), Some(t)), None);
        assert_eq!(rearm(Some(later), Some(t)), Some(t));
        assert_eq!(rearm(Some(t), None), None, "no deadline keeps it");
    }

    #[test]
    fn what_the_first_event_makes_of_a_handshake() {
        assert_eq!(opening(Some(Event::Opened)), Ok(None));
        assert_eq!(opening(None), Err(Error::from(UsageError::HandshakeIncomplete)));
    }
}
