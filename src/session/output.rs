//! The bytes a session has queued for the transport.

use std::collections::VecDeque;
use std::io::IoSlice;

use bytes::{Buf, Bytes};

/// Capacity kept after the buffer drains; more is given back, so that one
/// large message does not pin its memory to an idle connection.
const KEEP_CAPACITY: usize = 64 * 1024;

/// Queued output: `buf[pos..]` waits to be written, with the `shared`
/// payloads between its bytes, each at its offset in `buf` (a payload
/// queued by reference rather than copied). Advancing moves `pos` and
/// consumes payloads; the written prefix of `buf` is dropped as soon as it
/// is as long as what remains of `buf` (so each byte is moved at most once
/// on average) and before anything is appended that would take the buffer
/// past its capacity. The buffer's length therefore stays within the
/// pending-output limit plus one frame header.
#[derive(Debug, Default)]
pub(crate) struct Output {
    buf: Vec<u8>,
    pos: usize,
    /// Payloads that go out whole, each before `buf[at..]`, in order of
    /// `at`; the first may be partly written already (it is advanced).
    shared: VecDeque<(usize, Bytes)>,
    /// The bytes left in `shared`.
    shared_len: usize,
    /// Payloads may be queued by reference; off, they are copied in.
    vectored: bool,
}

impl Output {
    /// The first run of contiguous bytes waiting to be written: own bytes
    /// up to the next shared payload, or that payload.
    pub(crate) fn pending(&self) -> &[u8] {
        match self.shared.front() {
            Some((at, payload)) if *at == self.pos => payload,
            Some((at, _)) => &self.buf[self.pos..*at],
            None => &self.buf[self.pos..],
        }
    }

    /// Fills `slices` with the runs waiting to be written, in order, and
    /// returns how many it filled.
    pub(crate) fn pending_vectored<'a>(&'a self, slices: &mut [IoSlice<'a>]) -> usize {
        let mut runs = self.runs();
        let mut n = 0;
        for slot in slices.iter_mut() {
            match runs.next() {
                Some(run) => *slot = IoSlice::new(run),
                None => break,
            }
            n += 1;
        }
        n
    }

    /// The runs waiting to be written, none empty (a payload is never
    /// empty, and the own bytes before it are cut at its offset).
    fn runs(&self) -> impl Iterator<Item = &[u8]> {
        let mut from = self.pos;
        let mut shared = self.shared.iter();
        let mut next = shared.next();
        std::iter::from_fn(move || match next {
            Some((at, payload)) if *at == from => {
                next = shared.next();
                Some(&payload[..])
            }
            Some((at, _)) => {
                let run = &self.buf[from..*at];
                from = *at;
                Some(run)
            }
            None if from < self.buf.len() => {
                let run = &self.buf[from..];
                from = self.buf.len();
                Some(run)
            }
            None => None,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.buf.len() - self.pos + self.shared_len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos == self.buf.len() && self.shared.is_empty()
    }

    /// Marks `n` bytes as written (at most what is pending).
    pub(crate) fn advance(&mut self, mut n: usize) {
        while n > 0 {
            match self.shared.front_mut() {
                Some((at, payload)) if *at == self.pos => {
                    let taken = n.min(payload.len());
                    payload.advance(taken);
                    self.shared_len -= taken;
                    n -= taken;
                    if payload.is_empty() {
                        self.shared.pop_front();
                    }
                }
                next => {
                    let end = next.map_or(self.buf.len(), |(at, _)| *at);
                    let taken = n.min(end - self.pos);
                    self.pos += taken;
                    n -= taken;
                    if self.pos == self.buf.len() && self.shared.is_empty() {
                        break;
                    }
                }
            }
        }
        if self.is_empty() {
            self.clear();
        } else if self.pos >= self.buf.len() - self.pos {
            self.compact();
        }
    }

    /// The buffer to append `extra` more bytes to, the written prefix
    /// dropped first if keeping it would grow the allocation.
    pub(crate) fn room(&mut self, extra: usize) -> &mut Vec<u8> {
        if self.pos > 0 && self.buf.len() + extra > self.buf.capacity() {
            self.compact();
        }
        &mut self.buf
    }

    /// Lets payloads be queued by reference (see [`Output::push_payload`]).
    pub(crate) fn set_vectored(&mut self, on: bool) {
        self.vectored = on;
    }

    /// Queues `payload` after every byte appended so far: by reference
    /// when vectored output is on, else copied in.
    pub(crate) fn push_payload(&mut self, payload: &Bytes) {
        if !self.vectored {
            self.room(payload.len()).extend_from_slice(payload);
        } else if !payload.is_empty() {
            self.shared_len += payload.len();
            self.shared.push_back((self.buf.len(), payload.clone()));
        }
    }

    /// Drops everything, written or not.
    pub(crate) fn clear(&mut self) {
        self.buf.clear();
        self.pos = 0;
        self.shared.clear();
        self.shared_len = 0;
        if self.buf.capacity() > KEEP_CAPACITY {
            self.buf.shrink_to(KEEP_CAPACITY);
        }
    }

    fn compact(&mut self) {
        self.buf.drain(..self.pos);
        for (at, _) in &mut self.shared {
            *at -= self.pos;
        }
        self.pos = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steady_partial_writes_keep_the_buffer_small() {
        let mut out = Output::default();
        for _ in 0..10_000 {
            out.room(1000).extend_from_slice(&[7; 1000]);
            let n = out.len() - 10;
            out.advance(n);
            assert!(out.buf.len() <= 2 * 1010, "{}", out.buf.len());
        }
        assert_eq!(out.pending(), [7; 10]);
        out.advance(10);
        assert!(out.is_empty());
    }

    #[test]
    fn appending_past_capacity_drops_the_written_prefix() {
        let mut out = Output::default();
        out.room(100).extend_from_slice(&[1; 100]);
        out.advance(40);
        let cap = out.buf.capacity();
        out.room(cap).extend_from_slice(&vec![2; cap - 60]);
        assert_eq!(out.pos, 0);
        assert_eq!(out.len(), cap);
        assert_eq!(&out.pending()[..60], &[1; 60][..]);
    }

    #[test]
    fn a_drained_buffer_gives_back_large_allocations() {
        let mut out = Output::default();
        out.room(1 << 20).extend_from_slice(&vec![0; 1 << 20]);
        out.advance(1 << 20);
        assert!(out.buf.capacity() <= KEEP_CAPACITY);
    }

    /// The runs, in order, as `pending` and `advance` walk them.
    fn walk(out: &mut Output, step: usize) -> Vec<u8> {
        let mut got = Vec::new();
        while !out.is_empty() {
            let run = out.pending();
            assert!(!run.is_empty());
            let n = step.min(run.len());
            got.extend_from_slice(&run[..n]);
            out.advance(n);
        }
        got
    }

    #[test]
    fn shared_payloads_go_out_in_place_in_every_step() {
        for step in [1, 2, 3, 7, 100] {
            let mut out = Output::default();
            out.set_vectored(true);
            out.room(2).extend_from_slice(b"h1");
            out.push_payload(&Bytes::from_static(b"PAYLOAD-ONE"));
            out.push_payload(&Bytes::from_static(b"TWO"));
            out.room(2).extend_from_slice(b"h3");
            out.push_payload(&Bytes::from_static(b"THREE"));
            assert_eq!(out.len(), 2 + 11 + 3 + 2 + 5);
            let mut slices = [IoSlice::new(&[]); 8];
            let n = out.pending_vectored(&mut slices);
            let joined: Vec<u8> = slices[..n].iter().flat_map(|s| s.to_vec()).collect();
            assert_eq!(n, 5);
            assert_eq!(joined, b"h1PAYLOAD-ONETWOh3THREE");
            assert_eq!(walk(&mut out, step), b"h1PAYLOAD-ONETWOh3THREE", "step {step}");
            assert_eq!(out.len(), 0);
        }
    }

    #[test]
    fn without_vectored_output_payloads_are_copied_in() {
        let mut out = Output::default();
        out.room(2).extend_from_slice(b"h1");
        out.push_payload(&Bytes::from_static(b"PAYLOAD"));
        assert_eq!(out.pending(), b"h1PAYLOAD");
        assert!(out.shared.is_empty());
    }

    #[test]
    fn advancing_across_runs_and_appending_keeps_the_order() {
        let mut out = Output::default();
        out.set_vectored(true);
        for round in 0..1000u32 {
            let head = round.to_be_bytes();
            out.room(4).extend_from_slice(&head);
            out.push_payload(&Bytes::from(vec![round as u8; (round % 50) as usize]));
            // Write all but a few bytes, across runs, as a short writer would.
            let mut slices = [IoSlice::new(&[]); 64];
            let n = out.pending_vectored(&mut slices);
            let total: usize = slices[..n].iter().map(|s| s.len()).sum();
            assert_eq!(total, out.len());
            out.advance(total.saturating_sub(3));
            assert!(out.buf.len() <= 2 * (4 + 3), "{}", out.buf.len());
        }
        assert!(out.len() <= 3);
        walk(&mut out, 1);
        assert!(out.is_empty() && out.shared.is_empty());
    }
}
