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
