//! The command-line contract of the `serve` and `client` examples, tried
//! as a user would: separate processes over loopback.

mod common;

use common::{client, serve};

/// The server's modes: the component in wasmtime (default) and native.
const SERVERS: [&[&str]; 2] = [&[], &["--native"]];
/// The client's modes: native (default) and the component in wasmtime.
const CLIENTS: [&[&str]; 2] = [&[], &["--component"]];

#[test]
fn every_line_comes_back_for_both_versions_in_every_mode() {
    let input: String = (0..200)
        .map(|i| format!("line {i} ✓ {}\n", "x".repeat(i * 7)))
        .collect();
    for server_mode in SERVERS {
        let server = serve(server_mode);
        for client_mode in CLIENTS {
            for version in ["hixie75", "hixie76"] {
                let mut args = vec!["--version", version];
                args.extend_from_slice(client_mode);
                let out = client(&server.url, &args, &input);
                let what = format!("{version} server {server_mode:?} client {client_mode:?}");
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
        }
    }
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
    for server_mode in SERVERS {
        origins_and_protocols_are_enforced_by(server_mode);
    }
}

fn origins_and_protocols_are_enforced_by(mode: &[&str]) {
    let mut args = vec![
        "--origin",
        "http://good",
        "--origin",
        "http://also",
        "--protocol",
        "chat",
    ];
    args.extend_from_slice(mode);
    let server = serve(&args);
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
        vec!["ws://127.0.0.1/".into(), "--version".into(), "hybi".into()],
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = client(args[0], &args[1..], "");
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(!stderr.trim().is_empty(), "{args:?}");
        assert!(stderr.lines().count() <= 2, "{stderr:?}");
    }
}
