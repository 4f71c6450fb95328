//! The cloud assistant's commands and the 2019-01-01 CloudMonitor agent as the emulator models
//! them, through the SDK on a paused clock (in-process transport): results that run then
//! finish, Base64 and plain outputs, paging, client tokens, unknown instances, per-instance
//! results set through the admin API, agents installing then running (or failing until a
//! `Force` install), and `cpu_total` points for running agents only.

use std::time::Duration;

use aliyun_core::HttpTransport as _;
use aliyun_core::transport::HttpRequest;
use aliyun_ecs::action::run_command::RunCommandError;
use aliyun_emulator::{
    AgentState, CloudAssistantState, CommandResult, Emulator, FailMode, Instance, InstanceStatus,
    ManagedInstanceRegistration, RegistrationError,
};

fn config(emulator: &Emulator) -> aliyun_core::Config {
    emulator
        .in_process_config_builder()
        .retry_policy(aliyun_core::testing::support::quick_retries())
        .build()
        .unwrap()
}

fn ready(id: &str) -> Instance {
    Instance::new(id).cloud_assistant(CloudAssistantState::Installed)
}

async fn start(instances: Vec<Instance>) -> Emulator {
    Emulator::builder()
        .no_default_instances()
        .instances(instances)
        .command_duration(Duration::from_secs(5))
        .start()
        .await
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn run_command_results_run_then_finish_with_outputs() {
    let emulator = start(vec![
        ready("i-a"),
        ready("i-b").command_result(CommandResult::exit(1, "nope\n")),
        Instance::new("i-c"),
        ready("i-d").status(InstanceStatus::Stopped),
    ])
    .await;
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    let run = ecs
        .run_command()
        .r#type("RunShellScript")
        .command_content("uname -a")
        .instance_id("i-a")
        .instance_id("i-b")
        .instance_id("i-c")
        .instance_id("i-d")
        .send()
        .await
        .unwrap();
    let invoke_id = run.invoke_id.unwrap();
    assert!(run.command_id.is_some());

    let look = |encoding: Option<&'static str>| {
        let ecs = ecs.clone();
        let invoke_id = invoke_id.clone();
        async move {
            let mut call = ecs
                .describe_invocation_results()
                .invoke_id(invoke_id)
                .page_size(50);
            if let Some(encoding) = encoding {
                call = call.content_encoding(encoding);
            }
            call.send()
                .await
                .unwrap()
                .invocation
                .unwrap()
                .invocation_results
        }
    };
    let running = look(None).await;
    let statuses: Vec<_> = running
        .iter()
        .map(|r| {
            (
                r.instance_id.clone().unwrap(),
                r.invocation_status.clone().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("i-a".into(), "Running".into()),
            ("i-b".into(), "Running".into()),
            ("i-c".to_owned(), "Failed".to_owned()),
            ("i-d".into(), "Failed".into()),
        ]
    );
    assert_eq!(running[2].error_code.as_deref(), Some("ClientNotRunning"));
    assert_eq!(running[3].error_code.as_deref(), Some("InstanceNotRunning"));
    assert_eq!(running[2].invoke_record_status.as_deref(), Some("Failed"));

    tokio::time::advance(Duration::from_secs(5)).await;
    let done = look(Some("PlainText")).await;
    assert_eq!(done[0].invocation_status.as_deref(), Some("Success"));
    assert_eq!(done[0].exit_code, Some(0));
    assert_eq!(done[0].invoke_record_status.as_deref(), Some("Finished"));
    let text = done[0].output.clone().unwrap();
    assert!(text.contains("uname -a") && text.contains("i-a"), "{text}");
    assert_eq!(done[1].invocation_status.as_deref(), Some("Failed"));
    assert_eq!(done[1].exit_code, Some(1));
    assert_eq!(done[1].output.as_deref(), Some("nope\n"));
    assert_eq!(done[1].error_code.as_deref(), Some("ExitCodeNonzero"));
    // Base64 by default.
    let encoded = look(None).await;
    assert_eq!(encoded[1].output.as_deref(), Some("bm9wZQo="));
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn results_page_in_both_styles() {
    let ids: Vec<String> = (1..=23).map(|n| format!("i-p{n:02}")).collect();
    let emulator = start(ids.iter().map(|id| ready(id)).collect()).await;
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    let invoke_id = ecs
        .run_command()
        .r#type("RunShellScript")
        .command_content("true")
        .set_instance_id(Some(ids.clone()))
        .send()
        .await
        .unwrap()
        .invoke_id
        .unwrap();

    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = ecs
            .describe_invocation_results()
            .invoke_id(invoke_id.clone())
            .max_results(10)
            .set_next_token(token.take())
            .send()
            .await
            .unwrap()
            .invocation
            .unwrap();
        assert_eq!(page.total_count, Some(23));
        seen.extend(
            page.invocation_results
                .into_iter()
                .map(|r| r.instance_id.unwrap()),
        );
        match page.next_token.filter(|t| !t.is_empty()) {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ids);

    let third = ecs
        .describe_invocation_results()
        .invoke_id(invoke_id)
        .page_number(3)
        .page_size(10)
        .send()
        .await
        .unwrap()
        .invocation
        .unwrap();
    assert_eq!(third.page_number, Some(3));
    assert_eq!(third.invocation_results.len(), 3);
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn client_tokens_unknown_instances_and_saved_commands() {
    let emulator = start(vec![ready("i-a"), ready("i-b").region("cn-beijing")]).await;
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    let send = |token: &'static str, id: &'static str| {
        ecs.run_command()
            .r#type("RunShellScript")
            .command_content("hostname")
            .instance_id(id)
            .client_token(token)
            .send()
    };
    let first = send("tok-1", "i-a").await.unwrap();
    let again = send("tok-1", "i-a").await.unwrap();
    assert_eq!(first.invoke_id, again.invoke_id);
    assert!(matches!(
        send("tok-1", "i-missing").await,
        Err(RunCommandError::IdempotentParameterMismatch(_))
    ));
    // Unknown here, or in another region: the whole call is refused.
    for id in ["i-missing", "i-b"] {
        assert!(matches!(
            send("tok-2", id).await,
            Err(RunCommandError::InvalidInstanceNotFound(_))
        ));
    }
    assert!(matches!(
        ecs.run_command()
            .r#type("RunPython")
            .command_content("x")
            .instance_id("i-a")
            .send()
            .await,
        Err(RunCommandError::InvalidCmdTypeNotFound(_))
    ));

    let command_id = ecs
        .create_command()
        .name("greet")
        .r#type("RunShellScript")
        .command_content("ZWNobyBoaQ==")
        .content_encoding("Base64")
        .send()
        .await
        .unwrap()
        .command_id
        .unwrap();
    let invoke_id = ecs
        .invoke_command()
        .command_id(command_id.clone())
        .instance_id("i-a")
        .send()
        .await
        .unwrap()
        .invoke_id
        .unwrap();
    let listed = ecs
        .describe_invocations()
        .invoke_id(invoke_id)
        .include_output(true)
        .send()
        .await
        .unwrap();
    let invocation = &listed.invocations[0];
    assert_eq!(invocation.command_id.as_deref(), Some(command_id.as_str()));
    assert_eq!(invocation.command_name.as_deref(), Some("greet"));
    assert_eq!(invocation.invoke_status.as_deref(), Some("Running"));
    assert_eq!(invocation.invoke_instances.len(), 1);
    assert!(
        ecs.invoke_command()
            .command_id("c-unknown")
            .instance_id("i-a")
            .send()
            .await
            .is_err()
    );
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_admin_api_sets_a_command_result() {
    let emulator = start(vec![ready("i-a")]).await;
    let transport = emulator.in_process_transport();
    let admin = |method: http::Method, path: &str, body: &str| {
        transport.send(HttpRequest {
            method,
            url: format!("{}{path}", emulator.base_url()),
            headers: http::HeaderMap::new(),
            body: bytes::Bytes::from(body.to_owned()),
        })
    };
    let set = admin(
        http::Method::PUT,
        "/_emulator/instances/i-a/command-result",
        r#"{"status":"Failed","exit_code":7,"output":"boom","error_code":"ExitCodeNonzero"}"#,
    )
    .await
    .unwrap();
    assert_eq!(set.status, 200);
    let stored = emulator.instance("i-a").unwrap().command_result.unwrap();
    assert_eq!(stored.exit_code, Some(7));
    assert_eq!(stored.output.as_deref(), Some("boom"));
    let missing = admin(
        http::Method::PUT,
        "/_emulator/instances/i-zz/command-result",
        "{}",
    )
    .await
    .unwrap();
    assert_eq!(missing.status, 404);
    let bad = admin(
        http::Method::PUT,
        "/_emulator/instances/i-a/command-result",
        "[",
    )
    .await
    .unwrap();
    assert_eq!(bad.status, 400);
    let cleared = admin(
        http::Method::DELETE,
        "/_emulator/instances/i-a/command-result",
        "",
    )
    .await
    .unwrap();
    assert_eq!(cleared.status, 200);
    assert_eq!(emulator.instance("i-a").unwrap().command_result, None);
    assert!(emulator.set_command_result("i-a", Some(CommandResult::exit(0, "ok"))));
    assert!(!emulator.set_command_result("i-zz", None));
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_2019_agent_installs_fails_until_forced_and_reports_cpu() {
    let emulator = start(vec![
        Instance::new("i-ok"),
        Instance::new("i-flaky").cms_install_fails(FailMode::Once),
        Instance::new("i-run").cms_agent(AgentState::Running),
    ])
    .await;
    let cms = aliyun_cms::Client::new(&config(&emulator));
    let status = |ids: &'static str| {
        let cms = cms.clone();
        async move {
            cms.describe_monitoring_agent_statuses()
                .instance_ids(ids)
                .send()
                .await
                .unwrap()
                .node_status_list
                .into_iter()
                .map(|s| (s.instance_id.unwrap(), s.status.unwrap()))
                .collect::<Vec<_>>()
        }
    };
    let install = |id: &'static str, force: bool| {
        cms.install_monitoring_agent()
            .instance_ids(id)
            .force(force)
            .send()
    };
    install("i-ok", false).await.unwrap();
    install("i-flaky", false).await.unwrap();
    install("i-run", false).await.unwrap(); // left alone: already running
    assert_eq!(
        status("i-ok,i-flaky,i-run,i-unknown").await,
        [
            ("i-ok".to_owned(), "installing".to_owned()),
            ("i-flaky".into(), "installing".into()),
            ("i-run".into(), "running".into()),
        ]
    );
    assert_eq!(
        status("i-ok,i-flaky").await,
        [
            ("i-ok".to_owned(), "running".to_owned()),
            ("i-flaky".into(), "install_faild".into()),
        ]
    );
    install("i-flaky", false).await.unwrap();
    assert_eq!(
        status("i-flaky").await[0].1,
        "install_faild",
        "no Force, no install"
    );
    install("i-flaky", true).await.unwrap();
    status("i-flaky").await;
    assert_eq!(status("i-flaky").await[0].1, "running");
    assert!(install("i-unknown", true).await.is_err());

    let points = cms
        .describe_metric_last()
        .namespace("acs_ecs_dashboard")
        .metric_name("cpu_total")
        .dimensions(serde_json::json!({"instanceId": "i-ok"}))
        .dimensions(serde_json::json!({"instanceId": "i-flaky"}))
        .send()
        .await
        .unwrap()
        .datapoints
        .unwrap();
    let points: serde_json::Value = serde_json::from_str(&points).unwrap();
    let ids: Vec<&str> = points
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["instanceId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["i-flaky", "i-ok"]);
    let everything = cms
        .describe_metric_last()
        .namespace("acs_ecs_dashboard")
        .metric_name("cpu_total")
        .send()
        .await
        .unwrap()
        .datapoints
        .unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&everything)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // A metric without data answers an empty list (agent metrics such as
    // `memory_usedutilization` now have points too: see tests/cms_metrics.rs).
    let other = cms
        .describe_metric_last()
        .namespace("acs_ecs_dashboard")
        .metric_name("no_such_metric")
        .send()
        .await
        .unwrap();
    assert_eq!(other.datapoints.as_deref(), Some("[]"));
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn files_are_delivered_per_instance_and_not_overwritten_by_default() {
    let emulator = start(vec![
        ready("i-a"),
        Instance::new("i-b"),
        ready("i-c").status(InstanceStatus::Stopped),
    ])
    .await;
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    let send = |name: &str| {
        ecs.send_file()
            .name(name)
            .target_dir("/etc/app")
            .content("port = 8080\n")
            .file_mode("0600")
            .instance_id("i-a")
            .instance_id("i-b")
            .instance_id("i-c")
    };
    let first = send("app.toml").send().await.unwrap().invoke_id.unwrap();
    assert!(first.starts_with("f-"), "{first}");
    let results = |id: String| ecs.describe_send_file_results().invoke_id(id).send();
    let running = results(first.clone()).await.unwrap();
    let delivery = &running.invocations[0];
    assert_eq!(delivery.invocation_status.as_deref(), Some("Running"));
    assert_eq!(delivery.file_mode.as_deref(), Some("0600"));
    assert_eq!(delivery.vm_count, Some(3));
    let status = |id: &str| {
        delivery
            .invoke_instances
            .iter()
            .find(|i| i.instance_id.as_deref() == Some(id))
            .map(|i| (i.invocation_status.clone(), i.error_code.clone()))
            .unwrap()
    };
    assert_eq!(status("i-a"), (Some("Running".into()), None));
    assert_eq!(
        status("i-b"),
        (Some("Failed".into()), Some("ClientNotRunning".into()))
    );
    assert_eq!(
        status("i-c"),
        (Some("Failed".into()), Some("InstanceNotRunning".into()))
    );

    tokio::time::sleep(Duration::from_secs(6)).await;
    let done = results(first).await.unwrap();
    assert_eq!(
        done.invocations[0].invocation_status.as_deref(),
        Some("PartialFailed")
    );

    // The same file again: refused on the instance that has it, unless overwritten.
    let again = send("app.toml").send().await.unwrap().invoke_id.unwrap();
    let refused = results(again).await.unwrap();
    let on_a = refused.invocations[0]
        .invoke_instances
        .iter()
        .find(|i| i.instance_id.as_deref() == Some("i-a"))
        .unwrap();
    assert_eq!(on_a.error_code.as_deref(), Some("FileAlreadyExists"));
    let replaced = send("app.toml")
        .overwrite(true)
        .send()
        .await
        .unwrap()
        .invoke_id
        .unwrap();
    let listed = ecs
        .describe_send_file_results()
        .instance_id("i-a")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.total_count, Some(3));
    assert!(
        listed
            .invocations
            .iter()
            .any(|i| i.invoke_id.as_deref() == Some(replaced.as_str()))
    );

    for (call, code) in [
        (
            send("x").target_dir("relative/dir"),
            "FileTargetDir.Invalid",
        ),
        (send("x").file_mode("0999"), "FileMode.Invalid"),
        (
            send("x").content_type("Base64").content("not base64!"),
            "FileContent.DecodeError",
        ),
        (
            send("x").instance_id("i-missing"),
            "InvalidInstance.NotFound",
        ),
    ] {
        let err = call.send().await.unwrap_err();
        assert_eq!(err.code(), Some(code), "{err}");
    }
}

#[tokio::test(start_paused = true)]
async fn servers_register_with_activations_and_are_managed() {
    let emulator = start(vec![]).await;
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    let created = ecs
        .create_activation()
        .instance_name("build")
        .instance_count(2)
        .ip_address_range("10.0.3.0/24")
        .send()
        .await
        .unwrap();
    let (id, code) = (
        created.activation_id.unwrap(),
        created.activation_code.unwrap(),
    );
    let err = ecs
        .create_activation()
        .time_to_live_in_hours(25)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ActivationTTL.ExceedLimit"), "{err}");

    let server = |ip: &str| {
        ManagedInstanceRegistration::new(&id, &code)
            .hostname("build-01")
            .intranet_ip(ip)
    };
    let first = emulator
        .register_managed_instance(&server("10.0.3.7"))
        .unwrap();
    assert!(first.starts_with("mi-"), "{first}");
    assert!(matches!(
        emulator.register_managed_instance(&server("10.0.4.7")),
        Err(RegistrationError::AddressNotAllowed { .. })
    ));
    assert!(matches!(
        emulator.register_managed_instance(&ManagedInstanceRegistration::new(&id, "a-wrong")),
        Err(RegistrationError::WrongCode(_))
    ));
    // The admin API registers the same way.
    let transport = emulator.in_process_transport();
    let registered = transport
        .send(HttpRequest {
            method: http::Method::POST,
            url: format!("{}/_emulator/managed-instances", emulator.base_url()),
            headers: http::HeaderMap::new(),
            body: bytes::Bytes::from(format!(
                r#"{{"activation_id":"{id}","activation_code":"{code}","intranet_ip":"10.0.3.8","os_type":"Windows"}}"#
            )),
        })
        .await
        .unwrap();
    assert_eq!(registered.status, 201);
    assert!(matches!(
        emulator.register_managed_instance(&server("10.0.3.9")),
        Err(RegistrationError::Exhausted(_))
    ));

    let listed = ecs
        .describe_activations()
        .activation_id(&id)
        .send()
        .await
        .unwrap();
    let activation = &listed.activation_list[0];
    let raw = ecs
        .product_client()
        .untyped_call("DescribeActivations")
        .param("RegionId", "cn-hangzhou")
        .idempotent(true)
        .send()
        .await
        .unwrap()
        .to_string();
    assert!(raw.contains(&id) && !raw.contains(&code), "{raw}");
    assert_eq!(activation.registered_count, Some(2));
    assert_eq!(activation.ip_address_range.as_deref(), Some("10.0.3.0/24"));
    let managed = ecs
        .describe_managed_instances()
        .activation_id(&id)
        .os_type("windows")
        .send()
        .await
        .unwrap();
    assert_eq!(managed.total_count, Some(1));
    assert_eq!(
        managed.instances[0].intranet_ip.as_deref(),
        Some("10.0.3.8")
    );

    ecs.modify_managed_instance()
        .instance_id(&first)
        .instance_name("build-renamed")
        .send()
        .await
        .unwrap();
    let renamed = ecs
        .describe_managed_instances()
        .instance_name("build-re*")
        .send()
        .await
        .unwrap();
    assert_eq!(
        renamed.instances[0].instance_id.as_deref(),
        Some(first.as_str())
    );

    // An activation with servers on it stays until they are deregistered.
    let err = ecs
        .delete_activation()
        .activation_id(&id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ActivationId.InUse"), "{err}");
    for managed in [first, managed.instances[0].instance_id.clone().unwrap()] {
        ecs.deregister_managed_instance()
            .instance_id(managed)
            .send()
            .await
            .unwrap();
    }
    let disabled = ecs
        .disable_activation()
        .activation_id(&id)
        .send()
        .await
        .unwrap()
        .activation
        .unwrap();
    assert_eq!(disabled.disabled, Some(true));
    assert_eq!(disabled.deregistered_count, Some(2));
    assert!(matches!(
        emulator.register_managed_instance(&server("10.0.3.7")),
        Err(RegistrationError::Disabled(_))
    ));
    ecs.delete_activation()
        .activation_id(&id)
        .send()
        .await
        .unwrap();
    let err = ecs
        .delete_activation()
        .activation_id(&id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ActivationId.NotFound"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn activations_expire_on_the_emulators_clock() {
    let emulator = start(vec![]).await;
    let ecs = aliyun_ecs::Client::new(&config(&emulator));
    let created = ecs
        .create_activation()
        .time_to_live_in_hours(1)
        .send()
        .await
        .unwrap();
    let registration = ManagedInstanceRegistration::new(
        created.activation_id.unwrap(),
        created.activation_code.unwrap(),
    );
    emulator.set_clock_offset_secs(2 * 3600);
    assert!(matches!(
        emulator.register_managed_instance(&registration),
        Err(RegistrationError::Expired(_))
    ));
}
