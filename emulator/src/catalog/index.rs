//! The layout of the embedded specs, shared by `build.rs` (which writes it) and the catalog
//! (which reads it). `build.rs` parses and validates every `specs/*.yaml` and stores each
//! product as separately decodable JSON pieces in one blob: a header (the product without its
//! actions and types), each named type, and each action. A small index says where each piece
//! is, so a start decodes only the index and a request decodes only its own action and the
//! types that action refers to.

use serde::{Deserialize, Serialize};

/// A byte range of the blob: one piece of JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Span {
    /// The first byte.
    pub(crate) start: u32,
    /// One past the last byte.
    pub(crate) end: u32,
}

/// Every embedded spec, in file-name order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Index {
    /// One entry per spec file.
    pub(crate) specs: Vec<SpecIndex>,
}

/// One embedded spec.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SpecIndex {
    /// The file name (`ecs.yaml`).
    pub(crate) file: String,
    /// The product code (`Ecs`).
    pub(crate) code: String,
    /// The API version.
    pub(crate) api_version: String,
    /// The product with no actions and no types.
    pub(crate) header: Span,
    /// The named types, in the product's order.
    pub(crate) types: Vec<Span>,
    /// The actions, in the product's order.
    pub(crate) actions: Vec<ActionIndex>,
}

/// One embedded action.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ActionIndex {
    /// The action name.
    pub(crate) name: String,
    /// The action.
    pub(crate) at: Span,
    /// The named types its parameters and response refer to, directly or through other types:
    /// indices into [`SpecIndex::types`], ascending.
    pub(crate) types: Vec<u32>,
}
