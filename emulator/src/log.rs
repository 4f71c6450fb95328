//! The request log: every RPC request with what it was and how it ended, so tests (and the
//! admin endpoint) can prove what a client sent: attempts, nonces, parameters.
//!
//! Never logged: the `Signature`, the `SecurityToken`, headers (V3's `Authorization` holds the
//! signature), and the AccessKeySecret, which the emulator never receives in the first place.
//! Parameters that are secrets by their name (`Password`, `RemoteConnectionOptions.Password`:
//! [`aliyun_spec::names::is_sensitive_name`], the rule the SDK's `Debug` output follows), and
//! those the action's spec marks `sensitive`, are logged as `<redacted>`, so a test sees that
//! one was sent but not what it was.

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;

/// Default number of entries kept (oldest dropped first).
pub const DEFAULT_LOG_CAPACITY: usize = 10_000;

/// Parameters never written to the log.
const SECRET_PARAMS: [&str; 2] = ["Signature", "SecurityToken"];

/// How a request ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Verdict {
    /// Answered successfully.
    Ok,
    /// Refused or failed with this code (legacy CMS failures carry their `ErrorCode`, `"500"`).
    Error {
        /// The error code.
        code: String,
    },
    /// An injected fault replaced the answer.
    Fault {
        /// The fault kind (`throttling`, `close_connection`, ...).
        fault: String,
        /// The error code it answered with, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        code: Option<String>,
    },
}

/// Where an answer came from: the world the emulator keeps, or the spec's example body (an
/// action the emulator does not model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerSource {
    /// A modelled action answered from the world's state.
    World,
    /// An unmodelled action answered its spec's `response.example` (whatever was sent).
    Example,
}

impl AnswerSource {
    /// The value of the `x-emulator-answer` response header: `world` or `example`.
    pub fn as_str(self) -> &'static str {
        match self {
            AnswerSource::World => "world",
            AnswerSource::Example => "example",
        }
    }
}

/// Where the pipeline refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The request could not be read (body too large, method, encoding, `Format`).
    Request,
    /// No such version or action, or neither was named.
    Routing,
    /// Authentication: the signature, the key, the timestamp, the nonce or the token.
    Signature,
    /// The parameters do not satisfy the action's spec.
    Validation,
    /// The action itself answered with an error (a modelled world's refusal).
    Action,
}

/// One logged request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoggedRequest {
    /// Arrival order, from 1.
    pub seq: u64,
    /// Arrival time by the emulator's clock (`YYYY-MM-DDThh:mm:ssZ`).
    pub time: String,
    /// HTTP method.
    pub method: String,
    /// Request path.
    pub path: String,
    /// Product code (`Ecs`), once resolved.
    pub product: Option<String>,
    /// `Version` / `x-acs-version`.
    pub version: Option<String>,
    /// `Action` / `x-acs-action`.
    pub action: Option<String>,
    /// The AccessKeyId the request claimed.
    pub access_key_id: Option<String>,
    /// `v1` or `v3`.
    pub signature_version: Option<String>,
    /// The signature nonce (a parameter for V1, a header for V3).
    pub nonce: Option<String>,
    /// Query and form parameters, without `Signature` and `SecurityToken`.
    pub params: BTreeMap<String, String>,
    /// HTTP status answered (`None`: the connection was closed without an answer).
    pub status: Option<u16>,
    /// The RequestId answered, if any.
    pub request_id: Option<String>,
    /// How it ended.
    #[serde(flatten)]
    pub verdict: Verdict,
    /// Where it was refused (`None`: it was not refused, or a fault answered instead).
    pub refused_at: Option<Stage>,
    /// Every fault that struck, latency included.
    pub faults: Vec<String>,
    /// Where the action's answer came from (`None`: refused before the action ran).
    pub answered_from: Option<AnswerSource>,
}

impl LoggedRequest {
    /// A logged parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// Whether the request was answered successfully.
    pub fn is_ok(&self) -> bool {
        self.verdict == Verdict::Ok
    }

    /// Whether the answer was the spec's canned example rather than the world's state.
    pub fn was_canned(&self) -> bool {
        self.answered_from == Some(AnswerSource::Example)
    }

    /// The error code answered (by a refusal or a fault), if any.
    pub fn error_code(&self) -> Option<&str> {
        match &self.verdict {
            Verdict::Ok => None,
            Verdict::Error { code } => Some(code),
            Verdict::Fault { code, .. } => code.as_deref(),
        }
    }

    /// Replaces the value of parameter `wire_name` (and its nested `wire_name.…` parts) with
    /// `<redacted>`: for parameters the action's spec marks `sensitive`.
    pub(crate) fn redact(params: &mut BTreeMap<String, String>, wire_name: &str) {
        for (key, value) in params.iter_mut() {
            let nested = key
                .strip_prefix(wire_name)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'));
            if nested {
                *value = "<redacted>".to_owned();
            }
        }
    }

    /// The params map for a request: without the protocol's secret parameters, and with
    /// the values of secrets (by any segment of the name) replaced by `<redacted>`.
    pub(crate) fn loggable_params<'a>(
        params: impl Iterator<Item = (&'a str, &'a str)>,
    ) -> BTreeMap<String, String> {
        params
            .filter(|(k, _)| !SECRET_PARAMS.contains(k))
            .map(|(k, v)| {
                let secret = k.split('.').any(aliyun_spec::names::is_sensitive_name);
                let value = if secret { "<redacted>" } else { v };
                (k.to_owned(), value.to_owned())
            })
            .collect()
    }
}

/// The most recent requests, bounded.
#[derive(Debug)]
pub(crate) struct RequestLog {
    entries: VecDeque<LoggedRequest>,
    capacity: usize,
}

impl RequestLog {
    pub(crate) fn new(capacity: usize) -> Self {
        RequestLog {
            entries: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    pub(crate) fn push(&mut self, entry: LoggedRequest) {
        while self.entries.len() >= self.capacity {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    /// Entries in arrival order (entries are pushed when answered, so sort by `seq`).
    pub(crate) fn entries(&self) -> Vec<LoggedRequest> {
        let mut all: Vec<LoggedRequest> = self.entries.iter().cloned().collect();
        all.sort_by_key(|e| e.seq);
        all
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: u64) -> LoggedRequest {
        LoggedRequest {
            seq,
            time: String::new(),
            method: "GET".into(),
            path: "/".into(),
            product: None,
            version: None,
            action: None,
            access_key_id: None,
            signature_version: None,
            nonce: None,
            params: LoggedRequest::loggable_params(
                [
                    ("A", "1"),
                    ("Password", "PWVALUE"),
                    ("RemoteConnectionOptions.Password", "PWVALUE"),
                    ("Signature", "SIGVALUE"),
                    ("SecurityToken", "TOKVALUE"),
                ]
                .into_iter(),
            ),
            status: Some(200),
            request_id: None,
            verdict: Verdict::Fault {
                fault: "throttling".into(),
                code: Some("Throttling.User".into()),
            },
            refused_at: None,
            faults: vec![],
            answered_from: None,
        }
    }

    #[test]
    fn bounded_sorted_and_secret_free() {
        let mut log = RequestLog::new(2);
        log.push(entry(3));
        log.push(entry(1));
        log.push(entry(2));
        let seqs: Vec<u64> = log.entries().iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [1, 2]);
        let e = &log.entries()[0];
        assert_eq!(e.param("A"), Some("1"));
        assert_eq!(e.param("Signature"), None);
        assert_eq!(e.param("Password"), Some("<redacted>"));
        let mut params: BTreeMap<String, String> = [("ConfigJson", "{}"), ("ConfigJsonX", "1")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        LoggedRequest::redact(&mut params, "ConfigJson");
        assert_eq!(params["ConfigJson"], "<redacted>");
        assert_eq!(params["ConfigJsonX"], "1");
        assert_eq!(
            e.param("RemoteConnectionOptions.Password"),
            Some("<redacted>")
        );
        assert_eq!(e.error_code(), Some("Throttling.User"));
        let json = serde_json::to_string(e).unwrap();
        assert!(json.contains("\"outcome\":\"fault\""), "{json}");
        assert!(
            !json.contains("SIGVALUE") && !json.contains("TOKVALUE") && !json.contains("PWVALUE"),
            "{json}"
        );
    }
}
