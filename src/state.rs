//! Where a session is in its life; its own module, so that the errors
//! that name a state do not depend on the session.

/// Where a session is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// The opening handshake is under way.
    Handshaking,
    /// Messages flow both ways.
    Open,
    /// This side has begun closing (hixie76: sent `FF 00`; RFC 6455: sent a
    /// close frame; hixie75: stopped sending); messages from the peer are
    /// still delivered.
    Closing,
    /// Closed: the closing handshake finished, the transport ended, or the
    /// session failed. Set by the call that queued
    /// [`Event::Closed`](crate::Event::Closed) or
    /// [`Event::Failed`](crate::Event::Failed), or, for an end queued
    /// behind messages, by the first output call after its event is polled
    /// (see [`Session`](crate::Session)'s invariants).
    Closed,
}
