//! One `operation/<action>.rs` module: input, input builder, fluent builder, output, the
//! `Operation` impl (metadata, validation, wire writing), the paginator, and the tests.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{Field, Method, Operation, PaginationStyle, ParamLocation, Service, Type};

use super::docs::{doc_attrs, doc_paragraphs, spec_doc, summary};
use super::errors::error_enum;
use super::member_docs::member_doc;
use super::rust::{ident, ident_concat, is_collection, named_types, value_type};
use super::types::{output_derives, output_field};
use super::wire::{WireName, validate_field, write_field};

/// Names of the generated items of one operation.
pub struct OperationNames {
    /// `InstallCloudAssistantInput`.
    pub input: proc_macro2::Ident,
    /// `InstallCloudAssistantInputBuilder`.
    pub builder: proc_macro2::Ident,
    /// `InstallCloudAssistantFluentBuilder`.
    pub fluent: proc_macro2::Ident,
    /// `InstallCloudAssistantOutput`.
    pub output: proc_macro2::Ident,
    /// `InstallCloudAssistantError`.
    pub error: proc_macro2::Ident,
    /// `install_cloud_assistant`.
    pub method: proc_macro2::Ident,
}

impl OperationNames {
    /// The names for `op`.
    pub fn new(op: &Operation) -> Self {
        OperationNames {
            input: format_ident!("{}Input", op.name),
            builder: format_ident!("{}InputBuilder", op.name),
            fluent: format_ident!("{}FluentBuilder", op.name),
            output: format_ident!("{}Output", op.name),
            error: format_ident!("{}Error", op.name),
            method: ident(&op.snake),
        }
    }
}

/// Whether an input field is declared `Option` (lists and maps are collections, required
/// values plain).
fn input_is_option(field: &Field) -> bool {
    !field.required && !is_collection(&field.ty)
}

/// The module body for `op`.
pub fn operation_module(service: &Service, op: &Operation) -> TokenStream {
    let names = OperationNames::new(op);
    let module_doc = format!(" `{}`: {}", op.name, spec_doc(&summary(&op.doc)));
    let mut used = Vec::new();
    for field in op.params.iter().chain(&op.output) {
        named_types(&field.ty, &mut used);
    }
    used.sort();
    let uses = (!used.is_empty()).then(|| {
        let used = used.iter().map(|n| ident(n));
        quote!(use super::super::types::{#(#used),*};)
    });
    let input = input_struct(op, &names);
    let builder = input_builder(op, &names);
    let fluent = fluent_builder(op, &names);
    let output = output_struct(op, &names);
    let operation_impl = operation_impl(op, &names);
    let error = error_enum(op, &names);
    let paginator = op.pagination.as_ref().map(|_| paginated_impl(op, &names));
    let tests = super::tests::tests_module(service, op, &names);
    let allow_deprecated = super::deprecation::module_allow(service, op);
    quote! {
        #![doc = #module_doc]
        #allow_deprecated
        #uses
        #input
        #builder
        #fluent
        #output
        #operation_impl
        #error
        #paginator
        #tests
    }
}

/// A one-line summary of a field's rules, for setter docs.
fn limits_note(field: &Field) -> String {
    let mut rules = Vec::new();
    if field.required {
        rules.push("required".to_owned());
    }
    let l = &field.limits;
    match (l.min_items, l.max_items) {
        (Some(min), Some(max)) => rules.push(format!("{min} to {max} items")),
        (Some(min), None) => rules.push(format!("at least {min} items")),
        (None, Some(max)) => rules.push(format!("at most {max} items")),
        _ => {}
    }
    let item_limits = match &field.ty {
        Type::List(item) => Some(&item.limits),
        _ => None,
    };
    for (limits, each) in [(Some(l), ""), (item_limits, "each item ")] {
        let Some(limits) = limits else { continue };
        match (limits.min_length, limits.max_length) {
            (Some(min), Some(max)) => rules.push(format!("{each}{min} to {max} characters")),
            (Some(min), None) => rules.push(format!("{each}at least {min} character(s)")),
            (None, Some(max)) => rules.push(format!("{each}at most {max} characters")),
            _ => {}
        }
        if let Some(pattern) = &limits.pattern {
            rules.push(format!("{each}matches `{pattern}`"));
        }
        match (&limits.minimum, &limits.maximum) {
            (Some(min), Some(max)) => rules.push(format!("{each}{min} to {max}")),
            (Some(min), None) => rules.push(format!("{each}at least {min}")),
            (None, Some(max)) => rules.push(format!("{each}at most {max}")),
            _ => {}
        }
    }
    if let Some(default) = &field.default {
        rules.push(format!("service default `{default}`"));
    }
    if field.client_region {
        rules.push("defaults to the client's region".to_owned());
    }
    if rules.is_empty() {
        return String::new();
    }
    let mut text = rules.join("; ");
    if let Some(first) = text.get(..1) {
        text = first.to_uppercase() + &text[1..];
    }
    format!("{text}. Wire name: `{}`.", field.wire_name)
}

fn input_struct(op: &Operation, names: &OperationNames) -> TokenStream {
    let input = &names.input;
    let builder = &names.builder;
    let doc = doc_attrs(&format!(
        "The validated input of `{}`. Build it with [`{builder}`]; its fields are public to read.",
        op.name
    ));
    let fields = op.params.iter().map(|f| {
        let doc = doc_paragraphs(&[member_doc(f), limits_note(f)]);
        let name = ident(&f.rust_name);
        let ty = super::rust::field_type(f, !input_is_option(f));
        let deprecated = super::deprecation::attr(f.deprecated);
        quote! { #doc #deprecated pub #name: #ty, }
    });
    // List bounds as constants, so hand-written code (batching) follows the spec.
    let limits = op.params.iter().filter_map(|f| {
        let max = f.limits.max_items?;
        let name = format_ident!("{}_MAX_ITEMS", f.rust_name.to_uppercase());
        let doc = doc_attrs(&format!(
            "Most items `{}` may hold (the spec's `max_items` for `{}`).",
            f.rust_name, f.wire_name
        ));
        let max = proc_macro2::Literal::usize_unsuffixed(max as usize);
        Some(quote! { #doc pub const #name: usize = #max; })
    });
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub struct #input {
            #(#fields)*
        }

        impl #input {
            /// A builder for this input.
            pub fn builder() -> #builder {
                #builder::default()
            }
            #(#limits)*
        }
    }
}

/// `(setter argument type, conversion)` for one value of `ty`.
fn setter_arg(ty: &Type) -> (TokenStream, TokenStream) {
    match ty {
        Type::String => (quote!(impl Into<String>), quote!(input.into())),
        Type::Enum(name) => {
            let name = ident(name);
            (quote!(impl Into<#name>), quote!(input.into()))
        }
        other => (value_type(other), quote!(input)),
    }
}

/// Setter method declarations: `(signature, doc)` for `x`, `set_x`, `get_x`.
struct Setter {
    name: proc_macro2::Ident,
    set_name: proc_macro2::Ident,
    get_name: proc_macro2::Ident,
    arg: TokenStream,
    value: TokenStream,
    stored: TokenStream,
    doc: TokenStream,
    set_doc: TokenStream,
    get_doc: TokenStream,
    is_list: bool,
    is_map: bool,
    deprecated: Option<TokenStream>,
}

fn setter(field: &Field) -> Setter {
    let rust = &field.rust_name;
    let is_list = matches!(field.ty, Type::List(_));
    let is_map = matches!(field.ty, Type::Map(_));
    let (arg, value) = match &field.ty {
        Type::List(item) | Type::Map(item) => setter_arg(&item.ty),
        other => setter_arg(other),
    };
    let stored_value = value_type(&field.ty);
    let note = limits_note(field);
    let field_doc = member_doc(field);
    let (doc, set_doc) = if is_map {
        let insert =
            format!("Adds one entry to `{rust}`; use `set_{rust}` to replace the whole map.");
        let set = format!("Replaces the whole `{rust}` map (`None` clears it).");
        (
            doc_paragraphs(&[field_doc.clone(), insert, note.clone()]),
            doc_paragraphs(&[field_doc, set, note]),
        )
    } else if is_list {
        let append =
            format!("Appends one item to `{rust}`; use `set_{rust}` to replace the whole list.");
        let set = format!("Replaces the whole `{rust}` list (`None` clears it).");
        (
            doc_paragraphs(&[field_doc.clone(), append, note.clone()]),
            doc_paragraphs(&[field_doc, set, note]),
        )
    } else {
        let set = format!("Sets or clears `{rust}`.");
        (
            doc_paragraphs(&[field_doc.clone(), note.clone()]),
            doc_paragraphs(&[field_doc, set, note]),
        )
    };
    let get_doc = doc_attrs(&format!("The `{rust}` set so far."));
    Setter {
        name: ident(rust),
        set_name: ident_concat("set_", rust.trim_start_matches("r#")),
        get_name: ident_concat("get_", rust.trim_start_matches("r#")),
        arg,
        value,
        stored: quote!(Option<#stored_value>),
        doc,
        set_doc,
        get_doc,
        is_list,
        is_map,
        deprecated: super::deprecation::attr(field.deprecated),
    }
}

fn input_builder(op: &Operation, names: &OperationNames) -> TokenStream {
    let OperationNames { input, builder, .. } = names;
    let doc = doc_attrs(&format!(
        "Builds a [`{input}`], checking the spec's rules in [`build`]({builder}::build)."
    ));
    let fields = op.params.iter().map(|f| {
        let s = setter(f);
        let (name, stored) = (&s.name, &s.stored);
        quote!(#name: #stored,)
    });
    let methods = op.params.iter().map(|f| {
        let Setter {
            name,
            set_name,
            get_name,
            arg,
            value,
            stored,
            doc,
            set_doc,
            get_doc,
            is_list,
            is_map,
            deprecated,
        } = setter(f);
        let add = if is_map {
            quote! {
                self.#name
                    .get_or_insert_with(std::collections::BTreeMap::new)
                    .insert(key.into(), #value);
            }
        } else if is_list {
            quote!(self.#name.get_or_insert_with(Vec::new).push(#value);)
        } else {
            quote!(self.#name = Some(#value);)
        };
        let key = is_map.then(|| quote!(key: impl Into<String>,));
        quote! {
            #doc
            #deprecated
            pub fn #name(mut self, #key input: #arg) -> Self {
                #add
                self
            }
            #set_doc
            #deprecated
            pub fn #set_name(mut self, input: #stored) -> Self {
                self.#name = input;
                self
            }
            #get_doc
            #deprecated
            pub fn #get_name(&self) -> &#stored {
                &self.#name
            }
        }
    });
    let inits = op.params.iter().map(|f| {
        let name = ident(&f.rust_name);
        let wire = &f.wire_name;
        if is_collection(&f.ty) {
            quote!(#name: self.#name.unwrap_or_default(),)
        } else if f.required {
            quote!(#name: aliyun_core::validate::required(#wire, self.#name)?,)
        } else {
            quote!(#name: self.#name,)
        }
    });
    quote! {
        #doc
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct #builder {
            #(#fields)*
        }

        impl #builder {
            #(#methods)*

            /// Checks every rule of the spec (required parameters, list sizes, lengths,
            /// patterns, ranges) and builds the input. Nothing is sent.
            pub fn build(self) -> Result<#input, aliyun_core::InvalidInput> {
                let input = #input {
                    #(#inits)*
                };
                aliyun_core::Operation::validate(&input)?;
                Ok(input)
            }
        }
    }
}

fn fluent_builder(op: &Operation, names: &OperationNames) -> TokenStream {
    let OperationNames {
        input,
        builder,
        fluent,
        output,
        error,
        method,
    } = names;
    let doc = doc_paragraphs(&[
        format!("Sends `{}`: {}", op.name, spec_doc(op.doc.trim())),
        format!(
            "Made by [`Client::{method}`](super::super::client::Client::{method}). Set parameters \
             with the methods below, then [`send`]({fluent}::send)."
        ),
    ]);
    let setters = op.params.iter().map(|f| {
        let Setter {
            name,
            set_name,
            get_name,
            arg,
            stored,
            doc,
            set_doc,
            get_doc,
            is_map,
            deprecated,
            ..
        } = setter(f);
        let (key, key_arg) = if is_map {
            (quote!(key: impl Into<String>,), quote!(key,))
        } else {
            (quote!(), quote!())
        };
        quote! {
            #doc
            #deprecated
            pub fn #name(mut self, #key input: #arg) -> Self {
                self.inner = self.inner.#name(#key_arg input);
                self
            }
            #set_doc
            #deprecated
            pub fn #set_name(mut self, input: #stored) -> Self {
                self.inner = self.inner.#set_name(input);
                self
            }
            #get_doc
            #deprecated
            pub fn #get_name(&self) -> &#stored {
                self.inner.#get_name()
            }
        }
    });
    let region_fills = op.params.iter().filter(|f| f.client_region).map(|f| {
        let name = ident(&f.rust_name);
        quote! {
            if inner.#name.is_none() {
                inner.#name = self.client.region().map(str::to_owned);
            }
        }
    });
    let region_fills: Vec<_> = region_fills.collect();
    let mutability = (!region_fills.is_empty()).then(|| quote!(mut));
    let retry_note = if op.idempotent {
        "The action is idempotent: timeouts and transient failures are retried per the client's retry policy."
    } else {
        "The action is not idempotent: once the request may have reached the service it is not \
         re-sent, and such an error says the call may have taken effect."
    };
    let send_doc = doc_paragraphs(&[
        "Validates the input, then signs and sends the request, retrying per the client's retry \
         policy, and decodes the response.",
        retry_note,
    ]);
    let deprecated = super::deprecation::attr(op.deprecated);
    quote! {
        #doc
        #deprecated
        #[derive(Debug, Clone)]
        pub struct #fluent {
            client: aliyun_core::ServiceClient,
            inner: #builder,
        }

        impl #fluent {
            pub(crate) fn new(client: aliyun_core::ServiceClient) -> Self {
                Self { client, inner: #builder::default() }
            }

            /// The input built so far.
            pub fn as_input(&self) -> &#builder {
                &self.inner
            }

            /// The client and the built input (parameters the client supplies filled in).
            fn into_parts(self) -> (aliyun_core::ServiceClient, Result<#input, aliyun_core::InvalidInput>) {
                let #mutability inner = self.inner;
                #(#region_fills)*
                (self.client, inner.build())
            }

            #send_doc
            pub async fn send(self) -> Result<#output, #error> {
                let (client, input) = self.into_parts();
                let input = input.map_err(aliyun_core::Error::from)?;
                client.call(&input).await.map_err(#error::from)
            }

            #(#setters)*
        }
    }
}

fn output_struct(op: &Operation, names: &OperationNames) -> TokenStream {
    let output = &names.output;
    let doc = doc_attrs(&format!("The decoded response of `{}`.", op.name));
    let derives = output_derives();
    let fields = op.output.iter().map(|f| output_field(f, false));
    quote! {
        #doc
        #derives
        #[non_exhaustive]
        pub struct #output {
            #(#fields)*
        }
    }
}

fn operation_impl(op: &Operation, names: &OperationNames) -> TokenStream {
    let OperationNames { input, output, .. } = names;
    let action = &op.name;
    let method = match op.method {
        Method::Get => quote!(aliyun_core::HttpMethod::Get),
        Method::Post => quote!(aliyun_core::HttpMethod::Post),
    };
    let location = match op.param_location {
        ParamLocation::Query => quote!(aliyun_core::ParamLocation::Query),
        ParamLocation::FormBody => quote!(aliyun_core::ParamLocation::FormBody),
    };
    let idempotent = op.idempotent;
    let errors = op.errors.iter().map(|e| {
        let (code, status, retryable) = (&e.code, e.status, e.retryable);
        let status = proc_macro2::Literal::u16_unsuffixed(status);
        quote! {
            aliyun_core::ErrorCodeInfo { code: #code, http_status: Some(#status), retryable: #retryable },
        }
    });
    let checks: Vec<TokenStream> = op
        .params
        .iter()
        .map(|f| {
            let name = ident(&f.rust_name);
            validate_field(
                f,
                &quote!(self.#name),
                &WireName::literal(&f.wire_name),
                input_is_option(f),
            )
        })
        .filter(|t| !t.is_empty())
        .collect();
    let writes = op.params.iter().map(|f| {
        let name = ident(&f.rust_name);
        write_field(
            f,
            &quote!(self.#name),
            &WireName::literal(&f.wire_name),
            input_is_option(f),
        )
    });
    let call_facts = super::call_facts::operation_consts(op);
    let params_arg = if op.params.is_empty() {
        quote!(_params)
    } else {
        quote!(params)
    };
    quote! {
        impl aliyun_core::Operation for #input {
            type Output = #output;

            const METADATA: aliyun_core::OperationMetadata = aliyun_core::OperationMetadata {
                action: #action,
                method: #method,
                param_location: #location,
                idempotent: #idempotent,
                errors: &[#(#errors)*],
            };
            #call_facts

            fn validate(&self) -> Result<(), aliyun_core::InvalidInput> {
                #(#checks)*
                Ok(())
            }

            fn write_params(&self, #params_arg: &mut aliyun_core::Params) {
                #(#writes)*
            }
        }
    }
}

fn paginated_impl(op: &Operation, names: &OperationNames) -> TokenStream {
    let Some(p) = &op.pagination else {
        return quote!();
    };
    let OperationNames {
        input,
        output,
        fluent,
        error,
        ..
    } = names;
    let field_ident = |wire: &str, fields: &[Field]| {
        fields
            .iter()
            .find(|f| f.wire_name == wire)
            .map(|f| ident(&f.rust_name))
    };
    let items_field = op.output_field(&p.items);
    let items = field_ident(&p.items, &op.output);
    let item_ty = match items_field.map(|f| &f.ty) {
        Some(Type::List(item)) => value_type(&item.ty),
        _ => quote!(()),
    };
    let (set_cursor, next_cursor) = match p.style {
        PaginationStyle::NextToken => {
            let token_in = p
                .input_token
                .as_deref()
                .and_then(|t| field_ident(t, &op.params));
            let token_out = p
                .output_token
                .as_deref()
                .and_then(|t| field_ident(t, &op.output));
            (
                quote! {
                    if let aliyun_core::pagination::Cursor::Token(token) = cursor {
                        self.#token_in = Some(token.clone());
                    }
                },
                quote!(aliyun_core::pagination::next_token_cursor(output.#token_out.as_deref())),
            )
        }
        PaginationStyle::PageNumber => {
            let page = p
                .page_number
                .as_deref()
                .and_then(|t| field_ident(t, &op.params));
            let size = match p.page_size.as_deref().and_then(|t| op.param(t)) {
                Some(f) => {
                    let name = ident(&f.rust_name);
                    match f.ty {
                        Type::Long => quote!(self.#name.and_then(|size| i32::try_from(size).ok())),
                        // Typed string by the service: the number as text.
                        Type::String => {
                            quote!(self.#name.as_deref().and_then(|size| size.trim().parse().ok()))
                        }
                        _ => quote!(self.#name),
                    }
                }
                None => quote!(None),
            };
            let total = match p.total_count.as_deref().and_then(|t| op.output_field(t)) {
                Some(f) => {
                    let name = ident(&f.rust_name);
                    match f.ty {
                        Type::Integer => quote!(output.#name.map(i64::from)),
                        _ => quote!(output.#name),
                    }
                }
                None => quote!(None),
            };
            let page_ty = p
                .page_number
                .as_deref()
                .and_then(|t| op.param(t))
                .map(|f| f.ty.clone());
            let (read_page, write_page) = match page_ty {
                Some(Type::Long) => (
                    quote!(self.#page.and_then(|page| i32::try_from(page).ok())),
                    quote!(self.#page = Some(i64::from(*page));),
                ),
                Some(Type::String) => (
                    quote!(self.#page.as_deref().and_then(|page| page.trim().parse().ok())),
                    quote!(self.#page = Some(page.to_string());),
                ),
                _ => (quote!(self.#page), quote!(self.#page = Some(*page);)),
            };
            (
                quote! {
                    if let aliyun_core::pagination::Cursor::Page(page) = cursor {
                        #write_page
                    }
                },
                quote!(aliyun_core::pagination::next_page_cursor(#read_page, #size, #total, output.#items.len())),
            )
        }
    };
    let paginator_doc = doc_paragraphs(&[
        format!("Pages through `{}` results as a stream.", op.name),
        "Call `.pages()` for whole responses or `.items()` for one list item at a time; each \
         page is a separate, retried call. Parameters that set the page (token or number) are \
         managed by the paginator."
            .to_owned(),
    ]);
    quote! {
        impl aliyun_core::pagination::Paginated for #input {
            type Item = #item_ty;

            fn set_cursor(&mut self, cursor: &aliyun_core::pagination::Cursor) {
                #set_cursor
            }

            fn next_cursor(&self, output: &#output) -> Option<aliyun_core::pagination::Cursor> {
                #next_cursor
            }

            fn into_items(output: #output) -> Vec<Self::Item> {
                output.#items
            }
        }

        impl #fluent {
            #paginator_doc
            pub fn into_paginator(self) -> aliyun_core::pagination::Paginator<#input, #error> {
                let (client, input) = self.into_parts();
                aliyun_core::pagination::Paginator::new(client, input)
            }
        }
    }
}
