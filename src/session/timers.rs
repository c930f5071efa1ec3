//! The session's timers: the opening and closing handshakes, write
//! progress, keepalive and idleness. Each is an instant computed from the
//! [`Timeouts`] and the instants the caller passed in.

use std::time::{Duration, Instant};

use super::{Closed, Session, State};
use crate::error::{Phase, ProtocolError};
use crate::framing::rfc6455::OpCode;
use crate::timeouts::Timeouts;
use crate::version::Version;

#[derive(Debug)]
pub(super) struct Timers {
    timeouts: Timeouts,
    /// When the opening handshake times out.
    handshake: Option<Instant>,
    /// When the closing handshake times out (or a client stops waiting for
    /// the server to end TCP).
    close: Option<Instant>,
    /// When the peer last sent anything (or the session opened).
    last_input: Instant,
    /// When the keepalive ping still unanswered was sent.
    ping_sent: Option<Instant>,
    /// Output has been offered since then without the transport taking a
    /// byte of it.
    write_since: Option<Instant>,
    /// The transport took bytes since `write_since`.
    progress: bool,
}

impl Timers {
    pub(super) fn new(timeouts: Timeouts, now: Instant) -> Timers {
        Timers {
            timeouts,
            handshake: None,
            close: None,
            last_input: now,
            ping_sent: None,
            write_since: None,
            progress: false,
        }
    }

    pub(super) fn start_handshake(&mut self, now: Instant) {
        self.handshake = Some(now + self.timeouts.handshake);
    }

    pub(super) fn opened(&mut self, now: Instant) {
        self.handshake = None;
        self.last_input = now;
    }

    /// The peer sent something: it is alive.
    pub(super) fn input(&mut self, now: Instant) {
        self.last_input = now;
        self.ping_sent = None;
    }

    /// Closing began at `now` (on either side), unless it began earlier.
    pub(super) fn close_from(&mut self, now: Instant) {
        self.close.get_or_insert(now + self.timeouts.close);
    }

    /// Output is offered to the transport at `now`.
    pub(super) fn offer(&mut self, now: Instant, empty: bool) {
        if empty {
            self.write_since = None;
        } else if self.write_since.is_none() || self.progress {
            self.write_since = Some(now);
        }
        self.progress = false;
    }

    /// The transport took `n` bytes.
    pub(super) fn taken(&mut self, n: usize, empty: bool) {
        if empty {
            self.write_since = None;
        }
        self.progress |= n > 0;
    }

    fn write_deadline(&self) -> Option<Instant> {
        self.write_since.map(|since| since + self.timeouts.write)
    }

    /// The next keepalive instant in an open RFC 6455 session: when to
    /// ping, or when the peer's silence since the ping fails it.
    fn keepalive_deadline(&self) -> Option<Instant> {
        match self.ping_sent {
            Some(sent) => self.timeouts.ping_timeout.map(|t| sent + t),
            None => self.timeouts.ping_interval.map(|i| self.last_input + i),
        }
    }

    fn idle_deadline(&self) -> Option<Instant> {
        self.timeouts.idle.map(|i| self.last_input + i)
    }
}

/// The earlier of two optional instants.
fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn due(deadline: Option<Instant>, now: Instant) -> bool {
    deadline.is_some_and(|d| now >= d)
}

fn timeout(during: Phase, limit: Duration) -> ProtocolError {
    ProtocolError::Timeout { during, limit }
}

impl Session {
    /// The instant at which [`Session::handle_timeout`] should next be
    /// called, if any timer runs: the opening or closing handshake's
    /// deadline, stalled output's, the next keepalive ping or its deadline,
    /// or the idle deadline.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let t = &self.timers;
        let write = t.write_deadline();
        // Once the end is queued, only the output still runs a timer.
        if self.ending && self.state != State::Closed {
            return write;
        }
        let other = match self.state {
            State::Handshaking => t.handshake,
            State::Open => {
                let keepalive = t
                    .keepalive_deadline()
                    .filter(|_| self.version == Some(Version::Rfc6455));
                earliest(keepalive, t.idle_deadline())
            }
            State::Closing => t.close,
            State::Closed => t.close.filter(|_| self.awaiting_eof),
        };
        earliest(write, other)
    }

    /// Runs the timers due at `now`: a handshake that took too long, output
    /// the transport has not taken (its bytes are dropped), a keepalive
    /// ping to send or one the peer left unanswered, an idle peer. Each
    /// failure is queued as [`Event::Failed`](super::Event::Failed); a hixie75 close that timed
    /// out ends cleanly, as that draft has no closing handshake.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.run_timers(now);
        self.settle();
    }

    fn run_timers(&mut self, now: Instant) {
        let t = &mut self.timers;
        if t.progress {
            // The transport took bytes since the timer started: restart it.
            t.write_since = t.write_since.map(|_| now);
            t.progress = false;
        } else if due(t.write_deadline(), now) {
            let limit = t.timeouts.write;
            t.write_since = None;
            // The transport takes nothing: drop the output and stop sending.
            self.out.clear();
            self.state = State::Closed;
            self.awaiting_eof = false;
            self.fail(timeout(Phase::Writing, limit));
            // Closed already, and with nothing more to send.
            self.unsettled = None;
            return;
        }
        if self.ending && self.state != State::Closed {
            return;
        }
        let t = &self.timers;
        match self.state {
            State::Handshaking if due(t.handshake, now) => {
                self.fail(timeout(Phase::Handshake, t.timeouts.handshake));
            }
            State::Open => self.keepalive(now),
            State::Closing if due(t.close, now) => {
                if self.version == Some(Version::Hixie75) {
                    self.end(Closed::with_clean(true));
                } else {
                    self.fail(timeout(Phase::Closing, t.timeouts.close));
                }
            }
            State::Closed if due(t.close, now) => self.awaiting_eof = false,
            _ => {}
        }
    }

    /// Fails an idle peer; in RFC 6455 pings a silent one, and fails it if
    /// it stays silent.
    fn keepalive(&mut self, now: Instant) {
        let t = &self.timers;
        if due(t.idle_deadline(), now) {
            let limit = t.timeouts.idle.expect("an idle deadline");
            return self.fail(timeout(Phase::Idle, limit));
        }
        if self.version != Some(Version::Rfc6455) || !due(t.keepalive_deadline(), now) {
            return;
        }
        if t.ping_sent.is_some() {
            let limit = t.timeouts.ping_timeout.expect("a ping deadline");
            return self.fail(timeout(Phase::Keepalive, limit));
        }
        // With no room for it, the output is stuck: the write timer decides.
        let _ = self.queue_control(OpCode::Ping, b"");
        self.timers.ping_sent = Some(now);
    }
}
