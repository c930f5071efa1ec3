//! The vendored WASI WIT files in `wit/deps` are exactly those of the host
//! crates `wasmtime-wasi` and `wasmtime-wasi-tls` (`wit/deps/tls`) pinned
//! in Cargo.lock, and of the WASI release the guest's `wasi` crate binds
//! (through `wasip2`). The WASI 0.3 ones in `wit/p3/deps` are exactly what
//! the pinned `wasip3` crate binds, and the host's p3 WIT but for its patch
//! version. `wit/refresh-deps.sh` refreshes them.
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

/// The WIT files vendored in `dir` (under the root), which must be `names`.
fn vendored(dir: &str, names: &[&str]) -> Vec<(String, Vec<u8>)> {
    let files = wit_files(&root().join(dir));
    let found: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(found, names, "{dir}");
    files
}

#[test]
fn vendored_deps_are_the_hosts() {
    let host = registry_source(&format!("wasmtime-wasi-{}", locked("wasmtime-wasi"))).join("src/p2/wit/deps");
    let vendored = vendored(
        "wit/deps",
        &[
            "cli.wit",
            "clocks.wit",
            "filesystem.wit",
            "io.wit",
            "random.wit",
            "sockets.wit",
        ],
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
    let vendored = vendored("wit/deps/tls", &["types.wit", "world.wit"]);
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

/// The WASI release `wasip3` binds, from its version (`0.10.0+wasi-0.3.2`).
fn p3_release() -> String {
    let wasip3 = locked("wasip3");
    wasip3
        .split("+wasi-")
        .nth(1)
        .unwrap_or_else(|| panic!("wasip3 {wasip3}"))
        .to_owned()
}

/// `text` with every `@0.3.N` version of a WASI package written `@0.3.x`.
fn any_0_3_patch(text: &[u8]) -> String {
    let text = String::from_utf8_lossy(text);
    let mut out = String::with_capacity(text.len());
    let mut rest = &*text;
    while let Some(at) = rest.find("@0.3.") {
        out.push_str(&rest[..at]);
        out.push_str("@0.3.x");
        rest = rest[at + 5..].trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out.push_str(rest);
    out
}

#[test]
fn vendored_p3_deps_are_what_the_guest_crate_binds() {
    let guest = registry_source(&format!("wasip3-{}", locked("wasip3"))).join("wit/deps");
    let vendored = vendored(
        "wit/p3/deps",
        &[
            "cli.wit",
            "clocks.wit",
            "filesystem.wit",
            "random.wit",
            "sockets.wit",
        ],
    );
    // The guest crate's, but for wasi:http, which nothing here uses.
    let guest: Vec<_> = wit_files(&guest)
        .into_iter()
        .filter(|(n, _)| n != "http.wit")
        .collect();
    assert!(
        vendored == guest,
        "wit/p3/deps differs from wasip3's: run wit/refresh-deps.sh"
    );
    let release = p3_release();
    let sockets = std::fs::read_to_string(root().join("wit/p3/deps/sockets.wit")).unwrap();
    assert!(sockets.starts_with(&format!("package wasi:sockets@{release};")));
    let worlds = std::fs::read_to_string(root().join("wit/p3/worlds.wit")).unwrap();
    let imports: Vec<&str> = worlds
        .lines()
        .filter_map(|l| l.trim().strip_prefix("import wasi:"))
        .collect();
    assert!(!imports.is_empty());
    for import in imports {
        let version = match import.strip_prefix("tls/") {
            // wasi:tls is not in the release yet: its draft, as vendored.
            Some(_) => "0.3.0-draft".to_owned(),
            None => release.clone(),
        };
        assert!(
            import.ends_with(&format!("@{version};")),
            "wit/p3/worlds.wit imports wasi:{import}, not of WASI {version}"
        );
    }
}

/// The host (wasmtime-wasi's p3) implements an earlier 0.3 release, which a
/// guest of a later one links against by semver: the WIT must be the same
/// but for the version, or the guest binds what the host lacks.
#[test]
fn the_hosts_p3_wit_is_the_guests_but_for_the_patch_version() {
    let host = registry_source(&format!("wasmtime-wasi-{}", locked("wasmtime-wasi"))).join("src/p3/wit/deps");
    let host = wit_files(&host);
    for (name, vendored) in wit_files(&root().join("wit/p3/deps")) {
        let (_, hosts) = host
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("wasmtime-wasi's p3 WIT has no {name}"));
        assert!(
            any_0_3_patch(&vendored) == any_0_3_patch(hosts),
            "{name}: the guest's WASI 0.3 WIT differs from the host's beyond the patch version"
        );
    }
}

/// The p3 `wasi:tls` is in no WASI release and no guest crate: the guest
/// binds the vendored copy, which is the host's.
#[test]
fn vendored_p3_tls_is_the_hosts() {
    let host = registry_source(&format!("wasmtime-wasi-tls-{}", locked("wasmtime-wasi-tls")))
        .join("src/p3/wit/deps/tls");
    let vendored = vendored("wit/p3/deps/tls", &["client.wit", "types.wit", "world.wit"]);
    assert!(
        vendored == wit_files(&host),
        "wit/p3/deps/tls differs from {}: run wit/refresh-deps.sh",
        host.display()
    );
    let world = std::fs::read_to_string(root().join("wit/p3/deps/tls/world.wit")).unwrap();
    assert!(world.starts_with("package wasi:tls@0.3.0-draft;"));
}

/// `websocket:protocol@0.2.0` keeps 0.1.0's sans-IO interfaces and its
/// vocabulary: the same files but for the package line.
#[test]
fn the_p3_package_keeps_the_sans_io_interfaces_unchanged() {
    for file in ["types.wit", "handshake.wit", "framing.wit"] {
        let old = std::fs::read_to_string(root().join("wit").join(file)).unwrap();
        let new = std::fs::read_to_string(root().join("wit/p3").join(file)).unwrap();
        let old = old.strip_prefix("package websocket:protocol@0.1.0;").unwrap();
        let new = new.strip_prefix("package websocket:protocol@0.2.0;").unwrap();
        assert!(
            old == new,
            "wit/p3/{file} differs from wit/{file}: run wit/refresh-deps.sh"
        );
    }
}
