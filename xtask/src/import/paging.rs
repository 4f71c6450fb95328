//! Paging inferred from the conventional parameter and field names: `NextToken` in and out
//! (next-token style, page size `MaxResults`), `PageNumber` in (page-number style, page size
//! `PageSize`, total `TotalCount`). Only when the response has exactly one top-level list,
//! which is then the paged items.

use serde_yaml::{Mapping, Value};

use super::shapes::{Kind, Member};

fn find<'a>(members: &'a [Member], name: &str, kinds: &[Kind]) -> Option<&'a Member> {
    members
        .iter()
        .find(|m| m.name == name && kinds.contains(&m.kind))
}

/// The `pagination` value of an action: nothing, one mapping, or a list (next-token first).
pub fn infer(params: &[Member], fields: &[Member]) -> Option<Value> {
    let lists: Vec<&Member> = fields
        .iter()
        .filter(|f| matches!(f.kind, Kind::List(_)))
        .collect();
    let [items] = lists.as_slice() else {
        return None;
    };
    let numbers = [Kind::Integer, Kind::Long, Kind::String];
    let mut entries = Vec::new();
    let entry = |pairs: &[(&str, Option<&str>)]| {
        let mut map = Mapping::new();
        for (key, value) in pairs {
            if let Some(value) = value {
                map.insert(Value::from(*key), Value::from(*value));
            }
        }
        Value::Mapping(map)
    };
    if find(params, "NextToken", &[Kind::String]).is_some()
        && find(fields, "NextToken", &[Kind::String]).is_some()
    {
        let size = find(params, "MaxResults", &numbers).map(|m| m.name.as_str());
        entries.push(entry(&[
            ("style", Some("next_token")),
            ("items", Some(&items.name)),
            ("input_token", Some("NextToken")),
            ("output_token", Some("NextToken")),
            ("page_size", size),
        ]));
    }
    if find(params, "PageNumber", &numbers).is_some() {
        let size = find(params, "PageSize", &numbers).map(|m| m.name.as_str());
        let total =
            find(fields, "TotalCount", &[Kind::Integer, Kind::Long]).map(|m| m.name.as_str());
        entries.push(entry(&[
            ("style", Some("page_number")),
            ("items", Some(&items.name)),
            ("page_number", Some("PageNumber")),
            ("page_size", size),
            ("total_count", total),
        ]));
    }
    match entries.len() {
        0 => None,
        1 => entries.pop(),
        _ => Some(Value::Sequence(entries)),
    }
}
