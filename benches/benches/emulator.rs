//! The emulator serving from its world against serving a canned answer, measured in the same
//! run through the same client (the untyped call, so both sides decode into
//! `serde_json::Value`) and the in-process transport (no socket noise):
//!
//! - `emulator/describe_instances_100_of_10000`: one `DescribeInstances` page of 100 from a
//!   world of 10,000 instances (pages 1 to 100 in turn);
//! - `emulator/canned_example`: an action the emulator does not model
//!   (`DescribeDedicatedHosts`), answered from its spec's example body.
//!
//! The target: the modelled page at least half the canned answer's throughput.
//! `cargo xtask bench` runs it with the other benchmarks; `cargo bench -p aliyun-benches --bench
//! emulator` alone.

use aliyun_emulator::{Emulator, Instance};
use criterion::{Criterion, criterion_group, criterion_main};

fn emulator(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("tokio runtime: {e}"));
    let (emulator, client) = runtime.block_on(async {
        let instances = Instance::parse_list("i-bench{00001..10000}")
            .unwrap_or_else(|e| panic!("instances: {e}"));
        let emulator = Emulator::builder()
            .no_default_instances()
            .instances(instances)
            .request_log_capacity(16)
            .start()
            .await
            .unwrap_or_else(|e| panic!("emulator: {e}"));
        let config = emulator
            .in_process_config_builder()
            .build()
            .unwrap_or_else(|e| panic!("config: {e}"));
        let client = aliyun_ecs::Client::new(&config);
        (emulator, client)
    });
    let ecs = client.product_client();

    let mut group = c.benchmark_group("emulator");
    let mut page = 0;
    group.bench_function("describe_instances_100_of_10000", |b| {
        b.iter(|| {
            page = page % 100 + 1;
            let body = runtime
                .block_on(
                    ecs.untyped_call("DescribeInstances")
                        .param("RegionId", "cn-hangzhou")
                        .param("PageNumber", page)
                        .param("PageSize", 100)
                        .send(),
                )
                .unwrap_or_else(|e| panic!("DescribeInstances: {e}"));
            assert_eq!(
                body["Instances"]["Instance"].as_array().map(Vec::len),
                Some(100)
            );
            body
        })
    });
    group.bench_function("describe_instances_1_of_10000", |b| {
        b.iter(|| {
            runtime
                .block_on(
                    ecs.untyped_call("DescribeInstances")
                        .param("RegionId", "cn-hangzhou")
                        .param("PageNumber", 5000)
                        .param("PageSize", 1)
                        .send(),
                )
                .unwrap_or_else(|e| panic!("DescribeInstances: {e}"))
        })
    });
    group.bench_function("canned_example", |b| {
        b.iter(|| {
            runtime
                .block_on(
                    ecs.untyped_call("DescribeDedicatedHosts")
                        .param("RegionId", "cn-hangzhou")
                        .send(),
                )
                .unwrap_or_else(|e| panic!("DescribeDedicatedHosts: {e}"))
        })
    });
    group.finish();
    drop(emulator);
}

criterion_group!(benches, emulator);
criterion_main!(benches);
