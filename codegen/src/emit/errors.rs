//! The per-action error enum: one variant per documented code, plus `Other`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Action;

use super::docs::{action_link, doc_attrs, doc_paragraphs, spec_doc};
use super::rust::{ActionNames, ident};

/// The error enum of `op`, and its `aliyun_core::error::ActionError` impl: which variant a
/// code selects, as a plain `match` (which prettyplease lays out, unlike a macro body).
/// `action_error!` in aliyun-core writes the rest from the variant list (which variant holds
/// which error, accessors, conversions, `Display`, `std::error::Error`), the same for every
/// action.
pub fn error_enum(op: &Action, names: &ActionNames) -> TokenStream {
    let error = &names.error;
    let doc = doc_paragraphs(&[
        format!("Errors {} can return.", action_link(op)),
        "One variant per documented code, and [`Other`](Self::Other) for everything else; see \
         [the `action` module](super) for what every error answers."
            .to_owned(),
    ]);
    let variants: Vec<_> = op.errors.iter().map(|e| ident(&e.variant)).collect();
    let variant_decls = op.errors.iter().zip(&variants).map(|(e, variant)| {
        let message = e
            .message
            .as_deref()
            .map(|m| format!("The service says: \"{}\"", spec_doc(m)))
            .unwrap_or_default();
        let statuses = e
            .statuses
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let facts = format!("`{}` (HTTP {statuses})", e.code);
        let summary = match e.doc.trim() {
            "" => format!("{facts}."),
            doc => format!("{facts}: {}", spec_doc(doc)),
        };
        let doc = doc_attrs(format!("{summary} {message}").trim());
        quote! { #doc #variant(aliyun_core::ServiceError), }
    });
    let codes = op.errors.iter().map(|e| &e.code);
    let from_service = if variants.is_empty() {
        quote!(Self::Other(aliyun_core::Error::Service(error)))
    } else {
        quote! {
            match error.code() {
                #(#codes => Self::#variants(error),)*
                _ => Self::Other(aliyun_core::Error::Service(error)),
            }
        }
    };
    quote! {
        #doc
        #[derive(Debug)]
        #[non_exhaustive]
        pub enum #error {
            #(#variant_decls)*
            /// Any other error: see [`aliyun_core::Error`].
            Other(aliyun_core::Error),
        }

        impl aliyun_core::error::ActionError for #error {
            fn from_service(error: aliyun_core::ServiceError) -> Self {
                #from_service
            }
        }

        aliyun_core::__private::action_error!(#error, [#(#variants),*]);
    }
}
