//! CMS 2019-01-01: data export. Outputs name where metric data goes (`PutExporterOutput`,
//! `DescribeExporterOutputList`, `DeleteExporterOutput`); rules say which metric goes to which
//! outputs (`PutExporterRule`, `DescribeExporterRuleList`, `DeleteExporterRule`).
//!
//! Like the service: putting an output or rule with a name that exists replaces it; a rule
//! names 1 to 20 outputs that exist (`ResourceNotFound` otherwise) and its windows are
//! periods in seconds (`60,300`); an output a rule uses is not deleted (`ParameterInvalid`);
//! names are required. Not modelled: nothing is exported. An output's `ConfigJson` is kept;
//! the describe answers the fields the service lists (`ak`, `endpoint`, `logstore`,
//! `project`: never the `as` secret), and the request log shows it as `<redacted>` (the spec
//! marks it `sensitive`).

use serde_json::{Value, json};

use super::cms_common::{epoch_ms, invalid, not_found, ok};
use super::cms_groups::{page, str_list, text};
use super::{Context, Model, Outcome};
use crate::store::Kind;
use crate::world::World;

/// The export actions.
pub(super) const MODELS: &[Model] = &[
    Model::cms("PutExporterOutput", put_output),
    Model::cms("DescribeExporterOutputList", describe_outputs),
    Model::cms("DeleteExporterOutput", delete_output),
    Model::cms("PutExporterRule", put_rule),
    Model::cms("DescribeExporterRuleList", describe_rules),
    Model::cms("DeleteExporterRule", delete_rule),
];

/// Outputs (id: `DestName`).
const OUTPUT: Kind = "cms-exporter-output";
/// Rules (id: `RuleName`).
const RULE: Kind = "cms-exporter-rule";

/// Entries per page when the request names no size, as the service documents it.
const DEFAULT_PAGE_SIZE: i64 = 1000;

/// Stores `attrs` as `name` of `kind`, replacing what was there but keeping its `CreateTime`.
fn put(world: &mut World, ctx: &Context<'_>, kind: Kind, name: &str, attrs: Value) {
    let created = world
        .store
        .remove(kind, name)
        .and_then(|old| old.attrs.get("CreateTime").cloned())
        .unwrap_or_else(|| json!(epoch_ms(ctx.now)));
    let mut attrs = super::ecs_world::obj(attrs);
    attrs.insert("CreateTime".into(), created);
    world.store.insert(kind, name, "", attrs);
}

fn put_output(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let name = text(ctx, "DestName")
        .ok_or_else(|| invalid(ctx, "DestName is mandatory."))?
        .to_owned();
    let config = match ctx.input.json("ConfigJson") {
        Ok(Some(Value::Object(map))) => Value::Object(map),
        Ok(None) => json!({}),
        Ok(Some(_)) | Err(_) => return Err(invalid(ctx, "ConfigJson is a JSON object.")),
    };
    let output = json!({
        "DestName": name,
        "DestType": text(ctx, "DestType").unwrap_or("sls").to_ascii_uppercase(),
        "Desc": text(ctx, "Desc").unwrap_or_default(),
        "ConfigJson": config,
    });
    put(world, ctx, OUTPUT, &name, output);
    Ok(ok())
}

fn describe_outputs(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let rows: Vec<Value> = world.store.iter(OUTPUT).map(|o| o.item()).collect();
    page(ctx, rows, "Datapoints", DEFAULT_PAGE_SIZE, |o| o)
}

fn delete_output(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let name = text(ctx, "DestName")
        .ok_or_else(|| invalid(ctx, "DestName is mandatory."))?
        .to_owned();
    if world.store.get(OUTPUT, &name).is_none() {
        return Err(not_found(ctx, &format!("exporter output {name}")));
    }
    if let Some(rule) = world
        .store
        .iter(RULE)
        .find(|r| str_list(r, "DstName").contains(&name))
    {
        return Err(invalid(
            ctx,
            &format!(
                "Exporter rule {} sends to {name}; delete it first.",
                rule.id
            ),
        ));
    }
    world.store.remove(OUTPUT, &name);
    Ok(ok())
}

fn put_rule(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let name = text(ctx, "RuleName")
        .ok_or_else(|| invalid(ctx, "RuleName is mandatory."))?
        .to_owned();
    let outputs = ctx.input.strings("DstNames");
    if outputs.is_empty() || outputs.len() > 20 {
        return Err(invalid(ctx, "DstNames names 1 to 20 outputs."));
    }
    if let Some(missing) = outputs
        .iter()
        .find(|o| world.store.get(OUTPUT, o).is_none())
    {
        return Err(not_found(ctx, &format!("exporter output {missing}")));
    }
    let windows = text(ctx, "TargetWindows").unwrap_or("60");
    if windows
        .split(',')
        .any(|w| w.trim().parse::<u32>().map_or(true, |s| s == 0))
    {
        return Err(invalid(
            ctx,
            "TargetWindows are periods in seconds, as 60,300.",
        ));
    }
    let rule = json!({
        "RuleName": name,
        "Namespace": text(ctx, "Namespace").unwrap_or("acs_ecs_dashboard"),
        "MetricName": text(ctx, "MetricName").unwrap_or_default(),
        "TargetWindows": windows,
        "Describe": text(ctx, "Describe").unwrap_or_default(),
        "DstName": outputs,
        "Dimension": "",
        "Enabled": true,
    });
    put(world, ctx, RULE, &name, rule);
    Ok(ok())
}

fn describe_rules(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let rows: Vec<Value> = world.store.iter(RULE).map(|r| r.item()).collect();
    page(ctx, rows, "Datapoints", DEFAULT_PAGE_SIZE, |r| r)
}

fn delete_rule(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let name = text(ctx, "RuleName")
        .ok_or_else(|| invalid(ctx, "RuleName is mandatory."))?
        .to_owned();
    world
        .store
        .remove(RULE, &name)
        .ok_or_else(|| not_found(ctx, &format!("exporter rule {name}")))?;
    Ok(ok())
}
