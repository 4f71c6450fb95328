//! Reliability suite, part 5: the emulator under hostile input. Raw TCP garbage, oversized and
//! malformed HTTP requests (huge query strings, duplicate parameters, invalid UTF-8, bad
//! escapes, oversized bodies, too many parameters, broken heads) are thrown at a running
//! emulator over loopback; every well-formed HTTP request gets a 4xx in the service's JSON
//! error shape, nothing crashes, and a normal SDK call is served afterwards.
//!
//! The emulator's own tests (`emulator/tests/protocol.rs`) fuzz its request parsing with
//! proptest in-process; this proves the same of the running server, socket and HTTP layer
//! included.

mod reliability_support;

use std::net::SocketAddr;
use std::time::Duration;

use aliyun_emulator::{Emulator, MAX_BODY_BYTES, MAX_PARAMS, MAX_QUERY_BYTES};
use reliability_support::{config, instance};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Writes a complete HTTP request (with `Connection: close`) and reads the answer until the
/// server closes (at most 5 s). The write side stays open: hyper drops an answer when it sees
/// the client's EOF before answering.
async fn exchange(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr)
        .await
        .expect("the emulator accepts");
    // The server may answer and close before everything is written: not an error here.
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    answer
}

/// Writes `bytes` that may not be a complete request, closes the write side so the server
/// stops waiting for more, and reads whatever comes back (at most 2 s).
async fn throw(addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr)
        .await
        .expect("the emulator accepts");
    let _ = stream.write_all(bytes).await;
    let _ = stream.shutdown().await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(2), stream.read_to_end(&mut answer)).await;
    answer
}

/// The status of an HTTP/1.1 answer, and its body parsed as JSON when it is JSON.
fn parse_answer(answer: &[u8]) -> Option<(u16, Option<serde_json::Value>)> {
    let text = String::from_utf8_lossy(answer);
    let status = text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, body)| body.to_owned());
    let json = body.and_then(|b| serde_json::from_str(&b).ok());
    Some((status, json))
}

/// A GET of `/?{query}` closing the connection after the answer.
fn get(query: &str) -> Vec<u8> {
    format!("GET /?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").into_bytes()
}

/// Valid-looking common parameters, so the request reaches the step under test.
const COMMON: &str = "Action=DescribeCloudAssistantStatus&Version=2014-05-26&Format=JSON\
                      &AccessKeyId=LTAI5tEmulatorDevKey&SignatureMethod=HMAC-SHA1\
                      &SignatureVersion=1.0&SignatureNonce=n-1&Timestamp=2024-01-02T03%3A04%3A05Z\
                      &Signature=x";

/// Deterministic bytes (xorshift), so a failure reproduces.
fn garbage(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_gets_4xx_answers_and_the_emulator_keeps_serving() {
    let emulator = Emulator::start().await.unwrap();
    let addr = emulator.local_addr();

    // Well-formed HTTP, malformed RPC: a 4xx in the JSON error shape, with the code expected.
    let huge_query = format!("{COMMON}&Pad={}", "a".repeat(MAX_QUERY_BYTES));
    let many_params: String = (0..=MAX_PARAMS).map(|n| format!("&P{n}=v")).collect();
    let body = "x".repeat(MAX_BODY_BYTES + 1);
    let big_post = format!(
        "POST /?{COMMON} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "huge query string",
            get(&huge_query),
            414,
            "InvalidParameter",
        ),
        (
            "duplicate parameters",
            get(&format!(
                "{COMMON}&RegionId=cn-hangzhou&RegionId=cn-beijing"
            )),
            400,
            "InvalidParameter",
        ),
        (
            "invalid UTF-8 once decoded",
            get(&format!("{COMMON}&RegionId=%FF%FE")),
            400,
            "InvalidParameter",
        ),
        (
            "a bad escape",
            get(&format!("{COMMON}&RegionId=%G1")),
            400,
            "InvalidParameter",
        ),
        (
            "too many parameters",
            get(&format!("{COMMON}{many_params}")),
            400,
            "InvalidParameter",
        ),
        (
            "no action",
            get("Version=2014-05-26"),
            400,
            "MissingParameter",
        ),
        (
            "an unknown action",
            get("Action=Nope&Version=2014-05-26&Format=JSON"),
            404,
            "InvalidAction.NotFound",
        ),
        (
            "a body over the cap",
            big_post.into_bytes(),
            413,
            "InvalidParameter",
        ),
        (
            "an unsupported method",
            b"DELETE /?Action=X HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n".to_vec(),
            405,
            "UnsupportedHTTPMethod",
        ),
    ];
    for (what, request, status, code) in cases {
        let answer = exchange(addr, &request).await;
        let (got, json) = parse_answer(&answer).unwrap_or_else(|| {
            panic!(
                "{what}: no HTTP answer: {:?}",
                String::from_utf8_lossy(&answer)
            )
        });
        assert_eq!(got, status, "{what}");
        let json = json.unwrap_or_else(|| panic!("{what}: not JSON"));
        assert!(json.get("Code").is_some(), "{what}: {json}");
        assert!(
            json.get("Code").is_some_and(|c| c == code),
            "{what}: {json}"
        );
        assert!(
            json.get("Message")
                .is_some_and(serde_json::Value::is_string),
            "{what}"
        );
        assert!(
            json.get("RequestId")
                .is_some_and(serde_json::Value::is_string),
            "{what}"
        );
    }

    // Broken HTTP: the HTTP layer answers 4xx or hangs up; it never takes the server down.
    let mut broken: Vec<(String, Vec<u8>)> = vec![
        (
            "a head without CRLF".into(),
            b"GET / HTTP/1.1 Host: x".to_vec(),
        ),
        (
            "an invalid header".into(),
            b"GET / HTTP/1.1\r\nBad Header\r\n\r\n".to_vec(),
        ),
        (
            "a bad method token".into(),
            b"G@T / HTTP/1.1\r\n\r\n".to_vec(),
        ),
        (
            "invalid UTF-8 in the path".into(),
            b"GET /\xff\xfe?a=b HTTP/1.1\r\nHost: h\r\n\r\n".to_vec(),
        ),
        ("a URI over 64 KiB".into(), get(&"a=b&".repeat(40_000))),
        (
            "a lying Content-Length".into(),
            b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999\r\n\r\nshort".to_vec(),
        ),
        ("nothing at all".into(), Vec::new()),
    ];
    for seed in 1..=40u64 {
        let len = [1, 7, 100, 4_096, 70_000][(seed % 5) as usize];
        broken.push((
            format!("{len} random bytes (seed {seed})"),
            garbage(seed, len),
        ));
    }
    for (what, bytes) in broken {
        let answer = throw(addr, &bytes).await;
        if let Some((status, _)) = parse_answer(&answer) {
            assert!((400..500).contains(&status), "{what}: HTTP {status}");
        } else {
            assert!(
                answer.is_empty(),
                "{what}: neither an HTTP answer nor a hang-up: {:?}",
                String::from_utf8_lossy(&answer)
            );
        }
    }

    // Still serving: a normal SDK call goes through, and the refusals were logged.
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    ecs.install_cloud_assistant()
        .instance_ids(instance(1))
        .send()
        .await
        .expect("the emulator still serves");
    let status = ecs
        .describe_cloud_assistant_status()
        .instance_ids(instance(1))
        .send()
        .await
        .unwrap();
    assert_eq!(status.instance_statuses.len(), 1);
    let log = emulator.requests();
    assert!(
        log.iter()
            .any(|r| r.error_code() == Some("MissingParameter"))
    );
    assert!(
        log.iter()
            .filter(|r| r.error_code() == Some("InvalidParameter"))
            .count()
            >= 6
    );
    assert!(log.last().unwrap().is_ok());
}

/// Random requests, as many as the fuzz budget says (`ALIYUN_FUZZ_CASES` / `PROPTEST_CASES`,
/// 256 by default): raw bytes, and HTTP requests whose query is random bytes (escaped or not)
/// after valid common parameters. Every answer is a 4xx (a JSON error whenever the HTTP layer
/// let the request through) or a hang-up, and the emulator serves an SDK call at the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_requests_within_the_fuzz_budget() {
    let emulator = Emulator::start().await.unwrap();
    let addr = emulator.local_addr();
    let budget = aliyun_core::testing::fuzz::fuzz_cases() as u64;
    let seed = aliyun_core::testing::fuzz::fuzz_seed("emulator requests");
    for case in 0..budget {
        let bytes = garbage(
            seed ^ case.wrapping_mul(0x9e37_79b9_7f4a_7c15),
            1 + (case as usize % 300),
        );
        let (what, request, json_expected) = match case % 3 {
            0 => ("raw bytes", bytes, false),
            1 => {
                // Printable junk: the HTTP layer accepts it, the RPC pipeline must refuse it.
                let query: String = bytes
                    .iter()
                    .map(|b| match b % 8 {
                        0 => '%',
                        1 => '&',
                        2 => '=',
                        _ => char::from(b'!' + (b % 90)),
                    })
                    .filter(|c| {
                        !matches!(
                            c,
                            '#' | '?' | '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}'
                        )
                    })
                    .collect();
                ("printable query", get(&format!("{COMMON}&{query}")), true)
            }
            _ => {
                // Any byte, percent-escaped: invalid UTF-8 and control characters once decoded.
                let query: String = bytes.iter().map(|b| format!("%{b:02X}")).collect();
                ("escaped query", get(&format!("{COMMON}&X={query}")), true)
            }
        };
        let answer = if json_expected {
            exchange(addr, &request).await
        } else {
            throw(addr, &request).await
        };
        let context = || format!("case {case} ({what}, ALIYUN_FUZZ_SEED={seed})");
        match parse_answer(&answer) {
            Some((status, json)) => {
                assert!((400..500).contains(&status), "{}: HTTP {status}", context());
                if json_expected && status != 414 && status != 431 {
                    let json = json.unwrap_or_else(|| panic!("{}: not JSON", context()));
                    assert!(
                        json.get("Code").is_some_and(serde_json::Value::is_string),
                        "{}",
                        context()
                    );
                }
            }
            None => assert!(
                !json_expected && answer.is_empty(),
                "{}: {answer:?}",
                context()
            ),
        }
    }
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    ecs.describe_cloud_assistant_status()
        .instance_ids(instance(1))
        .send()
        .await
        .expect("the emulator still serves");
}
