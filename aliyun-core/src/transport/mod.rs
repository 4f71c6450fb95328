//! HTTP transport: a small trait the client sends requests through, so tests can capture
//! requests without a socket, and the default implementation on reqwest (rustls).
//!
//! CONTRACT: `HttpTransport`, `HttpRequest`, `HttpResponse` and `TransportError` are used by the
//! client and by credential providers (metadata service, STS).

use std::fmt;

use bytes::Bytes;
use futures_util::future::BoxFuture;

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
