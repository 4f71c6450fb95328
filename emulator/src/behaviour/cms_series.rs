//! CloudMonitor's metric data for the world's instances: the `acs_ecs_dashboard` metrics users
//! read most, as deterministic, plausible series. A point depends only on the metric, the
//! instance and the period-aligned time, so every read of the same minute agrees (the latest
//! point, a list over a range, a top-N, an alert rule evaluating a threshold), and each
//! instance has its own level and daily wave.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::store::stable_hash;

/// The account id CloudMonitor's points carry.
pub(crate) const USER_ID: &str = "1234567898765432";

/// The namespace of the ECS metrics.
pub(crate) const ECS_NAMESPACE: &str = "acs_ecs_dashboard";

/// One metric of [`ECS_METRICS`].
#[derive(Debug)]
pub(crate) struct Metric {
    pub(crate) name: &'static str,
    pub(crate) unit: &'static str,
    pub(crate) description: &'static str,
    /// The smallest period, in seconds (coarser multiples are allowed).
    pub(crate) period: u64,
    /// Whether the agent reports it (`cpu_total`, `memory_*`, `load_*`, ...); the others come
    /// from the hypervisor and exist for every running instance.
    pub(crate) needs_agent: bool,
    /// The series' range: `low` .. `high` (a rate has no fixed top; `high` is its typical peak).
    pub(crate) low: f64,
    pub(crate) high: f64,
}

const fn metric(
    name: &'static str,
    unit: &'static str,
    description: &'static str,
    period: u64,
    needs_agent: bool,
    low: f64,
    high: f64,
) -> Metric {
    Metric {
        name,
        unit,
        description,
        period,
        needs_agent,
        low,
        high,
    }
}

/// The `acs_ecs_dashboard` metrics the world produces.
pub(crate) const ECS_METRICS: &[Metric] = &[
    metric(
        "CPUUtilization",
        "%",
        "CPU utilization of the instance",
        60,
        false,
        2.0,
        95.0,
    ),
    metric(
        "cpu_total",
        "%",
        "Total CPU usage reported by the agent",
        60,
        true,
        2.0,
        95.0,
    ),
    metric(
        "cpu_idle",
        "%",
        "Idle CPU reported by the agent",
        60,
        true,
        5.0,
        98.0,
    ),
    metric("cpu_system", "%", "System CPU usage", 60, true, 0.5, 20.0),
    metric("cpu_user", "%", "User CPU usage", 60, true, 1.0, 75.0),
    metric(
        "memory_usedutilization",
        "%",
        "Memory usage",
        60,
        true,
        10.0,
        90.0,
    ),
    metric(
        "memory_freeutilization",
        "%",
        "Free memory",
        60,
        true,
        10.0,
        90.0,
    ),
    metric(
        "diskusage_utilization",
        "%",
        "Disk usage of a mount point",
        60,
        true,
        5.0,
        85.0,
    ),
    metric(
        "load_1m",
        "count",
        "System load, 1 minute",
        60,
        true,
        0.0,
        4.0,
    ),
    metric(
        "load_5m",
        "count",
        "System load, 5 minutes",
        60,
        true,
        0.0,
        3.5,
    ),
    metric(
        "load_15m",
        "count",
        "System load, 15 minutes",
        60,
        true,
        0.0,
        3.0,
    ),
    metric(
        "net_tcpconnection",
        "count",
        "TCP connections",
        60,
        true,
        20.0,
        900.0,
    ),
    metric(
        "IntranetInRate",
        "bit/s",
        "Inbound private traffic rate",
        60,
        false,
        1_000.0,
        5_000_000.0,
    ),
    metric(
        "IntranetOutRate",
        "bit/s",
        "Outbound private traffic rate",
        60,
        false,
        1_000.0,
        5_000_000.0,
    ),
    metric(
        "InternetInRate",
        "bit/s",
        "Inbound public traffic rate",
        60,
        false,
        0.0,
        1_000_000.0,
    ),
    metric(
        "InternetOutRate",
        "bit/s",
        "Outbound public traffic rate",
        60,
        false,
        0.0,
        1_000_000.0,
    ),
    metric(
        "DiskReadBPS",
        "Byte/s",
        "Disk read throughput",
        60,
        false,
        0.0,
        50_000_000.0,
    ),
    metric(
        "DiskWriteBPS",
        "Byte/s",
        "Disk write throughput",
        60,
        false,
        1_000.0,
        80_000_000.0,
    ),
    metric(
        "DiskReadIOPS",
        "count/s",
        "Disk read operations",
        60,
        false,
        0.0,
        3_000.0,
    ),
    metric(
        "DiskWriteIOPS",
        "count/s",
        "Disk write operations",
        60,
        false,
        1.0,
        5_000.0,
    ),
];

/// The metric `name` of namespace `namespace`, if the world produces it.
pub(crate) fn ecs_metric(namespace: &str, name: &str) -> Option<&'static Metric> {
    (namespace == ECS_NAMESPACE)
        .then(|| ECS_METRICS.iter().find(|m| m.name == name))
        .flatten()
}

/// One aggregated point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Point {
    /// Start of the period, in milliseconds since the epoch.
    pub(crate) timestamp_ms: u64,
    pub(crate) average: f64,
    pub(crate) minimum: f64,
    pub(crate) maximum: f64,
}

/// Seconds since the epoch of `t` (0 before it).
pub(crate) fn epoch_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Rounds to two decimals, as CloudMonitor reports.
fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// The point of `metric` for `instance_id` over the period of `period` seconds that holds
/// `at_secs`: a per-instance level, a daily wave and a small per-minute jitter, within the
/// metric's range.
pub(crate) fn point(metric: &Metric, instance_id: &str, at_secs: u64, period: u64) -> Point {
    let period = period.max(metric.period);
    let start = at_secs - at_secs % period;
    let seed = stable_hash(&format!("{}/{instance_id}", metric.name));
    let span = metric.high - metric.low;
    // Where this instance sits in the range (0.15 .. 0.75), and the phase of its day.
    let level = 0.15 + (seed % 600) as f64 / 1000.0;
    let phase = (seed >> 16) % 86_400;
    let angle = ((start + phase) % 86_400) as f64 / 86_400.0 * std::f64::consts::TAU;
    let wave = 0.12 * angle.sin();
    let minute_seed = stable_hash(&format!("{seed}/{}", start / 60));
    let jitter = ((minute_seed % 1000) as f64 / 1000.0 - 0.5) * 0.06;
    let fraction = (level + wave + jitter).clamp(0.01, 0.99);
    let average = metric.low + span * fraction;
    let spread = span * (0.02 + (minute_seed >> 20) as f64 % 50.0 / 1000.0);
    Point {
        timestamp_ms: start * 1000,
        average: round2(average),
        minimum: round2((average - spread).max(0.0)),
        maximum: round2(average + spread),
    }
}

/// The points of `metric` for `instance_id` with period starts in `[from_secs, to_secs)`.
pub(crate) fn range(
    metric: &Metric,
    instance_id: &str,
    from_secs: u64,
    to_secs: u64,
    period: u64,
) -> Vec<Point> {
    let period = period.max(metric.period);
    let first = from_secs.div_ceil(period) * period;
    (0..)
        .map(|n| first + n * period)
        .take_while(|start| *start < to_secs)
        .map(|start| point(metric, instance_id, start, period))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_deterministic_plausible_and_per_instance() {
        let cpu = ecs_metric(ECS_NAMESPACE, "CPUUtilization").unwrap();
        let t = 1_700_000_000;
        assert_eq!(point(cpu, "i-1", t, 60), point(cpu, "i-1", t + 30, 60));
        assert_ne!(point(cpu, "i-1", t, 60), point(cpu, "i-2", t, 60));
        for n in 0..500 {
            let p = point(cpu, &format!("i-{n}"), t + n * 60, 60);
            assert!(p.minimum <= p.average && p.average <= p.maximum, "{p:?}");
            assert!((0.0..=100.0).contains(&p.average), "{p:?}");
            assert_eq!(p.timestamp_ms % 60_000, 0);
        }
        assert!(ecs_metric("acs_other", "CPUUtilization").is_none());
        assert!(ecs_metric(ECS_NAMESPACE, "nope").is_none());
    }

    #[test]
    fn ranges_hold_every_period_start() {
        let load = ecs_metric(ECS_NAMESPACE, "load_1m").unwrap();
        let points = range(load, "i-1", 1_000_010, 1_000_010 + 3_600, 300);
        assert_eq!(points.len(), 12);
        assert!(
            points
                .windows(2)
                .all(|w| w[1].timestamp_ms - w[0].timestamp_ms == 300_000)
        );
        assert!(range(load, "i-1", 100, 100, 60).is_empty());
    }
}
