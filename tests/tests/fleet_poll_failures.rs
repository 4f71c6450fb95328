//! Both fleet rollouts against the emulator when their status action fails: a permanent error
//! (`403 Forbidden.RAM`) ends the wait at the first poll with every instance failed at the
//! status step, even with the default 10-minute `PollPolicy`; transient throttling is counted
//! and polled through.
//!
//! "Ends at the first poll" is asserted by what the emulator saw (each instance asked about
//! once), not by a wall-clock timer: the default policy's first wait is 2 s, so a rollout that
//! polled once never waited.

use aliyun_cms::v20170301::workflow::{AgentEvent, AgentOutcome, Step as AgentStep};
use aliyun_core::Config;
use aliyun_core::retry::RetryPolicy;
use aliyun_core::workflow::PollPolicy;
use aliyun_ecs::workflow::{InstanceOutcome, Progress, RolloutEvent, Step as RolloutStep};
use aliyun_emulator::{Emulator, Fault, Instance};
use aliyun_tests::{config, emulator_with, ids, quick_poll};

fn forbidden(action: &str) -> Fault {
    Fault::error(
        403,
        "Forbidden.RAM",
        "User not authorized to operate on the specified resource.",
    )
    .action(action)
}

/// A config whose calls are not retried, so throttled polls reach the workflow.
fn no_retries(emulator: &Emulator) -> Config {
    emulator
        .sdk_config_builder()
        .retry_policy(RetryPolicy::disabled())
        .build()
        .expect("emulator config")
}

/// Every instance id the logged calls of `action` asked about, sorted.
fn asked_about(emulator: &Emulator, action: &str) -> Vec<String> {
    let mut asked: Vec<String> = emulator
        .requests_for(action)
        .iter()
        .flat_map(|request| {
            request
                .params
                .iter()
                .filter(|(name, _)| name.starts_with("InstanceId"))
                .flat_map(|(_, value)| value.split(',').map(str::to_owned).collect::<Vec<_>>())
                .collect::<Vec<_>>()
        })
        .collect();
    asked.sort();
    asked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_rollout_stops_at_a_forbidden_status_poll() {
    let fleet = ids("i-ram", 1, 30);
    let emulator = emulator_with(fleet.iter().map(Instance::new))
        .fault(forbidden("NodeStatusList"))
        .start()
        .await
        .expect("emulator");
    let cms = aliyun_cms::v20170301::Client::new(&config(&emulator));

    let report = cms
        .agent_rollout("1234567898765432", fleet.clone())
        .poll(PollPolicy::default())
        .status_batch(20)
        .send()
        .await;

    assert_eq!(report.failures().count(), fleet.len(), "{report:?}");
    for result in &report.instances {
        let AgentOutcome::Failed(failure) = &result.outcome else {
            panic!("{}: {:?}", result.instance_id, result.outcome);
        };
        assert_eq!(failure.step, AgentStep::Status);
        assert_eq!(failure.code.as_deref(), Some("Forbidden.RAM"));
        assert!(failure.request_id.is_some(), "{failure:?}");
        assert_eq!(result.install_attempts, 1);
    }
    assert_eq!(report.transient_poll_failures, 0);
    // Two batches, one poll each: nothing was asked twice, so nothing waited.
    assert_eq!(emulator.requests_for("NodeStatusList").len(), 2);
    assert_eq!(asked_about(&emulator, "NodeStatusList"), fleet);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloud_assistant_rollout_stops_at_a_forbidden_status_poll() {
    let fleet = ids("i-ram", 1, 30);
    let emulator = emulator_with(fleet.iter().map(Instance::new))
        .fault(forbidden("DescribeCloudAssistantStatus"))
        .start()
        .await
        .expect("emulator");
    let ecs = aliyun_ecs::Client::new(&config(&emulator));

    let report = ecs
        .cloud_assistant_rollout(fleet.clone())
        .reboot(false)
        .wait_until_reported(PollPolicy::default())
        .send()
        .await;

    assert_eq!(report.counts().failed, fleet.len(), "{report:?}");
    for (id, outcome) in &report.outcomes {
        let InstanceOutcome::Failed(failure) = outcome else {
            panic!("{id}: {outcome:?}");
        };
        assert_eq!(failure.step, RolloutStep::Status);
        assert_eq!(failure.code.as_deref(), Some("Forbidden.RAM"));
        assert!(failure.request_id.is_some(), "{failure:?}");
    }
    assert_eq!(report.transient_poll_failures, 0);
    assert_eq!(
        asked_about(&emulator, "DescribeCloudAssistantStatus"),
        fleet
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_rollout_polls_through_throttling() {
    let fleet = ids("i-slow", 1, 6);
    let emulator = emulator_with(fleet.iter().map(Instance::new))
        .fault(Fault::throttling().action("NodeStatusList").times(2))
        .start()
        .await
        .expect("emulator");
    let cms = aliyun_cms::v20170301::Client::new(&no_retries(&emulator));
    let (sender, mut events) = tokio::sync::mpsc::unbounded_channel();

    let report = cms
        .agent_rollout("1234567898765432", fleet.clone())
        .poll(quick_poll())
        .on_progress(Progress::channel(sender))
        .send()
        .await;

    assert_eq!(report.running().count(), fleet.len(), "{report:?}");
    assert_eq!(report.transient_poll_failures, 2);
    let mut lines = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let AgentEvent::StatusPollFailed { failure, .. } = event {
            lines.push(failure.to_string());
        }
    }
    assert_eq!(lines.len(), 2, "{lines:?}");
    for line in &lines {
        assert!(
            line.starts_with("status poll failed: Throttling.User (request id ")
                && line.ends_with("), retrying"),
            "{line}"
        );
    }
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloud_assistant_rollout_polls_through_throttling() {
    let fleet = ids("i-slow", 1, 6);
    let emulator = emulator_with(fleet.iter().map(Instance::new))
        .fault(
            Fault::throttling()
                .action("DescribeCloudAssistantStatus")
                .times(2),
        )
        .start()
        .await
        .expect("emulator");
    let ecs = aliyun_ecs::Client::new(&no_retries(&emulator));
    let (sender, mut events) = tokio::sync::mpsc::unbounded_channel();

    let report = ecs
        .cloud_assistant_rollout(fleet.clone())
        .reboot(false)
        .wait_until_reported(quick_poll())
        .on_progress(Progress::channel(sender))
        .send()
        .await;

    assert_eq!(report.counts().installed, fleet.len(), "{report:?}");
    assert_eq!(report.transient_poll_failures, 2);
    let mut retried = 0;
    while let Ok(event) = events.try_recv() {
        if let RolloutEvent::StatusPollFailed { failure, .. } = event {
            assert!(failure.transient && failure.retrying, "{failure}");
            assert_eq!(failure.failure.code.as_deref(), Some("Throttling.User"));
            retried += 1;
        }
    }
    assert_eq!(retried, 2);
    emulator.shutdown().await;
}
