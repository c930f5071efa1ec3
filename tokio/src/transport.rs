//! Reaching a server: TCP to it or to a proxy, the proxy's tunnel, then
//! TLS for `wss` (feature `rustls`).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

use websocket_engine::{
    ClientConfig, HandshakeResponse, ProtocolError, ProxyHandshake, SystemEntropy, WsUrl,
};
use websocket_io::{first_hop, parse_url, pump, ConnectOptions, Error};

use super::{client_handshake, WebSocket};

/// What [`connect`] runs over: TCP, or TLS over TCP for `wss`.
#[derive(Debug)]
#[non_exhaustive]
pub enum MaybeTlsStream {
    /// `ws`: plain TCP.
    Plain(TcpStream),
    /// `wss`: rustls over TCP.
    #[cfg(feature = "rustls")]
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

/// Connects to a `ws://` (or, with feature `rustls`, `wss://`) URL and
/// performs the client handshake, with keys from the system's generator,
/// within the handshake time-out; through the proxy the environment names,
/// if any ([`ConnectOptions::new`]).
pub async fn connect(
    url: &str,
    config: ClientConfig,
) -> Result<(WebSocket<MaybeTlsStream>, HandshakeResponse), Error> {
    connect_with(url, config, &ConnectOptions::new()).await
}

/// [`connect`] with a chosen proxy and TLS configuration. Reaching the
/// server (TCP, the proxy, TLS) is bounded by the handshake time-out too.
pub async fn connect_with(
    url: &str,
    config: ClientConfig,
    options: &ConnectOptions,
) -> Result<(WebSocket<MaybeTlsStream>, HandshakeResponse), Error> {
    let url = parse_url(url)?;
    let limit = config.timeouts.handshake;
    let stream = tokio::time::timeout(limit, reach(&url, &config, options))
        .await
        .map_err(|_| Error::handshake_timeout(limit))??;
    client_handshake(stream, &url, config, &mut SystemEntropy).await
}

async fn reach(
    url: &WsUrl,
    config: &ClientConfig,
    options: &ConnectOptions,
) -> Result<MaybeTlsStream, Error> {
    let proxy = options.proxy_for(url).map_err(ProtocolError::from)?;
    let mut tcp = TcpStream::connect(first_hop(proxy.as_ref(), url)).await?;
    tcp.set_nodelay(true)?;
    if let Some(proxy) = proxy {
        tunnel(&mut tcp, proxy.handshake(url, &config.limits)?).await?;
    }
    secure(tcp, url, options).await
}

/// Runs the proxy's handshake to its end.
async fn tunnel(tcp: &mut TcpStream, mut proxy: ProxyHandshake) -> Result<(), Error> {
    let mut buf = [0; 1024];
    loop {
        let out = proxy.poll_output();
        tcp.write_all(out).await?;
        proxy.advance_output(out.len());
        let n = tcp.read(&mut buf).await?;
        if pump::tunnel_reply(&mut proxy, &buf[..n])? {
            return Ok(());
        }
    }
}

#[cfg(feature = "rustls")]
async fn secure(tcp: TcpStream, url: &WsUrl, options: &ConnectOptions) -> Result<MaybeTlsStream, Error> {
    if !url.is_secure() {
        return Ok(MaybeTlsStream::Plain(tcp));
    }
    let connector = tokio_rustls::TlsConnector::from(options.tls_config());
    let tls = connector
        .connect(websocket_io::tls::server_name(url)?, tcp)
        .await?;
    Ok(MaybeTlsStream::Tls(Box::new(tls)))
}

/// Runs the TLS handshake on an accepted stream with `acceptor`'s
/// configuration, for a TLS server (feature `rustls`).
#[cfg(feature = "rustls")]
pub async fn accept_tls<S>(
    acceptor: &websocket_io::tls::TlsAcceptor,
    stream: S,
) -> io::Result<tokio_rustls::server::TlsStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    tokio_rustls::TlsAcceptor::from(acceptor.config().clone())
        .accept(stream)
        .await
}

#[cfg(not(feature = "rustls"))]
async fn secure(tcp: TcpStream, _: &WsUrl, _: &ConnectOptions) -> Result<MaybeTlsStream, Error> {
    Ok(MaybeTlsStream::Plain(tcp))
}

impl MaybeTlsStream {
    /// The TCP stream underneath.
    pub fn tcp(&self) -> &TcpStream {
        match self {
            MaybeTlsStream::Plain(tcp) => tcp,
            #[cfg(feature = "rustls")]
            MaybeTlsStream::Tls(tls) => tls.get_ref().0,
        }
    }
}

/// Forwards a poll to whichever stream this is.
macro_rules! forward {
    ($self:ident, $s:ident => $call:expr) => {
        match $self.get_mut() {
            MaybeTlsStream::Plain($s) => {
                let $s = Pin::new($s);
                $call
            }
            #[cfg(feature = "rustls")]
            MaybeTlsStream::Tls($s) => {
                let $s = Pin::new(&mut **$s);
                $call
            }
        }
    };
}

impl AsyncRead for MaybeTlsStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        forward!(self, s => s.poll_read(cx, buf))
    }
}

impl AsyncWrite for MaybeTlsStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        forward!(self, s => s.poll_write(cx, buf))
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        forward!(self, s => s.poll_flush(cx))
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        forward!(self, s => s.poll_shutdown(cx))
    }
}
