//! CMS 2019-01-01: processes a monitor group watches on its hosts, with the alerts on their
//! counts (`CreateGroupMonitoringAgentProcess`, `DescribeGroupMonitoringAgentProcess`,
//! `ModifyGroupMonitoringAgentProcess`, `DeleteGroupMonitoringAgentProcess`).
//!
//! Like the service: the group must exist (`ResourceNotFound`); a process needs a name and at
//! least one alert, each with its comparison, level (`critical`, `warn`, `info`), statistic,
//! threshold and times (`ParameterInvalid`); match expressions (`all`, `startWith`, `endWith`,
//! `contains`, `notContains`, `equals` on the process name) are kept as sent. Deleting the
//! group deletes its processes. Not modelled: no process counts are produced, so these alerts
//! never fire.

use serde_json::{Value, json};

use super::cms_common::{invalid, list_items, not_found, ok, ok_with};
use super::cms_groups::{find_group, page, rule_id, text};
use super::{Context, Model, Outcome};
use crate::error::ApiError;
use crate::store::Kind;
use crate::world::World;

/// The group process actions.
pub(super) const MODELS: &[Model] = &[
    Model::cms("CreateGroupMonitoringAgentProcess", create_group_process),
    Model::cms(
        "DescribeGroupMonitoringAgentProcess",
        describe_group_processes,
    ),
    Model::cms("ModifyGroupMonitoringAgentProcess", modify_group_process),
    Model::cms("DeleteGroupMonitoringAgentProcess", delete_group_process),
];

/// Group processes (id in the service's UUID form; `GroupId` as decimal text).
pub(super) const GROUP_PROCESS: Kind = "cms-group-process";

const LEVELS: [&str; 3] = ["critical", "warn", "info"];
const MATCH_FUNCTIONS: [&str; 6] = [
    "all",
    "startWith",
    "endWith",
    "contains",
    "notContains",
    "equals",
];

/// The request's `AlertConfig.N`, checked.
fn alert_configs(ctx: &Context<'_>) -> Result<Vec<Value>, ApiError> {
    let configs = list_items(ctx, "AlertConfig");
    if configs.is_empty() {
        return Err(invalid(ctx, "AlertConfig is mandatory."));
    }
    for config in &configs {
        let field = |key: &str| config.get(key).and_then(Value::as_str).unwrap_or_default();
        for key in [
            "ComparisonOperator",
            "EscalationsLevel",
            "Statistics",
            "Threshold",
            "Times",
        ] {
            if field(key).is_empty() {
                return Err(invalid(ctx, &format!("AlertConfig.N.{key} is mandatory.")));
            }
        }
        if !LEVELS.contains(&field("EscalationsLevel")) {
            return Err(invalid(ctx, "EscalationsLevel is critical, warn or info."));
        }
    }
    Ok(configs)
}

/// The request's `MatchExpress.N`, checked.
fn match_expresses(ctx: &Context<'_>) -> Result<Vec<Value>, ApiError> {
    let expresses = list_items(ctx, "MatchExpress");
    for express in &expresses {
        let function = express
            .get("Function")
            .and_then(Value::as_str)
            .unwrap_or("all");
        if !MATCH_FUNCTIONS.contains(&function) {
            return Err(invalid(ctx, &format!("Function {function} is not known.")));
        }
    }
    Ok(expresses)
}

fn create_group_process(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let group = text(ctx, "GroupId").unwrap_or_default().to_owned();
    find_group(&world.store, ctx, &group)?;
    let name = text(ctx, "ProcessName")
        .ok_or_else(|| invalid(ctx, "ProcessName is mandatory."))?
        .to_owned();
    let alerts = alert_configs(ctx)?;
    let expresses = match_expresses(ctx)?;
    let id = rule_id(&mut world.store);
    world.store.insert(
        GROUP_PROCESS,
        &id,
        "",
        super::ecs_world::obj(json!({
            "Id": id,
            "GroupId": group,
            "ProcessName": name,
            "MatchExpressFilterRelation": text(ctx, "MatchExpressFilterRelation").unwrap_or("and"),
            "MatchExpress": expresses,
            "AlertConfig": alerts,
        })),
    );
    Ok(ok_with("Resource", json!({ "GroupProcessId": id })))
}

fn describe_group_processes(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let group = text(ctx, "GroupId").unwrap_or_default().to_owned();
    find_group(&world.store, ctx, &group)?;
    let name = text(ctx, "ProcessName");
    let rows: Vec<Value> = world
        .store
        .iter(GROUP_PROCESS)
        .filter(|p| p.str("GroupId") == Some(group.as_str()))
        .filter(|p| name.is_none_or(|n| p.str("ProcessName") == Some(n)))
        .map(|p| p.item())
        .collect();
    page(ctx, rows, "Processes", 10, |p| p)
}

/// The group process the request names (`Id` in `GroupId`), or `ResourceNotFound`.
fn process_id(world: &World, ctx: &Context<'_>) -> Result<String, ApiError> {
    let group = text(ctx, "GroupId").unwrap_or_default();
    find_group(&world.store, ctx, group)?;
    let id = text(ctx, "Id").unwrap_or_default();
    world
        .store
        .get(GROUP_PROCESS, id)
        .filter(|p| p.str("GroupId") == Some(group))
        .map(|p| p.id.clone())
        .ok_or_else(|| not_found(ctx, &format!("group process {id}")))
}

fn modify_group_process(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = process_id(world, ctx)?;
    let alerts = alert_configs(ctx)?;
    let relation = text(ctx, "MatchExpressFilterRelation").map(str::to_owned);
    if let Some(process) = world.store.get_mut(GROUP_PROCESS, &id) {
        process.set("AlertConfig", json!(alerts));
        if let Some(relation) = relation {
            process.set("MatchExpressFilterRelation", relation);
        }
    }
    Ok(ok())
}

fn delete_group_process(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = process_id(world, ctx)?;
    world.store.remove(GROUP_PROCESS, &id);
    Ok(ok())
}
