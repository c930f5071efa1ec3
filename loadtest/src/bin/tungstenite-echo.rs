//! A rival echo server on tokio-tungstenite: `tungstenite-echo --listen ADDR
//! [--threads N]`. Prints `listening on ws://ADDR/` first, then echoes text
//! and binary messages, one task per connection, on a multi-threaded tokio
//! runtime (one worker per core unless `--threads`). Pings are answered and
//! closes completed by tungstenite itself.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use futures_util::{SinkExt, StreamExt};
    use tokio::net::TcpStream;
    use tokio_tungstenite::tungstenite::{Error, Message};

    const NAME: &str = "tungstenite-echo";

    async fn echo(stream: TcpStream) -> Result<(), Error> {
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

    websocket_loadtest::serve(NAME, |stream, peer| async move {
        match echo(stream).await {
            Ok(()) | Err(Error::ConnectionClosed | Error::AlreadyClosed) => {}
            Err(e) => eprintln!("{NAME}: {peer}: {e}"),
        }
    })
}

#[cfg(target_arch = "wasm32")]
fn main() {}
