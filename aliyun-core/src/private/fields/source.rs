//! The deserializer behind a [`FieldValue`], and the visitors that read structures, lists and
//! maps. Everything here is generic over the deserializer only, so it is compiled once per
//! deserializer type (in practice one: `serde_json` reading a body from bytes), not once per
//! generated structure or field type.

use std::borrow::Cow;
use std::fmt;

use serde::de::value::MapAccessDeserializer;
use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

use super::{DecodeError, DecodeFields, FieldValue};
use crate::__private::de::{Scalar, ScalarVisitor};

/// What a [`FieldValue`] can be read as: one method per kind of field, each reading the value
/// once. Object-safe, so generated code is not generic over the deserializer.
pub(super) trait Source<'de> {
    /// Any JSON scalar; `expecting` names the field's type in errors.
    fn scalar(&mut self, expecting: &'static str) -> Result<Scalar<'de>, DecodeError>;

    /// An object into `target`. With `optional`, `null` and `""` are accepted as absent
    /// (`Ok(false)`).
    fn structure(
        &mut self,
        target: &mut dyn DecodeFields,
        required: &'static [&'static str],
        optional: bool,
    ) -> Result<bool, DecodeError>;
    /// A list in any of the service's shapes, item by item into `sink`.
    fn list(&mut self, sink: &mut dyn ItemSink<'de>) -> Result<(), DecodeError>;
    /// An object's entries into `sink` (`null`, `""` and `[]` have none).
    fn map(&mut self, sink: &mut dyn EntrySink<'de>) -> Result<(), DecodeError>;
    /// Any JSON value.
    fn json(&mut self) -> Result<serde_json::Value, DecodeError>;
}

/// Receives a list's items as they are read.
pub(super) trait ItemSink<'de> {
    /// A hint: about this many items follow.
    fn reserve(&mut self, additional: usize);
    /// One item.
    fn push(&mut self, item: FieldValue<'_, 'de>) -> Result<(), DecodeError>;
}

/// Receives a map's entries as they are read.
pub(super) trait EntrySink<'de> {
    /// One entry.
    fn insert(&mut self, key: &str, value: FieldValue<'_, 'de>) -> Result<(), DecodeError>;
}

/// A deserializer as a [`Source`]: consumed by the first method called.
struct Erased<D> {
    deserializer: Option<D>,
}

impl<D> Erased<D> {
    fn new(deserializer: D) -> Self {
        Self {
            deserializer: Some(deserializer),
        }
    }

    fn take(&mut self) -> Result<D, DecodeError> {
        self.deserializer
            .take()
            .ok_or_else(|| de::Error::custom("a value was read twice"))
    }
}

impl<'de, D: Deserializer<'de>> Source<'de> for Erased<D> {
    fn scalar(&mut self, expecting: &'static str) -> Result<Scalar<'de>, DecodeError> {
        self.take()?
            .deserialize_any(ScalarVisitor { expecting })
            .map_err(DecodeError::from_deserializer)
    }

    fn structure(
        &mut self,
        target: &mut dyn DecodeFields,
        required: &'static [&'static str],
        optional: bool,
    ) -> Result<bool, DecodeError> {
        let visitor = StructVisitor {
            target,
            required,
            optional,
        };
        self.take()?
            .deserialize_any(visitor)
            .map_err(DecodeError::from_deserializer)
    }

    fn list(&mut self, sink: &mut dyn ItemSink<'de>) -> Result<(), DecodeError> {
        self.take()?
            .deserialize_any(ListVisitor { sink })
            .map_err(DecodeError::from_deserializer)
    }

    fn map(&mut self, sink: &mut dyn EntrySink<'de>) -> Result<(), DecodeError> {
        self.take()?
            .deserialize_any(MapVisitor { sink })
            .map_err(DecodeError::from_deserializer)
    }

    fn json(&mut self) -> Result<serde_json::Value, DecodeError> {
        serde_json::Value::deserialize(self.take()?).map_err(DecodeError::from_deserializer)
    }
}

/// Decodes an object into `target` (the part of [`decode`](super::decode) that is not generic
/// over the structure).
pub(super) fn decode_struct<'de, D: Deserializer<'de>>(
    deserializer: D,
    target: &mut dyn DecodeFields,
    required: &'static [&'static str],
) -> Result<(), D::Error> {
    let visitor = StructVisitor {
        target,
        required,
        optional: false,
    };
    deserializer.deserialize_any(visitor).map(drop)
}

/// Reads an object field by field into a structure; `true` once read, `false` for an absent
/// optional structure.
struct StructVisitor<'a> {
    target: &'a mut dyn DecodeFields,
    required: &'static [&'static str],
    optional: bool,
}

impl StructVisitor<'_> {
    fn absent<E: de::Error>(self, unexpected: de::Unexpected<'_>) -> Result<bool, E> {
        match self.optional {
            true => Ok(false),
            false => Err(E::invalid_type(unexpected, &self)),
        }
    }
}

impl<'de> Visitor<'de> for StructVisitor<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        self.absent(de::Unexpected::Unit)
    }

    fn visit_none<E: de::Error>(self) -> Result<bool, E> {
        self.absent(de::Unexpected::Option)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        match v.is_empty() && self.optional {
            true => Ok(false),
            false => Err(E::invalid_type(de::Unexpected::Str(v), &self)),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut missing = self.required.to_vec();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            map.next_value_seed(FieldSeed {
                target: &mut *self.target,
                wire_name: &key,
            })?;
            if !missing.is_empty() {
                missing.retain(|name| *name != key);
            }
        }
        match missing.first() {
            Some(name) => Err(de::Error::missing_field(name)),
            None => Ok(true),
        }
    }
}

/// Reads an object key: borrowed from the body when it holds no escapes, as it almost always
/// does, so reading a key allocates nothing.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// Hands one field's value to its structure, and skips it when the structure has no such
/// field. Errors inside the value are prefixed with the wire name.
struct FieldSeed<'a> {
    target: &'a mut dyn DecodeFields,
    wire_name: &'a str,
}

impl<'de> DeserializeSeed<'de> for FieldSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let mut source = Erased::new(deserializer);
        self.target
            .decode_field(self.wire_name, FieldValue::new(&mut source))
            .map_err(|err| de::Error::custom(err.within(self.wire_name)))?;
        match source.deserializer.take() {
            Some(unread) => unread.deserialize_ignored_any(IgnoredAny).map(drop),
            None => Ok(()),
        }
    }
}

/// Hands one list item to its sink.
struct ItemSeed<'a, 'de> {
    sink: &'a mut dyn ItemSink<'de>,
}

impl<'de> DeserializeSeed<'de> for ItemSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        push_item(self.sink, Erased::new(deserializer)).map_err(de::Error::custom)
    }
}

fn push_item<'de>(sink: &mut dyn ItemSink<'de>, mut item: impl Source<'de>) -> Result<(), String> {
    sink.push(FieldValue::new(&mut item)).map_err(|err| err.0)
}

fn push_items<'de, A: SeqAccess<'de>>(
    sink: &mut dyn ItemSink<'de>,
    mut seq: A,
) -> Result<(), A::Error> {
    sink.reserve(seq.size_hint().unwrap_or(0));
    while seq
        .next_element_seed(ItemSeed { sink: &mut *sink })?
        .is_some()
    {}
    Ok(())
}

/// A list in any of the service's shapes: a bare array, an object wrapping it under one key
/// (`{"Item": [...]}`), or nothing (`null`, `""`).
struct ListVisitor<'a, 'de> {
    sink: &'a mut dyn ItemSink<'de>,
}

impl<'de> Visitor<'de> for ListVisitor<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list, or an object wrapping a list")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        match v.is_empty() {
            true => Ok(()),
            false => Err(E::invalid_type(de::Unexpected::Str(v), &self)),
        }
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        push_items(self.sink, seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // The wrapper object has one key naming the item type; its value is the list, a single
        // item standing for a list of one, or null.
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(WrappedSeed {
                sink: &mut *self.sink,
            })?;
        }
        Ok(())
    }
}

/// The value inside a list's wrapper object.
struct WrappedSeed<'a, 'de> {
    sink: &'a mut dyn ItemSink<'de>,
}

impl<'de> DeserializeSeed<'de> for WrappedSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> WrappedSeed<'_, 'de> {
    /// A scalar standing for a list of one.
    fn one<E: de::Error>(self, scalar: Scalar<'de>) -> Result<(), E> {
        push_item(self.sink, Erased::new(scalar)).map_err(E::custom)
    }
}

impl<'de> Visitor<'de> for WrappedSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list, or a single item")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        push_items(self.sink, seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        // A single object standing for a list of one.
        push_item(self.sink, Erased::new(MapAccessDeserializer::new(map)))
            .map_err(de::Error::custom)
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<(), E> {
        self.one(Scalar::Text(v.into()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.one(Scalar::Text(v.to_owned().into()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.one(Scalar::Signed(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.one(Scalar::Unsigned(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.one(Scalar::Float(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.one(Scalar::Bool(v))
    }
}

/// An object's entries (or none, for `null`, `""` and `[]`).
struct MapVisitor<'a, 'de> {
    sink: &'a mut dyn EntrySink<'de>,
}

impl<'de> Visitor<'de> for MapVisitor<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of keys to values")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        match v.is_empty() {
            true => Ok(()),
            false => Err(E::invalid_type(de::Unexpected::Str(v), &self)),
        }
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        // Some services send `[]` for an empty object.
        match seq.next_element::<IgnoredAny>()? {
            None => Ok(()),
            Some(_) => Err(de::Error::invalid_type(de::Unexpected::Seq, &self)),
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(KeySeed)? {
            map.next_value_seed(EntrySeed {
                sink: &mut *self.sink,
                key: &key,
            })?;
        }
        Ok(())
    }
}

/// Hands one map entry to its sink; errors are prefixed with the key.
struct EntrySeed<'a, 'de> {
    sink: &'a mut dyn EntrySink<'de>,
    key: &'a str,
}

impl<'de> DeserializeSeed<'de> for EntrySeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let mut source = Erased::new(deserializer);
        self.sink
            .insert(self.key, FieldValue::new(&mut source))
            .map_err(|err| de::Error::custom(err.within(self.key)))
    }
}

/// A scalar already read (a single item standing for a list of one) is itself a deserializer.
impl<'de> Deserializer<'de> for Scalar<'de> {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            Scalar::Absent => visitor.visit_unit(),
            Scalar::Text(Cow::Borrowed(text)) => visitor.visit_borrowed_str(text),
            Scalar::Text(Cow::Owned(text)) => visitor.visit_string(text),
            Scalar::Signed(v) => visitor.visit_i64(v),
            Scalar::Unsigned(v) => visitor.visit_u64(v),
            Scalar::Float(v) => visitor.visit_f64(v),
            Scalar::Bool(v) => visitor.visit_bool(v),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}
