//! Building wasm artefacts of this workspace with cargo, once per process.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ sits in the workspace")
}

/// Builds `package` of this workspace for `wasm32-wasip2` in release mode
/// (`cargo build --release --target wasm32-wasip2 -p PACKAGE ARGS...`) and
/// returns the path of `artefact` (a file name under
/// `target/wasm32-wasip2/release/`). Each build runs once per process; cargo
/// makes it a no-op when nothing changed.
pub fn built_wasm(package: &str, args: &[&str], artefact: &str) -> Result<PathBuf, String> {
    static BUILT: Mutex<Option<HashMap<String, Result<PathBuf, String>>>> = Mutex::new(None);
    let mut built = BUILT.lock().unwrap_or_else(|p| p.into_inner());
    let key = format!("{package} {args:?} {artefact}");
    built
        .get_or_insert_with(HashMap::new)
        .entry(key)
        .or_insert_with(|| build(package, args, artefact))
        .clone()
}

fn build(package: &str, args: &[&str], artefact: &str) -> Result<PathBuf, String> {
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .args([
            "build",
            "--quiet",
            "--release",
            "--target",
            "wasm32-wasip2",
            "-p",
            package,
        ])
        .args(args)
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    if !status.success() {
        return Err(format!("building {package} for wasm32-wasip2 failed ({status})"));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let path = target.join("wasm32-wasip2").join("release").join(artefact);
    if path.exists() {
        Ok(path)
    } else {
        Err(format!("{} was not built", path.display()))
    }
}

/// The library component (`websocket_engine.wasm`), built if needed.
pub fn library_component() -> Result<PathBuf, String> {
    built_wasm("websocket-engine", &["--lib"], "websocket_engine.wasm")
}
