//! A rival echo server on tokio-tungstenite: `tungstenite-echo --listen ADDR
//! [--threads N]`. Prints `listening on ws://ADDR/` first, then echoes text
//! and binary messages, one task per connection, on a multi-threaded tokio
//! runtime (one worker per core unless `--threads`). Pings are answered and
//! closes completed by tungstenite itself.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use futures_util::{SinkExt, StreamExt};
    use tokio::net::{TcpListener, TcpStream};
    use tokio_tungstenite::tungstenite::{Error, Message};

    const NAME: &str = "tungstenite-echo";

    async fn echo(stream: TcpStream) -> Result<(), Error> {
        stream.set_nodelay(true)?;
        let mut ws = tokio_tungstenite::accept_async(stream).await?;
        // A close is answered by tungstenite on the next read, which then
        // ends the stream.
        while let Some(message) = ws.next().await {
            let message = message?;
            if let Message::Text(_) | Message::Binary(_) = message {
                ws.send(message).await?;
            }
        }
        Ok(())
    }

    let (listen, threads) = websocket_loadtest::server_args(NAME);
    websocket_loadtest::runtime(threads).block_on(async move {
        let listener = TcpListener::bind(&listen)
            .await
            .unwrap_or_else(|e| websocket_loadtest::die(NAME, format!("cannot listen on {listen}: {e}")));
        websocket_loadtest::announce(listener.local_addr().expect("bound"));
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("{NAME}: accept failed: {e}");
                    continue;
                }
            };
            tokio::spawn(async move {
                match echo(stream).await {
                    Ok(()) | Err(Error::ConnectionClosed | Error::AlreadyClosed) => {}
                    Err(e) => eprintln!("{NAME}: {peer}: {e}"),
                }
            });
        }
    })
}

#[cfg(target_arch = "wasm32")]
fn main() {}
