//! Runs a shell command on instances through the cloud assistant and prints each instance's
//! result.
//!
//! ```sh
//! cargo run -p aliyun-ecs --example run_command -- --region cn-hangzhou --command 'uname -a' i-aaa i-bbb
//! ```
//!
//! Credentials come from the default chain (`ALIBABA_CLOUD_ACCESS_KEY_ID` / `_SECRET`, the
//! `aliyun` CLI profile, `~/.alibabacloud/credentials`, the ECS RAM role); the endpoint from
//! `ALIBABA_CLOUD_ENDPOINT_URL_ECS` or `ALIBABA_CLOUD_ENDPOINT_URL` (e.g. a local emulator).
//! The instances need the cloud assistant (see the `install_cloud_assistant` example). Each
//! `RunCommand` carries its own `ClientToken`, so a retried call never runs twice. Prints one
//! block per instance (status, exit code, output, error) and exits with status 1 if the
//! command did not run and exit with 0 on every instance.

use std::process::ExitCode;

use aliyun_core::ConfigBuilder;
use aliyun_core::env::Environment;
use aliyun_ecs::workflow::{CommandEvent, CommandOutcome, PollPolicy, Progress};

struct Args {
    region: Option<String>,
    command: String,
    timeout_secs: Option<i64>,
    instance_ids: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut region = None;
    let mut command = None;
    let mut timeout_secs = None;
    let mut instance_ids = Vec::new();
    let mut raw = std::env::args().skip(1);
    while let Some(arg) = raw.next() {
        match arg.as_str() {
            "--region" => region = Some(raw.next().ok_or("--region needs a value")?),
            "--command" => command = Some(raw.next().ok_or("--command needs a value")?),
            "--timeout" => {
                let value = raw.next().ok_or("--timeout needs a number of seconds")?;
                timeout_secs = Some(value.parse().map_err(|_| "--timeout: not a number")?);
            }
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with('-') => return Err(format!("unknown flag {flag}")),
            id => instance_ids.push(id.to_owned()),
        }
    }
    let command = command.ok_or("give the command with --command")?;
    if instance_ids.is_empty() {
        return Err("give at least one instance id".into());
    }
    Ok(Args {
        region,
        command,
        timeout_secs,
        instance_ids,
    })
}

/// The output, indented under its instance.
fn indented(text: &str) -> String {
    text.lines().map(|line| format!("    | {line}\n")).collect()
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(problem) => {
            eprintln!(
                "{problem}\nusage: run_command [--region REGION] --command 'COMMAND' [--timeout SECONDS] INSTANCE_ID..."
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

    let mut run = client
        .command_run(args.command, args.instance_ids)
        .poll(PollPolicy::default())
        .on_progress(Progress::callback(|event: &CommandEvent| match event {
            CommandEvent::Sent {
                batch,
                batches,
                instances,
                invoke_ids,
                ..
            } => eprintln!(
                "batch {batch}/{batches}: {instances} instance(s), invocation(s) {}",
                invoke_ids.join(", ")
            ),
            CommandEvent::Status { finished, running } => {
                eprintln!("results: {finished} in, {running} to wait for")
            }
            CommandEvent::Resending { failure, attempt } => eprintln!(
                "RunCommand failed ({}), sending again with the same ClientToken (attempt {attempt})",
                failure.summary()
            ),
            _ => {}
        }));
    if let Some(timeout) = args.timeout_secs {
        run = run.timeout_secs(timeout);
    }
    let report = run.send().await;

    for (instance_id, outcome) in &report.outcomes {
        println!("== {instance_id}");
        match outcome {
            CommandOutcome::Finished(result) => {
                let exit = result
                    .exit_code
                    .map_or_else(|| "-".to_owned(), |code| code.to_string());
                println!("  status: {} (exit code {exit})", result.status);
                if let Some(code) = &result.error_code {
                    println!(
                        "  error: {code}: {}",
                        result.error_message.as_deref().unwrap_or("")
                    );
                }
                if result.output_truncated {
                    println!(
                        "  output ({} bytes cut off by the service):",
                        result.dropped_bytes
                    );
                } else {
                    println!("  output:");
                }
                print!("{}", indented(&result.output));
            }
            CommandOutcome::NotFound => println!("  not found (InvalidInstance.NotFound)"),
            CommandOutcome::StillRunning {
                invoke_id,
                last_status,
            } => println!(
                "  still running at the deadline (invocation {invoke_id}, last status {})",
                last_status.as_deref().unwrap_or("-")
            ),
            CommandOutcome::Failed(failure) | CommandOutcome::NotSent(failure) => println!(
                "  failed at the {:?} step: code {} request id {}: {}",
                failure.step,
                failure.code.as_deref().unwrap_or("-"),
                failure.request_id.as_deref().unwrap_or("-"),
                failure.message
            ),
            other => println!("  {other:?}"),
        }
    }
    if report.all_succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
