//! The products the emulator serves: every spec embedded at build time (`specs/*.yaml`) plus
//! any given at run time, parsed and lowered by the `aliyun-spec` crate, so the emulator and the
//! SDK agree on each action.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use aliyun_spec::Product;
use aliyun_spec::model::{Field, Action, Type};
use regex::Regex;

include!(concat!(env!("OUT_DIR"), "/embedded_specs.rs"));

/// The names of the specs embedded at build time (`ecs.yaml`, ...).
pub fn embedded_spec_names() -> Vec<&'static str> {
    EMBEDDED_SPECS.iter().map(|(name, _)| *name).collect()
}

/// The embedded specs, parsed and lowered as the emulator serves them (once per process).
pub fn embedded_products() -> Result<Vec<Arc<Product>>, String> {
    embedded_catalog().map(|c| c.products.clone())
}

/// The embedded specs parsed once per process: the imported specs take seconds to parse in an
/// unoptimized build, and tests start many emulators.
fn embedded_catalog() -> Result<&'static Catalog, String> {
    static EMBEDDED: OnceLock<Result<Catalog, String>> = OnceLock::new();
    EMBEDDED
        .get_or_init(|| Catalog::load(&embedded_sources()))
        .as_ref()
        .map_err(Clone::clone)
}

/// A spec source: a display name for messages and its YAML text.
#[derive(Debug, Clone)]
pub(crate) struct SpecSource {
    pub(crate) name: String,
    pub(crate) text: String,
}

pub(crate) fn embedded_sources() -> Vec<SpecSource> {
    EMBEDDED_SPECS
        .iter()
        .map(|(name, text)| SpecSource {
            name: format!("specs/{name}"),
            text: (*text).to_owned(),
        })
        .collect()
}

/// Every served product, with the regular expressions of their patterns compiled once.
#[derive(Debug, Default, Clone)]
pub(crate) struct Catalog {
    products: Vec<Arc<Product>>,
    patterns: HashMap<String, Regex>,
}

impl Catalog {
    /// Parses every source; a later spec for the same product code and version replaces an
    /// earlier one (so a runtime spec can override an embedded one).
    pub(crate) fn load(sources: &[SpecSource]) -> Result<Catalog, String> {
        let mut catalog = Catalog::default();
        catalog.add(sources)?;
        Ok(catalog)
    }

    /// The embedded specs (when `embedded`), then `extra` as [`Catalog::load`] adds them.
    pub(crate) fn with_embedded(embedded: bool, extra: &[SpecSource]) -> Result<Catalog, String> {
        let mut catalog = if embedded {
            embedded_catalog()?.clone()
        } else {
            Catalog::default()
        };
        catalog.add(extra)?;
        Ok(catalog)
    }

    fn add(&mut self, sources: &[SpecSource]) -> Result<(), String> {
        let catalog = self;
        for source in sources {
            let product = aliyun_spec::parse_product(&source.name, &source.text)
                .map_err(|e| format!("spec {}: {e}", source.name))?;
            catalog.products.retain(|s| {
                !(s.code.eq_ignore_ascii_case(&product.code)
                    && s.api_version == product.api_version)
            });
            catalog.compile_patterns(&product)?;
            catalog.products.push(Arc::new(product));
        }
        Ok(())
    }

    fn compile_patterns(&mut self, product: &Product) -> Result<(), String> {
        let mut fields: Vec<&Field> = Vec::new();
        for op in &product.actions {
            fields.extend(&op.params);
        }
        for ty in &product.types {
            if let aliyun_spec::model::NamedType::Struct(s) = ty {
                fields.extend(&s.fields);
            }
        }
        for field in fields {
            let mut patterns: Vec<&str> = Vec::new();
            patterns.extend(field.limits.pattern.as_deref());
            if let Type::List(item) = &field.ty {
                patterns.extend(item.limits.pattern.as_deref());
            }
            for pattern in patterns {
                if !self.patterns.contains_key(pattern) {
                    let regex = Regex::new(pattern)
                        .map_err(|e| format!("pattern {pattern:?} of {}: {e}", field.wire_name))?;
                    self.patterns.insert(pattern.to_owned(), regex);
                }
            }
        }
        Ok(())
    }

    pub(crate) fn products(&self) -> &[Arc<Product>] {
        &self.products
    }

    /// The compiled form of a spec pattern.
    pub(crate) fn pattern(&self, pattern: &str) -> Option<&Regex> {
        self.patterns.get(pattern)
    }

    /// Whether any product has API version `version`.
    pub(crate) fn knows_version(&self, version: &str) -> bool {
        self.products.iter().any(|s| s.api_version == version)
    }

    /// The product at `version` that has `action` (the first when several share a version).
    pub(crate) fn find(&self, version: &str, action: &str) -> Option<(Arc<Product>, &Action)> {
        self.products
            .iter()
            .filter(|s| s.api_version == version)
            .find_map(|s| s.action(action).map(|op| (Arc::clone(s), op)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embeds_ecs_and_cms() {
        let names = embedded_spec_names();
        assert!(names.contains(&"ecs.yaml"), "{names:?}");
        assert!(names.contains(&"cms.yaml"), "{names:?}");
        let catalog = Catalog::with_embedded(true, &[]).unwrap();
        let (ecs, op) = catalog.find("2014-05-26", "RebootInstance").unwrap();
        assert_eq!(ecs.code, "Ecs");
        assert_eq!(op.name, "RebootInstance");
        assert!(catalog.find("2017-03-01", "NodeInstall").is_some());
        assert!(catalog.find("2017-03-01", "RebootInstance").is_none());
        assert!(catalog.knows_version("2017-03-01"));
    }

    #[test]
    fn bad_spec_is_reported() {
        let err = Catalog::load(&[SpecSource {
            name: "broken.yaml".into(),
            text: "product: [".into(),
        }])
        .unwrap_err();
        assert!(err.contains("broken.yaml"), "{err}");
    }
}
