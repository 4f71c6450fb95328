//! `cargo xtask import` on a cut of RAM's metadata (tests/fixtures/ram-cut.json: five actions,
//! six regions, all served by one host): the global endpoint form, marker paging, API groups
//! that survive renumbered directories (tests/fixtures/ram-cut.renumbered.json), and an import
//! that writes nothing when any of its input or output is wrong.

use std::fs;
use std::path::PathBuf;

use serde_yaml::Value;
use xtask::import::{ImportError, convert, run};

const RAM: &str = include_str!("fixtures/ram-cut.json");
const RENUMBERED: &str = include_str!("fixtures/ram-cut.renumbered.json");
const GROUPS: &str = "groups: {users: [ListUsers], user-groups: [ListGroups]}\n";

fn import(metadata: &str, overlay: Option<&str>) -> (Value, String) {
    let (text, _) = convert(metadata, overlay, "ram-cut.json").expect("fixture imports");
    (serde_yaml::from_str(&text).expect("output is YAML"), text)
}

fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).expect("test YAML")
}

/// The metadata's endpoint table: (region, host).
fn table(metadata: &str) -> Vec<(String, String)> {
    let docs: serde_json::Value = serde_json::from_str(metadata).expect("JSON");
    docs["endpoints"]
        .as_array()
        .expect("endpoints")
        .iter()
        .map(|e| {
            let text = |key: &str| e[key].as_str().expect("text").to_owned();
            (text("regionId"), text("endpoint"))
        })
        .collect()
}

#[test]
fn a_global_product_gets_one_host_for_every_region() {
    let (doc, text) = import(RAM, None);
    assert_eq!(
        doc["product"]["endpoints"],
        yaml("{global: ram.aliyuncs.com}")
    );
    // What codegen reads (the same loader), resolved as aliyun-core resolves it: an exception,
    // else the rule with the region put in.
    let product = codegen::parse_product("ram.yaml", &text).expect("codegen accepts it");
    let host = |region: &str| {
        product
            .endpoint_exceptions
            .iter()
            .find(|(r, _)| r == region)
            .map(|(_, h)| h.clone())
            .unwrap_or_else(|| product.regional_endpoint.replace("{region}", region))
    };
    let rows = table(RAM);
    assert!(rows.len() >= 5);
    for (region, listed) in &rows {
        assert_eq!(&host(region), listed, "{region}");
    }
    for unknown in ["cn-guangzhou", "xx-new-9"] {
        assert_eq!(host(unknown), "ram.aliyuncs.com");
    }
    assert_eq!(product.central_endpoint, "ram.aliyuncs.com");
}

#[test]
fn marker_paged_actions_get_marker_paging() {
    let (doc, _) = import(RAM, None);
    let marker = yaml(
        "{style: marker, items: Users, input_token: Marker, output_token: Marker, \
         truncated: IsTruncated, page_size: MaxItems}",
    );
    assert_eq!(doc["actions"]["ListUsers"]["pagination"], marker);
    assert_eq!(
        doc["actions"]["ListGroups"]["pagination"]["style"],
        yaml("marker")
    );
    assert!(doc["actions"]["GetUser"]["pagination"].is_null());
    // An overlay still decides.
    let overlay = "actions:\n  ListUsers:\n    pagination: {style: next_token, items: Users, \
                   input_token: Marker, output_token: Marker}\n";
    let (doc, _) = import(RAM, Some(overlay));
    assert_eq!(
        doc["actions"]["ListUsers"]["pagination"]["style"],
        yaml("next_token")
    );
}

fn groups(doc: &Value) -> Vec<(String, String)> {
    doc["actions"]
        .as_mapping()
        .expect("actions")
        .iter()
        .map(|(name, action)| {
            let text = |v: &Value| v.as_str().unwrap_or("(none)").to_owned();
            (text(name), text(&action["group"]))
        })
        .collect()
}

#[test]
fn groups_survive_renumbered_directories() {
    let (before, _) = import(RAM, Some(GROUPS));
    let (after, _) = import(RENUMBERED, Some(GROUPS));
    let before = groups(&before);
    let after = groups(&after);
    assert_eq!(
        before,
        [
            ("CreateGroup".to_owned(), "user-groups".to_owned()),
            ("CreateUser".to_owned(), "users".to_owned()),
            ("GetUser".to_owned(), "users".to_owned()),
            ("ListGroups".to_owned(), "user-groups".to_owned()),
            ("ListUsers".to_owned(), "users".to_owned()),
        ]
    );
    // The same groups, and the new action joins its directory's other actions.
    let mut expected = before.clone();
    expected.push(("UpdateUser".to_owned(), "users".to_owned()));
    expected.sort();
    assert_eq!(after, expected);
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("specs/overlays")).expect("scratch dir");
    dir
}

#[test]
fn an_unknown_flag_is_refused_before_any_file_is_touched() {
    let root = scratch("import-flag");
    let input = root.join("ram-cut.json");
    fs::write(&input, RAM).expect("write fixture");
    let err = run(&root, &[input, PathBuf::from("--offline")], None).expect_err("refused");
    assert!(matches!(err, ImportError::Usage(_)), "{err}");
    assert!(err.to_string().contains("unknown flag --offline"), "{err}");
    assert!(!root.join("specs/ram.yaml").exists());
}

#[test]
fn an_invalid_spec_is_refused_and_nothing_is_written() {
    let root = scratch("import-invalid");
    let ram = root.join("ram-cut.json");
    let renumbered = root.join("ram-renumbered.json");
    fs::write(&ram, RAM).expect("write fixture");
    fs::write(&renumbered, RENUMBERED).expect("write fixture");
    // The overlay gives the product a pattern without `{region}`: the loader refuses it.
    fs::write(
        root.join("specs/overlays/ram.yaml"),
        "product:\n  endpoints: {regional: ram.aliyuncs.com, central: ram.aliyuncs.com}\n",
    )
    .expect("write overlay");
    let err = run(&root, &[ram, renumbered], None).expect_err("refused");
    let text = err.to_string();
    assert!(matches!(err, ImportError::Invalid(_)), "{text}");
    assert!(text.contains("product.endpoints.regional"), "{text}");
    assert!(!root.join("specs/ram.yaml").exists());
}
