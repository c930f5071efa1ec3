//! The Autobahn TestSuite's own cases (1 to 13, 517 in all, 12 and 13
//! being permessage-deflate), driven by `kosoku` from PyPI: as a fuzzing
//! client against the `serve` example, and as a fuzzing server for the
//! `client` example's `--echo` mode, each natively and with the engine as
//! a component in embedded wasmtime; and as a fuzzing client against
//! `serve-p3`, the WASI 0.3 command component under the wasmtime CLI (the
//! fuzzing server for `client-p3 --echo` is `#[ignore]`d: run it with
//! `cargo test --test autobahn -- --ignored`). A case passes when both its
//! `behavior` and `behaviorClose` are `OK` or `INFORMATIONAL`.
//! `bash .ci/install` installs kosoku; without it the tests fail.
//!
//! The five runs take about 20 minutes on two cores, most of it in the
//! compression cases (12 and 13), which kosoku and the engine both spend
//! on deflating and inflating hundreds of megabytes. The client runs start
//! one `client` process per case, two cases at a time; the component client loads the
//! component this test built once (`WEBSOCKET_COMPONENT`), so that no
//! process runs cargo.

mod common;

use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Cases allowed a `NON-STRICT` verdict, with the reason. None so far.
const NON_STRICT: &[(&str, &str)] = &[];

/// The kosoku that `.ci/install` put in its virtualenv.
fn kosoku() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/autobahn/.venv/bin/kosoku");
    assert!(
        path.exists(),
        "{} is missing: run `bash .ci/install` to install the Autobahn driver",
        path.display()
    );
    path
}

/// A fresh folder for one run's reports.
fn report_dir(name: &str) -> PathBuf {
    let out = std::env::temp_dir().join(format!("autobahn-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    out
}

/// The verdicts kosoku wrote to `out`, which is then removed.
fn read_report(out: &Path) -> BTreeMap<String, (String, String)> {
    let index = std::fs::read_to_string(out.join("index.json")).expect("kosoku wrote index.json");
    let _ = std::fs::remove_dir_all(out);
    verdicts(&index)
}

/// Runs every case against the server at `url`; returns each case's
/// `(behavior, behaviorClose)`.
fn run_cases(url: &str, name: &str) -> BTreeMap<String, (String, String)> {
    let addr = url.trim_start_matches("ws://").trim_end_matches('/');
    let out = report_dir(name);
    let status = Command::new(kosoku())
        .arg(addr)
        .arg("-o")
        .arg(&out)
        .args(["-p", "2"])
        .stdout(Stdio::null())
        .status()
        .expect("kosoku runs");
    // kosoku exits 1 when a case failed: the report says which.
    assert!(status.code().is_some(), "kosoku was killed");
    read_report(&out)
}

/// Runs every case with the `client` example (`--echo`, plus `args`)
/// against kosoku's fuzzing server, then has it write its report.
fn run_client_cases(name: &str, args: &[&str]) -> BTreeMap<String, (String, String)> {
    let client = common::example("client");
    // Built once here, so that no client process runs cargo.
    let component = websocket_build::library_component().expect("the library component");
    run_cases_with(name, || {
        let mut command = Command::new(&client);
        command.env(websocket_build::COMPONENT_VAR, &component).args(args);
        command
    })
}

/// Runs every case against kosoku's fuzzing server with a client process
/// per case, `client()` then the case's URL and `--version rfc6455 --echo`,
/// then has kosoku write its report.
fn run_cases_with(name: &str, client: impl Fn() -> Command + Sync) -> BTreeMap<String, (String, String)> {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = report_dir(name);
    let server = Command::new(kosoku())
        .args(["-m", "fuzzingserver", &format!("127.0.0.1:{port}"), "-o"])
        .arg(&out)
        .stdout(Stdio::null())
        .spawn()
        .expect("kosoku runs");
    // Killed when dropped.
    let server = common::Running {
        child: server,
        first_line: String::new(),
    };
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "kosoku never listened"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let base = format!("ws://127.0.0.1:{port}");
    // Two cases at a time: one case is a ping-pong between kosoku and the
    // client, which keeps only one of two cores busy.
    let next = std::sync::atomic::AtomicUsize::new(1);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| loop {
                let case = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if case > 517 {
                    break;
                }
                run_client_case(client(), &base, name, case);
            });
        }
    });
    // kosoku writes the report in place when asked, and may finish the
    // last case's verdict after its connection ended: ask until the report
    // is whole and has every case. (The client's exit status does not
    // matter: the report is written on connect.)
    let started = Instant::now();
    let index = out.join("index.json");
    let report = loop {
        let _ = common::client(
            &format!("{base}/updateReports?agent={name}"),
            &["--version", "rfc6455"],
            "",
        );
        std::thread::sleep(Duration::from_millis(500));
        let text = std::fs::read_to_string(&index).unwrap_or_default();
        if common::json::Json::parse(&text).is_ok() && verdicts(&text).len() == 517 {
            break text;
        }
        if started.elapsed() > Duration::from_secs(60) {
            break text;
        }
    };
    drop(server);
    let _ = std::fs::remove_dir_all(&out);
    assert!(!report.is_empty(), "kosoku wrote no report");
    verdicts(&report)
}

/// Runs case `case` of kosoku's fuzzing server at `base` with one
/// `client` process, which must end within the case's time-outs.
fn run_client_case(mut client: Command, base: &str, name: &str, case: usize) {
    let url = format!("{base}/runCase?case={case}&agent={name}");
    let mut child = client
        .arg(&url)
        .args(["--version", "rfc6455", "--echo"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the client runs");
    // A case may fail the connection on purpose: only a client that
    // outlives every time-out of the case is a failure of its own.
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{name}: case {case} still running after 120 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The verdicts of `index.json`: `{agent: {case: {behavior, behaviorClose, ..}}}`.
fn verdicts(index: &str) -> BTreeMap<String, (String, String)> {
    let json = common::json::Json::parse(index).expect("index.json is JSON");
    let common::json::Json::Obj(agents) = json else {
        panic!("index.json is not an object")
    };
    let mut out = BTreeMap::new();
    for (_, cases) in agents {
        let common::json::Json::Obj(cases) = cases else {
            panic!("an agent's cases are not an object")
        };
        for (case, result) in cases {
            let field = |f: &str| result.get(f).as_str().unwrap_or("?").to_owned();
            out.insert(case, (field("behavior"), field("behaviorClose")));
        }
    }
    out
}

/// Prints one summary line and fails on any case that is not OK or
/// INFORMATIONAL (or a listed NON-STRICT one).
fn judge(name: &str, verdicts: &BTreeMap<String, (String, String)>) {
    let mut counts = BTreeMap::<&str, usize>::new();
    let mut failed = Vec::new();
    for (case, (behavior, close)) in verdicts {
        let worst = [behavior.as_str(), close.as_str()]
            .into_iter()
            .find(|v| !matches!(*v, "OK" | "INFORMATIONAL"))
            .unwrap_or(behavior.as_str());
        *counts.entry(worst).or_default() += 1;
        let allowed = |v: &str| {
            matches!(v, "OK" | "INFORMATIONAL")
                || (v == "NON-STRICT" && NON_STRICT.iter().any(|(c, _)| c == case))
        };
        if !allowed(behavior) || !allowed(close) {
            failed.push(format!("{case}: {behavior}/{close}"));
        }
    }
    let summary: Vec<String> = counts.iter().map(|(v, n)| format!("{v} {n}")).collect();
    // Straight to stderr, past the harness's capture, so that CI shows it.
    let line = format!(
        "autobahn {name}: {} cases, {}\n",
        verdicts.len(),
        summary.join(", ")
    );
    let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
    assert_eq!(verdicts.len(), 517, "every case of 1 to 13 ran");
    assert!(
        failed.is_empty(),
        "{name}: {} cases failed: {failed:?}",
        failed.len()
    );
}

#[test]
fn autobahn_native_client() {
    judge("native client", &run_client_cases("native", &[]));
}

#[test]
fn autobahn_component_client() {
    judge(
        "component client",
        &run_client_cases("component", &["--component"]),
    );
}

#[test]
fn autobahn_native_server() {
    let server = common::serve(&["--native"]);
    judge("native server", &run_cases(&server.url, "native"));
}

#[test]
fn autobahn_component_server() {
    let server = common::serve(&[]);
    judge("component server", &run_cases(&server.url, "component"));
}

/// `client-p3` under the wasmtime CLI, compiled once ahead of the cases
/// (`wasmtime compile`), so that each case's process starts at once.
/// Left out of `cargo test` (4.3 minutes of both cores would take CI past
/// its budget); it passed, 514 OK and 3 INFORMATIONAL, when added.
#[cfg(not(target_arch = "wasm32"))]
#[test]
#[ignore = "4 minutes; run with `cargo test --test autobahn -- --ignored`"]
fn autobahn_wasi_p3_client() {
    let wasm = websocket_build::built_wasm(
        "websocket-engine",
        &["--example", "client-p3"],
        "examples/client-p3.wasm",
    )
    .expect("client-p3.wasm");
    let compiled = wasm.with_extension("autobahn.cwasm");
    let status = Command::new(common::wasmtime_cli())
        .arg("compile")
        .arg(&wasm)
        .arg("-o")
        .arg(&compiled)
        .status()
        .expect("wasmtime compile runs");
    assert!(status.success(), "wasmtime compile {}: {status}", wasm.display());
    let verdicts = run_cases_with("p3", || {
        common::p3_client_command(&["--allow-precompiled"], Some(&compiled))
    });
    judge("WASI 0.3 command component client", &verdicts);
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn autobahn_wasi_p3_server() {
    let server = common::serve_p3(&[]);
    judge("WASI 0.3 command component server", &run_cases(&server.url, "p3"));
}
