//! The ECS cloud-assistant rollout end to end against the emulator over loopback: a fleet of
//! 137 instances, some unknown, with throttled calls.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use aliyun_ecs::action::install_cloud_assistant::InstallCloudAssistantInput;
use aliyun_ecs::workflow::{InstanceOutcome, Progress, RolloutEvent};
use aliyun_emulator::{Fault, Instance, InstanceStatus};
use aliyun_tests::{config, emulator_with, ids, quick_poll};

/// 130 real instances with 7 unknown ids spread through them.
fn fleet() -> (Vec<String>, Vec<String>, Vec<String>) {
    let known = ids("i-fleet", 1, 130);
    let unknown = ids("i-ghost", 1, 7);
    let mut all = known.clone();
    for (n, ghost) in unknown.iter().enumerate() {
        all.insert(n * 19 + 3, ghost.clone());
    }
    assert_eq!(all.len(), 137);
    (all, known, unknown)
}

fn instance_ids_of(request: &aliyun_emulator::LoggedRequest) -> Vec<String> {
    request
        .params
        .iter()
        .filter(|(name, _)| name.starts_with("InstanceId."))
        .map(|(_, id)| id.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollout_on_137_instances_with_unknown_ids_and_throttling() {
    let (all, known, unknown) = fleet();
    let emulator = emulator_with(known.iter().map(Instance::new))
        .fault(Fault::throttling().action("InstallCloudAssistant").times(6))
        .fault(Fault::throttling().action("RebootInstance").times(3))
        .fault(
            Fault::service_unavailable()
                .action("DescribeCloudAssistantStatus")
                .times(1),
        )
        .start()
        .await
        .expect("emulator");
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();

    let report = ecs
        .cloud_assistant_rollout(all.clone())
        .concurrency(8)
        .reboot(false)
        .wait_until_reported(quick_poll())
        .on_progress(Progress::callback(move |e: &RolloutEvent| {
            sink.lock().unwrap().push(e.clone())
        }))
        .send()
        .await;

    // One outcome per instance, in the order given.
    let order: Vec<&str> = report.outcomes.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(order, all.iter().map(String::as_str).collect::<Vec<_>>());
    for id in &known {
        assert_eq!(
            report.outcome(id),
            Some(&InstanceOutcome::Installed),
            "{id}"
        );
    }
    for id in &unknown {
        assert_eq!(report.outcome(id), Some(&InstanceOutcome::NotFound), "{id}");
    }
    let counts = report.counts();
    assert_eq!(
        (counts.installed, counts.not_found, counts.failed),
        (130, 7, 0)
    );

    // Batches of at most the spec's limit; the throttled calls were retried with fresh nonces.
    let installs = emulator.requests_for("InstallCloudAssistant");
    assert!(installs.iter().all(|r| instance_ids_of(r).len() <= InstallCloudAssistantInput::INSTANCE_IDS_MAX_ITEMS));
    assert_eq!(
        installs
            .iter()
            .filter(|r| r.error_code() == Some("Throttling.User"))
            .count(),
        6
    );
    let nonces: BTreeSet<_> = emulator
        .requests()
        .iter()
        .filter_map(|r| r.nonce.clone())
        .collect();
    assert_eq!(
        nonces.len(),
        emulator.requests().len(),
        "every attempt has its own nonce"
    );

    // Each known instance was installed by exactly one accepted call; unknown ones never.
    let mut accepted: BTreeMap<String, usize> = BTreeMap::new();
    for request in installs.iter().filter(|r| r.is_ok()) {
        for id in instance_ids_of(request) {
            *accepted.entry(id).or_default() += 1;
        }
    }
    assert_eq!(accepted.len(), 130);
    assert!(accepted.values().all(|n| *n == 1));
    assert!(unknown.iter().all(|id| !accepted.contains_key(id)));
    assert_eq!(
        installs
            .iter()
            .filter(|r| r.error_code() == Some("InvalidInstance.NotFound"))
            .count(),
        report.install_calls - installs.iter().filter(|r| r.is_ok()).count(),
        "every call not accepted was a split finding unknown ids"
    );

    // One accepted reboot per known instance, none for unknown ones; every instance rebooted once.
    let reboots = emulator.requests_for("RebootInstance");
    assert_eq!(reboots.iter().filter(|r| r.is_ok()).count(), 130);
    assert!(emulator.instances().iter().all(|i| i.reboots == 1));
    assert!(
        reboots
            .iter()
            .all(|r| !unknown.contains(&r.params["InstanceId"]))
    );

    // Progress: a line per batch (137 ids, 20 per call: 7 batches), then the status.
    let events = std::mem::take(&mut *events.lock().unwrap());
    let batches: Vec<_> = events
        .iter()
        .filter(|e| matches!(e, RolloutEvent::InstallBatch { .. }))
        .collect();
    assert_eq!(batches.len(), 7);
    assert!(events.iter().any(|e| matches!(
        e,
        RolloutEvent::Status {
            reported: 130,
            pending: 0
        }
    )));
    emulator.shutdown().await;
}

#[tokio::test]
async fn nothing_is_rebooted_without_opt_in() {
    let fleet = ids("i-calm", 1, 25);
    let emulator = emulator_with(fleet.iter().map(Instance::new))
        .start()
        .await
        .expect("emulator");
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    let report = ecs.cloud_assistant_rollout(fleet.clone()).send().await;
    assert!(
        report
            .outcomes
            .iter()
            .all(|(_, o)| *o == InstanceOutcome::PendingReboot)
    );
    assert_eq!(report.install_calls, 2);
    assert!(emulator.requests_for("RebootInstance").is_empty());
    assert!(
        emulator
            .requests_for("DescribeCloudAssistantStatus")
            .is_empty()
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn stopped_instances_fail_their_reboot_and_are_reported() {
    let fleet = ids("i-mix", 1, 4);
    let instances = fleet.iter().enumerate().map(|(n, id)| {
        let instance = Instance::new(id);
        if n == 2 {
            instance.status(InstanceStatus::Stopped)
        } else {
            instance
        }
    });
    let emulator = emulator_with(instances).start().await.expect("emulator");
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    let report = ecs
        .cloud_assistant_rollout(fleet.clone())
        .reboot(true)
        .wait_until_reported(quick_poll())
        .send()
        .await;
    match report.outcome(&fleet[2]) {
        Some(InstanceOutcome::Failed(failure)) => {
            assert_eq!(failure.code.as_deref(), Some("IncorrectInstanceStatus"));
            assert!(failure.request_id.is_some());
        }
        other => panic!("expected a failed reboot, got {other:?}"),
    }
    assert_eq!(report.counts().installed, 3);
    assert!(
        emulator
            .requests_for("RebootInstance")
            .iter()
            .filter(|r| r.is_ok())
            .all(|r| r.params.get("ForceStop").map(String::as_str) == Some("true"))
    );
    emulator.shutdown().await;
}
