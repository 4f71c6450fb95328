//! CMS 2019-01-01: system events. The ECS world's instances report each status change as an
//! `Instance:StateChange` event (product `ECS`, type `StatusNotification`, level `INFO`), and
//! `SendDryRunSystemEvent` adds a test event of any product and name.
//! `DescribeSystemEventAttribute` lists them newest first, `DescribeSystemEventCount` counts
//! them per product, name and resource, and `DescribeSystemEventHistogram` counts them over
//! time.
//!
//! Like the service: product, level and status filters ignore case, `SearchKeywords` finds
//! text in an event's content, name or resource, and `StartTime`/`EndTime` are epoch
//! milliseconds. The histogram splits the asked span (the events' own span when none is
//! given) into 10 equal buckets. Not modelled: events of other products happen only when sent
//! with `SendDryRunSystemEvent`, and nothing but these describes sees them.

use std::time::SystemTime;

use serde_json::{Map, Value, json};

use super::cms_common::{epoch_ms, invalid, ok, ok_with};
use super::cms_groups::{num, page, rule_id, text};
use super::cms_series::USER_ID;
use super::{Context, Model, Outcome};
use crate::world::World;

/// The system event actions.
pub(super) const MODELS: &[Model] = &[
    Model::cms("SendDryRunSystemEvent", send_dry_run_system_event),
    Model::cms(
        "DescribeSystemEventAttribute",
        describe_system_event_attribute,
    ),
    Model::cms("DescribeSystemEventCount", describe_system_event_count),
    Model::cms(
        "DescribeSystemEventHistogram",
        describe_system_event_histogram,
    ),
];

/// Events sent with `SendDryRunSystemEvent` (id in the service's UUID form).
const DRY_RUN_EVENT: &str = "cms-dry-run-event";
/// Buckets of a histogram.
const HISTOGRAM_BUCKETS: u64 = 10;

/// One event as the describes list it, with `EventType` for the filter.
fn event(fields: Value) -> Map<String, Value> {
    match fields {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn field<'a>(event: &'a Map<String, Value>, key: &str) -> &'a str {
    event.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Every event of the world, oldest first: the instances' status changes, then those sent.
fn all_events(world: &World, now: SystemTime) -> Vec<Map<String, Value>> {
    let tokio_now = tokio::time::Instant::now();
    let mut events: Vec<Map<String, Value>> = world
        .status_changes
        .iter()
        .enumerate()
        .map(|(n, change)| {
            let at = now
                .checked_sub(tokio_now.saturating_duration_since(change.at))
                .unwrap_or(now);
            let resource = format!(
                "acs:ecs:{}:{USER_ID}:instance/{}",
                change.region, change.instance_id
            );
            let content = json!({
                "resourceId": resource,
                "resourceType": "ALIYUN::ECS::Instance",
                "regionId": change.region,
                "instanceName": change.instance_name,
                "state": change.status,
                "instanceId": change.instance_id,
            });
            event(json!({
                "Id": format!("ecs-state-change-{n:012}"),
                "Product": "ECS",
                "EventType": "StatusNotification",
                "Name": "Instance:StateChange",
                "Level": "INFO",
                "Status": change.status,
                "GroupId": "",
                "InstanceName": change.instance_name,
                "RegionId": change.region,
                "ResourceId": resource,
                "Content": content.to_string(),
                "Time": epoch_ms(at),
            }))
        })
        .collect();
    events.extend(world.store.iter(DRY_RUN_EVENT).map(|e| e.attrs.clone()));
    events.sort_by_key(|e| e.get("Time").and_then(Value::as_u64).unwrap_or(0));
    events
}

/// The events the request's filters select, oldest first.
fn selected(
    world: &World,
    ctx: &Context<'_>,
) -> Result<Vec<Map<String, Value>>, crate::error::ApiError> {
    let same = |name: &str, event: &Map<String, Value>| {
        text(ctx, name).is_none_or(|want| field(event, name).eq_ignore_ascii_case(want))
    };
    let bound = |name: &str| -> Result<Option<u64>, crate::error::ApiError> {
        match num(ctx, name) {
            Some(ms) => u64::try_from(ms)
                .map(Some)
                .map_err(|_| invalid(ctx, &format!("{name} is epoch milliseconds."))),
            None if text(ctx, name).is_some() => {
                Err(invalid(ctx, &format!("{name} is epoch milliseconds.")))
            }
            None => Ok(None),
        }
    };
    let (start, end) = (bound("StartTime")?, bound("EndTime")?);
    if let (Some(start), Some(end)) = (start, end) {
        if start > end {
            return Err(invalid(ctx, "StartTime is after EndTime."));
        }
    }
    let keywords = text(ctx, "SearchKeywords");
    Ok(all_events(world, ctx.now)
        .into_iter()
        .filter(|e| {
            ["Product", "EventType", "Name", "Level", "Status", "GroupId"]
                .iter()
                .all(|name| same(name, e))
        })
        .filter(|e| {
            keywords.is_none_or(|k| {
                ["Content", "Name", "ResourceId", "InstanceName"]
                    .iter()
                    .any(|key| field(e, key).contains(k))
            })
        })
        .filter(|e| {
            let time = e.get("Time").and_then(Value::as_u64).unwrap_or(0);
            start.is_none_or(|s| time >= s) && end.is_none_or(|t| time <= t)
        })
        .collect())
}

fn send_dry_run_system_event(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let content = match ctx.input.json("EventContent") {
        Ok(Some(Value::Object(map))) => map,
        Ok(None) => Map::new(),
        Ok(Some(_)) | Err(_) => return Err(invalid(ctx, "EventContent is a JSON object.")),
    };
    let name = text(ctx, "EventName")
        .ok_or_else(|| invalid(ctx, "EventName is mandatory."))?
        .to_owned();
    let of = |key: &str, default: &str| {
        content
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_owned()
    };
    let id = rule_id(&mut world.store);
    let event = json!({
        "Id": id,
        "Product": text(ctx, "Product").unwrap_or("CloudMonitor"),
        "EventType": of("eventType", "Exception"),
        "Name": name,
        "Level": of("level", "CRITICAL"),
        "Status": of("status", "normal"),
        "GroupId": text(ctx, "GroupId").unwrap_or_default(),
        "InstanceName": of("instanceName", ""),
        "RegionId": of("regionId", crate::world::DEFAULT_REGION),
        "ResourceId": of("resourceId", ""),
        "Content": Value::Object(content).to_string(),
        "Time": epoch_ms(ctx.now),
    });
    world
        .store
        .insert(DRY_RUN_EVENT, &id, "", super::ecs_world::obj(event));
    // `Success` goes out as the text the spec types it as (`render::shape`).
    Ok(ok())
}

fn describe_system_event_attribute(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let mut events = selected(world, ctx)?;
    events.reverse();
    page(ctx, events, "SystemEvents", 10, Value::Object)
}

fn describe_system_event_count(world: &mut World, ctx: &Context<'_>) -> Outcome {
    // One entry per product, name and resource: the newest event's fields and the count.
    let mut counts: Vec<(Map<String, Value>, u64)> = Vec::new();
    for event in selected(world, ctx)? {
        let key = |e: &Map<String, Value>| {
            (
                field(e, "Product").to_owned(),
                field(e, "Name").to_owned(),
                field(e, "ResourceId").to_owned(),
            )
        };
        match counts.iter_mut().find(|(e, _)| key(e) == key(&event)) {
            Some((newest, n)) => {
                *newest = event;
                *n += 1;
            }
            None => counts.push((event, 1)),
        }
    }
    let entries: Vec<Value> = counts
        .into_iter()
        .map(|(mut event, n)| {
            event.insert("Num".into(), json!(n));
            Value::Object(event)
        })
        .collect();
    Ok(ok_with("SystemEventCounts", Value::Array(entries)))
}

fn describe_system_event_histogram(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let events = selected(world, ctx)?;
    let times: Vec<u64> = events
        .iter()
        .filter_map(|e| e.get("Time").and_then(Value::as_u64))
        .collect();
    let start = num(ctx, "StartTime")
        .and_then(|t| u64::try_from(t).ok())
        .or_else(|| times.first().copied());
    let end = num(ctx, "EndTime")
        .and_then(|t| u64::try_from(t).ok())
        .or_else(|| times.last().copied());
    let buckets: Vec<Value> = match (start, end) {
        (Some(start), Some(end)) => {
            let end = end.max(start);
            let width = ((end - start) / HISTOGRAM_BUCKETS).max(1);
            (0..HISTOGRAM_BUCKETS)
                .map(|n| {
                    let from = start + n * width;
                    let to = if n + 1 == HISTOGRAM_BUCKETS {
                        end.max(from)
                    } else {
                        from + width - 1
                    };
                    let count = times.iter().filter(|t| (from..=to).contains(t)).count();
                    json!({"StartTime": from, "EndTime": to, "Count": count})
                })
                .collect()
        }
        _ => Vec::new(),
    };
    Ok(ok_with("SystemEventHistograms", Value::Array(buckets)))
}
