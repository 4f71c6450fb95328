//! Parameters that carry JSON as text: a string parameter whose example is a JSON array is a
//! list sent as JSON (`["i-1"]`), one whose example is a JSON object is a map sent as JSON.
//!
//! The metadata types these parameters `string` and shows the JSON only in the example, often
//! not quite JSON (`“i-1”` quotes, `…` for "and so on", `\"` escapes). The overlay's
//! `json_params` table (`Action.Param: list | map | text`) forces a parameter either way.

use std::collections::BTreeMap;

use serde_json::Value;

use super::report::{Defect, Report};
use super::shapes::{Kind, Limits, Member};

/// What a string parameter's JSON text holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A JSON array: a list sent as JSON.
    List,
    /// A JSON object: a map sent as JSON.
    Map,
    /// Plain text: left a string.
    Text,
}

/// The overlay's `json_params`: `(action, parameter)` to the shape it forces.
pub type Overrides = BTreeMap<(String, String), Shape>;

/// Reads the overlay's `json_params` table (absent: empty).
pub fn overrides(overlay: Option<&serde_yaml::Value>) -> Result<Overrides, String> {
    let Some(table) = overlay.and_then(|o| o.get("json_params")) else {
        return Ok(Overrides::new());
    };
    let table = table
        .as_mapping()
        .ok_or("json_params: expected a mapping from `Action.Param` to list, map or text")?;
    table
        .iter()
        .map(|(key, shape)| {
            let key = key.as_str().unwrap_or_default();
            let (action, param) = key
                .split_once('.')
                .ok_or_else(|| format!("json_params: `{key}` must be `Action.Param`"))?;
            let shape = match shape.as_str() {
                Some("list") => Shape::List,
                Some("map") => Shape::Map,
                Some("text") => Shape::Text,
                _ => return Err(format!("json_params.{key}: expected list, map or text")),
            };
            Ok(((action.to_owned(), param.to_owned()), shape))
        })
        .collect()
}

/// Makes a string parameter carrying JSON a list or map sent as JSON, by its example or by
/// `forced`. Returns whether it changed.
pub fn retype(member: &mut Member, forced: Option<Shape>, report: &mut Report) -> bool {
    if member.kind != Kind::String {
        return false;
    }
    let text = member
        .example
        .as_ref()
        .and_then(Value::as_str)
        .map(str::trim);
    let parsed = text.and_then(parse_lenient);
    let shape = forced.unwrap_or(match (text, &parsed) {
        (Some(t), _) if t.starts_with('[') => Shape::List,
        (_, Some(Value::Object(_))) => Shape::Map,
        _ => Shape::Text,
    });
    let (kind, example) = match (shape, parsed) {
        (Shape::Text, _) => return false,
        (Shape::List, Some(Value::Array(items))) => {
            let kind = item_kind(&items);
            let example = (!items.is_empty()).then_some(Value::Array(items));
            (Kind::List(Box::new(Member::new("", kind))), example)
        }
        (Shape::List, _) => (Kind::List(Box::new(Member::new("", Kind::Any))), None),
        (Shape::Map, Some(Value::Object(map))) => {
            let values: Vec<Value> = map.values().cloned().collect();
            let kind = item_kind(&values);
            (
                Kind::Map(Box::new(Member::new("", kind))),
                Some(Value::Object(map)),
            )
        }
        (Shape::Map, _) => (Kind::Map(Box::new(Member::new("", Kind::Any))), None),
    };
    report.add(match shape {
        Shape::List => Defect::JsonListAsText,
        _ => Defect::JsonObjectAsText,
    });
    member.kind = kind;
    member.style = Some("json".to_owned());
    // Limits, values and defaults described the text, not the value.
    member.limits = Limits::default();
    member.enum_values.clear();
    member.default = None;
    member.example = example;
    true
}

/// Items (or map values) that are all strings are strings; anything else is free-form JSON.
fn item_kind(values: &[Value]) -> Kind {
    if !values.is_empty() && values.iter().all(Value::is_string) {
        Kind::String
    } else {
        Kind::Any
    }
}

/// The JSON value of an example written loosely: typographic quotes, `…`/`...` standing for
/// more items, and `\"` escapes are mended first. `None` when it still is not JSON.
pub fn parse_lenient(text: &str) -> Option<Value> {
    let mut mended = text
        .trim()
        .replace(['“', '”'], "\"")
        .replace("\\\"", "\"")
        .replace('…', "");
    while mended.contains("..") {
        mended = mended.replace("..", "");
    }
    // What the ellipses leave behind: `, ,`, `,]` and `" "` between items.
    let mut out = String::with_capacity(mended.len());
    let chars: Vec<char> = mended.chars().collect();
    let mut in_string = false;
    for (i, &c) in chars.iter().enumerate() {
        if c == '"' && (i == 0 || chars[i - 1] != '\\') {
            if !in_string && out.trim_end().ends_with('"') {
                out.push(',');
            }
            in_string = !in_string;
        }
        if !in_string && c == ',' {
            let rest = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(rest, Some(',' | ']' | '}') | None) {
                continue;
            }
        }
        out.push(c);
    }
    serde_json::from_str::<Value>(&out)
        .ok()
        .filter(|v| v.is_array() || v.is_object())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn string_param(example: &str) -> Member {
        let mut m = Member::new("P", Kind::String);
        m.example = Some(json!(example));
        m
    }

    #[test]
    fn loose_examples_parse() {
        assert_eq!(
            parse_lenient("[\"i-1\", \"i-2\", … \"i-3\"]"),
            Some(json!(["i-1", "i-2", "i-3"]))
        );
        assert_eq!(
            parse_lenient("[“i-1”, “i-2”…]"),
            Some(json!(["i-1", "i-2"]))
        );
        assert_eq!(
            parse_lenient("[\"sg-1\", \"sg-2\",....]"),
            Some(json!(["sg-1", "sg-2"]))
        );
        assert_eq!(
            parse_lenient("{\\\"userId\\\":\\\"12\\\"}"),
            Some(json!({"userId": "12"}))
        );
        assert_eq!(parse_lenient("{a=b&amp;c=d}"), None);
        assert_eq!(parse_lenient("i-1"), None);
    }

    #[test]
    fn arrays_become_lists_sent_as_json() {
        let mut report = Report::default();
        let mut m = string_param("[\"i-1\", … \"i-2\"]");
        assert!(retype(&mut m, None, &mut report));
        assert_eq!(m.kind, Kind::List(Box::new(Member::new("", Kind::String))));
        assert_eq!(m.style.as_deref(), Some("json"));
        assert_eq!(m.example, Some(json!(["i-1", "i-2"])));
        let mut objects = string_param("[{\"instanceId\":\"i-1\"}]");
        assert!(retype(&mut objects, None, &mut report));
        assert_eq!(
            objects.kind,
            Kind::List(Box::new(Member::new("", Kind::Any)))
        );
        // Not JSON even when mended: still a list (by its bracket), example dropped.
        let mut broken = string_param("[{\"groupId\":12****}]");
        assert!(retype(&mut broken, None, &mut report));
        assert_eq!(broken.example, None);
        assert_eq!(report.count(Defect::JsonListAsText), 3);
    }

    #[test]
    fn objects_become_maps_and_text_stays() {
        let mut report = Report::default();
        let mut m = string_param("{\"instanceId\":\"i-1\"}");
        assert!(retype(&mut m, None, &mut report));
        assert_eq!(m.kind, Kind::Map(Box::new(Member::new("", Kind::String))));
        let mut mixed = string_param("{\"time_out\":5000}");
        assert!(retype(&mut mixed, None, &mut report));
        assert_eq!(mixed.kind, Kind::Map(Box::new(Member::new("", Kind::Any))));
        let mut text = string_param("{a=b&amp;c=d}");
        assert!(!retype(&mut text, None, &mut report));
        assert_eq!(text.kind, Kind::String);
        assert_eq!(report.count(Defect::JsonObjectAsText), 2);
    }

    #[test]
    fn the_overlay_forces_either_way() {
        let mut report = Report::default();
        let mut vetoed = string_param("[\"a\"]");
        assert!(!retype(&mut vetoed, Some(Shape::Text), &mut report));
        assert_eq!(vetoed.kind, Kind::String);
        let mut added = string_param("a");
        assert!(retype(&mut added, Some(Shape::List), &mut report));
        assert_eq!(added.kind, Kind::List(Box::new(Member::new("", Kind::Any))));
        let overlay: serde_yaml::Value =
            serde_yaml::from_str("json_params: {A.B: text, C.D: list}").unwrap();
        let table = overrides(Some(&overlay)).unwrap();
        assert_eq!(table[&("A".into(), "B".into())], Shape::Text);
        assert_eq!(table[&("C".into(), "D".into())], Shape::List);
        let bad: serde_yaml::Value = serde_yaml::from_str("json_params: {A.B: array}").unwrap();
        assert!(overrides(Some(&bad)).unwrap_err().contains("A.B"));
    }
}
