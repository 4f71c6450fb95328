//! Every error class the executor returns, through `CaptureTransport`.

mod executor_support;

use std::time::{Duration, SystemTime};

use aliyun_core::clock::TimeSource;
use aliyun_core::error::{BODY_SNIPPET_LIMIT, InvalidRule};
use aliyun_core::signer::{format_timestamp, v1};
use aliyun_core::testing::{CannedReply, CaptureTransport, CapturedRequest, test_config};
use aliyun_core::{
    Config, Credentials, CredentialsError, Error, ProvideCredentials, RetryPolicy, ProductClient,
    SignatureDiagnosis,
};
use executor_support::*;
use futures_util::future::BoxFuture;

#[tokio::test]
async fn invalid_input_stops_before_the_transport() {
    let transport = CaptureTransport::new();
    let client = ProductClient::new(&test_config(transport.clone()), &ECS);
    let err = client.call(&Write::new("")).await.unwrap_err();
    let Error::InvalidInput(invalid) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(invalid.parameter(), "InstanceId");
    assert_eq!(invalid.rule(), &InvalidRule::Missing);
    assert_eq!(err.attempts(), 0);
    assert!(transport.requests().is_empty());
}

#[derive(Debug)]
struct NoCredentials;

impl ProvideCredentials for NoCredentials {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(async {
            Err(CredentialsError::new(
                "no credentials found: tried env, profile",
            ))
        })
    }
}

#[tokio::test]
async fn credentials_error_stops_before_the_transport() {
    let transport = CaptureTransport::new();
    let config = Config::builder()
        .region("cn-hangzhou")
        .credentials_provider(NoCredentials)
        .transport(transport.clone())
        .build()
        .unwrap();
    let err = ProductClient::new(&config, &ECS)
        .call(&Read::new("i-1"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Credentials(_)), "{err:?}");
    assert!(err.to_string().contains("no credentials found"), "{err}");
    assert!(transport.requests().is_empty());
}

#[tokio::test]
async fn service_error_carries_every_field() {
    let transport = CaptureTransport::responding(
        404,
        r#"{"RequestId":"6EF60BEC-0242-43AF-8F3E-F2B7E9A1B5C0","HostId":"ecs-cn-hangzhou.aliyuncs.com","Code":"InvalidInstance.NotFound","Message":"The specified instance does not exist.","Recommend":"https://api.aliyun.com/troubleshoot?q=InvalidInstance.NotFound"}"#,
    );
    let client = ProductClient::new(&test_config(transport), &ECS);
    let err = client.call(&Write::new("i-1")).await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidInstance.NotFound"));
    assert_eq!(
        err.message(),
        Some("The specified instance does not exist.")
    );
    assert_eq!(
        err.request_id(),
        Some("6EF60BEC-0242-43AF-8F3E-F2B7E9A1B5C0")
    );
    let service = err.as_service_error().unwrap();
    assert_eq!(service.host_id(), Some("ecs-cn-hangzhou.aliyuncs.com"));
    assert_eq!(
        service.recommend(),
        Some("https://api.aliyun.com/troubleshoot?q=InvalidInstance.NotFound")
    );
    assert_eq!(service.http_status(), 404);
    assert!(!err.is_retryable());
    assert!(!err.may_have_taken_effect());
    assert_eq!(err.attempts(), 1);
}

#[tokio::test]
async fn xml_error_bodies_are_read() {
    let transport = CaptureTransport::responding(
        403,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><RequestId>R-X</RequestId><HostId>h</HostId><Code>Forbidden.RAM</Code><Message>User not authorized.</Message></Error>",
    );
    let err = ProductClient::new(&test_config(transport), &ECS)
        .call(&Read::new("i-1"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("Forbidden.RAM"));
    assert_eq!(err.request_id(), Some("R-X"));
}

#[tokio::test]
async fn legacy_cms_failures_are_service_errors() {
    let cases = [
        (
            r#"{"ErrorCode":500,"ErrorMessage":"install failed","Success":false,"RequestId":"R-1"}"#,
            "500",
        ),
        (
            r#"{"ErrorCode":"500","ErrorMessage":"install failed","Success":false,"RequestId":"R-1"}"#,
            "500",
        ),
        (
            r#"{"ErrorCode":404,"ErrorMessage":"install failed","RequestId":"R-1"}"#,
            "404",
        ),
        (
            r#"{"ErrorCode":"200","Success":false,"Code":"Agent.Busy","ErrorMessage":"install failed","RequestId":"R-1"}"#,
            "Agent.Busy",
        ),
    ];
    for (body, code) in cases {
        let transport = CaptureTransport::responding(200, body);
        let err = ProductClient::new(&test_config(transport), &CMS)
            .call(&Read::new("i-1"))
            .await
            .unwrap_err();
        let service = err.as_service_error().unwrap_or_else(|| panic!("{err:?}"));
        assert_eq!(service.code(), code, "{body}");
        assert_eq!(service.message(), "install failed");
        assert_eq!(service.request_id(), Some("R-1"));
        assert_eq!(service.http_status(), 200);
    }
    // The legacy success shape decodes.
    let transport = CaptureTransport::responding(
        200,
        r#"{"ErrorCode":200,"Success":true,"RequestId":"R-OK","Value":"v"}"#,
    );
    let output = ProductClient::new(&test_config(transport), &CMS)
        .call(&Read::new("i-1"))
        .await
        .unwrap();
    assert_eq!(output.value.as_deref(), Some("v"));
    // Standard-style products do not look at `Success`.
    let transport = CaptureTransport::responding(200, r#"{"RequestId":"R","Success":false}"#);
    ProductClient::new(&test_config(transport), &ECS)
        .call(&Read::new("i-1"))
        .await
        .unwrap();
}

async fn unreadable(status: u16, body: &[u8]) -> aliyun_core::ResponseError {
    let transport = CaptureTransport::responding(status, body.to_vec());
    let err = ProductClient::new(&test_config(transport), &ECS)
        .call(&Read::new("i-1"))
        .await
        .unwrap_err();
    match err {
        Error::Response(e) => e,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn unreadable_bodies_name_status_snippet_and_reason() {
    let html = b"<html><head><title>502 Bad Gateway</title></head><body>Tengine</body></html>";
    let err = unreadable(502, html).await;
    assert_eq!(err.status(), 502);
    assert!(err.snippet().contains("502 Bad Gateway"));
    let text = err.to_string();
    assert!(
        text.contains("HTTP 502") && text.contains("Tengine"),
        "{text}"
    );

    let err = unreadable(200, html).await;
    assert_eq!(err.status(), 200);
    assert!(err.reason().contains("not JSON"), "{}", err.reason());

    let err = unreadable(200, br#"{"RequestId":"R-T","Value":"do"#).await;
    assert!(err.reason().contains("truncated"), "{}", err.reason());
    assert_eq!(err.request_id(), None);
    assert_eq!(err.snippet(), r#"{"RequestId":"R-T","Value":"do"#);

    let err = unreadable(200, b"").await;
    assert!(err.reason().contains("empty"), "{}", err.reason());
    let err = unreadable(500, b"").await;
    assert!(err.reason().contains("empty"), "{}", err.reason());

    let err = unreadable(200, br#"{"RequestId":"R-S","Value":{"nested":true}}"#).await;
    assert!(err.reason().contains("output shape"), "{}", err.reason());
    assert_eq!(err.request_id(), Some("R-S"));
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_status_and_snippet() {
    let mut body = br#"{"RequestId":"R-BIG","Value":""#.to_vec();
    body.resize(64 * 1024, b'x');
    let transport = CaptureTransport::responding(200, body);
    let config = Config::builder()
        .region("cn-hangzhou")
        .credentials_provider(Credentials::new("testid", "testsecret"))
        .max_response_body_size(16 * 1024)
        .transport(transport)
        .build()
        .unwrap();
    let err = ProductClient::new(&config, &ECS)
        .call(&Read::new("i-1"))
        .await
        .unwrap_err();
    let Error::Response(err) = err else {
        panic!("{err:?}")
    };
    assert_eq!(err.status(), 200);
    assert!(err.reason().contains("16384-byte cap"), "{}", err.reason());
    assert!(err.snippet().starts_with(r#"{"RequestId":"R-BIG""#));
    assert!(err.snippet().len() <= BODY_SNIPPET_LIMIT + '…'.len_utf8());
}

#[tokio::test]
async fn numbers_as_strings_still_decode() {
    #[derive(Debug, serde::Deserialize)]
    struct Lenient {
        #[serde(
            rename = "TotalCount",
            deserialize_with = "aliyun_core::__private::de::lenient"
        )]
        total: i64,
    }
    let transport = CaptureTransport::responding(200, r#"{"TotalCount":"12"}"#);
    let client = ProductClient::new(&test_config(transport), &ECS);
    // Decoding goes through serde with the output type's own rules.
    struct Count;
    impl aliyun_core::Action for Count {
        type Output = Lenient;
        const METADATA: aliyun_core::ActionMetadata = Read::METADATA;
        fn validate(&self) -> Result<(), aliyun_core::InvalidInput> {
            Ok(())
        }
        fn write_params(&self, _: &mut aliyun_core::Params) {}
    }
    assert_eq!(client.call(&Count).await.unwrap().total, 12);
}

type Params = Vec<(String, String)>;

/// A server that checks V1 signatures the way Alibaba Cloud does, with `secret`, and quotes its
/// string-to-sign (computed from `server_params`) when they do not match.
fn signature_checking_server(
    secret: &'static str,
    server_params: fn(Params) -> Params,
) -> CaptureTransport {
    CaptureTransport::respond_with(move |request: &CapturedRequest| {
        let params = server_params(request.params());
        let pairs: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if aliyun_emulator::verify::verify_v1(&request.method, &pairs, secret).is_ok() {
            return CannedReply::response(200, OK);
        }
        let unsigned: Vec<(&str, &str)> = pairs
            .iter()
            .copied()
            .filter(|(k, _)| *k != "Signature")
            .collect();
        let server_string =
            v1::string_to_sign(&request.method, &v1::canonicalized_query(&unsigned));
        CannedReply::response(
            400,
            format!(
                r#"{{"RequestId":"R-SIG","Code":"SignatureDoesNotMatch","Message":"Specified signature is not matched with our calculation. server string to sign is:{server_string}"}}"#
            ),
        )
    })
}

#[tokio::test]
async fn signature_mismatch_with_equal_strings_means_a_wrong_secret() {
    let transport = signature_checking_server("the-real-secret", |p| p);
    let client = ProductClient::new(&test_config(transport), &ECS);
    let err = client.call(&Write::new("i-1")).await.unwrap_err();
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"));
    let diagnosis = err.as_service_error().unwrap().signature_diagnosis();
    assert_eq!(diagnosis, Some(&SignatureDiagnosis::WrongSecret));
    assert!(err.to_string().contains("the secret is wrong"), "{err}");
}

#[tokio::test]
async fn signature_mismatch_with_different_strings_means_encoding_differs() {
    // A proxy that rewrote a value on the way (here: `+` turned into a space).
    let transport = signature_checking_server("testsecret", |params| {
        params
            .into_iter()
            .map(|(k, v)| (k, v.replace('+', " ")))
            .collect()
    });
    let client = ProductClient::new(&test_config(transport), &ECS);
    let mut input = Write::new("i-1");
    input.extra.push(("Description", "a+b".to_owned()));
    let err = client.call(&input).await.unwrap_err();
    let diagnosis = err
        .as_service_error()
        .unwrap()
        .signature_diagnosis()
        .cloned();
    let Some(SignatureDiagnosis::EncodingDiffers { local, server }) = diagnosis else {
        panic!("{diagnosis:?}")
    };
    assert!(local.contains("a%252Bb"), "{local}");
    assert!(server.contains("a%2520b"), "{server}");
    assert!(err.to_string().contains("encoding differs"), "{err}");
}

#[derive(Debug)]
struct FixedClock(SystemTime);

impl TimeSource for FixedClock {
    fn now(&self) -> SystemTime {
        self.0
    }
}

/// A service whose clock is 20 minutes ahead of the client's: refuses timestamps more than 15
/// minutes off with `InvalidTimeStamp.Expired` and its `Date`.
fn skewed_server(server_time: SystemTime) -> CaptureTransport {
    CaptureTransport::respond_with(move |request: &CapturedRequest| {
        if request.param("Timestamp") == Some(format_timestamp(server_time)) {
            CannedReply::response(200, OK)
        } else {
            CannedReply::response(
                400,
                r#"{"RequestId":"R-TS","Code":"InvalidTimeStamp.Expired","Message":"Specified time stamp or date value is expired."}"#,
            )
            .header("Date", &httpdate::fmt_http_date(server_time))
        }
    })
}

fn skew_config(transport: &CaptureTransport, local: SystemTime, correction: bool) -> Config {
    Config::builder()
        .region("cn-hangzhou")
        .credentials_provider(Credentials::new("testid", "testsecret"))
        .retry_policy(RetryPolicy::disabled())
        .clock_skew_correction(correction)
        .time_source(FixedClock(local))
        .transport(transport.clone())
        .build()
        .unwrap()
}

#[tokio::test]
async fn clock_skew_is_corrected_from_the_date_header_and_the_call_retried_once() {
    let local = SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_164_645);
    let server = local + Duration::from_secs(20 * 60);
    let transport = skewed_server(server);
    let config = skew_config(&transport, local, true);
    let client = ProductClient::new(&config, &ECS);

    // A write: the refused request did nothing, so correcting and re-sending is safe.
    let output = client.call(&Write::new("i-1")).await.unwrap();
    assert_eq!(output.request_id, "RID-OK");
    let requests = transport.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0].param("Timestamp"),
        Some(format_timestamp(local))
    );
    assert_eq!(
        requests[1].param("Timestamp"),
        Some(format_timestamp(server))
    );
    assert_ne!(
        requests[0].param("SignatureNonce"),
        requests[1].param("SignatureNonce")
    );
    assert_eq!(config.clock_offset_millis(), 20 * 60 * 1000);

    // The offset is kept: the next call is right the first time, also from another client
    // built from the same config.
    let other = ProductClient::new(&config, &CMS);
    other.call(&Read::new("i-1")).await.unwrap();
    assert_eq!(transport.requests().len(), 3);
}

#[tokio::test]
async fn clock_skew_without_correction_explains_the_skew() {
    let local = SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_164_645);
    let server = local + Duration::from_secs(20 * 60);
    let transport = skewed_server(server);
    let client = ProductClient::new(&skew_config(&transport, local, false), &ECS);
    let err = client.call(&Write::new("i-1")).await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidTimeStamp.Expired"));
    let skew = err.as_service_error().unwrap().clock_skew();
    assert_eq!(skew, Some(Duration::from_secs(20 * 60)));
    assert!(err.to_string().contains("1200s away"), "{err}");
    assert_eq!(transport.requests().len(), 1);
}

#[tokio::test]
async fn clock_skew_correction_is_tried_only_once_per_call() {
    // A server that always refuses (its Date says it agrees with us, yet it refuses).
    let transport = CaptureTransport::responding(
        400,
        r#"{"Code":"InvalidTimeStamp.Expired","Message":"expired"}"#,
    );
    let local = SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_164_645);
    transport.push(
        CannedReply::response(
            400,
            r#"{"Code":"InvalidTimeStamp.Expired","Message":"expired"}"#,
        )
        .header("Date", &httpdate::fmt_http_date(local)),
    );
    let client = ProductClient::new(&skew_config(&transport, local, true), &ECS);
    let err = client.call(&Write::new("i-1")).await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidTimeStamp.Expired"));
    assert_eq!(err.attempts(), 2);
    assert_eq!(transport.requests().len(), 2);
}
