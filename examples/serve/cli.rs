//! The command line shared by `serve` and `serve-p3`: its flags, the
//! server's configuration from them, and what the server prints.

use std::process::exit;
use std::time::Duration;

use websocket_engine::{DeflateConfig, ServerConfig, Timeouts};

const USAGE: &str = "usage: serve --listen ADDR [--origin ORIGIN]... [--protocol PROTOCOL]... [--backlog N] \
                     [--ping-interval SECS] [--ping-timeout SECS] [--idle-timeout SECS] [--no-compression] [--compression-level N] [--tls-cert FILE --tls-key FILE] [--native | --wasi p2|p3]";

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

pub fn parse() -> Args {
    let mut listen = None;
    let (mut origins, mut protocols, mut native, mut backlog) = (Vec::new(), Vec::new(), false, 1024);
    let mut p3 = false;
    let (mut compression, mut level) = (true, None);
    let (mut tls_cert, mut tls_key) = (None, None);
    let mut timeouts = Timeouts::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next().unwrap_or_else(|| {
                eprintln!("serve: {arg} needs a value\n{USAGE}");
                exit(2)
            })
        };
        match arg.as_str() {
            "--listen" => listen = Some(value()),
            "--origin" => origins.push(value()),
            "--protocol" => protocols.push(value()),
            "--backlog" => backlog = number(&arg, &value()).max(1) as u32,
            "--ping-interval" => timeouts.ping_interval = seconds(&arg, &value()),
            "--ping-timeout" => timeouts.ping_timeout = seconds(&arg, &value()),
            "--idle-timeout" => timeouts.idle = seconds(&arg, &value()),
            "--no-compression" => compression = false,
            "--compression-level" => level = Some(number(&arg, &value()).min(9) as u8),
            "--tls-cert" => tls_cert = Some(value()),
            "--tls-key" => tls_key = Some(value()),
            "--native" => native = true,
            "--wasi" => {
                p3 = match value().as_str() {
                    "p2" => false,
                    "p3" => true,
                    other => {
                        eprintln!("serve: --wasi takes p2 or p3, not {other:?}\n{USAGE}");
                        exit(2)
                    }
                }
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                exit(0);
            }
            other => {
                eprintln!("serve: unknown argument {other:?}\n{USAGE}");
                exit(2)
            }
        }
    }
    let listen = listen.unwrap_or_else(|| {
        eprintln!("serve: --listen is required\n{USAGE}");
        exit(2)
    });
    let tls = match (tls_cert, tls_key) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) => None,
        _ => {
            eprintln!("serve: --tls-cert and --tls-key go together\n{USAGE}");
            exit(2)
        }
    };
    Args {
        listen,
        origins,
        protocols,
        backlog,
        timeouts,
        compression: compression.then(|| {
            let defaults = DeflateConfig::default();
            level.map_or(defaults, |l| defaults.level(l))
        }),
        tls,
        native,
        p3,
    }
}

/// A whole number given to `flag`, or exit 2.
fn number(flag: &str, value: &str) -> u64 {
    value.parse().unwrap_or_else(|_| {
        eprintln!("serve: {flag} takes a whole number, not {value:?}\n{USAGE}");
        exit(2)
    })
}

/// A timer given in seconds to `flag`; 0 turns it off.
fn seconds(flag: &str, value: &str) -> Option<Duration> {
    Some(Duration::from_secs(number(flag, value))).filter(|d| !d.is_zero())
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
