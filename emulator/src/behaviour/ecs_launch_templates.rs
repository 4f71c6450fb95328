//! Placeholder.

use super::Model;

pub(super) const MODELS: &[Model] = &[];
