//! The tour's steps, each printing as it goes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aliyun_cms::v20170301::workflow::{AgentEvent, AgentOutcome, AgentReport};
use aliyun_core::workflow::Progress;
use aliyun_ecs::action::install_cloud_assistant::{
    InstallCloudAssistantError, InstallCloudAssistantInput,
};
use aliyun_ecs::workflow::{InstanceOutcome, RolloutEvent, RolloutReport};

use crate::{Setup, UNKNOWN_INSTANCE, table};

/// What the tour saw.
pub struct TourOutcome {
    pub(crate) rollout: RolloutReport,
    pub(crate) agents: Option<AgentReport>,
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
        let agents_ok = self.agents.as_ref().is_none_or(|report| {
            report
                .instances
                .iter()
                .all(|r| r.outcome == AgentOutcome::Running)
        });
        assistants_ok && agents_ok && self.typed_error_shown
    }
}

/// Runs every step.
pub async fn run(setup: &Setup) -> TourOutcome {
    let ecs = aliyun_ecs::Client::new(&setup.config);
    let cms = aliyun_cms::v20170301::Client::new(&setup.config);

    let rollout = cloud_assistant(setup, &ecs).await;
    let agents = match &setup.user_id {
        Some(user_id) => Some(cloudmonitor_agent(setup, &cms, user_id).await),
        None => None,
    };
    let typed_error_shown = typed_error(&ecs).await;
    table::print(&setup.instance_ids, &rollout, agents.as_ref());
    TourOutcome {
        rollout,
        agents,
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

async fn cloudmonitor_agent(
    setup: &Setup,
    cms: &aliyun_cms::v20170301::Client,
    user_id: &str,
) -> AgentReport {
    println!(
        "2. CloudMonitor agent: NodeInstall on {} instances (one per call, 8 at a time), then NodeStatusList until running",
        setup.instance_ids.len()
    );
    let progress = Progress::callback(|event: &AgentEvent| match event {
        AgentEvent::Installed {
            round,
            calls,
            accepted,
        } => println!("   round {round}: {calls} NodeInstall call(s), {accepted} accepted"),
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
        .agent_rollout(user_id, setup.instance_ids.clone())
        .concurrency(8)
        .poll(setup.poll)
        .on_progress(progress)
        .send()
        .await;
    println!(
        "   done: {} of {} agents running, {} failed ({} status poll(s) failed transiently)\n",
        report.running().count(),
        report.instances.len(),
        report.failures().count(),
        report.transient_poll_failures
    );
    report
}

/// Calls `InstallCloudAssistant` on an unknown instance and shows the typed error.
async fn typed_error(ecs: &aliyun_ecs::Client) -> bool {
    println!("3. A typed error: InstallCloudAssistant on {UNKNOWN_INSTANCE}");
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
