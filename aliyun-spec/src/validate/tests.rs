//! An action's `tests`: case names, the parameters they set, and what they expect.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use super::Validator;
use crate::names;
use crate::spec::{Action, ResponseCase};

impl Validator<'_> {
    pub(super) fn tests(&mut self, path: &str, action: &Action) {
        let tpath = format!("{path}.tests");
        if action.tests.requests.is_empty() {
            self.problem(&tpath, "every action needs at least one request case");
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
            + usize::from(e.output_contains.is_some())
            + usize::from(e.error.is_some())
            + usize::from(e.unreadable);
        if count != 1 {
            self.problem(
                format!("{path}.expect"),
                "expected exactly one of `output`, `output_contains`, `error` or `unreadable: true`",
            );
        }
        for (key, fields) in [
            ("output", &e.output),
            ("output_contains", &e.output_contains),
        ] {
            for (name, value) in fields.iter().flatten() {
                let fpath = format!("{path}.expect.{key}.{name}");
                match action.response.fields.iter().find(|m| &m.name == name) {
                    None => self.problem(fpath, format!("unknown response field `{name}`")),
                    Some(m) => {
                        if let Some(why) = self.value_mismatch(
                            m.ty,
                            m.type_ref.as_deref(),
                            m.items.as_deref(),
                            value,
                        ) {
                            self.problem(fpath, why);
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
}
