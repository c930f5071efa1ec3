//! TCP through `wasi:sockets`: a client's connect and a server's listener.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use wasi::clocks::monotonic_clock;
use wasi::io::poll::{poll, Pollable};
use wasi::sockets::instance_network::instance_network;
use wasi::sockets::ip_name_lookup::resolve_addresses;
use wasi::sockets::network::{ErrorCode, IpSocketAddress, Network};
use wasi::sockets::tcp::TcpSocket;
use wasi::sockets::tcp_create_socket::create_tcp_socket;

use wasi::io::streams::{InputStream, OutputStream, StreamError};

use super::stream::Owner;
use super::{deadline_after, StreamConnection};
use websocket_engine::{ClientConfig, ProtocolError, ProxyHandshake, ServerConfig, SystemEntropy, WsUrl};
use websocket_io::{first_hop, pump, ConnectOptions, Error, TlsError};

websocket_io::socket_addresses!(wasi::sockets::network);

/// Connects to a `ws://` or `wss://` URL and queues the client handshake,
/// which completes as the connection is driven; through the proxy the
/// environment names, if any ([`ConnectOptions::new`]).
pub fn connect(url: &str, config: ClientConfig) -> Result<StreamConnection, Error> {
    connect_with(url, config, &ConnectOptions::new())
}

/// [`connect`] through the proxy `options` choose. Name lookup, TCP, the
/// proxy's handshake and TLS (`wasi:tls`, for `wss`) are bounded by the
/// handshake time-out together.
pub fn connect_with(
    url: &str,
    config: ClientConfig,
    options: &ConnectOptions,
) -> Result<StreamConnection, Error> {
    let url = WsUrl::parse(url)?;
    if url.is_secure() && !cfg!(feature = "tls") {
        return Err(TlsError::Unavailable {
            detail: "this build of the component does not import wasi:tls".into(),
        }
        .into());
    }
    let limit = config.timeouts.handshake;
    let deadline = deadline_after(limit);
    let timeout = || Error::handshake_timeout(limit);
    let proxy = options.proxy_for(&url).map_err(ProtocolError::from)?;
    let (host, port) = first_hop(proxy.as_ref(), &url);
    let (socket, input, output) = open(host, port, deadline)?.ok_or_else(timeout)?;
    if let Some(proxy) = &proxy {
        let handshake = proxy
            .handshake(&url, &config.limits)
            .map_err(ProtocolError::from)?;
        if !tunnel(&input, &output, handshake, deadline)? {
            return Err(timeout());
        }
    }
    #[cfg(feature = "tls")]
    if url.is_secure() {
        let (tls, input, output) =
            crate::tls::handshake(&url, input, output, deadline)?.ok_or_else(timeout)?;
        let conn = StreamConnection::client(input, output, &url, config, &mut SystemEntropy)?;
        return Ok(conn.owned_by(Owner::Tls { tls, _socket: socket }));
    }
    let conn = StreamConnection::client(input, output, &url, config, &mut SystemEntropy)?;
    Ok(conn.owned_by(Owner::Socket(socket)))
}

/// Opens TCP to `host` (a name, or an address without brackets, which
/// needs no lookup nor the host's permission to look up) and `port`;
/// `None` when the deadline passed first.
fn open(host: &str, port: u16, deadline: u64) -> Result<Option<Connected>, Error> {
    let network = instance_network();
    if let Ok(ip) = host.parse::<IpAddr>() {
        return connect_to(&network, socket_address(ip_address(ip), port), deadline);
    }
    let addresses = resolve_addresses(&network, host).map_err(|e| Error::transport("name lookup", e))?;
    let mut last = Error::transport("name lookup", format!("{host} has no address"));
    loop {
        let address = match addresses.resolve_next_address() {
            Ok(Some(address)) => address,
            Ok(None) => return Err(last),
            Err(ErrorCode::WouldBlock) => {
                if !wait_until(&addresses.subscribe(), deadline) {
                    return Ok(None);
                }
                continue;
            }
            Err(e) => return Err(Error::transport("name lookup", e)),
        };
        match connect_to(&network, socket_address(address, port), deadline) {
            Ok(connected) => return Ok(connected),
            Err(e) => last = e,
        }
    }
}

/// Runs a proxy's handshake over the streams to its end: true once the
/// tunnel is open, false when the deadline passed first.
fn tunnel(
    input: &InputStream,
    output: &OutputStream,
    mut proxy: ProxyHandshake,
    deadline: u64,
) -> Result<bool, Error> {
    let ready = input.subscribe();
    loop {
        let out = proxy.poll_output();
        if !out.is_empty() {
            // A request or credentials: well under the 4096 bytes one
            // blocking write may take.
            output
                .blocking_write_and_flush(out)
                .map_err(|e| Error::transport("write to the proxy", e))?;
            let n = out.len();
            proxy.advance_output(n);
        }
        if !wait_until(&ready, deadline) {
            return Ok(false);
        }
        let got = match input.read(1024) {
            Ok(bytes) if bytes.is_empty() => continue,
            Ok(bytes) => bytes,
            Err(StreamError::Closed) => Vec::new(),
            Err(e) => return Err(Error::transport("read from the proxy", e)),
        };
        if pump::tunnel_reply(&mut proxy, &got)? {
            return Ok(true);
        }
    }
}

type Connected = (TcpSocket, InputStream, OutputStream);

fn connect_to(
    network: &Network,
    address: IpSocketAddress,
    deadline: u64,
) -> Result<Option<Connected>, Error> {
    let socket = create_tcp_socket(family(&address)).map_err(|e| Error::transport("socket", e))?;
    socket
        .start_connect(network, address)
        .map_err(|e| Error::transport("connect", e))?;
    loop {
        match socket.finish_connect() {
            Ok((input, output)) => return Ok(Some((socket, input, output))),
            Err(ErrorCode::WouldBlock) => {
                if !wait_until(&socket.subscribe(), deadline) {
                    return Ok(None);
                }
            }
            Err(e) => return Err(Error::transport("connect", e)),
        }
    }
}

/// Blocks until `pollable` is ready (true) or the deadline passes (false).
pub(crate) fn wait_until(pollable: &Pollable, deadline: u64) -> bool {
    let timer = monotonic_clock::subscribe_instant(deadline);
    poll(&[pollable, &timer]).contains(&0)
}

/// A TCP listener whose connections run the server handshake.
pub struct Listener {
    /// Made once, so that a multiplexer waiting on it makes no new handle.
    ready: Pollable,
    socket: TcpSocket,
    local: SocketAddr,
    config: Arc<ServerConfig>,
}

impl Listener {
    /// Listens on `address` (`ip:port`; port 0 picks a free port) with a
    /// queue of `backlog` connections not yet accepted.
    pub fn bind(
        address: &str,
        backlog: u32,
        config: impl Into<Arc<ServerConfig>>,
    ) -> Result<Listener, Error> {
        let network = instance_network();
        let wasi_addr = listen_socket_address(address)?;
        let socket = create_tcp_socket(family(&wasi_addr)).map_err(|e| Error::transport("socket", e))?;
        socket
            .start_bind(&network, wasi_addr)
            .map_err(|e| Error::transport("bind", e))?;
        finish(&socket, TcpSocket::finish_bind).map_err(|e| Error::transport("bind", e))?;
        socket
            .set_listen_backlog_size(backlog.into())
            .map_err(|e| Error::transport("listen backlog", e))?;
        socket.start_listen().map_err(|e| Error::transport("listen", e))?;
        finish(&socket, TcpSocket::finish_listen).map_err(|e| Error::transport("listen", e))?;
        let local = local_address(socket.local_address())?;
        Ok(Listener {
            ready: socket.subscribe(),
            socket,
            local,
            config: config.into(),
        })
    }

    /// The address it listens on.
    pub fn local_address(&self) -> SocketAddr {
        self.local
    }

    /// Ready when a connection is waiting.
    pub fn subscribe(&self) -> Pollable {
        self.socket.subscribe()
    }

    /// Ready when a connection is waiting, borrowed.
    pub fn ready(&self) -> &Pollable {
        &self.ready
    }

    /// The next waiting connection without blocking, or `None`.
    pub fn accept(&self) -> Result<Option<StreamConnection>, Error> {
        match self.socket.accept() {
            Ok((socket, input, output)) => {
                let conn = StreamConnection::accept(input, output, self.config.clone());
                Ok(Some(conn.owned_by(Owner::Socket(socket))))
            }
            Err(ErrorCode::WouldBlock) => Ok(None),
            Err(e) => Err(Error::transport("accept", e)),
        }
    }
}

/// Completes a two-phase socket operation, waiting while it would block.
fn finish(socket: &TcpSocket, op: fn(&TcpSocket) -> Result<(), ErrorCode>) -> Result<(), ErrorCode> {
    loop {
        match op(socket) {
            Err(ErrorCode::WouldBlock) => socket.subscribe().block(),
            other => return other,
        }
    }
}
