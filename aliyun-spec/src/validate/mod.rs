//! Semantic checks of a parsed spec: everything serde cannot see from the shape alone.
//!
//! Each problem carries the field path it is about; [`crate::load`] turns paths into line and
//! column. All problems are collected, not just the first, so an author fixes a spec in one pass.
//! One submodule per part of the spec: the product section, named types, members (parameters
//! and fields), actions (placement, errors, paging), test cases, and values (defaults,
//! examples, test values) checked against their types.

mod actions;
mod members;
mod product;
mod tests;
mod types;
mod values;
mod waiters;

use crate::spec::Spec;

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

/// Checks `spec`; an empty result means it is valid.
pub fn validate(spec: &Spec) -> Vec<Problem> {
    let mut v = Validator {
        spec,
        problems: Vec::new(),
    };
    v.product();
    v.types();
    v.actions();
    v.waiters();
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

    /// An optional doc may be left out, but not given empty (say nothing rather than "").
    fn optional_doc(&mut self, path: &str, doc: Option<&str>) {
        if doc.is_some_and(|d| d.trim().is_empty()) {
            self.problem(
                format!("{path}.doc"),
                "doc must not be empty when given: leave the key out instead",
            );
        }
    }
}
