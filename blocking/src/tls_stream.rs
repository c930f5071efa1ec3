//! rustls's blocking stream as this adapter's transport (feature
//! `rustls`).

use std::io;
use std::net::Shutdown;
use std::ops::{Deref, DerefMut};
use std::time::Duration;

use rustls::{ConnectionCommon, SideData, StreamOwned};

impl<C, T, D> crate::Stream for StreamOwned<C, T>
where
    C: DerefMut + Deref<Target = ConnectionCommon<D>>,
    T: crate::Stream,
    D: SideData,
{
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.sock.set_read_timeout(timeout)
    }
    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.sock.set_write_timeout(timeout)
    }
    /// Shutting down writing sends TLS's `close_notify` first.
    fn shutdown(&mut self, how: Shutdown) -> io::Result<()> {
        if how != Shutdown::Read {
            self.conn.send_close_notify();
            while self.conn.wants_write() {
                self.conn.write_tls(&mut self.sock)?;
            }
        }
        self.sock.shutdown(how)
    }
}
