//! End to end with a real browser: a headless Chromium loads the `serve`
//! example's chat page from the server (the engine as a component in the
//! embedded wasmtime, once natively, and once as the WASI 0.3 command
//! component `serve --wasi p3`) and chats with it over its own
//! `WebSocket` (RFC 6455).
//!
//! The page's automation hook (`#say=A&say=B&close`) makes it send the
//! messages once the socket opens, compare the echoes, then close with
//! 1000. It sits in the URL's fragment, which stays in the browser: in the
//! query, the 70 KB message would exceed the server's 8 KiB request head. `chromium --dump-dom --virtual-time-budget` does not wait for
//! WebSocket traffic (virtual time runs on while frames are in flight), so
//! the test drives Chromium over its DevTools protocol instead, in real
//! time with bounded waits, through this crate's own RFC 6455 client. The
//! DevTools network events show the page's HTTP response and the socket's
//! handshake as the browser saw them. A recording relay between Chromium
//! and the server shows the frames on the wire: every message went
//! compressed (permessage-deflate) both ways, 1 MB ones included.
//!
//! Over TLS (`serve --tls-cert --tls-key`, natively and with the
//! component behind the host's TLS) the page comes over `https://` and the
//! socket goes over `wss://`.
//!
//! Chromium is Debian's `chromium` package, which `bash .ci/install`
//! installs; without it the test fails rather than skips.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::fmt::Write as _;
use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::json::Json;
use common::serve;
use common::tap::Tap;
use websocket_blocking::{self as blocking, WebSocket};
use websocket_engine::{ClientConfig, Message, Version};

/// The bound on each wait: Chromium starting, a DevTools answer, the chat.
const TIMEOUT: Duration = Duration::from_secs(60);

#[test]
fn chromium_chats_with_the_component_server() {
    chat(&[], &messages());
}

#[test]
fn chromium_chats_with_the_native_server() {
    chat(&["--native"], &messages());
}

/// `serve --wasi p3`: the WASI 0.3 command component in embedded wasmtime.
#[test]
fn chromium_chats_with_the_wasi_p3_server() {
    chat(&["--wasi", "p3"], &messages());
}

#[test]
fn chromium_compresses_megabyte_messages_with_the_component_server() {
    chat(&[], &megabytes());
}

#[test]
fn chromium_chats_over_tls_with_the_component_server() {
    chat_over_tls(&[]);
}

#[test]
fn chromium_chats_over_tls_with_the_native_server() {
    chat_over_tls(&["--native"]);
}

/// The page over `https://` and the socket over `wss://`, from `serve
/// --tls-cert --tls-key` with the test certificate (which this Chromium,
/// and only this one, is told to accept). The relay is left out: it would
/// see only TLS records.
fn chat_over_tls(args: &[&str]) {
    let certs = common::certs::certs();
    let mut args = args.to_vec();
    args.extend(["--tls-cert", certs.cert.to_str().unwrap()]);
    args.extend(["--tls-key", certs.key.to_str().unwrap()]);
    chat_with(&args, &messages(), true);
}

/// Serves the page with `serve ARGS`, lets Chromium chat with it (sending
/// `messages`) through a recording relay, and checks every step.
fn chat(args: &[&str], messages: &[String]) {
    chat_with(args, messages, false);
}

fn chat_with(args: &[&str], messages: &[String], tls: bool) {
    let chromium = find_in_path("chromium").unwrap_or_else(|| {
        panic!("chromium is not installed (Debian's `chromium` package): run `bash .ci/install`")
    });
    let server = serve(args);
    let (tap, ws_url) = match tls {
        false => {
            let (tap, url) = Tap::before(&server.url);
            (Some(tap), url)
        }
        true => (None, server.url.clone()),
    };
    assert_eq!(ws_url.starts_with("wss://"), tls, "{ws_url}");
    // ws://A/ -> http://A/, wss://A/ -> https://A/
    let page_url = ws_url.replacen("ws", "http", 1);
    let mut hook = String::new();
    for m in messages {
        write!(hook, "say={}&", percent_encode(m)).unwrap();
    }
    let url = format!("{page_url}#{hook}close");

    let browser = Browser::launch(&chromium, tls);
    let mut devtools = browser.devtools();
    let target = devtools.call(&browser, None, "Target.createTarget", r#"{"url":"about:blank"}"#);
    let target = target.get("targetId").str();
    let session = devtools.call(
        &browser,
        None,
        "Target.attachToTarget",
        &format!(r#"{{"targetId":{},"flatten":true}}"#, quote(target)),
    );
    let session = Some(session.get("sessionId").str());
    devtools.call(&browser, session, "Network.enable", "{}");
    let navigated = devtools.call(
        &browser,
        session,
        "Page.navigate",
        &format!(r#"{{"url":{}}}"#, quote(&url)),
    );
    if let Json::Str(e) = navigated.get("errorText") {
        browser.fail(&format!("loading {page_url} failed: {e}"));
    }

    // Polls the page until the socket has closed. Evaluating may fail
    // while the page loads; that is retried.
    let expression = quote(
        r##"JSON.stringify({
            title: document.title,
            state: document.getElementById("state")?.textContent,
            result: document.getElementById("result")?.textContent,
            received: Array.from(document.querySelectorAll("#log .received"), (d) => d.textContent),
            url: typeof ws === "object" ? ws.url : null,
            protocol: typeof ws === "object" ? ws.protocol : null,
            extensions: typeof ws === "object" ? ws.extensions : null,
        })"##,
    );
    let evaluate = format!(r#"{{"expression":{expression},"returnByValue":true}}"#);
    let deadline = Instant::now() + TIMEOUT;
    let page = loop {
        let answer = devtools
            .exchange(session, "Runtime.evaluate", &evaluate)
            .unwrap_or_else(|e| browser.fail(&format!("Runtime.evaluate: {e}")));
        let page = match answer.at("result.result.value") {
            Json::Str(s) => Json::parse(s).unwrap_or_else(|e| browser.fail(&format!("{e} in {s:?}"))),
            _ => Json::Null,
        };
        let state = page.get("state").as_str().unwrap_or("");
        if state.starts_with("closed") {
            break page;
        }
        if Instant::now() > deadline {
            browser.fail(&format!(
                "the page did not finish within {TIMEOUT:?}; it shows {} (evaluation error: {:?})",
                summary(&page),
                answer.get("error"),
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let what = summary(&page);
    let events = std::mem::take(&mut devtools.events);

    // The page came from the server: 200, text/html, exactly page.html.
    let document = events
        .iter()
        .find(|e| {
            e.get("method").as_str() == Some("Network.responseReceived")
                && e.at("params.type").as_str() == Some("Document")
        })
        .unwrap_or_else(|| browser.fail("no Network.responseReceived for the document"));
    let response = document.at("params.response");
    assert_eq!(response.get("url").as_str(), Some(page_url.as_str()), "{what}");
    assert_eq!(response.get("status"), &Json::Num(200.0), "{what}");
    assert_eq!(response.get("mimeType").as_str(), Some("text/html"), "{what}");
    assert_eq!(
        header(response.get("headers"), "content-type"),
        Some("text/html; charset=utf-8"),
        "{what}"
    );
    let request_id = document.at("params.requestId").str();
    let body = devtools.call(
        &browser,
        session,
        "Network.getResponseBody",
        &format!(r#"{{"requestId":{}}}"#, quote(request_id)),
    );
    assert_eq!(body.get("base64Encoded"), &Json::Bool(false));
    assert!(
        body.get("body").as_str() == Some(include_str!("../examples/serve/page.html")),
        "the browser did not get page.html unchanged"
    );
    assert_eq!(page.get("title").as_str(), Some("WebSocket echo"), "{what}");

    // The browser's WebSocket opened with an RFC 6455 handshake.
    let event = |method: &str| {
        events
            .iter()
            .find(|e| e.get("method").as_str() == Some(method))
            .map(|e| e.get("params"))
            .unwrap_or_else(|| browser.fail(&format!("no {method} event; the page shows {what}")))
    };
    assert_eq!(
        event("Network.webSocketCreated").get("url").as_str(),
        Some(ws_url.as_str())
    );
    let request = event("Network.webSocketWillSendHandshakeRequest").at("request.headers");
    assert_eq!(
        header(request, "sec-websocket-version"),
        Some("13"),
        "{request:?}"
    );
    let handshake = event("Network.webSocketHandshakeResponseReceived").get("response");
    assert_eq!(handshake.get("status"), &Json::Num(101.0), "{handshake:?}");
    let headers = handshake.get("headers");
    assert_eq!(
        header(headers, "upgrade").map(str::to_ascii_lowercase).as_deref(),
        Some("websocket")
    );
    let key = header(request, "sec-websocket-key").unwrap_or_else(|| panic!("no key in {request:?}"));
    assert_eq!(
        header(headers, "sec-websocket-accept"),
        Some(accept(key).as_str()),
        "{handshake:?}"
    );
    // Chromium offers permessage-deflate; the server accepts it with its
    // default window for the client's direction.
    let deflate = "permessage-deflate; client_max_window_bits=12";
    assert_eq!(
        header(headers, "sec-websocket-extensions"),
        Some(deflate),
        "{handshake:?}"
    );
    assert_eq!(page.get("url").as_str(), Some(ws_url.as_str()), "{what}");
    assert_eq!(page.get("protocol").as_str(), Some(""), "{what}");
    assert_eq!(page.get("extensions").as_str(), Some(deflate), "{what}");

    // Every message came back unchanged and in order; DevTools saw one
    // text frame each way per message.
    let received = match page.get("received") {
        Json::Arr(items) => items
            .iter()
            .map(|m| m.as_str().unwrap_or("?"))
            .collect::<Vec<_>>(),
        _ => browser.fail(&format!("no echoes: {what}")),
    };
    assert_eq!(received.len(), messages.len(), "{what}");
    for (i, (got, sent)) in received.iter().zip(messages).enumerate() {
        assert!(
            got == sent,
            "echo {i} differs: sent {} bytes, got {} ({:?}...)",
            sent.len(),
            got.len(),
            got.chars().take(40).collect::<String>()
        );
    }
    let frames = |method: &str, opcode: f64| {
        events
            .iter()
            .filter(|e| {
                e.get("method").as_str() == Some(method)
                    && e.at("params.response.opcode") == &Json::Num(opcode)
            })
            .count()
    };
    assert_eq!(
        frames("Network.webSocketFrameSent", 1.0),
        messages.len(),
        "{what}"
    );
    assert_eq!(
        frames("Network.webSocketFrameReceived", 1.0),
        messages.len(),
        "{what}"
    );

    // The page closed with 1000; the server answered with 1000 and
    // completed the closing handshake ("clean").
    let n = messages.len();
    let result = page.get("result").as_str().unwrap_or("");
    assert!(
        result.starts_with(&format!("PASS {n}/{n}\nclosed 1000 ")) && result.ends_with(" clean"),
        "{what}"
    );
    assert_eq!(page.get("state").as_str(), Some("closed (code 1000)"), "{what}");
    event("Network.webSocketClosed");
    devtools.close();
    if let Some(tap) = tap {
        compressed_both_ways(&tap, messages);
    }
}

/// Checks on the wire, as the relay saw it, that every message went
/// compressed both ways (Chromium compresses every one, and so does the
/// server by default), the long ones to under half their size and the
/// 1 MB ones to under a fifth.
fn compressed_both_ways(tap: &Tap, messages: &[String]) {
    let wires = tap.websockets();
    assert_eq!(wires.len(), 1, "one WebSocket connection");
    for (direction, wire) in [("sent", wires[0].sent()), ("echoed", wires[0].received())] {
        let what = format!("{direction} on the wire: {wire:?}");
        assert_eq!(wire.len(), messages.len(), "{what}");
        for (m, sent) in wire.iter().zip(messages) {
            assert!(m.compressed, "{what}");
            assert!(sent.len() < 10_000 || m.wire_len * 2 < sent.len(), "{what}");
            // The 1 MB texts shrink about sevenfold (to about 137 KB).
            assert!(sent.len() < 100_000 || m.wire_len * 5 < sent.len(), "{what}");
        }
    }
}

/// What the page sends: ASCII, multi-byte UTF-8 with an emoji, an empty
/// message, about 10 KB (a 16-bit frame length) and 70 KB (64-bit).
fn messages() -> Vec<String> {
    let mut ten_k = String::new();
    for i in 0.. {
        if ten_k.len() >= 10_000 {
            break;
        }
        write!(ten_k, "{i:04} ✓ é 🌍 ").unwrap();
    }
    vec![
        "hello".into(),
        "héllo 🌍".into(),
        String::new(),
        ten_k,
        "0123456789".repeat(7_000),
    ]
}

/// Two different compressible texts of 1 MB, made of unreserved URL
/// characters only (the page takes its messages from the URL, which
/// Chromium caps at 2 MiB).
fn megabytes() -> Vec<String> {
    (0..2)
        .map(|n| {
            let mut text = String::new();
            for i in 0.. {
                if text.len() >= 1_000_000 {
                    break;
                }
                write!(text, "message-{n}_record-{i:06}.score~{}_", i * 7 % 1000).unwrap();
            }
            text.truncate(1_000_000);
            text
        })
        .collect()
}

/// A one-line view of the page's report, for failure messages.
fn summary(page: &Json) -> String {
    let mut page = page.clone();
    if let Json::Obj(fields) = &mut page {
        for (key, value) in fields {
            if let (Json::Arr(items), "received") = (&value, key.as_str()) {
                let lengths: Vec<_> = items.iter().map(|m| m.as_str().map_or(0, str::len)).collect();
                *value = Json::Str(format!("{} messages of {lengths:?} bytes", items.len()));
            }
        }
    }
    format!("{page:?}")
}

/// The `Sec-WebSocket-Accept` for `key` (RFC 6455 section 4.2.2).
fn accept(key: &str) -> String {
    use base64::Engine as _;
    use sha1::Digest as _;
    let digest = sha1::Sha1::digest(format!("{key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11"));
    base64::engine::general_purpose::STANDARD.encode(digest)
}

/// Percent-encodes everything but the unreserved characters.
fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            write!(out, "%{b:02X}").unwrap();
        }
    }
    out
}

/// A header's value from a DevTools header object, by case-insensitive name.
fn header<'a>(headers: &'a Json, name: &str) -> Option<&'a str> {
    match headers {
        Json::Obj(fields) => fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_str()),
        _ => None,
    }
}

/// A headless Chromium with a fresh profile and its DevTools endpoint; the
/// whole process group is killed and the profile removed when dropped.
struct Browser {
    child: Child,
    dir: PathBuf,
    devtools_url: String,
}

impl Browser {
    /// `accept_any_certificate` is for the TLS tests' own certificate.
    fn launch(chromium: &Path, accept_any_certificate: bool) -> Browser {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("websocket-engine-browser-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let stderr = File::create(dir.join("stderr.txt")).unwrap();
        let child = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=800,600",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", dir.join("profile").display()))
            .args(accept_any_certificate.then_some("--ignore-certificate-errors"))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            // Its own process group, so that Drop ends the helpers too.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromium.display()));
        let mut browser = Browser {
            child,
            dir,
            devtools_url: String::new(),
        };
        // Chromium writes its port and the browser target's path there;
        // the same text twice in a row is not a half-written file.
        let port_file = browser.dir.join("profile").join("DevToolsActivePort");
        let deadline = Instant::now() + TIMEOUT;
        let mut last = String::new();
        loop {
            let text = std::fs::read_to_string(&port_file).unwrap_or_default();
            if let Some((port, path)) = text.split_once('\n').filter(|_| text == last) {
                browser.devtools_url = format!("ws://127.0.0.1:{port}{}", path.trim_end());
                return browser;
            }
            last = text;
            if let Ok(Some(status)) = browser.child.try_wait() {
                browser.fail(&format!("chromium exited at start-up ({status})"));
            }
            if Instant::now() > deadline {
                browser.fail(&format!(
                    "chromium wrote no DevToolsActivePort within {TIMEOUT:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Connects to the browser target with this crate's RFC 6455 client.
    fn devtools(&self) -> DevTools {
        let (ws, _) = blocking::connect(&self.devtools_url, ClientConfig::new(Version::Rfc6455))
            .unwrap_or_else(|e| self.fail(&format!("connecting to {}: {e}", self.devtools_url)));
        DevTools {
            ws,
            next_id: 0,
            events: Vec::new(),
        }
    }

    /// Fails the test with `why` and the end of Chromium's stderr.
    fn fail(&self, why: &str) -> ! {
        let stderr = std::fs::read_to_string(self.dir.join("stderr.txt")).unwrap_or_default();
        // Without the complaints about the missing D-Bus, which are noise.
        let lines = stderr.lines().filter(|l| !l.contains(":ERROR:dbus/"));
        let tail: Vec<_> = lines.rev().take(40).collect();
        let tail: Vec<_> = tail.into_iter().rev().collect();
        panic!(
            "{why}\n--- chromium's stderr (last lines) ---\n{}",
            tail.join("\n")
        )
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        extern "C" {
            fn kill(pid: i32, signal: i32) -> i32;
        }
        const SIGKILL: i32 = 9;
        if let Ok(id) = i32::try_from(self.child.id()) {
            // SAFETY: kill(2) with our own child's process group id.
            unsafe { kill(-id, SIGKILL) };
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A DevTools protocol connection to the browser target. Commands for a
/// page go through its flat session; events are kept in order.
struct DevTools {
    ws: WebSocket<blocking::MaybeTlsStream>,
    next_id: u64,
    events: Vec<Json>,
}

impl DevTools {
    /// Sends a command and returns its result, failing the test if it
    /// fails.
    fn call(&mut self, browser: &Browser, session: Option<&str>, method: &str, params: &str) -> Json {
        let answer = self
            .exchange(session, method, params)
            .unwrap_or_else(|e| browser.fail(&format!("{method}: {e}")));
        match answer.get("error") {
            Json::Null => answer.get("result").clone(),
            error => browser.fail(&format!("{method}: {error:?}")),
        }
    }

    /// Sends a command and waits (at most [`TIMEOUT`]) for the answer with
    /// its id, which holds a `result` or an `error`.
    fn exchange(&mut self, session: Option<&str>, method: &str, params: &str) -> Result<Json, String> {
        self.next_id += 1;
        let id = self.next_id;
        let session = session.map_or(String::new(), |s| format!(r#","sessionId":{}"#, quote(s)));
        let command = format!(
            r#"{{"id":{id}{session},"method":{},"params":{params}}}"#,
            quote(method)
        );
        self.ws.send_text(&command).map_err(|e| format!("sending: {e}"))?;
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!("no answer within {TIMEOUT:?}"));
            }
            self.ws.set_read_timeout(Some(left));
            let text = match self.ws.read_message() {
                Ok(Some(Message::Text(text))) => text,
                Ok(Some(_)) => return Err("a binary message".into()),
                Ok(None) => return Err("DevTools closed the connection".into()),
                Err(e) if e.is_transient() => continue,
                Err(e) => return Err(format!("reading: {e}")),
            };
            let message = Json::parse(&text)?;
            if message.get("id") == &Json::Num(id as f64) {
                return Ok(message);
            }
            if message.get("method") != &Json::Null {
                self.events.push(message);
            }
        }
    }

    fn close(mut self) {
        let _ = self.ws.close();
    }
}

/// `s` as a JSON string.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => write!(out, "\\u{:04x}", c as u32).unwrap(),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
