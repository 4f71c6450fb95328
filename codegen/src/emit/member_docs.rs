//! The prose of a member's rustdoc: the spec's text, then what the API reference documents that
//! the SDK does not check (allowed values, "required"), deprecation, and client tokens. A member
//! without a spec doc still gets a line, so every public field is documented.

use crate::model::Field;

use super::docs::spec_doc;

/// The doc text of `field` (paragraphs separated by blank lines).
pub fn member_doc(field: &Field) -> String {
    let mut paragraphs = Vec::new();
    let doc = spec_doc(&field.doc);
    if !doc.trim().is_empty() {
        paragraphs.push(doc);
    }
    paragraphs.extend(facts(field));
    if paragraphs.is_empty() {
        paragraphs.push(format!("`{}` on the wire.", field.wire_name));
    }
    paragraphs.join("\n\n")
}

/// Documented facts the SDK does not enforce, one sentence each, joined into one paragraph.
fn facts(field: &Field) -> Option<String> {
    let mut facts = Vec::new();
    if field.deprecated {
        facts.push("Deprecated by the service.".to_owned());
    }
    if field.doc_required {
        facts.push("Required by the API reference; not checked by the SDK.".to_owned());
    }
    if !field.enum_values.is_empty() {
        let values: Vec<String> = field
            .enum_values
            .iter()
            .map(|v| match v {
                serde_json::Value::String(s) => format!("`{s}`"),
                other => format!("`{other}`"),
            })
            .collect();
        facts.push(format!(
            "Documented values: {} (not checked by the SDK: the service may accept more).",
            values.join(", ")
        ));
    }
    if field.client_token {
        facts.push(
            "Left unset, the SDK sends a fresh UUID, the same on every retry of the call, so the \
             service can tell a retry from a new request."
                .to_owned(),
        );
    }
    (!facts.is_empty()).then(|| facts.join(" "))
}
