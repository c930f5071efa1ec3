//! A WebSocket connection's whole life, sans-IO: [`Session`], whose docs
//! give the call order and the invariants.

mod event;
mod framing;
mod handshake;
mod output;
mod send;
mod timers;

pub use crate::state::State;
pub use event::{Closed, Event, Step};

use std::collections::VecDeque;
use std::io::IoSlice;
use std::sync::Arc;
use std::time::Instant;

use self::framing::{Framing, MAX_OVERHEAD};
use self::handshake::{Agreed, Handshake};
use self::output::Output;
use self::timers::Timers;
use crate::deflate::{DeflateConfig, DeflateParams};
use crate::entropy::Entropy;
use crate::error::{FrameError, HandshakeError, ProtocolError, UsageError};
use crate::framing::Utf8Policy;
use crate::handshake::{
    ClientConfig, ClientHandshake, Decision, HandshakeResponse, Request, ServerConfig, ServerHandshake,
};
use crate::limits::Limits;
use crate::timeouts::Timeouts;
use crate::url::WsUrl;
use crate::version::{Role, Version};

/// One WebSocket connection, from the first byte of the opening handshake
/// to the last byte of the closing one, in either role and any version.
///
/// A session performs no I/O, reads no clock and draws no randomness after
/// it is made: bytes
/// and instants come in, events and bytes go out. A driver (a *pump*) moves
/// them between a session and a transport with four kinds of call:
///
/// | kind | calls |
/// |---|---|
/// | bytes in | [`Session::handle_input`], [`Session::handle_eof`] |
/// | time in | [`Session::poll_timeout`], then [`Session::handle_timeout`] once that instant has passed |
/// | bytes out | [`Session::poll_output`] (a borrowed slice), then [`Session::advance_output`] with what the transport took |
/// | events out | [`Session::poll_event`] |
///
/// The application's own calls ([`Session::send_text`], [`Session::ping`],
/// [`Session::close`], ...) only queue output.
///
/// # Call order
///
/// A pump loops:
///
/// 1. drain [`Session::poll_event`]; an [`Event::Failed`] or
///    [`Event::Closed`] is the last;
/// 2. write [`Session::poll_output`] to the transport and report what it
///    took with [`Session::advance_output`] (any amount, 0 included), until
///    it is empty or the transport is full; when
///    [`Session::wants_write_shutdown`] turns true, shut down the sending
///    side;
/// 3. stop once [`Session::is_finished`]: close the transport;
/// 4. wait until the transport has room for the output, or input when
///    [`Session::wants_read`], or the instant of [`Session::poll_timeout`];
///    feed what came with [`Session::handle_input`] (or
///    [`Session::handle_eof`]), or call [`Session::handle_timeout`].
///
/// A pump that hands events over one at a time (a blocking
/// `next_event`) can let [`Session::step`] sort them: an event to hand
/// over, the end (finish the transport first), or nothing yet (do I/O).
///
/// `poll_timeout` is valid after the pump's last call to `poll_output`:
/// the write-progress timer starts when output is offered and not taken.
/// Waking early is harmless; `handle_timeout` does only what is due.
///
/// # Invariants
///
/// - Incomplete input is never an error: it is buffered (within the
///   [`Limits`]) until the rest arrives, whatever the chunking.
/// - No input call returns an error. A failure (the peer broke a rule, a
///   server refused the request, a timer ran out) is queued as
///   [`Event::Failed`] after the events decoded before it, so nothing the
///   peer delivered is lost.
/// - [`Session::poll_event`] only dequeues. The end of a session (the
///   peer's close or end of stream, a failure) takes effect in the input
///   or timer call that found it: the state turns [`State::Closed`] and
///   this side's reply is queued (hixie76 `FF 00`, an RFC 6455 close
///   echoing the peer's code, or the close saying why it failed: 1002,
///   1007, 1009, 1011 or 1001). So a pump that only moves bytes still
///   answers a close. One exception keeps answers in order: an end queued
///   behind messages ([`Event::Message`] not yet polled) waits until its
///   own event is polled, and takes effect in the first output call after
///   that ([`Session::poll_output`], [`Session::poll_output_vectored`],
///   [`Session::advance_output`]). Answers sent until then, before or
///   after polling the end, go out before the close frame.
///   [`Session::has_output`] is true while such an end is due.
///   [`Session::error`] tells the failure once it has taken effect.
/// - Once closing has begun nothing more is queued but the pongs RFC 6455
///   owes until the peer's close arrives (section 5.5.2); after the peer's
///   close or end of stream no input is read as data.
/// - Output never holds more than [`Limits::max_pending_output`]: a send
///   past it fails with [`ProtocolError::PeerNotReading`] and queues nothing.
/// - A server ends TCP first once the closing handshake is done; a client
///   waits up to [`Timeouts::close`] for it to, as RFC 6455 section 7.1.1
///   asks. [`Session::is_finished`] says when.
///
/// # Example
///
/// ```
/// use std::time::Instant;
/// use websocket_engine::*;
///
/// let now = Instant::now();
/// let url = WsUrl::parse("ws://example.com/chat").unwrap();
/// let config = ClientConfig::new(Version::Rfc6455);
/// let mut client = Session::client(&url, config, &mut SeededEntropy::new(1), now).unwrap();
/// let mut server = Session::server(ServerConfig::new(), now);
///
/// // Moves everything one side has to send to the other.
/// fn pass(from: &mut Session, to: &mut Session, now: Instant) {
///     let bytes = from.poll_output(now).to_vec();
///     from.advance_output(bytes.len());
///     to.handle_input(now, &bytes);
/// }
/// pass(&mut client, &mut server, now);
/// pass(&mut server, &mut client, now);
/// assert_eq!(client.poll_event(), Some(Event::Opened));
/// assert_eq!(server.poll_event(), Some(Event::Opened));
///
/// client.send_text("hello").unwrap();
/// pass(&mut client, &mut server, now);
/// assert_eq!(server.poll_event(), Some(Event::Message(Message::text("hello"))));
/// ```
#[derive(Debug)]
pub struct Session {
    role: Role,
    state: State,
    /// The protocol version: a client's from the start, a server's once the
    /// request has told it.
    version: Option<Version>,
    /// The opening handshake, while it is under way.
    handshake: Option<Box<Handshake>>,
    /// The frames of the version spoken, once open.
    framing: Option<Framing>,
    request: Option<Request>,
    response: Option<HandshakeResponse>,
    out: Output,
    events: VecDeque<Event>,
    limits: Limits,
    utf8: Utf8Policy,
    timers: Timers,
    /// The event that ends the session (`Closed` or `Failed`) is queued: no
    /// more input is read as data.
    ending: bool,
    /// The failure the session ended with, once queued.
    failure: Option<ProtocolError>,
    /// The queued end, until it takes effect ([`Session::settle`]).
    unsettled: Option<Unsettled>,
    /// The transport's input has ended.
    eof: bool,
    /// A client waits for the server to end TCP after a clean close.
    awaiting_eof: bool,
    /// A server that defers decisions waits for one: the input read after
    /// the request, kept for when it is accepted.
    undecided: Option<Vec<u8>>,
}

impl Session {
    fn new(role: Role, limits: Limits, timeouts: Timeouts, utf8: Utf8Policy, now: Instant) -> Session {
        Session {
            role,
            state: State::Handshaking,
            version: None,
            handshake: None,
            framing: None,
            request: None,
            response: None,
            out: Output::default(),
            events: VecDeque::new(),
            limits,
            utf8,
            timers: Timers::new(timeouts, now),
            ending: false,
            failure: None,
            unsettled: None,
            eof: false,
            awaiting_eof: false,
            undecided: None,
        }
    }

    /// A client for `url`: its handshake request is queued as output. Keys
    /// (and an RFC 6455 client's masking-key seed) are drawn from `entropy`.
    pub fn client(
        url: &WsUrl,
        config: ClientConfig,
        entropy: &mut dyn Entropy,
        now: Instant,
    ) -> Result<Session, ProtocolError> {
        let (limits, timeouts, utf8) = (config.limits.clone(), config.timeouts.clone(), config.utf8);
        let handshake = ClientHandshake::new(url, config, entropy)?;
        let mut session = Session::new(Role::Client, limits, timeouts, utf8, now);
        session.version = Some(handshake.version());
        let request = handshake.request();
        session.out.room(request.len()).extend_from_slice(request);
        session.timers.start_handshake(now);
        session.handshake = Some(Box::new(Handshake::Client(handshake)));
        Ok(session)
    }

    /// A server waiting for a client's request, which the configuration
    /// decides on ([`ServerConfig::on_request`], or its origins and
    /// subprotocols). A request that is broken or refused is answered with
    /// an HTTP response (a refusal, or for a plain `GET /` the configured
    /// page) before the session fails. Pass an `Arc` to share one
    /// configuration between connections.
    pub fn server(config: impl Into<Arc<ServerConfig>>, now: Instant) -> Session {
        let config = config.into();
        let (limits, timeouts, utf8) = (config.limits.clone(), config.timeouts.clone(), config.utf8);
        let mut session = Session::new(Role::Server, limits, timeouts, utf8, now);
        session.timers.start_handshake(now);
        session.handshake = Some(Box::new(Handshake::Server(ServerHandshake::new(config))));
        session
    }

    /// An open client session whose handshake happened elsewhere (an RFC
    /// 6455 client draws the seed of its masking keys from `entropy`), with
    /// permessage-deflate as `deflate` agreed, if it did (compressing with
    /// the level, memory level and minimum size of the first of
    /// `config.compression`, or the defaults).
    pub fn open_client(
        config: &ClientConfig,
        entropy: &mut dyn Entropy,
        deflate: Option<DeflateParams>,
        now: Instant,
    ) -> Result<Session, ProtocolError> {
        let mut session = Session::new(
            Role::Client,
            config.limits.clone(),
            config.timeouts.clone(),
            config.utf8,
            now,
        );
        let mut seed = None;
        if config.version == Version::Rfc6455 {
            let mut s = [0u8; 32];
            entropy.fill(&mut s)?;
            seed = Some(s);
        }
        let compression = config.compression.first().copied().unwrap_or_default();
        session.open(config.version, seed, deflate.map(|d| (d, compression)), now);
        Ok(session)
    }

    /// An open server session speaking `version`, whose handshake happened
    /// elsewhere, with permessage-deflate as `deflate` agreed, if it did
    /// (compressing with `config.compression`'s settings, or the defaults).
    pub fn open_server(
        version: Version,
        config: &ServerConfig,
        deflate: Option<DeflateParams>,
        now: Instant,
    ) -> Session {
        let mut session = Session::new(
            Role::Server,
            config.limits.clone(),
            config.timeouts.clone(),
            config.utf8,
            now,
        );
        let compression = config.compression.unwrap_or_default();
        session.open(version, None, deflate.map(|d| (d, compression)), now);
        session
    }

    /// This side's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The protocol version, once known (a server learns it from the
    /// request).
    pub fn version(&self) -> Option<Version> {
        self.version
    }

    /// Where the session is in its life.
    pub fn state(&self) -> State {
        self.state
    }

    /// Server side: the client's request, once accepted.
    pub fn request(&self) -> Option<&Request> {
        self.request.as_ref()
    }

    /// Client side: what the server's response said, once accepted.
    pub fn response(&self) -> Option<&HandshakeResponse> {
        self.response.as_ref()
    }

    /// The failure the session ended with, once it has taken effect (the
    /// state is then [`State::Closed`]; see the invariants above for
    /// when). Before that, messages decoded ahead of it can still be
    /// polled and answered. A driver reports it from calls that cannot
    /// poll events, such as a flush.
    pub fn error(&self) -> Option<&ProtocolError> {
        self.failure.as_ref().filter(|_| self.state == State::Closed)
    }

    /// Takes bytes read from the transport at `now`. The handshake, then
    /// the frames, are decoded from them; complete messages become events.
    pub fn handle_input(&mut self, now: Instant, input: &[u8]) {
        self.read(now, input);
        self.settle();
    }

    /// Decodes `input`, queueing what it makes.
    fn read(&mut self, now: Instant, mut input: &[u8]) {
        if input.is_empty() {
            return;
        }
        self.timers.input(now);
        if self.ending {
            // Read after the end (a client draining until the server ends
            // TCP): nothing more is data.
            return;
        }
        if let Some(held) = &mut self.undecided {
            // Nothing is read as data before the decision; a client that
            // sends before its 101 may send a head's worth.
            if held.len() + input.len() > self.limits.max_head_bytes {
                let limit = self.limits.max_head_bytes;
                return self.fail(
                    HandshakeError::HeadTooLarge {
                        from: Role::Client,
                        limit,
                    }
                    .into(),
                );
            }
            return held.extend_from_slice(input);
        }
        if let Some(mut handshake) = self.handshake.take() {
            match handshake.advance(input) {
                Ok(None) => {
                    self.handshake = Some(handshake);
                    return;
                }
                Ok(Some((consumed, Agreed::Undecided(request)))) => {
                    self.handshake = Some(handshake);
                    self.undecided = Some(input[consumed..].to_vec());
                    self.events.push_back(Event::Request(request));
                    return;
                }
                Ok(Some((consumed, agreed))) => {
                    self.agreed(agreed, now);
                    input = &input[consumed..];
                }
                Err(e) => return self.refuse(&handshake, e),
            }
        }
        while !input.is_empty() && !self.ending {
            let Some(framing) = &mut self.framing else { return };
            match framing.decode(input) {
                Ok(None) => return,
                Ok(Some((event, consumed))) => {
                    input = &input[consumed..];
                    self.received(event, now);
                }
                Err(e) => return self.fail(e.into()),
            }
        }
    }

    /// Server with [`ServerConfig::defer_decisions`]: answers the request
    /// that [`Event::Request`] reported, at `now`. An accepted session
    /// opens ([`Event::Opened`] follows); a refused one sends the refusal
    /// and fails with [`HandshakeError::Refused`]. An invalid answer (a
    /// subprotocol the client did not offer, a bad header or status) is
    /// returned as the error and the request still waits.
    pub fn decide(&mut self, now: Instant, decision: Decision) -> Result<(), ProtocolError> {
        let (Some(held), Some(mut handshake)) = (self.undecided.take(), self.handshake.take()) else {
            return Err(UsageError::NoRequest.into());
        };
        match handshake.respond(decision) {
            Ok(agreed) => {
                self.agreed(agreed, now);
                self.handle_input(now, &held);
            }
            Err(e @ ProtocolError::Usage(_)) => {
                self.undecided = Some(held);
                self.handshake = Some(handshake);
                return Err(e);
            }
            Err(e) => {
                self.refuse(&handshake, e);
                self.settle();
            }
        }
        Ok(())
    }

    /// Fails the handshake with `e`, sending the HTTP response it calls for.
    fn refuse(&mut self, handshake: &Handshake, e: ProtocolError) {
        if let Some(refusal) = handshake.refusal(&e) {
            self.out.room(refusal.len()).extend_from_slice(&refusal);
        }
        self.fail(e)
    }

    /// Reports that the transport's input ended at `now`: the peer's last
    /// sign of life, as any input is.
    pub fn handle_eof(&mut self, now: Instant) {
        self.eof_read(now);
        self.settle();
    }

    fn eof_read(&mut self, now: Instant) {
        self.timers.input(now);
        self.eof = true;
        self.awaiting_eof = false;
        if self.ending {
            return;
        }
        if let Some(handshake) = &mut self.handshake {
            let e = handshake.eof();
            return self.fail(e);
        }
        let Some(framing) = &self.framing else { return };
        if !framing.is_between_frames() {
            return self.fail(FrameError::Truncated.into());
        }
        // hixie75 has no closing handshake: its connections end this way.
        let clean = self.version == Some(Version::Hixie75);
        self.end(Closed::with_clean(clean));
    }

    /// The next event, oldest first. It only dequeues: what an event
    /// reports has already taken effect, or takes effect at the next output
    /// call (see the invariants on [`Session`]).
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The next event as a pump that hands events over one at a time
    /// treats it: [`Step::Event`] to hand over, [`Step::End`] once the
    /// session is over (with its last event, then `None`, or the failure
    /// each time), or [`Step::Drive`] when nothing is decoded yet.
    pub fn step(&mut self) -> Step {
        match self.poll_event() {
            Some(Event::Failed(e)) => Step::End(Err(e)),
            Some(event @ Event::Closed(_)) => Step::End(Ok(Some(event))),
            Some(event) => Step::Event(event),
            None if self.state == State::Closed => Step::End(self.error().cloned().map_or(Ok(None), Err)),
            None => Step::Drive,
        }
    }

    /// The bytes waiting to be written, offered to the transport at `now`
    /// (which starts the write-progress timer if they are not all taken).
    /// With [`Session::set_vectored_output`] on, this is only the first run
    /// of them: a payload queued by reference is a run of its own, so more
    /// may wait after it ([`Session::has_output`]).
    pub fn poll_output(&mut self, now: Instant) -> &[u8] {
        self.settle();
        self.timers.offer(now, self.out.is_empty());
        self.out.pending()
    }

    /// As [`Session::poll_output`], every run at once, for a vectored
    /// write: fills `slices` with the runs in order (as many as fit) and
    /// returns how many it filled. Report what the write took with
    /// [`Session::advance_output`], as for `poll_output`.
    pub fn poll_output_vectored<'a>(&'a mut self, now: Instant, slices: &mut [IoSlice<'a>]) -> usize {
        self.settle();
        self.timers.offer(now, self.out.is_empty());
        self.out.pending_vectored(slices)
    }

    /// Lets [`Session::send`] queue a large message's payload by reference
    /// ([`Session::SHARE_FROM`] bytes or more, going out as it is: an RFC 6455
    /// server's, uncompressed) instead of copying it into the output, for
    /// a transport that writes with [`Session::poll_output_vectored`] (or
    /// run by run with `poll_output`). Off by default, so that
    /// `poll_output` gives every waiting byte at once. It applies to what
    /// is sent after it.
    pub fn set_vectored_output(&mut self, on: bool) {
        self.out.set_vectored(on);
    }

    /// True while output waits to be written (what `poll_output` would
    /// give is not empty), or the end of the session waits for
    /// `poll_output` to take effect and queue its reply.
    pub fn has_output(&self) -> bool {
        !self.out.is_empty() || self.end_due()
    }

    /// Reports that the transport took the first `n` bytes of what waits
    /// ([`Session::poll_output`], or the runs of
    /// [`Session::poll_output_vectored`] in order). Any `n` is fine; the
    /// buffer compacts.
    pub fn advance_output(&mut self, n: usize) {
        self.settle();
        self.out.advance(n);
        self.timers.taken(n, self.out.is_empty());
    }

    /// True while the session asks for input: not once the peer's close,
    /// its end of stream or a failure is queued (except for a client
    /// waiting for the server to end TCP), and not while more than
    /// [`Limits::output_high_water`] bytes wait to be sent (so a peer that
    /// does not read cannot make this side queue replies without end).
    pub fn wants_read(&self) -> bool {
        if self.undecided.is_some() {
            return false;
        }
        if self.ending {
            return self.awaiting_eof;
        }
        self.out.len() < self.limits.output_high_water
    }

    /// True once the output is drained and this side will send nothing
    /// more, so the transport's sending side should be shut down: in
    /// hixie75 as soon as closing begins (it has no closing handshake),
    /// otherwise once the session is closed.
    pub fn wants_write_shutdown(&self) -> bool {
        self.out.is_empty()
            && match self.state {
                State::Closing => self.version == Some(Version::Hixie75),
                State::Closed => true,
                _ => false,
            }
    }

    /// True once the session is over: its last event polled, its output
    /// drained (or dropped after a write time-out), and, for a client after
    /// a clean close, the server's end of stream seen or waited for long
    /// enough. The transport can then be closed.
    pub fn is_finished(&self) -> bool {
        self.state == State::Closed && self.out.is_empty() && !self.awaiting_eof
    }

    /// Opens the session after a handshake that agreed on `version`.
    fn open(
        &mut self,
        version: Version,
        mask_seed: Option<[u8; 32]>,
        deflate: Option<(DeflateParams, DeflateConfig)>,
        now: Instant,
    ) {
        self.version = Some(version);
        self.framing = Some(Framing::new(
            version,
            self.role,
            self.utf8,
            &self.limits,
            mask_seed,
            deflate,
        ));
        self.state = State::Open;
        self.timers.opened(now);
        self.events.push_back(Event::Opened);
    }

    fn agreed(&mut self, agreed: Agreed, now: Instant) {
        match agreed {
            Agreed::Client {
                response,
                mask_seed,
                deflate,
            } => {
                self.response = Some(response);
                let version = self.version.expect("a client knows its version");
                self.open(version, mask_seed, deflate, now);
            }
            Agreed::Server {
                request,
                response,
                deflate,
            } => {
                self.out.room(response.len()).extend_from_slice(&response);
                let version = request.version;
                self.request = Some(request);
                self.open(version, None, deflate, now);
            }
            Agreed::Undecided(_) => unreachable!("an undecided request is held, not agreed"),
        }
    }

    /// Queues what a decoded frame makes.
    fn received(&mut self, event: Event, now: Instant) {
        match event {
            // Section 5.5.2: every ping is answered "unless [this side]
            // already received a Close frame", even after sending one.
            Event::Ping(ref payload) => {
                if let Err(e) = self.queue_control(crate::framing::rfc6455::OpCode::Pong, payload) {
                    return self.fail(e);
                }
                self.events.push_back(event);
            }
            Event::Closed(closed) => {
                // One deadline for the whole close if this side began it.
                self.timers.close_from(now);
                self.end(closed);
            }
            event => self.events.push_back(event),
        }
    }

    /// Queues the peer's close or end of stream; stops reading.
    fn end(&mut self, closed: Closed) {
        self.ending = true;
        let (clean, code) = (closed.clean, closed.code);
        self.unsettled = Some(self.unsettled(Ending::Closed { clean, code }));
        self.events.push_back(Event::Closed(closed));
    }

    /// Queues the failure after the events before it; stops reading.
    fn fail(&mut self, e: ProtocolError) {
        if self.ending {
            return;
        }
        self.ending = true;
        self.unsettled = Some(self.unsettled(Ending::Failed));
        self.failure = Some(e.clone());
        self.events.push_back(Event::Failed(e));
    }

    /// An end about to be queued: behind messages, it waits for its own
    /// event to be polled, so that the answers to them go out first.
    fn unsettled(&self, ending: Ending) -> Unsettled {
        let behind_messages = self.events.iter().any(|e| matches!(e, Event::Message(_)));
        Unsettled {
            ending,
            behind_messages,
        }
    }

    /// True when the queued end can take effect: it came behind no
    /// message, or its event (always the last) has been polled.
    fn end_due(&self) -> bool {
        self.unsettled
            .as_ref()
            .is_some_and(|u| !u.behind_messages || self.events.is_empty())
    }

    /// Makes the queued end take effect once it is due: the session
    /// closes, and this side's reply is queued (hixie76 `FF 00`; RFC 6455 a
    /// close echoing the peer's code, or one saying why it failed) if this
    /// side had not closed first.
    fn settle(&mut self) {
        if !self.end_due() {
            return;
        }
        let open = self.state == State::Open;
        let reply = match self.unsettled.take().map(|u| u.ending) {
            Some(Ending::Closed { clean, code }) => {
                self.awaiting_eof =
                    clean && self.role == Role::Client && self.version != Some(Version::Hixie75) && !self.eof;
                // The peer's code was valid to receive, so it is valid to echo.
                (open && clean).then_some(code)
            }
            _ => self
                .failure
                .as_ref()
                .and_then(ProtocolError::close_code)
                .filter(|_| open && self.version == Some(Version::Rfc6455))
                .map(Some),
        };
        if let (Some(code), Some(framing)) = (reply, &mut self.framing) {
            let _ = framing.close(self.out.room(MAX_OVERHEAD + 2), code, "");
        }
        self.state = State::Closed;
    }
}

/// A queued end that has not taken effect yet.
#[derive(Debug)]
struct Unsettled {
    ending: Ending,
    /// Messages were queued before it.
    behind_messages: bool,
}

/// How a queued end came about.
#[derive(Debug)]
enum Ending {
    /// The peer closed or ended its stream: cleanly or not, with the code
    /// its close frame had.
    Closed { clean: bool, code: Option<u16> },
    /// The session failed ([`Session::error`] holds why).
    Failed,
}
