//! Installing the CloudMonitor agent on a fleet with the 2017-03-01 actions: `NodeInstall`
//! (one instance per call), `NodeStatusList`, re-installs with `Force`. The rollout itself is
//! shared with the 2019-01-01 one (`crate::agent_rollout`).

use aliyun_core::workflow::{PollPolicy, Progress, dedup_in_order, run_concurrent};

use crate::agent_rollout::{AgentApi, InstallAnswer, Settings};
pub use crate::agent_rollout::{
    AgentEvent, AgentOutcome, AgentReport, Failure, InstanceResult, PollFailure, Step,
};
use crate::v20170301::Client;
use crate::v20170301::action::node_install::NodeInstallError;
use crate::v20170301::types::AgentStatus;

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
    settings: Settings,
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
            settings: Settings {
                concurrency: 8,
                force: false,
                force_retries: 2,
                poll: PollPolicy::default(),
                status_batch: 50,
                progress: Progress::none(),
            },
        }
    }
}

impl AgentRollout {
    /// Calls in flight at once (default 8).
    pub fn concurrency(mut self, calls: usize) -> Self {
        self.settings.concurrency = calls.max(1);
        self
    }

    /// Sends `Force` on the first install too (reinstalls an agent already there).
    pub fn force(mut self, force: bool) -> Self {
        self.settings.force = force;
        self
    }

    /// How many times a failed install is repeated with `Force` (default 2).
    pub fn force_retries(mut self, retries: u32) -> Self {
        self.settings.force_retries = retries;
        self
    }

    /// How long and how often to poll the status.
    pub fn poll(mut self, policy: PollPolicy) -> Self {
        self.settings.poll = policy;
        self
    }

    /// Instances per `NodeStatusList` call (default 50).
    pub fn status_batch(mut self, size: usize) -> Self {
        self.settings.status_batch = size.max(1);
        self
    }

    /// Reports progress to `progress`.
    pub fn on_progress(mut self, progress: Progress<AgentEvent>) -> Self {
        self.settings.progress = progress;
        self
    }

    /// Runs the rollout. Never fails as a whole: every instance gets an outcome.
    pub async fn send(self) -> AgentReport {
        crate::agent_rollout::run(&self, &self.instance_ids, &self.settings).await
    }
}

impl AgentApi for AgentRollout {
    /// One `NodeInstall` per instance, with bounded concurrency.
    async fn install(&self, todo: Vec<(String, bool)>) -> Vec<(String, InstallAnswer)> {
        run_concurrent(todo, self.settings.concurrency, |(id, force)| async move {
            let result = self
                .client
                .node_install()
                .instance_id(id.clone())
                .user_id(self.user_id.clone())
                .force(force)
                .send()
                .await;
            let answer = match result {
                Ok(_) => InstallAnswer::Accepted,
                Err(NodeInstallError::NotFound(_)) => InstallAnswer::NotFound,
                Err(error) => InstallAnswer::Failed {
                    // A failed install (legacy 500) is worth a forced retry; others are final.
                    retry: matches!(error, NodeInstallError::InternalServerError(_))
                        || error.is_retryable(),
                    failure: Failure::from_error(Step::Install, &error),
                },
            };
            (id, answer)
        })
        .await
    }

    async fn statuses(
        &self,
        ids: Vec<String>,
    ) -> Result<Vec<(String, AgentStatus)>, aliyun_core::Error> {
        let output = self
            .client
            .node_status_list()
            .set_instance_ids(Some(ids))
            .send()
            .await
            .map_err(|e| e.into_core())?;
        Ok(output
            .node_statuses
            .into_iter()
            .filter_map(|s| Some((s.instance_id?, s.status?)))
            .collect())
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
