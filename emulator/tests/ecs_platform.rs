//! The ECS platform families as the emulator models them, through the typed client on a paused
//! clock (in-process transport): tags on instances, security groups and launch templates
//! (tag, list with paging, counts, untag, the documented refusals); regions, zones and
//! instance types; launch templates and their versions; deployment sets with instances moved
//! in and out; saved command management and stopped invocations; prefix lists.

use std::time::Duration;

use aliyun_ecs::types::{
    Entry, ListTagResourcesTagFilter, ModifyInstanceMaintenanceAttributesMaintenanceWindow,
    ModifyPrefixListRemoveEntry, SystemDisk, Tag, TagResourcesTag,
};
use aliyun_emulator::{CloudAssistantState, Emulator, Instance, InstanceStatus};

fn client(emulator: &Emulator) -> aliyun_ecs::Client {
    let config = emulator
        .in_process_config_builder()
        .retry_policy(aliyun_core::testing::support::quick_retries())
        .build()
        .unwrap();
    aliyun_ecs::Client::new(&config)
}

async fn start(instances: Vec<Instance>) -> Emulator {
    Emulator::builder()
        .no_default_instances()
        .instances(instances)
        .instance_transition(Duration::from_secs(3))
        .command_duration(Duration::from_secs(5))
        .start()
        .await
        .unwrap()
}

fn tag(key: &str, value: &str) -> Tag {
    Tag {
        key: Some(key.into()),
        value: Some(value.into()),
    }
}

/// `TagResources` takes its own tag type: the newer metadata makes both its key and value
/// required.
fn resource_tag(key: &str, value: &str) -> TagResourcesTag {
    TagResourcesTag {
        key: Some(key.into()),
        value: Some(value.into()),
    }
}

const IMAGE: &str = "aliyun_3_x64_20G_alibase_20240528.vhd";

// `DescribeTags`, `DescribeResourceByTags`, `AddTags` and `RemoveTags` are deprecated by the
// service (December 2025 metadata) and still served: code that calls them keeps working.
#[allow(deprecated)]
#[tokio::test(start_paused = true)]
async fn tags_on_instances_groups_and_templates() {
    let emulator = start(vec![
        Instance::new("i-a"),
        Instance::new("i-b"),
        Instance::new("i-c"),
    ])
    .await;
    let ecs = client(&emulator);
    // The default security group, through an instance in it.
    let sg =
        ecs.describe_instances().send().await.unwrap().instances[0].security_group_ids[0].clone();
    let lt = ecs
        .create_launch_template()
        .launch_template_name("web")
        .image_id(IMAGE)
        .send()
        .await
        .unwrap()
        .launch_template_id
        .unwrap();

    // Tag three instances with 20 tags each, the group and the template with one.
    let mut request = ecs
        .tag_resources()
        .resource_type("instance")
        .resource_id("i-a")
        .resource_id("i-b")
        .resource_id("i-c");
    for n in 0..20 {
        request = request.tag(resource_tag(&format!("k{n:02}"), "v"));
    }
    request.send().await.unwrap();
    ecs.tag_resources()
        .resource_type("securitygroup")
        .resource_id(sg.clone())
        .tag(resource_tag("env", "prod"))
        .send()
        .await
        .unwrap();
    ecs.tag_resources()
        .resource_type("launchtemplate")
        .resource_id(lt.clone())
        .tag(resource_tag("env", "prod"))
        .send()
        .await
        .unwrap();

    // A 21st tag is over the quota; nothing changes.
    let err = ecs
        .tag_resources()
        .resource_type("instance")
        .resource_id("i-a")
        .tag(resource_tag("one-more", "v"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("OperationDenied.QuotaExceed"));
    // Unknown resources and types, reserved keys.
    let err = ecs
        .tag_resources()
        .resource_type("instance")
        .resource_id("i-a")
        .resource_id("i-missing")
        .tag(resource_tag("k00", "w"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidResourceId.NotFound"));
    let err = ecs
        .tag_resources()
        .resource_type("volcano")
        .resource_id("i-a")
        .tag(resource_tag("a", "b"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidResourceType.NotFound"));
    let err = ecs
        .tag_resources()
        .resource_type("securitygroup")
        .resource_id(sg.clone())
        .tag(resource_tag("aliyun:owner", "b"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidTagKey.Malformed"));

    // 60 instance tags page by 50 through NextToken.
    let first = ecs
        .list_tag_resources()
        .resource_type("instance")
        .resource_id("i-a")
        .resource_id("i-b")
        .resource_id("i-c")
        .send()
        .await
        .unwrap();
    assert_eq!(first.tag_resources.len(), 50);
    let token = first.next_token.clone().expect("more remain");
    let second = ecs
        .list_tag_resources()
        .resource_type("instance")
        .resource_id("i-a")
        .resource_id("i-b")
        .resource_id("i-c")
        .next_token(token)
        .send()
        .await
        .unwrap();
    assert_eq!(second.tag_resources.len(), 10);
    assert!(second.next_token.is_none());
    assert_eq!(second.tag_resources[9].resource_id.as_deref(), Some("i-c"));
    assert_eq!(
        second.tag_resources[9].resource_type.as_deref(),
        Some("instance")
    );

    // By tag filter: the group carries env=prod; an unmatched value finds nothing.
    let by_filter = ecs
        .list_tag_resources()
        .resource_type("securitygroup")
        .tag_filter(ListTagResourcesTagFilter {
            tag_key: Some("env".into()),
            tag_values: vec!["prod".into(), "dev".into()],
        })
        .send()
        .await
        .unwrap();
    assert_eq!(by_filter.tag_resources.len(), 1);
    assert_eq!(
        by_filter.tag_resources[0].resource_id.as_deref(),
        Some(sg.as_str())
    );
    let none = ecs
        .list_tag_resources()
        .resource_type("securitygroup")
        .tag(tag("env", "dev"))
        .send()
        .await
        .unwrap();
    assert!(none.tag_resources.is_empty());
    let err = ecs
        .list_tag_resources()
        .resource_type("instance")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("BothEmpty.TagsAndResources"));

    // Describe instances sees the tags; DescribeTags counts per type.
    let described = ecs
        .describe_instances()
        .instance_ids("i-a")
        .send()
        .await
        .unwrap();
    assert_eq!(described.instances[0].tags.len(), 20);
    let tags = ecs
        .describe_tags()
        .tag(Tag {
            key: Some("env".into()),
            value: None,
        })
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags.len(), 1);
    let counts = tags.tags[0].resource_type_count.clone().unwrap();
    assert_eq!(counts.securitygroup, Some(1));
    assert_eq!(counts.launch_template, Some(1));
    assert_eq!(counts.instance, None);
    let by_tags = ecs
        .describe_resource_by_tags()
        .tag(tag("env", "prod"))
        .send()
        .await
        .unwrap();
    let mut found: Vec<_> = by_tags
        .resources
        .iter()
        .map(|r| r.resource_type.clone().unwrap())
        .collect();
    found.sort();
    assert_eq!(found, ["launchtemplate", "securitygroup"]);
    let templates = ecs
        .describe_launch_templates()
        .template_tag(tag("env", "prod"))
        .send()
        .await
        .unwrap();
    assert_eq!(templates.launch_template_sets.len(), 1);

    // Untag: named keys, then all; the old single-resource forms.
    ecs.untag_resources()
        .resource_type("instance")
        .resource_id("i-a")
        .tag_key("k00")
        .tag_key("k01")
        .send()
        .await
        .unwrap();
    ecs.untag_resources()
        .resource_type("instance")
        .resource_id("i-b")
        .all(true)
        .send()
        .await
        .unwrap();
    let left = ecs
        .list_tag_resources()
        .resource_type("instance")
        .resource_id("i-a")
        .resource_id("i-b")
        .send()
        .await
        .unwrap();
    assert_eq!(left.tag_resources.len(), 18);
    ecs.add_tags()
        .resource_type("instance")
        .resource_id("i-b")
        .tag(tag("team", "a"))
        .send()
        .await
        .unwrap();
    ecs.remove_tags()
        .resource_type("securitygroup")
        .resource_id(sg.clone())
        .tag(tag("env", "other"))
        .send()
        .await
        .unwrap();
    let kept = ecs
        .list_tag_resources()
        .resource_type("securitygroup")
        .resource_id(sg.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        kept.tag_resources.len(),
        1,
        "a different value removes nothing"
    );
    let err = ecs
        .add_tags()
        .resource_type("disk")
        .resource_id("d-missing")
        .tag(tag("a", "b"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidResourceId.NotFound"));
    let b = ecs
        .list_tag_resources()
        .resource_type("instance")
        .tag(tag("team", "a"))
        .send()
        .await
        .unwrap();
    assert_eq!(b.tag_resources.len(), 1);
    assert_eq!(b.tag_resources[0].resource_id.as_deref(), Some("i-b"));
}

#[tokio::test(start_paused = true)]
async fn regions_zones_and_instance_types() {
    let emulator = start(vec![Instance::new("i-a")]).await;
    let ecs = client(&emulator);
    let regions = ecs.describe_regions().send().await.unwrap();
    let hangzhou = regions
        .regions
        .iter()
        .find(|r| r.region_id.as_deref() == Some("cn-hangzhou"))
        .unwrap();
    assert_eq!(
        hangzhou.region_endpoint.as_deref(),
        Some("ecs.cn-hangzhou.aliyuncs.com")
    );
    assert_eq!(hangzhou.local_name.as_deref(), Some("China (Hangzhou)"));
    assert_eq!(hangzhou.status.as_deref(), Some("available"));
    let err = ecs
        .describe_regions()
        .accept_language("xx")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidAcceptLanguage.NotFound"));

    let zones = ecs.describe_zones().send().await.unwrap();
    assert_eq!(zones.zones.len(), 4);
    let zone = &zones.zones[0];
    assert_eq!(zone.zone_id.as_deref(), Some("cn-hangzhou-h"));
    assert!(
        zone.available_instance_types
            .iter()
            .any(|t| t == "ecs.g7.large")
    );
    assert!(
        zone.available_disk_categories
            .iter()
            .any(|c| c == "cloud_essd")
    );
    assert_eq!(zone.available_resources.len(), 1);
    let terse = ecs.describe_zones().verbose(false).send().await.unwrap();
    assert!(terse.zones[0].available_resources.is_empty());

    // Filters, then paging by MaxResults / NextToken.
    let g7 = ecs
        .describe_instance_types()
        .instance_type_family("ecs.g7")
        .send()
        .await
        .unwrap();
    assert_eq!(g7.instance_types.len(), 3);
    assert!(g7.next_token.is_none());
    let large = &g7.instance_types[0];
    assert_eq!(large.instance_type_id.as_deref(), Some("ecs.g7.large"));
    assert_eq!(large.cpu_core_count, Some(2));
    assert_eq!(large.eni_quantity, Some(3));
    let gpu = ecs
        .describe_instance_types()
        .minimum_gpu_amount(1)
        .send()
        .await
        .unwrap();
    assert_eq!(gpu.instance_types.len(), 1);
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = ecs
            .describe_instance_types()
            .max_results(4)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        seen.extend(
            page.instance_types
                .iter()
                .map(|t| t.instance_type_id.clone().unwrap()),
        );
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 10);
    let families = ecs.describe_instance_type_families().send().await.unwrap();
    assert!(
        families
            .instance_type_families
            .iter()
            .any(|f| f.instance_type_family_id.as_deref() == Some("ecs.c7"))
    );

    let available = ecs
        .describe_available_resource()
        .destination_resource("InstanceType")
        .zone_id("cn-hangzhou-i")
        .send()
        .await
        .unwrap();
    assert_eq!(available.available_zones.len(), 1);
    let types = &available.available_zones[0].available_resources[0].supported_resources;
    assert_eq!(types.len(), 10);
    let err = ecs
        .describe_available_resource()
        .destination_resource("Spaceship")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("Invalid.DestinationResource"));
    let modification = ecs
        .describe_resources_modification()
        .resource_id("i-a")
        .destination_resource("InstanceType")
        .send()
        .await
        .unwrap();
    let offered = &modification.available_zones[0].available_resources[0].supported_resources;
    assert_eq!(offered.len(), 9, "every type but the current one");

    // The vCPUs in use are counted from the world (one ecs.g7.large: 2).
    let attributes = ecs
        .describe_account_attributes()
        .attribute_name("used-postpaid-instance-vcpu-count")
        .attribute_name("max-security-groups")
        .send()
        .await
        .unwrap();
    assert_eq!(attributes.account_attribute_items.len(), 2);
    let used = attributes
        .account_attribute_items
        .iter()
        .find(|a| a.attribute_name.as_deref() == Some("used-postpaid-instance-vcpu-count"))
        .unwrap();
    assert_eq!(used.attribute_values[0].value.as_deref(), Some("2"));
    let err = ecs
        .describe_account_attributes()
        .attribute_name("max-unicorns")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("Invalid.Parameter"));
}

#[tokio::test(start_paused = true)]
async fn launch_templates_and_versions() {
    let emulator = start(vec![]).await;
    let ecs = client(&emulator);
    let created = ecs
        .create_launch_template()
        .launch_template_name("web")
        .image_id(IMAGE)
        .instance_type("ecs.g7.large")
        .system_disk(SystemDisk {
            category: Some("cloud_essd".into()),
            size: Some(40),
            ..Default::default()
        })
        .tag(tag("role", "web"))
        .template_tag(tag("team", "a"))
        .send()
        .await
        .unwrap();
    let id = created.launch_template_id.unwrap();
    assert!(id.starts_with("lt-bp1"), "{id}");
    assert_eq!(created.launch_template_version_number, Some(1));
    let err = ecs
        .create_launch_template()
        .launch_template_name("web")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("LaunchTemplateName.Duplicated"));
    let err = ecs
        .create_launch_template()
        .launch_template_name("9lives")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidLaunchTemplateName.Malformed"));

    // Version 2 by name; the default stays 1.
    let v2 = ecs
        .create_launch_template_version()
        .launch_template_name("web")
        .image_id(IMAGE)
        .instance_type("ecs.c7.large")
        .version_description("compute")
        .send()
        .await
        .unwrap();
    assert_eq!(v2.launch_template_version_number, Some(2));
    let listed = ecs
        .describe_launch_templates()
        .launch_template_name("web")
        .send()
        .await
        .unwrap();
    let set = &listed.launch_template_sets[0];
    assert_eq!(set.latest_version_number, Some(2));
    assert_eq!(set.default_version_number, Some(1));
    assert_eq!(set.tags[0].tag_key.as_deref(), Some("team"));

    let versions = ecs
        .describe_launch_template_versions()
        .launch_template_id(id.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(versions.launch_template_version_sets.len(), 2);
    let v1 = &versions.launch_template_version_sets[0];
    assert_eq!(v1.default_version, Some(true));
    let data = v1.launch_template_data.as_ref().unwrap();
    assert_eq!(data.instance_type.as_deref(), Some("ecs.g7.large"));
    assert_eq!(data.system_disk_size, Some(40));
    assert_eq!(data.tags[0].key.as_deref(), Some("role"));
    let only_default = ecs
        .describe_launch_template_versions()
        .launch_template_name("web")
        .default_version(true)
        .send()
        .await
        .unwrap();
    assert_eq!(only_default.launch_template_version_sets.len(), 1);

    // The default version cannot be deleted; after moving the default it can.
    let err = ecs
        .delete_launch_template_version()
        .launch_template_id(id.clone())
        .delete_version(1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidOperation.DeleteDefaultVersion"));
    let err = ecs
        .modify_launch_template_default_version()
        .launch_template_id(id.clone())
        .default_version_number(7)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidLaunchTemplateVersion.NotFound"));
    ecs.modify_launch_template_default_version()
        .launch_template_id(id.clone())
        .default_version_number(2)
        .send()
        .await
        .unwrap();
    ecs.delete_launch_template_version()
        .launch_template_id(id.clone())
        .delete_version(1)
        .send()
        .await
        .unwrap();
    let left = ecs
        .describe_launch_template_versions()
        .launch_template_id(id.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(left.launch_template_version_sets.len(), 1);
    assert_eq!(left.launch_template_version_sets[0].version_number, Some(2));

    let deleted = ecs
        .delete_launch_template()
        .launch_template_id(id.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.launch_template_version_numbers, [2]);
    let err = ecs
        .describe_launch_template_versions()
        .launch_template_id(id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidLaunchTemplate.NotFound"));
}

#[tokio::test(start_paused = true)]
async fn deployment_sets_hold_instances() {
    let emulator = start(vec![
        Instance::new("i-a"),
        Instance::new("i-b").status(InstanceStatus::Stopped),
    ])
    .await;
    let ecs = client(&emulator);
    let id = ecs
        .create_deployment_set()
        .deployment_set_name("spread")
        .description("web tier")
        .send()
        .await
        .unwrap()
        .deployment_set_id
        .unwrap();
    assert!(id.starts_with("ds-bp1"), "{id}");
    let err = ecs
        .create_deployment_set()
        .strategy("Clumped")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidParameter.Strategy"));

    for instance in ["i-a", "i-b"] {
        ecs.modify_instance_deployment()
            .instance_id(instance)
            .deployment_set_id(id.clone())
            .send()
            .await
            .unwrap();
    }
    let err = ecs
        .modify_instance_deployment()
        .instance_id("i-a")
        .deployment_set_id("ds-missing")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidDeploymentSetId.NotFound"));

    let described = ecs
        .describe_deployment_sets()
        .deployment_set_ids(id.to_string())
        .send()
        .await
        .unwrap();
    let set = &described.deployment_sets[0];
    assert_eq!(set.instance_amount, Some(2));
    assert_eq!(set.instance_ids, ["i-a", "i-b"]);
    assert_eq!(set.strategy.as_deref(), Some("Availability"));
    assert_eq!(set.capacities[0].used_amount, Some(2));
    assert_eq!(set.capacities[0].available_amount, Some(18));
    let instance = ecs
        .describe_instances()
        .instance_ids("i-a")
        .send()
        .await
        .unwrap();
    assert_eq!(
        instance.instances[0].deployment_set_id.as_deref(),
        Some(id.as_str())
    );

    ecs.modify_deployment_set_attribute()
        .deployment_set_id(id.clone())
        .deployment_set_name("renamed")
        .send()
        .await
        .unwrap();
    let by_name = ecs
        .describe_deployment_sets()
        .deployment_set_name("renamed")
        .send()
        .await
        .unwrap();
    assert_eq!(by_name.total_count, Some(1));

    let err = ecs
        .delete_deployment_set()
        .deployment_set_id(id.clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("DependencyViolation.NotEmpty"));
    for instance in ["i-a", "i-b"] {
        ecs.modify_instance_deployment()
            .instance_id(instance)
            .remove_from_deployment_set(true)
            .send()
            .await
            .unwrap();
    }
    ecs.delete_deployment_set()
        .deployment_set_id(id.clone())
        .send()
        .await
        .unwrap();
    let gone = ecs
        .describe_deployment_sets()
        .deployment_set_ids(id.to_string())
        .send()
        .await
        .unwrap();
    assert!(gone.deployment_sets.is_empty());
}

#[tokio::test(start_paused = true)]
async fn saved_commands_and_stopped_invocations() {
    let emulator = start(vec![
        Instance::new("i-a").cloud_assistant(CloudAssistantState::Installed),
    ])
    .await;
    let ecs = client(&emulator);
    let command = ecs
        .create_command()
        .name("hello")
        .r#type("RunShellScript")
        .command_content("echo hi")
        .send()
        .await
        .unwrap()
        .command_id
        .unwrap();
    ecs.modify_command()
        .command_id(command.clone())
        .name("hello2")
        .description("says hi")
        .timeout(120)
        .send()
        .await
        .unwrap();
    ecs.tag_resources()
        .resource_type("command")
        .resource_id(command.clone())
        .tag(resource_tag("owner", "me"))
        .send()
        .await
        .unwrap();
    let described = ecs
        .describe_commands()
        .name("hello2")
        .tag(tag("owner", "me"))
        .send()
        .await
        .unwrap();
    assert_eq!(described.commands.len(), 1);
    let found = &described.commands[0];
    assert_eq!(found.command_id.as_deref(), Some(command.as_str()));
    assert_eq!(found.description.as_deref(), Some("says hi"));
    assert_eq!(found.timeout, Some(120));
    assert_eq!(found.command_content.as_deref(), Some("ZWNobyBoaQ=="));
    let none = ecs
        .describe_commands()
        .r#type("RunBatScript")
        .send()
        .await
        .unwrap();
    assert!(none.commands.is_empty());

    // A running invocation keeps its command; stopping it ends the run.
    let invoke = ecs
        .invoke_command()
        .command_id(command.clone())
        .instance_id("i-a")
        .send()
        .await
        .unwrap()
        .invoke_id
        .unwrap();
    let err = ecs
        .delete_command()
        .command_id(command.clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidStatus.CmdIdInUse"));
    let err = ecs
        .modify_invocation_attribute()
        .invoke_id(invoke.clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidOperation.RepeatModeUnsupported"));
    ecs.stop_invocation()
        .invoke_id(invoke.clone())
        .send()
        .await
        .unwrap();
    let results = ecs
        .describe_invocation_results()
        .invoke_id(invoke.clone())
        .send()
        .await
        .unwrap();
    let result = &results.invocation.unwrap().invocation_results[0];
    assert_eq!(result.invocation_status.as_deref(), Some("Stopped"));
    let err = ecs
        .stop_invocation()
        .invoke_id("t-missing")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidInvokeId.NotFound"));

    ecs.delete_command()
        .command_id(command.clone())
        .send()
        .await
        .unwrap();
    let err = ecs
        .delete_command()
        .command_id(command.clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidCmdId.NotFound"));
    let err = ecs
        .modify_command()
        .command_id(command)
        .name("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidCmdId.NotFound"));
}

fn entry(cidr: &str) -> Entry {
    Entry {
        cidr: Some(cidr.into()),
        description: Some(format!("block {cidr}")),
    }
}

#[tokio::test(start_paused = true)]
async fn prefix_lists() {
    let emulator = start(vec![]).await;
    let ecs = client(&emulator);
    let id = ecs
        .create_prefix_list()
        .prefix_list_name("office")
        .address_family("IPv4")
        .max_entries(3)
        .entry(entry("10.0.0.0/8"))
        .entry(entry("192.168.0.0/16"))
        .send()
        .await
        .unwrap()
        .prefix_list_id
        .unwrap();
    assert!(id.starts_with("pl-bp1"), "{id}");
    for (request, code) in [
        (
            ecs.create_prefix_list()
                .prefix_list_name("bad")
                .max_entries(3)
                .entry(entry("10.0.0.0/99")),
            "InvalidParameter.CidrMalformed",
        ),
        (
            ecs.create_prefix_list()
                .prefix_list_name("dup")
                .max_entries(3)
                .entry(entry("10.0.0.0/8"))
                .entry(entry("10.0.0.0/8")),
            "InvalidParameter.CidrDuplicated",
        ),
        (
            ecs.create_prefix_list()
                .prefix_list_name("v6")
                .address_family("IPv6")
                .max_entries(3)
                .entry(entry("10.0.0.0/8")),
            "InvalidParameter.CidrMalformed",
        ),
        (
            ecs.create_prefix_list()
                .prefix_list_name("full")
                .max_entries(1)
                .entry(entry("10.0.0.0/8"))
                .entry(entry("11.0.0.0/8")),
            "LimitExceed.Entry",
        ),
    ] {
        let err = request.send().await.unwrap_err();
        assert_eq!(err.code(), Some(code));
    }

    let lists = ecs.describe_prefix_lists().send().await.unwrap();
    assert_eq!(lists.prefix_lists.len(), 1);
    let list = &lists.prefix_lists[0];
    assert_eq!(list.prefix_list_name.as_deref(), Some("office"));
    assert_eq!(list.max_entries, Some(3));
    assert_eq!(list.association_count, Some(0));

    ecs.modify_prefix_list()
        .prefix_list_id(id.clone())
        .remove_entry(ModifyPrefixListRemoveEntry {
            cidr: Some("10.0.0.0/8".into()),
        })
        .add_entry(entry("172.16.0.0/12"))
        .add_entry(entry("100.64.0.0/10"))
        .description("offices")
        .send()
        .await
        .unwrap();
    let err = ecs
        .modify_prefix_list()
        .prefix_list_id(id.clone())
        .add_entry(entry("1.0.0.0/8"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("LimitExceed.Entry"));
    let attributes = ecs
        .describe_prefix_list_attributes()
        .prefix_list_id(id.clone())
        .send()
        .await
        .unwrap();
    let cidrs: Vec<_> = attributes
        .entries
        .iter()
        .map(|e| e.cidr.clone().unwrap())
        .collect();
    assert_eq!(cidrs, ["192.168.0.0/16", "172.16.0.0/12", "100.64.0.0/10"]);
    assert_eq!(attributes.description.as_deref(), Some("offices"));
    let associations = ecs
        .describe_prefix_list_associations()
        .prefix_list_id(id.clone())
        .send()
        .await
        .unwrap();
    assert!(associations.prefix_list_associations.is_empty());

    ecs.delete_prefix_list()
        .prefix_list_id(id.clone())
        .send()
        .await
        .unwrap();
    let err = ecs
        .describe_prefix_list_attributes()
        .prefix_list_id(id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidPrefixListId.NotFound"));
}

#[tokio::test(start_paused = true)]
async fn resources_join_resource_groups_and_describes_filter_on_them() {
    let emulator = start(vec![Instance::new("i-a"), Instance::new("i-b")]).await;
    let ecs = client(&emulator);
    ecs.join_resource_group()
        .resource_type("instance")
        .resource_id("i-a")
        .resource_group_id("rg-prod")
        .send()
        .await
        .unwrap();
    let in_group = ecs
        .describe_instances()
        .resource_group_id("rg-prod")
        .send()
        .await
        .unwrap();
    let ids: Vec<_> = in_group
        .instances
        .iter()
        .map(|i| i.instance_id.clone().unwrap())
        .collect();
    assert_eq!(ids, ["i-a"]);
    assert_eq!(
        in_group.instances[0].resource_group_id.as_deref(),
        Some("rg-prod")
    );

    // The instance's system disk is a resource of its own.
    let disk = ecs
        .describe_disks()
        .instance_id("i-b")
        .send()
        .await
        .unwrap()
        .disks
        .remove(0)
        .disk_id
        .unwrap();
    ecs.join_resource_group()
        .resource_type("disk")
        .resource_id(&disk)
        .resource_group_id("rg-prod")
        .send()
        .await
        .unwrap();
    let disks = ecs
        .describe_disks()
        .resource_group_id("rg-prod")
        .send()
        .await
        .unwrap();
    assert_eq!(disks.disks.len(), 1);
    assert_eq!(disks.disks[0].disk_id.as_deref(), Some(disk.as_str()));

    for (ty, id, group, code) in [
        (
            "instance",
            "i-missing",
            "rg-prod",
            "InvalidResourceId.NotFound",
        ),
        ("volcano", "i-a", "rg-prod", "InvalidResourceType.NotFound"),
        ("instance", "i-a", "prod", "InvalidResourceGroup.NotFound"),
    ] {
        let err = ecs
            .join_resource_group()
            .resource_type(ty)
            .resource_id(id)
            .resource_group_id(group)
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some(code), "{ty} {id} {group}: {err}");
    }
}

#[tokio::test(start_paused = true)]
async fn hpc_clusters_hold_the_instances_launched_into_them() {
    let emulator = start(vec![]).await;
    let ecs = client(&emulator);
    let cluster = ecs
        .create_hpc_cluster()
        .name("training")
        .description("gpu jobs")
        .send()
        .await
        .unwrap()
        .hpc_cluster_id
        .unwrap();
    assert!(cluster.starts_with("hpc-"), "{cluster}");
    let instance = ecs
        .run_instances()
        .image_id(IMAGE)
        .instance_type("ecs.g7.large")
        .hpc_cluster_id(&cluster)
        .send()
        .await
        .unwrap()
        .instance_id_sets
        .remove(0);
    let described = ecs
        .describe_instances()
        .instance_ids(instance.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.instances[0].hpc_cluster_id.as_deref(),
        Some(cluster.as_str())
    );
    let err = ecs
        .run_instances()
        .image_id(IMAGE)
        .hpc_cluster_id("hpc-missing")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidHpcClusterId.NotFound"), "{err}");

    ecs.modify_hpc_cluster_attribute()
        .hpc_cluster_id(&cluster)
        .name("training-v2")
        .send()
        .await
        .unwrap();
    let listed = ecs
        .describe_hpc_clusters()
        .hpc_cluster_ids(&cluster)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.total_count, Some(1));
    assert_eq!(listed.hpc_clusters[0].name.as_deref(), Some("training-v2"));
    assert_eq!(
        listed.hpc_clusters[0].description.as_deref(),
        Some("gpu jobs")
    );

    let err = ecs
        .delete_hpc_cluster()
        .hpc_cluster_id(&cluster)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("NotEmpty.HpcCluster"), "{err}");
    // Past `Pending` (the emulator's clock is paused), then released.
    tokio::time::sleep(Duration::from_secs(4)).await;
    ecs.delete_instance()
        .instance_id(&instance)
        .force(true)
        .send()
        .await
        .unwrap();
    ecs.delete_hpc_cluster()
        .hpc_cluster_id(&cluster)
        .send()
        .await
        .unwrap();
    let err = ecs
        .delete_hpc_cluster()
        .hpc_cluster_id(&cluster)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("NotExists.HpcCluster"), "{err}");
    let err = ecs
        .create_hpc_cluster()
        .name("9lives")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidHpcClusterName.Malformed"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn maintenance_attributes_are_kept_per_instance() {
    let emulator = start(vec![Instance::new("i-a"), Instance::new("i-b")]).await;
    let ecs = client(&emulator);
    let window = |start: &str, end: &str| ModifyInstanceMaintenanceAttributesMaintenanceWindow {
        start_time: Some(start.into()),
        end_time: Some(end.into()),
    };
    ecs.modify_instance_maintenance_attributes()
        .instance_id("i-a")
        .action_on_maintenance("Stop")
        .notify_on_maintenance(true)
        .maintenance_window(window("02:00:00", "05:00:00"))
        .send()
        .await
        .unwrap();
    let described = ecs
        .describe_instance_maintenance_attributes()
        .send()
        .await
        .unwrap();
    assert_eq!(described.total_count, Some(2));
    let of = |id: &str| {
        described
            .maintenance_attributes
            .iter()
            .find(|a| a.instance_id.as_deref() == Some(id))
            .unwrap()
            .clone()
    };
    let (changed, untouched) = (of("i-a"), of("i-b"));
    let action = changed.action_on_maintenance.unwrap();
    assert_eq!(action.value.as_deref(), Some("Stop"));
    assert_eq!(action.default_value.as_deref(), Some("AutoRecover"));
    assert_eq!(action.supported_values.len(), 3);
    assert_eq!(changed.notify_on_maintenance, Some(true));
    assert_eq!(
        changed.maintenance_windows[0].start_time.as_deref(),
        Some("02:00:00")
    );
    assert_eq!(
        untouched.action_on_maintenance.unwrap().value.as_deref(),
        Some("AutoRecover")
    );
    assert_eq!(untouched.notify_on_maintenance, Some(false));
    assert!(untouched.maintenance_windows.is_empty());

    let one = ecs
        .describe_instance_maintenance_attributes()
        .instance_id("i-b")
        .send()
        .await
        .unwrap();
    assert_eq!(one.total_count, Some(1));
    for (call, code) in [
        (
            ecs.modify_instance_maintenance_attributes()
                .instance_id("i-missing")
                .action_on_maintenance("Stop"),
            "InvalidInstanceId.NotFound",
        ),
        (
            ecs.modify_instance_maintenance_attributes()
                .instance_id("i-a")
                .maintenance_window(window("02:30:00", "05:00:00")),
            "InvalidParameter",
        ),
        (
            ecs.modify_instance_maintenance_attributes()
                .instance_id("i-a")
                .action_on_maintenance("Reboot"),
            "InvalidParameter",
        ),
    ] {
        let err = call.send().await.unwrap_err();
        assert_eq!(err.code(), Some(code), "{err}");
    }
}
