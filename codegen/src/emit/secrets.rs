//! `Debug` for generated structures that hold a secret (a field the spec marks `sensitive`,
//! such as `Password`): written out instead of derived, showing the secret as `<redacted>`
//! (`aliyun_core::__private::Redacted`), so logging an input, a builder or an output never
//! prints it. Structures without secrets keep `#[derive(Debug)]`.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::rust::ident;
use crate::model::Field;

/// `Debug,` for a derive list when `fields` hold no secret; nothing when they do (then
/// [`debug_impl`] writes it).
pub fn debug_derive(fields: &[Field]) -> TokenStream {
    if fields.iter().any(|f| f.sensitive) {
        TokenStream::new()
    } else {
        quote!(Debug,)
    }
}

/// The `Debug` impl of struct `name` when `fields` hold a secret, under `cfg` (the struct's
/// own `#[cfg(...)]`, if any); nothing otherwise.
pub fn debug_impl(name: &Ident, fields: &[Field], cfg: Option<&TokenStream>) -> TokenStream {
    if !fields.iter().any(|f| f.sensitive) {
        return TokenStream::new();
    }
    let label = name.to_string();
    let entries = fields.iter().map(|f| {
        let field = ident(&f.rust_name);
        let key = f.rust_name.trim_start_matches("r#");
        if f.sensitive {
            quote!(.field(#key, &aliyun_core::__private::Redacted(&self.#field)))
        } else {
            quote!(.field(#key, &self.#field))
        }
    });
    quote! {
        #cfg
        impl ::core::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(#label) #(#entries)* .finish()
            }
        }
    }
}
