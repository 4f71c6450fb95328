//! The signer's hot loop: writing `enc(name)=enc(value)&...` (and, for V1, the encoding of
//! that text) at byte level.
//!
//! Signing is benchmarked against a bare HMAC over the same string (whose SHA-1 runs on
//! hardware instructions here, well under a nanosecond per byte), so this loop has to stay
//! close to `memcpy` speed. Most names and values need no escaping at all (`InstanceId.1`,
//! `i-bp1...`, `cn-hangzhou`), so each piece is first checked eight bytes at a time (a few
//! integer operations per word, no table lookup per byte; see `word_unreserved`) and then
//! copied whole; only pieces with reserved bytes take the byte-by-byte path. The per-byte
//! table fold this replaced was most of the encoder's time; the check is now 17 % of V1
//! signing (BENCHMARKS.md, "What was changed", item 2, and the profile under "Targets not
//! met").
//!
//! (Storing the words straight into pre-zeroed byte buffers instead of `push_str` was tried
//! and measured slower: zero-filling the buffers and validating them as UTF-8 at the end cost
//! more than the copies saved.) The V1
//! string-to-sign is produced in the same pass as the canonical string, instead of scanning
//! the canonical string again to encode it a second time.

use percent_encoding::percent_encode_byte;

use super::encoding::is_unreserved;

/// `UNRESERVED[b]`: byte `b` is kept as is. A table, because the scan below looks every byte
/// up without branching.
static UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = is_unreserved(b as u8);
        b += 1;
    }
    table
};

/// One in every byte of a word.
const ONES: u64 = u64::from_ne_bytes([1; 8]);
/// The high bit of every byte of a word.
const HIGH: u64 = ONES * 0x80;

/// The high bit of each byte of `x` is set when that byte lies in `lo..=hi`, provided the byte
/// is below 0x80 (bytes at or above it may carry into their neighbours; [`word_unreserved`]
/// rejects their word anyway). Other bits are noise.
#[inline(always)]
const fn in_range(x: u64, lo: u8, hi: u8) -> u64 {
    x.wrapping_add(ONES * (0x80 - lo as u64)) & !x.wrapping_add(ONES * (0x7F - hi as u64))
}

/// Whether all eight bytes of `x` are unreserved (`A-Z a-z 0-9 - . _ ~`).
#[inline(always)]
const fn word_unreserved(x: u64) -> bool {
    // Setting bit 0x20 maps `A-Z` onto `a-z` and nothing else onto `a-z`.
    let letters = in_range(x | (ONES * 0x20), b'a', b'z');
    let ok = letters
        | in_range(x, b'0', b'9')
        | in_range(x, b'-', b'.')
        | in_range(x, b'_', b'_')
        | in_range(x, b'~', b'~');
    // `!x`: a byte with its own high bit set is never unreserved.
    ok & !x & HIGH == HIGH
}

/// The word of the eight bytes at `at` (the caller guarantees they exist).
#[inline(always)]
fn word_at(bytes: &[u8], at: usize) -> u64 {
    match bytes.get(at..at + 8) {
        Some(eight) => u64::from_le_bytes(eight.try_into().unwrap_or_default()),
        None => 0,
    }
}

/// The four bytes at `at`, in the low half of a word.
#[inline(always)]
fn half_at(bytes: &[u8], at: usize) -> u64 {
    match bytes.get(at..at + 4) {
        Some(four) => u64::from(u32::from_le_bytes(four.try_into().unwrap_or_default())),
        None => 0,
    }
}

/// Whether no byte of `piece` needs escaping, checked a word at a time.
///
/// The first and the last eight bytes cover a piece of up to 16 bytes (most names and ids)
/// with two words and no loop; longer pieces add the words in between.
#[inline]
fn all_unreserved(piece: &[u8]) -> bool {
    let len = piece.len();
    if len >= 8 {
        let mut clean =
            word_unreserved(word_at(piece, 0)) & word_unreserved(word_at(piece, len - 8));
        if len > 16 {
            let mut at = 8;
            while at + 8 < len {
                clean &= word_unreserved(word_at(piece, at));
                at += 8;
            }
        }
        clean
    } else if len >= 4 {
        word_unreserved(half_at(piece, 0) | (half_at(piece, len - 4) << 32))
    } else {
        piece.iter().all(|&byte| UNRESERVED[usize::from(byte)])
    }
}

/// Appends `enc(piece)` to `once`: copied whole when the word check finds nothing to escape,
/// else through the crate's encoder (as fast as a hand-written loop: BENCHMARKS.md,
/// "Hand-written fast paths").
#[inline]
fn encode_once(piece: &str, once: &mut String) {
    if all_unreserved(piece.as_bytes()) {
        once.push_str(piece);
    } else {
        super::encoding::encode_into_with(piece, super::encoding::RFC3986, once);
    }
}

/// Appends `enc(piece)` to `once` and `enc(enc(piece))` to `twice`.
#[inline]
fn encode_twice(piece: &str, once: &mut String, twice: &mut String) {
    if all_unreserved(piece.as_bytes()) {
        once.push_str(piece);
        twice.push_str(piece);
        return;
    }
    let mut run = 0;
    for (i, &byte) in piece.as_bytes().iter().enumerate() {
        if !UNRESERVED[usize::from(byte)] {
            if run < i {
                once.push_str(&piece[run..i]);
                twice.push_str(&piece[run..i]);
            }
            let escape = percent_encode_byte(byte);
            once.push_str(escape);
            // `%XY` encoded again is `%25XY`.
            twice.push_str("%25");
            twice.push_str(escape.get(1..).unwrap_or_default());
            run = i + 1;
        }
    }
    if run < piece.len() {
        once.push_str(&piece[run..]);
        twice.push_str(&piece[run..]);
    }
}

/// A capacity that fits typical queries without regrowing: the raw length plus a quarter for
/// escapes (a rare regrow is cheaper than always allocating for the worst case).
fn typical_capacity(pairs: &[(&str, &str)], separators: usize) -> usize {
    let raw: usize = pairs.iter().map(|(k, v)| k.len() + v.len()).sum();
    raw + raw / 4 + pairs.len() * separators + 16
}

/// `enc(name)=enc(value)` joined with `&`, in the order given.
pub(super) fn canonical_query(pairs: &[(&str, &str)]) -> String {
    let mut once = String::with_capacity(typical_capacity(pairs, 2));
    for (n, (name, value)) in pairs.iter().enumerate() {
        if n > 0 {
            once.push('&');
        }
        encode_once(name, &mut once);
        once.push('=');
        encode_once(value, &mut once);
    }
    once
}

/// The canonical query of `pairs` (in the order given) and the V1 string to sign
/// `method&%2F&enc(canonical)`, in one pass.
pub(super) fn canonical_query_and_string_to_sign(
    method: &str,
    pairs: &[(&str, &str)],
) -> (String, String) {
    let mut once = String::with_capacity(typical_capacity(pairs, 2));
    let mut twice = String::with_capacity(method.len() + 5 + typical_capacity(pairs, 6));
    twice.push_str(method);
    twice.push_str("&%2F&");
    for (n, (name, value)) in pairs.iter().enumerate() {
        if n > 0 {
            once.push('&');
            twice.push_str("%26");
        }
        encode_twice(name, &mut once, &mut twice);
        once.push('=');
        twice.push_str("%3D");
        encode_twice(value, &mut once, &mut twice);
    }
    (once, twice)
}

/// `prefix` followed by `enc(input)`.
pub(super) fn prefixed_encoding(prefix: &str, input: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + input.len() + input.len() / 4 + 16);
    out.push_str(prefix);
    encode_once(input, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signer::encoding::percent_encode;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn matches_the_string_encoder(name in any::<String>(), value in any::<String>()) {
            let pairs = [(name.as_str(), value.as_str()), ("b", "x y")];
            let expected = format!("{}={}&b=x%20y", percent_encode(&name), percent_encode(&value));
            prop_assert_eq!(canonical_query(&pairs), expected.clone());
            let (canonical, sts) = canonical_query_and_string_to_sign("GET", &pairs);
            prop_assert_eq!(canonical, expected.clone());
            prop_assert_eq!(sts, format!("GET&%2F&{}", percent_encode(&expected)));
            prop_assert_eq!(prefixed_encoding("P&", &name), format!("P&{}", percent_encode(&name)));
        }
    }

    #[test]
    fn word_check_agrees_with_the_byte_table() {
        // Every byte in every position, next to bytes that are and are not unreserved (a byte
        // at or above 0x80 may carry into its neighbour).
        for byte in 0..=255u8 {
            for filler in [b'a', b'Z', b'0', b'~', 0xFF, 0x7F, b'/', b'^', 0x00] {
                for position in 0..8 {
                    let mut word = [filler; 8];
                    word[position] = byte;
                    let expected = word.iter().all(|&b| is_unreserved(b));
                    assert_eq!(
                        word_unreserved(u64::from_le_bytes(word)),
                        expected,
                        "{word:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_length_and_position_of_a_reserved_byte() {
        for len in 0..40 {
            for bad in (0..len).map(Some).chain([None]) {
                let piece: String = (0..len)
                    .map(|i| {
                        if Some(i) == bad {
                            '/'
                        } else {
                            (b'a' + (i % 26) as u8) as char
                        }
                    })
                    .collect();
                let pairs = [(piece.as_str(), piece.as_str())];
                let expected = format!("{0}={0}", percent_encode(&piece));
                assert_eq!(canonical_query(&pairs), expected);
                let (canonical, sts) = canonical_query_and_string_to_sign("POST", &pairs);
                assert_eq!(canonical, expected);
                assert_eq!(sts, format!("POST&%2F&{}", percent_encode(&expected)));
            }
        }
    }

    #[test]
    fn long_queries_grow_the_buffers() {
        let value = "/".repeat(5000);
        let pairs = [("a", value.as_str()), ("b", "c")];
        let expected = format!("a={}&b=c", "%2F".repeat(5000));
        assert_eq!(canonical_query(&pairs), expected);
        let (canonical, sts) = canonical_query_and_string_to_sign("GET", &pairs);
        assert_eq!(canonical, expected);
        assert_eq!(sts, format!("GET&%2F&{}", percent_encode(&expected)));
    }

    #[test]
    fn empty_inputs() {
        assert_eq!(canonical_query(&[]), "");
        assert_eq!(
            canonical_query_and_string_to_sign("GET", &[]),
            (String::new(), "GET&%2F&".to_owned())
        );
        assert_eq!(canonical_query(&[("a", "")]), "a=");
    }
}
