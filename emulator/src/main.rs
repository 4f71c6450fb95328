//! The `aliyun-emulator` binary: the emulator library behind command-line flags.
//!
//! The first line on stdout is `listening on http://HOST:PORT` (flushed), so scripts and tests
//! can start it on port 0 and read the address; everything else goes to stderr.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use aliyun_emulator::{AccessKey, Emulator, EmulatorBuilder, Fault, Instance};
use clap::{CommandFactory, FromArgMatches, Parser};

/// A local Alibaba Cloud endpoint for tests: serves every action of the embedded specs, checks
/// signatures and parameters like the real service, and injects faults on demand.
#[derive(Debug, Parser)]
#[command(name = "aliyun-emulator", version)]
struct Cli {
    /// Address to listen on (port 0: any free port; the first stdout line tells which).
    #[arg(long, default_value = "127.0.0.1:4590")]
    listen: SocketAddr,

    /// Accept this key pair, `ID:SECRET` (repeatable). Any key given replaces the default
    /// development keys.
    #[arg(long = "access-key", value_name = "ID:SECRET")]
    access_keys: Vec<String>,

    /// Accept this STS key, `ID:SECRET:TOKEN` (repeatable); requests must carry the token.
    #[arg(long = "sts-key", value_name = "ID:SECRET:TOKEN")]
    sts_keys: Vec<String>,

    /// Instances to add (repeatable): a file (JSON array of instances, or one spec per line) or
    /// inline specs separated by `;`, e.g. `i-web{1..60},os=Windows;i-db1,status=Stopped`.
    /// Spec keys: region, os, status, cloud_assistant, cms, cms_install, cloud_assistant_install
    /// (ok|fail_once|fail_always), locked.
    #[arg(long = "instances", value_name = "FILE|SPEC")]
    instances: Vec<String>,

    /// Start without the default instances (i-emu000001..48).
    #[arg(long)]
    no_default_instances: bool,

    /// Inject a fault (repeatable), `KIND[:key=value,...]`, e.g.
    /// `throttling:action=DescribeCloudAssistantStatus,times=2` or `latency:ms=500,fraction=0.1,seed=7`.
    /// Kinds: throttling, internal_error, service_unavailable, error, latency,
    /// close_connection, truncated_json, html_gateway, huge_body, empty_body, numbers_as_strings.
    #[arg(long = "fault", value_name = "SPEC")]
    faults: Vec<String>,

    /// Run the server's clock this many seconds ahead (negative: behind), to test clock skew.
    #[arg(
        long,
        default_value_t = 0,
        allow_negative_numbers = true,
        value_name = "SECS"
    )]
    clock_offset_secs: i64,

    /// Serve an extra spec file (repeatable); replaces an embedded spec of the same product and
    /// version.
    #[arg(long = "spec", value_name = "FILE")]
    specs: Vec<PathBuf>,

    /// Serve only the specs given with --spec.
    #[arg(long)]
    no_embedded_specs: bool,

    /// CMS: status polls that still report `installing` after NodeInstall.
    #[arg(long, default_value_t = 1, value_name = "N")]
    cms_install_polls: u32,

    /// CMS: milliseconds after which `installing` becomes `running` whatever the polls.
    #[arg(long, value_name = "MS")]
    cms_install_delay_ms: Option<u64>,

    /// ECS: milliseconds an emulated command runs before its results are final (RunCommand,
    /// InvokeCommand).
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    command_duration_ms: u64,

    /// ECS: milliseconds an instance stays Pending, Starting or Stopping before it settles.
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    instance_transition_ms: u64,

    /// Refuse actions the emulator does not model (HTTP 501, Emulator.NotModelled) instead of
    /// answering their spec's example body.
    #[arg(long)]
    strict: bool,

    /// Requests kept in the request log.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    log_capacity: usize,
}

fn after_help() -> String {
    format!(
        "Default keys (used when no --access-key/--sts-key is given):\n  \
         AccessKeyId {id}  AccessKeySecret {secret}\n  \
         STS: AccessKeyId {sts_id}  AccessKeySecret {sts_secret}  SecurityToken {token}\n\n\
         Admin API (JSON) under /_emulator/: health, config, modelled, requests, faults,\n\
         instances (and instances/ID/command-result), managed-instances, clock, reset.\n\
         Answers of modelled actions carry `x-emulator-answer: world`; the others answer their\n\
         spec's example body with `x-emulator-answer: example` (refused with --strict).\n\
         Logging: RUST_LOG (default info) to stderr.",
        id = aliyun_emulator::DEFAULT_ACCESS_KEY_ID,
        secret = aliyun_emulator::DEFAULT_ACCESS_KEY_SECRET,
        sts_id = aliyun_emulator::DEFAULT_STS_ACCESS_KEY_ID,
        sts_secret = aliyun_emulator::DEFAULT_STS_ACCESS_KEY_SECRET,
        token = aliyun_emulator::DEFAULT_STS_SECURITY_TOKEN,
    )
}

fn builder(cli: &Cli) -> Result<EmulatorBuilder, String> {
    let mut builder = Emulator::builder()
        .listen(cli.listen)
        .clock_offset_secs(cli.clock_offset_secs)
        .cms_install_polls(cli.cms_install_polls)
        .command_duration(Duration::from_millis(cli.command_duration_ms))
        .instance_transition(Duration::from_millis(cli.instance_transition_ms))
        .strict(cli.strict)
        .request_log_capacity(cli.log_capacity);
    for key in &cli.access_keys {
        let key = AccessKey::parse(key).map_err(|e| format!("--access-key: {e}"))?;
        if key.security_token().is_some() {
            return Err("--access-key takes ID:SECRET; use --sts-key for ID:SECRET:TOKEN".into());
        }
        builder = builder.key(key);
    }
    for key in &cli.sts_keys {
        let key = AccessKey::parse(key).map_err(|e| format!("--sts-key: {e}"))?;
        if key.security_token().is_none() {
            return Err("--sts-key takes ID:SECRET:TOKEN".into());
        }
        builder = builder.key(key);
    }
    for source in &cli.instances {
        builder = builder.instances(read_instances(source)?);
    }
    if cli.no_default_instances {
        builder = builder.no_default_instances();
    }
    for fault in &cli.faults {
        builder =
            builder.fault(Fault::parse(fault).map_err(|e| format!("--fault {fault:?}: {e}"))?);
    }
    for spec in &cli.specs {
        builder = builder.spec_file(spec);
    }
    if cli.no_embedded_specs {
        builder = builder.without_embedded_specs();
    }
    if let Some(ms) = cli.cms_install_delay_ms {
        builder = builder.cms_install_delay(Duration::from_millis(ms));
    }
    Ok(builder)
}

/// `--instances`: a file (JSON, or spec lines with `#` comments) or inline specs.
fn read_instances(source: &str) -> Result<Vec<Instance>, String> {
    let path = std::path::Path::new(source);
    if path.is_file() {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("--instances {source}: {e}"))?;
        if text.trim_start().starts_with(['[', '{']) {
            let value: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| format!("--instances {source}: {e}"))?;
            let items = match value {
                serde_json::Value::Array(items) => items,
                other => vec![other],
            };
            return items
                .into_iter()
                .map(|v| {
                    serde_json::from_value::<Instance>(v)
                        .map_err(|e| format!("--instances {source}: {e}"))
                })
                .collect();
        }
        return parse_specs(text.lines(), source);
    }
    parse_specs(source.split(';'), source)
}

fn parse_specs<'a>(
    lines: impl Iterator<Item = &'a str>,
    source: &str,
) -> Result<Vec<Instance>, String> {
    let mut out = Vec::new();
    for line in lines
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        out.extend(Instance::parse_list(line).map_err(|e| format!("--instances {source}: {e}"))?);
    }
    Ok(out)
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

fn main() -> ExitCode {
    let matches = Cli::command().after_help(after_help()).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let builder = match builder(&cli) {
        Ok(builder) => builder,
        Err(e) => {
            eprintln!("aliyun-emulator: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("aliyun-emulator: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let emulator = match builder.start().await {
            Ok(emulator) => emulator,
            Err(e) => {
                eprintln!("aliyun-emulator: {e}");
                return ExitCode::FAILURE;
            }
        };
        let mut stdout = std::io::stdout();
        let _ = writeln!(stdout, "listening on {}", emulator.base_url());
        let _ = stdout.flush();
        tracing::info!(
            products = ?aliyun_emulator::embedded_spec_names(),
            instances = emulator.instances().len(),
            "serving; admin API under {}/_emulator/",
            emulator.base_url()
        );
        wait_for_signal().await;
        tracing::info!("shutting down");
        emulator.shutdown().await;
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
        let help = after_help();
        assert!(help.contains(aliyun_emulator::DEFAULT_ACCESS_KEY_ID));
        assert!(help.contains(aliyun_emulator::DEFAULT_ACCESS_KEY_SECRET));
    }

    #[test]
    fn flags_build_an_emulator() {
        let cli = Cli::try_parse_from([
            "aliyun-emulator",
            "--listen",
            "127.0.0.1:0",
            "--access-key",
            "id:secret",
            "--sts-key",
            "STS.id:secret:token",
            "--instances",
            "i-a{1..3},os=Windows;i-b,status=Stopped",
            "--fault",
            "throttling:times=2",
            "--clock-offset-secs",
            "-1200",
        ])
        .unwrap();
        assert_eq!(cli.clock_offset_secs, -1200);
        assert!(builder(&cli).is_ok());
        assert_eq!(read_instances("i-a{1..3},os=Windows;i-b").unwrap().len(), 4);
        for bad in [
            ["--access-key", "id:secret:token"],
            ["--sts-key", "id:secret"],
            ["--fault", "bogus"],
            ["--instances", "i-1,status=Flying"],
        ] {
            let cli = Cli::try_parse_from(["aliyun-emulator", bad[0], bad[1]]).unwrap();
            assert!(builder(&cli).is_err(), "{bad:?}");
        }
    }
}
