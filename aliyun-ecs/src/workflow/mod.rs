//! Hand-written workflows on top of the generated calls (codegen never writes here).

pub mod cloud_assistant;

pub use aliyun_core::workflow::{PollPolicy, Progress};
pub use cloud_assistant::{
    CloudAssistantRollout, Failure, InstanceOutcome, PollFailure, RolloutCounts, RolloutEvent,
    RolloutReport, Step,
};
