//! Tolerant decoding of response bodies.
//!
//! Alibaba Cloud responses are not strict about JSON types: numbers arrive as strings (`"12"`),
//! booleans as strings (`"true"`, `"True"`), strings as numbers, empty strings where a value is
//! absent, and lists wrapped in an object (`{"XxxSet": {"Xxx": [...]}}`), sometimes bare, and
//! sometimes, when a list holds one item, as that item alone. Generated output types decode
//! through [`FieldValue`](super::fields::FieldValue), named field by field in each structure's
//! [`DecodeFields`](super::fields::DecodeFields) implementation, so such a mismatch is decoded
//! instead of failing the call. This module holds the scalar half: how a JSON scalar becomes a
//! field's type, and [`lenient_opt`] / [`lenient`] for hand-written `deserialize_with` use.
//!
//! Scalars are read into one form that is not generic over the field's type (`Scalar`), so
//! the code serde_json generates per visitor exists once, not once per scalar type
//! (BENCHMARKS.md, build cost).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};

/// A scalar type that decodes leniently from any JSON scalar that can stand for it.
pub trait LenientScalar: Sized {
    /// What the decoder expected, for error messages.
    const EXPECTING: &'static str;
    /// From a JSON string.
    fn from_text(text: &str) -> Option<Self>;
    /// From a JSON integer.
    fn from_i64(value: i64) -> Option<Self>;
    /// From a JSON unsigned integer.
    fn from_u64(value: u64) -> Option<Self>;
    /// From a JSON float.
    fn from_f64(value: f64) -> Option<Self>;
    /// From a JSON boolean.
    fn from_bool(value: bool) -> Option<Self>;
    /// Whether an empty string means "absent" for this type.
    const EMPTY_IS_ABSENT: bool = true;
}

impl LenientScalar for String {
    const EXPECTING: &'static str = "a string";
    const EMPTY_IS_ABSENT: bool = false;
    fn from_text(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }
    fn from_i64(value: i64) -> Option<Self> {
        Some(value.to_string())
    }
    fn from_u64(value: u64) -> Option<Self> {
        Some(value.to_string())
    }
    fn from_f64(value: f64) -> Option<Self> {
        Some(value.to_string())
    }
    fn from_bool(value: bool) -> Option<Self> {
        Some(value.to_string())
    }
}

macro_rules! lenient_integer {
    ($t:ty, $expecting:literal) => {
        impl LenientScalar for $t {
            const EXPECTING: &'static str = $expecting;
            fn from_text(text: &str) -> Option<Self> {
                let text = text.trim();
                text.parse::<$t>()
                    .ok()
                    .or_else(|| text.parse::<f64>().ok().and_then(Self::from_f64))
            }
            fn from_i64(value: i64) -> Option<Self> {
                <$t>::try_from(value).ok()
            }
            fn from_u64(value: u64) -> Option<Self> {
                <$t>::try_from(value).ok()
            }
            fn from_f64(value: f64) -> Option<Self> {
                // Only an integral float within range stands for an integer (`12.0`, not `12.5`).
                let in_range = value >= <$t>::MIN as f64 && value <= <$t>::MAX as f64;
                (value.fract() == 0.0 && in_range).then_some(value as $t)
            }
            fn from_bool(_: bool) -> Option<Self> {
                None
            }
        }
    };
}
lenient_integer!(i32, "an integer (or a string holding one)");
lenient_integer!(i64, "a long integer (or a string holding one)");

impl LenientScalar for f64 {
    const EXPECTING: &'static str = "a number (or a string holding one)";
    fn from_text(text: &str) -> Option<Self> {
        text.trim().parse().ok()
    }
    fn from_i64(value: i64) -> Option<Self> {
        Some(value as f64)
    }
    fn from_u64(value: u64) -> Option<Self> {
        Some(value as f64)
    }
    fn from_f64(value: f64) -> Option<Self> {
        Some(value)
    }
    fn from_bool(_: bool) -> Option<Self> {
        None
    }
}

impl LenientScalar for bool {
    const EXPECTING: &'static str = "a boolean (or \"true\"/\"false\", 1/0)";
    fn from_text(text: &str) -> Option<Self> {
        match text.trim() {
            t if t.eq_ignore_ascii_case("true") => Some(true),
            t if t.eq_ignore_ascii_case("false") => Some(false),
            "1" => Some(true),
            "0" => Some(false),
            _ => None,
        }
    }
    fn from_i64(value: i64) -> Option<Self> {
        match value {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
    fn from_u64(value: u64) -> Option<Self> {
        Self::from_i64(i64::try_from(value).ok()?)
    }
    fn from_f64(_: f64) -> Option<Self> {
        None
    }
    fn from_bool(value: bool) -> Option<Self> {
        Some(value)
    }
}

/// One JSON scalar as read, before it becomes the field's type.
pub(crate) enum Scalar<'de> {
    Absent,
    Text(Cow<'de, str>),
    Signed(i64),
    Unsigned(u64),
    Float(f64),
    Bool(bool),
}

/// Reads any JSON scalar into a [`Scalar`]. Not generic over the field's type: serde_json's
/// `deserialize_any` is instantiated once per deserializer, not once per scalar type and enum.
pub(crate) struct ScalarVisitor {
    pub(crate) expecting: &'static str,
}

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Absent)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Absent)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Text(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Text(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Text(Cow::Owned(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Signed(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::Unsigned(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Float(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }
}

/// The scalar as `T`: `None` for null and (where the type says so) the empty string.
pub(crate) fn scalar_as<T: LenientScalar, E: de::Error>(
    scalar: Scalar<'_>,
) -> Result<Option<T>, E> {
    let invalid = |unexpected| E::invalid_value(unexpected, &T::EXPECTING);
    match scalar {
        Scalar::Absent => Ok(None),
        Scalar::Text(text) if text.is_empty() && T::EMPTY_IS_ABSENT => Ok(None),
        Scalar::Text(text) => T::from_text(&text)
            .map(Some)
            .ok_or_else(|| invalid(de::Unexpected::Str(&text))),
        Scalar::Signed(v) => T::from_i64(v)
            .map(Some)
            .ok_or_else(|| invalid(de::Unexpected::Signed(v))),
        Scalar::Unsigned(v) => T::from_u64(v)
            .map(Some)
            .ok_or_else(|| invalid(de::Unexpected::Unsigned(v))),
        Scalar::Float(v) => T::from_f64(v)
            .map(Some)
            .ok_or_else(|| invalid(de::Unexpected::Float(v))),
        Scalar::Bool(v) => T::from_bool(v)
            .map(Some)
            .ok_or_else(|| invalid(de::Unexpected::Bool(v))),
    }
}

/// Decodes an optional scalar leniently: `null`, a missing field and, for non-string types,
/// `""` give `None`.
pub fn lenient_opt<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: LenientScalar,
{
    let scalar = deserializer.deserialize_any(ScalarVisitor {
        expecting: T::EXPECTING,
    })?;
    scalar_as(scalar)
}

/// Decodes a required scalar leniently; `null` or an empty value is an error.
pub fn lenient<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: LenientScalar,
{
    lenient_opt(deserializer)?
        .ok_or_else(|| de::Error::invalid_value(de::Unexpected::Unit, &T::EXPECTING))
}

/// Implements the conversions every generated string enum has: `as_str`, `From<&str>`,
/// `FromStr`, `Display`, `AsRef<str>`, wire writing ([`ParamValue`](crate::params::ParamValue))
/// and lenient decoding ([`LenientScalar`] and `Deserialize`). Values not listed become the
/// enum's `Unknown(String)` variant, so a value the service adds later never fails a call.
///
/// ```
/// /// Agent states.
/// #[derive(Debug, Clone, PartialEq, Eq, Hash)]
/// #[non_exhaustive]
/// pub enum AgentStatus {
///     /// Running.
///     Running,
///     /// A value this version does not know.
///     Unknown(String),
/// }
/// aliyun_core::__private::text_enum!(AgentStatus { Running => "running" });
///
/// assert_eq!(AgentStatus::from("running"), AgentStatus::Running);
/// assert_eq!(AgentStatus::from("later").as_str(), "later");
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! text_enum {
    ($name:ident { $($variant:ident => $value:literal),* $(,)? }) => {
        impl $name {
            /// The known wire values, in spec order.
            pub const VALUES: &'static [&'static str] = &[$($value),*];

            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $value,)*
                    Self::Unknown(value) => value.as_str(),
                }
            }
        }

        impl ::core::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($value => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl ::core::convert::From<::std::string::String> for $name {
            fn from(value: ::std::string::String) -> Self {
                Self::from(value.as_str())
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = ::core::convert::Infallible;
            fn from_str(value: &str) -> ::core::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::core::convert::AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl $crate::params::ParamValue for $name {
            fn write_param(&self, out: &mut ::std::string::String) {
                out.push_str(self.as_str())
            }
        }

        impl $crate::__private::de::LenientScalar for $name {
            const EXPECTING: &'static str = "a string value";
            fn from_text(text: &str) -> Option<Self> {
                Some(Self::from(text))
            }
            fn from_i64(value: i64) -> Option<Self> {
                Some(Self::from(value.to_string()))
            }
            fn from_u64(value: u64) -> Option<Self> {
                Some(Self::from(value.to_string()))
            }
            fn from_f64(value: f64) -> Option<Self> {
                Some(Self::from(value.to_string()))
            }
            fn from_bool(value: bool) -> Option<Self> {
                Some(Self::from(value.to_string()))
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error>
            where
                S: $crate::__private::serde::Serializer,
            {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D>(deserializer: D) -> ::core::result::Result<Self, D::Error>
            where
                D: $crate::__private::serde::Deserializer<'de>,
            {
                $crate::__private::de::lenient(deserializer)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Default, PartialEq, Deserialize)]
    #[serde(default)]
    struct Body {
        #[serde(rename = "Count", deserialize_with = "lenient_opt")]
        count: Option<i64>,
        #[serde(rename = "Ok", deserialize_with = "lenient_opt")]
        ok: Option<bool>,
        #[serde(rename = "Name", deserialize_with = "lenient_opt")]
        name: Option<String>,
        #[serde(rename = "Ratio", deserialize_with = "lenient_opt")]
        ratio: Option<f64>,
    }

    fn body(json: &str) -> Body {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn numbers_and_booleans_arrive_as_strings_or_not() {
        let expected = Body {
            count: Some(12),
            ok: Some(true),
            name: Some("7".into()),
            ratio: Some(0.5),
        };
        assert_eq!(
            body(r#"{"Count":"12","Ok":"True","Name":7,"Ratio":"0.5"}"#),
            expected
        );
        assert_eq!(
            body(r#"{"Count":12,"Ok":true,"Name":"7","Ratio":0.5}"#),
            expected
        );
        assert_eq!(
            body(r#"{"Count":12.0,"Ok":1,"Name":"7","Ratio":"0.5"}"#),
            expected
        );
    }

    #[test]
    fn absent_null_and_empty_are_none() {
        assert_eq!(body(r#"{"Count":"","Ok":null}"#), Body::default());
        assert_eq!(body("{}"), Body::default());
        // An empty string is a real value for a string field.
        assert_eq!(body(r#"{"Name":""}"#).name, Some(String::new()));
    }

    #[test]
    fn mismatches_that_cannot_stand_for_the_type_fail() {
        for json in [
            r#"{"Count":"twelve"}"#,
            r#"{"Count":1.5}"#,
            r#"{"Ok":"yes"}"#,
            r#"{"Count":99999999999999999999}"#,
        ] {
            assert!(serde_json::from_str::<Body>(json).is_err(), "{json}");
        }
    }

    #[test]
    fn a_required_scalar_must_be_present() {
        #[derive(Debug, Deserialize)]
        struct Required {
            #[serde(deserialize_with = "lenient")]
            count: i32,
        }
        assert_eq!(
            serde_json::from_str::<Required>(r#"{"count":"3"}"#)
                .unwrap()
                .count,
            3
        );
        let err = serde_json::from_str::<Required>(r#"{"count":null}"#).unwrap_err();
        assert!(err.to_string().contains("integer"), "{err}");
    }
}
