//! `cargo xtask import OLD.json NEW.json`: a newer requests-only file layered on a full one
//! (the made-up fixture of `import.rs`, and a reduced twin of it built here the way Alibaba
//! Cloud's December 2025 files are reduced).

use serde_json::{Value as Json, json};
use serde_yaml::Value;
use xtask::import::{ImportError, convert, convert_layers};

const FULL: &str = include_str!("fixtures/api-docs.json");
const NEWER: &str = "demo.requests-2025-12.json";

/// The fixture as a requests-only file: no responses, error codes, examples, defaults or
/// directories; `ListWidgets` gains `Color`, new `StopWidgets` and `DescribeWidgetSizes` appear,
/// `DescribeWidgetStatus` is gone, `RunWidgets` is deprecated, and `ListWidgets.MaxResults` gets
/// a new maximum.
fn requests_only() -> String {
    let mut docs: Json = serde_json::from_str(FULL).unwrap();
    docs.as_object_mut().unwrap().remove("directories");
    let apis = docs["apis"].as_object_mut().unwrap();
    apis.remove("DescribeWidgetStatus");
    for api in apis.values_mut() {
        let api = api.as_object_mut().unwrap();
        for key in ["responses", "errorCodes", "responseDemo", "systemTags"] {
            api.remove(key);
        }
        for param in api["parameters"].as_array_mut().unwrap() {
            strip(&mut param["schema"]);
        }
    }
    let list = apis["ListWidgets"]["parameters"].as_array_mut().unwrap();
    for param in list.iter_mut() {
        if param["name"] == "MaxResults" {
            param["schema"]["maximum"] = json!(500);
        }
    }
    list.push(json!({"name": "Color", "in": "query", "schema": {"type": "string"}}));
    apis.insert(
        "StopWidgets".into(),
        json!({"methods": ["post"], "parameters": [
            {"name": "RegionId", "in": "query", "schema": {"type": "string", "required": true}},
            {"name": "WidgetId", "in": "query", "style": "repeatList",
             "schema": {"type": "array", "required": true, "items": {"type": "string"}}}
        ]}),
    );
    apis["RunWidgets"]["deprecated"] = json!(true);
    apis.insert(
        "DescribeWidgetSizes".into(),
        json!({"methods": ["post"], "parameters": [
            {"name": "RegionId", "in": "query", "schema": {"type": "string"}}
        ]}),
    );
    serde_json::to_string_pretty(&docs).unwrap()
}

fn strip(schema: &mut Json) {
    if let Json::Object(map) = schema {
        for key in ["example", "default", "docRequired"] {
            map.remove(key);
        }
        map.values_mut().for_each(strip);
    }
}

fn layered() -> (Value, String) {
    let newer = requests_only();
    let (text, report) =
        convert_layers(&[("demo.json", FULL), (NEWER, &newer)], None).expect("layers import");
    let layered = report.layered.expect("a layered report");
    assert_eq!(layered.added_actions, 2);
    assert_eq!(layered.added_params, 1);
    assert_eq!(layered.dropped_actions, ["DescribeWidgetStatus"]);
    assert_eq!(layered.untyped, 2);
    (serde_yaml::from_str(&text).unwrap(), text)
}

fn param<'a>(doc: &'a Value, action: &str, name: &str) -> &'a Value {
    doc["actions"][action]["params"]
        .as_sequence()
        .and_then(|ps| ps.iter().find(|p| p["name"].as_str() == Some(name)))
        .unwrap_or_else(|| panic!("{action} has no param {name}"))
}

#[test]
fn the_spec_names_its_sources_oldest_first() {
    let (doc, text) = layered();
    let sources: Vec<&str> = doc["product"]["sources"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(sources, ["demo.json", NEWER]);
    assert!(text.contains("(demo.json, then demo.requests-2025-12.json)"));
}

#[test]
fn a_new_action_has_a_typed_input_and_an_untyped_output() {
    let (doc, _) = layered();
    let stop = &doc["actions"]["StopWidgets"];
    assert_eq!(stop["source"].as_str(), Some(NEWER));
    assert_eq!(stop["response"]["untyped"], Value::Bool(true));
    assert!(stop["response"].get("fields").is_none());
    assert_eq!(param(&doc, "StopWidgets", "WidgetId")["type"], "list");
    assert_eq!(param(&doc, "StopWidgets", "WidgetId")["required"], true);
    // No file gives either an operation type: a `Describe...` name is taken as a read, safe
    // to retry; anything else keeps the safe default (not retried once it may have arrived).
    assert!(stop.get("idempotent").is_none());
    assert_eq!(doc["actions"]["DescribeWidgetSizes"]["idempotent"], true);
}

#[test]
fn request_facts_are_the_newer_files_and_what_it_does_not_publish_stays() {
    let (doc, _) = layered();
    let max = param(&doc, "ListWidgets", "MaxResults");
    assert_eq!(max["maximum"].as_i64(), Some(500));
    // The reduced file has no examples at all: the full file's stay.
    let full = convert(FULL, None, "demo.json").unwrap().0;
    let full: Value = serde_yaml::from_str(&full).unwrap();
    assert_eq!(
        param(&doc, "RunWidgets", "Amount")["example"],
        param(&full, "RunWidgets", "Amount")["example"]
    );
    assert!(!param(&doc, "RunWidgets", "Amount")["example"].is_null());
    // So do the responses, error codes and response tests of the actions both list.
    assert_eq!(
        doc["actions"]["RunWidgets"]["response"],
        full["actions"]["RunWidgets"]["response"]
    );
    assert_eq!(
        doc["actions"]["RunWidgets"]["tests"]["responses"],
        full["actions"]["RunWidgets"]["tests"]["responses"]
    );
}

#[test]
fn deprecation_is_the_newer_files_when_it_publishes_any() {
    let (doc, _) = layered();
    assert_eq!(doc["actions"]["RunWidgets"]["deprecated"], true);
    assert!(doc["actions"]["RunWidgets"].get("dropped_by").is_none());
    assert!(doc["actions"]["ListWidgets"].get("deprecated").is_none());
}

#[test]
fn a_new_parameter_names_its_source() {
    let (doc, _) = layered();
    let color = param(&doc, "ListWidgets", "Color");
    assert_eq!(color["source"].as_str(), Some(NEWER));
    assert!(
        param(&doc, "ListWidgets", "NextToken")
            .get("source")
            .is_none()
    );
}

#[test]
fn a_dropped_action_stays_deprecated_naming_the_file() {
    let (doc, _) = layered();
    let gone = &doc["actions"]["DescribeWidgetStatus"];
    assert_eq!(gone["deprecated"], true);
    assert_eq!(gone["dropped_by"].as_str(), Some(NEWER));
    assert!(!gone["response"]["fields"].as_sequence().unwrap().is_empty());
}

#[test]
fn layering_is_stable_and_refuses_files_of_another_product() {
    let newer = requests_only();
    let once = convert_layers(&[("demo.json", FULL), (NEWER, &newer)], None).unwrap();
    let twice = convert_layers(&[("demo.json", FULL), (NEWER, &newer)], None).unwrap();
    assert_eq!(once.0, twice.0);
    let other = newer.replace("\"Demo\"", "\"Other\"");
    let err = convert_layers(&[("demo.json", FULL), ("other.json", &other)], None).unwrap_err();
    assert!(matches!(err, ImportError::Usage(_)), "{err}");
    assert!(
        err.to_string().contains("one product and API version"),
        "{err}"
    );
}

#[test]
fn one_file_records_itself_as_the_only_source() {
    let (text, report) = convert(FULL, None, "demo.json").unwrap();
    assert!(report.layered.is_none());
    let doc: Value = serde_yaml::from_str(&text).unwrap();
    assert_eq!(doc["product"]["sources"][0], "demo.json");
    assert!(!text.contains("source: "));
    assert!(!text.contains("untyped"));
}

#[test]
fn a_structure_whose_name_moves_is_reported() {
    let before = "actions:
  DescribeImages:
    response:
      fields:
        - {name: Images, type: list, items: {type: struct, ref: Image}}
  RunInstances:
    params:
      - {name: Tag, type: list, items: {type: struct, ref: Tag}}
types:
  Image:
    fields:
      - {name: Features, type: struct, ref: Features}
";
    // A new request structure took the name `Features`; the response's moved aside.
    let after = "actions:
  DescribeImages:
    response:
      fields:
        - {name: Images, type: list, items: {type: struct, ref: Image}}
  ImportImage:
    params:
      - {name: Features, type: struct, ref: Features}
  RunInstances:
    params:
      - {name: Tag, type: list, items: {type: struct, ref: Tag}}
types:
  Image:
    fields:
      - {name: Features, type: struct, ref: DescribeImagesFeatures}
";
    assert_eq!(
        xtask::import::moved_types(before, after),
        [(
            "Features".to_owned(),
            vec!["DescribeImagesFeatures".to_owned()]
        )]
    );
    assert!(xtask::import::moved_types(after, after).is_empty());
}
