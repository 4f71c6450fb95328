//! Members: parameters, response fields and structure fields, their types, limits and the
//! options that apply where each appears.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::values::number_mismatch;
use super::{Context, Validator, matches};
use crate::names;
use crate::spec::{ItemType, ListStyle, Member, TypeKind, TypeName};

impl Validator<'_> {
    pub(super) fn members(&mut self, path: &str, members: &[Member], context: Context) {
        let mut wire = HashSet::new();
        let mut rust: HashMap<String, String> = HashMap::new();
        for (index, member) in members.iter().enumerate() {
            let mpath = format!("{path}[{index}]");
            if !matches(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$", &member.name) {
                self.problem(
                    format!("{mpath}.name"),
                    format!(
                        "`{}` is not a wire name (letters, digits, `_`, `.`, `-`)",
                        member.name
                    ),
                );
            }
            if !wire.insert(member.name.as_str()) {
                self.problem(
                    format!("{mpath}.name"),
                    format!("duplicate name `{}`", member.name),
                );
            }
            let rust_name = names::member_name(member);
            if let Some(why) = names::check_snake_ident(&rust_name) {
                self.problem(&mpath, format!("Rust name {why}"));
            } else if let Some(other) = rust.insert(rust_name.clone(), member.name.clone()) {
                self.problem(
                    &mpath,
                    format!(
                        "`{}` and `{other}` both become Rust name `{rust_name}`: set `rust_name`",
                        member.name
                    ),
                );
            }
            self.member(&mpath, member, context);
        }
    }

    fn member(&mut self, path: &str, m: &Member, context: Context) {
        self.optional_doc(path, m.doc.as_deref());
        self.type_ref(path, m.ty, m.type_ref.as_deref(), m.items.is_some());
        if let Some(items) = &m.items {
            self.item_type(&format!("{path}.items"), items, context);
        }
        self.list_limits(path, m);
        self.scalar_limits(
            path,
            m.ty,
            [m.min_length, m.max_length],
            m.pattern.as_deref(),
            [m.minimum.as_ref(), m.maximum.as_ref()],
        );
        self.style(path, m, context);
        self.param_options(path, m, context);
        let response_side = context != Context::Param;
        if m.wrapper.is_some() && (!response_side || m.ty != TypeName::List) {
            self.problem(
                format!("{path}.wrapper"),
                "`wrapper` applies to response lists only",
            );
        }
        if m.wire_type.is_some() {
            if !response_side {
                self.problem(
                    format!("{path}.wire_type"),
                    "`wire_type` applies to response fields only",
                );
            } else if !is_scalar(m.ty) {
                self.problem(
                    format!("{path}.wire_type"),
                    "`wire_type` applies to scalar fields only",
                );
            }
        }
        self.enum_values(path, m.ty, m.enum_values.as_deref());
        if let Some(default) = &m.default {
            if m.required {
                self.problem(
                    format!("{path}.default"),
                    "a required member cannot have a default",
                );
            }
            if let Some(why) =
                self.value_mismatch(m.ty, m.type_ref.as_deref(), m.items.as_deref(), default)
            {
                self.problem(format!("{path}.default"), why);
            }
        }
        if let Some(example) = &m.example
            && let Some(why) =
                self.value_mismatch(m.ty, m.type_ref.as_deref(), m.items.as_deref(), example)
        {
            self.problem(format!("{path}.example"), why);
        }
    }

    fn list_limits(&mut self, path: &str, m: &Member) {
        if m.ty != TypeName::List {
            for (set, key) in [
                (m.min_items.is_some(), "min_items"),
                (m.max_items.is_some(), "max_items"),
            ] {
                if set {
                    self.problem(
                        format!("{path}.{key}"),
                        format!("`{key}` applies to lists only"),
                    );
                }
            }
        }
        if let (Some(min), Some(max)) = (m.min_items, m.max_items)
            && min > max
        {
            self.problem(
                format!("{path}.max_items"),
                format!("expected max_items >= min_items ({min}), got {max}"),
            );
        }
        if m.max_items == Some(0) {
            self.problem(format!("{path}.max_items"), "expected max_items >= 1");
        }
    }

    /// `style` and `separator`: parameters only, and each style only on the types it can write.
    fn style(&mut self, path: &str, m: &Member, context: Context) {
        if m.style.is_none() && m.separator.is_none() {
            return;
        }
        if context != Context::Param {
            self.problem(
                format!("{path}.style"),
                "`style` and `separator` apply to parameters only",
            );
            return;
        }
        let style = m.style.unwrap_or_default();
        let item_is_struct = m.items.as_ref().is_some_and(|i| i.ty == TypeName::Struct);
        let fits = match style {
            ListStyle::Repeat => m.ty == TypeName::List,
            ListStyle::Joined => m.ty == TypeName::List && !item_is_struct,
            ListStyle::Flat => matches!(m.ty, TypeName::List | TypeName::Struct | TypeName::Map),
            ListStyle::Json => true,
        };
        if !fits {
            let why = match style {
                ListStyle::Repeat => "`style: repeat` applies to lists only",
                ListStyle::Joined if item_is_struct => {
                    "a list of structures cannot be joined; use `style: repeat`"
                }
                ListStyle::Joined => "`style: joined` applies to lists of scalars only",
                _ => "`style: flat` applies to lists, structures and maps; use `style: json`",
            };
            self.problem(format!("{path}.style"), why);
        }
        if m.separator.is_some() && style != ListStyle::Joined {
            self.problem(
                format!("{path}.separator"),
                "`separator` needs `style: joined`",
            );
        }
    }

    /// Options that only make sense on a request parameter (or on fields sent in one).
    fn param_options(&mut self, path: &str, m: &Member, context: Context) {
        let is_param = context == Context::Param;
        if m.client_region && (!is_param || m.ty != TypeName::String) {
            self.problem(
                format!("{path}.client_region"),
                "`client_region` applies to string parameters only",
            );
        }
        if m.client_token {
            if !is_param || m.ty != TypeName::String {
                self.problem(
                    format!("{path}.client_token"),
                    "`client_token` applies to string parameters only",
                );
            } else if m.required || m.client_region {
                self.problem(
                    format!("{path}.client_token"),
                    "a client token is filled when unset: it cannot be `required` or `client_region`",
                );
            }
        }
        if m.location.is_some() && !is_param {
            self.problem(
                format!("{path}.location"),
                "`location` applies to parameters only",
            );
        }
        for (key, given) in [("source", &m.source), ("dropped_by", &m.dropped_by)] {
            if given.is_some() && !is_param {
                self.problem(
                    format!("{path}.{key}"),
                    format!("`{key}` applies to parameters only"),
                );
            }
        }
        if m.doc_required {
            if context == Context::ResponseField {
                self.problem(
                    format!("{path}.doc_required"),
                    "`doc_required` applies to parameters and structure fields only",
                );
            } else if m.required {
                self.problem(
                    format!("{path}.doc_required"),
                    "`doc_required` documents a rule the SDK does not check; drop it or `required`",
                );
            }
        }
    }

    /// `enum: [...]`: documented values of a string or integer member, each of its type.
    fn enum_values(&mut self, path: &str, ty: TypeName, values: Option<&[Value]>) {
        let Some(values) = values else { return };
        let epath = format!("{path}.enum");
        if !matches!(ty, TypeName::String | TypeName::Integer | TypeName::Long) {
            let hint = if ty == TypeName::Enum {
                ": a named enum lists its values in `types`"
            } else {
                ""
            };
            self.problem(
                &epath,
                format!("`enum` applies to string and integer members only{hint}"),
            );
            return;
        }
        if values.is_empty() {
            self.problem(&epath, "expected at least one value");
        }
        let mut seen = HashSet::new();
        for (index, value) in values.iter().enumerate() {
            let why = match (ty, value) {
                (TypeName::String, Value::String(_)) => None,
                (TypeName::String, other) => {
                    Some(format!("expected a string, got `{other}` (quote it)"))
                }
                (_, Value::Number(n)) => number_mismatch(ty, n),
                (_, other) => Some(format!("expected an integer, got `{other}`")),
            };
            if let Some(why) = why {
                self.problem(format!("{epath}[{index}]"), why);
            } else if !seen.insert(value.to_string()) {
                self.problem(
                    format!("{epath}[{index}]"),
                    format!("duplicate value `{value}`"),
                );
            }
        }
    }

    fn item_type(&mut self, path: &str, item: &ItemType, context: Context) {
        if matches!(item.ty, TypeName::List | TypeName::Map) {
            self.problem(
                format!("{path}.type"),
                "nested lists and maps are not supported (use `any` for free-form values)",
            );
            return;
        }
        self.type_ref(path, item.ty, item.type_ref.as_deref(), false);
        self.scalar_limits(
            path,
            item.ty,
            [item.min_length, item.max_length],
            item.pattern.as_deref(),
            [item.minimum.as_ref(), item.maximum.as_ref()],
        );
        if item.wire_type.is_some() {
            if context == Context::Param {
                self.problem(
                    format!("{path}.wire_type"),
                    "`wire_type` applies to response fields only",
                );
            } else if !is_scalar(item.ty) {
                self.problem(
                    format!("{path}.wire_type"),
                    "`wire_type` applies to scalar items only",
                );
            }
        }
    }

    fn type_ref(&mut self, path: &str, ty: TypeName, type_ref: Option<&str>, has_items: bool) {
        match ty {
            TypeName::List | TypeName::Map if !has_items => {
                self.problem(path, "a list or map needs `items` (the item or value type)");
            }
            TypeName::Struct | TypeName::Enum => {
                let want = if ty == TypeName::Struct {
                    TypeKind::Struct
                } else {
                    TypeKind::Enum
                };
                match type_ref {
                    None => self.problem(
                        path,
                        "a struct or enum needs `ref` naming an entry of `types`",
                    ),
                    Some(name) => match self.spec.types.get(name) {
                        None => self.problem(
                            format!("{path}.ref"),
                            format!("unknown type `{name}`: expected an entry of `types`"),
                        ),
                        Some(def) if def.kind != want => self.problem(
                            format!("{path}.ref"),
                            format!(
                                "`{name}` is not a{}",
                                if want == TypeKind::Struct {
                                    " struct"
                                } else {
                                    "n enum"
                                }
                            ),
                        ),
                        Some(_) => {}
                    },
                }
            }
            _ => {}
        }
        if type_ref.is_some() && !matches!(ty, TypeName::Struct | TypeName::Enum) {
            self.problem(
                format!("{path}.ref"),
                "`ref` applies to struct and enum types only",
            );
        }
        if has_items && !matches!(ty, TypeName::List | TypeName::Map) {
            self.problem(
                format!("{path}.items"),
                "`items` applies to lists and maps only",
            );
        }
    }

    fn scalar_limits(
        &mut self,
        path: &str,
        ty: TypeName,
        [min_length, max_length]: [Option<u64>; 2],
        pattern: Option<&str>,
        [minimum, maximum]: [Option<&serde_json::Number>; 2],
    ) {
        let is_string = ty == TypeName::String;
        for (set, key) in [
            (min_length.is_some(), "min_length"),
            (max_length.is_some(), "max_length"),
            (pattern.is_some(), "pattern"),
        ] {
            if set && !is_string {
                self.problem(
                    format!("{path}.{key}"),
                    format!("`{key}` applies to strings only"),
                );
            }
        }
        if let (Some(min), Some(max)) = (min_length, max_length)
            && min > max
        {
            self.problem(
                format!("{path}.max_length"),
                format!("expected max_length >= min_length ({min}), got {max}"),
            );
        }
        if let Some(pattern) = pattern
            && let Err(error) = regex::Regex::new(pattern)
        {
            self.problem(
                format!("{path}.pattern"),
                format!("invalid regular expression: {error}"),
            );
        }
        let numeric = matches!(ty, TypeName::Integer | TypeName::Long | TypeName::Float);
        for (value, key) in [(minimum, "minimum"), (maximum, "maximum")] {
            let Some(value) = value else { continue };
            if !numeric {
                self.problem(
                    format!("{path}.{key}"),
                    format!("`{key}` applies to numbers only"),
                );
            } else if let Some(why) = number_mismatch(ty, value) {
                self.problem(format!("{path}.{key}"), why);
            }
        }
        if let (Some(min), Some(max)) = (
            minimum.and_then(|n| n.as_f64()),
            maximum.and_then(|n| n.as_f64()),
        ) && min > max
        {
            self.problem(
                format!("{path}.maximum"),
                format!("expected maximum >= minimum ({min}), got {max}"),
            );
        }
    }
}

/// Types with one JSON value (not a list, structure, map or free-form JSON).
fn is_scalar(ty: TypeName) -> bool {
    !matches!(
        ty,
        TypeName::List | TypeName::Struct | TypeName::Map | TypeName::Any
    )
}
