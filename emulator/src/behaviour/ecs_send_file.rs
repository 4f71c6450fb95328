//! The cloud assistant's file delivery: `SendFile` writes one file to a directory of some
//! instances, `DescribeSendFileResults` reports each delivery per instance.
//!
//! Like the service: every instance must exist in the region (`InvalidInstance.NotFound`,
//! the call fails as a whole); an instance that is not running, or has no cloud assistant,
//! fails at once (`InstanceNotRunning`, `ClientNotRunning`); the others read `Running` for the
//! world's command run time (tokio time), then `Success`. A file already delivered to the same
//! directory of an instance fails there with `FileAlreadyExists` unless `Overwrite` is set.
//! The content is at most 32 KiB once decoded (`FileSize.ExceedLimit`; in a query string, the
//! 32 KiB limit on the whole query refuses such a request first), `Base64` content must
//! decode (`FileContent.DecodeError`), the directory is absolute (`FileTargetDir.Invalid`) and
//! the mode octal (`FileMode.Invalid`). Nothing is written anywhere.

use base64::Engine as _;
use serde_json::{Value, json};

use super::ecs_commands::{self, unreachable_reason};
use super::ecs_world::obj;
use super::{Context, Model, Outcome};
use crate::clock;
use crate::error::ApiError;
use crate::store::{self, Kind, Query, Resource};
use crate::world::World;

/// The file delivery actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("SendFile", send_file),
    Model::ecs("DescribeSendFileResults", describe_send_file_results),
];

/// File deliveries (`f-…`): the describe fields and, per instance, `_Deliveries`.
const SEND_FILE: Kind = "send-file";
/// Per instance: `{"InstanceId", "ErrorCode", "ErrorInfo"}`; a failure when `ErrorCode` is set.
const DELIVERIES: &str = "_Deliveries";
/// When the deliveries that run are done, on [`clock::tick`]'s scale.
const READY_AT: &str = "_ReadyAtMs";
/// The same moment on the emulator's wall clock, RFC 3339.
const FINISHES_AT: &str = "_FinishesAt";

/// The largest file the cloud assistant delivers, decoded.
const MAX_CONTENT_BYTES: usize = 32 * 1024;
const MAX_NAME_CHARS: usize = 255;
const MAX_DESCRIPTION_CHARS: usize = 512;

/// The file content as bytes (`ContentType=Base64` decoded), checked.
fn content(ctx: &Context<'_>) -> Result<Vec<u8>, ApiError> {
    let input = ctx.input;
    let raw = input.str("Content").unwrap_or_default();
    let bytes = match input.str("ContentType").unwrap_or("PlainText") {
        "PlainText" => raw.as_bytes().to_vec(),
        "Base64" => base64::engine::general_purpose::STANDARD
            .decode(raw)
            .map_err(|_| {
                ctx.spec_error(
                    "FileContent.DecodeError",
                    400,
                    "The file content is not valid Base64.",
                )
            })?,
        _ => {
            return Err(ctx.spec_error(
                "FileContentType.Invalid",
                400,
                "ContentType is PlainText or Base64.",
            ));
        }
    };
    if bytes.len() > MAX_CONTENT_BYTES {
        return Err(ctx.spec_error(
            "FileSize.ExceedLimit",
            403,
            "The file is larger than 32 KiB.",
        ));
    }
    Ok(bytes)
}

/// An absolute directory: `/…` on Linux, `C:\…` on Windows.
fn is_absolute_dir(dir: &str) -> bool {
    let bytes = dir.as_bytes();
    dir.starts_with('/')
        || (bytes.len() >= 3
            && bytes[0].is_ascii_alphabetic()
            && bytes[1] == b':'
            && (bytes[2] == b'\\' || bytes[2] == b'/'))
}

/// A file mode: three or four octal digits (`0644`).
fn is_file_mode(mode: &str) -> bool {
    (3..=4).contains(&mode.len()) && mode.bytes().all(|b| (b'0'..=b'7').contains(&b))
}

/// The name, description, directory and mode, checked.
fn check_file(ctx: &Context<'_>) -> Result<(), ApiError> {
    let input = ctx.input;
    if input.str("Name").unwrap_or_default().chars().count() > MAX_NAME_CHARS {
        return Err(ctx.spec_error(
            "FileName.ExceedLimit",
            403,
            "The file name is longer than 255 characters.",
        ));
    }
    if input.str("Description").unwrap_or_default().chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(ctx.spec_error(
            "FileDesc.ExceedLimit",
            403,
            "The description is longer than 512 characters.",
        ));
    }
    if !is_absolute_dir(input.str("TargetDir").unwrap_or_default()) {
        return Err(ctx.spec_error(
            "FileTargetDir.Invalid",
            400,
            "TargetDir is an absolute directory.",
        ));
    }
    if input.str("FileMode").is_some_and(|m| !is_file_mode(m)) {
        return Err(ctx.spec_error(
            "FileMode.Invalid",
            400,
            "FileMode is three or four octal digits.",
        ));
    }
    Ok(())
}

/// Whether a delivery of file `name` to `dir` of `instance` succeeded before.
fn delivered(world: &World, instance: &str, dir: &str, name: &str) -> bool {
    world.store.iter(SEND_FILE).any(|send| {
        send.str("TargetDir") == Some(dir)
            && send.str("Name") == Some(name)
            && deliveries(send).iter().any(|d| {
                d.get("InstanceId").and_then(Value::as_str) == Some(instance)
                    && d.get("ErrorCode").is_none_or(Value::is_null)
            })
    })
}

fn deliveries(send: &Resource) -> &[Value] {
    send.attrs
        .get(DELIVERIES)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn failure(instance: &str, code: &str, info: &str) -> Value {
    json!({"InstanceId": instance, "ErrorCode": code, "ErrorInfo": info})
}

fn send_file(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let region = ctx.region();
    let ids = ecs_commands::target_instances(world, ctx)?;
    check_file(ctx)?;
    content(ctx)?;
    super::ecs_disks::check_tags(ctx)?;

    let dir = input.str("TargetDir").unwrap_or_default();
    let name = input.str("Name").unwrap_or_default();
    let overwrite = input.bool("Overwrite").unwrap_or(false);
    let results: Vec<Value> = ids
        .iter()
        .map(
            |id| match world.get(id).and_then(|t| unreachable_reason(&t.instance)) {
                Some((code, info)) => failure(id, code, info),
                None if !overwrite && delivered(world, id, dir, name) => failure(
                    id,
                    "FileAlreadyExists",
                    "A file of that name is in the directory; set Overwrite to replace it.",
                ),
                _ => json!({"InstanceId": id, "ErrorCode": null, "ErrorInfo": null}),
            },
        )
        .collect();
    let id = world.store.new_id("f-", &region);
    let now = clock::rfc3339(ctx.now);
    let row = world.store.insert(
        SEND_FILE,
        &id,
        &region,
        obj(json!({
            "InvokeId": id,
            "Name": name,
            "Description": input.str("Description").unwrap_or_default(),
            "Content": input.str("Content").unwrap_or_default(),
            "ContentType": input.str("ContentType").unwrap_or("PlainText"),
            "TargetDir": dir,
            "FileOwner": input.str("FileOwner").unwrap_or("root"),
            "FileGroup": input.str("FileGroup").unwrap_or("root"),
            "FileMode": input.str("FileMode").unwrap_or("0644"),
            "Overwrite": overwrite.to_string(),
            "CreationTime": now,
            "VmCount": ids.len(),
            "ResourceGroupId": input.str("ResourceGroupId").unwrap_or_default(),
            DELIVERIES: results,
            READY_AT: clock::tick_after(world.command_duration),
            FINISHES_AT: clock::rfc3339(clock::shift(
                ctx.now,
                i64::try_from(world.command_duration.as_secs()).unwrap_or(i64::MAX),
            )),
        })),
    );
    store::apply_tags(&mut row.tags, input, "Tag");
    Ok(obj(json!({ "InvokeId": id })))
}

/// A delivery's describe item, with its per-instance results as they stand now.
fn send_item(send: &Resource) -> Value {
    let done = send
        .attrs
        .get(READY_AT)
        .and_then(Value::as_u64)
        .is_some_and(|at| at <= clock::tick());
    let created = send.str("CreationTime").unwrap_or_default();
    let instances: Vec<Value> = deliveries(send)
        .iter()
        .map(|d| {
            let failed = d.get("ErrorCode").is_some_and(|c| !c.is_null());
            let status = match (failed, done) {
                (true, _) => "Failed",
                (false, true) => "Success",
                (false, false) => "Running",
            };
            let finished = match (failed, done) {
                (true, _) => created,
                (false, true) => send.str(FINISHES_AT).unwrap_or(created),
                (false, false) => "",
            };
            json!({
                "InstanceId": d.get("InstanceId"),
                "InvocationStatus": status,
                "ErrorCode": d.get("ErrorCode").cloned().unwrap_or(Value::Null),
                "ErrorInfo": d.get("ErrorInfo").cloned().unwrap_or(Value::Null),
                "CreationTime": created,
                "StartTime": created,
                "UpdateTime": created,
                "FinishTime": finished,
            })
        })
        .collect();
    let statuses: Vec<&str> = instances
        .iter()
        .filter_map(|i| i.get("InvocationStatus").and_then(Value::as_str))
        .collect();
    let overall = if statuses.contains(&"Running") {
        "Running"
    } else if statuses.iter().all(|s| *s == "Success") {
        "Success"
    } else if statuses.iter().all(|s| *s == "Failed") {
        "Failed"
    } else {
        "PartialFailed"
    };
    let mut item = send.item();
    item["InvocationStatus"] = json!(overall);
    item["InvokeInstances"] = Value::Array(instances);
    item
}

fn describe_send_file_results(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let query = Query::new(input)
        .eq("InvokeId", input.str("InvokeId"))
        .param(input, "Name", "Name")
        .param(input, "ResourceGroupId", "ResourceGroupId")
        .tags(input, "Tag");
    let instance = input.str("InstanceId").filter(|i| !i.is_empty());
    let status = input.str("InvocationStatus").filter(|s| !s.is_empty());
    let items: Vec<Value> = query
        .select(world.store.iter(SEND_FILE))
        .into_iter()
        .filter(|send| {
            instance.is_none_or(|id| {
                deliveries(send)
                    .iter()
                    .any(|d| d.get("InstanceId").and_then(Value::as_str) == Some(id))
            })
        })
        .map(send_item)
        .filter(|item| status.is_none_or(|s| item["InvocationStatus"] == json!(s)))
        .collect();
    store::page(input, items, "Invocations", |item| item)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_and_modes() {
        assert!(is_absolute_dir("/home/user"));
        assert!(is_absolute_dir("C:\\Windows"));
        assert!(!is_absolute_dir("home/user"));
        assert!(!is_absolute_dir(""));
        assert!(is_file_mode("0644") && is_file_mode("755"));
        assert!(!is_file_mode("0844") && !is_file_mode("64") && !is_file_mode("rw-"));
    }
}
