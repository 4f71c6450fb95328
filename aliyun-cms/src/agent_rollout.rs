//! The CloudMonitor agent rollout both API versions share: install, poll the status until the
//! agent runs, re-install failures with `Force`, and report one outcome per instance.
//!
//! The 2017-03-01 rollout ([`crate::v20170301::workflow`]: `NodeInstall`, one instance per
//! call, and `NodeStatusList`) and the 2019-01-01 one ([`crate::workflow`]:
//! `InstallMonitoringAgent`, up to 10 per call, and `DescribeMonitoringAgentStatuses`) differ
//! only in their calls: each plugs them in as an [`AgentApi`]; the state machine, the
//! retry rules and the report are this module's.

use std::collections::BTreeMap;
use std::future::Future;

use aliyun_core::workflow::{PollPolicy, Poller, Progress, run_concurrent};

use crate::v20170301::types::AgentStatus;

/// The step an instance failed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// The install call (`NodeInstall` or `InstallMonitoringAgent`).
    Install,
    /// The status call (`NodeStatusList` or `DescribeMonitoringAgentStatuses`).
    Status,
}

/// Why an instance failed: the step and the last error (or, for an install that ran and
/// failed, the `install_faild` status as the code).
pub type Failure = aliyun_core::workflow::Failure<Step>;

/// A failed status poll: transient (polled again) or permanent (its instances fail).
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
    /// Installing failed on every attempt, or a call failed for good (a permanent status
    /// error fails the instances it asked about at once, at [`Step::Status`]).
    Failed(Failure),
}

/// One instance's result: its outcome and how many installs it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceResult {
    /// The instance.
    pub instance_id: String,
    /// What happened.
    pub outcome: AgentOutcome,
    /// Installs requested for it (1 + re-installs with `Force`).
    pub install_attempts: u32,
}

/// Progress of an agent rollout.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AgentEvent {
    /// A round of installs finished.
    Installed {
        /// Round number, from 1 (later rounds are re-installs with `Force`).
        round: u32,
        /// Instances in the round.
        instances: usize,
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
    /// A status call failed. `failure` displays as the progress line:
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
    /// Status calls that failed transiently (throttling, server errors, timeouts) and were
    /// repeated at the next look.
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

/// The answer to one instance's install.
pub(crate) enum InstallAnswer {
    /// Accepted: poll the status.
    Accepted,
    /// The instance does not exist.
    NotFound,
    /// The install failed; `retry` when a `Force` re-install may fix it.
    Failed { failure: Failure, retry: bool },
}

/// The calls of one API version.
pub(crate) trait AgentApi {
    /// Installs the agent on each `(instance, force)`; one answer per instance.
    fn install(
        &self,
        todo: Vec<(String, bool)>,
    ) -> impl Future<Output = Vec<(String, InstallAnswer)>>;

    /// The agent status of each of `ids` the service reports (unknown ones may be left out).
    fn statuses(
        &self,
        ids: Vec<String>,
    ) -> impl Future<Output = Result<Vec<(String, AgentStatus)>, aliyun_core::Error>>;
}

/// How a rollout runs.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) concurrency: usize,
    pub(crate) force: bool,
    pub(crate) force_retries: u32,
    pub(crate) poll: PollPolicy,
    pub(crate) status_batch: usize,
    pub(crate) progress: Progress<AgentEvent>,
}

/// Runs a rollout on `instance_ids` (already deduplicated). Never fails as a whole.
pub(crate) async fn run(
    api: &impl AgentApi,
    instance_ids: &[String],
    settings: &Settings,
) -> AgentReport {
    let rollout = Rollout { api, settings };
    let mut states: BTreeMap<String, State> = instance_ids
        .iter()
        .map(|id| (id.clone(), State::ToInstall { attempts: 0 }))
        .collect();
    let mut poller = Poller::start(settings.poll);
    let mut round = 0;
    loop {
        if states.values().any(State::needs_install) {
            round += 1;
            rollout.install_round(round, &mut states).await;
        }
        if states.values().any(State::is_waiting) {
            rollout.poll_round(&mut states, &mut poller).await;
        }
        if states.values().any(State::needs_install) {
            // Re-install right away (bounded by `force_retries`), then poll again.
            continue;
        }
        if !states.values().any(State::is_waiting) || !poller.wait_for_next_look().await {
            break;
        }
    }
    let instances = instance_ids
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

struct Rollout<'a, A> {
    api: &'a A,
    settings: &'a Settings,
}

impl<A: AgentApi> Rollout<'_, A> {
    /// Installs on every instance that needs it (first installs and re-installs).
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
        let instances = todo.len();
        let attempts: BTreeMap<String, u32> = todo.iter().cloned().collect();
        let requests = todo
            .into_iter()
            .map(|(id, attempts)| (id, self.settings.force || attempts > 0))
            .collect();
        let answers = self.api.install(requests).await;
        let mut accepted = 0;
        for (id, answer) in answers {
            let attempts = attempts.get(&id).copied().unwrap_or(0) + 1;
            let next = match answer {
                InstallAnswer::Accepted => {
                    accepted += 1;
                    State::Waiting {
                        attempts,
                        last: None,
                    }
                }
                InstallAnswer::NotFound => State::Done(AgentOutcome::NotFound, attempts),
                InstallAnswer::Failed { failure, retry } => {
                    self.retry_or_fail(&id, attempts, retry, failure)
                }
            };
            states.insert(id, next);
        }
        self.settings.progress.emit(AgentEvent::Installed {
            round,
            instances,
            accepted,
        });
    }

    /// Asks about every waiting instance. A failed call is sorted by `poller`: its instances
    /// are polled again, or fail now.
    async fn poll_round(&self, states: &mut BTreeMap<String, State>, poller: &mut Poller) {
        let waiting: Vec<String> = states
            .iter()
            .filter(|(_, s)| s.is_waiting())
            .map(|(id, _)| id.clone())
            .collect();
        let chunks: Vec<Vec<String>> = waiting
            .chunks(self.settings.status_batch.max(1))
            .map(<[String]>::to_vec)
            .collect();
        let answers = run_concurrent(chunks, self.settings.concurrency, |chunk| async move {
            let result = self.api.statuses(chunk.clone()).await;
            (chunk, result)
        })
        .await;
        for (chunk, answer) in answers {
            let statuses = match answer {
                Ok(statuses) => statuses,
                Err(error) => {
                    let failed = poller.poll_failed(Step::Status, &error);
                    self.settings.progress.emit(AgentEvent::StatusPollFailed {
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
            for (id, agent) in statuses {
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
        self.settings
            .progress
            .emit(AgentEvent::Status { running, pending });
    }

    fn retry_or_fail(&self, id: &str, attempts: u32, retry: bool, failure: Failure) -> State {
        if retry && attempts <= self.settings.force_retries {
            self.settings.progress.emit(AgentEvent::Retrying {
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
    /// An install is due; `attempts` made so far.
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
