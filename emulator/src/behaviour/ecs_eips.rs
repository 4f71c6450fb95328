//! Elastic IP addresses as the ECS API exposes them: allocate, associate with an instance or a
//! network interface, unassociate, change the bandwidth, describe, release.
//!
//! Rules the service applies and the emulator keeps:
//! - an EIP is associated while `Available` only, with one `Running` or `Stopped` instance
//!   that has no other EIP and no fixed public address; the instance's `EipAddress` shows it;
//! - an associated EIP is not released (`IncorrectEipStatus`);
//! - an EIP whose instance or interface was released is found `Available` again.

use serde_json::{Map, Value, json};

use super::ecs_world::{NETWORK_INTERFACE, obj};
use super::{Context, Model, Outcome};
use crate::clock;
use crate::error::ApiError;
use crate::store::{self, Kind, Query, Resource};
use crate::world::{InstanceStatus, World};

/// The EIP actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("AllocateEipAddress", allocate_eip_address),
    Model::ecs("AssociateEipAddress", associate_eip_address),
    Model::ecs("UnassociateEipAddress", unassociate_eip_address),
    Model::ecs("ReleaseEipAddress", release_eip_address),
    Model::ecs("DescribeEipAddresses", describe_eip_addresses),
    Model::ecs("ModifyEipAddressAttribute", modify_eip_address_attribute),
];

/// Elastic IP addresses.
const EIP: Kind = "eip";

fn eip_not_found(ctx: &Context<'_>) -> ApiError {
    ctx.spec_error(
        "InvalidAllocationId.NotFound",
        404,
        "The specified allocation id does not exist.",
    )
}

/// A bandwidth in Mbit/s, 1 to 500.
fn bandwidth(ctx: &Context<'_>, text: &str) -> Result<i64, ApiError> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|b| (1..=500).contains(b))
        .ok_or_else(|| {
            ctx.spec_error(
                "InvalidBandwidth.Malformed",
                400,
                "The specified Bandwidth is not valid.",
            )
        })
}

/// EIPs bound to what was released since are `Available` again.
pub(super) fn reconcile(world: &mut World) {
    let stale: Vec<String> = world
        .store
        .iter(EIP)
        .filter(|e| {
            let target = e.str("InstanceId").unwrap_or_default();
            !target.is_empty()
                && match e.str("InstanceType") {
                    Some("NetworkInterface") => {
                        world.store.get(NETWORK_INTERFACE, target).is_none()
                    }
                    _ => world.get(target).is_none(),
                }
        })
        .map(|e| e.id.clone())
        .collect();
    for id in stale {
        if let Some(eip) = world.store.get_mut(EIP, &id) {
            unbound(eip);
        }
    }
}

fn unbound(eip: &mut Resource) {
    eip.set("Status", "Available");
    eip.set("InstanceId", "");
    eip.set("InstanceType", "");
}

fn allocate_eip_address(world: &mut World, ctx: &Context<'_>) -> Outcome {
    if let Some(answer) = ctx.replay(world)? {
        return Ok(answer);
    }
    let input = ctx.input;
    let region = ctx.region();
    let band = bandwidth(ctx, input.str("Bandwidth").unwrap_or("5"))?;
    let charge = input.str("InternetChargeType").unwrap_or("PayByBandwidth");
    if charge != "PayByBandwidth" && charge != "PayByTraffic" {
        return Err(ApiError::invalid_parameter(
            "InternetChargeType",
            "must be PayByBandwidth or PayByTraffic",
        ));
    }
    let id = world.store.new_id("eip-", &region);
    let n = world.store.random(0..0x00ff_ffff);
    let ip = format!(
        "47.{}.{}.{}",
        96 + (n >> 16) % 32,
        (n >> 8) & 0xff,
        (n & 0xff).clamp(1, 254)
    );
    world.store.insert(
        EIP,
        &id,
        &region,
        obj(json!({
            "AllocationId": id,
            "IpAddress": ip,
            "RegionId": region,
            "Status": "Available",
            "Bandwidth": band.to_string(),
            "EipBandwidth": band.to_string(),
            "InternetChargeType": charge,
            "ChargeType": "PostPaid",
            "InstanceId": "",
            "InstanceType": "",
            "AllocationTime": clock::rfc3339(ctx.now),
            "ExpiredTime": "",
            "ISP": input.str("ISP").unwrap_or("BGP"),
            "OperationLocks": [],
        })),
    );
    let mut out = Map::new();
    out.insert("AllocationId".into(), json!(id));
    out.insert("EipAddress".into(), json!(ip));
    ctx.remember(world, &out);
    Ok(out)
}

/// The `EipAddress` attribute of an instance bound to `eip` (or to nothing).
fn instance_eip(eip: Option<&Resource>) -> Value {
    match eip {
        Some(e) => json!({
            "AllocationId": e.id,
            "IpAddress": e.str("IpAddress"),
            "Bandwidth": e.str("Bandwidth").and_then(|b| b.parse::<i64>().ok()).unwrap_or(0),
            "InternetChargeType": e.str("InternetChargeType"),
            "IsSupportUnassociate": true,
        }),
        None => {
            json!({"AllocationId": "", "IpAddress": "", "Bandwidth": 0, "InternetChargeType": "", "IsSupportUnassociate": false})
        }
    }
}

fn associate_eip_address(world: &mut World, ctx: &Context<'_>) -> Outcome {
    reconcile(world);
    let input = ctx.input;
    let region = ctx.region();
    let id = input.str("AllocationId").unwrap_or_default().to_owned();
    let eip = world
        .store
        .find(EIP, &region, &id, || eip_not_found(ctx))?
        .clone();
    let target = input.str("InstanceId").unwrap_or_default().to_owned();
    let kind = input.str("InstanceType").unwrap_or("EcsInstance");
    if eip.str("Status") != Some("Available") {
        return Err(ctx.spec_error(
            "IncorrectEipStatus",
            400,
            "The current status of the EIP does not support this operation.",
        ));
    }
    match kind {
        "EcsInstance" => {
            let t = world
                .get(&target)
                .filter(|t| t.instance.region == region)
                .ok_or_else(|| {
                    ctx.spec_error(
                        "InvalidInstanId.NotFound",
                        404,
                        "The specified instance does not exist.",
                    )
                })?;
            if !matches!(
                t.instance.status,
                InstanceStatus::Running | InstanceStatus::Stopped
            ) {
                return Err(ctx.spec_error(
                    "IncorrectInstanceStatus",
                    400,
                    "The current status of the instance does not support this operation.",
                ));
            }
            if t.ecs
                .attr("EipAddress.AllocationId")
                .and_then(Value::as_str)
                .is_some_and(|a| !a.is_empty())
            {
                return Err(ctx.spec_error(
                    "InvalidAssociation.Duplicated",
                    400,
                    "The instance already has an EIP associated.",
                ));
            }
            let has_public = t
                .ecs
                .attrs
                .get("PublicIpAddress")
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty());
            if has_public {
                return Err(ctx.spec_error(
                    "EIP_CAN_NOT_ASSOCIATE_WITH_PUBLIC_IP",
                    400,
                    "An instance with a public IP address cannot be associated with an EIP.",
                ));
            }
        }
        "NetworkInterface" => {
            let eni = world.store.find(NETWORK_INTERFACE, &region, &target, || {
                ctx.spec_error(
                    "InvalidInstance.NotExist",
                    404,
                    "The specified network interface does not exist.",
                )
            })?;
            if eni
                .attr("AssociatedPublicIp.AllocationId")
                .and_then(Value::as_str)
                .is_some_and(|a| !a.is_empty())
            {
                return Err(ctx.spec_error(
                    "InvalidAssociation.Duplicated",
                    400,
                    "The network interface already has an EIP associated.",
                ));
            }
        }
        _ => {
            return Err(ctx.spec_error(
                "InvalidInstanceType.ValueNotSupported",
                400,
                "The InstanceType must be EcsInstance or NetworkInterface.",
            ));
        }
    }
    let row = world
        .store
        .get_mut(EIP, &id)
        .ok_or_else(|| eip_not_found(ctx))?;
    row.set("Status", "InUse");
    row.set("InstanceId", target.as_str());
    row.set("InstanceType", kind);
    let row = row.clone();
    bind_target(world, &row, true);
    Ok(Map::new())
}

/// Shows (or clears) `eip` on the instance or interface it is bound to.
fn bind_target(world: &mut World, eip: &Resource, bound: bool) {
    let target = eip.str("InstanceId").unwrap_or_default().to_owned();
    if eip.str("InstanceType") == Some("NetworkInterface") {
        if let Some(eni) = world.store.get_mut(NETWORK_INTERFACE, &target) {
            let (ip, allocation) = if bound {
                (eip.str("IpAddress").unwrap_or_default(), eip.id.as_str())
            } else {
                ("", "")
            };
            eni.set(
                "AssociatedPublicIp",
                json!({"PublicIpAddress": ip, "AllocationId": allocation}),
            );
        }
    } else if let Some(t) = world.get_mut(&target) {
        t.ecs.set("EipAddress", instance_eip(bound.then_some(eip)));
    }
}

fn unassociate_eip_address(world: &mut World, ctx: &Context<'_>) -> Outcome {
    reconcile(world);
    let input = ctx.input;
    let region = ctx.region();
    let id = input.str("AllocationId").unwrap_or_default().to_owned();
    let eip = world
        .store
        .find(EIP, &region, &id, || eip_not_found(ctx))?
        .clone();
    let target = input.str("InstanceId").unwrap_or_default();
    if eip.str("Status") != Some("InUse") || eip.str("InstanceId") != Some(target) {
        return Err(ctx.spec_error(
            "InvalidBindingStatus",
            400,
            "The EIP is not associated with the specified instance.",
        ));
    }
    bind_target(world, &eip, false);
    if let Some(row) = world.store.get_mut(EIP, &id) {
        unbound(row);
    }
    Ok(Map::new())
}

fn release_eip_address(world: &mut World, ctx: &Context<'_>) -> Outcome {
    reconcile(world);
    let region = ctx.region();
    let id = ctx.input.str("AllocationId").unwrap_or_default().to_owned();
    let eip = world.store.find(EIP, &region, &id, || eip_not_found(ctx))?;
    if eip.str("Status") != Some("Available") {
        return Err(ctx.spec_error(
            "IncorrectEipStatus",
            400,
            "The EIP is associated; unassociate it before releasing it.",
        ));
    }
    world.store.remove(EIP, &id);
    Ok(Map::new())
}

fn describe_eip_addresses(world: &mut World, ctx: &Context<'_>) -> Outcome {
    reconcile(world);
    let input = ctx.input;
    let query = Query::new(input)
        .param(input, "Status", "Status")
        .param(input, "EipAddress", "IpAddress")
        .param(input, "AllocationId", "AllocationId")
        .param(input, "ISP", "ISP")
        .param(input, "AssociatedInstanceType", "InstanceType")
        .param(input, "AssociatedInstanceId", "InstanceId")
        .param(input, "ChargeType", "ChargeType");
    let rows = query.select(world.store.iter(EIP));
    store::page(input, rows, "EipAddresses", |e| {
        let mut item = e.item();
        if let Value::Object(map) = &mut item {
            map.remove("Tags");
        }
        item
    })
}

fn modify_eip_address_attribute(world: &mut World, ctx: &Context<'_>) -> Outcome {
    reconcile(world);
    let input = ctx.input;
    let region = ctx.region();
    let id = input.str("AllocationId").unwrap_or_default().to_owned();
    world.store.find(EIP, &region, &id, || eip_not_found(ctx))?;
    let band = bandwidth(ctx, input.str("Bandwidth").unwrap_or_default())?;
    let row = world
        .store
        .find_mut(EIP, &region, &id, || eip_not_found(ctx))?;
    row.set("Bandwidth", band.to_string());
    row.set("EipBandwidth", band.to_string());
    let row = row.clone();
    if row.str("Status") == Some("InUse") {
        bind_target(world, &row, true);
    }
    Ok(Map::new())
}
