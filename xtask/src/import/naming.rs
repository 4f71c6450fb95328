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
    split_words(camel)
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

/// The words of an UpperCamelCase name, as spelt: `VSwitchId` -> `VSwitch`, `Id`.
fn split_words(camel: &str) -> Vec<String> {
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
}

/// A word in the singular, by the plain English rules that cover API names
/// (`Instances` -> `Instance`, `Policies` -> `Policy`, `Addresses` -> `Address`).
fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        return format!("{stem}y");
    }
    for suffix in ["sses", "xes", "ches", "shes"] {
        if word.ends_with(suffix) {
            return word[..word.len() - 2].to_owned();
        }
    }
    match word.strip_suffix('s') {
        Some(stem) if stem.len() > 1 && !stem.ends_with(['s', 'u']) => stem.to_owned(),
        _ => word.to_owned(),
    }
}

/// `Escalations` -> `Escalation`: the last word of a name in the singular.
fn singular_name(name: &str) -> String {
    let mut words = split_words(name);
    if let Some(last) = words.pop() {
        words.push(singular(&last));
    }
    words.concat()
}

/// Words that name no subject on their own, so they do not name a structure either.
const VAGUE_WORDS: &[&str] = &[
    "List",
    "Attribute",
    "Info",
    "Status",
    "Data",
    "By",
    "For",
    "Ex",
    "Of",
    "New",
];

/// The longest run of words (in the singular) that every action name holds after its verb:
/// `AttachKeyPair` and `DetachKeyPair` -> `KeyPair`; `CreateInstance` and `RunInstances` ->
/// `Instance`. `None` when they share no word that names something.
fn common_subject<'a>(actions: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let lists: Vec<Vec<String>> = actions
        .into_iter()
        .map(|a| split_words(a).iter().skip(1).map(|w| singular(w)).collect())
        .collect();
    let (first, rest) = lists.split_first()?;
    let holds = |list: &Vec<String>, run: &[String]| list.windows(run.len()).any(|w| w == run);
    for len in (1..=first.len()).rev() {
        for run in first.windows(len) {
            if run.iter().all(|w| VAGUE_WORDS.contains(&w.as_str())) {
                continue;
            }
            if rest.iter().all(|list| holds(list, run)) {
                return Some(run.concat());
            }
        }
    }
    None
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
    /// The name of the structure holding it and its number of fields, if any (`Escalations`
    /// and 3 for `Escalations.Warn`).
    parent: Option<(String, usize)>,
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
    /// Shared structures left with a numbered name (`Tag2`), for the overlay to name.
    pub numbered: BTreeSet<String>,
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
    parent: Option<(&str, usize)>,
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
        visit(fields, side, action, Some((&base, fields.len())), found);
        found.push((
            struct_key(side, fields),
            Occurrence {
                action: action.to_owned(),
                base,
                parent: parent.map(|(name, len)| (name.to_owned(), len)),
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
/// by name); `renames` (the overlay's `type_names`) then replace chosen names by hand.
///
/// A structure is named after what it is, never after the first action that met it unless
/// only that action uses it:
/// * its base is the member (or list wrapper) name it is met under; a shape met under several
///   names (`Escalations.Critical`, `.Warn`, `.Info`) takes its holder's name in the singular
///   (`Escalation`);
/// * a request structure of one action is `<Action><Base>`; any other structure is `<Base>`;
/// * when that is taken, a structure of one action is `<Action><Base>`, and a shared one is
///   `<Subject><Base>` with the subject its actions' names have in common (`AttachKeyPair`,
///   `DetachKeyPair` -> `KeyPairResult`), else `<Base>2`, `<Base>3`, ... for the overlay to
///   name (the import lists them).
pub fn assign(
    actions: &[(String, Vec<Member>, Vec<Member>)],
    renames: &BTreeMap<String, String>,
) -> Result<Names, String> {
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
            visit(members, side, action, None, &mut found);
        }
        let mut users: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        // The names each shape is met under inside one holder (action and holding structure).
        let mut siblings: HashMap<(&str, &str, &str), (usize, BTreeSet<&str>)> = HashMap::new();
        for (key, occurrence, _) in &found {
            users.entry(key).or_default().insert(&occurrence.action);
            if let Some((parent, len)) = &occurrence.parent {
                siblings
                    .entry((key, &occurrence.action, parent))
                    .or_insert_with(|| (*len, BTreeSet::new()))
                    .1
                    .insert(&occurrence.base);
            }
        }
        // A shape that is every field of its holder, under several names (`Escalations` of
        // `Critical`, `Warn`, `Info`): the holder's name in the singular.
        let mut holder_names: HashMap<&str, String> = HashMap::new();
        for ((key, _, parent), (len, names)) in &siblings {
            if names.len() > 1 && names.len() == *len {
                holder_names
                    .entry(key)
                    .or_insert_with(|| singular_name(parent));
            }
        }
        for (key, occurrence, fields) in &found {
            if let Some(name) = names.by_key.get(key) {
                if let Some(named) = names.types.get_mut(name) {
                    named.uses += 1;
                }
                continue;
            }
            let key_users = &users[key.as_str()];
            let shared = key_users.len() > 1;
            let base = holder_names
                .get(key.as_str())
                .cloned()
                .unwrap_or_else(|| occurrence.base.clone());
            let prefixed = format!("{}{base}", occurrence.action);
            let mut candidates = Vec::new();
            if side == Side::Response || shared {
                candidates.push(base.clone());
            }
            if shared {
                if let Some(subject) = common_subject(key_users.iter().copied()) {
                    if !base.starts_with(&subject) {
                        candidates.push(format!("{subject}{base}"));
                    }
                }
            } else {
                candidates.push(prefixed);
            }
            let free = |n: &String| !names.types.contains_key(n) && !reserved.contains(n);
            let name = candidates
                .iter()
                .find(|n| free(n))
                .cloned()
                .unwrap_or_else(|| {
                    let last = if shared {
                        base.clone()
                    } else {
                        candidates.last().cloned().unwrap_or_default()
                    };
                    let numbered = (2..)
                        .map(|n| format!("{last}{n}"))
                        .find(|n| free(n))
                        .unwrap_or_default();
                    if shared {
                        names.numbered.insert(numbered.clone());
                    }
                    numbered
                });
            names.by_key.insert(key.clone(), name.clone());
            names.types.insert(
                name,
                NamedType {
                    fields: fields.clone(),
                    side,
                    actions: key_users.iter().map(|s| s.to_string()).collect(),
                    uses: 1,
                },
            );
        }
    }
    // All at once, so names can be swapped (`{A: B, C: A}` gives C's structure the name A).
    let mut moved = Vec::new();
    for (from, to) in renames {
        let Some(named) = names.types.remove(from) else {
            return Err(format!(
                "type_names: the import makes no structure `{from}` (to name `{to}`)"
            ));
        };
        moved.push((from, to, named));
    }
    for (from, to, named) in moved {
        if names.types.contains_key(to) || reserved.contains(to) {
            return Err(format!(
                "type_names: `{to}` (for `{from}`) is already a type name"
            ));
        }
        names.types.insert(to.clone(), named);
        names.numbered.remove(from);
    }
    for name in names.by_key.values_mut() {
        if let Some(to) = renames.get(name.as_str()) {
            name.clone_from(to);
        }
    }
    Ok(names)
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
        let names = assign(
            &[("Run".to_owned(), params.clone(), fields.clone())],
            &BTreeMap::new(),
        )
        .unwrap();
        let taken: Vec<&str> = names.types.keys().map(String::as_str).collect();
        assert_eq!(taken, ["RunBuilder2", "RunResult"], "{taken:?}");
    }
}

#[cfg(test)]
mod naming_rule_tests {
    use super::*;

    fn pair(a: &str, b: &str) -> Kind {
        Kind::Struct(vec![
            Member::new(a, Kind::String),
            Member::new(b, Kind::String),
        ])
    }

    fn action(name: &str, params: Vec<Member>) -> (String, Vec<Member>, Vec<Member>) {
        (name.to_owned(), params, Vec::new())
    }

    #[test]
    fn subjects_are_the_words_shared_after_the_verb() {
        assert_eq!(
            common_subject(["AttachKeyPair", "DetachKeyPair"]).as_deref(),
            Some("KeyPair")
        );
        assert_eq!(
            common_subject(["CreateInstance", "RunInstances"]).as_deref(),
            Some("Instance")
        );
        assert_eq!(
            common_subject(["DescribeAlertLogList", "DescribeMetricRuleList"]),
            None
        );
        assert_eq!(singular("Policies"), "Policy");
        assert_eq!(singular("Addresses"), "Address");
        assert_eq!(singular("Status"), "Status");
    }

    #[test]
    fn a_shared_structure_is_not_named_after_its_first_action() {
        // `Options` {Id, Name} is taken by AllocateWidget; the {Id, Zone} shape shared by
        // StartWidget and StopWidgets is named after their common subject.
        let names = assign(
            &[
                action(
                    "AllocateWidget",
                    vec![Member::new("Options", pair("Id", "Name"))],
                ),
                action(
                    "AllocateZone",
                    vec![Member::new("Options", pair("Id", "Name"))],
                ),
                action(
                    "StartWidget",
                    vec![Member::new("Options", pair("Id", "Zone"))],
                ),
                action(
                    "StopWidgets",
                    vec![Member::new("Options", pair("Id", "Zone"))],
                ),
            ],
            &BTreeMap::new(),
        )
        .expect("no overlay");
        let taken: Vec<&str> = names.types.keys().map(String::as_str).collect();
        assert_eq!(taken, ["Options", "WidgetOptions"]);
    }

    #[test]
    fn levels_of_one_holder_take_its_name_and_numbers_are_left_to_the_overlay() {
        let levels = Kind::Struct(vec![
            Member::new("Critical", pair("Op", "Threshold")),
            Member::new("Warn", pair("Op", "Threshold")),
        ]);
        let rule = |name: &str| action(name, vec![Member::new("Escalations", levels.clone())]);
        let actions = [
            rule("PutAlarm"),
            rule("CreateRule"),
            action("ListA", vec![Member::new("Tag", pair("K", "V"))]),
            action("ListB", vec![Member::new("Tag", pair("K", "V"))]),
            action("TagA", vec![Member::new("Tag", pair("Key", "Value"))]),
            action("TagB", vec![Member::new("Tag", pair("Key", "Value"))]),
        ];
        let names = assign(&actions, &BTreeMap::new()).expect("no overlay");
        assert!(
            names.types.contains_key("Escalation"),
            "{:?}",
            names.types.keys()
        );
        assert_eq!(names.numbered.iter().collect::<Vec<_>>(), ["Tag2"]);

        let renames = BTreeMap::from([("Tag2".to_owned(), "KeyValueTag".to_owned())]);
        let names = assign(&actions, &renames).expect("a free name");
        assert!(names.types.contains_key("KeyValueTag") && !names.types.contains_key("Tag2"));
        assert!(names.numbered.is_empty());

        let taken = BTreeMap::from([("Tag2".to_owned(), "Tag".to_owned())]);
        assert!(assign(&actions, &taken).is_err());
        let unknown = BTreeMap::from([("Tag9".to_owned(), "Other".to_owned())]);
        assert!(assign(&actions, &unknown).is_err());
    }
}
