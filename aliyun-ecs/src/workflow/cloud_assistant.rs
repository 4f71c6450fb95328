//! Installing the cloud assistant on a fleet: batch, install, optionally reboot, wait.

use std::collections::{BTreeMap, BTreeSet};

use aliyun_core::workflow::{
    PollPolicy, Poller, Progress, dedup_in_order, run_concurrent, split_unknown,
};

use crate::Client;
use crate::action::describe_cloud_assistant_status::{
    DescribeCloudAssistantStatusError, DescribeCloudAssistantStatusInput,
};
use crate::action::install_cloud_assistant::{
    InstallCloudAssistantError, InstallCloudAssistantInput,
};

/// The step of the rollout an instance failed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// `InstallCloudAssistant`.
    Install,
    /// `RebootInstance`.
    Reboot,
    /// `DescribeCloudAssistantStatus`.
    Status,
}

/// Why an instance failed: the step and the error of the call that failed, summarised.
pub type Failure = aliyun_core::workflow::Failure<Step>;

/// A failed `DescribeCloudAssistantStatus` poll: transient (polled again) or permanent (its
/// instances fail).
pub type PollFailure = aliyun_core::workflow::PollFailure<Step>;

/// What happened to one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InstanceOutcome {
    /// `DescribeCloudAssistantStatus` reports the client installed.
    Installed,
    /// The install call succeeded; the client takes effect after the instance restarts (no
    /// reboot was requested, or no wait).
    PendingReboot,
    /// Installed and rebooted, but the status did not report the client before the deadline.
    NotReported,
    /// The instance does not exist in the region.
    NotFound,
    /// A call for this instance failed (a permanent `DescribeCloudAssistantStatus` error fails
    /// the instances it asked about at once, at [`Step::Status`]).
    Failed(Failure),
}

/// Progress of a rollout, for a progress bar or a log.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RolloutEvent {
    /// An install batch finished.
    InstallBatch {
        /// Batch number, from 1.
        batch: usize,
        /// Number of batches.
        batches: usize,
        /// Instances in the batch.
        instances: usize,
        /// Of them, installed.
        installed: usize,
        /// Of them, not found.
        not_found: usize,
        /// Of them, failed.
        failed: usize,
    },
    /// A reboot call finished.
    Rebooted {
        /// The instance.
        instance_id: String,
        /// Whether the call succeeded.
        ok: bool,
    },
    /// A status poll finished.
    Status {
        /// Instances reporting the client.
        reported: usize,
        /// Instances still waited for.
        pending: usize,
    },
    /// A `DescribeCloudAssistantStatus` call failed. `failure` displays as the progress line:
    /// `status poll failed: Throttling.User (request id …), retrying`.
    StatusPollFailed {
        /// The error, and whether the instances are polled again.
        failure: PollFailure,
        /// Instances the call asked about.
        instances: usize,
    },
}

/// The result of a rollout: one outcome per requested instance, in request order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RolloutReport {
    /// `(instance id, outcome)`, in the order the ids were given (duplicates removed).
    pub outcomes: Vec<(String, InstanceOutcome)>,
    /// Request ids of the successful `InstallCloudAssistant` calls.
    pub install_request_ids: Vec<String>,
    /// `InstallCloudAssistant` calls made (including the splits that find unknown ids).
    pub install_calls: usize,
    /// `DescribeCloudAssistantStatus` calls that failed transiently (throttling, server
    /// errors, timeouts) and were repeated at the next look.
    pub transient_poll_failures: u32,
}

impl RolloutReport {
    /// The outcome for `instance_id`.
    pub fn outcome(&self, instance_id: &str) -> Option<&InstanceOutcome> {
        self.outcomes
            .iter()
            .find(|(id, _)| id == instance_id)
            .map(|(_, outcome)| outcome)
    }

    /// The instances that failed, with the step, code, message and request id.
    pub fn failures(&self) -> impl Iterator<Item = (&str, &Failure)> {
        self.outcomes
            .iter()
            .filter_map(|(id, outcome)| match outcome {
                InstanceOutcome::Failed(failure) => Some((id.as_str(), failure)),
                _ => None,
            })
    }

    /// Instances with the given outcome kind.
    pub fn instances_where(
        &self,
        pred: impl Fn(&InstanceOutcome) -> bool,
    ) -> impl Iterator<Item = &str> {
        self.outcomes
            .iter()
            .filter(move |(_, o)| pred(o))
            .map(|(id, _)| id.as_str())
    }

    /// How many instances ended with each kind of outcome: (installed, pending reboot, not
    /// reported, not found, failed).
    pub fn counts(&self) -> RolloutCounts {
        let mut counts = RolloutCounts::default();
        for (_, outcome) in &self.outcomes {
            match outcome {
                InstanceOutcome::Installed => counts.installed += 1,
                InstanceOutcome::PendingReboot => counts.pending_reboot += 1,
                InstanceOutcome::NotReported => counts.not_reported += 1,
                InstanceOutcome::NotFound => counts.not_found += 1,
                InstanceOutcome::Failed(_) => counts.failed += 1,
            }
        }
        counts
    }
}

/// Outcome counts of a rollout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RolloutCounts {
    /// Reported installed.
    pub installed: usize,
    /// Installed, waiting for a reboot.
    pub pending_reboot: usize,
    /// Rebooted but not reported before the deadline.
    pub not_reported: usize,
    /// Unknown instances.
    pub not_found: usize,
    /// Failed.
    pub failed: usize,
}

/// Installs the cloud assistant on any number of instances. Made by
/// [`Client::cloud_assistant_rollout`].
///
/// The instances are split into `InstallCloudAssistant` calls of at most the spec's limit
/// ([`InstallCloudAssistantInput::INSTANCE_IDS_MAX_ITEMS`]), sent with bounded concurrency. A
/// batch refused with `InvalidInstance.NotFound` is split in halves until the unknown ids are
/// found, so one bad id does not fail its neighbours. Then, only if asked, each installed
/// instance is rebooted (`RebootInstance`), and the rollout waits until
/// `DescribeCloudAssistantStatus` reports the client on each, with a deadline and backoff.
///
/// A failed status call follows the rule of [`aliyun_core::workflow`]: a transient one
/// (throttling, server errors, timeouts) is counted, reported as
/// [`RolloutEvent::StatusPollFailed`] and polled again; a permanent one (`Forbidden.RAM` for a
/// RAM user without `ecs:DescribeCloudAssistantStatus`, `InvalidAction.NotFound`, ...) fails
/// the instances it asked about at once, at [`Step::Status`], instead of waiting out the
/// deadline.
#[derive(Debug, Clone)]
pub struct CloudAssistantRollout {
    client: Client,
    instance_ids: Vec<String>,
    region_id: Option<String>,
    batch_size: usize,
    concurrency: usize,
    reboot: Option<bool>,
    wait: Option<PollPolicy>,
    progress: Progress<RolloutEvent>,
}

impl Client {
    /// Starts a cloud assistant rollout on `instance_ids` (any number; duplicates ignored).
    /// Nothing is rebooted unless [`CloudAssistantRollout::reboot`] is called.
    pub fn cloud_assistant_rollout<I, S>(&self, instance_ids: I) -> CloudAssistantRollout
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        CloudAssistantRollout {
            client: self.clone(),
            instance_ids: dedup_in_order(instance_ids.into_iter().map(Into::into)),
            region_id: None,
            batch_size: InstallCloudAssistantInput::INSTANCE_IDS_MAX_ITEMS,
            concurrency: 4,
            reboot: None,
            wait: None,
            progress: Progress::none(),
        }
    }
}

impl CloudAssistantRollout {
    /// The region of the instances (default: the client's region).
    pub fn region_id(mut self, region_id: impl Into<String>) -> Self {
        self.region_id = Some(region_id.into());
        self
    }

    /// Instances per `InstallCloudAssistant` call, at most the spec's limit (larger values are
    /// capped).
    pub fn batch_size(mut self, size: usize) -> Self {
        self.batch_size = size.clamp(1, InstallCloudAssistantInput::INSTANCE_IDS_MAX_ITEMS);
        self
    }

    /// Calls in flight at once (default 4).
    pub fn concurrency(mut self, calls: usize) -> Self {
        self.concurrency = calls.max(1);
        self
    }

    /// Reboots each installed instance (`RebootInstance`), forcing the stop if `force_stop`.
    /// Explicit opt-in: a reboot interrupts whatever the instance is doing.
    pub fn reboot(mut self, force_stop: bool) -> Self {
        self.reboot = Some(force_stop);
        self
    }

    /// After rebooting, waits until the status reports the client on each instance.
    pub fn wait_until_reported(mut self, policy: PollPolicy) -> Self {
        self.wait = Some(policy);
        self
    }

    /// Reports progress to `progress`.
    pub fn on_progress(mut self, progress: Progress<RolloutEvent>) -> Self {
        self.progress = progress;
        self
    }

    /// Runs the rollout. Never fails as a whole: every instance gets an outcome.
    pub async fn send(self) -> RolloutReport {
        let mut outcomes: BTreeMap<String, InstanceOutcome> = BTreeMap::new();
        let mut report = RolloutReport::default();

        let batches: Vec<Vec<String>> = self
            .instance_ids
            .chunks(self.batch_size)
            .map(<[String]>::to_vec)
            .collect();
        let count = batches.len();
        let installs = run_concurrent(
            batches.into_iter().enumerate(),
            self.concurrency,
            |(n, batch)| {
                let this = &self;
                async move {
                    let result = this.install_batch(batch).await;
                    let installed = result
                        .outcomes
                        .iter()
                        .filter(|(_, o)| matches!(o, InstanceOutcome::PendingReboot))
                        .count();
                    let not_found = result
                        .outcomes
                        .iter()
                        .filter(|(_, o)| matches!(o, InstanceOutcome::NotFound))
                        .count();
                    this.progress.emit(RolloutEvent::InstallBatch {
                        batch: n + 1,
                        batches: count,
                        instances: result.outcomes.len(),
                        installed,
                        not_found,
                        failed: result.outcomes.len() - installed - not_found,
                    });
                    result
                }
            },
        )
        .await;
        for batch in installs {
            report.install_calls += batch.calls;
            report.install_request_ids.extend(batch.request_ids);
            outcomes.extend(batch.outcomes);
        }

        if let Some(force_stop) = self.reboot {
            let installed: Vec<String> = pending(&outcomes);
            let reboots = run_concurrent(installed, self.concurrency, |id| {
                self.reboot_one(id, force_stop)
            })
            .await;
            for (id, failure) in reboots {
                self.progress.emit(RolloutEvent::Rebooted {
                    instance_id: id.clone(),
                    ok: failure.is_none(),
                });
                if let Some(failure) = failure {
                    outcomes.insert(id, InstanceOutcome::Failed(failure));
                }
            }
            if let Some(policy) = self.wait {
                report.transient_poll_failures = self.wait_for_status(policy, &mut outcomes).await;
            }
        }

        report.outcomes = self
            .instance_ids
            .iter()
            .map(|id| {
                let outcome = outcomes.remove(id).unwrap_or(InstanceOutcome::NotReported);
                (id.clone(), outcome)
            })
            .collect();
        report
    }

    /// One batch, split in halves whenever a call is refused for an unknown instance.
    async fn install_batch(&self, batch: Vec<String>) -> BatchResult {
        let split = split_unknown(
            batch,
            |ids| {
                let mut call = self
                    .client
                    .install_cloud_assistant()
                    .set_instance_ids(Some(ids));
                if let Some(region) = &self.region_id {
                    call = call.region_id(region.clone());
                }
                call.send()
            },
            |error| {
                matches!(
                    error,
                    InstallCloudAssistantError::InvalidInstanceNotFound(_)
                )
            },
        )
        .await;
        let mut result = BatchResult {
            calls: split.calls,
            ..BatchResult::default()
        };
        for (ids, answer) in split.answered {
            let outcome = match answer {
                Ok(output) => {
                    result.request_ids.extend(output.request_id);
                    InstanceOutcome::PendingReboot
                }
                Err(error) => InstanceOutcome::Failed(Failure::from_error(Step::Install, &error)),
            };
            result
                .outcomes
                .extend(ids.into_iter().map(|id| (id, outcome.clone())));
        }
        result.outcomes.extend(
            split
                .unknown
                .into_iter()
                .map(|id| (id, InstanceOutcome::NotFound)),
        );
        result
    }

    async fn reboot_one(&self, instance_id: String, force_stop: bool) -> (String, Option<Failure>) {
        let result = self
            .client
            .reboot_instance()
            .instance_id(instance_id.clone())
            .force_stop(force_stop)
            .send()
            .await;
        let failure = result
            .err()
            .map(|error| Failure::from_error(Step::Reboot, &error));
        (instance_id, failure)
    }

    /// Polls `DescribeCloudAssistantStatus` for the rebooted instances until each reports the
    /// client, fails for good, or the deadline passes. Returns how many polls failed
    /// transiently.
    async fn wait_for_status(
        &self,
        policy: PollPolicy,
        outcomes: &mut BTreeMap<String, InstanceOutcome>,
    ) -> u32 {
        let mut waiting: BTreeSet<String> = pending(outcomes).into_iter().collect();
        let mut poller = Poller::start(policy);
        loop {
            let ids: Vec<String> = waiting.iter().cloned().collect();
            let chunks: Vec<Vec<String>> = ids
                .chunks(DescribeCloudAssistantStatusInput::INSTANCE_IDS_MAX_ITEMS)
                .map(<[String]>::to_vec)
                .collect();
            let answers =
                run_concurrent(chunks, self.concurrency, |chunk| self.reported(chunk)).await;
            for answer in answers {
                match answer {
                    Ok(reported) => {
                        for id in reported {
                            if waiting.remove(&id) {
                                outcomes.insert(id, InstanceOutcome::Installed);
                            }
                        }
                    }
                    Err((chunk, error)) => {
                        let failed = poller.poll_failed(Step::Status, &error);
                        self.progress.emit(RolloutEvent::StatusPollFailed {
                            failure: failed.clone(),
                            instances: chunk.len(),
                        });
                        if !failed.retrying {
                            for id in chunk {
                                waiting.remove(&id);
                                let outcome = InstanceOutcome::Failed(failed.failure.clone());
                                outcomes.insert(id, outcome);
                            }
                        }
                    }
                }
            }
            self.progress.emit(RolloutEvent::Status {
                reported: outcomes
                    .values()
                    .filter(|o| **o == InstanceOutcome::Installed)
                    .count(),
                pending: waiting.len(),
            });
            if waiting.is_empty() || !poller.wait_for_next_look().await {
                break;
            }
        }
        for id in waiting {
            outcomes.insert(id, InstanceOutcome::NotReported);
        }
        poller.transient_failures()
    }

    /// The ids among `chunk` whose client is reported installed (all pages).
    async fn reported(
        &self,
        chunk: Vec<String>,
    ) -> Result<Vec<String>, (Vec<String>, DescribeCloudAssistantStatusError)> {
        let mut call = self
            .client
            .describe_cloud_assistant_status()
            .set_instance_ids(Some(chunk.clone()));
        if let Some(region) = &self.region_id {
            call = call.region_id(region.clone());
        }
        match call.into_paginator().collect_items().await {
            Ok(statuses) => Ok(statuses
                .into_iter()
                .filter(|status| status.cloud_assistant_status == Some(true))
                .filter_map(|status| status.instance_id)
                .collect()),
            Err(error) => Err((chunk, error)),
        }
    }
}

/// Instances installed and not yet failed (waiting for a reboot or a status).
fn pending(outcomes: &BTreeMap<String, InstanceOutcome>) -> Vec<String> {
    outcomes
        .iter()
        .filter(|(_, o)| **o == InstanceOutcome::PendingReboot)
        .map(|(id, _)| id.clone())
        .collect()
}

#[derive(Default)]
struct BatchResult {
    outcomes: Vec<(String, InstanceOutcome)>,
    request_ids: Vec<String>,
    calls: usize,
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;

    use aliyun_core::testing::{CannedReply, CaptureTransport, test_config};

    use super::*;

    const FORBIDDEN: &str =
        r#"{"Code":"Forbidden.RAM","Message":"User not authorized.","RequestId":"R-denied"}"#;
    const THROTTLED: &str =
        r#"{"Code":"Throttling.User","Message":"Request was denied.","RequestId":"R-slow"}"#;

    fn reported(request: &aliyun_core::testing::CapturedRequest) -> String {
        let statuses: Vec<String> = request
            .params()
            .into_iter()
            .filter(|(name, _)| name.starts_with("InstanceId"))
            .map(|(_, id)| format!(r#"{{"InstanceId":"{id}","CloudAssistantStatus":"true"}}"#))
            .collect();
        format!(
            r#"{{"RequestId":"R-status","InstanceCloudAssistantStatusSet":{{"InstanceCloudAssistantStatus":[{}]}}}}"#,
            statuses.join(",")
        )
    }

    /// An ECS endpoint whose `DescribeCloudAssistantStatus` answers `status_reply` for the
    /// first `bad` polls.
    fn endpoint(status_reply: (u16, &'static str), bad: u32) -> Client {
        let polls = Arc::new(AtomicU32::new(0));
        let transport = CaptureTransport::respond_with(move |request| {
            match request.param("Action").as_deref() {
                Some("DescribeCloudAssistantStatus")
                    if polls.fetch_add(1, Ordering::SeqCst) < bad =>
                {
                    CannedReply::response(status_reply.0, status_reply.1)
                }
                Some("DescribeCloudAssistantStatus") => {
                    CannedReply::response(200, reported(request))
                }
                _ => CannedReply::response(200, r#"{"RequestId":"R-ok"}"#),
            }
        });
        Client::new(&test_config(transport))
    }

    #[tokio::test(start_paused = true)]
    async fn a_permanent_status_error_fails_every_instance_without_waiting() {
        let started = tokio::time::Instant::now();
        let report = endpoint((403, FORBIDDEN), u32::MAX)
            .cloud_assistant_rollout(["i-1", "i-2"])
            .reboot(false)
            .wait_until_reported(PollPolicy::default())
            .send()
            .await;
        // The default policy's first wait is 2 s: ending at once means no second look.
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(started.elapsed(), Duration::ZERO);
        assert_eq!(report.counts().failed, 2, "{report:?}");
        for (_, failure) in report.failures() {
            assert_eq!(failure.step, Step::Status);
            assert_eq!(failure.code.as_deref(), Some("Forbidden.RAM"));
            assert_eq!(failure.request_id.as_deref(), Some("R-denied"));
        }
        assert_eq!(report.transient_poll_failures, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn transient_status_errors_are_counted_and_polled_again() {
        let (sender, mut events) = tokio::sync::mpsc::unbounded_channel();
        let report = endpoint((400, THROTTLED), 2)
            .cloud_assistant_rollout(["i-1", "i-2"])
            .reboot(false)
            .wait_until_reported(PollPolicy::default())
            .on_progress(Progress::channel(sender))
            .send()
            .await;
        assert_eq!(report.counts().installed, 2, "{report:?}");
        assert_eq!(report.transient_poll_failures, 2);
        let mut lines = Vec::new();
        while let Ok(event) = events.try_recv() {
            if let RolloutEvent::StatusPollFailed { failure, .. } = event {
                lines.push(failure.to_string());
            }
        }
        assert_eq!(
            lines,
            ["status poll failed: Throttling.User (request id R-slow), retrying"; 2]
        );
    }
}
