//! Tolerant decoding of response bodies.
//!
//! Alibaba Cloud responses are not strict about JSON types: numbers arrive as strings (`"12"`),
//! booleans as strings (`"true"`, `"True"`), strings as numbers, empty strings where a value is
//! absent, and lists wrapped in an object (`{"XxxSet": {"Xxx": [...]}}`), sometimes bare, and
//! sometimes, when a list holds one item, as that item alone. Generated output types decode
//! through these functions, named field by field in each structure's
//! [`DecodeFields`](super::fields::DecodeFields) implementation,
//! so such a mismatch is decoded instead of failing the call.
//!
//! No function is instantiated per field type for more than a small conversion: scalars are read
//! into one non-generic form, lists and maps into their items' JSON text, so that the
//! code serde_json generates per visitor exists once, not once per generated type (BENCHMARKS.md,
//! build cost). Nothing goes through an intermediate `serde_json::Value`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde_json::value::RawValue;

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
enum Scalar<'de> {
    Absent,
    Text(Cow<'de, str>),
    Signed(i64),
    Unsigned(u64),
    Float(f64),
    Bool(bool),
}

/// Reads any JSON scalar into a [`Scalar`]. Not generic over the field's type: serde_json's
/// `deserialize_any` is instantiated once per deserializer, not once per scalar type and enum.
struct ScalarVisitor {
    expecting: &'static str,
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
fn scalar_as<T: LenientScalar, E: de::Error>(scalar: Scalar<'_>) -> Result<Option<T>, E> {
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

/// Decodes a structure, an optional structure or a free-form JSON value as its type says
/// (for fields that need no leniency).
pub fn value<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer)
}

/// Decodes a list however the service wrapped it: a bare array, an object holding it under one
/// key (`{"Item": [...]}`), an object holding a single item instead of an array, or nothing at
/// all (`null`, `""`, `{}`), which is an empty list.
///
/// The list's shape is read once, not per item type, into the items' JSON text; each item is
/// then decoded from its text. The deserializer must lend JSON text (see
/// [`fields::decode`](super::fields::decode)).
pub fn wrapped_list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let items = deserializer.deserialize_any(ListVisitor)?;
    items
        .into_iter()
        .map(|item| T::deserialize(item).map_err(nested_error))
        .collect()
}

/// As [`wrapped_list`], for a list of scalars: each item is read like [`lenient_opt`] (numbers
/// as strings, `"true"`), and `null` items are left out.
pub fn lenient_list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: LenientScalar,
{
    let items = deserializer.deserialize_any(ListVisitor)?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if let Some(value) = lenient_opt(item).map_err(nested_error)? {
            out.push(value);
        }
    }
    Ok(out)
}

/// An error from decoding a nested value's own text, for the deserializer of the whole: its
/// position (within the nested text) is left out, the outer parser adds its own.
pub(crate) fn nested_error<E: de::Error>(err: serde_json::Error) -> E {
    let message = err.to_string();
    let without_position = match message.rsplit_once(" at line ") {
        Some((message, _)) if err.line() > 0 => message,
        _ => &message,
    };
    E::custom(without_position)
}

/// The items of a list in any of the service's shapes, as JSON text.
struct ListVisitor;

impl<'de> Visitor<'de> for ListVisitor {
    type Value = Vec<&'de RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list, or an object wrapping a list")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.is_empty() {
            Ok(Vec::new())
        } else {
            Err(E::invalid_type(de::Unexpected::Str(v), &self))
        }
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(items)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        // The wrapper object has one key naming the item type; its value is the list, a single
        // item standing for a list of one, or null.
        let mut items = Vec::new();
        while let Some(_key) = map.next_key::<de::IgnoredAny>()? {
            let value: &'de RawValue = map.next_value()?;
            match value.get().trim_start().as_bytes().first() {
                Some(b'[') => items.extend(
                    serde_json::from_str::<Vec<&'de RawValue>>(value.get())
                        .map_err(nested_error::<A::Error>)?,
                ),
                Some(b'n') => {}
                _ => items.push(value),
            }
        }
        Ok(items)
    }
}

/// Decodes a map of scalars leniently: an object whose values are read like
/// [`lenient_opt`] (entries whose value is `null` or, for non-strings, `""` are left out), or
/// nothing at all (`null`, `""`, `[]`), which is an empty map.
pub fn lenient_map<'de, D, T>(deserializer: D) -> Result<BTreeMap<String, T>, D::Error>
where
    D: Deserializer<'de>,
    T: LenientScalar,
{
    let mut out = BTreeMap::new();
    for (key, value) in deserializer.deserialize_any(MapVisitor)? {
        if let Some(value) = lenient_opt(value).map_err(nested_error)? {
            out.insert(key, value);
        }
    }
    Ok(out)
}

/// Decodes a map of structures or free-form values: an object, or nothing at all (`null`, `""`,
/// `[]`), which is an empty map.
pub fn object_map<'de, D, T>(deserializer: D) -> Result<BTreeMap<String, T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    deserializer
        .deserialize_any(MapVisitor)?
        .into_iter()
        .map(|(key, value)| Ok((key, T::deserialize(value).map_err(nested_error)?)))
        .collect()
}

/// The entries of an object as JSON text (or none for `null`, `""` and `[]`).
struct MapVisitor;

impl<'de> Visitor<'de> for MapVisitor {
    type Value = Vec<(String, &'de RawValue)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of keys to values")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.is_empty() {
            Ok(Vec::new())
        } else {
            Err(E::invalid_type(de::Unexpected::Str(v), &self))
        }
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // Some services send `[]` for an empty object.
        match seq.next_element::<de::IgnoredAny>()? {
            None => Ok(Vec::new()),
            Some(_) => Err(de::Error::invalid_type(de::Unexpected::Seq, &self)),
        }
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
        while let Some(entry) = map.next_entry()? {
            out.push(entry);
        }
        Ok(out)
    }
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
    struct Item {
        #[serde(rename = "Id")]
        id: Option<String>,
    }

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
        #[serde(rename = "ItemSet", deserialize_with = "wrapped_list")]
        items: Vec<Item>,
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
            items: vec![],
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
    fn wrapped_lists_in_every_shape() {
        let two = vec![
            Item {
                id: Some("a".into()),
            },
            Item {
                id: Some("b".into()),
            },
        ];
        assert_eq!(
            body(r#"{"ItemSet":{"Item":[{"Id":"a"},{"Id":"b"}]}}"#).items,
            two
        );
        assert_eq!(body(r#"{"ItemSet":[{"Id":"a"},{"Id":"b"}]}"#).items, two);
        assert_eq!(
            body(r#"{"ItemSet":{"Item":{"Id":"a"}}}"#).items,
            vec![Item {
                id: Some("a".into())
            }]
        );
        for empty in [
            r#"{"ItemSet":{}}"#,
            r#"{"ItemSet":null}"#,
            r#"{"ItemSet":""}"#,
            r#"{"ItemSet":{"Item":[]}}"#,
        ] {
            assert!(body(empty).items.is_empty(), "{empty}");
        }
    }

    #[test]
    fn maps_decode_leniently() {
        #[derive(Deserialize)]
        struct Maps {
            #[serde(default, deserialize_with = "lenient_map")]
            counts: BTreeMap<String, i64>,
            #[serde(default, deserialize_with = "object_map")]
            items: BTreeMap<String, Item>,
            #[serde(default)]
            any: Option<serde_json::Value>,
        }
        let maps: Maps = serde_json::from_str(
            r#"{"counts":{"a":"1","b":2,"c":"","d":null},"items":{"x":{"Id":"i"}},"any":{"k":[1]}}"#,
        )
        .unwrap();
        assert_eq!(
            maps.counts.into_iter().collect::<Vec<_>>(),
            [("a".to_owned(), 1), ("b".to_owned(), 2)]
        );
        assert_eq!(maps.items["x"].id.as_deref(), Some("i"));
        assert_eq!(maps.any, Some(serde_json::json!({"k": [1]})));
        for empty in [
            r#"{}"#,
            r#"{"counts":null,"items":""}"#,
            r#"{"counts":[],"items":[]}"#,
        ] {
            let maps: Maps = serde_json::from_str(empty).unwrap();
            assert!(maps.counts.is_empty() && maps.items.is_empty(), "{empty}");
        }
        for bad in [
            r#"{"counts":{"a":"x"}}"#,
            r#"{"counts":[1]}"#,
            r#"{"items":"no"}"#,
        ] {
            assert!(serde_json::from_str::<Maps>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wrapped_scalar_lists() {
        #[derive(Deserialize)]
        struct Ids {
            #[serde(deserialize_with = "wrapped_list")]
            ids: Vec<String>,
        }
        let ids: Ids = serde_json::from_str(r#"{"ids":{"InstanceId":["i-1","i-2"]}}"#).unwrap();
        assert_eq!(ids.ids, ["i-1", "i-2"]);
        let ids: Ids = serde_json::from_str(r#"{"ids":{"InstanceId":"i-1"}}"#).unwrap();
        assert_eq!(ids.ids, ["i-1"]);
    }

    #[test]
    fn scalar_lists_decode_their_items_leniently() {
        #[derive(Deserialize)]
        struct Numbers {
            #[serde(deserialize_with = "lenient_list")]
            numbers: Vec<i64>,
        }
        for json in [
            r#"{"numbers":{"versionNumbers":[0,"1",null,2]}}"#,
            r#"{"numbers":["0",1,"2"]}"#,
        ] {
            let numbers: Numbers = serde_json::from_str(json).unwrap();
            assert_eq!(numbers.numbers, [0, 1, 2], "{json}");
        }
        let one: Numbers = serde_json::from_str(r#"{"numbers":{"N":"7"}}"#).unwrap();
        assert_eq!(one.numbers, [7]);
        assert!(serde_json::from_str::<Numbers>(r#"{"numbers":["x"]}"#).is_err());
    }
}
