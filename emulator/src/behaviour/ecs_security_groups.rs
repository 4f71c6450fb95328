//! Security groups and their rules: create, authorize and revoke ingress / egress rules (the
//! flat parameters and the `Permissions.N` list), describe groups (with the instance counts the
//! world gives) and their rules, change names, policies and single rules, delete.
//!
//! Rules the service applies and the emulator keeps:
//! - a rule names a protocol (`TCP`, `UDP`, `ICMP`, `ICMPv6`, `GRE`, `ALL`), a port range
//!   (`a/b` for TCP and UDP, `-1/-1` otherwise), a policy, a priority 1–100 and a peer: an
//!   IPv4 / IPv6 block, a prefix list or another group of the same VPC, which must exist;
//! - authorizing a rule the group already has changes nothing; a group holds at most 200 rules;
//! - revoking names rules by `SecurityGroupRuleId.N` or by their fields
//!   (`InvalidSecurityGroupRule.RuleNotExist` when none matches);
//! - a group is deleted only while no instance or network interface uses it and no other
//!   group's rule refers to it (`DependencyViolation`).

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::{Map, Value, json};

use super::ecs_vpcs::{check_tags, valid_name};
use super::ecs_world::{self, NETWORK_INTERFACE, SECURITY_GROUP, VPC, obj};
use super::{Context, Model, Outcome};
use crate::clock;
use crate::error::ApiError;
use crate::store::{self, Query, Resource};
use crate::world::World;

/// The security group actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("CreateSecurityGroup", create_security_group),
    Model::ecs("AuthorizeSecurityGroup", authorize_ingress),
    Model::ecs("AuthorizeSecurityGroupEgress", authorize_egress),
    Model::ecs("RevokeSecurityGroup", revoke_ingress),
    Model::ecs("RevokeSecurityGroupEgress", revoke_egress),
    Model::ecs("DescribeSecurityGroups", describe_security_groups),
    Model::ecs(
        "DescribeSecurityGroupAttribute",
        describe_security_group_attribute,
    ),
    Model::ecs(
        "ModifySecurityGroupAttribute",
        modify_security_group_attribute,
    ),
    Model::ecs("ModifySecurityGroupPolicy", modify_security_group_policy),
    Model::ecs("ModifySecurityGroupRule", modify_ingress_rule),
    Model::ecs("ModifySecurityGroupEgressRule", modify_egress_rule),
    Model::ecs("DeleteSecurityGroup", delete_security_group),
    Model::ecs(
        "DescribeSecurityGroupReferences",
        describe_security_group_references,
    ),
];

/// Most rules one group holds.
const MAX_RULES: usize = 200;

/// Instances a normal group may hold (enterprise groups hold far more).
const NORMAL_GROUP_CAPACITY: i64 = 2000;
const ENTERPRISE_GROUP_CAPACITY: i64 = 65536;

/// Every field of a rule, in the order `DescribeSecurityGroupAttribute` lists them.
const RULE_FIELDS: &[&str] = &[
    "SecurityGroupRuleId",
    "Direction",
    "IpProtocol",
    "PortRange",
    "SourcePortRange",
    "SourceCidrIp",
    "Ipv6SourceCidrIp",
    "SourceGroupId",
    "SourceGroupName",
    "SourceGroupOwnerAccount",
    "SourcePrefixListId",
    "SourcePrefixListName",
    "DestCidrIp",
    "Ipv6DestCidrIp",
    "DestGroupId",
    "DestGroupName",
    "DestGroupOwnerAccount",
    "DestPrefixListId",
    "DestPrefixListName",
    "Policy",
    "Priority",
    "NicType",
    "Description",
    "CreateTime",
];

/// The fields that make two rules the same rule (the description and times do not).
const IDENTITY: &[&str] = &[
    "Direction",
    "IpProtocol",
    "PortRange",
    "SourcePortRange",
    "SourceCidrIp",
    "Ipv6SourceCidrIp",
    "SourceGroupId",
    "SourcePrefixListId",
    "DestCidrIp",
    "Ipv6DestCidrIp",
    "DestGroupId",
    "DestPrefixListId",
    "Policy",
    "Priority",
    "NicType",
];

/// Which way a rule lets traffic through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    fn name(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }

    /// The prefix of the peer's parameters (`Source` for ingress, `Dest` for egress).
    fn peer(self) -> &'static str {
        match self {
            Direction::Ingress => "Source",
            Direction::Egress => "Dest",
        }
    }
}

fn group_not_found(ctx: &Context<'_>) -> ApiError {
    ctx.spec_error(
        "InvalidSecurityGroupId.NotFound",
        404,
        "The specified security group does not exist.",
    )
}

/// The rules of `group`, as stored.
fn rules(group: &Resource) -> Vec<Map<String, Value>> {
    match group.attrs.get("Permissions") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_object().cloned())
            .collect(),
        _ => Vec::new(),
    }
}

fn field<'a>(rule: &'a Map<String, Value>, key: &str) -> &'a str {
    rule.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn same_rule(a: &Map<String, Value>, b: &Map<String, Value>) -> bool {
    IDENTITY.iter().all(|k| field(a, k) == field(b, k))
}

/// An address or block as rules accept it (`10.0.0.1`, `10.0.0.0/8`).
fn valid_v4(text: &str) -> bool {
    let (addr, len) = text.split_once('/').unwrap_or((text, "32"));
    addr.parse::<Ipv4Addr>().is_ok() && len.parse::<u8>().is_ok_and(|l| l <= 32)
}

fn valid_v6(text: &str) -> bool {
    let (addr, len) = text.split_once('/').unwrap_or((text, "128"));
    addr.parse::<Ipv6Addr>().is_ok() && len.parse::<u8>().is_ok_and(|l| l <= 128)
}

/// `a/b` with `1 <= a <= b <= 65535`.
fn valid_ports(text: &str) -> bool {
    let Some((a, b)) = text.split_once('/') else {
        return false;
    };
    match (a.trim().parse::<u32>(), b.trim().parse::<u32>()) {
        (Ok(a), Ok(b)) => (1..=65535).contains(&a) && (a..=65535).contains(&b),
        _ => false,
    }
}

/// Reads and checks one rule of `direction` for `group` from `get` (the flat parameters or
/// one `Permissions.N` item), normalized as the service stores it.
fn parse_rule(
    world: &World,
    ctx: &Context<'_>,
    group: &Resource,
    direction: Direction,
    get: &dyn Fn(&str) -> Option<String>,
) -> Result<Map<String, Value>, ApiError> {
    let text = |key: &str| get(key).filter(|v| !v.is_empty());
    let peer = direction.peer();
    let mut rule = Map::new();
    for key in RULE_FIELDS {
        rule.insert((*key).into(), json!(""));
    }
    rule.insert("Direction".into(), json!(direction.name()));

    let protocol = text("IpProtocol")
        .ok_or_else(|| ApiError::missing_parameter("IpProtocol"))?
        .to_ascii_uppercase();
    let protocol = match protocol.as_str() {
        "TCP" | "UDP" | "ICMP" | "GRE" | "ALL" => protocol,
        "ICMPV6" => "ICMPv6".to_owned(),
        _ => {
            return Err(ctx.spec_error(
                "InvalidIpProtocol.ValueNotSupported",
                400,
                "The specified IpProtocol is not supported.",
            ));
        }
    };
    let ports = match (protocol.as_str(), text("PortRange")) {
        ("TCP" | "UDP", None) => return Err(ApiError::missing_parameter("PortRange")),
        ("TCP" | "UDP", Some(p)) if valid_ports(&p) => p,
        ("TCP" | "UDP", Some(_)) => {
            return Err(ctx.spec_error(
                "InvalidPortRange.Malformed",
                400,
                "The specified PortRange is not valid.",
            ));
        }
        (_, None) => "-1/-1".to_owned(),
        (_, Some(p)) if p == "-1/-1" => p,
        (_, Some(_)) => {
            return Err(ctx.spec_error(
                "InvalidParam.PortRange",
                400,
                "The PortRange of this protocol must be -1/-1.",
            ));
        }
    };
    if let Some(p) = text("SourcePortRange") {
        if !valid_ports(&p) && p != "-1/-1" {
            return Err(ctx.spec_error(
                "InvalidSourcePortRange.Malformed",
                400,
                "The specified SourcePortRange is not valid.",
            ));
        }
        rule.insert("SourcePortRange".into(), json!(p));
    }
    let policy = match text("Policy").map(|p| p.to_ascii_lowercase()).as_deref() {
        None | Some("accept") => "Accept",
        Some("drop") => "Drop",
        Some(_) => {
            return Err(ctx.spec_error(
                "InvalidPolicy.Malformed",
                400,
                "The specified Policy is not valid.",
            ));
        }
    };
    let priority = match text("Priority") {
        None => 1,
        Some(p) => {
            let n: i64 = p.trim().parse().map_err(|_| {
                ctx.spec_error(
                    "InvalidPriority.Malformed",
                    400,
                    "The specified Priority is not valid.",
                )
            })?;
            if !(1..=100).contains(&n) {
                return Err(ctx.spec_error(
                    "InvalidPriority.ValueNotSupported",
                    400,
                    "The Priority must be between 1 and 100.",
                ));
            }
            n
        }
    };
    match text("NicType").as_deref() {
        None | Some("intranet") | Some("internet") => {}
        Some(_) => {
            return Err(ctx.spec_error(
                "InvalidNicType.ValueNotSupported",
                400,
                "The specified NicType is not valid.",
            ));
        }
    }
    if text("Description").is_some_and(|d| d.chars().count() > 512) {
        return Err(ctx.spec_error(
            "InvalidSecurityGroupDiscription.Malformed",
            400,
            "The rule description is longer than 512 characters.",
        ));
    }

    // The addresses, both ways (a rule may narrow the other side too).
    for (key, ok, code) in [
        (
            "SourceCidrIp",
            valid_v4 as fn(&str) -> bool,
            "InvalidSourceCidrIp.Malformed",
        ),
        ("DestCidrIp", valid_v4, "InvalidDestCidrIp.Malformed"),
        (
            "Ipv6SourceCidrIp",
            valid_v6,
            "InvalidParam.Ipv6SourceCidrIp",
        ),
        ("Ipv6DestCidrIp", valid_v6, "InvalidParam.Ipv6DestCidrIp"),
    ] {
        if let Some(value) = text(key) {
            if !ok(&value) {
                return Err(ctx.spec_error(
                    code,
                    400,
                    &format!("The specified {key} is not valid."),
                ));
            }
            rule.insert(key.into(), json!(value));
        }
    }
    let group_key = format!("{peer}GroupId");
    let prefix_key = format!("{peer}PrefixListId");
    if let Some(peer_group) = text(&group_key) {
        if group.str("SecurityGroupType") == Some("enterprise") {
            return Err(ctx.spec_error(
                "InvalidGroupAuthParameter.OperationDenied",
                400,
                "An enterprise security group cannot authorize another security group.",
            ));
        }
        let other = world
            .store
            .find(SECURITY_GROUP, &group.region, &peer_group, || {
                ctx.spec_error(
                    &format!("Invalid{peer}GroupId.NotFound"),
                    404,
                    &format!("The specified {group_key} does not exist."),
                )
            })?;
        if other.str("VpcId") != group.str("VpcId") {
            return Err(ctx.spec_error(
                &format!("Invalid{peer}GroupId.Mismatch"),
                400,
                "The referenced security group is not in the same VPC.",
            ));
        }
        rule.insert(group_key.clone(), json!(peer_group));
        if let Some(owner) = text(&format!("{peer}GroupOwnerAccount")) {
            rule.insert(format!("{peer}GroupOwnerAccount"), json!(owner));
        }
    }
    if let Some(list) = text(&prefix_key) {
        rule.insert(prefix_key.clone(), json!(list));
    }
    let has_peer = [
        format!("{peer}CidrIp"),
        format!("Ipv6{peer}CidrIp"),
        group_key,
        prefix_key,
    ]
    .iter()
    .any(|k| !field(&rule, k).is_empty());
    if !has_peer {
        return Err(ctx.spec_error(
            &format!("MissingParameter.{peer}"),
            400,
            &format!("One of {peer}CidrIp, Ipv6{peer}CidrIp, {peer}GroupId and {peer}PrefixListId is required."),
        ));
    }
    rule.insert("IpProtocol".into(), json!(protocol));
    rule.insert("PortRange".into(), json!(ports));
    rule.insert("Policy".into(), json!(policy));
    rule.insert("Priority".into(), json!(priority.to_string()));
    // Every group is a VPC group: its rules are on the internal NIC.
    rule.insert("NicType".into(), json!("intranet"));
    rule.insert(
        "Description".into(),
        json!(text("Description").unwrap_or_default()),
    );
    Ok(rule)
}

/// A parameter's value as text (numbers too), from the flat parameters.
fn input_text(ctx: &Context<'_>, key: &str) -> Option<String> {
    match ctx.input.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The rules a request names: every `Permissions.N` item, or else the flat parameters.
fn requested_rules(
    world: &World,
    ctx: &Context<'_>,
    group: &Resource,
    direction: Direction,
) -> Result<Vec<Map<String, Value>>, ApiError> {
    let items: Vec<Value> = match ctx.input.get("Permissions") {
        Some(Value::Array(items)) if !items.is_empty() => items.clone(),
        _ => {
            let rule = parse_rule(world, ctx, group, direction, &|k| input_text(ctx, k))?;
            return Ok(vec![rule]);
        }
    };
    let mut parsed: Vec<Map<String, Value>> = Vec::with_capacity(items.len());
    for item in &items {
        let get = |k: &str| match item.get(k)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        let rule = parse_rule(world, ctx, group, direction, &get)?;
        if parsed.iter().any(|p| same_rule(p, &rule)) {
            return Err(ctx.spec_error(
                "InvalidParam.DuplicatePermissions",
                400,
                "The Permissions list holds the same rule twice.",
            ));
        }
        parsed.push(rule);
    }
    Ok(parsed)
}

fn authorize(world: &mut World, ctx: &Context<'_>, direction: Direction) -> Outcome {
    let region = ctx.region();
    let id = ctx
        .input
        .str("SecurityGroupId")
        .unwrap_or_default()
        .to_owned();
    let group = world
        .store
        .find(SECURITY_GROUP, &region, &id, || group_not_found(ctx))?
        .clone();
    let wanted = requested_rules(world, ctx, &group, direction)?;
    let mut all = rules(&group);
    let fresh: Vec<Map<String, Value>> = wanted
        .into_iter()
        .filter(|r| !all.iter().any(|have| same_rule(have, r)))
        .collect();
    if all.len() + fresh.len() > MAX_RULES {
        return Err(ctx.spec_error(
            "AuthorizationLimitExceed",
            403,
            "The number of rules in the security group exceeds the limit of 200.",
        ));
    }
    let now = clock::rfc3339(ctx.now);
    for mut rule in fresh {
        let rule_id = world.store.new_id("sgr-", &region);
        rule.insert("SecurityGroupRuleId".into(), json!(rule_id));
        rule.insert("CreateTime".into(), json!(now));
        all.push(rule);
    }
    save_rules(world, &id, all);
    Ok(Map::new())
}

fn save_rules(world: &mut World, group: &str, rules: Vec<Map<String, Value>>) {
    if let Some(g) = world.store.get_mut(SECURITY_GROUP, group) {
        g.set(
            "Permissions",
            Value::Array(rules.into_iter().map(Value::Object).collect()),
        );
    }
}

fn authorize_ingress(world: &mut World, ctx: &Context<'_>) -> Outcome {
    authorize(world, ctx, Direction::Ingress)
}

fn authorize_egress(world: &mut World, ctx: &Context<'_>) -> Outcome {
    authorize(world, ctx, Direction::Egress)
}

fn revoke(world: &mut World, ctx: &Context<'_>, direction: Direction) -> Outcome {
    let region = ctx.region();
    let id = ctx
        .input
        .str("SecurityGroupId")
        .unwrap_or_default()
        .to_owned();
    let group = world
        .store
        .find(SECURITY_GROUP, &region, &id, || group_not_found(ctx))?
        .clone();
    let mut all = rules(&group);
    let rule_ids = ctx.input.ids("SecurityGroupRuleId");
    if !rule_ids.is_empty() {
        let mut seen = std::collections::HashSet::new();
        for rule_id in &rule_ids {
            if !seen.insert(rule_id) {
                return Err(ctx.spec_error(
                    "InvalidParam.SecurityGroupRuleIdRepeated",
                    400,
                    "The SecurityGroupRuleId list names a rule twice.",
                ));
            }
            let known = all.iter().any(|r| {
                field(r, "SecurityGroupRuleId") == rule_id
                    && field(r, "Direction") == direction.name()
            });
            if !known {
                return Err(ctx.spec_error(
                    "InvalidSecurityGroupRuleId.NotFound",
                    404,
                    "The specified security group rule does not exist.",
                ));
            }
        }
        all.retain(|r| {
            !rule_ids
                .iter()
                .any(|x| x == field(r, "SecurityGroupRuleId"))
        });
    } else {
        let wanted = requested_rules(world, ctx, &group, direction)?;
        if wanted
            .iter()
            .any(|w| !all.iter().any(|have| same_rule(have, w)))
        {
            return Err(ctx.spec_error(
                "InvalidSecurityGroupRule.RuleNotExist",
                400,
                "The specified security group rule does not exist.",
            ));
        }
        all.retain(|have| !wanted.iter().any(|w| same_rule(have, w)));
    }
    save_rules(world, &id, all);
    Ok(Map::new())
}

fn revoke_ingress(world: &mut World, ctx: &Context<'_>) -> Outcome {
    revoke(world, ctx, Direction::Ingress)
}

fn revoke_egress(world: &mut World, ctx: &Context<'_>) -> Outcome {
    revoke(world, ctx, Direction::Egress)
}

/// `ModifySecurityGroupRule` / `ModifySecurityGroupEgressRule`: the rule `SecurityGroupRuleId`
/// with the fields that arrived replaced (the spec's defaults do not count as arrived).
fn modify_rule(world: &mut World, ctx: &Context<'_>, direction: Direction) -> Outcome {
    let region = ctx.region();
    let id = ctx
        .input
        .str("SecurityGroupId")
        .unwrap_or_default()
        .to_owned();
    let group = world
        .store
        .find(SECURITY_GROUP, &region, &id, || group_not_found(ctx))?
        .clone();
    let rule_id = ctx
        .input
        .str("SecurityGroupRuleId")
        .ok_or_else(|| ApiError::missing_parameter("SecurityGroupRuleId"))?
        .to_owned();
    let mut all = rules(&group);
    let at = all
        .iter()
        .position(|r| {
            field(r, "SecurityGroupRuleId") == rule_id && field(r, "Direction") == direction.name()
        })
        .ok_or_else(|| {
            ctx.spec_error(
                "InvalidSecurityGroupRuleId.NotFound",
                404,
                "The specified security group rule does not exist.",
            )
        })?;
    let old = all[at].clone();
    let get = |k: &str| {
        if ctx.input.arrived(k) {
            input_text(ctx, k)
        } else {
            Some(field(&old, k).to_owned()).filter(|v| !v.is_empty())
        }
    };
    let mut rule = parse_rule(world, ctx, &group, direction, &get)?;
    rule.insert("SecurityGroupRuleId".into(), json!(rule_id));
    rule.insert("CreateTime".into(), json!(field(&old, "CreateTime")));
    all[at] = rule;
    save_rules(world, &id, all);
    Ok(Map::new())
}

fn modify_ingress_rule(world: &mut World, ctx: &Context<'_>) -> Outcome {
    modify_rule(world, ctx, Direction::Ingress)
}

fn modify_egress_rule(world: &mut World, ctx: &Context<'_>) -> Outcome {
    modify_rule(world, ctx, Direction::Egress)
}

// ----- Groups --------------------------------------------------------------------------------

fn create_security_group(world: &mut World, ctx: &Context<'_>) -> Outcome {
    if let Some(answer) = ctx.replay(world)? {
        return Ok(answer);
    }
    let input = ctx.input;
    let region = ctx.region();
    ecs_world::ensure_region(&mut world.store, &region);
    let vpc_id = input.str("VpcId").unwrap_or_default().to_owned();
    world.store.find(VPC, &region, &vpc_id, || {
        ctx.spec_error(
            "InvalidVpcId.NotFound",
            404,
            "The specified VPC does not exist.",
        )
    })?;
    let kind = input.str("SecurityGroupType").unwrap_or("normal");
    if kind != "normal" && kind != "enterprise" {
        return Err(ctx.spec_error(
            "InvalidParams.GroupType",
            400,
            "The specified security group type is not valid.",
        ));
    }
    if input
        .str("SecurityGroupName")
        .is_some_and(|n| !valid_name(n, 128))
    {
        return Err(ctx.spec_error(
            "InvalidSecurityGroupName.Malformed",
            400,
            "Specified security group name is not valid.",
        ));
    }
    if input
        .str("Description")
        .is_some_and(|d| !valid_name(d, 256))
    {
        return Err(ctx.spec_error(
            "InvalidDescription.Malformed",
            400,
            "The specified parameter \"Description\" is not valid.",
        ));
    }
    check_tags(ctx)?;
    let id = world.store.new_id("sg-", &region);
    let row = world.store.insert(
        SECURITY_GROUP,
        &id,
        &region,
        obj(json!({
            "SecurityGroupId": id,
            "SecurityGroupName": input.str("SecurityGroupName").unwrap_or_default(),
            "Description": input.str("Description").unwrap_or_default(),
            "VpcId": vpc_id,
            "SecurityGroupType": kind,
            // Enterprise groups never let their members talk to each other.
            "InnerAccessPolicy": if kind == "enterprise" { "Drop" } else { "Accept" },
            "ResourceGroupId": input.str("ResourceGroupId").unwrap_or_default(),
            "ServiceManaged": input.bool("ServiceManaged").unwrap_or(false),
            "CreationTime": clock::rfc3339(ctx.now),
            "Permissions": [],
        })),
    );
    store::apply_tags(&mut row.tags, input, "Tag");
    let mut out = Map::new();
    out.insert("SecurityGroupId".into(), json!(id));
    ctx.remember(world, &out);
    Ok(out)
}

/// How many instances each group holds.
fn members(world: &World) -> HashMap<String, i64> {
    let mut counts = HashMap::new();
    for t in world.iter() {
        if let Some(Value::Array(groups)) = t.ecs.attrs.get("SecurityGroupIds") {
            for g in groups.iter().filter_map(Value::as_str) {
                *counts.entry(g.to_owned()).or_insert(0) += 1;
            }
        }
    }
    counts
}

fn describe_security_groups(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let kind = input.str("SecurityGroupType");
    if kind.is_some_and(|k| k != "normal" && k != "enterprise") {
        return Err(ctx.spec_error(
            "InvalidParameter.SecurityGroupType",
            400,
            "The specified SecurityGroupType is not valid.",
        ));
    }
    ctx.dry_run()?;
    let mut ids = input.ids("SecurityGroupIds");
    ids.extend(input.str("SecurityGroupId").map(str::to_owned));
    let fuzzy = input.bool("FuzzyQuery").unwrap_or(false);
    let name = input.str("SecurityGroupName").filter(|n| !n.is_empty());
    let mut query = Query::new(input)
        .ids(ids)
        .param(input, "VpcId", "VpcId")
        .param(input, "SecurityGroupType", "SecurityGroupType")
        .param(input, "ResourceGroupId", "ResourceGroupId")
        .param(input, "ServiceManaged", "ServiceManaged")
        .tags(input, "Tag");
    if !fuzzy {
        query = query.eq("SecurityGroupName", name);
    }
    // Every group is a VPC group.
    let classic = input.str("NetworkType") == Some("classic");
    let rows: Vec<&Resource> = query
        .select(world.store.iter(SECURITY_GROUP))
        .into_iter()
        .filter(|_| !classic)
        .filter(|g| {
            !fuzzy
                || name.is_none_or(|n| g.str("SecurityGroupName").unwrap_or_default().contains(n))
        })
        .collect();
    let counts = members(world);
    let mut out = store::page(input, rows, "SecurityGroups", |g| {
        let ecs = counts.get(&g.id).copied().unwrap_or(0);
        let capacity = if g.str("SecurityGroupType") == Some("enterprise") {
            ENTERPRISE_GROUP_CAPACITY
        } else {
            NORMAL_GROUP_CAPACITY
        };
        let mut item = g.item();
        if let Value::Object(map) = &mut item {
            map.remove("Permissions");
            map.remove("InnerAccessPolicy");
            map.insert("EcsCount".into(), json!(ecs));
            map.insert(
                "AvailableInstanceAmount".into(),
                json!((capacity - ecs).max(0)),
            );
        }
        item
    })?;
    out.insert("RegionId".into(), json!(input.str("RegionId")));
    Ok(out)
}

fn describe_security_group_attribute(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let region = ctx.region();
    let id = input.str("SecurityGroupId").unwrap_or_default();
    let group = world
        .store
        .find(SECURITY_GROUP, &region, id, || group_not_found(ctx))?;
    let direction = input.str("Direction").unwrap_or("all");
    if !["all", "ingress", "egress"].contains(&direction) {
        return Err(ApiError::invalid_parameter(
            "Direction",
            "must be ingress, egress or all",
        ));
    }
    let name_of = |gid: &str| {
        world
            .store
            .get(SECURITY_GROUP, gid)
            .and_then(|g| g.str("SecurityGroupName"))
            .unwrap_or_default()
            .to_owned()
    };
    let listed: Vec<Value> = rules(group)
        .into_iter()
        .filter(|r| direction == "all" || field(r, "Direction") == direction)
        .map(|mut r| {
            // Names of referenced groups as they are now.
            for side in ["Source", "Dest"] {
                let gid = field(&r, &format!("{side}GroupId")).to_owned();
                if !gid.is_empty() {
                    r.insert(format!("{side}GroupName"), json!(name_of(&gid)));
                }
            }
            Value::Object(r)
        })
        .collect();
    // Every rule unless the caller pages with `MaxResults` / `NextToken`.
    let mut out = if input.arrived("MaxResults") || input.arrived("NextToken") {
        let mut page = store::page(input, listed, "Permissions", |r| r)?;
        page.remove("TotalCount");
        page
    } else {
        let mut all = Map::new();
        all.insert("Permissions".into(), Value::Array(listed));
        all
    };
    for key in [
        "SecurityGroupId",
        "SecurityGroupName",
        "Description",
        "VpcId",
        "InnerAccessPolicy",
    ] {
        out.insert(
            key.into(),
            group.attrs.get(key).cloned().unwrap_or(json!("")),
        );
    }
    out.insert("RegionId".into(), json!(region));
    Ok(out)
}

fn modify_security_group_attribute(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let region = ctx.region();
    let id = input.str("SecurityGroupId").unwrap_or_default();
    world
        .store
        .find(SECURITY_GROUP, &region, id, || group_not_found(ctx))?;
    if input
        .str("SecurityGroupName")
        .is_some_and(|n| !valid_name(n, 128))
    {
        return Err(ctx.spec_error(
            "InvalidSecurityGroupName.Malformed",
            400,
            "Specified security group name is not valid.",
        ));
    }
    if input
        .str("Description")
        .is_some_and(|d| !valid_name(d, 256))
    {
        return Err(ctx.spec_error(
            "InvalidSecurityGroupDiscription.Malformed",
            400,
            "Specified security group description is not valid.",
        ));
    }
    let group = world
        .store
        .find_mut(SECURITY_GROUP, &region, id, || group_not_found(ctx))?;
    if let Some(name) = input.str("SecurityGroupName") {
        group.set("SecurityGroupName", name);
    }
    if let Some(desc) = input.str("Description") {
        group.set("Description", desc);
    }
    Ok(Map::new())
}

fn modify_security_group_policy(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let region = ctx.region();
    let id = input.str("SecurityGroupId").unwrap_or_default();
    world
        .store
        .find(SECURITY_GROUP, &region, id, || group_not_found(ctx))?;
    let policy = match input
        .str("InnerAccessPolicy")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("accept") => "Accept",
        Some("drop") => "Drop",
        _ => {
            return Err(ctx.spec_error(
                "InvalidPolicy.Malformed",
                400,
                "The InnerAccessPolicy must be Accept or Drop.",
            ));
        }
    };
    world
        .store
        .find_mut(SECURITY_GROUP, &region, id, || group_not_found(ctx))?
        .set("InnerAccessPolicy", policy);
    Ok(Map::new())
}

/// The groups (other than `id`) with a rule that names group `id` as its peer.
fn referencing(world: &World, id: &str) -> Vec<String> {
    world
        .store
        .iter(SECURITY_GROUP)
        .filter(|g| g.id != id)
        .filter(|g| {
            rules(g)
                .iter()
                .any(|r| field(r, "SourceGroupId") == id || field(r, "DestGroupId") == id)
        })
        .map(|g| g.id.clone())
        .collect()
}

fn delete_security_group(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let region = ctx.region();
    let id = ctx
        .input
        .str("SecurityGroupId")
        .unwrap_or_default()
        .to_owned();
    world.store.find(SECURITY_GROUP, &region, &id, || {
        ctx.spec_error(
            "InvalidSecurityGroup.NotFound",
            404,
            "The specified security group is not found.",
        )
    })?;
    if members(world).get(&id).copied().unwrap_or(0) > 0 {
        return Err(ctx.spec_error(
            "DependencyViolation",
            403,
            "There is still instance(s) in the specified security group.",
        ));
    }
    let eni_uses = world.store.iter(NETWORK_INTERFACE).any(|e| {
        e.attrs
            .get("SecurityGroupIds")
            .and_then(Value::as_array)
            .is_some_and(|gs| gs.iter().any(|g| g.as_str() == Some(id.as_str())))
    });
    if eni_uses {
        return Err(ApiError::new(
            403,
            "DependencyViolation",
            "There is still network interface(s) in the specified security group.",
        ));
    }
    if !referencing(world, &id).is_empty() {
        return Err(ApiError::new(
            403,
            "DependencyViolation",
            "The specified security group is referenced by rules of other security groups.",
        ));
    }
    world.store.remove(SECURITY_GROUP, &id);
    Ok(Map::new())
}

fn describe_security_group_references(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let region = ctx.region();
    let ids = ctx.input.ids("SecurityGroupId");
    for id in &ids {
        world
            .store
            .find(SECURITY_GROUP, &region, id, || group_not_found(ctx))?;
    }
    let refs: Vec<Value> = ids
        .iter()
        .map(|id| {
            let by: Vec<Value> = referencing(world, id)
                .into_iter()
                .map(|g| json!({"SecurityGroupId": g, "AliUid": ""}))
                .collect();
            json!({"SecurityGroupId": id, "ReferencingSecurityGroups": by})
        })
        .collect();
    let mut out = Map::new();
    out.insert("SecurityGroupReferences".into(), Value::Array(refs));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_ranges_and_addresses_are_checked() {
        assert!(valid_ports("22/22") && valid_ports("1/65535"));
        assert!(
            !valid_ports("0/22")
                && !valid_ports("80/22")
                && !valid_ports("22")
                && !valid_ports("-1/-1")
        );
        assert!(valid_v4("0.0.0.0/0") && valid_v4("10.0.0.1"));
        assert!(!valid_v4("10.0.0.0/33") && !valid_v4("10.0.0/8"));
        assert!(valid_v6("::/0") && valid_v6("2001:db8::/32") && !valid_v6("10.0.0.0/8"));
    }
}
