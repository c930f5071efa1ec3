//! The server side of the opening handshake.

use super::head::{self, Head, HeadReader};
use super::{
    accept, is_valid_protocol, key, push_field, FieldNames, Status, HIXIE75_PREFIX, HIXIE76_STATUS,
    HIXIE76_UPGRADE, RFC6455_STATUS, RFC6455_VERSION,
};
use crate::error::{Error, HandshakeError, UsageError};
use crate::framing::Utf8Policy;
use crate::limits::Limits;
use crate::timeouts::Timeouts;
use crate::version::{Role, Version};

/// How a server reads requests.
#[derive(Debug, Clone)]
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
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            limits: Limits::default(),
            timeouts: Timeouts::default(),
            secure: false,
            utf8: Utf8Policy::default_for(Role::Server),
            page: None,
        }
    }
}

/// Which origins and subprotocols a server accepts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerPolicy {
    /// Accepted origins, compared exactly; empty accepts any origin.
    pub origins: Vec<String>,
    /// Supported subprotocols. A hixie client asking for another is
    /// refused; an RFC 6455 server picks the first the client offers that
    /// is in this list, and otherwise confirms none.
    pub protocols: Vec<String>,
}

impl ServerPolicy {
    /// Decides on a request: `Ok` with the subprotocol to confirm, if any,
    /// or the reason to refuse it.
    pub fn check(&self, request: &Request) -> Result<Option<String>, HandshakeError> {
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
/// 2. Look at [`ServerHandshake::request`] (or let a [`ServerPolicy`]
///    decide), then [`ServerHandshake::accept`] it and carry on with a
///    [`Session`](crate::Session) (`Session::open_server`) for the frames,
///    or send [`rejection_response`] and close.
///
/// [`Session::server`](crate::Session::server) does all of it.
#[derive(Debug)]
pub struct ServerHandshake {
    config: ServerConfig,
    head: HeadReader,
    request: Option<Request>,
    key3: Vec<u8>,
    error: Option<Error>,
}

impl ServerHandshake {
    /// A handshake waiting for the client's first byte.
    pub fn new(config: ServerConfig) -> ServerHandshake {
        ServerHandshake {
            head: HeadReader::new(config.limits.max_head_bytes, Role::Client),
            config,
            request: None,
            key3: Vec::new(),
            error: None,
        }
    }

    /// Takes bytes from the client. Errors are sticky; answer them with
    /// [`rejection_response`].
    pub fn handle_input(&mut self, input: &[u8]) -> Result<Status, Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        match self.advance(input) {
            Ok(status) => Ok(status),
            Err(e) => {
                let e = Error::from(e);
                self.error = Some(e.clone());
                Err(e)
            }
        }
    }

    /// The HTTP response to send for a request that failed with `error`,
    /// before closing: the configured page for a plain `GET /`, otherwise
    /// [`rejection_response`].
    pub fn error_response(&self, error: &HandshakeError) -> Vec<u8> {
        match (error, &self.config.page) {
            (HandshakeError::NotWebSocket { resource }, Some(page))
                if resource == "/" || resource.starts_with("/?") =>
            {
                page_response(page)
            }
            _ => rejection_response(error),
        }
    }

    /// The HTTP response to send before closing when the handshake failed
    /// with `error` (from [`ServerHandshake::handle_input`] or a
    /// [`ServerPolicy`]): [`ServerHandshake::error_response`] for a refused
    /// request, nothing when the client left or the error is not the
    /// handshake's.
    pub fn refusal(&self, error: &Error) -> Option<Vec<u8>> {
        match error {
            Error::Handshake(HandshakeError::UnexpectedEof { .. }) => None,
            Error::Handshake(h) => Some(self.error_response(h)),
            _ => None,
        }
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

    /// Accepts the request, confirming `protocol` (which must be one the
    /// client offered, or `None`). Returns the response bytes to send.
    pub fn accept(&self, protocol: Option<&str>) -> Result<Vec<u8>, Error> {
        if !self.is_complete() {
            return Err(UsageError::HandshakeIncomplete.into());
        }
        let request = self.request.as_ref().expect("complete");
        if protocol.is_some_and(|p| !request.protocols.iter().any(|o| o == p)) {
            return Err(UsageError::InvalidValue {
                what: "subprotocol the client did not ask for",
                got: protocol.unwrap_or_default().to_owned(),
            }
            .into());
        }
        let version = request.version;
        if let Some(accept) = &request.accept {
            let mut out = Vec::with_capacity(160);
            out.extend_from_slice(RFC6455_STATUS.as_bytes());
            out.extend_from_slice(b"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n");
            push_field(&mut out, "Sec-WebSocket-Accept", accept);
            if let Some(p) = protocol {
                push_field(&mut out, "Sec-WebSocket-Protocol", p);
            }
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
        Ok(Status::Complete { consumed: used })
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
        headers: head.owned_fields(),
        parts: None,
        accept: Some(accept::rfc6455_accept(key)),
    })
}

/// An HTTP error response refusing a handshake, with the reason as a
/// plain-text body. The connection should be closed after sending it.
pub fn rejection_response(error: &HandshakeError) -> Vec<u8> {
    let status = error.http_status();
    let reason = match status {
        403 => "Forbidden",
        405 => "Method Not Allowed",
        426 => "Upgrade Required",
        431 => "Request Header Fields Too Large",
        _ => "Bad Request",
    };
    let body = format!("{error}\n");
    let mut out = format!("HTTP/1.1 {status} {reason}\r\n").into_bytes();
    match error {
        // RFC 6455 section 4.4: name the versions this server speaks.
        HandshakeError::UnsupportedVersion { .. } => {
            push_field(&mut out, "Sec-WebSocket-Version", RFC6455_VERSION)
        }
        // RFC 9110 section 15.5.22: a 426 names the protocol to upgrade to.
        HandshakeError::NotWebSocket { .. } => push_field(&mut out, "Upgrade", "websocket"),
        _ => {}
    }
    push_field(&mut out, "Content-Type", "text/plain; charset=utf-8");
    push_field(&mut out, "Content-Length", &body.len().to_string());
    push_field(&mut out, "Connection", "close");
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body.as_bytes());
    out
}

/// A 200 response carrying an HTML page.
fn page_response(page: &str) -> Vec<u8> {
    let mut out = b"HTTP/1.1 200 OK\r\n".to_vec();
    push_field(&mut out, "Content-Type", "text/html; charset=utf-8");
    push_field(&mut out, "Content-Length", &page.len().to_string());
    push_field(&mut out, "Cache-Control", "no-store");
    push_field(&mut out, "Connection", "close");
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(page.as_bytes());
    out
}
