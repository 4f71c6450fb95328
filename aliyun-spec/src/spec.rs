//! The YAML spec format, as serde reads it.
//!
//! These types mirror the files in `specs/` one to one; `specs/README.md` is the reference for
//! authors. Every struct denies unknown fields, so a misspelt key is an error, not a silently
//! ignored line. Meaning beyond shape (do referenced types exist, are limits sane, do test cases
//! name real parameters) is checked afterwards by [`crate::validate`].

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// A whole spec file: one product at one API version.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Facts about the product.
    pub product: Product,
    /// Named structures and enums, referenced from parameters and response fields.
    #[serde(default)]
    pub types: BTreeMap<String, TypeDef>,
    /// The actions, keyed by action name (`InstallCloudAssistant`).
    pub actions: BTreeMap<String, Action>,
    /// Waiters, keyed by waiter name (`InstanceRunning`): poll an action until its output
    /// reaches a state.
    #[serde(default)]
    pub waiters: BTreeMap<String, Waiter>,
}

/// The `product` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    /// Product code as Alibaba Cloud spells it (`Ecs`, `Cms`).
    pub code: String,
    /// Human name (`Elastic Compute Service`).
    pub name: String,
    /// API version (`2014-05-26`).
    pub api_version: String,
    /// The crate the generated code goes to (`aliyun-ecs`); its `src/generated/` is written.
    #[serde(rename = "crate")]
    pub crate_name: String,
    /// Upper-case id for environment variables (`ECS` in `ALIBABA_CLOUD_ENDPOINT_URL_ECS`);
    /// defaults to the upper-cased code.
    #[serde(default)]
    pub env_id: Option<String>,
    /// Signature scheme.
    pub signature: SignatureVersion,
    /// Default HTTP method of the product's actions.
    pub method: HttpMethod,
    /// Default placement of action parameters.
    #[serde(default)]
    pub param_location: ParamLocation,
    /// Endpoint rules.
    pub endpoints: Endpoints,
    /// How errors look in response bodies.
    #[serde(default)]
    pub errors: ProductErrors,
    /// Crate-level documentation of the generated module.
    pub doc: String,
    /// A module of the crate this spec's code goes to (`v20170301`), with its own `Client`;
    /// absent for the spec that owns the crate root.
    #[serde(default)]
    pub module: Option<String>,
    /// The API metadata files the spec was imported from, oldest first. Each fact comes from
    /// the newest file that publishes that kind of fact; an action or member a later file
    /// added names it in `source`, one a later file no longer lists names it in `dropped_by`.
    #[serde(default)]
    pub sources: Vec<String>,
}

/// Signature schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum SignatureVersion {
    /// RPC signature V1 (HMAC-SHA1).
    V1,
    /// Signature V3 (ACS3-HMAC-SHA256).
    V3,
}

/// HTTP methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum HttpMethod {
    /// GET.
    #[serde(rename = "GET")]
    Get,
    /// POST.
    #[serde(rename = "POST")]
    Post,
}

/// Where action parameters travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum ParamLocation {
    /// In the query string (what the official SDKs do for ECS and CMS).
    #[default]
    Query,
    /// In a form-encoded body (POST only).
    FormBody,
}

/// The `product.endpoints` section: a regional product (`regional` with `central`) or a global
/// one (`global`), either with `exceptions`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoints {
    /// Regional products: the host pattern with `{region}`, `ecs.{region}.aliyuncs.com`.
    #[serde(default)]
    pub regional: Option<String>,
    /// Regional products: the host used without a region, `ecs.aliyuncs.com`.
    #[serde(default)]
    pub central: Option<String>,
    /// Global products: the one host of every region and of no region, `ram.aliyuncs.com`.
    #[serde(default)]
    pub global: Option<String>,
    /// Regions whose host breaks the rule: region id → host.
    #[serde(default)]
    pub exceptions: BTreeMap<String, String>,
}

impl Endpoints {
    /// The host of a region not in `exceptions`: the regional pattern, or the global host
    /// (empty when the section gives neither, which validation refuses).
    pub fn rule(&self) -> &str {
        self.global
            .as_deref()
            .or(self.regional.as_deref())
            .unwrap_or_default()
    }

    /// The host used without a region: the central host, or the global one.
    pub fn central_host(&self) -> &str {
        self.global
            .as_deref()
            .or(self.central.as_deref())
            .unwrap_or_default()
    }
}

/// The `product.errors` section.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductErrors {
    /// The error body style.
    #[serde(default)]
    pub style: ErrorStyle,
}

/// Error body styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum ErrorStyle {
    /// HTTP 4xx/5xx with `Code`, `Message`, `RequestId`, `HostId`, `Recommend`.
    #[default]
    Standard,
    /// Also HTTP 200 with `Success: false` or `ErrorCode` other than 200 (legacy CMS).
    LegacySuccessFlag,
    /// Also HTTP 200 with `Success: false`, or without `Success` but with a `Code` other than
    /// 200 (CloudMonitor 2019-01-01): `Code`, `Message`, `RequestId` describe the error.
    Envelope,
}

/// One entry of `types`: a structure or an enum.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeDef {
    /// `struct` or `enum`.
    pub kind: TypeKind,
    /// Documentation (optional: the generated doc names the type when absent).
    #[serde(default)]
    pub doc: Option<String>,
    /// A structure's fields.
    #[serde(default)]
    pub fields: Option<Vec<Member>>,
    /// An enum's values.
    #[serde(default)]
    pub values: Option<Vec<EnumValue>>,
}

/// Kinds of named types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TypeKind {
    /// A structure.
    Struct,
    /// A string enum.
    Enum,
}

/// One value of an enum.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumValue {
    /// The value on the wire (`running`).
    pub value: String,
    /// Variant name override (default: the value in UpperCamelCase).
    #[serde(default)]
    pub rust_name: Option<String>,
    /// Documentation.
    #[serde(default)]
    pub doc: Option<String>,
}

/// The type of a parameter, field or list item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TypeName {
    /// UTF-8 text.
    String,
    /// 32-bit signed integer.
    Integer,
    /// 64-bit signed integer.
    Long,
    /// 64-bit float.
    Float,
    /// `true`/`false`.
    Boolean,
    /// A list; `items` gives the item type.
    List,
    /// A structure from `types`; `ref` names it.
    Struct,
    /// An enum from `types`; `ref` names it.
    Enum,
    /// String keys to values of the `items` type.
    Map,
    /// Free-form JSON.
    Any,
}

/// How a parameter goes on the wire (lists, structures and maps; scalars are one parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum ListStyle {
    /// `Name.1`, `Name.2`, … (structures: `Name.1.Field`).
    #[default]
    Repeat,
    /// One parameter, items joined by `separator` (default `,`).
    Joined,
    /// One parameter holding the value as JSON text.
    Json,
    /// Maps as `Name.<key>`, structures as `Name.Field`, lists as with `repeat`.
    Flat,
}

/// How a value arrives in a response body, when the service does not use the natural JSON type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum WireType {
    /// A JSON string (`"true"`, `"12"`).
    String,
    /// A JSON number.
    Number,
    /// A JSON boolean.
    Boolean,
}

/// A parameter, a response field, or a structure field.
///
/// One shape serves all three so that a structure can be used in requests and responses alike;
/// options that do not apply where a member appears are rejected by validation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// The wire name (`RegionId`, `InstanceId`, `InstanceCloudAssistantStatusSet`).
    pub name: String,
    /// Rust field name override (default: the wire name in snake_case).
    #[serde(default)]
    pub rust_name: Option<String>,
    /// The type.
    #[serde(rename = "type")]
    pub ty: TypeName,
    /// For `struct` and `enum`: the name of the type in `types`.
    #[serde(default, rename = "ref")]
    pub type_ref: Option<String>,
    /// For `list`: the item type.
    #[serde(default)]
    pub items: Option<Box<ItemType>>,
    /// Documentation.
    #[serde(default)]
    pub doc: Option<String>,
    /// An example value.
    #[serde(default)]
    pub example: Option<Value>,
    /// Whether the member must be present.
    #[serde(default)]
    pub required: bool,
    /// The value the service assumes when the parameter is absent (documentation, and what the
    /// emulator uses). Not sent by the SDK.
    #[serde(default)]
    pub default: Option<Value>,
    /// Parameters: fill from the client's configured region when not set.
    #[serde(default)]
    pub client_region: bool,
    /// List parameters: wire style.
    #[serde(default)]
    pub style: Option<ListStyle>,
    /// Joined list parameters: the separator (default `,`).
    #[serde(default)]
    pub separator: Option<String>,
    /// Lists: fewest items.
    #[serde(default)]
    pub min_items: Option<u64>,
    /// Lists: most items.
    #[serde(default)]
    pub max_items: Option<u64>,
    /// Strings: shortest length in characters.
    #[serde(default)]
    pub min_length: Option<u64>,
    /// Strings: longest length in characters.
    #[serde(default)]
    pub max_length: Option<u64>,
    /// Strings: a regular expression the value must match.
    #[serde(default)]
    pub pattern: Option<String>,
    /// Numbers: inclusive minimum.
    #[serde(default)]
    pub minimum: Option<serde_json::Number>,
    /// Numbers: inclusive maximum.
    #[serde(default)]
    pub maximum: Option<serde_json::Number>,
    /// Response lists: the key the service wraps the list in
    /// (`{"XxxSet": {"<wrapper>": [...]}}`).
    #[serde(default)]
    pub wrapper: Option<String>,
    /// Response fields: the JSON type the service actually sends, when it differs from `type`.
    #[serde(default)]
    pub wire_type: Option<WireType>,
    /// Marks the member deprecated (`#[deprecated]` on the field and its setters).
    #[serde(default)]
    pub deprecated: bool,
    /// Documented as required by the API reference, but not checked by the SDK.
    #[serde(default)]
    pub doc_required: bool,
    /// String parameters: filled with a fresh UUID once per call when left unset.
    #[serde(default)]
    pub client_token: bool,
    /// String and integer members: the documented values (listed in docs, not enforced).
    #[serde(default, rename = "enum")]
    pub enum_values: Option<Vec<Value>>,
    /// Parameters: where this one travels, overriding the action's `param_location`.
    #[serde(default)]
    pub location: Option<ParamLocation>,
    /// The entry of `product.sources` that added this parameter (absent: the first).
    #[serde(default)]
    pub source: Option<String>,
    /// The entry of `product.sources` that no longer lists this parameter (it is then
    /// deprecated).
    #[serde(default)]
    pub dropped_by: Option<String>,
    /// Whether the value is a secret (a password, a private key) that `Debug` output and
    /// logs must not show. Absent: decided by the name ([`crate::names::is_sensitive_name`]).
    #[serde(default)]
    pub sensitive: Option<bool>,
}

/// The item type of a list or the value type of a map.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemType {
    /// The type (not `list` or `map`: nesting is not supported).
    #[serde(rename = "type")]
    pub ty: TypeName,
    /// For `struct` and `enum`: the name of the type in `types`.
    #[serde(default, rename = "ref")]
    pub type_ref: Option<String>,
    /// Strings: shortest length.
    #[serde(default)]
    pub min_length: Option<u64>,
    /// Strings: longest length.
    #[serde(default)]
    pub max_length: Option<u64>,
    /// Strings: pattern.
    #[serde(default)]
    pub pattern: Option<String>,
    /// Numbers: inclusive minimum.
    #[serde(default)]
    pub minimum: Option<serde_json::Number>,
    /// Numbers: inclusive maximum.
    #[serde(default)]
    pub maximum: Option<serde_json::Number>,
    /// Response items: the JSON type the service actually sends.
    #[serde(default)]
    pub wire_type: Option<WireType>,
}

/// One action.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// Documentation.
    pub doc: String,
    /// The API group (kebab-case): the Cargo feature of the product crate that compiles the
    /// action. None: always compiled.
    #[serde(default)]
    pub group: Option<String>,
    /// HTTP method (default: the product's).
    #[serde(default)]
    pub method: Option<HttpMethod>,
    /// Parameter placement (default: the product's).
    #[serde(default)]
    pub param_location: Option<ParamLocation>,
    /// Whether sending twice has the effect of sending once (safe to retry after a timeout).
    /// Default: true for `operation_type` get/list/read or with a `client_token` parameter.
    #[serde(default)]
    pub idempotent: Option<bool>,
    /// The kind of operation as the API metadata records it (`get`, `list`, `create`, ...).
    #[serde(default)]
    pub operation_type: Option<String>,
    /// Marks the action deprecated (`#[deprecated]` on its client method and builder).
    #[serde(default)]
    pub deprecated: bool,
    /// The entry of `product.sources` that added this action (absent: the first).
    #[serde(default)]
    pub source: Option<String>,
    /// The entry of `product.sources` that no longer lists this action (it is then
    /// deprecated, and the deprecation note says why).
    #[serde(default)]
    pub dropped_by: Option<String>,
    /// The action's page in the API reference (`https://api.aliyun.com/api/...`).
    #[serde(default)]
    pub docs_url: Option<String>,
    /// Parameters, in documentation order.
    #[serde(default)]
    pub params: Vec<Member>,
    /// The successful response.
    pub response: Response,
    /// Documented error codes.
    #[serde(default)]
    pub errors: Vec<ErrorCode>,
    /// Paging, for list actions: one mapping or a list (the first drives the paginator).
    #[serde(default)]
    pub pagination: Option<OneOrMany<Pagination>>,
    /// Test cases, turned into generated tests.
    pub tests: Tests,
}

/// The successful response of an action.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    /// Top-level fields of the JSON body.
    #[serde(default)]
    pub fields: Vec<Member>,
    /// An example body (what the emulator answers for an action it does not model).
    #[serde(default)]
    pub example: Option<Value>,
    /// No source describes the body yet: the output is the body as JSON beside its request id
    /// (`fields` must then be empty).
    #[serde(default)]
    pub untyped: bool,
}

/// A documented error code.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorCode {
    /// The code (`InvalidInstance.NotFound`).
    pub code: String,
    /// The HTTP status it comes with, or a list of them.
    pub status: OneOrMany<u16>,
    /// The service's message.
    #[serde(default)]
    pub message: Option<String>,
    /// Documentation: when it happens, what to do.
    #[serde(default)]
    pub doc: Option<String>,
    /// Marks the code transient (retried like throttling or `ServiceUnavailable`) when the
    /// protocol's default rules would not. The defaults (throttling, `ServiceUnavailable`,
    /// `InternalError*`, HTTP 500/502/503/504) apply either way.
    #[serde(default)]
    pub retryable: bool,
    /// Variant name override (default: the code in UpperCamelCase, dots dropped).
    #[serde(default)]
    pub rust_name: Option<String>,
}

/// Paging styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum PaginationStyle {
    /// `NextToken`/`MaxResults`.
    NextToken,
    /// `PageNumber`/`PageSize`/`TotalCount`.
    PageNumber,
    /// `Marker`/`MaxItems` in, `Marker` and a boolean `IsTruncated` out (RAM).
    Marker,
}

/// The `pagination` section of a list action.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pagination {
    /// The style.
    pub style: PaginationStyle,
    /// Response list field holding the items.
    pub items: String,
    /// Page size parameter (`MaxResults`, `PageSize`).
    #[serde(default)]
    pub page_size: Option<String>,
    /// Next-token and marker styles: the token parameter.
    #[serde(default)]
    pub input_token: Option<String>,
    /// Next-token and marker styles: the token response field.
    #[serde(default)]
    pub output_token: Option<String>,
    /// Marker style: the boolean response field that is `true` while more pages follow.
    #[serde(default)]
    pub truncated: Option<String>,
    /// Page-number style: the page number parameter.
    #[serde(default)]
    pub page_number: Option<String>,
    /// Page-number style: the total count response field.
    #[serde(default)]
    pub total_count: Option<String>,
}

/// The `tests` section of an action.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tests {
    /// Request cases: parameters in, wire parameters out.
    pub requests: Vec<RequestCase>,
    /// Response cases: a canned response in, typed output or error out (may be empty).
    #[serde(default)]
    pub responses: Vec<ResponseCase>,
}

/// A request test case.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RequestCase {
    /// Test name (snake_case; the generated test is `request_<name>`).
    pub name: String,
    /// What the case shows.
    #[serde(default)]
    pub doc: Option<String>,
    /// Parameters by wire name; lists as YAML lists, structures as maps.
    pub params: BTreeMap<String, Value>,
    /// What must come out.
    pub expect: RequestExpect,
}

/// The expected outcome of a request case: either the wire form or a validation error.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RequestExpect {
    /// The HTTP method.
    #[serde(default)]
    pub method: Option<HttpMethod>,
    /// The action's own wire parameters (common parameters excluded), exactly.
    #[serde(default)]
    pub wire: Option<BTreeMap<String, Value>>,
    /// The request is refused before sending, naming this parameter (wire name).
    #[serde(default)]
    pub invalid: Option<String>,
}

/// A response test case.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ResponseCase {
    /// Test name (snake_case; the generated test is `response_<name>`).
    pub name: String,
    /// What the case shows.
    #[serde(default)]
    pub doc: Option<String>,
    /// Parameters for the call (default: those of the first valid request case).
    #[serde(default)]
    pub params: Option<BTreeMap<String, Value>>,
    /// HTTP status of the canned response.
    pub status: u16,
    /// Body of the canned response, verbatim.
    pub body: String,
    /// What must come out.
    pub expect: ResponseExpect,
}

/// The expected outcome of a response case: exactly one of the four.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ResponseExpect {
    /// The typed output, by wire field names (fields not named must be absent/empty).
    #[serde(default)]
    pub output: Option<BTreeMap<String, Value>>,
    /// The named output fields must equal these values; the others are not checked.
    #[serde(default)]
    pub output_contains: Option<BTreeMap<String, Value>>,
    /// A service error with this code.
    #[serde(default)]
    pub error: Option<String>,
    /// An unreadable-response error.
    #[serde(default)]
    pub unreadable: bool,
}

/// One waiter: which action it polls, what ends the wait, and how often it looks.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiter {
    /// The action polled (a key of `actions`).
    pub action: String,
    /// Documentation: what state is waited for.
    pub doc: String,
    /// A list parameter of the action with `max_items`: when given more ids than that, the
    /// waiter calls the action once per batch at each look.
    #[serde(default)]
    pub batch: Option<String>,
    /// Delay before the second look (`5s`, `500ms`, `2m`); default 2 s.
    #[serde(default)]
    pub min_delay: Option<String>,
    /// Longest delay between looks; default 20 s.
    #[serde(default)]
    pub max_delay: Option<String>,
    /// How long to wait in all; default 10 min.
    #[serde(default)]
    pub deadline: Option<String>,
    /// What ends the wait, tried in order at each look; the first match decides.
    pub acceptors: Vec<Acceptor>,
}

/// The state an acceptor leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum AcceptorState {
    /// The wait is over: the state was reached.
    Success,
    /// The wait is over: the state can no longer be reached.
    Failure,
    /// Look again.
    Retry,
}

/// One acceptor: `path` with `all` or `any`, or `error`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acceptor {
    /// What a match means.
    pub state: AcceptorState,
    /// A response field by wire names, dot-separated (`InstanceStatuses.Status`); lists on the
    /// way are flattened.
    #[serde(default)]
    pub path: Option<String>,
    /// Matches when there is at least one value at `path` and every one is among these.
    #[serde(default)]
    pub all: Option<OneOrMany<Value>>,
    /// Matches when at least one value at `path` is among these.
    #[serde(default)]
    pub any: Option<OneOrMany<Value>>,
    /// Matches when the look fails with this error code.
    #[serde(default)]
    pub error: Option<String>,
}

/// One value, or a list of them (`status: 404` or `status: [400, 403]`).
///
/// Read by hand rather than as an untagged enum: each value is read where it stands, so an
/// error inside a list names its line and column and says what was expected.
#[derive(Debug, Clone, PartialEq)]
pub enum OneOrMany<T> {
    /// A single value.
    One(T),
    /// A list of values.
    Many(Vec<T>),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(OneOrManyVisitor(std::marker::PhantomData))
    }
}

struct OneOrManyVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> OneOrManyVisitor<T> {
    fn one<D: serde::Deserializer<'de>>(d: D) -> Result<OneOrMany<T>, D::Error> {
        T::deserialize(d).map(OneOrMany::One)
    }
}

impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for OneOrManyVisitor<T> {
    type Value = OneOrMany<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("one value or a list of values")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut values = Vec::new();
        while let Some(value) = seq.next_element()? {
            values.push(value);
        }
        Ok(OneOrMany::Many(values))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Self::one(serde::de::value::MapAccessDeserializer::new(map))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Self::one(serde::de::IntoDeserializer::into_deserializer(v))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Self::one(serde::de::IntoDeserializer::into_deserializer(v))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Self::one(serde::de::IntoDeserializer::into_deserializer(v))
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Self::one(serde::de::IntoDeserializer::into_deserializer(v))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Self::one(serde::de::IntoDeserializer::into_deserializer(v))
    }
}

impl<T> OneOrMany<T> {
    /// The values, in order.
    pub fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::One(value) => std::slice::from_ref(value),
            OneOrMany::Many(values) => values,
        }
    }
}
