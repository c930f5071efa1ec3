//! The command-line contract of the `serve` and `client` examples, tried
//! as a user would: separate processes over loopback.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{client, serve, Server};

/// The servers, each started with the flags given: `serve` (the component
/// in embedded wasmtime, an instance per connection), `serve --native`,
/// `serve-p3` (the WASI 0.3 command component under the wasmtime CLI) and
/// `serve --wasi p3` (the same in embedded wasmtime).
const SERVERS: [(&str, Start); 4] = [
    ("component", serve),
    ("native", serve_native),
    ("p3", common::serve_p3),
    ("embedded p3", serve_embedded_p3),
];

/// Starts a server with the flags given.
type Start = fn(&[&str]) -> Server;

fn serve_embedded_p3(args: &[&str]) -> Server {
    serve(&[args, &["--wasi", "p3"]].concat())
}

fn serve_native(args: &[&str]) -> Server {
    serve(&[args, &["--native"]].concat())
}
/// The client's modes: native (default) and the component in wasmtime.
const CLIENTS: [&[&str]; 2] = [&[], &["--component"]];

#[test]
fn every_line_comes_back_for_every_version_in_every_mode() {
    let input: String = (0..200)
        .map(|i| format!("line {i} ✓ {}\n", "x".repeat(i * 7)))
        .collect();
    for (server_mode, start) in SERVERS {
        let server = start(&[]);
        for client_mode in CLIENTS {
            for version in ["hixie75", "hixie76", "rfc6455"] {
                let mut args = vec!["--version", version];
                args.extend_from_slice(client_mode);
                let out = client(&server.url, &args, &input);
                let what = format!("{version} server {server_mode:?} client {client_mode:?}");
                assert_echoed(&what, &out, &input);
            }
        }
    }
}

#[test]
fn the_p3_client_speaks_every_version_with_the_native_and_p3_servers() {
    let input: String = (0..100)
        .map(|i| format!("line {i} ✓ {}\n", "y".repeat(i * 13)))
        .collect();
    for (name, start) in [("native", serve_native as Start), ("p3", common::serve_p3)] {
        let server = start(&[]);
        for version in ["hixie75", "hixie76", "rfc6455"] {
            let out = common::p3_client(&server.url, &["--version", version], &input);
            let what = format!("client-p3 {version} against the {name} server");
            assert_echoed(&what, &out, &input);
        }
    }
}

/// `client-p3` reaches a `wss://` server through the wasmtime CLI's WASI
/// 0.3 `wasi:tls` (`-S tls`; experimental in wasmtime 48), which trusts
/// only its built-in roots: so the host refuses our test CA's certificate,
/// and the client exits non-zero saying so. (`tests/component_p3.rs`
/// completes the same connection with a host that trusts the CA.)
#[test]
fn the_p3_client_reaches_wss_through_the_cli_wasi_tls_which_refuses_a_test_ca() {
    let certs = common::certs::certs();
    let (cert, key) = (certs.cert.to_str().unwrap(), certs.key.to_str().unwrap());
    let server = serve_native(&["--tls-cert", cert, "--tls-key", key]);
    let url = server.url.replace("127.0.0.1", "localhost");
    assert!(url.starts_with("wss://localhost:"), "{url}");
    let mut command = common::p3_client_command(&["-S", "allow-ip-name-lookup"], None);
    command.arg(&url).args(["--version", "rfc6455"]);
    let out = common::run_with_input(command, "hi\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("not signed by a trusted root"), "{stderr}");
}

/// The client exited 0 having printed exactly its input.
fn assert_echoed(what: &str, out: &std::process::Output, input: &str) {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout == input.as_bytes(),
        "{what}: {} of {} bytes",
        out.stdout.len(),
        input.len()
    );
}

#[test]
fn many_clients_at_once() {
    let server = serve(&[]);
    let handles: Vec<_> = (0..16)
        .map(|i| {
            let url = server.url.clone();
            std::thread::spawn(move || {
                let version = if i % 2 == 0 { "hixie75" } else { "hixie76" };
                let input: String = (0..50).map(|j| format!("client {i} message {j}\n")).collect();
                let out = client(&url, &["--version", version], &input);
                assert!(out.status.success());
                assert_eq!(String::from_utf8(out.stdout).unwrap(), input);
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn origins_and_protocols_are_enforced() {
    for (_, start) in SERVERS {
        origins_and_protocols_are_enforced_by(start);
    }
}

fn origins_and_protocols_are_enforced_by(start: Start) {
    let args = [
        "--origin",
        "http://good",
        "--origin",
        "http://also",
        "--protocol",
        "chat",
    ];
    let server = start(&args);
    for version in ["hixie75", "hixie76"] {
        let ok = client(
            &server.url,
            &[
                "--version",
                version,
                "--origin",
                "http://also",
                "--protocol",
                "chat",
            ],
            "hi\n",
        );
        assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
        assert_eq!(ok.stdout, b"hi\n");
        for args in [
            &["--origin", "http://evil", "--protocol", "chat"][..],
            &["--origin", "http://good", "--protocol", "other"],
        ] {
            let mut all = vec!["--version", version];
            all.extend_from_slice(args);
            let refused = client(&server.url, &all, "hi\n");
            assert!(!refused.status.success());
            let stderr = String::from_utf8(refused.stderr).unwrap();
            assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
            assert!(stderr.contains("status 403"), "{stderr:?}");
        }
    }
}

#[test]
fn failures_exit_non_zero_with_one_line() {
    // Nothing listens on a port just freed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for args in [
        vec![
            format!("ws://127.0.0.1:{port}/"),
            "--version".into(),
            "hixie76".into(),
        ],
        vec!["http://127.0.0.1/".into(), "--version".into(), "hixie76".into()],
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = client(args[0], &args[1..], "");
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(!stderr.trim().is_empty(), "{args:?}");
        assert!(stderr.lines().count() <= 2, "{stderr:?}");
    }
}

/// Sends an RFC 6455 handshake to `url` and reads the response; the socket
/// is then a client that never answers anything.
fn silent_rfc6455_client(url: &str) -> std::net::TcpStream {
    use std::io::{Read, Write};
    let addr = url.trim_start_matches("ws://").trim_end_matches('/');
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.write_all(
        b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    )
    .unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8];
        s.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101 "));
    s
}

#[test]
fn serve_pings_a_silent_client_and_cuts_it_off_as_its_flags_say() {
    use std::io::Read;
    use std::time::{Duration, Instant};
    let flags = ["--ping-interval", "1", "--ping-timeout", "1"];
    let servers = [
        ("component", serve(&flags)),
        ("native", serve(&[&["--native"][..], &flags].concat())),
        ("command", common::serve_command(&flags)),
        ("p3", common::serve_p3(&flags)),
    ];
    for (what, server) in &servers {
        let mut s = silent_rfc6455_client(&server.url);
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let started = Instant::now();
        let mut got = Vec::new();
        s.read_to_end(&mut got).unwrap();
        let waited = started.elapsed();
        // An empty ping after 1 s of silence; 1 s later, close 1011 and the end.
        assert_eq!(got, [0x89, 0x00, 0x88, 0x02, 0x03, 0xF3], "{what}");
        assert!(
            waited >= Duration::from_millis(1900) && waited < Duration::from_secs(6),
            "{what}: {waited:?}"
        );
    }
    // 0 turns keepalive off.
    let server = serve(&["--native", "--ping-interval", "0"]);
    let mut s = silent_rfc6455_client(&server.url);
    s.set_read_timeout(Some(Duration::from_millis(2500))).unwrap();
    let quiet = s.read(&mut [0u8; 16]).unwrap_err();
    assert_eq!(quiet.kind(), std::io::ErrorKind::WouldBlock, "nothing is sent");
}

#[test]
fn the_client_pings_a_silent_server_and_gives_up_as_its_flags_say() {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    for mode in CLIENTS {
        // A server that answers the handshake, then only reads.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("ws://{}/", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut head = Vec::new();
            while !head.ends_with(b"\r\n\r\n") {
                let mut byte = [0u8];
                s.read_exact(&mut byte).unwrap();
                head.push(byte[0]);
            }
            let head = String::from_utf8(head).unwrap();
            let key = head
                .lines()
                .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
                .unwrap();
            let accept = websocket_engine::rfc6455_accept(key);
            write!(
                s,
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                 Sec-WebSocket-Accept: {accept}\r\n\r\n"
            )
            .unwrap();
            let mut got = Vec::new();
            let _ = s.read_to_end(&mut got);
            got
        });
        let mut args = vec![
            "--version",
            "rfc6455",
            "--ping-interval",
            "1",
            "--ping-timeout",
            "1",
        ];
        args.extend_from_slice(mode);
        // Stdin stays open: the client has nothing to send and waits.
        let mut child = Command::new(common::example("client"))
            .arg(&url)
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let out = child.wait_with_output().unwrap();
        drop(stdin);
        assert_eq!(out.status.code(), Some(1), "{mode:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("keepalive ping within 1s"), "{mode:?}: {stderr}");
        // The server saw a masked empty ping, then a masked close 1011.
        let got = server.join().unwrap();
        assert_eq!(got.len(), 2 + 4 + 2 + 4 + 2, "{mode:?}: {got:?}");
        assert_eq!(got[..2], [0x89, 0x80], "{mode:?}");
        assert_eq!(got[6..8], [0x88, 0x82], "{mode:?}");
        let key = [got[8], got[9], got[10], got[11]];
        assert_eq!([got[12] ^ key[0], got[13] ^ key[1]], [0x03, 0xF3], "{mode:?}");
    }
}
