//! Actions: names, method and placement, parameters, errors and paging.

use std::collections::{HashMap, HashSet};

use super::{Context, Validator, matches};
use crate::names;
use crate::spec::{
    Action, HttpMethod, Member, Pagination, PaginationStyle, ParamLocation, TypeName,
};

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

impl Validator<'_> {
    pub(super) fn actions(&mut self) {
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
                "doc must not be empty: it becomes the action's documentation",
            );
        }
        if let Some(group) = &action.group
            && !matches(r"^[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*$", group)
        {
            self.problem(
                format!("{path}.group"),
                format!("expected a kebab-case name like `cloud-assistant`, got `{group}`"),
            );
        }
        if let Some(kind) = &action.operation_type
            && !matches(r"^[a-z]+$", kind)
        {
            self.problem(
                format!("{path}.operation_type"),
                format!("expected a lower-case word like `get`, `list` or `create`, got `{kind}`"),
            );
        }
        if let Some(url) = &action.docs_url
            && !matches(r"^https://[^\s<>]+$", url)
        {
            self.problem(
                format!("{path}.docs_url"),
                format!("expected an https:// link without spaces, got `{url}`"),
            );
        }
        let method = action.method.unwrap_or(self.spec.product.method);
        let location = action
            .param_location
            .unwrap_or(self.spec.product.param_location);
        if method == HttpMethod::Get && location == ParamLocation::FormBody {
            self.problem(
                format!("{path}.param_location"),
                "`form_body` needs method POST",
            );
        }
        let ppath = format!("{path}.params");
        self.members(&ppath, &action.params, Context::Param);
        self.param_placement(&ppath, method, &action.params);
        self.builder_method_names(path, &action.params);
        match (action.response.untyped, action.response.fields.is_empty()) {
            (false, true) => self.problem(
                format!("{path}.response.fields"),
                "a response needs at least one field (usually `RequestId`), or `untyped: true`",
            ),
            (true, false) => self.problem(
                format!("{path}.response.untyped"),
                "an untyped response has no `fields`: the output is the body as JSON",
            ),
            _ => {}
        }
        self.provenance(path, action.source.as_deref(), action.dropped_by.as_deref());
        if action.dropped_by.is_some() && !action.deprecated {
            self.problem(
                format!("{path}.deprecated"),
                "an action a newer source dropped (`dropped_by`) must be `deprecated: true`",
            );
        }
        for (index, param) in action.params.iter().enumerate() {
            let ppath = format!("{path}.params[{index}]");
            self.provenance(&ppath, param.source.as_deref(), param.dropped_by.as_deref());
            if param.dropped_by.is_some() && !param.deprecated {
                self.problem(
                    format!("{ppath}.deprecated"),
                    "a parameter a newer source dropped (`dropped_by`) must be `deprecated: true`",
                );
            }
        }
        self.members(
            &format!("{path}.response.fields"),
            &action.response.fields,
            Context::ResponseField,
        );
        self.errors(path, action);
        self.paginations(path, action);
        self.tests(path, action);
    }

    /// `source` and `dropped_by` name entries of `product.sources`, the second newer than the
    /// first.
    fn provenance(&mut self, path: &str, source: Option<&str>, dropped_by: Option<&str>) {
        let sources = &self.spec.product.sources;
        let position = |name: &str| sources.iter().position(|s| s == name);
        let mut at = |key: &str, name: Option<&str>| {
            let name = name?;
            let found = position(name);
            if found.is_none() {
                self.problem(
                    format!("{path}.{key}"),
                    format!(
                        "`{name}` is not one of `product.sources` ({})",
                        sources.join(", ")
                    ),
                );
            }
            found
        };
        let added = at("source", source);
        let dropped = at("dropped_by", dropped_by);
        if let Some(dropped) = dropped
            && dropped <= added.unwrap_or(0)
        {
            self.problem(
                format!("{path}.dropped_by"),
                "`dropped_by` must name a source newer than the one that added it",
            );
        }
    }

    /// Per-parameter `location` needs POST for a body; at most one client token.
    fn param_placement(&mut self, path: &str, method: HttpMethod, params: &[Member]) {
        let mut token = None;
        for (index, param) in params.iter().enumerate() {
            if method == HttpMethod::Get && param.location == Some(ParamLocation::FormBody) {
                self.problem(
                    format!("{path}[{index}].location"),
                    "`form_body` needs method POST",
                );
            }
            if param.client_token {
                if let Some(first) = token {
                    self.problem(
                        format!("{path}[{index}].client_token"),
                        format!("only one client token per action; params[{first}] is one"),
                    );
                }
                token.get_or_insert(index);
            }
        }
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
                if let Some(other) = methods.insert(method.clone(), index)
                    && other != index
                {
                    self.problem(
                        format!("{path}.params[{index}]"),
                        format!(
                            "builder method `{method}` collides with params[{other}]: set `rust_name`"
                        ),
                    );
                }
            }
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
            if error
                .code
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
            {
                // The service's codes never hold spaces: such a code would never match.
                self.problem(
                    format!("{epath}.code"),
                    format!(
                        "`{}` holds whitespace or control characters: write the code as the \
                         service sends it (trimmed)",
                        error.code.escape_debug()
                    ),
                );
            }
            if !codes.insert(error.code.as_str()) {
                self.problem(
                    format!("{epath}.code"),
                    format!("duplicate error code `{}`", error.code),
                );
            }
            let statuses = error.status.as_slice();
            if statuses.is_empty() {
                self.problem(format!("{epath}.status"), "expected at least one status");
            }
            let mut seen = HashSet::new();
            for status in statuses {
                if !(100..=599).contains(status) {
                    self.problem(
                        format!("{epath}.status"),
                        format!("expected an HTTP status 100..=599, got {status}"),
                    );
                } else if !seen.insert(status) {
                    self.problem(
                        format!("{epath}.status"),
                        format!("status {status} is listed twice"),
                    );
                }
            }
            self.optional_doc(&epath, error.doc.as_deref());
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

    fn paginations(&mut self, path: &str, action: &Action) {
        let Some(pagination) = &action.pagination else {
            return;
        };
        let entries = pagination.as_slice();
        let ppath = format!("{path}.pagination");
        if entries.is_empty() {
            self.problem(
                &ppath,
                "expected a paging mapping or a non-empty list of them",
            );
        }
        let single = matches!(pagination, crate::spec::OneOrMany::One(_));
        for (index, p) in entries.iter().enumerate() {
            let epath = if single {
                ppath.clone()
            } else {
                format!("{ppath}[{index}]")
            };
            self.pagination(&epath, action, p);
        }
    }

    fn pagination(&mut self, ppath: &str, action: &Action, p: &Pagination) {
        let param = |name: &str| action.params.iter().find(|m| m.name == name);
        // Response fields may be nested in structures: `Invocation.NextToken`.
        let spec = self.spec;
        let field = |name: &str| response_member(spec, &action.response.fields, name);
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
                (None, _) => self.problem(ppath, format!("`{key}` is required for this style")),
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
        // Paging parameters may be typed string: the paginator writes the number as text.
        let paging_params = [TypeName::Integer, TypeName::Long, TypeName::String];
        if let Some(size) = &p.page_size {
            need(
                "page_size",
                Some(size),
                param(size),
                &paging_params,
                "parameter",
            );
        }
        match p.style {
            PaginationStyle::NextToken | PaginationStyle::Marker => {
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
                if p.style == PaginationStyle::Marker {
                    need(
                        "truncated",
                        p.truncated.as_ref(),
                        p.truncated.as_deref().and_then(field),
                        &[TypeName::Boolean],
                        "response field",
                    );
                }
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
                if p.style == PaginationStyle::NextToken && p.truncated.is_some() {
                    self.problem(
                        format!("{ppath}.truncated"),
                        "`truncated` belongs to the marker style",
                    );
                }
            }
            PaginationStyle::PageNumber => {
                need(
                    "page_number",
                    p.page_number.as_ref(),
                    p.page_number.as_deref().and_then(param),
                    &paging_params,
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
                    (p.truncated.is_some(), "truncated"),
                ] {
                    if set {
                        self.problem(
                            format!("{ppath}.{key}"),
                            format!("`{key}` belongs to the next_token and marker styles"),
                        );
                    }
                }
            }
        }
    }
}

/// The response member at a dotted path of wire names (`Invocation.InvocationResults`),
/// through structure fields (not lists).
fn response_member<'s>(
    spec: &'s crate::spec::Spec,
    top: &'s [Member],
    path: &str,
) -> Option<&'s Member> {
    let mut fields = top;
    let mut found = None;
    for segment in path.split('.') {
        if found.is_some_and(|m: &Member| m.ty != TypeName::Struct) {
            return None;
        }
        if let Some(parent) = found {
            fields = parent
                .type_ref
                .as_deref()
                .and_then(|r| spec.types.get(r))
                .and_then(|t| t.fields.as_deref())?;
        }
        found = Some(fields.iter().find(|m| m.name == segment)?);
    }
    found
}
