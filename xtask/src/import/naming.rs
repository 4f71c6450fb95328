//! Deterministic names: action summaries, and named types for inline structures.
//!
//! Structures with the same shape (fields, types, limits; examples ignored) on the same side of
//! the call become one type. A request structure used by one action is named
//! `<Action><Member>` (`RunInstancesDataDisk`); one shared by several actions takes the member
//! name (`Tag`). A response structure takes the wrapper key of its list (`Instance` for
//! `Instances.Instance[]`) or its member name. When the name is taken, the next candidate is
//! `<Action><Name>`, then `<Name>2`, `<Name>3`, ... Actions are visited in name order and
//! members in metadata order, requests before responses, so the result is stable.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use heck::ToUpperCamelCase;
use serde_json::{Value, json};

use super::shapes::{Kind, Member, Side};

/// Leading verbs of action names and the sentence verb each becomes.
const VERBS: &[(&str, &str)] = &[
    ("Describe", "Describes"),
    ("Create", "Creates"),
    ("Delete", "Deletes"),
    ("Modify", "Modifies"),
    ("Start", "Starts"),
    ("Stop", "Stops"),
    ("Reboot", "Reboots"),
    ("Run", "Runs"),
    ("Invoke", "Invokes"),
    ("Attach", "Attaches"),
    ("Detach", "Detaches"),
    ("Allocate", "Allocates"),
    ("Release", "Releases"),
    ("Renew", "Renews"),
    ("Add", "Adds"),
    ("Remove", "Removes"),
    ("Enable", "Enables"),
    ("Disable", "Disables"),
    ("Put", "Puts"),
    ("Get", "Gets"),
    ("List", "Lists"),
    ("Query", "Queries"),
    ("Update", "Updates"),
    ("Install", "Installs"),
    ("Uninstall", "Uninstalls"),
    ("Import", "Imports"),
    ("Export", "Exports"),
    ("Copy", "Copies"),
    ("Cancel", "Cancels"),
    ("Apply", "Applies"),
    ("Assign", "Assigns"),
    ("Unassign", "Unassigns"),
    ("Associate", "Associates"),
    ("Unassociate", "Unassociates"),
    ("Authorize", "Authorizes"),
    ("Revoke", "Revokes"),
    ("Join", "Joins"),
    ("Leave", "Leaves"),
    ("Reset", "Resets"),
    ("Resize", "Resizes"),
    ("Replace", "Replaces"),
    ("Redeploy", "Redeploys"),
    ("Reactivate", "Reactivates"),
    ("ReActivate", "Reactivates"),
    ("Send", "Sends"),
    ("Set", "Sets"),
    ("Tag", "Tags"),
    ("Untag", "Untags"),
    ("Activate", "Activates"),
    ("Deactivate", "Deactivates"),
    ("Purchase", "Purchases"),
    ("Convert", "Converts"),
    ("Connect", "Connects"),
    ("Terminate", "Terminates"),
    ("Unbind", "Unbinds"),
    ("Bind", "Binds"),
    ("Accept", "Accepts"),
    ("Reject", "Rejects"),
    ("Check", "Checks"),
    ("Batch", "Batch-processes"),
    ("Upload", "Uploads"),
    ("Open", "Opens"),
    ("Close", "Closes"),
    ("Pause", "Pauses"),
    ("Resume", "Resumes"),
    ("Rollback", "Rolls back"),
    ("Register", "Registers"),
    ("Deregister", "Deregisters"),
    ("ReInit", "Re-initializes"),
    ("Recover", "Recovers"),
    ("Report", "Reports"),
];

/// A one-line summary in the project's words, from the action name alone:
/// `DescribeInstanceStatus` -> "Describes instance status.". An unknown verb gives
/// "Calls `<Action>`.".
pub fn summary(action: &str) -> String {
    let mut verbs: Vec<&(&str, &str)> = VERBS.iter().collect();
    // Longest prefix first (`Reactivate` before `Re`).
    verbs.sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
    for (prefix, verb) in verbs {
        let Some(rest) = action.strip_prefix(prefix) else {
            continue;
        };
        // The verb must end at a word boundary: `Rerun` is not `Re` + `run`.
        if !rest.is_empty() && !rest.starts_with(|c: char| c.is_ascii_uppercase()) {
            continue;
        }
        if rest.is_empty() {
            return format!("{verb}.");
        }
        return format!("{verb} {}.", words(rest));
    }
    format!("Calls `{action}`.")
}

/// `InstanceStatus` -> "instance status"; acronyms stay (`VSwitch`, `ECS`, `IPv6`).
fn words(camel: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let chars: Vec<char> = camel.chars().collect();
    let mut start = 0;
    for i in 1..=chars.len() {
        let boundary = i == chars.len()
            || (chars[i].is_ascii_uppercase()
                && (chars[i - 1].is_ascii_lowercase()
                    || chars[i - 1].is_ascii_digit()
                    || chars.get(i + 1).is_some_and(|c| c.is_ascii_lowercase())
                        && chars[i - 1].is_ascii_uppercase()));
        if boundary {
            out.push(chars[start..i].iter().collect());
            start = i;
        }
    }
    // A lone capital starts a compound name: `VSwitch`, `VBorderRouter` stay one word.
    let mut joined: Vec<String> = Vec::new();
    let mut pending: Option<String> = None;
    for word in out {
        match pending.take() {
            Some(letter) => joined.push(letter + &word),
            None if word.len() == 1 && word.chars().all(|c| c.is_ascii_uppercase()) => {
                pending = Some(word);
            }
            None => joined.push(word),
        }
    }
    joined.extend(pending);
    joined
        .iter()
        .map(|w| {
            let upper = w.chars().filter(char::is_ascii_uppercase).count();
            if upper == 1 && w.starts_with(|c: char| c.is_ascii_uppercase()) {
                w.to_ascii_lowercase()
            } else {
                w.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// An UpperCamelCase type name from a wire name.
pub fn type_name(wire: &str) -> String {
    let camel = wire.to_upper_camel_case();
    if camel.is_empty() {
        "Item".to_owned()
    } else if camel.starts_with(|c: char| c.is_ascii_digit()) {
        format!("T{camel}")
    } else {
        camel
    }
}

/// The shape of a member as facts only (examples left out): equal keys mean one type.
pub fn shape_key(member: &Member) -> Value {
    let item = |m: &Member| shape_key(m);
    let mut facts = json!({
        "name": member.name,
        "rust_name": member.rust_name,
        "type": member.kind.keyword(),
        "wrapper": member.wrapper,
        "style": member.style,
        "location": member.location,
        "required": member.required,
        "doc_required": member.doc_required,
        "deprecated": member.deprecated,
        "limits": format!("{:?}", member.limits),
        "enum": member.enum_values,
        "default": member.default,
    });
    match &member.kind {
        Kind::List(inner) | Kind::Map(inner) => facts["items"] = item(inner),
        Kind::Struct(fields) => facts["fields"] = fields.iter().map(item).collect(),
        _ => {}
    }
    facts
}

fn struct_key(side: Side, fields: &[Member]) -> String {
    let fields: Vec<Value> = fields.iter().map(shape_key).collect();
    format!("{side:?}{}", Value::Array(fields))
}

/// One structure occurrence: where it was met and what it is called there.
struct Occurrence {
    action: String,
    base: String,
}

/// A named structure type.
#[derive(Debug, Clone)]
pub struct NamedType {
    /// Its fields (of the first occurrence, examples included).
    pub fields: Vec<Member>,
    /// Request or response.
    pub side: Side,
    /// The actions using it, sorted.
    pub actions: BTreeSet<String>,
    /// How many members use it.
    pub uses: usize,
}

/// Names of every structure of a product.
#[derive(Debug, Default)]
pub struct Names {
    by_key: HashMap<String, String>,
    /// Named types by name.
    pub types: BTreeMap<String, NamedType>,
}

impl Names {
    /// The type name of structure `fields` on `side`.
    pub fn name_of(&self, side: Side, fields: &[Member]) -> String {
        self.by_key
            .get(&struct_key(side, fields))
            .cloned()
            .unwrap_or_else(|| "Unnamed".to_owned())
    }
}

/// Visits every structure under `members` (depth first, children before parents).
fn visit(
    members: &[Member],
    side: Side,
    action: &str,
    found: &mut Vec<(String, Occurrence, Vec<Member>)>,
) {
    for member in members {
        let (fields, base) = match &member.kind {
            Kind::Struct(fields) => (fields, type_name(&member.name)),
            Kind::List(item) => match &item.kind {
                Kind::Struct(fields) => (
                    fields,
                    type_name(member.wrapper.as_deref().unwrap_or(&member.name)),
                ),
                _ => continue,
            },
            _ => continue,
        };
        visit(fields, side, action, found);
        found.push((
            struct_key(side, fields),
            Occurrence {
                action: action.to_owned(),
                base,
            },
            fields.clone(),
        ));
    }
}

/// Names a generated type may not take: the generated client and error, and the prelude's
/// types and traits, which generated code names unqualified (`Result<(), InvalidInput>`): a
/// response structure called `Result` would shadow them.
const RESERVED: &[&str] = &[
    "Client",
    "Error",
    "Result",
    "Option",
    "Some",
    "None",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "Default",
    "Clone",
    "Copy",
    "Send",
    "Sync",
    "Sized",
    "Debug",
    "PartialEq",
    "Eq",
    "From",
    "Into",
    "Iterator",
    "ToString",
    "ToOwned",
    "Self",
];

/// Names every structure of the actions (`(name, request params, response fields)`, sorted
/// by name).
pub fn assign(actions: &[(String, Vec<Member>, Vec<Member>)]) -> Names {
    let mut reserved: BTreeSet<String> = RESERVED.iter().map(|s| s.to_string()).collect();
    for (action, _, _) in actions {
        for suffix in ["Input", "Builder", "Output", "Error"] {
            reserved.insert(format!("{action}{suffix}"));
        }
    }
    let mut names = Names::default();
    for side in [Side::Request, Side::Response] {
        let mut found = Vec::new();
        for (action, params, fields) in actions {
            let members = if side == Side::Request {
                params
            } else {
                fields
            };
            visit(members, side, action, &mut found);
        }
        let mut users: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        for (key, occurrence, _) in &found {
            users.entry(key).or_default().insert(&occurrence.action);
        }
        for (key, occurrence, fields) in &found {
            if let Some(name) = names.by_key.get(key) {
                if let Some(named) = names.types.get_mut(name) {
                    named.uses += 1;
                }
                continue;
            }
            let shared = users.get(key.as_str()).is_some_and(|u| u.len() > 1);
            let prefixed = format!("{}{}", occurrence.action, occurrence.base);
            let candidates = if side == Side::Request && !shared {
                vec![prefixed]
            } else {
                vec![occurrence.base.clone(), prefixed]
            };
            let free = |n: &String| !names.types.contains_key(n) && !reserved.contains(n);
            let name = candidates
                .iter()
                .find(|n| free(n))
                .cloned()
                .unwrap_or_else(|| {
                    let last = candidates.last().cloned().unwrap_or_default();
                    (2..)
                        .map(|n| format!("{last}{n}"))
                        .find(|n| free(n))
                        .unwrap_or_default()
                });
            names.by_key.insert(key.clone(), name.clone());
            names.types.insert(
                name,
                NamedType {
                    fields: fields.clone(),
                    side,
                    actions: users
                        .get(key.as_str())
                        .map(|u| u.iter().map(|s| s.to_string()).collect())
                        .unwrap_or_default(),
                    uses: 1,
                },
            );
        }
    }
    names
}

#[cfg(test)]
mod reserved_tests {
    use super::*;

    #[test]
    fn a_structure_never_takes_a_prelude_or_generated_name() {
        // A response struct `Result` (CMS answers have them) and a request struct named like
        // the generated builder of its action.
        let fields = vec![Member::new(
            "Result",
            Kind::Struct(vec![Member::new("Value", Kind::String)]),
        )];
        let params = vec![Member::new(
            "Builder",
            Kind::Struct(vec![Member::new("Size", Kind::Integer)]),
        )];
        let names = assign(&[("Run".to_owned(), params.clone(), fields.clone())]);
        let taken: Vec<&str> = names.types.keys().map(String::as_str).collect();
        assert_eq!(taken, ["RunBuilder2", "RunResult"], "{taken:?}");
    }
}
