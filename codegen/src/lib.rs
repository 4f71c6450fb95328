//! # codegen
//!
//! Turns the YAML API specs in `specs/` into Rust modules for the product crates.
//!
//! The pipeline, one module per step:
//! 1. [`load`]: read YAML with serde (`deny_unknown_fields`); errors name file, line, column and
//!    field path ([`error`], [`locate`]).
//! 2. [`validate`]: semantic checks (names, references, limits, test cases).
//! 3. [`model`]: lower to an intermediate model with every default applied and name resolved.
//! 4. [`emit`]: build each file with `quote!`, format with `prettyplease`.
//!
//! The emulator reads specs through [`load`] and [`model`] too, so the SDK and the emulator
//! agree on what each action is.

pub mod emit;
pub mod error;
pub mod load;
pub mod locate;
pub mod model;
pub mod names;
pub mod spec;
pub mod validate;

use std::path::Path;

pub use emit::{EmitError, GENERATED_DIR, GeneratedFile};
pub use error::{SpecError, SpecErrors};
pub use load::{load_spec, parse_spec};
pub use model::Service;

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

/// Loads, validates and lowers the spec at `path` (named `display_name` in messages).
pub fn load_service(path: &Path, display_name: &str) -> Result<Service, SpecErrors> {
    load_spec(path, display_name).map(|spec| model::lower(&spec))
}

/// Parses, validates and lowers spec text (named `display_name` in messages).
pub fn parse_service(display_name: &str, source: &str) -> Result<Service, SpecErrors> {
    parse_spec(display_name, source).map(|spec| model::lower(&spec))
}

/// Generates the files of the spec at `path`, relative to its product crate directory.
pub fn generate_files(
    path: &Path,
    display_name: &str,
) -> Result<(Service, Vec<GeneratedFile>), GenerateError> {
    generate_files_in_crate(path, display_name, &[])
}

/// As [`generate_files`], for a crate that other specs write modules of: `modules` are their
/// `product.module` names, declared by the crate root (pass them for the spec without one).
pub fn generate_files_in_crate(
    path: &Path,
    display_name: &str,
    modules: &[String],
) -> Result<(Service, Vec<GeneratedFile>), GenerateError> {
    let service = load_service(path, display_name)?;
    let files = emit::generate_in_crate(&service, display_name, modules)?;
    Ok((service, files))
}
