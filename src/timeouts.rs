//! Every timer a session runs, with its default.

use std::time::Duration;

use crate::setters::setters;

/// How long a session waits for the peer, and when it checks that the
/// peer is still there. The session enforces all of them itself, on the
/// instants its caller passes in ([`Session::handle_timeout`]); it never
/// reads a clock.
///
/// | field | default | what runs out |
/// |---|---|---|
/// | `handshake` | 10 s | the opening handshake is not complete |
/// | `close` | 5 s | the peer has not answered this side's close (or, for a client, not ended TCP after the closing handshake) |
/// | `write` | 30 s | output is waiting and the transport has taken none of it |
/// | `ping_interval` | 20 s | RFC 6455: nothing came from the peer; a ping is sent |
/// | `ping_timeout` | 20 s | RFC 6455: nothing came from the peer since that ping |
/// | `idle` | off | nothing came from the peer (any version; the hixie drafts have no ping) |
///
/// The keepalive defaults are those of Python `websockets`. Any byte from
/// the peer counts as a sign of life, not only the pong: a peer busy
/// sending a large message is alive even when its pong waits behind it.
///
/// Each field has a builder method of the same name:
///
/// ```
/// use std::time::Duration;
/// let timeouts = websocket_engine::Timeouts::new()
///     .ping_interval(Some(Duration::from_secs(5)))
///     .idle(Some(Duration::from_secs(60)));
/// assert_eq!(timeouts.handshake, Duration::from_secs(10));
/// ```
///
/// [`Session::handle_timeout`]: crate::Session::handle_timeout
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// How long the peer has to complete the opening handshake, from the
    /// session's start. Default 10 s.
    pub handshake: Duration,
    /// How long the peer has to complete the closing handshake once this
    /// side began it (hixie76 and RFC 6455; a hixie75 connection, which has
    /// none, then ends cleanly), and how long a client waits for the
    /// server to end TCP after a clean close. Default 5 s.
    pub close: Duration,
    /// How long output may wait without the transport taking a byte of it
    /// before the connection fails. Default 30 s.
    pub write: Duration,
    /// RFC 6455: after this long without a byte from the peer, send a
    /// ping. `None` sends none. Default 20 s.
    pub ping_interval: Option<Duration>,
    /// RFC 6455: how long after a keepalive ping the peer has to send
    /// anything (its pong, or any other byte) before the connection fails
    /// with close code 1011. `None` waits forever. Default 20 s.
    pub ping_timeout: Option<Duration>,
    /// Any version: after this long without a byte from the peer, the
    /// connection fails (RFC 6455 with close code 1001). `None` (the
    /// default) never.
    pub idle: Option<Duration>,
}

impl Timeouts {
    /// Every timer at its default.
    pub fn new() -> Timeouts {
        Timeouts::default()
    }
}

setters!(Timeouts {
    handshake: Duration,
    close: Duration,
    write: Duration,
    ping_interval: Option<Duration>,
    ping_timeout: Option<Duration>,
    idle: Option<Duration>,
});

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            handshake: Duration::from_secs(10),
            close: Duration::from_secs(5),
            write: Duration::from_secs(30),
            ping_interval: Some(Duration::from_secs(20)),
            ping_timeout: Some(Duration::from_secs(20)),
            idle: None,
        }
    }
}
