//! Client-side validation end to end: invalid input is refused before any network call, naming
//! the parameter, and the emulator's request log proves nothing was sent.

use aliyun_core::Error;
use aliyun_core::error::InvalidRule;
use aliyun_emulator::Emulator;
use aliyun_tests::{config, ids};

fn invalid(error: Error) -> (String, InvalidRule) {
    match error {
        Error::InvalidInput(invalid) => (invalid.parameter().to_owned(), invalid.rule().clone()),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[tokio::test]
async fn invalid_requests_never_reach_the_service() {
    let emulator = Emulator::start().await.expect("emulator");
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    let cms = aliyun_cms::v20170301::Client::new(&config(&emulator));

    let empty = ecs
        .install_cloud_assistant()
        .send()
        .await
        .expect_err("no instances");
    assert_eq!(invalid(empty.into_core()).0, "InstanceId");

    let too_many = ecs
        .install_cloud_assistant()
        .set_instance_ids(Some(ids("i-emu", 1, 21)))
        .send()
        .await
        .expect_err("21 instances");
    assert_eq!(
        invalid(too_many.into_core()),
        (
            "InstanceId".to_owned(),
            InvalidRule::TooManyItems {
                max: 20,
                actual: 21
            }
        )
    );

    let blank = ecs
        .install_cloud_assistant()
        .instance_ids("i-emu000001")
        .instance_ids("")
        .send()
        .await
        .expect_err("an empty id");
    assert_eq!(invalid(blank.into_core()).0, "InstanceId.2");

    let reboot = ecs.reboot_instance().send().await.expect_err("no instance");
    assert_eq!(
        invalid(reboot.into_core()),
        ("InstanceId".to_owned(), InvalidRule::Missing)
    );

    let page = ecs
        .describe_cloud_assistant_status()
        .max_results(51)
        .send()
        .await
        .expect_err("page too large");
    assert_eq!(invalid(page.into_core()).0, "MaxResults");

    let node = cms
        .node_install()
        .instance_id("i-emu000001")
        .send()
        .await
        .expect_err("no user id");
    assert_eq!(invalid(node.into_core()).0, "UserId");

    let list = cms
        .node_status_list()
        .send()
        .await
        .expect_err("no instances");
    assert_eq!(invalid(list.into_core()).0, "InstanceIds");

    assert!(
        emulator.requests().is_empty(),
        "nothing may be sent: {:?}",
        emulator.requests()
    );
    emulator.shutdown().await;
}

/// Secrets a caller sends (an instance password) or receives (a key pair's private key) never
/// show in `Debug` output of inputs, builders or outputs, nor in the emulator's request log.
#[tokio::test]
async fn secrets_never_show_in_debug_output_or_the_request_log() {
    const PASSWORD: &str = "Ecs-Secret-2026!";
    let emulator = Emulator::start().await.unwrap();
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    let builder = ecs
        .run_instances()
        .image_id("aliyun_3_x64_20G_alibase_20240528.vhd")
        .password(PASSWORD);
    let input = aliyun_ecs::action::run_instances::RunInstancesInput::builder()
        .region_id("cn-hangzhou")
        .password(PASSWORD)
        .build()
        .unwrap();
    for text in [
        format!("{builder:?}"),
        format!("{input:?}"),
        format!("{input:#?}"),
    ] {
        assert!(!text.contains(PASSWORD), "{text}");
        assert!(text.contains("password: <redacted>"), "{text}");
    }
    builder.send().await.unwrap();
    let logged = emulator.requests_for("RunInstances");
    assert_eq!(logged[0].param("Password"), Some("<redacted>"));
    assert!(
        !serde_json::to_string(&logged[0])
            .unwrap()
            .contains(PASSWORD)
    );

    let key = ecs
        .create_key_pair()
        .key_pair_name("deploy")
        .send()
        .await
        .unwrap();
    let private_key = key.private_key_body.clone().unwrap();
    assert!(!private_key.is_empty());
    let shown = format!("{key:?}");
    assert!(!shown.contains(&private_key), "{shown}");
    assert!(shown.contains("private_key_body: <redacted>"), "{shown}");
    emulator.shutdown().await;
}
