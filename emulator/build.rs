//! Embeds every `specs/*.yaml` of this package into the emulator, so a new action in a spec is
//! served without emulator code. `cargo xtask codegen` copies them there from the workspace's
//! `specs/` (this script reads nothing outside the package, so the published crate builds
//! alone). Writes `$OUT_DIR/embedded_specs.rs`, a slice of `(file name, YAML text)` in
//! file-name order (deterministic builds).

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let specs_dir = manifest_dir.join("specs");
    // Re-run when a spec is added, removed (directory) or edited (each file).
    println!("cargo:rerun-if-changed={}", specs_dir.display());
    println!("cargo:rerun-if-changed=build.rs");

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

    let mut out = String::from(
        "/// Every `specs/*.yaml` at build time: `(file name, YAML text)`.\n\
         pub(crate) static EMBEDDED_SPECS: &[(&str, &str)] = &[\n",
    );
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let absolute = fs::canonicalize(file).unwrap_or_else(|_| file.clone());
        let _ = writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            path_text(&absolute)
        );
    }
    out.push_str("];\n");

    let out_dir = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default());
    if let Err(e) = fs::write(out_dir.join("embedded_specs.rs"), out) {
        panic!("cannot write embedded_specs.rs: {e}");
    }
}

fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
