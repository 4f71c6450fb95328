//! The summary table.

use aliyun_cms::workflow::{AgentOutcome, MonitoringReport};
use aliyun_core::workflow::Failure;
use aliyun_ecs::workflow::{CommandOutcome, CommandReport, InstanceOutcome, RolloutReport};

use crate::steps::MetricColumn;

fn assistant_cell(outcome: Option<&InstanceOutcome>) -> String {
    match outcome {
        Some(InstanceOutcome::Installed) => "installed".into(),
        Some(InstanceOutcome::PendingReboot) => "pending reboot".into(),
        Some(InstanceOutcome::NotReported) => "not reported".into(),
        Some(InstanceOutcome::NotFound) => "not found".into(),
        Some(InstanceOutcome::Failed(f)) => {
            format!("failed ({})", f.code.as_deref().unwrap_or("error"))
        }
        Some(other) => format!("{other:?}"),
        None => "-".into(),
    }
}

fn command_cell(report: Option<&CommandReport>, id: &str) -> String {
    match report.and_then(|r| r.outcome(id)) {
        Some(CommandOutcome::Finished(result)) => match (result.exit_code, &result.error_code) {
            (Some(code), _) => format!("{} (exit {code})", result.status),
            (None, Some(error)) => format!("{} ({error})", result.status),
            (None, None) => result.status.clone(),
        },
        Some(CommandOutcome::NotFound) => "not found".into(),
        Some(CommandOutcome::StillRunning { .. }) => "still running".into(),
        Some(CommandOutcome::Failed(f) | CommandOutcome::NotSent(f)) => {
            format!("failed ({})", f.code.as_deref().unwrap_or("error"))
        }
        Some(other) => format!("{other:?}"),
        None => "-".into(),
    }
}

fn agent_cells(report: Option<&MonitoringReport>, id: &str) -> (String, String) {
    let Some(report) = report else {
        return ("-".into(), "-".into());
    };
    let Some(result) = report.agents.result(id) else {
        return ("-".into(), "-".into());
    };
    let state = match &result.outcome {
        AgentOutcome::Running if result.install_attempts > 1 => {
            format!("running ({} installs)", result.install_attempts)
        }
        AgentOutcome::Running => "running".to_owned(),
        AgentOutcome::NotFound => "not found".to_owned(),
        AgentOutcome::TimedOut(last) => format!(
            "timed out ({})",
            last.as_ref().map(|s| s.as_str()).unwrap_or("no status")
        ),
        AgentOutcome::Failed(f) => format!("failed ({})", f.code.as_deref().unwrap_or("error")),
        other => format!("{other:?}"),
    };
    let cpu = report
        .cpu_total
        .iter()
        .find(|(instance, _)| instance == id)
        .and_then(|(_, point)| point.as_ref())
        .and_then(|point| point.average)
        .map_or_else(|| "-".to_owned(), |average| format!("{average:.2}%"));
    (state, cpu)
}

/// Prints one row per instance and a totals line.
pub fn print(
    instance_ids: &[String],
    rollout: &RolloutReport,
    command: Option<&CommandReport>,
    monitoring: Option<&MonitoringReport>,
    metrics: &[MetricColumn],
) {
    println!("5. Summary");
    let headings: String = metrics
        .iter()
        .map(|column| format!(" {:<11}", column.heading))
        .collect();
    println!(
        "   {:<24} {:<16} {:<20} {:<22} {:<10}{}",
        "INSTANCE",
        "CLOUD ASSISTANT",
        "COMMAND",
        "CLOUDMONITOR AGENT",
        "CPU_TOTAL",
        headings.trim_end()
    );
    for id in instance_ids {
        let (agent, cpu) = agent_cells(monitoring, id);
        let more: String = metrics
            .iter()
            .map(|column| {
                let cell = column
                    .average(id)
                    .map_or_else(|| "-".to_owned(), |average| format!("{average:.2}%"));
                format!(" {cell:<11}")
            })
            .collect();
        println!(
            "   {:<24} {:<16} {:<20} {:<22} {:<10}{}",
            id,
            assistant_cell(rollout.outcome(id)),
            command_cell(command, id),
            agent,
            cpu,
            more.trim_end()
        );
    }
    let counts = rollout.counts();
    let succeeded = command.map(|r| r.outcomes.iter().filter(|(_, o)| o.succeeded()).count());
    let running = monitoring.map(|r| (r.agents.running().count(), r.reporting().count()));
    println!(
        "   {} instances: cloud assistant installed on {}{}{}",
        instance_ids.len(),
        counts.installed + counts.pending_reboot,
        succeeded
            .map(|n| format!(", command succeeded on {n}"))
            .unwrap_or_default(),
        running
            .map(|(n, cpu)| {
                let more: String = metrics
                    .iter()
                    .map(|c| format!(", {} {}", c.averages.len(), c.metric))
                    .collect();
                format!(", CloudMonitor agent running on {n} ({cpu} reporting cpu_total{more})")
            })
            .unwrap_or_default()
    );
    print_failures(rollout, command, monitoring);
}

/// One line per failed instance and workflow (the step, code and request id), then the full
/// message of the first failure of each code.
fn print_failures(
    rollout: &RolloutReport,
    command: Option<&CommandReport>,
    monitoring: Option<&MonitoringReport>,
) {
    let assistant = rollout
        .failures()
        .map(|(id, failure)| FailedLine::new(id, "cloud assistant", failure));
    let commands = command
        .into_iter()
        .flat_map(|report| &report.outcomes)
        .filter_map(|(id, outcome)| match outcome {
            CommandOutcome::Failed(failure) | CommandOutcome::NotSent(failure) => {
                Some(FailedLine::new(id, "command", failure))
            }
            _ => None,
        });
    let agent = monitoring
        .into_iter()
        .flat_map(|report| report.agents.failures())
        .map(|(id, failure)| FailedLine::new(id, "CloudMonitor agent", failure));
    let lines: Vec<FailedLine> = assistant.chain(commands).chain(agent).collect();
    if lines.is_empty() {
        return;
    }
    println!("\n   Failed ({}):", lines.len());
    let mut explained: Vec<Option<&str>> = Vec::new();
    for line in &lines {
        println!("   {}", line.text);
    }
    for line in &lines {
        if !explained.contains(&line.code) {
            explained.push(line.code);
            println!("   {}: {}", line.code.unwrap_or("error"), line.message);
        }
    }
}

/// One failed instance, as printed.
struct FailedLine<'a> {
    text: String,
    code: Option<&'a str>,
    message: &'a str,
}

impl<'a> FailedLine<'a> {
    fn new<S: std::fmt::Debug>(id: &str, workflow: &str, failure: &'a Failure<S>) -> Self {
        FailedLine {
            text: format!(
                "{id}: {workflow} failed at the {:?} step: {}",
                failure.step,
                failure.summary()
            ),
            code: failure.code.as_deref(),
            message: &failure.message,
        }
    }
}
