//! The imported product as a spec document (YAML values in the key order of the hand-written
//! specs), and its text.

use serde_json::Value as Json;
use serde_yaml::{Mapping, Value};

use super::clean::ErrorEntry;
use super::endpoints::Rule;
use super::examples::RequestCase;
use super::naming::Names;
use super::shapes::{Kind, Member, Side};
use super::{ImportedAction, ImportedProduct};

/// A mapping under construction, keys in insertion order.
#[derive(Default)]
struct Map(Mapping);

impl Map {
    fn put(&mut self, key: &str, value: impl Into<Value>) -> &mut Self {
        self.0.insert(Value::from(key), value.into());
        self
    }
    fn put_if(&mut self, key: &str, cond: bool, value: impl Into<Value>) -> &mut Self {
        if cond {
            self.put(key, value);
        }
        self
    }
    fn put_opt<T: Into<Value>>(&mut self, key: &str, value: Option<T>) -> &mut Self {
        if let Some(v) = value {
            self.put(key, v);
        }
        self
    }
    fn done(self) -> Value {
        Value::Mapping(self.0)
    }
}

/// A JSON value as YAML.
pub fn yaml(value: &Json) -> Value {
    serde_yaml::to_value(value).unwrap_or(Value::Null)
}

fn number(n: &serde_json::Number) -> Value {
    yaml(&Json::Number(n.clone()))
}

/// The whole spec document.
pub fn spec(
    product: &ImportedProduct,
    actions: &[ImportedAction],
    names: &Names,
    sources: &[String],
) -> Value {
    let mut endpoints = Map::default();
    match &product.endpoints.rule {
        Rule::Regional { pattern, central } => {
            endpoints
                .put("regional", pattern.as_str())
                .put("central", central.as_str());
        }
        Rule::Global(host) => {
            endpoints.put("global", host.as_str());
        }
    }
    if !product.endpoints.exceptions.is_empty() {
        let mut exceptions = Map::default();
        for (region, host) in &product.endpoints.exceptions {
            exceptions.put(region, host.as_str());
        }
        endpoints.put("exceptions", exceptions.done());
    }
    let mut head = Map::default();
    head.put("code", product.code.as_str())
        .put("name", product.code.as_str())
        .put("api_version", product.version.as_str())
        .put("crate", product.crate_name.as_str())
        .put("signature", product.signature.as_str())
        .put("method", product.method.as_str())
        .put("param_location", "query")
        .put("endpoints", endpoints.done())
        .put(
            "doc",
            format!(
                "{} API version {}, imported from its API metadata.\n",
                product.code, product.version
            ),
        );
    if !sources.is_empty() {
        head.put(
            "sources",
            Value::Sequence(sources.iter().map(|s| Value::from(s.as_str())).collect()),
        );
    }
    let mut types = Map::default();
    for (name, named) in &names.types {
        let users: Vec<&String> = named.actions.iter().collect();
        let side = match named.side {
            Side::Request => "request",
            Side::Response => "response",
        };
        let doc = match users.as_slice() {
            [one] => format!("A structure of the `{one}` {side}."),
            [first, rest @ ..] => format!(
                "A structure of the `{first}` {side} and {} more.",
                rest.len()
            ),
            [] => format!("A structure of a {side}."),
        };
        let mut ty = Map::default();
        ty.put("kind", "struct").put("doc", doc).put(
            "fields",
            Value::Sequence(
                named
                    .fields
                    .iter()
                    .map(|f| member(f, named.side, names))
                    .collect(),
            ),
        );
        types.put(name, ty.done());
    }
    let mut acts = Map::default();
    for action in actions {
        acts.put(&action.name, action_value(product, action, names));
    }
    let mut root = Map::default();
    root.put("product", head.done());
    if !names.types.is_empty() {
        root.put("types", types.done());
    }
    root.put("actions", acts.done());
    root.done()
}

fn action_value(product: &ImportedProduct, action: &ImportedAction, names: &Names) -> Value {
    let mut a = Map::default();
    a.put("doc", action.doc.as_str())
        .put(
            "docs_url",
            format!(
                "https://api.aliyun.com/api/{}/{}/{}",
                product.code, product.version, action.name
            ),
        )
        .put_opt("group", action.group.as_deref())
        .put_if("deprecated", action.deprecated, true)
        .put_opt("source", action.source.as_deref())
        .put_opt("dropped_by", action.dropped_by.as_deref())
        .put_opt("operation_type", action.operation_type.as_deref())
        .put_opt("idempotent", action.idempotent)
        .put_opt("method", action.method.as_deref());
    if !action.params.is_empty() {
        a.put(
            "params",
            Value::Sequence(
                action
                    .params
                    .iter()
                    .map(|m| param(action, m, names))
                    .collect(),
            ),
        );
    }
    let mut response = Map::default();
    if action.untyped {
        response.put("untyped", true);
    } else {
        response.put(
            "fields",
            Value::Sequence(
                action
                    .fields
                    .iter()
                    .map(|m| member(m, Side::Response, names))
                    .collect(),
            ),
        );
    }
    response.put_opt("example", action.example.as_ref().map(yaml));
    a.put("response", response.done());
    if !action.errors.is_empty() {
        a.put(
            "errors",
            Value::Sequence(action.errors.iter().map(error).collect()),
        );
    }
    a.put_opt("pagination", action.pagination.clone());
    let method = action.method.as_deref().unwrap_or(&product.method);
    let mut tests = Map::default();
    tests.put(
        "requests",
        Value::Sequence(vec![request(&action.request, method)]),
    );
    let responses = match (&action.example, &action.expected) {
        _ if action.response_params.is_none() => Vec::new(),
        (Some(body), Some(expected)) => {
            let mut case = Map::default();
            let mut expect = Map::default();
            expect.put("output_contains", yaml(&Json::Object(expected.clone())));
            case.put("name", "example");
            if action.request.invalid.is_some() {
                if let Some(params) = &action.response_params {
                    case.put("params", yaml(&Json::Object(params.clone())));
                }
            }
            case.put("status", 200)
                .put("body", serde_json::to_string(body).unwrap_or_default())
                .put("expect", expect.done());
            vec![case.done()]
        }
        _ => Vec::new(),
    };
    tests.put("responses", Value::Sequence(responses));
    a.put("tests", tests.done());
    a.done()
}

/// A parameter's mapping, with the later metadata file that added or dropped it.
fn param(action: &ImportedAction, m: &Member, names: &Names) -> Value {
    let mut value = member(m, Side::Request, names);
    if let Value::Mapping(map) = &mut value {
        if let Some(source) = action.param_sources.get(&m.name) {
            map.insert("source".into(), source.as_str().into());
        }
        if let Some(newer) = action.dropped_params.get(&m.name) {
            map.insert("dropped_by".into(), newer.as_str().into());
        }
    }
    value
}

fn request(case: &RequestCase, method: &str) -> Value {
    let mut expect = Map::default();
    match &case.invalid {
        Some(name) => {
            expect.put("invalid", name.as_str());
        }
        None => {
            let mut wire = Map::default();
            for (k, v) in &case.wire {
                wire.put(k, v.as_str());
            }
            expect.put("method", method).put("wire", wire.done());
        }
    }
    let mut c = Map::default();
    c.put("name", "example")
        .put("params", yaml(&Json::Object(case.params.clone())))
        .put("expect", expect.done());
    c.done()
}

fn error(e: &ErrorEntry) -> Value {
    let status = match e.statuses.as_slice() {
        [one] => Value::from(*one),
        many => Value::Sequence(many.iter().map(|s| Value::from(*s)).collect()),
    };
    let mut m = Map::default();
    m.put("code", e.code.as_str())
        .put("status", status)
        .put_opt("message", e.message.as_deref())
        .put_opt("rust_name", e.rust_name.as_deref());
    m.done()
}

/// The spec mapping of one member.
pub fn member(m: &Member, side: Side, names: &Names) -> Value {
    let mut out = Map::default();
    out.put("name", m.name.as_str())
        .put_opt("rust_name", m.rust_name.as_deref())
        .put("type", m.kind.keyword());
    match &m.kind {
        Kind::Struct(fields) => {
            out.put("ref", names.name_of(side, fields));
        }
        Kind::List(item) | Kind::Map(item) => {
            out.put("items", items(item, side, names));
        }
        _ => {}
    }
    let l = &m.limits;
    out.put_opt("wrapper", m.wrapper.as_deref())
        .put_opt("style", m.style.as_deref())
        .put_opt("location", m.location.as_deref())
        .put_if("required", m.required, true)
        .put_if("doc_required", m.doc_required, true)
        .put_if("deprecated", m.deprecated, true)
        .put_if("client_region", m.client_region, true)
        .put_if("client_token", m.client_token, true)
        .put_opt("min_items", l.min_items)
        .put_opt("max_items", l.max_items)
        .put_opt("min_length", l.min_length)
        .put_opt("max_length", l.max_length)
        .put_opt("pattern", l.pattern.as_deref())
        .put_opt("minimum", l.minimum.as_ref().map(number))
        .put_opt("maximum", l.maximum.as_ref().map(number));
    if !m.enum_values.is_empty() {
        out.put(
            "enum",
            Value::Sequence(m.enum_values.iter().map(yaml).collect()),
        );
    }
    out.put_opt("default", m.default.as_ref().map(yaml));
    let example_ok = !matches!(&m.kind, Kind::Struct(_))
        && !matches!(&m.kind, Kind::List(item) if matches!(item.kind, Kind::Struct(_)));
    if example_ok {
        out.put_opt("example", m.example.as_ref().map(yaml));
    }
    out.done()
}

fn items(item: &Member, side: Side, names: &Names) -> Value {
    let mut out = Map::default();
    out.put("type", item.kind.keyword());
    if let Kind::Struct(fields) = &item.kind {
        out.put("ref", names.name_of(side, fields));
    }
    let l = &item.limits;
    out.put_opt("min_length", l.min_length)
        .put_opt("max_length", l.max_length)
        .put_opt("pattern", l.pattern.as_deref())
        .put_opt("minimum", l.minimum.as_ref().map(number))
        .put_opt("maximum", l.maximum.as_ref().map(number));
    out.done()
}

/// The text of a spec file: a header saying where it came from, then the document.
pub fn text(header: &str, doc: &Value) -> String {
    let mut body = String::new();
    match doc {
        Value::Mapping(map) => map_entries(&mut body, map, 0, false),
        other => body.push_str(&scalar(other, 0)),
    }
    // Quote the version as the hand-written specs do (YAML 1.1 readers take it for a date).
    let body = match doc["product"]["api_version"].as_str() {
        Some(version) if !version.contains(['"', '\'']) => body.replacen(
            &format!("\n  api_version: {version}\n"),
            &format!("\n  api_version: \"{version}\"\n"),
            1,
        ),
        _ => body,
    };
    format!("{header}{body}")
}

// A small block-style emitter: serde_yaml writes sequences flush with their key; the
// hand-written specs indent them, and so does this. Scalars (quoting, block literals) are
// still written by serde_yaml.

fn map_entries(out: &mut String, map: &Mapping, indent: usize, first_inline: bool) {
    for (i, (key, value)) in map.iter().enumerate() {
        if !(first_inline && i == 0) {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(&scalar(key, indent));
        out.push(':');
        after_key(out, value, indent);
    }
}

fn after_key(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Mapping(m) if !m.is_empty() => {
            out.push('\n');
            map_entries(out, m, indent + 2, false);
        }
        Value::Sequence(s) if !s.is_empty() => {
            out.push('\n');
            seq_items(out, s, indent + 2);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other, indent));
            out.push('\n');
        }
    }
}

fn seq_items(out: &mut String, items: &[Value], indent: usize) {
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push_str("- ");
        match item {
            Value::Mapping(m) if !m.is_empty() => map_entries(out, m, indent + 2, true),
            Value::Sequence(s) if !s.is_empty() => {
                out.push('\n');
                seq_items(out, s, indent + 2);
            }
            other => {
                out.push_str(&scalar(other, indent));
                out.push('\n');
            }
        }
    }
}

/// One scalar (or empty collection) as serde_yaml writes it; the lines of a block literal are
/// moved under the current indentation.
fn scalar(value: &Value, indent: usize) -> String {
    let text = match value {
        Value::Mapping(_) => return "{}".to_owned(),
        Value::Sequence(_) => return "[]".to_owned(),
        other => serde_yaml::to_string(other).unwrap_or_default(),
    };
    let text = text.trim_end_matches('\n');
    let pad = " ".repeat(indent);
    let mut lines = text.lines();
    let mut out = lines.next().unwrap_or_default().to_owned();
    for line in lines {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emitter_round_trips() {
        let doc: Value = serde_yaml::from_str(
            r#"
            product: {code: X, api_version: "2020-01-01", doc: "two\nlines\n"}
            empty_map: {}
            empty_list: []
            list:
              - plain
              - "true"
              - "007"
              - "a: b"
              - "  leading spaces\nand more"
              - [nested, [deeper]]
              - {k: v, m: [1, 2.5, null, false]}
              - {}
            "Dotted.Key.1": "{region}.x"
            "#,
        )
        .expect("test YAML");
        let text = text("# header\n", &doc);
        let back: Value = serde_yaml::from_str(&text).expect("emitted YAML parses");
        assert_eq!(back, doc, "{text}");
        assert!(text.contains("\n  api_version: \"2020-01-01\"\n"), "{text}");
        assert!(text.contains("\nlist:\n  - plain\n"), "{text}");
    }
}
