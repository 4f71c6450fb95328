//! The per-action error enum: one variant per documented code, plus `Other`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Operation;

use super::docs::{doc_paragraphs, spec_doc};
use super::operation::OperationNames;
use super::rust::ident;

/// The error enum of `op` and its conversions.
pub fn error_enum(op: &Operation, names: &OperationNames) -> TokenStream {
    let error = &names.error;
    let doc = doc_paragraphs(&[
        format!("Errors `{}` can return.", op.name),
        "Each documented error code has a variant holding the service error; everything else \
         (invalid input, credentials, timeouts, connection failures, unreadable responses and \
         undocumented codes) is [`Other`](Self::Other). Every error answers `code()`, \
         `message()`, `request_id()` and `is_retryable()`."
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
        let doc = doc_paragraphs(&[summary, message]);
        quote! { #doc #variant(aliyun_core::ServiceError), }
    });
    let mappings = op.errors.iter().zip(&variants).map(|(e, variant)| {
        let code = &e.code;
        quote!(#variant => #code)
    });
    // The accessors, conversions and trait impls are the same for every action: one macro in
    // aliyun-core writes them from the variant-to-code table.
    quote! {
        #doc
        #[derive(Debug)]
        #[non_exhaustive]
        pub enum #error {
            #(#variant_decls)*
            /// Any other error: see [`aliyun_core::Error`].
            Other(aliyun_core::Error),
        }
        aliyun_core::operation_error!(#error { #(#mappings),* });
    }
}
