//! Interoperability with independent implementations of the hixie drafts,
//! installed from package registries:
//!
//! - websocket-driver 0.7.4 (npm; the server side of faye-websocket),
//!   hixie75 and hixie76 servers;
//! - Protocol::WebSocket (Debian `libprotocol-websocket-perl`), a hixie75 and
//!   hixie76 client and a hixie76 server;
//! - websocket-ruby (Debian `ruby-websocket`), a hixie75 client.
//!
//! `bash .ci/run` installs the Debian packages; the npm packages are
//! installed here on first use. A missing peer fails the test.

mod common;

use std::process::Command;

use common::echo::{echo_through, peers_dir, texts as messages};
use common::{client, run_with_input, serve, start, Running};
use websocket_blocking as blocking;
use websocket_engine::*;
use websocket_io::Error;

fn require(program: &str, args: &[&str], hint: &str) {
    let ok = Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "interop peer missing: `{program} {}` failed; {hint}",
        args.join(" ")
    );
}

fn node_peers() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if !peers_dir().join("node_modules").join("websocket-driver").exists() {
            let status = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(peers_dir())
                .status()
                .expect("interop peer missing: npm is needed to install websocket-driver");
            assert!(status.success(), "npm ci in tests/interop failed");
        }
    });
}

fn perl_peers() {
    require(
        "perl",
        &["-MProtocol::WebSocket", "-e1"],
        "install Debian's libprotocol-websocket-perl (bash .ci/run does)",
    );
}

fn ruby_peers() {
    require(
        "ruby",
        &["-rwebsocket", "-e1"],
        "install Debian's ruby and ruby-websocket (bash .ci/run does)",
    );
}

/// Starts a peer server script that prints `listening PORT`.
fn peer_server(program: &str, script: &str) -> (Running, String) {
    let mut command = Command::new(program);
    command.arg(peers_dir().join(script)).current_dir(peers_dir());
    let process = start(command);
    let port = process
        .first_line
        .trim()
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("{script} printed {:?}", process.first_line))
        .to_owned();
    (process, format!("ws://127.0.0.1:{port}/echo"))
}

#[test]
fn our_client_with_websocket_driver_server() {
    node_peers();
    let (_server, url) = peer_server("node", "hixie_echo_server.js");
    for version in [Version::Hixie75, Version::Hixie76] {
        echo_through(&url, version);
    }
}

#[test]
fn our_cli_clients_with_websocket_driver_server() {
    node_peers();
    let (_server, url) = peer_server("node", "hixie_echo_server.js");
    let input: String = messages().iter().map(|m| format!("{m}\n")).collect();
    for mode in [&[][..], &["--component"]] {
        for version in ["hixie75", "hixie76"] {
            let mut args = vec!["--version", version];
            args.extend_from_slice(mode);
            let out = client(&url, &args, &input);
            assert!(
                out.status.success(),
                "{version} {mode:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                out.stdout == input.as_bytes(),
                "{version} {mode:?}: {} of {} bytes",
                out.stdout.len(),
                input.len()
            );
        }
    }
}

#[test]
fn our_client_with_protocol_websocket_server() {
    perl_peers();
    let (_server, url) = peer_server("perl", "hixie_echo_server.pl");
    echo_through(&url, Version::Hixie76);
    // Its hixie75 status line is hixie76's, which draft-75 clients must refuse.
    let err = blocking::connect(&url, ClientConfig::new(Version::Hixie75)).unwrap_err();
    let Error::Protocol(ProtocolError::Handshake(HandshakeError::StatusLine { got, .. })) = err else {
        panic!("{err:?}")
    };
    assert!(
        got.starts_with("HTTP/1.1 101 WebSocket Protocol Handshake\r\n"),
        "{got:?}"
    );
}

fn peer_client(program: &str, script: &str, url: &str, version: &str, extra: &[&str]) {
    let input: String = messages()
        .iter()
        .filter(|m| m.len() < 1000)
        .map(|m| format!("{m}\n"))
        .collect();
    let mut command = Command::new(program);
    command
        .arg(peers_dir().join(script))
        .args([url, "--version", version])
        .args(extra);
    let out = run_with_input(command, &input);
    assert!(
        out.status.success(),
        "{script} {version}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        input,
        "{script} {version}"
    );
}

/// Our server's modes: the component in wasmtime (default) and native.
const SERVERS: [&[&str]; 2] = [&[], &["--native"]];

#[test]
fn protocol_websocket_client_with_our_servers() {
    perl_peers();
    for mode in SERVERS {
        let server = serve(mode);
        for version in ["hixie75", "hixie76"] {
            peer_client("perl", "hixie_client.pl", &server.url, version, &[]);
        }
    }
}

#[test]
fn websocket_ruby_client_with_our_servers() {
    ruby_peers();
    for mode in SERVERS {
        let server = serve(mode);
        // It sends no Origin unless told to, and hixie servers require one.
        peer_client(
            "ruby",
            "hixie_client.rb",
            &server.url,
            "hixie75",
            &["--origin", "http://127.0.0.1"],
        );
    }
}
