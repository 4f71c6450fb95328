//! ECS snapshots: made of a disk (`CreateSnapshot`), copied to another region, renamed,
//! described with the service's filters and both paging styles, counted, and deleted.
//!
//! Rules the service applies and the emulator keeps:
//! - an unknown snapshot is `InvalidSnapshotId.NotFound`; a snapshot of a disk that was never
//!   attached is refused (`IncorrectDiskStatus.NeverAttached`), as is one of a disk whose
//!   instance is in a transitional status (`IncorrectInstanceStatus`);
//! - a snapshot is `accomplished` (progress `100%`) as soon as it is made (no `progressing`
//!   phase), so disks and images can be made from it at once;
//! - a snapshot an image was made from cannot be deleted (`SnapshotCreatedImage`); one a disk
//!   was made from only with `Force` (`SnapshotCreatedDisk`);
//! - a repeated `ClientToken` on `CreateSnapshot` answers the first call's result.
//!
//! Snapshot-consistent groups (`CreateSnapshotGroup`, `DescribeSnapshotGroups`,
//! `ModifySnapshotGroup`, `DeleteSnapshotGroup`) snapshot an instance's disks at once (all, the
//! `DiskId` ones, or all but the `ExcludeDiskId` ones; not both lists) while it is `Running` or
//! `Stopped`; the group lists its snapshots as they are now, and deleting the group deletes
//! them (refused while an image was made from one, as for a single snapshot).

use serde_json::{Map, Value, json};

use super::ecs_disks::{self, find_disk, incorrect_instance_status, region, required, valid_text};
use super::ecs_world::{self, DISK, IMAGE, SNAPSHOT};
use super::{Context, Model, Outcome};
use crate::clock;
use crate::error::ApiError;
use crate::store::{self, Query, Resource, Store};
use crate::world::{InstanceStatus, World};

/// The snapshot actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("CreateSnapshot", create_snapshot),
    Model::ecs("DeleteSnapshot", delete_snapshot),
    Model::ecs("DescribeSnapshots", describe_snapshots),
    Model::ecs("ModifySnapshotAttribute", modify_snapshot_attribute),
    Model::ecs("CopySnapshot", copy_snapshot),
    Model::ecs("DescribeSnapshotsUsage", describe_snapshots_usage),
    Model::ecs("CreateSnapshotGroup", create_snapshot_group),
    Model::ecs("DescribeSnapshotGroups", describe_snapshot_groups),
    Model::ecs("ModifySnapshotGroup", modify_snapshot_group),
    Model::ecs("DeleteSnapshotGroup", delete_snapshot_group),
];

/// The store kind of snapshot-consistent groups.
const SNAPSHOT_GROUP: store::Kind = "snapshot-group";

/// Bytes in a GiB (`DescribeSnapshotsUsage` reports bytes).
const GIB: i64 = 1 << 30;

/// What a new snapshot records.
pub(super) struct SnapshotSpec<'a> {
    pub(super) region: &'a str,
    pub(super) name: &'a str,
    pub(super) description: &'a str,
    pub(super) disk_id: &'a str,
    pub(super) disk_size: i64,
    /// `System` or `Data`.
    pub(super) disk_type: &'a str,
    pub(super) encrypted: bool,
    pub(super) usage: &'a str,
    pub(super) category: &'a str,
    pub(super) retention_days: Option<i64>,
    pub(super) source_region: &'a str,
    pub(super) source_snapshot: &'a str,
}

/// What a snapshot records of its disk: size, `System`/`Data`, and whether it is encrypted.
fn snapshot_facts(disk: &Resource) -> (i64, &'static str, bool) {
    let disk_type = if disk.str("Type") == Some("system") {
        "System"
    } else {
        "Data"
    };
    let size = disk.attrs.get("Size").and_then(Value::as_i64).unwrap_or(0);
    let encrypted = disk
        .attrs
        .get("Encrypted")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    (size, disk_type, encrypted)
}

/// Adds an `accomplished` snapshot and returns its id.
pub(super) fn make_snapshot(
    store: &mut Store,
    spec: &SnapshotSpec<'_>,
    now: std::time::SystemTime,
) -> String {
    let id = store.new_id("s-", spec.region);
    let time = clock::rfc3339(now);
    let name = if spec.name.is_empty() {
        id.clone()
    } else {
        spec.name.to_owned()
    };
    store.insert(
        SNAPSHOT,
        &id,
        spec.region,
        ecs_world::obj(json!({
            "SnapshotId": id,
            "SnapshotName": name,
            "Description": spec.description,
            "RegionId": spec.region,
            "SourceDiskId": spec.disk_id,
            "SourceDiskSize": spec.disk_size,
            "SourceDiskType": spec.disk_type,
            "SourceStorageType": "disk",
            "SourceRegionId": spec.source_region,
            "SourceSnapshotId": spec.source_snapshot,
            "Status": "accomplished",
            "Progress": "100%",
            "RemainTime": 0,
            "Available": true,
            "SnapshotType": "user",
            "Category": spec.category,
            "Usage": spec.usage,
            "Encrypted": spec.encrypted,
            "KMSKeyId": "",
            "InstantAccess": false,
            "InstantAccessRetentionDays": 0,
            "RetentionDays": spec.retention_days.unwrap_or(0),
            "ResourceGroupId": "",
            "ProductCode": "",
            "SnapshotSN": format!("64472-{}", store::stable_hash(&id) % 1_000_000_000),
            "SnapshotLinkId": format!("sl-{}", id.trim_start_matches("s-")),
            "CreationTime": time,
            "LastModifiedTime": time,
        })),
    );
    id
}

/// The snapshot `id` (in the request's region when it names one), or
/// `InvalidSnapshotId.NotFound`.
fn find_snapshot<'a>(
    world: &'a World,
    ctx: &Context<'_>,
    id: &str,
) -> Result<&'a Resource, ApiError> {
    world
        .store
        .get(SNAPSHOT, id)
        .filter(|s| region(ctx).is_none_or(|r| s.in_region(r)))
        .ok_or_else(|| store::not_found(ctx, "InvalidSnapshotId.NotFound", "SnapshotId"))
}

/// Checks a snapshot name: 2..=128 characters, starting with a letter, not with `auto`
/// (reserved for automatic snapshots).
fn check_name(ctx: &Context<'_>, name: &str) -> Result<(), ApiError> {
    if !valid_text(name, 2, 128, true) || name.starts_with("auto") {
        return Err(ctx.spec_error(
            "InvalidSnapshotName.Malformed",
            400,
            "The specified SnapshotName is wrongly formed.",
        ));
    }
    Ok(())
}

fn check_retention(ctx: &Context<'_>) -> Result<Option<i64>, ApiError> {
    match ctx.input.int("RetentionDays") {
        Some(days) if !(1..=65536).contains(&days) => Err(ctx.spec_error(
            "InvalidRetentionDays.Malformed",
            400,
            "The specified RetentionDays is not valid.",
        )),
        days => Ok(days),
    }
}

fn create_snapshot(world: &mut World, ctx: &Context<'_>) -> Outcome {
    if let Some(answer) = ctx.replay(world)? {
        return Ok(answer);
    }
    let disk_id = required(ctx, "DiskId")?;
    let disk = find_disk(world, ctx, disk_id)?;
    let name = ctx.input.str("SnapshotName").unwrap_or_default();
    if !name.is_empty() {
        check_name(ctx, name)?;
    }
    let description = ctx.input.str("Description").unwrap_or_default();
    if !valid_text(description, 0, 256, false) {
        return Err(ctx.spec_error(
            "InvalidDescription.Malformed",
            404,
            "The specified description is wrongly formed.",
        ));
    }
    let category = ctx.input.str("Category").unwrap_or("standard");
    if category != "standard" && category != "flash" {
        return Err(ctx.spec_error(
            "InvalidSnapshotCategory.Malformed",
            403,
            "The specified Category is not valid.",
        ));
    }
    let retention_days = check_retention(ctx)?;
    ecs_disks::check_tags(ctx)?;
    // The service snapshots only disks that have been attached (and so formatted) once.
    if disk.str("AttachedTime").unwrap_or_default().is_empty() {
        return Err(ctx.spec_error(
            "IncorrectDiskStatus.NeverAttached",
            403,
            "The specified disk has never been attached to any instance.",
        ));
    }
    if let Some(instance) = disk.str("InstanceId").filter(|i| !i.is_empty()) {
        let settled = world.get(instance).is_some_and(|t| {
            matches!(
                t.instance.status,
                InstanceStatus::Running | InstanceStatus::Stopped
            )
        });
        if !settled {
            return Err(incorrect_instance_status(ctx));
        }
    }
    let (size, disk_type, encrypted) = snapshot_facts(disk);
    let region = disk.region.clone();
    let spec = SnapshotSpec {
        region: &region,
        name,
        description,
        disk_id,
        disk_size: size,
        disk_type,
        encrypted,
        usage: "none",
        category,
        retention_days,
        source_region: "",
        source_snapshot: "",
    };
    let id = make_snapshot(&mut world.store, &spec, ctx.now);
    if let Some(row) = world.store.get_mut(SNAPSHOT, &id) {
        store::apply_tags(&mut row.tags, ctx.input, "Tag");
        row.set(
            "ResourceGroupId",
            ctx.input.str("ResourceGroupId").unwrap_or_default(),
        );
    }
    let out = ecs_world::obj(json!({"SnapshotId": id}));
    ctx.remember(world, &out);
    Ok(out)
}

/// Whether an image was made from snapshot `id`.
pub(super) fn used_by_image(store: &Store, id: &str) -> bool {
    store.iter(IMAGE).any(|image| {
        image
            .attrs
            .get("DiskDeviceMappings")
            .and_then(Value::as_array)
            .is_some_and(|maps| {
                maps.iter()
                    .any(|m| m.get("SnapshotId").and_then(Value::as_str) == Some(id))
            })
    })
}

fn delete_snapshot(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("SnapshotId").filter(|s| !s.is_empty()).ok_or_else(|| {
        ctx.spec_error(
            "MissingParameter",
            400,
            "The input parameter SnapshotId that is mandatory for processing this request is not supplied.",
        )
    })?;
    find_snapshot(world, ctx, id)?;
    if used_by_image(&world.store, id) {
        return Err(ctx.spec_error(
            "SnapshotCreatedImage",
            403,
            "The snapshot has been used to create user defined image(s).",
        ));
    }
    let made_disks = world
        .store
        .iter(DISK)
        .any(|d| d.str("SourceSnapshotId") == Some(id));
    if made_disks && !ctx.input.bool("Force").unwrap_or(false) {
        return Err(ctx.spec_error(
            "SnapshotCreatedDisk",
            403,
            "The snapshot has been used to create disk(s).",
        ));
    }
    world.store.remove(SNAPSHOT, id);
    Ok(Map::new())
}

fn describe_snapshots(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let mut query = Query::new(input)
        .ids(input.ids("SnapshotIds"))
        .tags(input, "Tag");
    for (param, path) in [
        ("DiskId", "SourceDiskId"),
        ("SnapshotName", "SnapshotName"),
        ("Usage", "Usage"),
        ("Encrypted", "Encrypted"),
        ("Category", "Category"),
        ("ResourceGroupId", "ResourceGroupId"),
        ("KMSKeyId", "KMSKeyId"),
        ("SnapshotLinkId", "SnapshotLinkId"),
    ] {
        query = query.param(input, param, path);
    }
    let status = input.str("Status").filter(|s| !s.is_empty() && *s != "all");
    if let Some(status) = status {
        if !["progressing", "accomplished", "failed"].contains(&status) {
            return Err(ctx.spec_error(
                "InvalidStatus.NotFound",
                404,
                "The specified Status is not found.",
            ));
        }
    }
    let snapshot_type = input
        .str("SnapshotType")
        .filter(|s| !s.is_empty() && *s != "all");
    if let Some(kind) = snapshot_type {
        if kind != "auto" && kind != "user" {
            return Err(ctx.spec_error(
                "InvalidSnapshotType.NotFound",
                404,
                "The specfied SnapshotType is not found.",
            ));
        }
    }
    let source_type = input.str("SourceDiskType").filter(|s| !s.is_empty());
    let source_type = match source_type.map(str::to_ascii_lowercase).as_deref() {
        None => None,
        Some("system") => Some("System"),
        Some("data") => Some("Data"),
        Some(_) => {
            return Err(ctx.spec_error(
                "InvalidSourceDiskType",
                404,
                "The specifed SourceDiskType is not valid.",
            ));
        }
    };
    let query = query
        .eq("Status", status)
        .eq("SnapshotType", snapshot_type)
        .eq("SourceDiskType", source_type);
    // `InstanceId`: snapshots of the disks attached to that instance now.
    let instance_disks: Option<Vec<String>> =
        input.str("InstanceId").filter(|i| !i.is_empty()).map(|i| {
            ecs_world::disks_of(&world.store, i)
                .iter()
                .map(|d| d.id.clone())
                .collect()
        });
    let rows: Vec<&Resource> = query
        .select(world.store.iter(SNAPSHOT))
        .into_iter()
        .filter(|s| {
            instance_disks
                .as_ref()
                .is_none_or(|disks| disks.iter().any(|d| s.str("SourceDiskId") == Some(d)))
        })
        .collect();
    ctx.dry_run()?;
    store::page(input, rows, "Snapshots", Resource::item)
}

fn modify_snapshot_attribute(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = required(ctx, "SnapshotId")?;
    let snapshot = find_snapshot(world, ctx, id)?;
    let input = ctx.input;
    let name = input.str("SnapshotName");
    let description = input.str("Description");
    let retention = check_retention(ctx)?;
    let disable_instant = input.bool("DisableInstantAccess");
    if name.is_none() && description.is_none() && retention.is_none() && disable_instant.is_none() {
        return Err(ctx.spec_error(
            "NoAttributeToModify",
            400,
            "No attribute to be modified in this request.",
        ));
    }
    if let Some(name) = name {
        check_name(ctx, name)?;
    }
    if description.is_some_and(|d| !valid_text(d, 0, 256, false)) {
        return Err(ctx.spec_error(
            "InvalidDescription.Malformed",
            404,
            "The specified description is wrongly formed.",
        ));
    }
    let current = snapshot
        .attrs
        .get("RetentionDays")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if retention.is_some_and(|days| current > 0 && days < current) {
        return Err(ctx.spec_error(
            "InvalidOperation.DecreaseRetentionDaysUnsupported",
            400,
            "The requested operation to decrease retention days for the snapshot is not supported.",
        ));
    }
    let time = clock::rfc3339(ctx.now);
    if let Some(row) = world.store.get_mut(SNAPSHOT, id) {
        if let Some(name) = name {
            row.set("SnapshotName", name);
        }
        if let Some(description) = description {
            row.set("Description", description);
        }
        if let Some(days) = retention {
            row.set("RetentionDays", days);
        }
        if disable_instant == Some(true) {
            row.set("InstantAccess", false);
        }
        row.set("LastModifiedTime", time);
    }
    Ok(Map::new())
}

fn copy_snapshot(world: &mut World, ctx: &Context<'_>) -> Outcome {
    if let Some(answer) = ctx.replay(world)? {
        return Ok(answer);
    }
    let id = required(ctx, "SnapshotId")?;
    let source = world
        .store
        .get(SNAPSHOT, id)
        .filter(|s| region(ctx).is_none_or(|r| s.in_region(r)))
        .ok_or_else(|| {
            ctx.spec_error(
                "InvalidSnapshotId.NotFound",
                403,
                "The specified snapshot is not exists.",
            )
        })?
        .clone();
    let destination = required(ctx, "DestinationRegionId")?;
    if destination == source.region {
        return Err(ctx.spec_error(
            "InvalidOperation.NotSupportCopyInSameRegion",
            403,
            "Copying snapshot in the same region is not supported.",
        ));
    }
    if !super::ecs_data::REGIONS.iter().any(|r| r.id == destination) {
        return Err(ctx.spec_error("InvalidRegionId.NotExists", 403, "Region not exists."));
    }
    if source.str("Status") != Some("accomplished") {
        return Err(ctx.spec_error(
            "InvalidSnapshotId.NotReady",
            403,
            "The specified snapshot has not completed yet.",
        ));
    }
    let name = ctx.input.str("DestinationSnapshotName").unwrap_or_default();
    if !name.is_empty() {
        check_name(ctx, name)?;
    }
    let retention_days = check_retention(ctx)?;
    ecs_disks::check_tags(ctx)?;
    ecs_world::ensure_region(&mut world.store, destination);
    let encrypted = ctx.input.bool("Encrypted").unwrap_or(false)
        || source
            .attrs
            .get("Encrypted")
            .and_then(Value::as_bool)
            .unwrap_or(false);
    let spec = SnapshotSpec {
        region: destination,
        name,
        description: ctx
            .input
            .str("DestinationSnapshotDescription")
            .unwrap_or_default(),
        disk_id: source.str("SourceDiskId").unwrap_or_default(),
        disk_size: source
            .attrs
            .get("SourceDiskSize")
            .and_then(Value::as_i64)
            .unwrap_or(0),
        disk_type: source.str("SourceDiskType").unwrap_or("Data"),
        encrypted,
        usage: "none",
        category: source.str("Category").unwrap_or("standard"),
        retention_days,
        source_region: &source.region,
        source_snapshot: id,
    };
    let new_id = make_snapshot(&mut world.store, &spec, ctx.now);
    if let Some(row) = world.store.get_mut(SNAPSHOT, &new_id) {
        store::apply_tags(&mut row.tags, ctx.input, "Tag");
    }
    let out = ecs_world::obj(json!({"SnapshotId": new_id}));
    ctx.remember(world, &out);
    Ok(out)
}

fn describe_snapshots_usage(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let rows = Query::new(ctx.input).select(world.store.iter(SNAPSHOT));
    // Every snapshot counts its source disk's full size (the service counts changed blocks).
    let size: i64 = rows
        .iter()
        .map(|s| {
            s.attrs
                .get("SourceDiskSize")
                .and_then(Value::as_i64)
                .unwrap_or(0)
                * GIB
        })
        .sum();
    Ok(ecs_world::obj(
        json!({"SnapshotCount": rows.len(), "SnapshotSize": size}),
    ))
}

// ----- Snapshot-consistent groups ------------------------------------------------------------

fn group_not_found(ctx: &Context<'_>) -> ApiError {
    ctx.spec_error(
        "InvalidSnapshotGroup.NotFound",
        404,
        "The specified snapshot group does not exist.",
    )
}

/// A group name or description: `check` of the single snapshot's rules, refused with the
/// group actions' own codes.
fn group_texts(ctx: &Context<'_>) -> Result<(), ApiError> {
    let name = ctx.input.str("Name").unwrap_or_default();
    if !name.is_empty() && !valid_text(name, 2, 128, true) {
        return Err(ctx.spec_error(
            "InvalidParameter.Name",
            400,
            "The specified Name is not valid.",
        ));
    }
    if !valid_text(
        ctx.input.str("Description").unwrap_or_default(),
        0,
        256,
        false,
    ) {
        return Err(ctx.spec_error(
            "InvalidParameter.Description",
            400,
            "The specified Description is not valid.",
        ));
    }
    Ok(())
}

fn create_snapshot_group(world: &mut World, ctx: &Context<'_>) -> Outcome {
    if let Some(answer) = ctx.replay(world)? {
        return Ok(answer);
    }
    let input = ctx.input;
    let instance_id = input
        .str("InstanceId")
        .filter(|i| !i.is_empty())
        .ok_or_else(|| {
            ctx.spec_error(
                "MissingParamter.InstanceId",
                400,
                "The parameter InstanceId is required.",
            )
        })?
        .to_owned();
    let region = region(ctx)
        .unwrap_or(crate::world::DEFAULT_REGION)
        .to_owned();
    let status = world
        .get(&instance_id)
        .filter(|t| t.instance.region == region)
        .map(|t| t.instance.status)
        .ok_or_else(|| {
            ctx.spec_error(
                "InvalidInstanceId.NotFound",
                404,
                "The specified InstanceId does not exist.",
            )
        })?;
    if !matches!(status, InstanceStatus::Running | InstanceStatus::Stopped) {
        return Err(incorrect_instance_status(ctx));
    }
    group_texts(ctx)?;
    let (only, exclude) = (input.ids("DiskId"), input.ids("ExcludeDiskId"));
    if !only.is_empty() && !exclude.is_empty() {
        return Err(ctx.spec_error(
            "InvalidParam.ExcludeDiskIdsAndDiskIds.Conflict",
            400,
            "DiskId and ExcludeDiskId cannot both be given.",
        ));
    }
    let disks: Vec<(String, (i64, &'static str, bool))> =
        ecs_world::disks_of(&world.store, &instance_id)
            .into_iter()
            .filter(|d| only.is_empty() || only.contains(&d.id))
            .filter(|d| !exclude.contains(&d.id))
            .map(|d| (d.id.clone(), snapshot_facts(d)))
            .collect();
    if let Some(stranger) = only.iter().find(|id| !disks.iter().any(|d| &d.0 == *id)) {
        return Err(ctx.spec_error(
            "DiskId.ValueNotSupported",
            403,
            &format!("The disk {stranger} is not attached to the instance."),
        ));
    }
    let name = input.str("Name").unwrap_or_default();
    let description = input.str("Description").unwrap_or_default();
    let mut snapshots = Vec::new();
    for (disk_id, (size, disk_type, encrypted)) in &disks {
        let spec = SnapshotSpec {
            region: &region,
            name: "",
            description,
            disk_id,
            disk_size: *size,
            disk_type,
            encrypted: *encrypted,
            usage: "none",
            category: "standard",
            retention_days: None,
            source_region: "",
            source_snapshot: "",
        };
        snapshots.push(make_snapshot(&mut world.store, &spec, ctx.now));
    }
    let id = world.store.new_id("ssg-", &region);
    let group = world.store.insert(
        SNAPSHOT_GROUP,
        &id,
        &region,
        ecs_world::obj(json!({
            "SnapshotGroupId": id,
            "Name": name,
            "Description": description,
            "InstanceId": instance_id,
            "Status": "accomplished",
            "ProgressStatus": "",
            "ResourceGroupId": input.str("ResourceGroupId").unwrap_or_default(),
            "CreationTime": clock::rfc3339(ctx.now),
            "SnapshotIds": snapshots,
        })),
    );
    store::apply_tags(&mut group.tags, input, "Tag");
    let answer = ecs_world::obj(json!({ "SnapshotGroupId": id }));
    ctx.remember(world, &answer);
    Ok(answer)
}

/// The ids of the snapshots a group was made with.
fn group_snapshots(group: &Resource) -> Vec<String> {
    group
        .attrs
        .get("SnapshotIds")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// A group as the describe shows it: its snapshots as they are now, tags as `Key`/`Value`.
fn group_item(store: &Store, group: &Resource) -> Value {
    let snapshots: Vec<Value> = group_snapshots(group)
        .into_iter()
        .filter_map(|id| store.get(SNAPSHOT, &id))
        .map(|s| {
            json!({
                "SnapshotId": s.id,
                "SourceDiskId": s.str("SourceDiskId"),
                "SourceDiskType": s.str("SourceDiskType"),
                "Progress": s.str("Progress"),
                "Available": s.attrs.get("Available"),
                "InstantAccess": false,
                "InstantAccessRetentionDays": 0,
                "Tags": store::tag_list(&s.tags, "Key", "Value"),
            })
        })
        .collect();
    let mut item = group.attrs.clone();
    item.remove("SnapshotIds");
    item.insert("Snapshots".into(), Value::Array(snapshots));
    item.insert("Tags".into(), store::tag_list(&group.tags, "Key", "Value"));
    Value::Object(item)
}

fn describe_snapshot_groups(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let statuses = input.ids("Status");
    if let Some(bad) = statuses
        .iter()
        .find(|s| !matches!(s.as_str(), "progressing" | "accomplished" | "failed"))
    {
        return Err(ctx.spec_error(
            "InvalidStatus.ValueNotSupported",
            403,
            &format!("The specified Status {bad} is not supported."),
        ));
    }
    let query = Query::new(input)
        .ids(input.ids("SnapshotGroupId"))
        .param(input, "InstanceId", "InstanceId")
        .param(input, "Name", "Name")
        .param(input, "ResourceGroupId", "ResourceGroupId")
        .tags(input, "Tag");
    let rows: Vec<&Resource> = query
        .select(world.store.iter(SNAPSHOT_GROUP))
        .into_iter()
        .filter(|g| statuses.is_empty() || statuses.iter().any(|s| g.str("Status") == Some(s)))
        .collect();
    let store = &world.store;
    store::token_page(input, rows, "SnapshotGroups", 10, |g| group_item(store, g))
}

fn find_group_mut<'a>(
    world: &'a mut World,
    ctx: &Context<'_>,
) -> Result<&'a mut Resource, ApiError> {
    let id = ctx.input.str("SnapshotGroupId").unwrap_or_default();
    let region = region(ctx)
        .unwrap_or(crate::world::DEFAULT_REGION)
        .to_owned();
    world
        .store
        .find_mut(SNAPSHOT_GROUP, &region, id, || group_not_found(ctx))
}

fn modify_snapshot_group(world: &mut World, ctx: &Context<'_>) -> Outcome {
    group_texts(ctx)?;
    let group = find_group_mut(world, ctx)?;
    for key in ["Name", "Description"] {
        if let Some(value) = ctx.input.str(key) {
            group.set(key, value);
        }
    }
    Ok(Map::new())
}

fn delete_snapshot_group(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let group = find_group_mut(world, ctx)?;
    let group_id = group.id.clone();
    let snapshots = group_snapshots(group);
    if snapshots.iter().any(|id| used_by_image(&world.store, id)) {
        return Err(ctx.spec_error(
            "SnapshotCreatedImage",
            403,
            "The snapshot has been used to create user defined image(s).",
        ));
    }
    let mut progress = Vec::new();
    for id in &snapshots {
        if world.store.remove(SNAPSHOT, id).is_some() {
            progress.push(json!({
                "OperationStatus": "Success",
                "ErrorCode": "",
                "ErrorMsg": "",
                "RelatedItemSet": [{"Name": "SnapshotId", "Value": id}],
            }));
        }
    }
    world.store.remove(SNAPSHOT_GROUP, &group_id);
    Ok(ecs_world::obj(json!({ "OperationProgressSet": progress })))
}
