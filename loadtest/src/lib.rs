//! Dev-only load tooling for `websocket-engine`: an echo load generator
//! (`load`), rival echo servers to compare against (`tungstenite-echo`,
//! `fastwebsockets-echo`) and a driver that runs them all (`bench-all`).
//! See `loadtest/README.md`.
//!
//! Native only: on wasm32 this library is empty and every binary's `main`
//! does nothing, so the workspace's wasm32 build and lint still pass.
#![cfg(not(target_arch = "wasm32"))]

mod compressed;
pub mod load;

use std::io::Write;
use std::process::exit;

use serde::{Deserialize, Serialize};

/// Prints the first stdout line every server here prints (`bench-all` and
/// the tests of `serve` read it), flushed at once.
pub fn announce(addr: impl std::fmt::Display) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on ws://{addr}/").and_then(|()| out.flush());
}

/// Parses `--listen ADDR [--threads N]`, the command line of the rival echo
/// servers. `threads` 0 means one tokio worker per core.
pub fn server_args(name: &str) -> (String, usize) {
    let usage = format!("usage: {name} --listen ADDR [--threads N]");
    let mut listen = None;
    let mut threads = 0;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => listen = args.next(),
            "--threads" => threads = parse_or_die(name, &arg, args.next()),
            "-h" | "--help" => {
                println!("{usage}");
                exit(0)
            }
            other => die(name, format!("unknown argument {other:?}\n{usage}")),
        }
    }
    let listen = listen.unwrap_or_else(|| die(name, format!("--listen ADDR is required\n{usage}")));
    (listen, threads)
}

/// A tokio runtime with `threads` workers (0: one per core).
pub fn runtime(threads: usize) -> tokio::runtime::Runtime {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if threads > 0 {
        builder.worker_threads(threads);
    }
    builder.enable_all().build().expect("tokio runtime")
}

/// The whole of a rival echo server's `main`: reads `--listen` and
/// `--threads`, binds, announces the address, and hands each accepted
/// connection (`TCP_NODELAY` set) with its peer address to `handle` on its
/// own task.
pub fn serve<F, Fut>(name: &'static str, handle: F)
where
    F: Fn(tokio::net::TcpStream, std::net::SocketAddr) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (listen, threads) = server_args(name);
    runtime(threads).block_on(async move {
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .unwrap_or_else(|e| die(name, format!("cannot listen on {listen}: {e}")));
        announce(listener.local_addr().expect("bound"));
        loop {
            match listener.accept().await {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(handle(stream, peer));
                }
                Err(e) => eprintln!("{name}: accept failed: {e}"),
            }
        }
    })
}

/// Parses the value of option `flag`, or exits 2 saying why.
pub fn parse_or_die<T: std::str::FromStr>(name: &str, flag: &str, value: Option<String>) -> T
where
    T::Err: std::fmt::Display,
{
    let value = value.unwrap_or_else(|| die(name, format!("{flag} needs a value")));
    value
        .parse()
        .unwrap_or_else(|e| die(name, format!("{flag} {value:?}: {e}")))
}

/// Prints `name: message` to stderr and exits 2.
pub fn die(name: &str, message: impl std::fmt::Display) -> ! {
    eprintln!("{name}: {message}");
    exit(2)
}

/// The peak resident set (`VmHWM`) of process `pid`, in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmHWM:")
}

/// The resident set (`VmRSS`) of process `pid` now, in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmRSS:")
}

/// A `kB` field of `/proc/PID/status`.
fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// CPU time (user + system) that process `pid` has used, in seconds, from
/// `/proc/PID/stat` (clock-tick resolution, usually 10 ms).
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields are counted
    // from after its closing parenthesis (field 3 on).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let ticks = if ticks > 0 { ticks as f64 } else { 100.0 };
    Some((utime + stime) / ticks)
}

/// The result of one `load` run, as `load --json` prints it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub url: String,
    pub version: String,
    pub connections: usize,
    /// Payload bytes per message.
    pub size: usize,
    /// Length of the measured window, in seconds.
    pub seconds: f64,
    pub loader_threads: usize,
    /// Round trips completed (sent, echoed and verified) in the window.
    pub messages: u64,
    pub msgs_per_sec: f64,
    /// Payload bytes echoed per second, one direction (the same bytes also
    /// went the other way), in MB (10^6 bytes).
    pub mb_per_sec: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    pub p999_us: f64,
    pub max_us: f64,
    /// `VmHWM` of `--server-pid` at the end of the run.
    pub server_peak_rss_kib: Option<u64>,
    /// What each open, idle connection costs the server: its `VmRSS` with
    /// every connection open and silent (after a short settle), less its
    /// `VmRSS` before the first, divided by the connections, in KiB.
    #[serde(default)]
    pub server_idle_kib_per_conn: Option<f64>,
    /// The server's CPU use over the window, in percent of one core.
    pub server_cpu_pct: Option<f64>,
    /// The load generator's CPU use over the window, in percent of one core.
    pub loader_cpu_pct: Option<f64>,
    /// One line per connection that failed (at most 20), then a count of
    /// the rest.
    pub errors: Vec<String>,
    /// Connections that failed.
    pub failed_connections: usize,
}

impl Report {
    /// The one-line human summary `load` prints.
    pub fn line(&self) -> String {
        let mut s = format!(
            "{} {} conns x {} B: {:.0} msgs/s, {:.2} MB/s (payload echoed, one direction), \
             p50 {}, p99 {}, p99.9 {}, max {}",
            self.version,
            self.connections,
            self.size,
            self.msgs_per_sec,
            self.mb_per_sec,
            fmt_us(self.p50_us),
            fmt_us(self.p99_us),
            fmt_us(self.p999_us),
            fmt_us(self.max_us),
        );
        if let Some(kib) = self.server_peak_rss_kib {
            s += &format!(", server peak RSS {:.1} MiB", kib as f64 / 1024.0);
        }
        if let Some(kib) = self.server_idle_kib_per_conn {
            s += &format!(", {kib:.1} KiB per idle connection");
        }
        if let Some(cpu) = self.server_cpu_pct {
            s += &format!(", server CPU {cpu:.0}%");
        }
        if let Some(cpu) = self.loader_cpu_pct {
            s += &format!(
                ", loader CPU {cpu:.0}% ({} thread{})",
                self.loader_threads,
                if self.loader_threads == 1 { "" } else { "s" }
            );
        }
        s += &format!(", {} failed connections", self.failed_connections);
        s
    }
}

/// A latency in microseconds, in the unit that reads best.
pub fn fmt_us(us: f64) -> String {
    if us >= 1000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{us:.0} µs")
    }
}
