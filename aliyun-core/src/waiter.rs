//! Waiters: poll one action until its output (or its error) says the wait is over.
//!
//! A spec's `waiters` section names the action, the output paths to watch and what their values
//! mean; generated code turns each path into a function from the action's output to the values
//! found there, as text, and calls [`wait`] here. The loop is the same for every waiter: look
//! (every batch, every page), try the acceptors in order, and either stop (success or failure)
//! or sleep by the [`PollPolicy`] and look again, until the deadline. A failed look follows the
//! workflows' rule ([`Poller::poll_failed`]): transient errors are looked at again, permanent
//! ones stop the wait at once.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use futures_util::TryStreamExt;

use crate::action::Action;
use crate::client::ProductClient;
use crate::error::{Error, ErrorMetadata, InvalidInput};
use crate::pagination::{Paginated, Paginator};
use crate::workflow::{Failure, PollPolicy, Poller, run_concurrent};

/// What an acceptor decides when it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaiterState {
    /// The wait is over: the state was reached.
    Success,
    /// The wait is over: the state can no longer be reached.
    Failure,
    /// Look again.
    Retry,
}

/// How an acceptor compares the values at its path, or which error it waits for. Not generic,
/// so the decision logic is compiled once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Every value at `path` is one of `values` (and there is at least one value).
    All {
        /// The output path, in wire names (`InstanceStatuses.Status`).
        path: &'static str,
        /// The accepted values, as text.
        values: &'static [&'static str],
    },
    /// At least one value at `path` is one of `values`.
    Any {
        /// The output path, in wire names.
        path: &'static str,
        /// The accepted values, as text.
        values: &'static [&'static str],
    },
    /// The look failed with this service error code.
    Error {
        /// The error code (`InvalidInstanceId.NotFound`).
        code: &'static str,
    },
}

/// One acceptor of a generated waiter: a rule, the state it leads to, and (for path rules) the
/// function reading the values at the path from one output.
pub struct Acceptor<O: 'static> {
    /// What a match means.
    pub state: WaiterState,
    /// What is compared.
    pub rule: Rule,
    /// The values at the rule's path in one output, as text (`None` for error rules).
    pub select: Option<fn(&O) -> Vec<String>>,
}

/// A generated waiter: its name and acceptors, tried in order.
pub struct Waiter<O: 'static> {
    /// The waiter's name in the spec (`InstanceRunning`).
    pub name: &'static str,
    /// The acceptors; the first that matches decides.
    pub acceptors: &'static [Acceptor<O>],
}

/// What one path showed at a look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// The output path, in wire names.
    pub path: &'static str,
    /// The values found there, in order (every batch and page of the look).
    pub values: Vec<String>,
}

impl fmt::Display for Observation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = [{}]", self.path, self.values.join(", "))
    }
}

/// What the last look before a timeout saw.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LastLook {
    /// The outputs matched no acceptor, or a `retry` one: the values at each acceptor's path.
    Observed(Vec<Observation>),
    /// An error acceptor with state `retry` matched this error code.
    RetryError(String),
    /// The look failed transiently (throttling, a server error, a timeout).
    PollFailed(Failure<&'static str>),
}

impl fmt::Display for LastLook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LastLook::Observed(seen) => {
                let seen: Vec<String> = seen.iter().map(ToString::to_string).collect();
                f.write_str(&seen.join("; "))
            }
            LastLook::RetryError(code) => write!(f, "error {code}"),
            LastLook::PollFailed(failure) => write!(f, "poll failed: {}", failure.summary()),
        }
    }
}

/// Why a waiter stopped without reaching its state. `E` is the polled action's error type.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitError<E> {
    /// The deadline passed before an acceptor decided.
    TimedOut {
        /// The waiter's name.
        waiter: &'static str,
        /// Time since the first look.
        elapsed: Duration,
        /// How many looks were made.
        looks: u32,
        /// What the last look saw.
        last: LastLook,
    },
    /// A `failure` acceptor matched: the state can no longer be reached.
    Failed {
        /// The waiter's name.
        waiter: &'static str,
        /// The output path (or `error`) of the acceptor that matched.
        acceptor: &'static str,
        /// The values that matched it (for an error acceptor, the code).
        values: Vec<String>,
        /// For an error acceptor, the error.
        error: Option<E>,
    },
    /// A look failed with a permanent error (a 4xx such as `Forbidden.RAM`, invalid input, a
    /// signature error): asking again would get the same answer.
    Request {
        /// The waiter's name.
        waiter: &'static str,
        /// The error, with its code and request id.
        error: E,
    },
}

impl<E> WaitError<E> {
    /// The name of the waiter that stopped.
    pub fn waiter(&self) -> &'static str {
        match self {
            WaitError::TimedOut { waiter, .. }
            | WaitError::Failed { waiter, .. }
            | WaitError::Request { waiter, .. } => waiter,
        }
    }
}

impl<E: fmt::Display> fmt::Display for WaitError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::TimedOut {
                waiter,
                elapsed,
                looks,
                last,
            } => write!(
                f,
                "waiter {waiter} timed out after {} s and {looks} looks; last look: {last}",
                elapsed.as_secs()
            ),
            WaitError::Failed {
                waiter,
                acceptor,
                values,
                ..
            } => write!(
                f,
                "waiter {waiter} reached a failure state: {acceptor} = [{}]",
                values.join(", ")
            ),
            WaitError::Request { waiter, error } => {
                write!(f, "waiter {waiter} stopped: {error}")
            }
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for WaitError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WaitError::Failed {
                error: Some(error), ..
            }
            | WaitError::Request { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// What one look leads to.
enum Verdict {
    /// Stop: success.
    Success,
    /// Stop: a failure acceptor matched these values.
    Failure(&'static str, Vec<String>),
    /// Look again.
    Retry(LastLook),
}

/// Whether `rule` matches `values` (error rules never match an output).
fn rule_matches(rule: &Rule, values: &[String]) -> Option<Vec<String>> {
    let accepts = |set: &[&str], value: &String| set.contains(&value.as_str());
    match rule {
        Rule::All { values: set, .. } => {
            (!values.is_empty() && values.iter().all(|v| accepts(set, v))).then(|| values.to_vec())
        }
        Rule::Any { values: set, .. } => {
            let hits: Vec<String> = values.iter().filter(|v| accepts(set, v)).cloned().collect();
            (!hits.is_empty()).then_some(hits)
        }
        Rule::Error { .. } => None,
    }
}

/// Tries the path acceptors on the values they selected, in order.
fn decide(rules: &[(WaiterState, Rule, Option<Vec<String>>)]) -> Verdict {
    let mut observed = Vec::new();
    for (state, rule, values) in rules {
        let (Some(values), Rule::All { path, .. } | Rule::Any { path, .. }) = (values, rule) else {
            continue;
        };
        if let Some(hits) = rule_matches(rule, values) {
            match state {
                WaiterState::Success => return Verdict::Success,
                WaiterState::Failure => return Verdict::Failure(path, hits),
                WaiterState::Retry => {}
            }
        }
        if !observed.iter().any(|o: &Observation| o.path == *path) {
            observed.push(Observation {
                path,
                values: values.clone(),
            });
        }
    }
    Verdict::Retry(LastLook::Observed(observed))
}

/// Evaluates the acceptors of `waiter` on the outputs of one look.
fn evaluate<O>(waiter: &Waiter<O>, outputs: &[O]) -> Verdict {
    let rules: Vec<_> = waiter
        .acceptors
        .iter()
        .map(|a| {
            let values = a
                .select
                .map(|select| outputs.iter().flat_map(select).collect::<Vec<_>>());
            (a.state, a.rule, values)
        })
        .collect();
    decide(&rules)
}

/// The error acceptor matching a failed look's code, if any.
fn error_acceptor<O>(
    waiter: &Waiter<O>,
    code: Option<&str>,
) -> Option<(WaiterState, &'static str)> {
    let code = code?;
    waiter.acceptors.iter().find_map(|a| match a.rule {
        Rule::Error { code: wanted } if wanted == code => Some((a.state, wanted)),
        _ => None,
    })
}

/// Runs `waiter`: calls `look` (one look: every batch and page), tries the acceptors, and
/// sleeps by `policy` between looks until an acceptor decides or the deadline passes. Returns
/// the outputs of the final look (empty when an error acceptor declared success).
pub async fn wait<O, E, F, Fut>(
    waiter: &Waiter<O>,
    policy: PollPolicy,
    mut look: F,
) -> Result<Vec<O>, WaitError<E>>
where
    E: ErrorMetadata,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Vec<O>, E>>,
{
    let mut poller = Poller::start(policy);
    let mut looks = 0;
    loop {
        looks += 1;
        let last = match look().await {
            Ok(outputs) => match evaluate(waiter, &outputs) {
                Verdict::Success => return Ok(outputs),
                Verdict::Failure(acceptor, values) => {
                    return Err(WaitError::Failed {
                        waiter: waiter.name,
                        acceptor,
                        values,
                        error: None,
                    });
                }
                Verdict::Retry(last) => last,
            },
            Err(error) => match error_acceptor(waiter, error.code()) {
                Some((WaiterState::Success, _)) => return Ok(Vec::new()),
                Some((WaiterState::Failure, code)) => {
                    return Err(WaitError::Failed {
                        waiter: waiter.name,
                        acceptor: "error",
                        values: vec![code.to_owned()],
                        error: Some(error),
                    });
                }
                Some((WaiterState::Retry, code)) => LastLook::RetryError(code.to_owned()),
                None => {
                    let failed = poller.poll_failed(waiter.name, &error);
                    tracing::debug!(waiter = waiter.name, "{failed}");
                    if !failed.transient {
                        return Err(WaitError::Request {
                            waiter: waiter.name,
                            error,
                        });
                    }
                    LastLook::PollFailed(failed.failure)
                }
            },
        };
        tracing::debug!(waiter = waiter.name, looks, "not there yet: {last}");
        if !poller.wait_for_next_look().await {
            return Err(WaitError::TimedOut {
                waiter: waiter.name,
                elapsed: poller.elapsed(),
                looks,
                last,
            });
        }
    }
}

/// How many batches (or pages of batches) are fetched at once within one look.
const LOOK_CONCURRENCY: usize = 4;

/// The inputs failed validation: the waiter stops before sending anything.
fn invalid<E: From<Error>>(waiter: &'static str, error: InvalidInput) -> WaitError<E> {
    WaitError::Request {
        waiter,
        error: E::from(Error::from(error)),
    }
}

/// Runs `waiter` over an action that is not paged: one look sends each input once.
pub async fn wait_single<I, E>(
    waiter: &Waiter<I::Output>,
    policy: PollPolicy,
    client: ProductClient,
    inputs: Result<Vec<I>, InvalidInput>,
) -> Result<Vec<I::Output>, WaitError<E>>
where
    I: Action + Clone,
    E: From<Error> + ErrorMetadata,
{
    let inputs = inputs.map_err(|e| invalid(waiter.name, e))?;
    let (client, inputs) = (&client, &inputs);
    // Each task owns its input and client: closures over borrowed inputs would make the
    // future not `Send` (higher-ranked lifetimes), and callers spawn waiters.
    wait(waiter, policy, move || async move {
        run_concurrent(inputs.iter().cloned(), LOOK_CONCURRENCY, |input| {
            let client = client.clone();
            async move { client.call(&input).await }
        })
        .await
        .into_iter()
        .collect::<Result<Vec<_>, Error>>()
        .map_err(E::from)
    })
    .await
}

/// Runs `waiter` over a paged action: one look fetches every page of each input.
pub async fn wait_paged<I, E>(
    waiter: &Waiter<I::Output>,
    policy: PollPolicy,
    client: ProductClient,
    inputs: Result<Vec<I>, InvalidInput>,
) -> Result<Vec<I::Output>, WaitError<E>>
where
    I: Paginated,
    I::Output: Send + 'static,
    E: From<Error> + ErrorMetadata + Send + 'static,
{
    let inputs = inputs.map_err(|e| invalid(waiter.name, e))?;
    let (client, inputs) = (&client, &inputs);
    wait(waiter, policy, move || async move {
        let batches = run_concurrent(inputs.iter().cloned(), LOOK_CONCURRENCY, |input| {
            Paginator::<I, E>::new(client.clone(), Ok(input))
                .pages()
                .try_collect::<Vec<_>>()
        })
        .await;
        let mut outputs = Vec::new();
        for pages in batches {
            outputs.extend(pages?);
        }
        Ok(outputs)
    })
    .await
}

/// Splits the ids a waiter was given into batches of at most `limit` (a spec's `max_items`):
/// `[None]` when none were given, so the action is called once without them.
pub fn batches(ids: Option<Vec<String>>, limit: usize) -> Vec<Option<Vec<String>>> {
    match ids {
        Some(ids) if ids.len() > limit.max(1) => ids
            .chunks(limit.max(1))
            .map(|chunk| Some(chunk.to_vec()))
            .collect(),
        ids => vec![ids],
    }
}

#[cfg(test)]
mod tests;
