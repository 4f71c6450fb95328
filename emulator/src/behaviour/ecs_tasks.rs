//! Asynchronous ECS tasks and the image actions that start them: `ImportImage` and
//! `ExportImage` start a task (as `RedeployInstance` does, in `ecs_instances`);
//! `DescribeTasks`, `DescribeTaskAttribute` and `CancelTask` follow and stop it.
//!
//! A task is `Processing` for the world's transition time (tokio time, as instance transitions
//! are), then `Finished`. An imported image is `Creating` (`Progress` 0%) until its task
//! finishes, then `Available`; cancelling the import removes the image. Like the service:
//! `ImportImage` needs a disk mapping with an OSS bucket and object per disk, of format `RAW`,
//! `VHD` or `QCOW2` (from the object's suffix when `Format` is not sent,
//! `UnsupportedSuffix.OSSObject` when that says nothing); only custom `Available` images are
//! exported (`IncorrectImageStatus`), one export at a time (`ImageIsExporting`); only import
//! and export tasks that are `Processing` can be cancelled
//! (`InvalidTaskId.TaskActionNotSupport`, `InvalidTaskId.IncorrectTaskStatus`).
//!
//! Not modelled: OSS. Every bucket and object is taken to exist and nothing is read or
//! written there. A cancelled task reads `Cancelled`, a status of the emulator's own: the
//! service documents `Finished`, `Processing` and `Failed` for the tasks it lists.

use serde_json::{Map, Value, json};

use super::ecs_images::{self, Mapping, Source};
use super::ecs_world::{IMAGE, obj};
use super::{Context, Model, Outcome};
use crate::clock;
use crate::error::ApiError;
use crate::store::{self, Kind, Query, Resource};
use crate::world::World;

/// The task actions, and the image actions that start tasks.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("ImportImage", import_image),
    Model::ecs("ExportImage", export_image),
    Model::ecs("DescribeTasks", describe_tasks),
    Model::ecs("DescribeTaskAttribute", describe_task_attribute),
    Model::ecs("CancelTask", cancel_task),
];

/// Tasks (`t-…`), with their describe fields and `_ReadyAtMs` on [`clock::tick`]'s scale.
const TASK: Kind = "task";
const READY_AT: &str = "_ReadyAtMs";
/// When a task finishes: its `FinishedTime` once it has.
const FINISHES_AT: &str = "_FinishesAt";

/// Most ids one `DescribeTasks` names.
const MAX_TASK_IDS: usize = 100;
/// The disk image formats an import reads.
const IMPORT_FORMATS: [&str; 3] = ["RAW", "VHD", "QCOW2"];
/// The formats an export writes.
const EXPORT_FORMATS: [&str; 5] = ["raw", "vhd", "qcow2", "vmdk", "vdi"];
/// The size (GiB) of an imported disk whose mapping does not say.
const DEFAULT_DISK_SIZE: i64 = 40;

/// Finishes every task whose time has come (an import's image becomes `Available`).
pub(super) fn settle(world: &mut World) {
    let now = clock::tick();
    let mut imported = Vec::new();
    for task in world.store.iter_mut(TASK) {
        let due = task
            .attrs
            .get(READY_AT)
            .and_then(Value::as_u64)
            .is_some_and(|at| at <= now);
        if due && task.str("TaskStatus") == Some("Processing") {
            task.set("TaskStatus", "Finished");
            let finished = task.str(FINISHES_AT).unwrap_or_default().to_owned();
            task.set("FinishedTime", finished);
            if task.str("TaskAction") == Some("ImportImage") {
                imported.push(task.str("ResourceId").unwrap_or_default().to_owned());
            }
        }
    }
    for id in imported {
        if let Some(image) = world.store.get_mut(IMAGE, &id) {
            image.set("Status", "Available");
            image.set("Progress", "100%");
        }
    }
}

/// Starts a `Processing` task of `action` on `resource`; its id.
pub(super) fn start_task(
    world: &mut World,
    ctx: &Context<'_>,
    action: &str,
    resource: &str,
) -> String {
    let region = ctx.region();
    let id = world.store.new_id("t-", &region);
    let takes = world.transition_time;
    let ready = clock::tick_after(takes);
    let finishes = clock::shift(ctx.now, i64::try_from(takes.as_secs()).unwrap_or(i64::MAX));
    world.store.insert(
        TASK,
        &id,
        &region,
        obj(json!({
            "TaskId": id,
            "TaskAction": action,
            "ResourceId": resource,
            "TaskStatus": "Processing",
            "CreationTime": clock::rfc3339_minutes(ctx.now),
            "FinishedTime": "",
            "SupportCancel": "true",
            "RegionId": region,
            READY_AT: ready,
            FINISHES_AT: clock::rfc3339_minutes(finishes),
        })),
    );
    id
}

/// A disk of an import: its mapping as the describe shows it, and its size.
struct ImportedDisk {
    size: i64,
    format: String,
    bucket: String,
    object: String,
}

/// `DiskDeviceMapping.N`, checked: the first is the system disk.
fn imported_disks(ctx: &Context<'_>) -> Result<Vec<ImportedDisk>, ApiError> {
    let mappings = match ctx.input.get("DiskDeviceMapping") {
        Some(Value::Array(items)) if !items.is_empty() => items,
        _ => return Err(ApiError::missing_parameter("DiskDeviceMapping")),
    };
    let mut disks = Vec::with_capacity(mappings.len());
    for mapping in mappings {
        let text = |key: &str| mapping.get(key).and_then(Value::as_str).unwrap_or_default();
        let (bucket, object) = (text("OSSBucket"), text("OSSObject"));
        if bucket.is_empty() {
            return Err(ApiError::missing_parameter("DiskDeviceMapping.N.OSSBucket"));
        }
        if object.is_empty() {
            return Err(ApiError::missing_parameter("DiskDeviceMapping.N.OSSObject"));
        }
        let format = match text("Format") {
            "" => {
                let suffix = object.rsplit_once('.').map(|(_, s)| s.to_ascii_uppercase());
                match suffix.filter(|s| IMPORT_FORMATS.contains(&s.as_str())) {
                    Some(format) => format,
                    None => {
                        return Err(ctx.spec_error(
                            "UnsupportedSuffix.OSSObject",
                            400,
                            "The suffix of the OSS object names no image format; send Format.",
                        ));
                    }
                }
            }
            format if IMPORT_FORMATS.contains(&format.to_ascii_uppercase().as_str()) => {
                format.to_ascii_uppercase()
            }
            _ => {
                return Err(ctx.spec_error(
                    "InvalidImageFormat.Malformed",
                    400,
                    "The specified image format is wrongly formed.",
                ));
            }
        };
        let size = ["DiskImageSize", "DiskImSize"]
            .iter()
            .find_map(|key| mapping.get(*key).and_then(Value::as_i64))
            .unwrap_or(DEFAULT_DISK_SIZE);
        if !(5..=2048).contains(&size) {
            return Err(ctx.spec_error(
                if disks.is_empty() {
                    "InvalidImageSize"
                } else {
                    "InvalidDataDiskSize"
                },
                400,
                "An imported disk is 5 to 2,048 GiB.",
            ));
        }
        disks.push(ImportedDisk {
            size,
            format,
            bucket: bucket.to_owned(),
            object: object.to_owned(),
        });
    }
    Ok(disks)
}

/// `ImportImage`'s `OSType` and `BootMode`, checked; the OS type in lower case.
fn check_import_facts(ctx: &Context<'_>) -> Result<String, ApiError> {
    let input = ctx.input;
    let os_type = input.str("OSType").unwrap_or("linux").to_ascii_lowercase();
    if os_type != "linux" && os_type != "windows" {
        return Err(ctx.spec_error(
            "InvalidOSType.Malformed",
            400,
            "The specified OSType is wrongly formed.",
        ));
    }
    if let Some(mode) = input.str("BootMode") {
        if !["BIOS", "UEFI", "UEFI-Preferred"].contains(&mode) {
            return Err(ctx.spec_error(
                "InvalidBootMode.Malformed",
                400,
                "The specified BootMode is wrongly formed.",
            ));
        }
    }
    Ok(os_type)
}

fn import_image(world: &mut World, ctx: &Context<'_>) -> Outcome {
    if let Some(answer) = ctx.replay(world)? {
        return Ok(answer);
    }
    let input = ctx.input;
    let region = ctx.region();
    let (description, architecture) = ecs_images::check_new_image(world, ctx, &region)?;
    let os_type = check_import_facts(ctx)?;
    let disks = imported_disks(ctx)?;
    super::ecs_disks::check_tags(ctx)?;
    ctx.dry_run()?;

    let platform = input.str("Platform").filter(|p| !p.is_empty()).map_or_else(
        || {
            if os_type == "windows" {
                "Others Windows".to_owned()
            } else {
                "Others Linux".to_owned()
            }
        },
        str::to_owned,
    );
    let source = Source {
        mappings: disks
            .iter()
            .enumerate()
            .map(|(n, disk)| Mapping {
                device: format!(
                    "/dev/xvd{}",
                    char::from(b'a'.saturating_add(u8::try_from(n).unwrap_or(u8::MAX)))
                ),
                size: disk.size,
                snapshot: String::new(),
                kind: if n == 0 { "system" } else { "data" },
            })
            .collect(),
        os_type,
        os_name: platform.clone(),
        platform,
    };
    let id = world.store.new_id("m-", &region);
    let mut record = ecs_images::custom_image(ctx, &id, &source, architecture, description);
    record.insert("Status".into(), json!("Creating"));
    record.insert("Progress".into(), json!("0%"));
    if let Some(Value::Array(mappings)) = record.get_mut("DiskDeviceMappings") {
        for (mapping, disk) in mappings.iter_mut().zip(&disks) {
            mapping["Format"] = json!(disk.format);
            mapping["ImportOSSBucket"] = json!(disk.bucket);
            mapping["ImportOSSObject"] = json!(disk.object);
            mapping["Progress"] = json!("0%");
        }
    }
    let row = world.store.insert(IMAGE, &id, &region, record);
    store::apply_tags(&mut row.tags, input, "Tag");
    let task = start_task(world, ctx, "ImportImage", &id);
    let out = obj(json!({"ImageId": id, "RegionId": region, "TaskId": task}));
    ctx.remember(world, &out);
    Ok(out)
}

/// An `OSSPrefix`: 1 to 30 letters and digits.
fn valid_prefix(prefix: &str) -> bool {
    (1..=30).contains(&prefix.len()) && prefix.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Whether a task of `action` on `resource` is still `Processing`.
fn running(world: &World, action: &str, resource: &str) -> bool {
    world.store.iter(TASK).any(|t| {
        t.str("TaskAction") == Some(action)
            && t.str("ResourceId") == Some(resource)
            && t.str("TaskStatus") == Some("Processing")
    })
}

fn export_image(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let id = input.str("ImageId").unwrap_or_default();
    let image = ecs_images::find_image(world, ctx, id)?;
    if ecs_images::is_system(image) || image.attrs.get("IsPublic") == Some(&Value::Bool(true)) {
        return Err(ctx.spec_error(
            "ImageNotSupported",
            400,
            "Only custom images can be exported.",
        ));
    }
    if image.str("Status") != Some("Available") {
        return Err(ctx.spec_error(
            "IncorrectImageStatus",
            400,
            "The specified Image is not available.",
        ));
    }
    if let Some(format) = input.str("ImageFormat") {
        if !EXPORT_FORMATS.contains(&format.to_ascii_lowercase().as_str()) {
            return Err(ctx.spec_error(
                "InvalidImageFormat.Malformed",
                400,
                "The specified Image Format is wrongly formed.",
            ));
        }
    }
    if input.str("OSSPrefix").is_some_and(|p| !valid_prefix(p)) {
        return Err(ctx.spec_error(
            "InvalidOSSPrefix.Malformed",
            400,
            "The specified OSS prefix is wrongly formed.",
        ));
    }
    if running(world, "ExportImage", id) {
        return Err(ctx.spec_error("ImageIsExporting", 403, "The specified Image is exporting."));
    }
    ctx.dry_run()?;
    let id = id.to_owned();
    let task = start_task(world, ctx, "ExportImage", &id);
    Ok(obj(json!({"RegionId": ctx.region(), "TaskId": task})))
}

fn task_not_found(ctx: &Context<'_>) -> ApiError {
    store::not_found(ctx, "InvalidTaskId.NotFound", "task")
}

/// A `StartTime`/`EndTime` bound, or `InvalidParameter` naming it.
fn time_bound(ctx: &Context<'_>, name: &str) -> Result<Option<std::time::SystemTime>, ApiError> {
    match ctx.input.str(name).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => clock::parse_record_time(text)
            .map(Some)
            .ok_or_else(|| ApiError::invalid_parameter(name, "expected YYYY-MM-DDThh:mmZ")),
    }
}

/// A task's `CreationTime` as a time.
fn created(task: &Resource) -> Option<std::time::SystemTime> {
    clock::parse_record_time(task.str("CreationTime")?)
}

fn describe_tasks(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let ids = input.ids("TaskIds");
    if ids.len() > MAX_TASK_IDS {
        return Err(ApiError::invalid_parameter(
            "TaskIds",
            "names at most 100 task ids",
        ));
    }
    let resources = input.ids("ResourceIds");
    let (start, end) = (time_bound(ctx, "StartTime")?, time_bound(ctx, "EndTime")?);
    let query = Query::new(input)
        .ids(ids)
        .param(input, "TaskAction", "TaskAction")
        .param(input, "TaskStatus", "TaskStatus");
    let rows: Vec<&Resource> = query
        .select(world.store.iter(TASK))
        .into_iter()
        .filter(|t| {
            resources.is_empty() || resources.iter().any(|r| t.str("ResourceId") == Some(r))
        })
        .filter(|t| {
            let at = created(t);
            start.is_none_or(|s| at.is_some_and(|a| a >= s))
                && end.is_none_or(|e| at.is_some_and(|a| a <= e))
        })
        .collect();
    let mut out = store::page(input, rows, "TaskSet", |t| t.item())?;
    out.insert("RegionId".into(), json!(ctx.region()));
    Ok(out)
}

fn describe_task_attribute(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("TaskId").unwrap_or_default();
    let task = world
        .store
        .find(TASK, &ctx.region(), id, || task_not_found(ctx))?;
    let status = task.str("TaskStatus").unwrap_or_default();
    let done = status == "Finished";
    let mut out = task.item().as_object().cloned().unwrap_or_default();
    out.insert(
        "TaskProcess".into(),
        json!(if done { "100%" } else { "0%" }),
    );
    out.insert("TotalCount".into(), json!(1));
    out.insert("SuccessCount".into(), json!(i64::from(done)));
    out.insert("FailedCount".into(), json!(0));
    let operation = match status {
        "Finished" => "Success",
        "Cancelled" => "Failed",
        _ => "Processing",
    };
    let resource_kind = if task.str("TaskAction") == Some("RedeployInstance") {
        "InstanceId"
    } else {
        "ImageId"
    };
    out.insert(
        "OperationProgressSet".into(),
        json!([{
            "OperationStatus": operation,
            "ErrorCode": "",
            "ErrorMsg": "",
            "RelatedItemSet": [{"Name": resource_kind, "Value": task.str("ResourceId")}],
        }]),
    );
    Ok(out)
}

fn cancel_task(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("TaskId").unwrap_or_default().to_owned();
    let task = world
        .store
        .find(TASK, &ctx.region(), &id, || task_not_found(ctx))?;
    let action = task.str("TaskAction").unwrap_or_default().to_owned();
    if action != "ImportImage" && action != "ExportImage" {
        return Err(ctx.spec_error(
            "InvalidTaskId.TaskActionNotSupport",
            403,
            "Only ImportImage and ExportImage tasks can be cancelled.",
        ));
    }
    if task.str("TaskStatus") != Some("Processing") {
        return Err(ctx.spec_error(
            "InvalidTaskId.IncorrectTaskStatus",
            403,
            "The specified task status is invalid.",
        ));
    }
    let resource = task.str("ResourceId").unwrap_or_default().to_owned();
    if let Some(task) = world.store.get_mut(TASK, &id) {
        task.set("TaskStatus", "Cancelled");
        task.set("SupportCancel", "false");
        task.set("FinishedTime", clock::rfc3339_minutes(ctx.now));
    }
    if action == "ImportImage" {
        world.store.remove(IMAGE, &resource);
    }
    Ok(Map::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_prefixes() {
        assert!(valid_prefix("exports2026"));
        assert!(!valid_prefix(""));
        assert!(!valid_prefix("with/slash"));
        assert!(!valid_prefix(&"a".repeat(31)));
    }
}
