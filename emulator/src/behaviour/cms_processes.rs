//! CMS 2019-01-01: what the CloudMonitor agent watches on a host and the agent's own end:
//! process monitoring (`CreateMonitoringAgentProcess` and the older `CreateMonitorAgentProcess`,
//! `DescribeMonitoringAgentProcesses`, `DeleteMonitoringAgentProcess`), the host's name as
//! CloudMonitor shows it (`ModifyHostInfo`), and `UninstallMonitoringAgent`.
//!
//! Like the service: every action names a world instance (`ResourceNotFound`); a process is
//! watched once per instance (a second `ParameterInvalid`) and deleted by id or by name;
//! uninstalling needs an installed agent (`AgentStateError`, HTTP 412), after which the host
//! leaves `DescribeMonitoringAgentHosts` and its status reads `uninstalled`; a renamed host
//! keeps its ECS host name (`DescribeInstances` does not change). Not modelled: no process
//! metrics are produced.

use serde_json::{Value, json};

use super::cms_common::{invalid, not_found, ok, ok_with, refusal};
use super::{Context, Model, Outcome};
use crate::error::ApiError;
use crate::store::Kind;
use crate::world::{AgentState, Tracked, World};

/// The process monitoring, host name and uninstall actions.
pub(super) const MODELS: &[Model] = &[
    Model::cms("CreateMonitoringAgentProcess", create_process),
    Model::cms("CreateMonitorAgentProcess", create_process),
    Model::cms("DescribeMonitoringAgentProcesses", describe_processes),
    Model::cms("DeleteMonitoringAgentProcess", delete_process),
    Model::cms("ModifyHostInfo", modify_host_info),
    Model::cms("UninstallMonitoringAgent", uninstall_monitoring_agent),
];

/// Watched processes (id = a number, as the service gives them).
const PROCESS: Kind = "cms-process";
/// The host name CloudMonitor shows, when `ModifyHostInfo` set one (on the instance record).
pub(super) const CMS_HOST_NAME: &str = "_CmsHostName";

/// The instance the request names, or `ResourceNotFound`.
fn named_instance<'a>(
    world: &'a mut World,
    ctx: &Context<'_>,
) -> Result<&'a mut Tracked, ApiError> {
    let id = ctx.input.str("InstanceId").unwrap_or_default();
    world.get_mut(id).ok_or_else(|| not_found(ctx, id))
}

fn create_process(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let instance = named_instance(world, ctx)?.instance.id.clone();
    let name = input
        .str("ProcessName")
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| invalid(ctx, "ProcessName is mandatory."))?;
    let watched = world.store.iter(PROCESS).any(|p| {
        p.str("InstanceId") == Some(instance.as_str()) && p.str("ProcessName") == Some(name)
    });
    if watched {
        return Err(invalid(
            ctx,
            &format!("Process {name} is already monitored on {instance}."),
        ));
    }
    let seq = world.store.next_seq();
    let id = seq.to_string();
    world.store.insert(
        PROCESS,
        &id,
        "",
        super::ecs_world::obj(json!({
            "ProcessId": seq,
            "ProcessName": name,
            "ProcessUser": input.str("ProcessUser").unwrap_or_default(),
            "InstanceId": instance,
            "GroupId": "",
            "Command": "number",
        })),
    );
    Ok(ok_with("Id", json!(seq)))
}

fn describe_processes(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let instance = named_instance(world, ctx)?.instance.id.clone();
    let processes: Vec<Value> = world
        .store
        .iter(PROCESS)
        .filter(|p| p.str("InstanceId") == Some(instance.as_str()))
        .map(|p| p.item())
        .collect();
    Ok(ok_with("NodeProcesses", Value::Array(processes)))
}

fn delete_process(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let instance = named_instance(world, ctx)?.instance.id.clone();
    let by_id = input.str("ProcessId").filter(|i| !i.is_empty());
    let by_name = input.str("ProcessName").filter(|n| !n.is_empty());
    if by_id.is_none() && by_name.is_none() {
        return Err(invalid(ctx, "ProcessId or ProcessName is mandatory."));
    }
    let found = world
        .store
        .iter(PROCESS)
        .find(|p| {
            p.str("InstanceId") == Some(instance.as_str())
                && by_id.is_none_or(|id| p.id == id)
                && by_name.is_none_or(|name| p.str("ProcessName") == Some(name))
        })
        .map(|p| p.id.clone())
        .ok_or_else(|| not_found(ctx, by_id.or(by_name).unwrap_or_default()))?;
    world.store.remove(PROCESS, &found);
    Ok(ok())
}

fn modify_host_info(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let name = ctx
        .input
        .str("HostName")
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| invalid(ctx, "HostName is mandatory."))?
        .to_owned();
    named_instance(world, ctx)?.ecs.set(CMS_HOST_NAME, name);
    Ok(ok())
}

fn uninstall_monitoring_agent(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let tracked = named_instance(world, ctx)?;
    if matches!(
        tracked.instance.cms_agent,
        AgentState::NotInstalled | AgentState::Uninstalled | AgentState::Installing
    ) {
        return Err(refusal(
            ctx,
            "AgentStateError",
            412,
            &format!(
                "The agent on {} is {}: there is nothing to uninstall.",
                tracked.instance.id,
                tracked.instance.cms_agent.as_str()
            ),
        ));
    }
    tracked.instance.cms_agent = AgentState::Uninstalled;
    tracked.cms_installing_since = None;
    Ok(ok())
}
