//! Credentials: the AccessKey pair (and STS token) requests are signed with, and the providers
//! that find them.
//!
//! - [`Credentials`]: the shared, zeroized, redacted credential value.
//! - [`ProvideCredentials`]: anything that yields credentials.
//! - One provider per source: [`EnvironmentProvider`], [`OidcProvider`],
//!   [`CliProfileProvider`], [`IniFileProvider`], [`EcsRamRoleProvider`], and
//!   [`RamRoleArnProvider`] (STS `AssumeRole`, used by the profile sources too).
//! - [`CredentialsChain`] and [`DefaultCredentialsChain`] (the official order), and
//!   [`CredentialsCache`], which refreshes temporary credentials before they expire.
//!
//! Every provider reads variables and files through [`Environment`](crate::env::Environment)
//! and makes HTTP calls through an injected [`HttpTransport`](crate::transport::HttpTransport),
//! so tests need neither a real home directory nor a metadata server.

mod cache;
mod chain;
mod cli_profile;
mod ecs_ram_role;
mod environment;
mod error;
mod ini_file;
mod oidc;
mod profile;
mod ram_role_arn;
mod role_builder;
pub mod sts;
mod temporary;

#[cfg(test)]
mod test_support;

pub use cache::{CredentialsCache, EXPIRY_MARGIN, MIN_REFRESH_WINDOW, RETRY_AFTER_FAILURE};
pub use chain::{CredentialsChain, DefaultCredentialsChain, NOTHING_FOUND_RETRY_AFTER};
pub use cli_profile::{CliProfileProvider, cli_config_path, cli_profile_region};
pub use ecs_ram_role::{DEFAULT_METADATA_ENDPOINT, EcsRamRoleProvider};
pub use environment::EnvironmentProvider;
pub use error::{CredentialsError, CredentialsErrorKind, SkippedSource};
pub use ini_file::IniFileProvider;
pub use oidc::OidcProvider;
pub use ram_role_arn::RamRoleArnProvider;

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use futures_util::future::BoxFuture;
use zeroize::Zeroizing;

/// An AccessKey pair, optionally with an STS security token and an expiry.
///
/// Cheap to clone (shared). `Debug` shows the AccessKeyId only; the secret and token never
/// appear in `Debug`, `Display`, logs or errors, and are zeroized when the last clone drops.
#[derive(Clone)]
pub struct Credentials(Arc<CredentialsInner>);

struct CredentialsInner {
    access_key_id: String,
    access_key_secret: Zeroizing<String>,
    security_token: Option<Zeroizing<String>>,
    expiration: Option<SystemTime>,
    provider: &'static str,
}

impl Credentials {
    /// Long-lived AccessKey credentials.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Credentials(Arc::new(CredentialsInner {
            access_key_id: access_key_id.into(),
            access_key_secret: Zeroizing::new(access_key_secret.into()),
            security_token: None,
            expiration: None,
            provider: "static",
        }))
    }

    /// Temporary STS credentials.
    pub fn new_sts(
        access_key_id: impl Into<String>,
        access_key_secret: impl Into<String>,
        security_token: impl Into<String>,
        expiration: Option<SystemTime>,
    ) -> Self {
        Credentials(Arc::new(CredentialsInner {
            access_key_id: access_key_id.into(),
            access_key_secret: Zeroizing::new(access_key_secret.into()),
            security_token: Some(Zeroizing::new(security_token.into())),
            expiration,
            provider: "static",
        }))
    }

    /// Records which provider produced these credentials (shown in `Debug` and logs).
    pub fn with_provider_name(self, provider: &'static str) -> Self {
        let inner = &self.0;
        Credentials(Arc::new(CredentialsInner {
            access_key_id: inner.access_key_id.clone(),
            access_key_secret: inner.access_key_secret.clone(),
            security_token: inner.security_token.clone(),
            expiration: inner.expiration,
            provider,
        }))
    }

    /// The AccessKeyId (not secret).
    pub fn access_key_id(&self) -> &str {
        &self.0.access_key_id
    }

    /// The AccessKeySecret. Handle with care: never log it.
    pub fn access_key_secret(&self) -> &str {
        &self.0.access_key_secret
    }

    /// The STS security token, for temporary credentials. Never log it.
    pub fn security_token(&self) -> Option<&str> {
        self.0.security_token.as_deref().map(String::as_str)
    }

    /// When temporary credentials expire.
    pub fn expiration(&self) -> Option<SystemTime> {
        self.0.expiration
    }

    /// The name of the provider that produced them.
    pub fn provider_name(&self) -> &'static str {
        self.0.provider
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.0.access_key_id)
            .field("access_key_secret", &"** redacted **")
            .field(
                "security_token",
                &self.0.security_token.as_ref().map(|_| "** redacted **"),
            )
            .field("expiration", &self.0.expiration)
            .field("provider", &self.0.provider)
            .finish()
    }
}

/// Something that can produce credentials: a fixed pair, the environment, a profile file, the
/// metadata service, STS, or a chain of those.
pub trait ProvideCredentials: Send + Sync + fmt::Debug {
    /// Returns current credentials, fetching or refreshing them if needed.
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>>;
}

impl ProvideCredentials for Credentials {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(std::future::ready(Ok(self.clone())))
    }
}

/// Zeroizes every string in a parsed JSON document (a configuration file holding secrets).
pub(crate) fn zeroize_json(value: &mut serde_json::Value) {
    use zeroize::Zeroize;
    match value {
        serde_json::Value::String(text) => text.zeroize(),
        serde_json::Value::Array(items) => items.iter_mut().for_each(zeroize_json),
        serde_json::Value::Object(map) => map.values_mut().for_each(zeroize_json),
        _ => {}
    }
}

/// Parses an STS / metadata `Expiration` (`2015-04-09T11:52:19Z`, RFC 3339).
pub(crate) fn parse_expiration(text: &str) -> Option<SystemTime> {
    let parsed =
        time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
            .ok()?;
    Some(parsed.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn credentials_debug_is_redacted() {
        let creds = Credentials::new_sts("id", "s3cr3t-value", "t0ken-value", None);
        let text = format!("{creds:?}");
        assert!(text.contains("id"));
        assert!(
            !text.contains("s3cr3t") && !text.contains("t0ken"),
            "{text}"
        );
    }

    #[test]
    fn secrets_are_zeroized_when_dropped() {
        // Held secrets are `Zeroizing`, and the intermediate parsed forms (STS and metadata
        // answers) zeroize themselves on drop, error paths included.
        fn zeroized_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        zeroized_on_drop::<Zeroizing<String>>();
        sts::assert_parsed_credentials_zeroize_on_drop();
        ecs_ram_role::assert_parsed_credentials_zeroize_on_drop();

        let mut file = serde_json::json!({"profiles": [{"access_key_secret": "s3cr3t", "n": 1}]});
        zeroize_json(&mut file);
        assert_eq!(
            file,
            serde_json::json!({"profiles": [{"access_key_secret": "", "n": 1}]})
        );
    }

    #[test]
    fn parses_expirations() {
        assert_eq!(
            parse_expiration("2015-04-09T11:52:19Z"),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_428_580_339))
        );
        assert_eq!(
            parse_expiration("1969-12-31T23:59:58.5+00:00"),
            Some(SystemTime::UNIX_EPOCH - Duration::from_millis(1_500))
        );
        assert_eq!(parse_expiration("soon"), None);
        assert_eq!(parse_expiration(""), None);
    }
}
