//! The importer's member model and its construction from metadata schemas.
//!
//! Cleaning that belongs to one schema (limits and examples given as strings, examples that
//! break their own limits, lower-case twins of a property) happens here while converting; the
//! rules that look across parameters or errors live in [`super::clean`].

use serde_json::{Number, Value};

use super::report::{Defect, Report};

/// A member's type, structures and lists inline (naming happens later).
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `string`
    String,
    /// `integer` (32-bit)
    Integer,
    /// `long` (64-bit)
    Long,
    /// `float`
    Float,
    /// `boolean`
    Boolean,
    /// `any`: free-form JSON.
    Any,
    /// `list` of the item.
    List(Box<Member>),
    /// `struct` with these fields (metadata order).
    Struct(Vec<Member>),
    /// `map` from strings to the item.
    Map(Box<Member>),
}

impl Kind {
    /// The spec's `type` keyword.
    pub fn keyword(&self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::Integer => "integer",
            Kind::Long => "long",
            Kind::Float => "float",
            Kind::Boolean => "boolean",
            Kind::Any => "any",
            Kind::List(_) => "list",
            Kind::Struct(_) => "struct",
            Kind::Map(_) => "map",
        }
    }

    /// Whether the kind is a scalar (string, number, boolean).
    pub fn is_scalar(&self) -> bool {
        matches!(
            self,
            Kind::String | Kind::Integer | Kind::Long | Kind::Float | Kind::Boolean
        )
    }
}

/// Limits, already typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    /// `min_items`
    pub min_items: Option<u64>,
    /// `max_items`
    pub max_items: Option<u64>,
    /// `min_length`
    pub min_length: Option<u64>,
    /// `max_length`
    pub max_length: Option<u64>,
    /// `pattern` (compiles as a Rust regex)
    pub pattern: Option<String>,
    /// `minimum`
    pub minimum: Option<Number>,
    /// `maximum`
    pub maximum: Option<Number>,
}

/// A parameter, response field, structure field or list item.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// Wire name (unused for list items).
    pub name: String,
    /// Rust name override, set only to settle a collision.
    pub rust_name: Option<String>,
    /// Type.
    pub kind: Kind,
    /// Inner key of a wrapped response list.
    pub wrapper: Option<String>,
    /// Parameter style: `repeat`, `flat`, `json`.
    pub style: Option<String>,
    /// Parameter location override: `form_body`.
    pub location: Option<String>,
    /// Required by the service.
    pub required: bool,
    /// Documented as required only.
    pub doc_required: bool,
    /// Deprecated.
    pub deprecated: bool,
    /// Filled from the client's region.
    pub client_region: bool,
    /// Filled with a fresh UUID per call.
    pub client_token: bool,
    /// Limits.
    pub limits: Limits,
    /// Documented allowed values.
    pub enum_values: Vec<Value>,
    /// The service's default.
    pub default: Option<Value>,
    /// An example value of the member's type that passes its limits.
    pub example: Option<Value>,
}

impl Member {
    /// A member with no facts but its name and kind.
    pub fn new(name: &str, kind: Kind) -> Member {
        Member {
            name: name.to_owned(),
            rust_name: None,
            kind,
            wrapper: None,
            style: None,
            location: None,
            required: false,
            doc_required: false,
            deprecated: false,
            client_region: false,
            client_token: false,
            limits: Limits::default(),
            enum_values: Vec::new(),
            default: None,
            example: None,
        }
    }
}

/// Which side of the call a schema describes (responses have wrapped lists and no `required`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Parameters.
    Request,
    /// Response bodies.
    Response,
}

/// Converts a metadata schema to a member.
pub fn from_schema(name: &str, schema: &Value, side: Side, report: &mut Report) -> Member {
    let ty = schema.get("type").and_then(Value::as_str).unwrap_or("");
    let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
    let wrapped = match (side, ty) {
        (Side::Response, "object") => wrapped_list(schema, side, report),
        _ => None,
    };
    let kind = match ty {
        _ if wrapped.is_some() => Kind::Any,
        "string" => Kind::String,
        "integer" if format == "int64" => Kind::Long,
        "integer" => Kind::Integer,
        "number" => Kind::Float,
        "boolean" => Kind::Boolean,
        "array" => list_kind(schema, side, report),
        "object" => object_kind(schema, side, report),
        _ => Kind::Any,
    };
    let mut member = Member::new(name, kind);
    if let Some((wrapper, list)) = wrapped {
        member.kind = list;
        member.wrapper = Some(wrapper);
    }
    let flag = |key: &str| schema.get(key).and_then(Value::as_bool) == Some(true);
    if side == Side::Request {
        // `docRequired` marks a parameter the reference calls required but the service does
        // not need: documented as such, never enforced.
        member.doc_required = flag("docRequired");
        member.required = flag("required") && !member.doc_required;
        if member.doc_required {
            report.add(Defect::DocRequired);
        }
    }
    member.deprecated = flag("deprecated");
    member.limits = limits(schema, &member.kind, report);
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        if member.kind.is_scalar() {
            member.enum_values = values
                .iter()
                .filter_map(|v| coerce(v, &member.kind, report))
                .collect();
        }
    }
    if let Some(default) = schema.get("default") {
        member.default = coerce(default, &member.kind, report);
        if member.required && member.default.is_some() {
            report.add(Defect::DefaultOnRequired);
            member.default = None;
        }
    }
    member.example = example_of(schema, &member, report);
    member
}

/// The top-level fields of a response body schema (never a wrapped list itself).
pub fn response_fields(schema: &Value, report: &mut Report) -> Vec<Member> {
    let mut fields: Vec<Member> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| {
            props
                .iter()
                .map(|(name, field)| from_schema(name, field, Side::Response, report))
                .collect()
        })
        .unwrap_or_default();
    super::clean::drop_lowercase_twins(&mut fields, report);
    fields
}

fn list_kind(schema: &Value, side: Side, report: &mut Report) -> Kind {
    let items = schema.get("items").unwrap_or(&Value::Null);
    let mut item = from_schema("", items, side, report);
    if matches!(item.kind, Kind::List(_) | Kind::Map(_)) {
        // List items cannot be lists or maps in the spec: the inner one becomes free-form JSON.
        report.add(Defect::NestedList);
        item = Member::new("", Kind::Any);
    }
    Kind::List(Box::new(item))
}

fn object_kind(schema: &Value, side: Side, report: &mut Report) -> Kind {
    match schema.get("properties").and_then(Value::as_object) {
        Some(props) if !props.is_empty() => {
            let mut fields: Vec<Member> = props
                .iter()
                .map(|(name, field)| from_schema(name, field, side, report))
                .collect();
            super::clean::drop_lowercase_twins(&mut fields, report);
            Kind::Struct(fields)
        }
        _ => match schema.get("additionalProperties") {
            Some(values @ Value::Object(_)) => {
                let item = from_schema("", values, side, report);
                if item.kind.is_scalar() {
                    Kind::Map(Box::new(item))
                } else {
                    Kind::Any
                }
            }
            _ => Kind::Any,
        },
    }
}

/// `{"Instances": {"Instance": [...]}}`: an object whose only property is an array.
fn wrapped_list(schema: &Value, side: Side, report: &mut Report) -> Option<(String, Kind)> {
    let props = schema.get("properties")?.as_object()?;
    if props.len() != 1 {
        return None;
    }
    let (inner, list) = props.iter().next()?;
    if list.get("type").and_then(Value::as_str) != Some("array") {
        return None;
    }
    Some((inner.clone(), list_kind(list, side, report)))
}

fn limits(schema: &Value, kind: &Kind, report: &mut Report) -> Limits {
    let mut limits = Limits::default();
    let count = |key: &str, report: &mut Report| -> Option<u64> {
        let value = schema.get(key)?;
        let n = as_number(value, report)?;
        n.as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
    };
    match kind {
        Kind::List(_) => {
            limits.min_items = count("minItems", report);
            limits.max_items = count("maxItems", report);
        }
        Kind::String => {
            limits.min_length = count("minLength", report);
            limits.max_length = count("maxLength", report);
            if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
                if regex::Regex::new(pattern).is_ok() {
                    limits.pattern = Some(pattern.to_owned());
                } else {
                    report.add(Defect::BadPattern);
                }
            }
        }
        Kind::Integer | Kind::Long | Kind::Float => {
            let bound = |key: &str, report: &mut Report| {
                let n = as_number(schema.get(key)?, report)?;
                match kind {
                    Kind::Float => Some(n),
                    _ => n.as_i64().map(Number::from).or_else(|| {
                        report.add(Defect::LimitNotOfType);
                        None
                    }),
                }
            };
            limits.minimum = bound("minimum", report);
            limits.maximum = bound("maximum", report);
        }
        _ => {}
    }
    if let (Some(lo), Some(hi)) = (&limits.minimum, &limits.maximum) {
        if lo.as_f64() > hi.as_f64() {
            report.add(Defect::LimitNotOfType);
            limits.minimum = None;
            limits.maximum = None;
        }
    }
    limits
}

fn as_number(value: &Value, report: &mut Report) -> Option<Number> {
    match value {
        Value::Number(n) => Some(n.clone()),
        Value::String(text) => {
            report.add(Defect::LimitAsString);
            parse_number(text.trim())
        }
        _ => None,
    }
}

fn parse_number(text: &str) -> Option<Number> {
    if let Ok(i) = text.parse::<i64>() {
        return Some(Number::from(i));
    }
    if let Ok(u) = text.parse::<u64>() {
        return Some(Number::from(u));
    }
    text.parse::<f64>().ok().and_then(Number::from_f64)
}

/// `value` as a value of `kind`, when it is one or a string spelling one.
pub fn coerce(value: &Value, kind: &Kind, report: &mut Report) -> Option<Value> {
    let coerced = coerce_quiet(value, kind);
    if coerced.is_some() && value.is_string() && !matches!(kind, Kind::String) {
        report.add(Defect::ExampleAsString);
    }
    coerced
}

/// `value` as a value of `kind` without counting anything (used for response bodies).
pub fn coerce_quiet(value: &Value, kind: &Kind) -> Option<Value> {
    match (kind, value) {
        (Kind::String, Value::String(_)) => Some(value.clone()),
        (Kind::String, Value::Number(n)) => Some(Value::String(n.to_string())),
        (Kind::String, Value::Bool(b)) => Some(Value::String(b.to_string())),
        (Kind::Integer, _) => integer(value)
            .filter(|i| i32::try_from(*i).is_ok())
            .map(Value::from),
        (Kind::Long, _) => integer(value).map(Value::from),
        (Kind::Float, Value::Number(n)) => n.as_f64().and_then(Number::from_f64).map(Value::Number),
        (Kind::Float, Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number),
        (Kind::Boolean, Value::Bool(_)) => Some(value.clone()),
        (Kind::Boolean, Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        _ => None,
    }
}

fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
}

/// The member's example: its own (scalars) or its item's (lists), typed and within limits.
fn example_of(schema: &Value, member: &Member, report: &mut Report) -> Option<Value> {
    let example = match &member.kind {
        Kind::List(item) => Value::Array(vec![item.example.clone()?]),
        kind if kind.is_scalar() => {
            let raw = schema.get("example")?;
            if raw.as_str().is_some_and(|s| s == "null" || s.is_empty()) {
                report.add(Defect::PlaceholderExample);
                return None;
            }
            match coerce(raw, kind, report) {
                Some(v) => v,
                None => {
                    report.add(Defect::ExampleNotOfType);
                    return None;
                }
            }
        }
        // A free-form member's example is JSON text (`{"name":"Jack"}`).
        Kind::Any => match schema.get("example")? {
            Value::String(text) => serde_json::from_str::<Value>(text)
                .ok()
                .filter(|v| v.is_object() || v.is_array())?,
            _ => return None,
        },
        _ => return None,
    };
    if within_limits(&example, member) {
        Some(example)
    } else {
        report.add(Defect::ExampleBreaksLimits);
        None
    }
}

/// Whether a (typed) example passes the member's own limits.
pub fn within_limits(value: &Value, member: &Member) -> bool {
    let l = &member.limits;
    match value {
        Value::Array(items) => {
            let n = items.len() as u64;
            l.min_items.is_none_or(|m| n >= m) && l.max_items.is_none_or(|m| n <= m)
        }
        Value::String(s) => {
            let n = s.chars().count() as u64;
            l.min_length.is_none_or(|m| n >= m)
                && l.max_length.is_none_or(|m| n <= m)
                && l.pattern
                    .as_ref()
                    .is_none_or(|p| regex::Regex::new(p).is_ok_and(|re| re.is_match(s)))
        }
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or_default();
            l.minimum
                .as_ref()
                .is_none_or(|m| x >= m.as_f64().unwrap_or(f64::MIN))
                && l.maximum
                    .as_ref()
                    .is_none_or(|m| x <= m.as_f64().unwrap_or(f64::MAX))
        }
        _ => true,
    }
}
