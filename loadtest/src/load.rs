//! The echo load generator, after uWebSockets' `load_test`: a closed loop
//! with one message outstanding per connection. Each connection sends a
//! text message, waits for its echo, checks it byte for byte, records the
//! round trip and sends the next.
//!
//! The handshakes use the engine's sans-IO [`ClientHandshake`] (so hixie76
//! and hixie75 work too); after them the frames are built and parsed here,
//! without the engine: each connection builds its masked frame once and
//! rewrites only the 8-byte sequence number at the start of the payload per
//! message, and reads into one reused buffer, so the loop allocates nothing.
//! With `--deflate` the connections offer permessage-deflate (without it
//! they offer no extension), and the frames go through the engine's
//! compressing encoder and inflating decoder instead (`compressed.rs`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use websocket_engine::framing::{hixie, rfc6455};
use websocket_engine::{ClientConfig, ClientHandshake, DeflateParams, SeededEntropy, Status, Version, WsUrl};

use crate::compressed::{Compressed, Got};
use crate::{cpu_seconds, die, parse_or_die, peak_rss_kib, rss_kib, Report};

const NAME: &str = "load";
const USAGE: &str = "usage: load --url ws://ADDR/ --connections N --size BYTES --seconds S \
                     [--version rfc6455|hixie76|hixie75] [--server-pid PID] [--warmup S] \
                     [--threads N] [--deflate] [--json]";

/// Handshakes under way at once: the servers' listen backlogs are small.
const OPENING_AT_ONCE: usize = 64;
/// How long the server is left with every connection open and silent
/// before its resident set is read.
const IDLE_SETTLE: Duration = Duration::from_millis(500);
/// How long a connection waits for an echo after the end of the run before
/// it is reported as stuck (a lost message).
const GRACE: Duration = Duration::from_secs(10);
/// Latencies are recorded in nanoseconds, up to a minute.
const MAX_NS: u64 = 60_000_000_000;

/// The command line.
#[derive(Debug, Clone)]
pub struct Args {
    pub url: String,
    pub connections: usize,
    pub size: usize,
    pub seconds: f64,
    pub warmup: f64,
    pub version: Version,
    pub server_pid: Option<u32>,
    pub threads: usize,
    /// Offer permessage-deflate and compress every message.
    pub deflate: bool,
    pub json: bool,
}

fn parse() -> Args {
    let mut url = None;
    let (mut connections, mut size, mut seconds) = (None, None, None);
    let mut args = Args {
        url: String::new(),
        connections: 0,
        size: 0,
        seconds: 0.0,
        warmup: 1.0,
        version: Version::Rfc6455,
        server_pid: None,
        threads: 1,
        deflate: false,
        json: false,
    };
    let mut argv = std::env::args().skip(1);
    while let Some(arg) = argv.next() {
        match arg.as_str() {
            "--url" => url = argv.next(),
            "--connections" => connections = Some(parse_or_die(NAME, &arg, argv.next())),
            "--size" => size = Some(parse_or_die(NAME, &arg, argv.next())),
            "--seconds" => seconds = Some(parse_or_die(NAME, &arg, argv.next())),
            "--warmup" => args.warmup = parse_or_die(NAME, &arg, argv.next()),
            "--version" => args.version = parse_or_die(NAME, &arg, argv.next()),
            "--server-pid" => args.server_pid = Some(parse_or_die(NAME, &arg, argv.next())),
            "--threads" => args.threads = parse_or_die(NAME, &arg, argv.next()),
            "--deflate" => args.deflate = true,
            "--json" => args.json = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0)
            }
            other => die(NAME, format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    let missing = |what: &str| -> ! { die(NAME, format!("{what} is required\n{USAGE}")) };
    args.url = url.unwrap_or_else(|| missing("--url"));
    args.connections = connections.unwrap_or_else(|| missing("--connections"));
    args.size = size.unwrap_or_else(|| missing("--size"));
    args.seconds = seconds.unwrap_or_else(|| missing("--seconds"));
    if args.connections == 0 || args.seconds <= 0.0 || args.warmup < 0.0 || args.threads == 0 {
        die(NAME, "--connections, --seconds and --threads must be positive");
    }
    args
}

/// `load`'s entry point: runs, prints the report, and exits 1 if any
/// connection failed (or the run could not start).
pub fn main() {
    let args = parse();
    let runtime = if args.threads == 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.threads)
            .enable_all()
            .build()
    }
    .expect("tokio runtime");
    let report = runtime.block_on(run(&args)).unwrap_or_else(|e| {
        eprintln!("{NAME}: {e}");
        std::process::exit(1)
    });
    for e in &report.errors {
        eprintln!("{NAME}: {e}");
    }
    if args.json {
        println!("{}", serde_json::to_string(&report).expect("JSON"));
    } else {
        println!("{}", report.line());
    }
    // Let the runtime drop without waiting for anything left.
    runtime.shutdown_background();
    if report.failed_connections > 0 {
        std::process::exit(1);
    }
}

/// Opens every connection, then runs the loop on all of them.
pub async fn run(args: &Args) -> Result<Report, String> {
    let url = WsUrl::parse(&args.url).map_err(|e| format!("{}: {e}", args.url))?;
    if url.is_secure() {
        return Err("wss:// is not supported".into());
    }
    let addr = tokio::net::lookup_host(url.socket_addr())
        .await
        .map_err(|e| format!("cannot resolve {}: {e}", url.socket_addr()))?
        .next()
        .ok_or_else(|| format!("{} resolved to no address", url.socket_addr()))?;

    let rss_before = args.server_pid.and_then(rss_kib);
    let gate = Arc::new(Semaphore::new(OPENING_AT_ONCE));
    let opening: Vec<_> = (0..args.connections)
        .map(|id| {
            let (url, gate, version, deflate) = (url.clone(), gate.clone(), args.version, args.deflate);
            tokio::spawn(async move {
                let _permit = gate.acquire_owned().await.expect("open semaphore");
                let opened =
                    tokio::time::timeout(Duration::from_secs(30), open(&url, addr, version, deflate, id));
                match opened.await {
                    Ok(r) => r,
                    Err(_) => Err("the handshake took over 30 s".into()),
                }
            })
        })
        .collect();
    let mut conns = Vec::with_capacity(args.connections);
    for (id, handle) in opening.into_iter().enumerate() {
        let (stream, leftover, agreed) = handle
            .await
            .map_err(|e| format!("connection {id}: {e}"))?
            .map_err(|e| format!("connection {id}: cannot open: {e}"))?;
        if args.deflate && agreed.is_none() {
            return Err(format!(
                "connection {id}: the server did not agree to permessage-deflate"
            ));
        }
        let mut conn = Conn::new(id, args.version, args.size, stream, &leftover);
        conn.deflate = agreed.map(|agreed| Box::new(Compressed::new(&agreed)));
        conns.push(conn);
    }
    // Every connection is open and silent: let the server settle, then
    // read what they cost it.
    let idle_per_conn = match (args.server_pid, rss_before) {
        (Some(pid), Some(before)) => {
            tokio::time::sleep(IDLE_SETTLE).await;
            rss_kib(pid).map(|now| now.saturating_sub(before) as f64 / args.connections as f64)
        }
        _ => None,
    };

    let begun = Instant::now();
    let start = begun + Duration::from_secs_f64(args.warmup);
    let end = start + Duration::from_secs_f64(args.seconds);
    let workers: Vec<_> = conns
        .into_iter()
        .map(|conn| tokio::spawn(conn.run(start, end)))
        .collect();

    let me = std::process::id();
    let sample = || (cpu_seconds(me), args.server_pid.and_then(cpu_seconds));
    tokio::time::sleep_until(start.into()).await;
    let (loader0, server0) = sample();
    let measured_from = Instant::now();
    tokio::time::sleep_until(end.into()).await;
    let (loader1, server1) = sample();
    let window = measured_from.elapsed().as_secs_f64();
    let pct = |a: Option<f64>, b: Option<f64>| Some((b? - a?) / window * 100.0);

    let mut hist = Histogram::<u64>::new_with_bounds(100, MAX_NS, 3).expect("histogram bounds");
    let (mut messages, mut failed, mut errors) = (0u64, 0usize, Vec::new());
    for (id, worker) in workers.into_iter().enumerate() {
        let outcome = match worker.await {
            Ok(o) => o,
            Err(e) => {
                failed += 1;
                errors.push(format!("connection {id}: task failed: {e}"));
                continue;
            }
        };
        messages += outcome.messages;
        for v in outcome.hist.iter_recorded() {
            hist.saturating_record_n(v.value_iterated_to(), v.count_at_value().into());
        }
        if let Some(e) = outcome.error {
            failed += 1;
            if errors.len() < 20 {
                errors.push(e);
            }
        }
    }
    if failed > errors.len() {
        errors.push(format!(
            "... and {} more failed connections",
            failed - errors.len()
        ));
    }
    let quantile = |q: f64| {
        if hist.is_empty() {
            0.0
        } else {
            hist.value_at_quantile(q) as f64 / 1000.0
        }
    };
    Ok(Report {
        url: args.url.clone(),
        version: args.version.to_string(),
        connections: args.connections,
        size: args.size,
        seconds: args.seconds,
        loader_threads: args.threads,
        messages,
        msgs_per_sec: messages as f64 / args.seconds,
        mb_per_sec: (messages as f64 * args.size as f64) / args.seconds / 1e6,
        p50_us: quantile(0.5),
        p99_us: quantile(0.99),
        p999_us: quantile(0.999),
        max_us: if hist.is_empty() {
            0.0
        } else {
            hist.max() as f64 / 1000.0
        },
        server_peak_rss_kib: args.server_pid.and_then(peak_rss_kib),
        server_idle_kib_per_conn: idle_per_conn,
        server_cpu_pct: pct(server0, server1),
        loader_cpu_pct: pct(loader0, loader1),
        errors,
        failed_connections: failed,
    })
}

/// Connects and performs the client handshake (offering permessage-deflate
/// when `deflate`); returns the stream, any bytes that came after the
/// handshake's response, and the permessage-deflate parameters agreed.
async fn open(
    url: &WsUrl,
    addr: SocketAddr,
    version: Version,
    deflate: bool,
    id: usize,
) -> Result<(TcpStream, Vec<u8>, Option<DeflateParams>), String> {
    let mut stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect to {addr}: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let mut entropy = SeededEntropy::new(0x5eed_0000 + id as u64);
    let mut config = ClientConfig::new(version);
    if !deflate {
        config = config.compression(None);
    }
    let mut hs = ClientHandshake::new(url, config, &mut entropy).map_err(|e| e.to_string())?;
    stream
        .write_all(hs.request())
        .await
        .map_err(|e| format!("write: {e}"))?;
    let mut buf = vec![0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await.map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            hs.handle_eof().map_err(|e| e.to_string())?;
            return Err("the server closed the connection during the handshake".into());
        }
        // Complete means verified: the response is a valid acceptance.
        if let Status::Complete { value: (), consumed } =
            hs.handle_input(&buf[..n]).map_err(|e| e.to_string())?
        {
            let agreed = hs.response().and_then(|r| r.deflate);
            return Ok((stream, buf[consumed..n].to_vec(), agreed));
        }
    }
}

/// What one connection did.
struct Outcome {
    messages: u64,
    /// Round trips in nanoseconds (u32 counts: one histogram per connection).
    hist: Histogram<u32>,
    error: Option<String>,
}

/// One connection's state: its frame, built once, and its read buffer.
struct Conn {
    id: usize,
    version: Version,
    stream: TcpStream,
    /// The whole frame sent, header and (masked) payload.
    frame: Vec<u8>,
    /// Where the payload starts in `frame`.
    payload_at: usize,
    /// The RFC 6455 masking key (reused for every message: this is a load
    /// test, not a browser).
    mask: Option<[u8; 4]>,
    /// The payload, unmasked: what the echo must hold.
    expected: Vec<u8>,
    rbuf: Box<[u8]>,
    /// `rbuf[pos..filled]` is read but not yet used.
    pos: usize,
    filled: usize,
    /// permessage-deflate, when agreed.
    deflate: Option<Box<Compressed>>,
}

impl Conn {
    fn new(id: usize, version: Version, size: usize, stream: TcpStream, leftover: &[u8]) -> Conn {
        // Printable ASCII, different per connection; the first 8 bytes
        // become the message's sequence number.
        let expected: Vec<u8> = (0..size).map(|i| b'a' + ((i + id) % 26) as u8).collect();
        let mut frame = Vec::with_capacity(size + 14);
        let mask =
            (version == Version::Rfc6455).then(|| (0x9e37_79b9u32.wrapping_mul(id as u32 + 1)).to_be_bytes());
        match mask {
            Some(key) => rfc6455::encode_frame(true, rfc6455::OpCode::Text, &expected, Some(key), &mut frame)
                .expect("a text frame"),
            None => hixie::encode_text(std::str::from_utf8(&expected).expect("ASCII"), &mut frame),
        }
        let payload_at = frame.len() - size - usize::from(mask.is_none());
        let mut rbuf = vec![0u8; (2 * (size + 14)).max(64 * 1024)].into_boxed_slice();
        rbuf[..leftover.len()].copy_from_slice(leftover);
        Conn {
            id,
            version,
            stream,
            frame,
            payload_at,
            mask,
            expected,
            rbuf,
            pos: 0,
            filled: leftover.len(),
            deflate: None,
        }
    }

    /// Runs the loop until `end`, then closes. Waits at most `GRACE` after
    /// `end` for the last echo.
    async fn run(mut self, start: Instant, end: Instant) -> Outcome {
        let mut out = Outcome {
            messages: 0,
            hist: Histogram::new_with_bounds(100, MAX_NS, 3).expect("histogram bounds"),
            error: None,
        };
        let result = tokio::select! {
            biased;
            r = self.echo_loop(start, end, &mut out) => r,
            () = tokio::time::sleep_until((end + GRACE).into()) => Err(format!(
                "no echo came within {} s after the end of the run (a lost message?)",
                GRACE.as_secs()
            )),
        };
        match result {
            Ok(()) => self.close().await,
            Err(e) => out.error = Some(format!("connection {}: {e}", self.id)),
        }
        out
    }

    async fn echo_loop(&mut self, start: Instant, end: Instant, out: &mut Outcome) -> Result<(), String> {
        let mut seq = 0u32;
        loop {
            match (&mut self.deflate, self.mask) {
                (Some(deflate), Some(mask)) => deflate.message(
                    seq,
                    self.expected.len(),
                    mask,
                    &mut self.expected,
                    &mut self.frame,
                ),
                _ => self.set_sequence(seq),
            }
            seq = seq.wrapping_add(1);
            let sent = Instant::now();
            if sent >= end {
                return Ok(());
            }
            self.stream
                .write_all(&self.frame)
                .await
                .map_err(|e| format!("message {seq}: write: {e}"))?;
            self.read_echo()
                .await
                .map_err(|e| format!("message {seq}: {e}"))?;
            let got = Instant::now();
            if sent >= start && got <= end {
                out.messages += 1;
                out.hist.saturating_record((got - sent).as_nanos() as u64);
            }
        }
    }

    /// Writes `seq` as 8 hex digits at the start of the payload (of
    /// messages of 8 bytes or more), in `expected` and, masked, in `frame`.
    fn set_sequence(&mut self, seq: u32) {
        if self.expected.len() < 8 {
            return;
        }
        for i in 0..8 {
            let digit = sequence_digit(seq, i);
            self.expected[i] = digit;
            self.frame[self.payload_at + i] = digit ^ self.mask.map_or(0, |k| k[i % 4]);
        }
    }

    /// Reads more input, first moving what is unused to the buffer's start.
    async fn fill(&mut self) -> Result<(), String> {
        if self.pos > 0 {
            self.rbuf.copy_within(self.pos..self.filled, 0);
            self.filled -= self.pos;
            self.pos = 0;
        }
        if self.filled == self.rbuf.len() {
            return Err("a frame larger than the read buffer".into());
        }
        let n = self
            .stream
            .read(&mut self.rbuf[self.filled..])
            .await
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err(format!(
                "the server closed the connection (EOF) with {} bytes of an echo received",
                self.filled
            ));
        }
        self.filled += n;
        Ok(())
    }

    async fn read_echo(&mut self) -> Result<(), String> {
        match self.version {
            Version::Rfc6455 if self.deflate.is_some() => self.read_compressed().await,
            Version::Rfc6455 => self.read_rfc6455().await,
            _ => self.read_hixie().await,
        }
    }

    /// A compressed echo: one text message, inflated, equal to `expected`.
    async fn read_compressed(&mut self) -> Result<(), String> {
        loop {
            let deflate = self.deflate.as_mut().expect("compressed");
            let (got, consumed) = deflate.decode(&self.rbuf[self.pos..self.filled])?;
            let pong = match got {
                Got::Partial => None,
                Got::Text(text) if text.as_bytes() == self.expected => {
                    self.pos += consumed;
                    return Ok(());
                }
                Got::Text(text) => {
                    let at = first_difference(text.as_bytes(), &self.expected);
                    return Err(format!(
                        "the echo ({} bytes) differs from the {} sent at byte {at}",
                        text.len(),
                        self.expected.len()
                    ));
                }
                Got::Ping(payload) => Some(payload),
                Got::Other => None,
                Got::Close => return Err("the server closed the connection".into()),
            };
            self.pos += consumed;
            if let Some(payload) = pong {
                let mut frame = Vec::new();
                rfc6455::encode_frame(true, rfc6455::OpCode::Pong, &payload, self.mask, &mut frame)
                    .map_err(|e| format!("cannot answer a ping: {e}"))?;
                self.stream
                    .write_all(&frame)
                    .await
                    .map_err(|e| format!("write: {e}"))?;
            }
            if self.pos == self.filled {
                self.fill().await?;
            }
        }
    }

    /// A hixie echo is byte for byte the frame sent (hixie has no masking).
    async fn read_hixie(&mut self) -> Result<(), String> {
        let want = self.frame.len();
        let mut checked = 0;
        loop {
            let upto = (self.filled - self.pos).min(want);
            if upto > checked {
                let got = &self.rbuf[self.pos + checked..self.pos + upto];
                if got != &self.frame[checked..upto] {
                    let at = checked + first_difference(got, &self.frame[checked..upto]);
                    return Err(format!(
                        "the echo differs at byte {at} of the frame: got {:#04x}, sent {:#04x}",
                        self.rbuf[self.pos + at],
                        self.frame[at]
                    ));
                }
                checked = upto;
            }
            if checked == want {
                self.pos += want;
                return Ok(());
            }
            self.fill().await?;
        }
    }

    /// An RFC 6455 echo: one text message, possibly fragmented, whose
    /// payload is `expected`; pings are answered, pongs skipped.
    async fn read_rfc6455(&mut self) -> Result<(), String> {
        let mut matched = 0;
        let mut in_message = false;
        loop {
            let avail = &self.rbuf[self.pos..self.filled];
            let Some((fin, opcode, head, len)) = parse_head(avail)? else {
                self.fill().await?;
                continue;
            };
            if head + len > self.rbuf.len() {
                return Err(format!("a frame of {len} bytes, larger than the read buffer"));
            }
            if avail.len() < head + len {
                self.fill().await?;
                continue;
            }
            let payload = &avail[head..head + len];
            match opcode {
                0x0 | 0x1 => {
                    if in_message == (opcode == 0x1) {
                        return Err(format!("opcode {opcode:#x} out of place in a message"));
                    }
                    in_message = true;
                    let upto = matched + len;
                    if upto > self.expected.len() {
                        return Err(format!(
                            "the echo is longer than the {} bytes sent",
                            self.expected.len()
                        ));
                    }
                    if payload != &self.expected[matched..upto] {
                        let at = matched + first_difference(payload, &self.expected[matched..upto]);
                        return Err(format!(
                            "the echo differs at payload byte {at}: got {:#04x}, sent {:#04x}",
                            payload[at - matched],
                            self.expected[at]
                        ));
                    }
                    matched = upto;
                    self.pos += head + len;
                    if fin {
                        if matched != self.expected.len() {
                            return Err(format!(
                                "the echo has {matched} bytes, {} were sent",
                                self.expected.len()
                            ));
                        }
                        return Ok(());
                    }
                }
                0x9 => {
                    let mut pong = Vec::new();
                    rfc6455::encode_frame(true, rfc6455::OpCode::Pong, payload, self.mask, &mut pong)
                        .map_err(|e| format!("cannot answer a ping: {e}"))?;
                    self.pos += head + len;
                    self.stream
                        .write_all(&pong)
                        .await
                        .map_err(|e| format!("write: {e}"))?;
                }
                0xA => self.pos += head + len,
                0x8 => {
                    let code = (len >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]));
                    let reason = String::from_utf8_lossy(payload.get(2..).unwrap_or_default()).into_owned();
                    return Err(format!(
                        "the server closed the connection: code {code:?} {reason:?}"
                    ));
                }
                op => return Err(format!("unexpected opcode {op:#x} from the server")),
            }
        }
    }

    /// Closes: RFC 6455 close 1000 or hixie76 `FF 00`, then waits (3 s at
    /// most) for the server to end the connection; hixie75 just shuts down
    /// writing.
    async fn close(&mut self) {
        let mut frame = Vec::new();
        match self.version {
            Version::Rfc6455 => {
                let _ = rfc6455::encode_close(Some(1000), "", self.mask, &mut frame);
            }
            Version::Hixie76 => hixie::encode_close(&mut frame),
            _ => {}
        }
        let closing = async {
            self.stream.write_all(&frame).await?;
            if self.version == Version::Hixie75 {
                self.stream.shutdown().await?;
            }
            while self.stream.read(&mut self.rbuf).await? > 0 {}
            Ok::<(), std::io::Error>(())
        };
        let _ = tokio::time::timeout(Duration::from_secs(3), closing).await;
    }
}

/// Digit `i` (0 to 7) of `seq` in hexadecimal, as the first 8 bytes of a
/// message carry it.
pub(crate) fn sequence_digit(seq: u32, i: usize) -> u8 {
    b"0123456789abcdef"[(seq >> (28 - 4 * i) & 0xF) as usize]
}

/// The header of a server's frame: (FIN, opcode, header length, payload
/// length), or `None` if more bytes are needed.
fn parse_head(b: &[u8]) -> Result<Option<(bool, u8, usize, usize)>, String> {
    let (Some(&b0), Some(&b1)) = (b.first(), b.get(1)) else {
        return Ok(None);
    };
    if b0 & 0x70 != 0 {
        return Err(format!("reserved bits set in a frame header ({b0:#04x})"));
    }
    if b1 & 0x80 != 0 {
        return Err("the server masked a frame".into());
    }
    let (head, len) = match b1 & 0x7F {
        126 if b.len() >= 4 => (4, usize::from(u16::from_be_bytes([b[2], b[3]]))),
        127 if b.len() >= 10 => {
            let len = u64::from_be_bytes(b[2..10].try_into().expect("8 bytes"));
            (
                10,
                usize::try_from(len).map_err(|_| "an impossible frame length")?,
            )
        }
        126 | 127 => return Ok(None),
        n => (2, usize::from(n)),
    };
    Ok(Some((b0 & 0x80 != 0, b0 & 0x0F, head, len)))
}

fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use websocket_engine::{Event, Message, ServerConfig, Session};

    #[derive(Clone, Copy)]
    enum Mode {
        /// Echoes with the engine.
        Echo,
        /// Echoes, but changes the last byte of the `n`th message.
        Corrupt(usize),
        /// Sends a ping, then each echo in two RFC 6455 fragments.
        Fragment,
    }

    async fn server(mode: Mode) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                tokio::spawn(serve(stream, mode));
            }
        });
        format!("ws://{addr}/")
    }

    async fn serve(mut s: TcpStream, mode: Mode) {
        let now = Instant::now();
        let mut session = Session::server(ServerConfig::new(), now);
        let mut buf = vec![0u8; 64 * 1024];
        let mut count = 0;
        loop {
            let mut raw = Vec::new();
            while let Some(event) = session.poll_event() {
                match event {
                    Event::Message(Message::Text(text)) => {
                        let mut text = text.to_string();
                        count += 1;
                        match mode {
                            Mode::Echo => session.send_text(&text).unwrap(),
                            Mode::Corrupt(n) => {
                                if count == n {
                                    let last = text.pop().unwrap();
                                    text.push(if last == 'x' { 'y' } else { 'x' });
                                }
                                session.send_text(&text).unwrap();
                            }
                            Mode::Fragment => {
                                use rfc6455::OpCode;
                                let (a, b) = text.as_bytes().split_at(text.len() / 2);
                                rfc6455::encode_frame(true, OpCode::Ping, b"hi", None, &mut raw).unwrap();
                                rfc6455::encode_frame(false, OpCode::Text, a, None, &mut raw).unwrap();
                                rfc6455::encode_frame(true, OpCode::Continuation, b, None, &mut raw).unwrap();
                            }
                        }
                    }
                    Event::Closed(_) | Event::Failed(_) => {
                        let _ = s.write_all(session.poll_output(now)).await;
                        return;
                    }
                    _ => {}
                }
            }
            let out = session.poll_output(now);
            let pending = out.len();
            s.write_all(out).await.unwrap();
            session.advance_output(pending);
            s.write_all(&raw).await.unwrap();
            match s.read(&mut buf).await.unwrap_or(0) {
                0 => session.handle_eof(now),
                n => session.handle_input(now, &buf[..n]),
            }
        }
    }

    fn args(url: String, version: Version) -> Args {
        Args {
            url,
            connections: 4,
            size: 300,
            seconds: 0.3,
            warmup: 0.1,
            version,
            server_pid: Some(std::process::id()),
            threads: 1,
            deflate: false,
            json: true,
        }
    }

    #[tokio::test]
    async fn every_version_echoes_and_is_measured() {
        for version in [Version::Rfc6455, Version::Hixie76, Version::Hixie75] {
            let url = server(Mode::Echo).await;
            let report = run(&args(url, version)).await.unwrap();
            assert_eq!(report.failed_connections, 0, "{version}: {:?}", report.errors);
            assert!(report.messages > 100, "{version}: {report:?}");
            assert!(report.p50_us > 0.0 && report.p99_us >= report.p50_us);
            assert!(report.server_peak_rss_kib.unwrap() > 0);
            assert!(report.server_idle_kib_per_conn.is_some(), "{version}");
        }
    }

    #[tokio::test]
    async fn small_messages_carry_no_sequence_number() {
        let url = server(Mode::Echo).await;
        let mut args = args(url, Version::Rfc6455);
        args.size = 3;
        let report = run(&args).await.unwrap();
        assert_eq!(report.failed_connections, 0, "{:?}", report.errors);
    }

    #[tokio::test]
    async fn fragments_and_pings_are_handled() {
        let url = server(Mode::Fragment).await;
        let report = run(&args(url, Version::Rfc6455)).await.unwrap();
        assert_eq!(report.failed_connections, 0, "{:?}", report.errors);
        assert!(report.messages > 100);
    }

    #[tokio::test]
    async fn a_changed_byte_fails_the_connection() {
        for version in [Version::Rfc6455, Version::Hixie76] {
            let url = server(Mode::Corrupt(10)).await;
            let report = run(&args(url, version)).await.unwrap();
            assert_eq!(report.failed_connections, 4, "{version}");
            assert!(
                report
                    .errors
                    .iter()
                    .all(|e| e.contains("message 10: the echo differs")),
                "{version}: {:?}",
                report.errors
            );
        }
    }
}
