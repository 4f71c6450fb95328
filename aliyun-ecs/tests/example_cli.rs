//! The `install_cloud_assistant` example works against the emulator through the environment
//! variables users set: credentials from `ALIBABA_CLOUD_ACCESS_KEY_*`, the endpoint from
//! `ALIBABA_CLOUD_ENDPOINT_URL_ECS`.
//!
//! `cargo test` builds the examples before running tests; this test runs the built binary.

use std::path::PathBuf;
use std::process::Command;

use aliyun_emulator::{DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, Emulator};

fn example(name: &str) -> Option<PathBuf> {
    // target/<profile>/deps/<this test> → target/<profile>/examples/<name>
    let dir = std::env::current_exe()
        .ok()?
        .parent()?
        .parent()?
        .join("examples");
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    path.exists().then_some(path)
}

fn command(binary: &PathBuf, endpoint: &str) -> Command {
    let mut command = Command::new(binary);
    command
        .env_clear()
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEFAULT_ACCESS_KEY_SECRET)
        .env("ALIBABA_CLOUD_ENDPOINT_URL_ECS", endpoint)
        .env("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true");
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_cloud_assistant_example() {
    let Some(binary) = example("install_cloud_assistant") else {
        panic!("the example is not built: run `cargo test -p aliyun-ecs` (which builds examples)");
    };
    let emulator = Emulator::start().await.expect("emulator");
    let url = emulator.base_url().to_owned();

    let ok = command(&binary, &url)
        .args(["--region", "cn-hangzhou", "i-emu000001", "i-emu000002"])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(stdout.contains("request id: "), "{stdout}");
    assert!(stdout.contains("i-emu000001: PendingReboot"), "{stdout}");
    let installs = emulator.requests_for("InstallCloudAssistant");
    assert_eq!(installs.len(), 1);
    assert_eq!(
        installs[0].params.get("RegionId").map(String::as_str),
        Some("cn-hangzhou")
    );
    assert!(
        emulator.requests_for("RebootInstance").is_empty(),
        "no reboot without --reboot"
    );

    let missing = command(&binary, &url)
        .args(["--region", "cn-hangzhou", "i-missing"])
        .output()
        .expect("runs");
    assert_eq!(missing.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("InvalidInstance.NotFound"), "{stderr}");

    // A service error: every call fails with InternalError.
    emulator.add_fault(aliyun_emulator::Fault::internal_error().action("InstallCloudAssistant"));
    let failing = command(&binary, &url)
        .args(["--region", "cn-hangzhou", "i-emu000003"])
        .output()
        .expect("runs");
    assert_eq!(failing.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&failing.stderr);
    assert!(stderr.contains("code InternalError"), "{stderr}");
    assert!(stderr.contains("request id "), "{stderr}");
    emulator.clear_faults();

    // A status poll refused for good: the wait ends after that one poll, naming the code.
    emulator.add_fault(
        aliyun_emulator::Fault::error(
            403,
            "Forbidden.RAM",
            "User not authorized to operate on the specified resource.",
        )
        .action("DescribeCloudAssistantStatus"),
    );
    let forbidden = command(&binary, &url)
        .args([
            "--region",
            "cn-hangzhou",
            "--reboot",
            "--wait",
            "i-emu000004",
        ])
        .output()
        .expect("runs");
    assert_eq!(forbidden.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&forbidden.stderr);
    assert!(
        stderr.contains("status poll failed: Forbidden.RAM (request id "),
        "{stderr}"
    );
    assert!(
        stderr.contains("i-emu000004: failed at the Status step: code Forbidden.RAM"),
        "{stderr}"
    );
    assert_eq!(
        emulator.requests_for("DescribeCloudAssistantStatus").len(),
        1
    );
    emulator.shutdown().await;
}
