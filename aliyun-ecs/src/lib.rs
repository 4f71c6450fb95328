//! # aliyun-ecs
//!
//! Alibaba Cloud Elastic Compute Service (ECS, API version 2014-05-26) for Rust: typed calls
//! generated from `specs/ecs.yaml`, and fleet workflows built on them.
//!
//! ## Quick start
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // Region, credentials and endpoint from the environment.
//! let ecs = aliyun_ecs::Client::from_env()?;
//!
//! let output = ecs
//!     .install_cloud_assistant()
//!     .region_id("cn-hangzhou") // optional: defaults to the client's region
//!     .instance_ids("i-bp1aaaaaaaaaaaaaaaa1") // appends one id; `set_instance_ids` replaces
//!     .instance_ids("i-bp1aaaaaaaaaaaaaaaa2")
//!     .send()
//!     .await?;
//! println!("request id: {:?}", output.request_id);
//! # Ok(())
//! # }
//! ```
//!
//! Every action of the spec is a method on [`Client`] returning the action's builder bound to
//! the client (for example
//! [`RebootInstanceBuilder`](action::reboot_instance::RebootInstanceBuilder)); `send()`
//! validates the input against the spec (required parameters, list sizes, lengths, ranges)
//! before anything goes on the wire, signs, sends, retries per policy, and decodes a typed
//! output: wrapped lists arrive as `Vec`s, booleans sent as strings as `bool`, enums with an
//! `Unknown(String)` arm for values added later. Each parameter is documented once, on the
//! action's input struct; the [`action`] module describes what every builder, call and error
//! offers.
//!
//! ## Fleets
//!
//! [`Client::cloud_assistant_rollout`] installs the cloud assistant on any number of instances:
//! calls of at most the spec's limit, bounded concurrency, unknown ids singled out, an opt-in
//! reboot, and a wait until `DescribeCloudAssistantStatus` reports the client. A status poll
//! that fails transiently (throttling, server errors, timeouts) is counted in
//! [`RolloutReport::transient_poll_failures`](workflow::RolloutReport::transient_poll_failures),
//! reported as [`RolloutEvent::StatusPollFailed`](workflow::RolloutEvent::StatusPollFailed)
//! and repeated; one that fails for good (`Forbidden.RAM`, `InvalidAction.NotFound`) fails the
//! instances it asked about at once, at [`Step::Status`](workflow::Step::Status) with the code
//! and request id, instead of waiting out the deadline.
//!
//! ```no_run
//! # async fn run(ecs: aliyun_ecs::Client, ids: Vec<String>) {
//! use aliyun_ecs::workflow::{InstanceOutcome, PollPolicy, Progress, RolloutEvent};
//!
//! let report = ecs
//!     .cloud_assistant_rollout(ids)
//!     .concurrency(8)
//!     .reboot(false) // explicit: nothing is rebooted otherwise
//!     .wait_until_reported(PollPolicy::default())
//!     .on_progress(Progress::callback(|event: &RolloutEvent| eprintln!("{event:?}")))
//!     .send()
//!     .await;
//! for (id, outcome) in &report.outcomes {
//!     if *outcome != InstanceOutcome::Installed {
//!         eprintln!("{id}: {outcome:?}");
//!     }
//! }
//! for (id, failure) in report.failures() {
//!     eprintln!("{id}: failed at {:?}: {}", failure.step, failure.summary());
//! }
//! # }
//! ```
//!
//! [`Client::command_run`] runs a shell command on any number of instances through the cloud
//! assistant: `RunCommand` calls of at most the spec's limit, each with its own `ClientToken`
//! (the same on every repeat, so a retried call never runs twice), unknown ids singled out, a
//! permanent error that stops sending, then `DescribeInvocationResults` until every instance
//! finished, and per instance the status, exit code, output (decoded from Base64, truncation
//! flagged), error code and message:
//!
//! ```no_run
//! # async fn run(ecs: aliyun_ecs::Client, ids: Vec<String>) {
//! use aliyun_ecs::workflow::{CommandOutcome, PollPolicy};
//!
//! let report = ecs
//!     .command_run("uname -a", ids)
//!     .timeout_secs(60)
//!     .poll(PollPolicy::default())
//!     .send()
//!     .await;
//! for (id, outcome) in &report.outcomes {
//!     match outcome {
//!         CommandOutcome::Finished(result) => {
//!             println!("{id}: {} (exit {:?})\n{}", result.status, result.exit_code, result.output)
//!         }
//!         other => eprintln!("{id}: {other:?}"),
//!     }
//! }
//! assert!(report.all_succeeded() || report.unsuccessful().count() > 0);
//! # }
//! ```
//!
//! Paged actions stream their items across pages:
//!
//! ```no_run
//! # async fn run(ecs: aliyun_ecs::Client) -> Result<(), aliyun_ecs::action::describe_cloud_assistant_status::DescribeCloudAssistantStatusError> {
//! let statuses = ecs
//!     .describe_cloud_assistant_status()
//!     .max_results(50)
//!     .into_paginator()
//!     .collect_items()
//!     .await?;
//! # Ok(())
//! # }
//! ```
//!
//! ## Errors
//!
//! Each action has its own `#[non_exhaustive]` error enum with a variant per documented code,
//! and `Other` for the rest (invalid input, credentials, timeouts, connection failures,
//! unreadable responses, undocumented codes). Every error answers `code()`, `message()`,
//! `request_id()` and `is_retryable()`; [`into_core`](action::install_cloud_assistant::InstallCloudAssistantError::into_core)
//! gives the runtime's [`aliyun_core::Error`] with attempts and whether a failed write may
//! have taken effect.
//!
//! ```no_run
//! # async fn run(ecs: aliyun_ecs::Client) {
//! use aliyun_ecs::action::install_cloud_assistant::InstallCloudAssistantError;
//!
//! match ecs.install_cloud_assistant().instance_ids("i-missing").send().await {
//!     Ok(output) => println!("installed: {:?}", output.request_id),
//!     Err(InstallCloudAssistantError::InvalidInstanceNotFound(e)) => {
//!         eprintln!("no such instance (request {:?})", e.request_id())
//!     }
//!     Err(other) => eprintln!("{} ({:?})", other, other.code()),
//! }
//! # }
//! ```
//!
//! ## Configuration
//!
//! [`Client::new`] takes an [`aliyun_core::Config`]; build one from the environment
//! ([`aliyun_core::Config::from_env`]) or explicitly:
//!
//! ```no_run
//! # fn run() -> Result<(), aliyun_core::error::ConfigError> {
//! use std::time::Duration;
//! use aliyun_core::{Config, Credentials, RetryPolicy};
//!
//! let config = Config::builder()
//!     .region("cn-shanghai")
//!     .credentials_provider(Credentials::new("LTAI...", "secret"))
//!     .read_timeout(Duration::from_secs(20))
//!     .retry_policy(RetryPolicy::default())
//!     .build()?;
//! let ecs = aliyun_ecs::Client::new(&config);
//! # Ok(())
//! # }
//! ```
//!
//! Environment variables: `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET`,
//! `ALIBABA_CLOUD_SECURITY_TOKEN` (and the other sources of the default credentials chain),
//! `ALIBABA_CLOUD_REGION_ID`, and `ALIBABA_CLOUD_ENDPOINT_URL_ECS` (or
//! `ALIBABA_CLOUD_ENDPOINT_URL` for all products) to point the client elsewhere.
//!
//! ## Testing your code
//!
//! Point the client at the local emulator (`aliyun-emulator`), which serves every action of the
//! spec, verifies signatures like Alibaba Cloud, models instances and the cloud assistant, and
//! injects faults on demand. In-process, from a test (`cargo add --dev aliyun-emulator`; this
//! example is compiled and run in the emulator's README, as the emulator is not a dependency of
//! this published crate):
//!
//! ```ignore
//! # async fn run() {
//! use aliyun_emulator::{Emulator, Fault};
//!
//! let emulator = Emulator::start().await.unwrap();
//! let ecs = aliyun_ecs::Client::new(&emulator.sdk_config_builder().build().unwrap());
//! ecs.install_cloud_assistant().instance_ids("i-emu000001").send().await.unwrap();
//!
//! // Faults on demand, and a log of every request.
//! emulator.add_fault(Fault::error(403, "Forbidden.RAM", "not allowed").action("RebootInstance"));
//! let denied = ecs.reboot_instance().instance_id("i-emu000001").send().await;
//! assert!(denied.is_err());
//! let reboots = emulator.requests_for("RebootInstance");
//! assert_eq!(reboots[0].error_code(), Some("Forbidden.RAM"));
//! # }
//! ```
//!
//! Or as a process, for code that reads its configuration from the environment:
//!
//! ```sh
//! cargo run -p aliyun-emulator -- --listen 127.0.0.1:0   # prints: listening on http://127.0.0.1:PORT
//! ALIBABA_CLOUD_ENDPOINT_URL=http://127.0.0.1:PORT \
//! ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tEmulatorDevKey \
//! ALIBABA_CLOUD_ACCESS_KEY_SECRET=EmulatorDevSecretNotForProduction cargo test
//! ```
//!
//! For unit tests without any socket, `aliyun_core::testing::CaptureTransport` records requests
//! and answers canned responses.

//! ## Features: pay for what you use
//!
//! Each API group (instances, disks, images, cloud assistant, security groups, ...) is a Cargo
//! feature, all on by default. With `default-features = false` and, say,
//! `features = ["cloud-assistant"]`, only that group's actions, and the types they use, are
//! compiled. The [`action`] module lists every group and its actions. The [`workflow`]
//! module needs `cloud-assistant`; its cloud assistant rollout also needs `instances`.

#[rustfmt::skip]
mod generated;

pub use generated::client::Client;
pub use generated::{PRODUCT, action, types};

#[cfg(feature = "cloud-assistant")]
pub mod workflow;

/// The crate README's examples compile (and run), as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
