//! Hand-written workflows on top of the generated calls (codegen never writes here).
//!
//! Needs the `cloud-assistant` API group; the cloud assistant rollout also needs `instances`
//! (it reboots them).

#[cfg(feature = "instances")]
pub mod cloud_assistant;
pub mod run_command;

pub use aliyun_core::workflow::{PollPolicy, Progress};
#[cfg(feature = "instances")]
pub use cloud_assistant::{
    CloudAssistantRollout, Failure, InstanceOutcome, PollFailure, RolloutCounts, RolloutEvent,
    RolloutReport, Step,
};
pub use run_command::{
    CommandEvent, CommandFailure, CommandOutcome, CommandReport, CommandResult, CommandRun,
    CommandStep,
};
