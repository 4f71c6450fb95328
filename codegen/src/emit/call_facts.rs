//! Facts of an action the runtime acts on per call, beyond its metadata: the client-token
//! parameter to fill and the parameters placed elsewhere than the action's default.
//! Each is an associated const of `aliyun_core::Action` with an empty default, so an action
//! without them generates nothing here.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Action, ParamLocation};

/// `const CLIENT_TOKEN` and `const PARAM_LOCATIONS`, where they differ from the defaults.
pub fn action_consts(op: &Action) -> TokenStream {
    let token = op.client_token().map(|f| {
        let name = &f.wire_name;
        quote!(const CLIENT_TOKEN: Option<&'static str> = Some(#name);)
    });
    let overrides: Vec<TokenStream> = op
        .params
        .iter()
        .filter(|f| f.location.is_some_and(|l| l != op.param_location))
        .map(|f| {
            let name = &f.wire_name;
            let location = match op.location_of(f) {
                ParamLocation::Query => quote!(aliyun_core::ParamLocation::Query),
                ParamLocation::FormBody => quote!(aliyun_core::ParamLocation::FormBody),
            };
            quote!((#name, #location))
        })
        .collect();
    let locations = (!overrides.is_empty()).then(|| {
        quote! {
            const PARAM_LOCATIONS: &'static [(&'static str, aliyun_core::ParamLocation)] =
                &[#(#overrides),*];
        }
    });
    quote!(#token #locations)
}
