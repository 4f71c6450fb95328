//! Installs the cloud assistant on instances and prints each instance's outcome.
//!
//! ```sh
//! cargo run -p aliyun-ecs --example install_cloud_assistant -- --region cn-hangzhou i-aaa i-bbb
//! cargo run -p aliyun-ecs --example install_cloud_assistant -- --reboot --wait i-aaa
//! ```
//!
//! Credentials come from the default chain (`ALIBABA_CLOUD_ACCESS_KEY_ID` / `_SECRET`, the
//! `aliyun` CLI profile, `~/.alibabacloud/credentials`, the ECS RAM role); the endpoint from
//! `ALIBABA_CLOUD_ENDPOINT_URL_ECS` or `ALIBABA_CLOUD_ENDPOINT_URL` (e.g. a local emulator).
//! Nothing is rebooted without `--reboot`. With `--wait`, a status poll that fails transiently
//! (throttling, server errors) is shown and repeated; one that fails for good (`Forbidden.RAM`,
//! `InvalidAction.NotFound`) fails its instances at once. Exits with status 1 if any instance
//! failed or was not found, printing the step, code and request id of each on stderr.

use std::process::ExitCode;

use aliyun_core::ConfigBuilder;
use aliyun_core::env::Environment;
use aliyun_ecs::workflow::{InstanceOutcome, PollPolicy, Progress, RolloutEvent};

struct Args {
    region: Option<String>,
    reboot: bool,
    wait: bool,
    instance_ids: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        region: None,
        reboot: false,
        wait: false,
        instance_ids: Vec::new(),
    };
    let mut raw = std::env::args().skip(1);
    while let Some(arg) = raw.next() {
        match arg.as_str() {
            "--region" => args.region = Some(raw.next().ok_or("--region needs a value")?),
            "--reboot" => args.reboot = true,
            "--wait" => args.wait = true,
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with('-') => return Err(format!("unknown flag {flag}")),
            id => args.instance_ids.push(id.to_owned()),
        }
    }
    if args.instance_ids.is_empty() {
        return Err("give at least one instance id".into());
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(problem) => {
            eprintln!(
                "{problem}\nusage: install_cloud_assistant [--region REGION] [--reboot [--wait]] INSTANCE_ID..."
            );
            return ExitCode::from(2);
        }
    };
    let mut builder = match ConfigBuilder::from_environment(&Environment::process()) {
        Ok(builder) => builder,
        Err(error) => {
            eprintln!("configuration: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(region) = &args.region {
        builder = builder.region(region.clone());
    }
    let config = match builder.build() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("configuration: {error}");
            return ExitCode::FAILURE;
        }
    };
    let client = aliyun_ecs::Client::new(&config);

    let mut rollout = client
        .cloud_assistant_rollout(args.instance_ids)
        .on_progress(Progress::callback(|event: &RolloutEvent| match event {
            RolloutEvent::InstallBatch {
                batch,
                batches,
                instances,
                installed,
                ..
            } => eprintln!("batch {batch}/{batches}: {installed}/{instances} installed"),
            RolloutEvent::Status { reported, pending } => {
                eprintln!("status: {reported} reported, {pending} pending")
            }
            RolloutEvent::StatusPollFailed { failure, .. } => eprintln!("{failure}"),
            _ => {}
        }));
    if args.reboot {
        rollout = rollout.reboot(false);
        if args.wait {
            rollout = rollout.wait_until_reported(PollPolicy::default());
        }
    }
    let report = rollout.send().await;

    let mut ok = true;
    for request_id in &report.install_request_ids {
        println!("request id: {request_id}");
    }
    for (instance_id, outcome) in &report.outcomes {
        match outcome {
            InstanceOutcome::Failed(failure) => {
                ok = false;
                eprintln!(
                    "{instance_id}: failed at the {:?} step: code {} request id {}: {}",
                    failure.step,
                    failure.code.as_deref().unwrap_or("-"),
                    failure.request_id.as_deref().unwrap_or("-"),
                    failure.message
                );
            }
            InstanceOutcome::NotFound => {
                ok = false;
                eprintln!("{instance_id}: not found (InvalidInstance.NotFound)");
            }
            other => println!("{instance_id}: {other:?}"),
        }
    }
    if report.transient_poll_failures > 0 {
        eprintln!(
            "{} status poll(s) failed transiently and were repeated",
            report.transient_poll_failures
        );
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
