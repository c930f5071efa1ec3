//! The proxy the environment names for a URL, as curl and Python
//! `websockets` read it.

use super::Proxy;
use crate::error::ProxyError;
use crate::WsUrl;

impl Proxy {
    /// The proxy the process environment names for `target`, if any:
    /// `https_proxy` for `wss`, `http_proxy` for `ws`, else `all_proxy`
    /// (each lowercase first, then uppercase; empty values are unset),
    /// unless `no_proxy` (or `NO_PROXY`) lists the target's host.
    ///
    /// `no_proxy` is a comma-separated list: `*` (every host), or host
    /// names and addresses, each matching itself and, for names, every
    /// subdomain (a leading dot changes nothing), optionally with `:port`.
    pub fn from_env(target: &WsUrl) -> Result<Option<Proxy>, ProxyError> {
        Proxy::from_env_with(target, |name| std::env::var(name).ok())
    }

    /// [`Proxy::from_env`] with the variables looked up by `var`.
    pub fn from_env_with(
        target: &WsUrl,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Proxy>, ProxyError> {
        Proxy::url_from_env_with(target, var)
            .map(|url| Proxy::parse(&url))
            .transpose()
    }

    /// The proxy URL, credentials and all, that the process environment
    /// names for `target` (as [`Proxy::from_env`] chooses it), unparsed: for
    /// a host to hand on to a component it runs.
    pub fn url_from_env(target: &WsUrl) -> Option<String> {
        Proxy::url_from_env_with(target, |name| std::env::var(name).ok())
    }

    fn url_from_env_with(target: &WsUrl, var: impl Fn(&str) -> Option<String>) -> Option<String> {
        let lookup = |name: &str| {
            [name.to_owned(), name.to_ascii_uppercase()]
                .into_iter()
                .filter_map(|name| var(&name))
                .find(|value| !value.trim().is_empty())
        };
        if lookup("no_proxy").is_some_and(|list| bypasses(&list, target.host(), target.port())) {
            return None;
        }
        let specific = if target.is_secure() {
            "https_proxy"
        } else {
            "http_proxy"
        };
        lookup(specific)
            .or_else(|| lookup("all_proxy"))
            .map(|url| url.trim().to_owned())
    }
}

/// True when the `no_proxy` list names `host` (lowercase, IPv6 in
/// brackets) on `port`.
fn bypasses(list: &str, host: &str, port: u16) -> bool {
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            // A port follows the last colon, unless that colon is inside an
            // unbracketed IPv6 address.
            let (name, entry_port) = match entry.rsplit_once(':') {
                Some((name, p)) if !name.contains(':') || name.ends_with(']') => match p.parse::<u16>() {
                    Ok(p) => (name, Some(p)),
                    Err(_) => (entry, None),
                },
                _ => (entry, None),
            };
            if entry_port.is_some_and(|p| p != port) {
                return false;
            }
            let name = crate::url::unbracket(name.trim_start_matches('.'));
            let host = crate::url::unbracket(host);
            let name = name.to_ascii_lowercase();
            host == name
                || host
                    .strip_suffix(name.as_str())
                    .is_some_and(|rest| rest.ends_with('.'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::ProxyScheme;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    fn proxy_for(url: &str, vars: &[(&str, &str)]) -> Option<String> {
        let target = WsUrl::parse(url).unwrap();
        Proxy::from_env_with(&target, env(vars))
            .unwrap()
            .map(|p| p.to_string())
    }

    #[test]
    fn the_scheme_picks_the_variable_and_all_proxy_is_the_fallback() {
        let vars = [("https_proxy", "http://tls:1"), ("HTTP_PROXY", "http://plain:2")];
        assert_eq!(proxy_for("wss://a/", &vars).as_deref(), Some("http://tls:1"));
        assert_eq!(proxy_for("ws://a/", &vars).as_deref(), Some("http://plain:2"));
        let vars = [("ALL_PROXY", "socks5://u:p@all"), ("http_proxy", " ")];
        assert_eq!(
            proxy_for("ws://a/", &vars).as_deref(),
            Some("socks5://u:***@all:1080")
        );
        assert_eq!(proxy_for("ws://a/", &[]), None);
    }

    #[test]
    fn no_proxy_matches_hosts_subdomains_ports_and_star() {
        let list = "localhost, .internal.example,10.0.0.1:8080,[::1]";
        assert!(bypasses(list, "localhost", 80));
        assert!(bypasses(list, "internal.example", 80));
        assert!(bypasses(list, "a.internal.example", 443));
        assert!(!bypasses(list, "xinternal.example", 443));
        assert!(bypasses(list, "10.0.0.1", 8080));
        assert!(!bypasses(list, "10.0.0.1", 80));
        assert!(bypasses(list, "[::1]", 9001));
        assert!(bypasses("::1", "[::1]", 9001));
        assert!(bypasses("*", "anything", 1));
        let vars = [("no_proxy", "example.com"), ("http_proxy", "http://p")];
        assert_eq!(proxy_for("ws://www.example.com/", &vars), None);
        assert_eq!(
            proxy_for("ws://example.org/", &vars).as_deref(),
            Some("http://p:80")
        );
    }

    #[test]
    fn a_bad_proxy_in_the_environment_is_the_callers_error() {
        let target = WsUrl::parse("ws://a/").unwrap();
        let e = Proxy::from_env_with(&target, env(&[("http_proxy", "ftp://x")])).unwrap_err();
        assert_eq!(e.code(), "proxy-url");
        assert_eq!(Proxy::parse("socks5h://h").unwrap().scheme(), ProxyScheme::Socks5);
    }
}
