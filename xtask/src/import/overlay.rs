//! Merging a hand-written overlay (`specs/overlays/<file>.yaml`) into an imported spec.
//!
//! The rule (documented for spec authors in specs/README.md):
//! * `product` keys in the overlay replace the imported ones key by key;
//! * a `types` entry replaces the imported entry of that name whole;
//! * an action: every key it gives replaces the imported key, except `params`,
//!   `response.fields` and `errors`, which merge by name (code): a member named in the overlay
//!   replaces the imported one whole at its position (new ones are appended), and imported
//!   members it does not name stay; `remove: [Name, ...]` drops imported params by name;
//! * `waiters` entries are copied as written (the metadata has none).
//!
//! After merging, imported types no longer referenced anywhere are dropped (an overlay member
//! that replaces an imported structure would otherwise leave it orphaned).

use std::collections::BTreeSet;

use serde_yaml::{Mapping, Value};

fn key(name: &str) -> Value {
    Value::from(name)
}

/// Merges `overlay` into `spec` (both whole spec documents).
pub fn merge(spec: &mut Value, overlay: &Value) {
    let Some(overlay) = overlay.as_mapping() else {
        return;
    };
    let Some(root) = spec.as_mapping_mut() else {
        return;
    };
    if let Some(product) = overlay.get("product").and_then(Value::as_mapping) {
        let target = entry_mapping(root, "product");
        for (k, v) in product {
            target.insert(k.clone(), v.clone());
        }
    }
    if let Some(types) = overlay.get("types").and_then(Value::as_mapping) {
        let target = entry_mapping(root, "types");
        for (k, v) in types {
            target.insert(k.clone(), v.clone());
        }
        sort_mapping(target);
    }
    if let Some(actions) = overlay.get("actions").and_then(Value::as_mapping) {
        let target = entry_mapping(root, "actions");
        for (name, action) in actions {
            let Some(action) = action.as_mapping() else {
                continue;
            };
            let merged = match target.get(name).and_then(Value::as_mapping) {
                Some(imported) => merge_action(imported.clone(), action),
                None => {
                    let mut fresh = action.clone();
                    fresh.remove("remove");
                    fresh
                }
            };
            target.insert(name.clone(), Value::Mapping(merged));
        }
        sort_mapping(target);
    }
    if let Some(waiters) = overlay.get("waiters").and_then(Value::as_mapping) {
        // Waiters exist only in overlays: the metadata has none.
        let target = entry_mapping(root, "waiters");
        for (k, v) in waiters {
            target.insert(k.clone(), v.clone());
        }
        sort_mapping(target);
    }
    let overlay_types: BTreeSet<String> = overlay
        .get("types")
        .and_then(Value::as_mapping)
        .map(|t| {
            t.keys()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    prune_types(root, &overlay_types);
}

fn entry_mapping<'a>(root: &'a mut Mapping, name: &str) -> &'a mut Mapping {
    let slot = root
        .entry(key(name))
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    if !slot.is_mapping() {
        *slot = Value::Mapping(Mapping::new());
    }
    match slot {
        Value::Mapping(m) => m,
        _ => unreachable!("just made a mapping"),
    }
}

fn sort_mapping(map: &mut Mapping) {
    let mut entries: Vec<(Value, Value)> = std::mem::take(map).into_iter().collect();
    entries.sort_by(|a, b| a.0.as_str().cmp(&b.0.as_str()));
    map.extend(entries);
}

fn merge_action(mut imported: Mapping, overlay: &Mapping) -> Mapping {
    let removed: BTreeSet<&str> = overlay
        .get("remove")
        .and_then(Value::as_sequence)
        .map(|s| s.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !removed.is_empty() {
        if let Some(Value::Sequence(params)) = imported.get_mut("params") {
            params.retain(|p| {
                !p.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| removed.contains(n))
            });
        }
    }
    for (k, v) in overlay {
        match k.as_str() {
            Some("remove") => {}
            Some("params") => merge_list(&mut imported, "params", v, "name"),
            Some("errors") => merge_list(&mut imported, "errors", v, "code"),
            Some("response") => {
                let Some(over) = v.as_mapping() else {
                    continue;
                };
                let mut response = imported
                    .get("response")
                    .and_then(Value::as_mapping)
                    .cloned()
                    .unwrap_or_default();
                for (rk, rv) in over {
                    if rk.as_str() == Some("fields") {
                        merge_list(&mut response, "fields", rv, "name");
                    } else {
                        response.insert(rk.clone(), rv.clone());
                    }
                }
                imported.insert(key("response"), Value::Mapping(response));
            }
            _ => {
                imported.insert(k.clone(), v.clone());
            }
        }
    }
    imported
}

/// Merges the sequence `overlay` into `map[name]` by the `id` key of each entry.
fn merge_list(map: &mut Mapping, name: &str, overlay: &Value, id: &str) {
    let Some(over) = overlay.as_sequence() else {
        return;
    };
    let mut list = map
        .get(name)
        .and_then(Value::as_sequence)
        .cloned()
        .unwrap_or_default();
    for entry in over {
        let wanted = entry.get(id);
        match list
            .iter_mut()
            .find(|e| e.get(id).is_some() && e.get(id) == wanted)
        {
            Some(slot) => *slot = entry.clone(),
            None => list.push(entry.clone()),
        }
    }
    map.insert(key(name), Value::Sequence(list));
}

/// Drops types (other than `keep`) that no action reaches through `ref`.
fn prune_types(root: &mut Mapping, keep: &BTreeSet<String>) {
    let Some(types) = root.get("types").and_then(Value::as_mapping).cloned() else {
        return;
    };
    let mut reached: BTreeSet<String> = keep.clone();
    let mut pending: Vec<String> = Vec::new();
    if let Some(actions) = root.get("actions") {
        refs(actions, &mut pending);
    }
    for name in keep {
        if let Some(ty) = types.get(name.as_str()) {
            refs(ty, &mut pending);
        }
    }
    while let Some(name) = pending.pop() {
        if reached.insert(name.clone()) {
            if let Some(ty) = types.get(name.as_str()) {
                refs(ty, &mut pending);
            }
        }
    }
    let kept: Mapping = types
        .into_iter()
        .filter(|(k, _)| k.as_str().is_some_and(|k| reached.contains(k)))
        .collect();
    if kept.is_empty() {
        root.remove("types");
    } else {
        root.insert(key("types"), Value::Mapping(kept));
    }
}

/// Every `ref:` value under `value`.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Mapping(map) => {
            for (k, v) in map {
                if k.as_str() == Some("ref") {
                    if let Some(name) = v.as_str() {
                        out.push(name.to_owned());
                    }
                }
                refs(v, out);
            }
        }
        Value::Sequence(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}
