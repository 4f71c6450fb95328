//! CMS 2019-01-01: custom metrics (`PutCustomMetric`, `DescribeCustomMetricList`,
//! `DeleteCustomMetric`; read back through `DescribeMetricList`/`DescribeMetricLast` in the
//! namespace `acs_customMetric_<userId>`) and custom events (`PutCustomEvent`,
//! `DescribeCustomEventAttribute`, `DescribeCustomEventCount`,
//! `DescribeCustomEventHistogram`).
//!
//! Every reported value is kept as it arrived, one store row per value (account-wide, not
//! region-scoped). A series is a metric name, an application group and a set of dimensions;
//! its `md5` identifies it, each value has its own `uuid`. Reads aggregate a series' values
//! per period: raw values (`Type` 0, `{"value": v}`) into average, minimum, maximum, sum and
//! count; pre-aggregated ones (`Type` 1) by their own statistics.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use super::cms_common::{self, epoch_ms, invalid, not_found, ok, ok_with};
use super::cms_metrics::{Row, page_of};
use super::cms_series::USER_ID;
use super::{Context, Model, Outcome};
use crate::error::ApiError;
use crate::store::{Resource, stable_hash};
use crate::world::World;

/// The custom metric and event actions.
pub(super) const MODELS: &[Model] = &[
    Model::cms("PutCustomMetric", put_custom_metric),
    Model::cms("DescribeCustomMetricList", describe_custom_metric_list),
    Model::cms("DeleteCustomMetric", delete_custom_metric),
    Model::cms("PutCustomEvent", put_custom_event),
    Model::cms(
        "DescribeCustomEventAttribute",
        describe_custom_event_attribute,
    ),
    Model::cms("DescribeCustomEventCount", describe_custom_event_count),
    Model::cms(
        "DescribeCustomEventHistogram",
        describe_custom_event_histogram,
    ),
];

/// One reported custom metric value.
const CUSTOM_METRIC: &str = "cms-custom-metric";
/// One reported custom event.
const CUSTOM_EVENT: &str = "cms-custom-event";

/// The namespace custom metrics are read from.
pub(crate) fn namespace() -> String {
    format!("acs_customMetric_{USER_ID}")
}

/// Every custom metric name reported (and not deleted), sorted.
pub(crate) fn metric_names(world: &World) -> Vec<String> {
    world
        .store
        .iter(CUSTOM_METRIC)
        .filter_map(|r| r.str("metricName").map(str::to_owned))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// A field of a list item as text (the wire gives text; a number is accepted too).
fn field(item: &Value, key: &str) -> Option<String> {
    match item.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A scalar as the text dimensions compare.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A dimension map as the service writes it in `dimension`: `k1=v1&k2=v2`, keys sorted.
fn dimension_text(dimensions: &Map<String, Value>) -> String {
    let mut pairs: Vec<String> = dimensions
        .iter()
        .map(|(k, v)| format!("{k}={}", text(v)))
        .collect();
    pairs.sort();
    pairs.join("&")
}

/// A 32-hex-digit digest of `seed` (the series' `md5`; the same in every run).
fn digest(seed: &str) -> String {
    format!(
        "{:016x}{:016x}",
        stable_hash(seed),
        stable_hash(&format!("{seed}#2"))
    )
}

/// A new value id in UUID form, from the world's deterministic source.
fn new_uuid(world: &mut World) -> String {
    let a = world.store.random(0..u64::MAX);
    let b = world.store.random(0..u64::MAX);
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        (b >> 48) & 0xfff,
        b & 0xffff_ffff_ffff
    )
}

/// A reported value, checked.
struct Reported {
    metric_name: String,
    group_id: String,
    dimensions: Map<String, Value>,
    kind: u8,
    period: u64,
    time_ms: u64,
    values: Map<String, Value>,
}

/// Reads and checks item `n` (1-based) of `MetricList`.
fn reported(ctx: &Context<'_>, n: usize, item: &Value) -> Result<Reported, ApiError> {
    let need = |key: &str| {
        field(item, key).ok_or_else(|| invalid(ctx, &format!("MetricList.{n}.{key} is mandatory.")))
    };
    let metric_name = need("MetricName")?;
    let group_id = need("GroupId")?;
    let json_object = |key: &str| -> Result<Map<String, Value>, ApiError> {
        let raw = need(key)?;
        match serde_json::from_str::<Value>(&raw) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err(invalid(
                ctx,
                &format!("MetricList.{n}.{key} must be a JSON object: {raw}."),
            )),
        }
    };
    let dimensions = json_object("Dimensions")?;
    let values = json_object("Values")?;
    let kind = match need("Type")?.as_str() {
        "0" => 0,
        "1" => 1,
        other => {
            return Err(invalid(
                ctx,
                &format!("MetricList.{n}.Type must be 0 (raw) or 1 (aggregated): {other}."),
            ));
        }
    };
    let numeric = |v: &Value| v.as_f64().or_else(|| v.as_str()?.parse().ok());
    if kind == 0 && values.get("value").and_then(numeric).is_none() {
        return Err(invalid(
            ctx,
            &format!("MetricList.{n}.Values of a raw value must be {{\"value\": number}}."),
        ));
    }
    if kind == 1 && !values.values().any(|v| numeric(v).is_some()) {
        return Err(invalid(
            ctx,
            &format!("MetricList.{n}.Values of an aggregated value must hold statistics."),
        ));
    }
    let period = match field(item, "Period") {
        None => 60,
        Some(p) => p
            .parse::<u64>()
            .ok()
            .filter(|p| *p > 0 && p % 60 == 0)
            .ok_or_else(|| {
                invalid(
                    ctx,
                    &format!("MetricList.{n}.Period must be a multiple of 60 seconds: {p}."),
                )
            })?,
    };
    let time_ms = match field(item, "Time") {
        None => epoch_ms(ctx.now),
        Some(t) => parse_event_time(&t)
            .map(epoch_ms)
            .ok_or_else(|| invalid(ctx, &format!("MetricList.{n}.Time is not a time: {t}.")))?,
    };
    Ok(Reported {
        metric_name,
        group_id,
        dimensions,
        kind,
        period,
        time_ms,
        values,
    })
}

pub(super) fn put_custom_metric(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let items = match ctx.input.get("MetricList") {
        Some(Value::Array(items)) if !items.is_empty() => items.clone(),
        _ => return Err(invalid(ctx, "MetricList is mandatory for this action.")),
    };
    // Every value is checked before any is kept: the call succeeds or fails as a whole.
    let checked = items
        .iter()
        .enumerate()
        .map(|(i, item)| reported(ctx, i + 1, item))
        .collect::<Result<Vec<_>, _>>()?;
    for value in checked {
        let dimension = dimension_text(&value.dimensions);
        let md5 = digest(&format!(
            "{}/{}/{dimension}",
            value.metric_name, value.group_id
        ));
        let uuid = new_uuid(world);
        let attrs = json!({
            "metricName": value.metric_name,
            "groupId": value.group_id,
            "dimension": dimension,
            "dimensions": value.dimensions,
            "md5": md5,
            "uuid": uuid,
            "type": value.kind,
            "period": value.period,
            "time": value.time_ms,
            "values": value.values,
        });
        if let Value::Object(attrs) = attrs {
            world.store.insert(CUSTOM_METRIC, &uuid, "", attrs);
        }
    }
    Ok(ok_with("Message", json!("success")))
}

/// The reported values, oldest first (then in report order).
fn reported_rows(world: &World) -> Vec<&Resource> {
    let mut rows: Vec<&Resource> = world.store.iter(CUSTOM_METRIC).collect();
    rows.sort_by_key(|r| (r.attr("time").and_then(Value::as_u64), r.seq));
    rows
}

/// Whether a reported value's series matches one of the `Dimensions` filters (`groupId` may
/// be one of their keys); no filter matches everything.
fn matches_dimensions(row: &Resource, filters: &[Map<String, Value>]) -> bool {
    let group = row.str("groupId").unwrap_or_default();
    let dims = row.attr("dimensions").and_then(Value::as_object);
    filters.is_empty()
        || filters.iter().any(|filter| {
            filter.iter().all(|(k, v)| {
                let wanted = text(v);
                if k == "groupId" {
                    return group == wanted;
                }
                dims.and_then(|d| d.get(k))
                    .is_some_and(|have| text(have) == wanted)
            })
        })
}

/// One value's statistics: `(average, minimum, maximum, sum, count)`.
type Stats = (f64, f64, f64, f64, f64);

/// A series' values in one period: the series' labels and each value's statistics.
type Bucket = (Map<String, Value>, Vec<Stats>);

/// One value's statistics (see [`Stats`]).
fn statistics(row: &Resource) -> Option<Stats> {
    let values = row.attr("values")?.as_object()?;
    let num = |key: &str| {
        values
            .get(key)
            .and_then(|v| v.as_f64().or_else(|| v.as_str()?.parse().ok()))
    };
    if let Some(v) = num("value") {
        return Some((v, v, v, v, 1.0));
    }
    let count = num("SampleCount").unwrap_or(1.0);
    let average = num("Average")
        .or_else(|| Some(num("Sum")? / count.max(1.0)))
        .or_else(|| num("Maximum"))
        .or_else(|| num("Minimum"))?;
    Some((
        average,
        num("Minimum").unwrap_or(average),
        num("Maximum").unwrap_or(average),
        num("Sum").unwrap_or(average * count),
        count,
    ))
}

/// The points of custom metric `name` in `[from_ms, to_ms)`, aggregated per `period` seconds,
/// series by series (each oldest first). A point carries `groupId` and the dimensions.
pub(crate) fn rows(
    world: &World,
    name: &str,
    filters: &[Map<String, Value>],
    from_ms: u64,
    to_ms: u64,
    period: u64,
) -> Vec<Row> {
    let period_ms = period.max(60) * 1000;
    // (series, bucket start) -> the series' labels and the values in it.
    let mut buckets: BTreeMap<(String, u64), Bucket> = BTreeMap::new();
    for row in reported_rows(world) {
        let Some(time) = row.attr("time").and_then(Value::as_u64) else {
            continue;
        };
        if row.str("metricName") != Some(name)
            || time < from_ms
            || time >= to_ms
            || !matches_dimensions(row, filters)
        {
            continue;
        }
        let Some(stats) = statistics(row) else {
            continue;
        };
        let mut labels = Map::new();
        labels.insert(
            "groupId".into(),
            json!(row.str("groupId").unwrap_or_default()),
        );
        if let Some(dims) = row.attr("dimensions").and_then(Value::as_object) {
            for (k, v) in dims {
                labels.insert(k.clone(), json!(text(v)));
            }
        }
        let series = row.str("md5").unwrap_or_default().to_owned();
        buckets
            .entry((series, time - time % period_ms))
            .or_insert_with(|| (labels, Vec::new()))
            .1
            .push(stats);
    }
    buckets
        .into_iter()
        .map(|((_, start), (labels, stats))| {
            let sum: f64 = stats.iter().map(|s| s.3).sum();
            let count: f64 = stats.iter().map(|s| s.4).sum();
            let raw_average = stats.iter().map(|s| s.0 * s.4).sum::<f64>() / count.max(1.0);
            Row {
                timestamp_ms: start,
                labels,
                average: raw_average,
                minimum: stats.iter().map(|s| s.1).fold(f64::INFINITY, f64::min),
                maximum: stats.iter().map(|s| s.2).fold(f64::NEG_INFINITY, f64::max),
                count,
                sum: Some(sum),
            }
        })
        .collect()
}

/// The pairs of a `Dimension` filter: `{k1=v1&k2=v2}` (braces optional).
fn dimension_pairs(filter: &str) -> Vec<(String, String)> {
    filter
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            Some((k.trim().to_owned(), v.trim().to_owned()))
        })
        .collect()
}

/// A reported value as `DescribeCustomMetricList` lists it.
fn listed(row: &Resource) -> Value {
    let mut item = row.attrs.clone();
    // The parsed dimensions are ours; the service lists the `dimension` text.
    item.remove("dimensions");
    item.insert("project".into(), json!(namespace()));
    Value::Object(item)
}

pub(super) fn describe_custom_metric_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let wanted = |name: &str| input.str(name).map(str::trim).filter(|v| !v.is_empty());
    let pairs = wanted("Dimension").map(dimension_pairs).unwrap_or_default();
    let rows: Vec<Value> = reported_rows(world)
        .into_iter()
        .filter(|r| wanted("GroupId").is_none_or(|g| r.str("groupId") == Some(g)))
        .filter(|r| wanted("MetricName").is_none_or(|m| r.str("metricName") == Some(m)))
        .filter(|r| wanted("Md5").is_none_or(|m| r.str("md5") == Some(m)))
        .filter(|r| {
            let dims = r.attr("dimensions").and_then(Value::as_object);
            pairs.iter().all(|(k, v)| {
                dims.and_then(|d| d.get(k))
                    .is_some_and(|have| text(have) == *v)
            })
        })
        .map(listed)
        .collect();
    let total = rows.len();
    let (number, size, items) = page_of(ctx, rows, 10)?;
    // `Result` is JSON text, as the service writes it.
    let result = json!({"all": total, "size": size, "page": number, "list": items});
    let mut out = ok_with("Result", json!(result.to_string()));
    out.insert("Message".into(), json!("success"));
    Ok(out)
}

pub(super) fn delete_custom_metric(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let group = ctx.input.str("GroupId").unwrap_or_default();
    let metric = ctx.input.str("MetricName").unwrap_or_default();
    let uuid = ctx.input.str("UUID").filter(|v| !v.is_empty());
    let md5 = ctx.input.str("Md5").filter(|v| !v.is_empty());
    let doomed: Vec<String> = world
        .store
        .iter(CUSTOM_METRIC)
        .filter(|r| r.str("groupId") == Some(group) && r.str("metricName") == Some(metric))
        .filter(|r| uuid.is_none_or(|u| r.id == u))
        .filter(|r| md5.is_none_or(|m| r.str("md5") == Some(m)))
        .map(|r| r.id.clone())
        .collect();
    if doomed.is_empty() {
        return Err(not_found(
            ctx,
            &format!("custom metric {metric} of group {group}"),
        ));
    }
    for id in doomed {
        world.store.remove(CUSTOM_METRIC, &id);
    }
    Ok(ok_with("Message", json!("success")))
}

// ----- Custom events -----------------------------------------------------------------------

/// An event time: `20171013T170923.456+0800` (the form the service documents), or any form
/// [`cms_common::parse_time`] reads.
fn parse_event_time(text: &str) -> Option<std::time::SystemTime> {
    use time::format_description::FormatItem;
    use time::macros::format_description;
    const WITH_MS: &[FormatItem<'_>] = format_description!(
        "[year][month][day]T[hour][minute][second].[subsecond][offset_hour sign:mandatory][offset_minute]"
    );
    const WITHOUT_MS: &[FormatItem<'_>] = format_description!(
        "[year][month][day]T[hour][minute][second][offset_hour sign:mandatory][offset_minute]"
    );
    let text = text.trim();
    for format in [WITH_MS, WITHOUT_MS] {
        if let Ok(t) = time::OffsetDateTime::parse(text, format) {
            let ms = u64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()?;
            return Some(UNIX_EPOCH + Duration::from_millis(ms));
        }
    }
    cms_common::parse_time(text)
}

pub(super) fn put_custom_event(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let items = match ctx.input.get("EventInfo") {
        Some(Value::Array(items)) if !items.is_empty() => items.clone(),
        _ => return Err(invalid(ctx, "EventInfo is mandatory for this action.")),
    };
    let mut events = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        let need = |key: &str| {
            field(item, key)
                .ok_or_else(|| invalid(ctx, &format!("EventInfo.{n}.{key} is mandatory.")))
        };
        let name = need("EventName")?;
        let content = need("Content")?;
        let time = match field(item, "Time") {
            None => epoch_ms(ctx.now),
            Some(t) => parse_event_time(&t)
                .map(epoch_ms)
                .ok_or_else(|| invalid(ctx, &format!("EventInfo.{n}.Time is not a time: {t}.")))?,
        };
        events.push((
            name,
            content,
            field(item, "GroupId").unwrap_or_default(),
            time,
        ));
    }
    for (name, content, group, time) in events {
        let id = world.store.next_seq().to_string();
        let attrs = json!({
            "Id": id,
            "Name": name,
            "Content": content,
            "GroupId": group,
            "Time": time.to_string(),
        });
        if let Value::Object(attrs) = attrs {
            world.store.insert(CUSTOM_EVENT, &id, "", attrs);
        }
    }
    Ok(ok_with("Message", json!("success")))
}

/// The time of an event, in ms.
fn event_ms(row: &Resource) -> u64 {
    row.str("Time")
        .and_then(|t| t.parse().ok())
        .unwrap_or_default()
}

/// The events the filters `Name`, `GroupId`, `EventId`, `SearchKeywords` and
/// `StartTime`/`EndTime` select, newest first, and the window `[from, to)` in ms.
fn selected_events<'a>(
    world: &'a World,
    ctx: &Context<'_>,
    default_window: Option<Duration>,
) -> Result<(Vec<&'a Resource>, u64, u64), ApiError> {
    let input = ctx.input;
    let wanted = |name: &str| input.str(name).map(str::trim).filter(|v| !v.is_empty());
    let end = cms_common::time_param(ctx, "EndTime", ctx.now)?;
    let default_start = match default_window {
        Some(window) => end.checked_sub(window).unwrap_or(UNIX_EPOCH),
        None => UNIX_EPOCH,
    };
    let start = cms_common::time_param(ctx, "StartTime", default_start)?;
    if start >= end {
        return Err(invalid(ctx, "StartTime must be earlier than EndTime."));
    }
    let (from, to) = (epoch_ms(start), epoch_ms(end));
    let mut events: Vec<&Resource> = world
        .store
        .iter(CUSTOM_EVENT)
        .filter(|r| wanted("Name").is_none_or(|n| r.str("Name") == Some(n)))
        .filter(|r| wanted("GroupId").is_none_or(|g| r.str("GroupId") == Some(g)))
        .filter(|r| wanted("EventId").is_none_or(|id| r.id == id))
        .filter(|r| {
            wanted("SearchKeywords").is_none_or(|k| r.str("Content").is_some_and(|c| c.contains(k)))
        })
        .filter(|r| (from..to).contains(&event_ms(r)))
        .collect();
    events.sort_by_key(|r| std::cmp::Reverse((event_ms(r), r.seq)));
    Ok((events, from, to))
}

pub(super) fn describe_custom_event_attribute(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let (events, _, _) = selected_events(world, ctx, None)?;
    let events: Vec<Value> = events
        .into_iter()
        .map(|r| Value::Object(r.attrs.clone()))
        .collect();
    let (_, _, items) = page_of(ctx, events, 10)?;
    let mut out = ok_with("CustomEvents", Value::Array(items));
    out.insert("Message".into(), json!("success"));
    Ok(out)
}

pub(super) fn describe_custom_event_count(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let (events, _, _) = selected_events(world, ctx, None)?;
    // Per event name: how many, and the latest time (events are newest first).
    let mut counts: Vec<(String, u64, u64)> = Vec::new();
    for event in events {
        let name = event.str("Name").unwrap_or_default();
        match counts.iter_mut().find(|(n, _, _)| n == name) {
            Some(entry) => entry.1 += 1,
            None => counts.push((name.to_owned(), 1, event_ms(event))),
        }
    }
    counts.sort();
    let counts: Vec<Value> = counts
        .into_iter()
        .map(|(name, num, time)| json!({"Name": name, "Num": num, "Time": time}))
        .collect();
    let mut out = ok_with("CustomEventCounts", Value::Array(counts));
    out.insert("Message".into(), json!("success"));
    Ok(out)
}

/// Buckets a histogram window is cut into (at most; a bucket is at least a second).
const HISTOGRAM_BUCKETS: u64 = 60;

pub(super) fn describe_custom_event_histogram(world: &mut World, ctx: &Context<'_>) -> Outcome {
    // Without a window, the last hour.
    let (events, from, to) = selected_events(world, ctx, Some(Duration::from_secs(3600)))?;
    let span = to - from;
    let width = span.div_ceil(HISTOGRAM_BUCKETS).div_ceil(1000).max(1) * 1000;
    let buckets: Vec<Value> = (0..)
        .map(|n| from + n * width)
        .take_while(|start| *start < to)
        .map(|start| {
            let end = (start + width).min(to);
            let count = events
                .iter()
                .filter(|e| (start..end).contains(&event_ms(e)))
                .count();
            json!({"StartTime": start, "EndTime": end, "Count": count})
        })
        .collect();
    let mut out = ok();
    out.insert("EventHistograms".into(), Value::Array(buckets));
    out.insert("Message".into(), json!("success"));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_times_in_the_documented_form() {
        let t = parse_event_time("20171013T170923.456+0800").unwrap();
        assert_eq!(epoch_ms(t), 1_507_885_763_456);
        let t = parse_event_time("20171013T170923+0800").unwrap();
        assert_eq!(epoch_ms(t), 1_507_885_763_000);
        assert_eq!(
            parse_event_time("1507885763456").map(epoch_ms),
            Some(1_507_885_763_456)
        );
        assert!(parse_event_time("soon").is_none());
    }

    #[test]
    fn dimension_filters_read_with_or_without_braces() {
        assert_eq!(
            dimension_pairs("{a=1&b=x}"),
            [("a".to_owned(), "1".to_owned()), ("b".into(), "x".into())]
        );
        assert_eq!(dimension_pairs("a=1").len(), 1);
        let mut dims = Map::new();
        dims.insert("b".into(), json!("x"));
        dims.insert("a".into(), json!(1));
        assert_eq!(dimension_text(&dims), "a=1&b=x");
    }
}
