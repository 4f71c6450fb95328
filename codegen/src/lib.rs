//! # codegen
//!
//! Turns the YAML API specs in `specs/` into Rust modules for the product crates.
//!
//! The pipeline: the spec model crate, `aliyun-spec`, loads, validates and lowers a spec
//! ([`load`], [`validate`], [`model`], re-exported here); [`emit`] builds each file with
//! `quote!` and formats it with `prettyplease`.
//!
//! The emulator reads specs through `aliyun-spec` alone, so the SDK and the emulator agree on
//! what each action is, and the emulator compiles no code generator.

pub mod emit;

use std::path::Path;

pub use aliyun_spec::{
    SpecError, SpecErrors, error, load, load_product, load_spec, locate, model, names,
    parse_product, parse_spec, spec, validate,
};
pub use emit::{EmitError, GENERATED_DIR, GeneratedFile};
pub use model::Product;

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The spec is invalid.
    #[error("{0}")]
    Spec(#[from] SpecErrors),
    /// The generator itself failed (a bug).
    #[error(transparent)]
    Emit(#[from] EmitError),
}

/// Generates the files of the spec at `path`, relative to its product crate directory.
pub fn generate_files(
    path: &Path,
    display_name: &str,
) -> Result<(Product, Vec<GeneratedFile>), GenerateError> {
    generate_files_in_crate(path, display_name, &[])
}

/// As [`generate_files`], for a crate that other specs write modules of: `modules` are their
/// `product.module` names, declared by the crate root (pass them for the spec without one).
pub fn generate_files_in_crate(
    path: &Path,
    display_name: &str,
    modules: &[String],
) -> Result<(Product, Vec<GeneratedFile>), GenerateError> {
    let product = load_product(path, display_name)?;
    let files = emit::generate_in_crate(&product, display_name, modules)?;
    Ok((product, files))
}
