//! The flags `serve` and `client` share (and so their WASI 0.3 twins,
//! which include the same command lines): the timers and permessage-deflate.

use std::time::Duration;

use websocket_engine::{DeflateConfig, Timeouts};

/// The keepalive and idle timers, in whole seconds; 0 turns one off.
#[derive(clap::Args, Debug)]
pub struct Timers {
    /// RFC 6455: ping after this many seconds without input (0: never)
    #[arg(long, value_name = "SECS", default_value_t = secs(Timeouts::default().ping_interval))]
    ping_interval: u64,
    /// RFC 6455: fail when a ping's answer takes longer (0: wait forever)
    #[arg(long, value_name = "SECS", default_value_t = secs(Timeouts::default().ping_timeout))]
    ping_timeout: u64,
    /// Fail a connection that sends nothing for this long (0: never)
    #[arg(long, value_name = "SECS", default_value_t = secs(Timeouts::default().idle))]
    idle_timeout: u64,
}

impl Timers {
    /// The engine's timeouts with these timers.
    pub fn timeouts(&self) -> Timeouts {
        let timer = |secs| Some(Duration::from_secs(secs)).filter(|d| !d.is_zero());
        let mut timeouts = Timeouts::default();
        timeouts.ping_interval = timer(self.ping_interval);
        timeouts.ping_timeout = timer(self.ping_timeout);
        timeouts.idle = timer(self.idle_timeout);
        timeouts
    }
}

/// A timer's default as a flag shows it.
fn secs(timer: Option<Duration>) -> u64 {
    timer.map_or(0, |d| d.as_secs())
}

/// RFC 6455's permessage-deflate.
#[derive(clap::Args, Debug)]
pub struct Compression {
    /// RFC 6455: neither offer nor accept permessage-deflate
    #[arg(long)]
    no_compression: bool,
    /// zlib's level for what this side compresses, 0 (fastest) to 9 (smallest)
    #[arg(
        long,
        value_name = "N",
        default_value_t = DeflateConfig::default().level,
        value_parser = clap::value_parser!(u8).range(0..=9),
    )]
    compression_level: u8,
}

impl Compression {
    /// The settings to offer or accept with, or `None` to go without.
    pub fn config(&self) -> Option<DeflateConfig> {
        (!self.no_compression).then(|| DeflateConfig::default().level(self.compression_level))
    }
}
