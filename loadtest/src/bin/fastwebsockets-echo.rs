//! A rival echo server on fastwebsockets (hyper 1 upgrade, as its docs
//! show): `fastwebsockets-echo --listen ADDR [--threads N]`. Prints
//! `listening on ws://ADDR/` first, then echoes text and binary messages,
//! one task per connection, on a multi-threaded tokio runtime (one worker
//! per core unless `--threads`). Auto-pong and auto-close are on, and a
//! `FragmentCollector` reassembles fragmented messages.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use fastwebsockets::{upgrade, FragmentCollector, OpCode, WebSocketError};
    use http_body_util::Empty;
    use hyper::body::{Bytes, Incoming};
    use hyper::server::conn::http1;
    use hyper::service::service_fn;
    use hyper::{Request, Response};

    const NAME: &str = "fastwebsockets-echo";

    async fn echo(fut: upgrade::UpgradeFut) -> Result<(), WebSocketError> {
        let mut ws = fut.await?;
        ws.set_auto_pong(true);
        ws.set_auto_close(true);
        let mut ws = FragmentCollector::new(ws);
        loop {
            let frame = ws.read_frame().await?;
            match frame.opcode {
                // auto_close has already answered it.
                OpCode::Close => break,
                OpCode::Text | OpCode::Binary => ws.write_frame(frame).await?,
                _ => {}
            }
        }
        Ok(())
    }

    async fn upgrade_request(mut req: Request<Incoming>) -> Result<Response<Empty<Bytes>>, WebSocketError> {
        let (response, fut) = upgrade::upgrade(&mut req)?;
        tokio::spawn(async move {
            if let Err(e) = echo(fut).await {
                if !matches!(
                    e,
                    WebSocketError::ConnectionClosed | WebSocketError::UnexpectedEOF
                ) {
                    eprintln!("{NAME}: {e}");
                }
            }
        });
        Ok(response)
    }

    websocket_loadtest::serve(NAME, |stream, peer| async move {
        let io = hyper_util::rt::TokioIo::new(stream);
        let conn = http1::Builder::new()
            .serve_connection(io, service_fn(upgrade_request))
            .with_upgrades();
        if let Err(e) = conn.await {
            eprintln!("{NAME}: {peer}: {e}");
        }
    })
}

#[cfg(target_arch = "wasm32")]
fn main() {}
