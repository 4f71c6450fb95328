//! ECS: the cloud assistant lifecycle. `InstallCloudAssistant` marks the client pending a
//! reboot; `RebootInstance` (Running instances only; `DryRun` answers `DryRunOperation`)
//! completes it; `DescribeCloudAssistantStatus` reports it, in either paging style.

use serde_json::{Map, Value, json};

use super::{Context, Model, Outcome, paging};
use crate::clock;
use crate::error::ApiError;
use crate::world::{CLOUD_ASSISTANT_VERSION, CloudAssistantState, InstanceStatus, World};


/// The cloud assistant actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("InstallCloudAssistant", install_cloud_assistant),
    Model::ecs("RebootInstance", reboot_instance),
    Model::ecs("DescribeCloudAssistantStatus", describe_cloud_assistant_status),
];

pub(super) fn install_cloud_assistant(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let region = ctx.input.str("RegionId").unwrap_or_default();
    let ids = ctx.input.strings("InstanceId");
    // Every id is checked before anything changes: the call succeeds or fails as a whole.
    for id in &ids {
        if world.get(id).is_none_or(|t| t.instance.region != region) {
            return Err(ctx.spec_error(
                "InvalidInstance.NotFound",
                404,
                "The specified instance does not exist.",
            ));
        }
    }
    for id in &ids {
        if world.get_mut(id).is_some_and(|t| t.ca_install_fails()) {
            return Err(ctx.spec_error(
                "InternalError.Dispatch",
                500,
                "An error occurred when you dispatched the request.",
            ));
        }
    }
    for id in &ids {
        if let Some(t) = world.get_mut(id) {
            if t.instance.cloud_assistant == CloudAssistantState::NotInstalled {
                t.instance.cloud_assistant = CloudAssistantState::PendingReboot;
            }
        }
    }
    Ok(Map::new())
}

pub(super) fn reboot_instance(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("InstanceId").unwrap_or_default();
    let dry_run = ctx.input.bool("DryRun").unwrap_or(false);
    reboot(world, ctx, id, dry_run)?;
    Ok(Map::new())
}

/// Reboots one instance (`RebootInstance`, and each of `RebootInstances`). The reboot is
/// instantaneous: the instance is `Running` again when the call returns, with a pending cloud
/// assistant now installed. `ForceStop` changes nothing observable here.
pub(super) fn reboot(
    world: &mut World,
    ctx: &Context<'_>,
    id: &str,
    dry_run: bool,
) -> Result<(), ApiError> {
    let region = ctx.input.str("RegionId");
    let Some(tracked) = world
        .get_mut(id)
        .filter(|t| region.is_none_or(|r| t.instance.region == r))
    else {
        return Err(ctx.spec_error(
            "InvalidInstanceId.NotFound",
            404,
            "The specified InstanceId does not exist.",
        ));
    };
    if tracked.instance.locked {
        return Err(ctx.spec_error(
            "InstanceLockedForSecurity",
            403,
            "The specified operation is denied as your instance is locked for security reasons.",
        ));
    }
    match tracked.instance.status {
        InstanceStatus::Running => {}
        InstanceStatus::Pending => {
            return Err(ctx.spec_error(
                "IncorrectInstanceStatus.Initializing",
                403,
                "The specified instance is in an initializing state.",
            ));
        }
        _ => {
            return Err(ctx.spec_error(
                "IncorrectInstanceStatus",
                403,
                "The current status of the resource does not support this operation.",
            ));
        }
    }
    if dry_run {
        return Err(ctx.spec_error(
            "DryRunOperation",
            400,
            "Request validation has been passed with DryRun flag set.",
        ));
    }
    tracked.instance.reboots = tracked.instance.reboots.saturating_add(1);
    if tracked.instance.cloud_assistant == CloudAssistantState::PendingReboot {
        tracked.instance.cloud_assistant = CloudAssistantState::Installed;
        tracked.heartbeat = Some(clock::rfc3339(ctx.now));
    }
    Ok(())
}

pub(super) fn describe_cloud_assistant_status(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let region = input.str("RegionId").unwrap_or_default();
    let wanted = input.strings("InstanceId");
    let os = input.str("OSType");
    let matching: Vec<Value> = world
        .iter()
        .filter(|t| t.instance.region == region)
        .filter(|t| wanted.is_empty() || wanted.contains(&t.instance.id))
        .filter(|t| os.is_none_or(|os| t.instance.os_type == os))
        .map(|t| {
            let installed = t.instance.cloud_assistant == CloudAssistantState::Installed;
            let mut item = json!({
                "InstanceId": t.instance.id,
                "CloudAssistantStatus": installed,
                "OSType": t.instance.os_type,
                "ActiveTaskCount": 0,
                "InvocationCount": 0,
                "SupportSessionManager": installed,
            });
            if installed {
                item["CloudAssistantVersion"] = json!(CLOUD_ASSISTANT_VERSION);
                let heartbeat = t
                    .heartbeat
                    .clone()
                    .unwrap_or_else(|| clock::rfc3339(ctx.now));
                item["LastHeartbeatTime"] = json!(heartbeat);
            }
            item
        })
        .collect();
    let total = matching.len();

    let mut out = Map::new();
    let (offset, size) = paging::window(input, total, &mut out)?;
    let page: Vec<Value> = matching.into_iter().skip(offset).take(size).collect();
    out.insert("InstanceCloudAssistantStatusSet".into(), Value::Array(page));
    Ok(out)
}
