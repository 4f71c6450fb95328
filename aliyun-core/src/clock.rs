//! The clock requests are timestamped with: the local time plus an offset learned from the
//! service when it refused a timestamp as skewed.
//!
//! The offset is one `AtomicI64` (milliseconds) shared by every client built from one
//! [`Config`](crate::Config): reading it on each request costs one relaxed load, and a correction
//! learned by one product client helps the others (the service's clocks agree with each other;
//! it is the local clock that is off).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime};

/// Where the current time comes from. The default is the system clock; tests substitute a
/// fixed or skewed one.
pub trait TimeSource: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl TimeSource for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A time source plus a learned offset.
#[derive(Debug)]
pub(crate) struct SkewedClock {
    source: Arc<dyn TimeSource>,
    offset_millis: AtomicI64,
}

impl SkewedClock {
    pub(crate) fn new(source: Arc<dyn TimeSource>) -> Self {
        SkewedClock {
            source,
            offset_millis: AtomicI64::new(0),
        }
    }

    /// The uncorrected local time.
    pub(crate) fn local_now(&self) -> SystemTime {
        self.source.now()
    }

    /// The local time corrected by the learned offset: what requests are timestamped with.
    pub(crate) fn now(&self) -> SystemTime {
        apply_offset(self.local_now(), self.offset_millis())
    }

    /// The learned offset (server time minus local time), in milliseconds.
    pub(crate) fn offset_millis(&self) -> i64 {
        self.offset_millis.load(Ordering::Relaxed)
    }

    /// Stores the offset between `server_time` (a response's `Date`) and `local_time` (when the
    /// response arrived) and returns it.
    pub(crate) fn learn(&self, server_time: SystemTime, local_time: SystemTime) -> i64 {
        let offset = offset_millis(server_time, local_time);
        self.offset_millis.store(offset, Ordering::Relaxed);
        offset
    }
}

/// `server - local` in milliseconds, saturating.
pub(crate) fn offset_millis(server: SystemTime, local: SystemTime) -> i64 {
    let to_millis = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    match server.duration_since(local) {
        Ok(ahead) => to_millis(ahead),
        Err(behind) => -to_millis(behind.duration()),
    }
}

fn apply_offset(time: SystemTime, offset_millis: i64) -> SystemTime {
    let magnitude = Duration::from_millis(offset_millis.unsigned_abs());
    let shifted = if offset_millis >= 0 {
        time.checked_add(magnitude)
    } else {
        time.checked_sub(magnitude)
    };
    shifted.unwrap_or(time)
}

/// Parses an HTTP `Date` header value (RFC 7231 formats).
pub(crate) fn parse_http_date(value: &http::HeaderValue) -> Option<SystemTime> {
    httpdate::parse_http_date(value.to_str().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Fixed(SystemTime);
    impl TimeSource for Fixed {
        fn now(&self) -> SystemTime {
            self.0
        }
    }

    #[test]
    fn learned_offset_shifts_now_both_ways() {
        let local = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let clock = SkewedClock::new(Arc::new(Fixed(local)));
        assert_eq!(clock.now(), local);

        let ahead = local + Duration::from_secs(20 * 60);
        assert_eq!(clock.learn(ahead, local), 1_200_000);
        assert_eq!(clock.now(), ahead);

        let behind = local - Duration::from_secs(90);
        assert_eq!(clock.learn(behind, local), -90_000);
        assert_eq!(clock.now(), behind);
        assert_eq!(clock.local_now(), local);
    }

    #[test]
    fn parses_http_dates() {
        let value = http::HeaderValue::from_static("Tue, 02 Jan 2024 03:04:05 GMT");
        let parsed = parse_http_date(&value).unwrap();
        assert_eq!(
            parsed,
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_164_645)
        );
        assert!(parse_http_date(&http::HeaderValue::from_static("yesterday")).is_none());
    }
}
