//! ECS instances as the emulator models them, through the typed client on a paused clock
//! (in-process transport): launch, the transitional statuses, the generated waiters, describe
//! filters and both paging styles, tags, the documented refusals, client tokens, release with
//! disks, and a world that stays consistent under 1,000 concurrent creates and deletes.

use std::collections::HashSet;
use std::time::Duration;

use aliyun_ecs::action::delete_instance::DeleteInstanceError;
use aliyun_ecs::action::run_instances::RunInstancesError;
use aliyun_ecs::action::start_instance::StartInstanceError;
use aliyun_ecs::action::stop_instance::StopInstanceError;
use aliyun_ecs::types::{RunInstancesDataDisk, Tag};
use aliyun_emulator::{AnswerSource, Emulator, InstanceStatus};

fn client(emulator: &Emulator) -> aliyun_ecs::Client {
    let config = emulator
        .in_process_config_builder()
        .retry_policy(aliyun_core::testing::support::quick_retries())
        .build()
        .unwrap();
    aliyun_ecs::Client::new(&config)
}

async fn start() -> Emulator {
    Emulator::builder()
        .no_default_instances()
        .instance_transition(Duration::from_secs(3))
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

async fn status(ecs: &aliyun_ecs::Client, id: &str) -> String {
    let out = ecs
        .describe_instances()
        .instance_ids(id.to_string())
        .send()
        .await
        .unwrap();
    out.instances[0].status.clone().unwrap()
}

const IMAGE: &str = "aliyun_3_x64_20G_alibase_20240528.vhd";

#[tokio::test(start_paused = true)]
async fn run_stop_start_delete_through_the_waiters() {
    let emulator = start().await;
    let ecs = client(&emulator);
    let run = ecs
        .run_instances()
        .image_id(IMAGE)
        .instance_type("ecs.g7.large")
        .amount(3)
        .instance_name("web-[1,3]")
        .tag(tag("env", "test"))
        .data_disk(RunInstancesDataDisk {
            size: Some(100),
            category: Some("cloud_essd".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let ids = run.instance_id_sets.clone();
    assert_eq!(ids.len(), 3);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 3);
    for id in &ids {
        assert!(
            id.starts_with("i-bp1") && id.len() == 22 && !id.contains('*'),
            "{id}"
        );
    }
    assert_eq!(status(&ecs, &ids[0]).await, "Pending");
    let last = emulator.requests_for("DescribeInstances").pop().unwrap();
    assert_eq!(last.answered_from, Some(AnswerSource::World));

    // Describe sees the launch as asked: names expanded, tags, the default network, disks.
    let described = ecs
        .describe_instances()
        .set_instance_ids(Some(ids.to_vec()))
        .send()
        .await
        .unwrap();
    let names: Vec<_> = described
        .instances
        .iter()
        .map(|i| i.instance_name.clone().unwrap())
        .collect();
    assert_eq!(names, ["web-001", "web-002", "web-003"]);
    let first = &described.instances[0];
    assert_eq!(first.image_id.as_deref(), Some(IMAGE));
    assert_eq!(first.tags[0].tag_key.as_deref(), Some("env"));
    let vpc = first.vpc_attributes.as_ref().unwrap();
    assert!(vpc.vpc_id.as_deref().unwrap().starts_with("vpc-bp1"));
    assert_eq!(vpc.private_ip_address.len(), 1);
    assert_eq!(first.security_group_ids.len(), 1);
    let disks = ecs
        .describe_disks()
        .instance_id(ids[0].clone())
        .send()
        .await
        .unwrap();
    assert_eq!(disks.disks.len(), 2, "system disk and one data disk");

    ecs.wait_until_instance_running()
        .set_instance_id(Some(ids.clone()))
        .wait()
        .await
        .expect("running");
    assert_eq!(status(&ecs, &ids[0]).await, "Running");

    // A running instance cannot be started, nor released without Force.
    let err = ecs
        .start_instance()
        .instance_id(ids[0].clone())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, StartInstanceError::IncorrectInstanceStatus(_)),
        "{err:?}"
    );
    let err = ecs
        .delete_instance()
        .instance_id(ids[0].clone())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, DeleteInstanceError::IncorrectInstanceStatus(_)),
        "{err:?}"
    );

    ecs.stop_instance()
        .instance_id(ids[0].clone())
        .send()
        .await
        .unwrap();
    assert_eq!(status(&ecs, &ids[0]).await, "Stopping");
    let err = ecs
        .stop_instance()
        .instance_id(ids[0].clone())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, StopInstanceError::IncorrectInstanceStatus(_)),
        "{err:?}"
    );
    let looks_before = emulator.requests_for("DescribeInstanceStatus").len();
    ecs.wait_until_instance_stopped()
        .instance_id(ids[0].clone())
        .wait()
        .await
        .expect("stopped");
    let looks = emulator.requests_for("DescribeInstanceStatus").len() - looks_before;
    assert!(looks <= 2, "{looks} looks");
    assert_eq!(status(&ecs, &ids[0]).await, "Stopped");

    ecs.start_instance()
        .instance_id(ids[0].clone())
        .send()
        .await
        .unwrap();
    assert_eq!(status(&ecs, &ids[0]).await, "Starting");
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(status(&ecs, &ids[0]).await, "Running");

    // Release: Force for a running one; its disks made with it go too.
    ecs.delete_instance()
        .instance_id(ids[0].clone())
        .force(true)
        .send()
        .await
        .unwrap();
    let err = ecs
        .delete_instance()
        .instance_id(ids[0].clone())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, DeleteInstanceError::InvalidInstanceIdNotFound(_)),
        "{err:?}"
    );
    assert_eq!(emulator.instances().len(), 2);
    let left = ecs.describe_instances().send().await.unwrap();
    assert_eq!(left.total_count, Some(2));
}

#[tokio::test(start_paused = true)]
async fn launch_refuses_what_the_world_does_not_have() {
    let emulator = start().await;
    let ecs = client(&emulator);
    let err = ecs
        .run_instances()
        .image_id("m-doesnotexist")
        .instance_type("ecs.g7.large")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, RunInstancesError::InvalidImageIdNotFound(_)),
        "{err:?}"
    );
    let err = ecs
        .run_instances()
        .image_id(IMAGE)
        .instance_type("ecs.g7.large")
        .security_group_id("sg-bp1nosuchgroup0000")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, RunInstancesError::InvalidSecurityGroupIdNotFound(_)),
        "{err:?}"
    );
    let err = ecs
        .run_instances()
        .image_id(IMAGE)
        .instance_type("ecs.g7.large")
        .v_switch_id("vsw-bp1nosuchswitch000")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, RunInstancesError::InvalidVSwitchIdNotFound(_)),
        "{err:?}"
    );
    let err = ecs
        .run_instances()
        .image_id(IMAGE)
        .instance_type("ecs.nope.large")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidInstanceType.ValueNotSupported"));
    assert!(emulator.instances().is_empty(), "nothing was created");

    // A repeated client token answers the first launch.
    let first = ecs
        .run_instances()
        .image_id(IMAGE)
        .instance_type("ecs.g7.large")
        .client_token("token-1")
        .send()
        .await
        .unwrap();
    let again = ecs
        .run_instances()
        .image_id(IMAGE)
        .instance_type("ecs.g7.large")
        .client_token("token-1")
        .send()
        .await
        .unwrap();
    assert_eq!(first.instance_id_sets, again.instance_id_sets);
    assert_eq!(emulator.instances().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn describe_filters_and_pages_in_both_styles() {
    let emulator = Emulator::start().await.unwrap();
    let ecs = client(&emulator);
    // The seeded instances are the ones describes return.
    let all = ecs
        .describe_instances()
        .page_size(100)
        .send()
        .await
        .unwrap();
    assert_eq!(all.total_count, Some(40));
    assert_eq!(all.instances.len(), 40);
    let shanghai = ecs
        .describe_instances()
        .region_id("cn-shanghai")
        .send()
        .await
        .unwrap();
    assert_eq!(shanghai.total_count, Some(8));

    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut call = ecs.describe_instances().max_results(7);
        if let Some(t) = token.take() {
            call = call.next_token(t);
        }
        let page = call.send().await.unwrap();
        seen.extend(
            page.instances
                .iter()
                .map(|i| i.instance_id.clone().unwrap()),
        );
        match page.next_token.filter(|t| !t.is_empty()) {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    assert_eq!(seen.len(), 40);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 40);

    let page3 = ecs
        .describe_instances()
        .page_number(3)
        .page_size(15)
        .send()
        .await
        .unwrap();
    assert_eq!(page3.instances.len(), 10);

    // Filters: status, tag, name, vpc.
    let run = ecs
        .run_instances()
        .image_id(IMAGE)
        .instance_type("ecs.c7.large")
        .instance_name("tagged")
        .tag(tag("team", "db"))
        .send()
        .await
        .unwrap();
    let id = run.instance_id_sets[0].clone();
    let by_tag = ecs
        .describe_instances()
        .tag(tag("team", "db"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_tag.instances.len(), 1);
    assert_eq!(
        by_tag.instances[0].instance_id.as_deref(),
        Some(id.as_str())
    );
    let pending = ecs
        .describe_instances()
        .status("Pending")
        .send()
        .await
        .unwrap();
    assert_eq!(pending.total_count, Some(1));
    let by_type = ecs
        .describe_instances()
        .instance_type("ecs.c7.large")
        .send()
        .await
        .unwrap();
    assert_eq!(by_type.total_count, Some(1));
    let by_name = ecs
        .describe_instances()
        .instance_name("tag*")
        .send()
        .await
        .unwrap();
    assert_eq!(by_name.total_count, Some(1));
    let vpc = by_tag.instances[0]
        .vpc_attributes
        .as_ref()
        .unwrap()
        .vpc_id
        .clone()
        .unwrap();
    let in_vpc = ecs
        .describe_instances()
        .vpc_id(vpc)
        .page_size(100)
        .send()
        .await
        .unwrap();
    assert_eq!(in_vpc.total_count, Some(41));

    // A waiter on an id the world does not have never succeeds: the service leaves unknown
    // ids out, and "every instance Running" needs at least one.
    let waited = ecs
        .wait_until_instance_running()
        .instance_id("i-bp1doesnotexist00000")
        .poll_policy(aliyun_core::workflow::PollPolicy::with_deadline(
            Duration::from_secs(60),
        ))
        .wait()
        .await;
    assert!(
        matches!(waited, Err(aliyun_core::WaitError::TimedOut { .. })),
        "{waited:?}"
    );

    // DescribeInstanceStatus leaves unknown ids out.
    let statuses = ecs
        .describe_instance_status()
        .instance_id("i-emu000001")
        .instance_id("i-unknown")
        .send()
        .await
        .unwrap();
    assert_eq!(statuses.instance_statuses.len(), 1);
    assert_eq!(
        statuses.instance_statuses[0].status.as_deref(),
        Some("Running")
    );
    let _ = InstanceStatus::Running;
}

#[tokio::test(start_paused = true)]
async fn concurrent_creates_and_deletes_keep_the_world_consistent() {
    let emulator = Emulator::builder()
        .no_default_instances()
        .instance_transition(Duration::ZERO)
        .start()
        .await
        .unwrap();
    let ecs = client(&emulator);
    let creates = (0..1000).map(|n| {
        let ecs = ecs.clone();
        tokio::spawn(async move {
            ecs.run_instances()
                .image_id(IMAGE)
                .instance_type("ecs.g7.large")
                .instance_name(format!("c{n}"))
                .send()
                .await
                .unwrap()
                .instance_id_sets
                .remove(0)
        })
    });
    let mut ids = Vec::new();
    for task in creates.collect::<Vec<_>>() {
        ids.push(task.await.unwrap());
    }
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 1000);
    assert_eq!(emulator.instances().len(), 1000);

    // Delete every other one, concurrently, while describing.
    let deletes: Vec<_> = ids
        .iter()
        .step_by(2)
        .cloned()
        .map(|id| {
            let ecs = ecs.clone();
            tokio::spawn(async move {
                ecs.delete_instance()
                    .instance_id(id)
                    .force(true)
                    .send()
                    .await
                    .unwrap();
            })
        })
        .collect();
    for task in deletes {
        task.await.unwrap();
    }
    let left: HashSet<String> = emulator.instances().into_iter().map(|i| i.id).collect();
    let expected: HashSet<String> = ids.iter().skip(1).step_by(2).cloned().collect();
    assert_eq!(left, expected);
    let described = ecs
        .describe_instances()
        .page_size(100)
        .send()
        .await
        .unwrap();
    assert_eq!(described.total_count, Some(500));
    let disks = ecs.describe_disks().page_size(100).send().await.unwrap();
    assert_eq!(
        disks.total_count,
        Some(500),
        "system disks went with their instances"
    );
}

/// Months from `from` to `to`, two `YYYY-MM-…` times.
fn months_between(from: &str, to: &str) -> i32 {
    let month = |t: &str| t[..4].parse::<i32>().unwrap() * 12 + t[5..7].parse::<i32>().unwrap();
    month(to) - month(from)
}

#[tokio::test(start_paused = true)]
async fn subscriptions_have_a_term_that_renews() {
    let emulator = start().await;
    let ecs = client(&emulator);
    let err = ecs
        .run_instances()
        .image_id(IMAGE)
        .instance_charge_type("PrePaid")
        .period(10)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidPeriod"), "{err}");

    let ids = ecs
        .run_instances()
        .image_id(IMAGE)
        .amount(2)
        .instance_charge_type("PrePaid")
        .period(1)
        .period_unit("Month")
        .auto_renew(true)
        .auto_renew_period(3)
        .send()
        .await
        .unwrap()
        .instance_id_sets;
    let pay_as_you_go = ecs
        .run_instances()
        .image_id(IMAGE)
        .send()
        .await
        .unwrap()
        .instance_id_sets
        .remove(0);
    let described = ecs
        .describe_instances()
        .instance_ids(ids[0].clone())
        .send()
        .await
        .unwrap();
    let instance = &described.instances[0];
    let created = instance.creation_time.clone().unwrap();
    let expires = instance.expired_time.clone().unwrap();
    assert_eq!(instance.instance_charge_type.as_deref(), Some("PrePaid"));
    assert!(expires.ends_with("T16:00Z"), "{expires}");
    assert_eq!(months_between(&created, &expires), 1, "{created} {expires}");

    // The renewal as launched, then changed for one instance.
    let renewals = ecs
        .describe_instance_auto_renew_attribute()
        .instance_id(ids.join(","))
        .send()
        .await
        .unwrap();
    assert_eq!(renewals.total_count, Some(2));
    let first = &renewals.instance_renew_attributes[0];
    assert_eq!(first.renewal_status.as_deref(), Some("AutoRenewal"));
    // The renewal is kept beside the instance's record; the wire answer never shows it.
    let raw = ecs
        .product_client()
        .untyped_call("DescribeInstances")
        .param("RegionId", "cn-hangzhou")
        .idempotent(true)
        .send()
        .await
        .unwrap()
        .to_string();
    assert!(
        raw.contains("\"ExpiredTime\"") && !raw.contains("\"_"),
        "{raw}"
    );
    assert_eq!(first.auto_renew_enabled, Some(true));
    assert_eq!(
        (first.duration, first.period_unit.as_deref()),
        (Some(3), Some("Month"))
    );
    ecs.modify_instance_auto_renew_attribute()
        .instance_id(&ids[1])
        .renewal_status("NotRenewal")
        .send()
        .await
        .unwrap();
    let not_renewing = ecs
        .describe_instance_auto_renew_attribute()
        .renewal_status("NotRenewal")
        .send()
        .await
        .unwrap();
    assert_eq!(not_renewing.total_count, Some(1));
    assert_eq!(
        not_renewing.instance_renew_attributes[0]
            .instance_id
            .as_deref(),
        Some(ids[1].as_str())
    );
    let err = ecs
        .modify_instance_auto_renew_attribute()
        .instance_id(&ids[0])
        .auto_renew(true)
        .duration(5)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidParameter.Duration"), "{err}");
    let err = ecs
        .describe_instance_auto_renew_attribute()
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some("InvalidParameter.RenewalStatusInstanceId"),
        "{err}"
    );

    // Renewing adds to the term; a pay-as-you-go instance has none to renew.
    let order = ecs
        .renew_instance()
        .instance_id(&ids[0])
        .period(2)
        .send()
        .await
        .unwrap()
        .order_id
        .unwrap();
    assert!(order.bytes().all(|b| b.is_ascii_digit()), "{order}");
    let renewed = ecs
        .describe_instances()
        .instance_ids(ids[0].clone())
        .send()
        .await
        .unwrap()
        .instances[0]
        .expired_time
        .clone()
        .unwrap();
    assert_eq!(months_between(&expires, &renewed), 2, "{expires} {renewed}");
    let err = ecs
        .renew_instance()
        .instance_id(&ids[0])
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidPeriod.NotFound"), "{err}");
    let codes = [
        ecs.renew_instance()
            .instance_id(&pay_as_you_go)
            .period(1)
            .send()
            .await
            .unwrap_err()
            .code()
            .map(str::to_owned),
        ecs.describe_instance_auto_renew_attribute()
            .instance_id(&pay_as_you_go)
            .send()
            .await
            .unwrap_err()
            .code()
            .map(str::to_owned),
    ];
    assert_eq!(
        codes,
        [
            Some("ChargeTypeViolation".to_owned()),
            Some("ChargeTypeViolation".to_owned())
        ]
    );

    // Back to pay-as-you-go: the term ends.
    ecs.modify_instance_charge_type()
        .instance_ids(&ids[1])
        .instance_charge_type("PostPaid")
        .send()
        .await
        .unwrap();
    let ended = ecs
        .describe_instances()
        .instance_ids(ids[1].clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        ended.instances[0].expired_time.as_deref(),
        Some("2099-12-31T15:59Z")
    );
    let renewing = ecs
        .describe_instance_auto_renew_attribute()
        .renewal_status("AutoRenewal")
        .send()
        .await
        .unwrap();
    assert_eq!(renewing.total_count, Some(1));
}

#[tokio::test(start_paused = true)]
async fn a_redeployed_instance_restarts_and_its_task_finishes() {
    let emulator = start().await;
    let ecs = client(&emulator);
    let id = ecs
        .run_instances()
        .image_id(IMAGE)
        .send()
        .await
        .unwrap()
        .instance_id_sets
        .remove(0);
    let err = ecs
        .redeploy_instance()
        .instance_id(&id)
        .send()
        .await
        .unwrap_err();
    // Still `Pending`.
    assert_eq!(
        err.code(),
        Some("IncorrectInstanceStatus.Initializing"),
        "{err}"
    );
    tokio::time::sleep(Duration::from_secs(4)).await;

    let task = ecs
        .redeploy_instance()
        .instance_id(&id)
        .force_stop(true)
        .send()
        .await
        .unwrap()
        .task_id
        .unwrap();
    assert_eq!(status(&ecs, &id).await, "Starting");
    let err = ecs.cancel_task().task_id(&task).send().await.unwrap_err();
    assert_eq!(
        err.code(),
        Some("InvalidTaskId.TaskActionNotSupport"),
        "{err}"
    );
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(status(&ecs, &id).await, "Running");
    let done = ecs
        .describe_task_attribute()
        .task_id(&task)
        .send()
        .await
        .unwrap();
    assert_eq!(done.task_status.as_deref(), Some("Finished"));
    assert_eq!(done.task_action.as_deref(), Some("RedeployInstance"));
    let related = &done.operation_progress_set[0].related_item_set[0];
    assert_eq!(
        (related.name.as_deref(), related.value.as_deref()),
        (Some("InstanceId"), Some(id.as_str()))
    );
}
