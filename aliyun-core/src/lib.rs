//! # aliyun-core
//!
//! The runtime every `aliyun-rs` product crate (`aliyun-ecs`, `aliyun-cms`, ...) calls through:
//! configuration, credentials, endpoint resolution, request signing (RPC V1 and V3), the HTTP
//! transport, retries, and error mapping. It knows no product: generated code describes each
//! product and action with [`ProductMetadata`] and [`Action`], and this crate does the rest.
//!
//! ## Three faces
//!
//! - **The crate root is the user's API**: [`Config`], [`Error`] (and [`ServiceError`], what the
//!   remote service answered), [`credentials`], [`ProductClient`] (what each product crate's
//!   `Client` wraps; [`UntypedCall`] for actions no spec describes yet), paging
//!   ([`pagination`]), [`retry`] policies and the fleet [`workflow`] helpers.
//! - **What only generated code calls** (lenient decoding, the checks `build()` runs, the
//!   macros that write each action's shared impls) lives in one hidden module, `__private`:
//!   not part of the public API, it may change in any release.
//! - **Test doubles** (`testing`: a capturing transport, a test configuration, the runners of
//!   each action's table of test cases, the response-decoding fuzzer) exist only with the
//!   `test-util` feature, which product crates enable for their own tests; a user's build
//!   compiles none of it.
//!
//! ## One home per concern
//!
//! The executor ([`ProductClient::call`]) keeps the retry loop; [`retry`] decides, for every
//! caller (the STS client included), which failures are throttling, transient or clock skew.
//! Each signature version owns its signer ([`signer::v1`], [`signer::v3`]) and, beside it, its
//! request layout (URL, body, headers). What a finished call did (attempts, whether it may
//! have taken effect) is recorded once, as the error's [`CallRecord`]. Signature
//! *verification* lives in the emulator; the signer here stays pure.

pub mod action;
pub mod env;
pub mod error;
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

pub use action::{
    Action, ActionMetadata, EndpointRules, ErrorStyle, HttpMethod, ParamLocation, ProductMetadata,
    SignatureVersion,
};
pub use client::ProductClient;
pub use config::{Config, ConfigBuilder};
pub use credentials::{Credentials, CredentialsError, ProvideCredentials};
pub use endpoint::Endpoint;
pub use error::{
    CallRecord, ConfigError, DispatchError, ResponseError, SignatureDiagnosis, TimeoutError,
    TimeoutKind,
};
pub use error::{Error, InvalidInput, ServiceError};
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

/// The crate README's examples compile (and run), as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
