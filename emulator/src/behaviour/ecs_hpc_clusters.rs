//! ECS HPC clusters: `CreateHpcCluster`, `DescribeHpcClusters`, `ModifyHpcClusterAttribute`
//! and `DeleteHpcCluster`. `RunInstances` with `HpcClusterId` puts its instances in one
//! (`InvalidHpcClusterId.NotFound` for an unknown cluster), and the instance's
//! `HpcClusterId` says so.
//!
//! Like the service: a name is 2 to 128 characters starting with a letter
//! (`InvalidHpcClusterName.Malformed`), a description at most 256
//! (`InvalidHpcClusterDescription.Malformed`); `DescribeHpcClusters` takes at most 100 ids
//! (`InvalidHpcClusterIds.ExceedLimit`) and pages by number; a cluster with instances cannot
//! be deleted (`NotEmpty.HpcCluster`); an unknown one is `HpcClusterNotExists` (modify) or
//! `NotExists.HpcCluster` (delete), the codes the two actions document.

use serde_json::{Map, json};

use super::ecs_disks::valid_text;
use super::ecs_world::{HPC_CLUSTER, obj};
use super::{Context, Model, Outcome};
use crate::error::ApiError;
use crate::store::{self, Query, Resource};
use crate::world::World;

/// The HPC cluster actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("CreateHpcCluster", create_cluster),
    Model::ecs("DescribeHpcClusters", describe_clusters),
    Model::ecs("ModifyHpcClusterAttribute", modify_cluster),
    Model::ecs("DeleteHpcCluster", delete_cluster),
];

/// Checks `Name` (required when `name_required`) and `Description`.
fn check_texts(ctx: &Context<'_>, name_required: bool) -> Result<(), ApiError> {
    let input = ctx.input;
    match input.str("Name") {
        None | Some("") if name_required => return Err(ApiError::missing_parameter("Name")),
        Some(name) if !name.is_empty() && !valid_text(name, 2, 128, true) => {
            return Err(ctx.spec_error(
                "InvalidHpcClusterName.Malformed",
                400,
                "The specified HPC cluster name is wrongly formed.",
            ));
        }
        _ => {}
    }
    if !valid_text(input.str("Description").unwrap_or_default(), 0, 256, false) {
        return Err(ctx.spec_error(
            "InvalidHpcClusterDescription.Malformed",
            400,
            "The specified HPC cluster description is wrongly formed.",
        ));
    }
    Ok(())
}

/// Whether an instance of the world is in cluster `id`.
fn in_use(world: &World, id: &str) -> bool {
    world.iter().any(|t| t.ecs.str("HpcClusterId") == Some(id))
}

/// `RunInstances`' `HpcClusterId`, known in `region`, or `InvalidHpcClusterId.NotFound`.
pub(super) fn launch_cluster(
    world: &World,
    ctx: &Context<'_>,
    region: &str,
) -> Result<Option<String>, ApiError> {
    let Some(id) = ctx.input.str("HpcClusterId").filter(|i| !i.is_empty()) else {
        return Ok(None);
    };
    world
        .store
        .find(HPC_CLUSTER, region, id, || {
            ctx.spec_error(
                "InvalidHpcClusterId.NotFound",
                404,
                "The specified HpcClusterId does not exist.",
            )
        })
        .map(|c| Some(c.id.clone()))
}

fn create_cluster(world: &mut World, ctx: &Context<'_>) -> Outcome {
    if let Some(answer) = ctx.replay(world)? {
        return Ok(answer);
    }
    check_texts(ctx, true)?;
    let region = ctx.region();
    let id = world.store.new_id("hpc-", &region);
    world.store.insert(
        HPC_CLUSTER,
        &id,
        &region,
        obj(json!({
            "HpcClusterId": id,
            "Name": ctx.input.str("Name").unwrap_or_default(),
            "Description": ctx.input.str("Description").unwrap_or_default(),
        })),
    );
    let answer = obj(json!({ "HpcClusterId": id }));
    ctx.remember(world, &answer);
    Ok(answer)
}

fn describe_clusters(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let ids = ctx.input.ids("HpcClusterIds");
    if ids.len() > 100 {
        return Err(ctx.spec_error(
            "InvalidHpcClusterIds.ExceedLimit",
            400,
            "At most 100 HpcClusterIds are allowed.",
        ));
    }
    let rows = Query::new(ctx.input)
        .ids(ids)
        .select(world.store.iter(HPC_CLUSTER));
    store::page(ctx.input, rows, "HpcClusters", |c: &Resource| {
        serde_json::Value::Object(c.attrs.clone())
    })
}

fn modify_cluster(world: &mut World, ctx: &Context<'_>) -> Outcome {
    check_texts(ctx, false)?;
    let region = ctx.region();
    let id = ctx.input.str("HpcClusterId").unwrap_or_default();
    let cluster = world.store.find_mut(HPC_CLUSTER, &region, id, || {
        ctx.spec_error(
            "HpcClusterNotExists",
            400,
            "The specified HPC cluster does not exist.",
        )
    })?;
    for key in ["Name", "Description"] {
        if let Some(value) = ctx.input.str(key).filter(|v| !v.is_empty()) {
            cluster.set(key, value);
        }
    }
    Ok(Map::new())
}

fn delete_cluster(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let region = ctx.region();
    let id = ctx.input.str("HpcClusterId").unwrap_or_default().to_owned();
    world.store.find(HPC_CLUSTER, &region, &id, || {
        ctx.spec_error(
            "NotExists.HpcCluster",
            400,
            "The specified HPC cluster does not exist.",
        )
    })?;
    if in_use(world, &id) {
        return Err(ctx.spec_error(
            "NotEmpty.HpcCluster",
            400,
            "The HPC cluster still has instances.",
        ));
    }
    world.store.remove(HPC_CLUSTER, &id);
    Ok(Map::new())
}
