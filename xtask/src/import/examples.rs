//! The test cases the importer writes for each action: a request case from the parameters'
//! example values (with the wire parameters computed here, independently of the generator),
//! and a response case from the example body.

use serde_json::{Map, Value};

use super::report::{Defect, Report};
use super::shapes::{Kind, Member, coerce_quiet};

/// The region the generated tests' client is configured with.
pub const TEST_REGION: &str = "cn-hangzhou";
/// The value given to a client-token parameter that has no example (so the wire is known).
pub const TEST_CLIENT_TOKEN: &str = "0c593ea1-3bea-11e9-b96b-88e9fe637760";

/// A request case: the parameters given, and either the exact wire map or the parameter the
/// SDK refuses (a required parameter with no example value).
#[derive(Debug, Clone, PartialEq)]
pub struct RequestCase {
    /// Parameters by wire name.
    pub params: Map<String, Value>,
    /// The action's parameters as sent, in order.
    pub wire: Vec<(String, String)>,
    /// The parameter named by the refusal, when one is expected.
    pub invalid: Option<String>,
}

/// The `example` request case of an action.
pub fn request_case(params: &[Member]) -> RequestCase {
    let mut case = RequestCase {
        params: Map::new(),
        wire: Vec::new(),
        invalid: None,
    };
    for member in params {
        let mut value = example_value(member);
        if value.is_none() && member.client_token {
            value = Some(Value::String(TEST_CLIENT_TOKEN.to_owned()));
        }
        match value {
            Some(value) => {
                flatten(
                    &member.name,
                    member,
                    &value,
                    member.style.as_deref(),
                    &mut case.wire,
                );
                case.params.insert(member.name.clone(), value);
            }
            None if member.client_region => case
                .wire
                .push((member.name.clone(), TEST_REGION.to_owned())),
            None if member.required && case.invalid.is_none() => {
                case.invalid = Some(member.name.clone());
            }
            None => {}
        }
    }
    case
}

/// A member's example value: its own, or (structures) the map of its fields' examples, or
/// (lists of structures) a one-item list of that. `None` when a required field has none.
pub fn example_value(member: &Member) -> Option<Value> {
    match &member.kind {
        Kind::Struct(fields) => {
            let mut map = Map::new();
            for field in fields {
                match example_value(field) {
                    Some(v) => {
                        map.insert(field.name.clone(), v);
                    }
                    None if field.required => return None,
                    None => {}
                }
            }
            (!map.is_empty()).then_some(Value::Object(map))
        }
        Kind::List(item) if matches!(item.kind, Kind::Struct(_)) => {
            let one = example_value(item)?;
            let fits = member.limits.min_items.is_none_or(|m| m <= 1)
                && member.limits.max_items.is_none_or(|m| m >= 1);
            fits.then(|| Value::Array(vec![one]))
        }
        _ => member.example.clone(),
    }
}

/// Appends the wire parameters of `value` under `prefix`.
fn flatten(
    prefix: &str,
    member: &Member,
    value: &Value,
    style: Option<&str>,
    out: &mut Vec<(String, String)>,
) {
    if style == Some("json") {
        out.push((prefix.to_owned(), json_text(member, value)));
        return;
    }
    match (&member.kind, value) {
        (Kind::List(item), Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}.{}", i + 1), item, v, None, out);
            }
        }
        (Kind::Struct(fields), Value::Object(map)) => {
            for field in fields {
                if let Some(v) = map.get(&field.name) {
                    flatten(&format!("{prefix}.{}", field.name), field, v, None, out);
                }
            }
        }
        (Kind::Map(item), Value::Object(map)) => {
            for (key, v) in map {
                flatten(&format!("{prefix}.{key}"), item, v, None, out);
            }
        }
        // Free-form JSON in one slot: a string as its text, anything else as JSON.
        (Kind::Any, Value::String(text)) => out.push((prefix.to_owned(), text.clone())),
        (Kind::Any, _) => out.push((prefix.to_owned(), json_text(member, value))),
        _ => out.push((prefix.to_owned(), scalar_text(value))),
    }
}

/// A scalar as the SDK writes it on the wire.
fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_f64() => format!("{}", n.as_f64().unwrap_or_default()),
        other => other.to_string(),
    }
}

/// A value as JSON text, structure fields in declaration order (as the SDK serializes them).
fn json_text(member: &Member, value: &Value) -> String {
    match (&member.kind, value) {
        (Kind::Struct(fields), Value::Object(map)) => {
            let parts: Vec<String> = fields
                .iter()
                .filter_map(|f| {
                    let v = map.get(&f.name)?;
                    Some(format!(
                        "{}:{}",
                        Value::String(f.name.clone()),
                        json_text(f, v)
                    ))
                })
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        (Kind::List(item), Value::Array(items)) => {
            let parts: Vec<String> = items.iter().map(|v| json_text(item, v)).collect();
            format!("[{}]", parts.join(","))
        }
        _ => value.to_string(),
    }
}

/// The `output_contains` map of a response example: each top-level field the body has, decoded
/// as its declared type (wrapped lists unwrapped). `None` (counted) when a field does not decode:
/// the SDK would find the whole body unreadable, so there is no success case to write.
pub fn expected_output(
    fields: &[Member],
    body: &Value,
    report: &mut Report,
) -> Option<Map<String, Value>> {
    let body = body.as_object()?;
    let mut out = Map::new();
    for field in fields {
        match body.get(&field.name) {
            None | Some(Value::Null) => {}
            Some(value) => match decode(field, value) {
                Some(decoded) => {
                    out.insert(field.name.clone(), decoded);
                }
                None => {
                    report.add(Defect::ResponseValueUnchecked);
                    return None;
                }
            },
        }
    }
    Some(out)
}

/// `value` as the generated decoder reads member `member`.
fn decode(member: &Member, value: &Value) -> Option<Value> {
    match &member.kind {
        Kind::List(item) => {
            let items = match (value, &member.wrapper) {
                (Value::Array(items), _) => items.clone(),
                (Value::Object(map), Some(_)) if map.is_empty() => Vec::new(),
                (Value::String(s), _) if s.is_empty() => Vec::new(),
                (Value::Object(map), Some(wrapper)) => match map.get(wrapper)? {
                    Value::Array(items) => items.clone(),
                    Value::Null => Vec::new(),
                    single @ Value::Object(_) => vec![single.clone()],
                    _ => return None,
                },
                _ => return None,
            };
            items
                .iter()
                .map(|v| decode(item, v))
                .collect::<Option<Vec<_>>>()
                .map(Value::Array)
        }
        Kind::Struct(fields) => {
            let map = value.as_object()?;
            let mut out = Map::new();
            for field in fields {
                match map.get(&field.name) {
                    None | Some(Value::Null) => {}
                    Some(v) => {
                        out.insert(field.name.clone(), decode(field, v)?);
                    }
                }
            }
            Some(Value::Object(out))
        }
        Kind::Map(item) => {
            let map = value.as_object()?;
            map.iter()
                .map(|(k, v)| Some((k.clone(), decode(item, v)?)))
                .collect::<Option<Map<_, _>>>()
                .map(Value::Object)
        }
        Kind::Any => Some(value.clone()),
        kind => coerce_quiet(value, kind),
    }
}

/// The example parameters plus a made-up value for each required parameter that has none, so a
/// response case has a request the SDK accepts. `None` when a value cannot be made up (a
/// pattern, or a map).
pub fn made_up_params(params: &[Member], given: &Map<String, Value>) -> Option<Map<String, Value>> {
    let mut out = given.clone();
    for member in params {
        if member.required && !out.contains_key(&member.name) {
            out.insert(member.name.clone(), made_up(member)?);
        }
    }
    Some(out)
}

fn made_up(member: &Member) -> Option<Value> {
    if let Some(first) = member.enum_values.first() {
        return Some(first.clone());
    }
    let l = &member.limits;
    let value = match &member.kind {
        Kind::String if l.pattern.is_some() => return None,
        Kind::String => {
            let n = l.min_length.unwrap_or(1).max(1) as usize;
            Value::String("x".repeat(n))
        }
        Kind::Integer | Kind::Long => {
            let n = l
                .minimum
                .as_ref()
                .and_then(serde_json::Number::as_i64)
                .unwrap_or(1);
            Value::from(n)
        }
        Kind::Float => {
            let n = l
                .minimum
                .as_ref()
                .and_then(serde_json::Number::as_f64)
                .unwrap_or(1.0);
            Value::from(n)
        }
        Kind::Boolean => Value::Bool(false),
        Kind::Any => Value::Object(Map::new()),
        Kind::Map(_) => return None,
        Kind::List(item) => {
            if l.min_items.is_some_and(|m| m > 1) {
                return None;
            }
            let one = example_value(item).or_else(|| made_up(item))?;
            Value::Array(vec![one])
        }
        Kind::Struct(fields) => {
            let mut map = Map::new();
            for field in fields {
                if let Some(v) = example_value(field) {
                    map.insert(field.name.clone(), v);
                } else if field.required {
                    map.insert(field.name.clone(), made_up(field)?);
                }
            }
            if map.is_empty() {
                let first = fields.first()?;
                map.insert(first.name.clone(), made_up(first)?);
            }
            Value::Object(map)
        }
    };
    super::shapes::within_limits(&value, member).then_some(value)
}
