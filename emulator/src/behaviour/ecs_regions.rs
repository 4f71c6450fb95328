//! ECS: what the cloud offers, from the fixed facts of `ecs_data` — regions
//! (`DescribeRegions`), zones (`DescribeZones`), instance types and their families
//! (`DescribeInstanceTypes`, `DescribeInstanceTypeFamilies`), what can be created where
//! (`DescribeAvailableResource`, `DescribeResourcesModification`) and the account's quotas
//! (`DescribeAccountAttributes`, with the used amounts counted from the world).
//!
//! Every zone offers every instance type and disk category, always with stock; a region not
//! in `ecs_data::REGIONS` has the one synthetic zone the rest of the world gives it.

use serde_json::{Map, Value, json};

use super::ecs_data::{self, INSTANCE_TYPES, InstanceType, REGIONS};
use super::ecs_world::{self, DISK};
use super::{Context, Model, Outcome};
use crate::error::ApiError;
use crate::store;
use crate::world::World;

/// The region and capacity actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("DescribeRegions", describe_regions),
    Model::ecs("DescribeZones", describe_zones),
    Model::ecs("DescribeInstanceTypes", describe_instance_types),
    Model::ecs(
        "DescribeInstanceTypeFamilies",
        describe_instance_type_families,
    ),
    Model::ecs("DescribeAvailableResource", describe_available_resource),
    Model::ecs(
        "DescribeResourcesModification",
        describe_resources_modification,
    ),
    Model::ecs("DescribeAccountAttributes", describe_account_attributes),
];

/// The disk categories every zone offers.
const DISK_CATEGORIES: &[&str] = &["cloud_efficiency", "cloud_ssd", "cloud_essd", "cloud_auto"];

/// The resources every zone can create.
const RESOURCE_CREATION: &[&str] = &[
    "VSwitch",
    "IoOptimized",
    "Instance",
    "Disk",
    "DedicatedHost",
];

/// `AcceptLanguage` checked: `zh-CN`, `en-US` or `ja` (names are kept in English).
fn check_language(ctx: &Context<'_>) -> Result<(), ApiError> {
    match ctx.input.str("AcceptLanguage") {
        None | Some("zh-CN" | "en-US" | "ja") => Ok(()),
        Some(_) => Err(ctx.spec_error(
            "InvalidAcceptLanguage.NotFound",
            404,
            "The specified AcceptLanguage is not found.",
        )),
    }
}

/// `InstanceChargeType` checked against the service's values.
fn check_charge_type(ctx: &Context<'_>, code: &str, status: u16) -> Result<(), ApiError> {
    match ctx.input.str("InstanceChargeType") {
        None | Some("PrePaid" | "PostPaid") => Ok(()),
        Some(_) => Err(ctx.spec_error(
            code,
            status,
            "The specified InstanceChargeType is not valid.",
        )),
    }
}

fn describe_regions(_world: &mut World, ctx: &Context<'_>) -> Outcome {
    check_language(ctx)?;
    check_charge_type(ctx, "Invalid.InstanceChargeType", 403)?;
    match ctx.input.str("ResourceType") {
        None | Some("instance" | "disk" | "reservedinstance" | "scu") => {}
        Some(_) => {
            return Err(ctx.spec_error(
                "InvalidResourceType.NotFound",
                404,
                "The specified ResourceType is not found.",
            ));
        }
    }
    let regions: Vec<Value> = REGIONS
        .iter()
        .map(|r| {
            json!({
                "RegionId": r.id,
                "LocalName": r.local_name,
                "RegionEndpoint": r.endpoint,
                "Status": "available",
            })
        })
        .collect();
    let mut out = Map::new();
    out.insert("Regions".into(), Value::Array(regions));
    Ok(out)
}

/// A zone's name as the console shows it: the region's name and the zone's letter
/// (`China (Hangzhou) Zone H`).
fn zone_local_name(region: &str, zone: &str) -> String {
    let region_name = REGIONS
        .iter()
        .find(|r| r.id == region)
        .map_or(region, |r| r.local_name);
    let letter = zone
        .chars()
        .last()
        .map(|c| c.to_ascii_uppercase())
        .unwrap_or('A');
    format!("{region_name} Zone {letter}")
}

fn type_ids() -> Vec<&'static str> {
    INSTANCE_TYPES.iter().map(|t| t.id).collect()
}

fn families() -> Vec<&'static str> {
    let mut families: Vec<&str> = INSTANCE_TYPES.iter().map(|t| t.family).collect();
    families.dedup();
    families
}

fn describe_zones(_world: &mut World, ctx: &Context<'_>) -> Outcome {
    check_language(ctx)?;
    check_charge_type(ctx, "InvalidInstanceChargeType.NotFound", 404)?;
    match ctx.input.str("SpotStrategy") {
        None | Some("NoSpot" | "SpotWithPriceLimit" | "SpotAsPriceGo") => {}
        Some(_) => {
            return Err(ctx.spec_error(
                "InvalidSpotStrategy",
                400,
                "The specified SpotStrategy is not valid.",
            ));
        }
    }
    let region = ctx.region();
    let verbose = ctx.input.bool("Verbose").unwrap_or(true);
    let zones: Vec<Value> = ecs_data::zones(&region)
        .iter()
        .map(|zone| {
            let mut item = json!({
                "ZoneId": zone,
                "LocalName": zone_local_name(&region, zone),
                "ZoneType": "AvailabilityZone",
                "AvailableResourceCreation": RESOURCE_CREATION,
                "AvailableDiskCategories": DISK_CATEGORIES,
                "AvailableInstanceTypes": type_ids(),
                "AvailableVolumeCategories": [],
                "AvailableDedicatedHostTypes": [],
                "DedicatedHostGenerations": [],
            });
            if verbose {
                item["AvailableResources"] = json!([{
                    "IoOptimized": true,
                    "NetworkTypes": ["vpc"],
                    "InstanceGenerations": generations(),
                    "InstanceTypeFamilies": families(),
                    "InstanceTypes": type_ids(),
                    "SystemDiskCategories": DISK_CATEGORIES,
                    "DataDiskCategories": DISK_CATEGORIES,
                }]);
            }
            item
        })
        .collect();
    let mut out = Map::new();
    out.insert("Zones".into(), Value::Array(zones));
    Ok(out)
}

/// The generation of an instance type family (`ecs-6` for the 7th-generation families).
fn generation(family: &str) -> &'static str {
    match family {
        "ecs.g8i" => "ecs-7",
        "ecs.t6" => "ecs-5",
        _ => "ecs-6",
    }
}

fn generations() -> Vec<&'static str> {
    let mut all: Vec<&str> = INSTANCE_TYPES
        .iter()
        .map(|t| generation(t.family))
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// The category of an instance type family, as `DescribeInstanceTypes` reports it.
fn category(ty: &InstanceType) -> &'static str {
    if ty.gpu > 0 {
        return "Compute-optimized with GPU";
    }
    match ty.family {
        "ecs.t6" => "Shared",
        f if f.starts_with("ecs.c") => "Compute-optimized",
        f if f.starts_with("ecs.r") => "Memory-optimized",
        _ => "General-purpose",
    }
}

fn family_level(ty: &InstanceType) -> &'static str {
    match ty.family {
        "ecs.t6" => "CreditEntryLevel",
        "ecs.u1" => "EntryLevel",
        _ => "EnterpriseLevel",
    }
}

/// The describe item of an instance type.
fn type_item(ty: &InstanceType) -> Value {
    json!({
        "InstanceTypeId": ty.id,
        "InstanceTypeFamily": ty.family,
        "InstanceCategory": category(ty),
        "InstanceFamilyLevel": family_level(ty),
        "CpuCoreCount": ty.cpu,
        "CpuArchitecture": "X86",
        "CpuSpeedFrequency": 2.7,
        "CpuTurboFrequency": 3.5,
        "PhysicalProcessorModel": "Intel Xeon (Ice Lake) Platinum 8369B",
        "MemorySize": ty.memory,
        "GPUAmount": ty.gpu,
        "GPUSpec": if ty.gpu > 0 { "NVIDIA A10" } else { "" },
        "GPUMemorySize": if ty.gpu > 0 { 24.0 } else { 0.0 },
        "EniQuantity": ty.eni_quantity,
        "EniTotalQuantity": ty.eni_quantity,
        "EniPrivateIpAddressQuantity": ty.private_ips_per_eni,
        "EniIpv6AddressQuantity": ty.private_ips_per_eni,
        "EniTrunkSupported": true,
        "EriQuantity": 0,
        "MaximumQueueNumberPerEni": ty.cpu.min(8),
        "PrimaryEniQueueNumber": ty.cpu.min(8),
        "SecondaryEniQueueNumber": ty.cpu.min(8),
        "TotalEniQueueQuantity": ty.cpu.min(8) * ty.eni_quantity,
        "QueuePairNumber": 0,
        "InstanceBandwidthRx": 1_024_000 * ty.cpu / 2,
        "InstanceBandwidthTx": 1_024_000 * ty.cpu / 2,
        "InstancePpsRx": 450_000 * u64::from(ty.cpu) / 2,
        "InstancePpsTx": 450_000 * u64::from(ty.cpu) / 2,
        "LocalStorageAmount": 0,
        "LocalStorageCapacity": 0,
        "LocalStorageCategory": "",
        "DiskQuantity": 17,
        "NvmeSupport": if ty.family == "ecs.g8i" { "required" } else { "unsupported" },
        "NetworkCardQuantity": 1,
        "NetworkCards": [{"NetworkCardIndex": 0}],
        "NetworkEncryptionSupport": false,
        "SupportedBootModes": ["BIOS", "UEFI"],
        "BaselineCredit": if ty.family == "ecs.t6" { 10 } else { 0 },
        "InitialCredit": if ty.family == "ecs.t6" { 60 } else { 0 },
    })
}

fn describe_instance_types(_world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let ids = input.strings("InstanceTypes");
    let mut families = input.strings("InstanceTypeFamilies");
    families.extend(input.str("InstanceTypeFamily").map(str::to_owned));
    let mut categories = input.strings("InstanceCategories");
    categories.extend(input.str("InstanceCategory").map(str::to_owned));
    let mut architectures = input.strings("CpuArchitectures");
    architectures.extend(input.str("CpuArchitecture").map(str::to_owned));
    let level = input.str("InstanceFamilyLevel");
    let float = |name: &str| input.get(name).and_then(Value::as_f64);
    let int = |name: &str| input.int(name);
    let rows: Vec<&InstanceType> = INSTANCE_TYPES
        .iter()
        .filter(|t| ids.is_empty() || ids.iter().any(|id| id == t.id))
        .filter(|t| families.is_empty() || families.iter().any(|f| f == t.family))
        .filter(|t| categories.is_empty() || categories.iter().any(|c| c == category(t)))
        .filter(|_| architectures.is_empty() || architectures.iter().any(|a| a == "X86"))
        .filter(|t| level.is_none_or(|l| l == family_level(t)))
        .filter(|t| int("MinimumCpuCoreCount").is_none_or(|n| i64::from(t.cpu) >= n))
        .filter(|t| int("MaximumCpuCoreCount").is_none_or(|n| i64::from(t.cpu) <= n))
        .filter(|t| float("MinimumMemorySize").is_none_or(|n| t.memory >= n))
        .filter(|t| float("MaximumMemorySize").is_none_or(|n| t.memory <= n))
        .filter(|t| int("MinimumGPUAmount").is_none_or(|n| i64::from(t.gpu) >= n))
        .filter(|t| int("MaximumGPUAmount").is_none_or(|n| i64::from(t.gpu) <= n))
        .filter(|t| int("MinimumEniQuantity").is_none_or(|n| i64::from(t.eni_quantity) >= n))
        .filter(|t| {
            int("MinimumEniPrivateIpAddressQuantity")
                .is_none_or(|n| i64::from(t.private_ips_per_eni) >= n)
        })
        .collect();
    store::token_page(input, rows, "InstanceTypes", 1600, type_item)
}

fn describe_instance_type_families(_world: &mut World, ctx: &Context<'_>) -> Outcome {
    let wanted = ctx.input.str("Generation");
    let rows: Vec<Value> = families()
        .into_iter()
        .filter(|f| wanted.is_none_or(|g| g == generation(f)))
        .map(|f| json!({"InstanceTypeFamilyId": f, "Generation": generation(f)}))
        .collect();
    let mut out = Map::new();
    out.insert("InstanceTypeFamilies".into(), Value::Array(rows));
    Ok(out)
}

/// A supported resource in stock.
fn supported(value: &str, range: Option<(i64, i64, &str)>) -> Value {
    let mut item = json!({"Value": value, "Status": "Available", "StatusCategory": "WithStock"});
    if let Some((min, max, unit)) = range {
        item["Min"] = json!(min);
        item["Max"] = json!(max);
        item["Unit"] = json!(unit);
    }
    item
}

/// What `DestinationResource` of a zone offers, or `None` for a destination the service does
/// not know.
fn offered(destination: &str, zone: &str, instance_type: Option<&str>) -> Option<Vec<Value>> {
    let disks = |min: i64, max: i64| {
        DISK_CATEGORIES
            .iter()
            .map(|c| supported(c, Some((min, max, "GiB"))))
            .collect()
    };
    Some(match destination {
        "Zone" => vec![supported(zone, None)],
        "IoOptimized" => vec![supported("optimized", None)],
        "Network" => vec![supported("vpc", None)],
        "InstanceType" => INSTANCE_TYPES
            .iter()
            .filter(|t| instance_type.is_none_or(|want| want == t.id))
            .map(|t| supported(t.id, None))
            .collect(),
        "SystemDisk" => disks(20, 2048),
        "DataDisk" => disks(20, 32768),
        "ddh" => Vec::new(),
        _ => return None,
    })
}

/// The zones of `region` (narrowed to `zone_id`) with what `destination` offers in each;
/// zones offering nothing are left out.
fn available_zones(
    ctx: &Context<'_>,
    region: &str,
    destination: &str,
    zone_id: Option<&str>,
    instance_type: Option<&str>,
) -> Result<Vec<Value>, ApiError> {
    let mut zones = Vec::new();
    for zone in ecs_data::zones(region) {
        if zone_id.is_some_and(|z| z != zone) {
            continue;
        }
        let resources = offered(destination, &zone, instance_type).ok_or_else(|| {
            ctx.spec_error(
                "Invalid.DestinationResource",
                404,
                "The specified DestinationResource is not valid.",
            )
        })?;
        if resources.is_empty() && destination != "ddh" {
            continue;
        }
        zones.push(json!({
            "RegionId": region,
            "ZoneId": zone,
            "Status": "Available",
            "StatusCategory": "WithStock",
            "AvailableResources": [{"Type": destination, "SupportedResources": resources}],
        }));
    }
    Ok(zones)
}

fn describe_available_resource(_world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    check_charge_type(ctx, "Invalid.InstanceChargeType", 400)?;
    let destination = input.str("DestinationResource").unwrap_or_default();
    let zones = available_zones(
        ctx,
        &ctx.region(),
        destination,
        input.str("ZoneId"),
        input.str("InstanceType"),
    )?;
    let mut out = Map::new();
    out.insert("AvailableZones".into(), Value::Array(zones));
    Ok(out)
}

fn describe_resources_modification(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let region = ctx.region();
    let id = input.str("ResourceId").unwrap_or_default();
    let instance = world
        .get(id)
        .filter(|t| t.instance.region == region)
        .ok_or_else(|| {
            ctx.spec_error(
                "InvalidResourceId.NotFound",
                404,
                "The specified ResourceId is not found.",
            )
        })?;
    let zone = instance.ecs.str("ZoneId").unwrap_or_default().to_owned();
    let current = instance
        .ecs
        .str("InstanceType")
        .unwrap_or_default()
        .to_owned();
    let destination = input.str("DestinationResource").unwrap_or_default();
    if !matches!(destination, "InstanceType" | "SystemDisk") {
        return Err(ctx.spec_error(
            "Invalid.DestinationResource",
            404,
            "The specified DestinationResource is not valid.",
        ));
    }
    let mut zones = available_zones(
        ctx,
        &region,
        destination,
        Some(&zone),
        input.str("InstanceType"),
    )?;
    // Changing to the type it already has is not a change.
    if destination == "InstanceType" {
        for z in &mut zones {
            if let Some(list) = z["AvailableResources"][0]["SupportedResources"].as_array_mut() {
                list.retain(|r| r["Value"] != current.as_str());
            }
        }
    }
    let mut out = Map::new();
    out.insert("AvailableZones".into(), Value::Array(zones));
    Ok(out)
}

/// The account's attribute names and their fixed quotas (`None` for the amounts counted from
/// the world).
const ATTRIBUTES: &[(&str, Option<&str>)] = &[
    ("instance-network-type", Some("vpc")),
    ("max-security-groups", Some("800")),
    ("max-elastic-network-interfaces", Some("1000")),
    ("max-postpaid-instance-vcpu-count", Some("1000")),
    ("used-postpaid-instance-vcpu-count", None),
    ("max-spot-instance-vcpu-count", Some("800")),
    ("used-spot-instance-vcpu-count", None),
    ("max-postpaid-yundisk-capacity", Some("204800")),
    ("used-postpaid-yundisk-capacity", None),
    ("max-dedicated-hosts", Some("100")),
    ("supported-postpaid-instance-types", None),
    ("real-name-authentication", Some("yes")),
    ("max-axt-command-count", Some("500")),
    ("max-axt-invocation-daily", Some("10000")),
];

fn describe_account_attributes(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let region = ctx.region();
    ecs_world::ensure_region(&mut world.store, &region);
    let asked = ctx.input.strings("AttributeName");
    if let Some(unknown) = asked
        .iter()
        .find(|a| !ATTRIBUTES.iter().any(|(n, _)| n == a))
    {
        return Err(ctx.spec_error(
            "Invalid.Parameter",
            403,
            &format!("The specified AttributeName {unknown} is not valid."),
        ));
    }
    let zone = ctx.input.str("ZoneId");
    let instances: Vec<&crate::world::Tracked> = world
        .iter()
        .filter(|t| t.instance.region == region)
        .filter(|t| zone.is_none_or(|z| t.ecs.str("ZoneId") == Some(z)))
        .collect();
    let vcpus = |spot: bool| -> i64 {
        instances
            .iter()
            .filter(|t| (t.ecs.str("SpotStrategy").unwrap_or("NoSpot") != "NoSpot") == spot)
            .filter_map(|t| t.ecs.attrs.get("Cpu").and_then(Value::as_i64))
            .sum()
    };
    let disk_capacity: i64 = world
        .store
        .iter(DISK)
        .filter(|d| d.region == region)
        .filter_map(|d| d.attrs.get("Size").and_then(Value::as_i64))
        .sum();
    let items: Vec<Value> = ATTRIBUTES
        .iter()
        .filter(|(name, _)| asked.is_empty() || asked.iter().any(|a| a == name))
        .map(|(name, fixed)| {
            let values: Vec<Value> = match (*name, fixed) {
                ("used-postpaid-instance-vcpu-count", _) => {
                    vec![json!({"Value": vcpus(false).to_string(), "InstanceChargeType": "PostPaid"})]
                }
                ("used-spot-instance-vcpu-count", _) => {
                    vec![json!({"Value": vcpus(true).to_string(), "InstanceChargeType": "PostPaid"})]
                }
                ("used-postpaid-yundisk-capacity", _) => {
                    vec![json!({"Value": disk_capacity.to_string(), "DiskCategory": "cloud_essd"})]
                }
                ("supported-postpaid-instance-types", _) => INSTANCE_TYPES
                    .iter()
                    .map(|t| json!({"Value": t.id, "InstanceType": t.id, "InstanceChargeType": "PostPaid"}))
                    .collect(),
                (_, Some(value)) => vec![json!({"Value": value, "Count": 1})],
                (_, None) => Vec::new(),
            };
            json!({"AttributeName": name, "AttributeValues": values})
        })
        .collect();
    let mut out = Map::new();
    out.insert("AccountAttributeItems".into(), Value::Array(items));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_names_and_type_facts() {
        assert_eq!(
            zone_local_name("cn-hangzhou", "cn-hangzhou-h"),
            "China (Hangzhou) Zone H"
        );
        assert_eq!(zone_local_name("xx-new-1", "xx-new-1-a"), "xx-new-1 Zone A");
        let gpu = ecs_data::instance_type("ecs.gn7i-c8g1.2xlarge").unwrap();
        assert_eq!(category(gpu), "Compute-optimized with GPU");
        assert_eq!(type_item(gpu)["EniPrivateIpAddressQuantity"], 10);
        assert!(families().contains(&"ecs.g7"));
        assert_eq!(families().len(), {
            let mut all: Vec<_> = INSTANCE_TYPES.iter().map(|t| t.family).collect();
            all.sort_unstable();
            all.dedup();
            all.len()
        });
    }
}
