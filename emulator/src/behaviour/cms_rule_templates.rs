//! CMS 2019-01-01: alert rule templates, account-wide. A template holds alert templates (a
//! metric, a rule name and escalations each); applying it to a monitor group makes one group
//! rule per alert template (ids derived from the template, group and position, so applying
//! again replaces them). Each template keeps a `RestVersion` that a modify must name (and
//! bumps) and the history of the groups it was applied to.
//!
//! Actions: `CreateMetricRuleTemplate`, `DescribeMetricRuleTemplateList`,
//! `DescribeMetricRuleTemplateAttribute`, `ModifyMetricRuleTemplate`,
//! `DeleteMetricRuleTemplate`, `ApplyMetricRuleTemplate`.

use serde_json::{Map, Value, json};

use super::cms_alerts::cms_page;
use super::cms_common::{already_exists, epoch_ms, invalid, not_found, ok, refusal};
use super::cms_rules::{find_group, new_rule_id, read_escalations, rule_attrs, store_rule};
use super::{Context, Model, Outcome};
use crate::error::ApiError;
use crate::store::{Kind, Resource};
use crate::world::World;

/// The template actions.
pub(super) const MODELS: &[Model] = &[
    Model::cms("CreateMetricRuleTemplate", create_template),
    Model::cms("DescribeMetricRuleTemplateList", describe_template_list),
    Model::cms(
        "DescribeMetricRuleTemplateAttribute",
        describe_template_attribute,
    ),
    Model::cms("ModifyMetricRuleTemplate", modify_template),
    Model::cms("DeleteMetricRuleTemplate", delete_template),
    Model::cms("ApplyMetricRuleTemplate", apply_template),
];

/// Rule templates, by numeric id.
const TEMPLATE: Kind = "cms-rule-template";

/// A refused parameter: `InvalidQueryParameter` where the action documents it (create and
/// modify), `ParameterInvalid` otherwise.
fn bad(ctx: &Context<'_>, why: &str) -> ApiError {
    if ctx
        .op
        .errors
        .iter()
        .any(|e| e.code == "InvalidQueryParameter")
    {
        refusal(ctx, "InvalidQueryParameter", 400, why)
    } else {
        invalid(ctx, why)
    }
}

/// The alert templates of a request (`AlertTemplates.N`), checked, in logical form.
fn alert_templates(ctx: &Context<'_>) -> Result<Vec<Value>, ApiError> {
    let Some(Value::Array(items)) = ctx.input.get("AlertTemplates") else {
        return Ok(Vec::new());
    };
    items
        .iter()
        .enumerate()
        .map(|(n, item)| {
            let Value::Object(src) = item else {
                return Err(bad(ctx, "AlertTemplates must hold objects."));
            };
            let field = |key: &str| src.get(key).and_then(Value::as_str).unwrap_or_default();
            for key in ["Category", "Namespace", "MetricName", "RuleName"] {
                if field(key).trim().is_empty() {
                    return Err(bad(
                        ctx,
                        &format!("AlertTemplates.{}.{key} is mandatory.", n + 1),
                    ));
                }
            }
            let escalations = read_escalations(src)
                .map_err(|why| bad(ctx, &format!("AlertTemplates.{}: {why}", n + 1)))?;
            Ok(json!({
                "Category": field("Category"),
                "Namespace": field("Namespace"),
                "MetricName": field("MetricName"),
                "RuleName": field("RuleName"),
                "Selector": field("Selector"),
                "Webhook": field("Webhook"),
                "NoDataPolicy": field("NoDataPolicy"),
                "Period": src.get("Period").and_then(Value::as_i64).unwrap_or(60),
                "Escalations": escalations,
                "Labels": src.get("Labels").cloned().unwrap_or(json!([])),
            }))
        })
        .collect()
}

/// The template named `name`, if any (other than `except`).
fn named<'a>(world: &'a World, name: &str, except: &str) -> Option<&'a Resource> {
    world
        .store
        .iter(TEMPLATE)
        .find(|t| t.id != except && t.str("Name") == Some(name))
}

fn create_template(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let name = ctx.input.str("Name").unwrap_or_default().trim().to_owned();
    if name.is_empty() {
        return Err(bad(ctx, "Name is mandatory."));
    }
    if named(world, &name, "").is_some() {
        return Err(already_exists(ctx, &format!("template {name}")));
    }
    let alerts = alert_templates(ctx)?;
    // Template ids are numbers: the next free one of a seven-digit range.
    let id = loop {
        let candidate = (1_000_000 + world.store.random(0..9_000_000)).to_string();
        if world.store.get(TEMPLATE, &candidate).is_none() {
            break candidate;
        }
    };
    let now = epoch_ms(ctx.now);
    let mut attrs = Map::new();
    attrs.insert("TemplateId".into(), json!(id));
    attrs.insert("Name".into(), json!(name));
    attrs.insert(
        "Description".into(),
        json!(ctx.input.str("Description").unwrap_or_default()),
    );
    attrs.insert("RestVersion".into(), json!(0));
    attrs.insert("GmtCreate".into(), json!(now));
    attrs.insert("GmtModified".into(), json!(now));
    attrs.insert("AlertTemplates".into(), Value::Array(alerts));
    attrs.insert("ApplyHistories".into(), json!([]));
    world.store.insert(TEMPLATE, &id, "", attrs);
    let mut out = ok();
    out.insert("Id".into(), json!(id.parse::<u64>().unwrap_or_default()));
    Ok(out)
}

/// The template `id`, or `ResourceNotFound`.
fn find<'a>(world: &'a World, ctx: &Context<'_>, id: &str) -> Result<&'a Resource, ApiError> {
    world
        .store
        .get(TEMPLATE, id)
        .ok_or_else(|| not_found(ctx, &format!("template {id}")))
}

/// A parameter as text, whether it arrived as a number or a string.
fn param_text(ctx: &Context<'_>, name: &str) -> Option<String> {
    match ctx.input.get(name)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn describe_template_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let name = ctx.input.str("Name").filter(|v| !v.is_empty());
    let keyword = ctx.input.str("Keyword").filter(|v| !v.is_empty());
    let id = param_text(ctx, "TemplateId");
    let history = ctx.input.bool("History") == Some(true);
    let mut rows: Vec<&Resource> = world
        .store
        .iter(TEMPLATE)
        .filter(|t| id.as_ref().is_none_or(|id| &t.id == id))
        .filter(|t| name.is_none_or(|n| t.str("Name") == Some(n)))
        .filter(|t| keyword.is_none_or(|k| t.str("Name").is_some_and(|n| n.contains(k))))
        .collect();
    // `OrderBy` `gmtMotified`/`gmtCreate`; `Order` true is ascending (newest first otherwise).
    let by_modified = ctx
        .input
        .str("OrderBy")
        .is_some_and(|o| o.to_ascii_lowercase().starts_with("gmtm"));
    let key = |t: &Resource| {
        let field = if by_modified {
            "GmtModified"
        } else {
            "GmtCreate"
        };
        (
            t.attrs.get(field).and_then(Value::as_u64).unwrap_or(0),
            t.seq,
        )
    };
    rows.sort_by_key(|t| key(t));
    if ctx.input.bool("Order") != Some(true) {
        rows.reverse();
    }
    let (rows, total) = cms_page(
        rows,
        ctx.input.int("PageNumber").unwrap_or(1),
        ctx.input.int("PageSize").unwrap_or(10),
    );
    let items: Vec<Value> = rows
        .into_iter()
        .map(|t| {
            let mut item = t.attrs.clone();
            item.remove("AlertTemplates");
            if !history {
                item.insert("ApplyHistories".into(), json!([]));
            }
            Value::Object(item)
        })
        .collect();
    let mut out = ok();
    out.insert("Templates".into(), Value::Array(items));
    out.insert("Total".into(), json!(total));
    Ok(out)
}

fn describe_template_attribute(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let template = match (param_text(ctx, "TemplateId"), ctx.input.str("Name")) {
        (Some(id), _) => find(world, ctx, &id)?,
        (None, Some(name)) if !name.is_empty() => {
            named(world, name, "").ok_or_else(|| not_found(ctx, &format!("template {name}")))?
        }
        _ => return Err(invalid(ctx, "TemplateId or Name is mandatory.")),
    };
    let mut item = Map::new();
    for key in [
        "TemplateId",
        "Name",
        "Description",
        "RestVersion",
        "AlertTemplates",
    ] {
        if let Some(value) = template.attrs.get(key) {
            item.insert(key.into(), value.clone());
        }
    }
    let mut out = ok();
    out.insert("Resource".into(), Value::Object(item));
    Ok(out)
}

fn modify_template(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = param_text(ctx, "TemplateId").unwrap_or_default();
    let current = find(world, ctx, &id)?;
    let version = current
        .attrs
        .get("RestVersion")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if ctx.input.int("RestVersion") != Some(version) {
        // Someone changed it since the caller read it.
        return Err(ctx.spec_error(
            "ResourceConflict",
            409,
            &format!(
                "The template {id} is at version {version}; read it again before changing it."
            ),
        ));
    }
    let name = ctx
        .input
        .str("Name")
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if let Some(name) = name {
        if named(world, name, &id).is_some() {
            return Err(already_exists(ctx, &format!("template {name}")));
        }
    }
    let alerts = alert_templates(ctx)?;
    let replace_alerts = ctx.input.arrived("AlertTemplates");
    let now = epoch_ms(ctx.now);
    if let Some(t) = world.store.get_mut(TEMPLATE, &id) {
        if let Some(name) = name {
            t.set("Name", name);
        }
        if let Some(description) = ctx.input.str("Description") {
            t.set("Description", description);
        }
        if replace_alerts {
            t.set("AlertTemplates", Value::Array(alerts));
        }
        t.set("RestVersion", version + 1);
        t.set("GmtModified", now);
    }
    Ok(ok())
}

fn delete_template(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = param_text(ctx, "TemplateId").unwrap_or_default();
    find(world, ctx, &id)?;
    world.store.remove(TEMPLATE, &id);
    let mut out = ok();
    out.insert("Resource".into(), json!({ "TemplateId": id }));
    Ok(out)
}

fn apply_template(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let group_id = param_text(ctx, "GroupId").unwrap_or_default();
    let group = find_group(world, ctx, &group_id)?;
    let ids = ctx.input.ids("TemplateIds");
    if ids.is_empty() {
        return Err(invalid(ctx, "TemplateIds is mandatory."));
    }
    let mut templates = Vec::new();
    for id in &ids {
        templates.push(find(world, ctx, id)?.clone());
    }
    let silence = ctx.input.int("SilenceTime");
    let webhook = ctx.input.str("Webhook").filter(|w| !w.is_empty());
    let mut results = Vec::new();
    for template in &templates {
        let Some(Value::Array(alerts)) = template.attrs.get("AlertTemplates") else {
            continue;
        };
        for (n, alert) in alerts.iter().enumerate() {
            let Value::Object(alert) = alert else {
                continue;
            };
            // Applying again replaces the rule the earlier apply made.
            let rule_id = match reapplied_id(world, &template.id, &group.id, n) {
                Some(id) => id,
                None => new_rule_id(
                    world,
                    "applyTemplate",
                    &format!("{}/{}/{n}", template.id, group.id),
                ),
            };
            let mut src = alert.clone();
            if let Some(silence) = silence {
                src.insert("SilenceTime".into(), json!(silence));
            }
            if let Some(webhook) = webhook {
                src.insert("Webhook".into(), json!(webhook));
            }
            if let Some(selector) = alert
                .get("Selector")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
            {
                src.insert("Dimensions".into(), json!(selector));
            }
            let name = alert
                .get("RuleName")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            match rule_attrs(&src, &rule_id, Some(&group)) {
                Ok(mut attrs) => {
                    attrs.insert("_Template".into(), json!(format!("{}/{}/{n}", template.id, group.id)));
                    store_rule(world, attrs, ctx.now);
                    results.push(json!({"Code": "200", "Message": "", "RuleId": rule_id, "RuleName": name, "Success": true}));
                }
                Err(why) => results.push(json!({"Code": "400", "Message": why, "RuleId": rule_id, "RuleName": name, "Success": false})),
            }
        }
        let entry = json!({"ApplyTime": epoch_ms(ctx.now), "GroupId": group.id.parse::<u64>().map(Value::from).unwrap_or(json!(group.id)), "GroupName": group.name});
        if let Some(t) = world.store.get_mut(TEMPLATE, &template.id) {
            let mut histories = match t.attrs.get("ApplyHistories") {
                Some(Value::Array(h)) => h.clone(),
                _ => Vec::new(),
            };
            histories.push(entry);
            t.set("ApplyHistories", Value::Array(histories));
        }
    }
    let mut out = ok();
    out.insert(
        "Resource".into(),
        json!({
            "GroupId": group.id.parse::<u64>().map(Value::from).unwrap_or(json!(group.id)),
            "AlertResults": results,
        }),
    );
    Ok(out)
}

/// The rule an earlier apply of alert template `n` of `template` to `group` made, if it is
/// still there.
fn reapplied_id(world: &World, template: &str, group: &str, n: usize) -> Option<String> {
    let mark = format!("{template}/{group}/{n}");
    world
        .store
        .iter(super::cms_alerts::RULE)
        .find(|r| r.str("_Template") == Some(mark.as_str()))
        .map(|r| r.id.clone())
}
