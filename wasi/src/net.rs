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

use super::{deadline_after, io_error, StreamConnection};
use websocket_engine::{
    ClientConfig, Error, Phase, ProtocolError, ServerConfig, SystemEntropy, UsageError, WsUrl,
};

/// Connects to a `ws://` URL over TCP and queues the client handshake,
/// which completes as the connection is driven. Name lookup and connecting
/// are bounded by the handshake time-out.
pub fn connect(url: &str, config: ClientConfig) -> Result<StreamConnection, Error> {
    let url = WsUrl::parse_plain(url)?;
    let limit = config.timeouts.handshake;
    let deadline = deadline_after(limit);
    let timeout = Error::from(ProtocolError::Timeout {
        during: Phase::Handshake,
        limit,
    });
    let network = instance_network();
    let host = url.host().trim_start_matches('[').trim_end_matches(']');
    // An address needs no lookup (nor the host's permission to look up).
    if let Ok(ip) = host.parse::<IpAddr>() {
        let address = socket_address(ip_address(ip), url.port());
        return match connect_to(&network, address, deadline)? {
            Some((socket, input, output)) => client(&url, config, socket, input, output),
            None => Err(timeout),
        };
    }
    let addresses = resolve_addresses(&network, host).map_err(|e| io_error("name lookup", e))?;
    let mut last = io_error("name lookup", format!("{host} has no address"));
    loop {
        let address = match addresses.resolve_next_address() {
            Ok(Some(address)) => address,
            Ok(None) => return Err(last),
            Err(ErrorCode::WouldBlock) => {
                if !wait_until(&addresses.subscribe(), deadline) {
                    return Err(timeout);
                }
                continue;
            }
            Err(e) => return Err(io_error("name lookup", e)),
        };
        match connect_to(&network, socket_address(address, url.port()), deadline) {
            Ok(Some((socket, input, output))) => return client(&url, config, socket, input, output),
            Ok(None) => return Err(timeout),
            Err(e) => last = e,
        }
    }
}

fn client(
    url: &WsUrl,
    config: ClientConfig,
    socket: TcpSocket,
    input: wasi::io::streams::InputStream,
    output: wasi::io::streams::OutputStream,
) -> Result<StreamConnection, Error> {
    let conn = StreamConnection::client(input, output, url, config, &mut SystemEntropy)?;
    Ok(conn.with_socket(socket))
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

type Connected = (
    TcpSocket,
    wasi::io::streams::InputStream,
    wasi::io::streams::OutputStream,
);

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
fn wait_until(pollable: &Pollable, deadline: u64) -> bool {
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
                Ok(Some(conn.with_socket(socket)))
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
