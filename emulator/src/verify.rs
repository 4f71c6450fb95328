//! Signature verification: the server side of `aliyun_core::signer`.
//!
//! The SDK only signs; checking a received signature is the service's job, so it lives here.
//! Both schemes recompute the signature with the SDK's own pure stage functions (the same code
//! the client signs with, so a disagreement is a canonicalization bug in one place) and compare
//! in constant time.

use aliyun_core::signer::v1;
use aliyun_core::signer::v3::{
    ALGORITHM, canonical_headers, canonical_query, canonical_request, canonical_uri, hash_payload,
    hashed_canonical_request, signature, string_to_sign,
};
use subtle::ConstantTimeEq as _;

/// Compares two byte strings in time independent of where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// Checks a received V1 request: recomputes the signature over every parameter except
/// `Signature` (whatever arrived, e.g. an empty `SignatureType=`) and compares it with the
/// received `Signature`. On a mismatch (or no `Signature`) the error is the server's string to
/// sign, which Alibaba Cloud quotes in `SignatureDoesNotMatch`.
pub fn verify_v1(
    method: &str,
    params: &[(&str, &str)],
    access_key_secret: &str,
) -> Result<(), String> {
    let string_to_sign = v1::string_to_sign(method, &v1::canonicalized_query(params));
    let expected = v1::signature(access_key_secret, &string_to_sign);
    let received = params.iter().find(|(name, _)| *name == "Signature");
    match received {
        Some((_, value)) if constant_time_eq(expected.as_bytes(), value.as_bytes()) => Ok(()),
        _ => Err(string_to_sign),
    }
}

/// The parts of an `Authorization: ACS3-HMAC-SHA256 ...` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authorization<'a> {
    /// `Credential=`: the AccessKeyId, to look up the secret with.
    pub access_key_id: &'a str,
    /// `SignedHeaders=`: lowercase names joined with `;`.
    pub signed_headers: &'a str,
    /// `Signature=`: hex.
    pub signature: &'a str,
}

impl<'a> Authorization<'a> {
    /// Parses an `Authorization` header value.
    pub fn parse(value: &'a str) -> Result<Self, V3VerifyError> {
        let rest = value
            .trim()
            .strip_prefix(ALGORITHM)
            .ok_or(V3VerifyError::UnsupportedAlgorithm)?;
        let (mut credential, mut signed_headers, mut signature) = (None, None, None);
        for part in rest.trim_start().split(',') {
            let (key, value) = part
                .trim()
                .split_once('=')
                .ok_or(V3VerifyError::MalformedAuthorization)?;
            match key {
                "Credential" => credential = Some(value),
                "SignedHeaders" => signed_headers = Some(value),
                "Signature" => signature = Some(value),
                _ => {}
            }
        }
        match (credential, signed_headers, signature) {
            (Some(access_key_id), Some(signed_headers), Some(signature)) => Ok(Authorization {
                access_key_id,
                signed_headers,
                signature,
            }),
            _ => Err(V3VerifyError::MalformedAuthorization),
        }
    }
}

/// A V3 request as a server received it, for [`recompute`] and [`verify_v3`].
#[derive(Debug, Clone, Copy)]
pub struct ReceivedV3<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The decoded path.
    pub path: &'a str,
    /// The decoded query parameters.
    pub query: &'a [(&'a str, &'a str)],
    /// Every received header (names in any case).
    pub headers: &'a [(&'a str, &'a str)],
    /// The body bytes.
    pub body: &'a [u8],
}

impl ReceivedV3<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }
}

/// Every stage recomputed from a received request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V3Stages {
    /// Stage 1.
    pub canonical_request: String,
    /// Stage 2.
    pub hashed_canonical_request: String,
    /// Stage 3.
    pub string_to_sign: String,
    /// Stage 4.
    pub signature: String,
}

/// Why a received V3 request does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum V3VerifyError {
    /// No `Authorization` header.
    #[error("missing Authorization header")]
    MissingAuthorization,
    /// `Authorization` does not start with `ACS3-HMAC-SHA256`.
    #[error("unsupported signature algorithm (expected {ALGORITHM})")]
    UnsupportedAlgorithm,
    /// `Authorization` lacks `Credential`, `SignedHeaders` or `Signature`.
    #[error("malformed Authorization header")]
    MalformedAuthorization,
    /// A header named in `SignedHeaders` was not received.
    #[error("signed header {0:?} is missing")]
    MissingSignedHeader(String),
    /// `x-acs-content-sha256` does not match the body.
    #[error("x-acs-content-sha256 does not match the body")]
    PayloadHashMismatch,
    /// The signature differs; carries the server-side string to sign, as the service reports.
    #[error("signature does not match; server string to sign is: {string_to_sign:?}")]
    SignatureMismatch {
        /// The canonical request the server computed.
        canonical_request: String,
        /// The string to sign the server computed.
        string_to_sign: String,
    },
}

/// Recomputes every stage for a received request, signing the headers named in
/// `signed_headers` (from [`Authorization::parse`]) with `access_key_secret`.
///
/// The payload hash is the received `x-acs-content-sha256` when present (it is what the client
/// signed), else the hash of the body.
pub fn recompute(
    received: &ReceivedV3<'_>,
    signed_headers: &str,
    access_key_secret: &str,
) -> Result<V3Stages, V3VerifyError> {
    let mut headers = Vec::new();
    for name in signed_headers.split(';').filter(|n| !n.is_empty()) {
        let value = received
            .header(name)
            .ok_or_else(|| V3VerifyError::MissingSignedHeader(name.to_owned()))?;
        headers.push((name, value));
    }
    let canonical = canonical_headers(&headers);
    let payload_hash = match received.header("x-acs-content-sha256") {
        Some(hash) => hash.trim().to_owned(),
        None => hash_payload(received.body),
    };
    let canonical_request = canonical_request(
        received.method,
        &canonical_uri(received.path),
        &canonical_query(received.query),
        &canonical.canonical,
        &canonical.signed,
        &payload_hash,
    );
    let hashed_canonical_request = hashed_canonical_request(&canonical_request);
    let string_to_sign = string_to_sign(&hashed_canonical_request);
    let signature = signature(access_key_secret, &string_to_sign);
    Ok(V3Stages {
        canonical_request,
        hashed_canonical_request,
        string_to_sign,
        signature,
    })
}

/// Verifies a received V3 request against `access_key_secret` (look it up by
/// [`Authorization::access_key_id`] first). Checks the body against `x-acs-content-sha256`
/// when that header was sent, then compares signatures in constant time.
pub fn verify_v3(received: &ReceivedV3<'_>, access_key_secret: &str) -> Result<(), V3VerifyError> {
    let header = received
        .header("authorization")
        .ok_or(V3VerifyError::MissingAuthorization)?;
    let authorization = Authorization::parse(header)?;
    if let Some(claimed) = received.header("x-acs-content-sha256") {
        if !claimed
            .trim()
            .eq_ignore_ascii_case(&hash_payload(received.body))
        {
            return Err(V3VerifyError::PayloadHashMismatch);
        }
    }
    let stages = recompute(received, authorization.signed_headers, access_key_secret)?;
    if constant_time_eq(
        stages.signature.as_bytes(),
        authorization.signature.as_bytes(),
    ) {
        Ok(())
    } else {
        Err(V3VerifyError::SignatureMismatch {
            canonical_request: stages.canonical_request,
            string_to_sign: stages.string_to_sign,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use aliyun_core::Credentials;
    use aliyun_core::signer::v3::{SignedV3, V3Request, sign};

    use super::*;

    const QUERY: [(&str, &str); 4] = [
        ("InstanceId.2", "i-bp1aaaaaaaaaaaaaaaa2"),
        ("RegionId", "cn-shanghai"),
        ("InstanceId.1", "i-bp1aaaaaaaaaaaaaaaa1"),
        ("InstanceId.3", "i-bp1aaaaaaaaaaaaaaaa3"),
    ];

    fn signed(credentials: &Credentials, body: &[u8]) -> SignedV3 {
        sign(&V3Request {
            method: "POST",
            host: "ecs.cn-shanghai.aliyuncs.com",
            path: "/",
            query: &QUERY,
            action: "InstallCloudAssistant",
            version: "2014-05-26",
            body,
            content_type: None,
            credentials,
            timestamp: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            nonce: "3f2b7c1e-0000-4000-8000-000000000001",
        })
    }

    fn received_headers(signed: &SignedV3) -> Vec<(&str, &str)> {
        signed
            .headers()
            .iter()
            .map(|(n, v)| (*n, v.as_str()))
            .collect()
    }

    #[test]
    fn v1_accepts_its_own_signature_and_extra_params_only_with_the_right_secret() {
        let mut params = vec![("Action", "X"), ("Version", "2014-05-26"), ("Extra", "")];
        let canonical = v1::canonicalized_query(&params);
        let good = v1::signature("secret", &v1::string_to_sign("GET", &canonical));
        params.push(("Signature", &good));
        assert_eq!(verify_v1("GET", &params, "secret"), Ok(()));
        assert!(verify_v1("POST", &params, "secret").is_err());
        assert!(
            verify_v1("GET", &params[..3], "secret").is_err(),
            "no Signature"
        );
        let Err(string_to_sign) = verify_v1("GET", &params, "other") else {
            panic!("a wrong secret must not verify");
        };
        assert_eq!(string_to_sign, v1::string_to_sign("GET", &canonical));
    }

    #[test]
    fn v3_round_trip_and_failures() {
        let signed = signed(&Credentials::new("testid", "testsecret"), b"");
        let headers = received_headers(&signed);
        let received = ReceivedV3 {
            method: "POST",
            path: "/",
            query: &QUERY,
            headers: &headers,
            body: b"",
        };
        assert_eq!(verify_v3(&received, "testsecret"), Ok(()));
        let auth = Authorization::parse(signed.authorization()).unwrap();
        assert_eq!(auth.access_key_id, "testid");
        let stages = recompute(&received, auth.signed_headers, "testsecret").unwrap();
        assert_eq!(stages.signature, signed.signature());
        assert_eq!(stages.canonical_request, signed.canonical_request());

        match verify_v3(&received, "wrong") {
            Err(V3VerifyError::SignatureMismatch { string_to_sign, .. }) => {
                assert_eq!(string_to_sign, signed.string_to_sign())
            }
            other => panic!("{other:?}"),
        }
        let tampered = ReceivedV3 {
            body: b"x",
            ..received
        };
        assert_eq!(
            verify_v3(&tampered, "testsecret"),
            Err(V3VerifyError::PayloadHashMismatch)
        );
        let without = |name: &str| -> Vec<(&str, &str)> {
            headers
                .iter()
                .copied()
                .filter(|(n, _)| *n != name)
                .collect()
        };
        let no_auth = without("authorization");
        assert_eq!(
            verify_v3(
                &ReceivedV3 {
                    headers: &no_auth,
                    ..received
                },
                "testsecret"
            ),
            Err(V3VerifyError::MissingAuthorization)
        );
        let no_date = without("x-acs-date");
        assert_eq!(
            verify_v3(
                &ReceivedV3 {
                    headers: &no_date,
                    ..received
                },
                "testsecret"
            ),
            Err(V3VerifyError::MissingSignedHeader("x-acs-date".into()))
        );
    }

    #[test]
    fn v3_with_sts_token_and_body_verifies() {
        let credentials =
            Credentials::new_sts("STS.id", "supersecretvalue", "tokentokentoken", None);
        let body = br#"{"a":1}"#;
        let signed = signed(&credentials, body);
        let headers = received_headers(&signed);
        let received = ReceivedV3 {
            method: "POST",
            path: "/",
            query: &QUERY,
            headers: &headers,
            body,
        };
        assert_eq!(verify_v3(&received, "supersecretvalue"), Ok(()));
    }

    #[test]
    fn authorization_parse_rejects_garbage() {
        assert_eq!(
            Authorization::parse("HMAC x"),
            Err(V3VerifyError::UnsupportedAlgorithm)
        );
        assert_eq!(
            Authorization::parse("ACS3-HMAC-SHA256 Credential=a"),
            Err(V3VerifyError::MalformedAuthorization)
        );
        assert_eq!(
            Authorization::parse("ACS3-HMAC-SHA256 garbage"),
            Err(V3VerifyError::MalformedAuthorization)
        );
    }
}
