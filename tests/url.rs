//! `ws`/`wss` URL rules.

use websocket_engine::{UrlError, WsUrl};

#[test]
fn parts_ports_and_locations() {
    let u = WsUrl::parse("ws://example.com").unwrap();
    assert_eq!((u.host(), u.port(), u.resource()), ("example.com", 80, "/"));
    assert_eq!(u.host_header(), "example.com");
    assert_eq!(u.location(), "ws://example.com/");
    let u = WsUrl::parse("wss://EXAMPLE.com:443/a/b?q=1&r").unwrap();
    assert_eq!((u.is_secure(), u.port(), u.resource()), (true, 443, "/a/b?q=1&r"));
    assert_eq!(u.location(), "wss://example.com/a/b?q=1&r");
    assert_eq!(u.default_origin(), "https://example.com");
    let u = WsUrl::parse("ws://example.com:443/?").unwrap();
    assert_eq!(u.host_header(), "example.com:443");
    assert_eq!(u.resource(), "/?");
    let u = WsUrl::parse("wss://h:80/").unwrap();
    assert_eq!(u.location(), "wss://h:80/");
    let u = WsUrl::parse("ws://[::1]:9001/x").unwrap();
    assert_eq!(
        (u.host(), u.host_header(), u.socket_addr()),
        ("[::1]", "[::1]:9001".to_string(), "[::1]:9001".to_string())
    );
}

#[test]
fn idna_hosts_become_ascii() {
    let u = WsUrl::parse("ws://BÜCHER.example/").unwrap();
    assert_eq!(u.host(), "xn--bcher-kva.example");
    assert_eq!(u.location(), "ws://xn--bcher-kva.example/");
}

#[test]
fn invalid_urls_are_refused_with_the_rule_they_break() {
    assert_eq!(WsUrl::parse("ws://h/#frag"), Err(UrlError::Fragment));
    assert_eq!(WsUrl::parse("ws://h/#"), Err(UrlError::Fragment));
    assert_eq!(
        WsUrl::parse("http://h/"),
        Err(UrlError::Scheme {
            scheme: "http".into()
        })
    );
    assert_eq!(WsUrl::parse("ws://h/a b"), Err(UrlError::Whitespace));
    assert_eq!(WsUrl::parse(" ws://h/"), Err(UrlError::Whitespace));
    assert_eq!(WsUrl::parse("ws://u:p@h/"), Err(UrlError::Credentials));
    assert!(matches!(
        WsUrl::parse("ws://"),
        Err(UrlError::Syntax { .. } | UrlError::MissingHost)
    ));
    assert!(matches!(WsUrl::parse("not a url"), Err(UrlError::Whitespace)));
    assert!(matches!(WsUrl::parse("nourl"), Err(UrlError::Syntax { .. })));
    assert!(matches!(
        WsUrl::parse("ws://exa mple/"),
        Err(UrlError::Whitespace)
    ));
}
