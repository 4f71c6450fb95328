//! The wire protocol, below the SDK: hand-signed V1 and V3 requests, every authentication
//! refusal, routing and parameter errors, XML answers, runtime specs, the admin API, and
//! malformed input (fuzzed) that must always get a 4xx in the real error shape.

mod common;

use std::time::{Duration, SystemTime};

use aliyun_core::signer::{self, encoding::percent_encode, new_nonce, v1, v3};
use aliyun_core::{Credentials, HttpTransport as _, ReqwestTransport};
use aliyun_emulator::{AccessKey, Emulator, Instance};
use common::{Raw, dev_key, encode_query, get, post_form, raw, signed_query};
use proptest::prelude::*;

const ECS: [(&str, &str); 2] = [("Version", "2014-05-26"), ("Format", "JSON")];

fn ecs_params<'a>(action: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut params = vec![("Action", action)];
    params.extend(ECS);
    params.extend_from_slice(extra);
    params
}

async fn call(emulator: &Emulator, method: &str, params: &[(&str, &str)]) -> Raw {
    let query = signed_query(method, params, dev_key(), None, SystemTime::now());
    let request = match method {
        "GET" => get(&query),
        _ => post_form(&query, b""),
    };
    raw(emulator.local_addr(), &request)
        .await
        .expect("an answer")
}

fn assert_error_shape(response: &Raw, status: u16, code: &str) {
    assert_eq!(response.status, status, "{}", response.text());
    let body = response.json();
    for key in ["RequestId", "HostId", "Code", "Message", "Recommend"] {
        assert!(body.get(key).is_some(), "{key} missing: {body}");
    }
    assert_eq!(body["Code"], code, "{body}");
    assert!(
        response.header("date").is_some(),
        "every answer carries Date"
    );
    assert_eq!(
        response.header("x-acs-request-id"),
        body["RequestId"].as_str()
    );
}

#[tokio::test]
async fn hand_signed_v1_like_the_official_sdks() {
    let emulator = Emulator::start().await.unwrap();
    let (id, secret) = dev_key();
    // What aliyun-python-sdk-core sends: an empty SignatureType and Python booleans.
    let timestamp = signer::format_timestamp(SystemTime::now());
    let nonce = new_nonce();
    let mut params = vec![
        ("AccessKeyId", id),
        ("Action", "NodeInstall"),
        ("Force", "True"),
        ("Format", "JSON"),
        ("InstanceId", "i-emu000001"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", nonce.as_str()),
        ("SignatureType", ""),
        ("SignatureVersion", "1.0"),
        ("Timestamp", timestamp.as_str()),
        ("UserId", "1234567890"),
        ("Version", "2017-03-01"),
    ];
    let string_to_sign = v1::string_to_sign("GET", &v1::canonicalized_query(&params));
    let signature = v1::signature(secret, &string_to_sign);
    params.push(("Signature", &signature));
    let response = raw(emulator.local_addr(), &get(&encode_query(&params)))
        .await
        .unwrap();
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.json()["Success"], true);
    let logged = &emulator.requests()[0];
    assert_eq!(logged.param("SignatureType"), Some(""));
    assert_eq!(logged.param("Force"), Some("True"));
    assert_eq!(logged.param("Signature"), None);
    assert_eq!(logged.access_key_id.as_deref(), Some(id));

    // POST with parameters in the query and an empty body, as the SDKs send ECS actions.
    let response = call(
        &emulator,
        "POST",
        &ecs_params(
            "InstallCloudAssistant",
            &[("RegionId", "cn-hangzhou"), ("InstanceId.1", "i-emu000002")],
        ),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text());
    // And with the action parameters in a form body.
    let params = ecs_params("RebootInstance", &[("InstanceId", "i-emu000002")]);
    let query = signed_query("POST", &params, dev_key(), None, SystemTime::now());
    let (common, form): (Vec<&str>, Vec<&str>) = query
        .split('&')
        .partition(|p| !p.starts_with("InstanceId="));
    let response = raw(
        emulator.local_addr(),
        &post_form(&common.join("&"), form.join("&").as_bytes()),
    )
    .await
    .unwrap();
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(emulator.instance("i-emu000002").unwrap().reboots, 1);
}

#[tokio::test]
async fn authentication_refusals() {
    let emulator = Emulator::builder()
        .access_key("LTAIgood", "good-secret")
        .sts_key("STS.good", "sts-secret", "the-token")
        .key(
            AccessKey::sts("STS.old", "old-secret", "old-token").expires_at(SystemTime::UNIX_EPOCH),
        )
        .start()
        .await
        .unwrap();
    let addr = emulator.local_addr();
    let params = ecs_params(
        "DescribeCloudAssistantStatus",
        &[("RegionId", "cn-hangzhou")],
    );
    let now = SystemTime::now();
    let send = |query: String| async move { raw(addr, &post_form(&query, b"")).await.unwrap() };

    let ok = send(signed_query(
        "POST",
        &params,
        ("LTAIgood", "good-secret"),
        None,
        now,
    ))
    .await;
    assert_eq!(ok.status, 200, "{}", ok.text());

    // Wrong secret: the message quotes the server's string to sign, which equals ours.
    let wrong = send(signed_query(
        "POST",
        &params,
        ("LTAIgood", "bad"),
        None,
        now,
    ))
    .await;
    assert_error_shape(&wrong, 400, "SignatureDoesNotMatch");
    let message = wrong.json()["Message"].as_str().unwrap().to_owned();
    let (_, server) = message.split_once("server string to sign is:").unwrap();
    assert!(
        server
            .starts_with("POST&%2F&AccessKeyId%3DLTAIgood%26Action%3DDescribeCloudAssistantStatus")
    );
    assert!(!message.contains("good-secret"));

    let unknown = send(signed_query(
        "POST",
        &params,
        ("LTAInobody", "x"),
        None,
        now,
    ))
    .await;
    assert_error_shape(&unknown, 404, "InvalidAccessKeyId.NotFound");

    // A reused nonce.
    let query = signed_query("POST", &params, ("LTAIgood", "good-secret"), None, now);
    assert_eq!(send(query.clone()).await.status, 200);
    assert_error_shape(&send(query).await, 400, "SignatureNonceUsed");

    // Timestamps: 16 minutes old, badly formatted.
    let old = now - Duration::from_secs(16 * 60);
    let expired = send(signed_query(
        "POST",
        &params,
        ("LTAIgood", "good-secret"),
        None,
        old,
    ))
    .await;
    assert_error_shape(&expired, 400, "InvalidTimeStamp.Expired");
    let mut odd = params.clone();
    odd.push(("Timestamp", "yesterday"));
    let credentials = Credentials::new("LTAIgood", "good-secret");
    let nonce = new_nonce();
    let mut signed: Vec<(String, String)> = v1::sign(&v1::V1Request {
        method: "POST",
        params: &params,
        credentials: &credentials,
        timestamp: now,
        nonce: &nonce,
    })
    .params()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for (k, v) in &mut signed {
        if k == "Timestamp" {
            *v = "yesterday".into();
        }
    }
    let pairs: Vec<(&str, &str)> = signed
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_error_shape(
        &send(encode_query(&pairs)).await,
        400,
        "InvalidTimeStamp.Format",
    );

    // Missing signature parameters.
    for drop in [
        "Signature",
        "SignatureNonce",
        "AccessKeyId",
        "Timestamp",
        "SignatureMethod",
    ] {
        let query = signed_query("POST", &params, ("LTAIgood", "good-secret"), None, now);
        let kept: Vec<&str> = query
            .split('&')
            .filter(|p| !p.starts_with(&format!("{drop}=")))
            .collect();
        let response = send(kept.join("&")).await;
        assert_error_shape(&response, 400, "IncompleteSignature");
        assert!(response.json()["Message"].as_str().unwrap().contains(drop));
    }

    // STS tokens.
    let sts = ("STS.good", "sts-secret");
    assert_eq!(
        send(signed_query("POST", &params, sts, Some("the-token"), now))
            .await
            .status,
        200
    );
    assert_error_shape(
        &send(signed_query("POST", &params, sts, Some("other"), now)).await,
        400,
        "InvalidSecurityToken.MismatchWithAccessKey",
    );
    assert_error_shape(
        &send(signed_query("POST", &params, sts, None, now)).await,
        400,
        "MissingSecurityToken",
    );
    assert_error_shape(
        &send(signed_query(
            "POST",
            &params,
            ("LTAIgood", "good-secret"),
            Some("t"),
            now,
        ))
        .await,
        400,
        "InvalidSecurityToken.MismatchWithAccessKey",
    );
    assert_error_shape(
        &send(signed_query(
            "POST",
            &params,
            ("STS.old", "old-secret"),
            Some("old-token"),
            now,
        ))
        .await,
        400,
        "InvalidSecurityToken.Expired",
    );
    let json = serde_json::to_string(&emulator.requests()).unwrap();
    for secret in ["the-token", "good-secret", "sts-secret", "old-token"] {
        assert!(!json.contains(secret), "{secret} leaked into the log");
    }
}

#[tokio::test]
async fn clock_offset_and_date_header() {
    let emulator = Emulator::start().await.unwrap();
    emulator.set_clock_offset_secs(-20 * 60);
    let params = ecs_params(
        "DescribeCloudAssistantStatus",
        &[("RegionId", "cn-hangzhou")],
    );
    let response = call(&emulator, "POST", &params).await;
    assert_error_shape(&response, 400, "InvalidTimeStamp.Expired");
    let date = httpdate::parse_http_date(response.header("date").unwrap()).unwrap();
    let behind = SystemTime::now().duration_since(date).unwrap();
    assert!(behind >= Duration::from_secs(19 * 60), "{behind:?}");
    emulator.set_clock_offset_secs(0);
    assert_eq!(call(&emulator, "POST", &params).await.status, 200);
}

#[tokio::test]
async fn routing_and_parameter_errors() {
    let emulator = Emulator::start().await.unwrap();
    // Parameters, status, code, and what the message names.
    type Case<'a> = (Vec<(&'a str, &'a str)>, u16, &'a str, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (
            vec![("Version", "2014-05-26")],
            400,
            "MissingParameter",
            "Action",
        ),
        (
            vec![("Action", "RebootInstance")],
            400,
            "MissingParameter",
            "Version",
        ),
        (
            vec![("Action", "RebootInstance"), ("Version", "1999-01-01")],
            400,
            "InvalidVersion",
            "",
        ),
        (
            ecs_params("DeleteEverything", &[]),
            404,
            "InvalidAction.NotFound",
            "",
        ),
        (
            ecs_params("RebootInstance", &[]),
            400,
            "MissingParameter",
            "InstanceId",
        ),
        (
            ecs_params(
                "DescribeCloudAssistantStatus",
                &[("RegionId", "cn-hangzhou"), ("PageSize", "51")],
            ),
            400,
            "InvalidParameter",
            "PageSize",
        ),
        (
            ecs_params(
                "RebootInstance",
                &[("InstanceId", "i-emu000001"), ("DryRun", "maybe")],
            ),
            400,
            "InvalidParameter",
            "DryRun",
        ),
        (
            vec![
                ("Action", "RebootInstance"),
                ("Version", "2014-05-26"),
                ("Format", "YAML"),
            ],
            400,
            "InvalidParameter",
            "Format",
        ),
    ];
    for (params, status, code, named) in cases {
        let response = call(&emulator, "GET", &params).await;
        assert_error_shape(&response, status, code);
        let message = response.json()["Message"].as_str().unwrap().to_owned();
        assert!(message.contains(named), "{code}: {message}");
    }
    // A dry run refused on the wire as the SDK would see it.
    let response = call(
        &emulator,
        "POST",
        &ecs_params(
            "RebootInstance",
            &[("InstanceId", "i-emu000001"), ("DryRun", "true")],
        ),
    )
    .await;
    assert_error_shape(&response, 400, "DryRunOperation");
}

#[tokio::test]
async fn xml_answers_through_reqwest() {
    let emulator = Emulator::start().await.unwrap();
    let transport = ReqwestTransport::new().unwrap();
    let send = |params: Vec<(&'static str, &'static str)>| {
        let query = signed_query("POST", &params, dev_key(), None, SystemTime::now());
        transport.send(aliyun_core::transport::HttpRequest {
            method: http::Method::POST,
            url: format!("{}/?{query}", emulator.base_url()),
            headers: http::HeaderMap::new(),
            body: Default::default(),
        })
    };
    let xml = [
        ("Action", "InstallCloudAssistant"),
        ("Version", "2014-05-26"),
        ("Format", "XML"),
    ];
    let mut params = xml.to_vec();
    params.extend([("RegionId", "cn-hangzhou"), ("InstanceId.1", "i-emu000001")]);
    let response = send(params).await.unwrap();
    let text = String::from_utf8_lossy(&response.body).into_owned();
    assert_eq!(response.status, 200, "{text}");
    assert!(
        response.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/xml")
    );
    assert!(text.starts_with("<?xml"), "{text}");
    assert!(
        text.contains("<InstallCloudAssistantResponse><RequestId>"),
        "{text}"
    );

    let mut params = xml.to_vec();
    params.extend([("RegionId", "cn-hangzhou"), ("InstanceId.1", "i-nope")]);
    let response = send(params).await.unwrap();
    let text = String::from_utf8_lossy(&response.body).into_owned();
    assert_eq!(response.status, 404, "{text}");
    assert!(
        text.contains("<Error>") && text.contains("<Code>InvalidInstance.NotFound</Code>"),
        "{text}"
    );

    let mut params = vec![
        ("Action", "DescribeCloudAssistantStatus"),
        ("Version", "2014-05-26"),
        ("Format", "XML"),
    ];
    params.extend([("RegionId", "cn-hangzhou"), ("InstanceId.1", "i-emu000001")]);
    let text = String::from_utf8_lossy(&send(params).await.unwrap().body).into_owned();
    // Wrapped lists become nested elements; the wire type ("false" as text) is kept.
    for piece in [
        "<InstanceCloudAssistantStatusSet><InstanceCloudAssistantStatus>",
        "<CloudAssistantStatus>false</CloudAssistantStatus>",
        "<InstanceId>i-emu000001</InstanceId>",
        "</InstanceCloudAssistantStatus></InstanceCloudAssistantStatusSet>",
    ] {
        assert!(text.contains(piece), "{piece} not in {text}");
    }
}

const TINY_SPEC: &str = r#"
product:
  code: Tiny
  name: Tiny Service
  api_version: "2099-01-01"
  crate: aliyun-tiny
  signature: v1
  method: GET
  endpoints:
    regional: "tiny.{region}.aliyuncs.com"
    central: tiny.aliyuncs.com
  doc: A made-up product served only from this test.
actions:
  DescribeThings:
    doc: Lists things.
    idempotent: true
    params:
      - name: Kind
        type: enum
        ref: Kind
        required: true
        doc: The kind.
    response:
      fields:
        - name: RequestId
          type: string
          doc: The request id.
        - name: Things
          type: list
          wrapper: Thing
          items:
            type: string
          doc: The things.
      example:
        RequestId: 00000000-0000-4000-8000-000000000000
        Things:
          Thing: [a, b]
    tests:
      requests:
        - name: one
          params:
            Kind: big
          expect:
            wire:
              Kind: big
      responses:
        - name: ok
          status: 200
          body: '{"RequestId":"R"}'
          expect:
            output:
              RequestId: R
types:
  Kind:
    kind: enum
    doc: Kinds.
    values:
      - value: big
      - value: small
"#;

#[tokio::test]
async fn runtime_specs_are_served_from_their_examples() {
    let emulator = Emulator::builder()
        .spec("tiny.yaml", TINY_SPEC)
        .spec(
            "fixture.yaml",
            include_str!("../../codegen/fixture/spec.yaml"),
        )
        .start()
        .await
        .unwrap();
    let tiny = |kind: &'static str| {
        vec![
            ("Action", "DescribeThings"),
            ("Version", "2099-01-01"),
            ("Format", "JSON"),
            ("Kind", kind),
        ]
    };
    let response = call(&emulator, "GET", &tiny("big")).await;
    assert_eq!(response.status, 200, "{}", response.text());
    let body = response.json();
    assert_eq!(body["Things"], serde_json::json!({"Thing": ["a", "b"]}));
    assert_ne!(body["RequestId"], "00000000-0000-4000-8000-000000000000");
    assert_eq!(
        body["RequestId"].as_str(),
        response.header("x-acs-request-id")
    );
    assert_error_shape(
        &call(&emulator, "GET", &tiny("huge")).await,
        400,
        "InvalidParameter",
    );

    // The fixture: signature V3 with a form body.
    let body = encode_query(&[
        ("RegionId", "cn-hangzhou"),
        ("Name", "my-widget"),
        ("ZoneId.1", "cn-hangzhou-h"),
        ("Tag.1.Key", "env"),
    ]);
    let host = emulator.local_addr().to_string();
    let nonce = new_nonce();
    let sign = |secret: &str| {
        let credentials = Credentials::new(dev_key().0, secret);
        v3::sign(&v3::V3Request {
            method: "POST",
            host: &host,
            path: "/",
            query: &[],
            action: "CreateWidget",
            version: "2020-01-01",
            body: body.as_bytes(),
            content_type: Some("application/x-www-form-urlencoded"),
            credentials: &credentials,
            timestamp: SystemTime::now(),
            nonce: &nonce,
        })
    };
    let request = |signed: &v3::SignedV3| {
        let mut out = "POST / HTTP/1.1\r\nConnection: close\r\n".to_owned();
        for (name, value) in signed.headers() {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
        out.into_bytes()
    };
    let wrong = sign("wrong");
    let response = raw(emulator.local_addr(), &request(&wrong)).await.unwrap();
    assert_error_shape(&response, 400, "SignatureDoesNotMatch");
    let message = response.json()["Message"].as_str().unwrap().to_owned();
    assert!(message.ends_with(wrong.string_to_sign()), "{message}");

    let signed = sign(dev_key().1);
    let response = raw(emulator.local_addr(), &request(&signed)).await.unwrap();
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.json()["WidgetId"], "w-1");
    let logged = emulator.requests().pop().unwrap();
    assert_eq!(logged.signature_version.as_deref(), Some("v3"));
    assert_eq!(logged.nonce.as_deref(), Some(nonce.as_str()));
    assert_eq!(logged.param("Name"), Some("my-widget"));
    // The same request again: the nonce was used.
    let response = raw(emulator.local_addr(), &request(&signed)).await.unwrap();
    assert_error_shape(&response, 400, "SignatureNonceUsed");
}

#[tokio::test]
async fn admin_api() {
    let emulator = Emulator::builder()
        .instance(Instance::new("i-extra").region("cn-beijing"))
        .start()
        .await
        .unwrap();
    let addr = emulator.local_addr();
    let admin = |method: &str, path: &str, body: &str| {
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        async move { raw(addr, request.as_bytes()).await.unwrap() }
    };

    assert_eq!(
        admin("GET", "/_emulator/health", "").await.json()["status"],
        "ok"
    );
    let config = admin("GET", "/_emulator/config", "").await.json();
    assert!(
        config["products"].as_array().unwrap().len() >= 2,
        "{config}"
    );
    assert_eq!(
        config["access_key_ids"][0],
        aliyun_emulator::DEFAULT_ACCESS_KEY_ID
    );

    let added = admin(
        "POST",
        "/_emulator/faults",
        "throttling:action=RebootInstance,times=1",
    )
    .await;
    assert_eq!(added.status, 200, "{}", added.text());
    let json = r#"{"kind": "latency", "ms": 1, "instance": "i-extra"}"#;
    assert_eq!(admin("POST", "/_emulator/faults", json).await.status, 200);
    assert_eq!(
        admin("POST", "/_emulator/faults", "nonsense").await.status,
        400
    );
    let faults = admin("GET", "/_emulator/faults", "").await.json();
    assert_eq!(faults.as_array().unwrap().len(), 2, "{faults}");
    assert_eq!(
        faults[0]["spec"],
        "throttling:code=Throttling.User,action=RebootInstance,times=1"
    );

    let response = call(
        &emulator,
        "POST",
        &ecs_params("RebootInstance", &[("InstanceId", "i-emu000001")]),
    )
    .await;
    assert_error_shape(&response, 400, "Throttling.User");
    let log = admin("GET", "/_emulator/requests?action=RebootInstance", "")
        .await
        .json();
    assert_eq!(log[0]["outcome"], "fault");
    assert_eq!(log[0]["code"], "Throttling.User");
    assert!(log[0]["params"].get("Signature").is_none());
    let id = faults[1]["id"].as_u64().unwrap();
    assert_eq!(
        admin("DELETE", &format!("/_emulator/faults/{id}"), "")
            .await
            .status,
        200
    );
    assert_eq!(
        admin("DELETE", &format!("/_emulator/faults/{id}"), "")
            .await
            .status,
        404
    );
    assert_eq!(admin("DELETE", "/_emulator/faults", "").await.status, 200);

    let instance = admin("GET", "/_emulator/instances/i-extra", "")
        .await
        .json();
    assert_eq!(instance["region"], "cn-beijing");
    let added = admin("POST", "/_emulator/instances", "i-x{1..3},status=Stopped")
        .await
        .json();
    assert_eq!(added["ids"].as_array().unwrap().len(), 3);
    let json = r#"{"id": "i-json", "os_type": "Windows", "cms_install_failure": "always"}"#;
    assert_eq!(
        admin("POST", "/_emulator/instances", json).await.status,
        200
    );
    assert_eq!(emulator.instance("i-json").unwrap().os_type, "Windows");
    assert_eq!(
        admin("DELETE", "/_emulator/instances/i-json", "")
            .await
            .status,
        200
    );
    assert_eq!(
        admin("GET", "/_emulator/instances/i-json", "").await.status,
        404
    );

    let clock = admin("PUT", "/_emulator/clock", r#"{"offset_secs": 1200}"#)
        .await
        .json();
    assert_eq!(clock["offset_secs"], 1200);
    assert_eq!(emulator.clock_offset_secs(), 1200);
    assert_eq!(admin("PUT", "/_emulator/clock", "{}").await.status, 400);

    assert_eq!(admin("POST", "/_emulator/reset", "").await.status, 200);
    assert_eq!(emulator.clock_offset_secs(), 0);
    assert!(emulator.instance("i-x1").is_none());
    assert!(
        emulator.requests().is_empty(),
        "admin calls are not logged, the log was reset"
    );
    assert_eq!(admin("GET", "/_emulator/nothing", "").await.status, 404);
    emulator.shutdown().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "nothing listens after a shutdown"
    );
}

#[tokio::test]
async fn malformed_requests_get_4xx_in_the_real_shape() {
    let emulator = Emulator::start().await.unwrap();
    let addr = emulator.local_addr();
    let query = signed_query(
        "GET",
        &[
            ("Action", "NodeStatus"),
            ("Version", "2017-03-01"),
            ("Format", "JSON"),
            ("InstanceId", "i-emu000001"),
        ],
        dev_key(),
        None,
        SystemTime::now(),
    );
    let cases: Vec<(Vec<u8>, u16)> = vec![
        (get("Action=%zz"), 400),
        (get("Action=%FF%FE"), 400),
        (get(&format!("{query}&InstanceId=i-emu000002")), 400),
        (get(&format!("{query}&=x")), 400),
        (get(&format!("A={}", "x".repeat(40 * 1024))), 414),
        (post_form("Action=NodeStatus", b"Version=\xff\xfe"), 400),
        // A declared body over the limit is refused before it is read (so nothing is sent).
        (
            b"POST /?Action=NodeStatus HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 2097152\r\n\r\n"
                .to_vec(),
            413,
        ),
        (
            format!("PUT /?{query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").into_bytes(),
            405,
        ),
        (get(""), 400),
    ];
    for (request, status) in cases {
        let response = raw(addr, &request).await.expect("an answer");
        assert_eq!(response.status, status, "{}", response.text());
        let body = response.json();
        assert!(
            body["Code"].is_string() && body["RequestId"].is_string(),
            "{body}"
        );
    }
    // Past the HTTP layer's own limit (the http crate caps URIs at 64 KiB): still a 4xx.
    let response = raw(addr, &get(&format!("A={}", "x".repeat(200 * 1024)))).await;
    assert!(response.is_none_or(|r| (400..500).contains(&r.status)));
    // Not HTTP at all.
    let response = raw(addr, b"\x00\x01\x02 hello\r\n\r\n").await;
    assert!(response.is_none_or(|r| (400..500).contains(&r.status)));
    // The emulator is still fine.
    assert_eq!(raw(addr, &get(&query)).await.unwrap().status, 200);
    let log = emulator.requests();
    assert!(
        log.iter()
            .any(|r| r.error_code() == Some("InvalidParameter"))
    );
}

/// A request target from arbitrary bytes: URI-safe bytes kept (so stray `%`, `&`, `=` and `+`
/// appear as such), every other byte percent-encoded (so any decoded byte, invalid UTF-8
/// included, can arrive).
fn target(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"%&=+.-_~*:".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn check_fuzzed(response: Option<Raw>) -> Result<(), TestCaseError> {
    if let Some(response) = response {
        prop_assert!(
            (400..500).contains(&response.status),
            "status {}: {}",
            response.status,
            response.text()
        );
        if !response.body.is_empty() {
            let body: serde_json::Value = serde_json::from_slice(&response.body)
                .map_err(|e| TestCaseError::fail(format!("{e}: {}", response.text())))?;
            prop_assert!(body["Code"].is_string(), "{}", body);
        }
    }
    Ok(())
}

#[test]
fn fuzzed_requests_never_crash_the_emulator() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let emulator = runtime.block_on(Emulator::start()).unwrap();
    let addr = emulator.local_addr();
    let config = ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(
        query in proptest::collection::vec(any::<u8>(), 0..400),
        body in proptest::collection::vec(any::<u8>(), 0..400),
        garbage in proptest::collection::vec(any::<u8>(), 0..200),
        valid_prefix in any::<bool>(),
    )| {
        let mut q = target(&query);
        if valid_prefix {
            q = format!("Action=NodeStatus&Version=2017-03-01&AccessKeyId={}&{q}", percent_encode(dev_key().0));
        }
        check_fuzzed(common::raw_blocking(addr, &get(&q)))?;
        check_fuzzed(common::raw_blocking(addr, &post_form(&q, &body)))?;
        check_fuzzed(common::raw_blocking_then_eof(addr, &garbage))?;
    });
    // Still serving.
    let query = signed_query(
        "GET",
        &[
            ("Action", "NodeStatus"),
            ("Version", "2017-03-01"),
            ("Format", "JSON"),
            ("InstanceId", "i-emu000001"),
        ],
        dev_key(),
        None,
        SystemTime::now(),
    );
    assert_eq!(
        common::raw_blocking(addr, &get(&query)).unwrap().status,
        200
    );
    drop(emulator);
}

#[tokio::test]
async fn v3_query_requests_and_sts_tokens() {
    let emulator = Emulator::start().await.unwrap();
    let host = emulator.local_addr().to_string();
    let query = [("RegionId", "cn-hangzhou"), ("InstanceId.1", "i-emu000001")];
    let sign = |credentials: &Credentials| {
        let nonce = new_nonce();
        v3::sign(&v3::V3Request {
            method: "POST",
            host: &host,
            path: "/",
            query: &query,
            action: "DescribeCloudAssistantStatus",
            version: "2014-05-26",
            body: b"",
            content_type: None,
            credentials,
            timestamp: SystemTime::now(),
            nonce: &nonce,
        })
    };
    // `edit` may drop or rewrite headers after signing.
    let send = |signed: v3::SignedV3, edit: fn(&str, &str) -> Option<String>| {
        let mut out = format!(
            "POST /?{} HTTP/1.1\r\nConnection: close\r\nContent-Length: 0\r\n",
            signed.query_string()
        );
        for (name, value) in signed.headers() {
            if let Some(value) = edit(name, value) {
                out.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        out.push_str("\r\n");
        let addr = emulator.local_addr();
        async move { raw(addr, out.as_bytes()).await.unwrap() }
    };
    let keep = |_: &str, v: &str| Some(v.to_owned());
    let sts = |token: &str| {
        Credentials::new_sts(
            aliyun_emulator::DEFAULT_STS_ACCESS_KEY_ID,
            aliyun_emulator::DEFAULT_STS_ACCESS_KEY_SECRET,
            token,
            None,
        )
    };

    let ok = send(
        sign(&sts(aliyun_emulator::DEFAULT_STS_SECURITY_TOKEN)),
        keep,
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(ok.json()["TotalCount"], 1);
    let wrong = send(sign(&sts("nope")), keep).await;
    assert_error_shape(&wrong, 400, "InvalidSecurityToken.MismatchWithAccessKey");
    let plain = Credentials::new(dev_key().0, dev_key().1);
    let response = send(sign(&plain), |n, v| {
        (n != "x-acs-date").then(|| v.to_owned())
    })
    .await;
    assert_error_shape(&response, 400, "IncompleteSignature");
    let response = send(sign(&plain), |n, v| {
        Some(if n == "x-acs-action" {
            "RebootInstance".to_owned()
        } else {
            v.to_owned()
        })
    })
    .await;
    // Routed by the header, refused by the signature that covered the original value.
    assert_error_shape(&response, 400, "SignatureDoesNotMatch");
    let response = send(sign(&plain), |n, v| {
        Some(if n == "x-acs-content-sha256" {
            "00".repeat(32)
        } else {
            v.to_owned()
        })
    })
    .await;
    assert_error_shape(&response, 400, "SignatureDoesNotMatch");
    let response = send(sign(&plain), |n, v| {
        Some(if n == "authorization" {
            v.replace("ACS3-HMAC-SHA256", "ACS3-HMAC-MD5")
        } else {
            v.to_owned()
        })
    })
    .await;
    assert_error_shape(&response, 400, "IncompleteSignature");
    let response = send(sign(&plain), |n, v| {
        (n != "authorization").then(|| v.to_owned())
    })
    .await;
    assert_error_shape(&response, 400, "IncompleteSignature");
}
