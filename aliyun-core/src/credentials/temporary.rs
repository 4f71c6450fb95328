//! The fields temporary credentials arrive in, from STS and the ECS metadata service alike,
//! and their checks: one parser for both, so both refuse the same gaps the same way.

use std::fmt::Display;

use serde::Deserialize;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::{Credentials, CredentialsError, parse_expiration};

/// `AccessKeyId`, `AccessKeySecret`, `SecurityToken`, `Expiration`, as parsed from an answer.
///
/// No `Debug`: it holds the secret. Zeroized on drop, error paths included; `Credentials` keeps
/// its own (zeroized) copies.
#[derive(Deserialize, Zeroize, ZeroizeOnDrop)]
pub(crate) struct TemporaryKeys {
    #[serde(rename = "AccessKeyId")]
    access_key_id: Option<String>,
    #[serde(rename = "AccessKeySecret")]
    access_key_secret: Option<String>,
    #[serde(rename = "SecurityToken")]
    security_token: Option<String>,
    #[serde(rename = "Expiration")]
    expiration: Option<String>,
}

impl TemporaryKeys {
    /// Credentials from these fields, for `provider`; `source` names the answer in errors
    /// (`STS AssumeRole response`, `metadata credentials for role R`).
    pub(crate) fn to_credentials(
        &self,
        provider: &'static str,
        source: impl Display,
    ) -> Result<Credentials, CredentialsError> {
        let (Some(id), Some(secret), Some(token)) = (
            non_empty(&self.access_key_id),
            non_empty(&self.access_key_secret),
            non_empty(&self.security_token),
        ) else {
            return Err(CredentialsError::rejected(
                provider,
                format!("{source} lacks AccessKeyId, AccessKeySecret or SecurityToken"),
                false,
            ));
        };
        let expiration = match self.expiration.as_deref() {
            Some(text) => Some(parse_expiration(text).ok_or_else(|| {
                CredentialsError::rejected(
                    provider,
                    format!("{source} has an unreadable Expiration {text:?}"),
                    false,
                )
            })?),
            None => None,
        };
        Ok(Credentials::new_sts(id, secret, token, expiration).with_provider_name(provider))
    }
}

/// The text of a field, unless absent or empty (borrowed: the parsed struct zeroizes it).
fn non_empty(field: &Option<String>) -> Option<&str> {
    field.as_deref().filter(|s| !s.is_empty())
}
