//! Hand-written workflows on the 2019-01-01 actions (codegen never writes here). Needs the
//! `monitoring-agent` and `metrics` API groups.

pub mod monitoring_agent;

pub use aliyun_core::workflow::{PollPolicy, Progress};
pub use monitoring_agent::{
    AgentEvent, AgentOutcome, AgentReport, CPU_TOTAL, ECS_NAMESPACE, Failure, InstanceResult,
    MetricFailure, MetricPoint, MetricStep, MonitoringAgentRollout, MonitoringReport, PollFailure,
    Step,
};
