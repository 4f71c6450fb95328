//! Shared set-up for the end-to-end tests in `tests/`: an emulator with a fleet, and SDK
//! configurations pointing at it with short retry waits.

use std::time::Duration;

use aliyun_core::Config;
use aliyun_core::workflow::PollPolicy;
use aliyun_emulator::{Emulator, EmulatorBuilder, Instance};

/// Instance ids `prefix0001`..: `count` of them, zero-padded to 4 digits.
pub fn ids(prefix: &str, from: usize, count: usize) -> Vec<String> {
    (from..from + count)
        .map(|n| format!("{prefix}{n:04}"))
        .collect()
}

/// An emulator builder whose world holds exactly `instances` (in `cn-hangzhou`).
pub fn emulator_with(instances: impl IntoIterator<Item = Instance>) -> EmulatorBuilder {
    Emulator::builder()
        .no_default_instances()
        .instances(instances)
}

pub use aliyun_core::testing::support::quick_retries;

/// An SDK configuration for `emulator` with [`quick_retries`].
pub fn config(emulator: &Emulator) -> Config {
    emulator
        .sdk_config_builder()
        .retry_policy(quick_retries())
        .build()
        .expect("emulator config")
}

/// An SDK configuration for `emulator` through its in-process transport (no socket), with
/// [`quick_retries`]: for tests on a paused tokio clock.
pub fn in_process_config(emulator: &Emulator) -> Config {
    emulator
        .in_process_config_builder()
        .retry_policy(quick_retries())
        .build()
        .expect("emulator config")
}

/// Status polling paced for loopback: looks every few milliseconds, gives up after 30 s.
pub fn quick_poll() -> PollPolicy {
    PollPolicy {
        initial_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        multiplier: 2.0,
        deadline: Duration::from_secs(30),
    }
}

/// The README's Rust examples compile (run by `cargo test --doc -p aliyun-tests`).
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
