//! Building blocks for hand-written workflows on top of generated calls: bounded concurrency,
//! polling with a deadline and backoff, and progress reporting.
//!
//! Product crates build their fleet workflows (install on many instances, wait for a status)
//! from these, so every workflow batches, waits and reports the same way.
//!
//! # When a status poll fails
//!
//! Every rollout and waiter follows one rule, [`Poller::poll_failed`]: a failed poll is
//! **transient** when the retry policy would try it again ([`ErrorMetadata::is_retryable`]:
//! throttling, `ServiceUnavailable`, `InternalError*`, HTTP 5xx, timeouts, dropped
//! connections). The workflow counts it, reports it (`status poll failed: Throttling.User
//! (request id …), retrying`) and polls again at the next look. Anything else is **permanent**
//! (a 4xx answer such as `Forbidden.RAM`, `InvalidAction.NotFound` or `InvalidParameter`, a
//! signature or credentials error, invalid input): asking again gets the same answer until
//! someone changes a permission or the request, so the instances that poll asked about fail at
//! once, at the status step, with the code, message and request id.
//!
//! # Waiters
//!
//! A product spec's `waiters` become `client.wait_until_<name>()` builders that poll one action
//! by this rule until its output reaches a state, and end in a [`WaitError`] otherwise: the
//! deadline passed ([`WaitError::TimedOut`], with the [`LastLook`]), a `failure` acceptor matched
//! ([`WaitError::Failed`], with the values that matched), or a permanent error
//! ([`WaitError::Request`], with the action's typed error).

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};

use crate::error::ErrorMetadata;

pub use crate::waiter::{LastLook, Observation, WaitError, WaiterState};

/// Runs `task` on every item with at most `limit` running at once; results come back in the
/// items' order. A `limit` of 0 is treated as 1.
pub async fn run_concurrent<I, F, Fut>(items: I, limit: usize, task: F) -> Vec<Fut::Output>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future,
{
    stream::iter(items)
        .map(task)
        .buffered(limit.max(1))
        .collect()
        .await
}

/// How long to wait for a state, and how often to look.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollPolicy {
    /// Delay before the second look (the first is immediate).
    pub initial_delay: Duration,
    /// Longest delay between looks.
    pub max_delay: Duration,
    /// Factor the delay grows by after each look.
    pub multiplier: f64,
    /// Give up after this long.
    pub deadline: Duration,
}

impl Default for PollPolicy {
    /// Look after 2 s, then back off ×1.5 up to 20 s between looks, for at most 10 minutes.
    fn default() -> Self {
        PollPolicy {
            initial_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(20),
            multiplier: 1.5,
            deadline: Duration::from_secs(600),
        }
    }
}

impl PollPolicy {
    /// A policy with this deadline and the default pacing.
    pub fn with_deadline(deadline: Duration) -> Self {
        PollPolicy {
            deadline,
            ..PollPolicy::default()
        }
    }

    /// The delay after look number `look` (0 for the first look).
    pub fn delay(&self, look: u32) -> Duration {
        let factor = self.multiplier.max(1.0).powi(look.min(64) as i32);
        let delay = self.initial_delay.as_secs_f64() * factor;
        Duration::from_secs_f64(delay.min(self.max_delay.as_secs_f64()).max(0.0))
    }
}

/// A clock for polling loops: the time since it started and the next delay, on tokio's clock
/// (so tests can pause it), and the count of polls that failed transiently.
#[derive(Debug)]
pub struct Poller {
    policy: PollPolicy,
    started: tokio::time::Instant,
    looks: u32,
    transient_failures: u32,
}

impl Poller {
    /// Starts the clock now.
    pub fn start(policy: PollPolicy) -> Self {
        Poller {
            policy,
            started: tokio::time::Instant::now(),
            looks: 0,
            transient_failures: 0,
        }
    }

    /// Sorts a failed poll of `step` by the workflows' rule (see the [module docs](self)) and
    /// counts it if it is transient. The answer says whether to poll the same instances again
    /// ([`PollFailure::retrying`]: transient, and another look fits before the deadline) or to
    /// fail them now with [`PollFailure::failure`](PollFailure#structfield.failure).
    pub fn poll_failed<S>(&mut self, step: S, error: &impl ErrorMetadata) -> PollFailure<S> {
        let transient = error.is_retryable();
        if transient {
            self.transient_failures += 1;
        }
        PollFailure {
            failure: Failure::from_error(step, error),
            transient,
            retrying: transient && self.can_look_again(),
        }
    }

    /// How many polls failed transiently so far.
    pub fn transient_failures(&self) -> u32 {
        self.transient_failures
    }

    /// Whether another look fits before the deadline.
    pub fn can_look_again(&self) -> bool {
        self.started.elapsed() + self.policy.delay(self.looks) <= self.policy.deadline
    }

    /// Waits before the next look. Returns `false` (without waiting) if that look would come
    /// after the deadline.
    pub async fn wait_for_next_look(&mut self) -> bool {
        if !self.can_look_again() {
            return false;
        }
        tokio::time::sleep(self.policy.delay(self.looks)).await;
        self.looks += 1;
        true
    }

    /// How many looks have been waited for.
    pub fn looks(&self) -> u32 {
        self.looks
    }

    /// Time since the poller started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

/// Where a workflow reports progress: a callback (a CLI draws a progress bar, a service logs),
/// a channel, or nowhere.
pub struct Progress<E> {
    sink: Option<Sink<E>>,
}

/// A shared progress callback.
type Sink<E> = Arc<dyn Fn(&E) + Send + Sync>;

impl<E> Progress<E> {
    /// Reports to nobody.
    pub fn none() -> Self {
        Progress { sink: None }
    }

    /// Reports by calling `callback` with each event (from the workflow's task: keep it quick).
    pub fn callback(callback: impl Fn(&E) + Send + Sync + 'static) -> Self {
        Progress {
            sink: Some(Arc::new(callback)),
        }
    }

    /// Sends each event on `sender`; a closed channel is ignored.
    pub fn channel(sender: tokio::sync::mpsc::UnboundedSender<E>) -> Self
    where
        E: Clone + Send + 'static,
    {
        Self::callback(move |event: &E| {
            let _ = sender.send(event.clone());
        })
    }

    /// Reports `event`.
    pub fn emit(&self, event: E) {
        if let Some(sink) = &self.sink {
            sink(&event);
        }
    }
}

impl<E> Clone for Progress<E> {
    fn clone(&self) -> Self {
        Progress {
            sink: self.sink.clone(),
        }
    }
}

impl<E> Default for Progress<E> {
    fn default() -> Self {
        Self::none()
    }
}

impl<E> fmt::Debug for Progress<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.sink.is_some() {
            "Progress(reporting)"
        } else {
            "Progress(none)"
        })
    }
}

/// Why one item of a workflow failed: the step, and the error of the call that failed,
/// summarised (so reports stay `Clone` and comparable). `S` is the workflow's step type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure<S> {
    /// The step that failed.
    pub step: S,
    /// The service error code (or, for a failure seen in a status, that status).
    pub code: Option<String>,
    /// What went wrong.
    pub message: String,
    /// The request id, if a response carried one.
    pub request_id: Option<String>,
}

impl<S> Failure<S> {
    /// The failure of `step` with `error`.
    pub fn from_error(step: S, error: &impl ErrorMetadata) -> Self {
        Failure {
            step,
            code: error.code().map(str::to_owned),
            message: error.to_string(),
            request_id: error.request_id().map(str::to_owned),
        }
    }
}

impl<S> Failure<S> {
    /// The code (or, without one, the message) and the request id, for one line of output:
    /// `Forbidden.RAM (request id 6C1F…)`.
    pub fn summary(&self) -> String {
        let what = self.code.as_deref().unwrap_or(&self.message);
        match &self.request_id {
            Some(id) => format!("{what} (request id {id})"),
            None => what.to_owned(),
        }
    }
}

/// A status poll that failed, as [`Poller::poll_failed`] sorted it. Its `Display` is the
/// progress line: `status poll failed: Throttling.User (request id …), retrying`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PollFailure<S> {
    /// The error of the poll, summarised.
    pub failure: Failure<S>,
    /// Whether the retry policy would try it again (throttling, server errors, timeouts,
    /// dropped connections) rather than a permanent error.
    pub transient: bool,
    /// Whether the instances will be polled again: transient, and time is left. When `false`
    /// the workflow fails them with [`PollFailure::failure`](PollFailure#structfield.failure).
    pub retrying: bool,
}

impl<S> fmt::Display for PollFailure<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let next = if self.retrying {
            "retrying"
        } else if self.transient {
            "no time left to retry"
        } else {
            "not retrying (permanent error)"
        };
        write!(f, "status poll failed: {}, {next}", self.failure.summary())
    }
}

/// A fresh `ClientToken` (a UUID v4): send one per distinct request and the same one on every
/// repeat of it, so the service runs the request at most once.
pub fn new_client_token() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// What [`split_unknown`] found: the answer for each group of ids that got one, the ids the
/// service does not know, and the calls made.
#[derive(Debug)]
pub struct Split<T, E> {
    /// Each group of ids sent together, with the call's answer (never "unknown instance",
    /// except for a group of one id whose answer is the service's own).
    pub answered: Vec<(Vec<String>, Result<T, E>)>,
    /// Ids the service refused as unknown, alone in their call.
    pub unknown: Vec<String>,
    /// Calls made (the first plus every split).
    pub calls: usize,
}

/// Sends `call` for `ids`; whenever the whole call is refused because some id is unknown
/// (`is_unknown`), splits the ids in halves and sends each, until every unknown id is alone.
/// Batch actions such as `InstallCloudAssistant` or `RunCommand` refuse a batch naming one
/// unknown instance; this keeps one bad id from failing its neighbours, at about
/// `2·log2(batch)` extra calls per unknown id.
pub async fn split_unknown<T, E, F, Fut>(
    ids: Vec<String>,
    mut call: F,
    is_unknown: impl Fn(&E) -> bool,
) -> Split<T, E>
where
    F: FnMut(Vec<String>) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut split = Split {
        answered: Vec::new(),
        unknown: Vec::new(),
        calls: 0,
    };
    let mut work = vec![ids];
    while let Some(mut ids) = work.pop() {
        if ids.is_empty() {
            continue;
        }
        split.calls += 1;
        match call(ids.clone()).await {
            Err(error) if is_unknown(&error) && ids.len() > 1 => {
                let second = ids.split_off(ids.len() / 2);
                work.push(second);
                work.push(ids);
            }
            Err(error) if is_unknown(&error) => split.unknown.extend(ids),
            answer => split.answered.push((ids, answer)),
        }
    }
    split
}

/// Removes repeated items, keeping the first of each, in order.
pub fn dedup_in_order(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    items
        .into_iter()
        .filter(|item| seen.insert(item.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(start_paused = true)]
    async fn concurrency_is_bounded_and_order_kept() {
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let results = run_concurrent(0..20u64, 4, |i| {
            let (running, peak) = (running.clone(), peak.clone());
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20 - i)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                i * 10
            }
        })
        .await;
        assert_eq!(results, (0..20).map(|i| i * 10).collect::<Vec<_>>());
        assert_eq!(peak.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn delays_grow_to_the_cap() {
        let policy = PollPolicy {
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(5),
            multiplier: 2.0,
            deadline: Duration::from_secs(60),
        };
        let delays: Vec<_> = (0..5).map(|n| policy.delay(n).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 5, 5]);
    }

    #[tokio::test(start_paused = true)]
    async fn poller_stops_before_the_deadline() {
        let mut poller = Poller::start(PollPolicy {
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(4),
            multiplier: 2.0,
            deadline: Duration::from_secs(10),
        });
        let mut looks = 0;
        while poller.wait_for_next_look().await {
            looks += 1;
        }
        // 1 + 2 + 4 = 7 s; the next 4 s wait would end at 11 s > 10 s.
        assert_eq!(looks, 3);
        assert_eq!(poller.elapsed(), Duration::from_secs(7));
    }

    #[test]
    fn progress_reaches_callbacks_and_channels() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let progress = Progress::callback(move |e: &u32| sink.lock().unwrap().push(*e));
        progress.clone().emit(1);
        progress.emit(2);
        assert_eq!(*seen.lock().unwrap(), [1, 2]);
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        Progress::channel(tx).emit(7u32);
        assert_eq!(rx.try_recv().unwrap(), 7);
        Progress::<u32>::none().emit(3);
    }

    fn service_error(code: &str, status: u16) -> crate::Error {
        crate::Error::Service(
            crate::ServiceError::new(code, "denied", status).with_request_id(Some("RID-7".into())),
        )
    }

    #[tokio::test(start_paused = true)]
    async fn transient_poll_failures_are_retried_and_counted_permanent_ones_are_not() {
        let mut poller = Poller::start(PollPolicy::default());
        for (code, status) in [
            ("Throttling.User", 400),
            ("ServiceUnavailable", 503),
            ("InternalError", 500),
            ("Anything", 502),
        ] {
            let failed = poller.poll_failed("status", &service_error(code, status));
            assert!(failed.transient && failed.retrying, "{code}");
        }
        let timeout = crate::Error::Timeout(crate::error::TimeoutError {
            kind: crate::error::TimeoutKind::Read,
            elapsed: Duration::from_secs(10),
            call: crate::error::CallRecord {
                attempts: 3,
                may_have_taken_effect: true,
            },
        });
        assert!(poller.poll_failed("status", &timeout).retrying);
        assert_eq!(poller.transient_failures(), 5);

        for (code, status) in [
            ("Forbidden.RAM", 403),
            ("InvalidAction.NotFound", 404),
            ("InvalidParameter", 400),
            ("SignatureDoesNotMatch", 400),
            ("InvalidAccessKeyId.NotFound", 404),
        ] {
            let failed = poller.poll_failed("status", &service_error(code, status));
            assert!(!failed.transient && !failed.retrying, "{code}");
            assert_eq!(failed.failure.code.as_deref(), Some(code));
            assert_eq!(failed.failure.request_id.as_deref(), Some("RID-7"));
        }
        let invalid = crate::Error::InvalidInput(crate::error::InvalidInput::new(
            "InstanceIds",
            crate::error::InvalidRule::Missing,
        ));
        assert!(!poller.poll_failed("status", &invalid).transient);
        assert_eq!(poller.transient_failures(), 5);
    }

    #[tokio::test(start_paused = true)]
    async fn a_transient_failure_without_time_left_is_not_retried() {
        let mut poller = Poller::start(PollPolicy::with_deadline(Duration::from_secs(1)));
        let failed = poller.poll_failed("status", &service_error("Throttling.User", 400));
        assert!(failed.transient && !failed.retrying);
        assert_eq!(
            failed.to_string(),
            "status poll failed: Throttling.User (request id RID-7), no time left to retry"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn poll_failures_read_as_progress_lines() {
        let mut poller = Poller::start(PollPolicy::default());
        assert_eq!(
            poller
                .poll_failed("status", &service_error("Throttling.User", 400))
                .to_string(),
            "status poll failed: Throttling.User (request id RID-7), retrying"
        );
        assert_eq!(
            poller
                .poll_failed("status", &service_error("Forbidden.RAM", 403))
                .to_string(),
            "status poll failed: Forbidden.RAM (request id RID-7), not retrying (permanent error)"
        );
        let no_code = Failure {
            step: "status",
            code: None,
            message: "read timeout".into(),
            request_id: None,
        };
        assert_eq!(no_code.summary(), "read timeout");
    }

    #[tokio::test]
    async fn splitting_isolates_unknown_ids() {
        let ids: Vec<String> = (0..20).map(|n| format!("i-{n}")).collect();
        let unknown = ["i-3", "i-17"];
        let split = split_unknown(
            ids.clone(),
            |batch: Vec<String>| async move {
                if batch.iter().any(|id| unknown.contains(&id.as_str())) {
                    Err("unknown")
                } else {
                    Ok(batch.len())
                }
            },
            |e: &&str| *e == "unknown",
        )
        .await;
        let mut found = split.unknown.clone();
        found.sort();
        assert_eq!(found, ["i-17", "i-3"]);
        let answered: usize = split.answered.iter().map(|(ids, _)| ids.len()).sum();
        assert_eq!(answered, 18);
        assert!(split.answered.iter().all(|(ids, r)| r == &Ok(ids.len())));
        assert!(split.calls < 20, "{} calls", split.calls);
        assert_ne!(new_client_token(), new_client_token());
    }

    #[test]
    fn dedup_keeps_first_occurrences() {
        let ids = ["a", "b", "a", "c", "b"].map(String::from);
        assert_eq!(dedup_in_order(ids), ["a", "b", "c"]);
    }
}
