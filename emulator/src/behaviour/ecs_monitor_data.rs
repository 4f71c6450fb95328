//! ECS `DescribeInstanceMonitorData`: an instance's CPU, network and disk figures per period,
//! read from the same deterministic series CloudMonitor serves (`cms_series`), so the two
//! products agree on what an instance did: `CPU` is `CPUUtilization`, the bandwidths are
//! `Intranet/InternetIn/OutRate`, disk throughput and IOPS are `DiskRead/Write BPS/IOPS`.
//! `DescribeDiskMonitorData` reads the disk series with the disk's own id, while the disk is
//! attached to a running instance. `DescribeSnapshotMonitorData` adds up, at each period, the
//! source disk sizes of the region's snapshots made by then (of `Category` when given), in
//! bytes: snapshots deleted since are not counted.
//!
//! Like the service: `StartTime`/`EndTime` are UTC timestamps (`…Malformed` otherwise),
//! `Period` is 60, 600 or 3600 seconds (`InvalidPeriod.ValueNotSupported`), one call returns at
//! most 400 points (`InvalidParameter.TooManyDataQueried`), and data goes back 30 days
//! (`InvalidStartTime.TooEarly`). As in CloudMonitor, only a running instance has points. Not
//! modelled: the burstable instances' CPU credit fields.

use std::time::SystemTime;

use serde_json::{Map, Value, json};

use super::cms_metrics::reports;
use super::cms_series::{ECS_NAMESPACE, ecs_metric, epoch_secs, point};
use super::ecs_world::{DISK, SNAPSHOT};
use super::{Context, Model, Outcome};
use crate::clock;
use crate::error::ApiError;
use crate::world::World;

/// The monitoring data actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs(
        "DescribeInstanceMonitorData",
        describe_instance_monitor_data,
    ),
    Model::ecs("DescribeDiskMonitorData", describe_disk_monitor_data),
    Model::ecs(
        "DescribeSnapshotMonitorData",
        describe_snapshot_monitor_data,
    ),
];

const PERIODS: &[u64] = &[60, 600, 3600];
const MAX_POINTS: u64 = 400;
const HISTORY_SECS: u64 = 30 * 86_400;

/// Each output field, the series it reads and how: `Rate` turns a bit/s rate into the kbit/s
/// bandwidth, `Volume` into the kbits moved over the period, `Plain` takes the average.
const FIELDS: &[(&str, &str, Reading)] = &[
    ("CPU", "CPUUtilization", Reading::Plain),
    ("IntranetRX", "IntranetInRate", Reading::Volume),
    ("IntranetTX", "IntranetOutRate", Reading::Volume),
    ("IntranetBandwidth", "IntranetOutRate", Reading::Rate),
    ("InternetRX", "InternetInRate", Reading::Volume),
    ("InternetTX", "InternetOutRate", Reading::Volume),
    ("InternetBandwidth", "InternetOutRate", Reading::Rate),
    ("BPSRead", "DiskReadBPS", Reading::Plain),
    ("BPSWrite", "DiskWriteBPS", Reading::Plain),
    ("IOPSRead", "DiskReadIOPS", Reading::Plain),
    ("IOPSWrite", "DiskWriteIOPS", Reading::Plain),
];

#[derive(Debug, Clone, Copy)]
enum Reading {
    Plain,
    Rate,
    Volume,
}

fn time_param(ctx: &Context<'_>, name: &str, code: &str) -> Result<u64, ApiError> {
    ctx.input
        .str(name)
        .and_then(clock::parse_timestamp)
        .map(epoch_secs)
        .ok_or_else(|| {
            ctx.spec_error(
                code,
                400,
                &format!("The specified {name} is wrongly formed."),
            )
        })
}

/// The period starts a request asks for (checked: timestamps, period, history, point count)
/// and its period.
fn window(ctx: &Context<'_>) -> Result<(Vec<u64>, u64), ApiError> {
    let input = ctx.input;
    let start = time_param(ctx, "StartTime", "InvalidStartTime.Malformed")?;
    let end = time_param(ctx, "EndTime", "InvalidEndTime.Malformed")?;
    let period = input
        .int("Period")
        .map_or(Some(60), |p| u64::try_from(p).ok())
        .filter(|p| PERIODS.contains(p))
        .ok_or_else(|| {
            ctx.spec_error(
                "InvalidPeriod.ValueNotSupported",
                400,
                "The specified Period is not supported: 60, 600 or 3600.",
            )
        })?;
    let now = epoch_secs(ctx.now);
    if start + HISTORY_SECS < now {
        return Err(ctx.spec_error(
            "InvalidStartTime.TooEarly",
            400,
            "The specified StartTime is more than 30 days ago.",
        ));
    }
    let first = start.div_ceil(period) * period;
    let count = end.saturating_sub(first).div_ceil(period);
    if count > MAX_POINTS {
        return Err(ctx.spec_error(
            "InvalidParameter.TooManyDataQueried",
            400,
            "At most 400 points are returned: narrow the time range or raise the period.",
        ));
    }
    Ok(((0..count).map(|n| first + n * period).collect(), period))
}

/// The UTC timestamp of a period start.
fn timestamp(at: u64) -> Value {
    let secs = i64::try_from(at).unwrap_or(i64::MAX);
    json!(clock::rfc3339(clock::shift(SystemTime::UNIX_EPOCH, secs)))
}

fn describe_instance_monitor_data(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let id = input.str("InstanceId").unwrap_or_default();
    let tracked = super::ecs_instances::find(world, ctx, id)?;
    let (starts, period) = window(ctx)?;
    let mut data = Vec::new();
    for at in starts {
        let mut item = Map::new();
        item.insert("InstanceId".into(), json!(id));
        item.insert("TimeStamp".into(), timestamp(at));
        for (field, series, reading) in FIELDS {
            let Some(metric) = ecs_metric(ECS_NAMESPACE, series) else {
                continue;
            };
            if !reports(tracked, metric) {
                continue;
            }
            let average = point(metric, id, at, period).average;
            let value = match reading {
                Reading::Plain => average,
                Reading::Rate => average / 1000.0,
                Reading::Volume => average * period as f64 / 1000.0,
            };
            item.insert((*field).into(), Value::from(value.round() as i64));
        }
        // A stopped instance's periods carry no figures: the service leaves them out.
        if item.len() > 2 {
            data.push(Value::Object(item));
        }
    }
    let mut out = Map::new();
    out.insert("MonitorData".into(), Value::Array(data));
    Ok(out)
}

fn describe_disk_monitor_data(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("DiskId").unwrap_or_default();
    let disk = world.store.get(DISK, id).ok_or_else(|| {
        ctx.spec_error(
            "InvalidDiskId.NotFound",
            404,
            "The specified disk does not exist.",
        )
    })?;
    let (starts, period) = window(ctx)?;
    let instance = disk
        .str("InstanceId")
        .filter(|i| !i.is_empty())
        .and_then(|i| world.get(i));
    let series = |name: &str| {
        ecs_metric(ECS_NAMESPACE, name).filter(|m| instance.is_some_and(|t| reports(t, m)))
    };
    let mut data = Vec::new();
    if let (Some(read_bps), Some(write_bps), Some(read_iops), Some(write_iops)) = (
        series("DiskReadBPS"),
        series("DiskWriteBPS"),
        series("DiskReadIOPS"),
        series("DiskWriteIOPS"),
    ) {
        for at in starts {
            let value = |metric| point(metric, id, at, period).average.round() as i64;
            let (rb, wb) = (value(read_bps), value(write_bps));
            let (ri, wi) = (value(read_iops), value(write_iops));
            data.push(json!({
                "DiskId": id,
                "TimeStamp": timestamp(at),
                "BPSRead": rb,
                "BPSWrite": wb,
                "BPSTotal": rb + wb,
                "IOPSRead": ri,
                "IOPSWrite": wi,
                "IOPSTotal": ri + wi,
            }));
        }
    }
    let mut out = Map::new();
    out.insert("TotalCount".into(), json!(data.len()));
    out.insert("MonitorData".into(), Value::Array(data));
    Ok(out)
}

fn describe_snapshot_monitor_data(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let (starts, _) = window(ctx)?;
    let region = ctx.region();
    let category = ctx.input.str("Category").filter(|c| !c.is_empty());
    // (made at, bytes) of each snapshot of the region.
    let snapshots: Vec<(u64, u64)> = world
        .store
        .iter(SNAPSHOT)
        .filter(|s| s.in_region(&region))
        .filter(|s| {
            category.is_none_or(|c| {
                s.str("Category")
                    .is_some_and(|have| have.eq_ignore_ascii_case(c))
            })
        })
        .filter_map(|s| {
            let made = s.str("CreationTime").and_then(clock::parse_record_time)?;
            let gib = s
                .attrs
                .get("SourceDiskSize")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            Some((epoch_secs(made), gib << 30))
        })
        .collect();
    let data: Vec<Value> = starts
        .iter()
        .map(|at| {
            let size: u64 = snapshots
                .iter()
                .filter(|(made, _)| made <= at)
                .map(|(_, bytes)| bytes)
                .sum();
            json!({"TimeStamp": timestamp(*at), "Size": size})
        })
        .collect();
    let mut out = Map::new();
    out.insert("MonitorData".into(), Value::Array(data));
    Ok(out)
}
