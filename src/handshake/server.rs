//! The server side of the opening handshake.

use std::fmt;
use std::sync::Arc;

use super::decision::{Accept, Decision, Refusal, RequestHook};
use super::head::{self, Head, HeadReader};
use super::{
    accept, check_headers, is_valid_protocol, key, push_field, push_fields, FieldNames, HIXIE75_PREFIX,
    HIXIE76_STATUS, HIXIE76_UPGRADE, RFC6455_STATUS, RFC6455_VERSION,
};
use crate::deflate::{self, DeflateConfig, DeflateParams};
use crate::error::{HandshakeError, ProtocolError, UsageError};
use crate::framing::Utf8Policy;
use crate::limits::Limits;
use crate::setters::{config_setters, setters};
use crate::timeouts::Timeouts;
use crate::version::{Role, Version};
use crate::Status;

/// How a server reads and answers requests. Build one per server, share
/// it (an [`Arc`], as [`Session::server`](crate::Session::server) and the
/// adapters take it) and never clone it per connection.
///
/// ```
/// use std::time::Duration;
/// use websocket_engine::{ServerConfig, Timeouts};
///
/// let config = ServerConfig::new()
///     .max_message_size(1 << 20)
///     .protocols(["chat", "superchat"])
///     .origins(["https://example.com"])
///     .timeouts(Timeouts::new().ping_interval(Some(Duration::from_secs(30))));
/// assert_eq!(config.limits.max_message_bytes, 1 << 20);
/// ```
///
/// Every setting and its default is in the crate documentation's table.
#[derive(Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Size limits.
    pub limits: Limits,
    /// Time limits and keepalive.
    pub timeouts: Timeouts,
    /// True when the server sits behind TLS: locations it echoes use `wss`.
    pub secure: bool,
    /// What to do with hixie text that is not UTF-8. Default: strict.
    pub utf8: Utf8Policy,
    /// An HTML page to answer plain HTTP `GET /` requests with (200 OK),
    /// such as a browser opening the server's address; `None` (the
    /// default) refuses them with 426 like any other non-WebSocket request.
    pub page: Option<String>,
    /// Accepted origins, compared exactly; empty (the default) accepts any.
    pub origins: Vec<String>,
    /// Supported subprotocols. A hixie client asking for another is
    /// refused; for RFC 6455 the first one the client offers that is in
    /// this list is confirmed, or none. Default: none.
    pub protocols: Vec<String>,
    /// Header fields added to every 101 response of the policy (not of a
    /// hook, whose [`Accept`] says its own). Default: none.
    pub response_headers: Vec<(String, String)>,
    /// True: a [`Session`](crate::Session) reports each complete request
    /// as [`Event::Request`](crate::Event::Request) and waits for
    /// [`Session::decide`](crate::Session::decide) instead of deciding
    /// itself. Default: false.
    pub defer_decisions: bool,
    /// RFC 6455: permessage-deflate, accepted with these settings when a
    /// client offers it; `None` declines every offer. Default: the
    /// [`DeflateConfig`] defaults.
    pub compression: Option<DeflateConfig>,
    /// Decides on each request instead of `origins` and `protocols`.
    on_request: Option<RequestHook>,
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("limits", &self.limits)
            .field("timeouts", &self.timeouts)
            .field("secure", &self.secure)
            .field("utf8", &self.utf8)
            .field("page", &self.page.as_ref().map(|p| format!("{} bytes", p.len())))
            .field("origins", &self.origins)
            .field("protocols", &self.protocols)
            .field("response_headers", &self.response_headers)
            .field("defer_decisions", &self.defer_decisions)
            .field("compression", &self.compression)
            .field("on_request", &self.on_request.as_ref().map(|_| "hook"))
            .finish()
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            limits: Limits::default(),
            timeouts: Timeouts::default(),
            secure: false,
            utf8: Utf8Policy::default_for(Role::Server),
            page: None,
            origins: Vec::new(),
            protocols: Vec::new(),
            response_headers: Vec::new(),
            defer_decisions: false,
            compression: Some(DeflateConfig::default()),
            on_request: None,
        }
    }
}

config_setters!(ServerConfig);

impl ServerConfig {
    /// Every setting at its default.
    pub fn new() -> ServerConfig {
        ServerConfig::default()
    }

    /// Says whether the server sits behind TLS.
    pub fn secure(mut self, secure: bool) -> ServerConfig {
        self.secure = secure;
        self
    }

    /// Answers plain HTTP `GET /` with this HTML page.
    pub fn page(mut self, page: impl Into<String>) -> ServerConfig {
        self.page = Some(page.into());
        self
    }

    /// Accepts only these origins.
    pub fn origins<S: Into<String>>(mut self, origins: impl IntoIterator<Item = S>) -> ServerConfig {
        self.origins = origins.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a header field to every 101 response of the policy.
    pub fn response_header(mut self, name: impl Into<String>, value: impl Into<String>) -> ServerConfig {
        self.response_headers.push((name.into(), value.into()));
        self
    }

    /// Accepts permessage-deflate with `config`, or (`None`) declines it.
    pub fn compression(mut self, config: Option<DeflateConfig>) -> ServerConfig {
        self.compression = config;
        self
    }

    /// Defers each decision to the caller of a
    /// [`Session`](crate::Session): see the field.
    pub fn defer_decisions(mut self, defer: bool) -> ServerConfig {
        self.defer_decisions = defer;
        self
    }

    /// Decides on each complete request with `hook`, which sees its path,
    /// headers, origin and offered subprotocols and extensions, and
    /// accepts (with a subprotocol and response headers) or refuses (with
    /// a status, headers and a body). It replaces `origins` and
    /// `protocols`; [`ServerConfig::policy`] applies them for a hook that
    /// wants to.
    pub fn on_request(mut self, hook: impl Fn(&Request) -> Decision + Send + Sync + 'static) -> ServerConfig {
        self.on_request = Some(Arc::new(hook));
        self
    }

    /// The decision of `origins` and `protocols`: accept, confirming the
    /// first supported subprotocol the client offered (RFC 6455) or its
    /// only one (hixie, which refuses an unsupported one), with
    /// `response_headers`; or refuse with 403 an origin not in a non-empty
    /// `origins`.
    pub fn policy(&self, request: &Request) -> Decision {
        self.policy_decision(request)
            .unwrap_or_else(|e| Decision::Refuse(Refusal::for_error(&e)))
    }

    /// What this server does with `request`: the hook's decision, or the
    /// policy's, whose refusals keep the error that says what was refused.
    fn decision(&self, request: &Request) -> Result<Decision, HandshakeError> {
        match &self.on_request {
            Some(hook) => Ok(hook(request)),
            None => self.policy_decision(request),
        }
    }

    fn policy_decision(&self, request: &Request) -> Result<Decision, HandshakeError> {
        let protocol = self.check_policy(request)?;
        Ok(Decision::Accept(Accept {
            protocol,
            headers: self.response_headers.clone(),
            compression: true,
        }))
    }

    fn check_policy(&self, request: &Request) -> Result<Option<String>, HandshakeError> {
        if !self.origins.is_empty() {
            let origin = request.origin.as_deref().unwrap_or_default();
            if !self.origins.iter().any(|o| o == origin) {
                return Err(HandshakeError::OriginRejected {
                    origin: origin.to_owned(),
                });
            }
        }
        let supported = |p: &&String| self.protocols.contains(p);
        if request.version == Version::Rfc6455 {
            return Ok(request.protocols.iter().find(supported).cloned());
        }
        match request.protocols.first() {
            Some(p) if !supported(&p) => Err(HandshakeError::ProtocolRejected { protocol: p.clone() }),
            other => Ok(other.cloned()),
        }
    }
}

/// The fields a 101 response writes itself, which extra headers must not
/// repeat.
const RESERVED: [&str; 10] = [
    "Upgrade",
    "Connection",
    "Sec-WebSocket-Accept",
    "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Extensions",
    "Sec-WebSocket-Origin",
    "Sec-WebSocket-Location",
    "WebSocket-Origin",
    "WebSocket-Location",
    "WebSocket-Protocol",
];

/// A client's request, as read and checked by [`ServerHandshake`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The version the request speaks.
    pub version: Version,
    /// The resource name: path and query.
    pub resource: String,
    /// The `Host` field.
    pub host: String,
    /// The `Origin` field (required by the hixie versions, optional in RFC
    /// 6455 where only browsers send it).
    pub origin: Option<String>,
    /// The subprotocols offered, most preferred first (at most one for the
    /// hixie versions).
    pub protocols: Vec<String>,
    /// RFC 6455: the extensions offered (`Sec-WebSocket-Extensions`), one
    /// string per offer with its parameters, e.g.
    /// `permessage-deflate; client_max_window_bits`. None is confirmed.
    pub extensions: Vec<String>,
    /// Every header field, in order (e.g. `Cookie`).
    pub headers: Vec<(String, String)>,
    /// hixie76: the numbers read from Key1 and Key2.
    parts: Option<(u32, u32)>,
    /// RFC 6455: the `Sec-WebSocket-Accept` value to answer with.
    accept: Option<String>,
}

/// A server's opening handshake in progress.
///
/// 1. Feed the client's bytes to [`ServerHandshake::handle_input`] until it
///    returns [`Status::Complete`] (for hixie76 that includes the 8 bytes
///    of key3, however late they come).
/// 2. Look at [`ServerHandshake::request`], then answer it:
///    [`ServerHandshake::decide`] as the configuration says, or
///    [`ServerHandshake::accept`] and [`Refusal::to_bytes`] as you decide.
///    After a 101, carry on with a [`Session`](crate::Session)
///    (`Session::open_server`) for the frames.
/// 3. When a call fails, send [`ServerHandshake::refusal`] and close.
///
/// [`Session::server`](crate::Session::server) does all of it.
#[derive(Debug)]
pub struct ServerHandshake {
    config: Arc<ServerConfig>,
    head: HeadReader,
    request: Option<Request>,
    key3: Vec<u8>,
    error: Option<ProtocolError>,
    /// The refusal a request hook chose.
    refused: Option<Refusal>,
    /// The accepting decision declined permessage-deflate.
    declined_deflate: bool,
}

impl ServerHandshake {
    /// A handshake waiting for the client's first byte.
    pub fn new(config: impl Into<Arc<ServerConfig>>) -> ServerHandshake {
        let config = config.into();
        ServerHandshake {
            head: HeadReader::new(config.limits.max_head_bytes, Role::Client),
            config,
            request: None,
            key3: Vec::new(),
            error: None,
            refused: None,
            declined_deflate: false,
        }
    }

    /// Takes bytes from the client. Errors are sticky; answer them with
    /// [`ServerHandshake::refusal`].
    pub fn handle_input(&mut self, input: &[u8]) -> Result<Status, ProtocolError> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let status = self.advance(input);
        status.map_err(|e| self.fail(e))
    }

    /// Answers the complete request as the configuration says (its
    /// [`ServerConfig::on_request`] hook, or its origins and subprotocols):
    /// the 101 response's bytes, or the error to answer with
    /// [`ServerHandshake::refusal`].
    pub fn decide(&mut self) -> Result<Vec<u8>, ProtocolError> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let request = self.request.as_ref().ok_or(UsageError::HandshakeIncomplete)?;
        match self.config.decision(request) {
            Ok(decision) => self.respond(decision),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Answers the complete request with `decision`: the 101 response's
    /// bytes, or for a refusal [`HandshakeError::Refused`], after which
    /// [`ServerHandshake::refusal`] gives the refusal's bytes.
    pub fn respond(&mut self, decision: Decision) -> Result<Vec<u8>, ProtocolError> {
        match decision {
            Decision::Accept(accept) => self.accept(&accept),
            Decision::Refuse(refusal) => {
                refusal.check()?;
                let status = refusal.status;
                self.refused = Some(refusal);
                Err(self.fail(HandshakeError::Refused { status }))
            }
        }
    }

    /// The HTTP response to send before closing when the handshake failed
    /// with `error`: the hook's refusal, the configured page for a plain
    /// `GET /`, or the error's status with the error as the body; nothing
    /// when the client left or the error is not the handshake's.
    pub fn refusal(&self, error: &ProtocolError) -> Option<Vec<u8>> {
        let ProtocolError::Handshake(error) = error else {
            return None;
        };
        let refusal = match (error, &self.config.page) {
            (HandshakeError::UnexpectedEof { .. }, _) => return None,
            (HandshakeError::Refused { .. }, _) => self.refused.clone()?,
            (HandshakeError::NotWebSocket { resource }, Some(page))
                if resource == "/" || resource.starts_with("/?") =>
            {
                Refusal::page(page)
            }
            (error, _) => Refusal::for_error(error),
        };
        Some(refusal.to_bytes())
    }

    /// True when the configuration defers decisions to the caller
    /// ([`ServerConfig::defer_decisions`]).
    pub fn defers_decisions(&self) -> bool {
        self.config.defer_decisions
    }

    fn fail(&mut self, e: HandshakeError) -> ProtocolError {
        let e = ProtocolError::from(e);
        self.error = Some(e.clone());
        e
    }

    /// RFC 6455: the permessage-deflate parameters an accepted request puts
    /// in force: the first offer the configuration can accept, or `None`
    /// (also once the request was accepted with [`Accept::compression`]
    /// false).
    pub fn deflate(&self) -> Option<DeflateParams> {
        self.deflate_answer().map(|(params, _)| params)
    }

    /// The parameters and the `Sec-WebSocket-Extensions` answer.
    fn deflate_answer(&self) -> Option<(DeflateParams, String)> {
        if self.declined_deflate {
            return None;
        }
        let request = self.request.as_ref().filter(|r| r.version == Version::Rfc6455)?;
        deflate::accept(&request.extensions, self.config.compression.as_ref()?)
    }

    /// The settings this side compresses with, when it does.
    pub(crate) fn compression(&self) -> Option<&DeflateConfig> {
        self.config.compression.as_ref()
    }

    /// The request, once its head has been read and checked.
    pub fn request(&self) -> Option<&Request> {
        self.request.as_ref()
    }

    /// True once the request is complete (key3 included).
    pub fn is_complete(&self) -> bool {
        match &self.request {
            Some(r) => r.parts.is_none() || self.key3.len() == 8,
            None => false,
        }
    }

    /// Accepts the request, confirming `answer.protocol` (which must be
    /// one the client offered, or `None`), adding `answer.headers`, and
    /// answering permessage-deflate unless `answer.compression` is false
    /// ([`ServerHandshake::deflate`] then says `None`). Returns the
    /// response bytes to send.
    pub fn accept(&mut self, answer: &Accept) -> Result<Vec<u8>, ProtocolError> {
        if !self.is_complete() {
            return Err(UsageError::HandshakeIncomplete.into());
        }
        self.declined_deflate = !answer.compression;
        let request = self.request.as_ref().expect("complete");
        let protocol = answer.protocol.as_deref();
        if protocol.is_some_and(|p| !request.protocols.iter().any(|o| o == p)) {
            return Err(UsageError::InvalidValue {
                what: "subprotocol the client did not ask for",
                got: protocol.unwrap_or_default().to_owned(),
            }
            .into());
        }
        check_headers(&answer.headers, &RESERVED)?;
        let version = request.version;
        if let Some(accept) = &request.accept {
            let mut out = Vec::with_capacity(160);
            out.extend_from_slice(RFC6455_STATUS.as_bytes());
            out.extend_from_slice(b"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n");
            push_field(&mut out, "Sec-WebSocket-Accept", accept);
            if let Some(p) = protocol {
                push_field(&mut out, "Sec-WebSocket-Protocol", p);
            }
            if let Some((_, extensions)) = self.deflate_answer() {
                push_field(&mut out, "Sec-WebSocket-Extensions", &extensions);
            }
            push_fields(&mut out, &answer.headers);
            out.extend_from_slice(b"\r\n");
            return Ok(out);
        }
        let scheme = if self.config.secure { "wss" } else { "ws" };
        let location = format!("{scheme}://{}{}", request.host, request.resource);
        let names = FieldNames::of(version);
        let mut out = Vec::with_capacity(256);
        match version {
            Version::Hixie75 => out.extend_from_slice(HIXIE75_PREFIX.as_bytes()),
            _ => {
                out.extend_from_slice(HIXIE76_STATUS.as_bytes());
                out.extend_from_slice(HIXIE76_UPGRADE.as_bytes());
            }
        }
        push_field(
            &mut out,
            names.origin,
            request.origin.as_deref().unwrap_or_default(),
        );
        push_field(&mut out, names.location, &location);
        if let Some(p) = protocol {
            push_field(&mut out, names.protocol, p);
        }
        push_fields(&mut out, &answer.headers);
        out.extend_from_slice(b"\r\n");
        if let Some((part1, part2)) = request.parts {
            let key3: [u8; 8] = self.key3[..].try_into().expect("complete");
            out.extend_from_slice(&key::answer(part1, part2, &key3));
        }
        Ok(out)
    }

    fn advance(&mut self, input: &[u8]) -> Result<Status, HandshakeError> {
        let mut used = 0;
        if self.request.is_none() {
            let Some(n) = self.head.push(input)? else {
                return Ok(Status::Partial);
            };
            used = n;
            self.request = Some(read_request(self.head.bytes(), self.config.limits.max_headers)?);
        }
        if self.request.as_ref().is_some_and(|r| r.parts.is_some()) {
            let take = (8 - self.key3.len()).min(input.len() - used);
            self.key3.extend_from_slice(&input[used..used + take]);
            used += take;
            if self.key3.len() < 8 {
                return Ok(Status::Partial);
            }
        }
        Ok(Status::Complete {
            value: (),
            consumed: used,
        })
    }
}

/// Checks a complete request head and tells its version.
fn read_request(bytes: &[u8], max_headers: usize) -> Result<Request, HandshakeError> {
    let head = head::parse(bytes, Role::Client, max_headers)?;
    let mut words = head.start.split(' ');
    let (Some(method), Some(resource), Some(http), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return Err(HandshakeError::MalformedRequestLine {
            got: head.start.to_owned(),
        });
    };
    if method != "GET" {
        return Err(HandshakeError::MethodNotGet {
            method: method.to_owned(),
        });
    }
    if http != "HTTP/1.1" {
        return Err(HandshakeError::HttpVersion { got: http.to_owned() });
    }
    if !resource.starts_with('/') {
        return Err(HandshakeError::InvalidResource {
            got: resource.to_owned(),
        });
    }
    if head.get("Sec-WebSocket-Key")?.is_some() || head.get("Sec-WebSocket-Version")?.is_some() {
        return read_rfc6455(&head, resource);
    }
    let websocket_fields = ["Upgrade", "Sec-WebSocket-Key1", "Sec-WebSocket-Key2"];
    if websocket_fields.iter().all(|name| head.list(name).is_empty()) {
        return Err(HandshakeError::NotWebSocket {
            resource: resource.to_owned(),
        });
    }
    let key1 = head.get("Sec-WebSocket-Key1")?;
    let key2 = head.get("Sec-WebSocket-Key2")?;
    let version = if key1.is_some() || key2.is_some() {
        Version::Hixie76
    } else {
        Version::Hixie75
    };
    let upgrade = head.require("Upgrade")?;
    if !upgrade.eq_ignore_ascii_case("WebSocket") {
        return Err(HandshakeError::UpgradeMismatch {
            from: Role::Client,
            got: upgrade.to_owned(),
        });
    }
    let host = connection_and_host(&head)?;
    let origin = head.require("Origin")?;
    let protocol = head.get(FieldNames::of(version).protocol)?;
    if let Some(p) = protocol {
        if !is_valid_protocol(version, p) {
            return Err(HandshakeError::InvalidProtocol {
                from: Role::Client,
                got: p.to_owned(),
            });
        }
    }
    let parts = match version {
        Version::Hixie76 => {
            let missing = |name| HandshakeError::MissingHeader {
                from: Role::Client,
                name,
            };
            let key1 = key1.ok_or(missing("Sec-WebSocket-Key1"))?;
            let key2 = key2.ok_or(missing("Sec-WebSocket-Key2"))?;
            Some((key::parse(key1, 1)?, key::parse(key2, 2)?))
        }
        _ => None,
    };
    Ok(Request {
        version,
        resource: resource.to_owned(),
        host: host.to_owned(),
        origin: Some(origin.to_owned()),
        protocols: protocol.map(str::to_owned).into_iter().collect(),
        extensions: Vec::new(),
        headers: head.owned_fields(),
        parts,
        accept: None,
    })
}

/// The checks every version makes: `Connection` carries the `Upgrade`
/// token, and `Host` is there without spaces. Returns the host.
fn connection_and_host<'a>(head: &Head<'a>) -> Result<&'a str, HandshakeError> {
    let connection = head.require("Connection")?;
    if !head.has_token("Connection", "Upgrade") {
        return Err(HandshakeError::ConnectionMismatch {
            from: Role::Client,
            got: connection.to_owned(),
        });
    }
    let host = head.require("Host")?;
    if host.is_empty() || host.contains([' ', '\t']) {
        return Err(HandshakeError::InvalidHost { got: host.to_owned() });
    }
    Ok(host)
}

/// Checks an RFC 6455 request (section 4.2.1): version 13, a key of 16
/// bytes, `Upgrade: websocket`, `Connection: Upgrade`, a `Host`, and
/// subprotocols that are tokens. Extensions offered are ignored: none is
/// confirmed.
fn read_rfc6455(head: &Head<'_>, resource: &str) -> Result<Request, HandshakeError> {
    let version = head.require("Sec-WebSocket-Version")?;
    if version != RFC6455_VERSION {
        return Err(HandshakeError::UnsupportedVersion {
            requested: version.to_owned(),
        });
    }
    let key = head.require("Sec-WebSocket-Key")?;
    if !accept::is_valid_key(key) {
        return Err(HandshakeError::InvalidKey { got: key.to_owned() });
    }
    let upgrade = head.require("Upgrade")?;
    if !head.has_token("Upgrade", "websocket") {
        return Err(HandshakeError::UpgradeMismatch {
            from: Role::Client,
            got: upgrade.to_owned(),
        });
    }
    let host = connection_and_host(head)?;
    let protocols = head.list("Sec-WebSocket-Protocol");
    if let Some(bad) = protocols.iter().find(|p| !is_valid_protocol(Version::Rfc6455, p)) {
        return Err(HandshakeError::InvalidProtocol {
            from: Role::Client,
            got: (*bad).to_owned(),
        });
    }
    Ok(Request {
        version: Version::Rfc6455,
        resource: resource.to_owned(),
        host: host.to_owned(),
        origin: head.get("Origin")?.map(str::to_owned),
        protocols: protocols.into_iter().map(str::to_owned).collect(),
        extensions: head
            .list("Sec-WebSocket-Extensions")
            .into_iter()
            .map(str::to_owned)
            .collect(),
        headers: head.owned_fields(),
        parts: None,
        accept: Some(accept::rfc6455_accept(key)),
    })
}
