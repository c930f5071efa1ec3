//! The echo server of `serve` as a WASI 0.3 (p3) command component: one
//! instance, a task per connection, every byte through `wasi:sockets@0.3`
//! streams and no `wasi:io/poll`. Same flags, same announcement, same echo,
//! hixie75, hixie76 and RFC 6455 on one port.
//!
//! ```text
//! cargo build --release --target wasm32-wasip2 --example serve-p3
//! wasmtime run -S inherit-network target/wasm32-wasip2/release/examples/serve-p3.wasm --listen 127.0.0.1:9001
//! ```
//!
//! It exports `wasi:cli/run@0.3`, which wasmtime 48 runs in preference to
//! the `wasi:cli/run@0.2` of `main` (the standard library's entry point,
//! which only says how to run it). `--tls-cert` is refused: `wasi:tls` has
//! no server side; `--native` has no effect.

#[cfg(target_arch = "wasm32")]
#[path = "../serve/cli.rs"]
mod cli;
#[cfg(target_arch = "wasm32")]
mod p3;

#[path = "../common/p3_main.rs"]
mod p3_main;

/// Reached natively, or when a host runs the component's WASI 0.2 entry
/// point: says how to run it.
fn main() {
    p3_main::how_to_run("serve-p3", "", "--listen ADDR")
}
