//! ECS images: the public images every region offers (preloaded, read-only) and custom
//! images made from an instance, a snapshot or a set of disk mappings; their attributes,
//! sharing with other accounts, copies to other regions, families, and deletion.
//!
//! Rules the service applies and the emulator keeps:
//! - an unknown image is `InvalidImageId.NotFound`; public images cannot be changed, shared or
//!   deleted (`ImageIsPublic`, `Image.Public`);
//! - a custom image name is unique in its region (`InvalidImageName.Duplicated`) and may not
//!   start with `aliyun`, `acs:`, `http://` or `https://`;
//! - `CreateImage` from an instance snapshots each of its disks; the image is `Available` at
//!   once (no `Creating` phase), and its snapshots cannot be deleted while it exists;
//! - an image in use by an instance is deleted only with `Force` (`ImageUsingByInstance`);
//!   a shared image is not deleted (`ImageUseShared`);
//! - a `CopyImage` copy is `Creating` in the destination region for the world's transition
//!   time (tokio time), then `Available`; `CancelCopyImage` removes an unfinished copy. A copy
//!   settles when any modelled action runs after its time has come.

use serde_json::{Map, Value, json};

use super::ecs_data::{self, INSTANCE_TYPES};
use super::ecs_disks::{self, region, required, valid_text};
use super::ecs_snapshots::{self, SnapshotSpec};
use super::ecs_world::{self, IMAGE, SNAPSHOT};
use super::{Context, Model, Outcome, ecs_image_builder, ecs_tasks};
use crate::clock;
use crate::error::ApiError;
use crate::store::{self, Kind, Query, Resource};
use crate::world::{InstanceStatus, World};

/// The image actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("CreateImage", create_image),
    Model::ecs("DeleteImage", delete_image),
    Model::ecs("DescribeImages", describe_images),
    Model::ecs("ModifyImageAttribute", modify_image_attribute),
    Model::ecs("ModifyImageSharePermission", modify_image_share_permission),
    Model::ecs(
        "DescribeImageSharePermission",
        describe_image_share_permission,
    ),
    Model::ecs(
        "ModifyImageShareGroupPermission",
        modify_image_share_group_permission,
    ),
    Model::ecs("CopyImage", copy_image),
    Model::ecs("CancelCopyImage", cancel_copy_image),
    Model::ecs("DescribeImageFromFamily", describe_image_from_family),
    Model::ecs(
        "DescribeImageSupportInstanceTypes",
        describe_image_support_instance_types,
    ),
];

/// The accounts an image is shared with (one row per shared image, id = image id; kept apart
/// so the describe item carries only the service's fields).
const IMAGE_SHARE: Kind = "image-share";
/// Unfinished image copies (id = the copy's image id, `ReadyAtMs` on [`clock::tick`]'s scale).
const IMAGE_COPY: Kind = "image-copy";

/// Most accounts one image is shared with.
const MAX_SHARED_ACCOUNTS: usize = 10;

/// Makes every copy, import and image build whose time has come `Available` (before every
/// modelled action, so a launch sees them as a describe would).
pub(super) fn settle_images(world: &mut World) {
    settle_copies(world);
    ecs_tasks::settle(world);
    ecs_image_builder::settle(world);
}

/// Makes every copy whose time has come `Available`.
fn settle_copies(world: &mut World) {
    let now = clock::tick();
    let done: Vec<String> = world
        .store
        .iter(IMAGE_COPY)
        .filter(|c| {
            c.attrs
                .get("ReadyAtMs")
                .and_then(Value::as_u64)
                .is_some_and(|at| at <= now)
        })
        .map(|c| c.id.clone())
        .collect();
    for id in done {
        world.store.remove(IMAGE_COPY, &id);
        if let Some(image) = world.store.get_mut(IMAGE, &id) {
            image.set("Status", "Available");
            image.set("Progress", "100%");
        }
    }
}

fn not_found(ctx: &Context<'_>) -> ApiError {
    ctx.spec_error(
        "InvalidImageId.NotFound",
        404,
        "The specified ImageId does not exist.",
    )
}

/// The image `id` visible in the request's region, or `InvalidImageId.NotFound`.
pub(super) fn find_image<'a>(
    world: &'a World,
    ctx: &Context<'_>,
    id: &str,
) -> Result<&'a Resource, ApiError> {
    world
        .store
        .get(IMAGE, id)
        .filter(|i| region(ctx).is_none_or(|r| i.in_region(r)))
        .ok_or_else(|| not_found(ctx))
}

/// Whether `image` is one of the preloaded public images.
pub(super) fn is_system(image: &Resource) -> bool {
    image.str("ImageOwnerAlias") == Some("system")
}

/// The accounts `image_id` is shared with.
fn shared_accounts(world: &World, image_id: &str) -> Vec<Value> {
    world
        .store
        .get(IMAGE_SHARE, image_id)
        .and_then(|s| s.attrs.get("Accounts"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// Whether some instance runs `image_id`.
fn in_use(world: &World, image_id: &str) -> bool {
    world.iter().any(|t| t.ecs.str("ImageId") == Some(image_id))
}

/// Checks a custom image name and that no other image of `region` has it.
fn check_image_name(
    world: &World,
    ctx: &Context<'_>,
    region: &str,
    name: &str,
    except: Option<&str>,
) -> Result<(), ApiError> {
    let reserved = ["aliyun", "acs:", "http://", "https://"]
        .iter()
        .any(|p| name.starts_with(p));
    if reserved || !valid_text(name, 2, 128, true) {
        return Err(ctx.spec_error(
            "InvalidImageName.Malformed",
            400,
            "The specified Image name is wrongly formed.",
        ));
    }
    let taken = world.store.iter(IMAGE).any(|i| {
        i.region == region && i.str("ImageName") == Some(name) && Some(i.id.as_str()) != except
    });
    if taken {
        return Err(ctx.spec_error(
            "InvalidImageName.Duplicated",
            400,
            "The specified Image name has already bean used.",
        ));
    }
    Ok(())
}

fn check_family(ctx: &Context<'_>, family: &str) -> Result<(), ApiError> {
    if !family.is_empty()
        && (family.starts_with("acs:")
            || family.starts_with("aliyun")
            || !valid_text(family, 2, 128, true))
    {
        return Err(ctx.spec_error(
            "InvalidImageFamily.Malformed",
            400,
            "The format of the specified image family is invalid.",
        ));
    }
    Ok(())
}

/// One disk of a new image: device, size, snapshot (none for an imported disk),
/// `system`/`data`.
pub(super) struct Mapping {
    pub(super) device: String,
    pub(super) size: i64,
    pub(super) snapshot: String,
    pub(super) kind: &'static str,
}

/// What an image is made of: its disks and the OS its system disk carries.
pub(super) struct Source {
    pub(super) mappings: Vec<Mapping>,
    pub(super) os_type: String,
    pub(super) os_name: String,
    pub(super) platform: String,
}

/// The OS of public or custom image `image_id` (Linux when unknown).
pub(super) fn os_of(world: &World, image_id: &str) -> (String, String, String) {
    match world.store.get(IMAGE, image_id) {
        Some(i) => (
            i.str("OSType").unwrap_or("linux").to_owned(),
            i.str("OSName").unwrap_or_default().to_owned(),
            i.str("Platform").unwrap_or_default().to_owned(),
        ),
        None => ("linux".into(), String::new(), String::new()),
    }
}

/// The disks and OS of a `CreateImage` from an instance: each of its disks is snapshotted.
fn source_from_instance(
    world: &mut World,
    ctx: &Context<'_>,
    region: &str,
    id: &str,
) -> Result<Source, ApiError> {
    let (status, _) = ecs_disks::find_instance(world, ctx, id)?;
    if !matches!(status, InstanceStatus::Running | InstanceStatus::Stopped) {
        return Err(ctx.spec_error(
            "IncorrectInstanceStatus",
            400,
            "The current status of the instance does not support this operation.",
        ));
    }
    let disks: Vec<Resource> = ecs_world::disks_of(&world.store, id)
        .into_iter()
        .cloned()
        .collect();
    let Some(system) = disks.iter().find(|d| d.str("Type") == Some("system")) else {
        return Err(ctx.spec_error(
            "InvalidInstance.NotFoundSystemDisk",
            400,
            "The specified instance does not have system disk.",
        ));
    };
    let image_id = world
        .get(id)
        .and_then(|t| t.ecs.str("ImageId"))
        .or(system.str("ImageId"))
        .unwrap_or_default()
        .to_owned();
    let (os_type, os_name, platform) = os_of(world, &image_id);
    let mut mappings = Vec::new();
    for disk in &disks {
        let system = disk.str("Type") == Some("system");
        let size = disk.attrs.get("Size").and_then(Value::as_i64).unwrap_or(0);
        let spec = SnapshotSpec {
            region,
            name: "",
            description: "",
            disk_id: &disk.id,
            disk_size: size,
            disk_type: if system { "System" } else { "Data" },
            encrypted: disk
                .attrs
                .get("Encrypted")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            usage: "image",
            category: "standard",
            retention_days: None,
            source_region: "",
            source_snapshot: "",
        };
        let snapshot = ecs_snapshots::make_snapshot(&mut world.store, &spec, ctx.now);
        mappings.push(Mapping {
            device: disk.str("Device").unwrap_or_default().to_owned(),
            size,
            snapshot,
            kind: if system { "system" } else { "data" },
        });
    }
    Ok(Source {
        mappings,
        os_type,
        os_name,
        platform,
    })
}

/// The snapshot `id` of `region` for a new image: it must be `accomplished`.
fn image_snapshot(
    world: &World,
    ctx: &Context<'_>,
    region: &str,
    id: &str,
) -> Result<(i64, String), ApiError> {
    let snap = world.store.find(SNAPSHOT, region, id, || {
        store::not_found(ctx, "InvalidSnapshotId.NotFound", "SnapshotId")
    })?;
    if snap.str("Status") != Some("accomplished") {
        return Err(ctx.spec_error(
            "InvalidSnapshotId.NotReady",
            403,
            "The current status of the snapshot does not support this operation.",
        ));
    }
    let size = snap
        .attrs
        .get("SourceDiskSize")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    // The OS is the one the snapshot's disk was made from, when that disk still exists.
    let image = snap
        .str("SourceDiskId")
        .and_then(|d| world.store.get(ecs_world::DISK, d))
        .and_then(|d| d.str("ImageId"))
        .unwrap_or_default()
        .to_owned();
    Ok((size, image))
}

/// The disks of a `CreateImage` from `SnapshotId` or `DiskDeviceMapping.N`.
fn source_from_snapshots(
    world: &World,
    ctx: &Context<'_>,
    region: &str,
) -> Result<Source, ApiError> {
    let mut mappings = Vec::new();
    let mut image = String::new();
    if let Some(id) = ctx.input.str("SnapshotId").filter(|s| !s.is_empty()) {
        let (size, from) = image_snapshot(world, ctx, region, id)?;
        image = from;
        mappings.push(Mapping {
            device: "/dev/xvda".into(),
            size,
            snapshot: id.to_owned(),
            kind: "system",
        });
    } else if let Some(Value::Array(items)) = ctx.input.get("DiskDeviceMapping") {
        for (n, item) in items.iter().enumerate() {
            let text = |key: &str| {
                item.get(key)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
            };
            let kind = match text("DiskType") {
                Some("system") => "system",
                Some("data") => "data",
                None if n == 0 => "system",
                None => "data",
                Some(_) => {
                    return Err(ctx.spec_error(
                        "InvalidDiskType.ValueNotSupported",
                        400,
                        "The specified disk type is not supported.",
                    ));
                }
            };
            let (mut size, snapshot) = match text("SnapshotId") {
                Some(id) => {
                    let (size, from) = image_snapshot(world, ctx, region, id)?;
                    if kind == "system" {
                        image = from;
                    }
                    (size, id.to_owned())
                }
                None => (0, String::new()),
            };
            if let Some(asked) = item.get("Size").and_then(Value::as_i64) {
                if asked < size || !(5..=32768).contains(&asked) {
                    return Err(ctx.spec_error(
                        "InvalidSize.ValueNotSupported",
                        400,
                        "The specified parameter DiskDeviceMapping.n.Size beyond the permitted range.",
                    ));
                }
                size = asked;
            }
            let device = match text("Device") {
                Some(d) => d.to_owned(),
                None => format!(
                    "/dev/xvd{}",
                    (b'a' + u8::try_from(n.min(25)).unwrap_or(25)) as char
                ),
            };
            if mappings.iter().any(|m: &Mapping| m.device == device) {
                return Err(ctx.spec_error(
                    "InvalidDevice.InUse",
                    400,
                    "The specified parameter DiskDeviceMapping.n.Device has been occupied.",
                ));
            }
            mappings.push(Mapping {
                device,
                size,
                snapshot,
                kind,
            });
        }
        if !mappings
            .iter()
            .any(|m| m.kind == "system" && !m.snapshot.is_empty())
        {
            return Err(ctx.spec_error(
                "OperationDenied",
                403,
                "The specified parameter DiskDeviceMapping.n.SnapshotId does not contain system disk snapshot.",
            ));
        }
    }
    let (os_type, os_name, mut platform) = os_of(world, &image);
    if let Some(asked) = ctx.input.str("Platform").filter(|p| !p.is_empty()) {
        platform = asked.to_owned();
    }
    Ok(Source {
        mappings,
        os_type,
        os_name,
        platform,
    })
}

fn create_image(world: &mut World, ctx: &Context<'_>) -> Outcome {
    if let Some(answer) = ctx.replay(world)? {
        return Ok(answer);
    }
    let input = ctx.input;
    let region = ctx.region();
    ecs_world::ensure_region(&mut world.store, &region);
    let instance = input.str("InstanceId").filter(|i| !i.is_empty());
    let from_snapshots = input.str("SnapshotId").is_some_and(|s| !s.is_empty())
        || input
            .get("DiskDeviceMapping")
            .is_some_and(|v| v.as_array().is_some_and(|a| !a.is_empty()));
    if instance.is_none() && !from_snapshots {
        return Err(ctx.spec_error(
            "MissingParameter",
            400,
            "The input parameter SnapshotId or InstanceId or DiskDeviceMapping that is mandatory for processing this request is not supplied.",
        ));
    }
    let (description, architecture) = check_new_image(world, ctx, &region)?;
    check_family(ctx, input.str("ImageFamily").unwrap_or_default())?;
    ecs_disks::check_tags(ctx)?;
    // Every check passed before any snapshot is made (from an instance, snapshots are made).
    let source = match instance {
        Some(id) if !from_snapshots => source_from_instance(world, ctx, &region, id)?,
        _ => source_from_snapshots(world, ctx, &region)?,
    };
    let id = world.store.new_id("m-", &region);
    let record = custom_image(ctx, &id, &source, architecture, description);
    let row = world.store.insert(IMAGE, &id, &region, record);
    store::apply_tags(&mut row.tags, input, "Tag");
    for m in &source.mappings {
        if let Some(snap) = world.store.get_mut(SNAPSHOT, &m.snapshot) {
            snap.set("Usage", "image");
        }
    }
    let out = ecs_world::obj(json!({"ImageId": id}));
    ctx.remember(world, &out);
    Ok(out)
}

/// The name, description and architecture of a new custom image (`CreateImage`,
/// `ImportImage`), checked: the description and architecture (`x86_64` when not sent).
pub(super) fn check_new_image<'a>(
    world: &World,
    ctx: &Context<'a>,
    region: &str,
) -> Result<(&'a str, &'a str), ApiError> {
    let input = ctx.input;
    if let Some(name) = input.str("ImageName").filter(|n| !n.is_empty()) {
        check_image_name(world, ctx, region, name, None)?;
    }
    let description = input.str("Description").unwrap_or_default();
    if !valid_text(description, 0, 256, false) {
        return Err(ctx.spec_error(
            "InvalidDescription.Malformed",
            400,
            "The specified description is wrongly formed.",
        ));
    }
    let architecture = input.str("Architecture").unwrap_or("x86_64");
    if !["x86_64", "i386", "arm64"].contains(&architecture) {
        return Err(ctx.spec_error(
            "InvalidArchitecture.Malformed",
            400,
            "The specified Architecture is wrongly formed.",
        ));
    }
    Ok((description, architecture))
}

/// What a new custom image says of itself beyond its disks.
pub(super) struct ImageFacts<'a> {
    pub(super) name: &'a str,
    pub(super) description: &'a str,
    pub(super) architecture: &'a str,
    pub(super) family: &'a str,
    pub(super) version: &'a str,
    pub(super) boot_mode: &'a str,
    pub(super) resource_group: &'a str,
    pub(super) created: std::time::SystemTime,
}

/// The record of new custom image `id` made of `source`, `Available` (an import changes what
/// differs). Name, family, version, boot mode and resource group come from the request.
pub(super) fn custom_image(
    ctx: &Context<'_>,
    id: &str,
    source: &Source,
    architecture: &str,
    description: &str,
) -> Map<String, Value> {
    let input = ctx.input;
    let facts = ImageFacts {
        name: input
            .str("ImageName")
            .filter(|n| !n.is_empty())
            .unwrap_or(id),
        description,
        architecture,
        family: input.str("ImageFamily").unwrap_or_default(),
        version: input.str("ImageVersion").unwrap_or_default(),
        boot_mode: input.str("BootMode").unwrap_or("BIOS"),
        resource_group: input.str("ResourceGroupId").unwrap_or_default(),
        created: ctx.now,
    };
    image_record(id, source, &facts)
}

/// The record of new custom image `id` made of `source`, as `facts` describe it.
pub(super) fn image_record(
    id: &str,
    source: &Source,
    facts: &ImageFacts<'_>,
) -> Map<String, Value> {
    let size = source
        .mappings
        .iter()
        .find(|m| m.kind == "system")
        .map_or(0, |m| m.size);
    let mappings: Vec<Value> = source
        .mappings
        .iter()
        .map(|m| {
            json!({
                "Device": m.device, "Size": m.size, "SnapshotId": m.snapshot, "Type": m.kind,
                "Format": "", "ImportOSSBucket": "", "ImportOSSObject": "", "Progress": "100%",
                "RemainTime": 0,
            })
        })
        .collect();
    ecs_world::obj(json!({
        "ImageId": id,
        "ImageName": facts.name,
        "ImageFamily": facts.family,
        "ImageVersion": facts.version,
        "ImageOwnerAlias": "self",
        "ImageOwnerId": 0,
        "IsPublic": false,
        "IsCopied": false,
        "IsSelfShared": "False",
        "IsSubscribed": false,
        "IsSupportCloudinit": true,
        "IsSupportIoOptimized": true,
        "LoginAsNonRootSupported": false,
        "OSType": source.os_type,
        "OSName": source.os_name,
        "OSNameEn": source.os_name,
        "Platform": source.platform,
        "Architecture": facts.architecture,
        "BootMode": facts.boot_mode,
        "Size": size,
        "Status": "Available",
        "Progress": "100%",
        "Usage": "none",
        "Description": facts.description,
        "ResourceGroupId": facts.resource_group,
        "ProductCode": "",
        "SupplierName": "",
        "CreationTime": clock::rfc3339(facts.created),
        "DiskDeviceMappings": mappings,
    }))
}

/// Removes image `id`; its snapshots stay (no longer used by an image).
fn remove_image(world: &mut World, id: &str) {
    let snapshots: Vec<String> = world
        .store
        .get(IMAGE, id)
        .and_then(|i| i.attrs.get("DiskDeviceMappings"))
        .and_then(Value::as_array)
        .map(|maps| {
            maps.iter()
                .filter_map(|m| {
                    m.get("SnapshotId")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default();
    world.store.remove(IMAGE, id);
    world.store.remove(IMAGE_SHARE, id);
    world.store.remove(IMAGE_COPY, id);
    for snapshot in snapshots {
        if !ecs_snapshots::used_by_image(&world.store, &snapshot) {
            if let Some(snap) = world.store.get_mut(SNAPSHOT, &snapshot) {
                snap.set("Usage", "none");
            }
        }
    }
}

fn delete_image(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = required(ctx, "ImageId")?;
    let image = find_image(world, ctx, id)?;
    if is_system(image) || image.attrs.get("IsPublic") == Some(&Value::Bool(true)) {
        return Err(ctx.spec_error(
            "ImageIsPublic",
            403,
            "You can not delete public image, please modify it to private.",
        ));
    }
    if world.store.get(IMAGE_COPY, id).is_some() {
        return Err(ctx.spec_error("OperationDenied.ImageCopying", 403, "The Image is coping."));
    }
    if !shared_accounts(world, id).is_empty() {
        return Err(ctx.spec_error(
            "ImageUseShared",
            403,
            "The specified image has been shared to others.",
        ));
    }
    if in_use(world, id) && !ctx.input.bool("Force").unwrap_or(false) {
        return Err(ctx.spec_error(
            "ImageUsingByInstance",
            403,
            "The specified image has been used to create instances.",
        ));
    }
    remove_image(world, id);
    Ok(Map::new())
}

/// The describe item of `image`, with `Usage` as it is now.
fn image_item(world: &World, image: &Resource) -> Value {
    let mut item = image.item();
    if !is_system(image) {
        item["Usage"] = json!(if in_use(world, &image.id) {
            "instance"
        } else {
            "none"
        });
    }
    item
}

fn describe_images(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let region = ctx.region();
    ecs_world::ensure_region(&mut world.store, &region);
    let ids: Vec<String> = input
        .str("ImageId")
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let mut query = Query::new(input).ids(ids).tags(input, "Tag");
    for (param, path) in [
        ("ImageName", "ImageName"),
        ("ImageFamily", "ImageFamily"),
        ("Architecture", "Architecture"),
        ("IsSupportIoOptimized", "IsSupportIoOptimized"),
        ("IsSupportCloudinit", "IsSupportCloudinit"),
        ("IsPublic", "IsPublic"),
        ("ResourceGroupId", "ResourceGroupId"),
    ] {
        query = query.param(input, param, path);
    }
    let owner = input.str("ImageOwnerAlias").filter(|o| !o.is_empty());
    if let Some(owner) = owner {
        if !["system", "self", "others", "marketplace"].contains(&owner) {
            return Err(ctx.spec_error(
                "InvalidImageOwnerAlias.ValueNotSupported",
                400,
                "The specified ImageOwnerAlias value is not supported.",
            ));
        }
    }
    let os_type = input
        .str("OSType")
        .filter(|o| !o.is_empty())
        .map(str::to_ascii_lowercase);
    if os_type
        .as_deref()
        .is_some_and(|o| o != "linux" && o != "windows")
    {
        return Err(ctx.spec_error("InvalidOSType", 404, "The specified OSType is not valid."));
    }
    let usage = input.str("Usage").filter(|u| !u.is_empty());
    if usage.is_some_and(|u| u != "instance" && u != "none") {
        return Err(ctx.spec_error("InvalidUsage", 404, "The specified Usage is not valid."));
    }
    if let Some(ty) = input.str("InstanceType").filter(|t| !t.is_empty()) {
        if ecs_data::instance_type(ty).is_none() {
            return Err(ctx.spec_error(
                "InvalidInstanceType.ValueNotSupported",
                400,
                "The specified InstanceType does not exist or beyond the permitted range.",
            ));
        }
    }
    // `Status` takes several values, comma-separated (default `Available`).
    let statuses: Vec<&str> = input
        .str("Status")
        .unwrap_or("Available")
        .split(',')
        .map(str::trim)
        .collect();
    let snapshot = input.str("SnapshotId").filter(|s| !s.is_empty());
    let query = query
        .eq("ImageOwnerAlias", owner)
        .eq("OSType", os_type.as_deref());
    let rows: Vec<&Resource> = query
        .select(world.store.iter(IMAGE))
        .into_iter()
        .filter(|i| statuses.iter().any(|s| i.str("Status") == Some(s)))
        .filter(|i| {
            usage.is_none_or(|u| {
                let used = if is_system(i) {
                    true
                } else {
                    in_use(world, &i.id)
                };
                (u == "instance") == used
            })
        })
        .filter(|i| {
            snapshot.is_none_or(|s| {
                i.attrs
                    .get("DiskDeviceMappings")
                    .and_then(Value::as_array)
                    .is_some_and(|maps| {
                        maps.iter()
                            .any(|m| m.get("SnapshotId").and_then(Value::as_str) == Some(s))
                    })
            })
        })
        .collect();
    ctx.dry_run()?;
    let mut out = store::page(input, rows, "Images", |i| image_item(world, i))?;
    out.remove("NextToken");
    out.insert("RegionId".into(), json!(region));
    Ok(out)
}

/// The custom image `id` of the request's region (public images are refused with `public`).
fn own_image<'a>(
    world: &'a World,
    ctx: &Context<'_>,
    id: &str,
    public: ApiError,
) -> Result<&'a Resource, ApiError> {
    let image = find_image(world, ctx, id)?;
    if is_system(image) {
        return Err(public);
    }
    Ok(image)
}

fn modify_image_attribute(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = required(ctx, "ImageId")?;
    let input = ctx.input;
    let image = own_image(world, ctx, id, not_found(ctx))?;
    let region = image.region.clone();
    let status = image.str("Status").unwrap_or_default().to_owned();
    if let Some(name) = input.str("ImageName") {
        check_image_name(world, ctx, &region, name, Some(id))?;
    }
    if input
        .str("Description")
        .is_some_and(|d| !valid_text(d, 0, 256, false))
    {
        return Err(ctx.spec_error(
            "InvalidDescription.Malformed",
            400,
            "The specified description is wrongly formed.",
        ));
    }
    if let Some(family) = input.str("ImageFamily") {
        check_family(ctx, family)?;
    }
    if let Some(mode) = input.str("BootMode") {
        if !["BIOS", "UEFI", "UEFI-Preferred"].contains(&mode) {
            return Err(ctx.spec_error(
                "InvalidBootMode.NotSupport",
                400,
                "The specified parameter BootMode is not supported.",
            ));
        }
    }
    match input.str("Status") {
        Some("Deprecated") if status != "Available" => {
            return Err(ctx.spec_error(
                "ImageStatus.NotAvailable",
                403,
                "The specified image status is not available.",
            ));
        }
        Some("Deprecated") if !shared_accounts(world, id).is_empty() => {
            return Err(ctx.spec_error(
                "ImageUseShared",
                403,
                "The specified image has been shared to others, please remove shared accounts first.",
            ));
        }
        Some("Available") if status != "Deprecated" => {
            return Err(ctx.spec_error(
                "ImageStatus.NotDeprecated",
                403,
                "The specified image status is not deprecated.",
            ));
        }
        Some("Deprecated" | "Available") | None => {}
        Some(_) => {
            return Err(ApiError::invalid_parameter(
                "Status",
                "must be Deprecated or Available",
            ));
        }
    }
    if let Some(row) = world.store.get_mut(IMAGE, id) {
        for key in [
            "ImageName",
            "Description",
            "ImageFamily",
            "BootMode",
            "Status",
        ] {
            if let Some(value) = input.str(key) {
                row.set(key, value);
            }
        }
    }
    Ok(Map::new())
}

fn modify_image_share_permission(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = required(ctx, "ImageId")?;
    let public = ctx.spec_error("Image.Public", 403, "The specified image is public image.");
    let image = own_image(world, ctx, id, public)?;
    let add = ctx.input.strings("AddAccount");
    let remove = ctx.input.strings("RemoveAccount");
    let is_public = ctx.input.bool("IsPublic");
    if ctx
        .input
        .str("LaunchPermission")
        .is_some_and(|p| !p.is_empty())
        && !(add.is_empty() && remove.is_empty())
    {
        return Err(ctx.spec_error(
            "UnnecessaryParameter.LaunchPermission",
            400,
            "The specified parameter \"LaunchPermission\" is unnecessary if paramter \"AddAccounts\" or \"RemoveAccounts\" is set.",
        ));
    }
    if add
        .iter()
        .chain(&remove)
        .any(|a| a.is_empty() || !a.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(ctx.spec_error(
            "InvalidAccount.NotFound",
            404,
            "The specified parameter \"AddAccount.n\" or \"RemoveAccount.n\" does not exist.",
        ));
    }
    if image.str("Status") == Some("Deprecated") && (!add.is_empty() || is_public == Some(true)) {
        return Err(ctx.spec_error(
            "OperationDenied.InvalidImageStatus",
            403,
            "The specified image cannot be shared when it is deprecated.",
        ));
    }
    let mut accounts = shared_accounts(world, id);
    let time = clock::rfc3339(ctx.now);
    for account in &add {
        if !accounts.iter().any(|a| a["AliyunId"] == json!(account)) {
            accounts.push(json!({"AliyunId": account, "SharedTime": time}));
        }
    }
    accounts.retain(|a| !remove.iter().any(|r| a["AliyunId"] == json!(r)));
    if accounts.len() > MAX_SHARED_ACCOUNTS {
        return Err(ctx.spec_error(
            "QuotaExceed.ShareImageUser",
            403,
            "The shared Image user Quota exceeds.",
        ));
    }
    let region = image.region.clone();
    let shared = !accounts.is_empty();
    if shared {
        world.store.insert(
            IMAGE_SHARE,
            id,
            &region,
            ecs_world::obj(json!({"Accounts": accounts})),
        );
    } else {
        world.store.remove(IMAGE_SHARE, id);
    }
    if let Some(row) = world.store.get_mut(IMAGE, id) {
        row.set("IsSelfShared", if shared { "True" } else { "False" });
        if let Some(public) = is_public {
            row.set("IsPublic", public);
        }
    }
    Ok(Map::new())
}

/// `ModifyImageShareGroupPermission` (deprecated by the service, still served): sharing with
/// the group `all` makes a custom image public, removing it makes it private again.
fn modify_image_share_group_permission(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = required(ctx, "ImageId")?.to_owned();
    let image = find_image(world, ctx, &id)?;
    if is_system(image) {
        return Err(ctx.spec_error(
            "Forbbiden",
            400,
            "User not authorized to operate on the specified resource.",
        ));
    }
    let (add, remove) = (ctx.input.ids("AddGroup"), ctx.input.ids("RemoveGroup"));
    if add.iter().chain(&remove).any(|g| g != "all") {
        return Err(ctx.spec_error(
            "InvalidGroup.Malformed",
            404,
            "The one group an image is shared with is all.",
        ));
    }
    let public = match (add.is_empty(), remove.is_empty()) {
        (false, _) => Some(true),
        (true, false) => Some(false),
        (true, true) => None,
    };
    if let (Some(public), Some(row)) = (public, world.store.get_mut(IMAGE, &id)) {
        row.set("IsPublic", public);
    }
    Ok(Map::new())
}

fn describe_image_share_permission(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = required(ctx, "ImageId")?;
    let image = find_image(world, ctx, id)?;
    let public = image.attrs.get("IsPublic") == Some(&Value::Bool(true)) && !is_system(image);
    let accounts = shared_accounts(world, id);
    let mut out = store::page(ctx.input, accounts, "Accounts", |a| a)?;
    out.remove("NextToken");
    out.insert("ImageId".into(), json!(id));
    out.insert("RegionId".into(), json!(region(ctx).unwrap_or_default()));
    let groups = if public {
        json!([{"Group": "all"}])
    } else {
        json!([])
    };
    out.insert("ShareGroups".into(), groups);
    Ok(out)
}

fn copy_image(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = required(ctx, "ImageId")?;
    let source_region = required(ctx, "RegionId")?.to_owned();
    let forbidden = ctx.spec_error(
        "Forbbiden",
        403,
        "User not authorized to operate on the specified resource.",
    );
    let source = own_image(world, ctx, id, forbidden)?.clone();
    if source.str("Status") != Some("Available") {
        return Err(ctx.spec_error("IncorrectImageStatus", 400, "The image not available."));
    }
    let destination = ctx
        .input
        .str("DestinationRegionId")
        .filter(|d| !d.is_empty())
        .unwrap_or(&source_region)
        .to_owned();
    if !ecs_data::REGIONS.iter().any(|r| r.id == destination) {
        return Err(ctx.spec_error(
            "DestinationRegion.NotFound",
            400,
            "The destination region not found.",
        ));
    }
    let name = ctx
        .input
        .str("DestinationImageName")
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    if let Some(name) = &name {
        let taken = world
            .store
            .iter(IMAGE)
            .any(|i| i.region == destination && i.str("ImageName") == Some(name));
        if taken {
            return Err(ctx.spec_error(
                "InvalidImageName.Duplicated",
                400,
                "The destination image is exist.",
            ));
        }
        if !valid_text(name, 2, 128, true) || name.starts_with("aliyun") || name.starts_with("acs:")
        {
            return Err(ctx.spec_error(
                "InvalidImageName.Malformed",
                400,
                "The specified destination image name is wrongly formed.",
            ));
        }
    }
    ecs_disks::check_tags(ctx)?;
    ecs_world::ensure_region(&mut world.store, &destination);
    let new_id = world.store.new_id("m-", &destination);
    // Each snapshot of the image is copied to the destination.
    let mut mappings = source
        .attrs
        .get("DiskDeviceMappings")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for mapping in &mut mappings {
        let Some(snap) = mapping
            .get("SnapshotId")
            .and_then(Value::as_str)
            .and_then(|s| world.store.get(SNAPSHOT, s))
            .cloned()
        else {
            continue;
        };
        let spec = SnapshotSpec {
            region: &destination,
            name: "",
            description: "",
            disk_id: snap.str("SourceDiskId").unwrap_or_default(),
            disk_size: snap
                .attrs
                .get("SourceDiskSize")
                .and_then(Value::as_i64)
                .unwrap_or(0),
            disk_type: snap.str("SourceDiskType").unwrap_or("System"),
            encrypted: snap
                .attrs
                .get("Encrypted")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            usage: "image",
            category: "standard",
            retention_days: None,
            source_region: &source_region,
            source_snapshot: &snap.id,
        };
        let copy = ecs_snapshots::make_snapshot(&mut world.store, &spec, ctx.now);
        mapping["SnapshotId"] = json!(copy);
    }
    let mut attrs = source.attrs.clone();
    for (key, value) in [
        ("ImageId", json!(new_id)),
        ("ImageName", json!(name.unwrap_or_else(|| new_id.clone()))),
        (
            "Description",
            json!(ctx.input.str("DestinationDescription").unwrap_or_default()),
        ),
        ("IsCopied", json!(true)),
        ("IsSelfShared", json!("False")),
        ("Status", json!("Creating")),
        ("Progress", json!("0%")),
        ("CreationTime", json!(clock::rfc3339(ctx.now))),
        ("DiskDeviceMappings", Value::Array(mappings)),
    ] {
        attrs.insert(key.to_owned(), value);
    }
    let row = world.store.insert(IMAGE, &new_id, &destination, attrs);
    store::apply_tags(&mut row.tags, ctx.input, "Tag");
    let ready = clock::tick_after(world.transition_time);
    world.store.insert(
        IMAGE_COPY,
        &new_id,
        &destination,
        ecs_world::obj(json!({"ReadyAtMs": ready, "SourceImageId": id})),
    );
    Ok(ecs_world::obj(json!({"ImageId": new_id})))
}

fn cancel_copy_image(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = required(ctx, "ImageId")?;
    let image = find_image(world, ctx, id)?;
    if image.attrs.get("IsCopied") != Some(&Value::Bool(true)) {
        return Err(ctx.spec_error(
            "ImageCreatedNotFromCopy",
            400,
            "The specified image is not the target image of a copy action.",
        ));
    }
    if world.store.get(IMAGE_COPY, id).is_none() {
        return Err(ctx.spec_error(
            "IncorrectImageStatus",
            400,
            "The specified image is not coping.",
        ));
    }
    // The copy goes, with the snapshots copied for it.
    let snapshots: Vec<String> = image
        .attrs
        .get("DiskDeviceMappings")
        .and_then(Value::as_array)
        .map(|maps| {
            maps.iter()
                .filter_map(|m| {
                    m.get("SnapshotId")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default();
    remove_image(world, id);
    for snapshot in snapshots {
        world.store.remove(SNAPSHOT, &snapshot);
    }
    Ok(Map::new())
}

fn describe_image_from_family(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let region = required(ctx, "RegionId")?.to_owned();
    let family = required(ctx, "ImageFamily")?;
    ecs_world::ensure_region(&mut world.store, &region);
    // The newest available image of the family (an empty `Image` when there is none).
    let image = world
        .store
        .iter(IMAGE)
        .filter(|i| i.in_region(&region) && i.str("ImageFamily") == Some(family))
        .filter(|i| i.str("Status") == Some("Available"))
        .max_by_key(|i| i.seq)
        .map(|i| image_item(world, i))
        .unwrap_or_else(|| json!({}));
    Ok(ecs_world::obj(json!({"Image": image})))
}

fn describe_image_support_instance_types(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let region = required(ctx, "RegionId")?.to_owned();
    ecs_world::ensure_region(&mut world.store, &region);
    let image_id = ctx.input.str("ImageId").unwrap_or_default();
    if !image_id.is_empty() {
        find_image(world, ctx, image_id)?;
    }
    let action = ctx.input.str("ActionType").unwrap_or_default();
    if !["", "CreateEcs", "ChangeConfig", "ChangeOS"].contains(&action) {
        return Err(ctx.spec_error("InvalidParamter", 400, "Invalid Parameter."));
    }
    let types: Vec<Value> = INSTANCE_TYPES
        .iter()
        .map(|t| {
            json!({
                "InstanceTypeId": t.id,
                "InstanceTypeFamily": t.family,
                "CpuCoreCount": t.cpu,
                "MemorySize": t.memory,
            })
        })
        .collect();
    Ok(ecs_world::obj(
        json!({"ImageId": image_id, "RegionId": region, "InstanceTypes": types}),
    ))
}
