//! Malformed uses of the keys added for imported API metadata (maps, free-form JSON, wire
//! styles, client tokens, placement, documented values, several statuses, paging lists, partial
//! output expectations, modules). Each case names the file, line, column, field path and what
//! was expected.

mod support;

use aliyun_spec::parse_spec;
use support::{VALID, edit, errors_of, line_of, list, refused, with_param};

/// Refused at the line of `needle`, at `path`, saying `fragment`.
fn refused_near(source: &str, needle: &str, path: &str, fragment: &str) {
    refused(source, line_of(source, needle), path, fragment);
}

const NEW: &str = "actions.InstallThing.params[2]";

#[test]
fn the_new_keys_are_accepted_where_they_apply() {
    let source = with_param(
        "      - name: ClientToken
        type: string
        client_token: true
      - name: Labels
        type: map
        items: {type: string, max_length: 8}
        location: query
      - name: Document
        type: any
      - name: Ids
        type: list
        style: json
        items: {type: string}
        deprecated: true
      - name: Mode
        type: integer
        enum: [1, 2]
        doc_required: true
",
    )
    .replace("    idempotent: false\n", "    operation_type: create\n    docs_url: https://api.aliyun.com/api/Demo/2020-01-01/InstallThing\n    deprecated: true\n")
    .replace("        status: 404\n        doc: No such thing.\n", "        status: [400, 404]\n")
    .replace("            output:\n", "            output_contains:\n")
    .replace("  doc: A demo.\n", "  doc: A demo.\n  module: v20200101\n  errors:\n    style: envelope\n");
    parse_spec("specs/demo.yaml", &source).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn status_lists() {
    let wrong = edit("status: 404", "status: [404, nope]");
    let errors = errors_of(&wrong);
    let error = &errors[0];
    assert!(
        error
            .path
            .starts_with("actions.InstallThing.errors[0].status"),
        "{error}"
    );
    assert!(error.message.contains("expected u16"), "{error}");
    assert_eq!(error.line, Some(line_of(&wrong, "status: [404")), "{error}");
    let wrong = edit("status: 404", "status: {code: 404}");
    let error = &errors_of(&wrong)[0];
    assert!(error.message.contains("expected u16"), "{error}");
    let path = "actions.InstallThing.errors[0].status";
    refused_near(
        &edit("status: 404", "status: []"),
        "status: []",
        path,
        "at least one status",
    );
    refused_near(
        &edit("status: 404", "status: [404, 404]"),
        "status: [",
        path,
        "listed twice",
    );
    refused_near(
        &edit("status: 404", "status: [400, 99]"),
        "status: [",
        path,
        "100..=599, got 99",
    );
    refused_near(
        &edit("        doc: No such thing.\n", "        doc: ' '\n"),
        "doc: ' '",
        "actions.InstallThing.errors[0].doc",
        "leave the key out",
    );
}

#[test]
fn error_codes_are_written_as_sent() {
    refused_near(
        &edit("code: Thing.NotFound", "code: \"Thing.NotFound\\t\""),
        "code: \"Thing",
        "actions.InstallThing.errors[0].code",
        "whitespace or control characters",
    );
}

#[test]
fn client_tokens() {
    let path = format!("{NEW}.client_token");
    refused_near(
        &with_param(
            "      - name: ClientToken\n        type: integer\n        client_token: true\n",
        ),
        "client_token: true",
        &path,
        "string parameters only",
    );
    refused_near(
        &with_param(
            "      - name: ClientToken\n        type: string\n        required: true\n        client_token: true\n",
        ),
        "client_token: true",
        &path,
        "cannot be `required`",
    );
    refused_near(
        &with_param(
            "      - name: A\n        type: string\n        client_token: true\n      - name: B\n        type: string\n        client_token: true # here\n",
        ),
        "# here",
        "actions.InstallThing.params[3].client_token",
        "only one client token",
    );
    let field = edit(
        "          doc: The request id.\n",
        "          doc: The request id.\n          client_token: true\n",
    );
    refused_near(
        &field,
        "client_token: true",
        "actions.InstallThing.response.fields[0].client_token",
        "string parameters only",
    );
}

#[test]
fn styles() {
    let path = format!("{NEW}.style");
    for (param, fragment) in [
        (
            "type: map\n        items: {type: string}\n        style: joined",
            "lists of scalars only",
        ),
        ("type: any\n        style: flat", "use `style: json`"),
        ("type: string\n        style: repeat", "lists only"),
        (
            "type: map\n        items: {type: string}\n        style: repeat",
            "lists only",
        ),
    ] {
        let source = with_param(&format!("      - name: P\n        {param}\n"));
        refused_near(&source, "style:", &path, fragment);
    }
    let json_separator = with_param(
        "      - name: P\n        type: list\n        items: {type: string}\n        style: json\n        separator: ';'\n",
    );
    refused_near(
        &json_separator,
        "separator",
        &format!("{NEW}.separator"),
        "needs `style: joined`",
    );
    let on_response = edit(
        "          doc: The request id.\n",
        "          doc: The request id.\n          style: json\n",
    );
    refused_near(
        &on_response,
        "style: json",
        "actions.InstallThing.response.fields[0].style",
        "parameters only",
    );
    let unknown = with_param("      - name: P\n        type: string\n        style: yaml\n");
    let errors = errors_of(&unknown);
    assert!(
        errors[0].message.contains("unknown variant `yaml`"),
        "{}",
        list(&errors)
    );
    assert!(
        errors[0].message.contains("json"),
        "lists the styles: {}",
        list(&errors)
    );
}

#[test]
fn maps_and_free_form_values() {
    refused_near(
        &with_param("      - name: M\n        type: map\n"),
        "name: M",
        NEW,
        "needs `items`",
    );
    refused_near(
        &with_param(
            "      - name: M\n        type: map\n        items:\n          type: list # here\n",
        ),
        "# here",
        &format!("{NEW}.items.type"),
        "nested lists and maps",
    );
    refused_near(
        &with_param(
            "      - name: M\n        type: map\n        items:\n          type: map # here\n",
        ),
        "# here",
        &format!("{NEW}.items.type"),
        "use `any`",
    );
    refused_near(
        &with_param("      - name: A\n        type: any\n        ref: Nothing\n"),
        "ref: Nothing",
        &format!("{NEW}.ref"),
        "struct and enum types only",
    );
    refused_near(
        &with_param("      - name: A\n        type: any\n        items: {type: string}\n"),
        "items: {",
        &format!("{NEW}.items"),
        "lists and maps only",
    );
    let wire_type = edit(
        "        - name: RequestId\n          type: string\n",
        "        - name: RequestId\n          type: map\n          items: {type: string}\n          wire_type: string\n",
    );
    refused_near(
        &wire_type,
        "wire_type",
        "actions.InstallThing.response.fields[0].wire_type",
        "scalar fields only",
    );
    let value = with_param("      - name: M\n        type: map\n        items: {type: integer}\n")
        .replace(
            "            RegionId: cn-hangzhou\n          expect",
            "            RegionId: cn-hangzhou\n            M: {a: x}\n          expect",
        );
    refused_near(
        &value,
        "M: {a: x}",
        "actions.InstallThing.tests.requests[0].params.M",
        "key `a`: expected a number",
    );
}

#[test]
fn documented_values_and_facts() {
    let path = format!("{NEW}.enum");
    refused_near(
        &with_param("      - name: F\n        type: boolean\n        enum: [true]\n"),
        "enum:",
        &path,
        "string and integer members only",
    );
    refused_near(
        &with_param("      - name: F\n        type: integer\n        enum: [1, two]\n"),
        "enum:",
        &format!("{path}[1]"),
        "expected an integer",
    );
    refused_near(
        &with_param("      - name: F\n        type: string\n        enum: [a, a]\n"),
        "enum:",
        &format!("{path}[1]"),
        "duplicate value",
    );
    refused_near(
        &with_param("      - name: F\n        type: string\n        enum: []\n"),
        "enum:",
        &path,
        "at least one value",
    );
    refused_near(
        &with_param(
            "      - name: F\n        type: string\n        required: true\n        doc_required: true\n",
        ),
        "doc_required",
        &format!("{NEW}.doc_required"),
        "drop it or `required`",
    );
    let deprecated =
        with_param("      - name: F\n        type: string\n        deprecated: maybe\n");
    let errors = errors_of(&deprecated);
    assert!(errors[0].path.starts_with(NEW), "{}", list(&errors));
    assert!(
        errors[0].message.contains("expected a boolean"),
        "{}",
        list(&errors)
    );
}

#[test]
fn placement() {
    refused_near(
        &with_param("      - name: F\n        type: string\n        location: form_body\n")
            .replace("  method: POST\n", "  method: GET\n"),
        "location: form_body",
        &format!("{NEW}.location"),
        "needs method POST",
    );
    let field = edit(
        "          doc: The request id.\n",
        "          doc: The request id.\n          location: query\n",
    );
    refused_near(
        &field,
        "location: query",
        "actions.InstallThing.response.fields[0].location",
        "parameters only",
    );
    let wrong = with_param("      - name: F\n        type: string\n        location: header\n");
    assert!(
        errors_of(&wrong)[0]
            .message
            .contains("unknown variant `header`")
    );
}

#[test]
fn action_keys() {
    refused_near(
        &edit("    idempotent: false\n", "    group: Cloud_Assistant\n"),
        "group",
        "actions.InstallThing.group",
        "kebab-case",
    );
    refused_near(
        &edit("    idempotent: false\n", "    operation_type: Get It\n"),
        "operation_type",
        "actions.InstallThing.operation_type",
        "lower-case word",
    );
    refused_near(
        &edit(
            "    idempotent: false\n",
            "    docs_url: http://example.com/x\n",
        ),
        "docs_url",
        "actions.InstallThing.docs_url",
        "https://",
    );
}

#[test]
fn paging_lists() {
    let paged = with_param(
        "      - name: PageNumber\n        type: string\n      - name: NextToken\n        type: string\n",
    )
    .replace(
        "    errors:\n",
        "    pagination:\n      - {style: page_number, items: Things, page_number: PageNumber}\n      - {style: next_token, items: Things, input_token: NextToken, output_token: NextToken}\n    errors:\n",
    )
    .replace(
        "          doc: The request id.\n",
        "          doc: The request id.\n        - name: Things\n          type: list\n          items: {type: string}\n        - name: NextToken\n          type: string\n",
    );
    parse_spec("specs/demo.yaml", &paged).unwrap_or_else(|e| panic!("{e}"));
    refused_near(
        &paged.replace(
            "input_token: NextToken, output_token: NextToken}",
            "input_token: Nope, output_token: NextToken}",
        ),
        "style: next_token",
        "actions.InstallThing.pagination[1].input_token",
        "unknown parameter `Nope`",
    );
    let boolean_page = paged.replace(
        "      - name: PageNumber\n        type: string\n",
        "      - name: PageNumber\n        type: boolean\n",
    );
    refused_near(
        &boolean_page,
        "style: page_number",
        "actions.InstallThing.pagination[0].page_number",
        "wrong type",
    );
    let empty = paged.replace(
        "    pagination:\n      - {style: page_number, items: Things, page_number: PageNumber}\n      - {style: next_token, items: Things, input_token: NextToken, output_token: NextToken}\n",
        "    pagination: []\n",
    );
    refused_near(
        &empty,
        "pagination: []",
        "actions.InstallThing.pagination",
        "non-empty list",
    );
}

#[test]
fn partial_output_expectations() {
    let unknown = edit("            output:\n", "            output_contains:\n")
        .replace("              RequestId: r", "              Nope: r");
    refused_near(
        &unknown,
        "Nope: r",
        "actions.InstallThing.tests.responses[0].expect.output_contains.Nope",
        "unknown response field",
    );
    let both = edit(
        "            output:\n",
        "            output_contains: {RequestId: r}\n            output:\n",
    );
    refused(
        &both,
        line_of(&both, "output_contains") - 1,
        "actions.InstallThing.tests.responses[0].expect",
        "exactly one of `output`, `output_contains`",
    );
}

#[test]
fn modules_and_error_styles() {
    for (module, fragment) in [
        ("V2017", "snake_case"),
        ("types", "is taken"),
        ("type", "is taken"),
    ] {
        let source = edit(
            "  doc: A demo.\n",
            &format!("  doc: A demo.\n  module: {module}\n"),
        );
        refused_near(&source, "module:", "product.module", fragment);
    }
    let style = edit(
        "  doc: A demo.\n",
        "  doc: A demo.\n  errors:\n    style: envelopes\n",
    );
    let errors = errors_of(&style);
    assert!(errors[0].message.contains("envelope"), "{}", list(&errors));
    assert_eq!(errors[0].path, "product.errors.style", "{}", list(&errors));
}

#[test]
fn optional_docs_may_be_left_out_but_not_left_empty() {
    let no_docs = VALID
        .replace("        doc: The region.\n", "")
        .replace("        doc: No such thing.\n", "");
    parse_spec("specs/demo.yaml", &no_docs).unwrap_or_else(|e| panic!("{e}"));
    refused_near(
        &edit("        doc: The region.\n", "        doc: ''\n"),
        "doc: ''",
        "actions.InstallThing.params[0].doc",
        "leave the key out",
    );
}
