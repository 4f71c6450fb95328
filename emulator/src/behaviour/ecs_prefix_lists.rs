//! ECS prefix lists: `CreatePrefixList`, `DescribePrefixLists`, `DescribePrefixListAttributes`,
//! `ModifyPrefixList`, `DeletePrefixList` and `DescribePrefixListAssociations`.
//!
//! A prefix list is a store row of kind [`PREFIX_LIST`] with its entries (`Entries`: CIDR
//! blocks of its address family). It is associated with a security group when one of the
//! group's rules (`Permissions`) names it as `SourcePrefixListId` or `DestPrefixListId`; such
//! a list cannot be deleted (`NotAllowed.AssociationExist`). Like the service: CIDR blocks are
//! checked (`InvalidParameter.CidrMalformed`, `.CidrDuplicated`), a list holds at most
//! `MaxEntries` entries (`LimitExceed.Entry`), and a region at most 100 lists.

use std::net::IpAddr;

use serde_json::{Map, Value, json};

use super::ecs_world::{PREFIX_LIST, SECURITY_GROUP, obj};
use super::{Context, Model, Outcome};
use crate::clock;
use crate::error::ApiError;
use crate::store::{self, Query, Resource, Store};
use crate::world::World;

/// The prefix list actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("CreatePrefixList", create_prefix_list),
    Model::ecs("DescribePrefixLists", describe_prefix_lists),
    Model::ecs(
        "DescribePrefixListAttributes",
        describe_prefix_list_attributes,
    ),
    Model::ecs("ModifyPrefixList", modify_prefix_list),
    Model::ecs("DeletePrefixList", delete_prefix_list),
    Model::ecs(
        "DescribePrefixListAssociations",
        describe_prefix_list_associations,
    ),
];

/// Most prefix lists one region holds.
const MAX_PER_REGION: usize = 100;
/// The largest `MaxEntries`.
const MAX_ENTRIES: i64 = 200;
/// Most ids one `DescribePrefixLists` names.
const MAX_DESCRIBE_IDS: usize = 100;

fn not_found(ctx: &Context<'_>) -> ApiError {
    ctx.spec_error(
        "InvalidPrefixListId.NotFound",
        404,
        "The specified prefix list does not exist.",
    )
}

/// `text` as a CIDR block of `family` (`IPv4` / `IPv6`), or `None` if it is not one.
fn parse_cidr(text: &str, family: &str) -> Option<(IpAddr, u8)> {
    let (addr, len) = text.split_once('/')?;
    let addr: IpAddr = addr.parse().ok()?;
    let len: u8 = len.parse().ok()?;
    let ok = match addr {
        IpAddr::V4(_) => family == "IPv4" && len <= 32,
        IpAddr::V6(_) => family == "IPv6" && len <= 128,
    };
    ok.then_some((addr, len))
}

/// The `{Cidr, Description}` entries of list parameter `param`, each a valid CIDR block of
/// `family`.
fn entries(
    ctx: &Context<'_>,
    param: &str,
    family: &str,
) -> Result<Vec<(String, String)>, ApiError> {
    let Some(Value::Array(items)) = ctx.input.get(param) else {
        return Ok(Vec::new());
    };
    items
        .iter()
        .map(|item| {
            let cidr = item.get("Cidr").and_then(Value::as_str).unwrap_or_default();
            if parse_cidr(cidr, family).is_none() {
                return Err(ctx.spec_error(
                    "InvalidParameter.CidrMalformed",
                    400,
                    "The specified CIDR block is not valid.",
                ));
            }
            let description = item
                .get("Description")
                .and_then(Value::as_str)
                .unwrap_or_default();
            check_description(ctx, description)?;
            Ok((cidr.to_owned(), description.to_owned()))
        })
        .collect()
}

fn duplicated(ctx: &Context<'_>) -> ApiError {
    ctx.spec_error(
        "InvalidParameter.CidrDuplicated",
        400,
        "The specified CIDR blocks are duplicated.",
    )
}

fn check_description(ctx: &Context<'_>, text: &str) -> Result<(), ApiError> {
    if text.chars().count() > 256 || text.starts_with("http://") || text.starts_with("https://") {
        return Err(ctx.spec_error(
            "InvalidDescription.Malformed",
            400,
            "The specified description is wrongly formed.",
        ));
    }
    Ok(())
}

/// A list name in the service's format: 2 to 128 characters starting with a letter, not with
/// `http://`, `https://` or `com.aliyun`.
fn check_name(ctx: &Context<'_>, name: &str) -> Result<(), ApiError> {
    let len = name.chars().count();
    let ok = (2..=128).contains(&len)
        && name.chars().next().is_some_and(char::is_alphabetic)
        && !name.starts_with("http://")
        && !name.starts_with("https://")
        && !name.starts_with("com.aliyun");
    if !ok {
        return Err(ctx.spec_error(
            "InvalidParameter.PrefixListName",
            400,
            "The specified PrefixListName is not valid.",
        ));
    }
    Ok(())
}

fn entry_values(entries: &[(String, String)]) -> Value {
    Value::Array(
        entries
            .iter()
            .map(|(cidr, description)| json!({"Cidr": cidr, "Description": description}))
            .collect(),
    )
}

fn create_prefix_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let region = ctx.region();
    let family = input.str("AddressFamily").unwrap_or("IPv4");
    if !matches!(family, "IPv4" | "IPv6") {
        return Err(ctx.spec_error(
            "InvalidParameter.AddressFamily",
            400,
            "The specified AddressFamily is not valid.",
        ));
    }
    let name = input.str("PrefixListName").unwrap_or_default();
    check_name(ctx, name)?;
    let description = input.str("Description").unwrap_or_default();
    check_description(ctx, description)?;
    let Some(max_entries) = input.int("MaxEntries") else {
        return Err(ApiError::missing_parameter("MaxEntries"));
    };
    if !(1..=MAX_ENTRIES).contains(&max_entries) {
        return Err(ctx.spec_error(
            "LimitExceed.MaxEntries",
            400,
            "The specified MaxEntries is beyond the permitted range.",
        ));
    }
    let list = entries(ctx, "Entry", family)?;
    let mut seen = std::collections::HashSet::new();
    if list.iter().any(|(cidr, _)| !seen.insert(cidr.clone())) {
        return Err(duplicated(ctx));
    }
    if list.len() as i64 > max_entries {
        return Err(ctx.spec_error(
            "LimitExceed.Entry",
            400,
            "The number of entries exceeds MaxEntries.",
        ));
    }
    let in_region = world
        .store
        .iter(PREFIX_LIST)
        .filter(|p| p.region == region)
        .count();
    if in_region >= MAX_PER_REGION {
        return Err(ctx.spec_error(
            "LimitExceed.PrefixListPerRegion",
            404,
            "The number of prefix lists in this region reached the limit.",
        ));
    }
    let id = world.store.new_id("pl-", &region);
    world.store.insert(
        PREFIX_LIST,
        &id,
        &region,
        obj(json!({
            "PrefixListId": id,
            "PrefixListName": name,
            "Description": description,
            "AddressFamily": family,
            "MaxEntries": max_entries,
            "CreationTime": clock::rfc3339(ctx.now),
            "Entries": entry_values(&list),
        })),
    );
    let mut out = Map::new();
    out.insert("PrefixListId".into(), json!(id));
    Ok(out)
}

/// The security groups whose rules name prefix list `id`.
fn associations<'a>(store: &'a Store, id: &str) -> Vec<&'a Resource> {
    let names = |rule: &Value| {
        ["SourcePrefixListId", "DestPrefixListId"]
            .iter()
            .any(|k| rule.get(k).and_then(Value::as_str) == Some(id))
    };
    let mut groups: Vec<&Resource> = store
        .iter(SECURITY_GROUP)
        .filter(|g| {
            g.attrs
                .get("Permissions")
                .and_then(Value::as_array)
                .is_some_and(|rules| rules.iter().any(names))
        })
        .collect();
    groups.sort_by_key(|g| g.seq);
    groups
}

/// The describe item of a prefix list (without its entries).
fn list_item(store: &Store, list: &Resource) -> Value {
    let mut item = list.attrs.clone();
    item.remove("Entries");
    item.insert(
        "AssociationCount".into(),
        json!(associations(store, &list.id).len()),
    );
    Value::Object(item)
}

fn describe_prefix_lists(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let ids = input.ids("PrefixListId");
    if ids.len() > MAX_DESCRIBE_IDS {
        return Err(ctx.spec_error(
            "LimitExceed.PrefixListId",
            400,
            "The number of PrefixListId exceeds the limit.",
        ));
    }
    let query = Query::new(input)
        .ids(ids)
        .param(input, "PrefixListName", "PrefixListName")
        .param(input, "AddressFamily", "AddressFamily");
    let store = &world.store;
    let rows = query.select(store.iter(PREFIX_LIST));
    store::token_page(input, rows, "PrefixLists", 10, |list| {
        list_item(store, list)
    })
}

fn describe_prefix_list_attributes(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let region = ctx.region();
    let id = ctx.input.str("PrefixListId").unwrap_or_default();
    let list = world
        .store
        .find(PREFIX_LIST, &region, id, || not_found(ctx))?;
    Ok(list.attrs.clone())
}

fn modify_prefix_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let region = ctx.region();
    let id = input.str("PrefixListId").unwrap_or_default();
    let list = world
        .store
        .find(PREFIX_LIST, &region, id, || not_found(ctx))?;
    let family = list.str("AddressFamily").unwrap_or("IPv4").to_owned();
    let max_entries = list
        .attrs
        .get("MaxEntries")
        .and_then(Value::as_i64)
        .unwrap_or(MAX_ENTRIES);
    let mut current: Vec<(String, String)> = list
        .attrs
        .get("Entries")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|e| {
                    let text = |k: &str| {
                        e.get(k)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned()
                    };
                    (text("Cidr"), text("Description"))
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some(name) = input.str("PrefixListName") {
        check_name(ctx, name)?;
    }
    if let Some(description) = input.str("Description") {
        check_description(ctx, description)?;
    }
    let removed = entries(ctx, "RemoveEntry", &family)?;
    let added = entries(ctx, "AddEntry", &family)?;
    for (cidr, _) in &removed {
        if !current.iter().any(|(c, _)| c == cidr) {
            return Err(ApiError::invalid_parameter(
                "RemoveEntry.N.Cidr",
                &format!("{cidr} is not an entry of the prefix list"),
            ));
        }
    }
    current.retain(|(c, _)| !removed.iter().any(|(r, _)| r == c));
    for (cidr, description) in added {
        if current.iter().any(|(c, _)| *c == cidr) {
            return Err(duplicated(ctx));
        }
        current.push((cidr, description));
    }
    if current.len() as i64 > max_entries {
        return Err(ctx.spec_error(
            "LimitExceed.Entry",
            400,
            "The number of entries exceeds MaxEntries.",
        ));
    }
    let list = world
        .store
        .find_mut(PREFIX_LIST, &region, id, || not_found(ctx))?;
    if let Some(name) = input.str("PrefixListName") {
        list.set("PrefixListName", name);
    }
    if let Some(description) = input.str("Description") {
        list.set("Description", description);
    }
    list.set("Entries", entry_values(&current));
    Ok(Map::new())
}

fn delete_prefix_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let region = ctx.region();
    let id = ctx.input.str("PrefixListId").unwrap_or_default();
    world
        .store
        .find(PREFIX_LIST, &region, id, || not_found(ctx))?;
    if !associations(&world.store, id).is_empty() {
        return Err(ctx.spec_error(
            "NotAllowed.AssociationExist",
            400,
            "The prefix list is still used by security group rules.",
        ));
    }
    world.store.remove(PREFIX_LIST, id);
    Ok(Map::new())
}

fn describe_prefix_list_associations(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let region = ctx.region();
    let id = ctx.input.str("PrefixListId").unwrap_or_default();
    world
        .store
        .find(PREFIX_LIST, &region, id, || not_found(ctx))?;
    let rows = associations(&world.store, id);
    store::token_page(
        ctx.input,
        rows,
        "PrefixListAssociations",
        10,
        |g| json!({"ResourceId": g.id, "ResourceType": "securitygroup"}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_of_each_family() {
        assert!(parse_cidr("10.0.0.0/8", "IPv4").is_some());
        assert!(parse_cidr("10.0.0.0/33", "IPv4").is_none());
        assert!(parse_cidr("10.0.0.0", "IPv4").is_none());
        assert!(parse_cidr("2001:db8::/32", "IPv6").is_some());
        assert!(parse_cidr("2001:db8::/32", "IPv4").is_none());
        assert!(parse_cidr("not/8", "IPv4").is_none());
    }

    #[test]
    fn security_group_rules_associate_lists() {
        let mut store = Store::default();
        store.insert(
            SECURITY_GROUP,
            "sg-1",
            "cn-hangzhou",
            obj(json!({"Permissions": [{"SourcePrefixListId": "pl-1"}]})),
        );
        store.insert(
            SECURITY_GROUP,
            "sg-2",
            "cn-hangzhou",
            obj(json!({"Permissions": []})),
        );
        let found: Vec<&str> = associations(&store, "pl-1")
            .iter()
            .map(|g| g.id.as_str())
            .collect();
        assert_eq!(found, ["sg-1"]);
        assert!(associations(&store, "pl-2").is_empty());
    }
}
