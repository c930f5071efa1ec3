//! The line client of `client` as a WASI 0.3 (p3) command component: the
//! same flags (but `--ca` and `--component`), the same lines in and out,
//! `--echo` for the Autobahn fuzzing server; the connection, stdin and the
//! timers all through p3 streams and futures in one task.
//!
//! ```text
//! cargo build --release --target wasm32-wasip2 --example client-p3
//! printf 'hello\n' | wasmtime run -S inherit-network -S tls \
//!     target/wasm32-wasip2/release/examples/client-p3.wasm ws://127.0.0.1:9001/
//! ```
//!
//! `wss://` goes through the host's WASI 0.3 `wasi:tls` (experimental in
//! wasmtime 48, `-S tls`), which trusts the host's roots: hence no `--ca`.

#[cfg(target_arch = "wasm32")]
#[path = "../client/cli.rs"]
mod cli;
#[cfg(target_arch = "wasm32")]
mod p3;

#[path = "../common/p3_main.rs"]
mod p3_main;

/// Reached natively, or when a host runs the component's WASI 0.2 entry
/// point: says how to run it.
fn main() {
    p3_main::how_to_run("client-p3", " -S tls", "URL [--version VERSION]")
}
