//! The echo server with the engine as a component in an embedded wasmtime:
//! the host accepts TCP connections and hands each one's streams to a fresh
//! instance of the component.

use websocket_build::library_component;
use websocket_engine::DeflateConfig;
use websocket_host::bindings::ServerOptions;
use websocket_host::{serve_echo, Runtime};

use crate::{die, Args};

pub fn run(args: Args) {
    let path = library_component().unwrap_or_else(|e| die("cannot build the component", e));
    let rt = Runtime::new(&path).unwrap_or_else(|e| die("cannot load the component", e));
    let options = ServerOptions {
        limits: None,
        timeouts: Some(crate::wit::timeouts(&args.timeouts)),
        origins: args.origins.clone(),
        protocols: args.protocols.clone(),
        secure: args.tls.is_some(),
        utf8: None,
        page: Some(crate::PAGE.to_owned()),
        response_headers: Vec::new(),
        defer_decisions: false,
        compression: crate::wit::compression(args.compression.as_slice(), &[DeflateConfig::default()]),
    };
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| die("cannot start tokio", e));
    tokio.block_on(async {
        let listener = crate::listen(&args).await;
        let report = |peer, e: websocket_host::HostError| {
            let code = e
                .guest()
                .map_or("host", |g| websocket_host::bindings::error_info(g).code.as_str());
            crate::report(peer, &e, code);
        };
        if let Err(e) = serve_echo(rt, listener, options, args.tls(), report).await {
            die("accept failed", e);
        }
    });
}
