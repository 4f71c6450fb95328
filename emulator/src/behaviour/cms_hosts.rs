//! CMS 2019-01-01: the hosts the CloudMonitor agent is on (`DescribeMonitoringAgentHosts`) and
//! the account's agent settings (`DescribeMonitoringAgentConfig`, `DescribeMonitoringConfig`,
//! `PutMonitoringConfig`).
//!
//! A host is a world instance whose agent was installed (any state but `not_installed` and
//! `uninstalled`); the settings are one account-wide record that starts as a new account's.

use serde_json::{Map, Value, json};

use super::cms_common::{invalid, ok};
use super::cms_metrics::page_of;
use super::cms_processes::CMS_HOST_NAME;
use super::cms_series::USER_ID;
use super::{Context, Model, Outcome};
use crate::world::{AgentState, Tracked, World};

/// The host and settings actions.
pub(super) const MODELS: &[Model] = &[
    Model::cms(
        "DescribeMonitoringAgentHosts",
        describe_monitoring_agent_hosts,
    ),
    Model::cms(
        "DescribeMonitoringAgentConfig",
        describe_monitoring_agent_config,
    ),
    Model::cms("DescribeMonitoringConfig", describe_monitoring_config),
    Model::cms("PutMonitoringConfig", put_monitoring_config),
];

/// The account's agent settings (one row).
const SETTINGS: &str = "cms-monitoring-config";
const SETTINGS_ID: &str = "account";

/// The agent version a host reports.
const AGENT_VERSION: &str = "3.5.10";

/// Whether the agent was installed on `tracked` (it is a CloudMonitor host).
fn is_host(tracked: &Tracked) -> bool {
    !matches!(
        tracked.instance.cms_agent,
        AgentState::NotInstalled | AgentState::Uninstalled
    )
}

/// The host name CloudMonitor shows: `ModifyHostInfo`'s, else the instance's.
fn host_name(tracked: &Tracked) -> &str {
    let ecs = &tracked.ecs;
    ecs.str(CMS_HOST_NAME)
        .or_else(|| ecs.str("HostName"))
        .unwrap_or(&tracked.instance.id)
}

/// `tracked` as a `Host` entry.
fn host(tracked: &Tracked) -> Value {
    let ecs = &tracked.ecs;
    let private_ip = ecs
        .attr("VpcAttributes.PrivateIpAddress")
        .and_then(|ips| ips.get(0))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let eip = ecs.attr("EipAddress.IpAddress").and_then(Value::as_str);
    let eip_id = ecs.attr("EipAddress.AllocationId").and_then(Value::as_str);
    let os = if tracked.instance.os_type.eq_ignore_ascii_case("windows") {
        "Windows"
    } else {
        "Linux"
    };
    json!({
        "InstanceId": tracked.instance.id,
        "HostName": host_name(tracked),
        "Region": tracked.instance.region,
        "OperatingSystem": os,
        "AgentVersion": AGENT_VERSION,
        "AliUid": USER_ID.parse::<u64>().unwrap_or_default(),
        "isAliyunHost": true,
        "NetworkType": ecs.str("InstanceNetworkType").unwrap_or("vpc"),
        "InstanceTypeFamily": ecs.str("InstanceTypeFamily").unwrap_or_default(),
        "SerialNumber": ecs.str("SerialNumber").unwrap_or_default(),
        "IpGroup": private_ip,
        "EipAddress": eip.unwrap_or_default(),
        "EipId": eip_id.unwrap_or_default(),
        "NatIp": "",
    })
}

pub(super) fn describe_monitoring_agent_hosts(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let wanted = |name: &str| input.str(name).map(str::trim).filter(|v| !v.is_empty());
    let ids = input.ids("InstanceIds");
    let serials = input.ids("SerialNumbers");
    if input.bool("AliyunHost") == Some(false) {
        // Every host of the world is an ECS instance: none is a non-Alibaba-Cloud host.
        return hosts_page(ctx, Vec::new());
    }
    let hosts: Vec<Value> = world
        .iter()
        .filter(|t| is_host(t))
        .filter(|t| ids.is_empty() || ids.contains(&t.instance.id))
        .filter(|t| {
            serials.is_empty()
                || t.ecs
                    .str("SerialNumber")
                    .is_some_and(|s| serials.iter().any(|w| w == s))
        })
        .filter(|t| wanted("InstanceRegionId").is_none_or(|r| t.instance.region == r))
        .filter(|t| wanted("HostName").is_none_or(|h| host_name(t) == h))
        .filter(|t| wanted("Status").is_none_or(|s| t.instance.cms_agent.as_str() == s))
        .filter(|t| {
            wanted("KeyWord").is_none_or(|k| t.instance.id.contains(k) || host_name(t).contains(k))
        })
        .map(host)
        .collect();
    hosts_page(ctx, hosts)
}

fn hosts_page(ctx: &Context<'_>, hosts: Vec<Value>) -> Outcome {
    let total = hosts.len();
    let (number, size, items) = page_of(ctx, hosts, 10)?;
    let mut out = ok();
    out.insert("Hosts".into(), Value::Array(items));
    out.insert("Total".into(), json!(total));
    out.insert("PageNumber".into(), json!(number));
    out.insert("PageSize".into(), json!(size));
    out.insert("PageTotal".into(), json!(total.div_ceil(size)));
    Ok(out)
}

/// The settings: `AutoInstall` off and `EnableInstallAgentNewECS` on until changed.
fn settings(world: &World) -> Map<String, Value> {
    world
        .store
        .get(SETTINGS, SETTINGS_ID)
        .map(|r| r.attrs.clone())
        .unwrap_or_else(|| {
            let mut defaults = Map::new();
            defaults.insert("AutoInstall".into(), json!(false));
            defaults.insert("EnableInstallAgentNewECS".into(), json!(true));
            defaults
        })
}

pub(super) fn describe_monitoring_agent_config(world: &mut World, _ctx: &Context<'_>) -> Outcome {
    let mut out = ok();
    out.extend(settings(world));
    out.insert("EnableActiveAlert".into(), json!(""));
    Ok(out)
}

pub(super) fn describe_monitoring_config(world: &mut World, _ctx: &Context<'_>) -> Outcome {
    let mut out = ok();
    out.extend(settings(world));
    Ok(out)
}

pub(super) fn put_monitoring_config(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let auto = ctx.input.bool("AutoInstall");
    let new_ecs = ctx.input.bool("EnableInstallAgentNewECS");
    if auto.is_none() && new_ecs.is_none() {
        return Err(invalid(
            ctx,
            "AutoInstall or EnableInstallAgentNewECS is mandatory for this action.",
        ));
    }
    let mut current = settings(world);
    if let Some(auto) = auto {
        current.insert("AutoInstall".into(), json!(auto));
    }
    if let Some(new_ecs) = new_ecs {
        current.insert("EnableInstallAgentNewECS".into(), json!(new_ecs));
    }
    world.store.insert(SETTINGS, SETTINGS_ID, "", current);
    Ok(ok())
}
