//! TCP through `wasi:sockets@0.3`: a client's connect and a server's
//! listener.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use wasip3::sockets::ip_name_lookup::resolve_addresses;
use wasip3::sockets::types::{
    IpAddress, IpAddressFamily, IpSocketAddress, Ipv4SocketAddress, Ipv6SocketAddress, TcpSocket,
};
use wasip3::wit_bindgen::{StreamReader, StreamResult};

use super::timer::within;
use super::{io_error, Connection, Streams};
use websocket_engine::{
    ClientConfig, Phase, ProtocolError, ProxyHandshake, ServerConfig, Status, SystemEntropy, UsageError,
    WsUrl,
};
use websocket_io::ConnectOptions;
use websocket_io::Error;
use websocket_io::TlsError;

/// Connects to a `ws://` URL, through the proxy `options` choose (see
/// [`ConnectOptions::new`] for the environment's), and runs the client
/// handshake: the connection once open. Name lookup, TCP, the proxy's
/// handshake, TLS for `wss://` (through the host's WASI 0.3 `wasi:tls`)
/// and the WebSocket handshake are bounded by the handshake time-out
/// together. Built without the `tls` feature, `wss://` fails with
/// `tls-unavailable`.
pub async fn connect(url: &str, config: ClientConfig, options: &ConnectOptions) -> Result<Connection, Error> {
    let url = WsUrl::parse(url)?;
    if url.is_secure() && !cfg!(feature = "tls") {
        return Err(TlsError::Unavailable {
            detail: "built without the tls feature".into(),
        }
        .into());
    }
    let limit = config.timeouts.handshake;
    let proxy = options.proxy_for(&url).map_err(ProtocolError::from)?;
    let opening = async {
        let (host, port) = match &proxy {
            Some(proxy) => (proxy.host(), proxy.port()),
            None => (url.host(), url.port()),
        };
        let mut streams = open(host, port).await?;
        if let Some(proxy) = &proxy {
            let handshake = proxy
                .handshake(&url, &config.limits)
                .map_err(ProtocolError::from)?;
            tunnel(&mut streams, handshake).await?;
        }
        #[cfg(feature = "tls")]
        if url.is_secure() {
            streams = super::tls::secure(streams, url.host()).await?;
        }
        let conn = Connection::client(streams, &url, config, &mut SystemEntropy)?;
        conn.open().await
    };
    within(limit, opening).await.unwrap_or_else(|| {
        Err(ProtocolError::Timeout {
            during: Phase::Handshake,
            limit,
        }
        .into())
    })
}

/// Opens TCP to `host` (a name, or an address, which needs no lookup nor
/// the host's permission to look up) and `port`, trying each address the
/// name has in turn.
async fn open(host: &str, port: u16) -> Result<Streams, Error> {
    let host = websocket_engine::unbracket(host);
    let addresses = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip_address(ip)],
        Err(_) => resolve_addresses(host.to_owned())
            .await
            .map_err(|e| io_error("name lookup", e))?,
    };
    let mut last = io_error("name lookup", format!("{host} has no address"));
    for address in addresses {
        let address = socket_address(address, port);
        let socket = TcpSocket::create(family(&address)).map_err(|e| io_error("socket", e))?;
        match socket.connect(address).await {
            Ok(()) => return Ok(Streams::of(socket)),
            Err(e) => last = io_error("connect", e),
        }
    }
    Err(last)
}

/// Runs a proxy's handshake over the streams to its end (the tunnel open).
async fn tunnel(streams: &mut Streams, mut proxy: ProxyHandshake) -> Result<(), Error> {
    loop {
        let out = proxy.poll_output();
        if !out.is_empty() {
            let n = out.len();
            let rest = streams.output.write_all(out.to_vec()).await;
            if !rest.is_empty() {
                return Err(io_error("write to the proxy", "stream closed"));
            }
            proxy.advance_output(n);
        }
        // Less than the proxy's answer can be: nothing after the answer is
        // sent before the WebSocket request, which is not sent yet.
        let (result, got) = streams.input.read(Vec::with_capacity(1024)).await;
        match result {
            StreamResult::Dropped => return Err(ProtocolError::from(proxy.handle_eof()).into()),
            _ if got.is_empty() => {}
            _ => {
                if let Status::Complete { .. } = proxy.handle_input(&got).map_err(ProtocolError::from)? {
                    return Ok(());
                }
            }
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

fn family(address: &IpSocketAddress) -> IpAddressFamily {
    match address {
        IpSocketAddress::Ipv4(_) => IpAddressFamily::Ipv4,
        IpSocketAddress::Ipv6(_) => IpAddressFamily::Ipv6,
    }
}

/// The listen backlog [`Listener::bind`] asks for unless told otherwise
/// (wasmtime's own default is 128).
pub const DEFAULT_BACKLOG: u32 = 1024;

/// A TCP listener whose connections run the server handshake.
pub struct Listener {
    /// The sockets the host accepts for it (`listen`'s stream).
    incoming: StreamReader<TcpSocket>,
    local: SocketAddr,
    config: Arc<ServerConfig>,
    /// Dropped after the stream of what it accepts.
    _socket: TcpSocket,
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
        let wasi_addr = socket_address(ip_address(addr.ip()), addr.port());
        let socket = TcpSocket::create(family(&wasi_addr)).map_err(|e| io_error("socket", e))?;
        socket.bind(wasi_addr).map_err(|e| io_error("bind", e))?;
        socket
            .set_listen_backlog_size(backlog.into())
            .map_err(|e| io_error("listen backlog", e))?;
        let incoming = socket.listen().map_err(|e| io_error("listen", e))?;
        let local = match socket
            .get_local_address()
            .map_err(|e| io_error("local address", e))?
        {
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
            incoming,
            local,
            config: config.into(),
            _socket: socket,
        })
    }

    /// The address it listens on.
    pub fn local_address(&self) -> SocketAddr {
        self.local
    }

    /// Waits for the next connection; its handshake runs as it is driven.
    pub async fn accept(&mut self) -> Result<Connection, Error> {
        match self.incoming.next().await {
            Some(socket) => Ok(Connection::accept(socket, self.config.clone())),
            None => Err(io_error("accept", "the listener's stream ended")),
        }
    }
}
