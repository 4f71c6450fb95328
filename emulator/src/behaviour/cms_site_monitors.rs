//! CloudMonitor 2019-01-01 site monitoring tasks (availability probes of an address):
//! `CreateSiteMonitor`, `DescribeSiteMonitorList`, `DescribeSiteMonitorAttribute`,
//! `ModifySiteMonitor`, `EnableSiteMonitors`, `DisableSiteMonitors` and `DeleteSiteMonitors`.
//!
//! Tasks are account-wide (region `""`), with UUID-form ids the world hands out in order.
//! Like the service: a task name is unique (`NameRepeat`), an HTTP(S) task's address is a URL
//! (`IllegalAddress`), the interval is 1, 5, 15, 30 or 60 minutes, `TaskState` is `1` (enabled)
//! or `2` (disabled), the list pages with `Page`/`PageSize` and finds `Keyword` in names and
//! addresses, and the batch actions take comma-separated `TaskIds` and count what they
//! changed. Not modelled: no probe runs, so there is no monitoring data, and
//! `DescribeSiteMonitorAttribute` lists no alert rules.

use std::time::SystemTime;

use serde_json::{Map, Value, json};

use super::cms_alerts::cms_page;
use super::cms_common::{not_found, ok, ok_with, refusal};
use super::cms_groups::{num, text};
use super::{Context, Model, Outcome};
use crate::error::ApiError;
use crate::store::Resource;
use crate::world::World;

/// The store kind of site monitoring tasks (id: the task id).
const TASK: &str = "cms-site-monitor";

/// The site monitoring actions.
pub(super) const MODELS: &[Model] = &[
    Model::cms("CreateSiteMonitor", create_task),
    Model::cms("DescribeSiteMonitorList", describe_tasks),
    Model::cms("DescribeSiteMonitorAttribute", describe_task),
    Model::cms("ModifySiteMonitor", modify_task),
    Model::cms("EnableSiteMonitors", enable_tasks),
    Model::cms("DisableSiteMonitors", disable_tasks),
    Model::cms("DeleteSiteMonitors", delete_tasks),
];

/// The probe protocols a task may use.
const TASK_TYPES: &[&str] = &[
    "HTTP",
    "HTTPS",
    "PING",
    "TCP",
    "UDP",
    "DNS",
    "SMTP",
    "POP3",
    "FTP",
    "WEBSOCKET",
];
/// Probe intervals in minutes.
const INTERVALS: &[&str] = &["1", "5", "15", "30", "60"];

/// `YYYY-MM-DD hh:mm:ss`, as the task list writes times.
fn list_time(t: SystemTime) -> String {
    crate::clock::rfc3339(t)
        .get(..19)
        .unwrap_or_default()
        .replace('T', " ")
}

/// `InvalidQueryParameter`, the code these actions document for a bad value, with the reason.
fn invalid(ctx: &Context<'_>, why: &str) -> ApiError {
    refusal(ctx, "InvalidQueryParameter", 400, why)
}

/// Checks the name (unique among the other tasks), address, type and interval a create or
/// modify sets.
fn check(world: &World, ctx: &Context<'_>, task: Option<&Resource>) -> Result<(), ApiError> {
    if let Some(name) = text(ctx, "TaskName") {
        let length = name.chars().count();
        if !(4..=100).contains(&length) {
            return Err(invalid(ctx, "TaskName must be 4 to 100 characters long."));
        }
        let taken = world
            .store
            .iter(TASK)
            .any(|t| t.str("TaskName") == Some(name) && task.is_none_or(|own| own.id != t.id));
        if taken {
            return Err(refusal(ctx, "NameRepeat", 400, "Task name repeat"));
        }
    }
    let task_type = text(ctx, "TaskType")
        .map(str::to_ascii_uppercase)
        .or_else(|| task.and_then(|t| t.str("TaskType")).map(str::to_owned))
        .unwrap_or_default();
    if !TASK_TYPES.contains(&task_type.as_str()) {
        return Err(invalid(
            ctx,
            &format!("TaskType must be one of {}.", TASK_TYPES.join(", ")),
        ));
    }
    if let Some(address) = text(ctx, "Address") {
        let url = address.starts_with("http://") || address.starts_with("https://");
        if task_type.starts_with("HTTP") && !url {
            return Err(refusal(ctx, "IllegalAddress", 400, "Illegal HTTP address"));
        }
    }
    if let Some(interval) = text(ctx, "Interval") {
        if !INTERVALS.contains(&interval) {
            return Err(invalid(
                ctx,
                &format!(
                    "Interval must be one of {} (minutes).",
                    INTERVALS.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// The JSON parameters a create or modify stores as they came.
fn json_settings(ctx: &Context<'_>, attrs: &mut Map<String, Value>) -> Result<(), ApiError> {
    for (param, key) in [
        ("OptionsJson", "OptionsJson"),
        ("CustomSchedule", "CustomSchedule"),
        ("IspCities", "IspCities"),
    ] {
        match ctx.input.json(param) {
            Ok(Some(value)) => {
                attrs.insert(key.into(), value);
            }
            Ok(None) => {}
            Err(text) => return Err(invalid(ctx, &format!("{param} is not JSON: {text}"))),
        }
    }
    Ok(())
}

/// A task id in the service's UUID form, from the world's deterministic random source.
fn new_task_id(world: &mut World) -> String {
    let high = world.store.random(0..u64::MAX);
    let low = world.store.random(0..u64::MAX);
    let hex = format!("{high:016x}{low:016x}");
    let id = format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    );
    world.store.reserve_id(&id);
    id
}

fn create_task(world: &mut World, ctx: &Context<'_>) -> Outcome {
    check(world, ctx, None)?;
    let name = text(ctx, "TaskName").unwrap_or_default().to_owned();
    let id = new_task_id(world);
    let now = list_time(ctx.now);
    let mut attrs = Map::new();
    for (key, value) in [
        ("TaskId", json!(id)),
        ("TaskName", json!(name)),
        (
            "TaskType",
            json!(
                text(ctx, "TaskType")
                    .unwrap_or_default()
                    .to_ascii_uppercase()
            ),
        ),
        ("Address", json!(text(ctx, "Address").unwrap_or_default())),
        ("Interval", json!(text(ctx, "Interval").unwrap_or("1"))),
        ("TaskState", json!("1")),
        ("AgentGroup", json!(text(ctx, "AgentGroup").unwrap_or("PC"))),
        ("OptionsJson", json!({})),
        ("IspCities", json!([])),
        ("CreateTime", json!(now)),
        ("UpdateTime", json!(now)),
    ] {
        attrs.insert(key.into(), value);
    }
    json_settings(ctx, &mut attrs)?;
    world.store.insert(TASK, &id, "", attrs);
    let mut out = ok_with(
        "CreateResultList",
        json!([{ "TaskId": id, "TaskName": name }]),
    );
    out.insert("Data".into(), json!({ "AttachAlertResult": [] }));
    Ok(out)
}

/// A task as the list shows it.
fn list_item(task: &Resource) -> Value {
    let mut item = task.attrs.clone();
    item.remove("IspCities");
    item.remove("CustomSchedule");
    Value::Object(item)
}

fn describe_tasks(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let task_id = text(ctx, "TaskId");
    let task_type = text(ctx, "TaskType").map(str::to_ascii_uppercase);
    let keyword = text(ctx, "Keyword");
    let state = text(ctx, "TaskState");
    let mut rows: Vec<&Resource> = world
        .store
        .iter(TASK)
        .filter(|t| task_id.is_none_or(|id| t.id == id))
        .filter(|t| {
            task_type
                .as_deref()
                .is_none_or(|ty| t.str("TaskType") == Some(ty))
        })
        .filter(|t| state.is_none_or(|s| t.str("TaskState") == Some(s)))
        .filter(|t| {
            keyword.is_none_or(|k| {
                ["TaskName", "Address"]
                    .iter()
                    .any(|key| t.str(key).unwrap_or_default().contains(k))
            })
        })
        .collect();
    rows.sort_by_key(|t| t.seq);
    let number = num(ctx, "Page").unwrap_or(1);
    let size = num(ctx, "PageSize").unwrap_or(10);
    if number < 1 || size < 1 {
        return Err(invalid(ctx, "Page and PageSize must be positive."));
    }
    let (rows, total) = cms_page(rows, number, size);
    let mut out = ok();
    out.insert("TotalCount".into(), json!(total));
    out.insert("PageNumber".into(), json!(number));
    out.insert("PageSize".into(), json!(size));
    let items: Vec<Value> = rows.into_iter().map(list_item).collect();
    out.insert("SiteMonitors".into(), Value::Array(items));
    Ok(out)
}

fn describe_task(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = text(ctx, "TaskId").unwrap_or_default();
    let task = world
        .store
        .get(TASK, id)
        .ok_or_else(|| not_found(ctx, &format!("site monitoring task {id}")))?;
    let mut item = task.attrs.clone();
    item.remove("CreateTime");
    item.remove("UpdateTime");
    if let Some(options) = item.remove("OptionsJson") {
        item.insert("OptionJson".into(), options);
    }
    let cities: Vec<Value> = match item.remove("IspCities") {
        Some(Value::Array(cities)) => cities
            .iter()
            .map(|c| {
                let field = |key: &str| c.get(key).cloned().unwrap_or(json!(""));
                json!({"City": field("city"), "Isp": field("isp"), "CityName": "", "IspName": ""})
            })
            .collect(),
        _ => Vec::new(),
    };
    item.insert("IspCities".into(), Value::Array(cities));
    let mut out = ok_with("SiteMonitors", Value::Object(item));
    out.insert("MetricRules".into(), json!([]));
    Ok(out)
}

fn modify_task(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = text(ctx, "TaskId").unwrap_or_default().to_owned();
    let Some(task) = world.store.get(TASK, &id).cloned() else {
        return Err(refusal(ctx, "TaskNotExists", 400, "Task does not exist"));
    };
    check(world, ctx, Some(&task))?;
    let mut attrs = task.attrs;
    for key in ["TaskName", "Address", "Interval"] {
        if let Some(value) = text(ctx, key) {
            attrs.insert(key.into(), json!(value));
        }
    }
    json_settings(ctx, &mut attrs)?;
    attrs.insert("UpdateTime".into(), json!(list_time(ctx.now)));
    if let Some(row) = world.store.get_mut(TASK, &id) {
        row.attrs = attrs;
    }
    Ok(ok_with("Data", json!({ "count": 1 })))
}

/// The tasks of the comma-separated `TaskIds` that exist.
fn named_tasks(world: &World, ctx: &Context<'_>) -> Vec<String> {
    ctx.input
        .ids("TaskIds")
        .into_iter()
        .filter(|id| world.store.get(TASK, id).is_some())
        .collect()
}

fn set_state(world: &mut World, ctx: &Context<'_>, state: &str) -> Outcome {
    let ids = named_tasks(world, ctx);
    let now = list_time(ctx.now);
    let mut count = 0;
    for id in &ids {
        if let Some(task) = world.store.get_mut(TASK, id) {
            if task.str("TaskState") != Some(state) {
                task.set("TaskState", state);
                task.set("UpdateTime", now.as_str());
                count += 1;
            }
        }
    }
    Ok(ok_with("Data", json!({ "count": count })))
}

fn enable_tasks(world: &mut World, ctx: &Context<'_>) -> Outcome {
    set_state(world, ctx, "1")
}

fn disable_tasks(world: &mut World, ctx: &Context<'_>) -> Outcome {
    set_state(world, ctx, "2")
}

fn delete_tasks(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let ids = named_tasks(world, ctx);
    for id in &ids {
        world.store.remove(TASK, id);
    }
    Ok(ok_with("Data", json!({ "count": ids.len() })))
}
