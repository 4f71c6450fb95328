//! Decoding of generated response structures, field by field, through one shared visitor.
//!
//! `#[derive(Deserialize)]` writes a visitor, a field enum, a sequence form and a wrapper type
//! for every `deserialize_with` field, for every structure: with every action generated, that
//! was 44% of the expanded code of `aliyun-ecs`. Here a structure only says how to decode each
//! of its wire names ([`DecodeFields`], a `match` the generator writes); the loop over the JSON
//! object, unknown keys and missing required fields are handled once, below, without being
//! generic over the structure.
//!
//! Each field's value reaches the structure as its JSON text (a borrowed
//! [`RawValue`](serde_json::value::RawValue)), which the lenient decoders of [`de`](super::de)
//! then read with one concrete deserializer. Type-erasing the deserializer instead
//! (`erased-serde`) made every visitor a vtable of thirty methods per field type, and the crate's
//! code generation six times slower. The price is that nested values are scanned once per level
//! of nesting; responses are a few levels deep.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// One field's value as JSON text, for [`DecodeFields::decode_field`]: the lenient decoders of
/// [`de`](super::de) and `Deserialize::deserialize` read it.
pub type FieldValue<'de> = &'de RawValue;

/// Whether a wire name was a field of the structure (`Ok(false)`: unknown, skipped).
pub type FieldResult = Result<bool, serde_json::Error>;

/// A generated structure that decodes itself one wire field at a time.
pub trait DecodeFields {
    /// Decodes the value of `wire_name` into its field, or returns `Ok(false)` when the
    /// structure has no such field.
    fn decode_field<'de>(&mut self, wire_name: &str, value: FieldValue<'de>) -> FieldResult;
}

/// Decodes a JSON object into `T`: fields absent from the object keep their default, keys the
/// structure does not know are skipped, and a missing name of `required` is an error.
///
/// The deserializer must be able to lend JSON text (`serde_json::from_slice` and `from_str`
/// can; `from_reader` cannot): the SDK decodes whole response bodies held in memory.
pub fn decode<'de, D, T>(deserializer: D, required: &'static [&'static str]) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DecodeFields + Default,
{
    let mut value = T::default();
    decode_into(deserializer, &mut value, required)?;
    Ok(value)
}

/// The part of [`decode`] that is not generic over the structure: instantiated once per
/// deserializer type, however many structures a crate generates.
fn decode_into<'de, D: Deserializer<'de>>(
    deserializer: D,
    target: &mut dyn DecodeFields,
    required: &'static [&'static str],
) -> Result<(), D::Error> {
    deserializer.deserialize_map(StructVisitor { target, required })
}

struct StructVisitor<'a> {
    target: &'a mut dyn DecodeFields,
    required: &'static [&'static str],
}

impl<'de> Visitor<'de> for StructVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut missing = self.required.to_vec();
        let mut key = String::new();
        while map.next_key_seed(KeySeed(&mut key))?.is_some() {
            let value: &'de RawValue = map.next_value()?;
            self.target
                .decode_field(&key, value)
                .map_err(|err| field_error(&key, err))?;
            if !missing.is_empty() {
                missing.retain(|name| *name != key);
            }
        }
        match missing.first() {
            Some(name) => Err(de::Error::missing_field(name)),
            None => Ok(()),
        }
    }
}

/// An error inside a field's value, prefixed with the field's wire name (the position within
/// the field's own text left out: the outer parser adds the position in the whole body).
fn field_error<E: de::Error>(wire_name: &str, err: serde_json::Error) -> E {
    let inner: serde_json::Error = super::de::nested_error(err);
    E::custom(format_args!("{wire_name}: {inner}"))
}

/// Reads an object key into a reused buffer: no allocation per key once it is large enough.
struct KeySeed<'a>(&'a mut String);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.0.clear();
        self.0.push_str(v);
        Ok(())
    }
}

/// Implements `Deserialize` for a structure that implements [`DecodeFields`], through
/// [`decode`]; wire names listed as `required` must be present in every object.
///
/// ```
/// use aliyun_core::__private::{de, fields};
///
/// #[derive(Debug, Default, PartialEq)]
/// pub struct Disk {
///     pub disk_id: String,
///     pub size: Option<i32>,
///     pub tags: Vec<String>,
/// }
/// impl fields::DecodeFields for Disk {
///     fn decode_field<'de>(
///         &mut self,
///         wire_name: &str,
///         value: fields::FieldValue<'de>,
///     ) -> fields::FieldResult {
///         match wire_name {
///             "DiskId" => self.disk_id = de::lenient(value)?,
///             "Size" => self.size = de::lenient_opt(value)?,
///             "Tags" => self.tags = de::lenient_list(value)?,
///             _ => return Ok(false),
///         }
///         Ok(true)
///     }
/// }
/// aliyun_core::__private::deserialize_fields!(Disk, required = ["DiskId"]);
///
/// let disk: Disk = serde_json::from_str(r#"{"DiskId": "d-1", "Size": "40", "Other": [1]}"#)?;
/// assert_eq!(disk, Disk { disk_id: "d-1".into(), size: Some(40), tags: vec![] });
/// assert!(serde_json::from_str::<Disk>(r#"{"Size": 40}"#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! deserialize_fields {
    ($name:ident $(, required = [$($required:literal),* $(,)?])?) => {
        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D>(deserializer: D) -> ::core::result::Result<Self, D::Error>
            where
                D: $crate::__private::serde::Deserializer<'de>,
            {
                $crate::__private::fields::decode(deserializer, &[$($($required),*)?])
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::{DecodeFields, FieldResult, FieldValue};
    use crate::__private::de;

    #[derive(Debug, Default, PartialEq)]
    struct Item {
        id: Option<String>,
        count: Option<i64>,
    }
    impl DecodeFields for Item {
        fn decode_field<'de>(&mut self, wire_name: &str, value: FieldValue<'de>) -> FieldResult {
            match wire_name {
                "Id" => self.id = de::lenient_opt(value)?,
                "Count" => self.count = de::lenient_opt(value)?,
                _ => return Ok(false),
            }
            Ok(true)
        }
    }
    crate::deserialize_fields!(Item);

    #[derive(Debug, Default, PartialEq)]
    struct Page {
        request_id: String,
        items: Vec<Item>,
        first: Option<Item>,
        labels: BTreeMap<String, String>,
        raw: Option<serde_json::Value>,
    }
    impl DecodeFields for Page {
        fn decode_field<'de>(&mut self, wire_name: &str, value: FieldValue<'de>) -> FieldResult {
            match wire_name {
                "RequestId" => self.request_id = de::lenient(value)?,
                "Items" => self.items = de::wrapped_list(value)?,
                "First" => self.first = de::value(value)?,
                "Labels" => self.labels = de::lenient_map(value)?,
                "Raw" => self.raw = de::value(value)?,
                _ => return Ok(false),
            }
            Ok(true)
        }
    }
    crate::deserialize_fields!(Page, required = ["RequestId"]);

    #[test]
    fn decodes_nested_structures_and_skips_unknown_keys() {
        let page: Page = serde_json::from_str(
            r#"{"RequestId":"r-1","Unknown":{"Deep":[1,{"x":null}]},
                "Items":{"Item":[{"Id":"a","Count":"3"},{"Id":7}]},
                "First":{"Id":"f"},"Labels":{"k":"v"},"Raw":[1,"two"]}"#,
        )
        .unwrap();
        assert_eq!(page.request_id, "r-1");
        assert_eq!(
            page.items,
            vec![
                Item {
                    id: Some("a".into()),
                    count: Some(3)
                },
                Item {
                    id: Some("7".into()),
                    count: None
                }
            ]
        );
        assert_eq!(page.first.unwrap().id.as_deref(), Some("f"));
        assert_eq!(page.labels.get("k").map(String::as_str), Some("v"));
        assert_eq!(page.raw, Some(serde_json::json!([1, "two"])));
    }

    #[test]
    fn a_single_item_stands_for_a_list_of_one() {
        let page: Page =
            serde_json::from_str(r#"{"RequestId":"r","Items":{"Item":{"Id":"only"}}}"#).unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0].id.as_deref(), Some("only"));
    }

    #[test]
    fn a_missing_required_field_is_an_error_naming_it() {
        let err = serde_json::from_str::<Page>(r#"{"Items":[]}"#).unwrap_err();
        assert!(
            err.to_string().contains("missing field `RequestId`"),
            "{err}"
        );
    }

    #[test]
    fn a_wrong_type_is_an_error_naming_what_was_expected() {
        let err = serde_json::from_str::<Page>(r#"{"RequestId":"r","Items":[{"Count":"x"}]}"#)
            .unwrap_err();
        assert!(err.to_string().contains("integer"), "{err}");
        let err = serde_json::from_str::<Item>("[1]").unwrap_err();
        assert!(err.to_string().contains("an object"), "{err}");
    }

    #[test]
    fn an_error_in_a_nested_value_names_the_path_and_the_position_in_the_body() {
        let body = r#"{"RequestId":"r","Items":{"Item":[{"Id":"a"},{"Count":true}]}}"#;
        let err = serde_json::from_str::<Page>(body).unwrap_err();
        let message = err.to_string();
        assert!(
            message.starts_with("Items: Count: invalid value"),
            "{message}"
        );
        // One position only, the outer one (in the whole body).
        assert_eq!(message.matches(" at line ").count(), 1, "{message}");
        assert_eq!(err.line(), 1);
    }

    #[test]
    fn null_optional_structures_are_absent() {
        let page: Page =
            serde_json::from_str(r#"{"RequestId":"r","First":null,"Raw":null}"#).unwrap();
        assert_eq!(page.first, None);
        assert_eq!(page.raw, None);
    }
}
