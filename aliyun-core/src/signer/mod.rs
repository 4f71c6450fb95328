//! Request signing as pure functions: RPC signature V1 (HMAC-SHA1) in [`v1`] and V3
//! (ACS3-HMAC-SHA256) in [`v3`].
//!
//! Signing never reads the clock or a random source: the caller passes the timestamp and the
//! nonce, so every published vector can be pinned and every stage (canonical string,
//! string-to-sign, signature) tested on its own. [`format_timestamp`] and [`new_nonce`] are the
//! helpers callers use to make those inputs for a real request; every attempt of a call needs a
//! fresh pair.

mod canonical;
pub mod encoding;
pub mod v1;
pub mod v3;

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
    let bytes = timestamp_bytes(t);
    // Always ASCII digits and separators.
    out.push_str(std::str::from_utf8(&bytes).unwrap_or_default());
}

/// The timestamp as 20 ASCII bytes on the stack, so signing need not allocate for it.
fn timestamp_bytes(t: SystemTime) -> [u8; 20] {
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
    // 0000-01-01T00:00:00Z ..= 9999-12-31T23:59:59Z, so the year has four digits.
    let secs = secs.clamp(-62_167_219_200, 253_402_300_799);
    let dt = OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let (year, month, day) = dt.to_calendar_date();
    let (hour, minute, second) = dt.to_hms();
    // Digits are placed by hand: `write!` costs more than the calendar arithmetic, and this
    // runs once per signed request.
    let year = u32::try_from(year).unwrap_or(0);
    let mut out = *b"0000-00-00T00:00:00Z";
    put_two(&mut out[0..2], year / 100);
    put_two(&mut out[2..4], year % 100);
    put_two(&mut out[5..7], u32::from(u8::from(month)));
    put_two(&mut out[8..10], u32::from(day));
    put_two(&mut out[11..13], u32::from(hour));
    put_two(&mut out[14..16], u32::from(minute));
    put_two(&mut out[17..19], u32::from(second));
    out
}

/// Writes `n` (0..=99) as two digits.
fn put_two(slot: &mut [u8], n: u32) {
    slot[0] = b'0' + (n / 10 % 10) as u8;
    slot[1] = b'0' + (n % 10) as u8;
}

/// A fresh signature nonce: a random (CSPRNG) UUID v4 in its hyphenated lowercase form.
///
/// The only impure helper here; the sign functions never call it. Use a new one for every
/// attempt, since the service refuses a reused nonce (`SignatureNonceUsed`).
///
/// The 122 random bits come from the thread's ChaCha12 generator (`rand::rng()`, seeded from
/// the operating system and reseeded periodically): `Uuid::new_v4` asks the operating system
/// for every UUID, one system call per nonce, which cost more than the signing itself. (As
/// with any userspace generator, a process that `fork`s without `exec` after drawing nonces
/// shares the generator's state with its child; Rust programs that call the SDK do not
/// normally fork.)
pub fn new_nonce() -> String {
    let mut text = [0u8; NONCE_LEN];
    write_nonce(&mut text).to_owned()
}

/// The length of a [`new_nonce`].
pub(crate) const NONCE_LEN: usize = uuid::fmt::Hyphenated::LENGTH;

/// Writes a [`new_nonce`] into `text` and returns it, without allocating.
pub(crate) fn write_nonce(text: &mut [u8; NONCE_LEN]) -> &str {
    use rand::RngCore as _;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let uuid = uuid::Builder::from_random_bytes(bytes).into_uuid();
    uuid.hyphenated().encode_lower(text)
}

/// `params` without `skip`, sorted by raw (unencoded) name in byte order.
///
/// Sorts a vector of borrowed pairs, never copies of the strings; the sort is stable, so
/// repeated names keep their input order.
fn sorted_pairs<'a>(params: &[(&'a str, &'a str)], skip: Option<&str>) -> Vec<(&'a str, &'a str)> {
    let mut sorted: Vec<(&str, &str)> = params
        .iter()
        .copied()
        .filter(|(name, _)| Some(*name) != skip)
        .collect();
    sort_by_name(&mut sorted);
    sorted
}

/// Sorts pairs by raw name in byte order, stably.
///
/// Signing sorts a few dozen names per request, and names often share long prefixes
/// (`InstanceId.1` … `InstanceId.20`), where a comparison of strings costs a `memcmp` call:
/// that made sorting as costly as the HMAC. Instead each name's first 14 bytes are
/// packed, with its position, into one `u128` computed once; sorting those integers orders
/// almost every name, and only names whose first 14 bytes agree are compared
/// whole afterwards.
fn sort_by_name<'a>(pairs: &mut [(&'a str, &'a str)]) {
    // Scratch on the stack for the usual sizes (zero-filling it is part of the cost, so it is
    // not oversized), on the heap beyond.
    const ON_STACK: usize = 40;
    let len = pairs.len();
    if len <= ON_STACK {
        let mut keys = [0u128; ON_STACK];
        let mut original = [("", ""); ON_STACK];
        original[..len].copy_from_slice(pairs);
        sort_with_keys(pairs, &mut keys[..len], &original[..len]);
    } else if len <= usize::from(u16::MAX) {
        let mut keys = vec![0u128; len];
        let original = pairs.to_vec();
        sort_with_keys(pairs, &mut keys, &original);
    } else {
        pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    }
}

/// [`sort_by_name`] with scratch space: `keys` as long as `pairs`, `original` a copy of it.
#[inline]
fn sort_with_keys<'a>(
    pairs: &mut [(&'a str, &'a str)],
    keys: &mut [u128],
    original: &[(&'a str, &'a str)],
) {
    for (index, (key, (name, _))) in keys.iter_mut().zip(original).enumerate() {
        // `index` fits the two low bytes the prefix leaves free (the caller checks).
        *key = name_key(name) | index as u128;
    }
    keys.sort_unstable();
    for (slot, key) in pairs.iter_mut().zip(keys.iter()) {
        *slot = original[usize::from(*key as u16)];
    }
    // Equal prefixes are ordered by position so far (stable); order them by whole names.
    let mut run_start = 0;
    for i in 1..=keys.len() {
        if i == keys.len() || keys[i] >> 16 != keys[run_start] >> 16 {
            if i - run_start > 1 {
                pairs[run_start..i].sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            }
            run_start = i;
        }
    }
}

/// The first 14 bytes of `name`, zero-padded, big-endian in the top bits of a
/// `u128` whose two low bytes are zero.
///
/// Zero-padding keeps the order exact: 0 is the smallest byte, so a name that begins another
/// gets a smaller or equal key; equal keys are settled by comparing whole names.
///
/// Built from whole-word loads and shifts: assembling the bytes in a buffer and reading it
/// back as one integer stalls on store forwarding, which cost more than the sort itself.
#[inline]
fn name_key(name: &str) -> u128 {
    let bytes = name.as_bytes();
    let len = bytes.len();
    let word = |at: usize| match bytes.get(at..at + 8) {
        Some(eight) => u64::from_be_bytes(eight.try_into().unwrap_or_default()),
        None => 0,
    };
    let (high, low) = if len >= 16 {
        (word(0), word(8))
    } else if len >= 8 {
        // The last eight bytes, shifted so that bytes 8.. land at the top of the low word.
        let tail = word(len - 8)
            .checked_shl(8 * (16 - len) as u32)
            .unwrap_or(0);
        (word(0), tail)
    } else if len >= 4 {
        let half = |at: usize| match bytes.get(at..at + 4) {
            Some(four) => u64::from(u32::from_be_bytes(four.try_into().unwrap_or_default())),
            None => 0,
        };
        // Two overlapping halves; the overlap holds the same bytes in both.
        ((half(0) << 32) | (half(len - 4) << (8 * (8 - len))), 0)
    } else {
        let mut high = 0u64;
        for (i, &byte) in bytes.iter().enumerate() {
            high |= u64::from(byte) << (56 - 8 * i);
        }
        (high, 0)
    };
    // Keep 14 bytes: the low word's last two bytes are the position's.
    (u128::from(high) << 64) | u128::from(low & !0xFFFF)
}

/// Byte order of two names, through [`name_key`] (for tests of the key's exactness).
#[cfg(test)]
fn compare_names(a: &str, b: &str) -> std::cmp::Ordering {
    name_key(a)
        .cmp(&name_key(b))
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
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
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(a.len(), 36);
        assert_eq!(a, a.to_ascii_lowercase());
        // Distinct across many draws and across threads (each thread has its own generator).
        let mut seen: std::collections::HashSet<String> =
            (0..10_000).map(|_| new_nonce()).collect();
        let other = std::thread::spawn(|| (0..10_000).map(|_| new_nonce()).collect::<Vec<_>>())
            .join()
            .unwrap();
        seen.extend(other);
        assert_eq!(seen.len(), 20_000);
    }

    #[test]
    fn sort_is_by_raw_name_bytes() {
        let params = [
            ("InstanceId.2", "b"),
            ("Signature", "x"),
            ("InstanceId.10", "a"),
        ];
        let sorted = sorted_pairs(&params, Some("Signature"));
        assert_eq!(sorted, vec![("InstanceId.10", "a"), ("InstanceId.2", "b")]);
    }

    #[test]
    fn name_order_matches_byte_order() {
        let names = [
            "",
            "a",
            "a\0",
            "a\0b",
            "ab",
            "InstanceId.1",
            "InstanceId.10",
            "InstanceId.2",
            "InstanceIdX",
            "SignatureMethod",
            "SignatureNonce",
            "Signature",
            "测试",
            "~",
        ];
        for a in names {
            for b in names {
                assert_eq!(
                    compare_names(a, b),
                    a.as_bytes().cmp(b.as_bytes()),
                    "{a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn sort_is_stable_and_handles_long_lists() {
        let mut pairs = vec![("b", "1"), ("a", "1"), ("b", "2"), ("a", "2")];
        sort_by_name(&mut pairs);
        assert_eq!(pairs, [("a", "1"), ("a", "2"), ("b", "1"), ("b", "2")]);
        let names: Vec<String> = (0..40).rev().map(|i| format!("Tag.{i}.Key")).collect();
        let mut long: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "")).collect();
        sort_by_name(&mut long);
        assert!(
            long.windows(2)
                .all(|w| w[0].0.as_bytes() < w[1].0.as_bytes())
        );
    }

    proptest::proptest! {
        #[test]
        fn sort_matches_a_stable_byte_sort(names in proptest::collection::vec("[A-Ca\\x00.]{0,18}", 0..80)) {
            // Values record input positions, so the comparison also checks stability.
            let values: Vec<String> = (0..names.len()).map(|i| i.to_string()).collect();
            let mut pairs: Vec<(&str, &str)> = names
                .iter()
                .zip(&values)
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            let mut expected = pairs.clone();
            expected.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            sort_by_name(&mut pairs);
            proptest::prop_assert_eq!(pairs, expected);
        }
    }
}
