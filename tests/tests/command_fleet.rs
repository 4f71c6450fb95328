//! Running a command on a fleet end to end against the emulator: 137 instances, some unknown,
//! throttled calls, a dropped connection after a `RunCommand` ran, an instance whose command
//! exits non-zero, one without the cloud assistant, one whose output is truncated.
//!
//! On a paused tokio clock through the emulator's in-process transport: the waits (retry
//! backoff, result polls, the emulated command run time) pass in virtual time, and nothing
//! sleeps for real.

use std::collections::{BTreeMap, BTreeSet};

use aliyun_ecs::action::run_command::RunCommandInput;
use aliyun_ecs::workflow::{CommandOutcome, CommandStep, PollPolicy};
use aliyun_emulator::{CloudAssistantState, CommandResult, Fault, Instance};
use aliyun_tests::{emulator_with, ids, in_process_config};

const COMMAND: &str = "uname -a";

/// An instance that can run commands.
fn ready(id: &str) -> Instance {
    Instance::new(id).cloud_assistant(CloudAssistantState::Installed)
}

/// The instance ids of one logged `RunCommand`.
fn instance_ids_of(request: &aliyun_emulator::LoggedRequest) -> Vec<String> {
    request
        .params
        .iter()
        .filter(|(name, _)| name.starts_with("InstanceId."))
        .map(|(_, id)| id.clone())
        .collect()
}

/// The text the emulator reports for a command it did not run.
fn default_output(instance_id: &str) -> String {
    format!(
        "[aliyun-emulator] RunShellScript ran '{COMMAND}' on {instance_id} (emulated: nothing was executed)\n"
    )
}

#[tokio::test(start_paused = true)]
async fn a_command_on_137_instances_with_unknown_ids_throttling_and_failures() {
    let known = ids("i-cmd", 1, 130);
    let unknown = ids("i-ghost", 1, 7);
    let mut all = known.clone();
    for (n, ghost) in unknown.iter().enumerate() {
        all.insert(n * 19 + 5, ghost.clone());
    }
    assert_eq!(all.len(), 137);
    let (exits_3, no_client, truncated) = (&known[10], &known[70], &known[120]);
    let instances = known.iter().map(|id| match id {
        id if id == exits_3 => ready(id).command_result(CommandResult::exit(3, "disk full\n")),
        id if id == no_client => Instance::new(id),
        id if id == truncated => {
            ready(id).command_result(CommandResult::exit(0, "long\n").dropped(4096))
        }
        id => ready(id),
    });
    let emulator = emulator_with(instances)
        .fault(Fault::throttling().action("RunCommand").times(4))
        // The first accepted RunCommand loses its answer: the SDK sends it again with the
        // same ClientToken, and the emulator answers the same invocation.
        .fault(
            Fault::close_connection()
                .action("RunCommand")
                .after_action()
                .times(1),
        )
        .fault(
            Fault::throttling()
                .action("DescribeInvocationResults")
                .times(3),
        )
        .start()
        .await
        .expect("emulator");
    let ecs = aliyun_ecs::Client::new(&in_process_config(&emulator));

    let report = ecs
        .command_run(COMMAND, all.clone())
        .batch_size(50)
        .concurrency(3)
        .poll(PollPolicy::default())
        .send()
        .await;

    // One outcome per instance, in the order given.
    let order: Vec<&str> = report.outcomes.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(order, all.iter().map(String::as_str).collect::<Vec<_>>());
    for id in &unknown {
        assert_eq!(report.outcome(id), Some(&CommandOutcome::NotFound), "{id}");
    }
    for id in &known {
        let Some(CommandOutcome::Finished(result)) = report.outcome(id) else {
            panic!("{id}: {:?}", report.outcome(id));
        };
        if id == exits_3 {
            assert_eq!(result.status, "Failed");
            assert_eq!(result.exit_code, Some(3));
            assert_eq!(result.output, "disk full\n");
            assert_eq!(result.error_code.as_deref(), Some("ExitCodeNonzero"));
            assert!(!result.succeeded());
        } else if id == no_client {
            assert_eq!(result.status, "Failed");
            assert_eq!(result.exit_code, None);
            assert_eq!(result.error_code.as_deref(), Some("ClientNotRunning"));
            assert!(result.error_message.is_some());
        } else if id == truncated {
            assert!(result.succeeded());
            assert!(result.output_truncated);
            assert_eq!(result.dropped_bytes, 4096);
        } else {
            assert!(result.succeeded(), "{id}: {result:?}");
            assert_eq!(result.output, default_output(id));
            assert!(!result.output_truncated);
        }
    }
    let unsuccessful: BTreeSet<&str> = report.unsuccessful().map(|(id, _)| id).collect();
    let mut expected: BTreeSet<&str> = unknown.iter().map(String::as_str).collect();
    expected.extend([exits_3.as_str(), no_client.as_str()]);
    assert_eq!(unsuccessful, expected);

    // Batches respected the limit; throttled and dropped calls were repeated.
    let runs = emulator.requests_for("RunCommand");
    let per_call = 50.min(RunCommandInput::INSTANCE_ID_MAX_ITEMS);
    let largest = runs.iter().map(|r| instance_ids_of(r).len()).max();
    assert_eq!(largest, Some(per_call));
    let throttled = runs
        .iter()
        .filter(|r| r.error_code() == Some("Throttling.User"))
        .count();
    assert_eq!(throttled, 4);
    assert!(
        runs.iter()
            .any(|r| r.faults.contains(&"close_connection".to_owned()))
    );

    // One ClientToken per distinct call, the same on all of its repeats.
    let mut by_token: BTreeMap<String, BTreeSet<Vec<String>>> = BTreeMap::new();
    for request in &runs {
        let token = request
            .param("ClientToken")
            .expect("every RunCommand has a token");
        by_token
            .entry(token.to_owned())
            .or_default()
            .insert(instance_ids_of(request));
    }
    assert!(
        by_token.values().all(|sets| sets.len() == 1),
        "a token is reused for other instances"
    );
    let sets: BTreeSet<&Vec<String>> = by_token.values().flatten().collect();
    assert_eq!(sets.len(), by_token.len(), "two calls share a token");
    assert!(runs.len() > by_token.len(), "some call was repeated");

    // Every known instance ran in exactly one invocation, even the call whose answer was lost.
    let accepted_tokens: BTreeSet<&str> = runs
        .iter()
        .filter(|r| r.is_ok())
        .filter_map(|r| r.param("ClientToken"))
        .collect();
    assert_eq!(report.invoke_ids.len(), accepted_tokens.len());
    let invocations = ecs
        .describe_invocations()
        .max_results(50)
        .into_paginator()
        .collect_items()
        .await
        .expect("invocations");
    assert_eq!(invocations.len(), report.invoke_ids.len());
    let mut ran: BTreeMap<String, usize> = BTreeMap::new();
    for invocation in &invocations {
        for instance in &invocation.invoke_instances {
            *ran.entry(instance.instance_id.clone().unwrap_or_default())
                .or_default() += 1;
        }
    }
    assert_eq!(ran.len(), 130);
    assert!(ran.values().all(|n| *n == 1), "{ran:?}");
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_permanent_run_error_stops_sending() {
    let fleet = ids("i-deny", 1, 40);
    let emulator = emulator_with(fleet.iter().map(|id| ready(id)))
        .fault(Fault::error(403, "Forbidden.RAM", "User not authorized.").action("RunCommand"))
        .start()
        .await
        .expect("emulator");
    let ecs = aliyun_ecs::Client::new(&in_process_config(&emulator));
    let report = ecs
        .command_run(COMMAND, fleet.clone())
        .batch_size(10)
        .concurrency(1)
        .send()
        .await;
    assert_eq!(emulator.requests_for("RunCommand").len(), 1);
    for (id, outcome) in &report.outcomes {
        let (CommandOutcome::Failed(failure) | CommandOutcome::NotSent(failure)) = outcome else {
            panic!("{id}: {outcome:?}");
        };
        assert_eq!(failure.step, CommandStep::Run);
        assert_eq!(failure.code.as_deref(), Some("Forbidden.RAM"));
    }
    let failed = report
        .outcomes
        .iter()
        .filter(|(_, o)| matches!(o, CommandOutcome::Failed(_)))
        .count();
    assert_eq!(failed, 10, "the first batch failed, the rest were not sent");
    assert!(
        emulator
            .requests_for("DescribeInvocationResults")
            .is_empty()
    );
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_permanent_results_error_fails_its_instances_at_once() {
    let fleet = ids("i-peek", 1, 12);
    let emulator = emulator_with(fleet.iter().map(|id| ready(id)))
        .fault(
            Fault::error(403, "Forbidden.RAM", "User not authorized.")
                .action("DescribeInvocationResults"),
        )
        .start()
        .await
        .expect("emulator");
    let ecs = aliyun_ecs::Client::new(&in_process_config(&emulator));
    let started = tokio::time::Instant::now();
    let report = ecs
        .command_run(COMMAND, fleet.clone())
        .poll(PollPolicy::default())
        .send()
        .await;
    // The default policy's first wait is 2 s: ending at once means no second look.
    assert_eq!(started.elapsed(), std::time::Duration::ZERO);
    for (id, outcome) in &report.outcomes {
        let CommandOutcome::Failed(failure) = outcome else {
            panic!("{id}: {outcome:?}");
        };
        assert_eq!(failure.step, CommandStep::Results);
        assert_eq!(failure.code.as_deref(), Some("Forbidden.RAM"));
        assert!(failure.request_id.is_some());
    }
    assert_eq!(emulator.requests_for("DescribeInvocationResults").len(), 1);
    emulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn results_still_running_at_the_deadline_say_so() {
    let fleet = ids("i-slow", 1, 3);
    let emulator = emulator_with(fleet.iter().map(|id| ready(id)))
        .command_duration(std::time::Duration::from_secs(3600))
        .start()
        .await
        .expect("emulator");
    let ecs = aliyun_ecs::Client::new(&in_process_config(&emulator));
    let report = ecs
        .command_run(COMMAND, fleet.clone())
        .poll(PollPolicy::with_deadline(std::time::Duration::from_secs(
            60,
        )))
        .send()
        .await;
    for (id, outcome) in &report.outcomes {
        let CommandOutcome::StillRunning { last_status, .. } = outcome else {
            panic!("{id}: {outcome:?}");
        };
        assert_eq!(last_status.as_deref(), Some("Running"));
    }
    assert!(!report.all_succeeded());
    emulator.shutdown().await;
}
