//! One WebSocket connection driven through the component, and the echo
//! server built on it.

use core::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wasmtime::component::{Resource, ResourceAny};
use wasmtime::Store;
use wasmtime_wasi::clocks::WasiClocksView;
use wasmtime_wasi::p2::bindings::clocks::monotonic_clock;
use wasmtime_wasi::p2::bindings::io::poll::HostPollable;
use wasmtime_wasi::p2::pipe::{AsyncReadStream, AsyncWriteStream};
use wasmtime_wasi::p2::{DynInputStream, DynOutputStream, DynPollable};

use crate::bindings::exports::websocket::protocol::connection::{Event, State};
use crate::bindings::{ClientOptions, Decision, Error, Library, Message, ServerOptions};
use crate::runtime::{Access, HostState, Runtime};
use crate::tcp::{TcpInput, TcpOutput, WRITE_BUDGET};
use websocket_engine::{Proxy, WsUrl};
use websocket_io::first_hop;
use websocket_io::tls::TlsAcceptor;

/// A failure: the component's structured error, or one of the host.
#[derive(Debug)]
pub enum HostError {
    /// The engine in the component reported an error.
    Guest(Error),
    /// wasmtime or the host failed (a trap, a resource error, I/O).
    Host(wasmtime::Error),
}

impl HostError {
    /// The component's error, if that is what this is.
    pub fn guest(&self) -> Option<&Error> {
        match self {
            HostError::Guest(e) => Some(e),
            HostError::Host(_) => None,
        }
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostError::Guest(e) => f.write_str(&crate::bindings::error_info(e).message),
            HostError::Host(e) => write!(f, "host: {e:#}"),
        }
    }
}

impl std::error::Error for HostError {}

impl From<wasmtime::Error> for HostError {
    fn from(e: wasmtime::Error) -> Self {
        HostError::Host(e)
    }
}

impl From<std::io::Error> for HostError {
    fn from(e: std::io::Error) -> Self {
        HostError::Host(e.into())
    }
}

/// Calls a method of the `connection` resource on `$self.conn`.
macro_rules! call {
    ($self:ident, $method:ident $(, $arg:expr)*) => {
        $self
            .library
            .websocket_protocol_connection()
            .connection()
            .$method(&mut $self.store, $self.conn $(, $arg)*)
            .await?
    };
}

/// A connection living in its own store and instance of the component.
pub struct ComponentConnection {
    store: Store<HostState>,
    library: Library,
    conn: ResourceAny,
}

/// Hands a TCP stream's halves over as WASI streams.
fn tcp_streams(tcp: TcpStream) -> std::io::Result<(DynInputStream, DynOutputStream)> {
    tcp.set_nodelay(true)?;
    let (read, write) = tcp.into_split();
    Ok((Box::new(TcpInput::new(read)), Box::new(TcpOutput::new(write))))
}

/// Hands any async byte stream (a TLS session's, say) over as WASI
/// streams, through wasmtime-wasi's generic stream adapters.
pub fn io_streams<S>(stream: S) -> (DynInputStream, DynOutputStream)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + 'static,
{
    let (read, write) = tokio::io::split(stream);
    (
        Box::new(AsyncReadStream::new(read)),
        Box::new(AsyncWriteStream::new(WRITE_BUDGET, ShutdownOnDrop(Some(write)))),
    )
}

/// A writer that shuts down when dropped. A component ends its output by
/// dropping the stream; over TLS the peer must then get `close_notify`,
/// which only the writer's shutdown sends (TCP's end alone reads as a
/// truncation attack to a strict client).
struct ShutdownOnDrop<W: AsyncWrite + Unpin + Send + 'static>(Option<W>);

impl<W: AsyncWrite + Unpin + Send + 'static> Drop for ShutdownOnDrop<W> {
    fn drop(&mut self) {
        if let (Some(mut writer), Ok(runtime)) = (self.0.take(), tokio::runtime::Handle::try_current()) {
            runtime.spawn(async move {
                let _ = writer.shutdown().await;
            });
        }
    }
}

impl<W: AsyncWrite + Unpin + Send + 'static> AsyncWrite for ShutdownOnDrop<W> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(self.get_mut().0.as_mut().expect("taken only on drop")).poll_write(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(self.get_mut().0.as_mut().expect("taken only on drop")).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(self.get_mut().0.as_mut().expect("taken only on drop")).poll_shutdown(cx)
    }
}

/// Puts a pair of streams into the store's table for the component.
fn push(
    store: &mut Store<HostState>,
    (input, output): (DynInputStream, DynOutputStream),
) -> wasmtime::Result<(Resource<DynInputStream>, Resource<DynOutputStream>)> {
    let table = &mut store.data_mut().table;
    Ok((table.push(input)?, table.push(output)?))
}

impl ComponentConnection {
    /// The server side of an accepted TCP connection; the handshake runs
    /// as the connection is driven.
    pub async fn accept(rt: &Runtime, tcp: TcpStream, options: &ServerOptions) -> Result<Self, HostError> {
        Self::accept_streams(rt, tcp_streams(tcp)?, options).await
    }

    /// The server side over any pair of `wasi:io` streams (a TLS session's,
    /// a test's): the component reads the request from `input` and writes
    /// to `output`.
    pub async fn accept_streams(
        rt: &Runtime,
        streams: (DynInputStream, DynOutputStream),
        options: &ServerOptions,
    ) -> Result<Self, HostError> {
        let (mut store, library) = rt.instantiate(Access::Streams).await?;
        let (input, output) = push(&mut store, streams)?;
        let conn = library
            .websocket_protocol_connection()
            .connection()
            .call_accept(&mut store, input, output, options)
            .await?;
        Ok(ComponentConnection { store, library, conn })
    }

    /// The client side: the component looks up the host, connects with
    /// `wasi:sockets` and sends the request. Its instance may look names up
    /// and connect to the URL's port, nothing else.
    pub async fn connect(rt: &Runtime, url: &str, options: &ClientOptions) -> Result<Self, HostError> {
        // The instance may connect to the first hop's port only: the
        // proxy's, if the options name one, else the server's. A URL
        // without a port gets none; the component then reports what is
        // wrong with it.
        // Without a proxy in the options, the host's environment names it
        // (the instance has no environment of its own).
        let target = WsUrl::parse(url).ok();
        let mut options = options.clone();
        if options.proxy.is_none() {
            options.proxy = target.as_ref().and_then(Proxy::url_from_env);
        }
        let proxy = options.proxy.as_deref().and_then(|p| Proxy::parse(p).ok());
        let port = target
            .as_ref()
            .map_or(0, |target| first_hop(proxy.as_ref(), target).1);
        let (mut store, library) = rt.instantiate(Access::Connect { port }).await?;
        let conn = library
            .websocket_protocol_connection()
            .call_connect(&mut store, url, &options)
            .await?
            .map_err(HostError::Guest)?;
        Ok(ComponentConnection { store, library, conn })
    }

    /// The client side over a TCP connection the host opened to `url`.
    pub async fn handshake(
        rt: &Runtime,
        tcp: TcpStream,
        url: &str,
        options: &ClientOptions,
    ) -> Result<Self, HostError> {
        let (mut store, library) = rt.instantiate(Access::Streams).await?;
        let (input, output) = push(&mut store, tcp_streams(tcp)?)?;
        let conn = library
            .websocket_protocol_connection()
            .connection()
            .call_handshake(&mut store, input, output, url, options)
            .await?
            .map_err(HostError::Guest)?;
        Ok(ComponentConnection { store, library, conn })
    }

    /// The state.
    pub async fn state(&mut self) -> Result<State, HostError> {
        Ok(call!(self, call_state))
    }

    /// Waits (asynchronously) for the next event; `None` once the
    /// connection is over. A failure is the error.
    pub async fn next_event(&mut self) -> Result<Option<Event>, HostError> {
        call!(self, call_next_event).map_err(HostError::Guest)
    }

    /// Waits (asynchronously) for the next message; `None` once closed.
    pub async fn read_message(&mut self) -> Result<Option<Message>, HostError> {
        call!(self, call_read_message).map_err(HostError::Guest)
    }

    /// The next event after one round of I/O that does not wait, if any.
    pub async fn poll_event(&mut self) -> Result<Option<Event>, HostError> {
        call!(self, call_poll_event).map_err(HostError::Guest)
    }

    /// Sends a text message.
    pub async fn send_text(&mut self, text: &str) -> Result<(), HostError> {
        call!(self, call_send_text, text).map_err(HostError::Guest)
    }

    /// Sends a binary message (in hixie a length-prefixed frame of type 0x80).
    pub async fn send_binary(&mut self, data: &[u8]) -> Result<(), HostError> {
        call!(self, call_send_binary, data).map_err(HostError::Guest)
    }

    /// Sends a message of any kind (a hixie frame only in hixie versions).
    pub async fn send(&mut self, message: &Message) -> Result<(), HostError> {
        call!(self, call_send, message).map_err(HostError::Guest)
    }

    /// RFC 6455: sends a ping.
    pub async fn ping(&mut self, data: &[u8]) -> Result<(), HostError> {
        call!(self, call_send_ping, data).map_err(HostError::Guest)
    }

    /// Begins closing.
    pub async fn close(&mut self) -> Result<(), HostError> {
        call!(self, call_close).map_err(HostError::Guest)
    }

    /// Server side with `defer-decisions`: answers the request its
    /// `request` event reported.
    pub async fn decide(&mut self, decision: &Decision) -> Result<(), HostError> {
        call!(self, call_decide, decision).map_err(HostError::Guest)
    }

    /// RFC 6455: begins closing with a status code and reason.
    pub async fn close_with(&mut self, code: u16, reason: &str) -> Result<(), HostError> {
        call!(self, call_close_with, code, reason).map_err(HostError::Guest)
    }

    /// Waits until everything queued has been written.
    pub async fn flush(&mut self) -> Result<(), HostError> {
        call!(self, call_flush).map_err(HostError::Guest)
    }

    /// Waits until the connection can make progress (I/O, or its next
    /// timer) or `other` completes, whichever is first; returns `other`'s
    /// output if it won.
    pub async fn ready_or<F: Future>(&mut self, other: F) -> Result<Option<F::Output>, HostError> {
        let deadline: Option<u64> = call!(self, call_deadline);
        let pollable: Resource<DynPollable> = call!(self, call_subscribe);
        let now = monotonic_clock::Host::now(&mut self.store.data_mut().clocks())?;
        let timer = async move {
            match deadline {
                Some(d) => tokio::time::sleep(Duration::from_nanos(d.saturating_sub(now))).await,
                None => std::future::pending().await,
            }
        };
        let table = &mut self.store.data_mut().table;
        let won = tokio::select! {
            ready = HostPollable::block(table, Resource::new_borrow(pollable.rep())) => { ready?; None }
            () = timer => None,
            out = other => Some(out),
        };
        // The pollable must go before the stream it watches.
        HostPollable::drop(&mut self.store.data_mut().table, pollable)?;
        Ok(won)
    }

    /// Drops the connection in the component, which closes its streams.
    pub async fn finish(mut self) -> Result<(), HostError> {
        self.conn.resource_drop_async(&mut self.store).await?;
        Ok(())
    }
}

/// Serves echo from the component: each accepted connection gets its own
/// instance; every message comes back unchanged. With `tls`, the host
/// terminates TLS and the component sees the plain streams (`wss://`, and
/// the page over `https://`). Runs until `listener` fails. Each connection
/// that fails is handed to `report`.
pub async fn serve_echo(
    rt: Runtime,
    listener: TcpListener,
    options: ServerOptions,
    tls: Option<TlsAcceptor>,
    report: impl Fn(std::net::SocketAddr, HostError) + Clone + Send + 'static,
) -> std::io::Result<()> {
    loop {
        let (tcp, peer) = listener.accept().await?;
        let (rt, options, tls, report) = (rt.clone(), options.clone(), tls.clone(), report.clone());
        tokio::spawn(async move {
            if let Err(e) = echo(&rt, tcp, tls, &options).await {
                report(peer, e);
            }
        });
    }
}

/// How long the host waits for a client's TLS handshake.
const TLS_HANDSHAKE: Duration = Duration::from_secs(10);

async fn echo(
    rt: &Runtime,
    tcp: TcpStream,
    tls: Option<TlsAcceptor>,
    options: &ServerOptions,
) -> Result<(), HostError> {
    let mut conn = match tls {
        None => ComponentConnection::accept(rt, tcp, options).await?,
        Some(acceptor) => {
            tcp.set_nodelay(true)?;
            let tls = tokio::time::timeout(TLS_HANDSHAKE, websocket_tokio::accept_tls(&acceptor, tcp))
                .await
                .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
            ComponentConnection::accept_streams(rt, io_streams(tls), options).await?
        }
    };
    let result = async {
        while let Some(message) = conn.read_message().await? {
            conn.send(&message).await?;
        }
        Ok(())
    }
    .await;
    conn.finish().await?;
    result
}
