//! The RPC pipeline every non-admin request goes through:
//!
//! read (capped) → decode → route by `Version`/`Action` (V3: `x-acs-*` headers) → authenticate
//! → validate parameters → faults (before) → modelled action or spec example → faults (after)
//! → render → log.

use std::sync::Arc;

use axum::body::Body as AxumBody;
use axum::extract::{Request, State};
use axum::response::Response;
use http::{HeaderValue, StatusCode, header};
use serde_json::{Map, Value};

use crate::auth::{self, Authenticator, SignatureVersion};
use crate::behaviour::{self, Context};
use crate::error::ApiError;
use crate::faults::{FaultKind, Phase, RequestFacts};
use crate::log::{AnswerSource, LoggedRequest, Stage, Verdict};
use crate::params;
use crate::render::{self, Body, Format};
use crate::request::{self, Incoming, MAX_BODY_BYTES};
use crate::state::{Shared, lock};

/// The response header saying where an answer came from: `world` (a modelled action) or
/// `example` (the spec's canned example body).
pub const ANSWER_SOURCE_HEADER: &str = "x-emulator-answer";

/// Marks a response as "close the connection instead of answering": the pipeline decides it,
/// the server's connection loop carries it out.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CloseConnection;

/// What the pipeline decided to send.
enum Answer {
    Body(Body),
    Close,
}

/// The log entry being filled in as the request goes through the pipeline.
struct Draft {
    entry: LoggedRequest,
}

impl Draft {
    fn new(shared: &Shared, method: &str, path: &str) -> Self {
        Draft {
            entry: LoggedRequest {
                seq: shared.next_seq(),
                time: crate::clock::rfc3339(shared.clock.now()),
                method: method.to_owned(),
                path: path.to_owned(),
                product: None,
                version: None,
                action: None,
                access_key_id: None,
                signature_version: None,
                nonce: None,
                params: Default::default(),
                status: None,
                request_id: None,
                verdict: Verdict::Ok,
                refused_at: None,
                faults: Vec::new(),
                answered_from: None,
            },
        }
    }
}

/// Everything known about a request once routed, for rendering answers.
struct Route<'a> {
    format: Format,
    action: Option<&'a str>,
    product: Option<&'a str>,
    /// The product answers errors in the envelope style (HTTP 200, `"Success": false`).
    envelope: bool,
    host_id: String,
}

pub(crate) async fn rpc(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let mut draft = Draft::new(&shared, parts.method.as_str(), parts.uri.path());
    let request_id = uuid::Uuid::new_v4().to_string().to_ascii_uppercase();
    draft.entry.request_id = Some(request_id.clone());
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned();
    let route = Route {
        format: Format::Json,
        action: None,
        product: None,
        envelope: false,
        host_id: host,
    };

    let declared_len = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        ApiError::new(
            413,
            "InvalidParameter",
            format!("The request body is larger than the {MAX_BODY_BYTES}-byte limit."),
        )
    };
    let body = if declared_len.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        Err(too_large())
    } else {
        axum::body::to_bytes(body, MAX_BODY_BYTES)
            .await
            .map_err(|_| too_large())
    };
    let incoming = body.and_then(|body| {
        if parts.method != http::Method::GET && parts.method != http::Method::POST {
            return Err(ApiError::new(
                405,
                "UnsupportedHTTPMethod",
                "The HTTP method is not supported; use GET or POST.",
            ));
        }
        request::parse(&parts, body)
    });
    let incoming = match incoming {
        Ok(incoming) => incoming,
        Err(error) => {
            let answer = refuse(&route, &error, &request_id);
            draft.entry.refused_at = Some(Stage::Request);
            return finish(
                &shared,
                draft,
                &request_id,
                answer,
                Verdict::Error { code: error.code },
            );
        }
    };
    let (answer, verdict) = pipeline(&shared, &mut draft, route, &incoming, &request_id).await;
    finish(&shared, draft, &request_id, answer, verdict)
}

/// Routes, authenticates, validates, applies faults and runs the action.
async fn pipeline(
    shared: &Shared,
    draft: &mut Draft,
    mut route: Route<'_>,
    incoming: &Incoming,
    request_id: &str,
) -> (Answer, Verdict) {
    let scheme = SignatureVersion::of(incoming);
    let (access_key_id, nonce) = auth::claimed_identity(incoming);
    let entry = &mut draft.entry;
    entry.params = LoggedRequest::loggable_params(incoming.params());
    entry.signature_version = Some(scheme.name().to_owned());
    entry.access_key_id = access_key_id;
    entry.nonce = nonce;
    let (action, version) = match scheme {
        SignatureVersion::V1 => (incoming.param("Action"), incoming.param("Version")),
        SignatureVersion::V3 => (
            incoming.header("x-acs-action").map(str::trim),
            incoming.header("x-acs-version").map(str::trim),
        ),
    };
    entry.action = action.map(str::to_owned);
    entry.version = version.map(str::to_owned);
    let refused = |route: &Route<'_>, error: ApiError| {
        let body = refuse(route, &error, request_id);
        (body, Verdict::Error { code: error.code })
    };
    entry.refused_at = Some(Stage::Request);

    let Some(format) = Format::parse(incoming.param("Format")) else {
        return refused(
            &route,
            ApiError::invalid_parameter("Format", "must be JSON or XML"),
        );
    };
    route.format = format;
    draft.entry.refused_at = Some(Stage::Routing);
    let Some(version) = version.filter(|v| !v.is_empty()) else {
        return refused(&route, ApiError::missing_parameter("Version"));
    };
    let Some(action) = action.filter(|a| !a.is_empty()) else {
        return refused(&route, ApiError::missing_parameter("Action"));
    };
    let Some((product, op)) = shared.catalog.find(version, action) else {
        let error = if shared.catalog.knows_version(version) {
            ApiError::action_not_found(&request::printable(action))
        } else {
            ApiError::invalid_version(&request::printable(version))
        };
        return refused(&route, error);
    };
    draft.entry.product = Some(product.code.clone());
    for secret in op.params.iter().filter(|p| p.sensitive) {
        LoggedRequest::redact(&mut draft.entry.params, &secret.wire_name);
    }
    route.action = Some(op.name.as_str());
    route.product = Some(product.code.as_str());
    route.host_id = product.central_endpoint.clone();

    let authenticator = Authenticator {
        keys: &shared.keys,
        clock: &shared.clock,
        nonces: &shared.nonces,
    };
    draft.entry.refused_at = Some(Stage::Signature);
    if let Err(error) = authenticator.authenticate(incoming) {
        return refused(&route, error);
    }
    draft.entry.refused_at = Some(Stage::Validation);
    let input = match params::validate(&shared.catalog, &product, op, incoming) {
        Ok(input) => input,
        Err(error) => return refused(&route, error),
    };

    if shared.strict && !behaviour::is_modelled(&product.code, &op.name) {
        draft.entry.refused_at = Some(Stage::Action);
        return refused(&route, ApiError::not_modelled(&product.code, &op.name));
    }

    // Past validation, only the action refuses; faults are logged as faults. Only the
    // action's own errors take the product's envelope: the gateway's refusals above
    // (signature, missing or malformed parameters) are HTTP 4xx for every product.
    draft.entry.refused_at = None;
    route.envelope = product.error_style == aliyun_spec::model::ErrorStyle::Envelope;
    let facts = RequestFacts {
        product: &product.code,
        action: &op.name,
        instances: instance_ids(incoming),
    };
    let strike = lock(&shared.faults).strike(&facts, Phase::Before);
    draft.entry.faults.extend(strike.names.iter().cloned());
    if !strike.latency.is_zero() {
        tokio::time::sleep(strike.latency).await;
    }
    if let Some(kind) = strike.answer {
        let placeholder = Ok(op
            .response_example
            .as_ref()
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default());
        return fault_answer(&route, &kind, &placeholder, request_id);
    }

    let outcome = {
        let ctx = Context {
            product: &product,
            op,
            input: &input,
            now: shared.clock.now(),
        };
        let mut world = lock(&shared.world);
        match behaviour::run(&mut world, &ctx) {
            Some(outcome) => {
                draft.entry.answered_from = Some(AnswerSource::World);
                outcome.map(|body| render::shape(&product, &op.output, body))
            }
            None => {
                draft.entry.answered_from = Some(AnswerSource::Example);
                Ok(op
                    .response_example
                    .as_ref()
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default())
            }
        }
    };

    let strike = lock(&shared.faults).strike(&facts, Phase::After);
    draft.entry.faults.extend(strike.names.iter().cloned());
    if !strike.latency.is_zero() {
        tokio::time::sleep(strike.latency).await;
    }
    if let Some(kind) = strike.answer {
        return fault_answer(&route, &kind, &outcome, request_id);
    }
    match outcome {
        Ok(body) => (
            Answer::Body(render::success(route.format, &op.name, body, request_id)),
            Verdict::Ok,
        ),
        Err(error) => {
            draft.entry.refused_at = Some(Stage::Action);
            refused(&route, error)
        }
    }
}

/// The instance ids a request names (`InstanceId`, `InstanceId.N`, `InstanceIds`,
/// `InstanceIds.N`, and the `instanceId` of CloudMonitor's JSON `Dimensions`), for
/// per-instance faults.
fn instance_ids(incoming: &Incoming) -> Vec<String> {
    let is_repeat = |name: &str, prefix: &str| {
        name.strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    let mut ids = Vec::new();
    for (name, value) in incoming.params() {
        if name == "InstanceId" || is_repeat(name, "InstanceId.") || is_repeat(name, "InstanceIds.")
        {
            ids.push(value.to_owned());
        } else if name == "InstanceIds" {
            ids.extend(value.split(',').map(|s| s.trim().to_owned()));
        } else if name == "Dimensions" {
            ids.extend(dimension_instances(value));
        }
    }
    ids
}

/// The `instanceId` values of a JSON `Dimensions` parameter (an object or an array of them).
fn dimension_instances(text: &str) -> Vec<String> {
    let items = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => items,
        Ok(other) => vec![other],
        Err(_) => Vec::new(),
    };
    items
        .iter()
        .filter_map(|item| item.get("instanceId").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

fn refuse(route: &Route<'_>, error: &ApiError, request_id: &str) -> Answer {
    Answer::Body(render::error(
        route.format,
        route.action,
        error,
        request_id,
        &route.host_id,
        route.product,
        route.envelope,
    ))
}

/// The answer an injected fault sends; `real` is the action's outcome (after the action) or
/// the spec example (before it).
fn fault_answer(
    route: &Route<'_>,
    kind: &FaultKind,
    real: &Result<Map<String, Value>, ApiError>,
    request_id: &str,
) -> (Answer, Verdict) {
    let fault = kind.name().to_owned();
    let with_code = |error: ApiError| {
        let answer = refuse(route, &error, request_id);
        (
            answer,
            Verdict::Fault {
                fault: fault.clone(),
                code: Some(error.code),
            },
        )
    };
    let render_real = |transform: fn(Value) -> Value| match real {
        Ok(body) => {
            let body = match transform(Value::Object(body.clone())) {
                Value::Object(map) => map,
                _ => Map::new(),
            };
            render::success(
                route.format,
                route.action.unwrap_or("Action"),
                body,
                request_id,
            )
        }
        Err(error) => render::error(
            route.format,
            route.action,
            error,
            request_id,
            &route.host_id,
            route.product,
            route.envelope,
        ),
    };
    let body = match kind {
        FaultKind::Throttling { code } => return with_code(ApiError::throttling(code)),
        FaultKind::InternalError => return with_code(ApiError::internal_error()),
        FaultKind::ServiceUnavailable => return with_code(ApiError::service_unavailable()),
        FaultKind::Error {
            status,
            code,
            message,
        } => return with_code(ApiError::new(*status, code.clone(), message.clone())),
        FaultKind::CloseConnection => {
            return (Answer::Close, Verdict::Fault { fault, code: None });
        }
        FaultKind::TruncatedJson => render::truncated(&render_real(|v| v).bytes),
        FaultKind::HtmlGateway => render::html_gateway(),
        FaultKind::HugeBody { bytes } => render::huge(*bytes, request_id),
        FaultKind::EmptyBody => render::empty(),
        FaultKind::NumbersAsStrings => render_real(render::stringify_scalars),
        // Latency never replaces an answer; a future kind falls back to a server error.
        FaultKind::Latency { .. } => return with_code(ApiError::internal_error()),
    };
    (Answer::Body(body), Verdict::Fault { fault, code: None })
}

/// Logs the request and turns the answer into a response.
fn finish(
    shared: &Shared,
    mut draft: Draft,
    request_id: &str,
    answer: Answer,
    verdict: Verdict,
) -> Response {
    if !matches!(verdict, Verdict::Error { .. }) {
        draft.entry.refused_at = None;
    }
    draft.entry.verdict = verdict;
    let response = match answer {
        Answer::Close => {
            draft.entry.status = None;
            let mut response = Response::new(AxumBody::empty());
            response.extensions_mut().insert(CloseConnection);
            response
        }
        Answer::Body(body) => {
            draft.entry.status = Some(body.status);
            let mut response = build_response(body, request_id);
            if let Some(source) = draft.entry.answered_from {
                response.headers_mut().insert(
                    ANSWER_SOURCE_HEADER,
                    HeaderValue::from_static(source.as_str()),
                );
            }
            response
        }
    };
    tracing::debug!(
        seq = draft.entry.seq,
        action = draft.entry.action.as_deref().unwrap_or("-"),
        status = draft.entry.status,
        verdict = ?draft.entry.verdict,
        "rpc request"
    );
    lock(&shared.log).push(draft.entry);
    response
}

fn build_response(body: Body, request_id: &str) -> Response {
    let mut response = Response::new(AxumBody::from(body.bytes));
    // A 1xx cannot end a response (a fault built with one gets a 500 instead).
    *response.status_mut() = StatusCode::from_u16(body.status)
        .ok()
        .filter(|s| !s.is_informational())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(body.content_type),
    );
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert("x-acs-request-id", id);
    }
    response
}
