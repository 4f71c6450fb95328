//! CloudMonitor API version 2017-03-01: the legacy agent-management actions (`NodeInstall`,
//! `NodeStatus`, `NodeStatusList`, `NodeUninstall`), generated from
//! `specs/cms-2017-03-01.yaml`, and the fleet rollout built on them.
//!
//! The crate root is API version 2019-01-01, which has every other CloudMonitor action (and its
//! own agent actions, `InstallMonitoringAgent` and `DescribeMonitoringAgentStatuses`). The two
//! versions are separate clients over one configuration: use this module for the `Node*`
//! actions and their rollout, the root for everything else.
//!
//! ## Quick start
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let cms = aliyun_cms::v20170301::Client::from_env()?;
//! let output = cms
//!     .node_install()
//!     .instance_id("i-abcdefgh123456")
//!     .user_id("1234567898765432")
//!     .send()
//!     .await?;
//! println!("request id: {:?}", output.request_id);
//!
//! let status = cms.node_status().instance_id("i-abcdefgh123456").send().await?;
//! println!("agent: {:?}", status.status); // Some(AgentStatus::Installing), ...
//! # Ok(())
//! # }
//! ```
//!
//! These legacy actions report many failures as HTTP 200 with `"Success": false` and an
//! `ErrorCode` other than 200. No official SDK treats that as an error; this crate does: such
//! an answer is an error whose `code()` is the `ErrorCode` as text (`"500"`) and whose
//! `message()` is the `ErrorMessage`, so `?` never hides a failed install.
//!
//! ## Fleets
//!
//! `NodeInstall` takes one instance per call, and about 5% of installs fail.
//! [`Client::agent_rollout`] installs on many instances with bounded concurrency, polls
//! `NodeStatusList` until each agent is `running`, and re-installs failures with `Force`. A
//! status poll that fails transiently (throttling, server errors, timeouts) is counted in
//! [`AgentReport::transient_poll_failures`](workflow::AgentReport::transient_poll_failures),
//! reported as [`AgentEvent::StatusPollFailed`](workflow::AgentEvent::StatusPollFailed) and
//! repeated; one that fails for good (`Forbidden.RAM` for a RAM user without
//! `cms:NodeStatusList`, `InvalidAction.NotFound`) fails the instances it asked about at once,
//! at [`Step::Status`](workflow::Step::Status) with the code and request id, instead of waiting
//! out the deadline:
//!
//! ```no_run
//! # async fn run(cms: aliyun_cms::v20170301::Client, ids: Vec<String>) {
//! use aliyun_cms::v20170301::workflow::{AgentOutcome, PollPolicy};
//!
//! let report = cms
//!     .agent_rollout("1234567898765432", ids)
//!     .concurrency(16)
//!     .force_retries(2)
//!     .poll(PollPolicy::default())
//!     .send()
//!     .await;
//! for result in &report.instances {
//!     if result.outcome != AgentOutcome::Running {
//!         eprintln!("{}: {:?} after {} install(s)", result.instance_id, result.outcome, result.install_attempts);
//!     }
//! }
//! for (id, failure) in report.failures() {
//!     eprintln!("{id}: failed at {:?}: {}", failure.step, failure.summary());
//! }
//! # }
//! ```
//!
//! ## Errors
//!
//! Each action has a `#[non_exhaustive]` error enum: `BadRequest` (`"400"`), `Forbidden`
//! (`"403"`), `NotFound` (`"404"`), `InternalServerError` (`"500"`), and `Other` for everything
//! else (invalid input caught before sending, credentials, timeouts, connection failures,
//! unreadable responses, other codes). Every error answers `code()`, `message()`,
//! `request_id()` and `is_retryable()`.
//!
//! ```no_run
//! # async fn run(cms: aliyun_cms::v20170301::Client) {
//! use aliyun_cms::v20170301::action::node_install::NodeInstallError;
//!
//! let result = cms.node_install().instance_id("i-1").user_id("1").send().await;
//! match result {
//!     Ok(_) => {}
//!     Err(NodeInstallError::InternalServerError(e)) => eprintln!("install failed: {}", e.message()),
//!     Err(other) => eprintln!("{other}"),
//! }
//! # }
//! ```
//!
//! ## Configuration
//!
//! [`Client::new`] takes an [`aliyun_core::Config`] (region, credentials, endpoint, timeouts,
//! retries); [`Client::from_env`] reads `ALIBABA_CLOUD_*` variables, the `aliyun` CLI profile,
//! and `ALIBABA_CLOUD_ENDPOINT_URL_CMS` (or `ALIBABA_CLOUD_ENDPOINT_URL`) for the endpoint.
//! The default endpoint is `metrics.<region>.aliyuncs.com`.
//!
//! ## Testing your code
//!
//! The local emulator (`aliyun-emulator`) serves these actions with a consistent agent state
//! machine (`installing` → `running`, instances configured to fail):
//!
//! ```no_run
//! # async fn run() {
//! use aliyun_emulator::{Emulator, FailMode, Instance};
//!
//! let emulator = Emulator::builder()
//!     .instance(Instance::new("i-flaky").cms_install_fails(FailMode::Once))
//!     .start()
//!     .await
//!     .unwrap();
//! let cms = aliyun_cms::v20170301::Client::new(&emulator.sdk_config_builder().build().unwrap());
//! let report = cms.agent_rollout("1234567898765432", ["i-flaky", "i-emu000001"]).send().await;
//! assert_eq!(report.running().count(), 2); // i-flaky after one Force re-install
//! # }
//! ```
//!
//! Or as a process: `cargo run -p aliyun-emulator -- --listen 127.0.0.1:0`, then set
//! `ALIBABA_CLOUD_ENDPOINT_URL` to the URL it prints and the credentials to its development
//! key (`LTAI5tEmulatorDevKey` / `EmulatorDevSecretNotForProduction`). For unit tests without
//! a socket, `aliyun_core::testing::CaptureTransport` records requests and answers canned
//! responses.

pub use crate::generated::v20170301::client::Client;
pub use crate::generated::v20170301::{PRODUCT, action, types};

pub mod workflow;
