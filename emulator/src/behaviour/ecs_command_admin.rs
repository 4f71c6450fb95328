//! ECS: managing the cloud assistant's saved commands and invocations (the runs themselves are
//! in `ecs_commands`): `DescribeCommands`, `ModifyCommand`, `DeleteCommand`, `StopInvocation`
//! and `ModifyInvocationAttribute`.
//!
//! A saved command is `world.commands.saved`; what it has beyond a name, type and content
//! (description, working directory, timeout, tags) is kept in the store under
//! [`COMMAND_EXTRA`]. Like the service: an unknown command is `InvalidCmdId.NotFound`, one
//! with a run still under way cannot be deleted (`InvalidStatus.CmdIdInUse`), and stopping an
//! invocation stops the instances still running it (their results read `Stopped`).

use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::ecs_tags::command_extra;
use super::ecs_world::COMMAND_EXTRA;
use super::{Context, Model, Outcome};
use crate::commands::CommandResult;
use crate::error::ApiError;
use crate::store;
use crate::world::World;

/// The command management actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("DescribeCommands", describe_commands),
    Model::ecs("ModifyCommand", modify_command),
    Model::ecs("DeleteCommand", delete_command),
    Model::ecs("StopInvocation", stop_invocation),
    Model::ecs("ModifyInvocationAttribute", modify_invocation_attribute),
];

/// A command's timeout when none was set, in seconds.
const DEFAULT_TIMEOUT: i64 = 60;

fn command_not_found(ctx: &Context<'_>) -> ApiError {
    ctx.spec_error(
        "InvalidCmdId.NotFound",
        404,
        "The specified command ID does not exist.",
    )
}

fn invoke_not_found(ctx: &Context<'_>) -> ApiError {
    ctx.spec_error(
        "InvalidInvokeId.NotFound",
        404,
        "The specified invoke ID does not exist.",
    )
}

fn describe_commands(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    // Only the account's own commands exist here: none has a provider.
    if input.str("Provider").is_some_and(|p| !p.is_empty()) {
        return store::page(input, Vec::<Value>::new(), "Commands", |v| v);
    }
    let command_id = input.str("CommandId");
    let name = input.str("Name");
    let kind = input.str("Type");
    let wanted_tags = store::tag_pairs(input, "Tag");
    let plain = input
        .str("ContentEncoding")
        .is_some_and(|e| e.eq_ignore_ascii_case("PlainText"));
    let no_tags = store::Tags::new();
    let mut rows: Vec<Value> = Vec::new();
    for (id, command) in &world.commands.saved {
        let extra = world.store.get(COMMAND_EXTRA, id);
        let tags = extra.map_or(&no_tags, |e| &e.tags);
        let has_tags = wanted_tags.iter().all(|(k, v)| match (tags.get(k), v) {
            (Some(have), Some(want)) => have == want,
            (Some(_), None) => true,
            (None, _) => false,
        });
        if command_id.is_some_and(|c| c != id)
            || name.is_some_and(|n| n != command.name)
            || kind.is_some_and(|k| k != command.kind)
            || !has_tags
        {
            continue;
        }
        let attr = |key: &str| extra.and_then(|e| e.attrs.get(key)).cloned();
        let content = if plain {
            command.content.clone()
        } else {
            base64::engine::general_purpose::STANDARD.encode(&command.content)
        };
        let invoke_times = world
            .commands
            .invocations
            .iter()
            .filter(|i| i.command_id == *id)
            .count();
        rows.push(json!({
            "CommandId": id,
            "Name": command.name,
            "Type": command.kind,
            "CommandContent": content,
            "Description": attr("Description").unwrap_or_else(|| json!("")),
            "WorkingDir": attr("WorkingDir").unwrap_or_else(|| json!("")),
            "Timeout": attr("Timeout").unwrap_or_else(|| json!(DEFAULT_TIMEOUT)),
            "CreationTime": attr("CreationTime").unwrap_or_else(|| json!("")),
            "InvokeTimes": invoke_times,
            "Latest": true,
            "Version": 1,
            "EnableParameter": false,
            "ParameterNames": [],
            "ParameterDefinitions": [],
            "Category": "",
            "Provider": "",
            "ResourceGroupId": "",
            "Tags": store::tag_list(tags, "TagKey", "TagValue"),
        }));
    }
    store::page(input, rows, "Commands", |v| v)
}

fn modify_command(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let region = ctx.region();
    let id = input.str("CommandId").unwrap_or_default().to_owned();
    if !world.commands.saved.contains_key(&id) {
        return Err(command_not_found(ctx));
    }
    let name = input.str("Name");
    if name.is_some_and(|n| n.chars().count() > 128) {
        return Err(ctx.spec_error(
            "CmdName.ExceedLimit",
            403,
            "The length of the command name exceeds the limit.",
        ));
    }
    if input
        .str("Description")
        .is_some_and(|d| d.chars().count() > 512)
    {
        return Err(ctx.spec_error(
            "CmdDesc.ExceedLimit",
            403,
            "The length of the command description exceeds the limit.",
        ));
    }
    // `ModifyCommand` takes the content Base64-encoded; text that is not Base64 is taken as is.
    let content = input.str("CommandContent").map(|raw| {
        base64::engine::general_purpose::STANDARD
            .decode(raw)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_else(|| raw.to_owned())
    });
    if content.as_ref().is_some_and(|c| c.len() > 18 * 1024) {
        return Err(ctx.spec_error(
            "CmdContent.ExceedLimit",
            403,
            "The length of the command content exceeds the limit.",
        ));
    }
    if let Some(command) = world.commands.saved.get_mut(&id) {
        if let Some(name) = name {
            command.name = name.to_owned();
        }
        if let Some(content) = content {
            command.content = content;
        }
    }
    let extra = command_extra(world, &region, &id);
    for key in ["Description", "WorkingDir"] {
        if let Some(value) = input.str(key) {
            extra.set(key, value);
        }
    }
    if let Some(timeout) = input.int("Timeout") {
        extra.set("Timeout", timeout);
    }
    Ok(Map::new())
}

fn delete_command(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("CommandId").unwrap_or_default().to_owned();
    if !world.commands.saved.contains_key(&id) {
        return Err(command_not_found(ctx));
    }
    let duration = world.command_duration;
    let running = world
        .commands
        .invocations
        .iter()
        .filter(|i| i.command_id == id)
        .any(|i| i.overall(duration) == "Running");
    if running {
        return Err(ctx.spec_error(
            "InvalidStatus.CmdIdInUse",
            403,
            "The command is being run and cannot be deleted.",
        ));
    }
    world.commands.saved.remove(&id);
    world.store.remove(COMMAND_EXTRA, &id);
    Ok(Map::new())
}

/// The index of the request's `InvokeId` in `RegionId`, or `InvalidInvokeId.NotFound`.
fn invocation_index(world: &World, ctx: &Context<'_>) -> Result<usize, ApiError> {
    let region = ctx.region();
    let invoke_id = ctx.input.str("InvokeId").unwrap_or_default();
    world
        .commands
        .invocations
        .iter()
        .position(|i| i.invoke_id == invoke_id && i.region == region)
        .ok_or_else(|| invoke_not_found(ctx))
}

fn stop_invocation(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let index = invocation_index(world, ctx)?;
    let only = ctx.input.strings("InstanceId");
    let duration = world.command_duration;
    let invocation = &mut world.commands.invocations[index];
    // Which entries are still running, decided before any changes.
    let running: Vec<bool> = invocation
        .entries
        .iter()
        .map(|e| invocation.seen(e, duration).result.is_none())
        .collect();
    for (entry, running) in invocation.entries.iter_mut().zip(running) {
        if running && (only.is_empty() || only.contains(&entry.instance_id)) {
            entry.result = CommandResult {
                status: "Stopped".into(),
                exit_code: None,
                output: Some(String::new()),
                error_code: None,
                error_info: Some("the invocation was stopped".into()),
                dropped: 0,
            };
        }
    }
    Ok(Map::new())
}

fn modify_invocation_attribute(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let index = invocation_index(world, ctx)?;
    let duration = world.command_duration;
    let invocation = &world.commands.invocations[index];
    for id in ctx.input.strings("InstanceId") {
        if !invocation.entries.iter().any(|e| e.instance_id == id) {
            return Err(ctx.spec_error(
                "InvalidInstanceId.NotFound",
                404,
                "The specified instance does not exist.",
            ));
        }
    }
    if invocation.overall(duration) != "Running" {
        return Err(ctx.spec_error(
            "InvalidOperation.InvokeAlreadyFinished",
            403,
            "The invocation has already finished.",
        ));
    }
    // Every invocation here runs once; only scheduled (repeating) ones can be modified.
    Err(ctx.spec_error(
        "InvalidOperation.RepeatModeUnsupported",
        403,
        "Only invocations that repeat can be modified.",
    ))
}
