//! CloudMonitor site monitoring tasks end to end through the typed `aliyun_cms::Client`
//! (2019-01-01): create, list (filters and `Page`/`PageSize`), describe one, modify, disable
//! and enable, delete, and the documented refusals, all in the service's envelope.

mod common;

use aliyun_cms::action::create_site_monitor::CreateSiteMonitorError;
use aliyun_cms::action::modify_site_monitor::ModifySiteMonitorError;
use aliyun_emulator::{AnswerSource, Emulator};
use serde_json::json;

async fn start() -> (Emulator, aliyun_cms::Client) {
    let emulator = Emulator::builder()
        .no_default_instances()
        .start()
        .await
        .unwrap();
    let cms = aliyun_cms::Client::new(&common::config(&emulator));
    (emulator, cms)
}

async fn create(cms: &aliyun_cms::Client, name: &str, address: &str) -> String {
    let out = cms
        .create_site_monitor()
        .task_name(name)
        .task_type("HTTPS")
        .address(address)
        .interval("5")
        .options_json("time_out", json!(3000))
        .isp_cities(json!({"city": "546", "isp": "465"}))
        .send()
        .await
        .unwrap();
    assert_eq!(out.code.as_deref(), Some("200"));
    assert_eq!(out.create_result_list[0].task_name.as_deref(), Some(name));
    out.create_result_list[0].task_id.clone().unwrap()
}

#[tokio::test]
async fn a_task_is_created_listed_changed_paused_and_deleted() {
    let (emulator, cms) = start().await;
    let shop = create(&cms, "shop-home", "https://shop.example.com").await;
    let api = create(&cms, "api-health", "https://api.example.com/health").await;
    assert_eq!(shop.len(), 36, "{shop}");
    assert_ne!(shop, api);
    let logged = &emulator.requests_for("CreateSiteMonitor")[0];
    assert_eq!(logged.answered_from, Some(AnswerSource::World));

    let all = cms.describe_site_monitor_list().send().await.unwrap();
    assert_eq!(all.total_count, Some(2));
    let names: Vec<_> = all
        .site_monitors
        .iter()
        .map(|t| t.task_name.clone().unwrap())
        .collect();
    assert_eq!(names, ["shop-home", "api-health"]);
    assert_eq!(all.site_monitors[0].interval.as_deref(), Some("5"));
    assert_eq!(all.site_monitors[0].task_state.as_deref(), Some("1"));
    let found = cms
        .describe_site_monitor_list()
        .keyword("health")
        .send()
        .await
        .unwrap();
    assert_eq!(found.site_monitors.len(), 1);
    assert_eq!(
        found.site_monitors[0].task_id.as_deref(),
        Some(api.as_str())
    );
    let second_page = cms
        .describe_site_monitor_list()
        .page(2)
        .page_size(1)
        .send()
        .await
        .unwrap();
    assert_eq!(
        second_page.site_monitors[0].task_name.as_deref(),
        Some("api-health")
    );

    let one = cms
        .describe_site_monitor_attribute()
        .task_id(&shop)
        .send()
        .await
        .unwrap()
        .site_monitors
        .unwrap();
    assert_eq!(one.address.as_deref(), Some("https://shop.example.com"));
    assert_eq!(one.task_type.as_deref(), Some("HTTPS"));
    assert_eq!(one.isp_cities[0].city.as_deref(), Some("546"));

    let modified = cms
        .modify_site_monitor()
        .task_id(&shop)
        .task_name("shop-front")
        .interval("1")
        .send()
        .await
        .unwrap();
    assert_eq!(modified.data.unwrap().count, Some(1));
    let renamed = cms
        .describe_site_monitor_list()
        .task_id(&shop)
        .send()
        .await
        .unwrap();
    assert_eq!(
        renamed.site_monitors[0].task_name.as_deref(),
        Some("shop-front")
    );
    assert_eq!(renamed.site_monitors[0].interval.as_deref(), Some("1"));

    let paused = cms
        .disable_site_monitors()
        .task_ids(format!("{shop},{api}"))
        .send()
        .await
        .unwrap();
    assert_eq!(paused.data.unwrap().count, Some(2));
    let disabled = cms
        .describe_site_monitor_list()
        .task_state("2")
        .send()
        .await
        .unwrap();
    assert_eq!(disabled.total_count, Some(2));
    cms.enable_site_monitors()
        .task_ids(&api)
        .send()
        .await
        .unwrap();
    let enabled = cms
        .describe_site_monitor_list()
        .task_state("1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        enabled.site_monitors[0].task_id.as_deref(),
        Some(api.as_str())
    );

    let deleted = cms
        .delete_site_monitors()
        .task_ids(format!("{shop},no-such-task"))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.data.unwrap().count, Some(1));
    let left = cms.describe_site_monitor_list().send().await.unwrap();
    assert_eq!(left.total_count, Some(1));
}

#[tokio::test]
async fn names_addresses_and_unknown_tasks_are_refused_in_the_envelope() {
    let (_emulator, cms) = start().await;
    create(&cms, "shop-home", "https://shop.example.com").await;
    let err = cms
        .create_site_monitor()
        .task_name("shop-home")
        .task_type("HTTP")
        .address("http://other.example.com")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, CreateSiteMonitorError::NameRepeat(_)),
        "{err}"
    );
    let err = cms
        .create_site_monitor()
        .task_name("bad-address")
        .task_type("HTTP")
        .address("shop.example.com")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, CreateSiteMonitorError::IllegalAddress(_)),
        "{err}"
    );
    let err = cms
        .create_site_monitor()
        .task_name("bad-interval")
        .task_type("PING")
        .address("shop.example.com")
        .interval("2")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, CreateSiteMonitorError::InvalidQueryParameter(_)),
        "{err}"
    );
    let err = cms
        .modify_site_monitor()
        .task_id("no-such-task")
        .task_name("anything")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, ModifySiteMonitorError::TaskNotExists(_)),
        "{err}"
    );
}
