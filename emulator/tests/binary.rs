//! The `aliyun-emulator` binary: started on port 0, it prints its address as the first stdout
//! line, serves the SDK with the keys, instances and faults given as flags, and stops on a
//! signal (here: the child is killed at the end of the test).

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use aliyun_cms::v20170301::types::AgentStatus;

/// Kills the child even when an assertion fails first.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_aliyun-emulator"))
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the emulator binary");
    let stdout = child.stdout.take().expect("stdout");
    let running = Running(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the first line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    (running, url)
}

#[tokio::test]
async fn binary_serves_the_sdk_with_flags() {
    let (_child, url) = spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--access-key",
        "LTAIbinary:binary-secret",
        "--no-default-instances",
        "--instances",
        "i-bin{1..3},os=Windows;i-down,status=Stopped",
        "--fault",
        "throttling:action=NodeInstall,times=1",
        "--cms-install-polls",
        "0",
    ]);
    let config = aliyun_core::Config::builder()
        .endpoint_url(url.clone())
        .region("cn-hangzhou")
        .credentials_provider(aliyun_core::Credentials::new("LTAIbinary", "binary-secret"))
        .retry_policy(common::quick_retries())
        .read_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let cms = aliyun_cms::v20170301::Client::new(&config);
    cms.node_install()
        .instance_id("i-bin2")
        .user_id("1")
        .send()
        .await
        .unwrap();
    let status = cms
        .node_status()
        .instance_id("i-bin2")
        .send()
        .await
        .unwrap();
    assert_eq!(status.status, Some(AgentStatus::Running));

    let ecs = aliyun_ecs::Client::new(&config);
    let all = ecs
        .describe_cloud_assistant_status()
        .max_results(50)
        .send()
        .await
        .unwrap();
    assert_eq!(all.total_count, Some(4), "only the instances given");
    let err = ecs
        .reboot_instance()
        .instance_id("i-down")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("IncorrectInstanceStatus"));

    // The admin API: the log shows the throttled attempt and its retry.
    let addr = url.trim_start_matches("http://").parse().unwrap();
    let request = b"GET /_emulator/requests?action=NodeInstall HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let log = common::raw(addr, request).await.unwrap().json();
    assert_eq!(log.as_array().unwrap().len(), 2, "{log}");
    assert_eq!(log[0]["code"], "Throttling.User");
    assert_eq!(log[1]["outcome"], "ok");
    assert_eq!(log[1]["access_key_id"], "LTAIbinary");
}

#[test]
fn help_documents_the_default_keys_and_bad_flags_fail() {
    let help = Command::new(env!("CARGO_BIN_EXE_aliyun-emulator"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(
        text.contains(aliyun_emulator::DEFAULT_ACCESS_KEY_ID),
        "{text}"
    );
    assert!(text.contains(aliyun_emulator::DEFAULT_ACCESS_KEY_SECRET));
    assert!(text.contains("--clock-offset-secs"));

    let bad = Command::new(env!("CARGO_BIN_EXE_aliyun-emulator"))
        .args(["--listen", "127.0.0.1:0", "--fault", "bogus"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("bogus"));
}
