//! The rustdoc of a member (parameter, response field, structure field), built from the spec's
//! facts and stated once: the spec's prose when it has any, then one line of facts in our own
//! words: the type and how it goes on the wire (the wire name, said once), required or not,
//! limits, service default, deprecation, client token or region, documented values and the
//! example. Setters link to the input field instead of repeating it.

use serde_json::Value;

use crate::model::{Field, Limits, ListStyle, Type, WireType};

use super::docs::spec_doc;

/// Where a member sits, which decides how its wire form is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A top-level parameter of an action.
    Param,
    /// A top-level field of an action's response.
    Output,
    /// A field of a named structure: written as `<parameter>.Field` (`flat`), as a key of a
    /// JSON object (`json`), and/or read from a response (`read`).
    StructField {
        /// Written to the wire field by field.
        flat: bool,
        /// Serialized inside a JSON parameter.
        json: bool,
        /// Decoded from responses.
        read: bool,
    },
}

/// The doc text of `field` in `role` (prose and facts, separated by a blank line).
pub fn member_doc(field: &Field, role: Role) -> String {
    let mut paragraphs = Vec::new();
    let doc = spec_doc(&field.doc);
    if !doc.trim().is_empty() {
        paragraphs.push(doc);
    }
    paragraphs.push(facts(field, role));
    paragraphs.join("\n\n")
}

/// The facts line: sentences, each fact once.
fn facts(field: &Field, role: Role) -> String {
    let mut sentences = vec![wire_form(field, role)];
    let presence = match role {
        Role::Param if field.required => "Required.",
        Role::Param
        | Role::StructField { flat: true, .. }
        | Role::StructField { json: true, .. }
            if field.doc_required =>
        {
            "Required by the API reference; not checked by the SDK."
        }
        Role::Param => "Optional.",
        Role::StructField { flat: true, .. } | Role::StructField { json: true, .. }
            if field.required =>
        {
            "Required when the structure is sent."
        }
        Role::Output | Role::StructField { .. } if super::rust::is_collection(&field.ty) => {
            "Empty when the service leaves it out."
        }
        Role::Output if field.required => "Always present: the response is unreadable without it.",
        _ => "",
    };
    if !presence.is_empty() {
        sentences.push(presence.to_owned());
    }
    let limits = limits(field);
    if !limits.is_empty() {
        sentences.push(capitalized(&limits.join("; ")) + ".");
    }
    if let Some(default) = &field.default {
        sentences.push(format!(
            "Left unset, the service assumes {}.",
            code(default)
        ));
    }
    if field.client_region {
        sentences.push("Left unset, the client's region is sent.".to_owned());
    }
    if field.client_token {
        sentences.push(
            "Left unset, the SDK sends a fresh UUID, the same on every retry of the call, so \
             the service can tell a retry from a new request."
                .to_owned(),
        );
    }
    if field.sensitive {
        sentences.push("A secret: `Debug` output shows `<redacted>`, never the value.".to_owned());
    }
    sentences.extend(super::deprecation::provenance(
        field.source.as_deref(),
        field.dropped_by.as_deref(),
        field.deprecated,
    ));
    if !field.enum_values.is_empty() {
        let values: Vec<String> = field.enum_values.iter().map(code).collect();
        sentences.push(format!(
            "Documented values: {} (not checked: the service may accept more).",
            values.join(", ")
        ));
    }
    if let Some(example) = field.example.as_ref().filter(|e| !is_blank(e)) {
        sentences.push(format!("Example: {}.", code(example)));
    }
    sentences.join(" ")
}

/// The type and how it travels: "A list of strings sent as `InstanceId.1`, `InstanceId.2`, …".
fn wire_form(field: &Field, role: Role) -> String {
    let ty = capitalized(&type_phrase(&field.ty));
    let name = &field.wire_name;
    let read = || {
        let mut text = format!("read from `{name}`");
        if let Some(wrapper) = &field.wrapper {
            text.push_str(&format!(
                " (a wrapped list: `{{\"{name}\": {{\"{wrapper}\": [...]}}}}`)"
            ));
        }
        let wire_type = field.wire_type.or(match &field.ty {
            Type::List(item) => item.wire_type,
            _ => None,
        });
        if let Some(wire_type) = wire_type {
            let json = match wire_type {
                WireType::String => "JSON strings",
                WireType::Number => "JSON numbers",
                WireType::Boolean => "JSON booleans",
            };
            text.push_str(&format!(", which the service sends as {json}"));
        }
        text
    };
    match role {
        Role::Param => format!("{ty} sent as {}.", sent_as(field, name)),
        Role::Output => format!("{ty} {}.", read()),
        Role::StructField {
            flat,
            json,
            read: decoded,
        } => {
            let mut ways = Vec::new();
            if flat {
                ways.push(format!(
                    "sent as {}",
                    sent_as(field, &format!("<parameter>.{name}"))
                ));
            }
            if json {
                ways.push(format!("sent under the JSON key `{name}`"));
            }
            if decoded {
                ways.push(read());
            }
            if ways.is_empty() {
                ways.push(format!("named `{name}` on the wire"));
            }
            format!("{ty} {}.", ways.join(" and "))
        }
    }
}

/// How a parameter named `name` is written: `` `Name` ``, `` `Name.1`, `Name.2`, … ``, ….
fn sent_as(field: &Field, name: &str) -> String {
    let json = format!("JSON text in `{name}`");
    match (&field.ty, field.list_style) {
        (_, ListStyle::Json) | (Type::Any, _) => json,
        (Type::List(_), ListStyle::Joined) => {
            format!("one `{name}`, items joined with `{}`", field.separator)
        }
        (Type::List(item), _) if matches!(item.ty, Type::Struct(_)) => {
            format!("`{name}.1.<field>`, `{name}.2.<field>`, …")
        }
        (Type::List(_), _) => format!("`{name}.1`, `{name}.2`, …"),
        (Type::Struct(_), _) => format!("`{name}.<field>`, one parameter per field"),
        (Type::Map(_), _) => format!("`{name}.<key>`, one parameter per entry"),
        _ => format!("`{name}`"),
    }
}

/// "a string", "a list of strings", "a map of integers (32-bit)", ….
fn type_phrase(ty: &Type) -> String {
    match ty {
        Type::String => "a string".into(),
        Type::Integer => "an integer (32-bit)".into(),
        Type::Long => "an integer (64-bit)".into(),
        Type::Float => "a number".into(),
        Type::Boolean => "a boolean".into(),
        Type::Struct(_) => "a structure".into(),
        Type::Enum(_) => "an enum value".into(),
        Type::Any => "free-form JSON".into(),
        Type::List(item) => format!("a list of {}", plural(&item.ty)),
        Type::Map(item) => format!("a map of {}", plural(&item.ty)),
    }
}

fn plural(ty: &Type) -> &'static str {
    match ty {
        Type::String => "strings",
        Type::Integer => "integers (32-bit)",
        Type::Long => "integers (64-bit)",
        Type::Float => "numbers",
        Type::Boolean => "booleans",
        Type::Struct(_) => "structures",
        Type::Enum(_) => "enum values",
        Type::Any | Type::List(_) | Type::Map(_) => "JSON values",
    }
}

/// The limits of a field and of each of its items, as phrases ("1 to 64 characters").
fn limits(field: &Field) -> Vec<String> {
    let mut rules = Vec::new();
    let l = &field.limits;
    match (l.min_items, l.max_items) {
        (Some(min), Some(max)) => rules.push(format!("{min} to {max} items")),
        (Some(min), None) => rules.push(format!("at least {min} item(s)")),
        (None, Some(max)) => rules.push(format!("at most {max} items")),
        _ => {}
    }
    value_limits(l, "", &mut rules);
    if let Type::List(item) | Type::Map(item) = &field.ty {
        value_limits(&item.limits, "each item ", &mut rules);
    }
    rules
}

fn value_limits(limits: &Limits, each: &str, rules: &mut Vec<String>) {
    match (limits.min_length, limits.max_length) {
        (Some(min), Some(max)) => rules.push(format!("{each}{min} to {max} characters")),
        (Some(min), None) => rules.push(format!("{each}at least {min} character(s)")),
        (None, Some(max)) => rules.push(format!("{each}at most {max} characters")),
        _ => {}
    }
    if let Some(pattern) = &limits.pattern {
        rules.push(format!("{each}matches {}", code_span(pattern)));
    }
    match (&limits.minimum, &limits.maximum) {
        (Some(min), Some(max)) => rules.push(format!("{each}from {min} to {max}")),
        (Some(min), None) => rules.push(format!("{each}at least {min}")),
        (None, Some(max)) => rules.push(format!("{each}at most {max}")),
        _ => {}
    }
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(items) => items.iter().all(is_blank),
        _ => false,
    }
}

/// Longest value shown in full; longer ones are cut with "…".
const MAX_SHOWN: usize = 80;

/// A value as inline code: strings as they are, anything else as JSON.
fn code(value: &Value) -> String {
    let text = match value {
        Value::String(s) if !s.contains(['\n', '\r']) => s.clone(),
        other => other.to_string(),
    };
    let text = if text.chars().count() > MAX_SHOWN {
        let cut: String = text.chars().take(MAX_SHOWN - 1).collect();
        format!("{}…", cut.trim_end())
    } else {
        text
    };
    code_span(&text)
}

/// `text` in a Markdown code span that holds its backticks, tabs made spaces.
fn code_span(text: &str) -> String {
    let text = text.replace('\t', " ");
    let longest = text
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or_default();
    let fence = "`".repeat(longest + 1);
    if longest == 0 {
        format!("{fence}{text}{fence}")
    } else {
        format!("{fence} {text} {fence}")
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Item;

    fn field(name: &str, ty: Type) -> Field {
        Field {
            wire_name: name.into(),
            rust_name: name.to_lowercase(),
            doc: String::new(),
            ty,
            required: false,
            limits: Limits::default(),
            list_style: ListStyle::Repeat,
            separator: ",".into(),
            client_region: false,
            wrapper: None,
            wire_type: None,
            default: None,
            example: None,
            deprecated: false,
            doc_required: false,
            client_token: false,
            enum_values: Vec::new(),
            location: None,
            source: None,
            dropped_by: None,
            sensitive: false,
        }
    }

    fn list_of(ty: Type) -> Type {
        Type::List(Box::new(Item {
            ty,
            limits: Limits::default(),
            wire_type: None,
        }))
    }

    #[test]
    fn the_wire_name_is_said_once_with_the_facts() {
        let mut f = field("ImageId", Type::String);
        f.required = true;
        f.limits.max_length = Some(64);
        f.example = Some(Value::String("m-bp1****".into()));
        let doc = member_doc(&f, Role::Param);
        assert_eq!(
            doc,
            "A string sent as `ImageId`. Required. At most 64 characters. Example: `m-bp1****`."
        );
        assert_eq!(doc.matches("ImageId").count(), 1);
    }

    #[test]
    fn lists_say_how_they_travel() {
        let mut f = field("InstanceId", list_of(Type::String));
        f.limits.max_items = Some(20);
        assert_eq!(
            member_doc(&f, Role::Param),
            "A list of strings sent as `InstanceId.1`, `InstanceId.2`, …. Optional. At most 20 items."
        );
        f.list_style = ListStyle::Joined;
        assert!(member_doc(&f, Role::Param).contains("one `InstanceId`, items joined with `,`"));
        f.list_style = ListStyle::Json;
        assert!(member_doc(&f, Role::Param).contains("sent as JSON text in `InstanceId`"));
    }

    #[test]
    fn outputs_say_where_they_are_read_from() {
        let mut f = field("Instances", list_of(Type::Struct("Instance".into())));
        f.wrapper = Some("Instance".into());
        assert_eq!(
            member_doc(&f, Role::Output),
            "A list of structures read from `Instances` (a wrapped list: \
             `{\"Instances\": {\"Instance\": [...]}}`). Empty when the service leaves it out."
        );
    }

    #[test]
    fn values_and_examples_are_code_spans() {
        assert_eq!(code(&Value::String("a`b".into())), "`` a`b ``");
        assert_eq!(code(&serde_json::json!(["i-1"])), "`[\"i-1\"]`");
        assert_eq!(code(&Value::String("x\ny".into())), "`\"x\\ny\"`");
        let long = Value::String("a".repeat(200));
        assert!(code(&long).ends_with("…`"));
    }

    #[test]
    fn structure_fields_name_their_place_in_the_parameter() {
        let f = field("Key", Type::String);
        let role = Role::StructField {
            flat: true,
            json: false,
            read: true,
        };
        assert_eq!(
            member_doc(&f, role),
            "A string sent as `<parameter>.Key` and read from `Key`."
        );
    }
}
