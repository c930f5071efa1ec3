//! Real proxies from Debian's packages between our clients and a TLS
//! server (Python `websockets`): tinyproxy for HTTP `CONNECT` and
//! microsocks for SOCKS5, each with and without credentials, set in the
//! options, on the CLI (`--proxy`) or in the environment (`https_proxy`).
//! Each proxy's own log shows that the tunnel went through it. Proxies that
//! refuse fail with their own codes.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;

use super::tls::{blocking_echoes, failure, python_tls_server, tokio_echoes, trusting_test_ca};
use super::*;
use common::certs::certs;
use common::tool;
use websocket_engine::Proxy;
use websocket_io::ConnectOptions;

/// A proxy process on a free port, its log captured in a file.
struct ProxyProcess {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ProxyProcess {
    /// Starts `command` (which must listen on `port`) and waits until it
    /// accepts connections.
    fn start(name: &str, mut command: Command, port: u16, dir: PathBuf) -> ProxyProcess {
        let log = dir.join(format!("{name}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let child = command
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let proxy = ProxyProcess { child, port, log };
        let deadline = Instant::now() + LINE_TIMEOUT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "{name} is not listening on {port}");
            thread::sleep(Duration::from_millis(20));
        }
        proxy
    }

    /// The proxy's URL, with `user:pass@` if given.
    fn url(&self, scheme: &str, credentials: Option<&str>) -> String {
        let user = credentials.map_or(String::new(), |c| format!("{c}@"));
        format!("{scheme}://{user}127.0.0.1:{}", self.port)
    }

    /// How many lines of its log contain `needle`.
    fn log_count(&self, needle: &str) -> usize {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        log.lines().filter(|l| l.contains(needle)).count()
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("websocket-engine-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// tinyproxy on a free port: `auth` adds `BasicAuth user secret`,
/// `only_port` lets it tunnel to that port only.
fn tinyproxy(name: &str, auth: bool, only_port: Option<u16>) -> ProxyProcess {
    let port = free_port();
    let dir = scratch(name);
    let mut conf = format!("Port {port}\nListen 127.0.0.1\nTimeout 60\nMaxClients 64\nLogLevel Info\n");
    if auth {
        conf.push_str("BasicAuth user secret\n");
    }
    if let Some(only) = only_port {
        conf.push_str(&format!("ConnectPort {only}\n"));
    }
    let path = dir.join("tinyproxy.conf");
    std::fs::write(&path, conf).unwrap();
    let mut command = Command::new(tool("tinyproxy"));
    command.arg("-d").arg("-c").arg(&path);
    ProxyProcess::start(name, command, port, dir)
}

/// microsocks on a free port: `auth` requires `user` / `secret`.
fn microsocks(name: &str, auth: bool) -> ProxyProcess {
    let port = free_port();
    let mut command = Command::new(tool("microsocks"));
    command.args(["-i", "127.0.0.1", "-p", &port.to_string()]);
    if auth {
        command.args(["-u", "user", "-P", "secret"]);
    }
    ProxyProcess::start(name, command, port, scratch(name))
}

/// Trusting the test CA, through `proxy`.
fn via(proxy: &str) -> ConnectOptions {
    trusting_test_ca().proxy(Proxy::parse(proxy).unwrap())
}

/// The CLI client echoes its lines through `--proxy` (or the
/// environment's `https_proxy`).
fn cli_through(url: &str, proxy: &str, from_env: bool, mode: &[&str]) {
    let ca = certs().ca.to_str().unwrap();
    let mut args = vec!["--version", "rfc6455", "--ca", ca];
    args.extend_from_slice(mode);
    if from_env {
        let env = [("https_proxy", proxy), ("no_proxy", ""), ("NO_PROXY", "")];
        cli_echo_with(url, &args, &env);
    } else {
        args.extend(["--proxy", proxy]);
        cli_echo_with(url, &args, &[]);
    }
}

#[test]
fn our_clients_reach_a_tls_server_through_http_connect_and_socks5_proxies() {
    component_built();
    let server = python_tls_server(&certs().cert, &certs().key);
    for (proxy, scheme, marker) in [
        (
            tinyproxy("tinyproxy-open", false, None),
            "http",
            "CONNECT localhost:",
        ),
        (
            tinyproxy("tinyproxy-auth", true, None),
            "http",
            "CONNECT localhost:",
        ),
        (
            microsocks("microsocks-open", false),
            "socks5",
            "connected to localhost:",
        ),
        (
            microsocks("microsocks-auth", true),
            "socks5",
            "connected to localhost:",
        ),
    ] {
        let creds = (proxy.log.to_string_lossy().contains("auth")).then_some("user:secret");
        let url = proxy.url(scheme, creds);
        let mut ws = blocking_echoes(&server.url, &via(&url));
        ws.close().unwrap();
        while ws.read_message().unwrap().is_some() {}
        tokio_echoes(&server.url, &via(&url));
        for mode in [&[][..], &["--component"]] {
            cli_through(&server.url, &url, false, mode);
            cli_through(&server.url, &url, true, mode);
        }
        // Six tunnels: blocking, tokio, and the CLI client (native and as
        // a component) with --proxy and with https_proxy.
        let deadline = Instant::now() + LINE_TIMEOUT;
        while proxy.log_count(marker) < 6 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(proxy.log_count(marker), 6, "tunnels through {url}");
    }
}

fn refusal(url: &str, proxy: &str) -> websocket_io::Error {
    failure(url, &via(proxy))
}

#[test]
fn proxies_that_refuse_fail_with_their_codes() {
    let server = python_tls_server(&certs().cert, &certs().key);
    let http = tinyproxy("tinyproxy-refusing", true, None);
    let socks = microsocks("microsocks-refusing", true);
    let cases = [
        (http.url("http", None), "proxy-authentication-required"),
        (
            http.url("http", Some("user:wrong")),
            "proxy-authentication-failed",
        ),
        (socks.url("socks5", None), "proxy-authentication-required"),
        (
            socks.url("socks5", Some("user:wrong")),
            "proxy-authentication-failed",
        ),
    ];
    for (proxy, code) in cases {
        let e = refusal(&server.url, &proxy);
        assert_eq!(
            (e.layer(), e.code(), e.culprit()),
            ("proxy", code, websocket_engine::Culprit::Proxy),
            "{proxy}: {e}"
        );
    }
    // A port the HTTP proxy does not tunnel to; a SOCKS5 target that
    // refuses the connection.
    let strict = tinyproxy("tinyproxy-strict", false, Some(1));
    let e = refusal(&server.url, &strict.url("http", None));
    assert_eq!(e.code(), "proxy-refused", "{e}");
    assert!(e.to_string().contains("403"), "{e}");
    let closed = format!("wss://localhost:{}/", free_port());
    let e = refusal(&closed, &socks.url("socks5", Some("user:secret")));
    assert_eq!(e.code(), "socks-refused", "{e}");
    // The CLI says so in one line and exits 1, native or as a component.
    component_built();
    for mode in [&[][..], &["--component"]] {
        let mut command = Command::new(example("client"));
        command
            .arg(&server.url)
            .args(["--version", "rfc6455", "--proxy", &http.url("http", None)]);
        command.args(mode);
        let out = run_bounded("client", command, "hello\n");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{mode:?}: {stderr}");
        assert!(
            stderr.contains("requires authentication") && stderr.lines().count() == 1,
            "{mode:?}: {stderr}"
        );
    }
}
