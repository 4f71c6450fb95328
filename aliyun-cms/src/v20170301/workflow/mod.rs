//! Hand-written workflows on top of the generated calls (codegen never writes here).

pub mod agent;

pub use agent::{
    AgentEvent, AgentOutcome, AgentReport, AgentRollout, Failure, InstanceResult, PollFailure, Step,
};
pub use aliyun_core::workflow::{PollPolicy, Progress};
