//! # aliyun-spec
//!
//! The model of an `aliyun-rs` API spec (the YAML files in the workspace's `specs/`), shared by
//! the code generator (`codegen`, which adds emitting Rust) and the emulator
//! (`aliyun-emulator`, which serves what a spec says), so the two agree on every action and
//! neither the emulator nor a product crate's tests compile a Rust code generator. A spec
//! describes one product ([`model::Product`]) and its actions ([`model::Action`]), in Alibaba
//! Cloud's words.
//!
//! The steps, one module each:
//! 1. [`load`]: read YAML with serde (`deny_unknown_fields`); errors name file, line, column and
//!    field path ([`error`], [`locate`]).
//! 2. [`validate`]: semantic checks (names, references, limits, test cases), one module per
//!    part of a spec.
//! 3. [`model`]: lower to a model with every default applied and every name resolved
//!    ([`names`] is the one place Rust names are made).

pub mod duration;
pub mod error;
pub mod load;
pub mod locate;
pub mod model;
pub mod names;
pub mod spec;
pub mod validate;

use std::path::Path;

pub use error::{SpecError, SpecErrors};
pub use load::{load_spec, parse_spec};
pub use model::Product;

/// Loads, validates and lowers the spec at `path` (named `display_name` in messages).
pub fn load_product(path: &Path, display_name: &str) -> Result<Product, SpecErrors> {
    load_spec(path, display_name).map(|spec| model::lower(&spec))
}

/// Parses, validates and lowers spec text (named `display_name` in messages).
pub fn parse_product(display_name: &str, source: &str) -> Result<Product, SpecErrors> {
    parse_spec(display_name, source).map(|spec| model::lower(&spec))
}

/// The crate README's examples compile (and run), as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
