//! CloudMonitor 2019-01-01 event rules and their targets: `PutEventRule` creates or updates a
//! rule by name, the lists and the attribute, enable / disable / delete by name, and the
//! targets a rule notifies (contact groups, Function Compute, MNS, webhooks, SLS, OpenAPI).
//!
//! Rules are account-wide (region `""`), keyed by name. Their targets live in the rule's
//! `Targets` attribute, a map from the target list's wire name to its entries; a target is
//! replaced by one of the same kind with the same `Id`.

use serde_json::{Map, Value, json};

use super::cms_common::{invalid_value, not_found, ok, ok_with};
use super::cms_contacts::CONTACT_GROUP;
use super::cms_groups::{GROUP, num, page, text};
use super::{Context, Model, Outcome};
use crate::error::ApiError;
use crate::store::Resource;
use crate::world::World;

/// The store kind of event rules (id: the rule name).
pub(crate) const EVENT_RULE: &str = "cms-event-rule";

/// The account the emulated resources belong to (in ARNs).
const ACCOUNT: &str = "1234567898765432";

/// The target lists of `PutEventRuleTargets`, by wire name.
const TARGET_KINDS: &[&str] = &[
    "ContactParameters",
    "FcParameters",
    "MnsParameters",
    "WebhookParameters",
    "SlsParameters",
    "OpenApiParameters",
];

/// The event rule actions.
pub(super) const MODELS: &[Model] = &[
    Model::cms("PutEventRule", put_event_rule),
    Model::cms("DescribeEventRuleList", describe_event_rule_list),
    Model::cms("DescribeEventRuleAttribute", describe_event_rule_attribute),
    Model::cms("EnableEventRules", enable_event_rules),
    Model::cms("DisableEventRules", disable_event_rules),
    Model::cms("DeleteEventRules", delete_event_rules),
    Model::cms("PutEventRuleTargets", put_event_rule_targets),
    Model::cms(
        "DescribeEventRuleTargetList",
        describe_event_rule_target_list,
    ),
    Model::cms("DeleteEventRuleTargets", delete_event_rule_targets),
];

/// The rule `RuleName` names, or `ResourceNotFound`.
fn rule<'a>(world: &'a World, ctx: &Context<'_>) -> Result<&'a Resource, ApiError> {
    let name = text(ctx, "RuleName").ok_or_else(|| invalid_value(ctx, "RuleName is mandatory."))?;
    world
        .store
        .get(EVENT_RULE, name)
        .ok_or_else(|| not_found(ctx, &format!("event rule {name}")))
}

/// One `EventPattern` entry as kept: the fields the lists return, lists bare.
fn pattern(item: &Value) -> Value {
    let list = |key: &str| item.get(key).cloned().unwrap_or_else(|| json!([]));
    let text = |key: &str| item.get(key).cloned().unwrap_or_else(|| json!(""));
    json!({
        "Product": text("Product"),
        "EventTypeList": list("EventTypeList"),
        "LevelList": list("LevelList"),
        "NameList": list("NameList"),
        "StatusList": list("StatusList"),
        "SQLFilter": text("SQLFilter"),
        "CustomFilters": text("CustomFilters"),
    })
}

fn put_event_rule(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let name = text(ctx, "RuleName").ok_or_else(|| invalid_value(ctx, "RuleName is mandatory."))?;
    let Some(Value::Array(items)) = ctx.input.get("EventPattern") else {
        return Err(invalid_value(ctx, "EventPattern is mandatory."));
    };
    if items.is_empty() {
        return Err(invalid_value(ctx, "EventPattern is mandatory."));
    }
    if items.iter().any(|p| {
        p.get("Product")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
    }) {
        return Err(invalid_value(ctx, "EventPattern.N.Product is mandatory."));
    }
    let patterns: Vec<Value> = items.iter().map(pattern).collect();
    if let Some(group) = text(ctx, "GroupId") {
        if world.store.get(GROUP, group).is_none() {
            return Err(not_found(ctx, &format!("GroupId {group}")));
        }
    }
    let silence = num(ctx, "SilenceTime");
    match world.store.get_mut(EVENT_RULE, name) {
        Some(rule) => {
            rule.set("EventPattern", json!(patterns));
            for key in ["Description", "GroupId", "EventType", "State"] {
                if let Some(value) = ctx.input.str(key) {
                    rule.set(key, value);
                }
            }
            if let Some(silence) = silence {
                rule.set("SilenceTime", silence);
            }
        }
        None => {
            let attrs = json!({
                "Name": name,
                "Description": ctx.input.str("Description").unwrap_or_default(),
                "GroupId": ctx.input.str("GroupId").unwrap_or_default(),
                "EventType": ctx.input.str("EventType").unwrap_or("SYSTEM"),
                "State": ctx.input.str("State").unwrap_or("ENABLED"),
                "SilenceTime": silence.unwrap_or(86_400),
                "EventPattern": patterns,
                "Targets": {},
            });
            if let Value::Object(attrs) = attrs {
                world.store.insert(EVENT_RULE, name, "", attrs);
            }
        }
    }
    // The service answers the number of rules written.
    Ok(ok_with("Data", json!("1")))
}

/// The list item of a rule (without its targets).
fn rule_item(rule: &Resource) -> Value {
    let mut item = rule.attrs.clone();
    item.remove("Targets");
    Value::Object(item)
}

fn describe_event_rule_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let prefix = text(ctx, "NamePrefix");
    let group = text(ctx, "GroupId");
    let enabled = ctx.input.bool("IsEnable");
    let mut rows: Vec<&Resource> = world
        .store
        .iter(EVENT_RULE)
        .filter(|r| prefix.is_none_or(|p| r.id.starts_with(p)))
        .filter(|r| group.is_none_or(|g| r.str("GroupId") == Some(g)))
        .filter(|r| enabled.is_none_or(|e| (r.str("State") == Some("ENABLED")) == e))
        .collect();
    rows.sort_by_key(|r| r.seq);
    let mut out = page(ctx, rows, "EventRules", 10, rule_item)?;
    // The spec's answer has no page fields.
    out.remove("PageNumber");
    out.remove("PageSize");
    Ok(out)
}

fn describe_event_rule_attribute(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let rule = rule(world, ctx)?;
    // The attribute shows the rule's first pattern, as a structure.
    let first = rule
        .attrs
        .get("EventPattern")
        .and_then(Value::as_array)
        .and_then(|p| p.first())
        .cloned()
        .unwrap_or_else(|| json!({}));
    let mut pattern = first.as_object().cloned().unwrap_or_default();
    pattern.remove("CustomFilters");
    pattern.insert(
        "KeywordFilterObj".into(),
        json!({ "Keywords": [], "Relation": "OR" }),
    );
    let mut result = Map::new();
    for key in ["Name", "Description", "EventType", "GroupId", "State"] {
        result.insert(
            key.into(),
            rule.attrs.get(key).cloned().unwrap_or(json!("")),
        );
    }
    result.insert("EventPattern".into(), Value::Object(pattern));
    Ok(ok_with("Result", Value::Object(result)))
}

/// The rules `RuleNames` names, every one checked to exist.
fn named_rules(world: &World, ctx: &Context<'_>) -> Result<Vec<String>, ApiError> {
    let names = ctx.input.strings("RuleNames");
    if names.is_empty() {
        return Err(invalid_value(ctx, "RuleNames is mandatory."));
    }
    if let Some(unknown) = names
        .iter()
        .find(|n| world.store.get(EVENT_RULE, n).is_none())
    {
        return Err(not_found(ctx, &format!("event rule {unknown}")));
    }
    Ok(names)
}

fn set_state(world: &mut World, ctx: &Context<'_>, state: &str) -> Outcome {
    for name in named_rules(world, ctx)? {
        if let Some(rule) = world.store.get_mut(EVENT_RULE, &name) {
            rule.set("State", state);
        }
    }
    Ok(ok())
}

fn enable_event_rules(world: &mut World, ctx: &Context<'_>) -> Outcome {
    set_state(world, ctx, "ENABLED")
}

fn disable_event_rules(world: &mut World, ctx: &Context<'_>) -> Outcome {
    set_state(world, ctx, "DISABLED")
}

fn delete_event_rules(world: &mut World, ctx: &Context<'_>) -> Outcome {
    for name in named_rules(world, ctx)? {
        world.store.remove(EVENT_RULE, &name);
    }
    Ok(ok())
}

/// The ARN the service gives a target of `kind` (none for contacts and webhooks).
fn arn(kind: &str, target: &Map<String, Value>) -> Option<String> {
    let field = |key: &str| target.get(key).and_then(Value::as_str).unwrap_or_default();
    let region = field("Region");
    match kind {
        "FcParameters" => Some(format!(
            "acs:fc:{region}:{ACCOUNT}:services/{}/functions/{}",
            field("ServiceName"),
            field("FunctionName")
        )),
        "MnsParameters" => Some(format!(
            "acs:mns:{region}:{ACCOUNT}:/queues/{}/messages",
            field("Queue")
        )),
        "SlsParameters" => Some(format!(
            "acs:log:{region}:{ACCOUNT}:project/{}/logstore/{}",
            field("Project"),
            field("LogStore")
        )),
        "OpenApiParameters" => Some(format!(
            "acs:{}:{region}:{ACCOUNT}:openapi/{}",
            field("Product").to_ascii_lowercase(),
            field("Action")
        )),
        _ => None,
    }
}

fn put_event_rule_targets(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let name = rule(world, ctx)?.id.clone();
    let mut accepted: Vec<(&str, Map<String, Value>)> = Vec::new();
    let mut failed_contacts = Vec::new();
    for kind in TARGET_KINDS {
        let Some(Value::Array(items)) = ctx.input.get(kind) else {
            continue;
        };
        for item in items {
            let Some(mut target) = item.as_object().cloned() else {
                continue;
            };
            if target
                .get("Id")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                return Err(invalid_value(ctx, &format!("{kind}.N.Id is mandatory.")));
            }
            // A contact target naming no known contact group is not written; the answer
            // lists it among the failed ones.
            if *kind == "ContactParameters" {
                let group = target
                    .get("ContactGroupName")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if world.store.get(CONTACT_GROUP, group).is_none() {
                    let mut failed = target.clone();
                    let id = failed
                        .get("Id")
                        .and_then(Value::as_str)
                        .and_then(|i| i.parse::<i64>().ok());
                    failed.insert("Id".into(), json!(id));
                    failed_contacts.push(Value::Object(failed));
                    continue;
                }
            }
            if let Some(arn) = arn(kind, &target) {
                target.insert("Arn".into(), json!(arn));
            }
            accepted.push((kind, target));
        }
    }
    if let Some(rule) = world.store.get_mut(EVENT_RULE, &name) {
        let mut targets = rule
            .attrs
            .get("Targets")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (kind, target) in accepted {
            let list = targets.entry(kind.to_owned()).or_insert_with(|| json!([]));
            if let Value::Array(list) = list {
                list.retain(|t| t.get("Id") != target.get("Id"));
                list.push(Value::Object(target));
            }
        }
        rule.set("Targets", Value::Object(targets));
    }
    let mut out = ok();
    out.insert(
        "FailedParameterCount".into(),
        json!(failed_contacts.len().to_string()),
    );
    if !failed_contacts.is_empty() {
        out.insert("FailedContactParameters".into(), json!(failed_contacts));
    }
    Ok(out)
}

fn describe_event_rule_target_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let rule = rule(world, ctx)?;
    let targets = rule.attrs.get("Targets").and_then(Value::as_object);
    let mut out = ok();
    for kind in TARGET_KINDS {
        let list = targets
            .and_then(|t| t.get(*kind))
            .cloned()
            .unwrap_or_else(|| json!([]));
        out.insert((*kind).into(), list);
    }
    Ok(out)
}

fn delete_event_rule_targets(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let name = rule(world, ctx)?.id.clone();
    let ids = ctx.input.strings("Ids");
    if ids.is_empty() {
        return Err(invalid_value(ctx, "Ids is mandatory."));
    }
    if let Some(rule) = world.store.get_mut(EVENT_RULE, &name) {
        if let Some(Value::Object(targets)) = rule.attrs.get_mut("Targets") {
            for list in targets.values_mut() {
                if let Value::Array(list) = list {
                    list.retain(|t| {
                        !t.get("Id")
                            .and_then(Value::as_str)
                            .is_some_and(|id| ids.iter().any(|i| i == id))
                    });
                }
            }
        }
    }
    Ok(ok())
}
