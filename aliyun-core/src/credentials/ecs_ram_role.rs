//! Credentials of the RAM role attached to an ECS instance, from the instance metadata service.
//!
//! The flow follows the official SDKs: an IMDSv2 session token first
//! (`PUT /latest/api/token` with `X-aliyun-ecs-metadata-token-ttl-seconds`), then every read
//! carries it in `X-aliyun-ecs-metadata-token`. When the token cannot be had the provider falls
//! back to unauthenticated (v1) reads, unless that fallback is disabled
//! (`ALIBABA_CLOUD_IMDSV1_DISABLED=true`) or the service refused the connection outright (v1
//! goes to the same host, so it would fail too). The role name comes from
//! `/latest/meta-data/ram/security-credentials/` unless configured. Each request gets a 1 s
//! time limit: the service is link-local, and off ECS nothing answers at all.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use serde::Deserialize;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::sts::classify_json_error;
use super::temporary::TemporaryKeys;
use super::{Credentials, CredentialsError, CredentialsErrorKind, ProvideCredentials};
use crate::env::Environment;
use crate::signer::encoding::percent_encode;
use crate::transport::{HttpRequest, HttpResponse, HttpTransport, TransportErrorKind};

const PROVIDER: &str = "ecs_ram_role";

/// The metadata service's address.
pub const DEFAULT_METADATA_ENDPOINT: &str = "http://100.100.100.200";
/// The IMDSv2 token lifetime requested, in seconds (the official SDKs' value).
pub const TOKEN_TTL_SECONDS: u32 = 21_600;
/// The time limit of each metadata request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

const TOKEN_PATH: &str = "/latest/api/token";
const CREDENTIALS_PATH: &str = "/latest/meta-data/ram/security-credentials/";
const TOKEN_TTL_HEADER: &str = "x-aliyun-ecs-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aliyun-ecs-metadata-token";

/// Reads the instance RAM role's credentials from the metadata service.
///
/// Every call asks the service anew: wrap it in a
/// [`CredentialsCache`](super::CredentialsCache) (the default chain does).
#[derive(Debug, Clone)]
pub struct EcsRamRoleProvider {
    transport: Arc<dyn HttpTransport>,
    endpoint: String,
    role_name: Option<String>,
    imds_v1_disabled: bool,
    timeout: Duration,
    unreachable_is_not_configured: bool,
}

impl EcsRamRoleProvider {
    /// Asks the metadata service at `http://100.100.100.200` for the attached role's
    /// credentials, IMDSv2 first with v1 fallback, 1 s per request.
    pub fn new(transport: Arc<dyn HttpTransport>) -> Self {
        EcsRamRoleProvider {
            transport,
            endpoint: DEFAULT_METADATA_ENDPOINT.to_owned(),
            role_name: None,
            imds_v1_disabled: false,
            timeout: DEFAULT_TIMEOUT,
            unreachable_is_not_configured: false,
        }
    }

    /// Configured from `env`: `ALIBABA_CLOUD_ECS_METADATA` names the role,
    /// `ALIBABA_CLOUD_IMDSV1_DISABLED=true` turns off the v1 fallback, and
    /// `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true` disables the source (a not-configured error).
    pub fn from_env(
        env: &Environment,
        transport: Arc<dyn HttpTransport>,
    ) -> Result<Self, CredentialsError> {
        if is_true(env.var("ALIBABA_CLOUD_ECS_METADATA_DISABLED")) {
            return Err(CredentialsError::not_configured(
                PROVIDER,
                "disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED=true",
            ));
        }
        let mut provider = Self::new(transport)
            .with_imds_v1_disabled(is_true(env.var("ALIBABA_CLOUD_IMDSV1_DISABLED")));
        if let Some(role) = env.var("ALIBABA_CLOUD_ECS_METADATA") {
            provider = provider.with_role_name(role.trim());
        }
        Ok(provider)
    }

    /// Uses `endpoint` (a base URL such as `http://127.0.0.1:8080`) instead of
    /// `http://100.100.100.200`.
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = endpoint.into().trim_end_matches('/').to_owned();
        self
    }

    /// Uses role `name` instead of asking the service which role is attached.
    pub fn with_role_name(mut self, name: impl Into<String>) -> Self {
        self.role_name = Some(name.into());
        self
    }

    /// With `true`, fails when no IMDSv2 token can be had instead of falling back to v1.
    pub fn with_imds_v1_disabled(mut self, disabled: bool) -> Self {
        self.imds_v1_disabled = disabled;
        self
    }

    /// Sets the time limit of each request (default 1 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Whether a role name was configured (rather than discovered).
    pub fn role_name(&self) -> Option<&str> {
        self.role_name.as_deref()
    }

    /// With `true`, an unreachable metadata service is reported as "not configured", so a
    /// chain that tries this source last on a machine that is not an ECS instance lists it as
    /// skipped instead of failing.
    pub fn with_unreachable_as_not_configured(mut self, yes: bool) -> Self {
        self.unreachable_is_not_configured = yes;
        self
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        let token = match self.fetch_token().await {
            Ok(token) => Some(token),
            Err(SendFailure { error, .. }) if self.imds_v1_disabled => {
                return Err(CredentialsError::rejected(
                    PROVIDER,
                    format!("{} (IMDSv1 fallback is disabled)", error.message()),
                    error.is_retryable(),
                ));
            }
            // Nothing listens (refused), or nothing answered while this provider stands in for
            // "not on ECS": a v1 retry against the same host would only add another wait.
            Err(e) if e.refused || (e.timed_out && self.unreachable_is_not_configured) => {
                return Err(e.error);
            }
            Err(e) => {
                tracing::debug!(error = %e.error, "no IMDSv2 token; falling back to IMDSv1");
                None
            }
        };
        let role = match &self.role_name {
            Some(role) => role.clone(),
            None => {
                let body = self
                    .get(
                        CREDENTIALS_PATH,
                        token.as_deref().map(String::as_str),
                        "role name",
                    )
                    .await?;
                let text = String::from_utf8_lossy(&body);
                match text.lines().map(str::trim).find(|l| !l.is_empty()) {
                    Some(role) => role.to_owned(),
                    None => {
                        return Err(CredentialsError::rejected(
                            PROVIDER,
                            "no RAM role is attached to this instance",
                            false,
                        ));
                    }
                }
            }
        };
        let path = format!("{CREDENTIALS_PATH}{}", percent_encode(&role));
        let body = self
            .get(&path, token.as_deref().map(String::as_str), "credentials")
            .await?;
        let credentials = parse_credentials(&body, &role)?;
        tracing::debug!(role = %role, imds_v2 = token.is_some(), "credentials from the ECS metadata service");
        Ok(credentials)
    }

    /// The IMDSv2 session token (a credential in itself on the instance: zeroized on drop).
    async fn fetch_token(&self) -> Result<Zeroizing<String>, SendFailure> {
        let mut headers = http::HeaderMap::new();
        headers.insert(TOKEN_TTL_HEADER, http::HeaderValue::from(TOKEN_TTL_SECONDS));
        let request = HttpRequest {
            method: http::Method::PUT,
            url: format!("{}{TOKEN_PATH}", self.endpoint),
            headers,
            body: Bytes::new(),
        };
        let response = self.send(request, "IMDSv2 token").await?;
        if response.status != 200 {
            return Err(SendFailure::from(CredentialsError::rejected(
                PROVIDER,
                format!(
                    "metadata service answered HTTP {} to the IMDSv2 token request",
                    response.status
                ),
                response.status >= 500,
            )));
        }
        let token = Zeroizing::new(String::from_utf8_lossy(&response.body).trim().to_owned());
        if token.is_empty() {
            return Err(SendFailure::from(CredentialsError::rejected(
                PROVIDER,
                "metadata service sent an empty IMDSv2 token",
                false,
            )));
        }
        Ok(token)
    }

    async fn get(
        &self,
        path: &str,
        token: Option<&str>,
        what: &str,
    ) -> Result<Bytes, CredentialsError> {
        let mut headers = http::HeaderMap::new();
        if let Some(token) = token {
            let value = http::HeaderValue::from_str(token).map_err(|_| {
                CredentialsError::rejected(
                    PROVIDER,
                    "metadata service sent an IMDSv2 token that is not a valid header value",
                    false,
                )
            })?;
            headers.insert(TOKEN_HEADER, value);
        }
        let request = HttpRequest {
            method: http::Method::GET,
            url: format!("{}{path}", self.endpoint),
            headers,
            body: Bytes::new(),
        };
        let response = self.send(request, what).await.map_err(|f| f.error)?;
        match response.status {
            200 => Ok(response.body),
            404 if self.role_name.is_none() && what == "role name" => {
                Err(CredentialsError::rejected(
                    PROVIDER,
                    "no RAM role is attached to this instance (metadata service answered 404)",
                    false,
                ))
            }
            status => Err(CredentialsError::rejected(
                PROVIDER,
                format!("metadata service answered HTTP {status} when asked for the {what}"),
                status >= 500,
            )),
        }
    }

    async fn send(&self, request: HttpRequest, what: &str) -> Result<HttpResponse, SendFailure> {
        match tokio::time::timeout(self.timeout, self.transport.send(request)).await {
            Err(_) => Err(SendFailure {
                error: CredentialsError::unavailable(
                    PROVIDER,
                    format!(
                        "metadata service at {} did not answer the {what} request within {:?}",
                        self.endpoint, self.timeout
                    ),
                ),
                refused: false,
                timed_out: true,
            }),
            Ok(Err(e)) => {
                let message = format!(
                    "metadata service at {} failed on the {what} request: {}",
                    self.endpoint, e.message
                );
                Err(match e.kind {
                    TransportErrorKind::Connect => SendFailure {
                        error: CredentialsError::unavailable(PROVIDER, message),
                        refused: true,
                        timed_out: false,
                    },
                    TransportErrorKind::Timeout | TransportErrorKind::Io => {
                        SendFailure::from(CredentialsError::unavailable(PROVIDER, message))
                    }
                    _ => SendFailure::from(CredentialsError::rejected(PROVIDER, message, false)),
                })
            }
            Ok(Ok(response)) => Ok(response),
        }
    }
}

/// A failed metadata request, remembering whether the connection was refused or nothing
/// answered (then a v1 retry against the same host may be pointless).
struct SendFailure {
    error: CredentialsError,
    refused: bool,
    timed_out: bool,
}

impl From<CredentialsError> for SendFailure {
    fn from(error: CredentialsError) -> Self {
        SendFailure {
            error,
            refused: false,
            timed_out: false,
        }
    }
}

impl ProvideCredentials for EcsRamRoleProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(async move {
            match self.fetch().await {
                Err(e)
                    if self.unreachable_is_not_configured
                        && e.kind() == CredentialsErrorKind::Unavailable =>
                {
                    Err(CredentialsError::not_configured(
                        PROVIDER,
                        format!("not on ECS? {}", e.message()),
                    ))
                }
                other => other,
            }
        })
    }
}

fn is_true(value: Option<String>) -> bool {
    value.is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

// No Debug: holds the secret. Zeroized on drop, error paths included; `Credentials` keeps its
// own (zeroized) copies.
#[derive(Deserialize, Zeroize, ZeroizeOnDrop)]
struct MetadataCredentials {
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(flatten)]
    keys: TemporaryKeys,
}

fn parse_credentials(body: &[u8], role: &str) -> Result<Credentials, CredentialsError> {
    let parsed: MetadataCredentials = serde_json::from_slice(body).map_err(|e| {
        CredentialsError::rejected(
            PROVIDER,
            format!(
                "metadata service sent unreadable credentials for role {role} ({})",
                classify_json_error(&e)
            ),
            false,
        )
    })?;
    match parsed.code.as_deref() {
        Some("Success") => {}
        other => {
            return Err(CredentialsError::rejected(
                PROVIDER,
                format!("metadata service answered Code {other:?} for role {role}"),
                true,
            ));
        }
    }
    parsed.keys.to_credentials(
        PROVIDER,
        format_args!("metadata credentials for role {role}"),
    )
}

/// Compiles only while the parsed answer zeroizes itself on drop.
#[cfg(test)]
pub(super) fn assert_parsed_credentials_zeroize_on_drop() {
    fn zeroized_on_drop<T: ZeroizeOnDrop>() {}
    zeroized_on_drop::<MetadataCredentials>();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::test_support::{FakeTransport, LoopbackServer, Reply, TcpTransport};

    const CREDS: &str = r#"{"AccessKeyId":"STS.ecs","AccessKeySecret":"ecs-s3cr3t","Expiration":"2030-01-01T00:00:00Z","SecurityToken":"ecs-t0ken","LastUpdated":"2029-12-31T18:00:00Z","Code":"Success"}"#;

    /// A metadata service: `v2` says whether it hands out tokens.
    async fn metadata_server(v2: bool) -> LoopbackServer {
        LoopbackServer::start(move |r| {
            let token = r.header(TOKEN_HEADER);
            match (r.method.as_str(), r.path.as_str()) {
                ("PUT", TOKEN_PATH) if v2 => {
                    assert_eq!(r.header(TOKEN_TTL_HEADER), Some("21600"));
                    Some((200, "imds-token-1".into()))
                }
                ("PUT", TOKEN_PATH) => Some((403, "forbidden".into())),
                _ if v2 && token != Some("imds-token-1") => Some((401, "no token".into())),
                (_, CREDENTIALS_PATH) => Some((200, "EcsRole\n".into())),
                (_, "/latest/meta-data/ram/security-credentials/EcsRole") => {
                    Some((200, CREDS.into()))
                }
                _ => Some((404, "not found".into())),
            }
        })
        .await
    }

    #[tokio::test]
    async fn imds_v2_flow_over_loopback() {
        let server = metadata_server(true).await;
        let provider =
            EcsRamRoleProvider::new(Arc::new(TcpTransport)).with_endpoint(&server.base_url);
        let creds = provider.provide_credentials().await.unwrap();
        assert_eq!(creds.access_key_id(), "STS.ecs");
        assert_eq!(creds.access_key_secret(), "ecs-s3cr3t");
        assert_eq!(creds.security_token(), Some("ecs-t0ken"));
        assert!(creds.expiration().is_some());
        assert_eq!(creds.provider_name(), "ecs_ram_role");
        let received = server.received();
        let steps: Vec<(&str, &str)> = received
            .iter()
            .map(|r| (r.method.as_str(), r.path.as_str()))
            .collect();
        assert_eq!(
            steps,
            [
                ("PUT", TOKEN_PATH),
                ("GET", CREDENTIALS_PATH),
                ("GET", "/latest/meta-data/ram/security-credentials/EcsRole"),
            ]
        );
        assert!(
            received[1..]
                .iter()
                .all(|r| r.header(TOKEN_HEADER) == Some("imds-token-1"))
        );
    }

    #[tokio::test]
    async fn falls_back_to_v1_without_token() {
        let server = metadata_server(false).await;
        let provider =
            EcsRamRoleProvider::new(Arc::new(TcpTransport)).with_endpoint(&server.base_url);
        let creds = provider.provide_credentials().await.unwrap();
        assert_eq!(creds.access_key_id(), "STS.ecs");
        let received = server.received();
        assert_eq!(received.len(), 3);
        assert!(
            received[1..]
                .iter()
                .all(|r| r.header(TOKEN_HEADER).is_none())
        );
    }

    #[tokio::test]
    async fn v1_fallback_can_be_disabled() {
        let server = metadata_server(false).await;
        let env = Environment::fake([("ALIBABA_CLOUD_IMDSV1_DISABLED", "true")]);
        let provider = EcsRamRoleProvider::from_env(&env, Arc::new(TcpTransport))
            .unwrap()
            .with_endpoint(&server.base_url);
        let error = provider.provide_credentials().await.unwrap_err();
        assert!(
            error.to_string().contains("IMDSv1 fallback is disabled"),
            "{error}"
        );
        assert_eq!(server.received().len(), 1);
    }

    #[tokio::test]
    async fn configured_role_skips_discovery() {
        let server = metadata_server(true).await;
        let env = Environment::fake([("ALIBABA_CLOUD_ECS_METADATA", "EcsRole")]);
        let provider = EcsRamRoleProvider::from_env(&env, Arc::new(TcpTransport))
            .unwrap()
            .with_endpoint(&server.base_url);
        assert_eq!(provider.role_name(), Some("EcsRole"));
        provider.provide_credentials().await.unwrap();
        assert_eq!(server.received().len(), 2);
    }

    #[test]
    fn disabled_flag_means_not_configured() {
        let env = Environment::fake([("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "TRUE")]);
        let error = EcsRamRoleProvider::from_env(&env, FakeTransport::hanging()).unwrap_err();
        assert!(error.is_not_configured());
        assert!(
            error
                .message()
                .contains("ALIBABA_CLOUD_ECS_METADATA_DISABLED")
        );
    }

    #[tokio::test(start_paused = true)]
    async fn each_request_times_out_after_one_second() {
        let transport = FakeTransport::hanging();
        let provider = EcsRamRoleProvider::new(transport.clone());
        let started = tokio::time::Instant::now();
        let error = provider.provide_credentials().await.unwrap_err();
        // Token request (1 s), then the v1 fallback's role request (1 s).
        assert_eq!(started.elapsed(), Duration::from_secs(2));
        assert_eq!(error.kind(), CredentialsErrorKind::Unavailable);
        assert!(error.is_retryable());
        assert!(error.to_string().contains("within 1s"), "{error}");
        assert_eq!(transport.requests().len(), 2);
        assert_eq!(
            transport.requests()[0].url,
            "http://100.100.100.200/latest/api/token"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn hanging_loopback_server_times_out() {
        let server = LoopbackServer::start(|_| None).await;
        let provider = EcsRamRoleProvider::new(Arc::new(TcpTransport))
            .with_endpoint(&server.base_url)
            .with_imds_v1_disabled(true);
        let error = provider.provide_credentials().await.unwrap_err();
        assert!(error.to_string().contains("did not answer"), "{error}");
    }

    #[tokio::test]
    async fn refused_connection_does_not_fall_back() {
        let transport = FakeTransport::failing(TransportErrorKind::Connect);
        let provider =
            EcsRamRoleProvider::new(transport.clone()).with_unreachable_as_not_configured(true);
        let error = provider.provide_credentials().await.unwrap_err();
        assert!(error.is_not_configured(), "{error}");
        assert_eq!(transport.requests().len(), 1);
    }

    #[tokio::test]
    async fn bad_answers_are_typed_errors() {
        for (body, expect) in [
            (r#"{"Code":"Failed"}"#, "Code Some(\"Failed\")"),
            ("{not json", "unreadable credentials"),
            (r#"{"Code":"Success","AccessKeyId":"a"}"#, "lack"),
            (
                r#"{"Code":"Success","AccessKeyId":"a","AccessKeySecret":"ecs-s3cr3t","SecurityToken":"t","Expiration":"later"}"#,
                "unreadable Expiration",
            ),
        ] {
            let transport = FakeTransport::new(move |r| {
                if r.url.ends_with(TOKEN_PATH) {
                    Reply::Respond(200, "tok".into())
                } else if r.url.ends_with(CREDENTIALS_PATH) {
                    Reply::Respond(200, "Role".into())
                } else {
                    Reply::Respond(200, body.into())
                }
            });
            let error = EcsRamRoleProvider::new(transport)
                .provide_credentials()
                .await
                .unwrap_err();
            let text = format!("{error} {error:?}");
            assert!(text.contains(expect), "{text}");
            assert!(!text.contains("ecs-s3cr3t"), "{text}");
        }
        let no_role = FakeTransport::new(|r| {
            if r.url.ends_with(TOKEN_PATH) {
                Reply::Respond(200, "tok".into())
            } else {
                Reply::Respond(404, "".into())
            }
        });
        let error = EcsRamRoleProvider::new(no_role)
            .provide_credentials()
            .await
            .unwrap_err();
        assert!(error.to_string().contains("no RAM role"), "{error}");
    }
}
