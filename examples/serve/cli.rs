//! The command line shared by `serve` and `serve-p3`: its flags, the
//! server's configuration from them, and what the server prints.

use std::process::exit;

use clap::{Parser, ValueEnum};
use websocket_engine::{DeflateConfig, ServerConfig, Timeouts};

#[path = "../common/flags.rs"]
mod flags;

/// A WebSocket echo server: hixie75, hixie76 and RFC 6455 on one port, and
/// a page at `/` that chats with it from a browser.
#[derive(Parser, Debug)]
#[command(name = "serve", version)]
struct Flags {
    /// Where to listen, ip:port (port 0 picks a free one)
    #[arg(long, value_name = "ADDR")]
    listen: String,
    /// Accept only this origin (repeat for more; default: any)
    #[arg(long = "origin", value_name = "ORIGIN")]
    origins: Vec<String>,
    /// Accept this subprotocol (repeat for more; default: none asked for)
    #[arg(long = "protocol", value_name = "PROTOCOL")]
    protocols: Vec<String>,
    /// Connections the kernel holds until they are accepted
    #[arg(long, value_name = "N", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    backlog: u32,
    #[command(flatten)]
    timers: flags::Timers,
    #[command(flatten)]
    compression: flags::Compression,
    /// Serve wss:// (and the page over https://) with this PEM certificate chain
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<String>,
    /// The PEM private key of --tls-cert
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<String>,
    /// Run the engine as native code rather than as a component
    #[arg(long)]
    native: bool,
    /// The component to run: the library component (p2) or the WASI 0.3 command component (p3)
    #[arg(long, value_name = "WASI", value_enum, default_value_t = Wasi::P2)]
    wasi: Wasi,
}

/// What `--wasi` chooses.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Wasi {
    P2,
    P3,
}

/// The command line.
pub struct Args {
    pub listen: String,
    pub origins: Vec<String>,
    pub protocols: Vec<String>,
    /// The listen queue: connections the kernel holds until they are
    /// accepted (default 1024).
    pub backlog: u32,
    pub timeouts: Timeouts,
    /// The permessage-deflate settings accepted with, or `None` to decline
    /// it (default: the engine's defaults).
    pub compression: Option<DeflateConfig>,
    /// The PEM certificate chain and private key to serve `wss://` (and
    /// the page over `https://`) with; the host terminates TLS.
    pub tls: Option<(String, String)>,
    /// Accepted and ignored by the command components, which are never
    /// native.
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    pub native: bool,
    /// `--wasi p3`: the WASI 0.3 command component `serve-p3` in the
    /// embedded wasmtime, rather than the library component (`p2`, the
    /// default). Ignored by the command components.
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    pub p3: bool,
}

impl Args {
    /// How each connection is served.
    pub fn config(&self) -> ServerConfig {
        ServerConfig::new()
            .page(PAGE)
            .timeouts(self.timeouts.clone())
            .origins(self.origins.iter().cloned())
            .protocols(self.protocols.iter().cloned())
            .compression(self.compression)
            .secure(self.tls.is_some())
    }

    /// The TLS acceptor for `--tls-cert` and `--tls-key`, if given.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn tls(&self) -> Option<websocket_io::tls::TlsAcceptor> {
        let (cert, key) = self.tls.as_ref()?;
        let read =
            |path: &String| std::fs::read(path).unwrap_or_else(|e| die(&format!("cannot read {path}"), e));
        let config = websocket_io::tls::server_config(&read(cert), &read(key))
            .unwrap_or_else(|e| die("cannot use --tls-cert and --tls-key", e));
        Some(websocket_io::tls::TlsAcceptor::new(config))
    }
}

/// The command line, or exit 2 with clap's error (0 for `--help` and
/// `--version`).
pub fn parse() -> Args {
    let flags = Flags::parse();
    Args {
        listen: flags.listen,
        origins: flags.origins,
        protocols: flags.protocols,
        backlog: flags.backlog,
        timeouts: flags.timers.timeouts(),
        compression: flags.compression.config(),
        tls: flags.tls_cert.zip(flags.tls_key),
        native: flags.native,
        p3: flags.wasi == Wasi::P3,
    }
}

/// The page served to plain HTTP `GET /` requests.
pub const PAGE: &str = include_str!("page.html");

/// Prints where the server listens: the first line is the WebSocket URL
/// (tests read it), the second the page for a browser.
pub fn announce(addr: impl std::fmt::Display, secure: bool) {
    use std::io::Write;
    let s = if secure { "s" } else { "" };
    // One write, and errors ignored: a reader that stops after the first
    // line must not kill the server.
    let lines = format!(
        "listening on ws{s}://{addr}/\nopen http{s}://{addr}/ in a browser to chat with the server\n"
    );
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(lines.as_bytes()).and_then(|()| out.flush());
}

/// Logs a connection that failed, as `serve: WHO: MESSAGE (CODE)`, unless
/// it only wanted the page (or another plain HTTP resource).
pub fn report(who: impl std::fmt::Display, message: impl std::fmt::Display, code: &str) {
    if code != "not-web-socket" {
        eprintln!("serve: {who}: {message} ({code})");
    }
}

/// Reports a fatal start-up error and exits 1.
pub fn die(what: &str, e: impl std::fmt::Display) -> ! {
    eprintln!("serve: {what}: {e}");
    exit(1)
}

/// Listens on `args.listen` with the backlog asked for (native and
/// embedded-component servers).
#[cfg(not(target_arch = "wasm32"))]
pub async fn listen(args: &Args) -> tokio::net::TcpListener {
    let bind = async {
        let addr = tokio::net::lookup_host(&args.listen)
            .await?
            .next()
            .ok_or_else(|| std::io::Error::other("the address resolved to nothing"))?;
        let socket = match addr {
            std::net::SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
            std::net::SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
        };
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        socket.listen(args.backlog)
    };
    let listener = bind
        .await
        .unwrap_or_else(|e| die(&format!("cannot listen on {}", args.listen), e));
    announce(listener.local_addr().expect("bound"), args.tls.is_some());
    listener
}
