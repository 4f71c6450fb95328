//! Micro benchmarks, each next to the floor it is judged against, measured in the same run:
//!
//! - `sign_v1/sdk` (whole V1 signing of `InstallCloudAssistant` with 20 instance ids) against
//!   `sign_v1/hmac_sha1_base64` (HMAC-SHA1 + Base64 alone, over the same string to sign);
//! - `sign_v3/sdk` against `sign_v3/sha256_hmac_sha256` (SHA-256 of the same canonical request
//!   plus HMAC-SHA256 of the same string to sign, hex-encoded);
//! - `request_build/<action>/*`: builder → validation → wire parameters → signed URL, stage by
//!   stage, and a whole call through the executor with a transport that answers at once;
//! - `decode/typed_200` (a 200-instance `DescribeCloudAssistantStatus` body into the typed
//!   output) against `decode/value_200` (the same body into `serde_json::Value`).
//!
//! `cargo xtask bench` runs these and prints the ratios; `cargo bench -p aliyun-benches --bench
//! micro` runs them alone.

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use aliyun_benches::{
    ACCESS_KEY_SECRET, NONCE, NoopTransport, REGION, SUCCESS_BODY, borrowed, config_with_transport,
    credentials, describe_status_body, install_cloud_assistant_params, instance_ids, timestamp,
};
use aliyun_core::signer::{self, v1, v3};
use aliyun_core::{Action, Params};
use aliyun_ecs::action::describe_cloud_assistant_status::{
    DescribeCloudAssistantStatusInput, DescribeCloudAssistantStatusOutput,
};
use aliyun_ecs::action::install_cloud_assistant::InstallCloudAssistantInput;
use aliyun_ecs::action::reboot_instance::RebootInstanceInput;
use aliyun_ecs::types::OsType;
use base64::Engine as _;
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Digest as _;

fn sign_v1(c: &mut Criterion) {
    let credentials = credentials();
    let params = install_cloud_assistant_params(&instance_ids(20));
    let params = borrowed(&params);
    let request = v1::V1Request {
        method: "POST",
        params: &params,
        credentials: &credentials,
        timestamp: timestamp(),
        nonce: NONCE,
    };
    // The baseline hashes exactly the string the SDK signs, computed here in the same run.
    let string_to_sign = v1::sign(&request).string_to_sign().to_owned();
    let key = format!("{ACCESS_KEY_SECRET}&");

    let mut group = c.benchmark_group("sign_v1");
    group.bench_function("sdk", |b| b.iter(|| v1::sign(black_box(&request))));
    group.bench_function("hmac_sha1_base64", |b| {
        b.iter(|| {
            let mut mac = Hmac::<sha1::Sha1>::new_from_slice(black_box(key.as_bytes()))
                .unwrap_or_else(|_| unreachable!());
            mac.update(black_box(string_to_sign.as_bytes()));
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        })
    });
    group.finish();
}

fn sign_v3(c: &mut Criterion) {
    let credentials = credentials();
    let mut params = vec![("RegionId".to_owned(), REGION.to_owned())];
    for (i, id) in instance_ids(20).iter().enumerate() {
        params.push((format!("InstanceId.{}", i + 1), id.clone()));
    }
    let params = borrowed(&params);
    let request = v3::V3Request {
        method: "POST",
        host: "ecs-cn-hangzhou.aliyuncs.com",
        path: "/",
        query: &params,
        action: "InstallCloudAssistant",
        version: "2014-05-26",
        body: b"",
        content_type: None,
        credentials: &credentials,
        timestamp: timestamp(),
        nonce: NONCE,
    };
    let signed = v3::sign(&request);
    let canonical_request = signed.canonical_request().to_owned();
    let secret = ACCESS_KEY_SECRET.as_bytes();

    let mut group = c.benchmark_group("sign_v3");
    group.bench_function("sdk", |b| b.iter(|| v3::sign(black_box(&request))));
    group.bench_function("sha256_hmac_sha256", |b| {
        b.iter(|| {
            let hashed = hex::encode(sha2::Sha256::digest(black_box(
                canonical_request.as_bytes(),
            )));
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(black_box(secret))
                .unwrap_or_else(|_| unreachable!());
            mac.update(v3::ALGORITHM.as_bytes());
            mac.update(b"\n");
            mac.update(hashed.as_bytes());
            hex::encode(mac.finalize().into_bytes())
        })
    });
    group.finish();
}

fn nonce(c: &mut Criterion) {
    let mut group = c.benchmark_group("nonce");
    group.bench_function("new_nonce", |b| b.iter(signer::new_nonce));
    group.finish();
}

/// What the executor does before sending, composed from the public pieces: wire parameters plus
/// the common ones, a fresh nonce and timestamp, V1 signing, and the URL.
fn signed_url<O: Action>(input: &O, base_url: &str) -> String {
    let mut params = Params::with_capacity(8);
    input.write_params(&mut params);
    let mut all: Vec<(&str, &str)> = params.iter().collect();
    all.push(("Action", O::METADATA.action));
    all.push(("Version", "2014-05-26"));
    all.push(("Format", "JSON"));
    let nonce = signer::new_nonce();
    let credentials = credentials();
    let signed = v1::sign(&v1::V1Request {
        method: O::METADATA.method.as_str(),
        params: &all,
        credentials: &credentials,
        timestamp: SystemTime::now(),
        nonce: &nonce,
    });
    let mut url = String::with_capacity(base_url.len() + signed.canonicalized_query().len() + 64);
    url.push_str(base_url);
    url.push('?');
    signed.write_query_string(&mut url);
    url
}

fn request_build(c: &mut Criterion) {
    const BASE_URL: &str = "https://ecs-cn-hangzhou.aliyuncs.com/";
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    let client = aliyun_ecs::Client::new(&config_with_transport(NoopTransport::new(SUCCESS_BODY)));
    let ids = instance_ids(20);

    // InstallCloudAssistant, 20 instances: the largest request of the spec.
    let build_install = || {
        InstallCloudAssistantInput::builder()
            .region_id(REGION)
            .set_instance_ids(Some(black_box(&ids).clone()))
            .build()
            .unwrap_or_else(|e| panic!("valid input: {e}"))
    };
    let install = build_install();
    let mut group = c.benchmark_group("request_build/install_cloud_assistant_20");
    group.bench_function("builder_validate", |b| b.iter(build_install));
    group.bench_function("wire_params", |b| {
        b.iter(|| {
            let mut params = Params::with_capacity(8);
            black_box(&install).write_params(&mut params);
            params
        })
    });
    group.bench_function("signed_url", |b| {
        b.iter(|| signed_url(&build_install(), BASE_URL))
    });
    group.bench_function("call_noop_transport", |b| {
        b.iter(|| {
            runtime.block_on(async {
                client
                    .install_cloud_assistant()
                    .set_instance_ids(Some(black_box(&ids).clone()))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("call: {e}"))
            })
        })
    });
    group.finish();

    // RebootInstance: one instance, the smallest request.
    let build_reboot = || {
        RebootInstanceInput::builder()
            .instance_id(black_box("i-bp100000000000000001"))
            .force_stop(false)
            .build()
            .unwrap_or_else(|e| panic!("valid input: {e}"))
    };
    let mut group = c.benchmark_group("request_build/reboot_instance");
    group.bench_function("builder_validate", |b| b.iter(build_reboot));
    group.bench_function("signed_url", |b| {
        b.iter(|| signed_url(&build_reboot(), BASE_URL))
    });
    group.bench_function("call_noop_transport", |b| {
        b.iter(|| {
            runtime.block_on(async {
                client
                    .reboot_instance()
                    .instance_id(black_box("i-bp100000000000000001"))
                    .force_stop(false)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("call: {e}"))
            })
        })
    });
    group.finish();

    // DescribeCloudAssistantStatus: a paged read with an enum and integers.
    let build_describe = || {
        DescribeCloudAssistantStatusInput::builder()
            .region_id(REGION)
            .set_instance_ids(Some(black_box(&ids[..5]).to_vec()))
            .os_type(OsType::Linux)
            .max_results(50)
            .build()
            .unwrap_or_else(|e| panic!("valid input: {e}"))
    };
    let mut group = c.benchmark_group("request_build/describe_cloud_assistant_status");
    group.bench_function("builder_validate", |b| b.iter(build_describe));
    group.bench_function("signed_url", |b| {
        b.iter(|| signed_url(&build_describe(), BASE_URL))
    });
    group.bench_function("call_noop_transport", |b| {
        b.iter(|| {
            runtime.block_on(async {
                client
                    .describe_cloud_assistant_status()
                    .set_instance_ids(Some(black_box(&ids[..5]).to_vec()))
                    .os_type(OsType::Linux)
                    .max_results(50)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("call: {e}"))
            })
        })
    });
    group.finish();
}

fn decode(c: &mut Criterion) {
    let body = describe_status_body(200);
    // Both sides must accept the body, or the comparison means nothing.
    let typed: DescribeCloudAssistantStatusOutput =
        serde_json::from_slice(&body).unwrap_or_else(|e| panic!("typed decode: {e}"));
    assert_eq!(typed.instance_statuses.len(), 200);

    let mut group = c.benchmark_group("decode");
    group.bench_function("typed_200", |b| {
        b.iter(|| {
            serde_json::from_slice::<DescribeCloudAssistantStatusOutput>(black_box(&body))
                .unwrap_or_else(|e| panic!("typed decode: {e}"))
        })
    });
    group.bench_function("value_200", |b| {
        b.iter(|| {
            serde_json::from_slice::<serde_json::Value>(black_box(&body))
                .unwrap_or_else(|e| panic!("value decode: {e}"))
        })
    });
    group.finish();
}

fn config() -> Criterion {
    // Two shared cores: many short samples, and medians (what `cargo xtask bench` reads).
    Criterion::default()
        .sample_size(100)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = sign_v1, sign_v3, nonce, request_build, decode
}
criterion_main!(benches);
