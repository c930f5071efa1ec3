//! The echo load generator: `load --url ws://ADDR/ --connections N --size
//! BYTES --seconds S [--version rfc6455|hixie76|hixie75] [--server-pid PID]
//! [--warmup S] [--threads N] [--json]`. See `websocket_loadtest::load`.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    websocket_loadtest::load::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}
