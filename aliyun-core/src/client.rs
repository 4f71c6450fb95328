//! The call executor every generated operation goes through. (stub: to be written)

use crate::config::Config;
use crate::error::Error;
use crate::operation::{Operation, ServiceMetadata};

/// A client for one product, built from a [`Config`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ServiceClient {
    config: Config,
    service: &'static ServiceMetadata,
}

impl ServiceClient {
    /// A client for `service` using `config`.
    pub fn new(config: &Config, service: &'static ServiceMetadata) -> Self {
        ServiceClient {
            config: config.clone(),
            service,
        }
    }

    /// The configured region.
    pub fn region(&self) -> Option<&str> {
        self.config.region()
    }

    /// The product this client calls.
    pub fn service(&self) -> &'static ServiceMetadata {
        self.service
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Validates, signs and sends `input`, retrying per policy, and decodes the output.
    pub async fn call<O: Operation>(&self, input: &O) -> Result<O::Output, Error> {
        input.validate()?;
        todo!("executor")
    }
}
