//! What an instance does when its host needs maintenance: `DescribeInstanceMaintenanceAttributes`
//! and `ModifyInstanceMaintenanceAttributes`.
//!
//! Each instance has an action (`Stop`, `AutoRecover` or `AutoRedeploy`; `AutoRecover` until
//! changed), whether it is told beforehand (`NotifyOnMaintenance`, off until changed), and at
//! most one maintenance window, whole hours `HH:00:00` with a start and an end that differ
//! (none until one is set). Like the service: at most 100 ids per call, an unknown id is
//! `InvalidInstanceId.NotFound`, a describe without ids lists the region's instances by page.
//! Not modelled: no maintenance ever happens, so nothing acts on these settings.

use serde_json::{Map, Value, json};

use super::{Context, Model, Outcome, ecs_instances};
use crate::error::ApiError;
use crate::store;
use crate::world::{Tracked, World};

/// The maintenance attribute actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs(
        "DescribeInstanceMaintenanceAttributes",
        describe_maintenance_attributes,
    ),
    Model::ecs(
        "ModifyInstanceMaintenanceAttributes",
        modify_maintenance_attributes,
    ),
];

/// The action on maintenance, when changed from [`DEFAULT_ACTION`].
const ACTION: &str = "_ActionOnMaintenance";
/// Whether the instance is notified, when changed.
const NOTIFY: &str = "_NotifyOnMaintenance";
/// The maintenance windows (`[{"StartTime", "EndTime"}]`), when set.
const WINDOWS: &str = "_MaintenanceWindows";

const DEFAULT_ACTION: &str = "AutoRecover";
const ACTIONS: [&str; 3] = ["Stop", "AutoRecover", "AutoRedeploy"];
/// Most ids one call names.
const MAX_IDS: usize = 100;

/// The instances `InstanceId.N` names, each known in the request's region.
fn named_instances(world: &World, ctx: &Context<'_>) -> Result<Vec<String>, ApiError> {
    let ids = ctx.input.ids("InstanceId");
    if ids.len() > MAX_IDS {
        return Err(ctx.spec_error(
            "InstanceIdLimitExceeded",
            400,
            "At most 100 instance ids may be named.",
        ));
    }
    for id in &ids {
        ecs_instances::find(world, ctx, id)?;
    }
    Ok(ids)
}

fn item(tracked: &Tracked) -> Value {
    let record = &tracked.ecs;
    json!({
        "InstanceId": tracked.instance.id,
        "ActionOnMaintenance": {
            "Value": record.str(ACTION).unwrap_or(DEFAULT_ACTION),
            "DefaultValue": DEFAULT_ACTION,
            "SupportedValues": ACTIONS,
        },
        "NotifyOnMaintenance": record.attrs.get(NOTIFY).and_then(Value::as_bool).unwrap_or(false),
        "MaintenanceWindows": record.attrs.get(WINDOWS).cloned().unwrap_or_else(|| json!([])),
    })
}

fn describe_maintenance_attributes(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let ids = named_instances(world, ctx)?;
    let region = ctx.region();
    let rows: Vec<&Tracked> = if ids.is_empty() {
        world
            .iter()
            .filter(|t| t.instance.region == region)
            .collect()
    } else {
        ids.iter().filter_map(|id| world.get(id)).collect()
    };
    store::page(ctx.input, rows, "MaintenanceAttributes", item)
}

/// `HH:00:00`, a whole hour of the day.
fn is_whole_hour(text: &str) -> bool {
    let mut parts = text.split(':');
    let hour = parts.next().and_then(|h| h.parse::<u8>().ok());
    hour.is_some_and(|h| h < 24)
        && parts.next() == Some("00")
        && parts.next() == Some("00")
        && parts.next().is_none()
        && text.len() == 8
}

/// The `MaintenanceWindow.N` list, checked, in the describe's form.
fn windows(ctx: &Context<'_>) -> Result<Option<Value>, ApiError> {
    let Some(Value::Array(windows)) = ctx.input.get("MaintenanceWindow") else {
        return Ok(None);
    };
    let invalid = |why: &str| ApiError::invalid_parameter("MaintenanceWindow", why);
    let mut checked = Vec::with_capacity(windows.len());
    for window in windows {
        let time = |key: &str| window.get(key).and_then(Value::as_str).unwrap_or_default();
        let (start, end) = (time("StartTime"), time("EndTime"));
        if !is_whole_hour(start) || !is_whole_hour(end) {
            return Err(invalid(
                "StartTime and EndTime are whole hours, as HH:00:00",
            ));
        }
        if start == end {
            return Err(invalid("StartTime and EndTime must differ"));
        }
        checked.push(json!({"StartTime": start, "EndTime": end}));
    }
    Ok(Some(Value::Array(checked)))
}

fn modify_maintenance_attributes(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let ids = named_instances(world, ctx)?;
    if ids.is_empty() {
        return Err(ApiError::missing_parameter("InstanceId"));
    }
    let action = input.str("ActionOnMaintenance").filter(|a| !a.is_empty());
    if let Some(action) = action {
        if !ACTIONS.contains(&action) {
            return Err(ApiError::invalid_parameter(
                "ActionOnMaintenance",
                "expected Stop, AutoRecover or AutoRedeploy",
            ));
        }
    }
    let notify = input.bool("NotifyOnMaintenance");
    let windows = windows(ctx)?;
    for id in &ids {
        if let Some(t) = world.get_mut(id) {
            if let Some(action) = action {
                t.ecs.set(ACTION, action);
            }
            if let Some(notify) = notify {
                t.ecs.set(NOTIFY, notify);
            }
            if let Some(windows) = &windows {
                t.ecs.set(WINDOWS, windows.clone());
            }
        }
    }
    Ok(Map::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_whole_hours() {
        assert!(is_whole_hour("02:00:00"));
        assert!(is_whole_hour("23:00:00"));
        assert!(!is_whole_hour("24:00:00"));
        assert!(!is_whole_hour("02:30:00"));
        assert!(!is_whole_hour("2:00:00"));
        assert!(!is_whole_hour("02:00"));
    }
}
