//! TCP through `wasi:sockets@0.3`: a client's connect and a server's
//! listener.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use wasip3::sockets::ip_name_lookup::resolve_addresses;
use wasip3::sockets::types::TcpSocket;
use wasip3::wit_bindgen::{StreamReader, StreamResult};

use super::timer::within;
use super::{Connection, Streams};
use websocket_engine::{ClientConfig, ProtocolError, ProxyHandshake, ServerConfig, SystemEntropy, WsUrl};
use websocket_io::{first_hop, pump, ConnectOptions, Error, TlsError};

websocket_io::socket_addresses!(wasip3::sockets::types);

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
        let (host, port) = first_hop(proxy.as_ref(), &url);
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
    within(limit, opening)
        .await
        .unwrap_or_else(|| Err(Error::handshake_timeout(limit)))
}

/// Opens TCP to `host` (a name, or an address without brackets, which
/// needs no lookup nor the host's permission to look up) and `port`,
/// trying each address the name has in turn.
async fn open(host: &str, port: u16) -> Result<Streams, Error> {
    let addresses = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip_address(ip)],
        Err(_) => resolve_addresses(host.to_owned())
            .await
            .map_err(|e| Error::transport("name lookup", e))?,
    };
    let mut last = Error::transport("name lookup", format!("{host} has no address"));
    for address in addresses {
        let address = socket_address(address, port);
        let socket = TcpSocket::create(family(&address)).map_err(|e| Error::transport("socket", e))?;
        match socket.connect(address).await {
            Ok(()) => return Ok(Streams::of(socket)),
            Err(e) => last = Error::transport("connect", e),
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
                return Err(Error::transport("write to the proxy", "stream closed"));
            }
            proxy.advance_output(n);
        }
        // Less than the proxy's answer can be: nothing after the answer is
        // sent before the WebSocket request, which is not sent yet.
        let (result, got) = streams.input.read(Vec::with_capacity(1024)).await;
        let ended = matches!(result, StreamResult::Dropped);
        if got.is_empty() && !ended {
            continue;
        }
        if pump::tunnel_reply(&mut proxy, &got)? {
            return Ok(());
        }
    }
}

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
    /// The address it listens on.
    pub fn local_address(&self) -> SocketAddr {
        self.local
    }

    /// Listens on `address` (`ip:port`; port 0 picks a free port) with a
    /// queue of `backlog` connections not yet accepted.
    pub fn bind(
        address: &str,
        backlog: u32,
        config: impl Into<Arc<ServerConfig>>,
    ) -> Result<Listener, Error> {
        let wasi_addr = listen_socket_address(address)?;
        let socket = TcpSocket::create(family(&wasi_addr)).map_err(|e| Error::transport("socket", e))?;
        socket.bind(wasi_addr).map_err(|e| Error::transport("bind", e))?;
        socket
            .set_listen_backlog_size(backlog.into())
            .map_err(|e| Error::transport("listen backlog", e))?;
        let incoming = socket.listen().map_err(|e| Error::transport("listen", e))?;
        let local = local_address(socket.get_local_address())?;
        Ok(Listener {
            incoming,
            local,
            config: config.into(),
            _socket: socket,
        })
    }

    /// Waits for the next connection; its handshake runs as it is driven.
    pub async fn accept(&mut self) -> Result<Connection, Error> {
        match self.incoming.next().await {
            Some(socket) => Ok(Connection::accept(socket, self.config.clone())),
            None => Err(Error::transport("accept", "the listener's stream ended")),
        }
    }
}
