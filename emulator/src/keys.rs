//! The key table the emulator verifies signatures against: permanent AccessKeys and STS keys
//! (with their security token and, optionally, an expiry).
//!
//! Secrets and tokens are zeroized on drop and never appear in `Debug`.

use std::fmt;
use std::time::SystemTime;

use zeroize::Zeroizing;

/// The development AccessKeyId the emulator accepts when no key is configured.
pub const DEFAULT_ACCESS_KEY_ID: &str = "LTAI5tEmulatorDevKey";
/// The secret of [`DEFAULT_ACCESS_KEY_ID`]. Public on purpose: it only opens the emulator.
pub const DEFAULT_ACCESS_KEY_SECRET: &str = "EmulatorDevSecretNotForProduction";
/// The development STS AccessKeyId the emulator accepts when no key is configured.
pub const DEFAULT_STS_ACCESS_KEY_ID: &str = "STS.EmulatorDevKey";
/// The secret of [`DEFAULT_STS_ACCESS_KEY_ID`].
pub const DEFAULT_STS_ACCESS_KEY_SECRET: &str = "EmulatorDevStsSecret";
/// The security token of [`DEFAULT_STS_ACCESS_KEY_ID`].
pub const DEFAULT_STS_SECURITY_TOKEN: &str = "EmulatorDevSecurityToken";

/// One key the emulator accepts.
///
/// ```
/// use aliyun_emulator::AccessKey;
/// let key = AccessKey::new("my-id", "my-secret");
/// assert_eq!(key.id(), "my-id");
/// assert!(!format!("{key:?}").contains("my-secret"));
/// let sts = AccessKey::sts("STS.id", "secret", "token");
/// assert!(sts.security_token().is_some());
/// ```
#[derive(Clone)]
pub struct AccessKey {
    id: String,
    secret: Zeroizing<String>,
    security_token: Option<Zeroizing<String>>,
    expires_at: Option<SystemTime>,
}

impl AccessKey {
    /// A permanent AccessKey pair.
    pub fn new(id: impl Into<String>, secret: impl Into<String>) -> Self {
        AccessKey {
            id: id.into(),
            secret: Zeroizing::new(secret.into()),
            security_token: None,
            expires_at: None,
        }
    }

    /// An STS key: requests must carry `token` (`SecurityToken` / `x-acs-security-token`).
    pub fn sts(id: impl Into<String>, secret: impl Into<String>, token: impl Into<String>) -> Self {
        AccessKey {
            security_token: Some(Zeroizing::new(token.into())),
            ..AccessKey::new(id, secret)
        }
    }

    /// The key stops working at `at` (by the emulator's clock): STS keys then answer
    /// `InvalidSecurityToken.Expired`, permanent ones `InvalidAccessKeyId.NotFound`.
    pub fn expires_at(mut self, at: SystemTime) -> Self {
        self.expires_at = Some(at);
        self
    }

    /// The AccessKeyId.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The secret.
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// The security token, for STS keys.
    pub fn security_token(&self) -> Option<&str> {
        self.security_token.as_deref().map(String::as_str)
    }

    /// When the key expires, if it does.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.expires_at
    }

    /// Parses `ID:SECRET` (or `ID:SECRET:TOKEN` for an STS key), the command-line form.
    pub fn parse(text: &str) -> Result<AccessKey, String> {
        let mut parts = text.splitn(3, ':');
        let id = parts.next().unwrap_or_default();
        let secret = parts.next().unwrap_or_default();
        if id.is_empty() || secret.is_empty() {
            return Err("expected ID:SECRET (or ID:SECRET:TOKEN for an STS key)".into());
        }
        Ok(match parts.next() {
            Some(token) if !token.is_empty() => AccessKey::sts(id, secret, token),
            Some(_) => return Err("the security token after the second ':' is empty".into()),
            None => AccessKey::new(id, secret),
        })
    }
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessKey")
            .field("id", &self.id)
            .field("secret", &"** redacted **")
            .field("sts", &self.security_token.is_some())
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// The development keys used when none is configured: [`DEFAULT_ACCESS_KEY_ID`] and
/// [`DEFAULT_STS_ACCESS_KEY_ID`].
pub fn default_keys() -> Vec<AccessKey> {
    vec![
        AccessKey::new(DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET),
        AccessKey::sts(
            DEFAULT_STS_ACCESS_KEY_ID,
            DEFAULT_STS_ACCESS_KEY_SECRET,
            DEFAULT_STS_SECURITY_TOKEN,
        ),
    ]
}

/// Keys by id (a later key with the same id replaces an earlier one).
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyTable {
    keys: Vec<AccessKey>,
}

impl KeyTable {
    pub(crate) fn new(keys: Vec<AccessKey>) -> Self {
        let mut table = KeyTable::default();
        for key in keys {
            table.keys.retain(|k| k.id != key.id);
            table.keys.push(key);
        }
        table
    }

    pub(crate) fn get(&self, id: &str) -> Option<&AccessKey> {
        self.keys.iter().find(|k| k.id == id)
    }

    pub(crate) fn ids(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.id.clone()).collect()
    }

    pub(crate) fn first(&self) -> Option<&AccessKey> {
        self.keys.first()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_command_line_keys() {
        let key = AccessKey::parse("id:sec:ret").unwrap();
        assert_eq!(key.secret(), "sec");
        assert_eq!(key.security_token(), Some("ret"));
        let key = AccessKey::parse("id:secret").unwrap();
        assert!(key.security_token().is_none());
        assert!(AccessKey::parse("id").is_err());
        assert!(AccessKey::parse(":x").is_err());
        assert!(AccessKey::parse("a:b:").is_err());
    }

    #[test]
    fn later_key_replaces_earlier() {
        let table = KeyTable::new(vec![AccessKey::new("a", "1"), AccessKey::new("a", "2")]);
        assert_eq!(table.get("a").unwrap().secret(), "2");
        assert_eq!(table.ids(), vec!["a"]);
    }
}
