//! Whether a YAML value (a default, an example, a test value) fits a member's type.

use serde_json::Value;

use super::Validator;
use crate::spec::{ItemType, TypeName};

impl Validator<'_> {
    /// Why `value` cannot stand for a value of the given type, if it cannot.
    pub(super) fn value_mismatch(
        &self,
        ty: TypeName,
        type_ref: Option<&str>,
        items: Option<&ItemType>,
        value: &Value,
    ) -> Option<String> {
        match ty {
            TypeName::String => {
                (!value.is_string()).then(|| format!("expected a string, got `{value}` (quote it)"))
            }
            TypeName::Integer | TypeName::Long | TypeName::Float => match value {
                Value::Number(n) => number_mismatch(ty, n),
                _ => Some(format!("expected a number, got `{value}`")),
            },
            TypeName::Boolean => {
                (!value.is_boolean()).then(|| format!("expected true or false, got `{value}`"))
            }
            TypeName::Enum => (!value.is_string())
                .then(|| format!("expected an enum value (a string), got `{value}`")),
            TypeName::Any => None,
            TypeName::List => {
                let Value::Array(values) = value else {
                    return Some(format!("expected a list, got `{value}`"));
                };
                let item = items?;
                values.iter().enumerate().find_map(|(index, v)| {
                    self.value_mismatch(item.ty, item.type_ref.as_deref(), None, v)
                        .map(|why| format!("item {index}: {why}"))
                })
            }
            TypeName::Map => {
                let Value::Object(map) = value else {
                    return Some(format!(
                        "expected a mapping of keys to values, got `{value}`"
                    ));
                };
                let item = items?;
                map.iter().find_map(|(key, v)| {
                    self.value_mismatch(item.ty, item.type_ref.as_deref(), None, v)
                        .map(|why| format!("key `{key}`: {why}"))
                })
            }
            TypeName::Struct => {
                let Value::Object(map) = value else {
                    return Some(format!("expected a mapping of field names, got `{value}`"));
                };
                let fields = self.spec.types.get(type_ref?)?.fields.as_ref()?;
                map.iter()
                    .find_map(|(name, v)| match fields.iter().find(|f| &f.name == name) {
                        None => Some(format!("unknown field `{name}`")),
                        Some(f) => self
                            .value_mismatch(f.ty, f.type_ref.as_deref(), f.items.as_deref(), v)
                            .map(|why| format!("field `{name}`: {why}")),
                    })
            }
        }
    }
}

/// Why a YAML number does not fit a numeric type, if it does not.
pub(super) fn number_mismatch(ty: TypeName, n: &serde_json::Number) -> Option<String> {
    match ty {
        TypeName::Integer => match n.as_i64() {
            Some(v) if i32::try_from(v).is_ok() => None,
            _ => Some(format!("expected a 32-bit integer, got {n}")),
        },
        TypeName::Long => n
            .as_i64()
            .is_none()
            .then(|| format!("expected a 64-bit integer, got {n}")),
        _ => None,
    }
}
