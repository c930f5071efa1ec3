//! The command line shared by `client` and `client-p3`: its flags and the
//! client's configuration from them.

use std::io::Write;

use clap::{CommandFactory, Parser, ValueEnum};
use websocket_engine::{ClientConfig, Version};

#[path = "../common/flags.rs"]
mod flags;

/// A line client: every stdin line goes out as a text message, every text
/// message received is printed as a line; at the end of stdin it closes.
#[derive(Parser, Debug)]
#[command(name = "client", version, disable_version_flag = true)]
struct Flags {
    /// The server, ws://HOST[:PORT]/PATH or wss://...
    url: Option<String>,
    /// The protocol version to speak [default: rfc6455]; alone, prints this program's version
    #[arg(short = 'V', long, value_name = "VERSION", value_enum)]
    version: Option<Option<ProtocolVersion>>,
    /// The Origin to send
    #[arg(long, value_name = "ORIGIN")]
    origin: Option<String>,
    /// Ask for this subprotocol (repeat for more in RFC 6455)
    #[arg(long = "protocol", value_name = "PROTOCOL")]
    protocols: Vec<String>,
    #[command(flatten)]
    timers: flags::Timers,
    #[command(flatten)]
    compression: flags::Compression,
    /// Read no stdin: send every message received back, and exit 0 on a clean close
    #[arg(long)]
    echo: bool,
    /// Trust the PEM certificates in FILE too, for wss:// (native only)
    #[arg(long, value_name = "FILE")]
    ca: Option<String>,
    /// Reach the server through this proxy: http://[user:pass@]host:port or socks5://... (default: from https_proxy, http_proxy, all_proxy and no_proxy)
    #[arg(long, value_name = "URL")]
    proxy: Option<String>,
    /// Run the engine as a component in an embedded wasmtime (native only)
    #[arg(long)]
    component: bool,
}

/// The versions `--version` takes.
#[derive(ValueEnum, Clone, Copy, Debug)]
enum ProtocolVersion {
    Hixie75,
    Hixie76,
    Rfc6455,
}

impl From<ProtocolVersion> for Version {
    fn from(version: ProtocolVersion) -> Version {
        match version {
            ProtocolVersion::Hixie75 => Version::Hixie75,
            ProtocolVersion::Hixie76 => Version::Hixie76,
            ProtocolVersion::Rfc6455 => Version::Rfc6455,
        }
    }
}

/// The command line.
pub struct Args {
    pub url: String,
    pub config: ClientConfig,
    /// `--echo`: send every message back instead of reading stdin.
    pub echo: bool,
    pub reach: Reach,
    /// `--component`: the engine as a component in embedded wasmtime.
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    pub component: bool,
}

/// How to reach the server: `--ca` and `--proxy`.
#[derive(Default)]
pub struct Reach {
    pub ca: Option<String>,
    pub proxy: Option<String>,
}

/// The command line, or exit 2 with clap's error (0 for `--help`, and
/// for `--version` without a value).
pub fn parse() -> Args {
    let flags = Flags::parse();
    let version = match flags.version {
        Some(None) => {
            print!("{}", Flags::command().render_version());
            std::process::exit(0)
        }
        Some(Some(version)) => version.into(),
        None => Version::Rfc6455,
    };
    let Some(url) = flags.url else {
        Flags::command()
            .error(
                clap::error::ErrorKind::MissingRequiredArgument,
                "the URL is required",
            )
            .exit()
    };
    let mut config = ClientConfig::new(version);
    config.origin = flags.origin;
    config.protocols = flags.protocols;
    config.timeouts = flags.timers.timeouts();
    match flags.compression.config() {
        None => config.compression.clear(),
        Some(chosen) => {
            for offer in &mut config.compression {
                *offer = offer.level(chosen.level);
            }
        }
    }
    Args {
        url,
        config,
        echo: flags.echo,
        reach: Reach {
            ca: flags.ca,
            proxy: flags.proxy,
        },
        component: flags.component,
    }
}

/// The end of an echo: fine when the closing handshake completed.
pub fn closed_cleanly(clean: bool) -> Result<(), String> {
    match clean {
        true => Ok(()),
        false => Err("the connection ended without a clean close".into()),
    }
}

/// Prints one received message as a line.
pub fn print_line(text: &str) {
    let mut out = std::io::stdout().lock();
    // A closed stdout is no reason to break the protocol.
    let _ = writeln!(out, "{text}").and_then(|()| out.flush());
}
