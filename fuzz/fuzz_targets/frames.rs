//! Shared by the frame-decoder targets: decoding arbitrary bytes whole and in
//! chunks (size from the first byte) must give the same frames and error,
//! whether the decoder lends its buffers (`decode`, the whole pass) or
//! hands them over (`decode_owned`, the chunked pass).

use websocket_engine::framing::{hixie, rfc6455, Utf8Policy};
use websocket_engine::Status;
use websocket_engine::{DeflateParams, FrameError, Limits, Role, Version};

/// The decoder of a version; for RFC 6455 the policy bit picks the role.
enum Decoder {
    Hixie(hixie::Decoder),
    Rfc6455(rfc6455::Decoder),
}

fn decode(
    version: Version,
    policy: Utf8Policy,
    deflate: Option<&DeflateParams>,
    bytes: &[u8],
    chunk: usize,
    owned: bool,
) -> (Vec<String>, Option<FrameError>) {
    let mut limits = Limits::default();
    limits.max_message_bytes = 4096;
    limits.max_frame_bytes = 4096;
    let mut decoder = match version {
        Version::Rfc6455 => {
            let role = if policy == Utf8Policy::Strict {
                Role::Server
            } else {
                Role::Client
            };
            let decoder = rfc6455::Decoder::new(role, &limits);
            Decoder::Rfc6455(match deflate {
                Some(params) => decoder.with_deflate(params),
                None => decoder,
            })
        }
        _ => Decoder::Hixie(hixie::Decoder::new(version, policy, &limits)),
    };
    let mut frames = Vec::new();
    for mut piece in bytes.chunks(chunk) {
        loop {
            let decoded = match (&mut decoder, owned) {
                (Decoder::Hixie(d), false) => d.decode(piece),
                (Decoder::Hixie(d), true) => d.decode_owned(piece),
                (Decoder::Rfc6455(d), false) => d.decode(piece),
                (Decoder::Rfc6455(d), true) => d.decode_owned(piece),
            };
            match decoded {
                Ok(Status::Partial) => break,
                Ok(Status::Complete { value: frame, consumed }) => {
                    assert!(consumed > 0 && consumed <= piece.len());
                    frames.push(format!("{frame:?}"));
                    piece = &piece[consumed..];
                }
                Err(e) => return (frames, Some(e)),
            }
        }
    }
    (frames, None)
}

#[allow(dead_code)]
pub fn check(version: Version, data: &[u8]) {
    check_with(version, None, data);
}

/// As [`check`], for an RFC 6455 decoder reading permessage-deflate with
/// the parameters the next byte picks: the window (9 to 15 bits) and
/// whether the peer resets it after each message.
#[allow(dead_code)]
pub fn check_deflate(data: &[u8]) {
    let Some((&bits, data)) = data.split_first() else {
        return;
    };
    let params = DeflateParams {
        server_no_context_takeover: bits & 0x10 != 0,
        client_no_context_takeover: bits & 0x20 != 0,
        server_max_window_bits: 9 + (bits & 0x07).min(6),
        client_max_window_bits: 9 + (bits & 0x07).min(6),
    };
    check_with(Version::Rfc6455, Some(&params), data);
}

fn check_with(version: Version, deflate: Option<&DeflateParams>, data: &[u8]) {
    let Some((&control, data)) = data.split_first() else {
        return;
    };
    let policy = if control & 1 == 0 {
        Utf8Policy::Strict
    } else {
        Utf8Policy::Replace
    };
    let chunk = usize::from(control >> 1).max(1);
    assert_eq!(
        decode(version, policy, deflate, data, data.len().max(1), false),
        decode(version, policy, deflate, data, chunk, true)
    );
}
