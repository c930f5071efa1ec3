//! The bytes a session has queued for the transport.

/// Capacity kept after the buffer drains; more is given back, so that one
/// large message does not pin its memory to an idle connection.
const KEEP_CAPACITY: usize = 64 * 1024;

/// Queued output: `buf[pos..]` waits to be written. Advancing moves `pos`;
/// the written prefix is dropped as soon as it is as long as what remains
/// (so each byte is moved at most once on average) and before anything is
/// appended that would take the buffer past its limit. The buffer's length
/// therefore stays within the pending-output limit plus one frame header.
#[derive(Debug, Default)]
pub(crate) struct Output {
    buf: Vec<u8>,
    pos: usize,
}

impl Output {
    /// The bytes waiting to be written.
    pub(crate) fn pending(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    pub(crate) fn len(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos == self.buf.len()
    }

    /// Marks `n` bytes as written (at most what is pending).
    pub(crate) fn advance(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
        if self.pos == self.buf.len() {
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

    /// Drops everything, written or not.
    pub(crate) fn clear(&mut self) {
        self.buf.clear();
        self.pos = 0;
        if self.buf.capacity() > KEEP_CAPACITY {
            self.buf.shrink_to(KEEP_CAPACITY);
        }
    }

    fn compact(&mut self) {
        self.buf.drain(..self.pos);
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
}
