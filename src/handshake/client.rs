//! The client side of the opening handshake.

use super::head::{self, Head, HeadReader};
use super::{
    accept, check_headers, check_value, is_valid_protocol, key, push_field, FieldNames, HIXIE75_PREFIX,
    HIXIE76_STATUS, RFC6455_STATUS, RFC6455_VERSION,
};
use crate::deflate::{self, DeflateConfig, DeflateParams};
use crate::entropy::Entropy;
use crate::error::{HandshakeError, ProtocolError, UsageError};
use crate::framing::Utf8Policy;
use crate::limits::Limits;
use crate::setters::{config_setters, setters};
use crate::timeouts::Timeouts;
use crate::url::WsUrl;
use crate::version::{Role, Version};
use crate::Status;

/// What a client asks for.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The protocol version to speak.
    pub version: Version,
    /// The `Origin` to send. `None`: the hixie versions send the URL's own
    /// ([`WsUrl::default_origin`]), which they require; RFC 6455 sends none,
    /// as non-browser clients do.
    pub origin: Option<String>,
    /// Subprotocols to offer, most preferred first. The hixie versions
    /// allow at most one (U+0021..U+007E, not empty); RFC 6455 any number
    /// of HTTP tokens, of which the server picks one or none.
    pub protocols: Vec<String>,
    /// More header fields (cookies, authorization, ...), sent after the
    /// handshake's own. They must not repeat the handshake's fields.
    pub extra_headers: Vec<(String, String)>,
    /// Size limits.
    pub limits: Limits,
    /// Time limits and keepalive.
    pub timeouts: Timeouts,
    /// What to do with hixie text that is not UTF-8. Default: replace, as
    /// the drafts tell clients to. RFC 6455 text is always validated
    /// strictly, as its section 8.1 requires.
    pub utf8: Utf8Policy,
    /// RFC 6455: the permessage-deflate configurations to offer, most
    /// preferred first; empty offers none. Default: the
    /// [`DeflateConfig`] defaults, then the same without
    /// `server_max_window_bits` for a server that cannot limit its window,
    /// then that with `client_no_context_takeover` for a server that only
    /// accepts a client that may be told to empty its window.
    pub compression: Vec<DeflateConfig>,
}

impl Default for ClientConfig {
    /// RFC 6455, every other setting at its default.
    fn default() -> Self {
        ClientConfig::new(Version::Rfc6455)
    }
}

config_setters!(ClientConfig);

impl ClientConfig {
    /// Sends `origin` as the `Origin`.
    pub fn origin(mut self, origin: impl Into<String>) -> ClientConfig {
        self.origin = Some(origin.into());
        self
    }

    /// Adds a header field to the request.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> ClientConfig {
        self.extra_headers.push((name.into(), value.into()));
        self
    }

    /// A configuration for `version` with every other setting at its default.
    pub fn new(version: Version) -> ClientConfig {
        ClientConfig {
            version,
            origin: None,
            protocols: Vec::new(),
            extra_headers: Vec::new(),
            limits: Limits::default(),
            timeouts: Timeouts::default(),
            utf8: Utf8Policy::default_for(Role::Client),
            compression: vec![
                DeflateConfig::default(),
                DeflateConfig::default().server_max_window_bits(15),
                DeflateConfig::default()
                    .server_max_window_bits(15)
                    .client_no_context_takeover(true),
            ],
        }
    }

    /// Offers permessage-deflate with `config` alone, or (`None`) not at all.
    pub fn compression(mut self, config: Option<DeflateConfig>) -> ClientConfig {
        self.compression = config.into_iter().collect();
        self
    }

    /// Offers permessage-deflate with each of `offers`, most preferred first.
    pub fn compression_offers(mut self, offers: impl IntoIterator<Item = DeflateConfig>) -> ClientConfig {
        self.compression = offers.into_iter().collect();
        self
    }
}

/// What the server's accepted response said, beyond what was verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeResponse {
    /// The subprotocol the server confirmed, if any.
    pub protocol: Option<String>,
    /// Every header field of the response, in order (e.g. `Set-Cookie`).
    pub headers: Vec<(String, String)>,
    /// RFC 6455: the permessage-deflate parameters the server accepted, or
    /// `None` when it declined every offer (or none was made).
    pub deflate: Option<DeflateParams>,
}

/// The fields a client's extra headers may not repeat.
const RESERVED: [&str; 11] = [
    "Host",
    "Upgrade",
    "Connection",
    "Origin",
    "WebSocket-Protocol",
    "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Key1",
    "Sec-WebSocket-Key2",
    "Sec-WebSocket-Key",
    "Sec-WebSocket-Version",
    "Sec-WebSocket-Extensions",
];

/// A client's opening handshake in progress.
///
/// 1. [`ClientHandshake::new`] makes the request; write
///    [`ClientHandshake::request`] to the transport.
/// 2. Feed the server's bytes to [`ClientHandshake::handle_input`] until it
///    returns [`Status::Complete`].
/// 3. Carry on with a [`Session`](crate::Session) (`Session::open_client`)
///    for the frames; or let [`Session::client`](crate::Session::client)
///    do all three steps.
#[derive(Debug)]
pub struct ClientHandshake {
    version: Version,
    request: Vec<u8>,
    origin: String,
    location: String,
    protocols: Vec<String>,
    /// RFC 6455: the permessage-deflate offers sent.
    compression: Vec<DeflateConfig>,
    /// hixie76: the answer the server must send.
    expected: Option<[u8; 16]>,
    /// RFC 6455: the `Sec-WebSocket-Accept` the server must send.
    accept: Option<String>,
    /// RFC 6455: the seed of the connection's masking keys.
    mask_seed: Option<[u8; 32]>,
    head: HeadReader,
    stage: Stage,
    max_headers: usize,
    error: Option<ProtocolError>,
}

#[derive(Debug)]
enum Stage {
    Head,
    Answer {
        response: HandshakeResponse,
        got: Vec<u8>,
    },
    Done(HandshakeResponse),
}

impl ClientHandshake {
    /// Makes the request for `url`. Keys (hixie76 keys and key3, the RFC
    /// 6455 key and the seed of its masking keys) are drawn from `entropy`.
    pub fn new(
        url: &WsUrl,
        config: ClientConfig,
        entropy: &mut dyn Entropy,
    ) -> Result<ClientHandshake, ProtocolError> {
        let version = config.version;
        let rfc = version == Version::Rfc6455;
        let send_origin = config.origin.is_some() || !rfc;
        let origin = config.origin.unwrap_or_else(|| url.default_origin());
        check_value("origin", &origin)?;
        if !rfc && config.protocols.len() > 1 {
            return Err(UsageError::NotInVersion {
                feature: "offering more than one subprotocol",
                version,
            }
            .into());
        }
        for p in &config.protocols {
            if !is_valid_protocol(version, p) {
                return Err(UsageError::InvalidValue {
                    what: "subprotocol",
                    got: p.clone(),
                }
                .into());
            }
        }
        check_headers(&config.extra_headers, &RESERVED)?;

        let mut request = Vec::with_capacity(256);
        request.extend_from_slice(b"GET ");
        request.extend_from_slice(url.resource().as_bytes());
        request.extend_from_slice(b" HTTP/1.1\r\n");
        let (mut accept, mut mask_seed) = (None, None);
        if rfc {
            push_field(&mut request, "Host", &url.host_header());
            request.extend_from_slice(b"Upgrade: websocket\r\nConnection: Upgrade\r\n");
            let key = accept::generate(entropy)?;
            push_field(&mut request, "Sec-WebSocket-Key", &key);
            push_field(&mut request, "Sec-WebSocket-Version", RFC6455_VERSION);
            accept = Some(accept::rfc6455_accept(&key));
            let mut seed = [0u8; 32];
            entropy.fill(&mut seed)?;
            mask_seed = Some(seed);
        } else {
            request.extend_from_slice(b"Upgrade: WebSocket\r\nConnection: Upgrade\r\n");
            push_field(&mut request, "Host", &url.host_header());
        }
        if send_origin {
            push_field(&mut request, "Origin", &origin);
        }
        if !config.protocols.is_empty() {
            push_field(
                &mut request,
                FieldNames::of(version).protocol,
                &config.protocols.join(", "),
            );
        }
        let compression = if rfc { config.compression } else { Vec::new() };
        if !compression.is_empty() {
            let offers: Vec<String> = compression.iter().map(DeflateConfig::offer).collect();
            push_field(&mut request, "Sec-WebSocket-Extensions", &offers.join(", "));
        }
        let mut expected = None;
        let mut key3 = [0u8; 8];
        if version == Version::Hixie76 {
            let key1 = key::generate(entropy)?;
            let key2 = key::generate(entropy)?;
            entropy.fill(&mut key3)?;
            push_field(&mut request, "Sec-WebSocket-Key1", &key1.text);
            push_field(&mut request, "Sec-WebSocket-Key2", &key2.text);
            expected = Some(key::answer(key1.part, key2.part, &key3));
        }
        for (name, value) in &config.extra_headers {
            push_field(&mut request, name, value);
        }
        request.extend_from_slice(b"\r\n");
        if expected.is_some() {
            request.extend_from_slice(&key3);
        }
        Ok(ClientHandshake {
            version,
            request,
            origin,
            location: url.location(),
            protocols: config.protocols,
            compression,
            expected,
            accept,
            mask_seed,
            head: HeadReader::new(config.limits.max_head_bytes, Role::Server),
            stage: Stage::Head,
            max_headers: config.limits.max_headers,
            error: None,
        })
    }

    /// The settings this side compresses with when the server accepts
    /// permessage-deflate: those of the first offer.
    pub(crate) fn compression(&self) -> Option<&DeflateConfig> {
        self.compression.first()
    }

    /// The bytes to send to the server (for hixie76, key3 included).
    pub fn request(&self) -> &[u8] {
        &self.request
    }

    /// Takes bytes from the server. Errors are sticky.
    pub fn handle_input(&mut self, input: &[u8]) -> Result<Status, ProtocolError> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        match self.advance(input) {
            Ok(status) => Ok(status),
            Err(e) => {
                self.error = Some(e.clone());
                Err(e)
            }
        }
    }

    /// Reports that the server closed the connection.
    pub fn handle_eof(&mut self) -> Result<(), ProtocolError> {
        if let Stage::Done(_) = self.stage {
            return Ok(());
        }
        let e = self
            .error
            .get_or_insert_with(|| HandshakeError::UnexpectedEof { from: Role::Server }.into());
        Err(e.clone())
    }

    /// What the server said, once the handshake is complete.
    pub fn response(&self) -> Option<&HandshakeResponse> {
        match &self.stage {
            Stage::Done(response) => Some(response),
            _ => None,
        }
    }

    /// The protocol version requested.
    pub fn version(&self) -> Version {
        self.version
    }

    /// RFC 6455: the seed of the connection's masking keys.
    pub(crate) fn mask_seed(&self) -> Option<[u8; 32]> {
        self.mask_seed
    }

    fn advance(&mut self, input: &[u8]) -> Result<Status, ProtocolError> {
        let mut used = 0;
        if let Stage::Head = self.stage {
            let Some(n) = self.head.push(input)? else {
                return Ok(Status::Partial);
            };
            used = n;
            let response = self.verify_head()?;
            self.stage = match self.expected {
                Some(_) => Stage::Answer {
                    response,
                    got: Vec::with_capacity(16),
                },
                None => Stage::Done(response),
            };
        }
        if let Stage::Answer { got, .. } = &mut self.stage {
            let take = (16 - got.len()).min(input.len() - used);
            got.extend_from_slice(&input[used..used + take]);
            used += take;
            if got.len() < 16 {
                return Ok(Status::Partial);
            }
            let got: [u8; 16] = got[..].try_into().expect("16 bytes");
            let expected = self.expected.expect("hixie76 has an answer");
            if got != expected {
                return Err(HandshakeError::ChallengeMismatch { expected, got }.into());
            }
            let Stage::Answer { response, .. } = std::mem::replace(&mut self.stage, Stage::Head) else {
                unreachable!("matched above")
            };
            self.stage = Stage::Done(response);
        }
        Ok(Status::Complete {
            value: (),
            consumed: used,
        })
    }

    fn verify_head(&self) -> Result<HandshakeResponse, HandshakeError> {
        let bytes = self.head.bytes();
        let head = head::parse(bytes, Role::Server, self.max_headers).map_err(|e| {
            // A response that is not even HTTP is best reported by its start.
            self.status_error(bytes).unwrap_or(e)
        })?;
        if let Some(e) = self.status_error(bytes) {
            return Err(e);
        }
        if self.version == Version::Rfc6455 {
            return self.verify_rfc6455(&head);
        }
        if self.version == Version::Hixie76 {
            let upgrade = head.require("Upgrade")?;
            if upgrade != "WebSocket" {
                return Err(HandshakeError::UpgradeMismatch {
                    from: Role::Server,
                    got: upgrade.to_owned(),
                });
            }
            let connection = head.require("Connection")?;
            if !connection.eq_ignore_ascii_case("Upgrade") {
                return Err(HandshakeError::ConnectionMismatch {
                    from: Role::Server,
                    got: connection.to_owned(),
                });
            }
        }
        let names = FieldNames::of(self.version);
        let origin = head.require(names.origin)?;
        if origin != self.origin {
            return Err(HandshakeError::OriginMismatch {
                expected: self.origin.clone(),
                got: origin.to_owned(),
            });
        }
        let location = head.require(names.location)?;
        if location != self.location {
            return Err(HandshakeError::LocationMismatch {
                expected: self.location.clone(),
                got: location.to_owned(),
            });
        }
        let protocol = head.get(names.protocol)?;
        if protocol != self.protocols.first().map(String::as_str) {
            return Err(HandshakeError::ProtocolMismatch {
                expected: self.protocols.first().cloned(),
                got: protocol.map(str::to_owned),
            });
        }
        Ok(HandshakeResponse {
            protocol: protocol.map(str::to_owned),
            headers: head.owned_fields(),
            deflate: None,
        })
    }

    /// RFC 6455 section 4.1: `Upgrade: websocket`, `Connection: Upgrade`,
    /// the right `Sec-WebSocket-Accept`, no extension and no subprotocol
    /// that was not offered.
    fn verify_rfc6455(&self, head: &Head<'_>) -> Result<HandshakeResponse, HandshakeError> {
        let upgrade = head.require("Upgrade")?;
        if !head.has_token("Upgrade", "websocket") {
            return Err(HandshakeError::UpgradeMismatch {
                from: Role::Server,
                got: upgrade.to_owned(),
            });
        }
        let connection = head.require("Connection")?;
        if !head.has_token("Connection", "Upgrade") {
            return Err(HandshakeError::ConnectionMismatch {
                from: Role::Server,
                got: connection.to_owned(),
            });
        }
        let got = head.require("Sec-WebSocket-Accept")?;
        let expected = self.accept.as_deref().expect("rfc6455 has an accept value");
        if got != expected {
            return Err(HandshakeError::AcceptMismatch {
                expected: expected.to_owned(),
                got: got.to_owned(),
            });
        }
        let deflate = deflate::confirm(&head.list("Sec-WebSocket-Extensions"), &self.compression)?;
        let protocol = head.get("Sec-WebSocket-Protocol")?;
        if let Some(p) = protocol {
            if !self.protocols.iter().any(|o| o == p) {
                return Err(HandshakeError::ProtocolNotOffered {
                    offered: self.protocols.clone(),
                    got: p.to_owned(),
                });
            }
        }
        Ok(HandshakeResponse {
            protocol: protocol.map(str::to_owned),
            headers: head.owned_fields(),
            deflate,
        })
    }

    /// The error for a response that does not start as this version's must:
    /// hixie75 the exact 85 bytes of its first three lines, the others
    /// `HTTP/1.1 101 `. A status other than 101 is reported as such, and 407
    /// as a proxy's demand.
    fn status_error(&self, bytes: &[u8]) -> Option<HandshakeError> {
        let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
        let first = String::from_utf8_lossy(first.strip_suffix(b"\r").unwrap_or(first));
        let code = status_code(&first);
        if code == Some(407) {
            return Some(HandshakeError::ProxyAuthenticationRequired);
        }
        match self.version {
            Version::Hixie75 => {
                if bytes.starts_with(HIXIE75_PREFIX.as_bytes()) {
                    return None;
                }
                if let Some(code) = code.filter(|c| *c != 101) {
                    return Some(HandshakeError::Status { code });
                }
                let got = String::from_utf8_lossy(&bytes[..bytes.len().min(HIXIE75_PREFIX.len())]);
                Some(HandshakeError::StatusLine {
                    expected: HIXIE75_PREFIX,
                    got: got.into_owned(),
                })
            }
            _ => match code {
                Some(101) => None,
                Some(code) => Some(HandshakeError::Status { code }),
                None => Some(HandshakeError::StatusLine {
                    expected: match self.version {
                        Version::Rfc6455 => RFC6455_STATUS,
                        _ => HIXIE76_STATUS,
                    },
                    got: first.into_owned(),
                }),
            },
        }
    }
}

/// The status code of `HTTP/1.1 NNN reason`, if the line has that shape.
fn status_code(line: &str) -> Option<u16> {
    let rest = line.strip_prefix("HTTP/1.1 ")?;
    let code = rest.get(..3)?;
    if !code.bytes().all(|b| b.is_ascii_digit()) || !matches!(rest.as_bytes().get(3), Some(b' ') | None) {
        return None;
    }
    code.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes() {
        assert_eq!(status_code("HTTP/1.1 101 Whatever"), Some(101));
        assert_eq!(status_code("HTTP/1.1 407"), Some(407));
        assert_eq!(status_code("HTTP/1.0 101 x"), None);
        assert_eq!(status_code("HTTP/1.1 1x1 x"), None);
        assert_eq!(status_code("HTTP/1.1 1011 x"), None);
        assert_eq!(HIXIE75_PREFIX.len(), 85);
    }
}
