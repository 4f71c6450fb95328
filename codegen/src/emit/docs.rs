//! Spec prose → rustdoc attributes.
//!
//! Spec docs come from API pages written for people, not rustdoc. A few things rustdoc would
//! misread are neutralised: `[Name]` (an intra-doc link to nothing), bare URLs, stray `<Tag>`
//! (read as HTML), and untagged code fences (which rustdoc would compile as Rust doctests).
//! Each line becomes its own `#[doc]` attribute, so one changed spec line changes one generated
//! line.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Action;

/// `#[doc = "..."]` attributes for `text` (already rustdoc-safe), one per line.
pub fn doc_attrs(text: &str) -> TokenStream {
    let lines = doc_lines(text);
    quote! { #( #[doc = #lines] )* }
}

/// The lines of `text` as doc attribute values (a leading space, tabs made spaces).
fn doc_lines(text: &str) -> Vec<String> {
    text.trim_end()
        .lines()
        .map(|line| {
            if line.is_empty() {
                String::new()
            } else {
                // Tabs (API prose has some) render unevenly; clippy refuses them in docs.
                format!(" {}", line.replace('\t', "    "))
            }
        })
        .collect()
}

/// `#![doc = "..."]` attributes for `text`, one per line: the docs of the module they open.
pub fn inner_doc_attrs(text: &str) -> TokenStream {
    let lines = doc_lines(text);
    quote! { #( #![doc = #lines] )* }
}

/// Several paragraphs as inner doc attributes (empty ones skipped).
pub fn inner_doc_paragraphs<S: AsRef<str>>(paragraphs: &[S]) -> TokenStream {
    inner_doc_attrs(&join_paragraphs(paragraphs))
}

/// `` `Action` `` linked to its API reference page when the spec gives one.
pub fn action_link(op: &Action) -> String {
    match &op.docs_url {
        Some(url) => format!("[`{}`]({url})", op.name),
        None => format!("`{}`", op.name),
    }
}

/// The facts of an action in one paragraph: its group, whether it changes anything,
/// idempotency and client token, and its API reference page.
pub fn action_facts(op: &Action) -> String {
    let mut sentences = Vec::new();
    if let Some(group) = &op.group {
        sentences.push(format!(
            "In the `{group}` group (a Cargo feature of the crate)."
        ));
    }
    match op.operation_type.as_deref() {
        Some(kind @ ("get" | "list" | "read")) => {
            sentences.push(format!("Reads only (operation type `{kind}`)."));
        }
        Some(kind @ ("create" | "update" | "delete")) => {
            sentences.push(format!("Changes resources (operation type `{kind}`)."));
        }
        Some(kind) => sentences.push(format!(
            "The API metadata gives it the operation type `{kind}`."
        )),
        None => {}
    }
    let retry = "so it is retried on timeouts and transient failures";
    sentences.push(match (op.idempotent, op.client_token()) {
        (true, Some(token)) => format!(
            "Idempotent through `{}`: left unset, it is a fresh UUID per call, the same on every \
             retry, {retry}.",
            token.wire_name
        ),
        (false, Some(token)) => format!(
            "Not idempotent, though `{}` (a fresh UUID per call unless set) lets the service \
             recognise a repeated request: not re-sent once it may have reached the service.",
            token.wire_name
        ),
        (true, None) => format!("Idempotent, {retry}."),
        (false, None) => {
            "Not idempotent: not re-sent once the request may have reached the service.".into()
        }
    });
    let mut provenance = super::deprecation::provenance(
        op.source.as_deref(),
        op.dropped_by.as_deref(),
        op.deprecated,
    );
    if op.untyped_output {
        // After "Added by", before any deprecation.
        let at = usize::from(op.source.is_some());
        provenance.insert(
            at,
            "No metadata file describes its response yet, so the output keeps the body as JSON."
                .into(),
        );
    }
    sentences.extend(provenance);
    if let Some(url) = &op.docs_url {
        sentences.push(format!("[API reference]({url})."));
    }
    sentences.join(" ")
}

/// Spec prose made safe for rustdoc (see the module docs).
pub fn spec_doc(text: &str) -> String {
    sanitize(text.trim_end()).join("\n")
}

/// `#[doc]` attributes for several paragraphs (empty ones skipped), separated by blank lines.
pub fn doc_paragraphs<S: AsRef<str>>(paragraphs: &[S]) -> TokenStream {
    doc_attrs(&join_paragraphs(paragraphs))
}

fn join_paragraphs<S: AsRef<str>>(paragraphs: &[S]) -> String {
    paragraphs
        .iter()
        .map(|p| p.as_ref().trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The first sentence-ish line of `text`, for one-line summaries.
pub fn summary(text: &str) -> String {
    text.trim()
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// Each line of `text` made safe for rustdoc.
fn sanitize(text: &str) -> Vec<String> {
    let mut in_fence = false;
    text.lines()
        .map(|line| {
            let trimmed = line.trim_start();
            if let Some(lang) = trimmed.strip_prefix("```") {
                let opening = !in_fence;
                in_fence = !in_fence;
                if opening && lang.trim().is_empty() {
                    return format!("{line}text");
                }
                return line.to_owned();
            }
            if in_fence {
                return line.to_owned();
            }
            sanitize_prose(line)
        })
        .collect()
}

/// Escapes outside inline code spans.
fn sanitize_prose(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    for (index, part) in line.split('`').enumerate() {
        if index > 0 {
            out.push('`');
        }
        if index % 2 == 1 {
            out.push_str(part);
        } else {
            out.push_str(&escape_outside_code(part));
        }
    }
    out
}

fn escape_outside_code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if rest.starts_with("http://") || rest.starts_with("https://") {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == ')' || c == '>')
                .unwrap_or(rest.len());
            let url = rest[..end].trim_end_matches(['.', ',', ';']);
            // Already inside `<...>` or a markdown link target: leave as is.
            let wrapped = i > 0 && matches!(bytes[i - 1], b'<' | b'(');
            if wrapped {
                out.push_str(url);
            } else {
                out.push('<');
                out.push_str(url);
                out.push('>');
            }
            i += url.len();
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        match c {
            '[' => {
                // Keep inline links `[text](url)`; escape every other bracket.
                if is_inline_link(rest) {
                    out.push('[');
                } else {
                    out.push_str("\\[");
                }
            }
            ']' => {
                if rest[1..].starts_with('(') {
                    out.push(']');
                } else {
                    out.push_str("\\]");
                }
            }
            '<' if !rest[1..].starts_with("http") => out.push_str("&lt;"),
            _ => out.push(c),
        }
        i += c.len_utf8();
    }
    out
}

fn is_inline_link(rest: &str) -> bool {
    rest.find(']')
        .is_some_and(|close| rest[close + 1..].starts_with('(') && !rest[1..close].contains('['))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_is_made_safe() {
        assert_eq!(
            spec_doc("see [DescribeRegions](~~25609~~)"),
            "see [DescribeRegions](~~25609~~)"
        );
        assert_eq!(spec_doc("values [1, 20]"), "values \\[1, 20\\]");
        assert_eq!(
            spec_doc("see https://example.com/x."),
            "see <https://example.com/x>."
        );
        assert_eq!(spec_doc("<Error> body"), "&lt;Error> body");
        assert_eq!(spec_doc("code `a[0] <b>` ok"), "code `a[0] <b>` ok");
    }

    #[test]
    fn fences_get_a_language_and_lines_stay_lines() {
        assert_eq!(
            spec_doc("a\n\n```\n{\"x\": [1]}\n```"),
            "a\n\n```text\n{\"x\": [1]}\n```"
        );
    }
}
