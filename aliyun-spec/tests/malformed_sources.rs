//! Malformed uses of the keys that record where an imported spec's facts came from
//! (`product.sources`, `source`, `dropped_by`) and of untyped responses. Each case names the
//! file, line, field path and what was expected.

mod support;

use aliyun_spec::parse_spec;
use support::{VALID, errors_of, line_of, list, refused};

/// `VALID` with two sources, a parameter the newer added, and the action dropped by it.
fn layered() -> String {
    VALID
        .replacen(
            "  doc: A demo.\n",
            "  doc: A demo.\n  sources: [demo.json, demo.requests.json]\n",
            1,
        )
        .replacen(
            "        doc: The instances.\n",
            "        doc: The instances.\n        source: demo.requests.json\n",
            1,
        )
        .replacen(
            "    idempotent: false\n",
            "    idempotent: false\n    deprecated: true\n    dropped_by: demo.requests.json\n",
            1,
        )
}

#[test]
fn sources_added_and_dropped_items_and_untyped_responses_are_accepted() {
    parse_spec("specs/demo.yaml", &layered()).unwrap_or_else(|e| panic!("{e}"));
    let untyped = VALID.replacen(
        "    response:\n      fields:\n        - name: RequestId\n          type: string\n          doc: The request id.\n",
        "    response:\n      untyped: true\n",
        1,
    ).replacen("          expect:\n            output:\n              RequestId: r\n", "          expect:\n            output: {}\n", 1);
    assert_ne!(untyped, VALID);
    let product =
        aliyun_spec::parse_product("specs/demo.yaml", &untyped).unwrap_or_else(|e| panic!("{e}"));
    assert!(product.actions[0].untyped_output);
    assert!(product.actions[0].output.is_empty());
}

#[test]
fn a_source_must_be_listed() {
    let wrong = layered().replacen("source: demo.requests.json", "source: other.json", 1);
    refused(
        &wrong,
        line_of(&wrong, "source: other.json"),
        "actions.InstallThing.params[1].source",
        "`other.json` is not one of `product.sources`",
    );
}

#[test]
fn a_dropped_action_is_deprecated_and_dropped_by_a_newer_source() {
    let wrong = layered().replacen("    deprecated: true\n", "", 1);
    let errors = errors_of(&wrong);
    assert!(
        errors
            .iter()
            .any(|e| e.path == "actions.InstallThing.deprecated"
                && e.message.contains("must be `deprecated: true`")),
        "{}",
        list(&errors)
    );
    let wrong = layered().replacen(
        "    dropped_by: demo.requests.json\n",
        "    source: demo.requests.json\n    dropped_by: demo.json\n",
        1,
    );
    refused(
        &wrong,
        line_of(&wrong, "dropped_by: demo.json"),
        "actions.InstallThing.dropped_by",
        "newer than the one that added it",
    );
}

#[test]
fn an_untyped_response_has_no_fields_and_a_typed_one_has_some() {
    let wrong = VALID.replacen(
        "    response:\n      fields:\n",
        "    response:\n      untyped: true\n      fields:\n",
        1,
    );
    refused(
        &wrong,
        line_of(&wrong, "untyped: true"),
        "actions.InstallThing.response.untyped",
        "has no `fields`",
    );
}

#[test]
fn sources_are_file_names_listed_once() {
    let wrong = layered().replacen(
        "sources: [demo.json, demo.requests.json]",
        "sources: [demo.json, demo.json, ../x.json]",
        1,
    );
    let errors = errors_of(&wrong);
    for (path, fragment) in [
        ("product.sources[1]", "listed twice"),
        ("product.sources[2]", "a metadata file name"),
    ] {
        assert!(
            errors
                .iter()
                .any(|e| e.path == path && e.message.contains(fragment)),
            "{path}: {}",
            list(&errors)
        );
    }
}
