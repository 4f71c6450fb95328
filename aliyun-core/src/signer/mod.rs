//! Request signing as pure functions: RPC signature V1 (HMAC-SHA1) in [`v1`] and V3
//! (ACS3-HMAC-SHA256) in [`v3`].
//!
//! Signing never reads the clock or a random source: the caller passes the timestamp and the
//! nonce, so every published vector can be pinned and every stage (canonical string,
//! string-to-sign, signature) tested on its own. [`format_timestamp`] and [`new_nonce`] are the
//! helpers callers use to make those inputs for a real request; every attempt of a call needs a
//! fresh pair.

pub mod encoding;
pub mod v1;
pub mod v3;

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;

pub use v1::{SignedV1, V1Request};
pub use v3::{SignedV3, V3Request};

/// Formats `t` as the protocol wants it: UTC, `YYYY-MM-DDThh:mm:ssZ`, no fraction.
///
/// Times outside the years 0000..=9999 are clamped to that range (the service would refuse them
/// anyway), so this never fails.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use aliyun_core::signer::format_timestamp;
/// let t = UNIX_EPOCH + Duration::from_secs(1_456_231_584);
/// assert_eq!(format_timestamp(t), "2016-02-23T12:46:24Z");
/// ```
pub fn format_timestamp(t: SystemTime) -> String {
    let mut out = String::with_capacity(20);
    write_timestamp(t, &mut out);
    out
}

/// Appends the [`format_timestamp`] form of `t` to `out`.
pub fn write_timestamp(t: SystemTime, out: &mut String) {
    // Seconds since the epoch, negative before it; sub-second parts are dropped (truncated
    // towards the past, as a wall clock shows them).
    let secs: i64 = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => {
            let d = e.duration();
            let whole = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            if d.subsec_nanos() > 0 {
                whole.saturating_neg().saturating_sub(1)
            } else {
                whole.saturating_neg()
            }
        }
    };
    // 0000-01-01T00:00:00Z ..= 9999-12-31T23:59:59Z
    let secs = secs.clamp(-62_167_219_200, 253_402_300_799);
    let dt = OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    );
}

/// A fresh signature nonce: a random (CSPRNG) UUID v4 in its hyphenated lowercase form.
///
/// The only impure helper here; the sign functions never call it. Use a new one for every
/// attempt, since the service refuses a reused nonce (`SignatureNonceUsed`).
pub fn new_nonce() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Indices of `params` sorted by raw (unencoded) name in byte order, leaving out `skip` names.
///
/// Sorting indices instead of the pairs keeps the caller's slice untouched and avoids copying
/// strings; the sort is stable, so repeated names keep their input order.
fn sorted_indices(params: &[(&str, &str)], skip: Option<&str>) -> Vec<usize> {
    let mut order: Vec<usize> = (0..params.len())
        .filter(|&i| Some(params[i].0) != skip)
        .collect();
    order.sort_by(|&a, &b| params[a].0.as_bytes().cmp(params[b].0.as_bytes()));
    order
}

/// Appends `enc(name)=enc(value)` pairs joined with `&`, in `order`.
fn write_canonical_query(params: &[(&str, &str)], order: &[usize], out: &mut String) {
    for (n, &i) in order.iter().enumerate() {
        if n > 0 {
            out.push('&');
        }
        let (name, value) = params[i];
        encoding::percent_encode_into(name, out);
        out.push('=');
        encoding::percent_encode_into(value, out);
    }
}

/// A capacity guess for an encoded query: most parameter text is unreserved, so the raw length
/// plus some headroom for escapes avoids regrowing in the common case.
fn query_capacity(params: &[(&str, &str)]) -> usize {
    params
        .iter()
        .map(|(k, v)| k.len() + v.len() + 2)
        .sum::<usize>()
        .saturating_mul(5)
        / 4
}

/// Compares two byte strings in time independent of where they differ, for checking received
/// signatures.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamp_format() {
        let t = UNIX_EPOCH + Duration::from_secs(1_704_164_645);
        assert_eq!(format_timestamp(t), "2024-01-02T03:04:05Z");
        // Fractions are dropped, not rounded.
        assert_eq!(
            format_timestamp(t + Duration::from_millis(999)),
            "2024-01-02T03:04:05Z"
        );
        assert_eq!(format_timestamp(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            format_timestamp(UNIX_EPOCH - Duration::from_millis(1)),
            "1969-12-31T23:59:59Z"
        );
    }

    #[test]
    fn timestamp_never_panics_far_out() {
        assert_eq!(
            format_timestamp(UNIX_EPOCH + Duration::from_secs(u64::MAX / 4)),
            "9999-12-31T23:59:59Z"
        );
        if let Some(t) = UNIX_EPOCH.checked_sub(Duration::from_secs(1 << 40)) {
            assert_eq!(format_timestamp(t), "0000-01-01T00:00:00Z");
        }
    }

    #[test]
    fn nonce_is_uuid_v4() {
        let a = new_nonce();
        let b = new_nonce();
        assert_ne!(a, b);
        let parsed = uuid::Uuid::parse_str(&a).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
        assert_eq!(a.len(), 36);
    }

    #[test]
    fn sort_is_by_raw_name_bytes() {
        let params = [
            ("InstanceId.2", "b"),
            ("Signature", "x"),
            ("InstanceId.10", "a"),
        ];
        let order = sorted_indices(&params, Some("Signature"));
        assert_eq!(order, vec![2, 0]);
    }

    #[test]
    fn constant_time_eq_works() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
