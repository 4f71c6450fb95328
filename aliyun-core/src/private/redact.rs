//! How generated `Debug` output shows a secret (a password, a private key): whether it is
//! set, never its value.

use std::collections::BTreeMap;
use std::fmt;

/// A secret in `Debug` output: `<redacted>` when set, `None` when not.
///
/// ```
/// use aliyun_core::__private::Redacted;
/// let password = Some("EcsV587!".to_owned());
/// assert_eq!(format!("{:?}", Redacted(&password)), "<redacted>");
/// assert_eq!(format!("{:?}", Redacted(&None::<String>)), "None");
/// assert_eq!(format!("{:?}", Redacted(&"hunter2".to_owned())), "<redacted>");
/// ```
pub struct Redacted<'a, T: ?Sized>(pub &'a T);

impl<T: IsSet + ?Sized> fmt::Debug for Redacted<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_set() {
            "<redacted>"
        } else {
            "None"
        })
    }
}

/// Whether a field holds a value (an `Option` may not; anything else does).
pub trait IsSet {
    /// `false` for `None`.
    fn is_set(&self) -> bool;
}

impl<T> IsSet for Option<T> {
    fn is_set(&self) -> bool {
        self.is_some()
    }
}

impl IsSet for String {
    fn is_set(&self) -> bool {
        true
    }
}

impl<T> IsSet for Vec<T> {
    fn is_set(&self) -> bool {
        true
    }
}

impl<K, V> IsSet for BTreeMap<K, V> {
    fn is_set(&self) -> bool {
        true
    }
}
