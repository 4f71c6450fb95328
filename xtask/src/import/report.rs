//! What the import cleaned, counted by kind, and the summary table printed at the end.

use std::collections::BTreeMap;
use std::fmt;

/// A kind of metadata defect and what the importer did about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Defect {
    /// A parameter listed twice in one action: the first is kept.
    DuplicateParam,
    /// A dotted parameter name (`SystemDisk.Size`, `Filter.1.Key`) folded into its structure.
    DottedName,
    /// A lower-case twin (`key` next to `Key`): dropped.
    LowercaseTwin,
    /// A limit written as a string: read as a number.
    LimitAsString,
    /// A limit that does not fit the member's type (or min above max): dropped.
    LimitNotOfType,
    /// A pattern that is not a valid Rust regex: dropped.
    BadPattern,
    /// An example (or default, enum value) written as a string: coerced to the type.
    ExampleAsString,
    /// An example that is not a value of its type: dropped.
    ExampleNotOfType,
    /// An example `"null"` or empty: dropped.
    PlaceholderExample,
    /// An example breaking its member's own limits: dropped.
    ExampleBreaksLimits,
    /// Documented as required but not needed by the service (`docRequired`): `doc_required`.
    DocRequired,
    /// A default on a required member: dropped.
    DefaultOnRequired,
    /// A list of lists: the inner list becomes free-form JSON (`any`).
    NestedList,
    /// An error code containing a `%s` placeholder: dropped.
    PlaceholderCode,
    /// An error code with leading or trailing whitespace.
    PaddedCode,
    /// A 2xx status listed as an error: dropped.
    SuccessStatusError,
    /// A status that is not HTTP (`4003`): mapped to its first three digits (`400`).
    NonHttpStatusMapped,
    /// A status outside 400..=599 that cannot be mapped: dropped.
    NonHttpStatusDropped,
    /// One code under several statuses: one entry with `status: [..]`.
    CodeUnderSeveralStatuses,
    /// The same code listed twice under one status: dropped.
    DuplicateCode,
    /// Two codes with one Rust variant name: the later one gets a distinct `rust_name`.
    CollidingCodeName,
    /// Two members with one snake_case name: the later one gets a distinct `rust_name`.
    CollidingMemberName,
    /// An example body with a value that does not decode as its declared type: no response case.
    ResponseValueUnchecked,
    /// A string parameter carrying a JSON array: a list sent as JSON.
    JsonListAsText,
    /// A string parameter carrying a JSON object: a map sent as JSON.
    JsonObjectAsText,
}

impl Defect {
    fn describe(self) -> &'static str {
        match self {
            Defect::DuplicateParam => "parameter listed twice (first kept)",
            Defect::DottedName => "dotted parameter folded into its structure",
            Defect::LowercaseTwin => "lower-case twin dropped (Tag.N.key next to Tag.N.Key)",
            Defect::LimitAsString => "limit given as a string (read as a number)",
            Defect::LimitNotOfType => "limit not of the member's type, or min > max (dropped)",
            Defect::BadPattern => "pattern not a Rust regex (dropped)",
            Defect::ExampleAsString => "example/default/enum value given as a string (coerced)",
            Defect::ExampleNotOfType => "example not of its type (dropped)",
            Defect::PlaceholderExample => "example \"null\" or empty (dropped)",
            Defect::ExampleBreaksLimits => "example breaks its own limits (dropped)",
            Defect::DocRequired => "required by the docs only (doc_required, not enforced)",
            Defect::DefaultOnRequired => "default on a required parameter (dropped)",
            Defect::NestedList => "list of lists (inner list typed `any`)",
            Defect::PlaceholderCode => "error code with a %s placeholder (dropped)",
            Defect::PaddedCode => "error code with surrounding whitespace (trimmed)",
            Defect::SuccessStatusError => "2xx status listed as an error (dropped)",
            Defect::NonHttpStatusMapped => {
                "non-HTTP status mapped to its first 3 digits (4003 -> 400, 4092 -> 409)"
            }
            Defect::NonHttpStatusDropped => "non-HTTP status that cannot be mapped (dropped)",
            Defect::CodeUnderSeveralStatuses => "code under several statuses (-> status: [..])",
            Defect::DuplicateCode => "code listed twice under one status (dropped)",
            Defect::CollidingCodeName => "codes with one Rust name (later one: distinct rust_name)",
            Defect::CollidingMemberName => {
                "members with one snake_case name (later one: rust_name)"
            }
            Defect::ResponseValueUnchecked => {
                "example body does not decode as declared (no response case)"
            }
            Defect::JsonListAsText => "JSON array in a string parameter (-> list, style: json)",
            Defect::JsonObjectAsText => "JSON object in a string parameter (-> map, style: json)",
        }
    }
}

/// Counts of one import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Defects by kind.
    pub defects: BTreeMap<Defect, usize>,
    /// Actions with at least one duplicated parameter.
    pub actions_with_duplicates: usize,
    /// Actions written.
    pub actions: usize,
    /// Named structures created.
    pub types: usize,
    /// Named structures used by more than one member.
    pub shared_types: usize,
    /// Members that reuse a structure named for another member.
    pub shared_uses: usize,
    /// Request test cases that expect a refusal (a required parameter has no example).
    pub invalid_request_cases: usize,
    /// Response test cases written (actions with a JSON example body).
    pub response_cases: usize,
    /// Shared structures the naming rule could only number, for the overlay's `type_names`.
    pub numbered_types: Vec<String>,
    /// Layered files: actions a later file added, dropped, and left untyped (no response).
    pub layered: Option<Layered>,
    /// Actions in no directory placed in a group by their name: (action, group).
    pub inferred_groups: Vec<(String, String)>,
    /// Actions in no directory and no group (list them in the overlay's `groups`).
    pub ungrouped: Vec<String>,
    /// Structures of the spec being replaced whose name is no longer used where it was, with
    /// the types used there now (a rename users would feel).
    pub moved_types: Vec<(String, Vec<String>)>,
}

/// What layering several files did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layered {
    /// The files, oldest first.
    pub sources: Vec<String>,
    /// Actions a later file added.
    pub added_actions: usize,
    /// Parameters a later file added to existing actions.
    pub added_params: usize,
    /// Actions a later file no longer lists (kept, deprecated).
    pub dropped_actions: Vec<String>,
    /// Actions whose output is untyped (no file describes their response).
    pub untyped: usize,
}

impl Report {
    /// Counts one defect.
    pub fn add(&mut self, defect: Defect) {
        *self.defects.entry(defect).or_default() += 1;
    }

    /// How many defects of a kind were counted.
    pub fn count(&self, defect: Defect) -> usize {
        self.defects.get(&defect).copied().unwrap_or_default()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "  {:<72} {:>6}",
            "defect (what the importer did)", "count"
        )?;
        for (defect, count) in &self.defects {
            writeln!(f, "  {:<72} {:>6}", defect.describe(), count)?;
        }
        writeln!(
            f,
            "  actions: {} ({} with a duplicated parameter); types: {} ({} shared, {} reuses)",
            self.actions,
            self.actions_with_duplicates,
            self.types,
            self.shared_types,
            self.shared_uses
        )?;
        write!(
            f,
            "  tests: {} request cases ({} expect a refusal), {} response cases",
            self.actions, self.invalid_request_cases, self.response_cases
        )?;
        if let Some(l) = &self.layered {
            write!(
                f,
                "\n  layered {}: {} actions and {} parameters added, {} untyped outputs; \
                 dropped (kept, deprecated): {}",
                l.sources.join(" <- "),
                l.added_actions,
                l.added_params,
                l.untyped,
                if l.dropped_actions.is_empty() {
                    "none".to_owned()
                } else {
                    l.dropped_actions.join(", ")
                }
            )?;
        }
        for (action, group) in &self.inferred_groups {
            write!(
                f,
                "\n  {action}: in no directory, grouped by its name in {group}"
            )?;
        }
        if !self.ungrouped.is_empty() {
            write!(
                f,
                "\n  in no directory and no group (list them in the overlay's groups): {}",
                self.ungrouped.join(", ")
            )?;
        }
        for (name, now) in &self.moved_types {
            let now = if now.is_empty() {
                "what it typed is gone".to_owned()
            } else {
                format!("now `{}`", now.join("`, `"))
            };
            write!(
                f,
                "\n  `{name}` no longer types what it did ({now}): code naming it breaks; the \
                 overlay's type_names can keep a name"
            )?;
        }
        if !self.numbered_types.is_empty() {
            write!(
                f,
                "\n  shared structures only numbered (name them in the overlay's type_names): {}",
                self.numbered_types.join(", ")
            )?;
        }
        Ok(())
    }
}
