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
//! ## Fleets: the agent rollout, on either API version
//!
//! Both API versions can install the CloudMonitor agent, and both rollouts stay: the same
//! state machine (install, poll until `running`, re-install failures with `Force`, one outcome
//! per instance, the same [`AgentReport`](v20170301::workflow::AgentReport)) on different calls.
//!
//! | | 2017-03-01: [`v20170301::Client::agent_rollout`] | 2019-01-01: [`Client::monitoring_agent_rollout`] |
//! |---|---|---|
//! | Install | `NodeInstall`, one instance per call, needs the account id | `InstallMonitoringAgent`, up to 10 instances per call |
//! | Unknown instance | the call's legacy `ErrorCode` 404 | `ResourceNotFound`: the batch is split until the id is alone |
//! | A failed install | the call answers `ErrorCode` 500 (or the status `install_faild`) | the status says `install_faild` |
//! | Status | `NodeStatusList` | `DescribeMonitoringAgentStatuses` |
//! | Errors | HTTP 200 with `"Success": false` and a numeric `ErrorCode` | HTTP 200 with `"Success": false` and a `Code` (the envelope) |
//! | Afterwards | - | the latest `cpu_total` (`DescribeMetricLast`, `acs_ecs_dashboard`) of each running agent |
//! | Features | always compiled | `monitoring-agent` and `metrics` |
//!
//! A status poll that fails transiently is counted and repeated; one that fails for good
//! (`Forbidden.RAM`) fails the instances it asked about at once, at the status step.
//!
//! ```no_run
//! # #[cfg(all(feature = "monitoring-agent", feature = "metrics"))]
//! # async fn run(cms: aliyun_cms::Client, ids: Vec<String>) {
//! use aliyun_cms::workflow::{AgentOutcome, PollPolicy};
//!
//! let report = cms
//!     .monitoring_agent_rollout(ids)
//!     .force_retries(2) // re-install a failed agent with Force, twice at most
//!     .poll(PollPolicy::default())
//!     .send()
//!     .await;
//! for result in &report.agents.instances {
//!     if result.outcome != AgentOutcome::Running {
//!         eprintln!("{}: {:?}", result.instance_id, result.outcome);
//!     }
//! }
//! for (id, point) in &report.cpu_total {
//!     match point.as_ref().and_then(|p| p.average) {
//!         Some(cpu) => println!("{id}: cpu_total {cpu:.1}%"),
//!         None => println!("{id}: no cpu_total yet"),
//!     }
//! }
//! # }
//! ```
//!
//! The legacy rollout is described in [`v20170301`].
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
//! and the types they use, are compiled. The [`action`] module lists every group and its
//! actions. The legacy [`v20170301`] module is always compiled.
//!
//! ## Testing your code
//!
//! The local emulator (`aliyun-emulator`) serves every action of both versions: it checks
//! signatures and parameters against the specs, answers the spec's example body for actions it
//! does not model, and models the agent's states for both rollouts and `cpu_total` points for
//! running agents. For unit tests
//! without a socket, `aliyun_core::testing::CaptureTransport` (feature `test-util`) records
//! requests and answers canned responses.

#[rustfmt::skip]
mod generated;

pub use generated::client::Client;
pub use generated::{PRODUCT, action, types};

mod agent_rollout;
pub mod v20170301;
#[cfg(all(feature = "monitoring-agent", feature = "metrics"))]
pub mod workflow;

/// The crate README's examples compile (and run), as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
