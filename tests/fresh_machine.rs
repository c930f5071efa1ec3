//! The README's first command on a machine whose toolchain lacks the
//! `wasm32-wasip2` target: rustup does not add the targets that
//! `rust-toolchain.toml` lists to a toolchain already installed, so there
//! the component would not build. `serve` must add the target itself, say
//! so, and serve.
//!
//! The machine is made here: a scratch `RUSTUP_HOME` holding the active
//! toolchain (hard links; its rustup metadata copied), from which
//! `rustup target remove` takes the target, and a scratch target directory,
//! so that the component is really compiled (with warm artefacts nothing
//! would need the target's standard library). `serve` is the binary `cargo
//! run --example serve` runs; the test runs it directly, as the native part
//! of that command needs no wasm target. Adding the target downloads it
//! with rustup, as `.ci/install` does.
#![cfg(target_os = "linux")]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use websocket_blocking as blocking;
use websocket_engine::{ClientConfig, Message, Version};

const TARGET: &str = "wasm32-wasip2";

fn run(command: &mut Command) {
    let status = command.status().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(status.success(), "{command:?}: {status}");
}

/// A rustup home with only the active toolchain, hard-linked from the real
/// one, and the target removed from it. Returns the toolchain's name.
fn rustup_home_without_the_target(home: &Path) -> String {
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .unwrap();
    let sysroot = PathBuf::from(String::from_utf8(sysroot.stdout).unwrap().trim());
    let name = sysroot.file_name().unwrap().to_str().unwrap().to_owned();
    let toolchain = home.join("toolchains").join(&name);
    std::fs::create_dir_all(home.join("toolchains")).unwrap();
    std::fs::write(
        home.join("settings.toml"),
        format!("version = \"12\"\ndefault_toolchain = \"{name}\"\nprofile = \"minimal\"\n"),
    )
    .unwrap();
    run(Command::new("cp").arg("-al").arg(&sysroot).arg(&toolchain));
    // rustup rewrites its metadata: give the copy files of its own.
    let rustlib = toolchain.join("lib/rustlib");
    for entry in std::fs::read_dir(&rustlib).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            std::fs::remove_file(&path).unwrap();
            std::fs::write(&path, bytes).unwrap();
        }
    }
    run(Command::new("rustup")
        .args(["target", "remove", TARGET])
        .env("RUSTUP_HOME", home)
        .env("RUSTUP_TOOLCHAIN", &name));
    assert!(
        !rustlib.join(TARGET).exists(),
        "the scratch toolchain still has the target"
    );
    assert!(
        sysroot.join("lib/rustlib").join(TARGET).exists(),
        "the real toolchain lost the target"
    );
    name
}

/// A scratch folder, removed when the test ends, passed or failed.
struct Scratch(std::path::PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process, killed when the test ends, passed or failed.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_first_readme_command_adds_a_missing_wasm_target() {
    // Dropped last: after the server is killed.
    let scratch =
        Scratch(std::env::temp_dir().join(format!("websocket-fresh-machine-{}", std::process::id())));
    let scratch = &scratch.0;
    let home = scratch.join("rustup");
    let toolchain = rustup_home_without_the_target(&home);
    let mut serve = Command::new(common::example("serve"))
        .args(["--listen", "127.0.0.1:0"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RUSTUP_HOME", &home)
        .env("RUSTUP_TOOLCHAIN", &toolchain)
        .env("CARGO_TARGET_DIR", scratch.join("target"))
        // As under `cargo run` from the scratch toolchain: its own cargo.
        .env_remove("CARGO")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map(Killed)
        .unwrap();
    let (lines, said) = mpsc::channel();
    let stdout = BufReader::new(serve.0.stdout.take().unwrap());
    let stderr = BufReader::new(serve.0.stderr.take().unwrap());
    let tx = lines.clone();
    std::thread::spawn(move || {
        stdout
            .lines()
            .map_while(Result::ok)
            .for_each(|l| drop(tx.send(l)))
    });
    std::thread::spawn(move || {
        stderr
            .lines()
            .map_while(Result::ok)
            .for_each(|l| drop(lines.send(l)))
    });
    let mut log = Vec::new();
    let url = loop {
        let line = said
            .recv_timeout(Duration::from_secs(900))
            .unwrap_or_else(|_| panic!("serve did not start; it said: {log:#?}"));
        if let Some(url) = line.strip_prefix("listening on ") {
            break url.to_owned();
        }
        log.push(line);
    };
    let added = format!("adding it: rustup target add {TARGET}");
    assert!(
        log.iter().any(|l| l.contains(&added)),
        "serve did not say it added the target: {log:#?}"
    );
    assert!(home
        .join("toolchains")
        .join(&toolchain)
        .join("lib/rustlib")
        .join(TARGET)
        .is_dir());
    // The component it built serves.
    let (mut ws, _) = blocking::connect(&url, ClientConfig::new(Version::Rfc6455)).unwrap();
    ws.send_text("fresh").unwrap();
    assert_eq!(ws.read_message().unwrap(), Some(Message::Text("fresh".into())));
}
