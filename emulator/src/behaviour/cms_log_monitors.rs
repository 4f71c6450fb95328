//! CloudMonitor 2019-01-01 log monitoring metrics (metrics computed from a Log Service
//! logstore): `PutLogMonitor` (create, or update the one `LogId` names),
//! `DescribeLogMonitorList`, `DescribeLogMonitorAttribute` (by metric name) and
//! `DeleteLogMonitor`.
//!
//! Log monitors are account-wide with numeric ids the world hands out in order. A metric name
//! belongs to one log monitor (`ParameterInvalid` for a second); a `GroupId` must name a
//! monitor group (`ResourceNotFound`); an unknown `LogId` or metric name is
//! `ResourceNotFound`. Not modelled: the logstore is another service's, so any project and
//! logstore are taken as existing, and no metric data is computed from them.

use serde_json::{Map, Value, json};

use super::cms_common::{epoch_ms, invalid, list_items, not_found, ok, ok_with};
use super::cms_groups::{find_group, num, page, text};
use super::{Context, Model, Outcome};
use crate::store::Resource;
use crate::world::World;

/// The store kind of log monitors (id: the log id as text).
const LOG_MONITOR: &str = "cms-log-monitor";

/// The log monitoring actions.
pub(super) const MODELS: &[Model] = &[
    Model::cms("PutLogMonitor", put_log_monitor),
    Model::cms("DescribeLogMonitorList", describe_log_monitors),
    Model::cms("DescribeLogMonitorAttribute", describe_log_monitor),
    Model::cms("DeleteLogMonitor", delete_log_monitor),
];

/// The first log id (ids count up from it).
const FIRST_ID: u64 = 100_000;

/// A list of structures parameter as the describes show it, keeping `keys` of each item.
fn structures(ctx: &Context<'_>, name: &str, keys: &[&str]) -> Value {
    Value::Array(
        list_items(ctx, name)
            .iter()
            .map(|item| {
                let mut out = Map::new();
                for key in keys {
                    out.insert(
                        (*key).into(),
                        item.get(*key).cloned().unwrap_or_else(|| json!("")),
                    );
                }
                Value::Object(out)
            })
            .collect(),
    )
}

fn put_log_monitor(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let metric = text(ctx, "MetricName").unwrap_or_default().to_owned();
    let existing = match text(ctx, "LogId") {
        Some(id) => Some(
            world
                .store
                .get(LOG_MONITOR, id)
                .map(|r| r.id.clone())
                .ok_or_else(|| not_found(ctx, &format!("LogId {id}")))?,
        ),
        None => None,
    };
    let taken = world.store.iter(LOG_MONITOR).any(|r| {
        r.str("MetricName") == Some(metric.as_str()) && existing.as_deref() != Some(r.id.as_str())
    });
    if taken {
        return Err(invalid(
            ctx,
            &format!("MetricName {metric} is already used by another log monitor."),
        ));
    }
    let group = match text(ctx, "GroupId") {
        Some(id) => {
            find_group(&world.store, ctx, id)?;
            json!(id.parse::<i64>().unwrap_or_default())
        }
        None => json!(0),
    };
    let relation = text(ctx, "ValueFilterRelation")
        .unwrap_or("and")
        .to_ascii_lowercase();
    if relation != "and" && relation != "or" {
        return Err(invalid(ctx, "ValueFilterRelation must be `and` or `or`."));
    }
    let aggregates = structures(ctx, "Aggregates", &["FieldName", "Function", "Alias"]);
    if aggregates.as_array().is_none_or(Vec::is_empty) {
        return Err(invalid(ctx, "Aggregates needs at least one field."));
    }
    let windows: Vec<String> = text(ctx, "Tumblingwindows")
        .unwrap_or("60")
        .split(',')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    if windows.iter().any(|w| !matches!(w.as_str(), "60" | "300")) {
        return Err(invalid(
            ctx,
            "Tumblingwindows takes 60 and/or 300 (seconds).",
        ));
    }
    let express = match input.json("MetricExpress") {
        Ok(Some(value)) => value.to_string(),
        Ok(None) => String::new(),
        Err(text) => return Err(invalid(ctx, &format!("MetricExpress is not JSON: {text}"))),
    };
    let id = match &existing {
        Some(id) => id.clone(),
        None => (FIRST_ID + world.store.next_seq()).to_string(),
    };
    let created = existing
        .as_deref()
        .and_then(|id| world.store.get(LOG_MONITOR, id))
        .and_then(|r| r.attrs.get("GmtCreate").cloned())
        .unwrap_or_else(|| json!(epoch_ms(ctx.now)));
    let mut attrs = Map::new();
    for (key, value) in [
        ("LogId", json!(id.parse::<i64>().unwrap_or_default())),
        ("MetricName", json!(metric)),
        (
            "SlsRegionId",
            json!(text(ctx, "SlsRegionId").unwrap_or_default()),
        ),
        (
            "SlsProject",
            json!(text(ctx, "SlsProject").unwrap_or_default()),
        ),
        (
            "SlsLogstore",
            json!(text(ctx, "SlsLogstore").unwrap_or_default()),
        ),
        ("GroupId", group),
        ("ValueFilterRelation", json!(relation)),
        (
            "ValueFilter",
            structures(ctx, "ValueFilter", &["Key", "Operator", "Value"]),
        ),
        ("Aggregates", aggregates),
        (
            "Groupbys",
            json!(
                structures(ctx, "Groupbys", &["FieldName"])
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|g| g["FieldName"].as_str().map(str::to_owned))
                    .collect::<Vec<_>>()
            ),
        ),
        ("Tumblingwindows", json!(windows)),
        ("MetricExpress", json!(express)),
        ("Unit", json!(text(ctx, "Unit").unwrap_or_default())),
        ("GmtCreate", created),
    ] {
        attrs.insert(key.into(), value);
    }
    match world.store.get_mut(LOG_MONITOR, &id) {
        Some(row) => row.attrs = attrs,
        None => {
            world.store.insert(LOG_MONITOR, &id, "", attrs);
        }
    }
    Ok(ok_with("LogId", json!(id)))
}

/// A log monitor as the list shows it.
fn list_item(row: &Resource) -> Value {
    let keep = [
        "LogId",
        "MetricName",
        "SlsRegionId",
        "SlsProject",
        "SlsLogstore",
        "GroupId",
        "ValueFilter",
        "ValueFilterRelation",
        "GmtCreate",
    ];
    Value::Object(
        row.attrs
            .iter()
            .filter(|(k, _)| keep.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
}

fn describe_log_monitors(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let search = text(ctx, "SearchValue");
    let group = num(ctx, "GroupId");
    let mut rows: Vec<&Resource> = world
        .store
        .iter(LOG_MONITOR)
        .filter(|r| search.is_none_or(|s| r.str("MetricName").unwrap_or_default().contains(s)))
        .filter(|r| group.is_none_or(|g| r.attrs.get("GroupId") == Some(&json!(g))))
        .collect();
    rows.sort_by_key(|r| r.seq);
    page(ctx, rows, "LogMonitorList", 10, list_item)
}

fn describe_log_monitor(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let metric = text(ctx, "MetricName").unwrap_or_default();
    let row = world
        .store
        .iter(LOG_MONITOR)
        .find(|r| r.str("MetricName") == Some(metric))
        .ok_or_else(|| not_found(ctx, &format!("log monitor of metric {metric}")))?;
    let mut item = row.attrs.clone();
    item.remove("Unit");
    Ok(ok_with("LogMonitor", Value::Object(item)))
}

fn delete_log_monitor(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = num(ctx, "LogId").unwrap_or_default().to_string();
    if world.store.remove(LOG_MONITOR, &id).is_none() {
        return Err(not_found(ctx, &format!("LogId {id}")));
    }
    Ok(ok())
}
