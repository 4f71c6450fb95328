//! Installing the CloudMonitor agent on a fleet with the 2019-01-01 actions:
//! `InstallMonitoringAgent` (batches of up to 10), `DescribeMonitoringAgentStatuses`,
//! re-installs with `Force`; then `DescribeMetricLast` to see `cpu_total` data arrive.

use std::collections::BTreeMap;

use aliyun_core::workflow::{
    PollPolicy, Poller, Progress, dedup_in_order, run_concurrent, split_unknown,
};

use crate::Client;
use crate::action::describe_metric_last::DescribeMetricLastError;
use crate::action::describe_monitoring_agent_statuses::DescribeMonitoringAgentStatusesInput;
use crate::action::install_monitoring_agent::{
    InstallMonitoringAgentError, InstallMonitoringAgentInput,
};
use crate::agent_rollout::{AgentApi, InstallAnswer, Settings};
pub use crate::agent_rollout::{
    AgentEvent, AgentOutcome, AgentReport, Failure, InstanceResult, PollFailure, Step,
};
use crate::v20170301::types::AgentStatus;

/// The namespace of ECS host metrics the agent reports.
pub const ECS_NAMESPACE: &str = "acs_ecs_dashboard";
/// The metric read to show data arrives: total CPU use, percent.
pub const CPU_TOTAL: &str = "cpu_total";

/// Instances per `DescribeMetricLast` call.
const METRIC_BATCH: usize = 50;

/// The latest point of a metric for one instance (`DescribeMetricLast`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MetricPoint {
    /// The instance.
    pub instance_id: String,
    /// When, in milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
    /// The average over the period.
    pub average: Option<f64>,
    /// The minimum over the period.
    pub minimum: Option<f64>,
    /// The maximum over the period.
    pub maximum: Option<f64>,
}

impl MetricPoint {
    /// The points of a `Datapoints` text (a JSON array); entries without an `instanceId`
    /// are skipped, and text that is not such an array gives none.
    pub fn parse_all(datapoints: &str) -> Vec<MetricPoint> {
        let Ok(serde_json::Value::Array(items)) = serde_json::from_str(datapoints) else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| {
                let number = |key: &str| {
                    let value = item.get(key)?;
                    value
                        .as_f64()
                        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
                };
                Some(MetricPoint {
                    instance_id: item.get("instanceId")?.as_str()?.to_owned(),
                    timestamp_ms: number("timestamp").map_or(0, |t| t as i64),
                    average: number("Average"),
                    minimum: number("Minimum"),
                    maximum: number("Maximum"),
                })
            })
            .collect()
    }
}

/// The step a metric read failed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetricStep {
    /// `DescribeMetricLast`.
    MetricLast,
}

/// Why the metric read failed.
pub type MetricFailure = aliyun_core::workflow::Failure<MetricStep>;

/// What a rollout found: the agents, then the latest `cpu_total` of those running.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonitoringReport {
    /// The agent rollout, one result per requested instance.
    pub agents: AgentReport,
    /// For each instance whose agent runs, in request order, its latest `cpu_total` point
    /// (`None` if none arrived before the deadline). Empty when the metric step was off.
    pub cpu_total: Vec<(String, Option<MetricPoint>)>,
    /// Why reading the metric stopped early, if it failed for good (or transiently at the
    /// deadline).
    pub metric_failure: Option<MetricFailure>,
}

impl MonitoringReport {
    /// Instances whose agent runs and whose `cpu_total` arrived.
    pub fn reporting(&self) -> impl Iterator<Item = &MetricPoint> {
        self.cpu_total
            .iter()
            .filter_map(|(_, point)| point.as_ref())
    }
}

/// Installs the CloudMonitor agent with the 2019-01-01 actions. Made by
/// [`Client::monitoring_agent_rollout`].
///
/// `InstallMonitoringAgent` takes up to [`InstallMonitoringAgentInput::INSTANCE_IDS_MAX_ITEMS`]
/// instances per call: calls go out with bounded concurrency, and one refused with
/// `ResourceNotFound` is split in halves until the unknown ids are alone. The first install
/// sends `Force=false` (an agent already running is left alone) unless
/// [`MonitoringAgentRollout::force`] says otherwise. Installs are then polled with
/// `DescribeMonitoringAgentStatuses` until the agent is `running` or `install_faild`; a
/// failed one is re-installed with `Force=true` up to [`MonitoringAgentRollout::force_retries`]
/// times. A failed status poll follows the rule of [`aliyun_core::workflow`] (transient:
/// counted and repeated; permanent: its instances fail at once). This is the same rollout as
/// the 2017-03-01 [`agent_rollout`](crate::v20170301::Client::agent_rollout), on the current
/// actions.
///
/// The status is polled here rather than with the generated `AgentRunning` waiter: that
/// waiter ends only when every agent runs, while this rollout must see each `install_faild`
/// as it happens to re-install it with `Force`.
///
/// Last, unless turned off, `DescribeMetricLast` reads `acs_ecs_dashboard` `cpu_total` for
/// the instances whose agent runs, polling until each has a point or the deadline passes.
#[derive(Debug, Clone)]
pub struct MonitoringAgentRollout {
    client: Client,
    instance_ids: Vec<String>,
    settings: Settings,
    read_metric: bool,
}

impl Client {
    /// Starts a 2019-01-01 agent rollout on `instance_ids` (duplicates ignored).
    pub fn monitoring_agent_rollout<I, S>(&self, instance_ids: I) -> MonitoringAgentRollout
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        MonitoringAgentRollout {
            client: self.clone(),
            instance_ids: dedup_in_order(instance_ids.into_iter().map(Into::into)),
            settings: Settings {
                concurrency: 4,
                force: false,
                force_retries: 2,
                poll: PollPolicy::default(),
                status_batch: DescribeMonitoringAgentStatusesInput::INSTANCE_IDS_MAX_ITEMS,
                progress: Progress::none(),
            },
            read_metric: true,
        }
    }
}

impl MonitoringAgentRollout {
    /// Calls in flight at once (default 4).
    pub fn concurrency(mut self, calls: usize) -> Self {
        self.settings.concurrency = calls.max(1);
        self
    }

    /// Sends `Force=true` on the first install too (reinstalls an agent already there).
    pub fn force(mut self, force: bool) -> Self {
        self.settings.force = force;
        self
    }

    /// How many times a failed install is repeated with `Force` (default 2).
    pub fn force_retries(mut self, retries: u32) -> Self {
        self.settings.force_retries = retries;
        self
    }

    /// How long and how often to poll the status (and the metric).
    pub fn poll(mut self, policy: PollPolicy) -> Self {
        self.settings.poll = policy;
        self
    }

    /// Instances per `DescribeMonitoringAgentStatuses` call, at most the spec's limit (the
    /// default; larger values are capped).
    pub fn status_batch(mut self, size: usize) -> Self {
        self.settings.status_batch = size.clamp(
            1,
            DescribeMonitoringAgentStatusesInput::INSTANCE_IDS_MAX_ITEMS,
        );
        self
    }

    /// Whether to read `cpu_total` once the agents run (default `true`).
    pub fn read_metric(mut self, read: bool) -> Self {
        self.read_metric = read;
        self
    }

    /// Reports progress to `progress`.
    pub fn on_progress(mut self, progress: Progress<AgentEvent>) -> Self {
        self.settings.progress = progress;
        self
    }

    /// Runs the rollout, then the metric read. Never fails as a whole.
    pub async fn send(self) -> MonitoringReport {
        let agents = crate::agent_rollout::run(&self, &self.instance_ids, &self.settings).await;
        let mut report = MonitoringReport {
            agents,
            ..MonitoringReport::default()
        };
        if self.read_metric {
            let running: Vec<String> = report.agents.running().map(str::to_owned).collect();
            let (points, failure) = self.latest_cpu(&running).await;
            report.cpu_total = points;
            report.metric_failure = failure;
        }
        report
    }

    /// Polls `DescribeMetricLast` until every instance has a `cpu_total` point, a call fails
    /// for good, or the deadline passes.
    async fn latest_cpu(
        &self,
        ids: &[String],
    ) -> (Vec<(String, Option<MetricPoint>)>, Option<MetricFailure>) {
        let mut found: BTreeMap<String, MetricPoint> = BTreeMap::new();
        let mut failure = None;
        let mut poller = Poller::start(self.settings.poll);
        loop {
            let missing: Vec<String> = ids
                .iter()
                .filter(|id| !found.contains_key(*id))
                .cloned()
                .collect();
            if missing.is_empty() {
                break;
            }
            let chunks: Vec<Vec<String>> = missing
                .chunks(METRIC_BATCH)
                .map(<[String]>::to_vec)
                .collect();
            let answers = run_concurrent(chunks, self.settings.concurrency, |chunk| {
                self.cpu_points(chunk)
            })
            .await;
            let mut stop = false;
            for answer in answers {
                match answer {
                    Ok(points) => found.extend(
                        points
                            .into_iter()
                            .filter(|p| ids.contains(&p.instance_id))
                            .map(|p| (p.instance_id.clone(), p)),
                    ),
                    Err(error) => {
                        let failed = poller.poll_failed(MetricStep::MetricLast, &error);
                        if !failed.retrying {
                            stop = true;
                            failure.get_or_insert(failed.failure);
                        }
                    }
                }
            }
            if stop || !poller.wait_for_next_look().await {
                break;
            }
        }
        let points = ids
            .iter()
            .map(|id| (id.clone(), found.remove(id)))
            .collect();
        (points, failure)
    }

    /// The latest `cpu_total` points of `ids` (all pages).
    async fn cpu_points(
        &self,
        ids: Vec<String>,
    ) -> Result<Vec<MetricPoint>, DescribeMetricLastError> {
        let dimensions: Vec<aliyun_core::JsonValue> = ids
            .iter()
            .map(|id| serde_json::json!({ "instanceId": id }))
            .collect();
        let mut points = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let output = self
                .client
                .describe_metric_last()
                .namespace(ECS_NAMESPACE)
                .metric_name(CPU_TOTAL)
                .set_dimensions(Some(dimensions.clone()))
                .set_next_token(token.take())
                .send()
                .await?;
            points.extend(MetricPoint::parse_all(
                output.datapoints.as_deref().unwrap_or("[]"),
            ));
            match output.next_token.filter(|t| !t.is_empty()) {
                Some(next) => token = Some(next),
                None => return Ok(points),
            }
        }
    }
}

impl AgentApi for MonitoringAgentRollout {
    /// Batches of up to 10 per `InstallMonitoringAgent`, one batch list per `Force` value,
    /// unknown ids split out.
    async fn install(&self, todo: Vec<(String, bool)>) -> Vec<(String, InstallAnswer)> {
        let mut batches: Vec<(bool, Vec<String>)> = Vec::new();
        for force in [false, true] {
            let ids: Vec<String> = todo
                .iter()
                .filter(|(_, f)| *f == force)
                .map(|(id, _)| id.clone())
                .collect();
            batches.extend(
                ids.chunks(InstallMonitoringAgentInput::INSTANCE_IDS_MAX_ITEMS)
                    .map(|chunk| (force, chunk.to_vec())),
            );
        }
        let answered = run_concurrent(
            batches,
            self.settings.concurrency,
            |(force, ids)| async move {
                split_unknown(
                    ids,
                    |ids| {
                        self.client
                            .install_monitoring_agent()
                            .set_instance_ids(Some(ids))
                            .force(force)
                            .send()
                    },
                    |error| matches!(error, InstallMonitoringAgentError::ResourceNotFound(_)),
                )
                .await
            },
        )
        .await;
        let mut answers = Vec::new();
        for split in answered {
            for (ids, result) in split.answered {
                for id in ids {
                    let answer = match &result {
                        Ok(_) => InstallAnswer::Accepted,
                        Err(error) => InstallAnswer::Failed {
                            failure: Failure::from_error(Step::Install, error),
                            // Only a failure that may pass is worth a forced re-install.
                            retry: error.is_retryable(),
                        },
                    };
                    answers.push((id, answer));
                }
            }
            answers.extend(
                split
                    .unknown
                    .into_iter()
                    .map(|id| (id, InstallAnswer::NotFound)),
            );
        }
        answers
    }

    async fn statuses(
        &self,
        ids: Vec<String>,
    ) -> Result<Vec<(String, AgentStatus)>, aliyun_core::Error> {
        let output = self
            .client
            .describe_monitoring_agent_statuses()
            .set_instance_ids(Some(ids))
            .send()
            .await
            .map_err(|e| e.into_core())?;
        Ok(output
            .node_status_list
            .into_iter()
            .filter_map(|s| Some((s.instance_id?, AgentStatus::from(s.status?))))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datapoints_parse_leniently() {
        let points = MetricPoint::parse_all(
            r#"[{"timestamp":1548777660000,"userId":"1","instanceId":"i-1","Minimum":93.1,"Average":"99.52","Maximum":100},{"Average":1}]"#,
        );
        assert_eq!(points.len(), 1);
        assert_eq!(points[0].instance_id, "i-1");
        assert_eq!(points[0].timestamp_ms, 1_548_777_660_000);
        assert_eq!(points[0].average, Some(99.52));
        assert_eq!(points[0].maximum, Some(100.0));
        assert!(MetricPoint::parse_all("not json").is_empty());
        assert!(MetricPoint::parse_all("{}").is_empty());
    }
}
