//! ECS automatic snapshot policies end to end through the typed client: create, describe
//! (with the disks counted), modify, apply to disks and cancel (`DescribeDisks` shows it),
//! delete (which cancels it on its disks), and the refusals.

mod common;

use aliyun_ecs::types::Tag;
use aliyun_emulator::{AnswerSource, Emulator};
use common::ecs as client;

const ZONE: &str = "cn-hangzhou-h";

async fn disk(ecs: &aliyun_ecs::Client) -> String {
    ecs.create_disk()
        .zone_id(ZONE)
        .size(40)
        .disk_category("cloud_essd")
        .send()
        .await
        .unwrap()
        .disk_id
        .unwrap()
}

async fn disk_policy(ecs: &aliyun_ecs::Client, id: &str) -> (Option<String>, Option<bool>) {
    let disk = ecs
        .describe_disks()
        .disk_ids(id.to_string())
        .send()
        .await
        .unwrap()
        .disks
        .remove(0);
    (
        disk.auto_snapshot_policy_id.filter(|p| !p.is_empty()),
        disk.enable_auto_snapshot,
    )
}

async fn policy(ecs: &aliyun_ecs::Client, id: &str) -> aliyun_ecs::types::AutoSnapshotPolicy {
    let mut out = ecs
        .describe_auto_snapshot_policy_ex()
        .auto_snapshot_policy_id(id)
        .send()
        .await
        .unwrap();
    assert_eq!(out.total_count, Some(1));
    out.auto_snapshot_policies.remove(0)
}

#[tokio::test]
async fn a_policy_is_created_applied_to_disks_changed_cancelled_and_deleted() {
    let emulator = Emulator::builder()
        .no_default_instances()
        .start()
        .await
        .unwrap();
    let ecs = client(&emulator);
    let id = ecs
        .create_auto_snapshot_policy()
        .region_id("cn-hangzhou")
        .auto_snapshot_policy_name("nightly")
        .time_points("2")
        .time_points("14")
        .repeat_weekdays("1")
        .repeat_weekdays("5")
        .retention_days(7)
        .tag(Tag {
            key: Some("team".into()),
            value: Some("db".into()),
        })
        .send()
        .await
        .unwrap()
        .auto_snapshot_policy_id
        .unwrap();
    assert!(id.starts_with("sp-bp1"), "{id}");
    let logged = &emulator.requests_for("CreateAutoSnapshotPolicy")[0];
    assert_eq!(logged.answered_from, Some(AnswerSource::World));
    assert_eq!(logged.params["timePoints"], r#"["2","14"]"#);

    let described = policy(&ecs, &id).await;
    assert_eq!(
        described.auto_snapshot_policy_name.as_deref(),
        Some("nightly")
    );
    assert_eq!(described.time_points.as_deref(), Some(r#"["2","14"]"#));
    assert_eq!(described.repeat_weekdays.as_deref(), Some(r#"["1","5"]"#));
    assert_eq!(described.retention_days, Some(7));
    assert_eq!(described.status.as_deref(), Some("Normal"));
    assert_eq!(described.disk_nums, Some(0));
    assert_eq!(described.tags[0].tag_key.as_deref(), Some("team"));

    let (a, b) = (disk(&ecs).await, disk(&ecs).await);
    ecs.apply_auto_snapshot_policy()
        .region_id("cn-hangzhou")
        .auto_snapshot_policy_id(&id)
        .disk_ids(&a)
        .disk_ids(&b)
        .send()
        .await
        .unwrap();
    assert_eq!(disk_policy(&ecs, &a).await, (Some(id.clone()), Some(true)));
    assert_eq!(policy(&ecs, &id).await.disk_nums, Some(2));
    let by_policy = ecs
        .describe_disks()
        .auto_snapshot_policy_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(by_policy.disks.len(), 2);

    ecs.modify_auto_snapshot_policy_ex()
        .region_id("cn-hangzhou")
        .auto_snapshot_policy_id(&id)
        .retention_days(-1)
        .time_points("23")
        .send()
        .await
        .unwrap();
    let modified = policy(&ecs, &id).await;
    assert_eq!(modified.retention_days, Some(-1));
    assert_eq!(modified.time_points.as_deref(), Some(r#"["23"]"#));
    assert_eq!(modified.repeat_weekdays.as_deref(), Some(r#"["1","5"]"#));

    ecs.cancel_auto_snapshot_policy()
        .region_id("cn-hangzhou")
        .disk_ids(&a)
        .send()
        .await
        .unwrap();
    assert_eq!(disk_policy(&ecs, &a).await, (None, Some(false)));
    assert_eq!(policy(&ecs, &id).await.disk_nums, Some(1));

    // Deleting the policy cancels it on the disk that still has it.
    ecs.delete_auto_snapshot_policy()
        .region_id("cn-hangzhou")
        .auto_snapshot_policy_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(disk_policy(&ecs, &b).await, (None, Some(false)));
    let left = ecs.describe_auto_snapshot_policy_ex().send().await.unwrap();
    assert_eq!(left.total_count, Some(0));
}

#[tokio::test]
async fn bad_schedules_unknown_policies_and_unknown_disks_are_refused() {
    let emulator = Emulator::builder()
        .no_default_instances()
        .start()
        .await
        .unwrap();
    let ecs = client(&emulator);
    let create = |hour: &str, days: i32| {
        ecs.create_auto_snapshot_policy()
            .region_id("cn-hangzhou")
            .time_points(hour)
            .repeat_weekdays("7")
            .retention_days(days)
            .send()
    };
    let err = create("24", 7).await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidParameter"), "{err}");
    assert!(err.to_string().contains("timePoints"), "{err}");
    let err = create("3", 0).await.unwrap_err();
    assert!(err.to_string().contains("retentionDays"), "{err}");
    let err = ecs
        .create_auto_snapshot_policy()
        .region_id("cn-hangzhou")
        .auto_snapshot_policy_name("1st")
        .time_points("3")
        .repeat_weekdays("7")
        .retention_days(3)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some("InvalidSnapshotPolicyName.Malformed"),
        "{err}"
    );

    let id = create("3", 3)
        .await
        .unwrap()
        .auto_snapshot_policy_id
        .unwrap();
    let err = ecs
        .apply_auto_snapshot_policy()
        .region_id("cn-hangzhou")
        .auto_snapshot_policy_id(&id)
        .disk_ids("d-missing")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidDiskId.NotFound"), "{err}");
    let err = ecs
        .delete_auto_snapshot_policy()
        .region_id("cn-hangzhou")
        .auto_snapshot_policy_id("sp-missing")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ParameterInvalid"), "{err}");
    assert!(err.to_string().contains("does not exist"), "{err}");
    // A policy lives in its region.
    let elsewhere = ecs
        .delete_auto_snapshot_policy()
        .region_id("cn-beijing")
        .auto_snapshot_policy_id(&id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(elsewhere.code(), Some("ParameterInvalid"), "{elsewhere}");
}
