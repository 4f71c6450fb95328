//! ECS launch templates: `CreateLaunchTemplate` (version 1, the default),
//! `CreateLaunchTemplateVersion`, `DescribeLaunchTemplates`, `DescribeLaunchTemplateVersions`,
//! `ModifyLaunchTemplateDefaultVersion`, `DeleteLaunchTemplateVersion` and
//! `DeleteLaunchTemplate`.
//!
//! A template is a store row of kind [`LAUNCH_TEMPLATE`] whose `Versions` attribute holds each
//! version: its number, description, times and `Params`, the launch parameters exactly as
//! `RunInstances` names them (see [`ecs_world::launch_template_params`]); the describe form
//! (`LaunchTemplateData`) is derived from them. Like the service: names are unique per region
//! (`LaunchTemplateName.Duplicated`), a region holds at most 30 templates and a template 30
//! versions, the default version cannot be deleted (`InvalidOperation.DeleteDefaultVersion`),
//! and the resources a template names are only checked when an instance is launched from it.

use serde_json::{Map, Value, json};

use super::ecs_world::{self, LAUNCH_TEMPLATE, obj};
use super::{Context, Model, Outcome};
use crate::clock;
use crate::error::ApiError;
use crate::store::{self, Query, Resource};
use crate::world::World;

/// The launch template actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("CreateLaunchTemplate", create_launch_template),
    Model::ecs(
        "CreateLaunchTemplateVersion",
        create_launch_template_version,
    ),
    Model::ecs("DescribeLaunchTemplates", describe_launch_templates),
    Model::ecs(
        "DescribeLaunchTemplateVersions",
        describe_launch_template_versions,
    ),
    Model::ecs("ModifyLaunchTemplateDefaultVersion", modify_default_version),
    Model::ecs(
        "DeleteLaunchTemplateVersion",
        delete_launch_template_version,
    ),
    Model::ecs("DeleteLaunchTemplate", delete_launch_template),
];

/// Most templates a region holds.
const MAX_TEMPLATES: usize = 30;
/// Most versions a template holds.
const MAX_VERSIONS: usize = 30;
/// Who creates templates (the emulator has one account).
const CREATED_BY: &str = "1234567890123456";

/// The launch parameters a version keeps, by their `RunInstances` names.
const TEMPLATE_PARAMS: &[&str] = &[
    "ImageId",
    "ImageOwnerAlias",
    "PasswordInherit",
    "InstanceType",
    "SecurityGroupId",
    "SecurityGroupIds",
    "VpcId",
    "VSwitchId",
    "InstanceName",
    "Description",
    "InternetMaxBandwidthIn",
    "InternetMaxBandwidthOut",
    "HostName",
    "ZoneId",
    "SystemDisk",
    "IoOptimized",
    "InstanceChargeType",
    "Period",
    "PeriodUnit",
    "AutoRenew",
    "AutoRenewPeriod",
    "InternetChargeType",
    "EnableVmOsConfig",
    "NetworkType",
    "UserData",
    "KeyPairName",
    "RamRoleName",
    "AutoReleaseTime",
    "SpotStrategy",
    "SpotPriceLimit",
    "SpotDuration",
    "ResourceGroupId",
    "SecurityEnhancementStrategy",
    "PrivateIpAddress",
    "DeploymentSetId",
    "Ipv6AddressCount",
    "DataDisk",
    "NetworkInterface",
    "Tag",
    "DeletionProtection",
    "CreditSpecification",
];

fn template_not_found(ctx: &Context<'_>) -> ApiError {
    ctx.spec_error(
        "InvalidLaunchTemplate.NotFound",
        404,
        "The specified launch template does not exist.",
    )
}

fn version_not_found(ctx: &Context<'_>) -> ApiError {
    ctx.spec_error(
        "InvalidLaunchTemplateVersion.NotFound",
        404,
        "The specified launch template version does not exist.",
    )
}

/// The id of the template the request names (`LaunchTemplateId`, else `LaunchTemplateName`).
fn named_template(world: &World, ctx: &Context<'_>) -> Result<String, ApiError> {
    let region = ctx.region();
    let input = ctx.input;
    let found = match (
        input.str("LaunchTemplateId"),
        input.str("LaunchTemplateName"),
    ) {
        (Some(id), _) => world
            .store
            .get(LAUNCH_TEMPLATE, id)
            .filter(|t| t.region == region),
        (None, Some(name)) => ecs_world::launch_template(&world.store, &region, name),
        (None, None) => {
            return Err(ctx.spec_error(
                "MissingParameter",
                400,
                "LaunchTemplateId or LaunchTemplateName must be specified.",
            ));
        }
    };
    found
        .map(|t| t.id.clone())
        .ok_or_else(|| template_not_found(ctx))
}

/// A template name in the service's format: 2 to 128 characters, starting with a letter,
/// not with `http://` or `https://`; letters, digits, `.`, `_`, `-` and `:`.
fn valid_name(name: &str) -> bool {
    let len = name.chars().count();
    (2..=128).contains(&len)
        && name.chars().next().is_some_and(char::is_alphabetic)
        && !name.starts_with("http://")
        && !name.starts_with("https://")
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | ':'))
}

/// The request's launch parameters and version description, checked.
fn version_params(ctx: &Context<'_>) -> Result<(Map<String, Value>, String), ApiError> {
    let input = ctx.input;
    let description = input.str("VersionDescription").unwrap_or_default();
    if description.chars().count() > 256 || description.starts_with("http") {
        return Err(ctx.spec_error(
            "InvalidDescription.Malformed",
            400,
            "The specified parameter \"VersionDescription\" is not valid.",
        ));
    }
    if let Some(host) = input.str("HostName") {
        if host.len() < 2 || host.starts_with(['.', '-']) || host.ends_with(['.', '-']) {
            return Err(ctx.spec_error(
                "InvalidHostName.Malformed",
                400,
                "The specified parameter \"HostName\" is not valid.",
            ));
        }
    }
    let tags = store::tag_pairs(input, "Tag");
    let mut keys = std::collections::HashSet::new();
    if tags.iter().any(|(k, _)| !keys.insert(k.clone())) {
        return Err(ctx.spec_error(
            "Duplicate.TagKey",
            400,
            "The Tag.N.Key contain duplicate key.",
        ));
    }
    let params: Map<String, Value> = TEMPLATE_PARAMS
        .iter()
        .filter(|name| input.arrived(name))
        .filter_map(|name| Some(((*name).to_owned(), input.get(name)?.clone())))
        .collect();
    Ok((params, description.to_owned()))
}

/// A new version record.
fn new_version(number: i64, params: Map<String, Value>, description: &str, now: &str) -> Value {
    json!({
        "VersionNumber": number,
        "VersionDescription": description,
        "CreateTime": now,
        "ModifiedTime": now,
        "CreatedBy": CREATED_BY,
        "Params": params,
    })
}

fn versions(template: &Resource) -> Vec<Value> {
    template
        .attrs
        .get("Versions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn number_of(version: &Value) -> i64 {
    version
        .get("VersionNumber")
        .and_then(Value::as_i64)
        .unwrap_or(0)
}

fn create_launch_template(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let region = ctx.region();
    let name = input
        .str("LaunchTemplateName")
        .unwrap_or_default()
        .to_owned();
    if !valid_name(&name) {
        return Err(ctx.spec_error(
            "InvalidLaunchTemplateName.Malformed",
            400,
            "The specified parameter LaunchTemplateName is not valid.",
        ));
    }
    let (params, description) = version_params(ctx)?;
    let in_region = || {
        world
            .store
            .iter(LAUNCH_TEMPLATE)
            .filter(|t| t.region == region)
    };
    if in_region().any(|t| t.str("LaunchTemplateName") == Some(name.as_str())) {
        return Err(ctx.spec_error(
            "LaunchTemplateName.Duplicated",
            403,
            "The specified launch template name already exists.",
        ));
    }
    if in_region().count() >= MAX_TEMPLATES {
        return Err(ctx.spec_error(
            "LaunchTemplateLimitExceed",
            403,
            "The number of launch templates in this region reached the limit of 30.",
        ));
    }
    let template_tags = store::tag_pairs(input, "TemplateTag");
    if template_tags.len() > super::ecs_tags::MAX_TAGS {
        return Err(ctx.spec_error(
            "QuotaExceed.Tags",
            403,
            "The quota of tags on resource is beyond permitted range.",
        ));
    }
    let now = clock::rfc3339(ctx.now);
    let id = world.store.new_id("lt-", &region);
    let row = world.store.insert(
        LAUNCH_TEMPLATE,
        &id,
        &region,
        obj(json!({
            "LaunchTemplateId": id,
            "LaunchTemplateName": name,
            "CreateTime": now,
            "ModifiedTime": now,
            "CreatedBy": CREATED_BY,
            "DefaultVersionNumber": 1,
            "LatestVersionNumber": 1,
            "ResourceGroupId": input.str("TemplateResourceGroupId").unwrap_or_default(),
            "Versions": [new_version(1, params, &description, &now)],
        })),
    );
    store::apply_tags(&mut row.tags, input, "TemplateTag");
    let mut out = Map::new();
    out.insert("LaunchTemplateId".into(), json!(id));
    out.insert("LaunchTemplateVersionNumber".into(), json!(1));
    Ok(out)
}

fn create_launch_template_version(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = named_template(world, ctx)?;
    let (params, description) = version_params(ctx)?;
    let now = clock::rfc3339(ctx.now);
    let template = world
        .store
        .get_mut(LAUNCH_TEMPLATE, &id)
        .ok_or_else(|| template_not_found(ctx))?;
    let mut all = versions(template);
    if all.len() >= MAX_VERSIONS {
        return Err(ctx.spec_error(
            "LaunchTemplateVersionLimitExceed",
            403,
            "The number of versions of the launch template reached the limit of 30.",
        ));
    }
    // Numbers are never reused, even after the latest version is deleted.
    let latest = template
        .attrs
        .get("LatestVersionNumber")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let number = latest.max(all.iter().map(number_of).max().unwrap_or(0)) + 1;
    all.push(new_version(number, params, &description, &now));
    template.set("Versions", Value::Array(all));
    template.set("LatestVersionNumber", number);
    template.set("ModifiedTime", now);
    let mut out = Map::new();
    out.insert("LaunchTemplateId".into(), json!(id));
    out.insert("LaunchTemplateVersionNumber".into(), json!(number));
    Ok(out)
}

/// The describe item of a template.
fn template_item(template: &Resource) -> Value {
    let mut item = template.item();
    if let Some(map) = item.as_object_mut() {
        map.remove("Versions");
    }
    item
}

fn describe_launch_templates(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let ids = input.ids("LaunchTemplateId");
    let names = input.ids("LaunchTemplateName");
    let query = Query::new(input)
        .ids(ids)
        .param(input, "TemplateResourceGroupId", "ResourceGroupId")
        .tags(input, "TemplateTag");
    let rows: Vec<&Resource> = query
        .select(world.store.iter(LAUNCH_TEMPLATE))
        .into_iter()
        .filter(|t| {
            names.is_empty()
                || names
                    .iter()
                    .any(|n| t.str("LaunchTemplateName") == Some(n.as_str()))
        })
        .collect();
    store::page(input, rows, "LaunchTemplateSets", template_item)
}

/// The describe form of a version's launch parameters.
fn template_data(params: &Map<String, Value>) -> Value {
    let mut data = Map::new();
    for (name, value) in params {
        match (name.as_str(), value) {
            ("SystemDisk", Value::Object(disk)) => {
                for (field, v) in disk {
                    data.insert(format!("SystemDisk.{field}"), v.clone());
                }
            }
            ("DataDisk", v) => {
                data.insert("DataDisks".into(), v.clone());
            }
            ("NetworkInterface", v) => {
                data.insert("NetworkInterfaces".into(), v.clone());
            }
            ("Tag", v) => {
                data.insert("Tags".into(), v.clone());
            }
            (_, v) => {
                data.insert(name.clone(), v.clone());
            }
        }
    }
    Value::Object(data)
}

fn describe_launch_template_versions(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let id = named_template(world, ctx)?;
    let template = world
        .store
        .get(LAUNCH_TEMPLATE, &id)
        .ok_or_else(|| template_not_found(ctx))?;
    let default = template
        .attrs
        .get("DefaultVersionNumber")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let wanted: Vec<i64> = match input.get("LaunchTemplateVersion") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_i64).collect(),
        _ => Vec::new(),
    };
    let min = input.int("MinVersion");
    let max = input.int("MaxVersion");
    let only_default = input.bool("DefaultVersion").unwrap_or(false);
    let detail = input.bool("DetailFlag").unwrap_or(true);
    let name = template
        .str("LaunchTemplateName")
        .unwrap_or_default()
        .to_owned();
    let rows: Vec<Value> = versions(template)
        .into_iter()
        .filter(|v| wanted.is_empty() || wanted.contains(&number_of(v)))
        .filter(|v| min.is_none_or(|m| number_of(v) >= m))
        .filter(|v| max.is_none_or(|m| number_of(v) <= m))
        .filter(|v| !only_default || number_of(v) == default)
        .collect();
    store::page(input, rows, "LaunchTemplateVersionSets", |mut v| {
        let number = number_of(&v);
        if let Some(map) = v.as_object_mut() {
            let params = map.remove("Params");
            if detail {
                let params = params
                    .and_then(|p| p.as_object().cloned())
                    .unwrap_or_default();
                map.insert("LaunchTemplateData".into(), template_data(&params));
            }
            map.insert("LaunchTemplateId".into(), json!(id));
            map.insert("LaunchTemplateName".into(), json!(name));
            map.insert("DefaultVersion".into(), json!(number == default));
        }
        v
    })
}

fn modify_default_version(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = named_template(world, ctx)?;
    let number = ctx.input.int("DefaultVersionNumber").unwrap_or_default();
    let now = clock::rfc3339(ctx.now);
    let template = world
        .store
        .get_mut(LAUNCH_TEMPLATE, &id)
        .ok_or_else(|| template_not_found(ctx))?;
    if !versions(template).iter().any(|v| number_of(v) == number) {
        return Err(version_not_found(ctx));
    }
    template.set("DefaultVersionNumber", number);
    template.set("ModifiedTime", now);
    let mut out = Map::new();
    out.insert("LaunchTemplateId".into(), json!(id));
    Ok(out)
}

fn delete_launch_template_version(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = named_template(world, ctx)?;
    let doomed: Vec<i64> = match ctx.input.get("DeleteVersion") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_i64).collect(),
        _ => Vec::new(),
    };
    if doomed.is_empty() {
        return Err(ApiError::missing_parameter("DeleteVersion.N"));
    }
    let template = world
        .store
        .get_mut(LAUNCH_TEMPLATE, &id)
        .ok_or_else(|| template_not_found(ctx))?;
    let default = template
        .attrs
        .get("DefaultVersionNumber")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let mut all = versions(template);
    for number in &doomed {
        if *number == default {
            return Err(ctx.spec_error(
                "InvalidOperation.DeleteDefaultVersion",
                403,
                "The default version of a launch template cannot be deleted.",
            ));
        }
        if !all.iter().any(|v| number_of(v) == *number) {
            return Err(version_not_found(ctx));
        }
    }
    all.retain(|v| !doomed.contains(&number_of(v)));
    template.set("Versions", Value::Array(all));
    let deleted: Vec<Value> = doomed
        .iter()
        .map(|n| json!({"LaunchTemplateId": id, "LaunchTemplateVersionNumber": n}))
        .collect();
    let mut out = Map::new();
    out.insert("LaunchTemplateVersions".into(), Value::Array(deleted));
    Ok(out)
}

fn delete_launch_template(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = named_template(world, ctx)?;
    let template = world
        .store
        .remove(LAUNCH_TEMPLATE, &id)
        .ok_or_else(|| template_not_found(ctx))?;
    let numbers: Vec<i64> = versions(&template).iter().map(number_of).collect();
    let mut out = Map::new();
    out.insert("LaunchTemplateId".into(), json!(id));
    out.insert("LaunchTemplateVersionNumbers".into(), json!(numbers));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn template(store: &mut Store) {
        let v1 = new_version(
            1,
            obj(json!({"ImageId": "img-1", "InstanceType": "ecs.g7.large",
                "SystemDisk": {"Category": "cloud_essd", "Size": 40}})),
            "",
            "t",
        );
        let v2 = new_version(2, obj(json!({"ImageId": "img-2"})), "second", "t");
        store.insert(
            LAUNCH_TEMPLATE,
            "lt-1",
            "cn-hangzhou",
            obj(
                json!({"LaunchTemplateId": "lt-1", "LaunchTemplateName": "web",
                "DefaultVersionNumber": 1, "LatestVersionNumber": 2, "Versions": [v1, v2]}),
            ),
        );
    }

    #[test]
    fn launch_template_params_by_id_name_and_version() {
        let mut store = Store::default();
        template(&mut store);
        let by_id = ecs_world::launch_template_params(&store, "cn-hangzhou", "lt-1", None).unwrap();
        assert_eq!(by_id["ImageId"], "img-1");
        assert_eq!(by_id["SystemDisk"]["Size"], 40);
        let by_name =
            ecs_world::launch_template_params(&store, "cn-hangzhou", "web", Some(2)).unwrap();
        assert_eq!(by_name["ImageId"], "img-2");
        assert!(!by_name.contains_key("InstanceType"));
        assert!(ecs_world::launch_template_params(&store, "cn-hangzhou", "web", Some(3)).is_none());
        assert!(ecs_world::launch_template_params(&store, "cn-beijing", "lt-1", None).is_none());
        assert!(ecs_world::launch_template_params(&store, "cn-hangzhou", "nope", None).is_none());
    }

    #[test]
    fn template_data_flattens_the_system_disk() {
        let data = template_data(&obj(json!({
            "SystemDisk": {"Category": "cloud_essd"}, "DataDisk": [{"Size": 10}],
            "Tag": [{"Key": "k", "Value": "v"}], "ImageId": "img"})));
        assert_eq!(data["SystemDisk.Category"], "cloud_essd");
        assert_eq!(data["DataDisks"][0]["Size"], 10);
        assert_eq!(data["Tags"][0]["Key"], "k");
        assert_eq!(data["ImageId"], "img");
    }

    #[test]
    fn names() {
        assert!(valid_name("web-template_1"));
        assert!(!valid_name("1web"));
        assert!(!valid_name("w"));
        assert!(!valid_name("has space"));
    }
}
