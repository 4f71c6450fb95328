//! Reading an `api-docs.json` file (reduced or full) into the facts the importer uses.
//!
//! Only facts are read: prose keys (`title`, `summary`, `description`, ...) are never looked at,
//! so a full file from the API explorer and a reduced one import the same way.

use serde_json::{Map, Value};

use super::ImportError;

/// The facts of one api-docs file.
#[derive(Debug, Clone)]
pub struct ApiDocs {
    /// Product code as spelt in `info.product` (`Ecs`).
    pub product: String,
    /// API version (`2014-05-26`).
    pub version: String,
    /// API style (`RPC` or `ROA`).
    pub style: String,
    /// `(region, host)` pairs of the endpoint table, in file order.
    pub endpoints: Vec<(String, String)>,
    /// Actions sorted by name.
    pub actions: Vec<RawAction>,
    /// The `directories` tree that groups the actions, in file order.
    pub directories: Vec<Directory>,
    /// Some action says whether it is deprecated (`deprecated: true` or `false`): the file
    /// publishes deprecation, so an action without the key is not deprecated.
    pub publishes_deprecation: bool,
}

/// One node of the `directories` tree.
#[derive(Debug, Clone)]
pub struct Directory {
    /// The directory's id (a number in the published files, read as text).
    pub id: String,
    /// The actions listed directly in it.
    pub actions: Vec<String>,
    /// Its sub-directories.
    pub children: Vec<Directory>,
}

/// One action's facts.
#[derive(Debug, Clone)]
pub struct RawAction {
    /// Action name.
    pub name: String,
    /// HTTP methods, lower-case, in file order.
    pub methods: Vec<String>,
    /// Marked deprecated.
    pub deprecated: bool,
    /// `systemTags.operationType`.
    pub operation_type: Option<String>,
    /// Parameters in file order (duplicates included: cleaning drops them).
    pub params: Vec<RawParam>,
    /// The schema of the 2xx response body, `$ref`s resolved.
    pub response: Option<Value>,
    /// `(status as written, code, message)` in status order, then file order.
    pub errors: Vec<(String, String, Option<String>)>,
    /// The JSON example body of `responseDemo`, if it has one that parses.
    pub example: Option<Value>,
}

/// One parameter as the file lists it.
#[derive(Debug, Clone)]
pub struct RawParam {
    /// Wire name as written (may be dotted: `SystemDisk.Size`).
    pub name: String,
    /// `query`, `formData`, ...
    pub location: String,
    /// `repeatList`, `flat`, `json`.
    pub style: Option<String>,
    /// The schema, `$ref`s resolved.
    pub schema: Value,
}

/// Parses the text of an api-docs file.
pub fn parse(text: &str) -> Result<ApiDocs, ImportError> {
    let root: Value = serde_json::from_str(text).map_err(|e| ImportError::Format(e.to_string()))?;
    let info = root
        .get("info")
        .ok_or_else(|| ImportError::Format("no `info`".into()))?;
    let text_of = |key: &str| -> Result<String, ImportError> {
        info.get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| ImportError::Format(format!("no `info.{key}`")))
    };
    let product = text_of("product")?;
    let version = text_of("version")?;
    let style = text_of("style").unwrap_or_else(|_| "RPC".to_owned());
    let empty = Map::new();
    let schemas = root
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let endpoints = root
        .get("endpoints")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|e| {
                    Some((
                        e.get("regionId")?.as_str()?.to_owned(),
                        e.get("endpoint")?.as_str()?.to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let apis = root
        .get("apis")
        .and_then(Value::as_object)
        .ok_or_else(|| ImportError::Format("no `apis`".into()))?;
    let mut actions: Vec<RawAction> = apis
        .iter()
        .map(|(name, api)| read_action(name, api, schemas))
        .collect();
    actions.sort_by(|a, b| a.name.cmp(&b.name));
    let directories = root
        .get("directories")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(directory).collect())
        .unwrap_or_default();
    Ok(ApiDocs {
        product,
        version,
        style,
        endpoints,
        actions,
        directories,
        publishes_deprecation: apis.values().any(|api| api.get("deprecated").is_some()),
    })
}

fn directory(node: &Value) -> Option<Directory> {
    let id = match node.get("id")? {
        Value::String(id) => id.clone(),
        Value::Number(id) => id.to_string(),
        _ => return None,
    };
    let mut actions = Vec::new();
    let mut children = Vec::new();
    for child in node
        .get("children")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match child {
            Value::String(action) => actions.push(action.clone()),
            other => children.extend(directory(other)),
        }
    }
    Some(Directory {
        id,
        actions,
        children,
    })
}

fn read_action(name: &str, api: &Value, schemas: &Map<String, Value>) -> RawAction {
    let methods = api
        .get("methods")
        .and_then(Value::as_array)
        .map(|m| {
            m.iter()
                .filter_map(Value::as_str)
                .map(str::to_ascii_lowercase)
                .collect()
        })
        .unwrap_or_default();
    let params = api
        .get("parameters")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|p| {
                    Some(RawParam {
                        name: p.get("name")?.as_str()?.to_owned(),
                        location: p
                            .get("in")
                            .and_then(Value::as_str)
                            .unwrap_or("query")
                            .to_owned(),
                        style: p.get("style").and_then(Value::as_str).map(str::to_owned),
                        schema: resolve(p.get("schema").unwrap_or(&Value::Null), schemas, 0),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let response = api
        .get("responses")
        .and_then(Value::as_object)
        .and_then(|r| {
            let mut ok: Vec<(&String, &Value)> = r
                .iter()
                .filter(|(status, v)| status.starts_with('2') && v.get("schema").is_some())
                .collect();
            ok.sort_by_key(|(status, _)| status.as_str());
            ok.first().map(|(_, v)| resolve(&v["schema"], schemas, 0))
        });
    let mut errors = Vec::new();
    if let Some(codes) = api.get("errorCodes").and_then(Value::as_object) {
        let mut statuses: Vec<&String> = codes.keys().collect();
        statuses.sort_by_key(|s| (s.parse::<u32>().unwrap_or(u32::MAX), s.as_str()));
        for status in statuses {
            for entry in codes[status].as_array().into_iter().flatten() {
                if let Some(code) = entry.get("errorCode").and_then(Value::as_str) {
                    let message = entry
                        .get("errorMessage")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                    errors.push((status.clone(), code.to_owned(), message));
                }
            }
        }
    }
    RawAction {
        name: name.to_owned(),
        methods,
        deprecated: api.get("deprecated").and_then(Value::as_bool) == Some(true),
        operation_type: api
            .pointer("/systemTags/operationType")
            .and_then(Value::as_str)
            .map(str::to_owned),
        params,
        response,
        errors,
        example: json_example(api.get("responseDemo")),
    }
}

/// The JSON example of `responseDemo` (a JSON string holding a list of `{type, example}`, or
/// that list itself).
fn json_example(demo: Option<&Value>) -> Option<Value> {
    let demo = match demo? {
        Value::String(text) => serde_json::from_str::<Value>(text).ok()?,
        other => other.clone(),
    };
    demo.as_array()?
        .iter()
        .filter(|d| d.get("type").and_then(Value::as_str) == Some("json"))
        .find_map(|d| match d.get("example")? {
            Value::String(text) => serde_json::from_str::<Value>(text).ok(),
            other => Some(other.clone()),
        })
        .filter(Value::is_object)
}

/// Replaces `$ref: #/components/schemas/X` with the schema it names (recursion cut at depth 8,
/// where the reference becomes free-form).
fn resolve(schema: &Value, schemas: &Map<String, Value>, depth: usize) -> Value {
    match schema {
        Value::Object(map) => {
            if let Some(target) = map.get("$ref").and_then(Value::as_str) {
                let name = target.rsplit('/').next().unwrap_or_default();
                return match schemas.get(name) {
                    Some(found) if depth < 8 => resolve(found, schemas, depth + 1),
                    _ => Value::Object(Map::new()),
                };
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), resolve(v, schemas, depth)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| resolve(v, schemas, depth)).collect())
        }
        other => other.clone(),
    }
}
