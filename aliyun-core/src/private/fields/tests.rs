use std::collections::BTreeMap;

use super::{DecodeFields, FieldResult, FieldValue};

#[derive(Debug, Default, PartialEq)]
struct Item {
    id: Option<String>,
    count: Option<i64>,
}
impl DecodeFields for Item {
    fn decode_field<'de>(&mut self, wire_name: &str, value: FieldValue<'_, 'de>) -> FieldResult {
        match wire_name {
            "Id" => self.id = value.lenient_opt()?,
            "Count" => self.count = value.lenient_opt()?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}
crate::deserialize_fields!(Item);

#[derive(Debug, Default, PartialEq)]
struct Page {
    request_id: String,
    items: Vec<Item>,
    first: Option<Item>,
    only: Item,
    ids: Vec<String>,
    numbers: Vec<i64>,
    labels: BTreeMap<String, i64>,
    by_name: BTreeMap<String, Item>,
    raw: Option<serde_json::Value>,
    anything: Vec<serde_json::Value>,
}
impl DecodeFields for Page {
    fn decode_field<'de>(&mut self, wire_name: &str, value: FieldValue<'_, 'de>) -> FieldResult {
        match wire_name {
            "RequestId" => self.request_id = value.lenient()?,
            "Items" => self.items = value.wrapped_list()?,
            "First" => self.first = value.value()?,
            "Only" => self.only = value.value()?,
            "Ids" => self.ids = value.lenient_list()?,
            "Numbers" => self.numbers = value.lenient_list()?,
            "Labels" => self.labels = value.lenient_map()?,
            "ByName" => self.by_name = value.object_map()?,
            "Raw" => self.raw = value.value()?,
            "Anything" => self.anything = value.wrapped_list()?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}
crate::deserialize_fields!(Page, required = ["RequestId"]);

fn page(json: &str) -> Page {
    serde_json::from_str(json).unwrap_or_else(|err| panic!("{json}: {err}"))
}

fn item(id: &str) -> Item {
    Item {
        id: Some(id.into()),
        count: None,
    }
}

#[test]
fn decodes_nested_structures_and_skips_unknown_keys() {
    let page = page(
        r#"{"RequestId":"r-1","Unknown":{"Deep":[1,{"x":null}]},
            "Items":{"Item":[{"Id":"a","Count":"3"},{"Id":7}]},
            "First":{"Id":"f"},"Only":{"Id":"o"},"Labels":{"k":"1"},"Raw":[1,"two"]}"#,
    );
    assert_eq!(page.request_id, "r-1");
    assert_eq!(
        page.items,
        vec![
            Item {
                id: Some("a".into()),
                count: Some(3)
            },
            item("7")
        ]
    );
    assert_eq!(page.first, Some(item("f")));
    assert_eq!(page.only, item("o"));
    assert_eq!(page.labels.get("k"), Some(&1));
    assert_eq!(page.raw, Some(serde_json::json!([1, "two"])));
}

#[test]
fn lists_in_every_shape() {
    let two = vec![item("a"), item("b")];
    for json in [
        r#"{"RequestId":"r","Items":{"Item":[{"Id":"a"},{"Id":"b"}]}}"#,
        r#"{"RequestId":"r","Items":[{"Id":"a"},{"Id":"b"}]}"#,
    ] {
        assert_eq!(page(json).items, two, "{json}");
    }
    // A single item stands for a list of one.
    assert_eq!(
        page(r#"{"RequestId":"r","Items":{"Item":{"Id":"only"}}}"#).items,
        vec![item("only")]
    );
    for empty in [
        r#"{"RequestId":"r","Items":{}}"#,
        r#"{"RequestId":"r","Items":null}"#,
        r#"{"RequestId":"r","Items":""}"#,
        r#"{"RequestId":"r","Items":{"Item":[]}}"#,
        r#"{"RequestId":"r","Items":{"Item":null}}"#,
    ] {
        assert!(page(empty).items.is_empty(), "{empty}");
    }
    assert!(serde_json::from_str::<Page>(r#"{"RequestId":"r","Items":"x"}"#).is_err());
}

#[test]
fn scalar_lists_read_their_items_leniently() {
    let ids = page(r#"{"RequestId":"r","Ids":{"InstanceId":["i-1","i-2"]}}"#).ids;
    assert_eq!(ids, ["i-1", "i-2"]);
    let ids = page(r#"{"RequestId":"r","Ids":{"InstanceId":"i-1"}}"#).ids;
    assert_eq!(ids, ["i-1"]);
    for json in [
        r#"{"RequestId":"r","Numbers":{"versionNumbers":[0,"1",null,2]}}"#,
        r#"{"RequestId":"r","Numbers":["0",1,"2"]}"#,
    ] {
        assert_eq!(page(json).numbers, [0, 1, 2], "{json}");
    }
    assert_eq!(
        page(r#"{"RequestId":"r","Numbers":{"N":"7"}}"#).numbers,
        [7]
    );
    assert_eq!(
        page(r#"{"RequestId":"r","Numbers":{"N":""}}"#).numbers,
        [0; 0]
    );
    assert!(serde_json::from_str::<Page>(r#"{"RequestId":"r","Numbers":["x"]}"#).is_err());
}

#[test]
fn free_form_lists_keep_every_item() {
    let anything = page(r#"{"RequestId":"r","Anything":{"A":[1,{"b":[true]},null]}}"#).anything;
    assert_eq!(
        anything,
        [
            serde_json::json!(1),
            serde_json::json!({"b": [true]}),
            serde_json::Value::Null
        ]
    );
    let one = page(r#"{"RequestId":"r","Anything":{"A":{"b":1}}}"#).anything;
    assert_eq!(one, [serde_json::json!({"b": 1})]);
}

#[test]
fn maps_decode_leniently() {
    let page = page(
        r#"{"RequestId":"r","Labels":{"a":"1","b":2,"c":"","d":null},
            "ByName":{"x":{"Id":"i"}}}"#,
    );
    assert_eq!(
        page.labels.into_iter().collect::<Vec<_>>(),
        [("a".to_owned(), 1), ("b".to_owned(), 2)]
    );
    assert_eq!(page.by_name["x"], item("i"));
    for empty in [
        r#"{"RequestId":"r"}"#,
        r#"{"RequestId":"r","Labels":null,"ByName":""}"#,
        r#"{"RequestId":"r","Labels":[],"ByName":[]}"#,
    ] {
        let maps = self::page(empty);
        assert!(maps.labels.is_empty() && maps.by_name.is_empty(), "{empty}");
    }
    for bad in [
        r#"{"RequestId":"r","Labels":{"a":"x"}}"#,
        r#"{"RequestId":"r","Labels":[1]}"#,
        r#"{"RequestId":"r","ByName":"no"}"#,
    ] {
        assert!(serde_json::from_str::<Page>(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_missing_required_field_is_an_error_naming_it() {
    let err = serde_json::from_str::<Page>(r#"{"Items":[]}"#).unwrap_err();
    assert!(
        err.to_string().contains("missing field `RequestId`"),
        "{err}"
    );
}

#[test]
fn a_wrong_type_is_an_error_naming_what_was_expected() {
    let err =
        serde_json::from_str::<Page>(r#"{"RequestId":"r","Items":[{"Count":"x"}]}"#).unwrap_err();
    assert!(err.to_string().contains("integer"), "{err}");
    let err = serde_json::from_str::<Item>("[1]").unwrap_err();
    assert!(err.to_string().contains("an object"), "{err}");
    let err = serde_json::from_str::<Page>(r#"{"RequestId":"r","Only":null}"#).unwrap_err();
    assert!(err.to_string().contains("an object"), "{err}");
}

#[test]
fn an_error_in_a_nested_value_names_the_path_and_the_position_in_the_body() {
    let body = r#"{"RequestId":"r","Items":{"Item":[{"Id":"a"},{"Count":true}]}}"#;
    let err = serde_json::from_str::<Page>(body).unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("Items: Count: invalid value"),
        "{message}"
    );
    // One position only, the outer one (in the whole body).
    assert_eq!(message.matches(" at line ").count(), 1, "{message}");
    assert_eq!(err.line(), 1);
    let err = serde_json::from_str::<Page>(r#"{"RequestId":"r","Labels":{"k":"x"}}"#).unwrap_err();
    assert!(
        err.to_string().starts_with("Labels: k: invalid value"),
        "{err}"
    );
}

#[test]
fn a_syntax_error_inside_a_nested_value_fails_the_decode() {
    for body in [
        r#"{"RequestId":"r","Items":[{"Id":"a"},"#,
        r#"{"RequestId":"r","First":{"Id":}}"#,
        r#"{"RequestId":"r","Unknown":[1,}"#,
    ] {
        let err = serde_json::from_str::<Page>(body).unwrap_err();
        assert_eq!(err.to_string().matches(" at line ").count(), 1, "{err}");
    }
}

#[test]
fn null_and_empty_optional_structures_are_absent() {
    let page = page(r#"{"RequestId":"r","First":null,"Raw":null}"#);
    assert_eq!(page.first, None);
    assert_eq!(page.raw, None);
    assert_eq!(self::page(r#"{"RequestId":"r","First":""}"#).first, None);
}

#[test]
fn decodes_from_any_deserializer() {
    // Not only from bytes in memory: a reader and a `serde_json::Value` work too.
    let json = r#"{"RequestId":"r","Items":{"Item":{"Id":"a"}},"Labels":{"k":2}}"#;
    let from_reader: Page = serde_json::from_reader(json.as_bytes()).unwrap();
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    let from_value: Page = serde_json::from_value(value).unwrap();
    assert_eq!(from_reader, page(json));
    assert_eq!(from_value, page(json));
    assert_eq!(from_value.items, vec![item("a")]);
}

#[test]
fn error_positions_are_recognized_exactly() {
    use super::without_position;
    assert_eq!(without_position("bad at line 3 column 14"), "bad");
    assert_eq!(without_position("says at line one"), "says at line one");
    assert_eq!(without_position("at line 3 column x"), "at line 3 column x");
}

/// Every built-in scalar type, read through its own fast path.
#[derive(Debug, Default, PartialEq)]
struct Scalars {
    name: Option<String>,
    small: Option<i32>,
    count: Option<i64>,
    ratio: Option<f64>,
    ok: Option<bool>,
}
impl DecodeFields for Scalars {
    fn decode_field<'de>(&mut self, wire_name: &str, value: FieldValue<'_, 'de>) -> FieldResult {
        match wire_name {
            "Name" => self.name = value.lenient_opt()?,
            "Small" => self.small = value.lenient_opt()?,
            "Count" => self.count = value.lenient_opt()?,
            "Ratio" => self.ratio = value.lenient_opt()?,
            "Ok" => self.ok = value.lenient_opt()?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}
crate::deserialize_fields!(Scalars);

#[test]
fn built_in_scalars_arrive_as_strings_or_not() {
    let expected = Scalars {
        name: Some("7".into()),
        small: Some(-3),
        count: Some(12),
        ratio: Some(0.5),
        ok: Some(true),
    };
    for json in [
        r#"{"Name":"7","Small":"-3","Count":"12","Ratio":"0.5","Ok":"True"}"#,
        r#"{"Name":7,"Small":-3,"Count":12,"Ratio":0.5,"Ok":true}"#,
        r#"{"Name":"7","Small":-3.0,"Count":12.0,"Ratio":"0.5","Ok":1}"#,
    ] {
        let scalars: Scalars = serde_json::from_str(json).unwrap();
        assert_eq!(scalars, expected, "{json}");
    }
    let empty: Scalars =
        serde_json::from_str(r#"{"Name":"","Small":"","Count":null,"Ratio":"","Ok":""}"#).unwrap();
    assert_eq!(
        empty,
        Scalars {
            name: Some(String::new()),
            ..Scalars::default()
        }
    );
    for bad in [
        r#"{"Small":"twelve"}"#,
        r#"{"Small":3000000000}"#,
        r#"{"Count":1.5}"#,
        r#"{"Ok":"yes"}"#,
        r#"{"Ratio":true}"#,
        r#"{"Name":[1]}"#,
    ] {
        let err = serde_json::from_str::<Scalars>(bad).unwrap_err();
        assert_eq!(
            err.to_string().matches(" at line ").count(),
            1,
            "{bad}: {err}"
        );
    }
}
