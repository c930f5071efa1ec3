//! The wasmtime engine, linker and instances.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::bindings::{Library, LibraryPre};

/// Compiles `path`, keeping the machine code in `PATH.HASH.cwasm` beside it
/// so that the next process (another test, another run) loads it at once.
/// The hash covers the wasm bytes and the engine's configuration.
fn compile_cached(engine: &Engine, path: &Path) -> wasmtime::Result<Component> {
    let bytes = std::fs::read(path)?;
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let cached = path.with_extension(format!("{:016x}.cwasm", hasher.finish()));
    if cached.exists() {
        // SAFETY: the file was written by `serialize` below, for an engine
        // with the same compatibility hash, inside this build's target dir.
        if let Ok(component) = unsafe { Component::deserialize_file(engine, &cached) } {
            return Ok(component);
        }
    }
    let component = Component::new(engine, &bytes)?;
    // Write then rename, so a concurrent reader never sees half a file.
    let partial = cached.with_extension(format!("{}.partial", std::process::id()));
    if std::fs::write(&partial, component.serialize()?).is_ok() {
        let _ = std::fs::rename(&partial, &cached);
    }
    Ok(component)
}

/// What each store holds: the WASI context and the resource table where the
/// host puts the streams it hands to the component.
pub struct HostState {
    ctx: WasiCtx,
    pub(crate) table: ResourceTable,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

/// What an instance may reach besides the streams the host hands it.
/// Every instance has the clocks and the random source; none has a
/// filesystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Nothing else: an accepted connection, or a client over a connection
    /// the host opened. No network, no stderr.
    Streams,
    /// A client that connects by itself: name lookup, and TCP connections
    /// to this port only (plus the implicit bind a connection makes).
    Connect {
        /// The server's port.
        port: u16,
    },
    /// The host's whole network, and stderr: a composed application, or a
    /// command.
    Network,
}

impl Access {
    /// The WASI context that grants it.
    pub fn ctx(self) -> WasiCtx {
        let mut builder = WasiCtx::builder();
        match self {
            Access::Streams => {}
            Access::Connect { port } => {
                builder
                    .allow_tcp(true)
                    .allow_ip_name_lookup(true)
                    .socket_addr_check(move |addr, used| {
                        let allowed = match used {
                            SocketAddrUse::TcpBind => addr.port() == 0,
                            SocketAddrUse::TcpConnect => addr.port() == port,
                            _ => false,
                        };
                        Box::pin(async move { allowed })
                    });
            }
            Access::Network => {
                builder
                    .inherit_stderr()
                    .inherit_network()
                    .allow_tcp(true)
                    .allow_ip_name_lookup(true);
            }
        }
        builder.build()
    }
}

/// The compiled library component, ready to be instantiated many times.
#[derive(Clone)]
pub struct Runtime {
    engine: Engine,
    linker: Linker<HostState>,
    pre: LibraryPre<HostState>,
}

impl Runtime {
    /// Compiles the component at `path` (or loads the compiled code cached
    /// beside it) and links WASI 0.2 to it.
    pub fn new(path: &Path) -> wasmtime::Result<Runtime> {
        let engine = Engine::new(&Config::new())?;
        let component = compile_cached(&engine, path)?;
        Runtime::link(engine, &component)
    }

    /// Compiles the component in `wasm` (a binary component, or its text
    /// form) and links WASI 0.2 to it.
    pub fn from_bytes(wasm: &[u8]) -> wasmtime::Result<Runtime> {
        let engine = Engine::new(&Config::new())?;
        let component = Component::new(&engine, wasm)?;
        Runtime::link(engine, &component)
    }

    fn link(engine: Engine, component: &Component) -> wasmtime::Result<Runtime> {
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        let pre = LibraryPre::new(linker.instantiate_pre(component)?)?;
        Ok(Runtime { engine, linker, pre })
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// A linker with WASI 0.2, for running other components (e.g. a
    /// composed application) on the same engine.
    pub fn linker(&self) -> &Linker<HostState> {
        &self.linker
    }

    /// A new store with the WASI context `ctx` (see [`Access::ctx`]).
    pub fn store(&self, ctx: WasiCtx) -> Store<HostState> {
        Store::new(
            &self.engine,
            HostState {
                ctx,
                table: ResourceTable::new(),
            },
        )
    }

    /// A fresh instance of the library in a fresh store that may reach
    /// what `access` grants.
    pub async fn instantiate(&self, access: Access) -> wasmtime::Result<(Store<HostState>, Library)> {
        let mut store = self.store(access.ctx());
        let library = self.pre.instantiate_async(&mut store).await?;
        Ok((store, library))
    }
}
