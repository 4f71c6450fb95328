//! ECS block storage: cloud disks made on their own (`CreateDisk`) or with an instance
//! (`RunInstances`), attached and detached, resized, re-specified, re-initialised, reset from a
//! snapshot (one disk or several at once), described and deleted.
//!
//! Rules the service applies and the emulator keeps:
//! - an unknown disk is `InvalidDiskId.NotFound` (404), an unknown instance
//!   `InvalidInstanceId.NotFound`;
//! - a disk attaches only while `Available`, to an instance in its zone that is `Running` or
//!   `Stopped`; a disk attached elsewhere is `InvalidDisk.InUse`;
//! - a system disk detaches only from a `Stopped` instance (`IncorrectInstanceStatus`
//!   otherwise); detaching a disk from an instance it is not attached to is
//!   `DependencyViolation` (`InvalidDisk.AlreadyDetached` when it is attached to none);
//! - a disk only grows (`InvalidDiskSize.TooSmall`); online resizing needs a `Running`
//!   instance;
//! - an attached disk cannot be deleted (`IncorrectDiskStatus`);
//! - changes are immediate: disks never show `Creating`, `Attaching` or `Detaching`;
//! - a repeated `ClientToken` on `CreateDisk` answers the first call's result.

use serde_json::{Map, Value, json};

use super::ecs_world::{self, DISK, DiskSpec, IMAGE, KEY_PAIR, SNAPSHOT};
use super::{Context, Model, Outcome};
use crate::clock;
use crate::error::ApiError;
use crate::store::{self, Query, Resource};
use crate::world::{InstanceStatus, World};

/// The disk actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("CreateDisk", create_disk),
    Model::ecs("AttachDisk", attach_disk),
    Model::ecs("DetachDisk", detach_disk),
    Model::ecs("ResizeDisk", resize_disk),
    Model::ecs("DeleteDisk", delete_disk),
    Model::ecs("DescribeDisks", describe_disks),
    Model::ecs("ModifyDiskAttribute", modify_disk_attribute),
    Model::ecs("ModifyDiskChargeType", modify_disk_charge_type),
    Model::ecs("ModifyDiskSpec", modify_disk_spec),
    Model::ecs("ReInitDisk", re_init_disk),
    Model::ecs("ResetDisk", reset_disk),
    Model::ecs("ResetDisks", reset_disks),
    Model::ecs("DescribeDisksFullStatus", describe_disks_full_status),
];

/// The disk categories the emulated service offers.
const CATEGORIES: &[&str] = &[
    "cloud",
    "cloud_efficiency",
    "cloud_ssd",
    "cloud_essd",
    "cloud_auto",
    "cloud_essd_entry",
];

/// Most data disks one instance carries.
const MAX_DATA_DISKS: usize = 16;

// ----- Shared helpers (snapshots and images use them too) ------------------------------------

/// The region the request names, if it has one (several disk actions carry no `RegionId`:
/// their ids are unique across regions).
pub(super) fn region<'a>(ctx: &'a Context<'_>) -> Option<&'a str> {
    ctx.input.str("RegionId").filter(|r| !r.is_empty())
}

/// A required string parameter, or `MissingParameter`.
pub(super) fn required<'a>(ctx: &'a Context<'_>, name: &str) -> Result<&'a str, ApiError> {
    ctx.input
        .str(name)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::missing_parameter(name))
}

/// The disk `id` (in the request's region when it names one), or `InvalidDiskId.NotFound`.
pub(super) fn find_disk<'a>(
    world: &'a World,
    ctx: &Context<'_>,
    id: &str,
) -> Result<&'a Resource, ApiError> {
    world
        .store
        .get(DISK, id)
        .filter(|d| region(ctx).is_none_or(|r| d.in_region(r)))
        .ok_or_else(|| store::not_found(ctx, "InvalidDiskId.NotFound", "disk"))
}

/// The status of instance `id` and its zone, or `InvalidInstanceId.NotFound`.
pub(super) fn find_instance(
    world: &World,
    ctx: &Context<'_>,
    id: &str,
) -> Result<(InstanceStatus, String), ApiError> {
    world
        .get(id)
        .filter(|t| region(ctx).is_none_or(|r| t.instance.region == r))
        .map(|t| {
            (
                t.instance.status,
                t.ecs.str("ZoneId").unwrap_or_default().to_owned(),
            )
        })
        .ok_or_else(|| store::not_found(ctx, "InvalidInstanceId.NotFound", "InstanceId"))
}

pub(super) fn incorrect_instance_status(ctx: &Context<'_>) -> ApiError {
    ctx.spec_error(
        "IncorrectInstanceStatus",
        403,
        "The current status of the resource does not support this operation.",
    )
}

pub(super) fn incorrect_disk_status(ctx: &Context<'_>) -> ApiError {
    ctx.spec_error(
        "IncorrectDiskStatus",
        403,
        "The current disk status does not support this operation.",
    )
}

/// Whether `text` is a valid resource name or description: `min..=max` characters, not
/// starting with `http://` or `https://` (names must also start with a letter).
pub(super) fn valid_text(text: &str, min: usize, max: usize, is_name: bool) -> bool {
    let len = text.chars().count();
    let starts_ok = !is_name || text.chars().next().is_some_and(char::is_alphabetic);
    (min..=max).contains(&len)
        && starts_ok
        && !text.starts_with("http://")
        && !text.starts_with("https://")
}

/// `Duplicate.TagKey` when the `Tag.N` list names a key twice.
pub(super) fn check_tags(ctx: &Context<'_>) -> Result<(), ApiError> {
    let pairs = store::tag_pairs(ctx.input, "Tag");
    let mut keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    if keys.windows(2).any(|w| w[0] == w[1]) {
        return Err(ctx.spec_error(
            "Duplicate.TagKey",
            400,
            "The Tag.N.Key contain duplicate key.",
        ));
    }
    Ok(())
}

/// The size range (GiB) of a data disk of `category` at `level`.
fn size_range(category: &str, level: &str) -> (i64, i64) {
    match (category, level) {
        ("cloud", _) => (5, 2000),
        ("cloud_essd", "PL0") => (1, 65536),
        ("cloud_essd", "PL2") => (461, 65536),
        ("cloud_essd", "PL3") => (1261, 65536),
        ("cloud_essd", _) => (20, 65536),
        ("cloud_auto", _) => (1, 65536),
        ("cloud_essd_entry", _) => (10, 32768),
        _ => (20, 32768),
    }
}

/// The IOPS a disk of `category` and `size` GiB gets.
fn iops(category: &str, size: i64) -> i64 {
    match category {
        "cloud" => 300,
        "cloud_efficiency" => (1800 + 8 * size).min(5000),
        "cloud_ssd" => (1800 + 30 * size).min(25000),
        _ => (1800 + 50 * size).min(50000),
    }
}

/// Checks `category` (and `level` for ESSDs) and that `size` fits them.
fn check_category(
    ctx: &Context<'_>,
    category: &str,
    level: Option<&str>,
    size: i64,
) -> Result<(), ApiError> {
    if !CATEGORIES.contains(&category) {
        return Err(ctx.spec_error(
            "InvalidDiskCategory.ValueNotSupported",
            400,
            "The specified parameter \"DiskCategory\" is not valid.",
        ));
    }
    if let Some(level) = level {
        if !["PL0", "PL1", "PL2", "PL3"].contains(&level) {
            return Err(ctx.spec_error(
                "InvalidPerformanceLevel.Malformed",
                400,
                "The specified parameter PerformanceLevel is not valid.",
            ));
        }
    }
    let (min, max) = size_range(category, level.unwrap_or("PL1"));
    if size > max || (size < min && level.is_none_or(|l| l == "PL0" || l == "PL1")) {
        return Err(ctx.spec_error(
            "InvalidDiskSize.NotSupported",
            400,
            "The specified parameter size is not valid.",
        ));
    }
    if size < min {
        return Err(ctx.spec_error(
            "OperationDenied.PerformanceLevelNotMatch",
            403,
            "The specified PerformanceLevel and Size do not match.",
        ));
    }
    Ok(())
}

// ----- Create, attach, detach ----------------------------------------------------------------

fn create_disk(world: &mut World, ctx: &Context<'_>) -> Outcome {
    if let Some(answer) = ctx.replay(world)? {
        return Ok(answer);
    }
    let input = ctx.input;
    let region = ctx.region();
    ecs_world::ensure_region(&mut world.store, &region);
    let instance = input.str("InstanceId").filter(|i| !i.is_empty());
    let zone = match (input.str("ZoneId").filter(|z| !z.is_empty()), instance) {
        (Some(_), Some(_)) => {
            return Err(ctx.spec_error(
                "InvalidParam.ZoneIdAndInstanceId.Conflict",
                403,
                "The specified parameter 'ZoneId' and 'InstanceId' are not blank at the same time.",
            ));
        }
        (Some(zone), None) => {
            if !ecs_data_zone(&region, zone) {
                return Err(store::not_found(ctx, "InvalidZoneId.NotFound", "zone"));
            }
            zone.to_owned()
        }
        (None, Some(id)) => {
            let (status, zone) = find_instance(world, ctx, id)?;
            if !matches!(status, InstanceStatus::Running | InstanceStatus::Stopped) {
                return Err(incorrect_instance_status(ctx));
            }
            zone
        }
        (None, None) => return Err(ApiError::missing_parameter("ZoneId")),
    };
    let category = input.str("DiskCategory").unwrap_or("cloud").to_owned();
    let level = input.str("PerformanceLevel").filter(|l| !l.is_empty());
    if level.is_some() && category != "cloud_essd" {
        return Err(ctx.spec_error(
            "InvalidPerformanceLevel.Malformed",
            400,
            "The specified parameter PerformanceLevel is not valid.",
        ));
    }
    let snapshot_id = input.str("SnapshotId").filter(|s| !s.is_empty());
    let mut size = input.int("Size");
    let mut encrypted = input.bool("Encrypted").unwrap_or(false);
    if let Some(sid) = snapshot_id {
        let snap = world.store.find(SNAPSHOT, &region, sid, || {
            store::not_found(ctx, "InvalidSnapshotId.NotFound", "SnapshotId")
        })?;
        if snap.str("Status") != Some("accomplished") {
            return Err(ctx.spec_error(
                "InvalidSnapshotId.NotReady",
                403,
                "The specified snapshot has not completed yet.",
            ));
        }
        let from = snap
            .attrs
            .get("SourceDiskSize")
            .and_then(Value::as_i64)
            .unwrap_or(20);
        if size.is_some_and(|s| s < from) {
            return Err(ctx.spec_error(
                "InvalidDiskSize.TooSmall",
                403,
                "Specified disk size is less than the size of snapshot.",
            ));
        }
        size = Some(size.unwrap_or(from));
        // A disk made from an encrypted snapshot is encrypted.
        encrypted |= snap
            .attrs
            .get("Encrypted")
            .and_then(Value::as_bool)
            .unwrap_or(false);
    }
    let Some(size) = size else {
        return Err(ctx.spec_error(
            "MissingParameter",
            400,
            "The input parameter either \"SnapshotId\" or \"Size\" should be specified.",
        ));
    };
    check_category(ctx, &category, level, size)?;
    let name = input.str("DiskName").unwrap_or_default();
    if !name.is_empty() && !valid_text(name, 2, 128, true) {
        return Err(ctx.spec_error(
            "InvalidDiskName.Malformed",
            400,
            "The specified disk name is wrongly formed.",
        ));
    }
    let description = input.str("Description").unwrap_or_default();
    if !description.is_empty() && !valid_text(description, 2, 256, false) {
        return Err(ctx.spec_error(
            "InvalidDescription.Malformed",
            400,
            "The specified description is wrongly formed.",
        ));
    }
    let kms = input.str("KMSKeyId").unwrap_or_default();
    if !kms.is_empty() && !input.bool("Encrypted").unwrap_or(false) {
        return Err(ctx.spec_error(
            "InvalidEncrypted.NotMatchKmsKeyId",
            400,
            "The specified parameter Encrypted must be true when KmsKeyId is not empty.",
        ));
    }
    check_tags(ctx)?;

    let spec = DiskSpec {
        category: category.clone(),
        name: name.to_owned(),
        description: description.to_owned(),
        performance_level: level.map(str::to_owned),
        snapshot_id: snapshot_id.map(str::to_owned),
        encrypted,
        ..DiskSpec::data(&zone, size)
    };
    let id = ecs_world::create_disk(&mut world.store, &region, &spec, ctx.now);
    if let Some(disk) = world.store.get_mut(DISK, &id) {
        disk.set("IOPS", iops(&category, size));
        disk.set("KMSKeyId", kms);
        disk.set(
            "ResourceGroupId",
            input.str("ResourceGroupId").unwrap_or_default(),
        );
        disk.set(
            "MultiAttach",
            input.str("MultiAttach").unwrap_or("Disabled"),
        );
        store::apply_tags(&mut disk.tags, input, "Tag");
    }
    if let Some(instance) = instance {
        // A disk made for an instance is attached to it at once.
        let device = ecs_world::next_device(&world.store, instance);
        ecs_world::attach_disk(&mut world.store, &id, instance, &device, ctx.now);
    }
    let out = ecs_world::obj(json!({"DiskId": id, "OrderId": ""}));
    ctx.remember(world, &out);
    Ok(out)
}

/// Whether `zone` is a zone of `region`.
fn ecs_data_zone(region: &str, zone: &str) -> bool {
    super::ecs_data::zones(region).iter().any(|z| z == zone)
}

fn attach_disk(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let disk_id = required(ctx, "DiskId")?;
    let instance_id = required(ctx, "InstanceId")?;
    let disk = find_disk(world, ctx, disk_id)?;
    let (status, zone) = find_instance(world, ctx, instance_id)?;
    if disk.str("Status") == Some("In_use") {
        return Err(ctx.spec_error(
            "InvalidDisk.InUse",
            404,
            "The specified disk has been occupied.",
        ));
    }
    if disk.str("Status") != Some("Available") {
        return Err(incorrect_disk_status(ctx));
    }
    if disk.str("ZoneId") != Some(zone.as_str()) {
        return Err(ctx.spec_error(
            "ResourcesNotInSameZone",
            403,
            "The specified instance and disk are not in the same zone.",
        ));
    }
    if !matches!(status, InstanceStatus::Running | InstanceStatus::Stopped) {
        return Err(ctx.spec_error(
            "IncorrectInstanceStatus",
            400,
            "The current status of the resource does not support this operation.",
        ));
    }
    let attached = ecs_world::disks_of(&world.store, instance_id);
    let bootable = ctx.input.bool("Bootable").unwrap_or(false);
    let device = if bootable {
        // Attaching as the system disk: the instance must be stopped and have none.
        if status != InstanceStatus::Stopped {
            return Err(incorrect_instance_status(ctx));
        }
        if attached.iter().any(|d| d.str("Type") == Some("system")) {
            return Err(ctx.spec_error(
                "InvalidDevice.InUse",
                403,
                "The specified device has been occupied.",
            ));
        }
        "/dev/xvda".to_owned()
    } else {
        if attached
            .iter()
            .filter(|d| d.str("Type") != Some("system"))
            .count()
            >= MAX_DATA_DISKS
        {
            return Err(ctx.spec_error(
                "InstanceDiskLimitExceeded",
                403,
                "The amount of the disk on instance in question reach its limits.",
            ));
        }
        match ctx.input.str("Device").filter(|d| !d.is_empty()) {
            Some(device) => {
                let valid = device.strip_prefix("/dev/xvd").is_some_and(|c| {
                    c.len() == 1 && ('b'..='z').contains(&c.chars().next().unwrap_or('a'))
                });
                if !valid {
                    return Err(ctx.spec_error(
                        "InvalidDevice.Malformed",
                        400,
                        "The specified device is not valid.",
                    ));
                }
                if attached.iter().any(|d| d.str("Device") == Some(device)) {
                    return Err(ctx.spec_error(
                        "InvalidDevice.InUse",
                        403,
                        "The specified device has been occupied.",
                    ));
                }
                device.to_owned()
            }
            None => ecs_world::next_device(&world.store, instance_id),
        }
    };
    ecs_world::attach_disk(&mut world.store, disk_id, instance_id, &device, ctx.now);
    if let Some(disk) = world.store.get_mut(DISK, disk_id) {
        if bootable {
            disk.set("Type", "system");
        }
        if let Some(delete) = ctx.input.bool("DeleteWithInstance") {
            disk.set("DeleteWithInstance", delete);
        }
    }
    Ok(Map::new())
}

fn detach_disk(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let disk_id = required(ctx, "DiskId")?;
    let instance_id = required(ctx, "InstanceId")?;
    let disk = find_disk(world, ctx, disk_id)?;
    let (status, _) = find_instance(world, ctx, instance_id)?;
    match disk.str("InstanceId") {
        Some(id) if id == instance_id => {}
        Some("") | None => {
            return Err(ctx.spec_error(
                "InvalidDisk.AlreadyDetached",
                404,
                "The specified disk has been detached.",
            ));
        }
        Some(_) => {
            return Err(ctx.spec_error(
                "DependencyViolation",
                403,
                "The specified disk has not been attached on the specified instance.",
            ));
        }
    }
    // A system disk leaves only a stopped instance; a data disk a running or stopped one.
    let system = disk.str("Type") == Some("system");
    let allowed = if system {
        status == InstanceStatus::Stopped
    } else {
        matches!(status, InstanceStatus::Running | InstanceStatus::Stopped)
    };
    if !allowed {
        return Err(incorrect_instance_status(ctx));
    }
    ecs_world::detach_disk(&mut world.store, disk_id, ctx.now);
    if let Some(disk) = world.store.get_mut(DISK, disk_id) {
        if let Some(delete) = ctx.input.bool("DeleteWithInstance") {
            disk.set("DeleteWithInstance", delete);
        }
    }
    Ok(Map::new())
}

// ----- Size, spec, charge type ---------------------------------------------------------------

fn resize_disk(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let disk_id = required(ctx, "DiskId")?;
    let new_size = ctx
        .input
        .int("NewSize")
        .ok_or_else(|| ApiError::missing_parameter("NewSize"))?;
    let disk = find_disk(world, ctx, disk_id)?;
    let online = match ctx.input.str("Type").unwrap_or("offline") {
        "offline" => false,
        "online" => true,
        _ => {
            return Err(ctx.spec_error(
                "InvalidParam.Type",
                400,
                "The specified type is not supported.",
            ));
        }
    };
    let status = disk.str("Status").unwrap_or_default();
    if status != "Available" && status != "In_use" {
        return Err(incorrect_disk_status(ctx));
    }
    let size = disk.attrs.get("Size").and_then(Value::as_i64).unwrap_or(0);
    if new_size < size {
        return Err(ctx.spec_error(
            "InvalidDiskSize.TooSmall",
            403,
            "Specified new disk size is less than the original disk size.",
        ));
    }
    if new_size == size {
        return Err(ctx.spec_error(
            "InvalidDiskSize",
            403,
            "Specified new disk size is less than or equal the original disk size.",
        ));
    }
    let category = disk.str("Category").unwrap_or_default().to_owned();
    let max = if disk.str("Type") == Some("system") {
        2048
    } else {
        size_range(&category, disk.str("PerformanceLevel").unwrap_or("PL1")).1
    };
    if new_size > max {
        return Err(ctx.spec_error(
            "InvalidDiskSize.TooLarge",
            403,
            "Specified new disk size is beyond the permitted range.",
        ));
    }
    if online {
        let running = disk
            .str("InstanceId")
            .and_then(|i| world.get(i))
            .is_some_and(|t| t.instance.status == InstanceStatus::Running);
        if !running {
            return Err(ctx.spec_error(
                "InvalidInstanceStatus.NotRunning",
                403,
                "The status of instance to which the disk attachs must be running when resizing online.",
            ));
        }
    }
    if let Some(disk) = world.store.get_mut(DISK, disk_id) {
        disk.set("Size", new_size);
        disk.set("IOPS", iops(&category, new_size));
    }
    Ok(ecs_world::obj(json!({"OrderId": ""})))
}

fn modify_disk_spec(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let disk_id = required(ctx, "DiskId")?;
    let disk = find_disk(world, ctx, disk_id)?;
    let status = disk.str("Status").unwrap_or_default();
    if status != "Available" && status != "In_use" {
        return Err(ctx.spec_error(
            "InvalidStatus.DiskNotReady",
            403,
            "This specified disk is not ready, status needs to be either In_use or Available.",
        ));
    }
    let current_category = disk.str("Category").unwrap_or_default().to_owned();
    let current_level = disk.str("PerformanceLevel").unwrap_or_default().to_owned();
    let category = ctx
        .input
        .str("DiskCategory")
        .unwrap_or(&current_category)
        .to_owned();
    let level = ctx.input.str("PerformanceLevel").filter(|l| !l.is_empty());
    if level.is_some() && category != "cloud_essd" {
        return Err(ctx.spec_error(
            "InvalidPerformanceLevelParam.Mismatch",
            400,
            "The specified parameter PerformanceLevel should be null when DiskCategory is not cloud_essd.",
        ));
    }
    let level = if category == "cloud_essd" {
        level.map(str::to_owned).unwrap_or_else(|| {
            if current_level.is_empty() {
                "PL1".to_owned()
            } else {
                current_level.clone()
            }
        })
    } else {
        String::new()
    };
    if category == current_category && level == current_level {
        return Err(ctx.spec_error(
            "NoChangeInDiskCategoryAndPerformanceLevel",
            403,
            "There is no change between the parameters transmitted and the current.",
        ));
    }
    let size = disk.attrs.get("Size").and_then(Value::as_i64).unwrap_or(0);
    let level_arg = (!level.is_empty()).then_some(level.as_str());
    if disk.str("Type") == Some("system") {
        // System disks have their own size range; only the category must be known.
        check_category(ctx, &category, level_arg, 20.max(size.min(2048))).map_err(|e| {
            if e.code == "InvalidDiskSize.NotSupported" {
                pl_mismatch(ctx)
            } else {
                e
            }
        })?;
    } else {
        check_category(ctx, &category, level_arg, size).map_err(|e| {
            if e.code == "InvalidDiskSize.NotSupported" {
                pl_mismatch(ctx)
            } else {
                e
            }
        })?;
    }
    ctx.dry_run()?;
    if let Some(disk) = world.store.get_mut(DISK, disk_id) {
        disk.set("Category", category.clone());
        disk.set("PerformanceLevel", level);
        disk.set("IOPS", iops(&category, size));
    }
    let task = world
        .store
        .new_id("t-", region(ctx).unwrap_or(crate::world::DEFAULT_REGION));
    Ok(ecs_world::obj(json!({"OrderId": "", "TaskId": task})))
}

fn pl_mismatch(ctx: &Context<'_>) -> ApiError {
    ctx.spec_error(
        "OperationDenied.PerformanceLevelNotMatch",
        403,
        "The specified PerformanceLevel and disk size do not match.",
    )
}

fn modify_disk_charge_type(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let instance_id = ctx
        .input
        .str("InstanceId")
        .filter(|i| !i.is_empty())
        .ok_or_else(|| {
            ctx.spec_error(
                "MissingParameter.InstanceIdNotSupported",
                400,
                "InstanceId should not be null.",
            )
        })?;
    let tracked = world
        .get(instance_id)
        .filter(|t| region(ctx).is_none_or(|r| t.instance.region == r))
        .ok_or_else(|| {
            ctx.spec_error(
                "InvalidInstanceId.NotFound",
                400,
                "The specified InstanceId does not exist.",
            )
        })?;
    let charge = ctx.input.str("DiskChargeType").unwrap_or("PrePaid");
    if charge != "PrePaid" && charge != "PostPaid" {
        return Err(ApiError::invalid_parameter(
            "DiskChargeType",
            "must be PrePaid or PostPaid",
        ));
    }
    // Subscription disks need a subscription instance.
    if charge == "PrePaid" && tracked.ecs.str("InstanceChargeType") != Some("PrePaid") {
        return Err(ctx.spec_error(
            "ChargeTypeViolation",
            400,
            "The operation is not permitted due to charge type of the instance.",
        ));
    }
    let ids = ctx.input.ids("DiskIds");
    if ids.is_empty() {
        return Err(ApiError::missing_parameter("DiskIds"));
    }
    for id in &ids {
        let attached = world
            .store
            .get(DISK, id)
            .is_some_and(|d| d.str("InstanceId") == Some(instance_id));
        if !attached {
            return Err(ctx.spec_error(
                "InvalidDiskIds.NotFound",
                404,
                "Some of the specified data disks do not exist.",
            ));
        }
    }
    for id in &ids {
        if let Some(disk) = world.store.get_mut(DISK, id) {
            disk.set("DiskChargeType", charge);
        }
    }
    Ok(ecs_world::obj(json!({"OrderId": ""})))
}

// ----- Attributes ----------------------------------------------------------------------------

fn modify_disk_attribute(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let one = input.str("DiskId").filter(|d| !d.is_empty());
    let many = input.ids("DiskIds");
    let ids = match (one, many.is_empty()) {
        (Some(_), false) => {
            return Err(ctx.spec_error(
                "ParameterConflict.DiskIdAndDiskIds",
                400,
                "Specified parameter DiskId and DiskIds conflict, only one can be chosen.",
            ));
        }
        (Some(id), true) => vec![id.to_owned()],
        (None, false) => many,
        (None, true) => {
            return Err(ctx.spec_error(
                "MissingParameter.DiskIdOrDiskIds",
                400,
                "Specified parameter DiskId or DiskIds is missing.",
            ));
        }
    };
    let changes: Vec<(&str, Value)> = [
        ("DiskName", input.str("DiskName").map(Value::from)),
        ("Description", input.str("Description").map(Value::from)),
        (
            "DeleteWithInstance",
            input.bool("DeleteWithInstance").map(Value::from),
        ),
        (
            "DeleteAutoSnapshot",
            input.bool("DeleteAutoSnapshot").map(Value::from),
        ),
        (
            "EnableAutoSnapshot",
            input.bool("EnableAutoSnapshot").map(Value::from),
        ),
        (
            "BurstingEnabled",
            input.bool("BurstingEnabled").map(Value::from),
        ),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    if changes.is_empty() {
        return Err(ctx.spec_error(
            "NoAttributeToModify",
            400,
            "No attribute to be modified in this request.",
        ));
    }
    if let Some(name) = input.str("DiskName") {
        if !valid_text(name, 2, 128, true) {
            return Err(ctx.spec_error(
                "InvalidDiskName.Malformed",
                400,
                "The specified disk name is wrongly formed.",
            ));
        }
    }
    if let Some(description) = input.str("Description") {
        if !valid_text(description, 0, 256, false) {
            return Err(ctx.spec_error(
                "InvalidDescription.Malformed",
                404,
                "The specified description is wrongly formed.",
            ));
        }
    }
    for id in &ids {
        find_disk(world, ctx, id)?;
    }
    for id in &ids {
        if let Some(disk) = world.store.get_mut(DISK, id) {
            for (key, value) in &changes {
                disk.set(key, value.clone());
            }
        }
    }
    Ok(Map::new())
}

// ----- Contents ------------------------------------------------------------------------------

fn re_init_disk(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let disk_id = required(ctx, "DiskId")?;
    let disk = find_disk(world, ctx, disk_id)?;
    let Some(instance_id) = disk
        .str("InstanceId")
        .filter(|i| !i.is_empty())
        .map(str::to_owned)
    else {
        return Err(incorrect_disk_status(ctx));
    };
    let status = world.get(&instance_id).map(|t| t.instance.status);
    if status != Some(InstanceStatus::Stopped) {
        return Err(incorrect_instance_status(ctx));
    }
    // A disk goes back to what it was made from: its image or its snapshot.
    if disk.str("Type") == Some("system") {
        let image = disk.str("ImageId").unwrap_or_default();
        if !image.is_empty() && world.store.get(IMAGE, image).is_none() {
            return Err(ctx.spec_error(
                "InvalidDiskId.OperationNotSupported",
                404,
                "The operation is not supported due to image not exist.",
            ));
        }
    }
    let source = disk.str("SourceSnapshotId").unwrap_or_default();
    if !source.is_empty() && world.store.get(SNAPSHOT, source).is_none() {
        return Err(ctx.spec_error(
            "InvalidSourceSnapshot",
            403,
            "The snapshot which is used to create the specified disk has been deleted.",
        ));
    }
    if let Some(key_pair) = ctx.input.str("KeyPairName").filter(|k| !k.is_empty()) {
        let region = disk.region.clone();
        let known = world.store.iter(KEY_PAIR).any(|k| {
            k.in_region(&region) && (k.id == key_pair || k.str("KeyPairName") == Some(key_pair))
        });
        if !known {
            return Err(ctx.spec_error(
                "InvalidKeyPairName.NotFound",
                400,
                "The specified KeyPairName does not exist.",
            ));
        }
    }
    if ctx.input.bool("AutoStartInstance").unwrap_or(false) {
        world.begin_transition(
            &instance_id,
            InstanceStatus::Starting,
            InstanceStatus::Running,
        );
        if let Some(t) = world.get_mut(&instance_id) {
            t.ecs.set("StartTime", clock::rfc3339_minutes(ctx.now));
        }
    }
    Ok(Map::new())
}

fn reset_disk(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let disk_id = required(ctx, "DiskId")?;
    let snapshot_id = required(ctx, "SnapshotId")?;
    check_reset(world, ctx, disk_id, snapshot_id)?;
    ctx.dry_run()?;
    // The disk's contents go back to the snapshot's; nothing the describes show changes.
    Ok(Map::new())
}

/// `ResetDisks`: every `Disk.N` back to its `SnapshotId`, all checked before any is reset.
fn reset_disks(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let pairs: Vec<(String, String)> = match ctx.input.get("Disk") {
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|item| {
                let text = |key: &str| {
                    item.get(key)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                };
                (text("DiskId"), text("SnapshotId"))
            })
            .collect(),
        _ => return Err(ApiError::missing_parameter("Disk")),
    };
    for (disk, snapshot) in &pairs {
        if disk.is_empty() {
            return Err(ApiError::missing_parameter("Disk.N.DiskId"));
        }
        if snapshot.is_empty() {
            return Err(ApiError::missing_parameter("Disk.N.SnapshotId"));
        }
        check_reset(world, ctx, disk, snapshot)?;
    }
    ctx.dry_run()?;
    let progress: Vec<Value> = pairs
        .iter()
        .map(|(disk, _)| {
            json!({
                "OperationStatus": "Success",
                "ErrorCode": "",
                "ErrorMsg": "",
                "RelatedItemSet": [{"Name": "DiskId", "Value": disk}],
            })
        })
        .collect();
    Ok(ecs_world::obj(json!({"OperationProgressSet": progress})))
}

/// Whether disk `disk_id` may go back to snapshot `snapshot_id`: the snapshot is the disk's,
/// finished, and the disk is unattached or on a stopped instance.
fn check_reset(
    world: &World,
    ctx: &Context<'_>,
    disk_id: &str,
    snapshot_id: &str,
) -> Result<(), ApiError> {
    let disk = find_disk(world, ctx, disk_id)?;
    let snapshot = world
        .store
        .get(SNAPSHOT, snapshot_id)
        .filter(|s| s.region == disk.region)
        .ok_or_else(|| store::not_found(ctx, "InvalidSnapshotId.NotFound", "SnapshotId"))?;
    if snapshot.str("SourceDiskId") != Some(disk_id) {
        return Err(ctx.spec_error(
            "InvalidParameter.Mismatch",
            403,
            "The specified snapshot is not created from the specified disk.",
        ));
    }
    if snapshot.str("Status") != Some("accomplished") {
        return Err(ctx.spec_error(
            "InvalidSnapshotId.NotReady",
            403,
            "The specified snapshot has not completed yet.",
        ));
    }
    match disk.str("Status") {
        Some("Available") => {}
        Some("In_use") => {
            let stopped = disk
                .str("InstanceId")
                .and_then(|i| world.get(i))
                .is_some_and(|t| t.instance.status == InstanceStatus::Stopped);
            if !stopped {
                return Err(incorrect_instance_status(ctx));
            }
        }
        _ => return Err(incorrect_disk_status(ctx)),
    }
    Ok(())
}

fn delete_disk(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let disk_id = required(ctx, "DiskId")?;
    let disk = find_disk(world, ctx, disk_id)?;
    if disk.str("Status") != Some("Available") {
        return Err(incorrect_disk_status(ctx));
    }
    world.store.remove(DISK, disk_id);
    Ok(Map::new())
}

// ----- Describes -----------------------------------------------------------------------------

/// The rows `DescribeDisks` selects.
fn select_disks<'a>(world: &'a World, ctx: &Context<'_>) -> Result<Vec<&'a Resource>, ApiError> {
    let input = ctx.input;
    let mut query = Query::new(input)
        .ids(input.ids("DiskIds"))
        .tags(input, "Tag");
    for (param, path) in [
        ("InstanceId", "InstanceId"),
        ("ZoneId", "ZoneId"),
        ("DiskName", "DiskName"),
        ("SnapshotId", "SourceSnapshotId"),
        ("Portable", "Portable"),
        ("DeleteWithInstance", "DeleteWithInstance"),
        ("DeleteAutoSnapshot", "DeleteAutoSnapshot"),
        ("EnableAutoSnapshot", "EnableAutoSnapshot"),
        (
            "EnableAutomatedSnapshotPolicy",
            "EnableAutomatedSnapshotPolicy",
        ),
        ("AutoSnapshotPolicyId", "AutoSnapshotPolicyId"),
        ("Encrypted", "Encrypted"),
        ("DiskChargeType", "DiskChargeType"),
        ("MultiAttach", "MultiAttach"),
        ("ResourceGroupId", "ResourceGroupId"),
        ("KMSKeyId", "KMSKeyId"),
    ] {
        query = query.param(input, param, path);
    }
    match input.str("DiskType").unwrap_or("all") {
        "all" | "" => {}
        kind @ ("system" | "data") => query = query.eq("Type", Some(kind)),
        _ => {
            return Err(ctx.spec_error(
                "InvalidDiskType.ValueNotSupported",
                400,
                "The specified disk type is not supported.",
            ));
        }
    }
    // `Category=all` means every category.
    let category = input
        .str("Category")
        .filter(|c| !c.is_empty() && *c != "all");
    if let Some(category) = category {
        if !CATEGORIES.contains(&category)
            && !category.starts_with("ephemeral")
            && category != "local_ssd_pro"
        {
            return Err(ctx.spec_error(
                "InvalidCategory.ValueNotSupported",
                400,
                "The specified disk category is not supported.",
            ));
        }
    }
    let status = input.str("Status").filter(|s| !s.is_empty() && *s != "All");
    if let Some(status) = status {
        const STATUSES: &[&str] = &[
            "In_use",
            "Available",
            "Attaching",
            "Detaching",
            "Creating",
            "ReIniting",
        ];
        if !STATUSES.contains(&status) {
            return Err(ctx.spec_error(
                "InvalidStatus.ValueNotSupported",
                400,
                "The specified disk status is not supported.",
            ));
        }
    }
    let query = query.eq("Status", status).eq("Category", category);
    Ok(query.select(world.store.iter(DISK)))
}

fn describe_disks(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let rows = select_disks(world, ctx)?;
    ctx.dry_run()?;
    store::page(ctx.input, rows, "Disks", Resource::item)
}

/// The code of a disk status as `DescribeDisksFullStatus` reports it.
fn status_code(status: &str) -> i64 {
    match status {
        "In_use" => 129,
        "Available" => 0,
        "Attaching" => 1,
        "Detaching" => 2,
        "Creating" => 3,
        "ReIniting" => 4,
        _ => 5,
    }
}

fn describe_disks_full_status(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let ids = input.ids("DiskId");
    if ids.len() > 100 {
        return Err(ApiError::new(
            403,
            "DiskIdLimitExceeded",
            "At most 100 DiskId.N are allowed.",
        ));
    }
    if input
        .str("HealthStatus")
        .is_some_and(|h| !h.is_empty() && h != "Ok")
        || input.arrived("EventType")
    {
        // Every emulated disk is healthy and has no events.
        let mut out = Map::new();
        let (_, _) = super::paging::window(input, 0, &mut out)?;
        out.remove("NextToken");
        out.insert("DiskFullStatusSet".into(), json!([]));
        return Ok(out);
    }
    let query = Query::new(input)
        .ids(ids)
        .tags(input, "Tag")
        .param(input, "Status", "Status");
    let rows = query.select(world.store.iter(DISK));
    let mut out = store::page(input, rows, "DiskFullStatusSet", |d| {
        let status = d.str("Status").unwrap_or_default();
        json!({
            "DiskId": d.id,
            "InstanceId": d.str("InstanceId").unwrap_or_default(),
            "Device": d.str("Device").unwrap_or_default(),
            "Status": {"Code": status_code(status), "Name": status},
            "HealthStatus": {"Code": 0, "Name": "Ok"},
            "DiskEventSet": [],
        })
    })?;
    out.remove("NextToken");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_descriptions_are_checked_like_the_service() {
        assert!(valid_text("data-1", 2, 128, true));
        assert!(!valid_text("1data", 2, 128, true));
        assert!(!valid_text("x", 2, 128, true));
        assert!(!valid_text("http://x", 2, 128, false));
        assert!(valid_text("", 0, 256, false));
    }

    #[test]
    fn a_seeded_instance_gets_one_system_disk() {
        let mut store = crate::store::Store::default();
        let instance = crate::world::Instance::new("i-bp1seeded");
        crate::behaviour::seed_instance_record(&mut store, &instance, false);
        // Replacing the instance (admin upsert) keeps its disk instead of adding one.
        crate::behaviour::seed_instance_record(&mut store, &instance, true);
        let disks = ecs_world::disks_of(&store, "i-bp1seeded");
        assert_eq!(disks.len(), 1);
        assert_eq!(disks[0].str("Type"), Some("system"));
        assert_eq!(disks[0].str("Device"), Some("/dev/xvda"));
        assert_eq!(disks[0].attrs.get("Size"), Some(&json!(40)));
        assert_eq!(disks[0].str("CreationTime"), Some("2024-01-01T00:00:00Z"));
    }

    #[test]
    fn essd_levels_have_their_minimum_sizes() {
        assert_eq!(size_range("cloud_essd", "PL2").0, 461);
        assert_eq!(size_range("cloud_essd", "PL3").0, 1261);
        assert_eq!(size_range("cloud", "").1, 2000);
        assert!(iops("cloud_essd", 10_000) <= 50_000);
    }
}
