//! The fuzz smoke: every cargo-fuzz target in `fuzz/` runs for a short,
//! fixed time over its committed seeds (`fuzz/seeds/TARGET`) and the corpus
//! it grows (`fuzz/corpus/TARGET`, not committed). A crash fails the test
//! and leaves the input in `fuzz/artifacts/TARGET`. Needs the nightly
//! toolchain and cargo-fuzz (`bash .ci/install` installs cargo-fuzz).
#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;
use std::process::Command;

const TARGETS: [&str; 7] = [
    "server_request",
    "client_response",
    "hixie75_frames",
    "hixie76_frames",
    "rfc6455_frames",
    "rfc6455_deflate_frames",
    "connection",
];

/// Seconds each target runs.
const SECONDS: u32 = 8;

/// Runs `cargo fuzz COMMAND` with `args` in `fuzz/` on the nightly
/// toolchain, without AddressSanitizer: the fuzzed code is safe Rust, and
/// the build is a third faster (RELIABILITY.md).
fn cargo_fuzz(fuzz: &Path, command: &str, args: &[&str]) -> std::process::Output {
    Command::new("rustup")
        .args(["run", "nightly", "cargo", "fuzz", command, "--sanitizer", "none"])
        .args(args)
        .current_dir(fuzz)
        .output()
        .expect("rustup is needed to run the nightly toolchain for cargo-fuzz")
}

#[test]
fn every_fuzz_target_runs_clean() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    // Build every target once, then run them two at a time (two cores).
    let built = cargo_fuzz(&fuzz, "build", &[]);
    let log = String::from_utf8_lossy(&built.stderr);
    assert!(
        !log.contains("no such command: `fuzz`"),
        "cargo-fuzz is missing: bash .ci/install installs it"
    );
    assert!(built.status.success(), "building the fuzz targets failed:\n{log}");
    for pair in TARGETS.chunks(2) {
        let runs: Vec<_> = pair
            .iter()
            .map(|target| {
                let fuzz = fuzz.clone();
                std::thread::spawn(move || {
                    let corpus = fuzz.join("corpus").join(target);
                    std::fs::create_dir_all(&corpus).unwrap();
                    let seeds = fuzz.join("seeds").join(target);
                    let time = format!("-max_total_time={SECONDS}");
                    let (corpus, seeds) = (corpus.to_str().unwrap(), seeds.to_str().unwrap());
                    let args = [target, corpus, seeds, "--", &time, "-rss_limit_mb=2048"];
                    (target, cargo_fuzz(&fuzz, "run", &args))
                })
            })
            .collect();
        for run in runs {
            let (target, output) = run.join().unwrap();
            let log = String::from_utf8_lossy(&output.stderr);
            let tail: Vec<&str> = log.lines().rev().take(15).collect();
            assert!(
                output.status.success(),
                "{target} failed:\n{}",
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
            assert!(
                log.contains("Done "),
                "{target} did not run to its time limit:\n{log}"
            );
        }
    }
}
