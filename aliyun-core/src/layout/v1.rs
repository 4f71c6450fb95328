//! The RPC V1 layout: every parameter, common ones and the signature included, in the query
//! string; or, for a form-body action, the common ones in the query and the action's own in an
//! `application/x-www-form-urlencoded` body.

use super::{EndpointParts, LaidOut, Unsigned, form_encode};
use crate::signer::v1::{self, SignedV1, V1Request};

/// The parameters every V1 request carries that are not the action's own.
pub const COMMON_PARAMS: [&str; 11] = [
    "AccessKeyId",
    "Action",
    "Format",
    "SecurityToken",
    "Signature",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureType",
    "SignatureVersion",
    "Timestamp",
    "Version",
];

/// Signs `request` and lays it out for `endpoint`.
pub(crate) fn lay_out(request: &Unsigned<'_>, endpoint: &EndpointParts<'_>) -> (LaidOut, SignedV1) {
    // Gathered on the stack for the usual sizes (the signer's own limit too).
    const ON_STACK: usize = 48;
    let common = [
        ("Action", request.action),
        ("Version", request.version),
        ("Format", "JSON"),
    ];
    let mut stack = [("", ""); ON_STACK];
    let mut heap = Vec::new();
    let count = request.params.len() + common.len();
    let all: &mut [(&str, &str)] = if count <= ON_STACK {
        &mut stack[..count]
    } else {
        heap.resize(count, ("", ""));
        &mut heap
    };
    for (slot, pair) in all.iter_mut().zip(request.params.iter().chain(common)) {
        *slot = pair;
    }
    let signed = v1::sign(&V1Request {
        method: request.method,
        params: all,
        credentials: request.credentials,
        timestamp: request.timestamp,
        nonce: request.nonce,
    });
    let laid_out = if request.form {
        let is_common = |(name, _): &(&str, &str)| COMMON_PARAMS.contains(name);
        let mut url = endpoint.base_url.to_owned();
        url.push('?');
        url.push_str(&form_encode(signed.params().filter(is_common)));
        LaidOut {
            url,
            body: form_encode(signed.params().filter(|p| !is_common(p))),
            headers: endpoint.form_headers.clone(),
        }
    } else {
        let mut url = String::with_capacity(
            endpoint.base_url.len() + signed.canonicalized_query().len() + 64,
        );
        url.push_str(endpoint.base_url);
        url.push('?');
        signed.write_query_string(&mut url);
        LaidOut {
            url,
            body: String::new(),
            headers: endpoint.headers.clone(),
        }
    };
    (laid_out, signed)
}
