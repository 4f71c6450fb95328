//! A minimal STS (2015-04-01) client for the two actions credential providers need:
//! `AssumeRole`, signed with V1 by the source credentials, and `AssumeRoleWithOIDC`, unsigned.
//!
//! Request building and response parsing are plain functions so tests can check the signed
//! request and every answer shape without a socket.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use serde::Deserialize;

use super::temporary::TemporaryKeys;
use super::{Credentials, CredentialsError};
use crate::retry;
use crate::signer::{self, encoding::percent_encode_into, v1};
use crate::transport::{HttpRequest, HttpResponse, HttpTransport, TransportErrorKind};

/// The STS API version.
pub const STS_VERSION: &str = "2015-04-01";
/// The central STS endpoint.
pub const DEFAULT_STS_ENDPOINT: &str = "https://sts.aliyuncs.com";
/// How long assumed credentials last unless configured (the STS default, one hour).
pub const DEFAULT_DURATION_SECONDS: u32 = 3600;
/// The shortest duration STS grants.
pub const MIN_DURATION_SECONDS: u32 = 900;

/// The regional STS endpoint for `region` (`https://sts.<region>.aliyuncs.com`), or with
/// `vpc` the VPC one (`https://sts-vpc.<region>.aliyuncs.com`).
pub fn regional_endpoint(region: &str, vpc: bool) -> String {
    if vpc {
        format!("https://sts-vpc.{region}.aliyuncs.com")
    } else {
        format!("https://sts.{region}.aliyuncs.com")
    }
}

/// The STS endpoint from the environment: `ALIBABA_CLOUD_STS_REGION` picks a regional one
/// (the VPC one with `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true`), else the central endpoint.
pub fn endpoint_from_env(env: &crate::env::Environment) -> String {
    endpoint_for(None, false, env)
}

/// The STS endpoint for a configured `region` (else `ALIBABA_CLOUD_STS_REGION`), the VPC one
/// when `vpc` or `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true`; the central endpoint when no region
/// is known. This is how the official libraries choose.
pub fn endpoint_for(region: Option<&str>, vpc: bool, env: &crate::env::Environment) -> String {
    let region = region
        .map(str::to_owned)
        .or_else(|| env.var("ALIBABA_CLOUD_STS_REGION"));
    match region {
        Some(region) => regional_endpoint(
            region.trim(),
            vpc || env
                .var("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true")),
        ),
        None => DEFAULT_STS_ENDPOINT.to_owned(),
    }
}

/// What every `AssumeRole*` action sends: the role, and the session's name, length and
/// narrowing policy. Both role providers hold one and set it through the same builder methods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSession {
    /// `RoleArn`, e.g. `acs:ram::123456789012:role/admin`.
    pub role_arn: String,
    /// `RoleSessionName` (shows up in ActionTrail).
    pub role_session_name: String,
    /// `DurationSeconds`.
    pub duration_seconds: u32,
    /// `Policy`: an optional JSON policy narrowing the role's permissions.
    pub policy: Option<String>,
}

impl RoleSession {
    /// A session of `role_arn` for one hour, named `aliyun-rs-<unix seconds>`.
    pub fn new(role_arn: impl Into<String>) -> Self {
        RoleSession {
            role_arn: role_arn.into(),
            role_session_name: default_session_name(),
            duration_seconds: DEFAULT_DURATION_SECONDS,
            policy: None,
        }
    }

    /// Sets `DurationSeconds`, raised to STS's minimum of 900.
    pub fn set_duration_seconds(&mut self, seconds: u32) {
        self.duration_seconds = seconds.max(MIN_DURATION_SECONDS);
    }

    /// Appends `RoleArn`, `RoleSessionName`, `DurationSeconds` (from `duration`, its text) and
    /// `Policy` if set.
    fn push_params<'a>(&'a self, duration: &'a str, out: &mut Vec<(&'a str, &'a str)>) {
        out.push(("RoleArn", &self.role_arn));
        out.push(("RoleSessionName", &self.role_session_name));
        out.push(("DurationSeconds", duration));
        if let Some(policy) = &self.policy {
            out.push(("Policy", policy));
        }
    }
}

/// `AssumeRole` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRoleParams {
    /// The role and session.
    pub session: RoleSession,
    /// `ExternalId` (`AssumeRoleWithOIDC` has no such parameter).
    pub external_id: Option<String>,
}

/// `AssumeRoleWithOIDC` parameters (the token itself is passed separately, fresh each time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRoleWithOidcParams {
    /// The role and session.
    pub session: RoleSession,
    /// `OIDCProviderArn`.
    pub oidc_provider_arn: String,
}

/// A default role session name: `aliyun-rs-<unix seconds>`, as the official SDKs make one
/// from a timestamp.
pub fn default_session_name() -> String {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    format!("aliyun-rs-{secs}")
}

/// Builds the signed `AssumeRole` request: POST with every parameter in the query string and
/// an empty body, as the official SDKs send RPC actions.
pub fn assume_role_request(
    endpoint: &str,
    source: &Credentials,
    params: &AssumeRoleParams,
    timestamp: SystemTime,
    nonce: &str,
) -> HttpRequest {
    let duration = params.session.duration_seconds.to_string();
    let mut wire: Vec<(&str, &str)> = vec![
        ("Action", "AssumeRole"),
        ("Format", "JSON"),
        ("Version", STS_VERSION),
    ];
    params.session.push_params(&duration, &mut wire);
    if let Some(external_id) = &params.external_id {
        wire.push(("ExternalId", external_id));
    }
    let signed = v1::sign(&v1::V1Request {
        method: "POST",
        params: &wire,
        credentials: source,
        timestamp,
        nonce,
    });
    let mut url = base_url(endpoint);
    signed.write_query_string(&mut url);
    HttpRequest {
        method: http::Method::POST,
        url,
        headers: http::HeaderMap::new(),
        body: Bytes::new(),
    }
}

/// Builds the unsigned `AssumeRoleWithOIDC` request. The OIDC token goes in the form body, not
/// the URL, so it never shows up where URLs are logged.
pub fn assume_role_with_oidc_request(
    endpoint: &str,
    params: &AssumeRoleWithOidcParams,
    oidc_token: &str,
    timestamp: SystemTime,
) -> HttpRequest {
    let mut url = base_url(endpoint);
    url.push_str("Action=AssumeRoleWithOIDC&Format=JSON&Version=");
    url.push_str(STS_VERSION);
    url.push_str("&Timestamp=");
    percent_encode_into(&signer::format_timestamp(timestamp), &mut url);

    let duration = params.session.duration_seconds.to_string();
    let mut form: Vec<(&str, &str)> = vec![
        ("OIDCProviderArn", &params.oidc_provider_arn),
        ("OIDCToken", oidc_token),
    ];
    params.session.push_params(&duration, &mut form);
    let mut body = String::new();
    for (i, (name, value)) in form.iter().enumerate() {
        if i > 0 {
            body.push('&');
        }
        percent_encode_into(name, &mut body);
        body.push('=');
        percent_encode_into(value, &mut body);
    }
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    HttpRequest {
        method: http::Method::POST,
        url,
        headers,
        body: Bytes::from(body),
    }
}

/// `https://host` → `https://host/?`, keeping any path the caller gave.
fn base_url(endpoint: &str) -> String {
    let trimmed = endpoint.trim().trim_end_matches('/');
    let mut url = if trimmed.contains("://") {
        trimmed.to_owned()
    } else {
        format!("https://{trimmed}")
    };
    url.push_str("/?");
    url
}

#[derive(Deserialize)]
struct StsSuccess {
    #[serde(rename = "Credentials")]
    credentials: Option<TemporaryKeys>,
    #[serde(rename = "RequestId")]
    request_id: Option<String>,
}

#[derive(Deserialize, Default)]
struct StsErrorBody {
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(rename = "Message")]
    message: Option<String>,
    #[serde(rename = "RequestId")]
    request_id: Option<String>,
}

/// Turns an STS answer into credentials, or into an error naming the STS code and request id.
///
/// Never echoes a successful body (it holds the secret); error bodies are quoted only when
/// they are not the documented JSON shape, and then only their first 200 bytes.
pub fn parse_response(
    provider: &'static str,
    action: &str,
    response: &HttpResponse,
) -> Result<Credentials, CredentialsError> {
    if (200..300).contains(&response.status) {
        let parsed: StsSuccess = serde_json::from_slice(&response.body).map_err(|e| {
            CredentialsError::rejected(
                provider,
                format!(
                    "STS {action} answered HTTP {} with an unreadable body ({} at line {} column {})",
                    response.status,
                    classify_json_error(&e),
                    e.line(),
                    e.column()
                ),
                false,
            )
        })?;
        let request_id = parsed.request_id;
        let with_id = |error: CredentialsError| match &request_id {
            Some(id) => error.with_request_id(id.clone()),
            None => error,
        };
        let Some(credentials) = parsed.credentials else {
            return Err(with_id(CredentialsError::rejected(
                provider,
                format!("STS {action} response has no Credentials object"),
                false,
            )));
        };
        return credentials
            .to_credentials(provider, format_args!("STS {action} response"))
            .map_err(with_id);
    }

    let body: StsErrorBody = serde_json::from_slice(&response.body).unwrap_or_default();
    // The same rule as every call of the SDK: a code decides when there is one, else the status.
    let class = match body.code.as_deref() {
        Some(code) => retry::classify_service_error(code, response.status, false),
        None => retry::classify_unreadable_response(response.status),
    };
    let retryable = class.is_transient();
    let message = match (&body.code, &body.message) {
        (Some(_), Some(message)) => {
            format!(
                "STS {action} failed with HTTP {}: {message}",
                response.status
            )
        }
        (Some(_), None) => format!("STS {action} failed with HTTP {}", response.status),
        _ => format!(
            "STS {action} failed with HTTP {} and an unexpected body: {:?}",
            response.status,
            snippet(&response.body)
        ),
    };
    let mut error = CredentialsError::rejected(provider, message, retryable);
    if let Some(code) = body.code {
        error = error.with_code(code);
    }
    if let Some(id) = body.request_id {
        error = error.with_request_id(id);
    }
    Err(error)
}

/// Describes a JSON error without quoting the input (serde's messages may quote values).
pub(crate) fn classify_json_error(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "invalid JSON",
        serde_json::error::Category::Data => "unexpected JSON shape",
        serde_json::error::Category::Eof => "truncated JSON",
    }
}

fn snippet(body: &[u8]) -> String {
    let cut = body.len().min(200);
    String::from_utf8_lossy(&body[..cut]).into_owned()
}

/// Sends STS requests through an [`HttpTransport`].
#[derive(Debug, Clone)]
pub struct StsClient {
    endpoint: String,
    transport: Arc<dyn HttpTransport>,
    timeout: Duration,
}

impl StsClient {
    /// A client for the central endpoint (`https://sts.aliyuncs.com`).
    pub fn new(transport: Arc<dyn HttpTransport>) -> Self {
        StsClient {
            endpoint: DEFAULT_STS_ENDPOINT.to_owned(),
            transport,
            timeout: Duration::from_secs(10),
        }
    }

    /// Uses `endpoint` instead: a host name or a base URL (`http://127.0.0.1:8080` in tests).
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = endpoint.into();
        self
    }

    /// Gives up on an STS call after `timeout` (default 10 s, the read timeout the official
    /// SDKs use).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Calls `AssumeRole` with `source` credentials.
    pub async fn assume_role(
        &self,
        provider: &'static str,
        source: &Credentials,
        params: &AssumeRoleParams,
    ) -> Result<Credentials, CredentialsError> {
        let request = assume_role_request(
            &self.endpoint,
            source,
            params,
            SystemTime::now(),
            &signer::new_nonce(),
        );
        tracing::debug!(
            provider,
            endpoint = %self.endpoint,
            role_arn = %params.session.role_arn,
            "calling STS AssumeRole"
        );
        let response = self.send(provider, "AssumeRole", request).await?;
        parse_response(provider, "AssumeRole", &response)
    }

    /// Calls `AssumeRoleWithOIDC` with `oidc_token`.
    pub async fn assume_role_with_oidc(
        &self,
        provider: &'static str,
        params: &AssumeRoleWithOidcParams,
        oidc_token: &str,
    ) -> Result<Credentials, CredentialsError> {
        let request =
            assume_role_with_oidc_request(&self.endpoint, params, oidc_token, SystemTime::now());
        tracing::debug!(
            provider,
            endpoint = %self.endpoint,
            role_arn = %params.session.role_arn,
            "calling STS AssumeRoleWithOIDC"
        );
        let response = self.send(provider, "AssumeRoleWithOIDC", request).await?;
        parse_response(provider, "AssumeRoleWithOIDC", &response)
    }

    async fn send(
        &self,
        provider: &'static str,
        action: &str,
        request: HttpRequest,
    ) -> Result<HttpResponse, CredentialsError> {
        match tokio::time::timeout(self.timeout, self.transport.send(request)).await {
            Err(_) => Err(CredentialsError::unavailable(
                provider,
                format!(
                    "STS {action} at {} did not answer within {:?}",
                    self.endpoint, self.timeout
                ),
            )),
            Ok(Err(e)) => {
                let message = format!("STS {action} at {} failed: {}", self.endpoint, e.message);
                Err(match e.kind {
                    TransportErrorKind::Other | TransportErrorKind::BodyTooLarge => {
                        CredentialsError::rejected(provider, message, false)
                    }
                    _ => CredentialsError::unavailable(provider, message),
                })
            }
            Ok(Ok(response)) => Ok(response),
        }
    }
}

/// Compiles only while the parsed answer zeroizes itself on drop.
#[cfg(test)]
pub(super) fn assert_parsed_credentials_zeroize_on_drop() {
    fn zeroized_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    zeroized_on_drop::<TemporaryKeys>();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::test_support::{FakeTransport, query_pairs};
    use std::time::UNIX_EPOCH;

    fn params() -> AssumeRoleParams {
        AssumeRoleParams {
            session: RoleSession {
                role_arn: "acs:ram::123:role/admin".into(),
                role_session_name: "session".into(),
                duration_seconds: 3600,
                policy: Some(r#"{"Statement":[]}"#.into()),
            },
            external_id: None,
        }
    }

    #[test]
    fn assume_role_request_is_v1_signed_by_the_source() {
        let source = Credentials::new("sourceid", "sourcesecret");
        let t = UNIX_EPOCH + Duration::from_secs(1_704_164_645);
        let request = assume_role_request("sts.aliyuncs.com", &source, &params(), t, "nonce-1");
        assert_eq!(request.method, http::Method::POST);
        assert!(request.url.starts_with("https://sts.aliyuncs.com/?"));
        assert!(request.body.is_empty());
        let pairs = query_pairs(&request.url);
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("Action"), Some("AssumeRole"));
        assert_eq!(get("Version"), Some("2015-04-01"));
        assert_eq!(get("Format"), Some("JSON"));
        assert_eq!(get("RoleArn"), Some("acs:ram::123:role/admin"));
        assert_eq!(get("RoleSessionName"), Some("session"));
        assert_eq!(get("DurationSeconds"), Some("3600"));
        assert_eq!(get("Policy"), Some(r#"{"Statement":[]}"#));
        assert_eq!(get("AccessKeyId"), Some("sourceid"));
        assert_eq!(get("Timestamp"), Some("2024-01-02T03:04:05Z"));
        assert_eq!(get("SignatureNonce"), Some("nonce-1"));
        assert_eq!(get("ExternalId"), None);
        let borrowed: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert!(v1::signed_with("POST", &borrowed, "sourcesecret"));
        assert!(!request.url.contains("sourcesecret"));
    }

    #[test]
    fn oidc_request_is_unsigned_and_token_is_in_the_body() {
        let request = assume_role_with_oidc_request(
            "http://127.0.0.1:9",
            &AssumeRoleWithOidcParams {
                session: RoleSession {
                    role_arn: "acs:ram::1:role/r".into(),
                    role_session_name: "s".into(),
                    duration_seconds: 900,
                    policy: None,
                },
                oidc_provider_arn: "acs:ram::1:oidc-provider/p".into(),
            },
            "eyJ.token",
            UNIX_EPOCH,
        );
        assert!(request.url.starts_with("http://127.0.0.1:9/?"));
        let pairs = query_pairs(&request.url);
        assert!(pairs.contains(&("Action".into(), "AssumeRoleWithOIDC".into())));
        assert!(
            pairs
                .iter()
                .all(|(k, _)| k != "Signature" && k != "AccessKeyId")
        );
        assert!(!request.url.contains("eyJ"));
        let body = std::str::from_utf8(&request.body).unwrap();
        assert!(body.contains("OIDCToken=eyJ.token"), "{body}");
        assert!(
            body.contains("RoleArn=acs%3Aram%3A%3A1%3Arole%2Fr"),
            "{body}"
        );
        assert_eq!(
            request.headers.get("content-type").unwrap(),
            "application/x-www-form-urlencoded"
        );
    }

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: http::HeaderMap::new(),
            body: Bytes::from(body.to_owned()),
        }
    }

    #[test]
    fn parses_success() {
        let creds = parse_response(
            "ram_role_arn",
            "AssumeRole",
            &response(
                200,
                r#"{"RequestId":"R","AssumedRoleUser":{},"Credentials":{"AccessKeyId":"STS.id","AccessKeySecret":"sec","SecurityToken":"tok","Expiration":"2015-04-09T11:52:19Z"}}"#,
            ),
        )
        .unwrap();
        assert_eq!(creds.access_key_id(), "STS.id");
        assert_eq!(creds.access_key_secret(), "sec");
        assert_eq!(creds.security_token(), Some("tok"));
        assert_eq!(
            creds.expiration(),
            Some(UNIX_EPOCH + Duration::from_secs(1_428_580_339))
        );
        assert_eq!(creds.provider_name(), "ram_role_arn");
    }

    #[test]
    fn parses_sts_errors_with_code_and_request_id() {
        let error = parse_response(
            "ram_role_arn",
            "AssumeRole",
            &response(
                403,
                r#"{"RequestId":"6894B13B","HostId":"sts.aliyuncs.com","Code":"NoPermission","Message":"You are not authorized to do this action.","Recommend":"x"}"#,
            ),
        )
        .unwrap_err();
        assert_eq!(error.code(), Some("NoPermission"));
        assert_eq!(error.request_id(), Some("6894B13B"));
        assert!(!error.is_retryable());
        let text = error.to_string();
        assert!(
            text.contains("NoPermission") && text.contains("6894B13B"),
            "{text}"
        );

        let throttled = parse_response(
            "x",
            "AssumeRole",
            &response(400, r#"{"Code":"Throttling.User","Message":"slow down"}"#),
        )
        .unwrap_err();
        assert!(throttled.is_retryable());

        let html = parse_response(
            "x",
            "AssumeRole",
            &response(502, "<html>bad gateway</html>"),
        )
        .unwrap_err();
        assert!(html.is_retryable());
        assert!(html.to_string().contains("bad gateway"));
    }

    #[test]
    fn malformed_success_bodies_never_echo_the_body() {
        for body in [
            r#"{"Credentials":{"AccessKeyId":"id","AccessKeySecret":"s3cr3t-value"#,
            r#"{"Credentials":{"AccessKeyId":"id","AccessKeySecret":"s3cr3t-value"}}"#,
            r#"{"Credentials":{"AccessKeyId":"id","AccessKeySecret":"s3cr3t-value","SecurityToken":"t","Expiration":"soon"}}"#,
            r#"{"Credentials":{"AccessKeyId":1,"AccessKeySecret":"s3cr3t-value"}}"#,
            r#"{"RequestId":"R"}"#,
            "",
        ] {
            let error = parse_response("x", "AssumeRole", &response(200, body)).unwrap_err();
            let text = format!("{error} {error:?}");
            assert!(!text.contains("s3cr3t"), "{text}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn client_times_out_and_maps_transport_errors() {
        let transport = FakeTransport::hanging();
        let client = StsClient::new(transport.clone()).with_timeout(Duration::from_secs(2));
        let source = Credentials::new("id", "secret");
        let error = client
            .assume_role("ram_role_arn", &source, &params())
            .await
            .unwrap_err();
        assert_eq!(
            error.kind(),
            crate::credentials::CredentialsErrorKind::Unavailable
        );
        assert!(error.is_retryable());

        let refused = FakeTransport::failing(TransportErrorKind::Connect);
        let error = StsClient::new(refused)
            .assume_role("ram_role_arn", &source, &params())
            .await
            .unwrap_err();
        assert!(error.is_retryable());
        assert!(!format!("{error:?}").contains("secret\""));
    }
}
