//! Dev-only: builds wasm artefacts of this workspace with cargo, once per
//! process, adding the `wasm32-wasip2` target first if the toolchain lacks
//! it. The examples and tests call it; the `websocket-host` library takes a
//! path or bytes and builds nothing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("tools/build/ sits in the workspace")
}

/// Builds `package` of this workspace for `wasm32-wasip2` in release mode
/// (`cargo build --release --target wasm32-wasip2 -p PACKAGE ARGS...`) and
/// returns the path of `artefact` (a file name under
/// `target/wasm32-wasip2/release/`). Each build runs once per process; cargo
/// makes it a no-op when nothing changed.
pub fn built_wasm(package: &str, args: &[&str], artefact: &str) -> Result<PathBuf, String> {
    built_in(None, package, args, artefact)
}

/// [`built_wasm`] into the target folder's subfolder `folder`, or into the
/// target folder itself.
fn built_in(folder: Option<&str>, package: &str, args: &[&str], artefact: &str) -> Result<PathBuf, String> {
    static BUILT: Mutex<Option<HashMap<String, Result<PathBuf, String>>>> = Mutex::new(None);
    let mut built = BUILT.lock().unwrap_or_else(|p| p.into_inner());
    let key = format!("{folder:?} {package} {args:?} {artefact}");
    built
        .get_or_insert_with(HashMap::new)
        .entry(key)
        .or_insert_with(|| build(folder, package, args, artefact))
        .clone()
}

/// The target the artefacts are built for.
const TARGET: &str = "wasm32-wasip2";

/// Adds [`TARGET`] to the toolchain when its standard library is missing,
/// and says so on stderr. `rust-toolchain.toml` lists the target, but rustup
/// adds listed targets only when it installs a toolchain, not to one that a
/// machine already has, so on a fresh machine the first build would fail.
fn ensure_target(root: &Path) -> Result<(), String> {
    let libdir = Command::new("rustc")
        .args(["--print", "target-libdir", "--target", TARGET])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run rustc: {e}"))?;
    let libdir = PathBuf::from(String::from_utf8_lossy(&libdir.stdout).trim());
    if libdir.is_dir() {
        return Ok(());
    }
    eprintln!("websocket-build: the {TARGET} target is not installed; adding it: rustup target add {TARGET}");
    let added = Command::new("rustup")
        .args(["target", "add", TARGET])
        .current_dir(root)
        .status();
    match added {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("rustup target add {TARGET} failed ({status})")),
        Err(e) => Err(format!(
            "the {TARGET} target is missing and rustup cannot be run to add it ({e}); install the target"
        )),
    }
}

fn build(folder: Option<&str>, package: &str, args: &[&str], artefact: &str) -> Result<PathBuf, String> {
    let root = workspace_root();
    ensure_target(root)?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let shared = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let target = folder.map_or_else(|| shared.clone(), |folder| shared.join(folder));
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
        .env("CARGO_TARGET_DIR", &target)
        // What is compiled on the way stays in the shared folder, so a
        // build into a folder of its own recompiles only what differs.
        .env("CARGO_BUILD_BUILD_DIR", &shared)
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    if !status.success() {
        return Err(format!("building {package} for wasm32-wasip2 failed ({status})"));
    }
    let path = target.join("wasm32-wasip2").join("release").join(artefact);
    if path.exists() {
        Ok(path)
    } else {
        Err(format!("{} was not built", path.display()))
    }
}

/// The library component (`websocket_component.wasm`), built if needed; or,
/// when the environment variable [`COMPONENT_VAR`] names a file, that file,
/// with nothing built (a process started hundreds of times, as the Autobahn
/// client runs do, then skips a cargo run each time).
pub fn library_component() -> Result<PathBuf, String> {
    match std::env::var_os(COMPONENT_VAR) {
        Some(path) if Path::new(&path).is_file() => Ok(PathBuf::from(path)),
        Some(path) => Err(format!(
            "{COMPONENT_VAR}={} is not a file",
            path.to_string_lossy()
        )),
        None => built_wasm("websocket-component", &["--lib"], "websocket_component.wasm"),
    }
}

/// The library component built without its default features, so without
/// `wasi:tls` among its imports (`wss://` then fails with
/// `tls-unavailable`), for hosts that do not offer it. It lands in a folder
/// of its own (`without-tls` under the target folder): in the shared one it
/// would replace the default build under the feet of the tests that load
/// it. The dependencies compiled on the way are shared (cargo's
/// `build-dir`), so only the two crates that differ are built again.
pub fn library_component_without_tls() -> Result<PathBuf, String> {
    built_in(
        Some("without-tls"),
        "websocket-component",
        &["--lib", "--no-default-features"],
        "websocket_component.wasm",
    )
}

/// The WASI 0.3 library component (`component-p3`, the WIT package
/// `websocket:protocol@0.2.0`), built.
pub fn p3_library_component() -> Result<PathBuf, String> {
    built_wasm(
        "websocket-component-p3",
        &["--lib"],
        "websocket_component_p3.wasm",
    )
}

/// The environment variable that names a library component already built.
pub const COMPONENT_VAR: &str = "WEBSOCKET_COMPONENT";
