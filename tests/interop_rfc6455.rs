//! Interoperability of RFC 6455 with two independent implementations from
//! package registries, in both directions:
//!
//! - Python `websockets` 17.4 (PyPI), installed by `.ci/install` into the
//!   virtualenv `tests/interop/.venv`: a client (`py_client.py`) and an echo
//!   server (`py_echo_server.py`);
//! - `ws` 8.23.0 (npm, pinned in `tests/interop/package.json`): a client
//!   (`ws_client.js`) and an echo server (`ws_echo_server.js`).
//!
//! Their clients talk to our `serve` example, run natively and as a
//! component in wasmtime; their servers answer our blocking library client
//! and our `client` example, native and `--component`. The exchanges cover
//! text (ASCII, multi-byte, empty), binary and ~200 KiB messages, pings both
//! ways, fragmented messages (ws splits one inside a UTF-8 sequence and puts
//! a ping between its fragments), the closing handshake with its code and
//! reason, and subprotocol negotiation. The `compression` module runs
//! both peers with permessage-deflate on both ways (their defaults, and
//! windows of 2^9 bytes without context takeover) and checks through a
//! recording relay that the frames on the wire were compressed as agreed.
//!
//! A missing peer fails the test; every process and every read is bounded
//! by a timeout, so a hang fails instead of stalling CI.
#![cfg(not(target_arch = "wasm32"))]

mod common;
#[path = "interop_rfc6455/compression.rs"]
mod compression;
#[path = "interop_rfc6455/proxy.rs"]
mod proxy;
#[path = "interop_rfc6455/tls.rs"]
mod tls;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use common::echo::peers_dir;
use common::example;
use websocket_blocking::{self as blocking, WebSocket};
use websocket_engine::{Bytes, ClientConfig, Closed, Event, Message, State, Version};

/// The pinned peer versions (also in `.ci/install` and `package.json`).
const PYTHON_WEBSOCKETS: &str = "17.4";
const NODE_WS: &str = "8.23.0";

/// How long a peer or CLI process may run, and our server or CLI client
/// may take to start (with the engine as a component, they compile it with
/// cranelift first, which takes a while on a loaded machine).
const PROCESS_TIMEOUT: Duration = Duration::from_secs(180);
/// How long a process may take to print its next line, and our client to
/// wait for one event.
const LINE_TIMEOUT: Duration = Duration::from_secs(30);

/// Our server's modes: natively and the component in wasmtime (default).
const NATIVE: &[&str] = &["--native"];
const COMPONENT: &[&str] = &[];

/// An independent implementation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Peer {
    /// Python `websockets`.
    Python,
    /// Node `ws`.
    Node,
}

impl Peer {
    /// A command running the peer's script `py_NAME.py` or `ws_NAME.js`,
    /// after checking that the peer is installed.
    fn command(self, name: &str) -> Command {
        match self {
            Peer::Python => {
                let mut command = Command::new(python());
                command.arg(peers_dir().join(format!("py_{name}.py")));
                command
            }
            Peer::Node => {
                node_ws();
                let mut command = Command::new("node");
                command.arg(peers_dir().join(format!("ws_{name}.js")));
                command
            }
        }
    }
}

/// The virtualenv's python, with `websockets` at the pinned version.
fn python() -> PathBuf {
    let python = peers_dir().join(".venv").join("bin").join("python");
    let check = format!("import sys, websockets; sys.exit(websockets.__version__ != {PYTHON_WEBSOCKETS:?})");
    let ok = Command::new(&python)
        .args(["-c", &check])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "interop peer missing: Python websockets {PYTHON_WEBSOCKETS} in the virtualenv {}; \
         run `bash .ci/install`, which creates it",
        python.display()
    );
    python
}

/// `ws` at the pinned version in tests/interop/node_modules, installed with
/// `npm ci` if it is not there yet.
fn node_ws() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if !peers_dir().join("node_modules").join("ws").exists() {
            let status = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(peers_dir())
                .status()
                .expect("interop peer missing: npm is needed to install ws (bash .ci/install runs it)");
            assert!(status.success(), "npm ci in tests/interop failed");
        }
        let check = format!("process.exit(require('ws/package.json').version === {NODE_WS:?} ? 0 : 1)");
        let ok = Command::new("node")
            .args(["-e", &check])
            .current_dir(peers_dir())
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            ok,
            "interop peer missing: node with ws {NODE_WS} in tests/interop/node_modules \
             (bash .ci/install runs npm ci there)"
        );
    });
}

/// Builds the library component once, before any process that loads it is
/// started under a timeout.
fn component_built() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        websocket_build::library_component().unwrap_or_else(|e| panic!("cannot build the component: {e}"));
    });
}

/// A process killed when dropped, whose stdout lines arrive on a channel.
struct Lines {
    name: String,
    child: Child,
    lines: Receiver<String>,
}

impl Lines {
    fn spawn(name: &str, mut command: Command) -> Lines {
        let mut child = command
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({command:?}): {e}"));
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines {
            name: name.to_owned(),
            child,
            lines,
        }
    }

    /// The next line it prints, within [`LINE_TIMEOUT`].
    fn next_line(&mut self) -> String {
        self.next_line_within(LINE_TIMEOUT)
    }

    /// The next line it prints, within `timeout`.
    fn next_line_within(&mut self, timeout: Duration) -> String {
        match self.lines.recv_timeout(timeout) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => panic!("{}: no line within {timeout:?}", self.name),
            Err(RecvTimeoutError::Disconnected) => {
                panic!("{}: its output ended ({:?})", self.name, self.child.try_wait())
            }
        }
    }
}

impl Drop for Lines {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A peer's echo server on a free port.
struct PeerServer {
    process: Lines,
    url: String,
}

impl PeerServer {
    fn start(peer: Peer, protocols: &[&str]) -> PeerServer {
        let args: Vec<&str> = protocols.iter().flat_map(|p| ["--protocol", p]).collect();
        PeerServer::with_args(peer, &args)
    }

    /// The server started with the command-line arguments `args`.
    fn with_args(peer: Peer, args: &[&str]) -> PeerServer {
        let mut command = peer.command("echo_server");
        command.args(args).current_dir(peers_dir());
        let mut process = Lines::spawn(&format!("{peer:?} echo server"), command);
        let first = process.next_line();
        let port = first
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("{peer:?} echo server printed {first:?}"))
            .to_owned();
        PeerServer {
            process,
            url: format!("ws://127.0.0.1:{port}/echo"),
        }
    }

    /// The close frame the server got from the connection that ended
    /// next: "CODE REASON", or "none".
    fn next_close(&mut self) -> String {
        let line = self.process.next_line();
        line.strip_prefix("closed ")
            .unwrap_or_else(|| panic!("{}: unexpected line {line:?}", self.process.name))
            .trim_end()
            .to_owned()
    }
}

/// Runs `command` with `input` on stdin to completion, within
/// [`PROCESS_TIMEOUT`].
fn run_bounded(what: &str, mut command: Command, input: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what} ({command:?}): {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_owned();
    thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let stdout = read_all(child.stdout.take().unwrap());
    let stderr = read_all(child.stderr.take().unwrap());
    let status = wait_bounded(what, &mut child);
    Output {
        status,
        stdout: stdout.recv().unwrap_or_default(),
        stderr: stderr.recv().unwrap_or_default(),
    }
}

/// Reads `from` to its end on a thread; the bytes arrive on the channel.
fn read_all(mut from: impl Read + Send + 'static) -> Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = from.read_to_end(&mut bytes);
        let _ = tx.send(bytes);
    });
    rx
}

/// Waits for `child` to exit within [`PROCESS_TIMEOUT`], killing it and
/// failing otherwise.
fn wait_bounded(what: &str, child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + PROCESS_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {PROCESS_TIMEOUT:?}, killed");
        }
        thread::sleep(Duration::from_millis(20));
    }
}

// ---------------------------------------------------------------------------
// Peer clients against our server.

/// Starts the `serve` example with `args` on a free port; returns it and
/// its URL. Unlike `common::serve`, this keeps reading its stdout after the
/// first line (it prints a second one, and would die writing it to a
/// closed pipe) and bounds the wait for that line.
fn our_server(args: &[&str]) -> (Lines, String) {
    let mut command = Command::new(example("serve"));
    command.args(["--listen", "127.0.0.1:0"]).args(args);
    started(&format!("serve {args:?}"), command)
}

/// [`our_server`] for `serve-p3`, the WASI 0.3 command component under the
/// wasmtime CLI.
fn our_p3_server(args: &[&str]) -> (Lines, String) {
    started(&format!("serve-p3 {args:?}"), common::p3_server(args))
}

/// Starts a server and reads the URL it announces.
fn started(what: &str, command: Command) -> (Lines, String) {
    let mut process = Lines::spawn(what, command);
    // The component servers compile the component before they listen.
    let first = process.next_line_within(PROCESS_TIMEOUT);
    let url = first
        .strip_prefix("listening on ")
        .filter(|url| url.starts_with("ws://") || url.starts_with("wss://"))
        .unwrap_or_else(|| panic!("serve printed {first:?}"))
        .to_owned();
    (process, url)
}

/// What py_client.py and ws_client.js print when every exchange went well:
/// the subprotocol, each message's echo (kind and size in bytes), the pong
/// to "ping-1", and the code of our server's close frame, which must come
/// back (with the end of TCP) well before the client's close timeout.
fn peer_client_transcript(protocol: &str) -> String {
    [
        &format!("protocol {protocol}"),
        "echo text 5 ok",
        "echo text 25 ok",
        "echo text 0 ok",
        "echo binary 256 ok",
        "echo binary 0 ok",
        "echo text 229376 ok",
        "echo binary 204800 ok",
        "pong ping-1",
        "close 1000 prompt",
    ]
    .map(|line| format!("{line}\n"))
    .concat()
}

/// Starts our server in `mode` and runs `peer`'s client against it,
/// offering `offer`; it must get `protocol`.
fn peer_client_with_our_server(
    peer: Peer,
    mode: &[&str],
    supported: &[&str],
    offer: &[&str],
    protocol: &str,
) {
    if mode == COMPONENT {
        component_built();
    }
    let mut args = mode.to_vec();
    for p in supported {
        args.extend(["--protocol", p]);
    }
    let (_server, url) = our_server(&args);
    peer_client_against(peer, &url, &format!("our server {args:?}"), offer, protocol);
}

/// Runs `peer`'s client against our server `ours` at `url`, offering
/// `offer`; it must get `protocol`.
fn peer_client_against(peer: Peer, url: &str, ours: &str, offer: &[&str], protocol: &str) {
    let what = format!("{peer:?} client against {ours}");
    let mut command = peer.command("client");
    command.arg(url).current_dir(peers_dir());
    for p in offer {
        command.args(["--protocol", p]);
    }
    let out = run_bounded(&what, command, "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        peer_client_transcript(protocol),
        "{what}; its stderr: {stderr}"
    );
    assert!(
        out.status.success(),
        "{what}: {}; its stderr: {stderr}",
        out.status
    );
}

#[test]
fn python_websockets_client_with_our_native_server() {
    peer_client_with_our_server(Peer::Python, NATIVE, &[], &[], "-");
}

#[test]
fn python_websockets_client_with_our_p3_server() {
    let (_server, url) = our_p3_server(&["--protocol", "chat"]);
    peer_client_against(Peer::Python, &url, "serve-p3", &[], "-");
    peer_client_against(Peer::Python, &url, "serve-p3", &["superchat", "chat"], "chat");
}

/// The WASI 0.3 library component, composed with `examples/app-p3` (an
/// echo server over its imported async `connection`), under the wasmtime
/// CLI, with the independent clients.
#[test]
fn python_and_node_clients_with_the_composed_wasi_p3_library() {
    let (_server, url) = started("app-p3 + component-p3", common::composed_p3_server());
    peer_client_against(Peer::Python, &url, "the composed p3 library", &[], "-");
    peer_client_against(Peer::Node, &url, "the composed p3 library", &[], "-");
}

#[test]
fn python_websockets_client_with_our_component_server() {
    peer_client_with_our_server(Peer::Python, COMPONENT, &[], &[], "-");
}

#[test]
fn ws_client_with_our_native_server() {
    peer_client_with_our_server(Peer::Node, NATIVE, &[], &[], "-");
}

#[test]
fn ws_client_with_our_component_server() {
    peer_client_with_our_server(Peer::Node, COMPONENT, &[], &[], "-");
}

#[test]
fn python_websockets_client_gets_the_subprotocol_from_our_servers() {
    for mode in [NATIVE, COMPONENT] {
        peer_client_with_our_server(Peer::Python, mode, &["chat"], &["superchat", "chat"], "chat");
    }
}

#[test]
fn ws_client_gets_the_subprotocol_from_our_servers() {
    for mode in [NATIVE, COMPONENT] {
        peer_client_with_our_server(Peer::Node, mode, &["chat"], &["superchat", "chat"], "chat");
    }
}

// ---------------------------------------------------------------------------
// Our library client against the peers' servers.

fn sample_messages() -> Vec<Message> {
    let binary = |data: Vec<u8>| Message::binary(data);
    vec![
        Message::text("hello"),
        Message::text("wörld ünïcode ✓ 🎉"),
        Message::text(""),
        binary((0..=255).collect()),
        binary(Vec::new()),
        Message::text("websocket ✓ ".repeat(16 * 1024)),
        binary((0..200 * 1024).map(|i| (i % 251) as u8).collect()),
    ]
}

fn connect(url: &str, protocols: &[&str]) -> (WebSocket<blocking::MaybeTlsStream>, Option<String>) {
    let mut config = ClientConfig::new(Version::Rfc6455);
    config.protocols = protocols.iter().map(|p| p.to_string()).collect();
    config.timeouts.close = Duration::from_secs(5);
    let (mut ws, response) =
        blocking::connect(url, config).unwrap_or_else(|e| panic!("connecting to {url}: {e}"));
    ws.set_read_timeout(Some(LINE_TIMEOUT));
    (ws, response.protocol)
}

/// An event with at most the start of a long payload, for messages.
fn brief(event: &Event) -> String {
    match event {
        Event::Message(Message::Text(t)) => format!("text of {} bytes {:.40?}", t.len(), t),
        Event::Message(Message::Binary(data)) => {
            format!("binary of {} bytes {:?}", data.len(), &data[..data.len().min(16)])
        }
        other => format!("{other:?}"),
    }
}

/// The next event, within [`LINE_TIMEOUT`].
fn next_event(ws: &mut WebSocket<blocking::MaybeTlsStream>) -> Event {
    match ws.next_event() {
        Ok(Some(event)) => event,
        Ok(None) => panic!("the connection ended early"),
        Err(e) => panic!("no event: {e}"),
    }
}

/// Closes with 1000 "bye" and checks that the peer echoed the code and
/// reason (both peers echo the close frame), then that the connection
/// ends, and that the peer server got our close frame.
fn close_and_check(ws: &mut WebSocket<blocking::MaybeTlsStream>, server: &mut PeerServer) {
    ws.close_with(1000, "bye").unwrap();
    let event = next_event(ws);
    assert!(
        matches!(&event, Event::Closed(Closed { clean: true, code: Some(1000), reason, .. }) if reason == "bye"),
        "{event:?}"
    );
    assert_eq!(ws.next_event().unwrap(), None);
    assert_eq!(ws.session().state(), State::Closed);
    assert!(ws.session().is_finished());
    assert_eq!(
        server.next_close(),
        "1000 bye",
        "the close frame the peer server got"
    );
}

/// What "!fragments" makes each peer server send (the pong our client
/// answers its ping with is what triggers "got pong server-ping").
fn fragments_events(peer: Peer) -> Vec<Event> {
    let fragmented_text = Event::Message(Message::text("fragmented ✓"));
    let fragmented_binary = Event::Message(Message::binary(vec![0, 1, 2]));
    let ping = Event::Ping(Bytes::from_static(b"server-ping"));
    let got_pong = Event::Message(Message::text("got pong server-ping"));
    match peer {
        // Fragments, then the ping.
        Peer::Python => vec![fragmented_text, fragmented_binary, ping, got_pong],
        // The ping comes between the text's first two fragments.
        Peer::Node => vec![ping, fragmented_text, fragmented_binary, got_pong],
    }
}

fn our_client_with_peer_server(peer: Peer) {
    let mut server = PeerServer::start(peer, &[]);
    let (mut ws, protocol) = connect(&server.url, &[]);
    assert_eq!(protocol, None);
    for message in sample_messages() {
        ws.send(&message).unwrap();
        let event = next_event(&mut ws);
        assert!(
            event == Event::Message(message.clone()),
            "{peer:?} echoed {} for {}",
            brief(&event),
            brief(&Event::Message(message))
        );
    }
    ws.ping(b"client-ping").unwrap();
    assert_eq!(
        next_event(&mut ws),
        Event::Pong(Bytes::from_static(b"client-ping")),
        "{peer:?}"
    );
    ws.send_text("!fragments").unwrap();
    let expected = fragments_events(peer);
    let got: Vec<Event> = expected.iter().map(|_| next_event(&mut ws)).collect();
    assert_eq!(got, expected, "{peer:?}");
    close_and_check(&mut ws, &mut server);
}

#[test]
fn our_client_with_python_websockets_server() {
    our_client_with_peer_server(Peer::Python);
}

#[test]
fn our_client_with_ws_server() {
    our_client_with_peer_server(Peer::Node);
}

#[test]
fn our_client_negotiates_the_subprotocol_with_peer_servers() {
    for peer in [Peer::Python, Peer::Node] {
        let mut server = PeerServer::start(peer, &["chat"]);
        for (offer, confirmed) in [(&["a", "chat"][..], Some("chat")), (&["a"][..], None)] {
            let (mut ws, protocol) = connect(&server.url, offer);
            assert_eq!(protocol.as_deref(), confirmed, "{peer:?} answering {offer:?}");
            ws.send_text("!protocol").unwrap();
            let view = format!("protocol {}", confirmed.unwrap_or("-"));
            assert_eq!(
                next_event(&mut ws),
                Event::Message(Message::text(view)),
                "{peer:?}'s own view, offered {offer:?}"
            );
            close_and_check(&mut ws, &mut server);
        }
    }
}

// ---------------------------------------------------------------------------
// Our CLI client against the peers' servers.

fn cli_lines() -> Vec<String> {
    let mut lines: Vec<String> = vec![
        "hello".into(),
        "wörld ünïcode ✓ 🎉".into(),
        String::new(),
        "websocket ✓ ".repeat(16 * 1024),
    ];
    lines.extend((0..100).map(|i| format!("message {i}")));
    lines
}

/// Runs the `client` example against `url` with `args`: writes every line
/// to its stdin, waits until every echo is printed, and only then ends its
/// stdin, so that it closes. (Python websockets answers a close frame as
/// soon as it reads it, before echoing the messages that came before it;
/// ending stdin at once would race with the echoes.)
fn cli_echo(url: &str, args: &[&str]) {
    cli_echo_with(url, args, &[]);
}

/// [`cli_echo`] with more environment variables for the client.
fn cli_echo_with(url: &str, args: &[&str], env: &[(&str, &str)]) {
    cli_echo_by(Command::new(example("client")), url, args, env);
}

/// [`cli_echo_with`] with the client program `command`.
fn cli_echo_by(mut command: Command, url: &str, args: &[&str], env: &[(&str, &str)]) {
    let what = format!("{command:?} {url} {args:?} {env:?}");
    command
        .arg(url)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stderr(Stdio::piped());
    let mut process = Lines::spawn(&what, command);
    let stderr = read_all(process.child.stderr.take().unwrap());
    let mut stdin = process.child.stdin.take().unwrap();
    let sent = cli_lines();
    let input: String = sent.iter().map(|l| format!("{l}\n")).collect();
    let writer = thread::spawn(move || {
        stdin.write_all(input.as_bytes()).unwrap();
        stdin
    });
    // The component client compiles the component before it connects.
    let first = process.next_line_within(PROCESS_TIMEOUT);
    let got: Vec<String> = std::iter::once(first)
        .chain(sent[1..].iter().map(|_| process.next_line()))
        .collect();
    if let Some(i) = (0..sent.len()).find(|&i| got[i] != sent[i]) {
        panic!(
            "{what}: echo {i} differs: {} bytes for {} ({:.60?} for {:.60?})",
            got[i].len(),
            sent[i].len(),
            got[i],
            sent[i]
        );
    }
    // End of input: the client closes, and must exit 0 with nothing more.
    drop(writer.join().unwrap());
    let status = wait_bounded(&what, &mut process.child);
    let stderr = String::from_utf8_lossy(&stderr.recv().unwrap_or_default()).into_owned();
    assert!(status.success(), "{what}: {status}; stderr: {stderr}");
    let mut rest = Vec::new();
    loop {
        match process.lines.recv_timeout(LINE_TIMEOUT) {
            Ok(line) => rest.push(line),
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => panic!("{what}: its stdout stayed open after it exited"),
        }
    }
    assert!(rest.is_empty(), "{what}: printed more: {rest:?}");
}

fn our_cli_client_with_peer_server(peer: Peer) {
    component_built();
    let mut server = PeerServer::start(peer, &[]);
    for mode in [&[][..], &["--component"]] {
        let mut args = vec!["--version", "rfc6455"];
        args.extend_from_slice(mode);
        cli_echo(&server.url, &args);
        // The client closes with 1000 and no reason.
        assert_eq!(server.next_close(), "1000", "{peer:?} server, client {mode:?}");
    }
}

#[test]
fn our_cli_client_with_python_websockets_server() {
    our_cli_client_with_peer_server(Peer::Python);
}

/// `client-p3`, the WASI 0.3 command component, under the wasmtime CLI.
#[test]
fn our_p3_cli_client_with_python_websockets_server() {
    let mut server = PeerServer::start(Peer::Python, &[]);
    let command = common::p3_client_command(&[], None);
    cli_echo_by(command, &server.url, &["--version", "rfc6455"], &[]);
    assert_eq!(server.next_close(), "1000", "Python server, client-p3");
}

#[test]
fn our_cli_client_with_ws_server() {
    our_cli_client_with_peer_server(Peer::Node);
}
