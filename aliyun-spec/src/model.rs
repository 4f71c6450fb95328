//! The intermediate model: a validated spec with every default applied and every name resolved.
//!
//! The emitter reads only this model, and so does the emulator (which serves what the specs
//! say), so both agree on effective methods, Rust names, list styles and limits.

use std::time::Duration;

use serde_json::Value;

use crate::names;
use crate::spec::{self, ItemType, Member, Spec, TypeKind, TypeName};

pub use crate::spec::{
    AcceptorState, ErrorStyle, HttpMethod, ListStyle, PaginationStyle, ParamLocation, RequestCase,
    ResponseCase, SignatureVersion, WireType,
};

/// One product at one API version.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Product {
    /// Product code (`Ecs`).
    pub code: String,
    /// Human name.
    pub name: String,
    /// API version.
    pub api_version: String,
    /// Target crate directory (`aliyun-ecs`).
    pub crate_name: String,
    /// Environment id (`ECS`).
    pub env_id: String,
    /// Signature scheme.
    pub signature: SignatureVersion,
    /// Module documentation.
    pub doc: String,
    /// The host of a region not in the exceptions: a pattern with `{region}`, or for a global
    /// product its one host.
    pub regional_endpoint: String,
    /// The host used without a region (a global product's one host).
    pub central_endpoint: String,
    /// Per-region hosts, sorted by region.
    pub endpoint_exceptions: Vec<(String, String)>,
    /// Error body style.
    pub error_style: ErrorStyle,
    /// The crate module this spec's code goes to (`v20170301`); `None` for the crate root.
    pub module: Option<String>,
    /// Named types, sorted by name.
    pub types: Vec<NamedType>,
    /// Actions, sorted by name.
    pub actions: Vec<Action>,
    /// The metadata files the spec was imported from, oldest first (empty: not recorded).
    pub sources: Vec<String>,
}

impl Product {
    /// The action named `action`.
    pub fn action(&self, action: &str) -> Option<&Action> {
        self.actions.iter().find(|o| o.name == action)
    }

    /// The named type `name`.
    pub fn named_type(&self, name: &str) -> Option<&NamedType> {
        self.types.iter().find(|t| t.name() == name)
    }

    /// The fields of struct `name` (empty if it is not a struct).
    pub fn struct_fields(&self, name: &str) -> &[Field] {
        match self.named_type(name) {
            Some(NamedType::Struct(s)) => &s.fields,
            _ => &[],
        }
    }
}

/// A named structure or enum.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum NamedType {
    /// A structure.
    Struct(StructType),
    /// A string enum.
    Enum(EnumType),
}

impl NamedType {
    /// The type's name.
    pub fn name(&self) -> &str {
        match self {
            NamedType::Struct(s) => &s.name,
            NamedType::Enum(e) => &e.name,
        }
    }
}

/// A structure.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StructType {
    /// Rust (and spec) name.
    pub name: String,
    /// Documentation.
    pub doc: String,
    /// Fields.
    pub fields: Vec<Field>,
    /// Used in some action's parameters (so it is written to the wire).
    pub in_input: bool,
    /// Used in some action's response (so it is decoded).
    pub in_output: bool,
    /// Sent inside a `style: json` parameter (so it is serialized as JSON).
    pub in_json: bool,
}

/// A string enum.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EnumType {
    /// Rust (and spec) name.
    pub name: String,
    /// Documentation.
    pub doc: String,
    /// Known values.
    pub values: Vec<EnumVariant>,
}

/// One known enum value.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EnumVariant {
    /// Wire value.
    pub value: String,
    /// Variant name.
    pub variant: String,
    /// Documentation.
    pub doc: Option<String>,
}

/// A resolved type.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Type {
    /// `String`.
    String,
    /// `i32`.
    Integer,
    /// `i64`.
    Long,
    /// `f64`.
    Float,
    /// `bool`.
    Boolean,
    /// A named structure.
    Struct(String),
    /// A named enum.
    Enum(String),
    /// A list.
    List(Box<Item>),
    /// String keys to values (`BTreeMap<String, item>`, ordered so the wire order is fixed).
    Map(Box<Item>),
    /// Free-form JSON (`serde_json::Value`).
    Any,
}

/// The item of a list, or the value of a map.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Item {
    /// Item type (never a list or map).
    pub ty: Type,
    /// Limits on each item.
    pub limits: Limits,
    /// How items arrive in responses, when not their natural JSON type.
    pub wire_type: Option<WireType>,
}

/// Validation limits. Numbers are kept as their spec text so they print exactly.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Limits {
    /// Fewest list items.
    pub min_items: Option<u64>,
    /// Most list items.
    pub max_items: Option<u64>,
    /// Shortest string.
    pub min_length: Option<u64>,
    /// Longest string.
    pub max_length: Option<u64>,
    /// Pattern.
    pub pattern: Option<String>,
    /// Inclusive minimum.
    pub minimum: Option<serde_json::Number>,
    /// Inclusive maximum.
    pub maximum: Option<serde_json::Number>,
}

/// A parameter, response field or structure field.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Field {
    /// Wire name.
    pub wire_name: String,
    /// Rust name (snake_case).
    pub rust_name: String,
    /// Documentation.
    pub doc: String,
    /// Type.
    pub ty: Type,
    /// Whether it must be present.
    pub required: bool,
    /// Limits.
    pub limits: Limits,
    /// Wire style (parameters): as the spec says, else by type (lists `repeat`, structures
    /// and maps `flat`, free-form JSON `json`).
    pub list_style: ListStyle,
    /// Joined-list separator.
    pub separator: String,
    /// Filled from the client's region when unset.
    pub client_region: bool,
    /// Response list wrapper key.
    pub wrapper: Option<String>,
    /// How the value arrives in responses, when not its natural JSON type.
    pub wire_type: Option<WireType>,
    /// Service-side default.
    pub default: Option<Value>,
    /// Example value.
    pub example: Option<Value>,
    /// Deprecated by the service.
    pub deprecated: bool,
    /// Documented as required, but not checked by the SDK.
    pub doc_required: bool,
    /// Filled with a fresh UUID once per call when unset (parameters).
    pub client_token: bool,
    /// Documented values (not enforced), as in the spec.
    pub enum_values: Vec<Value>,
    /// Where this parameter travels when it overrides the action's placement.
    pub location: Option<ParamLocation>,
    /// The metadata source that added this parameter, when not the product's first.
    pub source: Option<String>,
    /// The newer metadata source that no longer lists this parameter.
    pub dropped_by: Option<String>,
    /// A secret: never shown by `Debug` or logs (the spec's `sensitive`, else by its name).
    pub sensitive: bool,
}

/// A documented error code.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ErrorInfo {
    /// Code.
    pub code: String,
    /// Variant name.
    pub variant: String,
    /// HTTP status (the first of `statuses`).
    pub status: u16,
    /// Every HTTP status the code comes with, in spec order.
    pub statuses: Vec<u16>,
    /// Service message.
    pub message: Option<String>,
    /// Documentation (empty when the spec has none).
    pub doc: String,
    /// Marked transient by the spec (beyond the protocol's default rules).
    pub retryable: bool,
}

/// Paging of a list action.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Pagination {
    /// Style.
    pub style: PaginationStyle,
    /// Response list field (wire name).
    pub items: String,
    /// Page size parameter.
    pub page_size: Option<String>,
    /// Token parameter.
    pub input_token: Option<String>,
    /// Token response field.
    pub output_token: Option<String>,
    /// Marker style: the boolean response field, `true` while more pages follow.
    pub truncated: Option<String>,
    /// Page number parameter.
    pub page_number: Option<String>,
    /// Total count response field.
    pub total_count: Option<String>,
}

/// One action.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Action {
    /// Action name (`InstallCloudAssistant`).
    pub name: String,
    /// snake_case name (`install_cloud_assistant`).
    pub snake: String,
    /// Documentation.
    pub doc: String,
    /// Effective HTTP method.
    pub method: HttpMethod,
    /// Effective parameter placement.
    pub param_location: ParamLocation,
    /// Safe to repeat (explicit, or the default from `operation_type` and client tokens).
    pub idempotent: bool,
    /// The operation kind from the API metadata (`get`, `create`, ...).
    pub operation_type: Option<String>,
    /// Deprecated by the service.
    pub deprecated: bool,
    /// The metadata source that added this action, when not the product's first.
    pub source: Option<String>,
    /// The newer metadata source that no longer lists this action.
    pub dropped_by: Option<String>,
    /// No source describes the response: the output is the body as JSON.
    pub untyped_output: bool,
    /// The API group (a Cargo feature of the crate); None: always compiled.
    pub group: Option<String>,
    /// The API reference page.
    pub docs_url: Option<String>,
    /// Parameters.
    pub params: Vec<Field>,
    /// Response fields.
    pub output: Vec<Field>,
    /// Example response body.
    pub response_example: Option<Value>,
    /// Documented errors.
    pub errors: Vec<ErrorInfo>,
    /// Paging that drives the paginator (the first of `paginations`).
    pub pagination: Option<Pagination>,
    /// Every documented way to page, in spec order.
    pub paginations: Vec<Pagination>,
    /// Request test cases.
    pub request_cases: Vec<RequestCase>,
    /// Response test cases.
    pub response_cases: Vec<ResponseCase>,
    /// The waiters polling this action, by name.
    pub waiters: Vec<Waiter>,
}

/// A waiter: polls its action until an acceptor decides.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Waiter {
    /// The name in the spec (`InstanceRunning`).
    pub name: String,
    /// Its snake_case (`instance_running`): the client method is `wait_until_<snake>`.
    pub snake: String,
    /// Documentation.
    pub doc: String,
    /// The list parameter split into batches at its `max_items`, if any.
    pub batch: Option<Field>,
    /// Delay before the second look.
    pub min_delay: Duration,
    /// Longest delay between looks.
    pub max_delay: Duration,
    /// How long to wait in all.
    pub deadline: Duration,
    /// What ends the wait, in order.
    pub acceptors: Vec<Acceptor>,
}

/// One acceptor of a waiter.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Acceptor {
    /// What a match means.
    pub state: AcceptorState,
    /// What is compared.
    pub matcher: Matcher,
}

/// What an acceptor compares.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Matcher {
    /// Every value at the path (wire names, one per level) is in the set, and there is one.
    All {
        /// The path.
        path: Vec<String>,
        /// The values, as text (`true`, `42`, `Running`).
        values: Vec<String>,
    },
    /// At least one value at the path is in the set.
    Any {
        /// The path.
        path: Vec<String>,
        /// The values, as text.
        values: Vec<String>,
    },
    /// The look failed with this error code.
    Error(String),
}

/// The waiter defaults when a spec gives no pacing: those of `aliyun_core::workflow::PollPolicy`.
const DEFAULT_MIN_DELAY: Duration = Duration::from_secs(2);
const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(20);
const DEFAULT_DEADLINE: Duration = Duration::from_secs(600);

impl Action {
    /// The parameter with wire name `name`.
    pub fn param(&self, name: &str) -> Option<&Field> {
        self.params.iter().find(|f| f.wire_name == name)
    }

    /// The response field with wire name `name`.
    pub fn output_field(&self, name: &str) -> Option<&Field> {
        self.output.iter().find(|f| f.wire_name == name)
    }

    /// The parameter filled with a client token, if any.
    pub fn client_token(&self) -> Option<&Field> {
        self.params.iter().find(|f| f.client_token)
    }

    /// Where parameter `field` travels: its own `location`, else the action's.
    pub fn location_of(&self, field: &Field) -> ParamLocation {
        field.location.unwrap_or(self.param_location)
    }
}

/// Lowers a spec that passed [`crate::validate`].
pub fn lower(spec: &Spec) -> Product {
    let p = &spec.product;
    let mut types: Vec<NamedType> = spec
        .types
        .iter()
        .map(|(name, def)| match def.kind {
            TypeKind::Struct => NamedType::Struct(StructType {
                name: name.clone(),
                doc: type_doc(def, name, "structure"),
                fields: def.fields.iter().flatten().map(lower_member).collect(),
                in_input: false,
                in_output: false,
                in_json: false,
            }),
            TypeKind::Enum => NamedType::Enum(EnumType {
                name: name.clone(),
                doc: type_doc(def, name, "values"),
                values: def
                    .values
                    .iter()
                    .flatten()
                    .map(|v| EnumVariant {
                        value: v.value.clone(),
                        variant: names::enum_variant(v),
                        doc: v.doc.clone(),
                    })
                    .collect(),
            }),
        })
        .collect();

    let mut actions: Vec<Action> = spec
        .actions
        .iter()
        .map(|(name, action)| lower_action(p, name, action))
        .collect();
    for (name, waiter) in &spec.waiters {
        if let Some(op) = actions.iter_mut().find(|op| op.name == waiter.action) {
            let lowered = lower_waiter(name, waiter, op);
            op.waiters.push(lowered);
        }
    }

    mark_struct_usage(&mut types, &actions);

    Product {
        code: p.code.clone(),
        name: p.name.clone(),
        api_version: p.api_version.clone(),
        crate_name: p.crate_name.clone(),
        env_id: p
            .env_id
            .clone()
            .unwrap_or_else(|| p.code.to_ascii_uppercase()),
        signature: p.signature,
        doc: p.doc.clone(),
        regional_endpoint: p.endpoints.rule().to_owned(),
        central_endpoint: p.endpoints.central_host().to_owned(),
        endpoint_exceptions: p
            .endpoints
            .exceptions
            .iter()
            .map(|(r, h)| (r.clone(), h.clone()))
            .collect(),
        error_style: p.errors.style,
        module: p.module.clone(),
        types,
        actions,
        sources: p.sources.clone(),
    }
}

/// The doc of a named type, or a line naming it when the spec has none.
fn type_doc(def: &spec::TypeDef, name: &str, what: &str) -> String {
    def.doc
        .clone()
        .unwrap_or_else(|| format!("The `{name}` {what} of the API."))
}

/// An explicit `idempotent` wins; otherwise reads are idempotent, and so is an action whose
/// client token lets the service drop a repeat.
fn effective_idempotent(action: &spec::Action) -> bool {
    action.idempotent.unwrap_or_else(|| {
        let reads = matches!(
            action.operation_type.as_deref(),
            Some("get" | "list" | "read")
        );
        reads || action.params.iter().any(|m| m.client_token)
    })
}

fn lower_action(product: &spec::Product, name: &str, action: &spec::Action) -> Action {
    let paginations: Vec<Pagination> = action
        .pagination
        .iter()
        .flat_map(|p| p.as_slice())
        .map(|p| Pagination {
            style: p.style,
            items: p.items.clone(),
            page_size: p.page_size.clone(),
            input_token: p.input_token.clone(),
            output_token: p.output_token.clone(),
            truncated: p.truncated.clone(),
            page_number: p.page_number.clone(),
            total_count: p.total_count.clone(),
        })
        .collect();
    Action {
        name: name.to_owned(),
        snake: names::action_snake(name),
        doc: action.doc.clone(),
        method: action.method.unwrap_or(product.method),
        param_location: action.param_location.unwrap_or(product.param_location),
        idempotent: effective_idempotent(action),
        operation_type: action.operation_type.clone(),
        deprecated: action.deprecated,
        source: action.source.clone(),
        dropped_by: action.dropped_by.clone(),
        untyped_output: action.response.untyped,
        group: action.group.clone(),
        docs_url: action.docs_url.clone(),
        params: action.params.iter().map(lower_member).collect(),
        output: action.response.fields.iter().map(lower_member).collect(),
        response_example: action.response.example.clone(),
        errors: action
            .errors
            .iter()
            .map(|e| ErrorInfo {
                code: e.code.clone(),
                variant: names::error_variant(e),
                status: e.status.as_slice().first().copied().unwrap_or_default(),
                statuses: e.status.as_slice().to_vec(),
                message: e.message.clone(),
                doc: e.doc.clone().unwrap_or_default(),
                retryable: e.retryable,
            })
            .collect(),
        pagination: paginations.first().cloned(),
        paginations,
        request_cases: action.tests.requests.clone(),
        response_cases: action.tests.responses.clone(),
        waiters: Vec::new(),
    }
}

fn lower_waiter(name: &str, waiter: &spec::Waiter, op: &Action) -> Waiter {
    let duration = |text: &Option<String>, default: Duration| {
        text.as_deref()
            .and_then(|t| crate::duration::parse_duration(t).ok())
            .unwrap_or(default)
    };
    let text = |values: &spec::OneOrMany<Value>| {
        values
            .as_slice()
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect()
    };
    let path = |path: &Option<String>| {
        path.as_deref()
            .unwrap_or_default()
            .split('.')
            .map(str::to_owned)
            .collect()
    };
    Waiter {
        name: name.to_owned(),
        snake: names::action_snake(name),
        doc: waiter.doc.clone(),
        batch: waiter.batch.as_deref().and_then(|b| op.param(b)).cloned(),
        min_delay: duration(&waiter.min_delay, DEFAULT_MIN_DELAY),
        max_delay: duration(&waiter.max_delay, DEFAULT_MAX_DELAY),
        deadline: duration(&waiter.deadline, DEFAULT_DEADLINE),
        acceptors: waiter
            .acceptors
            .iter()
            .map(|a| Acceptor {
                state: a.state,
                matcher: match (&a.all, &a.any, &a.error) {
                    (Some(values), _, _) => Matcher::All {
                        path: path(&a.path),
                        values: text(values),
                    },
                    (None, Some(values), _) => Matcher::Any {
                        path: path(&a.path),
                        values: text(values),
                    },
                    (None, None, code) => Matcher::Error(code.clone().unwrap_or_default()),
                },
            })
            .collect(),
    }
}

fn resolve(ty: TypeName, type_ref: Option<&str>, items: Option<&ItemType>) -> Type {
    let named = || type_ref.unwrap_or_default().to_owned();
    match ty {
        TypeName::String => Type::String,
        TypeName::Integer => Type::Integer,
        TypeName::Long => Type::Long,
        TypeName::Float => Type::Float,
        TypeName::Boolean => Type::Boolean,
        TypeName::Struct => Type::Struct(named()),
        TypeName::Enum => Type::Enum(named()),
        TypeName::Any => Type::Any,
        TypeName::List => Type::List(Box::new(resolve_item(items))),
        TypeName::Map => Type::Map(Box::new(resolve_item(items))),
    }
}

fn resolve_item(items: Option<&ItemType>) -> Item {
    let item = items.map(|i| Item {
        ty: resolve(i.ty, i.type_ref.as_deref(), None),
        limits: Limits {
            min_length: i.min_length,
            max_length: i.max_length,
            pattern: i.pattern.clone(),
            minimum: i.minimum.clone(),
            maximum: i.maximum.clone(),
            ..Limits::default()
        },
        wire_type: i.wire_type,
    });
    item.unwrap_or(Item {
        ty: Type::String,
        limits: Limits::default(),
        wire_type: None,
    })
}

/// The wire style a parameter of type `ty` has when the spec names none.
fn default_style(ty: TypeName) -> ListStyle {
    match ty {
        TypeName::Struct | TypeName::Map => ListStyle::Flat,
        TypeName::Any => ListStyle::Json,
        _ => ListStyle::Repeat,
    }
}

fn lower_member(m: &Member) -> Field {
    Field {
        wire_name: m.name.clone(),
        rust_name: names::member_name(m),
        doc: m.doc.clone().unwrap_or_default(),
        ty: resolve(m.ty, m.type_ref.as_deref(), m.items.as_deref()),
        required: m.required,
        limits: Limits {
            min_items: m.min_items,
            max_items: m.max_items,
            min_length: m.min_length,
            max_length: m.max_length,
            pattern: m.pattern.clone(),
            minimum: m.minimum.clone(),
            maximum: m.maximum.clone(),
        },
        list_style: m.style.unwrap_or_else(|| default_style(m.ty)),
        separator: m.separator.clone().unwrap_or_else(|| ",".into()),
        client_region: m.client_region,
        wrapper: m.wrapper.clone(),
        wire_type: m.wire_type,
        default: m.default.clone(),
        example: m.example.clone(),
        deprecated: m.deprecated,
        doc_required: m.doc_required,
        client_token: m.client_token,
        enum_values: m.enum_values.clone().unwrap_or_default(),
        location: m.location,
        source: m.source.clone(),
        dropped_by: m.dropped_by.clone(),
        sensitive: m
            .sensitive
            .unwrap_or_else(|| names::is_sensitive_name(&m.name)),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Usage {
    Input,
    Output,
    Json,
}

/// Marks which structures appear in inputs, outputs and JSON-text parameters (transitively),
/// so each gets only the code it needs (wire writing, decoding, serializing).
fn mark_struct_usage(types: &mut [NamedType], actions: &[Action]) {
    fn struct_refs(ty: &Type) -> Option<&str> {
        match ty {
            Type::Struct(name) => Some(name),
            Type::List(item) | Type::Map(item) => struct_refs(&item.ty),
            _ => None,
        }
    }
    let fields_of = |types: &[NamedType], name: &str| -> Vec<Field> {
        types
            .iter()
            .find_map(|t| match t {
                NamedType::Struct(s) if s.name == name => Some(s.fields.clone()),
                _ => None,
            })
            .unwrap_or_default()
    };
    for usage in [Usage::Input, Usage::Output, Usage::Json] {
        let mut pending: Vec<String> = actions
            .iter()
            .flat_map(|o| match usage {
                Usage::Output => &o.output,
                _ => &o.params,
            })
            .filter(|f| usage != Usage::Json || f.list_style == ListStyle::Json)
            .filter_map(|f| struct_refs(&f.ty).map(str::to_owned))
            .collect();
        while let Some(name) = pending.pop() {
            let Some(NamedType::Struct(s)) = types.iter_mut().find(|t| t.name() == name) else {
                continue;
            };
            let flag = match usage {
                Usage::Input => &mut s.in_input,
                Usage::Output => &mut s.in_output,
                Usage::Json => &mut s.in_json,
            };
            if *flag {
                continue;
            }
            *flag = true;
            pending.extend(
                fields_of(types, &name)
                    .iter()
                    .filter_map(|f| struct_refs(&f.ty).map(str::to_owned)),
            );
        }
    }
}
