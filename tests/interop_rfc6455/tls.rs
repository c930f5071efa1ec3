//! `wss://` with independent parts on the other end: Python `websockets`
//! serving TLS through Python's `ssl` module (OpenSSL), reached by our
//! blocking and tokio clients and our CLI client; our TLS servers (native,
//! and the component behind the host's TLS) reached by Python
//! `websockets`. Certificates are made at test time (`common::certs`); a
//! wrong certificate and a wrong host name fail with their own codes.

use super::*;
use common::certs::certs;
use websocket_io::tls;
use websocket_io::ConnectOptions;
use websocket_tokio as tokio_io;

/// Python `websockets` serving `wss://localhost:PORT/echo` with the
/// certificate and key given.
pub(super) fn python_tls_server(cert: &std::path::Path, key: &std::path::Path) -> PeerServer {
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let mut server = PeerServer::with_args(Peer::Python, &["--tls-cert", cert, "--tls-key", key]);
    server.url = server.url.replace("ws://127.0.0.1", "wss://localhost");
    server
}

/// Direct connections that trust the test CA only.
pub(super) fn trusting_test_ca() -> ConnectOptions {
    let mut roots = tls::rustls::RootCertStore::empty();
    let pem = std::fs::read(&certs().ca).unwrap();
    assert_eq!(tls::add_pem_roots(&mut roots, &pem).unwrap(), 1);
    ConnectOptions::new().direct().tls(tls::client_config(roots))
}

fn config() -> ClientConfig {
    let mut config = ClientConfig::new(Version::Rfc6455);
    config.timeouts.close = Duration::from_secs(5);
    config
}

/// Sends the sample messages over a blocking client and checks each echo.
pub(super) fn blocking_echoes(url: &str, options: &ConnectOptions) -> WebSocket<blocking::MaybeTlsStream> {
    let (mut ws, _) =
        blocking::connect_with(url, config(), options).unwrap_or_else(|e| panic!("connecting to {url}: {e}"));
    ws.set_read_timeout(Some(LINE_TIMEOUT));
    for message in sample_messages() {
        ws.send(&message).unwrap();
        assert_eq!(ws.read_message().unwrap().as_ref(), Some(&message), "{url}");
    }
    ws
}

/// The same over the tokio adapter, then the closing handshake.
pub(super) fn tokio_echoes(url: &str, options: &ConnectOptions) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (mut ws, _) = tokio_io::connect_with(url, config(), options)
            .await
            .unwrap_or_else(|e| panic!("connecting to {url} with tokio: {e}"));
        for message in sample_messages() {
            ws.send(&message).await.unwrap();
            assert_eq!(ws.read_message().await.unwrap().as_ref(), Some(&message), "{url}");
        }
        ws.close().await.unwrap();
        while ws.read_message().await.unwrap().is_some() {}
    });
}

#[test]
fn our_blocking_and_tokio_clients_with_a_python_tls_server() {
    let mut server = python_tls_server(&certs().cert, &certs().key);
    let mut ws = blocking_echoes(&server.url, &trusting_test_ca());
    close_and_check(&mut ws, &mut server);
    tokio_echoes(&server.url, &trusting_test_ca());
    assert_eq!(server.next_close(), "1000", "the tokio client's close");
}

/// The CLI client, native and with the engine as a component (whose
/// `wasi:tls` the embedded host provides, trusting `--ca` too).
#[test]
fn our_cli_client_with_a_python_tls_server() {
    component_built();
    let mut server = python_tls_server(&certs().cert, &certs().key);
    let ca = certs().ca.to_str().unwrap();
    for mode in [&[][..], &["--component"]] {
        let mut args = vec!["--version", "rfc6455", "--ca", ca];
        args.extend_from_slice(mode);
        cli_echo(&server.url, &args);
        assert_eq!(server.next_close(), "1000", "client {mode:?}");
    }
}

#[test]
fn python_websockets_client_with_our_tls_servers() {
    component_built();
    let (cert, key) = (certs().cert.to_str().unwrap(), certs().key.to_str().unwrap());
    for mode in [NATIVE, COMPONENT] {
        let mut args = vec!["--tls-cert", cert, "--tls-key", key];
        args.extend_from_slice(mode);
        let (_server, url) = our_server(&args);
        assert!(
            url.starts_with("wss://127.0.0.1:"),
            "serve {args:?} announced {url}"
        );
        let url = url.replace("127.0.0.1", "localhost");
        let what = format!("Python websockets client against our TLS server {args:?}");
        let mut command = Peer::Python.command("client");
        command
            .arg(&url)
            .args(["--ca", certs().ca.to_str().unwrap()])
            .current_dir(peers_dir());
        let out = run_bounded(&what, command, "");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            peer_client_transcript("-"),
            "{what}; its stderr: {stderr}"
        );
        assert!(
            out.status.success(),
            "{what}: {}; its stderr: {stderr}",
            out.status
        );
    }
}

/// The error connecting to `url` gives.
pub(super) fn failure(url: &str, options: &ConnectOptions) -> websocket_io::Error {
    match blocking::connect_with(url, config(), options) {
        Ok(_) => panic!("connecting to {url} succeeded"),
        Err(e) => e,
    }
}

#[test]
fn a_wrong_certificate_and_a_wrong_name_fail_with_their_codes() {
    let stranger = python_tls_server(&certs().stranger_cert, &certs().stranger_key);
    let e = failure(&stranger.url, &trusting_test_ca());
    assert_eq!((e.layer(), e.code()), ("tls", "untrusted-certificate"), "{e}");
    assert_eq!(e.culprit(), websocket_engine::Culprit::Peer);

    let server = python_tls_server(&certs().cert, &certs().key);
    // The certificate names localhost, not the address.
    let by_address = server.url.replace("localhost", "127.0.0.1");
    let e = failure(&by_address, &trusting_test_ca());
    assert_eq!(e.code(), "certificate-name-mismatch", "{e}");
    // The default roots do not hold the test CA.
    let e = failure(&server.url, &ConnectOptions::new().direct());
    assert_eq!(e.code(), "untrusted-certificate", "{e}");

    // The CLI says so in one line and exits 1, native or as a component.
    component_built();
    let ca = certs().ca.to_str().unwrap();
    for (url, args, says) in [
        (&server.url, vec![], "not signed by a trusted root"),
        (&by_address, vec!["--ca", ca], "not valid for the host name"),
        // The component sorts the host's wasi:tls error into the same rule.
        (&server.url, vec!["--component"], "not signed by a trusted root"),
        (
            &by_address,
            vec!["--ca", ca, "--component"],
            "not valid for the host name",
        ),
    ] {
        let mut command = Command::new(example("client"));
        command.arg(url).args(["--version", "rfc6455"]).args(&args);
        let out = run_bounded("client", command, "hello\n");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "client {url} {args:?}: {stderr}");
        assert!(
            stderr.contains(says) && stderr.lines().count() == 1,
            "client {url} {args:?}: {stderr}"
        );
    }
}

/// The blocking adapter on both ends: a server behind `TlsAcceptor` (its
/// shutdown sends `close_notify`, which the strict rustls client needs to
/// see a clean end) and our client, for each version.
#[test]
fn our_blocking_tls_server_with_our_blocking_client() {
    let certs = certs();
    let config = tls::server_config(
        &std::fs::read(&certs.cert).unwrap(),
        &std::fs::read(&certs.key).unwrap(),
    )
    .unwrap();
    let acceptor = tls::TlsAcceptor::new(config);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let versions = [Version::Hixie75, Version::Hixie76, Version::Rfc6455];
    let server = thread::spawn(move || {
        for _ in versions {
            let (tcp, _) = listener.accept().unwrap();
            let server_config = websocket_engine::ServerConfig::new().secure(true);
            let (mut ws, _) = blocking::accept(acceptor.accept(tcp).unwrap(), server_config).unwrap();
            while let Some(message) = ws.read_message().unwrap() {
                ws.send(&message).unwrap();
            }
        }
    });
    for version in versions {
        let url = format!("wss://localhost:{port}/tls");
        let mut client_config = ClientConfig::new(version);
        client_config.timeouts.close = Duration::from_secs(5);
        let (mut ws, _) = blocking::connect_with(&url, client_config, &trusting_test_ca())
            .unwrap_or_else(|e| panic!("{version:?}: {e}"));
        ws.set_read_timeout(Some(LINE_TIMEOUT));
        ws.send(&Message::text("over TLS ✓")).unwrap();
        assert_eq!(
            ws.read_message().unwrap(),
            Some(Message::text("over TLS ✓")),
            "{version:?}"
        );
        ws.close().unwrap();
        while ws
            .read_message()
            .unwrap_or_else(|e| panic!("{version:?}: {e}"))
            .is_some()
        {}
    }
    server.join().unwrap();
}
