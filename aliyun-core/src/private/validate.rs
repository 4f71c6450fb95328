//! Checks generated `validate` functions run before a request is sent.
//!
//! Each function names the parameter by its wire name and returns the rule it broke, so the
//! caller sees `invalid parameter `InstanceId`: allows at most 20 item(s), got 21` without a
//! round trip to the service.

use std::sync::OnceLock;

use regex::Regex;

use crate::error::{InvalidInput, InvalidRule};

/// Checks that a required value is set.
pub fn required<T>(parameter: &str, value: Option<T>) -> Result<T, InvalidInput> {
    value.ok_or_else(|| InvalidInput::new(parameter, InvalidRule::Missing))
}

/// Checks a list's length against optional bounds.
pub fn items(
    parameter: &str,
    len: usize,
    min: Option<usize>,
    max: Option<usize>,
) -> Result<(), InvalidInput> {
    if let Some(min) = min.filter(|min| len < *min) {
        return Err(InvalidInput::new(
            parameter,
            InvalidRule::TooFewItems { min, actual: len },
        ));
    }
    if let Some(max) = max.filter(|max| len > *max) {
        return Err(InvalidInput::new(
            parameter,
            InvalidRule::TooManyItems { max, actual: len },
        ));
    }
    Ok(())
}

/// Checks a string's length in characters against optional bounds.
pub fn length(
    parameter: &str,
    value: &str,
    min: Option<usize>,
    max: Option<usize>,
) -> Result<(), InvalidInput> {
    // A character takes one to four bytes, so the byte length alone settles most checks
    // (every one for ASCII text) without counting characters.
    let bytes = value.len();
    // `bytes` bytes hold at least `ceil(bytes / 4)` characters.
    let min_holds = min.is_none_or(|min| bytes.saturating_add(3) >= min.saturating_mul(4));
    let max_holds = max.is_none_or(|max| bytes <= max);
    if min_holds && max_holds {
        return Ok(());
    }
    let len = value.chars().count();
    if let Some(min) = min.filter(|min| len < *min) {
        return Err(InvalidInput::new(
            parameter,
            InvalidRule::TooShort { min, actual: len },
        ));
    }
    if let Some(max) = max.filter(|max| len > *max) {
        return Err(InvalidInput::new(
            parameter,
            InvalidRule::TooLong { max, actual: len },
        ));
    }
    Ok(())
}

/// Checks a number against optional inclusive bounds.
pub fn range<T>(
    parameter: &str,
    value: T,
    min: Option<T>,
    max: Option<T>,
) -> Result<(), InvalidInput>
where
    T: PartialOrd + ToString + Copy,
{
    if let Some(min) = min.filter(|min| value < *min) {
        return Err(InvalidInput::new(
            parameter,
            InvalidRule::BelowMinimum {
                min: min.to_string(),
                actual: value.to_string(),
            },
        ));
    }
    if let Some(max) = max.filter(|max| value > *max) {
        return Err(InvalidInput::new(
            parameter,
            InvalidRule::AboveMaximum {
                max: max.to_string(),
                actual: value.to_string(),
            },
        ));
    }
    Ok(())
}

/// Runs `check` on every item of a list, naming a failing item `parameter.N` (from 1) as it
/// goes on the wire, and a failing field of a structure item `parameter.N.Field`.
///
/// `check` gets the list's name (not the item's), so no name is built unless an item fails.
pub fn each<T>(
    parameter: &str,
    items: &[T],
    check: impl Fn(&str, &T) -> Result<(), InvalidInput>,
) -> Result<(), InvalidInput> {
    for (index, item) in items.iter().enumerate() {
        if let Err(error) = check(parameter, item) {
            let name = match error.parameter().strip_prefix(parameter) {
                Some(rest) => format!("{parameter}.{}{rest}", index + 1),
                None => error.parameter().to_owned(),
            };
            return Err(InvalidInput::new(name, error.rule().clone()));
        }
    }
    Ok(())
}

/// Runs `check` on every value of a map; a failing value is named `parameter.<key>`, as it
/// goes on the wire with `style: flat` (the same name the JSON text would hold it under).
pub fn each_value<T>(
    parameter: &str,
    map: &std::collections::BTreeMap<String, T>,
    check: impl Fn(&str, &T) -> Result<(), InvalidInput>,
) -> Result<(), InvalidInput> {
    for (key, value) in map {
        if let Err(error) = check(parameter, value) {
            let name = match error.parameter().strip_prefix(parameter) {
                Some(rest) => format!("{parameter}.{key}{rest}"),
                None => error.parameter().to_owned(),
            };
            return Err(InvalidInput::new(name, error.rule().clone()));
        }
    }
    Ok(())
}

/// Checks a string against a pattern.
pub fn pattern(parameter: &str, value: &str, pattern: &Pattern) -> Result<(), InvalidInput> {
    if pattern.is_match(value) {
        Ok(())
    } else {
        Err(InvalidInput::new(
            parameter,
            InvalidRule::Pattern {
                pattern: pattern.source(),
            },
        ))
    }
}

/// A regular expression from a spec, compiled on first use and then shared.
///
/// Generated code declares one `static` per pattern, so each is compiled once per process.
#[derive(Debug)]
pub struct Pattern {
    source: &'static str,
    compiled: OnceLock<Option<Regex>>,
}

impl Pattern {
    /// A pattern that will be compiled from `source` on first use.
    pub const fn new(source: &'static str) -> Self {
        Pattern {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// The pattern's text.
    pub fn source(&self) -> &'static str {
        self.source
    }

    /// Whether `value` matches. The spec validator rejects patterns that do not compile, so a
    /// pattern that still fails here matches nothing rather than panicking.
    pub fn is_match(&self, value: &str) -> bool {
        self.compiled
            .get_or_init(|| Regex::new(self.source).ok())
            .as_ref()
            .is_some_and(|re| re.is_match(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_agrees_with_counting_characters() {
        let values = [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "测",
            "测试",
            "测试测",
            "a测",
            "😀😀",
            "😀😀😀a",
        ];
        for value in values {
            let chars = value.chars().count();
            for min in [None, Some(0), Some(1), Some(2), Some(3), Some(4), Some(5)] {
                for max in [None, Some(0), Some(1), Some(2), Some(3), Some(4), Some(8)] {
                    let expected = min.is_none_or(|m| chars >= m) && max.is_none_or(|m| chars <= m);
                    assert_eq!(
                        length("P", value, min, max).is_ok(),
                        expected,
                        "{value:?} {min:?} {max:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn each_rule_names_parameter() {
        assert_eq!(
            required::<u8>("RegionId", None).unwrap_err().rule(),
            &InvalidRule::Missing
        );
        assert_eq!(required("RegionId", Some(1)).unwrap(), 1);
        assert!(items("InstanceId", 0, Some(1), Some(20)).is_err());
        assert!(items("InstanceId", 21, Some(1), Some(20)).is_err());
        assert!(items("InstanceId", 20, Some(1), Some(20)).is_ok());
        let err = length("InstanceId", "", Some(1), None).unwrap_err();
        assert_eq!(err.parameter(), "InstanceId");
        assert!(
            length("Name", "测试", None, Some(2)).is_ok(),
            "length counts characters"
        );
        assert!(range("PageSize", 51, Some(1), Some(50)).is_err());
        assert!(range("PageSize", 0, Some(1), Some(50)).is_err());
        assert!(range("Ratio", 0.5, Some(0.0), Some(1.0)).is_ok());
        let ids = ["i-1".to_owned(), String::new()];
        let err = each("InstanceId", &ids, |p, v| length(p, v, Some(1), None)).unwrap_err();
        assert_eq!(err.parameter(), "InstanceId.2");
    }

    #[test]
    fn patterns_compile_once_and_never_panic() {
        static ID: Pattern = Pattern::new("^i-[a-z0-9]+$");
        assert!(pattern("InstanceId", "i-abc123", &ID).is_ok());
        let err = pattern("InstanceId", "x", &ID).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid parameter `InstanceId`: must match the pattern `^i-[a-z0-9]+$`"
        );
        static BROKEN: Pattern = Pattern::new("(");
        assert!(!BROKEN.is_match("("));
    }
}
