//! Paging end to end: `DescribeCloudAssistantStatus` as a stream of items across pages, driven
//! by the `NextToken` the generated paginator manages.

use std::collections::BTreeSet;

use futures_util::StreamExt;

use aliyun_emulator::{CloudAssistantState, Instance};
use aliyun_tests::{config, emulator_with, ids};

#[tokio::test]
async fn describe_status_streams_items_across_pages() {
    let fleet = ids("i-page", 1, 45);
    let emulator = emulator_with(
        fleet
            .iter()
            .map(|id| Instance::new(id).cloud_assistant(CloudAssistantState::Installed)),
    )
    .start()
    .await
    .expect("emulator");
    let ecs = aliyun_ecs::Client::new(&config(&emulator));

    let statuses = ecs
        .describe_cloud_assistant_status()
        .max_results(10)
        .into_paginator()
        .collect_items()
        .await
        .expect("all pages");
    let seen: BTreeSet<String> = statuses
        .iter()
        .filter_map(|s| s.instance_id.clone())
        .collect();
    assert_eq!(seen.len(), 45, "every instance once");
    assert_eq!(statuses.len(), 45, "no duplicates across pages");
    assert!(
        statuses
            .iter()
            .all(|s| s.cloud_assistant_status == Some(true))
    );

    let requests = emulator.requests_for("DescribeCloudAssistantStatus");
    assert_eq!(requests.len(), 5, "45 items, 10 per page");
    assert!(!requests[0].params.contains_key("NextToken"));
    assert!(
        requests[1..]
            .iter()
            .all(|r| r.params.contains_key("NextToken"))
    );
    assert!(
        requests
            .iter()
            .all(|r| r.params.get("MaxResults").map(String::as_str) == Some("10"))
    );

    // Pages as whole responses, too.
    let pages = ecs
        .describe_cloud_assistant_status()
        .max_results(20)
        .into_paginator()
        .pages();
    let pages: Vec<_> = pages.collect().await;
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[0].as_ref().expect("page").total_count, Some(45));
    emulator.shutdown().await;
}
