//! A transport that hands the SDK's requests straight to the emulator's router, in the
//! caller's task, with no socket: the same pipeline (routing, signatures, validation, faults,
//! the world, the log) without the network. With nothing waiting on I/O, a paused tokio clock
//! only moves when every task waits for a timer, so tests of polling workflows run in
//! virtual time, deterministically.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use aliyun_core::HttpTransport;
use aliyun_core::transport::{HttpRequest, HttpResponse, TransportError, TransportErrorKind};
use axum::Router;
use axum::body::Body as AxumBody;
use http::{HeaderValue, header};
use tower::ServiceExt;

use crate::pipeline::CloseConnection;
use crate::state::Shared;

/// Largest response body read (the emulator's biggest, a huge-body fault, is far below).
const MAX_RESPONSE_BYTES: usize = 512 * 1024 * 1024;

/// An [`HttpTransport`] into an emulator without a socket. Made by
/// [`Emulator::in_process_transport`](crate::Emulator::in_process_transport).
#[derive(Clone)]
pub struct InProcessTransport {
    router: Router,
    shared: Arc<Shared>,
}

impl InProcessTransport {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        InProcessTransport {
            router: crate::server::router(Arc::clone(&shared)),
            shared,
        }
    }

    async fn answer(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let uri: http::Uri = request.url.parse().map_err(|_| {
            TransportError::new(TransportErrorKind::Other, false, "invalid request URL")
        })?;
        let host = uri.authority().map(|a| a.as_str().to_owned());
        let mut builder = http::Request::builder().method(request.method).uri(uri);
        if let Some(headers) = builder.headers_mut() {
            *headers = request.headers;
            if let Some(host) = host.and_then(|h| HeaderValue::from_str(&h).ok()) {
                headers.entry(header::HOST).or_insert(host);
            }
        }
        let http_request = builder.body(AxumBody::from(request.body)).map_err(|e| {
            TransportError::new(TransportErrorKind::Other, false, "invalid request").with_source(e)
        })?;
        let response = match self.router.clone().oneshot(http_request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        if response.extensions().get::<CloseConnection>().is_some() {
            return Err(TransportError::new(
                TransportErrorKind::Io,
                true,
                "the connection closed without a response",
            ));
        }
        let (mut parts, body) = response.into_parts();
        if let Ok(date) = HeaderValue::from_str(&self.shared.clock.http_date()) {
            parts.headers.insert(header::DATE, date);
        }
        let body = axum::body::to_bytes(body, MAX_RESPONSE_BYTES)
            .await
            .map_err(|e| {
                TransportError::new(TransportErrorKind::Io, true, "unreadable response body")
                    .with_source(e)
            })?;
        Ok(HttpResponse {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        })
    }
}

impl fmt::Debug for InProcessTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InProcessTransport").finish_non_exhaustive()
    }
}

impl HttpTransport for InProcessTransport {
    fn send(
        &self,
        request: HttpRequest,
    ) -> Pin<Box<dyn Future<Output = Result<HttpResponse, TransportError>> + Send + '_>> {
        Box::pin(self.answer(request))
    }
}
