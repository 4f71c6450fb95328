//! The default transport: reqwest over rustls (ring provider, webpki roots), so no OpenSSL or
//! system certificate store is needed.
//!
//! One [`ReqwestTransport`] holds one connection pool; a [`Config`](crate::Config) builds one
//! and every product client built from that config shares it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::future::BoxFuture;

use super::{
    BodyTooLarge, HttpRequest, HttpResponse, HttpTransport, TransportError, TransportErrorKind,
};
use crate::endpoint::redact_userinfo;
use crate::env::Environment;
use crate::error::{BODY_SNIPPET_LIMIT, ConfigError};

/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default cap on a response body: far above any RPC answer, far below what could hurt.
pub const DEFAULT_MAX_BODY_SIZE: usize = 8 * 1024 * 1024;

/// Hosts never sent through a proxy: loopback (a proxy cannot reach the caller's own loopback,
/// where the local emulator listens) and the ECS metadata service (reachable only from the
/// instance itself, so credentials from it would fail behind a proxy).
const ALWAYS_DIRECT: &str = "localhost,127.0.0.0/8,::1,100.100.100.200";

/// Which HTTP proxy requests go through.
///
/// Loopback hosts (`localhost`, `127.0.0.0/8`, `::1`) and the ECS metadata service
/// (`100.100.100.200`) never go through a proxy, whatever `NO_PROXY` says (Go's standard
/// library does the same for loopback): a proxy cannot reach either.
///
/// ```
/// use aliyun_core::env::Environment;
/// use aliyun_core::transport::ProxyConfig;
///
/// let env = Environment::fake([("HTTPS_PROXY", "http://user:pw@proxy:3128"), ("NO_PROXY", ".internal")]);
/// let proxy = ProxyConfig::from_environment(&env);
/// assert_eq!(proxy.https_proxy(), Some("http://user:pw@proxy:3128"));
/// assert!(!format!("{proxy:?}").contains("pw"));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    http: Option<String>,
    https: Option<String>,
    no_proxy: Option<String>,
}

impl ProxyConfig {
    /// No proxy.
    pub fn none() -> Self {
        ProxyConfig::default()
    }

    /// One proxy for `http` and `https` requests alike.
    pub fn all(url: impl Into<String>) -> Self {
        let url = url.into();
        ProxyConfig {
            http: Some(url.clone()),
            https: Some(url),
            no_proxy: None,
        }
    }

    /// The standard variables: `HTTPS_PROXY` for https requests, `HTTP_PROXY` for http ones,
    /// `ALL_PROXY` for either when the specific one is unset (each also lowercase), and
    /// `NO_PROXY` / `no_proxy` for hosts that bypass the proxy.
    pub fn from_environment(env: &Environment) -> Self {
        let all = env.first_var(&["ALL_PROXY", "all_proxy"]).map(|(_, v)| v);
        ProxyConfig {
            http: env
                .first_var(&["HTTP_PROXY", "http_proxy"])
                .map(|(_, v)| v)
                .or_else(|| all.clone()),
            https: env
                .first_var(&["HTTPS_PROXY", "https_proxy"])
                .map(|(_, v)| v)
                .or(all),
            no_proxy: env.first_var(&["NO_PROXY", "no_proxy"]).map(|(_, v)| v),
        }
    }

    /// Sets the hosts that bypass the proxy (the `NO_PROXY` syntax: comma-separated domains,
    /// IPs and CIDR ranges, `*` for all).
    pub fn with_no_proxy(mut self, list: impl Into<String>) -> Self {
        self.no_proxy = Some(list.into());
        self
    }

    /// The proxy for `http://` requests.
    pub fn http_proxy(&self) -> Option<&str> {
        self.http.as_deref()
    }

    /// The proxy for `https://` requests.
    pub fn https_proxy(&self) -> Option<&str> {
        self.https.as_deref()
    }

    /// The hosts that bypass the proxy.
    pub fn no_proxy(&self) -> Option<&str> {
        self.no_proxy.as_deref()
    }

    /// Whether no proxy is configured.
    pub fn is_none(&self) -> bool {
        self.http.is_none() && self.https.is_none()
    }

    fn apply(
        &self,
        mut builder: ::reqwest::ClientBuilder,
    ) -> Result<::reqwest::ClientBuilder, ConfigError> {
        // Our own settings replace reqwest's, which would read the process environment behind
        // the injected `Environment`'s back.
        builder = builder.no_proxy();
        let bypass = match &self.no_proxy {
            Some(list) => format!("{list},{ALWAYS_DIRECT}"),
            None => ALWAYS_DIRECT.to_owned(),
        };
        type MakeProxy = fn(&str) -> ::reqwest::Result<::reqwest::Proxy>;
        let entries: [(Option<&str>, MakeProxy); 2] = [
            (self.http.as_deref(), |url| ::reqwest::Proxy::http(url)),
            (self.https.as_deref(), |url| ::reqwest::Proxy::https(url)),
        ];
        for (url, make) in entries {
            let Some(url) = url else { continue };
            let proxy = make(url).map_err(|_| {
                ConfigError::new(format!("proxy URL {:?} is invalid", redact_userinfo(url)))
            })?;
            builder = builder.proxy(proxy.no_proxy(::reqwest::NoProxy::from_string(&bypass)));
        }
        Ok(builder)
    }
}

impl fmt::Debug for ProxyConfig {
    // Proxy URLs may carry a password in their user info.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyConfig")
            .field("http", &self.http.as_deref().map(redact_userinfo))
            .field("https", &self.https.as_deref().map(redact_userinfo))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

/// The default [`HttpTransport`]: reqwest with rustls, a connect timeout, and a cap on response
/// bodies. Cheap to clone (the pool is shared).
#[derive(Clone)]
pub struct ReqwestTransport {
    client: ::reqwest::Client,
    max_body_size: usize,
}

impl ReqwestTransport {
    /// A transport with the default settings and no proxy.
    pub fn new() -> Result<Self, ConfigError> {
        ReqwestTransport::builder().build()
    }

    /// A builder.
    pub fn builder() -> ReqwestTransportBuilder {
        ReqwestTransportBuilder::default()
    }

    /// The cap on response bodies, in bytes.
    pub fn max_body_size(&self) -> usize {
        self.max_body_size
    }
}

impl fmt::Debug for ReqwestTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReqwestTransport")
            .field("max_body_size", &self.max_body_size)
            .finish_non_exhaustive()
    }
}

/// Builds a [`ReqwestTransport`].
#[derive(Debug, Clone)]
pub struct ReqwestTransportBuilder {
    connect_timeout: Duration,
    max_body_size: usize,
    proxy: ProxyConfig,
    user_agent: Option<String>,
}

impl Default for ReqwestTransportBuilder {
    fn default() -> Self {
        ReqwestTransportBuilder {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            proxy: ProxyConfig::none(),
            user_agent: None,
        }
    }
}

impl ReqwestTransportBuilder {
    /// Sets the time allowed to open a connection (TCP and TLS).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the cap on response bodies, in bytes.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// Sets the proxy.
    pub fn proxy(mut self, proxy: ProxyConfig) -> Self {
        self.proxy = proxy;
        self
    }

    /// Sets the `User-Agent` sent when a request has none.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Builds the transport (and its TLS configuration and connection pool).
    pub fn build(self) -> Result<ReqwestTransport, ConfigError> {
        let mut builder = ::reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .connect_timeout(self.connect_timeout)
            // Alibaba Cloud RPC endpoints never redirect; following one would re-send a signed
            // request somewhere it was not signed for.
            .redirect(::reqwest::redirect::Policy::none())
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(60));
        if let Some(user_agent) = &self.user_agent {
            builder = builder.user_agent(user_agent.as_str());
        }
        builder = self.proxy.apply(builder)?;
        let client = builder.build().map_err(|e| {
            ConfigError::new(format!("cannot build the HTTP client: {}", chain(&e)))
        })?;
        Ok(ReqwestTransport {
            client,
            max_body_size: self.max_body_size,
        })
    }
}

/// rustls with the ring provider and the Mozilla roots from `webpki-roots`.
fn tls_config() -> Result<rustls::ClientConfig, ConfigError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError::new(format!("cannot configure TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

impl HttpTransport for ReqwestTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let HttpRequest {
                method,
                url,
                headers,
                body,
            } = request;
            let response = self
                .client
                .request(method, url.as_str())
                .headers(headers)
                .body(body)
                .send()
                .await
                .map_err(send_error)?;
            read_capped(response, self.max_body_size).await
        })
    }
}

/// Reads the body chunk by chunk and stops as soon as it passes `limit`.
async fn read_capped(
    mut response: ::reqwest::Response,
    limit: usize,
) -> Result<HttpResponse, TransportError> {
    let status = response.status().as_u16();
    let headers = std::mem::take(response.headers_mut());
    let declared = response.content_length();
    let too_large = |head: &[u8], headers: http::HeaderMap| {
        let head = Bytes::copy_from_slice(&head[..head.len().min(BODY_SNIPPET_LIMIT)]);
        let details = BodyTooLarge {
            status,
            headers,
            head,
            limit,
        };
        TransportError::new(TransportErrorKind::BodyTooLarge, true, details.to_string())
            .with_source(details)
    };
    // Most answers arrive in one chunk: keep it without copying; only a second chunk starts a
    // buffer.
    let mut first: Option<Bytes> = None;
    let mut buffer: Option<BytesMut> = None;
    loop {
        let chunk = match response.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(e) => return Err(body_error(e)),
        };
        let received = buffer
            .as_ref()
            .map_or_else(|| first.as_ref().map_or(0, Bytes::len), BytesMut::len);
        if received + chunk.len() > limit || declared.is_some_and(|d| d > limit as u64) {
            let mut head = buffer
                .map(BytesMut::freeze)
                .or(first)
                .unwrap_or_default()
                .to_vec();
            head.extend_from_slice(&chunk[..chunk.len().min(BODY_SNIPPET_LIMIT)]);
            return Err(too_large(&head, headers));
        }
        match (&mut buffer, first.take()) {
            (Some(buffer), _) => buffer.extend_from_slice(&chunk),
            (None, None) => first = Some(chunk),
            (None, Some(previous)) => {
                let capacity = declared.map_or(previous.len() + chunk.len(), |d| d as usize);
                let mut started = BytesMut::with_capacity(capacity.min(limit));
                started.extend_from_slice(&previous);
                started.extend_from_slice(&chunk);
                buffer = Some(started);
            }
        }
    }
    let body = buffer.map(BytesMut::freeze).or(first).unwrap_or_default();
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

fn send_error(error: ::reqwest::Error) -> TransportError {
    // `without_url`: reqwest's message would otherwise carry the URL, query (signature, token)
    // included.
    let error = error.without_url();
    let (kind, sent, what) = if error.is_connect() {
        let kind = if error.is_timeout() {
            TransportErrorKind::Timeout
        } else {
            TransportErrorKind::Connect
        };
        (kind, false, "could not connect")
    } else if error.is_builder() {
        (TransportErrorKind::Other, false, "invalid request")
    } else if error.is_timeout() {
        (TransportErrorKind::Timeout, true, "timed out")
    } else {
        // Anything after the connection opened (reset, closed early): the request may have
        // been written, in part or whole.
        (TransportErrorKind::Io, true, "connection failed")
    };
    TransportError::new(kind, sent, format!("{what}: {}", chain(&error))).with_source(error)
}

fn body_error(error: ::reqwest::Error) -> TransportError {
    let error = error.without_url();
    let kind = if error.is_timeout() {
        TransportErrorKind::Timeout
    } else {
        TransportErrorKind::Io
    };
    TransportError::new(
        kind,
        true,
        format!("reading the response body failed: {}", chain(&error)),
    )
    .with_source(error)
}

/// An error and its sources as one line (hyper's details are in the sources).
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let inner_text = inner.to_string();
        if !text.contains(&inner_text) {
            text.push_str(": ");
            text.push_str(&inner_text);
        }
        source = inner.source();
    }
    text
}
