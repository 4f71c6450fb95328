//! CMS 2019-01-01: tags on monitor groups. `AddTags` and `RemoveTags` change them,
//! `DescribeTagKeyList` and `DescribeTagValueList` list what is in use, and
//! `DescribeMonitorGroups` shows and filters by them (in `cms_groups`).
//!
//! Like the service: every group named must exist (`ResourceNotFound`, nothing changes); a tag
//! needs a key (`ParameterInvalid`); adding a key a group has replaces its value; removing
//! names keys (a value given must match) and answers the keys it removed. Keys and values are
//! listed sorted and once each, a page at a time (`PageSize` 30 by default).

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::cms_common::{invalid, list_items, not_found, ok, ok_with};
use super::cms_groups::GROUP;
use super::cms_metrics;
use super::{Context, Model, Outcome};
use crate::error::ApiError;
use crate::world::World;

/// The group tag actions.
pub(super) const MODELS: &[Model] = &[
    Model::cms("AddTags", add_tags),
    Model::cms("RemoveTags", remove_tags),
    Model::cms("DescribeTagKeyList", describe_tag_key_list),
    Model::cms("DescribeTagValueList", describe_tag_value_list),
];

/// Entries per page when the request names no size.
const DEFAULT_PAGE_SIZE: usize = 30;

/// The `GroupIds` of the request, each an existing group.
fn named_groups(world: &World, ctx: &Context<'_>) -> Result<Vec<String>, ApiError> {
    let ids: Vec<String> = list_items(ctx, "GroupIds")
        .iter()
        .filter_map(|v| match v {
            Value::String(s) => Some(s.trim().to_owned()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .filter(|id| !id.is_empty())
        .collect();
    if ids.is_empty() {
        return Err(invalid(ctx, "GroupIds is mandatory."));
    }
    if let Some(unknown) = ids.iter().find(|id| world.store.get(GROUP, id).is_none()) {
        return Err(not_found(ctx, &format!("GroupId {unknown}")));
    }
    Ok(ids)
}

/// The `Tag.N` pairs of the request, each with a key.
fn tags(ctx: &Context<'_>) -> Result<Vec<(String, Option<String>)>, ApiError> {
    let pairs = crate::store::tag_pairs(ctx.input, "Tag");
    if pairs.is_empty() || pairs.iter().any(|(key, _)| key.trim().is_empty()) {
        return Err(invalid(ctx, "Every Tag.N needs a Key."));
    }
    Ok(pairs)
}

fn add_tags(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let groups = named_groups(world, ctx)?;
    let pairs = tags(ctx)?;
    for id in &groups {
        if let Some(group) = world.store.get_mut(GROUP, id) {
            for (key, value) in &pairs {
                group
                    .tags
                    .insert(key.clone(), value.clone().unwrap_or_default());
            }
        }
    }
    Ok(ok())
}

fn remove_tags(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let groups = named_groups(world, ctx)?;
    let pairs = tags(ctx)?;
    let mut removed = BTreeSet::new();
    for id in &groups {
        if let Some(group) = world.store.get_mut(GROUP, id) {
            for (key, value) in &pairs {
                let matches = match (group.tags.get(key), value) {
                    (Some(_), None) => true,
                    (Some(have), Some(want)) => have == want,
                    (None, _) => false,
                };
                if matches {
                    group.tags.remove(key);
                    removed.insert(key.clone());
                }
            }
        }
    }
    Ok(ok_with("Tag", json!(removed)))
}

/// One page of `items` (sorted, distinct) under `key`.
fn page_of(ctx: &Context<'_>, items: BTreeSet<String>, key: &str) -> Outcome {
    let (_, _, page) = cms_metrics::page_of(ctx, items.into_iter().collect(), DEFAULT_PAGE_SIZE)?;
    Ok(ok_with(key, json!(page)))
}

fn describe_tag_key_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let keys: BTreeSet<String> = world
        .store
        .iter(GROUP)
        .flat_map(|g| g.tags.keys().cloned())
        .collect();
    page_of(ctx, keys, "TagKeys")
}

fn describe_tag_value_list(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let key = ctx
        .input
        .str("TagKey")
        .filter(|k| !k.is_empty())
        .ok_or_else(|| invalid(ctx, "TagKey is mandatory."))?;
    let values: BTreeSet<String> = world
        .store
        .iter(GROUP)
        .filter_map(|g| g.tags.get(key).cloned())
        .collect();
    page_of(ctx, values, "TagValues")
}
