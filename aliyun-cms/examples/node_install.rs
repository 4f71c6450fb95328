//! Installs the CloudMonitor agent on one instance with `NodeInstall` and prints the request id;
//! with `--wait`, runs the agent rollout instead and waits until `NodeStatusList` says
//! `running`.
//!
//! ```sh
//! cargo run -p aliyun-cms --example node_install -- --user-id 1234567898765432 i-aaa
//! cargo run -p aliyun-cms --example node_install -- --user-id 1234567898765432 --force i-aaa
//! cargo run -p aliyun-cms --example node_install -- --user-id 1234567898765432 --wait i-aaa
//! ```
//!
//! Credentials come from the default chain; the endpoint from `ALIBABA_CLOUD_ENDPOINT_URL_CMS`
//! or `ALIBABA_CLOUD_ENDPOINT_URL`; the region from `ALIBABA_CLOUD_REGION_ID` or `--region`.
//! On a service error (including the legacy HTTP-200 `Success: false` answer) the code and
//! request id go to stderr and the exit status is 1. While waiting, a status poll that fails
//! transiently (throttling, server errors) is shown and repeated; one that fails for good
//! (`Forbidden.RAM` for a RAM user without `cms:NodeStatusList`) ends the wait at once, with
//! the step, code and request id on stderr and exit status 1.

use std::process::ExitCode;

use aliyun_cms::v20170301::workflow::{AgentEvent, AgentOutcome, PollPolicy, Progress};
use aliyun_core::ConfigBuilder;
use aliyun_core::env::Environment;

struct Args {
    user_id: String,
    region: Option<String>,
    force: bool,
    wait: bool,
    instance_id: String,
}

fn parse_args() -> Result<Args, String> {
    let (mut user_id, mut region, mut force, mut instance_id) = (None, None, false, None);
    let mut wait = false;
    let mut raw = std::env::args().skip(1);
    while let Some(arg) = raw.next() {
        match arg.as_str() {
            "--user-id" => user_id = Some(raw.next().ok_or("--user-id needs a value")?),
            "--region" => region = Some(raw.next().ok_or("--region needs a value")?),
            "--force" => force = true,
            "--wait" => wait = true,
            flag if flag.starts_with('-') => return Err(format!("unknown flag {flag}")),
            id if instance_id.is_none() => instance_id = Some(id.to_owned()),
            extra => {
                return Err(format!(
                    "one instance per call (NodeInstall); unexpected {extra}"
                ));
            }
        }
    }
    Ok(Args {
        user_id: user_id.ok_or("--user-id is required (the account id)")?,
        region,
        force,
        wait,
        instance_id: instance_id.ok_or("give the instance id")?,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(problem) => {
            eprintln!(
                "{problem}\nusage: node_install --user-id USER_ID [--region REGION] [--force] [--wait] INSTANCE_ID"
            );
            return ExitCode::from(2);
        }
    };
    let config = ConfigBuilder::from_environment(&Environment::process()).and_then(|builder| {
        match &args.region {
            Some(region) => builder.region(region.clone()),
            None => builder,
        }
        .build()
    });
    let config = match config {
        Ok(config) => config,
        Err(error) => {
            eprintln!("configuration: {error}");
            return ExitCode::FAILURE;
        }
    };
    let client = aliyun_cms::v20170301::Client::new(&config);
    if args.wait {
        return install_and_wait(&client, args).await;
    }
    let result = client
        .node_install()
        .instance_id(args.instance_id)
        .user_id(args.user_id)
        .force(args.force)
        .send()
        .await;
    match result {
        Ok(output) => {
            println!(
                "request id: {}",
                output.request_id.as_deref().unwrap_or("-")
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!(
                "error: code {} request id {}: {error}",
                error.code().unwrap_or("-"),
                error.request_id().unwrap_or("-")
            );
            ExitCode::FAILURE
        }
    }
}

/// The agent rollout on one instance: install, then poll until `running`.
async fn install_and_wait(client: &aliyun_cms::v20170301::Client, args: Args) -> ExitCode {
    let report = client
        .agent_rollout(args.user_id, [args.instance_id])
        .force(args.force)
        .poll(PollPolicy::default())
        .on_progress(Progress::callback(|event: &AgentEvent| match event {
            AgentEvent::Status { running, pending } => {
                eprintln!("status: {running} running, {pending} pending")
            }
            AgentEvent::StatusPollFailed { failure, .. } => eprintln!("{failure}"),
            AgentEvent::Retrying {
                instance_id,
                attempt,
            } => eprintln!("{instance_id}: install failed, re-installing with Force ({attempt})"),
            _ => {}
        }))
        .send()
        .await;
    if report.transient_poll_failures > 0 {
        eprintln!(
            "{} status poll(s) failed transiently and were repeated",
            report.transient_poll_failures
        );
    }
    let mut ok = true;
    for result in &report.instances {
        match &result.outcome {
            AgentOutcome::Running => println!(
                "{}: running after {} install call(s)",
                result.instance_id, result.install_attempts
            ),
            AgentOutcome::Failed(failure) => {
                ok = false;
                eprintln!(
                    "{}: failed at the {:?} step: code {} request id {}: {}",
                    result.instance_id,
                    failure.step,
                    failure.code.as_deref().unwrap_or("-"),
                    failure.request_id.as_deref().unwrap_or("-"),
                    failure.message
                );
            }
            other => {
                ok = false;
                eprintln!("{}: {other:?}", result.instance_id);
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
