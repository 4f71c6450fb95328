//! Signature V3, `ACS3-HMAC-SHA256`.
//!
//! The stages are public on their own so tests pin each one and a server (the emulator)
//! can recompute them for a received request:
//! [`canonical_request`] → [`hashed_canonical_request`] → [`string_to_sign`] → [`signature`].

use std::fmt;
use std::time::SystemTime;

use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::{Digest as _, Sha256};

use super::{canonical, encoding, sorted_pairs, write_timestamp};
use crate::credentials::Credentials;

/// The algorithm name, first line of the string to sign and first word of `Authorization`.
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// Hex SHA-256 of an empty body.
pub const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The canonical query: parameters sorted by raw name in byte order, `enc(name)=enc(value)`
/// joined with `&` (`k=` for an empty value). It is also the query string to send.
pub fn canonical_query(params: &[(&str, &str)]) -> String {
    canonical::canonical_query(&sorted_pairs(params, None))
}

/// The canonical URI: the (decoded) path percent-encoded with `/` kept; `/` when empty.
pub fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    let mut out = String::with_capacity(path.len());
    encoding::encode_into_with(path, encoding::RFC3986_PATH, &mut out);
    out
}

/// Canonical headers and the signed header list, as [`canonical_headers`] builds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalHeaders {
    /// `name:value\n` per header: lowercase names, trimmed values, sorted by name.
    pub canonical: String,
    /// The lowercase names joined with `;`, e.g. `host;x-acs-action;...`.
    pub signed: String,
}

/// Canonicalizes `headers` (every one given is signed): names lowercased, values trimmed,
/// sorted by lowercase name.
///
/// ```
/// use aliyun_core::signer::v3::canonical_headers;
/// let h = canonical_headers(&[("X-Acs-Version", " 2014-05-26 "), ("host", "ecs.aliyuncs.com")]);
/// assert_eq!(h.canonical, "host:ecs.aliyuncs.com\nx-acs-version:2014-05-26\n");
/// assert_eq!(h.signed, "host;x-acs-version");
/// ```
pub fn canonical_headers(headers: &[(&str, &str)]) -> CanonicalHeaders {
    let mut lowered: Vec<(String, &str)> = headers
        .iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), value.trim()))
        .collect();
    lowered.sort_by(|a, b| a.0.cmp(&b.0));
    let mut canonical = String::with_capacity(
        lowered
            .iter()
            .map(|(n, v)| n.len() + v.len() + 2)
            .sum::<usize>(),
    );
    let mut signed = String::with_capacity(lowered.iter().map(|(n, _)| n.len() + 1).sum());
    for (i, (name, value)) in lowered.iter().enumerate() {
        canonical.push_str(name);
        canonical.push(':');
        canonical.push_str(value);
        canonical.push('\n');
        if i > 0 {
            signed.push(';');
        }
        signed.push_str(name);
    }
    CanonicalHeaders { canonical, signed }
}

/// Hex SHA-256 of `body` (the `x-acs-content-sha256` header and the canonical request's last
/// line).
pub fn hash_payload(body: &[u8]) -> String {
    if body.is_empty() {
        // Query-only requests, the common case: a constant instead of a SHA-256 block.
        return EMPTY_PAYLOAD_SHA256.to_owned();
    }
    lower_hex(Sha256::digest(body).as_slice())
}

/// Lowercase hex of `bytes` (digests: 32 bytes), built on the stack: `hex::encode` collects
/// `char`s one at a time, which cost as much as a SHA-256 block here.
fn lower_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = [0u8; 64];
    let len = (bytes.len() * 2).min(text.len());
    for (pair, byte) in text[..len].chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0x0f)];
    }
    if bytes.len() * 2 > text.len() {
        // Longer than a SHA-256 digest: not used by signing, kept correct anyway.
        return hex::encode(bytes);
    }
    // Hex digits are ASCII.
    String::from_utf8(text[..len].to_vec()).unwrap_or_default()
}

/// The canonical request: method, canonical URI, canonical query, canonical headers, signed
/// headers and payload hash, one per line (the canonical headers end with their own newline,
/// so a blank line follows them).
pub fn canonical_request(
    method: &str,
    canonical_uri: &str,
    canonical_query: &str,
    canonical_headers: &str,
    signed_headers: &str,
    hashed_payload: &str,
) -> String {
    let mut out = String::with_capacity(
        method.len()
            + canonical_uri.len()
            + canonical_query.len()
            + canonical_headers.len()
            + signed_headers.len()
            + hashed_payload.len()
            + 5,
    );
    for (i, part) in [
        method,
        canonical_uri,
        canonical_query,
        canonical_headers,
        signed_headers,
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(part);
    }
    out.push('\n');
    out.push_str(hashed_payload);
    out
}

/// Hex SHA-256 of the canonical request.
pub fn hashed_canonical_request(canonical_request: &str) -> String {
    hash_payload(canonical_request.as_bytes())
}

/// The string to sign: `ACS3-HMAC-SHA256\n<hashed canonical request>`.
pub fn string_to_sign(hashed_canonical_request: &str) -> String {
    let mut out = String::with_capacity(ALGORITHM.len() + 1 + hashed_canonical_request.len());
    out.push_str(ALGORITHM);
    out.push('\n');
    out.push_str(hashed_canonical_request);
    out
}

/// The signature: hex HMAC-SHA256 over `string_to_sign` keyed by the secret itself (no `&`,
/// unlike V1).
pub fn signature(access_key_secret: &str, string_to_sign: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(access_key_secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(string_to_sign.as_bytes());
    lower_hex(mac.finalize().into_bytes().as_slice())
}

/// The `Authorization` header value.
pub fn authorization(access_key_id: &str, signed_headers: &str, signature: &str) -> String {
    const CREDENTIAL: &str = " Credential=";
    const SIGNED_HEADERS: &str = ",SignedHeaders=";
    const SIGNATURE: &str = ",Signature=";
    let mut out = String::with_capacity(
        ALGORITHM.len()
            + CREDENTIAL.len()
            + access_key_id.len()
            + SIGNED_HEADERS.len()
            + signed_headers.len()
            + SIGNATURE.len()
            + signature.len(),
    );
    for part in [
        ALGORITHM,
        CREDENTIAL,
        access_key_id,
        SIGNED_HEADERS,
        signed_headers,
        SIGNATURE,
        signature,
    ] {
        out.push_str(part);
    }
    out
}

/// What [`sign`] needs for one request attempt.
#[derive(Debug, Clone, Copy)]
pub struct V3Request<'a> {
    /// The HTTP method, uppercase.
    pub method: &'a str,
    /// The `host` header (the endpoint's host name, with `:port` when not the default).
    pub host: &'a str,
    /// The decoded request path, `/` for RPC-style actions.
    pub path: &'a str,
    /// Query parameters, unencoded.
    pub query: &'a [(&'a str, &'a str)],
    /// `x-acs-action`.
    pub action: &'a str,
    /// `x-acs-version`.
    pub version: &'a str,
    /// The request body (empty for query-only requests).
    pub body: &'a [u8],
    /// The `content-type` to send and sign, if any.
    pub content_type: Option<&'a str>,
    /// Who signs. An STS token adds `x-acs-security-token`.
    pub credentials: &'a Credentials,
    /// The request time.
    pub timestamp: SystemTime,
    /// A nonce unique to this attempt ([`super::new_nonce`]).
    pub nonce: &'a str,
}

/// Signs a V3 request.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use aliyun_core::Credentials;
/// use aliyun_core::signer::v3::{self, V3Request};
///
/// let credentials = Credentials::new("YourAccessKeyId", "YourAccessKeySecret");
/// let signed = v3::sign(&V3Request {
///     method: "POST",
///     host: "ecs.cn-shanghai.aliyuncs.com",
///     path: "/",
///     query: &[
///         ("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"),
///         ("RegionId", "cn-shanghai"),
///     ],
///     action: "RunInstances",
///     version: "2014-05-26",
///     body: b"",
///     content_type: None,
///     credentials: &credentials,
///     timestamp: UNIX_EPOCH + Duration::from_secs(1_698_315_752),
///     nonce: "3156853299f313e23d1673dc12e1703d",
/// });
/// assert_eq!(
///     signed.signature(),
///     "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
/// );
/// ```
pub fn sign(request: &V3Request<'_>) -> SignedV3 {
    let credentials = request.credentials;
    let mut date = String::with_capacity(20);
    write_timestamp(request.timestamp, &mut date);
    let payload_hash = hash_payload(request.body);

    // Already lowercase and in sorted order, so the canonical form is built directly.
    let mut headers: Vec<(&'static str, String)> = Vec::with_capacity(9);
    if let Some(content_type) = request.content_type {
        headers.push(("content-type", content_type.trim().to_owned()));
    }
    headers.push(("host", request.host.trim().to_owned()));
    headers.push(("x-acs-action", request.action.trim().to_owned()));
    headers.push(("x-acs-content-sha256", payload_hash.clone()));
    headers.push(("x-acs-date", date));
    if let Some(token) = credentials.security_token() {
        headers.push(("x-acs-security-token", token.trim().to_owned()));
    }
    headers.push(("x-acs-signature-nonce", request.nonce.trim().to_owned()));
    headers.push(("x-acs-version", request.version.trim().to_owned()));
    debug_assert!(headers.windows(2).all(|w| w[0].0 < w[1].0));

    let mut canonical_hdrs = String::with_capacity(512);
    let mut signed_headers = String::with_capacity(128);
    for (i, (name, value)) in headers.iter().enumerate() {
        canonical_hdrs.push_str(name);
        canonical_hdrs.push(':');
        canonical_hdrs.push_str(value);
        canonical_hdrs.push('\n');
        if i > 0 {
            signed_headers.push(';');
        }
        signed_headers.push_str(name);
    }

    let query = canonical_query(request.query);
    // The RPC path needs no encoding and no allocation.
    let uri = match request.path {
        "" | "/" => std::borrow::Cow::Borrowed("/"),
        path => std::borrow::Cow::Owned(canonical_uri(path)),
    };
    let canonical_request = canonical_request(
        request.method,
        &uri,
        &query,
        &canonical_hdrs,
        &signed_headers,
        &payload_hash,
    );
    let hashed = hashed_canonical_request(&canonical_request);
    let string_to_sign = string_to_sign(&hashed);
    let signature = signature(credentials.access_key_secret(), &string_to_sign);
    let authorization = authorization(credentials.access_key_id(), &signed_headers, &signature);
    headers.push(("authorization", authorization));

    SignedV3 {
        headers,
        query,
        signed_headers,
        canonical_request,
        hashed_canonical_request: hashed,
        string_to_sign,
        signature,
    }
}

/// A signed V3 request: the headers to send and every signing stage.
///
/// `Debug` shows header names only (the token and `Authorization` are secret-adjacent) and
/// never the signature.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedV3 {
    headers: Vec<(&'static str, String)>,
    query: String,
    signed_headers: String,
    canonical_request: String,
    hashed_canonical_request: String,
    string_to_sign: String,
    signature: String,
}

impl SignedV3 {
    /// Every header to send, lowercase names: `content-type` (when set), `host`,
    /// `x-acs-action`, `x-acs-content-sha256`, `x-acs-date`, `x-acs-security-token` (with STS),
    /// `x-acs-signature-nonce`, `x-acs-version`, then `authorization`.
    pub fn headers(&self) -> &[(&'static str, String)] {
        &self.headers
    }

    /// The value of header `name` (lowercase), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The encoded query string to send (the canonical query; may be empty).
    pub fn query_string(&self) -> &str {
        &self.query
    }

    /// The signed header names joined with `;`.
    pub fn signed_headers(&self) -> &str {
        &self.signed_headers
    }

    /// Stage 1: the canonical request.
    pub fn canonical_request(&self) -> &str {
        &self.canonical_request
    }

    /// Stage 2: hex SHA-256 of the canonical request.
    pub fn hashed_canonical_request(&self) -> &str {
        &self.hashed_canonical_request
    }

    /// Stage 3: the string to sign.
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// Stage 4: the hex signature.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The `Authorization` header value.
    pub fn authorization(&self) -> &str {
        self.header("authorization").unwrap_or_default()
    }
}

impl fmt::Debug for SignedV3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Names<'a>(&'a [(&'static str, String)]);
        impl fmt::Debug for Names<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list()
                    .entries(self.0.iter().map(|(n, _)| n))
                    .finish()
            }
        }
        f.debug_struct("SignedV3")
            .field("headers", &Names(&self.headers))
            .field("signed_headers", &self.signed_headers)
            .field("signature", &"** redacted **")
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    const OFFICIAL_SIGNED_HEADERS: &str =
        "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version";

    fn official_canonical_request() -> String {
        format!(
            "POST\n/\nImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n\
             host:ecs.cn-shanghai.aliyuncs.com\n\
             x-acs-action:RunInstances\n\
             x-acs-content-sha256:{EMPTY_PAYLOAD_SHA256}\n\
             x-acs-date:2023-10-26T10:22:32Z\n\
             x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n\
             x-acs-version:2014-05-26\n\
             \n{OFFICIAL_SIGNED_HEADERS}\n{EMPTY_PAYLOAD_SHA256}"
        )
    }

    #[test]
    fn official_vector_stage_by_stage() {
        assert_eq!(hash_payload(b""), EMPTY_PAYLOAD_SHA256);
        // The constant `hash_payload` returns for an empty body is the real digest.
        assert_eq!(hex::encode(Sha256::digest(b"")), EMPTY_PAYLOAD_SHA256);
        assert_eq!(hash_payload(b"x"), hex::encode(Sha256::digest(b"x")));
        let long: Vec<u8> = (0..=255).collect();
        assert_eq!(lower_hex(&long), hex::encode(&long));
        assert_eq!(lower_hex(&long[..32]), hex::encode(&long[..32]));
        let query = canonical_query(&[
            ("RegionId", "cn-shanghai"),
            (
                "ImageId",
                "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
            ),
        ]);
        assert_eq!(
            query,
            "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai"
        );
        let headers = canonical_headers(&[
            ("x-acs-version", "2014-05-26"),
            ("host", "ecs.cn-shanghai.aliyuncs.com"),
            ("x-acs-action", "RunInstances"),
            ("x-acs-date", "2023-10-26T10:22:32Z"),
            ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
            ("x-acs-content-sha256", EMPTY_PAYLOAD_SHA256),
        ]);
        assert_eq!(headers.signed, OFFICIAL_SIGNED_HEADERS);
        let canonical = canonical_request(
            "POST",
            &canonical_uri("/"),
            &query,
            &headers.canonical,
            &headers.signed,
            EMPTY_PAYLOAD_SHA256,
        );
        assert_eq!(canonical, official_canonical_request());
        let hashed = hashed_canonical_request(&canonical);
        assert_eq!(
            hashed,
            "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        let sts = string_to_sign(&hashed);
        assert_eq!(
            sts,
            "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(
            signature("YourAccessKeySecret", &sts),
            "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
    }

    fn official_signed() -> SignedV3 {
        let credentials = Credentials::new("YourAccessKeyId", "YourAccessKeySecret");
        sign(&V3Request {
            method: "POST",
            host: "ecs.cn-shanghai.aliyuncs.com",
            path: "/",
            query: &[
                (
                    "ImageId",
                    "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
                ),
                ("RegionId", "cn-shanghai"),
            ],
            action: "RunInstances",
            version: "2014-05-26",
            body: b"",
            content_type: None,
            credentials: &credentials,
            // 2023-10-26T10:22:32Z
            timestamp: at(1_698_315_752),
            nonce: "3156853299f313e23d1673dc12e1703d",
        })
    }

    #[test]
    fn official_vector_through_sign() {
        let signed = official_signed();
        assert_eq!(signed.canonical_request(), official_canonical_request());
        assert_eq!(
            signed.hashed_canonical_request(),
            "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(
            signed.string_to_sign(),
            "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(
            signed.signature(),
            "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
        assert_eq!(signed.signed_headers(), OFFICIAL_SIGNED_HEADERS);
        assert_eq!(
            signed.authorization(),
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
        assert_eq!(signed.header("x-acs-date"), Some("2023-10-26T10:22:32Z"));
        assert_eq!(signed.header("x-acs-security-token"), None);
        assert_eq!(signed.header("content-type"), None);
        assert_eq!(
            signed.query_string(),
            "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai"
        );
    }

    fn v3_a(credentials: &Credentials) -> SignedV3 {
        sign(&V3Request {
            method: "POST",
            host: "ecs.cn-shanghai.aliyuncs.com",
            path: "/",
            query: &[
                ("RegionId", "cn-shanghai"),
                ("InstanceId.1", "i-bp1aaaaaaaaaaaaaaaa1"),
                ("InstanceId.2", "i-bp1aaaaaaaaaaaaaaaa2"),
                ("InstanceId.3", "i-bp1aaaaaaaaaaaaaaaa3"),
            ],
            action: "InstallCloudAssistant",
            version: "2014-05-26",
            body: b"",
            content_type: None,
            credentials,
            // 2024-01-02T03:04:05Z
            timestamp: at(1_704_164_645),
            nonce: "3156853299f313e23d1673dc12e1703d",
        })
    }

    #[test]
    fn vector_v3_a_stage_by_stage() {
        let signed = v3_a(&Credentials::new("testid", "testsecret"));
        let expected_canonical = format!(
            "POST\n/\nInstanceId.1=i-bp1aaaaaaaaaaaaaaaa1&InstanceId.2=i-bp1aaaaaaaaaaaaaaaa2&InstanceId.3=i-bp1aaaaaaaaaaaaaaaa3&RegionId=cn-shanghai\n\
             host:ecs.cn-shanghai.aliyuncs.com\n\
             x-acs-action:InstallCloudAssistant\n\
             x-acs-content-sha256:{EMPTY_PAYLOAD_SHA256}\n\
             x-acs-date:2024-01-02T03:04:05Z\n\
             x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n\
             x-acs-version:2014-05-26\n\
             \n{OFFICIAL_SIGNED_HEADERS}\n{EMPTY_PAYLOAD_SHA256}"
        );
        assert_eq!(signed.canonical_request(), expected_canonical);
        assert_eq!(
            signed.hashed_canonical_request(),
            "34f2580c6ac8d28728a81dd80ee9b2049e9d9e11b798789a4f55b82a5bde68af"
        );
        assert_eq!(
            signed.string_to_sign(),
            "ACS3-HMAC-SHA256\n34f2580c6ac8d28728a81dd80ee9b2049e9d9e11b798789a4f55b82a5bde68af"
        );
        assert_eq!(
            signed.signature(),
            "bdb789cd4406f70208167755839d40f1a752914ed4307bcc089f4e4ecd715534"
        );
        // Each stage function agrees with `sign`.
        assert_eq!(
            hashed_canonical_request(&expected_canonical),
            signed.hashed_canonical_request()
        );
        assert_eq!(
            signature("testsecret", signed.string_to_sign()),
            signed.signature()
        );
    }

    #[test]
    fn sts_and_body_add_headers() {
        let credentials =
            Credentials::new_sts("STS.id", "supersecretvalue", "tokentokentoken", None);
        let body = br#"{"a":1}"#;
        let signed = sign(&V3Request {
            method: "POST",
            host: "example.com",
            path: "/a b/",
            query: &[("k", "")],
            action: "A",
            version: "V",
            body,
            content_type: Some("application/json"),
            credentials: &credentials,
            timestamp: at(0),
            nonce: "n",
        });
        assert_eq!(
            signed.signed_headers(),
            "content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version"
        );
        assert_eq!(
            signed.header("x-acs-security-token"),
            Some("tokentokentoken")
        );
        assert_eq!(
            signed.header("x-acs-content-sha256").unwrap(),
            hash_payload(body)
        );
        assert!(
            signed
                .canonical_request()
                .starts_with("POST\n/a%20b/\nk=\n")
        );
        let debug = format!("{signed:?}");
        assert!(!debug.contains("tokentokentoken"), "{debug}");
        assert!(!debug.contains(signed.signature()), "{debug}");
        assert!(!debug.contains("supersecretvalue"), "{debug}");
    }
}
