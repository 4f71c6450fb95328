//! Permissions on network interfaces: `CreateNetworkInterfacePermission` lets another
//! account attach an interface to its instances, `DescribeNetworkInterfacePermissions` lists
//! such grants, and `DeleteNetworkInterfacePermission` revokes one.
//!
//! Like the service: only interfaces made with `CreateNetworkInterface` are granted (a primary
//! interface goes with its instance), the one permission is `InstanceAttach`, a grant that is
//! already in force is `InvalidOperation.PermissionExisted`, and a revoked grant stays listed as
//! `Revoked` (revoking it again is `InvalidOperation.PermissionNotExisted`). Deleting the
//! interface removes its grants. Not modelled: the other account, which never attaches
//! anything in this single-account world.

use serde_json::{Map, json};

use super::ecs_network_interfaces::eni_not_found;
use super::ecs_world::{NETWORK_INTERFACE, obj};
use super::{Context, Model, Outcome};
use crate::error::ApiError;
use crate::store::{self, Kind, Query, Resource};
use crate::world::World;

/// The network interface permission actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("CreateNetworkInterfacePermission", create_permission),
    Model::ecs("DescribeNetworkInterfacePermissions", describe_permissions),
    Model::ecs("DeleteNetworkInterfacePermission", delete_permission),
];

/// Grants (`eni-perm-…`), with their describe fields.
pub(super) const ENI_PERMISSION: Kind = "eni-permission";

/// The one permission the service grants.
const INSTANCE_ATTACH: &str = "InstanceAttach";

fn create_permission(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let region = ctx.region();
    let eni = input.str("NetworkInterfaceId").unwrap_or_default();
    world
        .store
        .find(NETWORK_INTERFACE, &region, eni, || eni_not_found(ctx))?;
    let permission = input.str("Permission").unwrap_or_default();
    if permission != INSTANCE_ATTACH {
        return Err(ApiError::invalid_parameter(
            "Permission",
            "the one permission granted is InstanceAttach",
        ));
    }
    let account = input
        .int("AccountId")
        .filter(|a| *a > 0)
        .ok_or_else(|| ApiError::invalid_parameter("AccountId", "expected an account number"))?;
    let granted = world.store.iter(ENI_PERMISSION).any(|p| {
        p.str("NetworkInterfaceId") == Some(eni)
            && p.attrs.get("AccountId") == Some(&json!(account))
            && p.str("PermissionState") == Some("Granted")
    });
    if granted {
        return Err(ctx.spec_error(
            "InvalidOperation.PermissionExisted",
            400,
            "The account already holds this permission on the network interface.",
        ));
    }
    let id = world.store.new_id("eni-perm-", &region);
    let row = world.store.insert(
        ENI_PERMISSION,
        &id,
        &region,
        obj(json!({
            "NetworkInterfacePermissionId": id,
            "NetworkInterfaceId": eni,
            "AccountId": account,
            "Permission": permission,
            "PermissionState": "Granted",
            "ServiceName": "",
        })),
    );
    let grant = row.item();
    Ok(obj(json!({ "NetworkInterfacePermission": grant })))
}

fn describe_permissions(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let query = Query::new(input)
        .ids(input.ids("NetworkInterfacePermissionId"))
        .param(input, "NetworkInterfaceId", "NetworkInterfaceId");
    let rows = query.select(world.store.iter(ENI_PERMISSION));
    store::page(input, rows, "NetworkInterfacePermissions", Resource::item)
}

fn delete_permission(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx
        .input
        .str("NetworkInterfacePermissionId")
        .unwrap_or_default();
    let grant = world
        .store
        .find_mut(ENI_PERMISSION, &ctx.region(), id, || {
            store::not_found(ctx, "InvalidEniPermissionId.NotFound", "permission")
        })?;
    if grant.str("PermissionState") != Some("Granted") {
        return Err(ctx.spec_error(
            "InvalidOperation.PermissionNotExisted",
            404,
            "The permission has been revoked already.",
        ));
    }
    grant.set("PermissionState", "Revoked");
    Ok(Map::new())
}

/// Removes the grants on interface `eni` (it was deleted).
pub(super) fn forget_interface(world: &mut World, eni: &str) {
    let grants: Vec<String> = world
        .store
        .iter(ENI_PERMISSION)
        .filter(|p| p.str("NetworkInterfaceId") == Some(eni))
        .map(|p| p.id.clone())
        .collect();
    for id in grants {
        world.store.remove(ENI_PERMISSION, &id);
    }
}
