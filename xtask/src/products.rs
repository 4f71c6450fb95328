//! The one table of product crates, read from the specs themselves (`specs/*.yaml`), and the
//! scaffold that gives a newly imported product its crate.
//!
//! Everything that lists products asks [`table`]: CI's per-product checks
//! (`cargo xtask product-checks`), the build cost measurement and the every-action emulator test
//! (which reads the emulator's embedded specs). [`scaffold`] runs after `cargo xtask import`: a
//! product whose crate does not exist yet gets its `Cargo.toml`, `src/lib.rs` and `README.md`,
//! and the root `Cargo.toml` lists it (members, default members, workspace dependency); a crate
//! that exists is left alone, so re-running changes nothing.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use heck::ToSnakeCase;

use crate::XtaskError;

/// One product crate and what its specs say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductCrate {
    /// The package name, also its directory (`aliyun-ecs`).
    pub name: String,
    /// The product code of its root spec (`Ecs`).
    pub code: String,
    /// The product's name (`Elastic Compute Service`).
    pub title: String,
    /// Its API groups (Cargo features), sorted.
    pub groups: Vec<String>,
    /// The API versions it serves: the crate root's first, then each module's.
    pub apis: Vec<Api>,
}

/// One API version a product crate serves (one spec).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    /// `2014-05-26`
    pub version: String,
    /// The crate module it is in (`v20170301`); `None` for the crate root.
    pub module: Option<String>,
    /// Its actions.
    pub actions: usize,
}

/// Every product crate the specs name, sorted by name (the generator's fixtures excluded).
pub fn table(root: &Path) -> Result<Vec<ProductCrate>, XtaskError> {
    let mut loaded = Vec::new();
    for target in crate::targets(root)? {
        let spec = root.join(&target.spec);
        let product = codegen::load_product(&spec, &target.spec.to_string_lossy())?;
        loaded.push((target, product));
    }
    Ok(table_of(loaded.iter().map(|(t, p)| (t, p))))
}

/// The table of already loaded specs (`specs/*.yaml` only: the fixtures are skipped).
pub fn table_of<'a>(
    specs: impl IntoIterator<Item = (&'a crate::Target, &'a codegen::Product)>,
) -> Vec<ProductCrate> {
    let mut crates: BTreeMap<String, ProductCrate> = BTreeMap::new();
    for (target, product) in specs {
        if !target.spec.starts_with("specs") {
            continue;
        }
        let name = target.crate_dir.to_string_lossy().into_owned();
        let entry = crates.entry(name.clone()).or_insert_with(|| ProductCrate {
            name,
            code: String::new(),
            title: String::new(),
            groups: Vec::new(),
            apis: Vec::new(),
        });
        for group in codegen::emit::groups::crate_groups([product]) {
            if !entry.groups.contains(&group) {
                entry.groups.push(group);
            }
        }
        entry.groups.sort();
        entry.apis.push(Api {
            version: product.api_version.clone(),
            module: target.module.clone(),
            actions: product.actions.len(),
        });
        entry.apis.sort_by(|a, b| {
            (a.module.is_some(), &a.module, &a.version).cmp(&(
                b.module.is_some(),
                &b.module,
                &b.version,
            ))
        });
        if target.module.is_none() {
            entry.code = product.code.clone();
            entry.title = product.name.clone();
        }
    }
    crates.into_values().collect()
}

/// The line before the README's product table.
pub const README_START: &str =
    "<!-- products: written by `cargo xtask codegen` from specs/; do not edit -->";
/// The line after it.
pub const README_END: &str = "<!-- /products -->";

/// The README's product table: a row per API version of each crate.
pub fn readme_table(table: &[ProductCrate]) -> String {
    let mut out = String::from("| Crate | Product | API version | Actions |\n|---|---|---|---|\n");
    for product in table {
        for api in &product.apis {
            let version = match &api.module {
                None => api.version.clone(),
                Some(module) => format!(
                    "{} (`{}::{module}`)",
                    api.version,
                    product.name.replace('-', "_")
                ),
            };
            out.push_str(&format!(
                "| `{}` | {} ({}) | {version} | {} |\n",
                product.name, product.title, product.code, api.actions
            ));
        }
    }
    out
}

/// `readme` with the text between [`README_START`] and [`README_END`] replaced by `table`;
/// `None` when it has no such markers.
pub fn readme_with_table(readme: &str, table: &str) -> Option<String> {
    let start = readme.find(README_START)? + README_START.len();
    let end = start + readme[start..].find(README_END)?;
    Some(format!("{}\n{table}{}", &readme[..start], &readme[end..]))
}

/// The per-product `cargo check` argument lists CI runs: each crate with no API group, then
/// with each group its hand-written code (`src/` outside `generated/`) names in a `feature`
/// condition, alone, or with its first group when it names none (a missing `cfg` on generated
/// or hand-written code fails one of them).
pub fn check_commands(root: &Path, table: &[ProductCrate]) -> Result<Vec<Vec<String>>, XtaskError> {
    let mut commands = Vec::new();
    for product in table {
        let base = [
            "check",
            "--locked",
            "-p",
            &product.name,
            "--no-default-features",
        ]
        .map(str::to_owned)
        .to_vec();
        commands.push(base.clone());
        let named = hand_written_features(&root.join(&product.name), "src")?;
        let mut groups: Vec<&String> = product
            .groups
            .iter()
            .filter(|g| named.contains(*g))
            .collect();
        if groups.is_empty() {
            groups.extend(product.groups.first());
        }
        for group in groups {
            let mut one = base.clone();
            one.extend(["--features".to_owned(), group.clone()]);
            commands.push(one);
        }
    }
    Ok(commands)
}

/// Every `feature = "..."` named in the `.rs` files under `crate_dir/src` outside its
/// generated directory.
fn hand_written_features(crate_dir: &Path, src: &str) -> Result<Vec<String>, XtaskError> {
    let src = crate_dir.join(src);
    let pattern = regex::Regex::new(r#"feature\s*=\s*"([A-Za-z0-9_-]+)""#).expect("valid pattern");
    let mut found = Vec::new();
    let mut pending = vec![src];
    while let Some(dir) = pending.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(XtaskError::io(&dir, e)),
        };
        for entry in entries {
            let path = entry.map_err(|e| XtaskError::io(&dir, e))?.path();
            if path.is_dir() {
                if !path.ends_with(codegen::GENERATED_DIR) {
                    pending.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = fs::read_to_string(&path).map_err(|e| XtaskError::io(&path, e))?;
                for capture in pattern.captures_iter(&text) {
                    found.push(capture[1].to_owned());
                }
            }
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

/// Creates the crate of each spec's product when it has none and registers it in the root
/// `Cargo.toml`; returns the files created or changed (none when everything existed).
pub fn scaffold(root: &Path, specs: &[PathBuf]) -> Result<Vec<PathBuf>, XtaskError> {
    let mut changed = Vec::new();
    for spec in specs {
        let relative = spec.strip_prefix(root).unwrap_or(spec);
        let product = codegen::load_product(spec, &relative.to_string_lossy())?;
        // A spec for a module of a crate (`product.module`) rides on the crate's root spec.
        if product.module.is_some() {
            continue;
        }
        let facts = Facts::of(&product);
        let dir = root.join(&product.crate_name);
        for (path, contents) in [
            (dir.join("Cargo.toml"), facts.manifest()),
            (dir.join("src/lib.rs"), facts.lib_rs()),
            (dir.join("README.md"), facts.readme()),
        ] {
            if path.exists() {
                continue;
            }
            write(&path, &contents)?;
            changed.push(path);
        }
        let manifest_path = root.join("Cargo.toml");
        let manifest =
            fs::read_to_string(&manifest_path).map_err(|e| XtaskError::io(&manifest_path, e))?;
        let registered = register(&manifest, &product.crate_name);
        if registered != manifest {
            write(&manifest_path, &registered)?;
            changed.push(manifest_path);
        }
    }
    Ok(changed)
}

fn write(path: &Path, contents: &str) -> Result<(), XtaskError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| XtaskError::io(parent, e))?;
    }
    fs::write(path, contents).map_err(|e| XtaskError::io(path, e))
}

/// `manifest` (the root Cargo.toml) with `name` in `members` and `default-members` (before
/// `aliyun-spec`, after the other product crates) and a workspace dependency on it (before
/// `aliyun-emulator`); unchanged when it is listed already.
pub fn register(manifest: &str, name: &str) -> String {
    let mut lines: Vec<String> = manifest.lines().map(str::to_owned).collect();
    let entry = format!("\"{name}\",");
    for list in ["members = [", "default-members = ["] {
        let Some(start) = lines.iter().position(|l| l.trim() == list) else {
            continue;
        };
        let end = lines[start..]
            .iter()
            .position(|l| l.trim() == "]")
            .map_or(lines.len(), |offset| start + offset);
        if lines[start..end].iter().any(|l| l.trim() == entry) {
            continue;
        }
        let at = lines[start..end]
            .iter()
            .position(|l| l.trim() == "\"aliyun-spec\",")
            .map_or(end, |offset| start + offset);
        lines.insert(at, format!("    {entry}"));
    }
    let dependency = format!("{name} = ");
    if !lines.iter().any(|l| l.starts_with(&dependency)) {
        let version = workspace_version(manifest);
        let line = format!("{name} = {{ path = \"{name}\", version = \"{version}\" }}");
        match lines
            .iter()
            .position(|l| l.starts_with("aliyun-emulator = "))
        {
            Some(at) => lines.insert(at, line),
            None => {
                if let Some(at) = lines
                    .iter()
                    .position(|l| l.trim() == "[workspace.dependencies]")
                {
                    lines.insert(at + 1, line);
                }
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// The `version` of `[workspace.package]`.
fn workspace_version(manifest: &str) -> String {
    manifest
        .lines()
        .skip_while(|l| l.trim() != "[workspace.package]")
        .find_map(|l| l.trim().strip_prefix("version = "))
        .map(|v| v.trim_matches('"').to_owned())
        .unwrap_or_else(|| "0.1.0".to_owned())
}

/// What the scaffold's templates need from a spec.
struct Facts {
    crate_name: String,
    module: String,
    code: String,
    short: String,
    title: String,
    version: String,
    spec: String,
    /// The snake-case method of the action the quick start calls.
    example: String,
}

impl Facts {
    fn of(product: &codegen::Product) -> Self {
        // A read action without required parameters makes the quick start runnable as is.
        let example = product
            .actions
            .iter()
            .find(|a| {
                (a.name.starts_with("List") || a.name.starts_with("Describe"))
                    && a.params.iter().all(|p| !p.required)
            })
            .or_else(|| product.actions.first())
            .map(|a| a.name.to_snake_case())
            .unwrap_or_default();
        let short = product
            .crate_name
            .strip_prefix("aliyun-")
            .unwrap_or(&product.crate_name)
            .to_owned();
        Facts {
            module: product.crate_name.replace('-', "_"),
            crate_name: product.crate_name.clone(),
            code: product.code.clone(),
            title: product.name.clone(),
            version: product.api_version.clone(),
            spec: format!("specs/{short}.yaml"),
            short,
            example,
        }
    }

    fn manifest(&self) -> String {
        let Facts {
            crate_name,
            code,
            title,
            short,
            ..
        } = self;
        format!(
            r#"[package]
name = "{crate_name}"
description = "Alibaba Cloud {title} ({code}) client for Rust, generated from its API spec."
version.workspace = true
edition.workspace = true
rust-version.workspace = true
license.workspace = true
repository.workspace = true
documentation = "https://docs.rs/{crate_name}"
readme = "README.md"
keywords = ["alibaba-cloud", "aliyun", "{short}", "sdk"]
categories = ["api-bindings"]

[package.metadata.docs.rs]
all-features = true

[dependencies]
aliyun-core = {{ workspace = true }}

[dev-dependencies]
aliyun-core = {{ workspace = true, features = ["test-util"] }}
tokio = {{ workspace = true, features = ["rt-multi-thread", "test-util", "macros"] }}

[lints]
workspace = true
"#
        )
    }

    /// The quick start shared by the crate documentation and the README.
    fn quick_start(&self) -> String {
        let Facts {
            module,
            short,
            example,
            ..
        } = self;
        format!(
            "# async fn run() -> Result<(), Box<dyn std::error::Error>> {{\n\
             // Region, credentials and endpoint from the environment.\n\
             let {short} = {module}::Client::from_env()?;\n\
             let output = {short}.{example}().send().await?;\n\
             println!(\"request id: {{:?}}\", output.request_id);\n\
             # Ok(())\n\
             # }}\n"
        )
    }

    fn lib_rs(&self) -> String {
        let Facts {
            crate_name,
            code,
            title,
            version,
            spec,
            ..
        } = self;
        let quick_start: String = self
            .quick_start()
            .lines()
            .map(|l| format!("//! {l}\n"))
            .collect();
        let env = code.to_ascii_uppercase();
        format!(
            r#"//! # {crate_name}
//!
//! Alibaba Cloud {title} ({code}, API version {version}) for Rust: typed calls generated from
//! `{spec}`.
//!
//! ## Quick start
//!
//! ```no_run
{quick_start}//! ```
//!
//! Every action of the spec is a method on [`Client`] returning the action's builder bound to
//! the client; `send()` validates the input against the spec before anything goes on the wire,
//! signs, sends, retries per policy, and decodes a typed output. The [`action`] module lists
//! every action, its builder, call and error.
//!
//! ## Errors
//!
//! Each action has its own `#[non_exhaustive]` error enum with a variant per documented code,
//! and `Other` for the rest (invalid input, credentials, timeouts, connection failures,
//! unreadable responses, undocumented codes). Every error answers `code()`, `message()`,
//! `request_id()` and `is_retryable()`.
//!
//! ## Configuration
//!
//! [`Client::new`] takes an [`aliyun_core::Config`]; build one from the environment
//! ([`aliyun_core::Config::from_env`]) or explicitly with [`aliyun_core::Config::builder`].
//! Environment variables: `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET`,
//! `ALIBABA_CLOUD_SECURITY_TOKEN` (and the other sources of the default credentials chain),
//! `ALIBABA_CLOUD_REGION_ID`, and `ALIBABA_CLOUD_ENDPOINT_URL_{env}` (or
//! `ALIBABA_CLOUD_ENDPOINT_URL` for all products) to point the client elsewhere.
//!
//! ## Testing your code
//!
//! The local emulator (`aliyun-emulator`) serves every action of the spec and verifies
//! signatures like Alibaba Cloud: point the client at it with
//! `ALIBABA_CLOUD_ENDPOINT_URL`, or start it in-process from a test
//! (`cargo add --dev aliyun-emulator`). For unit tests without any socket,
//! `aliyun_core::testing::CaptureTransport` records requests and answers canned responses.
//!
//! Written once by `cargo xtask import` when the product had no crate; yours to extend.

#[rustfmt::skip]
mod generated;

pub use generated::client::Client;
pub use generated::{{PRODUCT, action, types}};

/// The crate README's examples compile, as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
"#
        )
    }

    fn readme(&self) -> String {
        let Facts {
            crate_name,
            code,
            title,
            version,
            ..
        } = self;
        let quick_start = self.quick_start();
        format!(
            r#"# {crate_name}

Alibaba Cloud {title} ({code}, API {version}) for Rust: every action as a typed builder,
generated from the API spec, with validation before anything is sent, request signing, retries
and typed per-action errors.

```toml
[dependencies]
{crate_name} = "0.1"
tokio = {{ version = "1", features = ["macros", "rt-multi-thread"] }}
```

```rust,no_run
{quick_start}```

To test your code without Alibaba Cloud, add the local emulator:
`cargo add --dev aliyun-emulator` ([its docs](https://docs.rs/aliyun-emulator)).

License: Apache-2.0.
"#
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = "[workspace]\nmembers = [\n    \"aliyun-core\",\n    \"aliyun-ecs\",\n    \"aliyun-spec\",\n    \"xtask\",\n]\ndefault-members = [\n    \"aliyun-core\",\n    \"aliyun-ecs\",\n    \"aliyun-spec\",\n]\n\n[workspace.package]\nversion = \"0.2.0\"\n\n[workspace.dependencies]\naliyun-core = { path = \"aliyun-core\", version = \"0.2.0\" }\naliyun-ecs = { path = \"aliyun-ecs\", version = \"0.2.0\" }\naliyun-emulator = { path = \"emulator\", version = \"0.2.0\" }\n";

    #[test]
    fn registering_adds_the_crate_once_in_three_places() {
        let once = register(ROOT, "aliyun-ram");
        assert_eq!(
            once.matches("    \"aliyun-ram\",\n    \"aliyun-spec\",")
                .count(),
            2
        );
        assert!(once.contains(
            "aliyun-ram = { path = \"aliyun-ram\", version = \"0.2.0\" }\naliyun-emulator"
        ));
        assert_eq!(register(&once, "aliyun-ram"), once);
        assert_eq!(register(ROOT, "aliyun-ecs"), ROOT, "listed already");
    }

    #[test]
    fn checks_cover_no_group_and_the_groups_hand_written_code_names() {
        let product = |name: &str, groups: &[&str]| ProductCrate {
            name: name.to_owned(),
            code: String::new(),
            title: String::new(),
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            apis: Vec::new(),
        };
        let root = std::env::temp_dir().join(format!("xtask-checks-{}", std::process::id()));
        let src = root.join("aliyun-c/src");
        fs::create_dir_all(src.join("generated")).unwrap();
        fs::write(src.join("lib.rs"), "#[cfg(feature = \"z\")]\nmod w;\n").unwrap();
        fs::write(src.join("generated/mod.rs"), "#[cfg(feature = \"y\")]\n").unwrap();
        let commands = check_commands(
            &root,
            &[
                product("aliyun-a", &["x", "y"]),
                product("aliyun-b", &[]),
                product("aliyun-c", &["y", "z"]),
            ],
        )
        .unwrap();
        let _ = fs::remove_dir_all(&root);
        let lines: Vec<String> = commands.iter().map(|c| c.join(" ")).collect();
        assert_eq!(
            lines,
            [
                "check --locked -p aliyun-a --no-default-features",
                "check --locked -p aliyun-a --no-default-features --features x",
                "check --locked -p aliyun-b --no-default-features",
                "check --locked -p aliyun-c --no-default-features",
                "check --locked -p aliyun-c --no-default-features --features z",
            ]
        );
    }

    #[test]
    fn the_readme_table_has_a_row_per_api_and_replaces_only_its_markers() {
        let table = [ProductCrate {
            name: "aliyun-cms".to_owned(),
            code: "Cms".to_owned(),
            title: "CloudMonitor".to_owned(),
            groups: Vec::new(),
            apis: vec![
                Api {
                    version: "2019-01-01".to_owned(),
                    module: None,
                    actions: 163,
                },
                Api {
                    version: "2017-03-01".to_owned(),
                    module: Some("v20170301".to_owned()),
                    actions: 4,
                },
            ],
        }];
        let text = readme_table(&table);
        assert!(
            text.contains("| `aliyun-cms` | CloudMonitor (Cms) | 2019-01-01 | 163 |\n"),
            "{text}"
        );
        assert!(
            text.contains("| 2017-03-01 (`aliyun_cms::v20170301`) | 4 |\n"),
            "{text}"
        );
        let readme = format!("intro\n{README_START}\nold\n{README_END}\nrest\n");
        let once = readme_with_table(&readme, &text).unwrap();
        assert_eq!(
            once,
            format!("intro\n{README_START}\n{text}{README_END}\nrest\n")
        );
        assert_eq!(readme_with_table(&once, &text).unwrap(), once);
        assert_eq!(readme_with_table("no markers", &text), None);
    }
}
