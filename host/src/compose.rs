//! Composition: plugging the library component into an application.

use wac_graph::types::Package;
use wac_graph::{plug, CompositionGraph, EncodeOptions};

/// Composes `app` (a component importing `websocket:protocol/connection`,
/// such as one built for the `app` world) with `library` (this engine's
/// component) into one component: every import of `app` that `library`
/// exports is filled by it; the rest (WASI) stay imports.
pub fn compose(app: &[u8], library: &[u8]) -> Result<Vec<u8>, String> {
    let e = |e: &dyn std::fmt::Display| e.to_string();
    let mut graph = CompositionGraph::new();
    let library = Package::from_bytes("websocket:engine", None, library.to_vec(), graph.types_mut())
        .map_err(|x| e(&x))?;
    let library = graph.register_package(library).map_err(|x| e(&x))?;
    let app =
        Package::from_bytes("websocket:app", None, app.to_vec(), graph.types_mut()).map_err(|x| e(&x))?;
    let app = graph.register_package(app).map_err(|x| e(&x))?;
    plug(&mut graph, vec![library], app).map_err(|x| e(&x))?;
    graph.encode(EncodeOptions::default()).map_err(|x| e(&x))
}
