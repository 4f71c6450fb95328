//! # aliyun-emulator
//!
//! A local Alibaba Cloud endpoint for tests, in the spirit of LocalStack and moto: it serves
//! every action of every spec in `specs/` (embedded at build time, plus any given at run time),
//! strict where the real service is strict, with a small consistent world behind the modelled
//! actions, faults on demand and a log of every request.
//!
//! ## From a test
//!
//! ```
//! use std::time::Duration;
//! use aliyun_core::retry::{Backoff, Jitter, RetryPolicy};
//! use aliyun_emulator::{Emulator, Fault};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let emulator = Emulator::start().await.unwrap();
//! // An SDK configuration pointing at the emulator, signed with its development key; tests
//! // keep retry waits short.
//! let quick = Backoff::new(Duration::from_millis(1), Duration::from_millis(1), Jitter::None);
//! let config = emulator
//!     .sdk_config_builder()
//!     .retry_policy(RetryPolicy::default().with_throttling_backoff(quick))
//!     .build()
//!     .unwrap();
//! let ecs = aliyun_ecs::Client::new(&config);
//!
//! ecs.install_cloud_assistant().instance_ids("i-emu000001").send().await.unwrap();
//! ecs.reboot_instance().instance_id("i-emu000001").send().await.unwrap();
//! let status = ecs
//!     .describe_cloud_assistant_status()
//!     .instance_ids("i-emu000001")
//!     .send()
//!     .await
//!     .unwrap();
//! assert_eq!(status.instance_statuses[0].cloud_assistant_status, Some(true));
//!
//! // Faults and the request log.
//! emulator.add_fault(Fault::throttling().action("RebootInstance").times(1));
//! ecs.reboot_instance().instance_id("i-emu000001").send().await.unwrap(); // retried once
//! let reboots = emulator.requests_for("RebootInstance");
//! assert_eq!(reboots.len(), 3);
//! assert_eq!(reboots[1].error_code(), Some("Throttling.User"));
//! assert!(reboots[2].is_ok());
//! assert_ne!(reboots[1].nonce, reboots[2].nonce);
//! emulator.shutdown().await;
//! # }
//! ```
//!
//! On a paused tokio clock, give the SDK [`Emulator::in_process_config_builder`]: requests go
//! to the emulator's pipeline without a socket, so virtual time only moves when every task
//! waits for a timer (loopback I/O would let it jump ahead).
//!
//! ## From the command line
//!
//! `cargo run -p aliyun-emulator -- --listen 127.0.0.1:0` prints
//! `listening on http://127.0.0.1:PORT` as its first line; `--help` lists every flag
//! (keys, instances, faults, clock offset, extra specs).
//!
//! ## The default keys
//!
//! With no key configured the emulator accepts the development key pair
//! [`DEFAULT_ACCESS_KEY_ID`] / [`DEFAULT_ACCESS_KEY_SECRET`]
//! (`LTAI5tEmulatorDevKey` / `EmulatorDevSecretNotForProduction`) and the STS key
//! [`DEFAULT_STS_ACCESS_KEY_ID`] / [`DEFAULT_STS_ACCESS_KEY_SECRET`] with security token
//! [`DEFAULT_STS_SECURITY_TOKEN`]. Configuring any key replaces both.
//!
//! ## What it checks, as Alibaba Cloud does
//!
//! - Routing by `Version` + `Action` (V3: `x-acs-version` + `x-acs-action`):
//!   `InvalidVersion`, `InvalidAction.NotFound` (404), `MissingParameter`.
//! - Signatures V1 and V3 recomputed from whatever parameters arrived (an empty
//!   `SignatureType=` included): `IncompleteSignature`, `SignatureDoesNotMatch` (400, the
//!   message ends with `server string to sign is:` and the server's string),
//!   `InvalidAccessKeyId.NotFound` (404), `SignatureNonceUsed`, `InvalidTimeStamp.Expired`
//!   (15 minutes; every response carries a `Date` header), `InvalidTimeStamp.Format`,
//!   `MissingSecurityToken`, `InvalidSecurityToken.MismatchWithAccessKey` / `.Expired` /
//!   `.Malformed`.
//! - Parameters against the spec: required, integers, booleans (`true`/`True`), enums,
//!   lengths, patterns, ranges, list sizes (`Name.N` and joined lists): `MissingParameter`,
//!   `InvalidParameter`, or the parameter-named code the action's spec documents.
//! - Malformed requests (bad escapes, invalid UTF-8, duplicate parameters, oversized query or
//!   body) get a 4xx in the same JSON shape; nothing panics.
//! - `Format=XML` is answered in XML.
//!
//! ## The world
//!
//! One world per emulator, scoped by region, behind every modelled action
//! ([`Emulator::modelled_actions`] lists them; `GET /_emulator/modelled` too). Every region
//! starts with a default VPC, one default vSwitch per zone, a default security group and a set
//! of public images; ids are in the service's formats (`i-bp1…`, `d-bp1…`, `sg-bp1…`), unique
//! and never masked. The seeded instances ([`Instance`]; by default `i-emu000001`..`i-emu000040`
//! in `cn-hangzhou` and `i-emu000041`..`i-emu000048` in `cn-shanghai`, see
//! [`default_instances`]) sit in their region's default network and are the instances the
//! describe actions return.
//!
//! - Instances: `RunInstances` (`Amount`/`MinAmount`, names with `[begin,width]` or
//!   `UniqueSuffix`, tags, a system disk and `DataDisk.N` made as disks; the image, type,
//!   vSwitch, security groups and key pair checked against the world) and `CreateInstance`;
//!   `Pending` → `Running` (`CreateInstance`: → `Stopped`), `StopInstance(s)`: `Stopping` →
//!   `Stopped`, `StartInstance(s)`: `Starting` → `Running`, each after
//!   [`EmulatorBuilder::instance_transition`] of tokio time (so the generated waiters converge
//!   on a paused test clock). An action in the wrong status answers 403
//!   `IncorrectInstanceStatus` (`.Initializing` while `Pending`); an unknown id 404
//!   `InvalidInstanceId.NotFound`. `DeleteInstance(s)` needs `Stopped` or `Force`, refuses
//!   deletion protection, removes the disks made with the instance and detaches the others.
//!   `DescribeInstances` filters by ids, status, name (`*` wildcards), zone, VPC, vSwitch,
//!   security group, type, image, key pair, addresses and tags, in both paging styles. A
//!   repeated `ClientToken` answers the first launch.
//! - `RebootInstance(s)` completes at once (the instance stays `Running`) and finishes a pending
//!   cloud assistant install. `InstallCloudAssistant`: unknown ids (in `RegionId`) → 404
//!   `InvalidInstance.NotFound`; otherwise the client is pending a reboot.
//!   `DescribeCloudAssistantStatus`: `CloudAssistantStatus` `"true"` only after the reboot.
//! - Paging, wherever an action pages: `NextToken`/`MaxResults` when either is sent,
//!   `PageNumber`/`PageSize` (with `TotalCount`) otherwise; a `NextToken` comes back whenever
//!   entries remain, so a client that starts without paging parameters and follows it sees
//!   everything.
//! - CMS `NodeInstall` → `installing` → `running` after [`EmulatorBuilder::cms_install_polls`]
//!   status polls (default 1) or [`EmulatorBuilder::cms_install_delay`]; instances set to fail
//!   go to `install_faild` with the legacy HTTP-200 `{"Success": false, "ErrorCode": 500}`
//!   answer, and then only a `Force` retry installs again. `NodeStatus`, `NodeStatusList`
//!   (unknown ids left out) and `NodeUninstall` agree with it; unknown instances answer the
//!   legacy `ErrorCode` 404.
//! - ECS cloud assistant commands: `RunCommand` (an inline command) and `InvokeCommand` (one
//!   saved by `CreateCommand`) create an invocation with one result per instance. Every
//!   instance must exist in `RegionId` (else 404 `InvalidInstance.NotFound` for the whole
//!   call); a repeated `ClientToken` answers the first call's invocation (403
//!   `IdempotentParameterMismatch` if the parameters changed). Results read `Running` for
//!   [`EmulatorBuilder::command_duration`] (tokio time), then `Success` with exit code 0 and a
//!   text naming the command (nothing is executed), or the instance's [`CommandResult`];
//!   instances not running or without the cloud assistant fail at once (`InstanceNotRunning`,
//!   `ClientNotRunning`). `DescribeInvocationResults` and `DescribeInvocations` report them,
//!   outputs in Base64 (or `ContentEncoding=PlainText`).
//! - CMS 2019-01-01 `InstallMonitoringAgent` (404 `ResourceNotFound` for an unknown instance,
//!   in the envelope) drives the same agent as `NodeInstall`; an install set to fail is
//!   accepted and reported `install_faild` by `DescribeMonitoringAgentStatuses`, and only a
//!   `Force` install (the spec's default) starts again.
//! - CloudMonitor metric data: deterministic `acs_ecs_dashboard` series (`CPUUtilization`,
//!   `cpu_total`, memory, disk, network, load) for every `Running` instance, the agent's metrics
//!   only where the agent runs; `DescribeMetricLast`, `DescribeMetricList`,
//!   `DescribeMetricData` and `DescribeMetricTop` read them on the emulator's clock (so moving
//!   the clock offset moves the data). Custom metrics and events are stored as sent and read
//!   back; alert rules are judged against the series when described, with an alarm history
//!   derived from them; monitor groups, contacts and event rules keep what they are given.
//!
//! ## What is not modelled, said plainly
//!
//! Any other action of a spec answers its spec's `response.example` with a fresh
//! `RequestId`, whatever was sent: nothing changes and nothing is checked beyond the
//! parameters. Such an answer carries the header `x-emulator-answer: example` (a modelled one
//! `world`; [`ANSWER_SOURCE_HEADER`]) and is logged with
//! [`LoggedRequest::answered_from`] `Example`. [`EmulatorBuilder::strict`] (`--strict`)
//! refuses those actions instead, with HTTP 501 `Emulator.NotModelled` naming the action.
//!
//! ## Faults
//!
//! See [`Fault`]: throttling, `InternalError` (500), `ServiceUnavailable` (503), any error,
//! latency, a connection closed without an answer, truncated JSON, an HTML gateway page (502),
//! a huge body, an empty body, numbers as strings; per action, product and/or instance
//! (named in `InstanceId`, `InstanceId.N`, `InstanceIds`, `InstanceIds.N` or `Dimensions`); for all
//! matching calls, the next N, every k-th or a seeded fraction; before or after the action
//! runs.
//!
//! ## The official SDKs
//!
//! `emulator/tests/python_sdk/run.sh` installs `aliyun-python-sdk-core` in a virtual
//! environment and checks that its requests are accepted and a wrongly signed one is refused
//! with `SignatureDoesNotMatch` quoting the SDK's own string-to-sign (needs PyPI, so it is not
//! part of `cargo test`).
//!
//! ## The admin API
//!
//! Under `/_emulator/`, JSON: health, config, the request log, faults, instances, the clock
//! offset and reset. The table is in the [`admin`] module docs.
//!
//! ## Inside
//!
//! Specs are read through `aliyun-spec` (the model the generator emits from), so the emulator
//! and the SDK agree on every product and action, and no code generator is compiled here. The
//! server (`server.rs`, the accept loop) hands every non-admin request to the pipeline
//! (`pipeline.rs`: read, route by product version and action, authenticate, validate, fault,
//! behave, render), which depends on nothing of the server. Signature *verification* lives here
//! ([`verify`]), over the signer `aliyun-core` shares with the SDK.

#![recursion_limit = "256"]

pub mod admin;
mod auth;
mod behaviour;
mod catalog;
mod clock;
mod commands;
mod error;
pub mod faults;
mod in_process;
mod keys;
pub mod log;
mod managed;
mod params;
mod pipeline;
mod render;
mod request;
mod server;
mod state;
mod store;
pub mod verify;
pub mod world;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use auth::{NONCE_CACHE_CAPACITY, TIMESTAMP_WINDOW};
pub use catalog::{embedded_products, embedded_spec_names};
pub use commands::{CommandResult, DEFAULT_COMMAND_DURATION};
pub use faults::{ActiveFault, Fault, FaultId, FaultKind, Phase, Selector};
pub use in_process::InProcessTransport;
pub use keys::{
    AccessKey, DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, DEFAULT_STS_ACCESS_KEY_ID,
    DEFAULT_STS_ACCESS_KEY_SECRET, DEFAULT_STS_SECURITY_TOKEN, default_keys,
};
pub use log::{AnswerSource, LoggedRequest, Stage, Verdict};
pub use managed::{ManagedInstanceRegistration, RegistrationError};
pub use pipeline::ANSWER_SOURCE_HEADER;
pub use request::{MAX_BODY_BYTES, MAX_PARAMS, MAX_QUERY_BYTES};
pub use world::{
    AgentState, CloudAssistantState, CmsTiming, DEFAULT_TRANSITION, FailMode, Instance,
    InstanceStatus, default_instances,
};

use catalog::{Catalog, SpecSource};
use keys::KeyTable;
use state::{Seed, Shared};
use world::Timings;

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A spec could not be read or is invalid.
    #[error("{0}")]
    Spec(String),
}

/// Configures an [`Emulator`]; [`EmulatorBuilder::start`] runs it.
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    listen: SocketAddr,
    keys: Vec<AccessKey>,
    instances: Vec<Instance>,
    default_instances: bool,
    faults: Vec<Fault>,
    clock_offset_secs: i64,
    embedded_specs: bool,
    specs: Vec<SpecSource>,
    spec_files: Vec<PathBuf>,
    timings: Timings,
    log_capacity: usize,
    strict: bool,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        EmulatorBuilder {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            keys: Vec::new(),
            instances: Vec::new(),
            default_instances: true,
            faults: Vec::new(),
            clock_offset_secs: 0,
            embedded_specs: true,
            specs: Vec::new(),
            spec_files: Vec::new(),
            timings: Timings::default(),
            log_capacity: log::DEFAULT_LOG_CAPACITY,
            strict: false,
        }
    }
}

impl EmulatorBuilder {
    /// The address to listen on (default `127.0.0.1:0`, a free loopback port).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Accepts this key pair. Configuring any key drops the default development keys.
    pub fn access_key(self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.key(AccessKey::new(id, secret))
    }

    /// Accepts this STS key; requests must carry `token`.
    pub fn sts_key(
        self,
        id: impl Into<String>,
        secret: impl Into<String>,
        token: impl Into<String>,
    ) -> Self {
        self.key(AccessKey::sts(id, secret, token))
    }

    /// Accepts `key`.
    pub fn key(mut self, key: AccessKey) -> Self {
        self.keys.push(key);
        self
    }

    /// Adds (or, same id, replaces) an instance in the world.
    pub fn instance(mut self, instance: Instance) -> Self {
        self.instances.push(instance);
        self
    }

    /// Adds several instances.
    pub fn instances(mut self, instances: impl IntoIterator<Item = Instance>) -> Self {
        self.instances.extend(instances);
        self
    }

    /// Starts without the [`default_instances`]: only those added are in the world.
    pub fn no_default_instances(mut self) -> Self {
        self.default_instances = false;
        self
    }

    /// Installs a fault from the start (and again after every reset).
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// Runs the server's clock this many seconds ahead (negative: behind) of the machine's.
    pub fn clock_offset_secs(mut self, secs: i64) -> Self {
        self.clock_offset_secs = secs;
        self
    }

    /// Serves an extra spec (YAML text, named `name` in errors). A spec for a product and
    /// version already served replaces it.
    pub fn spec(mut self, name: impl Into<String>, yaml: impl Into<String>) -> Self {
        self.specs.push(SpecSource {
            name: name.into(),
            text: yaml.into(),
        });
        self
    }

    /// Serves an extra spec read from `path` at start.
    pub fn spec_file(mut self, path: impl AsRef<Path>) -> Self {
        self.spec_files.push(path.as_ref().to_path_buf());
        self
    }

    /// Serves only the specs given with [`spec`](Self::spec) / [`spec_file`](Self::spec_file).
    pub fn without_embedded_specs(mut self) -> Self {
        self.embedded_specs = false;
        self
    }

    /// Status polls that still report `installing` after `NodeInstall` (default 1).
    pub fn cms_install_polls(mut self, polls: u32) -> Self {
        self.timings.cms.polls = polls;
        self
    }

    /// Time after which `installing` becomes `running` regardless of polls (tokio time, so a
    /// paused test clock advances it).
    pub fn cms_install_delay(mut self, delay: Duration) -> Self {
        self.timings.cms.delay = Some(delay);
        self
    }

    /// How long an emulated command runs: its results read `Running` until this much tokio
    /// time has passed since the invocation (default 1 s; a paused test clock advances it).
    pub fn command_duration(mut self, duration: Duration) -> Self {
        self.timings.command = duration;
        self
    }

    /// How long an instance stays in a transitional status (`Pending` after a launch,
    /// `Starting`, `Stopping`) before it settles (default [`DEFAULT_TRANSITION`], 1 s; tokio
    /// time, so a paused test clock advances it). Zero settles at the next request.
    pub fn instance_transition(mut self, duration: Duration) -> Self {
        self.timings.transition = duration;
        self
    }

    /// Refuses every action the emulator does not model (HTTP 501, code
    /// `Emulator.NotModelled`, naming the action) instead of answering its spec's example
    /// body. Use it to make sure a test only relies on behaviour the emulator really has.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// How many requests the log keeps (default 10,000; oldest dropped first).
    pub fn request_log_capacity(mut self, capacity: usize) -> Self {
        self.log_capacity = capacity;
        self
    }

    /// Binds, loads the specs and starts serving on the current tokio runtime.
    pub async fn start(self) -> Result<Emulator, StartError> {
        let mut sources = self.specs;
        for path in &self.spec_files {
            let text = std::fs::read_to_string(path)
                .map_err(|e| StartError::Spec(format!("cannot read {}: {e}", path.display())))?;
            sources.push(SpecSource {
                name: path.display().to_string(),
                text,
            });
        }
        let catalog =
            Catalog::with_embedded(self.embedded_specs, &sources).map_err(StartError::Spec)?;
        let keys = if self.keys.is_empty() {
            default_keys()
        } else {
            self.keys
        };
        let mut instances = if self.default_instances {
            default_instances()
        } else {
            Vec::new()
        };
        instances.extend(self.instances);
        let seed = Seed {
            instances,
            faults: self.faults,
            clock_offset_secs: self.clock_offset_secs,
            timings: self.timings,
            strict: self.strict,
        };
        let shared = Arc::new(Shared::new(
            catalog,
            KeyTable::new(keys),
            seed,
            self.log_capacity,
        ));

        let listener = tokio::net::TcpListener::bind(self.listen)
            .await
            .map_err(|source| StartError::Bind {
                addr: self.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: self.listen,
            source,
        })?;
        let (shutdown, receiver) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, Arc::clone(&shared), receiver));
        Ok(Emulator {
            shared,
            addr,
            base_url: format!("http://{addr}"),
            shutdown,
            task: Some(task),
        })
    }
}

/// A running emulator. Stops when dropped (abruptly) or by [`Emulator::shutdown`] (graceful).
#[derive(Debug)]
pub struct Emulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    base_url: String,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Emulator {
    /// A builder with the defaults: `127.0.0.1:0`, the development keys, the default
    /// instances, every embedded spec, no faults, no clock offset.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// Starts an emulator with the defaults.
    pub async fn start() -> Result<Emulator, StartError> {
        EmulatorBuilder::default().start().await
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The listening address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The first configured key (the development key by default).
    pub fn access_key(&self) -> Option<&AccessKey> {
        self.shared.keys.first()
    }

    /// An SDK configuration builder pointing at this emulator: endpoint, region `cn-hangzhou`
    /// and the first key's credentials. Adjust it (retry policy, timeouts) and build.
    pub fn sdk_config_builder(&self) -> aliyun_core::ConfigBuilder {
        let credentials = match self.access_key() {
            Some(key) => match key.security_token() {
                Some(token) => {
                    aliyun_core::Credentials::new_sts(key.id(), key.secret(), token, None)
                }
                None => aliyun_core::Credentials::new(key.id(), key.secret()),
            },
            None => aliyun_core::Credentials::new(DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET),
        };
        aliyun_core::Config::builder()
            .endpoint_url(self.base_url.clone())
            .region(world::DEFAULT_REGION)
            .credentials_provider(credentials)
    }

    /// A transport into this emulator without a socket (see [`InProcessTransport`]): for
    /// tests on a paused tokio clock, where loopback I/O would let the clock jump ahead.
    pub fn in_process_transport(&self) -> InProcessTransport {
        InProcessTransport::new(Arc::clone(&self.shared))
    }

    /// [`sdk_config_builder`](Self::sdk_config_builder) with the [`in_process_transport`](Self::in_process_transport).
    pub fn in_process_config_builder(&self) -> aliyun_core::ConfigBuilder {
        self.sdk_config_builder()
            .transport(self.in_process_transport())
    }

    /// Every logged request, in arrival order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.requests()
    }

    /// The logged requests of one action, in arrival order.
    pub fn requests_for(&self, action: &str) -> Vec<LoggedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.action.as_deref() == Some(action))
            .collect()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.shared.clear_requests();
    }

    /// Installs a fault; returns its id.
    pub fn add_fault(&self, fault: Fault) -> FaultId {
        self.shared.add_fault(fault)
    }

    /// Removes a fault; `false` if there was none with that id.
    pub fn remove_fault(&self, id: FaultId) -> bool {
        self.shared.remove_fault(id)
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// The installed faults and their counters.
    pub fn faults(&self) -> Vec<ActiveFault> {
        self.shared.faults()
    }

    /// The server clock's offset from the machine's, in seconds.
    pub fn clock_offset_secs(&self) -> i64 {
        self.shared.clock.offset_secs()
    }

    /// Moves the server's clock (positive: ahead of the machine's).
    pub fn set_clock_offset_secs(&self, secs: i64) {
        self.shared.clock.set_offset_secs(secs);
    }

    /// Every instance and its state, by id.
    pub fn instances(&self) -> Vec<Instance> {
        self.shared.instances()
    }

    /// One instance's state.
    pub fn instance(&self, id: &str) -> Option<Instance> {
        self.shared.instance(id)
    }

    /// Adds an instance or replaces the one with the same id (state and counters reset).
    pub fn upsert_instance(&self, instance: Instance) {
        self.shared.upsert_instance(instance);
    }

    /// Removes an instance; `false` if there was none.
    pub fn remove_instance(&self, id: &str) -> bool {
        self.shared.remove_instance(id)
    }

    /// Sets (or with `None` clears) what command runs report for instance `id` from now on;
    /// `false` if there is no such instance.
    pub fn set_command_result(&self, id: &str, result: Option<CommandResult>) -> bool {
        self.shared.set_command_result(id, result)
    }

    /// Registers an on-premises server with an activation from `CreateActivation`, as the
    /// cloud assistant agent would with the activation code; the managed instance's id
    /// (`mi-…`), which `DescribeManagedInstances` then lists.
    ///
    /// # Errors
    ///
    /// [`RegistrationError`] when the activation is unknown, the code wrong, the activation
    /// disabled, expired or used up, or the address outside its range.
    pub fn register_managed_instance(
        &self,
        registration: &ManagedInstanceRegistration,
    ) -> Result<String, RegistrationError> {
        self.shared.register_managed_instance(registration)
    }

    /// Every `(product code, action)` the emulator models (answers from its world), sorted;
    /// any other action of a served spec answers its example body (or, with
    /// [`EmulatorBuilder::strict`], is refused).
    pub fn modelled_actions() -> Vec<(&'static str, &'static str)> {
        behaviour::modelled()
    }

    /// Back to the start-up state: world, faults, clock offset, nonce cache, request log.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Stops accepting, lets open connections finish (up to 5 s), and returns.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn debug_output_holds_no_secret() {
        let builder = Emulator::builder()
            .access_key("id", "very-secret-value")
            .sts_key("STS.id", "another-secret", "token-value");
        let text = format!("{builder:?}");
        assert!(!text.contains("very-secret-value") && !text.contains("token-value"));
        let emulator = builder.start().await.unwrap();
        let text = format!("{emulator:?}");
        assert!(text.contains("\"id\""), "{text}");
        for secret in ["very-secret-value", "another-secret", "token-value"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(emulator.access_key().map(AccessKey::id), Some("id"));
    }

    #[tokio::test]
    async fn bad_runtime_spec_stops_start() {
        let err = Emulator::builder()
            .spec("broken.yaml", "product: {}")
            .start()
            .await
            .unwrap_err();
        assert!(matches!(err, StartError::Spec(_)));
        assert!(err.to_string().contains("broken.yaml"), "{err}");
        let err = Emulator::builder()
            .spec_file("/nonexistent/spec.yaml")
            .start()
            .await
            .unwrap_err();
        assert!(err.to_string().contains("/nonexistent/spec.yaml"), "{err}");
    }
}

/// The crate README's examples compile (and run), as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
