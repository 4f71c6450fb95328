//! ECS image builder: components (`CreateImageComponent`, `DescribeImageComponents`,
//! `DeleteImageComponent`), pipelines (`CreateImagePipeline`, `DescribeImagePipelines`,
//! `DeleteImagePipeline`) and their executions (`StartImagePipelineExecution`,
//! `DescribeImagePipelineExecutions`, `CancelImagePipelineExecution`).
//!
//! An execution moves `PREPARING` → `BUILDING` → `DISTRIBUTING` → `SUCCESS`, one step per
//! world transition time (tokio time, as instances move), and at `SUCCESS` the pipeline's image
//! exists (`Available`, named `ImageName` plus the execution's number, on the base image's OS).
//! Like the service: build content is at most 16 KiB of template commands (`RUN`, `ENV`,
//! `WORKDIR`, `COPY`, `USER`, `CMD`, `ENTRYPOINT`, `LABEL`, `RESTART`; a pipeline's may start
//! with one `FROM`), a component's may not use `FROM` (`NotSupportedCommand.FROM`), unknown
//! commands are `InvalidImageTemplateCommand.NotSupported`; a pipeline's base image must exist;
//! system disks are 20 to 500 GiB; a pipeline runs one execution at a time
//! (`InvalidImagePipeline.HasRunningExecution`) and is not deleted while one runs; only an
//! unfinished execution is cancelled (`InvalidStatus.ImagePipelineExecution`). Not modelled:
//! no build instance is launched and no command runs, so a build never fails.

use serde_json::{Value, json};

use super::ecs_disks::valid_text;
use super::ecs_images::{self, ImageFacts, Mapping, Source};
use super::ecs_world::{IMAGE, obj};
use super::{Context, Model, Outcome};
use crate::clock;
use crate::error::ApiError;
use crate::store::{self, Kind, Query, Resource};
use crate::world::World;

/// The image builder actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("CreateImageComponent", create_component),
    Model::ecs("DescribeImageComponents", describe_components),
    Model::ecs("DeleteImageComponent", delete_component),
    Model::ecs("CreateImagePipeline", create_pipeline),
    Model::ecs("DescribeImagePipelines", describe_pipelines),
    Model::ecs("DeleteImagePipeline", delete_pipeline),
    Model::ecs("StartImagePipelineExecution", start_execution),
    Model::ecs("DescribeImagePipelineExecutions", describe_executions),
    Model::ecs("CancelImagePipelineExecution", cancel_execution),
];

const COMPONENT: Kind = "image-component";
const PIPELINE: Kind = "image-pipeline";
const EXECUTION: Kind = "image-pipeline-execution";
/// When an execution started, on [`clock::tick`]'s scale.
const STARTED_AT: &str = "_StartedAtMs";

/// The steps of an execution that runs to its end, one per transition time.
const STEPS: [&str; 4] = ["PREPARING", "BUILDING", "DISTRIBUTING", "SUCCESS"];
/// Template commands a component may hold (a pipeline's content may also hold `FROM`).
const COMMANDS: [&str; 9] = [
    "RUN",
    "ENV",
    "WORKDIR",
    "COPY",
    "USER",
    "CMD",
    "ENTRYPOINT",
    "LABEL",
    "RESTART",
];
const MAX_CONTENT_BYTES: usize = 16 * 1024;

/// Checks template `content` (a component's when `component`): its size and commands.
fn check_content(ctx: &Context<'_>, content: &str, component: bool) -> Result<(), ApiError> {
    if content.len() > MAX_CONTENT_BYTES {
        let code = if component {
            "InvalidContent.LengthExceeded"
        } else {
            "InvalidBuildContent.LengthExceeded"
        };
        return Err(ctx.spec_error(code, 400, "The content is longer than 16 KiB."));
    }
    for line in content
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let command = line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        if command == "FROM" {
            if component {
                return Err(ctx.spec_error(
                    "NotSupportedCommand.FROM",
                    400,
                    "A component may not use FROM.",
                ));
            }
        } else if !COMMANDS.contains(&command.as_str()) {
            return Err(ctx.spec_error(
                "InvalidImageTemplateCommand.NotSupported",
                400,
                &format!("The template command {command} is not supported."),
            ));
        }
    }
    Ok(())
}

/// `Name` and `Description`, checked (a name 2 to 128 characters starting with a letter).
fn check_texts(ctx: &Context<'_>) -> Result<(), ApiError> {
    let input = ctx.input;
    if let Some(name) = input.str("Name").filter(|n| !n.is_empty()) {
        if !valid_text(name, 2, 128, true) {
            return Err(ctx.spec_error(
                "InvalidName.Malformed",
                400,
                "The name is wrongly formed.",
            ));
        }
    }
    if !valid_text(input.str("Description").unwrap_or_default(), 0, 1024, false) {
        return Err(ctx.spec_error(
            "InvalidDescription.Malformed",
            400,
            "The description is wrongly formed.",
        ));
    }
    Ok(())
}

fn create_component(world: &mut World, ctx: &Context<'_>) -> Outcome {
    if let Some(answer) = ctx.replay(world)? {
        return Ok(answer);
    }
    let input = ctx.input;
    check_texts(ctx)?;
    let content = input
        .str("Content")
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| ctx.spec_error("MissingParameter.Content", 400, "Content is mandatory."))?;
    check_content(ctx, content, true)?;
    let system = input.str("SystemType").unwrap_or("Linux");
    if system != "Linux" && system != "Windows" {
        return Err(ctx.spec_error(
            "InvalidSystemType.NotSupportedValue",
            400,
            "SystemType is Linux or Windows.",
        ));
    }
    let kind = input.str("ComponentType").unwrap_or("Build");
    if kind != "Build" && kind != "Test" {
        return Err(ctx.spec_error(
            "InvalidComponentType.NotSupportedValue",
            400,
            "ComponentType is Build or Test.",
        ));
    }
    let region = ctx.region();
    let id = world.store.new_id("ic-", &region);
    let row = world.store.insert(
        COMPONENT,
        &id,
        &region,
        obj(json!({
            "ImageComponentId": id,
            "Name": input.str("Name").unwrap_or(&id),
            "Description": input.str("Description").unwrap_or_default(),
            "SystemType": system,
            "ComponentType": kind,
            "Content": content,
            "ComponentVersion": input.str("ComponentVersion").unwrap_or_default(),
            "Owner": "SELF",
            "ResourceGroupId": input.str("ResourceGroupId").unwrap_or_default(),
            "CreationTime": clock::rfc3339(ctx.now),
        })),
    );
    store::apply_tags(&mut row.tags, input, "Tag");
    let out = obj(json!({ "ImageComponentId": id }));
    ctx.remember(world, &out);
    Ok(out)
}

fn describe_components(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    if input
        .str("Owner")
        .is_some_and(|o| o != "SELF" && o != "ALIYUN")
    {
        return Err(ctx.spec_error("InvalidParameter.Owner", 400, "Owner is SELF or ALIYUN."));
    }
    let query = Query::new(input)
        .ids(input.ids("ImageComponentId"))
        .param(input, "Name", "Name")
        .param(input, "ComponentType", "ComponentType")
        .param(input, "SystemType", "SystemType")
        .param(input, "ComponentVersion", "ComponentVersion")
        .param(input, "ResourceGroupId", "ResourceGroupId")
        .param(input, "Owner", "Owner")
        .tags(input, "Tag");
    let rows = query.select(world.store.iter(COMPONENT));
    store::token_page(input, rows, "ImageComponent", 50, Resource::item)
}

fn delete_component(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("ImageComponentId").unwrap_or_default();
    world.store.find(COMPONENT, &ctx.region(), id, || {
        store::not_found(ctx, "InvalidImageComponent.NotFound", "image component")
    })?;
    world.store.remove(COMPONENT, id);
    Ok(serde_json::Map::new())
}

fn create_pipeline(world: &mut World, ctx: &Context<'_>) -> Outcome {
    if let Some(answer) = ctx.replay(world)? {
        return Ok(answer);
    }
    let input = ctx.input;
    check_texts(ctx)?;
    let base_type = input.str("BaseImageType").unwrap_or_default();
    if !["IMAGE", "IMAGE_FAMILY", "OSS"].contains(&base_type) {
        return Err(ctx.spec_error(
            "InvalidBaseImageType.NotSupportedValue",
            400,
            "BaseImageType is IMAGE, IMAGE_FAMILY or OSS.",
        ));
    }
    let base = input.str("BaseImage").unwrap_or_default();
    if base_type == "IMAGE" {
        ecs_images::find_image(world, ctx, base)?;
    }
    let disk = input.int("SystemDiskSize").unwrap_or(40);
    if !(20..=500).contains(&disk) {
        return Err(ctx.spec_error(
            "InvalidSystemDiskSize.NotSupportedValue",
            400,
            "SystemDiskSize is 20 to 500 GiB.",
        ));
    }
    let bandwidth = input.int("InternetMaxBandwidthOut").unwrap_or(0);
    if !(0..=100).contains(&bandwidth) {
        return Err(ctx.spec_error(
            "InvalidInternetMaxBandwidthOut.NotSupportedValue",
            400,
            "InternetMaxBandwidthOut is 0 to 100 Mbit/s.",
        ));
    }
    let content = input.str("BuildContent").unwrap_or_default();
    check_content(ctx, content, false)?;
    // `ImageOptions` (newer metadata) names the image; the deprecated top-level keys still work.
    let option = |key: &str| {
        input
            .get("ImageOptions")
            .and_then(|o| o.get(key))
            .and_then(Value::as_str)
            .or_else(|| input.str(key))
            .unwrap_or_default()
            .to_owned()
    };
    let (image_name, image_family) = (option("ImageName"), option("ImageFamily"));
    let region = ctx.region();
    let id = world.store.new_id("ip-", &region);
    let row = world.store.insert(
        PIPELINE,
        &id,
        &region,
        obj(json!({
            "ImagePipelineId": id,
            "Name": input.str("Name").unwrap_or(&id),
            "Description": input.str("Description").unwrap_or_default(),
            "BaseImageType": base_type,
            "BaseImage": base,
            "ImageName": image_name,
            "ImageFamily": image_family,
            "InstanceType": input.str("InstanceType").unwrap_or("ecs.g6.large"),
            "VSwitchId": input.str("VSwitchId").unwrap_or_default(),
            "SystemDiskSize": disk,
            "InternetMaxBandwidthOut": bandwidth,
            "DeleteInstanceOnFailure": input.bool("DeleteInstanceOnFailure").unwrap_or(true),
            "BuildContent": content,
            "ToRegionIds": input.ids("ToRegionId"),
            "AddAccounts": input.ids("AddAccount"),
            "ResourceGroupId": input.str("ResourceGroupId").unwrap_or_default(),
            "CreationTime": clock::rfc3339(ctx.now),
        })),
    );
    store::apply_tags(&mut row.tags, input, "Tag");
    let out = obj(json!({ "ImagePipelineId": id }));
    ctx.remember(world, &out);
    Ok(out)
}

fn describe_pipelines(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let query = Query::new(input)
        .ids(input.ids("ImagePipelineId"))
        .param(input, "Name", "Name")
        .param(input, "ResourceGroupId", "ResourceGroupId")
        .tags(input, "Tag");
    let rows = query.select(world.store.iter(PIPELINE));
    store::token_page(input, rows, "ImagePipeline", 50, Resource::item)
}

fn pipeline_not_found(ctx: &Context<'_>) -> ApiError {
    store::not_found(ctx, "InvalidImagePipeline.NotFound", "image pipeline")
}

/// Whether pipeline `id` has an execution that has not ended.
fn running(world: &World, id: &str) -> bool {
    world.store.iter(EXECUTION).any(|e| {
        e.str("ImagePipelineId") == Some(id)
            && !matches!(e.str("Status"), Some("SUCCESS" | "FAILED" | "CANCELLED"))
    })
}

fn has_running_execution(ctx: &Context<'_>) -> ApiError {
    ctx.spec_error(
        "InvalidImagePipeline.HasRunningExecution",
        403,
        "The image pipeline has an execution under way.",
    )
}

fn delete_pipeline(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("ImagePipelineId").unwrap_or_default();
    world
        .store
        .find(PIPELINE, &ctx.region(), id, || pipeline_not_found(ctx))?;
    if running(world, id) {
        return Err(has_running_execution(ctx));
    }
    world.store.remove(PIPELINE, id);
    Ok(serde_json::Map::new())
}

fn start_execution(world: &mut World, ctx: &Context<'_>) -> Outcome {
    if let Some(answer) = ctx.replay(world)? {
        return Ok(answer);
    }
    let region = ctx.region();
    let pipeline = ctx
        .input
        .str("ImagePipelineId")
        .unwrap_or_default()
        .to_owned();
    let resource_group = world
        .store
        .find(PIPELINE, &region, &pipeline, || pipeline_not_found(ctx))?
        .str("ResourceGroupId")
        .unwrap_or_default()
        .to_owned();
    if running(world, &pipeline) {
        return Err(has_running_execution(ctx));
    }
    let id = world.store.new_id("exec-", &region);
    let now = clock::rfc3339(ctx.now);
    let row = world.store.insert(
        EXECUTION,
        &id,
        &region,
        obj(json!({
            "ExecutionId": id,
            "ImagePipelineId": pipeline,
            "Status": STEPS[0],
            "ImageId": "",
            "Message": "",
            "ResourceGroupId": resource_group,
            "CreationTime": now,
            "ModifiedTime": now,
            STARTED_AT: clock::tick(),
        })),
    );
    store::apply_tags(&mut row.tags, ctx.input, "Tag");
    let out = obj(json!({ "ExecutionId": id }));
    ctx.remember(world, &out);
    Ok(out)
}

/// Moves every execution on to the step its time has reached; one that reaches `SUCCESS`
/// makes its image.
pub(super) fn settle(world: &mut World) {
    let step_ms = u64::try_from(world.transition_time.as_millis())
        .unwrap_or(u64::MAX)
        .max(1);
    let now = clock::tick();
    let mut finished = Vec::new();
    for execution in world.store.iter_mut(EXECUTION) {
        let status = execution.str("Status").unwrap_or_default();
        let Some(current) = STEPS[..STEPS.len() - 1].iter().position(|s| *s == status) else {
            continue;
        };
        let started = execution
            .attrs
            .get(STARTED_AT)
            .and_then(Value::as_u64)
            .unwrap_or(now);
        let reached = usize::try_from(now.saturating_sub(started) / step_ms)
            .unwrap_or(usize::MAX)
            .min(STEPS.len() - 1);
        if reached > current {
            execution.set("Status", STEPS[reached]);
            if STEPS[reached] == "SUCCESS" {
                finished.push(execution.id.clone());
            }
        }
    }
    for id in finished {
        build_image(world, &id);
    }
}

/// Makes the image of execution `id` (its pipeline's base OS, system disk and names).
fn build_image(world: &mut World, id: &str) {
    let Some(execution) = world.store.get(EXECUTION, id) else {
        return;
    };
    let region = execution.region.clone();
    let created = clock::parse_timestamp(execution.str("CreationTime").unwrap_or_default())
        .unwrap_or(std::time::SystemTime::UNIX_EPOCH);
    let Some(pipeline) = execution
        .str("ImagePipelineId")
        .and_then(|p| world.store.get(PIPELINE, p))
        .cloned()
    else {
        return;
    };
    let text = |key: &str| pipeline.str(key).unwrap_or_default().to_owned();
    let (os_type, os_name, platform) = ecs_images::os_of(world, &text("BaseImage"));
    let source = Source {
        mappings: vec![Mapping {
            device: "/dev/xvda".into(),
            size: pipeline
                .attrs
                .get("SystemDiskSize")
                .and_then(Value::as_i64)
                .unwrap_or(40),
            snapshot: String::new(),
            kind: "system",
        }],
        os_type,
        os_name,
        platform,
    };
    let image = world.store.new_id("m-", &region);
    let base_name = match text("ImageName") {
        name if name.is_empty() => text("Name"),
        name => name,
    };
    let name = format!("{base_name}_{}", id.trim_start_matches("exec-"));
    let facts = ImageFacts {
        name: &name,
        description: &text("Description"),
        architecture: "x86_64",
        family: &text("ImageFamily"),
        version: "",
        boot_mode: "BIOS",
        resource_group: &text("ResourceGroupId"),
        created,
    };
    let record = ecs_images::image_record(&image, &source, &facts);
    world.store.insert(IMAGE, &image, &region, record);
    if let Some(execution) = world.store.get_mut(EXECUTION, id) {
        execution.set("ImageId", image.as_str());
        execution.set("Message", format!("Image {image} is ready."));
    }
}

fn describe_executions(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let pipeline = input.str("ImagePipelineId").filter(|p| !p.is_empty());
    let execution = input.str("ExecutionId").filter(|e| !e.is_empty());
    if pipeline.is_none() && execution.is_none() {
        return Err(ctx.spec_error(
            "MissingParameter.ImagePipelineId",
            400,
            "ImagePipelineId or ExecutionId is mandatory.",
        ));
    }
    if let Some(pipeline) = pipeline {
        world.store.find(PIPELINE, &ctx.region(), pipeline, || {
            pipeline_not_found(ctx)
        })?;
    }
    const STATUSES: [&str; 10] = [
        "PREPARING",
        "REPAIRING",
        "BUILDING",
        "TESTING",
        "DISTRIBUTING",
        "RELEASING",
        "SUCCESS",
        "FAILED",
        "CANCELLING",
        "CANCELLED",
    ];
    let statuses: Vec<&str> = input
        .str("Status")
        .map(|s| s.split(',').map(str::trim).collect())
        .unwrap_or_default();
    if statuses.iter().any(|s| !STATUSES.contains(s)) {
        return Err(ctx.spec_error(
            "InvalidParameter.Status",
            400,
            "Status is one or more of the documented execution statuses, comma-separated.",
        ));
    }
    let query = Query::new(input)
        .eq("ImagePipelineId", pipeline)
        .eq("ExecutionId", execution)
        .tags(input, "Tag");
    let rows: Vec<&Resource> = query
        .select(world.store.iter(EXECUTION))
        .into_iter()
        .filter(|e| statuses.is_empty() || statuses.contains(&e.str("Status").unwrap_or_default()))
        .collect();
    store::token_page(input, rows, "ImagePipelineExecution", 50, Resource::item)
}

fn cancel_execution(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("ExecutionId").unwrap_or_default();
    let now = clock::rfc3339(ctx.now);
    let execution = world.store.find_mut(EXECUTION, &ctx.region(), id, || {
        store::not_found(ctx, "InvalidImagePipelineExecution.NotFound", "execution")
    })?;
    if matches!(
        execution.str("Status"),
        Some("SUCCESS" | "FAILED" | "CANCELLED")
    ) {
        return Err(ctx.spec_error(
            "InvalidStatus.ImagePipelineExecution",
            403,
            "The execution has ended.",
        ));
    }
    execution.set("Status", "CANCELLED");
    execution.set("ModifiedTime", now);
    Ok(serde_json::Map::new())
}
