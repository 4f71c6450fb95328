//! The call executor every generated action goes through.
//!
//! One call: validate the input (nothing is sent if it is invalid) → write its wire parameters
//! once → per attempt: credentials (cheap when cached) → common parameters, fresh nonce and
//! timestamp (corrected by the learned clock offset) → sign (V1 or V3) → send under the read
//! timeout and the call deadline → classify the response → decode the output, or let the
//! retry policy decide whether to try again.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::header::{ACCEPT, CONTENT_TYPE, DATE, USER_AGENT};
use http::{HeaderMap, HeaderValue};
use tokio::time::Instant;
use tracing::Instrument;

use crate::action::{
    Action, ActionMetadata, HttpMethod, ParamLocation, ProductMetadata, SignatureVersion,
};
use crate::config::{Config, ConfigInner};
use crate::credentials::Credentials;
use crate::endpoint::{Endpoint, warn_if_insecure};
use crate::error::{
    CallRecord, ConfigError, DispatchError, Error, ResponseError, ServiceError, TimeoutError,
    TimeoutKind,
};
use crate::layout;
use crate::params::Params;
use crate::response::{self, ResponseClass};
use crate::retry::{self, AttemptContext, FailureClass, RetryDecision, classify_transport_error};
use crate::signer::{self, v1, v3};
use crate::transport::{HttpRequest, HttpResponse, TransportError, TransportErrorKind};

/// A client for one product, built from a [`Config`]. Cheap to clone; clones share the
/// configuration, the connection pool and the resolved endpoint.
///
/// Generated product clients wrap one of these and call [`ProductClient::call`] with each
/// action's input.
#[derive(Clone)]
pub struct ProductClient {
    inner: Arc<ClientInner>,
}

struct ClientInner {
    config: Config,
    product: &'static ProductMetadata,
    /// Resolved once: a bad endpoint override fails every call with the same config error.
    target: Result<Target, ConfigError>,
}

/// Everything about where requests go that does not change between calls.
struct Target {
    endpoint: Endpoint,
    /// `scheme://authority/`, to which `?query` is appended.
    base_url: String,
    /// User agent and accept, for every request.
    headers: HeaderMap,
    /// The same plus the form content type.
    form_headers: HeaderMap,
}

impl ProductClient {
    /// A client for `product` using `config`. The endpoint is chosen here, once: the config's
    /// override for this product (explicit, then `ALIBABA_CLOUD_ENDPOINT_URL_<ENV_ID>`, then
    /// the override for all products), else the product's rule for the config's region (its
    /// central endpoint without a region).
    pub fn new(config: &Config, product: &'static ProductMetadata) -> Self {
        let target = resolve_target(&config.inner, product);
        match &target {
            Ok(target) => warn_if_insecure(&target.endpoint),
            Err(error) => tracing::warn!(
                product = product.code,
                %error,
                "endpoint cannot be resolved; every call will fail"
            ),
        }
        ProductClient {
            inner: Arc::new(ClientInner {
                config: config.clone(),
                product,
                target,
            }),
        }
    }

    /// The configured region.
    pub fn region(&self) -> Option<&str> {
        self.inner.config.region()
    }

    /// The product this client calls.
    pub fn product(&self) -> &'static ProductMetadata {
        self.inner.product
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The endpoint requests go to, or why none could be chosen.
    pub fn endpoint(&self) -> Result<&Endpoint, &ConfigError> {
        self.inner.target.as_ref().map(|t| &t.endpoint)
    }

    /// Validates, signs and sends `input`, retrying per the config's policy, and decodes the
    /// output.
    ///
    /// Errors: [`Error::InvalidInput`] before anything is sent; [`Error::Config`] for an
    /// unusable endpoint; [`Error::Credentials`]; [`Error::Timeout`] and [`Error::Dispatch`]
    /// (check [`Error::may_have_taken_effect`] before repeating a write);
    /// [`Error::Response`] for a body that cannot be read; [`Error::Service`] for an error
    /// code. [`Error::attempts`] tells how many attempts were made.
    pub async fn call<O: Action>(&self, input: &O) -> Result<O::Output, Error> {
        let span = self.call_span(O::METADATA.action);
        async {
            input.validate()?;
            let mut params = Params::with_capacity(8);
            input.write_params(&mut params);
            // Filled once per call, outside the retry loop: every attempt carries the same
            // token, so the service can recognise a retry.
            if let Some(name) = O::CLIENT_TOKEN
                && params.get(name).is_none()
            {
                params.push_raw(name, crate::workflow::new_client_token());
            }
            let mut call = CallSpec::of(&O::METADATA, self.inner.product.version);
            call.locations = O::PARAM_LOCATIONS;
            let success = self.execute(&call, &params).await?;
            success.decode::<O::Output>(call.action)
        }
        .instrument(span)
        .await
    }

    /// Sends `action` with `params` as they are, for actions no spec describes yet: the same
    /// signing, retries and error mapping as [`call`](Self::call), with the JSON body returned
    /// untyped. Made by [`UntypedCall::send`](crate::UntypedCall::send).
    pub(crate) async fn call_untyped(
        &self,
        call: &CallSpec<'_>,
        params: &Params,
    ) -> Result<serde_json::Value, Error> {
        let span = self.call_span(call.action);
        async {
            let success = self.execute(call, params).await?;
            success.decode::<serde_json::Value>(call.action)
        }
        .instrument(span)
        .await
    }

    /// The span of one call (typed or untyped): product, action, region, and the attempts made.
    fn call_span(&self, action: &str) -> tracing::Span {
        tracing::debug_span!(
            "aliyun_call",
            product = self.inner.product.code,
            action,
            region = self.region().unwrap_or("(central)"),
            attempts = tracing::field::Empty,
        )
    }

    /// The retry loop. Not generic over the action, so it is compiled once for every action of
    /// every product crate; the caller decodes the successful body.
    async fn execute(&self, call: &CallSpec<'_>, params: &Params) -> Result<Success, Error> {
        let target = self.inner.target.as_ref().map_err(|e| e.clone())?;
        let config = &*self.inner.config.inner;

        let deadline = config.call_timeout.map(|t| Instant::now() + t);
        let mut attempts = 0;
        let mut clock_skew_retry_available = config.clock_skew_correction;
        let mut may_have_taken_effect = false;
        loop {
            attempts += 1;
            let span = tracing::debug_span!(
                "attempt",
                attempt = attempts,
                request_id = tracing::field::Empty
            );
            let result = self
                .attempt(call, target, params, deadline)
                .instrument(span)
                .await;
            let failure = match result {
                Ok(response) => {
                    tracing::Span::current().record("attempts", attempts);
                    return Ok(Success {
                        response,
                        attempts,
                        may_have_taken_effect,
                    });
                }
                Err(failure) => failure,
            };
            may_have_taken_effect |= failure.may_have_taken_effect;
            let context = AttemptContext {
                attempts_made: attempts,
                idempotent: call.metadata.idempotent,
                clock_skew_retry_available,
            };
            let decision = retry::decide(
                &config.retry_policy,
                failure.class,
                &context,
                fastrand::f64(),
            );
            let delay = match decision {
                RetryDecision::Retry { delay }
                    if deadline.is_some_and(|d| Instant::now() + delay >= d) =>
                {
                    tracing::debug!(
                        error = %failure.error,
                        "not retrying: the backoff would pass the call deadline"
                    );
                    None
                }
                RetryDecision::Retry { delay } => Some(delay),
                RetryDecision::Stop(reason) => {
                    tracing::debug!(%reason, error = %failure.error, "not retrying");
                    None
                }
            };
            let Some(delay) = delay else {
                tracing::Span::current().record("attempts", attempts);
                let mut error = *failure.error;
                error.record_call(CallRecord {
                    attempts,
                    may_have_taken_effect,
                });
                return Err(error);
            };
            if failure.class == FailureClass::ClockSkew {
                clock_skew_retry_available = false;
            }
            tracing::debug!(
                attempt = attempts,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                error = %failure.error,
                "retrying"
            );
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
        }
    }

    /// One attempt: fresh credentials, nonce and timestamp, then send and read.
    async fn attempt(
        &self,
        call: &CallSpec<'_>,
        target: &Target,
        params: &Params,
        deadline: Option<Instant>,
    ) -> Result<HttpResponse, Failure> {
        let config = &*self.inner.config.inner;
        let deadline_error = |sent: bool| {
            Failure::permanent(Error::Timeout(TimeoutError {
                kind: TimeoutKind::Call,
                elapsed: config.call_timeout.unwrap_or_default(),
                call: CallRecord::SINGLE,
            }))
            .taken_effect_if(sent)
        };

        let credentials = config.credentials.provide_credentials();
        let credentials = match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, credentials)
                .await
                .map_err(|_| deadline_error(false))?,
            None => credentials.await,
        }
        .map_err(|e| Failure::permanent(Error::Credentials(e)))?;

        let (request, signed) = self.build_request(call, target, params, &credentials)?;
        tracing::trace!(
            method = %request.method,
            endpoint = %target.endpoint,
            body_bytes = request.body.len(),
            "sending request"
        );

        let read_deadline = Instant::now() + config.read_timeout;
        let (limit, limit_is_deadline) = match deadline {
            Some(deadline) if deadline < read_deadline => (deadline, true),
            _ => (read_deadline, false),
        };
        let response = match tokio::time::timeout_at(limit, config.transport.send(request)).await {
            Ok(Ok(response)) => response,
            Ok(Err(error)) => return Err(transport_failure(error, config)),
            // The request may be on the wire or already processed: only idempotent actions
            // are sent again.
            Err(_) if limit_is_deadline => return Err(deadline_error(true)),
            Err(_) => {
                return Err(Failure::new(
                    Error::Timeout(TimeoutError {
                        kind: TimeoutKind::Read,
                        elapsed: config.read_timeout,
                        call: CallRecord::SINGLE,
                    }),
                    FailureClass::MaybeSent,
                ));
            }
        };
        tracing::trace!(
            status = response.status,
            body_bytes = response.body.len(),
            "received response"
        );
        self.read_response(call, response, &signed)
    }

    /// Adds the common parameters, signs, and lays the request out as the action wants it.
    fn build_request(
        &self,
        call: &CallSpec<'_>,
        target: &Target,
        params: &Params,
        credentials: &Credentials,
    ) -> Result<(HttpRequest, LocalSignature), Failure> {
        let config = &*self.inner.config.inner;
        let mut nonce = [0u8; signer::NONCE_LEN];
        let action = call.metadata;
        let unsigned = layout::Unsigned {
            method: action.method.as_str(),
            action: call.action,
            version: call.version,
            params,
            placement: layout::Placement::new(
                action.method == HttpMethod::Post,
                action.param_location,
                call.locations,
                params,
            ),
            credentials,
            timestamp: config.clock.now(),
            nonce: signer::write_nonce(&mut nonce),
        };
        let endpoint = layout::EndpointParts {
            base_url: &target.base_url,
            authority: target.endpoint.authority(),
            headers: &target.headers,
            form_headers: &target.form_headers,
        };
        let (laid_out, signed) = match self.inner.product.signature {
            SignatureVersion::V3 => {
                let (laid_out, signed) = layout::v3::lay_out(&unsigned, &endpoint)
                    .map_err(|e| Failure::permanent(Error::Config(e)))?;
                (laid_out, LocalSignature::V3(signed))
            }
            // V1, and any future scheme this executor does not know yet.
            _ => {
                let (laid_out, signed) = layout::v1::lay_out(&unsigned, &endpoint);
                (laid_out, LocalSignature::V1(signed))
            }
        };
        let request = HttpRequest {
            method: match action.method {
                HttpMethod::Get => http::Method::GET,
                _ => http::Method::POST,
            },
            url: laid_out.url,
            headers: laid_out.headers,
            body: laid_out.body.into(),
        };
        Ok((request, signed))
    }

    /// Classifies the response: a success is returned for the caller to decode, an error is
    /// built with its retry class.
    fn read_response(
        &self,
        call: &CallSpec<'_>,
        response: HttpResponse,
        signed: &LocalSignature,
    ) -> Result<HttpResponse, Failure> {
        let config = &*self.inner.config.inner;
        let action = call.metadata;
        // Custom transports may not enforce the cap; the reqwest one stops reading at it.
        if response.body.len() > config.max_response_body_size {
            let error = ResponseError::new(
                response.status,
                &response.body,
                format!(
                    "the body ({} bytes) is larger than the {}-byte cap",
                    response.body.len(),
                    config.max_response_body_size
                ),
            )
            .with_request_id(response::request_id_header(&response.headers));
            return Err(Failure::permanent(Error::Response(error)));
        }

        let class = response::classify(
            response.status,
            &response.headers,
            &response.body,
            self.inner.product.error_style,
            action,
        );
        match class {
            ResponseClass::Success => Ok(response),
            ResponseClass::Unreadable(error) => {
                record_request_id(error.request_id());
                let class = error.failure_class();
                Err(Failure::new(Error::Response(error), class))
            }
            ResponseClass::Service(error) => {
                record_request_id(error.request_id());
                Err(self.service_failure(error, &response.headers, signed))
            }
        }
    }

    /// Adds the signature diagnosis and clock-skew handling to a service error. The error's
    /// class was decided when it was made; a refused timestamp is only sent again when this
    /// response taught the clock its offset.
    fn service_failure(
        &self,
        mut error: ServiceError,
        headers: &HeaderMap,
        signed: &LocalSignature,
    ) -> Failure {
        let config = &*self.inner.config.inner;
        let mut class = error.failure_class();
        if error.code() == "SignatureDoesNotMatch" {
            let diagnosis = response::diagnose_signature(error.message(), &signed.strings());
            error = error.with_signature_diagnosis(Some(diagnosis));
        } else if class == FailureClass::ClockSkew {
            let server_time = headers.get(DATE).and_then(crate::clock::parse_http_date);
            let learned = match server_time {
                Some(server_time) if config.clock_skew_correction => {
                    let offset = config.clock.learn(server_time, config.clock.local_now());
                    tracing::debug!(
                        offset_ms = offset,
                        "learned the clock offset from the service"
                    );
                    true
                }
                Some(server_time) => {
                    let offset = crate::clock::offset_millis(server_time, config.clock.local_now());
                    error =
                        error.with_clock_skew(Some(Duration::from_millis(offset.unsigned_abs())));
                    false
                }
                None => false,
            };
            if !learned {
                // Sending it again would be refused the same way.
                class = FailureClass::Permanent;
            }
        }
        Failure::new(Error::Service(error), class)
    }
}

impl fmt::Debug for ProductClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProductClient")
            .field("product", &self.inner.product.code)
            .field("version", &self.inner.product.version)
            .field("region", &self.region())
            .field("endpoint", &self.endpoint())
            .finish_non_exhaustive()
    }
}

/// What the executor needs to know about one call's action: the generated metadata, or that of
/// an untyped call, whose action name and version are not `'static`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CallSpec<'a> {
    /// Method, parameter placement, idempotency and documented errors.
    pub(crate) metadata: &'a ActionMetadata,
    /// The action sent (for generated actions, `metadata.action`).
    pub(crate) action: &'a str,
    /// The API version sent.
    pub(crate) version: &'a str,
    /// Parameters placed elsewhere than `metadata.param_location` says.
    pub(crate) locations: &'a [(&'a str, ParamLocation)],
}

impl<'a> CallSpec<'a> {
    /// A generated action of the client's product at its version.
    pub(crate) fn of(metadata: &'a ActionMetadata, version: &'a str) -> Self {
        CallSpec {
            metadata,
            action: metadata.action,
            version,
            locations: &[],
        }
    }
}

/// A successful response, with what the error of a body that fails to decode must still say.
struct Success {
    response: HttpResponse,
    attempts: u32,
    may_have_taken_effect: bool,
}

impl Success {
    /// Decodes the body. A body that does not decode is a permanent error: the action
    /// succeeded, so retrying could repeat it.
    // The caller returns this `Error` as it is: boxing it here would only move the allocation.
    #[allow(clippy::result_large_err)]
    fn decode<T: serde::de::DeserializeOwned>(self, action: &str) -> Result<T, Error> {
        let HttpResponse {
            status,
            headers,
            body,
        } = self.response;
        response::decode_output::<T>(status, &headers, &body, action).map_err(|error| {
            record_request_id(error.request_id());
            Error::Response(error.with_call(CallRecord {
                attempts: self.attempts,
                may_have_taken_effect: self.may_have_taken_effect,
            }))
        })
    }
}

/// A failed attempt: the error to report, how the retry policy should see it, and whether the
/// attempt may have taken effect (the call's record is the union over its attempts).
///
/// The error is boxed: failures are the rare path, and a small `Result` keeps the success path
/// cheap to move around.
struct Failure {
    error: Box<Error>,
    class: FailureClass,
    may_have_taken_effect: bool,
}

impl Failure {
    fn new(error: Error, class: FailureClass) -> Self {
        Failure {
            error: Box::new(error),
            class,
            may_have_taken_effect: class.may_have_taken_effect(),
        }
    }

    fn permanent(error: Error) -> Self {
        Failure::new(error, FailureClass::Permanent)
    }

    /// Also marks the attempt as possibly effective when `sent` (a request that left, whatever
    /// its retry class).
    fn taken_effect_if(mut self, sent: bool) -> Self {
        self.may_have_taken_effect |= sent;
        self
    }
}

/// What was signed locally, kept to diagnose `SignatureDoesNotMatch`.
// Kept whole (not copied out) until the response is read: the strings are only needed when
// the service answers `SignatureDoesNotMatch`.
enum LocalSignature {
    V1(v1::SignedV1),
    V3(v3::SignedV3),
}

impl LocalSignature {
    fn strings(&self) -> Vec<&str> {
        match self {
            LocalSignature::V1(signed) => vec![signed.string_to_sign()],
            LocalSignature::V3(signed) => {
                vec![signed.string_to_sign(), signed.canonical_request()]
            }
        }
    }
}

fn record_request_id(request_id: Option<&str>) {
    if let Some(id) = request_id {
        tracing::Span::current().record("request_id", id);
    }
}

/// Chooses the endpoint and prebuilds what every request to it shares.
fn resolve_target(
    config: &ConfigInner,
    product: &'static ProductMetadata,
) -> Result<Target, ConfigError> {
    let endpoint = match config.endpoints.for_product(product.env_id)? {
        Some(endpoint) => endpoint,
        None => {
            Endpoint::https(&product.endpoints.host_for(config.region.as_deref())).map_err(|e| {
                ConfigError::new(format!(
                    "the endpoint rules of {} give no usable host: {}",
                    product.code,
                    e.message()
                ))
            })?
        }
    };
    let mut base_url = String::with_capacity(endpoint.url().len() + 1);
    base_url.push_str(endpoint.url());
    base_url.push('/');
    let mut headers = HeaderMap::with_capacity(4);
    headers.insert(USER_AGENT, config.user_agent.clone());
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    let mut form_headers = headers.clone();
    form_headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(layout::FORM_CONTENT_TYPE),
    );
    Ok(Target {
        endpoint,
        base_url,
        headers,
        form_headers,
    })
}

/// Maps a transport failure to the error, its retry class, and whether it may have taken
/// effect: a request that left may have been processed unless the connection never opened; an
/// oversized answer is judged by its status (see `ResponseError::may_have_taken_effect`).
fn transport_failure(error: TransportError, config: &ConfigInner) -> Failure {
    let class = classify_transport_error(error.kind, error.request_sent);
    let sent = error.request_sent;
    let (error, may_have_taken_effect) = match error.kind {
        TransportErrorKind::BodyTooLarge => match error.body_too_large() {
            Some(details) => (
                Error::Response(
                    ResponseError::new(
                        details.status,
                        &details.head,
                        format!("the body is larger than the {}-byte cap", details.limit),
                    )
                    .with_request_id(response::request_id_header(&details.headers)),
                ),
                false,
            ),
            None => (dispatch_error(error), sent),
        },
        TransportErrorKind::Timeout => (
            Error::Timeout(TimeoutError {
                kind: if sent {
                    TimeoutKind::Read
                } else {
                    TimeoutKind::Connect
                },
                elapsed: if sent {
                    config.read_timeout
                } else {
                    config.connect_timeout
                },
                call: CallRecord::SINGLE,
            }),
            sent,
        ),
        TransportErrorKind::Connect => (dispatch_error(error), false),
        _ => (dispatch_error(error), sent),
    };
    Failure::new(error, class).taken_effect_if(may_have_taken_effect)
}

fn dispatch_error(error: TransportError) -> Error {
    Error::Dispatch(DispatchError {
        message: error.message,
        call: CallRecord::SINGLE,
        source: error.source,
    })
}
