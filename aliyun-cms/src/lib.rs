//! # aliyun-cms
//!
//! Alibaba Cloud CloudMonitor (CMS) for Rust, generated from its API specs: every action of API
//! version 2019-01-01 at the crate root (metrics, alert rules, event rules, site monitoring,
//! the CloudMonitor agent, ...), and the legacy 2017-03-01 agent actions with their fleet
//! rollout in [`v20170301`].
//!
//! ## Which version
//!
//! | Module | API version | What |
//! |---|---|---|
//! | crate root ([`Client`]) | 2019-01-01 | Every current action: `DescribeMetricLast`, `InstallMonitoringAgent`, `DescribeMonitoringAgentStatuses`, `PutCustomMetric`, ... |
//! | [`v20170301`] ([`v20170301::Client`]) | 2017-03-01 | `NodeInstall`, `NodeStatus`, `NodeStatusList`, `NodeUninstall`, and [`v20170301::Client::agent_rollout`] |
//!
//! Both clients take the same [`aliyun_core::Config`]; build one of each if you need both.
//!
//! ## Quick start
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let cms = aliyun_cms::Client::from_env()?;
//! let last = cms
//!     .describe_metric_last()
//!     .namespace("acs_ecs_dashboard")
//!     .metric_name("cpu_total")
//!     .send()
//!     .await?;
//! println!("data points: {:?}", last.datapoints);
//! # Ok(())
//! # }
//! ```
//!
//! Actions of the 2019-01-01 API report errors in an envelope: an HTTP 200 body whose
//! `Success` is `false` (or whose `Code` is not `200`) is an error here, with the `Code`,
//! `Message` and `RequestId` of the body, so `?` never hides a failed call.
//!
//! ## Errors
//!
//! Each action has a `#[non_exhaustive]` error enum: one variant per documented code, and
//! `Other` for everything else (invalid input caught before sending, credentials, timeouts,
//! connection failures, unreadable responses, other codes). Every error answers `code()`,
//! `message()`, `request_id()` and `is_retryable()`.
//!
//! ## Configuration
//!
//! [`Client::new`] takes an [`aliyun_core::Config`] (region, credentials, endpoint, timeouts,
//! retries); [`Client::from_env`] reads `ALIBABA_CLOUD_*` variables, the `aliyun` CLI profile,
//! and `ALIBABA_CLOUD_ENDPOINT_URL_CMS` (or `ALIBABA_CLOUD_ENDPOINT_URL`) for the endpoint.
//! The default endpoint is `metrics.<region>.aliyuncs.com`.
//!
//! ## Features: pay for what you use
//!
//! Each API group of the 2019-01-01 API (metrics, metric rules, site monitoring, the
//! monitoring agent, ...) is a Cargo feature, all on by default. With
//! `default-features = false` and, say, `features = ["metrics"]`, only that group's actions,
//! and the types they use, are compiled. The [`operation`] module lists every group and its
//! actions. The legacy [`v20170301`] module is always compiled.
//!
//! ## Testing your code
//!
//! The local emulator (`aliyun-emulator`) serves every action of both versions: it checks
//! signatures and parameters against the specs, answers the spec's example body for actions it
//! does not model, and models the agent's states for the legacy rollout. For unit tests
//! without a socket, `aliyun_core::testing::CaptureTransport` (feature `test-util`) records
//! requests and answers canned responses.

#[rustfmt::skip]
mod generated;

pub use generated::client::Client;
pub use generated::{SERVICE, operation, types};

mod agent_rollout;
pub mod v20170301;
#[cfg(all(feature = "monitoring-agent", feature = "metrics"))]
pub mod workflow;
