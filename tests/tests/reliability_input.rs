//! Reliability suite, part 3: answers that cannot be read — an HTML gateway page, truncated
//! JSON, an empty 200, a body over the size cap — and answers with numbers as strings, served
//! by the emulator over loopback. Each ends in a typed error carrying the status and the start
//! of the body, or decodes correctly; none panics.
//!
//! The generated fuzz test of every action (`fuzz_response_decoding`, see
//! `aliyun_core::testing::fuzz`) covers arbitrary bodies without a socket; these tests prove the
//! same through the real HTTP stack.

mod reliability_support;

use aliyun_core::Error;
use aliyun_emulator::{Emulator, Fault};
use reliability_support::{config, instance, policy};

const WRITE: &str = "InstallCloudAssistant";
const READ: &str = "DescribeCloudAssistantStatus";

async fn write(ecs: &aliyun_ecs::Client) -> Error {
    ecs.install_cloud_assistant()
        .instance_ids(instance(1))
        .send()
        .await
        .expect_err("the answer is unreadable")
        .into_core()
}

fn unreadable(err: &Error) -> &aliyun_core::ResponseError {
    match err {
        Error::Response(response) => response,
        other => panic!("expected an unreadable-response error, got {other:?}"),
    }
}

#[tokio::test]
async fn unreadable_bodies_are_typed_errors_with_status_and_snippet() {
    let emulator = Emulator::start().await.unwrap();
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    // (fault, status, what the reason says, what the snippet holds, taken effect)
    let cases = [
        (
            Fault::html_gateway(),
            502,
            "not a JSON or XML error (content type text/html",
            "<html>",
            true,
        ),
        (Fault::truncated_json(), 200, "truncated", "{\"", true),
        (Fault::empty_body(), 200, "the body is empty", "", true),
    ];
    for (fault, status, reason, snippet, taken_effect) in cases {
        emulator.reset();
        emulator.add_fault(fault.clone().action(WRITE));
        let err = write(&ecs).await;
        let response = unreadable(&err);
        assert_eq!(response.status(), status, "{fault}");
        assert!(
            response.reason().contains(reason),
            "{fault}: {}",
            response.reason()
        );
        assert!(
            response.snippet().starts_with(snippet),
            "{fault}: {response}"
        );
        assert!(response.request_id().is_some(), "{fault}: {response}");
        assert_eq!(err.attempts(), 1, "{fault}: a write is not re-sent");
        assert_eq!(err.may_have_taken_effect(), taken_effect, "{fault}");
        let text = err.to_string();
        assert!(text.contains(&format!("HTTP {status}")), "{text}");
        assert_eq!(emulator.requests_for(WRITE).len(), 1, "{fault}");
    }

    // The truncated body is a prefix of the real answer.
    emulator.reset();
    emulator.add_fault(Fault::truncated_json().action(WRITE));
    let err = write(&ecs).await;
    let snippet = unreadable(&err).snippet().to_owned();
    assert!(
        snippet.starts_with("{\"RequestId\":\"") || snippet.starts_with("{\""),
        "{snippet}"
    );
    assert!(serde_json::from_str::<serde_json::Value>(&snippet).is_err());
}

#[tokio::test]
async fn a_gateway_page_on_a_read_is_retried_then_typed() {
    let emulator = Emulator::builder()
        .fault(Fault::html_gateway().action(READ))
        .start()
        .await
        .unwrap();
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    let err = ecs
        .describe_cloud_assistant_status()
        .send()
        .await
        .unwrap_err()
        .into_core();
    assert_eq!(unreadable(&err).status(), 502);
    assert_eq!(err.attempts(), 3);
    assert_eq!(emulator.requests_for(READ).len(), 3);
}

#[tokio::test]
async fn bodies_over_the_cap_stop_with_status_and_a_bounded_snippet() {
    const CAP: usize = 64 * 1024;
    let emulator = Emulator::start().await.unwrap();
    let config = emulator
        .sdk_config_builder()
        .retry_policy(policy())
        .max_response_body_size(CAP)
        .build()
        .unwrap();
    let ecs = aliyun_ecs::Client::new(&config);
    let cms = aliyun_cms::v20170301::Client::new(&config);
    for (action, bytes) in [
        (WRITE, CAP + 1),
        (READ, 4 * 1024 * 1024),
        ("NodeStatus", 2 * CAP),
    ] {
        emulator.reset();
        emulator.add_fault(Fault::huge_body(bytes).action(action));
        let err = match action {
            WRITE => write(&ecs).await,
            READ => ecs
                .describe_cloud_assistant_status()
                .send()
                .await
                .unwrap_err()
                .into_core(),
            _ => cms
                .node_status()
                .instance_id(instance(1))
                .send()
                .await
                .unwrap_err()
                .into_core(),
        };
        let response = unreadable(&err);
        assert_eq!(response.status(), 200, "{action}");
        assert!(
            response
                .reason()
                .contains(&format!("larger than the {CAP}-byte cap")),
            "{action}: {}",
            response.reason()
        );
        assert!(response.snippet().chars().count() <= aliyun_core::error::BODY_SNIPPET_LIMIT + 1);
        assert!(!response.snippet().is_empty(), "{action}");
        // A success too large to read: the service did the work; never retried.
        assert_eq!(err.attempts(), 1, "{action}");
        assert!(err.may_have_taken_effect(), "{action}");
        assert_eq!(emulator.requests_for(action).len(), 1, "{action}");
    }
}

#[tokio::test]
async fn numbers_and_booleans_as_strings_decode_to_the_same_values() {
    let emulator = Emulator::start().await.unwrap();
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    let cms = aliyun_cms::v20170301::Client::new(&config(&emulator));
    let describe = || {
        ecs.describe_cloud_assistant_status()
            .instance_ids(instance(1))
            .instance_ids(instance(2))
            .send()
    };
    let node = || cms.node_status().instance_id(instance(1)).send();

    let plain = describe().await.unwrap();
    let plain_node = node().await.unwrap();
    emulator.add_fault(Fault::numbers_as_strings());
    let strings = describe().await.unwrap();
    let strings_node = node().await.unwrap();
    let log = emulator.requests();
    assert!(
        log.iter()
            .rev()
            .take(2)
            .all(|r| r.faults == ["numbers_as_strings"])
    );

    assert_eq!(strings.total_count, plain.total_count);
    assert_eq!(strings.total_count, Some(2));
    assert_eq!(strings.instance_statuses.len(), 2);
    for (a, b) in strings
        .instance_statuses
        .iter()
        .zip(&plain.instance_statuses)
    {
        let mut a = a.clone();
        let b = b.clone();
        // Heartbeat times move between calls; everything else must be equal.
        a.last_heartbeat_time = b.last_heartbeat_time.clone();
        assert_eq!(a, b);
    }
    assert_eq!(strings_node.status, plain_node.status);
    assert_eq!(strings_node.auto_install, plain_node.auto_install);
    assert_eq!(strings_node.success, Some(true));
    assert_eq!(strings_node.error_code, Some(200));
}
