#![cfg(not(target_arch = "wasm32"))]
//! The embedded host against guests it does not trust: one that spins, one
//! that grows its memory past the cap, and more instances than allowed.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::failures::Failures;
use wasmtime::component::Component;
use wasmtime_wasi::p2::bindings::Command;
use websocket_build::library_component;
use websocket_engine::{ClientConfig, Message, Version};
use websocket_host::bindings::ServerOptions;
use websocket_host::{serve_echo, Access, GuestLimits, HostError, Runtime};
use websocket_tokio as tokio_io;

/// A command whose `run` loops forever without calling the host.
const SPINNER: &str = r#"
(component
  (core module $m
    (func (export "run") (result i32)
      (loop $spin (br $spin))
      unreachable))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $cli (export "run" (func $run)))
  (export "wasi:cli/run@0.2.12" (instance $cli)))
"#;

/// A command whose `run` grows its memory by 16 MiB and says whether it
/// could (`ok`) or not (`err`).
const GROWER: &str = r#"
(component
  (core module $m
    (memory 1)
    (func (export "run") (result i32)
      (i32.eq (memory.grow (i32.const 256)) (i32.const -1))))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $cli (export "run" (func $run)))
  (export "wasi:cli/run@0.2.12" (instance $cli)))
"#;

fn runtime(limits: GuestLimits) -> Runtime {
    Runtime::new(&library_component().unwrap())
        .unwrap()
        .guest_limits(limits)
}

/// Runs the command `wat` in a store of `rt`: `run`'s result, or the
/// trap's message.
async fn run_command(rt: &Runtime, wat: &str) -> Result<Result<(), ()>, String> {
    let component = Component::new(rt.engine(), wat::parse_str(wat).unwrap()).unwrap();
    let mut store = rt.store(Access::Streams.ctx()).map_err(|e| e.to_string())?;
    let command = Command::instantiate_async(&mut store, &component, rt.linker())
        .await
        .map_err(|e| format!("{e:#}"))?;
    command
        .wasi_cli_run()
        .call_run(&mut store)
        .await
        .map_err(|e| format!("{e:#}"))
}

/// A tokio runtime of one thread: a guest that held it would stop
/// everything else.
fn one_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Starts the component echo server on `rt`; its URL. Failed connections
/// go to `report`.
async fn echo_server(
    rt: &Runtime,
    report: impl Fn(SocketAddr, HostError) + Clone + Send + 'static,
) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    tokio::spawn(serve_echo(
        rt.clone(),
        listener,
        ServerOptions::default(),
        None,
        report,
    ));
    url
}

/// On a runtime of one thread, a guest stuck in a loop yields at every
/// epoch tick, so the echo server (the library component, an instance per
/// connection) answers a client meanwhile; after its `busy` limit the
/// spinner is stopped with a trap that says why.
#[test]
fn a_spinning_guest_is_stopped_and_does_not_hold_the_thread() {
    let busy = Duration::from_millis(1500);
    let rt = runtime(GuestLimits {
        busy,
        ..GuestLimits::default()
    });
    let tokio = one_thread();
    tokio.block_on(async {
        let failures = Failures::new();
        let url = echo_server(&rt, failures.reporter()).await;
        let started = Instant::now();
        let spinner = tokio::spawn({
            let rt = rt.clone();
            async move { run_command(&rt, SPINNER).await }
        });
        // Let the spinner start, then talk to the server on the same thread.
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!spinner.is_finished());
        let (mut ws, _) = tokio_io::connect(&url, ClientConfig::new(Version::Rfc6455))
            .await
            .unwrap();
        for i in 0..20 {
            let text = format!("message {i}");
            ws.send_text(&text).await.unwrap();
            assert_eq!(ws.read_message().await.unwrap(), Some(Message::text(text)));
        }
        let served = started.elapsed();
        assert!(
            !spinner.is_finished(),
            "the spinner stopped before the client was served ({served:?})"
        );
        ws.close().await.unwrap();
        while ws.read_message().await.unwrap().is_some() {}
        let stopped = spinner.await.unwrap();
        let elapsed = started.elapsed();
        let error = stopped.expect_err("the spinner returned");
        assert!(error.contains("computed for over 1500 ms"), "{error}");
        assert!(elapsed >= busy, "stopped after {elapsed:?}");
        assert!(elapsed < busy * 4, "stopped only after {elapsed:?}");
        failures.assert_none_soon().await;
    });
}

/// A guest may grow its memory up to the cap, not past it: `memory.grow`
/// fails, which the guest sees.
#[test]
fn the_memory_cap_refuses_growth_past_it() {
    let tokio = one_thread();
    let roomy = runtime(GuestLimits::default());
    assert_eq!(tokio.block_on(run_command(&roomy, GROWER)), Ok(Ok(())));
    let tight = runtime(GuestLimits {
        memory_bytes: 8 * 1024 * 1024,
        ..GuestLimits::default()
    });
    assert_eq!(tokio.block_on(run_command(&tight, GROWER)), Ok(Err(())));
}

/// With room for two instances, a third is refused until one of them goes.
#[test]
fn the_instance_cap_refuses_one_more_until_one_goes() {
    let rt = runtime(GuestLimits {
        instances: 2,
        ..GuestLimits::default()
    });
    let tokio = one_thread();
    tokio.block_on(async {
        let first = rt.instantiate(Access::Streams).await.unwrap();
        let _second = rt.instantiate(Access::Streams).await.unwrap();
        let refused = rt
            .instantiate(Access::Streams)
            .await
            .err()
            .expect("a third instance");
        assert!(
            refused.to_string().contains("runs 2 instances already"),
            "{refused}"
        );
        drop(first);
        rt.instantiate(Access::Streams).await.unwrap();
    });
}

/// A connection whose guest needs more memory than its cap (a 12 MiB
/// message, under the engine's 16 MiB limit, in an 8 MiB instance) is cut
/// off with a trap; the server goes on serving the next one.
#[test]
fn a_guest_past_its_memory_cap_ends_its_own_connection_only() {
    let rt = runtime(GuestLimits {
        memory_bytes: 8 * 1024 * 1024,
        ..GuestLimits::default()
    });
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (failures, failed) = std::sync::mpsc::channel();
    tokio.block_on(async {
        let url = echo_server(&rt, move |_, e| failures.send(e.to_string()).unwrap()).await;
        let config = || ClientConfig::new(Version::Rfc6455);
        let (mut big, _) = tokio_io::connect(&url, config()).await.unwrap();
        let echoed = match big.send_binary(&vec![7; 12 * 1024 * 1024]).await {
            Ok(()) => big.read_message().await,
            Err(e) => Err(e),
        };
        assert!(!matches!(echoed, Ok(Some(_))), "a 12 MiB message came back");
        let (mut small, _) = tokio_io::connect(&url, config()).await.unwrap();
        small.send_text("still served").await.unwrap();
        assert_eq!(
            small.read_message().await.unwrap(),
            Some(Message::text("still served"))
        );
        small.close().await.unwrap();
    });
    let failure = failed.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(failure.starts_with("host: "), "{failure}");
}
