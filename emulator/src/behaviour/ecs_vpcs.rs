//! VPCs and vSwitches as the ECS API (2014-05-26) exposes them: create, describe with the
//! service's filters and paging, rename, delete; the vRouter and system route table every VPC
//! has are views of the VPC (`DescribeVRouters`, `DescribeRouteTables`).
//!
//! Rules the service applies and the emulator keeps:
//! - a vSwitch's CIDR block lies inside its VPC's, has a mask of /16 to /29 and overlaps no
//!   other vSwitch of the VPC (`InvalidCidrBlock.Overlapped`);
//! - a VPC is deleted only without vSwitches and security groups (`DependencyViolation.*`);
//!   a vSwitch only while no instance or network interface uses it (`DependencyViolation`);
//! - a repeated `ClientToken` answers the first call's result.
//!
//! The helpers other network families share (CIDR arithmetic, dry runs, client tokens, the
//! `*` name pattern) live here too.

use std::net::Ipv4Addr;

use serde_json::{Map, Value, json};

use super::ecs_world::{self, NETWORK_INTERFACE, SECURITY_GROUP, VPC, VSWITCH, obj};
use super::{Context, Model, Outcome, ecs_data};
use crate::clock;
use crate::error::ApiError;
use crate::store::{self, Query, Resource, fixed_id};
use crate::world::World;

/// The VPC actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("CreateVpc", create_vpc),
    Model::ecs("DeleteVpc", delete_vpc),
    Model::ecs("DescribeVpcs", describe_vpcs),
    Model::ecs("ModifyVpcAttribute", modify_vpc_attribute),
    Model::ecs("CreateVSwitch", create_vswitch),
    Model::ecs("DeleteVSwitch", delete_vswitch),
    Model::ecs("DescribeVSwitches", describe_vswitches),
    Model::ecs("ModifyVSwitchAttribute", modify_vswitch_attribute),
    Model::ecs("DescribeVRouters", describe_vrouters),
    Model::ecs("ModifyVRouterAttribute", modify_vrouter_attribute),
    Model::ecs("DescribeRouteTables", describe_route_tables),
];

// ----- Shared helpers ------------------------------------------------------------------------

/// Whether a resource name is acceptable: 1 to 128 characters, not starting with `http://`
/// or `https://` (the service's rule for names and descriptions, loosely).
pub(super) fn valid_name(name: &str, max: usize) -> bool {
    let len = name.chars().count();
    (1..=max).contains(&len) && !name.starts_with("http://") && !name.starts_with("https://")
}

/// Checks the `Tag.N` list of a create action: at most 20, keys present, unique and not in
/// the reserved `aliyun` / `acs:` namespaces (the service's tag rules).
pub(super) fn check_tags(ctx: &Context<'_>) -> Result<(), ApiError> {
    let pairs = store::tag_pairs(ctx.input, "Tag");
    let mut seen = std::collections::HashSet::new();
    for (key, _) in &pairs {
        if key.is_empty() || key.starts_with("aliyun") || key.starts_with("acs:") || key.len() > 128
        {
            return Err(ctx.spec_error(
                "InvalidTagKey.Malformed",
                400,
                "Specified tag key is not valid.",
            ));
        }
        if !seen.insert(key.as_str()) {
            return Err(ctx.spec_error(
                "Duplicate.TagKey",
                400,
                "The Tag.N.Key contain duplicate key.",
            ));
        }
    }
    if pairs.len() > 20 {
        return Err(ctx.spec_error("QuotaExceed.Tags", 403, "A resource has at most 20 tags."));
    }
    Ok(())
}

/// An IPv4 CIDR block: network address and mask length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Cidr {
    pub(super) base: u32,
    pub(super) len: u8,
}

impl Cidr {
    /// Parses `a.b.c.d/n` (or a bare address as a /32); the base must be the network address.
    pub(super) fn parse(text: &str) -> Option<Cidr> {
        let (addr, len) = match text.trim().split_once('/') {
            Some((addr, len)) => (addr, len.parse::<u8>().ok()?),
            None => (text.trim(), 32),
        };
        let base = u32::from(addr.parse::<Ipv4Addr>().ok()?);
        if len > 32 || base & !Cidr::mask(len) != 0 {
            return None;
        }
        Some(Cidr { base, len })
    }

    fn mask(len: u8) -> u32 {
        if len == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(len))
        }
    }

    /// The last address of the block.
    pub(super) fn last(self) -> u32 {
        self.base | !Cidr::mask(self.len)
    }

    /// Whether `other` lies wholly inside this block.
    pub(super) fn contains(self, other: Cidr) -> bool {
        other.len >= self.len && other.base & Cidr::mask(self.len) == self.base
    }

    /// Whether address `ip` lies inside this block.
    pub(super) fn holds(self, ip: u32) -> bool {
        ip & Cidr::mask(self.len) == self.base
    }

    /// Whether the two blocks share an address.
    pub(super) fn overlaps(self, other: Cidr) -> bool {
        self.contains(other) || other.contains(self)
    }

    /// Addresses a vSwitch of this block offers (the service keeps the first and last three).
    pub(super) fn usable(self) -> i64 {
        (1_i64 << (32 - u32::from(self.len))) - 4
    }
}

/// The CIDR block of vSwitch `id`, if it exists and has one.
pub(super) fn vswitch_cidr(world: &World, id: &str) -> Option<Cidr> {
    world
        .store
        .get(VSWITCH, id)
        .and_then(|v| v.str("CidrBlock"))
        .and_then(Cidr::parse)
}

/// Every private address in use in vSwitch `vswitch`: instances' and network interfaces'.
pub(super) fn used_ips(world: &World, vswitch: &str) -> Vec<String> {
    let mut used = Vec::new();
    for t in world.iter() {
        if t.ecs
            .attr("VpcAttributes.VSwitchId")
            .and_then(Value::as_str)
            != Some(vswitch)
        {
            continue;
        }
        if let Some(Value::Array(ips)) = t.ecs.attr("VpcAttributes.PrivateIpAddress") {
            used.extend(ips.iter().filter_map(Value::as_str).map(str::to_owned));
        }
        if let Some(Value::Array(enis)) = t.ecs.attrs.get("NetworkInterfaces") {
            for eni in enis {
                used.extend(private_ips_of(eni));
            }
        }
    }
    for eni in world.store.iter(NETWORK_INTERFACE) {
        if eni.str("VSwitchId") == Some(vswitch) {
            used.extend(private_ips_of(&Value::Object(eni.attrs.clone())));
        }
    }
    used.sort();
    used.dedup();
    used
}

/// The addresses of a network interface item's `PrivateIpSets`.
pub(super) fn private_ips_of(eni: &Value) -> Vec<String> {
    eni.get("PrivateIpSets")
        .and_then(Value::as_array)
        .map(|sets| {
            sets.iter()
                .filter_map(|s| s.get("PrivateIpAddress").and_then(Value::as_str))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// A free address of `cidr` not in `used`, counted down from the top of the block (instances
/// are numbered from the bottom, so the two rarely meet).
pub(super) fn free_ip(cidr: Cidr, used: &[String]) -> Option<String> {
    let first = cidr.base.saturating_add(1);
    let mut ip = cidr.last().saturating_sub(3);
    while ip >= first {
        let text = Ipv4Addr::from(ip).to_string();
        if !used.contains(&text) {
            return Some(text);
        }
        ip -= 1;
    }
    None
}

// ----- VPCs ----------------------------------------------------------------------------------

fn vpc_not_found(ctx: &Context<'_>) -> ApiError {
    store::not_found(ctx, "InvalidVpcId.NotFound", "VPC")
}

fn vswitch_not_found(ctx: &Context<'_>) -> ApiError {
    ctx.spec_error(
        "InvalidVSwitchId.NotFound",
        404,
        "The specified vSwitch does not exist.",
    )
}

/// The route table id of a VPC (the default VPCs derive theirs from the region).
fn route_table_id(vpc: &Resource) -> String {
    vpc.str("RouteTableId")
        .map(str::to_owned)
        .unwrap_or_else(|| fixed_id("vtb-", &vpc.region, "default"))
}

fn create_vpc(world: &mut World, ctx: &Context<'_>) -> Outcome {
    if let Some(answer) = ctx.replay(world)? {
        return Ok(answer);
    }
    let input = ctx.input;
    let region = ctx.region();
    let cidr_text = input
        .str("CidrBlock")
        .unwrap_or(ecs_world::DEFAULT_VPC_CIDR);
    let cidr = Cidr::parse(cidr_text)
        .filter(|c| (8..=28).contains(&c.len))
        .ok_or_else(|| {
            ApiError::new(
                400,
                "InvalidCidrBlock.Malformed",
                "Specified CIDR block is not valid.",
            )
        })?;
    if let Some(name) = input.str("VpcName") {
        if !valid_name(name, 128) {
            return Err(ctx.spec_error(
                "InvalidVpcName.Malformed",
                400,
                "Specified VPC name is not valid.",
            ));
        }
    }
    if let Some(desc) = input.str("Description") {
        if !valid_name(desc, 256) {
            return Err(ctx.spec_error(
                "InvalidVpcDiscription.Malformed",
                400,
                "Specified VPC description is not valid.",
            ));
        }
    }
    let user_cidrs = input.ids("UserCidr");
    if user_cidrs.iter().any(|c| Cidr::parse(c).is_none()) {
        return Err(ctx.spec_error(
            "InvalidUserCidr.Malformed",
            400,
            "The specified UserCidr is invalid.",
        ));
    }
    ecs_world::ensure_region(&mut world.store, &region);
    let id = world.store.new_id("vpc-", &region);
    let vrouter = world.store.new_id("vrt-", &region);
    let table = world.store.new_id("vtb-", &region);
    world.store.insert(
        VPC,
        &id,
        &region,
        obj(json!({
            "VpcId": id,
            "RegionId": region,
            "VpcName": input.str("VpcName").unwrap_or_default(),
            "Description": input.str("Description").unwrap_or_default(),
            "CidrBlock": cidr.to_string(),
            "IsDefault": false,
            "Status": "Available",
            "VRouterId": vrouter,
            "RouteTableId": table,
            "VSwitchIds": [],
            "UserCidrs": user_cidrs,
            "CreationTime": clock::rfc3339(ctx.now),
        })),
    );
    let mut out = Map::new();
    out.insert("VpcId".into(), json!(id));
    out.insert("VRouterId".into(), json!(vrouter));
    out.insert("RouteTableId".into(), json!(table));
    ctx.remember(world, &out);
    Ok(out)
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.base), self.len)
    }
}

fn delete_vpc(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let region = ctx.region();
    let id = ctx.input.str("VpcId").unwrap_or_default().to_owned();
    world.store.find(VPC, &region, &id, || vpc_not_found(ctx))?;
    let in_vpc = |r: &Resource| r.str("VpcId") == Some(id.as_str());
    if world
        .iter()
        .any(|t| t.ecs.attr("VpcAttributes.VpcId").and_then(Value::as_str) == Some(id.as_str()))
    {
        return Err(ctx.spec_error(
            "DependencyViolation.Instance",
            400,
            "Specified VPC still has instances.",
        ));
    }
    if world.store.iter(VSWITCH).any(in_vpc) {
        return Err(ctx.spec_error(
            "DependencyViolation.VSwitch",
            400,
            "Specified VPC has vSwitches that are not deleted.",
        ));
    }
    if world.store.iter(SECURITY_GROUP).any(in_vpc) {
        return Err(ctx.spec_error(
            "DependencyViolation.SecurityGroup",
            400,
            "Specified VPC has security groups that are not deleted.",
        ));
    }
    world.store.remove(VPC, &id);
    Ok(Map::new())
}

/// The describe item of a VPC (the vRouter's own name and description stay out).
fn vpc_item(vpc: &Resource) -> Value {
    let mut item = vpc.item();
    if let Value::Object(map) = &mut item {
        map.remove("VRouterName");
        map.remove("VRouterDescription");
        map.remove("RouteTableId");
        map.remove("Tags");
    }
    item
}

fn describe_vpcs(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let query = Query::new(input)
        .ids(input.ids("VpcId"))
        .param(input, "IsDefault", "IsDefault");
    let rows = query.select(world.store.iter(VPC));
    store::page(input, rows, "Vpcs", vpc_item)
}

fn modify_vpc_attribute(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let region = ctx.region();
    let id = input.str("VpcId").unwrap_or_default().to_owned();
    world.store.find(VPC, &region, &id, || vpc_not_found(ctx))?;
    if input.str("VpcName").is_some_and(|n| !valid_name(n, 128)) {
        return Err(ctx.spec_error(
            "InvalidVpcName.Malformed",
            400,
            "Specified VPC name is not valid.",
        ));
    }
    if input
        .str("Description")
        .is_some_and(|d| !valid_name(d, 256))
    {
        return Err(ctx.spec_error(
            "InvalidDescription.Malformed",
            400,
            "Specified description is not valid.",
        ));
    }
    let new_cidr = match input.str("CidrBlock") {
        Some(text) => {
            let cidr = Cidr::parse(text)
                .filter(|c| (8..=28).contains(&c.len))
                .ok_or_else(|| {
                    ctx.spec_error(
                        "InvalidCidrBlock.Malformed",
                        400,
                        "Specified CIDR block is not valid.",
                    )
                })?;
            // The new block must still hold every vSwitch of the VPC.
            let outside = world
                .store
                .iter(VSWITCH)
                .filter(|v| v.str("VpcId") == Some(id.as_str()))
                .filter_map(|v| v.str("CidrBlock").and_then(Cidr::parse))
                .any(|v| !cidr.contains(v));
            if outside {
                return Err(ctx.spec_error(
                    "IllegalCidrBlock",
                    400,
                    "The new CIDR block does not contain the CIDR blocks of the VPC's vSwitches.",
                ));
            }
            Some(cidr.to_string())
        }
        None => None,
    };
    let vpc = world
        .store
        .find_mut(VPC, &region, &id, || vpc_not_found(ctx))?;
    if let Some(name) = input.str("VpcName") {
        vpc.set("VpcName", name);
    }
    if let Some(desc) = input.str("Description") {
        vpc.set("Description", desc);
    }
    if let Some(cidr) = new_cidr {
        vpc.set("CidrBlock", cidr);
    }
    Ok(Map::new())
}

// ----- vSwitches -----------------------------------------------------------------------------

fn create_vswitch(world: &mut World, ctx: &Context<'_>) -> Outcome {
    if let Some(answer) = ctx.replay(world)? {
        return Ok(answer);
    }
    let input = ctx.input;
    let region = ctx.region();
    let vpc_id = input.str("VpcId").unwrap_or_default().to_owned();
    let vpc = world
        .store
        .find(VPC, &region, &vpc_id, || vpc_not_found(ctx))?;
    let zone = input.str("ZoneId").unwrap_or_default().to_owned();
    if !ecs_data::zones(&region).contains(&zone) {
        return Err(ctx.spec_error(
            "InvalidZoneId.NotFound",
            404,
            "The specified zone does not exist.",
        ));
    }
    let text = input.str("CidrBlock").unwrap_or_default();
    let cidr = Cidr::parse(text).ok_or_else(|| {
        ctx.spec_error(
            "InvalidCidrBlock.Malformed",
            400,
            "Specified CIDR block is not valid.",
        )
    })?;
    if !(16..=29).contains(&cidr.len) {
        return Err(ctx.spec_error(
            "InvalidCirdrBlock.MaskLength",
            400,
            "The mask length of the vSwitch CIDR block must be between 16 and 29.",
        ));
    }
    let mut blocks: Vec<Cidr> = vpc
        .str("CidrBlock")
        .and_then(Cidr::parse)
        .into_iter()
        .collect();
    if let Some(Value::Array(user)) = vpc.attrs.get("UserCidrs") {
        blocks.extend(
            user.iter()
                .filter_map(Value::as_str)
                .filter_map(Cidr::parse),
        );
    }
    if !blocks.iter().any(|b| b.contains(cidr)) {
        return Err(ctx.spec_error(
            "InvalidCidrBlock.Malformed",
            400,
            "The vSwitch CIDR block is not inside the CIDR block of the VPC.",
        ));
    }
    let overlapped = world
        .store
        .iter(VSWITCH)
        .filter(|v| v.str("VpcId") == Some(vpc_id.as_str()))
        .filter_map(|v| v.str("CidrBlock").and_then(Cidr::parse))
        .any(|other| other.overlaps(cidr));
    if overlapped {
        return Err(ctx.spec_error(
            "InvalidCidrBlock.Overlapped",
            400,
            "Specified CIDR block overlapped with other vSwitch CIDR blocks.",
        ));
    }
    if input
        .str("VSwitchName")
        .is_some_and(|n| !valid_name(n, 128))
    {
        return Err(ctx.spec_error(
            "InvalidVSwitchName.Malformed",
            400,
            "Specified vSwitch name is not valid.",
        ));
    }
    if input
        .str("Description")
        .is_some_and(|d| !valid_name(d, 256))
    {
        return Err(ctx.spec_error(
            "InvalidDescription.Malformed",
            400,
            "Specified description is not valid.",
        ));
    }
    let id = world.store.new_id("vsw-", &region);
    world.store.insert(
        VSWITCH,
        &id,
        &region,
        obj(json!({
            "VSwitchId": id,
            "VpcId": vpc_id,
            "ZoneId": zone,
            "VSwitchName": input.str("VSwitchName").unwrap_or_default(),
            "Description": input.str("Description").unwrap_or_default(),
            "CidrBlock": cidr.to_string(),
            "IsDefault": false,
            "Status": "Available",
            "AvailableIpAddressCount": cidr.usable(),
            "ResourceGroupId": "",
            "CreationTime": clock::rfc3339(ctx.now),
        })),
    );
    if let Some(vpc) = world.store.get_mut(VPC, &vpc_id) {
        if let Some(Value::Array(ids)) = vpc.attrs.get_mut("VSwitchIds") {
            ids.push(json!(id));
        }
    }
    let mut out = Map::new();
    out.insert("VSwitchId".into(), json!(id));
    ctx.remember(world, &out);
    Ok(out)
}

fn delete_vswitch(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let region = ctx.region();
    let id = ctx.input.str("VSwitchId").unwrap_or_default().to_owned();
    let vpc_id = world
        .store
        .find(VSWITCH, &region, &id, || vswitch_not_found(ctx))?
        .str("VpcId")
        .unwrap_or_default()
        .to_owned();
    let used_by_instance = world.iter().any(|t| {
        t.ecs
            .attr("VpcAttributes.VSwitchId")
            .and_then(Value::as_str)
            == Some(id.as_str())
    });
    let used_by_eni = world
        .store
        .iter(NETWORK_INTERFACE)
        .any(|e| e.str("VSwitchId") == Some(id.as_str()));
    if used_by_instance || used_by_eni {
        return Err(ctx.spec_error(
            "DependencyViolation",
            400,
            "Specified object has dependent resources: instances or network interfaces still use the vSwitch.",
        ));
    }
    world.store.remove(VSWITCH, &id);
    if let Some(vpc) = world.store.get_mut(VPC, &vpc_id) {
        if let Some(Value::Array(ids)) = vpc.attrs.get_mut("VSwitchIds") {
            ids.retain(|v| v.as_str() != Some(id.as_str()));
        }
    }
    Ok(Map::new())
}

fn describe_vswitches(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let query = Query::new(input)
        .ids(input.ids("VSwitchId"))
        .param(input, "VpcId", "VpcId")
        .param(input, "ZoneId", "ZoneId")
        .param(input, "IsDefault", "IsDefault");
    let rows = query.select(world.store.iter(VSWITCH));
    let world = &*world;
    store::page(input, rows, "VSwitches", |v| {
        let mut item = v.item();
        // What is left after the addresses instances and interfaces took.
        if let Some(cidr) = v.str("CidrBlock").and_then(Cidr::parse) {
            let used = used_ips(world, &v.id).len() as i64;
            item["AvailableIpAddressCount"] = json!((cidr.usable() - used).max(0));
        }
        if let Value::Object(map) = &mut item {
            map.remove("Tags");
        }
        item
    })
}

fn modify_vswitch_attribute(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let region = ctx.region();
    let id = input.str("VSwitchId").unwrap_or_default().to_owned();
    world
        .store
        .find(VSWITCH, &region, &id, || vswitch_not_found(ctx))?;
    if input
        .str("VSwitchName")
        .is_some_and(|n| !valid_name(n, 128))
    {
        return Err(ctx.spec_error(
            "InvalidVSwitchName.Malformed",
            400,
            "Specified vSwitch name is not valid.",
        ));
    }
    if input
        .str("Description")
        .is_some_and(|d| !valid_name(d, 256))
    {
        return Err(ctx.spec_error(
            "InvalidDescription.Malformed",
            400,
            "Specified description is not valid.",
        ));
    }
    let vsw = world
        .store
        .find_mut(VSWITCH, &region, &id, || vswitch_not_found(ctx))?;
    if let Some(name) = input.str("VSwitchName") {
        vsw.set("VSwitchName", name);
    }
    if let Some(desc) = input.str("Description") {
        vsw.set("Description", desc);
    }
    Ok(Map::new())
}

// ----- vRouters and route tables (views of the VPCs) -------------------------------------------

fn vrouter_item(vpc: &Resource) -> Value {
    json!({
        "VRouterId": vpc.str("VRouterId"),
        "VRouterName": vpc.str("VRouterName").unwrap_or_default(),
        "Description": vpc.str("VRouterDescription").unwrap_or_default(),
        "VpcId": vpc.id,
        "RegionId": vpc.region,
        "CreationTime": vpc.str("CreationTime"),
        "RouteTableIds": [route_table_id(vpc)],
    })
}

fn describe_vrouters(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let query = Query::new(input).param(input, "VRouterId", "VRouterId");
    let rows = query.select(world.store.iter(VPC));
    store::page(input, rows, "VRouters", vrouter_item)
}

fn modify_vrouter_attribute(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let region = ctx.region();
    let router = input.str("VRouterId").unwrap_or_default();
    let vpc = world
        .store
        .iter_mut(VPC)
        .find(|v| v.in_region(&region) && v.str("VRouterId") == Some(router))
        .ok_or_else(|| {
            ctx.spec_error(
                "InvalidVRouterId.NotFound",
                404,
                "The specified vRouter does not exist.",
            )
        })?;
    if let Some(name) = input.str("VRouterName") {
        vpc.set("VRouterName", name);
    }
    if let Some(desc) = input.str("Description") {
        vpc.set("VRouterDescription", desc);
    }
    Ok(Map::new())
}

fn describe_route_tables(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let router = input.str("VRouterId").or(input.str("RouterId"));
    let table = input.str("RouteTableId");
    let query = Query::new(input).eq("VRouterId", router);
    let vpcs: Vec<&Resource> = query
        .select(world.store.iter(VPC))
        .into_iter()
        .filter(|v| table.is_none_or(|t| route_table_id(v) == t))
        .collect();
    let store = &world.store;
    store::page(input, vpcs, "RouteTables", |vpc| {
        let table = route_table_id(vpc);
        // One system route per vSwitch, as the service adds them.
        let entries: Vec<Value> = store
            .iter(VSWITCH)
            .filter(|v| v.str("VpcId") == Some(vpc.id.as_str()))
            .map(|v| {
                json!({
                    "RouteTableId": table,
                    "DestinationCidrBlock": v.str("CidrBlock"),
                    "Type": "System",
                    "Status": "Available",
                    "NextHopType": "local",
                    "InstanceId": "",
                    "NextHops": [],
                })
            })
            .collect();
        json!({
            "RouteTableId": table,
            "RouteTableType": "System",
            "VRouterId": vpc.str("VRouterId"),
            "ResourceGroupId": "",
            "CreationTime": vpc.str("CreationTime"),
            "RouteEntrys": entries,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_blocks_contain_and_overlap() {
        let vpc = Cidr::parse("10.0.0.0/8").unwrap();
        let a = Cidr::parse("10.1.0.0/16").unwrap();
        let b = Cidr::parse("10.1.128.0/24").unwrap();
        let c = Cidr::parse("10.2.0.0/24").unwrap();
        assert!(vpc.contains(a) && a.contains(b) && !a.contains(c));
        assert!(a.overlaps(b) && b.overlaps(a) && !a.overlaps(c));
        assert!(!Cidr::parse("172.16.0.0/12").unwrap().contains(a));
        assert_eq!(Cidr::parse("10.1.0.1/16"), None, "host bits set");
        assert_eq!(Cidr::parse("10.1.0.0/33"), None);
        assert_eq!(Cidr::parse("nonsense"), None);
        assert_eq!(b.usable(), 252);
        assert_eq!(b.to_string(), "10.1.128.0/24");
        assert!(b.holds(u32::from(Ipv4Addr::new(10, 1, 128, 7))));
    }

    #[test]
    fn free_addresses_come_from_the_top_and_skip_used_ones() {
        let block = Cidr::parse("192.168.0.0/29").unwrap();
        assert_eq!(free_ip(block, &[]).as_deref(), Some("192.168.0.4"));
        let used = vec!["192.168.0.4".to_owned(), "192.168.0.3".to_owned()];
        assert_eq!(free_ip(block, &used).as_deref(), Some("192.168.0.2"));
        let full: Vec<String> = (1..=4).map(|n| format!("192.168.0.{n}")).collect();
        assert_eq!(free_ip(block, &full), None);
    }
}
