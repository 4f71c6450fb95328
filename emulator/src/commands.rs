//! The cloud assistant's command runs: saved commands (`CreateCommand`), invocations with one
//! result per instance (`RunCommand`, `InvokeCommand`), and the client tokens that make a
//! repeated request return the first one's answer instead of running again.
//!
//! Nothing is ever executed. Each instance's result is fixed when the invocation is created:
//! the instance's [`CommandResult`] if one is set, a failure if the instance cannot run
//! commands (not running, no cloud assistant), or else success with a text naming the command.
//! Results read `Running` until the configured run time has passed on the tokio clock (so a
//! paused test clock moves them on), then the fixed result.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How long an emulated command runs before its results are final, by default.
pub const DEFAULT_COMMAND_DURATION: Duration = Duration::from_secs(1);

/// What a command run reports for one instance (`DescribeInvocationResults`): set on an
/// [`Instance`](crate::Instance), through [`Emulator::set_command_result`](crate::Emulator::set_command_result)
/// or `PUT /_emulator/instances/{id}/command-result`, in place of the default success.
///
/// ```
/// use aliyun_emulator::CommandResult;
/// let failing = CommandResult::exit(2, "disk full\n");
/// assert_eq!(failing.status, "Failed");
/// assert_eq!(failing.error_code.as_deref(), Some("ExitCodeNonzero"));
/// let json: CommandResult = serde_json::from_str(r#"{"status":"Timeout","error_code":"ExecutionTimeout"}"#).unwrap();
/// assert_eq!(json.exit_code, None);
/// ```
///
/// In JSON every field may be left out: `status` is then `Success`, the others empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandResult {
    /// `InvocationStatus` once finished: `Success`, `Failed`, `Timeout`, `Error`, ...
    #[serde(default = "success_status")]
    pub status: String,
    /// `ExitCode`, if the command ran.
    #[serde(default)]
    pub exit_code: Option<i64>,
    /// The output text (sent Base64-encoded unless the caller asks for plain text); `None`
    /// for the default text naming the command.
    #[serde(default)]
    pub output: Option<String>,
    /// `ErrorCode` (`ExitCodeNonzero`, `ClientNotRunning`, ...).
    #[serde(default)]
    pub error_code: Option<String>,
    /// `ErrorInfo`.
    #[serde(default)]
    pub error_info: Option<String>,
    /// `Dropped`: bytes of output cut off because it was too long.
    #[serde(default)]
    pub dropped: u32,
}

fn success_status() -> String {
    "Success".into()
}

impl Default for CommandResult {
    fn default() -> Self {
        CommandResult::success()
    }
}

impl CommandResult {
    /// Exit code 0 and the default output.
    pub fn success() -> Self {
        CommandResult {
            status: "Success".into(),
            exit_code: Some(0),
            output: None,
            error_code: None,
            error_info: None,
            dropped: 0,
        }
    }

    /// The command exited with `code` and printed `output`: `Success` for 0, otherwise
    /// `Failed` with `ExitCodeNonzero`.
    pub fn exit(code: i64, output: impl Into<String>) -> Self {
        let mut result = CommandResult {
            output: Some(output.into()),
            exit_code: Some(code),
            ..CommandResult::success()
        };
        if code != 0 {
            result.status = "Failed".into();
            result.error_code = Some("ExitCodeNonzero".into());
            result.error_info = Some(format!("the command exited with code {code}"));
        }
        result
    }

    /// The command could not run: `status` (`Failed`, `Timeout`, ...) with `error_code` and
    /// its message, no exit code, no output.
    pub fn error(
        status: impl Into<String>,
        error_code: impl Into<String>,
        error_info: impl Into<String>,
    ) -> Self {
        CommandResult {
            status: status.into(),
            exit_code: None,
            output: Some(String::new()),
            error_code: Some(error_code.into()),
            error_info: Some(error_info.into()),
            dropped: 0,
        }
    }

    /// Reports `bytes` of output as dropped (truncated).
    pub fn dropped(mut self, bytes: u32) -> Self {
        self.dropped = bytes;
        self
    }

    /// Whether the command failed before it reached the instance (no exit code): such
    /// results are final at once, with `InvokeRecordStatus` `Failed`.
    fn undelivered(&self) -> bool {
        self.exit_code.is_none() && self.status != "Success"
    }
}

/// A saved command (`CreateCommand`).
#[derive(Debug, Clone)]
pub(crate) struct SavedCommand {
    pub(crate) name: String,
    pub(crate) kind: String,
    /// The content as plain text.
    pub(crate) content: String,
}

/// One instance's part of an invocation.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) instance_id: String,
    pub(crate) result: CommandResult,
}

/// One invocation: a command sent to some instances.
#[derive(Debug, Clone)]
pub(crate) struct Invocation {
    pub(crate) invoke_id: String,
    pub(crate) command_id: String,
    pub(crate) command: SavedCommand,
    pub(crate) region: String,
    pub(crate) started: tokio::time::Instant,
    /// `started` on the emulator's wall clock, RFC 3339.
    pub(crate) start_time: String,
    pub(crate) entries: Vec<Entry>,
}

/// An entry's state at some moment.
pub(crate) struct Seen<'a> {
    /// `InvocationStatus` of the instance.
    pub(crate) status: &'a str,
    /// `InvokeRecordStatus` of the instance.
    pub(crate) record_status: &'static str,
    /// The result, once final.
    pub(crate) result: Option<&'a CommandResult>,
}

impl Invocation {
    /// What `entry` reports now, given how long commands run.
    pub(crate) fn seen<'a>(&self, entry: &'a Entry, duration: Duration) -> Seen<'a> {
        let result = &entry.result;
        if result.undelivered() {
            return Seen {
                status: &result.status,
                record_status: "Failed",
                result: Some(result),
            };
        }
        if self.started.elapsed() < duration {
            return Seen {
                status: "Running",
                record_status: "Running",
                result: None,
            };
        }
        Seen {
            status: &result.status,
            record_status: "Finished",
            result: Some(result),
        }
    }

    /// The invocation's overall status: `Running` while any instance runs, then `Success`,
    /// `Failed` or `PartialFailed`.
    pub(crate) fn overall(&self, duration: Duration) -> &'static str {
        let seen: Vec<Seen<'_>> = self
            .entries
            .iter()
            .map(|e| self.seen(e, duration))
            .collect();
        if seen.iter().any(|s| s.result.is_none()) {
            "Running"
        } else if seen.iter().all(|s| s.status == "Success") {
            "Success"
        } else if seen.iter().all(|s| s.status != "Success") {
            "Failed"
        } else {
            "PartialFailed"
        }
    }

    /// The output text of `entry`'s result: its own, or the default naming the command.
    pub(crate) fn output(&self, entry: &Entry, result: &CommandResult) -> String {
        result.output.clone().unwrap_or_else(|| {
            let first_line = self.command.content.lines().next().unwrap_or_default();
            format!(
                "[aliyun-emulator] {} ran '{first_line}' on {} (emulated: nothing was executed)\n",
                self.command.kind, entry.instance_id
            )
        })
    }
}

/// Every saved command, invocation and client token.
#[derive(Debug, Clone, Default)]
pub(crate) struct Commands {
    pub(crate) saved: BTreeMap<String, SavedCommand>,
    pub(crate) invocations: Vec<Invocation>,
    /// `(action, token)` → the request's fingerprint and the answer it got.
    tokens: BTreeMap<(String, String), (String, Map<String, Value>)>,
    next_id: u64,
}

impl Commands {
    /// A fresh id with `prefix` (`c-`, `t-`), unique in this world.
    pub(crate) fn new_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}emu{:012x}", self.next_id)
    }

    /// The answer an earlier request with the same token got: `Ok(Some)` to answer it again,
    /// `Err` when the token came with different parameters.
    pub(crate) fn replay(
        &self,
        action: &str,
        token: &str,
        fingerprint: &str,
    ) -> Result<Option<Map<String, Value>>, ()> {
        match self.tokens.get(&(action.to_owned(), token.to_owned())) {
            Some((seen, answer)) if seen == fingerprint => Ok(Some(answer.clone())),
            Some(_) => Err(()),
            None => Ok(None),
        }
    }

    /// Remembers the answer a request with this token got.
    pub(crate) fn remember(
        &mut self,
        action: &str,
        token: &str,
        fingerprint: String,
        answer: &Map<String, Value>,
    ) {
        self.tokens.insert(
            (action.to_owned(), token.to_owned()),
            (fingerprint, answer.clone()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invocation(results: Vec<CommandResult>) -> Invocation {
        Invocation {
            invoke_id: "t-1".into(),
            command_id: "c-1".into(),
            command: SavedCommand {
                name: "n".into(),
                kind: "RunShellScript".into(),
                content: "uname -a\nexit 0".into(),
            },
            region: "cn-hangzhou".into(),
            started: tokio::time::Instant::now(),
            start_time: String::new(),
            entries: results
                .into_iter()
                .enumerate()
                .map(|(n, result)| Entry {
                    instance_id: format!("i-{n}"),
                    result,
                })
                .collect(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn results_run_then_finish() {
        let run = invocation(vec![
            CommandResult::success(),
            CommandResult::exit(3, "boom"),
            CommandResult::error("Failed", "ClientNotRunning", "no client"),
        ]);
        let duration = Duration::from_secs(2);
        let seen: Vec<&str> = run
            .entries
            .iter()
            .map(|e| run.seen(e, duration).status)
            .collect();
        assert_eq!(seen, ["Running", "Running", "Failed"]);
        assert_eq!(run.overall(duration), "Running");
        tokio::time::advance(duration).await;
        let seen: Vec<(&str, &str)> = run
            .entries
            .iter()
            .map(|e| {
                let s = run.seen(e, duration);
                (s.status, s.record_status)
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("Success", "Finished"),
                ("Failed", "Finished"),
                ("Failed", "Failed")
            ]
        );
        assert_eq!(run.overall(duration), "PartialFailed");
        let entry = &run.entries[0];
        assert_eq!(
            run.output(entry, &entry.result),
            "[aliyun-emulator] RunShellScript ran 'uname -a' on i-0 (emulated: nothing was executed)\n"
        );
    }

    #[test]
    fn tokens_replay_only_the_same_request() {
        let mut commands = Commands::default();
        let mut answer = Map::new();
        answer.insert("InvokeId".into(), Value::String("t-1".into()));
        assert_eq!(commands.replay("RunCommand", "tok", "a"), Ok(None));
        commands.remember("RunCommand", "tok", "a".into(), &answer);
        assert_eq!(commands.replay("RunCommand", "tok", "a"), Ok(Some(answer)));
        assert_eq!(commands.replay("RunCommand", "tok", "b"), Err(()));
        assert_eq!(commands.replay("InvokeCommand", "tok", "b"), Ok(None));
        assert_ne!(commands.new_id("t-"), commands.new_id("t-"));
    }
}
