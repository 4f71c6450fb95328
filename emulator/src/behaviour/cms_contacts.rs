//! CloudMonitor 2019-01-01 alert contacts and contact groups: `PutContact` /
//! `PutContactGroup` create or update by name, deletes, and the lists (a contact lists the
//! groups it belongs to; a group lists its contacts).
//!
//! Both are account-wide (region `""`) and keyed by their name, as the service keys them.
//! A contact group keeps its members' names under `Contacts`; deleting a contact takes it out
//! of every group, deleting a contact group takes it off the monitor groups that named it.

use serde_json::{Map, Value, json};

use super::cms_common::{epoch_ms, invalid_value, not_found, ok, refusal};
use super::cms_groups::{GROUP, page, str_list, text};
use super::{Context, Model, Outcome};
use crate::store::Resource;
use crate::world::World;

/// The store kind of contacts (id: the contact name).
pub(crate) const CONTACT: &str = "cms-contact";
/// The store kind of contact groups (id: the group name).
pub(crate) const CONTACT_GROUP: &str = "cms-contact-group";

/// The notification channels of a contact, by wire name.
const CHANNELS: &[&str] = &["Mail", "SMS", "AliIM", "DingWebHook"];

/// The contact actions.
pub(super) const MODELS: &[Model] = &[
    Model::cms("PutContact", put_contact),
    Model::cms("DeleteContact", delete_contact),
    Model::cms("DescribeContactList", describe_contact_list),
    Model::cms("PutContactGroup", put_contact_group),
    Model::cms("DeleteContactGroup", delete_contact_group),
    Model::cms("DescribeContactGroupList", describe_contact_group_list),
    Model::cms(
        "DescribeContactListByContactGroup",
        describe_contact_list_by_contact_group,
    ),
];

fn put_contact(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let name =
        text(ctx, "ContactName").ok_or_else(|| invalid_value(ctx, "ContactName is mandatory."))?;
    let channels = ctx.input.get("Channels").and_then(Value::as_object);
    if let Some(mail) = channels
        .and_then(|c| c.get("Mail"))
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty())
    {
        if !mail.contains('@') {
            return Err(invalid_value(
                ctx,
                &format!("Channels.Mail is not an email address: {mail}."),
            ));
        }
    }
    let now = epoch_ms(ctx.now);
    let existing = world.store.get(CONTACT, name).cloned();
    let mut attrs = match &existing {
        Some(contact) => contact.attrs.clone(),
        None => {
            let mut attrs = Map::new();
            attrs.insert("Name".into(), json!(name));
            attrs.insert("Desc".into(), json!(""));
            attrs.insert("Lang".into(), json!("zh-cn"));
            attrs.insert("Channels".into(), json!({}));
            attrs.insert("ChannelsState".into(), json!({}));
            attrs.insert("CreateTime".into(), json!(now));
            attrs
        }
    };
    if let Some(describe) = ctx.input.str("Describe") {
        attrs.insert("Desc".into(), json!(describe));
    }
    if let Some(lang) = text(ctx, "Lang") {
        attrs.insert("Lang".into(), json!(lang));
    }
    if let Some(given) = channels {
        let mut current = attrs
            .get("Channels")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut state = attrs
            .get("ChannelsState")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for channel in CHANNELS {
            if let Some(value) = given.get(*channel).and_then(Value::as_str) {
                current.insert((*channel).into(), json!(value));
                // Emulated channels are verified at once.
                state.insert((*channel).into(), json!("OK"));
            }
        }
        attrs.insert("Channels".into(), Value::Object(current));
        attrs.insert("ChannelsState".into(), Value::Object(state));
    }
    attrs.insert("UpdateTime".into(), json!(now));
    match world.store.get_mut(CONTACT, name) {
        // An update keeps the contact's place in the lists.
        Some(contact) => contact.attrs = attrs,
        None => {
            world.store.insert(CONTACT, name, "", attrs);
        }
    }
    Ok(ok())
}

fn delete_contact(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let name =
        text(ctx, "ContactName").ok_or_else(|| invalid_value(ctx, "ContactName is mandatory."))?;
    if world.store.remove(CONTACT, name).is_none() {
        return Err(ctx.spec_error("ContactNotExists", 404, "ContactName does not exist"));
    }
    for group in world.store.iter_mut(CONTACT_GROUP) {
        let kept: Vec<String> = str_list(group, "Contacts")
            .into_iter()
            .filter(|c| c != name)
            .collect();
        group.set("Contacts", json!(kept));
    }
    Ok(ok())
}

/// The names of the contact groups holding `contact`, oldest group first.
fn groups_of(world: &World, contact: &str) -> Vec<String> {
    let mut groups: Vec<&Resource> = world
        .store
        .iter(CONTACT_GROUP)
        .filter(|g| str_list(g, "Contacts").iter().any(|c| c == contact))
        .collect();
    groups.sort_by_key(|g| g.seq);
    groups.into_iter().map(|g| g.id.clone()).collect()
}

fn describe_contact_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let name = text(ctx, "ContactName");
    let channel = text(ctx, "ChanelType");
    let value = text(ctx, "ChanelValue");
    if let Some(channel) = channel {
        if !CHANNELS.contains(&channel) {
            return Err(refusal(
                ctx,
                "InvalidParameter",
                400,
                &format!("ChanelType must be one of {CHANNELS:?}."),
            ));
        }
    }
    let mut rows: Vec<&Resource> = world
        .store
        .iter(CONTACT)
        .filter(|c| name.is_none_or(|n| c.id.contains(n)))
        .filter(|c| {
            let channels = c.attrs.get("Channels").and_then(Value::as_object);
            let of = |key: &str| {
                channels
                    .and_then(|m| m.get(key))
                    .and_then(Value::as_str)
                    .filter(|v| !v.is_empty())
            };
            match (channel, value) {
                (None, None) => true,
                (Some(t), None) => of(t).is_some(),
                (Some(t), Some(v)) => of(t) == Some(v),
                (None, Some(v)) => CHANNELS.iter().any(|t| of(t) == Some(v)),
            }
        })
        .collect();
    rows.sort_by_key(|c| c.seq);
    page(ctx, rows, "Contacts", 100, |c| {
        let mut item = c.attrs.clone();
        item.insert("ContactGroups".into(), json!(groups_of(world, &c.id)));
        Value::Object(item)
    })
}

fn put_contact_group(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let name = text(ctx, "ContactGroupName")
        .ok_or_else(|| invalid_value(ctx, "ContactGroupName is mandatory."))?;
    let mut contacts: Vec<String> = Vec::new();
    for contact in ctx.input.strings("ContactNames") {
        if world.store.get(CONTACT, &contact).is_none() {
            return Err(invalid_value(
                ctx,
                &format!("The contact does not exist: {contact}."),
            ));
        }
        if !contacts.contains(&contact) {
            contacts.push(contact);
        }
    }
    let now = epoch_ms(ctx.now);
    match world.store.get_mut(CONTACT_GROUP, name) {
        Some(group) => {
            if let Some(describe) = ctx.input.str("Describe") {
                group.set("Describe", describe);
            }
            if let Some(enable) = ctx.input.bool("EnableSubscribed") {
                group.set("EnableSubscribed", enable);
            }
            if ctx.input.arrived("ContactNames") {
                group.set("Contacts", json!(contacts));
            }
            group.set("UpdateTime", now);
        }
        None => {
            let attrs = json!({
                "Name": name,
                "Describe": ctx.input.str("Describe").unwrap_or_default(),
                "EnableSubscribed": ctx.input.bool("EnableSubscribed").unwrap_or(false),
                "EnabledWeeklyReport": false,
                "Contacts": contacts,
                "CreateTime": now,
                "UpdateTime": now,
            });
            if let Value::Object(attrs) = attrs {
                world.store.insert(CONTACT_GROUP, name, "", attrs);
            }
        }
    }
    Ok(ok())
}

fn delete_contact_group(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let name = text(ctx, "ContactGroupName")
        .ok_or_else(|| invalid_value(ctx, "ContactGroupName is mandatory."))?;
    if world.store.remove(CONTACT_GROUP, name).is_none() {
        return Err(ctx.spec_error("ContactNotExists", 404, "ContactGroupName Not Exists"));
    }
    // Monitor groups stop notifying a contact group that is gone.
    for group in world.store.iter_mut(GROUP) {
        let names = str_list(group, "ContactGroups");
        if names.iter().any(|n| n == name) {
            let kept: Vec<String> = names.into_iter().filter(|n| n != name).collect();
            group.set("ContactGroups", json!(kept));
        }
    }
    Ok(ok())
}

fn describe_contact_group_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let mut rows: Vec<&Resource> = world.store.iter(CONTACT_GROUP).collect();
    rows.sort_by_key(|g| g.seq);
    let mut out = page(ctx, rows, "ContactGroupList", 100, |g| {
        Value::Object(g.attrs.clone())
    })?;
    // `ContactGroups`: the names of the page's groups.
    let names: Vec<Value> = out
        .get("ContactGroupList")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|g| g.get("Name").cloned())
                .collect()
        })
        .unwrap_or_default();
    out.insert("ContactGroups".into(), Value::Array(names));
    out.remove("PageNumber");
    out.remove("PageSize");
    Ok(out)
}

fn describe_contact_list_by_contact_group(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let name = text(ctx, "ContactGroupName")
        .ok_or_else(|| invalid_value(ctx, "ContactGroupName is mandatory."))?;
    let group = world
        .store
        .get(CONTACT_GROUP, name)
        .ok_or_else(|| not_found(ctx, &format!("ContactGroupName {name}")))?;
    let contacts: Vec<Value> = str_list(group, "Contacts")
        .iter()
        .filter_map(|c| world.store.get(CONTACT, c))
        .map(|c| {
            json!({
                "Name": c.id,
                "Desc": c.str("Desc").unwrap_or_default(),
                "Channels": c.attrs.get("Channels").cloned().unwrap_or(json!({})),
                "CreateTime": c.attrs.get("CreateTime"),
                "UpdateTime": c.attrs.get("UpdateTime"),
            })
        })
        .collect();
    let mut out = ok();
    out.insert("Contacts".into(), Value::Array(contacts));
    Ok(out)
}
