//! CMS 2019-01-01: metric alert rules, account-wide. A rule watches one metric of some
//! resources (instances named in `Resources`, every instance for `_ALL`, or the instances of
//! a monitor group) and carries up to three escalations (`Critical`, `Warn`, `Info`); its
//! state is judged from the emulated series when a describe runs (see `cms_alerts`).
//!
//! Actions: `PutResourceMetricRule` (create or replace by `RuleId`), `PutResourceMetricRules`,
//! `PutGroupMetricRule`, `CreateGroupMetricRules`, `DescribeMetricRuleList`,
//! `DescribeMetricRuleCount`, `EnableMetricRules`, `DisableMetricRules`, `DeleteMetricRules`,
//! `PutMetricRuleTargets`, `DescribeMetricRuleTargets`, `DeleteMetricRuleTargets`,
//! `CreateMetricRuleResources`, `DeleteMetricRuleResources`,
//! `DescribeAlertingMetricRuleResources`.

use std::time::SystemTime;

use serde_json::{Map, Value, json};

use super::cms_alerts::{
    CREATED, ENABLED_SPANS, GROUP, Level, OPERATORS, RULE, STATISTICS, State, cms_page,
    escalations, evaluate, named_instances, rule_state,
};
use super::cms_common::{dimension_instances, epoch_ms, invalid, not_found, ok};
use super::cms_series::epoch_secs;
use super::{Context, Model, Outcome};
use crate::error::ApiError;
use crate::store::{Resource, stable_hash};
use crate::world::World;

/// The metric rule actions.
pub(super) const MODELS: &[Model] = &[
    Model::cms("PutResourceMetricRule", put_resource_metric_rule),
    Model::cms("PutResourceMetricRules", put_resource_metric_rules),
    Model::cms("PutGroupMetricRule", put_group_metric_rule),
    Model::cms("CreateGroupMetricRules", create_group_metric_rules),
    Model::cms("DescribeMetricRuleList", describe_metric_rule_list),
    Model::cms("DescribeMetricRuleCount", describe_metric_rule_count),
    Model::cms("EnableMetricRules", enable_metric_rules),
    Model::cms("DisableMetricRules", disable_metric_rules),
    Model::cms("DeleteMetricRules", delete_metric_rules),
    Model::cms("PutMetricRuleTargets", put_metric_rule_targets),
    Model::cms("DescribeMetricRuleTargets", describe_metric_rule_targets),
    Model::cms("DeleteMetricRuleTargets", delete_metric_rule_targets),
    Model::cms("CreateMetricRuleResources", create_metric_rule_resources),
    Model::cms("DeleteMetricRuleResources", delete_metric_rule_resources),
    Model::cms(
        "DescribeAlertingMetricRuleResources",
        describe_alerting_metric_rule_resources,
    ),
];

/// A rule's notification targets (bookkeeping, listed by `DescribeMetricRuleTargets`).
const TARGETS: &str = "_Targets";

/// The request parameters a rule is made from (top level or one item of a batch).
const RULE_PARAMS: &[&str] = &[
    "RuleId",
    "RuleName",
    "Namespace",
    "MetricName",
    "Resources",
    "ContactGroups",
    "Webhook",
    "EffectiveInterval",
    "NoEffectiveInterval",
    "SilenceTime",
    "Period",
    "Interval",
    "EmailSubject",
    "Escalations",
    "NoDataPolicy",
    "Labels",
    "Dimensions",
    "Category",
];

/// The rule parameters of the request itself, as one object.
fn input_source(ctx: &Context<'_>) -> Map<String, Value> {
    RULE_PARAMS
        .iter()
        .filter_map(|k| ctx.input.get(k).map(|v| ((*k).to_owned(), v.clone())))
        .collect()
}

/// A text field of a rule source (numbers read as their text, and a JSON parameter, which
/// arrives decoded, as its JSON text: rules keep `Resources` and `Dimensions` as text).
fn text(src: &Map<String, Value>, key: &str) -> Option<String> {
    match src.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        json @ (Value::Array(_) | Value::Object(_)) => Some(json.to_string()),
        _ => None,
    }
}

/// The escalations of a rule source, in logical form: nested (`Escalations.Critical` as an
/// object, the top-level parameter) or flat (`Escalations.Critical.Threshold` keys, as batch
/// items carry them). Checked: each level given needs a known operator and statistic and a
/// numeric threshold; at least one level.
pub(crate) fn read_escalations(src: &Map<String, Value>) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    for level in Level::ALL {
        let key = level.key();
        let mut fields = match src.get("Escalations").and_then(|e| e.get(key)) {
            Some(Value::Object(o)) => o.clone(),
            _ => Map::new(),
        };
        let prefix = format!("Escalations.{key}.");
        for (k, v) in src {
            if let Some(field) = k.strip_prefix(&prefix) {
                fields.insert(field.to_owned(), v.clone());
            }
        }
        if fields
            .values()
            .all(|v| v.is_null() || v.as_str() == Some(""))
        {
            continue;
        }
        let operator = fields
            .get("ComparisonOperator")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !OPERATORS.contains(&operator) {
            return Err(format!(
                "Escalations.{key}.ComparisonOperator must be one of {}, not '{operator}'.",
                OPERATORS.join(", ")
            ));
        }
        let statistics = fields
            .get("Statistics")
            .and_then(Value::as_str)
            .unwrap_or("Average");
        if !STATISTICS.contains(&statistics) {
            return Err(format!(
                "Escalations.{key}.Statistics must be one of {}, not '{statistics}'.",
                STATISTICS.join(", ")
            ));
        }
        let threshold = match fields.get("Threshold") {
            Some(Value::String(s)) => s.trim().to_owned(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        if threshold.parse::<f64>().map_or(true, |t| !t.is_finite()) {
            return Err(format!(
                "Escalations.{key}.Threshold must be a number, not '{threshold}'."
            ));
        }
        let times = fields.get("Times").and_then(Value::as_i64).unwrap_or(3);
        if times < 1 {
            return Err(format!("Escalations.{key}.Times must be at least 1."));
        }
        out.insert(
            key.to_owned(),
            json!({
                "Statistics": statistics,
                "ComparisonOperator": operator,
                "Threshold": threshold,
                "Times": times,
                "PreCondition": "",
            }),
        );
    }
    if out.is_empty() {
        return Err("At least one of Escalations.Critical, Escalations.Warn and Escalations.Info is required.".into());
    }
    Ok(out)
}

/// The group a group rule belongs to: its id and name.
pub(crate) struct Group {
    pub(crate) id: String,
    pub(crate) name: String,
}

/// The group `id` (of the group family's store), or `ResourceNotFound`.
pub(crate) fn find_group(world: &World, ctx: &Context<'_>, id: &str) -> Result<Group, ApiError> {
    let group = world
        .store
        .get(GROUP, id)
        .ok_or_else(|| not_found(ctx, &format!("monitor group {id}")))?;
    Ok(Group {
        id: id.to_owned(),
        name: group.str("GroupName").unwrap_or_default().to_owned(),
    })
}

/// The describe attributes of a rule made from `src` (checked). Bookkeeping is added by
/// [`store_rule`].
pub(crate) fn rule_attrs(
    src: &Map<String, Value>,
    rule_id: &str,
    group: Option<&Group>,
) -> Result<Map<String, Value>, String> {
    let name = text(src, "RuleName").ok_or("RuleName is mandatory.")?;
    let namespace = text(src, "Namespace").ok_or("Namespace is mandatory.")?;
    let metric = text(src, "MetricName").ok_or("MetricName is mandatory.")?;
    let escalations = read_escalations(src)?;
    let resources = match group {
        Some(_) => text(src, "Resources").unwrap_or_else(|| "[]".into()),
        None => {
            let resources = text(src, "Resources").ok_or("Resources is mandatory.")?;
            match serde_json::from_str::<Value>(&resources) {
                Ok(Value::Array(items)) if items.iter().all(Value::is_object) => {}
                _ => {
                    return Err(format!(
                        "Resources must be a JSON array such as [{{\"instanceId\":\"i-x\"}}], not '{resources}'."
                    ));
                }
            }
            resources
        }
    };
    for key in ["Period", "Interval"] {
        if let Some(v) = text(src, key) {
            if v.parse::<u64>().map_or(true, |n| n == 0) {
                return Err(format!(
                    "{key} must be a positive number of seconds, not '{v}'."
                ));
            }
        }
    }
    if let Some(dimensions) = text(src, "Dimensions") {
        if serde_json::from_str::<Value>(&dimensions).is_err() {
            return Err(format!("Dimensions is not valid JSON: '{dimensions}'."));
        }
    }
    let silence = src
        .get("SilenceTime")
        .and_then(Value::as_i64)
        .unwrap_or(86_400);
    if silence < 0 {
        return Err("SilenceTime must not be negative.".into());
    }
    let labels = match src.get("Labels") {
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    };
    let mut attrs = Map::new();
    attrs.insert("RuleId".into(), json!(rule_id));
    attrs.insert("RuleName".into(), json!(name));
    attrs.insert("Namespace".into(), json!(namespace));
    attrs.insert("MetricName".into(), json!(metric));
    attrs.insert(
        "Dimensions".into(),
        json!(text(src, "Dimensions").unwrap_or_else(|| resources.clone())),
    );
    attrs.insert("Resources".into(), json!(resources));
    attrs.insert("Escalations".into(), Value::Object(escalations));
    attrs.insert(
        "Period".into(),
        json!(text(src, "Period").unwrap_or_else(|| "60".into())),
    );
    attrs.insert("SilenceTime".into(), json!(silence));
    for (key, attr, default) in [
        ("ContactGroups", "ContactGroups", ""),
        ("Webhook", "Webhook", ""),
        ("EffectiveInterval", "EffectiveInterval", "00:00-23:59"),
        ("NoEffectiveInterval", "NoEffectiveInterval", ""),
        ("EmailSubject", "MailSubject", ""),
        ("NoDataPolicy", "NoDataPolicy", "KEEP_LAST_STATE"),
    ] {
        attrs.insert(
            attr.into(),
            json!(text(src, key).unwrap_or_else(|| default.into())),
        );
    }
    attrs.insert("Labels".into(), Value::Array(labels));
    attrs.insert("SourceType".into(), json!("METRIC"));
    attrs.insert(
        "GroupId".into(),
        json!(group.map(|g| g.id.clone()).unwrap_or_default()),
    );
    attrs.insert(
        "GroupName".into(),
        json!(group.map(|g| g.name.clone()).unwrap_or_default()),
    );
    Ok(attrs)
}

/// Stores a rule made from `attrs`: a new one starts enabled at `now`; a replaced one keeps
/// its creation time, enabled state and targets.
pub(crate) fn store_rule(world: &mut World, mut attrs: Map<String, Value>, now: SystemTime) {
    let Some(id) = attrs
        .get("RuleId")
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return;
    };
    let now = epoch_secs(now);
    match world.store.get(RULE, &id) {
        Some(old) => {
            for key in [CREATED, ENABLED_SPANS, TARGETS, "EnableState"] {
                if let Some(value) = old.attrs.get(key) {
                    attrs.insert(key.into(), value.clone());
                }
            }
            if let Some(row) = world.store.get_mut(RULE, &id) {
                row.attrs = attrs;
            }
        }
        None => {
            attrs.insert(CREATED.into(), json!(now));
            attrs.insert(ENABLED_SPANS.into(), json!([[now, null]]));
            attrs.insert(TARGETS.into(), json!([]));
            attrs.insert("EnableState".into(), json!(true));
            world.store.insert(RULE, &id, "", attrs);
        }
    }
}

/// The rule `id`, or `ResourceNotFound`.
fn find_rule<'a>(world: &'a World, ctx: &Context<'_>, id: &str) -> Result<&'a Resource, ApiError> {
    if id.is_empty() {
        return Err(invalid(ctx, "RuleId is mandatory."));
    }
    world
        .store
        .get(RULE, id)
        .ok_or_else(|| not_found(ctx, &format!("alert rule {id}")))
}

fn put_resource_metric_rule(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let src = input_source(ctx);
    let id = text(&src, "RuleId").ok_or_else(|| invalid(ctx, "RuleId is mandatory."))?;
    if world
        .store
        .get(RULE, &id)
        .is_some_and(|r| !r.str("GroupId").unwrap_or_default().is_empty())
    {
        return Err(invalid(
            ctx,
            &format!(
                "The rule {id} belongs to a monitor group; change it with PutGroupMetricRule."
            ),
        ));
    }
    let attrs = rule_attrs(&src, &id, None).map_err(|why| invalid(ctx, &why))?;
    store_rule(world, attrs, ctx.now);
    Ok(ok())
}

fn put_resource_metric_rules(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let Some(Value::Array(items)) = ctx.input.get("Rules") else {
        return Err(invalid(ctx, "Rules is mandatory."));
    };
    let mut failed = Vec::new();
    for item in items {
        let Value::Object(src) = item else { continue };
        let id = text(src, "RuleId").unwrap_or_default();
        let made = if id.is_empty() {
            Err("RuleId is mandatory.".to_owned())
        } else {
            rule_attrs(src, &id, None)
        };
        match made {
            Ok(attrs) => store_rule(world, attrs, ctx.now),
            Err(why) => failed.push(json!({
                "RuleId": id,
                "Result": {"Code": "400", "Message": why, "Success": false},
            })),
        }
    }
    let mut out = ok();
    out.insert("FailedListResult".into(), Value::Array(failed));
    Ok(out)
}

fn put_group_metric_rule(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let group_id = ctx.input.str("GroupId").unwrap_or_default();
    let group = find_group(world, ctx, group_id)?;
    let src = input_source(ctx);
    let id = text(&src, "RuleId").ok_or_else(|| invalid(ctx, "RuleId is mandatory."))?;
    if world
        .store
        .get(RULE, &id)
        .is_some_and(|r| r.str("GroupId").unwrap_or_default() != group.id)
    {
        return Err(invalid(
            ctx,
            &format!("The rule {id} does not belong to the group {}.", group.id),
        ));
    }
    let attrs = rule_attrs(&src, &id, Some(&group)).map_err(|why| invalid(ctx, &why))?;
    store_rule(world, attrs, ctx.now);
    let mut out = ok();
    out.insert("Result".into(), json!({ "RuleId": id }));
    Ok(out)
}

/// A rule id the service would make (`uuid`-shaped), unique in the world.
pub(crate) fn new_rule_id(world: &mut World, prefix: &str, seed: &str) -> String {
    let mut n = 0u64;
    loop {
        let a = stable_hash(&format!("{seed}/{n}"));
        let b = stable_hash(&format!("{a}/{seed}"));
        let id = format!(
            "{prefix}{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            ((b >> 48) & 0x3fff) | 0x8000,
            b & 0xffff_ffff_ffff
        );
        if world.store.get(RULE, &id).is_none() {
            return id;
        }
        n += 1;
    }
}

fn create_group_metric_rules(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let group_id = ctx
        .input
        .get("GroupId")
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
        .unwrap_or_default();
    let group = find_group(world, ctx, &group_id)?;
    let items = match ctx.input.get("GroupMetricRules") {
        Some(Value::Array(items)) if !items.is_empty() => items.clone(),
        _ => return Err(invalid(ctx, "GroupMetricRules is mandatory.")),
    };
    let mut results = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let Value::Object(src) = item else { continue };
        let id = match text(src, "RuleId") {
            Some(id) => id,
            None => {
                let seq = world.store.next_seq();
                new_rule_id(world, "", &format!("{}/{n}/{seq}", group.id))
            }
        };
        let name = text(src, "RuleName").unwrap_or_default();
        let foreign = world
            .store
            .get(RULE, &id)
            .is_some_and(|r| r.str("GroupId").unwrap_or_default() != group.id);
        let made = if foreign {
            Err(format!(
                "The rule {id} does not belong to the group {}.",
                group.id
            ))
        } else {
            rule_attrs(src, &id, Some(&group))
        };
        match made {
            Ok(attrs) => {
                store_rule(world, attrs, ctx.now);
                results.push(json!({"Code": 200, "Message": "", "RuleId": id, "RuleName": name, "Success": true}));
            }
            Err(why) => results.push(json!({"Code": 400, "Message": why, "RuleId": id, "RuleName": name, "Success": false})),
        }
    }
    let mut out = ok();
    out.insert("Resources".into(), Value::Array(results));
    Ok(out)
}

/// The `DescribeMetricRuleList` item of `rule`: its attributes without bookkeeping, and its
/// state now.
fn rule_item(rule: &Resource, state: State) -> Value {
    let mut item: Map<String, Value> = rule
        .attrs
        .iter()
        .filter(|(k, _)| !k.starts_with('_'))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    item.insert("AlertState".into(), json!(state.wire()));
    Value::Object(item)
}

fn enabled(rule: &Resource) -> bool {
    rule.attrs.get("EnableState").and_then(Value::as_bool) == Some(true)
}

fn describe_metric_rule_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let ids = ctx.input.ids("RuleIds");
    let wanted = dimension_instances(ctx, "Dimensions")?;
    let filled = |p: &str| ctx.input.str(p).filter(|v| !v.is_empty());
    let alert_state = filled("AlertState");
    let mut rows: Vec<(&Resource, State)> = world
        .store
        .iter(RULE)
        .filter(|r| ids.is_empty() || ids.contains(&r.id))
        .filter(|r| filled("Namespace").is_none_or(|v| r.str("Namespace") == Some(v)))
        .filter(|r| filled("MetricName").is_none_or(|v| r.str("MetricName") == Some(v)))
        .filter(|r| filled("GroupId").is_none_or(|v| r.str("GroupId") == Some(v)))
        .filter(|r| {
            filled("RuleName").is_none_or(|v| r.str("RuleName").is_some_and(|n| n.contains(v)))
        })
        .filter(|r| {
            ctx.input
                .bool("EnableState")
                .is_none_or(|v| enabled(r) == v)
        })
        .filter(|r| {
            wanted.as_ref().is_none_or(|wanted| {
                let named = named_instances(r.str("Resources").unwrap_or("[]"))
                    .into_iter()
                    .flatten()
                    .chain(
                        r.str("Dimensions")
                            .and_then(named_instances)
                            .into_iter()
                            .flatten(),
                    )
                    .collect::<Vec<_>>();
                wanted.iter().any(|w| named.contains(w))
            })
        })
        .map(|r| (r, rule_state(&evaluate(world, r, ctx.now))))
        .filter(|(_, s)| alert_state.is_none_or(|a| a == s.wire()))
        .collect();
    rows.sort_by_key(|(r, _)| r.seq);
    let (rows, total) = cms_page(
        rows,
        ctx.input.int("Page").unwrap_or(1),
        ctx.input.int("PageSize").unwrap_or(100),
    );
    let mut out = ok();
    out.insert(
        "Alarms".into(),
        Value::Array(rows.into_iter().map(|(r, s)| rule_item(r, s)).collect()),
    );
    out.insert("Total".into(), json!(total.to_string()));
    Ok(out)
}

fn describe_metric_rule_count(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let filled = |p: &str| ctx.input.str(p).filter(|v| !v.is_empty());
    let (mut alarm, mut okay, mut nodata, mut disabled, mut total) = (0, 0, 0, 0, 0);
    for rule in world
        .store
        .iter(RULE)
        .filter(|r| filled("Namespace").is_none_or(|v| r.str("Namespace") == Some(v)))
        .filter(|r| filled("MetricName").is_none_or(|v| r.str("MetricName") == Some(v)))
    {
        total += 1;
        if !enabled(rule) {
            disabled += 1;
            continue;
        }
        match rule_state(&evaluate(world, rule, ctx.now)) {
            State::Alarm { .. } => alarm += 1,
            State::Ok => okay += 1,
            State::NoData => nodata += 1,
        }
    }
    let mut out = ok();
    out.insert(
        "MetricRuleCount".into(),
        json!({"Alarm": alarm, "Ok": okay, "Nodata": nodata, "Disable": disabled, "Total": total}),
    );
    Ok(out)
}

/// Enables or disables the rules `RuleId.N` (all must exist): an enabled rule opens a span of
/// evaluation at `now`, a disabled one closes it.
fn set_enabled(world: &mut World, ctx: &Context<'_>, enable: bool) -> Outcome {
    let ids = ctx.input.ids("RuleId");
    if ids.is_empty() {
        return Err(invalid(ctx, "RuleId is mandatory."));
    }
    for id in &ids {
        find_rule(world, ctx, id)?;
    }
    let now = epoch_secs(ctx.now);
    for id in &ids {
        let Some(rule) = world.store.get_mut(RULE, id) else {
            continue;
        };
        if enabled(rule) == enable {
            continue;
        }
        rule.set("EnableState", enable);
        let mut spans = match rule.attrs.get(ENABLED_SPANS) {
            Some(Value::Array(spans)) => spans.clone(),
            _ => Vec::new(),
        };
        if enable {
            spans.push(json!([now, null]));
        } else if let Some(Value::Array(last)) = spans.last_mut() {
            if last.get(1).is_some_and(Value::is_null) {
                last[1] = json!(now);
            }
        }
        rule.set(ENABLED_SPANS, Value::Array(spans));
    }
    Ok(ok())
}

fn enable_metric_rules(world: &mut World, ctx: &Context<'_>) -> Outcome {
    set_enabled(world, ctx, true)
}

fn disable_metric_rules(world: &mut World, ctx: &Context<'_>) -> Outcome {
    set_enabled(world, ctx, false)
}

fn delete_metric_rules(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let ids = ctx.input.ids("Id");
    if ids.is_empty() {
        return Err(invalid(ctx, "Id is mandatory."));
    }
    for id in &ids {
        find_rule(world, ctx, id)?;
    }
    for id in &ids {
        world.store.remove(RULE, id);
    }
    Ok(ok())
}

fn rule_targets(rule: &Resource) -> Vec<Value> {
    match rule.attrs.get(TARGETS) {
        Some(Value::Array(targets)) => targets.clone(),
        _ => Vec::new(),
    }
}

fn put_metric_rule_targets(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("RuleId").unwrap_or_default().to_owned();
    let mut targets = rule_targets(find_rule(world, ctx, &id)?);
    let Some(Value::Array(items)) = ctx.input.get("Targets") else {
        return Err(invalid(ctx, "Targets is mandatory."));
    };
    let mut failed = Vec::new();
    let mut accepted = Vec::new();
    for item in items {
        let target_id = item.get("Id").and_then(Value::as_str).unwrap_or_default();
        let arn = item.get("Arn").and_then(Value::as_str).unwrap_or_default();
        // An ARN names a product resource: `acs:<product>:<region>:<account>:<path>`.
        if target_id.is_empty() || !arn.starts_with("acs:") || arn.split(':').count() < 5 {
            failed.push(json!({"Id": target_id, "Arn": arn, "Level": item.get("Level").cloned().unwrap_or(json!(""))}));
            continue;
        }
        accepted.push(json!({
            "Id": target_id,
            "Arn": arn,
            "Level": item.get("Level").and_then(Value::as_str).unwrap_or(r#"["INFO", "WARN", "CRITICAL"]"#),
            "JsonParams": item.get("JsonParams").and_then(Value::as_str).unwrap_or_default(),
        }));
    }
    for target in accepted {
        let tid = target.get("Id").cloned();
        targets.retain(|t| t.get("Id") != tid.as_ref());
        targets.push(target);
    }
    if let Some(rule) = world.store.get_mut(RULE, &id) {
        rule.set(TARGETS, Value::Array(targets));
    }
    let mut out = ok();
    if !failed.is_empty() {
        out.insert("FailData".into(), json!({ "Targets": failed }));
    }
    Ok(out)
}

fn describe_metric_rule_targets(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("RuleId").unwrap_or_default();
    let targets = rule_targets(find_rule(world, ctx, id)?);
    let mut out = ok();
    out.insert("Targets".into(), Value::Array(targets));
    Ok(out)
}

fn delete_metric_rule_targets(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("RuleId").unwrap_or_default().to_owned();
    let mut targets = rule_targets(find_rule(world, ctx, &id)?);
    let mut unknown = Vec::new();
    for tid in ctx.input.ids("TargetIds") {
        let before = targets.len();
        targets.retain(|t| t.get("Id").and_then(Value::as_str) != Some(tid.as_str()));
        if targets.len() == before {
            unknown.push(tid);
        }
    }
    if let Some(rule) = world.store.get_mut(RULE, &id) {
        rule.set(TARGETS, Value::Array(targets));
    }
    let mut out = ok();
    if !unknown.is_empty() {
        out.insert("FailIds".into(), json!({ "TargetIds": unknown }));
    }
    Ok(out)
}

/// The resources of a `Resources` parameter (a JSON array of objects), checked.
fn resources_param(ctx: &Context<'_>) -> Result<Vec<Value>, ApiError> {
    match ctx.input.json("Resources") {
        Ok(Some(Value::Array(items)))
            if items.iter().all(Value::is_object) && !items.is_empty() =>
        {
            Ok(items)
        }
        other => {
            let text = match other {
                Ok(value) => value.map(|v| v.to_string()).unwrap_or_default(),
                Err(text) => text,
            };
            Err(invalid(
                ctx,
                &format!(
                    "Resources must be a JSON array of objects such as [{{\"instanceId\":\"i-x\"}}], not '{text}'."
                ),
            ))
        }
    }
}

/// A rule's resources as objects.
fn current_resources(rule: &Resource) -> Vec<Value> {
    match serde_json::from_str::<Value>(rule.str("Resources").unwrap_or("[]")) {
        Ok(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}

/// Sets a rule's `Resources` (and the `Dimensions` that mirror them on a resource rule).
fn set_resources(world: &mut World, id: &str, resources: Vec<Value>) {
    if let Some(rule) = world.store.get_mut(RULE, id) {
        let text = Value::Array(resources).to_string();
        if rule.str("GroupId").unwrap_or_default().is_empty() {
            rule.set("Dimensions", text.clone());
        }
        rule.set("Resources", text);
    }
}

fn create_metric_rule_resources(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("RuleId").unwrap_or_default().to_owned();
    let rule = find_rule(world, ctx, &id)?;
    let added = resources_param(ctx)?;
    let overwrite = ctx
        .input
        .str("Overwrite")
        .is_some_and(|o| o.eq_ignore_ascii_case("true"));
    let mut resources = if overwrite {
        Vec::new()
    } else {
        current_resources(rule)
    };
    for item in added {
        if !resources.contains(&item) {
            resources.push(item);
        }
    }
    set_resources(world, &id, resources);
    Ok(ok())
}

fn delete_metric_rule_resources(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("RuleId").unwrap_or_default().to_owned();
    let rule = find_rule(world, ctx, &id)?;
    let removed = resources_param(ctx)?;
    let mut resources = current_resources(rule);
    resources.retain(|r| !removed.contains(r));
    set_resources(world, &id, resources);
    Ok(ok())
}

fn describe_alerting_metric_rule_resources(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let filled = |p: &str| ctx.input.str(p).filter(|v| !v.is_empty());
    let wanted = dimension_instances(ctx, "Dimensions")?;
    let now_ms = epoch_ms(ctx.now);
    let mut rows = Vec::new();
    let mut rules: Vec<&Resource> = world
        .store
        .iter(RULE)
        .filter(|r| enabled(r))
        .filter(|r| filled("RuleId").is_none_or(|v| r.id == v))
        .filter(|r| filled("GroupId").is_none_or(|v| r.str("GroupId") == Some(v)))
        .filter(|r| filled("Namespace").is_none_or(|v| r.str("Namespace") == Some(v)))
        .collect();
    rules.sort_by_key(|r| r.seq);
    for rule in rules {
        let escalations = escalations(rule);
        for (instance, state) in evaluate(world, rule, ctx.now) {
            let State::Alarm { level, value } = state else {
                continue;
            };
            if wanted.as_ref().is_some_and(|w| !w.contains(&instance)) {
                continue;
            }
            let Some(esc) = escalations.iter().find(|e| e.level == level) else {
                continue;
            };
            let dims =
                json!({"userId": super::cms_series::USER_ID, "instanceId": instance}).to_string();
            rows.push(json!({
                "RuleId": rule.id,
                "RuleName": rule.str("RuleName"),
                "GroupId": rule.str("GroupId").unwrap_or_default(),
                "Namespace": rule.str("Namespace"),
                "MetricName": rule.str("MetricName"),
                "Resource": dims,
                "Dimensions": dims,
                "Enable": "true",
                "Level": level.number(),
                "Statistics": esc.statistics,
                "Threshold": esc.threshold.to_string(),
                "RetryTimes": esc.times.to_string(),
                "MetricValues": json!({ esc.statistics.as_str(): value }).to_string(),
                "ProductCategory": "ecs",
                "StartTime": now_ms.to_string(),
                "LastAlertTime": now_ms.to_string(),
                "LastModifyTime": now_ms.to_string(),
                "Escalation": [{
                    "ComparisonOperator": esc.operator,
                    "Threshold": esc.threshold.to_string(),
                    "Times": esc.times,
                    "Level": level.number(),
                    "Expression": format!("${} {} {}", esc.statistics, esc.operator, esc.threshold),
                    "PreCondition": "",
                    "Tag": level.key(),
                }],
            }));
        }
    }
    let (rows, total) = cms_page(
        rows,
        ctx.input.int("Page").unwrap_or(1),
        ctx.input.int("PageSize").unwrap_or(10),
    );
    let mut out = ok();
    out.insert("Resources".into(), Value::Array(rows));
    out.insert("Total".into(), json!(total));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::{Instance, Timings};
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn group_rules_watch_the_group_members() {
        let mut world = World::new(
            &[
                Instance::new("i-1"),
                Instance::new("i-2"),
                Instance::new("i-3"),
            ],
            Timings::default(),
        );
        let mut group = Map::new();
        group.insert("GroupName".into(), json!("web"));
        group.insert(
            "Resources".into(),
            json!([{"InstanceId": "i-1"}, {"instanceId": "i-2"}, "i-2"]),
        );
        world.store.insert(GROUP, "1234", "", group);
        let group = Group {
            id: "1234".into(),
            name: "web".into(),
        };
        let src: Map<String, Value> = serde_json::from_value(json!({
            "RuleName": "g", "Namespace": "acs_ecs_dashboard", "MetricName": "CPUUtilization",
            "Escalations.Critical.ComparisonOperator": "GreaterThanThreshold",
            "Escalations.Critical.Threshold": "1", "Escalations.Critical.Times": 1,
        }))
        .unwrap();
        let attrs = rule_attrs(&src, "g1", Some(&group)).unwrap();
        assert_eq!(attrs["GroupName"], "web");
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        store_rule(&mut world, attrs, now);
        let rule = world.store.get(RULE, "g1").unwrap();
        let states = evaluate(&world, rule, now);
        let ids: Vec<&str> = states.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["i-1", "i-2"]);
        assert!(matches!(rule_state(&states), State::Alarm { .. }));
        // `Dimensions` narrows a group rule to some members.
        let mut narrowed = src.clone();
        narrowed.insert("Dimensions".into(), json!(r#"[{"instanceId":"i-2"}]"#));
        store_rule(
            &mut world,
            rule_attrs(&narrowed, "g1", Some(&group)).unwrap(),
            now,
        );
        let rule = world.store.get(RULE, "g1").unwrap();
        assert_eq!(evaluate(&world, rule, now).len(), 1);
        assert_eq!(
            rule.attrs[CREATED],
            json!(1_700_000_000),
            "a replace keeps the creation"
        );
    }

    #[test]
    fn escalations_read_nested_and_flat_and_are_checked() {
        let nested: Map<String, Value> = serde_json::from_value(json!({
            "Escalations": {"Critical": {"Statistics": "Average",
                "ComparisonOperator": "GreaterThanThreshold", "Threshold": "90", "Times": 2}}
        }))
        .unwrap();
        let read = read_escalations(&nested).unwrap();
        assert_eq!(read["Critical"]["Times"], 2);
        let flat: Map<String, Value> = serde_json::from_value(json!({
            "Escalations.Warn.ComparisonOperator": "LessThanThreshold",
            "Escalations.Warn.Threshold": "5",
        }))
        .unwrap();
        let read = read_escalations(&flat).unwrap();
        assert_eq!(read["Warn"]["Statistics"], "Average");
        assert!(!read.contains_key("Critical"));
        let bad: Map<String, Value> = serde_json::from_value(json!({
            "Escalations.Info.ComparisonOperator": "Bigger", "Escalations.Info.Threshold": "5",
        }))
        .unwrap();
        assert!(
            read_escalations(&bad)
                .unwrap_err()
                .contains("ComparisonOperator")
        );
        let nan: Map<String, Value> = serde_json::from_value(json!({
            "Escalations.Info.ComparisonOperator": "LessThanThreshold",
            "Escalations.Info.Threshold": "many",
        }))
        .unwrap();
        assert!(read_escalations(&nan).unwrap_err().contains("Threshold"));
        assert!(read_escalations(&Map::new()).is_err());
    }
}
