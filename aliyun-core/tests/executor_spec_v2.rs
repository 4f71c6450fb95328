//! What the runtime does for the spec keys of imported metadata: a client token filled once per
//! call (the same on every retry), parameters placed apart from their action's default, and
//! JSON-text and flat-map parameters signed like any other.

mod executor_support;

use std::collections::{BTreeMap, HashSet};

use aliyun_core::retry::RetryPolicy;
use aliyun_core::testing::{CaptureTransport, test_config};
use aliyun_core::{
    Action, ActionMetadata, HttpMethod, InvalidInput, ParamLocation, Params, ProductClient,
};
use aliyun_emulator::verify::{ReceivedV3, verify_v1, verify_v3};
use executor_support::*;

/// An action with a client token, a parameter sent in the query although the action uses a form
/// body, a JSON-text parameter and a flat map.
#[derive(Debug, Clone, Default)]
struct Configure {
    client_token: Option<String>,
    trace: Option<String>,
    labels: BTreeMap<String, String>,
}

impl Action for Configure {
    type Output = Output;
    const METADATA: ActionMetadata = ActionMetadata {
        action: "ConfigureThing",
        method: HttpMethod::Post,
        param_location: ParamLocation::FormBody,
        idempotent: true,
        retryable_codes: &[],
    };
    const CLIENT_TOKEN: Option<&'static str> = Some("ClientToken");
    const PARAM_LOCATIONS: &'static [(&'static str, ParamLocation)] = &[
        ("Trace", ParamLocation::Query),
        ("Labels", ParamLocation::Query),
    ];

    fn validate(&self) -> Result<(), InvalidInput> {
        Ok(())
    }

    fn write_params(&self, params: &mut Params) {
        params.push_opt("ClientToken", self.client_token.as_ref());
        params.push_opt("Trace", self.trace.as_ref());
        params.push_flat_map("Labels", &self.labels);
        params.push_json("Settings", &self.labels);
    }
}

fn pairs(params: &[(String, String)]) -> Vec<(&str, &str)> {
    params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn an_unset_client_token_is_one_fresh_uuid_per_call_kept_across_retries() {
    let transport = CaptureTransport::responding(200, OK);
    transport.push_response(400, throttled());
    let client = ProductClient::new(&config_with(&transport, RetryPolicy::default()), &ECS);

    client.call(&Configure::default()).await.unwrap();
    let tokens: Vec<String> = transport
        .requests()
        .iter()
        .map(|r| r.param("ClientToken").unwrap())
        .collect();
    assert_eq!(tokens.len(), 2, "throttled once, then answered");
    assert_eq!(tokens[0], tokens[1], "a retry repeats the token");
    assert!(uuid::Uuid::parse_str(&tokens[0]).is_ok(), "{}", tokens[0]);

    client.call(&Configure::default()).await.unwrap();
    let distinct: HashSet<String> = transport
        .requests()
        .iter()
        .map(|r| r.param("ClientToken").unwrap())
        .collect();
    assert_eq!(distinct.len(), 2, "a new call gets a new token");

    let chosen = Configure {
        client_token: Some("mine".into()),
        ..Configure::default()
    };
    client.call(&chosen).await.unwrap();
    let request = transport.last_request().unwrap();
    assert_eq!(request.param("ClientToken").as_deref(), Some("mine"));
}

fn labelled() -> Configure {
    Configure {
        client_token: Some("t".into()),
        trace: Some("tr-1".into()),
        labels: [("b", "2"), ("a", "1")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    }
}

#[tokio::test]
async fn v1_parameters_placed_in_the_query_leave_the_form_body_and_stay_signed() {
    let transport = CaptureTransport::responding(200, OK);
    let client = ProductClient::new(&test_config(transport.clone()), &ECS);
    client.call(&labelled()).await.unwrap();

    let request = transport.last_request().unwrap();
    let body = std::str::from_utf8(&request.body).unwrap();
    assert_eq!(
        body,
        "ClientToken=t&Settings=%7B%22a%22%3A%221%22%2C%22b%22%3A%222%22%7D"
    );
    let query = request.url.split_once('?').unwrap().1;
    for name in [
        "Trace=tr-1",
        "Labels.a=1",
        "Labels.b=2",
        "Action=ConfigureThing",
    ] {
        assert!(query.contains(name), "{name} not in {query}");
    }
    assert_eq!(
        request.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    let params = request.params();
    assert_eq!(verify_v1("POST", &pairs(&params), "testsecret"), Ok(()));
    assert_eq!(
        request.action_params().get("Settings").map(String::as_str),
        Some(r#"{"a":"1","b":"2"}"#)
    );
}

#[tokio::test]
async fn v3_parameters_placed_in_the_query_are_signed_in_the_canonical_query() {
    let transport = CaptureTransport::responding(200, OK);
    let client = ProductClient::new(&test_config(transport.clone()), &V3_PRODUCT);
    client.call(&labelled()).await.unwrap();

    let request = transport.last_request().unwrap();
    assert_eq!(
        request.url,
        "https://ecs-cn-hangzhou.aliyuncs.com/?Labels.a=1&Labels.b=2&Trace=tr-1"
    );
    let body = std::str::from_utf8(&request.body).unwrap();
    assert!(body.starts_with("ClientToken=t&Settings="), "{body}");
    // Only the query string's parameters are signed as the canonical query (none is escaped).
    let query: Vec<(&str, &str)> = request
        .url
        .split_once('?')
        .unwrap()
        .1
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .collect();
    let headers: Vec<(&str, &str)> = request
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.to_str().unwrap()))
        .collect();
    let received = ReceivedV3 {
        method: "POST",
        path: "/",
        query: &query,
        headers: &headers,
        body: &request.body,
    };
    verify_v3(&received, "testsecret").unwrap();
}

#[tokio::test]
async fn get_actions_keep_every_parameter_in_the_query() {
    #[derive(Debug)]
    struct Get(Configure);
    impl Action for Get {
        type Output = Output;
        const METADATA: ActionMetadata = ActionMetadata {
            method: HttpMethod::Get,
            ..Configure::METADATA
        };
        const PARAM_LOCATIONS: &'static [(&'static str, ParamLocation)] =
            &[("Trace", ParamLocation::FormBody)];
        fn validate(&self) -> Result<(), InvalidInput> {
            Ok(())
        }
        fn write_params(&self, params: &mut Params) {
            self.0.write_params(params)
        }
    }
    let transport = CaptureTransport::responding(200, OK);
    let client = ProductClient::new(&test_config(transport.clone()), &ECS);
    client.call(&Get(labelled())).await.unwrap();
    let request = transport.last_request().unwrap();
    assert_eq!(request.method, "GET");
    assert!(request.body.is_empty());
    assert!(request.url.contains("Trace=tr-1"), "{}", request.url);
}
