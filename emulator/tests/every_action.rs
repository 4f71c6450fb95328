//! Every action of every embedded spec is served: sent through the SDK's untyped call with its
//! required parameters (the spec's example values), it is accepted and answered with the
//! spec's example body, or, for a modelled action, by its modelled world. The clients are built
//! from the specs alone (no product crate), so a newly imported product is walked too.

mod common;

use std::collections::{BTreeMap, HashSet};

use aliyun_core::{EndpointRules, Error, ProductClient, ProductMetadata};
use aliyun_emulator::{Emulator, Stage};
use aliyun_spec::Product;
use aliyun_spec::model::{Action, Field, NamedType, Type};
use aliyun_spec::spec::ListStyle;
use serde_json::Value;

/// The actions the emulator models, from its admin endpoint.
async fn modelled(emulator: &Emulator) -> HashSet<(String, String)> {
    let request = b"GET /_emulator/config HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    let config = common::raw(emulator.local_addr(), request)
        .await
        .expect("config answered")
        .json();
    let mut out = HashSet::new();
    for product in config["products"].as_array().into_iter().flatten() {
        for action in product["actions"].as_array().into_iter().flatten() {
            if action["modelled"] == true {
                out.insert((
                    product["product"].as_str().unwrap_or_default().to_owned(),
                    action["action"].as_str().unwrap_or_default().to_owned(),
                ));
            }
        }
    }
    out
}

fn wire_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A value for a required parameter the example request does not carry.
fn sample(product: &Product, field: &Field) -> Vec<(String, String)> {
    let name = &field.wire_name;
    if let Some(example) = &field.example {
        return vec![(name.clone(), wire_text(example))];
    }
    // One parameter holding JSON text: a one-item list (an empty object for free-form items).
    if field.list_style == ListStyle::Json {
        let text = match &field.ty {
            Type::List(item) if matches!(item.ty, Type::Any) => "[{}]",
            Type::List(_) => r#"["sample"]"#,
            _ => "{}",
        };
        return vec![(name.clone(), text.to_owned())];
    }
    let scalar = |ty: &Type| match ty {
        Type::Integer | Type::Long | Type::Float => "1".to_owned(),
        Type::Boolean => "false".to_owned(),
        Type::Enum(e) => match product.named_type(e) {
            Some(NamedType::Enum(e)) => e.values.first().map(|v| v.value.clone()),
            _ => None,
        }
        .unwrap_or_default(),
        _ => "sample".to_owned(),
    };
    // A structure: its required fields, or its first field, under `prefix`.
    let structure = |s: &str, prefix: &str| -> Vec<(String, String)> {
        let fields = product.struct_fields(s);
        let required: Vec<&Field> = fields.iter().filter(|f| f.required).collect();
        let chosen = if required.is_empty() {
            fields.iter().take(1).collect()
        } else {
            required
        };
        chosen
            .into_iter()
            .map(|f| (format!("{prefix}.{}", f.wire_name), scalar(&f.ty)))
            .collect()
    };
    match &field.ty {
        Type::List(item) => match &item.ty {
            Type::Struct(s) => structure(s, &format!("{name}.1")),
            ty => vec![(format!("{name}.1"), scalar(ty))],
        },
        Type::Struct(s) => structure(s, name),
        ty => vec![(name.clone(), scalar(ty))],
    }
}

/// The action's required parameters in wire form: from its example request when it carries
/// them, else from the parameter's example.
fn required_params(product: &Product, op: &Action) -> BTreeMap<String, String> {
    let wire = op
        .request_cases
        .iter()
        .find_map(|case| case.expect.wire.clone())
        .unwrap_or_default();
    let mut params = BTreeMap::new();
    for field in op.params.iter().filter(|f| f.required) {
        let nested = format!("{}.", field.wire_name);
        let from_example: Vec<(String, String)> = wire
            .iter()
            .filter(|(k, _)| **k == field.wire_name || k.starts_with(&nested))
            .map(|(k, v)| (k.clone(), wire_text(v)))
            .collect();
        if from_example.is_empty() {
            params.extend(sample(product, field));
        } else {
            params.extend(from_example);
        }
    }
    params
}

/// What a client of `product` needs, from its spec: code, version, signature and error style.
/// The endpoint rules do not matter here (the emulator's URL overrides them). Leaked: a test
/// walks each product once.
fn metadata(product: &Product) -> &'static ProductMetadata {
    let text = |s: &str| -> &'static str { Box::leak(s.to_owned().into_boxed_str()) };
    Box::leak(Box::new(ProductMetadata {
        code: text(&product.code),
        env_id: text(&product.env_id),
        version: text(&product.api_version),
        signature: match product.signature {
            aliyun_spec::spec::SignatureVersion::V1 => aliyun_core::SignatureVersion::V1,
            aliyun_spec::spec::SignatureVersion::V3 => aliyun_core::SignatureVersion::V3,
        },
        endpoints: EndpointRules {
            regional: "emulator.invalid",
            central: "emulator.invalid",
            exceptions: &[],
        },
        error_style: match product.error_style {
            aliyun_spec::spec::ErrorStyle::Standard => aliyun_core::ErrorStyle::Standard,
            aliyun_spec::spec::ErrorStyle::LegacySuccessFlag => {
                aliyun_core::ErrorStyle::LegacySuccessFlag
            }
            aliyun_spec::spec::ErrorStyle::Envelope => aliyun_core::ErrorStyle::Envelope,
        },
    }))
}

/// The body without its `RequestId` (the emulator answers its own).
fn without_request_id(mut body: Value) -> Value {
    if let Some(map) = body.as_object_mut() {
        map.remove("RequestId");
    }
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_embedded_action_is_served() {
    let emulator = Emulator::start().await.unwrap();
    let config = common::config(&emulator);
    let modelled = modelled(&emulator).await;
    let mut failures = Vec::new();
    let mut sent = 0;
    for product in aliyun_emulator::embedded_products().expect("embedded specs") {
        let client = ProductClient::new(&config, metadata(&product));
        for op in &product.actions {
            let params = required_params(&product, op);
            let mut call = client
                .untyped_call(op.name.clone())
                .version(product.api_version.clone());
            for (name, value) in &params {
                call = call.param(name.clone(), value.as_str());
            }
            sent += 1;
            let is_modelled = modelled.contains(&(product.code.clone(), op.name.clone()));
            let outcome = call.send().await;
            let entry = emulator.requests().pop().expect("logged");
            let what = format!("{} {} {params:?}", product.api_version, op.name);
            match outcome {
                Ok(body) => {
                    // Without an example the answer is an empty body (and its RequestId).
                    let example = op
                        .response_example
                        .clone()
                        .unwrap_or_else(|| Value::Object(Default::default()));
                    let expected = without_request_id(example);
                    if !is_modelled && without_request_id(body.clone()) != expected {
                        failures.push(format!("{what}: answered {body}, not the example"));
                    }
                }
                // A modelled world may refuse (an unknown instance): the action's own answer.
                Err(Error::Service(_))
                    if is_modelled && entry.refused_at == Some(Stage::Action) => {}
                Err(error) => failures.push(format!(
                    "{what}: refused at {:?}: {error}",
                    entry.refused_at
                )),
            }
        }
    }
    assert!(sent > 500, "only {sent} actions walked");
    assert!(
        failures.is_empty(),
        "{} of {sent} actions not served:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The gateway's refusals are HTTP 4xx for every product: a CloudMonitor 2019-01-01 action
/// (whose own errors come in an HTTP 200 envelope) missing a parameter or with a malformed
/// nested name is refused with HTTP 400.
#[tokio::test]
async fn envelope_products_refuse_bad_parameters_with_http_400() {
    let emulator = Emulator::start().await.unwrap();
    let client = ProductClient::new(&common::config(&emulator), &aliyun_cms::PRODUCT);
    let refusals = [
        client
            .untyped_call("CreateDynamicTagGroup")
            .param("RegionId", "cn-hangzhou"),
        client
            .untyped_call("AddTags")
            .param("GroupIds.1", "g-1")
            .param("Tag.01.Key", "env"),
    ];
    for call in refusals {
        let Err(Error::Service(error)) = call.send().await else {
            panic!("not refused");
        };
        assert_eq!(error.http_status(), 400, "{error}");
        let entry = emulator.requests().pop().unwrap();
        assert_eq!(entry.refused_at, Some(Stage::Validation));
    }
}
