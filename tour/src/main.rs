//! The aliyun-rs tour: the main job, end to end.
//!
//! Installs the cloud assistant on a fleet (more instances than one call takes, so it batches),
//! reboots them and waits until the status says installed, runs `uname -a` on every instance
//! and shows a few outputs, installs the CloudMonitor agent (API 2019-01-01) and waits for
//! `running`, shows each instance's latest `cpu_total`, memory use and host CPU, one typed
//! error, and a summary table.
//!
//! ```sh
//! cargo run -p aliyun-tour                       # no credentials: on the embedded emulator
//! cargo run -p aliyun-tour -- i-aaa i-bbb        # with credentials: install the cloud assistant
//! cargo run -p aliyun-tour -- --reboot --run 'uname -a' --agent i-aaa i-bbb   # ... and the rest
//! ```
//!
//! With no credentials in the environment it starts the embedded emulator itself and says so.
//! With credentials it talks to Alibaba Cloud, takes the instance ids from its arguments, and
//! reboots nothing unless `--reboot` is passed, runs nothing unless `--run 'COMMAND'` is
//! passed, and installs the CloudMonitor agent only with `--agent`.
//!
//! A status poll that fails for good (`Forbidden.RAM` for a RAM user without the permission,
//! `InvalidAction.NotFound`) fails its instances at once; the summary names the step, code and
//! request id of every failed instance, and the exit status is 1. To see it on the emulator:
//! `cargo run -p aliyun-tour -- --emulator --fault error:status=403,code=Forbidden.RAM,action=DescribeMonitoringAgentStatuses`.

mod steps;
mod table;

use std::process::ExitCode;
use std::time::Duration;

use aliyun_core::env::Environment;
use aliyun_core::workflow::PollPolicy;
use aliyun_core::{Config, ConfigBuilder};
use aliyun_emulator::{Emulator, FailMode, Fault, Instance};

const USAGE: &str = "\
usage: aliyun-tour [--region REGION] [--reboot] [--run COMMAND] [--agent] [--emulator]
                   [--fault FAULT]... [INSTANCE_ID...]

With no credentials in the environment (ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET), or with
--emulator, the tour runs on an embedded emulator with a made-up fleet (and runs `uname -a`
there, which the emulator only pretends to); --fault injects an emulator fault (e.g.
error:status=403,code=Forbidden.RAM,action=DescribeMonitoringAgentStatuses). Otherwise it calls
Alibaba Cloud for the instances given: it installs the cloud assistant, reboots them only with
--reboot, runs a command only with --run 'COMMAND', and installs the CloudMonitor agent only
with --agent. Exits with status 1 if any instance failed.";

/// The command the emulated tour runs.
const EMULATED_COMMAND: &str = "uname -a";

/// Variables that mean "credentials are in the environment" (the official names and the
/// aliases the aliyun CLI reads).
const KEY_ID_VARS: [&str; 3] = [
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABACLOUD_ACCESS_KEY_ID",
    "ALICLOUD_ACCESS_KEY_ID",
];

/// Instances in the emulated fleet: more than the 20 one `InstallCloudAssistant` call takes.
const FLEET_SIZE: usize = 45;

/// A made-up id no fleet has, for the typed-error step.
const UNKNOWN_INSTANCE: &str = "i-tour-does-not-exist";

/// What the command line asked for.
#[derive(Debug, Default)]
struct Args {
    region: Option<String>,
    command: Option<String>,
    install_agent: bool,
    reboot: bool,
    force_emulator: bool,
    faults: Vec<Fault>,
    instance_ids: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args::default();
    let mut raw = std::env::args().skip(1);
    while let Some(arg) = raw.next() {
        match arg.as_str() {
            "--region" => args.region = Some(raw.next().ok_or("--region needs a value")?),
            "--run" => args.command = Some(raw.next().ok_or("--run needs a command")?),
            "--agent" => args.install_agent = true,
            "--reboot" => args.reboot = true,
            "--emulator" => args.force_emulator = true,
            "--fault" => {
                let text = raw.next().ok_or("--fault needs a value")?;
                args.faults
                    .push(Fault::parse(&text).map_err(|e| format!("--fault: {e}"))?);
            }
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with('-') => return Err(format!("unknown flag {flag}")),
            id => args.instance_ids.push(id.to_owned()),
        }
    }
    Ok(args)
}

/// Where the tour runs and on what.
pub struct Setup {
    /// The SDK configuration.
    pub config: Config,
    /// The fleet.
    pub instance_ids: Vec<String>,
    /// The command to run on the fleet, if any.
    pub command: Option<String>,
    /// Whether to install the CloudMonitor agent.
    pub install_agent: bool,
    /// Whether to reboot.
    pub reboot: bool,
    /// How to poll statuses.
    pub poll: PollPolicy,
    /// The embedded emulator, kept alive for the tour.
    pub emulator: Option<Emulator>,
}

async fn emulated_setup(args: &Args) -> Result<Setup, String> {
    // One instance fails its first agent install, to show the Force re-install.
    let fleet = (1..=FLEET_SIZE).map(|n| {
        let instance = Instance::new(format!("i-tour{n:04}"));
        if n == 7 {
            instance.cms_install_fails(FailMode::Once)
        } else {
            instance
        }
    });
    let emulator = args
        .faults
        .iter()
        .cloned()
        .fold(
            Emulator::builder()
                .no_default_instances()
                .instances(fleet)
                // Emulated commands finish quickly: the tour runs in CI.
                .command_duration(Duration::from_millis(200)),
            |builder, fault| builder.fault(fault),
        )
        .start()
        .await
        .map_err(|e| format!("cannot start the emulator: {e}"))?;
    println!(
        "No Alibaba Cloud credentials in the environment{}: using the embedded emulator at {}",
        if args.force_emulator {
            " (or --emulator)"
        } else {
            ""
        },
        emulator.base_url()
    );
    println!("(fleet of {FLEET_SIZE} made-up instances in cn-hangzhou; nothing real is touched)\n");
    let config = emulator
        .sdk_config_builder()
        .build()
        .map_err(|e| e.to_string())?;
    Ok(Setup {
        config,
        instance_ids: emulator.instances().into_iter().map(|i| i.id).collect(),
        command: Some(
            args.command
                .clone()
                .unwrap_or_else(|| EMULATED_COMMAND.to_owned()),
        ),
        install_agent: true,
        reboot: true,
        poll: PollPolicy {
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
            multiplier: 2.0,
            deadline: Duration::from_secs(60),
        },
        emulator: Some(emulator),
    })
}

fn real_setup(args: Args, env: &Environment) -> Result<Setup, String> {
    if !args.faults.is_empty() {
        return Err("--fault only applies to the emulator (add --emulator)".into());
    }
    if args.instance_ids.is_empty() {
        return Err("credentials found: give the instance ids to work on (or --emulator)".into());
    }
    let mut builder = ConfigBuilder::from_environment(env).map_err(|e| e.to_string())?;
    if let Some(region) = &args.region {
        builder = builder.region(region.clone());
    }
    let config = builder.build().map_err(|e| e.to_string())?;
    println!(
        "Credentials found: calling Alibaba Cloud in {} for {} instance(s).",
        config.region().unwrap_or("the central endpoint's region"),
        args.instance_ids.len()
    );
    if !args.reboot {
        println!("Not rebooting (pass --reboot): the client takes effect at the next restart.");
    }
    match &args.command {
        Some(command) => println!("Running '{command}' on every instance (--run)."),
        None => println!("Not running any command (pass --run 'COMMAND')."),
    }
    if !args.install_agent {
        println!("Not installing the CloudMonitor agent (pass --agent).");
    }
    println!();
    Ok(Setup {
        config,
        instance_ids: args.instance_ids,
        command: args.command,
        install_agent: args.install_agent,
        reboot: args.reboot,
        poll: PollPolicy::default(),
        emulator: None,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(problem) => {
            if !problem.is_empty() {
                eprintln!("{problem}\n");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let env = Environment::process();
    let has_credentials = env.first_var(&KEY_ID_VARS).is_some();
    let setup = if args.force_emulator || !has_credentials {
        emulated_setup(&args).await
    } else {
        real_setup(args, &env)
    };
    let setup = match setup {
        Ok(setup) => setup,
        Err(problem) => {
            eprintln!("{problem}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = steps::run(&setup).await;
    if let Some(emulator) = setup.emulator {
        emulator.shutdown().await;
    }
    if outcome.all_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aliyun_cms::workflow::Step as AgentStep;

    /// A tour whose `DescribeMonitoringAgentStatuses` answers `403 Forbidden.RAM` ends after
    /// one status poll,
    /// with every agent failed at the status step and the code named; nothing waits out the
    /// 10-minute deadline.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_forbidden_status_poll_ends_the_tour_at_once_naming_the_code() {
        let args = Args {
            force_emulator: true,
            faults: vec![
                Fault::parse(
                    "error:status=403,code=Forbidden.RAM,action=DescribeMonitoringAgentStatuses",
                )
                .expect("fault"),
            ],
            ..Args::default()
        };
        let mut setup = emulated_setup(&args).await.expect("setup");
        setup.poll = PollPolicy::default();
        let outcome = steps::run(&setup).await;
        assert!(!outcome.all_ok());
        let agents = &outcome.monitoring.as_ref().expect("agent step ran").agents;
        assert_eq!(agents.failures().count(), FLEET_SIZE);
        for (_, failure) in agents.failures() {
            assert_eq!(failure.step, AgentStep::Status);
            assert_eq!(failure.code.as_deref(), Some("Forbidden.RAM"));
            assert!(failure.request_id.is_some());
        }
        let emulator = setup.emulator.expect("emulator");
        // Each instance was asked about once: nothing waited for a second look.
        let mut asked: Vec<String> = emulator
            .requests_for("DescribeMonitoringAgentStatuses")
            .iter()
            .flat_map(|r| {
                r.params["InstanceIds"]
                    .split(',')
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect();
        asked.sort();
        let mut fleet = setup.instance_ids.clone();
        fleet.sort();
        assert_eq!(asked, fleet);
        emulator.shutdown().await;
    }
}
