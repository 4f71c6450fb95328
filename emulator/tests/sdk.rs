//! End to end through the real SDK clients (`aliyun_ecs`, `aliyun_cms`) over loopback: the
//! modelled workflows, the documented error codes, and every fault kind as the SDK sees it,
//! with the emulator's request log proving what was sent.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use aliyun_cms::v20170301::action::node_install::NodeInstallError;
use aliyun_cms::v20170301::types::AgentStatus;
use aliyun_core::retry::RetryPolicy;
use aliyun_ecs::action::install_cloud_assistant::InstallCloudAssistantError;
use aliyun_ecs::action::reboot_instance::RebootInstanceError;
use aliyun_emulator::{
    AgentState, CloudAssistantState, Emulator, FailMode, Fault, Instance, InstanceStatus,
};
use futures_util::StreamExt as _;

fn fleet(from: u32, to: u32) -> Vec<String> {
    (from..=to).map(|n| format!("i-emu{n:06}")).collect()
}

#[tokio::test]
async fn install_reboot_describe_with_both_paging_styles() {
    let emulator = Emulator::start().await.unwrap();
    let ecs = common::ecs(&emulator);
    let ids = fleet(1, 25);

    // More than the per-call limit of 20: two batches.
    for batch in ids.chunks(20) {
        ecs.install_cloud_assistant()
            .set_instance_ids(Some(batch.to_vec()))
            .send()
            .await
            .unwrap();
    }
    assert_eq!(
        emulator.instance("i-emu000001").unwrap().cloud_assistant,
        CloudAssistantState::PendingReboot
    );
    // Pending a reboot still reports "false".
    let before = ecs
        .describe_cloud_assistant_status()
        .instance_ids("i-emu000001")
        .send()
        .await
        .unwrap();
    assert_eq!(
        before.instance_statuses[0].cloud_assistant_status,
        Some(false)
    );

    for id in &ids[..15] {
        ecs.reboot_instance()
            .instance_id(id)
            .force_stop(true)
            .send()
            .await
            .unwrap();
    }

    // Next-token paging through the SDK's paginator, 7 per page, over the whole region.
    let mut stream = ecs
        .describe_cloud_assistant_status()
        .max_results(7)
        .into_paginator()
        .items();
    let mut seen = Vec::new();
    while let Some(item) = stream.next().await {
        seen.push(item.unwrap());
    }
    assert_eq!(seen.len(), 40, "every cn-hangzhou instance, once");
    let installed: HashSet<&str> = seen
        .iter()
        .filter(|s| s.cloud_assistant_status == Some(true))
        .filter_map(|s| s.instance_id.as_deref())
        .collect();
    let expected: HashSet<&str> = ids[..15].iter().map(String::as_str).collect();
    assert_eq!(installed, expected);
    let one = seen
        .iter()
        .find(|s| s.instance_id.as_deref() == Some("i-emu000001"))
        .unwrap();
    assert_eq!(one.cloud_assistant_version.as_deref(), Some("2.2.0.106"));
    assert!(one.last_heartbeat_time.is_some());
    let pages = emulator.requests_for("DescribeCloudAssistantStatus").len();
    assert_eq!(pages, 1 + 6, "one lookup plus ceil(40 / 7) pages");

    // Page-number paging: 3 pages of 15, TotalCount on each.
    let mut from_pages = Vec::new();
    for page in 1..=3 {
        let out = ecs
            .describe_cloud_assistant_status()
            .page_number(page)
            .page_size(15)
            .send()
            .await
            .unwrap();
        assert_eq!(out.total_count, Some(40));
        assert_eq!(out.page_number, Some(page));
        assert_eq!(out.page_size, Some(15));
        from_pages.extend(out.instance_statuses);
    }
    assert_eq!(from_pages.len(), 40);
    assert_eq!(
        from_pages, seen,
        "both styles list the same entries in the same order"
    );

    // Filters: ids and OS type.
    let windows = ecs
        .describe_cloud_assistant_status()
        .os_type(aliyun_ecs::types::OsType::Windows)
        .max_results(50)
        .send()
        .await
        .unwrap();
    assert_eq!(windows.total_count, Some(8));
    assert_eq!(emulator.instance("i-emu000001").unwrap().reboots, 1);
}

#[tokio::test]
async fn documented_error_codes() {
    let emulator = Emulator::builder()
        .instance(Instance::new("i-stopped").status(InstanceStatus::Stopped))
        .instance(Instance::new("i-new").status(InstanceStatus::Pending))
        .instance(Instance::new("i-locked").locked(true))
        .start()
        .await
        .unwrap();
    let ecs = common::ecs(&emulator);

    let err = ecs
        .install_cloud_assistant()
        .instance_ids("i-emu000001")
        .instance_ids("i-nope")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, InstallCloudAssistantError::InvalidInstanceNotFound(_)),
        "{err:?}"
    );
    assert_eq!(err.code(), Some("InvalidInstance.NotFound"));
    assert_eq!(err.as_service_error().unwrap().http_status(), 404);
    // Atomic: the known instance did not change either.
    assert_eq!(
        emulator.instance("i-emu000001").unwrap().cloud_assistant,
        CloudAssistantState::NotInstalled
    );
    // An instance of another region is not found in this one.
    let err = ecs
        .install_cloud_assistant()
        .instance_ids("i-emu000041")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidInstance.NotFound"));

    let reboot = |id: &'static str| ecs.reboot_instance().instance_id(id).send();
    let err = reboot("i-nope").await.unwrap_err();
    assert!(
        matches!(err, RebootInstanceError::InvalidInstanceIdNotFound(_)),
        "{err:?}"
    );
    let err = reboot("i-stopped").await.unwrap_err();
    assert!(
        matches!(err, RebootInstanceError::IncorrectInstanceStatus(_)),
        "{err:?}"
    );
    assert_eq!(err.as_service_error().unwrap().http_status(), 403);
    let err = reboot("i-new").await.unwrap_err();
    assert!(
        matches!(
            err,
            RebootInstanceError::IncorrectInstanceStatusInitializing(_)
        ),
        "{err:?}"
    );
    let err = reboot("i-locked").await.unwrap_err();
    assert!(
        matches!(err, RebootInstanceError::InstanceLockedForSecurity(_)),
        "{err:?}"
    );

    // A passing dry run answers DryRunOperation and changes nothing.
    ecs.install_cloud_assistant()
        .instance_ids("i-emu000002")
        .send()
        .await
        .unwrap();
    let err = ecs
        .reboot_instance()
        .instance_id("i-emu000002")
        .dry_run(true)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, RebootInstanceError::DryRunOperation(_)),
        "{err:?}"
    );
    assert_eq!(err.as_service_error().unwrap().http_status(), 400);
    let state = emulator.instance("i-emu000002").unwrap();
    assert_eq!(state.reboots, 0);
    assert_eq!(state.cloud_assistant, CloudAssistantState::PendingReboot);
    // A dry run of a stopped instance reports the status problem, not DryRunOperation.
    let err = ecs
        .reboot_instance()
        .instance_id("i-stopped")
        .dry_run(true)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, RebootInstanceError::IncorrectInstanceStatus(_)),
        "{err:?}"
    );

    let log = emulator.requests_for("RebootInstance");
    assert_eq!(log.last().unwrap().param("DryRun"), Some("true"));
    assert_eq!(
        log.last().unwrap().error_code(),
        Some("IncorrectInstanceStatus")
    );
}

#[tokio::test]
async fn cms_agent_installs_fails_and_uninstalls() {
    let emulator = Emulator::builder()
        .instance(Instance::new("i-fails").cms_install_fails(FailMode::Always))
        .instance(Instance::new("i-flaky").cms_install_fails(FailMode::Once))
        .cms_install_polls(2)
        .start()
        .await
        .unwrap();
    let cms = common::cms(&emulator);
    let status = |id: &'static str| {
        let cms = cms.clone();
        async move {
            cms.node_status()
                .instance_id(id)
                .send()
                .await
                .unwrap()
                .status
                .unwrap()
        }
    };

    assert_eq!(status("i-emu000001").await, AgentStatus::NotInstalled);
    let out = cms
        .node_install()
        .instance_id("i-emu000001")
        .user_id("1234567890")
        .send()
        .await
        .unwrap();
    assert_eq!((out.success, out.error_code), (Some(true), Some(200)));
    assert_eq!(status("i-emu000001").await, AgentStatus::Installing);
    assert_eq!(status("i-emu000001").await, AgentStatus::Installing);
    assert_eq!(status("i-emu000001").await, AgentStatus::Running);

    // The legacy HTTP-200 failure arrives as a typed error.
    let err = cms
        .node_install()
        .instance_id("i-fails")
        .user_id("1")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, NodeInstallError::InternalServerError(_)),
        "{err:?}"
    );
    assert_eq!(err.code(), Some("500"));
    assert_eq!(err.as_service_error().unwrap().http_status(), 200);
    assert_eq!(status("i-fails").await, AgentStatus::InstallFaild);
    let last = emulator.requests_for("NodeInstall").pop().unwrap();
    assert_eq!((last.status, last.error_code()), (Some(200), Some("500")));

    // Fail once: a plain retry is refused, a Force retry installs.
    assert!(
        cms.node_install()
            .instance_id("i-flaky")
            .user_id("1")
            .send()
            .await
            .is_err()
    );
    assert!(
        cms.node_install()
            .instance_id("i-flaky")
            .user_id("1")
            .send()
            .await
            .is_err()
    );
    cms.node_install()
        .instance_id("i-flaky")
        .user_id("1")
        .force(true)
        .send()
        .await
        .unwrap();

    // The list view polls too, and leaves unknown ids out.
    let list = cms
        .node_status_list()
        .instance_ids("i-flaky")
        .instance_ids("i-emu000001")
        .instance_ids("i-unknown")
        .send()
        .await
        .unwrap();
    let states: Vec<_> = list
        .node_statuses
        .iter()
        .map(|s| s.status.clone().unwrap())
        .collect();
    assert_eq!(states, [AgentStatus::Installing, AgentStatus::Running]);

    cms.node_uninstall()
        .instance_id("i-emu000001")
        .send()
        .await
        .unwrap();
    assert_eq!(status("i-emu000001").await, AgentStatus::Uninstalled);
    let err = cms
        .node_uninstall()
        .instance_id("i-emu000001")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("404"));
    let err = cms
        .node_status()
        .instance_id("i-unknown")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("404"));
    assert_eq!(
        emulator.instance("i-emu000001").unwrap().cms_agent,
        AgentState::Uninstalled
    );
}

#[tokio::test]
async fn cms_install_completes_after_a_delay() {
    let emulator = Emulator::builder()
        .cms_install_polls(1_000)
        .cms_install_delay(Duration::from_millis(30))
        .start()
        .await
        .unwrap();
    let cms = common::cms(&emulator);
    cms.node_install()
        .instance_id("i-emu000003")
        .user_id("1")
        .send()
        .await
        .unwrap();
    let first = cms
        .node_status()
        .instance_id("i-emu000003")
        .send()
        .await
        .unwrap();
    assert_eq!(first.status, Some(AgentStatus::Installing));
    tokio::time::sleep(Duration::from_millis(40)).await;
    let later = cms
        .node_status()
        .instance_id("i-emu000003")
        .send()
        .await
        .unwrap();
    assert_eq!(later.status, Some(AgentStatus::Running));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_are_atomic() {
    let emulator = Emulator::start().await.unwrap();
    let ecs = common::ecs(&emulator);
    let cms = common::cms(&emulator);
    let mut tasks = tokio::task::JoinSet::new();
    for n in 1..=40u32 {
        let ecs = ecs.clone();
        let cms = cms.clone();
        tasks.spawn(async move {
            let id = format!("i-emu{n:06}");
            ecs.install_cloud_assistant()
                .instance_ids(&id)
                .send()
                .await
                .unwrap();
            ecs.reboot_instance().instance_id(&id).send().await.unwrap();
            cms.node_install()
                .instance_id(&id)
                .user_id("1")
                .send()
                .await
                .unwrap();
            for _ in 0..3 {
                cms.node_status().instance_id(&id).send().await.unwrap();
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    for instance in emulator
        .instances()
        .iter()
        .filter(|i| i.region == "cn-hangzhou")
    {
        assert_eq!(
            instance.cloud_assistant,
            CloudAssistantState::Installed,
            "{}",
            instance.id
        );
        assert_eq!(instance.cms_agent, AgentState::Running, "{}", instance.id);
        assert_eq!(instance.reboots, 1);
    }
    let log = emulator.requests();
    assert_eq!(log.len(), 40 * 6);
    let seqs: HashSet<u64> = log.iter().map(|r| r.seq).collect();
    assert_eq!(seqs.len(), log.len());
    assert!(log.iter().all(|r| r.is_ok()));
}

#[tokio::test]
async fn throttling_then_success_uses_fresh_nonces() {
    let emulator = Emulator::builder()
        .fault(Fault::throttling().action("InstallCloudAssistant").times(2))
        .start()
        .await
        .unwrap();
    let ecs = common::ecs(&emulator);
    ecs.install_cloud_assistant()
        .instance_ids("i-emu000001")
        .send()
        .await
        .unwrap();
    let log = emulator.requests_for("InstallCloudAssistant");
    assert_eq!(log.len(), 3);
    let codes: Vec<Option<&str>> = log.iter().map(|r| r.error_code()).collect();
    assert_eq!(
        codes,
        [Some("Throttling.User"), Some("Throttling.User"), None]
    );
    let nonces: HashSet<&str> = log.iter().filter_map(|r| r.nonce.as_deref()).collect();
    assert_eq!(nonces.len(), 3);
    assert!(log.iter().all(|r| r.param("Signature").is_none()));
    assert_eq!(log[0].faults, ["throttling"]);
    assert_eq!(emulator.faults()[0].remaining(), Some(0));
}

#[tokio::test]
async fn throttling_forever_gives_up_after_the_policy() {
    let emulator = Emulator::start().await.unwrap();
    emulator.add_fault(Fault::throttling_code("Throttling.Api").action("NodeStatus"));
    let cms = common::cms(&emulator);
    let err = cms
        .node_status()
        .instance_id("i-emu000001")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("Throttling.Api"));
    let core = err.into_core();
    assert!(core.is_throttling());
    assert_eq!(core.attempts(), 3);
    assert_eq!(emulator.requests_for("NodeStatus").len(), 3);
}

#[tokio::test]
async fn server_errors_follow_idempotency() {
    let emulator = Emulator::start().await.unwrap();
    let ecs = common::ecs(&emulator);

    // Idempotent: a 500 is retried.
    let id = emulator.add_fault(
        Fault::internal_error()
            .action("DescribeCloudAssistantStatus")
            .times(1),
    );
    ecs.describe_cloud_assistant_status().send().await.unwrap();
    assert_eq!(
        emulator.requests_for("DescribeCloudAssistantStatus").len(),
        2
    );
    emulator.remove_fault(id);

    // Non-idempotent: a 500 (InternalError.Dispatch, documented) is not.
    emulator.add_fault(
        Fault::error(
            500,
            "InternalError.Dispatch",
            "An error occurred when you dispatched the request.",
        )
        .action("InstallCloudAssistant")
        .times(1),
    );
    let err = ecs
        .install_cloud_assistant()
        .instance_ids("i-emu000001")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, InstallCloudAssistantError::InternalErrorDispatch(_)),
        "{err:?}"
    );
    assert_eq!(err.into_core().attempts(), 1);

    // 503 means "not processed": retried even for a write.
    emulator.add_fault(
        Fault::service_unavailable()
            .action("RebootInstance")
            .times(1),
    );
    ecs.reboot_instance()
        .instance_id("i-emu000001")
        .send()
        .await
        .unwrap();
    let codes: Vec<Option<String>> = emulator
        .requests_for("RebootInstance")
        .iter()
        .map(|r| r.error_code().map(str::to_owned))
        .collect();
    assert_eq!(codes, [Some("ServiceUnavailable".to_owned()), None]);
    let first = &emulator.requests_for("RebootInstance")[0];
    assert_eq!(first.status, Some(503));
}

#[tokio::test]
async fn closed_connections_and_write_safety() {
    let emulator = Emulator::start().await.unwrap();
    let ecs = common::ecs(&emulator);

    // After the action ran: the write took effect, the client cannot know, and must not resend.
    emulator.add_fault(
        Fault::close_connection()
            .action("InstallCloudAssistant")
            .after_action()
            .times(1),
    );
    let err = ecs
        .install_cloud_assistant()
        .instance_ids("i-emu000005")
        .send()
        .await
        .unwrap_err();
    let core = err.into_core();
    assert!(core.may_have_taken_effect(), "{core:?}");
    assert_eq!(core.attempts(), 1);
    assert_eq!(emulator.requests_for("InstallCloudAssistant").len(), 1);
    assert_eq!(
        emulator.instance("i-emu000005").unwrap().cloud_assistant,
        CloudAssistantState::PendingReboot
    );
    let logged = &emulator.requests_for("InstallCloudAssistant")[0];
    assert_eq!(logged.status, None);
    assert_eq!(logged.faults, ["close_connection"]);

    // An idempotent read is simply retried.
    emulator.add_fault(
        Fault::close_connection()
            .action("DescribeCloudAssistantStatus")
            .times(1),
    );
    ecs.describe_cloud_assistant_status().send().await.unwrap();
    assert_eq!(
        emulator.requests_for("DescribeCloudAssistantStatus").len(),
        2
    );
}

#[tokio::test]
async fn slow_answers_time_out() {
    let emulator = Emulator::start().await.unwrap();
    emulator.add_fault(Fault::latency(Duration::from_millis(400)).action("NodeStatus"));
    let config = emulator
        .sdk_config_builder()
        .retry_policy(RetryPolicy::disabled())
        .read_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let cms = aliyun_cms::v20170301::Client::new(&config);
    let started = std::time::Instant::now();
    let err = cms
        .node_status()
        .instance_id("i-emu000001")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err.into_core(), aliyun_core::Error::Timeout(_)));
    assert!(
        started.elapsed() < Duration::from_millis(350),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn unreadable_bodies_are_typed_errors() {
    let emulator = Emulator::start().await.unwrap();
    let ecs = common::ecs(&emulator);
    let install = || {
        ecs.install_cloud_assistant()
            .instance_ids("i-emu000001")
            .send()
    };

    for (fault, status, needle) in [
        (Fault::truncated_json(), 200, "{"),
        (Fault::html_gateway(), 502, "Bad Gateway"),
        (Fault::empty_body(), 200, ""),
    ] {
        let id = emulator.add_fault(fault.clone().action("InstallCloudAssistant"));
        let err = install().await.unwrap_err().into_core();
        match &err {
            aliyun_core::Error::Response(e) => {
                assert_eq!(e.status(), status, "{fault}");
                assert!(e.snippet().contains(needle), "{fault}: {}", e.snippet());
            }
            other => panic!("{fault}: {other:?}"),
        }
        emulator.remove_fault(id);
    }

    let id = emulator.add_fault(Fault::huge_body(9 * 1024 * 1024).action("InstallCloudAssistant"));
    let err = install().await.unwrap_err().into_core();
    assert!(matches!(err, aliyun_core::Error::Response(_)), "{err:?}");
    emulator.remove_fault(id);

    // Numbers and booleans as strings still decode.
    emulator.add_fault(Fault::numbers_as_strings().action("DescribeCloudAssistantStatus"));
    let out = ecs
        .describe_cloud_assistant_status()
        .instance_ids("i-emu000001")
        .send()
        .await
        .unwrap();
    assert_eq!(out.total_count, Some(1));
    assert_eq!(
        out.instance_statuses[0].support_session_manager,
        Some(false)
    );
}

#[tokio::test]
async fn per_instance_and_fractional_faults() {
    let emulator = Emulator::start().await.unwrap();
    let cms = common::cms(&emulator);
    emulator.add_fault(Fault::error(403, "Forbidden.RAM", "no").instance("i-emu000007"));
    assert!(
        cms.node_status()
            .instance_id("i-emu000006")
            .send()
            .await
            .is_ok()
    );
    let err = cms
        .node_status()
        .instance_id("i-emu000007")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("Forbidden.RAM"));
    emulator.clear_faults();

    // A seeded fraction hits the same calls every run.
    let config = emulator
        .sdk_config_builder()
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let cms = aliyun_cms::v20170301::Client::new(&config);
    let mut runs = Vec::new();
    for _ in 0..2 {
        emulator.reset();
        emulator.add_fault(
            Fault::service_unavailable()
                .action("NodeStatus")
                .fraction(0.3, 7),
        );
        let mut pattern = Vec::new();
        for _ in 0..30 {
            pattern.push(
                cms.node_status()
                    .instance_id("i-emu000001")
                    .send()
                    .await
                    .is_err(),
            );
        }
        runs.push(pattern);
    }
    assert_eq!(runs[0], runs[1]);
    let hits = runs[0].iter().filter(|h| **h).count();
    assert!((3..=18).contains(&hits), "{hits}");

    // Every k-th.
    emulator.reset();
    emulator.add_fault(Fault::throttling().action("NodeStatus").every(3));
    let pattern: Vec<bool> = {
        let mut p = Vec::new();
        for _ in 0..6 {
            p.push(
                cms.node_status()
                    .instance_id("i-emu000001")
                    .send()
                    .await
                    .is_err(),
            );
        }
        p
    };
    assert_eq!(pattern, [false, false, true, false, false, true]);
}

#[tokio::test]
async fn clock_skew_is_corrected_from_the_date_header() {
    let emulator = Emulator::builder()
        .clock_offset_secs(20 * 60)
        .start()
        .await
        .unwrap();
    let ecs = common::ecs(&emulator);
    ecs.describe_cloud_assistant_status().send().await.unwrap();
    let log = emulator.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].error_code(), Some("InvalidTimeStamp.Expired"));
    assert!(log[1].is_ok());

    // With correction off, the error says how far off the clock is.
    let config = emulator
        .sdk_config_builder()
        .clock_skew_correction(false)
        .build()
        .unwrap();
    let err = aliyun_ecs::Client::new(&config)
        .describe_cloud_assistant_status()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidTimeStamp.Expired"));
    let skew = err.as_service_error().unwrap().clock_skew().unwrap();
    assert!(skew >= Duration::from_secs(19 * 60), "{skew:?}");
}

#[tokio::test]
async fn wrong_secret_is_diagnosed_by_the_sdk() {
    let emulator = Emulator::start().await.unwrap();
    let config = emulator
        .sdk_config_builder()
        .credentials_provider(aliyun_core::Credentials::new(
            aliyun_emulator::DEFAULT_ACCESS_KEY_ID,
            "not-the-secret",
        ))
        .build()
        .unwrap();
    let err = aliyun_cms::v20170301::Client::new(&config)
        .node_status()
        .instance_id("i-emu000001")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"));
    let service = err.as_service_error().unwrap();
    assert_eq!(service.http_status(), 400);
    assert_eq!(
        service.signature_diagnosis(),
        Some(&aliyun_core::SignatureDiagnosis::WrongSecret)
    );

    let config = emulator
        .sdk_config_builder()
        .credentials_provider(aliyun_core::Credentials::new("LTAIunknown", "x"))
        .build()
        .unwrap();
    let err = aliyun_cms::v20170301::Client::new(&config)
        .node_status()
        .instance_id("i-emu000001")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidAccessKeyId.NotFound"));
    assert_eq!(err.as_service_error().unwrap().http_status(), 404);
}

#[tokio::test]
async fn sts_credentials_through_the_sdk() {
    let emulator = Emulator::builder()
        .sts_key("STS.test", "sts-secret", "the-token")
        .start()
        .await
        .unwrap();
    let sts = |token: &str| {
        let config = emulator
            .sdk_config_builder()
            .credentials_provider(aliyun_core::Credentials::new_sts(
                "STS.test",
                "sts-secret",
                token,
                None,
            ))
            .build()
            .unwrap();
        aliyun_cms::v20170301::Client::new(&config)
    };
    sts("the-token")
        .node_status()
        .instance_id("i-emu000001")
        .send()
        .await
        .unwrap();
    let err = sts("another")
        .node_status()
        .instance_id("i-emu000001")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some("InvalidSecurityToken.MismatchWithAccessKey")
    );
    let log = emulator.requests();
    assert!(log.iter().all(|r| r.param("SecurityToken").is_none()));
    let json = serde_json::to_string(&log).unwrap();
    assert!(
        !json.contains("the-token") && !json.contains("sts-secret"),
        "{json}"
    );
}
