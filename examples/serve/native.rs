//! The echo server with the engine as native code: the tokio adapter, a
//! task per connection on a multi-threaded runtime.

use std::sync::Arc;

use tokio::net::TcpStream;
use websocket_engine::{tokio_io, Error, ServerConfig};

use crate::{die, Args};

pub fn run(args: Args) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| die("cannot start tokio", e));
    runtime.block_on(serve(args));
}

async fn serve(args: Args) {
    let listener = crate::listen(&args).await;
    let config = Arc::new(args.config());
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("serve: accept failed: {e}");
                continue;
            }
        };
        let config = config.clone();
        tokio::spawn(async move {
            if let Err(e) = echo(stream, config).await {
                crate::report(peer, &e, e.code());
            }
        });
    }
}

/// Echoes every message; replies are queued and go out together before the
/// next read.
async fn echo(stream: TcpStream, config: Arc<ServerConfig>) -> Result<(), Error> {
    stream.set_nodelay(true)?;
    let (mut ws, _request) = tokio_io::accept(stream, config).await?;
    while let Some(message) = ws.read_message().await? {
        ws.session_mut().send(&message)?
    }
    Ok(())
}
