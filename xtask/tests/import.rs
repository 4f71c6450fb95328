//! `cargo xtask import` on a small made-up api-docs file (tests/fixtures/api-docs.json): each
//! cleaning and naming rule, the test cases it writes, idempotency and the overlay merge.

use std::fs;
use std::path::PathBuf;

use serde_yaml::Value;
use xtask::import::report::{Defect, Report};
use xtask::import::{convert, naming, run};

const FIXTURE: &str = include_str!("fixtures/api-docs.json");

fn import(overlay: Option<&str>) -> (Value, Report, String) {
    let (text, report) = convert(FIXTURE, overlay, "api-docs.json").expect("fixture imports");
    let doc: Value = serde_yaml::from_str(&text).expect("output is YAML");
    (doc, report, text)
}

/// `doc` at a path of keys (strings) and indexes (numbers written as text).
fn at<'a>(doc: &'a Value, path: &str) -> &'a Value {
    path.split('/')
        .fold(doc, |v, key| match key.parse::<usize>() {
            Ok(i) => &v[i],
            Err(_) => &v[key],
        })
}

fn param<'a>(doc: &'a Value, action: &str, name: &str) -> &'a Value {
    at(doc, &format!("actions/{action}/params"))
        .as_sequence()
        .and_then(|ps| ps.iter().find(|p| p["name"].as_str() == Some(name)))
        .unwrap_or_else(|| panic!("{action} has no param {name}"))
}

fn names(list: &Value) -> Vec<String> {
    list.as_sequence()
        .map(|s| {
            s.iter()
                .filter_map(|m| m["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).expect("test YAML")
}

#[test]
fn product_facts_and_endpoints() {
    let (doc, _, text) = import(None);
    let product = &doc["product"];
    assert_eq!(product["code"], yaml("Demo"));
    assert_eq!(product["api_version"], yaml("'2020-02-02'"));
    assert_eq!(product["crate"], yaml("aliyun-demo"));
    assert_eq!(product["signature"], yaml("v1"));
    assert_eq!(product["method"], yaml("POST"));
    assert_eq!(product["param_location"], yaml("query"));
    assert_eq!(
        product["endpoints"],
        yaml(
            "regional: demo.{region}.aliyuncs.com\ncentral: demo.aliyuncs.com\n\
             exceptions: {cn-hangzhou: demo-cn-hangzhou.aliyuncs.com}"
        )
    );
    assert!(text.starts_with("# Demo API version 2020-02-02: written by `cargo xtask import`"));
}

#[test]
fn no_prose_from_the_metadata() {
    let (_, _, text) = import(None);
    assert!(!text.contains("PROSE-MARKER"), "{text}");
}

#[test]
fn action_docs_are_our_own_summary_and_a_reference_link() {
    let (doc, _, _) = import(None);
    assert_eq!(at(&doc, "actions/RunWidgets/doc"), &yaml("Runs widgets."));
    assert_eq!(
        at(&doc, "actions/RunWidgets/docs_url"),
        &yaml("https://api.aliyun.com/api/Demo/2020-02-02/RunWidgets")
    );
    assert_eq!(
        at(&doc, "actions/RunWidgets/operation_type"),
        &yaml("create")
    );
    assert_eq!(
        at(&doc, "actions/DescribeWidgetStatus/method"),
        &yaml("GET")
    );
    assert!(at(&doc, "actions/RunWidgets/method").is_null());
}

#[test]
fn summary_verb_table() {
    assert_eq!(
        naming::summary("DescribeInstanceStatus"),
        "Describes instance status."
    );
    assert_eq!(naming::summary("RunInstances"), "Runs instances.");
    assert_eq!(
        naming::summary("AttachInstanceRamRole"),
        "Attaches instance ram role."
    );
    assert_eq!(
        naming::summary("ModifyVSwitchAttribute"),
        "Modifies VSwitch attribute."
    );
    assert_eq!(
        naming::summary("ReActivateInstances"),
        "Reactivates instances."
    );
    assert_eq!(naming::summary("Frobnicate"), "Calls `Frobnicate`.");
    // A verb is a whole word: `Rerun...` is not `Re` + `run`.
    assert_eq!(naming::summary("Starter"), "Calls `Starter`.");
}

#[test]
fn duplicate_parameter_kept_once() {
    let (doc, report, _) = import(None);
    let params = names(at(&doc, "actions/RunWidgets/params"));
    assert_eq!(params.iter().filter(|n| *n == "RegionId").count(), 1);
    assert_eq!(report.count(Defect::DuplicateParam), 1);
    assert_eq!(report.actions_with_duplicates, 1);
}

#[test]
fn dotted_names_become_structures() {
    let (doc, report, _) = import(None);
    // `SystemDisk.Size`, `SystemDisk.Category` and the `SystemDisk` object merge, in place.
    let disk = param(&doc, "RunWidgets", "SystemDisk");
    assert_eq!(disk["type"], yaml("struct"));
    assert_eq!(disk["style"], yaml("flat"));
    let ty = disk["ref"].as_str().expect("ref");
    assert_eq!(ty, "RunWidgetsSystemDisk");
    assert_eq!(
        names(at(&doc, &format!("types/{ty}/fields"))),
        ["Size", "Category", "Encrypted"]
    );
    // `Filter.1.Key`, `Filter.1.Value`, `Filter.2.Key`: a list of {Key, Value}.
    let filter = param(&doc, "RunWidgets", "Filter");
    assert_eq!(filter["type"], yaml("list"));
    assert_eq!(filter["items"]["type"], yaml("struct"));
    let params = names(at(&doc, "actions/RunWidgets/params"));
    assert!(params.iter().all(|n| !n.contains('.')), "{params:?}");
    assert_eq!(
        params,
        [
            "RegionId",
            "Amount",
            "Name",
            "Kind",
            "SystemDisk",
            "Filter",
            "Tag",
            "WidgetId",
            "Parameters",
            "Body",
            "ClientToken",
            "DryRun"
        ]
    );
    assert_eq!(report.count(Defect::DottedName), 5);
}

#[test]
fn lowercase_twins_dropped() {
    let (doc, report, _) = import(None);
    assert_eq!(names(at(&doc, "types/Tag/fields")), ["Key", "Value"]);
    assert_eq!(report.count(Defect::LowercaseTwin), 2);
}

#[test]
fn limits_examples_and_defaults_typed() {
    let (doc, report, _) = import(None);
    let amount = param(&doc, "RunWidgets", "Amount");
    assert_eq!(amount["minimum"], yaml("1"));
    assert_eq!(amount["maximum"], yaml("100"));
    assert_eq!(amount["default"], yaml("1"));
    assert_eq!(amount["example"], yaml("3"));
    assert_eq!(param(&doc, "RunWidgets", "Tag")["max_items"], yaml("20"));
    assert_eq!(report.count(Defect::LimitAsString), 3);
    assert!(report.count(Defect::ExampleAsString) >= 4);
    // `"null"` is a placeholder, not an example.
    assert!(param(&doc, "RunWidgets", "DryRun")["example"].is_null());
    assert_eq!(report.count(Defect::PlaceholderExample), 1);
}

#[test]
fn example_breaking_its_pattern_dropped() {
    let (doc, report, _) = import(None);
    let name = param(&doc, "RunWidgets", "Name");
    assert_eq!(name["pattern"], yaml("^[a-z]+$"));
    assert!(name["example"].is_null());
    assert_eq!(report.count(Defect::ExampleBreaksLimits), 1);
}

#[test]
fn enums_deprecation_styles_locations_tokens() {
    let (doc, _, _) = import(None);
    let kind = param(&doc, "RunWidgets", "Kind");
    assert_eq!(kind["enum"], yaml("[small, large]"));
    assert_eq!(kind["deprecated"], yaml("true"));
    assert_eq!(
        param(&doc, "RunWidgets", "WidgetId")["style"],
        yaml("repeat")
    );
    assert_eq!(
        param(&doc, "RunWidgets", "Parameters")["style"],
        yaml("json")
    );
    assert_eq!(param(&doc, "RunWidgets", "Parameters")["type"], yaml("any"));
    assert_eq!(
        param(&doc, "RunWidgets", "Body")["location"],
        yaml("form_body")
    );
    assert_eq!(
        param(&doc, "RunWidgets", "ClientToken")["client_token"],
        yaml("true")
    );
    assert_eq!(
        param(&doc, "RunWidgets", "RegionId")["client_region"],
        yaml("true")
    );
    // `$ref` resolved from components.schemas.
    let matchers = param(&doc, "DescribeWidgetStatus", "Matchers");
    let ty = matchers["items"]["ref"].as_str().expect("ref");
    assert_eq!(
        names(at(&doc, &format!("types/{ty}/fields"))),
        ["Label", "Value"]
    );
}

#[test]
fn errors_cleaned() {
    let (doc, report, _) = import(None);
    let errors = at(&doc, "actions/RunWidgets/errors");
    let codes: Vec<&str> = errors
        .as_sequence()
        .expect("errors")
        .iter()
        .filter_map(|e| e["code"].as_str())
        .collect();
    // `Success` (HTTP 200) and `Quota.%s` are gone; both VPC spellings stay.
    assert_eq!(
        codes,
        [
            "InvalidVpc.NotFound",
            "InvalidVPC.NotFound",
            "Throttling.User",
            "Forbidden.Odd"
        ]
    );
    assert!(errors[0]["rust_name"].is_null());
    assert_eq!(errors[1]["rust_name"], yaml("InvalidVPCNotFound"));
    // `Throttling.User\t` under 403 is the same code once trimmed.
    assert_eq!(errors[2]["status"], yaml("[400, 403]"));
    assert_eq!(errors[3]["status"], yaml("400"), "4003 maps to 400");
    assert_eq!(report.count(Defect::PlaceholderCode), 1);
    assert_eq!(report.count(Defect::PaddedCode), 1);
    assert_eq!(report.count(Defect::SuccessStatusError), 1);
    assert_eq!(report.count(Defect::NonHttpStatusMapped), 1);
    assert_eq!(report.count(Defect::CodeUnderSeveralStatuses), 1);
    assert_eq!(report.count(Defect::CollidingCodeName), 1);
}

#[test]
fn doc_required_is_not_enforced() {
    let (doc, report, _) = import(None);
    let os = param(&doc, "DescribeWidgetStatus", "OsType");
    assert_eq!(os["doc_required"], yaml("true"));
    assert!(os["required"].is_null());
    assert_eq!(report.count(Defect::DocRequired), 1);
}

#[test]
fn unmappable_status_dropped() {
    let (doc, report, _) = import(None);
    assert!(at(&doc, "actions/DescribeWidgetStatus/errors").is_null());
    assert_eq!(report.count(Defect::NonHttpStatusDropped), 1);
}

#[test]
fn colliding_member_names_settled() {
    let (doc, report, _) = import(None);
    assert!(param(&doc, "DescribeWidgetStatus", "OsType")["rust_name"].is_null());
    assert_eq!(
        param(&doc, "DescribeWidgetStatus", "OSType")["rust_name"],
        yaml("os_type_2")
    );
    assert_eq!(report.count(Defect::CollidingMemberName), 1);
}

#[test]
fn structures_named_and_shared() {
    let (doc, report, _) = import(None);
    // The {Key, Value} shape of both actions' `Tag` (and RunWidgets' `Filter`) is one type,
    // named after the member because several actions use it.
    assert_eq!(
        param(&doc, "RunWidgets", "Tag")["items"]["ref"],
        yaml("Tag")
    );
    assert_eq!(
        param(&doc, "DescribeWidgetStatus", "Tag")["items"]["ref"],
        yaml("Tag")
    );
    assert_eq!(
        param(&doc, "RunWidgets", "Filter")["items"]["ref"],
        yaml("Tag")
    );
    // `Widget` is shared by RunWidgets and ListWidgets.
    assert_eq!(report.shared_types, 2);
    // A wrapped response list: named after its wrapper key, declared with `wrapper`.
    let widgets = &at(&doc, "actions/RunWidgets/response/fields")[2];
    assert_eq!(
        widgets,
        &yaml("{name: Widgets, type: list, items: {type: struct, ref: Widget}, wrapper: Widget}")
    );
    assert_eq!(names(at(&doc, "types/Widget/fields")), ["Size", "WidgetId"]);
    let types: Vec<&str> = doc["types"]
        .as_mapping()
        .expect("types")
        .keys()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        types,
        [
            "DescribeWidgetStatusMatchers",
            "RunWidgetsSystemDisk",
            "Tag",
            "Widget"
        ]
    );
}

#[test]
fn request_example_case_with_wire() {
    let (doc, _, _) = import(None);
    let case = at(&doc, "actions/RunWidgets/tests/requests/0");
    assert_eq!(case["name"], yaml("example"));
    assert_eq!(
        case["params"]["SystemDisk"],
        yaml("{Size: 40, Category: cloud_ssd, Encrypted: false}")
    );
    assert_eq!(
        case["expect"]["wire"],
        yaml(
            r#"
            RegionId: cn-hangzhou
            Amount: "3"
            Kind: small
            SystemDisk.Size: "40"
            SystemDisk.Category: cloud_ssd
            SystemDisk.Encrypted: "false"
            Filter.1.Key: k1
            Filter.1.Value: v1
            Tag.1.Key: env
            Tag.1.Value: prod
            WidgetId.1: w-1
            Parameters: '{"name":"Jack"}'
            Body: data
            ClientToken: tok-1
            "#
        )
    );
    // A required parameter with no example: the case expects the refusal naming it.
    let refused = at(&doc, "actions/DescribeWidgetStatus/tests/requests/0");
    assert_eq!(refused["expect"], yaml("{invalid: WidgetName}"));
}

#[test]
fn response_example_case() {
    let (doc, _, _) = import(None);
    let case = at(&doc, "actions/RunWidgets/tests/responses/0");
    assert_eq!(case["name"], yaml("example"));
    assert_eq!(case["status"], yaml("200"));
    // Values decoded as declared: "2" -> 2, "5" -> 5; the undeclared `Extra` is not asserted.
    assert_eq!(
        case["expect"]["output_contains"],
        yaml("{RequestId: r-1, TotalCount: 2, Widgets: [{Size: 5, WidgetId: w-1}]}")
    );
    assert!(at(&doc, "actions/RunWidgets/response/example")["Widgets"]["Widget"].is_sequence());
    assert_eq!(
        at(&doc, "actions/DescribeWidgetStatus/tests/responses"),
        &yaml("[]")
    );
}

#[test]
fn paging_inferred_from_conventional_names() {
    let (doc, _, _) = import(None);
    assert_eq!(
        at(&doc, "actions/ListWidgets/pagination"),
        &yaml(
            "
            - {style: next_token, items: Widgets, input_token: NextToken, output_token: NextToken, page_size: MaxResults}
            - {style: page_number, items: Widgets, page_number: PageNumber, page_size: PageSize, total_count: TotalCount}
            "
        )
    );
    assert!(at(&doc, "actions/RunWidgets/pagination").is_null());
}

const OVERLAY: &str = r#"
product:
  name: Demo Service
  errors: {style: envelope}
types:
  Widget:
    kind: struct
    doc: A widget.
    fields:
      - {name: WidgetId, type: string, doc: The widget's ID.}
actions:
  RunWidgets:
    doc: Starts widgets.
    idempotent: false
    remove: [DryRun]
    params:
      - {name: Amount, type: integer, maximum: 10, doc: How many.}
      - {name: Extra, type: string, doc: A parameter the metadata lacks.}
    response:
      fields:
        - {name: TotalCount, type: long, doc: The total.}
    errors:
      - {code: Throttling.User, status: 400, retryable: true}
    tests:
      requests:
        - {name: mine, params: {}, expect: {wire: {RegionId: cn-hangzhou}}}
      responses: []
"#;

#[test]
fn overlay_merge_rule() {
    let (doc, _, _) = import(Some(OVERLAY));
    // Product keys replace key by key.
    assert_eq!(doc["product"]["name"], yaml("Demo Service"));
    assert_eq!(doc["product"]["errors"], yaml("{style: envelope}"));
    assert_eq!(doc["product"]["code"], yaml("Demo"));
    // A type replaces the imported one whole.
    assert_eq!(names(at(&doc, "types/Widget/fields")), ["WidgetId"]);
    let action = at(&doc, "actions/RunWidgets");
    assert_eq!(action["doc"], yaml("Starts widgets."));
    assert_eq!(action["idempotent"], yaml("false"));
    assert!(action["remove"].is_null());
    assert_eq!(
        action["docs_url"],
        yaml("https://api.aliyun.com/api/Demo/2020-02-02/RunWidgets")
    );
    // Params merge by name: replaced in place, new ones appended, `remove` drops.
    let params = names(&action["params"]);
    assert_eq!(
        params,
        [
            "RegionId",
            "Amount",
            "Name",
            "Kind",
            "SystemDisk",
            "Filter",
            "Tag",
            "WidgetId",
            "Parameters",
            "Body",
            "ClientToken",
            "Extra"
        ]
    );
    assert_eq!(param(&doc, "RunWidgets", "Amount")["maximum"], yaml("10"));
    assert!(param(&doc, "RunWidgets", "Amount")["default"].is_null());
    // Response fields merge by name; the example stays imported.
    assert_eq!(
        names(&action["response"]["fields"]),
        ["RequestId", "TotalCount", "Widgets"]
    );
    assert_eq!(action["response"]["fields"][1]["type"], yaml("long"));
    assert!(action["response"]["example"].is_mapping());
    // Errors merge by code.
    let errors = action["errors"].as_sequence().expect("errors");
    assert_eq!(errors.len(), 4);
    assert_eq!(
        errors[2],
        yaml("{code: Throttling.User, status: 400, retryable: true}")
    );
    // Other keys replace whole.
    assert_eq!(names(&action["tests"]["requests"]), ["mine"]);
}

#[test]
fn overlay_waiters_survive_the_import() {
    let overlay = "waiters:\n  WidgetsCounted:\n    action: RunWidgets\n    doc: Waits for a count.\n    \
                   acceptors:\n      - {state: success, path: TotalCount, all: 3}\n";
    let (doc, _, text) = import(Some(overlay));
    let waiter = at(&doc, "waiters/WidgetsCounted");
    assert_eq!(waiter["action"], yaml("RunWidgets"));
    assert_eq!(waiter["acceptors"][0]["all"], yaml("3"));
    // Importing the output again with the same overlay changes nothing.
    assert_eq!(import(Some(overlay)).2, text);
}

#[test]
fn overlay_drops_orphaned_imported_types() {
    // (The imported test cases set `SystemDisk` as a structure: the overlay replaces them too,
    // or the import refuses the spec it would write.)
    let overlay = "actions:\n  RunWidgets:\n    params:\n      - {name: SystemDisk, type: string}\n\
                   \x20   tests:\n      requests:\n        \
                   - {name: mine, params: {}, expect: {wire: {RegionId: cn-hangzhou}}}\n      \
                   responses: []\n";
    let (doc, _, _) = import(Some(overlay));
    assert!(doc["types"]["RunWidgetsSystemDisk"].is_null());
    assert!(doc["types"]["Tag"].is_mapping());
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("specs/overlays")).expect("scratch dir");
    dir
}

#[test]
fn importing_twice_changes_nothing() {
    let root = scratch("import-twice");
    let input = root.join("api-docs.json");
    fs::write(&input, FIXTURE).expect("write fixture");
    fs::write(root.join("specs/overlays/demo.yaml"), OVERLAY).expect("write overlay");
    let first = run(&root, std::slice::from_ref(&input), None).expect("first import");
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].path, root.join("specs/demo.yaml"));
    assert!(first[0].changed);
    let written = fs::read_to_string(root.join("specs/demo.yaml")).expect("spec written");
    assert!(written.contains("Demo Service"), "overlay merged");
    let second = run(&root, std::slice::from_ref(&input), None).expect("second import");
    assert!(!second[0].changed);
    assert_eq!(
        fs::read_to_string(root.join("specs/demo.yaml")).expect("spec"),
        written
    );
    // The same input gives the same text, byte for byte, through `convert` too.
    assert_eq!(import(None).2, import(None).2);
}

#[test]
fn out_flag_and_bad_input() {
    let root = scratch("import-out");
    let input = root.join("api-docs.json");
    fs::write(&input, FIXTURE).expect("write fixture");
    let out = root.join("elsewhere/demo-spec.yaml");
    let done = run(&root, std::slice::from_ref(&input), Some(&out)).expect("import");
    assert_eq!(done[0].path, out);
    assert!(out.exists());
    assert!(run(&root, &[input.clone(), input.clone()], Some(&out)).is_err());
    assert!(convert("{}", None, "x").is_err());
    assert!(convert("not json", None, "x").is_err());
}

/// The fixture with a `directories` tree: RunWidgets at the top, ListWidgets in a named
/// sub-directory, DescribeWidgetStatus in an unnamed one (it takes its parent's group).
fn with_directories() -> String {
    let mut docs: serde_json::Value = serde_json::from_str(FIXTURE).expect("fixture is JSON");
    docs["directories"] = serde_json::json!([
        {"id": 10, "type": "directory", "children": [
            "RunWidgets",
            {"id": 11, "type": "directory", "children": ["ListWidgets"]},
            {"id": 12, "type": "directory", "children": ["DescribeWidgetStatus"]}
        ]}
    ]);
    docs.to_string()
}

#[test]
fn groups_name_the_directories() {
    let overlay = "groups: {widgets: [RunWidgets], widget-lists: [ListWidgets]}\n\
                   actions:\n  RunWidgets:\n    doc: Starts widgets.\n";
    let (text, _) = convert(&with_directories(), Some(overlay), "x").expect("imports");
    let doc: Value = serde_yaml::from_str(&text).expect("YAML");
    // An overlay action keeps its imported group; the table itself is not copied.
    assert_eq!(at(&doc, "actions/RunWidgets/group"), &yaml("widgets"));
    assert_eq!(at(&doc, "actions/ListWidgets/group"), &yaml("widget-lists"));
    assert_eq!(
        at(&doc, "actions/DescribeWidgetStatus/group"),
        &yaml("widgets")
    );
    assert!(doc["groups"].is_null());
    // Without a table, no action has a group.
    let (text, _) = convert(&with_directories(), None, "x").expect("imports");
    assert!(!text.contains("group:"));
}

#[test]
fn a_bad_groups_table_is_refused() {
    let refused = |overlay: &str| {
        convert(&with_directories(), Some(overlay), "x")
            .expect_err("refused")
            .to_string()
    };
    assert!(
        refused("groups: {lists: [ListWidgets]}")
            .contains("directory 10 (first action RunWidgets) has no group")
    );
    assert!(refused("groups: {w: [RunWidgets], x: [Gone]}").contains("group x lists no action"));
    assert!(refused("groups: {Widgets: [RunWidgets]}").contains("kebab-case"));
    assert!(refused("groups: {10: widgets}").contains("not by directory id"));
}

#[test]
fn overlay_json_params_type_a_string_or_are_refused() {
    let (doc, report, _) = import(Some("json_params: {RunWidgets.Body: map}\n"));
    let body = param(&doc, "RunWidgets", "Body");
    assert_eq!(body["type"].as_str(), Some("map"));
    assert_eq!(body["style"].as_str(), Some("json"));
    assert_eq!(body["items"]["type"].as_str(), Some("any"));
    assert!(body.get("example").is_none(), "`data` is not a JSON object");
    assert_eq!(report.count(Defect::JsonObjectAsText), 1);
    let err = convert(FIXTURE, Some("json_params: {RunWidgets.Nope: list}\n"), "x").unwrap_err();
    assert!(err.to_string().contains("RunWidgets.Nope"), "{err}");
}
