//! CMS 2019-01-01: how alert rules judge the world, and what they reported. A rule's state
//! is computed from the deterministic `acs_ecs_dashboard` series (`cms_series`) at the
//! emulator clock whenever a describe runs (there are no timers): for each resource, the
//! statistic of the last `Times` periods is compared with each escalation's threshold, the
//! most severe escalation whose every period breaches wins (`ALARM` at that level), `OK`
//! otherwise, `INSUFFICIENT_DATA` when the instance sends no data (not running, or an agent
//! metric without a running agent). The alarm history is derived the same way, period by
//! period, over the times the rule was enabled: an event when a resource starts alarming (or
//! changes level), one again each `SilenceTime` while it keeps alarming, one when it recovers.
//!
//! Actions: `DescribeAlertHistoryList`, `DescribeAlertLogList`, `DescribeAlertLogCount`,
//! `DescribeAlertLogHistogram`, and the blacklists that exempt instances from evaluation
//! (`CreateMetricRuleBlackList`, `DescribeMetricRuleBlackList`, `ModifyMetricRuleBlackList`,
//! `DeleteMetricRuleBlackList`, `EnableMetricRuleBlackList`).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use super::cms_common::{epoch_ms, invalid, not_found, ok, parse_time, time_param};
pub(crate) use super::cms_groups::GROUP;
use super::cms_series::{Metric, USER_ID, ecs_metric, epoch_secs, point};
use super::{Context, Model, Outcome};
use crate::store::{Kind, Resource, stable_hash};
use crate::world::{AgentState, InstanceStatus, World};

/// The alarm history and blacklist actions.
pub(super) const MODELS: &[Model] = &[
    Model::cms("DescribeAlertHistoryList", describe_alert_history_list),
    Model::cms("DescribeAlertLogList", describe_alert_log_list),
    Model::cms("DescribeAlertLogCount", describe_alert_log_count),
    Model::cms("DescribeAlertLogHistogram", describe_alert_log_histogram),
    Model::cms("CreateMetricRuleBlackList", create_black_list),
    Model::cms("DescribeMetricRuleBlackList", describe_black_list),
    Model::cms("ModifyMetricRuleBlackList", modify_black_list),
    Model::cms("DeleteMetricRuleBlackList", delete_black_list),
    Model::cms("EnableMetricRuleBlackList", enable_black_list),
];

/// Alert rules (account-wide; the attributes are the `DescribeMetricRuleList` item, plus
/// bookkeeping under keys starting with `_`).
pub(crate) const RULE: Kind = "cms-rule";
/// Alert blacklists.
const BLACK_LIST: Kind = "cms-black-list";

/// When the rule was created (seconds since the epoch).
pub(crate) const CREATED: &str = "_Created";
/// The rule's enabled spans: `[[from, to-or-null], ...]` in seconds since the epoch.
pub(crate) const ENABLED_SPANS: &str = "_EnabledSpans";

/// Most evaluation steps walked per enabled span and resource (two days of minutes): the
/// history reaches back that far from the span's end.
const MAX_STEPS: u64 = 2_880;
/// Most evaluation steps per rule: a rule over many instances reaches back less far (at least
/// an hour), so a describe stays fast in a world of thousands of instances.
const STEP_BUDGET: u64 = 400_000;
/// Most events kept per rule (the latest).
const MAX_EVENTS: usize = 500;

/// An escalation level, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    Critical,
    Warn,
    Info,
}

impl Level {
    pub(crate) const ALL: [Level; 3] = [Level::Critical, Level::Warn, Level::Info];

    /// The key in `Escalations` (`Critical`, `Warn`, `Info`).
    pub(crate) fn key(self) -> &'static str {
        match self {
            Level::Critical => "Critical",
            Level::Warn => "Warn",
            Level::Info => "Info",
        }
    }

    /// As alert logs spell it.
    fn upper(self) -> &'static str {
        match self {
            Level::Critical => "CRITICAL",
            Level::Warn => "WARN",
            Level::Info => "INFO",
        }
    }

    /// The notification level of the alarm history (`P2` critical .. `P4` info).
    fn priority(self) -> &'static str {
        match self {
            Level::Critical => "P2",
            Level::Warn => "P3",
            Level::Info => "P4",
        }
    }

    /// The numeric level of `DescribeAlertingMetricRuleResources` (2 critical .. 4 info).
    pub(crate) fn number(self) -> u8 {
        match self {
            Level::Critical => 2,
            Level::Warn => 3,
            Level::Info => 4,
        }
    }
}

/// The comparison operators CloudMonitor accepts.
pub(crate) const OPERATORS: &[&str] = &[
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanOrEqualToThreshold",
    "LessThanThreshold",
    "NotEqualToThreshold",
    "EqualToThreshold",
    "GreaterThanYesterday",
    "LessThanYesterday",
    "GreaterThanLastWeek",
    "LessThanLastWeek",
    "GreaterThanLastPeriod",
    "LessThanLastPeriod",
];

/// The statistics a threshold can compare.
pub(crate) const STATISTICS: &[&str] = &[
    "Average",
    "Minimum",
    "Maximum",
    "Value",
    "Sum",
    "SampleCount",
];

/// One escalation of a rule, parsed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Escalation {
    pub(crate) level: Level,
    pub(crate) statistics: String,
    pub(crate) operator: String,
    pub(crate) threshold: f64,
    pub(crate) times: u64,
}

impl Escalation {
    /// The expression the service shows (`$Average>=90`).
    fn expression(&self) -> String {
        let op = match self.operator.as_str() {
            "GreaterThanOrEqualToThreshold" => ">=",
            "GreaterThanThreshold" => ">",
            "LessThanOrEqualToThreshold" => "<=",
            "LessThanThreshold" => "<",
            "NotEqualToThreshold" => "!=",
            "EqualToThreshold" => "==",
            other => return format!("${} {other} {}%", self.statistics, self.threshold),
        };
        format!("${}{op}{}", self.statistics, self.threshold)
    }
}

/// The escalations of a rule's `Escalations` attribute, most severe first (levels with an
/// unusable threshold or operator are left out; puts refuse them before they are stored).
pub(crate) fn escalations(rule: &Resource) -> Vec<Escalation> {
    let Some(Value::Object(all)) = rule.attrs.get("Escalations") else {
        return Vec::new();
    };
    Level::ALL
        .iter()
        .filter_map(|level| {
            let esc = all.get(level.key())?;
            let operator = esc.get("ComparisonOperator")?.as_str()?.to_owned();
            let threshold = match esc.get("Threshold")? {
                Value::String(s) => s.trim().parse().ok()?,
                other => other.as_f64()?,
            };
            Some(Escalation {
                level: *level,
                statistics: esc
                    .get("Statistics")
                    .and_then(Value::as_str)
                    .unwrap_or("Average")
                    .to_owned(),
                operator,
                threshold,
                times: esc.get("Times").and_then(Value::as_u64).unwrap_or(3).max(1),
            })
        })
        .collect()
}

/// What a resource of a rule is at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum State {
    Ok,
    /// Alarming at `level`; `value` is the statistic of the latest period.
    Alarm {
        level: Level,
        value: f64,
    },
    NoData,
}

impl State {
    pub(crate) fn wire(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::Alarm { .. } => "ALARM",
            State::NoData => "INSUFFICIENT_DATA",
        }
    }
}

/// The instance ids a `Resources`/`Dimensions` JSON text names (`[{"instanceId":"i-x"}]`);
/// `None` for `[{"resource":"_ALL"}]` (every instance).
pub(crate) fn named_instances(text: &str) -> Option<Vec<String>> {
    let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let items = match value {
        Value::Array(items) => items,
        Value::Object(_) => vec![value],
        _ => Vec::new(),
    };
    let mut ids = Vec::new();
    for item in &items {
        if item.get("resource").and_then(Value::as_str) == Some("_ALL") {
            return None;
        }
        if let Some(id) = item.get("instanceId").and_then(Value::as_str) {
            if !ids.iter().any(|known| known == id) {
                ids.push(id.to_owned());
            }
        }
    }
    Some(ids)
}

/// The instance ids of monitor group `group_id`: its `Instances` members (objects with an
/// `InstanceId`, as the group family keeps them; ids or `instanceId`s are read too).
pub(crate) fn group_instances(world: &World, group_id: &str) -> Vec<String> {
    let Some(group) = world.store.get(GROUP, group_id) else {
        return Vec::new();
    };
    let mut ids: Vec<String> = Vec::new();
    for key in ["Instances", "Resources"] {
        let Some(Value::Array(items)) = group.attrs.get(key) else {
            continue;
        };
        for item in items {
            let id = match item {
                Value::String(s) => Some(s.as_str()),
                Value::Object(o) => o
                    .get("InstanceId")
                    .or_else(|| o.get("instanceId"))
                    .and_then(Value::as_str),
                _ => None,
            };
            if let Some(id) = id.filter(|id| !ids.iter().any(|k| k == id)) {
                ids.push(id.to_owned());
            }
        }
    }
    ids
}

/// The instances `rule` watches, blacklisted ones left out.
pub(crate) fn rule_instances(world: &World, rule: &Resource, now: SystemTime) -> Vec<String> {
    let group = rule.str("GroupId").filter(|g| !g.is_empty());
    let named = named_instances(rule.str("Resources").unwrap_or("[]"));
    let mut ids = match (group, named) {
        (Some(group), named) => {
            let members = group_instances(world, group);
            // A group rule's `Dimensions` narrows it to some of the group's instances.
            let only = rule
                .str("Dimensions")
                .and_then(named_instances)
                .filter(|ids| !ids.is_empty())
                .or(named.filter(|ids| !ids.is_empty()));
            match only {
                Some(only) => members.into_iter().filter(|m| only.contains(m)).collect(),
                None => members,
            }
        }
        (None, Some(named)) => named,
        (None, None) => world.iter().map(|t| t.instance.id.clone()).collect(),
    };
    let namespace = rule.str("Namespace").unwrap_or_default();
    let metric = rule.str("MetricName").unwrap_or_default();
    ids.retain(|id| !blacklisted(world, namespace, metric, id, now));
    ids
}

/// Whether an enabled blacklist in force at `now` exempts `instance` from `metric`.
fn blacklisted(
    world: &World,
    namespace: &str,
    metric: &str,
    instance: &str,
    now: SystemTime,
) -> bool {
    let now_ms = epoch_ms(now);
    world.store.iter(BLACK_LIST).any(|list| {
        let enabled = list.attrs.get("IsEnable").and_then(Value::as_bool) == Some(true);
        let in_window = list
            .attrs
            .get("EnableStartTime")
            .and_then(Value::as_u64)
            .is_none_or(|from| from <= now_ms)
            && list
                .attrs
                .get("EnableEndTime")
                .and_then(Value::as_u64)
                .is_none_or(|to| now_ms < to);
        let metrics_match = match list.attrs.get("Metrics") {
            Some(Value::Array(metrics)) if !metrics.is_empty() => metrics
                .iter()
                .any(|m| m.get("MetricName").and_then(Value::as_str) == Some(metric)),
            _ => true,
        };
        let listed = match list.attrs.get("Instances") {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).any(|text| {
                text == instance
                    || named_instances(text).is_some_and(|ids| ids.iter().any(|i| i == instance))
            }),
            _ => false,
        };
        enabled && in_window && list.str("Namespace") == Some(namespace) && metrics_match && listed
    })
}

/// Whether `instance` sends points of `metric` now (it runs, and its agent does for agent
/// metrics).
fn has_data(world: &World, metric: &Metric, instance: &str) -> bool {
    world.get(instance).is_some_and(|t| {
        t.instance.status == InstanceStatus::Running
            && (!metric.needs_agent || t.instance.cms_agent == AgentState::Running)
    })
}

/// The rule's period in seconds (at least the metric's).
fn period_of(rule: &Resource, metric: &Metric) -> u64 {
    rule.str("Period")
        .and_then(|p| p.parse::<u64>().ok())
        .unwrap_or(metric.period)
        .max(metric.period)
}

/// The statistic `name` of the point of the period starting at `start`.
fn statistic(metric: &Metric, instance: &str, start: u64, period: u64, name: &str) -> f64 {
    let p = point(metric, instance, start, period);
    match name {
        "Minimum" => p.minimum,
        "Maximum" => p.maximum,
        _ => p.average,
    }
}

/// Whether `value` breaches `esc` for the period starting at `start`.
fn breaches(esc: &Escalation, metric: &Metric, instance: &str, start: u64, period: u64) -> bool {
    let value = statistic(metric, instance, start, period, &esc.statistics);
    let t = esc.threshold;
    let earlier = |back: u64| {
        let before = statistic(
            metric,
            instance,
            start.saturating_sub(back),
            period,
            &esc.statistics,
        );
        if before == 0.0 {
            0.0
        } else {
            (value - before) / before * 100.0
        }
    };
    match esc.operator.as_str() {
        "GreaterThanOrEqualToThreshold" => value >= t,
        "GreaterThanThreshold" => value > t,
        "LessThanOrEqualToThreshold" => value <= t,
        "LessThanThreshold" => value < t,
        "NotEqualToThreshold" => value != t,
        "EqualToThreshold" => value == t,
        "GreaterThanYesterday" => earlier(86_400) > t,
        "LessThanYesterday" => -earlier(86_400) > t,
        "GreaterThanLastWeek" => earlier(604_800) > t,
        "LessThanLastWeek" => -earlier(604_800) > t,
        "GreaterThanLastPeriod" => earlier(period) > t,
        "LessThanLastPeriod" => -earlier(period) > t,
        _ => false,
    }
}

/// The state judged at `at_secs` from the periods that ended by then.
fn state_at(
    escalations: &[Escalation],
    metric: &Metric,
    instance: &str,
    at_secs: u64,
    period: u64,
) -> State {
    let last = (at_secs / period).saturating_sub(1) * period;
    for esc in escalations {
        let all = (0..esc.times)
            .map(|k| last.saturating_sub(k * period))
            .all(|start| breaches(esc, metric, instance, start, period));
        if all {
            let value = statistic(metric, instance, last, period, &esc.statistics);
            return State::Alarm {
                level: esc.level,
                value,
            };
        }
    }
    State::Ok
}

/// The state of each instance `rule` watches at `now` (a disabled rule is not evaluated:
/// every resource reads `INSUFFICIENT_DATA`).
pub(crate) fn evaluate(world: &World, rule: &Resource, now: SystemTime) -> Vec<(String, State)> {
    let instances = rule_instances(world, rule, now);
    let metric = ecs_metric(
        rule.str("Namespace").unwrap_or_default(),
        rule.str("MetricName").unwrap_or_default(),
    );
    let enabled = rule.attrs.get("EnableState").and_then(Value::as_bool) != Some(false);
    let escalations = escalations(rule);
    instances
        .into_iter()
        .map(|id| {
            let state = match metric {
                Some(metric) if enabled && has_data(world, metric, &id) => state_at(
                    &escalations,
                    metric,
                    &id,
                    epoch_secs(now),
                    period_of(rule, metric),
                ),
                _ => State::NoData,
            };
            (id, state)
        })
        .collect()
}

/// The state of the rule as a whole: `ALARM` if any resource alarms, `OK` if any is fine,
/// `INSUFFICIENT_DATA` otherwise.
pub(crate) fn rule_state(states: &[(String, State)]) -> State {
    let alarm = states
        .iter()
        .filter_map(|(_, s)| match s {
            State::Alarm { level, .. } => Some(*level),
            _ => None,
        })
        .min();
    match alarm {
        Some(level) => State::Alarm { level, value: 0.0 },
        None if states.iter().any(|(_, s)| *s == State::Ok) => State::Ok,
        None => State::NoData,
    }
}

/// One alarm event of the history.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Event {
    pub(crate) at_secs: u64,
    pub(crate) instance: String,
    /// `Some(level)`: an alarm (or its repeat); `None`: the recovery.
    pub(crate) level: Option<Level>,
    /// The level it left (a recovery's, or an alarm's previous level).
    pub(crate) from: Option<Level>,
    pub(crate) value: f64,
    pub(crate) expression: String,
    pub(crate) times: u64,
    /// Since when the resource has been alarming (seconds).
    pub(crate) since: u64,
}

/// The enabled spans of a rule, each `(from, to)` with `to` capped at `now`.
fn enabled_spans(rule: &Resource, now: u64) -> Vec<(u64, u64)> {
    let Some(Value::Array(spans)) = rule.attrs.get(ENABLED_SPANS) else {
        return Vec::new();
    };
    spans
        .iter()
        .filter_map(|span| {
            let from = span.get(0)?.as_u64()?;
            let to = span.get(1).and_then(Value::as_u64).unwrap_or(now).min(now);
            (from < to).then_some((from, to))
        })
        .collect()
}

/// The alarm events of `rule` up to `now`, oldest first.
pub(crate) fn history(world: &World, rule: &Resource, now: SystemTime) -> Vec<Event> {
    let now_secs = epoch_secs(now);
    let Some(metric) = ecs_metric(
        rule.str("Namespace").unwrap_or_default(),
        rule.str("MetricName").unwrap_or_default(),
    ) else {
        return Vec::new();
    };
    let period = period_of(rule, metric);
    let silence = rule
        .attrs
        .get("SilenceTime")
        .and_then(Value::as_u64)
        .unwrap_or(86_400)
        .max(period);
    let escalations = escalations(rule);
    let mut events = Vec::new();
    let instances = rule_instances(world, rule, now);
    let reach = (STEP_BUDGET / instances.len().max(1) as u64).clamp(60, MAX_STEPS);
    for instance in instances {
        // The instance's present lets the past be judged: one that sends nothing now has no
        // points to judge in the past either.
        if !has_data(world, metric, &instance) {
            continue;
        }
        for (from, to) in enabled_spans(rule, now_secs) {
            // Evaluations at the period boundaries after the span began.
            let first = (from / period + 1) * period;
            let last = to / period * period;
            if first > last {
                continue;
            }
            let first = first.max(last.saturating_sub(reach * period));
            let mut current: Option<(Level, u64, u64)> = None; // level, since, last notice
            let mut at = first;
            while at <= last {
                match state_at(&escalations, metric, &instance, at, period) {
                    State::Alarm { level, value } => {
                        let esc = escalations.iter().find(|e| e.level == level);
                        let notify = match current {
                            Some((was, _, noticed)) if was == level => at - noticed >= silence,
                            _ => true,
                        };
                        let since = match current {
                            Some((_, since, _)) => since,
                            None => at,
                        };
                        if notify {
                            events.push(Event {
                                at_secs: at,
                                instance: instance.clone(),
                                level: Some(level),
                                from: current.map(|c| c.0),
                                value,
                                expression: esc.map(Escalation::expression).unwrap_or_default(),
                                times: esc.map_or(1, |e| e.times),
                                since,
                            });
                            current = Some((level, since, at));
                        }
                    }
                    _ => {
                        if let Some((was, since, _)) = current.take() {
                            let esc = escalations.iter().find(|e| e.level == was);
                            let value = esc.map_or(0.0, |e| {
                                statistic(metric, &instance, at - period, period, &e.statistics)
                            });
                            events.push(Event {
                                at_secs: at,
                                instance: instance.clone(),
                                level: None,
                                from: Some(was),
                                value,
                                expression: esc.map(Escalation::expression).unwrap_or_default(),
                                times: esc.map_or(1, |e| e.times),
                                since,
                            });
                        }
                    }
                }
                at += period;
            }
        }
    }
    events.sort_by(|a, b| (a.at_secs, &a.instance).cmp(&(b.at_secs, &b.instance)));
    if events.len() > MAX_EVENTS {
        events.drain(..events.len() - MAX_EVENTS);
    }
    events
}

/// The history events of every rule that passes `keep`, with their rules, newest first.
fn all_events(
    world: &World,
    now: SystemTime,
    keep: impl Fn(&Resource) -> bool,
) -> Vec<(&Resource, Event)> {
    let mut all: Vec<(&Resource, Event)> = world
        .store
        .iter(RULE)
        .filter(|rule| keep(rule))
        .flat_map(|rule| {
            history(world, rule, now)
                .into_iter()
                .map(move |e| (rule, e))
        })
        .collect();
    all.sort_by(|(ra, a), (rb, b)| {
        (b.at_secs, &ra.id, &a.instance).cmp(&(a.at_secs, &rb.id, &b.instance))
    });
    all
}

/// The rows of page `page` (from 1) of `size` entries, and the total.
pub(crate) fn cms_page<T>(rows: Vec<T>, page: i64, size: i64) -> (Vec<T>, usize) {
    let total = rows.len();
    let size = usize::try_from(size.max(1)).unwrap_or(1);
    let skip = usize::try_from(page.max(1) - 1)
        .unwrap_or(0)
        .saturating_mul(size);
    (rows.into_iter().skip(skip).take(size).collect(), total)
}

/// Whether `rule` passes the common filters of the history actions.
fn rule_filter(ctx: &Context<'_>, rule: &Resource) -> bool {
    let eq = |param: &str, attr: &str| {
        ctx.input
            .str(param)
            .filter(|v| !v.is_empty())
            .is_none_or(|v| rule.str(attr) == Some(v))
    };
    eq("RuleId", "RuleId")
        && eq("Namespace", "Namespace")
        && eq("MetricName", "MetricName")
        && eq("GroupId", "GroupId")
        && ctx
            .input
            .str("RuleName")
            .filter(|v| !v.is_empty())
            .is_none_or(|v| rule.str("RuleName").is_some_and(|n| n.contains(v)))
}

fn dimensions_text(instance: &str) -> String {
    json!({ "instanceId": instance }).to_string()
}

fn describe_alert_history_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let from = time_param(ctx, "StartTime", UNIX_EPOCH)?;
    let to = time_param(ctx, "EndTime", ctx.now)?;
    let (from, to) = (epoch_secs(from), epoch_secs(to));
    let state = ctx.input.str("State").filter(|s| !s.is_empty());
    let status = ctx.input.str("Status").filter(|s| !s.is_empty());
    let mut rows: Vec<(&Resource, Event)> = all_events(world, ctx.now, |r| rule_filter(ctx, r))
        .into_iter()
        .filter(|(_, e)| from <= e.at_secs && e.at_secs <= to)
        .filter(|(_, e)| {
            let wire = if e.level.is_some() { "ALARM" } else { "OK" };
            state.is_none_or(|s| s == wire)
        })
        // Every emulated notification was sent: `Status` 0.
        .filter(|_| status.is_none_or(|s| s == "0"))
        .collect();
    if ctx.input.bool("Ascending") == Some(true) {
        rows.reverse();
    }
    let (rows, total) = cms_page(
        rows,
        ctx.input.int("Page").unwrap_or(1),
        ctx.input.int("PageSize").unwrap_or(100),
    );
    let items: Vec<Value> = rows
        .into_iter()
        .map(|(rule, e)| {
            let contacts: Vec<String> = rule
                .str("ContactGroups")
                .unwrap_or_default()
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect();
            json!({
                "AlertTime": e.at_secs * 1000,
                "RuleId": rule.id,
                "RuleName": rule.str("RuleName"),
                "Namespace": rule.str("Namespace"),
                "MetricName": rule.str("MetricName"),
                "GroupId": rule.str("GroupId").unwrap_or_default(),
                "Dimensions": dimensions_text(&e.instance),
                "InstanceName": e.instance,
                "State": if e.level.is_some() { "ALARM" } else { "OK" },
                "Status": 0,
                "Level": e.level.or(e.from).map_or("OK", Level::priority),
                "Value": format!("{:.2}", e.value),
                "Expression": e.expression,
                "EvaluationCount": e.times,
                "LastTime": (e.at_secs - e.since) * 1000,
                "ContactGroups": contacts,
                "Contacts": [],
                "ContactMails": [],
                "ContactSmses": [],
                "ContactALIIMs": [],
                "Webhooks": rule.str("Webhook").unwrap_or_default(),
            })
        })
        .collect();
    let mut out = ok();
    out.insert("AlarmHistoryList".into(), Value::Array(items));
    out.insert("Total".into(), json!(total.to_string()));
    Ok(out)
}

/// One alert log entry (an event as `DescribeAlertLogList` reports it).
fn log_item(rule: &Resource, e: &Event) -> Value {
    let level = e.level.map_or("OK", Level::upper);
    let from = e.from.map_or("OK", Level::upper);
    let contacts: Vec<String> = rule
        .str("ContactGroups")
        .unwrap_or_default()
        .split(',')
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    let log_id = format!(
        "{:016x}",
        stable_hash(&format!("{}/{}/{}", rule.id, e.instance, e.at_secs))
    );
    json!({
        "AlertTime": (e.at_secs * 1000).to_string(),
        "LogId": log_id,
        "RuleId": rule.id,
        "RuleName": rule.str("RuleName"),
        "Namespace": rule.str("Namespace"),
        "MetricName": rule.str("MetricName"),
        "Product": "ECS",
        "GroupId": rule.str("GroupId").unwrap_or_default(),
        "GroupName": rule.str("GroupName").unwrap_or_default(),
        "InstanceId": e.instance,
        "InstanceName": e.instance,
        "Level": level,
        "LevelChange": format!("{from}->{level}"),
        "EventName": "",
        "Message": format!("{} {} {}", rule.str("MetricName").unwrap_or_default(), e.expression, format_args!("{:.2}", e.value)),
        "Dimensions": [
            {"Key": "userId", "Value": USER_ID},
            {"Key": "instanceId", "Value": e.instance},
        ],
        "Escalation": {"Expression": e.expression, "Level": level, "Times": e.times},
        "SendStatus": "0",
        "ContactGroups": contacts,
        "ContactMailList": [],
        "ContactSMSList": [],
        "ContactALIIWWList": [],
        "ContactDingList": [],
        "ContactOnCallList": [],
        "DingdingWebhookList": [],
        "WebhookList": [],
        "SendResultList": [],
        "ExtendedInfo": [],
        "BlackListUUID": "",
        "BlackListName": "",
        "BlackListDetail": "",
    })
}

/// The time window of the alert log actions: `StartTime`/`EndTime` (ms), or the last
/// `LastMin` minutes, or everything up to now.
fn log_window(ctx: &Context<'_>) -> Result<(u64, u64), crate::error::ApiError> {
    let to = time_param(ctx, "EndTime", ctx.now)?;
    let default_from = match ctx.input.str("LastMin").filter(|m| !m.is_empty()) {
        Some(text) => {
            let minutes: u64 = text.parse().map_err(|_| {
                invalid(ctx, &format!("LastMin is not a number of minutes: {text}."))
            })?;
            to.checked_sub(Duration::from_secs(minutes.saturating_mul(60)))
                .unwrap_or(UNIX_EPOCH)
        }
        None => UNIX_EPOCH,
    };
    let from = time_param(ctx, "StartTime", default_from)?;
    let (from, to) = (epoch_secs(from), epoch_secs(to));
    if from > to {
        return Err(invalid(ctx, "StartTime is after EndTime."));
    }
    Ok((from, to))
}

/// The alert log entries (rule, event) the request selects, newest first.
fn selected_logs<'a>(
    world: &'a World,
    ctx: &Context<'_>,
) -> Result<Vec<(&'a Resource, Event)>, crate::error::ApiError> {
    let (from, to) = log_window(ctx)?;
    let level = ctx.input.str("Level").filter(|l| !l.is_empty());
    let search = ctx.input.str("SearchKey").filter(|s| !s.is_empty());
    let product = ctx.input.str("Product").filter(|s| !s.is_empty());
    Ok(all_events(world, ctx.now, |r| rule_filter(ctx, r))
        .into_iter()
        .filter(|(_, e)| from <= e.at_secs && e.at_secs <= to)
        .filter(|(_, e)| {
            level.is_none_or(|l| l.eq_ignore_ascii_case(e.level.map_or("OK", Level::upper)))
        })
        .filter(|(rule, e)| {
            search.is_none_or(|s| {
                e.instance.contains(s) || rule.str("RuleName").is_some_and(|n| n.contains(s))
            })
        })
        .filter(|_| product.is_none_or(|p| p.eq_ignore_ascii_case("ECS")))
        .collect())
}

fn describe_alert_log_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let rows = selected_logs(world, ctx)?;
    let page = ctx.input.int("PageNumber").unwrap_or(1).max(1);
    let size = ctx.input.int("PageSize").unwrap_or(10).max(1);
    let (rows, _) = cms_page(rows, page, size);
    let mut out = ok();
    out.insert(
        "AlertLogList".into(),
        Value::Array(rows.iter().map(|(r, e)| log_item(r, e)).collect()),
    );
    out.insert("PageNumber".into(), json!(page));
    out.insert("PageSize".into(), json!(size));
    Ok(out)
}

fn describe_alert_log_count(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let group_by = ctx.input.str("GroupBy").unwrap_or_default();
    let rows = selected_logs(world, ctx)?;
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for (rule, e) in &rows {
        let key = match group_by {
            "product" => "ECS".to_owned(),
            "level" => e.level.map_or("OK", Level::upper).to_owned(),
            "metricName" => rule.str("MetricName").unwrap_or_default().to_owned(),
            "ruleId" => rule.id.clone(),
            "ruleName" => rule.str("RuleName").unwrap_or_default().to_owned(),
            "groupId" => rule.str("GroupId").unwrap_or_default().to_owned(),
            "namespace" => rule.str("Namespace").unwrap_or_default().to_owned(),
            "instanceId" => e.instance.clone(),
            other => {
                return Err(invalid(
                    ctx,
                    &format!(
                        "GroupBy must be product, level, metricName, ruleId, ruleName, groupId, namespace or instanceId, not {other}."
                    ),
                ));
            }
        };
        *counts.entry(key).or_default() += 1;
    }
    let items: Vec<Value> = counts
        .into_iter()
        .map(|(value, count)| json!({"Count": count, "Logs": [{"Name": group_by, "Value": value}]}))
        .collect();
    let mut out = ok();
    out.insert("AlertLogCount".into(), Value::Array(items));
    Ok(out)
}

/// Buckets of the histogram.
const HISTOGRAM_BUCKETS: u64 = 12;

fn describe_alert_log_histogram(world: &mut World, ctx: &Context<'_>) -> Outcome {
    // Without a window the histogram covers the last hour, as the console's default.
    let (from, to) = if ctx.input.arrived("StartTime") || ctx.input.arrived("LastMin") {
        log_window(ctx)?
    } else {
        let to = epoch_secs(time_param(ctx, "EndTime", ctx.now)?);
        (to.saturating_sub(3_600), to)
    };
    let rows = selected_logs(world, ctx)?;
    let width = (to - from).div_ceil(HISTOGRAM_BUCKETS).max(60);
    let mut buckets = Vec::new();
    let mut start = from;
    while start < to.max(from + 1) {
        let end = (start + width).min(to.max(from + 1));
        let count = rows
            .iter()
            .filter(|(_, e)| start <= e.at_secs && e.at_secs < end)
            .count();
        buckets.push(json!({"From": start * 1000, "To": end * 1000, "Count": count}));
        start = end;
    }
    let mut out = ok();
    out.insert("AlertLogHistogramList".into(), Value::Array(buckets));
    Ok(out)
}

// ---- Blacklists ----------------------------------------------------------------------------

/// The attributes of a blacklist from a create or modify request (checked).
fn black_list_attrs(
    ctx: &Context<'_>,
    id: &str,
) -> Result<Map<String, Value>, crate::error::ApiError> {
    let name = ctx.input.str("Name").unwrap_or_default();
    if name.trim().is_empty() {
        return Err(invalid(ctx, "Name must not be empty."));
    }
    let instances = ctx.input.strings("Instances");
    if instances.is_empty() {
        return Err(invalid(ctx, "Instances must name at least one instance."));
    }
    let time = |param: &str| -> Result<Option<u64>, crate::error::ApiError> {
        match ctx.input.str(param).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(text) => parse_time(text)
                .map(|t| Some(epoch_ms(t)))
                .ok_or_else(|| invalid(ctx, &format!("{param} is not a valid time: {text}."))),
        }
    };
    let (start, end) = (time("EnableStartTime")?, time("EnableEndTime")?);
    if let (Some(start), Some(end)) = (start, end) {
        if start >= end {
            return Err(invalid(
                ctx,
                "EnableStartTime must be before EnableEndTime.",
            ));
        }
    }
    let metrics: Vec<Value> = match ctx.input.get("Metrics") {
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    };
    let scope_value: Vec<String> = ctx.input.ids("ScopeValue");
    let mut attrs = Map::new();
    attrs.insert("Id".into(), json!(id));
    attrs.insert("Name".into(), json!(name));
    attrs.insert("Namespace".into(), json!(ctx.input.str("Namespace")));
    attrs.insert("Category".into(), json!(ctx.input.str("Category")));
    attrs.insert(
        "ScopeType".into(),
        json!(ctx.input.str("ScopeType").unwrap_or("USER")),
    );
    attrs.insert("ScopeValue".into(), json!(scope_value));
    attrs.insert("Instances".into(), json!(instances));
    attrs.insert("Metrics".into(), Value::Array(metrics));
    attrs.insert(
        "EffectiveTime".into(),
        json!(ctx.input.str("EffectiveTime").unwrap_or_default()),
    );
    if let Some(start) = start {
        attrs.insert("EnableStartTime".into(), json!(start));
    }
    if let Some(end) = end {
        attrs.insert("EnableEndTime".into(), json!(end));
    }
    Ok(attrs)
}

/// A new blacklist id in the service's form (a UUID).
fn uuid_like(world: &mut World, salt: &str) -> String {
    loop {
        let a = world.store.random(0..u64::MAX);
        let b = stable_hash(&format!("{salt}/{a}"));
        let id = format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            (b >> 48) & 0x3fff | 0x8000,
            b & 0xffff_ffff_ffff
        );
        if world.store.get(BLACK_LIST, &id).is_none() && world.store.get(RULE, &id).is_none() {
            world.store.reserve_id(&id);
            return id;
        }
    }
}

fn create_black_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = uuid_like(world, "black-list");
    let mut attrs = black_list_attrs(ctx, &id)?;
    let now = crate::clock::rfc3339(ctx.now);
    attrs.insert("IsEnable".into(), json!(true));
    attrs.insert("CreateTime".into(), json!(now));
    attrs.insert("UpdateTime".into(), json!(now));
    world.store.insert(BLACK_LIST, &id, "", attrs);
    let mut out = ok();
    out.insert("Id".into(), json!(id));
    Ok(out)
}

fn describe_black_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let ids = ctx.input.ids("Ids");
    let instances = ctx.input.ids("InstanceIds");
    let text = |param: &str| ctx.input.str(param).filter(|v| !v.is_empty());
    let mut rows: Vec<&Resource> = world
        .store
        .iter(BLACK_LIST)
        .filter(|r| ids.is_empty() || ids.contains(&r.id))
        .filter(|r| text("Namespace").is_none_or(|v| r.str("Namespace") == Some(v)))
        .filter(|r| text("Category").is_none_or(|v| r.str("Category") == Some(v)))
        .filter(|r| text("ScopeType").is_none_or(|v| r.str("ScopeType") == Some(v)))
        .filter(|r| text("Name").is_none_or(|v| r.str("Name").is_some_and(|n| n.contains(v))))
        .filter(|r| {
            ctx.input
                .bool("IsEnable")
                .is_none_or(|v| r.attrs.get("IsEnable").and_then(Value::as_bool) == Some(v))
        })
        .filter(|r| {
            instances.is_empty()
                || match r.attrs.get("Instances") {
                    Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).any(|t| {
                        instances.iter().any(|i| {
                            t == i || named_instances(t).is_some_and(|ids| ids.contains(i))
                        })
                    }),
                    _ => false,
                }
        })
        .collect();
    rows.sort_by_key(|r| r.seq);
    // `Order` 0 lists the newest first.
    if ctx.input.int("Order") == Some(0) {
        rows.reverse();
    }
    let (rows, total) = cms_page(
        rows,
        ctx.input.int("PageNumber").unwrap_or(1),
        ctx.input.int("PageSize").unwrap_or(10),
    );
    let mut out = ok();
    out.insert(
        "DescribeMetricRuleBlackList".into(),
        Value::Array(
            rows.into_iter()
                .map(|r| Value::Object(r.attrs.clone()))
                .collect(),
        ),
    );
    out.insert("Total".into(), json!(total));
    Ok(out)
}

fn modify_black_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("Id").unwrap_or_default();
    let Some(current) = world.store.get(BLACK_LIST, id) else {
        return Err(not_found(ctx, &format!("blacklist {id}")));
    };
    let mut attrs = black_list_attrs(ctx, id)?;
    for keep in ["IsEnable", "CreateTime"] {
        if let Some(value) = current.attrs.get(keep) {
            attrs.insert(keep.into(), value.clone());
        }
    }
    attrs.insert("UpdateTime".into(), json!(crate::clock::rfc3339(ctx.now)));
    if let Some(row) = world.store.get_mut(BLACK_LIST, id) {
        row.attrs = attrs;
    }
    let mut out = ok();
    out.insert("Count".into(), json!("1"));
    Ok(out)
}

fn delete_black_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("Id").unwrap_or_default();
    if world.store.remove(BLACK_LIST, id).is_none() {
        return Err(not_found(ctx, &format!("blacklist {id}")));
    }
    let mut out = ok();
    out.insert("Count".into(), json!(1));
    Ok(out)
}

fn enable_black_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    // `Id` may name several blacklists, comma-separated.
    let ids = ctx.input.ids("Id");
    let enable = ctx.input.bool("IsEnable").unwrap_or(true);
    if let Some(missing) = ids
        .iter()
        .find(|id| world.store.get(BLACK_LIST, id).is_none())
    {
        return Err(not_found(ctx, &format!("blacklist {missing}")));
    }
    if ids.is_empty() {
        return Err(invalid(ctx, "Id must name a blacklist."));
    }
    let now = crate::clock::rfc3339(ctx.now);
    for id in &ids {
        if let Some(row) = world.store.get_mut(BLACK_LIST, id) {
            row.set("IsEnable", enable);
            row.set("UpdateTime", now.clone());
        }
    }
    let mut out = ok();
    out.insert("Count".into(), json!(ids.len()));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::{Instance, Timings};

    fn rule(operator: &str, threshold: &str, times: u64, spans: Value) -> Resource {
        let mut attrs = Map::new();
        attrs.insert("Namespace".into(), json!("acs_ecs_dashboard"));
        attrs.insert("MetricName".into(), json!("CPUUtilization"));
        attrs.insert("Resources".into(), json!(r#"[{"instanceId":"i-a"}]"#));
        attrs.insert("Period".into(), json!("60"));
        attrs.insert("SilenceTime".into(), json!(3600));
        attrs.insert("EnableState".into(), json!(true));
        attrs.insert(
            "Escalations".into(),
            json!({"Critical": {"Statistics": "Average", "ComparisonOperator": operator,
                "Threshold": threshold, "Times": times}}),
        );
        attrs.insert(ENABLED_SPANS.into(), spans);
        Resource::new("r".into(), String::new(), 1, attrs)
    }

    fn world() -> World {
        World::new(&[Instance::new("i-a")], Timings::default())
    }

    #[test]
    fn thresholds_decide_the_state() {
        let world = world();
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let low = rule("GreaterThanThreshold", "1", 3, json!([[0, null]]));
        assert!(matches!(
            evaluate(&world, &low, now)[0].1,
            State::Alarm {
                level: Level::Critical,
                ..
            }
        ));
        let high = rule("GreaterThanThreshold", "1000", 1, json!([[0, null]]));
        assert_eq!(evaluate(&world, &high, now)[0].1, State::Ok);
        let below = rule("LessThanThreshold", "1000", 1, json!([[0, null]]));
        assert_ne!(evaluate(&world, &below, now)[0].1, State::Ok);
        let mut missing = low.clone();
        missing.set("Resources", r#"[{"instanceId":"i-gone"}]"#);
        assert_eq!(evaluate(&world, &missing, now)[0].1, State::NoData);
        assert_eq!(rule_state(&evaluate(&world, &missing, now)), State::NoData);
    }

    #[test]
    fn history_repeats_each_silence_time_and_stops_with_the_span() {
        let world = world();
        let start = 1_700_000_000 / 60 * 60;
        let now = UNIX_EPOCH + Duration::from_secs(start + 3 * 3600 + 30);
        let open = rule("GreaterThanThreshold", "1", 1, json!([[start, null]]));
        let events = history(&world, &open, now);
        // An alarm at the first boundary, then one each hour (the fourth is due after now).
        assert_eq!(events.len(), 3, "{events:?}");
        assert_eq!(events[0].at_secs, start + 60);
        assert_eq!(events[1].at_secs - events[0].at_secs, 3600);
        assert!(events.iter().all(|e| e.level == Some(Level::Critical)));
        let closed = rule(
            "GreaterThanThreshold",
            "1",
            1,
            json!([[start, start + 600]]),
        );
        assert_eq!(history(&world, &closed, now).len(), 1);
        let never = rule("GreaterThanThreshold", "1000", 1, json!([[start, null]]));
        assert!(history(&world, &never, now).is_empty());
    }

    #[test]
    fn crossing_thresholds_alarm_and_recover() {
        let world = world();
        let cpu = ecs_metric("acs_ecs_dashboard", "CPUUtilization").unwrap();
        let start = 1_700_000_000 / 60 * 60;
        // A threshold at the median of the day's points is crossed both ways.
        let mut values: Vec<f64> = (0..1440)
            .map(|n| point(cpu, "i-a", start + n * 60, 60).average)
            .collect();
        values.sort_by(f64::total_cmp);
        let median = values[720].to_string();
        let r = rule("GreaterThanThreshold", &median, 1, json!([[start, null]]));
        let events = history(&world, &r, UNIX_EPOCH + Duration::from_secs(start + 86_400));
        assert!(events.iter().any(|e| e.level.is_none()), "a recovery");
        assert!(events.iter().any(|e| e.level.is_some()), "an alarm");
        assert_eq!(
            events,
            history(&world, &r, UNIX_EPOCH + Duration::from_secs(start + 86_400))
        );
    }

    #[test]
    fn resources_name_instances_or_all() {
        assert_eq!(
            named_instances(r#"[{"instanceId":"i-1"},{"instanceId":"i-2"},{"instanceId":"i-1"}]"#),
            Some(vec!["i-1".to_owned(), "i-2".to_owned()])
        );
        assert_eq!(named_instances(r#"[{"resource":"_ALL"}]"#), None);
        assert_eq!(named_instances("nonsense"), Some(Vec::new()));
    }
}
