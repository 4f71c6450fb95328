//! RPC signature V1 (HMAC-SHA1), as the official SDKs compute it for ECS 2014-05-26 and CMS
//! 2017-03-01.
//!
//! The stages are public on their own ([`canonicalized_query`], [`string_to_sign`],
//! [`signature`]) so tests can pin each one and a server (the emulator) can recompute the
//! signature of whatever parameters arrived. [`sign`] runs them all for an outgoing request.

use std::fmt;
use std::sync::OnceLock;
use std::time::SystemTime;

use base64::Engine as _;
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha1::Sha1;
use zeroize::Zeroizing;

use super::{canonical, encoding, sort_by_name, sorted_pairs, timestamp_bytes};
use crate::credentials::Credentials;

/// The signature method this module implements (the `SignatureMethod` parameter).
pub const SIGNATURE_METHOD: &str = "HMAC-SHA1";
/// The `SignatureVersion` parameter.
pub const SIGNATURE_VERSION: &str = "1.0";

/// Parameters [`sign`] adds itself; callers' values for these names are dropped so no name goes
/// on the wire twice.
const SIGNER_PARAMS: [&str; 7] = [
    "AccessKeyId",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
    "SecurityToken",
    "Signature",
];

/// Whether `name` is one of [`SIGNER_PARAMS`]. Every one of them starts with `A`, `S` or
/// `T`, which settles most names (`InstanceId.10`, `RegionId`) without comparing strings.
#[inline]
fn is_signer_param(name: &str) -> bool {
    matches!(name.as_bytes().first(), Some(b'A' | b'S' | b'T')) && SIGNER_PARAMS.contains(&name)
}

/// The canonicalized query string: every parameter except `Signature`, sorted by raw name in
/// byte order (`InstanceId.10` before `InstanceId.2`), each `enc(name)=enc(value)`, joined with
/// `&`.
///
/// ```
/// use aliyun_core::signer::v1::canonicalized_query;
/// let q = canonicalized_query(&[("b", "x y"), ("Signature", "ignored"), ("a", "")]);
/// assert_eq!(q, "a=&b=x%20y");
/// ```
pub fn canonicalized_query(params: &[(&str, &str)]) -> String {
    canonical::canonical_query(&sorted_pairs(params, Some("Signature")))
}

/// The string to sign: `METHOD&%2F&enc(canonicalized)`.
///
/// ```
/// use aliyun_core::signer::v1::string_to_sign;
/// assert_eq!(string_to_sign("GET", "a=1&b=x%20y"), "GET&%2F&a%3D1%26b%3Dx%2520y");
/// ```
pub fn string_to_sign(method: &str, canonicalized: &str) -> String {
    let mut prefix = String::with_capacity(method.len() + 5);
    prefix.push_str(method);
    prefix.push_str("&%2F&");
    canonical::prefixed_encoding(&prefix, canonicalized)
}

/// The signature: Base64 of HMAC-SHA1 over `string_to_sign` with key `access_key_secret + "&"`.
///
/// ```
/// use aliyun_core::signer::v1::signature;
/// let s = signature("testsecret", "GET&%2F&a%3D1");
/// assert_eq!(s.len(), 28);
/// ```
pub fn signature(access_key_secret: &str, string_to_sign: &str) -> String {
    let tag = hmac_sha1(access_key_secret, string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(tag)
}

/// HMAC-SHA1 with key `secret + "&"`, built without leaving a copy of the secret behind.
fn hmac_sha1(secret: &str, data: &[u8]) -> [u8; 20] {
    // The key usually fits one SHA-1 block, so it is assembled on the stack (no allocation);
    // either way the copy is zeroized on drop.
    const BLOCK: usize = 64;
    let key_len = secret.len() + 1;
    let mut mac = if key_len <= BLOCK {
        let mut key = Zeroizing::new([0u8; BLOCK]);
        key[..secret.len()].copy_from_slice(secret.as_bytes());
        key[secret.len()] = b'&';
        new_mac(&key[..key_len])
    } else {
        let mut key = Zeroizing::new(Vec::with_capacity(key_len));
        key.extend_from_slice(secret.as_bytes());
        key.push(b'&');
        new_mac(&key)
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn new_mac(key: &[u8]) -> Hmac<Sha1> {
    // HMAC takes keys of any length (long ones are hashed first).
    match Hmac::<Sha1>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    }
}

/// Whether `params` (as a server received them) carry the signature of `access_key_secret`:
/// how this crate's tests check the requests its own clients (STS, RAM role) build.
#[cfg(test)]
pub(crate) fn signed_with(method: &str, params: &[(&str, &str)], access_key_secret: &str) -> bool {
    let received = params.iter().find(|(name, _)| *name == "Signature");
    let expected = signature(
        access_key_secret,
        &string_to_sign(method, &canonicalized_query(params)),
    );
    received.is_some_and(|(_, value)| *value == expected)
}

/// What [`sign`] needs for one request attempt.
#[derive(Debug, Clone, Copy)]
pub struct V1Request<'a> {
    /// The HTTP method, uppercase (`GET`, `POST`).
    pub method: &'a str,
    /// The action's parameters plus `Action`, `Version` and `Format`. Values for the names
    /// the signer adds (`AccessKeyId`, `Signature*`, `Timestamp`, `SecurityToken`) are ignored.
    pub params: &'a [(&'a str, &'a str)],
    /// Who signs. An STS token adds `SecurityToken`.
    pub credentials: &'a Credentials,
    /// The request time (use the current time; the service refuses 15 minutes of skew).
    pub timestamp: SystemTime,
    /// A nonce unique to this attempt ([`super::new_nonce`]).
    pub nonce: &'a str,
}

/// Signs a request: adds `AccessKeyId`, `SignatureMethod`, `SignatureVersion`,
/// `SignatureNonce`, `Timestamp` and (with STS credentials) `SecurityToken` to the caller's
/// parameters, and computes the signature.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use aliyun_core::Credentials;
/// use aliyun_core::signer::v1::{self, V1Request};
///
/// let credentials = Credentials::new("testid", "testsecret");
/// let signed = v1::sign(&V1Request {
///     method: "GET",
///     params: &[("Action", "DescribeRegions"), ("Format", "XML"), ("Version", "2014-05-26")],
///     credentials: &credentials,
///     timestamp: UNIX_EPOCH + Duration::from_secs(1_456_231_584),
///     nonce: "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
/// });
/// assert_eq!(signed.signature(), "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
/// assert!(signed.query_string().ends_with("&Signature=OLeaidS1JvxuMvnyHOwuJ%2BuX5qY%3D"));
/// ```
pub fn sign(request: &V1Request<'_>) -> SignedV1 {
    let credentials = request.credentials;
    let timestamp = timestamp_bytes(request.timestamp);
    let timestamp = std::str::from_utf8(&timestamp).unwrap_or_default();

    // Up to 40 parameters are gathered on the stack: a typical call has a dozen or two (20
    // instance ids make 31), and an allocation here costs as much as a tenth of the signing.
    const ON_STACK: usize = 40;
    let mut stack = [("", ""); ON_STACK];
    let mut heap = Vec::new();
    let slots: &mut [(&str, &str)] = if request.params.len() + 6 <= ON_STACK {
        &mut stack
    } else {
        heap.resize(request.params.len() + 6, ("", ""));
        &mut heap
    };
    let token = credentials
        .security_token()
        .map(|token| ("SecurityToken", token));
    let common = [
        ("AccessKeyId", credentials.access_key_id()),
        ("SignatureMethod", SIGNATURE_METHOD),
        ("SignatureNonce", request.nonce),
        ("SignatureVersion", SIGNATURE_VERSION),
        ("Timestamp", timestamp),
    ];
    let mut count = 0;
    let wanted = request
        .params
        .iter()
        .copied()
        .filter(|(name, _)| !is_signer_param(name))
        .chain(common)
        .chain(token);
    for (slot, pair) in slots.iter_mut().zip(wanted) {
        *slot = pair;
        count += 1;
    }
    let all = &mut slots[..count];

    // `all` holds borrowed pairs, so sorting it moves pointers, not strings.
    sort_by_name(all);
    // Both the canonical string and the string to sign are built in one pass over the
    // parameters.
    let (canonical, string_to_sign) =
        canonical::canonical_query_and_string_to_sign(request.method, all);
    let signature = signature(credentials.access_key_secret(), &string_to_sign);

    SignedV1 {
        canonical,
        string_to_sign,
        signature,
        params: OnceLock::new(),
    }
}

/// The wire parameters, unencoded: names and values back to back in one buffer, with
/// `(name start, value start, value end)` spans into it (two allocations in all).
#[derive(Clone, Default)]
struct WireParams {
    text: String,
    spans: Vec<(usize, usize, usize)>,
}

impl WireParams {
    /// Decodes the canonical query (every pair is `enc(name)=enc(value)`, and encoded text
    /// holds no raw `&` or `=`) and appends `Signature`.
    fn decode(canonical: &str, signature: &str) -> Self {
        let mut params = WireParams {
            text: String::with_capacity(canonical.len() + signature.len() + 9),
            spans: Vec::with_capacity(canonical.split('&').count() + 1),
        };
        for pair in canonical.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            params.push(&decode(name), &decode(value));
        }
        params.push("Signature", signature);
        params
    }

    fn push(&mut self, name: &str, value: &str) {
        let start = self.text.len();
        self.text.push_str(name);
        let mid = self.text.len();
        self.text.push_str(value);
        self.spans.push((start, mid, self.text.len()));
    }
}

fn decode(encoded: &str) -> std::borrow::Cow<'_, str> {
    // The input came from `&str`s, so the decoded bytes are valid UTF-8; lossy only to avoid
    // a panic path.
    percent_encoding::percent_decode_str(encoded).decode_utf8_lossy()
}

/// A signed V1 request: the parameters to send and every signing stage.
///
/// `Debug` lists parameter names only: values include the signature and the security token.
#[derive(Clone)]
pub struct SignedV1 {
    canonical: String,
    string_to_sign: String,
    signature: String,
    /// Decoded from `canonical` on first use: most callers only need the query string, and
    /// signing is benchmarked.
    params: OnceLock<WireParams>,
}

impl PartialEq for SignedV1 {
    fn eq(&self, other: &Self) -> bool {
        // `params` is derived from these.
        self.canonical == other.canonical
            && self.string_to_sign == other.string_to_sign
            && self.signature == other.signature
    }
}

impl Eq for SignedV1 {}

impl SignedV1 {
    /// Every parameter that goes on the wire, unencoded, sorted as signed, `Signature` last.
    pub fn params(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        let params = self
            .params
            .get_or_init(|| WireParams::decode(&self.canonical, &self.signature));
        params.spans.iter().map(|&(start, mid, end)| {
            (
                params.text.get(start..mid).unwrap_or_default(),
                params.text.get(mid..end).unwrap_or_default(),
            )
        })
    }

    /// The value of wire parameter `name`, if present.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The canonicalized query string (stage 1).
    pub fn canonicalized_query(&self) -> &str {
        &self.canonical
    }

    /// The string to sign (stage 2).
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// The Base64 signature (stage 3), unencoded.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The percent-encoded query string to send: the canonicalized query plus
    /// `&Signature=<enc(signature)>`. The same text is a valid
    /// `application/x-www-form-urlencoded` body, for requests that send parameters there.
    pub fn query_string(&self) -> String {
        let mut out = String::with_capacity(self.canonical.len() + 16 + self.signature.len() * 2);
        self.write_query_string(&mut out);
        out
    }

    /// Appends [`SignedV1::query_string`] to `out` (e.g. after `https://host/?`).
    pub fn write_query_string(&self, out: &mut String) {
        out.push_str(&self.canonical);
        out.push_str("&Signature=");
        encoding::percent_encode_into(&self.signature, out);
    }

    /// Consumes the result and returns [`SignedV1::query_string`], reusing the canonical
    /// string's buffer.
    pub fn into_query_string(self) -> String {
        let mut out = self.canonical;
        out.push_str("&Signature=");
        encoding::percent_encode_into(&self.signature, &mut out);
        out
    }
}

impl fmt::Debug for SignedV1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Names<'a>(&'a SignedV1);
        impl fmt::Debug for Names<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list()
                    .entries(self.0.params().map(|(name, _)| name))
                    .finish()
            }
        }
        f.debug_struct("SignedV1")
            .field("params", &Names(self))
            .field("signature", &"** redacted **")
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    const SECRET: &str = "testsecret";

    fn at(timestamp: &str) -> SystemTime {
        let t =
            time::OffsetDateTime::parse(timestamp, &time::format_description::well_known::Rfc3339)
                .unwrap();
        UNIX_EPOCH + Duration::from_secs(t.unix_timestamp() as u64)
    }

    /// Checks all three stages for a complete parameter list, then that [`sign`] reproduces
    /// them from the action parameters alone.
    fn check_vector(
        method: &str,
        all_params: &[(&str, &str)],
        secret: &str,
        expected_sts: Option<&str>,
        expected_signature: &str,
    ) {
        let canonical = canonicalized_query(all_params);
        let sts = string_to_sign(method, &canonical);
        if let Some(expected) = expected_sts {
            assert_eq!(sts, expected, "string to sign");
            // The canonical string is the string-to-sign's third part, decoded once.
            let third = expected.splitn(3, '&').nth(2).unwrap();
            let decoded = percent_encoding::percent_decode_str(third)
                .decode_utf8()
                .unwrap();
            assert_eq!(canonical, decoded, "canonicalized query");
        }
        assert_eq!(signature(secret, &sts), expected_signature, "signature");

        let get = |name: &str| all_params.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        let credentials = match get("SecurityToken") {
            Some(token) => Credentials::new_sts(get("AccessKeyId").unwrap(), secret, token, None),
            None => Credentials::new(get("AccessKeyId").unwrap(), secret),
        };
        let action_params: Vec<(&str, &str)> = all_params
            .iter()
            .copied()
            .filter(|(n, _)| !SIGNER_PARAMS.contains(n))
            .collect();
        let signed = sign(&V1Request {
            method,
            params: &action_params,
            credentials: &credentials,
            timestamp: at(get("Timestamp").unwrap()),
            nonce: get("SignatureNonce").unwrap(),
        });
        assert_eq!(signed.canonicalized_query(), canonical);
        assert_eq!(signed.string_to_sign(), sts);
        assert_eq!(signed.signature(), expected_signature);
        assert_eq!(signed.params().len(), all_params.len() + 1);
        for (name, value) in all_params {
            assert_eq!(signed.param(name), Some(*value), "{name}");
        }
        assert_eq!(signed.param("Signature"), Some(expected_signature));

        // The emulator's path: the wire query, decoded, verifies.
        let query = signed.query_string();
        assert_eq!(query, signed.clone().into_query_string());
        let decoded: Vec<(String, String)> = query
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap();
                let dec = |s: &str| {
                    percent_encoding::percent_decode_str(s)
                        .decode_utf8()
                        .unwrap()
                        .into_owned()
                };
                (dec(k), dec(v))
            })
            .collect();
        let borrowed: Vec<(&str, &str)> = decoded
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert!(signed_with(method, &borrowed, secret));
        assert!(!signed_with(method, &borrowed, "wrongsecret"));
    }

    const DOC_PARAMS: [(&str, &str); 8] = [
        ("AccessKeyId", "testid"),
        ("Action", "DescribeRegions"),
        ("Format", "XML"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
        ("SignatureVersion", "1.0"),
        ("Timestamp", "2016-02-23T12:46:24Z"),
        ("Version", "2014-05-26"),
    ];

    #[test]
    fn documented_example_get() {
        check_vector(
            "GET",
            &DOC_PARAMS,
            SECRET,
            Some(
                "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26",
            ),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY=",
        );
        assert_eq!(
            canonicalized_query(&DOC_PARAMS),
            "AccessKeyId=testid&Action=DescribeRegions&Format=XML&SignatureMethod=HMAC-SHA1&SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf&SignatureVersion=1.0&Timestamp=2016-02-23T12%3A46%3A24Z&Version=2014-05-26"
        );
    }

    #[test]
    fn documented_example_post() {
        check_vector(
            "POST",
            &DOC_PARAMS,
            SECRET,
            Some(
                "POST&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26",
            ),
            "MxbnVAM4w6sft9xjVpe/GCKueuk=",
        );
    }

    #[test]
    fn vector_v1_a_unicode_and_reserved_characters() {
        let params = [
            ("AccessKeyId", "testid"),
            ("Action", "DescribeInstances"),
            ("Format", "JSON"),
            ("InstanceName", "测试 a*b~c+d/e=f&g%h"),
            ("RegionId", "cn-hangzhou"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "c1b2d3e4-0000-4000-8000-000000000001"),
            ("SignatureVersion", "1.0"),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "prod test"),
            ("Timestamp", "2024-01-02T03:04:05Z"),
            ("Version", "2014-05-26"),
        ];
        check_vector(
            "GET",
            &params,
            SECRET,
            Some(
                "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeInstances%26Format%3DJSON%26InstanceName%3D%25E6%25B5%258B%25E8%25AF%2595%2520a%252Ab~c%252Bd%252Fe%253Df%2526g%2525h%26RegionId%3Dcn-hangzhou%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Dc1b2d3e4-0000-4000-8000-000000000001%26SignatureVersion%3D1.0%26Tag.1.Key%3Denv%26Tag.1.Value%3Dprod%2520test%26Timestamp%3D2024-01-02T03%253A04%253A05Z%26Version%3D2014-05-26",
            ),
            "aeDtLhpkCzuThkxO13flQxKx4YQ=",
        );
    }

    #[test]
    fn vector_v1_b_sts_post() {
        let params = [
            ("AccessKeyId", "STS.testid"),
            ("Action", "InstallCloudAssistant"),
            ("Format", "JSON"),
            ("InstanceId.1", "i-bp1aaaaaaaaaaaaaaaa1"),
            ("InstanceId.2", "i-bp1aaaaaaaaaaaaaaaa2"),
            ("InstanceId.3", "i-bp1aaaaaaaaaaaaaaaa3"),
            ("RegionId", "cn-shanghai"),
            ("SecurityToken", "CAIS+token/with=chars"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "c1b2d3e4-0000-4000-8000-000000000002"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2024-01-02T03:04:05Z"),
            ("Version", "2014-05-26"),
        ];
        check_vector(
            "POST",
            &params,
            SECRET,
            Some(
                "POST&%2F&AccessKeyId%3DSTS.testid%26Action%3DInstallCloudAssistant%26Format%3DJSON%26InstanceId.1%3Di-bp1aaaaaaaaaaaaaaaa1%26InstanceId.2%3Di-bp1aaaaaaaaaaaaaaaa2%26InstanceId.3%3Di-bp1aaaaaaaaaaaaaaaa3%26RegionId%3Dcn-shanghai%26SecurityToken%3DCAIS%252Btoken%252Fwith%253Dchars%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Dc1b2d3e4-0000-4000-8000-000000000002%26SignatureVersion%3D1.0%26Timestamp%3D2024-01-02T03%253A04%253A05Z%26Version%3D2014-05-26",
            ),
            "GoRpfUOrbcd7nUxdaq0XRAbqTR0=",
        );
    }

    #[test]
    fn vector_v1_c_cms_get() {
        let params = [
            ("AccessKeyId", "testid"),
            ("Action", "NodeInstall"),
            ("Force", "true"),
            ("Format", "JSON"),
            ("InstanceId", "i-abcdefgh123456"),
            ("RegionId", "cn-hangzhou"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "c1b2d3e4-0000-4000-8000-000000000003"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2024-01-02T03:04:05Z"),
            ("UserId", "1234567898765432"),
            ("Version", "2017-03-01"),
        ];
        let canonical = canonicalized_query(&params);
        assert_eq!(
            canonical,
            "AccessKeyId=testid&Action=NodeInstall&Force=true&Format=JSON&InstanceId=i-abcdefgh123456&RegionId=cn-hangzhou&SignatureMethod=HMAC-SHA1&SignatureNonce=c1b2d3e4-0000-4000-8000-000000000003&SignatureVersion=1.0&Timestamp=2024-01-02T03%3A04%3A05Z&UserId=1234567898765432&Version=2017-03-01"
        );
        let expected_sts = format!("GET&%2F&{}", encoding::percent_encode(&canonical));
        check_vector(
            "GET",
            &params,
            SECRET,
            Some(&expected_sts),
            "J4G9UxzDxACufYNSUa27wME0ECM=",
        );
    }

    #[test]
    fn signature_param_is_excluded_and_empty_values_kept() {
        let params = [("Signature", "abc"), ("SignatureType", ""), ("Action", "X")];
        assert_eq!(canonicalized_query(&params), "Action=X&SignatureType=");
    }

    #[test]
    fn extra_received_params_are_signed_like_any_other() {
        // Some clients send an empty `SignatureType=`: it is signed like any other parameter.
        let mut params = vec![("Action", "X"), ("SignatureType", "")];
        let sig = signature(
            SECRET,
            &string_to_sign("GET", &canonicalized_query(&params)),
        );
        params.push(("Signature", &sig));
        assert!(signed_with("GET", &params, SECRET));
        assert!(!signed_with("POST", &params, SECRET));
        params.pop();
        assert!(!signed_with("GET", &params, SECRET));
    }

    #[test]
    fn caller_values_for_signer_params_are_replaced() {
        let credentials = Credentials::new("realid", SECRET);
        let signed = sign(&V1Request {
            method: "GET",
            params: &[
                ("AccessKeyId", "spoofed"),
                ("Signature", "x"),
                ("Action", "A"),
            ],
            credentials: &credentials,
            timestamp: UNIX_EPOCH,
            nonce: "n",
        });
        let names: Vec<&str> = signed.params().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "AccessKeyId",
                "Action",
                "SignatureMethod",
                "SignatureNonce",
                "SignatureVersion",
                "Timestamp",
                "Signature"
            ]
        );
        assert_eq!(signed.param("AccessKeyId"), Some("realid"));
    }

    #[test]
    fn long_secret_is_accepted() {
        let long = "k".repeat(200);
        let a = signature(&long, "GET&%2F&a%3D1");
        let b = signature(&"k".repeat(199), "GET&%2F&a%3D1");
        assert_eq!(a.len(), 28);
        assert_ne!(a, b);
    }

    #[test]
    fn debug_hides_signature_and_token() {
        let credentials =
            Credentials::new_sts("STS.id", "supersecretvalue", "tokentokentoken", None);
        let signed = sign(&V1Request {
            method: "GET",
            params: &[("Action", "A")],
            credentials: &credentials,
            timestamp: UNIX_EPOCH,
            nonce: "n",
        });
        let debug = format!("{signed:?}");
        assert!(!debug.contains(signed.signature()), "{debug}");
        assert!(!debug.contains("tokentokentoken"), "{debug}");
        assert!(!debug.contains("supersecretvalue"), "{debug}");
        assert!(debug.contains("SecurityToken"), "{debug}");
        let request_debug = format!(
            "{:?}",
            V1Request {
                method: "GET",
                params: &[],
                credentials: &credentials,
                timestamp: UNIX_EPOCH,
                nonce: "n",
            }
        );
        assert!(!request_debug.contains("supersecretvalue"));
        assert!(!request_debug.contains("tokentokentoken"));
    }
}
