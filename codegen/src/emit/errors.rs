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
        let doc = doc_paragraphs(&[
            format!(
                "`{}` (HTTP {}): {}",
                e.code,
                e.status,
                spec_doc(e.doc.trim())
            ),
            message,
        ]);
        quote! { #doc #variant(aliyun_core::ServiceError), }
    });
    let codes = op.errors.iter().map(|e| &e.code);
    let service_arms = if variants.is_empty() {
        quote!()
    } else {
        quote!(#(Self::#variants(error))|* => Some(error),)
    };
    let core_arms = if variants.is_empty() {
        quote!()
    } else {
        quote!(#(Self::#variants(error))|* => aliyun_core::Error::Service(error),)
    };
    let display_arms = if variants.is_empty() {
        quote!()
    } else {
        quote!(#(Self::#variants(error))|* => std::fmt::Display::fmt(error, f),)
    };
    // With no documented codes, `Other` is the only variant and a catch-all arm would be
    // unreachable.
    let fallback = |body: TokenStream| {
        if variants.is_empty() {
            quote!()
        } else {
            quote!(_ => #body,)
        }
    };
    let request_id_fallback = fallback(quote!(
        self.as_service_error()
            .and_then(aliyun_core::ServiceError::request_id)
    ));
    let retryable_fallback = fallback(quote!(
        self.as_service_error()
            .is_some_and(aliyun_core::ServiceError::is_retryable)
    ));
    let source_fallback = fallback(quote!(None));
    let from = if variants.is_empty() {
        quote!(Self::Other(error))
    } else {
        quote! {
            match error {
                aliyun_core::Error::Service(service) => match service.code() {
                    #(#codes => Self::#variants(service),)*
                    _ => Self::Other(aliyun_core::Error::Service(service)),
                },
                other => Self::Other(other),
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

        impl #error {
            /// The service error, for documented codes and undocumented ones alike.
            pub fn as_service_error(&self) -> Option<&aliyun_core::ServiceError> {
                match self {
                    #service_arms
                    Self::Other(error) => error.as_service_error(),
                }
            }

            /// The service error code, if the service answered with one.
            pub fn code(&self) -> Option<&str> {
                self.as_service_error().map(aliyun_core::ServiceError::code)
            }

            /// The service's message, if the service answered with one.
            pub fn message(&self) -> Option<&str> {
                self.as_service_error().map(aliyun_core::ServiceError::message)
            }

            /// The request id, when a response carried one.
            pub fn request_id(&self) -> Option<&str> {
                match self {
                    Self::Other(error) => error.request_id(),
                    #request_id_fallback
                }
            }

            /// Whether trying again later may succeed.
            pub fn is_retryable(&self) -> bool {
                match self {
                    Self::Other(error) => error.is_retryable(),
                    #retryable_fallback
                }
            }

            /// The error as the runtime's [`aliyun_core::Error`].
            pub fn into_core(self) -> aliyun_core::Error {
                match self {
                    #core_arms
                    Self::Other(error) => error,
                }
            }
        }

        impl aliyun_core::error::ErrorMetadata for #error {
            fn code(&self) -> Option<&str> {
                #error::code(self)
            }
            fn message(&self) -> Option<&str> {
                #error::message(self)
            }
            fn request_id(&self) -> Option<&str> {
                #error::request_id(self)
            }
            fn is_retryable(&self) -> bool {
                #error::is_retryable(self)
            }
        }

        impl From<aliyun_core::Error> for #error {
            fn from(error: aliyun_core::Error) -> Self {
                #from
            }
        }

        impl std::fmt::Display for #error {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    #display_arms
                    Self::Other(error) => std::fmt::Display::fmt(error, f),
                }
            }
        }

        impl std::error::Error for #error {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                match self {
                    Self::Other(error) => error.source(),
                    #source_fallback
                }
            }
        }
    }
}
