//! API groups: the overlay's `groups` table names the metadata's `directories` (which carry no
//! titles), and every action takes the group of the directory that lists it.
//!
//! The table maps a directory id to a kebab-case English name. A sub-directory missing from the
//! table takes its parent's name, so a whole branch can be one group. Every directory that
//! lists actions must end up named, and an id the metadata does not have is refused (a stale
//! table would otherwise silently drop a group). An action in no directory gets no group: it is
//! compiled whatever features are on.

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
    let names = read_table(table)?;
    let mut groups = Groups::new();
    let mut seen = BTreeSet::new();
    for dir in directories {
        walk(dir, None, &names, &mut groups, &mut seen)?;
    }
    if let Some(unknown) = names.keys().find(|id| !seen.contains(*id)) {
        return Err(bad(format!("directory {unknown} is not in the metadata")));
    }
    Ok(groups)
}

fn walk(
    dir: &Directory,
    inherited: Option<&str>,
    names: &BTreeMap<String, String>,
    groups: &mut Groups,
    seen: &mut BTreeSet<String>,
) -> Result<(), ImportError> {
    seen.insert(dir.id.clone());
    let name = names.get(&dir.id).map(String::as_str).or(inherited);
    if !dir.actions.is_empty() {
        let Some(name) = name else {
            return Err(bad(format!(
                "directory {} (first action {}) has no name",
                dir.id, dir.actions[0]
            )));
        };
        for action in &dir.actions {
            groups.insert(action.clone(), name.to_owned());
        }
    }
    for child in &dir.children {
        walk(child, name, names, groups, seen)?;
    }
    Ok(())
}

fn read_table(table: &Value) -> Result<BTreeMap<String, String>, ImportError> {
    let map = table
        .as_mapping()
        .ok_or_else(|| bad("`groups` must map directory ids to names".into()))?;
    let mut names = BTreeMap::new();
    for (id, name) in map {
        let id = match id {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => return Err(bad(format!("directory id {id:?} is not a number"))),
        };
        let name = name
            .as_str()
            .filter(|n| is_kebab(n))
            .ok_or_else(|| bad(format!("group of directory {id} is not a kebab-case name")))?;
        names.insert(id, name.to_owned());
    }
    Ok(names)
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
    fn sub_directories_inherit_or_take_their_own_name() {
        let tree = [dir(
            "1",
            &["A"],
            vec![dir("2", &["B"], vec![]), dir("3", &["C"], vec![])],
        )];
        let groups = assign(&tree, Some(&table("{1: top, 3: own}"))).unwrap();
        assert_eq!(groups["A"], "top");
        assert_eq!(groups["B"], "top");
        assert_eq!(groups["C"], "own");
    }

    #[test]
    fn unnamed_unknown_and_malformed_entries_are_refused() {
        let tree = [dir("1", &["A"], vec![]), dir("2", &["B"], vec![])];
        let err = |t: &str| assign(&tree, Some(&table(t))).unwrap_err().to_string();
        assert!(err("{1: a}").contains("directory 2 (first action B) has no name"));
        assert!(err("{1: a, 2: b, 9: c}").contains("directory 9 is not in the metadata"));
        assert!(err("{1: a, 2: Bad_Name}").contains("not a kebab-case name"));
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
