//! # aliyun-core
//!
//! The runtime every `aliyun-rs` product crate (`aliyun-ecs`, `aliyun-cms`, ...) calls through:
//! configuration, credentials, endpoint resolution, request signing (RPC V1 and V3), the HTTP
//! transport, retries, and error mapping. It knows no product: generated code describes each
//! product and action with [`ProductMetadata`] and [`Action`], and this crate does the rest.

pub mod env;
pub mod error;
pub mod action;
pub mod params;

pub mod credentials;
pub mod signer;
pub mod transport;

pub mod client;
pub mod clock;
pub mod config;
pub mod endpoint;
mod layout;
pub mod pagination;
mod response;
pub mod retry;
#[cfg(any(test, feature = "test-util"))]
pub mod testing;
mod untyped;
mod waiter;
pub mod workflow;

pub use client::ProductClient;
pub use config::{Config, ConfigBuilder};
pub use credentials::{Credentials, CredentialsError, ProvideCredentials};
pub use endpoint::Endpoint;
pub use error::{
    ConfigError, DispatchError, ResponseError, SignatureDiagnosis, TimeoutError, TimeoutKind,
};
pub use error::{Error, InvalidInput, ServiceError};
pub use action::{
    EndpointRules, ErrorCodeInfo, ErrorStyle, HttpMethod, Action, ActionMetadata,
    ParamLocation, ProductMetadata, SignatureVersion,
};
pub use params::Params;
pub use retry::RetryPolicy;
/// Free-form JSON, the Rust type of spec members typed `any` (so product crates need no
/// `serde_json` dependency of their own).
pub use serde_json::Value as JsonValue;
pub use transport::{HttpTransport, ReqwestTransport};
pub use untyped::UntypedCall;
pub use waiter::WaitError;

/// What only generated code calls: lenient decoding (`de`), the checks `build()` runs
/// (`validate`), the macros that write each action's shared impls, and re-exports so product
/// crates depend on `aliyun-core` alone. Not part of the public API: may change in any release.
#[doc(hidden)]
#[path = "private/mod.rs"]
pub mod __private;
pub use credentials::{CredentialsCache, CredentialsChain, DefaultCredentialsChain};
