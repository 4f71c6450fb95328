//! What every CloudMonitor 2019-01-01 family shares: the success envelope (`Code` 200,
//! `Success` true; `render::shape` writes `Code` as text or number, as each action's spec types
//! it), the documented refusals in the envelope, and the parameter forms CloudMonitor uses
//! (`Dimensions` as JSON text, times as milliseconds or `YYYY-MM-DD hh:mm:ss`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use super::Context;
use crate::error::ApiError;

/// The body of a successful answer, before the action's own fields.
pub(crate) fn ok() -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("Code".into(), json!(200));
    out.insert("Success".into(), json!(true));
    out
}

/// [`ok`] with `key` set to `value`.
pub(crate) fn ok_with(key: &str, value: Value) -> Map<String, Value> {
    let mut out = ok();
    out.insert(key.to_owned(), value);
    out
}

/// `ResourceNotFound` (404) naming what is missing; answered in the envelope (HTTP 200,
/// `Success` false) as CloudMonitor does for client errors.
pub(crate) fn not_found(ctx: &Context<'_>, what: &str) -> ApiError {
    refusal(
        ctx,
        "ResourceNotFound",
        404,
        &format!("The specified resource is not found: {what}."),
    )
}

/// `ResourceExist` (409): a name or id already taken.
pub(crate) fn already_exists(ctx: &Context<'_>, what: &str) -> ApiError {
    refusal(
        ctx,
        "ResourceExist",
        409,
        &format!("The resource already exists: {what}."),
    )
}

/// The action's documented `code` (its status as the spec gives it, else `status`) with our
/// `message`, which says what exactly was wrong.
pub(crate) fn refusal(ctx: &Context<'_>, code: &str, status: u16, message: &str) -> ApiError {
    let mut error = ctx.spec_error(code, status, message);
    error.message = message.to_owned();
    error
}

/// `InvalidParameterValue` (400) with the reason.
pub(crate) fn invalid_value(ctx: &Context<'_>, why: &str) -> ApiError {
    refusal(ctx, "InvalidParameterValue", 400, why)
}

/// `ParameterInvalid` (400) with the reason.
pub(crate) fn invalid(ctx: &Context<'_>, why: &str) -> ApiError {
    let code = if ctx.op.errors.iter().any(|e| e.code == "InvalidParameter") {
        "InvalidParameter"
    } else {
        "ParameterInvalid"
    };
    refusal(ctx, code, 400, why)
}

/// The items of list parameter `name`; a value that arrived alone (one structure, one id)
/// counts as a list of one.
pub(crate) fn list_items(ctx: &Context<'_>, name: &str) -> Vec<Value> {
    match ctx.input.get(name) {
        Some(Value::Array(items)) => items.clone(),
        None | Some(Value::Null) => Vec::new(),
        Some(one) => vec![one.clone()],
    }
}

/// The objects of a `Dimensions` parameter (JSON text: one object or an array of them); an
/// empty list when absent, `Err` when it is not JSON of that shape.
pub(crate) fn dimensions(
    ctx: &Context<'_>,
    param: &str,
) -> Result<Vec<Map<String, Value>>, ApiError> {
    let value = match ctx.input.json(param) {
        Ok(None) => return Ok(Vec::new()),
        Ok(Some(value)) => value,
        Err(_) => return Err(invalid(ctx, &format!("{param} is not valid JSON."))),
    };
    match value {
        Value::Object(map) => Ok(vec![map]),
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::Object(map) => Ok(map),
                _ => Err(invalid(ctx, &format!("{param} must hold JSON objects."))),
            })
            .collect(),
        _ => Err(invalid(
            ctx,
            &format!("{param} must be a JSON object or array."),
        )),
    }
}

/// The `instanceId`s named by a `Dimensions` parameter (`None`: no instance filter).
pub(crate) fn dimension_instances(
    ctx: &Context<'_>,
    param: &str,
) -> Result<Option<Vec<String>>, ApiError> {
    let ids: Vec<String> = dimensions(ctx, param)?
        .iter()
        .filter_map(|d| {
            d.get("instanceId")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect();
    Ok((!ids.is_empty()).then_some(ids))
}

/// A CloudMonitor time: milliseconds since the epoch, `YYYY-MM-DD hh:mm:ss` (UTC+8, the
/// console's zone, as the service reads it) or RFC 3339.
pub(crate) fn parse_time(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    if let Ok(ms) = text.parse::<u64>() {
        return Some(UNIX_EPOCH + Duration::from_millis(ms));
    }
    if let Some(t) = crate::clock::parse_timestamp(text) {
        return Some(t);
    }
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let local = time::PrimitiveDateTime::parse(text, &format).ok()?;
    let utc = local.assume_offset(time::macros::offset!(+8));
    let secs = u64::try_from(utc.unix_timestamp()).ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(secs))
}

/// The time parameter `param` (`default` when absent), refusing text that is not a time.
pub(crate) fn time_param(
    ctx: &Context<'_>,
    param: &str,
    default: SystemTime,
) -> Result<SystemTime, ApiError> {
    match ctx.input.str(param).filter(|t| !t.is_empty()) {
        None => Ok(default),
        Some(text) => parse_time(text)
            .ok_or_else(|| invalid(ctx, &format!("{param} is not a valid time: {text}."))),
    }
}

/// Milliseconds since the epoch of `t`.
pub(crate) fn epoch_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_every_form() {
        let t = parse_time("1548777660000").unwrap();
        assert_eq!(epoch_ms(t), 1_548_777_660_000);
        let local = parse_time("2019-01-30 00:01:00").unwrap();
        assert_eq!(epoch_ms(local), 1_548_777_660_000);
        assert!(parse_time("2019-01-29T16:01:00Z").is_some());
        assert!(parse_time("yesterday").is_none());
    }
}
