//! Wire parameters: the flat `name=value` list an RPC action is sent as.
//!
//! Generated `write_params` functions fill a [`Params`] with the action's own parameters in the
//! forms the protocol uses: repeat lists `Name.1`, `Name.2`, …; comma-joined lists; nested
//! structures `Tag.1.Key`; maps `Name.<key>`; values as JSON text (`Parameters={"a":1}`);
//! booleans as lowercase `true`/`false`. The runtime then adds the common parameters and signs
//! the lot.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::fmt::Write as _;

/// An ordered list of wire parameters (name, value).
///
/// Order is insertion order; signing sorts a copy, so the order here never changes a signature.
///
/// Names and values are written back to back into one text buffer, with their boundaries
/// kept aside: a call with 20 instance ids writes 21 parameters with two allocations, where a
/// `String` per name and value made 42.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Params {
    text: String,
    /// `(name start, value start, value end)` in `text`, one per parameter.
    spans: Vec<(usize, usize, usize)>,
}

impl Params {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty list with room for `capacity` parameters.
    pub fn with_capacity(capacity: usize) -> Self {
        Params {
            // Typical names and values together take a few dozen bytes.
            text: String::with_capacity(capacity * 32),
            spans: Vec::with_capacity(capacity),
        }
    }

    /// Records the parameter whose name was written to `text` from `start` to `mid` and whose
    /// value runs from `mid` to the end.
    fn finish(&mut self, start: usize, mid: usize) {
        self.spans.push((start, mid, self.text.len()));
    }

    /// Appends one parameter.
    pub fn push(&mut self, name: impl Into<Cow<'static, str>>, value: &(impl ParamValue + ?Sized)) {
        let start = self.text.len();
        self.text.push_str(&name.into());
        let mid = self.text.len();
        value.write_param(&mut self.text);
        self.finish(start, mid);
    }

    /// Appends a parameter whose value is already in wire form.
    pub fn push_raw(&mut self, name: impl Into<Cow<'static, str>>, value: impl Into<String>) {
        let start = self.text.len();
        self.text.push_str(&name.into());
        let mid = self.text.len();
        self.text.push_str(&value.into());
        self.finish(start, mid);
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
            let start = self.text.len();
            self.text.push_str(name);
            self.text.push('.');
            write_index(index + 1, &mut self.text);
            let mid = self.text.len();
            item.write_param(&mut self.text);
            self.finish(start, mid);
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
        let start = self.text.len();
        self.text.push_str(&name.into());
        let mid = self.text.len();
        for (index, item) in items.iter().enumerate() {
            if index > 0 {
                self.text.push_str(separator);
            }
            item.write_param(&mut self.text);
        }
        self.finish(start, mid);
    }

    /// Appends the fields of one structure under `prefix` (`prefix.Field`).
    pub fn push_struct<T: StructParam>(&mut self, prefix: &str, value: &T) {
        value.write_fields(prefix, self);
    }

    /// Appends a list of structures: `prefix.1.Field`, `prefix.2.Field`, …
    pub fn push_struct_list<T: StructParam>(&mut self, prefix: &str, items: &[T]) {
        let mut item_prefix = String::with_capacity(prefix.len() + 4);
        for (index, item) in items.iter().enumerate() {
            item_prefix.clear();
            item_prefix.push_str(prefix);
            item_prefix.push('.');
            write_index(index + 1, &mut item_prefix);
            item.write_fields(&item_prefix, self);
        }
    }

    /// Appends one parameter whose value is `value` as JSON text (`Parameters={"a":1}`).
    pub fn push_json<T: serde::Serialize + ?Sized>(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        value: &T,
    ) {
        let start = self.text.len();
        self.text.push_str(&name.into());
        let mid = self.text.len();
        write_json(value, &mut self.text);
        self.finish(start, mid);
    }

    /// Appends a map as `prefix.<key>=value`, in key order. An empty map sends nothing.
    pub fn push_flat_map<T: ParamValue>(&mut self, prefix: &str, map: &BTreeMap<String, T>) {
        for (key, value) in map {
            let start = self.text.len();
            self.text.push_str(prefix);
            self.text.push('.');
            self.text.push_str(key);
            let mid = self.text.len();
            value.write_param(&mut self.text);
            self.finish(start, mid);
        }
    }

    /// Appends a map of structures as `prefix.<key>.Field=value`, in key order.
    pub fn push_flat_struct_map<T: StructParam>(
        &mut self,
        prefix: &str,
        map: &BTreeMap<String, T>,
    ) {
        for (key, value) in map {
            value.write_fields(&format!("{prefix}.{key}"), self);
        }
    }

    /// The value of the first parameter called `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// Iterates over `(name, value)` pairs in insertion order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.spans.iter().map(|&(start, mid, end)| {
            (
                self.text.get(start..mid).unwrap_or_default(),
                self.text.get(mid..end).unwrap_or_default(),
            )
        })
    }

    /// The number of parameters.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The parameters as owned pairs.
    pub fn into_vec(self) -> Vec<(String, String)> {
        self.iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect()
    }
}

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Params")
            .field("entries", &self.iter().collect::<Vec<_>>())
            .finish()
    }
}

/// Appends the decimal digits of `index` (list positions: no `fmt` machinery per item).
fn write_index(index: usize, out: &mut String) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = index;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for &digit in &digits[at..] {
        out.push(char::from(digit));
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

impl ParamValue for serde_json::Value {
    /// Free-form JSON in one wire slot: a JSON string as its text, anything else as JSON.
    fn write_param(&self, out: &mut String) {
        match self {
            serde_json::Value::String(text) => out.push_str(text),
            other => write_json(other, out),
        }
    }
}

/// Appends `value` as compact JSON text.
fn write_json<T: serde::Serialize + ?Sized>(value: &T, out: &mut String) {
    // Serializing plain data (strings, numbers, maps with string keys) cannot fail; should a
    // value ever refuse, `null` is sent rather than a half-written text.
    match serde_json::to_string(value) {
        Ok(text) => out.push_str(&text),
        Err(_) => out.push_str("null"),
    }
}

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
    fn list_positions_are_decimal() {
        let mut params = Params::new();
        let items: Vec<String> = (0..120).map(|i| format!("v{i}")).collect();
        params.push_repeat_list("Id", &items);
        let names: Vec<&str> = params.iter().map(|(n, _)| n).collect();
        assert_eq!(names[0], "Id.1");
        assert_eq!(names[9], "Id.10");
        assert_eq!(names[99], "Id.100");
        assert_eq!(names[119], "Id.120");
        let mut out = String::new();
        write_index(0, &mut out);
        write_index(usize::MAX, &mut out);
        assert_eq!(out, format!("0{}", usize::MAX));
    }

    #[test]
    fn equality_debug_and_owned_pairs() {
        let mut a = Params::with_capacity(2);
        a.push("A", "1");
        a.push_raw("B", "2");
        let mut b = Params::new();
        b.push_raw("A", "1");
        b.push("B", &"2".to_owned());
        assert_eq!(a, b);
        assert_eq!(
            format!("{a:?}"),
            r#"Params { entries: [("A", "1"), ("B", "2")] }"#
        );
        assert_eq!(
            a.clone().into_vec(),
            [
                ("A".to_owned(), "1".to_owned()),
                ("B".to_owned(), "2".to_owned())
            ]
        );
        assert_eq!(a.len(), 2);
        assert_eq!((&a).into_iter().count(), 2);
        // The same text split differently is another list.
        let mut c = Params::new();
        c.push("A1", "");
        c.push("B", "2");
        assert_ne!(a, c);
    }

    #[test]
    fn json_text_and_flat_maps() {
        let mut params = Params::new();
        let map: BTreeMap<String, String> = [("b", "2"), ("a", "1")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        params.push_json("Parameters", &map);
        params.push_json("Ids", &["i-1", "i-2"]);
        params.push_json("Name", "Jack");
        params.push_flat_map("Labels", &map);
        params.push_flat_map("Empty", &BTreeMap::<String, i32>::new());
        params.push_flat_struct_map(
            "Tags",
            &[(
                "x".to_owned(),
                Tag {
                    key: "k".into(),
                    value: None,
                },
            )]
            .into_iter()
            .collect(),
        );
        params.push("Any", &serde_json::json!({"n": [1, true]}));
        params.push("AnyText", &serde_json::json!("plain"));
        let pairs: Vec<_> = params.iter().collect();
        assert_eq!(
            pairs,
            vec![
                ("Parameters", r#"{"a":"1","b":"2"}"#),
                ("Ids", r#"["i-1","i-2"]"#),
                ("Name", r#""Jack""#),
                ("Labels.a", "1"),
                ("Labels.b", "2"),
                ("Tags.x.Key", "k"),
                ("Any", r#"{"n":[1,true]}"#),
                ("AnyText", "plain"),
            ]
        );
    }

    #[test]
    fn empty_lists_send_nothing() {
        let mut params = Params::new();
        params.push_repeat_list::<String>("InstanceId", &[]);
        params.push_joined_list::<String>("InstanceIds", &[], ",");
        assert!(params.is_empty());
    }
}
