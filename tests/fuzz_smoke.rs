//! The fuzz smoke: every cargo-fuzz target in `fuzz/` runs for a short,
//! fixed time over its committed seeds (`fuzz/seeds/TARGET`) and the corpus
//! it grows (`fuzz/corpus/TARGET`, not committed). A crash fails the test
//! and leaves the input in `fuzz/artifacts/TARGET`. Needs the nightly
//! toolchain and cargo-fuzz (`bash .ci/install` installs cargo-fuzz).
#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;
use std::process::Command;

const TARGETS: [&str; 6] = [
    "server_request",
    "client_response",
    "hixie75_frames",
    "hixie76_frames",
    "rfc6455_frames",
    "connection",
];

/// Seconds each target runs.
const SECONDS: u32 = 8;

#[test]
fn every_fuzz_target_runs_clean() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    for target in TARGETS {
        let corpus = fuzz.join("corpus").join(target);
        std::fs::create_dir_all(&corpus).unwrap();
        let seeds = fuzz.join("seeds").join(target);
        let output = Command::new("rustup")
            .args(["run", "nightly", "cargo", "fuzz", "run", target])
            .arg(&corpus)
            .arg(&seeds)
            .args(["--", &format!("-max_total_time={SECONDS}"), "-rss_limit_mb=2048"])
            .current_dir(&fuzz)
            .output()
            .expect("rustup is needed to run the nightly toolchain for cargo-fuzz");
        let log = String::from_utf8_lossy(&output.stderr);
        assert!(
            !log.contains("no such command: `fuzz`"),
            "cargo-fuzz is missing: bash .ci/install installs it"
        );
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
