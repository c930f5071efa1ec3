//! The library component in an embedded wasmtime, as the component suites
//! drive it: one runtime per test process, built and compiled once.

use std::sync::OnceLock;

use websocket_build::library_component;
use websocket_host::bindings::{ClientOptions, Error as WitError, Version as WitVersion};
use websocket_host::Runtime;

/// The library component's runtime, made at first use.
pub fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| Runtime::new(&library_component().unwrap()).unwrap())
}

/// A multi-threaded tokio runtime with its I/O and timers.
pub fn tokio() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The engine's version as the WIT names it.
pub fn wit_version(v: websocket_engine::Version) -> WitVersion {
    match v {
        websocket_engine::Version::Hixie75 => WitVersion::Hixie75,
        websocket_engine::Version::Hixie76 => WitVersion::Hixie76,
        websocket_engine::Version::Rfc6455 => WitVersion::Rfc6455,
    }
}

/// A component client of `version` with an origin (which hixie needs).
pub fn client_options(version: websocket_engine::Version) -> ClientOptions {
    ClientOptions {
        origin: Some("http://example.com".into()),
        ..ClientOptions::new(wit_version(version))
    }
}

/// The error's code, whatever its layer.
pub fn code(e: &WitError) -> &str {
    &websocket_host::bindings::error_info(e).code
}
