//! Helpers shared by the integration tests.
#![allow(dead_code)]

use websocket_blocking as blocking;
use websocket_engine::*;

#[cfg(not(target_arch = "wasm32"))]
pub mod certs;
#[cfg(not(target_arch = "wasm32"))]
pub mod component;
pub mod echo;
#[cfg(not(target_arch = "wasm32"))]
pub mod failures;
pub mod json;
pub mod tap;

/// The spec summary's verified hixie-76 vectors: key1, key2, key3, answer.
pub const MD5_VECTORS: [(&str, &str, &[u8; 8], &[u8; 16]); 3] = [
    (
        "4 @1  46546xW%0l 1 5",
        "12998 5 Y3 1  .P00",
        b"^n:ds[4U",
        b"8jKS'y:G*Co,Wxa-",
    ),
    (
        "3e6b263  4 17 80",
        "17  9 G`ZD9   2 2b 7X 3 /r90",
        b"WjN}|M(6",
        b"n`9eBk9z$R8pOtVb",
    ),
    (
        "18x 6]8vM;54 *(5:  {   U1]8  z [  8",
        "1_ tx7X d  <  nw  334J702) 7]o}` 0",
        b"Tm[K T2u",
        b"fQJ,fN/4F4!~K~MH",
    ),
];

/// A client handshake for `ws://example.com/demo` with a fixed seed.
pub fn client_handshake(version: Version, protocol: Option<&str>) -> ClientHandshake {
    let url = WsUrl::parse("ws://example.com/demo").unwrap();
    let mut config = ClientConfig::new(version);
    config.origin = Some("http://example.com".into());
    config.protocols = protocol.map(str::to_owned).into_iter().collect();
    ClientHandshake::new(&url, config, &mut SeededEntropy::new(7)).unwrap()
}

/// Runs `request` through a default server that accepts `protocol`.
/// Returns the response bytes.
pub fn accept_request(request: &[u8], protocol: Option<&str>) -> Vec<u8> {
    let mut server = ServerHandshake::new(ServerConfig::default());
    assert_eq!(
        server.handle_input(request).unwrap(),
        Status::Complete {
            value: (),
            consumed: request.len(),
        }
    );
    let mut accept = Accept::new();
    accept.protocol = protocol.map(str::to_owned);
    server.accept(&accept).unwrap()
}

/// Feeds `bytes` to a server handshake in one piece and returns the error.
pub fn server_error(bytes: &[u8]) -> ProtocolError {
    let mut server = ServerHandshake::new(ServerConfig::default());
    match server.handle_input(bytes) {
        Err(e) => e,
        Ok(status) => panic!("expected an error, got {status:?}"),
    }
}

/// Replaces the first occurrence of `from` with `to` in `bytes`.
pub fn replace(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    let at = bytes
        .windows(from.len())
        .position(|w| w == from.as_bytes())
        .unwrap_or_else(|| panic!("{from:?} not found"));
    let mut out = bytes[..at].to_vec();
    out.extend_from_slice(to.as_bytes());
    out.extend_from_slice(&bytes[at + from.len()..]);
    out
}

/// Drains every event.
pub fn events(session: &mut Session) -> Vec<Event> {
    std::iter::from_fn(|| session.poll_event()).collect()
}

/// A memory figure of process `pid` from `/proc/PID/status`, in KiB:
/// `VmRSS` (resident now) or `VmHWM` (the peak resident set).
#[cfg(target_os = "linux")]
pub fn memory_kib(pid: u32, field: &str) -> usize {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"));
    line.trim().trim_end_matches("kB").trim().parse().unwrap()
}

/// Reads a blocking connection to its end: the messages, and how it closed.
pub fn read_to_end<S: blocking::Stream>(ws: &mut blocking::WebSocket<S>) -> (Vec<Message>, Option<Closed>) {
    let (mut messages, mut closed) = (Vec::new(), None);
    while let Some(event) = ws.next_event().unwrap() {
        match event {
            Event::Message(m) => messages.push(m),
            Event::Closed(c) => closed = Some(c),
            _ => {}
        }
    }
    (messages, closed)
}

/// Takes everything `session` has to send (at `now`).
pub fn output(session: &mut Session, now: std::time::Instant) -> Vec<u8> {
    let bytes = session.poll_output(now).to_vec();
    session.advance_output(bytes.len());
    bytes
}

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

/// The path of a built example, building the examples first if needed.
pub fn example(name: &str) -> PathBuf {
    // A plain `cargo test` builds the examples, but a filtered run may not:
    // build them once with the same cargo (a no-op when they are fresh).
    // The examples sit next to the test binaries' folder, built with the
    // same profile.
    let mut path = std::env::current_exe().unwrap();
    path.pop();
    if path.ends_with("deps") {
        path.pop();
    }
    static BUILT: std::sync::Once = std::sync::Once::new();
    BUILT.call_once(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        build.args(["build", "--example", "serve", "--example", "client"]);
        if path.ends_with("release") {
            build.arg("--release");
        }
        let status = build.current_dir(env!("CARGO_MANIFEST_DIR")).status().unwrap();
        assert!(status.success(), "building the examples failed");
    });
    let path = path.join("examples").join(name);
    assert!(path.exists(), "{} is missing", path.display());
    path
}

/// A child process killed when dropped, with the first line it printed.
pub struct Running {
    pub child: Child,
    pub first_line: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `command` and waits for its first line of output.
pub fn start(mut command: Command) -> Running {
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    Running { child, first_line }
}

/// A `serve` example process on a free loopback port.
pub struct Server {
    pub url: String,
    pub process: Running,
}

/// Starts the `serve` example with `args` on a free port.
pub fn serve(args: &[&str]) -> Server {
    let mut command = Command::new(example("serve"));
    command.args(["--listen", "127.0.0.1:0"]).args(args);
    started(start(command))
}

/// The command line of `serve` built for wasm32 under the wasmtime CLI
/// (one instance multiplexing every connection), on a free port.
#[cfg(not(target_arch = "wasm32"))]
pub fn command_server(args: &[&str]) -> Command {
    wasmtime_run("serve", args)
}

/// The command line of `serve-p3`, the WASI 0.3 command component (one
/// instance, a task per connection), under the wasmtime CLI on a free port.
#[cfg(not(target_arch = "wasm32"))]
pub fn p3_server(args: &[&str]) -> Command {
    wasmtime_run("serve-p3", args)
}

/// `wasmtime run -S inherit-network` of the example `name` built for
/// wasm32, listening on a free port with `args`.
#[cfg(not(target_arch = "wasm32"))]
fn wasmtime_run(name: &str, args: &[&str]) -> Command {
    let wasm = websocket_build::built_wasm(
        "websocket-engine",
        &["--example", name],
        &format!("examples/{name}.wasm"),
    )
    .unwrap_or_else(|e| panic!("{name}.wasm: {e}"));
    let mut command = Command::new(wasmtime_cli());
    command.args(["run", "-S", "inherit-network"]).arg(wasm);
    command.args(["--listen", "127.0.0.1:0"]).args(args);
    command
}

/// `examples/app-p3` (an echo server for the WASI 0.3 `app` world)
/// composed with the WASI 0.3 library component, written once per test
/// process into the target folder; its path.
#[cfg(not(target_arch = "wasm32"))]
pub fn composed_p3_app() -> PathBuf {
    static COMPOSED: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    COMPOSED
        .get_or_init(|| {
            let app =
                websocket_build::built_wasm("websocket-app-p3-example", &[], "websocket_app_p3_example.wasm")
                    .unwrap_or_else(|e| panic!("websocket_app_p3_example.wasm: {e}"));
            let library = websocket_build::p3_library_component()
                .unwrap_or_else(|e| panic!("websocket_component_p3.wasm: {e}"));
            let read = |p: &PathBuf| std::fs::read(p).unwrap();
            let composed = websocket_host::compose(&read(&app), &read(&library)).unwrap();
            // Written beside, then renamed: test processes running at once
            // write the same bytes, and none reads half a file.
            let path = app.with_file_name("composed-p3-app.wasm");
            let partial = path.with_extension(format!("{}.partial", std::process::id()));
            std::fs::write(&partial, composed).unwrap();
            std::fs::rename(&partial, &path).unwrap();
            path
        })
        .clone()
}

/// The command line of [`composed_p3_app`] under the wasmtime CLI, on a
/// free port.
#[cfg(not(target_arch = "wasm32"))]
pub fn composed_p3_server() -> Command {
    let mut command = Command::new(wasmtime_cli());
    command
        .args(["run", "-S", "inherit-network", "-S", "tls"])
        .arg(composed_p3_app())
        .args(["--listen", "127.0.0.1:0"]);
    command
}

/// Starts [`command_server`].
#[cfg(not(target_arch = "wasm32"))]
pub fn serve_command(args: &[&str]) -> Server {
    started(start(command_server(args)))
}

/// Starts [`p3_server`].
#[cfg(not(target_arch = "wasm32"))]
pub fn serve_p3(args: &[&str]) -> Server {
    started(start(p3_server(args)))
}

/// Starts [`composed_p3_server`].
#[cfg(not(target_arch = "wasm32"))]
pub fn serve_composed_p3() -> Server {
    started(start(composed_p3_server()))
}

/// The server whose first line `process` printed.
fn started(process: Running) -> Server {
    let url = process
        .first_line
        .strip_prefix("listening on ")
        .and_then(|l| l.strip_suffix('\n'))
        .filter(|url| url.starts_with("ws://") || url.starts_with("wss://"))
        .unwrap_or_else(|| panic!("unexpected first line {:?}", process.first_line))
        .to_owned();
    Server { url, process }
}

/// Runs `command` with `input` on stdin to completion.
pub fn run_with_input(mut command: Command, input: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    // A child that ends before reading its input (a refused handshake)
    // closes the pipe first: that is its answer, not the test's failure.
    match child.stdin.take().unwrap().write_all(input.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            panic!("cannot write to {command:?}: {e}")
        }
        _ => {}
    }
    child.wait_with_output().unwrap()
}

/// Runs the `client` example against `url` with `args`, `input` on stdin.
pub fn client(url: &str, args: &[&str], input: &str) -> Output {
    let mut command = Command::new(example("client"));
    command.arg(url).args(args);
    run_with_input(command, input)
}

/// `wasmtime run` of `client-p3`, the WASI 0.3 command component, with
/// the network and WASI 0.3's `wasi:tls` (its `connect` imports it), and
/// `flags` before the component; arguments follow.
#[cfg(not(target_arch = "wasm32"))]
pub fn p3_client_command(flags: &[&str], component: Option<&std::path::Path>) -> Command {
    let built;
    let wasm = match component {
        Some(wasm) => wasm,
        None => {
            built = websocket_build::built_wasm(
                "websocket-engine",
                &["--example", "client-p3"],
                "examples/client-p3.wasm",
            )
            .expect("client-p3.wasm");
            &built
        }
    };
    let mut command = Command::new(wasmtime_cli());
    command
        .args(["run", "-S", "inherit-network", "-S", "tls"])
        .args(flags)
        .arg(wasm);
    command
}

/// Runs [`p3_client_command`] against `url` with `args`, `input` on stdin.
#[cfg(not(target_arch = "wasm32"))]
pub fn p3_client(url: &str, args: &[&str], input: &str) -> Output {
    let mut command = p3_client_command(&[], None);
    command.arg(url).args(args);
    run_with_input(command, input)
}

/// The `wasmtime` command on PATH; `bash .ci/install` installs it.
pub fn wasmtime_cli() -> PathBuf {
    tool("wasmtime")
}

/// The path of the command `name` on PATH. A missing tool fails the test
/// (`bash .ci/install` installs every one the tests use).
pub fn tool(name: &str) -> PathBuf {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} is missing from PATH: bash .ci/install installs it"))
}
