//! The products the emulator serves: every spec embedded at build time (`specs/*.yaml`) plus
//! any given at run time, in the `aliyun-spec` model, so the emulator and the SDK agree on each
//! action.
//!
//! `build.rs` parsed and validated the embedded specs and stored them as JSON pieces ([`index`]):
//! a start decodes only their small index, and an action (with the types it refers to) is
//! decoded the first time a request names it, once per process. Unoptimized, as in a test build,
//! reading all of them at start took seconds. Specs given at run time are parsed from YAML at
//! start. Spec patterns are compiled the first time a value is checked against them.

mod index;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use aliyun_spec::Product;
use aliyun_spec::model::{Action, NamedType};
use regex::Regex;
use serde::de::DeserializeOwned;

use index::{Index, Span, SpecIndex};

/// Where each embedded piece is (written by `build.rs`).
static INDEX: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/embedded_index.json"));
/// The embedded pieces: JSON texts, back to back.
static MODEL: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/embedded_model.json"));

/// The names of the specs embedded at build time (`ecs.yaml`, ...).
pub fn embedded_spec_names() -> Vec<&'static str> {
    embedded_index()
        .map(|index| index.specs.iter().map(|s| s.file.as_str()).collect())
        .unwrap_or_default()
}

/// The embedded specs, lowered as the emulator serves them, with every action and type (decoded
/// once per process, which takes a moment in an unoptimized build; a start does not need it).
pub fn embedded_products() -> Result<Vec<Arc<Product>>, String> {
    static PRODUCTS: OnceLock<Result<Vec<Arc<Product>>, String>> = OnceLock::new();
    PRODUCTS
        .get_or_init(|| {
            embedded_index()?
                .specs
                .iter()
                .map(|spec| whole_product(spec).map(Arc::new))
                .collect()
        })
        .clone()
}

fn whole_product(spec: &SpecIndex) -> Result<Product, String> {
    let mut product: Product = decode(spec.header)?;
    product.types = spec
        .types
        .iter()
        .map(|at| decode(*at))
        .collect::<Result<_, _>>()?;
    product.actions = spec
        .actions
        .iter()
        .map(|op| decode(op.at))
        .collect::<Result<_, _>>()?;
    Ok(product)
}

fn embedded_index() -> Result<&'static Index, String> {
    static DECODED: OnceLock<Result<Index, String>> = OnceLock::new();
    DECODED
        .get_or_init(|| {
            serde_json::from_slice(INDEX).map_err(|e| format!("embedded spec index: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// One embedded piece. It was written from the same model by `build.rs`, so an error means a
/// broken build, reported rather than panicked on.
fn decode<T: DeserializeOwned>(at: Span) -> Result<T, String> {
    let bytes = usize::try_from(at.start)
        .ok()
        .zip(usize::try_from(at.end).ok())
        .and_then(|(start, end)| MODEL.get(start..end))
        .ok_or_else(|| format!("embedded spec data: no bytes {}..{}", at.start, at.end))?;
    serde_json::from_slice(bytes).map_err(|e| format!("embedded spec data: {e}"))
}

/// The embedded products, indexed once per process (tests start many emulators); their
/// actions are decoded on demand and shared by every emulator of the process.
fn embedded_catalog() -> Result<&'static Catalog, String> {
    static EMBEDDED: OnceLock<Result<Catalog, String>> = OnceLock::new();
    EMBEDDED
        .get_or_init(|| {
            let products = embedded_index()?
                .specs
                .iter()
                .map(|spec| Arc::new(Served::embedded(spec)))
                .collect();
            Ok(Catalog { products })
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// A spec source: a display name for messages and its YAML text.
#[derive(Debug, Clone)]
pub(crate) struct SpecSource {
    pub(crate) name: String,
    pub(crate) text: String,
}

/// One product at one API version, as served.
#[derive(Debug)]
pub(crate) struct Served {
    /// Product code (`Ecs`).
    pub(crate) code: String,
    /// API version.
    pub(crate) api_version: String,
    /// Its actions, in the spec's order.
    pub(crate) actions: Vec<ServedAction>,
    source: Source,
}

/// One action of a served product.
#[derive(Debug)]
pub(crate) struct ServedAction {
    /// The action name.
    pub(crate) name: String,
    /// Embedded only: the product narrowed to this action and the types it refers to,
    /// decoded on first use (`None` if the embedded data is broken).
    view: OnceLock<Option<Arc<Product>>>,
}

#[derive(Debug)]
enum Source {
    /// Parsed from YAML at start.
    Parsed(Arc<Product>),
    /// Embedded at build time, decoded piece by piece.
    Embedded {
        spec: &'static SpecIndex,
        /// The product without actions and types.
        header: OnceLock<Result<Arc<Product>, String>>,
        /// Each named type, by its index in `spec.types`.
        types: Vec<OnceLock<Result<NamedType, String>>>,
    },
}

impl Served {
    fn parsed(product: Product) -> Served {
        Served {
            code: product.code.clone(),
            api_version: product.api_version.clone(),
            actions: product
                .actions
                .iter()
                .map(|op| ServedAction {
                    name: op.name.clone(),
                    view: OnceLock::new(),
                })
                .collect(),
            source: Source::Parsed(Arc::new(product)),
        }
    }

    fn embedded(spec: &'static SpecIndex) -> Served {
        Served {
            code: spec.code.clone(),
            api_version: spec.api_version.clone(),
            actions: spec
                .actions
                .iter()
                .map(|op| ServedAction {
                    name: op.name.clone(),
                    view: OnceLock::new(),
                })
                .collect(),
            source: Source::Embedded {
                spec,
                header: OnceLock::new(),
                types: spec.types.iter().map(|_| OnceLock::new()).collect(),
            },
        }
    }

    /// The product (or, embedded, its view for the action) and the action named `action`.
    fn find(&self, action: &str) -> Option<(Arc<Product>, &Action)> {
        match &self.source {
            Source::Parsed(product) => product.action(action).map(|op| (Arc::clone(product), op)),
            Source::Embedded { .. } => {
                let position = self.actions.iter().position(|op| op.name == action)?;
                let view = self.actions[position]
                    .view
                    .get_or_init(|| match self.decode_view(position) {
                        Ok(view) => Some(Arc::new(view)),
                        Err(error) => {
                            tracing::error!(%error, action, "cannot decode an embedded action");
                            None
                        }
                    })
                    .as_ref()?;
                view.actions.first().map(|op| (Arc::clone(view), op))
            }
        }
    }

    /// The header, the action at `position` and the types it refers to (each type decoded once
    /// for all the actions that share it).
    fn decode_view(&self, position: usize) -> Result<Product, String> {
        let Source::Embedded {
            spec,
            header,
            types,
        } = &self.source
        else {
            return Err("not an embedded product".into());
        };
        let entry = spec
            .actions
            .get(position)
            .ok_or("embedded spec index: no such action")?;
        let mut view = Product::clone(
            header
                .get_or_init(|| decode(spec.header).map(Arc::new))
                .as_ref()?,
        );
        for &index in &entry.types {
            let index = usize::try_from(index).unwrap_or(usize::MAX);
            let (Some(at), Some(slot)) = (spec.types.get(index), types.get(index)) else {
                return Err(format!("embedded spec index: no type {index}"));
            };
            view.types.push(slot.get_or_init(|| decode(*at)).clone()?);
        }
        view.actions.push(decode(entry.at)?);
        Ok(view)
    }
}

/// Every served product.
#[derive(Debug, Default, Clone)]
pub(crate) struct Catalog {
    products: Vec<Arc<Served>>,
}

impl Catalog {
    /// Parses every source; a later spec for the same product code and version replaces an
    /// earlier one (so a runtime spec can override an embedded one).
    #[cfg(test)]
    pub(crate) fn load(sources: &[SpecSource]) -> Result<Catalog, String> {
        let mut catalog = Catalog::default();
        catalog.add(sources)?;
        Ok(catalog)
    }

    /// The embedded specs (when `embedded`), then `extra` parsed from YAML (a later spec for the
    /// same product and version replaces an earlier one).
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
        for source in sources {
            let product = aliyun_spec::parse_product(&source.name, &source.text)
                .map_err(|e| format!("spec {}: {e}", source.name))?;
            self.products.retain(|s| {
                !(s.code.eq_ignore_ascii_case(&product.code)
                    && s.api_version == product.api_version)
            });
            self.products.push(Arc::new(Served::parsed(product)));
        }
        Ok(())
    }

    pub(crate) fn products(&self) -> &[Arc<Served>] {
        &self.products
    }

    /// The compiled form of a spec pattern, compiled on first use and kept for the process
    /// (patterns come from specs only, so the cache stays small). `None` only for a pattern
    /// that does not compile, which spec validation already refuses.
    pub(crate) fn pattern(&self, pattern: &str) -> Option<Arc<Regex>> {
        static COMPILED: OnceLock<Mutex<HashMap<String, Option<Arc<Regex>>>>> = OnceLock::new();
        let mut compiled = COMPILED
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(regex) = compiled.get(pattern) {
            return regex.clone();
        }
        let regex = Regex::new(pattern).ok().map(Arc::new);
        compiled.insert(pattern.to_owned(), regex.clone());
        regex
    }

    /// Whether any product has API version `version`.
    pub(crate) fn knows_version(&self, version: &str) -> bool {
        self.products.iter().any(|s| s.api_version == version)
    }

    /// The product at `version` that has `action` (the first when several share a version),
    /// and the action. An embedded product comes narrowed to the action and the types it
    /// refers to.
    pub(crate) fn find(&self, version: &str, action: &str) -> Option<(Arc<Product>, &Action)> {
        self.products
            .iter()
            .filter(|s| s.api_version == version)
            .find_map(|s| s.find(action))
    }
}

#[cfg(test)]
mod tests {
    use aliyun_spec::model::{Field, Type};

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

    /// The pieces `build.rs` stored decode to what parsing the YAML gives, whole and per action.
    #[test]
    fn embedded_form_matches_the_yaml() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
        let embedded = embedded_products().unwrap();
        let catalog = Catalog::with_embedded(true, &[]).unwrap();
        assert_eq!(embedded.len(), embedded_spec_names().len());
        for (name, product) in embedded_spec_names().into_iter().zip(&embedded) {
            let text = std::fs::read_to_string(dir.join(name)).unwrap();
            let parsed = aliyun_spec::parse_product(name, &text).unwrap();
            // Debug shows every field (and tells `None` from `Some(null)`).
            assert_eq!(format!("{product:?}"), format!("{parsed:?}"), "{name}");

            let served = catalog
                .products()
                .iter()
                .find(|s| s.code == parsed.code && s.api_version == parsed.api_version)
                .unwrap();
            let names: Vec<&str> = served.actions.iter().map(|op| op.name.as_str()).collect();
            let parsed_names: Vec<&str> =
                parsed.actions.iter().map(|op| op.name.as_str()).collect();
            assert_eq!(names, parsed_names, "{name}");

            for op in parsed.actions.iter().take(3).chain(parsed.actions.last()) {
                let (view, served_op) = catalog.find(&parsed.api_version, &op.name).unwrap();
                assert_eq!(format!("{served_op:?}"), format!("{op:?}"), "{name}");
                assert_eq!(view.code, parsed.code);
                assert_eq!(view.central_endpoint, parsed.central_endpoint);
                assert_eq!(view.actions.len(), 1);
                for ty in &view.types {
                    let whole = parsed.named_type(ty.name()).unwrap();
                    assert_eq!(format!("{ty:?}"), format!("{whole:?}"), "{name}");
                }
            }
        }
    }

    /// An action's view holds every type its parameters and response reach.
    #[test]
    fn views_hold_the_types_their_action_reaches() {
        let catalog = Catalog::with_embedded(true, &[]).unwrap();
        let (view, op) = catalog.find("2014-05-26", "DescribeInstances").unwrap();
        assert_eq!(op.name, "DescribeInstances");
        assert!(!view.types.is_empty());
        fn named(ty: &Type) -> Option<&str> {
            match ty {
                Type::Struct(name) | Type::Enum(name) => Some(name),
                Type::List(item) | Type::Map(item) => named(&item.ty),
                _ => None,
            }
        }
        let mut pending: Vec<&Field> = op.params.iter().chain(&op.output).collect();
        while let Some(field) = pending.pop() {
            if let Some(name) = named(&field.ty) {
                assert!(view.named_type(name).is_some(), "{name}");
                pending.extend(view.struct_fields(name));
            }
        }
        // The same view for the next request, not a second decode.
        let (again, _) = catalog.find("2014-05-26", "DescribeInstances").unwrap();
        assert!(Arc::ptr_eq(&view, &again));
    }

    #[test]
    fn patterns_compile_once() {
        let catalog = Catalog::default();
        let first = catalog.pattern("^i-[a-z0-9]+$").unwrap();
        assert!(first.is_match("i-abc"));
        assert!(Arc::ptr_eq(
            &first,
            &catalog.pattern("^i-[a-z0-9]+$").unwrap()
        ));
        assert!(catalog.pattern("(").is_none());
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
