//! CMS 2019-01-01: the CloudMonitor agent (`InstallMonitoringAgent`,
//! `DescribeMonitoringAgentStatuses`) and the latest metric point (`DescribeMetricLast`),
//! answered in the envelope shape (`Code` `"200"`, `Success` `true`).
//!
//! The agent is the same one the 2017-03-01 `Node*` actions manage: installs move it to
//! `installing`, status polls to `running` after the configured polls or delay. Unlike
//! `NodeInstall`, an install that is going to fail is accepted; the status poll that would
//! have reported `running` reports `install_faild`, and only a `Force` install starts again.
//! `DescribeMetricLast` answers `acs_ecs_dashboard` `cpu_total` points for instances whose
//! agent runs: a fixed value per instance, so tests can compare.

use serde_json::{Map, Value, json};

use super::{Context, Model, Outcome};
use crate::error::ApiError;
use crate::world::{AgentState, World};


/// The 2019-01-01 agent and metric actions.
pub(super) const MODELS: &[Model] = &[
    Model::cms("InstallMonitoringAgent", install_monitoring_agent),
    Model::cms("DescribeMonitoringAgentStatuses", describe_monitoring_agent_statuses),
    Model::cms("DescribeMetricLast", describe_metric_last),
];

/// The account id the emulated points belong to.
const USER_ID: &str = "1234567898765432";

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

/// The instance ids in a `Dimensions` value: a JSON object or array of objects with an
/// `instanceId`. `None` when there is no filter.
fn dimension_instances(ctx: &Context<'_>) -> Result<Option<Vec<String>>, ApiError> {
    let Some(text) = ctx.input.str("Dimensions").filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    let parsed: Value = serde_json::from_str(text).map_err(|_| {
        ctx.spec_error(
            "ParameterInvalid",
            400,
            "Dimensions must be a JSON object or array.",
        )
    })?;
    let items = match parsed {
        Value::Array(items) => items,
        other => vec![other],
    };
    Ok(Some(
        items
            .iter()
            .filter_map(|item| item.get("instanceId").and_then(Value::as_str))
            .map(str::to_owned)
            .collect(),
    ))
}

/// A fixed CPU figure for `instance_id` (percent, two decimals), the same on every call.
fn cpu_total(instance_id: &str) -> f64 {
    // FNV-1a: stable across runs and platforms.
    let hash = instance_id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let hundredths = (hash % 8_000) as f64; // 0.00 .. 79.99
    5.0 + hundredths / 100.0
}

pub(super) fn describe_metric_last(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let namespace = ctx.input.str("Namespace").unwrap_or_default();
    let metric = ctx.input.str("MetricName").unwrap_or_default();
    let wanted = dimension_instances(ctx)?;
    // Points carry the emulator clock's current minute.
    let minute_ms = ctx
        .now
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 60 * 60_000)
        .unwrap_or_default();
    let points: Vec<Value> = if namespace == "acs_ecs_dashboard" && metric == "cpu_total" {
        world
            .iter()
            .filter(|t| t.instance.cms_agent == AgentState::Running)
            .filter(|t| {
                wanted
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&t.instance.id))
            })
            .map(|t| {
                let average = cpu_total(&t.instance.id);
                json!({
                    "timestamp": minute_ms,
                    "userId": USER_ID,
                    "instanceId": t.instance.id,
                    "Minimum": ((average - 3.0).max(0.0) * 100.0).round() / 100.0,
                    "Average": average,
                    "Maximum": ((average + 7.5) * 100.0).round() / 100.0,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut out = ok();
    out.insert("Datapoints".into(), json!(Value::Array(points).to_string()));
    out.insert(
        "Period".into(),
        json!(ctx.input.str("Period").unwrap_or("60")),
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::cpu_total;

    #[test]
    fn cpu_figures_are_fixed_per_instance() {
        assert_eq!(cpu_total("i-1"), cpu_total("i-1"));
        assert_ne!(cpu_total("i-1"), cpu_total("i-2"));
        for n in 0..200 {
            let value = cpu_total(&format!("i-{n}"));
            assert!((5.0..85.0).contains(&value), "{value}");
        }
    }
}
