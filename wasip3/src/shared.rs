//! A connection many tasks use at once: one waits for events while others
//! send. Its I/O runs in a driver task of its own, so that every stream
//! operation and timer stays with one component-model task whatever the
//! calls that wait for them do: a call that returns, or is cancelled,
//! leaves nothing behind it.
//!
//! The driver starts with the first async call (from within that call's
//! task, which lives on after the call returns until the driver ends) and
//! works while there is demand: a call waiting for an event (then it
//! reads), or bytes queued to write. It ends when the connection is over
//! and has sent everything, or when the handle is dropped.
//!
//! Calls and the driver meet in one `RefCell`, borrowed only within a
//! poll, and wake each other: every completed operation wakes the waiting
//! calls, every call that needs I/O wakes the driver. (Waking a task
//! asleep in another component-model task takes wit-bindgen's
//! `inter-task-wakeup` feature.)

use std::cell::RefCell;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use super::pump::Pump;
use super::Connection;
use websocket_engine::{Decision, Event, Message, Session, Step};
use websocket_io::{pump, Error};

/// A WebSocket connection whose calls take `&self` and may overlap.
pub struct SharedConnection {
    inner: Rc<RefCell<Inner>>,
}

struct Inner {
    session: Session,
    /// None once the driver ended.
    pump: Option<Pump>,
    /// How the session ended, held while its last bytes go out.
    end: Option<Result<Option<Event>, Error>>,
    /// The session ended (`end` may be handed over already).
    ending: bool,
    /// The driver finished: the connection is over.
    over: bool,
    /// The transport failed; every later call reports it.
    failed: Option<Error>,
    /// A call waits for an event: the driver reads.
    want_read: bool,
    /// The calls waiting for progress.
    waiting: Vec<Waker>,
    driver: Option<Waker>,
    driver_started: bool,
    /// The handle was dropped: the driver ends.
    dropped: bool,
}

impl From<Connection> for SharedConnection {
    fn from(conn: Connection) -> Self {
        let (session, pump, end) = conn.into_parts();
        SharedConnection {
            inner: Rc::new(RefCell::new(Inner {
                session,
                pump: Some(pump),
                ending: end.is_some(),
                end,
                over: false,
                failed: None,
                want_read: false,
                waiting: Vec::new(),
                driver: None,
                driver_started: false,
                dropped: false,
            })),
        }
    }
}

impl Drop for SharedConnection {
    fn drop(&mut self) {
        let mut inner = self.inner.borrow_mut();
        inner.dropped = true;
        if let Some(driver) = inner.driver.take() {
            driver.wake();
        }
    }
}

impl SharedConnection {
    /// Reads the session: state, version, request or response.
    pub fn with_session<T>(&self, f: impl FnOnce(&Session) -> T) -> T {
        f(&self.inner.borrow().session)
    }

    /// Waits for the next event; `None` once the connection is over. A
    /// failure is the last event, returned as the error (and again by later
    /// calls) once what it queued for the peer has been sent.
    pub async fn next_event(&self) -> Result<Option<Event>, Error> {
        self.start_driver();
        poll_fn(|cx| self.inner.borrow_mut().poll_event(cx)).await
    }

    /// Waits for the next message; `None` once the connection is over.
    pub async fn read_message(&self) -> Result<Option<Message>, Error> {
        while let Some(event) = self.next_event().await? {
            if let Some(message) = event.into_message() {
                return Ok(message);
            }
        }
        Ok(None)
    }

    /// Queues what `queue` does to the session (a send, a ping, a close)
    /// and waits until the transport took everything queued.
    pub async fn send_with(
        &self,
        queue: impl FnOnce(&mut Session, Instant) -> Result<(), Error>,
    ) -> Result<(), Error> {
        {
            let mut inner = self.inner.borrow_mut();
            if let Some(e) = &inner.failed {
                return Err(e.clone());
            }
            queue(&mut inner.session, Instant::now())?;
        }
        self.flush().await
    }

    /// Sends a message ([`Session::send`]).
    pub async fn send(&self, message: &Message) -> Result<(), Error> {
        self.send_with(|session, _| Ok(session.send(message)?)).await
    }

    /// Answers a deferred request ([`Session::decide`]).
    pub async fn decide(&self, decision: Decision) -> Result<(), Error> {
        self.send_with(|session, now| Ok(session.decide(now, decision)?))
            .await
    }

    /// Waits until everything queued has been taken by the transport, or
    /// the session's write time-out fails it.
    pub async fn flush(&self) -> Result<(), Error> {
        self.start_driver();
        poll_fn(|cx| self.inner.borrow_mut().poll_flush(cx)).await
    }

    /// Spawns the driver into the current task, once.
    fn start_driver(&self) {
        let mut inner = self.inner.borrow_mut();
        if std::mem::replace(&mut inner.driver_started, true) {
            return;
        }
        let inner = Rc::clone(&self.inner);
        wasip3::wit_bindgen::spawn_local(async move {
            poll_fn(|cx| inner.borrow_mut().poll_driver(cx)).await;
        });
    }
}

impl Inner {
    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<Event>, Error>> {
        loop {
            if let Some(e) = &self.failed {
                return Poll::Ready(Err(e.clone()));
            }
            if self.ending {
                if !self.over {
                    return self.wait(cx);
                }
                return Poll::Ready(match self.end.take() {
                    Some(end) => end,
                    None => match self.session.step() {
                        Step::End(end) => end.map_err(Error::from),
                        Step::Event(event) => Ok(Some(event)),
                        Step::Drive => Ok(None),
                    },
                });
            }
            match self.session.step() {
                Step::Event(event) => return Poll::Ready(Ok(Some(event))),
                Step::End(end) => {
                    self.end = Some(end.map_err(Error::from));
                    self.ending = true;
                }
                Step::Drive => {
                    self.want_read = true;
                    return self.wait(cx);
                }
            }
        }
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if let Some(e) = &self.failed {
            return Poll::Ready(Err(e.clone()));
        }
        if self.session.has_output() && !self.over {
            return self.wait(cx);
        }
        Poll::Ready(pump::flushed(&self.session))
    }

    /// Registers a call that waits for progress, and wakes the driver.
    fn wait<T>(&mut self, cx: &mut Context<'_>) -> Poll<T> {
        if !self.waiting.iter().any(|w| w.will_wake(cx.waker())) {
            self.waiting.push(cx.waker().clone());
        }
        if let Some(driver) = self.driver.take() {
            driver.wake();
        }
        Poll::Pending
    }

    /// The driver: one pump operation at a time while there is demand,
    /// waking the waiting calls after each.
    fn poll_driver(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.driver = Some(cx.waker().clone());
        loop {
            let Some(pump) = self.pump.as_mut().filter(|_| !self.dropped) else {
                return self.stop();
            };
            let polled = if self.ending {
                // Best effort: the peer may be gone already.
                if self.session.is_finished() {
                    pump.close_output();
                    if pump.output_closed() {
                        return self.stop();
                    }
                }
                match pump.poll(&mut self.session, cx, true) {
                    Poll::Ready(Err(_)) => return self.stop(),
                    polled => polled,
                }
            } else if self.want_read || self.session.has_output() {
                pump.poll(&mut self.session, cx, self.want_read)
            } else {
                return Poll::Pending;
            };
            match polled {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(result) => {
                    if let Err(e) = result {
                        self.failed = Some(e);
                        return self.stop();
                    }
                    // A call that still needs input asks again.
                    self.want_read = false;
                    self.wake_waiting();
                }
            }
        }
    }

    /// Ends the driver: drops the streams and wakes every waiting call.
    fn stop(&mut self) -> Poll<()> {
        self.pump = None;
        self.over = true;
        self.ending = true;
        self.driver = None;
        self.wake_waiting();
        Poll::Ready(())
    }

    fn wake_waiting(&mut self) {
        for waker in self.waiting.drain(..) {
            waker.wake();
        }
    }
}
