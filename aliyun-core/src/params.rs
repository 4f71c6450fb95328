//! Wire parameters: the flat `name=value` list an RPC action is sent as.
//!
//! Generated `write_params` functions fill a [`Params`] with the action's own parameters in the
//! forms the protocol uses: repeat lists `Name.1`, `Name.2`, …; comma-joined lists; nested
//! structures `Tag.1.Key`; booleans as lowercase `true`/`false`. The runtime then adds the common
//! parameters and signs the lot.

use std::borrow::Cow;
use std::fmt::Write as _;

/// An ordered list of wire parameters (name, value).
///
/// Order is insertion order; signing sorts a copy, so the order here never changes a signature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    entries: Vec<(Cow<'static, str>, String)>,
}

impl Params {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty list with room for `capacity` parameters.
    pub fn with_capacity(capacity: usize) -> Self {
        Params {
            entries: Vec::with_capacity(capacity),
        }
    }

    /// Appends one parameter.
    pub fn push(&mut self, name: impl Into<Cow<'static, str>>, value: &(impl ParamValue + ?Sized)) {
        let mut text = String::new();
        value.write_param(&mut text);
        self.entries.push((name.into(), text));
    }

    /// Appends a parameter whose value is already in wire form.
    pub fn push_raw(&mut self, name: impl Into<Cow<'static, str>>, value: impl Into<String>) {
        self.entries.push((name.into(), value.into()));
    }

    /// Appends `name` if `value` is set.
    pub fn push_opt<T: ParamValue + ?Sized>(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        value: Option<&T>,
    ) {
        if let Some(value) = value {
            self.push(name, value);
        }
    }

    /// Appends a repeat list: `name.1`, `name.2`, … (numbered from 1). An empty list sends nothing.
    pub fn push_repeat_list<T: ParamValue>(&mut self, name: &str, items: &[T]) {
        for (index, item) in items.iter().enumerate() {
            self.push(format!("{name}.{}", index + 1), item);
        }
    }

    /// Appends a list joined by `separator` into one value (`InstanceIds=i-1,i-2`). An empty list
    /// sends nothing.
    pub fn push_joined_list<T: ParamValue>(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        items: &[T],
        separator: &str,
    ) {
        if items.is_empty() {
            return;
        }
        let mut text = String::new();
        for (index, item) in items.iter().enumerate() {
            if index > 0 {
                text.push_str(separator);
            }
            item.write_param(&mut text);
        }
        self.entries.push((name.into(), text));
    }

    /// Appends the fields of one structure under `prefix` (`prefix.Field`).
    pub fn push_struct<T: StructParam>(&mut self, prefix: &str, value: &T) {
        value.write_fields(prefix, self);
    }

    /// Appends a list of structures: `prefix.1.Field`, `prefix.2.Field`, …
    pub fn push_struct_list<T: StructParam>(&mut self, prefix: &str, items: &[T]) {
        for (index, item) in items.iter().enumerate() {
            item.write_fields(&format!("{prefix}.{}", index + 1), self);
        }
    }

    /// The value of the first parameter called `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Iterates over `(name, value)` pairs in insertion order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.entries.iter().map(|(n, v)| (n.as_ref(), v.as_str()))
    }

    /// The number of parameters.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The parameters as owned pairs.
    pub fn into_vec(self) -> Vec<(String, String)> {
        self.entries
            .into_iter()
            .map(|(n, v)| (n.into_owned(), v))
            .collect()
    }
}

impl<'a> IntoIterator for &'a Params {
    type Item = (&'a str, &'a str);
    type IntoIter = Box<dyn Iterator<Item = (&'a str, &'a str)> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// A value that can be written as one wire parameter value.
pub trait ParamValue {
    /// Appends the wire form of `self` to `out`.
    fn write_param(&self, out: &mut String);
}

impl<T: ParamValue + ?Sized> ParamValue for &T {
    fn write_param(&self, out: &mut String) {
        (**self).write_param(out)
    }
}

impl ParamValue for str {
    fn write_param(&self, out: &mut String) {
        out.push_str(self)
    }
}

impl ParamValue for String {
    fn write_param(&self, out: &mut String) {
        out.push_str(self)
    }
}

impl ParamValue for bool {
    /// Booleans are lowercase on the wire (`true`/`false`).
    fn write_param(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" })
    }
}

macro_rules! display_param_value {
    ($($t:ty),*) => {$(
        impl ParamValue for $t {
            fn write_param(&self, out: &mut String) {
                // Writing to a String cannot fail.
                let _ = write!(out, "{self}");
            }
        }
    )*};
}
display_param_value!(i32, i64, u32, u64, f32, f64);

/// A structure parameter whose fields are sent as `prefix.Field` parameters.
pub trait StructParam {
    /// Appends each set field as `prefix.Field`.
    fn write_fields(&self, prefix: &str, params: &mut Params);

    /// Checks the fields against the spec's rules, naming them `prefix.Field`.
    fn validate(&self, prefix: &str) -> Result<(), crate::error::InvalidInput> {
        let _ = prefix;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Tag {
        key: String,
        value: Option<String>,
    }

    impl StructParam for Tag {
        fn write_fields(&self, prefix: &str, params: &mut Params) {
            params.push(format!("{prefix}.Key"), &self.key);
            params.push_opt(format!("{prefix}.Value"), self.value.as_ref());
        }
    }

    #[test]
    fn lists_structs_and_scalars_take_their_wire_forms() {
        let mut params = Params::new();
        params.push("RegionId", "cn-hangzhou");
        params.push_repeat_list("InstanceId", &["i-1".to_owned(), "i-2".to_owned()]);
        params.push_joined_list("InstanceIds", &["i-1", "i-2"], ",");
        params.push("Force", &true);
        params.push("PageSize", &50_i32);
        params.push_opt::<String>("Missing", None);
        params.push_struct_list(
            "Tag",
            &[
                Tag {
                    key: "env".into(),
                    value: Some("prod".into()),
                },
                Tag {
                    key: "team".into(),
                    value: None,
                },
            ],
        );
        let pairs: Vec<_> = params.iter().collect();
        assert_eq!(
            pairs,
            vec![
                ("RegionId", "cn-hangzhou"),
                ("InstanceId.1", "i-1"),
                ("InstanceId.2", "i-2"),
                ("InstanceIds", "i-1,i-2"),
                ("Force", "true"),
                ("PageSize", "50"),
                ("Tag.1.Key", "env"),
                ("Tag.1.Value", "prod"),
                ("Tag.2.Key", "team"),
            ]
        );
        assert_eq!(params.get("InstanceId.2"), Some("i-2"));
    }

    #[test]
    fn empty_lists_send_nothing() {
        let mut params = Params::new();
        params.push_repeat_list::<String>("InstanceId", &[]);
        params.push_joined_list::<String>("InstanceIds", &[], ",");
        assert!(params.is_empty());
    }
}
