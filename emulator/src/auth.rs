//! Authentication as Alibaba Cloud's gateway does it: RPC signature V1 (parameters) or V3
//! (`Authorization: ACS3-HMAC-SHA256`), recomputed by [`crate::verify`] from whatever arrived,
//! against the key table; STS tokens; the 15-minute timestamp window; and a bounded
//! nonce cache.

use std::collections::{HashSet, VecDeque};
use std::time::{Duration, SystemTime};

use aliyun_core::signer::v1;

use crate::clock::{self, Clock};
use crate::error::ApiError;
use crate::keys::KeyTable;
use crate::request::Incoming;
use crate::verify::{self, Authorization, ReceivedV3, V3VerifyError};

/// How far a request timestamp may be from the server's clock.
pub const TIMESTAMP_WINDOW: Duration = Duration::from_secs(15 * 60);
/// How many nonces are remembered (oldest forgotten first).
pub const NONCE_CACHE_CAPACITY: usize = 100_000;

/// The signature scheme a request uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignatureVersion {
    V1,
    V3,
}

impl SignatureVersion {
    /// V3 when `Authorization` names an `ACS3-` algorithm, or when the request routes by
    /// `x-acs-action` and carries no V1 `Signature`; V1 otherwise.
    pub(crate) fn of(incoming: &Incoming) -> SignatureVersion {
        let acs3 = incoming
            .header("authorization")
            .is_some_and(|value| value.trim_start().starts_with("ACS3-"));
        let v3_routing =
            incoming.header("x-acs-action").is_some() && incoming.param("Signature").is_none();
        if acs3 || v3_routing {
            SignatureVersion::V3
        } else {
            SignatureVersion::V1
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            SignatureVersion::V1 => "v1",
            SignatureVersion::V3 => "v3",
        }
    }
}

/// The claimed AccessKeyId and nonce, read without verifying anything (for the request log).
pub(crate) fn claimed_identity(incoming: &Incoming) -> (Option<String>, Option<String>) {
    match SignatureVersion::of(incoming) {
        SignatureVersion::V1 => (
            incoming.param("AccessKeyId").map(str::to_owned),
            incoming.param("SignatureNonce").map(str::to_owned),
        ),
        SignatureVersion::V3 => (
            incoming
                .header("authorization")
                .and_then(|h| Authorization::parse(h).ok())
                .map(|a| a.access_key_id.to_owned()),
            incoming.header("x-acs-signature-nonce").map(str::to_owned),
        ),
    }
}

/// Everything authentication needs from the server.
pub(crate) struct Authenticator<'a> {
    pub(crate) keys: &'a KeyTable,
    pub(crate) clock: &'a Clock,
    pub(crate) nonces: &'a std::sync::Mutex<NonceCache>,
}

impl Authenticator<'_> {
    /// Verifies `incoming`; on success returns the AccessKeyId. The nonce is consumed only by a
    /// request whose signature verified, so a forged request cannot burn a client's nonce.
    pub(crate) fn authenticate(&self, incoming: &Incoming) -> Result<String, ApiError> {
        match SignatureVersion::of(incoming) {
            SignatureVersion::V1 => self.v1(incoming),
            SignatureVersion::V3 => self.v3(incoming),
        }
    }

    fn v1(&self, incoming: &Incoming) -> Result<String, ApiError> {
        let require = |name: &str| {
            incoming
                .param(name)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| ApiError::incomplete_signature(&format!("Missing {name}.")))
        };
        require("Signature")?;
        let access_key_id = require("AccessKeyId")?;
        let method = require("SignatureMethod")?;
        let version = require("SignatureVersion")?;
        let nonce = require("SignatureNonce")?;
        let timestamp = require("Timestamp")?;
        if method != v1::SIGNATURE_METHOD {
            return Err(ApiError::incomplete_signature(&format!(
                "SignatureMethod must be {}.",
                v1::SIGNATURE_METHOD
            )));
        }
        if version != v1::SIGNATURE_VERSION {
            return Err(ApiError::incomplete_signature(&format!(
                "SignatureVersion must be {}.",
                v1::SIGNATURE_VERSION
            )));
        }
        let secret = self.check_key(access_key_id, incoming.param("SecurityToken"))?;
        self.check_time(timestamp)?;

        let params: Vec<(&str, &str)> = incoming.params().collect();
        if let Err(string_to_sign) = verify::verify_v1(&incoming.method, &params, &secret) {
            return Err(ApiError::signature_does_not_match(&string_to_sign));
        }
        self.check_nonce(access_key_id, nonce)?;
        Ok(access_key_id.to_owned())
    }

    fn v3(&self, incoming: &Incoming) -> Result<String, ApiError> {
        let header = incoming
            .header("authorization")
            .ok_or_else(|| ApiError::incomplete_signature("Missing header authorization."))?;
        let authorization = Authorization::parse(header).map_err(|e| {
            ApiError::incomplete_signature(&format!("The Authorization header is invalid: {e}."))
        })?;
        let require = |name: &str| {
            incoming
                .header(name)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| ApiError::incomplete_signature(&format!("Missing header {name}.")))
        };
        let nonce = require("x-acs-signature-nonce")?;
        let date = require("x-acs-date")?;
        let access_key_id = authorization.access_key_id;
        let secret = self.check_key(access_key_id, incoming.header("x-acs-security-token"))?;
        self.check_time(date)?;

        let query: Vec<(&str, &str)> = incoming
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let headers: Vec<(&str, &str)> = incoming
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let received = ReceivedV3 {
            method: &incoming.method,
            path: &incoming.path,
            query: &query,
            headers: &headers,
            body: &incoming.body,
        };
        match verify::verify_v3(&received, &secret) {
            Ok(()) => {}
            Err(V3VerifyError::SignatureMismatch { string_to_sign, .. }) => {
                return Err(ApiError::signature_does_not_match(&string_to_sign));
            }
            Err(V3VerifyError::PayloadHashMismatch) => {
                return Err(ApiError::new(
                    400,
                    "SignatureDoesNotMatch",
                    "The x-acs-content-sha256 header does not match the request body.",
                ));
            }
            Err(other) => {
                return Err(ApiError::incomplete_signature(&format!("{other}.")));
            }
        }
        self.check_nonce(access_key_id, nonce)?;
        Ok(access_key_id.to_owned())
    }

    /// The key's secret, after checking the key exists, has not expired, and the security
    /// token (present exactly for STS keys) matches.
    fn check_key(
        &self,
        access_key_id: &str,
        token: Option<&str>,
    ) -> Result<zeroize::Zeroizing<String>, ApiError> {
        let key = self
            .keys
            .get(access_key_id)
            .ok_or_else(ApiError::access_key_not_found)?;
        let expired = key.expiry().is_some_and(|at| self.clock.now() >= at);
        match (key.security_token(), token) {
            (None, None) if expired => return Err(ApiError::access_key_not_found()),
            (None, None) => {}
            // A token with a permanent key: a client holding stale STS credentials.
            (None, Some(_)) => return Err(ApiError::security_token_mismatch()),
            (Some(_), None) => return Err(ApiError::security_token_missing()),
            (Some(_), Some(given)) if given.trim().is_empty() => {
                return Err(ApiError::security_token_malformed());
            }
            (Some(expected), Some(given)) => {
                if expected != given {
                    return Err(ApiError::security_token_mismatch());
                }
                if expired {
                    return Err(ApiError::security_token_expired());
                }
            }
        }
        Ok(zeroize::Zeroizing::new(key.secret().to_owned()))
    }

    fn check_time(&self, text: &str) -> Result<(), ApiError> {
        let sent = clock::parse_timestamp(text).ok_or_else(ApiError::timestamp_format)?;
        if clock::distance(sent, self.clock.now()) > TIMESTAMP_WINDOW {
            return Err(ApiError::timestamp_expired());
        }
        Ok(())
    }

    fn check_nonce(&self, access_key_id: &str, nonce: &str) -> Result<(), ApiError> {
        let mut cache = self
            .nonces
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.insert(access_key_id, nonce, self.clock.now()) {
            Ok(())
        } else {
            Err(ApiError::nonce_used())
        }
    }
}

/// Nonces seen per AccessKeyId, forgotten once older than the timestamp window (a request that
/// old is refused anyway) or when the cache is full.
#[derive(Debug)]
pub(crate) struct NonceCache {
    seen: HashSet<String>,
    order: VecDeque<(SystemTime, String)>,
    capacity: usize,
}

impl Default for NonceCache {
    fn default() -> Self {
        NonceCache::with_capacity(NONCE_CACHE_CAPACITY)
    }
}

impl NonceCache {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        NonceCache {
            seen: HashSet::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// Records the nonce; `false` when it was already used.
    pub(crate) fn insert(&mut self, access_key_id: &str, nonce: &str, now: SystemTime) -> bool {
        // Forget what the timestamp window (plus a margin) already protects against.
        let horizon = now.checked_sub(TIMESTAMP_WINDOW * 2);
        while let Some((at, _)) = self.order.front() {
            let stale = horizon.is_some_and(|h| *at < h);
            if !stale && self.order.len() < self.capacity {
                break;
            }
            if let Some((_, key)) = self.order.pop_front() {
                self.seen.remove(&key);
            }
        }
        let key = format!("{access_key_id}\n{nonce}");
        if self.seen.contains(&key) {
            return false;
        }
        self.seen.insert(key.clone());
        self.order.push_back((now, key));
        true
    }

    pub(crate) fn clear(&mut self) {
        self.seen.clear();
        self.order.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_cache_refuses_reuse_and_stays_bounded() {
        let now = SystemTime::now();
        let mut cache = NonceCache::with_capacity(3);
        assert!(cache.insert("k", "n1", now));
        assert!(!cache.insert("k", "n1", now));
        assert!(cache.insert("other", "n1", now));
        assert!(cache.insert("k", "n2", now));
        assert!(cache.insert("k", "n3", now));
        assert!(cache.seen.len() <= 3);
        // The oldest was forgotten to make room.
        assert!(cache.insert("k", "n1", now));
    }

    #[test]
    fn old_nonces_expire() {
        let start = SystemTime::now();
        let mut cache = NonceCache::default();
        assert!(cache.insert("k", "n", start));
        let later = start + TIMESTAMP_WINDOW * 3;
        assert!(cache.insert("k", "other", later));
        assert!(cache.insert("k", "n", later));
    }
}
