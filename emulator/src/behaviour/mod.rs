//! The modelled actions: the only per-product code in the emulator. Each reads validated
//! parameters, acts on the [`World`] under its lock (so it is atomic), and returns the logical
//! response (natural JSON types, bare lists); `render` shapes it per the spec. Actions without a
//! model here answer with their spec's `response.example`.

mod cms;
mod cms_agent;
mod ecs;
mod ecs_commands;
mod paging;

use std::time::SystemTime;

use aliyun_spec::Product;
use aliyun_spec::model::Action;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::params::Input;
use crate::world::World;

/// What a modelled action needs besides the world.
pub(crate) struct Context<'a> {
    pub(crate) product: &'a Product,
    pub(crate) op: &'a Action,
    pub(crate) input: &'a Input,
    /// The emulator's clock.
    pub(crate) now: SystemTime,
}

impl Context<'_> {
    /// The error `code` as the action's spec documents it (status and message), or the given
    /// fallback when the spec does not list it.
    pub(crate) fn spec_error(&self, code: &str, status: u16, message: &str) -> ApiError {
        match self.op.errors.iter().find(|e| e.code == code) {
            Some(e) => ApiError::new(
                e.status,
                code,
                e.message.clone().unwrap_or_else(|| message.to_owned()),
            ),
            None => ApiError::new(status, code, message),
        }
    }
}

/// The logical body of a successful answer (before `RequestId` and spec shaping).
pub(crate) type Outcome = Result<Map<String, Value>, ApiError>;

/// Runs the model of `ctx.op`, or `None` when the action has none.
pub(crate) fn run(world: &mut World, ctx: &Context<'_>) -> Option<Outcome> {
    let outcome = match (
        ctx.product.code.to_ascii_lowercase().as_str(),
        ctx.op.name.as_str(),
    ) {
        ("ecs", "InstallCloudAssistant") => ecs::install_cloud_assistant(world, ctx),
        ("ecs", "RebootInstance") => ecs::reboot_instance(world, ctx),
        ("ecs", "DescribeCloudAssistantStatus") => ecs::describe_cloud_assistant_status(world, ctx),
        ("ecs", "CreateCommand") => ecs_commands::create_command(world, ctx),
        ("ecs", "RunCommand") => ecs_commands::run_command(world, ctx),
        ("ecs", "InvokeCommand") => ecs_commands::invoke_command(world, ctx),
        ("ecs", "DescribeInvocationResults") => {
            ecs_commands::describe_invocation_results(world, ctx)
        }
        ("ecs", "DescribeInvocations") => ecs_commands::describe_invocations(world, ctx),
        ("cms", "NodeInstall") => cms::node_install(world, ctx),
        ("cms", "NodeStatus") => cms::node_status(world, ctx),
        ("cms", "NodeStatusList") => cms::node_status_list(world, ctx),
        ("cms", "NodeUninstall") => cms::node_uninstall(world, ctx),
        ("cms", "InstallMonitoringAgent") => cms_agent::install_monitoring_agent(world, ctx),
        ("cms", "DescribeMonitoringAgentStatuses") => {
            cms_agent::describe_monitoring_agent_statuses(world, ctx)
        }
        ("cms", "DescribeMetricLast") => cms_agent::describe_metric_last(world, ctx),
        _ => return None,
    };
    Some(outcome)
}

/// Whether `action` of product `code` has a model.
pub(crate) fn is_modelled(code: &str, action: &str) -> bool {
    matches!(
        (code.to_ascii_lowercase().as_str(), action),
        (
            "ecs",
            "InstallCloudAssistant"
                | "RebootInstance"
                | "DescribeCloudAssistantStatus"
                | "CreateCommand"
                | "RunCommand"
                | "InvokeCommand"
                | "DescribeInvocationResults"
                | "DescribeInvocations"
        ) | (
            "cms",
            "NodeInstall"
                | "NodeStatus"
                | "NodeStatusList"
                | "NodeUninstall"
                | "InstallMonitoringAgent"
                | "DescribeMonitoringAgentStatuses"
                | "DescribeMetricLast"
        )
    )
}
