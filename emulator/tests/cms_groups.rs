//! CloudMonitor application groups, contacts, dynamic tag groups and event rules as the
//! emulator models them, through the typed `aliyun_cms::Client` on a paused clock
//! (in-process transport): contacts and contact groups by name, monitor groups with their
//! filters and paging, group members read from the ECS world, groups made per tag value,
//! pause policies, event rules with their targets, system events, and the documented refusals.

use aliyun_cms::action::create_monitor_group::CreateMonitorGroupError;
use aliyun_cms::action::create_monitor_group_instances::CreateMonitorGroupInstancesError;
use aliyun_cms::action::delete_contact::DeleteContactError;
use aliyun_cms::action::delete_contact_group::DeleteContactGroupError;
use aliyun_cms::action::delete_dynamic_tag_group::DeleteDynamicTagGroupError;
use aliyun_cms::action::delete_monitor_group::DeleteMonitorGroupError;
use aliyun_cms::action::describe_contact_list::DescribeContactListError;
use aliyun_cms::action::modify_monitor_group::ModifyMonitorGroupError;
use aliyun_cms::action::put_contact::PutContactError;
use aliyun_cms::action::put_contact_group::PutContactGroupError;
use aliyun_cms::types::{
    CreateDynamicTagGroupMatchExpress, Instances, Labels, PutContactChannels,
    PutEventRuleEventPattern, PutEventRuleTargetsContactParameters,
    PutEventRuleTargetsFcParameters, PutEventRuleTargetsMnsParameters,
};
use aliyun_ecs::types::Tag;
use aliyun_emulator::Emulator;

const IMAGE: &str = "aliyun_3_x64_20G_alibase_20240528.vhd";

fn config(emulator: &Emulator) -> aliyun_core::Config {
    emulator
        .in_process_config_builder()
        .retry_policy(aliyun_core::testing::support::quick_retries())
        .build()
        .unwrap()
}

async fn start() -> (Emulator, aliyun_cms::Client, aliyun_ecs::Client) {
    let emulator = Emulator::builder()
        .no_default_instances()
        .start()
        .await
        .unwrap();
    let cms = aliyun_cms::Client::new(&config(&emulator));
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    (emulator, cms, ecs)
}

/// Launches `amount` instances named `name` with the tag `key=value`.
async fn launch(ecs: &aliyun_ecs::Client, name: &str, key: &str, value: &str) -> Vec<String> {
    ecs.run_instances()
        .image_id(IMAGE)
        .instance_type("ecs.g7.large")
        .instance_name(name)
        .tag(Tag {
            key: Some(key.into()),
            value: Some(value.into()),
        })
        .send()
        .await
        .unwrap()
        .instance_id_sets
}

fn member(id: &str, name: &str) -> Instances {
    Instances {
        category: Some("ecs".into()),
        instance_id: Some(id.into()),
        instance_name: Some(name.into()),
        region_id: Some("cn-hangzhou".into()),
    }
}

async fn contact(cms: &aliyun_cms::Client, name: &str, mail: &str) {
    cms.put_contact()
        .contact_name(name)
        .describe(format!("{name} on call"))
        .channels(PutContactChannels {
            mail: Some(mail.into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
}

async fn contact_group(cms: &aliyun_cms::Client, name: &str, contacts: &[&str]) {
    let mut call = cms.put_contact_group().contact_group_name(name);
    for c in contacts {
        call = call.contact_names(*c);
    }
    call.send().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn contacts_and_contact_groups_by_name() {
    let (_emulator, cms, _ecs) = start().await;
    contact(&cms, "alice", "alice@example.com").await;
    contact(&cms, "bob", "bob@example.com").await;
    // A put of an existing name updates it (the channel given changes, the others stay).
    cms.put_contact()
        .contact_name("bob")
        .channels(PutContactChannels {
            ding_web_hook: Some("https://oapi.dingtalk.com/robot/send?access_token=x".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();

    let err = cms
        .put_contact()
        .contact_name("carol")
        .channels(PutContactChannels {
            mail: Some("not-an-address".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, PutContactError::InvalidParameterValue(_)),
        "{err:?}"
    );

    contact_group(&cms, "ops", &["alice", "bob"]).await;
    contact_group(&cms, "dba", &["bob"]).await;
    let err = cms
        .put_contact_group()
        .contact_group_name("ghosts")
        .contact_names("carol")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, PutContactGroupError::InvalidParameterValue(_)),
        "{err:?}"
    );

    let list = cms.describe_contact_list().send().await.unwrap();
    assert_eq!(list.total, Some(2));
    assert_eq!(list.success, Some(true));
    let bob = list
        .contacts
        .iter()
        .find(|c| c.name.as_deref() == Some("bob"))
        .unwrap();
    let channels = bob.channels.as_ref().unwrap();
    assert_eq!(channels.mail.as_deref(), Some("bob@example.com"));
    assert!(channels.ding_web_hook.is_some());
    assert_eq!(bob.contact_groups, vec!["ops", "dba"]);
    assert_eq!(bob.desc.as_deref(), Some("bob on call"));

    // Filters: by channel value, by name, paging.
    let by_mail = cms
        .describe_contact_list()
        .chanel_type("Mail")
        .chanel_value("alice@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(by_mail.contacts.len(), 1);
    assert_eq!(by_mail.contacts[0].name.as_deref(), Some("alice"));
    let err = cms
        .describe_contact_list()
        .chanel_type("Pager")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, DescribeContactListError::InvalidParameter(_)),
        "{err:?}"
    );
    let with_ding = cms
        .describe_contact_list()
        .chanel_type("DingWebHook")
        .send()
        .await
        .unwrap();
    assert_eq!(with_ding.contacts.len(), 1);
    let second = cms
        .describe_contact_list()
        .page_size(1)
        .page_number(2)
        .send()
        .await
        .unwrap();
    assert_eq!(second.total, Some(2));
    assert_eq!(second.contacts[0].name.as_deref(), Some("bob"));

    let groups = cms.describe_contact_group_list().send().await.unwrap();
    assert_eq!(groups.total, Some(2));
    assert_eq!(groups.contact_groups, vec!["ops", "dba"]);
    assert_eq!(groups.contact_group_list[0].contacts, vec!["alice", "bob"]);
    let members = cms
        .describe_contact_list_by_contact_group()
        .contact_group_name("ops")
        .send()
        .await
        .unwrap();
    let names: Vec<_> = members
        .contacts
        .iter()
        .filter_map(|c| c.name.clone())
        .collect();
    assert_eq!(names, vec!["alice", "bob"]);

    // Deleting a contact takes it out of its groups.
    cms.delete_contact()
        .contact_name("bob")
        .send()
        .await
        .unwrap();
    let err = cms
        .delete_contact()
        .contact_name("bob")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, DeleteContactError::ContactNotExists(_)),
        "{err:?}"
    );
    let groups = cms.describe_contact_group_list().send().await.unwrap();
    assert_eq!(groups.contact_group_list[0].contacts, vec!["alice"]);
    assert!(groups.contact_group_list[1].contacts.is_empty());

    cms.delete_contact_group()
        .contact_group_name("dba")
        .send()
        .await
        .unwrap();
    let err = cms
        .delete_contact_group()
        .contact_group_name("dba")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, DeleteContactGroupError::ContactNotExists(_)),
        "{err:?}"
    );
    let groups = cms.describe_contact_group_list().send().await.unwrap();
    assert_eq!(groups.contact_groups, vec!["ops"]);
}

#[tokio::test(start_paused = true)]
async fn monitor_groups_create_describe_modify_delete() {
    let (_emulator, cms, _ecs) = start().await;
    contact(&cms, "alice", "alice@example.com").await;
    contact_group(&cms, "ops", &["alice"]).await;

    let web = cms
        .create_monitor_group()
        .group_name("web-tier")
        .contact_groups("ops")
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    assert!(web > 3_600_000, "{web}");
    let db = cms
        .create_monitor_group()
        .group_name("db-tier")
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    assert_ne!(web, db);

    let err = cms
        .create_monitor_group()
        .group_name("web-tier")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, CreateMonitorGroupError::ResourceExist(_)),
        "{err:?}"
    );
    let err = cms
        .create_monitor_group()
        .group_name("cache")
        .contact_groups("nobody")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, CreateMonitorGroupError::ResourceNotFound(_)),
        "{err:?}"
    );

    let all = cms
        .describe_monitor_groups()
        .select_contact_groups(true)
        .send()
        .await
        .unwrap();
    assert_eq!(all.total, Some(2));
    let first = &all.resources[0];
    assert_eq!(first.group_id, Some(web));
    assert_eq!(first.group_name.as_deref(), Some("web-tier"));
    assert_eq!(first.r#type.as_deref(), Some("custom"));
    assert_eq!(first.contact_groups[0].name.as_deref(), Some("ops"));
    assert!(first.gmt_create.unwrap() > 1_600_000_000_000);

    let fuzzy = cms
        .describe_monitor_groups()
        .group_name("tier")
        .page_size(1)
        .page_number(2)
        .send()
        .await
        .unwrap();
    assert_eq!(fuzzy.total, Some(2));
    assert_eq!(fuzzy.page_number, Some(2));
    assert_eq!(fuzzy.resources.len(), 1);
    assert_eq!(fuzzy.resources[0].group_name.as_deref(), Some("db-tier"));
    let by_id = cms
        .describe_monitor_groups()
        .group_id(db.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(by_id.resources.len(), 1);
    let by_type = cms
        .describe_monitor_groups()
        .r#type("tag")
        .send()
        .await
        .unwrap();
    assert_eq!(by_type.total, Some(0));

    // Renames refuse a name another group has.
    let err = cms
        .modify_monitor_group()
        .group_id(db.to_string())
        .group_name("web-tier")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, ModifyMonitorGroupError::ResourceExist(_)),
        "{err:?}"
    );
    cms.modify_monitor_group()
        .group_id(db.to_string())
        .group_name("database")
        .contact_groups("ops")
        .send()
        .await
        .unwrap();
    let err = cms
        .modify_monitor_group()
        .group_id("42")
        .group_name("x")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, ModifyMonitorGroupError::ResourceNotFound(_)),
        "{err:?}"
    );

    // A deleted contact group no longer notifies the groups that named it.
    cms.delete_contact_group()
        .contact_group_name("ops")
        .send()
        .await
        .unwrap();
    let deleted = cms
        .delete_monitor_group()
        .group_id(db)
        .send()
        .await
        .unwrap();
    let group = deleted.group.unwrap();
    assert_eq!(group.group_name.as_deref(), Some("database"));
    assert!(group.contact_groups.is_empty());
    let err = cms
        .delete_monitor_group()
        .group_id(db)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, DeleteMonitorGroupError::ResourceNotFound(_)),
        "{err:?}"
    );
    let left = cms.describe_monitor_groups().send().await.unwrap();
    assert_eq!(left.total, Some(1));
}

#[tokio::test(start_paused = true)]
async fn group_instances_come_from_the_ecs_world() {
    let (_emulator, cms, ecs) = start().await;
    let web = launch(&ecs, "web", "app", "web").await[0].clone();
    let db = launch(&ecs, "db", "app", "db").await[0].clone();
    let group = cms
        .create_monitor_group()
        .group_name("app")
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    let gid = group.to_string();

    // An ECS instance the world does not hold is refused, and nothing is added.
    let err = cms
        .create_monitor_group_instances()
        .group_id(&gid)
        .instances(member(&web, "web"))
        .instances(member("i-nothere", "ghost"))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, CreateMonitorGroupInstancesError::ResourceNotFound(_)),
        "{err:?}"
    );
    let err = cms
        .create_monitor_group_instances()
        .group_id("1")
        .instances(member(&web, "web"))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, CreateMonitorGroupInstancesError::ResourceNotFound(_)),
        "{err:?}"
    );

    cms.create_monitor_group_instances()
        .group_id(&gid)
        .instances(member(&web, "web"))
        .instances(member(&db, "db"))
        .instances(Instances {
            category: Some("rds".into()),
            instance_id: Some("rm-bp1abc".into()),
            instance_name: Some("orders".into()),
            region_id: Some("cn-hangzhou".into()),
        })
        .send()
        .await
        .unwrap();
    // Adding a member again changes nothing.
    cms.create_monitor_group_instances()
        .group_id(&gid)
        .instances(member(&web, "web"))
        .send()
        .await
        .unwrap();

    let listed = cms
        .describe_monitor_group_instances()
        .group_id(group)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.total, Some(3));
    let ids: Vec<_> = listed
        .resources
        .iter()
        .filter_map(|r| r.instance_id.clone())
        .collect();
    assert_eq!(ids, vec![web.clone(), db.clone(), "rm-bp1abc".to_string()]);
    assert!(listed.resources.iter().all(|r| r.id.is_some()));

    let ecs_only = cms
        .describe_monitor_group_instances()
        .group_id(group)
        .category("ecs")
        .page_size(1)
        .send()
        .await
        .unwrap();
    assert_eq!(ecs_only.total, Some(2));
    assert_eq!(ecs_only.resources.len(), 1);
    let by_keyword = cms
        .describe_monitor_group_instances()
        .group_id(group)
        .keyword("orders")
        .send()
        .await
        .unwrap();
    assert_eq!(by_keyword.resources[0].category.as_deref(), Some("rds"));

    let attribute = cms
        .describe_monitor_group_instance_attribute()
        .group_id(group)
        .instance_ids(&web)
        .send()
        .await
        .unwrap();
    let item = &attribute.resources[0];
    assert_eq!(item.instance_name.as_deref(), Some("web"));
    assert_eq!(
        item.dimension.as_deref(),
        Some(format!("{{\"instanceId\":\"{web}\"}}").as_str())
    );
    let region = item.region.as_ref().unwrap();
    assert_eq!(region.region_id.as_deref(), Some("cn-hangzhou"));
    assert!(
        region
            .availability_zone
            .as_deref()
            .unwrap()
            .starts_with("cn-hangzhou-")
    );
    assert!(
        item.vpc
            .as_ref()
            .unwrap()
            .vpc_instance_id
            .as_deref()
            .unwrap()
            .starts_with("vpc-")
    );
    assert_eq!(item.tags[0].key.as_deref(), Some("app"));
    assert_eq!(item.tags[0].value.as_deref(), Some("web"));

    let categories = cms
        .describe_monitor_group_categories()
        .group_id(group)
        .send()
        .await
        .unwrap()
        .monitor_group_categories
        .unwrap();
    assert_eq!(categories.group_id, Some(group));
    let counts: Vec<_> = categories
        .monitor_group_category
        .iter()
        .map(|c| (c.category.clone().unwrap(), c.count.unwrap()))
        .collect();
    assert_eq!(counts, vec![("ecs".to_string(), 2), ("rds".to_string(), 1)]);

    // Groups holding an instance.
    let holding = cms
        .describe_monitor_groups()
        .instance_id(&db)
        .send()
        .await
        .unwrap();
    assert_eq!(holding.resources[0].group_id, Some(group));

    // Modify replaces the members of the categories it names; delete removes by id.
    cms.modify_monitor_group_instances()
        .group_id(group)
        .instances(member(&db, "db"))
        .send()
        .await
        .unwrap();
    cms.delete_monitor_group_instances()
        .group_id(group)
        .category("rds")
        .instance_id_list("rm-bp1abc")
        .send()
        .await
        .unwrap();
    let listed = cms
        .describe_monitor_group_instances()
        .group_id(group)
        .send()
        .await
        .unwrap();
    let ids: Vec<_> = listed
        .resources
        .iter()
        .filter_map(|r| r.instance_id.clone())
        .collect();
    assert_eq!(ids, vec![db.clone()]);
    let err = cms
        .delete_monitor_group_instances()
        .group_id(1)
        .category("ecs")
        .instance_id_list(&db)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFound"), "{err:?}");
    let none = cms
        .describe_monitor_groups()
        .instance_id(&web)
        .send()
        .await
        .unwrap();
    assert_eq!(none.total, Some(0));
}

#[tokio::test(start_paused = true)]
async fn dynamic_tag_groups_make_a_group_per_matching_value() {
    let (_emulator, cms, ecs) = start().await;
    let prod_a = launch(&ecs, "a", "env", "prod-a").await[0].clone();
    let prod_b = launch(&ecs, "b", "env", "prod-b").await[0].clone();
    let _test = launch(&ecs, "t", "env", "test").await;
    let _other = launch(&ecs, "o", "team", "prod-x").await;
    contact(&cms, "alice", "alice@example.com").await;
    contact_group(&cms, "ops", &["alice"]).await;

    let err = cms
        .create_dynamic_tag_group()
        .tag_key("env")
        .match_express(CreateDynamicTagGroupMatchExpress {
            tag_value: Some("prod".into()),
            tag_value_match_function: Some("fuzzy".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ParameterInvalid"), "{err:?}");

    let rule = cms
        .create_dynamic_tag_group()
        .tag_key("env")
        .match_express(CreateDynamicTagGroupMatchExpress {
            tag_value: Some("prod".into()),
            tag_value_match_function: Some("startWith".into()),
            ..Default::default()
        })
        .contact_group_list("ops")
        .send()
        .await
        .unwrap()
        .id
        .unwrap();
    assert_eq!(rule.len(), 36, "{rule}");

    let groups = cms
        .describe_monitor_groups()
        .dynamic_tag_rule_id(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(groups.total, Some(2));
    let values: Vec<_> = groups
        .resources
        .iter()
        .map(|g| g.group_founder_tag_value.clone().unwrap())
        .collect();
    assert_eq!(values, vec!["prod-a", "prod-b"]);
    assert!(
        groups
            .resources
            .iter()
            .all(|g| g.r#type.as_deref() == Some("tag"))
    );
    let by_tag = cms
        .describe_monitor_groups()
        .tag(Labels {
            key: Some("env".into()),
            value: Some("prod-b".into()),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(by_tag.total, Some(1));
    let b_group = by_tag.resources[0].group_id.unwrap();
    let members = cms
        .describe_monitor_group_instances()
        .group_id(b_group)
        .send()
        .await
        .unwrap();
    assert_eq!(members.resources.len(), 1);
    assert_eq!(
        members.resources[0].instance_id.as_deref(),
        Some(prod_b.as_str())
    );
    let holding_a = cms
        .describe_monitor_groups()
        .instance_id(&prod_a)
        .send()
        .await
        .unwrap();
    assert_eq!(holding_a.total, Some(1));

    let rules = cms
        .describe_dynamic_tag_rule_list()
        .tag_key("env")
        .send()
        .await
        .unwrap();
    assert_eq!(rules.total, Some(1));
    let listed = &rules.tag_group_list[0];
    assert_eq!(listed.dynamic_tag_rule_id.as_deref(), Some(rule.as_str()));
    assert_eq!(listed.contact_group_list, vec!["ops"]);
    assert_eq!(
        listed.match_express[0].tag_value_match_function.as_deref(),
        Some("startWith")
    );
    assert_eq!(rules.page_number.as_deref(), Some("1"));

    cms.delete_dynamic_tag_group()
        .dynamic_tag_rule_id(&rule)
        .send()
        .await
        .unwrap();
    let err = cms
        .delete_dynamic_tag_group()
        .dynamic_tag_rule_id(&rule)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, DeleteDynamicTagGroupError::ResourceNotFound(_)),
        "{err:?}"
    );
    let left = cms.describe_monitor_groups().send().await.unwrap();
    assert_eq!(left.total, Some(0));
}

#[tokio::test(start_paused = true)]
async fn pause_policies_and_resource_group_groups() {
    let (_emulator, cms, ecs) = start().await;
    let in_rg = ecs
        .run_instances()
        .image_id(IMAGE)
        .instance_type("ecs.g7.large")
        .resource_group_id("rg-acfm123")
        .send()
        .await
        .unwrap()
        .instance_id_sets;
    let _outside = launch(&ecs, "x", "k", "v").await;
    contact(&cms, "alice", "alice@example.com").await;
    contact_group(&cms, "ops", &["alice"]).await;

    let group = cms
        .create_monitor_group_by_resource_group_id()
        .region_id("cn-hangzhou")
        .resource_group_id("rg-acfm123")
        .resource_group_name("billing")
        .contact_group_list("ops")
        .send()
        .await
        .unwrap()
        .id
        .unwrap();
    let members = cms
        .describe_monitor_group_instances()
        .group_id(group)
        .send()
        .await
        .unwrap();
    let ids: Vec<_> = members
        .resources
        .iter()
        .filter_map(|r| r.instance_id.clone())
        .collect();
    assert_eq!(ids, in_rg);
    let err = cms
        .create_monitor_group_by_resource_group_id()
        .region_id("cn-hangzhou")
        .resource_group_id("rg-acfm123")
        .resource_group_name("again")
        .contact_group_list("ops")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ParameterInvalid"), "{err:?}");
    let listed = cms
        .describe_monitor_groups()
        .r#type("resMgr")
        .send()
        .await
        .unwrap();
    assert_eq!(
        listed.resources[0].resource_group_id.as_deref(),
        Some("rg-acfm123")
    );

    let gid = group.to_string();
    cms.create_monitor_group_notify_policy()
        .policy_type("PauseNotify")
        .group_id(&gid)
        .start_time(1_700_000_000_000)
        .end_time(1_700_003_600_000)
        .send()
        .await
        .unwrap();
    let policies = cms
        .describe_monitor_group_notify_policy_list()
        .policy_type("PauseNotify")
        .group_id(&gid)
        .send()
        .await
        .unwrap();
    assert_eq!(policies.total, Some(1));
    let policy = &policies.notify_policy_list[0];
    assert_eq!(policy.end_time, Some(1_700_003_600_000));
    assert_eq!(policy.group_id.as_deref(), Some(gid.as_str()));
    let err = cms
        .create_monitor_group_notify_policy()
        .policy_type("PauseNotify")
        .group_id("7")
        .start_time(1)
        .end_time(2)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFound"), "{err:?}");

    cms.delete_monitor_group_notify_policy()
        .policy_type("PauseNotify")
        .group_id(&gid)
        .send()
        .await
        .unwrap();
    let policies = cms
        .describe_monitor_group_notify_policy_list()
        .policy_type("PauseNotify")
        .send()
        .await
        .unwrap();
    assert_eq!(policies.total, Some(0));
}

#[tokio::test(start_paused = true)]
async fn event_rules_and_their_targets() {
    let (_emulator, cms, _ecs) = start().await;
    contact(&cms, "alice", "alice@example.com").await;
    contact_group(&cms, "ops", &["alice"]).await;
    let group = cms
        .create_monitor_group()
        .group_name("app")
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap()
        .to_string();

    let pattern = PutEventRuleEventPattern {
        product: Some("ecs".into()),
        event_type_list: vec!["StatusNotification".into()],
        level_list: vec!["CRITICAL".into(), "WARN".into()],
        name_list: vec!["Instance:StateChange".into()],
        ..Default::default()
    };
    let put = cms
        .put_event_rule()
        .rule_name("ecs-state")
        .group_id(&group)
        .event_type("SYSTEM")
        .description("instance state changes")
        .event_pattern(pattern.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(put.data.as_deref(), Some("1"));
    cms.put_event_rule()
        .rule_name("ecs-other")
        .state("DISABLED")
        .event_pattern(PutEventRuleEventPattern {
            product: Some("ecs".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    cms.put_event_rule()
        .rule_name("rds-all")
        .event_pattern(PutEventRuleEventPattern {
            product: Some("rds".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let err = cms
        .put_event_rule()
        .rule_name("orphan")
        .group_id("99")
        .event_pattern(pattern.clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFound"), "{err:?}");

    let listed = cms
        .describe_event_rule_list()
        .name_prefix("ecs-")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.total, Some(2));
    let first = &listed.event_rules[0];
    assert_eq!(first.name.as_deref(), Some("ecs-state"));
    assert_eq!(first.state.as_deref(), Some("ENABLED"));
    assert_eq!(first.event_pattern[0].level_list, vec!["CRITICAL", "WARN"]);
    let in_group = cms
        .describe_event_rule_list()
        .group_id(&group)
        .send()
        .await
        .unwrap();
    assert_eq!(in_group.total, Some(1));
    let paged = cms
        .describe_event_rule_list()
        .page_size("2")
        .page_number("2")
        .send()
        .await
        .unwrap();
    assert_eq!(paged.total, Some(3));
    assert_eq!(paged.event_rules[0].name.as_deref(), Some("rds-all"));

    let attribute = cms
        .describe_event_rule_attribute()
        .rule_name("ecs-state")
        .send()
        .await
        .unwrap()
        .result
        .unwrap();
    assert_eq!(attribute.group_id.as_deref(), Some(group.as_str()));
    let pattern = attribute.event_pattern.unwrap();
    assert_eq!(pattern.product.as_deref(), Some("ecs"));
    assert_eq!(pattern.name_list, vec!["Instance:StateChange"]);

    // Enable / disable / delete refuse unknown names before changing anything.
    let err = cms
        .disable_event_rules()
        .rule_names("ecs-state")
        .rule_names("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFound"), "{err:?}");
    cms.disable_event_rules()
        .rule_names("ecs-state")
        .send()
        .await
        .unwrap();
    cms.enable_event_rules()
        .rule_names("ecs-other")
        .send()
        .await
        .unwrap();
    let enabled = cms
        .describe_event_rule_list()
        .is_enable(true)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = enabled
        .event_rules
        .iter()
        .filter_map(|r| r.name.clone())
        .collect();
    assert_eq!(names, vec!["ecs-other", "rds-all"]);

    // Targets: a contact target naming an unknown contact group fails, the others are kept.
    let targets = cms
        .put_event_rule_targets()
        .rule_name("ecs-state")
        .contact_parameters(PutEventRuleTargetsContactParameters {
            contact_group_name: Some("ops".into()),
            id: Some("1".into()),
            level: Some("3".into()),
        })
        .contact_parameters(PutEventRuleTargetsContactParameters {
            contact_group_name: Some("nobody".into()),
            id: Some("2".into()),
            level: Some("3".into()),
        })
        .fc_parameters(PutEventRuleTargetsFcParameters {
            function_name: Some("notify".into()),
            id: Some("3".into()),
            region: Some("cn-hangzhou".into()),
            service_name: Some("alerts".into()),
        })
        .mns_parameters(PutEventRuleTargetsMnsParameters {
            id: Some("4".into()),
            queue: Some("events".into()),
            region: Some("cn-hangzhou".into()),
            topic: None,
        })
        .send()
        .await
        .unwrap();
    assert_eq!(targets.failed_parameter_count.as_deref(), Some("1"));
    assert_eq!(
        targets.failed_contact_parameters[0]
            .contact_group_name
            .as_deref(),
        Some("nobody")
    );
    assert_eq!(targets.failed_contact_parameters[0].id, Some(2));
    let listed = cms
        .describe_event_rule_target_list()
        .rule_name("ecs-state")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.contact_parameters.len(), 1);
    assert_eq!(
        listed.contact_parameters[0].contact_group_name.as_deref(),
        Some("ops")
    );
    assert_eq!(
        listed.fc_parameters[0].arn.as_deref(),
        Some("acs:fc:cn-hangzhou:1234567898765432:services/alerts/functions/notify")
    );
    assert_eq!(listed.mns_parameters[0].queue.as_deref(), Some("events"));

    cms.delete_event_rule_targets()
        .rule_name("ecs-state")
        .ids("1")
        .ids("3")
        .send()
        .await
        .unwrap();
    let listed = cms
        .describe_event_rule_target_list()
        .rule_name("ecs-state")
        .send()
        .await
        .unwrap();
    assert!(listed.contact_parameters.is_empty());
    assert!(listed.fc_parameters.is_empty());
    assert_eq!(listed.mns_parameters.len(), 1);
    let err = cms
        .describe_event_rule_target_list()
        .rule_name("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFound"), "{err:?}");

    cms.delete_event_rules()
        .rule_names("ecs-state")
        .rule_names("rds-all")
        .send()
        .await
        .unwrap();
    let left = cms.describe_event_rule_list().send().await.unwrap();
    assert_eq!(left.total, Some(1));
    let err = cms
        .describe_event_rule_attribute()
        .rule_name("ecs-state")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFound"), "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn availability_tasks_of_a_group_are_created_listed_changed_paused_and_deleted() {
    use aliyun_cms::types::{AlertConfig, AlertConfigEscalationList, TaskOption};
    let (_emulator, cms, _ecs) = start().await;
    let group = cms
        .create_monitor_group()
        .group_name("web-tier")
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    let escalation = AlertConfigEscalationList {
        aggregate: Some("Value".into()),
        metric_name: Some("HttpStatus".into()),
        operator: Some("=".into()),
        times: Some(3),
        value: Some("500".into()),
    };
    let alert = AlertConfig {
        notify_type: Some(1),
        silence_time: Some(3600),
        ..AlertConfig::default()
    };
    let create = |name: &str| {
        cms.create_host_availability()
            .group_id(group)
            .task_name(name)
            .task_type("HTTP")
            .task_option(TaskOption {
                http_uri: Some("http://localhost/health".into()),
                ..TaskOption::default()
            })
            .alert_config(alert.clone())
            .alert_config_escalation_list(escalation.clone())
            .send()
    };
    let id = create("health").await.unwrap().task_id.unwrap();
    let err = create("health").await.unwrap_err();
    assert_eq!(err.code(), Some("ResourceExist"), "{err}");

    let listed = cms
        .describe_host_availability_list()
        .group_id(group)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.total, Some(1));
    let task = &listed.task_list[0];
    assert_eq!(task.id, Some(id));
    assert_eq!(task.group_name.as_deref(), Some("web-tier"));
    assert_eq!(task.task_scope.as_deref(), Some("GROUP"));
    assert_eq!(task.disabled, Some(false));
    let options = task.task_option.as_ref().unwrap();
    assert_eq!(options.http_uri.as_deref(), Some("http://localhost/health"));
    let config = task.alert_config.as_ref().unwrap();
    assert_eq!(config.silence_time, Some(3600));
    assert_eq!(config.escalation_list[0].value.as_deref(), Some("500"));

    cms.modify_host_availability()
        .id(id)
        .group_id(group)
        .task_name("health-check")
        .alert_config(alert.clone())
        .alert_config_escalation_list(escalation.clone())
        .send()
        .await
        .unwrap();
    cms.disable_host_availability().id(id).send().await.unwrap();
    let changed = cms
        .describe_host_availability_list()
        .id(id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        changed.task_list[0].task_name.as_deref(),
        Some("health-check")
    );
    assert_eq!(changed.task_list[0].disabled, Some(true));
    let unhealthy = cms
        .describe_unhealthy_host_availability()
        .id(id)
        .send()
        .await
        .unwrap();
    assert!(unhealthy.unhealthy_list[0].instance_list.is_empty());

    cms.delete_host_availability().id(id).send().await.unwrap();
    let err = cms
        .delete_host_availability()
        .id(id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFound"), "{err}");
    let err = cms
        .create_host_availability()
        .group_id(42)
        .task_name("orphan")
        .task_type("PING")
        .alert_config(alert)
        .alert_config_escalation_list(escalation)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFound"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn group_tags_are_added_listed_filtered_and_removed() {
    let (emulator, cms, _) = start().await;
    let mut groups = Vec::new();
    for name in ["web-tier", "db-tier"] {
        let id = cms
            .create_monitor_group()
            .group_name(name)
            .send()
            .await
            .unwrap()
            .group_id
            .unwrap();
        groups.push(id.to_string());
    }
    let tag = |key: &str, value: &str| aliyun_cms::types::Tag {
        key: Some(key.into()),
        value: Some(value.into()),
    };
    cms.add_tags()
        .group_ids(&groups[0])
        .group_ids(&groups[1])
        .tag(tag("env", "prod"))
        .send()
        .await
        .unwrap();
    cms.add_tags()
        .group_ids(&groups[1])
        .tag(tag("env", "staging"))
        .tag(tag("team", "data"))
        .send()
        .await
        .unwrap();
    let err = cms
        .add_tags()
        .group_ids("999")
        .tag(tag("env", "prod"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFound"), "{err}");

    let keys = cms.describe_tag_key_list().send().await.unwrap();
    assert_eq!(keys.tag_keys, ["env", "team"]);
    let values = cms
        .describe_tag_value_list()
        .tag_key("env")
        .send()
        .await
        .unwrap();
    assert_eq!(values.tag_values, ["prod", "staging"]);
    let staging = cms
        .describe_monitor_groups()
        .tag(Labels {
            key: Some("env".into()),
            value: Some("staging".into()),
        })
        .send()
        .await
        .unwrap();
    let names: Vec<_> = staging
        .resources
        .iter()
        .map(|g| g.group_name.clone().unwrap())
        .collect();
    assert_eq!(names, ["db-tier"]);

    // A value given must match: only the group whose `env` is `prod` loses it.
    let removed = cms
        .remove_tags()
        .group_ids(&groups[0])
        .group_ids(&groups[1])
        .tag(tag("env", "prod"))
        .send()
        .await
        .unwrap();
    assert_eq!(removed.tag, ["env"]);
    let values = cms
        .describe_tag_value_list()
        .tag_key("env")
        .send()
        .await
        .unwrap();
    assert_eq!(values.tag_values, ["staging"]);
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn dynamic_rules_add_matching_instances_and_groups_watch_processes() {
    let (emulator, cms, ecs) = start().await;
    for name in ["nginx-1", "nginx-2", "db-1"] {
        launch(&ecs, name, "role", "any").await;
    }
    let group = cms
        .create_monitor_group()
        .group_name("web")
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    let rule = |category: &str, function: &str, value: &str| {
        aliyun_cms::types::PutMonitorGroupDynamicRuleGroupRules {
            category: Some(category.into()),
            filter_relation: Some("and".into()),
            filters: vec![aliyun_cms::types::PutMonitorGroupDynamicRuleFilters {
                function: Some(function.into()),
                name: Some("hostName".into()),
                value: Some(value.into()),
            }],
        }
    };
    cms.put_monitor_group_dynamic_rule()
        .group_id(group)
        .group_rules(rule("ecs", "startWith", "nginx"))
        .send()
        .await
        .unwrap();
    let members = cms
        .describe_monitor_group_instances()
        .group_id(group)
        .send()
        .await
        .unwrap();
    let mut names: Vec<_> = members
        .resources
        .iter()
        .map(|m| m.instance_name.clone().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["nginx-1", "nginx-2"]);
    let rules = cms
        .describe_monitor_group_dynamic_rules()
        .group_id(group)
        .send()
        .await
        .unwrap();
    assert_eq!(rules.resource.len(), 1);
    assert_eq!(rules.resource[0].filters[0].value.as_deref(), Some("nginx"));
    let err = cms
        .put_monitor_group_dynamic_rule()
        .group_id(group)
        .group_rules(rule("ecs", "regex", "nginx"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ParameterInvalid"), "{err}");
    cms.delete_monitor_group_dynamic_rule()
        .group_id(group)
        .category("ecs")
        .send()
        .await
        .unwrap();
    let rules = cms
        .describe_monitor_group_dynamic_rules()
        .group_id(group)
        .send()
        .await
        .unwrap();
    assert!(rules.resource.is_empty());

    // Processes the group watches.
    let alert = aliyun_cms::types::CreateGroupMonitoringAgentProcessAlertConfig {
        comparison_operator: Some("LessThanThreshold".into()),
        escalations_level: Some("critical".into()),
        statistics: Some("Average".into()),
        threshold: Some("1".into()),
        times: Some("3".into()),
        ..Default::default()
    };
    let process = cms
        .create_group_monitoring_agent_process()
        .group_id(group.to_string())
        .process_name("nginx")
        .alert_config(alert.clone())
        .send()
        .await
        .unwrap()
        .resource
        .unwrap()
        .group_process_id
        .unwrap();
    let err = cms
        .create_group_monitoring_agent_process()
        .group_id(group.to_string())
        .process_name("nginx")
        .alert_config(
            aliyun_cms::types::CreateGroupMonitoringAgentProcessAlertConfig {
                escalations_level: Some("urgent".into()),
                ..alert
            },
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ParameterInvalid"), "{err}");
    let listed = cms
        .describe_group_monitoring_agent_process()
        .group_id(group.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(listed.processes.len(), 1);
    assert_eq!(listed.processes[0].id.as_deref(), Some(process.as_str()));
    assert_eq!(
        listed.processes[0].alert_config[0]
            .escalations_level
            .as_deref(),
        Some("critical")
    );
    cms.modify_group_monitoring_agent_process()
        .group_id(group.to_string())
        .id(&process)
        .alert_config(
            aliyun_cms::types::ModifyGroupMonitoringAgentProcessAlertConfig {
                comparison_operator: Some("LessThanThreshold".into()),
                escalations_level: Some("warn".into()),
                statistics: Some("Average".into()),
                threshold: Some("2".into()),
                times: Some("1".into()),
                ..Default::default()
            },
        )
        .send()
        .await
        .unwrap();
    let modified = cms
        .describe_group_monitoring_agent_process()
        .group_id(group.to_string())
        .process_name("nginx")
        .send()
        .await
        .unwrap();
    assert_eq!(
        modified.processes[0].alert_config[0].threshold.as_deref(),
        Some("2")
    );
    // The group goes with what it watches: nothing of it is found any more.
    cms.delete_monitor_group()
        .group_id(group)
        .send()
        .await
        .unwrap();
    let err = cms
        .delete_group_monitoring_agent_process()
        .group_id(group.to_string())
        .id(&process)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFound"), "{err}");
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn instance_state_changes_and_dry_runs_are_system_events() {
    let (emulator, cms, ecs) = start().await;
    let id = launch(&ecs, "web-1", "role", "web").await.remove(0);
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    ecs.stop_instance().instance_id(&id).send().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;

    let events = cms
        .describe_system_event_attribute()
        .product("ecs")
        .name("Instance:StateChange")
        .send()
        .await
        .unwrap();
    // Newest first: launched, running, stopping, stopped.
    let states: Vec<_> = events
        .system_events
        .iter()
        .map(|e| e.status.clone().unwrap())
        .collect();
    assert_eq!(states, ["Stopped", "Stopping", "Running", "Pending"]);
    let content: serde_json::Value =
        serde_json::from_str(events.system_events[0].content.as_deref().unwrap()).unwrap();
    assert_eq!(content["instanceId"], id.as_str());
    let times: Vec<i64> = events
        .system_events
        .iter()
        .map(|e| e.time.unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");

    cms.send_dry_run_system_event()
        .product("CloudMonitor")
        .event_name("Agent_Status_Stopped")
        .event_content("level", serde_json::json!("CRITICAL"))
        .event_content("instanceName", serde_json::json!("web-1"))
        .send()
        .await
        .unwrap();
    let critical = cms
        .describe_system_event_attribute()
        .level("critical")
        .send()
        .await
        .unwrap();
    assert_eq!(critical.system_events.len(), 1);
    assert_eq!(
        critical.system_events[0].name.as_deref(),
        Some("Agent_Status_Stopped")
    );

    let counts = cms.describe_system_event_count().send().await.unwrap();
    let state_changes = counts
        .system_event_counts
        .iter()
        .find(|c| c.name.as_deref() == Some("Instance:StateChange"))
        .unwrap();
    assert_eq!(state_changes.num, Some(4));
    assert_eq!(state_changes.status.as_deref(), Some("Stopped"));
    let histogram = cms
        .describe_system_event_histogram()
        .product("ECS")
        .send()
        .await
        .unwrap();
    let total: i64 = histogram
        .system_event_histograms
        .iter()
        .map(|b| b.count.unwrap())
        .sum();
    assert_eq!(total, 4);
    assert_eq!(histogram.system_event_histograms.len(), 10);
    emulator.shutdown().await;
}
