//! Cleaning rules that look across parameters or errors (the per-schema ones are in
//! [`super::shapes`]). Each rule counts what it did in the [`Report`].

use std::collections::{BTreeSet, HashSet};

use heck::ToSnakeCase;

use super::read::RawParam;
use super::report::{Defect, Report};
use super::shapes::{Kind, Member};

/// Drops parameters listed a second time under the same name (the first is kept).
pub fn dedupe_params(params: &[RawParam], report: &mut Report) -> Vec<RawParam> {
    let mut seen = HashSet::new();
    let mut kept = Vec::new();
    let mut dropped = false;
    for param in params {
        if seen.insert(param.name.clone()) {
            kept.push(param.clone());
        } else {
            report.add(Defect::DuplicateParam);
            dropped = true;
        }
    }
    if dropped {
        report.actions_with_duplicates += 1;
    }
    kept
}

/// Whether a dotted-name segment is a list index (`1`, `N`).
fn is_index(segment: &str) -> bool {
    segment == "N" || (!segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()))
}

/// Folds already-flattened dotted parameters into the structures they spell: `SystemDisk.Size`
/// becomes field `Size` of struct `SystemDisk`, `Filter.1.Key` field `Key` of the items of list
/// `Filter`. The structure takes the place of its first part; a parameter of the same name
/// (`SystemDisk` given as an object too) merges into it.
pub fn group_dotted(params: Vec<Member>, report: &mut Report) -> Vec<Member> {
    let mut out: Vec<Member> = Vec::new();
    for param in params {
        let segments: Vec<String> = param.name.split('.').map(str::to_owned).collect();
        if segments.len() > 1 {
            report.add(Defect::DottedName);
        }
        insert(&mut out, &segments, param);
    }
    out
}

fn insert(into: &mut Vec<Member>, segments: &[String], leaf: Member) {
    let Some((first, rest)) = segments.split_first() else {
        return;
    };
    if rest.is_empty() {
        let mut leaf = leaf;
        leaf.name.clone_from(first);
        match into.iter_mut().find(|m| m.name == *first) {
            Some(existing) => merge(existing, leaf),
            None => into.push(leaf),
        }
        return;
    }
    let index = is_index(&rest[0]);
    let position = match into.iter().position(|m| m.name == *first) {
        Some(i) => i,
        None => {
            let kind = if index {
                Kind::List(Box::new(Member::new("", Kind::Struct(Vec::new()))))
            } else {
                Kind::Struct(Vec::new())
            };
            into.push(Member::new(first, kind));
            into.len() - 1
        }
    };
    let parent = &mut into[position];
    let required = leaf.required;
    match (&mut parent.kind, index) {
        (Kind::List(item), true) if rest.len() == 1 => {
            // `Name.1` itself: a list of scalars.
            let mut item_leaf = leaf;
            item_leaf.name = String::new();
            if matches!(item.kind, Kind::Struct(ref f) if f.is_empty()) {
                **item = item_leaf;
            }
        }
        (Kind::List(item), true) => {
            if let Kind::Struct(fields) = &mut item.kind {
                insert(fields, &rest[1..], leaf);
            }
        }
        (Kind::Struct(fields), false) => insert(fields, rest, leaf),
        _ => {
            // The dotted name contradicts an existing member: keep it under its wire name.
            let mut leaf = leaf;
            leaf.name = segments.join(".");
            into.push(leaf);
            return;
        }
    }
    if required {
        into[position].required = true;
    }
}

/// Merges a member named like an existing one into it (structure fields are united).
fn merge(existing: &mut Member, incoming: Member) {
    if let (Kind::Struct(fields), Kind::Struct(more)) = (&mut existing.kind, incoming.kind) {
        for field in more {
            if !fields.iter().any(|f| f.name == field.name) {
                fields.push(field);
            }
        }
        existing.style = existing.style.take().or(incoming.style);
        existing.location = existing.location.take().or(incoming.location);
        existing.required |= incoming.required;
        existing.deprecated |= incoming.deprecated;
    }
}

/// Drops a member whose name is a lower-case twin of a sibling (`key` next to `Key`).
pub fn drop_lowercase_twins(members: &mut Vec<Member>, report: &mut Report) {
    let names: HashSet<String> = members.iter().map(|m| m.name.clone()).collect();
    members.retain(|m| {
        let mut chars = m.name.chars();
        let twin = match chars.next() {
            Some(c) if c.is_ascii_lowercase() => {
                let upper: String = c.to_ascii_uppercase().to_string() + chars.as_str();
                names.contains(&upper)
            }
            _ => false,
        };
        if twin {
            report.add(Defect::LowercaseTwin);
        }
        !twin
    });
}

/// Gives a distinct `rust_name` to a member whose snake_case name an earlier sibling already
/// has, or that is not a usable identifier.
pub fn settle_member_names(members: &mut [Member], report: &mut Report) {
    let mut taken = BTreeSet::new();
    for member in members.iter_mut() {
        let mut snake = member.name.to_snake_case();
        if snake.is_empty() || snake.starts_with(|c: char| c.is_ascii_digit()) {
            snake = format!("field_{snake}");
            member.rust_name = Some(snake.clone());
        }
        if !taken.insert(snake.clone()) {
            report.add(Defect::CollidingMemberName);
            let mut n = 2;
            while taken.contains(&format!("{snake}_{n}")) {
                n += 1;
            }
            let unique = format!("{snake}_{n}");
            taken.insert(unique.clone());
            member.rust_name = Some(unique);
        }
        match &mut member.kind {
            Kind::Struct(fields) => settle_member_names(fields, report),
            Kind::List(item) | Kind::Map(item) => {
                if let Kind::Struct(fields) = &mut item.kind {
                    settle_member_names(fields, report);
                }
            }
            _ => {}
        }
    }
}

/// One documented error after cleaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorEntry {
    /// The code.
    pub code: String,
    /// Its HTTP statuses, ascending.
    pub statuses: Vec<u16>,
    /// The service's message (the first one listed).
    pub message: Option<String>,
    /// Variant name, set only when the default would collide.
    pub rust_name: Option<String>,
}

/// Cleans an action's error list: drops `%s` codes and 2xx statuses, maps non-HTTP statuses to
/// their first three digits when that is an HTTP error status (else drops them), merges a code
/// under several statuses into one entry, and gives colliding variant names distinct ones.
pub fn errors(raw: &[(String, String, Option<String>)], report: &mut Report) -> Vec<ErrorEntry> {
    let mut out: Vec<ErrorEntry> = Vec::new();
    for (status, code, message) in raw {
        let trimmed = code.trim();
        if trimmed.len() != code.len() {
            report.add(Defect::PaddedCode);
        }
        let code = &trimmed.to_owned();
        if code.contains("%s") {
            report.add(Defect::PlaceholderCode);
            continue;
        }
        let Some(status) = http_status(status, report) else {
            continue;
        };
        match out.iter_mut().find(|e| e.code == *code) {
            Some(entry) if entry.statuses.contains(&status) => report.add(Defect::DuplicateCode),
            Some(entry) => {
                if entry.statuses.len() == 1 {
                    report.add(Defect::CodeUnderSeveralStatuses);
                }
                entry.statuses.push(status);
                entry.statuses.sort_unstable();
            }
            None => out.push(ErrorEntry {
                code: code.clone(),
                statuses: vec![status],
                message: message.clone().filter(|m| !m.trim().is_empty()),
                rust_name: None,
            }),
        }
    }
    let mut taken = BTreeSet::new();
    for entry in &mut out {
        let variant = error_variant(&entry.code);
        if taken.insert(variant.clone()) {
            continue;
        }
        report.add(Defect::CollidingCodeName);
        // The code with its own capitals kept (`InvalidVPC.NotFound` -> `InvalidVPCNotFound`).
        let mut unique: String = entry
            .code
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        if !unique.starts_with(|c: char| c.is_ascii_uppercase()) || taken.contains(&unique) {
            let mut n = 2;
            while taken.contains(&format!("{variant}{n}")) {
                n += 1;
            }
            unique = format!("{variant}{n}");
        }
        taken.insert(unique.clone());
        entry.rust_name = Some(unique);
    }
    out
}

/// The HTTP status an error is listed under, or `None` (counted) when it is dropped.
fn http_status(status: &str, report: &mut Report) -> Option<u16> {
    let Ok(n) = status.trim().parse::<u32>() else {
        report.add(Defect::NonHttpStatusDropped);
        return None;
    };
    if (200..300).contains(&n) {
        report.add(Defect::SuccessStatusError);
        return None;
    }
    if (400..=599).contains(&n) {
        return u16::try_from(n).ok();
    }
    let head = status.trim().get(..3).and_then(|h| h.parse::<u16>().ok());
    match head {
        Some(h) if n >= 1000 && (400..=599).contains(&h) => {
            report.add(Defect::NonHttpStatusMapped);
            Some(h)
        }
        _ => {
            report.add(Defect::NonHttpStatusDropped);
            None
        }
    }
}

/// The variant name codegen gives a code (asked of codegen itself, so the two cannot drift).
pub fn error_variant(code: &str) -> String {
    let mut entry = serde_yaml::Mapping::new();
    entry.insert("code".into(), code.into());
    entry.insert("status".into(), 400.into());
    entry.insert("doc".into(), "".into());
    serde_yaml::from_value::<codegen::spec::ErrorCode>(serde_yaml::Value::Mapping(entry))
        .map(|e| codegen::names::error_variant(&e))
        .unwrap_or_else(|_| code.chars().filter(char::is_ascii_alphanumeric).collect())
}
