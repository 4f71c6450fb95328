//! One test per class of malformed spec: each asserts the message names the file, the line and
//! column, the field path, and what was expected.

mod support;

use aliyun_spec::parse_spec;
use support::{VALID, edit, errors_of, list, refused};

#[test]
fn the_base_spec_is_valid() {
    parse_spec("specs/demo.yaml", VALID).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn yaml_syntax_error() {
    let source = edit("    idempotent: false\n", "    idempotent: [false\n");
    let errors = errors_of(&source);
    assert_eq!(errors.len(), 1);
    let error = &errors[0];
    assert_eq!(error.file, "specs/demo.yaml");
    assert!(error.line.is_some() && error.column.is_some(), "{error}");
}

#[test]
fn wrong_type_names_field_path_and_expectation() {
    let error = refused(
        &edit("max_items: 20", "max_items: many"),
        25,
        "actions.InstallThing.params[1].max_items",
        "expected u64",
    );
    assert!(error.message.contains("many"), "{error}");
}

#[test]
fn misspelt_key_is_an_unknown_field() {
    let error = errors_of(&edit("max_items: 20", "max_itemz: 20"));
    assert_eq!(error.len(), 1);
    let error = &error[0];
    assert!(
        error.message.contains("unknown field `max_itemz`"),
        "{error}"
    );
    assert!(
        error.message.contains("max_items"),
        "lists the expected keys: {error}"
    );
    assert!(
        error.path.starts_with("actions.InstallThing.params[1]"),
        "{error}"
    );
    assert_eq!(error.line, Some(25), "{error}");
}

#[test]
fn missing_field() {
    let errors = errors_of(&edit("    doc: Installs a thing.\n", ""));
    let error = &errors[0];
    assert!(error.message.contains("missing field `doc`"), "{error}");
    assert!(error.path.starts_with("actions.InstallThing"), "{error}");
    assert!(error.line.is_some(), "{error}");
}

#[test]
fn unknown_type_name() {
    let error = errors_of(&edit(
        "        type: string\n        required",
        "        type: strng\n        required",
    ));
    let error = &error[0];
    assert!(error.message.contains("unknown variant `strng`"), "{error}");
    assert!(error.message.contains("string"), "lists the types: {error}");
    assert_eq!(error.line, Some(18), "{error}");
}

#[test]
fn duplicate_action_key() {
    let source = format!(
        "{VALID}  InstallThing:\n    doc: Again.\n    idempotent: true\n    response:\n      fields: []\n    tests:\n      requests: []\n      responses: []\n"
    );
    let errors = errors_of(&source);
    let error = errors
        .iter()
        .find(|e| e.message.contains("duplicate key"))
        .unwrap_or_else(|| panic!("{}", list(&errors)));
    assert_eq!(error.path, "actions.InstallThing");
    assert_eq!(error.line, Some(51), "{error}");
}

#[test]
fn duplicate_parameter_name() {
    refused(
        &edit("      - name: InstanceId\n", "      - name: RegionId\n"),
        21,
        "actions.InstallThing.params[1].name",
        "duplicate name `RegionId`",
    );
}

#[test]
fn names_colliding_after_case_conversion() {
    refused(
        &edit("      - name: InstanceId\n", "      - name: Region_Id\n"),
        21,
        "actions.InstallThing.params[1]",
        "both become Rust name `region_id`",
    );
}

#[test]
fn unknown_type_reference() {
    refused(
        &edit(
            "        items:\n          type: string\n",
            "        items:\n          type: struct\n          ref: Nope\n",
        ),
        25,
        "actions.InstallThing.params[1].items.ref",
        "unknown type `Nope`",
    );
}

#[test]
fn required_with_default() {
    refused(
        &edit(
            "        required: true\n        doc: The region.",
            "        required: true\n        default: cn-hangzhou\n        doc: The region.",
        ),
        20,
        "actions.InstallThing.params[0].default",
        "a required member cannot have a default",
    );
}

#[test]
fn test_case_naming_unknown_parameter() {
    refused(
        &edit(
            "          params:\n            RegionId: cn-hangzhou\n",
            "          params:\n            RegionId: cn-hangzhou\n            Bogus: x\n",
        ),
        41,
        "actions.InstallThing.tests.requests[0].params.Bogus",
        "unknown parameter `Bogus`",
    );
}

#[test]
fn test_case_value_of_wrong_type() {
    refused(
        &edit(
            "            RegionId: cn-hangzhou\n          expect",
            "            RegionId: 12\n          expect",
        ),
        40,
        "actions.InstallThing.tests.requests[0].params.RegionId",
        "expected a string",
    );
}

#[test]
fn duplicate_error_codes() {
    refused(
        &edit(
            "        doc: No such thing.\n",
            "        doc: No such thing.\n      - code: Thing.NotFound\n        status: 404\n        doc: Twice.\n",
        ),
        36,
        "actions.InstallThing.errors[1].code",
        "duplicate error code `Thing.NotFound`",
    );
}

#[test]
fn invalid_limits() {
    refused(
        &edit(
            "        max_items: 20\n",
            "        min_items: 5\n        max_items: 2\n",
        ),
        26,
        "actions.InstallThing.params[1].max_items",
        "expected max_items >= min_items (5), got 2",
    );
}

#[test]
fn limit_on_the_wrong_type() {
    refused(
        &edit(
            "        required: true\n        doc: The region.",
            "        required: true\n        max_items: 3\n        doc: The region.",
        ),
        20,
        "actions.InstallThing.params[0].max_items",
        "applies to lists only",
    );
}

#[test]
fn invalid_pattern() {
    refused(
        &edit(
            "        required: true\n        doc: The region.",
            "        required: true\n        pattern: \"([a-z\"\n        doc: The region.",
        ),
        20,
        "actions.InstallThing.params[0].pattern",
        "invalid regular expression",
    );
}

#[test]
fn missing_test_cases() {
    let source = edit(
        "      responses:\n        - name: ok\n",
        "      responses: []\n      unused:\n        - name: ok\n",
    );
    // `unused` is an unknown key: serde refuses it first, naming it.
    let errors = errors_of(&source);
    assert!(
        errors[0].message.contains("unknown field `unused`"),
        "{}",
        list(&errors)
    );
    // Response cases may be left out (an action without an example body); request cases not.
    let no_responses = VALID
        .split("      responses:\n")
        .next()
        .unwrap_or_default()
        .to_owned();
    parse_spec("specs/demo.yaml", &no_responses).unwrap_or_else(|e| panic!("{e}"));
    let no_requests = no_responses
        .split("      requests:\n")
        .next()
        .unwrap_or_default()
        .to_owned()
        + "      requests: []\n";
    refused(
        &no_requests,
        36,
        "actions.InstallThing.tests",
        "at least one request case",
    );
}

#[test]
fn type_name_clashing_with_generated_items() {
    let source = VALID.replacen(
        "actions:\n",
        "types:\n  InstallThingOutput:\n    kind: enum\n    doc: Clashes.\n    values:\n      - value: a\nactions:\n",
        1,
    );
    refused(
        &source,
        13,
        "types.InstallThingOutput",
        "clashes with the generated `InstallThingOutput`",
    );
}

#[test]
fn several_problems_are_reported_together() {
    let source = edit("max_items: 20", "max_items: 0").replace("status: 404", "status: 999");
    let errors = errors_of(&source);
    assert!(errors.len() >= 2, "{}", list(&errors));
    assert!(errors.iter().any(|e| e.path.ends_with("max_items")));
    assert!(errors.iter().any(|e| e.path.ends_with("errors[0].status")));
}

#[test]
fn empty_and_garbage_documents_never_panic() {
    for source in [
        "",
        "\0\u{1}",
        "[1, 2, 3]",
        "product: 7",
        "---\n- a\n- b",
        "{{{{",
        "a: &x\n  b: *x\n",
    ] {
        let errors = errors_of(source);
        assert!(!errors.is_empty());
        assert!(errors[0].to_string().starts_with("specs/demo.yaml"));
    }
}
