//! Paging inferred from the conventional parameter and field names, in three styles:
//! * next-token: `NextToken` in and out (page size `MaxResults`);
//! * marker: `Marker` in and out with a boolean `IsTruncated` out (page size `MaxItems`, RAM);
//! * page-number: `PageNumber` in (page size `PageSize`, total `TotalCount`).
//!
//! The items are the response's one top-level list, or, when the response has no top-level
//! list, the one list inside its one structure that holds a list (`Invocation.InvocationResults`).
//! Response fields the style needs are looked for beside the items first, then at the top.
//! An overlay's `pagination` replaces what is inferred here.

use serde_yaml::{Mapping, Value};

use super::shapes::{Kind, Member};

fn find<'a>(members: &'a [Member], name: &str, kinds: &[Kind]) -> Option<&'a Member> {
    members
        .iter()
        .find(|m| m.name == name && kinds.contains(&m.kind))
}

fn lists(members: &[Member]) -> Vec<&Member> {
    members
        .iter()
        .filter(|m| matches!(m.kind, Kind::List(_)))
        .collect()
}

/// Where the items are: the dotted path of the list and the members beside it (`None` prefix
/// for a top-level list).
struct Items<'a> {
    path: String,
    prefix: Option<&'a str>,
    siblings: &'a [Member],
}

fn items(fields: &[Member]) -> Option<Items<'_>> {
    if let [list] = lists(fields).as_slice() {
        return Some(Items {
            path: list.name.clone(),
            prefix: None,
            siblings: fields,
        });
    }
    if !lists(fields).is_empty() {
        return None;
    }
    let holders: Vec<(&str, &[Member])> = fields
        .iter()
        .filter_map(|f| match &f.kind {
            Kind::Struct(inner) if !lists(inner).is_empty() => Some((f.name.as_str(), &inner[..])),
            _ => None,
        })
        .collect();
    let [(holder, inner)] = holders.as_slice() else {
        return None;
    };
    let inner_lists = lists(inner);
    let [list] = inner_lists.as_slice() else {
        return None;
    };
    Some(Items {
        path: format!("{holder}.{}", list.name),
        prefix: Some(holder),
        siblings: inner,
    })
}

/// The `pagination` value of an action: nothing, one mapping, or a list (next-token or marker
/// first).
pub fn infer(params: &[Member], fields: &[Member]) -> Option<Value> {
    let items = items(fields)?;
    // A response field beside the items (as a dotted path), else at the top.
    let field = |name: &str, kinds: &[Kind]| -> Option<String> {
        match (items.prefix, find(items.siblings, name, kinds)) {
            (Some(prefix), Some(m)) => Some(format!("{prefix}.{}", m.name)),
            (None, Some(m)) => Some(m.name.clone()),
            (Some(_), None) => find(fields, name, kinds).map(|m| m.name.clone()),
            (None, None) => None,
        }
    };
    let numbers = [Kind::Integer, Kind::Long, Kind::String];
    let param = |name: &str, kinds: &[Kind]| find(params, name, kinds).map(|m| m.name.clone());
    let mut entries = Vec::new();
    let entry = |pairs: &[(&str, Option<String>)]| {
        let mut map = Mapping::new();
        for (key, value) in pairs {
            if let Some(value) = value {
                map.insert(Value::from(*key), Value::from(value.as_str()));
            }
        }
        Value::Mapping(map)
    };
    let style = |name: &str| Some(name.to_owned());
    if let (Some(input), Some(output)) = (
        param("NextToken", &[Kind::String]),
        field("NextToken", &[Kind::String]),
    ) {
        entries.push(entry(&[
            ("style", style("next_token")),
            ("items", Some(items.path.clone())),
            ("input_token", Some(input)),
            ("output_token", Some(output)),
            ("page_size", param("MaxResults", &numbers)),
        ]));
    }
    if let (Some(input), Some(output), Some(truncated)) = (
        param("Marker", &[Kind::String]),
        field("Marker", &[Kind::String]),
        field("IsTruncated", &[Kind::Boolean]),
    ) {
        entries.push(entry(&[
            ("style", style("marker")),
            ("items", Some(items.path.clone())),
            ("input_token", Some(input)),
            ("output_token", Some(output)),
            ("truncated", Some(truncated)),
            ("page_size", param("MaxItems", &numbers)),
        ]));
    }
    if let Some(page) = param("PageNumber", &numbers) {
        entries.push(entry(&[
            ("style", style("page_number")),
            ("items", Some(items.path.clone())),
            ("page_number", Some(page)),
            ("page_size", param("PageSize", &numbers)),
            (
                "total_count",
                field("TotalCount", &[Kind::Integer, Kind::Long]),
            ),
        ]));
    }
    match entries.len() {
        0 => None,
        1 => entries.pop(),
        _ => Some(Value::Sequence(entries)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(name: &str) -> Member {
        Member::new(name, Kind::List(Box::new(Member::new("", Kind::String))))
    }

    fn yaml(text: &str) -> Value {
        serde_yaml::from_str(text).expect("test YAML")
    }

    #[test]
    fn marker_style_with_is_truncated() {
        let params = [
            Member::new("Marker", Kind::String),
            Member::new("MaxItems", Kind::Integer),
        ];
        let fields = [
            Member::new("IsTruncated", Kind::Boolean),
            Member::new("Marker", Kind::String),
            list("Users"),
        ];
        assert_eq!(
            infer(&params, &fields),
            Some(yaml(
                "{style: marker, items: Users, input_token: Marker, output_token: Marker, \
                 truncated: IsTruncated, page_size: MaxItems}"
            ))
        );
        // Without `IsTruncated` a marker says nothing about the end: no paging.
        assert_eq!(infer(&params, &fields[1..]), None);
    }

    #[test]
    fn nested_items_take_the_tokens_beside_them() {
        let params = [Member::new("NextToken", Kind::String)];
        let fields = [
            Member::new("RequestId", Kind::String),
            Member::new(
                "Invocation",
                Kind::Struct(vec![
                    Member::new("NextToken", Kind::String),
                    list("InvocationResults"),
                ]),
            ),
        ];
        assert_eq!(
            infer(&params, &fields),
            Some(yaml(
                "{style: next_token, items: Invocation.InvocationResults, \
                 input_token: NextToken, output_token: Invocation.NextToken}"
            ))
        );
    }

    #[test]
    fn page_numbers_with_a_total_at_the_top_and_nested_items() {
        let params = [
            Member::new("PageNumber", Kind::Integer),
            Member::new("PageSize", Kind::Integer),
        ];
        let fields = [
            Member::new("TotalCount", Kind::Integer),
            Member::new("Page", Kind::Struct(vec![list("Items")])),
        ];
        assert_eq!(
            infer(&params, &fields),
            Some(yaml(
                "{style: page_number, items: Page.Items, page_number: PageNumber, \
                 page_size: PageSize, total_count: TotalCount}"
            ))
        );
        // Two lists: which one is paged is not known.
        let two = [list("A"), list("B")];
        assert_eq!(infer(&params, &two), None);
    }
}
