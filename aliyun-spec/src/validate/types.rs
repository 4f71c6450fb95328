//! Named `types`: structures and enums, their names, and recursion.

use std::collections::{HashMap, HashSet};

use super::{Context, Validator};
use crate::names;
use crate::spec::{TypeDef, TypeKind};

impl Validator<'_> {
    pub(super) fn types(&mut self) {
        for (name, def) in &self.spec.types {
            let path = format!("types.{name}");
            if let Some(why) = names::check_camel_ident(name) {
                self.problem(&path, format!("type name {why}"));
            }
            self.optional_doc(&path, def.doc.as_deref());
            if let Some(clash) = self.generated_name_clash(name) {
                self.problem(
                    &path,
                    format!("type name `{name}` clashes with the generated {clash}: rename it"),
                );
            }
            match def.kind {
                TypeKind::Struct => self.struct_type(&path, def),
                TypeKind::Enum => self.enum_type(&path, def),
            }
        }
        self.recursive_types();
    }

    /// The generated item a type name would collide with, if any (action modules import
    /// the types they use next to their own items).
    fn generated_name_clash(&self, name: &str) -> Option<String> {
        if name == "Client" {
            return Some("client type".into());
        }
        self.spec.actions.keys().find_map(|action| {
            ["Input", "Builder", "Output", "Error"]
                .iter()
                .find(|suffix| name.strip_prefix(action.as_str()) == Some(**suffix))
                .map(|suffix| format!("`{action}{suffix}`"))
        })
    }

    fn struct_type(&mut self, path: &str, def: &TypeDef) {
        if def.values.is_some() {
            self.problem(
                format!("{path}.values"),
                "`values` belongs to enums; a struct has `fields`",
            );
        }
        match &def.fields {
            None => self.problem(path, "a struct needs `fields`"),
            Some(fields) if fields.is_empty() => self.problem(
                format!("{path}.fields"),
                "a struct needs at least one field",
            ),
            Some(fields) => self.members(&format!("{path}.fields"), fields, Context::StructField),
        }
    }

    fn enum_type(&mut self, path: &str, def: &TypeDef) {
        if def.fields.is_some() {
            self.problem(
                format!("{path}.fields"),
                "`fields` belongs to structs; an enum has `values`",
            );
        }
        let Some(values) = &def.values else {
            self.problem(path, "an enum needs `values`");
            return;
        };
        if values.is_empty() {
            self.problem(format!("{path}.values"), "an enum needs at least one value");
        }
        let mut seen_values = HashSet::new();
        let mut seen_variants = HashMap::new();
        for (index, value) in values.iter().enumerate() {
            let vpath = format!("{path}.values[{index}]");
            if value.value.is_empty() {
                self.problem(format!("{vpath}.value"), "an enum value must not be empty");
                continue;
            }
            if !seen_values.insert(value.value.as_str()) {
                self.problem(
                    format!("{vpath}.value"),
                    format!("duplicate enum value `{}`", value.value),
                );
            }
            let variant = names::enum_variant(value);
            if let Some(why) = names::check_camel_ident(&variant) {
                self.problem(&vpath, format!("variant name {why}: set `rust_name`"));
            } else if variant == "Unknown" {
                self.problem(
                    &vpath,
                    "variant `Unknown` is reserved for values added later: set `rust_name`",
                );
            } else if let Some(other) = seen_variants.insert(variant.clone(), value.value.clone()) {
                self.problem(
                    &vpath,
                    format!(
                        "`{}` and `{other}` both become variant `{variant}`: set `rust_name`",
                        value.value
                    ),
                );
            }
        }
    }

    /// Structures containing themselves (directly or not) would need boxing; not supported.
    fn recursive_types(&mut self) {
        fn refs(def: &TypeDef) -> Vec<&str> {
            def.fields
                .iter()
                .flatten()
                .filter_map(|f| {
                    f.type_ref
                        .as_deref()
                        .or_else(|| f.items.as_ref().and_then(|i| i.type_ref.as_deref()))
                })
                .collect()
        }
        for start in self.spec.types.keys() {
            let mut stack = vec![start.as_str()];
            let mut seen = HashSet::new();
            while let Some(name) = stack.pop() {
                let Some(def) = self.spec.types.get(name) else {
                    continue;
                };
                for next in refs(def) {
                    if next == start {
                        self.problem(
                            format!("types.{start}"),
                            "recursive structures are not supported",
                        );
                        stack.clear();
                        break;
                    }
                    if seen.insert(next) {
                        stack.push(next);
                    }
                }
            }
        }
    }
}
