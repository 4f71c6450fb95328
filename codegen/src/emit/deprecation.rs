//! `#[deprecated]` for what the service deprecates (actions, parameters, fields), and the
//! `allow` that lets generated code use those items itself without a warning: only the user's
//! own uses warn.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Action, Field, NamedType, Product};

/// `#[deprecated]` when `deprecated` holds; the note names the newer metadata file that
/// dropped the item, when one did.
pub fn attr(deprecated: bool, dropped_by: Option<&str>) -> Option<TokenStream> {
    deprecated.then(|| {
        let note = match dropped_by {
            Some(newer) => format!("not in the newer API metadata ({newer})"),
            None => "deprecated by the service".to_owned(),
        };
        quote!(#[deprecated(note = #note)])
    })
}

/// The doc sentences on where an action or field came from and whether it is deprecated: the
/// metadata file that added it, and the one that dropped it (or the service's deprecation).
pub fn provenance(source: Option<&str>, dropped_by: Option<&str>, deprecated: bool) -> Vec<String> {
    let mut sentences = Vec::new();
    if let Some(source) = source {
        sentences.push(format!("Added by the metadata file `{source}`."));
    }
    match dropped_by {
        Some(newer) => sentences.push(format!(
            "Deprecated: the newer metadata file `{newer}` no longer lists it."
        )),
        None if deprecated => sentences.push("Deprecated by the service.".to_owned()),
        None => {}
    }
    sentences
}

/// `#[allow(deprecated)]` when `deprecated` holds (on a generated item that uses one).
pub fn allow(deprecated: bool) -> Option<TokenStream> {
    deprecated.then(|| quote!(#[allow(deprecated)]))
}

/// `#![allow(deprecated)]` for an action module that declares or uses deprecated items.
pub fn module_allow(product: &Product, op: &Action) -> Option<TokenStream> {
    let fields = op.params.iter().chain(&op.output);
    let uses_deprecated = op.deprecated
        || fields.clone().any(|f| f.deprecated)
        || fields.clone().any(|f| field_types_deprecated(product, f));
    uses_deprecated.then(|| quote!(#![allow(deprecated)]))
}

/// `#![allow(deprecated)]` for the types module when a structure has a deprecated field.
pub fn types_allow(product: &Product) -> Option<TokenStream> {
    let any = product.types.iter().any(|t| match t {
        NamedType::Struct(s) => s.fields.iter().any(|f| f.deprecated),
        NamedType::Enum(_) => false,
    });
    any.then(|| quote!(#![allow(deprecated)]))
}

/// Whether a structure reachable from `field` has a deprecated field (tests build them).
fn field_types_deprecated(product: &Product, field: &Field) -> bool {
    let mut names = Vec::new();
    super::rust::named_types(&field.ty, &mut names);
    let mut seen = Vec::new();
    while let Some(name) = names.pop() {
        if seen.contains(&name) {
            continue;
        }
        let fields = product.struct_fields(&name);
        if fields.iter().any(|f| f.deprecated) {
            return true;
        }
        for f in fields {
            super::rust::named_types(&f.ty, &mut names);
        }
        seen.push(name);
    }
    false
}
