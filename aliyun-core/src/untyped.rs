//! Untyped calls: any action of a client's product, for actions no spec describes yet.
//!
//! The official SDKs offer this as `CommonRequest`, the `aliyun` CLI as `aliyun ecs <Action>`.
//! Here it goes through the same executor as a generated action: endpoint, credentials,
//! signing, retries and error mapping are identical; only validation (there is no spec to check
//! against) and typed decoding are missing. The answer is the JSON body as a
//! [`serde_json::Value`].

use std::fmt;

use crate::action::{ActionMetadata, HttpMethod, ParamLocation};
use crate::client::{CallSpec, ProductClient};
use crate::error::Error;
use crate::params::{ParamValue, Params};

/// An untyped call being put together. Made by [`ProductClient::untyped_call`].
///
/// ```no_run
/// # async fn run(ecs: aliyun_core::ProductClient) -> Result<(), aliyun_core::Error> {
/// let body = ecs
///     .untyped_call("DescribeRegions")
///     .param("AcceptLanguage", "en-US")
///     .idempotent(true)
///     .send()
///     .await?;
/// println!("{}", body["Regions"]);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
#[must_use = "an untyped call does nothing until `send` is awaited"]
pub struct UntypedCall {
    client: ProductClient,
    action: String,
    version: Option<String>,
    metadata: ActionMetadata,
    params: Params,
}

impl ProductClient {
    /// An untyped call of `action` on this client's product: parameters are sent exactly as
    /// given (wire names and wire values, as in `Tag.1.Key=env`), the body comes back as JSON.
    ///
    /// Defaults: the product's API version, `POST`, parameters in the query string, and not
    /// idempotent (after the request may have reached the service it is not sent again; say
    /// [`idempotent`](UntypedCall::idempotent) for reads).
    pub fn untyped_call(&self, action: impl Into<String>) -> UntypedCall {
        UntypedCall {
            client: self.clone(),
            action: action.into(),
            version: None,
            metadata: ActionMetadata {
                // The executor sends the call's own action name, not this one.
                action: "",
                method: HttpMethod::Post,
                param_location: ParamLocation::Query,
                idempotent: false,
                retryable_codes: &[],
            },
            params: Params::new(),
        }
    }
}

impl UntypedCall {
    /// Adds one parameter in wire form (`InstanceId.1`, `Tag.1.Key`); booleans are sent
    /// lowercase, numbers in decimal.
    pub fn param(mut self, name: impl Into<String>, value: impl ParamValue) -> Self {
        self.params.push(name.into(), &value);
        self
    }

    /// The API version to send (default: the client's product version).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// The HTTP method (default `POST`).
    pub fn method(mut self, method: HttpMethod) -> Self {
        self.metadata.method = method;
        self
    }

    /// Where the parameters travel (default: the query string). A form body needs `POST`.
    pub fn param_location(mut self, location: ParamLocation) -> Self {
        self.metadata.param_location = location;
        self
    }

    /// Whether sending twice has the effect of sending once (default `false`). Only idempotent
    /// calls are sent again after a timeout or a dropped connection.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.metadata.idempotent = idempotent;
        self
    }

    /// The parameters added so far, in wire form.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Signs and sends the call, retrying per the client's policy, and returns the JSON body.
    ///
    /// Errors are those of a generated action: [`Error::Service`] for an error code (with
    /// request id, status and message), [`Error::Response`] for a body that is not JSON, and
    /// the credentials, timeout and connection errors.
    pub async fn send(self) -> Result<serde_json::Value, Error> {
        let version = self
            .version
            .as_deref()
            .unwrap_or(self.client.product().version);
        let call = CallSpec {
            metadata: &self.metadata,
            action: &self.action,
            version,
            locations: &[],
        };
        self.client.call_untyped(&call, &self.params).await
    }
}

impl fmt::Debug for UntypedCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Parameter values may hold secrets (passwords, user data): names only.
        f.debug_struct("UntypedCall")
            .field("product", &self.client.product().code)
            .field("action", &self.action)
            .field("version", &self.version)
            .field("method", &self.metadata.method)
            .field("idempotent", &self.metadata.idempotent)
            .field(
                "params",
                &self.params.iter().map(|(name, _)| name).collect::<Vec<_>>(),
            )
            .finish()
    }
}
