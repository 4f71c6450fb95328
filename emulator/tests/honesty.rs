//! The emulator says what it does not model: answers carry `x-emulator-answer` (`world` or
//! `example`) and the log records it; `strict` refuses an unmodelled action naming it; the admin
//! API and `Emulator::modelled_actions` list the modelled actions.

mod common;

use std::time::SystemTime;

use aliyun_emulator::{ANSWER_SOURCE_HEADER, AnswerSource, Emulator};
use common::{dev_key, get, raw, signed_query};

async fn call(emulator: &Emulator, action: &str) -> common::Raw {
    let query = signed_query(
        "GET",
        &[
            ("Action", action),
            ("Version", "2014-05-26"),
            ("Format", "JSON"),
            ("RegionId", "cn-hangzhou"),
        ],
        dev_key(),
        None,
        SystemTime::now(),
    );
    raw(emulator.local_addr(), &get(&query)).await.unwrap()
}

#[tokio::test]
async fn answers_say_where_they_came_from() {
    let emulator = Emulator::start().await.unwrap();
    let modelled = call(&emulator, "DescribeInstances").await;
    assert_eq!(modelled.status, 200, "{}", modelled.text());
    assert_eq!(modelled.header(ANSWER_SOURCE_HEADER), Some("world"));
    let canned = call(&emulator, "DescribeDedicatedHosts").await;
    assert_eq!(canned.status, 200, "{}", canned.text());
    assert_eq!(canned.header(ANSWER_SOURCE_HEADER), Some("example"));

    let log = emulator.requests();
    assert_eq!(log[0].answered_from, Some(AnswerSource::World));
    assert!(!log[0].was_canned());
    assert_eq!(log[1].answered_from, Some(AnswerSource::Example));
    assert!(log[1].was_canned());
}

#[tokio::test]
async fn strict_refuses_what_is_not_modelled() {
    let emulator = Emulator::builder().strict(true).start().await.unwrap();
    let refused = call(&emulator, "DescribeDedicatedHosts").await;
    assert_eq!(refused.status, 501, "{}", refused.text());
    assert_eq!(refused.code(), "Emulator.NotModelled");
    assert!(
        refused.json()["Message"]
            .as_str()
            .unwrap()
            .contains("DescribeDedicatedHosts"),
        "{}",
        refused.text()
    );
    assert_eq!(
        emulator.requests()[0].error_code(),
        Some("Emulator.NotModelled")
    );
    // Modelled actions answer as usual.
    let fine = call(&emulator, "DescribeInstances").await;
    assert_eq!(fine.status, 200, "{}", fine.text());

    // Through the SDK: a typed service error with the code and status.
    let ecs = common::ecs(&emulator);
    let err = ecs.describe_dedicated_hosts().send().await.unwrap_err();
    assert_eq!(err.code(), Some("Emulator.NotModelled"));
}

#[tokio::test]
async fn the_modelled_actions_are_listed() {
    let listed = Emulator::modelled_actions();
    assert!(listed.contains(&("ecs", "RunInstances")), "{listed:?}");
    assert!(listed.contains(&("cms", "NodeInstall")), "{listed:?}");
    assert!(!listed.contains(&("ecs", "DescribeDedicatedHosts")));

    let emulator = Emulator::start().await.unwrap();
    let request = b"GET /_emulator/modelled HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let answer = raw(emulator.local_addr(), request).await.unwrap().json();
    let ecs = answer["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["product"] == "Ecs")
        .unwrap()
        .clone();
    let count = ecs["modelled_count"].as_u64().unwrap() as usize;
    assert_eq!(
        count,
        listed.iter().filter(|(p, _)| *p == "ecs").count(),
        "{ecs}"
    );
    assert!(ecs["actions"].as_u64().unwrap() >= 370);
    assert_eq!(answer["strict"], false);
}

/// The READMEs say how many actions the world models: the figures must be the admin API's,
/// so they cannot drift from the code.
#[tokio::test]
async fn the_readmes_count_the_modelled_actions_right() {
    let emulator = Emulator::start().await.unwrap();
    let request = b"GET /_emulator/modelled HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let answer = raw(emulator.local_addr(), request).await.unwrap().json();
    let count = |product: &str, version: &str| {
        let entry = answer["products"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["product"] == product && p["version"] == version)
            .unwrap_or_else(|| panic!("{product} {version} in {answer}"));
        (
            entry["modelled_count"].as_u64().unwrap(),
            entry["actions"].as_u64().unwrap(),
        )
    };
    let (ecs, ecs_all) = count("Ecs", "2014-05-26");
    let (cms, cms_all) = count("Cms", "2019-01-01");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("../README.md")).unwrap();
    // The README's text wraps lines; compare with single spaces.
    let flat = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let readme = flat(&readme);
    for expected in [
        format!("keeps state for {ecs} ECS and {cms} CloudMonitor actions"),
        format!("| ECS 2014-05-26 | {ecs} of {ecs_all} ("),
        format!("| CloudMonitor 2019-01-01 | {cms} of {cms_all} ("),
    ] {
        assert!(readme.contains(&expected), "README.md lacks `{expected}`");
    }
    let own = flat(&std::fs::read_to_string(root.join("README.md")).unwrap());
    let expected = format!(
        "({ecs} of {ecs_all} ECS actions, {cms} of {cms_all} CloudMonitor 2019-01-01 actions"
    );
    assert!(
        own.contains(&expected),
        "emulator/README.md lacks `{expected}`"
    );
}
