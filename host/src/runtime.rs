//! The wasmtime engine, linker and instances.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::sync::Arc;

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_tls::{WasiTlsCtx, WasiTlsCtxBuilder, WasiTlsCtxView, WasiTlsView};
use websocket_io::tls::{self, rustls};

use crate::bindings::{Library, LibraryPre};
use crate::guard::{self, Guard, Guards, GuestLimits};

/// Compiles `path`, keeping the machine code in `PATH.HASH.cwasm` beside it
/// so that the next process (another test, another run) loads it at once.
/// The hash covers the wasm bytes and the engine's configuration.
pub(crate) fn compile_cached(engine: &Engine, path: &Path) -> wasmtime::Result<Component> {
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

/// What each store holds: the WASI context, the `wasi:tls` context, the
/// resource table where the host puts the streams it hands to the
/// component, and the store's share of the [`GuestLimits`].
pub struct HostState {
    ctx: WasiCtx,
    tls: WasiTlsCtx,
    pub(crate) table: ResourceTable,
    guard: Guard,
}

impl WasiTlsView for HostState {
    fn tls(&mut self) -> WasiTlsCtxView<'_> {
        WasiTlsCtxView {
            ctx: &mut self.tls,
            table: &mut self.table,
        }
    }
}

/// The `wasi:tls` provider: rustls with the runtime's client configuration
/// (its trusted roots), as the native adapters use it.
pub(crate) struct TlsProvider(pub(crate) Arc<rustls::ClientConfig>);

impl wasmtime_wasi_tls::TlsProvider for TlsProvider {
    fn connect(
        &self,
        server_name: String,
        transport: Box<dyn wasmtime_wasi_tls::TlsTransport>,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<
                    Output = Result<Box<dyn wasmtime_wasi_tls::TlsStream>, wasmtime_wasi_tls::Error>,
                > + Send,
        >,
    > {
        let config = self.0.clone();
        Box::pin(async move {
            let name = rustls::pki_types::ServerName::try_from(server_name)
                .map_err(|e| wasmtime_wasi_tls::Error::msg(format!("invalid server name: {e}")))?;
            let stream = tokio_rustls::TlsConnector::from(config)
                .connect(name, transport)
                .await
                .map_err(|e| match e.downcast::<rustls::Error>() {
                    Ok(e) => wasmtime_wasi_tls::Error::msg(e),
                    Err(e) => wasmtime_wasi_tls::Error::msg(e),
                })?;
            Ok(Box::new(stream) as Box<dyn wasmtime_wasi_tls::TlsStream>)
        })
    }
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

/// An engine that interrupts guests at each epoch, with the thread that
/// advances it.
fn engine() -> wasmtime::Result<Engine> {
    let mut config = Config::new();
    config.epoch_interruption(true);
    let engine = Engine::new(&config)?;
    guard::start_ticking(&engine)?;
    Ok(engine)
}

/// The compiled library component, ready to be instantiated many times.
/// Its instances get `wasi:tls`, trusting the Mozilla roots of
/// `webpki-roots` unless [`Runtime::tls_client_config`] says otherwise,
/// and every store it makes is held to [`GuestLimits`] (the defaults, or
/// [`Runtime::guest_limits`]).
#[derive(Clone)]
pub struct Runtime {
    engine: Engine,
    linker: Linker<HostState>,
    pre: LibraryPre<HostState>,
    tls: Arc<rustls::ClientConfig>,
    guards: Guards,
}

impl Runtime {
    /// Compiles the component at `path` (or loads the compiled code cached
    /// beside it) and links WASI 0.2 to it.
    pub fn new(path: &Path) -> wasmtime::Result<Runtime> {
        let engine = engine()?;
        let component = compile_cached(&engine, path)?;
        Runtime::link(engine, &component)
    }

    /// Compiles the component in `wasm` (a binary component, or its text
    /// form) and links WASI 0.2 to it.
    pub fn from_bytes(wasm: &[u8]) -> wasmtime::Result<Runtime> {
        let engine = engine()?;
        let component = Component::new(&engine, wasm)?;
        Runtime::link(engine, &component)
    }

    fn link(engine: Engine, component: &Component) -> wasmtime::Result<Runtime> {
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        let mut tls_options = wasmtime_wasi_tls::p2::LinkOptions::default();
        tls_options.tls(true);
        wasmtime_wasi_tls::p2::add_to_linker(&mut linker, &tls_options)?;
        let pre = LibraryPre::new(linker.instantiate_pre(component)?)?;
        let tls = tls::client_config(tls::default_roots());
        Ok(Runtime {
            engine,
            linker,
            pre,
            tls,
            guards: Guards::new(GuestLimits::default()),
        })
    }

    /// Holds the stores made from now on to `limits` (the instance cap
    /// counts from here too).
    pub fn guest_limits(mut self, limits: GuestLimits) -> Runtime {
        self.guards = Guards::new(limits);
        self
    }

    /// Makes the instances' `wasi:tls` use this rustls client configuration
    /// (for example [`tls::client_config`] with a private CA added).
    pub fn tls_client_config(mut self, config: Arc<rustls::ClientConfig>) -> Runtime {
        self.tls = config;
        self
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// A linker with WASI 0.2 and `wasi:tls`, for running other components (e.g. a
    /// composed application) on the same engine.
    pub fn linker(&self) -> &Linker<HostState> {
        &self.linker
    }

    /// A new store with the WASI context `ctx` (see [`Access::ctx`]),
    /// held to the [`GuestLimits`]; an error when the instance cap is
    /// reached. Call its guests with the `*_async` methods: a guest that
    /// computes yields at each epoch tick.
    pub fn store(&self, ctx: WasiCtx) -> wasmtime::Result<Store<HostState>> {
        let mut store = Store::new(
            &self.engine,
            HostState {
                ctx,
                tls: WasiTlsCtxBuilder::new()
                    .provider(Box::new(TlsProvider(self.tls.clone())))
                    .build(),
                table: ResourceTable::new(),
                guard: self.guards.guard()?,
            },
        );
        guard::install(&mut store, |state| &mut state.guard);
        Ok(store)
    }

    /// A fresh instance of the library in a fresh store that may reach
    /// what `access` grants.
    pub async fn instantiate(&self, access: Access) -> wasmtime::Result<(Store<HostState>, Library)> {
        let mut store = self.store(access.ctx())?;
        let library = self.pre.instantiate_async(&mut store).await?;
        Ok((store, library))
    }
}
