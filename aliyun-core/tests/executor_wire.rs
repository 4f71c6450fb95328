//! What goes on the wire: method, parameter placement, common parameters, signatures, headers,
//! and which endpoint a client picks.

mod executor_support;

use aliyun_core::env::Environment;
use aliyun_core::testing::{CaptureTransport, test_config};
use aliyun_core::{Config, ConfigBuilder, Credentials, Error, ProductClient};
use aliyun_emulator::verify::{ReceivedV3, verify_v1, verify_v3};
use executor_support::*;

fn pairs(params: &[(String, String)]) -> Vec<(&str, &str)> {
    params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[tokio::test]
async fn query_post_carries_every_parameter_in_the_query_and_verifies() {
    let transport = CaptureTransport::responding(200, OK);
    let client = ProductClient::new(&test_config(transport.clone()), &ECS);
    let output = client.call(&Write::new("i-bp1")).await.unwrap();
    assert_eq!(output.value.as_deref(), Some("done"));

    let request = transport.last_request().unwrap();
    assert_eq!(request.method, "POST");
    assert!(
        request
            .url
            .starts_with("https://ecs-cn-hangzhou.aliyuncs.com/?"),
        "{}",
        request.url_without_query()
    );
    assert!(request.body.is_empty());
    for (name, value) in [
        ("Action", "InstallThing"),
        ("Version", "2014-05-26"),
        ("Format", "JSON"),
        ("AccessKeyId", "testid"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
    ] {
        assert_eq!(request.param(name).as_deref(), Some(value), "{name}");
    }
    assert_eq!(request.param("SignatureNonce").unwrap().len(), 36);
    assert_eq!(request.param("Timestamp").unwrap().len(), 20);
    assert_eq!(request.param("SecurityToken"), None);
    assert_eq!(
        request.action_params().into_iter().collect::<Vec<_>>(),
        vec![("InstanceId".to_owned(), "i-bp1".to_owned())]
    );
    let params = request.params();
    assert_eq!(verify_v1("POST", &pairs(&params), "testsecret"), Ok(()));
    assert!(verify_v1("POST", &pairs(&params), "othersecret").is_err());
    assert_eq!(
        request.headers["user-agent"],
        concat!("aliyun-rs/", env!("CARGO_PKG_VERSION"))
    );
}

#[tokio::test]
async fn get_actions_go_as_get_with_the_query() {
    let transport = CaptureTransport::responding(200, OK);
    let client = ProductClient::new(&test_config(transport.clone()), &CMS);
    client.call(&Read::new("i-1")).await.unwrap();
    let request = transport.last_request().unwrap();
    assert_eq!(request.method, "GET");
    assert!(
        request
            .url
            .starts_with("https://metrics.cn-hangzhou.aliyuncs.com/?")
    );
    assert_eq!(request.param("Version").as_deref(), Some("2017-03-01"));
    let params = request.params();
    assert_eq!(verify_v1("GET", &pairs(&params), "testsecret"), Ok(()));
}

#[tokio::test]
async fn form_body_actions_put_their_parameters_in_the_body() {
    let transport = CaptureTransport::responding(200, OK);
    let client = ProductClient::new(&test_config(transport.clone()), &ECS);
    let mut input = FormWrite::new("i-1");
    input
        .extra
        .push(("Description", "a b*c~d+e/f=g&h%".to_owned()));
    client.call(&input).await.unwrap();

    let request = transport.last_request().unwrap();
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    let body = std::str::from_utf8(&request.body).unwrap();
    assert_eq!(
        body,
        "Description=a%20b%2Ac~d%2Be%2Ff%3Dg%26h%25&InstanceId=i-1"
    );
    let query = request.url.split_once('?').unwrap().1;
    assert!(!query.contains("InstanceId"), "{query}");
    assert!(query.contains("Action=CreateThing"));
    assert!(query.contains("Signature="));
    // Query and body parameters are signed together.
    let params = request.params();
    assert_eq!(verify_v1("POST", &pairs(&params), "testsecret"), Ok(()));
    assert_eq!(
        request
            .action_params()
            .get("Description")
            .map(String::as_str),
        Some("a b*c~d+e/f=g&h%")
    );
}

#[tokio::test]
async fn sts_credentials_send_a_signed_security_token() {
    let transport = CaptureTransport::responding(200, OK);
    let config = Config::builder()
        .region("cn-hangzhou")
        .credentials_provider(Credentials::new_sts(
            "STS.id",
            "stssecret",
            "CAIS+token/with=chars",
            None,
        ))
        .transport(transport.clone())
        .build()
        .unwrap();
    ProductClient::new(&config, &ECS)
        .call(&Write::new("i-1"))
        .await
        .unwrap();
    let request = transport.last_request().unwrap();
    assert_eq!(
        request.param("SecurityToken").as_deref(),
        Some("CAIS+token/with=chars")
    );
    let params = request.params();
    assert_eq!(verify_v1("POST", &pairs(&params), "stssecret"), Ok(()));
}

#[tokio::test]
async fn v3_products_sign_with_headers() {
    let transport = CaptureTransport::responding(200, OK);
    let client = ProductClient::new(&test_config(transport.clone()), &V3_PRODUCT);
    client.call(&Write::new("i-1")).await.unwrap();
    let request = transport.last_request().unwrap();
    assert_eq!(
        request.url,
        "https://ecs-cn-hangzhou.aliyuncs.com/?InstanceId=i-1"
    );
    assert_eq!(request.headers["x-acs-action"], "InstallThing");
    assert_eq!(request.headers["x-acs-version"], "2014-05-26");
    assert_eq!(request.headers["host"], "ecs-cn-hangzhou.aliyuncs.com");
    let authorization = request.headers["authorization"].to_str().unwrap();
    assert!(authorization.starts_with("ACS3-HMAC-SHA256 Credential=testid,"));

    let query = request.params();
    let headers: Vec<(&str, &str)> = request
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.to_str().unwrap()))
        .collect();
    let received = ReceivedV3 {
        method: "POST",
        path: "/",
        query: &pairs(&query),
        headers: &headers,
        body: &request.body,
    };
    verify_v3(&received, "testsecret").unwrap();

    // A form-body V3 action signs the body hash and content type.
    client.call(&FormWrite::new("i-2")).await.unwrap();
    let request = transport.last_request().unwrap();
    assert_eq!(request.url, "https://ecs-cn-hangzhou.aliyuncs.com/");
    assert_eq!(&request.body[..], b"InstanceId=i-2");
    let headers: Vec<(&str, &str)> = request
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.to_str().unwrap()))
        .collect();
    let received = ReceivedV3 {
        method: "POST",
        path: "/",
        query: &[],
        headers: &headers,
        body: &request.body,
    };
    verify_v3(&received, "testsecret").unwrap();
}

fn endpoint_of(config: &Config) -> String {
    ProductClient::new(config, &ECS)
        .endpoint()
        .map(|e| e.url().to_owned())
        .unwrap_or_else(|e| format!("error: {e}"))
}

fn builder(env: &Environment) -> ConfigBuilder {
    ConfigBuilder::from_environment(env)
        .unwrap()
        .credentials_provider(Credentials::new("testid", "testsecret"))
        .transport(CaptureTransport::new())
}

#[test]
fn endpoints_follow_rules_overrides_and_environment() {
    let none = Environment::fake::<&str, &str>([]);
    // Rules: the exception, the regional pattern (also for a region no SDK knows yet), central.
    assert_eq!(
        endpoint_of(&builder(&none).region("cn-hangzhou").build().unwrap()),
        "https://ecs-cn-hangzhou.aliyuncs.com"
    );
    assert_eq!(
        endpoint_of(&builder(&none).region("xx-new-9").build().unwrap()),
        "https://ecs.xx-new-9.aliyuncs.com"
    );
    assert_eq!(
        endpoint_of(&builder(&none).build().unwrap()),
        "https://ecs.aliyuncs.com"
    );

    // Environment: all products, then per product, which wins.
    let all = Environment::fake([
        ("ALIBABA_CLOUD_REGION_ID", "cn-shanghai"),
        ("ALIBABA_CLOUD_ENDPOINT_URL", "http://127.0.0.1:9000"),
    ]);
    let config = builder(&all).build().unwrap();
    assert_eq!(config.region(), Some("cn-shanghai"));
    assert_eq!(endpoint_of(&config), "http://127.0.0.1:9000");
    let per_product = Environment::fake([
        ("ALIBABA_CLOUD_ENDPOINT_URL", "http://127.0.0.1:9000"),
        ("ALIBABA_CLOUD_ENDPOINT_URL_ECS", "ecs.internal.example.com"),
    ]);
    let config = builder(&per_product).build().unwrap();
    assert_eq!(endpoint_of(&config), "https://ecs.internal.example.com");
    assert_eq!(
        ProductClient::new(&config, &CMS).endpoint().unwrap().url(),
        "http://127.0.0.1:9000"
    );

    // Explicit settings win over the environment.
    let config = builder(&per_product)
        .endpoint_url("https://explicit.example.com")
        .build()
        .unwrap();
    assert_eq!(endpoint_of(&config), "https://explicit.example.com");
    let config = builder(&none)
        .endpoint_url("https://all.example.com")
        .product_endpoint_url("ECS", "http://localhost:8080")
        .build()
        .unwrap();
    assert_eq!(endpoint_of(&config), "http://localhost:8080");
    assert_eq!(
        ProductClient::new(&config, &CMS).endpoint().unwrap().url(),
        "https://all.example.com"
    );

    // Region aliases.
    for var in ["ALICLOUD_REGION_ID", "REGION"] {
        let env = Environment::fake([(var, "cn-beijing")]);
        assert_eq!(builder(&env).build().unwrap().region(), Some("cn-beijing"));
    }
    let env = Environment::fake([("ALIBABA_CLOUD_REGION_ID", "cn-beijing")]);
    assert_eq!(
        builder(&env)
            .region("cn-shenzhen")
            .build()
            .unwrap()
            .region(),
        Some("cn-shenzhen")
    );

    // Without a region variable, the aliyun CLI profile's region; the variable wins over it.
    let profile = r#"{"current":"work","profiles":[
        {"name":"default","mode":"AK","access_key_id":"a","access_key_secret":"b","region_id":"cn-hangzhou"},
        {"name":"work","mode":"AK","access_key_id":"a","access_key_secret":"b","region_id":"cn-qingdao"}]}"#;
    let env =
        Environment::fake::<&str, &str>([]).with_file("/home/test/.aliyun/config.json", profile);
    assert_eq!(builder(&env).build().unwrap().region(), Some("cn-qingdao"));
    let env = Environment::fake([("ALIBABA_CLOUD_PROFILE", "default")])
        .with_file("/home/test/.aliyun/config.json", profile);
    assert_eq!(builder(&env).build().unwrap().region(), Some("cn-hangzhou"));
    let env = Environment::fake([("REGION", "cn-beijing")])
        .with_file("/home/test/.aliyun/config.json", profile);
    assert_eq!(builder(&env).build().unwrap().region(), Some("cn-beijing"));
}

#[test]
fn bad_endpoints_and_regions_are_config_errors() {
    let env = Environment::fake([("ALIBABA_CLOUD_ENDPOINT_URL", "ftp://nope")]);
    let err = Config::from_environment(&env).unwrap_err();
    assert!(
        err.message().contains("ALIBABA_CLOUD_ENDPOINT_URL"),
        "{err}"
    );

    let err = Config::builder()
        .endpoint_url("https://host/with/path")
        .transport(CaptureTransport::new())
        .build()
        .unwrap_err();
    assert!(err.message().contains("path"), "{err}");

    let err = Config::builder()
        .region("cn-hangzhou/../evil")
        .transport(CaptureTransport::new())
        .build()
        .unwrap_err();
    assert!(err.message().contains("region"), "{err}");
}

#[tokio::test]
async fn a_bad_per_product_endpoint_fails_calls_without_sending() {
    let env = Environment::fake([("ALIBABA_CLOUD_ENDPOINT_URL_ECS", "https://user:pw@host")]);
    let transport = CaptureTransport::new();
    let config = ConfigBuilder::from_environment(&env)
        .unwrap()
        .credentials_provider(Credentials::new("testid", "testsecret"))
        .transport(transport.clone())
        .build()
        .unwrap();
    let client = ProductClient::new(&config, &ECS);
    let err = client.call(&Read::new("i-1")).await.unwrap_err();
    let Error::Config(config_error) = &err else {
        panic!("{err:?}")
    };
    assert!(
        config_error
            .message()
            .contains("ALIBABA_CLOUD_ENDPOINT_URL_ECS"),
        "{err}"
    );
    assert!(!err.to_string().contains("pw"), "{err}");
    assert!(transport.requests().is_empty());
    // Other products are unaffected.
    ProductClient::new(&config, &CMS)
        .call(&Read::new("i-1"))
        .await
        .unwrap();
}

#[tokio::test]
async fn one_config_shares_its_transport_across_product_clients() {
    let transport = CaptureTransport::responding(200, OK);
    let config = test_config(transport.clone());
    let ecs = ProductClient::new(&config, &ECS);
    let cms = ProductClient::new(&config, &CMS);
    assert!(std::sync::Arc::ptr_eq(
        ecs.config().transport(),
        cms.config().transport()
    ));
    ecs.call(&Read::new("i-1")).await.unwrap();
    cms.clone().call(&Read::new("i-1")).await.unwrap();
    assert_eq!(transport.requests().len(), 2);
}

#[test]
fn app_name_extends_the_user_agent() {
    let config = Config::builder()
        .app_name("fleet-agent/2.1")
        .transport(CaptureTransport::new())
        .build()
        .unwrap();
    assert_eq!(
        config.user_agent(),
        concat!("aliyun-rs/", env!("CARGO_PKG_VERSION"), " fleet-agent/2.1")
    );
    assert!(
        Config::builder()
            .app_name("bad\nname")
            .transport(CaptureTransport::new())
            .build()
            .is_err()
    );
}

#[test]
fn calls_are_send_so_they_can_be_spawned() {
    fn assert_send<T: Send>(_: &T) {}
    let client = ProductClient::new(&test_config(CaptureTransport::new()), &ECS);
    let input = Write::new("i-1");
    let call = client.call(&input);
    assert_send(&call);
    fn assert_shareable<T: Send + Sync + Clone + 'static>() {}
    assert_shareable::<ProductClient>();
    assert_shareable::<Config>();
    assert_shareable::<CaptureTransport>();
}
