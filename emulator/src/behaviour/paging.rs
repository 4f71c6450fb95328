//! Paging of list answers, in both ECS styles: `NextToken`/`MaxResults` when either arrived,
//! `PageNumber`/`PageSize` (echoed back) otherwise. `TotalCount` always; a `NextToken`
//! whenever entries remain, in both styles, so a client that starts without paging parameters
//! and follows `NextToken` (as the SDK's paginators do) sees every entry. A request in RAM's
//! marker style (`Marker`/`MaxItems` arrived; only actions whose spec has them can send them)
//! gets `IsTruncated` and, while entries remain, the `Marker` of the next page instead.

use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::params::Input;

/// Entries per page when the request names no size.
const DEFAULT_PAGE_SIZE: i64 = 10;

/// Token of the next page: the offset, in a form clients must treat as opaque.
fn next_token(offset: usize) -> String {
    format!("emu-next-{offset}")
}

fn parse_token(token: &str) -> Option<usize> {
    token.strip_prefix("emu-next-")?.parse().ok()
}

/// An integer paging parameter; a few actions type theirs as text (`PageSize: "10"`).
fn number(input: &Input, name: &str) -> Result<Option<i64>, ApiError> {
    if let Some(n) = input.int(name) {
        return Ok(Some(n));
    }
    match input.str(name).map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|_| ApiError::invalid_parameter(name, "expected a whole number")),
    }
}

/// The `(offset, size)` of the page `input` asks for among `total` entries; writes
/// `TotalCount`, the page-number fields and `NextToken` into `out`.
pub(crate) fn window(
    input: &Input,
    total: usize,
    out: &mut Map<String, Value>,
) -> Result<(usize, usize), ApiError> {
    if input.arrived("Marker") || input.arrived("MaxItems") {
        return marker_window(input, total, out);
    }
    out.insert("TotalCount".into(), json!(total));
    let token_style = input.arrived("NextToken") || input.arrived("MaxResults");
    let (offset, size) = if token_style {
        let offset = match input.str("NextToken").filter(|t| !t.is_empty()) {
            Some(token) => parse_token(token).ok_or_else(|| {
                ApiError::invalid_parameter("NextToken", "is not a token this service issued")
            })?,
            None => 0,
        };
        let size = number(input, "MaxResults")?
            .unwrap_or(DEFAULT_PAGE_SIZE)
            .max(1);
        (offset, usize::try_from(size).unwrap_or(10))
    } else {
        let page = number(input, "PageNumber")?.unwrap_or(1).max(1);
        let size = number(input, "PageSize")?
            .unwrap_or(DEFAULT_PAGE_SIZE)
            .max(1);
        out.insert("PageNumber".into(), json!(page));
        out.insert("PageSize".into(), json!(size));
        let offset = usize::try_from((page - 1).saturating_mul(size)).unwrap_or(usize::MAX);
        (offset, usize::try_from(size).unwrap_or(10))
    };
    if offset.saturating_add(size) < total {
        out.insert("NextToken".into(), json!(next_token(offset + size)));
    }
    Ok((offset, size))
}

/// The marker style of [`window`]: `MaxItems` entries from the offset `Marker` names;
/// `IsTruncated` says whether more remain, and then `Marker` where they start.
fn marker_window(
    input: &Input,
    total: usize,
    out: &mut Map<String, Value>,
) -> Result<(usize, usize), ApiError> {
    let offset = match input.str("Marker").filter(|m| !m.is_empty()) {
        Some(marker) => parse_token(marker).ok_or_else(|| {
            ApiError::invalid_parameter("Marker", "is not a marker this service issued")
        })?,
        None => 0,
    };
    let size = number(input, "MaxItems")?
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .max(1);
    let size = usize::try_from(size).unwrap_or(10);
    let more = offset.saturating_add(size) < total;
    out.insert("IsTruncated".into(), json!(more));
    if more {
        out.insert("Marker".into(), json!(next_token(offset + size)));
    }
    Ok((offset, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(params: Value) -> Input {
        let Value::Object(params) = params else {
            unreachable!("test parameters are an object")
        };
        Input::default().with_defaults(params)
    }

    #[test]
    fn marker_style_follows_markers_until_not_truncated() {
        let mut out = Map::new();
        let first = window(&input(json!({"MaxItems": 2})), 5, &mut out).unwrap();
        assert_eq!(first, (0, 2));
        assert_eq!(out["IsTruncated"], json!(true));
        let marker = out["Marker"].clone();
        assert!(!out.contains_key("NextToken") && !out.contains_key("TotalCount"));

        let mut out = Map::new();
        let second = window(
            &input(json!({"MaxItems": 2, "Marker": marker})),
            5,
            &mut out,
        );
        assert_eq!(second.unwrap(), (2, 2));
        let marker = out["Marker"].clone();

        let mut out = Map::new();
        let last = window(
            &input(json!({"MaxItems": 2, "Marker": marker})),
            5,
            &mut out,
        );
        assert_eq!(last.unwrap(), (4, 2));
        assert_eq!(out["IsTruncated"], json!(false));
        assert!(!out.contains_key("Marker"));

        let mut out = Map::new();
        assert!(window(&input(json!({"Marker": "forged"})), 5, &mut out).is_err());
    }

    #[test]
    fn page_numbers_typed_as_text_page_too() {
        let mut out = Map::new();
        let page = window(
            &input(json!({"PageNumber": "2", "PageSize": "3"})),
            10,
            &mut out,
        );
        assert_eq!(page.unwrap(), (3, 3));
        assert_eq!(
            (out["PageNumber"].clone(), out["PageSize"].clone()),
            (json!(2), json!(3))
        );

        let mut out = Map::new();
        let refused = window(&input(json!({"PageSize": "ten"})), 10, &mut out).unwrap_err();
        assert!(refused.to_string().contains("PageSize"), "{refused}");
    }
}
