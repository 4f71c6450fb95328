//! The tour's steps, each printing as it goes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aliyun_cms::action::install_monitoring_agent::InstallMonitoringAgentInput;
use aliyun_cms::workflow::{
    AgentEvent, AgentOutcome, ECS_NAMESPACE, MetricPoint, MonitoringReport,
};
use aliyun_core::workflow::Progress;
use aliyun_ecs::action::install_cloud_assistant::{
    InstallCloudAssistantError, InstallCloudAssistantInput,
};
use aliyun_ecs::action::run_command::RunCommandInput;
use aliyun_ecs::workflow::{
    CommandEvent, CommandReport, InstanceOutcome, RolloutEvent, RolloutReport,
};

use crate::{Setup, UNKNOWN_INSTANCE, table};

/// How many instances' outputs the command step prints.
const OUTPUTS_SHOWN: usize = 3;

/// The metrics the agent step reads besides `cpu_total` (the rollout's own), with the table's
/// heading for each: one the agent reports, one the hypervisor does.
const MORE_METRICS: [(&str, &str); 2] = [
    ("memory_usedutilization", "MEMORY"),
    ("CPUUtilization", "CPU (HOST)"),
];

/// Instances per `DescribeMetricLast` call of [`MORE_METRICS`] (its `Dimensions` list).
const METRIC_BATCH: usize = 50;

/// The latest average of one metric per instance.
pub struct MetricColumn {
    pub(crate) heading: &'static str,
    pub(crate) metric: &'static str,
    pub(crate) averages: Vec<(String, f64)>,
    /// Why a read failed, if one did.
    pub(crate) failure: Option<String>,
}

impl MetricColumn {
    /// The average of instance `id`, if its point arrived.
    pub(crate) fn average(&self, id: &str) -> Option<f64> {
        self.averages
            .iter()
            .find(|(instance, _)| instance == id)
            .map(|(_, average)| *average)
    }
}

/// What the tour saw.
pub struct TourOutcome {
    pub(crate) rollout: RolloutReport,
    pub(crate) command: Option<CommandReport>,
    pub(crate) monitoring: Option<MonitoringReport>,
    /// The other metrics read for the running agents (empty without the agent step).
    pub(crate) metrics: Vec<MetricColumn>,
    typed_error_shown: bool,
    waited: bool,
}

impl TourOutcome {
    /// Whether every instance ended as the tour intended and the typed error appeared.
    pub fn all_ok(&self) -> bool {
        let expected = if self.waited {
            InstanceOutcome::Installed
        } else {
            InstanceOutcome::PendingReboot
        };
        let assistants_ok = self.rollout.outcomes.iter().all(|(_, o)| *o == expected);
        let command_ok = self
            .command
            .as_ref()
            .is_none_or(CommandReport::all_succeeded);
        let agents_ok = self.monitoring.as_ref().is_none_or(|report| {
            report
                .agents
                .instances
                .iter()
                .all(|r| r.outcome == AgentOutcome::Running)
                && report.cpu_total.iter().all(|(_, point)| point.is_some())
        });
        let metrics_ok = self.metrics.iter().all(|column| column.failure.is_none());
        assistants_ok && command_ok && agents_ok && metrics_ok && self.typed_error_shown
    }
}

/// Runs every step.
pub async fn run(setup: &Setup) -> TourOutcome {
    let ecs = aliyun_ecs::Client::new(&setup.config);
    let cms = aliyun_cms::Client::new(&setup.config);

    let rollout = cloud_assistant(setup, &ecs).await;
    let command = match &setup.command {
        Some(command) => Some(run_command(setup, &ecs, command).await),
        None => {
            println!("2. Run a command: skipped (pass --run 'COMMAND' to run one)\n");
            None
        }
    };
    let (monitoring, metrics) = if setup.install_agent {
        let report = cloudmonitor_agent(setup, &cms).await;
        let metrics = more_metrics(&cms, &report).await;
        (Some(report), metrics)
    } else {
        println!("3. CloudMonitor agent: skipped (pass --agent to install it)\n");
        (None, Vec::new())
    };
    let typed_error_shown = typed_error(&ecs).await;
    table::print(
        &setup.instance_ids,
        &rollout,
        command.as_ref(),
        monitoring.as_ref(),
        &metrics,
    );
    TourOutcome {
        rollout,
        command,
        monitoring,
        metrics,
        typed_error_shown,
        waited: setup.reboot,
    }
}

async fn cloud_assistant(setup: &Setup, ecs: &aliyun_ecs::Client) -> RolloutReport {
    let per_call = InstallCloudAssistantInput::INSTANCE_IDS_MAX_ITEMS;
    println!(
        "1. Cloud assistant: installing on {} instances, at most {per_call} per InstallCloudAssistant call",
        setup.instance_ids.len()
    );
    let rebooted = Arc::new(AtomicUsize::new(0));
    let reboot_failed = Arc::new(AtomicUsize::new(0));
    let (ok, failed) = (rebooted.clone(), reboot_failed.clone());
    let progress = Progress::callback(move |event: &RolloutEvent| match event {
        RolloutEvent::InstallBatch {
            batch,
            batches,
            instances,
            installed,
            not_found,
            failed,
        } => println!(
            "   batch {batch}/{batches}: {instances} instances: {installed} installed, {not_found} not found, {failed} failed"
        ),
        RolloutEvent::Rebooted { ok: true, .. } => {
            ok.fetch_add(1, Ordering::Relaxed);
        }
        RolloutEvent::Rebooted { ok: false, .. } => {
            failed.fetch_add(1, Ordering::Relaxed);
        }
        RolloutEvent::Status { reported, pending } => {
            println!("   status: {reported} report the client installed, {pending} pending")
        }
        RolloutEvent::StatusPollFailed { failure, .. } => println!("   {failure}"),
        _ => {}
    });
    let mut rollout = ecs
        .cloud_assistant_rollout(setup.instance_ids.clone())
        .concurrency(4)
        .on_progress(progress);
    if setup.reboot {
        rollout = rollout.reboot(false).wait_until_reported(setup.poll);
    }
    let rebooting = setup.reboot.then(|| {
        println!(
            "   (then RebootInstance on each, and DescribeCloudAssistantStatus until installed)"
        )
    });
    let report = rollout.send().await;
    if rebooting.is_some() {
        println!(
            "   rebooted {} instance(s), {} reboot(s) failed",
            rebooted.load(Ordering::Relaxed),
            reboot_failed.load(Ordering::Relaxed)
        );
    }
    let counts = report.counts();
    println!(
        "   done: {} installed, {} pending reboot, {} not reported, {} not found, {} failed ({} InstallCloudAssistant calls, {} status poll(s) failed transiently)\n",
        counts.installed,
        counts.pending_reboot,
        counts.not_reported,
        counts.not_found,
        counts.failed,
        report.install_calls,
        report.transient_poll_failures
    );
    report
}

async fn run_command(setup: &Setup, ecs: &aliyun_ecs::Client, command: &str) -> CommandReport {
    println!(
        "2. Run a command: '{command}' on {} instances (RunCommand, at most {} per call, one ClientToken each), then the InvocationFinished waiter (DescribeInvocationResults) until every instance finished",
        setup.instance_ids.len(),
        RunCommandInput::INSTANCE_ID_MAX_ITEMS
    );
    let progress = Progress::callback(|event: &CommandEvent| match event {
        CommandEvent::Sent {
            batch,
            batches,
            instances,
            invoke_ids,
            not_found,
            failed,
        } => println!(
            "   batch {batch}/{batches}: {instances} instances, invocation {}, {not_found} not found, {failed} failed",
            invoke_ids.join(", ")
        ),
        CommandEvent::Status { finished, running } => {
            println!("   results: {finished} in, {running} to wait for")
        }
        CommandEvent::Resending { failure, attempt } => println!(
            "   RunCommand failed ({}), sending again with the same ClientToken (attempt {attempt})",
            failure.summary()
        ),
        _ => {}
    });
    let report = ecs
        .command_run(command, setup.instance_ids.clone())
        .concurrency(4)
        .poll(setup.poll)
        .on_progress(progress)
        .send()
        .await;
    for (id, result) in report.results().take(OUTPUTS_SHOWN) {
        let exit = result
            .exit_code
            .map_or_else(|| "-".to_owned(), |code| code.to_string());
        println!("   {id}: {} (exit code {exit})", result.status);
        for line in result.output.lines() {
            println!("   | {line}");
        }
    }
    let finished = report.results().count();
    let succeeded = report
        .outcomes
        .iter()
        .filter(|(_, o)| o.succeeded())
        .count();
    if finished > OUTPUTS_SHOWN {
        println!("   ... and {} more", finished - OUTPUTS_SHOWN);
    }
    println!(
        "   done: succeeded on {succeeded} of {} instances ({} RunCommand call(s), {} invocation(s))\n",
        report.outcomes.len(),
        report.run_calls,
        report.invoke_ids.len()
    );
    report
}

async fn cloudmonitor_agent(setup: &Setup, cms: &aliyun_cms::Client) -> MonitoringReport {
    println!(
        "3. CloudMonitor agent (API 2019-01-01): InstallMonitoringAgent on {} instances ({} per call), DescribeMonitoringAgentStatuses until running, then the latest cpu_total",
        setup.instance_ids.len(),
        InstallMonitoringAgentInput::INSTANCE_IDS_MAX_ITEMS
    );
    let progress = Progress::callback(|event: &AgentEvent| match event {
        AgentEvent::Installed {
            round,
            instances,
            accepted,
        } => println!("   round {round}: {instances} install(s), {accepted} accepted"),
        AgentEvent::Retrying {
            instance_id,
            attempt,
        } => println!(
            "   {instance_id}: install failed, re-installing with Force (attempt {attempt})"
        ),
        AgentEvent::Status { running, pending } => {
            println!("   status: {running} running, {pending} pending")
        }
        AgentEvent::StatusPollFailed { failure, .. } => println!("   {failure}"),
        _ => {}
    });
    let report = cms
        .monitoring_agent_rollout(setup.instance_ids.clone())
        .concurrency(4)
        .poll(setup.poll)
        .on_progress(progress)
        .send()
        .await;
    println!(
        "   done: {} of {} agents running, {} failed ({} status poll(s) failed transiently); cpu_total arrived for {}\n",
        report.agents.running().count(),
        report.agents.instances.len(),
        report.agents.failures().count(),
        report.agents.transient_poll_failures,
        report.reporting().count()
    );
    if let Some(failure) = &report.metric_failure {
        println!("   DescribeMetricLast failed: {}\n", failure.summary());
    }
    report
}

/// Reads the latest point of each of [`MORE_METRICS`] for the instances whose agent runs
/// (`DescribeMetricLast`, a batch of instances per call, following `NextToken`).
async fn more_metrics(cms: &aliyun_cms::Client, report: &MonitoringReport) -> Vec<MetricColumn> {
    let running: Vec<&str> = report.agents.running().collect();
    if running.is_empty() {
        return Vec::new();
    }
    let names: Vec<&str> = MORE_METRICS.iter().map(|(metric, _)| *metric).collect();
    println!(
        "   then the latest {} of the {} running agents (DescribeMetricLast, {METRIC_BATCH} instances per call)",
        names.join(" and "),
        running.len()
    );
    let mut columns = Vec::new();
    for (metric, heading) in MORE_METRICS {
        let mut column = MetricColumn {
            heading,
            metric,
            averages: Vec::new(),
            failure: None,
        };
        'batches: for batch in running.chunks(METRIC_BATCH) {
            let dimensions: Vec<aliyun_core::JsonValue> = batch
                .iter()
                .map(|id| [("instanceId", *id)].into_iter().collect())
                .collect();
            let mut token = None;
            loop {
                let answer = cms
                    .describe_metric_last()
                    .namespace(ECS_NAMESPACE)
                    .metric_name(metric)
                    .set_dimensions(Some(dimensions.clone()))
                    .set_next_token(token.take())
                    .send()
                    .await;
                let output = match answer {
                    Ok(output) => output,
                    Err(error) => {
                        column.failure = Some(error.to_string());
                        break 'batches;
                    }
                };
                let points = MetricPoint::parse_all(output.datapoints.as_deref().unwrap_or("[]"));
                column.averages.extend(
                    points
                        .into_iter()
                        .filter_map(|p| Some((p.instance_id, p.average?))),
                );
                match output.next_token.filter(|t| !t.is_empty()) {
                    Some(next) => token = Some(next),
                    None => break,
                }
            }
        }
        match &column.failure {
            Some(failure) => println!("   {metric}: DescribeMetricLast failed: {failure}"),
            None => println!(
                "   {metric}: arrived for {} of {} instances",
                column.averages.len(),
                running.len()
            ),
        }
        columns.push(column);
    }
    println!();
    columns
}

/// Calls `InstallCloudAssistant` on an unknown instance and shows the typed error.
async fn typed_error(ecs: &aliyun_ecs::Client) -> bool {
    println!("4. A typed error: InstallCloudAssistant on {UNKNOWN_INSTANCE}");
    match ecs
        .install_cloud_assistant()
        .instance_ids(UNKNOWN_INSTANCE)
        .send()
        .await
    {
        Err(InstallCloudAssistantError::InvalidInstanceNotFound(error)) => {
            println!(
                "   InstallCloudAssistantError::InvalidInstanceNotFound: code {}, HTTP {}, request id {}",
                error.code(),
                error.http_status(),
                error.request_id().unwrap_or("-")
            );
            println!("   message: {}\n", error.message());
            true
        }
        Err(other) => {
            println!("   unexpected error: {other}\n");
            false
        }
        Ok(output) => {
            println!(
                "   unexpectedly accepted (request id {:?})\n",
                output.request_id
            );
            false
        }
    }
}
