//! The WASI 0.3 library component (`websocket:protocol@0.2.0`, built from
//! `component-p3`) in the embedded wasmtime: async exports called inside
//! the store's `run_concurrent`, many calls in flight at once, and the
//! hand-over of a TCP connection the host accepted as two `stream<u8>`.
//!
//! ```text
//!   tokio TcpStream ─ read half ──▶ TcpInput  ──stream<u8>──▶ connection.accept(input)
//!                   ◀ write half ── TcpOutput ◀─stream<u8>───   returns (connection, output)
//! ```

use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use wasmtime::component::{
    Component, Destination, Linker, ResourceTable, Source, StreamConsumer, StreamProducer, StreamReader,
    StreamResult,
};
use wasmtime::{AsContextMut, Config, Engine, Store, StoreContextMut};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_tls::{WasiTlsCtx, WasiTlsCtxBuilder, WasiTlsCtxView, WasiTlsView};
use websocket_io::tls::{self, rustls};

use crate::runtime::{compile_cached, TlsProvider};

/// Host bindings for the p3 `library` world, generated from `wit/p3/`.
pub mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit/p3",
        world: "websocket:protocol/library@0.2.0",
        exports: { default: async | store },
        additional_derives: [PartialEq, Eq],
        with: {
            "wasi:sockets": wasmtime_wasi::p3::bindings::sockets,
            "wasi:clocks": wasmtime_wasi::p3::bindings::clocks,
        },
    });

    pub use exports::websocket::protocol::connection::{Event, State};
    pub use exports::websocket::protocol::types::{
        AcceptOptions, ClientOptions, CloseInfo, Compression, Culprit, Decision, DeflateOptions,
        DeflateParams, Error, ErrorInfo, HixieFrame, Limits, Message, Refusal, RequestInfo, ResponseInfo,
        Role, ServerOptions, Timeouts, Utf8Policy, Version,
    };

    crate::bindings::type_helpers!();
}

/// A store's state for a WASI 0.3 component: its WASI and `wasi:tls`
/// contexts and its table.
pub struct P3State {
    ctx: WasiCtx,
    tls: WasiTlsCtx,
    table: ResourceTable,
}

impl P3State {
    /// The state for a context `builder` makes, whose `wasi:tls` trusts
    /// what `tls` does.
    pub fn new(mut builder: WasiCtxBuilder, tls: Arc<rustls::ClientConfig>) -> Self {
        P3State {
            ctx: builder.build(),
            tls: WasiTlsCtxBuilder::new()
                .provider(Box::new(TlsProvider(tls)))
                .build(),
            table: ResourceTable::new(),
        }
    }
}

impl WasiTlsView for P3State {
    fn tls(&mut self) -> WasiTlsCtxView<'_> {
        WasiTlsCtxView {
            ctx: &mut self.tls,
            table: &mut self.table,
        }
    }
}

impl WasiView for P3State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

/// An engine with the component model's async on, and a linker with WASI
/// 0.3 and 0.2 both (Rust's standard library in a guest still imports a
/// few 0.2 interfaces, such as the clocks behind `Instant`) and WASI 0.3's
/// draft `wasi:tls`.
pub(crate) fn p3_linker() -> wasmtime::Result<(Engine, Linker<P3State>)> {
    let mut config = Config::new();
    config.wasm_component_model_async(true);
    let engine = Engine::new(&config)?;
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi::p3::add_to_linker(&mut linker)?;
    wasmtime_wasi_tls::p3::add_to_linker(&mut linker)?;
    Ok((engine, linker))
}

/// The compiled p3 library component, ready to instantiate. Its instances
/// get `wasi:tls`, trusting the Mozilla roots of `webpki-roots` unless
/// [`P3Library::tls_client_config`] says otherwise.
pub struct P3Library {
    component: Component,
    linker: Linker<P3State>,
    tls: Arc<rustls::ClientConfig>,
}

impl P3Library {
    /// Compiles the component at `path` (`websocket_component_p3.wasm`), or
    /// loads the compiled code cached beside it.
    pub fn new(path: &Path) -> wasmtime::Result<Self> {
        let (engine, linker) = p3_linker()?;
        let component = compile_cached(&engine, path)?;
        let tls = tls::client_config(tls::default_roots());
        Ok(P3Library {
            component,
            linker,
            tls,
        })
    }

    /// Makes the instances' `wasi:tls` use this rustls client configuration
    /// (for example [`tls::client_config`] with a private CA added).
    pub fn tls_client_config(mut self, config: Arc<rustls::ClientConfig>) -> P3Library {
        self.tls = config;
        self
    }

    /// A store whose instance may use the host's network (TCP and name
    /// lookup, for `connect` and `listener`), and the instance. Call its
    /// exports inside `store.run_concurrent`.
    pub async fn instantiate(&self) -> wasmtime::Result<(Store<P3State>, bindings::Library)> {
        let mut builder = WasiCtx::builder();
        builder
            .inherit_network()
            .allow_tcp(true)
            .allow_ip_name_lookup(true);
        let state = P3State::new(builder, self.tls.clone());
        let mut store = Store::new(self.linker.engine(), state);
        let library = bindings::Library::instantiate_async(&mut store, &self.component, &self.linker).await?;
        Ok((store, library))
    }
}

/// What `tcp` receives, as the `stream<u8>` a connection reads
/// (`accept`'s or `handshake`'s `input`).
pub fn tcp_input<T: 'static>(
    store: impl AsContextMut<Data = T>,
    tcp: OwnedReadHalf,
) -> wasmtime::Result<StreamReader<u8>> {
    StreamReader::new(store, TcpInput(tcp))
}

/// Sends what a connection writes (`accept`'s or `handshake`'s returned
/// stream) on `tcp`, whose sending side shuts down when the stream ends.
pub fn tcp_output<T: 'static>(
    store: impl AsContextMut<Data = T>,
    output: StreamReader<u8>,
    tcp: OwnedWriteHalf,
) -> wasmtime::Result<()> {
    output.pipe(store, TcpOutput(tcp))
}

/// The bytes read from a TCP connection, produced into a stream.
struct TcpInput(OwnedReadHalf);

/// The most bytes one read hands the guest when the host is the reader.
const READ_CAPACITY: usize = 16 * 1024;

impl<D> StreamProducer<D> for TcpInput {
    type Item = u8;
    type Buffer = bytes::BytesMut;

    fn poll_produce<'a>(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        store: StoreContextMut<'a, D>,
        destination: Destination<'a, u8, Self::Buffer>,
        finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        let mut destination = destination.as_direct(store, READ_CAPACITY);
        if destination.remaining().is_empty() {
            // A zero-length read: a readiness check.
            return match self.0.as_ref().poll_read_ready(cx) {
                Poll::Ready(_) => Poll::Ready(Ok(StreamResult::Completed)),
                Poll::Pending if finish => Poll::Ready(Ok(StreamResult::Cancelled)),
                Poll::Pending => Poll::Pending,
            };
        }
        let mut buf = ReadBuf::new(destination.remaining());
        let polled = Pin::new(&mut self.0)
            .poll_read(cx, &mut buf)
            .map_ok(|()| buf.filled().len());
        match polled {
            Poll::Ready(Ok(0)) => Poll::Ready(Ok(StreamResult::Dropped)),
            Poll::Ready(Ok(n)) => {
                destination.mark_written(n);
                Poll::Ready(Ok(StreamResult::Completed))
            }
            // The connection broke: the stream ends, as at end of input.
            Poll::Ready(Err(_)) => Poll::Ready(Ok(StreamResult::Dropped)),
            Poll::Pending if finish => Poll::Ready(Ok(StreamResult::Cancelled)),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// A stream's bytes, written to a TCP connection.
struct TcpOutput(OwnedWriteHalf);

impl<D> StreamConsumer<D> for TcpOutput {
    type Item = u8;

    fn poll_consume(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        store: StoreContextMut<D>,
        source: Source<u8>,
        finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        let mut source = source.as_direct(store);
        let polled = if source.remaining().is_empty() {
            // A zero-length write: a readiness check.
            self.0.as_ref().poll_write_ready(cx).map_ok(|()| 0)
        } else {
            Pin::new(&mut self.0).poll_write(cx, source.remaining())
        };
        match polled {
            Poll::Ready(Ok(n)) => {
                source.mark_read(n);
                Poll::Ready(Ok(StreamResult::Completed))
            }
            Poll::Ready(Err(_)) => Poll::Ready(Ok(StreamResult::Dropped)),
            Poll::Pending if finish => Poll::Ready(Ok(StreamResult::Cancelled)),
            Poll::Pending => Poll::Pending,
        }
    }
}
