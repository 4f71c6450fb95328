//! Faults on each action of the command and 2019 agent journeys: every one is throttled once
//! and retried by the SDK, and per-instance faults find the instance in `InstanceId.N`,
//! `InstanceIds.N`, a comma-separated `InstanceIds` and CloudMonitor's JSON `Dimensions`.
//! On a paused tokio clock through the in-process transport.

use aliyun_emulator::{AgentState, CloudAssistantState, Emulator, Fault, Instance};
use aliyun_tests::{emulator_with, in_process_config};

const INSTANCE: &str = "i-faulty01";

async fn emulator() -> Emulator {
    emulator_with([Instance::new(INSTANCE)
        .cloud_assistant(CloudAssistantState::Installed)
        .cms_agent(AgentState::Running)])
    .start()
    .await
    .expect("emulator")
}

/// Asserts `action` was sent twice: throttled, then answered.
fn throttled_then_ok(emulator: &Emulator, action: &str) {
    let calls = emulator.requests_for(action);
    let verdicts: Vec<Option<&str>> = calls.iter().map(|r| r.error_code()).collect();
    assert_eq!(verdicts, [Some("Throttling.User"), None], "{action}");
    assert!(calls[1].is_ok(), "{action}");
}

#[tokio::test(start_paused = true)]
async fn every_new_action_is_throttled_once_and_retried() {
    let emulator = emulator().await;
    for action in [
        "CreateCommand",
        "RunCommand",
        "InvokeCommand",
        "DescribeInvocationResults",
        "DescribeInvocations",
        "InstallMonitoringAgent",
        "DescribeMonitoringAgentStatuses",
        "DescribeMetricLast",
    ] {
        emulator.add_fault(Fault::throttling().action(action).times(1));
    }
    let config = in_process_config(&emulator);
    let ecs = aliyun_ecs::Client::new(&config);
    let cms = aliyun_cms::Client::new(&config);

    let command_id = ecs
        .create_command()
        .name("hello")
        .r#type("RunShellScript")
        .command_content("echo hello")
        .send()
        .await
        .expect("CreateCommand")
        .command_id
        .expect("a command id");
    ecs.run_command()
        .r#type("RunShellScript")
        .command_content("uname -a")
        .instance_id(INSTANCE)
        .send()
        .await
        .expect("RunCommand");
    let invoke_id = ecs
        .invoke_command()
        .command_id(command_id)
        .instance_id(INSTANCE)
        .send()
        .await
        .expect("InvokeCommand")
        .invoke_id
        .expect("an invoke id");
    let results = ecs
        .describe_invocation_results()
        .invoke_id(invoke_id)
        .send()
        .await
        .expect("DescribeInvocationResults");
    assert_eq!(
        results
            .invocation
            .expect("invocation")
            .invocation_results
            .len(),
        1
    );
    let invocations = ecs
        .describe_invocations()
        .send()
        .await
        .expect("DescribeInvocations");
    assert_eq!(invocations.invocations.len(), 2);
    cms.install_monitoring_agent()
        .instance_ids(INSTANCE)
        .send()
        .await
        .expect("InstallMonitoringAgent");
    let statuses = cms
        .describe_monitoring_agent_statuses()
        .instance_ids(INSTANCE)
        .send()
        .await
        .expect("DescribeMonitoringAgentStatuses");
    assert_eq!(statuses.node_status_list.len(), 1);
    cms.describe_metric_last()
        .namespace("acs_ecs_dashboard")
        .metric_name("cpu_total")
        .send()
        .await
        .expect("DescribeMetricLast");

    for action in [
        "CreateCommand",
        "RunCommand",
        "InvokeCommand",
        "DescribeInvocationResults",
        "DescribeInvocations",
        "InstallMonitoringAgent",
        "DescribeMonitoringAgentStatuses",
        "DescribeMetricLast",
    ] {
        throttled_then_ok(&emulator, action);
    }
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn per_instance_faults_find_the_instance_in_every_parameter_shape() {
    let emulator = emulator().await;
    let config = in_process_config(&emulator);
    let ecs = aliyun_ecs::Client::new(&config);
    let cms = aliyun_cms::Client::new(&config);
    let unavailable = |action: &str| {
        Fault::service_unavailable()
            .action(action)
            .instance(INSTANCE)
            .times(1)
    };
    for action in [
        "RunCommand",
        "InstallMonitoringAgent",
        "DescribeMonitoringAgentStatuses",
        "DescribeMetricLast",
    ] {
        emulator.add_fault(unavailable(action));
    }

    ecs.run_command()
        .r#type("RunShellScript")
        .command_content("true")
        .instance_id(INSTANCE)
        .send()
        .await
        .expect("RunCommand");
    // Without `Force` the running agent is left alone (and keeps reporting).
    cms.install_monitoring_agent()
        .instance_ids(INSTANCE)
        .force(false)
        .send()
        .await
        .expect("InstallMonitoringAgent");
    cms.describe_monitoring_agent_statuses()
        .instance_ids(format!("i-other,{INSTANCE}"))
        .send()
        .await
        .expect("DescribeMonitoringAgentStatuses");
    let last = cms
        .describe_metric_last()
        .namespace("acs_ecs_dashboard")
        .metric_name("cpu_total")
        .dimensions(serde_json::json!({ "instanceId": INSTANCE }))
        .send()
        .await
        .expect("DescribeMetricLast");
    assert!(last.datapoints.unwrap_or_default().contains(INSTANCE));

    for fault in emulator.faults() {
        assert_eq!(fault.hits, 1, "{fault:?}");
    }
    emulator.shutdown().await;
}
