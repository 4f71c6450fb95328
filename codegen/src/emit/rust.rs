//! Rust identifiers, types and literals for model items, and the names of the items generated
//! for each action.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

use crate::model::{Action, Field, Type};
use crate::names;

/// An identifier, raw (`r#type`) where the name is a keyword.
pub fn ident(name: &str) -> Ident {
    if names::needs_raw(name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

/// An identifier made of parts (`set_` + `region_id`), never raw.
pub fn ident_concat(prefix: &str, name: &str) -> Ident {
    Ident::new(&format!("{prefix}{name}"), Span::call_site())
}

/// Names of the generated items of one action.
pub struct ActionNames {
    /// `InstallCloudAssistantInput`.
    pub input: proc_macro2::Ident,
    /// `InstallCloudAssistantBuilder`: generic over its client (`()` when unbound).
    pub builder: proc_macro2::Ident,
    /// `InstallCloudAssistantOutput`.
    pub output: proc_macro2::Ident,
    /// `InstallCloudAssistantError`.
    pub error: proc_macro2::Ident,
    /// `install_cloud_assistant`.
    pub method: proc_macro2::Ident,
}

impl ActionNames {
    /// The names for `op`.
    pub fn new(op: &Action) -> Self {
        ActionNames {
            input: format_ident!("{}Input", op.name),
            builder: format_ident!("{}Builder", op.name),
            output: format_ident!("{}Output", op.name),
            error: format_ident!("{}Error", op.name),
            method: ident(&op.snake),
        }
    }
}

/// The plain Rust type of one value of `ty` (a list gives `Vec<item>`).
pub fn value_type(ty: &Type) -> TokenStream {
    match ty {
        Type::String => quote!(String),
        Type::Integer => quote!(i32),
        Type::Long => quote!(i64),
        Type::Float => quote!(f64),
        Type::Boolean => quote!(bool),
        Type::Struct(name) | Type::Enum(name) => {
            let name = ident(name);
            quote!(#name)
        }
        Type::List(item) => {
            let item = value_type(&item.ty);
            quote!(Vec<#item>)
        }
        Type::Map(item) => {
            let item = value_type(&item.ty);
            quote!(std::collections::BTreeMap<String, #item>)
        }
        Type::Any => quote!(aliyun_core::JsonValue),
    }
}

/// Whether `ty` is a collection whose emptiness means absent (lists and maps).
pub fn is_collection(ty: &Type) -> bool {
    matches!(ty, Type::List(_) | Type::Map(_))
}

/// The type of a field that may be absent: lists and maps stay as they are (empty means
/// absent), the rest become `Option`.
pub fn optional_type(ty: &Type) -> TokenStream {
    let value = value_type(ty);
    if is_collection(ty) {
        value
    } else {
        quote!(Option<#value>)
    }
}

/// The declared type of `field`, optional unless `required` holds.
pub fn field_type(field: &Field, required: bool) -> TokenStream {
    if required {
        value_type(&field.ty)
    } else {
        optional_type(&field.ty)
    }
}

/// A numeric literal of the type's Rust type, from spec text.
pub fn number_literal(ty: &Type, number: &serde_json::Number) -> TokenStream {
    match ty {
        Type::Integer => {
            let v = number
                .as_i64()
                .and_then(|v| i32::try_from(v).ok())
                .unwrap_or_default();
            let lit = Literal::i32_unsuffixed(v);
            quote!(#lit)
        }
        Type::Long => {
            let lit = Literal::i64_unsuffixed(number.as_i64().unwrap_or_default());
            quote!(#lit)
        }
        _ => {
            let lit = Literal::f64_unsuffixed(number.as_f64().unwrap_or_default());
            quote!(#lit)
        }
    }
}

/// The named types a type mentions (for `use` lines).
pub fn named_types(ty: &Type, out: &mut Vec<String>) {
    match ty {
        Type::Struct(name) | Type::Enum(name) if !out.contains(name) => out.push(name.clone()),
        Type::List(item) | Type::Map(item) => named_types(&item.ty, out),
        _ => {}
    }
}

/// Lays out the body of each `builder_accessors!` invocation in `text` (formatted by
/// prettyplease, which fills macro bodies like prose) one entry per line, with types spelled as
/// rustfmt would (`Option<String>`, not `Option < String >`).
pub fn layout_accessor_macros(text: &str) -> String {
    const OPEN: &str = "builder_accessors! {\n";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        let body_start = start + OPEN.len();
        let Some(body_len) = rest[body_start..].find("\n}") else {
            break;
        };
        out.push_str(&rest[..body_start]);
        let body = rest[body_start..body_start + body_len]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for entry in body.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            let entry = entry
                .replace(" <", "<")
                .replace("< ", "<")
                .replace(" >", ">")
                .replace(" :", ":");
            out.push_str("    ");
            out.push_str(&entry);
            out.push_str(";\n");
        }
        // Drop the newline the body ended with: the entries end with their own.
        out.pop();
        rest = &rest[body_start + body_len..];
    }
    out.push_str(rest);
    out
}
