//! Response fields nested in structures, named by a dotted wire path
//! (`Invocation.InvocationResults`): how generated code reaches them from the output.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use crate::model::{Field, NamedType, Product, Type};

use super::rust::{ident, is_collection};

/// One field on the way to (or at) the end of a path, and whether it is an `Option`.
struct Step {
    name: Ident,
    optional: bool,
}

/// A response field at a dotted path, through structures.
pub struct Nested<'a> {
    parents: Vec<Step>,
    /// The field at the end of the path.
    pub leaf: &'a Field,
    leaf_name: Ident,
    /// Whether the leaf is an `Option`.
    leaf_optional: bool,
}

/// The field at `path` among `top` (the output's fields), following structure fields.
pub fn resolve<'a>(product: &'a Product, top: &'a [Field], path: &str) -> Option<Nested<'a>> {
    let mut fields = top;
    // Fields of structures also used in requests are all optional (see `types::output_field`).
    let mut all_optional = false;
    let mut parents = Vec::new();
    let segments: Vec<&str> = path.split('.').collect();
    for (depth, segment) in segments.iter().enumerate() {
        let field = fields.iter().find(|f| f.wire_name == *segment)?;
        // Required fields are plain, collections never `Option` (see `types::output_field`).
        let required = field.required && !all_optional;
        let optional = !required && !is_collection(&field.ty);
        if depth + 1 == segments.len() {
            return Some(Nested {
                parents,
                leaf: field,
                leaf_name: ident(&field.rust_name),
                leaf_optional: optional,
            });
        }
        let Type::Struct(name) = &field.ty else {
            return None;
        };
        let Some(NamedType::Struct(s)) = product.named_type(name) else {
            return None;
        };
        parents.push(Step {
            name: ident(&field.rust_name),
            optional,
        });
        fields = &s.fields;
        all_optional = s.in_input;
    }
    None
}

impl Nested<'_> {
    /// An `Option<&Parent>` expression for the structure holding the leaf, from `output`.
    fn parent_ref(&self) -> TokenStream {
        let mut steps = self.parents.iter();
        let start = match steps.next() {
            Some(Step {
                name,
                optional: true,
            }) => quote!(output.#name.as_ref()),
            Some(Step { name, .. }) => quote!(Some(&output.#name)),
            None => quote!(Some(output)),
        };
        steps.fold(start, |expr, Step { name, optional }| {
            if *optional {
                quote!(#expr.and_then(|value| value.#name.as_ref()))
            } else {
                quote!(#expr.map(|value| &value.#name))
            }
        })
    }

    /// The number of items of a list leaf (0 when a parent is absent).
    pub fn len(&self) -> TokenStream {
        let (parent, leaf) = (self.parent_ref(), &self.leaf_name);
        quote!(#parent.map_or(0, |value| value.#leaf.len()))
    }

    /// The leaf as `Option<&str>`, for a string leaf.
    pub fn as_str(&self) -> TokenStream {
        let (parent, leaf) = (self.parent_ref(), &self.leaf_name);
        if self.leaf_optional {
            quote!(#parent.and_then(|value| value.#leaf.as_deref()))
        } else {
            quote!(#parent.map(|value| value.#leaf.as_str()))
        }
    }

    /// The leaf copied out as an `Option`, for a number leaf.
    pub fn copied(&self) -> TokenStream {
        let (parent, leaf) = (self.parent_ref(), &self.leaf_name);
        if self.leaf_optional {
            quote!(#parent.and_then(|value| value.#leaf))
        } else {
            quote!(#parent.map(|value| value.#leaf))
        }
    }

    /// The list leaf, moved out of `output` (empty when a parent is absent).
    pub fn moved_list(&self) -> TokenStream {
        let leaf = &self.leaf_name;
        let mut steps = self.parents.iter();
        let start = match steps.next() {
            Some(Step {
                name,
                optional: true,
            }) => quote!(output.#name),
            Some(Step { name, .. }) => quote!(Some(output.#name)),
            None => quote!(Some(output)),
        };
        let parent = steps.fold(start, |expr, Step { name, optional }| {
            if *optional {
                quote!(#expr.and_then(|value| value.#name))
            } else {
                quote!(#expr.map(|value| value.#name))
            }
        });
        quote!(#parent.map(|value| value.#leaf).unwrap_or_default())
    }
}
