//! `cargo xtask bench --build-cost`: what a product crate costs to build, per action.
//!
//! For each product crate, in a target directory of its own (`target/build-cost`) whose
//! dependencies are built first and not timed, the crate alone is rebuilt (its `src/lib.rs`
//! touched) and measured:
//!
//! - dev and release unit time, read from `cargo build --timings` (the crate's own unit, not
//!   its dependencies), and per action;
//! - rustc's peak memory (the largest resident set of the build's processes, from
//!   `/usr/bin/time`; with the dependencies fresh, that is rustc compiling this crate);
//! - `cargo check` and `cargo doc --no-deps` wall time;
//! - generated lines per action (all, `///` docs, test modules);
//! - the release size of the crate's first example (by file name), a small binary that calls
//!   one action; 0 for a crate without examples.
//!
//! The crates measured are those of the product table (`crate::products::table`).
//!
//! Figures are wall-clock on this machine: compare them with others taken in the same run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// What one crate's build cost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CrateCost {
    /// The package name.
    pub name: String,
    /// Actions generated into it.
    pub actions: usize,
    /// Generated lines: all, `///` doc lines, and lines of `#[cfg(test)]` modules.
    pub lines: GeneratedLines,
    /// The crate's own unit time in a dev build, seconds.
    pub dev_seconds: f64,
    /// The crate's own unit time in a release build, seconds.
    pub release_seconds: f64,
    /// The largest resident set of any process of the dev and release builds, KiB.
    pub peak_rss_kib: u64,
    /// `cargo check -p <crate>` wall time, seconds.
    pub check_seconds: f64,
    /// `cargo doc -p <crate> --no-deps` wall time, seconds.
    pub doc_seconds: f64,
    /// Release size of the example binary, bytes.
    pub example_bytes: u64,
}

/// Generated line counts of one crate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GeneratedLines {
    /// Every line of every generated file.
    pub total: usize,
    /// Lines that are `///` or `//!` doc comments.
    pub docs: usize,
    /// Lines inside `#[cfg(test)]` modules (from the attribute to the end of the file: the
    /// generator puts the test module last).
    pub tests: usize,
}

/// Measures every product crate and returns the report (also printed).
pub fn run(root: &Path, target: &Path, cargo: &str) -> Result<String, String> {
    let dir = target.join("build-cost");
    let mut costs = Vec::new();
    let table = crate::products::table(root).map_err(|e| e.to_string())?;
    for product in &table {
        let name = product.name.as_str();
        let example = first_example(&root.join(name))?;
        eprintln!("== build cost of {name} (minutes)");
        costs.push(measure(root, &dir, cargo, name, example.as_deref())?);
    }
    let report = report(&costs);
    println!("{report}");
    Ok(report)
}

fn measure(
    root: &Path,
    dir: &Path,
    cargo: &str,
    name: &str,
    example: Option<&str>,
) -> Result<CrateCost, String> {
    let crate_dir = root.join(name);
    let generated = crate_dir.join("src").join("generated");
    let lines = count_generated(&generated)?;
    let actions = count_actions(&generated)?;
    let lib = crate_dir.join("src").join("lib.rs");

    let mut cost = CrateCost {
        name: (*name).to_owned(),
        actions,
        lines,
        ..CrateCost::default()
    };
    for release in [false, true] {
        let profile: &[&str] = if release { &["--release"] } else { &[] };
        // Dependencies first, untimed; then the crate alone.
        cargo_run(
            root,
            cargo,
            dir,
            &[&["build", "-p", name], profile].concat(),
        )?;
        touch(&lib)?;
        let timings = dir.join("cargo-timings");
        let _ = std::fs::remove_dir_all(&timings);
        let run = cargo_run(
            root,
            cargo,
            dir,
            &[&["build", "-p", name, "--timings"], profile].concat(),
        )?;
        cost.peak_rss_kib = cost.peak_rss_kib.max(run.peak_rss_kib);
        let unit = unit_seconds(&timings, name).unwrap_or(run.seconds);
        if release {
            cost.release_seconds = unit;
        } else {
            cost.dev_seconds = unit;
        }
    }
    cargo_run(root, cargo, dir, &["check", "-p", name])?;
    touch(&lib)?;
    cost.check_seconds = cargo_run(root, cargo, dir, &["check", "-p", name])?.seconds;
    cargo_run(root, cargo, dir, &["doc", "-p", name, "--no-deps"])?;
    touch(&lib)?;
    cost.doc_seconds = cargo_run(root, cargo, dir, &["doc", "-p", name, "--no-deps"])?.seconds;
    if let Some(example) = example {
        cargo_run(
            root,
            cargo,
            dir,
            &["build", "--release", "-p", name, "--example", example],
        )?;
        let binary = dir.join("release").join("examples").join(example);
        cost.example_bytes = std::fs::metadata(&binary)
            .map_err(|e| format!("{}: {e}", binary.display()))?
            .len();
    }
    Ok(cost)
}

/// The first example of a crate by file name (`examples/<name>.rs`), if it has any.
fn first_example(crate_dir: &Path) -> Result<Option<String>, String> {
    let dir = crate_dir.join("examples");
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let path = entry.path();
            (path.extension()? == "rs").then(|| path.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    names.sort();
    Ok(names.into_iter().next())
}

/// One timed cargo command.
struct CargoRun {
    seconds: f64,
    peak_rss_kib: u64,
}

/// Runs `cargo <args> --target-dir <dir>` under `/usr/bin/time` when it exists (for the peak
/// memory), with cargo's own output on the terminal.
fn cargo_run(root: &Path, cargo: &str, dir: &Path, args: &[&str]) -> Result<CargoRun, String> {
    let time = Path::new("/usr/bin/time");
    let rss_file = dir.join("peak-rss.txt");
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut command = if time.exists() {
        let mut command = Command::new(time);
        command
            .arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&rss_file)
            .arg(cargo);
        command
    } else {
        Command::new(cargo)
    };
    command
        .current_dir(root)
        .args(args)
        .arg("--target-dir")
        .arg(dir)
        .env("CARGO_INCREMENTAL", "0")
        .stdout(Stdio::null());
    let started = Instant::now();
    let status = command
        .status()
        .map_err(|e| format!("cargo {}: {e}", args.join(" ")))?;
    let seconds = started.elapsed().as_secs_f64();
    if !status.success() {
        return Err(format!("cargo {} failed ({status})", args.join(" ")));
    }
    let peak_rss_kib = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|text| text.lines().last().and_then(|l| l.trim().parse().ok()))
        .unwrap_or(0);
    Ok(CargoRun {
        seconds,
        peak_rss_kib,
    })
}

/// Marks `file` modified so cargo rebuilds its crate (and only it).
fn touch(file: &Path) -> Result<(), String> {
    let handle = std::fs::File::options()
        .append(true)
        .open(file)
        .map_err(|e| format!("{}: {e}", file.display()))?;
    handle
        .set_modified(std::time::SystemTime::now())
        .map_err(|e| format!("{}: {e}", file.display()))
}

/// The unit time of package `name` from the `--timings` report in `dir`: its library unit's
/// `duration` in the report's `UNIT_DATA`.
fn unit_seconds(dir: &Path, name: &str) -> Option<f64> {
    let entries = std::fs::read_dir(dir).ok()?;
    let report: PathBuf = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "html"))?;
    let html = std::fs::read_to_string(report).ok()?;
    unit_seconds_in(&html, name)
}

/// The library unit's duration of package `name` in a `cargo --timings` HTML report.
fn unit_seconds_in(html: &str, name: &str) -> Option<f64> {
    let start = html.find("const UNIT_DATA = ")? + "const UNIT_DATA = ".len();
    let end = start + html[start..].find(";\n")?;
    let units: serde_json::Value = serde_json::from_str(&html[start..end]).ok()?;
    units
        .as_array()?
        .iter()
        .filter(|unit| unit.get("name").and_then(|n| n.as_str()) == Some(name))
        .filter(|unit| {
            // The library, not a build script run.
            unit.get("target")
                .and_then(|t| t.as_str())
                .is_none_or(|t| t.is_empty() || t.contains("lib"))
        })
        .filter_map(|unit| unit.get("duration").and_then(|d| d.as_f64()))
        .reduce(f64::max)
}

/// Line counts of the generated files under `dir`.
fn count_generated(dir: &Path) -> Result<GeneratedLines, String> {
    let mut lines = GeneratedLines::default();
    for path in rust_files(dir)? {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let counted = count_text(&text);
        lines.total += counted.total;
        lines.docs += counted.docs;
        lines.tests += counted.tests;
    }
    Ok(lines)
}

fn count_text(text: &str) -> GeneratedLines {
    let mut counted = GeneratedLines::default();
    let mut in_tests = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        in_tests |= trimmed.starts_with("#[cfg(test)]");
        counted.total += 1;
        if in_tests {
            counted.tests += 1;
        } else if trimmed.starts_with("///") || trimmed.starts_with("//!") {
            counted.docs += 1;
        }
    }
    counted
}

/// The number of generated action modules: files in `action/` other than `mod.rs`, in the
/// crate root's generated code and in version modules.
fn count_actions(dir: &Path) -> Result<usize, String> {
    Ok(rust_files(dir)?
        .iter()
        .filter(|path| {
            path.parent()
                .and_then(Path::file_name)
                .is_some_and(|parent| parent == "action")
                && path.file_name().is_some_and(|file| file != "mod.rs")
        })
        .count())
}

fn rust_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The report: one column per crate.
fn report(costs: &[CrateCost]) -> String {
    let mut out = String::new();
    let _ = write!(out, "| | ");
    for cost in costs {
        let _ = write!(out, "{} | ", cost.name);
    }
    out.push('\n');
    out.push_str("|---|");
    out.push_str(&"---|".repeat(costs.len()));
    out.push('\n');
    let per = |seconds: f64, cost: &CrateCost| {
        if cost.actions == 0 {
            format!("{seconds:.1} s")
        } else {
            format!(
                "{seconds:.1} s ({:.3} s/action)",
                seconds / cost.actions as f64
            )
        }
    };
    let row = |cell: &dyn Fn(&CrateCost) -> String| costs.iter().map(cell).collect::<Vec<_>>();
    let rows = [
        ("actions", row(&|c| c.actions.to_string())),
        (
            "generated lines (docs, tests)",
            row(&|c| format!("{} ({}, {})", c.lines.total, c.lines.docs, c.lines.tests)),
        ),
        (
            "generated lines per action",
            row(&|c| format!("{:.0}", c.lines.total as f64 / c.actions.max(1) as f64)),
        ),
        ("dev build, crate unit", row(&|c| per(c.dev_seconds, c))),
        (
            "release build, crate unit",
            row(&|c| per(c.release_seconds, c)),
        ),
        (
            "peak memory of the build",
            row(&|c| format!("{:.0} MiB", c.peak_rss_kib as f64 / 1024.0)),
        ),
        (
            "`cargo check`",
            row(&|c| format!("{:.1} s", c.check_seconds)),
        ),
        (
            "`cargo doc --no-deps`",
            row(&|c| format!("{:.1} s", c.doc_seconds)),
        ),
        (
            "release binary calling one action",
            row(&|c| format!("{:.1} MiB", c.example_bytes as f64 / 1_048_576.0)),
        ),
    ];
    for (label, cells) in rows {
        let _ = write!(out, "| {label} | ");
        for cell in cells {
            let _ = write!(out, "{cell} | ");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_docs_and_tests() {
        let text =
            "//! module\n/// doc\npub fn a() {}\n#[cfg(test)]\nmod tests {\n    /// in tests\n}\n";
        assert_eq!(
            count_text(text),
            GeneratedLines {
                total: 7,
                docs: 2,
                tests: 4
            }
        );
    }

    #[test]
    fn reads_the_unit_time_from_a_timings_report() {
        let html = r#"<script>
const UNIT_DATA = [{"i":0,"name":"aliyun-core","version":"0.1.0","mode":"todo","target":"","start":0.1,"duration":9.5},{"i":1,"name":"aliyun-ecs","version":"0.1.0","mode":"todo","target":"","start":9.7,"duration":21.25,"rmeta_time":10.0}];
const CONCURRENCY_DATA = [];
</script>"#;
        assert_eq!(unit_seconds_in(html, "aliyun-ecs"), Some(21.25));
        assert_eq!(unit_seconds_in(html, "aliyun-cms"), None);
        assert_eq!(unit_seconds_in("no report", "aliyun-ecs"), None);
    }

    #[test]
    fn report_has_a_column_per_crate_and_per_action_figures() {
        let cost = CrateCost {
            name: "aliyun-ecs".into(),
            actions: 100,
            lines: GeneratedLines {
                total: 20_000,
                docs: 5_000,
                tests: 4_000,
            },
            dev_seconds: 8.0,
            release_seconds: 10.0,
            peak_rss_kib: 1024 * 700,
            check_seconds: 4.0,
            doc_seconds: 6.0,
            example_bytes: 5 * 1_048_576,
        };
        let report = report(&[cost]);
        assert!(report.contains("| aliyun-ecs |"), "{report}");
        assert!(report.contains("8.0 s (0.080 s/action)"), "{report}");
        assert!(report.contains("700 MiB"), "{report}");
        assert!(
            report.contains("| generated lines per action | 200 |"),
            "{report}"
        );
    }
}
