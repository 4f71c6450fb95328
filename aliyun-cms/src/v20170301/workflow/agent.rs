//! Installing the CloudMonitor agent on a fleet: install, poll, re-install with `Force`.

use std::collections::BTreeMap;

use aliyun_core::workflow::{PollPolicy, Poller, Progress, dedup_in_order, run_concurrent};

use crate::v20170301::Client;
use crate::v20170301::action::node_install::NodeInstallError;
use crate::v20170301::types::AgentStatus;

/// The step an instance failed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// `NodeInstall`.
    Install,
    /// `NodeStatusList`.
    Status,
}

/// Why an instance failed: the step and the last error (or, for an install that ran and
/// failed, the `install_faild` status as the code).
pub type Failure = aliyun_core::workflow::Failure<Step>;

/// A failed `NodeStatusList` poll: transient (polled again) or permanent (its instances fail).
pub type PollFailure = aliyun_core::workflow::PollFailure<Step>;

/// What happened to one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AgentOutcome {
    /// The agent is `running`.
    Running,
    /// The instance was not found.
    NotFound,
    /// The agent did not reach `running` before the deadline; holds the last status seen.
    TimedOut(Option<AgentStatus>),
    /// Installing failed on every attempt, or a call failed for good (a permanent
    /// `NodeStatusList` error fails the instances it asked about at once, at [`Step::Status`]).
    Failed(Failure),
}

/// One instance's result: its outcome and how many `NodeInstall` calls it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceResult {
    /// The instance.
    pub instance_id: String,
    /// What happened.
    pub outcome: AgentOutcome,
    /// `NodeInstall` calls made (1 + re-installs with `Force`).
    pub install_attempts: u32,
}

/// Progress of an agent rollout.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AgentEvent {
    /// A round of `NodeInstall` calls finished.
    Installed {
        /// Round number, from 1 (later rounds are re-installs with `Force`).
        round: u32,
        /// Calls in the round.
        calls: usize,
        /// Of them, accepted.
        accepted: usize,
    },
    /// A status poll finished.
    Status {
        /// Instances whose agent is running.
        running: usize,
        /// Instances still being waited for.
        pending: usize,
    },
    /// A `NodeStatusList` call failed. `failure` displays as the progress line:
    /// `status poll failed: Throttling.User (request id …), retrying`.
    StatusPollFailed {
        /// The error, and whether the instances are polled again.
        failure: PollFailure,
        /// Instances the call asked about.
        instances: usize,
    },
    /// An instance failed to install and will be re-installed with `Force`.
    Retrying {
        /// The instance.
        instance_id: String,
        /// The attempt about to be made, from 2.
        attempt: u32,
    },
}

/// The result of an agent rollout, one entry per requested instance in request order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentReport {
    /// Per-instance results.
    pub instances: Vec<InstanceResult>,
    /// `NodeStatusList` calls that failed transiently (throttling, server errors, timeouts)
    /// and were repeated at the next look.
    pub transient_poll_failures: u32,
}

impl AgentReport {
    /// The instances that failed, with the step, code, message and request id.
    pub fn failures(&self) -> impl Iterator<Item = (&str, &Failure)> {
        self.instances.iter().filter_map(|r| match &r.outcome {
            AgentOutcome::Failed(failure) => Some((r.instance_id.as_str(), failure)),
            _ => None,
        })
    }

    /// The result for `instance_id`.
    pub fn result(&self, instance_id: &str) -> Option<&InstanceResult> {
        self.instances.iter().find(|r| r.instance_id == instance_id)
    }

    /// Instances whose agent is running.
    pub fn running(&self) -> impl Iterator<Item = &str> {
        self.instances
            .iter()
            .filter(|r| r.outcome == AgentOutcome::Running)
            .map(|r| r.instance_id.as_str())
    }
}

/// Installs the CloudMonitor agent on many instances. Made by [`Client::agent_rollout`].
///
/// `NodeInstall` takes one instance per call: calls go out with bounded concurrency. Accepted
/// installs are then polled with `NodeStatusList` until the agent is `running` or
/// `install_faild`. A failed install (the call's legacy `ErrorCode` 500, or the
/// `install_faild` status) is re-installed with `Force` up to [`AgentRollout::force_retries`]
/// times: the API page says about 5% of installs fail.
///
/// A failed `NodeStatusList` call follows the rule of [`aliyun_core::workflow`]: a transient
/// one (throttling, server errors, timeouts) is counted, reported as
/// [`AgentEvent::StatusPollFailed`] and polled again; a permanent one (`Forbidden.RAM` for a
/// RAM user without `cms:NodeStatusList`, `InvalidAction.NotFound`, ...) fails the instances it
/// asked about at once, at [`Step::Status`], instead of waiting out the deadline.
#[derive(Debug, Clone)]
pub struct AgentRollout {
    client: Client,
    user_id: String,
    instance_ids: Vec<String>,
    concurrency: usize,
    force: bool,
    force_retries: u32,
    poll: PollPolicy,
    status_batch: usize,
    progress: Progress<AgentEvent>,
}

impl Client {
    /// Starts an agent rollout for account `user_id` on `instance_ids` (duplicates ignored).
    pub fn agent_rollout<I, S>(&self, user_id: impl Into<String>, instance_ids: I) -> AgentRollout
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        AgentRollout {
            client: self.clone(),
            user_id: user_id.into(),
            instance_ids: dedup_in_order(instance_ids.into_iter().map(Into::into)),
            concurrency: 8,
            force: false,
            force_retries: 2,
            poll: PollPolicy::default(),
            status_batch: 50,
            progress: Progress::none(),
        }
    }
}

impl AgentRollout {
    /// Calls in flight at once (default 8).
    pub fn concurrency(mut self, calls: usize) -> Self {
        self.concurrency = calls.max(1);
        self
    }

    /// Sends `Force` on the first install too (reinstalls an agent already there).
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }

    /// How many times a failed install is repeated with `Force` (default 2).
    pub fn force_retries(mut self, retries: u32) -> Self {
        self.force_retries = retries;
        self
    }

    /// How long and how often to poll the status.
    pub fn poll(mut self, policy: PollPolicy) -> Self {
        self.poll = policy;
        self
    }

    /// Instances per `NodeStatusList` call (default 50).
    pub fn status_batch(mut self, size: usize) -> Self {
        self.status_batch = size.max(1);
        self
    }

    /// Reports progress to `progress`.
    pub fn on_progress(mut self, progress: Progress<AgentEvent>) -> Self {
        self.progress = progress;
        self
    }

    /// Runs the rollout. Never fails as a whole: every instance gets an outcome.
    pub async fn send(self) -> AgentReport {
        let mut states: BTreeMap<String, State> = self
            .instance_ids
            .iter()
            .map(|id| (id.clone(), State::ToInstall { attempts: 0 }))
            .collect();
        let mut poller = Poller::start(self.poll);
        let mut round = 0;
        loop {
            round += 1;
            self.install_round(round, &mut states).await;
            if states.values().any(State::is_waiting) {
                self.poll_round(&mut states, &mut poller).await;
            }
            if states.values().any(State::needs_install) {
                // Re-install right away (bounded by `force_retries`), then poll again.
                continue;
            }
            if !states.values().any(State::is_waiting) || !poller.wait_for_next_look().await {
                break;
            }
        }
        let instances = self
            .instance_ids
            .iter()
            .map(|id| {
                let state = states
                    .remove(id)
                    .unwrap_or(State::ToInstall { attempts: 0 });
                state.into_result(id.clone())
            })
            .collect();
        AgentReport {
            instances,
            transient_poll_failures: poller.transient_failures(),
        }
    }

    /// Sends `NodeInstall` for every instance that needs it (first installs and re-installs).
    async fn install_round(&self, round: u32, states: &mut BTreeMap<String, State>) {
        let todo: Vec<(String, u32)> = states
            .iter()
            .filter_map(|(id, s)| match s {
                State::ToInstall { attempts } => Some((id.clone(), *attempts)),
                _ => None,
            })
            .collect();
        if todo.is_empty() {
            return;
        }
        let calls = todo.len();
        let results = run_concurrent(todo, self.concurrency, |(id, attempts)| async move {
            let force = self.force || attempts > 0;
            let result = self
                .client
                .node_install()
                .instance_id(id.clone())
                .user_id(self.user_id.clone())
                .force(force)
                .send()
                .await;
            (id, attempts + 1, result)
        })
        .await;
        let mut accepted = 0;
        for (id, attempts, result) in results {
            let next = match result {
                Ok(_) => {
                    accepted += 1;
                    State::Waiting {
                        attempts,
                        last: None,
                    }
                }
                Err(NodeInstallError::NotFound(_)) => State::Done(AgentOutcome::NotFound, attempts),
                Err(error) => {
                    let failure = Failure::from_error(Step::Install, &error);
                    // A failed install (legacy 500) is worth a forced retry; others are final.
                    let install_failed = matches!(error, NodeInstallError::InternalServerError(_))
                        || error.is_retryable();
                    self.retry_or_fail(&id, attempts, install_failed, failure)
                }
            };
            states.insert(id, next);
        }
        self.progress.emit(AgentEvent::Installed {
            round,
            calls,
            accepted,
        });
    }

    /// Asks `NodeStatusList` about every waiting instance. A failed call is sorted by
    /// `poller`: its instances are polled again, or fail now.
    async fn poll_round(&self, states: &mut BTreeMap<String, State>, poller: &mut Poller) {
        let waiting: Vec<String> = states
            .iter()
            .filter(|(_, s)| s.is_waiting())
            .map(|(id, _)| id.clone())
            .collect();
        let chunks: Vec<Vec<String>> = waiting
            .chunks(self.status_batch)
            .map(<[String]>::to_vec)
            .collect();
        let answers = run_concurrent(chunks, self.concurrency, |chunk| async move {
            let result = self
                .client
                .node_status_list()
                .set_instance_ids(Some(chunk.clone()))
                .send()
                .await;
            (chunk, result)
        })
        .await;
        for (chunk, answer) in answers {
            let statuses = match answer {
                Ok(output) => output.node_statuses,
                Err(error) => {
                    let failed = poller.poll_failed(Step::Status, &error);
                    self.progress.emit(AgentEvent::StatusPollFailed {
                        failure: failed.clone(),
                        instances: chunk.len(),
                    });
                    if !failed.retrying {
                        for id in chunk {
                            let attempts = states.get(&id).map(State::attempts).unwrap_or(0);
                            let outcome = AgentOutcome::Failed(failed.failure.clone());
                            states.insert(id, State::Done(outcome, attempts));
                        }
                    }
                    continue;
                }
            };
            for status in statuses {
                let (Some(id), Some(agent)) = (status.instance_id, status.status) else {
                    continue;
                };
                let Some(State::Waiting { attempts, .. }) = states.get(&id).cloned() else {
                    continue;
                };
                let next = match agent {
                    AgentStatus::Running => State::Done(AgentOutcome::Running, attempts),
                    AgentStatus::InstallFaild => {
                        let failure = Failure {
                            step: Step::Install,
                            code: Some(agent.as_str().to_owned()),
                            message: "the agent installation failed on the instance".into(),
                            request_id: None,
                        };
                        self.retry_or_fail(&id, attempts, true, failure)
                    }
                    other => State::Waiting {
                        attempts,
                        last: Some(other),
                    },
                };
                states.insert(id, next);
            }
        }
        let running = states
            .values()
            .filter(|s| matches!(s, State::Done(AgentOutcome::Running, _)))
            .count();
        let pending = states
            .values()
            .filter(|s| s.is_waiting() || s.needs_install())
            .count();
        self.progress.emit(AgentEvent::Status { running, pending });
    }

    fn retry_or_fail(&self, id: &str, attempts: u32, retry: bool, failure: Failure) -> State {
        if retry && attempts <= self.force_retries {
            self.progress.emit(AgentEvent::Retrying {
                instance_id: id.to_owned(),
                attempt: attempts + 1,
            });
            State::ToInstall { attempts }
        } else {
            State::Done(AgentOutcome::Failed(failure), attempts)
        }
    }
}

/// Where one instance is in the rollout.
#[derive(Debug, Clone)]
enum State {
    /// `NodeInstall` is due; `attempts` made so far.
    ToInstall { attempts: u32 },
    /// Installed; waiting for `running`.
    Waiting {
        attempts: u32,
        last: Option<AgentStatus>,
    },
    /// Finished.
    Done(AgentOutcome, u32),
}

impl State {
    fn is_waiting(&self) -> bool {
        matches!(self, State::Waiting { .. })
    }

    fn needs_install(&self) -> bool {
        matches!(self, State::ToInstall { .. })
    }

    fn attempts(&self) -> u32 {
        match self {
            State::ToInstall { attempts }
            | State::Waiting { attempts, .. }
            | State::Done(_, attempts) => *attempts,
        }
    }

    fn into_result(self, instance_id: String) -> InstanceResult {
        let install_attempts = self.attempts();
        let outcome = match self {
            State::Done(outcome, _) => outcome,
            State::Waiting { last, .. } => AgentOutcome::TimedOut(last),
            State::ToInstall { .. } => AgentOutcome::TimedOut(None),
        };
        InstanceResult {
            instance_id,
            outcome,
            install_attempts,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;

    use aliyun_core::testing::{CannedReply, CaptureTransport, test_config};

    use super::*;

    const INSTALLED: &str = r#"{"Success":true,"ErrorCode":200,"RequestId":"R-install"}"#;
    const FORBIDDEN: &str =
        r#"{"Code":"Forbidden.RAM","Message":"User not authorized.","RequestId":"R-denied"}"#;
    const THROTTLED: &str =
        r#"{"Code":"Throttling.User","Message":"Request was denied.","RequestId":"R-slow"}"#;

    fn running(ids: &str) -> String {
        let statuses: Vec<String> = ids
            .split(',')
            .map(|id| format!(r#"{{"InstanceId":"{id}","Status":"running"}}"#))
            .collect();
        format!(
            r#"{{"Success":true,"ErrorCode":200,"RequestId":"R-status","NodeStatusList":{{"NodeStatus":[{}]}}}}"#,
            statuses.join(",")
        )
    }

    /// A CMS endpoint whose `NodeStatusList` answers `status_reply` for the first `bad` polls.
    fn endpoint(status_reply: (u16, &'static str), bad: u32) -> Client {
        let polls = Arc::new(AtomicU32::new(0));
        let transport = CaptureTransport::respond_with(move |request| {
            match request.param("Action").as_deref() {
                Some("NodeStatusList") if polls.fetch_add(1, Ordering::SeqCst) < bad => {
                    CannedReply::response(status_reply.0, status_reply.1)
                }
                Some("NodeStatusList") => CannedReply::response(
                    200,
                    running(&request.param("InstanceIds").unwrap_or_default()),
                ),
                _ => CannedReply::response(200, INSTALLED),
            }
        });
        Client::new(&test_config(transport))
    }

    #[tokio::test(start_paused = true)]
    async fn a_permanent_status_error_fails_every_instance_without_waiting() {
        let events = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = events.clone();
        let started = tokio::time::Instant::now();
        let report = endpoint((403, FORBIDDEN), u32::MAX)
            .agent_rollout("1234567898765432", ["i-1", "i-2"])
            .poll(PollPolicy::default())
            .on_progress(Progress::callback(move |e: &AgentEvent| {
                seen.lock().unwrap().push(e.clone())
            }))
            .send()
            .await;
        // The default policy's first wait is 2 s: ending at once means no second look.
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(started.elapsed(), Duration::ZERO);
        assert_eq!(report.failures().count(), 2);
        for (_, failure) in report.failures() {
            assert_eq!(failure.step, Step::Status);
            assert_eq!(failure.code.as_deref(), Some("Forbidden.RAM"));
            assert_eq!(failure.request_id.as_deref(), Some("R-denied"));
        }
        assert_eq!(report.transient_poll_failures, 0);
        let lines: Vec<String> = events
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                AgentEvent::StatusPollFailed { failure, .. } => Some(failure.to_string()),
                _ => None,
            })
            .collect();
        assert_eq!(
            lines,
            [
                "status poll failed: Forbidden.RAM (request id R-denied), not retrying (permanent error)"
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn transient_status_errors_are_counted_and_polled_again() {
        let report = endpoint((400, THROTTLED), 2)
            .agent_rollout("1234567898765432", ["i-1", "i-2"])
            .poll(PollPolicy::default())
            .send()
            .await;
        assert_eq!(report.running().count(), 2, "{report:?}");
        assert_eq!(report.transient_poll_failures, 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_transient_error_at_the_deadline_fails_with_that_error() {
        let report = endpoint(
            (503, r#"{"Code":"ServiceUnavailable","RequestId":"R-5"}"#),
            u32::MAX,
        )
        .agent_rollout("1234567898765432", ["i-1"])
        .poll(PollPolicy::with_deadline(Duration::from_secs(30)))
        .send()
        .await;
        let (_, failure) = report.failures().next().expect("failed");
        assert_eq!(failure.step, Step::Status);
        assert_eq!(failure.code.as_deref(), Some("ServiceUnavailable"));
        assert!(report.transient_poll_failures >= 2);
    }
}
