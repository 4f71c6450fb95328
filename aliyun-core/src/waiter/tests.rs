//! The waiter loop on a paused clock, with scripted looks instead of calls.

use std::collections::VecDeque;
use std::sync::Mutex;

use super::*;
use crate::ServiceError;

/// One look's outcome: the statuses of the instances, or an error.
type Look = Result<Vec<Statuses>, Error>;

#[derive(Debug, Clone, PartialEq)]
struct Statuses(Vec<&'static str>);

fn statuses(output: &Statuses) -> Vec<String> {
    output.0.iter().map(|s| (*s).to_owned()).collect()
}

const RUNNING: Waiter<Statuses> = Waiter {
    name: "InstanceRunning",
    acceptors: &[
        Acceptor {
            state: WaiterState::Success,
            rule: Rule::All {
                path: "Statuses.Status",
                values: &["Running"],
            },
            select: Some(statuses),
        },
        Acceptor {
            state: WaiterState::Failure,
            rule: Rule::Any {
                path: "Statuses.Status",
                values: &["Deleted", "Broken"],
            },
            select: Some(statuses),
        },
        Acceptor {
            state: WaiterState::Retry,
            rule: Rule::Error {
                code: "InvalidInstanceId.NotFound",
            },
            select: None,
        },
        Acceptor {
            state: WaiterState::Failure,
            rule: Rule::Error {
                code: "IncorrectInstanceStatus",
            },
            select: None,
        },
    ],
};

fn policy() -> PollPolicy {
    PollPolicy {
        initial_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(4),
        multiplier: 2.0,
        deadline: Duration::from_secs(30),
    }
}

#[allow(clippy::result_large_err)]
fn page(statuses: &[&'static str]) -> Look {
    Ok(vec![Statuses(statuses.to_vec())])
}

#[allow(clippy::result_large_err)]
fn service(code: &str, status: u16) -> Look {
    Err(Error::Service(
        ServiceError::new(code, "no", status).with_request_id(Some("RID-1".into())),
    ))
}

/// Runs the waiter over `looks` (the last one repeats), returning the result and the number
/// of looks made.
async fn run(looks: Vec<Look>) -> (Result<Vec<Statuses>, WaitError<Error>>, usize) {
    let script = Mutex::new(looks.into_iter().collect::<VecDeque<_>>());
    let made = Mutex::new(0);
    let result = wait(&RUNNING, policy(), || {
        *made.lock().unwrap() += 1;
        let mut script = script.lock().unwrap();
        let next = if script.len() > 1 {
            script.pop_front().unwrap()
        } else {
            match script.front().unwrap() {
                Ok(v) => Ok(v.clone()),
                Err(Error::Service(e)) => Err(Error::Service(e.clone())),
                Err(_) => unreachable!("scripts repeat outputs and service errors only"),
            }
        };
        async move { next }
    })
    .await;
    let made = *made.lock().unwrap();
    (result, made)
}

#[tokio::test(start_paused = true)]
async fn success_at_the_first_look_returns_its_outputs_without_sleeping() {
    let start = tokio::time::Instant::now();
    let (result, looks) = run(vec![page(&["Running", "Running"])]).await;
    assert_eq!(result.unwrap(), [Statuses(vec!["Running", "Running"])]);
    assert_eq!(looks, 1);
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn retries_until_every_value_matches_pacing_by_the_policy() {
    let start = tokio::time::Instant::now();
    let (result, looks) = run(vec![
        page(&["Starting", "Running"]),
        page(&[]),
        page(&["Running", "Starting"]),
        page(&["Running", "Running"]),
    ])
    .await;
    assert!(result.is_ok());
    assert_eq!(looks, 4);
    // 1 + 2 + 4 seconds between the four looks.
    assert_eq!(start.elapsed(), Duration::from_secs(7));
}

#[tokio::test(start_paused = true)]
async fn a_failure_acceptor_stops_with_the_offending_values() {
    let (result, looks) = run(vec![
        page(&["Starting"]),
        page(&["Running", "Broken", "Starting"]),
    ])
    .await;
    assert_eq!(looks, 2);
    match result.unwrap_err() {
        WaitError::Failed {
            waiter,
            acceptor,
            values,
            error,
        } => {
            assert_eq!(waiter, "InstanceRunning");
            assert_eq!(acceptor, "Statuses.Status");
            assert_eq!(values, ["Broken"]);
            assert!(error.is_none());
        }
        other => panic!("expected a failure state, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn the_deadline_ends_the_wait_with_the_last_values_seen() {
    let start = tokio::time::Instant::now();
    let (result, looks) = run(vec![page(&["Starting", "Running"])]).await;
    let error = result.unwrap_err();
    assert_eq!(
        error.to_string(),
        "waiter InstanceRunning timed out after 27 s and 9 looks; \
         last look: Statuses.Status = [Starting, Running]"
    );
    match error {
        WaitError::TimedOut {
            looks: counted,
            last,
            ..
        } => {
            assert_eq!(counted as usize, looks);
            assert_eq!(
                last,
                LastLook::Observed(vec![Observation {
                    path: "Statuses.Status",
                    values: vec!["Starting".into(), "Running".into()],
                }])
            );
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    // 1 + 2 + 4 * 6 = 27 s; one more 4 s sleep would pass the 30 s deadline.
    assert_eq!(start.elapsed(), Duration::from_secs(27));
}

#[tokio::test(start_paused = true)]
async fn transient_errors_are_looked_at_again() {
    let (result, looks) = run(vec![
        service("Throttling.User", 400),
        service("ServiceUnavailable", 503),
        page(&["Running"]),
    ])
    .await;
    assert!(result.is_ok());
    assert_eq!(looks, 3);
}

#[tokio::test(start_paused = true)]
async fn a_transient_error_at_the_deadline_is_the_last_look() {
    let (result, _) = run(vec![service("Throttling.User", 400)]).await;
    match result.unwrap_err() {
        WaitError::TimedOut {
            last: LastLook::PollFailed(failure),
            ..
        } => {
            assert_eq!(failure.code.as_deref(), Some("Throttling.User"));
            assert_eq!(failure.request_id.as_deref(), Some("RID-1"));
        }
        other => panic!("expected a timeout after a poll failure, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_permanent_error_stops_at_once_with_code_and_request_id() {
    let start = tokio::time::Instant::now();
    let (result, looks) = run(vec![page(&["Starting"]), service("Forbidden.RAM", 403)]).await;
    assert_eq!(looks, 2);
    assert_eq!(start.elapsed(), Duration::from_secs(1));
    match result.unwrap_err() {
        WaitError::Request { waiter, error } => {
            assert_eq!(waiter, "InstanceRunning");
            assert_eq!(error.code(), Some("Forbidden.RAM"));
            assert_eq!(error.request_id(), Some("RID-1"));
        }
        other => panic!("expected a request error, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn error_acceptors_retry_or_fail_on_their_code() {
    let (result, looks) = run(vec![
        service("InvalidInstanceId.NotFound", 404),
        page(&["Running"]),
    ])
    .await;
    assert!(result.is_ok());
    assert_eq!(looks, 2);

    let (result, _) = run(vec![service("IncorrectInstanceStatus", 403)]).await;
    let error = result.unwrap_err();
    assert_eq!(
        error.to_string(),
        "waiter InstanceRunning reached a failure state: error = [IncorrectInstanceStatus]"
    );
    assert!(std::error::Error::source(&error).is_some());
}

#[test]
fn ids_are_batched_at_the_limit() {
    let ids: Vec<String> = (0..5).map(|i| format!("i-{i}")).collect();
    let got = batches(Some(ids.clone()), 2);
    assert_eq!(got.len(), 3);
    assert_eq!(got[2], Some(vec!["i-4".to_owned()]));
    assert_eq!(batches(Some(ids.clone()), 5), [Some(ids)]);
    assert_eq!(batches(None, 5), [None]);
}
