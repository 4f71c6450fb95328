//! The generated waiters end to end over loopback: against the emulator where it models the
//! polled action (`DescribeCloudAssistantStatus`), and against a scripted server otherwise.
//! Pacing is the loopback `quick_poll` (milliseconds), as in the other end-to-end tests.

mod waiter_support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aliyun_core::WaitError;
use aliyun_core::workflow::{LastLook, PollPolicy};
use aliyun_emulator::{CloudAssistantState, Fault, Instance};
use aliyun_tests::{config, emulator_with, ids, quick_poll};
use serde_json::json;
use waiter_support::{Params, Scripted, repeated};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloud_assistant_installed_sees_every_batch_and_page_and_retries_throttling() {
    let fleet = ids("i-ca", 1, 120);
    let emulator = emulator_with(
        fleet
            .iter()
            .map(|id| Instance::new(id).cloud_assistant(CloudAssistantState::Installed)),
    )
    .fault(
        Fault::throttling()
            .action("DescribeCloudAssistantStatus")
            .times(1),
    )
    .start()
    .await
    .expect("emulator");
    // One instance is still without the client: the waiter keeps looking until it has it.
    emulator.upsert_instance(Instance::new(&fleet[77]));
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    let waiter = ecs
        .wait_until_cloud_assistant_installed()
        .set_instance_ids(Some(fleet.clone()))
        .poll_policy(quick_poll())
        .wait();
    let waiting = tokio::spawn(waiter);
    while emulator.requests_for("DescribeCloudAssistantStatus").len() < 20 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert!(!waiting.is_finished(), "one instance is not installed yet");
    emulator
        .upsert_instance(Instance::new(&fleet[77]).cloud_assistant(CloudAssistantState::Installed));
    let outputs = waiting.await.unwrap().expect("installed everywhere");

    let seen: BTreeSet<String> = outputs
        .iter()
        .flat_map(|o| o.instance_statuses.iter())
        .filter_map(|s| s.instance_id.clone())
        .collect();
    assert_eq!(seen, fleet.iter().cloned().collect::<BTreeSet<_>>());
    for request in emulator.requests_for("DescribeCloudAssistantStatus") {
        let asked = request
            .params
            .iter()
            .filter(|(name, _)| name.starts_with("InstanceId."))
            .count();
        assert!((1..=50).contains(&asked), "{asked} ids in one call");
    }
}

/// `DescribeInstanceStatus` as the service pages it: the ids asked about (all known), `PageSize`
/// (default 10) per page, `TotalCount`; every instance `Starting` for the first
/// `starting_calls` calls, `Running` after.
fn instance_status_service(starting_calls: usize) -> impl Fn(&Params) -> (u16, String) {
    let calls = AtomicUsize::new(0);
    move |params| {
        let call = calls.fetch_add(1, Ordering::SeqCst);
        let status = if call < starting_calls {
            "Starting"
        } else {
            "Running"
        };
        let wanted = repeated(params, "InstanceId");
        let size: usize = params
            .get("PageSize")
            .and_then(|s| s.parse().ok())
            .unwrap_or(10);
        let page: usize = params
            .get("PageNumber")
            .and_then(|s| s.parse().ok())
            .unwrap_or(1);
        let items: Vec<_> = wanted
            .iter()
            .skip((page - 1) * size)
            .take(size)
            .map(|id| json!({"InstanceId": id, "Status": status}))
            .collect();
        let body = json!({
            "RequestId": format!("R-{call}"),
            "PageNumber": page,
            "PageSize": size,
            "TotalCount": wanted.len(),
            "InstanceStatuses": {"InstanceStatus": items},
        });
        (200, body.to_string())
    }
}

#[tokio::test]
async fn instance_running_batches_137_ids_at_100_and_reads_every_page() {
    let fleet = ids("i-run", 1, 137);
    // A look is 100 ids (pages 1 and 2 of 50) and 37 ids (page 1): the first look's three
    // calls see `Starting`.
    let server = Scripted::start(instance_status_service(3)).await;
    let ecs = aliyun_ecs::Client::new(&server.config());
    let outputs = ecs
        .wait_until_instance_running()
        .set_instance_id(Some(fleet.clone()))
        .page_size(50)
        .poll_policy(quick_poll())
        .wait()
        .await
        .expect("running");
    let seen: Vec<String> = outputs
        .iter()
        .flat_map(|o| o.instance_statuses.iter())
        .filter_map(|s| s.instance_id.clone())
        .collect();
    assert_eq!(seen.len(), 137);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 137);
    let requests = server.requests();
    // Two looks of (100 ids: pages 1, 2) and (37 ids: page 1).
    assert_eq!(requests.len(), 6);
    let batch_sizes: BTreeSet<usize> = requests
        .iter()
        .map(|r| repeated(r, "InstanceId").len())
        .collect();
    assert_eq!(batch_sizes, BTreeSet::from([37, 100]));
}

#[tokio::test]
async fn instance_stopped_times_out_with_the_last_statuses() {
    let server = Scripted::start(instance_status_service(usize::MAX)).await;
    let ecs = aliyun_ecs::Client::new(&server.config());
    let policy = PollPolicy {
        deadline: Duration::from_millis(60),
        ..quick_poll()
    };
    let error = ecs
        .wait_until_instance_stopped()
        .instance_id("i-1")
        .poll_policy(policy)
        .wait()
        .await
        .unwrap_err();
    match error {
        WaitError::TimedOut { waiter, last, .. } => {
            assert_eq!(waiter, "InstanceStopped");
            assert_eq!(
                last.to_string(),
                "InstanceStatuses.Status = [Starting]",
                "{last:?}"
            );
            assert!(matches!(last, LastLook::Observed(_)));
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[tokio::test]
async fn a_permanent_error_stops_the_waiter_at_once_with_code_and_request_id() {
    let server = Scripted::start(|_| {
        (
            403,
            r#"{"Code":"Forbidden.RAM","Message":"not allowed","RequestId":"R-DENIED"}"#.into(),
        )
    })
    .await;
    let ecs = aliyun_ecs::Client::new(&server.config());
    let error = ecs
        .wait_until_instance_running()
        .instance_id("i-1")
        .poll_policy(quick_poll())
        .wait()
        .await
        .unwrap_err();
    let WaitError::Request { error, .. } = &error else {
        panic!("expected a permanent error, got {error:?}");
    };
    assert_eq!(error.code(), Some("Forbidden.RAM"));
    assert_eq!(error.request_id(), Some("R-DENIED"));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn invocation_finished_reads_every_page_of_results() {
    let instances = ids("i-cmd", 1, 25);
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let all = instances.clone();
    // Pages of 10 by `NextToken`; the last instance is still `Running` in the first look.
    let server = Scripted::start(move |params| {
        let call = counter.fetch_add(1, Ordering::SeqCst);
        assert_eq!(params.get("InvokeId").map(String::as_str), Some("t-1"));
        let offset: usize = params
            .get("NextToken")
            .and_then(|t| t.strip_prefix("page-"))
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        let results: Vec<_> = all
            .iter()
            .enumerate()
            .skip(offset)
            .take(10)
            .map(|(n, id)| {
                let status = match n {
                    24 if call < 3 => "Running",
                    3 => "Failed",
                    _ => "Success",
                };
                json!({"InstanceId": id, "InvocationStatus": status, "ExitCode": 0})
            })
            .collect();
        let mut invocation = json!({
            "InvocationResults": {"InvocationResult": results},
            "TotalCount": all.len(),
        });
        if offset + 10 < all.len() {
            invocation["NextToken"] = json!(format!("page-{}", offset + 10));
        }
        (
            200,
            json!({"RequestId": "R", "Invocation": invocation}).to_string(),
        )
    })
    .await;
    let ecs = aliyun_ecs::Client::new(&server.config());
    let outputs = ecs
        .wait_until_invocation_finished()
        .invoke_id("t-1")
        .poll_policy(quick_poll())
        .wait()
        .await
        .expect("finished");
    assert_eq!(calls.load(Ordering::SeqCst), 6, "two looks of three pages");
    let results: Vec<_> = outputs
        .into_iter()
        .flat_map(|o| {
            o.invocation
                .map(|i| i.invocation_results)
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(results.len(), 25);
    assert_eq!(
        results
            .iter()
            .filter(|r| r.invocation_status.as_deref() == Some("Failed"))
            .count(),
        1
    );
}

#[tokio::test]
async fn agent_running_batches_instance_ids_comma_separated() {
    let fleet = ids("i-agent", 1, 23);
    let calls = AtomicUsize::new(0);
    // Three calls per look (10 + 10 + 3 ids); `installing` in the first look.
    let server = Scripted::start(move |params| {
        let call = calls.fetch_add(1, Ordering::SeqCst);
        let status = if call < 3 { "installing" } else { "running" };
        let nodes: Vec<_> = params
            .get("InstanceIds")
            .map(|ids| ids.split(',').map(str::to_owned).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .map(|id| json!({"InstanceId": id, "Status": status}))
            .collect();
        let body = json!({
            "Code": "200",
            "Success": true,
            "RequestId": format!("R-{call}"),
            "NodeStatusList": {"NodeStatus": nodes},
        });
        (200, body.to_string())
    })
    .await;
    let cms = aliyun_cms::Client::new(&server.config());
    let outputs = cms
        .wait_until_agent_running()
        .set_instance_ids(Some(fleet.clone()))
        .poll_policy(quick_poll())
        .wait()
        .await
        .expect("running");
    assert_eq!(outputs.len(), 3);
    let requests = server.requests();
    assert_eq!(requests.len(), 6);
    for request in &requests {
        let asked = request["InstanceIds"].split(',').count();
        assert!(asked <= 10, "{asked} ids in one call");
    }
    let seen: BTreeSet<String> = outputs
        .iter()
        .flat_map(|o| o.node_status_list.iter())
        .filter_map(|n| n.instance_id.clone())
        .collect();
    assert_eq!(seen, fleet.into_iter().collect::<BTreeSet<_>>());
}
