//! Validates an action's parameters against its spec (required, types, list bounds, enums,
//! lengths, patterns, ranges) and decodes them into typed JSON values by wire name.
//!
//! Errors use the codes the real services use: `MissingParameter` and `InvalidParameter`,
//! or the parameter-named variant the action's spec documents (`InvalidInstanceId.MalFormed`,
//! `InvalidParameter.PageSize`, `MissingRegionId`, ...) when there is one.

use aliyun_spec::Product;
use aliyun_spec::model::{Action, Field, Item, Limits, NamedType, Type};
use aliyun_spec::spec::ListStyle;
use serde_json::{Map, Number, Value};

use crate::catalog::Catalog;
use crate::error::ApiError;
use crate::request::{Incoming, printable};

/// An action's validated parameters, by wire name; absent optional parameters carry the
/// spec's `default` when it has one.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Input {
    values: Map<String, Value>,
    /// Parameters filled from the spec's `default` (they did not arrive).
    defaulted: Vec<String>,
}

impl Input {
    /// A parameter's decoded value.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// A string (or enum) parameter.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }

    /// A boolean parameter.
    pub fn bool(&self, name: &str) -> Option<bool> {
        self.get(name).and_then(Value::as_bool)
    }

    /// An integer parameter.
    pub fn int(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(Value::as_i64)
    }

    /// A JSON parameter's value, whether it arrived decoded (`style: json`) or as JSON text in a
    /// string parameter. `Ok(None)` when absent or blank; `Err` with the text when it is not JSON.
    pub fn json(&self, name: &str) -> Result<Option<Value>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
            Some(Value::String(text)) => serde_json::from_str(text)
                .map(Some)
                .map_err(|_| text.clone()),
            Some(other) => Ok(Some(other.clone())),
        }
    }

    /// A list of strings (empty when absent).
    pub fn strings(&self, name: &str) -> Vec<String> {
        match self.get(name) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    }

    /// An id list however the action carries it: `Name.N`, a JSON array (parsed, or as the
    /// text of one string parameter or list item), or comma-separated text. Empty when absent.
    pub fn ids(&self, name: &str) -> Vec<String> {
        fn text_ids(text: &str) -> Vec<String> {
            let text = text.trim();
            if text.starts_with('[') {
                return serde_json::from_str::<Vec<String>>(text).unwrap_or_default();
            }
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        }
        match self.get(name) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .flat_map(text_ids)
                .collect(),
            Some(Value::String(text)) => text_ids(text),
            _ => Vec::new(),
        }
    }

    /// Every parameter but `skip`, as one text in name order: two requests with the same
    /// fingerprint asked for the same thing.
    pub fn fingerprint_without(&self, skip: &str) -> String {
        let mut pairs: Vec<(&String, String)> = self
            .values
            .iter()
            .filter(|(name, _)| *name != skip)
            .map(|(name, value)| (name, value.to_string()))
            .collect();
        pairs.sort();
        pairs
            .into_iter()
            .map(|(name, value)| format!("{name}={value}\n"))
            .collect()
    }

    /// These parameters, then `defaults` for every one that did not arrive (a spec default
    /// gives way): a launch template's values under a request's own.
    pub fn with_defaults(&self, defaults: Map<String, Value>) -> Input {
        let mut merged = self.clone();
        for (name, value) in defaults {
            if !self.arrived(&name) {
                merged.defaulted.retain(|d| *d != name);
                merged.values.insert(name, value);
            }
        }
        merged
    }

    /// Whether the parameter arrived (a spec default does not count).
    pub fn arrived(&self, name: &str) -> bool {
        self.values.contains_key(name) && !self.defaulted.iter().any(|d| d == name)
    }
}

/// Validates `incoming` against `op`.
pub(crate) fn validate(
    catalog: &Catalog,
    product: &Product,
    op: &Action,
    incoming: &Incoming,
) -> Result<Input, ApiError> {
    let params: Vec<(&str, &str)> = incoming.params().collect();
    let reader = Reader {
        catalog,
        product,
        op,
        params: &params,
    };
    let mut values = Map::new();
    let mut defaulted = Vec::new();
    for field in &op.params {
        match reader.field(field, &field.wire_name, &field.wire_name)? {
            Some(value) => {
                values.insert(field.wire_name.clone(), value);
            }
            None => {
                if let Some(default) = &field.default {
                    values.insert(field.wire_name.clone(), default.clone());
                    defaulted.push(field.wire_name.clone());
                }
            }
        }
    }
    Ok(Input { values, defaulted })
}

struct Reader<'a> {
    catalog: &'a Catalog,
    product: &'a Product,
    op: &'a Action,
    params: &'a [(&'a str, &'a str)],
}

impl Reader<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        let exact = self.params.iter().find(|(k, _)| *k == name);
        // A top-level name the reference spells otherwise (`regionId`) arrives as the SDKs
        // and the service spell it (`RegionId`): an exact match wins, then any case.
        let any_case = || {
            if name.contains('.') {
                return None;
            }
            self.params
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
        };
        exact.or_else(any_case).map(|(_, v)| *v)
    }

    /// Whether `name` is a top-level parameter of the action in its own right (a spec may
    /// spell a flattened field `SystemDisk.Size` next to a list whose prefix it shares).
    fn is_own_parameter(&self, name: &str) -> bool {
        self.op.params.iter().any(|f| f.wire_name == name)
    }

    /// Reads `field` at wire path `path`; `top` is the top-level parameter (for error codes).
    fn field(&self, field: &Field, path: &str, top: &str) -> Result<Option<Value>, ApiError> {
        if field.list_style == ListStyle::Json || field.ty == Type::Any {
            return self.json(field, path, top);
        }
        let value = match &field.ty {
            Type::List(item) => {
                let items = match field.list_style {
                    ListStyle::Joined => self.joined_list(item, &field.separator, path, top)?,
                    _ => self.repeat_list(item, path, top)?,
                };
                let count = items.len() as u64;
                if count == 0 {
                    if field.required {
                        return Err(self.missing(path, top));
                    }
                    return Ok(None);
                }
                if let Some(min) = field.limits.min_items.filter(|m| count < *m) {
                    return Err(self.invalid(path, top, &format!("needs at least {min} items")));
                }
                if let Some(max) = field.limits.max_items.filter(|m| count > *m) {
                    return Err(self.invalid(
                        path,
                        top,
                        &format!("allows at most {max} items, got {count}"),
                    ));
                }
                Some(Value::Array(items))
            }
            Type::Struct(name) => self.structure(name, path, top)?,
            Type::Map(item) => self.flat_map(item, path, top)?,
            _ => match self.param(path) {
                None | Some("") if field.required => return Err(self.missing(path, top)),
                None => None,
                Some(raw) => Some(self.scalar(&field.ty, &field.limits, raw, path, top)?),
            },
        };
        if value.is_none() && field.required {
            return Err(self.missing(path, top));
        }
        Ok(value)
    }

    /// One parameter holding JSON text (`style: json`): parsed, not checked further (the text
    /// is the service's to interpret).
    fn json(&self, field: &Field, path: &str, top: &str) -> Result<Option<Value>, ApiError> {
        match self.param(path) {
            None | Some("") if field.required => Err(self.missing(path, top)),
            None | Some("") => Ok(None),
            Some(raw) => serde_json::from_str(raw)
                .map(Some)
                .map_err(|_| self.invalid(path, top, "must be JSON text")),
        }
    }

    /// `path.<key>` (struct values: `path.<key>.Field`), in key order; `None` when none arrived.
    fn flat_map(&self, item: &Item, path: &str, top: &str) -> Result<Option<Value>, ApiError> {
        let prefix = format!("{path}.");
        let mut keys: Vec<&str> = self
            .params
            .iter()
            .filter_map(|(name, _)| name.strip_prefix(&prefix))
            .map(|rest| match item.ty {
                // A structure value's fields follow its key: `path.<key>.Field`.
                Type::Struct(_) => rest.split('.').next().unwrap_or_default(),
                _ => rest,
            })
            .filter(|key| !key.is_empty())
            .collect();
        keys.sort_unstable();
        keys.dedup();
        if keys.is_empty() {
            return Ok(None);
        }
        let mut object = Map::new();
        for key in keys {
            let value_path = format!("{path}.{key}");
            let value = match &item.ty {
                Type::Struct(name) => self.structure(name, &value_path, top)?,
                ty => match self.param(&value_path) {
                    Some(raw) => Some(self.scalar(ty, &item.limits, raw, &value_path, top)?),
                    None => None,
                },
            };
            if let Some(value) = value {
                object.insert(key.to_owned(), value);
            }
        }
        Ok(Some(Value::Object(object)))
    }

    /// `path.1`, `path.2`, ... (struct items: `path.1.Field`), in index order; gaps allowed.
    fn repeat_list(&self, item: &Item, path: &str, top: &str) -> Result<Vec<Value>, ApiError> {
        let prefix = format!("{path}.");
        let mut indices = Vec::new();
        for (name, _) in self.params {
            let Some(rest) = name.strip_prefix(&prefix) else {
                continue;
            };
            if self.is_own_parameter(name) {
                continue;
            }
            let index = rest.split('.').next().unwrap_or_default();
            // Canonical decimal only (`01` is not `1`), from 1; the service refuses the rest.
            let canonical = !index.is_empty()
                && !index.starts_with('0')
                && index.bytes().all(|b| b.is_ascii_digit());
            match index.parse::<u64>() {
                Ok(n) if canonical => indices.push(n),
                _ => {
                    return Err(ApiError::invalid_parameter(
                        &printable(name),
                        &format!("{path} is a list: its items are {path}.1, {path}.2, ..."),
                    ));
                }
            }
        }
        indices.sort_unstable();
        indices.dedup();
        let mut items = Vec::with_capacity(indices.len());
        for index in indices {
            let item_path = format!("{path}.{index}");
            let value = match &item.ty {
                Type::Struct(name) => self.structure(name, &item_path, top)?,
                ty => match self.param(&item_path) {
                    Some(raw) => Some(self.scalar(ty, &item.limits, raw, &item_path, top)?),
                    None => None,
                },
            };
            items.extend(value);
        }
        Ok(items)
    }

    fn joined_list(
        &self,
        item: &Item,
        separator: &str,
        path: &str,
        top: &str,
    ) -> Result<Vec<Value>, ApiError> {
        let Some(raw) = self.param(path) else {
            return Ok(Vec::new());
        };
        if raw.is_empty() {
            return Ok(Vec::new());
        }
        let separator = if separator.is_empty() { "," } else { separator };
        raw.split(separator)
            .enumerate()
            .map(|(i, part)| {
                let item_path = format!("{path}.{}", i + 1);
                self.scalar(&item.ty, &item.limits, part, &item_path, top)
            })
            .collect()
    }

    /// A structure's fields at `path.Field`; `None` when none arrived.
    fn structure(&self, name: &str, path: &str, top: &str) -> Result<Option<Value>, ApiError> {
        let prefix = format!("{path}.");
        if !self.params.iter().any(|(k, _)| k.starts_with(&prefix)) {
            return Ok(None);
        }
        let mut object = Map::new();
        for field in self.product.struct_fields(name) {
            let field_path = format!("{path}.{}", field.wire_name);
            if let Some(value) = self.field(field, &field_path, top)? {
                object.insert(field.wire_name.clone(), value);
            }
        }
        Ok(Some(Value::Object(object)))
    }

    fn scalar(
        &self,
        ty: &Type,
        limits: &Limits,
        raw: &str,
        path: &str,
        top: &str,
    ) -> Result<Value, ApiError> {
        let value = match ty {
            Type::String => {
                let chars = raw.chars().count() as u64;
                if let Some(min) = limits.min_length.filter(|m| chars < *m) {
                    return Err(self.invalid(
                        path,
                        top,
                        &format!("needs at least {min} characters"),
                    ));
                }
                if let Some(max) = limits.max_length.filter(|m| chars > *m) {
                    return Err(self.invalid(
                        path,
                        top,
                        &format!("allows at most {max} characters"),
                    ));
                }
                if let Some(pattern) = &limits.pattern {
                    if let Some(regex) = self.catalog.pattern(pattern) {
                        if !regex.is_match(raw) {
                            return Err(self.invalid(
                                path,
                                top,
                                &format!("does not match the pattern {pattern}"),
                            ));
                        }
                    }
                }
                Value::String(raw.to_owned())
            }
            Type::Integer | Type::Long => {
                let n: i64 = raw
                    .parse()
                    .map_err(|_| self.invalid(path, top, "must be an integer"))?;
                if *ty == Type::Integer && i32::try_from(n).is_err() {
                    return Err(self.invalid(path, top, "is out of the 32-bit integer range"));
                }
                self.range(f64_of(n), limits, path, top)?;
                Value::Number(n.into())
            }
            Type::Float => {
                let n: f64 = raw
                    .parse()
                    .ok()
                    .filter(|n: &f64| n.is_finite())
                    .ok_or_else(|| self.invalid(path, top, "must be a number"))?;
                self.range(n, limits, path, top)?;
                Number::from_f64(n)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
            Type::Boolean => {
                // The official SDKs send Python's `True`/`False`; the service accepts any case.
                if raw.eq_ignore_ascii_case("true") {
                    Value::Bool(true)
                } else if raw.eq_ignore_ascii_case("false") {
                    Value::Bool(false)
                } else {
                    return Err(self.invalid(path, top, "must be true or false"));
                }
            }
            Type::Enum(name) => {
                if let Some(NamedType::Enum(e)) = self.product.named_type(name) {
                    if !e.values.iter().any(|v| v.value == raw) {
                        let allowed: Vec<&str> =
                            e.values.iter().map(|v| v.value.as_str()).collect();
                        return Err(self.invalid(
                            path,
                            top,
                            &format!("must be one of {}", allowed.join(", ")),
                        ));
                    }
                }
                Value::String(raw.to_owned())
            }
            // Free-form values in one slot (a flat map of `any`) are JSON text when they parse.
            Type::Any => {
                serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()))
            }
            // Structures, lists and maps never reach here (the spec format has no nesting).
            Type::Struct(_) | Type::List(_) | Type::Map(_) => Value::String(raw.to_owned()),
        };
        Ok(value)
    }

    fn range(&self, n: f64, limits: &Limits, path: &str, top: &str) -> Result<(), ApiError> {
        if let Some(min) = &limits.minimum {
            if n < min.as_f64().unwrap_or(f64::MIN) {
                return Err(self.invalid(path, top, &format!("must be at least {min}")));
            }
        }
        if let Some(max) = &limits.maximum {
            if n > max.as_f64().unwrap_or(f64::MAX) {
                return Err(self.invalid(path, top, &format!("must be at most {max}")));
            }
        }
        Ok(())
    }

    fn missing(&self, path: &str, top: &str) -> ApiError {
        for code in [format!("MissingParameter.{top}"), format!("Missing{top}")] {
            if let Some(e) = self.op.errors.iter().find(|e| e.code == code) {
                let message = e
                    .message
                    .clone()
                    .unwrap_or_else(|| ApiError::missing_parameter(&printable(path)).message);
                return ApiError::new(e.status, e.code.clone(), message);
            }
        }
        ApiError::missing_parameter(&printable(path))
    }

    fn invalid(&self, path: &str, top: &str, why: &str) -> ApiError {
        let generic = ApiError::invalid_parameter(&printable(path), why);
        for code in [
            format!("Invalid{top}.MalFormed"),
            format!("InvalidParameter.{top}"),
            format!("Invalid{top}"),
            format!("Invalid{top}.ValueNotSupported"),
        ] {
            if let Some(e) = self.op.errors.iter().find(|e| e.code == code) {
                let message = match &e.message {
                    Some(m) => format!("{m} ({}: {why})", printable(path)),
                    None => generic.message.clone(),
                };
                return ApiError::new(e.status, e.code.clone(), message);
            }
        }
        generic
    }
}

fn f64_of(n: i64) -> f64 {
    // Spec limits are small; the rounding of huge values cannot change a comparison that
    // matters.
    n as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, SpecSource};

    fn incoming(query: &[(&str, &str)]) -> Incoming {
        Incoming {
            query: query
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..Incoming::default()
        }
    }

    fn check(
        catalog: &Catalog,
        version: &str,
        action: &str,
        query: &[(&str, &str)],
    ) -> Result<Input, ApiError> {
        let (product, op) = catalog.find(version, action).unwrap();
        validate(catalog, &product, op, &incoming(query))
    }

    fn ecs() -> Catalog {
        Catalog::with_embedded(true, &[]).unwrap()
    }

    #[test]
    fn repeat_lists_and_defaults() {
        let catalog = ecs();
        let input = check(
            &catalog,
            "2014-05-26",
            "DescribeCloudAssistantStatus",
            &[
                ("RegionId", "cn-hangzhou"),
                ("InstanceId.2", "i-b"),
                ("InstanceId.1", "i-a"),
                ("InstanceId.10", "i-c"),
            ],
        )
        .unwrap();
        assert_eq!(input.strings("InstanceId"), ["i-a", "i-b", "i-c"]);
        assert_eq!(input.int("PageSize"), Some(10));
        assert_eq!(input.int("MaxResults"), Some(10));
        assert!(!input.arrived("MaxResults"));
        assert!(input.arrived("InstanceId"));
    }

    #[test]
    fn refusals_name_the_parameter() {
        let catalog = ecs();
        let v = "2014-05-26";
        let err = check(&catalog, v, "InstallCloudAssistant", &[("RegionId", "r")]).unwrap_err();
        assert_eq!(err.code, "MissingParameter");
        assert!(err.message.contains("InstanceId"));

        let many: Vec<(String, String)> = (1..=21)
            .map(|i| (format!("InstanceId.{i}"), format!("i-{i}")))
            .collect();
        let mut query: Vec<(&str, &str)> =
            many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        query.push(("RegionId", "cn-hangzhou"));
        let err = check(&catalog, v, "InstallCloudAssistant", &query).unwrap_err();
        assert_eq!((err.code.as_str(), err.status), ("InvalidParameter", 400));
        assert!(err.message.contains("at most 20"), "{err}");

        let err = check(
            &catalog,
            v,
            "RebootInstance",
            &[("InstanceId", "i-1"), ("DryRun", "yes")],
        )
        .unwrap_err();
        assert!(err.message.contains("DryRun"), "{err}");
        let input = check(
            &catalog,
            v,
            "RebootInstance",
            &[
                ("InstanceId", "i-1"),
                ("DryRun", "True"),
                ("ForceStop", "FALSE"),
            ],
        )
        .unwrap();
        assert_eq!(input.bool("DryRun"), Some(true));
        assert_eq!(input.bool("ForceStop"), Some(false));

        let err = check(&catalog, v, "RebootInstance", &[("InstanceId", "")]).unwrap_err();
        assert_eq!(err.code, "MissingParameter");

        for (name, value) in [
            ("PageSize", "51"),
            ("PageSize", "0"),
            ("MaxResults", "x"),
            ("OSType", "Haiku"),
        ] {
            let err = check(
                &catalog,
                v,
                "DescribeCloudAssistantStatus",
                &[("RegionId", "cn-hangzhou"), (name, value)],
            )
            .unwrap_err();
            assert_eq!(err.status, 400, "{name}={value}");
            assert!(err.message.contains(name), "{err}");
        }
        let err = check(
            &catalog,
            v,
            "DescribeCloudAssistantStatus",
            &[("RegionId", "cn-hangzhou"), ("MaxResults", "99999999999")],
        )
        .unwrap_err();
        assert!(err.message.contains("32-bit"), "{err}");
    }

    #[test]
    fn a_top_level_name_matches_in_any_case() {
        let catalog = ecs();
        // The reference spells it `regionId`; the SDKs send `RegionId`.
        let query = [
            ("RegionId", "cn-hangzhou"),
            ("autoSnapshotPolicyId", "sp-1"),
            ("diskIds", r#"["d-1"]"#),
        ];
        let input = check(&catalog, "2014-05-26", "ApplyAutoSnapshotPolicy", &query).unwrap();
        assert_eq!(input.str("regionId"), Some("cn-hangzhou"));
        let err = check(
            &catalog,
            "2014-05-26",
            "ApplyAutoSnapshotPolicy",
            &query[1..],
        )
        .unwrap_err();
        assert!(err.message.contains("regionId"), "{err}");
        // Nested names keep their exact spelling.
        let input = check(
            &catalog,
            "2014-05-26",
            "DescribeCloudAssistantStatus",
            &[("RegionId", "cn-hangzhou"), ("instanceid.1", "i-a")],
        )
        .unwrap();
        assert!(!input.arrived("InstanceId"));
    }

    #[test]
    fn malformed_repeat_indices_are_refused() {
        let catalog = ecs();
        for name in [
            "InstanceId.0",
            "InstanceId.01",
            "InstanceId.x",
            "InstanceId.+1",
        ] {
            let err = check(
                &catalog,
                "2014-05-26",
                "DescribeCloudAssistantStatus",
                &[("RegionId", "cn-hangzhou"), (name, "i-a")],
            )
            .unwrap_err();
            assert_eq!((err.code.as_str(), err.status), ("InvalidParameter", 400));
            assert!(err.message.contains(name), "{err}");
        }
        for name in ["Tag.0.Key", "Tag.01.Key", "Tag.x.Key", "Tag.Key"] {
            let err = check(
                &catalog,
                "2014-05-26",
                "RunInstances",
                &[("RegionId", "cn-hangzhou"), (name, "env")],
            )
            .unwrap_err();
            assert_eq!((err.code.as_str(), err.status), ("InvalidParameter", 400));
            assert!(err.message.contains(name), "{err}");
        }
        let input = check(
            &catalog,
            "2014-05-26",
            "RunInstances",
            &[
                ("RegionId", "cn-hangzhou"),
                ("Tag.1.Key", "env"),
                ("NetworkInterface.1.SecurityGroupIds.2", "sg-2"),
                ("NetworkInterface.1.SecurityGroupIds.1", "sg-1"),
            ],
        )
        .unwrap();
        assert_eq!(input.get("Tag"), Some(&serde_json::json!([{"Key": "env"}])));
        let nics = input.get("NetworkInterface").unwrap();
        assert_eq!(
            nics[0]["SecurityGroupIds"],
            serde_json::json!(["sg-1", "sg-2"])
        );
        let err = check(
            &catalog,
            "2014-05-26",
            "RunInstances",
            &[
                ("RegionId", "cn-hangzhou"),
                ("NetworkInterface.1.SecurityGroupIds.01", "sg-1"),
            ],
        )
        .unwrap_err();
        assert!(err.message.contains("SecurityGroupIds.01"), "{err}");
    }

    #[test]
    fn joined_lists_split_and_check_items() {
        let catalog = ecs();
        let v = "2017-03-01";
        let input = check(&catalog, v, "NodeStatusList", &[("InstanceIds", "i-1,i-2")]).unwrap();
        assert_eq!(input.strings("InstanceIds"), ["i-1", "i-2"]);
        let err = check(&catalog, v, "NodeStatusList", &[("InstanceIds", "i-1,")]).unwrap_err();
        assert!(err.message.contains("InstanceIds.2"), "{err}");
        let err = check(&catalog, v, "NodeStatusList", &[("InstanceIds", "")]).unwrap_err();
        assert_eq!(err.code, "MissingParameter");
    }

    #[test]
    fn json_text_flat_maps_and_free_form_values() {
        let fixture = include_str!("../../codegen/fixture/spec.yaml");
        let catalog = Catalog::load(&[SpecSource {
            name: "fixture.yaml".into(),
            text: fixture.into(),
        }])
        .unwrap();
        let v = "2020-01-01";
        let input = check(
            &catalog,
            v,
            "ConfigureWidget",
            &[
                ("Labels.b", "2"),
                ("Labels.a", "1"),
                ("Parameters", r#"{"size":3}"#),
                ("Document", r#"{"nested":[1,"two"]}"#),
                ("Schedule", r#"{"Cron":"0 * * * *"}"#),
                ("Steps", r#"["one"]"#),
                ("Limits.Size", "40"),
                ("Weight", "0.5"),
            ],
        )
        .unwrap();
        assert_eq!(
            input.get("Labels"),
            Some(&serde_json::json!({"a": "1", "b": "2"}))
        );
        assert_eq!(
            input.get("Parameters"),
            Some(&serde_json::json!({"size": 3}))
        );
        assert_eq!(
            input.get("Document"),
            Some(&serde_json::json!({"nested": [1, "two"]}))
        );
        assert_eq!(input.get("Steps"), Some(&serde_json::json!(["one"])));
        assert_eq!(input.get("Limits"), Some(&serde_json::json!({"Size": 40})));
        assert_eq!(input.get("Weight"), Some(&serde_json::json!(0.5)));
        assert!(!input.arrived("Trace"));

        let err = check(&catalog, v, "ConfigureWidget", &[("Parameters", "{size")]).unwrap_err();
        assert_eq!(err.code, "InvalidParameter");
        assert!(err.message.contains("Parameters"), "{err}");
        let err = check(
            &catalog,
            v,
            "ConfigureWidget",
            &[("Labels.a", "seventeen-chars-x")],
        )
        .unwrap_err();
        assert!(err.message.contains("Labels.a"), "{err}");
    }

    #[test]
    fn fixture_features_structs_patterns_floats() {
        let fixture = include_str!("../../codegen/fixture/spec.yaml");
        let catalog = Catalog::load(&[SpecSource {
            name: "fixture.yaml".into(),
            text: fixture.into(),
        }])
        .unwrap();
        let v = "2020-01-01";
        let ok = [
            ("RegionId", "cn-hangzhou"),
            ("Name", "my-widget"),
            ("ZoneId.1", "cn-hangzhou-h"),
            ("Ports", "80;443"),
            ("Ratio", "0.5"),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "prod"),
            ("SystemDisk.Size", "40"),
            ("SystemDisk.Labels.1", "boot"),
        ];
        let input = check(&catalog, v, "CreateWidget", &ok).unwrap();
        assert_eq!(input.get("Ports"), Some(&serde_json::json!([80, 443])));
        assert_eq!(
            input.get("Tag"),
            Some(&serde_json::json!([{"Key": "env", "Value": "prod"}]))
        );
        assert_eq!(
            input.get("SystemDisk"),
            Some(&serde_json::json!({"Size": 40, "Labels": ["boot"]}))
        );
        let cases: [(&str, &str, &str); 5] = [
            ("Name", "My_Widget", "Name"),
            ("Ports", "80;70000", "Ports.2"),
            ("Ratio", "1.5", "Ratio"),
            ("SystemDisk.Size", "10", "SystemDisk.Size"),
            ("Tag.1.Key", "", "Tag.1.Key"),
        ];
        for (name, value, named) in cases {
            let mut query: Vec<(&str, &str)> =
                ok.iter().copied().filter(|(k, _)| *k != name).collect();
            query.push((name, value));
            let err = check(&catalog, v, "CreateWidget", &query).unwrap_err();
            assert!(err.message.contains(named), "{name}={value}: {err}");
        }
    }
}
