//! Shared configuration product clients are built from. (stub: to be written)

use std::sync::Arc;

use crate::credentials::ProvideCredentials;
use crate::error::ConfigError;
use crate::retry::RetryPolicy;
use crate::transport::HttpTransport;

/// Configuration shared by product clients.
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) region: Option<String>,
    pub(crate) credentials: Option<Arc<dyn ProvideCredentials>>,
    pub(crate) endpoint_url: Option<String>,
    pub(crate) transport: Option<Arc<dyn HttpTransport>>,
    pub(crate) retry_policy: RetryPolicy,
}

impl Config {
    /// A builder.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Loads configuration from the environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        todo!("from_env")
    }

    /// The region.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
}

/// Builds a [`Config`].
#[derive(Debug, Default)]
pub struct ConfigBuilder {
    region: Option<String>,
    credentials: Option<Arc<dyn ProvideCredentials>>,
    endpoint_url: Option<String>,
    transport: Option<Arc<dyn HttpTransport>>,
    retry_policy: Option<RetryPolicy>,
}

impl ConfigBuilder {
    /// Sets the region.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }
    /// Sets the credentials provider.
    pub fn credentials_provider(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.credentials = Some(Arc::new(provider));
        self
    }
    /// Sets the endpoint override.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }
    /// Sets the transport.
    pub fn transport(mut self, transport: impl HttpTransport + 'static) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }
    /// Sets the retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self
    }
    /// Builds.
    pub fn build(self) -> Result<Config, ConfigError> {
        Ok(Config {
            region: self.region,
            credentials: self.credentials,
            endpoint_url: self.endpoint_url,
            transport: self.transport,
            retry_policy: self.retry_policy.unwrap_or_default(),
        })
    }
}
