//! permessage-deflate throughput and ratio of the engine, in the format
//! `benches/deflate/compare.py` reads, so that it runs side by side with
//! Python `websockets` and npm `ws` doing the same work.
//!
//! ```text
//! cargo bench -p websocket-benches --bench deflate -- MIN_SECONDS NAME:PATH:SIZE:WINDOW:MEM_LEVEL:LEVEL...
//! python3 benches/deflate/compare.py     # all three, interleaved rounds
//! ```
//!
//! Each case splits the file at PATH into messages of SIZE bytes and
//! passes them, in order and with context takeover, through the public
//! compressing [`Encoder`] (a server's unmasked binary frames) and then
//! through a [`Decoder`] with permessage-deflate (the client reading them),
//! with windows of 2^WINDOW bytes, zlib's memory level and compression
//! level. Whole passes over the file repeat until MIN_SECONDS have gone; a
//! fresh encoder or decoder per pass. It prints one JSON line per case:
//! compression and decompression in MB/s of uncompressed payload, and the
//! ratio of compressed payload (frame headers not counted) to payload.

use std::hint::black_box;
use std::time::{Duration, Instant};

use websocket_engine::framing::rfc6455::{Decoder, Encoder, OpCode};
use websocket_engine::framing::Frame;
use websocket_engine::Status;
use websocket_engine::{DeflateConfig, DeflateParams, Limits, Role};

struct Case {
    name: String,
    messages: Vec<Vec<u8>>,
    params: DeflateParams,
    config: DeflateConfig,
}

impl Case {
    fn parse(arg: &str) -> Case {
        let fields: Vec<&str> = arg.split(':').collect();
        let [name, path, size, window, mem_level, level] = fields[..] else {
            panic!("expected NAME:PATH:SIZE:WINDOW:MEM_LEVEL:LEVEL, got {arg:?}")
        };
        let number = |s: &str| {
            s.parse::<usize>()
                .unwrap_or_else(|_| panic!("not a number: {s:?}"))
        };
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let window = number(window) as u8;
        Case {
            name: name.to_owned(),
            messages: data.chunks(number(size)).map(<[u8]>::to_vec).collect(),
            params: DeflateParams {
                server_max_window_bits: window,
                client_max_window_bits: window,
                ..DeflateParams::default()
            },
            config: DeflateConfig::new()
                .mem_level(number(mem_level) as u8)
                .level(number(level) as u8),
        }
    }

    /// Every message as a compressed frame.
    fn compress_all(&self) -> Vec<Vec<u8>> {
        let mut encoder = Encoder::with_deflate(Role::Server, &self.params, &self.config);
        self.messages
            .iter()
            .map(|m| {
                let mut frame = Vec::with_capacity(m.len() / 2 + 16);
                encoder.encode(true, OpCode::Binary, m, None, &mut frame).unwrap();
                frame
            })
            .collect()
    }

    /// Inflates every frame, handing each message to `each`.
    fn decompress_all(&self, frames: &[Vec<u8>], mut each: impl FnMut(usize, &[u8])) {
        let limits = Limits::default();
        let mut decoder = Decoder::new(Role::Client, &limits).with_deflate(&self.params);
        for (i, frame) in frames.iter().enumerate() {
            match decoder.decode(frame).unwrap() {
                Status::Complete {
                    value: Frame::Binary(m),
                    ..
                } => each(i, &m),
                other => panic!("frame {i}: {other:?}"),
            }
        }
    }
}

/// The seconds one call of `pass` takes, over as many calls as fit in
/// `min_time`.
fn timed(min_time: Duration, mut pass: impl FnMut()) -> f64 {
    let (mut passes, start) = (0u32, Instant::now());
    loop {
        pass();
        passes += 1;
        if start.elapsed() >= min_time {
            return start.elapsed().as_secs_f64() / f64::from(passes);
        }
    }
}

/// The payload of an unmasked frame.
fn payload(frame: &[u8]) -> usize {
    let header = match frame[1] & 0x7F {
        126 => 4,
        127 => 10,
        _ => 2,
    };
    frame.len() - header
}

fn main() {
    // cargo bench adds `--bench`.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let Some((min_time, cases)) = args.split_first() else {
        eprintln!(
            "usage: cargo bench -p websocket-benches --bench deflate -- MIN_SECONDS NAME:PATH:SIZE:WINDOW:MEM_LEVEL:LEVEL..."
        );
        eprintln!("(python3 benches/deflate/compare.py runs it beside websockets and ws)");
        return;
    };
    let min_time = Duration::from_secs_f64(min_time.parse().expect("MIN_SECONDS"));
    for case in cases.iter().map(|c| Case::parse(c)) {
        let frames = case.compress_all();
        case.decompress_all(&frames, |i, m| assert_eq!(m, case.messages[i], "message {i}"));
        let total: usize = case.messages.iter().map(Vec::len).sum();
        let compress = timed(min_time, || drop(black_box(case.compress_all())));
        let decompress = timed(min_time, || {
            case.decompress_all(&frames, |_, m| {
                black_box(m);
            })
        });
        let compressed: usize = frames.iter().map(|f| payload(f)).sum();
        println!(
            r#"{{"impl": "ours", "case": "{}", "compress_mb_s": {}, "decompress_mb_s": {}, "ratio": {}}}"#,
            case.name,
            total as f64 / compress / 1e6,
            total as f64 / decompress / 1e6,
            compressed as f64 / total as f64,
        );
    }
}
