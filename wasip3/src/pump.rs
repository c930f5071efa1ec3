//! The pump: moves bytes and instants between a socket's two streams and a
//! [`Session`], one completed operation per [`Pump::poll`].
//!
//! Every operation in flight is a future that owns its end of a stream
//! (and the socket's result for that side) and gives them back when done,
//! so a caller that stops waiting cancels nothing: the operation stays
//! here, and its bytes reach the session on the next poll.
//!
//! A read waits with its buffer, which the host fills when data comes: a
//! small one (2 KiB) unless the last read filled its own, so that an idle
//! connection holds little. (A zero-length read, a readiness check, would
//! hold none, but costs a second host call and wake-up per read: half
//! the echo server's messages per second at 1000 connections.)

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use wasip3::sockets::types::{ErrorCode, TcpSocket};
use wasip3::wit_bindgen::{FutureReader, StreamReader, StreamResult, StreamWriter};

use super::timer::Timer;
use super::{buffers, Streams};
use websocket_engine::Session;
use websocket_io::Error;

/// The most bytes one write hands the host.
const WRITE_CHUNK: usize = 64 * 1024;

/// An operation under way.
type Op<T> = Pin<Box<dyn Future<Output = T>>>;

/// The socket's result for one side, ready once that side's stream is
/// dropped and the side is done (none for streams that are not a socket's).
type Ended = Option<FutureReader<Result<(), ErrorCode>>>;

/// Waits for a side's result, if it has one.
async fn ended(side: Ended) -> Result<(), ErrorCode> {
    match side {
        Some(result) => result.await,
        None => Ok(()),
    }
}

enum Input {
    Idle(StreamReader<u8>, Ended),
    Busy(Op<InputDone>),
    Closed,
}

/// A read's outcome.
enum InputDone {
    /// Bytes, maybe none; the stream goes on.
    Read(StreamReader<u8>, Ended, Vec<u8>),
    /// The stream ended, and the socket's result for it.
    End(Result<(), ErrorCode>, Vec<u8>),
}

enum Output {
    Idle(StreamWriter<u8>, Ended),
    /// A write, or the end of the stream.
    Busy(Op<OutputDone>),
    Closed,
}

/// A write's outcome.
enum OutputDone {
    Wrote(StreamWriter<u8>, Ended, usize, Vec<u8>),
    /// The stream ended (the host dropped it, or we did to shut sending
    /// down), and the socket's result for it.
    End(Result<(), ErrorCode>),
}

pub(crate) struct Pump {
    input: Input,
    output: Output,
    /// The last read filled its buffer, so more input may be waiting: the
    /// next read takes a large buffer.
    more_input: bool,
    timer: Timer,
    /// Dropped last, after both streams.
    _socket: Option<TcpSocket>,
}

impl Pump {
    pub(crate) fn new(streams: Streams) -> Self {
        Pump {
            input: Input::Idle(streams.input, streams.received),
            output: Output::Idle(streams.output, streams.sent),
            more_input: false,
            timer: Timer::default(),
            _socket: streams.socket,
        }
    }

    /// True once sending is shut down and the socket sent everything.
    pub(crate) fn output_closed(&self) -> bool {
        matches!(self.output, Output::Closed)
    }

    /// Ends the output stream (if no write is under way), whatever the
    /// session wants: the connection is over.
    pub(crate) fn close_output(&mut self) {
        if let Output::Idle(..) = self.output {
            self.end_output();
        }
    }

    /// Starts what the session wants (a write, a read if `read`, its timer)
    /// and waits until one operation is done; hands its result to the
    /// session. A read already under way goes on whatever `read` says.
    /// One clock reading per call (each is a host call): the operations
    /// that completed did so since the task woke for this call.
    pub(crate) fn poll(
        &mut self,
        session: &mut Session,
        cx: &mut Context<'_>,
        read: bool,
    ) -> Poll<Result<(), Error>> {
        let now = Instant::now();
        self.start_write(session, now);
        if read {
            self.start_read(session);
        }
        self.timer.arm(session.poll_timeout(), now);
        // The timer first: a peer whose bytes complete a read on every
        // call must not keep it from being polled (a flood while closing
        // would hold the close time-out off).
        if self.timer.poll(cx).is_ready() {
            session.handle_timeout(now);
            return Poll::Ready(Ok(()));
        }
        if let Output::Busy(op) = &mut self.output {
            if let Poll::Ready(done) = op.as_mut().poll(cx) {
                return Poll::Ready(self.wrote(session, done));
            }
        }
        if let Input::Busy(op) = &mut self.input {
            if let Poll::Ready(done) = op.as_mut().poll(cx) {
                return Poll::Ready(self.read(session, done, now));
            }
        }
        Poll::Pending
    }

    fn wrote(&mut self, session: &mut Session, done: OutputDone) -> Result<(), Error> {
        match done {
            OutputDone::Wrote(output, sent, n, buf) => {
                self.output = Output::Idle(output, sent);
                // The session dropped its output if its write timer ran out.
                if session.has_output() {
                    session.advance_output(n);
                }
                buffers::give_back(buf);
                Ok(())
            }
            OutputDone::End(result) => {
                self.output = Output::Closed;
                result.map_err(|e| Error::transport("send", e))
            }
        }
    }

    fn read(&mut self, session: &mut Session, done: InputDone, now: Instant) -> Result<(), Error> {
        match done {
            InputDone::Read(input, received, buf) => {
                self.input = Input::Idle(input, received);
                if !buf.is_empty() {
                    self.more_input = buf.len() == buf.capacity();
                    session.handle_input(now, &buf);
                }
                buffers::give_back(buf);
                Ok(())
            }
            InputDone::End(result, buf) => {
                self.input = Input::Closed;
                buffers::give_back(buf);
                result.map_err(|e| Error::transport("receive", e))?;
                session.handle_eof(now);
                Ok(())
            }
        }
    }

    /// Hands the host the session's output (up to [`WRITE_CHUNK`] bytes)
    /// unless a write is under way; once nothing more will be sent, ends
    /// the output stream, which shuts the socket's sending side down.
    fn start_write(&mut self, session: &mut Session, now: Instant) {
        if !matches!(self.output, Output::Idle(..)) {
            if session.has_output() {
                // Offered while a write is under way: this starts the
                // session's write-progress timer.
                session.poll_output(now);
            }
            return;
        }
        if !session.has_output() {
            if session.wants_write_shutdown() {
                self.end_output();
            }
            return;
        }
        let Output::Idle(mut output, sent) = std::mem::replace(&mut self.output, Output::Closed) else {
            unreachable!("matched above")
        };
        let pending = session.poll_output(now);
        let mut buf = buffers::take(true);
        buf.extend_from_slice(&pending[..pending.len().min(WRITE_CHUNK)]);
        self.output = Output::Busy(Box::pin(async move {
            let (result, rest) = output.write(buf).await;
            match result {
                StreamResult::Dropped => {
                    drop(output);
                    OutputDone::End(ended(sent).await.and(Err(ErrorCode::ConnectionBroken)))
                }
                StreamResult::Complete(n) => OutputDone::Wrote(output, sent, n, rest.into_vec()),
                StreamResult::Cancelled => OutputDone::Wrote(output, sent, 0, rest.into_vec()),
            }
        }));
    }

    /// Drops the output stream, which ends the socket's sending side once
    /// it sent everything, and waits for the socket to say so.
    fn end_output(&mut self) {
        let Output::Idle(output, sent) = std::mem::replace(&mut self.output, Output::Closed) else {
            return;
        };
        drop(output);
        self.output = Output::Busy(Box::pin(async move { OutputDone::End(ended(sent).await) }));
    }

    /// Starts a read if the session wants input and none is under way,
    /// into a large buffer if the last read suggests more input is waiting,
    /// else a small one.
    fn start_read(&mut self, session: &Session) {
        if !session.wants_read() || !matches!(self.input, Input::Idle(..)) {
            return;
        }
        let Input::Idle(mut input, received) = std::mem::replace(&mut self.input, Input::Closed) else {
            unreachable!("matched above")
        };
        let buf = buffers::take(std::mem::take(&mut self.more_input));
        self.input = Input::Busy(Box::pin(async move {
            let (result, buf) = input.read(buf).await;
            if result == StreamResult::Dropped {
                // The stream goes before its result is awaited: the socket
                // ends its receiving side only then.
                drop(input);
                return InputDone::End(ended(received).await, buf);
            }
            InputDone::Read(input, received, buf)
        }));
    }
}
