//! The echo server with the engine as native code: the tokio adapter, a
//! task per connection on a multi-threaded runtime.

use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use websocket_engine::{tokio_io, Error, Message, ServerConfig, ServerPolicy};

use crate::{die, Args};

pub fn run(args: Args) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| die("cannot start tokio", e));
    runtime.block_on(serve(args));
}

async fn serve(args: Args) {
    let listener = TcpListener::bind(&args.listen)
        .await
        .unwrap_or_else(|e| die(&format!("cannot listen on {}", args.listen), e));
    crate::announce(listener.local_addr().expect("bound"));
    let mut config = ServerConfig::default();
    config.page = Some(crate::PAGE.to_owned());
    let config = Arc::new(config);
    let policy = Arc::new(ServerPolicy {
        origins: args.origins,
        protocols: args.protocols,
    });
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("serve: accept failed: {e}");
                continue;
            }
        };
        let (config, policy) = (config.clone(), policy.clone());
        tokio::spawn(async move {
            match echo(stream, &config, &policy).await {
                Err(e) if !crate::is_plain_http(&e) => eprintln!("serve: {peer}: {e}"),
                _ => {}
            }
        });
    }
}

/// Echoes every message; replies are queued and go out in one write
/// before the next read.
async fn echo(stream: TcpStream, config: &ServerConfig, policy: &ServerPolicy) -> Result<(), Error> {
    stream.set_nodelay(true)?;
    let (mut ws, _request) = tokio_io::accept(stream, config, policy).await?;
    while let Some(message) = ws.read_message().await? {
        match message {
            Message::Text(text) => ws.queue_text(&text)?,
            Message::Binary { frame_type, data } => ws.queue_frame(frame_type, &data)?,
        }
    }
    Ok(())
}
