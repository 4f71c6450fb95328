//! Statements that write fields as wire parameters and check them against the spec's limits.
//!
//! Shared by action inputs (names are literals: `"InstanceId"`) and structure parameters (names
//! are built from a prefix: `Tag.1.Key`). Styles: `repeat` and `flat` lists (`Name.1`),
//! `joined` lists, `flat` structures (`Name.Field`) and maps (`Name.<key>`), and `json` (one
//! parameter holding the value as JSON text).

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Field, Limits, Product, Type};
use crate::spec::ListStyle;

use super::rust::{is_collection, number_literal};

/// Which structure parameters have rules to check: only theirs is `StructParam::validate`
/// called (the others keep the trait's empty default, and a call would check nothing).
#[derive(Clone, Copy)]
pub struct Checks<'a> {
    product: &'a Product,
}

impl<'a> Checks<'a> {
    /// The structures of `product`.
    pub fn new(product: &'a Product) -> Self {
        Checks { product }
    }

    /// Whether structure `name` has a field with a rule, directly or in a nested structure.
    pub fn struct_has_checks(&self, name: &str) -> bool {
        self.walk(name, &mut Vec::new())
    }

    fn walk(&self, name: &str, seen: &mut Vec<String>) -> bool {
        // A structure that contains itself adds no rule by doing so.
        if seen.iter().any(|s| s == name) {
            return false;
        }
        seen.push(name.to_owned());
        let found = self.product.struct_fields(name).iter().any(|f| {
            let value_has_checks = |ty: &Type, limits: &Limits, seen: &mut Vec<String>| match ty {
                Type::Struct(inner) => self.walk(inner, seen),
                _ => !value_checks(ty, limits, &quote!(v), &quote!(n), *self).is_empty(),
            };
            match &f.ty {
                Type::List(item) => {
                    f.required
                        || f.limits.min_items.is_some()
                        || f.limits.max_items.is_some()
                        || value_has_checks(&item.ty, &item.limits, seen)
                }
                Type::Map(item) => f.required || value_has_checks(&item.ty, &item.limits, seen),
                ty => f.required || value_has_checks(ty, &f.limits, seen),
            }
        });
        seen.pop();
        found
    }
}

/// How a field's wire name is written in generated code.
pub struct WireName {
    /// An expression usable as `impl Into<Cow<'static, str>>`.
    pub owned: TokenStream,
    /// An expression usable as `&str`.
    pub borrowed: TokenStream,
}

impl WireName {
    /// A top-level parameter: a string literal.
    pub fn literal(name: &str) -> Self {
        WireName {
            owned: quote!(#name),
            borrowed: quote!(#name),
        }
    }

    /// A structure field under the runtime `prefix`.
    pub fn prefixed(name: &str) -> Self {
        let template = format!("{{prefix}}.{name}");
        WireName {
            owned: quote!(format!(#template)),
            borrowed: quote!(&format!(#template)),
        }
    }
}

/// Writes `access` (an expression of the field's declared type) as wire parameters.
pub fn write_field(
    field: &Field,
    access: &TokenStream,
    name: &WireName,
    is_option: bool,
) -> TokenStream {
    let WireName { owned, borrowed } = name;
    if field.list_style == ListStyle::Json || field.ty == Type::Any {
        return write_json(field, access, owned, is_option);
    }
    match &field.ty {
        Type::List(item) => match (&item.ty, field.list_style) {
            (Type::Struct(_), _) => quote!(params.push_struct_list(#borrowed, &#access);),
            (_, ListStyle::Joined) => {
                let separator = &field.separator;
                quote!(params.push_joined_list(#owned, &#access, #separator);)
            }
            _ => quote!(params.push_repeat_list(#borrowed, &#access);),
        },
        Type::Map(item) => match &item.ty {
            Type::Struct(_) => quote!(params.push_flat_struct_map(#borrowed, &#access);),
            _ => quote!(params.push_flat_map(#borrowed, &#access);),
        },
        Type::Struct(_) if is_option => quote! {
            if let Some(value) = &#access {
                params.push_struct(#borrowed, value);
            }
        },
        Type::Struct(_) => quote!(params.push_struct(#borrowed, &#access);),
        _ if is_option => quote!(params.push_opt(#owned, #access.as_ref());),
        _ => quote!(params.push(#owned, &#access);),
    }
}

/// Writes `access` as one parameter holding JSON text; an absent value or an empty collection
/// sends nothing.
fn write_json(
    field: &Field,
    access: &TokenStream,
    owned: &TokenStream,
    is_option: bool,
) -> TokenStream {
    if is_collection(&field.ty) {
        quote! {
            if !#access.is_empty() {
                params.push_json(#owned, &#access);
            }
        }
    } else if is_option {
        quote! {
            if let Some(value) = &#access {
                params.push_json(#owned, value);
            }
        }
    } else {
        quote!(params.push_json(#owned, &#access);)
    }
}

/// Checks `access` against the field's rules; empty when there is nothing to check.
pub fn validate_field(
    field: &Field,
    access: &TokenStream,
    name: &WireName,
    is_option: bool,
    rules: Checks<'_>,
) -> TokenStream {
    let borrowed = &name.borrowed;
    let mut checks = Vec::new();
    if let Type::List(item) = &field.ty {
        let min = field.limits.min_items.map(|m| m as usize);
        // A required list needs at least one item.
        let min = if field.required {
            Some(min.unwrap_or(1).max(1))
        } else {
            min
        };
        let max = field.limits.max_items.map(|m| m as usize);
        if min.is_some() || max.is_some() {
            let (min, max) = (option_tokens(min), option_tokens(max));
            checks
                .push(quote!(aliyun_core::__private::validate::items(#borrowed, #access.len(), #min, #max)?;));
        }
        let item_checks = value_checks(&item.ty, &item.limits, &quote!(item), &quote!(name), rules);
        if !item_checks.is_empty() {
            checks.push(quote! {
                aliyun_core::__private::validate::each(#borrowed, &#access, |name, item| {
                    #(#item_checks)*
                    Ok(())
                })?;
            });
        }
        return quote!(#(#checks)*);
    }
    if let Type::Map(item) = &field.ty {
        // A required map needs at least one entry, as a required list needs one item.
        if field.required {
            checks.push(
                quote!(aliyun_core::__private::validate::items(#borrowed, #access.len(), Some(1), None)?;),
            );
        }
        let item_checks = value_checks(&item.ty, &item.limits, &quote!(item), &quote!(name), rules);
        if !item_checks.is_empty() {
            checks.push(quote! {
                aliyun_core::__private::validate::each_value(#borrowed, &#access, |name, item| {
                    #(#item_checks)*
                    Ok(())
                })?;
            });
        }
        return quote!(#(#checks)*);
    }
    if is_option && field.required {
        checks.push(
            quote!(aliyun_core::__private::validate::required(#borrowed, #access.as_ref())?;),
        );
    }
    let value_checks = value_checks(&field.ty, &field.limits, &quote!(value), borrowed, rules);
    if value_checks.is_empty() {
        return quote!(#(#checks)*);
    }
    if is_option {
        checks.push(quote! {
            if let Some(value) = &#access {
                #(#value_checks)*
            }
        });
    } else {
        checks.push(quote! {
            let value = &#access;
            #(#value_checks)*
        });
    }
    quote!(#(#checks)*)
}

/// Checks of one value (a reference expression) against `limits`.
fn value_checks(
    ty: &Type,
    limits: &Limits,
    value: &TokenStream,
    name: &TokenStream,
    rules: Checks<'_>,
) -> Vec<TokenStream> {
    let mut checks = Vec::new();
    match ty {
        Type::String => {
            if limits.min_length.is_some() || limits.max_length.is_some() {
                let min = option_tokens(limits.min_length.map(|m| m as usize));
                let max = option_tokens(limits.max_length.map(|m| m as usize));
                checks.push(
                    quote!(aliyun_core::__private::validate::length(#name, #value, #min, #max)?;),
                );
            }
            if let Some(pattern) = &limits.pattern {
                checks.push(quote! {
                    static PATTERN: aliyun_core::__private::validate::Pattern =
                        aliyun_core::__private::validate::Pattern::new(#pattern);
                    aliyun_core::__private::validate::pattern(#name, #value, &PATTERN)?;
                });
            }
        }
        Type::Integer | Type::Long | Type::Float
            if limits.minimum.is_some() || limits.maximum.is_some() =>
        {
            let bound = |n: &Option<serde_json::Number>| match n {
                Some(n) => {
                    let lit = number_literal(ty, n);
                    quote!(Some(#lit))
                }
                None => quote!(None),
            };
            let (min, max) = (bound(&limits.minimum), bound(&limits.maximum));
            checks.push(
                quote!(aliyun_core::__private::validate::range(#name, *#value, #min, #max)?;),
            );
        }
        Type::Struct(struct_name) if rules.struct_has_checks(struct_name) => {
            checks.push(quote!(aliyun_core::params::StructParam::validate(#value, #name)?;));
        }
        _ => {}
    }
    checks
}

fn option_tokens(value: Option<usize>) -> TokenStream {
    match value {
        Some(v) => {
            let lit = proc_macro2::Literal::usize_unsuffixed(v);
            quote!(Some(#lit))
        }
        None => quote!(None),
    }
}
