//! ECS `DescribeInstanceMonitorData`: an instance's CPU, network and disk figures per period,
//! read from the same deterministic series CloudMonitor serves (`cms_series`), so the two
//! products agree on what an instance did: `CPU` is `CPUUtilization`, the bandwidths are
//! `Intranet/InternetIn/OutRate`, disk throughput and IOPS are `DiskRead/Write BPS/IOPS`.
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
use super::{Context, Model, Outcome};
use crate::clock;
use crate::error::ApiError;
use crate::world::World;

/// The monitoring data actions.
pub(super) const MODELS: &[Model] = &[Model::ecs(
    "DescribeInstanceMonitorData",
    describe_instance_monitor_data,
)];

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

fn describe_instance_monitor_data(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let id = input.str("InstanceId").unwrap_or_default();
    let tracked = world
        .get(id)
        .filter(|t| input.str("RegionId").is_none_or(|r| t.instance.region == r))
        .ok_or_else(|| {
            ctx.spec_error(
                "InvalidInstanceId.NotFound",
                404,
                "The specified InstanceId does not exist.",
            )
        })?;
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
    let mut data = Vec::new();
    for n in 0..count {
        let at = first + n * period;
        let mut item = Map::new();
        item.insert("InstanceId".into(), json!(id));
        item.insert(
            "TimeStamp".into(),
            json!(clock::rfc3339(clock::shift(
                SystemTime::UNIX_EPOCH,
                at as i64
            ))),
        );
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
