//! The 2019-01-01 CloudMonitor agent rollout end to end against the emulator: batches of
//! `InstallMonitoringAgent`, an install that fails once (re-installed with `Force`), one that
//! always fails, unknown ids, throttling; then `cpu_total` arriving for every running agent.
//! On a paused tokio clock through the in-process transport.

use std::collections::BTreeSet;

use aliyun_cms::action::install_monitoring_agent::InstallMonitoringAgentInput;
use aliyun_cms::workflow::{AgentOutcome, PollPolicy, Step};
use aliyun_emulator::{FailMode, Fault, Instance};
use aliyun_tests::{emulator_with, ids, in_process_config};

fn instance_ids_of(request: &aliyun_emulator::LoggedRequest) -> Vec<String> {
    request
        .params
        .iter()
        .filter(|(name, _)| name.starts_with("InstanceIds."))
        .map(|(_, id)| id.clone())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn agents_install_with_force_reinstalls_and_report_cpu() {
    let fleet = ids("i-mon", 1, 33);
    let (flaky, broken) = (&fleet[4], &fleet[20]);
    let unknown = ids("i-absent", 1, 2);
    let instances = fleet.iter().map(|id| {
        let instance = Instance::new(id);
        if id == flaky {
            instance.cms_install_fails(FailMode::Once)
        } else if id == broken {
            instance.cms_install_fails(FailMode::Always)
        } else {
            instance
        }
    });
    let emulator = emulator_with(instances)
        .fault(
            Fault::throttling()
                .action("InstallMonitoringAgent")
                .times(2),
        )
        .fault(
            Fault::throttling()
                .action("DescribeMonitoringAgentStatuses")
                .times(2),
        )
        .fault(Fault::throttling().action("DescribeMetricLast").times(1))
        .start()
        .await
        .expect("emulator");
    let cms = aliyun_cms::Client::new(&in_process_config(&emulator));
    let mut targets = fleet.clone();
    targets.splice(7..7, unknown.clone());

    let report = cms
        .monitoring_agent_rollout(targets.clone())
        .force_retries(2)
        .poll(PollPolicy::default())
        .send()
        .await;

    let agents = &report.agents;
    assert_eq!(agents.instances.len(), targets.len());
    for id in &unknown {
        assert_eq!(agents.result(id).unwrap().outcome, AgentOutcome::NotFound);
    }
    let flaky_result = agents.result(flaky).unwrap();
    assert_eq!(flaky_result.outcome, AgentOutcome::Running);
    assert_eq!(flaky_result.install_attempts, 2, "one Force re-install");
    let broken_result = agents.result(broken).unwrap();
    let AgentOutcome::Failed(failure) = &broken_result.outcome else {
        panic!("{broken_result:?}");
    };
    assert_eq!(failure.step, Step::Install);
    assert_eq!(failure.code.as_deref(), Some("install_faild"));
    assert_eq!(
        broken_result.install_attempts, 3,
        "one install, two Force re-installs"
    );
    assert_eq!(agents.running().count(), fleet.len() - 1);

    // Batches of at most 10; the first install without Force, re-installs with it.
    let installs = emulator.requests_for("InstallMonitoringAgent");
    assert!(installs.iter().all(|r| {
        instance_ids_of(r).len() <= InstallMonitoringAgentInput::INSTANCE_IDS_MAX_ITEMS
    }));
    let forced: Vec<Vec<String>> = installs
        .iter()
        .filter(|r| r.is_ok() && r.param("Force") == Some("true"))
        .map(instance_ids_of)
        .collect();
    let forced_ids: BTreeSet<&String> = forced.iter().flatten().collect();
    assert_eq!(forced_ids, BTreeSet::from([flaky, broken]));
    assert!(
        installs
            .iter()
            .filter(|r| r.is_ok() && r.param("Force") == Some("false"))
            .flat_map(instance_ids_of)
            .all(|id| !unknown.contains(&id))
    );

    // cpu_total arrived for every running agent, and only for them.
    let running: BTreeSet<&str> = agents.running().collect();
    assert_eq!(report.cpu_total.len(), running.len());
    for (id, point) in &report.cpu_total {
        assert!(running.contains(id.as_str()));
        let point = point.as_ref().unwrap_or_else(|| panic!("{id}: no point"));
        assert_eq!(&point.instance_id, id);
        let average = point.average.expect("average");
        assert!((0.0..=100.0).contains(&average), "{average}");
        assert!(point.timestamp_ms > 0);
    }
    assert!(report.metric_failure.is_none());
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_forbidden_status_poll_fails_the_agents_at_once() {
    let fleet = ids("i-ram", 1, 12);
    let emulator = emulator_with(fleet.iter().map(Instance::new))
        .fault(
            Fault::error(403, "Forbidden.RAM", "User not authorized.")
                .action("DescribeMonitoringAgentStatuses"),
        )
        .start()
        .await
        .expect("emulator");
    let cms = aliyun_cms::Client::new(&in_process_config(&emulator));
    let started = tokio::time::Instant::now();
    let report = cms
        .monitoring_agent_rollout(fleet.clone())
        .poll(PollPolicy::default())
        .send()
        .await;
    assert_eq!(started.elapsed(), std::time::Duration::ZERO);
    assert_eq!(report.agents.failures().count(), fleet.len());
    for (_, failure) in report.agents.failures() {
        assert_eq!(failure.step, Step::Status);
        assert_eq!(failure.code.as_deref(), Some("Forbidden.RAM"));
    }
    assert!(report.cpu_total.is_empty());
    assert!(emulator.requests_for("DescribeMetricLast").is_empty());
    emulator.shutdown().await;
}
