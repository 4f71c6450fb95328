//! CloudMonitor alert rules as the emulator models them, through `aliyun_cms::Client` on a
//! paused clock (in-process transport): rules put, replaced and refused, their state judged
//! from the emulated series (alarming below the data, OK above it, no data for stopped
//! instances), the alarm history that follows the emulator clock and stops while a rule is
//! disabled, alert logs, targets and resources of a rule, templates, and blacklists.

use aliyun_cms::action::create_metric_rule_template::CreateMetricRuleTemplateError;
use aliyun_cms::action::delete_metric_rule_template::DeleteMetricRuleTemplateError;
use aliyun_cms::action::delete_metric_rules::DeleteMetricRulesError;
use aliyun_cms::types::{
    CreateMetricRuleTemplateAlertTemplates, Escalation, Escalations, Labels,
    PutMetricRuleTargetsTargets, PutResourceMetricRulesRules,
};
use aliyun_emulator::{AgentState, Emulator, Instance, InstanceStatus};

const NS: &str = "acs_ecs_dashboard";

fn config(emulator: &Emulator) -> aliyun_core::Config {
    emulator
        .in_process_config_builder()
        .retry_policy(aliyun_core::testing::support::quick_retries())
        .build()
        .unwrap()
}

async fn start() -> (Emulator, aliyun_cms::Client) {
    let emulator = Emulator::builder()
        .no_default_instances()
        .instances([
            Instance::new("i-web"),
            Instance::new("i-db"),
            Instance::new("i-off").status(InstanceStatus::Stopped),
            Instance::new("i-agent").cms_agent(AgentState::Running),
        ])
        .start()
        .await
        .unwrap();
    let cms = aliyun_cms::Client::new(&config(&emulator));
    (emulator, cms)
}

/// An escalation level: `operator` `threshold` over `times` periods of the average.
fn level(operator: &str, threshold: &str, times: i32) -> Escalation {
    Escalation {
        statistics: Some("Average".into()),
        comparison_operator: Some(operator.into()),
        threshold: Some(threshold.into()),
        times: Some(times),
    }
}

fn critical(operator: &str, threshold: &str, times: i32) -> Escalations {
    Escalations {
        critical: Some(level(operator, threshold, times)),
        ..Escalations::default()
    }
}

fn resources(ids: &[&str]) -> Vec<serde_json::Value> {
    ids.iter()
        .map(|id| serde_json::json!({ "instanceId": id }))
        .collect()
}

fn resources_text(ids: &[&str]) -> String {
    serde_json::Value::Array(resources(ids)).to_string()
}

/// Puts rule `id` on `metric` of `ids`, alarming when the average is above `threshold`.
async fn put_rule(cms: &aliyun_cms::Client, id: &str, metric: &str, ids: &[&str], threshold: &str) {
    cms.put_resource_metric_rule()
        .rule_id(id)
        .rule_name(format!("{id}-name"))
        .namespace(NS)
        .metric_name(metric)
        .set_resources(Some(resources(ids)))
        .contact_groups("ops")
        .silence_time(3600)
        .escalations(critical("GreaterThanThreshold", threshold, 1))
        .send()
        .await
        .unwrap();
}

/// `(RuleId, AlertState)` of the rules a describe lists.
async fn states(cms: &aliyun_cms::Client) -> Vec<(String, String)> {
    cms.describe_metric_rule_list()
        .send()
        .await
        .unwrap()
        .alarms
        .into_iter()
        .map(|a| (a.rule_id.unwrap(), a.alert_state.unwrap()))
        .collect()
}

/// How many alarm history entries rule `id` has.
// `DescribeAlertHistoryList` is deprecated by the service, yet still answered and used.
#[allow(deprecated)]
async fn history_len(cms: &aliyun_cms::Client, id: &str) -> usize {
    let out = cms
        .describe_alert_history_list()
        .rule_id(id)
        .page_size(1000)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.total.as_deref(),
        Some(out.alarm_history_list.len().to_string().as_str())
    );
    out.alarm_history_list.len()
}

#[tokio::test(start_paused = true)]
async fn rules_alarm_below_the_data_and_stay_ok_above_it() {
    let (emulator, cms) = start().await;
    put_rule(&cms, "low", "CPUUtilization", &["i-web", "i-off"], "1").await;
    put_rule(&cms, "high", "CPUUtilization", &["i-web"], "1000").await;
    put_rule(&cms, "stopped", "CPUUtilization", &["i-off"], "1").await;
    // Agent metrics: only the instance whose agent runs reports; that one alarms.
    put_rule(&cms, "agent", "cpu_total", &["i-web"], "1").await;
    put_rule(&cms, "agent2", "cpu_total", &["i-web", "i-agent"], "1").await;
    assert_eq!(
        states(&cms).await,
        [
            ("low".to_owned(), "ALARM".to_owned()),
            ("high".into(), "OK".into()),
            ("stopped".into(), "INSUFFICIENT_DATA".into()),
            ("agent".into(), "INSUFFICIENT_DATA".into()),
            ("agent2".into(), "ALARM".into()),
        ]
    );

    // The describe echoes what was put.
    let listed = cms
        .describe_metric_rule_list()
        .rule_ids("low")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.total.as_deref(), Some("1"));
    let low = &listed.alarms[0];
    assert_eq!(low.rule_name.as_deref(), Some("low-name"));
    assert_eq!(low.namespace.as_deref(), Some(NS));
    assert_eq!(low.metric_name.as_deref(), Some("CPUUtilization"));
    assert_eq!(low.enable_state, Some(true));
    assert_eq!(low.silence_time, Some(3600));
    assert_eq!(low.contact_groups.as_deref(), Some("ops"));
    assert_eq!(low.source_type.as_deref(), Some("METRIC"));
    assert_eq!(
        low.resources.as_deref(),
        Some(resources_text(&["i-web", "i-off"]).as_str())
    );
    let esc = low.escalations.as_ref().unwrap().critical.as_ref().unwrap();
    assert_eq!(
        esc.comparison_operator.as_deref(),
        Some("GreaterThanThreshold")
    );
    assert_eq!(esc.threshold.as_deref(), Some("1"));
    assert_eq!(esc.times, Some(1));
    assert!(low.escalations.as_ref().unwrap().warn.is_none());

    // Filters: name (fuzzy), metric, state, instance, paging.
    let ids = |out: aliyun_cms::action::describe_metric_rule_list::DescribeMetricRuleListOutput| {
        out.alarms
            .into_iter()
            .map(|a| a.rule_id.unwrap())
            .collect::<Vec<_>>()
    };
    let by_name = cms.describe_metric_rule_list().rule_name("agent").send();
    assert_eq!(ids(by_name.await.unwrap()), ["agent", "agent2"]);
    let by_metric = cms
        .describe_metric_rule_list()
        .namespace(NS)
        .metric_name("cpu_total")
        .send();
    assert_eq!(ids(by_metric.await.unwrap()), ["agent", "agent2"]);
    let alarming = cms.describe_metric_rule_list().alert_state("ALARM").send();
    assert_eq!(ids(alarming.await.unwrap()), ["low", "agent2"]);
    let on_web = cms
        .describe_metric_rule_list()
        .dimensions("instanceId", "i-off")
        .send();
    assert_eq!(ids(on_web.await.unwrap()), ["low", "stopped"]);
    let page = cms
        .describe_metric_rule_list()
        .page(2)
        .page_size(2)
        .send()
        .await
        .unwrap();
    assert_eq!(page.total.as_deref(), Some("5"));
    assert_eq!(ids(page), ["stopped", "agent"]);

    // Counts by state; a disabled rule counts apart.
    cms.disable_metric_rules()
        .rule_id("high")
        .send()
        .await
        .unwrap();
    let count = cms
        .describe_metric_rule_count()
        .namespace(NS)
        .send()
        .await
        .unwrap()
        .metric_rule_count
        .unwrap();
    assert_eq!(
        (
            count.alarm,
            count.ok,
            count.nodata,
            count.disable,
            count.total
        ),
        (Some(2), Some(0), Some(2), Some(1), Some(5))
    );
    let disabled = cms.describe_metric_rule_list().enable_state(false).send();
    assert_eq!(ids(disabled.await.unwrap()), ["high"]);

    // The alarming resources: running instances only, at the critical level.
    let alerting = cms
        .describe_alerting_metric_rule_resources()
        .rule_id("low")
        .send()
        .await
        .unwrap();
    assert_eq!(alerting.total, Some(1));
    let resource = &alerting.resources[0];
    assert!(resource.resource.as_deref().unwrap().contains("i-web"));
    assert_eq!(resource.level, Some(2));
    assert_eq!(resource.threshold.as_deref(), Some("1"));
    let everything = cms.describe_alerting_metric_rule_resources().send().await;
    assert_eq!(
        everything.unwrap().total,
        Some(2),
        "low on i-web, agent2 on i-agent"
    );

    // Stopping the instance takes its data away.
    emulator.upsert_instance(Instance::new("i-web").status(InstanceStatus::Stopped));
    let low = cms.describe_metric_rule_list().rule_ids("low").send().await;
    assert_eq!(
        low.unwrap().alarms[0].alert_state.as_deref(),
        Some("INSUFFICIENT_DATA")
    );
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn puts_are_checked_and_replace_by_rule_id() {
    let (emulator, cms) = start().await;
    let base = || {
        cms.put_resource_metric_rule()
            .rule_id("r1")
            .rule_name("r1")
            .namespace(NS)
            .set_resources(Some(resources(&["i-web"])))
    };
    let no_metric = base()
        .escalations(critical("GreaterThanThreshold", "1", 1))
        .send()
        .await
        .unwrap_err();
    assert_eq!(no_metric.code(), Some("ParameterInvalid"), "{no_metric:?}");
    let no_escalation = base()
        .metric_name("CPUUtilization")
        .send()
        .await
        .unwrap_err();
    assert_eq!(no_escalation.code(), Some("ParameterInvalid"));
    let bad_operator = base()
        .metric_name("CPUUtilization")
        .escalations(critical("Bigger", "1", 1))
        .send()
        .await
        .unwrap_err();
    assert_eq!(bad_operator.code(), Some("ParameterInvalid"));
    assert!(
        bad_operator.to_string().contains("ComparisonOperator"),
        "{bad_operator}"
    );
    let bad_threshold = base()
        .metric_name("CPUUtilization")
        .escalations(critical("GreaterThanThreshold", "lots", 1))
        .send()
        .await
        .unwrap_err();
    assert_eq!(bad_threshold.code(), Some("ParameterInvalid"));
    let bad_resources = base()
        .resources(serde_json::json!("i-web"))
        .metric_name("CPUUtilization")
        .escalations(critical("GreaterThanThreshold", "1", 1))
        .send()
        .await
        .unwrap_err();
    assert_eq!(bad_resources.code(), Some("ParameterInvalid"));
    assert!(states(&cms).await.is_empty(), "nothing was stored");

    base()
        .metric_name("CPUUtilization")
        .escalations(critical("GreaterThanThreshold", "1", 1))
        .labels(Labels {
            key: Some("team".into()),
            value: Some("web".into()),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(states(&cms).await, [("r1".to_owned(), "ALARM".to_owned())]);
    // The same RuleId replaces the rule.
    base()
        .rule_name("renamed")
        .metric_name("CPUUtilization")
        .escalations(Escalations {
            warn: Some(level("GreaterThanThreshold", "1000", 2)),
            ..Escalations::default()
        })
        .send()
        .await
        .unwrap();
    let listed = cms.describe_metric_rule_list().send().await.unwrap();
    assert_eq!(listed.alarms.len(), 1);
    let rule = &listed.alarms[0];
    assert_eq!(rule.rule_name.as_deref(), Some("renamed"));
    assert_eq!(rule.alert_state.as_deref(), Some("OK"));
    let escalations = rule.escalations.as_ref().unwrap();
    assert!(escalations.critical.is_none());
    assert_eq!(escalations.warn.as_ref().unwrap().times, Some(2));
    assert!(rule.labels.is_empty(), "a put replaces the whole rule");

    // A batch: good rules are stored, bad ones reported per rule.
    let good = PutResourceMetricRulesRules {
        rule_id: Some("b1".into()),
        rule_name: Some("b1".into()),
        namespace: Some(NS.into()),
        metric_name: Some("CPUUtilization".into()),
        resources: Some(resources_text(&["i-db"])),
        contact_groups: Some("ops".into()),
        escalations_critical_comparison_operator: Some("LessThanThreshold".into()),
        escalations_critical_statistics: Some("Maximum".into()),
        escalations_critical_threshold: Some("1000".into()),
        escalations_critical_times: Some(1),
        ..PutResourceMetricRulesRules::default()
    };
    let bad = PutResourceMetricRulesRules {
        rule_id: Some("b2".into()),
        escalations_critical_comparison_operator: Some("Sideways".into()),
        escalations_critical_threshold: Some("1".into()),
        ..good.clone()
    };
    let batch = cms
        .put_resource_metric_rules()
        .rules(good)
        .rules(bad)
        .send()
        .await
        .unwrap();
    assert_eq!(batch.failed_list_result.len(), 1);
    let failed = &batch.failed_list_result[0];
    assert_eq!(failed.rule_id.as_deref(), Some("b2"));
    assert_eq!(failed.result.as_ref().unwrap().success, Some(false));
    assert_eq!(
        states(&cms).await,
        [
            ("r1".to_owned(), "OK".to_owned()),
            ("b1".into(), "ALARM".into())
        ]
    );
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
#[allow(deprecated)] // DescribeAlertHistoryList, as above
async fn history_follows_the_clock_and_stops_while_disabled() {
    let (emulator, cms) = start().await;
    put_rule(&cms, "hot", "CPUUtilization", &["i-web"], "1").await;
    put_rule(&cms, "cold", "CPUUtilization", &["i-web"], "1000").await;
    assert_eq!(history_len(&cms, "hot").await, 0, "nothing happened yet");

    // 3.5 hours later: an alarm at the first evaluation, then one each SilenceTime (1 h).
    emulator.set_clock_offset_secs(3 * 3600 + 1800);
    let history = cms
        .describe_alert_history_list()
        .rule_id("hot")
        .ascending(true)
        .send()
        .await
        .unwrap();
    assert_eq!(history.total.as_deref(), Some("4"));
    let first = &history.alarm_history_list[0];
    assert_eq!(first.state.as_deref(), Some("ALARM"));
    assert_eq!(first.rule_name.as_deref(), Some("hot-name"));
    assert_eq!(first.metric_name.as_deref(), Some("CPUUtilization"));
    assert_eq!(
        first.dimensions.as_deref(),
        Some(r#"{"instanceId":"i-web"}"#)
    );
    assert_eq!(first.contact_groups, ["ops"]);
    assert_eq!(first.status, Some(0));
    assert_eq!(first.level.as_deref(), Some("P2"));
    let times: Vec<i64> = history
        .alarm_history_list
        .iter()
        .map(|h| h.alert_time.unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[1] - w[0] == 3_600_000),
        "{times:?}"
    );
    assert_eq!(history_len(&cms, "cold").await, 0);
    // Filters: state, time window, name.
    let ok_only = cms.describe_alert_history_list().state("OK").send().await;
    assert_eq!(ok_only.unwrap().total.as_deref(), Some("0"));
    let window = cms
        .describe_alert_history_list()
        .rule_name("hot")
        .start_time((times[1]).to_string())
        .end_time((times[2]).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(window.total.as_deref(), Some("2"));

    // Alert logs tell the same story.
    let logs = cms
        .describe_alert_log_list()
        .rule_id("hot")
        .page_size(2)
        .send()
        .await
        .unwrap();
    assert_eq!(logs.alert_log_list.len(), 2);
    assert_eq!(logs.alert_log_list[0].level.as_deref(), Some("CRITICAL"));
    assert_eq!(logs.alert_log_list[0].instance_id.as_deref(), Some("i-web"));
    assert_eq!(
        logs.alert_log_list[0].alert_time.as_deref(),
        Some(times[3].to_string().as_str()),
        "newest first"
    );
    let counts = cms
        .describe_alert_log_count()
        .group_by("level")
        .send()
        .await
        .unwrap();
    assert_eq!(counts.alert_log_count.len(), 1);
    assert_eq!(counts.alert_log_count[0].count, Some(4));
    assert_eq!(
        counts.alert_log_count[0].logs[0].value.as_deref(),
        Some("CRITICAL")
    );
    let histogram = cms
        .describe_alert_log_histogram()
        .start_time(times[0])
        .end_time(times[3] + 1)
        .send()
        .await
        .unwrap();
    let total: i32 = histogram
        .alert_log_histogram_list
        .iter()
        .map(|b| b.count.unwrap())
        .sum();
    assert_eq!(total, 4);

    // Disabled: not evaluated, no new history however long.
    cms.disable_metric_rules()
        .rule_id("hot")
        .send()
        .await
        .unwrap();
    emulator.set_clock_offset_secs(8 * 3600);
    assert_eq!(history_len(&cms, "hot").await, 4);
    assert_eq!(
        states(&cms).await[0],
        ("hot".to_owned(), "INSUFFICIENT_DATA".to_owned())
    );
    // Enabled again: evaluated again from now.
    cms.enable_metric_rules()
        .rule_id("hot")
        .send()
        .await
        .unwrap();
    emulator.set_clock_offset_secs(8 * 3600 + 1800);
    assert_eq!(history_len(&cms, "hot").await, 5);
    assert_eq!(
        states(&cms).await[0],
        ("hot".to_owned(), "ALARM".to_owned())
    );
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn unknown_rules_are_refused_and_deletes_are_whole() {
    let (emulator, cms) = start().await;
    put_rule(&cms, "a", "CPUUtilization", &["i-web"], "1").await;
    put_rule(&cms, "b", "CPUUtilization", &["i-web"], "1").await;
    let err = cms
        .delete_metric_rules()
        .id("a")
        .id("nope")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, DeleteMetricRulesError::ResourceNotFound(_)),
        "{err:?}"
    );
    assert_eq!(states(&cms).await.len(), 2, "nothing deleted");
    let err = cms
        .enable_metric_rules()
        .rule_id("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFound"));
    let err = cms
        .disable_metric_rules()
        .rule_id("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFound"));
    let err = cms
        .describe_metric_rule_targets()
        .rule_id("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFound"));
    cms.delete_metric_rules()
        .id("a")
        .id("b")
        .send()
        .await
        .unwrap();
    assert!(states(&cms).await.is_empty());
    let err = cms.delete_metric_rules().id("a").send().await.unwrap_err();
    assert!(matches!(err, DeleteMetricRulesError::ResourceNotFound(_)));
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn targets_and_resources_of_a_rule() {
    let (emulator, cms) = start().await;
    put_rule(&cms, "r", "CPUUtilization", &["i-web"], "1").await;
    let target = |id: &str, arn: &str| PutMetricRuleTargetsTargets {
        id: Some(id.into()),
        arn: Some(arn.into()),
        level: Some(r#"["CRITICAL"]"#.into()),
        ..PutMetricRuleTargetsTargets::default()
    };
    let put = cms
        .put_metric_rule_targets()
        .rule_id("r")
        .targets(target(
            "1",
            "acs:mns:cn-hangzhou:120886317861:/queues/alerts/message",
        ))
        .targets(target("2", "not-an-arn"))
        .send()
        .await
        .unwrap();
    let failed = put.fail_data.unwrap().targets;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].id.as_deref(), Some("2"));
    let targets = cms
        .describe_metric_rule_targets()
        .rule_id("r")
        .send()
        .await
        .unwrap()
        .targets;
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].id.as_deref(), Some("1"));
    assert_eq!(targets[0].level.as_deref(), Some(r#"["CRITICAL"]"#));
    let deleted = cms
        .delete_metric_rule_targets()
        .rule_id("r")
        .target_ids("1")
        .target_ids("9")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.fail_ids.unwrap().target_ids, ["9"]);
    let left = cms.describe_metric_rule_targets().rule_id("r").send().await;
    assert!(left.unwrap().targets.is_empty());

    // Resources: added (no duplicates), overwritten, removed.
    cms.create_metric_rule_resources()
        .rule_id("r")
        .set_resources(Some(resources(&["i-db", "i-web"])))
        .send()
        .await
        .unwrap();
    let rule_resources = |cms: aliyun_cms::Client| async move {
        cms.describe_metric_rule_list()
            .rule_ids("r")
            .send()
            .await
            .unwrap()
            .alarms[0]
            .resources
            .clone()
            .unwrap()
    };
    assert_eq!(
        rule_resources(cms.clone()).await,
        resources_text(&["i-web", "i-db"])
    );
    cms.delete_metric_rule_resources()
        .rule_id("r")
        .set_resources(Some(resources(&["i-web"])))
        .send()
        .await
        .unwrap();
    assert_eq!(rule_resources(cms.clone()).await, resources_text(&["i-db"]));
    cms.create_metric_rule_resources()
        .rule_id("r")
        .overwrite("true")
        .set_resources(Some(resources(&["i-off"])))
        .send()
        .await
        .unwrap();
    assert_eq!(
        rule_resources(cms.clone()).await,
        resources_text(&["i-off"])
    );
    assert_eq!(
        states(&cms).await[0].1,
        "INSUFFICIENT_DATA",
        "only a stopped instance left"
    );
    let err = cms
        .create_metric_rule_resources()
        .rule_id("r")
        .resources(serde_json::json!("i-web"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ParameterInvalid"));
    emulator.shutdown().await;
}

fn alert_template(rule: &str, threshold: &str) -> CreateMetricRuleTemplateAlertTemplates {
    CreateMetricRuleTemplateAlertTemplates {
        category: Some("ecs".into()),
        namespace: Some(NS.into()),
        metric_name: Some("CPUUtilization".into()),
        rule_name: Some(rule.into()),
        period: Some(60),
        escalations_critical_comparison_operator: Some("GreaterThanThreshold".into()),
        escalations_critical_statistics: Some("Average".into()),
        escalations_critical_threshold: Some(threshold.into()),
        escalations_critical_times: Some(3),
        ..CreateMetricRuleTemplateAlertTemplates::default()
    }
}

#[tokio::test(start_paused = true)]
async fn templates_are_named_versioned_and_applied_to_known_groups_only() {
    let (emulator, cms) = start().await;
    let web = cms
        .create_metric_rule_template()
        .name("web")
        .description("web servers")
        .alert_templates(alert_template("cpu-web", "90"))
        .send()
        .await
        .unwrap()
        .id
        .unwrap();
    let db = cms
        .create_metric_rule_template()
        .name("db")
        .alert_templates(alert_template("cpu-db", "80"))
        .alert_templates(alert_template("cpu-db-2", "95"))
        .send()
        .await
        .unwrap()
        .id
        .unwrap();
    assert_ne!(web, db);
    let err = cms
        .create_metric_rule_template()
        .name("web")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, CreateMetricRuleTemplateError::ResourceExist(_)),
        "{err:?}"
    );
    let err = cms
        .create_metric_rule_template()
        .name("broken")
        .alert_templates(alert_template("x", "high"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidQueryParameter"), "{err:?}");
    assert!(err.to_string().contains("Threshold"), "{err}");

    let list = cms
        .describe_metric_rule_template_list()
        .send()
        .await
        .unwrap();
    assert_eq!(list.total, Some(2));
    let names: Vec<String> = list
        .templates
        .iter()
        .map(|t| t.name.clone().unwrap())
        .collect();
    assert_eq!(names, ["db", "web"], "newest first");
    let found = cms
        .describe_metric_rule_template_list()
        .keyword("we")
        .send()
        .await
        .unwrap();
    assert_eq!(found.templates.len(), 1);
    assert_eq!(found.templates[0].template_id, Some(web));
    assert_eq!(
        found.templates[0].description.as_deref(),
        Some("web servers")
    );
    let paged = cms
        .describe_metric_rule_template_list()
        .page_number(2)
        .page_size(1)
        .send()
        .await
        .unwrap();
    assert_eq!((paged.total, paged.templates.len()), (Some(2), 1));

    let attribute = cms
        .describe_metric_rule_template_attribute()
        .template_id(db.to_string())
        .send()
        .await
        .unwrap()
        .resource
        .unwrap();
    assert_eq!(attribute.name.as_deref(), Some("db"));
    assert_eq!(attribute.rest_version.as_deref(), Some("0"));
    assert_eq!(attribute.alert_templates.len(), 2);
    let first = &attribute.alert_templates[0];
    assert_eq!(first.rule_name.as_deref(), Some("cpu-db"));
    let esc = first
        .escalations
        .as_ref()
        .unwrap()
        .critical
        .as_ref()
        .unwrap();
    assert_eq!(esc.threshold.as_deref(), Some("80"));
    let by_name = cms
        .describe_metric_rule_template_attribute()
        .name("web")
        .send()
        .await
        .unwrap();
    assert_eq!(by_name.resource.unwrap().template_id, Some(web.to_string()));

    // Modify: the caller names the version it read; a stale one is refused.
    let stale = cms
        .modify_metric_rule_template()
        .template_id(db)
        .rest_version(7)
        .name("database")
        .send()
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Some("ResourceConflict"));
    let taken = cms
        .modify_metric_rule_template()
        .template_id(db)
        .rest_version(0)
        .name("web")
        .send()
        .await
        .unwrap_err();
    assert_eq!(taken.code(), Some("ResourceExist"));
    cms.modify_metric_rule_template()
        .template_id(db)
        .rest_version(0)
        .name("database")
        .send()
        .await
        .unwrap();
    let modified = cms
        .describe_metric_rule_template_attribute()
        .template_id(db.to_string())
        .send()
        .await
        .unwrap()
        .resource
        .unwrap();
    assert_eq!(modified.name.as_deref(), Some("database"));
    assert_eq!(modified.rest_version.as_deref(), Some("1"));
    assert_eq!(modified.alert_templates.len(), 2, "alert templates kept");

    // Groups come from the monitor group family: an unknown group is refused.
    let err = cms
        .apply_metric_rule_template()
        .group_id(424242)
        .template_ids(web.to_string())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFound"));
    let err = cms
        .put_group_metric_rule()
        .group_id("424242")
        .rule_id("g1")
        .rule_name("g1")
        .namespace(NS)
        .metric_name("CPUUtilization")
        .escalations(critical("GreaterThanThreshold", "1", 1))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFound"));
    let err = cms
        .create_group_metric_rules()
        .group_id(424242)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFound"));
    assert!(states(&cms).await.is_empty());

    cms.delete_metric_rule_template()
        .template_id(web.to_string())
        .send()
        .await
        .unwrap();
    let err = cms
        .delete_metric_rule_template()
        .template_id(web.to_string())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, DeleteMetricRuleTemplateError::ResourceNotFound(_)),
        "{err:?}"
    );
    let err = cms
        .describe_metric_rule_template_attribute()
        .name("web")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFound"));
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn blacklisted_instances_are_not_evaluated() {
    let (emulator, cms) = start().await;
    put_rule(&cms, "r", "CPUUtilization", &["i-web"], "1").await;
    put_rule(&cms, "agent", "cpu_total", &["i-agent"], "1").await;
    let id = cms
        .create_metric_rule_black_list()
        .name("maintenance")
        .namespace(NS)
        .category("ecs")
        .instances(r#"{"instanceId":"i-web"}"#)
        .metrics(aliyun_cms::types::Metrics {
            metric_name: Some("CPUUtilization".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap()
        .id
        .unwrap();
    assert_eq!(
        states(&cms).await,
        [
            ("r".to_owned(), "INSUFFICIENT_DATA".to_owned()),
            ("agent".into(), "ALARM".into()),
        ],
        "only the listed metric of the listed instance is exempt"
    );
    let listed = cms
        .describe_metric_rule_black_list()
        .instance_ids("i-web")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.total, Some(1));
    let entry = &listed.describe_metric_rule_black_list[0];
    assert_eq!(entry.id.as_deref(), Some(id.as_str()));
    assert_eq!(entry.name.as_deref(), Some("maintenance"));
    assert_eq!(entry.is_enable, Some(true));
    assert_eq!(entry.instances, [r#"{"instanceId":"i-web"}"#]);
    let none = cms
        .describe_metric_rule_black_list()
        .instance_ids("i-db")
        .send()
        .await
        .unwrap();
    assert_eq!(none.total, Some(0));

    // Disabled, it exempts nothing.
    cms.enable_metric_rule_black_list()
        .id(id.clone())
        .is_enable(false)
        .send()
        .await
        .unwrap();
    assert_eq!(states(&cms).await[0].1, "ALARM");
    cms.enable_metric_rule_black_list()
        .id(id.clone())
        .is_enable(true)
        .send()
        .await
        .unwrap();
    // Modified to another instance, the rule's instance is judged again.
    cms.modify_metric_rule_black_list()
        .id(id.clone())
        .name("maintenance-db")
        .namespace(NS)
        .category("ecs")
        .instances(r#"{"instanceId":"i-db"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(states(&cms).await[0].1, "ALARM");
    let modified = cms.describe_metric_rule_black_list().send().await.unwrap();
    let entry = &modified.describe_metric_rule_black_list[0];
    assert_eq!(entry.name.as_deref(), Some("maintenance-db"));
    assert_eq!(
        entry.is_enable,
        Some(true),
        "modify keeps the enabled state"
    );

    cms.delete_metric_rule_black_list()
        .id(id.clone())
        .send()
        .await
        .unwrap();
    let err = cms
        .delete_metric_rule_black_list()
        .id(id.clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFound"));
    let err = cms
        .enable_metric_rule_black_list()
        .id(id)
        .is_enable(true)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFound"));
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn group_rules_and_templates_watch_the_group_members() {
    let (emulator, cms) = start().await;
    let group = cms
        .create_monitor_group()
        .group_name("web-tier")
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap()
        .to_string();
    let member = |id: &str| aliyun_cms::types::Instances {
        category: Some("ecs".into()),
        instance_id: Some(id.into()),
        instance_name: Some(id.into()),
        region_id: Some("cn-hangzhou".into()),
    };
    cms.create_monitor_group_instances()
        .group_id(&group)
        .instances(member("i-web"))
        .instances(member("i-off"))
        .send()
        .await
        .unwrap();

    let put = cms
        .put_group_metric_rule()
        .group_id(&group)
        .rule_id("g-cpu")
        .rule_name("group cpu")
        .namespace(NS)
        .metric_name("CPUUtilization")
        .escalations(critical("GreaterThanThreshold", "1", 1))
        .send()
        .await
        .unwrap();
    assert_eq!(put.result.unwrap().rule_id.as_deref(), Some("g-cpu"));
    let listed = cms
        .describe_metric_rule_list()
        .group_id(&group)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.alarms.len(), 1);
    let rule = &listed.alarms[0];
    assert_eq!(rule.group_name.as_deref(), Some("web-tier"));
    assert_eq!(rule.alert_state.as_deref(), Some("ALARM"));
    // Only the running member alarms.
    let alerting = cms
        .describe_alerting_metric_rule_resources()
        .group_id(&group)
        .send()
        .await
        .unwrap();
    assert_eq!(alerting.total, Some(1));
    assert!(
        alerting.resources[0]
            .resource
            .as_deref()
            .unwrap()
            .contains("i-web")
    );
    // A resource rule cannot be taken over by a group, nor a group rule by a put.
    let err = cms
        .put_resource_metric_rule()
        .rule_id("g-cpu")
        .rule_name("x")
        .namespace(NS)
        .metric_name("CPUUtilization")
        .set_resources(Some(resources(&["i-db"])))
        .escalations(critical("GreaterThanThreshold", "1", 1))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ParameterInvalid"));

    // Several rules at once, each reported.
    let rule =
        |id: &str, threshold: &str| aliyun_cms::types::CreateGroupMetricRulesGroupMetricRules {
            rule_id: Some(id.into()),
            rule_name: Some(id.into()),
            category: Some("ecs".into()),
            namespace: Some(NS.into()),
            metric_name: Some("CPUUtilization".into()),
            escalations_critical_comparison_operator: Some("GreaterThanThreshold".into()),
            escalations_critical_threshold: Some(threshold.into()),
            escalations_critical_times: Some(1),
            ..Default::default()
        };
    let created = cms
        .create_group_metric_rules()
        .group_id(group.parse::<i64>().unwrap())
        .group_metric_rules(rule("g-high", "1000"))
        .group_metric_rules(rule("g-bad", "very"))
        .send()
        .await
        .unwrap();
    let outcomes: Vec<(String, bool)> = created
        .resources
        .iter()
        .map(|r| (r.rule_id.clone().unwrap(), r.success.unwrap()))
        .collect();
    assert_eq!(
        outcomes,
        [("g-high".to_owned(), true), ("g-bad".into(), false)]
    );

    // A template applied to the group makes its rules there; applying again replaces them.
    let template = cms
        .create_metric_rule_template()
        .name("basics")
        .alert_templates(alert_template("tpl-cpu", "1"))
        .send()
        .await
        .unwrap()
        .id
        .unwrap();
    let apply = || {
        cms.apply_metric_rule_template()
            .group_id(group.parse::<i64>().unwrap())
            .template_ids(template.to_string())
            .send()
    };
    let applied = apply().await.unwrap().resource.unwrap();
    assert_eq!(applied.group_id, group.parse::<i64>().ok());
    assert_eq!(applied.alert_results.len(), 1);
    let made = applied.alert_results[0].rule_id.clone().unwrap();
    assert!(made.starts_with("applyTemplate"), "{made}");
    let again = apply().await.unwrap().resource.unwrap();
    assert_eq!(
        again.alert_results[0].rule_id.as_deref(),
        Some(made.as_str())
    );
    let in_group = cms
        .describe_metric_rule_list()
        .group_id(&group)
        .send()
        .await
        .unwrap();
    let ids: Vec<String> = in_group
        .alarms
        .iter()
        .map(|a| a.rule_id.clone().unwrap())
        .collect();
    assert_eq!(ids, ["g-cpu".to_owned(), "g-high".into(), made.clone()]);
    let history = cms
        .describe_metric_rule_template_list()
        .history(true)
        .send()
        .await
        .unwrap();
    let applies = &history.templates[0].apply_histories;
    assert_eq!(applies.len(), 2);
    assert_eq!(applies[0].group_name.as_deref(), Some("web-tier"));
    emulator.shutdown().await;
}
