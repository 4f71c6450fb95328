//! Deterministic fuzzing of response decoding: a seeded generator of hostile response bodies,
//! and a driver that runs each through the real call path of an action (classification as
//! success, service error or unreadable answer, then decoding into the typed output) and checks
//! that every body ends in a typed outcome: no panic, no hang, no error of the wrong kind.
//!
//! Every generated product test module calls [`fuzz_response_decoding`] once per action, seeded
//! with the spec's canned response bodies and its response example.
//!
//! # Cases and seed
//!
//! [`fuzz_cases`] bodies per action: `ALIYUN_FUZZ_CASES`, else `PROPTEST_CASES` (so one variable
//! scales every fuzzer of the workspace), else [`DEFAULT_FUZZ_CASES`]. The generator's seed is
//! derived from the action name, or taken from `ALIYUN_FUZZ_SEED`; a failure names the seed and
//! the case number, so it reproduces exactly:
//!
//! ```text
//! ALIYUN_FUZZ_CASES=100000 cargo test --workspace fuzz_response_decoding
//! ALIYUN_FUZZ_SEED=12345 ALIYUN_FUZZ_CASES=5000 cargo test -p aliyun-ecs fuzz_response_decoding
//! ```
//!
//! # What is checked
//!
//! For every generated body: the call returns within 10 s without panicking, sends exactly one
//! request, and ends in `Ok` (only for a 2xx status), [`Error::Service`] carrying the status, or
//! [`Error::Response`] carrying the status and the body's exact snippet; the error's `Display`
//! and `Debug` do not panic either. For every seed body that decodes at HTTP 200, re-encoding
//! it (numbers and booleans as strings, an unknown extra field, pretty-printed) decodes to the
//! same output.
//!
//! ```
//! use aliyun_core::testing::fuzz::ResponseFuzzer;
//!
//! let seeds = [(200, r#"{"RequestId":"R","TotalCount":3}"#)];
//! let mut one = ResponseFuzzer::new(7, &seeds);
//! let mut two = ResponseFuzzer::new(7, &seeds);
//! for _ in 0..50 {
//!     assert_eq!(one.next_case(), two.next_case()); // deterministic
//! }
//! ```

use std::any::Any;
use std::fmt;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::future::LocalBoxFuture;
use serde_json::{Map, Number, Value};

use super::{CannedReply, CaptureTransport};
use crate::action::Action;
use crate::client::ProductClient;
use crate::error::{Error, snippet};

/// Bodies per action when no environment variable says otherwise: enough to cover every
/// mutation kind many times over in well under a second per action.
pub const DEFAULT_FUZZ_CASES: usize = 256;

/// How long one fuzzed call may take before it counts as a hang.
const HANG_LIMIT: Duration = Duration::from_secs(10);

/// Nesting depth of the deepest generated document: past serde_json's recursion limit (128), so
/// the limit itself is exercised, yet bounded so generation stays cheap.
const MAX_NESTING: usize = 160;

/// Bodies every action is fuzzed with besides its own seeds: the error shapes of the protocol
/// and the usual gateway junk.
const GENERIC_SEEDS: [(u16, &str); 8] = [
    (
        400,
        r#"{"RequestId":"R-1","HostId":"ecs.aliyuncs.com","Code":"Throttling.User","Message":"Request was denied due to user flow control.","Recommend":"https://api.aliyun.com/troubleshoot?q=Throttling.User"}"#,
    ),
    (
        500,
        r#"{"RequestId":"R-2","Code":"InternalError","Message":"The request processing has failed due to some unknown error."}"#,
    ),
    (
        400,
        r#"{"RequestId":"R-3","Code":"SignatureDoesNotMatch","Message":"Specified signature is not matched with our calculation. server string to sign is:GET&%2F&AccessKeyId%3Dtestid"}"#,
    ),
    (
        200,
        r#"{"ErrorCode":500,"ErrorMessage":"agent failed","Success":false,"RequestId":"R-4"}"#,
    ),
    (200, r#"{"ErrorCode":200,"Success":true,"RequestId":"R-5"}"#),
    (
        502,
        "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
    ),
    (
        403,
        "<?xml version='1.0' encoding='UTF-8'?><Error><RequestId>R-6</RequestId><HostId>h</HostId><Code>Forbidden.RAM</Code><Message>denied &amp; logged</Message></Error>",
    ),
    (
        400,
        r#"{"RequestId":"R-7","Code":"InvalidTimeStamp.Expired","Message":"Specified time stamp or date value is expired."}"#,
    ),
];

/// Whole bodies that break something by themselves.
const ODD_BODIES: [&str; 26] = [
    "",
    " ",
    "\n\t",
    "null",
    "true",
    "0",
    "-1e400",
    "\"text\"",
    "[]",
    "{}",
    "[{}]",
    "{\"RequestId\":null}",
    "{\"RequestId\":\"a\",\"RequestId\":7}",
    "{\"Code\":{}}",
    "{\"Code\":\"\",\"Message\":[]}",
    "{\"ErrorCode\":1.5e300,\"Success\":\"maybe\"}",
    "{\"Success\":false}",
    "{\"RequestId\":\"\\ud800\"}",
    "{\"RequestId\":\"\\u0000\"}",
    "\u{feff}{\"RequestId\":\"bom\"}",
    "{\"RequestId\":\"R\"} trailing",
    "{\"RequestId\":\"R\",}",
    "<Error><Code>",
    "<Error><Code><![CDATA[X]]></Code><Message>&amp;&lt;&#0;</Message></Error>",
    "<html>",
    "\u{0}\u{1}\u{2}",
];

/// Statuses a fuzzed body is answered with, the common ones more often than the odd ones.
const STATUSES: [u16; 24] = [
    200, 200, 200, 200, 200, 200, 201, 204, 299, 0, 100, 302, 400, 400, 403, 404, 409, 500, 500,
    502, 503, 504, 599, 999,
];

/// The number of bodies each fuzzer runs: `ALIYUN_FUZZ_CASES`, else `PROPTEST_CASES`, else
/// [`DEFAULT_FUZZ_CASES`].
pub fn fuzz_cases() -> usize {
    ["ALIYUN_FUZZ_CASES", "PROPTEST_CASES"]
        .iter()
        .find_map(|name| std::env::var(name).ok()?.trim().parse().ok())
        .unwrap_or(DEFAULT_FUZZ_CASES)
}

/// The generator seed for fuzzing `name`: `ALIYUN_FUZZ_SEED` when set, else a hash of `name`
/// (so each action gets its own, stable sequence).
pub fn fuzz_seed(name: &str) -> u64 {
    if let Some(seed) = std::env::var("ALIYUN_FUZZ_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
    {
        return seed;
    }
    name_seed(name)
}

/// The 64-bit FNV-1a hash of `name`: stable across platforms and releases, unlike the std
/// hasher.
fn name_seed(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// One generated response.
#[derive(Clone, PartialEq, Eq)]
pub struct FuzzCase {
    /// The HTTP status to answer with.
    pub status: u16,
    /// The body.
    pub body: Bytes,
    /// How the body was made (for failure messages).
    pub mutation: &'static str,
}

impl fmt::Debug for FuzzCase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FuzzCase")
            .field("status", &self.status)
            .field("mutation", &self.mutation)
            .field("body", &Shown(&self.body))
            .finish()
    }
}

/// A body for a failure message: lossily decoded, at most 2 KB.
struct Shown<'a>(&'a [u8]);

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let end = self.0.len().min(2048);
        write!(f, "{:?}", String::from_utf8_lossy(&self.0[..end]))?;
        if self.0.len() > end {
            write!(f, " (… {} bytes in all)", self.0.len())?;
        }
        Ok(())
    }
}

/// A seed body: its status, its text, and its JSON reading when it has one.
struct Seed {
    status: u16,
    text: String,
    json: Option<Value>,
}

/// A seeded generator of hostile response bodies, from seed bodies: JSON values of the wrong
/// type (strings for numbers, numbers for strings, objects for lists), huge and fractional
/// numbers, deep nesting, truncations, invalid UTF-8, stray bytes, duplicate keys, and whole
/// bodies that are odd by themselves (empty, `null`, HTML, broken XML). The same seed and seed
/// bodies always give the same sequence.
pub struct ResponseFuzzer {
    rng: fastrand::Rng,
    seeds: Vec<Seed>,
}

impl fmt::Debug for ResponseFuzzer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuzzer")
            .field("seeds", &self.seeds.len())
            .finish_non_exhaustive()
    }
}

impl ResponseFuzzer {
    /// A generator seeded with `seed`, mutating `seeds` (status and body) plus a few generic
    /// error and gateway bodies.
    pub fn new(seed: u64, seeds: &[(u16, &str)]) -> Self {
        let seeds = seeds
            .iter()
            .chain(GENERIC_SEEDS.iter())
            .map(|(status, text)| Seed {
                status: *status,
                text: (*text).to_owned(),
                json: serde_json::from_str(text).ok(),
            })
            .collect();
        ResponseFuzzer {
            rng: fastrand::Rng::with_seed(seed),
            seeds,
        }
    }

    /// The next response.
    pub fn next_case(&mut self) -> FuzzCase {
        let index = self.rng.usize(..self.seeds.len());
        let status = if self.rng.u8(..3) == 0 {
            STATUSES[self.rng.usize(..STATUSES.len())]
        } else {
            self.seeds[index].status
        };
        let (body, mutation) = match (self.rng.u8(..8), self.seeds[index].json.clone()) {
            (0, _) => (self.seeds[index].text.clone().into_bytes(), "seed as is"),
            (1, _) => (
                ODD_BODIES[self.rng.usize(..ODD_BODIES.len())]
                    .as_bytes()
                    .to_vec(),
                "odd body",
            ),
            (2 | 3, Some(mut json)) => {
                for _ in 0..=self.rng.usize(..3) {
                    self.mutate_value(&mut json);
                }
                (json.to_string().into_bytes(), "values replaced")
            }
            (4, Some(json)) => {
                let swapped = match self.rng.u8(..4) {
                    0 => scalars_as_strings(&json),
                    1 => numeric_strings_as_numbers(&json),
                    2 => nulls_for_scalars(&json),
                    _ => lists_unwrapped(&json),
                };
                (swapped.to_string().into_bytes(), "types swapped")
            }
            (5, Some(mut json)) => {
                self.mutate_value(&mut json);
                let mut text = json.to_string().into_bytes();
                self.mutate_text(&mut text);
                (text, "values replaced, then bytes")
            }
            (6, _) => {
                let depth = self.rng.usize(1..=MAX_NESTING);
                let (open, close) = if self.rng.bool() {
                    ("[", "]")
                } else {
                    ("{\"A\":", "}")
                };
                let mut text = open.repeat(depth);
                text.push('1');
                if self.rng.bool() {
                    text.push_str(&close.repeat(depth));
                }
                (text.into_bytes(), "deep nesting")
            }
            _ => {
                let mut text = self.seeds[index].text.clone().into_bytes();
                for _ in 0..=self.rng.usize(..2) {
                    self.mutate_text(&mut text);
                }
                (text, "bytes mutated")
            }
        };
        FuzzCase {
            status,
            body: Bytes::from(body),
            mutation,
        }
    }

    /// Replaces one node of `value` (reached by a random walk down from the root; the whole
    /// document, possibly) with junk, or deletes or adds an object member there.
    fn mutate_value(&mut self, value: &mut Value) {
        let stop = self.rng.u8(..4) == 0;
        match value {
            Value::Object(map) if !stop && !map.is_empty() => {
                let index = self.rng.usize(..map.len());
                if let Some(child) = map.values_mut().nth(index) {
                    self.mutate_value(child);
                }
                return;
            }
            Value::Array(items) if !stop && !items.is_empty() => {
                let index = self.rng.usize(..items.len());
                self.mutate_value(&mut items[index]);
                return;
            }
            _ => {}
        }
        match (self.rng.u8(..6), value) {
            (0, Value::Object(map)) if !map.is_empty() => {
                let key = map.keys().nth(self.rng.usize(..map.len())).cloned();
                if let Some(key) = key {
                    map.remove(&key);
                }
            }
            (1, Value::Object(map)) => {
                let key = self.junk_key();
                let junk = self.junk(2);
                map.insert(key, junk);
            }
            (2, node) => {
                // A list wrapped the way the service sometimes does, or unwrapped.
                let inner = std::mem::take(node);
                *node = match inner {
                    Value::Array(mut items) if items.len() == 1 && self.rng.bool() => {
                        items.pop().unwrap_or_default()
                    }
                    other => Value::Object(Map::from_iter([("Item".to_owned(), other)])),
                };
            }
            (_, node) => *node = self.junk(3),
        }
    }

    fn junk_key(&mut self) -> String {
        const KEYS: [&str; 8] = [
            "RequestId",
            "Code",
            "ErrorCode",
            "Success",
            "NextToken",
            "TotalCount",
            "ZzUnknownField",
            "",
        ];
        KEYS[self.rng.usize(..KEYS.len())].to_owned()
    }

    /// A value of any type; containers nest at most `depth` more levels.
    fn junk(&mut self, depth: usize) -> Value {
        const NUMERIC_TEXT: [&str; 14] = [
            "12",
            " 12 ",
            "-0",
            "1e3",
            "12.5",
            "12.0",
            "-",
            "NaN",
            "inf",
            "0x10",
            "99999999999999999999999",
            "-9223372036854775809",
            "true",
            "",
        ];
        const TEXT: [&str; 8] = [
            "True",
            "FALSE",
            "yes",
            "null",
            "测试 é \u{0} \u{ffff} 🦀",
            "\u{202e}reversed",
            "i-bp1aaaaaaaaaaaaaaaa1",
            "install_faild",
        ];
        let containers = depth > 0;
        match self.rng.u8(..14) {
            0 => Value::Null,
            1 => Value::Bool(self.rng.bool()),
            2 => {
                const EDGES: [i64; 6] = [i64::MIN, i64::MAX, 0, -1, 200, 2_147_483_648];
                Value::from(EDGES[self.rng.usize(..EDGES.len())])
            }
            3 => Value::from(u64::MAX - self.rng.u64(..3)),
            4 => {
                const FLOATS: [f64; 6] = [1.5, -0.0, 1e300, f64::MIN_POSITIVE, 12.0, -3.25];
                Number::from_f64(FLOATS[self.rng.usize(..FLOATS.len())])
                    .map_or(Value::Null, Value::Number)
            }
            5 | 6 => Value::from(NUMERIC_TEXT[self.rng.usize(..NUMERIC_TEXT.len())]),
            7 => Value::from(TEXT[self.rng.usize(..TEXT.len())]),
            8 => Value::from("x".repeat(self.rng.usize(1_000..60_000))),
            9 if containers => Value::Array(
                (0..self.rng.usize(..4))
                    .map(|_| self.junk(depth - 1))
                    .collect(),
            ),
            10 if containers => Value::Object(
                (0..self.rng.usize(..4))
                    .map(|_| (self.junk_key(), self.junk(depth - 1)))
                    .collect(),
            ),
            11 => {
                let mut nested = Value::from(1);
                for _ in 0..self.rng.usize(1..=MAX_NESTING) {
                    nested = Value::Array(vec![nested]);
                }
                nested
            }
            12 => Value::from(r#"{"Nested":"json in a string"}"#),
            _ => Value::Array(Vec::new()),
        }
    }

    /// Damages serialized text: truncation, stray or invalid bytes, deletions, numbers too big
    /// for any type, duplicate keys, trailing junk.
    fn mutate_text(&mut self, text: &mut Vec<u8>) {
        const STRAY: [&[u8]; 12] = [
            b"\xff",
            b"\xc3",
            b"\xed\xa0\x80",
            b"\0",
            b"\"",
            b"{",
            b"}",
            b"]",
            b",",
            b"\\",
            b"\\u12",
            b"\r\n",
        ];
        const HUGE: [&str; 4] = [
            "1e400",
            "123456789012345678901234567890",
            "-1E-400",
            "1.7976931348623157e309",
        ];
        let at = |rng: &mut fastrand::Rng, len: usize| rng.usize(..=len);
        match self.rng.u8(..7) {
            0 => {
                let cut = at(&mut self.rng, text.len());
                text.truncate(cut);
            }
            1 => {
                let position = at(&mut self.rng, text.len());
                let stray = STRAY[self.rng.usize(..STRAY.len())];
                text.splice(position..position, stray.iter().copied());
            }
            2 if !text.is_empty() => {
                let start = self.rng.usize(..text.len());
                let end = (start + self.rng.usize(1..16)).min(text.len());
                text.drain(start..end);
            }
            3 => {
                // Replace the first run of digits with a number no type can hold.
                let huge = HUGE[self.rng.usize(..HUGE.len())].as_bytes();
                match text.iter().position(u8::is_ascii_digit) {
                    Some(start) => {
                        let end = text[start..]
                            .iter()
                            .position(|b| !b.is_ascii_digit())
                            .map_or(text.len(), |n| start + n);
                        text.splice(start..end, huge.iter().copied());
                    }
                    None => text.extend_from_slice(huge),
                }
            }
            4 => {
                // A duplicate of a common key, before the real one.
                if let Some(open) = text.iter().position(|b| *b == b'{') {
                    let extra: &[u8] = if self.rng.bool() {
                        b"\"RequestId\":1,"
                    } else {
                        b"\"Code\":null,\"Success\":\"false\","
                    };
                    text.splice(open + 1..open + 1, extra.iter().copied());
                }
            }
            5 => {
                let flip = at(&mut self.rng, text.len().saturating_sub(1));
                if let Some(byte) = text.get_mut(flip) {
                    *byte ^= 1 << self.rng.u8(..8);
                }
            }
            _ => text.extend_from_slice(b"}}]garbage\xff"),
        }
    }
}

/// `value` with every number and boolean as a string, as some Alibaba Cloud APIs answer.
pub fn scalars_as_strings(value: &Value) -> Value {
    map_scalars(value, &|scalar| match scalar {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(b.to_string()),
        other => other.clone(),
    })
}

/// `value` with every string that reads as an integer turned into a number.
fn numeric_strings_as_numbers(value: &Value) -> Value {
    map_scalars(value, &|scalar| match scalar {
        Value::String(s) => s
            .parse::<i64>()
            .map_or_else(|_| scalar.clone(), Value::from),
        other => other.clone(),
    })
}

/// `value` with every scalar replaced by `null`.
fn nulls_for_scalars(value: &Value) -> Value {
    map_scalars(value, &|_| Value::Null)
}

/// `value` with every one-member object holding an array replaced by the array.
fn lists_unwrapped(value: &Value) -> Value {
    match value {
        Value::Object(map) if map.len() == 1 && map.values().all(Value::is_array) => {
            lists_unwrapped(map.values().next().unwrap_or(&Value::Null))
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), lists_unwrapped(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(lists_unwrapped).collect()),
        other => other.clone(),
    }
}

fn map_scalars(value: &Value, f: &dyn Fn(&Value) -> Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), map_scalars(v, f)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| map_scalars(v, f)).collect()),
        scalar => f(scalar),
    }
}

/// Fuzzes the response decoding of one action: answers [`fuzz_cases`] generated bodies (see
/// [`ResponseFuzzer`]) to `input` sent through `client`, whose configuration must send through
/// `transport` with retries disabled ([`test_config`](super::test_config) does both), and checks
/// each outcome (see the [module docs](self)). Panics with the seed, the case number and the
/// body on the first violation.
///
/// `seeds` are the action's known bodies with their statuses: its documented success example
/// and the canned responses of its spec's test cases.
pub async fn fuzz_response_decoding<O>(
    client: &ProductClient,
    transport: &CaptureTransport,
    input: &O,
    seeds: &[(u16, &str)],
) where
    O: Action,
    O::Output: PartialEq + fmt::Debug + 'static,
{
    fuzz(client, transport, input, seeds, SeedTyping::Typed).await
}

/// As [`fuzz_response_decoding`], for an action whose output holds free-form JSON (spec type
/// `any`): such a value keeps the JSON types the service sent, so a seed with its scalars turned
/// into strings rightly decodes to another value, and that one property is not checked. Every
/// other check is.
pub async fn fuzz_response_decoding_free_form<O>(
    client: &ProductClient,
    transport: &CaptureTransport,
    input: &O,
    seeds: &[(u16, &str)],
) where
    O: Action,
    O::Output: PartialEq + fmt::Debug + 'static,
{
    fuzz(client, transport, input, seeds, SeedTyping::FreeForm).await
}

/// Whether every value of an output is typed by the spec, or some are free-form JSON.
#[derive(Clone, Copy, PartialEq)]
enum SeedTyping {
    Typed,
    FreeForm,
}

async fn fuzz<O>(
    client: &ProductClient,
    transport: &CaptureTransport,
    input: &O,
    seeds: &[(u16, &str)],
    typing: SeedTyping,
) where
    O: Action,
    O::Output: PartialEq + fmt::Debug + 'static,
{
    // Only this closure depends on the action: the driver below is compiled once, not once
    // per action (it is most of a generated test module's build time otherwise).
    let call = || -> Call<'_> {
        Box::pin(async move {
            match client.call(input).await {
                Ok(output) => Ok(Box::new(output) as Box<dyn Decoded>),
                Err(error) => Err(Box::new(error)),
            }
        })
    };
    drive(O::METADATA.action, transport, &call, seeds, typing).await;
}

/// One call of the action under test, its output type erased.
type Call<'a> = LocalBoxFuture<'a, Result<Box<dyn Decoded>, Box<Error>>>;

/// A decoded output, compared and shown without knowing its type.
trait Decoded: fmt::Debug + Any {
    fn as_any(&self) -> &dyn Any;
    fn equals(&self, other: &dyn Decoded) -> bool;
}

impl<T: PartialEq + fmt::Debug + 'static> Decoded for T {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn equals(&self, other: &dyn Decoded) -> bool {
        other.as_any().downcast_ref::<T>() == Some(self)
    }
}

/// The fuzz loop of [`fuzz_response_decoding`], for any action.
async fn drive<'a>(
    action: &str,
    transport: &CaptureTransport,
    call: &dyn Fn() -> Call<'a>,
    seeds: &[(u16, &str)],
    typing: SeedTyping,
) {
    let seed = fuzz_seed(action);
    for (_, body) in seeds.iter().filter(|(status, _)| *status == 200) {
        seed_properties(call, transport, body, action, typing).await;
    }
    let mut fuzzer = ResponseFuzzer::new(seed, seeds);
    for index in 0..fuzz_cases() {
        let case = fuzzer.next_case();
        let context = || {
            format!(
                "{action}: fuzz case {index} (reproduce with ALIYUN_FUZZ_SEED={seed}): {case:?}"
            )
        };
        let outcome = send_case(call, transport, &case)
            .await
            .unwrap_or_else(|problem| panic!("{}: {problem}", context()));
        if let Err(problem) = check_outcome(&case, outcome) {
            panic!("{}: {problem}", context());
        }
    }
}

/// Sends the call once, answered with `case`; `Err` for a panic, a hang or a request count
/// other than one. (The call's error is boxed: it is large, and this is a cold path.)
async fn send_case<'a>(
    call: &dyn Fn() -> Call<'a>,
    transport: &CaptureTransport,
    case: &FuzzCase,
) -> Result<Result<Box<dyn Decoded>, Box<Error>>, String> {
    let before = transport.request_count();
    let content_type = if case.body.starts_with(b"<") {
        "text/html"
    } else {
        "application/json;charset=utf-8"
    };
    transport.push(
        CannedReply::response(case.status, case.body.clone())
            .header("content-type", content_type)
            .header("x-acs-request-id", "FUZZ-REQUEST-ID"),
    );
    let call = tokio::time::timeout(HANG_LIMIT, AssertUnwindSafe(call()).catch_unwind());
    let outcome = match call.await {
        Ok(Ok(outcome)) => outcome,
        Err(_) => return Err(format!("no outcome within {HANG_LIMIT:?}")),
        Ok(Err(panic)) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            return Err(format!("the call panicked: {message}"));
        }
    };
    let sent = transport.request_count() - before;
    if sent != 1 {
        return Err(format!(
            "{sent} requests were sent for one call (the config must disable retries): {:?}",
            outcome.as_ref().err()
        ));
    }
    Ok(outcome)
}

/// Whether `outcome` is a typed outcome consistent with the response `case`.
fn check_outcome<T>(case: &FuzzCase, outcome: Result<T, Box<Error>>) -> Result<(), String> {
    let error = match outcome {
        Ok(_) if (200..300).contains(&case.status) => return Ok(()),
        Ok(_) => return Err(format!("HTTP {} decoded as a success", case.status)),
        Err(error) => error,
    };
    // Neither may panic.
    let shown = format!("{error} / {error:?}");
    match &*error {
        Error::Service(service) if service.http_status() == case.status => Ok(()),
        Error::Response(response)
            if response.status() == case.status && response.snippet() == snippet(&case.body) =>
        {
            Ok(())
        }
        _ => Err(format!("unexpected error: {shown}")),
    }
}

/// A seed that decodes at HTTP 200 must decode to the same output when re-encoded the ways the
/// service is known to vary: scalars as strings, an unknown extra field, other whitespace.
async fn seed_properties<'a>(
    call: &dyn Fn() -> Call<'a>,
    transport: &CaptureTransport,
    body: &str,
    action: &str,
    typing: SeedTyping,
) {
    let Ok(json) = serde_json::from_str::<Value>(body) else {
        return;
    };
    let send = |text: String| {
        let case = FuzzCase {
            status: 200,
            body: Bytes::from(text),
            mutation: "seed property",
        };
        async move {
            send_case(call, transport, &case)
                .await
                .unwrap_or_else(|problem| panic!("{action}: {case:?}: {problem}"))
                .ok()
        }
    };
    let Some(expected) = send(body.to_owned()).await else {
        return;
    };
    let mut variants = vec![(
        "pretty-printed",
        serde_json::to_string_pretty(&json).unwrap_or_default(),
    )];
    if typing == SeedTyping::Typed {
        variants.push(("scalars as strings", scalars_as_strings(&json).to_string()));
    }
    if let Value::Object(map) = &json {
        let mut extra = map.clone();
        extra.insert(
            "ZzFieldAddedLater".to_owned(),
            serde_json::json!({"Any": [1, "two", null]}),
        );
        variants.push(("an unknown field", Value::Object(extra).to_string()));
    }
    for (variant, text) in variants {
        let decoded = send(text.clone()).await;
        assert!(
            decoded.as_deref().is_some_and(|d| d.equals(&*expected)),
            "{action}: the seed {body:?} with {variant} ({text:?}) decodes differently: \
             {decoded:?}, expected {expected:?}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_cases_and_every_mutation_is_made() {
        let seeds = [(
            200,
            r#"{"RequestId":"R","List":{"Item":[{"N":1,"B":true}]}}"#,
        )];
        let mut one = ResponseFuzzer::new(1, &seeds);
        let mut two = ResponseFuzzer::new(1, &seeds);
        let mut other = ResponseFuzzer::new(2, &seeds);
        let mut kinds = std::collections::BTreeSet::new();
        let mut differs = false;
        for _ in 0..2_000 {
            let case = one.next_case();
            assert_eq!(case, two.next_case());
            differs |= case != other.next_case();
            kinds.insert(case.mutation);
        }
        assert!(differs);
        assert_eq!(kinds.len(), 7, "{kinds:?}");
    }

    #[test]
    fn deep_nesting_is_bounded_and_refused_by_the_parser_not_the_stack() {
        let mut fuzzer = ResponseFuzzer::new(3, &[]);
        let deepest = (0..3_000)
            .map(|_| fuzzer.next_case())
            .filter(|c| c.mutation == "deep nesting")
            .map(|c| c.body.len())
            .max()
            .unwrap_or_default();
        assert!(deepest > 128 && deepest < 10 * MAX_NESTING, "{deepest}");
        let deep = format!("{}1{}", "[".repeat(MAX_NESTING), "]".repeat(MAX_NESTING));
        assert!(serde_json::from_str::<Value>(&deep).is_err());
    }

    #[test]
    fn type_swaps() {
        let value = serde_json::json!({"A": 1, "B": [true, "7"], "C": {"D": "x"}});
        assert_eq!(
            scalars_as_strings(&value),
            serde_json::json!({"A": "1", "B": ["true", "7"], "C": {"D": "x"}})
        );
        assert_eq!(
            numeric_strings_as_numbers(&value),
            serde_json::json!({"A": 1, "B": [true, 7], "C": {"D": "x"}})
        );
        assert_eq!(
            lists_unwrapped(&serde_json::json!({"S": {"I": [1]}})),
            serde_json::json!({"S": [1]})
        );
    }

    /// An action whose output decoder panics on a field it cannot handle: the fuzzer must
    /// catch the panic and report it with the body.
    struct Fragile;

    #[derive(Debug, PartialEq)]
    struct FragileOutput;

    impl<'de> serde::Deserialize<'de> for FragileOutput {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let value = Value::deserialize(d)?;
            if value.get("RequestId").is_some_and(|id| !id.is_string()) {
                panic!("a decoder that trusts its input");
            }
            Ok(FragileOutput)
        }
    }

    static FRAGILE_SERVICE: crate::ProductMetadata = crate::ProductMetadata {
        code: "Ecs",
        env_id: "ECS",
        version: "2014-05-26",
        signature: crate::SignatureVersion::V1,
        endpoints: crate::EndpointRules {
            regional: "ecs.{region}.aliyuncs.com",
            central: "ecs.aliyuncs.com",
            exceptions: &[],
        },
        error_style: crate::ErrorStyle::Standard,
    };

    impl Action for Fragile {
        type Output = FragileOutput;
        const METADATA: crate::ActionMetadata = crate::ActionMetadata {
            action: "Fragile",
            method: crate::HttpMethod::Get,
            param_location: crate::ParamLocation::Query,
            idempotent: true,
            retryable_codes: &[],
        };
        fn validate(&self) -> Result<(), crate::InvalidInput> {
            Ok(())
        }
        fn write_params(&self, _: &mut crate::Params) {}
    }

    #[tokio::test]
    #[should_panic(expected = "the call panicked: a decoder that trusts its input")]
    async fn a_panicking_decoder_is_caught_and_reported() {
        let transport = CaptureTransport::new();
        let client = ProductClient::new(
            &super::super::test_config(transport.clone()),
            &FRAGILE_SERVICE,
        );
        let seeds = [(200, r#"{"RequestId":"R"}"#)];
        fuzz_response_decoding(&client, &transport, &Fragile, &seeds).await;
    }

    #[test]
    fn case_counts_and_seeds_are_stable() {
        // The published FNV-1a test vectors: a change of hash would reshuffle every
        // action's fuzz sequence.
        assert_eq!(name_seed(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(name_seed("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(name_seed("InstallCloudAssistant"), 0x7bdd_1f93_bd81_1703);
        assert_ne!(name_seed("NodeStatus"), name_seed("NodeInstall"));
        assert!(fuzz_cases() > 0);
    }
}
