//! Reliability suite, part 2: the refusals users cannot diagnose with the official SDKs —
//! clock skew and `SignatureDoesNotMatch` — against the emulator over loopback.

mod reliability_support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aliyun_core::{Credentials, Error, SignatureDiagnosis};
use aliyun_emulator::{DEFAULT_ACCESS_KEY_ID, Emulator, LoggedRequest};
use reliability_support::{WireTap, codes, config, instance, nonces, policy};

const READ: &str = "DescribeCloudAssistantStatus";
const WRITE: &str = "InstallCloudAssistant";
const SKEW_SECS: i64 = 20 * 60;

/// Seconds since the epoch of a `YYYY-MM-DDThh:mm:ssZ` timestamp.
fn epoch_secs(timestamp: &str) -> i64 {
    let n = |range: std::ops::Range<usize>| -> i64 {
        timestamp
            .get(range)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad timestamp {timestamp:?}"))
    };
    let (year, month, day) = (n(0..4), n(5..7), n(8..10));
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + n(11..13) * 3_600 + n(14..16) * 60 + n(17..19)
}

fn now_secs() -> i64 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    i64::try_from(now.as_secs()).unwrap()
}

fn timestamp_of(request: &LoggedRequest) -> i64 {
    epoch_secs(
        request
            .param("Timestamp")
            .expect("V1 requests carry a Timestamp"),
    )
}

async fn read(ecs: &aliyun_ecs::Client) -> Result<(), Error> {
    ecs.describe_cloud_assistant_status()
        .instance_ids(instance(1))
        .send()
        .await
        .map(drop)
        .map_err(|e| e.into_core())
}

#[tokio::test]
async fn clock_skew_is_learned_from_the_date_header_and_the_call_retried() {
    for offset in [SKEW_SECS, -SKEW_SECS] {
        let emulator = Emulator::builder()
            .clock_offset_secs(offset)
            .start()
            .await
            .unwrap();
        let config = config(&emulator);
        let ecs = aliyun_ecs::Client::new(&config);
        read(&ecs).await.expect("corrected and retried");

        let log = emulator.requests_for(READ);
        assert_eq!(
            codes(&log),
            [Some("InvalidTimeStamp.Expired".to_owned()), None],
            "offset {offset}"
        );
        assert_eq!(nonces(&log).len(), 2);
        // The first request carried the local time, the retry the server's.
        let local = now_secs();
        assert!((timestamp_of(&log[0]) - local).abs() < 60, "{log:?}");
        assert!(
            (timestamp_of(&log[1]) - (local + offset)).abs() < 60,
            "{log:?}"
        );
        let learned = config.clock_offset_millis();
        assert!(
            (learned - offset * 1_000).abs() < 3_000,
            "offset {offset}: learned {learned} ms"
        );

        // The offset is kept: the next call is accepted at once.
        emulator.clear_requests();
        read(&ecs).await.unwrap();
        assert_eq!(emulator.requests_for(READ).len(), 1);
    }
}

#[tokio::test]
async fn clock_skew_correction_happens_once_even_with_retries_disabled() {
    let emulator = Emulator::builder()
        .clock_offset_secs(SKEW_SECS)
        .start()
        .await
        .unwrap();
    let config = emulator
        .sdk_config_builder()
        .retry_policy(aliyun_core::RetryPolicy::disabled())
        .build()
        .unwrap();
    read(&aliyun_ecs::Client::new(&config)).await.unwrap();
    assert_eq!(emulator.requests_for(READ).len(), 2);
}

#[tokio::test]
async fn clock_skew_without_correction_explains_the_skew() {
    let emulator = Emulator::builder()
        .clock_offset_secs(SKEW_SECS)
        .start()
        .await
        .unwrap();
    let config = emulator
        .sdk_config_builder()
        .retry_policy(policy())
        .clock_skew_correction(false)
        .build()
        .unwrap();
    let err = read(&aliyun_ecs::Client::new(&config)).await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidTimeStamp.Expired"));
    assert_eq!(err.attempts(), 1, "a refused timestamp is not transient");
    assert!(!err.may_have_taken_effect());
    let skew = err.as_service_error().unwrap().clock_skew().unwrap();
    assert!(
        skew.abs_diff(Duration::from_secs(SKEW_SECS as u64)) < Duration::from_secs(3),
        "{skew:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("the local clock is 1199s away")
            || text.contains("the local clock is 1200s away")
            || text.contains("the local clock is 1201s away"),
        "{text}"
    );
    assert!(text.contains("enable clock-skew correction"), "{text}");
    assert_eq!(emulator.requests_for(READ).len(), 1);
    assert_eq!(config.clock_offset_millis(), 0, "nothing learned");
}

#[tokio::test]
async fn wrong_secret_is_diagnosed_as_a_wrong_secret() {
    let emulator = Emulator::start().await.unwrap();
    let config = emulator
        .sdk_config_builder()
        .retry_policy(policy())
        .credentials_provider(Credentials::new(DEFAULT_ACCESS_KEY_ID, "not-the-secret"))
        .build()
        .unwrap();
    let err = read(&aliyun_ecs::Client::new(&config)).await.unwrap_err();
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"));
    assert_eq!(err.attempts(), 1, "not retried");
    let service = err.as_service_error().unwrap();
    assert_eq!(service.http_status(), 400);
    assert_eq!(
        service.signature_diagnosis(),
        Some(&SignatureDiagnosis::WrongSecret)
    );
    assert!(err.to_string().contains("the secret is wrong"), "{err}");
    assert!(!err.to_string().contains("not-the-secret"), "{err}");
    let log = emulator.requests_for(READ);
    assert_eq!(codes(&log), [Some("SignatureDoesNotMatch".to_owned())]);
}

/// A proxy that "helpfully" un-escapes `%2B` in query strings: the server then reads `+` as a
/// space, signs a different string, and refuses. The diagnosis names the encoding, not the
/// secret, and shows both strings.
#[tokio::test]
async fn a_re_encoding_proxy_is_diagnosed_as_encoding_differs() {
    let emulator = Emulator::start().await.unwrap();
    let through = |tap: &WireTap| {
        let config = emulator
            .sdk_config_builder()
            .retry_policy(policy())
            .transport(tap.clone())
            .build()
            .unwrap();
        aliyun_ecs::Client::new(&config)
    };
    let install = |ecs: aliyun_ecs::Client| async move {
        ecs.install_cloud_assistant()
            .instance_ids(instance(1))
            .owner_account("ops+team@example.com")
            .send()
            .await
            .map_err(|e| e.into_core())
    };

    // Control: the same call through an honest wire is accepted.
    install(through(&WireTap::new())).await.unwrap();

    let proxy = WireTap::rewriting(|request| request.url = request.url.replace("%2B", "+"));
    let err = install(through(&proxy)).await.unwrap_err();
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"));
    assert_eq!(err.attempts(), 1);
    let diagnosis = err
        .as_service_error()
        .unwrap()
        .signature_diagnosis()
        .cloned();
    let Some(SignatureDiagnosis::EncodingDiffers { local, server }) = diagnosis else {
        panic!("{err:?}")
    };
    assert!(
        local.contains("OwnerAccount%3Dops%252Bteam%2540example.com"),
        "{local}"
    );
    assert!(
        server.contains("OwnerAccount%3Dops%2520team%2540example.com"),
        "{server}"
    );
    assert!(err.to_string().contains("encoding differs"), "{err}");
    assert!(proxy.sent()[0].url.contains("OwnerAccount=ops+team"));
    let log = emulator.requests_for(WRITE);
    assert_eq!(
        log.last().unwrap().param("OwnerAccount"),
        Some("ops team@example.com")
    );
}
