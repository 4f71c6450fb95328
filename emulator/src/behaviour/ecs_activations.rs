//! The cloud assistant's activations and the managed instances (on-premises servers) that
//! register with them: `CreateActivation`, `DescribeActivations`, `DisableActivation`,
//! `DeleteActivation`, `DescribeManagedInstances`, `ModifyManagedInstance` and
//! `DeregisterManagedInstance`. A server registers through the emulator
//! ([`crate::Emulator::register_managed_instance`]), as the agent would with the code.
//!
//! Like the service: an activation allows 1 to 1,000 registrations (10 by default,
//! `ActivationCount.ExceedLimit`) for 1 to 24 hours (4 by default, `ActivationTTL.ExceedLimit`)
//! from an address range (`0.0.0.0/0` by default; a CIDR block, `a.b.c.d-e.f.g.h` or one
//! address, `AddressRange.InvalidPattern`); names are at most 128 characters and descriptions
//! 100; an activation with registered instances is not deleted (`ActivationId.InUse`);
//! deregistering counts in `DeregisteredCount`. A disabled or expired activation registers
//! nothing more. Not modelled: managed instances run no commands and never disconnect.

use std::net::Ipv4Addr;
use std::time::SystemTime;

use serde_json::{Value, json};

use super::ecs_vpcs::Cidr;
use super::ecs_world::obj;
use super::{Context, Model, Outcome};
use crate::clock;
use crate::error::ApiError;
use crate::managed::{ManagedInstanceRegistration, RegistrationError};
use crate::store::{self, Kind, Query, Resource};
use crate::world::World;

/// The activation and managed instance actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("CreateActivation", create_activation),
    Model::ecs("DescribeActivations", describe_activations),
    Model::ecs("DisableActivation", disable_activation),
    Model::ecs("DeleteActivation", delete_activation),
    Model::ecs("DescribeManagedInstances", describe_managed_instances),
    Model::ecs("ModifyManagedInstance", modify_managed_instance),
    Model::ecs("DeregisterManagedInstance", deregister_managed_instance),
];

/// Activations (id in the service's UUID form), with `_Code` beside the describe fields
/// (bookkeeping, which answers never show: `render::shape` drops it).
const ACTIVATION: Kind = "activation";
/// Managed instances (`mi-…`).
const MANAGED_INSTANCE: Kind = "managed-instance";
/// The activation code, kept apart from what describes show.
const CODE: &str = "_Code";

const MAX_NAME_CHARS: usize = 128;
const MAX_DESCRIPTION_CHARS: usize = 100;

/// An activation's address range: a CIDR block or an inclusive span of addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AddressRange {
    Block(Cidr),
    Span(u32, u32),
}

impl AddressRange {
    fn parse(text: &str) -> Option<AddressRange> {
        let ip = |t: &str| t.trim().parse::<Ipv4Addr>().ok().map(u32::from);
        if let Some((first, last)) = text.split_once('-') {
            let (first, last) = (ip(first)?, ip(last)?);
            return (first <= last).then_some(AddressRange::Span(first, last));
        }
        Cidr::parse(text).map(AddressRange::Block)
    }

    fn holds(self, address: u32) -> bool {
        match self {
            AddressRange::Block(cidr) => cidr.holds(address),
            AddressRange::Span(first, last) => (first..=last).contains(&address),
        }
    }
}

/// An id in the service's activation form (`4ECEEE12-56F1-4FBC-9AB1-890F12340001`).
fn activation_id(seq: u64) -> String {
    let hash = store::stable_hash(&format!("activation-{seq}"));
    format!(
        "{:08X}-{:04X}-4{:03X}-8{:03X}-{:012X}",
        hash as u32,
        (hash >> 32) as u16,
        (hash >> 48) & 0xfff,
        seq & 0xfff,
        seq
    )
}

/// An activation code (`a-` and 28 characters), different for every activation.
fn activation_code(seq: u64) -> String {
    let a = store::stable_hash(&format!("code-a-{seq}"));
    let b = store::stable_hash(&format!("code-b-{seq}"));
    let text = format!("{a:016x}{b:016x}");
    format!("a-{}", &text[..28])
}

fn activation_not_found(ctx: &Context<'_>) -> ApiError {
    store::not_found(ctx, "ActivationId.NotFound", "activation")
}

fn instance_not_found(ctx: &Context<'_>) -> ApiError {
    ctx.spec_error(
        "InvalidInstance.NotFound",
        404,
        "The specified managed instance does not exist.",
    )
}

/// `InstanceName`, checked (at most 128 characters).
fn check_instance_name(ctx: &Context<'_>) -> Result<(), ApiError> {
    if ctx
        .input
        .str("InstanceName")
        .unwrap_or_default()
        .chars()
        .count()
        > MAX_NAME_CHARS
    {
        return Err(ctx.spec_error(
            "InstanceName.ExceedLimit",
            400,
            "InstanceName is at most 128 characters.",
        ));
    }
    Ok(())
}

fn create_activation(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    check_instance_name(ctx)?;
    if input.str("Description").unwrap_or_default().chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(ctx.spec_error(
            "ActivationDesc.ExceedLimit",
            400,
            "Description is at most 100 characters.",
        ));
    }
    let count = input.int("InstanceCount").unwrap_or(10);
    if !(1..=1000).contains(&count) {
        return Err(ctx.spec_error(
            "ActivationCount.ExceedLimit",
            400,
            "InstanceCount is 1 to 1000.",
        ));
    }
    let hours = input.int("TimeToLiveInHours").unwrap_or(4);
    if !(1..=24).contains(&hours) {
        return Err(ctx.spec_error(
            "ActivationTTL.ExceedLimit",
            400,
            "TimeToLiveInHours is 1 to 24.",
        ));
    }
    let range = input.str("IpAddressRange").unwrap_or("0.0.0.0/0");
    if AddressRange::parse(range).is_none() {
        return Err(ctx.spec_error(
            "AddressRange.InvalidPattern",
            400,
            "IpAddressRange is a CIDR block, a.b.c.d-e.f.g.h or one address.",
        ));
    }
    super::ecs_disks::check_tags(ctx)?;
    let region = ctx.region();
    let seq = world.store.next_seq();
    let (id, code) = (activation_id(seq), activation_code(seq));
    let row = world.store.insert(
        ACTIVATION,
        &id,
        &region,
        obj(json!({
            "ActivationId": id,
            "InstanceName": input.str("InstanceName").unwrap_or_default(),
            "Description": input.str("Description").unwrap_or_default(),
            "InstanceCount": count,
            "RegisteredCount": 0,
            "DeregisteredCount": 0,
            "TimeToLiveInHours": hours,
            "IpAddressRange": range,
            "Disabled": false,
            "CreationTime": clock::rfc3339(ctx.now),
            "ResourceGroupId": input.str("ResourceGroupId").unwrap_or_default(),
            CODE: code,
        })),
    );
    store::apply_tags(&mut row.tags, input, "Tag");
    Ok(obj(json!({"ActivationId": id, "ActivationCode": code})))
}

fn describe_activations(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let query = Query::new(input)
        .param(input, "ActivationId", "ActivationId")
        .param(input, "ResourceGroupId", "ResourceGroupId")
        .tags(input, "Tag");
    let name = input.str("InstanceName").filter(|n| !n.is_empty());
    let rows: Vec<&Resource> = query
        .select(world.store.iter(ACTIVATION))
        .into_iter()
        .filter(|a| {
            name.is_none_or(|n| store::wildcard(n, a.str("InstanceName").unwrap_or_default()))
        })
        .collect();
    store::page(input, rows, "ActivationList", Resource::item)
}

fn disable_activation(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("ActivationId").unwrap_or_default();
    let activation = world
        .store
        .find_mut(ACTIVATION, &ctx.region(), id, || activation_not_found(ctx))?;
    activation.set("Disabled", true);
    Ok(obj(json!({"Activation": activation.item()})))
}

fn delete_activation(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("ActivationId").unwrap_or_default().to_owned();
    let activation = world
        .store
        .find(ACTIVATION, &ctx.region(), &id, || activation_not_found(ctx))?;
    let item = activation.item();
    let registered = world
        .store
        .iter(MANAGED_INSTANCE)
        .any(|m| m.str("ActivationId") == Some(id.as_str()));
    if registered {
        return Err(ctx.spec_error(
            "ActivationId.InUse",
            403,
            "Instances registered with the activation are still managed; deregister them first.",
        ));
    }
    world.store.remove(ACTIVATION, &id);
    Ok(obj(json!({ "Activation": item })))
}

fn describe_managed_instances(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let query = Query::new(input)
        .ids(input.ids("InstanceId"))
        .param(input, "ActivationId", "ActivationId")
        .param(input, "MachineId", "MachineId")
        .param(input, "InstanceIp", "IntranetIp")
        .param(input, "ResourceGroupId", "ResourceGroupId")
        .tags(input, "Tag");
    let os_type = input.str("OsType").filter(|o| !o.is_empty());
    let name = input.str("InstanceName").filter(|n| !n.is_empty());
    let rows: Vec<&Resource> = query
        .select(world.store.iter(MANAGED_INSTANCE))
        .into_iter()
        .filter(|m| {
            os_type.is_none_or(|o| m.str("OsType").is_some_and(|t| t.eq_ignore_ascii_case(o)))
        })
        .filter(|m| {
            name.is_none_or(|n| store::wildcard(n, m.str("InstanceName").unwrap_or_default()))
        })
        .collect();
    store::page(input, rows, "Instances", Resource::item)
}

fn modify_managed_instance(world: &mut World, ctx: &Context<'_>) -> Outcome {
    check_instance_name(ctx)?;
    let id = ctx.input.str("InstanceId").unwrap_or_default();
    let name = ctx.input.str("InstanceName").unwrap_or_default();
    let instance = world
        .store
        .find_mut(MANAGED_INSTANCE, &ctx.region(), id, || {
            instance_not_found(ctx)
        })?;
    instance.set("InstanceName", name);
    Ok(obj(
        json!({"Instance": {"InstanceId": id, "InstanceName": name}}),
    ))
}

fn deregister_managed_instance(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let id = ctx.input.str("InstanceId").unwrap_or_default().to_owned();
    let instance = world.store.find(MANAGED_INSTANCE, &ctx.region(), &id, || {
        instance_not_found(ctx)
    })?;
    let item = instance.item();
    let activation = instance.str("ActivationId").unwrap_or_default().to_owned();
    world.store.remove(MANAGED_INSTANCE, &id);
    if let Some(activation) = world.store.get_mut(ACTIVATION, &activation) {
        let deregistered = activation
            .attrs
            .get("DeregisteredCount")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        activation.set("DeregisteredCount", deregistered + 1);
    }
    Ok(obj(json!({ "Instance": item })))
}

/// Registers a server with an activation, as its agent would; the new instance's id.
pub(crate) fn register_managed_instance(
    world: &mut World,
    now: SystemTime,
    registration: &ManagedInstanceRegistration,
) -> Result<String, RegistrationError> {
    let activation_id = registration.activation_id.clone();
    let activation = world
        .store
        .get(ACTIVATION, &activation_id)
        .ok_or_else(|| RegistrationError::UnknownActivation(activation_id.clone()))?;
    if activation.str(CODE) != Some(registration.activation_code.as_str()) {
        return Err(RegistrationError::WrongCode(activation_id));
    }
    if activation.attrs.get("Disabled") == Some(&Value::Bool(true)) {
        return Err(RegistrationError::Disabled(activation_id));
    }
    let number = |key: &str| {
        activation
            .attrs
            .get(key)
            .and_then(Value::as_i64)
            .unwrap_or(0)
    };
    let created = activation
        .str("CreationTime")
        .and_then(clock::parse_timestamp)
        .unwrap_or(now);
    let expires = clock::shift(created, number("TimeToLiveInHours").saturating_mul(3600));
    if now >= expires {
        return Err(RegistrationError::Expired(activation_id));
    }
    if number("RegisteredCount") >= number("InstanceCount") {
        return Err(RegistrationError::Exhausted(activation_id));
    }
    let address = registration
        .intranet_ip
        .clone()
        .unwrap_or_else(|| "10.0.0.1".to_owned());
    let allowed = address.parse::<Ipv4Addr>().ok().is_some_and(|ip| {
        activation
            .str("IpAddressRange")
            .and_then(AddressRange::parse)
            .is_some_and(|range| range.holds(u32::from(ip)))
    });
    if !allowed {
        return Err(RegistrationError::AddressNotAllowed {
            activation: activation_id,
            address,
        });
    }
    let region = activation.region.clone();
    let name = activation
        .str("InstanceName")
        .unwrap_or_default()
        .to_owned();
    let resource_group = activation
        .str("ResourceGroupId")
        .unwrap_or_default()
        .to_owned();
    let tags = activation.tags.clone();
    let registered = number("RegisteredCount");

    let id = world.store.new_id("mi-", &region);
    let os_type = match registration.os_type.as_deref() {
        Some(os) if os.eq_ignore_ascii_case("windows") => "Windows",
        _ => "Linux",
    };
    let row = world.store.insert(
        MANAGED_INSTANCE,
        &id,
        &region,
        obj(json!({
            "InstanceId": id,
            "InstanceName": if name.is_empty() { id.clone() } else { name },
            "ActivationId": activation_id,
            "Hostname": registration.hostname.as_deref().unwrap_or("managed-host"),
            "IntranetIp": address,
            "InternetIp": "",
            "MachineId": format!("{:032x}", u128::from(store::stable_hash(&id))),
            "OsType": os_type,
            "OsVersion": "",
            "AgentVersion": "2.2.0.102",
            "Connected": true,
            "InvocationCount": 0,
            "LastInvokedTime": "",
            "RegistrationTime": clock::rfc3339(now),
            "ResourceGroupId": resource_group,
        })),
    );
    row.tags = tags;
    if let Some(activation) = world.store.get_mut(ACTIVATION, &activation_id) {
        activation.set("RegisteredCount", registered + 1);
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_ranges() {
        let ip = |t: &str| u32::from(t.parse::<Ipv4Addr>().unwrap());
        let every = AddressRange::parse("0.0.0.0/0").unwrap();
        assert!(every.holds(ip("203.0.113.9")));
        let span = AddressRange::parse("10.0.0.10-10.0.0.20").unwrap();
        assert!(span.holds(ip("10.0.0.15")) && !span.holds(ip("10.0.0.21")));
        let one = AddressRange::parse("192.168.1.7").unwrap();
        assert!(one.holds(ip("192.168.1.7")) && !one.holds(ip("192.168.1.8")));
        assert!(AddressRange::parse("10.0.0.20-10.0.0.10").is_none());
        assert!(AddressRange::parse("somewhere").is_none());
    }

    #[test]
    fn ids_and_codes_differ_per_activation() {
        assert_ne!(activation_id(1), activation_id(2));
        assert_ne!(activation_code(1), activation_code(2));
        assert_eq!(activation_code(1).len(), 30);
        assert_eq!(activation_id(1).len(), 36);
    }
}
