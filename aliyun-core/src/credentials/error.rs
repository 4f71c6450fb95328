//! Why credentials could not be obtained.
//!
//! Messages never hold a secret: providers describe *which* variable, file or field is wrong,
//! never its value.

use std::fmt;

/// What kind of failure a [`CredentialsError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialsErrorKind {
    /// This source has nothing configured (no variable, no file, disabled). A chain skips it
    /// and tries the next source.
    NotConfigured,
    /// No source of a chain had credentials; [`CredentialsError::sources_tried`] says why each
    /// was skipped.
    NotFound,
    /// The source is configured but unusable: a malformed file, a missing field, an unknown
    /// mode. Fixing the configuration is the only cure.
    InvalidConfiguration,
    /// The service that issues credentials (STS, the metadata service) could not be reached
    /// or did not answer in time.
    Unavailable,
    /// The service answered with an error ([`CredentialsError::code`] and
    /// [`CredentialsError::request_id`] say which) or with something unreadable.
    Rejected,
    /// Anything else.
    Other,
}

/// One source a chain tried and skipped, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedSource {
    /// The provider's name (`environment`, `oidc`, `cli_profile`, `ini_file`, `ecs_ram_role`).
    pub source: &'static str,
    /// Why it had nothing to offer.
    pub reason: String,
}

impl fmt::Display for SkippedSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.reason)
    }
}

/// Credentials could not be obtained.
///
/// One pointer wide (the details are boxed), so it keeps `Result`s and the crate's `Error`
/// small.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialsError(Box<Details>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Details {
    kind: CredentialsErrorKind,
    provider: Option<&'static str>,
    message: String,
    code: Option<String>,
    request_id: Option<String>,
    sources_tried: Vec<SkippedSource>,
    retryable: bool,
}

impl CredentialsError {
    fn with_kind(kind: CredentialsErrorKind, message: String, retryable: bool) -> Self {
        CredentialsError(Box::new(Details {
            kind,
            provider: None,
            message,
            code: None,
            request_id: None,
            sources_tried: Vec::new(),
            retryable,
        }))
    }

    /// A permanent failure described by `message` (which must hold no secret).
    pub fn new(message: impl Into<String>) -> Self {
        Self::with_kind(CredentialsErrorKind::Other, message.into(), false)
    }

    /// A failure that may pass (a metadata service or STS endpoint that did not answer).
    pub fn transient(message: impl Into<String>) -> Self {
        Self::with_kind(CredentialsErrorKind::Unavailable, message.into(), true)
    }

    /// `provider` has nothing configured, because of `reason`; a chain moves on.
    pub fn not_configured(provider: &'static str, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        let mut error = Self::with_kind(CredentialsErrorKind::NotConfigured, reason.clone(), false)
            .with_provider(provider);
        error.0.sources_tried.push(SkippedSource {
            source: provider,
            reason,
        });
        error
    }

    /// No source had credentials; `sources_tried` lists each one and why it was skipped.
    pub fn not_found(sources_tried: Vec<SkippedSource>) -> Self {
        let mut error = Self::with_kind(
            CredentialsErrorKind::NotFound,
            "no credentials found".to_owned(),
            false,
        );
        error.0.sources_tried = sources_tried;
        error
    }

    /// `provider` is configured but its configuration is unusable.
    pub fn invalid_configuration(provider: &'static str, message: impl Into<String>) -> Self {
        Self::with_kind(
            CredentialsErrorKind::InvalidConfiguration,
            message.into(),
            false,
        )
        .with_provider(provider)
    }

    /// The credentials service for `provider` could not be reached or timed out.
    pub fn unavailable(provider: &'static str, message: impl Into<String>) -> Self {
        Self::with_kind(CredentialsErrorKind::Unavailable, message.into(), true)
            .with_provider(provider)
    }

    /// The credentials service for `provider` answered with an error or garbage.
    pub fn rejected(provider: &'static str, message: impl Into<String>, retryable: bool) -> Self {
        Self::with_kind(CredentialsErrorKind::Rejected, message.into(), retryable)
            .with_provider(provider)
    }

    /// Names the provider the error came from.
    pub fn with_provider(mut self, provider: &'static str) -> Self {
        self.0.provider = Some(provider);
        self
    }

    /// Adds the service's error code (e.g. STS `InvalidParameter.RoleArn`).
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.0.code = Some(code.into());
        self
    }

    /// Adds the service's request id.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.0.request_id = Some(request_id.into());
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> CredentialsErrorKind {
        self.0.kind
    }

    /// Whether the source simply had nothing configured (a chain skips it).
    pub fn is_not_configured(&self) -> bool {
        self.0.kind == CredentialsErrorKind::NotConfigured
    }

    /// What went wrong, without the provider, code or request id (see `Display` for all).
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The provider that failed, if known.
    pub fn provider(&self) -> Option<&'static str> {
        self.0.provider
    }

    /// The credentials service's error code, if it answered with one.
    pub fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }

    /// The credentials service's request id, if it answered with one.
    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    /// For [`CredentialsErrorKind::NotFound`] (and `NotConfigured`): every source tried and
    /// why it was skipped.
    pub fn sources_tried(&self) -> &[SkippedSource] {
        &self.0.sources_tried
    }

    /// Whether trying again may help.
    pub fn is_retryable(&self) -> bool {
        self.0.retryable
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.kind == CredentialsErrorKind::NotFound {
            f.write_str("no credentials found")?;
            if !self.0.sources_tried.is_empty() {
                f.write_str("; sources tried: ")?;
                for (i, skipped) in self.0.sources_tried.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{skipped}")?;
                }
            }
            return Ok(());
        }
        if let Some(provider) = self.0.provider {
            write!(f, "{provider}: ")?;
        }
        f.write_str(&self.0.message)?;
        match (&self.0.code, &self.0.request_id) {
            (Some(code), Some(id)) => write!(f, " (code {code}, request id {id})"),
            (Some(code), None) => write!(f, " (code {code})"),
            (None, Some(id)) => write!(f, " (request id {id})"),
            (None, None) => Ok(()),
        }
    }
}

impl std::error::Error for CredentialsError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_lists_sources_tried() {
        let error = CredentialsError::not_found(vec![
            SkippedSource {
                source: "environment",
                reason: "ALIBABA_CLOUD_ACCESS_KEY_ID is not set".into(),
            },
            SkippedSource {
                source: "ini_file",
                reason: "/home/test/.alibabacloud/credentials does not exist".into(),
            },
        ]);
        assert_eq!(
            error.to_string(),
            "no credentials found; sources tried: environment: ALIBABA_CLOUD_ACCESS_KEY_ID is not set; ini_file: /home/test/.alibabacloud/credentials does not exist"
        );
        assert_eq!(error.kind(), CredentialsErrorKind::NotFound);
        assert!(!error.is_retryable());
    }

    #[test]
    fn display_names_provider_code_and_request_id() {
        let error =
            CredentialsError::rejected("ram_role_arn", "STS AssumeRole failed: denied", false)
                .with_code("NoPermission")
                .with_request_id("REQ-1");
        assert_eq!(
            error.to_string(),
            "ram_role_arn: STS AssumeRole failed: denied (code NoPermission, request id REQ-1)"
        );
        assert_eq!(error.code(), Some("NoPermission"));
        assert_eq!(error.request_id(), Some("REQ-1"));
        assert_eq!(error.provider(), Some("ram_role_arn"));
    }

    #[test]
    fn legacy_constructors_keep_their_meaning() {
        assert!(!CredentialsError::new("x").is_retryable());
        assert!(CredentialsError::transient("x").is_retryable());
        assert_eq!(CredentialsError::new("boom").to_string(), "boom");
        let skipped = CredentialsError::not_configured("environment", "unset");
        assert!(skipped.is_not_configured());
        assert_eq!(skipped.sources_tried().len(), 1);
    }
}
