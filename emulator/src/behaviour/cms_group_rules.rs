//! CMS 2019-01-01: a monitor group's dynamic rules, which add the instances whose names match
//! (`PutMonitorGroupDynamicRule`, `DescribeMonitorGroupDynamicRules`,
//! `DeleteMonitorGroupDynamicRule`).
//!
//! A group holds at most one rule per category; putting a category's rule replaces it. Like the
//! service: a rule is `and` or `or` over up to 10 filters on `hostName` (`contains`,
//! `startWith`, `endWith`), and the ECS instances of the world whose name passes join the group
//! when the rule is put. Deleting a rule leaves the members it added. Not modelled: instances
//! launched later are not added, and only the `ecs` category has instances to match.

use serde_json::{Value, json};

use super::cms_common::epoch_ms;
use super::cms_common::{invalid, list_items, ok, ok_with};
use super::cms_groups::{
    Express, GROUP, add_members, ecs_member, find_group, group_id_param, value_matches,
};
use super::{Context, Model, Outcome};
use crate::error::ApiError;
use crate::world::World;

/// The dynamic rule actions.
pub(super) const MODELS: &[Model] = &[
    Model::cms("PutMonitorGroupDynamicRule", put_dynamic_rule),
    Model::cms("DescribeMonitorGroupDynamicRules", describe_dynamic_rules),
    Model::cms("DeleteMonitorGroupDynamicRule", delete_dynamic_rule),
];

/// A group's rules (`[{"Category", "FilterRelation", "Filters"}]`), on the group's record.
const RULES: &str = "_DynamicRules";

const FUNCTIONS: [&str; 3] = ["contains", "startWith", "endWith"];
const MAX_FILTERS: usize = 10;

/// The rules of the request's `GroupRules`, checked, in the describe's form.
fn rules_param(ctx: &Context<'_>) -> Result<Vec<Value>, ApiError> {
    let rules = list_items(ctx, "GroupRules");
    if rules.is_empty() {
        return Err(invalid(ctx, "GroupRules is mandatory."));
    }
    let mut checked = Vec::with_capacity(rules.len());
    for rule in &rules {
        let text = |key: &str| rule.get(key).and_then(Value::as_str).unwrap_or_default();
        let category = text("Category").to_ascii_lowercase();
        if category.is_empty() {
            return Err(invalid(ctx, "Every rule needs a Category."));
        }
        let relation = text("FilterRelation").to_ascii_lowercase();
        if relation != "and" && relation != "or" {
            return Err(invalid(ctx, "FilterRelation is and or or."));
        }
        let filters = rule
            .get("Filters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if filters.is_empty() || filters.len() > MAX_FILTERS {
            return Err(invalid(ctx, "A rule has 1 to 10 Filters."));
        }
        for filter in &filters {
            let function = filter
                .get("Function")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let name = filter
                .get("Name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let value = filter
                .get("Value")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !FUNCTIONS.contains(&function) || name != "hostName" || value.is_empty() {
                return Err(invalid(
                    ctx,
                    "A filter is Name hostName, Function contains, startWith or endWith, and a Value.",
                ));
            }
        }
        checked.push(json!({"Category": category, "FilterRelation": relation, "Filters": filters}));
    }
    Ok(checked)
}

/// Whether instance name `name` passes `rule`.
fn passes(rule: &Value, name: &str) -> bool {
    let expresses: Vec<Express> = rule["Filters"]
        .as_array()
        .map(|filters| {
            filters
                .iter()
                .map(|f| Express {
                    function: f["Function"].as_str().unwrap_or_default().to_owned(),
                    value: f["Value"].as_str().unwrap_or_default().to_owned(),
                })
                .collect()
        })
        .unwrap_or_default();
    value_matches(
        &expresses,
        rule["FilterRelation"].as_str().unwrap_or("and"),
        name,
    )
}

fn group_rules(world: &World, group: &str) -> Vec<Value> {
    world
        .store
        .get(GROUP, group)
        .and_then(|g| g.attrs.get(RULES))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn put_dynamic_rule(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let group = group_id_param(ctx)?;
    find_group(&world.store, ctx, &group)?;
    let new = rules_param(ctx)?;
    let mut rules: Vec<Value> = group_rules(world, &group)
        .into_iter()
        .filter(|r| !new.iter().any(|n| n["Category"] == r["Category"]))
        .collect();
    rules.extend(new.iter().cloned());
    let joining: Vec<_> = new
        .iter()
        .filter(|rule| rule["Category"] == "ecs")
        .flat_map(|rule| {
            world
                .iter()
                .filter(|t| passes(rule, t.ecs.str("InstanceName").unwrap_or(&t.instance.id)))
                .map(ecs_member)
                .collect::<Vec<_>>()
        })
        .collect();
    add_members(&mut world.store, &group, joining, epoch_ms(ctx.now));
    if let Some(g) = world.store.get_mut(GROUP, &group) {
        g.set(RULES, json!(rules));
    }
    Ok(ok())
}

fn describe_dynamic_rules(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let group = group_id_param(ctx)?;
    find_group(&world.store, ctx, &group)?;
    Ok(ok_with("Resource", json!(group_rules(world, &group))))
}

fn delete_dynamic_rule(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let group = group_id_param(ctx)?;
    find_group(&world.store, ctx, &group)?;
    let category = ctx
        .input
        .str("Category")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| invalid(ctx, "Category is mandatory."))?
        .to_ascii_lowercase();
    let rules = group_rules(world, &group);
    if !rules.iter().any(|r| r["Category"] == category.as_str()) {
        return Err(super::cms_common::not_found(
            ctx,
            &format!("the {category} rule of group {group}"),
        ));
    }
    let kept: Vec<Value> = rules
        .into_iter()
        .filter(|r| r["Category"] != category.as_str())
        .collect();
    if let Some(g) = world.store.get_mut(GROUP, &group) {
        g.set(RULES, json!(kept));
    }
    Ok(ok())
}
