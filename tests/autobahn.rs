//! The Autobahn TestSuite's own cases (1 to 13, 517 in all, 12 and 13
//! being permessage-deflate), driven by `kosoku` from PyPI against the
//! `serve` example: natively and as the component in embedded wasmtime.
//! A case passes when both its `behavior` and `behaviorClose` are `OK` or
//! `INFORMATIONAL`. `bash .ci/install` installs kosoku; without it the
//! tests fail.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

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

/// Runs every case against the server at `url`; returns each case's
/// `(behavior, behaviorClose)`.
fn run_cases(url: &str, name: &str) -> BTreeMap<String, (String, String)> {
    let addr = url.trim_start_matches("ws://").trim_end_matches('/');
    let out = std::env::temp_dir().join(format!("autobahn-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let status = Command::new(kosoku())
        .arg(addr)
        .arg("-o")
        .arg(&out)
        .args(["-p", "2"])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("kosoku runs");
    // kosoku exits 1 when a case failed: the report says which.
    assert!(status.code().is_some(), "kosoku was killed");
    let index = std::fs::read_to_string(out.join("index.json")).expect("kosoku wrote index.json");
    let _ = std::fs::remove_dir_all(&out);
    verdicts(&index)
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
    println!(
        "autobahn {name}: {} cases, {}",
        verdicts.len(),
        summary.join(", ")
    );
    assert_eq!(verdicts.len(), 517, "every case of 1 to 13 ran");
    assert!(
        failed.is_empty(),
        "{name}: {} cases failed: {failed:?}",
        failed.len()
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
