//! Refusals as Alibaba Cloud words them: one constructor per code the emulator answers, with
//! the real HTTP status and message, so every module refuses the same way.

use std::fmt;

/// An error answer: HTTP status, code and message, rendered in the standard
/// `{"RequestId","HostId","Code","Message","Recommend"}` shape, or (for [`ApiError::legacy`])
/// in the legacy CMS HTTP-200 `{"Success": false, "ErrorCode": ...}` shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The error code (`InvalidInstance.NotFound`, or `"500"` for legacy errors).
    pub code: String,
    /// The message.
    pub message: String,
    /// Rendered in the legacy HTTP-200 shape.
    pub legacy: bool,
}

impl ApiError {
    /// Any code with any status.
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            legacy: false,
        }
    }

    /// The legacy CMS failure: HTTP 200, `"Success": false`, `"ErrorCode": error_code`.
    pub fn legacy(error_code: u16, message: impl Into<String>) -> Self {
        ApiError {
            status: 200,
            code: error_code.to_string(),
            message: message.into(),
            legacy: true,
        }
    }

    pub(crate) fn missing_parameter(name: &str) -> Self {
        ApiError::new(
            400,
            "MissingParameter",
            format!(
                "The input parameter \"{name}\" that is mandatory for processing this request is not supplied."
            ),
        )
    }

    pub(crate) fn invalid_parameter(name: &str, why: &str) -> Self {
        ApiError::new(
            400,
            "InvalidParameter",
            format!("The specified parameter \"{name}\" is not valid: {why}."),
        )
    }

    pub(crate) fn malformed_request(why: impl fmt::Display) -> Self {
        ApiError::new(
            400,
            "InvalidParameter",
            format!("The request is malformed: {why}."),
        )
    }

    pub(crate) fn incomplete_signature(detail: &str) -> Self {
        ApiError::new(
            400,
            "IncompleteSignature",
            format!("The request signature does not conform to Aliyun standards. {detail}"),
        )
    }

    /// The message ends with the server's string-to-sign, exactly as Alibaba Cloud quotes it,
    /// so a client can compare it with its own (wrong secret versus encoding bug).
    pub(crate) fn signature_does_not_match(server_string_to_sign: &str) -> Self {
        ApiError::new(
            400,
            "SignatureDoesNotMatch",
            format!(
                "Specified signature is not matched with our calculation. server string to sign is:{server_string_to_sign}"
            ),
        )
    }

    pub(crate) fn access_key_not_found() -> Self {
        ApiError::new(
            404,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        )
    }

    pub(crate) fn nonce_used() -> Self {
        ApiError::new(
            400,
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        )
    }

    pub(crate) fn timestamp_expired() -> Self {
        ApiError::new(
            400,
            "InvalidTimeStamp.Expired",
            "Specified time stamp or date value is expired.",
        )
    }

    pub(crate) fn timestamp_format() -> Self {
        ApiError::new(
            400,
            "InvalidTimeStamp.Format",
            "Specified time stamp or date value is not well formatted.",
        )
    }

    pub(crate) fn security_token_missing() -> Self {
        ApiError::new(
            400,
            "MissingSecurityToken",
            "SecurityToken is mandatory for this action.",
        )
    }

    pub(crate) fn security_token_mismatch() -> Self {
        ApiError::new(
            400,
            "InvalidSecurityToken.MismatchWithAccessKey",
            "Specified SecurityToken mismatch with the AccessKey.",
        )
    }

    pub(crate) fn security_token_expired() -> Self {
        ApiError::new(
            400,
            "InvalidSecurityToken.Expired",
            "Specified SecurityToken is expired.",
        )
    }

    pub(crate) fn security_token_malformed() -> Self {
        ApiError::new(
            400,
            "InvalidSecurityToken.Malformed",
            "Specified SecurityToken is malformed.",
        )
    }

    pub(crate) fn action_not_found(action: &str) -> Self {
        ApiError::new(
            404,
            "InvalidAction.NotFound",
            format!("Specified api is not found, please check your url and method. ({action})"),
        )
    }

    pub(crate) fn invalid_version(version: &str) -> Self {
        ApiError::new(
            400,
            "InvalidVersion",
            format!("Specified parameter Version is not valid. ({version})"),
        )
    }

    /// `--strict`: the action exists in the spec but the emulator has no model of it.
    pub(crate) fn not_modelled(product: &str, action: &str) -> Self {
        ApiError::new(
            501,
            "Emulator.NotModelled",
            format!(
                "The emulator does not model {product} action {action}: without --strict it answers the spec's example body, whatever was sent."
            ),
        )
    }

    pub(crate) fn throttling(code: &str) -> Self {
        let message = match code {
            "Throttling.User" => "Request was denied due to user flow control.",
            "Throttling.Api" => "Request was denied due to api flow control.",
            _ => "Request was denied due to request throttling.",
        };
        ApiError::new(400, code, message)
    }

    pub(crate) fn internal_error() -> Self {
        ApiError::new(
            500,
            "InternalError",
            "The request processing has failed due to some unknown error, exception or failure.",
        )
    }

    pub(crate) fn service_unavailable() -> Self {
        ApiError::new(
            503,
            "ServiceUnavailable",
            "The request has failed due to a temporary failure of the server.",
        )
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (HTTP {}): {}", self.code, self.status, self.message)
    }
}

impl std::error::Error for ApiError {}
