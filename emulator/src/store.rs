//! The resource store every modelled family shares. It does what each family needs the same
//! way: ids in the service's formats (unique, never masked), region scoping, tags, filters,
//! paging in both styles and the NotFound refusal. A family module only says what is special
//! about its resources (which parameters become which attributes, which states allow what).
//!
//! A resource is kept as the item its describe action returns, in logical form (natural JSON
//! types, bare lists; `render::shape` wraps lists and converts wire types per the spec), plus
//! its tags. Describes filter rows first and build JSON only for the page they return, so a
//! world of 10,000 instances pages as fast as a small one.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};

use serde_json::{Map, Value, json};

use crate::behaviour::{Context, Outcome, paging};
use crate::error::ApiError;
use crate::params::Input;

/// A resource's tags, by key.
pub(crate) type Tags = BTreeMap<String, String>;

/// One resource of any family: its id, region, creation order, describe attributes and tags.
/// Made by [`Resource::new`]; its region does not change after.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Resource {
    pub(crate) id: String,
    /// The region; empty for resources every region sees (public images).
    pub(crate) region: String,
    /// `region` as a number ([`RegionId`]): describes compare it for every row, and comparing
    /// the text would read a separate allocation per row (a fifth of a page of 100 from 10,000
    /// instances went there).
    region_id: RegionId,
    /// Creation order in the world (describes list older resources first).
    pub(crate) seq: u64,
    /// The describe item, by wire name, in logical form.
    pub(crate) attrs: Map<String, Value>,
    pub(crate) tags: Tags,
}

impl Resource {
    /// A resource with no tags.
    pub(crate) fn new(id: String, region: String, seq: u64, attrs: Map<String, Value>) -> Self {
        Resource {
            region_id: RegionId::of(&region),
            id,
            region,
            seq,
            attrs,
            tags: Tags::new(),
        }
    }

    /// A string attribute.
    pub(crate) fn str(&self, key: &str) -> Option<&str> {
        self.attrs.get(key).and_then(Value::as_str)
    }

    /// An attribute by dotted path (`VpcAttributes.VpcId`).
    pub(crate) fn attr(&self, path: &str) -> Option<&Value> {
        let mut parts = path.split('.');
        let first = self.attrs.get(parts.next()?)?;
        parts.try_fold(first, |value, key| value.get(key))
    }

    /// Sets an attribute.
    pub(crate) fn set(&mut self, key: &str, value: impl Into<Value>) {
        self.attrs.insert(key.to_owned(), value.into());
    }

    /// Whether the resource is visible from `region`.
    pub(crate) fn in_region(&self, region: &str) -> bool {
        self.region.is_empty() || self.region == region
    }

    /// [`in_region`](Self::in_region) for a region already numbered.
    fn in_region_id(&self, region: RegionId) -> bool {
        self.region_id == region || self.region_id == RegionId::EVERY
    }

    /// The describe item: the attributes plus `Tags` as ECS lists them (`TagKey`/`TagValue`).
    pub(crate) fn item(&self) -> Value {
        let mut item = self.attrs.clone();
        item.insert("Tags".into(), tag_list(&self.tags, "TagKey", "TagValue"));
        Value::Object(item)
    }
}

/// A region name as a number, the same for the same name everywhere in the process (names are
/// numbered as they are first seen; there are a few dozen).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RegionId(u32);

impl RegionId {
    /// The empty region: resources every region sees.
    const EVERY: RegionId = RegionId(0);

    fn of(region: &str) -> RegionId {
        static NAMES: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
        if region.is_empty() {
            return RegionId::EVERY;
        }
        let mut names = NAMES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let at = match names.iter().position(|name| name == region) {
            Some(at) => at,
            None => {
                names.push(region.to_owned());
                names.len() - 1
            }
        };
        RegionId(u32::try_from(at + 1).unwrap_or(u32::MAX))
    }
}

/// Tags as a list of `{key_name: k, value_name: v}` objects.
pub(crate) fn tag_list(tags: &Tags, key_name: &str, value_name: &str) -> Value {
    Value::Array(
        tags.iter()
            .map(|(k, v)| json!({ key_name: k, value_name: v }))
            .collect(),
    )
}

/// A family's name for its kind of resource (`"disk"`, `"security-group"`).
pub(crate) type Kind = &'static str;

/// Every resource of every kind but instances (which carry agent state; see `world`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Store {
    tables: HashMap<Kind, BTreeMap<String, Resource>>,
    /// Every id ever handed out, so none is handed out twice (even after a delete).
    issued: std::collections::HashSet<String>,
    seq: u64,
    rng: Rng,
}

/// The deterministic random source behind ids: the same requests in the same order give the
/// same ids in every run.
#[derive(Debug, Clone)]
struct Rng(fastrand::Rng);

impl Default for Rng {
    fn default() -> Self {
        Rng(fastrand::Rng::with_seed(0x0a11_7075_2014_0526))
    }
}

/// Characters of the random part of ECS ids.
const ID_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// The three-character region code ECS puts after an id's prefix (`i-bp1…` in `cn-hangzhou`).
pub(crate) fn region_code(region: &str) -> String {
    match region {
        "cn-hangzhou" => "bp1".into(),
        "cn-shanghai" => "uf6".into(),
        "cn-beijing" => "2ze".into(),
        "cn-shenzhen" => "wz9".into(),
        "cn-qingdao" => "m5e".into(),
        "cn-zhangjiakou" => "8vb".into(),
        "ap-southeast-1" => "t4n".into(),
        "us-west-1" => "rj9".into(),
        "eu-central-1" => "gw8".into(),
        other => {
            let h = stable_hash(other);
            (0..3)
                .map(|i| ID_CHARS[((h >> (i * 8)) % ID_CHARS.len() as u64) as usize] as char)
                .collect()
        }
    }
}

/// A hash that is the same in every run and on every machine (FNV-1a).
pub(crate) fn stable_hash(text: &str) -> u64 {
    struct Fnv(u64);
    impl Hasher for Fnv {
        fn finish(&self) -> u64 {
            self.0
        }
        fn write(&mut self, bytes: &[u8]) {
            for b in bytes {
                self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    text.hash(&mut h);
    h.finish()
}

/// An id derived from `seed` alone (the same in every run): for the resources a world starts
/// with (default VPCs, vSwitches, security groups).
pub(crate) fn fixed_id(prefix: &str, region: &str, seed: &str) -> String {
    let mut h = stable_hash(&format!("{prefix}{region}{seed}"));
    let mut id = format!("{prefix}{}", region_code(region));
    for _ in 0..17 {
        id.push(ID_CHARS[(h % ID_CHARS.len() as u64) as usize] as char);
        h = h.rotate_right(5).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5bd1;
    }
    id
}

impl Store {
    /// The next creation sequence number.
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// A new id `prefix` + region code + 17 random characters (`d-bp1…`), never handed out
    /// before in this world.
    pub(crate) fn new_id(&mut self, prefix: &str, region: &str) -> String {
        let code = region_code(region);
        loop {
            let mut id = format!("{prefix}{code}");
            for _ in 0..17 {
                id.push(ID_CHARS[self.rng.0.usize(..ID_CHARS.len())] as char);
            }
            if self.issued.insert(id.clone()) {
                return id;
            }
        }
    }

    /// Marks an id chosen elsewhere (seeded, fixed) as taken.
    pub(crate) fn reserve_id(&mut self, id: &str) {
        self.issued.insert(id.to_owned());
    }

    /// A random number in `range`, from the world's deterministic source.
    pub(crate) fn random(&mut self, range: std::ops::Range<u64>) -> u64 {
        self.rng.0.u64(range)
    }

    /// Adds a resource of `kind` (replacing one with the same id) and returns it.
    pub(crate) fn insert(
        &mut self,
        kind: Kind,
        id: &str,
        region: &str,
        attrs: Map<String, Value>,
    ) -> &mut Resource {
        self.reserve_id(id);
        let seq = self.next_seq();
        let table = self.tables.entry(kind).or_default();
        table.insert(
            id.to_owned(),
            Resource::new(id.to_owned(), region.to_owned(), seq, attrs),
        );
        table.get_mut(id).expect("just inserted")
    }

    pub(crate) fn get(&self, kind: Kind, id: &str) -> Option<&Resource> {
        self.tables.get(kind)?.get(id)
    }

    pub(crate) fn get_mut(&mut self, kind: Kind, id: &str) -> Option<&mut Resource> {
        self.tables.get_mut(kind)?.get_mut(id)
    }

    /// The resource `id` of `kind` visible in `region`, or `not_found`.
    pub(crate) fn find(
        &self,
        kind: Kind,
        region: &str,
        id: &str,
        not_found: impl FnOnce() -> ApiError,
    ) -> Result<&Resource, ApiError> {
        self.get(kind, id)
            .filter(|r| r.in_region(region))
            .ok_or_else(not_found)
    }

    /// [`find`](Self::find), to change it.
    pub(crate) fn find_mut(
        &mut self,
        kind: Kind,
        region: &str,
        id: &str,
        not_found: impl FnOnce() -> ApiError,
    ) -> Result<&mut Resource, ApiError> {
        self.get_mut(kind, id)
            .filter(|r| r.in_region(region))
            .ok_or_else(not_found)
    }

    pub(crate) fn remove(&mut self, kind: Kind, id: &str) -> Option<Resource> {
        self.tables.get_mut(kind)?.remove(id)
    }

    /// Every resource of `kind`, in id order.
    pub(crate) fn iter(&self, kind: Kind) -> impl Iterator<Item = &Resource> {
        self.tables.get(kind).into_iter().flat_map(|t| t.values())
    }

    /// Every resource of `kind`, to change them.
    pub(crate) fn iter_mut(&mut self, kind: Kind) -> impl Iterator<Item = &mut Resource> {
        self.tables
            .get_mut(kind)
            .into_iter()
            .flat_map(|t| t.values_mut())
    }
}

/// What a describe asks for, applied to rows before anything is rendered.
#[derive(Debug, Default)]
pub(crate) struct Query {
    region: Option<RegionId>,
    ids: Option<Vec<String>>,
    eq: Vec<(String, String)>,
    tags: Vec<(String, Option<String>)>,
}

impl Query {
    /// Rows of `RegionId` (when it arrived or has a default).
    pub(crate) fn new(input: &Input) -> Self {
        Query {
            region: input.str("RegionId").map(RegionId::of),
            ..Query::default()
        }
    }

    /// Only these ids (no filter when `ids` is empty).
    pub(crate) fn ids(mut self, ids: Vec<String>) -> Self {
        if !ids.is_empty() {
            self.ids = Some(ids);
        }
        self
    }

    /// Only rows whose attribute at `path` equals `value` (or, for a list attribute,
    /// contains it); no filter when `value` is `None` or empty.
    pub(crate) fn eq(mut self, path: &str, value: Option<&str>) -> Self {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            self.eq.push((path.to_owned(), value.to_owned()));
        }
        self
    }

    /// [`eq`](Self::eq) with the parameter `param` of `input` as the value.
    pub(crate) fn param(self, input: &Input, param: &str, path: &str) -> Self {
        let value = input.get(param).and_then(scalar_text);
        self.eq(path, value.as_deref())
    }

    /// The `Tag.N.Key` / `Tag.N.Value` filter of `param` (every tag must match; a tag
    /// without a value matches any value).
    pub(crate) fn tags(mut self, input: &Input, param: &str) -> Self {
        self.tags.extend(tag_pairs(input, param));
        self
    }

    /// Whether `row` passes every filter.
    pub(crate) fn matches(&self, row: &Resource) -> bool {
        if let Some(region) = self.region {
            if !row.in_region_id(region) {
                return false;
            }
        }
        if let Some(ids) = &self.ids {
            if !ids.contains(&row.id) {
                return false;
            }
        }
        let attrs_match = self.eq.iter().all(|(path, wanted)| match row.attr(path) {
            Some(Value::Array(items)) => items
                .iter()
                .any(|v| scalar_text(v).as_deref() == Some(wanted)),
            Some(value) => scalar_text(value).as_deref() == Some(wanted),
            None => false,
        });
        attrs_match
            && self
                .tags
                .iter()
                .all(|(key, value)| match (row.tags.get(key), value) {
                    (Some(_), None) => true,
                    (Some(have), Some(want)) => have == want,
                    (None, _) => false,
                })
    }

    /// The matching rows of `rows`, oldest first.
    pub(crate) fn select<'a>(&self, rows: impl Iterator<Item = &'a Resource>) -> Vec<&'a Resource> {
        let mut found: Vec<&Resource> = rows.filter(|r| self.matches(r)).collect();
        found.sort_by_key(|r| r.seq);
        found
    }
}

/// `*` matches any run of characters (the services' fuzzy name filters); without a `*` the
/// pattern must equal the text.
pub(crate) fn wildcard(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern == text;
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// A scalar as the text a filter compares (`true`, `42`, `abc`).
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The `(key, value)` pairs of a `Tag` list parameter (`Tag.N.Key`, `Tag.N.Value`).
pub(crate) fn tag_pairs(input: &Input, param: &str) -> Vec<(String, Option<String>)> {
    let Some(Value::Array(items)) = input.get(param) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let key = item.get("Key").and_then(Value::as_str)?;
            let value = item.get("Value").and_then(Value::as_str).map(str::to_owned);
            Some((key.to_owned(), value))
        })
        .collect()
}

/// Applies the `Tag.N` list of a create action to `tags` (a missing value is an empty one).
pub(crate) fn apply_tags(tags: &mut Tags, input: &Input, param: &str) {
    for (key, value) in tag_pairs(input, param) {
        tags.insert(key, value.unwrap_or_default());
    }
}

/// One page of `rows` under `list_key` (items built by `item`), with `TotalCount` and the
/// paging fields of the style the request used (see [`paging::window`]).
pub(crate) fn page<'a, T: 'a>(
    input: &Input,
    rows: Vec<T>,
    list_key: &str,
    item: impl Fn(T) -> Value,
) -> Outcome {
    let mut out = Map::new();
    let (offset, size) = paging::window(input, rows.len(), &mut out)?;
    let items: Vec<Value> = rows.into_iter().skip(offset).take(size).map(item).collect();
    out.insert(list_key.to_owned(), Value::Array(items));
    Ok(out)
}

/// The NotFound refusal for `code` (the spec's status and message when it documents the code).
pub(crate) fn not_found(ctx: &Context<'_>, code: &str, what: &str) -> ApiError {
    ctx.spec_error(code, 404, &format!("The specified {what} does not exist."))
}

/// One page of `rows` under `list_key` in the `NextToken`/`MaxResults` style only (for the
/// actions that have no page numbers): `MaxResults` (or `default_size`) entries from the
/// offset `NextToken` names, and a `NextToken` while entries remain.
pub(crate) fn token_page<T>(
    input: &Input,
    rows: Vec<T>,
    list_key: &str,
    default_size: usize,
    item: impl Fn(T) -> Value,
) -> Outcome {
    let offset = match input.str("NextToken").filter(|t| !t.is_empty()) {
        Some(token) => token
            .strip_prefix("emu-next-")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| {
                ApiError::invalid_parameter("NextToken", "is not a token this service issued")
            })?,
        None => 0,
    };
    let size = input
        .int("MaxResults")
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(default_size)
        .max(1);
    let total = rows.len();
    let mut out = Map::new();
    if offset.saturating_add(size) < total {
        out.insert(
            "NextToken".into(),
            json!(format!("emu-next-{}", offset + size)),
        );
    }
    let items: Vec<Value> = rows.into_iter().skip(offset).take(size).map(item).collect();
    out.insert(list_key.to_owned(), Value::Array(items));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_in_the_service_format() {
        let mut store = Store::default();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2000 {
            let id = store.new_id("d-", "cn-hangzhou");
            assert!(id.starts_with("d-bp1"), "{id}");
            assert_eq!(id.len(), 2 + 3 + 17);
            assert!(!id.contains('*'));
            assert!(seen.insert(id));
        }
        assert_eq!(
            fixed_id("vpc-", "cn-beijing", "default"),
            fixed_id("vpc-", "cn-beijing", "default")
        );
        assert_ne!(
            fixed_id("vpc-", "cn-beijing", "default"),
            fixed_id("vpc-", "cn-shanghai", "default")
        );
        assert_eq!(region_code("xx-new-1").len(), 3);
    }

    #[test]
    fn regions_are_numbered_once_and_the_empty_region_is_seen_from_every_region() {
        assert_eq!(RegionId::of("cn-hangzhou"), RegionId::of("cn-hangzhou"));
        assert_ne!(RegionId::of("cn-hangzhou"), RegionId::of("cn-beijing"));
        assert_eq!(RegionId::of(""), RegionId::EVERY);
        let mut store = Store::default();
        store.insert("thing", "public", "", Map::new());
        store.insert("thing", "mine", "cn-hangzhou", Map::new());
        store.insert("thing", "theirs", "cn-beijing", Map::new());
        let q = Query {
            region: Some(RegionId::of("cn-hangzhou")),
            ..Query::default()
        };
        let seen: Vec<&str> = q
            .select(store.iter("thing"))
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(seen, ["public", "mine"]);
        assert!(
            store
                .get("thing", "public")
                .unwrap()
                .in_region("cn-beijing")
        );
    }

    #[test]
    fn queries_filter_by_region_ids_attributes_and_tags() {
        let mut store = Store::default();
        for (id, region, zone) in [("a", "r1", "z1"), ("b", "r1", "z2"), ("c", "r2", "z1")] {
            let mut attrs = Map::new();
            attrs.insert("ZoneId".into(), json!(zone));
            attrs.insert("Nested".into(), json!({"Ids": ["x", id]}));
            let row = store.insert("thing", id, region, attrs);
            row.tags.insert("env".into(), format!("{id}-env"));
        }
        let q = Query {
            region: Some(RegionId::of("r1")),
            ..Query::default()
        };
        let all: Vec<&str> = q
            .select(store.iter("thing"))
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(all, ["a", "b"]);
        let q = Query {
            region: Some(RegionId::of("r1")),
            ..Query::default()
        }
        .eq("ZoneId", Some("z2"));
        assert_eq!(q.select(store.iter("thing")).len(), 1);
        let q = Query::default().eq("Nested.Ids", Some("c"));
        assert_eq!(q.select(store.iter("thing"))[0].id, "c");
        let mut q = Query::default().ids(vec!["a".into(), "c".into()]);
        assert_eq!(q.select(store.iter("thing")).len(), 2);
        q.tags.push(("env".into(), Some("c-env".into())));
        assert_eq!(q.select(store.iter("thing"))[0].id, "c");
        q.tags.push(("missing".into(), None));
        assert!(q.select(store.iter("thing")).is_empty());
        assert!(
            store
                .find("thing", "r2", "a", || ApiError::new(404, "X", "x"))
                .is_err()
        );
        assert!(
            store
                .find("thing", "r1", "a", || ApiError::new(404, "X", "x"))
                .is_ok()
        );
    }

    #[test]
    fn wildcards_match_runs_of_characters() {
        assert!(wildcard("web*", "web-1"));
        assert!(wildcard("*-1", "web-1"));
        assert!(wildcard("w*b*1", "web-1"));
        assert!(!wildcard("web*", "db-1"));
        assert!(wildcard("exact", "exact") && !wildcard("exact", "exactly"));
        assert!(!wildcard("a*a", "a") && wildcard("a*a", "aa") && wildcard("*", ""));
    }
}
