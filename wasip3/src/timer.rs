//! The session's next deadline as a `wasi:clocks/monotonic-clock@0.3`
//! wait, made again only when the deadline moves earlier than the wait
//! under way, and kept while there is no deadline: input moves the
//! keepalive deadline later on every message, and a wait per message would
//! be a host call (and a cancelled subtask) per message. A wait that ends
//! before the deadline it stood for is harmless: the session's
//! `handle_timeout` acts only on what is due, and the next drive arms the
//! timer again.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use wasip3::clocks::monotonic_clock;

/// A `wait-for` under way.
type Wait = Pin<Box<dyn Future<Output = ()>>>;

#[derive(Default)]
pub(crate) struct Timer {
    /// The wait under way and the deadline it ends at.
    wait: Option<(Instant, Wait)>,
}

impl Timer {
    /// Waits for `deadline`, unless a wait that ends no later is under
    /// way. No deadline keeps the wait under way, if any: dropping it would
    /// make the next deadline a new wait, and a hixie connection (no
    /// keepalive) has a deadline only while output waits, so that would be
    /// a wait and a cancelled subtask per message (half the server's
    /// messages per second).
    pub(crate) fn arm(&mut self, deadline: Option<Instant>, now: Instant) {
        let armed = self.wait.as_ref().map(|(armed, _)| *armed);
        let Some(deadline) = websocket_io::pump::rearm(armed, deadline) else {
            return;
        };
        let left = deadline.saturating_duration_since(now);
        let nanos = u64::try_from(left.as_nanos()).unwrap_or(u64::MAX);
        self.wait = Some((deadline, Box::pin(monotonic_clock::wait_for(nanos))));
    }

    /// Ready once the wait is over; the timer is then disarmed.
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some((_, wait)) = &mut self.wait else {
            return Poll::Pending;
        };
        let done = wait.as_mut().poll(cx);
        if done.is_ready() {
            self.wait = None;
        }
        done
    }
}

/// Waits for `limit`, then gives `None`, unless `work` finishes first.
pub(crate) async fn within<T>(limit: Duration, work: impl Future<Output = T>) -> Option<T> {
    let mut work = std::pin::pin!(work);
    let nanos = u64::try_from(limit.as_nanos()).unwrap_or(u64::MAX);
    let mut timer = std::pin::pin!(monotonic_clock::wait_for(nanos));
    std::future::poll_fn(|cx| {
        if let Poll::Ready(done) = work.as_mut().poll(cx) {
            return Poll::Ready(Some(done));
        }
        timer.as_mut().poll(cx).map(|()| None)
    })
    .await
}
