//! Malformed `waiters`: each case names the file, line, column, field path and what was
//! expected.

mod support;

use aliyun_spec::parse_spec;
use support::{edit, line_of, refused};

/// `VALID` with a list of structures in the response, two named types and one valid waiter.
fn with_waiter() -> String {
    let mut source = edit(
        "          doc: The request id.\n",
        "          doc: The request id.
        - name: Things
          type: list
          wrapper: Thing
          items: {type: struct, ref: Thing}
",
    );
    source.push_str(
        "types:
  Thing:
    kind: struct
    fields:
      - name: State
        type: enum
        ref: ThingState
      - name: Ready
        type: boolean
      - name: Owner
        type: string
  ThingState:
    kind: enum
    values:
      - value: Installing
      - value: Installed
      - value: Broken
waiters:
  ThingInstalled:
    action: InstallThing
    doc: Waits for the things to be installed.
    batch: InstanceId
    min_delay: 1s
    max_delay: 10s
    deadline: 5m
    acceptors:
      - state: success
        path: Things.State
        all: Installed
      - state: failure
        path: Things.State
        any: [Broken]
      - state: success
        path: Things.Ready
        all: true
      - state: retry
        error: Thing.NotFound
",
    );
    source
}

fn broken(from: &str, to: &str) -> String {
    let source = with_waiter();
    assert!(source.contains(from), "fixture lacks {from:?}");
    source.replacen(from, to, 1)
}

const W: &str = "waiters.ThingInstalled";

#[test]
fn a_valid_waiter_is_lowered_onto_its_action() {
    let product = aliyun_spec::parse_product("specs/demo.yaml", &with_waiter())
        .unwrap_or_else(|e| panic!("{e}"));
    let op = product.action("InstallThing").unwrap();
    let waiter = &op.waiters[0];
    assert_eq!(waiter.snake, "thing_installed");
    assert_eq!(waiter.batch.as_ref().unwrap().wire_name, "InstanceId");
    assert_eq!(waiter.deadline.as_secs(), 300);
    assert_eq!(waiter.acceptors.len(), 4);
    parse_spec("specs/demo.yaml", &with_waiter()).unwrap();
}

#[test]
fn unknown_action() {
    let source = broken("action: InstallThing", "action: InstallThings");
    refused(
        &source,
        line_of(&source, "action: InstallThings"),
        &format!("{W}.action"),
        "no action `InstallThings`",
    );
}

#[test]
fn a_path_that_does_not_resolve() {
    let source = broken("path: Things.State", "path: Things.Status");
    refused(
        &source,
        line_of(&source, "path: Things.Status"),
        &format!("{W}.acceptors[0].path"),
        "no response field `Status`",
    );
    let source = broken("path: Things.State", "path: Things");
    refused(
        &source,
        line_of(&source, "path: Things\n"),
        &format!("{W}.acceptors[0].path"),
        "must end at a scalar field",
    );
    let source = broken("path: Things.State", "path: RequestId.State");
    refused(
        &source,
        line_of(&source, "path: RequestId.State"),
        &format!("{W}.acceptors[0].path"),
        "not a structure",
    );
}

#[test]
fn values_of_the_wrong_type_or_outside_the_enum() {
    let source = broken("all: Installed", "all: Instaled");
    refused(
        &source,
        line_of(&source, "all: Instaled"),
        &format!("{W}.acceptors[0].all"),
        "`Instaled` is not a value of the enum",
    );
    let source = broken("all: true", "all: \"yes\"");
    refused(
        &source,
        line_of(&source, "all: \"yes\""),
        &format!("{W}.acceptors[2].all"),
        "expected true or false",
    );
    let source = broken("any: [Broken]", "any: []");
    refused(
        &source,
        line_of(&source, "any: []"),
        &format!("{W}.acceptors[1].any"),
        "at least one value",
    );
}

#[test]
fn acceptors_need_exactly_one_matcher() {
    let source = broken(
        "      - state: retry\n        error: Thing.NotFound\n",
        "      - state: retry\n        error: Thing.NotFound\n        path: Things.State\n",
    );
    refused(
        &source,
        line_of(&source, "      - state: retry"),
        &format!("{W}.acceptors[3]"),
        "exactly one of",
    );
    let source = broken("        path: Things.Ready\n", "");
    refused(
        &source,
        line_of(&source, "all: true") - 1,
        &format!("{W}.acceptors[2]"),
        "give the path",
    );
}

#[test]
fn empty_acceptors_and_no_success() {
    let source = with_waiter();
    let at = source.find("    acceptors:\n").unwrap();
    let source = format!("{}    acceptors: []\n", &source[..at]);
    refused(
        &source,
        line_of(&source, "acceptors: []"),
        &format!("{W}.acceptors"),
        "at least one acceptor",
    );
    let source = broken(
        "state: success\n        path: Things.State",
        "state: retry\n        path: Things.State",
    )
    .replacen(
        "state: success\n        path: Things.Ready",
        "state: retry\n        path: Things.Ready",
        1,
    );
    refused(
        &source,
        line_of(&source, "    acceptors:"),
        &format!("{W}.acceptors"),
        "no acceptor has `state: success`",
    );
}

#[test]
fn bad_durations() {
    let source = broken("min_delay: 1s", "min_delay: 1 second");
    refused(
        &source,
        line_of(&source, "min_delay: 1 second"),
        &format!("{W}.min_delay"),
        "expected a duration like",
    );
    let source = broken("max_delay: 10s", "max_delay: 500ms");
    refused(
        &source,
        line_of(&source, "min_delay: 1s"),
        &format!("{W}.min_delay"),
        "longer than max_delay",
    );
    let source = broken("deadline: 5m", "deadline: 0s");
    refused(
        &source,
        line_of(&source, "deadline: 0s"),
        &format!("{W}.deadline"),
        "longer than zero",
    );
}

#[test]
fn batch_needs_a_limited_list_parameter() {
    let source = broken("batch: InstanceId", "batch: RegionId");
    refused(
        &source,
        line_of(&source, "batch: RegionId"),
        &format!("{W}.batch"),
        "list of strings with `max_items`",
    );
    let source = broken("batch: InstanceId", "batch: Nope");
    refused(
        &source,
        line_of(&source, "batch: Nope"),
        &format!("{W}.batch"),
        "no parameter `Nope`",
    );
}

#[test]
fn unknown_keys_and_states() {
    let source = broken("state: failure", "state: broken");
    let errors = support::errors_of(&source);
    assert!(
        errors[0].message.contains("unknown variant `broken`"),
        "{}",
        errors[0]
    );
    let source = broken("deadline: 5m", "deadline: 5m\n    timeout: 5m");
    let errors = support::errors_of(&source);
    assert!(
        errors[0].message.contains("unknown field `timeout`"),
        "{}",
        errors[0]
    );
}
