//! The product's `Client`: one method per action, each returning the action's builder bound to
//! the client.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Product;

use super::docs::{doc_paragraphs, spec_doc};
use super::rust::ActionNames;

/// The `client.rs` module body.
pub fn client_module(product: &Product) -> TokenStream {
    let module_doc = format!(" The `{}` client.", product.code);
    let doc = doc_paragraphs(&[
        format!(
            "A client for {} (`{}` API version {}).",
            product.name, product.code, product.api_version
        ),
        "Cheap to clone: clones share the configuration, the connection pool and the \
         credentials cache. Build one from a shared [`aliyun_core::Config`] with \
         [`Client::new`], or from the environment with [`Client::from_env`]."
            .to_owned(),
    ]);
    let methods = product.actions.iter().map(|op| {
        let ActionNames {
            method, builder, ..
        } = ActionNames::new(op);
        let module = super::rust::ident(&op.snake);
        let reference = op
            .docs_url
            .as_deref()
            .map(|url| format!("; see the [API reference]({url})"))
            .unwrap_or_default();
        let doc = doc_paragraphs(&[
            spec_doc(&op.doc),
            format!(
                "Returns the [`{builder}`](super::action::{module}::{builder}) of this client: \
                 set parameters, then call `send()`{reference}."
            ),
        ]);
        let deprecated = super::deprecation::attr(op.deprecated, op.dropped_by.as_deref());
        let allow = super::deprecation::allow(op.deprecated);
        let cfg = super::groups::action_cfg(op);
        let waiters = op.waiters.iter().map(|w| {
            let ctor = super::waiters::method(w);
            let marker = super::waiters::marker(w);
            let name = &w.name;
            let action = &op.name;
            let doc = doc_paragraphs(&[
                spec_doc(&w.doc),
                format!(
                    "Returns the [`{builder}`](super::action::{module}::{builder}) of \
                     `{action}` waiting for `{name}`: set parameters, then call `wait()`."
                ),
            ]);
            quote! {
                #doc
                #cfg
                #allow
                pub fn #ctor(&self) -> super::action::#module::#builder<super::action::#module::#marker> {
                    super::action::#module::#builder::#ctor(self.inner.clone())
                }
            }
        });
        quote! {
            #doc
            #cfg
            #deprecated
            #allow
            pub fn #method(&self) -> super::action::#module::#builder<aliyun_core::ProductClient> {
                super::action::#module::#builder::new(self.inner.clone())
            }

            #(#waiters)*
        }
    });
    quote! {
        #![doc = #module_doc]

        #doc
        #[derive(Debug, Clone)]
        pub struct Client {
            inner: aliyun_core::ProductClient,
        }

        impl Client {
            /// A client using `config` (region, credentials, endpoint, timeouts, retries).
            pub fn new(config: &aliyun_core::Config) -> Self {
                Self {
                    inner: aliyun_core::ProductClient::new(config, &super::PRODUCT),
                }
            }

            /// A client configured from the environment; see [`aliyun_core::Config::from_env`].
            pub fn from_env() -> Result<Self, aliyun_core::error::ConfigError> {
                Ok(Self::new(&aliyun_core::Config::from_env()?))
            }

            /// The runtime client underneath (its configuration, region, and the generic
            /// `call` for any [`aliyun_core::Action`]).
            pub fn product_client(&self) -> &aliyun_core::ProductClient {
                &self.inner
            }

            #(#methods)*
        }
    }
}
