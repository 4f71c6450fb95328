//! CloudMonitor log monitoring metrics end to end through the typed `aliyun_cms::Client`
//! (2019-01-01): create, update by `LogId`, list and search, describe by metric name,
//! delete, and the refusals.

mod common;

use aliyun_cms::types::{PutLogMonitorAggregates, PutLogMonitorGroupbys, PutLogMonitorValueFilter};
use aliyun_emulator::Emulator;

fn aggregate(field: &str) -> PutLogMonitorAggregates {
    PutLogMonitorAggregates {
        field_name: Some(field.into()),
        function: Some("count".into()),
        alias: Some(format!("{field}_count")),
    }
}

#[tokio::test]
async fn a_log_monitor_is_created_updated_found_and_deleted() {
    let emulator = Emulator::builder()
        .no_default_instances()
        .start()
        .await
        .unwrap();
    let cms = aliyun_cms::Client::new(&common::config(&emulator));
    let put = |metric: &str| {
        cms.put_log_monitor()
            .sls_region_id("cn-hangzhou")
            .sls_project("web-logs")
            .sls_logstore("access")
            .metric_name(metric)
            .value_filter_relation("and")
            .aggregates(aggregate("status"))
            .groupbys(PutLogMonitorGroupbys {
                field_name: Some("host".into()),
                alias: Some("host".into()),
            })
            .value_filter(PutLogMonitorValueFilter {
                key: Some("status".into()),
                operator: Some(">=".into()),
                value: Some("500".into()),
            })
            .tumblingwindows("60,300")
    };
    let id = put("http_5xx").send().await.unwrap().log_id.unwrap();
    put("http_4xx").send().await.unwrap();

    let one = cms
        .describe_log_monitor_attribute()
        .metric_name("http_5xx")
        .send()
        .await
        .unwrap()
        .log_monitor
        .unwrap();
    assert_eq!(one.log_id.map(|n| n.to_string()), Some(id.clone()));
    assert_eq!(one.sls_logstore.as_deref(), Some("access"));
    assert_eq!(one.tumblingwindows, ["60", "300"]);
    assert_eq!(one.groupbys, ["host"]);
    assert_eq!(one.value_filter[0].value.as_deref(), Some("500"));
    assert_eq!(one.aggregates[0].function.as_deref(), Some("count"));

    // The same LogId updates; the other metric's name cannot be taken.
    put("http_5xx")
        .log_id(&id)
        .sls_logstore("access-v2")
        .send()
        .await
        .unwrap();
    let err = put("http_4xx").log_id(&id).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ParameterInvalid"), "{err}");

    let found = cms
        .describe_log_monitor_list()
        .search_value("5xx")
        .send()
        .await
        .unwrap();
    assert_eq!(found.total, Some(1));
    assert_eq!(
        found.log_monitor_list[0].sls_logstore.as_deref(),
        Some("access-v2")
    );

    cms.delete_log_monitor()
        .log_id(id.parse::<i64>().unwrap())
        .send()
        .await
        .unwrap();
    let err = cms
        .describe_log_monitor_attribute()
        .metric_name("http_5xx")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFound"), "{err}");
    let all = cms.describe_log_monitor_list().send().await.unwrap();
    assert_eq!(all.total, Some(1));
}
