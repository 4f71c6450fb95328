//! The admin API under the reserved path `/_emulator/` (JSON in and out, no authentication:
//! the emulator is a loopback development tool). Requests to it are not in the request log.
//!
//! | Method and path | Does |
//! |---|---|
//! | `GET /_emulator/health` | `{"status": "ok"}` |
//! | `GET /_emulator/config` | key ids, products, versions and actions served (modelled or example) |
//! | `GET /_emulator/modelled` | per product and version: the action count and the actions answered from the world |
//! | `GET /_emulator/requests[?action=A&since=SEQ]` | the request log |
//! | `DELETE /_emulator/requests` | clears the log |
//! | `GET /_emulator/faults` | installed faults with counters |
//! | `POST /_emulator/faults` | installs a fault: JSON `{"kind": ..., ...}` or the text form `kind:key=value,...`; answers `{"id": N}` |
//! | `DELETE /_emulator/faults` | removes every fault |
//! | `DELETE /_emulator/faults/{id}` | removes one fault |
//! | `GET /_emulator/instances` | every instance and its state |
//! | `GET /_emulator/instances/{id}` | one instance |
//! | `POST /_emulator/instances` | adds or replaces instances: a JSON instance, a JSON array, or the text form `i-web{1..5},os=Windows` |
//! | `DELETE /_emulator/instances/{id}` | removes an instance |
//! | `PUT /_emulator/instances/{id}/command-result` | sets what command runs report for the instance: a JSON [`CommandResult`], e.g. `{"status": "Failed", "exit_code": 3, "output": "disk full", "error_code": "ExitCodeNonzero"}` |
//! | `DELETE /_emulator/instances/{id}/command-result` | back to the default (success, a text naming the command) |
//! | `POST /_emulator/managed-instances` | registers a server with an activation, as its agent would: a JSON [`ManagedInstanceRegistration`], e.g. `{"activation_id": "...", "activation_code": "a-...", "hostname": "build-01"}`; answers `{"InstanceId": "mi-..."}` |
//! | `GET /_emulator/clock` | `{"offset_secs": N, "now": "..."}` |
//! | `PUT /_emulator/clock` | sets the offset: `{"offset_secs": N}` |
//! | `POST /_emulator/reset` | back to the start-up state (world, faults, clock, nonces, log) |

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body as AxumBody;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{delete, get, post};
use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use serde_json::{Value, json};

use crate::commands::CommandResult;
use crate::faults::{Fault, FaultId};
use crate::managed::ManagedInstanceRegistration;
use crate::state::Shared;
use crate::world::Instance;

/// The reserved path prefix.
pub const ADMIN_PREFIX: &str = "/_emulator";

type AppState = State<Arc<Shared>>;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_emulator/health", get(health))
        .route("/_emulator/config", get(config))
        .route("/_emulator/modelled", get(modelled))
        .route("/_emulator/requests", get(requests).delete(clear_requests))
        .route(
            "/_emulator/faults",
            get(faults).post(add_fault).delete(clear_faults),
        )
        .route("/_emulator/faults/{id}", delete(remove_fault))
        .route("/_emulator/instances", get(instances).post(add_instances))
        .route(
            "/_emulator/instances/{id}",
            get(instance).delete(remove_instance),
        )
        .route(
            "/_emulator/instances/{id}/command-result",
            axum::routing::put(set_command_result).delete(clear_command_result),
        )
        .route(
            "/_emulator/managed-instances",
            post(register_managed_instance),
        )
        .route("/_emulator/clock", get(clock).put(set_clock))
        .route("/_emulator/reset", post(reset))
        .route("/_emulator", get(not_found))
        .route(
            "/_emulator/{*rest}",
            get(not_found)
                .post(not_found)
                .put(not_found)
                .delete(not_found),
        )
}

fn ok(value: Value) -> Response {
    json_response(StatusCode::OK, &value)
}

fn bad_request(message: impl Into<String>) -> Response {
    json_response(StatusCode::BAD_REQUEST, &json!({ "error": message.into() }))
}

async fn not_found() -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        &json!({ "error": "no such admin endpoint; see GET /_emulator/config and the crate docs" }),
    )
}

async fn health() -> Response {
    ok(json!({ "status": "ok" }))
}

async fn config(State(shared): AppState) -> Response {
    let products: Vec<Value> = shared
        .catalog
        .products()
        .iter()
        .map(|s| {
            let actions: Vec<Value> = s
                .actions
                .iter()
                .map(|op| {
                    json!({
                        "action": op.name,
                        "modelled": crate::behaviour::is_modelled(&s.code, &op.name),
                    })
                })
                .collect();
            json!({ "product": s.code, "version": s.api_version, "actions": actions })
        })
        .collect();
    ok(json!({
        "access_key_ids": shared.keys.ids(),
        "products": products,
        "clock_offset_secs": shared.clock.offset_secs(),
    }))
}

/// Per served product and version: how many actions it has, and which answer from the world.
async fn modelled(State(shared): AppState) -> Response {
    let products: Vec<Value> = shared
        .catalog
        .products()
        .iter()
        .map(|s| {
            let modelled: Vec<&str> = s
                .actions
                .iter()
                .map(|op| op.name.as_str())
                .filter(|name| crate::behaviour::is_modelled(&s.code, name))
                .collect();
            json!({
                "product": s.code,
                "version": s.api_version,
                "actions": s.actions.len(),
                "modelled_count": modelled.len(),
                "modelled": modelled,
            })
        })
        .collect();
    ok(json!({ "strict": shared.strict, "products": products }))
}

async fn requests(
    State(shared): AppState,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let since: u64 = query.get("since").and_then(|s| s.parse().ok()).unwrap_or(0);
    let entries: Vec<Value> = shared
        .requests()
        .into_iter()
        .filter(|e| e.seq > since)
        .filter(|e| {
            query
                .get("action")
                .is_none_or(|a| e.action.as_deref() == Some(a.as_str()))
        })
        .map(|e| serde_json::to_value(e).unwrap_or(Value::Null))
        .collect();
    ok(Value::Array(entries))
}

async fn clear_requests(State(shared): AppState) -> Response {
    shared.clear_requests();
    ok(json!({ "cleared": true }))
}

async fn faults(State(shared): AppState) -> Response {
    ok(Value::Array(
        shared.faults().iter().map(|f| f.to_json()).collect(),
    ))
}

async fn add_fault(State(shared): AppState, body: Bytes) -> Response {
    let text = String::from_utf8_lossy(&body);
    let text = text.trim();
    let parsed: Result<Vec<Fault>, String> = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => items.iter().map(Fault::from_json).collect(),
        Ok(value) => Fault::from_json(&value).map(|f| vec![f]),
        Err(_) => Fault::parse(text).map(|f| vec![f]),
    };
    match parsed {
        Ok(faults) => {
            let ids: Vec<u64> = faults.into_iter().map(|f| shared.add_fault(f).0).collect();
            match ids.as_slice() {
                [one] => ok(json!({ "id": one })),
                many => ok(json!({ "ids": many })),
            }
        }
        Err(e) => bad_request(e),
    }
}

async fn clear_faults(State(shared): AppState) -> Response {
    shared.clear_faults();
    ok(json!({ "cleared": true }))
}

async fn remove_fault(State(shared): AppState, Path(id): Path<String>) -> Response {
    match id.parse::<u64>() {
        Ok(id) if shared.remove_fault(FaultId(id)) => ok(json!({ "removed": id })),
        _ => json_response(StatusCode::NOT_FOUND, &json!({ "error": "no such fault" })),
    }
}

fn instance_json(instance: &Instance) -> Value {
    serde_json::to_value(instance).unwrap_or(Value::Null)
}

async fn instances(State(shared): AppState) -> Response {
    ok(Value::Array(
        shared.instances().iter().map(instance_json).collect(),
    ))
}

async fn instance(State(shared): AppState, Path(id): Path<String>) -> Response {
    match shared.instance(&id) {
        Some(instance) => ok(instance_json(&instance)),
        None => json_response(
            StatusCode::NOT_FOUND,
            &json!({ "error": "no such instance" }),
        ),
    }
}

async fn add_instances(State(shared): AppState, body: Bytes) -> Response {
    let text = String::from_utf8_lossy(&body);
    let text = text.trim();
    let parsed: Result<Vec<Instance>, String> = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => items
            .into_iter()
            .map(|v| serde_json::from_value::<Instance>(v).map_err(|e| e.to_string()))
            .collect(),
        Ok(value) => serde_json::from_value::<Instance>(value)
            .map(|i| vec![i])
            .map_err(|e| e.to_string()),
        Err(_) => Instance::parse_list(text),
    };
    match parsed {
        Ok(list) if list.iter().all(|i| !i.id.is_empty()) => {
            let ids: Vec<String> = list.iter().map(|i| i.id.clone()).collect();
            for instance in list {
                shared.upsert_instance(instance);
            }
            ok(json!({ "ids": ids }))
        }
        Ok(_) => bad_request("every instance needs an id"),
        Err(e) => bad_request(e),
    }
}

async fn remove_instance(State(shared): AppState, Path(id): Path<String>) -> Response {
    if shared.remove_instance(&id) {
        ok(json!({ "removed": id }))
    } else {
        json_response(
            StatusCode::NOT_FOUND,
            &json!({ "error": "no such instance" }),
        )
    }
}

async fn set_command_result(
    State(shared): AppState,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    match serde_json::from_slice::<CommandResult>(&body) {
        Ok(result) if shared.set_command_result(&id, Some(result.clone())) => {
            ok(json!({ "id": id, "command_result": result }))
        }
        Ok(_) => no_such_instance(),
        Err(e) => bad_request(format!("expected a command result: {e}")),
    }
}

async fn clear_command_result(State(shared): AppState, Path(id): Path<String>) -> Response {
    if shared.set_command_result(&id, None) {
        ok(json!({ "id": id, "command_result": null }))
    } else {
        no_such_instance()
    }
}

fn no_such_instance() -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        &json!({ "error": "no such instance" }),
    )
}

async fn register_managed_instance(State(shared): AppState, body: Bytes) -> Response {
    match serde_json::from_slice::<ManagedInstanceRegistration>(&body) {
        Ok(registration) => match shared.register_managed_instance(&registration) {
            Ok(id) => json_response(StatusCode::CREATED, &json!({ "InstanceId": id })),
            Err(refused) => bad_request(refused.to_string()),
        },
        Err(e) => bad_request(format!("expected a registration: {e}")),
    }
}

async fn clock(State(shared): AppState) -> Response {
    ok(json!({
        "offset_secs": shared.clock.offset_secs(),
        "now": crate::clock::rfc3339(shared.clock.now()),
    }))
}

async fn set_clock(State(shared): AppState, body: Bytes) -> Response {
    let offset = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("offset_secs").and_then(Value::as_i64));
    match offset {
        Some(offset) => {
            shared.clock.set_offset_secs(offset);
            clock(State(shared)).await
        }
        None => bad_request("expected {\"offset_secs\": <integer>}"),
    }
}

async fn reset(State(shared): AppState) -> Response {
    shared.reset();
    ok(json!({ "reset": true }))
}

/// A JSON response for the admin API.
fn json_response(status: StatusCode, value: &Value) -> Response {
    let bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
    let mut response = Response::new(AxumBody::from(Bytes::from(bytes)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
