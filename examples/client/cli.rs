//! The command line shared by `client` and `client-p3`: its flags and the
//! client's configuration from them.

use std::io::Write;
use std::process::exit;
use std::time::Duration;

use websocket_engine::{ClientConfig, Timeouts, Version};

pub const USAGE: &str =
    "usage: client URL --version hixie75|hixie76|rfc6455 [--origin ORIGIN] [--protocol PROTOCOL]... \
                     [--ping-interval SECS] [--ping-timeout SECS] [--idle-timeout SECS] [--no-compression] [--compression-level N] [--echo] [--ca FILE] [--proxy URL] [--component]";

/// A timer given in seconds to `flag`; 0 turns it off.
fn seconds(flag: &str, value: &str) -> Option<Duration> {
    let secs: u64 = value.parse().unwrap_or_else(|_| {
        eprintln!("client: {flag} takes a whole number of seconds, not {value:?}\n{USAGE}");
        exit(2)
    });
    Some(Duration::from_secs(secs)).filter(|d| !d.is_zero())
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

/// The command line, or exit 2 with the usage.
pub fn parse() -> Args {
    let mut url = None;
    let mut version = None;
    let mut origin = None;
    let mut protocols = Vec::new();
    let mut in_component = false;
    let (mut compression, mut level) = (true, None);
    let mut echo = false;
    let mut reach = Reach::default();
    let mut timeouts = Timeouts::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next().unwrap_or_else(|| {
                eprintln!("client: {arg} needs a value\n{USAGE}");
                exit(2)
            })
        };
        match arg.as_str() {
            "--version" => {
                version = Some(value().parse::<Version>().unwrap_or_else(|e| {
                    eprintln!("client: {e}\n{USAGE}");
                    exit(2)
                }))
            }
            "--origin" => origin = Some(value()),
            "--protocol" => protocols.push(value()),
            "--ping-interval" => timeouts.ping_interval = seconds(&arg, &value()),
            "--ping-timeout" => timeouts.ping_timeout = seconds(&arg, &value()),
            "--idle-timeout" => timeouts.idle = seconds(&arg, &value()),
            "--no-compression" => compression = false,
            "--compression-level" => level = Some(value()),
            "--echo" => echo = true,
            "--ca" => reach.ca = Some(value()),
            "--proxy" => reach.proxy = Some(value()),
            "--component" => in_component = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                exit(0)
            }
            other if url.is_none() && !other.starts_with("--") => url = Some(other.to_owned()),
            other => {
                eprintln!("client: unexpected argument {other:?}\n{USAGE}");
                exit(2)
            }
        }
    }
    let (Some(url), Some(version)) = (url, version) else {
        eprintln!("client: a URL and --version are required\n{USAGE}");
        exit(2)
    };
    let mut config = ClientConfig::new(version);
    config.origin = origin;
    config.protocols = protocols;
    config.timeouts = timeouts;
    if !compression {
        config.compression.clear();
    }
    if let Some(level) = level {
        let level = level.parse::<u8>().unwrap_or_else(|_| {
            eprintln!("client: --compression-level takes 0 to 9\n{USAGE}");
            exit(2)
        });
        for offer in &mut config.compression {
            *offer = offer.level(level.min(9));
        }
    }
    Args {
        url,
        config,
        echo,
        reach,
        component: in_component,
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
