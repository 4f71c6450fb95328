//! API groups: the overlay's `groups` table names each group and lists some of its actions;
//! the metadata's `directories` (which carry ids but no titles) put every other action beside
//! the listed ones.
//!
//! The table maps a kebab-case group name to action names. Directory ids are not used: a new
//! metadata file may number every directory anew, and the actions are what stays. The rule:
//! * a listed action is in its group, wherever its directory is;
//! * a directory's group is the one most of its listed actions are in (a tie goes to the first
//!   name in order); a directory with no listed action takes its parent's group, so a whole
//!   branch can be one group, and a new sub-directory follows its parent;
//! * every action of a directory that the table does not list takes the directory's group, so
//!   a new action joins the group of its directory's other actions.
//!
//! * an action in no directory (a newer file layered on an older one may add actions and carry
//!   no directories) takes its listed group, else the group of the actions whose names share
//!   the longest run of its resource words (`DescribeDiskDefaultKMSKeyId` joins the `Disk...`
//!   actions; a tie goes to the group most of them are in), else no group: it is then compiled
//!   whatever features are on, and the import report names it for the overlay.
//!
//! Every directory that lists actions must end up with a group, an action listed twice and a
//! group none of whose actions the metadata has are refused (a stale table would otherwise
//! silently drop a group); a listed action the metadata no longer has is skipped.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::Value;

use super::ImportError;
use super::read::Directory;

/// Action name -> group name.
pub type Groups = BTreeMap<String, String>;

/// The groups of one import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assigned {
    /// Action -> group.
    pub groups: Groups,
    /// Actions in no directory placed by their name: (action, group).
    pub inferred: Vec<(String, String)>,
    /// Actions in no directory and no group.
    pub ungrouped: Vec<String>,
}

/// The group of each of `actions` from the `directories` tree and the overlay's `groups`
/// table (`None`: the overlay has no table, and no action gets a group).
pub fn assign(
    directories: &[Directory],
    table: Option<&Value>,
    actions: &[String],
) -> Result<Assigned, ImportError> {
    let Some(table) = table else {
        return Ok(Assigned::default());
    };
    let listed = read_table(table)?;
    let mut groups = Groups::new();
    for dir in directories {
        walk(dir, None, &listed, &mut groups)?;
    }
    let homeless: Vec<&String> = actions
        .iter()
        .filter(|a| !groups.contains_key(*a))
        .collect();
    for action in &homeless {
        if let Some(group) = listed.get(*action) {
            groups.insert((*action).clone(), group.clone());
        }
    }
    let used: BTreeSet<&String> = groups.values().collect();
    if let Some(unused) = listed.values().find(|group| !used.contains(group)) {
        return Err(bad(format!(
            "group {unused} lists no action of the metadata"
        )));
    }
    let mut assigned = Assigned::default();
    for action in homeless {
        if groups.contains_key(action) {
            continue;
        }
        match by_name(action, &groups) {
            Some(group) => assigned.inferred.push((action.clone(), group)),
            None => assigned.ungrouped.push(action.clone()),
        }
    }
    for (action, group) in &assigned.inferred {
        groups.insert(action.clone(), group.clone());
    }
    assigned.groups = groups;
    Ok(assigned)
}

/// The group of the grouped actions whose resource words (the name after its verb) share the
/// longest run of leading whole words with `action`'s; a tie goes to the group most of them
/// are in.
fn by_name(action: &str, groups: &Groups) -> Option<String> {
    let noun = resource(action);
    let mut best = 0;
    let mut names: Vec<&String> = Vec::new();
    for (other, group) in groups {
        let shared = shared_words(noun, resource(other));
        if shared > best {
            best = shared;
            names.clear();
        }
        if shared == best && shared > 0 {
            names.push(group);
        }
    }
    majority(names.into_iter()).map(str::to_owned)
}

/// `DescribeDiskDefaultKMSKeyId` -> `DiskDefaultKMSKeyId`: the name after its first word.
fn resource(action: &str) -> &str {
    action
        .char_indices()
        .skip(1)
        .find(|(_, c)| c.is_ascii_uppercase())
        .map_or("", |(at, _)| &action[at..])
}

/// The length of the longest common prefix of `a` and `b` that ends where a word of `a`
/// ends (the end of `a`, or before an upper-case letter).
fn shared_words(a: &str, b: &str) -> usize {
    let common = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    (1..=common)
        .rev()
        .find(|&at| at == a.len() || a.as_bytes()[at].is_ascii_uppercase())
        .unwrap_or(0)
}

fn walk(
    dir: &Directory,
    inherited: Option<&str>,
    listed: &BTreeMap<String, String>,
    groups: &mut Groups,
) -> Result<(), ImportError> {
    let name = majority(dir.actions.iter().filter_map(|a| listed.get(a))).or(inherited);
    if !dir.actions.is_empty() {
        let Some(name) = name else {
            return Err(bad(format!(
                "directory {} (first action {}) has no group: list one of its actions",
                dir.id, dir.actions[0]
            )));
        };
        for action in &dir.actions {
            let group = listed.get(action).map_or(name, String::as_str);
            groups.insert(action.clone(), group.to_owned());
        }
    }
    for child in &dir.children {
        walk(child, name, listed, groups)?;
    }
    Ok(())
}

/// The most frequent name (a tie goes to the first in order).
fn majority<'a>(names: impl Iterator<Item = &'a String>) -> Option<&'a str> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for name in names {
        *counts.entry(name).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(name, _)| name)
}

/// Listed action -> its group.
fn read_table(table: &Value) -> Result<BTreeMap<String, String>, ImportError> {
    let map = table
        .as_mapping()
        .ok_or_else(|| bad("`groups` must map group names to lists of actions".into()))?;
    let mut listed = BTreeMap::new();
    for (name, actions) in map {
        let name = match name {
            Value::String(s) if is_kebab(s) => s.clone(),
            Value::Number(n) => {
                return Err(bad(format!(
                    "{n}: groups are keyed by a kebab-case name listing some of their actions \
                     (`instances: [RunInstances]`), not by directory id"
                )));
            }
            other => return Err(bad(format!("group name {other:?} is not kebab-case"))),
        };
        let actions = actions
            .as_sequence()
            .filter(|list| !list.is_empty())
            .ok_or_else(|| {
                bad(format!(
                    "group {name}: expected a non-empty list of actions"
                ))
            })?;
        for action in actions {
            let action = action
                .as_str()
                .ok_or_else(|| bad(format!("group {name}: {action:?} is not an action name")))?;
            if let Some(first) = listed.insert(action.to_owned(), name.clone()) {
                return Err(bad(format!(
                    "{action} is listed in groups {first} and {name}"
                )));
            }
        }
    }
    Ok(listed)
}

/// `cloud-assistant`: lower-case ASCII words joined by single hyphens.
pub fn is_kebab(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|word| {
            !word.is_empty()
                && word.starts_with(|c: char| c.is_ascii_lowercase())
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

fn bad(why: String) -> ImportError {
    ImportError::Overlay("overlay".into(), format!("groups: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(id: &str, actions: &[&str], children: Vec<Directory>) -> Directory {
        Directory {
            id: id.into(),
            actions: actions.iter().map(|a| a.to_string()).collect(),
            children,
        }
    }

    fn table(text: &str) -> Value {
        serde_yaml::from_str(text).unwrap()
    }

    #[test]
    fn sub_directories_inherit_or_take_their_own_group() {
        let tree = [dir(
            "1",
            &["A"],
            vec![dir("2", &["B"], vec![]), dir("3", &["C", "D"], vec![])],
        )];
        let groups = assign(&tree, Some(&table("{top: [A], own: [C]}")), &[])
            .unwrap()
            .groups;
        assert_eq!(groups["A"], "top");
        assert_eq!(groups["B"], "top");
        assert_eq!(groups["C"], "own");
        assert_eq!(groups["D"], "own");
    }

    #[test]
    fn a_listed_action_keeps_its_group_in_a_mixed_directory() {
        let tree = [dir("1", &["A", "B", "C"], vec![])];
        let groups = assign(&tree, Some(&table("{one: [A, B], two: [C]}")), &[])
            .unwrap()
            .groups;
        assert_eq!(groups["A"], "one");
        assert_eq!(groups["C"], "two");
    }

    #[test]
    fn the_same_table_gives_the_same_groups_whatever_the_directory_ids() {
        let table = table("{instances: [RunInstances], disks: [CreateDisk]}");
        let june = [
            dir("86036", &["RunInstances", "StopInstance"], vec![]),
            dir("86213", &["CreateDisk", "AttachDisk"], vec![]),
        ];
        // Renumbered, one directory split, and a new action beside an old one.
        let december = [
            dir(
                "310001",
                &["StopInstance", "RunInstances"],
                vec![dir("310005", &["RebootInstances"], vec![])],
            ),
            dir(
                "310002",
                &["AttachDisk", "CreateDisk", "ResizeDisk"],
                vec![],
            ),
        ];
        let before = assign(&june, Some(&table), &[]).unwrap().groups;
        let after = assign(&december, Some(&table), &[]).unwrap().groups;
        for (action, group) in &before {
            assert_eq!(&after[action], group, "{action}");
        }
        assert_eq!(after["RebootInstances"], "instances");
        assert_eq!(after["ResizeDisk"], "disks");
    }

    #[test]
    fn ungrouped_stale_and_malformed_tables_are_refused() {
        let tree = [dir("1", &["A"], vec![]), dir("2", &["B"], vec![])];
        let err = |t: &str| assign(&tree, Some(&table(t)), &[]).unwrap_err().to_string();
        assert!(err("{a: [A]}").contains("directory 2 (first action B) has no group"));
        assert!(err("{a: [A], b: [B], c: [Gone]}").contains("group c lists no action"));
        assert!(err("{a: [A], Bad_Name: [B]}").contains("not kebab-case"));
        assert!(err("{a: [A], b: [A, B]}").contains("A is listed in groups a and b"));
        assert!(err("{1: a, 2: b}").contains("not by directory id"));
        assert!(err("{a: [A], b: []}").contains("non-empty list"));
        // A listed action the metadata dropped is skipped.
        let groups = assign(&tree, Some(&table("{a: [A, Gone], b: [B]}")), &[]).unwrap();
        assert_eq!(groups.groups.len(), 2);
    }

    #[test]
    fn an_action_in_no_directory_takes_its_listed_group_or_its_namesakes() {
        let tree = [
            dir("1", &["CreateDisk", "DescribeDisks", "ResizeDisk"], vec![]),
            dir("2", &["DescribeDiskMonitorData"], vec![]),
            dir("3", &["CreateInstance", "StopInstance"], vec![]),
        ];
        let actions: Vec<String> = [
            "DescribeDiskDefaultKMSKeyId",
            "ModifyInstanceClockOptions",
            "CreatePortRangeList",
            "DeletePortRangeList",
            "CreateWidget",
        ]
        .map(String::from)
        .into();
        let table = table(
            "{disks: [CreateDisk], monitoring: [DescribeDiskMonitorData], \
              instances: [CreateInstance], security-groups: [CreatePortRangeList]}",
        );
        let assigned = assign(&tree, Some(&table), &actions).unwrap();
        let g = &assigned.groups;
        // Two `Disk...` groups share the word; most `Disk` actions are disks.
        assert_eq!(g["DescribeDiskDefaultKMSKeyId"], "disks");
        assert_eq!(g["ModifyInstanceClockOptions"], "instances");
        assert_eq!(g["CreatePortRangeList"], "security-groups");
        assert_eq!(g["DeletePortRangeList"], "security-groups");
        assert!(!g.contains_key("CreateWidget"));
        assert_eq!(assigned.ungrouped, ["CreateWidget"]);
        assert_eq!(assigned.inferred.len(), 3);
    }

    #[test]
    fn shared_words_end_at_a_word_of_the_first_name() {
        assert_eq!(shared_words("DiskDefault", "Disks"), 4);
        assert_eq!(shared_words("PortRangeList", "PrefixList"), 0);
        assert_eq!(shared_words("InstanceClock", "InstanceChargeType"), 8);
        assert_eq!(shared_words("TerminalSession", "TerminalSession"), 15);
        assert_eq!(resource("EndTerminalSession"), "TerminalSession");
    }

    #[test]
    fn kebab_case() {
        assert!(is_kebab("cloud-assistant"));
        assert!(is_kebab("ipv6"));
        assert!(!is_kebab("Cloud"));
        assert!(!is_kebab("a--b"));
        assert!(!is_kebab("-a"));
        assert!(!is_kebab("2a"));
    }
}
