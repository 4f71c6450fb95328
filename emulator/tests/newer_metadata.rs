//! What the December 2025 request metadata, layered on the June 2024 full files, gives a user,
//! end to end through the typed clients: new actions with typed inputs and untyped outputs,
//! new parameters on the wire, and dropped actions still served (deprecated).

mod common;

use aliyun_emulator::{AnswerSource, Emulator};
use common::{config, ecs};

#[tokio::test]
async fn a_new_action_takes_typed_input_and_answers_the_body_as_json() {
    let emulator = Emulator::start().await.unwrap();
    let out = ecs(&emulator)
        .describe_port_range_lists()
        .port_range_list_id("prl-1")
        .max_results(10)
        .send()
        .await
        .unwrap();
    let request_id = out.request_id.as_deref().expect("a request id");
    assert_eq!(out.body["RequestId"], request_id);
    let logged = &emulator.requests_for("DescribePortRangeLists")[0];
    assert_eq!(logged.params["PortRangeListId.1"], "prl-1");
    assert_eq!(logged.params["MaxResults"], "10");
    // Nothing describes its answer: the emulator says it has no model of it.
    assert_eq!(logged.answered_from, Some(AnswerSource::Example));
}

#[tokio::test]
async fn a_new_action_still_checks_its_input_before_sending() {
    let emulator = Emulator::start().await.unwrap();
    // From 1 to 100 in the newer metadata.
    let err = ecs(&emulator)
        .describe_port_range_lists()
        .max_results(1000)
        .send()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("MaxResults"), "{err}");
    assert!(emulator.requests_for("DescribePortRangeLists").is_empty());
}

#[tokio::test]
async fn a_parameter_the_newer_metadata_added_goes_on_the_wire() {
    let emulator = Emulator::start().await.unwrap();
    ecs(&emulator)
        .create_command()
        .name("hello")
        .r#type("RunShellScript")
        .command_content("ZWNobyBoaQ==")
        .launcher("systemd-run")
        .send()
        .await
        .unwrap();
    let logged = &emulator.requests_for("CreateCommand")[0];
    assert_eq!(logged.params["Launcher"], "systemd-run");
    assert_eq!(logged.answered_from, Some(AnswerSource::World));
}

#[tokio::test]
#[allow(deprecated)] // The point: a dropped action stays callable, with a warning.
async fn an_action_the_newer_metadata_dropped_is_still_served() {
    let emulator = Emulator::start().await.unwrap();
    let out = ecs(&emulator).describe_storage_sets().send().await.unwrap();
    assert!(out.request_id.is_some());
}

#[tokio::test]
async fn cloudmonitor_has_its_new_action_too() {
    let emulator = Emulator::start().await.unwrap();
    let cms = aliyun_cms::Client::new(&config(&emulator));
    let probes = cms.describe_synthetic_probe_list().send().await.unwrap();
    assert!(probes.body.is_object());
}
