//! The echo server with the engine as native code: the tokio adapter, a
//! task per connection on a multi-threaded runtime.

use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use websocket_engine::ServerConfig;
use websocket_io::Error;
use websocket_tokio as tokio_io;

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
    let tls = args.tls();
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok((stream, peer)) if stream.set_nodelay(true).is_ok() => (stream, peer),
            Ok(_) => continue,
            Err(e) => {
                eprintln!("serve: accept failed: {e}");
                continue;
            }
        };
        let (config, tls) = (config.clone(), tls.clone());
        tokio::spawn(async move {
            let result = match tls {
                None => echo(stream, config).await,
                Some(tls) => match tokio_io::accept_tls(&tls, stream).await {
                    Ok(stream) => echo(stream, config).await,
                    Err(e) => Err(e.into()),
                },
            };
            if let Err(e) = result {
                crate::report(peer, &e, e.code());
            }
        });
    }
}

/// Echoes every message; replies are queued and go out together before the
/// next read.
async fn echo<S: AsyncRead + AsyncWrite + Unpin>(stream: S, config: Arc<ServerConfig>) -> Result<(), Error> {
    let (mut ws, _request) = tokio_io::accept(stream, config).await?;
    while let Some(message) = ws.read_message().await? {
        ws.session_mut().send(&message)?
    }
    Ok(())
}
