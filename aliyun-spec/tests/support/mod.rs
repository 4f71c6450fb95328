//! The base spec and helpers the malformed-spec tests share.

#![allow(dead_code)]

use aliyun_spec::{SpecError, parse_spec};

/// A small valid spec; each test breaks one thing in it.
pub const VALID: &str = r#"product:
  code: Demo
  name: Demo
  api_version: "2020-01-01"
  crate: aliyun-demo
  signature: v1
  method: POST
  endpoints:
    regional: "demo.{region}.aliyuncs.com"
    central: demo.aliyuncs.com
  doc: A demo.
actions:
  InstallThing:
    doc: Installs a thing.
    idempotent: false
    params:
      - name: RegionId
        type: string
        required: true
        doc: The region.
      - name: InstanceId
        type: list
        items:
          type: string
        max_items: 20
        doc: The instances.
    response:
      fields:
        - name: RequestId
          type: string
          doc: The request id.
    errors:
      - code: Thing.NotFound
        status: 404
        doc: No such thing.
    tests:
      requests:
        - name: basic
          params:
            RegionId: cn-hangzhou
          expect:
            wire:
              RegionId: cn-hangzhou
      responses:
        - name: ok
          status: 200
          body: '{"RequestId":"r"}'
          expect:
            output:
              RequestId: r
"#;

pub fn errors_of(source: &str) -> Vec<SpecError> {
    match parse_spec("specs/demo.yaml", source) {
        Ok(_) => panic!("the spec should be refused"),
        Err(errors) => errors.0,
    }
}

/// The single error of `source`, checked for file, position, path and message fragment.
pub fn refused(source: &str, line: usize, path: &str, fragment: &str) -> SpecError {
    let errors = errors_of(source);
    let error = errors
        .iter()
        .find(|e| e.path == path)
        .unwrap_or_else(|| panic!("no error at `{path}`; got:\n{}", list(&errors)));
    assert_eq!(error.file, "specs/demo.yaml");
    assert_eq!(error.line, Some(line), "line of {error}");
    assert!(error.column.is_some(), "column of {error}");
    assert!(
        error.message.contains(fragment),
        "`{fragment}` not in {error}"
    );
    let text = error.to_string();
    assert!(
        text.starts_with(&format!("specs/demo.yaml:{line}:")),
        "{text}"
    );
    assert!(text.contains(path), "{text}");
    error.clone()
}

pub fn list(errors: &[SpecError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn edit(from: &str, to: &str) -> String {
    assert!(VALID.contains(from), "fixture lacks {from:?}");
    VALID.replacen(from, to, 1)
}

/// The 1-based line of the first occurrence of `needle` in `source`.
pub fn line_of(source: &str, needle: &str) -> usize {
    let at = source
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the source"));
    source[..at].matches('\n').count() + 1
}

/// `VALID` with `text` inserted after the `InstanceId` parameter (a new parameter, indented as
/// a list item of `params`).
pub fn with_param(text: &str) -> String {
    edit(
        "        doc: The instances.\n",
        &format!("        doc: The instances.\n{text}"),
    )
}
