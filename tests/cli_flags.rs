//! The command lines of `serve` and `client` as a new user meets them:
//! `--help`, `--version`, a mistyped flag, a missing argument, and the
//! client's default protocol version.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Command, Output};

use common::{client, example, serve};

/// Runs example `name` with `args` and no input.
fn run(name: &str, args: &[&str]) -> Output {
    Command::new(example(name))
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {name}: {e}"))
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap()
}

#[test]
fn help_lists_every_flag_with_its_default_and_exits_0() {
    let serve_flags = [
        "--listen <ADDR>",
        "--origin <ORIGIN>",
        "--protocol <PROTOCOL>",
        "--backlog <N>",
        "--ping-interval <SECS>",
        "--ping-timeout <SECS>",
        "--idle-timeout <SECS>",
        "--no-compression",
        "--compression-level <N>",
        "--tls-cert <FILE>",
        "--tls-key <FILE>",
        "--native",
        "--wasi <WASI>",
        "--version",
        "--help",
    ];
    let client_flags = [
        "[URL]",
        "--version [<VERSION>]",
        "--origin <ORIGIN>",
        "--protocol <PROTOCOL>",
        "--ping-interval <SECS>",
        "--ping-timeout <SECS>",
        "--idle-timeout <SECS>",
        "--no-compression",
        "--compression-level <N>",
        "--echo",
        "--ca <FILE>",
        "--proxy <URL>",
        "--component",
        "--help",
    ];
    for (name, flags) in [("serve", &serve_flags[..]), ("client", &client_flags)] {
        let out = run(name, &["--help"]);
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        let help = text(&out.stdout);
        for flag in flags {
            assert!(help.contains(flag), "{name} --help lacks {flag}:\n{help}");
        }
        for default in ["[default: 20]", "[default: 0]", "[default: 6]"] {
            assert!(help.contains(default), "{name} --help lacks {default}:\n{help}");
        }
    }
    let help = text(&run("serve", &["--help"]).stdout).to_owned();
    assert!(
        help.contains("[default: 1024]") && help.contains("[default: p2]"),
        "{help}"
    );
    let help = text(&run("client", &["--help"]).stdout).to_owned();
    assert!(
        help.contains("[possible values: hixie75, hixie76, rfc6455]"),
        "{help}"
    );
}

#[test]
fn version_prints_the_crate_version() {
    let version = env!("CARGO_PKG_VERSION");
    for (name, args) in [
        ("serve", &["--version"][..]),
        ("serve", &["-V"]),
        ("client", &["--version"]),
        ("client", &["-V"]),
    ] {
        let out = run(name, args);
        assert!(out.status.success(), "{name} {args:?}: {}", text(&out.stderr));
        assert_eq!(
            text(&out.stdout),
            format!("{name} {version}\n"),
            "{name} {args:?}"
        );
    }
}

#[test]
fn a_mistyped_flag_is_refused_with_a_suggestion() {
    for (name, args, meant) in [
        ("serve", &["--listne", "127.0.0.1:0"][..], "--listen"),
        (
            "client",
            &["ws://127.0.0.1:1/", "--verison", "rfc6455"],
            "--version",
        ),
        ("client", &["ws://127.0.0.1:1/", "--ech"], "--echo"),
    ] {
        let out = run(name, args);
        assert_eq!(out.status.code(), Some(2), "{name} {args:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains("unexpected argument"), "{stderr}");
        assert!(
            stderr.contains(&format!("a similar argument exists: '{meant}'")),
            "{stderr}"
        );
    }
    // A value out of its set names the ones allowed.
    let out = run("client", &["ws://127.0.0.1:1/", "--version", "hybi"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("possible values: hixie75, hixie76, rfc6455"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_missing_argument_is_named() {
    for (name, args, missing) in [
        ("serve", &[][..], "--listen <ADDR>"),
        (
            "serve",
            &["--listen", "127.0.0.1:0", "--tls-cert", "c.pem"],
            "--tls-key <FILE>",
        ),
        ("client", &[], "URL"),
        ("client", &["--echo"], "URL"),
    ] {
        let out = run(name, args);
        assert_eq!(out.status.code(), Some(2), "{name} {args:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(missing), "{name} {args:?}: {stderr}");
        // The error and the usage are lines of their own.
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(stderr.lines().any(|l| l.starts_with("Usage: ")), "{stderr}");
    }
    let out = run("serve", &["--listen"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: a value is required for '--listen <ADDR>'"),
        "{stderr}"
    );
}

#[test]
fn the_client_speaks_rfc6455_unless_told() {
    // What the client asks for, read by a listener that answers nothing.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    let mut child = Command::new(example("client"))
        .arg(&url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (stream, _) = listener.accept().unwrap();
    let head: Vec<String> = BufReader::new(stream)
        .lines()
        .map(Result::unwrap)
        .take_while(|l| !l.is_empty())
        .collect();
    let _ = child.kill();
    let _ = child.wait();
    assert!(head.iter().any(|l| l == "Sec-WebSocket-Version: 13"), "{head:?}");
    // And against a real server every line comes back.
    let server = serve(&["--native"]);
    let out = client(&server.url, &[], "one\ntwo\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "one\ntwo\n");
}
