//! `serve --wasi p3`: the WASI 0.3 command component `serve-p3` run by the
//! embedded wasmtime (`websocket_host::run_p3_command`), which gets this
//! process's command line (but `--wasi`) and does the rest itself: it
//! listens, announces, and serves every connection as a task of its one
//! instance.

use std::path::PathBuf;
use std::process::exit;

use crate::{die, Args};

pub fn run(args: Args) {
    if args.tls.is_some() {
        die(
            "--tls-cert",
            "wasi:tls has no server side for the WASI 0.3 component; run the native build, with or without --native",
        );
    }
    let path = match std::env::var_os("WEBSOCKET_P3_COMPONENT") {
        Some(path) => PathBuf::from(path),
        None => websocket_build::built_wasm(
            "websocket-engine",
            &["--example", "serve-p3"],
            "examples/serve-p3.wasm",
        )
        .unwrap_or_else(|e| die("cannot build serve-p3", e)),
    };
    let guest_args = guest_args(std::env::args().skip(1));
    // The instance runs on one thread; tokio's workers do its sockets' I/O
    // beside it (on one thread with it, 0.6x the messages per second).
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| die("cannot start tokio", e));
    match tokio.block_on(websocket_host::run_p3_command(&path, &guest_args)) {
        Ok(Ok(())) => {}
        Ok(Err(())) => exit(1),
        Err(e) => die("the WASI 0.3 component failed", format!("{e:?}")),
    }
}

/// The component's command line: its name, then this one's flags but
/// `--wasi` and its value.
fn guest_args(flags: impl Iterator<Item = String>) -> Vec<String> {
    let mut out = vec!["serve-p3".to_owned()];
    let mut flags = flags.peekable();
    while let Some(flag) = flags.next() {
        if flag == "--wasi" {
            flags.next();
        } else {
            out.push(flag);
        }
    }
    out
}
