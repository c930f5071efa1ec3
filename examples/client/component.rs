//! The client with the engine as a component in an embedded wasmtime.

use tokio::sync::mpsc::UnboundedReceiver;
use websocket_build::library_component;
use websocket_engine::ClientConfig;
use websocket_host::bindings::exports::websocket::protocol::connection::{Event, State};
use websocket_host::bindings::{ClientOptions, Message, Version};
use websocket_host::{ComponentConnection, HostError, Runtime};

use crate::Reach;

fn options(config: ClientConfig, reach: &Reach) -> ClientOptions {
    ClientOptions {
        version: match config.version {
            websocket_engine::Version::Hixie75 => Version::Hixie75,
            websocket_engine::Version::Hixie76 => Version::Hixie76,
            websocket_engine::Version::Rfc6455 => Version::Rfc6455,
        },
        origin: config.origin,
        protocols: config.protocols,
        extra_headers: config.extra_headers,
        limits: None,
        timeouts: Some(crate::wit::timeouts(&config.timeouts)),
        utf8: None,
        compression: crate::wit::compression(
            &config.compression,
            &ClientConfig::new(config.version).compression,
        ),
        proxy: reach.proxy.clone(),
    }
}

fn print(message: Message) {
    if let Message::Text(text) = message {
        crate::print_line(&text);
    }
}

/// The component, loaded (its `wasi:tls` trusting `--ca` too), and a
/// runtime to drive it on.
fn start(reach: &Reach) -> Result<(Runtime, tokio::runtime::Runtime), String> {
    let path = library_component()?;
    let mut rt = Runtime::new(&path).map_err(|e| format!("cannot load the component: {e}"))?;
    if let Some(ca) = &reach.ca {
        rt = rt.tls_client_config(crate::native::tls_config(ca)?);
    }
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    Ok((rt, tokio))
}

pub fn run(
    url: &str,
    config: ClientConfig,
    reach: &Reach,
    lines: UnboundedReceiver<String>,
) -> Result<(), String> {
    let (rt, tokio) = start(reach)?;
    tokio
        .block_on(talk(&rt, url, &options(config, reach), lines))
        .map_err(|e| e.to_string())
}

/// Sends every message back unchanged until the server closes; fails
/// unless it closes cleanly.
pub fn echo(url: &str, config: ClientConfig, reach: &Reach) -> Result<(), String> {
    let (rt, tokio) = start(reach)?;
    tokio.block_on(async {
        let mut conn = ComponentConnection::connect(&rt, url, &options(config, reach))
            .await
            .map_err(|e| e.to_string())?;
        let mut clean = false;
        let echoed: Result<(), HostError> = async {
            while let Some(event) = conn.next_event().await? {
                match event {
                    Event::Message(message) => conn.send(&message).await?,
                    Event::Closed(closed) => clean = closed.clean,
                    Event::Request(_) | Event::Opened | Event::Ping(_) | Event::Pong(_) => {}
                }
            }
            Ok(())
        }
        .await;
        let flushed = conn.flush().await;
        conn.finish().await.map_err(|e| e.to_string())?;
        echoed.and(flushed).map_err(|e| e.to_string())?;
        crate::closed_cleanly(clean)
    })
}

async fn talk(
    rt: &Runtime,
    url: &str,
    options: &ClientOptions,
    lines: UnboundedReceiver<String>,
) -> Result<(), HostError> {
    let mut conn = ComponentConnection::connect(rt, url, options).await?;
    let talked = converse(&mut conn, lines).await;
    // What the end queued (the reply to the server's close, or the close
    // frame saying why this side failed) goes out before the streams go.
    let flushed = conn.flush().await;
    conn.finish().await?;
    talked.and(flushed)
}

async fn converse(
    conn: &mut ComponentConnection,
    mut lines: UnboundedReceiver<String>,
) -> Result<(), HostError> {
    // Complete the handshake before sending anything.
    while conn.state().await? == State::Handshaking {
        if conn.poll_event().await?.is_none() {
            conn.ready_or(std::future::pending::<()>()).await?;
        }
    }
    // Send lines as they come; print messages as they arrive.
    loop {
        while let Some(event) = conn.poll_event().await? {
            match event {
                Event::Message(message) => print(message),
                Event::Closed(_) => return Ok(()),
                Event::Request(_) | Event::Opened | Event::Ping(_) | Event::Pong(_) => {}
            }
        }
        match conn.ready_or(lines.recv()).await? {
            Some(Some(line)) => conn.send_text(&line).await?,
            Some(None) => break,
            None => {}
        }
    }
    conn.close().await?;
    while let Some(message) = conn.read_message().await? {
        print(message);
    }
    Ok(())
}
