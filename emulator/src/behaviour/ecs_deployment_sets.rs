//! ECS deployment sets: `CreateDeploymentSet`, `DescribeDeploymentSets`,
//! `ModifyDeploymentSetAttribute`, `DeleteDeploymentSet`, and `ModifyInstanceDeployment`
//! (moves an instance into a set, or out of it).
//!
//! Membership is the instance's `DeploymentSetId` attribute; a set's instances, amounts and
//! per-zone capacities are counted from the instances when described. Like the service: the
//! `Availability` strategies place at most 20 instances per zone
//! (`InvalidDeploymentSetId.NoAvailableResources`), a set with instances cannot be deleted
//! (`DependencyViolation.NotEmpty`), and an instance moves only when `Running` or `Stopped`.

use serde_json::{Map, Value, json};

use super::ecs_disks;
use super::ecs_world::{DEPLOYMENT_SET, obj};
use super::{Context, Model, Outcome};
use crate::clock;
use crate::error::ApiError;
use crate::store::{self, Query, Resource};
use crate::world::{InstanceStatus, World};

/// The deployment set actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("CreateDeploymentSet", create_deployment_set),
    Model::ecs("DescribeDeploymentSets", describe_deployment_sets),
    Model::ecs(
        "ModifyDeploymentSetAttribute",
        modify_deployment_set_attribute,
    ),
    Model::ecs("DeleteDeploymentSet", delete_deployment_set),
    Model::ecs("ModifyInstanceDeployment", modify_instance_deployment),
];

/// Instances a set places in one zone.
const PER_ZONE: usize = 20;
/// Most ids one `DescribeDeploymentSets` names.
const MAX_DESCRIBE_IDS: usize = 100;

fn not_found(ctx: &Context<'_>) -> ApiError {
    ctx.spec_error(
        "InvalidDeploymentSetId.NotFound",
        404,
        "The specified DeploymentSetId does not exist.",
    )
}

/// A set name or description in the service's format: empty (not set), or up to `max`
/// characters as [`ecs_disks::valid_text`] checks them.
fn valid_text(text: &str, max: usize, is_name: bool) -> bool {
    text.is_empty() || ecs_disks::valid_text(text, 1, max, is_name)
}

fn check_texts(ctx: &Context<'_>) -> Result<(), ApiError> {
    if !valid_text(
        ctx.input.str("DeploymentSetName").unwrap_or_default(),
        128,
        true,
    ) {
        return Err(ctx.spec_error(
            "InvalidDeploymentSetName.Malformed",
            400,
            "Specified deployment set name is not valid.",
        ));
    }
    if !valid_text(ctx.input.str("Description").unwrap_or_default(), 256, false) {
        return Err(ctx.spec_error(
            "InvalidDescription.Malformed",
            400,
            "The specified description is wrongly formed.",
        ));
    }
    Ok(())
}

fn create_deployment_set(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let region = ctx.region();
    check_texts(ctx)?;
    let strategy = input.str("Strategy").unwrap_or("Availability");
    if !matches!(
        strategy,
        "Availability" | "AvailabilityGroup" | "LooseDispersion"
    ) {
        return Err(ctx.spec_error(
            "InvalidParameter.Strategy",
            400,
            "The specified Strategy is not valid.",
        ));
    }
    let domain = input.str("Domain").unwrap_or("Default");
    if !domain.eq_ignore_ascii_case("Default") {
        return Err(ctx.spec_error(
            "InvalidParameter.Domain",
            400,
            "The specified Domain is not valid.",
        ));
    }
    let granularity = input.str("Granularity").unwrap_or("Host");
    if !granularity.eq_ignore_ascii_case("Host") {
        return Err(ctx.spec_error(
            "InvalidParameter.granularity",
            400,
            "The specified Granularity is not valid.",
        ));
    }
    let group_count = input.int("GroupCount");
    if let Some(n) = group_count {
        if strategy != "AvailabilityGroup" || !(1..=7).contains(&n) {
            return Err(ctx.spec_error(
                "InvalidParameter.GroupCount",
                400,
                "The specified GroupCount is not valid.",
            ));
        }
    }
    let id = world.store.new_id("ds-", &region);
    world.store.insert(
        DEPLOYMENT_SET,
        &id,
        &region,
        obj(json!({
            "DeploymentSetId": id,
            "DeploymentSetName": input.str("DeploymentSetName").unwrap_or_default(),
            "DeploymentSetDescription": input.str("Description").unwrap_or_default(),
            "DeploymentStrategy": strategy,
            "Strategy": strategy,
            "Domain": "Default",
            "Granularity": "Host",
            "GroupCount": group_count.unwrap_or(if strategy == "AvailabilityGroup" { 3 } else { 0 }),
            "CreationTime": clock::rfc3339(ctx.now),
        })),
    );
    let mut out = Map::new();
    out.insert("DeploymentSetId".into(), json!(id));
    Ok(out)
}

/// The instances in set `id`, oldest first, with their zones.
fn members(world: &World, id: &str) -> Vec<(String, String)> {
    let mut rows: Vec<_> = world
        .iter()
        .filter(|t| t.ecs.str("DeploymentSetId") == Some(id))
        .map(|t| {
            (
                t.ecs.seq,
                t.instance.id.clone(),
                t.ecs.str("ZoneId").unwrap_or_default().to_owned(),
            )
        })
        .collect();
    rows.sort();
    rows.into_iter().map(|(_, id, zone)| (id, zone)).collect()
}

/// The describe item of a set, with its instances and per-zone capacities.
fn set_item(world: &World, set: &Resource) -> Value {
    let members = members(world, &set.id);
    let mut zones: Vec<&str> = members.iter().map(|(_, z)| z.as_str()).collect();
    zones.sort_unstable();
    zones.dedup();
    let capacities: Vec<Value> = zones
        .iter()
        .map(|zone| {
            let used = members.iter().filter(|(_, z)| z == zone).count();
            json!({"ZoneId": zone, "UsedAmount": used, "AvailableAmount": PER_ZONE - used.min(PER_ZONE)})
        })
        .collect();
    let mut item = set.item();
    item["InstanceIds"] = json!(members.iter().map(|(id, _)| id).collect::<Vec<_>>());
    item["InstanceAmount"] = json!(members.len());
    item["Capacities"] = Value::Array(capacities);
    item
}

fn describe_deployment_sets(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let ids = input.ids("DeploymentSetIds");
    if ids.len() > MAX_DESCRIBE_IDS {
        return Err(ctx.spec_error(
            "InvalidDeploymentSetIds.TooManyInput",
            403,
            "The specified DeploymentSetIds are more than 100.",
        ));
    }
    let query = Query::new(input)
        .ids(ids)
        .param(input, "Strategy", "Strategy")
        .param(input, "DeploymentSetName", "DeploymentSetName");
    let rows = query.select(world.store.iter(DEPLOYMENT_SET));
    let world = &*world;
    let mut out = store::page(input, rows, "DeploymentSets", |set| set_item(world, set))?;
    out.insert("RegionId".into(), json!(ctx.region()));
    Ok(out)
}

fn modify_deployment_set_attribute(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let region = ctx.region();
    let id = input.str("DeploymentSetId").unwrap_or_default();
    check_texts(ctx)?;
    let set = world.store.find_mut(DEPLOYMENT_SET, &region, id, || {
        ctx.spec_error(
            "InvalidDeploymentSetId.NotFound",
            400,
            "The specified DeploymentSetId does not exist.",
        )
    })?;
    if let Some(name) = input.str("DeploymentSetName") {
        set.set("DeploymentSetName", name);
    }
    if let Some(description) = input.str("Description") {
        set.set("DeploymentSetDescription", description);
    }
    Ok(Map::new())
}

fn delete_deployment_set(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let region = ctx.region();
    let id = ctx.input.str("DeploymentSetId").unwrap_or_default();
    world
        .store
        .find(DEPLOYMENT_SET, &region, id, || not_found(ctx))?;
    if !members(world, id).is_empty() {
        return Err(ctx.spec_error(
            "DependencyViolation.NotEmpty",
            403,
            "The deployment set still has instances in it.",
        ));
    }
    world.store.remove(DEPLOYMENT_SET, id);
    Ok(Map::new())
}

fn modify_instance_deployment(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let region = ctx.region();
    let instance_id = input.str("InstanceId").unwrap_or_default();
    let tracked = world
        .get(instance_id)
        .filter(|t| t.instance.region == region)
        .ok_or_else(|| {
            ctx.spec_error(
                "InvalidInstanceId.NotFound",
                404,
                "The specified InstanceId does not exist.",
            )
        })?;
    if !matches!(
        tracked.instance.status,
        InstanceStatus::Running | InstanceStatus::Stopped
    ) {
        return Err(ctx.spec_error(
            "IncorrectInstanceStatus",
            403,
            "The current status of the resource does not support this operation.",
        ));
    }
    let zone = tracked.ecs.str("ZoneId").unwrap_or_default().to_owned();
    let current = tracked
        .ecs
        .str("DeploymentSetId")
        .unwrap_or_default()
        .to_owned();
    if input.bool("RemoveFromDeploymentSet").unwrap_or(false) {
        if let Some(t) = world.get_mut(instance_id) {
            t.ecs.set("DeploymentSetId", "");
        }
        return Ok(Map::new());
    }
    let Some(set_id) = input.str("DeploymentSetId").filter(|s| !s.is_empty()) else {
        // Nothing else (dedicated hosts, type changes) is modelled: nothing changes.
        return Ok(Map::new());
    };
    world
        .store
        .find(DEPLOYMENT_SET, &region, set_id, || not_found(ctx))?;
    if current != set_id {
        let in_zone = members(world, set_id)
            .iter()
            .filter(|(_, z)| *z == zone)
            .count();
        if in_zone >= PER_ZONE {
            return Err(ctx.spec_error(
                "InvalidDeploymentSetId.NoAvailableResources",
                403,
                "The deployment set has no room left in the instance's zone.",
            ));
        }
    }
    if let Some(t) = world.get_mut(instance_id) {
        t.ecs.set("DeploymentSetId", set_id);
    }
    Ok(Map::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts() {
        assert!(valid_text("set-1", 128, true));
        assert!(valid_text("", 128, true));
        assert!(!valid_text("1set", 128, true));
        assert!(valid_text("1 description", 256, false));
        assert!(!valid_text("http://x", 256, false));
        assert!(!valid_text(&"a".repeat(129), 128, true));
    }
}
