//! Project automation behind `cargo xtask`.
//!
//! `import` (module [`mod@import`]) writes or updates `specs/<code>.yaml` from Alibaba Cloud
//! API metadata files, merging the hand-written overlays of `specs/overlays/`.
//!
//! `package-check` (module [`package_check`]) packages every publishable crate with
//! verification and tests a scratch project that depends on the packages.
//!
//! `products` (module [`products`]) is the one table of product crates, read from the specs,
//! and the scaffold `import` uses to give a new product its crate.
//!
//! `bench` (module [`mod@bench`]) runs every benchmark of `benches/` and prints the ratios to
//! their baselines.
//!
//! `codegen` regenerates every product crate's `src/generated/` from its specs (every
//! `specs/*.yaml`; several may write one crate, one at its root and the others each in its
//! `product.module`). It also owns the `[features]` table of each product crate's Cargo.toml
//! (one feature per API group of its specs, all default) and the emulator's copy of the specs it
//! serves (`emulator/specs/`), and the README's product table (between its `products` markers).
//! One function, [`sync`], generates everything once and compares it
//! with the disk: `cargo xtask codegen` writes what is stale, `--check` only lists it, and the
//! drift test in `tests/` (the one place CI runs the check) writes and fails, so an ordinary
//! `cargo test` both catches a spec edited without regenerating and fixes the files to commit.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use codegen::GeneratedFile;

pub mod bench;
pub mod build_cost;
pub mod import;
pub mod package_check;
pub mod products;

/// One spec and the crate directory its code goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The spec, relative to the workspace root (`specs/ecs.yaml`).
    pub spec: PathBuf,
    /// The crate directory, relative to the workspace root (`aliyun-ecs`).
    pub crate_dir: PathBuf,
    /// The crate module the spec writes (`product.module`), `None` for the crate root.
    pub module: Option<String>,
    /// For the crate root: the modules other specs write in the same crate.
    pub sibling_modules: Vec<String>,
}

/// The generator's own fixture specs (one at the crate root, one in a module), whose snapshot
/// lives in a crate that compiles it.
const FIXTURES: &[&str] = &["codegen/fixture/spec.yaml", "codegen/fixture/module.yaml"];

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Everything that codegen writes: each `specs/*.yaml` into the crate its `product.crate` names
/// (at its root, or in its `product.module`), and the fixture specs into the fixture crate.
/// Sorted, so runs are reproducible. A crate needs exactly one spec at its root and distinct
/// modules.
pub fn targets(root: &Path) -> Result<Vec<Target>, XtaskError> {
    let specs_dir = root.join("specs");
    let entries = fs::read_dir(&specs_dir).map_err(|e| XtaskError::io(&specs_dir, e))?;
    let mut specs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
        })
        .collect();
    specs.sort();
    specs.extend(FIXTURES.iter().map(|fixture| root.join(fixture)));
    let mut targets = Vec::new();
    for spec in specs {
        let relative = relative(root, &spec);
        let product = codegen::load_product(&spec, &relative.to_string_lossy())?;
        // The fixture specs name their crate `codegen-fixture`; it lives in codegen/fixture.
        let crate_dir = if relative.starts_with("codegen/fixture") {
            PathBuf::from("codegen/fixture")
        } else {
            PathBuf::from(product.crate_name)
        };
        targets.push(Target {
            spec: relative,
            crate_dir,
            module: product.module,
            sibling_modules: Vec::new(),
        });
    }
    link_crate_modules(&mut targets)?;
    Ok(targets)
}

/// Checks each crate's layout (one root spec, distinct modules) and tells each root spec the
/// modules beside it.
fn link_crate_modules(targets: &mut [Target]) -> Result<(), XtaskError> {
    let mut by_crate: BTreeMap<PathBuf, Vec<usize>> = BTreeMap::new();
    for (index, target) in targets.iter().enumerate() {
        by_crate
            .entry(target.crate_dir.clone())
            .or_default()
            .push(index);
    }
    for (crate_dir, indices) in by_crate {
        let specs = |filter: &dyn Fn(&Target) -> bool| -> Vec<String> {
            indices
                .iter()
                .map(|&i| &targets[i])
                .filter(|t| filter(t))
                .map(|t| t.spec.display().to_string())
                .collect()
        };
        let roots = specs(&|t| t.module.is_none());
        if roots.len() != 1 {
            return Err(XtaskError::Layout(format!(
                "{}: exactly one spec must write the crate root (no `product.module`); found {}",
                crate_dir.display(),
                if roots.is_empty() {
                    "none".to_owned()
                } else {
                    roots.join(", ")
                }
            )));
        }
        let mut modules: Vec<String> = Vec::new();
        for &i in &indices {
            if let Some(module) = &targets[i].module {
                if modules.contains(module) {
                    let same = specs(&|t| t.module.as_ref() == Some(module));
                    return Err(XtaskError::Layout(format!(
                        "{}: module `{module}` is written by several specs: {}",
                        crate_dir.display(),
                        same.join(", ")
                    )));
                }
                modules.push(module.clone());
            }
        }
        modules.sort();
        for &i in &indices {
            if targets[i].module.is_none() {
                targets[i].sibling_modules = modules.clone();
            }
        }
    }
    Ok(())
}

fn relative(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

/// A file that differs between the generator's output and the disk.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stale {
    /// Generated, but not on disk.
    Missing(PathBuf),
    /// On disk with other contents.
    Changed(PathBuf),
    /// On disk in a generated directory, but no longer generated.
    Extra(PathBuf),
}

impl Stale {
    /// What `codegen` did about it.
    pub fn applied(&self) -> String {
        match self {
            Stale::Missing(path) => format!("created: {}", path.display()),
            Stale::Changed(path) => format!("updated: {}", path.display()),
            Stale::Extra(path) => format!("removed: {}", path.display()),
        }
    }
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stale::Missing(path) => write!(f, "missing: {}", path.display()),
            Stale::Changed(path) => write!(f, "out of date: {}", path.display()),
            Stale::Extra(path) => write!(f, "no longer generated: {}", path.display()),
        }
    }
}

/// Errors of the xtask commands.
#[derive(Debug)]
pub enum XtaskError {
    /// A spec is invalid or generation failed.
    Generate(codegen::GenerateError),
    /// A file could not be read or written.
    Io(PathBuf, std::io::Error),
    /// The specs of one crate do not fit together (two at its root, a module twice).
    Layout(String),
}

impl XtaskError {
    fn io(path: &Path, error: std::io::Error) -> Self {
        XtaskError::Io(path.to_path_buf(), error)
    }
}

impl fmt::Display for XtaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            XtaskError::Generate(error) => write!(f, "{error}"),
            XtaskError::Io(path, error) => write!(f, "{}: {error}", path.display()),
            XtaskError::Layout(problem) => f.write_str(problem),
        }
    }
}

impl std::error::Error for XtaskError {}

impl From<codegen::GenerateError> for XtaskError {
    fn from(error: codegen::GenerateError) -> Self {
        XtaskError::Generate(error)
    }
}

impl From<codegen::SpecErrors> for XtaskError {
    fn from(error: codegen::SpecErrors) -> Self {
        XtaskError::Generate(error.into())
    }
}

/// What generation would write for `target`, with paths relative to the workspace root, and
/// the API groups of its spec.
fn expected_files(
    root: &Path,
    target: &Target,
) -> Result<(codegen::Product, Vec<GeneratedFile>), XtaskError> {
    let (product, files) = codegen::generate_files_in_crate(
        &root.join(&target.spec),
        &target.spec.to_string_lossy(),
        &target.sibling_modules,
    )?;
    let files = files
        .into_iter()
        .map(|file| GeneratedFile {
            path: target.crate_dir.join(file.path),
            contents: file.contents,
        })
        .collect();
    Ok((product, files))
}

/// What generation writes into one directory it owns: a file there with `extension` that none
/// of `files` names is no longer generated (`files` may also name files elsewhere, such as the
/// crate's Cargo.toml).
struct Output {
    dir: PathBuf,
    extension: &'static str,
    files: Vec<GeneratedFile>,
}

/// Where the emulator keeps its copy of the specs it serves: inside its own package, so the
/// published crate embeds them (its build script reads nothing outside the package).
const EMULATOR_SPECS_DIR: &str = "emulator/specs";

/// Everything generation writes: each target's files, the `[features]` table of each crate
/// whose specs have API groups (its Cargo.toml, rewritten in place), and the emulator's copy of
/// every `specs/*.yaml`.
fn expected_everything(root: &Path) -> Result<Vec<Output>, XtaskError> {
    let mut all = Vec::new();
    let mut groups: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    let targets = targets(root)?;
    let mut products = Vec::new();
    for target in &targets {
        let (product, files) = expected_files(root, target)?;
        groups
            .entry(target.crate_dir.clone())
            .or_default()
            .extend(codegen::emit::groups::crate_groups([&product]));
        products.push(product);
        all.push(Output {
            dir: target.crate_dir.join(codegen::GENERATED_DIR),
            extension: "rs",
            files,
        });
    }
    for (target, output) in targets.iter().zip(&mut all) {
        let Some(crate_groups) = groups.remove(&target.crate_dir) else {
            continue;
        };
        if crate_groups.is_empty() {
            continue;
        }
        let path = target.crate_dir.join("Cargo.toml");
        let manifest =
            fs::read_to_string(root.join(&path)).map_err(|e| XtaskError::io(&path, e))?;
        output.files.push(GeneratedFile {
            path,
            contents: codegen::emit::groups::manifest_with_features(&manifest, &crate_groups),
        });
    }
    let mut files = emulator_spec_copies(root, &targets)?;
    // The README's product table, when the README has its markers.
    let readme = root.join("README.md");
    if let Ok(text) = fs::read_to_string(&readme) {
        let table = products::readme_table(&products::table_of(targets.iter().zip(&products)));
        if let Some(contents) = products::readme_with_table(&text, &table) {
            files.push(GeneratedFile {
                path: PathBuf::from("README.md"),
                contents,
            });
        }
    }
    all.push(Output {
        dir: PathBuf::from(EMULATOR_SPECS_DIR),
        extension: "yaml",
        files,
    });
    Ok(all)
}

/// `emulator/specs/<name>.yaml` for each `specs/<name>.yaml` (not the generator's fixtures):
/// the spec's text under a "generated" comment.
fn emulator_spec_copies(root: &Path, targets: &[Target]) -> Result<Vec<GeneratedFile>, XtaskError> {
    let mut copies = Vec::new();
    for target in targets.iter().filter(|t| t.spec.starts_with("specs")) {
        let spec = root.join(&target.spec);
        let text = fs::read_to_string(&spec).map_err(|e| XtaskError::io(&spec, e))?;
        let Some(name) = target.spec.file_name() else {
            continue;
        };
        copies.push(GeneratedFile {
            path: Path::new(EMULATOR_SPECS_DIR).join(name),
            contents: format!(
                "# Generated by `cargo xtask codegen` from {}; do not edit. Change the spec and regenerate.\n{text}",
                target.spec.display()
            ),
        });
    }
    Ok(copies)
}

/// Every file with `extension` under `dir` (relative to `root`), recursively; none if `dir` is
/// absent.
fn existing_files(
    root: &Path,
    dir: &Path,
    extension: &str,
) -> Result<BTreeSet<PathBuf>, XtaskError> {
    let mut found = BTreeSet::new();
    let mut pending = vec![root.join(dir)];
    while let Some(dir) = pending.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(XtaskError::io(&dir, e)),
        };
        for entry in entries {
            let path = entry.map_err(|e| XtaskError::io(&dir, e))?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == extension) {
                found.insert(relative(root, &path));
            }
        }
    }
    Ok(found)
}

/// What [`sync`] does about a stale file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Change nothing; report.
    Check,
    /// Write what is missing or changed, remove what is no longer generated; report.
    Write,
}

/// The one drift check: generates everything once, compares it with the disk and, in
/// [`Mode::Write`], brings the disk up to date (the pattern of rust-analyzer's
/// `ensure_file_contents`). Returns the stale files, empty when the disk was fresh.
/// `cargo xtask codegen [--check]` and the drift test call it.
pub fn sync(root: &Path, mode: Mode) -> Result<Vec<Stale>, XtaskError> {
    let outputs = expected_everything(root)?;
    // Every generated file on disk; what some spec still generates is crossed off.
    let owned: BTreeSet<(&Path, &str)> = outputs
        .iter()
        .map(|output| (output.dir.as_path(), output.extension))
        .collect();
    let mut on_disk = BTreeSet::new();
    for (dir, extension) in owned {
        on_disk.extend(existing_files(root, dir, extension)?);
    }
    let mut stale = Vec::new();
    for file in outputs.into_iter().flat_map(|output| output.files) {
        on_disk.remove(&file.path);
        let path = root.join(&file.path);
        let found = match fs::read_to_string(&path) {
            Ok(contents) if contents == file.contents => continue,
            Ok(_) => Stale::Changed(file.path),
            Err(_) => Stale::Missing(file.path),
        };
        if mode == Mode::Write {
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(|e| XtaskError::io(parent, e))?;
            }
            fs::write(&path, &file.contents).map_err(|e| XtaskError::io(&path, e))?;
        }
        stale.push(found);
    }
    for extra in on_disk {
        if mode == Mode::Write {
            let path = root.join(&extra);
            fs::remove_file(&path).map_err(|e| XtaskError::io(&path, e))?;
        }
        stale.push(Stale::Extra(extra));
    }
    stale.sort();
    Ok(stale)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(spec: &str, crate_dir: &str, module: Option<&str>) -> Target {
        Target {
            spec: PathBuf::from(spec),
            crate_dir: PathBuf::from(crate_dir),
            module: module.map(str::to_owned),
            sibling_modules: Vec::new(),
        }
    }

    #[test]
    fn the_root_spec_learns_the_modules_beside_it() {
        let mut targets = vec![
            target("specs/cms-2017-03-01.yaml", "aliyun-cms", Some("v20170301")),
            target("specs/cms.yaml", "aliyun-cms", None),
            target("specs/ecs.yaml", "aliyun-ecs", None),
        ];
        link_crate_modules(&mut targets).unwrap();
        assert_eq!(targets[1].sibling_modules, ["v20170301"]);
        assert!(targets[0].sibling_modules.is_empty());
        assert!(targets[2].sibling_modules.is_empty());
    }

    #[test]
    fn a_crate_needs_one_root_and_distinct_modules() {
        let mut two_roots = vec![
            target("specs/a.yaml", "aliyun-a", None),
            target("specs/b.yaml", "aliyun-a", None),
        ];
        let error = link_crate_modules(&mut two_roots).unwrap_err().to_string();
        assert!(
            error.contains("exactly one spec") && error.contains("specs/b.yaml"),
            "{error}"
        );
        let mut no_root = vec![target("specs/a.yaml", "aliyun-a", Some("v1"))];
        let error = link_crate_modules(&mut no_root).unwrap_err().to_string();
        assert!(error.contains("found none"), "{error}");
        let mut same_module = vec![
            target("specs/a.yaml", "aliyun-a", None),
            target("specs/b.yaml", "aliyun-a", Some("v1")),
            target("specs/c.yaml", "aliyun-a", Some("v1")),
        ];
        let error = link_crate_modules(&mut same_module)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("module `v1`") && error.contains("specs/c.yaml"),
            "{error}"
        );
    }
}
