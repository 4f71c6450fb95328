//! `cargo xtask bench`: every benchmark of `benches/` in one run, and the table of ratios
//! against their baselines (each measured in the same run).
//!
//! 1. The criterion micro benchmarks (`cargo bench -p aliyun-benches --bench micro`): their
//!    medians are read back from `target/criterion/<id>/new/estimates.json`.
//!    The emulator benchmark (`--bench emulator`) runs the same way.
//! 2. The end-to-end loopback benchmark (`target/release/e2e all`): raw reqwest and the SDK in
//!    alternating rounds against one server, then 10,000 calls in flight at once.
//!
//! `--build-cost` measures instead what each product crate costs to build
//! ([`crate::build_cost`]).
//!
//! `BENCHMARKS.md` at the repository root explains each figure.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What `cargo xtask bench` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchOptions {
    /// Criterion's `--quick` mode and a short end-to-end run: a smoke test of the harness,
    /// not figures to publish.
    pub quick: bool,
    /// Measure what the product crates cost to build instead ([`crate::build_cost`]).
    pub build_cost: bool,
    /// End-to-end calls per round.
    pub calls: usize,
    /// End-to-end concurrency.
    pub concurrency: usize,
    /// End-to-end rounds per client (medians are reported).
    pub rounds: usize,
    /// Calls in flight at once in the scale run.
    pub inflight: usize,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            quick: false,
            build_cost: false,
            calls: 20_000,
            concurrency: 64,
            rounds: 5,
            inflight: 10_000,
        }
    }
}

impl BenchOptions {
    /// Parses the arguments after `bench`.
    pub fn parse(args: &[&str]) -> Result<Self, String> {
        let mut options = BenchOptions::default();
        let mut args = args.iter();
        while let Some(&flag) = args.next() {
            let mut number = || {
                args.next()
                    .and_then(|value| value.parse::<usize>().ok())
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("{flag} needs a positive number"))
            };
            match flag {
                "--quick" => options.quick = true,
                "--build-cost" => options.build_cost = true,
                "--calls" => options.calls = number()?,
                "--concurrency" => options.concurrency = number()?,
                "--rounds" => options.rounds = number()?,
                "--inflight" => options.inflight = number()?,
                other => return Err(format!("unknown bench option {other}")),
            }
        }
        if options.quick {
            options.calls = options.calls.min(2_000);
            options.rounds = options.rounds.min(2);
            options.inflight = options.inflight.min(1_000);
        }
        Ok(options)
    }
}

/// Runs everything and prints the table. Returns the table too (for tests and logs).
pub fn run(root: &Path, options: &BenchOptions) -> Result<String, String> {
    let target = target_dir(root);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    if options.build_cost {
        return crate::build_cost::run(root, &target, &cargo);
    }

    eprintln!("== micro benchmarks (criterion; a few minutes)");
    criterion_bench(root, &target, &cargo, "micro", options.quick)?;
    eprintln!("== the emulator serving from its world (criterion)");
    criterion_bench(root, &target, &cargo, "emulator", options.quick)?;
    let criterion = target.join("criterion");
    let median = |id: &str| criterion_median(&criterion, id);

    eprintln!("== paired ratios (alternating batches in one process)");
    let status = Command::new(&cargo)
        .current_dir(root)
        .args(["build", "--release", "-p", "aliyun-benches", "--bins"])
        .status()
        .map_err(|e| format!("cargo build: {e}"))?;
    if !status.success() {
        return Err(format!("building the bench binaries failed ({status})"));
    }
    // Each pair runs in three processes and the median ratio counts: from one process to the
    // next, load on the other core can shift the SDK side by a third.
    let mut paired = Vec::new();
    for (a, b, iterations) in PAIRS {
        let iterations = if options.quick {
            iterations / 10
        } else {
            *iterations
        };
        let mut runs = Vec::new();
        for _ in 0..3 {
            let output = Command::new(target.join("release").join("profile"))
                .args(["compare", a, b, &iterations.to_string()])
                .stderr(Stdio::inherit())
                .output()
                .map_err(|e| format!("profile compare: {e}"))?;
            let text = String::from_utf8_lossy(&output.stdout).into_owned();
            let value = text
                .lines()
                .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
                .next_back()
                .ok_or_else(|| format!("profile compare {a} {b} printed {text:?}"))?;
            eprintln!("   {value}");
            runs.push(value);
        }
        let ratio = |v: &serde_json::Value| v.get("ratio").and_then(|r| r.as_f64()).unwrap_or(0.0);
        runs.sort_by(|x, y| ratio(x).total_cmp(&ratio(y)));
        paired.push(runs.swap_remove(1));
    }

    eprintln!("== end to end on loopback");
    let status = Command::new(&cargo)
        .current_dir(root)
        .args(["build", "--release", "-p", "aliyun-benches", "--bin", "e2e"])
        .status()
        .map_err(|e| format!("cargo build: {e}"))?;
    if !status.success() {
        return Err(format!("building the e2e bench failed ({status})"));
    }
    let e2e = Command::new(target.join("release").join("e2e"))
        .args([
            "all",
            "--calls",
            &options.calls.to_string(),
            "--concurrency",
            &options.concurrency.to_string(),
            "--rounds",
            &options.rounds.to_string(),
            "--inflight",
            &options.inflight.to_string(),
        ])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("e2e: {e}"))?;
    let e2e_out = String::from_utf8_lossy(&e2e.stdout).into_owned();
    for line in e2e_out.lines() {
        eprintln!("   {line}");
    }
    if !e2e.status.success() {
        return Err(format!("the e2e bench failed ({})", e2e.status));
    }
    let line_of = |mode: &str| {
        e2e_out
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .find(|value| value.get("mode").and_then(|m| m.as_str()) == Some(mode))
            .ok_or_else(|| format!("the e2e bench printed no {mode} line"))
    };
    let summary = line_of("summary")?;
    let scale = line_of("scale")?;

    let emulator_paired = json_line(&target.join("bench-emulator.log"), "emulator_paired")?;
    let table = table(
        &median,
        &paired,
        &summary,
        &scale,
        &emulator_paired,
        options,
    )?;
    println!("{table}");
    Ok(table)
}

/// The JSON line with `"mode": mode` that a bench printed into the log at `path`.
fn json_line(path: &Path, mode: &str) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|value| value.get("mode").and_then(|m| m.as_str()) == Some(mode))
        .ok_or_else(|| format!("{} has no {mode} line", path.display()))
}

/// Runs the criterion bench target `name` of `aliyun-benches`; its report goes to
/// `target/bench-<name>.log`, its estimates to `target/criterion/`.
fn criterion_bench(
    root: &Path,
    target: &Path,
    cargo: &str,
    name: &str,
    quick: bool,
) -> Result<(), String> {
    let mut bench = Command::new(cargo);
    bench
        .current_dir(root)
        .args(["bench", "-p", "aliyun-benches", "--bench", name, "--"]);
    if quick {
        bench.arg("--quick");
    }
    // Criterion's report goes to a log; progress stays on the terminal.
    let log = target.join(format!("bench-{name}.log"));
    let log_file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let status = bench
        .stdout(Stdio::from(log_file))
        .status()
        .map_err(|e| format!("cargo bench: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "cargo bench --bench {name} failed ({status}); see {}",
            log.display()
        ))
    }
}

/// The pairs timed in alternating batches by the `profile` binary, with iterations per batch
/// (about 50 ms each): same process, same minute, so machine load falls on both sides alike.
const PAIRS: &[(&str, &str, u64)] = &[
    ("sign_v1", "hmac_sha1_base64", 20_000),
    ("sign_v3", "sha256_hmac_sha256", 20_000),
    ("decode_typed", "decode_value", 200),
];

/// The workspace's target directory (`CARGO_TARGET_DIR` or `<root>/target`).
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                root.join(dir)
            }
        })
        .unwrap_or_else(|| root.join("target"))
}

/// The median (ns) criterion estimated for benchmark `id` (`group/function`) in the last run.
fn criterion_median(criterion: &Path, id: &str) -> Result<f64, String> {
    // Criterion names directories after the id with `/` inside a group name replaced by `_`:
    // `request_build/x/y` lives in `request_build_x/y`.
    let (group, function) = id.rsplit_once('/').unwrap_or((id, ""));
    let dir = criterion.join(group.replace('/', "_")).join(function);
    let path = dir.join("new").join("estimates.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    value
        .pointer("/median/point_estimate")
        .and_then(serde_json::Value::as_f64)
        .ok_or_else(|| format!("{}: no median", path.display()))
}

/// Nanoseconds as a short human figure.
fn time(ns: f64) -> String {
    if ns >= 1_000_000.0 {
        format!("{:.2} ms", ns / 1_000_000.0)
    } else if ns >= 1_000.0 {
        format!("{:.2} µs", ns / 1_000.0)
    } else {
        format!("{ns:.0} ns")
    }
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT MET" }
}

fn table(
    median: &dyn Fn(&str) -> Result<f64, String>,
    paired: &[serde_json::Value],
    summary: &serde_json::Value,
    scale: &serde_json::Value,
    emulator_paired: &serde_json::Value,
    options: &BenchOptions,
) -> Result<String, String> {
    let number = |value: &serde_json::Value, key: &str| {
        value
            .get(key)
            .and_then(serde_json::Value::as_f64)
            .ok_or_else(|| format!("the e2e output has no {key}"))
    };
    let mut out = String::new();
    let mut row = |name: &str, measured: String, baseline: String, ratio: String, target: &str| {
        let _ = writeln!(
            out,
            "| {name:<58} | {measured:>11} | {baseline:>28} | {ratio:>6} | {target:<15} |"
        );
    };
    row(
        "benchmark",
        "SDK".into(),
        "baseline (same run)".into(),
        "ratio".into(),
        "target",
    );
    row(
        &"-".repeat(58),
        "-".repeat(11),
        "-".repeat(28),
        "-".repeat(6),
        &"-".repeat(15),
    );

    let pairs: [(&str, &str, &str, &str, f64, bool); 3] = [
        (
            "V1 signing, InstallCloudAssistant 20 ids",
            "sign_v1/sdk",
            "sign_v1/hmac_sha1_base64",
            "HMAC-SHA1+Base64",
            2.0,
            true,
        ),
        (
            "V3 signing, same parameters",
            "sign_v3/sdk",
            "sign_v3/sha256_hmac_sha256",
            "SHA-256+HMAC-SHA256",
            2.0,
            true,
        ),
        (
            "decode 200-instance status, typed output",
            "decode/typed_200",
            "decode/value_200",
            "serde_json::Value",
            1.0,
            true,
        ),
    ];
    for (name, sdk, baseline, baseline_name, limit, lower_is_better) in pairs {
        let (s, b) = (median(sdk)?, median(baseline)?);
        let ratio = s / b;
        let met = if lower_is_better {
            ratio <= limit
        } else {
            ratio >= limit
        };
        row(
            name,
            time(s),
            format!("{baseline_name} {}", time(b)),
            format!("{ratio:.2}x"),
            &format!("<= {limit:.1}x {}", if met { "met" } else { "not met" }),
        );
    }
    for (value, (name, limit)) in paired.iter().zip([
        ("V1 signing, paired batches, median of 3 (verdict)", 2.0),
        ("V3 signing, paired batches, median of 3 (verdict)", 2.0),
        ("decode 200 instances, paired, median of 3 (verdict)", 1.0),
    ]) {
        let (a, b, ratio) = (
            number(value, "a_median_ns")?,
            number(value, "b_median_ns")?,
            number(value, "ratio")?,
        );
        let baseline = value
            .get("b")
            .and_then(|b| b.as_str())
            .unwrap_or("baseline");
        row(
            name,
            time(a),
            format!("{baseline} {}", time(b)),
            format!("{ratio:.2}x"),
            &format!("<= {limit:.1}x {}", verdict(ratio <= limit)),
        );
    }
    let hmac = median("sign_v1/hmac_sha1_base64")?;
    for (action, stages) in [
        (
            "install_cloud_assistant_20",
            &[
                "builder_validate",
                "wire_params",
                "signed_url",
                "call_noop_transport",
            ][..],
        ),
        (
            "reboot_instance",
            &["builder_validate", "signed_url", "call_noop_transport"][..],
        ),
        (
            "describe_cloud_assistant_status",
            &["builder_validate", "signed_url", "call_noop_transport"][..],
        ),
    ] {
        for stage in stages {
            let t = median(&format!("request_build/{action}/{stage}"))?;
            row(
                &format!("build {action}: {stage}"),
                time(t),
                format!("HMAC-SHA1+Base64 {}", time(hmac)),
                format!("{:.2}x", t / hmac),
                "report",
            );
        }
    }
    // The emulator: a page of 100 instances carries 100 times the data of the canned answer
    // (one example item), so the verdict compares instances served per second.
    let canned = median("emulator/canned_example")?;
    let page = median("emulator/describe_instances_100_of_10000")?;
    let single = median("emulator/describe_instances_1_of_10000")?;
    let (paired_page, paired_canned, ratio) = (
        number(emulator_paired, "page_ns")?,
        number(emulator_paired, "canned_ns")?,
        number(emulator_paired, "per_instance_ratio")?,
    );
    row(
        "emulator 100 of 10,000 per instance, paired (verdict)",
        time(paired_page / 100.0),
        format!("canned answer {}", time(paired_canned)),
        format!("{ratio:.2}"),
        &format!(">= 0.50 {}", verdict(ratio >= 0.50)),
    );
    row(
        "emulator DescribeInstances 100 of 10,000, per answer",
        time(page),
        format!("canned answer {}", time(canned)),
        format!("{:.2}x", page / canned),
        "report",
    );
    row(
        "emulator DescribeInstances 1 of 10,000",
        time(single),
        format!("canned answer {}", time(canned)),
        format!("{:.2}x", single / canned),
        "report",
    );
    let nonce = median("nonce/new_nonce")?;
    row(
        "signature nonce (UUID v4)",
        time(nonce),
        format!("HMAC-SHA1+Base64 {}", time(hmac)),
        format!("{:.2}x", nonce / hmac),
        "report",
    );

    let (raw_rate, sdk_rate) = (
        number(summary, "raw_calls_per_sec")?,
        number(summary, "sdk_calls_per_sec")?,
    );
    let e2e = format!(
        "e2e {} calls at {} (median of {})",
        options.calls, options.concurrency, options.rounds
    );
    row(
        &format!("{e2e}: calls/s"),
        format!("{sdk_rate:.0}/s"),
        format!("raw reqwest {raw_rate:.0}/s"),
        format!("{:.2}", sdk_rate / raw_rate),
        &format!(">= 0.90 {}", verdict(sdk_rate / raw_rate >= 0.90)),
    );
    for (label, key, target) in [("p50", "p50_us", None), ("p99", "p99_us", Some(1.2))] {
        let (raw, sdk) = (
            number(summary, &format!("raw_{key}"))?,
            number(summary, &format!("sdk_{key}"))?,
        );
        row(
            &format!("{e2e}: {label} latency"),
            time(sdk * 1000.0),
            format!("raw reqwest {}", time(raw * 1000.0)),
            format!("{:.2}x", sdk / raw),
            &match target {
                Some(limit) => format!("<= {limit:.1}x {}", verdict(sdk / raw <= limit)),
                None => "report".to_owned(),
            },
        );
    }
    let (raw_rss, sdk_rss) = (
        number(summary, "raw_peak_rss_kib")?,
        number(summary, "sdk_peak_rss_kib")?,
    );
    row(
        &format!("{e2e}: peak RSS"),
        format!("{:.1} MiB", sdk_rss / 1024.0),
        format!("raw reqwest {:.1} MiB", raw_rss / 1024.0),
        format!("{:.2}x", sdk_rss / raw_rss),
        "report",
    );
    let errors = number(summary, "raw_errors")? + number(summary, "sdk_errors")?;
    row(
        &format!("{e2e}: errors"),
        format!("{}", number(summary, "sdk_errors")?),
        format!("raw reqwest {}", number(summary, "raw_errors")?),
        "-".into(),
        &format!("0 {}", verdict(errors == 0.0)),
    );
    let inflight = number(scale, "inflight")?;
    let scale_errors = number(scale, "errors")?;
    row(
        &format!("scale: {inflight:.0} calls in flight, one client"),
        format!("{:.2} s", number(scale, "seconds")?),
        format!("errors {scale_errors:.0}"),
        "-".into(),
        &format!("0 errors {}", verdict(scale_errors == 0.0)),
    );
    row(
        "scale: memory per in-flight call",
        format!(
            "{:.1} KiB",
            number(scale, "bytes_per_inflight_call")? / 1024.0
        ),
        format!(
            "peak RSS {:.1} MiB",
            number(scale, "peak_rss_kib")? / 1024.0
        ),
        "-".into(),
        "report",
    );
    if options.quick {
        out.push_str("\n(--quick: a smoke test of the harness; publish only full runs)\n");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse_and_quick_caps_the_run() {
        let options =
            BenchOptions::parse(&["--quick", "--calls", "50000", "--build-cost"]).unwrap();
        assert!(options.quick && options.build_cost);
        assert_eq!(options.calls, 2_000);
        assert!(BenchOptions::parse(&["--calls"]).is_err());
        assert!(BenchOptions::parse(&["--calls", "0"]).is_err());
        assert!(BenchOptions::parse(&["--nope"]).is_err());
        assert_eq!(BenchOptions::parse(&[]).unwrap(), BenchOptions::default());
    }

    #[test]
    fn table_reads_every_figure() {
        let median = |id: &str| -> Result<f64, String> {
            Ok(match id {
                "sign_v1/sdk" => 900.0,
                "sign_v1/hmac_sha1_base64" => 500.0,
                "decode/typed_200" => 50_000.0,
                "decode/value_200" => 100_000.0,
                _ => 1_000.0,
            })
        };
        let summary: serde_json::Value = serde_json::from_str(
            r#"{"raw_calls_per_sec":1000,"sdk_calls_per_sec":950,"raw_p50_us":100,"sdk_p50_us":105,
                "raw_p99_us":200,"sdk_p99_us":260,"raw_peak_rss_kib":10240,"sdk_peak_rss_kib":10240,
                "raw_errors":0,"sdk_errors":0}"#,
        )
        .unwrap();
        let scale: serde_json::Value = serde_json::from_str(
            r#"{"inflight":10000,"errors":0,"seconds":2.5,"peak_rss_kib":200000,"bytes_per_inflight_call":20480}"#,
        )
        .unwrap();
        let paired: Vec<serde_json::Value> = [
            r#"{"a":"sign_v1","b":"hmac_sha1_base64","a_median_ns":900,"b_median_ns":500,"ratio":1.8}"#,
            r#"{"a":"sign_v3","b":"sha256_hmac_sha256","a_median_ns":900,"b_median_ns":500,"ratio":1.8}"#,
            r#"{"a":"decode_typed","b":"decode_value","a_median_ns":1,"b_median_ns":2,"ratio":0.5}"#,
        ]
        .iter()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
        let emulator: serde_json::Value = serde_json::from_str(
            r#"{"mode":"emulator_paired","page_ns":4000000,"canned_ns":25000,"per_instance_ratio":0.625}"#,
        )
        .unwrap();
        let text = table(
            &median,
            &paired,
            &summary,
            &scale,
            &emulator,
            &BenchOptions::default(),
        )
        .unwrap();
        assert!(text.contains("0.62") && text.contains("40.00 µs"), "{text}");
        assert!(text.contains("1.80x"), "{text}");
        assert!(text.contains("0.50x"), "{text}");
        assert!(text.contains("0.95"), "{text}");
        assert!(text.contains("1.30x") && text.contains("NOT MET"), "{text}");
        assert!(text.contains("20.0 KiB"), "{text}");
    }
}
