//! Credentials from environment variables: `ALIBABA_CLOUD_ACCESS_KEY_ID`,
//! `ALIBABA_CLOUD_ACCESS_KEY_SECRET` and optionally `ALIBABA_CLOUD_SECURITY_TOKEN`, plus the
//! `ALIBABACLOUD_*` and `ALICLOUD_*` spellings aliyun-cli also accepts (first one set wins, in
//! that order).

use futures_util::future::BoxFuture;
use zeroize::Zeroizing;

use super::{Credentials, CredentialsError, ProvideCredentials};
use crate::env::Environment;

const PROVIDER: &str = "environment";

/// Variables holding the AccessKeyId, in precedence order.
pub const ACCESS_KEY_ID_VARS: [&str; 3] = [
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABACLOUD_ACCESS_KEY_ID",
    "ALICLOUD_ACCESS_KEY_ID",
];
/// Variables holding the AccessKeySecret, in precedence order.
pub const ACCESS_KEY_SECRET_VARS: [&str; 3] = [
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "ALIBABACLOUD_ACCESS_KEY_SECRET",
    "ALICLOUD_ACCESS_KEY_SECRET",
];
/// Variables holding the STS security token, in precedence order.
pub const SECURITY_TOKEN_VARS: [&str; 3] = [
    "ALIBABA_CLOUD_SECURITY_TOKEN",
    "ALIBABACLOUD_SECURITY_TOKEN",
    "ALICLOUD_SECURITY_TOKEN",
];

/// Reads credentials from environment variables each time it is asked.
///
/// Not configured (a chain moves on) when no AccessKeyId variable is set; configured but
/// invalid when an id is set without a secret.
#[derive(Debug, Clone)]
pub struct EnvironmentProvider {
    env: Environment,
}

impl EnvironmentProvider {
    /// Reads from `env`.
    pub fn new(env: Environment) -> Self {
        EnvironmentProvider { env }
    }

    /// Reads from the process environment.
    pub fn from_process_env() -> Self {
        Self::new(Environment::process())
    }

    /// Reads the variables now.
    pub fn load(&self) -> Result<Credentials, CredentialsError> {
        let id = self.env.first_var(&ACCESS_KEY_ID_VARS);
        let secret = self.env.first_var(&ACCESS_KEY_SECRET_VARS);
        let (id_var, id, secret) = match (id, secret) {
            (None, None) => {
                return Err(CredentialsError::not_configured(
                    PROVIDER,
                    format!("{} is not set", ACCESS_KEY_ID_VARS[0]),
                ));
            }
            (None, Some((secret_var, _))) => {
                return Err(CredentialsError::invalid_configuration(
                    PROVIDER,
                    format!("{secret_var} is set but {} is not", ACCESS_KEY_ID_VARS[0]),
                ));
            }
            (Some((id_var, _)), None) => {
                return Err(CredentialsError::invalid_configuration(
                    PROVIDER,
                    format!("{id_var} is set but {} is not", ACCESS_KEY_SECRET_VARS[0]),
                ));
            }
            (Some((id_var, id)), Some((_, secret))) => (id_var, id, Zeroizing::new(secret)),
        };
        let credentials = match self.env.first_var(&SECURITY_TOKEN_VARS) {
            Some((_, token)) => {
                let token = Zeroizing::new(token);
                Credentials::new_sts(id.trim(), secret.trim(), token.trim(), None)
            }
            None => Credentials::new(id.trim(), secret.trim()),
        };
        tracing::debug!(variable = id_var, "credentials from environment variables");
        Ok(credentials.with_provider_name(PROVIDER))
    }
}

impl ProvideCredentials for EnvironmentProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(std::future::ready(self.load()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::CredentialsErrorKind;

    #[test]
    fn reads_the_official_names() {
        let env = Environment::fake([
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "id1"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s3cr3t-value"),
        ]);
        let creds = EnvironmentProvider::new(env).load().unwrap();
        assert_eq!(creds.access_key_id(), "id1");
        assert_eq!(creds.access_key_secret(), "s3cr3t-value");
        assert_eq!(creds.security_token(), None);
        assert_eq!(creds.provider_name(), "environment");
    }

    #[test]
    fn reads_token_and_aliases_with_precedence() {
        let env = Environment::fake([
            ("ALICLOUD_ACCESS_KEY_ID", "alicloud-id"),
            ("ALIBABACLOUD_ACCESS_KEY_ID", "alibabacloud-id"),
            ("ALICLOUD_ACCESS_KEY_SECRET", "s3cr3t-value"),
            ("ALICLOUD_SECURITY_TOKEN", "t0ken-value"),
        ]);
        let creds = EnvironmentProvider::new(env).load().unwrap();
        assert_eq!(creds.access_key_id(), "alibabacloud-id");
        assert_eq!(creds.security_token(), Some("t0ken-value"));
    }

    #[test]
    fn unset_is_not_configured_and_half_set_is_invalid() {
        let error = EnvironmentProvider::new(Environment::fake::<&str, &str>([]))
            .load()
            .unwrap_err();
        assert!(error.is_not_configured());
        assert!(error.message().contains("ALIBABA_CLOUD_ACCESS_KEY_ID"));

        let error =
            EnvironmentProvider::new(Environment::fake([("ALIBABA_CLOUD_ACCESS_KEY_ID", "id")]))
                .load()
                .unwrap_err();
        assert_eq!(error.kind(), CredentialsErrorKind::InvalidConfiguration);
        assert!(
            error
                .to_string()
                .contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
        );

        let error = EnvironmentProvider::new(Environment::fake([(
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
            "s3cr3t-value",
        )]))
        .load()
        .unwrap_err();
        assert_eq!(error.kind(), CredentialsErrorKind::InvalidConfiguration);
        assert!(!format!("{error} {error:?}").contains("s3cr3t"));
    }

    #[test]
    fn debug_shows_no_secret() {
        let env = Environment::fake([
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "id1"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s3cr3t-value"),
            ("ALIBABA_CLOUD_SECURITY_TOKEN", "t0ken-value"),
        ]);
        let provider = EnvironmentProvider::new(env);
        let creds = provider.load().unwrap();
        for text in [format!("{provider:?}"), format!("{creds:?}")] {
            assert!(!text.contains("s3cr3t"), "{text}");
            assert!(!text.contains("t0ken"), "{text}");
        }
    }
}
