//! Temporary credentials for a RAM role, from STS `AssumeRole` signed by source credentials.
//!
//! Every call to [`RamRoleArnProvider::provide_credentials`](super::ProvideCredentials) asks
//! STS anew: wrap the provider in a [`CredentialsCache`](super::CredentialsCache) (the default
//! chain does) so STS is only called when the credentials near expiry.

use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::sts::{
    AssumeRoleParams, DEFAULT_DURATION_SECONDS, MIN_DURATION_SECONDS, StsClient,
    default_session_name,
};
use super::{Credentials, CredentialsError, ProvideCredentials};
use crate::transport::HttpTransport;

const PROVIDER: &str = "ram_role_arn";

/// Assumes a RAM role with STS `AssumeRole`.
#[derive(Debug, Clone)]
pub struct RamRoleArnProvider {
    source: Arc<dyn ProvideCredentials>,
    params: AssumeRoleParams,
    sts: StsClient,
}

impl RamRoleArnProvider {
    /// Assumes `role_arn` using credentials from `source`, through the central STS endpoint,
    /// for one hour, with session name `aliyun-rs-<unix seconds>`.
    pub fn new(
        source: impl ProvideCredentials + 'static,
        role_arn: impl Into<String>,
        transport: Arc<dyn HttpTransport>,
    ) -> Self {
        Self::with_source(Arc::new(source), role_arn, transport)
    }

    /// Like [`RamRoleArnProvider::new`] with an already shared source.
    pub fn with_source(
        source: Arc<dyn ProvideCredentials>,
        role_arn: impl Into<String>,
        transport: Arc<dyn HttpTransport>,
    ) -> Self {
        RamRoleArnProvider {
            source,
            params: AssumeRoleParams {
                role_arn: role_arn.into(),
                role_session_name: default_session_name(),
                duration_seconds: DEFAULT_DURATION_SECONDS,
                policy: None,
                external_id: None,
            },
            sts: StsClient::new(transport),
        }
    }

    /// Sets `RoleSessionName` (shows up in ActionTrail).
    pub fn with_session_name(mut self, name: impl Into<String>) -> Self {
        self.params.role_session_name = name.into();
        self
    }

    /// Sets `DurationSeconds` (raised to STS's minimum of 900).
    pub fn with_duration_seconds(mut self, seconds: u32) -> Self {
        self.params.duration_seconds = seconds.max(MIN_DURATION_SECONDS);
        self
    }

    /// Sets `Policy`, a JSON policy narrowing the role.
    pub fn with_policy(mut self, policy: impl Into<String>) -> Self {
        self.params.policy = Some(policy.into());
        self
    }

    /// Sets `ExternalId`.
    pub fn with_external_id(mut self, external_id: impl Into<String>) -> Self {
        self.params.external_id = Some(external_id.into());
        self
    }

    /// Sends to `endpoint` (a host or base URL) instead of `https://sts.aliyuncs.com`.
    pub fn with_sts_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.sts = self.sts.with_endpoint(endpoint);
        self
    }

    /// The `AssumeRole` parameters.
    pub fn params(&self) -> &AssumeRoleParams {
        &self.params
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        let source = self.source.provide_credentials().await.map_err(|e| {
            let message = format!(
                "source credentials for role {} unavailable: {e}",
                self.params.role_arn
            );
            if e.is_retryable() {
                CredentialsError::unavailable(PROVIDER, message)
            } else {
                CredentialsError::invalid_configuration(PROVIDER, message)
            }
        })?;
        self.sts.assume_role(PROVIDER, &source, &self.params).await
    }
}

impl ProvideCredentials for RamRoleArnProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(self.fetch())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::test_support::{FakeTransport, Reply, query_pairs};
    use crate::signer::v1;

    const OK: &str = r#"{"RequestId":"R1","Credentials":{"AccessKeyId":"STS.new","AccessKeySecret":"n3w-s3cr3t","SecurityToken":"t0ken-value","Expiration":"2030-01-01T00:00:00Z"}}"#;

    #[tokio::test]
    async fn assumes_the_role_with_a_signed_request() {
        let transport = FakeTransport::new(|_| Reply::Respond(200, OK.into()));
        let provider = RamRoleArnProvider::new(
            Credentials::new("sourceid", "s0urce-s3cr3t"),
            "acs:ram::1:role/r",
            transport.clone(),
        )
        .with_session_name("sess")
        .with_duration_seconds(100)
        .with_external_id("ext")
        .with_sts_endpoint("http://127.0.0.1:1");
        let creds = provider.provide_credentials().await.unwrap();
        assert_eq!(creds.access_key_id(), "STS.new");
        assert_eq!(creds.security_token(), Some("t0ken-value"));
        assert!(creds.expiration().is_some());

        let requests = transport.requests();
        assert_eq!(requests.len(), 1);
        assert!(requests[0].url.starts_with("http://127.0.0.1:1/?"));
        let pairs = query_pairs(&requests[0].url);
        let borrowed: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert!(v1::signed_with("POST", &borrowed, "s0urce-s3cr3t"));
        assert!(borrowed.contains(&("DurationSeconds", "900")));
        assert!(borrowed.contains(&("RoleSessionName", "sess")));
        assert!(borrowed.contains(&("ExternalId", "ext")));
        assert!(!format!("{provider:?}").contains("s0urce-s3cr3t"));
    }

    #[tokio::test]
    async fn sts_errors_name_code_and_request_id() {
        let transport = FakeTransport::new(|_| {
            Reply::Respond(
                404,
                r#"{"RequestId":"REQ-9","Code":"EntityNotExist.Role","Message":"The role not exists: acs:ram::1:role/r."}"#.into(),
            )
        });
        let provider = RamRoleArnProvider::new(
            Credentials::new("sourceid", "s0urce-s3cr3t"),
            "acs:ram::1:role/r",
            transport,
        );
        let error = provider.provide_credentials().await.unwrap_err();
        let text = error.to_string();
        assert!(text.contains("EntityNotExist.Role"), "{text}");
        assert!(text.contains("REQ-9"), "{text}");
        assert!(!text.contains("s0urce-s3cr3t"));
    }

    #[tokio::test]
    async fn source_failure_is_reported() {
        let transport = FakeTransport::new(|_| Reply::Respond(200, OK.into()));
        let provider = RamRoleArnProvider::new(
            crate::credentials::EnvironmentProvider::new(
                crate::env::Environment::fake::<&str, &str>([]),
            ),
            "acs:ram::1:role/r",
            transport.clone(),
        );
        let error = provider.provide_credentials().await.unwrap_err();
        assert!(error.to_string().contains("source credentials"), "{error}");
        assert!(transport.requests().is_empty());
    }
}
