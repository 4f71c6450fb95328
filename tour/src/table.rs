//! The summary table.

use aliyun_cms::v20170301::workflow::{AgentOutcome, AgentReport};
use aliyun_core::workflow::Failure;
use aliyun_ecs::workflow::{InstanceOutcome, RolloutReport};

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

fn agent_cells(report: Option<&AgentReport>, id: &str) -> (String, String) {
    let Some(result) = report.and_then(|r| r.result(id)) else {
        return ("-".into(), "-".into());
    };
    let state = match &result.outcome {
        AgentOutcome::Running => "running".to_owned(),
        AgentOutcome::NotFound => "not found".to_owned(),
        AgentOutcome::TimedOut(last) => format!(
            "timed out ({})",
            last.as_ref().map(|s| s.as_str()).unwrap_or("no status")
        ),
        AgentOutcome::Failed(f) => format!("failed ({})", f.code.as_deref().unwrap_or("error")),
        other => format!("{other:?}"),
    };
    (state, result.install_attempts.to_string())
}

/// Prints one row per instance and a totals line.
pub fn print(instance_ids: &[String], rollout: &RolloutReport, agents: Option<&AgentReport>) {
    println!("4. Summary");
    println!(
        "   {:<24} {:<18} {:<22} NODEINSTALL CALLS",
        "INSTANCE", "CLOUD ASSISTANT", "CLOUDMONITOR AGENT"
    );
    for id in instance_ids {
        let (agent, calls) = agent_cells(agents, id);
        println!(
            "   {:<24} {:<18} {:<22} {}",
            id,
            assistant_cell(rollout.outcome(id)),
            agent,
            calls
        );
    }
    let counts = rollout.counts();
    let running = agents.map(|r| r.running().count());
    println!(
        "   {} instances: cloud assistant installed on {}{}",
        instance_ids.len(),
        counts.installed + counts.pending_reboot,
        running
            .map(|n| format!(", CloudMonitor agent running on {n}"))
            .unwrap_or_default()
    );
    print_failures(rollout, agents);
}

/// One line per failed instance and workflow (the step, code and request id), then the full
/// message of the first failure of each code.
fn print_failures(rollout: &RolloutReport, agents: Option<&AgentReport>) {
    let assistant = rollout
        .failures()
        .map(|(id, failure)| FailedLine::new(id, "cloud assistant", failure));
    let agent = agents
        .into_iter()
        .flat_map(AgentReport::failures)
        .map(|(id, failure)| FailedLine::new(id, "CloudMonitor agent", failure));
    let lines: Vec<FailedLine> = assistant.chain(agent).collect();
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
