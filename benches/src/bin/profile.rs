//! Runs one micro-benchmark scenario in a loop, for a profiler: instruction counts under
//! `valgrind --tool=callgrind` are deterministic where wall time on a shared machine is not.
//!
//! ```sh
//! cargo build --release -p aliyun-benches --bin profile
//! valgrind --tool=callgrind target/release/profile sign_v1 20000
//! valgrind --tool=callgrind target/release/profile sign_v1 0   # setup only, to subtract
//! ```
//!
//! `profile compare <a> <b> <iterations>` times two scenarios in alternating batches and prints
//! the best and median nanoseconds per iteration of each, and the ratio of the medians: a quick
//! check between full criterion runs.
//!
//! Scenarios: `sign_v1`, `hmac_sha1_base64`, `sign_v3`, `sha256_hmac_sha256`, `nonce`,
//! `call_noop` (a whole `InstallCloudAssistant` call with 20 ids through a transport that
//! answers at once), `decode_typed`, `decode_value` (the 200-instance body).

use std::hint::black_box;
use std::process::ExitCode;

use aliyun_benches::{
    ACCESS_KEY_SECRET, NONCE, NoopTransport, REGION, SUCCESS_BODY, borrowed, config_with_transport,
    credentials, describe_status_body, install_cloud_assistant_params, instance_ids, timestamp,
};
use aliyun_core::signer::{self, v1, v3};
use aliyun_ecs::action::describe_cloud_assistant_status::DescribeCloudAssistantStatusOutput;
use base64::Engine as _;
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Digest as _;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let ["compare", a, b, iterations] = args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        let Ok(iterations) = iterations.parse::<u64>() else {
            eprintln!("usage: profile compare <a> <b> <iterations>");
            return ExitCode::from(2);
        };
        return Fixtures::with(|f| compare(f, a, b, iterations));
    }
    let (Some(scenario), Some(Ok(iterations))) =
        (args.first(), args.get(1).map(|n| n.parse::<u64>()))
    else {
        eprintln!("usage: profile <scenario> <iterations>");
        return ExitCode::from(2);
    };
    Fixtures::with(|f| f.run(scenario, iterations))
}

/// Alternating batches of `a` and `b` in child processes' stead: one process, same warm state.
fn compare(fixtures: &Fixtures, a: &str, b: &str, iterations: u64) -> ExitCode {
    let mut times: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    for _ in 0..21 {
        for (side, scenario) in [a, b].into_iter().enumerate() {
            let start = std::time::Instant::now();
            if fixtures.run(scenario, iterations) != ExitCode::SUCCESS {
                return ExitCode::FAILURE;
            }
            times[side].push(start.elapsed().as_nanos() as f64 / iterations.max(1) as f64);
        }
    }
    let mut medians = [0.0; 2];
    for (side, scenario) in [a, b].into_iter().enumerate() {
        let t = &mut times[side];
        t.sort_by(f64::total_cmp);
        medians[side] = t[t.len() / 2];
        println!(
            "{scenario}: best {:.0} ns, median {:.0} ns",
            t[0], medians[side]
        );
    }
    println!("ratio of medians {a}/{b}: {:.2}", medians[0] / medians[1]);
    println!(
        r#"{{"a":"{a}","b":"{b}","a_median_ns":{:.1},"b_median_ns":{:.1},"ratio":{:.4}}}"#,
        medians[0],
        medians[1],
        medians[0] / medians[1]
    );
    ExitCode::SUCCESS
}

/// Everything the scenarios read, built once.
struct Fixtures {
    credentials: aliyun_core::Credentials,
    v1_params: Vec<(String, String)>,
    v1_string_to_sign: String,
    v1_key: String,
    v3_canonical_request: String,
    body: Vec<u8>,
    runtime: tokio::runtime::Runtime,
    client: aliyun_ecs::Client,
    ids: Vec<String>,
}

impl Fixtures {
    fn with(f: impl FnOnce(&Fixtures) -> ExitCode) -> ExitCode {
        let credentials = credentials();
        let v1_params = install_cloud_assistant_params(&instance_ids(20));
        let mut fixtures = Fixtures {
            credentials,
            v1_params,
            v1_string_to_sign: String::new(),
            v1_key: format!("{ACCESS_KEY_SECRET}&"),
            v3_canonical_request: String::new(),
            body: describe_status_body(200),
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap_or_else(|e| panic!("runtime: {e}")),
            client: aliyun_ecs::Client::new(&config_with_transport(NoopTransport::new(
                SUCCESS_BODY,
            ))),
            ids: instance_ids(20),
        };
        let params = borrowed(&fixtures.v1_params);
        fixtures.v1_string_to_sign = v1::sign(&fixtures.v1_request(&params))
            .string_to_sign()
            .to_owned();
        fixtures.v3_canonical_request = v3::sign(&fixtures.v3_request(&params[..21]))
            .canonical_request()
            .to_owned();
        f(&fixtures)
    }

    fn v1_request<'a>(&'a self, params: &'a [(&'a str, &'a str)]) -> v1::V1Request<'a> {
        v1::V1Request {
            method: "POST",
            params,
            credentials: &self.credentials,
            timestamp: timestamp(),
            nonce: NONCE,
        }
    }

    fn v3_request<'a>(&'a self, query: &'a [(&'a str, &'a str)]) -> v3::V3Request<'a> {
        v3::V3Request {
            method: "POST",
            host: "ecs-cn-hangzhou.aliyuncs.com",
            path: "/",
            query,
            action: "InstallCloudAssistant",
            version: "2014-05-26",
            body: b"",
            content_type: None,
            credentials: &self.credentials,
            timestamp: timestamp(),
            nonce: NONCE,
        }
    }

    fn run(&self, scenario: &str, iterations: u64) -> ExitCode {
        let params = borrowed(&self.v1_params);
        let v1_request = self.v1_request(&params);
        let v3_request = self.v3_request(&params[..21]);
        let (v1_key, v1_string_to_sign) = (&self.v1_key, &self.v1_string_to_sign);
        let v3_canonical_request = &self.v3_canonical_request;
        let (runtime, client, ids, body) = (&self.runtime, &self.client, &self.ids, &self.body);
        for _ in 0..iterations {
            match scenario {
                "sign_v1" => drop(black_box(v1::sign(black_box(&v1_request)))),
                "hmac_sha1_base64" => {
                    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(black_box(v1_key.as_bytes()))
                        .unwrap_or_else(|_| unreachable!());
                    mac.update(black_box(v1_string_to_sign.as_bytes()));
                    black_box(
                        base64::engine::general_purpose::STANDARD
                            .encode(mac.finalize().into_bytes()),
                    );
                }
                "sign_v3" => drop(black_box(v3::sign(black_box(&v3_request)))),
                "sha256_hmac_sha256" => {
                    let hashed = hex::encode(sha2::Sha256::digest(black_box(
                        v3_canonical_request.as_bytes(),
                    )));
                    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(black_box(
                        ACCESS_KEY_SECRET.as_bytes(),
                    ))
                    .unwrap_or_else(|_| unreachable!());
                    mac.update(v3::ALGORITHM.as_bytes());
                    mac.update(b"\n");
                    mac.update(hashed.as_bytes());
                    black_box(hex::encode(mac.finalize().into_bytes()));
                }
                "nonce" => drop(black_box(signer::new_nonce())),
                "call_noop" => {
                    let output = runtime.block_on(
                        client
                            .install_cloud_assistant()
                            .region_id(REGION)
                            .set_instance_ids(Some(black_box(ids).clone()))
                            .send(),
                    );
                    drop(black_box(output));
                }
                "decode_typed" => drop(black_box(serde_json::from_slice::<
                    DescribeCloudAssistantStatusOutput,
                >(black_box(body)))),
                "decode_value" => drop(black_box(serde_json::from_slice::<serde_json::Value>(
                    black_box(body),
                ))),
                other => {
                    eprintln!("unknown scenario {other:?}");
                    return ExitCode::from(2);
                }
            }
        }
        ExitCode::SUCCESS
    }
}
