//! Embeds every `specs/*.yaml` of this package into the emulator, so a new action in a spec is
//! served without emulator code. `cargo xtask codegen` copies them there from the workspace's
//! `specs/` (this script reads nothing outside the package, so the published crate builds
//! alone).
//!
//! The specs are parsed, validated and lowered here, once per build, not at every emulator
//! start: unoptimized (a test build), reading the 2.8 MB of YAML took seconds. A spec that does
//! not pass fails the build with `aliyun-spec`'s file, line and field messages. Writes
//! `$OUT_DIR/embedded_index.json` and `$OUT_DIR/embedded_model.json` in the layout of
//! `src/catalog/index.rs`, specs in file-name order (deterministic builds).

use std::collections::BTreeSet;
use std::env;
use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use aliyun_spec::Product;
use aliyun_spec::model::{Action, NamedType, Type};

#[path = "src/catalog/index.rs"]
mod index;

use index::{ActionIndex, Index, Span, SpecIndex};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            // Cargo shows a failed build script's stderr.
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let specs_dir = manifest_dir.join("specs");
    // Re-run when a spec is added, removed (directory) or edited (each file).
    println!("cargo:rerun-if-changed={}", specs_dir.display());
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/catalog/index.rs");

    let mut files: Vec<PathBuf> = match fs::read_dir(&specs_dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.extension()
                    .is_some_and(|ext| ext == "yaml" || ext == "yml")
            })
            .collect(),
        Err(_) => {
            // Only if the generated copies were deleted: the emulator then serves only specs
            // given at run time.
            println!(
                "cargo:warning=no specs directory at {}; the emulator embeds no spec",
                specs_dir.display()
            );
            Vec::new()
        }
    };
    files.sort();

    let mut index = Index::default();
    let mut blob = Vec::new();
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text =
            fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let product = aliyun_spec::parse_product(&format!("specs/{name}"), &text)
            .map_err(|e| format!("spec specs/{name} is not valid:\n{e}"))?;
        index.specs.push(embed(&name, &product, &mut blob)?);
    }

    let index = serde_json::to_vec(&index).map_err(|e| format!("cannot encode the index: {e}"))?;
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default());
    for (file, bytes) in [
        ("embedded_index.json", &index),
        ("embedded_model.json", &blob),
    ] {
        fs::write(out_dir.join(file), bytes).map_err(|e| format!("cannot write {file}: {e}"))?;
    }
    Ok(())
}

/// Appends `product`'s pieces to `blob` and says where they are.
fn embed(file: &str, product: &Product, blob: &mut Vec<u8>) -> Result<SpecIndex, String> {
    let header = Product {
        types: Vec::new(),
        actions: Vec::new(),
        ..product.clone()
    };
    let header = append(blob, &header)?;
    let types = product
        .types
        .iter()
        .map(|t| append(blob, t))
        .collect::<Result<Vec<_>, _>>()?;
    let actions = product
        .actions
        .iter()
        .map(|op| {
            Ok(ActionIndex {
                name: op.name.clone(),
                at: append(blob, op)?,
                types: referenced_types(product, op),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(SpecIndex {
        file: file.to_owned(),
        code: product.code.clone(),
        api_version: product.api_version.clone(),
        header,
        types,
        actions,
    })
}

fn append<T: serde::Serialize>(blob: &mut Vec<u8>, value: &T) -> Result<Span, String> {
    let start = blob.len();
    serde_json::to_writer(&mut *blob, value).map_err(|e| format!("cannot encode a spec: {e}"))?;
    let offset = |n: usize| u32::try_from(n).map_err(|_| "the embedded specs exceed 4 GiB");
    Ok(Span {
        start: offset(start)?,
        end: offset(blob.len())?,
    })
}

/// The indices of every named type `op`'s parameters and response reach, ascending.
fn referenced_types(product: &Product, op: &Action) -> Vec<u32> {
    fn named(ty: &Type) -> Option<&str> {
        match ty {
            Type::Struct(name) | Type::Enum(name) => Some(name),
            Type::List(item) | Type::Map(item) => named(&item.ty),
            _ => None,
        }
    }
    let mut seen = BTreeSet::new();
    let mut pending: Vec<&str> = op
        .params
        .iter()
        .chain(&op.output)
        .filter_map(|f| named(&f.ty))
        .collect();
    while let Some(name) = pending.pop() {
        let Some(position) = product.types.iter().position(|t| t.name() == name) else {
            continue;
        };
        if !seen.insert(position) {
            continue;
        }
        if let NamedType::Struct(s) = &product.types[position] {
            pending.extend(s.fields.iter().filter_map(|f| named(&f.ty)));
        }
    }
    // Fewer than 2^32 types: the blob offsets are u32 already.
    seen.into_iter()
        .filter_map(|i| u32::try_from(i).ok())
        .collect()
}
