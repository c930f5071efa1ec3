//! The echo server as a command component (`wasmtime run -S
//! inherit-network serve.wasm --listen ADDR`): one thread, every connection
//! multiplexed through `wasi:io/poll`.
//!
//! Nothing here blocks but the one `poll` per turn. Each turn waits on the
//! listener, the pollables each connection wants now (borrowed: no handle
//! is made per turn) and one timer for the earliest deadline; then every
//! ready connection gets one round of I/O (at most one read), its events
//! echoed, and what its output takes, yielding to the host every few
//! connections so that its I/O budget lasts ([`yield_to_host`]). A peer
//! that floods is read no faster than the others; one that does not read
//! stops being read once its replies pile up (the session's high-water
//! mark) and is cut off by the write time-out.

use std::time::Instant;

use wasi::clocks::monotonic_clock;
use wasi::io::poll::{poll, Pollable};
use websocket_engine::Event;
use websocket_wasi::{yield_to_host, Listener, StreamConnection};

use crate::{die, Args};

/// Connections served between yields to the host: each round costs about 5
/// of the host's 128 I/O operations between waits.
const CONNECTIONS_PER_YIELD: usize = 16;

/// `poll` reports at most about 128 ready pollables (the host's budget), the
/// same lowest-numbered ones first; when it reports this many, more may be
/// ready, and the turn serves every connection so that none starves.
const SWEEP_ABOVE: usize = 64;

/// What a pollable in a turn's list belongs to.
#[derive(Clone, Copy)]
enum Owner {
    Listener,
    Timer,
    Connection(usize),
}

pub fn run(args: Args) {
    if args.tls.is_some() {
        die("--tls-cert", "this command component has no TLS server (wasi:tls is client-only); run the native build, with or without --native");
    }
    let listener = Listener::bind(&args.listen, args.backlog, args.config())
        .unwrap_or_else(|e| die(&format!("cannot listen on {}", args.listen), e));
    crate::announce(listener.local_address(), false);
    let mut conns: Vec<StreamConnection> = Vec::new();
    loop {
        let now = Instant::now();
        // Wake for the earliest timer too: a silent peer must meet its deadline.
        let timer = conns
            .iter()
            .filter_map(|c| c.session().poll_timeout())
            .min()
            .map(|d| {
                let left = d.saturating_duration_since(now).as_nanos();
                monotonic_clock::subscribe_duration(u64::try_from(left).unwrap_or(u64::MAX))
            });
        let mut pollables: Vec<&Pollable> = vec![listener.ready()];
        let mut owners = vec![Owner::Listener];
        for (i, conn) in conns.iter().enumerate() {
            for p in conn.pollables() {
                pollables.push(p);
                owners.push(Owner::Connection(i));
            }
        }
        if let Some(t) = &timer {
            pollables.push(t);
            owners.push(Owner::Timer);
        }
        let mut ready = vec![false; conns.len()];
        let mut accept = false;
        let reported = poll(&pollables);
        if reported.len() > SWEEP_ABOVE {
            ready.fill(true);
        }
        for index in reported {
            match owners[index as usize] {
                Owner::Listener => accept = true,
                Owner::Connection(i) => ready[i] = true,
                Owner::Timer => {
                    let now = Instant::now();
                    for (i, conn) in conns.iter().enumerate() {
                        ready[i] |= conn.session().poll_timeout().is_some_and(|d| d <= now);
                    }
                }
            }
        }
        drop(pollables);
        // Highest first, so that swap_remove only moves a connection that
        // was served already.
        let ready = (0..ready.len()).rev().filter(|i| ready[*i]);
        for (n, i) in ready.enumerate() {
            if n % CONNECTIONS_PER_YIELD == 0 {
                yield_to_host();
            }
            if !serve(&mut conns[i]) {
                conns.swap_remove(i);
            }
        }
        if accept {
            loop {
                match listener.accept() {
                    Ok(Some(conn)) => conns.push(conn),
                    Ok(None) => break,
                    Err(e) => {
                        eprintln!("serve: accept failed: {e}");
                        break;
                    }
                }
            }
        }
    }
}

/// One round for a ready connection: I/O, echoes, output. False once the
/// connection is over.
fn serve(conn: &mut StreamConnection) -> bool {
    if let Err(e) = conn.drive() {
        crate::report("connection", &e, e.code());
        return false;
    }
    while let Some(event) = conn.poll_event() {
        let session = conn.session_mut();
        let echoed = match event {
            Event::Message(message) => session.send(&message),
            Event::Failed(e) => {
                crate::report("connection", &e, e.code());
                Ok(())
            }
            _ => Ok(()),
        };
        if let Err(e) = echoed {
            crate::report("connection", &e, e.code());
            return false;
        }
    }
    if let Err(e) = conn.write_ready() {
        crate::report("connection", &e, e.code());
        return false;
    }
    !conn.is_finished()
}
