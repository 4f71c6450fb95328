//! Semantic checks of a parsed spec: everything serde cannot see from the shape alone.
//!
//! Each problem carries the field path it is about; [`crate::load`] turns paths into line and
//! column. All problems are collected, not just the first, so an author fixes a spec in one pass.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use crate::names;
use crate::spec::{
    Action, ItemType, ListStyle, Member, Method, PaginationStyle, ParamLocation, ResponseCase,
    Spec, TypeDef, TypeKind, TypeName,
};

/// One semantic problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Field path (`actions.X.params[1].max_items`).
    pub path: String,
    /// What is wrong and what was expected.
    pub message: String,
}

/// Where a member appears; decides which options apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    Param,
    ResponseField,
    StructField,
}

/// Methods generated on builders next to each parameter's setters; a parameter may not take
/// their names.
const RESERVED_BUILDER_METHODS: &[&str] = &[
    "build",
    "send",
    "into_paginator",
    "into_parts",
    "new",
    "client",
];

/// Checks `spec`; an empty result means it is valid.
pub fn validate(spec: &Spec) -> Vec<Problem> {
    let mut v = Validator {
        spec,
        problems: Vec::new(),
    };
    v.product();
    v.types();
    v.actions();
    v.problems
}

struct Validator<'a> {
    spec: &'a Spec,
    problems: Vec<Problem>,
}

fn matches(pattern: &str, text: &str) -> bool {
    regex::Regex::new(pattern).is_ok_and(|re| re.is_match(text))
}

impl Validator<'_> {
    fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }

    fn product(&mut self) {
        let p = &self.spec.product;
        if !matches(r"^[A-Za-z][A-Za-z0-9]*$", &p.code) {
            self.problem(
                "product.code",
                "expected a product code of ASCII letters and digits, like `Ecs`",
            );
        }
        if !matches(r"^\d{4}-\d{2}-\d{2}$", &p.api_version) {
            self.problem(
                "product.api_version",
                "expected an API version like `2014-05-26` (quote it in YAML)",
            );
        }
        if !matches(r"^[a-z][a-z0-9-]*$", &p.crate_name) {
            self.problem(
                "product.crate",
                "expected a crate directory name like `aliyun-ecs`",
            );
        }
        if let Some(env_id) = &p.env_id
            && !matches(r"^[A-Z][A-Z0-9_]*$", env_id)
        {
            self.problem("product.env_id", "expected an upper-case id like `ECS`");
        }
        if p.method == Method::Get && p.param_location == ParamLocation::FormBody {
            self.problem("product.param_location", "`form_body` needs method POST");
        }
        let e = &p.endpoints;
        if !e.regional.contains("{region}") {
            self.problem(
                "product.endpoints.regional",
                "expected a host pattern containing `{region}`, like `ecs.{region}.aliyuncs.com`",
            );
        }
        let mut hosts = vec![("product.endpoints.regional".to_owned(), e.regional.clone())];
        hosts.push(("product.endpoints.central".to_owned(), e.central.clone()));
        for (region, host) in &e.exceptions {
            hosts.push((
                format!("product.endpoints.exceptions.{region}"),
                host.clone(),
            ));
        }
        for (path, host) in hosts {
            let plain = host.replace("{region}", "r");
            if !matches(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?$", &plain) {
                self.problem(
                    path,
                    format!("expected a host name without scheme or path, got `{host}`"),
                );
            }
        }
        if p.doc.trim().is_empty() {
            self.problem(
                "product.doc",
                "doc must not be empty: it becomes the module documentation",
            );
        }
    }

    fn types(&mut self) {
        for (name, def) in &self.spec.types {
            let path = format!("types.{name}");
            if let Some(why) = names::check_camel_ident(name) {
                self.problem(&path, format!("type name {why}"));
            }
            if def.doc.trim().is_empty() {
                self.problem(format!("{path}.doc"), "doc must not be empty");
            }
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

    /// The generated item a type name would collide with, if any (operation modules import
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

    fn actions(&mut self) {
        let mut snakes: HashMap<String, &str> = HashMap::new();
        for (name, action) in &self.spec.actions {
            let path = format!("actions.{name}");
            if let Some(why) = names::check_camel_ident(name) {
                self.problem(&path, format!("action name {why}"));
            }
            let snake = names::action_snake(name);
            if let Some(other) = snakes.insert(snake.clone(), name) {
                self.problem(
                    &path,
                    format!("`{name}` and `{other}` both become `{snake}`"),
                );
            }
            self.action(&path, action);
        }
    }

    fn action(&mut self, path: &str, action: &Action) {
        if action.doc.trim().is_empty() {
            self.problem(
                format!("{path}.doc"),
                "doc must not be empty: it becomes the operation's documentation",
            );
        }
        let method = action.method.unwrap_or(self.spec.product.method);
        let location = action
            .param_location
            .unwrap_or(self.spec.product.param_location);
        if method == Method::Get && location == ParamLocation::FormBody {
            self.problem(
                format!("{path}.param_location"),
                "`form_body` needs method POST",
            );
        }
        self.members(&format!("{path}.params"), &action.params, Context::Param);
        self.builder_method_names(path, &action.params);
        if action.response.fields.is_empty() {
            self.problem(
                format!("{path}.response.fields"),
                "a response needs at least one field (usually `RequestId`)",
            );
        }
        self.members(
            &format!("{path}.response.fields"),
            &action.response.fields,
            Context::ResponseField,
        );
        self.errors(path, action);
        self.pagination(path, action);
        self.tests(path, action);
    }

    /// Setters are `x()`, `set_x()`, `get_x()`; all must be distinct and avoid reserved names.
    fn builder_method_names(&mut self, path: &str, params: &[Member]) {
        let mut methods: HashMap<String, usize> = HashMap::new();
        for (index, param) in params.iter().enumerate() {
            let name = names::member_name(param);
            for method in [name.clone(), format!("set_{name}"), format!("get_{name}")] {
                if RESERVED_BUILDER_METHODS.contains(&method.as_str()) {
                    self.problem(
                        format!("{path}.params[{index}]"),
                        format!("`{method}` is a builder method: set `rust_name`"),
                    );
                }
                if let Some(other) = methods.insert(method.clone(), index) {
                    if other != index {
                        self.problem(
                            format!("{path}.params[{index}]"),
                            format!("builder method `{method}` collides with params[{other}]: set `rust_name`"),
                        );
                    }
                }
            }
        }
    }

    fn members(&mut self, path: &str, members: &[Member], context: Context) {
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
        if m.doc.as_deref().is_none_or(|d| d.trim().is_empty()) {
            self.problem(
                format!("{path}.doc"),
                "doc is required: it becomes the rustdoc of the field and its setter",
            );
        }
        self.type_ref(path, m.ty, m.type_ref.as_deref(), m.items.is_some());
        if let Some(items) = &m.items {
            self.item_type(&format!("{path}.items"), items, context);
        }
        let is_list = m.ty == TypeName::List;
        if !is_list {
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
        self.scalar_limits(
            path,
            m.ty,
            [m.min_length, m.max_length],
            m.pattern.as_deref(),
            [m.minimum.as_ref(), m.maximum.as_ref()],
        );
        let response_side = context != Context::Param;
        let param_side = context != Context::ResponseField;
        if m.style.is_some() || m.separator.is_some() {
            if !param_side {
                self.problem(
                    format!("{path}.style"),
                    "`style` and `separator` apply to parameters only",
                );
            } else if !is_list {
                self.problem(
                    format!("{path}.style"),
                    "`style` and `separator` apply to lists only",
                );
            }
        }
        let style = m.style.unwrap_or_default();
        if m.separator.is_some() && style != ListStyle::Joined {
            self.problem(
                format!("{path}.separator"),
                "`separator` needs `style: joined`",
            );
        }
        if style == ListStyle::Joined && m.items.as_ref().is_some_and(|i| i.ty == TypeName::Struct)
        {
            self.problem(
                format!("{path}.style"),
                "a list of structures cannot be joined; use `style: repeat`",
            );
        }
        if m.client_region && (context != Context::Param || m.ty != TypeName::String) {
            self.problem(
                format!("{path}.client_region"),
                "`client_region` applies to string parameters only",
            );
        }
        if m.wrapper.is_some() && (!response_side || !is_list) {
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
            } else if matches!(m.ty, TypeName::List | TypeName::Struct) {
                self.problem(
                    format!("{path}.wire_type"),
                    "`wire_type` applies to scalar fields only",
                );
            }
        }
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

    fn item_type(&mut self, path: &str, item: &ItemType, context: Context) {
        if item.ty == TypeName::List {
            self.problem(format!("{path}.type"), "nested lists are not supported");
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
        if item.wire_type.is_some() && context == Context::Param {
            self.problem(
                format!("{path}.wire_type"),
                "`wire_type` applies to response fields only",
            );
        }
    }

    fn type_ref(&mut self, path: &str, ty: TypeName, type_ref: Option<&str>, has_items: bool) {
        match ty {
            TypeName::List if !has_items => {
                self.problem(path, "a list needs `items` (the item type)");
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
        if has_items && ty != TypeName::List {
            self.problem(format!("{path}.items"), "`items` applies to lists only");
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

    fn errors(&mut self, path: &str, action: &Action) {
        let mut codes = HashSet::new();
        let mut variants: HashMap<String, &str> = HashMap::new();
        for (index, error) in action.errors.iter().enumerate() {
            let epath = format!("{path}.errors[{index}]");
            if error.code.trim().is_empty() {
                self.problem(format!("{epath}.code"), "an error code must not be empty");
                continue;
            }
            if !codes.insert(error.code.as_str()) {
                self.problem(
                    format!("{epath}.code"),
                    format!("duplicate error code `{}`", error.code),
                );
            }
            if !(100..=599).contains(&error.status) {
                self.problem(
                    format!("{epath}.status"),
                    format!("expected an HTTP status 100..=599, got {}", error.status),
                );
            }
            if error.doc.trim().is_empty() {
                self.problem(format!("{epath}.doc"), "doc must not be empty");
            }
            let variant = names::error_variant(error);
            if let Some(why) = names::check_camel_ident(&variant) {
                self.problem(&epath, format!("variant name {why}: set `rust_name`"));
            } else if variant == "Other" {
                self.problem(
                    &epath,
                    "variant `Other` is reserved for undocumented errors: set `rust_name`",
                );
            } else if let Some(other) = variants.insert(variant.clone(), &error.code) {
                self.problem(
                    &epath,
                    format!(
                        "`{}` and `{other}` both become variant `{variant}`: set `rust_name`",
                        error.code
                    ),
                );
            }
        }
    }

    fn pagination(&mut self, path: &str, action: &Action) {
        let Some(p) = &action.pagination else { return };
        let ppath = format!("{path}.pagination");
        let param = |name: &str| action.params.iter().find(|m| m.name == name);
        let field = |name: &str| action.response.fields.iter().find(|m| m.name == name);
        match field(&p.items) {
            Some(f) if f.ty == TypeName::List => {}
            Some(_) => self.problem(
                format!("{ppath}.items"),
                format!("`{}` is not a list field", p.items),
            ),
            None => self.problem(
                format!("{ppath}.items"),
                format!("unknown response field `{}`", p.items),
            ),
        }
        let mut need = |key: &str,
                        name: Option<&String>,
                        found: Option<&Member>,
                        types: &[TypeName],
                        what: &str| {
            match (name, found) {
                (None, _) => self.problem(&ppath, format!("`{key}` is required for this style")),
                (Some(name), None) => {
                    self.problem(format!("{ppath}.{key}"), format!("unknown {what} `{name}`"))
                }
                (Some(name), Some(m)) if !types.contains(&m.ty) => self.problem(
                    format!("{ppath}.{key}"),
                    format!("`{name}` has the wrong type for `{key}`"),
                ),
                _ => {}
            }
        };
        let ints = [TypeName::Integer, TypeName::Long];
        if let Some(size) = &p.page_size {
            need("page_size", Some(size), param(size), &ints, "parameter");
        }
        match p.style {
            PaginationStyle::NextToken => {
                need(
                    "input_token",
                    p.input_token.as_ref(),
                    p.input_token.as_deref().and_then(param),
                    &[TypeName::String],
                    "parameter",
                );
                need(
                    "output_token",
                    p.output_token.as_ref(),
                    p.output_token.as_deref().and_then(field),
                    &[TypeName::String],
                    "response field",
                );
                for (set, key) in [
                    (p.page_number.is_some(), "page_number"),
                    (p.total_count.is_some(), "total_count"),
                ] {
                    if set {
                        self.problem(
                            format!("{ppath}.{key}"),
                            format!("`{key}` belongs to the page_number style"),
                        );
                    }
                }
            }
            PaginationStyle::PageNumber => {
                need(
                    "page_number",
                    p.page_number.as_ref(),
                    p.page_number.as_deref().and_then(param),
                    &ints,
                    "parameter",
                );
                if let Some(total) = &p.total_count {
                    need(
                        "total_count",
                        Some(total),
                        field(total),
                        &ints,
                        "response field",
                    );
                }
                for (set, key) in [
                    (p.input_token.is_some(), "input_token"),
                    (p.output_token.is_some(), "output_token"),
                ] {
                    if set {
                        self.problem(
                            format!("{ppath}.{key}"),
                            format!("`{key}` belongs to the next_token style"),
                        );
                    }
                }
            }
        }
    }

    fn tests(&mut self, path: &str, action: &Action) {
        let tpath = format!("{path}.tests");
        if action.tests.requests.is_empty() || action.tests.responses.is_empty() {
            self.problem(
                &tpath,
                "every action needs at least one request case and one response case",
            );
        }
        let mut names = HashSet::new();
        for (index, case) in action.tests.requests.iter().enumerate() {
            let cpath = format!("{tpath}.requests[{index}]");
            self.case_name(&cpath, &case.name, "request", &mut names);
            self.params_value(&format!("{cpath}.params"), action, &case.params);
            let e = &case.expect;
            match (&e.wire, &e.invalid) {
                (Some(_), Some(_)) | (None, None) => self.problem(
                    format!("{cpath}.expect"),
                    "expected exactly one of `wire` or `invalid`",
                ),
                (None, Some(param)) => {
                    if e.method.is_some() {
                        self.problem(
                            format!("{cpath}.expect.method"),
                            "an invalid request is never sent: drop `method`",
                        );
                    }
                    let base = param.split('.').next().unwrap_or_default();
                    if !action.params.iter().any(|m| m.name == base) {
                        self.problem(
                            format!("{cpath}.expect.invalid"),
                            format!("unknown parameter `{param}`"),
                        );
                    }
                }
                (Some(wire), None) => {
                    for (name, value) in wire {
                        if !matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_)) {
                            self.problem(
                                format!("{cpath}.expect.wire.{name}"),
                                "wire values are scalars (the text sent)",
                            );
                        }
                    }
                }
            }
        }
        let default_params = action
            .tests
            .requests
            .iter()
            .find(|c| c.expect.invalid.is_none());
        for (index, case) in action.tests.responses.iter().enumerate() {
            let cpath = format!("{tpath}.responses[{index}]");
            self.case_name(&cpath, &case.name, "response", &mut names);
            match (&case.params, default_params) {
                (Some(params), _) => self.params_value(&format!("{cpath}.params"), action, params),
                (None, None) => self.problem(
                    &cpath,
                    "no `params`, and no valid request case to borrow them from",
                ),
                (None, Some(_)) => {}
            }
            if !(100..=599).contains(&case.status) {
                self.problem(
                    format!("{cpath}.status"),
                    format!("expected an HTTP status 100..=599, got {}", case.status),
                );
            }
            self.response_expect(&cpath, action, case);
        }
    }

    fn case_name(&mut self, path: &str, name: &str, kind: &str, names: &mut HashSet<String>) {
        if let Some(why) = names::check_snake_ident(name) {
            self.problem(format!("{path}.name"), format!("test name {why}"));
        }
        if !names.insert(format!("{kind}_{name}")) {
            self.problem(
                format!("{path}.name"),
                format!("duplicate {kind} case name `{name}`"),
            );
        }
    }

    fn params_value(&mut self, path: &str, action: &Action, params: &BTreeMap<String, Value>) {
        for (name, value) in params {
            match action.params.iter().find(|m| &m.name == name) {
                None => self.problem(
                    format!("{path}.{name}"),
                    format!("unknown parameter `{name}`"),
                ),
                Some(m) => {
                    if let Some(why) =
                        self.value_mismatch(m.ty, m.type_ref.as_deref(), m.items.as_deref(), value)
                    {
                        self.problem(format!("{path}.{name}"), why);
                    }
                }
            }
        }
    }

    fn response_expect(&mut self, path: &str, action: &Action, case: &ResponseCase) {
        let e = &case.expect;
        let count = usize::from(e.output.is_some())
            + usize::from(e.error.is_some())
            + usize::from(e.unreadable);
        if count != 1 {
            self.problem(
                format!("{path}.expect"),
                "expected exactly one of `output`, `error` or `unreadable: true`",
            );
        }
        if let Some(output) = &e.output {
            for (name, value) in output {
                match action.response.fields.iter().find(|m| &m.name == name) {
                    None => self.problem(
                        format!("{path}.expect.output.{name}"),
                        format!("unknown response field `{name}`"),
                    ),
                    Some(m) => {
                        if let Some(why) = self.value_mismatch(
                            m.ty,
                            m.type_ref.as_deref(),
                            m.items.as_deref(),
                            value,
                        ) {
                            self.problem(format!("{path}.expect.output.{name}"), why);
                        }
                    }
                }
            }
        }
        if let Some(code) = &e.error
            && code.trim().is_empty()
        {
            self.problem(format!("{path}.expect.error"), "expected an error code");
        }
    }

    /// Why `value` cannot stand for a value of the given type, if it cannot.
    fn value_mismatch(
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
fn number_mismatch(ty: TypeName, n: &serde_json::Number) -> Option<String> {
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
