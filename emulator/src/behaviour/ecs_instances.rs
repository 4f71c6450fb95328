//! ECS instances: launch (`RunInstances`, `CreateInstance`), the lifecycle (`Pending`,
//! `Starting`, `Stopping` on the world's clock to `Running` / `Stopped`), describes with the
//! service's filters and both paging styles, attribute and spec changes, and release.
//!
//! Rules the service applies and the emulator keeps:
//! - an unknown id is `InvalidInstanceId.NotFound` (404); an action in the wrong status is
//!   `IncorrectInstanceStatus` (403; `.Initializing` while `Pending`);
//! - the image, instance type, vSwitch, security groups and key pair a launch names must exist,
//!   and the security groups must be in the vSwitch's VPC;
//! - a release needs `Stopped` (or `Force`), and is refused while deletion protection is on;
//!   disks made with the instance go with it, other disks are detached;
//! - a repeated `ClientToken` answers the first call's result.

use serde_json::{Map, Value, json};

use super::ecs_data::{self, DEFAULT_INSTANCE_TYPE};
use super::ecs_subscriptions::{self, NO_EXPIRY, Term};
use super::ecs_tasks;
use super::ecs_world::{self, DISK, DiskSpec, IMAGE, KEY_PAIR, SECURITY_GROUP, VSWITCH, obj};
use super::{Context, Model, Outcome};
use crate::clock;
use crate::error::ApiError;
use crate::store::{self, Query, Resource, Store};
use crate::world::{Instance, InstanceStatus, Tracked, World};

/// The instance actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("RunInstances", run_instances),
    Model::ecs("CreateInstance", create_instance),
    Model::ecs("StartInstance", start_instance),
    Model::ecs("StartInstances", start_instances),
    Model::ecs("StopInstance", stop_instance),
    Model::ecs("StopInstances", stop_instances),
    Model::ecs("RebootInstances", reboot_instances),
    Model::ecs("DeleteInstance", delete_instance),
    Model::ecs("DeleteInstances", delete_instances),
    Model::ecs("DescribeInstances", describe_instances),
    Model::ecs("DescribeInstanceStatus", describe_instance_status),
    Model::ecs("DescribeInstanceAttribute", describe_instance_attribute),
    Model::ecs(
        "DescribeInstancesFullStatus",
        describe_instances_full_status,
    ),
    Model::ecs("ModifyInstanceAttribute", modify_instance_attribute),
    Model::ecs("ModifyInstanceSpec", modify_instance_spec),
    Model::ecs("ReplaceSystemDisk", replace_system_disk),
    Model::ecs("RedeployInstance", redeploy_instance),
    Model::ecs("ModifyInstanceChargeType", modify_instance_charge_type),
    Model::ecs("ModifyInstanceVpcAttribute", modify_instance_vpc_attribute),
    Model::ecs("ModifyInstanceNetworkSpec", modify_instance_network_spec),
    Model::ecs(
        "ModifyInstanceAutoReleaseTime",
        modify_instance_auto_release_time,
    ),
    Model::ecs(
        "ModifyInstanceMetadataOptions",
        modify_instance_metadata_options,
    ),
    Model::ecs("DescribeUserData", describe_user_data),
    Model::ecs("AllocatePublicIpAddress", allocate_public_ip_address),
    Model::ecs("JoinSecurityGroup", join_security_group),
    Model::ecs("LeaveSecurityGroup", leave_security_group),
    Model::ecs("DescribeInstanceVncUrl", describe_instance_vnc_url),
    Model::ecs("ModifyInstanceVncPasswd", modify_instance_vnc_passwd),
    Model::ecs("GetInstanceConsoleOutput", get_instance_console_output),
    Model::ecs("AttachInstanceRamRole", attach_instance_ram_role),
    Model::ecs("DetachInstanceRamRole", detach_instance_ram_role),
    Model::ecs("DescribeInstanceRamRole", describe_instance_ram_role),
];

/// Most instances one `RunInstances` call launches.
const MAX_AMOUNT: i64 = 100;

// ----- Records -------------------------------------------------------------------------------

/// What an instance is launched with, resolved and checked against the world.
struct Launch {
    region: String,
    zone: String,
    instance_type: &'static ecs_data::InstanceType,
    image_id: String,
    os_type: String,
    os_name: String,
    vpc_id: String,
    vswitch_id: String,
    security_groups: Vec<String>,
    name: Option<String>,
    host_name: Option<String>,
    description: String,
    key_pair: String,
    charge_type: String,
    internet_charge_type: String,
    bandwidth_out: i64,
    bandwidth_in: i64,
    user_data: String,
    deletion_protection: bool,
    private_ip: Option<String>,
    spot_strategy: String,
    resource_group: String,
    auto_release_time: String,
    ram_role: String,
    /// A subscription's term (`InstanceChargeType=PrePaid`).
    term: Option<Term>,
}

/// The describe record of a new instance `id`.
fn record(store: &mut Store, id: &str, launch: &Launch, now: std::time::SystemTime) -> Resource {
    let seq = store.next_seq();
    let private_ip = launch
        .private_ip
        .clone()
        .unwrap_or_else(|| private_ip_for(store, &launch.vswitch_id, seq));
    let ty = launch.instance_type;
    let mut attrs = obj(json!({
        "InstanceId": id,
        "RegionId": launch.region,
        "ZoneId": launch.zone,
        "InstanceName": launch.name.clone().unwrap_or_else(|| id.to_owned()),
        "HostName": launch.host_name.clone().unwrap_or_else(|| format!("iZ{}Z", id.trim_start_matches("i-"))),
        "Description": launch.description,
        "InstanceType": ty.id,
        "InstanceTypeFamily": ty.family,
        "Cpu": ty.cpu,
        "Memory": (ty.memory * 1024.0) as i64,
        "GPUAmount": ty.gpu,
        "GPUSpec": "",
        "ImageId": launch.image_id,
        "OSType": launch.os_type,
        "OSName": launch.os_name,
        "OSNameEn": launch.os_name,
        "InstanceNetworkType": "vpc",
        "VpcAttributes": {
            "VpcId": launch.vpc_id,
            "VSwitchId": launch.vswitch_id,
            "PrivateIpAddress": [private_ip],
            "NatIpAddress": "",
        },
        "SecurityGroupIds": launch.security_groups,
        "InnerIpAddress": [],
        "PublicIpAddress": [],
        "RdmaIpAddress": [],
        "EipAddress": {"AllocationId": "", "IpAddress": "", "Bandwidth": 0, "InternetChargeType": "", "IsSupportUnassociate": false},
        "NetworkInterfaces": [{
            "NetworkInterfaceId": format!("eni-{}", &id[2..]),
            "Type": "Primary",
            "MacAddress": mac_address(seq),
            "PrimaryIpAddress": private_ip,
            "PrivateIpSets": [{"PrivateIpAddress": private_ip, "Primary": true}],
        }],
        "InstanceChargeType": launch.charge_type,
        "InternetChargeType": launch.internet_charge_type,
        "InternetMaxBandwidthOut": launch.bandwidth_out,
        "InternetMaxBandwidthIn": launch.bandwidth_in,
        "KeyPairName": launch.key_pair,
        "SpotStrategy": launch.spot_strategy,
        "SpotPriceLimit": 0.0,
        "SpotDuration": 0,
        "ResourceGroupId": launch.resource_group,
        "DeletionProtection": launch.deletion_protection,
        "IoOptimized": true,
        "DeviceAvailable": true,
        "Recyclable": false,
        "StoppedMode": "Not-applicable",
        "CreationTime": clock::rfc3339_minutes(now),
        "StartTime": "",
        "ExpiredTime": NO_EXPIRY,
        "AutoReleaseTime": launch.auto_release_time,
        "SerialNumber": uuid_like(seq),
        "CreditSpecification": "",
        "DeploymentSetId": "",
        "HpcClusterId": "",
        "VlanId": "",
        "LocalStorageAmount": 0,
        "LocalStorageCapacity": 0,
        "OperationLocks": [],
        "MetadataOptions": {"HttpEndpoint": "enabled", "HttpTokens": "optional", "HttpPutResponseHopLimit": 1},
        "CpuOptions": {"CoreCount": ty.cpu / 2, "ThreadsPerCore": 2, "Numa": ""},
        "HibernationOptions": {"Configured": false},
        "ImageOptions": {"LoginAsNonRoot": false},
        "UserData": launch.user_data,
        "RamRoleName": launch.ram_role,
    }));
    attrs.insert("Status".into(), json!("Pending"));
    Resource::new(id.to_owned(), launch.region.clone(), seq, attrs)
}

/// A private address in `vswitch`'s block for the `seq`-th resource.
fn private_ip_for(store: &Store, vswitch: &str, seq: u64) -> String {
    let cidr = store
        .get(VSWITCH, vswitch)
        .and_then(|v| v.str("CidrBlock"))
        .unwrap_or("172.16.0.0/20");
    let mut octets = cidr.split(['.', '/']);
    let a = octets.next().unwrap_or("172");
    let b = octets.next().unwrap_or("16");
    let c: u64 = octets.next().and_then(|c| c.parse().ok()).unwrap_or(0);
    format!("{a}.{b}.{}.{}", c + (seq / 250) % 16, seq % 250 + 2)
}

fn mac_address(seq: u64) -> String {
    let b = seq.to_be_bytes();
    format!("00:16:3e:{:02x}:{:02x}:{:02x}", b[5], b[6], b[7])
}

fn uuid_like(seq: u64) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-8000-{:012x}",
        store::stable_hash(&seq.to_string()) as u32,
        seq & 0xffff,
        seq & 0xfff,
        seq
    )
}

/// The record of a seeded or admin-added [`Instance`]: its region's default network, the
/// default image of its OS, the default type; `Running` instances are as if started at the
/// world's epoch.
pub(super) fn seed_record(store: &mut Store, instance: &Instance) -> Resource {
    ecs_world::ensure_region(store, &instance.region);
    let zone = ecs_data::zones(&instance.region).remove(0);
    let image = ecs_data::default_image(&instance.os_type);
    let launch = Launch {
        region: instance.region.clone(),
        zone: zone.clone(),
        instance_type: ecs_data::instance_type(DEFAULT_INSTANCE_TYPE)
            .unwrap_or(&ecs_data::INSTANCE_TYPES[0]),
        image_id: image.id.to_owned(),
        os_type: instance.os_type.to_ascii_lowercase(),
        os_name: image.os_name.to_owned(),
        vpc_id: ecs_world::default_vpc_id(&instance.region),
        vswitch_id: ecs_world::default_vswitch_id(&instance.region, &zone),
        security_groups: vec![ecs_world::default_security_group_id(&instance.region)],
        name: None,
        host_name: None,
        description: String::new(),
        key_pair: String::new(),
        charge_type: "PostPaid".into(),
        internet_charge_type: "PayByTraffic".into(),
        bandwidth_out: 0,
        bandwidth_in: 0,
        user_data: String::new(),
        deletion_protection: false,
        private_ip: None,
        spot_strategy: "NoSpot".into(),
        resource_group: String::new(),
        auto_release_time: String::new(),
        ram_role: String::new(),
        term: None,
    };
    let mut record = record(store, &instance.id, &launch, std::time::UNIX_EPOCH);
    let epoch = ecs_world::epoch_time();
    record.set("CreationTime", epoch.clone());
    if instance.status == InstanceStatus::Running {
        record.set("StartTime", epoch);
    }
    record
}

// ----- Launch --------------------------------------------------------------------------------

/// `InvalidImageId.NotFound`.
fn image_not_found(ctx: &Context<'_>) -> ApiError {
    ctx.spec_error(
        "InvalidImageId.NotFound",
        404,
        "The specified ImageId does not exist.",
    )
}

/// `InvalidInstanceId.NotFound`.
pub(super) fn not_found(ctx: &Context<'_>) -> ApiError {
    ctx.spec_error(
        "InvalidInstanceId.NotFound",
        404,
        "The specified InstanceId does not exist.",
    )
}

fn incorrect_status(ctx: &Context<'_>, status: InstanceStatus) -> ApiError {
    if status == InstanceStatus::Pending {
        return ApiError::new(
            403,
            "IncorrectInstanceStatus.Initializing",
            "The specified instance is in an initializing state.",
        );
    }
    ctx.spec_error(
        "IncorrectInstanceStatus",
        403,
        "The current status of the resource does not support this operation.",
    )
}

/// Reads and checks what `RunInstances` / `CreateInstance` launch.
fn resolve_launch(world: &mut World, ctx: &Context<'_>) -> Result<Launch, ApiError> {
    let input = ctx.input;
    let region = ctx.region();
    ecs_world::ensure_region(&mut world.store, &region);
    let store = &world.store;

    let type_id = input.str("InstanceType").unwrap_or(DEFAULT_INSTANCE_TYPE);
    let instance_type = ecs_data::instance_type(type_id).ok_or_else(|| {
        ctx.spec_error(
            "InvalidInstanceType.ValueNotSupported",
            400,
            "The specified InstanceType beyond the permitted range.",
        )
    })?;

    let image_id = match (input.str("ImageId"), input.str("ImageFamily")) {
        (Some(id), _) => id.to_owned(),
        (None, Some(family)) => store
            .iter(IMAGE)
            .filter(|i| i.in_region(&region) && i.str("ImageFamily") == Some(family))
            .filter(|i| i.str("Status") == Some("Available"))
            .max_by_key(|i| i.seq)
            .map(|i| i.id.clone())
            .ok_or_else(|| {
                ApiError::new(
                    404,
                    "InvalidImageFamily.NotFound",
                    "The specified ImageFamily does not exist or has no available image.",
                )
            })?,
        (None, None) => return Err(ApiError::missing_parameter("ImageId")),
    };
    let image = store.find(IMAGE, &region, &image_id, || image_not_found(ctx))?;
    if image.str("Status") != Some("Available") {
        return Err(ApiError::new(
            400,
            "InvalidImageId.IncorrectStatus",
            "The specified image is not available.",
        ));
    }
    let os_type = image.str("OSType").unwrap_or("linux").to_owned();
    let os_name = image.str("OSName").unwrap_or_default().to_owned();

    // The vSwitch (or the default one of the zone), which fixes the zone and the VPC.
    let zones = ecs_data::zones(&region);
    let vswitch = match input.str("VSwitchId") {
        Some(id) => store
            .find(VSWITCH, &region, id, || {
                ctx.spec_error(
                    "InvalidVSwitchId.NotFound",
                    404,
                    "Specified virtual switch does not exist.",
                )
            })?
            .clone(),
        None => {
            let zone = match input.str("ZoneId") {
                Some(z) if zones.iter().any(|known| known == z) => z.to_owned(),
                Some(_) => {
                    return Err(ctx.spec_error(
                        "InvalidZoneId.NotFound",
                        404,
                        "The ZoneId provided does not exist in our records.",
                    ));
                }
                None => zones[0].clone(),
            };
            let id = ecs_world::default_vswitch_id(&region, &zone);
            store.get(VSWITCH, &id).cloned().ok_or_else(|| {
                ctx.spec_error(
                    "InvalidVSwitchId.Necessary",
                    400,
                    "The VSwitchId is necessary.",
                )
            })?
        }
    };
    let zone = vswitch.str("ZoneId").unwrap_or_default().to_owned();
    if let Some(asked) = input.str("ZoneId") {
        if asked != zone {
            return Err(ApiError::new(
                400,
                "InvalidParameter.Mismatch",
                "The specified ZoneId is not the zone of the specified vSwitch.",
            ));
        }
    }
    let vpc_id = vswitch.str("VpcId").unwrap_or_default().to_owned();

    let mut security_groups = input.strings("SecurityGroupIds");
    if let Some(one) = input.str("SecurityGroupId") {
        if !security_groups.is_empty() {
            return Err(ctx.spec_error(
                "InvalidSecurityGroupId.SingleIdAndMultiIdConflict",
                400,
                "SecurityGroupId and SecurityGroupIds cannot both be set.",
            ));
        }
        security_groups.push(one.to_owned());
    }
    if security_groups.is_empty() {
        if vpc_id == ecs_world::default_vpc_id(&region) {
            security_groups.push(ecs_world::default_security_group_id(&region));
        } else {
            return Err(ApiError::missing_parameter("SecurityGroupId"));
        }
    }
    for sg in &security_groups {
        let group = store.find(SECURITY_GROUP, &region, sg, || {
            ctx.spec_error(
                "InvalidSecurityGroupId.NotFound",
                404,
                "The SecurityGroupId provided does not exist in our records.",
            )
        })?;
        if group.str("VpcId") != Some(vpc_id.as_str()) {
            return Err(ctx.spec_error(
                "InvalidParameter.Mismatch",
                400,
                "Specified security group and virtual switch are not in the same VPC.",
            ));
        }
    }

    let key_pair = input.str("KeyPairName").unwrap_or_default().to_owned();
    if !key_pair.is_empty() && key_pair_of(store, &region, &key_pair).is_none() {
        return Err(ctx.spec_error(
            "InvalidKeyPairName.NotFound",
            404,
            "The specified parameter KeyPairName does not exist in our records.",
        ));
    }
    let host_name = input.str("HostName").map(str::to_owned);
    let charge_type = input.str("InstanceChargeType").unwrap_or("PostPaid");
    let term = match charge_type {
        "PrePaid" => Some(Term::requested(ctx, None)?),
        _ => None,
    };
    Ok(Launch {
        region,
        zone,
        instance_type,
        image_id,
        os_type,
        os_name,
        vpc_id,
        vswitch_id: vswitch.id.clone(),
        security_groups,
        name: input.str("InstanceName").map(str::to_owned),
        host_name,
        description: input.str("Description").unwrap_or_default().to_owned(),
        key_pair,
        charge_type: charge_type.to_owned(),
        internet_charge_type: input
            .str("InternetChargeType")
            .unwrap_or("PayByTraffic")
            .to_owned(),
        bandwidth_out: input.int("InternetMaxBandwidthOut").unwrap_or(0),
        bandwidth_in: input.int("InternetMaxBandwidthIn").unwrap_or(0),
        user_data: input.str("UserData").unwrap_or_default().to_owned(),
        deletion_protection: input.bool("DeletionProtection").unwrap_or(false),
        private_ip: input.str("PrivateIpAddress").map(str::to_owned),
        spot_strategy: input.str("SpotStrategy").unwrap_or("NoSpot").to_owned(),
        resource_group: input.str("ResourceGroupId").unwrap_or_default().to_owned(),
        auto_release_time: input.str("AutoReleaseTime").unwrap_or_default().to_owned(),
        ram_role: input.str("RamRoleName").unwrap_or_default().to_owned(),
        term,
    })
}

/// The key pair `name` of `region`, if any.
fn key_pair_of<'a>(store: &'a Store, region: &str, name: &str) -> Option<&'a Resource> {
    store
        .iter(KEY_PAIR)
        .find(|k| k.in_region(region) && (k.id == name || k.str("KeyPairName") == Some(name)))
}

/// The disks a launch asks for: the system disk, then `DataDisk.N`; checked before anything
/// is made.
fn disk_specs(
    ctx: &Context<'_>,
    launch: &Launch,
    world: &World,
) -> Result<Vec<DiskSpec>, ApiError> {
    let input = ctx.input;
    let image_size = world
        .store
        .get(IMAGE, &launch.image_id)
        .and_then(|i| i.attrs.get("Size"))
        .and_then(Value::as_i64)
        .unwrap_or(20);
    let system = input.get("SystemDisk");
    let field = |v: Option<&Value>, key: &str| v.and_then(|s| s.get(key)).cloned();
    let system_size = field(system, "Size")
        .and_then(|v| v.as_i64())
        .unwrap_or(image_size.max(40));
    if system_size < image_size {
        return Err(ApiError::new(
            400,
            "InvalidSystemDiskSize.ValueNotSupported",
            "The specified system disk size is smaller than the image size.",
        ));
    }
    let mut specs = vec![DiskSpec {
        category: field(system, "Category")
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "cloud_essd".into()),
        name: field(system, "DiskName")
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        performance_level: field(system, "PerformanceLevel")
            .and_then(|v| v.as_str().map(str::to_owned)),
        ..DiskSpec::system(&launch.zone, system_size, &launch.image_id)
    }];
    if let Some(Value::Array(disks)) = input.get("DataDisk") {
        for disk in disks {
            let text = |key: &str| disk.get(key).and_then(Value::as_str).map(str::to_owned);
            let snapshot = text("SnapshotId");
            let mut size = disk.get("Size").and_then(Value::as_i64);
            if let Some(snapshot) = &snapshot {
                let snap =
                    world
                        .store
                        .find(ecs_world::SNAPSHOT, &launch.region, snapshot, || {
                            ctx.spec_error(
                                "InvalidDataDiskSnapshotId.NotFound",
                                404,
                                "The specified parameter \"DataDisk.n.SnapshotId\" is not valid.",
                            )
                        })?;
                let source = snap.attrs.get("SourceDiskSize").and_then(Value::as_i64);
                size = size.or(source);
            }
            let Some(size) = size else {
                return Err(ApiError::missing_parameter("DataDisk.N.Size"));
            };
            specs.push(DiskSpec {
                category: text("Category").unwrap_or_else(|| "cloud_essd".into()),
                name: text("DiskName").unwrap_or_default(),
                description: text("Description").unwrap_or_default(),
                performance_level: text("PerformanceLevel"),
                snapshot_id: snapshot,
                encrypted: disk
                    .get("Encrypted")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                delete_with_instance: disk
                    .get("DeleteWithInstance")
                    .and_then(Value::as_bool)
                    .unwrap_or(true),
                ..DiskSpec::data(&launch.zone, size)
            });
        }
    }
    Ok(specs)
}

/// Makes one instance of `launch` (with its disks and tags) in `Pending`, moving on to
/// `then` after the world's transition time.
fn launch_one(
    world: &mut World,
    ctx: &Context<'_>,
    launch: &Launch,
    disks: &[DiskSpec],
    index: usize,
    then: InstanceStatus,
) -> String {
    let id = world.store.new_id("i-", &launch.region);
    let mut record = record(&mut world.store, &id, launch, ctx.now);
    if let Some(term) = &launch.term {
        term.apply(&mut record);
    }
    if let Some(name) = &launch.name {
        record.set(
            "InstanceName",
            numbered(name, index, ctx.input.bool("UniqueSuffix")),
        );
    }
    if let Some(host) = &launch.host_name {
        record.set(
            "HostName",
            numbered(host, index, ctx.input.bool("UniqueSuffix")),
        );
    }
    store::apply_tags(&mut record.tags, ctx.input, "Tag");
    let os_type = if launch.os_type.eq_ignore_ascii_case("windows") {
        "Windows"
    } else {
        "Linux"
    };
    let instance = Instance::new(id.clone())
        .region(launch.region.clone())
        .os_type(os_type)
        .status(InstanceStatus::Pending);
    world.insert_tracked(World::new_tracked(instance, record));
    for (n, spec) in disks.iter().enumerate() {
        let disk = ecs_world::create_disk(&mut world.store, &launch.region, spec, ctx.now);
        let device = if n == 0 {
            "/dev/xvda".to_owned()
        } else {
            ecs_world::next_device(&world.store, &id)
        };
        ecs_world::attach_disk(&mut world.store, &disk, &id, &device, ctx.now);
        if let Some(row) = world.store.get_mut(DISK, &disk) {
            store::apply_tags(&mut row.tags, ctx.input, "Tag");
        }
    }
    world.begin_transition(&id, InstanceStatus::Pending, then);
    id
}

/// `name` for the `index`-th of several instances: `name001`... with `UniqueSuffix`, and
/// the `[begin,width]` pattern (`web-[1,3]` → `web-001`) the service expands.
fn numbered(name: &str, index: usize, unique_suffix: Option<bool>) -> String {
    if let (Some(open), Some(close)) = (name.find('['), name.find(']')) {
        if open < close {
            let inside = &name[open + 1..close];
            if let Some((begin, width)) = inside.split_once(',') {
                if let (Ok(begin), Ok(width)) =
                    (begin.trim().parse::<usize>(), width.trim().parse::<usize>())
                {
                    return format!(
                        "{}{:0width$}{}",
                        &name[..open],
                        begin + index,
                        &name[close + 1..]
                    );
                }
            }
        }
    }
    if unique_suffix == Some(true) {
        format!("{name}{:03}", index + 1)
    } else {
        name.to_owned()
    }
}

fn run_instances(world: &mut World, ctx: &Context<'_>) -> Outcome {
    if let Some(answer) = ctx.replay(world)? {
        return Ok(answer);
    }
    // A launch template supplies every parameter the request leaves out.
    let merged;
    let templated;
    let ctx = match template_input(world, ctx)? {
        Some(input) => {
            merged = input;
            templated = Context {
                product: ctx.product,
                op: ctx.op,
                input: &merged,
                now: ctx.now,
            };
            &templated
        }
        None => ctx,
    };
    let input = ctx.input;
    let amount = input.int("Amount").unwrap_or(1);
    let min_amount = input.int("MinAmount").unwrap_or(amount);
    if !(1..=MAX_AMOUNT).contains(&amount) {
        return Err(ApiError::new(
            403,
            "InvalidParam.Amount",
            "The specified Amount must be between 1 and 100.",
        ));
    }
    if min_amount < 1 || min_amount > amount {
        return Err(ctx.spec_error(
            "InvalidMinAmount.Malformed",
            400,
            "The specified parameter MinAmount is not valid.",
        ));
    }
    let launch = resolve_launch(world, ctx)?;
    let disks = disk_specs(ctx, &launch, world)?;
    let hpc_cluster = super::ecs_hpc_clusters::launch_cluster(world, ctx, &launch.region)?;
    ctx.dry_run()?;
    let ids: Vec<String> = (0..amount as usize)
        .map(|n| launch_one(world, ctx, &launch, &disks, n, InstanceStatus::Running))
        .collect();
    if let Some(cluster) = hpc_cluster {
        for id in &ids {
            if let Some(tracked) = world.get_mut(id) {
                tracked.ecs.set("HpcClusterId", cluster.as_str());
            }
        }
    }
    let mut out = Map::new();
    out.insert("InstanceIdSets".into(), json!(ids));
    out.insert("OrderId".into(), json!(""));
    out.insert("TradePrice".into(), json!(0.0));
    ctx.remember(world, &out);
    Ok(out)
}

/// The request's parameters over those of the launch template it names
/// (`LaunchTemplateId` or `LaunchTemplateName`, `LaunchTemplateVersion` or the default), or
/// `None` when it names none.
fn template_input(
    world: &World,
    ctx: &Context<'_>,
) -> Result<Option<crate::params::Input>, ApiError> {
    let input = ctx.input;
    let Some(template) = input
        .str("LaunchTemplateId")
        .or_else(|| input.str("LaunchTemplateName"))
        .filter(|t| !t.is_empty())
    else {
        return Ok(None);
    };
    let region = input
        .str("RegionId")
        .unwrap_or(crate::world::DEFAULT_REGION);
    if ecs_world::launch_template(&world.store, region, template).is_none() {
        return Err(ctx.spec_error(
            "InvalidLaunchTemplate.NotFound",
            404,
            "The specified launch template does not exist.",
        ));
    }
    let version = input.int("LaunchTemplateVersion");
    let params = ecs_world::launch_template_params(&world.store, region, template, version)
        .ok_or_else(|| {
            ctx.spec_error(
                "InvalidLaunchTemplateVersion.NotFound",
                404,
                "The specified launch template version does not exist.",
            )
        })?;
    Ok(Some(input.with_defaults(params)))
}

fn create_instance(world: &mut World, ctx: &Context<'_>) -> Outcome {
    if let Some(answer) = ctx.replay(world)? {
        return Ok(answer);
    }
    let launch = resolve_launch(world, ctx)?;
    let disks = disk_specs(ctx, &launch, world)?;
    ctx.dry_run()?;
    // The service creates the instance stopped; `StartInstance` starts it.
    let id = launch_one(world, ctx, &launch, &disks, 0, InstanceStatus::Stopped);
    let mut out = Map::new();
    out.insert("InstanceId".into(), json!(id));
    out.insert("OrderId".into(), json!(""));
    out.insert("TradePrice".into(), json!(0.0));
    ctx.remember(world, &out);
    Ok(out)
}

// ----- Lifecycle -----------------------------------------------------------------------------

/// The instance `id` (in `RegionId` when the action has one), or NotFound; [`instance`] to
/// change it.
pub(super) fn find<'a>(
    world: &'a World,
    ctx: &Context<'_>,
    id: &str,
) -> Result<&'a Tracked, ApiError> {
    let region = ctx.input.str("RegionId");
    world
        .get(id)
        .filter(|t| region.is_none_or(|r| t.instance.region == r))
        .ok_or_else(|| not_found(ctx))
}

/// The instance `id` (in `RegionId` when the action has one), or NotFound.
fn instance<'a>(
    world: &'a mut World,
    ctx: &Context<'_>,
    id: &str,
) -> Result<&'a mut Tracked, ApiError> {
    let region = ctx.input.str("RegionId");
    world
        .get_mut(id)
        .filter(|t| region.is_none_or(|r| t.instance.region == r))
        .ok_or_else(|| not_found(ctx))
}

/// Whether `id` may go from its status to `to` through `via`; the refusal if not.
fn check_change(
    world: &mut World,
    ctx: &Context<'_>,
    id: &str,
    from: InstanceStatus,
) -> Result<InstanceStatus, ApiError> {
    let tracked = instance(world, ctx, id)?;
    if tracked.instance.locked {
        return Err(ctx.spec_error(
            "InstanceLockedForSecurity",
            403,
            "The specified operation is denied as your instance is locked for security reasons.",
        ));
    }
    let status = tracked.instance.status;
    if status != from {
        return Err(incorrect_status(ctx, status));
    }
    Ok(status)
}

fn start_instance(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("InstanceId").unwrap_or_default();
    check_change(world, ctx, id, InstanceStatus::Stopped)?;
    ctx.dry_run()?;
    begin_start(world, ctx, id);
    Ok(Map::new())
}

fn begin_start(world: &mut World, ctx: &Context<'_>, id: &str) {
    world.begin_transition(id, InstanceStatus::Starting, InstanceStatus::Running);
    if let Some(t) = world.get_mut(id) {
        t.ecs.set("StartTime", clock::rfc3339_minutes(ctx.now));
        t.ecs.set("StoppedMode", "Not-applicable");
    }
}

/// `RedeployInstance`: the instance moves to another host. From `Running` or `Stopped` it goes
/// through `Starting` to `Running` on the world's clock (the service stops a running one
/// first; the emulator shows no `Stopping`), and the answer names the task that follows it.
fn redeploy_instance(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("InstanceId").unwrap_or_default();
    let status = instance(world, ctx, id)?.instance.status;
    if !matches!(status, InstanceStatus::Running | InstanceStatus::Stopped) {
        return Err(incorrect_status(ctx, status));
    }
    check_change(world, ctx, id, status)?;
    begin_start(world, ctx, id);
    let task = ecs_tasks::start_task(world, ctx, "RedeployInstance", id);
    Ok(obj(json!({"TaskId": task})))
}

fn stop_instance(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("InstanceId").unwrap_or_default();
    check_change(world, ctx, id, InstanceStatus::Running)?;
    ctx.dry_run()?;
    begin_stop(world, ctx, id);
    Ok(Map::new())
}

fn begin_stop(world: &mut World, ctx: &Context<'_>, id: &str) {
    world.begin_transition(id, InstanceStatus::Stopping, InstanceStatus::Stopped);
    let mode = match ctx.input.str("StoppedMode") {
        Some("StopCharging") => "StopCharging",
        _ => "KeepCharging",
    };
    if let Some(t) = world.get_mut(id) {
        t.ecs.set("StoppedMode", mode);
    }
}

/// A batch status change (`StartInstances`, `StopInstances`, `RebootInstances`): with
/// `BatchOptimization=AllTogether` (the default) one refusal refuses the call; with
/// `SuccessFirst` each instance gets its own code in `InstanceResponses`.
fn batch(
    world: &mut World,
    ctx: &Context<'_>,
    from: InstanceStatus,
    apply: fn(&mut World, &Context<'_>, &str),
) -> Outcome {
    let ids = ctx.input.ids("InstanceId");
    let success_first = ctx.input.str("BatchOptimization") == Some("SuccessFirst");
    let mut checks = Vec::with_capacity(ids.len());
    for id in &ids {
        let check = check_change(world, ctx, id, from);
        if let (Err(e), false) = (&check, success_first) {
            return Err(e.clone());
        }
        checks.push(check);
    }
    if ctx.input.bool("DryRun").unwrap_or(false) {
        return Err(ctx.spec_error(
            "DRYRUN.SUCCESS",
            400,
            "This request is a dryrun request with successful result.",
        ));
    }
    let mut responses = Vec::with_capacity(ids.len());
    for (id, check) in ids.iter().zip(checks) {
        let previous = world
            .get(id)
            .map(|t| t.instance.status.to_string())
            .unwrap_or_default();
        let (code, message) = match check {
            Ok(_) => {
                apply(world, ctx, id);
                ("200".to_owned(), "success".to_owned())
            }
            Err(e) => (e.code, e.message),
        };
        let current = world
            .get(id)
            .map(|t| t.instance.status.to_string())
            .unwrap_or_default();
        responses.push(json!({
            "InstanceId": id,
            "Code": code,
            "Message": message,
            "PreviousStatus": previous,
            "CurrentStatus": current,
        }));
    }
    let mut out = Map::new();
    out.insert("InstanceResponses".into(), Value::Array(responses));
    Ok(out)
}

fn start_instances(world: &mut World, ctx: &Context<'_>) -> Outcome {
    batch(world, ctx, InstanceStatus::Stopped, begin_start)
}

fn stop_instances(world: &mut World, ctx: &Context<'_>) -> Outcome {
    batch(world, ctx, InstanceStatus::Running, begin_stop)
}

fn reboot_instances(world: &mut World, ctx: &Context<'_>) -> Outcome {
    batch(world, ctx, InstanceStatus::Running, |world, ctx, id| {
        // Checked by `batch`; the reboot itself is the one `RebootInstance` does.
        let _ = super::ecs::reboot(world, ctx, id, false);
    })
}

/// Whether `id` may be released now; the refusal if not.
fn check_release(
    world: &mut World,
    ctx: &Context<'_>,
    id: &str,
    force: bool,
) -> Result<(), ApiError> {
    let tracked = instance(world, ctx, id)?;
    if tracked.ecs.attrs.get("DeletionProtection") == Some(&Value::Bool(true)) {
        return Err(ctx.spec_error(
            "InvalidOperation.DeletionProtection",
            403,
            "The instance is protected from deletion; turn DeletionProtection off first.",
        ));
    }
    if tracked.instance.locked {
        return Err(ctx.spec_error(
            "InstanceLockedForSecurity",
            403,
            "The specified operation is denied as your instance is locked for security reasons.",
        ));
    }
    match tracked.instance.status {
        InstanceStatus::Stopped => Ok(()),
        InstanceStatus::Running if force => Ok(()),
        status => Err(incorrect_status(ctx, status)),
    }
}

/// Releases `id`: disks made with it go too, other disks, secondary interfaces and EIPs are
/// detached.
pub(super) fn release(world: &mut World, id: &str, now: std::time::SystemTime) {
    let disks: Vec<(String, bool)> = ecs_world::disks_of(&world.store, id)
        .iter()
        .map(|d| {
            let with = d.attrs.get("DeleteWithInstance") == Some(&Value::Bool(true));
            (d.id.clone(), with)
        })
        .collect();
    for (disk, delete) in disks {
        if delete {
            world.store.remove(DISK, &disk);
        } else {
            ecs_world::detach_disk(&mut world.store, &disk, now);
        }
    }
    world.remove(id);
    // Secondary interfaces and EIPs bound to it are free again.
    super::ecs_network_interfaces::reconcile(world);
    super::ecs_eips::reconcile(world);
}

fn delete_instance(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("InstanceId").unwrap_or_default();
    let force = ctx.input.bool("Force").unwrap_or(false);
    check_release(world, ctx, id, force)?;
    ctx.dry_run()?;
    release(world, id, ctx.now);
    Ok(Map::new())
}

fn delete_instances(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let ids = ctx.input.ids("InstanceId");
    let force = ctx.input.bool("Force").unwrap_or(false);
    for id in &ids {
        check_release(world, ctx, id, force)?;
    }
    if ctx.input.bool("DryRun").unwrap_or(false) {
        return Err(ctx.spec_error(
            "DRYRUN.SUCCESS",
            400,
            "This request is a dryrun request with successful result.",
        ));
    }
    for id in &ids {
        release(world, id, ctx.now);
    }
    Ok(Map::new())
}

// ----- Describe ------------------------------------------------------------------------------

/// The instances `ids` (all of the region when empty) passing `query`, oldest first.
fn select<'a>(world: &'a World, ids: &[String], query: &Query) -> Vec<&'a Tracked> {
    let mut rows: Vec<&Tracked> = if ids.is_empty() {
        world.iter().filter(|t| query.matches(&t.ecs)).collect()
    } else {
        let mut seen = std::collections::HashSet::new();
        ids.iter()
            .filter(|id| seen.insert(id.as_str()))
            .filter_map(|id| world.get(id))
            .filter(|t| query.matches(&t.ecs))
            .collect()
    };
    // Instances are kept by id, which is creation order for most worlds: sort only if not.
    if !rows.is_sorted_by_key(|t| t.ecs.seq) {
        rows.sort_by_key(|t| t.ecs.seq);
    }
    rows
}

/// The describe item of an instance (with the public address it was given, if any).
fn item(tracked: &Tracked) -> Value {
    tracked.ecs.item()
}

fn describe_instances(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let ids = input.ids("InstanceIds");
    let mut query = Query::new(input)
        .param(input, "ZoneId", "ZoneId")
        .param(input, "VpcId", "VpcAttributes.VpcId")
        .param(input, "VSwitchId", "VpcAttributes.VSwitchId")
        .param(input, "SecurityGroupId", "SecurityGroupIds")
        .param(input, "Status", "Status")
        .param(input, "ImageId", "ImageId")
        .param(input, "InstanceType", "InstanceType")
        .param(input, "InstanceTypeFamily", "InstanceTypeFamily")
        .param(input, "InstanceNetworkType", "InstanceNetworkType")
        .param(input, "InstanceChargeType", "InstanceChargeType")
        .param(input, "InternetChargeType", "InternetChargeType")
        .param(input, "KeyPairName", "KeyPairName")
        .param(input, "ResourceGroupId", "ResourceGroupId")
        .param(input, "IoOptimized", "IoOptimized")
        .param(input, "DeviceAvailable", "DeviceAvailable")
        .tags(input, "Tag");
    if let Some(name) = input.str("InstanceName").filter(|n| !n.contains('*')) {
        query = query.eq("InstanceName", Some(name));
    }
    let private_ips = input.ids("PrivateIpAddresses");
    let public_ips = input.ids("PublicIpAddresses");
    let name_pattern = input.str("InstanceName").filter(|n| n.contains('*'));
    let rows: Vec<&Tracked> = select(world, &ids, &query)
        .into_iter()
        .filter(|t| any_in(&t.ecs, "VpcAttributes.PrivateIpAddress", &private_ips))
        .filter(|t| any_in(&t.ecs, "PublicIpAddress", &public_ips))
        .filter(|t| {
            name_pattern.is_none_or(|p| {
                crate::store::wildcard(p, t.ecs.str("InstanceName").unwrap_or_default())
            })
        })
        .collect();
    store::page(input, rows, "Instances", item)
}

/// Whether the list at `path` holds one of `wanted` (true when `wanted` is empty).
fn any_in(row: &Resource, path: &str, wanted: &[String]) -> bool {
    wanted.is_empty()
        || row
            .attr(path)
            .and_then(Value::as_array)
            .is_some_and(|have| {
                have.iter()
                    .any(|v| v.as_str().is_some_and(|v| wanted.iter().any(|w| w == v)))
            })
}

fn describe_instance_status(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let ids = input.ids("InstanceId");
    let query = Query::new(input).param(input, "ZoneId", "ZoneId");
    let rows = select(world, &ids, &query);
    store::page(
        input,
        rows,
        "InstanceStatuses",
        |t| json!({"InstanceId": t.instance.id, "Status": t.instance.status.to_string()}),
    )
}

fn describe_instances_full_status(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let ids = input.ids("InstanceId");
    let query = Query::new(input).param(input, "Status", "Status");
    let rows = select(world, &ids, &query);
    store::page(input, rows, "InstanceFullStatusSet", |t| {
        let status = t.instance.status.to_string();
        json!({
            "InstanceId": t.instance.id,
            "Status": {"Code": status_code(t.instance.status), "Name": status},
            "HealthStatus": {"Code": 0, "Name": "Ok"},
            "ScheduledSystemEventSet": [],
        })
    })
}

/// The numeric status code `DescribeInstancesFullStatus` reports.
fn status_code(status: InstanceStatus) -> i64 {
    match status {
        InstanceStatus::Pending => 0,
        InstanceStatus::Running => 1,
        InstanceStatus::Starting => 2,
        InstanceStatus::Stopping => 64,
        InstanceStatus::Stopped => 80,
    }
}

fn describe_instance_attribute(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("InstanceId").unwrap_or_default();
    let tracked = instance(world, ctx, id)?;
    let mut out = tracked.ecs.attrs.clone();
    // This action reports `IoOptimized` as text and the locks under their own name.
    out.insert("IoOptimized".into(), json!("optimized"));
    out.insert("EnableJumboFrame".into(), json!(false));
    Ok(out)
}

// ----- Changes -------------------------------------------------------------------------------

fn modify_instance_attribute(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let id = input.str("InstanceId").unwrap_or_default();
    let region = instance(world, ctx, id)?.instance.region.clone();
    let groups = input.strings("SecurityGroupIds");
    if !groups.is_empty() {
        let vpc = world
            .get(id)
            .and_then(|t| t.ecs.attr("VpcAttributes.VpcId"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        for sg in &groups {
            let group = world.store.find(SECURITY_GROUP, &region, sg, || {
                ApiError::new(
                    404,
                    "InvalidSecurityGroupId.NotFound",
                    "The SecurityGroupId provided does not exist in our records.",
                )
            })?;
            if group.str("VpcId") != Some(vpc.as_str()) {
                return Err(ApiError::new(
                    403,
                    "InvalidSecurityGroup.VpcMismatch",
                    "The security group is not in the instance's VPC.",
                ));
            }
        }
    }
    let tracked = instance(world, ctx, id)?;
    for (param, attr) in [
        ("InstanceName", "InstanceName"),
        ("Description", "Description"),
        ("HostName", "HostName"),
        ("UserData", "UserData"),
        ("CreditSpecification", "CreditSpecification"),
    ] {
        if let Some(value) = input.str(param) {
            tracked.ecs.set(attr, value);
        }
    }
    for (param, attr) in [
        ("DeletionProtection", "DeletionProtection"),
        ("Recyclable", "Recyclable"),
    ] {
        if let Some(value) = input.bool(param) {
            tracked.ecs.set(attr, value);
        }
    }
    if !groups.is_empty() {
        tracked.ecs.set("SecurityGroupIds", json!(groups));
    }
    Ok(Map::new())
}

fn modify_instance_spec(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let id = input.str("InstanceId").unwrap_or_default();
    let tracked = instance(world, ctx, id)?;
    if let Some(type_id) = input.str("InstanceType") {
        let ty = ecs_data::instance_type(type_id).ok_or_else(|| {
            ctx.spec_error(
                "InvalidInstanceType.ValueNotSupported",
                400,
                "The specified InstanceType beyond the permitted range.",
            )
        })?;
        if tracked.instance.status != InstanceStatus::Stopped {
            return Err(ctx.spec_error(
                "InvalidInstanceStatus.NotStopped",
                400,
                "The instance must be stopped to change its type.",
            ));
        }
        ctx.dry_run()?;
        tracked.ecs.set("InstanceType", ty.id);
        tracked.ecs.set("InstanceTypeFamily", ty.family);
        tracked.ecs.set("Cpu", ty.cpu);
        tracked.ecs.set("Memory", (ty.memory * 1024.0) as i64);
    }
    for (param, attr) in [
        ("InternetMaxBandwidthOut", "InternetMaxBandwidthOut"),
        ("InternetMaxBandwidthIn", "InternetMaxBandwidthIn"),
    ] {
        if let Some(value) = input.int(param) {
            tracked.ecs.set(attr, value);
        }
    }
    Ok(Map::new())
}

/// `ReplaceSystemDisk`: a stopped instance gets a new system disk from an image (its own by
/// default), of `SystemDisk.Size` GiB (at least the image's and the old disk's size, at most
/// 2,048); the old system disk is released and the instance's `ImageId` and OS follow.
fn replace_system_disk(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let id = input
        .str("InstanceId")
        .ok_or_else(|| ApiError::missing_parameter("InstanceId"))?
        .to_owned();
    let tracked = instance(world, ctx, &id)?;
    if tracked.instance.status != InstanceStatus::Stopped {
        return Err(incorrect_status(ctx, tracked.instance.status));
    }
    let region = tracked.ecs.region.clone();
    let zone = tracked.ecs.str("ZoneId").unwrap_or_default().to_owned();
    let image_id = input
        .str("ImageId")
        .or_else(|| tracked.ecs.str("ImageId"))
        .unwrap_or_default()
        .to_owned();
    let image = world
        .store
        .find(IMAGE, &region, &image_id, || image_not_found(ctx))?;
    let os = (
        image.str("OSType").unwrap_or("linux").to_owned(),
        image.str("OSName").unwrap_or_default().to_owned(),
    );
    let image_size = image
        .attrs
        .get("Size")
        .and_then(Value::as_i64)
        .unwrap_or(20);
    let old = ecs_world::disks_of(&world.store, &id)
        .into_iter()
        .find(|d| d.str("Type") == Some("system"))
        .map(|d| {
            (
                d.id.clone(),
                d.attrs.get("Size").and_then(Value::as_i64).unwrap_or(0),
            )
        })
        .ok_or_else(|| {
            ctx.spec_error(
                "InvalidInstance.NotFoundSystemDisk",
                400,
                "The specified instance has no system disk.",
            )
        })?;
    let size = match input.get("SystemDisk").and_then(|d| d.get("Size")) {
        Some(size) => size.as_i64().unwrap_or(0),
        None => old.1.max(image_size),
    };
    if size < image_size.max(old.1) || size > 2048 {
        return Err(ctx.spec_error(
            "InvalidSystemDiskSize.ValueNotSupported",
            400,
            "The specified SystemDisk.Size is smaller than the image or the old disk, or above \
             2048 GiB.",
        ));
    }
    ctx.dry_run()?;
    world.store.remove(DISK, &old.0);
    let spec = DiskSpec::system(&zone, size, &image_id);
    let disk = ecs_world::create_system_disk(&mut world.store, &region, &spec, &id, ctx.now);
    if let Some(tracked) = world.get_mut(&id) {
        tracked.ecs.set("ImageId", image_id);
        tracked.ecs.set("OSType", os.0);
        tracked.ecs.set("OSName", os.1);
    }
    Ok(obj(json!({ "DiskId": disk })))
}

fn modify_instance_charge_type(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let ids = input.ids("InstanceIds");
    for id in &ids {
        instance(world, ctx, id)?;
    }
    let charge = input
        .str("InstanceChargeType")
        .unwrap_or("PrePaid")
        .to_owned();
    // A new subscription's term (1 month unless `Period` says otherwise).
    let term = match charge.as_str() {
        "PrePaid" => Some(Term::requested(ctx, Some(1))?),
        _ => None,
    };
    ctx.dry_run()?;
    for id in &ids {
        if let Some(t) = world.get_mut(id) {
            let was_subscription = t.ecs.str("InstanceChargeType") == Some("PrePaid");
            match &term {
                Some(term) if !was_subscription => term.apply(&mut t.ecs),
                None if was_subscription => ecs_subscriptions::end_term(&mut t.ecs),
                _ => {}
            }
            t.ecs.set("InstanceChargeType", charge.as_str());
            if let Some(internet) = input.str("InternetChargeType") {
                t.ecs.set("InternetChargeType", internet);
            }
        }
    }
    let mut out = Map::new();
    out.insert("OrderId".into(), json!(""));
    Ok(out)
}

fn modify_instance_vpc_attribute(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let id = input.str("InstanceId").unwrap_or_default();
    let tracked = instance(world, ctx, id)?;
    if tracked.instance.status != InstanceStatus::Stopped {
        return Err(incorrect_status(ctx, tracked.instance.status));
    }
    let region = tracked.instance.region.clone();
    let mut vpc = tracked
        .ecs
        .attr("VpcAttributes")
        .cloned()
        .unwrap_or_else(|| json!({}));
    if let Some(vsw) = input.str("VSwitchId") {
        let vswitch = world.store.find(VSWITCH, &region, vsw, || {
            ApiError::new(
                404,
                "InvalidVSwitchId.NotFound",
                "Specified virtual switch does not exist.",
            )
        })?;
        let zone = vswitch.str("ZoneId").unwrap_or_default().to_owned();
        vpc["VSwitchId"] = json!(vsw);
        vpc["VpcId"] = json!(vswitch.str("VpcId").unwrap_or_default());
        let seq = world.store.next_seq();
        let ip = input
            .str("PrivateIpAddress")
            .map(str::to_owned)
            .unwrap_or_else(|| private_ip_for(&world.store, vsw, seq));
        vpc["PrivateIpAddress"] = json!([ip]);
        let groups = input.strings("SecurityGroupId");
        let tracked = instance(world, ctx, id)?;
        tracked.ecs.set("ZoneId", zone);
        tracked.ecs.set("VpcAttributes", vpc);
        if !groups.is_empty() {
            tracked.ecs.set("SecurityGroupIds", json!(groups));
        }
    } else if let Some(ip) = input.str("PrivateIpAddress") {
        vpc["PrivateIpAddress"] = json!([ip]);
        instance(world, ctx, id)?.ecs.set("VpcAttributes", vpc);
    }
    Ok(Map::new())
}

fn modify_instance_network_spec(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let id = input.str("InstanceId").unwrap_or_default();
    let tracked = instance(world, ctx, id)?;
    if let Some(out) = input.int("InternetMaxBandwidthOut") {
        tracked.ecs.set("InternetMaxBandwidthOut", out);
    }
    if let Some(bw_in) = input.int("InternetMaxBandwidthIn") {
        tracked.ecs.set("InternetMaxBandwidthIn", bw_in);
    }
    if let Some(charge) = input.str("NetworkChargeType") {
        tracked.ecs.set("InternetChargeType", charge);
    }
    let mut out = Map::new();
    out.insert("OrderId".into(), json!(""));
    Ok(out)
}

fn modify_instance_auto_release_time(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("InstanceId").unwrap_or_default();
    let time = ctx
        .input
        .str("AutoReleaseTime")
        .unwrap_or_default()
        .to_owned();
    instance(world, ctx, id)?.ecs.set("AutoReleaseTime", time);
    Ok(Map::new())
}

fn modify_instance_metadata_options(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let id = input.str("InstanceId").unwrap_or_default();
    let tracked = instance(world, ctx, id)?;
    let mut options = tracked
        .ecs
        .attr("MetadataOptions")
        .cloned()
        .unwrap_or_else(|| json!({}));
    if let Some(v) = input.str("HttpEndpoint") {
        options["HttpEndpoint"] = json!(v);
    }
    if let Some(v) = input.str("HttpTokens") {
        options["HttpTokens"] = json!(v);
    }
    if let Some(v) = input.int("HttpPutResponseHopLimit") {
        options["HttpPutResponseHopLimit"] = json!(v);
    }
    tracked.ecs.set("MetadataOptions", options);
    Ok(Map::new())
}

fn describe_user_data(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("InstanceId").unwrap_or_default();
    let tracked = instance(world, ctx, id)?;
    let mut out = Map::new();
    out.insert("InstanceId".into(), json!(id));
    out.insert("RegionId".into(), json!(tracked.instance.region));
    out.insert(
        "UserData".into(),
        json!(tracked.ecs.str("UserData").unwrap_or_default()),
    );
    Ok(out)
}

fn allocate_public_ip_address(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("InstanceId").unwrap_or_default();
    let seq = world.store.next_seq();
    let tracked = instance(world, ctx, id)?;
    let has = tracked
        .ecs
        .attr("PublicIpAddress")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    if has {
        return Err(ApiError::new(
            403,
            "AllocatedAlready",
            "The instance already has a public IP address.",
        ));
    }
    let ip = format!(
        "47.{}.{}.{}",
        96 + (seq / 65_536) % 32,
        (seq / 256) % 256,
        seq % 254 + 1
    );
    tracked.ecs.set("PublicIpAddress", json!([ip]));
    let mut out = Map::new();
    out.insert("IpAddress".into(), json!(ip));
    Ok(out)
}

/// The security groups of `id`, checked, for joining or leaving `sg`.
fn group_change(
    world: &mut World,
    ctx: &Context<'_>,
) -> Result<(String, String, Vec<String>), ApiError> {
    let input = ctx.input;
    let id = input.str("InstanceId").unwrap_or_default().to_owned();
    let sg = input.str("SecurityGroupId").unwrap_or_default().to_owned();
    let region = instance(world, ctx, &id)?.instance.region.clone();
    world.store.find(SECURITY_GROUP, &region, &sg, || {
        ApiError::new(
            404,
            "InvalidSecurityGroupId.NotFound",
            "The SecurityGroupId provided does not exist in our records.",
        )
    })?;
    let groups: Vec<String> = world
        .get(&id)
        .and_then(|t| t.ecs.attrs.get("SecurityGroupIds"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Ok((id, sg, groups))
}

fn join_security_group(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let (id, sg, mut groups) = group_change(world, ctx)?;
    if groups.contains(&sg) {
        return Err(ApiError::new(
            403,
            "InvalidInstanceId.AlreadyExists",
            "The instance is already in the security group.",
        ));
    }
    groups.push(sg);
    instance(world, ctx, &id)?
        .ecs
        .set("SecurityGroupIds", json!(groups));
    Ok(Map::new())
}

fn leave_security_group(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let (id, sg, mut groups) = group_change(world, ctx)?;
    if !groups.contains(&sg) {
        return Err(ApiError::new(
            403,
            "InstanceNotInSecurityGroup",
            "The instance is not in the security group.",
        ));
    }
    if groups.len() == 1 {
        return Err(ApiError::new(
            403,
            "InstanceLastSecurityGroup",
            "An instance must stay in at least one security group.",
        ));
    }
    groups.retain(|g| *g != sg);
    instance(world, ctx, &id)?
        .ecs
        .set("SecurityGroupIds", json!(groups));
    Ok(Map::new())
}

fn describe_instance_vnc_url(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("InstanceId").unwrap_or_default();
    instance(world, ctx, id)?;
    let mut out = Map::new();
    out.insert(
        "VncUrl".into(),
        json!(format!(
            "wss://emulator.invalid/vnc?instanceId={id}&vncToken=emulated"
        )),
    );
    Ok(out)
}

fn modify_instance_vnc_passwd(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("InstanceId").unwrap_or_default();
    instance(world, ctx, id)?;
    Ok(Map::new())
}

fn get_instance_console_output(world: &mut World, ctx: &Context<'_>) -> Outcome {
    use base64::Engine as _;
    let id = ctx.input.str("InstanceId").unwrap_or_default();
    let tracked = instance(world, ctx, id)?;
    let text = format!(
        "[  OK  ] Emulated boot of {id} ({}).\n{} login:\n",
        tracked.ecs.str("OSName").unwrap_or_default(),
        tracked.ecs.str("HostName").unwrap_or_default()
    );
    let mut out = Map::new();
    out.insert("InstanceId".into(), json!(id));
    out.insert("LastUpdateTime".into(), json!(clock::rfc3339(ctx.now)));
    out.insert(
        "ConsoleOutput".into(),
        json!(base64::engine::general_purpose::STANDARD.encode(text)),
    );
    Ok(out)
}

fn attach_instance_ram_role(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let role = ctx.input.str("RamRoleName").unwrap_or_default().to_owned();
    let ids = ctx.input.ids("InstanceIds");
    for id in &ids {
        instance(world, ctx, id)?;
    }
    let mut results = Vec::new();
    for id in &ids {
        if let Some(t) = world.get_mut(id) {
            t.ecs.set("RamRoleName", role.as_str());
        }
        results
            .push(json!({"InstanceId": id, "Code": "200", "Message": "success", "Success": true}));
    }
    let mut out = Map::new();
    out.insert("TotalCount".into(), json!(ids.len()));
    out.insert("FailCount".into(), json!(0));
    out.insert("RamRoleName".into(), json!(role));
    out.insert("AttachInstanceRamRoleResults".into(), Value::Array(results));
    Ok(out)
}

fn detach_instance_ram_role(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let ids = ctx.input.ids("InstanceIds");
    for id in &ids {
        instance(world, ctx, id)?;
    }
    let mut results = Vec::new();
    let mut role = String::new();
    for id in &ids {
        if let Some(t) = world.get_mut(id) {
            role = t.ecs.str("RamRoleName").unwrap_or_default().to_owned();
            t.ecs.set("RamRoleName", "");
        }
        results.push(json!({
            "InstanceId": id, "Code": "200", "Message": "success", "Success": true,
            "InstanceRamRoleSets": [{"InstanceId": id, "RamRoleName": role}],
        }));
    }
    let mut out = Map::new();
    out.insert("TotalCount".into(), json!(ids.len()));
    out.insert("FailCount".into(), json!(0));
    out.insert("RamRoleName".into(), json!(role));
    out.insert("DetachInstanceRamRoleResults".into(), Value::Array(results));
    Ok(out)
}

fn describe_instance_ram_role(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let ids = input.ids("InstanceIds");
    let role = input.str("RamRoleName");
    let query = Query::new(input).eq("RamRoleName", role);
    let rows: Vec<&Tracked> = select(world, &ids, &query)
        .into_iter()
        .filter(|t| !t.ecs.str("RamRoleName").unwrap_or_default().is_empty())
        .collect();
    let mut out = store::page(
        input,
        rows,
        "InstanceRamRoleSets",
        |t| json!({"InstanceId": t.instance.id, "RamRoleName": t.ecs.str("RamRoleName")}),
    )?;
    out.insert("RegionId".into(), json!(input.str("RegionId")));
    Ok(out)
}
