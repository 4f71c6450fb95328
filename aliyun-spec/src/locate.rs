//! Source positions of YAML nodes by field path.
//!
//! serde_yaml reports a position only for errors it finds itself. Semantic errors found later
//! (a duplicate parameter, a test naming an unknown field) have only a field path such as
//! `actions.InstallCloudAssistant.params[1].name`; this index maps such paths back to a line and
//! column by walking the document's events once. It also spots duplicate mapping keys, which
//! deserializing into a map would silently collapse.

use std::collections::{HashMap, HashSet};

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

/// Positions of every key and list item of a document, by field path.
#[derive(Debug, Default)]
pub struct SourceIndex {
    positions: HashMap<String, Position>,
    duplicates: Vec<(String, Position)>,
}

impl SourceIndex {
    /// Indexes `source`. A document that does not parse gives an empty index (the caller has
    /// already reported the syntax error with serde_yaml's position).
    pub fn new(source: &str) -> Self {
        let mut builder = Builder::default();
        let mut parser = Parser::new_from_str(source);
        if parser.load(&mut builder, false).is_err() {
            return SourceIndex::default();
        }
        SourceIndex {
            positions: builder.positions,
            duplicates: builder.duplicates,
        }
    }

    /// The position of `path`, or of its nearest indexed ancestor.
    pub fn position(&self, path: &str) -> Option<Position> {
        let mut path = path;
        loop {
            if let Some(position) = self.positions.get(path) {
                return Some(*position);
            }
            path = parent(path)?;
        }
    }

    /// Mapping keys that appear twice in the same mapping: (path, position of the repeat).
    pub fn duplicate_keys(&self) -> &[(String, Position)] {
        &self.duplicates
    }
}

/// `a.b[2].c` → `a.b[2]` → `a.b` → `a` → none.
fn parent(path: &str) -> Option<&str> {
    let cut = path.rfind(['.', '['])?;
    Some(&path[..cut])
}

enum Frame {
    Map {
        path: String,
        key: Option<String>,
        seen: HashSet<String>,
        /// yaml-rust2 marks a block mapping's start after its first key; a list item that is
        /// a mapping takes its position from that key instead, once seen.
        position_pending: bool,
    },
    Seq {
        path: String,
        next_index: usize,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    positions: HashMap<String, Position>,
    duplicates: Vec<(String, Position)>,
}

fn position(mark: Marker) -> Position {
    // yaml-rust2 counts lines from 1 and columns from 0.
    Position {
        line: mark.line(),
        column: mark.col() + 1,
    }
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

impl Builder {
    /// Called for every node; returns the path of a value node, or `None` for a mapping key
    /// (which it records).
    fn node(&mut self, scalar_key: Option<&str>, mark: Marker) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Seq { path, next_index }) => {
                let item = format!("{path}[{next_index}]");
                *next_index += 1;
                self.positions.insert(item.clone(), position(mark));
                Some(item)
            }
            Some(Frame::Map {
                path,
                key,
                seen,
                position_pending,
            }) => match key.take() {
                Some(key) => Some(join(path, &key)),
                None => {
                    // A key. Complex (non-scalar) keys get a placeholder name.
                    let name = scalar_key.unwrap_or("?").to_owned();
                    let full = join(path, &name);
                    if std::mem::take(position_pending) {
                        self.positions.insert(path.clone(), position(mark));
                    }
                    if !seen.insert(name.clone()) {
                        self.duplicates.push((full.clone(), position(mark)));
                    }
                    self.positions.entry(full).or_insert(position(mark));
                    *key = Some(name);
                    None
                }
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        match event {
            Event::Scalar(value, ..) => {
                self.node(Some(&value), mark);
            }
            Event::Alias(_) => {
                self.node(None, mark);
            }
            Event::MappingStart(..) => {
                let is_item = matches!(self.stack.last(), Some(Frame::Seq { .. }));
                // A mapping used as a key gets a placeholder path for its insides.
                let path = self.node(None, mark).unwrap_or_else(|| "?".into());
                self.stack.push(Frame::Map {
                    path,
                    key: None,
                    seen: HashSet::new(),
                    position_pending: is_item,
                });
            }
            Event::SequenceStart(..) => {
                let path = self.node(None, mark).unwrap_or_else(|| "?".into());
                self.stack.push(Frame::Seq {
                    path,
                    next_index: 0,
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "\
product:
  code: Ecs
actions:
  Install:
    params:
      - name: RegionId
        type: string
      - name: InstanceId
        max_items: 20
";

    #[test]
    fn positions_of_keys_and_items() {
        let index = SourceIndex::new(DOC);
        let at = |p: &str| index.position(p).map(|p| (p.line, p.column));
        assert_eq!(at("product.code"), Some((2, 3)));
        assert_eq!(at("actions.Install.params[1]"), Some((8, 9)));
        assert_eq!(at("actions.Install.params[1].max_items"), Some((9, 9)));
        // Unindexed leaf: nearest ancestor.
        assert_eq!(at("actions.Install.params[1].nope"), Some((8, 9)));
        assert_eq!(at("nothing.here"), None);
    }

    #[test]
    fn duplicate_keys_are_reported() {
        let index = SourceIndex::new("actions:\n  A: 1\n  B: 2\n  A: 3\n");
        assert_eq!(index.duplicate_keys().len(), 1);
        assert_eq!(index.duplicate_keys()[0].0, "actions.A");
        assert_eq!(index.duplicate_keys()[0].1.line, 4);
    }

    #[test]
    fn broken_yaml_gives_empty_index() {
        let index = SourceIndex::new("a: [1, 2\n");
        assert!(index.position("a").is_none());
    }
}
