//! ECS automatic snapshot policies: `CreateAutoSnapshotPolicy`, `DescribeAutoSnapshotPolicyEx`,
//! `ModifyAutoSnapshotPolicyEx`, `DeleteAutoSnapshotPolicy`, `ApplyAutoSnapshotPolicy` and
//! `CancelAutoSnapshotPolicy`.
//!
//! A disk a policy applies to carries the policy's id in `AutoSnapshotPolicyId` and
//! `EnableAutoSnapshot: true`, as `DescribeDisks` shows them; a policy's `DiskNums` and
//! `VolumeNums` are counted from the disks when it is described. Like the service: applying a
//! policy replaces a disk's previous one, cancelling clears it, deleting a policy cancels it on
//! its disks, time points are hours 0 to 23, weekdays 1 to 7, retention -1 (forever) or 1 to
//! 65,536 days, and these actions name their parameters in lower camel case (`regionId`,
//! `diskIds`). Not modelled: the emulator takes no snapshots on a policy's schedule.

use serde_json::{Map, Value, json};

use super::ecs_disks::valid_text;
use super::ecs_world::{AUTO_SNAPSHOT_POLICY, DISK, obj};
use super::{Context, Model, Outcome};
use crate::clock;
use crate::error::ApiError;
use crate::params::Input;
use crate::store::{self, Query, Resource};
use crate::world::World;

/// The automatic snapshot policy actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("CreateAutoSnapshotPolicy", create_policy),
    Model::ecs("DescribeAutoSnapshotPolicyEx", describe_policies),
    Model::ecs("ModifyAutoSnapshotPolicyEx", modify_policy),
    Model::ecs("DeleteAutoSnapshotPolicy", delete_policy),
    Model::ecs("ApplyAutoSnapshotPolicy", apply_policy),
    Model::ecs("CancelAutoSnapshotPolicy", cancel_policy),
];

/// Most policies one account has in a region.
const QUOTA: usize = 100;

/// These actions name it `regionId`; the official SDKs' core sends `RegionId`.
fn region(ctx: &Context<'_>) -> String {
    ctx.input
        .str("regionId")
        .map_or_else(|| ctx.region(), str::to_owned)
}

/// An unknown policy: `ParameterInvalid` with HTTP 404, as `DeleteAutoSnapshotPolicy`
/// documents it (the other actions document the code for a bad region only).
fn policy_not_found() -> ApiError {
    ApiError::new(
        404,
        "ParameterInvalid",
        "The specified automatic snapshot policy does not exist.",
    )
}

/// The request's `autoSnapshotPolicyId`.
fn policy_id(ctx: &Context<'_>) -> String {
    ctx.input
        .str("autoSnapshotPolicyId")
        .unwrap_or_default()
        .to_owned()
}

fn find_policy<'a>(
    world: &'a World,
    ctx: &Context<'_>,
    id: &str,
) -> Result<&'a Resource, ApiError> {
    world
        .store
        .find(AUTO_SNAPSHOT_POLICY, &region(ctx), id, policy_not_found)
}

/// `timePoints`, `repeatWeekdays` and `retentionDays` checked and in the form the describe
/// shows (`["0","12"]` as text); `None` for the ones that did not arrive.
struct Schedule {
    time_points: Option<String>,
    weekdays: Option<String>,
    retention: Option<i64>,
}

fn schedule(ctx: &Context<'_>) -> Result<Schedule, ApiError> {
    let input = ctx.input;
    let numbers = |name: &str,
                   range: std::ops::RangeInclusive<i64>|
     -> Result<Option<String>, ApiError> {
        if !input.arrived(name) {
            return Ok(None);
        }
        let values = input.ids(name);
        let parsed: Option<Vec<i64>> = values.iter().map(|v| v.trim().parse().ok()).collect();
        match parsed {
            Some(numbers) if !numbers.is_empty() && numbers.iter().all(|n| range.contains(n)) => {
                let mut numbers = numbers;
                numbers.sort_unstable();
                numbers.dedup();
                let text: Vec<String> = numbers.iter().map(i64::to_string).collect();
                Ok(Some(json!(text).to_string()))
            }
            _ => Err(ApiError::invalid_parameter(
                name,
                &format!("expected numbers from {} to {}", range.start(), range.end()),
            )),
        }
    };
    let time_points = numbers("timePoints", 0..=23)?;
    let weekdays = numbers("repeatWeekdays", 1..=7)?;
    let retention = input.int("retentionDays");
    if let Some(days) = retention {
        if days != -1 && !(1..=65_536).contains(&days) {
            return Err(ApiError::invalid_parameter(
                "retentionDays",
                "expected -1 (keep forever) or 1 to 65536 days",
            ));
        }
    }
    Ok(Schedule {
        time_points,
        weekdays,
        retention,
    })
}

/// A policy name: 2 to 128 characters, starting with a letter, not with `http://`/`https://`.
fn check_name(ctx: &Context<'_>) -> Result<Option<String>, ApiError> {
    let Some(name) = ctx.input.str("autoSnapshotPolicyName") else {
        return Ok(None);
    };
    if !valid_text(name, 2, 128, true) {
        return Err(ctx.spec_error(
            "InvalidSnapshotPolicyName.Malformed",
            400,
            "The specified automatic snapshot policy name is wrongly formed.",
        ));
    }
    Ok(Some(name.to_owned()))
}

/// The cross-region copy settings a create or modify sets.
fn copy_settings(input: &Input, attrs: &mut Map<String, Value>) {
    if let Some(enabled) = input.bool("EnableCrossRegionCopy") {
        attrs.insert("EnableCrossRegionCopy".into(), json!(enabled));
    }
    if input.arrived("TargetCopyRegions") {
        attrs.insert(
            "TargetCopyRegions".into(),
            json!(json!(input.ids("TargetCopyRegions")).to_string()),
        );
    }
    if let Some(days) = input.int("CopiedSnapshotsRetentionDays") {
        attrs.insert("CopiedSnapshotsRetentionDays".into(), json!(days));
    }
}

fn create_policy(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let region = region(ctx);
    let name = check_name(ctx)?;
    let schedule = schedule(ctx)?;
    if world
        .store
        .iter(AUTO_SNAPSHOT_POLICY)
        .filter(|p| p.in_region(&region))
        .count()
        >= QUOTA
    {
        return Err(ctx.spec_error(
            "AutoSnapshotPolicy.QuotaExceed",
            403,
            "The quota of automatic snapshot policies is exceeded.",
        ));
    }
    let id = world.store.new_id("sp-", &region);
    let mut attrs = obj(json!({
        "AutoSnapshotPolicyId": id,
        "AutoSnapshotPolicyName": name.unwrap_or_default(),
        "RegionId": region,
        "CreationTime": clock::rfc3339_minutes(ctx.now),
        "TimePoints": schedule.time_points.unwrap_or_else(|| "[]".into()),
        "RepeatWeekdays": schedule.weekdays.unwrap_or_else(|| "[]".into()),
        "RetentionDays": schedule.retention.unwrap_or(-1),
        "Status": "Normal",
        "Type": "Custom",
        "EnableCrossRegionCopy": false,
        "TargetCopyRegions": "[]",
        "CopiedSnapshotsRetentionDays": -1,
        "ResourceGroupId": input.str("ResourceGroupId").unwrap_or_default(),
    }));
    copy_settings(input, &mut attrs);
    let policy = world
        .store
        .insert(AUTO_SNAPSHOT_POLICY, &id, &region, attrs);
    store::apply_tags(&mut policy.tags, input, "Tag");
    Ok(obj(json!({ "AutoSnapshotPolicyId": id })))
}

fn describe_policies(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let region = region(ctx);
    let query = Query::new(input)
        .param(input, "AutoSnapshotPolicyId", "AutoSnapshotPolicyId")
        .param(input, "AutoSnapshotPolicyName", "AutoSnapshotPolicyName")
        .param(input, "ResourceGroupId", "ResourceGroupId")
        .tags(input, "Tag");
    let rows = query.select(
        world
            .store
            .iter(AUTO_SNAPSHOT_POLICY)
            .filter(|p| p.in_region(&region)),
    );
    let store = &world.store;
    store::page(input, rows, "AutoSnapshotPolicies", |policy| {
        let disks = store
            .iter(DISK)
            .filter(|d| d.str("AutoSnapshotPolicyId") == Some(policy.id.as_str()))
            .count();
        let mut item = policy.item();
        item["DiskNums"] = json!(disks);
        item["VolumeNums"] = json!(disks);
        item
    })
}

fn modify_policy(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let id = policy_id(ctx);
    find_policy(world, ctx, &id)?;
    let name = check_name(ctx)?;
    let schedule = schedule(ctx)?;
    let region = region(ctx);
    let policy = world
        .store
        .find_mut(AUTO_SNAPSHOT_POLICY, &region, &id, policy_not_found)?;
    if let Some(name) = name {
        policy.set("AutoSnapshotPolicyName", name);
    }
    if let Some(points) = schedule.time_points {
        policy.set("TimePoints", points);
    }
    if let Some(days) = schedule.weekdays {
        policy.set("RepeatWeekdays", days);
    }
    if let Some(days) = schedule.retention {
        policy.set("RetentionDays", days);
    }
    copy_settings(input, &mut policy.attrs);
    Ok(Map::new())
}

/// Clears the policy of every disk in `disks` (all when `None`) that has `policy` (any
/// policy when `None`).
fn clear_disks(world: &mut World, region: &str, disks: Option<&[String]>, policy: Option<&str>) {
    for disk in world.store.iter_mut(DISK) {
        let named = disks.is_none_or(|ids| ids.contains(&disk.id));
        let held = disk
            .str("AutoSnapshotPolicyId")
            .unwrap_or_default()
            .to_owned();
        if disk.in_region(region) && named && !held.is_empty() && policy.is_none_or(|p| p == held) {
            disk.set("AutoSnapshotPolicyId", "");
            disk.set("EnableAutoSnapshot", false);
        }
    }
}

fn delete_policy(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = policy_id(ctx);
    find_policy(world, ctx, &id)?;
    let region = region(ctx);
    clear_disks(world, &region, None, Some(&id));
    world.store.remove(AUTO_SNAPSHOT_POLICY, &id);
    Ok(Map::new())
}

/// The disks of `diskIds`, each known in the request's region.
fn named_disks(world: &World, ctx: &Context<'_>) -> Result<Vec<String>, ApiError> {
    let region = region(ctx);
    let ids = ctx.input.ids("diskIds");
    if ids.is_empty() {
        return Err(ApiError::invalid_parameter(
            "diskIds",
            "expected at least one disk id",
        ));
    }
    for id in &ids {
        world.store.find(DISK, &region, id, || {
            store::not_found(ctx, "InvalidDiskId.NotFound", "disk")
        })?;
    }
    Ok(ids)
}

fn apply_policy(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = policy_id(ctx);
    find_policy(world, ctx, &id)?;
    let disks = named_disks(world, ctx)?;
    for disk in world.store.iter_mut(DISK) {
        if disks.contains(&disk.id) {
            disk.set("AutoSnapshotPolicyId", id.as_str());
            disk.set("EnableAutoSnapshot", true);
        }
    }
    Ok(Map::new())
}

fn cancel_policy(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let disks = named_disks(world, ctx)?;
    let policy = Some(policy_id(ctx)).filter(|p| !p.is_empty());
    if let Some(policy) = &policy {
        find_policy(world, ctx, policy)?;
    }
    let region = region(ctx);
    clear_disks(world, &region, Some(&disks), policy.as_deref());
    Ok(Map::new())
}
