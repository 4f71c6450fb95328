//! Faults on demand: throttling, server errors, latency, dropped connections and unreadable
//! bodies, per action, product and/or instance, for every matching call, the next N, every
//! k-th, or a seeded fraction (deterministic in tests).
//!
//! A fault is built in Rust ([`Fault::throttling`] and friends), parsed from the command-line
//! form `KIND[:key=value,...]` ([`Fault::parse`]), or read from the admin endpoint's JSON
//! (`{"kind": "throttling", "action": "...", "times": 2}`, [`Fault::from_json`]).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde_json::{Map, Value};

/// Default size of a [`FaultKind::HugeBody`]: twice the SDK's default 8 MiB response cap.
pub const DEFAULT_HUGE_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Largest [`FaultKind::HugeBody`] accepted.
pub const MAX_HUGE_BODY_BYTES: usize = 256 * 1024 * 1024;

/// What an injected fault does.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FaultKind {
    /// HTTP 400 with a throttling code (`Throttling.User` by default).
    Throttling {
        /// `Throttling`, `Throttling.User` or `Throttling.Api`.
        code: String,
    },
    /// HTTP 500 `InternalError`.
    InternalError,
    /// HTTP 503 `ServiceUnavailable`.
    ServiceUnavailable,
    /// Any error code with any status, in the standard shape.
    Error {
        /// HTTP status.
        status: u16,
        /// Error code.
        code: String,
        /// Message.
        message: String,
    },
    /// Waits before answering (not an answer by itself: the call then proceeds).
    Latency {
        /// Milliseconds.
        ms: u64,
    },
    /// Closes the connection without any response.
    CloseConnection,
    /// HTTP 200 with the first half of the JSON body.
    TruncatedJson,
    /// HTTP 502 with an HTML gateway page.
    HtmlGateway,
    /// HTTP 200 with a JSON body of this many bytes.
    HugeBody {
        /// Body size.
        bytes: usize,
    },
    /// HTTP 200 with an empty body.
    EmptyBody,
    /// The real answer with every number and boolean sent as a string.
    NumbersAsStrings,
}

impl FaultKind {
    /// The short name used in the command-line form and the request log.
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Throttling { .. } => "throttling",
            FaultKind::InternalError => "internal_error",
            FaultKind::ServiceUnavailable => "service_unavailable",
            FaultKind::Error { .. } => "error",
            FaultKind::Latency { .. } => "latency",
            FaultKind::CloseConnection => "close_connection",
            FaultKind::TruncatedJson => "truncated_json",
            FaultKind::HtmlGateway => "html_gateway",
            FaultKind::HugeBody { .. } => "huge_body",
            FaultKind::EmptyBody => "empty_body",
            FaultKind::NumbersAsStrings => "numbers_as_strings",
        }
    }
}

/// Which matching calls a fault hits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Selector {
    /// Every matching call.
    All,
    /// Matching calls number k, 2k, 3k, ...
    Every(u64),
    /// Each matching call with probability `p`, drawn from an RNG seeded with `seed` (the same
    /// sequence of calls always gets the same faults).
    Fraction {
        /// Probability, 0 to 1.
        p: f64,
        /// RNG seed.
        seed: u64,
    },
}

/// When a fault strikes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    /// Before the action runs: nothing changes in the world.
    #[default]
    Before,
    /// After the action ran (its effect is kept): the answer is replaced, e.g. a write that
    /// succeeded but whose connection dropped.
    After,
}

/// A fault rule: what happens, to which calls, how often.
///
/// ```
/// use std::time::Duration;
/// use aliyun_emulator::Fault;
/// let f = Fault::throttling().action("DescribeCloudAssistantStatus").times(2);
/// assert_eq!(f.to_string(), "throttling:code=Throttling.User,action=DescribeCloudAssistantStatus,times=2");
/// let parsed: Fault = "latency:ms=250,instance=i-emu000001,every=3".parse().unwrap();
/// assert_eq!(parsed, Fault::latency(Duration::from_millis(250)).instance("i-emu000001").every(3));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// What happens.
    pub kind: FaultKind,
    /// Only this action.
    pub action: Option<String>,
    /// Only this product code (`Ecs`, `Cms`; any case).
    pub product: Option<String>,
    /// Only calls naming this instance (`InstanceId`, `InstanceId.N`, `InstanceIds`,
    /// `InstanceIds.N`, or an `instanceId` in CloudMonitor's JSON `Dimensions`).
    pub instance: Option<String>,
    /// Which matching calls.
    pub selector: Selector,
    /// At most this many hits.
    pub times: Option<u64>,
    /// Before or after the action runs.
    pub phase: Phase,
}

impl Fault {
    /// A fault of `kind` hitting every call.
    pub fn new(kind: FaultKind) -> Self {
        Fault {
            kind,
            action: None,
            product: None,
            instance: None,
            selector: Selector::All,
            times: None,
            phase: Phase::Before,
        }
    }

    /// `Throttling.User` (HTTP 400).
    pub fn throttling() -> Self {
        Fault::throttling_code("Throttling.User")
    }

    /// Throttling with another code (`Throttling`, `Throttling.Api`).
    pub fn throttling_code(code: impl Into<String>) -> Self {
        Fault::new(FaultKind::Throttling { code: code.into() })
    }

    /// HTTP 500 `InternalError`.
    pub fn internal_error() -> Self {
        Fault::new(FaultKind::InternalError)
    }

    /// HTTP 503 `ServiceUnavailable`.
    pub fn service_unavailable() -> Self {
        Fault::new(FaultKind::ServiceUnavailable)
    }

    /// Any error (`InternalError.Dispatch` with 500, ...).
    pub fn error(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        Fault::new(FaultKind::Error {
            status,
            code: code.into(),
            message: message.into(),
        })
    }

    /// Added latency.
    pub fn latency(delay: Duration) -> Self {
        Fault::new(FaultKind::Latency {
            ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        })
    }

    /// The connection closes before any response.
    pub fn close_connection() -> Self {
        Fault::new(FaultKind::CloseConnection)
    }

    /// HTTP 200 with truncated JSON.
    pub fn truncated_json() -> Self {
        Fault::new(FaultKind::TruncatedJson)
    }

    /// HTTP 502 with an HTML page.
    pub fn html_gateway() -> Self {
        Fault::new(FaultKind::HtmlGateway)
    }

    /// HTTP 200 with a body of `bytes` bytes.
    pub fn huge_body(bytes: usize) -> Self {
        Fault::new(FaultKind::HugeBody { bytes })
    }

    /// HTTP 200 with an empty body.
    pub fn empty_body() -> Self {
        Fault::new(FaultKind::EmptyBody)
    }

    /// The real answer with numbers and booleans as strings (runs after the action).
    pub fn numbers_as_strings() -> Self {
        Fault::new(FaultKind::NumbersAsStrings).after_action()
    }

    /// Only calls of `action`.
    pub fn action(mut self, action: impl Into<String>) -> Self {
        self.action = Some(action.into());
        self
    }

    /// Only calls to product `code`.
    pub fn product(mut self, code: impl Into<String>) -> Self {
        self.product = Some(code.into());
        self
    }

    /// Only calls naming instance `id`.
    pub fn instance(mut self, id: impl Into<String>) -> Self {
        self.instance = Some(id.into());
        self
    }

    /// At most `n` hits (the next `n` matching calls, with the default selector).
    pub fn times(mut self, n: u64) -> Self {
        self.times = Some(n);
        self
    }

    /// Every `k`-th matching call.
    pub fn every(mut self, k: u64) -> Self {
        self.selector = Selector::Every(k.max(1));
        self
    }

    /// A seeded fraction `p` of matching calls.
    pub fn fraction(mut self, p: f64, seed: u64) -> Self {
        self.selector = Selector::Fraction {
            p: if p.is_finite() {
                p.clamp(0.0, 1.0)
            } else {
                0.0
            },
            seed,
        };
        self
    }

    /// Strike after the action ran (its effect is kept).
    pub fn after_action(mut self) -> Self {
        self.phase = Phase::After;
        self
    }

    /// Parses `KIND[:key=value,...]`. Kinds: `throttling` (`code=`), `internal_error`,
    /// `service_unavailable`, `error` (`status=`, `code=`, `message=`), `latency` (`ms=`),
    /// `close_connection`, `truncated_json`, `html_gateway`, `huge_body` (`bytes=`),
    /// `empty_body`, `numbers_as_strings`. Keys for every kind: `action=`, `product=`,
    /// `instance=`, `times=N`, `every=K`, `fraction=P` (with `seed=S`), `phase=before|after`.
    pub fn parse(text: &str) -> Result<Fault, String> {
        let (kind, rest) = text.split_once(':').unwrap_or((text, ""));
        let mut pairs = Vec::new();
        for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("expected key=value, got {part:?}"))?;
            pairs.push((k.trim().to_owned(), v.trim().to_owned()));
        }
        Fault::from_pairs(kind.trim(), &pairs)
    }

    /// Reads the admin endpoint's JSON form: `{"kind": "...", "<key>": value, ...}` with the
    /// keys of [`Fault::parse`] (numbers may be JSON numbers).
    pub fn from_json(value: &Value) -> Result<Fault, String> {
        let object = value.as_object().ok_or("a fault is a JSON object")?;
        let kind = object
            .get("kind")
            .and_then(Value::as_str)
            .ok_or("a fault needs a \"kind\"")?;
        let pairs: Vec<(String, String)> = object
            .iter()
            .filter(|(k, _)| k.as_str() != "kind")
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect();
        Fault::from_pairs(kind, &pairs)
    }

    fn from_pairs(kind: &str, pairs: &[(String, String)]) -> Result<Fault, String> {
        let get = |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        let number = |key: &str| -> Result<Option<u64>, String> {
            get(key)
                .map(|v| {
                    v.parse::<u64>()
                        .map_err(|_| format!("{key}={v:?} is not a number"))
                })
                .transpose()
        };
        let kind = match kind.to_ascii_lowercase().replace('-', "_").as_str() {
            "throttling" | "throttle" => FaultKind::Throttling {
                code: get("code").unwrap_or("Throttling.User").to_owned(),
            },
            "internal_error" | "500" => FaultKind::InternalError,
            "service_unavailable" | "unavailable" | "503" => FaultKind::ServiceUnavailable,
            "error" => FaultKind::Error {
                status: number("status")?
                    .map(|s| u16::try_from(s).map_err(|_| "status is too large".to_owned()))
                    .transpose()?
                    // A 1xx cannot be a final answer.
                    .filter(|s| (200..=599).contains(s))
                    .unwrap_or(400),
                code: get("code").ok_or("an error fault needs code=")?.to_owned(),
                message: get("message")
                    .unwrap_or("Injected by the emulator.")
                    .to_owned(),
            },
            "latency" | "delay" | "slow" => FaultKind::Latency {
                ms: number("ms")?.ok_or("a latency fault needs ms=")?,
            },
            "close_connection" | "close" | "reset" => FaultKind::CloseConnection,
            "truncated_json" | "truncated" => FaultKind::TruncatedJson,
            "html_gateway" | "html" | "502" => FaultKind::HtmlGateway,
            "huge_body" | "huge" => {
                let bytes = number("bytes")?
                    .map(|b| usize::try_from(b).unwrap_or(usize::MAX))
                    .unwrap_or(DEFAULT_HUGE_BODY_BYTES);
                if bytes > MAX_HUGE_BODY_BYTES {
                    return Err(format!("bytes must be at most {MAX_HUGE_BODY_BYTES}"));
                }
                FaultKind::HugeBody { bytes }
            }
            "empty_body" | "empty" => FaultKind::EmptyBody,
            "numbers_as_strings" | "strings" => FaultKind::NumbersAsStrings,
            other => return Err(format!("unknown fault kind {other:?}")),
        };
        let known = [
            "action", "product", "instance", "times", "every", "fraction", "seed", "phase", "code",
            "status", "message", "ms", "bytes",
        ];
        if let Some((k, _)) = pairs.iter().find(|(k, _)| !known.contains(&k.as_str())) {
            return Err(format!("unknown fault key {k:?}"));
        }
        let mut fault = Fault::new(kind);
        if matches!(fault.kind, FaultKind::NumbersAsStrings) {
            fault.phase = Phase::After;
        }
        fault.action = get("action").map(str::to_owned);
        fault.product = get("product").map(str::to_owned);
        fault.instance = get("instance").map(str::to_owned);
        fault.times = number("times")?;
        if let Some(k) = number("every")? {
            fault = fault.every(k);
        }
        if let Some(p) = get("fraction") {
            let p: f64 = p
                .parse()
                .ok()
                .filter(|p: &f64| (0.0..=1.0).contains(p))
                .ok_or_else(|| format!("fraction={p:?} is not between 0 and 1"))?;
            fault = fault.fraction(p, number("seed")?.unwrap_or(1));
        }
        match get("phase") {
            None => {}
            Some("before") => fault.phase = Phase::Before,
            Some("after") => fault.phase = Phase::After,
            Some(other) => return Err(format!("phase={other:?} is not before or after")),
        }
        Ok(fault)
    }

    /// The JSON form (the inverse of [`Fault::from_json`]).
    pub fn to_json(&self) -> Value {
        let mut object = Map::new();
        object.insert("kind".into(), Value::from(self.kind.name()));
        for (key, value) in self.pairs() {
            object.insert(key.into(), value);
        }
        Value::Object(object)
    }

    /// The `key=value` settings beyond the kind, in a fixed order.
    fn pairs(&self) -> Vec<(&'static str, Value)> {
        let mut pairs: Vec<(&'static str, Value)> = Vec::new();
        match &self.kind {
            FaultKind::Throttling { code } => pairs.push(("code", Value::from(code.as_str()))),
            FaultKind::Error {
                status,
                code,
                message,
            } => {
                pairs.push(("status", Value::from(*status)));
                pairs.push(("code", Value::from(code.as_str())));
                pairs.push(("message", Value::from(message.as_str())));
            }
            FaultKind::Latency { ms } => pairs.push(("ms", Value::from(*ms))),
            FaultKind::HugeBody { bytes } => pairs.push(("bytes", Value::from(*bytes))),
            _ => {}
        }
        let scope = [
            ("action", &self.action),
            ("product", &self.product),
            ("instance", &self.instance),
        ];
        for (key, value) in scope {
            if let Some(v) = value {
                pairs.push((key, Value::from(v.as_str())));
            }
        }
        match self.selector {
            Selector::All => {}
            Selector::Every(k) => pairs.push(("every", Value::from(k))),
            Selector::Fraction { p, seed } => {
                pairs.push(("fraction", Value::from(p)));
                pairs.push(("seed", Value::from(seed)));
            }
        }
        if let Some(n) = self.times {
            pairs.push(("times", Value::from(n)));
        }
        if self.phase == Phase::After && !matches!(self.kind, FaultKind::NumbersAsStrings) {
            pairs.push(("phase", Value::from("after")));
        }
        pairs
    }

    fn matches(&self, facts: &RequestFacts<'_>) -> bool {
        self.action.as_deref().is_none_or(|a| a == facts.action)
            && self
                .product
                .as_deref()
                .is_none_or(|p| p.eq_ignore_ascii_case(facts.product))
            && self
                .instance
                .as_deref()
                .is_none_or(|i| facts.instances.iter().any(|x| x == i))
    }
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fault::parse(s)
    }
}

impl fmt::Display for Fault {
    /// The command-line form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.name())?;
        for (i, (key, value)) in self.pairs().into_iter().enumerate() {
            let sep = if i == 0 { ':' } else { ',' };
            match value {
                Value::String(text) => write!(f, "{sep}{key}={text}")?,
                other => write!(f, "{sep}{key}={other}")?,
            }
        }
        Ok(())
    }
}

/// The id of an installed fault, to remove it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FaultId(pub u64);

/// An installed fault and its counters.
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveFault {
    /// Its id.
    pub id: FaultId,
    /// The rule.
    pub fault: Fault,
    /// Calls it matched (whether or not it struck).
    pub matched: u64,
    /// Calls it struck.
    pub hits: u64,
}

impl ActiveFault {
    /// Hits left before a `times` limit is reached (`None`: unlimited).
    pub fn remaining(&self) -> Option<u64> {
        self.fault.times.map(|n| n.saturating_sub(self.hits))
    }

    /// The JSON form served by the admin endpoint.
    pub fn to_json(&self) -> Value {
        let mut object = Map::new();
        object.insert("id".into(), Value::from(self.id.0));
        object.insert("spec".into(), Value::String(self.fault.to_string()));
        object.insert("fault".into(), self.fault.to_json());
        object.insert("matched".into(), Value::from(self.matched));
        object.insert("hits".into(), Value::from(self.hits));
        object.insert(
            "remaining".into(),
            self.remaining().map(Value::from).unwrap_or(Value::Null),
        );
        Value::Object(object)
    }
}

/// What a call is, for matching faults.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestFacts<'a> {
    pub(crate) product: &'a str,
    pub(crate) action: &'a str,
    pub(crate) instances: Vec<String>,
}

/// The faults that strike one call in one phase.
#[derive(Debug, Clone, Default)]
pub(crate) struct Strike {
    /// Total added latency.
    pub(crate) latency: Duration,
    /// The answer-replacing fault, if any.
    pub(crate) answer: Option<FaultKind>,
    /// Every fault that struck (for the log).
    pub(crate) names: Vec<String>,
}

#[derive(Debug)]
struct Rule {
    active: ActiveFault,
    rng: Option<fastrand::Rng>,
}

/// The installed faults, in installation order.
#[derive(Debug, Default)]
pub(crate) struct FaultSet {
    next_id: u64,
    rules: Vec<Rule>,
}

impl FaultSet {
    pub(crate) fn add(&mut self, fault: Fault) -> FaultId {
        self.next_id += 1;
        let id = FaultId(self.next_id);
        let rng = match fault.selector {
            Selector::Fraction { seed, .. } => Some(fastrand::Rng::with_seed(seed)),
            _ => None,
        };
        self.rules.push(Rule {
            active: ActiveFault {
                id,
                fault,
                matched: 0,
                hits: 0,
            },
            rng,
        });
        id
    }

    pub(crate) fn remove(&mut self, id: FaultId) -> bool {
        let before = self.rules.len();
        self.rules.retain(|r| r.active.id != id);
        self.rules.len() != before
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    pub(crate) fn list(&self) -> Vec<ActiveFault> {
        self.rules.iter().map(|r| r.active.clone()).collect()
    }

    /// Decides, atomically with the counters, which faults strike this call in `phase`. All
    /// latency adds up; the first answer-replacing fault wins and later ones are not consulted
    /// (their counters stay untouched).
    pub(crate) fn strike(&mut self, facts: &RequestFacts<'_>, phase: Phase) -> Strike {
        let mut strike = Strike::default();
        for rule in &mut self.rules {
            let fault = &rule.active.fault;
            if fault.phase != phase || !fault.matches(facts) {
                continue;
            }
            let is_latency = matches!(fault.kind, FaultKind::Latency { .. });
            if !is_latency && strike.answer.is_some() {
                continue;
            }
            if fault.times.is_some_and(|n| rule.active.hits >= n) {
                continue;
            }
            rule.active.matched += 1;
            let hit = match fault.selector {
                Selector::All => true,
                Selector::Every(k) => rule.active.matched % k.max(1) == 0,
                Selector::Fraction { p, .. } => rule.rng.as_mut().is_some_and(|rng| rng.f64() < p),
            };
            if !hit {
                continue;
            }
            rule.active.hits += 1;
            strike.names.push(fault.kind.name().to_owned());
            match &fault.kind {
                FaultKind::Latency { ms } => {
                    strike.latency = strike.latency.saturating_add(Duration::from_millis(*ms));
                }
                other => strike.answer = Some(other.clone()),
            }
        }
        strike
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(action: &'a str, instances: &[&str]) -> RequestFacts<'a> {
        RequestFacts {
            product: "Ecs",
            action,
            instances: instances.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn parse_and_display_round_trip() {
        for text in [
            "throttling:code=Throttling.User,action=A,times=2",
            "error:status=500,code=InternalError.Dispatch,message=boom,product=Ecs",
            "latency:ms=10,fraction=0.5,seed=7",
            "close_connection:instance=i-1,phase=after",
            "huge_body:bytes=100,every=3",
            "numbers_as_strings",
            "empty_body",
            "html_gateway",
            "truncated_json",
            "internal_error",
            "service_unavailable",
        ] {
            let fault = Fault::parse(text).unwrap();
            assert_eq!(fault.to_string(), text);
            assert_eq!(Fault::from_json(&fault.to_json()).unwrap(), fault, "{text}");
        }
        for bad in [
            "nope",
            "latency",
            "error",
            "throttling:times=x",
            "throttling:bogus=1",
            "throttling:fraction=2",
            "throttling:phase=never",
            "huge_body:bytes=999999999999",
            "throttling:action",
        ] {
            assert!(Fault::parse(bad).is_err(), "{bad}");
        }
        assert!(Fault::from_json(&serde_json::json!([1])).is_err());
        let json = serde_json::json!({"kind": "throttling", "times": 2, "action": "X"});
        assert_eq!(
            Fault::from_json(&json).unwrap(),
            Fault::throttling().action("X").times(2)
        );
    }

    #[test]
    fn times_every_and_scope() {
        let mut set = FaultSet::default();
        set.add(Fault::throttling().action("A").times(2));
        let hits: Vec<bool> = (0..4)
            .map(|_| set.strike(&facts("A", &[]), Phase::Before).answer.is_some())
            .collect();
        assert_eq!(hits, [true, true, false, false]);
        assert!(set.strike(&facts("B", &[]), Phase::Before).answer.is_none());

        let mut set = FaultSet::default();
        set.add(Fault::internal_error().every(3).instance("i-2"));
        let hits: Vec<bool> = (0..6)
            .map(|_| {
                set.strike(&facts("A", &["i-1", "i-2"]), Phase::Before)
                    .answer
                    .is_some()
            })
            .collect();
        assert_eq!(hits, [false, false, true, false, false, true]);
        assert!(
            set.strike(&facts("A", &["i-1"]), Phase::Before)
                .answer
                .is_none()
        );
        assert!(
            set.strike(&facts("A", &["i-2"]), Phase::After)
                .answer
                .is_none()
        );
    }

    #[test]
    fn fractions_are_deterministic() {
        let run = || {
            let mut set = FaultSet::default();
            set.add(Fault::throttling().fraction(0.3, 42));
            (0..200)
                .map(|_| set.strike(&facts("A", &[]), Phase::Before).answer.is_some())
                .collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first, run());
        let count = first.iter().filter(|h| **h).count();
        assert!((30..=90).contains(&count), "{count}");
    }

    #[test]
    fn latency_adds_up_and_first_answer_wins() {
        let mut set = FaultSet::default();
        set.add(Fault::latency(Duration::from_millis(5)));
        let first = set.add(Fault::service_unavailable().times(1));
        set.add(Fault::latency(Duration::from_millis(7)));
        set.add(Fault::internal_error().times(1));
        let strike = set.strike(&facts("A", &[]), Phase::Before);
        assert_eq!(strike.latency, Duration::from_millis(12));
        assert_eq!(strike.answer, Some(FaultKind::ServiceUnavailable));
        let list = set.list();
        assert_eq!(list[3].hits, 0, "a later answer fault is not consumed");
        assert_eq!(list[1].remaining(), Some(0));
        assert!(set.remove(first));
        assert!(!set.remove(first));
        let strike = set.strike(&facts("A", &[]), Phase::Before);
        assert_eq!(strike.answer, Some(FaultKind::InternalError));
    }
}
