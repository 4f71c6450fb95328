//! Reliability suite, part 4: 1,000 concurrent calls through one client while the emulator
//! throttles a seeded 10% of requests and answers 503 to a seeded 2%. Every call must end in
//! success or a typed error — none lost, none hanging — and the request log must show no
//! request beyond the retry policy: per call at most `max_attempts` requests, all with distinct
//! nonces, exactly one success for each call that returned `Ok` and none for the others, and
//! writes applied exactly once.

mod reliability_support;

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use aliyun_core::Error;
use aliyun_emulator::{CloudAssistantState, Fault, Instance, LoggedRequest};
use aliyun_tests::{emulator_with, ids};
use reliability_support::{nonces, policy};

const CALLS: usize = 1_000;
const MAX_ATTEMPTS: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Install,
    Describe,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_calls_with_throttling_and_503s() {
    let instances = ids("i-load", 1, CALLS);
    let emulator = emulator_with(instances.iter().map(Instance::new))
        .fault(Fault::throttling().fraction(0.10, 0x5eed_0001))
        .fault(Fault::service_unavailable().fraction(0.02, 0x5eed_0002))
        .start()
        .await
        .unwrap();
    assert_eq!(policy().max_attempts(), MAX_ATTEMPTS);
    // A generous read timeout: on a starved CI machine an answer can take seconds, and a
    // timed-out read would be retried (legitimately) and its cancelled request never logged,
    // which this test is not about (`reliability_faults.rs` covers timeouts).
    let config = emulator
        .sdk_config_builder()
        .retry_policy(policy())
        .read_timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let ecs = aliyun_ecs::Client::new(&config);

    // Every call names its own instance, so the log can be grouped per call.
    let calls = instances.iter().enumerate().map(|(n, id)| {
        let ecs = ecs.clone();
        let id = id.clone();
        let kind = if n % 2 == 0 {
            Kind::Install
        } else {
            Kind::Describe
        };
        tokio::spawn(async move {
            let result: Result<(), Error> = match kind {
                Kind::Install => ecs
                    .install_cloud_assistant()
                    .instance_ids(&id)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| e.into_core()),
                Kind::Describe => ecs
                    .describe_cloud_assistant_status()
                    .instance_ids(&id)
                    .send()
                    .await
                    .map(|out| assert_eq!(out.instance_statuses.len(), 1))
                    .map_err(|e| e.into_core()),
            };
            (id, kind, result)
        })
    });
    let results = tokio::time::timeout(
        Duration::from_secs(120),
        futures_util::future::join_all(calls),
    )
    .await
    .expect("no call hangs");
    let results: Vec<_> = results
        .into_iter()
        .map(|r| r.expect("no call panics"))
        .collect();
    assert_eq!(results.len(), CALLS, "none lost");

    let log = emulator.requests();
    let mut per_call: BTreeMap<&str, Vec<&LoggedRequest>> = BTreeMap::new();
    for request in &log {
        let id = request
            .param("InstanceId.1")
            .expect("every call names one instance");
        per_call.entry(id).or_default().push(request);
    }
    assert_eq!(per_call.len(), CALLS, "every call reached the service");
    assert_eq!(
        nonces(&log).len(),
        log.len(),
        "every request has its own nonce"
    );

    let mut successes = 0;
    let mut failures = 0;
    for (id, kind, result) in &results {
        let requests = &per_call[id.as_str()];
        assert!(requests.len() as u32 <= MAX_ATTEMPTS, "{id}: {requests:?}");
        let ok_requests = requests.iter().filter(|r| r.is_ok()).count();
        let refusals: HashSet<Option<&str>> = requests
            .iter()
            .filter(|r| !r.is_ok())
            .map(|r| r.error_code())
            .collect();
        assert!(
            refusals
                .iter()
                .all(|c| matches!(c, Some("Throttling.User" | "ServiceUnavailable"))),
            "{id}: {refusals:?}"
        );
        match result {
            Ok(()) => {
                successes += 1;
                assert_eq!(ok_requests, 1, "{id}");
                assert!(
                    requests.last().unwrap().is_ok(),
                    "{id}: the success is the last"
                );
            }
            Err(err) => {
                failures += 1;
                assert_eq!(ok_requests, 0, "{id}");
                assert!(
                    matches!(err.code(), Some("Throttling.User" | "ServiceUnavailable")),
                    "{id}: {err:?}"
                );
                assert_eq!(err.attempts(), MAX_ATTEMPTS, "{id}");
                assert_eq!(requests.len() as u32, err.attempts(), "{id}");
                assert!(!err.may_have_taken_effect(), "{id}");
            }
        }
        if *kind == Kind::Install {
            let expected = if result.is_ok() {
                CloudAssistantState::PendingReboot
            } else {
                CloudAssistantState::NotInstalled
            };
            assert_eq!(
                emulator.instance(id).unwrap().cloud_assistant,
                expected,
                "{id}"
            );
        }
    }
    assert_eq!(successes + failures, CALLS);
    assert_eq!(
        log.iter().filter(|r| r.is_ok()).count(),
        successes,
        "successes in the log = calls that returned Ok"
    );

    // The faults struck about as often as configured (the first matching fault answers, so
    // the 503 rule only sees requests that were not throttled).
    let faults = emulator.faults();
    let (throttled, unavailable) = (faults[0].hits, faults[1].hits);
    let refused = log.iter().filter(|r| !r.is_ok()).count() as u64;
    assert_eq!(throttled + unavailable, refused);
    let rate = |hits: u64, matched: u64| hits as f64 / matched as f64;
    assert!(
        (0.07..0.13).contains(&rate(throttled, faults[0].matched)),
        "{faults:?}"
    );
    assert!(
        (0.005..0.04).contains(&rate(unavailable, faults[1].matched)),
        "{faults:?}"
    );
    assert!(refused > 50, "the faults were exercised: {refused}");
}
