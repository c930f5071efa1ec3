//! Reaching a server: TCP to it or to a proxy, the proxy's tunnel, then
//! TLS for `wss` (feature `rustls`).

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::time::Duration;

use websocket_engine::{
    ClientConfig, HandshakeResponse, ProtocolError, ProxyHandshake, SystemEntropy, WsUrl,
};
use websocket_io::{first_hop, parse_url, pump, ConnectOptions, Error};

use super::{client_handshake, Stream, WebSocket};

/// What [`connect`] runs over: TCP, or TLS over TCP for `wss`.
#[derive(Debug)]
#[non_exhaustive]
pub enum MaybeTlsStream {
    /// `ws`: plain TCP.
    Plain(TcpStream),
    /// `wss`: rustls over TCP.
    #[cfg(all(feature = "rustls", not(target_arch = "wasm32")))]
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

/// Connects to a `ws://` (or, with feature `rustls`, `wss://`) URL and
/// performs the client handshake, with keys from the system's generator,
/// within the handshake time-out; through the proxy the environment names,
/// if any ([`ConnectOptions::new`]).
pub fn connect(
    url: &str,
    config: ClientConfig,
) -> Result<(WebSocket<MaybeTlsStream>, HandshakeResponse), Error> {
    connect_with(url, config, &ConnectOptions::new())
}

/// [`connect`] with a chosen proxy and TLS configuration.
pub fn connect_with(
    url: &str,
    config: ClientConfig,
    options: &ConnectOptions,
) -> Result<(WebSocket<MaybeTlsStream>, HandshakeResponse), Error> {
    let url = parse_url(url)?;
    let proxy = options.proxy_for(&url).map_err(ProtocolError::from)?;
    let limit = config.timeouts.handshake;
    let mut tcp = tcp_connect(first_hop(proxy.as_ref(), &url), limit)?;
    if let Some(proxy) = proxy {
        tunnel(&mut tcp, proxy.handshake(&url, &config.limits)?, limit)?;
    }
    let stream = secure(tcp, &url, options)?;
    client_handshake(stream, &url, config, &mut SystemEntropy)
}

fn tcp_connect(addr: (&str, u16), limit: Duration) -> Result<TcpStream, Error> {
    let mut last = io::Error::new(ErrorKind::NotFound, "the host name resolved to no address");
    for addr in addr.to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, limit) {
            Ok(tcp) => {
                tcp.set_nodelay(true)?;
                return Ok(tcp);
            }
            Err(e) => last = e,
        }
    }
    Err(last.into())
}

/// Runs the proxy's handshake to its end, each read and write within
/// `limit`.
fn tunnel(tcp: &mut TcpStream, mut proxy: ProxyHandshake, limit: Duration) -> Result<(), Error> {
    tcp.set_read_timeout(Some(limit))?;
    tcp.set_write_timeout(Some(limit))?;
    let mut buf = [0; 1024];
    loop {
        let out = proxy.poll_output();
        tcp.write_all(out)?;
        proxy.advance_output(out.len());
        let n = tcp.read(&mut buf)?;
        if pump::tunnel_reply(&mut proxy, &buf[..n])? {
            return Ok(());
        }
    }
}

#[cfg(all(feature = "rustls", not(target_arch = "wasm32")))]
fn secure(tcp: TcpStream, url: &WsUrl, options: &ConnectOptions) -> Result<MaybeTlsStream, Error> {
    if !url.is_secure() {
        return Ok(MaybeTlsStream::Plain(tcp));
    }
    let tls = websocket_io::tls::client_stream(tcp, url, options.tls_config())?;
    Ok(MaybeTlsStream::Tls(Box::new(tls)))
}

#[cfg(not(all(feature = "rustls", not(target_arch = "wasm32"))))]
fn secure(tcp: TcpStream, _: &WsUrl, _: &ConnectOptions) -> Result<MaybeTlsStream, Error> {
    Ok(MaybeTlsStream::Plain(tcp))
}

impl MaybeTlsStream {
    fn get_mut(&mut self) -> &mut dyn Stream {
        match self {
            MaybeTlsStream::Plain(tcp) => tcp,
            #[cfg(all(feature = "rustls", not(target_arch = "wasm32")))]
            MaybeTlsStream::Tls(tls) => &mut **tls,
        }
    }

    /// The TCP stream underneath.
    pub fn tcp(&self) -> &TcpStream {
        match self {
            MaybeTlsStream::Plain(tcp) => tcp,
            #[cfg(all(feature = "rustls", not(target_arch = "wasm32")))]
            MaybeTlsStream::Tls(tls) => tls.get_ref(),
        }
    }
}

impl Read for MaybeTlsStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.get_mut().read(buf)
    }
}

impl Write for MaybeTlsStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.get_mut().write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.get_mut().flush()
    }
}

impl Stream for MaybeTlsStream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.get_mut().set_read_timeout(timeout)
    }
    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.get_mut().set_write_timeout(timeout)
    }
    fn shutdown(&mut self, how: Shutdown) -> io::Result<()> {
        self.get_mut().shutdown(how)
    }
}
