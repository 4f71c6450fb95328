//! No secret, security token or signature in `Debug`/`Display` of configs, clients, requests or
//! errors, nor in TRACE-level logs of succeeding and failing calls.

mod executor_support;

use std::io::Write as _;
use std::sync::Mutex;

use aliyun_core::testing::support::LogCapture;
use aliyun_core::testing::{CannedReply, CaptureTransport, CapturedRequest};
use aliyun_core::transport::TransportErrorKind;
use aliyun_core::{Config, Credentials, RetryPolicy, ProductClient};
use executor_support::*;

const SECRET: &str = "SuperSecretValue0123456789";
const TOKEN: &str = "CAISTokenValue+With/Chars=Z9";

/// Serializes the tests that install a tracing subscriber, and the tests that make calls
/// without one: tracing caches per-callsite interest process-wide, and a callsite first hit
/// (or a subscriber registered or dropped) on another thread while a capture runs can race
/// that cache, dropping the capture's spans and events.
static TRACING: Mutex<()> = Mutex::new(());

fn serial_tracing() -> std::sync::MutexGuard<'static, ()> {
    TRACING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn forbidden(request: &CapturedRequest) -> Vec<String> {
    let signature = request.param("Signature").unwrap_or_default();
    let encoded_signature = aliyun_core::signer::encoding::percent_encode(&signature);
    let mut out = vec![
        SECRET.to_owned(),
        TOKEN.to_owned(),
        aliyun_core::signer::encoding::percent_encode(TOKEN),
        // The token's distinctive core, whatever the encoding around it.
        "TokenValue".to_owned(),
    ];
    if !signature.is_empty() {
        out.push(signature);
        out.push(encoded_signature);
    }
    out
}

fn assert_clean(text: &str, forbidden: &[String], what: &str) {
    for secret in forbidden {
        assert!(
            !text.contains(secret.as_str()),
            "{what} leaks {secret:?}:\n{text}"
        );
    }
}

fn sts_config(transport: &CaptureTransport) -> Config {
    Config::builder()
        .region("cn-hangzhou")
        .credentials_provider(Credentials::new_sts("STS.testid", SECRET, TOKEN, None))
        .retry_policy(RetryPolicy::default())
        .transport(transport.clone())
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
#[allow(clippy::await_holding_lock)] // held only to keep other capturing tests out
async fn trace_logs_and_errors_hold_no_secret_token_or_signature() {
    let _serial = serial_tracing();
    let sink = LogCapture::new();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(sink.writer())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let transport = CaptureTransport::responding(200, OK);
    // Throttled, then reset, then a signature mismatch quoting the string-to-sign (which holds
    // the token), then success.
    transport.push_response(400, throttled());
    transport.push(CannedReply::transport_error(TransportErrorKind::Io, true));
    let config = sts_config(&transport);
    let client = ProductClient::new(&config, &ECS);

    // A write: the reset after sending is not retried.
    client.call(&Write::new("i-1")).await.unwrap_err();
    let mismatch = transport.requests().len();
    transport.push(CannedReply::response(
        400,
        format!(
            r#"{{"Code":"SignatureDoesNotMatch","Message":"Specified signature is not matched with our calculation. server string to sign is:GET&%2F&AccessKeyId%3DSTS.testid%26SecurityToken%3D{}%26Timestamp%3Dx"}}"#,
            aliyun_core::signer::encoding::percent_encode(&aliyun_core::signer::encoding::percent_encode(TOKEN))
        ),
    ));
    let signature_error = client.call(&Read::new("i-1")).await.unwrap_err();
    assert_eq!(signature_error.code(), Some("SignatureDoesNotMatch"));
    client.call(&Write::new("i-1")).await.unwrap();
    assert!(transport.requests().len() > mismatch);

    drop(_guard);
    let logs = sink.text();
    assert!(logs.contains("retrying"), "{logs}");
    assert!(logs.contains("aliyun_call"), "{logs}");
    for request in transport.requests() {
        let forbidden = forbidden(&request);
        assert_clean(&logs, &forbidden, "TRACE logs");
        assert_clean(&format!("{request:?}"), &forbidden, "CapturedRequest Debug");
        assert_clean(&format!("{signature_error}"), &forbidden, "error Display");
        assert_clean(&format!("{signature_error:?}"), &forbidden, "error Debug");
        assert_clean(&format!("{config:?}"), &forbidden, "Config Debug");
        assert_clean(&format!("{client:?}"), &forbidden, "ProductClient Debug");
        assert_clean(
            &format!("{transport:?}"),
            &forbidden,
            "CaptureTransport Debug",
        );
    }
    // The query never appears in a request's Debug.
    let request = transport.last_request().unwrap();
    assert!(!format!("{request:?}").contains("AccessKeyId"));
    assert!(!format!("{transport:?}").contains("AccessKeyId"));
}

#[tokio::test(start_paused = true)]
#[allow(clippy::await_holding_lock)] // held only to keep capturing tests from racing this one
async fn every_error_kind_displays_without_secrets() {
    // Its calls register the executor's callsites: not while another test captures.
    let _serial = serial_tracing();
    let replies = [
        CannedReply::response(400, throttled()),
        CannedReply::response(502, "<html>bad gateway</html>"),
        CannedReply::response(200, ""),
        CannedReply::transport_error(TransportErrorKind::Io, true),
        CannedReply::transport_error(TransportErrorKind::Connect, false),
        CannedReply::hang(),
    ];
    for reply in replies {
        let transport = CaptureTransport::new();
        transport.push(reply);
        let config = Config::builder()
            .region("cn-hangzhou")
            .credentials_provider(Credentials::new_sts("STS.testid", SECRET, TOKEN, None))
            .retry_policy(RetryPolicy::disabled())
            .transport(transport.clone())
            .build()
            .unwrap();
        let err = ProductClient::new(&config, &ECS)
            .call(&Write::new("i-1"))
            .await
            .unwrap_err();
        let forbidden = forbidden(&transport.last_request().unwrap());
        assert_clean(&format!("{err}"), &forbidden, "Display");
        assert_clean(&format!("{err:?}"), &forbidden, "Debug");
        let mut source = std::error::Error::source(&err);
        while let Some(inner) = source {
            assert_clean(&inner.to_string(), &forbidden, "source");
            source = inner.source();
        }
    }
    let _ = std::io::stdout().flush();
}

#[test]
fn plain_http_to_a_remote_host_warns_once() {
    let _serial = serial_tracing();
    let sink = LogCapture::new();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(sink.writer())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let build = |url: &str| {
        Config::builder()
            .endpoint_url(url)
            .credentials_provider(Credentials::new("testid", SECRET))
            .transport(CaptureTransport::new())
            .build()
            .unwrap()
    };
    let remote = build("http://warn-once.example.invalid");
    ProductClient::new(&remote, &ECS);
    ProductClient::new(&remote, &CMS);
    ProductClient::new(&build("http://warn-once.example.invalid"), &ECS);
    ProductClient::new(&build("http://127.0.0.1:9000"), &ECS);
    ProductClient::new(&build("https://secure.example.invalid"), &ECS);
    let logs = sink.text();
    assert_eq!(logs.matches("plain http endpoint").count(), 1, "{logs}");
    assert!(logs.contains("http://warn-once.example.invalid"), "{logs}");
    assert!(!logs.contains(SECRET));
}
