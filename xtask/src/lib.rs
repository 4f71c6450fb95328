//! Project automation behind `cargo xtask`.
//!
//! `import` (module [`mod@import`]) writes or updates `specs/<code>.yaml` from Alibaba Cloud
//! API metadata files, merging the hand-written overlays of `specs/overlays/`.
//!
//! `bench` (module [`mod@bench`]) runs every benchmark of `benches/` and prints the ratios to
//! their baselines.
//!
//! `codegen` regenerates every product crate's `src/generated/` from its spec; `check` compares
//! what would be generated with the files on disk and lists the stale ones. The drift test in
//! `tests/` runs `check`, so an ordinary `cargo test` fails on a spec edited without
//! regenerating.

use std::collections::BTreeSet;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use codegen::GeneratedFile;

pub mod bench;
pub mod build_cost;
pub mod import;

/// One spec and the crate directory its code goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The spec, relative to the workspace root (`specs/ecs.yaml`).
    pub spec: PathBuf,
    /// The crate directory, relative to the workspace root (`aliyun-ecs`).
    pub crate_dir: PathBuf,
}

/// The generator's own fixture spec, whose snapshot lives in a crate that compiles it.
const FIXTURE: (&str, &str) = ("codegen/fixture/spec.yaml", "codegen/fixture");

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Everything that codegen writes: each `specs/*.yaml` into the crate its `product.crate` names,
/// and the fixture spec into the fixture crate. Sorted, so runs are reproducible.
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
    let mut targets = Vec::new();
    for spec in specs {
        let relative = relative(root, &spec);
        let service = codegen::load_service(&spec, &relative.to_string_lossy())?;
        targets.push(Target {
            spec: relative,
            crate_dir: PathBuf::from(service.crate_name),
        });
    }
    targets.push(Target {
        spec: PathBuf::from(FIXTURE.0),
        crate_dir: PathBuf::from(FIXTURE.1),
    });
    Ok(targets)
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

/// What generation would write for `target`, with paths relative to the workspace root.
fn expected_files(root: &Path, target: &Target) -> Result<Vec<GeneratedFile>, XtaskError> {
    let (_, files) =
        codegen::generate_files(&root.join(&target.spec), &target.spec.to_string_lossy())?;
    Ok(files
        .into_iter()
        .map(|file| GeneratedFile {
            path: target.crate_dir.join(file.path),
            contents: file.contents,
        })
        .collect())
}

/// Every `.rs` file under `dir` (relative to `root`), recursively; none if `dir` is absent.
fn existing_files(root: &Path, dir: &Path) -> Result<BTreeSet<PathBuf>, XtaskError> {
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
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.insert(relative(root, &path));
            }
        }
    }
    Ok(found)
}

/// Compares generated output with the disk; returns the stale files (empty when fresh).
pub fn check(root: &Path) -> Result<Vec<Stale>, XtaskError> {
    let mut stale = Vec::new();
    for target in targets(root)? {
        let expected = expected_files(root, &target)?;
        let mut on_disk = existing_files(root, &target.crate_dir.join(codegen::GENERATED_DIR))?;
        for file in &expected {
            on_disk.remove(&file.path);
            match fs::read_to_string(root.join(&file.path)) {
                Ok(contents) if contents == file.contents => {}
                Ok(_) => stale.push(Stale::Changed(file.path.clone())),
                Err(_) => stale.push(Stale::Missing(file.path.clone())),
            }
        }
        stale.extend(on_disk.into_iter().map(Stale::Extra));
    }
    stale.sort();
    Ok(stale)
}

/// Regenerates everything; returns what changed.
pub fn codegen(root: &Path) -> Result<Vec<Stale>, XtaskError> {
    let stale = check(root)?;
    for target in targets(root)? {
        for file in expected_files(root, &target)? {
            let path = root.join(&file.path);
            if fs::read_to_string(&path).ok().as_deref() == Some(file.contents.as_str()) {
                continue;
            }
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(|e| XtaskError::io(parent, e))?;
            }
            fs::write(&path, &file.contents).map_err(|e| XtaskError::io(&path, e))?;
        }
    }
    for extra in stale.iter().filter_map(|s| match s {
        Stale::Extra(path) => Some(path),
        _ => None,
    }) {
        let path = root.join(extra);
        fs::remove_file(&path).map_err(|e| XtaskError::io(&path, e))?;
    }
    Ok(stale)
}
