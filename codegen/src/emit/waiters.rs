//! The waiters of one action, in its `action/<action>.rs` module.
//!
//! A waiter reuses the action's one builder: `client.wait_until_<name>()` returns
//! `<Action>Builder<<Name>Waiter>`, so every parameter setter is the action's own (written
//! once, generic over the builder's client), and only `poll_policy()` and `wait()` are added, on
//! that client type. Each acceptor's path becomes a function from the action's output to the
//! values there, as text; the loop itself is `aliyun_core::__private::waiter`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{AcceptorState, Action, Field, Matcher, NamedType, Product, Type, Waiter};

use super::docs::{doc_paragraphs, spec_doc, summary};
use super::rust::ActionNames;
use super::rust::{ident, is_collection};

/// The marker (client) type of a waiter's builder: `InstanceRunningWaiter`.
pub fn marker(waiter: &Waiter) -> proc_macro2::Ident {
    format_ident!("{}Waiter", waiter.name)
}

/// The client method and builder constructor: `wait_until_instance_running`.
pub fn method(waiter: &Waiter) -> proc_macro2::Ident {
    format_ident!("wait_until_{}", waiter.snake)
}

/// Every waiter of `op`.
pub fn waiters(product: &Product, op: &Action, names: &ActionNames) -> TokenStream {
    let items = op.waiters.iter().map(|w| waiter(product, op, names, w));
    quote!(#(#items)*)
}

fn waiter(product: &Product, op: &Action, names: &ActionNames, w: &Waiter) -> TokenStream {
    let ActionNames {
        input,
        builder,
        output,
        error,
        ..
    } = names;
    let marker = marker(w);
    let ctor = method(w);
    let table = format_ident!("{}", w.snake.to_uppercase());
    let name = &w.name;
    let acceptors = w.acceptors.iter().map(|a| acceptor(product, op, output, a));
    let [min, max, deadline] = [w.min_delay, w.max_delay, w.deadline].map(|d| {
        let millis =
            proc_macro2::Literal::u64_unsuffixed(u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        quote!(std::time::Duration::from_millis(#millis))
    });
    let inputs = match &w.batch {
        Some(batch) => {
            let field = ident(&batch.rust_name);
            let limit = proc_macro2::Literal::u64_unsuffixed(batch.limits.max_items.unwrap_or(1));
            quote! {
                let client = bound.client.clone();
                let inputs = aliyun_core::__private::waiter::batches(bound.params.#field.clone(), #limit)
                    .into_iter()
                    .map(|ids| {
                        let mut batch = bound.clone();
                        batch.params.#field = ids;
                        batch.into_parts().1
                    })
                    .collect();
            }
        }
        None => quote! {
            let (client, input) = bound.into_parts();
            let inputs = input.map(|input| Vec::from([input]));
        },
    };
    let engine = if op.pagination.is_some() {
        quote!(wait_paged)
    } else {
        quote!(wait_single)
    };
    let marker_doc = doc_paragraphs(&[
        format!("Waits for `{name}`: {}", spec_doc(&summary(&w.doc))),
        format!(
            "The client type of the [`{builder}`] that [`Client::{ctor}`](super::super::client::Client::{ctor}) \
             returns: set the action's parameters on it, then call `wait()`."
        ),
    ]);
    let ctor_doc = format!(" A builder waiting for `{name}` through `client`.");
    let table_doc = format!(" The acceptors of `{name}`, tried in order at each look.");
    let wait_doc = doc_paragraphs(&[spec_doc(&w.doc), how_it_waits(op, w)]);
    quote! {
        #marker_doc
        #[derive(Debug, Clone)]
        pub struct #marker {
            client: aliyun_core::ProductClient,
            policy: aliyun_core::workflow::PollPolicy,
        }

        #[doc = #table_doc]
        const #table: aliyun_core::__private::waiter::Waiter<#output> = aliyun_core::__private::waiter::Waiter {
            name: #name,
            acceptors: &[#(#acceptors),*],
        };

        impl #builder<#marker> {
            #[doc = #ctor_doc]
            pub(crate) fn #ctor(client: aliyun_core::ProductClient) -> Self {
                let policy = aliyun_core::workflow::PollPolicy {
                    initial_delay: #min,
                    max_delay: #max,
                    multiplier: 1.5,
                    deadline: #deadline,
                };
                Self {
                    client: #marker { client, policy },
                    params: Default::default(),
                }
            }

            /// Replaces how often the waiter looks and how long it waits in all.
            pub fn poll_policy(mut self, policy: aliyun_core::workflow::PollPolicy) -> Self {
                self.client.policy = policy;
                self
            }

            /// How often the waiter looks and how long it waits in all.
            pub fn get_poll_policy(&self) -> &aliyun_core::workflow::PollPolicy {
                &self.client.policy
            }

            #wait_doc
            pub async fn wait(self) -> Result<Vec<#output>, aliyun_core::WaitError<#error>> {
                let #marker { client, policy } = self.client;
                let bound = #builder { client, params: self.params };
                #inputs
                aliyun_core::__private::waiter::#engine::<#input, #error>(&#table, policy, client, inputs).await
            }
        }
    }
}

/// The rustdoc paragraph saying what `wait()` does, from the spec's facts.
fn how_it_waits(op: &Action, w: &Waiter) -> String {
    let mut calls = format!("Calls `{}`", op.name);
    if op.pagination.is_some() {
        calls.push_str(" (every page)");
    }
    if let Some(batch) = &w.batch {
        let limit = batch.limits.max_items.unwrap_or(1);
        calls.push_str(&format!(
            ", once per {limit} `{}` when given more",
            batch.wire_name
        ));
    }
    let rules: Vec<String> = w
        .acceptors
        .iter()
        .map(|a| {
            let state = match a.state {
                AcceptorState::Success => "succeeds",
                AcceptorState::Failure => "fails",
                AcceptorState::Retry => "looks again",
            };
            let when = match &a.matcher {
                Matcher::All { path, values } => {
                    format!("every `{}` is {}", path.join("."), one_of(values))
                }
                Matcher::Any { path, values } => {
                    format!("any `{}` is {}", path.join("."), one_of(values))
                }
                Matcher::Error(code) => format!("the call fails with `{code}`"),
            };
            format!("- {state} when {when};")
        })
        .collect();
    format!(
        "{calls}, then, trying these in order:\n\n{}\n- otherwise looks again.\n\n\
         Looks at once, then after {}, backing off to one look every {}, for at most {} \
         (change with [`poll_policy`](Self::poll_policy)). Returns the responses of the last \
         look, one per batch and page. A transient error (throttling, a server error, a \
         timeout) is looked at again; a permanent one stops the wait with the action's error \
         ([`aliyun_core::WaitError::Request`]).",
        rules.join("\n"),
        human(w.min_delay),
        human(w.max_delay),
        human(w.deadline),
    )
}

fn one_of(values: &[String]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    match quoted.as_slice() {
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
        [] => String::new(),
    }
}

fn human(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    if ms % 3_600_000 == 0 {
        format!("{} h", ms / 3_600_000)
    } else if ms % 60_000 == 0 {
        format!("{} min", ms / 60_000)
    } else if ms % 1_000 == 0 {
        format!("{} s", ms / 1_000)
    } else {
        format!("{ms} ms")
    }
}

fn acceptor(
    product: &Product,
    op: &Action,
    output: &proc_macro2::Ident,
    a: &crate::model::Acceptor,
) -> TokenStream {
    let state = match a.state {
        AcceptorState::Success => quote!(Success),
        AcceptorState::Failure => quote!(Failure),
        AcceptorState::Retry => quote!(Retry),
    };
    let (rule, select) = match &a.matcher {
        Matcher::All { path, values } | Matcher::Any { path, values } => {
            let kind = if matches!(a.matcher, Matcher::All { .. }) {
                quote!(All)
            } else {
                quote!(Any)
            };
            let joined = path.join(".");
            let select = select(product, &op.output, path);
            (
                quote!(aliyun_core::__private::waiter::Rule::#kind { path: #joined, values: &[#(#values),*] }),
                quote!(Some(|output: &#output| #select)),
            )
        }
        Matcher::Error(code) => (
            quote!(aliyun_core::__private::waiter::Rule::Error { code: #code }),
            quote!(None),
        ),
    };
    quote! {
        aliyun_core::__private::waiter::Acceptor {
            state: aliyun_core::workflow::WaiterState::#state,
            rule: #rule,
            select: #select,
        }
    }
}

/// The expression collecting the values at `path` (wire names) of `output`, as text: an
/// iterator walked through structures, flattened through lists, skipping absent values.
fn select(product: &Product, top: &[Field], path: &[String]) -> TokenStream {
    let mut expr = quote!(std::iter::once(output));
    let mut fields = top;
    // Fields of request-side structures are all optional (see `types::output_field`).
    let mut all_optional = false;
    for segment in path {
        let Some(field) = fields.iter().find(|f| &f.wire_name == segment) else {
            // Validation resolved every path; an unknown one selects nothing.
            return quote!(Vec::new());
        };
        let name = ident(&field.rust_name);
        let required = field.required && !all_optional;
        let ty = match &field.ty {
            Type::List(item) => {
                expr = quote!(#expr.flat_map(|value| value.#name.iter()));
                &item.ty
            }
            ty if required || is_collection(ty) => {
                expr = quote!(#expr.map(|value| &value.#name));
                ty
            }
            ty => {
                expr = quote!(#expr.filter_map(|value| value.#name.as_ref()));
                ty
            }
        };
        if let Type::Struct(type_name) = ty
            && let Some(NamedType::Struct(s)) = product.named_type(type_name)
        {
            fields = &s.fields;
            all_optional = s.in_input;
        }
    }
    quote!(#expr.map(|value| value.to_string()).collect())
}
