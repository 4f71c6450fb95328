//! Tests generated from a spec's test cases.
//!
//! Each case drives the real call path (builder → validation → wire parameters → signing →
//! transport) through `aliyun_core::testing::CaptureTransport`, which records requests and
//! answers canned responses without a socket. Request cases assert on the method and the exact
//! action parameters sent (or that nothing was sent); response cases assert on the typed output
//! or the typed error. One more test per operation fuzzes its response decoding with
//! `aliyun_core::testing::fuzz_response_decoding`, seeded with the spec's canned bodies and its
//! response example.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use crate::model::{Field, Method, NamedType, Operation, ResponseCase, Service, Type};

use super::docs::{doc_attrs, spec_doc};
use super::operation::OperationNames;
use super::rust::{ident, ident_concat, is_collection, number_literal};

/// The `#[cfg(test)] mod tests` of one operation.
pub fn tests_module(service: &Service, op: &Operation, names: &OperationNames) -> TokenStream {
    let values = Values {
        service,
        used_types: RefCell::default(),
    };
    let requests = op.request_cases.iter().map(|case| {
        let test = format_ident!("request_{}", case.name);
        let doc = case.doc.as_deref().map(|d| doc_attrs(&spec_doc(d)));
        let call = values.call(op, names, &case.params);
        let body = match (&case.expect.invalid, &case.expect.wire) {
            (Some(parameter), _) => quote! {
                let error = #call.expect_err("the input breaks a rule of the spec");
                aliyun_core::testing::assert_invalid_input(error.into_core(), #parameter);
                assert!(transport.requests().is_empty(), "nothing may be sent");
            },
            (None, wire) => {
                let method = match case.expect.method.unwrap_or(op.method) {
                    Method::Get => "GET",
                    Method::Post => "POST",
                };
                let pairs = wire.iter().flatten().map(|(name, value)| {
                    let value = wire_text(value);
                    quote!((#name, #value))
                });
                quote! {
                    let result = #call;
                    let request = transport
                        .last_request()
                        .unwrap_or_else(|| panic!("nothing was sent: {result:?}"));
                    request.assert_sent(#method, &[#(#pairs),*]);
                }
            }
        };
        let transport = quote!(let transport = aliyun_core::testing::CaptureTransport::new(););
        test_fn(&test, doc, transport, body)
    });
    let empty_params = BTreeMap::new();
    let default_params = op
        .request_cases
        .iter()
        .find(|c| c.expect.invalid.is_none())
        .map(|c| &c.params);
    let responses = op.response_cases.iter().map(|case| {
        let test = format_ident!("response_{}", case.name);
        let doc = case.doc.as_deref().map(|d| doc_attrs(&spec_doc(d)));
        let empty = BTreeMap::new();
        let params = case.params.as_ref().or(default_params).unwrap_or(&empty);
        let call = values.call(op, names, params);
        let status = case.status;
        let body_lit = raw_string(&case.body);
        let transport = quote! {
            let transport = aliyun_core::testing::CaptureTransport::responding(#status, #body_lit);
        };
        test_fn(
            &test,
            doc,
            transport,
            response_assertions(&values, op, names, case, &call),
        )
    });
    let fuzz = default_params
        .or_else(|| {
            // Without a valid request case, an empty input works only if nothing is required.
            let required = op.params.iter().any(|f| f.required && !f.client_region);
            (!required).then_some(&empty_params)
        })
        .map(|params| fuzz_test(&values, op, names, params));
    // Types the parent module does not import (they appear only nested in its fields).
    let requests: Vec<_> = requests.collect();
    let responses: Vec<_> = responses.collect();
    let mut direct = Vec::new();
    for field in op.params.iter().chain(&op.output) {
        super::rust::named_types(&field.ty, &mut direct);
    }
    let nested: Vec<_> = values
        .used_types
        .borrow()
        .iter()
        .filter(|name| !direct.contains(name))
        .map(|name| ident(name))
        .collect();
    let nested_use =
        (!nested.is_empty()).then(|| quote!(use super::super::super::types::{#(#nested),*};));
    // The parent's items: the output and error types, and the types it imports.
    let names_parent_items = op
        .response_cases
        .iter()
        .any(|c| c.expect.output.is_some() || c.expect.error.is_some())
        || values
            .used_types
            .borrow()
            .iter()
            .any(|n| direct.contains(n));
    let parent_use = names_parent_items.then(|| {
        quote!(
            use super::*;
        )
    });
    quote! {
        #[cfg(test)]
        mod tests {
            #parent_use
            use super::super::super::client::Client;
            #nested_use

            #(#requests)*
            #(#responses)*
            #fuzz
        }
    }
}

/// A test that answers the action with hostile bodies derived from the spec's canned responses
/// and response example, through the real response path: every body must end in a typed
/// outcome (see `aliyun_core::testing::fuzz`).
fn fuzz_test(
    values: &Values<'_>,
    op: &Operation,
    names: &OperationNames,
    params: &BTreeMap<String, Value>,
) -> TokenStream {
    let mut seeds: Vec<(u16, String)> = Vec::new();
    if let Some(example) = &op.response_example {
        seeds.push((200, example.to_string()));
    }
    for case in &op.response_cases {
        if !seeds
            .iter()
            .any(|(s, b)| *s == case.status && *b == case.body)
        {
            seeds.push((case.status, case.body.clone()));
        }
    }
    let seeds = seeds.iter().map(|(status, body)| {
        let body = raw_string(body);
        quote!((#status, #body))
    });
    let builder = values.builder_chain(op, names, params);
    let fuzz = if op
        .output
        .iter()
        .any(|f| holds_free_form(values.service, &f.ty))
    {
        quote!(fuzz_response_decoding_free_form)
    } else {
        quote!(fuzz_response_decoding)
    };
    quote! {
        /// Hostile response bodies, derived from the spec's responses, end in typed outcomes:
        /// no panic, no hang, status and snippet kept (`aliyun_core::testing::fuzz`).
        #[tokio::test]
        async fn fuzz_response_decoding() {
            let transport = aliyun_core::testing::CaptureTransport::new();
            let client = Client::new(&aliyun_core::testing::test_config(transport.clone()));
            let (client, input) = #builder.into_parts();
            let input = input.expect("the spec's request parameters are valid");
            let seeds: &[(u16, &str)] = &[#(#seeds),*];
            aliyun_core::testing::#fuzz(&client, &transport, &input, seeds).await;
        }
    }
}

/// Whether a value of `ty` may hold free-form JSON (`any`), directly or inside.
fn holds_free_form(service: &Service, ty: &Type) -> bool {
    fn walk(service: &Service, ty: &Type, seen: &mut Vec<String>) -> bool {
        match ty {
            Type::Any => true,
            Type::List(item) | Type::Map(item) => walk(service, &item.ty, seen),
            Type::Struct(name) if !seen.contains(name) => {
                seen.push(name.clone());
                service
                    .struct_fields(name)
                    .iter()
                    .any(|f| walk(service, &f.ty, seen))
            }
            _ => false,
        }
    }
    walk(service, ty, &mut Vec::new())
}

fn test_fn(
    name: &proc_macro2::Ident,
    doc: Option<TokenStream>,
    transport: TokenStream,
    body: TokenStream,
) -> TokenStream {
    quote! {
        #doc
        #[tokio::test]
        async fn #name() {
            #transport
            let client = Client::new(&aliyun_core::testing::test_config(transport.clone()));
            #body
        }
    }
}

fn response_assertions(
    values: &Values<'_>,
    op: &Operation,
    names: &OperationNames,
    case: &ResponseCase,
    call: &TokenStream,
) -> TokenStream {
    let OperationNames { output, error, .. } = names;
    let status = case.status;
    if let Some(expected) = &case.expect.output {
        let literal = values.struct_literal(&quote!(#output), &op.output, expected, false);
        return quote! {
            let output = #call.expect("the response decodes");
            let expected = #literal;
            assert_eq!(output, expected);
        };
    }
    if let Some(expected) = &case.expect.output_contains {
        let checks = values.field_checks(&op.output, expected);
        return quote! {
            let output = #call.expect("the response decodes");
            #(#checks)*
        };
    }
    if let Some(code) = &case.expect.error {
        let variant = op
            .errors
            .iter()
            .find(|e| &e.code == code)
            .map(|e| ident(&e.variant))
            .unwrap_or_else(|| format_ident!("Other"));
        return quote! {
            let error = #call.expect_err("the service answered with an error");
            assert_eq!(error.code(), Some(#code), "{error:?}");
            assert!(matches!(error, #error::#variant(_)), "{error:?}");
        };
    }
    quote! {
        let error = #call.expect_err("the response is unreadable");
        match error.into_core() {
            aliyun_core::Error::Response(response) => assert_eq!(response.status(), #status),
            other => panic!("expected an unreadable-response error, got {other:?}"),
        }
    }
}

/// A raw string literal holding `text` (readable in generated code, unlike escapes).
fn raw_string(text: &str) -> Literal {
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
        .parse()
        .unwrap_or_else(|_| Literal::string(text))
}

/// The text a wire expectation stands for.
fn wire_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Rust expressions for spec test values. Records the named types it mentions, so the tests
/// module can import exactly those.
struct Values<'a> {
    service: &'a Service,
    used_types: RefCell<BTreeSet<String>>,
}

impl Values<'_> {
    /// `client.action().setter(value)....send().await`.
    fn call(
        &self,
        op: &Operation,
        names: &OperationNames,
        params: &BTreeMap<String, Value>,
    ) -> TokenStream {
        let builder = self.builder_chain(op, names, params);
        quote!(#builder.send().await)
    }

    /// `client.action().setter(value)...`: the fluent builder with `params` set.
    fn builder_chain(
        &self,
        op: &Operation,
        names: &OperationNames,
        params: &BTreeMap<String, Value>,
    ) -> TokenStream {
        let method = &names.method;
        let setters = params.iter().filter_map(|(wire, value)| {
            let field = op.param(wire)?;
            let name = ident(&field.rust_name);
            Some(match (&field.ty, value) {
                (Type::List(item), Value::Array(items)) if !items.is_empty() => {
                    let items = items.iter().map(|v| self.setter_value(&item.ty, v));
                    quote!(#(.#name(#items))*)
                }
                (Type::Map(item), Value::Object(entries)) if !entries.is_empty() => {
                    let keys = entries.keys();
                    let values = entries.values().map(|v| self.setter_value(&item.ty, v));
                    quote!(#(.#name(#keys, #values))*)
                }
                (Type::List(_) | Type::Map(_), _) => {
                    let set = ident_concat("set_", &field.rust_name);
                    quote!(.#set(Some(Vec::new())))
                }
                (ty, value) => {
                    let value = self.setter_value(ty, value);
                    quote!(.#name(#value))
                }
            })
        });
        quote!(client.#method()#(#setters)*)
    }

    /// A setter argument: string setters take `impl Into<String>`, so a literal reads best.
    fn setter_value(&self, ty: &Type, value: &Value) -> TokenStream {
        match (ty, value) {
            (Type::String, Value::String(s)) => quote!(#s),
            _ => self.value(ty, value),
        }
    }

    /// An expression of the plain Rust type of `ty` for `value` (checked by validation).
    fn value(&self, ty: &Type, value: &Value) -> TokenStream {
        match (ty, value) {
            (Type::String, Value::String(s)) => quote!(#s.to_owned()),
            (Type::Integer | Type::Long | Type::Float, Value::Number(n)) => number_literal(ty, n),
            (Type::Boolean, Value::Bool(b)) => quote!(#b),
            (Type::Enum(name), Value::String(s)) => self.enum_value(name, s),
            (Type::List(_), Value::Array(items)) if items.is_empty() => quote!(Vec::new()),
            (Type::List(item), Value::Array(items)) => {
                // `Vec::from([...])` rather than `vec![...]`: prettyplease formats function
                // calls but prints macro bodies as raw tokens.
                let items = items.iter().map(|v| self.value(&item.ty, v));
                quote!(Vec::from([#(#items),*]))
            }
            (Type::Map(_), Value::Object(entries)) if entries.is_empty() => {
                quote!(std::collections::BTreeMap::new())
            }
            (Type::Map(item), Value::Object(entries)) => {
                let keys = entries.keys();
                let values = entries.values().map(|v| self.value(&item.ty, v));
                quote!(std::collections::BTreeMap::from([#((#keys.to_owned(), #values)),*]))
            }
            (Type::Any, value) => {
                let text = value.to_string();
                quote!(#text.parse::<aliyun_core::JsonValue>().expect("the spec holds JSON"))
            }
            (Type::Struct(name), Value::Object(map)) => {
                let fields = self.service.struct_fields(name);
                let in_input = matches!(
                    self.service.named_type(name),
                    Some(NamedType::Struct(s)) if s.in_input
                );
                let map: BTreeMap<String, Value> = map.clone().into_iter().collect();
                self.used_types.borrow_mut().insert(name.clone());
                let ty = ident(name);
                self.struct_literal(&quote!(#ty), fields, &map, in_input)
            }
            // Unreachable for validated specs; keeps the generator total.
            _ => quote!(Default::default()),
        }
    }

    fn enum_value(&self, name: &str, text: &str) -> TokenStream {
        self.used_types.borrow_mut().insert(name.to_owned());
        let ty = ident(name);
        let known = match self.service.named_type(name) {
            Some(NamedType::Enum(e)) => e.values.iter().find(|v| v.value == text),
            _ => None,
        };
        match known {
            Some(v) => {
                let variant = ident(&v.variant);
                quote!(#ty::#variant)
            }
            None => quote!(#ty::Unknown(#text.to_owned())),
        }
    }

    /// `assert_eq!(output.field, value)` for each named field of `map` (the others are not
    /// checked).
    fn field_checks(&self, fields: &[Field], map: &BTreeMap<String, Value>) -> Vec<TokenStream> {
        fields
            .iter()
            .filter_map(|f| {
                let value = map.get(&f.wire_name)?;
                let name = ident(&f.rust_name);
                let expr = self.value(&f.ty, value);
                let expr = if is_collection(&f.ty) || f.required {
                    expr
                } else {
                    quote!(Some(#expr))
                };
                let message = format!("output field `{}`", f.wire_name);
                Some(quote!(assert_eq!(output.#name, #expr, #message);))
            })
            .collect()
    }

    /// `Type { field: value, ..Default::default() }` for the named fields of `map`.
    fn struct_literal(
        &self,
        ty: &TokenStream,
        fields: &[Field],
        map: &BTreeMap<String, Value>,
        all_optional: bool,
    ) -> TokenStream {
        let inits = fields.iter().filter_map(|f| {
            let value = map.get(&f.wire_name)?;
            let name = ident(&f.rust_name);
            let expr = self.value(&f.ty, value);
            let is_option = !is_collection(&f.ty) && (all_optional || !f.required);
            Some(if is_option {
                quote!(#name: Some(#expr))
            } else {
                quote!(#name: #expr)
            })
        });
        let inits: Vec<_> = inits.collect();
        let rest = (inits.len() < fields.len()).then(|| quote!(..Default::default()));
        quote!(#ty { #(#inits,)* #rest })
    }
}
