//! The one error type every call returns, and its parts.
//!
//! [`Error`] separates what went wrong so callers can act on it: the input was invalid (nothing
//! was sent), credentials could not be obtained, the configuration is unusable, the call timed
//! out, the connection failed, the response could not be read, or the service answered with an
//! error code. Generated per-action error enums wrap it; every error answers [`Error::code`],
//! [`Error::message`], [`Error::request_id`] and [`Error::is_retryable`].
//!
//! No error ever holds or prints a secret, signature or security token.

use std::fmt;
use std::time::Duration;

pub use crate::credentials::CredentialsError;
use crate::retry::{FailureClass, classify_service_error, classify_unreadable_response};

/// Any error from an Alibaba Cloud call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input broke a rule of the spec; nothing was sent.
    #[error(transparent)]
    InvalidInput(#[from] InvalidInput),
    /// No usable credentials.
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    /// The client configuration cannot be used (bad endpoint URL, missing region, ...); nothing
    /// was sent.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The call did not finish in time.
    #[error(transparent)]
    Timeout(#[from] TimeoutError),
    /// The request could not be delivered or the connection failed.
    #[error(transparent)]
    Dispatch(#[from] DispatchError),
    /// A response arrived but could not be read as the action's output or as an error.
    #[error(transparent)]
    Response(#[from] ResponseError),
    /// The service answered with an error code.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl Error {
    /// The service error code (`InvalidInstance.NotFound`, `Throttling.User`, ...), for service
    /// errors; `None` for errors that happened on this side.
    pub fn code(&self) -> Option<&str> {
        self.as_service_error().map(ServiceError::code)
    }

    /// The service's message, for service errors.
    pub fn message(&self) -> Option<&str> {
        self.as_service_error().map(ServiceError::message)
    }

    /// The request id the service assigned, when a response carried one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Service(e) => e.request_id(),
            Error::Response(e) => e.request_id(),
            _ => None,
        }
    }

    /// Whether trying the same call again later may succeed (throttling, transient server or
    /// network faults). For service errors and unreadable responses this is the class the retry
    /// policy gave the error when it was made ([`FailureClass::is_transient`]);
    /// timeouts and connection failures are transient; a credentials error is when its source
    /// says so. Fleet workflows use it to keep polling or stop
    /// ([`crate::workflow`]). This is a property of the failure; the retry policy also
    /// considers whether the action may be repeated safely.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::InvalidInput(_) | Error::Config(_) => false,
            Error::Credentials(e) => e.is_retryable(),
            Error::Timeout(_) | Error::Dispatch(_) => true,
            Error::Response(e) => e.is_retryable(),
            Error::Service(e) => e.is_retryable(),
        }
    }

    /// How many attempts were made before this error was returned (0 when nothing was sent).
    pub fn attempts(&self) -> u32 {
        self.call_record().map_or(0, |record| record.attempts)
    }

    /// Whether the call may have reached the service and taken effect, so the caller should
    /// check the resource's state before repeating a non-idempotent action. `true` when any
    /// attempt of the call ended in:
    ///
    /// - a timeout or connection failure after the request was (or may have been) sent;
    /// - a server-side failure that may come after the work was done: HTTP 500/502/504,
    ///   `InternalError*`, `UnknownError`, or a 5xx code the spec marks transient (a gateway's
    ///   unreadable 500/502/504 page included);
    /// - a 2xx answer whose body could not be read (the service reported success).
    ///
    /// `false` when every attempt was refused before processing (throttling, HTTP 503,
    /// `ServiceUnavailable`, a refused timestamp, a 4xx error code), was never sent, or nothing
    /// was sent at all (invalid input, configuration, credentials). It is a property of what
    /// happened, whatever the action: for an idempotent action it is harmless, since repeating
    /// it is safe.
    pub fn may_have_taken_effect(&self) -> bool {
        match self {
            // A 2xx answer is a fact of the response, whatever the call recorded.
            Error::Response(e) => e.may_have_taken_effect(),
            _ => self
                .call_record()
                .is_some_and(|record| record.may_have_taken_effect),
        }
    }

    /// What the call recorded, for errors of a call that sent something.
    pub fn call_record(&self) -> Option<CallRecord> {
        match self {
            Error::Timeout(e) => Some(e.call),
            Error::Dispatch(e) => Some(e.call),
            Error::Response(e) => Some(e.call),
            Error::Service(e) => Some(e.call),
            Error::InvalidInput(_) | Error::Config(_) | Error::Credentials(_) => None,
        }
    }

    /// Records what the whole call did on the error it ends with; the executor calls this once,
    /// when the call ends. Errors of calls that sent nothing have no record to set.
    pub(crate) fn record_call(&mut self, record: CallRecord) {
        let slot = match self {
            Error::Timeout(e) => &mut e.call,
            Error::Dispatch(e) => &mut e.call,
            Error::Response(e) => &mut e.call,
            Error::Service(e) => &mut e.call,
            Error::InvalidInput(_) | Error::Config(_) | Error::Credentials(_) => return,
        };
        *slot = record;
    }

    /// The service error, if this is one.
    pub fn as_service_error(&self) -> Option<&ServiceError> {
        match self {
            Error::Service(e) => Some(e),
            _ => None,
        }
    }

    /// Whether this is a throttling error (`Throttling`, `Throttling.User`, ...).
    pub fn is_throttling(&self) -> bool {
        self.as_service_error()
            .is_some_and(|e| e.failure_class() == FailureClass::Throttled)
    }
}

/// A parameter broke a rule of the spec. Found before anything was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid parameter `{parameter}`: {rule}")]
pub struct InvalidInput {
    parameter: String,
    rule: InvalidRule,
}

impl InvalidInput {
    /// A violation of `rule` by the parameter with wire name `parameter`.
    pub fn new(parameter: impl Into<String>, rule: InvalidRule) -> Self {
        InvalidInput {
            parameter: parameter.into(),
            rule,
        }
    }

    /// The parameter's wire name (`InstanceId`, `RegionId`, `Tag.Key`).
    pub fn parameter(&self) -> &str {
        &self.parameter
    }

    /// The rule it broke.
    pub fn rule(&self) -> &InvalidRule {
        &self.rule
    }
}

/// The rule an invalid parameter broke.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidRule {
    /// A required parameter was not set.
    Missing,
    /// A list has fewer items than allowed.
    TooFewItems {
        /// Fewest items allowed.
        min: usize,
        /// Items given.
        actual: usize,
    },
    /// A list has more items than allowed.
    TooManyItems {
        /// Most items allowed.
        max: usize,
        /// Items given.
        actual: usize,
    },
    /// A string is shorter than allowed (in characters).
    TooShort {
        /// Shortest length allowed.
        min: usize,
        /// Length given.
        actual: usize,
    },
    /// A string is longer than allowed (in characters).
    TooLong {
        /// Longest length allowed.
        max: usize,
        /// Length given.
        actual: usize,
    },
    /// A string does not match the required pattern.
    Pattern {
        /// The pattern (a regular expression).
        pattern: &'static str,
    },
    /// A number is below the minimum.
    BelowMinimum {
        /// The minimum, as text.
        min: String,
        /// The value given, as text.
        actual: String,
    },
    /// A number is above the maximum.
    AboveMaximum {
        /// The maximum, as text.
        max: String,
        /// The value given, as text.
        actual: String,
    },
    /// A value outside the allowed set.
    NotAllowed {
        /// The value given.
        actual: String,
        /// The allowed values.
        allowed: &'static [&'static str],
    },
}

impl fmt::Display for InvalidRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidRule::Missing => f.write_str("is required but was not set"),
            InvalidRule::TooFewItems { min, actual } => {
                write!(f, "needs at least {min} item(s), got {actual}")
            }
            InvalidRule::TooManyItems { max, actual } => {
                write!(f, "allows at most {max} item(s), got {actual}")
            }
            InvalidRule::TooShort { min, actual } => {
                write!(f, "must be at least {min} character(s) long, got {actual}")
            }
            InvalidRule::TooLong { max, actual } => {
                write!(f, "must be at most {max} character(s) long, got {actual}")
            }
            InvalidRule::Pattern { pattern } => write!(f, "must match the pattern `{pattern}`"),
            InvalidRule::BelowMinimum { min, actual } => {
                write!(f, "must be at least {min}, got {actual}")
            }
            InvalidRule::AboveMaximum { max, actual } => {
                write!(f, "must be at most {max}, got {actual}")
            }
            InvalidRule::NotAllowed { actual, allowed } => {
                write!(f, "`{actual}` is not one of: {}", allowed.join(", "))
            }
        }
    }
}

/// The configuration cannot be used for this call. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {message}")]
pub struct ConfigError {
    message: String,
}

impl ConfigError {
    /// A configuration error described by `message`.
    pub fn new(message: impl Into<String>) -> Self {
        ConfigError {
            message: message.into(),
        }
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// What a call recorded about itself, whatever error it ended with: how many attempts it made
/// and whether any of them may have taken effect. The executor sets it once, when the call ends,
/// on the error the call returns ([`Error::call_record`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallRecord {
    /// Attempts made, the first included.
    pub attempts: u32,
    /// Whether any attempt may have reached the service and taken effect (see
    /// [`Error::may_have_taken_effect`]).
    pub may_have_taken_effect: bool,
}

impl CallRecord {
    /// One attempt that did not take effect: what an error says until its call is recorded.
    pub const SINGLE: CallRecord = CallRecord {
        attempts: 1,
        may_have_taken_effect: false,
    };
}

/// Which time limit a call ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Opening the connection took longer than the connect timeout.
    Connect,
    /// The response did not arrive within the read timeout.
    Read,
    /// The whole call, retries included, passed its deadline.
    Call,
}

/// The call did not finish in time.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "{kind} timeout after {elapsed:?} ({} attempt(s)){}",
    call.attempts,
    effect_note(call.may_have_taken_effect)
)]
pub struct TimeoutError {
    /// Which limit was hit.
    pub kind: TimeoutKind,
    /// The limit that was configured.
    pub elapsed: Duration,
    /// What the call recorded.
    pub call: CallRecord,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutKind::Connect => "connect",
            TimeoutKind::Read => "read",
            TimeoutKind::Call => "call",
        })
    }
}

fn effect_note(may_have_taken_effect: bool) -> &'static str {
    if may_have_taken_effect {
        "; the request may have reached the service and taken effect: check before repeating it"
    } else {
        ""
    }
}

/// The request could not be delivered, or the connection failed before a response was read.
#[derive(Debug, thiserror::Error)]
#[error(
    "{message} ({} attempt(s)){}",
    call.attempts,
    effect_note(call.may_have_taken_effect)
)]
pub struct DispatchError {
    /// What failed (no URL query, so no signature).
    pub message: String,
    /// What the call recorded.
    pub call: CallRecord,
    /// The underlying transport error.
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// How many body bytes an unreadable-response error keeps.
pub const BODY_SNIPPET_LIMIT: usize = 512;

/// A response arrived but could not be understood: not JSON (an HTML gateway page), truncated,
/// empty, too large, or not the action's output shape.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "unreadable response (HTTP {status}{}): {reason}; body starts: {snippet:?}{}",
    request_id.as_deref().map(|id| format!(", request id {id}")).unwrap_or_default(),
    effect_note(self.may_have_taken_effect())
)]
pub struct ResponseError {
    status: u16,
    class: FailureClass,
    request_id: Option<String>,
    reason: String,
    snippet: String,
    call: CallRecord,
}

impl ResponseError {
    /// A response with `status` and `body` that could not be read, for `reason`; classified
    /// by its status ([`classify_unreadable_response`]).
    pub fn new(status: u16, body: &[u8], reason: impl Into<String>) -> Self {
        ResponseError {
            status,
            class: classify_unreadable_response(status),
            request_id: None,
            reason: reason.into(),
            snippet: snippet(body),
            call: CallRecord::SINGLE,
        }
    }

    /// Sets the request id (from a header or what could be read of the body).
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    /// Sets what the call recorded (see [`CallRecord`]).
    pub fn with_call(mut self, call: CallRecord) -> Self {
        self.call = call;
        self
    }

    /// Whether the call may have taken effect: a 2xx status (the service reported success but
    /// the body could not be read), or an attempt that may have been processed (see
    /// [`Error::may_have_taken_effect`]).
    pub fn may_have_taken_effect(&self) -> bool {
        self.call.may_have_taken_effect || (200..300).contains(&self.status)
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// How the retry policy sees this failure, decided by its status when it was made: a
    /// gateway's 502/503/504 page is transient, an unreadable 2xx body is not.
    pub fn failure_class(&self) -> FailureClass {
        self.class
    }

    /// Whether trying again later may succeed ([`FailureClass::is_transient`]).
    pub fn is_retryable(&self) -> bool {
        self.class.is_transient()
    }

    /// The request id, if one could be found.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// Why the body could not be read.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The start of the body (at most [`BODY_SNIPPET_LIMIT`] bytes, lossily decoded).
    pub fn snippet(&self) -> &str {
        &self.snippet
    }

    /// Attempts made.
    pub fn attempts(&self) -> u32 {
        self.call.attempts
    }
}

/// The first [`BODY_SNIPPET_LIMIT`] bytes of `body` as text.
pub fn snippet(body: &[u8]) -> String {
    let end = body.len().min(BODY_SNIPPET_LIMIT);
    let mut text = String::from_utf8_lossy(&body[..end]).into_owned();
    if body.len() > end {
        text.push('…');
    }
    text
}

/// What a `SignatureDoesNotMatch` error says about its cause, found by comparing the server's
/// string-to-sign (quoted in its message) with the one computed locally.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureDiagnosis {
    /// Both sides signed the same string: the AccessKeySecret is wrong (or belongs to another
    /// AccessKeyId).
    WrongSecret,
    /// The strings differ: the request was encoded differently from what the server received
    /// (a proxy rewrote it, or an encoding bug). Holds both strings, which contain no secret.
    EncodingDiffers {
        /// The string-to-sign computed locally.
        local: String,
        /// The string-to-sign the server computed.
        server: String,
    },
    /// The server's message did not quote its string-to-sign.
    Unknown,
}

impl fmt::Display for SignatureDiagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignatureDiagnosis::WrongSecret => f.write_str(
                "the string-to-sign matches the server's, so the secret is wrong \
                 (check the AccessKeySecret for this AccessKeyId)",
            ),
            SignatureDiagnosis::EncodingDiffers { local, server } => write!(
                f,
                "encoding differs: the server signed {server:?} but this client signed {local:?}"
            ),
            SignatureDiagnosis::Unknown => f.write_str("the server did not say what it signed"),
        }
    }
}

/// The service answered with an error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    code: String,
    message: String,
    request_id: Option<String>,
    host_id: Option<String>,
    recommend: Option<String>,
    http_status: u16,
    class: FailureClass,
    signature_diagnosis: Option<SignatureDiagnosis>,
    clock_skew: Option<Duration>,
    call: CallRecord,
}

impl ServiceError {
    /// An error with `code` and `message` answered with `http_status`, classified by the
    /// protocol's rules ([`classify_service_error`]). The other fields start empty; set them
    /// with the `with_*` methods.
    pub fn new(code: impl Into<String>, message: impl Into<String>, http_status: u16) -> Self {
        Self::classified(code.into(), message.into(), http_status, false)
    }

    /// As [`ServiceError::new`], with whether the action's spec marks `code` transient: the one
    /// place a service error is classified.
    pub(crate) fn classified(
        code: String,
        message: String,
        http_status: u16,
        spec_retryable: bool,
    ) -> Self {
        let class = classify_service_error(&code, http_status, spec_retryable);
        ServiceError {
            code,
            message,
            request_id: None,
            host_id: None,
            recommend: None,
            http_status,
            class,
            signature_diagnosis: None,
            clock_skew: None,
            call: CallRecord::SINGLE,
        }
    }

    /// Sets the request id.
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    /// Sets the host id.
    pub fn with_host_id(mut self, host_id: Option<String>) -> Self {
        self.host_id = host_id;
        self
    }

    /// Sets the recommended diagnosis URL.
    pub fn with_recommend(mut self, recommend: Option<String>) -> Self {
        self.recommend = recommend;
        self
    }

    /// Sets what the call recorded (see [`CallRecord`]; the executor records that a 500, 502 or
    /// 504 or `InternalError*` answer may have taken effect).
    pub fn with_call(mut self, call: CallRecord) -> Self {
        self.call = call;
        self
    }

    /// Attaches the diagnosis of a `SignatureDoesNotMatch`.
    pub fn with_signature_diagnosis(mut self, diagnosis: Option<SignatureDiagnosis>) -> Self {
        self.signature_diagnosis = diagnosis;
        self
    }

    /// Records how far the local clock is from the server's, when a timestamp error was
    /// explained by skew.
    pub fn with_clock_skew(mut self, skew: Option<Duration>) -> Self {
        self.clock_skew = skew;
        self
    }

    /// The error code, e.g. `InvalidInstance.NotFound`.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The service's message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The request id.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The host id (the endpoint that answered).
    pub fn host_id(&self) -> Option<&str> {
        self.host_id.as_deref()
    }

    /// A URL the service recommends for diagnosing the error.
    pub fn recommend(&self) -> Option<&str> {
        self.recommend.as_deref()
    }

    /// The HTTP status of the response (200 for the legacy `Success: false` shape).
    pub fn http_status(&self) -> u16 {
        self.http_status
    }

    /// Attempts made.
    pub fn attempts(&self) -> u32 {
        self.call.attempts
    }

    /// How the retry policy sees this error (throttled, unavailable, server error, clock skew
    /// or permanent), decided once, when the error was made ([`classify_service_error`]).
    pub fn failure_class(&self) -> FailureClass {
        self.class
    }

    /// Whether the error is transient: throttling, `ServiceUnavailable`, `InternalError*`,
    /// HTTP 500/502/503/504, or a code the spec marks retryable
    /// ([`FailureClass::is_transient`]).
    pub fn is_retryable(&self) -> bool {
        self.class.is_transient()
    }

    /// For `SignatureDoesNotMatch`: whether the secret is wrong or the encoding differs.
    pub fn signature_diagnosis(&self) -> Option<&SignatureDiagnosis> {
        self.signature_diagnosis.as_ref()
    }

    /// For timestamp errors: how far the local clock is from the server's, if known.
    pub fn clock_skew(&self) -> Option<Duration> {
        self.clock_skew
    }

    /// Whether the call may have taken effect although it failed: the service may process a
    /// request before failing with a server error (HTTP 500/502/504, `InternalError*`), so a
    /// non-idempotent action answered that way must be checked before it is repeated.
    pub fn may_have_taken_effect(&self) -> bool {
        self.call.may_have_taken_effect
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (HTTP {}): {}",
            self.code, self.http_status, self.message
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        if let Some(diagnosis) = &self.signature_diagnosis {
            write!(f, "; {diagnosis}")?;
        }
        if let Some(skew) = self.clock_skew {
            write!(
                f,
                "; the local clock is {}s away from the server's: fix the system clock or enable \
                 clock-skew correction",
                skew.as_secs()
            )?;
        }
        if self.call.attempts > 1 {
            write!(f, " after {} attempts", self.call.attempts)?;
        }
        f.write_str(effect_note(self.call.may_have_taken_effect))
    }
}

impl std::error::Error for ServiceError {}

/// What any error of a call can say about itself. Implemented by [`Error`] and by every
/// generated per-action error enum, so code that handles the errors of several actions alike
/// (workflows, logging, metrics) needs no per-action match.
pub trait ErrorMetadata: std::error::Error {
    /// The service error code, if the service answered with one.
    fn code(&self) -> Option<&str>;
    /// The service's message, if the service answered with one.
    fn message(&self) -> Option<&str>;
    /// The request id, when a response carried one.
    fn request_id(&self) -> Option<&str>;
    /// Whether trying again later may succeed.
    fn is_retryable(&self) -> bool;
}

impl ErrorMetadata for Error {
    fn code(&self) -> Option<&str> {
        Error::code(self)
    }
    fn message(&self) -> Option<&str> {
        Error::message(self)
    }
    fn request_id(&self) -> Option<&str> {
        Error::request_id(self)
    }
    fn is_retryable(&self) -> bool {
        Error::is_retryable(self)
    }
}

/// The per-action part of a generated error enum: which variant a service error's code
/// selects. The generator writes it as a plain `match`; [`action_error!`](crate::action_error)
/// then writes everything else from the enum's variants, the same for every action.
///
/// A generated enum holds one [`ServiceError`] per documented code and `Other(Error)` for the
/// rest.
pub trait ActionError: Sized {
    /// Sorts a service error into the variant of its code, or `Other` for an undocumented one.
    fn from_service(error: ServiceError) -> Self;
}

/// Which error a generated error enum's value holds. Written by
/// [`action_error!`](crate::action_error) from the enum's variants.
pub trait ErrorParts {
    /// The service error of a documented variant (`Ok`), or the error `Other` holds (`Err`).
    fn as_parts(&self) -> Result<&ServiceError, &Error>;
    /// The error as the runtime's [`Error`]: a documented variant's as [`Error::Service`].
    fn into_core(self) -> Error;
}

/// Implements what every generated per-action error enum offers, from its [`ActionError`]
/// impl and the list of its documented variants: [`ErrorParts`], `as_service_error`, `code`,
/// `message`, `request_id`, `is_retryable`, `into_core`, `From<Error>` (which sorts a service
/// error into its documented variant, everything else into `Other`), `From<enum> for Error`,
/// `Display`, `std::error::Error` and [`ErrorMetadata`].
///
/// ```
/// use aliyun_core::{Error, ServiceError};
///
/// /// Errors of `RebootThing`.
/// #[derive(Debug)]
/// #[non_exhaustive]
/// pub enum RebootThingError {
///     /// `Thing.NotFound`.
///     ThingNotFound(ServiceError),
///     /// Anything else.
///     Other(Error),
/// }
///
/// impl aliyun_core::error::ActionError for RebootThingError {
///     fn from_service(error: ServiceError) -> Self {
///         match error.code() {
///             "Thing.NotFound" => Self::ThingNotFound(error),
///             _ => Self::Other(Error::Service(error)),
///         }
///     }
/// }
/// aliyun_core::__private::action_error!(RebootThingError, [ThingNotFound]);
///
/// let service = ServiceError::new("Thing.NotFound", "no such thing", 404);
/// let error = RebootThingError::from(Error::Service(service));
/// assert!(matches!(error, RebootThingError::ThingNotFound(_)));
/// assert_eq!(error.code(), Some("Thing.NotFound"));
/// assert!(matches!(error.into_core(), Error::Service(_)));
/// let other = RebootThingError::from(Error::Service(ServiceError::new("Busy", "", 503)));
/// assert!(matches!(other, RebootThingError::Other(_)));
/// assert!(other.is_retryable());
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! action_error {
    ($name:ident, [$($variant:ident),* $(,)?]) => {
        impl $crate::error::ErrorParts for $name {
            fn as_parts(
                &self,
            ) -> ::core::result::Result<&$crate::ServiceError, &$crate::Error> {
                match self {
                    $($name::$variant(error) => ::core::result::Result::Ok(error),)*
                    $name::Other(error) => ::core::result::Result::Err(error),
                }
            }

            fn into_core(self) -> $crate::Error {
                match self {
                    $($name::$variant(error) => $crate::Error::Service(error),)*
                    $name::Other(error) => error,
                }
            }
        }

        impl $name {
            /// The service error, for documented codes and undocumented ones alike.
            pub fn as_service_error(&self) -> ::core::option::Option<&$crate::ServiceError> {
                match $crate::error::ErrorParts::as_parts(self) {
                    ::core::result::Result::Ok(error) => ::core::option::Option::Some(error),
                    ::core::result::Result::Err(error) => error.as_service_error(),
                }
            }

            /// The service error code, if the service answered with one.
            pub fn code(&self) -> ::core::option::Option<&str> {
                self.as_service_error().map($crate::ServiceError::code)
            }

            /// The service's message, if the service answered with one.
            pub fn message(&self) -> ::core::option::Option<&str> {
                self.as_service_error().map($crate::ServiceError::message)
            }

            /// The request id, when a response carried one.
            pub fn request_id(&self) -> ::core::option::Option<&str> {
                match $crate::error::ErrorParts::as_parts(self) {
                    ::core::result::Result::Ok(error) => error.request_id(),
                    ::core::result::Result::Err(error) => error.request_id(),
                }
            }

            /// Whether trying again later may succeed.
            pub fn is_retryable(&self) -> bool {
                match $crate::error::ErrorParts::as_parts(self) {
                    ::core::result::Result::Ok(error) => error.is_retryable(),
                    ::core::result::Result::Err(error) => error.is_retryable(),
                }
            }

            /// The error as the runtime's `aliyun_core::Error`, with attempts and whether the
            /// call may have taken effect.
            pub fn into_core(self) -> $crate::Error {
                $crate::error::ErrorParts::into_core(self)
            }
        }

        impl ::core::convert::From<$crate::Error> for $name {
            fn from(error: $crate::Error) -> Self {
                match error {
                    $crate::Error::Service(service) => {
                        $crate::error::ActionError::from_service(service)
                    }
                    other => Self::Other(other),
                }
            }
        }

        impl ::core::convert::From<$name> for $crate::Error {
            fn from(error: $name) -> Self {
                error.into_core()
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match $crate::error::ErrorParts::as_parts(self) {
                    ::core::result::Result::Ok(error) => ::core::fmt::Display::fmt(error, f),
                    ::core::result::Result::Err(error) => ::core::fmt::Display::fmt(error, f),
                }
            }
        }

        impl ::std::error::Error for $name {
            fn source(&self) -> ::core::option::Option<&(dyn ::std::error::Error + 'static)> {
                match $crate::error::ErrorParts::as_parts(self) {
                    ::core::result::Result::Ok(_) => ::core::option::Option::None,
                    ::core::result::Result::Err(error) => ::std::error::Error::source(error),
                }
            }
        }

        impl $crate::error::ErrorMetadata for $name {
            fn code(&self) -> ::core::option::Option<&str> {
                $name::code(self)
            }
            fn message(&self) -> ::core::option::Option<&str> {
                $name::message(self)
            }
            fn request_id(&self) -> ::core::option::Option<&str> {
                $name::request_id(self)
            }
            fn is_retryable(&self) -> bool {
                $name::is_retryable(self)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_input_names_parameter_and_rule() {
        let err = InvalidInput::new(
            "InstanceId",
            InvalidRule::TooManyItems {
                max: 20,
                actual: 21,
            },
        );
        assert_eq!(
            err.to_string(),
            "invalid parameter `InstanceId`: allows at most 20 item(s), got 21"
        );
    }

    #[test]
    fn service_error_display_carries_code_status_and_request_id() {
        let err = ServiceError::new("Throttling.User", "Request was denied", 400)
            .with_request_id(Some("RID-1".into()))
            .with_call(CallRecord {
                attempts: 3,
                may_have_taken_effect: false,
            });
        assert!(err.is_retryable());
        assert_eq!(
            err.to_string(),
            "Throttling.User (HTTP 400): Request was denied [request id RID-1] after 3 attempts"
        );
        assert!(!ServiceError::new("InvalidInstance.NotFound", "", 404).is_retryable());
        assert!(ServiceError::new("Anything", "", 503).is_retryable());
    }

    const TAKEN_EFFECT: CallRecord = CallRecord {
        attempts: 1,
        may_have_taken_effect: true,
    };

    #[test]
    fn may_have_taken_effect_is_carried_and_said() {
        let plain = ServiceError::new("InternalError.Dispatch", "failed", 500);
        assert!(!plain.may_have_taken_effect());
        assert!(!plain.to_string().contains("taken effect"));
        let maybe = plain.with_call(TAKEN_EFFECT);
        assert!(Error::Service(maybe.clone()).may_have_taken_effect());
        assert!(
            maybe.to_string().ends_with(
                "; the request may have reached the service and taken effect: check before \
                 repeating it"
            ),
            "{maybe}"
        );

        // A 2xx body that cannot be read: the service reported success.
        let unreadable_ok = ResponseError::new(200, b"{\"Req", "truncated");
        assert!(unreadable_ok.may_have_taken_effect());
        assert!(unreadable_ok.to_string().contains("taken effect"));
        let unavailable = ResponseError::new(503, b"<html>", "not JSON");
        assert!(!Error::Response(unavailable.clone()).may_have_taken_effect());
        assert!(Error::Response(unavailable.with_call(TAKEN_EFFECT)).may_have_taken_effect());
        assert!(!Error::Config(ConfigError::new("x")).may_have_taken_effect());
    }

    #[test]
    fn errors_are_retryable_exactly_when_their_class_is_transient() {
        for (code, status) in [
            ("Throttling.User", 400),
            ("ServiceUnavailable", 503),
            ("InternalError", 500),
            ("InternalError.Dispatch", 500),
            ("UnknownError", 500),
            ("Anything", 502),
            ("Forbidden.RAM", 403),
            ("InvalidAction.NotFound", 404),
            ("InvalidParameter", 400),
            ("SignatureDoesNotMatch", 400),
            ("SomeBackendFault", 501),
        ] {
            let error = Error::Service(ServiceError::new(code, "", status));
            assert_eq!(
                error.is_retryable(),
                classify_service_error(code, status, false).is_transient(),
                "{code} {status}"
            );
        }
        for status in [200, 404, 500, 501, 502, 503, 504] {
            let error = Error::Response(ResponseError::new(status, b"<html>", "not JSON"));
            assert_eq!(
                error.is_retryable(),
                classify_unreadable_response(status).is_transient(),
                "{status}"
            );
        }
    }

    #[test]
    fn snippet_is_bounded() {
        let body = vec![b'x'; 4096];
        let s = snippet(&body);
        assert_eq!(s.chars().count(), BODY_SNIPPET_LIMIT + 1);
        assert!(s.ends_with('…'));
    }
}
