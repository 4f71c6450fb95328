//! Endpoints: parsing user-given endpoint URLs and choosing a product's endpoint for a region.
//!
//! An endpoint is a scheme and an authority (`https://ecs.cn-shanghai.aliyuncs.com`,
//! `http://127.0.0.1:8080`): RPC requests always go to path `/`. A bare host means `https://`.

use std::collections::HashSet;
use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock};

use crate::error::ConfigError;

/// A parsed endpoint: scheme and authority, no path.
///
/// ```
/// use aliyun_core::endpoint::Endpoint;
///
/// let e = Endpoint::parse("ecs.cn-shanghai.aliyuncs.com").unwrap();
/// assert_eq!(e.url(), "https://ecs.cn-shanghai.aliyuncs.com");
/// let local = Endpoint::parse("http://127.0.0.1:8080/").unwrap();
/// assert_eq!(local.authority(), "127.0.0.1:8080");
/// assert!(local.is_loopback() && !local.is_https());
/// assert!(Endpoint::parse("ftp://example.com").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// `scheme://authority`, no trailing slash.
    url: Arc<str>,
    /// Where the authority starts in `url`.
    authority_start: usize,
    https: bool,
}

impl Endpoint {
    /// Parses an endpoint URL: `https://host[:port]`, `http://host[:port]`, or a bare
    /// `host[:port]` (meaning `https`). A trailing `/` is allowed; any other path, a query, a
    /// fragment or user info is refused.
    pub fn parse(text: &str) -> Result<Endpoint, ConfigError> {
        let text = text.trim();
        let invalid = |why: &str| {
            ConfigError::new(format!(
                "endpoint URL {:?} is invalid: {why}",
                redact_userinfo(text)
            ))
        };
        let (https, rest) = if let Some(rest) = strip_prefix_ignore_case(text, "https://") {
            (true, rest)
        } else if let Some(rest) = strip_prefix_ignore_case(text, "http://") {
            (false, rest)
        } else if text.contains("://") {
            return Err(invalid("the scheme must be http or https"));
        } else {
            (true, text)
        };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.is_empty() {
            return Err(invalid("it has no host"));
        }
        if authority.contains('@') {
            return Err(invalid("user info is not allowed"));
        }
        if authority.contains(['/', '?', '#']) {
            return Err(invalid(
                "a path, query or fragment is not allowed (requests go to `/`)",
            ));
        }
        // Let `http` check the host and port syntax (brackets for IPv6, a numeric port, no
        // spaces or control characters).
        let parsed: http::uri::Authority = authority
            .parse()
            .map_err(|_| invalid("the host or port is malformed"))?;
        if parsed.host().is_empty() {
            return Err(invalid("it has no host"));
        }
        // `Authority` accepts any port text; only a number is a port.
        let port_text = authority[authority.rfind(']').unwrap_or(0)..]
            .rsplit_once(':')
            .map(|(_, port)| port);
        if port_text.is_some_and(|port| port.parse::<u16>().is_err()) {
            return Err(invalid("the host or port is malformed"));
        }
        let scheme = if https { "https://" } else { "http://" };
        let url: Arc<str> = format!("{scheme}{}", authority.to_ascii_lowercase()).into();
        Ok(Endpoint {
            url,
            authority_start: scheme.len(),
            https,
        })
    }

    /// The `https` endpoint of `host` (from the endpoint rules).
    pub fn https(host: &str) -> Result<Endpoint, ConfigError> {
        if host.contains("://") {
            return Err(ConfigError::new(format!(
                "endpoint host {host:?} must not include a scheme"
            )));
        }
        Endpoint::parse(host)
    }

    /// `scheme://authority`, without a trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `host[:port]`, as sent in the `Host` header.
    pub fn authority(&self) -> &str {
        &self.url[self.authority_start..]
    }

    /// The host, without port or IPv6 brackets.
    pub fn host(&self) -> &str {
        let authority = self.authority();
        if let Some(rest) = authority.strip_prefix('[') {
            return rest.split(']').next().unwrap_or(rest);
        }
        authority.split(':').next().unwrap_or(authority)
    }

    /// Whether the scheme is `https`.
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// Whether the host is `localhost` or a loopback address (where plain `http` is fine: the
    /// local emulator).
    pub fn is_loopback(&self) -> bool {
        let host = self.host();
        host == "localhost"
            || host.ends_with(".localhost")
            || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Endpoint({})", self.url)
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// `text` with anything between `://` and `@` hidden, for error messages (a URL with user info
/// may carry a password).
pub(crate) fn redact_userinfo(text: &str) -> String {
    let start = text.find("://").map_or(0, |i| i + 3);
    match text[start..].find('@') {
        Some(at) => format!("{}***{}", &text[..start], &text[start + at..]),
        None => text.to_owned(),
    }
}

/// Whether `region` can stand in a host name: letters, digits and `-`, not empty.
pub(crate) fn is_valid_region(region: &str) -> bool {
    !region.is_empty()
        && region.len() <= 63
        && region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Logs a warning the first time a plain `http://` endpoint to a host other than loopback is
/// used in this process: requests there travel unencrypted (their signatures cannot be replayed
/// after 15 minutes, but parameters and responses are readable).
pub(crate) fn warn_if_insecure(endpoint: &Endpoint) {
    if endpoint.is_https() || endpoint.is_loopback() {
        return;
    }
    static WARNED: OnceLock<Mutex<HashSet<Arc<str>>>> = OnceLock::new();
    let first = WARNED
        .get_or_init(Default::default)
        .lock()
        .map(|mut warned| warned.insert(endpoint.url.clone()))
        .unwrap_or(false);
    if first {
        tracing::warn!(
            endpoint = %endpoint,
            "plain http endpoint to a non-loopback host: requests and responses travel unencrypted"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_http_https_and_bare_hosts() {
        let e = Endpoint::parse("HTTPS://Ecs.Aliyuncs.com/").unwrap();
        assert_eq!(e.url(), "https://ecs.aliyuncs.com");
        assert_eq!(e.host(), "ecs.aliyuncs.com");
        assert!(e.is_https() && !e.is_loopback());

        let e = Endpoint::parse("http://localhost:9000").unwrap();
        assert_eq!(e.authority(), "localhost:9000");
        assert_eq!(e.host(), "localhost");
        assert!(e.is_loopback());

        let e = Endpoint::parse("http://[::1]:8080").unwrap();
        assert_eq!(e.host(), "::1");
        assert!(e.is_loopback());

        let e = Endpoint::parse("metrics.cn-hangzhou.aliyuncs.com:443").unwrap();
        assert_eq!(e.url(), "https://metrics.cn-hangzhou.aliyuncs.com:443");
    }

    #[test]
    fn refuses_bad_urls_with_a_reason_and_no_password() {
        for (text, why) in [
            ("", "no host"),
            ("https://", "no host"),
            ("ftp://x.com", "scheme"),
            ("https://x.com/api", "path"),
            ("https://x.com?a=b", "path"),
            ("https://x.com:notaport", "malformed"),
            ("https://ex ample.com", "malformed"),
            ("https://user:hunter2@x.com", "user info"),
        ] {
            let err = Endpoint::parse(text).unwrap_err().to_string();
            assert!(err.contains(why), "{text}: {err}");
            assert!(!err.contains("hunter2"), "{err}");
        }
        assert!(Endpoint::https("https://x.com").is_err());
    }

    #[test]
    fn regions_must_fit_in_a_host_name() {
        assert!(is_valid_region("cn-hangzhou"));
        assert!(is_valid_region("xx-new-9"));
        assert!(!is_valid_region(""));
        assert!(!is_valid_region("cn hangzhou"));
        assert!(!is_valid_region("evil.com/x"));
    }
}
