//! The V3 (`ACS3-HMAC-SHA256`) layout: the action's parameters in the query string or a form
//! body, the action, version, date, nonce, payload hash and `Authorization` in `x-acs-*` headers.

use http::{HeaderName, HeaderValue};

use super::{EndpointParts, FORM_CONTENT_TYPE, LaidOut, Unsigned, form_encode};
use crate::error::ConfigError;
use crate::signer::v3::{self, SignedV3, V3Request};

/// Signs `request` and lays it out for `endpoint`. Fails only when a signed value cannot be an
/// HTTP header (a security token with a line break, say).
pub(crate) fn lay_out(
    request: &Unsigned<'_>,
    endpoint: &EndpointParts<'_>,
) -> Result<(LaidOut, SignedV3), ConfigError> {
    let action_params: Vec<(&str, &str)> = request.params.iter().collect();
    let (query, body): (&[(&str, &str)], String) = if request.form {
        (&[], form_encode(action_params.iter().copied()))
    } else {
        (&action_params, String::new())
    };
    let signed = v3::sign(&V3Request {
        method: request.method,
        host: endpoint.authority,
        path: "/",
        query,
        action: request.action,
        version: request.version,
        body: body.as_bytes(),
        content_type: request.form.then_some(FORM_CONTENT_TYPE),
        credentials: request.credentials,
        timestamp: request.timestamp,
        nonce: request.nonce,
    });
    let mut url = String::with_capacity(endpoint.base_url.len() + signed.query_string().len() + 1);
    url.push_str(endpoint.base_url);
    if !signed.query_string().is_empty() {
        url.push('?');
        url.push_str(signed.query_string());
    }
    let mut headers = endpoint.headers.clone();
    for (name, value) in signed.headers() {
        let value = HeaderValue::from_str(value).map_err(|_| {
            ConfigError::new(format!(
                "the signed header `{name}` holds characters HTTP headers cannot carry"
            ))
        })?;
        headers.insert(HeaderName::from_static(name), value);
    }
    Ok((LaidOut { url, body, headers }, signed))
}
