//! Decoding of generated response structures, field by field, through visitors shared by every
//! structure.
//!
//! `#[derive(Deserialize)]` writes a visitor, a field enum, a sequence form and a wrapper type
//! for every `deserialize_with` field, for every structure: with every action generated, that
//! was 44% of the expanded code of `aliyun-ecs`. Here a structure only says how to decode each
//! of its wire names ([`DecodeFields`], a `match` the generator writes). The loop over the JSON
//! object, unknown keys, missing required fields and the service's list shapes are handled once,
//! in `source`, by visitors that are generic over the deserializer but not over the structure.
//!
//! A field's value reaches its structure as a [`FieldValue`]: the live deserializer behind a
//! small object-safe interface of five operations (a scalar, a structure, a list, a map, any
//! JSON). The body is read in one pass, however deep the nesting. Type-erasing the whole
//! `Deserializer` trait instead (`erased-serde`) made every visitor a vtable of thirty methods
//! per field type, and the crate's code generation six times slower.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer};

use super::de::{LenientScalar, scalar_as};

mod source;

use source::{EntrySink, ItemSink, Source};

/// Whether a wire name was a field of the structure (`Ok(false)`: unknown, skipped).
pub type FieldResult = Result<bool, DecodeError>;

/// A generated structure that decodes itself one wire field at a time.
pub trait DecodeFields {
    /// Decodes the value of `wire_name` into its field, or returns `Ok(false)` without reading
    /// the value when the structure has no such field.
    fn decode_field<'de>(&mut self, wire_name: &str, value: FieldValue<'_, 'de>) -> FieldResult;
}

/// A structure decoded through [`DecodeFields`], with the wire names every object must hold.
pub trait DecodeStruct: DecodeFields + Default {
    /// Wire names that must be present.
    const REQUIRED: &'static [&'static str];
}

/// A type a [`FieldValue`] decodes into as a whole: structures, optional structures and
/// free-form JSON.
pub trait Decode<'de>: Sized {
    /// Reads the value.
    fn decode(value: FieldValue<'_, 'de>) -> Result<Self, DecodeError>;
}

impl<'de, T: DecodeStruct> Decode<'de> for T {
    fn decode(value: FieldValue<'_, 'de>) -> Result<Self, DecodeError> {
        let mut out = T::default();
        value.source.structure(&mut out, T::REQUIRED, false)?;
        Ok(out)
    }
}

/// `null` and `""` stand for an absent structure.
impl<'de, T: DecodeStruct> Decode<'de> for Option<T> {
    fn decode(value: FieldValue<'_, 'de>) -> Result<Self, DecodeError> {
        let mut out = T::default();
        let present = value.source.structure(&mut out, T::REQUIRED, true)?;
        Ok(present.then_some(out))
    }
}

impl<'de> Decode<'de> for serde_json::Value {
    fn decode(value: FieldValue<'_, 'de>) -> Result<Self, DecodeError> {
        value.source.json()
    }
}

/// `null` stands for an absent value.
impl<'de> Decode<'de> for Option<serde_json::Value> {
    fn decode(value: FieldValue<'_, 'de>) -> Result<Self, DecodeError> {
        Ok(Some(value.source.json()?).filter(|v| !v.is_null()))
    }
}

/// One field's (or one list item's) value, not yet read: each method reads it as one kind of
/// field, leniently where the service is loose about JSON types
/// ([`de`](super::de) describes the leniency).
pub struct FieldValue<'a, 'de> {
    source: &'a mut dyn Source<'de>,
}

impl<'a, 'de> FieldValue<'a, 'de> {
    fn new(source: &'a mut dyn Source<'de>) -> Self {
        Self { source }
    }

    /// An optional scalar: `null` and, for non-string types, `""` are `None`; numbers and
    /// booleans may arrive as strings, strings as numbers.
    pub fn lenient_opt<T: LenientScalar>(self) -> Result<Option<T>, DecodeError> {
        scalar_as(self.source.scalar(T::EXPECTING)?)
    }

    /// A required scalar, read as [`lenient_opt`](Self::lenient_opt); an absent value is an
    /// error.
    pub fn lenient<T: LenientScalar>(self) -> Result<T, DecodeError> {
        self.lenient_opt()?
            .ok_or_else(|| de::Error::invalid_value(de::Unexpected::Unit, &T::EXPECTING))
    }

    /// A structure, an optional structure or free-form JSON, as its type says.
    pub fn value<T: Decode<'de>>(self) -> Result<T, DecodeError> {
        T::decode(self)
    }

    /// A list however the service wrapped it: a bare array, an object holding it under one
    /// key (`{"Item": [...]}`), an object holding a single item instead of an array, or nothing
    /// at all (`null`, `""`, `{}`), which is an empty list.
    pub fn wrapped_list<T: Decode<'de>>(self) -> Result<Vec<T>, DecodeError> {
        let mut items = Items::new(|item| T::decode(item).map(Some));
        self.source.list(&mut items)?;
        Ok(items.out)
    }

    /// As [`wrapped_list`](Self::wrapped_list), for a list of scalars: each item is read like
    /// [`lenient_opt`](Self::lenient_opt), and `null` items are left out.
    pub fn lenient_list<T: LenientScalar>(self) -> Result<Vec<T>, DecodeError> {
        let mut items = Items::new(|item| item.lenient_opt());
        self.source.list(&mut items)?;
        Ok(items.out)
    }

    /// A map of scalars: an object whose values are read like
    /// [`lenient_opt`](Self::lenient_opt) (entries read as `None` are left out), or nothing at
    /// all (`null`, `""`, `[]`), which is an empty map.
    pub fn lenient_map<T: LenientScalar>(self) -> Result<BTreeMap<String, T>, DecodeError> {
        let mut entries = Entries::new(|value| value.lenient_opt());
        self.source.map(&mut entries)?;
        Ok(entries.out)
    }

    /// A map of structures or free-form values, or nothing at all (`null`, `""`, `[]`).
    pub fn object_map<T: Decode<'de>>(self) -> Result<BTreeMap<String, T>, DecodeError> {
        let mut entries = Entries::new(|value| T::decode(value).map(Some));
        self.source.map(&mut entries)?;
        Ok(entries.out)
    }
}

/// How one item or entry value is read; `None` leaves it out.
type ReadItem<'de, T> = fn(FieldValue<'_, 'de>) -> Result<Option<T>, DecodeError>;

/// Collects a list's items, each read by `read`.
struct Items<'de, T> {
    out: Vec<T>,
    read: ReadItem<'de, T>,
}

impl<'de, T> Items<'de, T> {
    fn new(read: ReadItem<'de, T>) -> Self {
        Self {
            out: Vec::new(),
            read,
        }
    }
}

impl<'de, T> ItemSink<'de> for Items<'de, T> {
    fn reserve(&mut self, additional: usize) {
        self.out.reserve(additional.min(4096));
    }

    fn push(&mut self, item: FieldValue<'_, 'de>) -> Result<(), DecodeError> {
        if let Some(value) = (self.read)(item)? {
            self.out.push(value);
        }
        Ok(())
    }
}

/// Collects a map's entries, each value read by `read`.
struct Entries<'de, T> {
    out: BTreeMap<String, T>,
    read: ReadItem<'de, T>,
}

impl<'de, T> Entries<'de, T> {
    fn new(read: ReadItem<'de, T>) -> Self {
        Self {
            out: BTreeMap::new(),
            read,
        }
    }
}

impl<'de, T> EntrySink<'de> for Entries<'de, T> {
    fn insert(&mut self, key: &str, value: FieldValue<'_, 'de>) -> Result<(), DecodeError> {
        if let Some(value) = (self.read)(value)? {
            self.out.insert(key.to_owned(), value);
        }
        Ok(())
    }
}

/// Decodes a JSON object into `T`: fields absent from the object keep their default, keys the
/// structure does not know are skipped, and a missing name of [`DecodeStruct::REQUIRED`] is an
/// error.
pub fn decode<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DecodeStruct,
{
    let mut value = T::default();
    source::decode_struct(deserializer, &mut value, T::REQUIRED)?;
    Ok(value)
}

/// Why a field's value could not be decoded: the path of wire names down to it and what was
/// wrong, without a position (the deserializer of the whole body adds one).
#[derive(Debug)]
pub struct DecodeError(String);

impl DecodeError {
    /// From an error of a deserializer, its position (`at line 1 column 7`) left out: the
    /// deserializer of the whole adds its own.
    fn from_deserializer(err: impl fmt::Display) -> Self {
        let message = err.to_string();
        Self(without_position(&message).to_owned())
    }

    /// The same error, one level down `wire_name`.
    fn within(self, wire_name: &str) -> String {
        format!("{wire_name}: {}", self.0)
    }
}

/// `message` without serde_json's trailing ` at line N column M`.
fn without_position(message: &str) -> &str {
    let Some((head, tail)) = message.rsplit_once(" at line ") else {
        return message;
    };
    let is_position = tail.split_once(" column ").is_some_and(|(line, column)| {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        digits(line) && digits(column)
    });
    if is_position { head } else { message }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

impl de::Error for DecodeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

/// Implements [`DecodeStruct`] and `Deserialize` for a structure that implements
/// [`DecodeFields`]; wire names listed as `required` must be present in every object.
///
/// ```
/// use aliyun_core::__private::fields;
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
///         value: fields::FieldValue<'_, 'de>,
///     ) -> fields::FieldResult {
///         match wire_name {
///             "DiskId" => self.disk_id = value.lenient()?,
///             "Size" => self.size = value.lenient_opt()?,
///             "Tags" => self.tags = value.lenient_list()?,
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
        impl $crate::__private::fields::DecodeStruct for $name {
            const REQUIRED: &'static [&'static str] = &[$($($required),*)?];
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D>(deserializer: D) -> ::core::result::Result<Self, D::Error>
            where
                D: $crate::__private::serde::Deserializer<'de>,
            {
                $crate::__private::fields::decode(deserializer)
            }
        }
    };
}

/// Writes `Deserialize` for the output of an action no metadata file describes yet: a
/// structure `{ request_id: Option<String>, body: JsonValue }` keeps the whole body and reads
/// the request id from it.
///
/// ```
/// #[derive(Debug, PartialEq)]
/// pub struct Output {
///     pub request_id: Option<String>,
///     pub body: aliyun_core::JsonValue,
/// }
/// aliyun_core::__private::untyped_output!(Output);
///
/// let out: Output = serde_json::from_str(r#"{"RequestId": "r-1", "Lists": {"A": [1]}}"#)?;
/// assert_eq!(out.request_id.as_deref(), Some("r-1"));
/// assert_eq!(out.body["Lists"]["A"][0], 1);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! untyped_output {
    ($name:ident) => {
        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D>(deserializer: D) -> ::core::result::Result<Self, D::Error>
            where
                D: $crate::__private::serde::Deserializer<'de>,
            {
                let body: $crate::JsonValue =
                    $crate::__private::serde::Deserialize::deserialize(deserializer)?;
                let request_id = body
                    .get("RequestId")
                    .and_then($crate::JsonValue::as_str)
                    .map(::std::borrow::ToOwned::to_owned);
                ::core::result::Result::Ok($name { request_id, body })
            }
        }
    };
}

#[cfg(test)]
mod tests;
