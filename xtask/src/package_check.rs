//! `cargo xtask package-check`: what a crates.io user gets.
//!
//! 1. `cargo package` every publishable member (`publish` not `false`), with verification:
//!    each crate builds from its own tarball, its workspace siblings resolved from the other
//!    tarballs (cargo's local registry overlay).
//! 2. Prints each crate's packaged size and fails if one is not well under crates.io's upload
//!    limit.
//! 3. Builds and tests a scratch project outside the workspace (`target/package-check/`) that
//!    depends on every product crate of the specs (`crate::products::table`; `aliyun-ecs` with
//!    one API group, the others with none: `aliyun-cms` still has its legacy module) and,
//!    for its test, `aliyun-emulator` from crates.io, patched to the unpacked tarballs: the test
//!    calls one action of each product against the emulator.
//!
//! Steps 1 and 3 share a target directory of their own (`target/package-check/target`), so the
//! dependencies the verification built are reused and the workspace's builds are not touched.
//! Cargo treats a registry crate as immutable: it reuses what it unpacked and built of
//! `aliyun-core 0.1.0` from the overlay in an earlier run, although our code changed under the
//! same version. So before packaging, what earlier runs unpacked and built of our crates is
//! removed (`forget_earlier_runs`); nothing is fetched but crates.io packages.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// crates.io refuses uploads over 10 MB; a crate past half of it should drop files.
const MAX_CRATE_BYTES: u64 = 5 * 1024 * 1024;

/// The API groups (Cargo features) the scratch project's test calls, per product crate; every
/// other product crate is a dependency with no group.
const TEST_FEATURES: &[(&str, &str)] = &[("aliyun-ecs", "\"instances\"")];

/// Where the scratch project is written (inside the ignored target directory).
const SCRATCH_DIR: &str = "target/package-check";

/// The target directory of the verification and the scratch project's build.
const TARGET_DIR: &str = "target/package-check/target";

/// A workspace member and whether it is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Package name (`aliyun-ecs`).
    pub name: String,
    /// Package version (`0.1.0`).
    pub version: String,
    /// `false` for `publish = false`.
    pub publish: bool,
}

/// The packaged size of one crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageSize {
    /// Package name.
    pub name: String,
    /// Files in the package.
    pub files: usize,
    /// Bytes of the unpacked files.
    pub unpacked: u64,
    /// Bytes of the `.crate` file (what crates.io's limit applies to).
    pub compressed: u64,
}

/// Runs the three steps; `Err` says which failed.
pub fn run(root: &Path) -> Result<Vec<PackageSize>, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let members = members(root, &cargo)?;
    let published: Vec<&Member> = members.iter().filter(|m| m.publish).collect();
    let target_dir = root.join(TARGET_DIR);
    forget_earlier_runs(&cargo_home(), &target_dir, &published)?;

    let mut package = Command::new(&cargo);
    package
        .current_dir(root)
        .args(["package", "--locked", "--workspace"])
        .env("CARGO_TARGET_DIR", &target_dir);
    for member in members.iter().filter(|m| !m.publish) {
        package.args(["--exclude", &member.name]);
    }
    run_command(&mut package, "cargo package")?;

    let package_dir = target_dir.join("package");
    let mut sizes = Vec::new();
    for member in &published {
        sizes.push(package_size(&package_dir, member)?);
    }
    println!("\n{}", size_table(&sizes));
    if let Some(big) = sizes.iter().find(|s| s.compressed > MAX_CRATE_BYTES) {
        return Err(format!(
            "{} packs to {} bytes, past the {MAX_CRATE_BYTES}-byte budget (crates.io's limit is 10 MB): exclude files it does not need",
            big.name, big.compressed
        ));
    }

    let scratch = root.join(SCRATCH_DIR);
    write_scratch_project(root, &scratch, &package_dir, &published)?;
    let mut test = Command::new(&cargo);
    test.current_dir(&scratch)
        .args(["test", "--manifest-path"])
        .arg(scratch.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target_dir);
    run_command(&mut test, "the scratch project's test")?;
    Ok(sizes)
}

/// Cargo's home (`CARGO_HOME`, else `~/.cargo`), where it unpacks registry crates.
fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
}

/// Removes what earlier runs unpacked (in cargo's home) and built (in `target_dir`) of our
/// crates, which cargo would otherwise reuse: same name and version, older code.
fn forget_earlier_runs(
    cargo_home: &Path,
    target_dir: &Path,
    published: &[&Member],
) -> Result<(), String> {
    let mut stale = earlier_packages(cargo_home, published);
    stale.extend(earlier_builds(target_dir, published));
    for path in stale {
        let removed = if path.is_dir() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        removed.map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// What cargo built of `published` in `target_dir`: fingerprints, libraries and dependency
/// files named after one of our crates and a hash (`aliyun_core-39feff8a516ac3ca.d`).
fn earlier_builds(target_dir: &Path, published: &[&Member]) -> Vec<PathBuf> {
    let mut stale = Vec::new();
    for subdir in [".fingerprint", "deps", "build"] {
        let Ok(entries) = fs::read_dir(target_dir.join("debug").join(subdir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if published
                .iter()
                .any(|member| is_build_of(&name, &member.name))
            {
                stale.push(entry.path());
            }
        }
    }
    stale.sort();
    stale
}

/// Whether a file in a target directory was built for the crate `package`: its name is the
/// package or crate name (optionally after `lib`), a dash, 16 hex digits, then an extension.
fn is_build_of(file_name: &str, package: &str) -> bool {
    let crate_name = package.replace('-', "_");
    let name = file_name.strip_prefix("lib").unwrap_or(file_name);
    [package, crate_name.as_str()].iter().any(|prefix| {
        name.strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|rest| {
                let hash = rest.split('.').next().unwrap_or_default();
                hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())
            })
    })
}

/// The unpacked copies of `published` in cargo's local registry overlays (directories without
/// a host name, so their names start with `-`).
fn earlier_packages(cargo_home: &Path, published: &[&Member]) -> Vec<PathBuf> {
    let Ok(registries) = fs::read_dir(cargo_home.join("registry").join("src")) else {
        return Vec::new();
    };
    let mut stale = Vec::new();
    for registry in registries.flatten() {
        if !registry.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        for member in published {
            let unpacked = unpacked_dir(&registry.path(), member);
            if unpacked.is_dir() {
                stale.push(unpacked);
            }
        }
    }
    stale.sort();
    stale
}

/// The workspace members, from `cargo metadata`.
fn members(root: &Path, cargo: &str) -> Result<Vec<Member>, String> {
    let output = Command::new(cargo)
        .current_dir(root)
        .args(["metadata", "--no-deps", "--format-version", "1", "--locked"])
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cargo metadata printed no JSON: {e}"))?;
    parse_members(&metadata)
}

/// Reads the members out of `cargo metadata` JSON: `publish` is `[]` for `publish = false`,
/// `null` for any registry.
fn parse_members(metadata: &Value) -> Result<Vec<Member>, String> {
    let packages = metadata["packages"]
        .as_array()
        .ok_or("cargo metadata: no packages")?;
    let mut members = Vec::new();
    for package in packages {
        let text = |key: &str| {
            package[key]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("cargo metadata: a package without {key}"))
        };
        let publish = match &package["publish"] {
            Value::Array(registries) => !registries.is_empty(),
            _ => true,
        };
        members.push(Member {
            name: text("name")?,
            version: text("version")?,
            publish,
        });
    }
    members.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(members)
}

fn run_command(command: &mut Command, what: &str) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

fn unpacked_dir(package_dir: &Path, member: &Member) -> PathBuf {
    package_dir.join(format!("{}-{}", member.name, member.version))
}

fn package_size(package_dir: &Path, member: &Member) -> Result<PackageSize, String> {
    let crate_file = package_dir.join(format!("{}-{}.crate", member.name, member.version));
    let compressed = fs::metadata(&crate_file)
        .map_err(|e| format!("{}: {e}", crate_file.display()))?
        .len();
    let (files, unpacked) = directory_size(&unpacked_dir(package_dir, member))?;
    Ok(PackageSize {
        name: member.name.clone(),
        files,
        unpacked,
        compressed,
    })
}

/// Files and bytes under `dir`, recursively.
fn directory_size(dir: &Path) -> Result<(usize, u64), String> {
    let (mut files, mut bytes) = (0, 0);
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
            let metadata = entry
                .metadata()
                .map_err(|e| format!("{}: {e}", entry.path().display()))?;
            if metadata.is_dir() {
                pending.push(entry.path());
            } else {
                files += 1;
                bytes += metadata.len();
            }
        }
    }
    Ok((files, bytes))
}

/// A Markdown table of the sizes (as BENCHMARKS.md reports them).
pub fn size_table(sizes: &[PackageSize]) -> String {
    let mut table = String::from(
        "| Crate | files | unpacked | `.crate` (compressed) |\n|---|---:|---:|---:|\n",
    );
    for size in sizes {
        let _ = writeln!(
            table,
            "| `{}` | {} | {} | {} |",
            size.name,
            size.files,
            human(size.unpacked),
            human(size.compressed)
        );
    }
    table
}

fn human(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let bytes = bytes as f64;
    if bytes >= KIB * KIB {
        format!("{:.1} MiB", bytes / (KIB * KIB))
    } else {
        format!("{:.1} KiB", bytes / KIB)
    }
}

/// The scratch project: a library crate of a user, with one test against the emulator.
fn write_scratch_project(
    root: &Path,
    scratch: &Path,
    package_dir: &Path,
    published: &[&Member],
) -> Result<(), String> {
    let mut patches = String::new();
    for member in published {
        let _ = writeln!(
            patches,
            "{} = {{ path = {:?} }}",
            member.name,
            unpacked_dir(package_dir, member).display().to_string()
        );
    }
    // Every product crate of the specs, with no API group unless the test below calls one.
    let products = crate::products::table(root).map_err(|e| e.to_string())?;
    let mut dependencies = String::new();
    let mut clients = String::new();
    for product in &products {
        let features = TEST_FEATURES
            .iter()
            .find(|(name, _)| *name == product.name)
            .map(|(_, features)| format!(", features = [{features}]"))
            .unwrap_or_default();
        let _ = writeln!(
            dependencies,
            "{} = {{ version = \"{}\", default-features = false{features} }}",
            product.name,
            published
                .iter()
                .find(|m| m.name == product.name)
                .map_or("0.1", |m| m.version.as_str())
        );
        let _ = writeln!(
            clients,
            "    let _ = {}::Client::new(&config);",
            product.name.replace('-', "_")
        );
    }
    let manifest = format!(
        r#"# Written by `cargo xtask package-check`: a user's project, outside the workspace.
[package]
name = "package-check"
version = "0.0.0"
edition = "2024"
publish = false

# Not a member of the aliyun-rs workspace above it.
[workspace]

[dependencies]
{dependencies}
[dev-dependencies]
aliyun-emulator = "0.1"
tokio = {{ version = "1", features = ["macros", "rt-multi-thread"] }}

# The packaged crates, as crates.io would serve them.
[patch.crates-io]
{patches}"#
    );
    let test = r#"//! Written by `cargo xtask package-check`: a client of every product crate, and one action
//! of ECS and of CloudMonitor against the emulator, all from their packages.

use aliyun_emulator::Emulator;

#[tokio::test]
async fn every_product_has_a_client() {
    let emulator = Emulator::start().await.expect("emulator");
    let config = emulator.sdk_config_builder().build().expect("config");
CLIENTS    emulator.shutdown().await;
}

#[tokio::test]
async fn reboot_an_instance_on_the_emulator() {
    let emulator = Emulator::start().await.expect("emulator");
    let config = emulator.sdk_config_builder().build().expect("config");
    let ecs = aliyun_ecs::Client::new(&config);
    let output = ecs
        .reboot_instance()
        .instance_id("i-emu000001")
        .send()
        .await
        .expect("RebootInstance");
    assert!(output.request_id.is_some());
    assert_eq!(emulator.requests_for("RebootInstance").len(), 1);

    let cms = aliyun_cms::v20170301::Client::new(&config);
    let statuses = cms
        .node_status_list()
        .instance_ids("i-emu000001")
        .send()
        .await
        .expect("NodeStatusList");
    assert!(statuses.request_id.is_some());
    emulator.shutdown().await;
}
"#
    .replace("CLIENTS", &clients);
    let write = |path: PathBuf, contents: &str| {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        fs::write(&path, contents).map_err(|e| format!("{}: {e}", path.display()))
    };
    write(scratch.join("Cargo.toml"), &manifest)?;
    write(scratch.join("src/lib.rs"), "//! A user's crate.\n")?;
    write(scratch.join("tests/emulator.rs"), &test)?;
    // The workspace's lock: the same dependency versions the verification built (cargo drops
    // what the scratch project does not use).
    let lock =
        fs::read_to_string(root.join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    write(scratch.join("Cargo.lock"), &lock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpublished_members_are_the_ones_with_publish_false() {
        let metadata = serde_json::json!({"packages": [
            {"name": "aliyun-ecs", "version": "0.1.0", "publish": null},
            {"name": "xtask", "version": "0.1.0", "publish": []},
            {"name": "internal", "version": "0.2.0", "publish": ["my-registry"]},
        ]});
        let members = parse_members(&metadata).unwrap();
        let published: Vec<&str> = members
            .iter()
            .filter(|m| m.publish)
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(published, ["aliyun-ecs", "internal"]);
    }

    #[test]
    fn earlier_packages_are_our_crates_in_overlays_only() {
        let home = std::env::temp_dir().join(format!("package-check-home-{}", std::process::id()));
        let src = home.join("registry/src");
        for dir in [
            "-22c3805da5a543b4/aliyun-core-0.1.0",
            "-22c3805da5a543b4/serde-1.0.0",
            "-14cd1cce6819ff87/aliyun-core-0.1.0",
            "-14cd1cce6819ff87/aliyun-core-0.2.0",
            "index.crates.io-1949cf8c6b5b557f/aliyun-core-0.1.0",
        ] {
            fs::create_dir_all(src.join(dir)).unwrap();
        }
        let core = Member {
            name: "aliyun-core".to_owned(),
            version: "0.1.0".to_owned(),
            publish: true,
        };
        let found = earlier_packages(&home, &[&core]);
        assert_eq!(
            found,
            [
                src.join("-14cd1cce6819ff87/aliyun-core-0.1.0"),
                src.join("-22c3805da5a543b4/aliyun-core-0.1.0"),
            ]
        );
        forget_earlier_runs(&home, &home.join("target"), &[&core]).unwrap();
        assert!(earlier_packages(&home, &[&core]).is_empty());
        assert!(src.join("-14cd1cce6819ff87/aliyun-core-0.2.0").is_dir());
        assert!(
            src.join("index.crates.io-1949cf8c6b5b557f/aliyun-core-0.1.0")
                .is_dir()
        );
        fs::remove_dir_all(&home).unwrap();
    }

    #[test]
    fn earlier_builds_are_named_after_our_crates_and_a_hash() {
        for ours in [
            "aliyun-core-39feff8a516ac3ca",
            "libaliyun_core-39feff8a516ac3ca.rlib",
            "libaliyun_core-39feff8a516ac3ca.rmeta",
            "aliyun_core-39feff8a516ac3ca.d",
        ] {
            assert!(is_build_of(ours, "aliyun-core"), "{ours}");
        }
        for theirs in [
            "aliyun-core-extra-39feff8a516ac3ca",
            "libaliyun_core_x-39feff8a516ac3ca.rlib",
            "aliyun-core-0.1.0",
            "serde-39feff8a516ac3ca",
            "aliyun-core",
        ] {
            assert!(!is_build_of(theirs, "aliyun-core"), "{theirs}");
        }
    }

    #[test]
    fn sizes_read_as_a_table() {
        let table = size_table(&[PackageSize {
            name: "aliyun-ecs".to_owned(),
            files: 360,
            unpacked: 10_171_187,
            compressed: 1_048_576,
        }]);
        assert!(
            table.contains("| `aliyun-ecs` | 360 | 9.7 MiB | 1.0 MiB |"),
            "{table}"
        );
    }
}
