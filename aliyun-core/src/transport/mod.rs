//! HTTP transport: a small trait the client sends requests through, so tests can capture
//! requests without a socket, and the default implementation on reqwest (rustls).
//!
//! CONTRACT: `HttpTransport`, `HttpRequest`, `HttpResponse` and `TransportError` are used by the
//! client and by credential providers (metadata service, STS).

use std::fmt;

use bytes::Bytes;
use futures_util::future::BoxFuture;

mod reqwest;

pub use self::reqwest::{ProxyConfig, ReqwestTransport, ReqwestTransportBuilder};

/// A request ready to go on the wire.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: http::Method,
    /// The full URL, query string included.
    pub url: String,
    /// Headers to send.
    pub headers: http::HeaderMap,
    /// The body (empty for query-only requests).
    pub body: Bytes,
}

impl fmt::Debug for HttpRequest {
    // The query string carries the signature and the security token: never print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let without_query = self.url.split('?').next().unwrap_or_default();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &format_args!("{without_query}?…"))
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// A response as read from the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: http::HeaderMap,
    /// The body, at most the configured size.
    pub body: Bytes,
}

/// What went wrong while sending a request or reading its response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be opened (DNS, refused, TLS handshake, connect timeout): the
    /// request was certainly not sent.
    Connect,
    /// The transport's own time limit passed.
    Timeout,
    /// The connection failed after the request may have been sent (reset, closed early).
    Io,
    /// The response body was larger than the configured cap.
    BodyTooLarge,
    /// Anything else (an invalid URL, a builder error).
    Other,
}

/// A transport failure.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    /// The kind of failure.
    pub kind: TransportErrorKind,
    /// Whether the request may have been (partly) sent.
    pub request_sent: bool,
    /// A description with no URL query (no signature, no token).
    pub message: String,
    /// The underlying error.
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// Sends HTTP requests. Implemented on reqwest by default; tests substitute their own.
pub trait HttpTransport: Send + Sync + fmt::Debug {
    /// Sends `request` and reads the whole response.
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>>;
}

impl TransportError {
    /// An error of `kind` described by `message` (which must hold no URL query, secret or
    /// token).
    pub fn new(kind: TransportErrorKind, request_sent: bool, message: impl Into<String>) -> Self {
        TransportError {
            kind,
            request_sent,
            message: message.into(),
            source: None,
        }
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// The response head and the start of a body that was larger than the cap, when the
    /// transport recorded them (as the source of a [`TransportErrorKind::BodyTooLarge`] error).
    pub fn body_too_large(&self) -> Option<&BodyTooLarge> {
        self.source.as_ref()?.downcast_ref::<BodyTooLarge>()
    }
}

/// Details of a response whose body passed the size cap: enough to report the status, the
/// request id and a snippet. Attach it as the source of a [`TransportErrorKind::BodyTooLarge`]
/// error.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the response body (HTTP {status}) is larger than the {limit}-byte cap")]
pub struct BodyTooLarge {
    /// The response status.
    pub status: u16,
    /// The response headers.
    pub headers: http::HeaderMap,
    /// The first bytes of the body (at most [`crate::error::BODY_SNIPPET_LIMIT`]).
    pub head: Bytes,
    /// The cap, in bytes.
    pub limit: usize,
}
