//! `cargo xtask import FILE...`: writes or updates `specs/<code>.yaml` from Alibaba Cloud API
//! metadata files (`api-docs.json`, reduced or as downloaded from the API explorer).
//!
//! The pipeline: [`read`] the facts (prose is never read), [`layers`] several files of one
//! product and version (oldest first) into one set of facts, [`clean`] the known defects (each
//! counted in the [`report`]), build [`shapes`], [`naming`] of structures and summaries, test
//! cases from [`examples`], API [`groups`] from the overlay's table of groups and some of their
//! actions, the [`endpoints`] rule and the inferred [`paging`], the document from
//! [`mod@write`], then the hand-written [`overlay`]; the result must load as codegen loads it
//! before anything is written.
//! The output depends only on the input file and the overlay, so importing twice changes
//! nothing.

pub mod clean;
pub mod endpoints;
pub mod examples;
pub mod groups;
pub mod json_text;
pub mod layers;
pub mod naming;
pub mod overlay;
pub mod paging;
pub mod read;
pub mod report;
pub mod shapes;
pub mod write;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use clean::ErrorEntry;
use examples::RequestCase;
use read::{ApiDocs, RawAction};
use report::Report;
use shapes::{Kind, Member, Side};

/// Errors of the import.
#[derive(Debug)]
pub enum ImportError {
    /// The metadata file is not an api-docs file.
    Format(String),
    /// A file could not be read or written.
    Io(PathBuf, std::io::Error),
    /// An overlay is not valid YAML.
    Overlay(PathBuf, String),
    /// Bad command-line use.
    Usage(String),
    /// The spec the import made is refused by the spec loader (nothing was written).
    Invalid(String),
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Format(why) => write!(f, "not an api-docs file: {why}"),
            ImportError::Io(path, e) => write!(f, "{}: {e}", path.display()),
            ImportError::Overlay(path, e) => write!(f, "{}: {e}", path.display()),
            ImportError::Usage(why) => write!(f, "{why}"),
            ImportError::Invalid(why) => write!(f, "the imported spec is invalid:\n{why}"),
        }
    }
}

impl std::error::Error for ImportError {}

/// Product facts of an imported spec.
#[derive(Debug, Clone)]
pub struct ImportedProduct {
    /// `Ecs`
    pub code: String,
    /// `2014-05-26`
    pub version: String,
    /// `aliyun-ecs`
    pub crate_name: String,
    /// `v1` (RPC) or `v3`.
    pub signature: String,
    /// `POST` or `GET`: the method most actions list first.
    pub method: String,
    /// The endpoint rule and its exceptions.
    pub endpoints: endpoints::Endpoints,
}

/// One imported action.
#[derive(Debug, Clone)]
pub struct ImportedAction {
    /// Name.
    pub name: String,
    /// The one-line summary.
    pub doc: String,
    /// Deprecated.
    pub deprecated: bool,
    /// The later metadata file that added the action.
    pub source: Option<String>,
    /// The later metadata file that no longer lists it (it is then deprecated).
    pub dropped_by: Option<String>,
    /// No file describes its response: the output is the body as JSON.
    pub untyped: bool,
    /// Parameter -> the later metadata file that added it.
    pub param_sources: BTreeMap<String, String>,
    /// Parameter -> the later metadata file that no longer lists it (it is then deprecated).
    pub dropped_params: BTreeMap<String, String>,
    /// `systemTags.operationType`.
    pub operation_type: Option<String>,
    /// Set when no file gives an operation type and the name says the action reads
    /// (`Describe...`, `List...`, `Get...`, `Query...`): such an action is safe to retry.
    pub idempotent: Option<bool>,
    /// The API group (a Cargo feature of the product crate), from the overlay's `groups`.
    pub group: Option<String>,
    /// Set when the action cannot use the product's method.
    pub method: Option<String>,
    /// Parameters.
    pub params: Vec<Member>,
    /// Top-level response fields.
    pub fields: Vec<Member>,
    /// The JSON example body.
    pub example: Option<Value>,
    /// Errors.
    pub errors: Vec<ErrorEntry>,
    /// Inferred paging.
    pub pagination: Option<serde_yaml::Value>,
    /// The `example` request case.
    pub request: RequestCase,
    /// The parameters of the response case when the request case expects a refusal (made-up
    /// values for the required parameters without an example).
    pub response_params: Option<Map<String, Value>>,
    /// The `output_contains` of the `example` response case.
    pub expected: Option<Map<String, Value>>,
}

/// The result of importing one file.
#[derive(Debug)]
pub struct Imported {
    /// The spec written.
    pub path: PathBuf,
    /// Whether its contents changed.
    pub changed: bool,
    /// What was cleaned and created.
    pub report: Report,
}

/// The spec text for an api-docs text, with `overlay` (a YAML text) merged when given.
pub fn convert(
    api_docs: &str,
    overlay: Option<&str>,
    header_source: &str,
) -> Result<(String, Report), ImportError> {
    convert_layers(&[(header_source, api_docs)], overlay)
}

/// The spec text for several api-docs texts of one product and version, `(file name, text)`
/// oldest first, layered by the rule of [`layers`]; `overlay` merged when given.
pub fn convert_layers(
    files: &[(&str, &str)],
    overlay: Option<&str>,
) -> Result<(String, Report), ImportError> {
    let parsed = files
        .iter()
        .map(|(name, text)| Ok(((*name).to_owned(), read::parse(text)?)))
        .collect::<Result<Vec<_>, ImportError>>()?;
    convert_parsed(parsed, overlay)
}

/// [`convert_layers`] for files already read: `(file name, facts)`, oldest first.
fn convert_parsed(
    parsed: Vec<(String, ApiDocs)>,
    overlay: Option<&str>,
) -> Result<(String, Report), ImportError> {
    let (docs, provenance) = layers::layer(parsed)?;
    let mut report = Report::default();
    if provenance.sources.len() > 1 {
        report.layered = Some(report::Layered {
            sources: provenance.sources.clone(),
            added_actions: provenance.added_actions.len(),
            added_params: provenance.added_params.len(),
            dropped_actions: provenance.dropped_actions.keys().cloned().collect(),
            untyped: provenance.untyped.len(),
        });
    }
    let product = product(&docs);
    let overlay: Option<serde_yaml::Value> = overlay
        .map(serde_yaml::from_str)
        .transpose()
        .map_err(|e| ImportError::Overlay(PathBuf::from("overlay"), e.to_string()))?;
    let names: Vec<String> = docs.actions.iter().map(|a| a.name.clone()).collect();
    let groups = groups::assign(
        &docs.directories,
        overlay.as_ref().and_then(|o| o.get("groups")),
        &names,
    )?;
    report.inferred_groups = groups.inferred.clone();
    report.ungrouped = groups.ungrouped.clone();
    let json = json_text::overrides(overlay.as_ref())
        .map_err(|why| ImportError::Overlay(PathBuf::from("overlay"), why))?;
    let mut actions: Vec<ImportedAction> = docs
        .actions
        .iter()
        .map(|raw| action(raw, &product, &json, &provenance, &mut report))
        .collect();
    if let Some((action, param)) = json.keys().find(|(action, param)| {
        !docs
            .actions
            .iter()
            .any(|a| &a.name == action && a.params.iter().any(|p| &p.name == param))
    }) {
        return Err(ImportError::Overlay(
            PathBuf::from("overlay"),
            format!("json_params: `{action}.{param}` names no imported parameter"),
        ));
    }
    for action in &mut actions {
        action.group = groups.groups.get(&action.name).cloned();
    }
    let shapes: Vec<(String, Vec<Member>, Vec<Member>)> = actions
        .iter()
        .map(|a| (a.name.clone(), a.params.clone(), a.fields.clone()))
        .collect();
    let renames = type_names(overlay.as_ref())?;
    let names = naming::assign(&shapes, &renames)
        .map_err(|why| ImportError::Overlay(PathBuf::from("overlay"), why))?;
    report.numbered_types = names.numbered.iter().cloned().collect();
    report.actions = actions.len();
    report.types = names.types.len();
    report.shared_types = names.types.values().filter(|t| t.uses > 1).count();
    report.shared_uses = names.types.values().map(|t| t.uses - 1).sum();
    let mut doc = write::spec(&product, &actions, &names, &provenance.sources);
    if let Some(overlay) = &overlay {
        overlay::merge(&mut doc, overlay);
    }
    let header = format!(
        "# {} API version {}: written by `cargo xtask import` from the product's API metadata\n\
         # ({}).\n\
         # Do not edit by hand: re-run the import; hand-written parts go in the overlay\n\
         # (specs/overlays/, merge rule in specs/README.md).\n",
        product.code,
        product.version,
        provenance.sources.join(", then ")
    );
    let text = write::text(&header, &doc);
    // The loader codegen uses: what it refuses is never written.
    codegen::parse_product(&format!("{} (imported)", product.crate_name), &text)
        .map_err(|errors| ImportError::Invalid(errors.to_string()))?;
    Ok((text, report))
}

/// The overlay's `type_names`: imported structure name -> the name it gets instead.
fn type_names(
    overlay: Option<&serde_yaml::Value>,
) -> Result<BTreeMap<String, String>, ImportError> {
    let Some(table) = overlay.and_then(|o| o.get("type_names")) else {
        return Ok(BTreeMap::new());
    };
    let bad =
        |why: &str| ImportError::Overlay(PathBuf::from("overlay"), format!("type_names: {why}"));
    let table = table
        .as_mapping()
        .ok_or_else(|| bad("expected a mapping from imported name to name"))?;
    table
        .iter()
        .map(|(from, to)| match (from.as_str(), to.as_str()) {
            (Some(from), Some(to)) if is_type_name(to) => Ok((from.to_owned(), to.to_owned())),
            (Some(from), _) => Err(bad(&format!(
                "`{from}` must map to an UpperCamelCase type name"
            ))),
            _ => Err(bad("keys must be type names")),
        })
        .collect()
}

fn is_type_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Imports each file into `specs/<code>.yaml` under `root` (or `out`, for a single file).
pub fn run(
    root: &Path,
    files: &[PathBuf],
    out: Option<&Path>,
) -> Result<Vec<Imported>, ImportError> {
    if let Some(flag) = files.iter().find(|f| f.to_string_lossy().starts_with('-')) {
        return Err(ImportError::Usage(format!(
            "unknown flag {}: import takes files and `--out PATH`",
            flag.display()
        )));
    }
    // Files of one product and API version are layered, in the order given (oldest first).
    let mut products: Vec<ProductFiles> = Vec::new();
    for file in files {
        let text = fs::read_to_string(file).map_err(|e| ImportError::Io(file.clone(), e))?;
        let docs = read::parse(&text)?;
        let (product, version) = (docs.product.clone(), docs.version.clone());
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match products
            .iter_mut()
            .find(|p| (&p.product, &p.version) == (&product, &version))
        {
            Some(files) => files.layers.push((name, docs)),
            None => products.push(ProductFiles {
                product,
                version,
                layers: vec![(name, docs)],
            }),
        }
    }
    if out.is_some() && products.len() != 1 {
        return Err(ImportError::Usage(
            "--out takes the files of exactly one product and API version".into(),
        ));
    }
    // Every product is converted and checked before the first spec is written.
    let mut specs = Vec::new();
    for ProductFiles {
        product, layers, ..
    } in products
    {
        let path = match out {
            Some(out) => out.to_path_buf(),
            None => root
                .join("specs")
                .join(format!("{}.yaml", product.to_ascii_lowercase())),
        };
        let overlay_path = overlay_path(&path);
        let overlay = match fs::read_to_string(&overlay_path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(ImportError::Io(overlay_path, e)),
        };
        let (spec, report) = convert_parsed(layers, overlay.as_deref()).map_err(|e| match e {
            ImportError::Overlay(_, why) => ImportError::Overlay(overlay_path.clone(), why),
            other => other,
        })?;
        specs.push((path, spec, report));
    }
    let mut done = Vec::new();
    for (path, spec, mut report) in specs {
        let before = fs::read_to_string(&path).ok();
        let changed = before.as_deref() != Some(spec.as_str());
        if let Some(before) = &before {
            report.moved_types = moved_types(before, &spec);
        }
        if changed {
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(|e| ImportError::Io(parent.to_path_buf(), e))?;
            }
            fs::write(&path, &spec).map_err(|e| ImportError::Io(path.clone(), e))?;
        }
        done.push(Imported {
            path,
            changed,
            report,
        });
    }
    Ok(done)
}

/// The structures of the spec `before` whose name is no longer used where it was in `after`
/// (a parameter, response field or structure field that held it holds another type now), each
/// with the types those places hold now: a rename a user's code would feel, for the overlay's
/// `type_names` to undo.
pub fn moved_types(before: &str, after: &str) -> Vec<(String, Vec<String>)> {
    let (before, after) = (type_uses(before), type_uses(after));
    let mut moved: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (place, name) in &before {
        match after.get(place) {
            Some(now) if now == name => {}
            now => {
                let list = moved.entry(name.clone()).or_default();
                if let Some(now) = now.filter(|now| !list.contains(now)) {
                    list.push(now.clone());
                }
            }
        }
    }
    moved.into_iter().collect()
}

/// Where a spec uses its named structures: `Action.params.Name`, `Action.response.Name` or
/// `Type.Field` -> the structure named there.
fn type_uses(spec: &str) -> BTreeMap<String, String> {
    use serde_yaml::Value as Yaml;
    let mut uses = BTreeMap::new();
    let Ok(doc) = serde_yaml::from_str::<Yaml>(spec) else {
        return uses;
    };
    let mut note = |holder: String, members: Option<&Yaml>| {
        for member in members.and_then(Yaml::as_sequence).into_iter().flatten() {
            let named = member
                .get("ref")
                .or_else(|| member.get("items").and_then(|i| i.get("ref")));
            if let (Some(name), Some(used)) = (
                member.get("name").and_then(Yaml::as_str),
                named.and_then(Yaml::as_str),
            ) {
                uses.insert(format!("{holder}.{name}"), used.to_owned());
            }
        }
    };
    let mapping = |key: &str| doc.get(key).and_then(Yaml::as_mapping);
    for (name, action) in mapping("actions").into_iter().flatten() {
        let name = name.as_str().unwrap_or_default();
        note(format!("{name}.params"), action.get("params"));
        note(
            format!("{name}.response"),
            action.get("response").and_then(|r| r.get("fields")),
        );
    }
    for (name, def) in mapping("types").into_iter().flatten() {
        note(
            name.as_str().unwrap_or_default().to_owned(),
            def.get("fields"),
        );
    }
    uses
}

/// The files given for one product and API version, in the order given.
struct ProductFiles {
    product: String,
    version: String,
    /// `(file name, facts)`, oldest first.
    layers: Vec<(String, ApiDocs)>,
}

/// `dir/x.yaml` -> `dir/overlays/x.yaml`.
pub fn overlay_path(spec: &Path) -> PathBuf {
    let dir = spec.parent().unwrap_or(Path::new("."));
    dir.join("overlays")
        .join(spec.file_name().unwrap_or_default())
}

fn product(docs: &ApiDocs) -> ImportedProduct {
    let code = docs.product.clone();
    let endpoints = endpoints::infer(&docs.endpoints, &code);
    let mut firsts: HashMap<String, usize> = HashMap::new();
    for action in &docs.actions {
        if let Some(first) = action.methods.iter().find(|m| *m == "post" || *m == "get") {
            *firsts.entry(first.clone()).or_default() += 1;
        }
    }
    let get = firsts.get("get").copied().unwrap_or_default();
    let post = firsts.get("post").copied().unwrap_or_default();
    ImportedProduct {
        crate_name: format!("aliyun-{}", code.to_ascii_lowercase()),
        version: docs.version.clone(),
        signature: if docs.style.eq_ignore_ascii_case("ROA") {
            "v3"
        } else {
            "v1"
        }
        .to_owned(),
        method: if get > post { "GET" } else { "POST" }.to_owned(),
        endpoints,
        code,
    }
}

fn action(
    raw: &RawAction,
    product: &ImportedProduct,
    json: &json_text::Overrides,
    provenance: &layers::Provenance,
    report: &mut Report,
) -> ImportedAction {
    let params = clean::dedupe_params(&raw.params, report);
    let members: Vec<Member> = params
        .iter()
        .map(|p| {
            let mut m = shapes::from_schema(&p.name, &p.schema, Side::Request, report);
            m.style = match p.style.as_deref() {
                Some("repeatList") => Some("repeat".to_owned()),
                Some("flat") => Some("flat".to_owned()),
                Some("json") => Some("json".to_owned()),
                _ => None,
            };
            if p.location == "formData" {
                m.location = Some("form_body".to_owned());
            }
            // Dotted names are structure fields, which have no style of their own.
            if !p.name.contains('.') {
                let forced = json.get(&(raw.name.clone(), p.name.clone())).copied();
                json_text::retype(&mut m, forced, report);
            }
            m
        })
        .collect();
    let mut params = clean::group_dotted(members, report);
    clean::drop_lowercase_twins(&mut params, report);
    for p in &mut params {
        // `repeat` is the default and says nothing for a structure.
        if matches!(p.kind, Kind::Struct(_)) && p.style.as_deref() == Some("repeat") {
            p.style = None;
        }
        if p.kind == Kind::String {
            p.client_region = p.name == "RegionId";
            // A required token is the caller's to give: the SDK fills only optional ones.
            p.client_token = p.name == "ClientToken" && !p.required;
        }
        strip_param_only_keys(&mut p.kind);
    }
    clean::settle_member_names(&mut params, report);
    let of_action = |table: &BTreeMap<(String, String), String>| -> BTreeMap<String, String> {
        table
            .iter()
            .filter(|((action, param), _)| {
                *action == raw.name && params.iter().any(|p| &p.name == param)
            })
            .map(|((_, param), source)| (param.clone(), source.clone()))
            .collect()
    };
    let param_sources = of_action(&provenance.added_params);
    let dropped_params = of_action(&provenance.dropped_params);
    for p in &mut params {
        p.deprecated |= dropped_params.contains_key(&p.name);
    }
    let dropped_by = provenance.dropped_actions.get(&raw.name).cloned();
    let mut fields = raw
        .response
        .as_ref()
        .map(|s| shapes::response_fields(s, report))
        .unwrap_or_default();
    clean::settle_member_names(&mut fields, report);
    let errors = clean::errors(&raw.errors, report);
    let request = examples::request_case(&params);
    if request.invalid.is_some() {
        report.invalid_request_cases += 1;
    }
    let response_params = match &request.invalid {
        None => Some(request.params.clone()),
        Some(_) => examples::made_up_params(&params, &request.params),
    };
    let expected = raw
        .example
        .as_ref()
        .filter(|_| response_params.is_some())
        .and_then(|body| examples::expected_output(&fields, body, report));
    let method = raw
        .methods
        .iter()
        .find(|m| *m == "post" || *m == "get")
        .map(|m| m.to_ascii_uppercase())
        .filter(|m| {
            !raw.methods
                .iter()
                .any(|x| x.eq_ignore_ascii_case(&product.method))
                && *m != product.method
        });
    let pagination = paging::infer(&params, &fields);
    if expected.is_some() && response_params.is_some() {
        report.response_cases += 1;
    }
    ImportedAction {
        name: raw.name.clone(),
        doc: naming::summary(&raw.name),
        deprecated: raw.deprecated || dropped_by.is_some(),
        source: provenance.added_actions.get(&raw.name).cloned(),
        dropped_by,
        untyped: provenance.untyped.contains(&raw.name),
        param_sources,
        dropped_params,
        group: None,
        idempotent: (raw.operation_type.is_none() && reads_by_name(&raw.name)).then_some(true),
        operation_type: raw.operation_type.clone(),
        method,
        params,
        fields,
        example: raw.example.clone(),
        errors,
        pagination,
        request,
        response_params: response_params.filter(|_| expected.is_some()),
        expected,
    }
}

/// Whether an action's name says it only reads (`DescribePortRangeLists`).
fn reads_by_name(action: &str) -> bool {
    ["Describe", "List", "Get", "Query"].iter().any(|verb| {
        action
            .strip_prefix(verb)
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
    })
}

/// `style` and `location` belong to parameters: nested members drop them.
fn strip_param_only_keys(kind: &mut Kind) {
    let fields = match kind {
        Kind::Struct(fields) => fields,
        Kind::List(item) | Kind::Map(item) => {
            item.style = None;
            item.location = None;
            return strip_param_only_keys(&mut item.kind);
        }
        _ => return,
    };
    for field in fields {
        field.style = None;
        field.location = None;
        strip_param_only_keys(&mut field.kind);
    }
}
