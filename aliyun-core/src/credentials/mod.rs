//! Credentials: the AccessKey pair (and STS token) requests are signed with, and the providers
//! that find them.
//!
//! CONTRACT (owned by the credentials work): the types below are used by the signer and the
//! client. Providers, the default chain and the cache live in submodules.

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

/// Credentials could not be obtained.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct CredentialsError {
    message: String,
    retryable: bool,
}

impl CredentialsError {
    /// A permanent failure described by `message` (which must hold no secret).
    pub fn new(message: impl Into<String>) -> Self {
        CredentialsError {
            message: message.into(),
            retryable: false,
        }
    }

    /// A failure that may pass (a metadata service or STS endpoint that did not answer).
    pub fn transient(message: impl Into<String>) -> Self {
        CredentialsError {
            message: message.into(),
            retryable: true,
        }
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether trying again may help.
    pub fn is_retryable(&self) -> bool {
        self.retryable
    }
}
