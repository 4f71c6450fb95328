//! Every retry rule, through the executor, with a paused tokio clock (no real sleeping).

mod executor_support;

use std::collections::HashSet;
use std::time::Duration;

use aliyun_core::error::TimeoutKind;
use aliyun_core::retry::RetryPolicy;
use aliyun_core::testing::{CannedReply, CaptureTransport};
use aliyun_core::transport::TransportErrorKind;
use aliyun_core::{Config, Credentials, Error, ProductClient};
use executor_support::*;
use tokio::time::Instant;

fn nonces(transport: &CaptureTransport) -> HashSet<String> {
    transport
        .requests()
        .iter()
        .map(|r| r.param("SignatureNonce").unwrap())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn throttling_twice_then_success_takes_three_attempts_with_three_nonces() {
    let transport = CaptureTransport::responding(200, OK);
    transport.push_response(400, throttled());
    transport.push_response(400, throttled());
    let client = ProductClient::new(&config_with(&transport, RetryPolicy::default()), &ECS);

    let started = Instant::now();
    let output = client.call(&Write::new("i-1")).await.unwrap();
    assert_eq!(output.request_id, "RID-OK");
    assert_eq!(transport.requests().len(), 3);
    assert_eq!(nonces(&transport).len(), 3, "every attempt is re-signed");
    let signatures: HashSet<_> = transport
        .requests()
        .iter()
        .map(|r| r.param("Signature").unwrap())
        .collect();
    assert_eq!(signatures.len(), 3);
    // Throttling backoff: 500 ms × 2ⁿ with equal jitter, so at least 250 ms + 500 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(750),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn throttling_forever_stops_after_max_attempts() {
    let transport = CaptureTransport::responding(400, throttled());
    let policy = RetryPolicy::default().with_max_attempts(4);
    let client = ProductClient::new(&config_with(&transport, policy), &ECS);

    let err = client.call(&Write::new("i-1")).await.unwrap_err();
    assert_eq!(err.code(), Some("Throttling.User"));
    assert!(err.is_throttling());
    assert!(err.is_retryable());
    assert_eq!(err.attempts(), 4);
    assert_eq!(transport.requests().len(), 4);
    assert_eq!(nonces(&transport).len(), 4);
    assert!(err.to_string().contains("after 4 attempts"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn service_unavailable_is_retried_even_for_writes() {
    let transport = CaptureTransport::responding(200, OK);
    transport.push_response(
        503,
        r#"{"Code":"ServiceUnavailable","Message":"The request has failed due to a temporary failure of the server."}"#,
    );
    let client = ProductClient::new(&config_with(&transport, RetryPolicy::default()), &ECS);
    client.call(&Write::new("i-1")).await.unwrap();
    assert_eq!(transport.requests().len(), 2);
}

const INTERNAL: &str = r#"{"RequestId":"RID-500","Code":"InternalError.Dispatch","Message":"An error occurred when you dispatched the request."}"#;

#[tokio::test(start_paused = true)]
async fn internal_error_is_retried_for_idempotent_actions() {
    let transport = CaptureTransport::responding(200, OK);
    transport.push_response(500, INTERNAL);
    transport.push_response(500, r#"{"Code":"InternalError","Message":"x"}"#);
    let client = ProductClient::new(&config_with(&transport, RetryPolicy::default()), &ECS);
    client.call(&Read::new("i-1")).await.unwrap();
    assert_eq!(transport.requests().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn internal_error_is_not_retried_for_non_idempotent_actions_by_default() {
    let transport = CaptureTransport::responding(200, OK);
    transport.push_response(500, INTERNAL);
    let client = ProductClient::new(&config_with(&transport, RetryPolicy::default()), &ECS);
    let err = client.call(&Write::new("i-1")).await.unwrap_err();
    assert_eq!(err.code(), Some("InternalError.Dispatch"));
    assert_eq!(err.attempts(), 1);
    assert!(
        err.is_retryable(),
        "transient in itself; the policy declined for safety"
    );
    assert_eq!(transport.requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn internal_error_on_writes_is_retried_when_the_policy_opts_in() {
    let transport = CaptureTransport::responding(200, OK);
    transport.push_response(500, INTERNAL);
    let policy = RetryPolicy::default().with_retry_non_idempotent_server_errors(true);
    let client = ProductClient::new(&config_with(&transport, policy), &ECS);
    client.call(&Write::new("i-1")).await.unwrap();
    assert_eq!(transport.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn bad_gateway_html_page_on_a_read_is_retried() {
    let transport = CaptureTransport::responding(200, OK);
    transport.push_response(502, "<html><body>502 Bad Gateway</body></html>");
    let client = ProductClient::new(&config_with(&transport, RetryPolicy::default()), &ECS);
    client.call(&Read::new("i-1")).await.unwrap();
    assert_eq!(transport.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn connect_failure_before_sending_is_retried_for_any_action() {
    let transport = CaptureTransport::responding(200, OK);
    transport.push(CannedReply::transport_error(
        TransportErrorKind::Connect,
        false,
    ));
    transport.push(CannedReply::transport_error(
        TransportErrorKind::Timeout,
        false,
    ));
    let client = ProductClient::new(&config_with(&transport, RetryPolicy::default()), &ECS);
    client.call(&Write::new("i-1")).await.unwrap();
    assert_eq!(transport.requests().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn connect_failures_exhausting_attempts_did_not_take_effect() {
    let transport = CaptureTransport::new();
    for _ in 0..3 {
        transport.push(CannedReply::transport_error(
            TransportErrorKind::Connect,
            false,
        ));
    }
    let client = ProductClient::new(&config_with(&transport, RetryPolicy::default()), &ECS);
    let err = client.call(&Write::new("i-1")).await.unwrap_err();
    assert!(matches!(err, Error::Dispatch(_)), "{err:?}");
    assert_eq!(err.attempts(), 3);
    assert!(!err.may_have_taken_effect());
}

#[tokio::test(start_paused = true)]
async fn connection_reset_after_sending_a_write_is_not_resent() {
    let transport = CaptureTransport::responding(200, OK);
    transport.push(CannedReply::transport_error(TransportErrorKind::Io, true));
    let client = ProductClient::new(&config_with(&transport, RetryPolicy::default()), &ECS);
    let err = client.call(&Write::new("i-1")).await.unwrap_err();
    assert!(matches!(err, Error::Dispatch(_)), "{err:?}");
    assert!(err.may_have_taken_effect());
    assert!(
        err.to_string().contains("may have reached the service"),
        "{err}"
    );
    assert_eq!(err.attempts(), 1);
    assert_eq!(transport.requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn connection_reset_after_sending_a_read_is_retried() {
    let transport = CaptureTransport::responding(200, OK);
    transport.push(CannedReply::transport_error(TransportErrorKind::Io, true));
    let client = ProductClient::new(&config_with(&transport, RetryPolicy::default()), &ECS);
    client.call(&Read::new("i-1")).await.unwrap();
    assert_eq!(transport.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn read_timeout_on_a_write_is_not_resent_and_may_have_taken_effect() {
    let transport = CaptureTransport::responding(200, OK);
    transport.push(CannedReply::hang());
    let client = ProductClient::new(&config_with(&transport, RetryPolicy::default()), &ECS);

    let started = Instant::now();
    let err = client.call(&Write::new("i-1")).await.unwrap_err();
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(10),
        "the default read timeout"
    );
    let Error::Timeout(timeout) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(timeout.kind, TimeoutKind::Read);
    assert_eq!(timeout.elapsed, Duration::from_secs(10));
    assert!(err.may_have_taken_effect());
    assert_eq!(err.attempts(), 1);
    assert_eq!(transport.requests().len(), 1);
    assert!(
        err.to_string().contains("may have reached the service"),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn read_timeout_on_a_read_is_retried_until_attempts_run_out() {
    let transport = CaptureTransport::responding(200, OK);
    for _ in 0..3 {
        transport.push(CannedReply::hang());
    }
    let config = Config::builder()
        .region("cn-hangzhou")
        .credentials_provider(Credentials::new("testid", "testsecret"))
        .read_timeout(Duration::from_secs(2))
        .transport(transport.clone())
        .build()
        .unwrap();
    let client = ProductClient::new(&config, &ECS);
    let err = client.call(&Read::new("i-1")).await.unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert_eq!(err.attempts(), 3);
    assert_eq!(transport.requests().len(), 3);

    // A slow answer inside the limit is fine.
    transport.push(CannedReply::response(200, OK).delayed(Duration::from_millis(1900)));
    client.call(&Read::new("i-1")).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn call_deadline_cuts_a_slow_attempt() {
    let transport = CaptureTransport::new();
    transport.push(CannedReply::response(200, OK).delayed(Duration::from_secs(60)));
    let config = Config::builder()
        .region("cn-hangzhou")
        .credentials_provider(Credentials::new("testid", "testsecret"))
        .call_timeout(Duration::from_secs(3))
        .transport(transport.clone())
        .build()
        .unwrap();
    let client = ProductClient::new(&config, &ECS);
    let started = Instant::now();
    let err = client.call(&Read::new("i-1")).await.unwrap_err();
    assert_eq!(started.elapsed(), Duration::from_secs(3));
    let Error::Timeout(timeout) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(timeout.kind, TimeoutKind::Call);
    assert_eq!(timeout.elapsed, Duration::from_secs(3));
    assert!(err.may_have_taken_effect());
}

#[tokio::test(start_paused = true)]
async fn call_deadline_bounds_retries_and_backoff() {
    let transport = CaptureTransport::responding(400, throttled());
    let config = Config::builder()
        .region("cn-hangzhou")
        .credentials_provider(Credentials::new("testid", "testsecret"))
        .call_timeout(Duration::from_millis(600))
        .retry_policy(RetryPolicy::default().with_max_attempts(10))
        .transport(transport.clone())
        .build()
        .unwrap();
    let client = ProductClient::new(&config, &ECS);
    let started = Instant::now();
    let err = client.call(&Write::new("i-1")).await.unwrap_err();
    // The first backoff (250..500 ms) fits, the second (500..1000 ms) would not: the call ends
    // with the throttling error instead of sleeping past the deadline.
    assert!(started.elapsed() < Duration::from_millis(600));
    assert_eq!(err.code(), Some("Throttling.User"));
    assert_eq!(err.attempts(), 2);
    assert_eq!(transport.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn disabled_policy_makes_one_attempt() {
    let transport = CaptureTransport::responding(400, throttled());
    let client = ProductClient::new(&config_with(&transport, RetryPolicy::disabled()), &ECS);
    let err = client.call(&Read::new("i-1")).await.unwrap_err();
    assert_eq!(err.attempts(), 1);
    assert_eq!(transport.requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn permanent_errors_are_not_retried() {
    let transport = CaptureTransport::responding(
        404,
        r#"{"Code":"InvalidInstance.NotFound","Message":"The specified instance does not exist."}"#,
    );
    let client = ProductClient::new(&config_with(&transport, RetryPolicy::default()), &ECS);
    let err = client.call(&Read::new("i-1")).await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidInstance.NotFound"));
    assert!(!err.is_retryable());
    assert_eq!(err.attempts(), 1);
}

#[tokio::test(start_paused = true)]
async fn an_unreadable_success_body_is_not_retried() {
    // The action succeeded; only the answer could not be read. Sending it again could repeat it.
    let transport = CaptureTransport::responding(200, OK);
    transport.push_response(200, r#"{"RequestId":"R-TRUNC","Val"#);
    let client = ProductClient::new(&config_with(&transport, RetryPolicy::default()), &ECS);
    let err = client.call(&Read::new("i-1")).await.unwrap_err();
    assert!(matches!(err, Error::Response(_)), "{err:?}");
    assert_eq!(transport.requests().len(), 1);
}
