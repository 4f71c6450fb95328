//! Retry policy: which failed attempts are tried again, and how long to wait first.
//!
//! This module is the one home of failure classification: which failures are throttling,
//! clock skew, transient or permanent ([`FailureClass`], decided by [`classify_service_error`],
//! [`classify_unreadable_response`] and [`classify_transport_error`]). A service error and an
//! unreadable response are classified once, when they are made, and keep their class
//! ([`ServiceError::failure_class`](crate::ServiceError::failure_class),
//! [`ResponseError::failure_class`](crate::ResponseError::failure_class)); the executor, the
//! errors' `is_retryable` and the STS client all read that class.
//!
//! The decision is a pure function, [`decide`]: the executor passes each failed attempt's
//! [`FailureClass`] and asks the policy what to do next. Nothing here reads a clock or a random
//! source; the caller passes the random number used for jitter, so every rule is unit-testable.
//!
//! # The rules
//!
//! | Failure | Idempotent action | Non-idempotent action |
//! |---|---|---|
//! | Throttling (`Throttling*`) | retried (throttling backoff) | retried (throttling backoff) |
//! | HTTP 503, `ServiceUnavailable`, a 4xx code the spec marks transient | retried | retried |
//! | HTTP 500/502/504, `InternalError*`, `UnknownError`, a 5xx code the spec marks transient | retried | **not retried** unless [`RetryPolicy::with_retry_non_idempotent_server_errors`]; the error says the call may have taken effect |
//! | Connection failure before the request was sent (refused, DNS, TLS, connect timeout) | retried | retried |
//! | Timeout or connection failure after the request may have been sent | retried | **not retried**; the error says the call may have taken effect |
//! | Timestamp refused because of clock skew (correction on) | retried once, at once | retried once, at once |
//! | Anything else (bad parameter, not found, forbidden, unreadable 2xx body) | not retried | not retried |
//!
//! Why the split for non-idempotent actions: throttling, 503 and `ServiceUnavailable` mean the
//! service refused the request before doing anything, so sending it again cannot do the work
//! twice. A 500/502/504 or `InternalError*` may come from a backend that did part or all of the
//! work before failing (`InternalError.Dispatch` on `InstallCloudAssistant` is the classic
//! example), so repeating a write there risks doing it twice; the default is to report the error
//! and let the caller check the resource's state. Callers whose actions carry a client token (so
//! the service deduplicates) can opt in to retrying them.

use std::time::Duration;

use crate::transport::TransportErrorKind;

/// How failed calls are retried: how many attempts, how long to wait between them, and whether
/// server errors of non-idempotent actions are retried. See the [module docs](self) for the rules.
///
/// ```
/// use std::time::Duration;
/// use aliyun_core::retry::{Backoff, Jitter, RetryPolicy};
///
/// let policy = RetryPolicy::default()
///     .with_max_attempts(5)
///     .with_throttling_backoff(Backoff::new(Duration::from_secs(1), Duration::from_secs(30), Jitter::Equal));
/// assert_eq!(policy.max_attempts(), 5);
/// assert_eq!(RetryPolicy::disabled().max_attempts(), 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    max_attempts: u32,
    transient_backoff: Backoff,
    throttling_backoff: Backoff,
    retry_non_idempotent_server_errors: bool,
}

impl RetryPolicy {
    /// No retries: one attempt per call. (A timestamp refused because of clock skew is still
    /// corrected and sent once more when clock-skew correction is on: that is a correction of
    /// this client's clock, not a retry of a transient fault.)
    pub fn disabled() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Sets the most attempts per call, the first included (at least 1).
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts.max(1);
        self
    }

    /// Sets the backoff after transient failures (server errors, connection failures, timeouts).
    pub fn with_transient_backoff(mut self, backoff: Backoff) -> Self {
        self.transient_backoff = backoff;
        self
    }

    /// Sets the backoff after throttling errors.
    pub fn with_throttling_backoff(mut self, backoff: Backoff) -> Self {
        self.throttling_backoff = backoff;
        self
    }

    /// Whether HTTP 500/502/504 and `InternalError*` answers to non-idempotent actions are
    /// retried (default `false`: such a request may have been processed). Turn it on only when
    /// the actions called deduplicate repeated requests (a client token).
    pub fn with_retry_non_idempotent_server_errors(mut self, retry: bool) -> Self {
        self.retry_non_idempotent_server_errors = retry;
        self
    }

    /// The most attempts per call, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The backoff after transient failures.
    pub fn transient_backoff(&self) -> Backoff {
        self.transient_backoff
    }

    /// The backoff after throttling errors.
    pub fn throttling_backoff(&self) -> Backoff {
        self.throttling_backoff
    }

    /// Whether server errors of non-idempotent actions are retried.
    pub fn retry_non_idempotent_server_errors(&self) -> bool {
        self.retry_non_idempotent_server_errors
    }
}

impl Default for RetryPolicy {
    /// Three attempts; transient failures back off `100 ms × 2ⁿ` (full jitter, at most 20 s),
    /// throttling `500 ms × 2ⁿ` (equal jitter, so never less than half, at most 20 s), as the
    /// official SDK core does; server errors of non-idempotent actions are not retried.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            transient_backoff: Backoff::new(
                Duration::from_millis(100),
                Duration::from_secs(20),
                Jitter::Full,
            ),
            throttling_backoff: Backoff::new(
                Duration::from_millis(500),
                Duration::from_secs(20),
                Jitter::Equal,
            ),
            retry_non_idempotent_server_errors: false,
        }
    }
}

/// Exponential backoff: before retry `n` (0 for the first retry) wait `base × 2ⁿ`, at most
/// `max`, randomized by the jitter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The wait before the first retry, before jitter.
    pub base: Duration,
    /// The longest wait.
    pub max: Duration,
    /// How the wait is randomized.
    pub jitter: Jitter,
}

/// How a backoff wait is randomized, so many clients throttled at once do not retry in step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Jitter {
    /// The exact exponential wait.
    None,
    /// A uniform wait between zero and the exponential wait.
    Full,
    /// Half the exponential wait plus a uniform share of the other half.
    Equal,
}

impl Backoff {
    /// A backoff starting at `base`, doubling per retry, capped at `max`.
    pub const fn new(base: Duration, max: Duration, jitter: Jitter) -> Self {
        Backoff { base, max, jitter }
    }

    /// The wait before retry number `retry` (0 for the first retry). `random` is a uniform
    /// number in `[0, 1)`; values outside are clamped.
    ///
    /// ```
    /// use std::time::Duration;
    /// use aliyun_core::retry::{Backoff, Jitter};
    ///
    /// let b = Backoff::new(Duration::from_millis(100), Duration::from_secs(1), Jitter::None);
    /// assert_eq!(b.delay(0, 0.5), Duration::from_millis(100));
    /// assert_eq!(b.delay(3, 0.5), Duration::from_millis(800));
    /// assert_eq!(b.delay(10, 0.5), Duration::from_secs(1));
    /// ```
    pub fn delay(&self, retry: u32, random: f64) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        let exponential = self.base.saturating_mul(factor).min(self.max);
        let random = if random.is_finite() {
            random.clamp(0.0, 1.0)
        } else {
            0.0
        };
        match self.jitter {
            Jitter::None => exponential,
            Jitter::Full => exponential.mul_f64(random),
            Jitter::Equal => exponential / 2 + (exponential / 2).mul_f64(random),
        }
    }
}

/// What kind of failure an attempt ended in, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureClass {
    /// A throttling code: the service refused the request without processing it.
    Throttled,
    /// HTTP 503, `ServiceUnavailable`, or a 4xx code the spec marks transient: refused before
    /// processing.
    Unavailable,
    /// HTTP 500/502/504, `InternalError*`, `UnknownError`, or a 5xx code the spec marks
    /// transient: the service may have processed the request before failing.
    ServerError,
    /// The request's timestamp was refused as too far from the server's time
    /// (`InvalidTimeStamp.Expired`, `RequestTimeTooSkewed`, ...). The executor sends it once
    /// more, at once, when clock-skew correction is on and the response's `Date` header gave the
    /// offset; otherwise it is final, like [`Permanent`](Self::Permanent).
    ClockSkew,
    /// The connection failed before the request was sent.
    NotSent,
    /// A timeout or connection failure after the request may have reached the service.
    MaybeSent,
    /// Anything else: trying again will not help.
    Permanent,
}

impl FailureClass {
    /// Whether a request that failed this way may have been processed by the service.
    pub fn may_have_taken_effect(self) -> bool {
        matches!(self, FailureClass::ServerError | FailureClass::MaybeSent)
    }

    /// Whether trying the same request again later may succeed by itself: every class but
    /// [`Permanent`](Self::Permanent) and [`ClockSkew`](Self::ClockSkew) (a refused timestamp
    /// needs the clock corrected first, which the executor does within the call). The policy
    /// still needs attempts left, and for [`ServerError`](Self::ServerError) and
    /// [`MaybeSent`](Self::MaybeSent) an action that may be repeated. This is what
    /// [`Error::is_retryable`](crate::Error::is_retryable) answers for a finished call.
    pub fn is_transient(self) -> bool {
        !matches!(self, FailureClass::Permanent | FailureClass::ClockSkew)
    }
}

/// The state of a call, as the retry decision needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptContext {
    /// Attempts made so far, the failed one included (1 after the first attempt).
    pub attempts_made: u32,
    /// Whether the action is idempotent (from its spec).
    pub idempotent: bool,
    /// Whether the one immediate retry after a clock-skew correction is still available (clock
    /// skew correction on, and not used yet in this call).
    pub clock_skew_retry_available: bool,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Send the request again (re-signed) after waiting `delay`.
    Retry {
        /// How long to wait first.
        delay: Duration,
    },
    /// Return the error.
    Stop(StopReason),
}

/// Why a failed call is not retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// The failure is not transient.
    NotRetryable,
    /// The policy's attempts are used up.
    AttemptsExhausted,
    /// The request may have reached the service and the action is not idempotent: sending it
    /// again could do the work twice.
    MayHaveTakenEffect,
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StopReason::NotRetryable => "the failure is not transient",
            StopReason::AttemptsExhausted => "no attempts left",
            StopReason::MayHaveTakenEffect => {
                "the action is not idempotent and the request may have taken effect"
            }
        })
    }
}

/// Decides whether to retry after a failed attempt. `random` is a uniform number in `[0, 1)`
/// for the jitter. See the [module docs](self) for the rules.
///
/// ```
/// use aliyun_core::retry::{decide, AttemptContext, FailureClass, RetryDecision, RetryPolicy, StopReason};
///
/// let policy = RetryPolicy::default();
/// let first = AttemptContext { attempts_made: 1, idempotent: false, clock_skew_retry_available: true };
/// assert!(matches!(decide(&policy, FailureClass::Throttled, &first, 0.5), RetryDecision::Retry { .. }));
/// assert_eq!(
///     decide(&policy, FailureClass::MaybeSent, &first, 0.5),
///     RetryDecision::Stop(StopReason::MayHaveTakenEffect)
/// );
/// ```
pub fn decide(
    policy: &RetryPolicy,
    failure: FailureClass,
    context: &AttemptContext,
    random: f64,
) -> RetryDecision {
    let backoff = match failure {
        FailureClass::Permanent => return RetryDecision::Stop(StopReason::NotRetryable),
        // The correction is not a retry of a transient fault: it does not count against the
        // policy's attempts, and the refused request did nothing, so it is safe for any action.
        FailureClass::ClockSkew => {
            return if context.clock_skew_retry_available {
                RetryDecision::Retry {
                    delay: Duration::ZERO,
                }
            } else {
                RetryDecision::Stop(StopReason::NotRetryable)
            };
        }
        FailureClass::MaybeSent if !context.idempotent => {
            return RetryDecision::Stop(StopReason::MayHaveTakenEffect);
        }
        FailureClass::ServerError
            if !context.idempotent && !policy.retry_non_idempotent_server_errors =>
        {
            return RetryDecision::Stop(StopReason::MayHaveTakenEffect);
        }
        FailureClass::Throttled => policy.throttling_backoff,
        FailureClass::Unavailable
        | FailureClass::ServerError
        | FailureClass::NotSent
        | FailureClass::MaybeSent => policy.transient_backoff,
    };
    if context.attempts_made >= policy.max_attempts {
        return RetryDecision::Stop(StopReason::AttemptsExhausted);
    }
    RetryDecision::Retry {
        delay: backoff.delay(context.attempts_made.saturating_sub(1), random),
    }
}

/// Whether `code` is one of the throttling codes (`Throttling`, `Throttling.*`).
pub fn is_throttling_code(code: &str) -> bool {
    code == "Throttling" || code.starts_with("Throttling.")
}

/// Whether `code` means the request's timestamp was refused as too far from the server's time
/// (compared without case: `InvalidTimeStamp.Expired`, `RequestTimeTooSkewed`,
/// `InvalidTimeStamp`, `SignatureExpired`).
pub fn is_clock_skew_code(code: &str) -> bool {
    [
        "InvalidTimeStamp.Expired",
        "RequestTimeTooSkewed",
        "InvalidTimeStamp",
        "SignatureExpired",
    ]
    .iter()
    .any(|skew| code.eq_ignore_ascii_case(skew))
}

/// Classifies a service error answer by its code and HTTP status. `spec_retryable` is whether
/// the action's spec marks the code transient. The rules, first match wins:
///
/// 1. a throttling code ([`is_throttling_code`]): [`Throttled`](FailureClass::Throttled);
/// 2. `ServiceUnavailable` or HTTP 503: [`Unavailable`](FailureClass::Unavailable);
/// 3. `InternalError`, `InternalError.*`, `UnknownError`, HTTP 500/502/504, or a 5xx code the
///    spec marks transient: [`ServerError`](FailureClass::ServerError);
/// 4. a 4xx code the spec marks transient: [`Unavailable`](FailureClass::Unavailable);
/// 5. a refused timestamp ([`is_clock_skew_code`]): [`ClockSkew`](FailureClass::ClockSkew);
/// 6. anything else: [`Permanent`](FailureClass::Permanent).
///
/// ```
/// use aliyun_core::retry::{classify_service_error, FailureClass};
///
/// assert_eq!(classify_service_error("Throttling.User", 400, false), FailureClass::Throttled);
/// assert_eq!(classify_service_error("InternalError.Dispatch", 500, false), FailureClass::ServerError);
/// assert_eq!(classify_service_error("InvalidTimeStamp.Expired", 400, false), FailureClass::ClockSkew);
/// assert_eq!(classify_service_error("InvalidParameter", 400, false), FailureClass::Permanent);
/// ```
pub fn classify_service_error(code: &str, http_status: u16, spec_retryable: bool) -> FailureClass {
    let server_error = code == "InternalError"
        || code.starts_with("InternalError.")
        || code == "UnknownError"
        || matches!(http_status, 500 | 502 | 504);
    if is_throttling_code(code) {
        FailureClass::Throttled
    } else if code == "ServiceUnavailable" || http_status == 503 {
        FailureClass::Unavailable
    } else if server_error || (spec_retryable && http_status >= 500) {
        FailureClass::ServerError
    } else if spec_retryable {
        // A 4xx answer: the service refused the request, so it did nothing.
        FailureClass::Unavailable
    } else if is_clock_skew_code(code) {
        FailureClass::ClockSkew
    } else {
        FailureClass::Permanent
    }
}

/// Classifies a response that could not be read, by its HTTP status: a gateway's HTML error
/// page for a 502/503/504 is as transient as the status says; anything else (an unreadable 2xx
/// body in particular: the action succeeded) is not retried.
pub fn classify_unreadable_response(http_status: u16) -> FailureClass {
    match http_status {
        503 => FailureClass::Unavailable,
        500 | 502 | 504 => FailureClass::ServerError,
        _ => FailureClass::Permanent,
    }
}

/// Classifies a transport failure by its kind and whether the request may have been sent.
pub fn classify_transport_error(kind: TransportErrorKind, request_sent: bool) -> FailureClass {
    match kind {
        TransportErrorKind::BodyTooLarge | TransportErrorKind::Other => FailureClass::Permanent,
        TransportErrorKind::Connect => FailureClass::NotSent,
        _ if !request_sent => FailureClass::NotSent,
        _ => FailureClass::MaybeSent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(attempts_made: u32, idempotent: bool) -> AttemptContext {
        AttemptContext {
            attempts_made,
            idempotent,
            clock_skew_retry_available: true,
        }
    }

    fn retries(policy: &RetryPolicy, class: FailureClass, attempts: u32, idem: bool) -> bool {
        matches!(
            decide(policy, class, &ctx(attempts, idem), 0.5),
            RetryDecision::Retry { .. }
        )
    }

    #[test]
    fn throttling_and_unavailable_retry_for_any_action_until_attempts_run_out() {
        let policy = RetryPolicy::default();
        for class in [
            FailureClass::Throttled,
            FailureClass::Unavailable,
            FailureClass::NotSent,
        ] {
            for idempotent in [true, false] {
                assert!(retries(&policy, class, 1, idempotent), "{class:?}");
                assert!(retries(&policy, class, 2, idempotent), "{class:?}");
                assert_eq!(
                    decide(&policy, class, &ctx(3, idempotent), 0.5),
                    RetryDecision::Stop(StopReason::AttemptsExhausted)
                );
            }
        }
    }

    #[test]
    fn server_errors_retry_only_idempotent_actions_by_default() {
        let policy = RetryPolicy::default();
        assert!(retries(&policy, FailureClass::ServerError, 1, true));
        assert_eq!(
            decide(&policy, FailureClass::ServerError, &ctx(1, false), 0.5),
            RetryDecision::Stop(StopReason::MayHaveTakenEffect)
        );
        let opted_in = policy.with_retry_non_idempotent_server_errors(true);
        assert!(retries(&opted_in, FailureClass::ServerError, 1, false));
    }

    #[test]
    fn maybe_sent_retries_only_idempotent_actions_even_when_opted_in() {
        let policy = RetryPolicy::default().with_retry_non_idempotent_server_errors(true);
        assert!(retries(&policy, FailureClass::MaybeSent, 1, true));
        assert_eq!(
            decide(&policy, FailureClass::MaybeSent, &ctx(1, false), 0.5),
            RetryDecision::Stop(StopReason::MayHaveTakenEffect)
        );
    }

    #[test]
    fn permanent_failures_never_retry() {
        let policy = RetryPolicy::default();
        assert_eq!(
            decide(&policy, FailureClass::Permanent, &ctx(1, true), 0.5),
            RetryDecision::Stop(StopReason::NotRetryable)
        );
    }

    #[test]
    fn clock_skew_retries_once_at_once_even_with_retries_disabled() {
        let policy = RetryPolicy::disabled();
        assert_eq!(
            decide(&policy, FailureClass::ClockSkew, &ctx(1, false), 0.5),
            RetryDecision::Retry {
                delay: Duration::ZERO
            }
        );
        let used = AttemptContext {
            clock_skew_retry_available: false,
            ..ctx(2, false)
        };
        assert_eq!(
            decide(&policy, FailureClass::ClockSkew, &used, 0.5),
            RetryDecision::Stop(StopReason::NotRetryable)
        );
    }

    #[test]
    fn disabled_policy_makes_one_attempt() {
        let policy = RetryPolicy::disabled();
        assert_eq!(
            decide(&policy, FailureClass::Throttled, &ctx(1, true), 0.5),
            RetryDecision::Stop(StopReason::AttemptsExhausted)
        );
    }

    #[test]
    fn throttling_backs_off_longer_than_transient_failures() {
        let policy = RetryPolicy::default();
        for attempts in 1..=3 {
            let delay = |class, random| match decide(
                &policy.clone().with_max_attempts(10),
                class,
                &ctx(attempts, true),
                random,
            ) {
                RetryDecision::Retry { delay } => delay,
                other => panic!("{other:?}"),
            };
            // The shortest throttling wait beats the longest transient one.
            assert!(
                delay(FailureClass::Throttled, 0.0) > delay(FailureClass::ServerError, 0.999),
                "attempt {attempts}"
            );
        }
    }

    #[test]
    fn backoff_doubles_caps_and_jitters() {
        let ms = Duration::from_millis;
        let none = Backoff::new(ms(100), Duration::from_secs(20), Jitter::None);
        assert_eq!(none.delay(0, 0.9), ms(100));
        assert_eq!(none.delay(1, 0.9), ms(200));
        assert_eq!(none.delay(2, 0.9), ms(400));
        assert_eq!(none.delay(40, 0.9), Duration::from_secs(20));
        let full = Backoff {
            jitter: Jitter::Full,
            ..none
        };
        assert_eq!(full.delay(2, 0.0), Duration::ZERO);
        assert_eq!(full.delay(2, 0.5), ms(200));
        let equal = Backoff::new(ms(500), Duration::from_secs(20), Jitter::Equal);
        assert_eq!(equal.delay(0, 0.0), ms(250));
        assert_eq!(equal.delay(1, 0.5), ms(750));
        assert_eq!(equal.delay(u32::MAX, f64::NAN), Duration::from_secs(10));
    }

    #[test]
    fn service_errors_are_classified_by_code_and_status() {
        use FailureClass::*;
        let cases = [
            ("Throttling", 400, false, Throttled),
            ("Throttling.User", 400, false, Throttled),
            ("Throttling.Api", 400, false, Throttled),
            ("ServiceUnavailable", 503, false, Unavailable),
            ("Anything", 503, false, Unavailable),
            ("InternalError", 500, false, ServerError),
            ("InternalError.Dispatch", 500, false, ServerError),
            ("UnknownError", 500, false, ServerError),
            ("BadGateway", 502, false, ServerError),
            ("GatewayTimeout", 504, false, ServerError),
            ("IncorrectInstanceStatus", 403, true, Unavailable),
            ("SomeBackendFault", 501, true, ServerError),
            ("InvalidParameter", 400, false, Permanent),
            ("Forbidden.RAM", 403, false, Permanent),
            ("SomeBackendFault", 501, false, Permanent),
            ("InvalidTimeStamp.Expired", 400, false, ClockSkew),
            ("requesttimetooskewed", 403, false, ClockSkew),
            ("InvalidTimeStamp.Format", 400, false, Permanent),
        ];
        for (code, status, spec, expected) in cases {
            assert_eq!(
                classify_service_error(code, status, spec),
                expected,
                "{code} {status}"
            );
        }
    }

    #[test]
    fn clock_skew_is_final_for_the_caller() {
        assert!(!FailureClass::ClockSkew.is_transient());
        assert!(!FailureClass::ClockSkew.may_have_taken_effect());
        assert!(FailureClass::Throttled.is_transient());
        assert!(is_clock_skew_code("InvalidTimeStamp.Expired"));
        assert!(is_clock_skew_code("RequestTimeTooSkewed"));
        assert!(!is_clock_skew_code("InvalidTimeStamp.Format"));
    }

    #[test]
    fn transport_errors_are_classified_by_whether_the_request_left() {
        use TransportErrorKind as K;
        assert_eq!(
            classify_transport_error(K::Connect, false),
            FailureClass::NotSent
        );
        assert_eq!(
            classify_transport_error(K::Timeout, false),
            FailureClass::NotSent
        );
        assert_eq!(
            classify_transport_error(K::Timeout, true),
            FailureClass::MaybeSent
        );
        assert_eq!(
            classify_transport_error(K::Io, true),
            FailureClass::MaybeSent
        );
        assert_eq!(
            classify_transport_error(K::BodyTooLarge, true),
            FailureClass::Permanent
        );
        assert_eq!(
            classify_transport_error(K::Other, false),
            FailureClass::Permanent
        );
        assert_eq!(classify_unreadable_response(502), FailureClass::ServerError);
        assert_eq!(classify_unreadable_response(503), FailureClass::Unavailable);
        assert_eq!(classify_unreadable_response(200), FailureClass::Permanent);
    }
}
