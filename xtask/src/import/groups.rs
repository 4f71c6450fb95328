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
//! Every directory that lists actions must end up with a group, an action listed twice and a
//! group none of whose actions the metadata has are refused (a stale table would otherwise
//! silently drop a group); a listed action the metadata no longer has is skipped. An action in
//! no directory gets no group: it is compiled whatever features are on.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::Value;

use super::ImportError;
use super::read::Directory;

/// Action name -> group name.
pub type Groups = BTreeMap<String, String>;

/// The group of each action from the `directories` tree and the overlay's `groups` table
/// (`None`: the overlay has no table, and no action gets a group).
pub fn assign(directories: &[Directory], table: Option<&Value>) -> Result<Groups, ImportError> {
    let Some(table) = table else {
        return Ok(Groups::new());
    };
    let listed = read_table(table)?;
    let mut groups = Groups::new();
    for dir in directories {
        walk(dir, None, &listed, &mut groups)?;
    }
    let used: BTreeSet<&String> = groups.values().collect();
    if let Some(unused) = listed.values().find(|group| !used.contains(group)) {
        return Err(bad(format!(
            "group {unused} lists no action of the metadata's directories"
        )));
    }
    Ok(groups)
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
        let groups = assign(&tree, Some(&table("{top: [A], own: [C]}"))).unwrap();
        assert_eq!(groups["A"], "top");
        assert_eq!(groups["B"], "top");
        assert_eq!(groups["C"], "own");
        assert_eq!(groups["D"], "own");
    }

    #[test]
    fn a_listed_action_keeps_its_group_in_a_mixed_directory() {
        let tree = [dir("1", &["A", "B", "C"], vec![])];
        let groups = assign(&tree, Some(&table("{one: [A, B], two: [C]}"))).unwrap();
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
        let before = assign(&june, Some(&table)).unwrap();
        let after = assign(&december, Some(&table)).unwrap();
        for (action, group) in &before {
            assert_eq!(&after[action], group, "{action}");
        }
        assert_eq!(after["RebootInstances"], "instances");
        assert_eq!(after["ResizeDisk"], "disks");
    }

    #[test]
    fn ungrouped_stale_and_malformed_tables_are_refused() {
        let tree = [dir("1", &["A"], vec![]), dir("2", &["B"], vec![])];
        let err = |t: &str| assign(&tree, Some(&table(t))).unwrap_err().to_string();
        assert!(err("{a: [A]}").contains("directory 2 (first action B) has no group"));
        assert!(err("{a: [A], b: [B], c: [Gone]}").contains("group c lists no action"));
        assert!(err("{a: [A], Bad_Name: [B]}").contains("not kebab-case"));
        assert!(err("{a: [A], b: [A, B]}").contains("A is listed in groups a and b"));
        assert!(err("{1: a, 2: b}").contains("not by directory id"));
        assert!(err("{a: [A], b: []}").contains("non-empty list"));
        // A listed action the metadata dropped is skipped.
        let groups = assign(&tree, Some(&table("{a: [A, Gone], b: [B]}"))).unwrap();
        assert_eq!(groups.len(), 2);
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
