//! ECS: the cloud assistant's commands. `CreateCommand` saves one; `RunCommand` (a command
//! given inline) and `InvokeCommand` (a saved one) create an invocation with one result per
//! instance; `DescribeInvocationResults` and `DescribeInvocations` report them, paged.
//!
//! Like the real service: every instance must exist in `RegionId` or the call fails with
//! `InvalidInstance.NotFound`; an instance that is not running, or has no cloud assistant,
//! gets a `Failed` result at once (`InstanceNotRunning`, `ClientNotRunning`); a repeated
//! `ClientToken` answers the first request's invocation instead of running again, and
//! `IdempotentParameterMismatch` if the parameters changed. Nothing is executed (see
//! [`crate::commands`]).

use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::{Context, Model, Outcome, paging};
use crate::clock;
use crate::commands::{CommandResult, Entry, Invocation, SavedCommand};
use crate::error::ApiError;
use crate::world::{CloudAssistantState, Instance, InstanceStatus, World};

/// The cloud assistant's commands and invocations.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("CreateCommand", create_command),
    Model::ecs("RunCommand", run_command),
    Model::ecs("InvokeCommand", invoke_command),
    Model::ecs("DescribeInvocationResults", describe_invocation_results),
    Model::ecs("DescribeInvocations", describe_invocations),
];

/// The command types the cloud assistant runs.
const COMMAND_TYPES: [&str; 3] = ["RunShellScript", "RunBatScript", "RunPowerShellScript"];

/// The command content as plain text (`ContentEncoding=Base64` content decoded).
fn content(ctx: &Context<'_>) -> Result<String, ApiError> {
    let raw = ctx.input.str("CommandContent").unwrap_or_default();
    if !ctx
        .input
        .str("ContentEncoding")
        .is_some_and(|e| e.eq_ignore_ascii_case("Base64"))
    {
        return Ok(raw.to_owned());
    }
    base64::engine::general_purpose::STANDARD
        .decode(raw)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| {
            ctx.spec_error(
                "CmdContent.DecodeError",
                400,
                "The CommandContent is not valid Base64.",
            )
        })
}

/// The command from `CreateCommand` or `RunCommand` parameters.
fn command_from_params(ctx: &Context<'_>) -> Result<SavedCommand, ApiError> {
    let kind = ctx.input.str("Type").unwrap_or_default();
    if !COMMAND_TYPES.contains(&kind) {
        return Err(ctx.spec_error(
            "InvalidCmdType.NotFound",
            404,
            "The specified command type does not exist.",
        ));
    }
    Ok(SavedCommand {
        name: ctx.input.str("Name").unwrap_or_default().to_owned(),
        kind: kind.to_owned(),
        content: content(ctx)?,
    })
}

pub(super) fn create_command(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let command = command_from_params(ctx)?;
    let id = world.commands.new_id("c-");
    world.commands.saved.insert(id.clone(), command);
    let mut out = Map::new();
    out.insert("CommandId".into(), json!(id));
    Ok(out)
}

pub(super) fn run_command(world: &mut World, ctx: &Context<'_>) -> Outcome {
    idempotent(world, ctx, |world, ctx| {
        let command = command_from_params(ctx)?;
        let command_id = world.commands.new_id("c-");
        if ctx.input.bool("KeepCommand").unwrap_or(false) {
            world
                .commands
                .saved
                .insert(command_id.clone(), command.clone());
        }
        invoke(world, ctx, command_id, command)
    })
}

pub(super) fn invoke_command(world: &mut World, ctx: &Context<'_>) -> Outcome {
    idempotent(world, ctx, |world, ctx| {
        let command_id = ctx.input.str("CommandId").unwrap_or_default().to_owned();
        let Some(command) = world.commands.saved.get(&command_id).cloned() else {
            return Err(ctx.spec_error(
                "InvalidCmdId.NotFound",
                404,
                "The specified command ID does not exist.",
            ));
        };
        invoke(world, ctx, command_id, command)
    })
}

/// Runs `act` unless the request's `ClientToken` was seen: then answers what the first
/// request got (or `IdempotentParameterMismatch` if the parameters differ).
fn idempotent(
    world: &mut World,
    ctx: &Context<'_>,
    act: impl FnOnce(&mut World, &Context<'_>) -> Outcome,
) -> Outcome {
    let Some(token) = ctx.input.str("ClientToken").filter(|t| !t.is_empty()) else {
        return act(world, ctx);
    };
    // Everything but the token itself decides whether it is the same request.
    let fingerprint = ctx.input.fingerprint_without("ClientToken");
    let action = ctx.op.name.as_str();
    match world.commands.replay(action, token, &fingerprint) {
        Ok(Some(answer)) => Ok(answer),
        Ok(None) => {
            let answer = act(world, ctx)?;
            world.commands.remember(action, token, fingerprint, &answer);
            Ok(answer)
        }
        Err(()) => Err(ctx.spec_error(
            "IdempotentParameterMismatch",
            403,
            "The specified parameters are different from before with the same ClientToken.",
        )),
    }
}

/// The request's `InstanceId.N` (each once), every one an instance of the region: the call
/// succeeds or fails as a whole (`MissingParam.InstanceId`, `InvalidInstance.NotFound`).
pub(super) fn target_instances(world: &World, ctx: &Context<'_>) -> Result<Vec<String>, ApiError> {
    let region = ctx.input.str("RegionId").unwrap_or_default();
    let mut ids = ctx.input.strings("InstanceId");
    let mut seen = std::collections::BTreeSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    if ids.is_empty() {
        return Err(ctx.spec_error(
            "MissingParam.InstanceId",
            400,
            "The parameter InstanceId is required.",
        ));
    }
    if ids
        .iter()
        .any(|id| world.get(id).is_none_or(|t| t.instance.region != region))
    {
        return Err(ctx.spec_error(
            "InvalidInstance.NotFound",
            404,
            "The specified instance does not exist.",
        ));
    }
    Ok(ids)
}

/// Why the cloud assistant cannot reach `instance` (error code and text), if it cannot.
pub(super) fn unreachable_reason(instance: &Instance) -> Option<(&'static str, &'static str)> {
    if instance.status != InstanceStatus::Running {
        Some(("InstanceNotRunning", "The instance is not running."))
    } else if instance.cloud_assistant != CloudAssistantState::Installed {
        Some((
            "ClientNotRunning",
            "The Cloud Assistant client is not running on the instance.",
        ))
    } else {
        None
    }
}

/// Creates an invocation of `command` on the request's instances.
fn invoke(
    world: &mut World,
    ctx: &Context<'_>,
    command_id: String,
    command: SavedCommand,
) -> Outcome {
    let region = ctx.input.str("RegionId").unwrap_or_default().to_owned();
    let ids = target_instances(world, ctx)?;
    let entries = ids
        .into_iter()
        .map(|id| {
            let instance = world.get(&id).map(|t| t.instance.clone());
            let result = match instance {
                Some(i) => match unreachable_reason(&i) {
                    Some((code, info)) => CommandResult::error("Failed", code, info),
                    None => i.command_result.unwrap_or_default(),
                },
                None => CommandResult::error(
                    "Failed",
                    "InstanceNotExists",
                    "The instance does not exist.",
                ),
            };
            Entry {
                instance_id: id,
                result,
            }
        })
        .collect();
    let invoke_id = world.commands.new_id("t-");
    world.commands.invocations.push(Invocation {
        invoke_id: invoke_id.clone(),
        command_id: command_id.clone(),
        command,
        region,
        started: tokio::time::Instant::now(),
        start_time: clock::rfc3339(ctx.now),
        entries,
    });
    let mut out = Map::new();
    if ctx.op.name == "RunCommand" {
        out.insert("CommandId".into(), json!(command_id));
    }
    out.insert("InvokeId".into(), json!(invoke_id));
    Ok(out)
}

/// Whether outputs go out as they are (`ContentEncoding=PlainText`) rather than Base64.
fn plain_text(ctx: &Context<'_>) -> bool {
    ctx.input
        .str("ContentEncoding")
        .is_some_and(|e| e.eq_ignore_ascii_case("PlainText"))
}

fn encode_output(text: &str, plain: bool) -> String {
    if plain {
        text.to_owned()
    } else {
        base64::engine::general_purpose::STANDARD.encode(text)
    }
}

/// One instance's result as `DescribeInvocationResults` and `DescribeInvocations` show it.
fn result_fields(
    invocation: &Invocation,
    entry: &Entry,
    duration: std::time::Duration,
    plain: bool,
) -> Map<String, Value> {
    let seen = invocation.seen(entry, duration);
    let mut item = Map::new();
    item.insert("InstanceId".into(), json!(entry.instance_id));
    item.insert("InvocationStatus".into(), json!(seen.status));
    item.insert("StartTime".into(), json!(invocation.start_time));
    item.insert("Repeats".into(), json!(1));
    item.insert("Dropped".into(), json!(0));
    item.insert("Output".into(), json!(""));
    if let Some(result) = seen.result {
        let output = invocation.output(entry, result);
        item.insert("Output".into(), json!(encode_output(&output, plain)));
        item.insert("Dropped".into(), json!(result.dropped));
        if let Some(code) = result.exit_code {
            item.insert("ExitCode".into(), json!(code));
        }
        item.insert(
            "ErrorCode".into(),
            json!(result.error_code.clone().unwrap_or_default()),
        );
        item.insert(
            "ErrorInfo".into(),
            json!(result.error_info.clone().unwrap_or_default()),
        );
        item.insert("FinishedTime".into(), json!(invocation.start_time));
    }
    item.insert("InvokeRecordStatus".into(), json!(seen.record_status));
    item
}

/// The invocations in the request's `RegionId`, filtered by its `InvokeId` and `CommandId`,
/// oldest first.
fn selected<'a>(world: &'a World, ctx: &Context<'a>) -> impl Iterator<Item = &'a Invocation> {
    let region = ctx.input.str("RegionId").unwrap_or_default();
    let invoke_id = ctx.input.str("InvokeId");
    let command_id = ctx.input.str("CommandId");
    world
        .commands
        .invocations
        .iter()
        .filter(move |i| i.region == region)
        .filter(move |i| invoke_id.is_none_or(|id| i.invoke_id == id))
        .filter(move |i| command_id.is_none_or(|id| i.command_id == id))
}

pub(super) fn describe_invocation_results(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let instance_id = input.str("InstanceId");
    let record_status = input.str("InvokeRecordStatus");
    let plain = plain_text(ctx);
    let duration = world.command_duration;
    let matching: Vec<Value> = selected(world, ctx)
        .flat_map(|invocation| {
            invocation
                .entries
                .iter()
                .filter(move |e| instance_id.is_none_or(|id| e.instance_id == id))
                .map(move |entry| {
                    let mut item = result_fields(invocation, entry, duration, plain);
                    item.insert("InvokeId".into(), json!(invocation.invoke_id));
                    item.insert("CommandId".into(), json!(invocation.command_id));
                    item
                })
        })
        .filter(|item| record_status.is_none_or(|s| item["InvokeRecordStatus"] == s))
        .map(Value::Object)
        .collect();
    let mut page = Map::new();
    let (offset, size) = paging::window(input, matching.len(), &mut page)?;
    let items: Vec<Value> = matching.into_iter().skip(offset).take(size).collect();
    page.insert("InvocationResults".into(), Value::Array(items));
    let mut out = Map::new();
    out.insert("Invocation".into(), Value::Object(page));
    Ok(out)
}

pub(super) fn describe_invocations(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let instance_id = input.str("InstanceId");
    let status = input.str("InvokeStatus");
    let include_output = input.bool("IncludeOutput").unwrap_or(false);
    let plain = plain_text(ctx);
    let duration = world.command_duration;
    let mut newest_first: Vec<&Invocation> = selected(world, ctx).collect();
    newest_first.reverse(); // as the service lists them
    let matching: Vec<Value> = newest_first
        .into_iter()
        .filter(|i| instance_id.is_none_or(|id| i.entries.iter().any(|e| e.instance_id == id)))
        .filter(|i| status.is_none_or(|s| i.overall(duration) == s))
        .map(|invocation| {
            let instances: Vec<Value> = invocation
                .entries
                .iter()
                .map(|entry| {
                    let mut item = result_fields(invocation, entry, duration, plain);
                    if !include_output {
                        item.remove("Output");
                    }
                    let seen = invocation.seen(entry, duration);
                    item.insert("InstanceInvokeStatus".into(), json!(seen.status));
                    item.insert("CreationTime".into(), json!(invocation.start_time));
                    Value::Object(item)
                })
                .collect();
            let overall = invocation.overall(duration);
            let command = &invocation.command;
            json!({
                "InvokeId": invocation.invoke_id,
                "CommandId": invocation.command_id,
                "CommandName": command.name,
                "CommandType": command.kind,
                "CommandContent": base64::engine::general_purpose::STANDARD.encode(&command.content),
                "CreationTime": invocation.start_time,
                "InvocationStatus": overall,
                "InvokeStatus": overall,
                "RepeatMode": "Once",
                "Timed": false,
                "InvokeInstances": instances,
            })
        })
        .collect();
    let mut out = Map::new();
    let (offset, size) = paging::window(input, matching.len(), &mut out)?;
    let page: Vec<Value> = matching.into_iter().skip(offset).take(size).collect();
    out.insert("Invocations".into(), Value::Array(page));
    Ok(out)
}
