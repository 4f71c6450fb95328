//! Untyped calls go through the same executor as generated actions: wire form, signing, retries
//! and error mapping.

mod executor_support;

use aliyun_core::retry::RetryPolicy;
use aliyun_core::testing::CaptureTransport;
use aliyun_core::{Error, HttpMethod, ParamLocation, ProductClient};
use executor_support::*;

fn client(transport: &CaptureTransport) -> ProductClient {
    ProductClient::new(&config_with(transport, RetryPolicy::default()), &ECS)
}

#[tokio::test]
async fn sends_the_parameters_as_given_and_returns_the_json_body() {
    let transport = CaptureTransport::responding(
        200,
        r#"{"RequestId":"R1","Regions":{"Region":[{"RegionId":"cn-hangzhou"}]}}"#,
    );
    let body = client(&transport)
        .untyped_call("DescribeRegions")
        .param("AcceptLanguage", "en-US")
        .param("Tag.1.Key", "env")
        .param("DryRun", false)
        .param("PageSize", 50)
        .send()
        .await
        .unwrap();
    assert_eq!(body["Regions"]["Region"][0]["RegionId"], "cn-hangzhou");
    let request = transport.last_request().unwrap();
    request.assert_sent(
        "POST",
        &[
            ("AcceptLanguage", "en-US"),
            ("DryRun", "false"),
            ("PageSize", "50"),
            ("Tag.1.Key", "env"),
        ],
    );
    assert_eq!(request.param("Action").as_deref(), Some("DescribeRegions"));
    assert_eq!(request.param("Version").as_deref(), Some("2014-05-26"));
    assert!(request.param("Signature").is_some(), "signed like any call");
}

#[tokio::test]
async fn version_method_and_form_body_can_be_chosen() {
    let transport = CaptureTransport::new();
    client(&transport)
        .untyped_call("PutCustomMetric")
        .version("2019-01-01")
        .method(HttpMethod::Post)
        .param_location(ParamLocation::FormBody)
        .param("MetricList.1.MetricName", "cpu")
        .send()
        .await
        .unwrap();
    let request = transport.last_request().unwrap();
    assert_eq!(request.param("Version").as_deref(), Some("2019-01-01"));
    assert!(
        !request.url.contains("MetricList"),
        "action parameters travel in the body: {}",
        request.url
    );
    assert_eq!(
        request.param("MetricList.1.MetricName").as_deref(),
        Some("cpu")
    );

    client(&transport)
        .untyped_call("DescribeRegions")
        .method(HttpMethod::Get)
        .send()
        .await
        .unwrap();
    assert_eq!(transport.last_request().unwrap().method, "GET");
}

#[tokio::test]
async fn service_errors_are_mapped_like_generated_actions() {
    let transport = CaptureTransport::responding(
        404,
        r#"{"RequestId":"R404","Code":"InvalidInstanceId.NotFound","Message":"nope"}"#,
    );
    let error = client(&transport)
        .untyped_call("RebootInstance")
        .param("InstanceId", "i-missing")
        .send()
        .await
        .unwrap_err();
    let Error::Service(service) = &error else {
        panic!("a service error: {error:?}");
    };
    assert_eq!(service.code(), "InvalidInstanceId.NotFound");
    assert_eq!(service.http_status(), 404);
    assert_eq!(service.request_id(), Some("R404"));
}

#[tokio::test]
async fn a_body_that_is_not_json_is_an_unreadable_response() {
    let transport = CaptureTransport::responding(200, "<html>proxy</html>");
    let error = client(&transport)
        .untyped_call("DescribeRegions")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Response(_)), "{error:?}");
}

#[tokio::test(start_paused = true)]
async fn throttling_is_retried_and_writes_are_not_repeated_after_an_internal_error() {
    let transport = CaptureTransport::responding(200, OK);
    transport.push_response(400, throttled());
    let body = client(&transport)
        .untyped_call("InstallThing")
        .send()
        .await
        .unwrap();
    assert_eq!(body["RequestId"], "RID-OK");
    assert_eq!(transport.request_count(), 2, "throttling is retried");

    let transport = CaptureTransport::responding(200, OK);
    transport.push_response(500, r#"{"RequestId":"R","Code":"InternalError"}"#);
    let error = client(&transport)
        .untyped_call("InstallThing")
        .send()
        .await
        .unwrap_err();
    assert_eq!(transport.request_count(), 1, "a write is not sent again");
    assert_eq!(error.code(), Some("InternalError"), "{error:?}");

    let transport = CaptureTransport::responding(200, OK);
    transport.push_response(500, r#"{"RequestId":"R","Code":"InternalError"}"#);
    client(&transport)
        .untyped_call("DescribeThing")
        .idempotent(true)
        .send()
        .await
        .unwrap();
    assert_eq!(transport.request_count(), 2, "an idempotent call is");
}

#[test]
fn debug_shows_parameter_names_but_no_values() {
    let transport = CaptureTransport::new();
    let call = client(&transport)
        .untyped_call("ResetPassword")
        .param("Password", "hunter2-secret");
    let shown = format!("{call:?}");
    assert!(shown.contains("Password"), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
}
