//! Runs a WASI 0.3 command component (one that exports
//! `wasi:cli/run@0.3`, such as the `serve-p3` example) in the embedded
//! wasmtime: one store, one instance, its tasks (a connection each, for
//! `serve-p3`) multiplexed inside it by the component model's own async.
//! It gets the host's network, stdio, clocks and random source, through
//! WASI 0.3 and WASI 0.2 both: Rust's standard library in the guest still
//! imports a few 0.2 interfaces (`wasi:cli/environment` for its arguments,
//! `wasi:cli/stdout`).

use std::path::Path;

use wasmtime::Store;
use wasmtime_wasi::p3::bindings::Command;
use wasmtime_wasi::WasiCtx;

use websocket_io::tls;

use crate::p3::{p3_linker, P3State};
use crate::runtime::compile_cached;

/// Compiles the command component at `path` (or loads the compiled code
/// cached beside it), runs its `wasi:cli/run@0.3` export with `args` (the
/// first is its name) and returns what `run` returned: `Err(())` is the
/// command's failure, as a non-zero exit. A component without that export
/// (a WASI 0.2 command) is an error, as is a trap.
pub async fn run_p3_command(path: &Path, args: &[String]) -> wasmtime::Result<Result<(), ()>> {
    let (engine, linker) = p3_linker()?;
    let component = compile_cached(&engine, path)?;
    let mut builder = WasiCtx::builder();
    builder
        .inherit_stdio()
        .inherit_network()
        .allow_tcp(true)
        .allow_ip_name_lookup(true)
        .args(args);
    let state = P3State::new(builder, tls::client_config(tls::default_roots()));
    let mut store = Store::new(&engine, state);
    let command = Command::instantiate_async(&mut store, &component, &linker).await?;
    store
        .run_concurrent(async move |store| command.wasi_cli_run().call_run(store).await)
        .await?
}
