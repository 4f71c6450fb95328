//! What generated code tells the runtime about a product and its actions.
//!
//! A product crate holds one [`ProductMetadata`] (from the spec's `product` section) and one
//! [`ActionMetadata`] per action; its inputs implement [`Action`]. Everything else about a
//! call (endpoint, credentials, signing, HTTP, retries, error mapping) happens once, here in
//! `aliyun-core`, driven by these values.

use crate::error::InvalidInput;
use crate::params::Params;

/// Static facts about one product and API version, as written in its spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductMetadata {
    /// Product code as Alibaba Cloud spells it, e.g. `Ecs`.
    pub code: &'static str,
    /// Short, upper-case id used in environment variable names, e.g. `ECS` for
    /// `ALIBABA_CLOUD_ENDPOINT_URL_ECS`.
    pub env_id: &'static str,
    /// API version sent as `Version` (V1) or `x-acs-version` (V3), e.g. `2014-05-26`.
    pub version: &'static str,
    /// How requests are signed.
    pub signature: SignatureVersion,
    /// How the endpoint host is chosen for a region.
    pub endpoints: EndpointRules,
    /// How errors look in a response body.
    pub error_style: ErrorStyle,
}

/// The request signature scheme of a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureVersion {
    /// RPC signature V1: HMAC-SHA1 over the sorted, percent-encoded parameters.
    V1,
    /// Signature V3: `ACS3-HMAC-SHA256` over a canonical request, sent in `Authorization`.
    V3,
}

/// Endpoint rules of a product, from its spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointRules {
    /// Host of a region not in `exceptions`: a pattern with `{region}` standing for the region
    /// id (`ecs.{region}.aliyuncs.com`), or a global product's one host (`ram.aliyuncs.com`),
    /// which every region gets as it is.
    pub regional: &'static str,
    /// Host used when no region is configured, e.g. `ecs.aliyuncs.com` (a global product's
    /// one host).
    pub central: &'static str,
    /// Regions whose host does not follow the pattern: `(region id, host)`.
    pub exceptions: &'static [(&'static str, &'static str)],
}

impl EndpointRules {
    /// The host for `region` (or the central host when `region` is `None`).
    ///
    /// An unknown region still gets the regional pattern (a global product's one host): new
    /// regions open more often than SDKs are released.
    pub fn host_for(&self, region: Option<&str>) -> String {
        match region {
            None => self.central.to_owned(),
            Some(region) => self
                .exceptions
                .iter()
                .find(|(id, _)| *id == region)
                .map(|(_, host)| (*host).to_owned())
                .unwrap_or_else(|| self.regional.replace("{region}", region)),
        }
    }
}

/// How a product reports errors in response bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorStyle {
    /// HTTP 4xx/5xx with `{"Code", "Message", "RequestId", "HostId", "Recommend"}`.
    Standard,
    /// As [`ErrorStyle::Standard`], and additionally an HTTP 200 body with `"Success": false` or
    /// an `ErrorCode` other than 200 is an error (`ErrorCode` is the code, `ErrorMessage` the
    /// message). Used by legacy CloudMonitor (CMS 2017-03-01) actions.
    LegacySuccessFlag,
    /// As [`ErrorStyle::Standard`], and additionally an HTTP 200 body is an error when its
    /// `Success` is `false` (boolean or text), or when it has no `Success` but a `Code` other
    /// than `200` or empty; `Code`, `Message` and `RequestId` describe it. Used by CloudMonitor
    /// 2019-01-01.
    Envelope,
}

/// The HTTP method an action is sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpMethod {
    /// `GET`: parameters in the query string.
    Get,
    /// `POST`: parameters in the query string or a form body (see [`ParamLocation`]).
    Post,
}

impl HttpMethod {
    /// The method name as sent on the wire and signed.
    pub const fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        }
    }
}

impl std::fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an action's parameters travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParamLocation {
    /// Every parameter in the query string, empty body (what the official SDKs do for ECS and
    /// CMS RPC actions).
    Query,
    /// Action parameters in an `application/x-www-form-urlencoded` body (POST only); common
    /// parameters stay in the query string.
    FormBody,
}

/// Static facts about one action, as written in its spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionMetadata {
    /// The action name sent as `Action` / `x-acs-action`.
    pub action: &'static str,
    /// The HTTP method.
    pub method: HttpMethod,
    /// Where the action's parameters travel.
    pub param_location: ParamLocation,
    /// Whether sending the request twice has the same effect as sending it once. Only
    /// idempotent actions are retried after their request may have reached the server.
    pub idempotent: bool,
    /// The error codes the spec marks transient (safe to retry if the action may be retried
    /// at all), beyond the protocol's own rules ([`crate::retry::classify_service_error`]).
    pub retryable_codes: &'static [&'static str],
}

/// A validated action input that the runtime can send.
///
/// Generated code implements this for each action's input type; user code rarely needs it
/// except through [`ProductClient::call`](crate::ProductClient::call).
pub trait Action: Send + Sync {
    /// The typed output decoded from a successful response body.
    type Output: serde::de::DeserializeOwned + Send + 'static;

    /// The action's static metadata.
    const METADATA: ActionMetadata;

    /// Checks the input against the spec's rules (required, list bounds, lengths, patterns,
    /// ranges). Called before anything is sent, so an invalid input never reaches the network.
    fn validate(&self) -> Result<(), InvalidInput>;

    /// Writes the action's own parameters (not the common ones) in wire form.
    fn write_params(&self, params: &mut Params);

    /// The parameter that carries the action's client token (`ClientToken`), if it has one.
    /// When the input leaves it unset, the runtime sends a fresh UUID, the same one on every
    /// retry of the call, so the service can tell a retry from a new request.
    const CLIENT_TOKEN: Option<&'static str> = None;

    /// Parameters that travel elsewhere than [`ActionMetadata::param_location`] says:
    /// `(wire name, location)`. Nested wire names (`Name.1`, `Name.Key`) follow their
    /// parameter.
    const PARAM_LOCATIONS: &'static [(&'static str, ParamLocation)] = &[];
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: EndpointRules = EndpointRules {
        regional: "ecs.{region}.aliyuncs.com",
        central: "ecs.aliyuncs.com",
        exceptions: &[("cn-hangzhou", "ecs-cn-hangzhou.aliyuncs.com")],
    };

    #[test]
    fn endpoint_rules_pick_exception_pattern_or_central() {
        assert_eq!(
            RULES.host_for(Some("cn-hangzhou")),
            "ecs-cn-hangzhou.aliyuncs.com"
        );
        assert_eq!(
            RULES.host_for(Some("cn-shanghai")),
            "ecs.cn-shanghai.aliyuncs.com"
        );
        assert_eq!(
            RULES.host_for(Some("xx-new-9")),
            "ecs.xx-new-9.aliyuncs.com"
        );
        assert_eq!(RULES.host_for(None), "ecs.aliyuncs.com");
    }

    #[test]
    fn a_global_rule_gives_its_host_to_every_region_but_its_exceptions() {
        let global = EndpointRules {
            regional: "ram.aliyuncs.com",
            central: "ram.aliyuncs.com",
            exceptions: &[("cn-shanghai-finance-1", "ram-finance.aliyuncs.com")],
        };
        for region in [
            Some("cn-hangzhou"),
            Some("cn-guangzhou"),
            Some("xx-new-9"),
            None,
        ] {
            assert_eq!(global.host_for(region), "ram.aliyuncs.com", "{region:?}");
        }
        assert_eq!(
            global.host_for(Some("cn-shanghai-finance-1")),
            "ram-finance.aliyuncs.com"
        );
    }
}
