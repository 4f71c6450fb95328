//! CloudMonitor 2019-01-01 availability monitoring of a monitor group's hosts:
//! `CreateHostAvailability`, `DescribeHostAvailabilityList`, `ModifyHostAvailability`,
//! `EnableHostAvailability`, `DisableHostAvailability`, `DeleteHostAvailability` and
//! `DescribeUnhealthyHostAvailability`.
//!
//! A task belongs to a monitor group (`cms_groups`): an unknown group is `ResourceNotFound`,
//! and a task name is unique within its group (`ResourceExist`). Tasks have numeric ids the
//! world hands out in order and are stored as the list describes them (`NodeTaskConfig`).
//! `TaskType` is `PING`, `TELNET` or `HTTP`; `TaskScope` `GROUP` (every host of the group) or
//! `GROUP_SPEC_INSTANCE` (the hosts of `InstanceList`). Not modelled: no probe runs, so every
//! host is healthy (`DescribeUnhealthyHostAvailability` lists none).

use serde_json::{Map, Value, json};

use super::cms_common::{already_exists, invalid, list_items, not_found, ok, ok_with};
use super::cms_groups::{find_group, num, page, text};
use super::{Context, Model, Outcome};
use crate::error::ApiError;
use crate::store::Resource;
use crate::world::World;

/// The store kind of availability tasks (id: the task id as text).
const TASK: &str = "cms-host-availability";

/// The availability monitoring actions.
pub(super) const MODELS: &[Model] = &[
    Model::cms("CreateHostAvailability", create_task),
    Model::cms("DescribeHostAvailabilityList", describe_tasks),
    Model::cms("ModifyHostAvailability", modify_task),
    Model::cms("EnableHostAvailability", enable_tasks),
    Model::cms("DisableHostAvailability", disable_tasks),
    Model::cms("DeleteHostAvailability", delete_tasks),
    Model::cms("DescribeUnhealthyHostAvailability", describe_unhealthy),
];

const TASK_TYPES: &[&str] = &["PING", "TELNET", "HTTP"];
const SCOPES: &[&str] = &["GROUP", "GROUP_SPEC_INSTANCE"];

/// The first task id (ids count up from it).
const FIRST_ID: u64 = 1_000_000;

/// The alert settings of a create or modify, as the list shows them.
fn alert_config(ctx: &Context<'_>) -> Value {
    let input = ctx.input;
    let config = input.get("AlertConfig").and_then(Value::as_object);
    let field =
        |key: &str, default: Value| config.and_then(|c| c.get(key)).cloned().unwrap_or(default);
    let escalations: Vec<Value> = list_items(ctx, "AlertConfigEscalationList")
        .into_iter()
        .map(|e| {
            let text = |key: &str| match e.get(key) {
                Some(Value::String(s)) => json!(s),
                Some(other) if !other.is_null() => json!(other.to_string()),
                _ => json!(""),
            };
            json!({
                "Aggregate": text("Aggregate"),
                "MetricName": text("MetricName"),
                "Operator": text("Operator"),
                "Times": text("Times"),
                "Value": text("Value"),
            })
        })
        .collect();
    json!({
        "NotifyType": field("NotifyType", json!(0)),
        "StartTime": field("StartTime", json!(0)),
        "EndTime": field("EndTime", json!(24)),
        "SilenceTime": field("SilenceTime", json!(86400)),
        "WebHook": field("WebHook", json!("")),
        "EscalationList": escalations,
        "TargetList": list_items(ctx, "AlertConfigTargetList"),
    })
}

/// Checks a create's or modify's name, type, scope and escalations.
fn check(ctx: &Context<'_>, task_type: &str, scope: &str) -> Result<(), ApiError> {
    if !TASK_TYPES.contains(&task_type) {
        return Err(invalid(
            ctx,
            &format!("TaskType must be one of {}.", TASK_TYPES.join(", ")),
        ));
    }
    if !SCOPES.contains(&scope) {
        return Err(invalid(
            ctx,
            &format!("TaskScope must be one of {}.", SCOPES.join(", ")),
        ));
    }
    if scope == "GROUP_SPEC_INSTANCE" && ctx.input.ids("InstanceList").is_empty() {
        return Err(invalid(
            ctx,
            "TaskScope GROUP_SPEC_INSTANCE needs InstanceList.",
        ));
    }
    if list_items(ctx, "AlertConfigEscalationList").is_empty() {
        return Err(invalid(
            ctx,
            "AlertConfigEscalationList needs at least one rule.",
        ));
    }
    Ok(())
}

/// The name is not another task's of the same group.
fn check_name(
    world: &World,
    ctx: &Context<'_>,
    group: &str,
    own: Option<&str>,
) -> Result<(), ApiError> {
    let name = text(ctx, "TaskName").unwrap_or_default();
    let taken = world.store.iter(TASK).any(|t| {
        t.attrs.get("GroupId").map(Value::to_string).as_deref() == Some(group)
            && t.str("TaskName") == Some(name)
            && own.is_none_or(|id| t.id != id)
    });
    if taken {
        return Err(already_exists(ctx, &format!("TaskName {name}")));
    }
    Ok(())
}

/// The monitor group of `GroupId`: its id as a number and its name.
fn group(world: &World, ctx: &Context<'_>) -> Result<(i64, String), ApiError> {
    let id = num(ctx, "GroupId").ok_or_else(|| invalid(ctx, "GroupId is mandatory."))?;
    let group = find_group(&world.store, ctx, &id.to_string())?;
    Ok((id, group.str("GroupName").unwrap_or_default().to_owned()))
}

fn task_option(ctx: &Context<'_>) -> Value {
    let mut option = ctx
        .input
        .get("TaskOption")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    option.entry("Interval").or_insert(json!(60));
    Value::Object(option)
}

fn create_task(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let (group_id, group_name) = group(world, ctx)?;
    let task_type = text(ctx, "TaskType")
        .unwrap_or_default()
        .to_ascii_uppercase();
    let scope = text(ctx, "TaskScope").unwrap_or("GROUP").to_owned();
    check(ctx, &task_type, &scope)?;
    check_name(world, ctx, &group_id.to_string(), None)?;
    let id = FIRST_ID + world.store.next_seq();
    let mut attrs = Map::new();
    for (key, value) in [
        ("Id", json!(id)),
        ("TaskName", json!(text(ctx, "TaskName").unwrap_or_default())),
        ("TaskType", json!(task_type)),
        ("TaskScope", json!(scope)),
        ("GroupId", json!(group_id)),
        ("GroupName", json!(group_name)),
        ("Disabled", json!(false)),
        ("Instances", json!(ctx.input.ids("InstanceList"))),
        ("TaskOption", task_option(ctx)),
        ("AlertConfig", alert_config(ctx)),
    ] {
        attrs.insert(key.into(), value);
    }
    world.store.insert(TASK, &id.to_string(), "", attrs);
    Ok(ok_with("TaskId", json!(id)))
}

fn describe_tasks(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let mut ids = ctx.input.ids("Ids");
    if let Some(id) = num(ctx, "Id") {
        ids.push(id.to_string());
    }
    let name = text(ctx, "TaskName");
    let group = num(ctx, "GroupId");
    let mut rows: Vec<&Resource> = world
        .store
        .iter(TASK)
        .filter(|t| ids.is_empty() || ids.contains(&t.id))
        .filter(|t| name.is_none_or(|n| t.str("TaskName").unwrap_or_default().contains(n)))
        .filter(|t| group.is_none_or(|g| t.attrs.get("GroupId") == Some(&json!(g))))
        .collect();
    rows.sort_by_key(|t| t.seq);
    page(ctx, rows, "TaskList", 10, |t| {
        Value::Object(t.attrs.clone())
    })
}

fn modify_task(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = num(ctx, "Id").unwrap_or_default().to_string();
    let task = world
        .store
        .get(TASK, &id)
        .cloned()
        .ok_or_else(|| not_found(ctx, &format!("task {id}")))?;
    let (group_id, group_name) = group(world, ctx)?;
    let task_type = task.str("TaskType").unwrap_or_default().to_owned();
    let scope = text(ctx, "TaskScope")
        .or(task.str("TaskScope"))
        .unwrap_or("GROUP")
        .to_owned();
    check(ctx, &task_type, &scope)?;
    check_name(world, ctx, &group_id.to_string(), Some(&id))?;
    let mut attrs = task.attrs;
    attrs.insert(
        "TaskName".into(),
        json!(text(ctx, "TaskName").unwrap_or_default()),
    );
    attrs.insert("TaskScope".into(), json!(scope));
    attrs.insert("GroupId".into(), json!(group_id));
    attrs.insert("GroupName".into(), json!(group_name));
    attrs.insert("AlertConfig".into(), alert_config(ctx));
    if ctx.input.arrived("TaskOption") {
        attrs.insert("TaskOption".into(), task_option(ctx));
    }
    if ctx.input.arrived("InstanceList") {
        attrs.insert("Instances".into(), json!(ctx.input.ids("InstanceList")));
    }
    if let Some(row) = world.store.get_mut(TASK, &id) {
        row.attrs = attrs;
    }
    Ok(ok())
}

/// The tasks of the `Id` list (numbers), each one known.
fn named_tasks(world: &World, ctx: &Context<'_>) -> Result<Vec<String>, ApiError> {
    let ids: Vec<String> = list_items(ctx, "Id")
        .into_iter()
        .map(|v| match v {
            Value::String(s) => s,
            other => other.to_string(),
        })
        .collect();
    if ids.is_empty() {
        return Err(invalid(ctx, "Id is mandatory."));
    }
    for id in &ids {
        if world.store.get(TASK, id).is_none() {
            return Err(not_found(ctx, &format!("task {id}")));
        }
    }
    Ok(ids)
}

fn set_disabled(world: &mut World, ctx: &Context<'_>, disabled: bool) -> Outcome {
    for id in named_tasks(world, ctx)? {
        if let Some(task) = world.store.get_mut(TASK, &id) {
            task.set("Disabled", disabled);
        }
    }
    Ok(ok())
}

fn enable_tasks(world: &mut World, ctx: &Context<'_>) -> Outcome {
    set_disabled(world, ctx, false)
}

fn disable_tasks(world: &mut World, ctx: &Context<'_>) -> Outcome {
    set_disabled(world, ctx, true)
}

fn delete_tasks(world: &mut World, ctx: &Context<'_>) -> Outcome {
    for id in named_tasks(world, ctx)? {
        world.store.remove(TASK, &id);
    }
    Ok(ok())
}

fn describe_unhealthy(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let ids = named_tasks(world, ctx)?;
    let list: Vec<Value> = ids
        .iter()
        .map(|id| json!({ "Id": id.parse::<i64>().unwrap_or_default(), "InstanceList": [] }))
        .collect();
    Ok(ok_with("UnhealthyList", Value::Array(list)))
}
