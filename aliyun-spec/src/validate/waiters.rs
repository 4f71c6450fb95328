//! Waiters: the action they poll, their paths into its response, values, errors and pacing.

use std::collections::HashMap;

use serde_json::Value;

use super::Validator;
use crate::duration::parse_duration;
use crate::names;
use crate::spec::{Acceptor, AcceptorState, Action, Member, TypeName, Waiter};

/// The end of an acceptor's path: a scalar (or a list of scalars) and its named type, if any.
struct Leaf {
    ty: TypeName,
    type_ref: Option<String>,
}

impl Validator<'_> {
    pub(super) fn waiters(&mut self) {
        let mut snakes: HashMap<String, &str> = HashMap::new();
        for (name, waiter) in &self.spec.waiters {
            let path = format!("waiters.{name}");
            if let Some(why) = names::check_camel_ident(name) {
                self.problem(&path, format!("waiter name {why}"));
            }
            let snake = names::action_snake(name);
            if let Some(other) = snakes.insert(snake.clone(), name) {
                self.problem(
                    &path,
                    format!("`{name}` and `{other}` both become `wait_until_{snake}`"),
                );
            }
            self.waiter(&path, waiter);
        }
    }

    fn waiter(&mut self, path: &str, waiter: &Waiter) {
        if waiter.doc.trim().is_empty() {
            self.problem(
                format!("{path}.doc"),
                "doc must not be empty: it becomes the waiter's documentation",
            );
        }
        self.pacing(path, waiter);
        let Some(action) = self.spec.actions.get(&waiter.action) else {
            self.problem(
                format!("{path}.action"),
                format!("no action `{}` in `actions`", waiter.action),
            );
            return;
        };
        if let Some(batch) = &waiter.batch {
            self.batch(&format!("{path}.batch"), action, batch);
        }
        if waiter.acceptors.is_empty() {
            self.problem(
                format!("{path}.acceptors"),
                "a waiter needs at least one acceptor",
            );
        } else if !waiter
            .acceptors
            .iter()
            .any(|a| a.state == AcceptorState::Success)
        {
            self.problem(
                format!("{path}.acceptors"),
                "no acceptor has `state: success`: the wait could never succeed",
            );
        }
        for (index, acceptor) in waiter.acceptors.iter().enumerate() {
            self.acceptor(&format!("{path}.acceptors[{index}]"), action, acceptor);
        }
    }

    fn pacing(&mut self, path: &str, waiter: &Waiter) {
        let mut read = |key: &str, text: &Option<String>| {
            let text = text.as_deref()?;
            match parse_duration(text) {
                Ok(d) if d.is_zero() => {
                    self.problem(format!("{path}.{key}"), "must be longer than zero");
                    None
                }
                Ok(d) => Some(d),
                Err(why) => {
                    self.problem(format!("{path}.{key}"), why);
                    None
                }
            }
        };
        let min = read("min_delay", &waiter.min_delay);
        let max = read("max_delay", &waiter.max_delay);
        let deadline = read("deadline", &waiter.deadline);
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            self.problem(
                format!("{path}.min_delay"),
                "min_delay is longer than max_delay",
            );
        }
        if let (Some(min), Some(deadline)) = (min, deadline)
            && min > deadline
        {
            self.problem(
                format!("{path}.deadline"),
                "deadline is shorter than min_delay: the waiter could look only once",
            );
        }
    }

    fn batch(&mut self, path: &str, action: &Action, batch: &str) {
        let Some(param) = action.params.iter().find(|p| p.name == batch) else {
            self.problem(path, format!("the action has no parameter `{batch}`"));
            return;
        };
        let of_strings = param.ty == TypeName::List
            && param
                .items
                .as_ref()
                .is_some_and(|i| i.ty == TypeName::String);
        if !of_strings || param.max_items.is_none() {
            self.problem(
                path,
                format!("`{batch}` must be a list of strings with `max_items` to batch by"),
            );
        }
    }

    fn acceptor(&mut self, path: &str, action: &Action, acceptor: &Acceptor) {
        let matchers = [
            acceptor.all.as_ref().map(|v| ("all", v)),
            acceptor.any.as_ref().map(|v| ("any", v)),
        ];
        let given: Vec<_> = matchers.into_iter().flatten().collect();
        match (given.as_slice(), &acceptor.error, &acceptor.path) {
            ([], Some(code), None) => {
                if code.trim().is_empty() {
                    self.problem(format!("{path}.error"), "the error code is empty");
                }
            }
            ([(key, values)], None, Some(field_path)) => {
                let Some(leaf) = self.leaf(&format!("{path}.path"), action, field_path) else {
                    return;
                };
                let values = values.as_slice();
                if values.is_empty() {
                    self.problem(format!("{path}.{key}"), "give at least one value");
                }
                for (index, value) in values.iter().enumerate() {
                    if let Some(why) = self.leaf_value_mismatch(&leaf, value) {
                        self.problem(format!("{path}.{key}"), format!("value {index}: {why}"));
                    }
                }
            }
            ([_], None, None) => self.problem(
                path,
                "`all` and `any` compare the values at a `path`: give the path",
            ),
            _ => self.problem(
                path,
                "give exactly one of `path` with `all`, `path` with `any`, or `error`",
            ),
        }
    }

    /// Walks `field_path` (wire names, dot-separated) through the response fields.
    fn leaf(&mut self, path: &str, action: &Action, field_path: &str) -> Option<Leaf> {
        let spec = self.spec;
        let mut fields: &[Member] = &action.response.fields;
        let segments: Vec<&str> = field_path.split('.').collect();
        for (depth, segment) in segments.iter().enumerate() {
            let Some(member) = fields.iter().find(|m| m.name == *segment) else {
                let known: Vec<&str> = fields.iter().map(|m| m.name.as_str()).collect();
                self.problem(
                    path,
                    format!(
                        "no response field `{segment}` in `{field_path}` (fields here: {})",
                        known.join(", ")
                    ),
                );
                return None;
            };
            let (ty, type_ref) = match (member.ty, &member.items) {
                (TypeName::List, Some(item)) => (item.ty, item.type_ref.as_deref()),
                (ty, _) => (ty, member.type_ref.as_deref()),
            };
            let last = depth + 1 == segments.len();
            match ty {
                TypeName::Struct if !last => {
                    fields = type_ref
                        .and_then(|r| spec.types.get(r))
                        .and_then(|t| t.fields.as_deref())
                        .unwrap_or_default();
                }
                TypeName::String
                | TypeName::Integer
                | TypeName::Long
                | TypeName::Float
                | TypeName::Boolean
                | TypeName::Enum
                    if last =>
                {
                    return Some(Leaf {
                        ty,
                        type_ref: type_ref.map(str::to_owned),
                    });
                }
                _ => {
                    let why = if last {
                        "must end at a scalar field (string, number, boolean or enum) or a list of them"
                    } else {
                        "goes through a field that is not a structure or a list of structures"
                    };
                    self.problem(path, format!("`{field_path}` {why}: `{segment}`"));
                    return None;
                }
            }
        }
        None
    }

    fn leaf_value_mismatch(&self, leaf: &Leaf, value: &Value) -> Option<String> {
        if let Some(why) = self.value_mismatch(leaf.ty, leaf.type_ref.as_deref(), None, value) {
            return Some(why);
        }
        let values = leaf
            .type_ref
            .as_deref()
            .filter(|_| leaf.ty == TypeName::Enum)
            .and_then(|r| self.spec.types.get(r))
            .and_then(|t| t.values.as_deref())?;
        let text = value.as_str()?;
        (!values.iter().any(|v| v.value == text)).then(|| {
            let known: Vec<&str> = values.iter().map(|v| v.value.as_str()).collect();
            format!(
                "`{text}` is not a value of the enum (values: {})",
                known.join(", ")
            )
        })
    }
}
