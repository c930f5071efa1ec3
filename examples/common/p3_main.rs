/// The `main` of a WASI 0.3 command component example, reached natively or
/// when a host runs the component's WASI 0.2 entry point (the standard
/// library's) instead of its `wasi:cli/run@0.3` export: says how to build
/// and run example `name` (with the wasmtime `flags` it needs beyond the
/// network, and `args` after the component) and exits 2.
pub fn how_to_run(name: &str, flags: &str, args: &str) -> ! {
    eprintln!(
        "{name} is a WASI 0.3 command component: build it with \
         `cargo build --release --target wasm32-wasip2 --example {name}` and run it with \
         `wasmtime run -S inherit-network{flags} {name}.wasm {args}` (wasmtime 48 or later)"
    );
    std::process::exit(2)
}
