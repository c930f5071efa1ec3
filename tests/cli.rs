//! The command-line contract of the `serve` and `client` examples, tried
//! as a user would: separate processes over loopback.

mod common;

use common::{client, serve};

#[test]
fn every_line_comes_back_for_both_versions() {
    let server = serve(&[]);
    let input: String = (0..200)
        .map(|i| format!("line {i} ✓ {}\n", "x".repeat(i * 7)))
        .collect();
    for version in ["hixie75", "hixie76"] {
        let out = client(&server.url, &["--version", version], &input);
        assert!(
            out.status.success(),
            "{version}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8(out.stdout).unwrap(), input, "{version}");
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
    let server = serve(&[
        "--origin",
        "http://good",
        "--origin",
        "http://also",
        "--protocol",
        "chat",
    ]);
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
