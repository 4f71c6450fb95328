//! Fixtures shared by the micro benchmarks (`benches/micro.rs`, criterion) and the end-to-end
//! bench binary (`src/bin/e2e.rs`): the inputs every benchmark and its baseline are measured on,
//! so both sides of a ratio see the same bytes.
//!
//! Run everything with `cargo xtask bench`; see `BENCHMARKS.md` at the repository root.

use std::time::{Duration, UNIX_EPOCH};

use aliyun_core::transport::{HttpRequest, HttpResponse, HttpTransport, TransportError};
use aliyun_core::{Config, Credentials, RetryPolicy};
use bytes::Bytes;
use futures_util::future::BoxFuture;

/// The AccessKeyId the benchmarks sign with (a realistic length).
pub const ACCESS_KEY_ID: &str = "LTAI5tBenchmarkAccessKey1";
/// The AccessKeySecret the benchmarks sign with (30 characters, as Alibaba Cloud issues them).
pub const ACCESS_KEY_SECRET: &str = "bEnChMaRkSeCrEtbEnChMaRkSeCrEt";
/// The region every call goes to.
pub const REGION: &str = "cn-hangzhou";
/// The nonce the pure signing benchmarks use (a real call draws a fresh one).
pub const NONCE: &str = "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf";
/// The body the loopback server and the no-op transport answer with.
pub const SUCCESS_BODY: &str = r#"{"RequestId":"928E2273-5715-46B9-A730-238DC996A533"}"#;

/// The signing time the pure signing benchmarks use.
pub fn timestamp() -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_704_164_645)
}

/// The credentials every benchmark signs with.
pub fn credentials() -> Credentials {
    Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET)
}

/// `count` instance ids of the real shape (`i-bp1` and 17 more characters).
pub fn instance_ids(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("i-bp1{i:017}")).collect()
}

/// The wire parameters of `InstallCloudAssistant` with `ids`, plus `Action`, `Version` and
/// `Format`: what the executor hands the V1 signer.
pub fn install_cloud_assistant_params(ids: &[String]) -> Vec<(String, String)> {
    let mut params = vec![("RegionId".to_owned(), REGION.to_owned())];
    for (i, id) in ids.iter().enumerate() {
        params.push((format!("InstanceId.{}", i + 1), id.clone()));
    }
    params.push(("Action".to_owned(), "InstallCloudAssistant".to_owned()));
    params.push(("Version".to_owned(), "2014-05-26".to_owned()));
    params.push(("Format".to_owned(), "JSON".to_owned()));
    params
}

/// Borrowed pairs, as the signer takes them.
pub fn borrowed(params: &[(String, String)]) -> Vec<(&str, &str)> {
    params
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect()
}

/// A `DescribeCloudAssistantStatus` answer listing `count` instances, in the service's shape
/// (wrapped list, booleans as strings, every field present).
pub fn describe_status_body(count: usize) -> Vec<u8> {
    let mut body = String::with_capacity(300 * count + 200);
    body.push_str(r#"{"RequestId":"2B2D4A9F-4E0A-4F4C-9A2C-6D4A0B0A2B1C","TotalCount":"#);
    body.push_str(&count.to_string());
    body.push_str(r#","PageNumber":1,"PageSize":"#);
    body.push_str(&count.to_string());
    body.push_str(
        r#","NextToken":"AAAAAdDWBF2","InstanceCloudAssistantStatusSet":{"InstanceCloudAssistantStatus":["#,
    );
    for (i, id) in instance_ids(count).iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        let (os, installed) = if i % 3 == 0 {
            ("Windows", "false")
        } else {
            ("Linux", "true")
        };
        body.push_str(&format!(
            r#"{{"InstanceId":"{id}","CloudAssistantStatus":"{installed}","CloudAssistantVersion":"2.2.3.{i}","OSType":"{os}","LastHeartbeatTime":"2024-01-02T03:04:05Z","LastInvokedTime":"2024-01-02T03:00:00Z","ActiveTaskCount":{},"InvocationCount":{},"SupportSessionManager":true}}"#,
            i % 4,
            i * 7
        ));
    }
    body.push_str("]}}");
    body.into_bytes()
}

/// A transport that sends nothing and answers every request at once with a fixed response:
/// a call through it costs exactly the SDK's own CPU work.
#[derive(Debug, Clone)]
pub struct NoopTransport {
    body: Bytes,
}

impl NoopTransport {
    /// Answers `200` with `body`.
    pub fn new(body: impl Into<Bytes>) -> Self {
        NoopTransport { body: body.into() }
    }
}

impl HttpTransport for NoopTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        drop(request);
        Box::pin(std::future::ready(Ok(HttpResponse {
            status: 200,
            headers: http::HeaderMap::new(),
            body: self.body.clone(),
        })))
    }
}

/// A config calling through `transport` with fixed credentials, no retries.
pub fn config_with_transport(transport: impl HttpTransport + 'static) -> Config {
    Config::builder()
        .region(REGION)
        .credentials_provider(credentials())
        .retry_policy(RetryPolicy::disabled())
        .transport(transport)
        .build()
        .unwrap_or_else(|e| panic!("the benchmark configuration is valid: {e}"))
}

/// Peak and current resident set size of this process, in KiB (`VmHWM`, `VmRSS` of
/// `/proc/self/status`); zeros where that file does not exist.
pub fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}
