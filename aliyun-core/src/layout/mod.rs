//! How a signed request goes on the wire (URL, body, headers): one module per signature
//! version, each next to the signer it lays out ([`crate::signer::v1`], [`crate::signer::v3`]).
//! The executor (`client.rs`) only chooses the version and sends what comes out.

pub(crate) mod v1;
pub(crate) mod v3;

use std::time::SystemTime;

use http::HeaderMap;

use crate::credentials::Credentials;
use crate::action::ParamLocation;
use crate::params::Params;
use crate::signer::encoding;

/// The content type of a form body.
pub(crate) const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// What every request to one endpoint shares, prepared once per client.
pub(crate) struct EndpointParts<'a> {
    /// `scheme://authority/`, to which `?query` is appended.
    pub(crate) base_url: &'a str,
    /// `host[:port]`, signed by V3.
    pub(crate) authority: &'a str,
    /// User agent and accept.
    pub(crate) headers: &'a HeaderMap,
    /// The same plus the form content type.
    pub(crate) form_headers: &'a HeaderMap,
}

/// One attempt's request, before signing.
pub(crate) struct Unsigned<'a> {
    /// `GET` or `POST`.
    pub(crate) method: &'a str,
    /// The action sent.
    pub(crate) action: &'a str,
    /// The API version sent.
    pub(crate) version: &'a str,
    /// The action's own parameters.
    pub(crate) params: &'a Params,
    /// Which of the action's parameters travel in a form body.
    pub(crate) placement: Placement<'a>,
    /// The credentials to sign with.
    pub(crate) credentials: &'a Credentials,
    /// The signing time.
    pub(crate) timestamp: SystemTime,
    /// The attempt's nonce.
    pub(crate) nonce: &'a str,
}

/// Where an action's parameters travel: the action's placement, and the parameters that
/// override it.
pub(crate) struct Placement<'a> {
    /// Some parameter travels in a form body (so there is one, with its content type).
    pub(crate) form: bool,
    /// A parameter without an override travels in the body.
    body_by_default: bool,
    /// `(parameter, location)` for parameters placed otherwise (POST only).
    overrides: &'a [(&'a str, ParamLocation)],
}

impl<'a> Placement<'a> {
    /// The placement of `params` sent with `location` as the action's default and `overrides`
    /// for single parameters. A form body only exists for POST: with GET, everything goes in
    /// the query.
    pub(crate) fn new(
        post: bool,
        location: ParamLocation,
        overrides: &'a [(&'a str, ParamLocation)],
        params: &Params,
    ) -> Self {
        let body_by_default = post && location == ParamLocation::FormBody;
        let overrides = if post { overrides } else { &[] };
        let mut placement = Placement {
            form: body_by_default,
            body_by_default,
            overrides,
        };
        if !overrides.is_empty() {
            placement.form = params.iter().any(|(name, _)| placement.in_body(name));
        }
        placement
    }

    /// Whether the wire parameter `name` travels in the body. `Name.1` and `Name.Key` follow
    /// the parameter `Name`.
    pub(crate) fn in_body(&self, name: &str) -> bool {
        self.overrides
            .iter()
            .find(|(param, _)| {
                name.strip_prefix(param)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
            })
            .map_or(self.body_by_default, |(_, location)| {
                *location == ParamLocation::FormBody
            })
    }
}

/// A request laid out for the wire.
pub(crate) struct LaidOut {
    /// The full URL, query included.
    pub(crate) url: String,
    /// The body (empty unless the parameters travel in a form).
    pub(crate) body: String,
    /// Every header to send.
    pub(crate) headers: HeaderMap,
}

/// `enc(name)=enc(value)&…`, RFC 3986 strict (a valid form body and query string).
fn form_encode<'a>(params: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (index, (name, value)) in params.enumerate() {
        if index > 0 {
            out.push('&');
        }
        encoding::percent_encode_into(name, &mut out);
        out.push('=');
        encoding::percent_encode_into(value, &mut out);
    }
    out
}
