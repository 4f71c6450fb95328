//! The emulator serving from its world against serving a canned answer, measured in the same
//! run through the same client (the untyped call, so both sides decode into
//! `serde_json::Value`) and the in-process transport (no socket noise):
//!
//! - `emulator/describe_instances_100_of_10000`: one `DescribeInstances` page of 100 from a
//!   world of 10,000 instances (pages 1 to 100 in turn);
//! - `emulator/describe_instances_1_of_10000`: a page of one from the same world;
//! - `emulator/canned_example`: an action the emulator does not model
//!   (`DescribeDedicatedHosts`), answered from its spec's example body (one item).
//!
//! A page carries 100 times the data of the canned answer, so the target compares instances
//! served per second: at least half the canned answer's items per second. Criterion runs the
//! three one after the other, and load from other processes shifts each differently; the
//! verdict therefore comes from a paired run before them: 21 alternating batches of pages and
//! canned answers in this process, whose median per-instance ratio is printed as one JSON line
//! (`{"mode":"emulator_paired",...}`) for `cargo xtask bench` to read.
//!
//! `cargo bench -p aliyun-benches --bench emulator` runs it alone.

use std::time::Instant;

use aliyun_core::ProductClient;
use aliyun_emulator::{Emulator, Instance};
use criterion::Criterion;
use tokio::runtime::Runtime;

/// Instances in the world.
const WORLD: usize = 10_000;
/// Instances per page.
const PAGE: usize = 100;

/// The world, a client into it and the runtime both run on.
struct Bench {
    runtime: Runtime,
    ecs: ProductClient,
    _emulator: Emulator,
}

impl Bench {
    fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("tokio runtime: {e}"));
        let (emulator, ecs) = runtime.block_on(async {
            let instances = Instance::parse_list(&format!("i-bench{{00001..{WORLD}}}"))
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
            let ecs = aliyun_ecs::Client::new(&config).product_client().clone();
            (emulator, ecs)
        });
        Bench {
            runtime,
            ecs,
            _emulator: emulator,
        }
    }

    /// Page `page` (from 1) of `size` instances.
    fn page(&self, page: usize, size: usize) -> serde_json::Value {
        let body = self
            .runtime
            .block_on(
                self.ecs
                    .untyped_call("DescribeInstances")
                    .param("RegionId", "cn-hangzhou")
                    .param("PageNumber", page as u64)
                    .param("PageSize", size as u64)
                    .send(),
            )
            .unwrap_or_else(|e| panic!("DescribeInstances: {e}"));
        let items = body["Instances"]["Instance"].as_array().map(Vec::len);
        assert_eq!(items, Some(size), "a full page");
        body
    }

    /// The canned answer of an action the emulator does not model.
    fn canned(&self) -> serde_json::Value {
        self.runtime
            .block_on(
                self.ecs
                    .untyped_call("DescribeDedicatedHosts")
                    .param("RegionId", "cn-hangzhou")
                    .send(),
            )
            .unwrap_or_else(|e| panic!("DescribeDedicatedHosts: {e}"))
    }
}

fn criterion_runs(bench: &Bench, c: &mut Criterion) {
    let mut group = c.benchmark_group("emulator");
    let mut page = 0;
    group.bench_function("describe_instances_100_of_10000", |b| {
        b.iter(|| {
            page = page % (WORLD / PAGE) + 1;
            bench.page(page, PAGE)
        })
    });
    group.bench_function("describe_instances_1_of_10000", |b| {
        b.iter(|| bench.page(WORLD / 2, 1))
    });
    group.bench_function("canned_example", |b| b.iter(|| bench.canned()));
    group.finish();
}

/// Median nanoseconds per call of pages and canned answers in alternating batches.
fn paired(bench: &Bench, batches: usize) -> (f64, f64) {
    let mut pages = Vec::with_capacity(batches);
    let mut canned = Vec::with_capacity(batches);
    let mut page = 0;
    for _ in 0..batches {
        let start = Instant::now();
        for _ in 0..5 {
            page = page % (WORLD / PAGE) + 1;
            std::hint::black_box(bench.page(page, PAGE));
        }
        pages.push(start.elapsed().as_nanos() as f64 / 5.0);
        let start = Instant::now();
        for _ in 0..100 {
            std::hint::black_box(bench.canned());
        }
        canned.push(start.elapsed().as_nanos() as f64 / 100.0);
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (median(pages), median(canned))
}

fn main() {
    let bench = Bench::new();
    // The verdict first, before criterion's tens of thousands of iterations leave the
    // allocator's free lists fragmented: that slows the allocation-heavy page more than the
    // canned answer (0.50 measured after them, 0.56-0.61 before, on a quiet machine).
    // Criterion's own figures follow, reported as they come.
    let quick = std::env::args().any(|a| a == "--quick");
    let (page_ns, canned_ns) = paired(&bench, if quick { 3 } else { 21 });
    let mut criterion = Criterion::default().configure_from_args();
    criterion_runs(&bench, &mut criterion);
    criterion.final_summary();
    let per_instance_ns = page_ns / PAGE as f64;
    println!(
        "{{\"mode\":\"emulator_paired\",\"page_ns\":{page_ns:.0},\"canned_ns\":{canned_ns:.0},\"per_instance_ratio\":{:.3}}}",
        canned_ns / per_instance_ns
    );
}
