//! RRSA: credentials for a RAM role assumed with an OIDC token (Kubernetes service account
//! tokens on ACK), through STS `AssumeRoleWithOIDC`, which is not signed.
//!
//! The token file is read again on every fetch, because the platform rotates it. Every call
//! asks STS anew: wrap the provider in a [`CredentialsCache`](super::CredentialsCache) (the
//! default chain does).

use std::path::PathBuf;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::role_builder::role_session_builder;
use super::sts::{AssumeRoleWithOidcParams, RoleSession, StsClient, endpoint_from_env};
use super::{Credentials, CredentialsError, ProvideCredentials};
use crate::env::Environment;
use crate::transport::HttpTransport;

const PROVIDER: &str = "oidc";

/// The variables that configure RRSA; the first three are required.
pub const ROLE_ARN_VAR: &str = "ALIBABA_CLOUD_ROLE_ARN";
/// The OIDC provider ARN variable.
pub const OIDC_PROVIDER_ARN_VAR: &str = "ALIBABA_CLOUD_OIDC_PROVIDER_ARN";
/// The token file variable.
pub const OIDC_TOKEN_FILE_VAR: &str = "ALIBABA_CLOUD_OIDC_TOKEN_FILE";
/// The optional session name variable.
pub const ROLE_SESSION_NAME_VAR: &str = "ALIBABA_CLOUD_ROLE_SESSION_NAME";

/// Assumes a RAM role with an OIDC token read from a file.
#[derive(Debug, Clone)]
pub struct OidcProvider {
    params: AssumeRoleWithOidcParams,
    token_file: PathBuf,
    env: Environment,
    sts: StsClient,
}

impl OidcProvider {
    /// Assumes `role_arn` trusting `oidc_provider_arn`, with the token in `token_file` (read
    /// through `env`), via the central STS endpoint for one hour.
    pub fn new(
        role_arn: impl Into<String>,
        oidc_provider_arn: impl Into<String>,
        token_file: impl Into<PathBuf>,
        env: Environment,
        transport: Arc<dyn HttpTransport>,
    ) -> Self {
        OidcProvider {
            params: AssumeRoleWithOidcParams {
                session: RoleSession::new(role_arn),
                oidc_provider_arn: oidc_provider_arn.into(),
            },
            token_file: token_file.into(),
            env,
            sts: StsClient::new(transport),
        }
    }

    /// Configured from `ALIBABA_CLOUD_ROLE_ARN`, `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`,
    /// `ALIBABA_CLOUD_OIDC_TOKEN_FILE` and optionally `ALIBABA_CLOUD_ROLE_SESSION_NAME`
    /// (and `ALIBABA_CLOUD_STS_REGION` for a regional STS endpoint). A not-configured error
    /// names the variables missing when any of the three is unset.
    pub fn from_env(
        env: &Environment,
        transport: Arc<dyn HttpTransport>,
    ) -> Result<Self, CredentialsError> {
        let role_arn = env.var(ROLE_ARN_VAR);
        let provider_arn = env.var(OIDC_PROVIDER_ARN_VAR);
        let token_file = env.var(OIDC_TOKEN_FILE_VAR);
        let (Some(role_arn), Some(provider_arn), Some(token_file)) =
            (&role_arn, &provider_arn, &token_file)
        else {
            let missing: Vec<&str> = [
                (ROLE_ARN_VAR, role_arn.is_none()),
                (OIDC_PROVIDER_ARN_VAR, provider_arn.is_none()),
                (OIDC_TOKEN_FILE_VAR, token_file.is_none()),
            ]
            .into_iter()
            .filter_map(|(name, missing)| missing.then_some(name))
            .collect();
            let verb = if missing.len() == 1 { "is" } else { "are" };
            return Err(CredentialsError::not_configured(
                PROVIDER,
                format!("{} {verb} not set", missing.join(", ")),
            ));
        };
        let mut provider = Self::new(
            role_arn.trim(),
            provider_arn.trim(),
            token_file.trim(),
            env.clone(),
            transport,
        )
        .with_sts_endpoint(endpoint_from_env(env));
        if let Some(name) = env.var(ROLE_SESSION_NAME_VAR) {
            provider = provider.with_session_name(name.trim());
        }
        Ok(provider)
    }

    role_session_builder!();

    /// The `AssumeRoleWithOIDC` parameters.
    pub fn params(&self) -> &AssumeRoleWithOidcParams {
        &self.params
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        let token = self.env.read_file(&self.token_file).map_err(|e| {
            CredentialsError::invalid_configuration(
                PROVIDER,
                format!(
                    "cannot read OIDC token file {}: {e}",
                    self.token_file.display()
                ),
            )
        })?;
        let token = zeroize::Zeroizing::new(token);
        let token = token.trim();
        if token.is_empty() {
            return Err(CredentialsError::invalid_configuration(
                PROVIDER,
                format!("OIDC token file {} is empty", self.token_file.display()),
            ));
        }
        self.sts
            .assume_role_with_oidc(PROVIDER, &self.params, token)
            .await
    }
}

impl ProvideCredentials for OidcProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(self.fetch())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::CredentialsErrorKind;
    use crate::credentials::test_support::{FakeTransport, Reply, form_pairs};

    const OK: &str = r#"{"RequestId":"R","Credentials":{"AccessKeyId":"STS.oidc","AccessKeySecret":"oidc-s3cr3t","SecurityToken":"oidc-t0ken","Expiration":"2030-01-01T00:00:00Z"}}"#;

    fn env_with_token(token: &str) -> Environment {
        Environment::fake([
            (ROLE_ARN_VAR, "acs:ram::1:role/r"),
            (OIDC_PROVIDER_ARN_VAR, "acs:ram::1:oidc-provider/ack"),
            (OIDC_TOKEN_FILE_VAR, "/var/run/secrets/token"),
            (ROLE_SESSION_NAME_VAR, "my-session"),
        ])
        .with_file("/var/run/secrets/token", token)
    }

    #[tokio::test]
    async fn assumes_role_with_the_token_from_the_file() {
        let transport = FakeTransport::new(|_| Reply::Respond(200, OK.into()));
        let provider = OidcProvider::from_env(&env_with_token("eyJ-first\n"), transport.clone())
            .unwrap()
            .with_sts_endpoint("http://127.0.0.1:1");
        let creds = provider.provide_credentials().await.unwrap();
        assert_eq!(creds.access_key_id(), "STS.oidc");
        assert_eq!(creds.provider_name(), "oidc");

        let request = &transport.requests()[0];
        assert!(request.url.contains("Action=AssumeRoleWithOIDC"));
        assert!(!request.url.contains("Signature"));
        let form = form_pairs(std::str::from_utf8(&request.body).unwrap());
        let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("OIDCToken"), Some("eyJ-first"));
        assert_eq!(get("RoleArn"), Some("acs:ram::1:role/r"));
        assert_eq!(get("OIDCProviderArn"), Some("acs:ram::1:oidc-provider/ack"));
        assert_eq!(get("RoleSessionName"), Some("my-session"));
        assert_eq!(get("DurationSeconds"), Some("3600"));
    }

    #[tokio::test]
    async fn token_file_is_reread_on_each_fetch() {
        let transport = FakeTransport::new(|_| Reply::Respond(200, OK.into()));
        let first = OidcProvider::from_env(&env_with_token("one"), transport.clone()).unwrap();
        first.provide_credentials().await.unwrap();
        // Same provider configuration, rotated file: the provider holds the path, not the
        // token, so a rotated file is picked up.
        let rotated = OidcProvider {
            env: env_with_token("two"),
            ..first.clone()
        };
        rotated.provide_credentials().await.unwrap();
        let tokens: Vec<String> = transport
            .requests()
            .iter()
            .map(|r| {
                form_pairs(std::str::from_utf8(&r.body).unwrap())
                    .into_iter()
                    .find(|(k, _)| k == "OIDCToken")
                    .unwrap()
                    .1
            })
            .collect();
        assert_eq!(tokens, ["one", "two"]);
        assert!(!format!("{first:?}").contains("one\""));
    }

    #[test]
    fn not_configured_names_missing_variables() {
        let env = Environment::fake([(ROLE_ARN_VAR, "acs:ram::1:role/r")]);
        let error = OidcProvider::from_env(&env, FakeTransport::hanging()).unwrap_err();
        assert!(error.is_not_configured());
        assert_eq!(
            error.message(),
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE are not set"
        );
    }

    #[tokio::test]
    async fn missing_or_empty_token_file_is_invalid_configuration() {
        let env = Environment::fake([
            (ROLE_ARN_VAR, "r"),
            (OIDC_PROVIDER_ARN_VAR, "p"),
            (OIDC_TOKEN_FILE_VAR, "/nope"),
        ]);
        let transport = FakeTransport::new(|_| Reply::Respond(200, OK.into()));
        let error = OidcProvider::from_env(&env, transport.clone())
            .unwrap()
            .provide_credentials()
            .await
            .unwrap_err();
        assert_eq!(error.kind(), CredentialsErrorKind::InvalidConfiguration);
        assert!(error.to_string().contains("/nope"), "{error}");

        let error = OidcProvider::from_env(&env_with_token("  \n"), transport.clone())
            .unwrap()
            .provide_credentials()
            .await
            .unwrap_err();
        assert!(error.to_string().contains("is empty"), "{error}");
        assert!(transport.requests().is_empty());
    }

    #[test]
    fn sts_region_picks_a_regional_endpoint() {
        let env = env_with_token("t").with_file("/unused", "");
        let mut vars = vec![
            (ROLE_ARN_VAR, "r"),
            (OIDC_PROVIDER_ARN_VAR, "p"),
            (OIDC_TOKEN_FILE_VAR, "/f"),
            ("ALIBABA_CLOUD_STS_REGION", "cn-beijing"),
        ];
        let provider =
            OidcProvider::from_env(&Environment::fake(vars.clone()), FakeTransport::hanging())
                .unwrap();
        assert_eq!(
            provider.sts.endpoint(),
            "https://sts.cn-beijing.aliyuncs.com"
        );
        vars.push(("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED", "true"));
        let provider =
            OidcProvider::from_env(&Environment::fake(vars), FakeTransport::hanging()).unwrap();
        assert_eq!(
            provider.sts.endpoint(),
            "https://sts-vpc.cn-beijing.aliyuncs.com"
        );
        drop(env);
    }
}
