//! The `node_install` example works against the emulator through the environment variables
//! users set (`ALIBABA_CLOUD_ACCESS_KEY_*`, `ALIBABA_CLOUD_ENDPOINT_URL_CMS`), printing the
//! request id, and on a service error the code and request id on stderr with exit status 1.

use std::path::PathBuf;
use std::process::Command;

use aliyun_emulator::{
    DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, Emulator, FailMode, Fault, Instance,
};

fn example(name: &str) -> Option<PathBuf> {
    let dir = std::env::current_exe()
        .ok()?
        .parent()?
        .parent()?
        .join("examples");
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    path.exists().then_some(path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_install_example() {
    let Some(binary) = example("node_install") else {
        panic!("the example is not built: run `cargo test -p aliyun-cms` (which builds examples)");
    };
    let emulator = Emulator::builder()
        .instance(Instance::new("i-fails").cms_install_fails(FailMode::Always))
        .start()
        .await
        .expect("emulator");
    let run = |args: &[&str]| {
        Command::new(&binary)
            .env_clear()
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID)
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEFAULT_ACCESS_KEY_SECRET)
            .env("ALIBABA_CLOUD_ENDPOINT_URL_CMS", emulator.base_url())
            .env("ALIBABA_CLOUD_REGION_ID", "cn-hangzhou")
            .env("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
            .args(args)
            .output()
            .expect("runs")
    };

    let ok = run(&["--user-id", "1234567898765432", "i-emu000001"]);
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(stdout.starts_with("request id: "), "{stdout}");
    assert!(!stdout.contains("request id: -"), "{stdout}");
    let installs = emulator.requests_for("NodeInstall");
    assert_eq!(installs.len(), 1);
    assert_eq!(installs[0].method, "GET");

    // The legacy HTTP-200 failure is an error: code and request id on stderr, exit 1.
    let failed = run(&["--user-id", "1234567898765432", "i-fails"]);
    assert_eq!(failed.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("code 500"), "{stderr}");
    assert!(stderr.contains("request id "), "{stderr}");

    // With --wait, a status poll refused for good ends the wait after that one poll (no real
    // time passes waiting for a second look), naming the code.
    emulator.add_fault(
        Fault::error(403, "Forbidden.RAM", "User not authorized.").action("NodeStatusList"),
    );
    let polls_before = emulator.requests_for("NodeStatusList").len();
    let forbidden = run(&["--user-id", "1234567898765432", "--wait", "i-emu000003"]);
    assert_eq!(forbidden.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&forbidden.stderr);
    assert!(
        stderr.contains("status poll failed: Forbidden.RAM (request id "),
        "{stderr}"
    );
    assert!(
        stderr.contains("i-emu000003: failed at the Status step: code Forbidden.RAM"),
        "{stderr}"
    );
    assert_eq!(
        emulator.requests_for("NodeStatusList").len(),
        polls_before + 1
    );
    emulator.shutdown().await;
}
