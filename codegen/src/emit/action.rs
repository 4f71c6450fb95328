//! One `action/<action>.rs` module: input, builder, output, the `Action` impl (metadata,
//! validation, wire writing), the paginator, the error enum, and the tests.
//!
//! Each field's doc is written once, on the input field; the builder's setters link to it.
//! One builder type serves both uses: unbound (`XInput::builder()`, for `build()`) and bound
//! to a client (`Client::x()`, which adds `send()` and `into_paginator()`), so setters exist
//! once. What is the same for every action
//! is documented once, in the `action` module (see `super::actions_index`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{Action, Field, HttpMethod, PaginationStyle, ParamLocation, Product, Type};

use super::docs::{
    action_facts, action_link, doc_attrs, doc_paragraphs, inner_doc_paragraphs, spec_doc, summary,
};
use super::errors::error_enum;
use super::member_docs::{Role, member_doc};
use super::rust::{ActionNames, ident, ident_concat, is_collection, named_types, value_type};
use super::secrets;
use super::types::{decode_impl, output_derives, output_field};
use super::wire::{Checks, WireName, validate_field, write_field};

/// Whether an input field is declared `Option` (lists and maps are collections, required
/// values plain).
fn input_is_option(field: &Field) -> bool {
    !field.required && !is_collection(&field.ty)
}

/// The module body for `op`.
pub fn action_module(product: &Product, op: &Action) -> TokenStream {
    let names = ActionNames::new(op);
    let module_doc = inner_doc_paragraphs(&[
        format!("`{}`: {}", op.name, spec_doc(&summary(&op.doc))),
        action_facts(op),
    ]);
    let mut used = Vec::new();
    for field in op.params.iter().chain(&op.output) {
        named_types(&field.ty, &mut used);
    }
    // The items of a list nested in a structure are the paginator's `Item`.
    if let Some(nested) = op
        .pagination
        .as_ref()
        .and_then(|p| super::nested::resolve(product, &op.output, &p.items))
    {
        named_types(&nested.leaf.ty, &mut used);
    }
    used.sort();
    let uses = (!used.is_empty()).then(|| {
        let used = used.iter().map(|n| ident(n));
        quote!(use super::super::types::{#(#used),*};)
    });
    let input = input_struct(op, &names);
    let builder = builder(op, &names);
    let output = output_struct(op, &names);
    let action_impl = action_impl(op, &names, Checks::new(product));
    let error = error_enum(op, &names);
    let paginator = op
        .pagination
        .as_ref()
        .map(|_| paginated_impl(product, op, &names));
    let waiters = super::waiters::waiters(product, op, &names);
    let tests = super::tests::tests_module(product, op, &names);
    let allow_deprecated = super::deprecation::module_allow(product, op);
    quote! {
        #module_doc
        #allow_deprecated
        #uses
        #input
        #builder
        #output
        #action_impl
        #error
        #paginator
        #waiters
        #tests
    }
}

fn input_struct(op: &Action, names: &ActionNames) -> TokenStream {
    let ActionNames { input, builder, .. } = names;
    let doc = doc_attrs(&format!(
        "The validated input of {}: made by [`{builder}::build`], or by the client's builder \
         when it sends.",
        action_link(op)
    ));
    let fields = op.params.iter().map(|f| {
        let doc = doc_attrs(&member_doc(f, Role::Param));
        let name = ident(&f.rust_name);
        let ty = super::rust::field_type(f, !input_is_option(f));
        let deprecated = super::deprecation::attr(f.deprecated, f.dropped_by.as_deref());
        quote! { #doc #deprecated pub #name: #ty, }
    });
    // List bounds as constants, so hand-written code (batching) follows the spec.
    let limits = op.params.iter().filter_map(|f| {
        let max = f.limits.max_items?;
        let name = format_ident!("{}_MAX_ITEMS", f.rust_name.to_uppercase());
        let doc = doc_attrs(&format!(
            "Most items [`{input}::{}`] may hold (the spec's `max_items`).",
            f.rust_name.trim_start_matches("r#")
        ));
        let max = proc_macro2::Literal::usize_unsuffixed(max as usize);
        Some(quote! { #doc pub const #name: usize = #max; })
    });
    let builder_doc = doc_attrs(&format!(
        "An unbound builder of this input: set parameters, then [`build`]({builder}::build)."
    ));
    let debug = secrets::debug_derive(&op.params);
    let debug_impl = secrets::debug_impl(input, &op.params, None);
    quote! {
        #doc
        #[derive(#debug Clone, PartialEq)]
        #[non_exhaustive]
        pub struct #input {
            #(#fields)*
        }
        #debug_impl

        impl #input {
            #builder_doc
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

/// The three accessors of one parameter on the builder: `x` (sets, or appends to a list),
/// `set_x` (replaces or clears), `get_x`. Their docs link to the input field, which holds the
/// prose.
/// The setter of one field, and its `set_*`/`get_*` pair: written out for a raw identifier
/// (rustdoc cannot link it by name), else an entry of `builder_accessors!` (second value).
fn accessors(field: &Field, input: &proc_macro2::Ident) -> (TokenStream, Option<TokenStream>) {
    let rust = &field.rust_name;
    let name = ident(rust);
    let bare = rust.trim_start_matches("r#");
    let set_name = ident_concat("set_", bare);
    let get_name = ident_concat("get_", bare);
    let is_list = matches!(field.ty, Type::List(_));
    let is_map = matches!(field.ty, Type::Map(_));
    let (arg, value) = match &field.ty {
        Type::List(item) | Type::Map(item) => setter_arg(&item.ty),
        other => setter_arg(other),
    };
    let stored_value = value_type(&field.ty);
    let stored = quote!(Option<#stored_value>);
    // rustdoc does not resolve raw identifiers (`r#type`) in intra-doc links: link the page.
    let link = if name.to_string().starts_with("r#") {
        format!("[`{input}::{bare}`](struct.{input}.html#structfield.{bare})")
    } else {
        format!("[`{input}::{bare}`]")
    };
    let (doc, set_doc, add) = if is_map {
        (
            format!("Adds one entry to {link}."),
            format!("Replaces the whole {link} map (`None` clears it)."),
            quote! {
                self.params.#name
                    .get_or_insert_with(std::collections::BTreeMap::new)
                    .insert(key.into(), #value);
            },
        )
    } else if is_list {
        (
            format!("Appends one item to {link}."),
            format!("Replaces the whole {link} list (`None` clears it)."),
            quote!(self.params.#name.get_or_insert_with(Vec::new).push(#value);),
        )
    } else {
        (
            format!("Sets {link}."),
            format!("Sets or clears {link}."),
            quote!(self.params.#name = Some(#value);),
        )
    };
    let get_doc = format!("The {link} set so far.");
    let (doc, set_doc, get_doc) = (doc_attrs(&doc), doc_attrs(&set_doc), doc_attrs(&get_doc));
    let key = is_map.then(|| quote!(key: impl Into<String>,));
    let deprecated = super::deprecation::attr(field.deprecated, field.dropped_by.as_deref());
    let setter = quote! {
        #doc
        #deprecated
        pub fn #name(mut self, #key input: #arg) -> Self {
            #add
            self
        }
    };
    if !name.to_string().starts_with("r#") {
        let kind = if is_map {
            Some(quote!(, map))
        } else if is_list {
            Some(quote!(, list))
        } else {
            None
        };
        let entry = quote!(#deprecated #name: #stored => #set_name, #get_name #kind;);
        return (setter, Some(entry));
    }
    let pair = quote! {
        #set_doc
        #deprecated
        pub fn #set_name(mut self, input: #stored) -> Self {
            self.params.#name = input;
            self
        }
        #get_doc
        #deprecated
        pub fn #get_name(&self) -> &#stored {
            &self.params.#name
        }
    };
    (quote!(#setter #pair), None)
}

/// The one builder of an action, generic over its client: `()` when made by
/// `XInput::builder()`, `aliyun_core::ProductClient` when made by `Client::x()`.
fn builder(op: &Action, names: &ActionNames) -> TokenStream {
    let ActionNames {
        input,
        builder,
        output,
        error,
        method,
    } = names;
    let doc = doc_paragraphs(&[
        format!(
            "Sets the parameters of {}: {}",
            action_link(op),
            spec_doc(&summary(&op.doc))
        ),
        format!(
            "[`Client::{method}`](super::super::client::Client::{method}) makes one bound to a \
             client, to [`send`]({builder}::send); [`{input}::builder`] makes an unbound one, to \
             [`build`]({builder}::build) the input. See [the `action` module](super) for what \
             every builder offers."
        ),
    ]);
    let fields: Vec<_> = op.params.iter().map(|f| ident(&f.rust_name)).collect();
    let params_debug = secrets::debug_derive(&op.params);
    let params_debug_impl = secrets::debug_impl(&format_ident!("Params"), &op.params, None);
    let stored = op.params.iter().map(|f| value_type(&f.ty));
    let (accessors, pairs): (Vec<_>, Vec<_>) =
        op.params.iter().map(|f| accessors(f, input)).unzip();
    let pairs: Vec<_> = pairs.into_iter().flatten().collect();
    let pairs = (!pairs.is_empty()).then(|| {
        quote!(aliyun_core::__private::builder_accessors! { #builder, #input; #(#pairs)* })
    });
    let inits = op.params.iter().map(|f| {
        let name = ident(&f.rust_name);
        let wire = &f.wire_name;
        if is_collection(&f.ty) {
            quote!(#name: self.params.#name.unwrap_or_default(),)
        } else if f.required {
            quote!(#name: aliyun_core::__private::validate::required(#wire, self.params.#name)?,)
        } else {
            quote!(#name: self.params.#name,)
        }
    });
    let region_fills = op.params.iter().filter(|f| f.client_region).map(|f| {
        let name = ident(&f.rust_name);
        quote! {
            if self.params.#name.is_none() {
                self.params.#name = self.client.region().map(str::to_owned);
            }
        }
    });
    let region_fills: Vec<_> = region_fills.collect();
    let mutability = (!region_fills.is_empty()).then(|| quote!(mut));
    let idempotency = if op.idempotent {
        "Idempotent: retried on timeouts and transient failures"
    } else {
        "Not idempotent: not re-sent once it may have reached the service"
    };
    let send_doc = doc_attrs(&format!(
        "Checks the input, then signs and sends the call and decodes its [`{output}`]. \
         {idempotency} (see [the `action` module](super))."
    ));
    let paginator_doc = doc_attrs(&format!(
        "Pages through the [`{output}`]s as a stream (see [the `action` module](super))."
    ));
    let build_doc = doc_attrs(&format!(
        "Checks every rule of the spec and builds the [`{input}`]. Nothing is sent."
    ));
    let paginator = op.pagination.as_ref().map(|_| {
        quote! {
            #paginator_doc
            pub fn into_paginator(self) -> aliyun_core::pagination::Paginator<#input, #error> {
                let (client, input) = self.into_parts();
                aliyun_core::pagination::Paginator::new(client, input)
            }
        }
    });
    let deprecated = super::deprecation::attr(op.deprecated, op.dropped_by.as_deref());
    quote! {
        #doc
        #deprecated
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct #builder<C = ()> {
            client: C,
            params: Params,
        }

        // The parameters set so far, each `None` until set (one `Default` for `new`).
        #[derive(#params_debug Clone, Default, PartialEq)]
        struct Params {
            #(#fields: Option<#stored>,)*
        }
        #params_debug_impl

        impl<C> #builder<C> {
            #(#accessors)*

            #build_doc
            pub fn build(self) -> Result<#input, aliyun_core::InvalidInput> {
                let input = #input {
                    #(#inits)*
                };
                aliyun_core::Action::validate(&input)?;
                Ok(input)
            }
        }

        #pairs

        impl #builder<aliyun_core::ProductClient> {
            pub(crate) fn new(client: aliyun_core::ProductClient) -> Self {
                Self { client, params: Params::default() }
            }

            #send_doc
            pub async fn send(self) -> Result<#output, #error> {
                let (client, input) = self.into_parts();
                let input = input.map_err(aliyun_core::Error::from)?;
                client.call(&input).await.map_err(#error::from)
            }

            #paginator

            // The client and the built input (parameters the client supplies filled in).
            fn into_parts(#mutability self) -> (aliyun_core::ProductClient, Result<#input, aliyun_core::InvalidInput>) {
                #(#region_fills)*
                (self.client.clone(), self.build())
            }
        }
    }
}

fn output_struct(op: &Action, names: &ActionNames) -> TokenStream {
    let output = &names.output;
    if op.untyped_output {
        return untyped_output_struct(op, output, &output_derives(&[]));
    }
    let derives = output_derives(&op.output);
    let debug_impl = secrets::debug_impl(output, &op.output, None);
    let doc = doc_attrs(&format!("The decoded response of {}.", action_link(op)));
    let fields = op
        .output
        .iter()
        .map(|f| output_field(f, false, Role::Output));
    let decode = decode_impl(output, &op.output, false, None);
    quote! {
        #doc
        #derives
        #[non_exhaustive]
        pub struct #output {
            #(#fields)*
        }
        #debug_impl
        #decode
    }
}

/// The output of an action no metadata file describes yet: the body as JSON, and its request id.
fn untyped_output_struct(
    op: &Action,
    output: &proc_macro2::Ident,
    derives: &TokenStream,
) -> TokenStream {
    let doc = doc_attrs(&format!(
        "The response of {}. No metadata file describes its fields yet, so the body is kept \
         as JSON; a newer spec replaces it with typed fields.",
        action_link(op)
    ));
    quote! {
        #doc
        #derives
        #[non_exhaustive]
        pub struct #output {
            /// The id the service gave the request (`RequestId`), for support tickets.
            pub request_id: Option<String>,
            /// The whole response body, `RequestId` included.
            pub body: aliyun_core::JsonValue,
        }
        aliyun_core::__private::untyped_output!(#output);
    }
}

fn action_impl(op: &Action, names: &ActionNames, rules: Checks<'_>) -> TokenStream {
    let ActionNames { input, output, .. } = names;
    let action = &op.name;
    let method = match op.method {
        HttpMethod::Get => quote!(aliyun_core::HttpMethod::Get),
        HttpMethod::Post => quote!(aliyun_core::HttpMethod::Post),
    };
    let location = match op.param_location {
        ParamLocation::Query => quote!(aliyun_core::ParamLocation::Query),
        ParamLocation::FormBody => quote!(aliyun_core::ParamLocation::FormBody),
    };
    let idempotent = op.idempotent;
    // Only the codes the spec marks transient are read at run time (by the retry policy).
    let retryable_codes = op.errors.iter().filter(|e| e.retryable).map(|e| &e.code);
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
                rules,
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
    let call_facts = super::call_facts::action_consts(op);
    let params_arg = if op.params.is_empty() {
        quote!(_params)
    } else {
        quote!(params)
    };
    quote! {
        impl aliyun_core::Action for #input {
            type Output = #output;

            const METADATA: aliyun_core::ActionMetadata = aliyun_core::ActionMetadata {
                action: #action,
                method: #method,
                param_location: #location,
                idempotent: #idempotent,
                retryable_codes: &[#(#retryable_codes),*],
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

fn paginated_impl(product: &Product, op: &Action, names: &ActionNames) -> TokenStream {
    let Some(p) = &op.pagination else {
        return quote!();
    };
    let ActionNames { input, output, .. } = names;
    let field_ident = |wire: &str, fields: &[Field]| {
        fields
            .iter()
            .find(|f| f.wire_name == wire)
            .map(|f| ident(&f.rust_name))
    };
    // Paths with a dot reach into a structure of the output (`Invocation.InvocationResults`).
    let nested = |path: &str| {
        path.contains('.')
            .then(|| super::nested::resolve(product, &op.output, path))
            .flatten()
    };
    let items_nested = nested(&p.items);
    let items_field = match &items_nested {
        Some(n) => Some(n.leaf),
        None => op.output_field(&p.items),
    };
    let items = field_ident(&p.items, &op.output);
    let (items_len, into_items) = match &items_nested {
        Some(n) => (n.len(), n.moved_list()),
        None => (quote!(output.#items.len()), quote!(output.#items)),
    };
    let item_ty = match items_field.map(|f| &f.ty) {
        Some(Type::List(item)) => value_type(&item.ty),
        _ => quote!(()),
    };
    let (set_cursor, next_cursor) = match p.style {
        PaginationStyle::NextToken | PaginationStyle::Marker => {
            let token_in = p
                .input_token
                .as_deref()
                .and_then(|t| field_ident(t, &op.params));
            let token_out = match p.output_token.as_deref() {
                Some(t) if t.contains('.') => nested(t).map(|n| n.as_str()),
                t => {
                    let name = t.and_then(|t| field_ident(t, &op.output));
                    Some(quote!(output.#name.as_deref()))
                }
            };
            let next = match p.truncated.as_deref() {
                Some(t) if p.style == PaginationStyle::Marker => {
                    let truncated = match nested(t) {
                        Some(n) => n.copied(),
                        None => match op.output_field(t) {
                            Some(f) if f.required => {
                                let name = ident(&f.rust_name);
                                quote!(Some(output.#name))
                            }
                            _ => {
                                let name = field_ident(t, &op.output);
                                quote!(output.#name)
                            }
                        },
                    };
                    quote!(aliyun_core::pagination::next_marker_cursor(#truncated, #token_out))
                }
                _ => quote!(aliyun_core::pagination::next_token_cursor(#token_out)),
            };
            (
                quote! {
                    if let aliyun_core::pagination::Cursor::Token(token) = cursor {
                        self.#token_in = Some(token.clone());
                    }
                },
                next,
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
            let total_nested = p.total_count.as_deref().and_then(nested);
            let total = match p.total_count.as_deref().and_then(|t| op.output_field(t)) {
                _ if total_nested.is_some() => {
                    let n = total_nested.as_ref().map(|n| (n.copied(), &n.leaf.ty));
                    match n {
                        Some((value, Type::Integer)) => quote!(#value.map(i64::from)),
                        Some((value, _)) => value,
                        None => quote!(None),
                    }
                }
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
                quote!(aliyun_core::pagination::next_page_cursor(#read_page, #size, #total, #items_len)),
            )
        }
    };
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
                #into_items
            }
        }
    }
}
