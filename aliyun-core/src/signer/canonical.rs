//! The signer's hot loop: writing `enc(name)=enc(value)&...` (and, for V1, the encoding of
//! that text) at byte level.
//!
//! Signing is benchmarked against a bare HMAC over the same string (whose SHA-1 runs on
//! hardware instructions here, about 0.7 ns per byte), so this loop has to stay close to
//! `memcpy` speed. Most names and values need no escaping at all (`InstanceId.1`,
//! `i-bp1...`, `cn-hangzhou`), so each piece is first checked with a branch-free scan and then
//! copied whole; only pieces with reserved bytes take the byte-by-byte path. The V1
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

/// Whether no byte of `piece` needs escaping (no early exit: the loop stays branch-free).
#[inline]
fn all_unreserved(piece: &[u8]) -> bool {
    piece
        .iter()
        .fold(true, |all, &byte| all & UNRESERVED[usize::from(byte)])
}

/// Appends `enc(piece)` to `once`.
#[inline]
fn encode_once(piece: &str, once: &mut String) {
    if all_unreserved(piece.as_bytes()) {
        once.push_str(piece);
        return;
    }
    let mut run = 0;
    for (i, &byte) in piece.as_bytes().iter().enumerate() {
        if !UNRESERVED[usize::from(byte)] {
            // A non-empty run holds only ASCII, so its ends are char boundaries; an empty one
            // may sit inside a multi-byte character, where slicing would panic.
            if run < i {
                once.push_str(&piece[run..i]);
            }
            once.push_str(percent_encode_byte(byte));
            run = i + 1;
        }
    }
    if run < piece.len() {
        once.push_str(&piece[run..]);
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
    fn empty_inputs() {
        assert_eq!(canonical_query(&[]), "");
        assert_eq!(
            canonical_query_and_string_to_sign("GET", &[]),
            (String::new(), "GET&%2F&".to_owned())
        );
        assert_eq!(canonical_query(&[("a", "")]), "a=");
    }
}
