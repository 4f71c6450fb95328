//! CloudMonitor 2019-01-01 application (monitor) groups: the groups themselves, the instances
//! they hold, their pause-notification policies, groups made from a resource group, and
//! dynamic tag groups (one group per matching tag value of the ECS world's instances).
//!
//! Groups are account-wide (region `""`), kept under [`GROUP`] with the `GroupId` as decimal
//! text. Their attributes are the `DescribeMonitorGroups` item plus `Instances`, the bare list
//! of members (`InstanceId`, `InstanceName`, `RegionId`, `Category`, `Id`), which other
//! CloudMonitor families may read (a group rule applies to the group's instances).
//! Group ids are numbers, as in the service: `3600000` plus the store's creation sequence,
//! which never repeats, so an id is never handed out twice.

use serde_json::{Map, Value, json};

use super::cms_common::{already_exists, epoch_ms, invalid, not_found, ok, ok_with};
use super::cms_contacts::CONTACT_GROUP;
use super::{Context, Model, Outcome};
use crate::error::ApiError;
use crate::store::{Resource, Store};
use crate::world::World;

/// The store kind of monitor groups (id: the `GroupId` as decimal text).
pub(crate) const GROUP: &str = "cms-group";
/// The store kind of dynamic tag rules (id: the rule id).
pub(crate) const TAG_RULE: &str = "cms-dynamic-tag-rule";
/// The store kind of pause-notification policies (id: `PolicyType` + `/` + `GroupId`).
pub(crate) const NOTIFY_POLICY: &str = "cms-notify-policy";

/// The first group ids (`GroupId` = this + creation sequence).
const GROUP_ID_BASE: u64 = 3_600_000;

/// The match functions `CreateDynamicTagGroup` accepts.
const MATCH_FUNCTIONS: &[&str] = &[
    "all",
    "equals",
    "startWith",
    "endWith",
    "contains",
    "notContains",
];

/// The monitor group actions.
pub(super) const MODELS: &[Model] = &[
    Model::cms("CreateMonitorGroup", create_monitor_group),
    Model::cms("ModifyMonitorGroup", modify_monitor_group),
    Model::cms("DeleteMonitorGroup", delete_monitor_group),
    Model::cms("DescribeMonitorGroups", describe_monitor_groups),
    Model::cms(
        "CreateMonitorGroupInstances",
        create_monitor_group_instances,
    ),
    Model::cms(
        "ModifyMonitorGroupInstances",
        modify_monitor_group_instances,
    ),
    Model::cms(
        "DeleteMonitorGroupInstances",
        delete_monitor_group_instances,
    ),
    Model::cms(
        "DescribeMonitorGroupInstances",
        describe_monitor_group_instances,
    ),
    Model::cms(
        "DescribeMonitorGroupInstanceAttribute",
        describe_monitor_group_instance_attribute,
    ),
    Model::cms(
        "DescribeMonitorGroupCategories",
        describe_monitor_group_categories,
    ),
    Model::cms(
        "CreateMonitorGroupByResourceGroupId",
        create_monitor_group_by_resource_group_id,
    ),
    Model::cms(
        "CreateMonitorGroupNotifyPolicy",
        create_monitor_group_notify_policy,
    ),
    Model::cms(
        "DescribeMonitorGroupNotifyPolicyList",
        describe_monitor_group_notify_policy_list,
    ),
    Model::cms(
        "DeleteMonitorGroupNotifyPolicy",
        delete_monitor_group_notify_policy,
    ),
    Model::cms("CreateDynamicTagGroup", create_dynamic_tag_group),
    Model::cms("DescribeDynamicTagRuleList", describe_dynamic_tag_rule_list),
    Model::cms("DeleteDynamicTagGroup", delete_dynamic_tag_group),
];

// ----- Shared by the CloudMonitor families of this module's siblings ---------------------

/// An integer parameter whether the spec types it as a number or as text (`PageNumber` is
/// text in some CloudMonitor actions).
pub(super) fn num(ctx: &Context<'_>, name: &str) -> Option<i64> {
    match ctx.input.get(name)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A non-empty string parameter.
pub(super) fn text<'a>(ctx: &'a Context<'_>, name: &str) -> Option<&'a str> {
    ctx.input.str(name).map(str::trim).filter(|s| !s.is_empty())
}

/// One page of `rows` under `list_key` in CloudMonitor's style: `PageNumber`/`PageSize`
/// (`default_size` when absent) echoed back, and `Total`.
pub(super) fn page<T>(
    ctx: &Context<'_>,
    rows: Vec<T>,
    list_key: &str,
    default_size: i64,
    item: impl Fn(T) -> Value,
) -> Result<Map<String, Value>, ApiError> {
    let number = num(ctx, "PageNumber").unwrap_or(1);
    let size = num(ctx, "PageSize").unwrap_or(default_size);
    if number < 1 || size < 1 {
        return Err(invalid(ctx, "PageNumber and PageSize must be positive."));
    }
    let mut out = ok();
    out.insert("Total".into(), json!(rows.len()));
    out.insert("PageNumber".into(), json!(number));
    out.insert("PageSize".into(), json!(size));
    let offset = usize::try_from((number - 1).saturating_mul(size)).unwrap_or(usize::MAX);
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    let items: Vec<Value> = rows.into_iter().skip(offset).take(size).map(item).collect();
    out.insert(list_key.to_owned(), Value::Array(items));
    Ok(out)
}

/// A string-list attribute of `row` (empty when absent).
pub(super) fn str_list(row: &Resource, key: &str) -> Vec<String> {
    match row.attrs.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// The monitor group `id` (decimal text), or `ResourceNotFound`.
pub(super) fn find_group<'a>(
    store: &'a Store,
    ctx: &Context<'_>,
    id: &str,
) -> Result<&'a Resource, ApiError> {
    store
        .get(GROUP, id.trim())
        .ok_or_else(|| not_found(ctx, &format!("GroupId {id}")))
}

// ----- Groups --------------------------------------------------------------------------------

/// The contact group names of a comma-separated `ContactGroups` value, each checked to exist.
fn contact_groups_param(
    world: &World,
    ctx: &Context<'_>,
    names: Vec<String>,
) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        if world.store.get(CONTACT_GROUP, &name).is_none() {
            return Err(not_found(ctx, &format!("ContactGroup {name}")));
        }
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(out)
}

/// A comma-separated list parameter, trimmed, empties dropped.
fn comma_list(ctx: &Context<'_>, name: &str) -> Vec<String> {
    ctx.input
        .str(name)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether a group named `name` exists (other than `except`).
fn name_taken(store: &Store, name: &str, except: Option<&str>) -> bool {
    store
        .iter(GROUP)
        .any(|g| g.str("GroupName") == Some(name) && Some(g.id.as_str()) != except)
}

/// Adds a group and answers its id; `extra` are attributes beyond the common ones.
fn insert_group(
    world: &mut World,
    ctx: &Context<'_>,
    name: &str,
    contact_groups: &[String],
    extra: Map<String, Value>,
) -> u64 {
    let group_id = GROUP_ID_BASE + world.store.next_seq();
    let now = epoch_ms(ctx.now);
    let mut attrs = Map::new();
    attrs.insert("GroupId".into(), json!(group_id));
    attrs.insert("GroupName".into(), json!(name));
    attrs.insert("Type".into(), json!("custom"));
    attrs.insert("ContactGroups".into(), json!(contact_groups));
    attrs.insert("TemplateIds".into(), json!([]));
    attrs.insert("GmtCreate".into(), json!(now));
    attrs.insert("GmtModified".into(), json!(now));
    attrs.insert("Instances".into(), json!([]));
    attrs.extend(extra);
    world.store.insert(GROUP, &group_id.to_string(), "", attrs);
    group_id
}

fn create_monitor_group(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let name = text(ctx, "GroupName").ok_or_else(|| invalid(ctx, "GroupName is mandatory."))?;
    let contact_groups = contact_groups_param(world, ctx, comma_list(ctx, "ContactGroups"))?;
    if name_taken(&world.store, name, None) {
        return Err(already_exists(ctx, &format!("GroupName {name}")));
    }
    let id = insert_group(world, ctx, name, &contact_groups, Map::new());
    Ok(ok_with("GroupId", json!(id)))
}

fn modify_monitor_group(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = text(ctx, "GroupId").ok_or_else(|| invalid(ctx, "GroupId is mandatory."))?;
    find_group(&world.store, ctx, id)?;
    let name = text(ctx, "GroupName");
    if let Some(name) = name {
        if name_taken(&world.store, name, Some(id)) {
            return Err(already_exists(ctx, &format!("GroupName {name}")));
        }
    }
    let contact_groups = if ctx.input.arrived("ContactGroups") {
        Some(contact_groups_param(
            world,
            ctx,
            comma_list(ctx, "ContactGroups"),
        )?)
    } else {
        None
    };
    let now = epoch_ms(ctx.now);
    let group = world
        .store
        .get_mut(GROUP, id)
        .ok_or_else(|| not_found(ctx, id))?;
    if let Some(name) = name {
        group.set("GroupName", name);
    }
    if let Some(contact_groups) = contact_groups {
        group.set("ContactGroups", json!(contact_groups));
    }
    group.set("GmtModified", now);
    Ok(ok())
}

fn delete_monitor_group(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = group_id_param(ctx)?;
    find_group(&world.store, ctx, &id)?;
    let group = world
        .store
        .remove(GROUP, &id)
        .ok_or_else(|| not_found(ctx, &id))?;
    // The group's pause policies and alert rules go with it, as the service deletes them.
    for kind in [
        NOTIFY_POLICY,
        super::cms_alerts::RULE,
        super::cms_group_processes::GROUP_PROCESS,
    ] {
        let owned: Vec<String> = world
            .store
            .iter(kind)
            .filter(|p| p.str("GroupId") == Some(id.as_str()))
            .map(|p| p.id.clone())
            .collect();
        for row in owned {
            world.store.remove(kind, &row);
        }
    }
    let contact_groups: Vec<Value> = str_list(&group, "ContactGroups")
        .into_iter()
        .map(|name| json!({ "Name": name }))
        .collect();
    Ok(ok_with(
        "Group",
        json!({
            "GroupName": group.str("GroupName").unwrap_or_default(),
            "ContactGroups": contact_groups,
        }),
    ))
}

/// The `GroupId` parameter as decimal text (a number or text on the wire).
pub(super) fn group_id_param(ctx: &Context<'_>) -> Result<String, ApiError> {
    match ctx.input.get("GroupId") {
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        _ => Err(invalid(ctx, "GroupId is mandatory.")),
    }
}

/// The members of `group`, as stored.
fn members(group: &Resource) -> Vec<Map<String, Value>> {
    match group.attrs.get("Instances") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_object().cloned())
            .collect(),
        _ => Vec::new(),
    }
}

fn member_str<'a>(member: &'a Map<String, Value>, key: &str) -> &'a str {
    member.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The `DescribeMonitorGroups` item of `group`.
fn group_item(group: &Resource, with_contacts: bool, with_templates: bool) -> Value {
    let mut item = group.attrs.clone();
    item.remove("Instances");
    let contact_groups: Vec<Value> = if with_contacts {
        str_list(group, "ContactGroups")
            .into_iter()
            .map(|name| json!({ "Name": name }))
            .collect()
    } else {
        Vec::new()
    };
    item.insert("ContactGroups".into(), Value::Array(contact_groups));
    if !with_templates {
        item.insert("TemplateIds".into(), json!([]));
    }
    item.insert(
        "Tags".into(),
        crate::store::tag_list(&group.tags, "Key", "Value"),
    );
    Value::Object(item)
}

fn describe_monitor_groups(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let group_id = text(ctx, "GroupId");
    let name = text(ctx, "GroupName");
    let keyword = text(ctx, "Keyword");
    let kinds: Vec<String> = text(ctx, "Type")
        .map(|t| vec![t.to_owned()])
        .unwrap_or_else(|| comma_list(ctx, "Types"));
    let instance = text(ctx, "InstanceId");
    let rule = text(ctx, "DynamicTagRuleId");
    let founder_key = text(ctx, "GroupFounderTagKey");
    let founder_value = text(ctx, "GroupFounderTagValue");
    let tags = crate::store::tag_pairs(ctx.input, "Tag");
    let mut rows: Vec<&Resource> = world
        .store
        .iter(GROUP)
        .filter(|g| group_id.is_none_or(|id| g.id == id))
        .filter(|g| name.is_none_or(|n| g.str("GroupName").unwrap_or_default().contains(n)))
        .filter(|g| {
            keyword.is_none_or(|k| {
                g.str("GroupName").unwrap_or_default().contains(k) || g.id.contains(k)
            })
        })
        .filter(|g| kinds.is_empty() || kinds.iter().any(|k| g.str("Type") == Some(k)))
        .filter(|g| {
            instance.is_none_or(|id| members(g).iter().any(|m| member_str(m, "InstanceId") == id))
        })
        .filter(|g| rule.is_none_or(|r| g.str("DynamicTagRuleId") == Some(r)))
        .filter(|g| founder_key.is_none_or(|k| g.str("GroupFounderTagKey") == Some(k)))
        .filter(|g| founder_value.is_none_or(|v| g.str("GroupFounderTagValue") == Some(v)))
        .filter(|g| {
            tags.iter()
                .all(|(key, value)| match (g.tags.get(key), value) {
                    (Some(have), Some(want)) => have == want,
                    (Some(_), None) => true,
                    (None, _) => false,
                })
        })
        .collect();
    rows.sort_by_key(|g| g.seq);
    let with_contacts = ctx.input.bool("SelectContactGroups").unwrap_or(false);
    let with_templates = ctx.input.bool("IncludeTemplateHistory").unwrap_or(false);
    page(ctx, rows, "Resources", 30, |g| {
        group_item(g, with_contacts, with_templates)
    })
}

// ----- Group instances -----------------------------------------------------------------------

/// The `Instances` list parameter, checked: every field present, ECS instances existing in
/// the world. Duplicates (same category and id) are dropped.
fn instances_param(world: &World, ctx: &Context<'_>) -> Result<Vec<Map<String, Value>>, ApiError> {
    let Some(Value::Array(items)) = ctx.input.get("Instances") else {
        return Err(invalid(ctx, "Instances is mandatory."));
    };
    let mut out: Vec<Map<String, Value>> = Vec::new();
    for item in items {
        let field = |key: &str| {
            item.get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let (Some(id), Some(category)) = (field("InstanceId"), field("Category")) else {
            return Err(invalid(
                ctx,
                "Every instance needs InstanceId and Category.",
            ));
        };
        let category = category.to_ascii_lowercase();
        let mut name = field("InstanceName").map(str::to_owned);
        let mut region = field("RegionId").map(str::to_owned);
        if category == "ecs" {
            let Some(tracked) = world.get(id) else {
                return Err(not_found(ctx, &format!("instance {id}")));
            };
            name = name.or_else(|| tracked.ecs.str("InstanceName").map(str::to_owned));
            region = region.or_else(|| Some(tracked.instance.region.clone()));
        }
        let duplicate = out
            .iter()
            .any(|m| member_str(m, "InstanceId") == id && member_str(m, "Category") == category);
        if !duplicate {
            let mut member = Map::new();
            member.insert("InstanceId".into(), json!(id));
            member.insert("InstanceName".into(), json!(name.unwrap_or_default()));
            member.insert("RegionId".into(), json!(region.unwrap_or_default()));
            member.insert("Category".into(), json!(category));
            out.push(member);
        }
    }
    Ok(out)
}

/// Adds `new` to `group_id`'s members (those already there are left as they are).
pub(super) fn add_members(
    store: &mut Store,
    group_id: &str,
    new: Vec<Map<String, Value>>,
    now: u64,
) {
    let mut ids = Vec::new();
    for _ in 0..new.len() {
        ids.push(store.next_seq());
    }
    let Some(group) = store.get_mut(GROUP, group_id) else {
        return;
    };
    let mut current = members(group);
    for (mut member, seq) in new.into_iter().zip(ids) {
        let there = current.iter().any(|m| {
            member_str(m, "InstanceId") == member_str(&member, "InstanceId")
                && member_str(m, "Category") == member_str(&member, "Category")
        });
        if !there {
            member.insert("Id".into(), json!(seq));
            current.push(member);
        }
    }
    group.set("Instances", json!(current));
    group.set("GmtModified", now);
}

fn create_monitor_group_instances(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = group_id_param(ctx)?;
    find_group(&world.store, ctx, &id)?;
    let new = instances_param(world, ctx)?;
    add_members(&mut world.store, &id, new, epoch_ms(ctx.now));
    Ok(ok())
}

/// Replaces the group's members of every category the request names with the request's.
fn modify_monitor_group_instances(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = group_id_param(ctx)?;
    find_group(&world.store, ctx, &id)?;
    let new = instances_param(world, ctx)?;
    let categories: Vec<String> = new
        .iter()
        .map(|m| member_str(m, "Category").to_owned())
        .collect();
    if let Some(group) = world.store.get_mut(GROUP, &id) {
        let kept: Vec<Map<String, Value>> = members(group)
            .into_iter()
            .filter(|m| !categories.iter().any(|c| c == member_str(m, "Category")))
            .collect();
        group.set("Instances", json!(kept));
    }
    add_members(&mut world.store, &id, new, epoch_ms(ctx.now));
    Ok(ok())
}

fn delete_monitor_group_instances(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = group_id_param(ctx)?;
    let category = text(ctx, "Category")
        .ok_or_else(|| invalid(ctx, "Category is mandatory."))?
        .to_ascii_lowercase();
    let ids = ctx.input.ids("InstanceIdList");
    if ids.is_empty() {
        return Err(invalid(ctx, "InstanceIdList is mandatory."));
    }
    find_group(&world.store, ctx, &id)?;
    let now = epoch_ms(ctx.now);
    if let Some(group) = world.store.get_mut(GROUP, &id) {
        let kept: Vec<Map<String, Value>> = members(group)
            .into_iter()
            .filter(|m| {
                !(member_str(m, "Category") == category
                    && ids.iter().any(|i| i == member_str(m, "InstanceId")))
            })
            .collect();
        group.set("Instances", json!(kept));
        group.set("GmtModified", now);
    }
    Ok(ok())
}

/// The members of the requested group passing `Category`, `Keyword` and `InstanceIds`.
fn selected_members(world: &World, ctx: &Context<'_>) -> Result<Vec<Map<String, Value>>, ApiError> {
    let id = group_id_param(ctx)?;
    let group = find_group(&world.store, ctx, &id)?;
    let category = text(ctx, "Category").map(str::to_ascii_lowercase);
    let keyword = text(ctx, "Keyword");
    let ids = ctx.input.ids("InstanceIds");
    Ok(members(group)
        .into_iter()
        .filter(|m| {
            category
                .as_deref()
                .is_none_or(|c| member_str(m, "Category") == c)
        })
        .filter(|m| {
            keyword.is_none_or(|k| {
                member_str(m, "InstanceId").contains(k) || member_str(m, "InstanceName").contains(k)
            })
        })
        .filter(|m| ids.is_empty() || ids.iter().any(|i| i == member_str(m, "InstanceId")))
        .collect())
}

fn describe_monitor_group_instances(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let rows = selected_members(world, ctx)?;
    page(ctx, rows, "Resources", 30, Value::Object)
}

fn describe_monitor_group_instance_attribute(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let rows = selected_members(world, ctx)?;
    let item = |m: Map<String, Value>| {
        let id = member_str(&m, "InstanceId");
        let mut item = json!({
            "InstanceId": id,
            "InstanceName": member_str(&m, "InstanceName"),
            "Category": member_str(&m, "Category"),
            "Dimension": json!({ "instanceId": id }).to_string(),
            "Region": { "RegionId": member_str(&m, "RegionId") },
            "Tags": [],
        });
        // An ECS member reads the rest from its ECS record, as it is now.
        if let Some(tracked) = world
            .get(id)
            .filter(|_| member_str(&m, "Category") == "ecs")
        {
            let ecs = &tracked.ecs;
            item["InstanceName"] = json!(ecs.str("InstanceName").unwrap_or(id));
            item["Desc"] = json!(ecs.str("Description").unwrap_or_default());
            item["NetworkType"] = json!(ecs.str("InstanceNetworkType").unwrap_or("vpc"));
            item["Region"] = json!({
                "RegionId": tracked.instance.region,
                "AvailabilityZone": ecs.str("ZoneId").unwrap_or_default(),
            });
            item["Vpc"] = json!({
                "VpcInstanceId": ecs.attr("VpcAttributes.VpcId").cloned().unwrap_or(json!("")),
                "VswitchInstanceId": ecs.attr("VpcAttributes.VSwitchId").cloned().unwrap_or(json!("")),
            });
            item["Tags"] = crate::store::tag_list(&ecs.tags, "Key", "Value");
        }
        item
    };
    page(ctx, rows, "Resources", 30, item)
}

fn describe_monitor_group_categories(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = group_id_param(ctx)?;
    let group = find_group(&world.store, ctx, &id)?;
    let mut counts: Vec<(String, u64)> = Vec::new();
    for member in members(group) {
        let category = member_str(&member, "Category");
        match counts.iter_mut().find(|(c, _)| c == category) {
            Some((_, n)) => *n += 1,
            None => counts.push((category.to_owned(), 1)),
        }
    }
    let categories: Vec<Value> = counts
        .into_iter()
        .map(|(category, count)| json!({ "Category": category, "Count": count }))
        .collect();
    Ok(ok_with(
        "MonitorGroupCategories",
        json!({ "GroupId": group.attrs.get("GroupId"), "MonitorGroupCategory": categories }),
    ))
}

/// A group of type `resMgr` for a resource group, holding the ECS instances of that resource
/// group in the region.
fn create_monitor_group_by_resource_group_id(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let region = text(ctx, "RegionId").unwrap_or(crate::world::DEFAULT_REGION);
    let rg = text(ctx, "ResourceGroupId")
        .ok_or_else(|| invalid(ctx, "ResourceGroupId is mandatory."))?;
    let name = text(ctx, "ResourceGroupName")
        .ok_or_else(|| invalid(ctx, "ResourceGroupName is mandatory."))?;
    let contact_groups = contact_groups_param(world, ctx, ctx.input.strings("ContactGroupList"))?;
    if world
        .store
        .iter(GROUP)
        .any(|g| g.str("ResourceGroupId") == Some(rg))
    {
        return Err(invalid(
            ctx,
            &format!("A monitor group already exists for resource group {rg}."),
        ));
    }
    if name_taken(&world.store, name, None) {
        return Err(invalid(ctx, &format!("GroupName {name} already exists.")));
    }
    let members: Vec<Map<String, Value>> = world
        .iter()
        .filter(|t| t.instance.region == region && t.ecs.str("ResourceGroupId") == Some(rg))
        .map(ecs_member)
        .collect();
    let mut extra = Map::new();
    extra.insert("Type".into(), json!("resMgr"));
    extra.insert("ResourceGroupId".into(), json!(rg));
    let id = insert_group(world, ctx, name, &contact_groups, extra);
    add_members(
        &mut world.store,
        &id.to_string(),
        members,
        epoch_ms(ctx.now),
    );
    Ok(ok_with("Id", json!(id)))
}

/// The member entry of an ECS instance.
pub(super) fn ecs_member(t: &crate::world::Tracked) -> Map<String, Value> {
    let mut member = Map::new();
    member.insert("InstanceId".into(), json!(t.instance.id));
    member.insert(
        "InstanceName".into(),
        json!(t.ecs.str("InstanceName").unwrap_or(&t.instance.id)),
    );
    member.insert("RegionId".into(), json!(t.instance.region));
    member.insert("Category".into(), json!("ecs"));
    member
}

// ----- Pause-notification policies ----------------------------------------------------------

fn create_monitor_group_notify_policy(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let kind = text(ctx, "PolicyType").unwrap_or("PauseNotify");
    let id = group_id_param(ctx)?;
    find_group(&world.store, ctx, &id)?;
    let start = num(ctx, "StartTime").ok_or_else(|| invalid(ctx, "StartTime is mandatory."))?;
    let end = num(ctx, "EndTime").ok_or_else(|| invalid(ctx, "EndTime is mandatory."))?;
    if end <= start {
        return Err(invalid(ctx, "EndTime must be later than StartTime."));
    }
    let key = format!("{kind}/{id}");
    let seq = world.store.next_seq();
    let attrs = json!({
        "Id": seq.to_string(),
        "Type": kind,
        "GroupId": id,
        "StartTime": start,
        "EndTime": end,
    });
    if let Value::Object(attrs) = attrs {
        world.store.insert(NOTIFY_POLICY, &key, "", attrs);
    }
    let mut out = ok();
    out.insert("Result".into(), json!(1));
    Ok(out)
}

fn describe_monitor_group_notify_policy_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let kind = text(ctx, "PolicyType").unwrap_or("PauseNotify");
    let group = text(ctx, "GroupId");
    let mut rows: Vec<&Resource> = world
        .store
        .iter(NOTIFY_POLICY)
        .filter(|p| p.str("Type") == Some(kind))
        .filter(|p| group.is_none_or(|g| p.str("GroupId") == Some(g)))
        .collect();
    rows.sort_by_key(|p| p.seq);
    let mut out = page(ctx, rows, "NotifyPolicyList", 10, |p| {
        Value::Object(p.attrs.clone())
    })?;
    // The spec's answer has no page fields.
    out.remove("PageNumber");
    out.remove("PageSize");
    Ok(out)
}

fn delete_monitor_group_notify_policy(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let kind = text(ctx, "PolicyType").unwrap_or("PauseNotify");
    let id = group_id_param(ctx)?;
    let removed = world.store.remove(NOTIFY_POLICY, &format!("{kind}/{id}"));
    if removed.is_none() {
        return Err(not_found(ctx, &format!("{kind} policy of group {id}")));
    }
    let mut out = ok();
    out.insert("Result".into(), json!(1));
    Ok(out)
}

// ----- Dynamic tag groups --------------------------------------------------------------------

/// One `MatchExpress` entry: a tag value test.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Express {
    pub(super) value: String,
    pub(super) function: String,
}

impl Express {
    /// Whether `tag_value` passes this test.
    pub(super) fn matches(&self, tag_value: &str) -> bool {
        let v = self.value.as_str();
        match self.function.as_str() {
            "all" => true,
            "equals" => tag_value == v,
            "startWith" => tag_value.starts_with(v),
            "endWith" => tag_value.ends_with(v),
            "contains" => tag_value.contains(v),
            "notContains" => !tag_value.contains(v),
            _ => false,
        }
    }
}

/// Whether `tag_value` passes `expresses` joined by `relation` (`and` / `or`).
pub(super) fn value_matches(expresses: &[Express], relation: &str, tag_value: &str) -> bool {
    if relation == "or" {
        expresses.iter().any(|e| e.matches(tag_value))
    } else {
        expresses.iter().all(|e| e.matches(tag_value))
    }
}

/// A rule id in the service's UUID form, from the world's deterministic source.
pub(super) fn rule_id(store: &mut Store) -> String {
    let hex = |store: &mut Store, digits: u32| {
        format!(
            "{:0width$x}",
            store.random(0..16u64.pow(digits)),
            width = digits as usize
        )
    };
    let a = hex(store, 8);
    let b = hex(store, 4);
    let c = hex(store, 4);
    let d = hex(store, 4);
    let e = format!("{}{}", hex(store, 6), hex(store, 6));
    format!("{a}-{b}-{c}-{d}-{e}")
}

fn create_dynamic_tag_group(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let key = text(ctx, "TagKey").ok_or_else(|| invalid(ctx, "TagKey is mandatory."))?;
    let region = text(ctx, "TagRegionId").unwrap_or(crate::world::DEFAULT_REGION);
    let relation = text(ctx, "MatchExpressFilterRelation")
        .unwrap_or("and")
        .to_ascii_lowercase();
    if relation != "and" && relation != "or" {
        return Err(invalid(
            ctx,
            "MatchExpressFilterRelation must be and or or.",
        ));
    }
    let Some(Value::Array(items)) = ctx.input.get("MatchExpress") else {
        return Err(invalid(ctx, "MatchExpress is mandatory."));
    };
    let mut expresses = Vec::new();
    for item in items {
        let function = item
            .get("TagValueMatchFunction")
            .and_then(Value::as_str)
            .unwrap_or("all");
        if !MATCH_FUNCTIONS.contains(&function) {
            return Err(invalid(
                ctx,
                &format!("TagValueMatchFunction {function} is not one of {MATCH_FUNCTIONS:?}."),
            ));
        }
        let value = item.get("TagValue").and_then(Value::as_str).unwrap_or("");
        if value.is_empty() && function != "all" {
            return Err(invalid(
                ctx,
                "TagValue is mandatory for this match function.",
            ));
        }
        expresses.push(Express {
            value: value.to_owned(),
            function: function.to_owned(),
        });
    }
    if expresses.is_empty() {
        return Err(invalid(ctx, "MatchExpress is mandatory."));
    }
    let contact_groups = contact_groups_param(world, ctx, ctx.input.strings("ContactGroupList"))?;
    let templates = ctx.input.strings("TemplateIdList");

    // The instances of the region by matching tag value, in value then id order.
    let mut by_value: std::collections::BTreeMap<String, Vec<Map<String, Value>>> =
        Default::default();
    for t in world.iter().filter(|t| t.instance.region == region) {
        if let Some(value) = t.ecs.tags.get(key) {
            if value_matches(&expresses, &relation, value) {
                by_value
                    .entry(value.clone())
                    .or_default()
                    .push(ecs_member(t));
            }
        }
    }

    let id = rule_id(&mut world.store);
    let express_items: Vec<Value> = expresses
        .iter()
        .map(|e| json!({ "TagKey": key, "TagValue": e.value, "TagValueMatchFunction": e.function }))
        .collect();
    let rule = json!({
        "DynamicTagRuleId": id,
        "TagKey": key,
        "RegionId": region,
        "MatchExpress": express_items,
        "MatchExpressFilterRelation": relation,
        "ContactGroupList": contact_groups,
        "TemplateIdList": templates,
        "TagValueBlacklist": [],
        "Status": "FINISH",
    });
    if let Value::Object(attrs) = rule {
        world.store.insert(TAG_RULE, &id, "", attrs);
    }
    for (value, members) in by_value {
        let mut extra = Map::new();
        extra.insert("Type".into(), json!("tag"));
        extra.insert("DynamicTagRuleId".into(), json!(id));
        extra.insert("GroupFounderTagKey".into(), json!(key));
        extra.insert("GroupFounderTagValue".into(), json!(value));
        extra.insert("TemplateIds".into(), json!(templates));
        let name = format!("{key}:{value}");
        let group = insert_group(world, ctx, &name, &contact_groups, extra);
        if let Some(g) = world.store.get_mut(GROUP, &group.to_string()) {
            g.tags.insert(key.to_owned(), value);
        }
        add_members(
            &mut world.store,
            &group.to_string(),
            members,
            epoch_ms(ctx.now),
        );
    }
    Ok(ok_with("Id", json!(id)))
}

fn describe_dynamic_tag_rule_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let region = text(ctx, "TagRegionId");
    let key = text(ctx, "TagKey");
    let value = text(ctx, "TagValue");
    let id = text(ctx, "DynamicTagRuleId");
    let mut rows: Vec<&Resource> = world
        .store
        .iter(TAG_RULE)
        .filter(|r| region.is_none_or(|g| r.str("RegionId") == Some(g)))
        .filter(|r| key.is_none_or(|k| r.str("TagKey") == Some(k)))
        .filter(|r| id.is_none_or(|i| r.id == i))
        .filter(|r| {
            value.is_none_or(|v| {
                r.attrs
                    .get("MatchExpress")
                    .and_then(Value::as_array)
                    .is_some_and(|list| {
                        list.iter()
                            .any(|e| e.get("TagValue").and_then(Value::as_str) == Some(v))
                    })
            })
        })
        .collect();
    rows.sort_by_key(|r| r.seq);
    page(ctx, rows, "TagGroupList", 30, |r| {
        Value::Object(r.attrs.clone())
    })
}

fn delete_dynamic_tag_group(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = text(ctx, "DynamicTagRuleId")
        .ok_or_else(|| invalid(ctx, "DynamicTagRuleId is mandatory."))?;
    if world.store.remove(TAG_RULE, id).is_none() {
        return Err(not_found(ctx, &format!("DynamicTagRuleId {id}")));
    }
    // The groups the rule made go with it.
    let groups: Vec<String> = world
        .store
        .iter(GROUP)
        .filter(|g| g.str("DynamicTagRuleId") == Some(id))
        .map(|g| g.id.clone())
        .collect();
    for group in groups {
        world.store.remove(GROUP, &group);
    }
    Ok(ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn express(function: &str, value: &str) -> Express {
        Express {
            value: value.into(),
            function: function.into(),
        }
    }

    #[test]
    fn match_functions() {
        assert!(express("all", "").matches("anything"));
        assert!(express("equals", "prod").matches("prod"));
        assert!(!express("equals", "prod").matches("prod-1"));
        assert!(express("startWith", "pro").matches("prod"));
        assert!(express("endWith", "od").matches("prod"));
        assert!(express("contains", "ro").matches("prod"));
        assert!(!express("notContains", "ro").matches("prod"));
        assert!(express("notContains", "x").matches("prod"));
    }

    #[test]
    fn relations_join_the_tests() {
        let tests = [express("startWith", "web"), express("endWith", "-1")];
        assert!(value_matches(&tests, "and", "web-1"));
        assert!(!value_matches(&tests, "and", "web-2"));
        assert!(value_matches(&tests, "or", "web-2"));
        assert!(value_matches(&tests, "or", "db-1"));
        assert!(!value_matches(&tests, "or", "db-2"));
    }

    #[test]
    fn rule_ids_look_like_uuids_and_differ() {
        let mut store = Store::default();
        let a = rule_id(&mut store);
        let b = rule_id(&mut store);
        assert_ne!(a, b);
        let parts: Vec<usize> = a.split('-').map(str::len).collect();
        assert_eq!(parts, vec![8, 4, 4, 4, 12]);
    }
}
