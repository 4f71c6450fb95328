//! The modelled actions: the only per-product code in the emulator. Each family module lists
//! its actions in a `MODELS` table; [`FAMILIES`] joins them into the one dispatch table that
//! everything listing modelled actions reads. A handler reads validated parameters, acts on
//! the [`World`] under its lock (so it is atomic), and returns the logical response (natural
//! JSON types, bare lists); `render` shapes it per the spec. Actions without a model answer
//! with their spec's `response.example`, marked as such (see `pipeline`).
//!
//! What every family needs is shared, not repeated: the store (`crate::store`: ids in the
//! service's formats, region scoping, tags, filters, both paging styles), [`Context::dry_run`],
//! [`Context::replay`] / [`Context::remember`] for `ClientToken`, and `render` for the answer's
//! shape. Behaviour is code, not data in the spec overlays: after the shared parts, what is
//! left of each family is its rules (which status allows what, what depends on what, which
//! documented code refuses), and those differ per action in ways a declarative table would
//! have to grow a language to say. The overlays stay facts about the API.

mod cms;
mod cms_agent;
mod cms_alerts;
pub(crate) mod cms_common;
mod cms_contacts;
mod cms_custom;
mod cms_event_rules;
mod cms_exporters;
mod cms_group_processes;
mod cms_group_rules;
mod cms_group_tags;
mod cms_groups;
mod cms_host_availability;
mod cms_hosts;
mod cms_hybrid;
mod cms_log_monitors;
mod cms_metrics;
mod cms_processes;
mod cms_rule_templates;
mod cms_rules;
pub(crate) mod cms_series;
mod cms_site_monitors;
mod cms_system_events;
mod ecs;
mod ecs_activations;
mod ecs_auto_snapshot_policies;
mod ecs_command_admin;
mod ecs_commands;
pub(crate) mod ecs_data;
mod ecs_deployment_sets;
mod ecs_disks;
mod ecs_eips;
mod ecs_eni_permissions;
mod ecs_hpc_clusters;
mod ecs_image_builder;
mod ecs_images;
mod ecs_instances;
mod ecs_key_pairs;
mod ecs_launch_templates;
mod ecs_maintenance;
mod ecs_monitor_data;
mod ecs_network_interfaces;
mod ecs_prefix_lists;
mod ecs_regions;
mod ecs_security_groups;
mod ecs_send_file;
mod ecs_snapshots;
mod ecs_subscriptions;
mod ecs_tags;
mod ecs_tasks;
mod ecs_vpcs;
pub(crate) mod ecs_world;
pub(crate) mod paging;

pub(crate) use ecs_activations::register_managed_instance;

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::SystemTime;

use aliyun_spec::Product;
use aliyun_spec::model::Action;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::params::Input;
use crate::store::{Resource, Store};
use crate::world::{Instance, World};

/// What a modelled action needs besides the world.
pub(crate) struct Context<'a> {
    pub(crate) product: &'a Product,
    pub(crate) op: &'a Action,
    pub(crate) input: &'a Input,
    /// The emulator's clock.
    pub(crate) now: SystemTime,
}

impl Context<'_> {
    /// The request's `RegionId`, or the emulator's default region when it has none.
    pub(crate) fn region(&self) -> String {
        self.input
            .str("RegionId")
            .unwrap_or(crate::world::DEFAULT_REGION)
            .to_owned()
    }

    /// `DryRunOperation` (400) when the request asked for a dry run: call it after every
    /// check and before any change.
    pub(crate) fn dry_run(&self) -> Result<(), ApiError> {
        if self.input.bool("DryRun").unwrap_or(false) {
            return Err(self.spec_error(
                "DryRunOperation",
                400,
                "Request validation has been passed with DryRun flag set.",
            ));
        }
        Ok(())
    }

    /// The first answer to this action's `ClientToken`, when a request with the same token
    /// and parameters was answered before (`IdempotentParameterMismatch` when the parameters
    /// differ).
    pub(crate) fn replay(&self, world: &World) -> Result<Option<Map<String, Value>>, ApiError> {
        let Some(token) = self.input.str("ClientToken") else {
            return Ok(None);
        };
        let fingerprint = self.input.fingerprint_without("ClientToken");
        world
            .commands
            .replay(&self.op.name, token, &fingerprint)
            .map_err(|()| {
                ApiError::new(
                    403,
                    "IdempotentParameterMismatch",
                    "The request uses the same client token as a previous, but non-identical request.",
                )
            })
    }

    /// Remembers `answer` under the request's `ClientToken`, if it has one (see
    /// [`replay`](Self::replay)).
    pub(crate) fn remember(&self, world: &mut World, answer: &Map<String, Value>) {
        if let Some(token) = self.input.str("ClientToken") {
            let fingerprint = self.input.fingerprint_without("ClientToken");
            world
                .commands
                .remember(&self.op.name, token, fingerprint, answer);
        }
    }

    /// The error `code` as the action's spec documents it (status and message), or the given
    /// fallback when the spec does not list it.
    pub(crate) fn spec_error(&self, code: &str, status: u16, message: &str) -> ApiError {
        match self.op.errors.iter().find(|e| e.code == code) {
            // A documented message with a placeholder (`%s`) is a template: ours is whole.
            Some(e) => ApiError::new(
                e.status,
                code,
                e.message
                    .clone()
                    .filter(|m| !m.contains("%s"))
                    .unwrap_or_else(|| message.to_owned()),
            ),
            None => ApiError::new(status, code, message),
        }
    }
}

/// The logical body of a successful answer (before `RequestId` and spec shaping).
pub(crate) type Outcome = Result<Map<String, Value>, ApiError>;

/// What a modelled action does: reads `ctx.input`, acts on the world (under its lock) and
/// answers the logical body or a refusal.
pub(crate) type Handler = fn(&mut World, &Context<'_>) -> Outcome;

/// One modelled action: the product code (lower case), the action name and its handler.
#[derive(Clone, Copy)]
pub(crate) struct Model {
    pub(crate) product: &'static str,
    pub(crate) action: &'static str,
    pub(crate) run: Handler,
}

impl Model {
    /// An ECS action.
    pub(crate) const fn ecs(action: &'static str, run: Handler) -> Model {
        Model {
            product: "ecs",
            action,
            run,
        }
    }

    /// A CloudMonitor action (either API version).
    pub(crate) const fn cms(action: &'static str, run: Handler) -> Model {
        Model {
            product: "cms",
            action,
            run,
        }
    }
}

/// Every family's models: the one table the dispatch, `is_modelled`, the admin API and the
/// documentation's counts are derived from.
const FAMILIES: &[&[Model]] = &[
    ecs::MODELS,
    ecs_commands::MODELS,
    ecs_send_file::MODELS,
    ecs_activations::MODELS,
    ecs_disks::MODELS,
    ecs_images::MODELS,
    ecs_tasks::MODELS,
    ecs_image_builder::MODELS,
    ecs_instances::MODELS,
    ecs_subscriptions::MODELS,
    ecs_maintenance::MODELS,
    ecs_snapshots::MODELS,
    ecs_auto_snapshot_policies::MODELS,
    ecs_monitor_data::MODELS,
    ecs_hpc_clusters::MODELS,
    ecs_vpcs::MODELS,
    ecs_security_groups::MODELS,
    ecs_key_pairs::MODELS,
    ecs_network_interfaces::MODELS,
    ecs_eni_permissions::MODELS,
    ecs_eips::MODELS,
    ecs_tags::MODELS,
    ecs_regions::MODELS,
    ecs_launch_templates::MODELS,
    ecs_deployment_sets::MODELS,
    ecs_command_admin::MODELS,
    ecs_prefix_lists::MODELS,
    cms::MODELS,
    cms_agent::MODELS,
    cms_groups::MODELS,
    cms_contacts::MODELS,
    cms_event_rules::MODELS,
    cms_alerts::MODELS,
    cms_rule_templates::MODELS,
    cms_rules::MODELS,
    cms_metrics::MODELS,
    cms_custom::MODELS,
    cms_hosts::MODELS,
    cms_processes::MODELS,
    cms_group_tags::MODELS,
    cms_group_rules::MODELS,
    cms_group_processes::MODELS,
    cms_system_events::MODELS,
    cms_hybrid::MODELS,
    cms_exporters::MODELS,
    cms_site_monitors::MODELS,
    cms_host_availability::MODELS,
    cms_log_monitors::MODELS,
];

/// The table by `(product, action)`, built once.
fn table() -> &'static HashMap<(&'static str, &'static str), Handler> {
    static TABLE: OnceLock<HashMap<(&'static str, &'static str), Handler>> = OnceLock::new();
    TABLE.get_or_init(|| {
        FAMILIES
            .iter()
            .flat_map(|family| family.iter())
            .map(|m| ((m.product, m.action), m.run))
            .collect()
    })
}

/// The handler of `action` of product `code`.
fn handler(code: &str, action: &str) -> Option<Handler> {
    let code = code.to_ascii_lowercase();
    table().get(&(code.as_str(), action)).copied()
}

/// Runs the model of `ctx.op`, or `None` when the action has none.
pub(crate) fn run(world: &mut World, ctx: &Context<'_>) -> Option<Outcome> {
    let handler = handler(&ctx.product.code, &ctx.op.name)?;
    world.settle(|_| {});
    ecs_images::settle_images(world);
    Some(handler(world, ctx))
}

/// Whether `action` of product `code` has a model.
pub(crate) fn is_modelled(code: &str, action: &str) -> bool {
    handler(code, action).is_some()
}

/// Every modelled `(product, action)`, sorted.
pub(crate) fn modelled() -> Vec<(&'static str, &'static str)> {
    let mut all: Vec<_> = table().keys().copied().collect();
    all.sort_unstable();
    all
}

/// The resources every world starts with (each region's defaults are made when first used).
pub(crate) fn seed_world(store: &mut Store) {
    for region in ecs_data::REGIONS {
        ecs_world::ensure_region(store, region.id);
    }
}

/// The ECS record of a seeded or admin-added instance: the region's default network, the
/// default image of its OS, the default instance type.
/// A seeded instance also gets its system disk, so `DescribeDisks` agrees with
/// `DescribeInstances`; one `replacing` an instance of the same id keeps that one's disks.
pub(crate) fn seed_instance_record(
    store: &mut Store,
    instance: &Instance,
    replacing: bool,
) -> Resource {
    let record = ecs_instances::seed_record(store, instance);
    // Only a replacement can find disks already there (the check scans every disk).
    if !replacing || ecs_world::disks_of(store, &record.id).is_empty() {
        ecs_world::seed_system_disk(store, &record);
    }
    record
}

/// Removes instance `id` as a release does (disks made with it go too, others are detached);
/// `false` if there was none. For the admin API and the library handle.
pub(crate) fn remove_instance(world: &mut World, id: &str, now: SystemTime) -> bool {
    if world.get(id).is_none() {
        return false;
    }
    ecs_instances::release(world, id, now);
    true
}
