//! The glue the WASI 0.2 and 0.3 library components share: the
//! translations between the WIT types of `websocket:protocol` and the
//! engine's, and its `types`, `handshake` and `framing` interfaces, which
//! are the same in both packages (0.1.0 and 0.2.0). Each component's
//! bindings are types of its own, generated from its own WIT, so the glue
//! is a macro that each component expands beside its bindings (the
//! mechanism: `macro_rules!`, exported): [`shared_glue!`] writes the
//! modules `compression`, `convert`, `framing` and `handshake` where it is
//! invoked, which must hold the generated `exports` module and a
//! `Component` type. Only `connection` differs between the packages, and
//! stays each component's own.
#![no_std]

/// Writes the shared glue modules (`compression`, `convert`, `framing`,
/// `handshake`) into the invoking module, against the `exports` bindings
/// and the `Component` type found there (`super::` from the modules).
#[macro_export]
macro_rules! shared_glue {
    () => {
        mod compression {
            //! Conversions of the WIT permessage-deflate types.

            use super::exports::websocket::protocol::types as wit;
            use websocket_engine::{DeflateConfig, DeflateParams};

            impl From<&DeflateConfig> for wit::DeflateOptions {
                fn from(c: &DeflateConfig) -> Self {
                    wit::DeflateOptions {
                        server_no_context_takeover: c.server_no_context_takeover,
                        client_no_context_takeover: c.client_no_context_takeover,
                        server_max_window_bits: c.server_max_window_bits,
                        client_max_window_bits: c.client_max_window_bits,
                        min_size: u32::try_from(c.min_size).unwrap_or(u32::MAX),
                        level: c.level,
                        mem_level: c.mem_level,
                    }
                }
            }

            impl From<wit::DeflateOptions> for DeflateConfig {
                fn from(o: wit::DeflateOptions) -> Self {
                    DeflateConfig::new()
                        .server_no_context_takeover(o.server_no_context_takeover)
                        .client_no_context_takeover(o.client_no_context_takeover)
                        .server_max_window_bits(o.server_max_window_bits)
                        .client_max_window_bits(o.client_max_window_bits)
                        .min_size(o.min_size as usize)
                        .level(o.level)
                        .mem_level(o.mem_level)
                }
            }

            impl From<DeflateParams> for wit::DeflateParams {
                fn from(p: DeflateParams) -> Self {
                    wit::DeflateParams {
                        server_no_context_takeover: p.server_no_context_takeover,
                        client_no_context_takeover: p.client_no_context_takeover,
                        server_max_window_bits: p.server_max_window_bits,
                        client_max_window_bits: p.client_max_window_bits,
                    }
                }
            }

            impl From<wit::DeflateParams> for DeflateParams {
                fn from(p: wit::DeflateParams) -> Self {
                    DeflateParams {
                        server_no_context_takeover: p.server_no_context_takeover,
                        client_no_context_takeover: p.client_no_context_takeover,
                        server_max_window_bits: p.server_max_window_bits,
                        client_max_window_bits: p.client_max_window_bits,
                    }
                }
            }

            /// The settings `compression` gives, or `None` for the engine's defaults.
            pub(super) fn settings(compression: wit::Compression) -> Option<Vec<DeflateConfig>> {
                match compression {
                    wit::Compression::Defaults => None,
                    wit::Compression::Off => Some(Vec::new()),
                    wit::Compression::Custom(list) => Some(list.into_iter().map(Into::into).collect()),
                }
            }
        }

        mod convert {
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
        }

        mod framing {
            //! The `framing` interface.

            use std::cell::RefCell;

            use super::convert::{limits, wit_result};
            use super::exports::websocket::protocol::framing::{
                CloseBody, Decoded, Decoder as WitDecoder, Frame as WitFrame, Guest, GuestDecoder, GuestEncoder, Opcode,
            };
            use super::exports::websocket::protocol::types::{
                DeflateOptions, DeflateParams as WitDeflateParams, Error as WitError, HixieFrame, Limits,
                Role as WitRole, Utf8Policy, Version,
            };
            use websocket_engine::framing::rfc6455::{self, OpCode};
            use websocket_engine::framing::{hixie, Frame};
            use websocket_engine::Status;
            use websocket_engine::{DeflateConfig, DeflateParams, Role, UsageError};
            use websocket_io::Error;

            /// The decoder of the version asked for.
            enum AnyDecoder {
                Hixie(hixie::Decoder),
                Rfc6455(rfc6455::Decoder),
            }

            pub struct DecoderResource(RefCell<AnyDecoder>);

            fn to_wit(frame: Frame<'_>) -> WitFrame {
                match frame {
                    Frame::Text(t) => WitFrame::Text(t.into_owned()),
                    Frame::Binary(payload) => WitFrame::Binary(payload.into_owned()),
                    Frame::HixieFrame { frame_type, payload } => WitFrame::HixieFrame(HixieFrame {
                        frame_type,
                        data: payload.into_owned(),
                    }),
                    Frame::Ping(p) => WitFrame::Ping(p.to_vec()),
                    Frame::Pong(p) => WitFrame::Pong(p.to_vec()),
                    Frame::Close(body) => WitFrame::Close(body.map(|b| CloseBody {
                        code: b.code,
                        reason: b.reason.to_owned(),
                    })),
                }
            }

            /// Decodes every frame of `input`, then the error that stopped it, if any.
            fn decode_all(
                mut decode: impl FnMut(&[u8]) -> Result<(Option<WitFrame>, usize), websocket_engine::FrameError>,
                input: &[u8],
            ) -> Decoded {
                let mut frames = Vec::new();
                let mut rest = input;
                let error = loop {
                    match decode(rest) {
                        Ok((None, _)) => break None,
                        Ok((Some(frame), consumed)) => {
                            frames.push(frame);
                            rest = &rest[consumed..];
                        }
                        Err(e) => break Some(Error::from(e).into()),
                    }
                };
                Decoded { frames, error }
            }

            /// One decoder step, as a WIT frame and the bytes it took.
            fn step(
                r: Result<Status<Frame<'_>>, websocket_engine::FrameError>,
            ) -> Result<(Option<WitFrame>, usize), websocket_engine::FrameError> {
                Ok(match r? {
                    Status::Partial => (None, 0),
                    Status::Complete { value, consumed } => (Some(to_wit(value)), consumed),
                })
            }

            fn role(role: WitRole) -> Role {
                match role {
                    WitRole::Client => Role::Client,
                    WitRole::Server => Role::Server,
                }
            }

            impl GuestDecoder for DecoderResource {
                fn new(version: Version, role_: WitRole, utf8: Utf8Policy, limits_: Option<Limits>) -> Self {
                    let limits = limits(limits_);
                    let role = role(role_);
                    let decoder = match version {
                        Version::Rfc6455 => AnyDecoder::Rfc6455(rfc6455::Decoder::new(role, &limits)),
                        v => {
                            let policy = super::convert::utf8(Some(utf8), role);
                            AnyDecoder::Hixie(hixie::Decoder::new(v.into(), policy, &limits))
                        }
                    };
                    DecoderResource(RefCell::new(decoder))
                }

                fn compressed(role_: WitRole, limits_: Option<Limits>, agreed: WitDeflateParams) -> WitDecoder {
                    let decoder = rfc6455::Decoder::new(role(role_), &limits(limits_)).with_deflate(&agreed.into());
                    WitDecoder::new(DecoderResource(RefCell::new(AnyDecoder::Rfc6455(decoder))))
                }

                fn decode(&self, input: Vec<u8>) -> Decoded {
                    match &mut *self.0.borrow_mut() {
                        AnyDecoder::Hixie(d) => decode_all(|rest| step(d.decode_owned(rest)), &input),
                        AnyDecoder::Rfc6455(d) => decode_all(|rest| step(d.decode_owned(rest)), &input),
                    }
                }

                fn between_frames(&self) -> bool {
                    match &*self.0.borrow() {
                        AnyDecoder::Hixie(d) => d.is_between_frames(),
                        AnyDecoder::Rfc6455(d) => d.is_between_frames(),
                    }
                }
            }

            pub struct EncoderResource(RefCell<rfc6455::Encoder>);

            impl GuestEncoder for EncoderResource {
                fn new(role_: WitRole, agreed: Option<WitDeflateParams>, options: Option<DeflateOptions>) -> Self {
                    let encoder = match agreed {
                        Some(agreed) => {
                            let config = options.map_or_else(DeflateConfig::default, Into::into);
                            rfc6455::Encoder::with_deflate(role(role_), &DeflateParams::from(agreed), &config)
                        }
                        None => rfc6455::Encoder::new(),
                    };
                    EncoderResource(RefCell::new(encoder))
                }

                fn encode(
                    &self,
                    fin: bool,
                    opcode: Opcode,
                    payload: Vec<u8>,
                    mask: Option<u32>,
                ) -> Result<Vec<u8>, WitError> {
                    encoded(|out| {
                        self.0
                            .borrow_mut()
                            .encode(fin, opcode.into(), &payload, mask_key(mask), out)
                    })
                }
            }

            /// The bytes an encoder appends to a fresh buffer, or its error as WIT's.
            fn encoded(encode: impl FnOnce(&mut Vec<u8>) -> Result<(), UsageError>) -> Result<Vec<u8>, WitError> {
                let mut out = Vec::new();
                wit_result(encode(&mut out).map_err(Error::from))?;
                Ok(out)
            }

            fn mask_key(mask: Option<u32>) -> Option<[u8; 4]> {
                mask.map(u32::to_be_bytes)
            }

            impl From<Opcode> for OpCode {
                fn from(opcode: Opcode) -> OpCode {
                    match opcode {
                        Opcode::Continuation => OpCode::Continuation,
                        Opcode::Text => OpCode::Text,
                        Opcode::Binary => OpCode::Binary,
                        Opcode::Close => OpCode::Close,
                        Opcode::Ping => OpCode::Ping,
                        Opcode::Pong => OpCode::Pong,
                    }
                }
            }

            impl Guest for super::Component {
                type Decoder = DecoderResource;
                type Encoder = EncoderResource;

                fn encode_text(text: String) -> Vec<u8> {
                    let mut out = Vec::new();
                    hixie::encode_text(&text, &mut out);
                    out
                }

                fn encode_binary(frame_type: u8, payload: Vec<u8>) -> Result<Vec<u8>, WitError> {
                    encoded(|out| hixie::encode_binary(frame_type, &payload, out))
                }

                fn encode_close() -> Vec<u8> {
                    let mut out = Vec::new();
                    hixie::encode_close(&mut out);
                    out
                }

                fn encode_frame(
                    fin: bool,
                    opcode: Opcode,
                    payload: Vec<u8>,
                    mask: Option<u32>,
                ) -> Result<Vec<u8>, WitError> {
                    encoded(|out| rfc6455::encode_frame(fin, opcode.into(), &payload, mask_key(mask), out))
                }

                fn encode_close_frame(code: Option<u16>, reason: String, mask: Option<u32>) -> Result<Vec<u8>, WitError> {
                    encoded(|out| rfc6455::encode_close(code, &reason, mask_key(mask), out))
                }
            }
        }

        mod handshake {
            //! The `handshake` interface.

            use std::cell::{Cell, RefCell};

            use super::convert::wit_result;
            use super::exports::websocket::protocol::handshake::{
                ClientHandshake, Guest, GuestClientHandshake, GuestServerHandshake, Status as WitStatus,
            };
            use super::exports::websocket::protocol::types::{
                ClientOptions, Decision as WitDecision, Error as WitError, RequestInfo, ResponseInfo, ServerOptions,
            };
            use websocket_engine::{
                hixie76_answer, Entropy, ProtocolError, SeededEntropy, ServerConfig, Status, SystemEntropy, UsageError,
                WsUrl,
            };

            fn status(s: Status) -> WitStatus {
                match s {
                    Status::Partial => WitStatus::Partial,
                    Status::Complete { value: (), consumed } => {
                        WitStatus::Complete(u32::try_from(consumed).expect("inputs are lists"))
                    }
                }
            }

            pub struct ClientResource(RefCell<websocket_engine::ClientHandshake>);

            fn create(
                url: String,
                options: ClientOptions,
                entropy: &mut dyn Entropy,
            ) -> Result<ClientHandshake, WitError> {
                let url = wit_result(WsUrl::parse(&url).map_err(ProtocolError::from))?;
                let handshake = wit_result(websocket_engine::ClientHandshake::new(
                    &url,
                    options.into(),
                    entropy,
                ))?;
                Ok(ClientHandshake::new(ClientResource(RefCell::new(handshake))))
            }

            impl GuestClientHandshake for ClientResource {
                fn create(url: String, options: ClientOptions) -> Result<ClientHandshake, WitError> {
                    create(url, options, &mut SystemEntropy)
                }

                fn create_seeded(url: String, options: ClientOptions, seed: u64) -> Result<ClientHandshake, WitError> {
                    create(url, options, &mut SeededEntropy::new(seed))
                }

                fn request(&self) -> Vec<u8> {
                    self.0.borrow().request().to_vec()
                }

                fn feed(&self, input: Vec<u8>) -> Result<WitStatus, WitError> {
                    wit_result(self.0.borrow_mut().handle_input(&input)).map(status)
                }

                fn feed_eof(&self) -> Result<(), WitError> {
                    wit_result(self.0.borrow_mut().handle_eof())
                }

                fn response(&self) -> Option<ResponseInfo> {
                    self.0.borrow().response().map(Into::into)
                }
            }

            pub struct ServerResource {
                handshake: RefCell<websocket_engine::ServerHandshake>,
                /// The last failure of `feed` or `decide`, for `rejection`.
                failure: RefCell<Option<ProtocolError>>,
                decided: Cell<bool>,
            }

            impl ServerResource {
                /// Remembers a failure of `r` for `rejection`.
                fn remember<T>(&self, r: Result<T, ProtocolError>) -> Result<T, WitError> {
                    if let Err(e) = &r {
                        *self.failure.borrow_mut() = Some(e.clone());
                    }
                    wit_result(r)
                }
            }

            impl GuestServerHandshake for ServerResource {
                fn new(options: ServerOptions) -> Self {
                    ServerResource {
                        handshake: RefCell::new(websocket_engine::ServerHandshake::new(ServerConfig::from(
                            options,
                        ))),
                        failure: RefCell::new(None),
                        decided: Cell::new(false),
                    }
                }

                fn feed(&self, input: Vec<u8>) -> Result<WitStatus, WitError> {
                    let r = self.handshake.borrow_mut().handle_input(&input);
                    self.remember(r).map(status)
                }

                fn request(&self) -> Option<RequestInfo> {
                    self.handshake.borrow().request().map(Into::into)
                }

                fn decide(&self, decision: Option<WitDecision>) -> Result<Vec<u8>, WitError> {
                    if self.decided.replace(true) {
                        return Err(ProtocolError::from(UsageError::NoRequest).into());
                    }
                    let mut handshake = self.handshake.borrow_mut();
                    let r = match decision {
                        None => handshake.decide(),
                        Some(decision) => handshake.respond(decision.into()),
                    };
                    drop(handshake);
                    self.remember(r)
                }

                fn rejection(&self) -> Option<Vec<u8>> {
                    let failure = self.failure.borrow();
                    self.handshake.borrow().refusal(failure.as_ref()?)
                }
            }

            impl Guest for super::Component {
                type ClientHandshake = ClientResource;
                type ServerHandshake = ServerResource;

                fn hixie76_answer(key1: String, key2: String, key3: Vec<u8>) -> Result<Vec<u8>, WitError> {
                    let key3: [u8; 8] = wit_result(key3.as_slice().try_into().map_err(|_| {
                        ProtocolError::from(UsageError::InvalidValue {
                            what: "key3 (expected 8 bytes)",
                            got: format!("{} bytes", key3.len()),
                        })
                    }))?;
                    wit_result(hixie76_answer(&key1, &key2, &key3).map_err(ProtocolError::from)).map(|a| a.to_vec())
                }

                fn rfc6455_accept(key: String) -> String {
                    websocket_engine::rfc6455_accept(&key)
                }
            }
        }
    };
}
