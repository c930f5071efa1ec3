//! Runs a WASI 0.3 command component (one that exports
//! `wasi:cli/run@0.3`, such as the `serve-p3` example) in the embedded
//! wasmtime: one store, one instance, its tasks (a connection each, for
//! `serve-p3`) multiplexed inside it by the component model's own async.
//! It gets the host's network, stdio, clocks and random source, through
//! WASI 0.3 and WASI 0.2 both: Rust's standard library in the guest still
//! imports a few 0.2 interfaces (`wasi:cli/environment` for its arguments,
//! `wasi:cli/stdout`).

use std::path::Path;

use wasmtime::component::{Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p3::bindings::Command;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::runtime::compile_cached;

/// A command's store: its WASI context and resource table.
struct CommandState {
    ctx: WasiCtx,
    table: ResourceTable,
}

impl WasiView for CommandState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

/// Compiles the command component at `path` (or loads the compiled code
/// cached beside it), runs its `wasi:cli/run@0.3` export with `args` (the
/// first is its name) and returns what `run` returned: `Err(())` is the
/// command's failure, as a non-zero exit. A component without that export
/// (a WASI 0.2 command) is an error, as is a trap.
pub async fn run_p3_command(path: &Path, args: &[String]) -> wasmtime::Result<Result<(), ()>> {
    let mut config = Config::new();
    config.wasm_component_model_async(true);
    let engine = Engine::new(&config)?;
    let component = compile_cached(&engine, path)?;
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi::p3::add_to_linker(&mut linker)?;
    let mut builder = WasiCtx::builder();
    builder
        .inherit_stdio()
        .inherit_network()
        .allow_tcp(true)
        .allow_ip_name_lookup(true)
        .args(args);
    let state = CommandState {
        ctx: builder.build(),
        table: ResourceTable::new(),
    };
    let mut store = Store::new(&engine, state);
    let command = Command::instantiate_async(&mut store, &component, &linker).await?;
    store
        .run_concurrent(async move |store| command.wasi_cli_run().call_run(store).await)
        .await?
}
