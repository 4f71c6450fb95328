//! Reliability suite, part 1: throttling, server errors, dropped connections and slow answers,
//! injected by the emulator over real loopback HTTP. Each test asserts the exact outcome (typed
//! error, code, `Error::attempts()`, `may_have_taken_effect()`, or success after retries) and
//! proves from the emulator's request log and fault counters what was sent.
//!
//! Actions used: `InstallCloudAssistant` (a write, not idempotent) and
//! `DescribeCloudAssistantStatus` (a read, idempotent). The retry policy is the default one
//! (3 attempts, server errors of writes not retried) with 1 ms waits. The whole table is in
//! `RELIABILITY.md`.

mod reliability_support;

use std::time::{Duration, Instant};

use aliyun_core::{Error, TimeoutKind};
use aliyun_ecs::action::install_cloud_assistant::InstallCloudAssistantError;
use aliyun_emulator::{CloudAssistantState, Emulator, Fault};
use reliability_support::{codes, config, config_with, fault_hits, instance, nonces, policy};

const WRITE: &str = "InstallCloudAssistant";
const READ: &str = "DescribeCloudAssistantStatus";

/// Sends the write (install on `i-emu000001`) and returns the runtime error, if any.
async fn write(ecs: &aliyun_ecs::Client) -> Result<(), Error> {
    ecs.install_cloud_assistant()
        .instance_ids(instance(1))
        .send()
        .await
        .map(drop)
        .map_err(InstallCloudAssistantError::into_core)
}

/// Sends the read (status of `i-emu000001`) and returns the runtime error, if any.
async fn read(ecs: &aliyun_ecs::Client) -> Result<(), Error> {
    ecs.describe_cloud_assistant_status()
        .instance_ids(instance(1))
        .send()
        .await
        .map(drop)
        .map_err(|e| e.into_core())
}

async fn call(ecs: &aliyun_ecs::Client, action: &str) -> Result<(), Error> {
    if action == WRITE {
        write(ecs).await
    } else {
        read(ecs).await
    }
}

const EFFECT_NOTE: &str = "may have reached the service and taken effect";

#[tokio::test]
async fn throttled_twice_then_success_takes_three_attempts_with_three_nonces() {
    let emulator = Emulator::builder()
        .fault(Fault::throttling().action(WRITE).times(2))
        .start()
        .await
        .unwrap();
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    write(&ecs).await.expect("succeeds on the third attempt");

    let log = emulator.requests_for(WRITE);
    assert_eq!(
        codes(&log),
        [
            Some("Throttling.User".to_owned()),
            Some("Throttling.User".to_owned()),
            None
        ]
    );
    assert_eq!(nonces(&log).len(), 3, "every attempt is a new request");
    // Re-signed with a fresh nonce, the same action parameters each time.
    let action_params = |r: &aliyun_emulator::LoggedRequest| {
        let mut params = r.params.clone();
        params.retain(|k, _| k == "InstanceId.1" || k == "RegionId");
        params
    };
    assert!(
        log.iter()
            .all(|r| action_params(r) == action_params(&log[0]))
    );
    // Throttling refused the first two before processing: the install happened once.
    assert_eq!(
        emulator.instance(&instance(1)).unwrap().cloud_assistant,
        CloudAssistantState::PendingReboot
    );
}

#[tokio::test]
async fn throttled_forever_stops_after_exactly_the_configured_attempts() {
    let emulator = Emulator::builder()
        .fault(Fault::throttling_code("Throttling.Api").action(WRITE))
        .start()
        .await
        .unwrap();
    for max_attempts in [3, 5] {
        emulator.clear_requests();
        let ecs = aliyun_ecs::Client::new(&config_with(
            &emulator,
            policy().with_max_attempts(max_attempts),
        ));
        let err = write(&ecs).await.unwrap_err();
        assert!(err.is_throttling(), "{err:?}");
        assert_eq!(err.code(), Some("Throttling.Api"));
        assert_eq!(err.attempts(), max_attempts);
        assert!(err.is_retryable());
        assert!(
            !err.may_have_taken_effect(),
            "throttling refuses before processing"
        );
        assert!(
            err.to_string()
                .ends_with(&format!("after {max_attempts} attempts")),
            "{err}"
        );
        let log = emulator.requests_for(WRITE);
        assert_eq!(log.len(), max_attempts as usize, "no more than the policy");
        assert_eq!(nonces(&log).len(), log.len());
    }
    assert_eq!(
        emulator.instance(&instance(1)).unwrap().cloud_assistant,
        CloudAssistantState::NotInstalled
    );
}

/// One row of the server-error table: a fault that answers every call, and what the default
/// policy (and the opt-in one) does with it for the read and the write.
struct Row {
    fault: Fault,
    code: &'static str,
    status: u16,
    read_attempts: u32,
    write_attempts: u32,
    write_attempts_opted_in: u32,
    taken_effect: bool,
}

#[tokio::test]
async fn server_errors_are_retried_per_policy_and_idempotency() {
    let rows = [
        Row {
            fault: Fault::service_unavailable(),
            code: "ServiceUnavailable",
            status: 503,
            read_attempts: 3,
            write_attempts: 3,
            write_attempts_opted_in: 3,
            taken_effect: false,
        },
        Row {
            fault: Fault::internal_error(),
            code: "InternalError",
            status: 500,
            read_attempts: 3,
            write_attempts: 1,
            write_attempts_opted_in: 3,
            taken_effect: true,
        },
        Row {
            fault: Fault::error(
                500,
                "InternalError.Dispatch",
                "An error occurred when you dispatched the request.",
            ),
            code: "InternalError.Dispatch",
            status: 500,
            read_attempts: 3,
            write_attempts: 1,
            write_attempts_opted_in: 3,
            taken_effect: true,
        },
        Row {
            fault: Fault::error(504, "GatewayTimeout", "The gateway timed out."),
            code: "GatewayTimeout",
            status: 504,
            read_attempts: 3,
            write_attempts: 1,
            write_attempts_opted_in: 3,
            taken_effect: true,
        },
        Row {
            fault: Fault::error(400, "InvalidParameter", "Not transient."),
            code: "InvalidParameter",
            status: 400,
            read_attempts: 1,
            write_attempts: 1,
            write_attempts_opted_in: 1,
            taken_effect: false,
        },
    ];
    let emulator = Emulator::start().await.unwrap();
    let default = aliyun_ecs::Client::new(&config(&emulator));
    let opted_in = aliyun_ecs::Client::new(&config_with(
        &emulator,
        policy().with_retry_non_idempotent_server_errors(true),
    ));
    for row in rows {
        for (client, action, expected) in [
            (&default, READ, row.read_attempts),
            (&default, WRITE, row.write_attempts),
            (&opted_in, WRITE, row.write_attempts_opted_in),
        ] {
            emulator.reset();
            emulator.add_fault(row.fault.clone().action(action));
            let what = format!("{} on {action} (expected {expected} attempts)", row.code);
            let err = call(client, action).await.unwrap_err();
            let service = err
                .as_service_error()
                .unwrap_or_else(|| panic!("{what}: {err:?}"));
            assert_eq!(service.code(), row.code, "{what}");
            assert_eq!(service.http_status(), row.status, "{what}");
            assert_eq!(err.attempts(), expected, "{what}");
            assert_eq!(err.may_have_taken_effect(), row.taken_effect, "{what}");
            assert_eq!(
                err.to_string().contains(EFFECT_NOTE),
                row.taken_effect,
                "{what}: {err}"
            );
            let log = emulator.requests_for(action);
            assert_eq!(log.len() as u32, expected, "{what}");
            assert!(log.iter().all(|r| r.status == Some(row.status)), "{what}");
            assert_eq!(nonces(&log).len(), log.len(), "{what}");
        }
    }
}

#[tokio::test]
async fn internal_error_dispatch_on_install_is_typed_and_retried_only_when_opted_in() {
    let dispatch = || {
        Fault::error(
            500,
            "InternalError.Dispatch",
            "An error occurred when you dispatched the request.",
        )
        .action(WRITE)
    };
    let emulator = Emulator::start().await.unwrap();

    // Default: one attempt, the documented variant, and the warning that it may have run.
    emulator.add_fault(dispatch().times(1));
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    let err = ecs
        .install_cloud_assistant()
        .instance_ids(instance(1))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, InstallCloudAssistantError::InternalErrorDispatch(_)),
        "{err:?}"
    );
    let core = err.into_core();
    assert_eq!((core.attempts(), core.may_have_taken_effect()), (1, true));
    assert_eq!(emulator.requests_for(WRITE).len(), 1);

    // Opted in (the caller knows the write is safe to repeat): retried, then succeeds.
    emulator.reset();
    emulator.add_fault(dispatch().times(2));
    let opted_in = aliyun_ecs::Client::new(&config_with(
        &emulator,
        policy().with_retry_non_idempotent_server_errors(true),
    ));
    write(&opted_in).await.expect("third attempt succeeds");
    let log = emulator.requests_for(WRITE);
    assert_eq!(
        codes(&log),
        [
            Some("InternalError.Dispatch".to_owned()),
            Some("InternalError.Dispatch".to_owned()),
            None
        ]
    );
    assert_eq!(nonces(&log).len(), 3);
}

/// The case users get burned by: the write ran, then the answer was a 500. The error must say
/// the call may have taken effect — and it did.
#[tokio::test]
async fn a_server_error_after_the_write_ran_says_it_may_have_taken_effect() {
    let emulator = Emulator::builder()
        .fault(
            Fault::internal_error()
                .action(WRITE)
                .after_action()
                .times(1),
        )
        .start()
        .await
        .unwrap();
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    let err = write(&ecs).await.unwrap_err();
    assert_eq!(err.code(), Some("InternalError"));
    assert!(err.may_have_taken_effect());
    assert!(err.to_string().contains(EFFECT_NOTE), "{err}");
    assert_eq!(err.attempts(), 1);
    assert_eq!(emulator.requests_for(WRITE).len(), 1, "not re-sent");
    assert_eq!(
        emulator.instance(&instance(1)).unwrap().cloud_assistant,
        CloudAssistantState::PendingReboot,
        "the write did take effect"
    );
}

#[tokio::test]
async fn transient_failures_then_success() {
    let emulator = Emulator::start().await.unwrap();
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    for (fault, action, code) in [
        (Fault::service_unavailable(), WRITE, "ServiceUnavailable"),
        (Fault::internal_error(), READ, "InternalError"),
        (Fault::html_gateway(), READ, "(unreadable 502)"),
    ] {
        emulator.reset();
        emulator.add_fault(fault.action(action).times(2));
        call(&ecs, action)
            .await
            .unwrap_or_else(|e| panic!("{code} on {action}: {e:?}"));
        let log = emulator.requests_for(action);
        assert_eq!(log.len(), 3, "{code} on {action}");
        assert!(log[2].is_ok() && !log[0].is_ok() && !log[1].is_ok());
        assert_eq!(nonces(&log).len(), 3);
    }
}

#[tokio::test]
async fn connection_closed_before_any_response() {
    let emulator = Emulator::start().await.unwrap();
    let ecs = aliyun_ecs::Client::new(&config(&emulator));

    // A write: not re-sent, and the error says it may have taken effect.
    emulator.add_fault(Fault::close_connection().action(WRITE));
    let err = write(&ecs).await.unwrap_err();
    let Error::Dispatch(dispatch) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(dispatch.attempts, 1);
    assert!(dispatch.may_have_taken_effect);
    assert!(err.may_have_taken_effect());
    assert!(err.to_string().contains(EFFECT_NOTE), "{err}");
    assert!(
        err.is_retryable(),
        "transient in itself; the policy declined"
    );
    assert_eq!(fault_hits(&emulator), 1, "sent once, never again");
    let log = emulator.requests_for(WRITE);
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].status, log[0].faults.as_slice()),
        (None, &["close_connection".to_owned()][..])
    );

    // A read: retried on a new connection, then succeeds.
    emulator.reset();
    emulator.add_fault(Fault::close_connection().action(READ).times(2));
    read(&ecs).await.expect("the third attempt is answered");
    let log = emulator.requests_for(READ);
    assert_eq!(
        log.iter().map(|r| r.status).collect::<Vec<_>>(),
        [None, None, Some(200)]
    );
    assert_eq!(nonces(&log).len(), 3);

    // A read whose connections always close: retried up to the policy, then typed.
    emulator.reset();
    emulator.add_fault(Fault::close_connection().action(READ));
    let err = read(&ecs).await.unwrap_err();
    assert!(matches!(err, Error::Dispatch(_)), "{err:?}");
    assert_eq!(err.attempts(), 3);
    assert_eq!(fault_hits(&emulator), 3);
}

/// Timing bounds: the limits are short so the suite stays fast, and the margin absorbs a loaded
/// 2-core CI machine. The emulator's latency is far beyond limit + margin, so a client that
/// waited for the answer would fail the bound.
const READ_TIMEOUT: Duration = Duration::from_millis(200);
const MARGIN: Duration = Duration::from_millis(300);
const LATENCY: Duration = Duration::from_millis(2_000);

fn timeout_of(err: &Error) -> (TimeoutKind, u32, bool) {
    match err {
        Error::Timeout(t) => (t.kind, t.attempts, t.may_have_taken_effect),
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_answers_hit_the_read_timeout() {
    let emulator = Emulator::start().await.unwrap();
    let ecs = aliyun_ecs::Client::new(
        &emulator
            .sdk_config_builder()
            .retry_policy(policy())
            .read_timeout(READ_TIMEOUT)
            .build()
            .unwrap(),
    );

    // A write: one attempt, cut at the read timeout, and it may have taken effect.
    emulator.add_fault(Fault::latency(LATENCY).action(WRITE));
    let started = Instant::now();
    let err = write(&ecs).await.unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(timeout_of(&err), (TimeoutKind::Read, 1, true));
    assert!(
        elapsed >= READ_TIMEOUT && elapsed < READ_TIMEOUT + MARGIN,
        "{elapsed:?}"
    );
    assert!(err.to_string().contains(EFFECT_NOTE), "{err}");
    assert_eq!(fault_hits(&emulator), 1, "the write was not re-sent");

    // A read: each slow attempt is cut, then retried; the third is answered at once.
    emulator.reset();
    emulator.add_fault(Fault::latency(LATENCY).action(READ).times(2));
    let started = Instant::now();
    read(&ecs).await.expect("the third attempt is fast");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= 2 * READ_TIMEOUT && elapsed < 2 * READ_TIMEOUT + MARGIN,
        "{elapsed:?}"
    );
    assert_eq!(fault_hits(&emulator), 2);
    assert!(emulator.requests_for(READ).iter().any(|r| r.is_ok()));

    // A read that is always slow: three cut attempts, then the typed timeout.
    emulator.reset();
    emulator.add_fault(Fault::latency(LATENCY).action(READ));
    let started = Instant::now();
    let err = read(&ecs).await.unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(timeout_of(&err), (TimeoutKind::Read, 3, true));
    assert!(elapsed < 3 * READ_TIMEOUT + MARGIN, "{elapsed:?}");
    assert_eq!(fault_hits(&emulator), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_answers_hit_the_call_deadline() {
    const DEADLINE: Duration = Duration::from_millis(400);
    let emulator = Emulator::builder()
        .fault(Fault::latency(LATENCY).action(READ))
        .start()
        .await
        .unwrap();

    // One attempt longer than the deadline (the read timeout is far away).
    let ecs = aliyun_ecs::Client::new(
        &emulator
            .sdk_config_builder()
            .retry_policy(policy())
            .call_timeout(DEADLINE)
            .build()
            .unwrap(),
    );
    let started = Instant::now();
    let err = read(&ecs).await.unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(timeout_of(&err), (TimeoutKind::Call, 1, true));
    assert!(
        elapsed >= DEADLINE && elapsed < DEADLINE + MARGIN,
        "{elapsed:?}"
    );

    // Retries under the deadline: read timeouts of 150 ms, as many attempts as fit, and the
    // call still ends at the deadline.
    emulator.reset(); // the builder's fault again, with fresh counters
    let ecs = aliyun_ecs::Client::new(
        &emulator
            .sdk_config_builder()
            .retry_policy(policy().with_max_attempts(10))
            .read_timeout(Duration::from_millis(150))
            .call_timeout(DEADLINE)
            .build()
            .unwrap(),
    );
    let started = Instant::now();
    let err = read(&ecs).await.unwrap_err();
    let elapsed = started.elapsed();
    let (kind, attempts, taken_effect) = timeout_of(&err);
    assert_eq!(kind, TimeoutKind::Call, "{err}");
    assert!((2..=3).contains(&attempts), "{err}");
    assert!(taken_effect);
    assert!(
        elapsed >= DEADLINE && elapsed < DEADLINE + MARGIN,
        "{elapsed:?}"
    );
    assert_eq!(fault_hits(&emulator), u64::from(attempts));
}
