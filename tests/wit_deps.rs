//! The vendored WASI WIT files in `wit/deps` are exactly those of the host
//! crates `wasmtime-wasi` and `wasmtime-wasi-tls` (`wit/deps/tls`) pinned
//! in Cargo.lock, and of the WASI release the guest's `wasi` crate binds
//! (through `wasip2`). `wit/refresh-deps.sh` refreshes them.
#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The version Cargo.lock pins for `package`.
fn locked(package: &str) -> String {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap();
    let entry = format!("name = \"{package}\"\nversion = \"");
    let at = lock
        .find(&entry)
        .unwrap_or_else(|| panic!("{package} is not in Cargo.lock"))
        + entry.len();
    lock[at..lock[at..].find('"').unwrap() + at].to_owned()
}

/// The unpacked source of a registry crate.
fn registry_source(crate_dir: &str) -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cargo"));
    let src = home.join("registry").join("src");
    std::fs::read_dir(&src)
        .unwrap()
        .map(|index| index.unwrap().path().join(crate_dir))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("{crate_dir} is not unpacked under {}", src.display()))
}

fn wit_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "wit"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn vendored_deps_are_the_hosts() {
    let host = registry_source(&format!("wasmtime-wasi-{}", locked("wasmtime-wasi"))).join("src/p2/wit/deps");
    let vendored = wit_files(&root().join("wit/deps"));
    let names: Vec<&str> = vendored.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "cli.wit",
            "clocks.wit",
            "filesystem.wit",
            "io.wit",
            "random.wit",
            "sockets.wit"
        ]
    );
    assert!(
        vendored == wit_files(&host),
        "wit/deps differs from {}: run wit/refresh-deps.sh",
        host.display()
    );
}

#[test]
fn vendored_tls_is_the_hosts() {
    let host =
        registry_source(&format!("wasmtime-wasi-tls-{}", locked("wasmtime-wasi-tls"))).join("wit/deps/tls");
    let vendored = wit_files(&root().join("wit/deps/tls"));
    let names: Vec<&str> = vendored.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["types.wit", "world.wit"]);
    assert!(
        vendored == wit_files(&host),
        "wit/deps/tls differs from {}: run wit/refresh-deps.sh",
        host.display()
    );
}

#[test]
fn the_guest_wasi_crate_binds_the_same_release() {
    // wasip2's version carries the WASI release it binds: 1.0.4+wasi-0.2.12.
    let wasip2 = locked("wasip2");
    let release = wasip2
        .split("+wasi-")
        .nth(1)
        .unwrap_or_else(|| panic!("wasip2 {wasip2}"));
    let io = std::fs::read_to_string(root().join("wit/deps/io.wit")).unwrap();
    assert!(
        io.starts_with(&format!("package wasi:io@{release};")),
        "wit/deps is not WASI {release}, which the wasi crate (wasip2 {wasip2}) binds"
    );
}
