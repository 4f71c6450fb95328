//! Tests generated from a spec's test cases, as tables.
//!
//! Each action's test module lists its request cases and response cases as data
//! (`aliyun_core::testing::{RequestCase, ResponseCase}`: a name, a non-capturing closure that
//! sets the parameters, and the expectation) and runs them with three generic tests shared by
//! every action (`aliyun_core::testing::{run_requests, run_responses, run_fuzz}`). Every case
//! drives the real call path (the client's builder method → validation → wire parameters →
//! signing → transport) through `aliyun_core::testing::CaptureTransport`. Request cases assert
//! on the method and the exact action parameters sent, or on the invalid parameter and that
//! nothing was sent; response cases on the typed output, or the error's code and variant, or
//! an unreadable response. The fuzz test is seeded with the response cases' bodies (not listed
//! again) and the spec's response example.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use serde_json::Value;

use crate::model::{Action, Field, HttpMethod, NamedType, Product, ResponseCase, Type};

use super::rust::{ActionNames, ident, ident_concat, is_collection, number_literal};

/// The `#[cfg(test)] mod tests` of one action.
pub fn tests_module(product: &Product, op: &Action, names: &ActionNames) -> TokenStream {
    let values = Values {
        product,
        used_types: RefCell::default(),
    };
    let ActionNames {
        input,
        builder,
        error,
        method,
        ..
    } = names;
    let requests: Vec<_> = op
        .request_cases
        .iter()
        .map(|case| {
            let name = &case.name;
            let set = values.setters(op, &case.params);
            let call = match &case.expect.invalid {
                Some(parameter) => quote!(Request::invalid(#name, #set, #parameter)),
                None => {
                    let method = match case.expect.method.unwrap_or(op.method) {
                        HttpMethod::Get => "GET",
                        HttpMethod::Post => "POST",
                    };
                    let pairs = case.expect.wire.iter().flatten().map(|(name, value)| {
                        let value = wire_text(value);
                        quote!((#name, #value))
                    });
                    quote!(Request::sent(#name, #set, #method, &[#(#pairs),*]))
                }
            };
            with_doc(call, case.doc.as_deref())
        })
        .collect();
    let responses: Vec<_> = op
        .response_cases
        .iter()
        .map(|case| {
            let call = response_case(&values, op, names, case);
            let call = match &case.params {
                Some(params) => {
                    let set = values.setters(op, params);
                    quote!(#call.with_params(#set))
                }
                None => call,
            };
            with_doc(call, case.doc.as_deref())
        })
        .collect();
    // The fuzz seeds are the response cases' bodies; the example only when it adds a body.
    let examples = op
        .response_example
        .iter()
        .filter(|example| {
            !op.response_cases.iter().any(|case| {
                case.status == 200
                    && serde_json::from_str::<Value>(&case.body).ok().as_ref() == Some(*example)
            })
        })
        .map(|example| raw_string(&example.to_string()));
    // Types the parent module does not import (they appear only nested in its fields).
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
    // Free-form JSON keeps the service's JSON types: one seed property does not apply. An
    // untyped output is free-form as a whole.
    let run_fuzz = if op.untyped_output || op.output.iter().any(|f| holds_free_form(product, &f.ty))
    {
        quote!(run_fuzz_free_form)
    } else {
        quote!(run_fuzz)
    };
    // No test runs an empty table, and the fuzz test exists only when it has an input to
    // answer (the runners panic otherwise, so a wrong guess here fails loudly).
    let requests_test = (!requests.is_empty()).then(|| {
        quote! {
            #[tokio::test]
            async fn requests() {
                aliyun_core::testing::run_requests(REQUESTS).await;
            }
        }
    });
    let responses_test = (!responses.is_empty()).then(|| {
        quote! {
            #[tokio::test]
            async fn responses() {
                aliyun_core::testing::run_responses(REQUESTS, RESPONSES).await;
            }
        }
    });
    let fuzz_test = has_fuzz_input(op).then(|| {
        quote! {
            /// Hostile response bodies derived from the responses above end in typed outcomes
            /// (`aliyun_core::testing::fuzz`).
            #[tokio::test]
            async fn fuzz_response_decoding() {
                aliyun_core::testing::#run_fuzz(REQUESTS, RESPONSES, &[#(#examples),*]).await;
            }
        }
    });
    if requests_test.is_none() && responses_test.is_none() && fuzz_test.is_none() {
        return quote!();
    }
    let responses_table = (responses_test.is_some() || fuzz_test.is_some()).then(|| {
        quote! {
            type Response = aliyun_core::testing::ResponseCase<Action>;

            const RESPONSES: &[Response] = &[
                #(#responses,)*
            ];
        }
    });
    quote! {
        #[cfg(test)]
        mod tests {
            use super::*;
            #nested_use

            aliyun_core::testing::action_under_test!(
                #builder,
                #input,
                #error,
                super::super::super::client::Client,
                #method,
            );

            const REQUESTS: &[Request] = &[
                #(#requests,)*
            ];

            #responses_table

            #requests_test
            #responses_test
            #fuzz_test
        }
    }
}

/// Whether the fuzz test has an input to send: a sent request case supplies its parameters,
/// else the input with nothing set must pass validation (no required parameter, no list that
/// needs items).
fn has_fuzz_input(op: &Action) -> bool {
    op.request_cases
        .iter()
        .any(|case| case.expect.invalid.is_none())
        || !op
            .params
            .iter()
            .any(|f| f.required || f.limits.min_items.is_some_and(|min| min > 0))
}

/// Whether a value of `ty` may hold free-form JSON (`any`), directly or inside.
fn holds_free_form(product: &Product, ty: &Type) -> bool {
    fn walk(product: &Product, ty: &Type, seen: &mut Vec<String>) -> bool {
        match ty {
            Type::Any => true,
            Type::List(item) | Type::Map(item) => walk(product, &item.ty, seen),
            Type::Struct(name) if !seen.contains(name) => {
                seen.push(name.clone());
                product
                    .struct_fields(name)
                    .iter()
                    .any(|f| walk(product, &f.ty, seen))
            }
            _ => false,
        }
    }
    walk(product, ty, &mut Vec::new())
}

/// `case.with_doc("...")` when the spec documents the case.
fn with_doc(call: TokenStream, doc: Option<&str>) -> TokenStream {
    match doc {
        Some(doc) => {
            let doc = doc.trim();
            quote!(#call.with_doc(#doc))
        }
        None => call,
    }
}

/// `Response::output(..)`, `::error(..)` or `::unreadable(..)` for `case`.
fn response_case(
    values: &Values<'_>,
    op: &Action,
    names: &ActionNames,
    case: &ResponseCase,
) -> TokenStream {
    let ActionNames { output, error, .. } = names;
    let name = &case.name;
    let status = Literal::u16_unsuffixed(case.status);
    let body = raw_string(&case.body);
    if let Some(expected) = &case.expect.output {
        let literal = values.struct_literal(&quote!(#output), &op.output, expected, false);
        return quote!(Response::output(#name, #status, #body, || #literal));
    }
    if let Some(expected) = &case.expect.output_contains {
        let checks = values.field_checks(&op.output, expected);
        return quote! {
            Response::output_where(#name, #status, #body, |output| {
                #(#checks)*
                Ok(())
            })
        };
    }
    if let Some(code) = &case.expect.error {
        let variant = op
            .errors
            .iter()
            .find(|e| &e.code == code)
            .map_or_else(|| ident("Other"), |e| ident(&e.variant));
        return quote! {
            Response::error(#name, #status, #body, #code, |e| matches!(e, #error::#variant(_)))
        };
    }
    quote!(Response::unreadable(#name, #status, #body))
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
    product: &'a Product,
    used_types: RefCell<BTreeSet<String>>,
}

impl Values<'_> {
    /// `|b| b.setter(value)...`: a non-capturing closure setting `params` on a builder.
    fn setters(&self, op: &Action, params: &BTreeMap<String, Value>) -> TokenStream {
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
                (Type::Map(_), _) => {
                    let set = ident_concat("set_", &field.rust_name);
                    quote!(.#set(Some(std::collections::BTreeMap::new())))
                }
                (Type::List(_), _) => {
                    let set = ident_concat("set_", &field.rust_name);
                    quote!(.#set(Some(Vec::new())))
                }
                (ty, value) => {
                    let value = self.setter_value(ty, value);
                    quote!(.#name(#value))
                }
            })
        });
        quote!(|b| b #(#setters)*)
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
                let fields = self.product.struct_fields(name);
                let in_input = matches!(
                    self.product.named_type(name),
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
        let known = match self.product.named_type(name) {
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

    /// `aliyun_core::testing::expect_field(..)?;` for each named field of `map` (the others are
    /// not checked).
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
                let wire = &f.wire_name;
                Some(quote!(aliyun_core::testing::expect_field(#wire, &output.#name, #expr)?;))
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
