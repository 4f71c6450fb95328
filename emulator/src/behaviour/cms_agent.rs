//! CMS 2019-01-01: the CloudMonitor agent (`InstallMonitoringAgent`,
//! `DescribeMonitoringAgentStatuses`), answered in the envelope shape (`Code` `"200"`,
//! `Success` `true`). Its metric points are read through `cms_metrics`.
//!
//! The agent is the same one the 2017-03-01 `Node*` actions manage: installs move it to
//! `installing`, status polls to `running` after the configured polls or delay. Unlike
//! `NodeInstall`, an install that is going to fail is accepted; the status poll that would
//! have reported `running` reports `install_faild`, and only a `Force` install starts again.

use serde_json::{Map, Value, json};

use super::{Context, Model, Outcome};
use crate::world::{AgentState, World};

/// The 2019-01-01 agent actions.
pub(super) const MODELS: &[Model] = &[
    Model::cms("InstallMonitoringAgent", install_monitoring_agent),
    Model::cms(
        "DescribeMonitoringAgentStatuses",
        describe_monitoring_agent_statuses,
    ),
];

fn ok() -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("Code".into(), json!("200"));
    out.insert("Success".into(), json!(true));
    out
}

pub(super) fn install_monitoring_agent(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let ids = ctx.input.strings("InstanceIds");
    if ids.is_empty() {
        return Err(ctx.spec_error("ParameterInvalid", 400, "InstanceIds is mandatory."));
    }
    // The spec's default: without `Force`, the service installs anyway.
    let force = ctx.input.bool("Force").unwrap_or(true);
    // Every id is checked before anything changes: the call succeeds or fails as a whole.
    if let Some(unknown) = ids.iter().find(|id| world.get(id).is_none()) {
        return Err(ctx.spec_error(
            "ResourceNotFound",
            404,
            &format!("The specified resource is not found: {unknown}."),
        ));
    }
    for id in &ids {
        let Some(tracked) = world.get_mut(id) else {
            continue;
        };
        let busy = matches!(
            tracked.instance.cms_agent,
            AgentState::Running
                | AgentState::Installing
                | AgentState::NeedToUpgrade
                | AgentState::InstallFailed
        );
        if busy && !force {
            // Already there, on its way, or failed: only `Force` installs again.
            continue;
        }
        let doomed = tracked.cms_install_fails();
        tracked.start_cms_install();
        tracked.cms_install_doomed = doomed;
    }
    Ok(ok())
}

pub(super) fn describe_monitoring_agent_statuses(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let timing = world.cms_timing;
    let mut entries = Vec::new();
    // A comma-separated list; unknown ids are left out, as list queries do.
    let ids: Vec<String> = ctx
        .input
        .strings("InstanceIds")
        .iter()
        .flat_map(|list| list.split(','))
        .map(|id| id.trim().to_owned())
        .filter(|id| !id.is_empty())
        .collect();
    for id in ids {
        let Some(tracked) = world.get_mut(&id) else {
            continue;
        };
        let state = tracked.poll_cms(timing);
        let mut entry = json!({
            "InstanceId": id,
            "Status": state.as_str(),
            "AutoInstall": false,
            "OsMonitorStatus": state.as_str(),
        });
        if state == AgentState::InstallFailed {
            entry["AgentInstallErrorCode"] = json!("InstallFailed");
        }
        entries.push(entry);
    }
    let mut out = ok();
    out.insert("NodeStatusList".into(), Value::Array(entries));
    Ok(out)
}
