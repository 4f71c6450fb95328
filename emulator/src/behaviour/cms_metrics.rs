//! CMS 2019-01-01: reading metric data (`DescribeMetricLast`, `DescribeMetricList`,
//! `DescribeMetricData`, `DescribeMetricTop`) and the metric catalogue
//! (`DescribeMetricMetaList`, `DescribeProjectMeta`, `DescribeSystemEventMetaList`).
//!
//! `acs_ecs_dashboard` points come from [`cms_series`]: a metric the agent reports
//! (`needs_agent`) has points only for running instances whose agent runs, the others for every
//! running instance (a stopped instance has no points). `acs_customMetric_<userId>` points are
//! the ones `PutCustomMetric` stored (see [`cms_custom`]). Any other namespace or metric name
//! answers an empty `Datapoints` list, as the service does for a metric without data.
//!
//! The time window defaults to the hour ending now (the emulator clock); a point is the period
//! that starts in `[StartTime, EndTime)` and not after now. `Datapoints` is JSON text, as the
//! service writes it.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::cms_common::{self, invalid, ok_with};
use super::cms_custom;
use super::cms_series::{self, ECS_METRICS, Metric, USER_ID, epoch_secs};
use super::{Context, Model, Outcome};
use crate::error::ApiError;
use crate::world::{AgentState, InstanceStatus, Tracked, World};

/// The metric reading and catalogue actions.
pub(super) const MODELS: &[Model] = &[
    Model::cms("DescribeMetricLast", describe_metric_last),
    Model::cms("DescribeMetricList", describe_metric_list),
    Model::cms("DescribeMetricData", describe_metric_data),
    Model::cms("DescribeMetricTop", describe_metric_top),
    Model::cms("DescribeMetricMetaList", describe_metric_meta_list),
    Model::cms("DescribeProjectMeta", describe_project_meta),
    Model::cms(
        "DescribeSystemEventMetaList",
        describe_system_event_meta_list,
    ),
];

/// `Length` when the request names none (list and last); `DescribeMetricTop` uses 10.
const DEFAULT_LENGTH: usize = 1000;

/// One aggregated point, of an instance or of a custom metric's series.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    /// Start of the period, in milliseconds since the epoch.
    pub(crate) timestamp_ms: u64,
    /// The dimensions the point carries besides `userId` (`instanceId`; a custom metric's
    /// `groupId` and dimensions).
    pub(crate) labels: Map<String, Value>,
    pub(crate) average: f64,
    pub(crate) minimum: f64,
    pub(crate) maximum: f64,
    /// How many raw values the point aggregates.
    pub(crate) count: f64,
    /// The sum of the raw values (custom metrics report it).
    pub(crate) sum: Option<f64>,
}

impl Row {
    /// The series the row belongs to (its labels as text).
    fn series(&self) -> String {
        Value::Object(self.labels.clone()).to_string()
    }

    /// The point as the service writes it: `timestamp`, `userId`, the labels, the statistics.
    fn json(&self) -> Map<String, Value> {
        let mut point = Map::new();
        point.insert("timestamp".into(), json!(self.timestamp_ms));
        point.insert("userId".into(), json!(USER_ID));
        point.extend(self.labels.clone());
        point.insert("Average".into(), json!(round2(self.average)));
        point.insert("Minimum".into(), json!(round2(self.minimum)));
        point.insert("Maximum".into(), json!(round2(self.maximum)));
        if let Some(sum) = self.sum {
            point.insert("Sum".into(), json!(round2(sum)));
            point.insert("SampleCount".into(), json!(self.count));
        }
        point
    }
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Where a request's points come from.
enum Source {
    Ecs(&'static Metric),
    Custom(String),
    /// A namespace or metric without data.
    Nothing,
}

/// What a metric read asks for.
struct Ask {
    source: Source,
    /// The period, in seconds.
    period: u64,
    /// The window, in seconds since the epoch: `[from, to)`, never after now.
    from: u64,
    to: u64,
    now: u64,
    /// The `Dimensions` objects (no filter when empty).
    dimensions: Vec<Map<String, Value>>,
}

impl Ask {
    /// Reads and checks `Namespace`, `MetricName`, `Period`, `StartTime`/`EndTime` and
    /// `Dimensions`.
    fn read(ctx: &Context<'_>) -> Result<Ask, ApiError> {
        let namespace = required(ctx, "Namespace")?;
        let metric = required(ctx, "MetricName")?;
        let dimensions = cms_common::dimensions(ctx, "Dimensions")?;
        let source = match cms_series::ecs_metric(namespace, metric) {
            Some(m) => Source::Ecs(m),
            None if namespace == cms_custom::namespace() => Source::Custom(metric.to_owned()),
            None => Source::Nothing,
        };
        let smallest = match source {
            Source::Ecs(m) => m.period,
            _ => 60,
        };
        let period = match ctx.input.str("Period").map(str::trim) {
            None | Some("") => smallest,
            Some(text) => text
                .parse::<u64>()
                .ok()
                .filter(|p| *p > 0 && p % 60 == 0)
                .ok_or_else(|| {
                    invalid(
                        ctx,
                        &format!("Period must be a positive multiple of 60 seconds: {text}."),
                    )
                })?
                .max(smallest),
        };
        let end = cms_common::time_param(ctx, "EndTime", ctx.now)?;
        let start = cms_common::time_param(
            ctx,
            "StartTime",
            end.checked_sub(Duration::from_secs(3600))
                .unwrap_or(std::time::UNIX_EPOCH),
        )?;
        if start >= end {
            return Err(invalid(ctx, "StartTime must be earlier than EndTime."));
        }
        Ok(Ask {
            source,
            period,
            from: epoch_secs(start),
            to: epoch_secs(end),
            now: epoch_secs(ctx.now),
            dimensions,
        })
    }

    /// The period starts in the window, oldest first.
    fn starts(&self) -> Vec<u64> {
        let first = self.from.div_ceil(self.period) * self.period;
        (0..)
            .map(|n| first + n * self.period)
            .take_while(|start| *start < self.to && *start <= self.now)
            .collect()
    }

    /// The `instanceId`s the dimensions name (`None`: every instance).
    fn instance_filter(&self) -> Option<Vec<&str>> {
        let ids: Vec<&str> = self
            .dimensions
            .iter()
            .filter_map(|d| d.get("instanceId").and_then(Value::as_str))
            .collect();
        (!ids.is_empty()).then_some(ids)
    }

    /// The instances with points of `metric`, in id order.
    fn instances(&self, world: &World, metric: &Metric) -> Vec<String> {
        let wanted = self.instance_filter();
        world
            .iter()
            .filter(|t| reports(t, metric))
            .filter(|t| {
                wanted
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&t.instance.id.as_str()))
            })
            .map(|t| t.instance.id.clone())
            .collect()
    }

    /// Every point of the window, series by series (each oldest first).
    fn rows(&self, world: &World) -> Rows {
        match &self.source {
            Source::Ecs(metric) => Rows::Ecs {
                metric,
                ids: self.instances(world, metric),
                starts: self.starts(),
                period: self.period,
            },
            Source::Custom(name) => Rows::Listed(cms_custom::rows(
                world,
                name,
                &self.dimensions,
                self.from * 1000,
                (self.to.min(self.now + 1)) * 1000,
                self.period,
            )),
            Source::Nothing => Rows::Listed(Vec::new()),
        }
    }
}

/// Whether `tracked` has points of `metric` now.
pub(crate) fn reports(tracked: &Tracked, metric: &Metric) -> bool {
    tracked.instance.status == InstanceStatus::Running
        && (!metric.needs_agent || tracked.instance.cms_agent == AgentState::Running)
}

/// A request's points, made on demand (a large fleet's hour is many points; a page needs few).
enum Rows {
    Ecs {
        metric: &'static Metric,
        ids: Vec<String>,
        starts: Vec<u64>,
        period: u64,
    },
    Listed(Vec<Row>),
}

impl Rows {
    fn len(&self) -> usize {
        match self {
            Rows::Ecs { ids, starts, .. } => ids.len() * starts.len(),
            Rows::Listed(rows) => rows.len(),
        }
    }

    /// The `index`th point (series-major).
    fn get(&self, index: usize) -> Option<Row> {
        match self {
            Rows::Ecs {
                metric,
                ids,
                starts,
                period,
            } => {
                let id = ids.get(index / starts.len().max(1))?;
                let start = starts.get(index % starts.len().max(1))?;
                Some(ecs_row(id, cms_series::point(metric, id, *start, *period)))
            }
            Rows::Listed(rows) => rows.get(index).cloned(),
        }
    }

    /// Every point.
    fn all(&self) -> Vec<Row> {
        match self {
            Rows::Ecs {
                metric,
                ids,
                starts,
                period,
            } => {
                let (Some(first), Some(last)) = (starts.first(), starts.last()) else {
                    return Vec::new();
                };
                ids.iter()
                    .flat_map(|id| {
                        cms_series::range(metric, id, *first, last + 1, *period)
                            .into_iter()
                            .map(|point| ecs_row(id, point))
                    })
                    .collect()
            }
            Rows::Listed(rows) => rows.clone(),
        }
    }

    /// The latest point of each series.
    fn latest(&self) -> Vec<Row> {
        match self {
            Rows::Ecs {
                metric,
                ids,
                starts,
                period,
            } => match starts.last() {
                Some(start) => ids
                    .iter()
                    .map(|id| ecs_row(id, cms_series::point(metric, id, *start, *period)))
                    .collect(),
                None => Vec::new(),
            },
            Rows::Listed(rows) => {
                let mut latest: Vec<Row> = Vec::new();
                for row in rows {
                    match latest.last_mut() {
                        Some(last) if last.series() == row.series() => *last = row.clone(),
                        _ => latest.push(row.clone()),
                    }
                }
                latest
            }
        }
    }
}

fn ecs_row(instance_id: &str, point: cms_series::Point) -> Row {
    let mut labels = Map::new();
    labels.insert("instanceId".into(), json!(instance_id));
    Row {
        timestamp_ms: point.timestamp_ms,
        labels,
        average: point.average,
        minimum: point.minimum,
        maximum: point.maximum,
        count: 1.0,
        sum: None,
    }
}

/// A parameter the action cannot do without (the spec marks it required in the docs only).
fn required<'a>(ctx: &'a Context<'_>, name: &str) -> Result<&'a str, ApiError> {
    ctx.input
        .str(name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| invalid(ctx, &format!("{name} is mandatory for this action.")))
}

/// `Length`: a positive count, `default` when absent.
fn length(ctx: &Context<'_>, default: usize) -> Result<usize, ApiError> {
    match ctx.input.str("Length").map(str::trim) {
        None | Some("") => Ok(default),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| invalid(ctx, &format!("Length must be a positive number: {text}."))),
    }
}

/// The token of the page starting at `offset`: opaque to clients.
fn next_token(offset: usize) -> String {
    format!("emu-next-{offset}")
}

/// The offset a `NextToken` names (0 without one).
fn token_offset(ctx: &Context<'_>) -> Result<usize, ApiError> {
    match ctx.input.str("NextToken").filter(|t| !t.is_empty()) {
        None => Ok(0),
        Some(token) => token
            .strip_prefix("emu-next-")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| invalid(ctx, "NextToken is not a token this service issued.")),
    }
}

/// `Datapoints` as JSON text.
fn datapoints(points: Vec<Value>) -> Value {
    json!(Value::Array(points).to_string())
}

/// The answer of a list or last: one page of `len` points (made by `point`), `NextToken`
/// while more remain.
fn paged(
    ctx: &Context<'_>,
    period: u64,
    len: usize,
    point: impl Fn(usize) -> Option<Row>,
) -> Outcome {
    let offset = token_offset(ctx)?;
    let size = length(ctx, DEFAULT_LENGTH)?;
    let end = offset.saturating_add(size).min(len);
    let points: Vec<Value> = (offset.min(end)..end)
        .filter_map(&point)
        .map(|row| Value::Object(row.json()))
        .collect();
    let mut out = ok_with("Datapoints", datapoints(points));
    out.insert("Period".into(), json!(period.to_string()));
    if end < len {
        out.insert("NextToken".into(), json!(next_token(end)));
    }
    Ok(out)
}

pub(super) fn describe_metric_last(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let ask = Ask::read(ctx)?;
    let latest = ask.rows(world).latest();
    paged(ctx, ask.period, latest.len(), |i| latest.get(i).cloned())
}

pub(super) fn describe_metric_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let ask = Ask::read(ctx)?;
    let rows = ask.rows(world);
    paged(ctx, ask.period, rows.len(), |i| rows.get(i))
}

/// The statistics of `rows` together: mean of the averages, lowest minimum, highest maximum.
fn combine(rows: &[Row]) -> Option<Row> {
    let first = rows.first()?;
    let n = rows.len() as f64;
    Some(Row {
        timestamp_ms: first.timestamp_ms,
        labels: first.labels.clone(),
        average: rows.iter().map(|r| r.average).sum::<f64>() / n,
        minimum: rows.iter().map(|r| r.minimum).fold(f64::INFINITY, f64::min),
        maximum: rows
            .iter()
            .map(|r| r.maximum)
            .fold(f64::NEG_INFINITY, f64::max),
        count: rows.iter().map(|r| r.count).sum(),
        sum: first
            .sum
            .map(|_| rows.iter().filter_map(|r| r.sum).sum::<f64>()),
    })
}

pub(super) fn describe_metric_data(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let ask = Ask::read(ctx)?;
    let size = length(ctx, DEFAULT_LENGTH)?;
    let mut rows = ask.rows(world).all();
    rows.sort_by_key(|r| r.timestamp_ms);
    // One point per timestamp across the instances (or series) asked for.
    let points: Vec<Value> = rows
        .chunk_by(|a, b| a.timestamp_ms == b.timestamp_ms)
        .filter_map(combine)
        .take(size)
        .map(|row| {
            json!({
                "timestamp": row.timestamp_ms,
                "Average": round2(row.average),
                "Minimum": round2(row.minimum),
                "Maximum": round2(row.maximum),
            })
        })
        .collect();
    let mut out = ok_with("Datapoints", datapoints(points));
    out.insert("Period".into(), json!(ask.period.to_string()));
    Ok(out)
}

pub(super) fn describe_metric_top(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let ask = Ask::read(ctx)?;
    let order_by = required(ctx, "Orderby")?;
    let key: fn(&Row) -> f64 = match order_by {
        "Average" => |r| r.average,
        "Maximum" => |r| r.maximum,
        "Minimum" => |r| r.minimum,
        other => {
            return Err(invalid(
                ctx,
                &format!("Orderby must be Average, Maximum or Minimum: {other}."),
            ));
        }
    };
    // As the service reads it: `True` sorts ascending; `False` (the default) descending.
    let ascending = match ctx.input.str("OrderDesc").map(str::trim) {
        None | Some("") => false,
        Some(text) if text.eq_ignore_ascii_case("true") => true,
        Some(text) if text.eq_ignore_ascii_case("false") => false,
        Some(text) => {
            return Err(invalid(
                ctx,
                &format!("OrderDesc must be True or False: {text}."),
            ));
        }
    };
    let size = length(ctx, 10)?;
    // One point per series: its statistics over the window.
    let mut per_series: Vec<Row> = ask
        .rows(world)
        .all()
        .chunk_by(|a, b| a.series() == b.series())
        .filter_map(combine)
        .collect();
    per_series.sort_by(|a, b| {
        let order = key(a).total_cmp(&key(b));
        if ascending { order } else { order.reverse() }
    });
    let points: Vec<Value> = per_series
        .iter()
        .take(size)
        .enumerate()
        .map(|(n, row)| {
            let mut point = Map::new();
            point.insert("order".into(), json!(n + 1));
            point.extend(row.json());
            point.insert("_count".into(), json!(row.count));
            Value::Object(point)
        })
        .collect();
    let mut out = ok_with("Datapoints", datapoints(points));
    out.insert("Period".into(), json!(ask.period.to_string()));
    Ok(out)
}

// ----- Catalogue ---------------------------------------------------------------------------

/// A page-number parameter that the spec types as a number or as text.
fn number_param(ctx: &Context<'_>, name: &str, default: usize) -> Result<usize, ApiError> {
    match ctx.input.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| *n > 0)
            .ok_or_else(|| invalid(ctx, &format!("{name} must be a positive number."))),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(default),
        Some(Value::String(text)) => text
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| invalid(ctx, &format!("{name} must be a positive number: {text}."))),
        Some(_) => Err(invalid(ctx, &format!("{name} must be a positive number."))),
    }
}

/// The `(page number, page size, items of that page)` of `rows`, from `PageNumber` and
/// `PageSize` (`default_size` entries when absent).
pub(crate) fn page_of<T>(
    ctx: &Context<'_>,
    rows: Vec<T>,
    default_size: usize,
) -> Result<(usize, usize, Vec<T>), ApiError> {
    let number = number_param(ctx, "PageNumber", 1)?;
    let size = number_param(ctx, "PageSize", default_size)?;
    let skip = (number - 1).saturating_mul(size);
    let items = rows.into_iter().skip(skip).take(size).collect();
    Ok((number, size, items))
}

/// The `acs_ecs_dashboard` metric's catalogue entry.
fn ecs_meta(metric: &Metric) -> Value {
    let category = if metric.needs_agent {
        "agent"
    } else {
        "instanceId"
    };
    json!({
        "MetricName": metric.name,
        "Namespace": cms_series::ECS_NAMESPACE,
        "Description": metric.description,
        "Unit": metric.unit,
        "Dimensions": "userId,instanceId",
        "Statistics": "Average,Minimum,Maximum",
        "Periods": format!("{},300,900", metric.period),
        "Labels": json!([
            {"name": "metricCategory", "value": category},
            {"name": "productCategory", "value": "ecs"},
            {"name": "minAlertPeriod", "value": metric.period.to_string()},
        ])
        .to_string(),
    })
}

/// A custom metric's catalogue entry.
fn custom_meta(name: &str) -> Value {
    json!({
        "MetricName": name,
        "Namespace": cms_custom::namespace(),
        "Description": format!("Custom metric {name}"),
        "Unit": "",
        "Dimensions": "userId,groupId",
        "Statistics": "Average,Minimum,Maximum,Sum,SampleCount",
        "Periods": "60,300",
        "Labels": json!([{"name": "productCategory", "value": "custom"}]).to_string(),
    })
}

pub(super) fn describe_metric_meta_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let namespace = ctx.input.str("Namespace").filter(|n| !n.is_empty());
    let name = ctx.input.str("MetricName").filter(|n| !n.is_empty());
    let mut entries: Vec<Value> = ECS_METRICS.iter().map(ecs_meta).collect();
    entries.extend(
        cms_custom::metric_names(world)
            .iter()
            .map(|n| custom_meta(n)),
    );
    let entries: Vec<Value> = entries
        .into_iter()
        .filter(|e| namespace.is_none_or(|ns| e["Namespace"] == ns))
        .filter(|e| name.is_none_or(|n| e["MetricName"] == n))
        .collect();
    let total = entries.len();
    let (_, _, items) = page_of(ctx, entries, 30)?;
    let mut out = ok_with("Resources", Value::Array(items));
    out.insert("TotalCount".into(), json!(total.to_string()));
    Ok(out)
}

/// The namespaces the emulator knows: `(namespace, description, product)`.
const PROJECTS: &[(&str, &str, &str)] = &[
    ("acs_ecs_dashboard", "Elastic Compute Service (ECS)", "ECS"),
    ("acs_rds_dashboard", "ApsaraDB RDS", "RDS"),
    ("acs_slb_dashboard", "Server Load Balancer (SLB)", "SLB"),
    ("acs_oss_dashboard", "Object Storage Service (OSS)", "OSS"),
    ("acs_vpc_eip", "Elastic IP Address (EIP)", "EIP"),
    ("acs_kvstore", "ApsaraDB for Redis", "Redis"),
    ("acs_cdn", "CDN", "CDN"),
];

/// A namespace's `Labels`: its product.
fn project_labels(product: &str) -> Value {
    json!([{"name": "product", "value": product}])
}

pub(super) fn describe_project_meta(world: &mut World, ctx: &Context<'_>) -> Outcome {
    // `Labels`: `[{"name":..,"value":..}]`; a namespace matches when it carries every one.
    let bad = || invalid(ctx, "Labels must be a JSON array of name/value objects.");
    let wanted = match ctx.input.json("Labels").map_err(|_| bad())? {
        None => Vec::new(),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(bad()),
    };
    let custom = cms_custom::namespace();
    let mut projects: Vec<(String, String, Value)> = PROJECTS
        .iter()
        .map(|(ns, desc, product)| {
            (
                (*ns).to_owned(),
                (*desc).to_owned(),
                project_labels(product),
            )
        })
        .collect();
    if !cms_custom::metric_names(world).is_empty() {
        projects.push((custom, "Custom metrics".into(), project_labels("Custom")));
    }
    let projects: Vec<Value> = projects
        .into_iter()
        .filter(|(_, _, labels)| {
            wanted.iter().all(|w| {
                labels
                    .as_array()
                    .is_some_and(|have| have.iter().any(|l| l == w))
            })
        })
        .map(|(ns, desc, labels)| {
            json!({"Namespace": ns, "Description": desc, "Labels": labels.to_string()})
        })
        .collect();
    let total = projects.len();
    let (number, size, items) = page_of(ctx, projects, 30)?;
    let mut out = ok_with("Resources", Value::Array(items));
    out.insert("Total".into(), json!(total.to_string()));
    out.insert("PageNumber".into(), json!(number.to_string()));
    out.insert("PageSize".into(), json!(size.to_string()));
    Ok(out)
}

/// The system events the emulator knows: `(product, name, type, level, status, zh, en)`.
const SYSTEM_EVENTS: &[(&str, &str, &str, &str, &str, &str, &str)] = &[
    (
        "ECS",
        "Instance:StateChange",
        "StatusNotification",
        "INFO",
        "Normal",
        "实例状态变化",
        "Instance status changed.",
    ),
    (
        "ECS",
        "Instance:SystemMaintenance.Reboot:Scheduled",
        "Maintenance",
        "CRITICAL",
        "Scheduled",
        "实例因系统维护计划重启",
        "Instance restart scheduled for system maintenance.",
    ),
    (
        "ECS",
        "Instance:SystemFailure.Reboot:Executed",
        "Exception",
        "CRITICAL",
        "Executed",
        "实例因系统错误重启",
        "Instance restarted because of a system error.",
    ),
    (
        "ECS",
        "Disk:Stalled:Executed",
        "Exception",
        "WARN",
        "Executed",
        "磁盘性能受到严重影响",
        "Disk performance severely affected.",
    ),
    (
        "ECS",
        "Instance:PreemptibleInstanceInterruption",
        "StatusNotification",
        "WARN",
        "Normal",
        "抢占式实例中断通知",
        "Preemptible instance interruption notice.",
    ),
];

pub(super) fn describe_system_event_meta_list(_world: &mut World, _ctx: &Context<'_>) -> Outcome {
    let data: Vec<Value> = SYSTEM_EVENTS
        .iter()
        .map(|(product, name, kind, level, status, zh, en)| {
            json!({
                "Product": product,
                "Name": name,
                "EventType": kind,
                "Level": level,
                "Status": status,
                "StatusDesc": status,
                "NameDesc": zh,
                "NameDesc.En": en,
            })
        })
        .collect();
    let mut out = ok_with("Data", Value::Array(data));
    out.insert("Message".into(), json!("success"));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(ts: u64, average: f64) -> Row {
        Row {
            timestamp_ms: ts,
            labels: Map::new(),
            average,
            minimum: average - 1.0,
            maximum: average + 1.0,
            count: 1.0,
            sum: None,
        }
    }

    #[test]
    fn combining_takes_mean_lowest_and_highest() {
        let joined = combine(&[row(1, 10.0), row(1, 20.0)]).unwrap();
        assert_eq!(joined.average, 15.0);
        assert_eq!(joined.minimum, 9.0);
        assert_eq!(joined.maximum, 21.0);
        assert_eq!(joined.count, 2.0);
        assert!(combine(&[]).is_none());
    }
}
