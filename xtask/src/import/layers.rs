//! Several metadata files of one product and API version, layered oldest first into one set
//! of facts, with a record of which file each came from.
//!
//! Alibaba Cloud publishes full files (requests, responses, error codes, examples) and, more
//! recently, reduced ones that describe requests only. A reduced file is newer but says less,
//! so neither can simply replace the other. The rule, per kind of fact:
//! * **request facts** (methods, deprecation, each parameter's schema and style) come from the
//!   newest file that lists the action; within a parameter's schema, a key the newer file
//!   publishes nowhere (reduced files carry no `example`, `default` or `docRequired` at all)
//!   keeps the older file's value, while a key it publishes elsewhere but not here is taken as
//!   removed;
//! * **response facts** (schema, error codes, example body) come from the newest file that
//!   describes responses at all and lists the action; an action only files without responses
//!   list is *untyped*: its output is the body as JSON until a full file describes it;
//! * the operation type, action deprecation and the `directories` tree come from the newest
//!   file that has them;
//! * an action or parameter a later file adds records that file as its `source`; one a later
//!   file no longer lists stays, deprecated, with that file as `dropped_by`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::ImportError;
use super::read::{ApiDocs, RawAction, RawParam};

/// Where the facts of a layered import came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provenance {
    /// The files, oldest first (their names as given).
    pub sources: Vec<String>,
    /// Action -> the later file that added it.
    pub added_actions: BTreeMap<String, String>,
    /// Action -> the later file that no longer lists it.
    pub dropped_actions: BTreeMap<String, String>,
    /// (action, parameter) -> the later file that added the parameter.
    pub added_params: BTreeMap<(String, String), String>,
    /// (action, parameter) -> the later file that no longer lists the parameter.
    pub dropped_params: BTreeMap<(String, String), String>,
    /// Actions no file with responses describes.
    pub untyped: BTreeSet<String>,
}

/// Layers `files` (name and facts, oldest first) into one [`ApiDocs`]. Every file must name
/// the same product and API version.
pub fn layer(files: Vec<(String, ApiDocs)>) -> Result<(ApiDocs, Provenance), ImportError> {
    let mut files = files.into_iter();
    let Some((first_name, mut merged)) = files.next() else {
        return Err(ImportError::Usage("no metadata file to import".into()));
    };
    let mut provenance = Provenance {
        sources: vec![first_name],
        ..Provenance::default()
    };
    let mut described: BTreeSet<String> = BTreeSet::new();
    if describes_responses(&merged) {
        described.extend(merged.actions.iter().map(|a| a.name.clone()));
    }
    for (name, newer) in files {
        if (&newer.product, &newer.version) != (&merged.product, &merged.version) {
            return Err(ImportError::Usage(format!(
                "{name} describes {} {}, the files before it {} {}: layered files must be of \
                 one product and API version",
                newer.product, newer.version, merged.product, merged.version
            )));
        }
        let layer = Layer::of(&newer);
        if layer.responses {
            described.extend(newer.actions.iter().map(|a| a.name.clone()));
        }
        let listed: BTreeSet<&str> = newer.actions.iter().map(|a| a.name.as_str()).collect();
        for action in &merged.actions {
            if !listed.contains(action.name.as_str()) {
                provenance
                    .dropped_actions
                    .entry(action.name.clone())
                    .or_insert_with(|| name.clone());
            }
        }
        for action in newer.actions {
            provenance.dropped_actions.remove(&action.name);
            match merged.actions.iter_mut().find(|a| a.name == action.name) {
                Some(old) => merge_action(old, action, &layer, &name, &mut provenance),
                None => {
                    provenance
                        .added_actions
                        .insert(action.name.clone(), name.clone());
                    merged.actions.push(action);
                }
            }
        }
        merged.actions.sort_by(|a, b| a.name.cmp(&b.name));
        if !newer.directories.is_empty() {
            merged.directories = newer.directories;
        }
        if !newer.endpoints.is_empty() {
            merged.endpoints = newer.endpoints;
        }
        provenance.sources.push(name);
    }
    provenance.untyped = merged
        .actions
        .iter()
        .filter(|a| !described.contains(&a.name))
        .map(|a| a.name.clone())
        .collect();
    Ok((merged, provenance))
}

/// What kinds of fact one file publishes.
struct Layer {
    /// It describes responses (some action has a response schema, error codes or an example).
    responses: bool,
    /// Some action has an operation type.
    operation_types: bool,
    /// Some action says whether it is deprecated.
    deprecation: bool,
    /// Every key any parameter schema uses, at any depth (property names aside).
    schema_keys: BTreeSet<String>,
}

impl Layer {
    fn of(docs: &ApiDocs) -> Layer {
        let mut schema_keys = BTreeSet::new();
        for param in docs.actions.iter().flat_map(|a| &a.params) {
            collect_keys(&param.schema, &mut schema_keys);
        }
        Layer {
            responses: describes_responses(docs),
            operation_types: docs.actions.iter().any(|a| a.operation_type.is_some()),
            deprecation: docs.publishes_deprecation,
            schema_keys,
        }
    }
}

fn describes_responses(docs: &ApiDocs) -> bool {
    docs.actions
        .iter()
        .any(|a| a.response.is_some() || !a.errors.is_empty() || a.example.is_some())
}

fn collect_keys(schema: &Value, keys: &mut BTreeSet<String>) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map {
                keys.insert(key.clone());
                match (key.as_str(), value) {
                    ("properties", Value::Object(properties)) => {
                        properties.values().for_each(|p| collect_keys(p, keys));
                    }
                    _ => collect_keys(value, keys),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_keys(v, keys)),
        _ => {}
    }
}

fn merge_action(
    old: &mut RawAction,
    newer: RawAction,
    layer: &Layer,
    source: &str,
    provenance: &mut Provenance,
) {
    if !newer.methods.is_empty() {
        old.methods = newer.methods;
    }
    if layer.deprecation {
        old.deprecated = newer.deprecated;
    }
    if layer.operation_types {
        old.operation_type = newer.operation_type;
    }
    if layer.responses {
        old.response = newer.response;
        old.errors = newer.errors;
        old.example = newer.example;
    }
    let mut params: Vec<RawParam> = Vec::with_capacity(newer.params.len());
    for param in newer.params {
        let key = (old.name.clone(), param.name.clone());
        match old.params.iter().find(|p| p.name == param.name) {
            Some(before) => {
                provenance.dropped_params.remove(&key);
                params.push(RawParam {
                    schema: merge_schema(&before.schema, &param.schema, &layer.schema_keys),
                    ..param
                });
            }
            None => {
                provenance
                    .added_params
                    .entry(key)
                    .or_insert_with(|| source.to_owned());
                params.push(param);
            }
        }
    }
    // A parameter the newer file no longer lists stays (deprecated), after the listed ones.
    for before in &old.params {
        if !params.iter().any(|p| p.name == before.name) {
            provenance
                .dropped_params
                .entry((old.name.clone(), before.name.clone()))
                .or_insert_with(|| source.to_owned());
            params.push(before.clone());
        }
    }
    old.params = params;
}

/// The newer schema, with what the older one says under keys the newer file never publishes.
/// Structure members are the newer schema's; each keeps its older facts the same way.
pub fn merge_schema(old: &Value, newer: &Value, published: &BTreeSet<String>) -> Value {
    let (Value::Object(old), Value::Object(newer_map)) = (old, newer) else {
        return newer.clone();
    };
    let mut out: Map<String, Value> = newer_map.clone();
    for (key, value) in newer_map {
        let Some(before) = old.get(key) else { continue };
        let merged = match (key.as_str(), before, value) {
            ("properties", Value::Object(before), Value::Object(now)) => Value::Object(
                now.iter()
                    .map(|(name, member)| {
                        let member = match before.get(name) {
                            Some(old_member) => merge_schema(old_member, member, published),
                            None => member.clone(),
                        };
                        (name.clone(), member)
                    })
                    .collect(),
            ),
            ("items" | "additionalProperties", _, _) => merge_schema(before, value, published),
            _ => value.clone(),
        };
        out.insert(key.clone(), merged);
    }
    for (key, value) in old {
        if !newer_map.contains_key(key) && !published.contains(key) {
            out.insert(key.clone(), value.clone());
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unpublished_keys_carry_over_and_published_ones_are_the_newer_files() {
        let published: BTreeSet<String> = ["type", "maxItems", "items", "required", "minimum"]
            .map(String::from)
            .into();
        let old = json!({"type": "array", "maxItems": 3, "minimum": 1, "example": "[1]",
                         "items": {"type": "string", "example": "a"}});
        let newer = json!({"type": "array", "maxItems": 5, "items": {"type": "string"}});
        assert_eq!(
            merge_schema(&old, &newer, &published),
            json!({"type": "array", "maxItems": 5, "example": "[1]",
                   "items": {"type": "string", "example": "a"}})
        );
    }

    #[test]
    fn structure_members_are_the_newer_ones_each_keeping_its_older_facts() {
        let published: BTreeSet<String> = ["type", "properties"].map(String::from).into();
        let old = json!({"type": "object", "properties": {
            "Key": {"type": "string", "example": "k"},
            "Gone": {"type": "string"}}});
        let newer = json!({"type": "object", "properties": {
            "Key": {"type": "string"}, "New": {"type": "integer"}}});
        assert_eq!(
            merge_schema(&old, &newer, &published),
            json!({"type": "object", "properties": {
                "Key": {"type": "string", "example": "k"}, "New": {"type": "integer"}}})
        );
    }
}
