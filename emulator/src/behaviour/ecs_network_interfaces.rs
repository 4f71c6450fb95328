//! Elastic network interfaces: create in a vSwitch, describe (the instances' primary
//! interfaces too, read from the instances), attach to and detach from instances, change
//! security groups and names, assign and unassign private IPv4 and IPv6 addresses, delete.
//!
//! Rules the service applies and the emulator keeps:
//! - an interface lives in one vSwitch; its security groups must be in that vSwitch's VPC;
//! - addresses are inside the vSwitch's block and used once (`InvalidPrivateIpAddress.Duplicated`);
//! - only an `Available` interface is attached, to a `Running` or `Stopped` instance of the
//!   same VPC and zone, within the instance type's interface quota; an attached one is not
//!   deleted (`InvalidOperation.InvalidEniState`); a primary interface is never detached or
//!   deleted.
//!
//! A primary interface is part of its instance's record (`NetworkInterfaces`); changes to one
//! (addresses, security groups, name) are written back there. An interface whose instance was
//! released is found `Available` again.

use serde_json::{Map, Value, json};

use super::ecs_data;
use super::ecs_eni_permissions;
use super::ecs_vpcs::{Cidr, check_tags, free_ip, used_ips, valid_name, vswitch_cidr};
use super::ecs_world::{NETWORK_INTERFACE, SECURITY_GROUP, VSWITCH, obj};
use super::{Context, Model, Outcome};
use crate::clock;
use crate::error::ApiError;
use crate::store::{self, Query, Resource};
use crate::world::{InstanceStatus, Tracked, World};

/// The network interface actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("CreateNetworkInterface", create_network_interface),
    Model::ecs("DeleteNetworkInterface", delete_network_interface),
    Model::ecs("DescribeNetworkInterfaces", describe_network_interfaces),
    Model::ecs(
        "DescribeNetworkInterfaceAttribute",
        describe_network_interface_attribute,
    ),
    Model::ecs("AttachNetworkInterface", attach_network_interface),
    Model::ecs("DetachNetworkInterface", detach_network_interface),
    Model::ecs(
        "ModifyNetworkInterfaceAttribute",
        modify_network_interface_attribute,
    ),
    Model::ecs("AssignPrivateIpAddresses", assign_private_ip_addresses),
    Model::ecs("UnassignPrivateIpAddresses", unassign_private_ip_addresses),
    Model::ecs("AssignIpv6Addresses", assign_ipv6_addresses),
    Model::ecs("UnassignIpv6Addresses", unassign_ipv6_addresses),
];

/// Most private addresses of an interface not attached to an instance.
const MAX_IPS_DETACHED: usize = 50;
/// Most IPv6 addresses of an interface.
const MAX_IPV6: usize = 10;
/// Most security groups an interface joins.
const MAX_GROUPS: usize = 5;

/// Where an interface's record lives.
enum Owner {
    /// A row of the store (created with `CreateNetworkInterface`).
    Store,
    /// The primary interface inside instance `.0`'s record.
    Primary(String),
}

/// `InvalidEniId.NotFound`.
pub(super) fn eni_not_found(ctx: &Context<'_>) -> ApiError {
    ctx.spec_error(
        "InvalidEniId.NotFound",
        404,
        "The specified network interface does not exist.",
    )
}

fn instance_not_found(ctx: &Context<'_>) -> ApiError {
    ctx.spec_error(
        "InvalidEcsId.NotFound",
        404,
        "The specified instance does not exist.",
    )
}

/// Interfaces attached to instances that were released since are `Available` again.
pub(super) fn reconcile(world: &mut World) {
    let stale: Vec<String> = world
        .store
        .iter(NETWORK_INTERFACE)
        .filter(|e| {
            e.str("InstanceId")
                .is_some_and(|i| !i.is_empty() && world.get(i).is_none())
        })
        .map(|e| e.id.clone())
        .collect();
    for id in stale {
        if let Some(eni) = world.store.get_mut(NETWORK_INTERFACE, &id) {
            detached(eni);
        }
    }
}

fn detached(eni: &mut Resource) {
    eni.set("Status", "Available");
    eni.set("InstanceId", "");
    eni.attrs.remove("Attachment");
}

/// The record of `t`'s primary interface, as `DescribeNetworkInterfaces` lists it.
fn primary_view(t: &Tracked) -> Option<Resource> {
    let entry = t
        .ecs
        .attrs
        .get("NetworkInterfaces")?
        .as_array()?
        .iter()
        .find(|e| e.get("Type").and_then(Value::as_str) == Some("Primary"))?;
    let text = |key: &str| {
        entry
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let id = text("NetworkInterfaceId");
    let vpc = t
        .ecs
        .attrs
        .get("VpcAttributes")
        .cloned()
        .unwrap_or(json!({}));
    let public_ip = t
        .ecs
        .attr("EipAddress.IpAddress")
        .and_then(Value::as_str)
        .filter(|ip| !ip.is_empty())
        .map(str::to_owned)
        .or_else(|| {
            t.ecs
                .attrs
                .get("PublicIpAddress")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let allocation = t
        .ecs
        .attr("EipAddress.AllocationId")
        .cloned()
        .unwrap_or(json!(""));
    let attrs = obj(json!({
        "NetworkInterfaceId": id,
        "NetworkInterfaceName": text("NetworkInterfaceName"),
        "Description": text("Description"),
        "Status": "InUse",
        "Type": "Primary",
        "VpcId": vpc.get("VpcId").cloned().unwrap_or(json!("")),
        "VSwitchId": vpc.get("VSwitchId").cloned().unwrap_or(json!("")),
        "ZoneId": t.ecs.str("ZoneId").unwrap_or_default(),
        "PrivateIpAddress": text("PrimaryIpAddress"),
        "PrivateIpSets": entry.get("PrivateIpSets").cloned().unwrap_or(json!([])),
        "Ipv6Sets": entry.get("Ipv6Sets").cloned().unwrap_or(json!([])),
        "Ipv4PrefixSets": [],
        "Ipv6PrefixSets": [],
        "MacAddress": text("MacAddress"),
        "SecurityGroupIds": t.ecs.attrs.get("SecurityGroupIds").cloned().unwrap_or(json!([])),
        "InstanceId": t.instance.id,
        "CreationTime": t.ecs.str("CreationTime").unwrap_or_default(),
        "ResourceGroupId": t.ecs.str("ResourceGroupId").unwrap_or_default(),
        "ServiceManaged": false,
        "DeleteOnRelease": true,
        "OwnerId": "",
        "QueueNumber": 1,
        "NetworkInterfaceTrafficMode": "Standard",
        "Attachment": {"InstanceId": t.instance.id, "DeviceIndex": 0, "NetworkCardIndex": 0, "TrunkNetworkInterfaceId": ""},
        "AssociatedPublicIp": {"PublicIpAddress": public_ip, "AllocationId": allocation},
    }));
    Some(Resource::new(
        id,
        t.instance.region.clone(),
        t.ecs.seq,
        attrs,
    ))
}

/// The interface `id` of the request's region and where it lives.
fn load(world: &World, ctx: &Context<'_>, id: &str) -> Result<(Resource, Owner), ApiError> {
    let region = ctx.region();
    if let Ok(eni) = world
        .store
        .find(NETWORK_INTERFACE, &region, id, || eni_not_found(ctx))
    {
        return Ok((eni.clone(), Owner::Store));
    }
    world
        .iter()
        .filter(|t| t.instance.region == region)
        .filter_map(primary_view)
        .find(|v| v.id == id)
        .map(|v| {
            let instance = v.str("InstanceId").unwrap_or_default().to_owned();
            (v, Owner::Primary(instance))
        })
        .ok_or_else(|| eni_not_found(ctx))
}

/// The instance entry (`NetworkInterfaces` item) of an attached or primary interface.
fn instance_entry(eni: &Resource, kind: &str) -> Value {
    json!({
        "NetworkInterfaceId": eni.id,
        "Type": kind,
        "MacAddress": eni.str("MacAddress").unwrap_or_default(),
        "PrimaryIpAddress": eni.str("PrivateIpAddress").unwrap_or_default(),
        "PrivateIpSets": eni.attrs.get("PrivateIpSets").cloned().unwrap_or(json!([])),
        "Ipv6Sets": eni.attrs.get("Ipv6Sets").cloned().unwrap_or(json!([])),
    })
}

/// Writes `eni` back where it lives (and into its instance's record while attached).
fn save(world: &mut World, eni: Resource, owner: Owner) {
    match owner {
        Owner::Store => {
            let instance = eni.str("InstanceId").unwrap_or_default().to_owned();
            if !instance.is_empty() {
                let entry = instance_entry(&eni, "Secondary");
                if let Some(t) = world.get_mut(&instance) {
                    replace_entry(&mut t.ecs, &eni.id, Some(entry));
                }
            }
            if let Some(row) = world.store.get_mut(NETWORK_INTERFACE, &eni.id) {
                *row = eni;
            }
        }
        Owner::Primary(instance) => {
            let mut entry = instance_entry(&eni, "Primary");
            entry["NetworkInterfaceName"] =
                json!(eni.str("NetworkInterfaceName").unwrap_or_default());
            entry["Description"] = json!(eni.str("Description").unwrap_or_default());
            if let Some(t) = world.get_mut(&instance) {
                replace_entry(&mut t.ecs, &eni.id, Some(entry));
                if let Some(groups) = eni.attrs.get("SecurityGroupIds") {
                    t.ecs.set("SecurityGroupIds", groups.clone());
                }
            }
        }
    }
}

/// Replaces (or, with `None`, removes) entry `id` of an instance's `NetworkInterfaces`,
/// appending it when absent.
fn replace_entry(record: &mut Resource, id: &str, entry: Option<Value>) {
    let mut list = match record.attrs.get("NetworkInterfaces") {
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    };
    let at = list
        .iter()
        .position(|e| e.get("NetworkInterfaceId").and_then(Value::as_str) == Some(id));
    match (at, entry) {
        (Some(i), Some(e)) => list[i] = e,
        (None, Some(e)) => list.push(e),
        (Some(i), None) => {
            list.remove(i);
        }
        (None, None) => {}
    }
    record.set("NetworkInterfaces", Value::Array(list));
}

/// The security groups a request names (`SecurityGroupId` and / or `SecurityGroupIds.N`,
/// or `SecurityGroupId.N`), checked against `vpc`.
fn security_groups(
    world: &World,
    ctx: &Context<'_>,
    vpc: &str,
    groups: Vec<String>,
) -> Result<Vec<String>, ApiError> {
    let region = ctx.region();
    let mut seen = std::collections::HashSet::new();
    for g in &groups {
        if !seen.insert(g) {
            return Err(ctx.spec_error(
                "InvalidParameter.SecurityGroupIdRepeated",
                400,
                "A security group is named twice.",
            ));
        }
        let group = world.store.find(SECURITY_GROUP, &region, g, || {
            ctx.spec_error(
                "InvalidSecurityGroupId.NotFound",
                404,
                "The specified security group does not exist.",
            )
        })?;
        if group.str("VpcId") != Some(vpc) {
            return Err(ctx.spec_error(
                "InvalidOperation.VpcMismatch",
                403,
                "The security group and the vSwitch are not in the same VPC.",
            ));
        }
    }
    if groups.len() > MAX_GROUPS {
        return Err(ctx.spec_error(
            "JoinedGroupLimitExceed",
            400,
            "An interface joins at most 5 security groups.",
        ));
    }
    Ok(groups)
}

/// Checks addresses asked for in `vswitch` (inside its block, not used, not twice).
fn check_ips(
    world: &World,
    ctx: &Context<'_>,
    vswitch: &str,
    ips: &[String],
) -> Result<(), ApiError> {
    let cidr = vswitch_cidr(world, vswitch);
    let used = used_ips(world, vswitch);
    for (n, ip) in ips.iter().enumerate() {
        let inside = ip
            .parse::<std::net::Ipv4Addr>()
            .ok()
            .zip(cidr)
            .is_some_and(|(addr, block)| block.holds(u32::from(addr)));
        if !inside {
            return Err(ctx.spec_error(
                "InvalidVSwitchId.IpInvalid",
                403,
                "The specified IP address is not in the CIDR block of the vSwitch.",
            ));
        }
        if used.contains(ip) || ips[..n].contains(ip) {
            return Err(ctx.spec_error(
                "InvalidPrivateIpAddress.Duplicated",
                400,
                "The specified private IP address is already in use.",
            ));
        }
    }
    Ok(())
}

/// `count` free addresses of `vswitch`, besides `taken`.
fn pick_ips(
    world: &World,
    ctx: &Context<'_>,
    vswitch: &str,
    taken: &[String],
    count: usize,
) -> Result<Vec<String>, ApiError> {
    let not_enough = || {
        ctx.spec_error(
            "InvalidVSwitchId.IpNotEnough",
            403,
            "The vSwitch has not enough free IP addresses.",
        )
    };
    let cidr: Cidr = vswitch_cidr(world, vswitch).ok_or_else(not_enough)?;
    let mut used = used_ips(world, vswitch);
    used.extend(taken.iter().cloned());
    let mut picked = Vec::with_capacity(count);
    for _ in 0..count {
        let ip = free_ip(cidr, &used).ok_or_else(not_enough)?;
        used.push(ip.clone());
        picked.push(ip);
    }
    Ok(picked)
}

/// `count` new IPv6 addresses (every vSwitch has an emulated /64).
fn new_ipv6(world: &mut World, vswitch: &str, count: usize) -> Vec<String> {
    let net = store::stable_hash(vswitch) & 0xffff;
    (0..count)
        .map(|_| {
            let host = world.store.random(1..0xffff_ffff);
            format!(
                "2408:4005:3a5:{net:x}::{:x}:{:x}",
                host >> 16,
                host & 0xffff
            )
        })
        .collect()
}

fn ip_sets(primary: &str, secondary: &[String]) -> Value {
    let mut sets = vec![json!({"PrivateIpAddress": primary, "Primary": true})];
    sets.extend(
        secondary
            .iter()
            .map(|ip| json!({"PrivateIpAddress": ip, "Primary": false})),
    );
    Value::Array(sets)
}

fn ipv6_of(eni: &Resource) -> Vec<String> {
    eni.attrs
        .get("Ipv6Sets")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| {
                    s.get("Ipv6Address")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn create_network_interface(world: &mut World, ctx: &Context<'_>) -> Outcome {
    if let Some(answer) = ctx.replay(world)? {
        return Ok(answer);
    }
    let input = ctx.input;
    let region = ctx.region();
    let vswitch_id = input
        .str("VSwitchId")
        .ok_or_else(|| ApiError::missing_parameter("VSwitchId"))?
        .to_owned();
    let vswitch = world
        .store
        .find(VSWITCH, &region, &vswitch_id, || {
            ctx.spec_error(
                "InvalidVSwitchId.NotFound",
                404,
                "The specified vSwitch does not exist.",
            )
        })?
        .clone();
    let vpc = vswitch.str("VpcId").unwrap_or_default().to_owned();
    let mut groups = input.strings("SecurityGroupIds");
    if let Some(one) = input.str("SecurityGroupId") {
        if !groups.is_empty() {
            return Err(ctx.spec_error(
                "InvalidSecurityGroupId.SingleIdAndMultiIdConflict",
                400,
                "SecurityGroupId and SecurityGroupIds cannot both be set.",
            ));
        }
        groups.push(one.to_owned());
    }
    if groups.is_empty() {
        return Err(ApiError::missing_parameter("SecurityGroupId"));
    }
    let groups = security_groups(world, ctx, &vpc, groups)?;
    if input
        .str("NetworkInterfaceName")
        .is_some_and(|n| !valid_name(n, 128))
    {
        return Err(ctx.spec_error(
            "InvalidParams.NetworkInterfaceName",
            403,
            "The specified NetworkInterfaceName is not valid.",
        ));
    }
    check_tags(ctx)?;
    let asked_secondary = input.strings("PrivateIpAddress");
    let count = input
        .int("SecondaryPrivateIpAddressCount")
        .unwrap_or(0)
        .max(0) as usize;
    if !asked_secondary.is_empty() && count > 0 {
        return Err(ctx.spec_error(
            "InvalidParameter.Conflict",
            400,
            "PrivateIpAddress.N and SecondaryPrivateIpAddressCount cannot both be set.",
        ));
    }
    if 1 + asked_secondary.len() + count > MAX_IPS_DETACHED {
        return Err(ctx.spec_error(
            "MaxEniPrivateIpsCountExceeded",
            403,
            "The interface would have more private IP addresses than allowed.",
        ));
    }
    let mut asked: Vec<String> = input
        .str("PrimaryIpAddress")
        .map(str::to_owned)
        .into_iter()
        .collect();
    asked.extend(asked_secondary.iter().cloned());
    check_ips(world, ctx, &vswitch_id, &asked)?;
    let primary = match input.str("PrimaryIpAddress") {
        Some(ip) => ip.to_owned(),
        None => pick_ips(world, ctx, &vswitch_id, &asked, 1)?.remove(0),
    };
    let mut secondary = asked_secondary;
    let mut taken = secondary.clone();
    taken.push(primary.clone());
    secondary.extend(pick_ips(world, ctx, &vswitch_id, &taken, count)?);
    let mut ipv6: Vec<String> = input.strings("Ipv6Address");
    if ipv6
        .iter()
        .any(|ip| ip.parse::<std::net::Ipv6Addr>().is_err())
    {
        return Err(ctx.spec_error(
            "InvalidIp.Address",
            403,
            "The specified IPv6 address is not valid.",
        ));
    }
    let ipv6_count = input.int("Ipv6AddressCount").unwrap_or(0).max(0) as usize;
    if ipv6.len() + ipv6_count > MAX_IPV6 {
        return Err(ctx.spec_error(
            "InvalidOperation.Ipv6CountExceeded",
            403,
            "The interface would have too many IPv6 addresses.",
        ));
    }
    ipv6.extend(new_ipv6(world, &vswitch_id, ipv6_count));
    let id = world.store.new_id("eni-", &region);
    let mac = world.store.random(0..0x00ff_ffff);
    let row = world.store.insert(
        NETWORK_INTERFACE,
        &id,
        &region,
        obj(json!({
            "NetworkInterfaceId": id,
            "NetworkInterfaceName": input.str("NetworkInterfaceName").unwrap_or_default(),
            "Description": input.str("Description").unwrap_or_default(),
            "Status": "Available",
            "Type": "Secondary",
            "VpcId": vpc,
            "VSwitchId": vswitch_id,
            "ZoneId": vswitch.str("ZoneId").unwrap_or_default(),
            "PrivateIpAddress": primary,
            "PrivateIpSets": ip_sets(&primary, &secondary),
            "Ipv6Sets": ipv6.iter().map(|ip| json!({"Ipv6Address": ip})).collect::<Vec<_>>(),
            "Ipv4PrefixSets": [],
            "Ipv6PrefixSets": [],
            "MacAddress": format!("00:16:3e:{:02x}:{:02x}:{:02x}", mac >> 16, (mac >> 8) & 0xff, mac & 0xff),
            "SecurityGroupIds": groups,
            "InstanceId": "",
            "CreationTime": clock::rfc3339(ctx.now),
            "ResourceGroupId": input.str("ResourceGroupId").unwrap_or_default(),
            "ServiceManaged": false,
            "DeleteOnRelease": input.bool("DeleteOnRelease").unwrap_or(false),
            "OwnerId": "",
            "QueueNumber": input.int("QueueNumber").unwrap_or(1),
            "NetworkInterfaceTrafficMode": input.str("NetworkInterfaceTrafficMode").unwrap_or("Standard"),
            "AssociatedPublicIp": {"PublicIpAddress": "", "AllocationId": ""},
        })),
    );
    store::apply_tags(&mut row.tags, input, "Tag");
    let Value::Object(out) = row.item() else {
        return Ok(Map::new());
    };
    ctx.remember(world, &out);
    Ok(out)
}

fn delete_network_interface(world: &mut World, ctx: &Context<'_>) -> Outcome {
    reconcile(world);
    let id = ctx.input.str("NetworkInterfaceId").unwrap_or_default();
    let (eni, owner) = load(world, ctx, id)?;
    if let Owner::Primary(_) = owner {
        return Err(ctx.spec_error(
            "InvalidOperation.InvalidEniType",
            403,
            "A primary network interface is released with its instance.",
        ));
    }
    if eni.str("Status") != Some("Available") {
        return Err(ctx.spec_error(
            "InvalidOperation.InvalidEniState",
            400,
            "The network interface is attached to an instance; detach it first.",
        ));
    }
    world.store.remove(NETWORK_INTERFACE, id);
    ecs_eni_permissions::forget_interface(world, id);
    Ok(Map::new())
}

fn describe_network_interfaces(world: &mut World, ctx: &Context<'_>) -> Outcome {
    reconcile(world);
    let input = ctx.input;
    let query = Query::new(input)
        .ids(input.ids("NetworkInterfaceId"))
        .param(input, "VSwitchId", "VSwitchId")
        .param(input, "VpcId", "VpcId")
        .param(input, "PrimaryIpAddress", "PrivateIpAddress")
        .param(input, "SecurityGroupId", "SecurityGroupIds")
        .param(input, "NetworkInterfaceName", "NetworkInterfaceName")
        .param(input, "Type", "Type")
        .param(input, "InstanceId", "InstanceId")
        .param(input, "Status", "Status")
        .param(input, "ResourceGroupId", "ResourceGroupId")
        .param(input, "ServiceManaged", "ServiceManaged")
        .tags(input, "Tag");
    let private_ips = input.strings("PrivateIpAddress");
    let ipv6 = input.strings("Ipv6Address");
    // Primary interfaces carry no tags: a tag filter leaves them out anyway.
    let primaries: Vec<Resource> = world.iter().filter_map(primary_view).collect();
    let rows: Vec<&Resource> = query
        .select(world.store.iter(NETWORK_INTERFACE).chain(primaries.iter()))
        .into_iter()
        .filter(|e| {
            private_ips.is_empty()
                || super::ecs_vpcs::private_ips_of(&Value::Object(e.attrs.clone()))
                    .iter()
                    .any(|ip| private_ips.contains(ip))
        })
        .filter(|e| ipv6.is_empty() || ipv6_of(e).iter().any(|ip| ipv6.contains(ip)))
        .collect();
    store::page(input, rows, "NetworkInterfaceSets", Resource::item)
}

fn describe_network_interface_attribute(world: &mut World, ctx: &Context<'_>) -> Outcome {
    reconcile(world);
    let id = ctx.input.str("NetworkInterfaceId").unwrap_or_default();
    let (eni, _) = load(world, ctx, id)?;
    match eni.item() {
        Value::Object(out) => Ok(out),
        _ => Ok(Map::new()),
    }
}

fn attach_network_interface(world: &mut World, ctx: &Context<'_>) -> Outcome {
    reconcile(world);
    let input = ctx.input;
    let id = input.str("NetworkInterfaceId").unwrap_or_default();
    let (mut eni, owner) = load(world, ctx, id)?;
    if let Owner::Primary(_) = owner {
        return Err(ctx.spec_error(
            "InvalidOperation.InvalidEniType",
            403,
            "A primary network interface cannot be attached.",
        ));
    }
    let instance_id = input.str("InstanceId").unwrap_or_default().to_owned();
    let region = ctx.region();
    let t = world
        .get(&instance_id)
        .filter(|t| t.instance.region == region)
        .ok_or_else(|| instance_not_found(ctx))?;
    if eni.str("Status") != Some("Available") {
        return Err(ctx.spec_error(
            "InvalidOperation.InvalidEniState",
            400,
            "The network interface is not Available.",
        ));
    }
    if !matches!(
        t.instance.status,
        InstanceStatus::Running | InstanceStatus::Stopped
    ) {
        return Err(ctx.spec_error(
            "InvalidOperation.InvalidEcsState",
            400,
            "The instance must be Running or Stopped.",
        ));
    }
    if t.ecs.attr("VpcAttributes.VpcId").and_then(Value::as_str) != eni.str("VpcId") {
        return Err(ctx.spec_error(
            "InvalidOperation.VpcMismatch",
            403,
            "The network interface and the instance are not in the same VPC.",
        ));
    }
    if t.ecs.str("ZoneId") != eni.str("ZoneId") {
        return Err(ctx.spec_error(
            "InvalidOperation.AvailabilityZoneMismatch",
            403,
            "The network interface and the instance are not in the same zone.",
        ));
    }
    let attached = t
        .ecs
        .attrs
        .get("NetworkInterfaces")
        .and_then(Value::as_array)
        .map_or(1, Vec::len);
    let quota = t
        .ecs
        .str("InstanceType")
        .and_then(ecs_data::instance_type)
        .map_or(2, |ty| ty.eni_quantity as usize);
    if attached >= quota {
        return Err(ctx.spec_error(
            "EniPerInstanceLimitExceeded",
            403,
            "The instance has as many network interfaces as its type allows.",
        ));
    }
    eni.set("Status", "InUse");
    eni.set("InstanceId", instance_id.as_str());
    eni.set(
        "Attachment",
        json!({"InstanceId": instance_id, "DeviceIndex": attached, "NetworkCardIndex": input.int("NetworkCardIndex").unwrap_or(0), "TrunkNetworkInterfaceId": ""}),
    );
    save(world, eni, owner);
    Ok(Map::new())
}

fn detach_network_interface(world: &mut World, ctx: &Context<'_>) -> Outcome {
    reconcile(world);
    let input = ctx.input;
    let id = input.str("NetworkInterfaceId").unwrap_or_default();
    let (mut eni, owner) = load(world, ctx, id)?;
    if let Owner::Primary(_) = owner {
        return Err(ctx.spec_error(
            "InvalidOperation.DetachPrimaryEniNotAllowed",
            400,
            "The primary network interface of an instance cannot be detached.",
        ));
    }
    let instance_id = input.str("InstanceId").unwrap_or_default().to_owned();
    let region = ctx.region();
    world
        .get(&instance_id)
        .filter(|t| t.instance.region == region)
        .ok_or_else(|| instance_not_found(ctx))?;
    if eni.str("InstanceId") != Some(instance_id.as_str()) {
        return Err(ctx.spec_error(
            "InvalidParameter.EniNotBelongEcs",
            400,
            "The network interface is not attached to the specified instance.",
        ));
    }
    if let Some(t) = world.get_mut(&instance_id) {
        replace_entry(&mut t.ecs, id, None);
    }
    detached(&mut eni);
    save(world, eni, owner);
    Ok(Map::new())
}

fn modify_network_interface_attribute(world: &mut World, ctx: &Context<'_>) -> Outcome {
    reconcile(world);
    let input = ctx.input;
    let id = input.str("NetworkInterfaceId").unwrap_or_default();
    let (mut eni, owner) = load(world, ctx, id)?;
    let groups = input.strings("SecurityGroupId");
    if !groups.is_empty() {
        let vpc = eni.str("VpcId").unwrap_or_default().to_owned();
        let groups = security_groups(world, ctx, &vpc, groups)?;
        eni.set("SecurityGroupIds", json!(groups));
    }
    if let Some(name) = input.str("NetworkInterfaceName") {
        if !valid_name(name, 128) {
            return Err(ctx.spec_error(
                "InvalidParams.NetworkInterfaceName",
                403,
                "The specified NetworkInterfaceName is not valid.",
            ));
        }
        eni.set("NetworkInterfaceName", name);
    }
    if let Some(desc) = input.str("Description") {
        eni.set("Description", desc);
    }
    if let Some(flag) = input.bool("DeleteOnRelease") {
        eni.set("DeleteOnRelease", flag);
    }
    save(world, eni, owner);
    Ok(Map::new())
}

/// The most private addresses `eni` may hold: its instance type's quota while attached.
fn ip_quota(world: &World, eni: &Resource) -> usize {
    eni.str("InstanceId")
        .and_then(|i| world.get(i))
        .and_then(|t| t.ecs.str("InstanceType"))
        .and_then(ecs_data::instance_type)
        .map_or(MAX_IPS_DETACHED, |ty| ty.private_ips_per_eni as usize)
}

fn assign_private_ip_addresses(world: &mut World, ctx: &Context<'_>) -> Outcome {
    reconcile(world);
    let input = ctx.input;
    let id = input.str("NetworkInterfaceId").unwrap_or_default();
    let (mut eni, owner) = load(world, ctx, id)?;
    let asked = input.strings("PrivateIpAddress");
    let count = input
        .int("SecondaryPrivateIpAddressCount")
        .unwrap_or(0)
        .max(0) as usize;
    match (asked.is_empty(), count) {
        (true, 0) => {
            return Err(ApiError::missing_parameter(
                "SecondaryPrivateIpAddressCount",
            ));
        }
        (false, c) if c > 0 => {
            return Err(ctx.spec_error(
                "InvalidParameter.Conflict",
                400,
                "PrivateIpAddress.N and SecondaryPrivateIpAddressCount cannot both be set.",
            ));
        }
        _ => {}
    }
    let mut have = super::ecs_vpcs::private_ips_of(&Value::Object(eni.attrs.clone()));
    if have.len() + asked.len() + count > ip_quota(world, &eni) {
        return Err(ctx.spec_error(
            "MaxEniPrivateIpsCountExceeded",
            403,
            "The interface would have more private IP addresses than allowed.",
        ));
    }
    let vswitch = eni.str("VSwitchId").unwrap_or_default().to_owned();
    check_ips(world, ctx, &vswitch, &asked)?;
    let mut added = asked.clone();
    added.extend(pick_ips(world, ctx, &vswitch, &asked, count)?);
    let primary = eni.str("PrivateIpAddress").unwrap_or_default().to_owned();
    have.retain(|ip| *ip != primary);
    have.extend(added.iter().cloned());
    eni.set("PrivateIpSets", ip_sets(&primary, &have));
    save(world, eni, owner);
    let mut out = Map::new();
    out.insert(
        "AssignedPrivateIpAddressesSet".into(),
        json!({"NetworkInterfaceId": id, "PrivateIpSet": added, "Ipv4PrefixSet": []}),
    );
    Ok(out)
}

fn unassign_private_ip_addresses(world: &mut World, ctx: &Context<'_>) -> Outcome {
    reconcile(world);
    let input = ctx.input;
    let id = input.str("NetworkInterfaceId").unwrap_or_default();
    let (mut eni, owner) = load(world, ctx, id)?;
    let asked = input.strings("PrivateIpAddress");
    if asked.is_empty() {
        return Err(ApiError::missing_parameter("PrivateIpAddress.N"));
    }
    let primary = eni.str("PrivateIpAddress").unwrap_or_default().to_owned();
    let mut have = super::ecs_vpcs::private_ips_of(&Value::Object(eni.attrs.clone()));
    for ip in &asked {
        if *ip == primary {
            return Err(ApiError::new(
                400,
                "InvalidParameter",
                "The primary private IP address of an interface cannot be unassigned.",
            ));
        }
        if !have.contains(ip) {
            return Err(ctx.spec_error(
                "InvalidIp.IpUnassigned",
                403,
                "The specified IP address is not assigned to the network interface.",
            ));
        }
    }
    have.retain(|ip| *ip != primary && !asked.contains(ip));
    eni.set("PrivateIpSets", ip_sets(&primary, &have));
    save(world, eni, owner);
    Ok(Map::new())
}

fn assign_ipv6_addresses(world: &mut World, ctx: &Context<'_>) -> Outcome {
    reconcile(world);
    let input = ctx.input;
    let id = input.str("NetworkInterfaceId").unwrap_or_default();
    let (mut eni, owner) = load(world, ctx, id)?;
    let asked = input.strings("Ipv6Address");
    let count = input.int("Ipv6AddressCount").unwrap_or(0).max(0) as usize;
    if asked.is_empty() && count == 0 {
        return Err(ApiError::missing_parameter("Ipv6AddressCount"));
    }
    if asked
        .iter()
        .any(|ip| ip.parse::<std::net::Ipv6Addr>().is_err())
    {
        return Err(ctx.spec_error(
            "InvalidIp.Address",
            403,
            "The specified IPv6 address is not valid.",
        ));
    }
    let mut have = ipv6_of(&eni);
    if asked.iter().any(|ip| have.contains(ip)) {
        return Err(ctx.spec_error(
            "InvalidIp.IpAssigned",
            403,
            "The specified IPv6 address is already assigned.",
        ));
    }
    if have.len() + asked.len() + count > MAX_IPV6 {
        return Err(ctx.spec_error(
            "InvalidOperation.Ipv6CountExceeded",
            403,
            "The interface would have too many IPv6 addresses.",
        ));
    }
    let vswitch = eni.str("VSwitchId").unwrap_or_default().to_owned();
    let mut added = asked;
    added.extend(new_ipv6(world, &vswitch, count));
    have.extend(added.iter().cloned());
    eni.set(
        "Ipv6Sets",
        json!(
            have.iter()
                .map(|ip| json!({"Ipv6Address": ip}))
                .collect::<Vec<_>>()
        ),
    );
    save(world, eni, owner);
    let mut out = Map::new();
    out.insert("NetworkInterfaceId".into(), json!(id));
    out.insert("Ipv6Sets".into(), json!(added));
    out.insert("Ipv6PrefixSets".into(), json!([]));
    Ok(out)
}

fn unassign_ipv6_addresses(world: &mut World, ctx: &Context<'_>) -> Outcome {
    reconcile(world);
    let input = ctx.input;
    let id = input.str("NetworkInterfaceId").unwrap_or_default();
    let (mut eni, owner) = load(world, ctx, id)?;
    let asked = input.strings("Ipv6Address");
    let mut have = ipv6_of(&eni);
    if asked.is_empty() {
        return Err(ApiError::missing_parameter("Ipv6Address.N"));
    }
    if asked.iter().any(|ip| !have.contains(ip)) {
        return Err(ctx.spec_error(
            "InvalidIp.IpUnassigned",
            403,
            "The specified IPv6 address is not assigned to the network interface.",
        ));
    }
    have.retain(|ip| !asked.contains(ip));
    eni.set(
        "Ipv6Sets",
        json!(
            have.iter()
                .map(|ip| json!({"Ipv6Address": ip}))
                .collect::<Vec<_>>()
        ),
    );
    save(world, eni, owner);
    Ok(Map::new())
}
