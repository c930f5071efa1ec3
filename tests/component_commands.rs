//! The engine as command and composed components: the command component
//! serving and timing out under the embedded host and the wasmtime CLI,
//! and the application composed with the library (by the host and by the
//! wac CLI), against native peers.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::component::{runtime, tokio};
use common::echo::{echo_through, native_echo_once, texts};
use std::net::TcpListener;
use std::thread;

use wasmtime::component::Component;
use wasmtime_wasi::p2::bindings::Command;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::WasiCtx;
use websocket_build::{built_wasm, library_component};
use websocket_host::compose;

/// Runs a command component with `args` and `stdin`, network granted;
/// returns the pipe its stdout goes to and the task running it.
fn run_command(
    tokio: &tokio::runtime::Runtime,
    wasm: Vec<u8>,
    args: &[&str],
    stdin: &str,
) -> (MemoryOutputPipe, tokio::task::JoinHandle<Result<(), String>>) {
    let rt = runtime().clone();
    let stdout = MemoryOutputPipe::new(1 << 20);
    let ctx = WasiCtx::builder()
        .args(args)
        .stdin(MemoryInputPipe::new(stdin.to_owned()))
        .stdout(stdout.clone())
        .inherit_stderr()
        .inherit_network()
        .allow_tcp(true)
        .allow_ip_name_lookup(true)
        .build();
    let task = tokio.spawn(async move {
        let component = Component::from_binary(rt.engine(), &wasm).map_err(|e| e.to_string())?;
        let mut store = rt.store(ctx).map_err(|e| e.to_string())?;
        let command = Command::instantiate_async(&mut store, &component, rt.linker())
            .await
            .map_err(|e| format!("{e:?}"))?;
        let run = command
            .wasi_cli_run()
            .call_run(&mut store)
            .await
            .map_err(|e| format!("{e:?}"))?;
        run.map_err(|()| "run returned an error".to_owned())
    });
    (stdout, task)
}

/// Runs `serve` built for wasm32 as a command in embedded wasmtime; returns
/// the URL it printed and the task running it.
fn start_command_server(
    tokio: &tokio::runtime::Runtime,
) -> (String, tokio::task::JoinHandle<Result<(), String>>) {
    let serve = built_wasm("websocket-engine", &["--example", "serve"], "examples/serve.wasm").unwrap();
    let (stdout, task) = run_command(
        tokio,
        std::fs::read(serve).unwrap(),
        &["serve", "--listen", "127.0.0.1:0"],
        "",
    );
    loop {
        let out = String::from_utf8(stdout.contents().to_vec()).unwrap();
        if let Some(line) = out.lines().next() {
            let url = line
                .strip_prefix("listening on ")
                .unwrap_or_else(|| panic!("{line:?}"));
            return (url.to_owned(), task);
        }
        assert!(
            !task.is_finished(),
            "serve ended early: {:?}",
            tokio.block_on(task)
        );
        thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn the_command_component_serves_echo() {
    let tokio = tokio();
    let (url, task) = start_command_server(&tokio);
    let clients: Vec<_> = [
        websocket_engine::Version::Hixie75,
        websocket_engine::Version::Hixie76,
        websocket_engine::Version::Rfc6455,
        websocket_engine::Version::Rfc6455,
    ]
    .into_iter()
    .map(|version| {
        let url = url.clone();
        thread::spawn(move || {
            echo_through(&url, version);
        })
    })
    .collect();
    for c in clients {
        c.join().unwrap();
    }
    task.abort();
}

#[test]
fn the_command_component_times_out_a_silent_peer() {
    use std::io::{Read, Write};
    let tokio = tokio();
    let (url, task) = start_command_server(&tokio);
    let addr = url.trim_start_matches("ws://").trim_end_matches('/').to_owned();
    // Half a head, then silence: only the handshake time-out (10 s by
    // default) can end it, and only if the multiplexer wakes for it.
    let mut silent = std::net::TcpStream::connect(&addr).unwrap();
    silent.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    silent
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let started = std::time::Instant::now();
    // Meanwhile the server serves others.
    echo_through(&url, websocket_engine::Version::Hixie76);
    let n = silent.read(&mut [0u8; 64]).unwrap_or(usize::MAX);
    let waited = started.elapsed();
    assert_eq!(n, 0, "the server should close the silent connection");
    assert!(
        waited >= std::time::Duration::from_secs(9) && waited < std::time::Duration::from_secs(20),
        "closed after {waited:?}"
    );
    task.abort();
}

#[test]
fn the_composed_application_runs() {
    let app = built_wasm("websocket-app-example", &[], "websocket_app_example.wasm").unwrap();
    let library = std::fs::read(library_component().unwrap()).unwrap();
    let composed = compose(&std::fs::read(app).unwrap(), &library).unwrap();
    let tokio = tokio();
    // No version is RFC 6455, as for `client`.
    for version in [&["hixie75"][..], &["hixie76"], &["rfc6455"], &[]] {
        let (addr, server) = native_echo_once();
        let input: String = texts().iter().map(|m| format!("{m}\n")).collect();
        let url = format!("ws://{addr}/app");
        let args: Vec<&str> = ["app", url.as_str()].iter().chain(version).copied().collect();
        let (stdout, task) = run_command(&tokio, composed.clone(), &args, &input);
        assert_eq!(tokio.block_on(task).unwrap(), Ok(()), "{version:?}");
        let output = String::from_utf8(stdout.contents().to_vec()).unwrap();
        assert!(
            output == input,
            "{version:?}: {} of {} bytes came back",
            output.len(),
            input.len()
        );
        assert_eq!(server.join().unwrap(), texts().len());
    }
}

#[test]
fn the_composed_application_runs_under_the_wasmtime_cli() {
    let app = built_wasm("websocket-app-example", &[], "websocket_app_example.wasm").unwrap();
    let library = std::fs::read(library_component().unwrap()).unwrap();
    let composed = compose(&std::fs::read(app).unwrap(), &library).unwrap();
    let path = std::env::temp_dir().join(format!("websocket-composed-{}.wasm", std::process::id()));
    std::fs::write(&path, composed).unwrap();
    run_composed_under_the_wasmtime_cli(&path);
}

/// Composes as the README shows, with the `wac` CLI from crates.io, and
/// runs the result under the `wasmtime` CLI.
#[test]
fn the_application_composed_with_the_wac_cli_runs() {
    let app = built_wasm("websocket-app-example", &[], "websocket_app_example.wasm").unwrap();
    let library = library_component().unwrap();
    let path = std::env::temp_dir().join(format!("websocket-wac-{}.wasm", std::process::id()));
    let out = std::process::Command::new(common::tool("wac"))
        .arg("plug")
        .arg(&app)
        .arg("--plug")
        .arg(&library)
        .arg("-o")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "wac plug: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    run_composed_under_the_wasmtime_cli(&path);
}

/// Runs the composed line client at `path` (then deletes it) against a
/// native echo server, as the README shows it (RFC 6455 by default, then
/// hixie76), and checks that every line comes back.
fn run_composed_under_the_wasmtime_cli(path: &std::path::Path) {
    // The library imports wasi:tls (for wss://): `-S tls` provides it.
    for version in [None, Some("hixie76")] {
        echo_composed_under_the_wasmtime_cli(path, &["-S", "tls"], version);
    }
    std::fs::remove_file(path).unwrap();
}

/// `wasmtime run -S inherit-network FLAGS`, the composed line client at
/// `path`, connected to `url` (speaking `version`, or its default) with
/// `input` on stdin.
fn wasmtime_run_composed(
    path: &std::path::Path,
    flags: &[&str],
    url: &str,
    version: Option<&str>,
    input: &str,
) -> std::process::Output {
    let mut command = std::process::Command::new(common::wasmtime_cli());
    command
        .args(["run", "-S", "inherit-network"])
        .args(flags)
        .arg(path)
        .arg(url)
        .args(version);
    common::run_with_input(command, input)
}

/// Runs the composed line client at `path` under `wasmtime run` with
/// `flags` against a native echo server, speaking `version` (or its
/// default), and checks that every line comes back.
fn echo_composed_under_the_wasmtime_cli(path: &std::path::Path, flags: &[&str], version: Option<&str>) {
    let (addr, server) = native_echo_once();
    let input: String = texts().iter().map(|m| format!("{m}\n")).collect();
    let out = wasmtime_run_composed(path, flags, &format!("ws://{addr}/app"), version, &input);
    assert!(
        out.status.success(),
        "{version:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout == input.as_bytes(),
        "{version:?}: {} of {} bytes came back",
        out.stdout.len(),
        input.len()
    );
    assert_eq!(server.join().unwrap(), texts().len());
}

/// `wasmtime run -S tls` gives the composed client `wasi:tls`, but with
/// the CLI's own trusted roots (wasmtime-wasi-tls's rustls provider takes
/// the Mozilla roots of webpki-roots and has no setting for more), so it
/// cannot trust a test CA: the client reaches our TLS server through
/// `wasi:tls` and the host refuses the certificate. The embedded host
/// trusts one (`Runtime::tls_client_config`, `client --component --ca`).
#[test]
fn under_the_wasmtime_cli_wasi_tls_reaches_a_tls_server_but_not_a_test_ca() {
    let certs = common::certs::certs();
    let (cert, key) = (certs.cert.to_str().unwrap(), certs.key.to_str().unwrap());
    let server = common::serve(&["--native", "--tls-cert", cert, "--tls-key", key]);
    let url = server.url.replace("127.0.0.1", "localhost");
    assert!(url.starts_with("wss://localhost:"), "{url}");
    let app = built_wasm("websocket-app-example", &[], "websocket_app_example.wasm").unwrap();
    let library = std::fs::read(library_component().unwrap()).unwrap();
    let composed = compose(&std::fs::read(app).unwrap(), &library).unwrap();
    let path = std::env::temp_dir().join(format!("websocket-composed-tls-{}.wasm", std::process::id()));
    std::fs::write(&path, composed).unwrap();
    let flags = ["-S", "allow-ip-name-lookup", "-S", "tls"];
    let out = wasmtime_run_composed(&path, &flags, &url, Some("hixie76"), "hi\n");
    std::fs::remove_file(&path).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("untrusted-certificate"), "{stderr}");
}

/// Built without its `tls` feature, the library imports no `wasi:tls`, so
/// composed with the line client it runs under `wasmtime run` without
/// `-S tls` (which the default build needs): `ws://` works there, and
/// `wss://` fails with `tls-unavailable` before it connects.
#[test]
fn without_its_tls_feature_the_library_runs_where_the_host_has_no_wasi_tls() {
    let library = websocket_build::library_component_without_tls().unwrap();
    let library = std::fs::read(library).unwrap();
    let engine = runtime().engine();
    let imports: Vec<String> = Component::new(engine, &library)
        .unwrap()
        .component_type()
        .imports(engine)
        .map(|(name, _)| name.to_owned())
        .collect();
    assert!(
        imports.iter().any(|i| i.starts_with("wasi:sockets/tcp@")),
        "{imports:?}"
    );
    assert!(!imports.iter().any(|i| i.starts_with("wasi:tls/")), "{imports:?}");
    let app = built_wasm("websocket-app-example", &[], "websocket_app_example.wasm").unwrap();
    let composed = compose(&std::fs::read(app).unwrap(), &library).unwrap();
    let path = std::env::temp_dir().join(format!("websocket-composed-no-tls-{}.wasm", std::process::id()));
    std::fs::write(&path, composed).unwrap();
    echo_composed_under_the_wasmtime_cli(&path, &[], Some("hixie76"));
    // A listener where the TLS server would be: the client must not even
    // connect.
    let tls = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("wss://{}/app", tls.local_addr().unwrap());
    let out = wasmtime_run_composed(&path, &[], &url, Some("hixie76"), "hi\n");
    std::fs::remove_file(&path).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("tls-unavailable"), "{stderr}");
    tls.set_nonblocking(true).unwrap();
    assert!(
        tls.accept().is_err(),
        "the client connected although it cannot do TLS"
    );
}

#[test]
fn the_command_component_runs_under_the_wasmtime_cli() {
    use std::io::BufRead;
    let serve = built_wasm("websocket-engine", &["--example", "serve"], "examples/serve.wasm").unwrap();
    let mut child = std::process::Command::new(common::wasmtime_cli())
        .args(["run", "-S", "inherit-network"])
        .arg(&serve)
        .args(["--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{line:?}"))
        .to_owned();
    for version in [
        websocket_engine::Version::Hixie75,
        websocket_engine::Version::Hixie76,
    ] {
        echo_through(&url, version);
    }
    child.kill().unwrap();
    child.wait().unwrap();
}
