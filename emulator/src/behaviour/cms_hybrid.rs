//! CMS 2019-01-01: hybrid monitoring's metric stores (namespaces) and the data written to them:
//! `CreateHybridMonitorNamespace`, `DescribeHybridMonitorNamespaceList`,
//! `ModifyHybridMonitorNamespace`, `DeleteHybridMonitorNamespace`, `PutHybridMonitorMetricData`
//! and `DescribeHybridMonitorDataList`.
//!
//! Like the service: a namespace name is 2 to 64 lowercase letters, digits and hyphens, not
//! starting or ending with a hyphen, and unique (`Namespace.Existed`); writing to an unknown
//! namespace fails as a whole; each point's metric and label names follow Prometheus
//! (`[a-zA-Z_][a-zA-Z0-9_]*`; the SDK already checks metric names) and a point that does not
//! is reported in `ErrorDetail` by its index while the others are stored; queries take `Start` and `End` in seconds
//! (`BadRequest` when the end is before the start) and answer one series per metric and label
//! set, its values (`Ts` in seconds) in time order, the last one of each `Period` when a period
//! is given. Queries read PromQL of the form `name` or `name{label="value",...}` (also `!=`);
//! anything else (functions, operators, regular expressions) is refused with `BadRequest`
//! naming the form the emulator reads. Not modelled: monitoring tasks and SLS groups, so a
//! namespace holds only what is written to it.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::cms_common::{epoch_ms, invalid, list_items, ok, refusal};
use super::cms_groups::{page, text};
use super::{Context, Model, Outcome};
use crate::error::ApiError;
use crate::store::{Kind, Resource};
use crate::world::World;

/// The hybrid monitoring actions.
pub(super) const MODELS: &[Model] = &[
    Model::cms("CreateHybridMonitorNamespace", create_namespace),
    Model::cms("DescribeHybridMonitorNamespaceList", describe_namespaces),
    Model::cms("ModifyHybridMonitorNamespace", modify_namespace),
    Model::cms("DeleteHybridMonitorNamespace", delete_namespace),
    Model::cms("PutHybridMonitorMetricData", put_metric_data),
    Model::cms("DescribeHybridMonitorDataList", describe_data_list),
];

/// Namespaces (id: the name), with the describe fields.
const NAMESPACE: Kind = "cms-hybrid-namespace";
/// Points, per namespace: `_Points`, `[[name, {labels}, ts_ms, value], ...]` on the namespace.
const POINTS: &str = "_Points";
/// Points a namespace keeps; the oldest go first.
const MAX_POINTS: usize = 100_000;

/// A Prometheus metric or label name.
fn is_prom_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A namespace name: 2 to 64 of `a-z`, `0-9`, `-`, not starting or ending with `-`.
fn is_namespace_name(name: &str) -> bool {
    (2..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

fn namespace_param(ctx: &Context<'_>) -> Result<String, ApiError> {
    text(ctx, "Namespace")
        .map(str::to_owned)
        .ok_or_else(|| invalid(ctx, "Namespace is mandatory."))
}

fn unknown_namespace(ctx: &Context<'_>, name: &str) -> ApiError {
    refusal(
        ctx,
        "BadRequest",
        400,
        &format!("Namespace {name} does not exist."),
    )
}

fn create_namespace(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let name = namespace_param(ctx)?;
    if !is_namespace_name(&name) {
        return Err(invalid(
            ctx,
            "Namespace is 2 to 64 lowercase letters, digits and hyphens, not starting or ending with a hyphen.",
        ));
    }
    if world.store.get(NAMESPACE, &name).is_some() {
        return Err(refusal(
            ctx,
            "Namespace.Existed",
            409,
            "The namespace already exists.",
        ));
    }
    let now = epoch_ms(ctx.now).to_string();
    let region = text(ctx, "NamespaceRegion").unwrap_or(crate::world::DEFAULT_REGION);
    let seq = world.store.next_seq();
    world.store.insert(
        NAMESPACE,
        &name,
        "",
        super::ecs_world::obj(json!({
            "Id": seq.to_string(),
            "Namespace": name,
            "Description": text(ctx, "Description").unwrap_or_default(),
            "NamespaceType": text(ctx, "NamespaceType").unwrap_or("m_prom_user"),
            "IsDelete": 0,
            "NotAliyunTaskNumber": 0,
            "AliyunProductMetricList": [],
            "CreateTime": now,
            "ModifyTime": now,
            "Detail": {
                "Spec": text(ctx, "Spec").unwrap_or("cms.s1.large"),
                "NamespaceRegion": region,
                "SLSProject": "",
            },
            POINTS: [],
        })),
    );
    Ok(ok())
}

fn describe_namespaces(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let exact = text(ctx, "Namespace");
    let keyword = text(ctx, "Keyword");
    let rows: Vec<Value> = world
        .store
        .iter(NAMESPACE)
        .filter(|n| exact.is_none_or(|e| n.id == e))
        .filter(|n| {
            keyword.is_none_or(|k| {
                n.id.contains(k) || n.str("Description").is_some_and(|d| d.contains(k))
            })
        })
        .map(Resource::item)
        .collect();
    page(ctx, rows, "DescribeHybridMonitorNamespace", 10, |n| n)
}

fn modify_namespace(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let name = namespace_param(ctx)?;
    let description = text(ctx, "Description").map(str::to_owned);
    let spec = text(ctx, "Spec").map(str::to_owned);
    let now = epoch_ms(ctx.now).to_string();
    let namespace = world
        .store
        .get_mut(NAMESPACE, &name)
        .ok_or_else(|| unknown_namespace(ctx, &name))?;
    if let Some(description) = description {
        namespace.set("Description", description);
    }
    if let Some(spec) = spec {
        if let Some(detail) = namespace.attrs.get_mut("Detail") {
            detail["Spec"] = json!(spec);
        }
    }
    namespace.set("ModifyTime", now);
    Ok(ok())
}

fn delete_namespace(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let name = namespace_param(ctx)?;
    world
        .store
        .remove(NAMESPACE, &name)
        .ok_or_else(|| unknown_namespace(ctx, &name))?;
    Ok(ok())
}

/// One point of `MetricList.N`, or why it is refused.
fn point(item: &Value) -> Result<Value, String> {
    let name = item.get("Name").and_then(Value::as_str).unwrap_or_default();
    if !is_prom_name(name) {
        return Err(format!(
            "metric name :{name} not match [a-zA-Z_][a-zA-Z0-9_]*"
        ));
    }
    let mut labels = BTreeMap::new();
    for label in item
        .get("Labels")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
    {
        let key = label.get("Key").and_then(Value::as_str).unwrap_or_default();
        if !is_prom_name(key) {
            return Err(format!(
                "label name :{key} not match [a-zA-Z_][a-zA-Z0-9_]*"
            ));
        }
        let value = label
            .get("Value")
            .and_then(Value::as_str)
            .unwrap_or_default();
        labels.insert(key.to_owned(), value.to_owned());
    }
    let value: f64 = item
        .get("Value")
        .and_then(|v| {
            v.as_str()
                .map(str::to_owned)
                .or_else(|| Some(v.to_string()))
        })
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("value of {name} is not a number"))?;
    let ts = item
        .get("TS")
        .and_then(Value::as_i64)
        .ok_or_else(|| format!("TS of {name} is missing"))?;
    Ok(json!([name, labels, ts, value]))
}

fn put_metric_data(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let name = namespace_param(ctx)?;
    if world.store.get(NAMESPACE, &name).is_none() {
        return Err(unknown_namespace(ctx, &name));
    }
    let items = list_items(ctx, "MetricList");
    if items.is_empty() {
        return Err(invalid(ctx, "MetricList is mandatory."));
    }
    let mut errors = Vec::new();
    let mut points = Vec::new();
    for (index, item) in items.iter().enumerate() {
        match point(item) {
            Ok(p) => points.push(p),
            Err(message) => errors.push(json!({"Index": index, "ErrorMessage": message})),
        }
    }
    if let Some(namespace) = world.store.get_mut(NAMESPACE, &name) {
        if let Some(Value::Array(stored)) = namespace.attrs.get_mut(POINTS) {
            stored.extend(points);
            let over = stored.len().saturating_sub(MAX_POINTS);
            stored.drain(..over);
        }
    }
    let mut out = Map::new();
    out.insert("Code".into(), json!("200"));
    out.insert("ErrorDetail".into(), Value::Array(errors));
    Ok(out)
}

/// A label matcher of a query: `label="value"` or `label!="value"`.
#[derive(Debug, PartialEq)]
struct Matcher {
    label: String,
    value: String,
    equal: bool,
}

/// `name` or `name{label="value",label!="value"}`; `None` for any other PromQL.
fn parse_query(query: &str) -> Option<(String, Vec<Matcher>)> {
    let query = query.trim();
    let (name, rest) = match query.find('{') {
        Some(open) => (&query[..open], Some(&query[open..])),
        None => (query, None),
    };
    let name = name.trim();
    if !is_prom_name(name) {
        return None;
    }
    let mut matchers = Vec::new();
    if let Some(rest) = rest {
        let inner = rest.strip_prefix('{')?.strip_suffix('}')?;
        for part in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (label, value, equal) = match part.split_once("!=") {
                Some((l, v)) => (l, v, false),
                None => {
                    let (l, v) = part.split_once('=')?;
                    (l, v, true)
                }
            };
            let value = value.trim().strip_prefix('"')?.strip_suffix('"')?;
            if !is_prom_name(label.trim()) || value.starts_with('~') {
                return None;
            }
            matchers.push(Matcher {
                label: label.trim().to_owned(),
                value: value.to_owned(),
                equal,
            });
        }
    }
    Some((name.to_owned(), matchers))
}

fn describe_data_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let name = namespace_param(ctx)?;
    let namespace = world
        .store
        .get(NAMESPACE, &name)
        .ok_or_else(|| unknown_namespace(ctx, &name))?;
    let query = text(ctx, "PromSQL").unwrap_or_default();
    let (metric, matchers) = parse_query(query).ok_or_else(|| {
        refusal(
            ctx,
            "BadRequest",
            400,
            "The emulator reads PromQL of the form name or name{label=\"value\",...}.",
        )
    })?;
    let seconds = |key: &str| super::cms_groups::num(ctx, key);
    let (start, end) = (
        seconds("Start").unwrap_or(0),
        seconds("End").unwrap_or(i64::MAX),
    );
    if end < start {
        return Err(refusal(
            ctx,
            "BadRequest",
            400,
            "end timestamp must not be before start time.",
        ));
    }
    let period = text(ctx, "Period")
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| *p > 0);
    // One series per label set, its points in time order.
    let mut series: BTreeMap<String, (Value, Vec<(i64, f64)>)> = BTreeMap::new();
    let points = namespace
        .attrs
        .get(POINTS)
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    for point in points {
        let (Some(name), Some(labels), Some(ts), Some(value)) = (
            point[0].as_str(),
            point[1].as_object(),
            point[2].as_i64(),
            point[3].as_f64(),
        ) else {
            continue;
        };
        let ts = ts / 1000;
        let selected = name == metric
            && (start..=end).contains(&ts)
            && matchers.iter().all(|m| {
                let has = labels
                    .get(&m.label)
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                (has == m.value) == m.equal
            });
        if selected {
            let key = Value::Object(labels.clone()).to_string();
            series
                .entry(key)
                .or_insert_with(|| (Value::Object(labels.clone()), Vec::new()))
                .1
                .push((ts, value));
        }
    }
    let time_series: Vec<Value> = series
        .into_values()
        .map(|(labels, mut values)| {
            values.sort_by_key(|(ts, _)| *ts);
            if let Some(period) = period {
                // The last value of each period, stamped with the period's start.
                let mut last: BTreeMap<i64, f64> = BTreeMap::new();
                for (ts, v) in values {
                    last.insert(ts - ts.rem_euclid(period), v);
                }
                values = last.into_iter().collect();
            }
            let labels: Vec<Value> = labels
                .as_object()
                .map(|l| l.iter().map(|(k, v)| json!({"K": k, "V": v})).collect())
                .unwrap_or_default();
            json!({
                "MetricName": metric,
                "Labels": labels,
                "Values": values
                    .iter()
                    .map(|(ts, v)| json!({"Ts": ts.to_string(), "V": v.to_string()}))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut out = ok();
    out.insert("TimeSeries".into(), Value::Array(time_series));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_the_emulator_reads() {
        let (name, matchers) = parse_query(r#"app_latency{host="web-1",env!="dev"}"#).unwrap();
        assert_eq!(name, "app_latency");
        assert_eq!(
            matchers,
            [
                Matcher {
                    label: "host".into(),
                    value: "web-1".into(),
                    equal: true
                },
                Matcher {
                    label: "env".into(),
                    value: "dev".into(),
                    equal: false
                },
            ]
        );
        assert_eq!(parse_query("cpu_total").unwrap().1, []);
        assert!(parse_query("rate(cpu_total[5m])").is_none());
        assert!(parse_query(r#"cpu{host=~"web.*"}"#).is_none());
        assert!(parse_query("cpu + 1").is_none());
    }

    #[test]
    fn names() {
        assert!(is_prom_name("cpu_total") && is_prom_name("_x1"));
        assert!(!is_prom_name("1cpu") && !is_prom_name("cpu-total") && !is_prom_name(""));
        assert!(is_namespace_name("app-metrics") && !is_namespace_name("-app"));
        assert!(!is_namespace_name("App") && !is_namespace_name("a"));
    }
}
