//! The small, consistent world the modelled actions act on: instances in regions, with the
//! cloud assistant and the CloudMonitor agent state of each, and per-instance behaviour flags
//! (installs that fail once or always, locked instances).
//!
//! The whole world sits behind one mutex held for the length of one action, so concurrent
//! requests see each action as atomic.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::commands::{CommandResult, Commands, DEFAULT_COMMAND_DURATION};
use crate::store::{Resource, Store};

/// The region instances go to when none is given.
pub const DEFAULT_REGION: &str = "cn-hangzhou";
/// The cloud assistant version reported once installed.
pub const CLOUD_ASSISTANT_VERSION: &str = "2.2.0.106";

/// An ECS instance's lifecycle status (as ECS spells it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum InstanceStatus {
    /// Running: the only status `RebootInstance` accepts.
    #[default]
    Running,
    /// Stopped.
    Stopped,
    /// Starting.
    Starting,
    /// Stopping.
    Stopping,
    /// Being created (`IncorrectInstanceStatus.Initializing`).
    Pending,
}

impl InstanceStatus {
    /// The wire value (`Running`, `Stopped`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceStatus::Running => "Running",
            InstanceStatus::Stopped => "Stopped",
            InstanceStatus::Starting => "Starting",
            InstanceStatus::Stopping => "Stopping",
            InstanceStatus::Pending => "Pending",
        }
    }
}

/// The cloud assistant client on an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CloudAssistantState {
    /// Not installed: `CloudAssistantStatus` is `"false"`.
    #[default]
    NotInstalled,
    /// `InstallCloudAssistant` ran; takes effect at the next `RebootInstance`.
    PendingReboot,
    /// Installed and running: `CloudAssistantStatus` is `"true"`.
    Installed,
}

/// The CloudMonitor agent on an instance (`NodeStatus.Status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum AgentState {
    /// `not_installed`.
    #[default]
    #[serde(rename = "not_installed")]
    NotInstalled,
    /// `installing`: becomes `running` after the configured number of status polls or delay.
    #[serde(rename = "installing")]
    Installing,
    /// `running`.
    #[serde(rename = "running")]
    Running,
    /// `stopped`.
    #[serde(rename = "stopped")]
    Stopped,
    /// `need_to_upgrade`.
    #[serde(rename = "need_to_upgrade")]
    NeedToUpgrade,
    /// `install_faild` (sic, as the service spells it).
    #[serde(rename = "install_faild")]
    InstallFailed,
    /// `uninstalled`.
    #[serde(rename = "uninstalled")]
    Uninstalled,
}

impl AgentState {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            AgentState::NotInstalled => "not_installed",
            AgentState::Installing => "installing",
            AgentState::Running => "running",
            AgentState::Stopped => "stopped",
            AgentState::NeedToUpgrade => "need_to_upgrade",
            AgentState::InstallFailed => "install_faild",
            AgentState::Uninstalled => "uninstalled",
        }
    }
}

/// Whether an action on an instance fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FailMode {
    /// Never fails.
    #[default]
    Never,
    /// Fails the first time only.
    Once,
    /// Always fails.
    Always,
}

/// One instance: its identity, status, agent states and behaviour flags. Used to seed the
/// world and returned by snapshots.
///
/// ```
/// use aliyun_emulator::{FailMode, Instance, InstanceStatus};
/// let instance = Instance::new("i-web1")
///     .region("cn-shanghai")
///     .os_type("Windows")
///     .status(InstanceStatus::Stopped)
///     .cms_install_fails(FailMode::Once);
/// assert_eq!(instance.region, "cn-shanghai");
/// let parsed = Instance::parse_list("i-web{1..3},os=Windows").unwrap();
/// assert_eq!(parsed.len(), 3);
/// assert_eq!(parsed[2].id, "i-web3");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Instance {
    /// The instance id.
    pub id: String,
    /// The region id.
    pub region: String,
    /// `Linux`, `Windows` or `FreeBSD`.
    pub os_type: String,
    /// The lifecycle status.
    pub status: InstanceStatus,
    /// The cloud assistant client.
    pub cloud_assistant: CloudAssistantState,
    /// The CloudMonitor agent.
    pub cms_agent: AgentState,
    /// Whether `NodeInstall` fails on this instance (`install_faild`, legacy HTTP-200 error).
    pub cms_install_failure: FailMode,
    /// Whether `InstallCloudAssistant` fails for this instance (`InternalError.Dispatch`).
    pub cloud_assistant_install_failure: FailMode,
    /// Locked for security: `RebootInstance` answers `InstanceLockedForSecurity`.
    pub locked: bool,
    /// How many times it was rebooted.
    pub reboots: u32,
    /// What command runs report for this instance instead of the default success (see
    /// [`CommandResult`]).
    pub command_result: Option<CommandResult>,
}

impl Default for Instance {
    fn default() -> Self {
        Instance::new("")
    }
}

impl Instance {
    /// A running Linux instance in [`DEFAULT_REGION`], no agent installed.
    pub fn new(id: impl Into<String>) -> Self {
        Instance {
            id: id.into(),
            region: DEFAULT_REGION.to_owned(),
            os_type: "Linux".to_owned(),
            status: InstanceStatus::Running,
            cloud_assistant: CloudAssistantState::NotInstalled,
            cms_agent: AgentState::NotInstalled,
            cms_install_failure: FailMode::Never,
            cloud_assistant_install_failure: FailMode::Never,
            locked: false,
            reboots: 0,
            command_result: None,
        }
    }

    /// Sets the region.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Sets the OS type.
    pub fn os_type(mut self, os_type: impl Into<String>) -> Self {
        self.os_type = os_type.into();
        self
    }

    /// Sets the status.
    pub fn status(mut self, status: InstanceStatus) -> Self {
        self.status = status;
        self
    }

    /// Sets the cloud assistant state.
    pub fn cloud_assistant(mut self, state: CloudAssistantState) -> Self {
        self.cloud_assistant = state;
        self
    }

    /// Sets the CloudMonitor agent state.
    pub fn cms_agent(mut self, state: AgentState) -> Self {
        self.cms_agent = state;
        self
    }

    /// Makes `NodeInstall` fail once or always.
    pub fn cms_install_fails(mut self, mode: FailMode) -> Self {
        self.cms_install_failure = mode;
        self
    }

    /// Makes `InstallCloudAssistant` fail once or always for requests naming this instance.
    pub fn cloud_assistant_install_fails(mut self, mode: FailMode) -> Self {
        self.cloud_assistant_install_failure = mode;
        self
    }

    /// Makes command runs on this instance report `result`.
    pub fn command_result(mut self, result: CommandResult) -> Self {
        self.command_result = Some(result);
        self
    }

    /// Locks the instance for security.
    pub fn locked(mut self, locked: bool) -> Self {
        self.locked = locked;
        self
    }

    /// Parses the command-line instance syntax: `ID[,key=value...]`, where `ID` may hold one
    /// range `{A..B}` (`i-web{001..120}` gives 120 ids, zero-padded like `A`). Keys: `region`,
    /// `os`, `status` (`Running`, `Stopped`, `Starting`, `Stopping`, `Pending`),
    /// `cloud_assistant` (`not_installed`, `pending_reboot`, `installed`), `cms` (an agent
    /// status such as `running`), `cms_install` and `cloud_assistant_install` (`ok`,
    /// `fail_once`, `fail_always`), `locked` (`true`/`false`).
    pub fn parse_list(spec: &str) -> Result<Vec<Instance>, String> {
        let mut parts = spec.split(',').map(str::trim);
        let id_pattern = parts.next().unwrap_or_default();
        if id_pattern.is_empty() {
            return Err(format!("instance spec {spec:?} has no id"));
        }
        let mut template = Instance::new("");
        for part in parts.filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| format!("expected key=value, got {part:?}"))?;
            template.set(key.trim(), value.trim())?;
        }
        let ids = expand_range(id_pattern)?;
        Ok(ids
            .into_iter()
            .map(|id| Instance {
                id,
                ..template.clone()
            })
            .collect())
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        let bad = || format!("invalid value {value:?} for {key}");
        match key {
            "region" => self.region = value.to_owned(),
            "os" | "os_type" => self.os_type = value.to_owned(),
            "status" => {
                self.status = match value.to_ascii_lowercase().as_str() {
                    "running" => InstanceStatus::Running,
                    "stopped" => InstanceStatus::Stopped,
                    "starting" => InstanceStatus::Starting,
                    "stopping" => InstanceStatus::Stopping,
                    "pending" => InstanceStatus::Pending,
                    _ => return Err(bad()),
                }
            }
            "cloud_assistant" | "ca" => {
                self.cloud_assistant = match value {
                    "not_installed" | "none" => CloudAssistantState::NotInstalled,
                    "pending_reboot" | "pending" => CloudAssistantState::PendingReboot,
                    "installed" => CloudAssistantState::Installed,
                    _ => return Err(bad()),
                }
            }
            "cms" | "cms_agent" => {
                self.cms_agent = serde_json::from_value(serde_json::Value::String(value.into()))
                    .map_err(|_| bad())?;
            }
            "cms_install" => self.cms_install_failure = parse_fail_mode(value).ok_or_else(bad)?,
            "cloud_assistant_install" | "ca_install" => {
                self.cloud_assistant_install_failure = parse_fail_mode(value).ok_or_else(bad)?;
            }
            "locked" => self.locked = value.parse().map_err(|_| bad())?,
            _ => return Err(format!("unknown instance key {key:?}")),
        }
        Ok(())
    }
}

impl FromStr for Instance {
    type Err = String;

    /// One instance (no range) in the [`Instance::parse_list`] syntax.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut list = Instance::parse_list(s)?;
        match list.len() {
            1 => Ok(list.remove(0)),
            n => Err(format!(
                "{s:?} names {n} instances; use Instance::parse_list"
            )),
        }
    }
}

fn parse_fail_mode(value: &str) -> Option<FailMode> {
    match value.replace('-', "_").as_str() {
        "ok" | "never" | "succeed" => Some(FailMode::Never),
        "fail_once" | "once" => Some(FailMode::Once),
        "fail_always" | "fail" | "always" => Some(FailMode::Always),
        _ => None,
    }
}

/// Most ids one range may produce.
const MAX_RANGE: u64 = 100_000;

fn expand_range(pattern: &str) -> Result<Vec<String>, String> {
    let Some((head, rest)) = pattern.split_once('{') else {
        return Ok(vec![pattern.to_owned()]);
    };
    let (range, tail) = rest
        .split_once('}')
        .ok_or_else(|| format!("unclosed '{{' in {pattern:?}"))?;
    let (from, to) = range
        .split_once("..")
        .ok_or_else(|| format!("expected {{A..B}} in {pattern:?}"))?;
    let start: u64 = from
        .parse()
        .map_err(|_| format!("bad range start in {pattern:?}"))?;
    let end: u64 = to
        .parse()
        .map_err(|_| format!("bad range end in {pattern:?}"))?;
    if end < start || end - start >= MAX_RANGE {
        return Err(format!(
            "range in {pattern:?} is empty or larger than {MAX_RANGE}"
        ));
    }
    let width = from.len();
    Ok((start..=end)
        .map(|n| format!("{head}{n:0width$}{tail}"))
        .collect())
}

/// The default seeded instances: `i-emu000001`..`i-emu000040` in `cn-hangzhou` and
/// `i-emu000041`..`i-emu000048` in `cn-shanghai`, all running, no agent installed; every fifth
/// runs Windows, the rest Linux.
pub fn default_instances() -> Vec<Instance> {
    (1..=48)
        .map(|n| {
            let region = if n <= 40 {
                "cn-hangzhou"
            } else {
                "cn-shanghai"
            };
            let os = if n % 5 == 0 { "Windows" } else { "Linux" };
            Instance::new(format!("i-emu{n:06}"))
                .region(region)
                .os_type(os)
        })
        .collect()
}

/// How the CloudMonitor agent install progresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CmsTiming {
    /// Status polls (`NodeStatus` / `NodeStatusList`) that still report `installing` before
    /// `running`.
    pub polls: u32,
    /// Or: time after which `installing` becomes `running` (tokio time, so paused clocks in
    /// tests advance it).
    pub delay: Option<Duration>,
}

impl Default for CmsTiming {
    fn default() -> Self {
        CmsTiming {
            polls: 1,
            delay: None,
        }
    }
}

/// An instance plus the bookkeeping behind its state machines.
#[derive(Debug, Clone)]
pub(crate) struct Tracked {
    pub(crate) instance: Instance,
    pub(crate) cms_polls: u32,
    pub(crate) cms_installing_since: Option<tokio::time::Instant>,
    pub(crate) cms_failed_once: bool,
    /// The running install (`InstallMonitoringAgent`) ends in `install_faild` at the status
    /// poll that would have made it `running`.
    pub(crate) cms_install_doomed: bool,
    pub(crate) ca_failed_once: bool,
    pub(crate) heartbeat: Option<String>,
    /// The instance as ECS describes it (attributes and tags); its `Status` attribute always
    /// equals `instance.status` (both change through [`Tracked::set_status`] only).
    pub(crate) ecs: Resource,
    /// A transitional status in progress (`Pending`, `Starting`, `Stopping`) and where it
    /// ends.
    pub(crate) transition: Option<Transition>,
}

/// Status changes a world remembers; the oldest go first.
pub(crate) const MAX_STATUS_CHANGES: usize = 10_000;

/// An instance's status change (an `Instance:StateChange` event in CloudMonitor).
#[derive(Debug, Clone)]
pub(crate) struct StatusChange {
    pub(crate) instance_id: String,
    pub(crate) instance_name: String,
    pub(crate) region: String,
    /// The status reached (`Pending`, `Running`, ... and `Deleted`).
    pub(crate) status: &'static str,
    /// When, on the tokio clock (a paused test clock moves it).
    pub(crate) at: tokio::time::Instant,
}

fn record_change(
    changes: &mut std::collections::VecDeque<StatusChange>,
    tracked: &Tracked,
    status: &'static str,
    at: tokio::time::Instant,
) {
    if changes.len() == MAX_STATUS_CHANGES {
        changes.pop_front();
    }
    changes.push_back(StatusChange {
        instance_id: tracked.instance.id.clone(),
        instance_name: tracked
            .ecs
            .str("InstanceName")
            .unwrap_or(&tracked.instance.id)
            .to_owned(),
        region: tracked.instance.region.clone(),
        status,
        at,
    });
}

/// A status change under way: the instance reaches `to` at `at` (tokio time, so a paused
/// test clock moves it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Transition {
    pub(crate) to: InstanceStatus,
    pub(crate) at: tokio::time::Instant,
}

impl Tracked {
    fn new(instance: Instance, ecs: Resource) -> Self {
        let mut tracked = Tracked {
            instance,
            cms_polls: 0,
            cms_installing_since: None,
            cms_failed_once: false,
            cms_install_doomed: false,
            ca_failed_once: false,
            heartbeat: None,
            ecs,
            transition: None,
        };
        tracked.set_status(tracked.instance.status);
        tracked
    }

    /// Sets the lifecycle status (and the `Status` attribute describes return).
    pub(crate) fn set_status(&mut self, status: InstanceStatus) {
        self.instance.status = status;
        self.ecs.set("Status", status.to_string());
    }

    /// A status poll: `installing` turns `running` once enough polls or time went by.
    pub(crate) fn poll_cms(&mut self, timing: CmsTiming) -> AgentState {
        if self.instance.cms_agent == AgentState::Installing {
            let waited = match (timing.delay, self.cms_installing_since) {
                (Some(delay), Some(since)) => since.elapsed() >= delay,
                _ => false,
            };
            if self.cms_polls >= timing.polls || waited {
                self.instance.cms_agent = if std::mem::take(&mut self.cms_install_doomed) {
                    AgentState::InstallFailed
                } else {
                    AgentState::Running
                };
            } else {
                self.cms_polls += 1;
            }
        }
        self.instance.cms_agent
    }

    pub(crate) fn start_cms_install(&mut self) {
        self.instance.cms_agent = AgentState::Installing;
        self.cms_install_doomed = false;
        self.cms_polls = 0;
        self.cms_installing_since = Some(tokio::time::Instant::now());
    }

    /// Whether this CMS install attempt fails (consuming a "fail once").
    pub(crate) fn cms_install_fails(&mut self) -> bool {
        match self.instance.cms_install_failure {
            FailMode::Never => false,
            FailMode::Always => true,
            FailMode::Once if self.cms_failed_once => false,
            FailMode::Once => {
                self.cms_failed_once = true;
                true
            }
        }
    }

    /// Whether this cloud assistant install attempt fails (consuming a "fail once").
    pub(crate) fn ca_install_fails(&mut self) -> bool {
        match self.instance.cloud_assistant_install_failure {
            FailMode::Never => false,
            FailMode::Always => true,
            FailMode::Once if self.ca_failed_once => false,
            FailMode::Once => {
                self.ca_failed_once = true;
                true
            }
        }
    }
}

/// How long the world's asynchronous work takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timings {
    pub(crate) cms: CmsTiming,
    /// How long an emulated command runs (tokio time).
    pub(crate) command: Duration,
    /// How long an instance stays in a transitional status (`Pending`, `Starting`,
    /// `Stopping`) before it settles (tokio time).
    pub(crate) transition: Duration,
}

/// How long an instance stays `Pending`, `Starting` or `Stopping` by default.
pub const DEFAULT_TRANSITION: Duration = Duration::from_secs(1);

impl Default for Timings {
    fn default() -> Self {
        Timings {
            cms: CmsTiming::default(),
            command: DEFAULT_COMMAND_DURATION,
            transition: DEFAULT_TRANSITION,
        }
    }
}

/// Every instance by id, every other resource in the store, and the cloud assistant's
/// commands and invocations.
#[derive(Debug, Clone, Default)]
pub(crate) struct World {
    instances: BTreeMap<String, Tracked>,
    /// The instances' status changes, oldest first (at most [`MAX_STATUS_CHANGES`]), which
    /// CloudMonitor reports as `Instance:StateChange` system events.
    pub(crate) status_changes: std::collections::VecDeque<StatusChange>,
    /// Ids of instances with a transition under way.
    transitioning: std::collections::BTreeSet<String>,
    pub(crate) store: Store,
    pub(crate) cms_timing: CmsTiming,
    pub(crate) command_duration: Duration,
    pub(crate) transition_time: Duration,
    pub(crate) commands: Commands,
}

impl World {
    pub(crate) fn new(instances: &[Instance], timings: Timings) -> Self {
        let mut world = World {
            instances: BTreeMap::new(),
            status_changes: Default::default(),
            transitioning: Default::default(),
            store: Store::default(),
            cms_timing: timings.cms,
            command_duration: timings.command,
            transition_time: timings.transition,
            commands: Commands::default(),
        };
        crate::behaviour::seed_world(&mut world.store);
        for instance in instances {
            world.upsert(instance.clone());
        }
        world
    }

    /// Adds an instance or replaces the one with the same id (its ECS record is made from
    /// the region's defaults).
    pub(crate) fn upsert(&mut self, instance: Instance) {
        let replacing = self.instances.contains_key(&instance.id);
        let ecs = crate::behaviour::seed_instance_record(&mut self.store, &instance, replacing);
        self.insert_tracked(Tracked::new(instance, ecs));
    }

    /// Adds an instance whose ECS record the caller made.
    pub(crate) fn insert_tracked(&mut self, tracked: Tracked) {
        let id = tracked.instance.id.clone();
        self.store.reserve_id(&id);
        self.transitioning.remove(&id);
        self.instances.insert(id, tracked);
    }

    /// A new instance with `record` as its ECS record, in `status`.
    pub(crate) fn new_tracked(instance: Instance, record: Resource) -> Tracked {
        Tracked::new(instance, record)
    }

    pub(crate) fn remove(&mut self, id: &str) -> bool {
        self.transitioning.remove(id);
        match self.instances.remove(id) {
            Some(tracked) => {
                let now = tokio::time::Instant::now();
                record_change(&mut self.status_changes, &tracked, "Deleted", now);
                true
            }
            None => false,
        }
    }

    /// Starts a transition of `id` to `to`, shown as `via` until the world's transition time
    /// has passed.
    pub(crate) fn begin_transition(&mut self, id: &str, via: InstanceStatus, to: InstanceStatus) {
        let at = tokio::time::Instant::now() + self.transition_time;
        if let Some(tracked) = self.instances.get_mut(id) {
            tracked.set_status(via);
            tracked.transition = Some(Transition { to, at });
            self.transitioning.insert(id.to_owned());
            let now = tokio::time::Instant::now();
            record_change(&mut self.status_changes, tracked, via.as_str(), now);
        }
    }

    /// Completes every transition whose time has come; `on_settle` sees each instance that
    /// reached its status.
    pub(crate) fn settle(&mut self, mut on_settle: impl FnMut(&mut Tracked)) {
        if self.transitioning.is_empty() {
            return;
        }
        let now = tokio::time::Instant::now();
        let instances = &mut self.instances;
        let changes = &mut self.status_changes;
        self.transitioning.retain(|id| {
            let Some(tracked) = instances.get_mut(id) else {
                return false;
            };
            match tracked.transition {
                Some(t) if t.at <= now => {
                    tracked.transition = None;
                    tracked.set_status(t.to);
                    record_change(changes, tracked, t.to.as_str(), t.at);
                    on_settle(tracked);
                    false
                }
                Some(_) => true,
                None => false,
            }
        });
    }

    pub(crate) fn get(&self, id: &str) -> Option<&Tracked> {
        self.instances.get(id)
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut Tracked> {
        self.instances.get_mut(id)
    }

    /// Instances in id order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Tracked> {
        self.instances.values()
    }

    pub(crate) fn snapshot(&self) -> Vec<Instance> {
        self.instances
            .values()
            .map(|t| t.instance.clone())
            .collect()
    }
}

impl fmt::Display for InstanceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracked(instance: Instance) -> Tracked {
        let mut store = Store::default();
        let ecs = crate::behaviour::seed_instance_record(&mut store, &instance, false);
        Tracked::new(instance, ecs)
    }

    #[test]
    fn parses_instance_specs() {
        let list = Instance::parse_list(
            "i-x{08..11},region=cn-beijing,status=stopped,cms_install=fail-once,ca=installed,cms=running,locked=true",
        )
        .unwrap();
        let ids: Vec<&str> = list.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["i-x08", "i-x09", "i-x10", "i-x11"]);
        assert_eq!(list[0].status, InstanceStatus::Stopped);
        assert_eq!(list[0].cms_install_failure, FailMode::Once);
        assert_eq!(list[0].cloud_assistant, CloudAssistantState::Installed);
        assert_eq!(list[0].cms_agent, AgentState::Running);
        assert!(list[0].locked);
        for bad in [
            "",
            "i-1,nope",
            "i-1,status=Flying",
            "i-{3..1}",
            "i-{1..",
            "i-1,cms=bogus",
        ] {
            assert!(Instance::parse_list(bad).is_err(), "{bad}");
        }
        assert!("i-{1..2}".parse::<Instance>().is_err());
        assert_eq!("i-1".parse::<Instance>().unwrap().id, "i-1");
    }

    #[test]
    fn cms_install_progresses_by_polls() {
        let mut t = tracked(Instance::new("i-1"));
        t.start_cms_install();
        let timing = CmsTiming {
            polls: 2,
            delay: None,
        };
        assert_eq!(t.poll_cms(timing), AgentState::Installing);
        assert_eq!(t.poll_cms(timing), AgentState::Installing);
        assert_eq!(t.poll_cms(timing), AgentState::Running);
        assert_eq!(t.poll_cms(timing), AgentState::Running);
    }

    #[test]
    fn fail_once_fails_once() {
        let mut t = tracked(Instance::new("i-1").cms_install_fails(FailMode::Once));
        assert!(t.cms_install_fails());
        assert!(!t.cms_install_fails());
        let mut t = tracked(Instance::new("i-1").cms_install_fails(FailMode::Always));
        assert!(t.cms_install_fails());
        assert!(t.cms_install_fails());
    }

    #[test]
    fn default_world_shape() {
        let all = default_instances();
        assert_eq!(all.len(), 48);
        assert_eq!(all[0].id, "i-emu000001");
        assert_eq!(all.iter().filter(|i| i.region == "cn-hangzhou").count(), 40);
        assert_eq!(all[4].os_type, "Windows");
    }
}
