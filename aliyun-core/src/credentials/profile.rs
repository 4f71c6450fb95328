//! The one mapping from a profile's kind to the provider that yields its credentials.
//!
//! Two files describe profiles: the aliyun CLI's `config.json`
//! ([`CliProfileProvider`](super::CliProfileProvider), `mode` = `AK`, `RamRoleArn`, …) and the
//! shared ini file ([`IniFileProvider`](super::IniFileProvider), `type` = `access_key`,
//! `ram_role_arn`, …). Each reads only its own syntax into a [`ProfileSource`];
//! [`ProfileSource::into_provider`] builds the provider, so an option honoured for one format
//! is honoured for the other wherever that format has a key for it.

use std::path::PathBuf;
use std::sync::Arc;

use super::sts::{RoleSession, endpoint_for};
use super::{
    Credentials, EcsRamRoleProvider, OidcProvider, ProvideCredentials, RamRoleArnProvider,
};
use crate::env::Environment;
use crate::transport::HttpTransport;

/// What a profile says credentials come from, whichever file it was read from.
pub(super) enum ProfileSource {
    /// Fixed keys: an AccessKey pair (`AK`, `access_key`) or with an STS token (`StsToken`,
    /// `sts`).
    Static(Credentials),
    /// STS `AssumeRole` signed by credentials from `source` (`RamRoleArn`,
    /// `ChainableRamRoleArn`, `ram_role_arn`).
    RamRoleArn {
        /// Where the signing credentials come from.
        source: Arc<dyn ProvideCredentials>,
        /// The role to assume.
        role_arn: String,
        /// Session settings.
        role: RoleSettings,
        /// `ExternalId`.
        external_id: Option<String>,
    },
    /// The instance's RAM role from the ECS metadata service (`EcsRamRole`, `ecs_ram_role`).
    EcsRamRole {
        /// The role's name; asked of the service when unset.
        role_name: Option<String>,
    },
    /// STS `AssumeRoleWithOIDC` with a token read from a file (`OIDC`, `oidc_role_arn`).
    Oidc {
        /// The role to assume.
        role_arn: String,
        /// The OIDC identity provider's ARN.
        oidc_provider_arn: String,
        /// The file holding the (rotated) token.
        token_file: PathBuf,
        /// Session settings.
        role: RoleSettings,
    },
}

/// The optional settings of an assumed role's session; unset ones keep the provider's
/// defaults.
#[derive(Debug, Default)]
pub(super) struct RoleSettings {
    /// `RoleSessionName`.
    pub session_name: Option<String>,
    /// `DurationSeconds`; 0 counts as unset, as in the official libraries.
    pub duration_seconds: Option<u32>,
    /// `Policy`.
    pub policy: Option<String>,
    /// The STS region; `ALIBABA_CLOUD_STS_REGION` when unset.
    pub sts_region: Option<String>,
    /// The VPC STS endpoint (also chosen by `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true`).
    pub enable_vpc: bool,
}

impl RoleSettings {
    fn apply(self, session: &mut RoleSession) {
        if let Some(name) = self.session_name {
            session.role_session_name = name;
        }
        if let Some(seconds) = self.duration_seconds.filter(|&s| s > 0) {
            session.set_duration_seconds(seconds);
        }
        if let Some(policy) = self.policy {
            session.policy = Some(policy);
        }
    }

    fn endpoint(&self, env: &Environment) -> String {
        endpoint_for(self.sts_region.as_deref(), self.enable_vpc, env)
    }
}

impl ProfileSource {
    /// The provider for this source. Fixed keys are labelled `provider_name` (the file's
    /// provider); STS and metadata calls go through `transport`, token files are read through
    /// `env`.
    pub(super) fn into_provider(
        self,
        provider_name: &'static str,
        env: &Environment,
        transport: &Arc<dyn HttpTransport>,
    ) -> Arc<dyn ProvideCredentials> {
        match self {
            ProfileSource::Static(credentials) => {
                Arc::new(credentials.with_provider_name(provider_name))
            }
            ProfileSource::RamRoleArn {
                source,
                role_arn,
                role,
                external_id,
            } => {
                let mut provider =
                    RamRoleArnProvider::with_source(source, role_arn, transport.clone())
                        .with_sts_endpoint(role.endpoint(env));
                if let Some(external_id) = external_id {
                    provider = provider.with_external_id(external_id);
                }
                Arc::new(provider.edit_session(|session| role.apply(session)))
            }
            ProfileSource::EcsRamRole { role_name } => {
                let mut provider = EcsRamRoleProvider::new(transport.clone());
                if let Some(role_name) = role_name {
                    provider = provider.with_role_name(role_name);
                }
                Arc::new(provider)
            }
            ProfileSource::Oidc {
                role_arn,
                oidc_provider_arn,
                token_file,
                role,
            } => {
                let provider = OidcProvider::new(
                    role_arn,
                    oidc_provider_arn,
                    token_file,
                    env.clone(),
                    transport.clone(),
                )
                .with_sts_endpoint(role.endpoint(env));
                Arc::new(provider.edit_session(|session| role.apply(session)))
            }
        }
    }
}
