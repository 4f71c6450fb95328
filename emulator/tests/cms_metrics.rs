//! CloudMonitor metric data, custom metrics, custom events and the agent's hosts and settings,
//! through the typed `aliyun_cms::Client` (2019-01-01) on a paused clock: `acs_ecs_dashboard`
//! points for running instances (agent metrics only where the agent runs), periods, windows,
//! dimensions, paging with `NextToken`, aggregation across instances, top-N; reported custom
//! values read back per series; events filtered, counted and bucketed; the documented errors.

use std::collections::BTreeSet;

use aliyun_cms::action::describe_metric_top::DescribeMetricTopError;
use aliyun_cms::types::{PutCustomEventEventInfo, PutCustomMetricMetricList};
use aliyun_emulator::{AgentState, Emulator, Instance, InstanceStatus};
use serde_json::Value;

/// The account's custom metric namespace (`acs_customMetric_<userId>`).
const CUSTOM: &str = "acs_customMetric_1234567898765432";
/// A fixed ten-minute window in the past (UTC+8 text, as the console writes it).
const FROM: &str = "2024-01-01 08:00:00";
const TO: &str = "2024-01-01 08:10:00";
/// `FROM` in milliseconds since the epoch.
const FROM_MS: u64 = 1_704_067_200_000;

fn config(emulator: &Emulator) -> aliyun_core::Config {
    emulator
        .in_process_config_builder()
        .retry_policy(aliyun_core::testing::support::quick_retries())
        .build()
        .unwrap()
}

/// `i-a`: agent running; `i-b`: no agent; `i-c`: stopped with its agent running.
async fn start() -> (Emulator, aliyun_cms::Client) {
    let emulator = Emulator::builder()
        .no_default_instances()
        .instances(vec![
            Instance::new("i-a").cms_agent(AgentState::Running),
            Instance::new("i-b"),
            Instance::new("i-c")
                .cms_agent(AgentState::Running)
                .status(InstanceStatus::Stopped),
        ])
        .start()
        .await
        .unwrap();
    let cms = aliyun_cms::Client::new(&config(&emulator));
    (emulator, cms)
}

/// The wall clock in seconds since the epoch (the ECS monitoring data tests read real time).
fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// `secs` as the UTC timestamp ECS takes (`2026-12-07T15:00:00Z`).
fn iso(secs: u64) -> String {
    aliyun_core::signer::format_timestamp(
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs),
    )
}

fn points(text: Option<String>) -> Vec<Value> {
    serde_json::from_str::<Vec<Value>>(&text.expect("Datapoints")).expect("JSON text")
}

fn ids_of(points: &[Value]) -> BTreeSet<String> {
    points
        .iter()
        .filter_map(|p| p["instanceId"].as_str().map(str::to_owned))
        .collect()
}

fn num(point: &Value, key: &str) -> f64 {
    point[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} in {point}"))
}

#[tokio::test(start_paused = true)]
async fn points_exist_for_running_instances_and_running_agents() {
    let (emulator, cms) = start().await;
    let list = |metric: &'static str| {
        cms.describe_metric_list()
            .namespace("acs_ecs_dashboard")
            .metric_name(metric)
            .start_time(FROM)
            .end_time(TO)
    };
    let cpu_total = points(list("cpu_total").send().await.unwrap().datapoints);
    assert_eq!(cpu_total.len(), 10, "one point a minute");
    assert_eq!(ids_of(&cpu_total), BTreeSet::from(["i-a".to_owned()]));
    for (n, point) in cpu_total.iter().enumerate() {
        assert_eq!(point["timestamp"], FROM_MS + n as u64 * 60_000);
        assert_eq!(point["userId"], "1234567898765432");
        let (min, avg, max) = (
            num(point, "Minimum"),
            num(point, "Average"),
            num(point, "Maximum"),
        );
        assert!(
            min <= avg && avg <= max && (0.0..=100.0).contains(&avg),
            "{point}"
        );
    }
    // The same window reads the same points.
    assert_eq!(
        points(list("cpu_total").send().await.unwrap().datapoints),
        cpu_total
    );

    // A hypervisor metric: every running instance, agent or not.
    let cpu = list("CPUUtilization").send().await.unwrap();
    assert_eq!(cpu.period.as_deref(), Some("60"));
    let cpu = points(cpu.datapoints);
    assert_eq!(cpu.len(), 20);
    assert_eq!(
        ids_of(&cpu),
        BTreeSet::from(["i-a".to_owned(), "i-b".to_owned()])
    );

    // Coarser periods, one instance or two, unknown metrics.
    let five = points(
        list("CPUUtilization")
            .period("300")
            .dimensions(serde_json::json!({"instanceId": "i-b"}))
            .send()
            .await
            .unwrap()
            .datapoints,
    );
    assert_eq!(five.len(), 2);
    assert_eq!(five[1]["timestamp"], FROM_MS + 300_000);
    assert_eq!(ids_of(&five), BTreeSet::from(["i-b".to_owned()]));
    let listed = points(
        list("CPUUtilization")
            .dimensions(serde_json::json!({"instanceId": "i-b"}))
            .dimensions(serde_json::json!({"instanceId": "i-c"}))
            .send()
            .await
            .unwrap()
            .datapoints,
    );
    assert_eq!(ids_of(&listed), BTreeSet::from(["i-b".to_owned()]));
    let none = list("no_such_metric").send().await.unwrap();
    assert_eq!(none.datapoints.as_deref(), Some("[]"));

    // Refusals: a period that is not whole minutes, an empty window, bad dimensions.
    let err = list("cpu_total").period("90").send().await.unwrap_err();
    assert_eq!(err.code(), Some("ParameterInvalid"), "{err}");
    let err = cms
        .describe_metric_list()
        .namespace("acs_ecs_dashboard")
        .metric_name("cpu_total")
        .start_time(TO)
        .end_time(FROM)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ParameterInvalid"), "{err}");
    let err = list("cpu_total")
        .dimensions(serde_json::json!("instanceId=i-a"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ParameterInvalid"), "{err}");
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn lists_page_with_next_token_and_last_is_the_latest_point() {
    let (emulator, cms) = start().await;
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = cms
            .describe_metric_list()
            .namespace("acs_ecs_dashboard")
            .metric_name("CPUUtilization")
            .start_time(FROM)
            .end_time(TO)
            .length("7")
            .set_next_token(token.take())
            .send()
            .await
            .unwrap();
        pages += 1;
        let page_points = points(page.datapoints);
        assert!(page_points.len() <= 7);
        seen.extend(page_points);
        match page.next_token {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let whole = cms
        .describe_metric_list()
        .namespace("acs_ecs_dashboard")
        .metric_name("CPUUtilization")
        .start_time(FROM)
        .end_time(TO)
        .send()
        .await
        .unwrap();
    assert!(whole.next_token.is_none());
    assert_eq!(seen, points(whole.datapoints));
    let err = cms
        .describe_metric_list()
        .namespace("acs_ecs_dashboard")
        .metric_name("CPUUtilization")
        .next_token("not-a-token")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ParameterInvalid"));

    // The latest point of a window is the last of its list, per instance.
    let last = points(
        cms.describe_metric_last()
            .namespace("acs_ecs_dashboard")
            .metric_name("CPUUtilization")
            .start_time(FROM)
            .end_time(TO)
            .send()
            .await
            .unwrap()
            .datapoints,
    );
    assert_eq!(last.len(), 2);
    assert_eq!(last[0], seen[9]);
    assert_eq!(last[1], seen[19]);
    // Paged too.
    let first = cms
        .describe_metric_last()
        .namespace("acs_ecs_dashboard")
        .metric_name("CPUUtilization")
        .length("1")
        .send()
        .await
        .unwrap();
    assert_eq!(points(first.datapoints).len(), 1);
    assert!(first.next_token.is_some());

    // Agent metrics, now: only where the agent runs (not the stopped instance).
    for metric in ["cpu_total", "memory_usedutilization"] {
        let now = points(
            cms.describe_metric_last()
                .namespace("acs_ecs_dashboard")
                .metric_name(metric)
                .send()
                .await
                .unwrap()
                .datapoints,
        );
        assert_eq!(ids_of(&now), BTreeSet::from(["i-a".to_owned()]), "{metric}");
    }
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn installing_the_agent_brings_its_metrics() {
    let (emulator, cms) = start().await;
    let reporting = || async {
        ids_of(&points(
            cms.describe_metric_last()
                .namespace("acs_ecs_dashboard")
                .metric_name("load_1m")
                .send()
                .await
                .unwrap()
                .datapoints,
        ))
    };
    assert_eq!(reporting().await, BTreeSet::from(["i-a".to_owned()]));
    cms.install_monitoring_agent()
        .instance_ids("i-b")
        .send()
        .await
        .unwrap();
    // Installing: no points yet; the status poll finds it running.
    assert_eq!(reporting().await.len(), 1);
    for _ in 0..3 {
        cms.describe_monitoring_agent_statuses()
            .instance_ids("i-b")
            .send()
            .await
            .unwrap();
    }
    assert_eq!(
        reporting().await,
        BTreeSet::from(["i-a".to_owned(), "i-b".to_owned()])
    );
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn data_aggregates_across_instances_and_top_orders_them() {
    let (emulator, cms) = start().await;
    let per_instance = points(
        cms.describe_metric_list()
            .namespace("acs_ecs_dashboard")
            .metric_name("CPUUtilization")
            .start_time(FROM)
            .end_time(TO)
            .send()
            .await
            .unwrap()
            .datapoints,
    );
    let data = points(
        cms.describe_metric_data()
            .namespace("acs_ecs_dashboard")
            .metric_name("CPUUtilization")
            .start_time(FROM)
            .end_time(TO)
            .send()
            .await
            .unwrap()
            .datapoints,
    );
    assert_eq!(data.len(), 10);
    for (n, point) in data.iter().enumerate() {
        assert!(point.get("instanceId").is_none(), "{point}");
        let (a, b) = (&per_instance[n], &per_instance[n + 10]);
        assert_eq!(point["timestamp"], a["timestamp"]);
        let mean = (num(a, "Average") + num(b, "Average")) / 2.0;
        assert!((num(point, "Average") - mean).abs() < 0.011, "{point}");
        assert_eq!(
            num(point, "Maximum"),
            num(a, "Maximum").max(num(b, "Maximum"))
        );
        assert_eq!(
            num(point, "Minimum"),
            num(a, "Minimum").min(num(b, "Minimum"))
        );
    }
    let short = cms
        .describe_metric_data()
        .namespace("acs_ecs_dashboard")
        .metric_name("CPUUtilization")
        .start_time(FROM)
        .end_time(TO)
        .length("3")
        .send()
        .await
        .unwrap();
    assert_eq!(points(short.datapoints).len(), 3);

    let top = |order_desc: Option<&'static str>| {
        let mut call = cms
            .describe_metric_top()
            .namespace("acs_ecs_dashboard")
            .metric_name("CPUUtilization")
            .orderby("Maximum")
            .start_time(FROM)
            .end_time(TO);
        if let Some(order) = order_desc {
            call = call.order_desc(order);
        }
        call
    };
    let down = points(top(None).send().await.unwrap().datapoints);
    assert_eq!(down.len(), 2);
    assert_eq!(down[0]["order"], 1);
    assert_eq!(down[1]["order"], 2);
    assert_eq!(down[0]["_count"], 10.0);
    assert!(num(&down[0], "Maximum") >= num(&down[1], "Maximum"));
    // The window's highest maximum of each instance.
    let highest = |id: &str| {
        per_instance
            .iter()
            .filter(|p| p["instanceId"] == id)
            .map(|p| num(p, "Maximum"))
            .fold(f64::MIN, f64::max)
    };
    let leader = down[0]["instanceId"].as_str().unwrap();
    assert_eq!(num(&down[0], "Maximum"), highest(leader));
    // `OrderDesc=True` sorts ascending, as the service reads it.
    let up = points(top(Some("True")).send().await.unwrap().datapoints);
    assert_eq!(up[0]["instanceId"], down[1]["instanceId"]);
    let one = points(top(None).length("1").send().await.unwrap().datapoints);
    assert_eq!(one.len(), 1);
    let err = cms
        .describe_metric_top()
        .namespace("acs_ecs_dashboard")
        .metric_name("CPUUtilization")
        .orderby("Median")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, DescribeMetricTopError::ParameterInvalid(_)),
        "{err}"
    );
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_catalogue_lists_metrics_namespaces_and_system_events() {
    let (emulator, cms) = start().await;
    let ecs = cms
        .describe_metric_meta_list()
        .namespace("acs_ecs_dashboard")
        .page_size(100)
        .send()
        .await
        .unwrap();
    assert_eq!(ecs.total_count.as_deref(), Some("20"));
    assert_eq!(ecs.resources.len(), 20);
    let cpu = ecs
        .resources
        .iter()
        .find(|r| r.metric_name.as_deref() == Some("cpu_total"))
        .unwrap();
    assert_eq!(cpu.unit.as_deref(), Some("%"));
    assert_eq!(cpu.periods.as_deref(), Some("60,300,900"));
    assert_eq!(cpu.dimensions.as_deref(), Some("userId,instanceId"));
    let labels: Value = serde_json::from_str(cpu.labels.as_deref().unwrap()).unwrap();
    assert!(labels.is_array());
    let page = cms
        .describe_metric_meta_list()
        .page_number(2)
        .page_size(8)
        .send()
        .await
        .unwrap();
    assert_eq!(page.resources.len(), 8);
    assert_eq!(
        page.resources[0].metric_name, ecs.resources[8].metric_name,
        "pages follow the list"
    );
    let one = cms
        .describe_metric_meta_list()
        .metric_name("load_5m")
        .send()
        .await
        .unwrap();
    assert_eq!(one.resources.len(), 1);

    let projects = cms.describe_project_meta().send().await.unwrap();
    assert!(
        projects
            .resources
            .iter()
            .any(|p| p.namespace.as_deref() == Some("acs_ecs_dashboard"))
    );
    assert!(
        !projects
            .resources
            .iter()
            .any(|p| p.namespace.as_deref() == Some(CUSTOM)),
        "no custom metric reported yet"
    );
    let ecs_only = cms
        .describe_project_meta()
        .labels(serde_json::json!({"name": "product", "value": "ECS"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ecs_only.total.as_deref(), Some("1"));
    let paged = cms
        .describe_project_meta()
        .page_size(2)
        .page_number(2)
        .send()
        .await
        .unwrap();
    assert_eq!(paged.resources.len(), 2);
    assert_eq!(paged.page_number.as_deref(), Some("2"));

    let events = cms.describe_system_event_meta_list().send().await.unwrap();
    assert_eq!(events.code, Some(200));
    assert!(
        events
            .data
            .iter()
            .any(|e| e.name.as_deref() == Some("Instance:StateChange")
                && e.product.as_deref() == Some("ECS"))
    );
    emulator.shutdown().await;
}

fn value(
    name: &str,
    group: &str,
    dims: &str,
    values: &str,
    time_ms: u64,
) -> PutCustomMetricMetricList {
    PutCustomMetricMetricList {
        metric_name: Some(name.into()),
        group_id: Some(group.into()),
        dimensions: Some(dims.into()),
        values: Some(values.into()),
        time: Some(time_ms.to_string()),
        r#type: Some("0".into()),
        period: Some("60".into()),
    }
}

fn result_of(text: Option<String>) -> Value {
    serde_json::from_str(&text.expect("Result")).expect("JSON text")
}

#[tokio::test(start_paused = true)]
async fn custom_metrics_are_stored_listed_read_and_deleted() {
    let (emulator, cms) = start().await;
    let a = r#"{"queue":"a"}"#;
    let b = r#"{"queue":"b"}"#;
    let put = cms
        .put_custom_metric()
        .metric_list(value(
            "queue_depth",
            "101",
            a,
            r#"{"value":10}"#,
            FROM_MS + 1_000,
        ))
        .metric_list(value(
            "queue_depth",
            "101",
            a,
            r#"{"value":20}"#,
            FROM_MS + 20_000,
        ))
        .metric_list(value(
            "queue_depth",
            "101",
            a,
            r#"{"value":30}"#,
            FROM_MS + 40_000,
        ))
        .metric_list(value(
            "queue_depth",
            "101",
            a,
            r#"{"value":5}"#,
            FROM_MS + 61_000,
        ))
        .metric_list(PutCustomMetricMetricList {
            r#type: Some("1".into()),
            ..value(
                "queue_depth",
                "101",
                b,
                r#"{"Average":4,"Maximum":9,"Minimum":1,"Sum":40,"SampleCount":10}"#,
                FROM_MS + 5_000,
            )
        })
        .send()
        .await
        .unwrap();
    assert_eq!(put.code.as_deref(), Some("200"));

    // Listed exactly as reported.
    let all = result_of(
        cms.describe_custom_metric_list()
            .group_id("101")
            .metric_name("queue_depth")
            .page_size("50")
            .send()
            .await
            .unwrap()
            .result,
    );
    assert_eq!(all["all"], 5);
    let list = all["list"].as_array().unwrap();
    assert_eq!(list.len(), 5);
    assert_eq!(list[0]["dimension"], "queue=a");
    assert_eq!(list[0]["values"]["value"], 10);
    assert_eq!(list[0]["time"], FROM_MS + 1_000);
    let md5_a = list[0]["md5"].as_str().unwrap().to_owned();
    assert_eq!(md5_a.len(), 32);
    assert_eq!(list[1]["dimension"], "queue=b", "oldest first");
    assert_eq!(list[2]["md5"], md5_a.as_str(), "one series, one md5");
    assert_ne!(list[1]["md5"], md5_a.as_str());
    let uuids: BTreeSet<&str> = list.iter().map(|v| v["uuid"].as_str().unwrap()).collect();
    assert_eq!(uuids.len(), 5);
    let only_b = result_of(
        cms.describe_custom_metric_list()
            .dimension("{queue=b}")
            .send()
            .await
            .unwrap()
            .result,
    );
    assert_eq!(only_b["all"], 1);
    let page = result_of(
        cms.describe_custom_metric_list()
            .page_size("2")
            .page_number("3")
            .send()
            .await
            .unwrap()
            .result,
    );
    assert_eq!(page["list"].as_array().unwrap().len(), 1);
    assert_eq!(page["page"], 3);

    // Read back per series and period.
    let read = points(
        cms.describe_metric_list()
            .namespace(CUSTOM)
            .metric_name("queue_depth")
            .start_time(FROM)
            .end_time(TO)
            .send()
            .await
            .unwrap()
            .datapoints,
    );
    assert_eq!(read.len(), 3, "{read:?}");
    let first = read
        .iter()
        .find(|p| p["queue"] == "a" && p["timestamp"] == FROM_MS)
        .unwrap();
    assert_eq!(first["groupId"], "101");
    assert_eq!(num(first, "Average"), 20.0);
    assert_eq!(num(first, "Minimum"), 10.0);
    assert_eq!(num(first, "Maximum"), 30.0);
    assert_eq!(num(first, "Sum"), 60.0);
    assert_eq!(num(first, "SampleCount"), 3.0);
    let aggregated = read.iter().find(|p| p["queue"] == "b").unwrap();
    assert_eq!(num(aggregated, "Average"), 4.0);
    assert_eq!(num(aggregated, "Maximum"), 9.0);
    let only_a = points(
        cms.describe_metric_list()
            .namespace(CUSTOM)
            .metric_name("queue_depth")
            .dimensions(serde_json::json!({"queue": "a"}))
            .start_time(FROM)
            .end_time(TO)
            .send()
            .await
            .unwrap()
            .datapoints,
    );
    assert_eq!(only_a.len(), 2);
    let last = points(
        cms.describe_metric_last()
            .namespace(CUSTOM)
            .metric_name("queue_depth")
            .start_time(FROM)
            .end_time(TO)
            .send()
            .await
            .unwrap()
            .datapoints,
    );
    assert_eq!(last.len(), 2, "one per series");
    let latest_a = last.iter().find(|p| p["queue"] == "a").unwrap();
    assert_eq!(latest_a["timestamp"], FROM_MS + 60_000);
    assert_eq!(num(latest_a, "Average"), 5.0);

    // The catalogue knows the name now.
    let meta = cms
        .describe_metric_meta_list()
        .namespace(CUSTOM)
        .send()
        .await
        .unwrap();
    assert_eq!(meta.resources.len(), 1);
    assert_eq!(
        meta.resources[0].metric_name.as_deref(),
        Some("queue_depth")
    );

    // A bad value refuses the whole call.
    let err = cms
        .put_custom_metric()
        .metric_list(value("queue_depth", "101", a, r#"{"value":1}"#, FROM_MS))
        .metric_list(value(
            "queue_depth",
            "101",
            "not json",
            r#"{"value":1}"#,
            FROM_MS,
        ))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ParameterInvalid"), "{err}");
    let err = cms
        .put_custom_metric()
        .metric_list(value("queue_depth", "101", a, r#"{"v":1}"#, FROM_MS))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ParameterInvalid"), "{err}");
    let count = || async {
        result_of(
            cms.describe_custom_metric_list()
                .send()
                .await
                .unwrap()
                .result,
        )["all"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(count().await, 5);

    // Delete one value (by its uuid), then the rest of the metric.
    let one = list[3]["uuid"].as_str().unwrap();
    cms.delete_custom_metric()
        .group_id("101")
        .metric_name("queue_depth")
        .uuid(one)
        .send()
        .await
        .unwrap();
    assert_eq!(count().await, 4);
    cms.delete_custom_metric()
        .group_id("101")
        .metric_name("queue_depth")
        .send()
        .await
        .unwrap();
    assert_eq!(count().await, 0);
    let err = cms
        .delete_custom_metric()
        .group_id("101")
        .metric_name("queue_depth")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFound"), "{err}");
    let gone = cms
        .describe_metric_list()
        .namespace(CUSTOM)
        .metric_name("queue_depth")
        .start_time(FROM)
        .end_time(TO)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.datapoints.as_deref(), Some("[]"));
    emulator.shutdown().await;
}

fn event(name: &str, group: &str, content: &str, time: &str) -> PutCustomEventEventInfo {
    PutCustomEventEventInfo {
        event_name: Some(name.into()),
        group_id: Some(group.into()),
        content: Some(content.into()),
        time: Some(time.into()),
    }
}

#[tokio::test(start_paused = true)]
async fn custom_events_are_filtered_counted_and_bucketed() {
    let (emulator, cms) = start().await;
    cms.put_custom_event()
        .event_info(event(
            "deploy",
            "7",
            "release v1 started",
            "20240101T080005.000+0800",
        ))
        .event_info(event(
            "deploy",
            "7",
            "release v2 started",
            "20240101T080125.500+0800",
        ))
        .event_info(event(
            "oom",
            "8",
            "java OutOfMemoryError",
            "20240101T080126+0800",
        ))
        .send()
        .await
        .unwrap();
    let window = || {
        cms.describe_custom_event_attribute()
            .start_time(FROM_MS.to_string())
            .end_time((FROM_MS + 600_000).to_string())
    };
    let all = window().send().await.unwrap();
    assert_eq!(all.success.as_deref(), Some("true"));
    let names: Vec<_> = all
        .custom_events
        .iter()
        .map(|e| e.name.clone().unwrap())
        .collect();
    assert_eq!(names, ["oom", "deploy", "deploy"], "newest first");
    assert_eq!(
        all.custom_events[1].time.as_deref(),
        Some((FROM_MS + 85_500).to_string().as_str())
    );
    let deploys = window()
        .name("deploy")
        .search_keywords("v1")
        .send()
        .await
        .unwrap();
    assert_eq!(deploys.custom_events.len(), 1);
    let id = deploys.custom_events[0].id.clone().unwrap();
    let by_id = window().event_id(id).send().await.unwrap();
    assert_eq!(
        by_id.custom_events[0].content.as_deref(),
        Some("release v1 started")
    );
    let group = window().group_id("8").send().await.unwrap();
    assert_eq!(group.custom_events.len(), 1);
    let paged = window().page_size(2).page_number(2).send().await.unwrap();
    assert_eq!(paged.custom_events.len(), 1);
    // Outside the window: nothing.
    let later = cms
        .describe_custom_event_attribute()
        .start_time((FROM_MS + 600_000).to_string())
        .end_time((FROM_MS + 900_000).to_string())
        .send()
        .await
        .unwrap();
    assert!(later.custom_events.is_empty());

    let counts = cms
        .describe_custom_event_count()
        .start_time(FROM_MS.to_string())
        .end_time((FROM_MS + 600_000).to_string())
        .send()
        .await
        .unwrap();
    let counts: Vec<_> = counts
        .custom_event_counts
        .iter()
        .map(|c| (c.name.clone().unwrap(), c.num.unwrap()))
        .collect();
    assert_eq!(counts, [("deploy".to_owned(), 2), ("oom".to_owned(), 1)]);

    let histogram = cms
        .describe_custom_event_histogram()
        .start_time(FROM_MS.to_string())
        .end_time((FROM_MS + 600_000).to_string())
        .send()
        .await
        .unwrap()
        .event_histograms;
    assert_eq!(histogram.len(), 60, "ten-second buckets");
    assert_eq!(histogram[0].start_time, Some(FROM_MS as i64));
    assert_eq!(histogram[0].end_time, Some(FROM_MS as i64 + 10_000));
    assert_eq!(histogram[0].count, Some(1));
    assert_eq!(histogram[8].count, Some(2), "both at 08:01:2x");
    let total: i64 = histogram.iter().filter_map(|h| h.count).sum();
    assert_eq!(total, 3);

    let err = cms
        .put_custom_event()
        .event_info(event("deploy", "7", "x", "tomorrow"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ParameterInvalid"), "{err}");
    let err = cms
        .describe_custom_event_count()
        .start_time((FROM_MS + 1).to_string())
        .end_time(FROM_MS.to_string())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ParameterInvalid"), "{err}");
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn agent_hosts_and_settings() {
    let (emulator, cms) = start().await;
    let hosts = cms.describe_monitoring_agent_hosts().send().await.unwrap();
    let ids: Vec<_> = hosts
        .hosts
        .iter()
        .map(|h| h.instance_id.clone().unwrap())
        .collect();
    assert_eq!(ids, ["i-a", "i-c"], "hosts where the agent was installed");
    assert_eq!(hosts.total, Some(2));
    let host = &hosts.hosts[0];
    assert_eq!(host.region.as_deref(), Some("cn-hangzhou"));
    assert_eq!(host.is_aliyun_host, Some(true));
    assert!(host.host_name.as_deref().is_some_and(|h| !h.is_empty()));
    assert!(host.agent_version.is_some());
    let one = cms
        .describe_monitoring_agent_hosts()
        .instance_ids("i-c")
        .send()
        .await
        .unwrap();
    assert_eq!(one.hosts.len(), 1);
    let paged = cms
        .describe_monitoring_agent_hosts()
        .page_size(1)
        .page_number(2)
        .send()
        .await
        .unwrap();
    assert_eq!(paged.hosts[0].instance_id.as_deref(), Some("i-c"));
    assert_eq!(paged.page_total, Some(2));

    let config = cms.describe_monitoring_config().send().await.unwrap();
    assert_eq!(config.auto_install, Some(false));
    assert_eq!(config.enable_install_agent_new_ecs, Some(true));
    cms.put_monitoring_config()
        .auto_install(true)
        .send()
        .await
        .unwrap();
    let config = cms.describe_monitoring_config().send().await.unwrap();
    assert_eq!(config.auto_install, Some(true));
    assert_eq!(config.enable_install_agent_new_ecs, Some(true));
    let agent = cms.describe_monitoring_agent_config().send().await.unwrap();
    assert_eq!(agent.auto_install, Some(true));
    assert_eq!(agent.success, Some(true));
    let err = cms.put_monitoring_config().send().await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidParameter"), "{err}");
    emulator.shutdown().await;
}

/// ECS `DescribeInstanceMonitorData` reads the same series: its `CPU` is CloudMonitor's
/// `CPUUtilization` average, rounded, period for period; a stopped instance has no points.
#[tokio::test]
async fn ecs_monitor_data_agrees_with_cloudmonitor() {
    let (emulator, cms) = start().await;
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    let now = now_secs();
    let from = now - now % 60 - 3600;
    let data = ecs
        .describe_instance_monitor_data()
        .instance_id("i-a")
        .start_time(iso(from))
        .end_time(iso(from + 600))
        .period(60)
        .send()
        .await
        .unwrap()
        .monitor_data;
    assert_eq!(data.len(), 10);
    assert_eq!(data[0].time_stamp.as_deref(), Some(iso(from).as_str()));
    assert!(
        data.iter()
            .all(|p| p.internet_rx.is_some() && p.iops_read.is_some())
    );
    let cpu = points(
        cms.describe_metric_list()
            .namespace("acs_ecs_dashboard")
            .metric_name("CPUUtilization")
            .dimensions(serde_json::json!({"instanceId": "i-a"}))
            .start_time((from * 1000).to_string())
            .end_time(((from + 600) * 1000).to_string())
            .send()
            .await
            .unwrap()
            .datapoints,
    );
    assert_eq!(cpu.len(), 10);
    for (ecs_point, cms_point) in data.iter().zip(&cpu) {
        assert_eq!(
            ecs_point.cpu,
            Some(num(cms_point, "Average").round() as i32),
            "{ecs_point:?} {cms_point}"
        );
    }

    let stopped = ecs
        .describe_instance_monitor_data()
        .instance_id("i-c")
        .start_time(iso(from))
        .end_time(iso(from + 600))
        .send()
        .await
        .unwrap();
    assert!(stopped.monitor_data.is_empty());
    for (period, start, code) in [
        (7, from, "InvalidPeriod.ValueNotSupported"),
        (60, from - 31 * 86_400, "InvalidStartTime.TooEarly"),
        (60, from - 86_400, "InvalidParameter.TooManyDataQueried"),
    ] {
        let err = ecs
            .describe_instance_monitor_data()
            .instance_id("i-a")
            .start_time(iso(start))
            .end_time(iso(from + 600))
            .period(period)
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some(code), "{err}");
    }
}

/// ECS `DescribeDiskMonitorData`: points while the disk's instance runs, none while it is
/// stopped; the totals add up.
#[tokio::test]
async fn ecs_disk_monitor_data_follows_its_instance() {
    let (emulator, _cms) = start().await;
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    let now = now_secs();
    let from = now - now % 600 - 7200;
    let disk_of = |instance: &'static str| {
        let ecs = ecs.clone();
        async move {
            ecs.describe_disks()
                .instance_id(instance)
                .send()
                .await
                .unwrap()
                .disks
                .remove(0)
                .disk_id
                .unwrap()
        }
    };
    let running = disk_of("i-a").await;
    let data = ecs
        .describe_disk_monitor_data()
        .disk_id(&running)
        .start_time(iso(from))
        .end_time(iso(from + 3600))
        .period(600)
        .send()
        .await
        .unwrap();
    assert_eq!(data.total_count, Some(6));
    for point in &data.monitor_data {
        assert_eq!(point.disk_id.as_deref(), Some(running.as_str()));
        assert_eq!(
            point.bps_total,
            Some(point.bps_read.unwrap() + point.bps_write.unwrap())
        );
        assert!(point.iops_read.unwrap() >= 0);
    }
    let stopped = disk_of("i-c").await;
    let none = ecs
        .describe_disk_monitor_data()
        .disk_id(&stopped)
        .start_time(iso(from))
        .end_time(iso(from + 3600))
        .send()
        .await
        .unwrap();
    assert!(none.monitor_data.is_empty());
    let err = ecs
        .describe_disk_monitor_data()
        .disk_id("d-missing")
        .start_time(iso(from))
        .end_time(iso(from + 3600))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidDiskId.NotFound"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn processes_host_names_and_uninstalling_the_agent() {
    let (emulator, cms) = start().await;
    let id = cms
        .create_monitoring_agent_process()
        .instance_id("i-a")
        .process_name("nginx")
        .process_user("www")
        .send()
        .await
        .unwrap()
        .id
        .unwrap();
    cms.create_monitor_agent_process()
        .instance_id("i-a")
        .process_name("java")
        .send()
        .await
        .unwrap();
    let err = cms
        .create_monitoring_agent_process()
        .instance_id("i-a")
        .process_name("nginx")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ParameterInvalid"), "{err}");
    let err = cms
        .create_monitoring_agent_process()
        .instance_id("i-missing")
        .process_name("nginx")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFound"), "{err}");
    let watched = cms
        .describe_monitoring_agent_processes()
        .instance_id("i-a")
        .send()
        .await
        .unwrap();
    let names: Vec<_> = watched
        .node_processes
        .iter()
        .map(|p| p.process_name.clone().unwrap())
        .collect();
    assert_eq!(names, ["nginx", "java"]);
    assert_eq!(watched.node_processes[0].process_id, Some(id));
    assert_eq!(
        watched.node_processes[0].process_user.as_deref(),
        Some("www")
    );
    cms.delete_monitoring_agent_process()
        .instance_id("i-a")
        .process_id(id.to_string())
        .send()
        .await
        .unwrap();
    cms.delete_monitoring_agent_process()
        .instance_id("i-a")
        .process_name("java")
        .send()
        .await
        .unwrap();
    let none = cms
        .describe_monitoring_agent_processes()
        .instance_id("i-a")
        .send()
        .await
        .unwrap();
    assert!(none.node_processes.is_empty());

    cms.modify_host_info()
        .instance_id("i-a")
        .host_name("web-frontend")
        .send()
        .await
        .unwrap();
    let renamed = cms
        .describe_monitoring_agent_hosts()
        .host_name("web-frontend")
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.hosts[0].instance_id.as_deref(), Some("i-a"));

    cms.uninstall_monitoring_agent()
        .instance_id("i-a")
        .send()
        .await
        .unwrap();
    let err = cms
        .uninstall_monitoring_agent()
        .instance_id("i-a")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AgentStateError"), "{err}");
    let status = cms
        .describe_monitoring_agent_statuses()
        .instance_ids("i-a")
        .send()
        .await
        .unwrap();
    assert_eq!(
        status.node_status_list[0].status.as_deref(),
        Some("uninstalled")
    );
    let hosts = cms.describe_monitoring_agent_hosts().send().await.unwrap();
    assert!(
        hosts
            .hosts
            .iter()
            .all(|h| h.instance_id.as_deref() != Some("i-a"))
    );
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn hybrid_namespaces_store_points_that_promql_reads_back() {
    use aliyun_cms::types::{Labels, PutHybridMonitorMetricDataMetricList};
    let (emulator, cms) = start().await;
    cms.create_hybrid_monitor_namespace()
        .namespace("app-metrics")
        .description("latency of the web tier")
        .send()
        .await
        .unwrap();
    let err = cms
        .create_hybrid_monitor_namespace()
        .namespace("app-metrics")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("Namespace.Existed"), "{err}");
    let listed = cms
        .describe_hybrid_monitor_namespace_list()
        .keyword("web tier")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.total, Some(1));
    assert_eq!(
        listed.describe_hybrid_monitor_namespace[0]
            .namespace
            .as_deref(),
        Some("app-metrics")
    );

    let point = |host: &str, seconds: i64, value: &str| PutHybridMonitorMetricDataMetricList {
        name: Some("app_latency".into()),
        labels: vec![Labels {
            key: Some("host".into()),
            value: Some(host.into()),
        }],
        ts: Some(seconds * 1000),
        value: Some(value.into()),
    };
    let put = cms
        .put_hybrid_monitor_metric_data()
        .namespace("app-metrics")
        .metric_list(point("web-1", 1_000, "12.5"))
        .metric_list(point("web-1", 1_030, "13.5"))
        .metric_list(point("web-1", 1_070, "20"))
        .metric_list(point("web-2", 1_010, "7"))
        // The SDK checks metric names; a label name the service refuses is reported by index.
        .metric_list(PutHybridMonitorMetricDataMetricList {
            labels: vec![Labels {
                key: Some("1host".into()),
                value: Some("web-1".into()),
            }],
            ..point("web-1", 1_000, "1")
        })
        .send()
        .await
        .unwrap();
    assert_eq!(put.error_detail.len(), 1);
    assert_eq!(put.error_detail[0].index, Some(4));

    let query = |promql: &str| {
        cms.describe_hybrid_monitor_data_list()
            .namespace("app-metrics")
            .prom_sql(promql)
            .start(900)
            .end(1_100)
    };
    let web1 = query(r#"app_latency{host="web-1"}"#).send().await.unwrap();
    assert_eq!(web1.time_series.len(), 1);
    let values: Vec<_> = web1.time_series[0]
        .values
        .iter()
        .map(|v| (v.ts.clone().unwrap(), v.v.clone().unwrap()))
        .collect();
    assert_eq!(
        values,
        [
            ("1000".to_owned(), "12.5".to_owned()),
            ("1030".to_owned(), "13.5".to_owned()),
            ("1070".to_owned(), "20".to_owned())
        ]
    );
    let both = query("app_latency").period("60").send().await.unwrap();
    assert_eq!(both.time_series.len(), 2);
    let per_minute: Vec<_> = both.time_series[0]
        .values
        .iter()
        .map(|v| v.v.clone().unwrap())
        .collect();
    // Minutes from 960 s and 1,020 s: 1,000 s alone, then 1,030 s and 1,070 s (the last wins).
    assert_eq!(per_minute, ["12.5", "20"], "the last value of each minute");
    let err = query("rate(app_latency[5m])").send().await.unwrap_err();
    assert_eq!(err.code(), Some("BadRequest"), "{err}");
    let err = query("app_latency").start(2_000).send().await.unwrap_err();
    assert_eq!(err.code(), Some("BadRequest"), "{err}");

    cms.delete_hybrid_monitor_namespace()
        .namespace("app-metrics")
        .send()
        .await
        .unwrap();
    let err = query("app_latency").send().await.unwrap_err();
    assert_eq!(err.code(), Some("BadRequest"), "{err}");
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn exporter_outputs_and_rules_keep_their_configuration_and_hide_the_secret() {
    let (emulator, cms) = start().await;
    const SECRET: &str = "ExporterSecretValue";
    cms.put_exporter_output()
        .dest_name("to-sls")
        .dest_type("sls")
        .config_json("ak", "LTAI-exporter")
        .config_json("as", SECRET)
        .config_json("project", "metrics")
        .send()
        .await
        .unwrap();
    let err = cms
        .put_exporter_rule()
        .rule_name("cpu-out")
        .metric_name("cpu_total")
        .target_windows("60,300")
        .dst_names("nowhere")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFound"), "{err}");
    cms.put_exporter_rule()
        .rule_name("cpu-out")
        .namespace("acs_ecs_dashboard")
        .metric_name("cpu_total")
        .target_windows("60,300")
        .dst_names("to-sls")
        .send()
        .await
        .unwrap();

    let outputs = cms.describe_exporter_output_list().send().await.unwrap();
    let output = &outputs.datapoints[0];
    assert_eq!(output.dest_name.as_deref(), Some("to-sls"));
    let config = output.config_json.clone().unwrap();
    assert_eq!(config.ak.as_deref(), Some("LTAI-exporter"));
    assert_eq!(config.project.as_deref(), Some("metrics"));
    let logged = emulator.requests_for("PutExporterOutput");
    assert_eq!(logged[0].param("ConfigJson"), Some("<redacted>"));
    assert!(
        !serde_json::to_string(&emulator.requests())
            .unwrap()
            .contains(SECRET)
    );

    let rules = cms.describe_exporter_rule_list().send().await.unwrap();
    assert_eq!(rules.datapoints[0].dst_name, ["to-sls"]);
    assert_eq!(
        rules.datapoints[0].target_windows.as_deref(),
        Some("60,300")
    );
    let err = cms
        .delete_exporter_output()
        .dest_name("to-sls")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ParameterInvalid"), "{err}");
    cms.delete_exporter_rule()
        .rule_name("cpu-out")
        .send()
        .await
        .unwrap();
    cms.delete_exporter_output()
        .dest_name("to-sls")
        .send()
        .await
        .unwrap();
    let none = cms.describe_exporter_output_list().send().await.unwrap();
    assert!(none.datapoints.is_empty());
    emulator.shutdown().await;
}

/// ECS `DescribeSnapshotMonitorData`: the region's snapshot bytes at each period, counting
/// each snapshot from when it was made.
#[tokio::test]
async fn ecs_snapshot_monitor_data_counts_snapshots_from_when_they_were_made() {
    let (emulator, _cms) = start().await;
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    let now = now_secs();
    let from = now - now % 600 - 1200;
    let disk = ecs
        .describe_disks()
        .instance_id("i-a")
        .send()
        .await
        .unwrap()
        .disks
        .remove(0);
    ecs.create_snapshot()
        .disk_id(disk.disk_id.clone().unwrap())
        .send()
        .await
        .unwrap();
    let sizes: Vec<i64> = ecs
        .describe_snapshot_monitor_data()
        .start_time(iso(from))
        .end_time(iso(from + 2400))
        .period(600)
        .send()
        .await
        .unwrap()
        .monitor_data
        .iter()
        .map(|p| p.size.unwrap())
        .collect();
    let bytes = i64::from(disk.size.unwrap()) << 30;
    assert_eq!(sizes.len(), 4, "{sizes:?}");
    assert_eq!((sizes[0], sizes[3]), (0, bytes), "{sizes:?}");
}
