//! The `types` module: named structures and enums, and the field declarations that output
//! structs share with them.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{EnumType, Field, NamedType, Product, StructType, Type};

use super::docs::{doc_attrs, spec_doc};
use super::member_docs::{Role, member_doc};
use super::rust::{field_type, ident, is_collection, optional_type};
use super::secrets;
use super::wire::{Checks, WireName, validate_field, write_field};

/// The whole `types.rs` module body.
pub fn types_module(product: &Product) -> TokenStream {
    let cfgs = super::groups::type_cfgs(product);
    let items = product.types.iter().map(|t| {
        let cfg = cfgs.get(t.name());
        match t {
            NamedType::Struct(s) => struct_type(s, cfg, Checks::new(product)),
            NamedType::Enum(e) => enum_type(e, cfg),
        }
    });
    let doc = format!(
        " Structures and enums shared by {} actions' inputs and outputs.",
        product.code
    );
    let allow_deprecated = super::deprecation::types_allow(product);
    quote! {
        #![doc = #doc]
        #allow_deprecated
        #(#items)*
    }
}

/// Derives of a decoded structure with `fields` (decoding itself is [`decode_impl`]; `Debug`
/// is written out by [`secrets::debug_impl`] when a field is a secret).
pub fn output_derives(fields: &[Field]) -> TokenStream {
    let debug = secrets::debug_derive(fields);
    quote!(#[derive(#debug Clone, PartialEq, Default)])
}

/// The declaration of a decoded field. `all_optional` makes even required fields `Option`
/// (for structures that are also built by users as parameters); `role` is where it sits, for
/// its docs.
pub fn output_field(field: &Field, all_optional: bool, role: Role) -> TokenStream {
    let required = field.required && !all_optional;
    let doc = doc_attrs(&member_doc(field, role));
    let name = ident(&field.rust_name);
    let ty = field_type(field, required && !is_collection(&field.ty));
    let deprecated = super::deprecation::attr(field.deprecated, field.dropped_by.as_deref());
    quote! {
        #doc
        #deprecated
        pub #name: #ty,
    }
}

/// How a decoded structure reads its fields: a `match` from wire name to field and the lenient
/// decoder of its type, and `Deserialize` through the shared visitor. Replaces a derived
/// `Deserialize`, which cost most of a product crate's compile time (BENCHMARKS.md).
pub fn decode_impl(
    name: &proc_macro2::Ident,
    fields: &[Field],
    all_optional: bool,
    cfg: Option<&TokenStream>,
) -> TokenStream {
    let arms = fields.iter().map(|field| {
        let wire = &field.wire_name;
        let rust = ident(&field.rust_name);
        let decoder = ident(decoder(field, field.required && !all_optional));
        quote!(#wire => self.#rust = value.#decoder()?,)
    });
    let required: Vec<&str> = fields
        .iter()
        .filter(|f| f.required && !all_optional && !is_collection(&f.ty))
        .map(|f| f.wire_name.as_str())
        .collect();
    let required = (!required.is_empty()).then(|| quote!(, required = [#(#required),*]));
    quote! {
        #cfg
        impl aliyun_core::__private::fields::DecodeFields for #name {
            fn decode_field<'de>(
                &mut self,
                wire_name: &str,
                value: aliyun_core::__private::fields::FieldValue<'_, 'de>,
            ) -> aliyun_core::__private::fields::FieldResult {
                match wire_name {
                    #(#arms)*
                    _ => return Ok(false),
                }
                Ok(true)
            }
        }
        #cfg
        aliyun_core::__private::deserialize_fields!(#name #required);
    }
}

/// The method of `aliyun_core::__private::fields::FieldValue` that decodes a field of this type.
fn decoder(field: &Field, required: bool) -> &'static str {
    match &field.ty {
        Type::List(item) if matches!(item.ty, Type::Struct(_) | Type::Any) => "wrapped_list",
        Type::List(_) => "lenient_list",
        Type::Map(item) if matches!(item.ty, Type::Struct(_) | Type::Any) => "object_map",
        Type::Map(_) => "lenient_map",
        Type::Struct(_) | Type::Any => "value",
        _ if required => "lenient",
        _ => "lenient_opt",
    }
}

fn struct_type(s: &StructType, cfg: Option<&TokenStream>, rules: Checks<'_>) -> TokenStream {
    let doc = doc_attrs(&spec_doc(&s.doc));
    let name = ident(&s.name);
    let non_exhaustive = (!s.in_input).then(|| quote!(#[non_exhaustive]));
    let role = Role::StructField {
        flat: s.in_input && !s.in_json,
        json: s.in_json,
        read: s.in_output,
    };
    let fields: Vec<TokenStream> = if s.in_output {
        s.fields
            .iter()
            .map(|f| {
                let field = output_field(f, s.in_input, role);
                let json = s.in_json.then(|| json_field_attrs(f));
                quote! { #json #field }
            })
            .collect()
    } else {
        s.fields
            .iter()
            .map(|f| {
                let doc = doc_attrs(&member_doc(f, role));
                let name = ident(&f.rust_name);
                let ty = optional_type(&f.ty);
                let json = s.in_json.then(|| json_field_attrs(f));
                let deprecated = super::deprecation::attr(f.deprecated, f.dropped_by.as_deref());
                quote! { #doc #deprecated #json pub #name: #ty, }
            })
            .collect()
    };
    let debug = secrets::debug_derive(&s.fields);
    let debug_impl = secrets::debug_impl(&name, &s.fields, cfg);
    let derives = match s.in_json {
        false => quote!(#[derive(#debug Clone, PartialEq, Default)]),
        true => quote! {
            #[derive(#debug Clone, PartialEq, Default, aliyun_core::__private::serde::Serialize)]
            #[serde(crate = "aliyun_core::__private::serde")]
        },
    };
    let decode = s
        .in_output
        .then(|| decode_impl(&name, &s.fields, s.in_input, cfg));
    let param_impl = s.in_input.then(|| struct_param_impl(s, cfg, rules));
    quote! {
        #doc
        #cfg
        #derives
        #non_exhaustive
        pub struct #name {
            #(#fields)*
        }
        #debug_impl
        #decode
        #param_impl
    }
}

/// Serialization attributes of a field of a structure sent as JSON text: its wire name, and
/// absent values and empty collections left out.
fn json_field_attrs(field: &Field) -> TokenStream {
    let skip = if is_collection(&field.ty) {
        quote!(skip_serializing_if = "aliyun_core::__private::is_empty")
    } else {
        quote!(skip_serializing_if = "Option::is_none")
    };
    let wire = &field.wire_name;
    quote!(#[serde(rename = #wire, #skip)])
}

/// How a structure parameter writes and checks its fields (`Prefix.Field`).
fn struct_param_impl(s: &StructType, cfg: Option<&TokenStream>, rules: Checks<'_>) -> TokenStream {
    let name = ident(&s.name);
    let writes = s.fields.iter().map(|f| {
        let field = ident(&f.rust_name);
        write_field(
            f,
            &quote!(self.#field),
            &WireName::prefixed(&f.wire_name),
            true,
        )
    });
    let checks: Vec<TokenStream> = s
        .fields
        .iter()
        .map(|f| {
            let field = ident(&f.rust_name);
            validate_field(
                f,
                &quote!(self.#field),
                &WireName::prefixed(&f.wire_name),
                true,
                rules,
            )
        })
        .filter(|t| !t.is_empty())
        .collect();
    let validate = (!checks.is_empty()).then(|| {
        quote! {
            fn validate(&self, prefix: &str) -> Result<(), aliyun_core::InvalidInput> {
                #(#checks)*
                Ok(())
            }
        }
    });
    quote! {
        #cfg
        impl aliyun_core::params::StructParam for #name {
            fn write_fields(&self, prefix: &str, params: &mut aliyun_core::Params) {
                #(#writes)*
            }
            #validate
        }
    }
}

fn enum_type(e: &EnumType, cfg: Option<&TokenStream>) -> TokenStream {
    let doc = doc_attrs(&spec_doc(&e.doc));
    let name = ident(&e.name);
    let variants = e.values.iter().map(|v| {
        let variant = ident(&v.variant);
        let text = v
            .doc
            .as_deref()
            .map(spec_doc)
            .unwrap_or_else(|| format!("The wire value `{}`.", v.value));
        let doc = doc_attrs(&text);
        quote! { #doc #variant, }
    });
    let mappings = e.values.iter().map(|v| {
        let variant = ident(&v.variant);
        let value = &v.value;
        quote!(#variant => #value)
    });
    quote! {
        #doc
        #cfg
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A value this version of the SDK does not know, kept as sent.
            Unknown(String),
        }
        #cfg
        aliyun_core::__private::text_enum!(#name { #(#mappings),* });
    }
}
