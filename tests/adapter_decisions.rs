#![cfg(not(target_arch = "wasm32"))]
//! Deferred decisions through the blocking and tokio adapters: `accept`
//! returns the request before answering it, and `decide` accepts (the
//! connection then works as after a plain `accept`) or refuses (the client
//! sees exactly the refusal's status).

use std::net::TcpListener;
use std::thread;

use websocket_engine::{
    Accept, ClientConfig, Decision, HandshakeError, Message, ProtocolError, Refusal, ServerConfig, Version,
};
use websocket_io::Error;

fn deferring() -> ServerConfig {
    ServerConfig::new().defer_decisions(true).protocols(["chat"])
}

fn refused_with(status: u16) -> Error {
    Error::Protocol(ProtocolError::Handshake(HandshakeError::Refused { status }))
}

/// What a client of `version` asking for `chat` gets from `url`: the
/// echo of one message, or the handshake's error.
fn client(url: &str, version: Version) -> Result<Option<Message>, Error> {
    let config = ClientConfig::new(version).protocols(["chat"]);
    let (mut ws, _) = websocket_blocking::connect(url, config)?;
    ws.send_text("hello")?;
    let echoed = ws.read_message()?;
    ws.close()?;
    while ws.read_message()?.is_some() {}
    Ok(echoed)
}

/// Two clients of `version` in turn, as the servers below answer them: the
/// first sees exactly the refusal's status, the second its echo.
fn refused_then_echoed(url: &str, version: Version) {
    match client(url, version) {
        Err(Error::Protocol(ProtocolError::Handshake(HandshakeError::Status { code }))) => {
            assert_eq!(code, 403, "{version:?}")
        }
        other => panic!("{version:?}: the client saw {other:?}, not a refusal's status"),
    }
    assert_eq!(
        client(url, version),
        Ok(Some(Message::text("hello"))),
        "{version:?}"
    );
}

#[test]
fn the_blocking_adapter_defers_then_accepts_or_refuses() {
    for version in [Version::Rfc6455, Version::Hixie76, Version::Hixie75] {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("ws://{}/chat", listener.local_addr().unwrap());
        let server = thread::spawn(move || -> Result<(), Error> {
            // The first client is refused, the second accepted and echoed.
            let (tcp, _) = listener.accept().unwrap();
            let (mut ws, request) = websocket_blocking::accept(tcp, deferring())?;
            assert_eq!(request.resource, "/chat");
            assert_eq!(
                ws.decide(Decision::Refuse(Refusal::new(403))),
                Err(refused_with(403))
            );
            let (tcp, _) = listener.accept().unwrap();
            let (mut ws, request) = websocket_blocking::accept(tcp, deferring())?;
            assert_eq!(request.protocols, ["chat"]);
            ws.decide(Decision::Accept(Accept::new().protocol("chat")))?;
            assert_eq!(ws.session().request().map(|r| r.version), Some(version));
            while let Some(message) = ws.read_message()? {
                ws.send(&message)?;
            }
            Ok(())
        });
        refused_then_echoed(&url, version);
        server.join().unwrap().unwrap();
    }
}

#[test]
fn the_tokio_adapter_defers_then_accepts_or_refuses() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("ws://{}/chat", listener.local_addr().unwrap());
    let server = rt.spawn(async move {
        for version in [Version::Rfc6455, Version::Hixie76, Version::Hixie75] {
            let (tcp, _) = listener.accept().await.unwrap();
            let (mut ws, _) = websocket_tokio::accept(tcp, deferring()).await?;
            let refusal = ws.decide(Decision::Refuse(Refusal::new(403))).await;
            assert_eq!(refusal, Err(refused_with(403)), "{version:?}");
            let (tcp, _) = listener.accept().await.unwrap();
            let (mut ws, _) = websocket_tokio::accept(tcp, deferring()).await?;
            ws.decide(Decision::Accept(Accept::new().protocol("chat")))
                .await?;
            while let Some(message) = ws.read_message().await? {
                ws.send(&message).await?;
            }
        }
        Ok::<(), Error>(())
    });
    let clients = thread::spawn(move || {
        for version in [Version::Rfc6455, Version::Hixie76, Version::Hixie75] {
            refused_then_echoed(&url, version);
        }
    });
    // The server's errors and panics reach the test through its handle.
    rt.block_on(server).unwrap().unwrap();
    clients.join().unwrap();
}
