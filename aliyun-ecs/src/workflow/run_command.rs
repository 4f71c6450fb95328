//! Running a command on a fleet: batch, send once, wait for every instance, decode the output.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use aliyun_core::WaitError;
use aliyun_core::workflow::{
    PollPolicy, Poller, Progress, dedup_in_order, new_client_token, run_concurrent, split_unknown,
};
use base64::Engine as _;

use crate::Client;
use crate::action::describe_invocation_results::DescribeInvocationResultsError;
use crate::action::run_command::{RunCommandError, RunCommandInput, RunCommandOutput};
use crate::types::InvocationResult;

/// The step of a command run an instance failed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommandStep {
    /// `RunCommand`.
    Run,
    /// `DescribeInvocationResults`.
    Results,
}

/// Why an instance has no result: the step and the error of the call that failed.
pub type CommandFailure = aliyun_core::workflow::Failure<CommandStep>;

/// `InvocationStatus` values after which an instance's result no longer changes.
const FINAL_STATUSES: [&str; 9] = [
    "Success",
    "Failed",
    "Error",
    "Timeout",
    "Cancelled",
    "Terminated",
    "Stopped",
    "Invalid",
    "Aborted",
];

/// `InvokeRecordStatus` values of a finished record.
const FINAL_RECORD_STATUSES: [&str; 3] = ["Finished", "Failed", "Stopped"];

/// What the command did on one instance, as `DescribeInvocationResults` reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CommandResult {
    /// The invocation (`InvokeId`) that ran it.
    pub invoke_id: String,
    /// `InvocationStatus`: `Success`, `Failed`, `Timeout`, `Cancelled`, ...
    pub status: String,
    /// The exit code, if the command ran.
    pub exit_code: Option<i64>,
    /// The output, decoded from Base64 (lossily, if it is not UTF-8).
    pub output: String,
    /// Whether the service cut the output short (`Dropped` bytes were left out).
    pub output_truncated: bool,
    /// Bytes of output left out (`Dropped`).
    pub dropped_bytes: u64,
    /// `ErrorCode` (`ExitCodeNonzero`, `ClientNotRunning`, `InstanceNotRunning`, ...).
    pub error_code: Option<String>,
    /// `ErrorInfo`.
    pub error_message: Option<String>,
}

impl CommandResult {
    /// Whether the command ran and exited with 0.
    pub fn succeeded(&self) -> bool {
        self.status == "Success" && self.exit_code.is_none_or(|code| code == 0)
    }

    fn from_wire(invoke_id: &str, result: &InvocationResult) -> Self {
        let dropped = result
            .dropped
            .and_then(|n| u64::try_from(n).ok())
            .unwrap_or(0);
        CommandResult {
            invoke_id: invoke_id.to_owned(),
            status: result.invocation_status.clone().unwrap_or_default(),
            exit_code: result.exit_code,
            output: decode_output(result.output.as_deref().unwrap_or_default()),
            output_truncated: dropped > 0,
            dropped_bytes: dropped,
            error_code: result.error_code.clone().filter(|c| !c.is_empty()),
            error_message: result.error_info.clone().filter(|m| !m.is_empty()),
        }
    }
}

/// Base64 output as text; output that is not Base64 is kept as it came.
fn decode_output(encoded: &str) -> String {
    match base64::engine::general_purpose::STANDARD.decode(encoded.trim()) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => encoded.to_owned(),
    }
}

/// What happened on one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommandOutcome {
    /// The command finished (successfully or not: see [`CommandResult::succeeded`]).
    Finished(CommandResult),
    /// The instance does not exist in the region (`InvalidInstance.NotFound`).
    NotFound,
    /// Not finished at the deadline: the invocation and the last status seen.
    StillRunning {
        /// The invocation.
        invoke_id: String,
        /// The last `InvocationStatus` seen, if any.
        last_status: Option<String>,
    },
    /// A call for this instance failed (`RunCommand`, or a permanent
    /// `DescribeInvocationResults` error, which fails its instances at once).
    Failed(CommandFailure),
    /// Not sent: another batch's `RunCommand` failed for good first (the failure shown), and
    /// the run stopped sending.
    NotSent(CommandFailure),
}

impl CommandOutcome {
    /// Whether the command ran and exited with 0.
    pub fn succeeded(&self) -> bool {
        matches!(self, CommandOutcome::Finished(result) if result.succeeded())
    }
}

/// Progress of a command run.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommandEvent {
    /// A batch was sent (with its splits, if it named unknown instances).
    Sent {
        /// Batch number, from 1.
        batch: usize,
        /// Number of batches.
        batches: usize,
        /// Instances in the batch.
        instances: usize,
        /// Invocations created.
        invoke_ids: Vec<String>,
        /// Instances not found.
        not_found: usize,
        /// Instances whose `RunCommand` failed or was not sent.
        failed: usize,
    },
    /// A `RunCommand` failed transiently and is sent again with the same `ClientToken`.
    Resending {
        /// The error.
        failure: CommandFailure,
        /// The attempt about to be made, from 2.
        attempt: u32,
    },
    /// The wait for one invocation ended.
    Status {
        /// Instances whose wait ended (finished, failed, or still running at the deadline).
        finished: usize,
        /// Instances still waited for.
        running: usize,
    },
}

/// The result of a command run: one outcome per requested instance, in request order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandReport {
    /// `(instance id, outcome)`, in the order the ids were given (duplicates removed).
    pub outcomes: Vec<(String, CommandOutcome)>,
    /// The invocations created, one per accepted `RunCommand`.
    pub invoke_ids: Vec<String>,
    /// `RunCommand` calls made (splits finding unknown ids and re-sends included).
    pub run_calls: usize,
}

impl CommandReport {
    /// The outcome for `instance_id`.
    pub fn outcome(&self, instance_id: &str) -> Option<&CommandOutcome> {
        self.outcomes
            .iter()
            .find(|(id, _)| id == instance_id)
            .map(|(_, outcome)| outcome)
    }

    /// The finished results, in request order.
    pub fn results(&self) -> impl Iterator<Item = (&str, &CommandResult)> {
        self.outcomes.iter().filter_map(|(id, o)| match o {
            CommandOutcome::Finished(result) => Some((id.as_str(), result)),
            _ => None,
        })
    }

    /// Whether the command ran and exited with 0 everywhere.
    pub fn all_succeeded(&self) -> bool {
        self.outcomes.iter().all(|(_, o)| o.succeeded())
    }

    /// The instances where it did not.
    pub fn unsuccessful(&self) -> impl Iterator<Item = (&str, &CommandOutcome)> {
        self.outcomes
            .iter()
            .filter(|(_, o)| !o.succeeded())
            .map(|(id, o)| (id.as_str(), o))
    }
}

/// Runs a command on any number of instances. Made by [`Client::command_run`].
///
/// The instances go out in `RunCommand` calls of at most the spec's limit
/// ([`RunCommandInput::INSTANCE_ID_MAX_ITEMS`]), with bounded concurrency. Each call carries
/// its own `ClientToken`, the same on every repeat of that call (the SDK's retries, and this
/// workflow's re-sends after a transient error), so the service runs it at most once. A call
/// refused with `InvalidInstance.NotFound` is split in halves until the unknown ids are alone.
/// A call that fails for good (`Forbidden.RAM`, an invalid command type, a quota) fails its
/// instances and stops the run: batches not yet sent are [`CommandOutcome::NotSent`].
///
/// Then the generated `InvocationFinished` waiter
/// ([`Client::wait_until_invocation_finished`]) polls `DescribeInvocationResults` for each
/// invocation, with a deadline and backoff, until every instance's result is final; a failed
/// poll follows the rule of [`aliyun_core::workflow`] (transient: looked at again; permanent:
/// the invocation's instances fail at once).
#[derive(Debug, Clone)]
pub struct CommandRun {
    client: Client,
    command: String,
    command_type: String,
    timeout_secs: Option<i64>,
    instance_ids: Vec<String>,
    region_id: Option<String>,
    batch_size: usize,
    concurrency: usize,
    resends: u32,
    poll: PollPolicy,
    progress: Progress<CommandEvent>,
}

impl Client {
    /// Prepares running the shell script `command` on `instance_ids` (any number; duplicates
    /// ignored). Nothing is sent until [`CommandRun::send`].
    pub fn command_run<I, S>(&self, command: impl Into<String>, instance_ids: I) -> CommandRun
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        CommandRun {
            client: self.clone(),
            command: command.into(),
            command_type: "RunShellScript".into(),
            timeout_secs: None,
            instance_ids: dedup_in_order(instance_ids.into_iter().map(Into::into)),
            region_id: None,
            batch_size: RunCommandInput::INSTANCE_ID_MAX_ITEMS,
            concurrency: 4,
            resends: 2,
            poll: PollPolicy::default(),
            progress: Progress::none(),
        }
    }
}

/// Why a `RunCommand` call of a batch has no answer.
enum SendError {
    /// The service's (or the SDK's) error (boxed: it is large, and rare).
    Call(Box<RunCommandError>),
    /// Not sent: the run stopped after a permanent error.
    Stopped,
}

impl CommandRun {
    /// The region of the instances (default: the client's region).
    pub fn region_id(mut self, region_id: impl Into<String>) -> Self {
        self.region_id = Some(region_id.into());
        self
    }

    /// `RunShellScript` (default), `RunBatScript` or `RunPowerShellScript`.
    pub fn command_type(mut self, command_type: impl Into<String>) -> Self {
        self.command_type = command_type.into();
        self
    }

    /// How long the command may run on an instance, in seconds (the service's `Timeout`).
    pub fn timeout_secs(mut self, seconds: i64) -> Self {
        self.timeout_secs = Some(seconds);
        self
    }

    /// Instances per `RunCommand` call, at most the spec's limit (larger values are capped).
    pub fn batch_size(mut self, size: usize) -> Self {
        self.batch_size = size.clamp(1, RunCommandInput::INSTANCE_ID_MAX_ITEMS);
        self
    }

    /// Calls in flight at once (default 4).
    pub fn concurrency(mut self, calls: usize) -> Self {
        self.concurrency = calls.max(1);
        self
    }

    /// How many times a `RunCommand` that failed transiently after the SDK's own retries is
    /// sent again, with the same `ClientToken` (default 2).
    pub fn resends(mut self, resends: u32) -> Self {
        self.resends = resends;
        self
    }

    /// How long and how often to poll the results (default [`PollPolicy::default`]).
    pub fn poll(mut self, policy: PollPolicy) -> Self {
        self.poll = policy;
        self
    }

    /// Reports progress to `progress`.
    pub fn on_progress(mut self, progress: Progress<CommandEvent>) -> Self {
        self.progress = progress;
        self
    }

    /// Runs the command and waits for every instance. Never fails as a whole: every instance
    /// gets an outcome.
    pub async fn send(self) -> CommandReport {
        let mut report = CommandReport::default();
        let mut outcomes: BTreeMap<String, CommandOutcome> = BTreeMap::new();
        let mut waiting: Vec<(String, Vec<String>)> = Vec::new();

        let control = SendControl::default();
        let batches: Vec<Vec<String>> = self
            .instance_ids
            .chunks(self.batch_size)
            .map(<[String]>::to_vec)
            .collect();
        let count = batches.len();
        let sent = run_concurrent(
            batches.into_iter().enumerate(),
            self.concurrency,
            |(n, batch)| self.send_batch(n + 1, count, batch, &control),
        )
        .await;

        let first_permanent = control
            .first_permanent
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        report.run_calls = control.resent.into_inner();
        for batch in sent {
            report.run_calls += batch.calls;
            outcomes.extend(batch.outcomes);
            if let Some(failure) = &first_permanent {
                outcomes.extend(
                    batch
                        .not_sent
                        .into_iter()
                        .map(|id| (id, CommandOutcome::NotSent(failure.clone()))),
                );
            }
            for (invoke_id, ids) in batch.invocations {
                report.invoke_ids.push(invoke_id.clone());
                waiting.push((invoke_id, ids));
            }
        }

        self.wait_for_results(waiting, &mut outcomes).await;
        report.outcomes = self
            .instance_ids
            .iter()
            .map(|id| {
                let outcome = outcomes.remove(id).unwrap_or(CommandOutcome::StillRunning {
                    invoke_id: String::new(),
                    last_status: None,
                });
                (id.clone(), outcome)
            })
            .collect();
        report
    }

    /// Sends batch number `n` of `count` (split where it names unknown instances) and reports
    /// it.
    async fn send_batch(
        &self,
        n: usize,
        count: usize,
        batch: Vec<String>,
        control: &SendControl,
    ) -> SentBatch {
        let instances = batch.len();
        let split = split_unknown(
            batch,
            |ids| self.send_once(ids, control),
            |error| {
                matches!(
                    error,
                    SendError::Call(error) if matches!(**error, RunCommandError::InvalidInstanceNotFound(_))
                )
            },
        )
        .await;
        let mut sent = SentBatch {
            calls: split.calls,
            ..SentBatch::default()
        };
        for (ids, answer) in split.answered {
            let failure = match answer {
                Ok(output) => match output.invoke_id.filter(|id| !id.is_empty()) {
                    Some(invoke_id) => {
                        sent.invocations.push((invoke_id, ids));
                        continue;
                    }
                    // Nothing to wait for without an invocation id.
                    None => CommandFailure {
                        step: CommandStep::Run,
                        code: None,
                        message: "RunCommand answered without an InvokeId".into(),
                        request_id: output.request_id,
                    },
                },
                Err(SendError::Call(error)) => {
                    let failure = CommandFailure::from_error(CommandStep::Run, &*error);
                    if !error.is_retryable() {
                        control.stop(&failure);
                    }
                    failure
                }
                Err(SendError::Stopped) => {
                    sent.not_sent.extend(ids);
                    continue;
                }
            };
            let outcome = CommandOutcome::Failed(failure);
            sent.outcomes
                .extend(ids.into_iter().map(|id| (id, outcome.clone())));
        }
        sent.outcomes.extend(
            split
                .unknown
                .into_iter()
                .map(|id| (id, CommandOutcome::NotFound)),
        );
        let not_found = sent
            .outcomes
            .iter()
            .filter(|(_, o)| *o == CommandOutcome::NotFound)
            .count();
        self.progress.emit(CommandEvent::Sent {
            batch: n,
            batches: count,
            instances,
            invoke_ids: sent.invocations.iter().map(|(id, _)| id.clone()).collect(),
            not_found,
            failed: sent.not_sent.len() + sent.outcomes.len() - not_found,
        });
        sent
    }

    /// One `RunCommand` for `ids` with one `ClientToken`, sent again with the same token after
    /// a transient failure (up to [`CommandRun::resends`] times), or not at all once the run
    /// has stopped.
    async fn send_once(
        &self,
        ids: Vec<String>,
        control: &SendControl,
    ) -> Result<RunCommandOutput, SendError> {
        let token = new_client_token();
        // Re-sends are paced like polls (and none is made past the deadline).
        let mut pacing = Poller::start(self.poll);
        let mut attempt = 1;
        loop {
            if control.stopped.load(Ordering::SeqCst) {
                return Err(SendError::Stopped);
            }
            let mut call = self
                .client
                .run_command()
                .r#type(self.command_type.clone())
                .command_content(self.command.clone())
                .set_instance_id(Some(ids.clone()))
                .client_token(token.clone());
            if let Some(region) = &self.region_id {
                call = call.region_id(region.clone());
            }
            if let Some(timeout) = self.timeout_secs {
                call = call.timeout(timeout);
            }
            match call.send().await {
                Err(error)
                    if error.is_retryable()
                        && attempt <= self.resends
                        && pacing.can_look_again() =>
                {
                    self.progress.emit(CommandEvent::Resending {
                        failure: CommandFailure::from_error(CommandStep::Run, &error),
                        attempt: attempt + 1,
                    });
                    pacing.wait_for_next_look().await;
                    control.resent.fetch_add(1, Ordering::Relaxed);
                    attempt += 1;
                }
                answer => return answer.map_err(|error| SendError::Call(Box::new(error))),
            }
        }
    }

    /// Waits for every invocation with the generated `InvocationFinished` waiter (at most
    /// [`CommandRun::concurrency`] at once), then reads each instance's outcome.
    async fn wait_for_results(
        &self,
        invocations: Vec<(String, Vec<String>)>,
        outcomes: &mut BTreeMap<String, CommandOutcome>,
    ) {
        let total: usize = invocations.iter().map(|(_, ids)| ids.len()).sum();
        let ended = AtomicUsize::new(0);
        let waits = run_concurrent(invocations, self.concurrency, |(invoke_id, ids)| {
            let ended = &ended;
            async move {
                let seen = self.wait_for_invocation(&invoke_id, &ids).await;
                let done = ended.fetch_add(ids.len(), Ordering::Relaxed) + ids.len();
                self.progress.emit(CommandEvent::Status {
                    finished: done,
                    running: total - done,
                });
                seen
            }
        })
        .await;
        outcomes.extend(waits.into_iter().flatten());
    }

    /// The outcome of each of `ids` in invocation `invoke_id`: waits until every instance's
    /// result is final; at the deadline, one more look tells which finished. A permanent
    /// error fails them all at once, with its code and request id.
    async fn wait_for_invocation(
        &self,
        invoke_id: &str,
        ids: &[String],
    ) -> Vec<(String, CommandOutcome)> {
        let mut wait = self
            .client
            .wait_until_invocation_finished()
            .invoke_id(invoke_id.to_owned())
            .max_results(50)
            .poll_policy(self.poll);
        if let Some(region) = &self.region_id {
            wait = wait.region_id(region.clone());
        }
        let results: Vec<InvocationResult> = match wait.wait().await {
            Ok(outputs) => outputs
                .into_iter()
                .filter_map(|output| output.invocation)
                .flat_map(|invocation| invocation.invocation_results)
                .collect(),
            Err(WaitError::Request { error, .. }) => {
                let failure = CommandFailure::from_error(CommandStep::Results, &error);
                return ids
                    .iter()
                    .map(|id| (id.clone(), CommandOutcome::Failed(failure.clone())))
                    .collect();
            }
            // The deadline passed: the finished ones still have their results.
            Err(_) => self.results_of(invoke_id).await.unwrap_or_default(),
        };
        let mut by_instance: BTreeMap<String, InvocationResult> = results
            .into_iter()
            .filter_map(|result| Some((result.instance_id.clone()?, result)))
            .collect();
        ids.iter()
            .map(|id| {
                let outcome = match by_instance.remove(id) {
                    Some(result) if is_final(&result) => {
                        CommandOutcome::Finished(CommandResult::from_wire(invoke_id, &result))
                    }
                    seen => CommandOutcome::StillRunning {
                        invoke_id: invoke_id.to_owned(),
                        last_status: seen.and_then(|result| result.invocation_status),
                    },
                };
                (id.clone(), outcome)
            })
            .collect()
    }

    /// Every instance's result of one invocation (all pages).
    async fn results_of(
        &self,
        invoke_id: &str,
    ) -> Result<Vec<InvocationResult>, DescribeInvocationResultsError> {
        let mut call = self
            .client
            .describe_invocation_results()
            .invoke_id(invoke_id.to_owned())
            .max_results(50);
        if let Some(region) = &self.region_id {
            call = call.region_id(region.clone());
        }
        call.into_paginator().collect_items().await
    }
}

/// Whether an instance's result no longer changes.
fn is_final(result: &InvocationResult) -> bool {
    let status = result.invocation_status.as_deref().unwrap_or_default();
    let record = result.invoke_record_status.as_deref().unwrap_or_default();
    FINAL_STATUSES.contains(&status) || FINAL_RECORD_STATUSES.contains(&record)
}

/// What the batches of one run share while sending.
#[derive(Default)]
struct SendControl {
    /// Set by the first permanent `RunCommand` error: nothing more is sent.
    stopped: AtomicBool,
    /// That error.
    first_permanent: Mutex<Option<CommandFailure>>,
    /// Calls sent again after a transient error.
    resent: AtomicUsize,
}

impl SendControl {
    /// Stops the run after `failure` (the first one is kept).
    fn stop(&self, failure: &CommandFailure) {
        let mut first = self
            .first_permanent
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        first.get_or_insert_with(|| failure.clone());
        self.stopped.store(true, Ordering::SeqCst);
    }
}

/// What one batch's `RunCommand` calls gave.
#[derive(Default)]
struct SentBatch {
    /// `(invoke id, its instances)` of each accepted call.
    invocations: Vec<(String, Vec<String>)>,
    /// Instances that will not get a result: not found, or their call failed.
    outcomes: Vec<(String, CommandOutcome)>,
    /// Instances not sent because the run stopped.
    not_sent: Vec<String>,
    calls: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_decoded_and_truncation_flagged() {
        let wire: InvocationResult = serde_json::from_str(
            r#"{"InstanceId":"i-1","InvocationStatus":"Failed","ExitCode":2,"Output":"aGVsbG8K","Dropped":12,"ErrorCode":"ExitCodeNonzero","ErrorInfo":"exit 2"}"#,
        )
        .expect("decodes");
        let result = CommandResult::from_wire("t-1", &wire);
        assert_eq!(result.output, "hello\n");
        assert!(result.output_truncated);
        assert_eq!(result.dropped_bytes, 12);
        assert!(!result.succeeded());
        assert_eq!(result.error_code.as_deref(), Some("ExitCodeNonzero"));
        assert_eq!(decode_output("not base64!"), "not base64!");
    }
}
