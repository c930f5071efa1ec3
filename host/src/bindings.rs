//! Host bindings for the `library` world, generated from `wit/`.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "websocket:protocol/library",
    exports: { default: async },
    additional_derives: [PartialEq, Eq],
    with: {
        "wasi:io": wasmtime_wasi::p2::bindings::io,
    },
});

pub use exports::websocket::protocol::types::{
    AcceptOptions, ClientOptions, CloseInfo, Compression, Culprit, Decision, DeflateOptions, DeflateParams,
    Error, ErrorInfo, HixieFrame, Limits, Message, Refusal, Role, ServerOptions, Timeouts, Utf8Policy,
    Version,
};

/// `error_info`, `Default for ServerOptions` and `ClientOptions::new`,
/// for the types of a
/// `websocket:protocol` package's bindings (0.1.0's here, 0.2.0's in
/// [`crate::p3::bindings`]: the same WIT, other generated types).
macro_rules! type_helpers {
    () => {
        /// The details of an error, whatever layer reported it.
        pub fn error_info(e: &Error) -> &ErrorInfo {
            let (Error::Url(info)
            | Error::Handshake(info)
            | Error::Frame(info)
            | Error::Usage(info)
            | Error::Entropy(info)
            | Error::Io(info)
            | Error::Timeout(info)
            | Error::Proxy(info)
            | Error::Tls(info)) = e;
            info
        }

        impl ClientOptions {
            /// A client of `version` with the engine's defaults: no origin
            /// (hixie takes the URL's), subprotocol or extra header, the
            /// engine's limits, timeouts and UTF-8 policy, permessage-deflate
            /// offered with its defaults (RFC 6455), no proxy.
            pub fn new(version: Version) -> Self {
                ClientOptions {
                    version,
                    origin: None,
                    protocols: Vec::new(),
                    extra_headers: Vec::new(),
                    limits: None,
                    timeouts: None,
                    utf8: None,
                    compression: Compression::Defaults,
                    proxy: None,
                }
            }
        }

        impl Default for ServerOptions {
            /// Accepts every version with the engine's own limits, timeouts and
            /// UTF-8 policy: any origin, no subprotocol, no page, not behind TLS,
            /// permessage-deflate with its defaults.
            fn default() -> Self {
                ServerOptions {
                    limits: None,
                    timeouts: None,
                    origins: Vec::new(),
                    protocols: Vec::new(),
                    secure: false,
                    utf8: None,
                    page: None,
                    response_headers: Vec::new(),
                    defer_decisions: false,
                    compression: Compression::Defaults,
                }
            }
        }
    };
}
pub(crate) use type_helpers;

type_helpers!();
