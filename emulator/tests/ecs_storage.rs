//! ECS disks, snapshots and images as the emulator models them, through the typed client on a
//! paused clock (in-process transport): create, attach, detach, resize, describe filters and
//! both paging styles, snapshots and disks made from them, custom images (from an instance,
//! from a snapshot), sharing, copies to another region, and the documented refusals.

use std::time::Duration;

use aliyun_ecs::action::attach_disk::AttachDiskError;
use aliyun_ecs::action::create_image::CreateImageError;
use aliyun_ecs::action::delete_disk::DeleteDiskError;
use aliyun_ecs::action::delete_image::DeleteImageError;
use aliyun_ecs::action::delete_snapshot::DeleteSnapshotError;
use aliyun_ecs::action::detach_disk::DetachDiskError;
use aliyun_ecs::action::resize_disk::ResizeDiskError;
use aliyun_ecs::types::{
    CreateImageDiskDeviceMapping, CreateImagePipelineImageOptions, ImportImageDiskDeviceMapping,
    ResetDisksDisk, Tag,
};
use aliyun_emulator::{AnswerSource, Emulator};

const IMAGE: &str = "aliyun_3_x64_20G_alibase_20240528.vhd";
/// Another of the preloaded public images.
const PUBLIC_IMAGE_2: &str = "ubuntu_22_04_x64_20G_alibase_20240508.vhd";
const ZONE: &str = "cn-hangzhou-h";

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

/// A running instance in [`ZONE`] (launched, then past its `Pending` time).
async fn running_instance(ecs: &aliyun_ecs::Client) -> String {
    let id = ecs
        .run_instances()
        .image_id(IMAGE)
        .instance_type("ecs.g7.large")
        .zone_id(ZONE)
        .send()
        .await
        .unwrap()
        .instance_id_sets
        .remove(0);
    tokio::time::sleep(Duration::from_secs(4)).await;
    id
}

async fn stop(ecs: &aliyun_ecs::Client, id: &str) {
    ecs.stop_instance().instance_id(id).send().await.unwrap();
    tokio::time::sleep(Duration::from_secs(4)).await;
}

async fn data_disk(ecs: &aliyun_ecs::Client, name: &str, size: i32) -> String {
    ecs.create_disk()
        .zone_id(ZONE)
        .size(size)
        .disk_category("cloud_essd")
        .disk_name(name)
        .tag(tag("team", name))
        .send()
        .await
        .unwrap()
        .disk_id
        .unwrap()
}

async fn disk(ecs: &aliyun_ecs::Client, id: &str) -> aliyun_ecs::types::DescribeDisksDisk {
    let mut out = ecs
        .describe_disks()
        .disk_ids(id.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(out.disks.len(), 1, "{id}");
    out.disks.remove(0)
}

#[tokio::test(start_paused = true)]
async fn a_disk_is_created_attached_resized_detached_and_deleted() {
    let emulator = start().await;
    let ecs = client(&emulator);
    let instance = running_instance(&ecs).await;
    let id = data_disk(&ecs, "logs", 100).await;
    assert!(id.starts_with("d-bp1") && id.len() == 22, "{id}");

    let created = disk(&ecs, &id).await;
    assert_eq!(created.status.as_deref(), Some("Available"));
    assert_eq!(created.size, Some(100));
    assert_eq!(created.category.as_deref(), Some("cloud_essd"));
    assert_eq!(created.performance_level.as_deref(), Some("PL1"));
    assert_eq!(created.r#type.as_deref(), Some("data"));
    assert_eq!(created.tags[0].tag_key.as_deref(), Some("team"));
    let last = emulator.requests_for("DescribeDisks").pop().unwrap();
    assert_eq!(last.answered_from, Some(AnswerSource::World));

    // An available disk cannot be detached; an attached one cannot be deleted.
    let err = ecs
        .detach_disk()
        .disk_id(&id)
        .instance_id(&instance)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidDisk.AlreadyDetached"));

    ecs.attach_disk()
        .disk_id(&id)
        .instance_id(&instance)
        .delete_with_instance(false)
        .send()
        .await
        .unwrap();
    let attached = disk(&ecs, &id).await;
    assert_eq!(attached.status.as_deref(), Some("In_use"));
    assert_eq!(attached.instance_id.as_deref(), Some(instance.as_str()));
    assert_eq!(attached.device.as_deref(), Some("/dev/xvdb"));
    let on_instance = ecs
        .describe_disks()
        .instance_id(&instance)
        .send()
        .await
        .unwrap();
    assert_eq!(on_instance.disks.len(), 2, "system disk and the new one");

    let err = ecs.delete_disk().disk_id(&id).send().await.unwrap_err();
    assert!(
        matches!(err, DeleteDiskError::IncorrectDiskStatus(_)),
        "{err:?}"
    );
    let err = ecs
        .attach_disk()
        .disk_id(&id)
        .instance_id(&instance)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, AttachDiskError::InvalidDiskInUse(_)),
        "{err:?}"
    );

    // Disks only grow; online resizing needs the instance running.
    let err = ecs
        .resize_disk()
        .disk_id(&id)
        .new_size(50)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, ResizeDiskError::InvalidDiskSizeTooSmall(_)),
        "{err:?}"
    );
    ecs.resize_disk()
        .disk_id(&id)
        .new_size(200)
        .r#type("online")
        .send()
        .await
        .unwrap();
    assert_eq!(disk(&ecs, &id).await.size, Some(200));

    // The system disk stays while the instance runs.
    let system = on_instance
        .disks
        .iter()
        .find(|d| d.r#type.as_deref() == Some("system"))
        .unwrap();
    let system_id = system.disk_id.clone().unwrap();
    assert_eq!(system.device.as_deref(), Some("/dev/xvda"));
    let err = ecs
        .detach_disk()
        .disk_id(&system_id)
        .instance_id(&instance)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, DetachDiskError::IncorrectInstanceStatus(_)),
        "{err:?}"
    );

    ecs.detach_disk()
        .disk_id(&id)
        .instance_id(&instance)
        .send()
        .await
        .unwrap();
    let detached = disk(&ecs, &id).await;
    assert_eq!(detached.status.as_deref(), Some("Available"));
    assert_eq!(detached.instance_id.as_deref(), Some(""));
    ecs.delete_disk().disk_id(&id).send().await.unwrap();
    let err = ecs.delete_disk().disk_id(&id).send().await.unwrap_err();
    assert!(
        matches!(err, DeleteDiskError::InvalidDiskIdNotFound(_)),
        "{err:?}"
    );

    // A disk in another zone does not attach.
    let far = ecs
        .create_disk()
        .zone_id("cn-hangzhou-k")
        .size(40)
        .send()
        .await
        .unwrap()
        .disk_id
        .unwrap();
    let err = ecs
        .attach_disk()
        .disk_id(&far)
        .instance_id(&instance)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, AttachDiskError::ResourcesNotInSameZone(_)),
        "{err:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn create_disk_checks_what_it_is_given_and_honours_client_tokens() {
    let emulator = start().await;
    let ecs = client(&emulator);
    let err = ecs.create_disk().zone_id(ZONE).send().await.unwrap_err();
    assert_eq!(err.code(), Some("MissingParameter"));
    let err = ecs
        .create_disk()
        .zone_id("cn-hangzhou-z")
        .size(20)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidZoneId.NotFound"));
    let err = ecs
        .create_disk()
        .zone_id(ZONE)
        .size(100)
        .disk_category("cloud_essd")
        .performance_level("PL3")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("OperationDenied.PerformanceLevelNotMatch"));
    let err = ecs
        .create_disk()
        .zone_id(ZONE)
        .size(20)
        .snapshot_id("s-bp1nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidSnapshotId.NotFound"));

    let first = ecs
        .create_disk()
        .zone_id(ZONE)
        .size(20)
        .client_token("tok-1")
        .send()
        .await
        .unwrap();
    let again = ecs
        .create_disk()
        .zone_id(ZONE)
        .size(20)
        .client_token("tok-1")
        .send()
        .await
        .unwrap();
    assert_eq!(first.disk_id, again.disk_id);
    let all = ecs.describe_disks().send().await.unwrap();
    assert_eq!(all.total_count, Some(1));
    assert_eq!(all.disks[0].category.as_deref(), Some("cloud"));
}

#[tokio::test(start_paused = true)]
async fn describe_disks_filters_and_pages_in_both_styles() {
    let emulator = start().await;
    let ecs = client(&emulator);
    let instance = running_instance(&ecs).await;
    let mut ids = Vec::new();
    for n in 0..12 {
        ids.push(data_disk(&ecs, &format!("d{n:02}"), 20 + n).await);
    }
    ecs.attach_disk()
        .disk_id(&ids[0])
        .instance_id(&instance)
        .send()
        .await
        .unwrap();

    let all = ecs.describe_disks().page_size(5).send().await.unwrap();
    assert_eq!(
        all.total_count,
        Some(13),
        "12 data disks and the system disk"
    );
    assert_eq!(all.disks.len(), 5);
    let third = ecs
        .describe_disks()
        .page_size(5)
        .page_number(3)
        .send()
        .await
        .unwrap();
    assert_eq!(third.disks.len(), 3);

    // Token paging walks every disk exactly once.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = ecs
            .describe_disks()
            .max_results(4)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        seen.extend(page.disks.into_iter().map(|d| d.disk_id.unwrap()));
        match page.next_token.filter(|t| !t.is_empty()) {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 13);

    let system = ecs
        .describe_disks()
        .disk_type("system")
        .send()
        .await
        .unwrap();
    assert_eq!(system.total_count, Some(1));
    let data = ecs.describe_disks().disk_type("data").send().await.unwrap();
    assert_eq!(data.total_count, Some(12));
    let in_use = ecs.describe_disks().status("In_use").send().await.unwrap();
    assert_eq!(in_use.total_count, Some(2));
    let named = ecs.describe_disks().disk_name("d03").send().await.unwrap();
    assert_eq!(named.disks[0].disk_id.as_deref(), Some(ids[3].as_str()));
    let tagged = ecs
        .describe_disks()
        .tag(tag("team", "d07"))
        .send()
        .await
        .unwrap();
    assert_eq!(tagged.disks[0].disk_id.as_deref(), Some(ids[7].as_str()));
    let two = ecs
        .describe_disks()
        .set_disk_ids(Some(ids[..2].to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(two.total_count, Some(2));
    let portable = ecs.describe_disks().portable(false).send().await.unwrap();
    assert_eq!(portable.total_count, Some(1));
    let other_zone = ecs
        .describe_disks()
        .zone_id("cn-hangzhou-i")
        .send()
        .await
        .unwrap();
    assert_eq!(other_zone.total_count, Some(0));
    let err = ecs
        .describe_disks()
        .disk_type("swap")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidDiskType.ValueNotSupported"));

    // Attribute changes show in the describe (and in its filters).
    ecs.modify_disk_attribute()
        .disk_id(&ids[1])
        .disk_name("renamed")
        .delete_with_instance(true)
        .send()
        .await
        .unwrap();
    let renamed = disk(&ecs, &ids[1]).await;
    assert_eq!(renamed.disk_name.as_deref(), Some("renamed"));
    assert_eq!(renamed.delete_with_instance, Some(true));
    let err = ecs
        .modify_disk_attribute()
        .disk_id(&ids[1])
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("NoAttributeToModify"));

    // A category change.
    ecs.modify_disk_spec()
        .disk_id(&ids[2])
        .performance_level("PL0")
        .send()
        .await
        .unwrap();
    assert_eq!(
        disk(&ecs, &ids[2]).await.performance_level.as_deref(),
        Some("PL0")
    );
    let err = ecs
        .modify_disk_spec()
        .disk_id(&ids[2])
        .performance_level("PL0")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some("NoChangeInDiskCategoryAndPerformanceLevel")
    );

    let full = ecs
        .describe_disks_full_status()
        .disk_id(ids[0].clone())
        .send()
        .await
        .unwrap();
    assert_eq!(full.disk_full_status_set.len(), 1);
    let status = full.disk_full_status_set[0].status.as_ref().unwrap();
    assert_eq!(status.name.as_deref(), Some("In_use"));
}

#[tokio::test(start_paused = true)]
async fn snapshots_are_made_described_restored_and_deleted() {
    let emulator = start().await;
    let ecs = client(&emulator);
    let instance = running_instance(&ecs).await;
    let id = data_disk(&ecs, "db", 60).await;

    // A disk that was never attached has nothing to snapshot.
    let err = ecs.create_snapshot().disk_id(&id).send().await.unwrap_err();
    assert_eq!(err.code(), Some("IncorrectDiskStatus.NeverAttached"));
    ecs.attach_disk()
        .disk_id(&id)
        .instance_id(&instance)
        .send()
        .await
        .unwrap();

    let snap = ecs
        .create_snapshot()
        .disk_id(&id)
        .snapshot_name("nightly")
        .tag(tag("kind", "backup"))
        .send()
        .await
        .unwrap()
        .snapshot_id
        .unwrap();
    assert!(snap.starts_with("s-bp1"), "{snap}");
    let err = ecs
        .create_snapshot()
        .disk_id(&id)
        .snapshot_name("auto-1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidSnapshotName.Malformed"));

    let described = ecs.describe_snapshots().disk_id(&id).send().await.unwrap();
    assert_eq!(described.total_count, Some(1));
    let s = &described.snapshots[0];
    assert_eq!(s.status.as_deref(), Some("accomplished"));
    assert_eq!(s.source_disk_id.as_deref(), Some(id.as_str()));
    assert_eq!(s.source_disk_size.as_deref(), Some("60"));
    assert_eq!(s.source_disk_type.as_deref(), Some("Data"));
    assert_eq!(s.snapshot_name.as_deref(), Some("nightly"));
    let by_instance = ecs
        .describe_snapshots()
        .instance_id(&instance)
        .send()
        .await
        .unwrap();
    assert_eq!(by_instance.total_count, Some(1));
    let by_type = ecs
        .describe_snapshots()
        .source_disk_type("System")
        .send()
        .await
        .unwrap();
    assert_eq!(by_type.total_count, Some(0));
    let by_tag = ecs
        .describe_snapshots()
        .tag(tag("kind", "backup"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_tag.total_count, Some(1));
    ecs.modify_snapshot_attribute()
        .snapshot_id(&snap)
        .description("before the upgrade")
        .send()
        .await
        .unwrap();
    let by_ids = ecs
        .describe_snapshots()
        .snapshot_ids(snap.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_ids.snapshots[0].description.as_deref(),
        Some("before the upgrade")
    );
    let usage = ecs.describe_snapshots_usage().send().await.unwrap();
    assert_eq!(usage.snapshot_count, Some(1));

    // A disk from the snapshot takes its size; a smaller one is refused.
    let err = ecs
        .create_disk()
        .zone_id(ZONE)
        .snapshot_id(&snap)
        .size(10)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidDiskSize.TooSmall"));
    let restored = ecs
        .create_disk()
        .zone_id(ZONE)
        .snapshot_id(&snap)
        .send()
        .await
        .unwrap()
        .disk_id
        .unwrap();
    let restored_disk = disk(&ecs, &restored).await;
    assert_eq!(restored_disk.size, Some(60));
    assert_eq!(
        restored_disk.source_snapshot_id.as_deref(),
        Some(snap.as_str())
    );
    let from_snap = ecs
        .describe_disks()
        .snapshot_id(&snap)
        .send()
        .await
        .unwrap();
    assert_eq!(from_snap.total_count, Some(1));

    // Reset needs the instance stopped, and a snapshot of that very disk.
    let err = ecs
        .reset_disk()
        .disk_id(&id)
        .snapshot_id(&snap)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("IncorrectInstanceStatus"));
    stop(&ecs, &instance).await;
    let err = ecs
        .reset_disk()
        .disk_id(&restored)
        .snapshot_id(&snap)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidParameter.Mismatch"));
    let err = ecs
        .reset_disk()
        .disk_id(&id)
        .snapshot_id(&snap)
        .dry_run(true)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("DryRunOperation"));
    ecs.reset_disk()
        .disk_id(&id)
        .snapshot_id(&snap)
        .send()
        .await
        .unwrap();
    // `ResetDisks` checks every pair before resetting any, and reports each disk.
    let pair = |disk: &str, snapshot: &str| ResetDisksDisk {
        disk_id: Some(disk.into()),
        snapshot_id: Some(snapshot.into()),
    };
    let err = ecs
        .reset_disks()
        .disk(pair(&id, &snap))
        .disk(pair(&restored, &snap))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidParameter.Mismatch"), "{err}");
    let reset = ecs
        .reset_disks()
        .disk(pair(&id, &snap))
        .send()
        .await
        .unwrap();
    let related = &reset.operation_progress_set[0].related_item_set[0];
    assert_eq!(related.value.as_deref(), Some(id.as_str()));
    assert_eq!(
        reset.operation_progress_set[0].operation_status.as_deref(),
        Some("Success")
    );
    ecs.re_init_disk().disk_id(&id).send().await.unwrap();

    // Copies go to another region only.
    let err = ecs
        .copy_snapshot()
        .snapshot_id(&snap)
        .destination_region_id("cn-hangzhou")
        .destination_snapshot_name("copy")
        .destination_snapshot_description("copy")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some("InvalidOperation.NotSupportCopyInSameRegion")
    );
    let copy = ecs
        .copy_snapshot()
        .snapshot_id(&snap)
        .destination_region_id("cn-shanghai")
        .destination_snapshot_name("copy")
        .destination_snapshot_description("copy")
        .send()
        .await
        .unwrap()
        .snapshot_id
        .unwrap();
    assert!(copy.starts_with("s-uf6"), "{copy}");
    let there = ecs
        .describe_snapshots()
        .region_id("cn-shanghai")
        .send()
        .await
        .unwrap();
    assert_eq!(
        there.snapshots[0].source_snapshot_id.as_deref(),
        Some(snap.as_str())
    );
    assert_eq!(
        there.snapshots[0].source_region_id.as_deref(),
        Some("cn-hangzhou")
    );

    // A snapshot a disk was made from goes only with Force.
    let err = ecs
        .delete_snapshot()
        .snapshot_id(&snap)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, DeleteSnapshotError::SnapshotCreatedDisk(_)),
        "{err:?}"
    );
    ecs.delete_snapshot()
        .snapshot_id(&snap)
        .force(true)
        .send()
        .await
        .unwrap();
    let err = ecs
        .delete_snapshot()
        .snapshot_id(&snap)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, DeleteSnapshotError::InvalidSnapshotIdNotFound(_)),
        "{err:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn custom_images_are_made_used_shared_copied_and_deleted() {
    let emulator = start().await;
    let ecs = client(&emulator);
    let instance = running_instance(&ecs).await;

    // Public images are there in every region and cannot be deleted.
    let public = ecs
        .describe_images()
        .image_owner_alias("system")
        .page_size(50)
        .send()
        .await
        .unwrap();
    assert!(public.total_count.unwrap() >= 5);
    let err = ecs.delete_image().image_id(IMAGE).send().await.unwrap_err();
    assert!(matches!(err, DeleteImageError::ImageIsPublic(_)), "{err:?}");

    let image = ecs
        .create_image()
        .instance_id(&instance)
        .image_name("web-golden")
        .image_family("web")
        .tag(tag("app", "web"))
        .send()
        .await
        .unwrap()
        .image_id
        .unwrap();
    assert!(image.starts_with("m-bp1"), "{image}");
    let err = ecs
        .create_image()
        .instance_id(&instance)
        .image_name("web-golden")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, CreateImageError::InvalidImageNameDuplicated(_)),
        "{err:?}"
    );
    let err = ecs.create_image().send().await.unwrap_err();
    assert_eq!(err.code(), Some("MissingParameter"));

    let mine = ecs
        .describe_images()
        .image_owner_alias("self")
        .send()
        .await
        .unwrap();
    assert_eq!(mine.total_count, Some(1));
    let described = &mine.images[0];
    assert_eq!(described.image_name.as_deref(), Some("web-golden"));
    assert_eq!(described.status.as_deref(), Some("Available"));
    assert_eq!(described.os_type.as_deref(), Some("linux"));
    assert_eq!(described.disk_device_mappings.len(), 1);
    let system_snapshot = described.disk_device_mappings[0]
        .snapshot_id
        .clone()
        .unwrap();
    let family = ecs
        .describe_image_from_family()
        .image_family("web")
        .send()
        .await
        .unwrap();
    assert_eq!(
        family.image.unwrap().image_id.as_deref(),
        Some(image.as_str())
    );
    let err = ecs
        .delete_snapshot()
        .snapshot_id(&system_snapshot)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, DeleteSnapshotError::SnapshotCreatedImage(_)),
        "{err:?}"
    );

    // An instance launched from it keeps it from being deleted without Force.
    ecs.run_instances()
        .image_id(&image)
        .instance_type("ecs.g7.large")
        .send()
        .await
        .unwrap();
    let in_use = ecs
        .describe_images()
        .image_id(image.clone())
        .usage("instance")
        .send()
        .await
        .unwrap();
    assert_eq!(in_use.total_count, Some(1));

    // An image from a snapshot.
    let from_snapshot = ecs
        .create_image()
        .disk_device_mapping(CreateImageDiskDeviceMapping {
            snapshot_id: Some(system_snapshot.clone()),
            disk_type: Some("system".into()),
            size: Some(50),
            ..Default::default()
        })
        .image_name("from-snapshot")
        .send()
        .await
        .unwrap()
        .image_id
        .unwrap();
    let by_snapshot = ecs
        .describe_images()
        .snapshot_id(&system_snapshot)
        .send()
        .await
        .unwrap();
    assert_eq!(by_snapshot.total_count, Some(2));

    // Deprecation hides it from the default describe and from launches.
    ecs.modify_image_attribute()
        .image_id(&from_snapshot)
        .status("Deprecated")
        .description("old")
        .send()
        .await
        .unwrap();
    let available = ecs
        .describe_images()
        .image_owner_alias("self")
        .send()
        .await
        .unwrap();
    assert_eq!(available.total_count, Some(1));
    let deprecated = ecs
        .describe_images()
        .status("Deprecated")
        .send()
        .await
        .unwrap();
    assert_eq!(
        deprecated.images[0].image_id.as_deref(),
        Some(from_snapshot.as_str())
    );
    let err = ecs
        .run_instances()
        .image_id(&from_snapshot)
        .instance_type("ecs.g7.large")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidImageId.IncorrectStatus"));
    ecs.delete_image()
        .image_id(&from_snapshot)
        .send()
        .await
        .unwrap();

    // Sharing.
    ecs.modify_image_share_permission()
        .image_id(&image)
        .add_account("1234567890")
        .add_account("2345678901")
        .send()
        .await
        .unwrap();
    ecs.modify_image_share_permission()
        .image_id(&image)
        .remove_account("2345678901")
        .send()
        .await
        .unwrap();
    let shared = ecs
        .describe_image_share_permission()
        .image_id(&image)
        .send()
        .await
        .unwrap();
    let accounts: Vec<_> = shared
        .accounts
        .iter()
        .map(|a| a.aliyun_id.clone().unwrap())
        .collect();
    assert_eq!(accounts, ["1234567890"]);
    let err = ecs
        .delete_image()
        .image_id(&image)
        .force(true)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, DeleteImageError::ImageUseShared(_)),
        "{err:?}"
    );
    ecs.modify_image_share_permission()
        .image_id(&image)
        .remove_account("1234567890")
        .send()
        .await
        .unwrap();
    // The group `all` (a deprecated action, still served) makes the image public, and back.
    #[allow(deprecated)]
    let share_group = |add: bool| {
        let call = ecs.modify_image_share_group_permission().image_id(&image);
        if add {
            call.add_group("all")
        } else {
            call.remove_group("all")
        }
    };
    share_group(true).send().await.unwrap();
    let groups = ecs
        .describe_image_share_permission()
        .image_id(&image)
        .send()
        .await
        .unwrap()
        .share_groups;
    assert_eq!(groups.len(), 1);
    share_group(false).send().await.unwrap();
    let groups = ecs
        .describe_image_share_permission()
        .image_id(&image)
        .send()
        .await
        .unwrap()
        .share_groups;
    assert!(groups.is_empty());

    // Copy to another region: Creating, then Available; a finished copy cannot be cancelled.
    let copy = ecs
        .copy_image()
        .image_id(&image)
        .destination_region_id("cn-beijing")
        .destination_image_name("web-golden")
        .send()
        .await
        .unwrap()
        .image_id
        .unwrap();
    assert!(copy.starts_with("m-2ze"), "{copy}");
    let there = ecs
        .describe_images()
        .region_id("cn-beijing")
        .image_id(copy.clone())
        .status("Creating,Available")
        .send()
        .await
        .unwrap();
    assert_eq!(there.images[0].status.as_deref(), Some("Creating"));
    assert_eq!(there.images[0].is_copied, Some(true));
    tokio::time::sleep(Duration::from_secs(4)).await;
    let there = ecs
        .describe_images()
        .region_id("cn-beijing")
        .image_id(copy.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(there.images[0].status.as_deref(), Some("Available"));
    let err = ecs
        .cancel_copy_image()
        .region_id("cn-beijing")
        .image_id(&copy)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("IncorrectImageStatus"));
    let second = ecs
        .copy_image()
        .image_id(&image)
        .destination_region_id("cn-shanghai")
        .send()
        .await
        .unwrap()
        .image_id
        .unwrap();
    ecs.cancel_copy_image()
        .region_id("cn-shanghai")
        .image_id(&second)
        .send()
        .await
        .unwrap();
    let gone = ecs
        .describe_images()
        .region_id("cn-shanghai")
        .image_owner_alias("self")
        .send()
        .await
        .unwrap();
    assert_eq!(gone.total_count, Some(0));

    // In use: only with Force.
    let err = ecs
        .delete_image()
        .image_id(&image)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, DeleteImageError::ImageUsingByInstance(_)),
        "{err:?}"
    );
    ecs.delete_image()
        .image_id(&image)
        .force(true)
        .send()
        .await
        .unwrap();
    let err = ecs
        .delete_image()
        .image_id(&image)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, DeleteImageError::InvalidImageIdNotFound(_)),
        "{err:?}"
    );
    // Its snapshot is free to go now.
    ecs.delete_snapshot()
        .snapshot_id(&system_snapshot)
        .send()
        .await
        .unwrap();

    let types = ecs
        .describe_image_support_instance_types()
        .image_id(IMAGE)
        .send()
        .await
        .unwrap();
    assert!(
        types
            .instance_types
            .iter()
            .any(|t| t.instance_type_id.as_deref() == Some("ecs.g7.large"))
    );
}

#[tokio::test(start_paused = true)]
async fn a_stopped_instance_gets_a_new_system_disk_from_another_image() {
    let emulator = start().await;
    let ecs = client(&emulator);
    let instance = running_instance(&ecs).await;
    let system = |disks: &[aliyun_ecs::types::DescribeDisksDisk]| {
        disks
            .iter()
            .find(|d| d.r#type.as_deref() == Some("system"))
            .cloned()
            .unwrap()
    };
    let before = ecs
        .describe_disks()
        .instance_id(&instance)
        .send()
        .await
        .unwrap();
    let old = system(&before.disks);

    // Only a stopped instance.
    let err = ecs
        .replace_system_disk()
        .instance_id(&instance)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("IncorrectInstanceStatus"), "{err}");
    stop(&ecs, &instance).await;
    let err = ecs
        .replace_system_disk()
        .instance_id(&instance)
        .image_id("m-no-such-image")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidImageId.NotFound"), "{err}");
    let err = ecs
        .replace_system_disk()
        .instance_id(&instance)
        .system_disk(aliyun_ecs::types::ReplaceSystemDiskSystemDisk { size: Some(10) })
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some("InvalidSystemDiskSize.ValueNotSupported"),
        "{err}"
    );

    let other_image = PUBLIC_IMAGE_2;
    let new_disk = ecs
        .replace_system_disk()
        .instance_id(&instance)
        .image_id(other_image)
        .system_disk(aliyun_ecs::types::ReplaceSystemDiskSystemDisk { size: Some(80) })
        .send()
        .await
        .unwrap()
        .disk_id
        .unwrap();
    assert_ne!(new_disk, old.disk_id.clone().unwrap());
    let after = ecs
        .describe_disks()
        .instance_id(&instance)
        .send()
        .await
        .unwrap();
    let replaced = system(&after.disks);
    assert_eq!(replaced.disk_id.as_deref(), Some(new_disk.as_str()));
    assert_eq!(replaced.size, Some(80));
    assert_eq!(replaced.image_id.as_deref(), Some(other_image));
    assert_eq!(replaced.status.as_deref(), Some("In_use"));
    // The old system disk is gone, and the instance runs the new image.
    let gone = ecs
        .describe_disks()
        .disk_ids(old.disk_id.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert!(gone.disks.is_empty());
    let described = ecs
        .describe_instances()
        .instance_ids(instance.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.instances[0].image_id.as_deref(),
        Some(other_image)
    );
}

#[tokio::test(start_paused = true)]
async fn a_snapshot_group_snapshots_an_instances_disks_together() {
    let emulator = start().await;
    let ecs = client(&emulator);
    let instance = running_instance(&ecs).await;
    let data = data_disk(&ecs, "data", 50).await;
    ecs.attach_disk()
        .instance_id(&instance)
        .disk_id(&data)
        .send()
        .await
        .unwrap();
    let group = ecs
        .create_snapshot_group()
        .instance_id(&instance)
        .name("nightly")
        .send()
        .await
        .unwrap()
        .snapshot_group_id
        .unwrap();
    assert!(group.starts_with("ssg-"), "{group}");
    let described = ecs
        .describe_snapshot_groups()
        .snapshot_group_id(&group)
        .send()
        .await
        .unwrap()
        .snapshot_groups
        .remove(0);
    assert_eq!(described.name.as_deref(), Some("nightly"));
    assert_eq!(described.instance_id.as_deref(), Some(instance.as_str()));
    assert_eq!(described.status.as_deref(), Some("accomplished"));
    let mut sources: Vec<_> = described
        .snapshots
        .iter()
        .map(|s| s.source_disk_type.clone().unwrap())
        .collect();
    sources.sort();
    assert_eq!(sources, ["Data", "System"]);
    // Each is a snapshot like any other.
    let snapshot = described.snapshots[0].snapshot_id.clone().unwrap();
    let listed = ecs
        .describe_snapshots()
        .snapshot_ids(snapshot.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(listed.snapshots.len(), 1);

    // Only the data disk, this time; not both lists.
    let only_data = ecs
        .create_snapshot_group()
        .instance_id(&instance)
        .disk_id(&data)
        .send()
        .await
        .unwrap()
        .snapshot_group_id
        .unwrap();
    let only = ecs
        .describe_snapshot_groups()
        .snapshot_group_id(&only_data)
        .send()
        .await
        .unwrap();
    assert_eq!(only.snapshot_groups[0].snapshots.len(), 1);
    let err = ecs
        .create_snapshot_group()
        .instance_id(&instance)
        .disk_id(&data)
        .exclude_disk_id(&data)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some("InvalidParam.ExcludeDiskIdsAndDiskIds.Conflict"),
        "{err}"
    );

    ecs.modify_snapshot_group()
        .snapshot_group_id(&group)
        .name("weekly")
        .send()
        .await
        .unwrap();
    let deleted = ecs
        .delete_snapshot_group()
        .snapshot_group_id(&group)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.operation_progress_set.len(), 2);
    let gone = ecs
        .describe_snapshots()
        .snapshot_ids(snapshot)
        .send()
        .await
        .unwrap();
    assert!(gone.snapshots.is_empty());
    let err = ecs
        .modify_snapshot_group()
        .snapshot_group_id(&group)
        .name("again")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidSnapshotGroup.NotFound"), "{err}");
    let left = ecs.describe_snapshot_groups().send().await.unwrap();
    assert_eq!(left.snapshot_groups.len(), 1);
}

fn oss_disk(object: &str, size: Option<i32>) -> ImportImageDiskDeviceMapping {
    ImportImageDiskDeviceMapping {
        oss_bucket: Some("images".into()),
        oss_object: Some(object.into()),
        disk_image_size: size,
        ..ImportImageDiskDeviceMapping::default()
    }
}

#[tokio::test(start_paused = true)]
async fn imported_images_are_ready_when_their_task_finishes() {
    let emulator = start().await;
    let ecs = client(&emulator);
    let imported = ecs
        .import_image()
        .image_name("golden-linux")
        .os_type("linux")
        .platform("CentOS")
        .disk_device_mapping(oss_disk("golden.qcow2", Some(50)))
        .disk_device_mapping(oss_disk("data.raw", Some(100)))
        .tag(tag("team", "ops"))
        .send()
        .await
        .unwrap();
    let (image, task) = (imported.image_id.unwrap(), imported.task_id.unwrap());
    assert!(
        image.starts_with("m-") && task.starts_with("t-"),
        "{image} {task}"
    );

    // `DescribeImages` lists `Available` images unless asked for others, as the service does.
    let creating = &ecs
        .describe_images()
        .image_id(&image)
        .status("Creating")
        .send()
        .await
        .unwrap()
        .images[0];
    assert_eq!(creating.status.as_deref(), Some("Creating"));
    assert_eq!(creating.size, Some(50));
    let mappings = &creating.disk_device_mappings;
    assert_eq!(mappings.len(), 2);
    assert_eq!(mappings[0].format.as_deref(), Some("QCOW2"));
    assert_eq!(mappings[1].import_oss_object.as_deref(), Some("data.raw"));
    let err = ecs
        .run_instances()
        .image_id(&image)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidImageId.IncorrectStatus"), "{err}");
    let processing = ecs
        .describe_task_attribute()
        .task_id(&task)
        .send()
        .await
        .unwrap();
    assert_eq!(processing.task_status.as_deref(), Some("Processing"));
    assert_eq!(processing.task_action.as_deref(), Some("ImportImage"));
    assert_eq!(processing.task_process.as_deref(), Some("0%"));

    // The task finishes on the emulator's clock; then the image launches.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let listed = ecs
        .describe_tasks()
        .task_action("ImportImage")
        .task_status("Finished")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.total_count, Some(1));
    assert_eq!(
        listed.task_set[0].resource_id.as_deref(),
        Some(image.as_str())
    );
    assert!(
        listed.task_set[0]
            .finished_time
            .as_deref()
            .is_some_and(|t| !t.is_empty())
    );
    let instance = ecs
        .run_instances()
        .image_id(&image)
        .send()
        .await
        .unwrap()
        .instance_id_sets
        .remove(0);
    assert!(instance.starts_with("i-"));

    // Exported once at a time; a finished task cannot be cancelled.
    let export = ecs
        .export_image()
        .image_id(&image)
        .oss_bucket("exports")
        .image_format("vmdk")
        .send()
        .await
        .unwrap()
        .task_id
        .unwrap();
    let err = ecs
        .export_image()
        .image_id(&image)
        .oss_bucket("exports")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ImageIsExporting"), "{err}");
    let err = ecs.cancel_task().task_id(&task).send().await.unwrap_err();
    assert_eq!(
        err.code(),
        Some("InvalidTaskId.IncorrectTaskStatus"),
        "{err}"
    );
    ecs.cancel_task().task_id(&export).send().await.unwrap();
    let cancelled = ecs
        .describe_task_attribute()
        .task_id(&export)
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.task_status.as_deref(), Some("Cancelled"));

    // Public images are not exported; unknown tasks and bad mappings are refused.
    let err = ecs
        .export_image()
        .image_id(IMAGE)
        .oss_bucket("exports")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ImageNotSupported"), "{err}");
    let err = ecs
        .describe_task_attribute()
        .task_id("t-missing")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidTaskId.NotFound"), "{err}");
    let err = ecs
        .import_image()
        .disk_device_mapping(oss_disk("golden.iso", None))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("UnsupportedSuffix.OSSObject"), "{err}");
    let err = ecs
        .import_image()
        .image_name("golden-linux")
        .disk_device_mapping(oss_disk("again.raw", None))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidImageName.Duplicated"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_import_leaves_no_image() {
    let emulator = start().await;
    let ecs = client(&emulator);
    let imported = ecs
        .import_image()
        .disk_device_mapping(oss_disk("win.vhd", None))
        .os_type("windows")
        .send()
        .await
        .unwrap();
    let (image, task) = (imported.image_id.unwrap(), imported.task_id.unwrap());
    let described = ecs
        .describe_images()
        .image_id(&image)
        .status("Creating,Available")
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.images[0].platform.as_deref(),
        Some("Others Windows")
    );
    assert_eq!(described.images[0].size, Some(40));
    ecs.cancel_task().task_id(&task).send().await.unwrap();
    let after = ecs
        .describe_images()
        .image_id(&image)
        .status("Creating,Available")
        .send()
        .await
        .unwrap();
    assert!(after.images.is_empty(), "{:?}", after.images);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let still = ecs
        .describe_task_attribute()
        .task_id(&task)
        .send()
        .await
        .unwrap();
    assert_eq!(still.task_status.as_deref(), Some("Cancelled"));
}

#[tokio::test(start_paused = true)]
async fn an_image_pipeline_builds_an_image_step_by_step() {
    let emulator = start().await;
    let ecs = client(&emulator);
    let component = ecs
        .create_image_component()
        .name("install-nginx")
        .content("RUN yum install -y nginx\nENV PORT=80")
        .send()
        .await
        .unwrap()
        .image_component_id
        .unwrap();
    assert!(component.starts_with("ic-"), "{component}");
    let err = ecs
        .create_image_component()
        .content("FROM IMAGE:m-x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("NotSupportedCommand.FROM"), "{err}");
    let listed = ecs
        .describe_image_components()
        .image_component_id(&component)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.image_component[0].owner.as_deref(), Some("SELF"));

    let err = ecs
        .create_image_pipeline()
        .base_image_type("IMAGE")
        .base_image("m-missing")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidImageId.NotFound"), "{err}");
    let pipeline = ecs
        .create_image_pipeline()
        .name("golden")
        .base_image_type("IMAGE")
        .base_image(IMAGE)
        .image_options(CreateImagePipelineImageOptions {
            image_name: Some("golden-web".into()),
            ..Default::default()
        })
        .build_content("RUN yum install -y nginx")
        .system_disk_size(60)
        .send()
        .await
        .unwrap()
        .image_pipeline_id
        .unwrap();
    let execution = ecs
        .start_image_pipeline_execution()
        .image_pipeline_id(&pipeline)
        .send()
        .await
        .unwrap()
        .execution_id
        .unwrap();
    let err = ecs
        .start_image_pipeline_execution()
        .image_pipeline_id(&pipeline)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some("InvalidImagePipeline.HasRunningExecution"),
        "{err}"
    );
    let status = |ecs: aliyun_ecs::Client, pipeline: String| async move {
        ecs.describe_image_pipeline_executions()
            .image_pipeline_id(pipeline)
            .send()
            .await
            .unwrap()
            .image_pipeline_execution
            .remove(0)
    };
    assert_eq!(
        status(ecs.clone(), pipeline.clone())
            .await
            .status
            .as_deref(),
        Some("PREPARING")
    );
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        status(ecs.clone(), pipeline.clone())
            .await
            .status
            .as_deref(),
        Some("BUILDING")
    );
    tokio::time::sleep(Duration::from_secs(6)).await;
    let done = status(ecs.clone(), pipeline.clone()).await;
    assert_eq!(done.status.as_deref(), Some("SUCCESS"));
    let image = done.image_id.unwrap();
    let built = ecs.describe_images().image_id(&image).send().await.unwrap();
    assert_eq!(built.images[0].size, Some(60));
    assert!(
        built.images[0]
            .image_name
            .as_deref()
            .is_some_and(|n| n.starts_with("golden-web_")),
        "{:?}",
        built.images[0].image_name
    );
    let err = ecs
        .cancel_image_pipeline_execution()
        .execution_id(&execution)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some("InvalidStatus.ImagePipelineExecution"),
        "{err}"
    );

    // A second run is cancelled before it ends; then the pipeline can go.
    let second = ecs
        .start_image_pipeline_execution()
        .image_pipeline_id(&pipeline)
        .send()
        .await
        .unwrap()
        .execution_id
        .unwrap();
    let err = ecs
        .delete_image_pipeline()
        .image_pipeline_id(&pipeline)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some("InvalidImagePipeline.HasRunningExecution"),
        "{err}"
    );
    ecs.cancel_image_pipeline_execution()
        .execution_id(&second)
        .send()
        .await
        .unwrap();
    let cancelled = ecs
        .describe_image_pipeline_executions()
        .image_pipeline_id(&pipeline)
        .status("CANCELLED")
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.image_pipeline_execution.len(), 1);
    ecs.delete_image_pipeline()
        .image_pipeline_id(&pipeline)
        .send()
        .await
        .unwrap();
    ecs.delete_image_component()
        .image_component_id(&component)
        .send()
        .await
        .unwrap();
}
