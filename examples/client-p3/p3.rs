//! The `wasi:cli/run@0.3` export: connects, then either sends stdin's lines
//! and prints the replies, or echoes (`--echo`).

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::Poll;

use websocket_engine::{Event, Message, Proxy};
use websocket_io::ConnectOptions;
use websocket_io::Error;
use websocket_wasip3::wasip3;
use websocket_wasip3::wasip3::wit_bindgen::{StreamReader, StreamResult};
use websocket_wasip3::{connect, Connection};

use crate::cli::{closed_cleanly, parse, print_line};

wasip3::cli::command::export!(Client);

struct Client;

impl wasip3::exports::cli::run::Guest for Client {
    async fn run() -> Result<(), ()> {
        let args = parse();
        let result = async {
            if args.component {
                return Err("--component needs a native host".to_owned());
            }
            if args.reach.ca.is_some() {
                // The host's wasi:tls decides what it trusts.
                return Err(
                    "--ca needs a native host: under wasmtime the host's wasi:tls trusts its own roots"
                        .to_owned(),
                );
            }
            let mut options = ConnectOptions::new();
            if let Some(proxy) = &args.reach.proxy {
                options = options.proxy(Proxy::parse(proxy).map_err(|e| e.to_string())?);
            }
            let conn = connect(&args.url, args.config, &options)
                .await
                .map_err(|e| e.to_string())?;
            match args.echo {
                true => echo(conn).await,
                false => lines(conn).await.map_err(|e| e.to_string()),
            }
        };
        result.await.map_err(|e| {
            eprintln!("client: {e}");
            std::process::exit(1)
        })
    }
}

/// Sends every message back unchanged until the server closes; fails
/// unless it closes cleanly.
async fn echo(mut conn: Connection) -> Result<(), String> {
    while let Some(event) = conn.next_event().await.map_err(|e| e.to_string())? {
        match event {
            Event::Message(message) => conn.session_mut().send(&message).map_err(|e| e.to_string())?,
            Event::Closed(closed) => return closed_cleanly(closed.clean),
            _ => {}
        }
    }
    Ok(())
}

/// A read of stdin under way, owning the stream until it is done.
type Read = Pin<Box<dyn Future<Output = (StreamReader<u8>, StreamResult, Vec<u8>)>>>;

fn read(mut stdin: StreamReader<u8>) -> Read {
    Box::pin(async move {
        let (result, got) = stdin.read(Vec::with_capacity(4096)).await;
        (stdin, result, got)
    })
}

/// What came first.
enum Next {
    Stdin((StreamReader<u8>, StreamResult, Vec<u8>)),
    Event(Result<Option<Event>, Error>),
}

/// Sends each stdin line as a text message and prints every text message
/// received, as they come; at the end of stdin closes and prints the
/// replies still on their way.
async fn lines(mut conn: Connection) -> Result<(), Error> {
    let (stdin, _stdin_done) = wasip3::cli::stdin::read_via_stream();
    let mut reading = Some(read(stdin));
    let mut partial = Vec::new();
    loop {
        let next = {
            // Cancelled when stdin wins: the connection keeps what it had
            // under way.
            let mut event = pin!(conn.next_event());
            poll_fn(|cx| {
                if let Some(op) = &mut reading {
                    if let Poll::Ready(done) = op.as_mut().poll(cx) {
                        reading = None;
                        return Poll::Ready(Next::Stdin(done));
                    }
                }
                event.as_mut().poll(cx).map(Next::Event)
            })
            .await
        };
        match next {
            Next::Stdin((stdin, result, got)) => {
                partial.extend_from_slice(&got);
                while let Some(end) = partial.iter().position(|&b| b == b'\n') {
                    let line: Vec<u8> = partial.drain(..=end).collect();
                    let line = String::from_utf8_lossy(&line[..end]);
                    conn.session_mut().send_text(line.trim_end_matches('\r'))?;
                }
                if result == StreamResult::Dropped {
                    if !partial.is_empty() {
                        conn.session_mut().send_text(&String::from_utf8_lossy(&partial))?;
                    }
                    return close(conn).await;
                }
                reading = Some(read(stdin));
            }
            Next::Event(event) => match event? {
                Some(Event::Message(Message::Text(text))) => print_line(&text),
                Some(_) => {}
                None => return Ok(()),
            },
        }
    }
}

/// Closes, then prints every reply until the server has closed too.
async fn close(mut conn: Connection) -> Result<(), Error> {
    conn.close().await?;
    while let Some(message) = conn.read_message().await? {
        if let Message::Text(text) = message {
            print_line(&text);
        }
    }
    Ok(())
}
