//! Response bodies: success answers shaped by the spec (wrapped lists, values in their wire
//! types), errors in the standard and legacy shapes, JSON or XML (`Format=XML`), and the
//! deliberately broken bodies faults send.

use std::collections::HashMap;

use aliyun_spec::Product;
use aliyun_spec::model::{Field, Type, WireType};
use bytes::Bytes;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::{Map, Value, json};

use crate::error::ApiError;

/// The answer format a request asked for (`Format` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Format {
    #[default]
    Json,
    Xml,
}

impl Format {
    /// Reads `Format` (any case); `None` for a value the service does not offer.
    pub(crate) fn parse(value: Option<&str>) -> Option<Format> {
        match value.map(str::to_ascii_uppercase).as_deref() {
            None | Some("") | Some("JSON") => Some(Format::Json),
            Some("XML") => Some(Format::Xml),
            Some(_) => None,
        }
    }
}

/// A rendered body.
#[derive(Debug, Clone)]
pub(crate) struct Body {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) bytes: Bytes,
}

const JSON_TYPE: &str = "application/json;charset=utf-8";
const XML_TYPE: &str = "text/xml;charset=utf-8";

/// Shapes a logical answer per the spec's response `fields`: lists wrapped in their wrapper
/// key, structures shaped recursively, values sent in their `wire_type`. Keys the spec does not
/// describe pass through unchanged, except the store's bookkeeping (keys starting with `_`,
/// such as a rule's `_Created` or an instance's `_RenewalStatus`), which is never answered.
pub(crate) fn shape(
    product: &Product,
    fields: &[Field],
    logical: Map<String, Value>,
) -> Map<String, Value> {
    Shaper {
        product,
        indexes: HashMap::new(),
    }
    .object(&FieldIndex::new(fields), logical)
}

/// Where the previous [`FieldIndex::find`] of one map ended.
#[derive(Default)]
struct Cursor<'k> {
    at: usize,
    last: Option<&'k str>,
}

/// A structure's fields sorted by wire name, so the keys of an answer's map (in name order
/// too) find their fields in one walk (a page of 100 instances has 8,000 keys to look up).
struct FieldIndex<'a>(Vec<(&'a str, &'a Field)>);

impl<'a> FieldIndex<'a> {
    fn new(fields: &'a [Field]) -> Self {
        let mut index: Vec<(&str, &Field)> =
            fields.iter().map(|f| (f.wire_name.as_str(), f)).collect();
        index.sort_unstable_by_key(|(name, _)| *name);
        FieldIndex(index)
    }

    /// The field named `key`. The keys of a map come in name order, so each lookup starts
    /// where the previous one ended and usually takes a step or two; a key before the previous
    /// one (a map kept in insertion order) falls back to a binary search.
    fn find<'k>(&self, cursor: &mut Cursor<'k>, key: &'k str) -> Option<&'a Field> {
        let fields = &self.0;
        let mut at = match cursor.last {
            Some(last) if last <= key => cursor.at,
            _ => fields.partition_point(|(name, _)| *name < key),
        };
        while at < fields.len() && fields[at].0 < key {
            at += 1;
        }
        cursor.at = at;
        cursor.last = Some(key);
        fields
            .get(at)
            .filter(|(name, _)| *name == key)
            .map(|(_, f)| *f)
    }
}

/// One answer's shaping: the field index of each structure is built once per answer, however
/// many items share it.
struct Shaper<'a> {
    product: &'a Product,
    indexes: HashMap<&'a str, std::rc::Rc<FieldIndex<'a>>>,
}

impl<'a> Shaper<'a> {
    /// Shapes `logical` in place: values are replaced, the map itself is kept (rebuilding
    /// the maps of a page of 100 instances cost more than everything else shaping does).
    fn object(
        &mut self,
        index: &FieldIndex<'a>,
        mut logical: Map<String, Value>,
    ) -> Map<String, Value> {
        let mut cursor = Cursor::default();
        let mut bookkeeping = false;
        for (key, value) in logical.iter_mut() {
            if let Some(field) = index.find(&mut cursor, key) {
                let taken = std::mem::take(value);
                *value = self.value(&field.ty, field.wire_type, field.wrapper.as_deref(), taken);
            } else {
                bookkeeping |= key.starts_with('_');
            }
        }
        // Rare (records with bookkeeping), so the common answer keeps its map untouched.
        if bookkeeping {
            logical.retain(|key, _| !key.starts_with('_'));
        }
        logical
    }

    fn index(&mut self, name: &'a str) -> std::rc::Rc<FieldIndex<'a>> {
        let product = self.product;
        self.indexes
            .entry(name)
            .or_insert_with(|| std::rc::Rc::new(FieldIndex::new(product.struct_fields(name))))
            .clone()
    }

    fn value(
        &mut self,
        ty: &'a Type,
        wire_type: Option<WireType>,
        wrapper: Option<&str>,
        value: Value,
    ) -> Value {
        match (ty, value) {
            (Type::List(item), Value::Array(mut items)) => {
                for v in items.iter_mut() {
                    let taken = std::mem::take(v);
                    *v = self.value(&item.ty, item.wire_type, None, taken);
                }
                match wrapper {
                    Some(key) => json!({ key: items }),
                    None => Value::Array(items),
                }
            }
            (Type::Struct(name), Value::Object(map)) => {
                let index = self.index(name);
                Value::Object(self.object(&index, map))
            }
            (ty, value) => match wire_type {
                Some(WireType::String) => match value {
                    Value::Bool(b) => Value::String(b.to_string()),
                    Value::Number(n) => Value::String(n.to_string()),
                    other => other,
                },
                _ => coerce(ty, value),
            },
        }
    }
}

/// A scalar in the type the spec gives its field, when the logical answer has it in another
/// form (a handler's `200` for a `Code` the spec types as text, `"5"` for an integer).
fn coerce(ty: &Type, value: Value) -> Value {
    match (ty, value) {
        (Type::String | Type::Enum(_), Value::Number(n)) => Value::String(n.to_string()),
        (Type::String | Type::Enum(_), Value::Bool(b)) => Value::String(b.to_string()),
        (Type::Integer | Type::Long, Value::String(s)) => match s.parse::<i64>() {
            Ok(n) => Value::from(n),
            Err(_) => Value::String(s),
        },
        (Type::Float, Value::String(s)) => match s.parse::<f64>() {
            Ok(n) => Value::from(n),
            Err(_) => Value::String(s),
        },
        (Type::Boolean, Value::String(s)) => match s.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(s),
        },
        (_, value) => value,
    }
}

/// A success answer: `{"RequestId": ..., fields...}` or `<ActionResponse>...`.
pub(crate) fn success(
    format: Format,
    action: &str,
    mut body: Map<String, Value>,
    request_id: &str,
) -> Body {
    body.insert("RequestId".into(), Value::String(request_id.to_owned()));
    let root = format!("{action}Response");
    encode(200, format, &root, &Value::Object(body))
}

/// An error answer in the standard shape, or the legacy HTTP-200 shape for legacy errors.
/// `envelope` products answer client errors (4xx) with HTTP 200 and `"Success": false` in the
/// standard body, as CloudMonitor 2019-01-01 does; server errors keep their status.
pub(crate) fn error(
    format: Format,
    action: Option<&str>,
    error: &ApiError,
    request_id: &str,
    host_id: &str,
    product: Option<&str>,
    envelope: bool,
) -> Body {
    if error.legacy {
        let code: Value = error
            .code
            .parse::<u64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(error.code.clone()));
        let body = json!({
            "ErrorCode": code,
            "Success": false,
            "ErrorMessage": error.message,
            "RequestId": request_id,
        });
        let root = format!("{}Response", action.unwrap_or("Error"));
        return encode(error.status, format, &root, &body);
    }
    let mut recommend = format!("https://api.aliyun.com/troubleshoot?q={}", error.code);
    if let Some(product) = product {
        recommend.push_str("&product=");
        recommend.push_str(product);
    }
    recommend.push_str("&requestId=");
    recommend.push_str(request_id);
    let mut body = json!({
        "RequestId": request_id,
        "HostId": host_id,
        "Code": error.code,
        "Message": error.message,
        "Recommend": recommend,
    });
    if envelope {
        body["Success"] = Value::Bool(false);
        let status = if error.status < 500 {
            200
        } else {
            error.status
        };
        let root = format!("{}Response", action.unwrap_or("Error"));
        return encode(status, format, &root, &body);
    }
    encode(error.status, format, "Error", &body)
}

fn encode(status: u16, format: Format, root: &str, body: &Value) -> Body {
    match format {
        Format::Json => Body {
            status,
            content_type: JSON_TYPE,
            bytes: Bytes::from(serde_json::to_vec(body).unwrap_or_default()),
        },
        Format::Xml => Body {
            status,
            content_type: XML_TYPE,
            bytes: Bytes::from(to_xml(root, body)),
        },
    }
}

/// JSON to the XML Alibaba Cloud answers: objects become child elements, arrays repeat their
/// key's element (so `{"Set": {"Item": [a, b]}}` is `<Set><Item>a</Item><Item>b</Item></Set>`).
pub(crate) fn to_xml(root: &str, body: &Value) -> Vec<u8> {
    let mut writer = Writer::new(Vec::new());
    // Writing into a Vec cannot fail; a failure would only shorten the body.
    let _ = writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    write_element(&mut writer, root, body);
    writer.into_inner()
}

fn write_element(writer: &mut Writer<Vec<u8>>, name: &str, value: &Value) {
    let name = xml_name(name);
    match value {
        Value::Array(items) => {
            for item in items {
                write_element(writer, &name, item);
            }
        }
        Value::Object(map) => {
            let _ = writer.write_event(Event::Start(BytesStart::new(name.as_str())));
            for (key, child) in map {
                write_element(writer, key, child);
            }
            let _ = writer.write_event(Event::End(BytesEnd::new(name.as_str())));
        }
        Value::Null => {
            let _ = writer.write_event(Event::Empty(BytesStart::new(name.as_str())));
        }
        scalar => {
            let text = match scalar {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let _ = writer.write_event(Event::Start(BytesStart::new(name.as_str())));
            let _ = writer.write_event(Event::Text(BytesText::new(&text)));
            let _ = writer.write_event(Event::End(BytesEnd::new(name.as_str())));
        }
    }
}

/// A valid XML element name for a JSON key.
fn xml_name(key: &str) -> String {
    let mut name: String = key
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !name.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        name.insert(0, '_');
    }
    name
}

/// Every number and boolean turned into a string, recursively (a service quirk clients must
/// survive).
pub(crate) fn stringify_scalars(value: Value) -> Value {
    match value {
        Value::Bool(b) => Value::String(b.to_string()),
        Value::Number(n) => Value::String(n.to_string()),
        Value::Array(items) => Value::Array(items.into_iter().map(stringify_scalars).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, stringify_scalars(v)))
                .collect(),
        ),
        other => other,
    }
}

/// The page a gateway in front of the service answers when the backend is gone.
pub(crate) fn html_gateway() -> Body {
    Body {
        status: 502,
        content_type: "text/html",
        bytes: Bytes::from_static(
            b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n",
        ),
    }
}

/// The first half of `full` (at least one byte short of it), still labelled JSON.
pub(crate) fn truncated(full: &[u8]) -> Body {
    let cut = (full.len() / 2).min(full.len().saturating_sub(1));
    Body {
        status: 200,
        content_type: JSON_TYPE,
        bytes: Bytes::copy_from_slice(&full[..cut]),
    }
}

/// A valid JSON body of exactly `bytes` bytes (or the smallest valid one when `bytes` is
/// smaller): `{"RequestId":"...","Padding":"xxxx..."}`.
pub(crate) fn huge(bytes: usize, request_id: &str) -> Body {
    let head = format!("{{\"RequestId\":\"{request_id}\",\"Padding\":\"");
    let tail = "\"}";
    let padding = bytes.saturating_sub(head.len() + tail.len());
    let mut out = Vec::with_capacity(head.len() + padding + tail.len());
    out.extend_from_slice(head.as_bytes());
    out.resize(head.len() + padding, b'x');
    out.extend_from_slice(tail.as_bytes());
    Body {
        status: 200,
        content_type: JSON_TYPE,
        bytes: Bytes::from(out),
    }
}

/// HTTP 200 with nothing in it.
pub(crate) fn empty() -> Body {
    Body {
        status: 200,
        content_type: JSON_TYPE,
        bytes: Bytes::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn shapes_wrapped_lists_and_wire_types() {
        let catalog = Catalog::with_embedded(true, &[]).unwrap();
        let (product, op) = catalog
            .find("2014-05-26", "DescribeCloudAssistantStatus")
            .unwrap();
        let logical = json!({
            "TotalCount": 1,
            "InstanceCloudAssistantStatusSet": [
                {"InstanceId": "i-1", "CloudAssistantStatus": true, "SupportSessionManager": true, "_Inner": 2}
            ],
            "Extra": [1],
            "_Bookkeeping": 1,
        });
        let Value::Object(map) = logical else {
            unreachable!()
        };
        let shaped = Value::Object(shape(&product, &op.output, map));
        assert_eq!(
            shaped,
            json!({
                "TotalCount": 1,
                "InstanceCloudAssistantStatusSet": {"InstanceCloudAssistantStatus": [
                    {"InstanceId": "i-1", "CloudAssistantStatus": "true", "SupportSessionManager": true}
                ]},
                "Extra": [1],
            })
        );
    }

    #[test]
    fn fields_are_found_in_one_walk_and_in_any_order() {
        let catalog = Catalog::with_embedded(true, &[]).unwrap();
        let (_, op) = catalog.find("2014-05-26", "DescribeInstances").unwrap();
        let index = FieldIndex::new(&op.output);
        let mut names: Vec<&str> = op.output.iter().map(|f| f.wire_name.as_str()).collect();
        names.sort_unstable();
        let keys: Vec<String> = [
            "AAA",
            names[0],
            "Instances",
            "NotAField",
            "TotalCount",
            "zzz",
        ]
        .iter()
        .map(|k| k.to_string())
        .collect();
        let found = |keys: &[String]| -> Vec<Option<String>> {
            let mut cursor = Cursor::default();
            keys.iter()
                .map(|k| index.find(&mut cursor, k).map(|f| f.wire_name.clone()))
                .collect()
        };
        let expected = |k: &String| {
            op.output
                .iter()
                .any(|f| &f.wire_name == k)
                .then(|| k.clone())
        };
        // In name order (a `serde_json::Map`), and out of it (a map kept in insertion order).
        assert_eq!(found(&keys), keys.iter().map(expected).collect::<Vec<_>>());
        let reversed: Vec<String> = keys.iter().rev().cloned().collect();
        assert_eq!(
            found(&reversed),
            reversed.iter().map(expected).collect::<Vec<_>>()
        );
        assert_eq!(found(&keys)[2].as_deref(), Some("Instances"));
    }

    #[test]
    fn xml_bodies() {
        let mut body = Map::new();
        body.insert("Set".into(), json!({"Item": [{"Id": "a<&>"}, {"Id": "b"}]}));
        body.insert("Count".into(), json!(2));
        let rendered = success(Format::Xml, "DescribeThings", body, "R-1");
        let text = String::from_utf8(rendered.bytes.to_vec()).unwrap();
        assert!(
            text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
            "{text}"
        );
        for piece in [
            "<DescribeThingsResponse>",
            "<Count>2</Count>",
            "<RequestId>R-1</RequestId>",
            "<Set><Item><Id>a&lt;&amp;&gt;</Id></Item><Item><Id>b</Id></Item></Set>",
            "</DescribeThingsResponse>",
        ] {
            assert!(text.contains(piece), "{piece} not in {text}");
        }

        let err = error(
            Format::Xml,
            None,
            &ApiError::nonce_used(),
            "R-2",
            "ecs.aliyuncs.com",
            Some("Ecs"),
            false,
        );
        let text = String::from_utf8(err.bytes.to_vec()).unwrap();
        assert!(
            text.contains("<Error>") && text.contains("<Code>SignatureNonceUsed</Code>"),
            "{text}"
        );
        assert_eq!(err.status, 400);
        assert_eq!(xml_name("1 a/b"), "_1_a_b");
    }

    #[test]
    fn error_shapes() {
        let err = error(
            Format::Json,
            Some("X"),
            &ApiError::access_key_not_found(),
            "R",
            "h",
            Some("Ecs"),
            false,
        );
        let v: Value = serde_json::from_slice(&err.bytes).unwrap();
        assert_eq!(err.status, 404);
        for key in ["RequestId", "HostId", "Code", "Message", "Recommend"] {
            assert!(v.get(key).is_some(), "{key}");
        }
        let legacy = error(
            Format::Json,
            Some("NodeInstall"),
            &ApiError::legacy(500, "boom"),
            "R",
            "h",
            None,
            false,
        );
        let v: Value = serde_json::from_slice(&legacy.bytes).unwrap();
        assert_eq!(legacy.status, 200);
        assert_eq!(
            v,
            json!({"ErrorCode": 500, "Success": false, "ErrorMessage": "boom", "RequestId": "R"})
        );
        let envelope = error(
            Format::Json,
            Some("DescribeAlerts"),
            &ApiError::new(404, "ResourceNotFound", "gone"),
            "R",
            "h",
            Some("Cms"),
            true,
        );
        let v: Value = serde_json::from_slice(&envelope.bytes).unwrap();
        assert_eq!(envelope.status, 200);
        assert_eq!(v["Success"], json!(false));
        assert_eq!(v["Code"], json!("ResourceNotFound"));
        let server = error(
            Format::Json,
            None,
            &ApiError::internal_error(),
            "R",
            "h",
            Some("Cms"),
            true,
        );
        assert_eq!(server.status, 500);
    }

    #[test]
    fn broken_bodies() {
        let full = br#"{"RequestId":"R"}"#;
        let t = truncated(full);
        assert!(serde_json::from_slice::<Value>(&t.bytes).is_err());
        assert!(t.bytes.len() < full.len());
        let h = huge(1000, "R");
        assert_eq!(h.bytes.len(), 1000);
        assert!(serde_json::from_slice::<Value>(&h.bytes).is_ok());
        assert!(serde_json::from_slice::<Value>(&huge(3, "R").bytes).is_ok());
        assert_eq!(
            stringify_scalars(json!({"a": [1, true], "b": "x", "c": null})),
            json!({"a": ["1", "true"], "b": "x", "c": null})
        );
        assert_eq!(Format::parse(Some("xml")), Some(Format::Xml));
        assert_eq!(Format::parse(Some("yaml")), None);
    }
}
