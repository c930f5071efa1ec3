//! Conversions between the WIT types and the engine's.

use std::time::Duration;

use super::compression;
use super::exports::websocket::protocol::connection::{Event as WitEvent, State as WitState};
use super::exports::websocket::protocol::types as wit;
use websocket_engine::framing::Utf8Policy;
use websocket_engine::{
    Accept, ClientConfig, Culprit, Decision, DeflateConfig, Event, HandshakeResponse, Limits, Message,
    ProtocolError, Proxy, Refusal, Request, Role, ServerConfig, State, Timeouts, Version,
};
use websocket_io::ConnectOptions;
use websocket_io::Error;

fn clamp(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

impl From<&Limits> for wit::Limits {
    fn from(l: &Limits) -> Self {
        wit::Limits {
            max_head_bytes: clamp(l.max_head_bytes),
            max_headers: clamp(l.max_headers),
            max_message_bytes: clamp(l.max_message_bytes),
            max_frame_bytes: clamp(l.max_frame_bytes),
            max_pending_output: clamp(l.max_pending_output),
            output_high_water: clamp(l.output_high_water),
        }
    }
}

impl From<wit::Limits> for Limits {
    fn from(l: wit::Limits) -> Self {
        Limits::new()
            .max_head_bytes(l.max_head_bytes as usize)
            .max_headers(l.max_headers as usize)
            .max_message_bytes(l.max_message_bytes as usize)
            .max_frame_bytes(l.max_frame_bytes as usize)
            .max_pending_output(l.max_pending_output as usize)
            .output_high_water(l.output_high_water as usize)
    }
}

impl From<&Timeouts> for wit::Timeouts {
    fn from(t: &Timeouts) -> Self {
        wit::Timeouts {
            handshake_ms: millis(t.handshake),
            close_ms: millis(t.close),
            write_ms: millis(t.write),
            ping_interval_ms: t.ping_interval.map(millis),
            ping_timeout_ms: t.ping_timeout.map(millis),
            idle_ms: t.idle.map(millis),
        }
    }
}

impl From<wit::Timeouts> for Timeouts {
    fn from(t: wit::Timeouts) -> Self {
        let ms = |n: u32| Duration::from_millis(n.into());
        Timeouts::new()
            .handshake(ms(t.handshake_ms))
            .close(ms(t.close_ms))
            .write(ms(t.write_ms))
            .ping_interval(t.ping_interval_ms.map(ms))
            .ping_timeout(t.ping_timeout_ms.map(ms))
            .idle(t.idle_ms.map(ms))
    }
}

pub(super) fn limits(l: Option<wit::Limits>) -> Limits {
    l.map(Limits::from).unwrap_or_default()
}

fn timeouts(t: Option<wit::Timeouts>) -> Timeouts {
    t.map(Timeouts::from).unwrap_or_default()
}

impl From<wit::Version> for Version {
    fn from(v: wit::Version) -> Self {
        match v {
            wit::Version::Hixie75 => Version::Hixie75,
            wit::Version::Hixie76 => Version::Hixie76,
            wit::Version::Rfc6455 => Version::Rfc6455,
        }
    }
}

impl From<Version> for wit::Version {
    fn from(v: Version) -> Self {
        match v {
            Version::Hixie75 => wit::Version::Hixie75,
            Version::Hixie76 => wit::Version::Hixie76,
            Version::Rfc6455 => wit::Version::Rfc6455,
        }
    }
}

impl From<Role> for wit::Role {
    fn from(r: Role) -> Self {
        match r {
            Role::Client => wit::Role::Client,
            Role::Server => wit::Role::Server,
        }
    }
}

pub(super) fn utf8(p: Option<wit::Utf8Policy>, role: Role) -> Utf8Policy {
    match p {
        Some(wit::Utf8Policy::Replace) => Utf8Policy::Replace,
        Some(wit::Utf8Policy::Strict) => Utf8Policy::Strict,
        None => Utf8Policy::default_for(role),
    }
}

impl From<wit::ClientOptions> for ClientConfig {
    fn from(o: wit::ClientOptions) -> Self {
        let mut config = ClientConfig::new(o.version.into());
        config.origin = o.origin;
        config.protocols = o.protocols;
        config.extra_headers = o.extra_headers;
        config.limits = limits(o.limits);
        config.timeouts = timeouts(o.timeouts);
        config.utf8 = utf8(o.utf8, Role::Client);
        if let Some(offers) = compression::settings(o.compression) {
            config.compression = offers;
        }
        config
    }
}

impl From<wit::ServerOptions> for ServerConfig {
    fn from(o: wit::ServerOptions) -> Self {
        let mut config = ServerConfig::new()
            .limits(limits(o.limits))
            .timeouts(timeouts(o.timeouts))
            .secure(o.secure)
            .utf8(utf8(o.utf8, Role::Server))
            .origins(o.origins)
            .protocols(o.protocols)
            .defer_decisions(o.defer_decisions);
        config.page = o.page;
        config.response_headers = o.response_headers;
        if let Some(settings) = compression::settings(o.compression) {
            config.compression = settings.into_iter().next();
        }
        config
    }
}

impl From<wit::Decision> for Decision {
    fn from(d: wit::Decision) -> Self {
        match d {
            wit::Decision::Accept(a) => {
                let mut accept = Accept::new();
                accept.protocol = a.protocol;
                accept.headers = a.headers;
                accept.compression = a.compression;
                Decision::Accept(accept)
            }
            wit::Decision::Refuse(r) => {
                let mut refusal = Refusal::new(r.status).body(r.body);
                refusal.headers = r.headers;
                Decision::Refuse(refusal)
            }
        }
    }
}

impl From<Message> for wit::Message {
    fn from(m: Message) -> Self {
        match m {
            // A plain copy: `to_string` would go through `Display`.
            Message::Text(t) => wit::Message::Text(t.as_str().to_owned()),
            Message::Binary(data) => wit::Message::Binary(data.into()),
            Message::HixieFrame { frame_type, data } => wit::Message::HixieFrame(wit::HixieFrame {
                frame_type,
                data: data.into(),
            }),
        }
    }
}

impl From<wit::Message> for Message {
    fn from(m: wit::Message) -> Self {
        match m {
            wit::Message::Text(t) => Message::Text(t.into()),
            wit::Message::Binary(data) => Message::Binary(data.into()),
            wit::Message::HixieFrame(f) => Message::HixieFrame {
                frame_type: f.frame_type,
                data: f.data.into(),
            },
        }
    }
}

impl From<websocket_engine::Closed> for wit::CloseInfo {
    fn from(c: websocket_engine::Closed) -> Self {
        wit::CloseInfo {
            clean: c.clean,
            code: c.code,
            reason: c.reason,
        }
    }
}

impl From<&Request> for wit::RequestInfo {
    fn from(r: &Request) -> Self {
        wit::RequestInfo {
            version: r.version.into(),
            resource: r.resource.clone(),
            host: r.host.clone(),
            origin: r.origin.clone(),
            protocols: r.protocols.clone(),
            extensions: r.extensions.clone(),
            headers: r.headers.clone(),
        }
    }
}

impl From<&HandshakeResponse> for wit::ResponseInfo {
    fn from(r: &HandshakeResponse) -> Self {
        wit::ResponseInfo {
            protocol: r.protocol.clone(),
            headers: r.headers.clone(),
            deflate: r.deflate.map(Into::into),
        }
    }
}

impl From<Error> for wit::Error {
    fn from(e: Error) -> Self {
        let info = wit::ErrorInfo {
            code: e.code().to_owned(),
            culprit: match e.culprit() {
                Culprit::Caller => wit::Culprit::Caller,
                Culprit::Client => wit::Culprit::Client,
                Culprit::Server => wit::Culprit::Server,
                Culprit::Peer => wit::Culprit::Peer,
                Culprit::Transport => wit::Culprit::Transport,
                Culprit::Host => wit::Culprit::Host,
                Culprit::Proxy => wit::Culprit::Proxy,
            },
            message: e.to_string(),
            http_status: e.protocol().and_then(ProtocolError::http_status),
        };
        // The WIT case is the layer `Error::layer` names.
        match e.layer() {
            "url" => wit::Error::Url(info),
            "handshake" => wit::Error::Handshake(info),
            "frame" => wit::Error::Frame(info),
            "usage" => wit::Error::Usage(info),
            "entropy" => wit::Error::Entropy(info),
            "timeout" => wit::Error::Timeout(info),
            "proxy" => wit::Error::Proxy(info),
            "tls" => wit::Error::Tls(info),
            _ => wit::Error::Io(info),
        }
    }
}

impl From<ProtocolError> for wit::Error {
    fn from(e: ProtocolError) -> Self {
        Error::from(e).into()
    }
}

/// Converts a result's error (the core's or an adapter's) to the WIT one.
pub(super) fn wit_result<T, E: Into<wit::Error>>(r: Result<T, E>) -> Result<T, wit::Error> {
    r.map_err(Into::into)
}

pub(super) fn wit_state(state: State) -> WitState {
    match state {
        State::Handshaking => WitState::Handshaking,
        State::Open => WitState::Open,
        State::Closing => WitState::Closing,
        State::Closed => WitState::Closed,
    }
}

/// An event as WIT has it: a failure is the error.
pub(super) fn wit_event(event: Event) -> Result<WitEvent, wit::Error> {
    Ok(match event {
        Event::Request(r) => WitEvent::Request((&r).into()),
        Event::Opened => WitEvent::Opened,
        Event::Message(m) => WitEvent::Message(m.into()),
        Event::Ping(p) => WitEvent::Ping(p.into()),
        Event::Pong(p) => WitEvent::Pong(p.into()),
        Event::Closed(c) => WitEvent::Closed(c.into()),
        Event::Failed(e) => return Err(e.into()),
    })
}

/// What `connect`'s options say: the client's configuration, and how to
/// reach the server (with no proxy in the options, the instance's
/// environment decides).
pub(super) fn reach(mut options: wit::ClientOptions) -> Result<(ClientConfig, ConnectOptions), Error> {
    let reach = match options.proxy.take() {
        Some(proxy) => Proxy::parse(&proxy).map(|proxy| ConnectOptions::new().proxy(proxy)),
        None => Ok(ConnectOptions::new()),
    };
    let reach = reach.map_err(|e| Error::from(ProtocolError::from(e)))?;
    Ok((options.into(), reach))
}

impl wit::Guest for super::Component {
    fn default_limits() -> wit::Limits {
        (&Limits::default()).into()
    }

    fn default_timeouts() -> wit::Timeouts {
        (&Timeouts::default()).into()
    }

    fn default_deflate() -> wit::DeflateOptions {
        (&DeflateConfig::default()).into()
    }
}
