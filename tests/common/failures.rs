//! What a server running in spawned tasks reports failing, kept for the
//! test to check: a panic inside `tokio::spawn` is caught by tokio and
//! fails nothing by itself.

use std::fmt::Display;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// The failures a server's tasks reported, shared with the reporter.
#[derive(Clone, Default)]
pub struct Failures(Arc<Mutex<Vec<String>>>);

impl Failures {
    pub fn new() -> Self {
        Failures::default()
    }

    /// A reporter for `serve_echo` and its kind, which records each
    /// connection's failure with its peer.
    pub fn reporter<E: Display>(&self) -> impl Fn(SocketAddr, E) + Clone + Send + 'static {
        let all = self.0.clone();
        move |peer, e| all.lock().unwrap().push(format!("{peer}: {e}"))
    }

    /// Fails the test if any connection failed, once the server's tasks
    /// have had a moment to finish what their clients saw end (a task
    /// reports after it closed its socket).
    pub async fn assert_none_soon(&self) {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let all = self.0.lock().unwrap();
        assert!(all.is_empty(), "the server's connections failed: {all:#?}");
    }
}
