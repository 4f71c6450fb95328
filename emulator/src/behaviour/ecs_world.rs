//! What every ECS family shares: the kinds of resource in the store, the resources a region
//! starts with (a default VPC, one default vSwitch per zone, a default security group, the
//! public images), and the records that more than one family creates (a disk is made by
//! `CreateDisk` and by `RunInstances`).

use std::time::SystemTime;

use serde_json::{Map, Value, json};

use super::ecs_data::{self, PUBLIC_IMAGES};
use crate::clock;
use crate::store::{Kind, Resource, Store, fixed_id};

pub(crate) const VPC: Kind = "vpc";
pub(crate) const VSWITCH: Kind = "vswitch";
pub(crate) const SECURITY_GROUP: Kind = "security-group";
pub(crate) const IMAGE: Kind = "image";
pub(crate) const DISK: Kind = "disk";
pub(crate) const SNAPSHOT: Kind = "snapshot";
pub(crate) const KEY_PAIR: Kind = "key-pair";
pub(crate) const NETWORK_INTERFACE: Kind = "network-interface";
/// Marks a region whose defaults exist (one row per region, no attributes).
const REGION_READY: Kind = "region-ready";

/// The CIDR block of every default VPC.
pub(crate) const DEFAULT_VPC_CIDR: &str = "172.16.0.0/12";

/// The fixed creation time of the resources a world starts with.
pub(crate) fn epoch_time() -> String {
    "2024-01-01T00:00:00Z".to_owned()
}

/// Creates the defaults of `region` (default VPC, vSwitch per zone, security group) unless
/// they exist. Their ids are derived from the region alone, so they are the same in every run
/// and whatever order regions are first used in.
pub(crate) fn ensure_region(store: &mut Store, region: &str) {
    if region.is_empty() || store.get(REGION_READY, region).is_some() {
        return;
    }
    store.insert(REGION_READY, region, region, Map::new());
    ensure_public_images(store);
    let vpc_id = default_vpc_id(region);
    let zones = ecs_data::zones(region);
    let vswitch_ids: Vec<String> = zones
        .iter()
        .map(|z| default_vswitch_id(region, z))
        .collect();
    let vrouter = fixed_id("vrt-", region, "default");
    store.insert(
        VPC,
        &vpc_id,
        region,
        obj(json!({
            "VpcId": vpc_id,
            "RegionId": region,
            "VpcName": "default",
            "Description": "",
            "CidrBlock": DEFAULT_VPC_CIDR,
            "IsDefault": true,
            "Status": "Available",
            "VRouterId": vrouter,
            "VSwitchIds": vswitch_ids,
            "UserCidrs": [],
            "CreationTime": epoch_time(),
        })),
    );
    for (n, zone) in zones.iter().enumerate() {
        let id = default_vswitch_id(region, zone);
        store.insert(
            VSWITCH,
            &id,
            region,
            obj(json!({
                "VSwitchId": id,
                "VpcId": vpc_id,
                "ZoneId": zone,
                "VSwitchName": "default",
                "Description": "",
                "CidrBlock": format!("172.{}.0.0/20", 16 + n),
                "IsDefault": true,
                "Status": "Available",
                "AvailableIpAddressCount": 4092,
                "ResourceGroupId": "",
                "CreationTime": epoch_time(),
            })),
        );
    }
    let sg = default_security_group_id(region);
    store.insert(
        SECURITY_GROUP,
        &sg,
        region,
        obj(json!({
            "SecurityGroupId": sg,
            "SecurityGroupName": "default",
            "Description": "The default security group of the default VPC.",
            "VpcId": vpc_id,
            "SecurityGroupType": "normal",
            "InnerAccessPolicy": "Accept",
            "ResourceGroupId": "",
            "ServiceManaged": false,
            "CreationTime": epoch_time(),
            "Permissions": [],
        })),
    );
}

pub(crate) fn default_vpc_id(region: &str) -> String {
    fixed_id("vpc-", region, "default")
}

pub(crate) fn default_vswitch_id(region: &str, zone: &str) -> String {
    fixed_id("vsw-", region, zone)
}

pub(crate) fn default_security_group_id(region: &str) -> String {
    fixed_id("sg-", region, "default")
}

/// The public images, visible from every region.
fn ensure_public_images(store: &mut Store) {
    for image in PUBLIC_IMAGES {
        if store.get(IMAGE, image.id).is_some() {
            continue;
        }
        store.insert(
            IMAGE,
            image.id,
            "",
            obj(json!({
                "ImageId": image.id,
                "ImageName": image.name,
                "ImageFamily": image.family,
                "ImageOwnerAlias": "system",
                "IsPublic": true,
                "IsCopied": false,
                "IsSelfShared": "",
                "IsSubscribed": false,
                "IsSupportCloudinit": true,
                "IsSupportIoOptimized": true,
                "OSType": image.os_type,
                "OSName": image.os_name,
                "OSNameEn": image.os_name,
                "Platform": image.platform,
                "Architecture": "x86_64",
                "BootMode": "UEFI-Preferred",
                "Size": image.size,
                "Status": "Available",
                "Progress": "100%",
                "Usage": "instance",
                "ImageVersion": "",
                "Description": "",
                "CreationTime": epoch_time(),
                "DiskDeviceMappings": [],
            })),
        );
    }
}

/// What a new disk is made of.
#[derive(Debug, Clone)]
pub(crate) struct DiskSpec {
    pub(crate) zone: String,
    pub(crate) size: i64,
    pub(crate) category: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) performance_level: Option<String>,
    pub(crate) snapshot_id: Option<String>,
    pub(crate) image_id: Option<String>,
    pub(crate) encrypted: bool,
    /// `system` or `data`.
    pub(crate) kind: &'static str,
    pub(crate) delete_with_instance: bool,
}

impl DiskSpec {
    /// A data disk of `size` GiB in `zone`, with the service's defaults.
    pub(crate) fn data(zone: &str, size: i64) -> Self {
        DiskSpec {
            zone: zone.to_owned(),
            size,
            category: "cloud_essd".into(),
            name: String::new(),
            description: String::new(),
            performance_level: Some("PL1".into()),
            snapshot_id: None,
            image_id: None,
            encrypted: false,
            kind: "data",
            delete_with_instance: false,
        }
    }

    /// The system disk of an instance: `size` GiB from `image_id` in `zone`, deleted with the
    /// instance.
    pub(crate) fn system(zone: &str, size: i64, image_id: &str) -> Self {
        DiskSpec {
            image_id: Some(image_id.to_owned()),
            kind: "system",
            delete_with_instance: true,
            ..DiskSpec::data(zone, size)
        }
    }
}

/// Creates a disk (status `Available`, attached to nothing) and returns its id.
pub(crate) fn create_disk(
    store: &mut Store,
    region: &str,
    spec: &DiskSpec,
    now: SystemTime,
) -> String {
    let id = store.new_id("d-", region);
    let performance = if spec.category == "cloud_essd" {
        spec.performance_level
            .clone()
            .unwrap_or_else(|| "PL1".into())
    } else {
        String::new()
    };
    store.insert(
        DISK,
        &id,
        region,
        obj(json!({
            "DiskId": id,
            "DiskName": spec.name,
            "Description": spec.description,
            "RegionId": region,
            "ZoneId": spec.zone,
            "Size": spec.size,
            "Category": spec.category,
            "PerformanceLevel": performance,
            "Type": spec.kind,
            "Status": "Available",
            "InstanceId": "",
            "Device": "",
            "ImageId": spec.image_id.clone().unwrap_or_default(),
            "SourceSnapshotId": spec.snapshot_id.clone().unwrap_or_default(),
            "Encrypted": spec.encrypted,
            "Portable": spec.kind == "data",
            "DeleteWithInstance": spec.delete_with_instance,
            "DeleteAutoSnapshot": true,
            "EnableAutoSnapshot": false,
            "AutoSnapshotPolicyId": "",
            "EnableAutomatedSnapshotPolicy": false,
            "DiskChargeType": "PostPaid",
            "MultiAttach": "Disabled",
            "SerialNumber": id.trim_start_matches("d-"),
            "ResourceGroupId": "",
            "CreationTime": clock::rfc3339(now),
            "AttachedTime": "",
            "DetachedTime": "",
            "Attachments": [],
            "OperationLocks": [],
            "IOPS": 1800 + 50 * spec.size.clamp(0, 1000),
        })),
    );
    id
}

/// Attaches disk `disk_id` to `instance_id` at `device` (the caller checked both exist and
/// the disk is free).
/// Creates the system disk of `spec` and attaches it to `instance_id` at `/dev/xvda`.
pub(crate) fn create_system_disk(
    store: &mut Store,
    region: &str,
    spec: &DiskSpec,
    instance_id: &str,
    now: SystemTime,
) -> String {
    let disk = create_disk(store, region, spec, now);
    attach_disk(store, &disk, instance_id, "/dev/xvda", now);
    disk
}

pub(crate) fn attach_disk(
    store: &mut Store,
    disk_id: &str,
    instance_id: &str,
    device: &str,
    now: SystemTime,
) {
    if let Some(disk) = store.get_mut(DISK, disk_id) {
        let time = clock::rfc3339(now);
        disk.set("Status", "In_use");
        disk.set("InstanceId", instance_id);
        disk.set("Device", device);
        disk.set("AttachedTime", time.clone());
        disk.set(
            "Attachments",
            json!([{"InstanceId": instance_id, "Device": device, "AttachedTime": time}]),
        );
    }
}

/// Detaches disk `disk_id` from whatever it is attached to.
pub(crate) fn detach_disk(store: &mut Store, disk_id: &str, now: SystemTime) {
    if let Some(disk) = store.get_mut(DISK, disk_id) {
        disk.set("Status", "Available");
        disk.set("InstanceId", "");
        disk.set("Device", "");
        disk.set("DetachedTime", clock::rfc3339(now));
        disk.set("Attachments", json!([]));
    }
}

/// The disks attached to `instance_id`, system disk first.
pub(crate) fn disks_of<'a>(store: &'a Store, instance_id: &str) -> Vec<&'a Resource> {
    let mut disks: Vec<&Resource> = store
        .iter(DISK)
        .filter(|d| d.str("InstanceId") == Some(instance_id))
        .collect();
    disks.sort_by_key(|d| {
        (
            d.str("Type") != Some("system"),
            d.str("Device").map(str::to_owned),
        )
    });
    disks
}

/// The next free device name on `instance_id` (`/dev/xvdb`, `/dev/xvdc`, ...).
pub(crate) fn next_device(store: &Store, instance_id: &str) -> String {
    let used: Vec<String> = disks_of(store, instance_id)
        .iter()
        .filter_map(|d| d.str("Device").map(str::to_owned))
        .collect();
    (b'b'..=b'z')
        .map(|c| format!("/dev/xvd{}", c as char))
        .find(|d| !used.contains(d))
        .unwrap_or_else(|| "/dev/xvdz".into())
}

/// A JSON object literal as a map (`json!` of anything else gives an empty map).
pub(crate) fn obj(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Gives a seeded or admin-added instance (its ECS `record`) the system disk a launched one
/// has, so `DescribeDisks` agrees with `DescribeInstances`: the image's size (at least 40 GiB),
/// `cloud_essd`, attached at `/dev/xvda`, deleted with the instance, made at the world's
/// epoch. The caller checks the instance has no disk yet (an instance replaced by `upsert`).
pub(crate) fn seed_system_disk(store: &mut Store, record: &Resource) {
    let image_id = record.str("ImageId").unwrap_or_default().to_owned();
    let size = store
        .get(IMAGE, &image_id)
        .and_then(|i| i.attrs.get("Size"))
        .and_then(Value::as_i64)
        .unwrap_or(20)
        .max(40);
    let spec = DiskSpec::system(record.str("ZoneId").unwrap_or_default(), size, &image_id);
    let disk = create_system_disk(
        store,
        &record.region,
        &spec,
        &record.id,
        std::time::UNIX_EPOCH,
    );
    if let Some(row) = store.get_mut(DISK, &disk) {
        for key in ["CreationTime", "AttachedTime"] {
            row.set(key, epoch_time());
        }
        row.set(
            "Attachments",
            json!([{"InstanceId": record.id, "Device": "/dev/xvda", "AttachedTime": epoch_time()}]),
        );
    }
}

pub(crate) const LAUNCH_TEMPLATE: Kind = "launch-template";
pub(crate) const DEPLOYMENT_SET: Kind = "deployment-set";
pub(crate) const PREFIX_LIST: Kind = "prefix-list";
pub(crate) const AUTO_SNAPSHOT_POLICY: Kind = "auto-snapshot-policy";
pub(crate) const HPC_CLUSTER: Kind = "hpc-cluster";
/// What a saved cloud assistant command has besides what `commands::SavedCommand` keeps
/// (description, working directory, timeout, tags), by command id; made when first needed.
pub(crate) const COMMAND_EXTRA: Kind = "command-extra";

/// The launch template `id_or_name` of `region` (by id, else by name).
pub(crate) fn launch_template<'a>(
    store: &'a Store,
    region: &str,
    id_or_name: &str,
) -> Option<&'a Resource> {
    store
        .get(LAUNCH_TEMPLATE, id_or_name)
        .filter(|t| t.region == region)
        .or_else(|| {
            store
                .iter(LAUNCH_TEMPLATE)
                .find(|t| t.region == region && t.str("LaunchTemplateName") == Some(id_or_name))
        })
}

/// The parameters version `version` (the default version when `None`) of launch template
/// `id_or_name` gives `RunInstances`, keyed by `RunInstances` parameter names (`ImageId`,
/// `InstanceType`, `SecurityGroupId`, `VSwitchId`, `SystemDisk` as a structure, `DataDisk` and
/// `Tag` as lists, ...), in the form the request's own parameters would have. `None` when the
/// template or the version does not exist.
pub(crate) fn launch_template_params(
    store: &Store,
    region: &str,
    id_or_name: &str,
    version: Option<i64>,
) -> Option<Map<String, Value>> {
    let template = launch_template(store, region, id_or_name)?;
    let number = match version {
        Some(n) => n,
        None => template.attrs.get("DefaultVersionNumber")?.as_i64()?,
    };
    template
        .attrs
        .get("Versions")?
        .as_array()?
        .iter()
        .find(|v| v.get("VersionNumber").and_then(Value::as_i64) == Some(number))?
        .get("Params")?
        .as_object()
        .cloned()
}
