//! Test support: a transport that records every request and answers canned responses, a
//! ready-made test configuration, the runners of every action's table of test cases
//! ([`cases`]) and a deterministic fuzzer of response decoding ([`fuzz`]). Generated product
//! tests use these to assert on what would go on the wire, without a socket, and to fuzz every
//! action's response path.
//!
//! ```
//! use aliyun_core::testing::{test_config, CaptureTransport};
//!
//! let transport = CaptureTransport::new();
//! transport.push_response(400, r#"{"Code":"Throttling.User","Message":"slow down"}"#);
//! let config = test_config(transport.clone());
//! assert_eq!(config.region(), Some("cn-hangzhou"));
//! assert!(transport.requests().is_empty());
//! ```

pub mod cases;
pub mod fuzz;
pub mod support;

#[doc(hidden)]
pub use crate::action_under_test;
pub use cases::{
    ActionUnderTest, Parts, RequestCase, ResponseCase, Sent, expect_field, run_fuzz,
    run_fuzz_free_form, run_requests, run_responses,
};
pub use fuzz::{fuzz_response_decoding, fuzz_response_decoding_free_form};

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::BoxFuture;

use crate::config::Config;
use crate::credentials::Credentials;
use crate::retry::RetryPolicy;
use crate::transport::{
    HttpRequest, HttpResponse, HttpTransport, TransportError, TransportErrorKind,
};

/// The body [`CaptureTransport::new`] answers with.
pub const DEFAULT_RESPONSE_BODY: &str = r#"{"RequestId":"00000000-0000-4000-8000-000000000000"}"#;

/// The parameters every RPC request carries that are not the action's own (the V1 layout's
/// list, the one list of them).
pub use crate::layout::v1::COMMON_PARAMS;

/// A transport that records requests and answers canned responses: queued ones first (in
/// order), then the responder if one is set, then the default answer. Clones share their state,
/// so keep one clone to inspect after handing the other to a config.
#[derive(Clone)]
pub struct CaptureTransport {
    state: Arc<Mutex<State>>,
}

type Responder = Arc<dyn Fn(&CapturedRequest) -> CannedReply + Send + Sync>;

struct State {
    requests: Vec<CapturedRequest>,
    queue: VecDeque<CannedReply>,
    responder: Option<Responder>,
    default: CannedReply,
}

impl CaptureTransport {
    /// Answers every request `200 {"RequestId":"00000000-0000-4000-8000-000000000000"}`.
    pub fn new() -> Self {
        CaptureTransport::responding(200, DEFAULT_RESPONSE_BODY)
    }

    /// Answers every request with `status` and `body`.
    pub fn responding(status: u16, body: impl Into<Bytes>) -> Self {
        CaptureTransport::from_state(State {
            requests: Vec::new(),
            queue: VecDeque::new(),
            responder: None,
            default: CannedReply::response(status, body),
        })
    }

    /// Answers each request (after the queued replies) with what `responder` returns for it:
    /// for behaviour that depends on the request, such as a server whose clock is off.
    pub fn respond_with(
        responder: impl Fn(&CapturedRequest) -> CannedReply + Send + Sync + 'static,
    ) -> Self {
        let transport = CaptureTransport::new();
        transport.lock().responder = Some(Arc::new(responder));
        transport
    }

    fn from_state(state: State) -> Self {
        CaptureTransport {
            state: Arc::new(Mutex::new(state)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock left consistent data behind.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues one answer, used before the default.
    pub fn push_response(&self, status: u16, body: impl Into<Bytes>) {
        self.push(CannedReply::response(status, body));
    }

    /// Queues any reply: a response with headers, a delayed one, a transport error, or no
    /// answer at all.
    pub fn push(&self, reply: CannedReply) {
        self.lock().queue.push_back(reply);
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<CapturedRequest> {
        self.lock().requests.clone()
    }

    /// The last request received.
    pub fn last_request(&self) -> Option<CapturedRequest> {
        self.lock().requests.last().cloned()
    }

    /// How many requests were received so far (cheaper than `requests().len()`).
    pub fn request_count(&self) -> usize {
        self.lock().requests.len()
    }
}

impl Default for CaptureTransport {
    fn default() -> Self {
        CaptureTransport::new()
    }
}

impl fmt::Debug for CaptureTransport {
    // Requests carry signatures and tokens in their query: show counts only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("CaptureTransport")
            .field("requests", &state.requests.len())
            .field("queued", &state.queue.len())
            .finish_non_exhaustive()
    }
}

impl HttpTransport for CaptureTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        let captured = CapturedRequest {
            method: request.method.as_str().to_owned(),
            url: request.url,
            headers: request.headers,
            body: request.body,
        };
        let reply = {
            let mut state = self.lock();
            let reply = match state.queue.pop_front() {
                Some(reply) => reply,
                None => match state.responder.clone() {
                    Some(responder) => {
                        drop(state);
                        let reply = responder(&captured);
                        state = self.lock();
                        reply
                    }
                    None => state.default.clone(),
                },
            };
            state.requests.push(captured);
            reply
        };
        Box::pin(reply.deliver())
    }
}

/// One canned answer of a [`CaptureTransport`].
#[derive(Debug, Clone)]
pub struct CannedReply {
    outcome: Outcome,
    delay: Option<Duration>,
}

#[derive(Debug, Clone)]
enum Outcome {
    Response(HttpResponse),
    Error {
        kind: TransportErrorKind,
        request_sent: bool,
    },
    Hang,
}

impl CannedReply {
    /// A response with `status` and `body` (JSON content type).
    pub fn response(status: u16, body: impl Into<Bytes>) -> Self {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json;charset=utf-8"),
        );
        CannedReply {
            outcome: Outcome::Response(HttpResponse {
                status,
                headers,
                body: body.into(),
            }),
            delay: None,
        }
    }

    /// A transport failure of `kind`; `request_sent` says whether the request may have left.
    pub fn transport_error(kind: TransportErrorKind, request_sent: bool) -> Self {
        CannedReply {
            outcome: Outcome::Error { kind, request_sent },
            delay: None,
        }
    }

    /// No answer, ever (for timeouts; use a paused tokio clock).
    pub fn hang() -> Self {
        CannedReply {
            outcome: Outcome::Hang,
            delay: None,
        }
    }

    /// Adds a response header (ignored for errors). Invalid names or values are skipped.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let Outcome::Response(response) = &mut self.outcome {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_str(value),
            ) {
                response.headers.insert(name, value);
            }
        }
        self
    }

    /// Answers only after `delay` (a tokio sleep, so a paused clock skips it).
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    async fn deliver(self) -> Result<HttpResponse, TransportError> {
        if let Some(delay) = self.delay {
            tokio::time::sleep(delay).await;
        }
        match self.outcome {
            Outcome::Response(response) => Ok(response),
            Outcome::Error { kind, request_sent } => Err(TransportError::new(
                kind,
                request_sent,
                format!("injected {kind:?} failure"),
            )),
            Outcome::Hang => std::future::pending().await,
        }
    }
}

/// A request as the transport received it.
#[derive(Clone, PartialEq, Eq)]
pub struct CapturedRequest {
    /// The method (`GET`, `POST`).
    pub method: String,
    /// The full URL, query included.
    pub url: String,
    /// The headers.
    pub headers: http::HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl CapturedRequest {
    /// Every parameter, percent-decoded, in order: the query string's, then a form body's.
    pub fn params(&self) -> Vec<(String, String)> {
        let mut params = Vec::new();
        if let Some((_, query)) = self.url.split_once('?') {
            decode_pairs(query, &mut params);
        }
        let is_form = self
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if is_form {
            decode_pairs(&String::from_utf8_lossy(&self.body), &mut params);
        }
        params
    }

    /// The value of the first parameter called `name`.
    pub fn param(&self, name: &str) -> Option<String> {
        self.params()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// The action's own parameters: every parameter except the common ones
    /// ([`COMMON_PARAMS`]).
    pub fn action_params(&self) -> BTreeMap<String, String> {
        self.params()
            .into_iter()
            .filter(|(name, _)| !COMMON_PARAMS.contains(&name.as_str()))
            .collect()
    }

    /// Asserts that the request used `method` and carried exactly the action parameters
    /// `expected` (common parameters aside), in any order.
    #[track_caller]
    pub fn assert_sent(&self, method: &str, expected: &[(&str, &str)]) {
        assert_eq!(self.method, method, "HTTP method");
        let expected: BTreeMap<String, String> = expected
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        assert_eq!(self.action_params(), expected, "action parameters");
    }

    /// The URL without its query string.
    pub fn url_without_query(&self) -> &str {
        self.url.split('?').next().unwrap_or_default()
    }
}

impl fmt::Debug for CapturedRequest {
    // The query and some headers carry the signature and the security token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CapturedRequest")
            .field("method", &self.method)
            .field("url", &format_args!("{}?…", self.url_without_query()))
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body_len", &self.body.len())
            .finish()
    }
}

fn decode_pairs(text: &str, out: &mut Vec<(String, String)>) {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        out.push((decode(name), decode(value)));
    }
}

/// Asserts that `error` is an invalid-input error naming `parameter` (its wire name).
#[track_caller]
pub fn assert_invalid_input(error: crate::Error, parameter: &str) {
    match error {
        crate::Error::InvalidInput(invalid) => {
            assert_eq!(invalid.parameter(), parameter, "{invalid}")
        }
        other => panic!("expected invalid input naming `{parameter}`, got {other:?}"),
    }
}

/// A config for tests: AccessKey `testid` / `testsecret`, region `cn-hangzhou`, retries
/// disabled, requests answered by `transport`.
pub fn test_config(transport: CaptureTransport) -> Config {
    Config::builder()
        .region("cn-hangzhou")
        .credentials_provider(Credentials::new("testid", "testsecret"))
        .retry_policy(RetryPolicy::disabled())
        .transport(transport)
        .build()
        // Fixed, valid settings with a given transport: nothing here can fail.
        .expect("the test configuration is valid")
}
