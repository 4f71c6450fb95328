//! The CMS agent rollout end to end against the emulator: a fleet where some installs fail
//! once (re-installed with `Force`), one always fails, and some ids are unknown.

use aliyun_cms::v20170301::types::AgentStatus;
use aliyun_cms::v20170301::workflow::{AgentOutcome, Step};
use aliyun_emulator::{FailMode, Fault, Instance};
use aliyun_tests::{config, emulator_with, ids, quick_poll};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_on_a_fleet_where_some_installs_fail_once() {
    let fleet = ids("i-cms", 1, 60);
    let fails_once: Vec<&String> = fleet.iter().step_by(10).collect();
    let fails_always = &fleet[59];
    let unknown = ids("i-nope", 1, 2);
    let instances = fleet.iter().map(|id| {
        let instance = Instance::new(id);
        if fails_once.contains(&id) {
            instance.cms_install_fails(FailMode::Once)
        } else if id == fails_always {
            instance.cms_install_fails(FailMode::Always)
        } else {
            instance
        }
    });
    let emulator = emulator_with(instances)
        .fault(Fault::throttling().action("NodeInstall").times(4))
        .start()
        .await
        .expect("emulator");
    let cms = aliyun_cms::v20170301::Client::new(&config(&emulator));
    let mut targets = fleet.clone();
    targets.extend(unknown.clone());

    let report = cms
        .agent_rollout("1234567898765432", targets.clone())
        .concurrency(16)
        .force_retries(2)
        .poll(quick_poll())
        .status_batch(25)
        .send()
        .await;

    assert_eq!(report.instances.len(), 62);
    for id in &fleet {
        let result = report.result(id).expect("an outcome per instance");
        if id == fails_always {
            match &result.outcome {
                AgentOutcome::Failed(failure) => {
                    assert_eq!(failure.step, Step::Install);
                    assert!(
                        matches!(failure.code.as_deref(), Some("500") | Some("install_faild")),
                        "{failure:?}"
                    );
                }
                other => panic!("{id}: expected failure, got {other:?}"),
            }
            assert_eq!(
                result.install_attempts, 3,
                "one install and two forced re-installs"
            );
        } else {
            assert_eq!(result.outcome, AgentOutcome::Running, "{id}");
            let expected = if fails_once.contains(&id) { 2 } else { 1 };
            assert_eq!(result.install_attempts, expected, "{id}");
        }
    }
    for id in &unknown {
        assert_eq!(
            report.result(id).map(|r| &r.outcome),
            Some(&AgentOutcome::NotFound)
        );
    }

    // Re-installs carry Force; first installs do not.
    for id in &fails_once {
        let installs: Vec<_> = emulator
            .requests_for("NodeInstall")
            .into_iter()
            .filter(|r| {
                r.params.get("InstanceId") == Some(id) && r.error_code() != Some("Throttling.User")
            })
            .collect();
        assert_eq!(installs.len(), 2, "{id}");
        assert_eq!(
            installs[0].params.get("Force").map(String::as_str),
            Some("false")
        );
        assert_eq!(
            installs[1].params.get("Force").map(String::as_str),
            Some("true")
        );
    }
    // Statuses were polled in batches with the comma-joined list.
    let polls = emulator.requests_for("NodeStatusList");
    assert!(!polls.is_empty());
    assert!(
        polls
            .iter()
            .all(|r| r.params["InstanceIds"].split(',').count() <= 25)
    );

    // The emulator agrees.
    let status = cms
        .node_status()
        .instance_id(fleet[1].clone())
        .send()
        .await
        .expect("status");
    assert_eq!(status.status, Some(AgentStatus::Running));
    emulator.shutdown().await;
}
