//! Reading a spec file: YAML → [`Spec`], then semantic validation, with located errors.

use std::path::Path;

use crate::error::{SpecError, SpecErrors};
use crate::locate::SourceIndex;
use crate::spec::Spec;
use crate::validate;

/// Parses and validates spec text. `file` is only used in messages.
pub fn parse_spec(file: &str, source: &str) -> Result<Spec, SpecErrors> {
    let index = SourceIndex::new(source);
    let locate = |path: &str, message: String| {
        let position = index.position(path);
        SpecError {
            file: file.to_owned(),
            line: position.map(|p| p.line),
            column: position.map(|p| p.column),
            path: path.to_owned(),
            message,
        }
    };

    let deserializer = serde_yaml::Deserializer::from_str(source);
    let spec: Spec = match serde_path_to_error::deserialize(deserializer) {
        Ok(spec) => spec,
        Err(error) => {
            let path = match error.path().to_string() {
                root if root == "." => String::new(),
                path => path,
            };
            let inner = error.inner();
            // serde_yaml knows the exact spot of what it rejected; fall back to the index.
            let position = inner.location().map(|l| (l.line(), l.column()));
            let mut located = locate(&path, describe_serde_error(inner));
            if let Some((line, column)) = position {
                located.line = Some(line);
                located.column = Some(column);
            }
            return Err(located.into());
        }
    };

    let mut errors: Vec<SpecError> = index
        .duplicate_keys()
        .iter()
        .map(|(path, position)| SpecError {
            file: file.to_owned(),
            line: Some(position.line),
            column: Some(position.column),
            path: path.clone(),
            message: "duplicate key: this name is already defined in the same mapping".into(),
        })
        .collect();
    errors.extend(
        validate::validate(&spec)
            .into_iter()
            .map(|problem| locate(&problem.path, problem.message)),
    );
    if errors.is_empty() {
        Ok(spec)
    } else {
        Err(SpecErrors(errors))
    }
}

/// Reads, parses and validates the spec at `path`, naming it `display_name` in messages.
pub fn load_spec(path: &Path, display_name: &str) -> Result<Spec, SpecErrors> {
    let source = std::fs::read_to_string(path).map_err(|error| SpecError {
        file: display_name.to_owned(),
        line: None,
        column: None,
        path: String::new(),
        message: format!("cannot read the spec: {error}"),
    })?;
    parse_spec(display_name, &source)
}

/// serde_yaml's message without its own " at line L column C" suffix (the position is reported
/// separately).
fn describe_serde_error(error: &serde_yaml::Error) -> String {
    let text = error.to_string();
    match text.find(" at line ") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    }
}
