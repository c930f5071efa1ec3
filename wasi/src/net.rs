//! TCP through `wasi:sockets`: a client's connect and a server's listener.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use wasi::clocks::monotonic_clock;
use wasi::io::poll::{poll, Pollable};
use wasi::sockets::instance_network::instance_network;
use wasi::sockets::ip_name_lookup::resolve_addresses;
use wasi::sockets::network::{
    ErrorCode, IpAddress, IpAddressFamily, IpSocketAddress, Ipv4SocketAddress, Ipv6SocketAddress, Network,
};
use wasi::sockets::tcp::TcpSocket;
use wasi::sockets::tcp_create_socket::create_tcp_socket;

use wasi::io::streams::{InputStream, OutputStream, StreamError};

use super::stream::Owner;
use super::{deadline_after, io_error, StreamConnection};
use websocket_engine::{
    ClientConfig, Phase, ProtocolError, ProxyHandshake, ServerConfig, Status, SystemEntropy, UsageError,
    WsUrl,
};
use websocket_io::ConnectOptions;
use websocket_io::Error;
use websocket_io::TlsError;

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
    let timeout = || {
        Error::from(ProtocolError::Timeout {
            during: Phase::Handshake,
            limit,
        })
    };
    let proxy = options.proxy_for(&url).map_err(ProtocolError::from)?;
    let (host, port) = match &proxy {
        Some(proxy) => (proxy.host(), proxy.port()),
        None => (url.host(), url.port()),
    };
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

/// Opens TCP to `host` (a name, or an address, which needs no lookup nor
/// the host's permission to look up) and `port`; `None` when the deadline
/// passed first.
fn open(host: &str, port: u16, deadline: u64) -> Result<Option<Connected>, Error> {
    let network = instance_network();
    let host = websocket_engine::unbracket(host);
    if let Ok(ip) = host.parse::<IpAddr>() {
        return connect_to(&network, socket_address(ip_address(ip), port), deadline);
    }
    let addresses = resolve_addresses(&network, host).map_err(|e| io_error("name lookup", e))?;
    let mut last = io_error("name lookup", format!("{host} has no address"));
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
            Err(e) => return Err(io_error("name lookup", e)),
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
                .map_err(|e| io_error("write to the proxy", e))?;
            let n = out.len();
            proxy.advance_output(n);
        }
        if !wait_until(&ready, deadline) {
            return Ok(false);
        }
        match input.read(1024) {
            Ok(bytes) if bytes.is_empty() => {}
            Ok(bytes) => {
                if let Status::Complete { .. } = proxy.handle_input(&bytes).map_err(ProtocolError::from)? {
                    return Ok(true);
                }
            }
            Err(StreamError::Closed) => return Err(ProtocolError::from(proxy.handle_eof()).into()),
            Err(e) => return Err(io_error("read from the proxy", e)),
        }
    }
}

fn ip_address(ip: IpAddr) -> IpAddress {
    match ip {
        IpAddr::V4(v4) => IpAddress::Ipv4(v4.octets().into()),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddress::Ipv6((s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]))
        }
    }
}

type Connected = (TcpSocket, InputStream, OutputStream);

fn connect_to(
    network: &Network,
    address: IpSocketAddress,
    deadline: u64,
) -> Result<Option<Connected>, Error> {
    let family = match address {
        IpSocketAddress::Ipv4(_) => IpAddressFamily::Ipv4,
        IpSocketAddress::Ipv6(_) => IpAddressFamily::Ipv6,
    };
    let socket = create_tcp_socket(family).map_err(|e| io_error("socket", e))?;
    socket
        .start_connect(network, address)
        .map_err(|e| io_error("connect", e))?;
    loop {
        match socket.finish_connect() {
            Ok((input, output)) => return Ok(Some((socket, input, output))),
            Err(ErrorCode::WouldBlock) => {
                if !wait_until(&socket.subscribe(), deadline) {
                    return Ok(None);
                }
            }
            Err(e) => return Err(io_error("connect", e)),
        }
    }
}

/// Blocks until `pollable` is ready (true) or the deadline passes (false).
pub(crate) fn wait_until(pollable: &Pollable, deadline: u64) -> bool {
    let timer = monotonic_clock::subscribe_instant(deadline);
    poll(&[pollable, &timer]).contains(&0)
}

fn socket_address(address: IpAddress, port: u16) -> IpSocketAddress {
    match address {
        IpAddress::Ipv4(address) => IpSocketAddress::Ipv4(Ipv4SocketAddress { port, address }),
        IpAddress::Ipv6(address) => IpSocketAddress::Ipv6(Ipv6SocketAddress {
            port,
            flow_info: 0,
            address,
            scope_id: 0,
        }),
    }
}

/// The listen backlog [`Listener::bind`] asks for unless told otherwise
/// (wasmtime's own default is 128).
pub const DEFAULT_BACKLOG: u32 = 1024;

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
        let addr: SocketAddr = address.parse().map_err(|_| UsageError::InvalidValue {
            what: "listen address (expected ip:port)",
            got: address.to_owned(),
        })?;
        let network = instance_network();
        let family = match addr {
            SocketAddr::V4(_) => IpAddressFamily::Ipv4,
            SocketAddr::V6(_) => IpAddressFamily::Ipv6,
        };
        let wasi_addr = socket_address(ip_address(addr.ip()), addr.port());
        let socket = create_tcp_socket(family).map_err(|e| io_error("socket", e))?;
        socket
            .start_bind(&network, wasi_addr)
            .map_err(|e| io_error("bind", e))?;
        finish(&socket, TcpSocket::finish_bind).map_err(|e| io_error("bind", e))?;
        socket
            .set_listen_backlog_size(backlog.into())
            .map_err(|e| io_error("listen backlog", e))?;
        socket.start_listen().map_err(|e| io_error("listen", e))?;
        finish(&socket, TcpSocket::finish_listen).map_err(|e| io_error("listen", e))?;
        let local = match socket.local_address().map_err(|e| io_error("local address", e))? {
            IpSocketAddress::Ipv4(a) => {
                let (x, y, z, w) = a.address;
                SocketAddr::new(IpAddr::from([x, y, z, w]), a.port)
            }
            IpSocketAddress::Ipv6(a) => {
                let (p, q, r, s, t, u, v, w) = a.address;
                SocketAddr::new(IpAddr::from([p, q, r, s, t, u, v, w]), a.port)
            }
        };
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
            Err(e) => Err(io_error("accept", e)),
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
