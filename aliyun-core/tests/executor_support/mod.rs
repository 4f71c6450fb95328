//! Tiny products and actions that drive the executor in the executor tests.

#![allow(dead_code)]

use aliyun_core::error::InvalidRule;
use aliyun_core::testing::CaptureTransport;
use aliyun_core::{
    Action, ActionMetadata, Config, Credentials, EndpointRules, ErrorStyle, HttpMethod,
    InvalidInput, ParamLocation, Params, ProductMetadata, RetryPolicy, SignatureVersion,
};
use serde::Deserialize;

pub const ECS_LIKE: ProductMetadata = ProductMetadata {
    code: "Ecs",
    env_id: "ECS",
    version: "2014-05-26",
    signature: SignatureVersion::V1,
    endpoints: EndpointRules {
        regional: "ecs.{region}.aliyuncs.com",
        central: "ecs.aliyuncs.com",
        exceptions: &[("cn-hangzhou", "ecs-cn-hangzhou.aliyuncs.com")],
    },
    error_style: ErrorStyle::Standard,
};
pub static ECS: ProductMetadata = ECS_LIKE;

pub static CMS: ProductMetadata = ProductMetadata {
    code: "Cms",
    env_id: "CMS",
    version: "2017-03-01",
    signature: SignatureVersion::V1,
    endpoints: EndpointRules {
        regional: "metrics.{region}.aliyuncs.com",
        central: "metrics.aliyuncs.com",
        exceptions: &[],
    },
    error_style: ErrorStyle::LegacySuccessFlag,
};

pub static V3_PRODUCT: ProductMetadata = ProductMetadata {
    code: "Ecs",
    env_id: "ECS",
    version: "2014-05-26",
    signature: SignatureVersion::V3,
    endpoints: ECS_LIKE.endpoints,
    error_style: ErrorStyle::Standard,
};

/// The output every test action decodes.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Output {
    #[serde(rename = "RequestId")]
    pub request_id: String,
    #[serde(rename = "Value", default)]
    pub value: Option<String>,
}

const RETRYABLE_CODES: &[&str] = &["InternalError.Dispatch"];

macro_rules! action {
    ($name:ident, $action:literal, $method:ident, $location:ident, $idempotent:literal) => {
        /// A test action.
        #[derive(Debug, Clone)]
        pub struct $name {
            pub instance_id: String,
            pub extra: Vec<(&'static str, String)>,
        }

        impl $name {
            pub fn new(instance_id: &str) -> Self {
                $name {
                    instance_id: instance_id.to_owned(),
                    extra: Vec::new(),
                }
            }
        }

        impl Action for $name {
            type Output = Output;
            const METADATA: ActionMetadata = ActionMetadata {
                action: $action,
                method: HttpMethod::$method,
                param_location: ParamLocation::$location,
                idempotent: $idempotent,
                retryable_codes: RETRYABLE_CODES,
            };
            fn validate(&self) -> Result<(), InvalidInput> {
                if self.instance_id.is_empty() {
                    return Err(InvalidInput::new("InstanceId", InvalidRule::Missing));
                }
                Ok(())
            }
            fn write_params(&self, params: &mut Params) {
                params.push("InstanceId", self.instance_id.as_str());
                for (name, value) in &self.extra {
                    params.push(*name, value.as_str());
                }
            }
        }
    };
}

// A write: POST, parameters in the query, not idempotent (like InstallCloudAssistant).
action!(Write, "InstallThing", Post, Query, false);
// A read: GET, idempotent (like DescribeCloudAssistantStatus / CMS NodeStatus).
action!(Read, "DescribeThing", Get, Query, true);
// A write whose parameters travel in a form body.
action!(FormWrite, "CreateThing", Post, FormBody, false);

pub const OK: &str = r#"{"RequestId":"RID-OK","Value":"done"}"#;

pub fn throttled() -> String {
    r#"{"RequestId":"RID-T","HostId":"ecs.aliyuncs.com","Code":"Throttling.User","Message":"Request was denied due to user flow control."}"#.to_owned()
}

/// A config with the given retry policy over `transport`.
pub fn config_with(transport: &CaptureTransport, policy: RetryPolicy) -> Config {
    Config::builder()
        .region("cn-hangzhou")
        .credentials_provider(Credentials::new("testid", "testsecret"))
        .retry_policy(policy)
        .transport(transport.clone())
        .build()
        .unwrap()
}
