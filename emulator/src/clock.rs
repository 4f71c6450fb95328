//! The emulator's wall clock: the machine's clock plus an adjustable offset, to play a server
//! whose clock is off (clock-skew tests). Request timestamps are checked against it and every
//! response's `Date` header shows it.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime};

/// System time shifted by a signed number of seconds; cheap to read from any thread.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset_secs: AtomicI64,
}

impl Clock {
    pub(crate) fn new(offset_secs: i64) -> Self {
        Clock {
            offset_secs: AtomicI64::new(offset_secs),
        }
    }

    pub(crate) fn offset_secs(&self) -> i64 {
        self.offset_secs.load(Ordering::Relaxed)
    }

    pub(crate) fn set_offset_secs(&self, secs: i64) {
        self.offset_secs.store(secs, Ordering::Relaxed);
    }

    /// The server's "now".
    pub(crate) fn now(&self) -> SystemTime {
        shift(SystemTime::now(), self.offset_secs())
    }

    /// `now()` as an HTTP `Date` header value.
    pub(crate) fn http_date(&self) -> String {
        // httpdate panics outside 1970..=9999; an absurd offset must not take the server down.
        const LATEST: Duration = Duration::from_secs(253_402_300_799);
        let now = self.now();
        let clamped = match now.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(since) if since <= LATEST => now,
            Ok(_) => SystemTime::UNIX_EPOCH + LATEST,
            Err(_) => SystemTime::UNIX_EPOCH,
        };
        httpdate::fmt_http_date(clamped)
    }
}

/// Milliseconds of tokio time since the first call in this process (a paused test clock
/// advances it too): the scale of the "ready at" times kept in store rows, which cannot hold
/// a `tokio::time::Instant`.
pub(crate) fn tick() -> u64 {
    static BASE: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let base = *BASE.get_or_init(std::time::Instant::now);
    let now = tokio::time::Instant::now().into_std();
    u64::try_from(now.saturating_duration_since(base).as_millis()).unwrap_or(u64::MAX)
}

/// The [`tick`] `after` from now.
pub(crate) fn tick_after(after: Duration) -> u64 {
    tick().saturating_add(u64::try_from(after.as_millis()).unwrap_or(u64::MAX))
}

/// `t` moved by `secs` (saturating at the representable range instead of panicking).
pub(crate) fn shift(t: SystemTime, secs: i64) -> SystemTime {
    let by = Duration::from_secs(secs.unsigned_abs());
    if secs >= 0 {
        t.checked_add(by).unwrap_or(t)
    } else {
        t.checked_sub(by).unwrap_or(t)
    }
}

/// Parses a request timestamp: `YYYY-MM-DDThh:mm:ssZ` as the protocol sends it, or any RFC 3339
/// form (fractions, offsets) that some clients send.
pub(crate) fn parse_timestamp(text: &str) -> Option<SystemTime> {
    let parsed =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    let secs = parsed.unix_timestamp();
    let base = SystemTime::UNIX_EPOCH;
    let t = if secs >= 0 {
        base.checked_add(Duration::from_secs(secs.unsigned_abs()))?
    } else {
        base.checked_sub(Duration::from_secs(secs.unsigned_abs()))?
    };
    Some(t)
}

/// A time as ECS writes it: the minute form of [`rfc3339_minutes`] (`2026-12-07T16:00Z`), or
/// any form [`parse_timestamp`] reads.
pub(crate) fn parse_record_time(text: &str) -> Option<SystemTime> {
    match text.strip_suffix('Z') {
        Some(minutes) if minutes.len() == 16 => parse_timestamp(&format!("{minutes}:00Z")),
        _ => parse_timestamp(text),
    }
}

/// The distance between two times, whichever comes first.
pub(crate) fn distance(a: SystemTime, b: SystemTime) -> Duration {
    a.duration_since(b)
        .or_else(|_| b.duration_since(a))
        .unwrap_or_default()
}

/// RFC 3339 text of `t`, for the request log and admin answers.
pub(crate) fn rfc3339(t: SystemTime) -> String {
    aliyun_core::signer::format_timestamp(t)
}

/// `YYYY-MM-DDThh:mmZ`: the minute-precision form ECS writes instance times in.
pub(crate) fn rfc3339_minutes(t: SystemTime) -> String {
    let full = rfc3339(t);
    match full.get(..16) {
        Some(minutes) => format!("{minutes}Z"),
        None => full,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_protocol_timestamps() {
        let t = parse_timestamp("2024-01-02T03:04:05Z").unwrap();
        assert_eq!(rfc3339(t), "2024-01-02T03:04:05Z");
        assert!(parse_timestamp("2024-01-02T03:04:05.123+08:00").is_some());
        assert!(parse_timestamp("yesterday").is_none());
        assert!(parse_timestamp("").is_none());
        let t = parse_record_time("2024-01-02T03:04Z").unwrap();
        assert_eq!(rfc3339_minutes(t), "2024-01-02T03:04Z");
        assert_eq!(
            parse_record_time("2024-01-02T03:04:05Z"),
            parse_timestamp("2024-01-02T03:04:05Z")
        );
        assert!(parse_record_time("2024-01-02T03Z").is_none());
    }

    #[test]
    fn offset_moves_now() {
        let clock = Clock::new(1200);
        let skew = distance(clock.now(), SystemTime::now());
        assert!(skew >= Duration::from_secs(1199) && skew <= Duration::from_secs(1201));
        for offset in [i64::MIN, -4_000_000_000, 400_000_000_000, i64::MAX] {
            clock.set_offset_secs(offset);
            let _ = clock.now();
            let _ = clock.http_date();
        }
    }
}
