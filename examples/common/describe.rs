//! How the application components (`examples/app`, `examples/app-p3`) say
//! what went wrong: the same WIT `error` in either package's bindings.

use crate::websocket::protocol::types::Error;

/// The error's message and its rule, `message (code)`.
pub fn describe(e: Error) -> String {
    let (Error::Url(i)
    | Error::Handshake(i)
    | Error::Frame(i)
    | Error::Usage(i)
    | Error::Entropy(i)
    | Error::Io(i)
    | Error::Timeout(i)
    | Error::Proxy(i)
    | Error::Tls(i)) = e;
    format!("{} ({})", i.message, i.code)
}
