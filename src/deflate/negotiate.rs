//! The `Sec-WebSocket-Extensions` exchange of permessage-deflate (RFC 7692
//! section 7.1): a server picks the first offer it can accept, a client
//! checks the answer against what it offered.

use super::config::DeflateConfig;
use super::DeflateParams;
use crate::error::HandshakeError;

/// The name of the extension.
const NAME: &str = "permessage-deflate";

/// One offer's or answer's parameters, as written.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Written {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<u8>,
    /// `Some(None)`: present without a value.
    client_max_window_bits: Option<Option<u8>>,
}

/// Splits one extension of a `Sec-WebSocket-Extensions` list into its
/// name and the parameters of permessage-deflate, or `None` when it is
/// another extension. `Err` when its parameters break section 7.1: an
/// unknown or repeated one, or a bad value.
fn parse(item: &str) -> Option<Result<Written, String>> {
    let mut parts = item.split(';').map(str::trim);
    if !parts.next()?.eq_ignore_ascii_case(NAME) {
        return None;
    }
    let mut w = Written::default();
    for part in parts {
        let (name, value) = match part.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim().trim_matches('"'))),
            None => (part, None),
        };
        let bits = |v: Option<&str>| -> Result<u8, String> {
            v.filter(|v| v.len() <= 2 && v.bytes().all(|b| b.is_ascii_digit()) && !v.starts_with('0'))
                .and_then(|v| v.parse().ok())
                .filter(|b| (8..=15).contains(b))
                .ok_or_else(|| format!("{name} needs a value from 8 to 15"))
        };
        let fresh = match name.to_ascii_lowercase().as_str() {
            "server_no_context_takeover" if value.is_none() => {
                !std::mem::replace(&mut w.server_no_context_takeover, true)
            }
            "client_no_context_takeover" if value.is_none() => {
                !std::mem::replace(&mut w.client_no_context_takeover, true)
            }
            "server_max_window_bits" => w
                .server_max_window_bits
                .replace(match bits(value) {
                    Ok(b) => b,
                    Err(e) => return Some(Err(e)),
                })
                .is_none(),
            "client_max_window_bits" => {
                let b = match value {
                    None => None,
                    v => match bits(v) {
                        Ok(b) => Some(b),
                        Err(e) => return Some(Err(e)),
                    },
                };
                w.client_max_window_bits.replace(b).is_none()
            }
            _ => return Some(Err(format!("unknown parameter {part:?}"))),
        };
        if !fresh {
            return Some(Err(format!("{name} appears twice")));
        }
    }
    Some(Ok(w))
}

/// The server's side: the first offer in `offers` (the request's
/// extensions, in order) that `config` can accept, as the parameters in
/// force and the response's `Sec-WebSocket-Extensions` value. Offers with
/// bad parameters are declined, as section 7.1 says.
pub(crate) fn accept(offers: &[impl AsRef<str>], config: &DeflateConfig) -> Option<(DeflateParams, String)> {
    offers
        .iter()
        .filter_map(|item| parse(item.as_ref())?.ok())
        .map(|offer| answer(&offer, config))
        .next()
}

fn answer(offer: &Written, config: &DeflateConfig) -> (DeflateParams, String) {
    let server_bits = config
        .server_window()
        .min(offer.server_max_window_bits.unwrap_or(15));
    let client_bits = match offer.client_max_window_bits {
        // The client may use any window: it did not say it can use less.
        None => 15,
        Some(offered) => config.client_window().min(offered.unwrap_or(15)),
    };
    let params = DeflateParams {
        server_no_context_takeover: offer.server_no_context_takeover || config.server_no_context_takeover,
        client_no_context_takeover: offer.client_no_context_takeover || config.client_no_context_takeover,
        server_max_window_bits: server_bits,
        client_max_window_bits: client_bits,
    };
    let mut response = String::from(NAME);
    if params.server_no_context_takeover {
        response.push_str("; server_no_context_takeover");
    }
    if params.client_no_context_takeover {
        response.push_str("; client_no_context_takeover");
    }
    // Only an offer that names it may be answered with it (section
    // 7.1.2.1); without it the server still keeps to its own limit.
    if offer.server_max_window_bits.is_some() {
        response.push_str(&format!("; server_max_window_bits={server_bits}"));
    }
    if offer.client_max_window_bits.is_some() && client_bits < 15 {
        response.push_str(&format!("; client_max_window_bits={client_bits}"));
    }
    (params, response)
}

/// The client's side: what the server's `Sec-WebSocket-Extensions`
/// (`answers`, the list's items) put in force, given the `offers` sent.
/// `None` when the server declined them all.
pub(crate) fn confirm(
    answers: &[impl AsRef<str>],
    offers: &[DeflateConfig],
) -> Result<Option<DeflateParams>, HandshakeError> {
    let refuse = |reason: String| HandshakeError::ExtensionNotOffered { got: reason };
    let mut found = None;
    for item in answers {
        let item = item.as_ref();
        let answer = match parse(item) {
            None => return Err(refuse(item.to_owned())),
            Some(Err(e)) => return Err(refuse(format!("{item} ({e})"))),
            Some(Ok(_)) if offers.is_empty() || found.is_some() => return Err(refuse(item.to_owned())),
            Some(Ok(answer)) => answer,
        };
        let client_bits = match answer.client_max_window_bits {
            Some(None) => return Err(refuse(format!("{item} (client_max_window_bits needs a value)"))),
            Some(Some(bits)) => bits,
            None => 15,
        };
        let ours = &offers[0];
        found = Some(DeflateParams {
            server_no_context_takeover: answer.server_no_context_takeover,
            client_no_context_takeover: answer.client_no_context_takeover || ours.client_no_context_takeover,
            server_max_window_bits: answer.server_max_window_bits.unwrap_or(15),
            client_max_window_bits: client_bits.min(ours.client_window()),
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_browser_offer_is_accepted_with_the_servers_windows() {
        let (params, response) = accept(
            &list(&["permessage-deflate; client_max_window_bits"]),
            &DeflateConfig::default(),
        )
        .unwrap();
        assert_eq!(response, "permessage-deflate; client_max_window_bits=12");
        assert_eq!(
            (params.server_max_window_bits, params.client_max_window_bits),
            (12, 12)
        );
    }

    #[test]
    fn the_first_acceptable_offer_wins_and_bad_ones_are_declined() {
        let offers = list(&[
            "permessage-deflate; server_max_window_bits=16",
            "x-webkit-deflate-frame",
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=9",
            "permessage-deflate",
        ]);
        let (params, response) = accept(&offers, &DeflateConfig::default()).unwrap();
        assert_eq!(
            response,
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=9"
        );
        assert!(params.server_no_context_takeover);
        assert_eq!(params.client_max_window_bits, 15);
        for bad in [
            "permessage-deflate; client_max_window_bits=7",
            "permessage-deflate; client_max_window_bits=08",
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
            "permessage-deflate; mystery",
        ] {
            assert_eq!(accept(&list(&[bad]), &DeflateConfig::default()), None, "{bad}");
        }
    }

    #[test]
    fn quoted_values_count_as_their_token() {
        let offers = list(&["permessage-deflate; client_max_window_bits=\"10\""]);
        let (params, _) = accept(&offers, &DeflateConfig::default()).unwrap();
        assert_eq!(params.client_max_window_bits, 10);
    }

    #[test]
    fn a_client_checks_the_answer() {
        let offers = [DeflateConfig::default()];
        let ok = confirm(&list(&["permessage-deflate; client_max_window_bits=9"]), &offers).unwrap();
        assert_eq!(ok.map(|p| p.client_max_window_bits), Some(9));
        assert_eq!(confirm(&[] as &[&str], &offers).unwrap(), None);
        for bad in [
            "permessage-deflate; client_max_window_bits",
            "permessage-deflate; mystery",
            "x-webkit-deflate-frame",
        ] {
            assert!(confirm(&list(&[bad]), &offers).is_err(), "{bad}");
        }
        let twice = list(&["permessage-deflate", "permessage-deflate"]);
        assert!(confirm(&twice, &offers).is_err());
        assert!(confirm(&list(&["permessage-deflate"]), &[]).is_err());
    }
}
