//! CMS 2017-03-01: the CloudMonitor agent lifecycle, answered in the legacy shape
//! (`ErrorCode`/`Success`, failures as HTTP 200 with `"Success": false`).
//!
//! `NodeInstall` moves the agent to `installing`; status polls move it to `running` after the
//! configured number of polls or delay. Instances configured to fail go to `install_faild` and
//! the call answers `ErrorCode` 500; after a failure only a `Force` retry installs again.

use serde_json::{Map, Value, json};

use super::{Context, Model, Outcome};
use crate::error::ApiError;
use crate::world::{AgentState, Tracked, World};


/// The 2017-03-01 agent actions.
pub(super) const MODELS: &[Model] = &[
    Model::cms("NodeInstall", node_install),
    Model::cms("NodeStatus", node_status),
    Model::cms("NodeStatusList", node_status_list),
    Model::cms("NodeUninstall", node_uninstall),
];

fn ok() -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("ErrorCode".into(), json!(200));
    out.insert("Success".into(), json!(true));
    out
}

fn not_found() -> ApiError {
    ApiError::legacy(404, "The specified instance is not found.")
}

fn status_entry(tracked: &Tracked, state: AgentState) -> Value {
    json!({
        "InstanceId": tracked.instance.id,
        "AutoInstall": false,
        "Status": state.as_str(),
    })
}

pub(super) fn node_install(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("InstanceId").unwrap_or_default();
    let force = ctx.input.bool("Force").unwrap_or(false);
    let tracked = world.get_mut(id).ok_or_else(not_found)?;
    match tracked.instance.cms_agent {
        AgentState::Running | AgentState::Installing | AgentState::NeedToUpgrade if !force => {
            return Ok(ok());
        }
        AgentState::InstallFailed if !force => {
            return Err(ApiError::legacy(
                500,
                "The last installation failed; retry with Force=true or install the agent by hand.",
            ));
        }
        _ => {}
    }
    if tracked.cms_install_fails() {
        tracked.instance.cms_agent = AgentState::InstallFailed;
        return Err(ApiError::legacy(
            500,
            "install agent failed: the installation did not complete; retry with Force=true.",
        ));
    }
    tracked.start_cms_install();
    Ok(ok())
}

pub(super) fn node_status(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("InstanceId").unwrap_or_default();
    let timing = world.cms_timing;
    let tracked = world.get_mut(id).ok_or_else(not_found)?;
    let state = tracked.poll_cms(timing);
    let mut out = ok();
    if let Value::Object(entry) = status_entry(tracked, state) {
        out.extend(entry);
    }
    Ok(out)
}

pub(super) fn node_status_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let timing = world.cms_timing;
    let mut entries = Vec::new();
    // Unknown ids are left out of the list, as list queries do.
    for id in ctx.input.strings("InstanceIds") {
        if let Some(tracked) = world.get_mut(&id) {
            let state = tracked.poll_cms(timing);
            entries.push(status_entry(tracked, state));
        }
    }
    let mut out = ok();
    out.insert("NodeStatusList".into(), Value::Array(entries));
    Ok(out)
}

pub(super) fn node_uninstall(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("InstanceId").unwrap_or_default();
    let tracked = world.get_mut(id).ok_or_else(not_found)?;
    match tracked.instance.cms_agent {
        AgentState::NotInstalled | AgentState::Uninstalled => Err(ApiError::legacy(
            404,
            "The CloudMonitor agent is not installed on this instance.",
        )),
        _ => {
            tracked.instance.cms_agent = AgentState::Uninstalled;
            tracked.cms_installing_since = None;
            Ok(ok())
        }
    }
}
