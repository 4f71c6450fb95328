//! ECS tags on every kind of resource: `TagResources` / `UntagResources` (many resources at
//! once), `AddTags` / `RemoveTags` (the older single-resource forms), `ListTagResources`,
//! `DescribeTags` (tag pairs with a count per resource type) and `DescribeResourceByTags`.
//!
//! One table maps each `ResourceType` to where its resources live: instances in the world
//! (`Tracked::ecs.tags`), saved commands in `world.commands` (their tags in the store under
//! [`COMMAND_EXTRA`]), everything else in the store by kind. Like the service: an unknown type
//! is `InvalidResourceType.NotFound`, an unknown (or other region's) resource
//! `InvalidResourceId.NotFound`, a resource holds at most 20 tags
//! (`OperationDenied.QuotaExceed`), keys may not start with `aliyun` or `acs:` nor contain
//! `http://` / `https://`, and every resource is checked before any tag changes.
//!
//! `JoinResourceGroup` moves a resource of the same table (saved commands aside) into a
//! resource group: its `ResourceGroupId`, which describes filter on. Resource groups belong to
//! another service, so any id of the form `rg-…` is taken as an existing group.

use serde_json::{Map, Value, json};

use super::ecs_world::{
    COMMAND_EXTRA, DEPLOYMENT_SET, DISK, IMAGE, KEY_PAIR, LAUNCH_TEMPLATE, NETWORK_INTERFACE,
    PREFIX_LIST, SECURITY_GROUP, SNAPSHOT,
};
use super::{Context, Model, Outcome};
use crate::error::ApiError;
use crate::store::{self, Kind, Tags};
use crate::world::World;

/// The tag actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("TagResources", tag_resources),
    Model::ecs("UntagResources", untag_resources),
    Model::ecs("ListTagResources", list_tag_resources),
    Model::ecs("AddTags", add_tags),
    Model::ecs("RemoveTags", remove_tags),
    Model::ecs("DescribeTags", describe_tags),
    Model::ecs("DescribeResourceByTags", describe_resource_by_tags),
    Model::ecs("JoinResourceGroup", join_resource_group),
];

/// Most tags one resource carries.
pub(crate) const MAX_TAGS: usize = 20;
/// Most resources one `TagResources` / `UntagResources` call names.
const MAX_RESOURCES: usize = 50;

/// Where the resources of a `ResourceType` live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Home {
    /// Instances, in the world.
    Instance,
    /// Saved cloud assistant commands, in `world.commands`.
    Command,
    /// Any other kind, in the store.
    Store(Kind),
}

/// A taggable resource type: its `ResourceType` name, where its resources live, and its key
/// in `DescribeTags`' `ResourceTypeCount` (if it has one).
struct TagType {
    name: &'static str,
    home: Home,
    count_key: Option<&'static str>,
}

/// Every taggable resource type (`ResourceType` is matched ignoring case).
const TYPES: &[TagType] = &[
    TagType {
        name: "instance",
        home: Home::Instance,
        count_key: Some("Instance"),
    },
    TagType {
        name: "disk",
        home: Home::Store(DISK),
        count_key: Some("Disk"),
    },
    TagType {
        name: "snapshot",
        home: Home::Store(SNAPSHOT),
        count_key: Some("Snapshot"),
    },
    TagType {
        name: "image",
        home: Home::Store(IMAGE),
        count_key: Some("Image"),
    },
    TagType {
        name: "securitygroup",
        home: Home::Store(SECURITY_GROUP),
        count_key: Some("Securitygroup"),
    },
    TagType {
        name: "keypair",
        home: Home::Store(KEY_PAIR),
        count_key: Some("KeyPair"),
    },
    TagType {
        name: "eni",
        home: Home::Store(NETWORK_INTERFACE),
        count_key: Some("Eni"),
    },
    TagType {
        name: "launchtemplate",
        home: Home::Store(LAUNCH_TEMPLATE),
        count_key: Some("LaunchTemplate"),
    },
    TagType {
        name: "deploymentset",
        home: Home::Store(DEPLOYMENT_SET),
        count_key: None,
    },
    TagType {
        name: "prefixlist",
        home: Home::Store(PREFIX_LIST),
        count_key: None,
    },
    TagType {
        name: "command",
        home: Home::Command,
        count_key: None,
    },
];

fn tag_type(name: &str) -> Option<&'static TagType> {
    TYPES.iter().find(|t| t.name.eq_ignore_ascii_case(name))
}

/// The request's `ResourceType`, known, or `InvalidResourceType.NotFound`.
fn requested_type(ctx: &Context<'_>) -> Result<&'static TagType, ApiError> {
    let name = ctx.input.str("ResourceType").unwrap_or_default();
    tag_type(name).ok_or_else(|| {
        ctx.spec_error(
            "InvalidResourceType.NotFound",
            404,
            "The ResourceType provided does not exist in our records.",
        )
    })
}

/// The tags of resource `id` of type `ty` in `region`, if it exists there (public images,
/// which belong to no region, are not the caller's to tag).
fn tags_of<'a>(world: &'a World, ty: &TagType, region: &str, id: &str) -> Option<&'a Tags> {
    match ty.home {
        Home::Instance => world
            .get(id)
            .filter(|t| t.instance.region == region)
            .map(|t| &t.ecs.tags),
        Home::Command => {
            world.commands.saved.get(id)?;
            static EMPTY: Tags = Tags::new();
            Some(
                world
                    .store
                    .get(COMMAND_EXTRA, id)
                    .map_or(&EMPTY, |r| &r.tags),
            )
        }
        Home::Store(kind) => world
            .store
            .get(kind, id)
            .filter(|r| r.region == region)
            .map(|r| &r.tags),
    }
}

/// [`tags_of`], to change them (a saved command's extra record is made when first needed).
pub(crate) fn tags_mut<'a>(
    world: &'a mut World,
    resource_type: &str,
    region: &str,
    id: &str,
) -> Option<&'a mut Tags> {
    let ty = tag_type(resource_type)?;
    match ty.home {
        Home::Command => {
            world.commands.saved.get(id)?;
            Some(&mut command_extra(world, region, id).tags)
        }
        _ => record_mut(world, ty, region, id).map(|r| &mut r.tags),
    }
}

/// The record of resource `id` of type `ty` in `region` (an instance's ECS record, or the
/// store's row); `None` for a saved command, which has no record of its own.
fn record_mut<'a>(
    world: &'a mut World,
    ty: &TagType,
    region: &str,
    id: &str,
) -> Option<&'a mut store::Resource> {
    match ty.home {
        Home::Instance => world
            .get_mut(id)
            .filter(|t| t.instance.region == region)
            .map(|t| &mut t.ecs),
        Home::Store(kind) => world.store.get_mut(kind, id).filter(|r| r.region == region),
        Home::Command => None,
    }
}

/// `JoinResourceGroup`: the resource's `ResourceGroupId` becomes the given group.
fn join_resource_group(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let group = input
        .str("ResourceGroupId")
        .filter(|g| !g.is_empty())
        .ok_or_else(|| ApiError::missing_parameter("ResourceGroupId"))?;
    if !group.starts_with("rg-") {
        return Err(ctx.spec_error(
            "InvalidResourceGroup.NotFound",
            404,
            "The specified resource group does not exist.",
        ));
    }
    let ty = requested_type(ctx)?;
    let id = input
        .str("ResourceId")
        .filter(|i| !i.is_empty())
        .ok_or_else(|| ApiError::missing_parameter("ResourceId"))?;
    let region = ctx.region();
    let record = record_mut(world, ty, &region, id).ok_or_else(|| {
        ctx.spec_error(
            "InvalidResourceId.NotFound",
            404,
            "The specified ResourceId does not exist.",
        )
    })?;
    record.set("ResourceGroupId", group);
    Ok(Map::new())
}

/// The extra record of saved command `id` (made, in `region`, when missing).
pub(crate) fn command_extra<'a>(
    world: &'a mut World,
    region: &str,
    id: &str,
) -> &'a mut store::Resource {
    if world.store.get(COMMAND_EXTRA, id).is_none() {
        world.store.insert(COMMAND_EXTRA, id, region, Map::new());
    }
    world
        .store
        .get_mut(COMMAND_EXTRA, id)
        .expect("made just above")
}

/// Every resource of type `ty` in `region`, oldest first, with its tags.
fn resources_of<'a>(world: &'a World, ty: &TagType, region: &str) -> Vec<(&'a str, &'a Tags)> {
    let mut rows: Vec<(u64, &str, &Tags)> = match ty.home {
        Home::Instance => world
            .iter()
            .filter(|t| t.instance.region == region)
            .map(|t| (t.ecs.seq, t.instance.id.as_str(), &t.ecs.tags))
            .collect(),
        Home::Command => world
            .store
            .iter(COMMAND_EXTRA)
            .filter(|r| world.commands.saved.contains_key(&r.id))
            .map(|r| (r.seq, r.id.as_str(), &r.tags))
            .collect(),
        Home::Store(kind) => world
            .store
            .iter(kind)
            .filter(|r| r.region == region)
            .map(|r| (r.seq, r.id.as_str(), &r.tags))
            .collect(),
    };
    rows.sort_by_key(|(seq, _, _)| *seq);
    rows.into_iter().map(|(_, id, tags)| (id, tags)).collect()
}

/// The `Tag.N` pairs of the request, checked: at most 20, no key twice, keys and values in
/// the service's format.
fn checked_tags(ctx: &Context<'_>, param: &str) -> Result<Vec<(String, String)>, ApiError> {
    let pairs = store::tag_pairs(ctx.input, param);
    if pairs.len() > MAX_TAGS {
        return Err(ctx.spec_error(
            "NumberExceed.Tags",
            400,
            "The Tags parameter's number is exceed , Valid : 20.",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(pairs.len());
    for (key, value) in pairs {
        if !seen.insert(key.clone()) {
            return Err(ctx.spec_error(
                "Duplicate.TagKey",
                400,
                "The Tag.N.Key contain duplicate key.",
            ));
        }
        check_key(ctx, &key)?;
        let value = value.unwrap_or_default();
        let lower = value.to_ascii_lowercase();
        if value.chars().count() > 128
            || lower.starts_with("http://")
            || lower.starts_with("https://")
        {
            return Err(ctx.spec_error(
                "InvalidTagValue.Malformed",
                400,
                "The specified Tag.n.Value is not valid.",
            ));
        }
        out.push((key, value));
    }
    Ok(out)
}

/// A tag key in the service's format: 1 to 128 characters, not starting with `aliyun` or
/// `acs:` (reserved for system tags), no `http://` / `https://`.
fn check_key(ctx: &Context<'_>, key: &str) -> Result<(), ApiError> {
    let lower = key.to_ascii_lowercase();
    if key.is_empty()
        || key.chars().count() > 128
        || lower.starts_with("aliyun")
        || lower.starts_with("acs:")
        || lower.contains("http://")
        || lower.contains("https://")
    {
        return Err(ctx.spec_error(
            "InvalidTagKey.Malformed",
            400,
            "The specified Tag.n.Key is not valid.",
        ));
    }
    Ok(())
}

fn resource_not_found(ctx: &Context<'_>) -> ApiError {
    ctx.spec_error(
        "InvalidResourceId.NotFound",
        404,
        "The specified ResourceIds are not found in our records.",
    )
}

/// Adds `tags` to every resource of `ids` (all checked first: each exists, none would carry
/// more than 20 tags).
fn add(
    world: &mut World,
    ctx: &Context<'_>,
    ty: &TagType,
    ids: &[String],
    tags: &[(String, String)],
) -> Outcome {
    let region = ctx.region();
    for id in ids {
        let have = tags_of(world, ty, &region, id).ok_or_else(|| resource_not_found(ctx))?;
        let after = have.len() + tags.iter().filter(|(k, _)| !have.contains_key(k)).count();
        if after > MAX_TAGS {
            return Err(ctx.spec_error(
                "OperationDenied.QuotaExceed",
                400,
                "The quota of tags on resource is beyond permitted range.",
            ));
        }
    }
    for id in ids {
        if let Some(have) = tags_mut(world, ty.name, &region, id) {
            for (key, value) in tags {
                have.insert(key.clone(), value.clone());
            }
        }
    }
    Ok(Map::new())
}

fn tag_resources(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let ty = requested_type(ctx)?;
    let ids = ctx.input.strings("ResourceId");
    if ids.len() > MAX_RESOURCES {
        return Err(ctx.spec_error(
            "NumberExceed.ResourceIds",
            400,
            "The ResourceIds parameter's number is exceed , Valid : 50.",
        ));
    }
    let tags = checked_tags(ctx, "Tag")?;
    if tags.is_empty() {
        return Err(ctx.spec_error(
            "MissingParameter.Tags",
            404,
            "The parameter - Tags should not be null.",
        ));
    }
    add(world, ctx, ty, &ids, &tags)
}

fn add_tags(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let ty = requested_type(ctx)?;
    let id = ctx.input.str("ResourceId").unwrap_or_default().to_owned();
    let tags = checked_tags(ctx, "Tag")?;
    add(world, ctx, ty, &[id], &tags)
}

fn untag_resources(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let ty = requested_type(ctx)?;
    let region = ctx.region();
    let ids = ctx.input.strings("ResourceId");
    if ids.len() > MAX_RESOURCES {
        return Err(ctx.spec_error(
            "NumberExceed.ResourceIds",
            400,
            "The ResourceIds parameter's number is exceed , Valid : 50.",
        ));
    }
    let keys = ctx.input.strings("TagKey");
    if keys.len() > MAX_TAGS {
        return Err(ctx.spec_error(
            "NumberExceed.Tags",
            400,
            "The Tags parameter's number is exceed , Valid : 20.",
        ));
    }
    // `All` only counts when no key is named; with neither, nothing is removed.
    let all = keys.is_empty() && ctx.input.bool("All").unwrap_or(false);
    for id in &ids {
        tags_of(world, ty, &region, id).ok_or_else(|| resource_not_found(ctx))?;
    }
    for id in &ids {
        if let Some(have) = tags_mut(world, ty.name, &region, id) {
            if all {
                have.clear();
            } else {
                for key in &keys {
                    have.remove(key);
                }
            }
        }
    }
    Ok(Map::new())
}

fn remove_tags(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let ty = requested_type(ctx)?;
    let region = ctx.region();
    let id = ctx.input.str("ResourceId").unwrap_or_default();
    let pairs = store::tag_pairs(ctx.input, "Tag");
    if pairs.len() > MAX_TAGS {
        return Err(ctx.spec_error(
            "InvalidTagCount",
            400,
            "The specified tags are beyond the permitted range.",
        ));
    }
    let have = tags_mut(world, ty.name, &region, id).ok_or_else(|| resource_not_found(ctx))?;
    if pairs.is_empty() {
        // The old form removes every tag when none is named.
        have.clear();
    }
    for (key, value) in pairs {
        // A tag named with a value goes only if the value matches.
        if value.is_none() || have.get(&key) == value.as_ref() {
            have.remove(&key);
        }
    }
    Ok(Map::new())
}

/// Whether `tags` holds every `(key, value)` of `wanted` (a missing value matches any).
fn has_all(tags: &Tags, wanted: &[(String, Option<String>)]) -> bool {
    wanted.iter().all(|(k, v)| match (tags.get(k), v) {
        (Some(have), Some(want)) => have == want,
        (Some(_), None) => true,
        (None, _) => false,
    })
}

/// A `TagFilter.N` entry: the key, and the values any of which matches (any value when empty).
fn tag_filters(ctx: &Context<'_>) -> Result<Vec<(String, Vec<String>)>, ApiError> {
    let Some(Value::Array(items)) = ctx.input.get("TagFilter") else {
        return Ok(Vec::new());
    };
    items
        .iter()
        .map(|item| {
            let key = item
                .get("TagKey")
                .and_then(Value::as_str)
                .filter(|k| !k.is_empty())
                .ok_or_else(|| {
                    ctx.spec_error(
                        "InvalidTagFilter.Malformed",
                        403,
                        "The specified TagFilter is not valid.",
                    )
                })?;
            let values: Vec<String> = match item.get("TagValues") {
                Some(Value::Array(vs)) => vs
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
                _ => Vec::new(),
            };
            if values.len() > 5 {
                return Err(ctx.spec_error(
                    "NumberExceed.TagValues",
                    403,
                    "The TagValues parameter's number is exceed, Valid: 5.",
                ));
            }
            Ok((key.to_owned(), values))
        })
        .collect()
}

fn list_tag_resources(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let ty = requested_type(ctx)?;
    let region = ctx.region();
    let ids = ctx.input.strings("ResourceId");
    if ids.len() > MAX_RESOURCES {
        return Err(ctx.spec_error(
            "NumberExceed.ResourceIds",
            400,
            "The ResourceIds parameter's number is exceed , Valid : 50.",
        ));
    }
    let wanted = store::tag_pairs(ctx.input, "Tag");
    if wanted.len() > MAX_TAGS {
        return Err(ctx.spec_error(
            "NumberExceed.Tags",
            400,
            "The Tags parameter's number is exceed , Valid : 20.",
        ));
    }
    let filters = tag_filters(ctx)?;
    if ids.is_empty() && wanted.is_empty() && filters.is_empty() {
        return Err(ctx.spec_error(
            "BothEmpty.TagsAndResources",
            403,
            "The specified ResourceIds and Tags are both empty.",
        ));
    }
    let matches = |tags: &Tags| {
        has_all(tags, &wanted)
            && filters.iter().all(|(key, values)| match tags.get(key) {
                Some(v) => values.is_empty() || values.contains(v),
                None => false,
            })
    };
    // One row per tag of every matching resource.
    let rows: Vec<(String, String, String)> = resources_of(world, ty, &region)
        .into_iter()
        .filter(|(id, _)| ids.is_empty() || ids.iter().any(|want| want == id))
        .filter(|(_, tags)| matches(tags))
        .flat_map(|(id, tags)| {
            tags.iter()
                .map(move |(k, v)| (id.to_owned(), k.clone(), v.clone()))
        })
        .collect();
    store::token_page(ctx.input, rows, "TagResources", 50, |(id, key, value)| {
        json!({
            "ResourceId": id,
            "ResourceType": ty.name,
            "TagKey": key,
            "TagValue": value,
        })
    })
}

/// The types a describe by tags covers: the one asked for, or all of them.
fn types_asked(ctx: &Context<'_>) -> Result<Vec<&'static TagType>, ApiError> {
    match ctx.input.str("ResourceType").filter(|t| !t.is_empty()) {
        Some(_) => Ok(vec![requested_type(ctx)?]),
        None => Ok(TYPES.iter().collect()),
    }
}

fn describe_tags(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let region = ctx.region();
    let types = types_asked(ctx)?;
    let wanted = store::tag_pairs(input, "Tag");
    if wanted.len() > MAX_TAGS {
        return Err(ctx.spec_error(
            "InvalidTagCount",
            400,
            "The specified tags are beyond the permitted range.",
        ));
    }
    // Only custom tags exist here: asking for system tags finds none.
    let system = input
        .str("Category")
        .is_some_and(|c| c.eq_ignore_ascii_case("System"));
    let resource_id = input.str("ResourceId").filter(|id| !id.is_empty());
    // Each distinct (key, value), with how many resources of each type carry it.
    let mut pairs: std::collections::BTreeMap<(String, String), Map<String, Value>> =
        Default::default();
    if !system {
        for ty in types {
            for (id, tags) in resources_of(world, ty, &region) {
                if resource_id.is_some_and(|want| want != id) {
                    continue;
                }
                for (key, value) in tags {
                    // `Tag.N` narrows the pairs listed (a key alone matches any value).
                    let listed = wanted.is_empty()
                        || wanted
                            .iter()
                            .any(|(k, v)| k == key && v.as_ref().is_none_or(|v| v == value));
                    if !listed {
                        continue;
                    }
                    let counts = pairs.entry((key.clone(), value.clone())).or_default();
                    if let Some(count_key) = ty.count_key {
                        let n = counts.get(count_key).and_then(Value::as_i64).unwrap_or(0);
                        counts.insert(count_key.into(), json!(n + 1));
                    }
                }
            }
        }
    }
    let rows: Vec<_> = pairs.into_iter().collect();
    store::page(
        input,
        rows,
        "Tags",
        |((key, value), counts)| json!({"TagKey": key, "TagValue": value, "ResourceTypeCount": counts}),
    )
}

fn describe_resource_by_tags(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let region = ctx.region();
    let types = types_asked(ctx)?;
    let wanted = store::tag_pairs(input, "Tag");
    if wanted.len() > MAX_TAGS {
        return Err(ctx.spec_error(
            "InvalidTagCount",
            400,
            "The specified tags are beyond the permitted range.",
        ));
    }
    let rows: Vec<(String, &'static str)> = types
        .into_iter()
        .flat_map(|ty| {
            resources_of(world, ty, &region)
                .into_iter()
                .filter(|(_, tags)| !tags.is_empty() && has_all(tags, &wanted))
                .map(move |(id, _)| (id.to_owned(), ty.name))
        })
        .collect();
    store::page(
        input,
        rows,
        "Resources",
        |(id, ty)| json!({"ResourceId": id, "ResourceType": ty, "RegionId": region}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_maps_to_one_home() {
        let mut names = std::collections::HashSet::new();
        for ty in TYPES {
            assert!(names.insert(ty.name), "{} twice", ty.name);
            assert_eq!(ty.name, ty.name.to_ascii_lowercase());
        }
        assert_eq!(
            tag_type("SecurityGroup").map(|t| t.home),
            Some(Home::Store(SECURITY_GROUP))
        );
        assert_eq!(tag_type("Instance").map(|t| t.home), Some(Home::Instance));
        assert!(tag_type("vpc").is_none());
    }

    #[test]
    fn has_all_needs_every_pair() {
        let mut tags = Tags::new();
        tags.insert("env".into(), "prod".into());
        tags.insert("team".into(), "a".into());
        assert!(has_all(&tags, &[]));
        assert!(has_all(&tags, &[("env".into(), None)]));
        assert!(has_all(
            &tags,
            &[("env".into(), Some("prod".into())), ("team".into(), None)]
        ));
        assert!(!has_all(&tags, &[("env".into(), Some("dev".into()))]));
        assert!(!has_all(&tags, &[("owner".into(), None)]));
    }
}
